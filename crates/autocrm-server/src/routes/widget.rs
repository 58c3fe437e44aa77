//! The chat widget's API: visitor sessions, conversations, typing, read state.

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

//! Interactive tutorials: authoring and runs.

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

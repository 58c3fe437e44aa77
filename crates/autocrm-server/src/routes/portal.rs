//! Customer portal: sign-up, magic links, password resets, OIDC sign-in, ratings.

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

//! The public help center at `/help`: server-rendered HTML (readable and
//! searchable without JavaScript).

use axum::Router;

use crate::AppState;

/// The help center's routes (outside the API's authorisation layer).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
}

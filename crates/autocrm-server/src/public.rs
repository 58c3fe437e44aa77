//! The workspace a public page belongs to: the help center, the customer
//! portal and the widget serve customers who are not signed in, so the
//! workspace cannot come from a principal.
//!
//! Resolution order: a slug the request names explicitly (the widget's
//! `data-workspace`, a portal form's `workspace`), then the server's
//! `public_workspace` setting, then the oldest workspace (a single-shop
//! install needs no setting). An unknown explicit slug is "not found", never
//! a silent fall-back to another workspace.

use autocrm_store::entity::workspaces;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The workspace a public request addresses.
pub async fn workspace(app: &AppState, explicit: Option<&str>) -> ApiResult<workspaces::Model> {
    let slug = explicit.map(str::trim).filter(|s| !s.is_empty());
    let configured = Some(app.config.public_workspace.trim()).filter(|s| !s.is_empty());
    if let Some(slug) = slug.or(configured) {
        return autocrm_store::workspaces::by_slug(&app.store, slug).await?.ok_or_else(ApiError::not_found);
    }
    autocrm_store::workspaces::all(&app.store).await?.into_iter().min_by_key(|w| w.id).ok_or_else(ApiError::not_found)
}

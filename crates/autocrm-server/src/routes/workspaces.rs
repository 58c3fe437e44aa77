//! The caller's workspace and its settings: display name, IANA time zone and
//! BCP 47 locale. Every field of a patch is checked before anything changes.

use autocrm_domain::workspaces::{Locale, TimeZone, WorkspaceError, WorkspaceName};
use autocrm_store::FieldProblem;
use autocrm_store::entity::workspaces;
use autocrm_store::workspaces::WorkspacePatch as StorePatch;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;

/// The workspace routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_workspace, update_workspace))
}

/// The workspace and its settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceOut {
    /// Id.
    pub id: i64,
    /// The slug used to sign in (fixed).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// IANA time zone (`Europe/Berlin`).
    pub time_zone: String,
    /// BCP 47 language tag (`en-US`).
    pub locale: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A change to the workspace settings; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspacePatch {
    /// Display name (1–100 characters).
    pub name: Option<String>,
    /// IANA time zone such as `Europe/Berlin`, `America/New_York` or `UTC`.
    pub time_zone: Option<String>,
    /// BCP 47 language tag such as `en`, `en-US` or `de` (stored in canonical case).
    pub locale: Option<String>,
}

fn workspace_out(w: workspaces::Model) -> WorkspaceOut {
    WorkspaceOut {
        id: w.id,
        slug: w.slug,
        name: w.name,
        time_zone: w.time_zone,
        locale: w.locale,
        created_at: w.created_at,
        updated_at: w.updated_at,
    }
}

/// The caller's workspace.
#[utoipa::path(get, path = "/api/v1/workspace", tag = "settings", responses((status = 200, body = WorkspaceOut)))]
async fn get_workspace(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<WorkspaceOut>> {
    Ok(Json(workspace_out(autocrm_store::workspaces::current(&app.store, &p).await?)))
}

/// Changes the workspace's name, time zone or locale (recorded as `workspace.updated`).
#[utoipa::path(patch, path = "/api/v1/workspace", tag = "settings", request_body = WorkspacePatch,
    responses((status = 200, body = WorkspaceOut), (status = 422, description = "A field is invalid; nothing changed", body = crate::error::Problem)))]
async fn update_workspace(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<WorkspacePatch>,
) -> ApiResult<Json<WorkspaceOut>> {
    let mut problems = Vec::new();
    let patch = StorePatch {
        name: input.name.as_deref().and_then(|n| parsed(&mut problems, "/name", WorkspaceName::parse(n))),
        time_zone: input.time_zone.as_deref().and_then(|tz| parsed(&mut problems, "/time_zone", TimeZone::parse(tz))),
        locale: input.locale.as_deref().and_then(|l| parsed(&mut problems, "/locale", Locale::parse(l))),
    };
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    Ok(Json(workspace_out(autocrm_store::workspaces::update(&app.store, &p, patch).await?)))
}

/// The parsed value, or its problem added to `problems`.
fn parsed<T>(problems: &mut Vec<FieldProblem>, pointer: &str, r: Result<T, WorkspaceError>) -> Option<T> {
    r.map_err(|e| problems.push(FieldProblem::new(pointer, e.to_string()))).ok()
}

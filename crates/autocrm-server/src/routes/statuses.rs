//! Ticket statuses (admin-defined, each in a fixed category).

use autocrm_domain::StatusCategory;
use autocrm_store::entity::statuses;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};

/// The status routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_statuses, create_status)).routes(routes!(update_status))
}

/// A new status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    /// Name (1–60 characters).
    pub name: String,
    /// Its fixed category.
    pub category: StatusCategory,
}

/// A change to a status.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusPatch {
    /// New name.
    pub name: Option<String>,
    /// New display position.
    pub position: Option<i32>,
    /// (De)activate; a category's default cannot be deactivated.
    pub active: Option<bool>,
}

/// A status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Fixed category.
    pub category: StatusCategory,
    /// Display position.
    pub position: i32,
    /// The default of its category.
    pub is_default: bool,
    /// Offered for new changes.
    pub active: bool,
}

fn status_out(s: statuses::Model) -> ApiResult<StatusOut> {
    Ok(StatusOut {
        category: StatusCategory::parse(&s.category).map_err(ApiError::internal)?,
        id: s.id,
        name: s.name,
        position: s.position,
        is_default: s.is_default,
        active: s.active,
    })
}

/// Every status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusList {
    /// Statuses in display order.
    pub data: Vec<StatusOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// Every status of the workspace in display order.
#[utoipa::path(get, path = "/api/v1/statuses", tag = "settings", responses((status = 200, body = StatusList)))]
async fn list_statuses(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<StatusList>> {
    let rows = autocrm_store::statuses::list(&app.store, &p).await?;
    Ok(Json(StatusList { data: rows.into_iter().map(status_out).collect::<ApiResult<_>>()?, next_cursor: None }))
}

/// Creates a status at the end of the list.
#[utoipa::path(post, path = "/api/v1/statuses", tag = "settings", request_body = StatusIn,
    responses((status = 201, body = StatusOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_status(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<StatusIn>,
) -> ApiResult<(StatusCode, Json<StatusOut>)> {
    let row = autocrm_store::statuses::create(&app.store, &p, &input.name, input.category).await?;
    Ok((StatusCode::CREATED, Json(status_out(row)?)))
}

/// Renames, reorders or (de)activates a status.
#[utoipa::path(patch, path = "/api/v1/statuses/{id}", tag = "settings", params(("id" = i64, Path)), request_body = StatusPatch,
    responses((status = 200, body = StatusOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn update_status(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<StatusPatch>,
) -> ApiResult<Json<StatusOut>> {
    let row = autocrm_store::statuses::update(&app.store, &p, id, patch.name.as_deref(), patch.position, patch.active)
        .await?;
    Ok(Json(status_out(row)?))
}

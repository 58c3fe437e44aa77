//! The AI's routes: the workspace's ticket categories, an agent's category
//! for a ticket (which trains the classifier), and the trained models.
//!
//! Triage itself has no route: every inbound customer message is triaged as
//! it is stored (see `autocrm_store::ai`), and tickets and messages carry it.

use autocrm_store::ai::{CategoryIn, ModelInfo};
use autocrm_store::entity::ticket_categories;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::tickets::{TicketOut, ticket_out};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Id};

/// The AI routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_ticket_categories, create_ticket_category))
        .routes(routes!(update_ticket_category, delete_ticket_category))
        .routes(routes!(set_ticket_category))
        .routes(routes!(list_models))
        .routes(routes!(retrain_models))
}

/// A ticket category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    /// Id.
    pub id: i64,
    /// What the classifier predicts and filters compare (`shipping`).
    pub key: String,
    /// Shown to agents (`Shipping & delivery`).
    pub name: String,
    /// What belongs in it.
    pub description: String,
    /// Display position.
    pub position: i32,
}

impl From<ticket_categories::Model> for CategoryOut {
    fn from(c: ticket_categories::Model) -> Self {
        Self { id: c.id, key: c.key, name: c.name, description: c.description, position: c.position }
    }
}

/// Every category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// Categories in display order.
    pub data: Vec<CategoryOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryNew {
    /// 1–40 characters of a-z, 0-9, `_` and `-`, starting with a letter; fixed once created.
    pub key: String,
    /// 1–80 characters.
    pub name: String,
    /// Up to 500 characters.
    #[serde(default)]
    pub description: String,
}

/// A change to a category (its key stays).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
}

/// The workspace's ticket categories.
#[utoipa::path(get, path = "/api/v1/ticket-categories", tag = "ai", responses((status = 200, body = CategoryList)))]
async fn list_ticket_categories(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<CategoryList>> {
    let rows = autocrm_store::ai::list_ticket_categories(&app.store, &p).await?;
    Ok(Json(CategoryList { data: rows.into_iter().map(CategoryOut::from).collect(), next_cursor: None }))
}

/// Adds a category.
#[utoipa::path(post, path = "/api/v1/ticket-categories", tag = "ai", request_body = CategoryNew,
    responses((status = 201, body = CategoryOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_ticket_category(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<CategoryNew>,
) -> ApiResult<(StatusCode, Json<CategoryOut>)> {
    let row = autocrm_store::ai::create_ticket_category(
        &app.store,
        &p,
        &CategoryIn { key: input.key, name: input.name, description: input.description },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Renames a category or changes its description.
#[utoipa::path(patch, path = "/api/v1/ticket-categories/{id}", tag = "ai", params(("id" = i64, Path)), request_body = CategoryPatch,
    responses((status = 200, body = CategoryOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_ticket_category(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<CategoryPatch>,
) -> ApiResult<Json<CategoryOut>> {
    let row = autocrm_store::ai::update_ticket_category(
        &app.store,
        &p,
        id,
        input.name.as_deref(),
        input.description.as_deref(),
    )
    .await?;
    Ok(Json(row.into()))
}

/// Deletes a category; its tickets keep no category.
#[utoipa::path(delete, path = "/api/v1/ticket-categories/{id}", tag = "ai", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn delete_ticket_category(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::ai::delete_ticket_category(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An agent's category for a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCategoryIn {
    /// A category key, or `null` to clear it.
    pub category: Option<String>,
    /// A finer label (up to 80 characters), optional.
    #[serde(default)]
    pub intent: Option<String>,
}

/// Sets a ticket's category as an agent: the AI never overrides it, and it
/// trains the workspace's classifier (retrained shortly after).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/category", tag = "ai", params(("id" = i64, Path)), request_body = TicketCategoryIn,
    responses((status = 200, body = TicketOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn set_ticket_category(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<TicketCategoryIn>,
) -> ApiResult<Json<TicketOut>> {
    autocrm_store::ai::set_category(&app.store, &p, id, input.category.as_deref(), input.intent.as_deref()).await?;
    let view = autocrm_store::tickets::get(&app.store, &p, id).await?;
    Ok(Json(ticket_out(&app, &p, view).await?))
}

/// A trained classifier.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelOut {
    /// `category` or `intent`.
    pub kind: String,
    /// Counts retrainings.
    pub version: i32,
    /// Labelled tickets it learned from.
    pub examples: i32,
    /// Distinct labels.
    pub labels: i32,
    /// When it was trained.
    pub trained_at: DateTime<Utc>,
}

impl From<ModelInfo> for ModelOut {
    fn from(m: ModelInfo) -> Self {
        Self { kind: m.kind, version: m.version, examples: m.examples, labels: m.labels, trained_at: m.trained_at }
    }
}

/// The workspace's trained classifiers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelList {
    /// One per kind that has been trained.
    pub data: Vec<ModelOut>,
}

/// The workspace's trained classifiers.
#[utoipa::path(get, path = "/api/v1/ai/models", tag = "ai", responses((status = 200, body = ModelList)))]
async fn list_models(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ModelList>> {
    let rows = autocrm_store::ai::models(&app.store, &p).await?;
    Ok(Json(ModelList { data: rows.into_iter().map(ModelOut::from).collect() }))
}

/// Retrains the workspace's classifiers now from every ticket an agent
/// categorised, and answers with the models in use.
#[utoipa::path(post, path = "/api/v1/ai/models/retrain", tag = "ai", responses((status = 200, body = ModelList)))]
async fn retrain_models(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ModelList>> {
    let rows = autocrm_store::ai::retrain(&app.store, p.workspace_id).await?;
    Ok(Json(ModelList { data: rows.into_iter().map(ModelOut::from).collect() }))
}

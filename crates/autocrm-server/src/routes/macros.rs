//! Macros: list, create, change, delete; preview one on a ticket; apply one.

use autocrm_domain::macros::MacroActions;
use autocrm_store::macros::{Macro, MacroInput};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ListOut;
use super::tickets::{TicketOut, ticket_out};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};

/// The macro routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_macros, create_macro))
        .routes(routes!(get_macro, update_macro, delete_macro))
        .routes(routes!(preview_macro))
        .routes(routes!(apply_macro))
}

/// A macro.
#[derive(Debug, Serialize, ToSchema)]
pub struct MacroOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Shared with the team (else personal).
    pub shared: bool,
    /// The owner of a personal macro.
    pub owner_user_id: Option<i64>,
    /// Ticket changes.
    pub actions: MacroActions,
    /// Reply template (minijinja: `{{ requester.first_name }}`, `{{ ticket.number }}`, `{{ order.status }}` …).
    pub reply: Option<String>,
    /// The reply is posted as an internal note.
    pub reply_internal: bool,
    /// Times applied.
    pub usage_count: i64,
}

fn macro_out(m: Macro) -> MacroOut {
    MacroOut {
        id: m.id,
        name: m.name,
        shared: m.owner_user_id.is_none(),
        owner_user_id: m.owner_user_id,
        actions: m.actions,
        reply: m.reply,
        reply_internal: m.reply_internal,
        usage_count: m.usage_count,
    }
}

/// A new macro or a change (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacroIn {
    /// Name (1–80 characters); required to create.
    pub name: Option<String>,
    /// Ticket changes.
    pub actions: Option<MacroActions>,
    /// Reply template; `""` removes it.
    pub reply: Option<String>,
    /// Post the reply as an internal note.
    pub reply_internal: Option<bool>,
    /// Share with the team (admins only).
    pub shared: Option<bool>,
}

impl From<MacroIn> for MacroInput {
    fn from(m: MacroIn) -> Self {
        Self { name: m.name, actions: m.actions, reply: m.reply, reply_internal: m.reply_internal, shared: m.shared }
    }
}

/// Your macros and the shared ones, by name.
#[utoipa::path(get, path = "/api/v1/macros", tag = "macros", responses((status = 200, body = ListOut<MacroOut>)))]
async fn list_macros(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ListOut<MacroOut>>> {
    let rows = autocrm_store::macros::list(&app.store, &p).await?;
    Ok(Json(ListOut { data: rows.into_iter().map(macro_out).collect(), next_cursor: None }))
}

/// Creates a macro.
#[utoipa::path(post, path = "/api/v1/macros", tag = "macros", request_body = MacroIn,
    responses((status = 201, body = MacroOut), (status = 422, body = crate::error::Problem)))]
async fn create_macro(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<MacroIn>,
) -> ApiResult<(StatusCode, Json<MacroOut>)> {
    let m = autocrm_store::macros::create(&app.store, &p, input.into()).await?;
    Ok((StatusCode::CREATED, Json(macro_out(m))))
}

/// One macro.
#[utoipa::path(get, path = "/api/v1/macros/{id}", tag = "macros", params(("id" = i64, Path)),
    responses((status = 200, body = MacroOut), (status = 404, body = crate::error::Problem)))]
async fn get_macro(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<MacroOut>> {
    Ok(Json(macro_out(autocrm_store::macros::get(&app.store, &p, id).await?)))
}

/// Changes a macro (your own, or a shared one as an admin).
#[utoipa::path(patch, path = "/api/v1/macros/{id}", tag = "macros", params(("id" = i64, Path)), request_body = MacroIn,
    responses((status = 200, body = MacroOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_macro(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<MacroIn>,
) -> ApiResult<Json<MacroOut>> {
    Ok(Json(macro_out(autocrm_store::macros::update(&app.store, &p, id, input.into()).await?)))
}

/// Deletes a macro (your own, or a shared one as an admin).
#[utoipa::path(delete, path = "/api/v1/macros/{id}", tag = "macros", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn delete_macro(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::macros::delete(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn ids(path: &(String, String)) -> ApiResult<(i64, i64)> {
    let parse = |s: &str, name: &str| {
        s.parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| ApiError::field(&format!("/{name}"), "must be a positive integer"))
    };
    Ok((parse(&path.0, "id")?, parse(&path.1, "macro_id")?))
}

/// A rendered reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct MacroPreview {
    /// The reply as HTML (placeholders filled, values escaped), if the macro has one.
    pub reply_html: Option<String>,
    /// Whether it would be posted as an internal note.
    pub reply_internal: bool,
    /// The ticket changes it makes.
    pub actions: MacroActions,
}

/// Renders a macro for a ticket without changing anything (for the editor's `/` menu).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/macros/{macro_id}/preview", tag = "macros",
    params(("id" = i64, Path), ("macro_id" = i64, Path)),
    responses((status = 200, body = MacroPreview), (status = 404, body = crate::error::Problem)))]
async fn preview_macro(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<MacroPreview>> {
    let (ticket_id, macro_id) = ids(&path)?;
    let m = autocrm_store::macros::get(&app.store, &p, macro_id).await?;
    let order = super::commerce::order_vars(&app, &p, ticket_id).await;
    let reply_html = autocrm_store::macros::preview(&app.store, &p, macro_id, ticket_id, order).await?;
    Ok(Json(MacroPreview { reply_html, reply_internal: m.reply_internal, actions: m.actions }))
}

/// How to apply a macro.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyIn {
    /// Post the rendered reply (default true); false when the agent edits it first.
    pub send_reply: Option<bool>,
}

/// What applying did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplyOut {
    /// The ticket afterwards.
    pub ticket: TicketOut,
    /// The rendered reply, if any.
    pub reply_html: Option<String>,
    /// The message posted, when the reply was sent.
    pub message_id: Option<i64>,
}

/// Applies a macro: its ticket changes, its reply (unless `send_reply` is false) and one more use, in one transaction.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/macros/{macro_id}/apply", tag = "macros",
    params(("id" = i64, Path), ("macro_id" = i64, Path)), request_body = ApplyIn,
    responses((status = 200, body = ApplyOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn apply_macro(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<ApplyIn>,
) -> ApiResult<Json<ApplyOut>> {
    let (ticket_id, macro_id) = ids(&path)?;
    let send = input.send_reply.unwrap_or(true);
    let order = super::commerce::order_vars(&app, &p, ticket_id).await;
    let done = autocrm_store::macros::apply(&app.store, &p, macro_id, ticket_id, send, order).await?;
    Ok(Json(ApplyOut {
        ticket: ticket_out(&app, &p, done.ticket).await?,
        reply_html: done.reply_html,
        message_id: done.message_id,
    }))
}

//! Ticket views: saved filters (any property, tags, custom fields), columns
//! and sort; personal or shared; their tickets by cursor and their counts.

use std::collections::BTreeMap;

use autocrm_domain::views::ViewFilter;
use autocrm_store::tickets::TicketSort;
use autocrm_store::views::{View, ViewInput};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ListOut;
use super::tickets::{TicketList, outs};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Id};

/// A count stops here; beyond it the view shows "10,000+".
pub const COUNT_CAP: u64 = 10_000;

/// The view routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_views, create_view))
        .routes(routes!(view_counts))
        .routes(routes!(get_view, update_view, delete_view))
        .routes(routes!(view_tickets))
}

/// A saved view.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Shared with the team (else personal to its owner).
    pub shared: bool,
    /// The owner of a personal view.
    pub owner_user_id: Option<i64>,
    /// What the view shows.
    pub filters: ViewFilter,
    /// Queue columns, in order.
    pub columns: Vec<String>,
    /// `-updated_at`, `updated_at`, `-created_at` or `created_at`.
    pub sort: String,
    /// Order among views.
    pub position: i32,
}

fn view_out(v: View) -> ViewOut {
    ViewOut {
        id: v.id,
        name: v.name,
        shared: v.owner_user_id.is_none(),
        owner_user_id: v.owner_user_id,
        filters: v.filters,
        columns: v.columns,
        sort: v.sort,
        position: v.position,
    }
}

/// A new view, or a change to one (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewIn {
    /// Name (1–80 characters); required to create.
    pub name: Option<String>,
    /// Filter (all parts must match).
    pub filters: Option<ViewFilter>,
    /// Columns (default: number, subject, requester, status, priority, assignee, updated).
    pub columns: Option<Vec<String>>,
    /// Sort (default `-updated_at`).
    pub sort: Option<String>,
    /// Share with the team (admins only); default personal for users, shared for keys.
    pub shared: Option<bool>,
    /// Order among views.
    pub position: Option<i32>,
}

impl From<ViewIn> for ViewInput {
    fn from(v: ViewIn) -> Self {
        Self {
            name: v.name,
            filters: v.filters,
            columns: v.columns,
            sort: v.sort,
            shared: v.shared,
            position: v.position,
        }
    }
}

/// The caller's views: their personal ones and the shared ones.
#[utoipa::path(get, path = "/api/v1/views", tag = "views", responses((status = 200, body = ListOut<ViewOut>)))]
async fn list_views(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ListOut<ViewOut>>> {
    let rows = autocrm_store::views::list(&app.store, &p).await?;
    Ok(Json(ListOut { data: rows.into_iter().map(view_out).collect(), next_cursor: None }))
}

/// Creates a view.
#[utoipa::path(post, path = "/api/v1/views", tag = "views", request_body = ViewIn,
    responses((status = 201, body = ViewOut), (status = 422, body = crate::error::Problem)))]
async fn create_view(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<ViewIn>,
) -> ApiResult<(StatusCode, Json<ViewOut>)> {
    let v = autocrm_store::views::create(&app.store, &p, input.into()).await?;
    Ok((StatusCode::CREATED, Json(view_out(v))))
}

/// One view.
#[utoipa::path(get, path = "/api/v1/views/{id}", tag = "views", params(("id" = i64, Path)),
    responses((status = 200, body = ViewOut), (status = 404, body = crate::error::Problem)))]
async fn get_view(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<ViewOut>> {
    Ok(Json(view_out(autocrm_store::views::get(&app.store, &p, id).await?)))
}

/// Changes a view (your own, or a shared one as an admin).
#[utoipa::path(patch, path = "/api/v1/views/{id}", tag = "views", params(("id" = i64, Path)), request_body = ViewIn,
    responses((status = 200, body = ViewOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_view(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<ViewIn>,
) -> ApiResult<Json<ViewOut>> {
    Ok(Json(view_out(autocrm_store::views::update(&app.store, &p, id, input.into()).await?)))
}

/// Deletes a view (your own, or a shared one as an admin).
#[utoipa::path(delete, path = "/api/v1/views/{id}", tag = "views", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn delete_view(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::views::delete(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Paging through a view.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ViewTicketsParams {
    /// Page size 1–100 (default 50).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The view's tickets in its sort, by keyset cursor; the first page carries the count.
#[utoipa::path(get, path = "/api/v1/views/{id}/tickets", tag = "views", params(("id" = i64, Path), ViewTicketsParams),
    responses((status = 200, body = TicketList), (status = 404, body = crate::error::Problem)))]
async fn view_tickets(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<ViewTicketsParams>,
) -> ApiResult<Json<TicketList>> {
    let view = autocrm_store::views::get(&app.store, &p, id).await?;
    let filter = autocrm_store::views::ticket_filter(&view, &p);
    let sort = TicketSort::parse(&view.sort)?;
    let page = autocrm_store::tickets::list(&app.store, &p, &filter, sort, q.limit, q.cursor.as_deref()).await?;
    let count = if q.cursor.is_none() {
        Some(autocrm_store::tickets::count_matching(&app.store, &p, &filter, COUNT_CAP).await?.count)
    } else {
        None
    };
    Ok(Json(TicketList { data: outs(&app, &p, page.data).await?, next_cursor: page.next_cursor, count }))
}

/// A view's count.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewCount {
    /// Matching tickets (at most 10,000).
    pub count: i64,
    /// More than 10,000 match.
    pub capped: bool,
}

/// Counts for every view the caller has, keyed by view id.
#[utoipa::path(get, path = "/api/v1/views/counts", tag = "views", responses((status = 200, body = BTreeMap<String, ViewCount>)))]
async fn view_counts(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<BTreeMap<String, ViewCount>>> {
    let mut out = BTreeMap::new();
    for view in autocrm_store::views::list(&app.store, &p).await? {
        let filter = autocrm_store::views::ticket_filter(&view, &p);
        let c = autocrm_store::tickets::count_matching(&app.store, &p, &filter, COUNT_CAP).await?;
        out.insert(view.id.to_string(), ViewCount { count: c.count, capped: c.capped });
    }
    Ok(Json(out))
}

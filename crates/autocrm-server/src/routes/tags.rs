//! Ticket tags: the list with usage counts (pickers, filters, the admin
//! list), and the admin's rename, merge and delete across every ticket.

use autocrm_store::tags::TagChange;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};

/// How many tags `GET /api/v1/tags` returns unless asked for more (at most 1000).
const TAG_LIMIT: u64 = 200;

/// The tag routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_tags)).routes(routes!(rename_tag, delete_tag)).routes(routes!(merge_tag))
}

/// A tag and how many tickets carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagOut {
    /// The tag.
    pub tag: String,
    /// Tickets carrying it.
    pub count: i64,
}

/// Tags in use.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    /// Most used first (ties by name), at most `limit`.
    pub data: Vec<TagOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// Tag list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TagListParams {
    /// Only tags containing this text.
    pub q: Option<String>,
    /// How many (1–1000, default 200).
    pub limit: Option<u64>,
}

/// A new name for a tag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagRename {
    /// The new name (normalised like every tag: lower case, spaces as `-`); must not be in use.
    pub name: String,
}

/// The tag to merge into.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagMerge {
    /// A tag in use that replaces the merged one on its tickets.
    pub into: String,
}

/// What a rename, merge or delete did.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagChangeOut {
    /// The tag renamed, merged or deleted.
    pub tag: String,
    /// Its new name, or the tag it was merged into; `null` after a delete.
    pub to: Option<String>,
    /// How many tickets changed (each has a `ticket.updated` event).
    pub tickets: u64,
}

fn change_out(c: TagChange) -> TagChangeOut {
    TagChangeOut { tag: c.tag, to: c.to, tickets: c.tickets }
}

/// The ticket tags in use with their counts, most used first.
#[utoipa::path(get, path = "/api/v1/tags", tag = "settings", params(TagListParams),
    responses((status = 200, body = TagList), (status = 422, body = crate::error::Problem)))]
async fn list_tags(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<TagListParams>,
) -> ApiResult<Json<TagList>> {
    let limit = autocrm_store::page::clamp_limit(q.limit, TAG_LIMIT, 1000)?;
    let rows = autocrm_store::tags::ticket_tag_counts(&app.store, &p, q.q.as_deref(), limit).await?;
    Ok(Json(TagList { data: rows.into_iter().map(|(tag, count)| TagOut { tag, count }).collect(), next_cursor: None }))
}

/// Renames a tag on every ticket carrying it (recorded as `tag.renamed`).
#[utoipa::path(patch, path = "/api/v1/tags/{tag}", tag = "settings", params(("tag" = String, Path)), request_body = TagRename,
    responses((status = 200, body = TagChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "The new name is in use: merge instead", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn rename_tag(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(tag): Path<String>,
    ApiJson(input): ApiJson<TagRename>,
) -> ApiResult<Json<TagChangeOut>> {
    Ok(Json(change_out(autocrm_store::tags::rename(&app.store, &p, &tag, &input.name).await?)))
}

/// Removes a tag from every ticket (recorded as `tag.deleted`).
#[utoipa::path(delete, path = "/api/v1/tags/{tag}", tag = "settings", params(("tag" = String, Path)),
    responses((status = 200, body = TagChangeOut), (status = 404, body = crate::error::Problem)))]
async fn delete_tag(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(tag): Path<String>,
) -> ApiResult<Json<TagChangeOut>> {
    Ok(Json(change_out(autocrm_store::tags::delete(&app.store, &p, &tag).await?)))
}

/// Merges a tag into another: its tickets carry the other tag instead (recorded as `tag.merged`).
#[utoipa::path(post, path = "/api/v1/tags/{tag}/merge", tag = "settings", params(("tag" = String, Path)), request_body = TagMerge,
    responses((status = 200, body = TagChangeOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn merge_tag(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(tag): Path<String>,
    ApiJson(input): ApiJson<TagMerge>,
) -> ApiResult<Json<TagChangeOut>> {
    Ok(Json(change_out(autocrm_store::tags::merge(&app.store, &p, &tag, &input.into).await?)))
}

//! The knowledge base: agents' authoring API (`/api/v1/kb/…`: categories,
//! sections, articles, translations, versions, files, feedback, stats,
//! search, drafting from a reply) and the public JSON API the chat widget
//! and the help center's suggestions call (`/api/v1/help/…`).
//!
//! Authoring is for staff: agents and admins write, publish and restore
//! articles and arrange categories and sections; deleting an article, a
//! section or a category is for admins. Keys need `tickets:read` to read and
//! `tickets:write` to write (`admin` to delete).
//!
//! The public API serves published articles only, of the workspace named by
//! `?workspace=` (else the server's public workspace, see [`crate::public`]);
//! it answers any origin (`Access-Control-Allow-Origin: *`, never with
//! credentials) and its preflights, because the widget calls it from shops'
//! own sites.

use std::collections::BTreeMap;

use autocrm_store::entity::workspaces;
use autocrm_store::kb::articles::{
    Article, ArticleFilter, ArticleMeta, ArticleSummary, NewArticle, Translation, Version,
};
use autocrm_store::kb::files::FileMeta;
use autocrm_store::kb::search::{Hit, Locales, Scope};
use autocrm_store::kb::structure::{Category, HeadingInput, Section};
use autocrm_store::kb::{ArticleStatus, NameText, slugify};
use axum::Json;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use super::{ListOut, double_option};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};

/// The routes: agents' API, then the public API behind its CORS layer.
pub fn router() -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::new()
        .routes(routes!(help_search, help_search_preflight))
        .routes(routes!(help_suggest, help_suggest_preflight))
        .routes(routes!(help_article, help_article_preflight))
        .routes(routes!(help_feedback, help_feedback_preflight))
        .layer(axum::middleware::from_fn(cors));
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(update_category, delete_category))
        .routes(routes!(create_section))
        .routes(routes!(update_section, delete_section))
        .routes(routes!(list_articles, create_article))
        .routes(routes!(article_from_message))
        .routes(routes!(get_article, update_article, delete_article))
        .routes(routes!(publish_article))
        .routes(routes!(unpublish_article))
        .routes(routes!(save_translation, delete_translation))
        .routes(routes!(list_versions))
        .routes(routes!(restore_version))
        .routes(routes!(article_feedback))
        .routes(
            routes!(list_files, upload_file)
                .layer(axum::extract::DefaultBodyLimit::max(autocrm_store::kb::files::MAX_FILE_BYTES + 64 * 1024)),
        )
        .routes(routes!(delete_file))
        .routes(routes!(search_articles))
        .routes(routes!(kb_stats))
        .merge(public)
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/// An article's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KbStatus {
    /// Being written; agents only.
    Draft,
    /// In the help center and the widget.
    Published,
    /// For agents only (internal procedures).
    Internal,
}

impl From<ArticleStatus> for KbStatus {
    fn from(s: ArticleStatus) -> Self {
        match s {
            ArticleStatus::Draft => Self::Draft,
            ArticleStatus::Published => Self::Published,
            ArticleStatus::Internal => Self::Internal,
        }
    }
}

impl From<KbStatus> for ArticleStatus {
    fn from(s: KbStatus) -> Self {
        match s {
            KbStatus::Draft => Self::Draft,
            KbStatus::Published => Self::Published,
            KbStatus::Internal => Self::Internal,
        }
    }
}

/// A name and description in one locale (plain text).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbNameIn {
    /// Name (1–120 characters).
    pub name: String,
    /// Description (up to 500 characters).
    #[serde(default)]
    pub description: String,
}

/// A category with its sections.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbCategoryOut {
    /// Id.
    pub id: i64,
    /// Sort order.
    pub position: i32,
    /// Name and description per locale.
    pub translations: BTreeMap<String, KbNameIn>,
    /// Its sections, in order.
    pub sections: Vec<KbSectionOut>,
}

/// A section.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbSectionOut {
    /// Id.
    pub id: i64,
    /// Its category.
    pub category_id: i64,
    /// Sort order inside the category.
    pub position: i32,
    /// Name and description per locale.
    pub translations: BTreeMap<String, KbNameIn>,
    /// Articles in it (any status).
    pub article_count: i64,
}

fn names_out(n: &autocrm_store::kb::Names) -> BTreeMap<String, KbNameIn> {
    n.iter().map(|(k, v)| (k.clone(), KbNameIn { name: v.name.clone(), description: v.description.clone() })).collect()
}

fn names_in(n: BTreeMap<String, Option<KbNameIn>>) -> BTreeMap<String, Option<NameText>> {
    n.into_iter().map(|(k, v)| (k, v.map(|v| NameText { name: v.name, description: v.description }))).collect()
}

fn section_out(s: &Section, counts: &BTreeMap<i64, i64>) -> KbSectionOut {
    KbSectionOut {
        id: s.id,
        category_id: s.category_id,
        position: s.position,
        translations: names_out(&s.translations),
        article_count: counts.get(&s.id).copied().unwrap_or(0),
    }
}

fn category_out(c: &Category, sections: &[Section], counts: &BTreeMap<i64, i64>) -> KbCategoryOut {
    KbCategoryOut {
        id: c.id,
        position: c.position,
        translations: names_out(&c.translations),
        sections: sections.iter().filter(|s| s.category_id == c.id).map(|s| section_out(s, counts)).collect(),
    }
}

/// A new category or a change (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbCategoryIn {
    /// Names per locale; `null` for a locale removes it (required to create).
    #[schema(value_type = Option<BTreeMap<String, KbNameIn>>)]
    pub translations: Option<BTreeMap<String, Option<KbNameIn>>>,
    /// Sort order (default: last).
    pub position: Option<i32>,
}

/// A change to a section (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbSectionIn {
    /// Another category to move the section to.
    pub category_id: Option<i64>,
    /// Names per locale; `null` for a locale removes it.
    #[schema(value_type = Option<BTreeMap<String, KbNameIn>>)]
    pub translations: Option<BTreeMap<String, Option<KbNameIn>>>,
    /// Sort order in its category.
    pub position: Option<i32>,
}

/// One language version of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbTranslationOut {
    /// BCP 47 tag.
    pub locale: String,
    /// Title.
    pub title: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Current version number.
    pub version: i32,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
    /// Where the public reads it (when published).
    pub url: String,
}

/// A related article.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbRelatedOut {
    /// Id.
    pub id: i64,
    /// Title (in the workspace's locale where it has one).
    pub title: String,
    /// Status.
    pub status: KbStatus,
}

/// A file attached to an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbFileOut {
    /// Opaque id.
    pub id: String,
    /// File name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// An image browsers show inline (use `url` as an `<img src>`).
    pub image: bool,
    /// Where it is served (publicly once the article is published; to staff always).
    pub url: String,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
}

/// An article with its translations.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbArticleOut {
    /// Id.
    pub id: i64,
    /// Section (`null`: unfiled).
    pub section_id: Option<i64>,
    /// Status.
    pub status: KbStatus,
    /// Author.
    pub author_user_id: Option<i64>,
    /// Author's name.
    pub author_name: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Sort order in the section.
    pub position: i32,
    /// Ticket it was drafted from.
    pub source_ticket_id: Option<i64>,
    /// Reply it was drafted from.
    pub source_message_id: Option<i64>,
    /// Views.
    pub view_count: i64,
    /// "Helpful" votes.
    pub helpful_yes: i64,
    /// "Not helpful" votes.
    pub helpful_no: i64,
    /// Last published.
    pub published_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Translations, by locale.
    pub translations: Vec<KbTranslationOut>,
    /// Related articles, in order.
    pub related: Vec<KbRelatedOut>,
    /// Files.
    pub attachments: Vec<KbFileOut>,
}

/// An article in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbArticleSummaryOut {
    /// Id.
    pub id: i64,
    /// Section.
    pub section_id: Option<i64>,
    /// Status.
    pub status: KbStatus,
    /// Title in the requested locale (or the workspace's).
    pub title: String,
    /// The locale of `title`.
    pub locale: String,
    /// Every locale it is translated into.
    pub locales: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Sort order.
    pub position: i32,
    /// Views.
    pub view_count: i64,
    /// "Helpful" votes.
    pub helpful_yes: i64,
    /// "Not helpful" votes.
    pub helpful_no: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn summary_out(s: ArticleSummary) -> KbArticleSummaryOut {
    KbArticleSummaryOut {
        id: s.id,
        section_id: s.section_id,
        status: s.status.into(),
        title: s.title,
        locale: s.locale,
        locales: s.locales,
        tags: s.tags,
        position: s.position,
        view_count: s.view_count,
        helpful_yes: s.helpful_yes,
        helpful_no: s.helpful_no,
        updated_at: s.updated_at,
    }
}

/// The public address of a published article in `locale`.
pub(crate) fn article_url(app: &AppState, id: i64, title: &str, locale: &str) -> String {
    format!("{}{}", app.config.public_url.trim_end_matches('/'), article_path(id, title, locale))
}

/// The help center's path of an article in `locale`.
pub(crate) fn article_path(id: i64, title: &str, locale: &str) -> String {
    let slug = slugify(title);
    let tail = if slug.is_empty() { String::new() } else { format!("-{slug}") };
    format!("/help/articles/{id}{tail}?lang={}", url_encode(locale))
}

/// The help center's path of a file.
pub(crate) fn file_path(public_id: &str, filename: &str) -> String {
    format!("/help/files/{public_id}/{}", url_encode(filename))
}

/// Percent-encodes a path segment or query value.
pub(crate) fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

fn file_out(f: FileMeta) -> KbFileOut {
    KbFileOut {
        url: file_path(&f.public_id, &f.filename),
        image: autocrm_store::kb::files::is_inline_image(&f.content_type),
        id: f.public_id,
        filename: f.filename,
        content_type: f.content_type,
        size: f.size,
        created_at: f.created_at,
    }
}

fn translation_out(app: &AppState, id: i64, t: Translation) -> KbTranslationOut {
    KbTranslationOut {
        url: article_url(app, id, &t.title, &t.locale),
        locale: t.locale,
        title: t.title,
        body_html: t.body_html,
        version: t.version,
        updated_at: t.updated_at,
    }
}

async fn article_out(app: &AppState, p: &autocrm_domain::Principal, a: Article) -> ApiResult<KbArticleOut> {
    let ws = autocrm_store::workspaces::by_id(&app.store, p.workspace_id).await?;
    let related = autocrm_store::kb::articles::summaries(&app.store, p, &a.related_ids, &ws.locale)
        .await?
        .into_iter()
        .map(|r| KbRelatedOut { id: r.id, title: r.title, status: r.status.into() })
        .collect();
    let files = autocrm_store::kb::files::list(&app.store, p, a.id).await?;
    Ok(KbArticleOut {
        id: a.id,
        section_id: a.section_id,
        status: a.status.into(),
        author_user_id: a.author_user_id,
        author_name: a.author_name,
        tags: a.tags,
        position: a.position,
        source_ticket_id: a.source_ticket_id,
        source_message_id: a.source_message_id,
        view_count: a.view_count,
        helpful_yes: a.helpful_yes,
        helpful_no: a.helpful_no,
        published_at: a.published_at,
        created_at: a.created_at,
        updated_at: a.updated_at,
        translations: a.translations.into_iter().map(|t| translation_out(app, a.id, t)).collect(),
        related,
        attachments: files.into_iter().map(file_out).collect(),
    })
}

// ---------------------------------------------------------------------------
// Categories and sections
// ---------------------------------------------------------------------------

/// Categories with their sections, in order (the knowledge base's tree).
#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "kb", responses((status = 200, body = ListOut<KbCategoryOut>)))]
async fn list_categories(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ListOut<KbCategoryOut>>> {
    if !p.sees_all_tickets() {
        return Err(ApiError::forbidden());
    }
    let cats = autocrm_store::kb::structure::categories(&app.store, p.workspace_id).await?;
    let secs = autocrm_store::kb::structure::sections(&app.store, p.workspace_id).await?;
    let counts = section_counts(&app, &p).await?;
    Ok(Json(ListOut { data: cats.iter().map(|c| category_out(c, &secs, &counts)).collect(), next_cursor: None }))
}

async fn section_counts(app: &AppState, p: &autocrm_domain::Principal) -> ApiResult<BTreeMap<i64, i64>> {
    Ok(autocrm_store::kb::structure::article_counts(&app.store, p).await?.into_iter().collect())
}

/// Creates a category.
#[utoipa::path(post, path = "/api/v1/kb/categories", tag = "kb", request_body = KbCategoryIn,
    responses((status = 201, body = KbCategoryOut), (status = 422, body = crate::error::Problem)))]
async fn create_category(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<KbCategoryIn>,
) -> ApiResult<(StatusCode, Json<KbCategoryOut>)> {
    let input =
        HeadingInput { category_id: None, translations: input.translations.map(names_in), position: input.position };
    let c = autocrm_store::kb::structure::create_category(&app.store, &p, input).await?;
    Ok((StatusCode::CREATED, Json(category_out(&c, &[], &BTreeMap::new()))))
}

/// Renames, re-describes or re-orders a category.
#[utoipa::path(patch, path = "/api/v1/kb/categories/{id}", tag = "kb", params(("id" = i64, Path)), request_body = KbCategoryIn,
    responses((status = 200, body = KbCategoryOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_category(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<KbCategoryIn>,
) -> ApiResult<Json<KbCategoryOut>> {
    let input =
        HeadingInput { category_id: None, translations: input.translations.map(names_in), position: input.position };
    let c = autocrm_store::kb::structure::update_category(&app.store, &p, id, input).await?;
    let secs = autocrm_store::kb::structure::sections(&app.store, p.workspace_id).await?;
    let counts = section_counts(&app, &p).await?;
    Ok(Json(category_out(&c, &secs, &counts)))
}

/// Deletes an empty category (admins).
#[utoipa::path(delete, path = "/api/v1/kb/categories/{id}", tag = "kb", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn delete_category(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::kb::structure::delete_category(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new section.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbNewSectionIn {
    /// Names per locale (at least one).
    #[schema(value_type = BTreeMap<String, KbNameIn>)]
    pub translations: BTreeMap<String, Option<KbNameIn>>,
    /// Sort order (default: last in the category).
    pub position: Option<i32>,
}

/// Creates a section in a category.
#[utoipa::path(post, path = "/api/v1/kb/categories/{id}/sections", tag = "kb", params(("id" = i64, Path)), request_body = KbNewSectionIn,
    responses((status = 201, body = KbSectionOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_section(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(category_id): Id,
    ApiJson(input): ApiJson<KbNewSectionIn>,
) -> ApiResult<(StatusCode, Json<KbSectionOut>)> {
    // Reach first: another workspace's category is a 404.
    autocrm_store::kb::structure::category(&app.store, &p, category_id).await?;
    let input = HeadingInput {
        category_id: Some(category_id),
        translations: Some(names_in(input.translations)),
        position: input.position,
    };
    let s = autocrm_store::kb::structure::create_section(&app.store, &p, input).await?;
    Ok((StatusCode::CREATED, Json(section_out(&s, &BTreeMap::new()))))
}

/// Renames, moves or re-orders a section.
#[utoipa::path(patch, path = "/api/v1/kb/sections/{id}", tag = "kb", params(("id" = i64, Path)), request_body = KbSectionIn,
    responses((status = 200, body = KbSectionOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_section(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<KbSectionIn>,
) -> ApiResult<Json<KbSectionOut>> {
    let input = HeadingInput {
        category_id: input.category_id,
        translations: input.translations.map(names_in),
        position: input.position,
    };
    let s = autocrm_store::kb::structure::update_section(&app.store, &p, id, input).await?;
    let counts = section_counts(&app, &p).await?;
    Ok(Json(section_out(&s, &counts)))
}

/// Deletes an empty section (admins).
#[utoipa::path(delete, path = "/api/v1/kb/sections/{id}", tag = "kb", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn delete_section(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::kb::structure::delete_section(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// Articles
// ---------------------------------------------------------------------------

/// Which articles to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ArticleListParams {
    /// Only this status.
    pub status: Option<KbStatus>,
    /// Only this section (in its order, one page).
    pub section_id: Option<i64>,
    /// Only articles in no section (one page).
    pub unfiled: Option<bool>,
    /// Titles in this locale (default: the workspace's).
    pub locale: Option<String>,
    /// Page size 1–500 (default 100).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Articles, newest first (or one section's, in order).
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "kb", params(ArticleListParams),
    responses((status = 200, body = ListOut<KbArticleSummaryOut>), (status = 400, body = crate::error::Problem)))]
async fn list_articles(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<ArticleListParams>,
) -> ApiResult<Json<ListOut<KbArticleSummaryOut>>> {
    let section_id = if q.unfiled == Some(true) { Some(None) } else { q.section_id.map(Some) };
    let filter = ArticleFilter { status: q.status.map(Into::into), section_id, locale: q.locale };
    let page = autocrm_store::kb::articles::list(&app.store, &p, &filter, q.limit, q.cursor.as_deref()).await?;
    Ok(Json(ListOut::from_page(page, summary_out)))
}

/// A new article with its first translation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbArticleIn {
    /// Title of the first translation.
    pub title: String,
    /// Body (HTML, sanitised; or plain text).
    #[serde(default)]
    pub body_html: String,
    /// Locale of the first translation (default: the workspace's).
    pub locale: Option<String>,
    /// Section (required to publish).
    pub section_id: Option<i64>,
    /// Status (default `draft`).
    pub status: Option<KbStatus>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Sort order in the section.
    pub position: Option<i32>,
    /// Related articles, in order.
    pub related_ids: Option<Vec<i64>>,
}

/// A change to an article's metadata (absent fields stay).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbArticlePatch {
    /// Section, or `null` to unfile (a published article needs one).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub section_id: Option<Option<i64>>,
    /// Status.
    pub status: Option<KbStatus>,
    /// Tags (replaced).
    pub tags: Option<Vec<String>>,
    /// Sort order.
    pub position: Option<i32>,
    /// Related articles (replaced, in order).
    pub related_ids: Option<Vec<i64>>,
}

/// Creates an article (a draft unless `status` says otherwise).
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "kb", request_body = KbArticleIn,
    responses((status = 201, body = KbArticleOut), (status = 422, body = crate::error::Problem)))]
async fn create_article(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<KbArticleIn>,
) -> ApiResult<(StatusCode, Json<KbArticleOut>)> {
    let new = NewArticle {
        meta: ArticleMeta {
            section_id: input.section_id.map(Some),
            status: input.status.map(Into::into),
            tags: input.tags,
            position: input.position,
            related_ids: input.related_ids,
        },
        locale: input.locale,
        title: input.title,
        body: input.body_html,
    };
    let a = autocrm_store::kb::articles::create(&app.store, &p, new).await?;
    Ok((StatusCode::CREATED, Json(article_out(&app, &p, a).await?)))
}

/// One article with every translation.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "kb", params(("id" = i64, Path)),
    responses((status = 200, body = KbArticleOut), (status = 404, body = crate::error::Problem)))]
async fn get_article(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<KbArticleOut>> {
    let a = autocrm_store::kb::articles::get(&app.store, &p, id).await?;
    Ok(Json(article_out(&app, &p, a).await?))
}

/// Changes an article's section, status, tags, position or related articles.
#[utoipa::path(patch, path = "/api/v1/kb/articles/{id}", tag = "kb", params(("id" = i64, Path)), request_body = KbArticlePatch,
    responses((status = 200, body = KbArticleOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_article(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<KbArticlePatch>,
) -> ApiResult<Json<KbArticleOut>> {
    let meta = ArticleMeta {
        section_id: input.section_id,
        status: input.status.map(Into::into),
        tags: input.tags,
        position: input.position,
        related_ids: input.related_ids,
    };
    let a = autocrm_store::kb::articles::update(&app.store, &p, id, meta).await?;
    Ok(Json(article_out(&app, &p, a).await?))
}

/// Deletes an article with its translations, versions and files (admins).
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "kb", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_article(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::kb::articles::delete(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes an article (it must be in a section).
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/publish", tag = "kb", params(("id" = i64, Path)),
    responses((status = 200, body = KbArticleOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn publish_article(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<KbArticleOut>> {
    let a = autocrm_store::kb::articles::publish(&app.store, &p, id).await?;
    Ok(Json(article_out(&app, &p, a).await?))
}

/// Takes an article out of the help center (back to draft).
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/unpublish", tag = "kb", params(("id" = i64, Path)),
    responses((status = 200, body = KbArticleOut), (status = 404, body = crate::error::Problem)))]
async fn unpublish_article(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<KbArticleOut>> {
    let a = autocrm_store::kb::articles::unpublish(&app.store, &p, id).await?;
    Ok(Json(article_out(&app, &p, a).await?))
}

/// A translation's new content.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbTranslationIn {
    /// Title (1–200 characters).
    pub title: String,
    /// Body (HTML, sanitised).
    pub body_html: String,
}

/// An article id and a second path segment (a locale, a file id).
fn id_and(path: &(String, String)) -> ApiResult<(i64, String)> {
    let id = path.0.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(ApiError::not_found)?;
    Ok((id, path.1.clone()))
}

/// Saves a translation: creates it, or stores its next version.
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}/translations/{locale}", tag = "kb",
    params(("id" = i64, Path), ("locale" = String, Path, description = "BCP 47 tag")), request_body = KbTranslationIn,
    responses((status = 200, body = KbTranslationOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn save_translation(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<KbTranslationIn>,
) -> ApiResult<Json<KbTranslationOut>> {
    let (id, locale) = id_and(&path)?;
    let t = autocrm_store::kb::articles::save_translation(&app.store, &p, id, &locale, &input.title, &input.body_html)
        .await?;
    Ok(Json(translation_out(&app, id, t)))
}

/// Removes a translation (not the last one).
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}/translations/{locale}", tag = "kb",
    params(("id" = i64, Path), ("locale" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn delete_translation(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (id, locale) = id_and(&path)?;
    autocrm_store::kb::articles::delete_translation(&app.store, &p, id, &locale).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A saved version.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbVersionOut {
    /// Id (to restore it).
    pub id: i64,
    /// Locale.
    pub locale: String,
    /// Number per locale (1, 2, …).
    pub number: i32,
    /// Title as saved.
    pub title: String,
    /// Body as saved.
    pub body_html: String,
    /// Who saved it.
    pub author_user_id: Option<i64>,
    /// Their name.
    pub author_name: String,
    /// The version it restored, if it was a restore.
    pub restored_from: Option<i64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

fn version_out(v: Version) -> KbVersionOut {
    KbVersionOut {
        id: v.id,
        locale: v.locale,
        number: v.number,
        title: v.title,
        body_html: v.body_html,
        author_user_id: v.author_user_id,
        author_name: v.author_name,
        restored_from: v.restored_from,
        created_at: v.created_at,
    }
}

/// Which versions.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionParams {
    /// Only this locale's.
    pub locale: Option<String>,
}

/// An article's version history, newest first (the latest 200).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/versions", tag = "kb", params(("id" = i64, Path), VersionParams),
    responses((status = 200, body = ListOut<KbVersionOut>), (status = 404, body = crate::error::Problem)))]
async fn list_versions(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<VersionParams>,
) -> ApiResult<Json<ListOut<KbVersionOut>>> {
    let rows = autocrm_store::kb::articles::versions(&app.store, &p, id, q.locale.as_deref()).await?;
    Ok(Json(ListOut { data: rows.into_iter().map(version_out).collect(), next_cursor: None }))
}

/// Restores a version: its content becomes the translation's next version.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/versions/{version_id}/restore", tag = "kb",
    params(("id" = i64, Path), ("version_id" = i64, Path)),
    responses((status = 200, body = KbTranslationOut), (status = 404, body = crate::error::Problem)))]
async fn restore_version(
    State(app): State<AppState>,
    Caller(p): Caller,
    crate::extract::Ids(id, version_id): crate::extract::Ids,
) -> ApiResult<Json<KbTranslationOut>> {
    let t = autocrm_store::kb::articles::restore(&app.store, &p, id, version_id).await?;
    Ok(Json(translation_out(&app, id, t)))
}

/// Drafting an article from a reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbFromMessageIn {
    /// An agent's public reply.
    pub message_id: i64,
}

/// Drafts an article from an agent's public reply (title: the ticket's subject).
#[utoipa::path(post, path = "/api/v1/kb/articles/from-message", tag = "kb", request_body = KbFromMessageIn,
    responses((status = 201, body = KbArticleOut), (status = 422, body = crate::error::Problem)))]
async fn article_from_message(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<KbFromMessageIn>,
) -> ApiResult<(StatusCode, Json<KbArticleOut>)> {
    let a = autocrm_store::kb::articles::from_message(&app.store, &p, input.message_id).await?;
    Ok((StatusCode::CREATED, Json(article_out(&app, &p, a).await?)))
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// An article's files.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/attachments", tag = "kb", params(("id" = i64, Path)),
    responses((status = 200, body = ListOut<KbFileOut>), (status = 404, body = crate::error::Problem)))]
async fn list_files(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<ListOut<KbFileOut>>> {
    let rows = autocrm_store::kb::files::list(&app.store, &p, id).await?;
    Ok(Json(ListOut { data: rows.into_iter().map(file_out).collect(), next_cursor: None }))
}

/// Uploads a file or image to an article (`multipart/form-data` with `file`).
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/attachments", tag = "kb", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file` (≤ 20 MiB)"),
    responses((status = 201, body = KbFileOut), (status = 404, body = crate::error::Problem), (status = 413, body = crate::error::Problem)))]
async fn upload_file(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<KbFileOut>)> {
    // Reach first: another workspace's article is a 404 whatever the body holds.
    autocrm_store::kb::articles::get(&app.store, &p, id).await?;
    let mut form = form.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
    let mut file: Option<(String, String, Vec<u8>)> = None;
    while let Some(field) =
        form.next_field().await.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("file").to_owned();
            let ct = field.content_type().unwrap_or("application/octet-stream").to_owned();
            let bytes = field.bytes().await.map_err(|_| {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the file is larger than 20 MiB")
            })?;
            file = Some((name, ct, bytes.to_vec()));
        }
    }
    let (name, ct, bytes) = file.ok_or_else(|| ApiError::field("/file", "is required"))?;
    if bytes.len() > autocrm_store::kb::files::MAX_FILE_BYTES {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the file is larger than 20 MiB"));
    }
    let f = autocrm_store::kb::files::upload(&app.store, &p, id, &name, &ct, &bytes).await?;
    Ok((StatusCode::CREATED, Json(file_out(f))))
}

/// Removes a file from an article.
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}/attachments/{file_id}", tag = "kb",
    params(("id" = i64, Path), ("file_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_file(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (id, file_id) = id_and(&path)?;
    autocrm_store::kb::files::delete(&app.store, &p, id, &file_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// Feedback, stats, search
// ---------------------------------------------------------------------------

/// One vote.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbFeedbackOut {
    /// Id.
    pub id: i64,
    /// Locale read.
    pub locale: String,
    /// Whether it helped.
    pub helpful: bool,
    /// Comment (plain text).
    pub comment: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Votes per locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbLocaleVotes {
    /// Locale.
    pub locale: String,
    /// Yes votes.
    pub yes: i64,
    /// No votes.
    pub no: i64,
}

/// An article's feedback: totals and the latest votes.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbArticleFeedbackOut {
    /// Yes votes.
    pub yes: i64,
    /// No votes.
    pub no: i64,
    /// Per locale.
    pub by_locale: Vec<KbLocaleVotes>,
    /// The latest votes (up to 200), newest first.
    pub data: Vec<KbFeedbackOut>,
}

/// An article's "Was this helpful?" votes and comments.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/feedback", tag = "kb", params(("id" = i64, Path)),
    responses((status = 200, body = KbArticleFeedbackOut), (status = 404, body = crate::error::Problem)))]
async fn article_feedback(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<KbArticleFeedbackOut>> {
    let (stats, rows) = autocrm_store::kb::stats::feedback(&app.store, &p, id, 200).await?;
    Ok(Json(KbArticleFeedbackOut {
        yes: stats.yes,
        no: stats.no,
        by_locale: stats.by_locale.into_iter().map(|(locale, yes, no)| KbLocaleVotes { locale, yes, no }).collect(),
        data: rows
            .into_iter()
            .map(|f| KbFeedbackOut {
                id: f.id,
                locale: f.locale,
                helpful: f.helpful,
                comment: f.comment,
                created_at: f.created_at,
            })
            .collect(),
    }))
}

/// The period of the statistics.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsParams {
    /// First day (UTC, `YYYY-MM-DD`; default 29 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last day (default today).
    pub to: Option<NaiveDate>,
    /// Only this article's daily views.
    pub article_id: Option<i64>,
}

/// Views of a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbDayViewsOut {
    /// Day (UTC).
    pub day: NaiveDate,
    /// Views.
    pub views: i64,
}

/// One article's numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbArticleStatsOut {
    /// Article.
    pub id: i64,
    /// Title (workspace locale).
    pub title: String,
    /// Views in the period.
    pub views: i64,
    /// Views ever.
    pub views_total: i64,
    /// Yes votes ever.
    pub helpful_yes: i64,
    /// No votes ever.
    pub helpful_no: i64,
}

/// Knowledge-base reporting.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbStatsOut {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Views per day with views (all articles, or `article_id`'s).
    pub daily: Vec<KbDayViewsOut>,
    /// Every article, most viewed in the period first.
    pub articles: Vec<KbArticleStatsOut>,
}

/// Views per day and per article, and votes, for a period.
#[utoipa::path(get, path = "/api/v1/kb/stats", tag = "kb", params(StatsParams),
    responses((status = 200, body = KbStatsOut), (status = 422, body = crate::error::Problem)))]
async fn kb_stats(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<StatsParams>,
) -> ApiResult<Json<KbStatsOut>> {
    let to = q.to.unwrap_or_else(|| app.store.now().date_naive());
    let from = q.from.unwrap_or(to - chrono::Days::new(29));
    let daily = autocrm_store::kb::stats::daily_views(&app.store, &p, q.article_id, from, to).await?;
    let stats = autocrm_store::kb::stats::article_stats(&app.store, &p, from, to).await?;
    let ws = autocrm_store::workspaces::by_id(&app.store, p.workspace_id).await?;
    let ids: Vec<i64> = stats.iter().map(|s| s.article_id).collect();
    let titles = autocrm_store::kb::articles::titles(&app.store, ws.id, &ids, &ws.locale, &ws.locale).await?;
    Ok(Json(KbStatsOut {
        from,
        to,
        daily: daily.into_iter().map(|d| KbDayViewsOut { day: d.day, views: d.views }).collect(),
        articles: stats
            .into_iter()
            .map(|s| KbArticleStatsOut {
                title: titles.get(&s.article_id).map(|t| t.0.clone()).unwrap_or_default(),
                id: s.article_id,
                views: s.views,
                views_total: s.views_total,
                helpful_yes: s.helpful_yes,
                helpful_no: s.helpful_no,
            })
            .collect(),
    }))
}

/// An agent's search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgentSearchParams {
    /// Words (the last may be unfinished).
    pub q: String,
    /// Only this locale (with the workspace's locale standing in); default: every locale.
    pub locale: Option<String>,
    /// Only articles of this status.
    pub status: Option<KbStatus>,
    /// Most results (1–50, default 20).
    pub limit: Option<u64>,
}

/// A search result for agents.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbAgentHitOut {
    /// Article.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Excerpt with `<mark>`ed matches (escaped, safe as HTML).
    pub snippet_html: String,
    /// Status.
    pub status: KbStatus,
    /// Locale of the matching translation.
    pub locale: String,
    /// Its public address (what to link customers to).
    pub url: String,
}

/// Agent search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbAgentSearchOut {
    /// Results, best first.
    pub data: Vec<KbAgentHitOut>,
    /// The corrected query the results are for, when the query had typos.
    pub did_you_mean: Option<String>,
}

/// Searches every article (drafts and internal ones too), for the composer's "insert article link".
#[utoipa::path(get, path = "/api/v1/kb/search", tag = "kb", params(AgentSearchParams),
    responses((status = 200, body = KbAgentSearchOut), (status = 422, body = crate::error::Problem)))]
async fn search_articles(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<AgentSearchParams>,
) -> ApiResult<Json<KbAgentSearchOut>> {
    if !p.sees_all_tickets() {
        return Err(ApiError::forbidden());
    }
    let ws = autocrm_store::workspaces::by_id(&app.store, p.workspace_id).await?;
    let wanted = match &q.locale {
        Some(l) => Some(autocrm_store::kb::parse_locale(l, "/locale")?),
        None => None,
    };
    let locales = Locales { wanted, default: ws.locale.clone() };
    let limit = q.limit.unwrap_or(20).clamp(1, 50);
    // Over-fetch when a status filter drops some.
    let fetch = if q.status.is_some() { 100 } else { limit };
    let out = autocrm_store::kb::search::search(&app.store, ws.id, Scope::Staff, &locales, &q.q, fetch).await?;
    let want: Option<ArticleStatus> = q.status.map(Into::into);
    let data = out
        .hits
        .into_iter()
        .filter(|h| want.is_none_or(|s| h.status == s))
        .take(limit as usize)
        .map(|h| KbAgentHitOut {
            url: article_url(&app, h.article_id, &h.title, &h.locale),
            id: h.article_id,
            title: h.title,
            snippet_html: h.snippet_html,
            status: h.status.into(),
            locale: h.locale,
        })
        .collect();
    Ok(Json(KbAgentSearchOut { data, did_you_mean: out.did_you_mean }))
}

// ---------------------------------------------------------------------------
// The public help API (widget, help-center suggestions)
// ---------------------------------------------------------------------------

/// Adds the CORS headers every public help answer carries, and answers preflights.
async fn cors(req: Request, next: Next) -> Response {
    let preflight = req.method() == Method::OPTIONS;
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if preflight {
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    }
    res
}

/// A preflight's empty answer (the CORS layer adds the headers).
fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The workspace and locale a public request asks for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HelpParams {
    /// Workspace slug (default: the server's public workspace).
    pub workspace: Option<String>,
    /// Preferred locale (default: `Accept-Language`, then the workspace's).
    pub locale: Option<String>,
}

/// A public search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HelpSearchParams {
    /// Words (typos are corrected when nothing matches).
    pub q: String,
    /// Preferred locale.
    pub locale: Option<String>,
    /// Workspace slug.
    pub workspace: Option<String>,
    /// Most results (1–50, default 10).
    pub limit: Option<u64>,
}

/// A public search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpSearchHit {
    /// Article.
    pub id: i64,
    /// Title (plain text).
    pub title: String,
    /// Excerpt with `<mark>`ed matches; escaped, safe to insert as HTML.
    pub snippet_html: String,
    /// The article in the help center.
    pub url: String,
    /// The locale of the result (the workspace's default where the requested one is missing).
    pub locale: String,
}

/// A title suggestion.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpSuggestion {
    /// Article.
    pub id: i64,
    /// Title (plain text).
    pub title: String,
    /// The article in the help center.
    pub url: String,
    /// Locale of the title.
    pub locale: String,
}

/// A link to a related article.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpRelated {
    /// Article.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The article in the help center.
    pub url: String,
    /// Locale of the title.
    pub locale: String,
}

/// A published article.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpArticleOut {
    /// Article.
    pub id: i64,
    /// Title (plain text).
    pub title: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// The locale shown.
    pub locale: String,
    /// True when the requested locale has no translation and the workspace's default is shown.
    pub fallback: bool,
    /// The article in the help center.
    pub url: String,
    /// Published related articles.
    pub related: Vec<HelpRelated>,
}

/// A visitor's vote.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HelpFeedbackIn {
    /// Whether the article helped.
    pub helpful: bool,
    /// Optional comment (up to 2000 characters).
    pub comment: Option<String>,
    /// The locale read (default: the workspace's).
    pub locale: Option<String>,
}

/// The workspace and its help-center locales for a public request.
pub(crate) async fn public_context(app: &AppState, slug: Option<&str>) -> ApiResult<(workspaces::Model, Vec<String>)> {
    let ws = crate::public::workspace(app, slug).await?;
    let locales = autocrm_store::kb::public::locales(&app.store, &ws).await?;
    Ok((ws, locales))
}

/// The locale to answer in: the requested one if offered (or its language),
/// else the first offered language of `Accept-Language`, else the default.
pub(crate) fn choose_locale(wanted: Option<&str>, headers: &HeaderMap, offered: &[String], default: &str) -> String {
    let offered_str = offered.iter().map(String::as_str);
    if let Some(w) = wanted.map(str::trim).filter(|w| !w.is_empty())
        && let Some(l) = autocrm_store::kb::best_locale(w, offered_str.clone())
    {
        return l.to_owned();
    }
    for lang in accept_language(headers) {
        if let Some(l) = autocrm_store::kb::best_locale(&lang, offered_str.clone()) {
            return l.to_owned();
        }
    }
    default.to_owned()
}

/// Languages of `Accept-Language`, by preference.
pub(crate) fn accept_language(headers: &HeaderMap) -> Vec<String> {
    let Some(v) = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
        return Vec::new();
    };
    let mut langs: Vec<(f32, usize, String)> = v
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut it = part.trim().split(';');
            let tag = it.next()?.trim();
            if tag.is_empty() || tag == "*" || tag.len() > 35 {
                return None;
            }
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            (q > 0.0).then(|| (q, i, tag.to_owned()))
        })
        .collect();
    langs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    langs.into_iter().map(|(_, _, t)| t).take(10).collect()
}

/// The public address of an article, naming the workspace when the request did.
fn public_url(app: &AppState, id: i64, title: &str, locale: &str, slug: Option<&str>) -> String {
    let url = article_url(app, id, title, locale);
    match slug.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => format!("{url}&workspace={}", url_encode(s)),
        None => url,
    }
}

fn hit_out(app: &AppState, h: Hit, slug: Option<&str>) -> HelpSearchHit {
    HelpSearchHit {
        url: public_url(app, h.article_id, &h.title, &h.locale, slug),
        id: h.article_id,
        title: h.title,
        snippet_html: h.snippet_html,
        locale: h.locale,
    }
}

/// Searches published articles (typo-tolerant, ranked, highlighted).
#[utoipa::path(get, path = "/api/v1/help/search", tag = "help", params(HelpSearchParams),
    responses((status = 200, body = Vec<HelpSearchHit>), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn help_search(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<HelpSearchParams>,
) -> ApiResult<Json<Vec<HelpSearchHit>>> {
    let (ws, offered) = public_context(&app, q.workspace.as_deref()).await?;
    let locale = choose_locale(q.locale.as_deref(), &headers, &offered, &ws.locale);
    let locales = Locales { wanted: Some(locale), default: ws.locale.clone() };
    let limit = q.limit.unwrap_or(10).clamp(1, 50);
    let out = autocrm_store::kb::search::search(&app.store, ws.id, Scope::Public, &locales, &q.q, limit).await?;
    Ok(Json(out.hits.into_iter().map(|h| hit_out(&app, h, q.workspace.as_deref())).collect()))
}

/// Preflight for the public search.
#[utoipa::path(options, path = "/api/v1/help/search", tag = "help", responses((status = 204, description = "CORS preflight")))]
async fn help_search_preflight() -> StatusCode {
    preflight()
}

/// Titles of published articles matching what has been typed so far.
#[utoipa::path(get, path = "/api/v1/help/suggest", tag = "help", params(HelpSearchParams),
    responses((status = 200, body = Vec<HelpSuggestion>), (status = 404, body = crate::error::Problem)))]
async fn help_suggest(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<HelpSearchParams>,
) -> ApiResult<Json<Vec<HelpSuggestion>>> {
    let (ws, offered) = public_context(&app, q.workspace.as_deref()).await?;
    let locale = choose_locale(q.locale.as_deref(), &headers, &offered, &ws.locale);
    let locales = Locales { wanted: Some(locale), default: ws.locale.clone() };
    let limit = q.limit.unwrap_or(8).clamp(1, 20);
    let hits = autocrm_store::kb::search::suggest(&app.store, ws.id, Scope::Public, &locales, &q.q, limit).await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| HelpSuggestion {
                url: public_url(&app, h.article_id, &h.title, &h.locale, q.workspace.as_deref()),
                id: h.article_id,
                title: h.title,
                locale: h.locale,
            })
            .collect(),
    ))
}

/// Preflight for suggestions.
#[utoipa::path(options, path = "/api/v1/help/suggest", tag = "help", responses((status = 204, description = "CORS preflight")))]
async fn help_suggest_preflight() -> StatusCode {
    preflight()
}

fn public_article_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(ApiError::not_found)
}

/// A published article in the requested locale (or the workspace's, with `fallback`); counts a view.
#[utoipa::path(get, path = "/api/v1/help/articles/{article_id}", tag = "help",
    params(("article_id" = i64, Path), HelpParams),
    responses((status = 200, body = HelpArticleOut), (status = 404, body = crate::error::Problem)))]
async fn help_article(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<HelpParams>,
) -> ApiResult<Json<HelpArticleOut>> {
    let id = public_article_id(&raw)?;
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    // The language asked for, even if no article has it yet: `fallback` tells the reader.
    let wanted = q
        .locale
        .clone()
        .filter(|l| !l.trim().is_empty())
        .or_else(|| accept_language(&headers).into_iter().next())
        .unwrap_or_else(|| ws.locale.clone());
    let a = autocrm_store::kb::public::article(&app.store, &ws, id, &wanted).await?;
    autocrm_store::kb::stats::record_view(&app.store, ws.id, id).await?;
    let slug = q.workspace.as_deref();
    Ok(Json(HelpArticleOut {
        id,
        url: public_url(&app, id, &a.translation.title, &a.translation.locale, slug),
        title: a.translation.title,
        body_html: a.translation.body_html,
        locale: a.translation.locale,
        fallback: a.fallback,
        related: a
            .related
            .into_iter()
            .map(|r| HelpRelated {
                url: public_url(&app, r.id, &r.title, &r.locale, slug),
                id: r.id,
                title: r.title,
                locale: r.locale,
            })
            .collect(),
    }))
}

/// Preflight for articles.
#[utoipa::path(options, path = "/api/v1/help/articles/{article_id}", tag = "help",
    params(("article_id" = i64, Path)), responses((status = 204, description = "CORS preflight")))]
async fn help_article_preflight() -> StatusCode {
    preflight()
}

/// Records "Was this helpful?" for a published article.
#[utoipa::path(post, path = "/api/v1/help/articles/{article_id}/feedback", tag = "help",
    params(("article_id" = i64, Path), HelpParams), request_body = HelpFeedbackIn,
    responses((status = 204, description = "Recorded"), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn help_feedback(
    State(app): State<AppState>,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<HelpParams>,
    ApiJson(input): ApiJson<HelpFeedbackIn>,
) -> ApiResult<StatusCode> {
    let id = public_article_id(&raw)?;
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let locale = input.locale.or(q.locale).unwrap_or_else(|| ws.locale.clone());
    autocrm_store::kb::stats::record_feedback(&app.store, ws.id, id, &locale, input.helpful, input.comment.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Preflight for feedback.
#[utoipa::path(options, path = "/api/v1/help/articles/{article_id}/feedback", tag = "help",
    params(("article_id" = i64, Path)), responses((status = 204, description = "CORS preflight")))]
async fn help_feedback_preflight() -> StatusCode {
    preflight()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_ordered_by_quality() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr;q=0.5, de-CH, en;q=0.8, *;q=0.1"));
        assert_eq!(accept_language(&h), ["de-CH", "en", "fr"]);
        let offered = vec!["en".to_owned(), "de".to_owned()];
        assert_eq!(choose_locale(None, &h, &offered, "en"), "de");
        assert_eq!(choose_locale(Some("en-GB"), &h, &offered, "en"), "en");
        assert_eq!(choose_locale(Some("xx"), &HeaderMap::new(), &offered, "en"), "en");
    }

    #[test]
    fn article_paths_carry_a_readable_slug_and_the_language() {
        assert_eq!(article_path(7, "Return an item", "de"), "/help/articles/7-return-an-item?lang=de");
        assert_eq!(article_path(7, "???", "en"), "/help/articles/7?lang=en");
    }
}

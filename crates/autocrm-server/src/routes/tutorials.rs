//! Interactive tutorials: the staff authoring API (`/api/v1/tutorials/…`:
//! drafts, graph validation, publishing, images, analytics) and the public
//! JSON API the widget and help center run them with (`/api/v1/help/tutorials…`,
//! `/api/v1/help/tutorial-runs/…`).
//!
//! Authoring is for staff (keys: `tickets:read` to read, `tickets:write` to
//! write). The public API shows published versions only, of the workspace
//! named by `?workspace=` (else the server's public workspace, see
//! [`crate::public`]); it answers any origin (`Access-Control-Allow-Origin: *`,
//! never with credentials) and its preflights. A run's id is its credential.
//! Who opens a ticket from a run comes from the caller, never the body: a
//! signed-in customer (same-origin session with its CSRF token) or a widget
//! visitor (visitor token) of that workspace is the requester; anyone else
//! gives a name and e-mail address and is rate limited.

use std::collections::BTreeMap;

use autocrm_domain::auth::PrincipalKind;
use autocrm_domain::tutorials::{LocaleText, Outcome, PathEntry, RunChannel, Step, Target, pick};
use autocrm_domain::{EmailAddress, Principal, Role};
use autocrm_store::tutorials::analytics::{Analytics, Filter};
use autocrm_store::tutorials::runs::{NewRun, Prefill, Requester, RunView};
use autocrm_store::tutorials::{Image, Published, Status, Tutorial, TutorialInput};
use autocrm_store::{FieldProblem, StoreError};
use axum::Json;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use super::ListOut;
use crate::AppState;
use crate::auth::{Caller, SESSION_COOKIE, cookie};
use crate::error::{ApiError, ApiResult, ProblemField};
use crate::extract::{ApiJson, ApiQuery, ClientIp, Id};

/// The routes: staff API, then the public API behind its CORS layer.
pub fn router() -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::new()
        .routes(routes!(list_public_tutorials, list_public_tutorials_preflight))
        .routes(routes!(get_public_tutorial, get_public_tutorial_preflight))
        .routes(routes!(start_run, start_run_preflight))
        .routes(routes!(get_run, get_run_preflight))
        .routes(routes!(choose, choose_preflight))
        .routes(routes!(open_run_ticket, open_run_ticket_preflight))
        .routes(routes!(get_tutorial_image, get_tutorial_image_preflight))
        .layer(axum::middleware::from_fn(cors));
    OpenApiRouter::new()
        .routes(routes!(list_tutorials, create_tutorial))
        .routes(routes!(get_tutorial, update_tutorial, delete_tutorial))
        .routes(routes!(validate_tutorial))
        .routes(routes!(publish_tutorial))
        .routes(routes!(unpublish_tutorial))
        .routes(routes!(tutorial_analytics))
        .routes(
            routes!(upload_tutorial_image)
                .layer(axum::extract::DefaultBodyLimit::max(autocrm_store::tutorials::MAX_IMAGE_BYTES + 64 * 1024)),
        )
        .merge(public)
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/// Draft or published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TutorialStatus {
    /// Only staff see it.
    Draft,
    /// Its latest published version is public.
    Published,
}

impl From<Status> for TutorialStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Draft => Self::Draft,
            Status::Published => Self::Published,
        }
    }
}

/// An uploaded step image.
#[derive(Debug, Serialize, ToSchema)]
pub struct TutorialImageOut {
    /// What a step's `image` refers to.
    pub id: String,
    /// File name.
    pub filename: String,
    /// `image/png` …
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Where it is served.
    pub url: String,
}

/// A tutorial as its authors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TutorialOut {
    /// Id.
    pub id: i64,
    /// Draft or published.
    pub status: TutorialStatus,
    /// The language every text needs; others fall back to it.
    pub default_locale: String,
    /// Title per locale.
    #[schema(value_type = BTreeMap<String, String>)]
    pub title: LocaleText,
    /// Description per locale.
    #[schema(value_type = BTreeMap<String, String>)]
    pub description: LocaleText,
    /// Tags.
    pub tags: Vec<String>,
    /// The start step's key.
    pub start: String,
    /// The draft's steps.
    pub steps: Vec<Step>,
    /// Every locale some text is written in.
    pub locales: Vec<String>,
    /// Grows by one per saved change; send it back with a change.
    pub revision: i64,
    /// The latest published version.
    pub published_version: Option<i64>,
    /// Published, but the draft has changes customers do not see yet.
    pub has_unpublished_changes: bool,
    /// Uploaded step images.
    pub images: Vec<TutorialImageOut>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
}

fn image_out(workspace: &str, i: Image) -> TutorialImageOut {
    TutorialImageOut {
        url: image_path(workspace, &i.public_id),
        id: i.public_id,
        filename: i.filename,
        content_type: i.content_type,
        size: i.size,
    }
}

fn image_path(workspace: &str, public_id: &str) -> String {
    format!("/api/v1/help/tutorial-images/{public_id}?workspace={workspace}")
}

fn tutorial_out(workspace: &str, t: Tutorial) -> TutorialOut {
    let locales = autocrm_domain::tutorials::locales(&t.title, &t.graph).into_iter().collect();
    TutorialOut {
        id: t.id,
        status: t.status.into(),
        default_locale: t.default_locale,
        title: t.title,
        description: t.description,
        tags: t.tags,
        start: t.graph.start,
        steps: t.graph.steps,
        locales,
        revision: t.revision,
        published_version: t.published_version,
        has_unpublished_changes: t.has_unpublished_changes,
        images: t.images.into_iter().map(|i| image_out(workspace, i)).collect(),
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

/// A tutorial in the authors' list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TutorialSummaryOut {
    /// Id.
    pub id: i64,
    /// Draft or published.
    pub status: TutorialStatus,
    /// Title in the default locale.
    pub title: String,
    /// Description in the default locale.
    pub description: String,
    /// The default locale.
    pub default_locale: String,
    /// Every locale some text is written in.
    pub locales: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Number of steps in the draft.
    pub step_count: usize,
    /// The latest published version.
    pub published_version: Option<i64>,
    /// Published, with unpublished changes.
    pub has_unpublished_changes: bool,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
}

/// A new tutorial or a change to the draft (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TutorialIn {
    /// Title per locale; the default locale's is required.
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub title: Option<LocaleText>,
    /// Description per locale.
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub description: Option<LocaleText>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// The language every text needs (default: the workspace's).
    pub default_locale: Option<String>,
    /// The start step's key.
    pub start: Option<String>,
    /// Every step, replacing the draft's (a new tutorial without steps gets a starter question).
    pub steps: Option<Vec<Step>>,
    /// The revision this change is based on; a newer one on the server is a 409.
    pub revision: Option<i64>,
}

impl From<TutorialIn> for TutorialInput {
    fn from(t: TutorialIn) -> Self {
        Self {
            title: t.title,
            description: t.description,
            tags: t.tags,
            default_locale: t.default_locale,
            start: t.start,
            steps: t.steps,
            revision: t.revision,
        }
    }
}

/// The problems a draft would have.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationOut {
    /// Whether it may be saved as is.
    pub valid: bool,
    /// Every problem with a JSON pointer into the body.
    pub problems: Vec<ProblemField>,
}

/// One step's funnel numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepStatsOut {
    /// The step's key.
    pub step: String,
    /// Its title in the default locale (empty for steps only older versions had).
    pub title: String,
    /// Runs that reached it.
    pub reached: i64,
    /// Runs that reached their outcome here.
    pub finished: i64,
    /// Runs that stopped here without an outcome.
    pub dropped: i64,
    /// Runs that are here now and active.
    pub in_progress: i64,
    /// How often each choice was made here (by choice key).
    pub choices: BTreeMap<String, i64>,
}

/// A tutorial's numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyticsOut {
    /// Runs started.
    pub starts: i64,
    /// Runs that reached an outcome.
    pub completions: i64,
    /// Tickets opened from runs.
    pub tickets: i64,
    /// Runs per outcome (`solved`, `open_ticket`, `article`).
    pub outcomes: BTreeMap<String, i64>,
    /// Runs per channel (`help_center`, `widget`, `portal`).
    pub channels: BTreeMap<String, i64>,
    /// The funnel in the draft's step order.
    pub steps: Vec<StepStatsOut>,
    /// Minutes without activity after which an unfinished run counts as dropped.
    pub idle_minutes: i64,
}

fn analytics_out(t: &Tutorial, a: Analytics) -> AnalyticsOut {
    let mut outcomes: BTreeMap<String, i64> = Outcome::ALL.iter().map(|o| (o.as_str().to_owned(), 0)).collect();
    for (o, n) in a.outcomes {
        outcomes.insert(o.as_str().to_owned(), n);
    }
    AnalyticsOut {
        starts: a.starts,
        completions: a.completions,
        tickets: a.tickets,
        outcomes,
        channels: a.channels,
        steps: a
            .steps
            .into_iter()
            .map(|s| StepStatsOut {
                title: t
                    .graph
                    .step(&s.step)
                    .map(|d| pick(&d.title, &t.default_locale, &t.default_locale).0.to_owned())
                    .unwrap_or_default(),
                step: s.step,
                reached: s.reached,
                finished: s.finished,
                dropped: s.dropped,
                in_progress: s.in_progress,
                choices: s.choices,
            })
            .collect(),
        idle_minutes: autocrm_store::tutorials::analytics::IDLE_MINUTES,
    }
}

/// Which runs the numbers count.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsParams {
    /// Runs started at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Runs started before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Runs of this published version only.
    pub version: Option<i64>,
}

// ---------------------------------------------------------------------------
// Staff API
// ---------------------------------------------------------------------------

async fn workspace_slug(app: &AppState, p: &Principal) -> ApiResult<String> {
    Ok(autocrm_store::workspaces::by_id(&app.store, p.workspace_id).await?.slug)
}

/// Every tutorial of the workspace, drafts included.
#[utoipa::path(get, path = "/api/v1/tutorials", tag = "tutorials", responses((status = 200, body = ListOut<TutorialSummaryOut>)))]
async fn list_tutorials(
    State(app): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<ListOut<TutorialSummaryOut>>> {
    let rows = autocrm_store::tutorials::list(&app.store, &p).await?;
    let data = rows
        .into_iter()
        .map(|t| TutorialSummaryOut {
            id: t.id,
            status: t.status.into(),
            title: pick(&t.title, &t.default_locale, &t.default_locale).0.to_owned(),
            description: pick(&t.description, &t.default_locale, &t.default_locale).0.to_owned(),
            locales: autocrm_domain::tutorials::locales(&t.title, &t.graph).into_iter().collect(),
            default_locale: t.default_locale,
            tags: t.tags,
            step_count: t.graph.steps.len(),
            published_version: t.published_version,
            has_unpublished_changes: t.has_unpublished_changes,
            updated_at: t.updated_at,
        })
        .collect();
    Ok(Json(ListOut { data, next_cursor: None }))
}

/// Creates a draft tutorial (without steps: one starter question with both outcomes).
#[utoipa::path(post, path = "/api/v1/tutorials", tag = "tutorials", request_body = TutorialIn,
    responses((status = 201, body = TutorialOut), (status = 422, description = "Invalid texts or graph, with a pointer per problem", body = crate::error::Problem)))]
async fn create_tutorial(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<TutorialIn>,
) -> ApiResult<(StatusCode, Json<TutorialOut>)> {
    let t = autocrm_store::tutorials::create(&app.store, &p, input.into()).await?;
    Ok((StatusCode::CREATED, Json(tutorial_out(&workspace_slug(&app, &p).await?, t))))
}

/// One tutorial with its draft steps.
#[utoipa::path(get, path = "/api/v1/tutorials/{id}", tag = "tutorials", params(("id" = i64, Path)),
    responses((status = 200, body = TutorialOut), (status = 404, body = crate::error::Problem)))]
async fn get_tutorial(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<TutorialOut>> {
    let t = autocrm_store::tutorials::get(&app.store, &p, id).await?;
    Ok(Json(tutorial_out(&workspace_slug(&app, &p).await?, t)))
}

/// Saves a change to the draft; the graph is validated as a whole (published versions are untouched).
#[utoipa::path(patch, path = "/api/v1/tutorials/{id}", tag = "tutorials", params(("id" = i64, Path)), request_body = TutorialIn,
    responses((status = 200, body = TutorialOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "Changed meanwhile (`tutorial_changed`)", body = crate::error::Problem),
        (status = 422, description = "Invalid texts or graph, with a pointer per problem", body = crate::error::Problem)))]
async fn update_tutorial(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<TutorialIn>,
) -> ApiResult<Json<TutorialOut>> {
    let t = autocrm_store::tutorials::update(&app.store, &p, id, input.into()).await?;
    Ok(Json(tutorial_out(&workspace_slug(&app, &p).await?, t)))
}

/// Deletes a tutorial with its versions, runs and images.
#[utoipa::path(delete, path = "/api/v1/tutorials/{id}", tag = "tutorials", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_tutorial(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::tutorials::delete(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a change without saving it: every problem with its JSON pointer (for the editor).
#[utoipa::path(post, path = "/api/v1/tutorials/{id}/validate", tag = "tutorials", params(("id" = i64, Path)), request_body = TutorialIn,
    responses((status = 200, body = ValidationOut), (status = 404, body = crate::error::Problem)))]
async fn validate_tutorial(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<TutorialIn>,
) -> ApiResult<Json<ValidationOut>> {
    let problems = autocrm_store::tutorials::problems(&app.store, &p, id, input.into()).await?;
    Ok(Json(ValidationOut {
        valid: problems.is_empty(),
        problems: problems.into_iter().map(|f| ProblemField { pointer: f.pointer, detail: f.detail }).collect(),
    }))
}

/// Publishes the draft as a new version (runs under way keep theirs).
#[utoipa::path(post, path = "/api/v1/tutorials/{id}/publish", tag = "tutorials", params(("id" = i64, Path)),
    responses((status = 200, body = TutorialOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn publish_tutorial(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<TutorialOut>> {
    let t = autocrm_store::tutorials::publish(&app.store, &p, id).await?;
    Ok(Json(tutorial_out(&workspace_slug(&app, &p).await?, t)))
}

/// Takes a tutorial out of the help center and widget.
#[utoipa::path(post, path = "/api/v1/tutorials/{id}/unpublish", tag = "tutorials", params(("id" = i64, Path)),
    responses((status = 200, body = TutorialOut), (status = 404, body = crate::error::Problem)))]
async fn unpublish_tutorial(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<TutorialOut>> {
    let t = autocrm_store::tutorials::unpublish(&app.store, &p, id).await?;
    Ok(Json(tutorial_out(&workspace_slug(&app, &p).await?, t)))
}

/// Starts, completions, outcomes, tickets and the funnel per step.
#[utoipa::path(get, path = "/api/v1/tutorials/{id}/analytics", tag = "tutorials", params(("id" = i64, Path), AnalyticsParams),
    responses((status = 200, body = AnalyticsOut), (status = 404, body = crate::error::Problem)))]
async fn tutorial_analytics(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<AnalyticsParams>,
) -> ApiResult<Json<AnalyticsOut>> {
    let t = autocrm_store::tutorials::get(&app.store, &p, id).await?;
    let filter = Filter { from: q.from, to: q.to, version: q.version };
    let a = autocrm_store::tutorials::analytics::analytics(&app.store, &p, id, filter).await?;
    Ok(Json(analytics_out(&t, a)))
}

/// Uploads an image for the tutorial's steps (`file`: PNG, JPEG, GIF or WebP, up to 5 MiB).
#[utoipa::path(post, path = "/api/v1/tutorials/{id}/images", tag = "tutorials", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`"),
    responses((status = 201, body = TutorialImageOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn upload_tutorial_image(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<TutorialImageOut>)> {
    // Reach first: another workspace's tutorial is a 404 whatever the body holds.
    autocrm_store::tutorials::get(&app.store, &p, id).await?;
    let mut form = form.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
    let mut file = None;
    while let Some(field) =
        form.next_field().await.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("image").to_owned();
            let bytes = field.bytes().await.map_err(|_| {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the image is larger than 5 MiB")
            })?;
            file = Some((name, bytes));
        }
    }
    let (name, bytes) = file.ok_or_else(|| ApiError::field("/file", "is required"))?;
    let image = autocrm_store::tutorials::add_image(&app.store, &p, id, &name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(image_out(&workspace_slug(&app, &p).await?, image))))
}

// ---------------------------------------------------------------------------
// The public API (widget, help center)
// ---------------------------------------------------------------------------

/// Adds the CORS headers every public tutorial answer carries, and answers preflights.
async fn cors(req: Request, next: Next) -> Response {
    let preflight = req.method() == Method::OPTIONS;
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("retry-after"));
    if preflight {
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
        // `Authorization` carries a widget visitor's token (never a cookie: no credentials mode).
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type, Authorization"));
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
pub struct PublicParams {
    /// Workspace slug (default: the server's public workspace).
    pub workspace: Option<String>,
    /// Preferred locale (default: `Accept-Language`, then the tutorial's default).
    pub locale: Option<String>,
}

/// The language a public request prefers: `?locale=`, else the first of `Accept-Language`.
pub(crate) fn wanted_locale(explicit: Option<&str>, headers: &HeaderMap) -> Option<String> {
    let from_header = || {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|l| l.split(';').next().unwrap_or(l).trim().to_owned())
    };
    explicit
        .map(str::to_owned)
        .or_else(from_header)
        .and_then(|l| autocrm_domain::workspaces::Locale::parse(&l).ok())
        .map(|l| l.as_str().to_owned())
}

/// A published tutorial in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTutorialSummary {
    /// Id.
    pub id: i64,
    /// The published version.
    pub version: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The locale the texts are in.
    pub locale: String,
    /// The requested language was missing: the texts are in the default language.
    pub fallback: bool,
}

/// One choice as a customer sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicChoice {
    /// Key (send it back to choose).
    pub key: String,
    /// Label.
    pub label: String,
    /// The step it leads to, if any.
    pub next_step: Option<String>,
    /// The outcome it ends with, if any.
    pub outcome: Option<Outcome>,
}

/// One step as a customer sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStep {
    /// Key.
    pub key: String,
    /// Heading or question.
    pub title: String,
    /// Sanitised HTML.
    pub content_html: String,
    /// The step's image.
    pub image_url: Option<String>,
    /// The answers.
    pub choices: Vec<PublicChoice>,
}

/// A published tutorial, localised.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTutorialOut {
    /// Id.
    pub id: i64,
    /// The published version.
    pub version: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The locale the texts are in.
    pub locale: String,
    /// Some texts were missing in the requested language and are in the default one.
    pub fallback: bool,
    /// Every language the tutorial is written in.
    pub locales: Vec<String>,
    /// The first step's key.
    pub start: String,
    /// Every step.
    pub steps: Vec<PublicStep>,
}

/// Localises one step.
pub(crate) fn public_step(workspace: &str, t: &Published, step: &Step, locale: &str) -> (PublicStep, bool) {
    let d = &t.default_locale;
    let (title, mut fallback) = pick(&step.title, locale, d);
    let (content, f2) = pick(&step.content, locale, d);
    fallback |= f2 && !content.is_empty();
    let choices = step
        .choices
        .iter()
        .map(|c| {
            let (label, f) = pick(&c.label, locale, d);
            fallback |= f;
            PublicChoice {
                key: c.key.clone(),
                label: label.to_owned(),
                next_step: match &c.target {
                    Target::Step { step } => Some(step.clone()),
                    _ => None,
                },
                outcome: c.target.outcome(),
            }
        })
        .collect();
    let out = PublicStep {
        key: step.key.clone(),
        title: title.to_owned(),
        content_html: content.to_owned(),
        image_url: step.image.as_deref().map(|i| image_path(workspace, i)),
        choices,
    };
    (out, fallback)
}

/// The locale the texts of `t` are shown in for `wanted`.
fn shown_locale(t: &Published, wanted: Option<&str>) -> String {
    autocrm_domain::tutorials::best_locale(&t.title, &t.graph, wanted, &t.default_locale)
}

/// Whether `shown` is another language than the one `wanted`.
fn other_language(wanted: Option<&str>, shown: &str) -> bool {
    wanted.is_some_and(|w| w.split('-').next() != shown.split('-').next())
}

fn public_tutorial(workspace: &str, t: &Published, locale: &str, wanted: Option<&str>) -> PublicTutorialOut {
    let (title, mut fallback) = pick(&t.title, locale, &t.default_locale);
    fallback |= other_language(wanted, locale);
    let mut steps = Vec::with_capacity(t.graph.steps.len());
    for s in &t.graph.steps {
        let (step, f) = public_step(workspace, t, s, locale);
        fallback |= f;
        steps.push(step);
    }
    PublicTutorialOut {
        id: t.tutorial_id,
        version: t.version,
        title: title.to_owned(),
        description: pick(&t.description, locale, &t.default_locale).0.to_owned(),
        locale: locale.to_owned(),
        fallback,
        locales: autocrm_domain::tutorials::locales(&t.title, &t.graph).into_iter().collect(),
        start: t.graph.start.clone(),
        steps,
    }
}

/// The published tutorials, localised (a missing translation falls back to the default language).
#[utoipa::path(get, path = "/api/v1/help/tutorials", tag = "help", params(PublicParams),
    responses((status = 200, body = ListOut<PublicTutorialSummary>), (status = 404, description = "Unknown workspace", body = crate::error::Problem)))]
async fn list_public_tutorials(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PublicParams>,
) -> ApiResult<Json<ListOut<PublicTutorialSummary>>> {
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let wanted = wanted_locale(q.locale.as_deref(), &headers);
    let rows = autocrm_store::tutorials::published_list(&app.store, ws.id).await?;
    let data = rows
        .iter()
        .map(|t| {
            let locale = shown_locale(t, wanted.as_deref());
            let (title, fallback) = pick(&t.title, &locale, &t.default_locale);
            PublicTutorialSummary {
                id: t.tutorial_id,
                version: t.version,
                title: title.to_owned(),
                description: pick(&t.description, &locale, &t.default_locale).0.to_owned(),
                tags: t.tags.clone(),
                fallback: fallback || other_language(wanted.as_deref(), &locale),
                locale,
            }
        })
        .collect();
    Ok(Json(ListOut { data, next_cursor: None }))
}

#[utoipa::path(options, path = "/api/v1/help/tutorials", tag = "help", responses((status = 204, description = "CORS preflight")))]
async fn list_public_tutorials_preflight() -> StatusCode {
    preflight()
}

fn positive(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(ApiError::not_found)
}

/// One published tutorial, localised, with every step (drafts are 404).
#[utoipa::path(get, path = "/api/v1/help/tutorials/{tutorial_id}", tag = "help", params(("tutorial_id" = i64, Path), PublicParams),
    responses((status = 200, body = PublicTutorialOut), (status = 404, body = crate::error::Problem)))]
async fn get_public_tutorial(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(tutorial_id): Path<String>,
    ApiQuery(q): ApiQuery<PublicParams>,
) -> ApiResult<Json<PublicTutorialOut>> {
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let t = autocrm_store::tutorials::published(&app.store, ws.id, positive(&tutorial_id)?).await?;
    let wanted = wanted_locale(q.locale.as_deref(), &headers);
    let locale = shown_locale(&t, wanted.as_deref());
    Ok(Json(public_tutorial(&ws.slug, &t, &locale, wanted.as_deref())))
}

#[utoipa::path(options, path = "/api/v1/help/tutorials/{tutorial_id}", tag = "help", params(("tutorial_id" = i64, Path)),
    responses((status = 204, description = "CORS preflight")))]
async fn get_public_tutorial_preflight() -> StatusCode {
    preflight()
}

/// Who calls a public endpoint: a widget visitor (visitor token) or a
/// signed-in customer (session cookie, with its CSRF token on writes) of
/// workspace `ws`; `None` for anyone else, staff included (they are not the
/// customer a ticket would be for). A visitor token counts only from one of
/// the workspace's allowed sites, checked as on every widget route (403
/// `origin_not_allowed` otherwise).
pub(crate) async fn public_caller(
    app: &AppState,
    headers: &HeaderMap,
    ws: i64,
    write: bool,
) -> ApiResult<Option<Principal>> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(token) = bearer.filter(|t| t.starts_with(autocrm_domain::chat::TOKEN_PREFIX)) {
        let Some(session) = autocrm_store::chat::resolve_token(&app.store, token).await.ok().flatten() else {
            return Ok(None);
        };
        if session.principal.workspace_id != ws {
            return Ok(None);
        }
        super::widget::check_visitor_origin(app, ws, headers).await?;
        return Ok(Some(session.principal));
    }
    Ok(session_customer(app, headers, ws, write).await)
}

/// The signed-in customer of workspace `ws` behind the session cookie, if any.
async fn session_customer(app: &AppState, headers: &HeaderMap, ws: i64, write: bool) -> Option<Principal> {
    let token = cookie(headers, SESSION_COOKIE)?;
    let (session, user) =
        autocrm_store::sessions::resolve(&app.store, &token, app.config.session_policy()).await.ok().flatten()?;
    if write && headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) != Some(session.csrf_token.as_str()) {
        return None;
    }
    signed_in_customer(user, ws)
}

/// The principal of a signed-in customer of workspace `ws`.
pub(crate) fn signed_in_customer(user: autocrm_store::entity::users::Model, ws: i64) -> Option<Principal> {
    let role = Role::parse(&user.role).ok()?;
    (role == Role::Customer && user.workspace_id == ws).then_some(Principal {
        workspace_id: ws,
        kind: PrincipalKind::User { user_id: user.id, role, contact_id: user.contact_id, name: user.name },
    })
}

/// How to start a run.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRunIn {
    /// Where it runs (default `help_center`).
    pub channel: Option<RunChannel>,
    /// Preferred locale (default: `?locale=`, `Accept-Language`, the tutorial's default).
    pub locale: Option<String>,
    /// An anonymous visitor id the client keeps (1–64 of `A-Z a-z 0-9 _ -`).
    pub visitor_id: Option<String>,
}

/// A step answered on a run's path.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathStepOut {
    /// Step key.
    pub step: String,
    /// Choice key.
    pub choice: String,
    /// The question, in the run's locale.
    pub question: String,
    /// The answer, in the run's locale.
    pub answer: String,
}

/// What an "open a ticket" outcome prefills.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrefillOut {
    /// The ticket's subject.
    pub subject: String,
    /// A category tag for routing.
    pub category: Option<String>,
    /// The description: each question with the answer chosen.
    pub text: String,
    /// The portal's new-ticket form with the subject and description filled in.
    pub portal_url: String,
}

/// The ticket a run opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunTicketOut {
    /// Ticket number.
    pub number: i64,
    /// Its id, for the signed-in requester (to open it in the portal).
    pub id: Option<i64>,
}

/// How a run ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunOutcomeOut {
    /// The outcome.
    pub kind: Outcome,
    /// The closing message (solved).
    pub message: Option<String>,
    /// The article to read (article).
    pub url: Option<String>,
    /// The ticket's prefill (open a ticket).
    pub prefill: Option<PrefillOut>,
    /// What the ticket form needs: `none` (the caller is known), `name_and_email`.
    pub requester: Option<String>,
    /// The ticket, once opened.
    pub ticket: Option<RunTicketOut>,
}

/// A run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunOut {
    /// The run's id (its credential: keep it private).
    pub run_id: String,
    /// The tutorial.
    pub tutorial_id: i64,
    /// The version it walks.
    pub version: i64,
    /// The tutorial's title.
    pub title: String,
    /// Its locale.
    pub locale: String,
    /// Where it runs.
    pub channel: RunChannel,
    /// The step to show now (`null` once finished).
    pub step: Option<PublicStep>,
    /// Each step answered so far.
    pub path: Vec<PathStepOut>,
    /// How it ended, once it did.
    pub outcome: Option<RunOutcomeOut>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it reached its outcome.
    pub finished_at: Option<DateTime<Utc>>,
}

/// The portal's new-ticket form, prefilled.
pub(crate) fn portal_new_url(prefill: &Prefill) -> String {
    format!("/portal/tickets/new?subject={}&prefill={}", url_encode(&prefill.subject), url_encode(&prefill.text))
}

/// Percent-encodes a query value.
pub(crate) fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The run as a client sees it; `caller` decides whether the ticket form needs a name and e-mail.
pub(crate) fn run_out(workspace: &str, v: &RunView, caller_known: bool, caller_is_requester: bool) -> RunOut {
    let t = &v.tutorial;
    let run = &v.run;
    let locale = run.locale.as_str();
    let d = &t.default_locale;
    let step = match (run.finished_at, run.current_step.as_deref().and_then(|k| t.graph.step(k))) {
        (None, Some(s)) => Some(public_step(workspace, t, s, locale).0),
        _ => None,
    };
    let path = run
        .path
        .iter()
        .map(|PathEntry { step, choice }| {
            let def = t.graph.step(step);
            PathStepOut {
                question: def.map(|s| pick(&s.title, locale, d).0.to_owned()).unwrap_or_default(),
                answer: def
                    .and_then(|s| s.choices.iter().find(|c| &c.key == choice))
                    .map(|c| pick(&c.label, locale, d).0.to_owned())
                    .unwrap_or_default(),
                step: step.clone(),
                choice: choice.clone(),
            }
        })
        .collect();
    let last_target = run
        .path
        .last()
        .and_then(|e| t.graph.step(&e.step).and_then(|s| s.choices.iter().find(|c| c.key == e.choice)))
        .map(|c| &c.target);
    let outcome = run.outcome.map(|kind| {
        let prefill = autocrm_store::tutorials::runs::prefill(v);
        RunOutcomeOut {
            kind,
            message: match last_target {
                Some(Target::Solved { message }) => {
                    Some(pick(message, locale, d).0.to_owned()).filter(|m| !m.is_empty())
                }
                _ => None,
            },
            url: match last_target {
                Some(Target::Article { url, .. }) => Some(url.clone()),
                _ => None,
            },
            requester: (kind == Outcome::OpenTicket)
                .then(|| if caller_known { "none" } else { "name_and_email" }.to_owned()),
            prefill: prefill.map(|p| PrefillOut {
                portal_url: portal_new_url(&p),
                subject: p.subject,
                category: p.category,
                text: p.text,
            }),
            ticket: run
                .ticket_number
                .map(|number| RunTicketOut { number, id: run.ticket_id.filter(|_| caller_is_requester) }),
        }
    });
    RunOut {
        run_id: run.public_id.clone(),
        tutorial_id: run.tutorial_id,
        version: run.version,
        title: pick(&t.title, locale, d).0.to_owned(),
        locale: run.locale.clone(),
        channel: run.channel,
        step,
        path,
        outcome,
        started_at: run.started_at,
        finished_at: run.finished_at,
    }
}

/// Whether `caller` is the requester of the run's ticket.
async fn is_requester(app: &AppState, caller: Option<&Principal>, v: &RunView) -> bool {
    match (caller, v.run.ticket_id) {
        (Some(p), Some(id)) => autocrm_store::tickets::get(&app.store, p, id).await.is_ok(),
        _ => false,
    }
}

/// The caller's contact, when it has one (a visitor that never chatted has none).
fn caller_contact(caller: Option<&Principal>, ws: i64) -> Option<i64> {
    caller.and_then(|p| autocrm_store::tutorials::runs::contact_of(p, ws))
}

/// Starts a run of a published tutorial at its first step.
#[utoipa::path(post, path = "/api/v1/help/tutorials/{tutorial_id}/runs", tag = "help", params(("tutorial_id" = i64, Path), PublicParams),
    request_body = StartRunIn,
    responses((status = 201, body = RunOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn start_run(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(tutorial_id): Path<String>,
    ApiQuery(q): ApiQuery<PublicParams>,
    ApiJson(input): ApiJson<StartRunIn>,
) -> ApiResult<(StatusCode, Json<RunOut>)> {
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let caller = public_caller(&app, &headers, ws.id, true).await?;
    let actor = caller.clone().unwrap_or_else(|| Principal::system(ws.id));
    let locale = input.locale.clone().or_else(|| wanted_locale(q.locale.as_deref(), &headers));
    let new = NewRun { channel: input.channel.unwrap_or(RunChannel::HelpCenter), locale, visitor_id: input.visitor_id };
    let v = autocrm_store::tutorials::runs::start(&app.store, ws.id, &actor, positive(&tutorial_id)?, new).await?;
    let known = caller_contact(caller.as_ref(), ws.id).is_some();
    Ok((StatusCode::CREATED, Json(run_out(&ws.slug, &v, known, false))))
}

#[utoipa::path(options, path = "/api/v1/help/tutorials/{tutorial_id}/runs", tag = "help", params(("tutorial_id" = i64, Path)),
    responses((status = 204, description = "CORS preflight")))]
async fn start_run_preflight() -> StatusCode {
    preflight()
}

/// A run: the step to show, the path so far, the outcome.
#[utoipa::path(get, path = "/api/v1/help/tutorial-runs/{run_id}", tag = "help", params(("run_id" = String, Path), PublicParams),
    responses((status = 200, body = RunOut), (status = 404, body = crate::error::Problem)))]
async fn get_run(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(run_id): Path<String>,
    ApiQuery(q): ApiQuery<PublicParams>,
) -> ApiResult<Json<RunOut>> {
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let caller = public_caller(&app, &headers, ws.id, false).await?;
    let v = autocrm_store::tutorials::runs::get(&app.store, ws.id, &run_id).await?;
    let known = caller_contact(caller.as_ref(), ws.id).is_some();
    let requester = is_requester(&app, caller.as_ref(), &v).await;
    Ok(Json(run_out(&ws.slug, &v, known, requester)))
}

#[utoipa::path(options, path = "/api/v1/help/tutorial-runs/{run_id}", tag = "help", params(("run_id" = String, Path)),
    responses((status = 204, description = "CORS preflight")))]
async fn get_run_preflight() -> StatusCode {
    preflight()
}

/// A choice made at a step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceIn {
    /// The step answered (the current one, or an earlier one to go back).
    pub step: String,
    /// The choice's key.
    pub choice: String,
}

/// Records the choice made at a step; a choice that leads to an outcome finishes the run
/// ("open a ticket" answers with the prefill).
#[utoipa::path(post, path = "/api/v1/help/tutorial-runs/{run_id}/choices", tag = "help", params(("run_id" = String, Path), PublicParams),
    request_body = ChoiceIn,
    responses((status = 200, body = RunOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "The run already ended (`tutorial_run_finished`)", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn choose(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(run_id): Path<String>,
    ApiQuery(q): ApiQuery<PublicParams>,
    ApiJson(input): ApiJson<ChoiceIn>,
) -> ApiResult<Json<RunOut>> {
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let caller = public_caller(&app, &headers, ws.id, true).await?;
    let actor = caller.clone().unwrap_or_else(|| Principal::system(ws.id));
    let v =
        autocrm_store::tutorials::runs::choose(&app.store, ws.id, &actor, &run_id, &input.step, &input.choice).await?;
    let known = caller_contact(caller.as_ref(), ws.id).is_some();
    Ok(Json(run_out(&ws.slug, &v, known, false)))
}

#[utoipa::path(options, path = "/api/v1/help/tutorial-runs/{run_id}/choices", tag = "help", params(("run_id" = String, Path)),
    responses((status = 204, description = "CORS preflight")))]
async fn choose_preflight() -> StatusCode {
    preflight()
}

/// The ticket form of an "open a ticket" outcome.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunTicketIn {
    /// Your name (when not signed in).
    pub name: Option<String>,
    /// Your e-mail address (required when not signed in).
    pub email: Option<String>,
    /// Anything to add, in your words.
    pub details: Option<String>,
}

/// A stable, non-reversible key for the client's address (the rate limit's bucket).
pub(crate) fn client_key(ip: Option<&str>) -> Option<String> {
    ip.map(|ip| hex::encode(&Sha256::digest(format!("tutorial-ticket:{ip}").as_bytes())[..16]))
}

/// Opens a run's ticket with the path taken: the signed-in customer or widget visitor is
/// the requester; anyone else gives a name and e-mail address (limited per client and address).
pub(crate) async fn open_ticket_for(
    app: &AppState,
    ws: i64,
    caller: Option<&Principal>,
    run_id: &str,
    input: RunTicketIn,
    ip: Option<&str>,
) -> ApiResult<autocrm_store::tutorials::runs::OpenedTicket> {
    let details = input.details.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let requester = if let Some(contact) = caller_contact(caller, ws) {
        Requester::Contact(contact)
    } else {
        let mut problems = Vec::new();
        let email = match input.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => {
                problems.push(FieldProblem::new("/email", "is required when you are not signed in"));
                None
            }
            Some(raw) => EmailAddress::parse(raw)
                .map_err(|_| problems.push(FieldProblem::new("/email", "is not an e-mail address")))
                .ok(),
        };
        let name = input.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            problems.push(FieldProblem::new("/name", "must be at most 100 characters"));
        }
        let Some(email) = email.filter(|_| problems.is_empty()) else {
            return Err(ApiError::invalid(problems));
        };
        Requester::Email { email, name, client_key: client_key(ip) }
    };
    let actor = caller.cloned().unwrap_or_else(|| Principal::system(ws));
    autocrm_store::tutorials::runs::open_ticket(&app.store, ws, &actor, run_id, requester, details).await.map_err(|e| {
        match e {
            StoreError::Conflict { code: "rate_limited", .. } => ApiError::rate_limited(3600),
            e => e.into(),
        }
    })
}

/// Opens the ticket of a run that ended with "open a ticket", prefilled with the path taken.
#[utoipa::path(post, path = "/api/v1/help/tutorial-runs/{run_id}/ticket", tag = "help", params(("run_id" = String, Path), PublicParams),
    request_body = RunTicketIn,
    responses((status = 201, body = RunOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "Not an \"open a ticket\" run, or its ticket exists", body = crate::error::Problem),
        (status = 422, description = "Name and e-mail missing for an anonymous customer", body = crate::error::Problem),
        (status = 429, description = "Too many tickets from this client or address", body = crate::error::Problem)))]
async fn open_run_ticket(
    State(app): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(run_id): Path<String>,
    ApiQuery(q): ApiQuery<PublicParams>,
    ApiJson(input): ApiJson<RunTicketIn>,
) -> ApiResult<(StatusCode, Json<RunOut>)> {
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let caller = public_caller(&app, &headers, ws.id, true).await?;
    open_ticket_for(&app, ws.id, caller.as_ref(), &run_id, input, ip.as_deref()).await?;
    let v = autocrm_store::tutorials::runs::get(&app.store, ws.id, &run_id).await?;
    let known = caller_contact(caller.as_ref(), ws.id).is_some();
    let requester = is_requester(&app, caller.as_ref(), &v).await;
    Ok((StatusCode::CREATED, Json(run_out(&ws.slug, &v, known, requester))))
}

#[utoipa::path(options, path = "/api/v1/help/tutorial-runs/{run_id}/ticket", tag = "help", params(("run_id" = String, Path)),
    responses((status = 204, description = "CORS preflight")))]
async fn open_run_ticket_preflight() -> StatusCode {
    preflight()
}

/// A step image: of a published tutorial for anyone, of a draft for its workspace's staff (session).
#[utoipa::path(get, path = "/api/v1/help/tutorial-images/{image_id}", tag = "help", params(("image_id" = String, Path), PublicParams),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 404, body = crate::error::Problem)))]
async fn get_tutorial_image(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(image_id): Path<String>,
    ApiQuery(q): ApiQuery<PublicParams>,
) -> ApiResult<Response> {
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let staff = staff_session(&app, &headers, ws.id).await;
    let (content_type, bytes) = autocrm_store::tutorials::image(&app.store, ws.id, &image_id, staff).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&content_type).map_err(ApiError::internal)?);
    // Content-addressed and never changed under its id; drafts stay private.
    let cache = if staff { "private, max-age=300" } else { "public, max-age=86400" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(res)
}

#[utoipa::path(options, path = "/api/v1/help/tutorial-images/{image_id}", tag = "help", params(("image_id" = String, Path)),
    responses((status = 204, description = "CORS preflight")))]
async fn get_tutorial_image_preflight() -> StatusCode {
    preflight()
}

/// Whether the request carries a session of a staff member of workspace `ws`.
async fn staff_session(app: &AppState, headers: &HeaderMap, ws: i64) -> bool {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return false };
    match autocrm_store::sessions::resolve(&app.store, &token, app.config.session_policy()).await {
        Ok(Some((_, user))) => user.workspace_id == ws && Role::parse(&user.role).is_ok_and(Role::is_staff),
        _ => false,
    }
}

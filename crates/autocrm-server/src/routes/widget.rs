//! The chat widget's API (`/api/v1/widget/…`, called from the shop's pages by
//! `/widget.js`) and the agents' and admins' chat routes (`/api/v1/chat/…`,
//! `/api/v1/tickets/{id}/chat…`).
//!
//! Invariants:
//! - Every widget request is checked against the workspace's allowed sites
//!   (its `Origin`, else its `Referer`'s origin): the public routes
//!   (`config`, `session`) in their handler, the visitor routes in the
//!   authorisation layer (`Policy::Visitor`) right after the visitor token.
//! - CORS: preflights are answered for origins some enabled widget allows;
//!   a response echoes `Access-Control-Allow-Origin` only for an origin its
//!   workspace allows (no cookies are ever involved: the credential is the
//!   visitor token in `Authorization`).
//! - A visitor reaches only its own conversations: every store call takes
//!   the visitor principal, whose contact confines it like a customer.
//! - The visitor's stream carries only its own conversations' public
//!   messages, status changes, ratings, the agents' typing and read signals.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;

use autocrm_domain::{EmailAddress, Principal};
use autocrm_store::chat::{ChatMessage, ConversationView};
use autocrm_store::entity::{attachments, chat_settings, chat_visitors};
use autocrm_store::{ChatSignal, HubEvent, Store};
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

use super::ListOut;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::{AppState, SSE_KEEPALIVE};

/// Every widget route starts with this.
pub const PREFIX: &str = "/api/v1/widget/";

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(
            routes!(upload_widget_attachment)
                .layer(axum::extract::DefaultBodyLimit::max(autocrm_store::chat::MAX_VISITOR_FILE_BYTES + 64 * 1024)),
        )
        .routes(routes!(get_widget_config))
        .routes(routes!(open_widget_session))
        .routes(routes!(update_widget_visitor))
        .routes(routes!(list_widget_conversations, start_widget_conversation))
        .routes(routes!(get_widget_conversation))
        .routes(routes!(list_widget_messages, post_widget_message))
        .routes(routes!(download_widget_attachment))
        .routes(routes!(send_widget_typing))
        .routes(routes!(mark_widget_read))
        .routes(routes!(request_widget_handoff))
        .routes(routes!(get_widget_conversation_rating, rate_widget_conversation))
        .routes(routes!(stream_widget_events))
        .routes(routes!(leave_widget_message))
        .routes(routes!(get_chat_settings, update_chat_settings))
        .routes(routes!(rotate_chat_identity_secret))
        .routes(routes!(update_chat_availability))
        .routes(routes!(get_ticket_chat))
        .routes(routes!(send_ticket_chat_typing))
        .routes(routes!(mark_ticket_chat_read))
        .routes(routes!(stream_ticket_chat))
}

// ================================================================================================
// Origins and CORS (called by the authorisation layer for every widget route)

/// The workspace a widget response belongs to, set by handlers that resolved
/// it, so the CORS layer echoes the origin only when that workspace allows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WidgetWorkspace(pub i64);

/// The calling page's origin: `Origin`, else the origin of `Referer`
/// (browsers omit `Origin` on same-origin GETs).
pub(crate) fn request_origin(headers: &HeaderMap) -> Option<String> {
    if let Some(o) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return Some(o.to_owned());
    }
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok())?;
    let url = url::Url::parse(referer).ok()?;
    Some(url.origin().ascii_serialization()).filter(|o| o != "null")
}

fn origin_refused() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "origin_not_allowed", "this site is not allowed to use the chat widget")
}

/// Refuses a request whose page is not one of the widget's allowed sites
/// or AutoCRM's own pages (the customer portal shows the widget too).
pub(crate) fn check_origin(app: &AppState, settings: &chat_settings::Model, headers: &HeaderMap) -> ApiResult<()> {
    match request_origin(headers) {
        Some(o) if settings.allows_origin(&o) || is_own_origin(app, &o) => Ok(()),
        _ => Err(origin_refused()),
    }
}

/// Whether `origin` is AutoCRM's own public origin.
fn is_own_origin(app: &AppState, origin: &str) -> bool {
    url::Url::parse(&app.config.public_url).is_ok_and(|u| u.origin().ascii_serialization() == origin)
}

/// The check for visitor routes: the token's workspace must allow the page.
pub(crate) async fn check_visitor_origin(app: &AppState, ws: i64, headers: &HeaderMap) -> ApiResult<()> {
    let settings = autocrm_store::chat::settings(&app.store, ws).await?;
    check_origin(app, &settings, headers)
}

/// Answers a CORS preflight: allowed when some enabled widget allows the origin.
pub(crate) async fn preflight(app: &AppState, headers: &HeaderMap) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let allowed = match &origin {
        Some(o) => autocrm_store::chat::any_allows_origin(&app.store, o).await.unwrap_or(false),
        None => false,
    };
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let (true, Some(o)) = (allowed, origin)
        && let Ok(v) = HeaderValue::from_str(&o)
    {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, PATCH, OPTIONS"));
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, last-event-id"),
        );
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    res
}

/// Adds CORS headers to a widget response: the origin is echoed when the
/// response's workspace (`ws`, or a [`WidgetWorkspace`] the handler set)
/// allows it, or — for errors before any workspace was known — when some
/// enabled widget does.
pub(crate) async fn add_cors(app: &AppState, origin: Option<&str>, ws: Option<i64>, res: &mut Response) {
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = origin else {
        return;
    };
    let ws = ws.or_else(|| res.extensions().get::<WidgetWorkspace>().map(|w| w.0));
    let allowed = match ws {
        Some(ws) => autocrm_store::chat::settings(&app.store, ws).await.is_ok_and(|s| s.allows_origin(origin)),
        None => autocrm_store::chat::any_allows_origin(&app.store, origin).await.unwrap_or(false),
    };
    if allowed && let Ok(v) = HeaderValue::from_str(origin) {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("retry-after"));
    }
}

/// Runs a public widget handler's result, tagging the response with its workspace.
fn tagged<T: IntoResponse>(ws: Option<i64>, result: ApiResult<T>) -> Response {
    let mut res = match result {
        Ok(v) => v.into_response(),
        Err(e) => e.into_response(),
    };
    if let Some(ws) = ws {
        res.extensions_mut().insert(WidgetWorkspace(ws));
    }
    res
}

// ================================================================================================
// DTOs

/// How the widget looks and behaves on a site.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetConfigOut {
    /// The workspace's slug.
    pub workspace: String,
    /// The shop's name (the widget's title).
    pub name: String,
    /// Launcher and header colour.
    pub color: String,
    /// Text colour on it.
    pub text_color: String,
    /// `right` or `left`.
    pub position: String,
    /// The language picked for the visitor.
    pub locale: String,
    /// Languages with a greeting.
    pub locales: Vec<String>,
    /// The greeting in that language.
    pub greeting: String,
    /// Whether an agent is online now.
    pub agents_online: bool,
    /// `message` (leave a message when nobody is online) or `chat` (chat anyway).
    pub offline_mode: String,
    /// Whether only identified visitors may chat.
    pub require_identity: bool,
    /// Largest file a visitor may attach, bytes.
    pub max_file_bytes: usize,
    /// Media types a visitor may attach.
    pub file_types: Vec<String>,
    /// The sites allowed to embed the widget (the widget accepts `postMessage` commands from these only).
    pub allowed_origins: Vec<String>,
    /// The chatbot's name when the chatbot answers new conversations (chat is
    /// then open even when no agent is online); `null` when it is off.
    pub bot_name: Option<String>,
}

/// The visitor as the widget knows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorOut {
    /// Public id.
    pub id: String,
    /// Name (given or from the shop).
    pub name: Option<String>,
    /// E-mail (given or from the shop).
    pub email: Option<String>,
    /// Whether the shop proved who this is.
    pub identified: bool,
}

impl From<&chat_visitors::Model> for VisitorOut {
    fn from(v: &chat_visitors::Model) -> Self {
        Self { id: v.public_id.clone(), name: v.name.clone(), email: v.email.clone(), identified: v.identified }
    }
}

/// A widget session.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetSessionOut {
    /// The visitor token: send it as `Authorization: Bearer …` to the visitor routes.
    pub token: String,
    /// When it expires (open a session again to renew it).
    pub expires_at: DateTime<Utc>,
    /// The visitor.
    pub visitor: VisitorOut,
    /// The widget's settings.
    pub config: WidgetConfigOut,
}

/// The shop's proof of who the visitor is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityIn {
    /// The shop's user id (hashed when present).
    pub user_id: Option<String>,
    /// The customer's e-mail (hashed when there is no user id).
    pub email: Option<String>,
    /// Their name.
    pub name: Option<String>,
    /// `hex(HMAC-SHA256(identity secret, user_id or email))`, computed by the shop's backend.
    pub user_hash: String,
}

/// Opening a widget session; send a visitor token you hold as `Authorization: Bearer …` to resume it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetSessionIn {
    /// The workspace's slug (the script tag's `data-workspace`).
    pub workspace: String,
    /// The visitor's language (BCP 47).
    pub locale: Option<String>,
    /// The page the widget is on.
    pub page_url: Option<String>,
    /// A signed-in shop customer.
    pub identity: Option<IdentityIn>,
}

/// Config query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WidgetConfigParams {
    /// The workspace's slug.
    pub workspace: String,
    /// The visitor's language (BCP 47).
    pub locale: Option<String>,
}

/// A file on a chat message.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetAttachmentOut {
    /// Opaque id.
    pub id: String,
    /// File name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Download URL (send the visitor token).
    pub url: String,
}

impl From<&attachments::Model> for WidgetAttachmentOut {
    fn from(a: &attachments::Model) -> Self {
        Self {
            id: a.public_id.clone(),
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            url: format!("/api/v1/widget/attachments/{}", a.public_id),
        }
    }
}

/// A public message of a conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetMessageOut {
    /// Message id (ascending: the order of the conversation).
    pub id: i64,
    /// Its conversation.
    pub conversation_id: i64,
    /// `visitor`, `agent`, `bot` or `system`.
    pub participant: String,
    /// Who wrote it (agents by first name).
    pub author_name: String,
    /// The text (render it as text, never as HTML).
    pub text: String,
    /// Sanitised HTML, for clients that render rich text.
    pub html: String,
    /// The id the client posted it with, for its own messages.
    pub client_id: Option<String>,
    /// Files.
    pub attachments: Vec<WidgetAttachmentOut>,
    /// The bot stated a change and waits for the visitor's yes: the widget
    /// offers Yes / No under it while it is the last message.
    pub asks_confirmation: bool,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<&ChatMessage> for WidgetMessageOut {
    fn from(m: &ChatMessage) -> Self {
        Self {
            id: m.message.id,
            conversation_id: m.message.ticket_id,
            participant: m.participant.clone(),
            author_name: m.author_name.clone(),
            text: m.message.body_text.clone(),
            html: m.message.body_html.clone(),
            client_id: m.client_id.clone(),
            attachments: m.attachments.iter().map(WidgetAttachmentOut::from).collect(),
            asks_confirmation: m.asks_confirmation,
            created_at: m.message.created_at,
        }
    }
}

/// A conversation of the visitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationOut {
    /// Id (the ticket's).
    pub id: i64,
    /// Ticket number.
    pub number: i64,
    /// Subject.
    pub subject: String,
    /// `chat` or `offline` (a message left while nobody was online).
    pub kind: String,
    /// Status category: `new`, `open`, `pending`, `on_hold`, `solved`, `closed`.
    pub status: String,
    /// Who handles it: `human` or `bot`.
    pub handler: String,
    /// The assigned agent's first name.
    pub agent_name: Option<String>,
    /// The latest public message.
    pub last_message: Option<WidgetMessageOut>,
    /// Messages from the team not read yet.
    pub unread: u64,
    /// The last message the visitor read.
    pub visitor_read_message_id: Option<i64>,
    /// The last message an agent read (the visitor's "Seen").
    pub agent_read_message_id: Option<i64>,
    /// When an agent read it.
    pub agent_read_at: Option<DateTime<Utc>>,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Last activity.
    pub updated_at: DateTime<Utc>,
}

impl From<&ConversationView> for ConversationOut {
    fn from(c: &ConversationView) -> Self {
        Self {
            id: c.ticket.id,
            number: c.ticket.number,
            subject: c.ticket.subject.clone(),
            kind: c.chat.kind.clone(),
            status: c.ticket.status_category.clone(),
            handler: c.chat.handler.clone(),
            agent_name: c.agent_name.clone(),
            last_message: c.last_message.as_ref().map(WidgetMessageOut::from),
            unread: c.unread,
            visitor_read_message_id: c.chat.visitor_read_message_id,
            agent_read_message_id: c.chat.agent_read_message_id,
            agent_read_at: c.chat.agent_read_at,
            created_at: c.ticket.created_at,
            updated_at: c.ticket.updated_at,
        }
    }
}

/// A new chat.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationIn {
    /// The first message (plain text, ≤ 16 KiB).
    pub body: String,
    /// The client's id for this message (1–64 letters, digits, dashes): a retry with it is stored once.
    pub client_id: Option<String>,
}

/// A visitor's message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetMessageIn {
    /// Plain text (may be empty when files are attached).
    #[serde(default)]
    pub body: String,
    /// The client's id for this message: a retry with it is stored once.
    pub client_id: Option<String>,
    /// Files uploaded to the conversation beforehand.
    #[serde(default)]
    pub attachment_ids: Vec<String>,
}

/// Message list query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WidgetMessagesParams {
    /// Only messages after this id (to catch up after a reconnect).
    pub after: Option<i64>,
    /// 1–200 (default 100).
    pub limit: Option<u64>,
}

/// Typing or not.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypingIn {
    /// `true` while typing (send again every few seconds), `false` when stopped.
    pub typing: bool,
}

/// Read up to a message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadIn {
    /// The last message read.
    pub message_id: i64,
}

/// The visitor's own details.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitorPatch {
    /// Name.
    pub name: Option<String>,
    /// E-mail for answers when the visitor has left.
    pub email: Option<String>,
}

/// "Leave a message" while nobody is online.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineMessageIn {
    /// Name.
    pub name: Option<String>,
    /// Where the answer goes.
    pub email: String,
    /// The message (plain text).
    pub body: String,
}

/// A left message.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfflineMessageOut {
    /// The ticket number (for the confirmation).
    pub number: i64,
    /// Where the answer will go.
    pub email: String,
}

fn parse_email(raw: &str, pointer: &str) -> ApiResult<EmailAddress> {
    EmailAddress::parse(raw).map_err(|_| ApiError::field(pointer, "is not an e-mail address"))
}

fn wanted_locales(explicit: Option<&str>, headers: &HeaderMap) -> Vec<String> {
    let mut out: Vec<String> = explicit.map(str::to_owned).into_iter().collect();
    if let Some(accept) = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) {
        out.extend(accept.split(',').filter_map(|p| p.split(';').next()).map(|s| s.trim().to_owned()));
    }
    out
}

async fn config_out(
    app: &AppState,
    settings: &chat_settings::Model,
    slug: &str,
    name: &str,
    wanted: &[String],
) -> ApiResult<WidgetConfigOut> {
    let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let (locale, greeting) = settings.greeting_for(&wanted);
    let ai = autocrm_store::ai::settings(&app.store, settings.workspace_id).await?;
    Ok(WidgetConfigOut {
        workspace: slug.to_owned(),
        name: name.to_owned(),
        color: settings.color.clone(),
        text_color: settings.text_color.clone(),
        position: settings.position.clone(),
        locale,
        locales: settings.greeting_map().into_keys().collect(),
        greeting,
        agents_online: autocrm_store::chat::agents_online(&app.store, settings.workspace_id).await? > 0,
        offline_mode: settings.offline_mode.clone(),
        require_identity: settings.require_identity,
        max_file_bytes: autocrm_store::chat::MAX_VISITOR_FILE_BYTES,
        file_types: autocrm_store::chat::VISITOR_FILE_TYPES.iter().map(|s| (*s).to_owned()).collect(),
        allowed_origins: settings.origins(),
        bot_name: ai.chatbot_enabled.then_some(ai.chatbot_name),
    })
}

/// The workspace, its enabled widget settings, and the origin check.
async fn public_widget(
    app: &AppState,
    slug: &str,
    headers: &HeaderMap,
) -> ApiResult<(autocrm_store::entity::workspaces::Model, chat_settings::Model)> {
    let ws = crate::public::workspace(app, Some(slug)).await?;
    let settings = autocrm_store::chat::settings(&app.store, ws.id).await?;
    if !settings.enabled {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "widget_disabled", "the chat widget is not enabled"));
    }
    check_origin(app, &settings, headers)?;
    Ok((ws, settings))
}

// ================================================================================================
// Public widget routes

/// The widget's look, greeting and whether anyone is online (no visitor is created).
#[utoipa::path(get, path = "/api/v1/widget/config", tag = "chat", params(WidgetConfigParams),
    responses((status = 200, body = WidgetConfigOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn get_widget_config(
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<WidgetConfigParams>,
) -> Response {
    let mut ws_id = None;
    let result = async {
        let (ws, settings) = public_widget(&app, &q.workspace, &headers).await?;
        ws_id = Some(ws.id);
        Ok(Json(config_out(&app, &settings, &ws.slug, &ws.name, &wanted_locales(q.locale.as_deref(), &headers)).await?))
    }
    .await;
    tagged(ws_id, result)
}

/// Opens a visitor session (or resumes the one whose token is sent as
/// `Authorization: Bearer …`), optionally identifying a signed-in shop
/// customer with `user_hash`. Returns a fresh visitor token.
#[utoipa::path(post, path = "/api/v1/widget/session", tag = "chat", request_body = WidgetSessionIn,
    responses((status = 200, body = WidgetSessionOut), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn open_widget_session(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: ApiResult<ApiJson<WidgetSessionIn>>,
) -> Response {
    let mut ws_id = None;
    let result = async {
        let ApiJson(input) = body?;
        let (ws, settings) = public_widget(&app, &input.workspace, &headers).await?;
        ws_id = Some(ws.id);
        // Only a visitor token resumes; other credentials (a session, a key) mean nothing here.
        let resume = match bearer(&headers).filter(|t| t.starts_with(autocrm_domain::chat::TOKEN_PREFIX)) {
            Some(token) => {
                let session = autocrm_store::chat::resolve_token(&app.store, token)
                    .await?
                    .filter(|s| s.visitor.workspace_id == ws.id)
                    .ok_or_else(token_invalid)?;
                Some(session.visitor)
            }
            None => None,
        };
        let identity = match input.identity {
            Some(id) => Some(autocrm_store::chat::Identity {
                user_id: id.user_id,
                email: id.email.as_deref().map(|e| parse_email(e, "/identity/email")).transpose()?,
                name: id.name,
                user_hash: id.user_hash,
            }),
            None => None,
        };
        let opened = autocrm_store::chat::open_session(
            &app.store,
            ws.id,
            autocrm_store::chat::SessionInput {
                resume,
                identity,
                locale: input.locale.clone(),
                page_url: input.page_url,
            },
        )
        .await?;
        let wanted = wanted_locales(input.locale.as_deref().or(opened.visitor.locale.as_deref()), &headers);
        Ok(Json(WidgetSessionOut {
            token: opened.token,
            expires_at: opened.expires_at,
            visitor: VisitorOut::from(&opened.visitor),
            config: config_out(&app, &settings, &ws.slug, &ws.name, &wanted).await?,
        }))
    }
    .await;
    tagged(ws_id, result)
}

/// `Authorization: Bearer <token>`, if sent.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// 401 for a visitor token that does not verify.
pub(crate) fn token_invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "visitor_token_invalid",
        "the visitor token is invalid or expired: open a new widget session",
    )
}

// ================================================================================================
// Visitor routes (Policy::Visitor: the visitor token and the origin were checked)

/// Sets the visitor's name and an e-mail address for answers when it has left
/// (not for identified visitors, whose details come from the shop).
#[utoipa::path(patch, path = "/api/v1/widget/visitor", tag = "chat", request_body = VisitorPatch,
    responses((status = 200, body = VisitorOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_widget_visitor(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<VisitorPatch>,
) -> ApiResult<Json<VisitorOut>> {
    let email = input.email.as_deref().map(|e| parse_email(e, "/email")).transpose()?;
    let v = autocrm_store::chat::update_visitor(&app.store, &p, input.name, email).await?;
    Ok(Json(VisitorOut::from(&v)))
}

/// The visitor's conversations (an identified visitor's include earlier ones from any device).
#[utoipa::path(get, path = "/api/v1/widget/conversations", tag = "chat", responses((status = 200, body = ListOut<ConversationOut>)))]
async fn list_widget_conversations(
    State(app): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<ListOut<ConversationOut>>> {
    let rows = autocrm_store::chat::list(&app.store, &p).await?;
    Ok(Json(ListOut { data: rows.iter().map(ConversationOut::from).collect(), next_cursor: None }))
}

/// Starts a chat (a ticket of channel `chat`). 409 `agents_offline` when nobody
/// is online and the workspace takes messages instead; 409 `identity_required`.
#[utoipa::path(post, path = "/api/v1/widget/conversations", tag = "chat", request_body = ConversationIn,
    responses((status = 201, body = ConversationOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn start_widget_conversation(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<ConversationIn>,
) -> ApiResult<(StatusCode, Json<ConversationOut>)> {
    let view = autocrm_store::chat::start(
        &app.store,
        &p,
        autocrm_store::chat::NewChat { body: input.body, client_id: input.client_id },
    )
    .await?;
    if view.chat.handler == "bot" {
        crate::chatbot::spawn_turn(&app, p.workspace_id, view.ticket.id);
    }
    Ok((StatusCode::CREATED, Json(ConversationOut::from(&view))))
}

/// One conversation with its read state.
#[utoipa::path(get, path = "/api/v1/widget/conversations/{id}", tag = "chat", params(("id" = i64, Path)),
    responses((status = 200, body = ConversationOut), (status = 404, body = crate::error::Problem)))]
async fn get_widget_conversation(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<ConversationOut>> {
    Ok(Json(ConversationOut::from(&autocrm_store::chat::get(&app.store, &p, id).await?)))
}

/// A conversation's public messages, oldest first (`after` to catch up).
#[utoipa::path(get, path = "/api/v1/widget/conversations/{id}/messages", tag = "chat", params(("id" = i64, Path), WidgetMessagesParams),
    responses((status = 200, body = ListOut<WidgetMessageOut>), (status = 404, body = crate::error::Problem)))]
async fn list_widget_messages(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<WidgetMessagesParams>,
) -> ApiResult<Json<ListOut<WidgetMessageOut>>> {
    let rows = autocrm_store::chat::messages(&app.store, &p, id, q.after, q.limit).await?;
    Ok(Json(ListOut { data: rows.iter().map(WidgetMessageOut::from).collect(), next_cursor: None }))
}

/// Writes in a conversation. 201 for a new message, 200 when `client_id`
/// names one already stored (a retry after a lost response).
#[utoipa::path(post, path = "/api/v1/widget/conversations/{id}/messages", tag = "chat", params(("id" = i64, Path)), request_body = WidgetMessageIn,
    responses((status = 201, body = WidgetMessageOut), (status = 200, body = WidgetMessageOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn post_widget_message(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<WidgetMessageIn>,
) -> ApiResult<(StatusCode, Json<WidgetMessageOut>)> {
    let (m, created) =
        autocrm_store::chat::post(&app.store, &p, id, &input.body, input.client_id.as_deref(), &input.attachment_ids)
            .await?;
    if created {
        crate::chatbot::spawn_turn(&app, p.workspace_id, id);
    }
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(WidgetMessageOut::from(&m))))
}

/// Asks for a person (always possible): the chatbot tells the visitor and
/// hands the conversation to the team; nothing changes when the team
/// already has it.
#[utoipa::path(post, path = "/api/v1/widget/conversations/{id}/handoff", tag = "chat", params(("id" = i64, Path)),
    responses((status = 200, body = ConversationOut), (status = 404, body = crate::error::Problem)))]
async fn request_widget_handoff(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<ConversationOut>> {
    // The visitor's own conversation, or 404.
    let view = autocrm_store::chat::get(&app.store, &p, id).await?;
    if view.chat.handler == "bot" {
        crate::chatbot::hand_off_on_request(&app, p.workspace_id, id).await?;
    }
    Ok(Json(ConversationOut::from(&autocrm_store::chat::get(&app.store, &p, id).await?)))
}

/// Uploads a file to a conversation (`multipart/form-data`, field `file`;
/// ≤ 10 MiB; images, PDF, text and office documents), then send its id with a message.
#[utoipa::path(post, path = "/api/v1/widget/conversations/{id}/attachments", tag = "chat", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`"),
    responses((status = 201, body = WidgetAttachmentOut), (status = 404, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn upload_widget_attachment(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<WidgetAttachmentOut>)> {
    // Reach first: someone else's conversation is a 404 whatever the body holds.
    autocrm_store::chat::get(&app.store, &p, id).await?;
    let mut form = form.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
    let mut file = None;
    while let Some(field) =
        form.next_field().await.map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("attachment").to_owned();
            let ct = field.content_type().unwrap_or("application/octet-stream").to_owned();
            let bytes = field.bytes().await.map_err(|_| {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the file is larger than 10 MiB")
            })?;
            file = Some((name, ct, bytes));
        }
    }
    let (name, ct, bytes) = file.ok_or_else(|| ApiError::field("/file", "is required"))?;
    if bytes.len() > autocrm_store::chat::MAX_VISITOR_FILE_BYTES {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the file is larger than 10 MiB"));
    }
    let a = autocrm_store::chat::upload(&app.store, &p, id, &name, &ct, &bytes).await?;
    Ok((StatusCode::CREATED, Json(WidgetAttachmentOut::from(&a))))
}

/// Downloads a file of the visitor's own conversations.
#[utoipa::path(get, path = "/api/v1/widget/attachments/{id}", tag = "chat", params(("id" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 404, body = crate::error::Problem)))]
async fn download_widget_attachment(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (a, bytes) = autocrm_store::attachments::read(&app.store, &p, &id).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    // Images are shown inline by the widget (through a blob URL); anything else downloads.
    let ct = HeaderValue::from_str(&a.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    let ascii: String =
        a.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let disp = format!("attachment; filename=\"{ascii}\"");
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disp).map_err(ApiError::internal)?);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(res)
}

/// The visitor is (or stopped) typing; agents on the ticket see it. Not stored.
#[utoipa::path(post, path = "/api/v1/widget/conversations/{id}/typing", tag = "chat", params(("id" = i64, Path)), request_body = TypingIn,
    responses((status = 204, description = "Sent"), (status = 404, body = crate::error::Problem)))]
async fn send_widget_typing(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<TypingIn>,
) -> ApiResult<StatusCode> {
    autocrm_store::chat::typing(&app.store, &p, id, input.typing).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The visitor has read up to a message (agents see "Seen").
#[utoipa::path(post, path = "/api/v1/widget/conversations/{id}/read", tag = "chat", params(("id" = i64, Path)), request_body = ReadIn,
    responses((status = 204, description = "Recorded"), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn mark_widget_read(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<ReadIn>,
) -> ApiResult<StatusCode> {
    autocrm_store::chat::mark_read(&app.store, &p, id, input.message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A solved conversation's rating as the widget's footer shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetRatingOut {
    /// The conversation.
    pub conversation_id: i64,
    /// The conversation's rating token (`PUT /api/v1/portal/ratings/{rating_token}` takes it too).
    pub token: String,
    /// The rating, if given.
    pub rating: Option<super::portal::RatingOut>,
    /// Not rated yet, or still inside the change window.
    pub can_rate: bool,
    /// Until when the rating can be changed (once given).
    pub changeable_until: Option<DateTime<Utc>>,
}

impl From<&autocrm_store::chat::ConversationRating> for WidgetRatingOut {
    fn from(r: &autocrm_store::chat::ConversationRating) -> Self {
        Self {
            conversation_id: r.ticket_id,
            token: r.token.clone(),
            rating: r.rating.as_ref().map(super::portal::rating_out),
            can_rate: r.can_rate,
            changeable_until: r.rating.as_ref().map(autocrm_store::portal::ratings::editable_until),
        }
    }
}

/// The rating of one of the visitor's solved conversations, with its rating
/// token. 409 `ticket_not_solved` while it is not solved or closed.
#[utoipa::path(get, path = "/api/v1/widget/conversations/{id}/rating", tag = "chat", params(("id" = i64, Path)),
    responses((status = 200, body = WidgetRatingOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn get_widget_conversation_rating(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<WidgetRatingOut>> {
    Ok(Json(WidgetRatingOut::from(&autocrm_store::chat::rating(&app.store, &p, id).await?)))
}

/// Rates one of the visitor's solved conversations, or changes the rating
/// within 7 days of first giving it (the portal's rating rules; this route
/// exists because the widget runs on other sites, which only the widget's
/// routes answer with CORS). 409 `ticket_not_solved` or `rating_final`.
#[utoipa::path(put, path = "/api/v1/widget/conversations/{id}/rating", tag = "chat", params(("id" = i64, Path)),
    request_body = super::portal::RatingIn,
    responses((status = 200, body = WidgetRatingOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn rate_widget_conversation(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<super::portal::RatingIn>,
) -> ApiResult<Json<WidgetRatingOut>> {
    autocrm_store::chat::rate(&app.store, &p, id, input.score.into(), input.comment.as_deref()).await?;
    Ok(Json(WidgetRatingOut::from(&autocrm_store::chat::rating(&app.store, &p, id).await?)))
}

/// Leaves a message while nobody is online: it becomes an e-mail ticket from
/// that address, answered by e-mail.
#[utoipa::path(post, path = "/api/v1/widget/offline-messages", tag = "chat", request_body = OfflineMessageIn,
    responses((status = 201, body = OfflineMessageOut), (status = 422, body = crate::error::Problem)))]
async fn leave_widget_message(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<OfflineMessageIn>,
) -> ApiResult<(StatusCode, Json<OfflineMessageOut>)> {
    let email = parse_email(&input.email, "/email")?;
    let t = autocrm_store::chat::leave_message(&app.store, &p, input.name.as_deref(), &email, &input.body).await?;
    Ok((StatusCode::CREATED, Json(OfflineMessageOut { number: t.number, email: email.as_str().to_owned() })))
}

// ================================================================================================
// The visitor's stream

/// Stream parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WidgetStreamParams {
    /// Resume after this seq (the `Last-Event-ID` header wins).
    pub last_event_id: Option<i64>,
}

/// A typing signal as streamed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TypingOut {
    /// The conversation.
    pub conversation_id: i64,
    /// Who ("Anna", "Visitor 4821").
    pub name: String,
    /// Started or stopped.
    pub typing: bool,
}

/// The chatbot's answer so far, streamed while the model writes it (the
/// `message` event with the stored answer replaces it).
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftOut {
    /// The conversation.
    pub conversation_id: i64,
    /// The bot's name.
    pub name: String,
    /// The text so far (render it as text, never as HTML).
    pub text: String,
}

/// A read receipt as streamed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadOut {
    /// The conversation.
    pub conversation_id: i64,
    /// Read up to this message.
    pub message_id: i64,
    /// When.
    pub at: String,
}

/// Server-Sent Events for the visitor: `message` (a [`WidgetMessageOut`]),
/// `conversation` (a [`ConversationOut`], on status changes) and `rating`
/// (a [`WidgetRatingOut`], when the conversation is rated) with the seq as
/// SSE id (resume with `Last-Event-ID`); `typing` and `read` from the agents
/// and `draft` (a [`DraftOut`]: the chatbot's answer while it is written)
/// with no id. Only the visitor's own conversations.
#[utoipa::path(get, path = "/api/v1/widget/stream", tag = "chat", params(WidgetStreamParams),
    responses((status = 200, description = "text/event-stream", content_type = "text/event-stream", body = WidgetMessageOut)))]
async fn stream_widget_events(
    State(app): State<AppState>,
    Caller(p): Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<WidgetStreamParams>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let resume = resume_point(&headers, q.last_event_id)?;
    // Subscribe before reading the log so nothing committed in between is lost.
    let live = app.store.hub().subscribe();
    let signals = app.store.hub().subscribe_chat();
    let start = match resume {
        Some(id) => id.max(0),
        None => autocrm_store::events::last_seq(&app.store, p.workspace_id).await?,
    };
    let ids: HashSet<i64> = autocrm_store::chat::conversation_ids(&app.store, &p).await?.into_iter().collect();
    if let Some(v) = p.visitor_id() {
        autocrm_store::chat::touch_visitor(&app.store, v).await?;
    }
    let (tx, rx) = mpsc::channel::<Event>(256);
    let pump = VisitorPump { store: app.store.clone(), p, ids, last: start, touched: app.store.now() };
    tokio::spawn(pump.run(live, signals, tx));
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(SSE_KEEPALIVE)))
}

fn resume_point(headers: &HeaderMap, query: Option<i64>) -> ApiResult<Option<i64>> {
    match headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(|s| s.trim().parse::<i64>()) {
        Some(Ok(id)) => Ok(Some(id)),
        Some(Err(_)) => Err(ApiError::bad_request("invalid_last_event_id", "Last-Event-ID must be a seq number")),
        None => Ok(query),
    }
}

struct VisitorPump {
    store: Store,
    p: Principal,
    /// The visitor's conversations (tickets with a chat row it may see).
    ids: HashSet<i64>,
    last: i64,
    touched: DateTime<Utc>,
}

impl VisitorPump {
    async fn run(
        mut self,
        mut live: broadcast::Receiver<Arc<HubEvent>>,
        mut signals: broadcast::Receiver<Arc<ChatSignal>>,
        tx: mpsc::Sender<Event>,
    ) {
        if self.catch_up(None, &tx).await.is_err() {
            return;
        }
        let ws = self.p.workspace_id;
        let mut tick = tokio::time::interval(SSE_KEEPALIVE);
        loop {
            tokio::select! {
                () = tx.closed() => return,
                _ = tick.tick() => {
                    // The log is the truth (covers notifications lost between nodes);
                    // the heartbeat tells agents' replies that the visitor is still here.
                    if self.heartbeat().await.is_err() || self.catch_up(None, &tx).await.is_err() { return; }
                }
                msg = live.recv() => match msg {
                    Ok(e) if e.workspace_id != ws => {}
                    Ok(e) => {
                        if e.seq > self.last + 1 && self.catch_up(Some(e.seq - 1), &tx).await.is_err() {
                            return;
                        }
                        if self.deliver(&e, &tx).await.is_err() { return; }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if self.catch_up(None, &tx).await.is_err() { return; }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                signal = signals.recv() => match signal {
                    Ok(s) if s.workspace_id == ws && s.from == "agent" && self.ids.contains(&s.ticket_id) => {
                        if send_signal(&s, &tx).await.is_err() { return; }
                    }
                    // Missed signals are refreshed by the next one (typing repeats while it lasts).
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }

    async fn heartbeat(&mut self) -> Result<(), ()> {
        let now = self.store.now();
        if (now - self.touched).num_seconds() >= 45
            && let Some(v) = self.p.visitor_id()
        {
            autocrm_store::chat::touch_visitor(&self.store, v).await.map_err(|_| ())?;
            self.touched = now;
        }
        Ok(())
    }

    async fn catch_up(&mut self, until: Option<i64>, tx: &mpsc::Sender<Event>) -> Result<(), ()> {
        loop {
            let batch =
                autocrm_store::events::after(&self.store, self.p.workspace_id, self.last, 500).await.map_err(|_| ())?;
            let full = batch.len() == 500;
            for e in &batch {
                if until.is_some_and(|u| e.seq > u) {
                    return Ok(());
                }
                self.deliver(e, tx).await?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    async fn deliver(&mut self, e: &HubEvent, tx: &mpsc::Sender<Event>) -> Result<(), ()> {
        if e.seq <= self.last {
            return Ok(());
        }
        self.last = e.seq;
        let Some(ticket_id) = e.ticket_id else {
            return Ok(());
        };
        if e.r#type == "ticket.created" && self.p.customer_contact().is_none_or(|c| c < 0) {
            // The visitor's first chat gave it a contact after this stream opened.
            if let Ok(p) = autocrm_store::chat::refresh_principal(&self.store, &self.p).await {
                self.p = p;
            }
        }
        if !autocrm_store::events::can_see(&self.p, e) {
            return Ok(());
        }
        if !self.ids.contains(&ticket_id) {
            // A new conversation (or a ticket that is not one: ignored).
            match autocrm_store::chat::get(&self.store, &self.p, ticket_id).await {
                Ok(_) => {
                    self.ids.insert(ticket_id);
                }
                Err(_) => return Ok(()),
            }
        }
        let (name, data) = match e.r#type.as_str() {
            "message.created" => {
                let Some(id) = e.subject_id else { return Ok(()) };
                match autocrm_store::chat::message(&self.store, &self.p, id).await {
                    Ok(m) => ("message", serde_json::to_string(&WidgetMessageOut::from(&m))),
                    Err(_) => return Ok(()), // an internal note, or gone
                }
            }
            "ticket.created" | "ticket.updated" | "chat.handed_off" => {
                match autocrm_store::chat::get(&self.store, &self.p, ticket_id).await {
                    Ok(c) => ("conversation", serde_json::to_string(&ConversationOut::from(&c))),
                    Err(_) => return Ok(()),
                }
            }
            "ticket.rated" => match autocrm_store::chat::rating(&self.store, &self.p, ticket_id).await {
                Ok(r) => ("rating", serde_json::to_string(&WidgetRatingOut::from(&r))),
                Err(_) => return Ok(()),
            },
            _ => return Ok(()),
        };
        let ev = Event::default().id(e.seq.to_string()).event(name).data(data.unwrap_or_default());
        tx.send(ev).await.map_err(|_| ())
    }
}

async fn send_signal(s: &ChatSignal, tx: &mpsc::Sender<Event>) -> Result<(), ()> {
    // No SSE id: signals are not in the log and must not move the resume point.
    let ev = if s.kind == "typing" {
        let out = TypingOut { conversation_id: s.ticket_id, name: s.name.clone(), typing: s.typing };
        Event::default().event("typing").data(serde_json::to_string(&out).unwrap_or_default())
    } else if s.kind == "draft" {
        let out =
            DraftOut { conversation_id: s.ticket_id, name: s.name.clone(), text: s.text.clone().unwrap_or_default() };
        Event::default().event("draft").data(serde_json::to_string(&out).unwrap_or_default())
    } else {
        let out =
            ReadOut { conversation_id: s.ticket_id, message_id: s.message_id.unwrap_or_default(), at: s.at.clone() };
        Event::default().event("read").data(serde_json::to_string(&out).unwrap_or_default())
    };
    tx.send(ev).await.map_err(|_| ())
}

// ================================================================================================
// Admin settings

/// The widget's settings (the identity secret is write-only: only whether it is set).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatSettingsOut {
    /// Widget on.
    pub enabled: bool,
    /// Sites allowed to embed it (`https://shop.example`, `https://*.shop.example`, `http://127.0.0.2:*`).
    pub allowed_origins: Vec<String>,
    /// Launcher and header colour.
    pub color: String,
    /// Text on it.
    pub text_color: String,
    /// `right` or `left`.
    pub position: String,
    /// Greeting per language.
    #[schema(value_type = Object)]
    pub greetings: serde_json::Value,
    /// Language used when the visitor's has no greeting.
    pub default_locale: String,
    /// `message` or `chat` when nobody is online.
    pub offline_mode: String,
    /// Only identified visitors may chat.
    pub require_identity: bool,
    /// Whether an identity secret is set.
    pub identity_secret_set: bool,
    /// Its last four characters.
    pub identity_secret_hint: Option<String>,
    /// The script tag to put on the shop's pages.
    pub embed_snippet: String,
    /// Agents online now.
    pub agents_online: u64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

async fn settings_out(app: &AppState, s: chat_settings::Model) -> ApiResult<ChatSettingsOut> {
    let ws = autocrm_store::workspaces::by_id(&app.store, s.workspace_id).await?;
    let base = app.config.public_url.trim_end_matches('/');
    Ok(ChatSettingsOut {
        enabled: s.enabled,
        allowed_origins: s.origins(),
        color: s.color.clone(),
        text_color: s.text_color.clone(),
        position: s.position.clone(),
        greetings: s.greetings.clone(),
        default_locale: s.default_locale.clone(),
        offline_mode: s.offline_mode.clone(),
        require_identity: s.require_identity,
        identity_secret_set: s.identity_secret.is_some(),
        identity_secret_hint: s.identity_secret_hint(),
        embed_snippet: format!("<script src=\"{base}/widget.js\" data-workspace=\"{}\" async></script>", ws.slug),
        agents_online: autocrm_store::chat::agents_online(&app.store, s.workspace_id).await?,
        updated_at: s.updated_at,
    })
}

/// A change to the widget's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatSettingsPatch {
    /// Widget on.
    pub enabled: Option<bool>,
    /// Allowed sites (replaces the list; at most 50).
    pub allowed_origins: Option<Vec<String>>,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// `#rrggbb`.
    pub text_color: Option<String>,
    /// `right` or `left`.
    pub position: Option<String>,
    /// Greeting per language (replaces all).
    pub greetings: Option<std::collections::BTreeMap<String, String>>,
    /// One of the greeting languages.
    pub default_locale: Option<String>,
    /// `message` or `chat`.
    pub offline_mode: Option<String>,
    /// Only identified visitors may chat.
    pub require_identity: Option<bool>,
}

/// The chat widget's settings.
#[utoipa::path(get, path = "/api/v1/chat/settings", tag = "chat", responses((status = 200, body = ChatSettingsOut)))]
async fn get_chat_settings(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ChatSettingsOut>> {
    let s = autocrm_store::chat::settings(&app.store, p.workspace_id).await?;
    Ok(Json(settings_out(&app, s).await?))
}

/// Changes the chat widget's settings.
#[utoipa::path(patch, path = "/api/v1/chat/settings", tag = "chat", request_body = ChatSettingsPatch,
    responses((status = 200, body = ChatSettingsOut), (status = 422, body = crate::error::Problem)))]
async fn update_chat_settings(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<ChatSettingsPatch>,
) -> ApiResult<Json<ChatSettingsOut>> {
    let patch = autocrm_store::chat::SettingsPatch {
        enabled: input.enabled,
        allowed_origins: input.allowed_origins,
        color: input.color,
        text_color: input.text_color,
        position: input.position,
        greetings: input.greetings,
        default_locale: input.default_locale,
        offline_mode: input.offline_mode,
        require_identity: input.require_identity,
    };
    let s = autocrm_store::chat::update_settings(&app.store, &p, patch).await?;
    Ok(Json(settings_out(&app, s).await?))
}

/// A new identity secret, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentitySecretOut {
    /// The secret: the shop's backend computes `user_hash = hex(HMAC-SHA256(secret, user_id or email))`.
    pub secret: String,
}

/// Sets a new identity secret (the old one stops working at once) and returns it once.
#[utoipa::path(post, path = "/api/v1/chat/settings/identity-secret", tag = "chat", responses((status = 200, body = IdentitySecretOut)))]
async fn rotate_chat_identity_secret(
    State(app): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<IdentitySecretOut>> {
    Ok(Json(IdentitySecretOut { secret: autocrm_store::chat::rotate_identity_secret(&app.store, &p).await? }))
}

// ================================================================================================
// Agents

/// An agent's chat availability.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityIn {
    /// `true` (online) or `false` (away); omit to keep it (a heartbeat).
    pub available: Option<bool>,
}

/// The agent's availability and the team's.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityOut {
    /// This agent takes chats.
    pub available: bool,
    /// Agents online now (available, heartbeat in the last 90 s).
    pub agents_online: u64,
}

/// Sets the signed-in agent's chat availability and records a heartbeat
/// (send every ~30 s while the app is open; visitors see "online" while any agent is).
#[utoipa::path(put, path = "/api/v1/chat/availability", tag = "chat", request_body = AvailabilityIn,
    responses((status = 200, body = AvailabilityOut)))]
async fn update_chat_availability(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<AvailabilityIn>,
) -> ApiResult<Json<AvailabilityOut>> {
    let (available, agents_online) = autocrm_store::chat::heartbeat(&app.store, &p, input.available).await?;
    Ok(Json(AvailabilityOut { available, agents_online }))
}

/// The visitor behind a chat, as agents see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatVisitorOut {
    /// Public id.
    pub id: String,
    /// Name (given, from the shop, or "Visitor 4821").
    pub name: String,
    /// E-mail, if known.
    pub email: Option<String>,
    /// Whether the shop proved who this is.
    pub identified: bool,
    /// The page the widget was last opened on.
    pub page_url: Option<String>,
    /// Language.
    pub locale: Option<String>,
    /// Last seen by the widget.
    pub last_seen_at: DateTime<Utc>,
}

/// The chat side of a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketChatOut {
    /// `chat` or `offline`.
    pub kind: String,
    /// `human` or `bot`.
    pub handler: String,
    /// The visitor.
    pub visitor: Option<ChatVisitorOut>,
    /// Whether its widget is connected now.
    pub visitor_online: bool,
    /// The last message the visitor read.
    pub visitor_read_message_id: Option<i64>,
    /// When.
    pub visitor_read_at: Option<DateTime<Utc>>,
    /// The last message agents read.
    pub agent_read_message_id: Option<i64>,
    /// The latest public message (what an agent on the page has read).
    pub last_message_id: Option<i64>,
    /// The latest public message by the team ("Seen" once the visitor read it).
    pub last_team_message_id: Option<i64>,
}

/// The chat side of a ticket (404 when it did not come from the widget).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/chat", tag = "chat", params(("id" = i64, Path)),
    responses((status = 200, body = TicketChatOut), (status = 404, body = crate::error::Problem)))]
async fn get_ticket_chat(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<TicketChatOut>> {
    let v = autocrm_store::chat::agent_view(&app.store, &p, id).await?;
    Ok(Json(TicketChatOut {
        kind: v.chat.kind.clone(),
        handler: v.chat.handler.clone(),
        visitor: v.visitor.as_ref().map(|x| ChatVisitorOut {
            id: x.public_id.clone(),
            name: x.name.clone().unwrap_or_else(|| autocrm_domain::chat::anonymous_name(&x.public_id)),
            email: x.email.clone(),
            identified: x.identified,
            page_url: x.page_url.clone(),
            locale: x.locale.clone(),
            last_seen_at: x.last_seen_at,
        }),
        visitor_online: v.visitor_online,
        visitor_read_message_id: v.chat.visitor_read_message_id,
        visitor_read_at: v.chat.visitor_read_at,
        agent_read_message_id: v.chat.agent_read_message_id,
        last_message_id: v.last_message_id,
        last_team_message_id: v.last_team_message_id,
    }))
}

/// The agent is (or stopped) typing a reply; the visitor sees "Anna is typing". Not stored.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/chat/typing", tag = "chat", params(("id" = i64, Path)), request_body = TypingIn,
    responses((status = 204, description = "Sent"), (status = 404, body = crate::error::Problem)))]
async fn send_ticket_chat_typing(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<TypingIn>,
) -> ApiResult<StatusCode> {
    autocrm_store::chat::typing(&app.store, &p, id, input.typing).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The agent has read the chat up to a message (the visitor sees "Seen").
#[utoipa::path(post, path = "/api/v1/tickets/{id}/chat/read", tag = "chat", params(("id" = i64, Path)), request_body = ReadIn,
    responses((status = 204, description = "Recorded"), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn mark_ticket_chat_read(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<ReadIn>,
) -> ApiResult<StatusCode> {
    autocrm_store::chat::mark_read(&app.store, &p, id, input.message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A visitor signal as agents receive it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorSignalOut {
    /// The ticket.
    pub ticket_id: i64,
    /// The visitor's name.
    pub name: String,
    /// For `typing`: started or stopped.
    pub typing: bool,
    /// For `read`: the last message read.
    pub message_id: Option<i64>,
    /// When.
    pub at: String,
}

/// Server-Sent Events of one chat's visitor: `typing` and `read` (ephemeral, no id).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/chat/stream", tag = "chat", params(("id" = i64, Path)),
    responses((status = 200, description = "text/event-stream", content_type = "text/event-stream", body = VisitorSignalOut),
        (status = 404, body = crate::error::Problem)))]
async fn stream_ticket_chat(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let mut signals = app.store.hub().subscribe_chat();
    autocrm_store::chat::agent_view(&app.store, &p, id).await?;
    let ws = p.workspace_id;
    let (tx, rx) = mpsc::channel::<Event>(64);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tx.closed() => return,
                signal = signals.recv() => match signal {
                    Ok(s) if s.workspace_id == ws && s.ticket_id == id && s.from == "visitor" => {
                        let out = VisitorSignalOut { ticket_id: s.ticket_id, name: s.name.clone(), typing: s.typing, message_id: s.message_id, at: s.at.clone() };
                        let ev = Event::default().event(s.kind.clone()).data(serde_json::to_string(&out).unwrap_or_default());
                        if tx.send(ev).await.is_err() { return; }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(SSE_KEEPALIVE)))
}

/// Whether a request is a CORS preflight for a widget route.
pub(crate) fn is_preflight(method: &Method, path: &str) -> bool {
    *method == Method::OPTIONS && path.starts_with(PREFIX)
}

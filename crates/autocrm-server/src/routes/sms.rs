//! SMS numbers and API channels: their settings (admin), Twilio's inbound
//! and status webhooks, and the endpoint an API channel posts its
//! customers' messages to.
//!
//! Invariants: secrets (a number's auth token, an API channel's bearer
//! token and signing secret) are never returned, except an API channel's
//! token and secret once, at creation. The webhook and inbound routes are
//! public in the authorisation layer because they carry their own
//! credential: Twilio's `X-Twilio-Signature` (checked against the URL under
//! `public_url` and the number's auth token, before anything is read or
//! stored) or the API channel's bearer token. Each can only reach its own
//! number's or channel's workspace.

use autocrm_channels::sms::twilio::{self, Inbound, SmsError, StatusCallback};
use autocrm_domain::ssrf::parse_destination;
use autocrm_store::channels::api::{ApiAttachment, ApiChannelInput, ApiMessageInput, ApiSender};
use autocrm_store::channels::sms::{Ingested, SmsNumberInput};
use autocrm_store::entity::{api_channels, sms_numbers};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest as _, OriginalUri, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};

/// Largest body of an API channel message (attachments travel base64-encoded inside).
pub const MAX_API_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// The SMS and API channel routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_api_message))
        // Only this route takes attachments; the layer covers the routes added above it.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_API_MESSAGE_BYTES))
        .routes(routes!(list_sms_numbers, create_sms_number))
        .routes(routes!(get_sms_number, update_sms_number, delete_sms_number))
        .routes(routes!(list_api_channels, create_api_channel))
        .routes(routes!(get_api_channel, update_api_channel, delete_api_channel))
        .routes(routes!(receive_twilio_message))
        .routes(routes!(receive_twilio_status))
}

fn base(app: &AppState) -> &str {
    app.config.public_url.trim_end_matches('/')
}

// ---------------------------------------------------------------------------
// SMS numbers
// ---------------------------------------------------------------------------

/// A new SMS number (a Twilio phone number of the shop's account).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsNumberIn {
    /// The number, E.164 (`+14155550100`).
    pub phone: String,
    /// A label for agents.
    #[serde(default)]
    pub name: String,
    /// Twilio's API origin (default `https://api.twilio.com`).
    pub base_url: Option<String>,
    /// The account SID (`AC…`).
    pub account_sid: String,
    /// The auth token (write-only): authenticates sends and signs Twilio's webhooks.
    pub auth_token: String,
    /// Seconds of silence after which a customer's text opens a new ticket (60–2592000, default 86400).
    pub quiet_period_secs: Option<i64>,
    /// Whether it receives and sends (default true).
    pub active: Option<bool>,
}

/// A change to an SMS number.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsNumberPatch {
    /// New number.
    pub phone: Option<String>,
    /// New label.
    pub name: Option<String>,
    /// New API origin.
    pub base_url: Option<String>,
    /// New account SID.
    pub account_sid: Option<String>,
    /// New auth token (write-only).
    pub auth_token: Option<String>,
    /// New quiet period.
    pub quiet_period_secs: Option<i64>,
    /// Enable or disable.
    pub active: Option<bool>,
}

/// An SMS number. The auth token is never shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsNumberOut {
    /// Id.
    pub id: i64,
    /// The id in its webhook URLs.
    pub public_id: String,
    /// The number.
    pub phone: String,
    /// Label.
    pub name: String,
    /// Twilio's API origin.
    pub base_url: String,
    /// The account SID.
    pub account_sid: String,
    /// Whether an auth token is stored (always true; it is never shown).
    pub auth_token_set: bool,
    /// Quiet period, seconds.
    pub quiet_period_secs: i64,
    /// Whether it receives and sends.
    pub active: bool,
    /// Set this as the number's "A message comes in" webhook in Twilio.
    pub inbound_url: String,
    /// Where Twilio reports delivery (sent with every message).
    pub status_callback_url: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl SmsNumberOut {
    fn new(m: sms_numbers::Model, base: &str) -> Self {
        let inbound_url = format!("{base}/api/v1/channels/sms/{}/twilio", m.public_id);
        Self {
            id: m.id,
            status_callback_url: format!("{inbound_url}/status"),
            inbound_url,
            public_id: m.public_id,
            phone: m.phone,
            name: m.name,
            base_url: m.base_url,
            account_sid: m.account_sid,
            auth_token_set: !m.auth_token.is_empty(),
            quiet_period_secs: m.quiet_period_secs,
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Every SMS number.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsNumberList {
    /// The numbers.
    pub data: Vec<SmsNumberOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// The workspace's SMS numbers.
#[utoipa::path(get, path = "/api/v1/channels/sms-numbers", tag = "channels", responses((status = 200, body = SmsNumberList)))]
async fn list_sms_numbers(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<SmsNumberList>> {
    let rows = autocrm_store::channels::sms::list(&app.store, &p).await?;
    let data = rows.into_iter().map(|m| SmsNumberOut::new(m, base(&app))).collect();
    Ok(Json(SmsNumberList { data, next_cursor: None }))
}

/// Adds an SMS number; point its Twilio webhook at the `inbound_url` returned.
#[utoipa::path(post, path = "/api/v1/channels/sms-numbers", tag = "channels", request_body = SmsNumberIn,
    responses((status = 201, body = SmsNumberOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_sms_number(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<SmsNumberIn>,
) -> ApiResult<(StatusCode, Json<SmsNumberOut>)> {
    let input = SmsNumberInput {
        phone: Some(input.phone),
        name: Some(input.name),
        base_url: input.base_url,
        account_sid: Some(input.account_sid),
        auth_token: Some(input.auth_token),
        quiet_period_secs: input.quiet_period_secs,
        active: input.active,
    };
    let row = autocrm_store::channels::sms::create(&app.store, &p, input).await?;
    Ok((StatusCode::CREATED, Json(SmsNumberOut::new(row, base(&app)))))
}

/// One SMS number.
#[utoipa::path(get, path = "/api/v1/channels/sms-numbers/{id}", tag = "channels", params(("id" = i64, Path)),
    responses((status = 200, body = SmsNumberOut), (status = 404, body = crate::error::Problem)))]
async fn get_sms_number(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<SmsNumberOut>> {
    let row = autocrm_store::channels::sms::get(&app.store, &p, id).await?;
    Ok(Json(SmsNumberOut::new(row, base(&app))))
}

/// Changes an SMS number; omit `auth_token` to keep the stored one.
#[utoipa::path(patch, path = "/api/v1/channels/sms-numbers/{id}", tag = "channels", params(("id" = i64, Path)), request_body = SmsNumberPatch,
    responses((status = 200, body = SmsNumberOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_sms_number(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<SmsNumberPatch>,
) -> ApiResult<Json<SmsNumberOut>> {
    let input = SmsNumberInput {
        phone: patch.phone,
        name: patch.name,
        base_url: patch.base_url,
        account_sid: patch.account_sid,
        auth_token: patch.auth_token,
        quiet_period_secs: patch.quiet_period_secs,
        active: patch.active,
    };
    let row = autocrm_store::channels::sms::update(&app.store, &p, id, input).await?;
    Ok(Json(SmsNumberOut::new(row, base(&app))))
}

/// Removes an SMS number; its messages stay on their tickets.
#[utoipa::path(delete, path = "/api/v1/channels/sms-numbers/{id}", tag = "channels", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_sms_number(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::channels::sms::delete(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// Twilio webhooks
// ---------------------------------------------------------------------------

/// Reads a Twilio webhook: finds the number, checks the signature against
/// the URL Twilio was given (under `public_url`, with the request's query)
/// and returns the form.
async fn signed_form(
    app: &AppState,
    public_id: &str,
    suffix: &str,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<(sms_numbers::Model, Vec<(String, String)>)> {
    let number = autocrm_store::channels::sms::find_by_public_id(&app.store, public_id).await?;
    let mut url = format!("{}/api/v1/channels/sms/{public_id}/twilio{suffix}", base(app));
    if let Some(q) = uri.query() {
        url.push('?');
        url.push_str(q);
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if signature.is_empty() || !twilio::verify(&number.auth_token, &url, &form, signature) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "signature_invalid",
            "the X-Twilio-Signature header is missing or does not match this request",
        ));
    }
    Ok((number, form))
}

fn form_error(e: &SmsError) -> ApiError {
    match e {
        SmsError::Missing(field) => ApiError::field(&format!("/{field}"), "is required"),
        SmsError::Invalid { field, reason } => ApiError::field(&format!("/{field}"), reason.clone()),
        other => ApiError::field("", other.to_string()),
    }
}

/// Receives a text message from Twilio (form-encoded, signed with
/// `X-Twilio-Signature`). Answers an empty `TwiML` document: Twilio itself answers
/// STOP/START/HELP, and agents answer through the ticket.
#[utoipa::path(post, path = "/api/v1/channels/sms/{public_id}/twilio", tag = "channels", params(("public_id" = String, Path)),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "Twilio's message webhook form"),
    responses((status = 200, content_type = "application/xml", body = String, description = "Empty TwiML"),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn receive_twilio_message(
    State(app): State<AppState>,
    Path(public_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (number, form) = signed_form(&app, &public_id, "", &uri, &headers, &body).await?;
    let inbound = Inbound::from_form(&form).map_err(|e| form_error(&e))?;
    let out = autocrm_store::channels::sms::ingest(&app.store, &number, &inbound).await?;
    tracing::debug!(number = number.id, outcome = ?out.outcome, ticket = ?out.ticket_id, "text message received");
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/xml")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>",
    )
        .into_response())
}

/// Receives a delivery report from Twilio for a message we sent (signed
/// like the message webhook). States only move forward: a late `sent` never
/// replaces `delivered`.
#[utoipa::path(post, path = "/api/v1/channels/sms/{public_id}/twilio/status", tag = "channels", params(("public_id" = String, Path)),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "Twilio's status callback form"),
    responses((status = 204, description = "Recorded (or ignored: unknown or out-of-order)"),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn receive_twilio_status(
    State(app): State<AppState>,
    Path(public_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let (number, form) = signed_form(&app, &public_id, "/status", &uri, &headers, &body).await?;
    let cb = StatusCallback::from_form(&form).map_err(|e| form_error(&e))?;
    autocrm_store::channels::sms::status_callback(&app.store, &number, &cb).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// API channels
// ---------------------------------------------------------------------------

/// A new API channel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiChannelIn {
    /// Unique name.
    pub name: String,
    /// Where agents' replies are sent, signed (Standard Webhooks).
    pub reply_url: String,
    /// Seconds of silence after which a message opens a new ticket (60–2592000, default 86400).
    pub quiet_period_secs: Option<i64>,
    /// Whether it receives and delivers (default true).
    pub active: Option<bool>,
}

/// A change to an API channel (its token and secret stay).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiChannelPatch {
    /// New name.
    pub name: Option<String>,
    /// New reply URL.
    pub reply_url: Option<String>,
    /// New quiet period.
    pub quiet_period_secs: Option<i64>,
    /// Enable or disable.
    pub active: Option<bool>,
}

/// An API channel. Its token and secret are never shown after creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiChannelOut {
    /// Id.
    pub id: i64,
    /// The id in its message URL.
    pub public_id: String,
    /// Name.
    pub name: String,
    /// Where replies are sent.
    pub reply_url: String,
    /// Quiet period, seconds.
    pub quiet_period_secs: i64,
    /// Whether it receives and delivers.
    pub active: bool,
    /// Where the external system posts messages (with the channel's token).
    pub messages_url: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl ApiChannelOut {
    fn new(m: api_channels::Model, base: &str) -> Self {
        Self {
            id: m.id,
            messages_url: format!("{base}/api/v1/channels/api/{}/messages", m.public_id),
            public_id: m.public_id,
            name: m.name,
            reply_url: m.reply_url,
            quiet_period_secs: m.quiet_period_secs,
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A new API channel with its credentials, shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiChannelCreatedOut {
    /// The channel.
    #[serde(flatten)]
    pub channel: ApiChannelOut,
    /// Bearer token for posting messages (`apc_…`).
    pub token: String,
    /// The `whsec_` key replies are signed with (Standard Webhooks).
    pub secret: String,
}

/// Every API channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiChannelList {
    /// The channels.
    pub data: Vec<ApiChannelOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// Who wrote an API channel message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSenderIn {
    /// Display name.
    pub name: Option<String>,
    /// E-mail: the customer is found or created by it.
    pub email: Option<String>,
    /// Phone (E.164), used when there is no e-mail.
    pub phone: Option<String>,
    /// The external system's id for the person.
    pub handle: String,
}

/// A file attached to an API channel message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiAttachmentIn {
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes, standard base64 (at most 20 MiB decoded).
    pub data_base64: String,
}

/// A customer's message posted by an API channel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiMessageIn {
    /// The external system's id of the message: posting it again is a no-op.
    pub external_message_id: String,
    /// The external conversation (thread).
    pub conversation_id: String,
    /// Its author.
    pub from: ApiSenderIn,
    /// Plain text.
    #[serde(default)]
    pub text: String,
    /// Files (at most 10).
    #[serde(default)]
    pub attachments: Vec<ApiAttachmentIn>,
}

/// Where a posted message landed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiMessageOut {
    /// The ticket.
    pub ticket_id: Option<i64>,
    /// Its number.
    pub ticket_number: Option<i64>,
    /// The stored message.
    pub message_id: Option<i64>,
    /// True when this message had been posted before (nothing changed).
    pub duplicate: bool,
}

impl From<Ingested> for ApiMessageOut {
    fn from(i: Ingested) -> Self {
        Self {
            ticket_id: i.ticket_id,
            ticket_number: i.ticket_number,
            message_id: i.message_id,
            duplicate: i.duplicate,
        }
    }
}

/// Refuses reply URLs the webhook deliverer would refuse anyway (bad
/// scheme, credentials, local names, non-public IP literals); domain names
/// are resolved and checked again at every send.
fn check_reply_url(app: &AppState, url: Option<&str>) -> ApiResult<()> {
    match url.map(|u| parse_destination(u, &app.config.webhook_allow)) {
        Some(Err(e)) => Err(ApiError::field("/reply_url", format!("refused: {e}"))),
        _ => Ok(()),
    }
}

/// The workspace's API channels.
#[utoipa::path(get, path = "/api/v1/channels/api", tag = "channels", responses((status = 200, body = ApiChannelList)))]
async fn list_api_channels(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ApiChannelList>> {
    let rows = autocrm_store::channels::api::list(&app.store, &p).await?;
    let data = rows.into_iter().map(|m| ApiChannelOut::new(m, base(&app))).collect();
    Ok(Json(ApiChannelList { data, next_cursor: None }))
}

/// Creates an API channel; the response carries its token and signing secret, shown only now.
#[utoipa::path(post, path = "/api/v1/channels/api", tag = "channels", request_body = ApiChannelIn,
    responses((status = 201, body = ApiChannelCreatedOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_api_channel(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<ApiChannelIn>,
) -> ApiResult<(StatusCode, Json<ApiChannelCreatedOut>)> {
    check_reply_url(&app, Some(&input.reply_url))?;
    let input = ApiChannelInput {
        name: Some(input.name),
        reply_url: Some(input.reply_url),
        quiet_period_secs: input.quiet_period_secs,
        active: input.active,
    };
    let created = autocrm_store::channels::api::create(&app.store, &p, input).await?;
    let out = ApiChannelCreatedOut {
        channel: ApiChannelOut::new(created.channel, base(&app)),
        token: created.token,
        secret: created.secret,
    };
    Ok((StatusCode::CREATED, Json(out)))
}

/// One API channel.
#[utoipa::path(get, path = "/api/v1/channels/api/{id}", tag = "channels", params(("id" = i64, Path)),
    responses((status = 200, body = ApiChannelOut), (status = 404, body = crate::error::Problem)))]
async fn get_api_channel(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<ApiChannelOut>> {
    let row = autocrm_store::channels::api::get(&app.store, &p, id).await?;
    Ok(Json(ApiChannelOut::new(row, base(&app))))
}

/// Changes an API channel.
#[utoipa::path(patch, path = "/api/v1/channels/api/{id}", tag = "channels", params(("id" = i64, Path)), request_body = ApiChannelPatch,
    responses((status = 200, body = ApiChannelOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_api_channel(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<ApiChannelPatch>,
) -> ApiResult<Json<ApiChannelOut>> {
    check_reply_url(&app, patch.reply_url.as_deref())?;
    let input = ApiChannelInput {
        name: patch.name,
        reply_url: patch.reply_url,
        quiet_period_secs: patch.quiet_period_secs,
        active: patch.active,
    };
    let row = autocrm_store::channels::api::update(&app.store, &p, id, input).await?;
    Ok(Json(ApiChannelOut::new(row, base(&app))))
}

/// Deletes an API channel; its messages stay on their tickets.
#[utoipa::path(delete, path = "/api/v1/channels/api/{id}", tag = "channels", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_api_channel(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::channels::api::delete(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Posts a customer's message to an API channel (authenticated by the
/// channel's own bearer token, `apc_…`). Answers 201 for a new message and
/// 200 with `duplicate: true` when the `external_message_id` was posted before.
#[utoipa::path(post, path = "/api/v1/channels/api/{public_id}/messages", tag = "channels", params(("public_id" = String, Path)),
    request_body = ApiMessageIn, security(("api_channel_token" = [])),
    responses((status = 201, body = ApiMessageOut), (status = 200, body = ApiMessageOut, description = "Already posted"),
        (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_api_message(
    State(app): State<AppState>,
    Path(public_id): Path<String>,
    req: Request,
) -> ApiResult<(StatusCode, Json<ApiMessageOut>)> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthenticated)?;
    let channel = autocrm_store::channels::api::authenticate(&app.store, &public_id, token)
        .await
        .map_err(|_| ApiError::unauthenticated())?;
    // The body is read only once the caller is known: strangers learn nothing from 422s.
    let ApiJson(input) = ApiJson::<ApiMessageIn>::from_request(req, &app).await?;
    let input = ApiMessageInput {
        external_message_id: input.external_message_id,
        conversation_id: input.conversation_id,
        from: ApiSender {
            name: input.from.name,
            email: input.from.email,
            phone: input.from.phone,
            handle: input.from.handle,
        },
        text: input.text,
        attachments: input
            .attachments
            .into_iter()
            .map(|a| ApiAttachment { filename: a.filename, content_type: a.content_type, data_base64: a.data_base64 })
            .collect(),
    };
    let out = autocrm_store::channels::api::ingest(&app.store, &channel, &input).await?;
    let status = if out.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(out.into())))
}

//! Channels: mailboxes (admin), the raw-MIME inbound endpoint for
//! forwarding providers, a ticket's channel records (addresses, threading
//! headers, authentication results, delivery state), raw messages, and
//! customers' notification preferences and unsubscribe links.
//!
//! Invariants: secrets (IMAP password, SMTP URL, inbound token) are never
//! returned, only whether they are set (the inbound token once, at
//! creation or rotation). The inbound endpoint is authenticated by the
//! mailbox's own token, not a user: it can only deliver to that mailbox's
//! workspace.

use autocrm_store::channels::email_in::{Ingested, Outcome};
use autocrm_store::channels::mailboxes::{ImapInput, MailboxInput};
use autocrm_store::entity::{channel_messages, mailboxes};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::double_option;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};

/// Largest raw message the inbound endpoint reads (the workspace's own
/// limit, at most this, decides acceptance; larger ones are answered 413).
pub const MAX_INBOUND_BYTES: usize = 40 * 1024 * 1024;

/// The channel routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mailboxes, create_mailbox))
        .routes(routes!(get_mailbox, update_mailbox, delete_mailbox))
        .routes(routes!(rotate_mailbox_token))
        .routes(routes!(test_mailbox))
        .routes(routes!(inbound_email))
        .routes(routes!(list_ticket_deliveries))
        .routes(routes!(get_raw_message))
        .routes(routes!(unsubscribe_page, unsubscribe))
        .routes(routes!(get_contact_preferences, update_contact_preferences))
        .routes(routes!(get_channel_settings, update_channel_settings))
        .routes(routes!(list_templates))
        .routes(routes!(save_template, reset_template))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_INBOUND_BYTES))
}

/// IMAP settings. The password is write-only: omit it on update to keep the stored one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImapIn {
    /// Server host.
    pub host: String,
    /// Port (993 for TLS, 143 for STARTTLS).
    pub port: u16,
    /// `tls`, `starttls` or `plain`.
    #[serde(default = "default_security")]
    pub security: String,
    /// Login.
    pub username: String,
    /// Password (write-only).
    pub password: Option<String>,
    /// Folder to poll (default `INBOX`).
    #[serde(default = "default_folder")]
    pub folder: String,
}

fn default_security() -> String {
    "tls".into()
}

fn default_folder() -> String {
    "INBOX".into()
}

impl From<ImapIn> for ImapInput {
    fn from(i: ImapIn) -> Self {
        Self {
            host: i.host,
            port: i.port,
            security: i.security,
            username: i.username,
            password: i.password,
            folder: i.folder,
        }
    }
}

/// A new mailbox.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxIn {
    /// The address customers write to.
    pub address: String,
    /// Display name in `From` (default: the workspace's name).
    #[serde(default)]
    pub name: String,
    /// Other addresses delivered to this mailbox.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// IMAP polling; omit to receive only through the inbound endpoint or the pipe.
    pub imap: Option<ImapIn>,
    /// Seconds between polls (5–86400, default 60).
    pub poll_interval_secs: Option<i64>,
    /// SMTP server for sending (`smtp://user:pass@host:587`, `smtps://…`); write-only.
    /// Omit to send through the server's `[mail]` settings.
    pub smtp_url: Option<String>,
    /// Whether it receives and sends (default true).
    pub active: Option<bool>,
}

/// A change to a mailbox.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxPatch {
    /// New address.
    pub address: Option<String>,
    /// New display name.
    pub name: Option<String>,
    /// Replace the aliases.
    pub aliases: Option<Vec<String>>,
    /// New IMAP settings; `null` removes IMAP polling.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable)]
    pub imap: Option<Option<ImapIn>>,
    /// Seconds between polls.
    pub poll_interval_secs: Option<i64>,
    /// New SMTP URL; `null` sends through the server's `[mail]`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable)]
    pub smtp_url: Option<Option<String>>,
    /// Enable or disable.
    pub active: Option<bool>,
}

/// IMAP settings as shown (no password).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImapOut {
    /// Server host.
    pub host: String,
    /// Port.
    pub port: i64,
    /// `tls`, `starttls` or `plain`.
    pub security: String,
    /// Login.
    pub username: String,
    /// Whether a password is stored (it is never shown).
    pub password_set: bool,
    /// Folder polled.
    pub folder: String,
}

/// A mailbox. Secrets are never shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxOut {
    /// Id.
    pub id: i64,
    /// Address.
    pub address: String,
    /// Display name.
    pub name: String,
    /// Other addresses.
    pub aliases: Vec<String>,
    /// IMAP polling, when configured.
    pub imap: Option<ImapOut>,
    /// Seconds between polls.
    pub poll_interval_secs: i64,
    /// Whether the mailbox has its own SMTP server (the URL is never shown).
    pub smtp_configured: bool,
    /// Whether it receives and sends.
    pub active: bool,
    /// Last poll.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// The last poll's error, if it failed.
    pub last_error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<mailboxes::Model> for MailboxOut {
    fn from(m: mailboxes::Model) -> Self {
        let aliases = autocrm_store::channels::mailboxes::aliases_of(&m);
        let imap = match (&m.imap_host, &m.imap_username) {
            (Some(host), Some(user)) => Some(ImapOut {
                host: host.clone(),
                port: m.imap_port.unwrap_or(993),
                security: m.imap_security.clone(),
                username: user.clone(),
                password_set: m.imap_password.is_some(),
                folder: m.imap_folder.clone(),
            }),
            _ => None,
        };
        Self {
            id: m.id,
            address: m.address,
            name: m.name,
            aliases,
            imap,
            poll_interval_secs: m.poll_interval_secs,
            smtp_configured: m.smtp_url.is_some(),
            active: m.active,
            last_polled_at: m.last_polled_at,
            last_error: m.last_error,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A mailbox with its inbound token: shown once, at creation or rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxCreatedOut {
    /// The mailbox.
    #[serde(flatten)]
    pub mailbox: MailboxOut,
    /// Bearer token for `POST /api/v1/channels/email/inbound` (`mbx_…`).
    pub inbound_token: String,
}

/// A new inbound token.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxTokenOut {
    /// Bearer token for `POST /api/v1/channels/email/inbound` (`mbx_…`); the old one no longer works.
    pub inbound_token: String,
}

/// The result of a connection test.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxTestOut {
    /// Whether login and folder selection worked.
    pub ok: bool,
    /// What failed.
    pub error: Option<String>,
}

/// Every mailbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailboxList {
    /// Mailboxes, oldest first.
    pub data: Vec<MailboxOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// What became of an inbound message.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundOut {
    /// `new_ticket`, `appended`, `duplicate`, `bounce` or `rejected`.
    pub outcome: String,
    /// The ticket it landed on.
    pub ticket_id: Option<i64>,
    /// That ticket's number.
    pub ticket_number: Option<i64>,
    /// The stored message.
    pub message_id: Option<i64>,
    /// Whether it had been received before (nothing changed).
    pub duplicate: bool,
    /// Whether the customer was sent an acknowledgement.
    pub acknowledged: bool,
    /// Why no automatic answer may go to it (`auto_submitted`, `bulk`, …).
    pub no_auto_reply: Option<String>,
    /// Flags recorded (`dmarc_failed`, `attachments_skipped`, `too_large`).
    pub flags: Vec<String>,
}

impl From<Ingested> for InboundOut {
    fn from(i: Ingested) -> Self {
        Self {
            outcome: outcome_name(i.outcome).to_owned(),
            ticket_id: i.ticket_id,
            ticket_number: i.ticket_number,
            message_id: i.message_id,
            duplicate: i.duplicate,
            acknowledged: i.acknowledged,
            no_auto_reply: i.no_auto_reply.map(str::to_owned),
            flags: i.flags,
        }
    }
}

/// One message as it crossed a channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelDeliveryOut {
    /// Id.
    pub id: i64,
    /// The ticket message it carries (none for rejected mail).
    pub message_id: Option<i64>,
    /// `email`, `sms` or `api`.
    pub channel: String,
    /// `in` or `out`.
    pub direction: String,
    /// `Message-ID` (e-mail) or the provider's id (SMS).
    pub external_id: Option<String>,
    /// Sender address or number.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Copies.
    pub cc: Vec<String>,
    /// Subject.
    pub subject: String,
    /// `In-Reply-To`.
    pub in_reply_to: Option<String>,
    /// Quoted history separated from the new text.
    pub quoted_text: String,
    /// Signature separated from the new text.
    pub signature: Option<String>,
    /// SPF, DKIM and DMARC results (inbound e-mail; `null` otherwise).
    #[schema(value_type = Option<Object>)]
    pub auth: serde_json::Value,
    /// Flags (loop markers, skipped attachments, suspicious sender …).
    #[schema(value_type = Object)]
    pub flags: serde_json::Value,
    /// Whether it was an automatic message.
    pub automatic: bool,
    /// `received`, `queued`, `sending`, `sent`, `delivered`, `failed`, `bounced`, `suppressed`, `rejected`.
    pub status: String,
    /// Why it failed, bounced or was held back.
    pub status_detail: Option<String>,
    /// Whether the raw message can be downloaded.
    pub has_raw: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last status change.
    pub updated_at: DateTime<Utc>,
}

impl From<channel_messages::Model> for ChannelDeliveryOut {
    fn from(m: channel_messages::Model) -> Self {
        Self {
            id: m.id,
            message_id: m.message_id,
            channel: m.channel,
            direction: m.direction,
            external_id: m.external_id,
            from: m.from_address,
            to: serde_json::from_value(m.to_addresses).unwrap_or_default(),
            cc: serde_json::from_value(m.cc_addresses).unwrap_or_default(),
            subject: m.subject,
            in_reply_to: m.in_reply_to,
            quoted_text: m.quoted_text,
            signature: m.signature,
            auth: m.auth,
            flags: m.flags,
            automatic: m.automatic,
            status: m.status,
            status_detail: m.status_detail,
            has_raw: m.raw_sha256.is_some(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A ticket's channel records.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelDeliveryList {
    /// Oldest first.
    pub data: Vec<ChannelDeliveryOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// A contact's notification preferences.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesIn {
    /// Automatic e-mail (acknowledgements, solved notices).
    pub email_notifications: Option<bool>,
    /// Automatic text messages.
    pub sms_notifications: Option<bool>,
}

/// A contact's notification preferences.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesOut {
    /// The contact.
    pub contact_id: i64,
    /// Automatic e-mail.
    pub email_notifications: bool,
    /// Automatic text messages.
    pub sms_notifications: bool,
}

/// Every mailbox of the workspace.
#[utoipa::path(get, path = "/api/v1/channels/mailboxes", tag = "channels", responses((status = 200, body = MailboxList)))]
async fn list_mailboxes(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<MailboxList>> {
    let rows = autocrm_store::channels::mailboxes::list(&app.store, &p).await?;
    Ok(Json(MailboxList { data: rows.into_iter().map(MailboxOut::from).collect(), next_cursor: None }))
}

/// Creates a mailbox; the response carries its inbound token, shown only now.
#[utoipa::path(post, path = "/api/v1/channels/mailboxes", tag = "channels", request_body = MailboxIn,
    responses((status = 201, body = MailboxCreatedOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_mailbox(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<MailboxIn>,
) -> ApiResult<(StatusCode, Json<MailboxCreatedOut>)> {
    let input = MailboxInput {
        address: Some(input.address),
        name: Some(input.name),
        aliases: Some(input.aliases),
        imap: Some(input.imap.map(Into::into)),
        poll_interval_secs: input.poll_interval_secs,
        smtp_url: Some(input.smtp_url),
        active: input.active,
    };
    let (row, token) = autocrm_store::channels::mailboxes::create(&app.store, &p, input).await?;
    Ok((StatusCode::CREATED, Json(MailboxCreatedOut { mailbox: row.into(), inbound_token: token })))
}

/// One mailbox.
#[utoipa::path(get, path = "/api/v1/channels/mailboxes/{id}", tag = "channels", params(("id" = i64, Path)),
    responses((status = 200, body = MailboxOut), (status = 404, body = crate::error::Problem)))]
async fn get_mailbox(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<MailboxOut>> {
    Ok(Json(autocrm_store::channels::mailboxes::get(&app.store, &p, id).await?.into()))
}

/// Changes a mailbox. A new IMAP server or folder restarts polling from its first message.
#[utoipa::path(patch, path = "/api/v1/channels/mailboxes/{id}", tag = "channels", params(("id" = i64, Path)), request_body = MailboxPatch,
    responses((status = 200, body = MailboxOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_mailbox(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<MailboxPatch>,
) -> ApiResult<Json<MailboxOut>> {
    let input = MailboxInput {
        address: patch.address,
        name: patch.name,
        aliases: patch.aliases,
        imap: patch.imap.map(|i| i.map(Into::into)),
        poll_interval_secs: patch.poll_interval_secs,
        smtp_url: patch.smtp_url,
        active: patch.active,
    };
    Ok(Json(autocrm_store::channels::mailboxes::update(&app.store, &p, id, input).await?.into()))
}

/// Deletes a mailbox; its messages stay on their tickets.
#[utoipa::path(delete, path = "/api/v1/channels/mailboxes/{id}", tag = "channels", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_mailbox(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::channels::mailboxes::delete(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues a new inbound token; the old one stops working at once.
#[utoipa::path(post, path = "/api/v1/channels/mailboxes/{id}/rotate-token", tag = "channels", params(("id" = i64, Path)),
    responses((status = 200, body = MailboxTokenOut), (status = 404, body = crate::error::Problem)))]
async fn rotate_mailbox_token(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<MailboxTokenOut>> {
    let token = autocrm_store::channels::mailboxes::rotate_token(&app.store, &p, id).await?;
    Ok(Json(MailboxTokenOut { inbound_token: token }))
}

/// Logs in to the mailbox's IMAP server and selects its folder.
#[utoipa::path(post, path = "/api/v1/channels/mailboxes/{id}/test", tag = "channels", params(("id" = i64, Path)),
    responses((status = 200, body = MailboxTestOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn test_mailbox(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<MailboxTestOut>> {
    let m = autocrm_store::channels::mailboxes::get(&app.store, &p, id).await?;
    let Some(settings) = autocrm_store::channels::mailboxes::imap_settings(&m, app.config.imap_accept_invalid_certs)
    else {
        return Err(ApiError::field("/imap", "this mailbox has no IMAP settings"));
    };
    let result = autocrm_channels::email::imap::check(&settings).await;
    Ok(Json(MailboxTestOut { ok: result.is_ok(), error: result.err().map(|e| e.to_string()) }))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Receives one raw RFC 5322 message for a mailbox (for forwarding
/// providers and MTAs). Authenticated by the mailbox's inbound token as a
/// bearer token. Idempotent: the same message again answers `duplicate`.
#[utoipa::path(post, path = "/api/v1/channels/email/inbound", tag = "channels",
    request_body(content = String, content_type = "message/rfc822", description = "The raw message"),
    security(("mailbox_token" = [])),
    responses((status = 200, body = InboundOut), (status = 401, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn inbound_email(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<Json<InboundOut>> {
    let token = bearer(&headers).ok_or_else(ApiError::unauthenticated)?;
    let mailbox = autocrm_store::channels::mailboxes::find_by_token(&app.store, token)
        .await
        .map_err(|_| ApiError::unauthenticated())?;
    if body.is_empty() {
        return Err(ApiError::field("/message", "is empty"));
    }
    if let Some(dup) = autocrm_store::channels::email_in::known_duplicate(&app.store, &mailbox, &body).await? {
        return Ok(Json(dup.into()));
    }
    let auth = sender_auth(&headers, &body).await;
    let out = autocrm_store::channels::email_in::ingest(&app.store, &mailbox, &body, auth).await?;
    Ok(Json(out.into()))
}

/// SPF/DKIM/DMARC for a forwarded message: DKIM and DMARC are checked on
/// the message itself; SPF needs the connecting client, which a forwarding
/// provider passes as `X-Original-Client-IP` (and the envelope sender as
/// `X-Original-Mail-From`) when it has them.
async fn sender_auth(headers: &HeaderMap, raw: &[u8]) -> Option<autocrm_channels::email::auth::AuthResults> {
    let ip = headers.get("x-original-client-ip").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    let mail_from = headers.get("x-original-mail-from").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let auth = autocrm_channels::email::auth::Authenticator::system().ok()?;
    Some(auth.verify(raw, ip, None, mail_from.as_deref()).await)
}

/// A ticket's channel records: every message as it crossed a channel, with
/// addresses, threading headers, authentication results and delivery state.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/deliveries", tag = "channels", params(("id" = i64, Path)),
    responses((status = 200, body = ChannelDeliveryList), (status = 404, body = crate::error::Problem)))]
async fn list_ticket_deliveries(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<ChannelDeliveryList>> {
    let rows = autocrm_store::channels::for_ticket(&app.store, &p, id).await?;
    Ok(Json(ChannelDeliveryList { data: rows.into_iter().map(ChannelDeliveryOut::from).collect(), next_cursor: None }))
}

/// Downloads a channel record's raw message (`.eml`), as received or sent.
#[utoipa::path(get, path = "/api/v1/deliveries/{id}/raw", tag = "channels", params(("id" = i64, Path)),
    responses((status = 200, content_type = "message/rfc822", body = String), (status = 404, body = crate::error::Problem)))]
async fn get_raw_message(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Response> {
    let raw = autocrm_store::channels::raw(&app.store, &p, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"message-{id}.eml\"")),
        ],
        raw,
    )
        .into_response())
}

/// The unsubscribe link's page: a button that confirms (so link scanners
/// that follow every URL do not unsubscribe anyone).
#[utoipa::path(get, path = "/api/v1/channels/email/unsubscribe/{token}", tag = "channels", params(("token" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String)))]
async fn unsubscribe_page(Path(token): Path<String>) -> Html<String> {
    // The token is echoed into the form: only its own alphabet passes.
    let token: String = token.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect();
    Html(format!(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><title>Unsubscribe</title>\
         <body style='font-family:system-ui;max-width:32rem;margin:4rem auto;padding:0 1rem'>\
         <h1>Stop automatic e-mails?</h1><p>You will still receive our replies to your requests.</p>\
         <form method=post action='/api/v1/channels/email/unsubscribe/{token}'><button type=submit>Unsubscribe</button></form>"
    ))
}

/// Opts the customer out of automatic e-mail (RFC 8058 one-click unsubscribe).
#[utoipa::path(post, path = "/api/v1/channels/email/unsubscribe/{token}", tag = "channels", params(("token" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = crate::error::Problem)))]
async fn unsubscribe(State(app): State<AppState>, Path(token): Path<String>) -> ApiResult<Html<&'static str>> {
    autocrm_store::channels::email_out::unsubscribe(&app.store, &token).await?;
    Ok(Html(
        "<!doctype html><meta charset=utf-8><title>Unsubscribed</title>\
         <body style='font-family:system-ui;max-width:32rem;margin:4rem auto;padding:0 1rem'>\
         <h1>You are unsubscribed</h1><p>We will no longer send you automatic e-mails.</p>",
    ))
}

/// A contact's notification preferences (both on until the customer or an agent turns one off).
#[utoipa::path(get, path = "/api/v1/contacts/{id}/channel-preferences", tag = "channels", params(("id" = i64, Path)),
    responses((status = 200, body = PreferencesOut), (status = 404, body = crate::error::Problem)))]
async fn get_contact_preferences(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<PreferencesOut>> {
    let contact = autocrm_store::contacts::get(&app.store, &p, id).await?;
    let row = autocrm_store::channels::email_out::preferences(&app.store, p.workspace_id, contact.id).await?;
    Ok(Json(PreferencesOut {
        contact_id: row.contact_id,
        email_notifications: row.email_notifications,
        sms_notifications: row.sms_notifications,
    }))
}

/// Sets a contact's notification preferences (per channel).
#[utoipa::path(patch, path = "/api/v1/contacts/{id}/channel-preferences", tag = "channels", params(("id" = i64, Path)),
    request_body = PreferencesIn,
    responses((status = 200, body = PreferencesOut), (status = 404, body = crate::error::Problem)))]
async fn update_contact_preferences(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<PreferencesIn>,
) -> ApiResult<Json<PreferencesOut>> {
    let contact = autocrm_store::contacts::get(&app.store, &p, id).await?;
    let row = autocrm_store::channels::email_out::set_preferences(
        &app.store,
        p.workspace_id,
        contact.id,
        input.email_notifications,
        input.sms_notifications,
    )
    .await?;
    Ok(Json(PreferencesOut {
        contact_id: row.contact_id,
        email_notifications: row.email_notifications,
        sms_notifications: row.sms_notifications,
    }))
}

/// The workspace's channel settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelSettingsOut {
    /// Whether new e-mail requests from people get a "we received your request" acknowledgement.
    pub auto_reply_enabled: bool,
    /// Automatic messages per ticket and per customer per hour (loop protection).
    pub auto_per_ticket: i64,
    /// Automatic messages per workspace per hour.
    pub auto_per_workspace: i64,
    /// Largest inbound message accepted, bytes (larger ones are answered with a bounce).
    pub max_message_bytes: i64,
}

impl From<autocrm_store::entity::channel_settings::Model> for ChannelSettingsOut {
    fn from(s: autocrm_store::entity::channel_settings::Model) -> Self {
        Self {
            auto_reply_enabled: s.auto_reply_enabled,
            auto_per_ticket: s.auto_per_ticket,
            auto_per_workspace: s.auto_per_workspace,
            max_message_bytes: s.max_message_bytes,
        }
    }
}

/// A change to the channel settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelSettingsPatch {
    /// Send acknowledgements.
    pub auto_reply_enabled: Option<bool>,
    /// 0–100.
    pub auto_per_ticket: Option<i64>,
    /// 0–100000.
    pub auto_per_workspace: Option<i64>,
    /// 65536–41943040.
    pub max_message_bytes: Option<i64>,
}

/// One notification template set.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateOut {
    /// `ticket_received`, `agent_replied`, `ticket_solved`, `assigned` or `mentioned`.
    pub notice: String,
    /// `en`, `de` or `fr`.
    pub locale: String,
    /// Whether the workspace saved its own (else the built-in one is shown).
    pub customized: bool,
    /// Subject template.
    pub subject: String,
    /// Plain-text template.
    pub text: String,
    /// HTML template (values are escaped).
    pub html: String,
}

impl From<autocrm_store::channels::templates::EffectiveTemplate> for TemplateOut {
    fn from(t: autocrm_store::channels::templates::EffectiveTemplate) -> Self {
        Self {
            notice: t.notice.key().to_owned(),
            locale: t.locale.to_owned(),
            customized: t.customized,
            subject: t.set.subject,
            text: t.set.text,
            html: t.set.html,
        }
    }
}

/// Every template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    /// Every notice in every locale.
    pub data: Vec<TemplateOut>,
    /// The variables templates can use.
    pub variables: String,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// A template set to save.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    /// Subject (minijinja).
    pub subject: String,
    /// Plain-text body (minijinja).
    pub text: String,
    /// HTML body (minijinja; values are escaped).
    pub html: String,
}

/// The workspace's channel settings.
#[utoipa::path(get, path = "/api/v1/channels/settings", tag = "channels", responses((status = 200, body = ChannelSettingsOut)))]
async fn get_channel_settings(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ChannelSettingsOut>> {
    let row = autocrm_store::channels::settings(app.store.connection(), &app.store, p.workspace_id).await?;
    Ok(Json(row.into()))
}

/// Changes the workspace's channel settings.
#[utoipa::path(patch, path = "/api/v1/channels/settings", tag = "channels", request_body = ChannelSettingsPatch,
    responses((status = 200, body = ChannelSettingsOut), (status = 422, body = crate::error::Problem)))]
async fn update_channel_settings(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(patch): ApiJson<ChannelSettingsPatch>,
) -> ApiResult<Json<ChannelSettingsOut>> {
    let patch = autocrm_store::channels::SettingsPatch {
        auto_reply_enabled: patch.auto_reply_enabled,
        auto_per_ticket: patch.auto_per_ticket,
        auto_per_workspace: patch.auto_per_workspace,
        max_message_bytes: patch.max_message_bytes,
    };
    Ok(Json(autocrm_store::channels::update_settings(&app.store, &p, patch).await?.into()))
}

/// Every notification template in effect, per notice and locale.
#[utoipa::path(get, path = "/api/v1/channels/templates", tag = "channels", responses((status = 200, body = TemplateList)))]
async fn list_templates(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<TemplateList>> {
    let rows = autocrm_store::channels::templates::list(&app.store, &p).await?;
    Ok(Json(TemplateList {
        data: rows.into_iter().map(TemplateOut::from).collect(),
        variables: autocrm_channels::email::templates::CONTEXT_DOC.to_owned(),
        next_cursor: None,
    }))
}

/// Saves the workspace's own templates for a notice in a locale (checked by a trial render first).
#[utoipa::path(put, path = "/api/v1/channels/templates/{notice}/{locale}", tag = "channels",
    params(("notice" = String, Path), ("locale" = String, Path)), request_body = TemplateIn,
    responses((status = 200, body = TemplateOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn save_template(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path((notice, locale)): Path<(String, String)>,
    ApiJson(input): ApiJson<TemplateIn>,
) -> ApiResult<Json<TemplateOut>> {
    let (notice, locale) = autocrm_store::channels::templates::parse_target(&notice, &locale)?;
    let set =
        autocrm_channels::email::templates::TemplateSet { subject: input.subject, text: input.text, html: input.html };
    Ok(Json(autocrm_store::channels::templates::save(&app.store, &p, notice, locale, set).await?.into()))
}

/// Goes back to the built-in templates for a notice in a locale.
#[utoipa::path(delete, path = "/api/v1/channels/templates/{notice}/{locale}", tag = "channels",
    params(("notice" = String, Path), ("locale" = String, Path)),
    responses((status = 200, body = TemplateOut), (status = 404, body = crate::error::Problem)))]
async fn reset_template(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path((notice, locale)): Path<(String, String)>,
) -> ApiResult<Json<TemplateOut>> {
    let (notice, locale) = autocrm_store::channels::templates::parse_target(&notice, &locale)?;
    Ok(Json(autocrm_store::channels::templates::reset(&app.store, &p, notice, locale).await?.into()))
}

/// Maps an ingestion outcome to the word the CLI and API print.
pub fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::NewTicket => "new_ticket",
        Outcome::Appended => "appended",
        Outcome::Duplicate => "duplicate",
        Outcome::Bounce => "bounce",
        Outcome::Rejected => "rejected",
    }
}

//! The generic API channel: an external system (a chat widget, a messenger
//! bridge) posts its customers' messages to AutoCRM and receives agents'
//! replies as signed webhooks at its `reply_url`.
//!
//! Threading follows SMS (see `channels::sms`): the channel and the
//! external `conversation_id` make one conversation, continued on its ticket
//! until the ticket is closed or the quiet period passes.
//!
//! Invariants: the bearer token is stored as its SHA-256 and shown once, at
//! creation; the signing secret (a Standard Webhooks `whsec_` key) is shown
//! once too and never read back through the API; a message is stored once
//! per channel and `external_message_id` (dedupe key
//! `api:<channel>:<external_message_id>`, also under concurrent delivery);
//! a reply is queued in the transaction that writes it and its delivery
//! state lives on its channel record.

use autocrm_domain::{Channel, EmailAddress, Principal};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel as _,
    QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use super::sms::{self, InboundRecord, Ingested};
use crate::entity::{api_channels, attachments, channel_messages, messages, tickets, users, workspaces};
use crate::messages::Author;
use crate::sessions::{hash_token, random_token};
use crate::tx::{NewEvent, Tx};
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// Job kind: POST one agent reply to an API channel's `reply_url`.
pub const DELIVER_API: &str = "channel.api.deliver";
/// Most attachments on one inbound message.
pub const MAX_ATTACHMENTS: usize = 10;
/// Longest text of one inbound message, bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// An API channel as created or changed; on update `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ApiChannelInput {
    /// Unique name in the workspace.
    pub name: Option<String>,
    /// Where agents' replies are sent (an `http` or `https` URL).
    pub reply_url: Option<String>,
    /// Silence after which a message opens a new ticket (60 s – 30 days).
    pub quiet_period_secs: Option<i64>,
    /// Whether the channel receives and delivers.
    pub active: Option<bool>,
}

fn check(input: &ApiChannelInput, creating: bool) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    match input.name.as_deref().map(str::trim) {
        Some(n) if n.is_empty() || n.chars().count() > 100 => {
            problems.push(FieldProblem::new("/name", "must be 1–100 characters"));
        }
        None if creating => problems.push(FieldProblem::new("/name", "is required")),
        _ => {}
    }
    match input.reply_url.as_deref().map(str::trim) {
        Some(u) => match url::Url::parse(u) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() && u.len() <= 2000 => {}
            _ => problems.push(FieldProblem::new("/reply_url", "must be an http:// or https:// URL with a host")),
        },
        None if creating => problems.push(FieldProblem::new("/reply_url", "is required")),
        None => {}
    }
    if let Some(q) = input.quiet_period_secs
        && !(sms::MIN_QUIET_SECS..=sms::MAX_QUIET_SECS).contains(&q)
    {
        problems.push(FieldProblem::new("/quiet_period_secs", "must be between 60 and 2592000 (30 days)"));
    }
    problems
}

/// A new channel with its credentials, each shown only now.
#[derive(Clone)]
pub struct CreatedApiChannel {
    /// The channel.
    pub channel: api_channels::Model,
    /// Bearer token for posting messages (`apc_…`).
    pub token: String,
    /// The `whsec_` key replies are signed with.
    pub secret: String,
}

impl std::fmt::Debug for CreatedApiChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiChannel").field("id", &self.channel.id).finish_non_exhaustive()
    }
}

/// Creates a channel; returns it with its token and signing secret (shown once).
pub async fn create(store: &Store, p: &Principal, input: ApiChannelInput) -> StoreResult<CreatedApiChannel> {
    let problems = check(&input, true);
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let token = format!("apc_{}", random_token());
    let secret = autocrm_domain::webhooks::generate_secret();
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = api_channels::ActiveModel {
        workspace_id: Set(tx.ws()),
        public_id: Set(random_token()),
        name: Set(input.name.unwrap_or_default().trim().to_owned()),
        reply_url: Set(input.reply_url.unwrap_or_default().trim().to_owned()),
        secret: Set(secret.clone()),
        token_hash: Set(hash_token(&token)),
        quiet_period_secs: Set(input.quiet_period_secs.unwrap_or(86_400)),
        active: Set(input.active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "api_channel.created",
        "api_channel",
        row.id,
        json!({"api_channel": {"id": row.id, "name": row.name}}),
    ));
    tx.commit().await?;
    Ok(CreatedApiChannel { channel: row, token, secret })
}

/// Every API channel of the workspace.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<api_channels::Model>> {
    Ok(api_channels::Entity::find()
        .filter(api_channels::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(api_channels::Column::Id)
        .all(&store.db)
        .await?)
}

/// One API channel.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<api_channels::Model> {
    get_in(&store.db, p.workspace_id, id).await
}

async fn get_in(conn: &impl ConnectionTrait, ws: i64, id: i64) -> StoreResult<api_channels::Model> {
    api_channels::Entity::find_by_id(id)
        .filter(api_channels::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The active channel `public_id` names, when `token` is its bearer token.
pub async fn authenticate(store: &Store, public_id: &str, token: &str) -> StoreResult<api_channels::Model> {
    if !token.starts_with("apc_") || token.len() > 100 || public_id.len() > 100 {
        return Err(StoreError::NotFound);
    }
    api_channels::Entity::find()
        .filter(api_channels::Column::PublicId.eq(public_id))
        .filter(api_channels::Column::TokenHash.eq(hash_token(token)))
        .filter(api_channels::Column::Active.eq(true))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Changes a channel (the token and secret stay).
pub async fn update(store: &Store, p: &Principal, id: i64, input: ApiChannelInput) -> StoreResult<api_channels::Model> {
    let problems = check(&input, false);
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let mut tx = store.begin(p).await?;
    let mut am = get_in(tx.conn(), tx.ws(), id).await?.into_active_model();
    if let Some(v) = input.name {
        am.name = Set(v.trim().to_owned());
    }
    if let Some(v) = input.reply_url {
        am.reply_url = Set(v.trim().to_owned());
    }
    if let Some(v) = input.quiet_period_secs {
        am.quiet_period_secs = Set(v);
    }
    if let Some(v) = input.active {
        am.active = Set(v);
    }
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "api_channel.updated",
        "api_channel",
        row.id,
        json!({"api_channel": {"id": row.id, "name": row.name}}),
    ));
    tx.commit().await?;
    Ok(row)
}

/// Deletes a channel (its messages stay on their tickets; queued replies fail).
pub async fn delete(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let mut tx = store.begin(p).await?;
    let current = get_in(tx.conn(), tx.ws(), id).await?;
    api_channels::Entity::delete_by_id(current.id).exec(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "api_channel.deleted",
        "api_channel",
        current.id,
        json!({"api_channel": {"id": current.id, "name": current.name}}),
    ));
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Inbound
// ---------------------------------------------------------------------------

/// Who wrote an inbound message, as the external system knows them.
#[derive(Debug, Clone, Default)]
pub struct ApiSender {
    /// Display name.
    pub name: Option<String>,
    /// E-mail, when known: the contact is found or created by it.
    pub email: Option<String>,
    /// Phone (E.164), when known and there is no e-mail.
    pub phone: Option<String>,
    /// The external system's id for the person.
    pub handle: String,
}

/// One attached file, base64-encoded.
#[derive(Debug, Clone, Default)]
pub struct ApiAttachment {
    /// File name (only a name: never used as a path).
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// Standard base64 of the bytes.
    pub data_base64: String,
}

/// One inbound message of an API channel.
#[derive(Debug, Clone, Default)]
pub struct ApiMessageInput {
    /// The external system's message id: posting it again is a no-op.
    pub external_message_id: String,
    /// The external conversation (thread) it belongs to.
    pub conversation_id: String,
    /// Its author.
    pub from: ApiSender,
    /// Plain text.
    pub text: String,
    /// Files.
    pub attachments: Vec<ApiAttachment>,
}

fn bounded(value: &str, pointer: &str, max: usize, problems: &mut Vec<FieldProblem>) -> String {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        problems.push(FieldProblem::new(pointer, format!("must be 1–{max} characters without control characters")));
    }
    v.to_owned()
}

/// What an inbound message is once checked: identity, bytes of files.
struct Checked {
    external_id: String,
    conversation: String,
    handle: String,
    name: Option<String>,
    email: Option<EmailAddress>,
    phone: Option<String>,
    files: Vec<(String, String, Vec<u8>)>,
}

fn check_message(input: &ApiMessageInput) -> StoreResult<Checked> {
    let mut problems = Vec::new();
    let external_id = bounded(&input.external_message_id, "/external_message_id", 200, &mut problems);
    let conversation = bounded(&input.conversation_id, "/conversation_id", 200, &mut problems);
    let handle = bounded(&input.from.handle, "/from/handle", 200, &mut problems);
    let name =
        input.from.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(200).collect());
    let email = match input.from.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => EmailAddress::parse(e)
            .map_err(|_| problems.push(FieldProblem::new("/from/email", "is not an e-mail address")))
            .ok(),
        None => None,
    };
    let phone = match input.from.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) if autocrm_channels::sms::twilio::is_e164(p) => Some(p.to_owned()),
        Some(_) => {
            problems.push(FieldProblem::new("/from/phone", "must be an E.164 number such as +14155550100"));
            None
        }
        None => None,
    };
    if input.text.len() > MAX_TEXT_BYTES {
        problems.push(FieldProblem::new("/text", "is larger than 64 KiB"));
    }
    if input.text.trim().is_empty() && input.attachments.is_empty() {
        problems.push(FieldProblem::new("/text", "must not be empty (unless there are attachments)"));
    }
    if input.attachments.len() > MAX_ATTACHMENTS {
        problems.push(FieldProblem::new("/attachments", "at most 10 attachments per message"));
    }
    let mut files = Vec::new();
    for (i, a) in input.attachments.iter().enumerate().take(MAX_ATTACHMENTS) {
        let name: String =
            a.filename.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"')).take(200).collect();
        let name = if name.trim().is_empty() || name.trim().chars().all(|c| c == '.') {
            "attachment".to_owned()
        } else {
            name
        };
        let content_type = a.content_type.trim();
        if content_type.is_empty() || content_type.len() > 100 || !content_type.contains('/') {
            problems.push(FieldProblem::new(format!("/attachments/{i}/content_type"), "must be a MIME type"));
        }
        match BASE64.decode(a.data_base64.trim()) {
            Ok(bytes) if bytes.is_empty() => {
                problems.push(FieldProblem::new(format!("/attachments/{i}/data_base64"), "is empty"));
            }
            Ok(bytes) if bytes.len() > crate::attachments::MAX_ATTACHMENT_BYTES => {
                problems.push(FieldProblem::new(format!("/attachments/{i}/data_base64"), "is larger than 20 MiB"));
            }
            Ok(bytes) => files.push((name, content_type.to_owned(), bytes)),
            Err(_) => problems.push(FieldProblem::new(format!("/attachments/{i}/data_base64"), "is not base64")),
        }
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    Ok(Checked { external_id, conversation, handle, name, email, phone, files })
}

/// Ingests one message posted to `channel`.
pub async fn ingest(store: &Store, channel: &api_channels::Model, input: &ApiMessageInput) -> StoreResult<Ingested> {
    let checked = check_message(input)?;
    let ws = channel.workspace_id;
    let key = format!("api:{}:{}", channel.id, checked.external_id);
    if let Some(existing) = super::find_dedupe(&store.db, ws, &key).await? {
        return sms::duplicate_of(&store.db, &existing).await;
    }
    // Blobs first (content-addressed: a failed transaction leaves only an unreferenced file).
    let mut blobs = Vec::with_capacity(checked.files.len());
    for (_, _, bytes) in &checked.files {
        blobs.push(crate::attachments::write_blob(store, bytes).await?);
    }
    let mut tx = store.begin(&Principal::system(ws)).await?;
    let done = match ingest_in(&mut tx, channel, &checked, &input.text, &key, &blobs).await {
        Ok(done) => tx.commit().await.map(|_| done),
        Err(e) => Err(e),
    };
    match done {
        Err(StoreError::Conflict { code: "duplicate_message", .. }) => {
            let existing = super::find_dedupe(&store.db, ws, &key).await?.ok_or(StoreError::NotFound)?;
            sms::duplicate_of(&store.db, &existing).await
        }
        other => other,
    }
}

async fn ingest_in(
    tx: &mut Tx,
    channel: &api_channels::Model,
    c: &Checked,
    text: &str,
    key: &str,
    blobs: &[String],
) -> StoreResult<Ingested> {
    let ws = tx.ws();
    sms::lock_party(tx, &format!("api:{ws}:{}:{}", channel.id, c.conversation)).await?;
    if let Some(existing) = super::find_dedupe(tx.conn(), ws, key).await? {
        return sms::duplicate_of(tx.conn(), &existing).await;
    }
    let contact_id = contact_for(tx, channel, c).await?;
    let routed = sms::route(tx, "api", channel.id, &c.conversation, channel.quiet_period_secs).await?;
    let fallback = format!("Message from {}", c.name.as_deref().unwrap_or(&c.handle));
    let subject = sms::subject_from(text, &fallback);
    let (ticket, outcome) = sms::open_or_continue(tx, routed, Channel::Api, contact_id, subject).await?;
    let body = match super::text_html(text) {
        b if b.is_empty() => "<p>(attachments only)</p>".to_owned(),
        b => b,
    };
    let msg = crate::messages::insert_in(tx, &ticket, Author::Contact(contact_id), &body, false, None).await?;
    let now = tx.store.now();
    for ((filename, content_type, bytes), sha) in c.files.iter().zip(blobs) {
        attachments::ActiveModel {
            workspace_id: Set(ws),
            public_id: Set(random_token()),
            ticket_id: Set(Some(ticket.id)),
            message_id: Set(Some(msg.id)),
            sha256: Set(sha.clone()),
            filename: Set(filename.clone()),
            content_type: Set(content_type.clone()),
            size: Set(bytes.len() as i64),
            uploaded_by_user_id: Set(None),
            uploaded_by_contact_id: Set(Some(contact_id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
    }
    sms::touch_conversation(tx, "api", channel.id, &c.conversation, ticket.id).await?;
    let record = InboundRecord {
        channel: "api",
        source_id: channel.id,
        external_id: c.external_id.clone(),
        dedupe_key: key.to_owned(),
        from: c.handle.clone(),
        to: channel.name.clone(),
        flags: json!({"conversation_id": c.conversation, "handle": c.handle, "name": c.name,
            "attachments": c.files.len()}),
    };
    sms::record_inbound(tx, &record, Some(ticket.id), Some(msg.id)).await?;
    Ok(Ingested {
        outcome,
        ticket_id: Some(ticket.id),
        ticket_number: Some(ticket.number),
        message_id: Some(msg.id),
        duplicate: false,
    })
}

/// The contact an inbound message is from: by e-mail, else by phone, else
/// whoever last wrote with this handle on this channel, else a new contact.
async fn contact_for(tx: &mut Tx, channel: &api_channels::Model, c: &Checked) -> StoreResult<i64> {
    if let Some(email) = &c.email {
        return Ok(crate::contacts::find_or_create_by_email(tx, email, c.name.as_deref()).await?.id);
    }
    if let Some(phone) = &c.phone {
        return Ok(sms::find_or_create_by_phone(tx, phone, c.name.as_deref()).await?.id);
    }
    let last = channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(tx.ws()))
        .filter(channel_messages::Column::Channel.eq("api"))
        .filter(channel_messages::Column::SourceId.eq(channel.id))
        .filter(channel_messages::Column::Direction.eq("in"))
        .filter(channel_messages::Column::FromAddress.eq(c.handle.as_str()))
        .order_by_desc(channel_messages::Column::Id)
        .one(tx.conn())
        .await?;
    if let Some(mid) = last.and_then(|m| m.message_id)
        && let Some(author) = messages::Entity::find_by_id(mid).one(tx.conn()).await?.and_then(|m| m.author_contact_id)
    {
        return Ok(author);
    }
    Ok(sms::new_contact_in(tx, c.name.as_deref().unwrap_or(&c.handle), &[]).await?.id)
}

// ---------------------------------------------------------------------------
// Outbound
// ---------------------------------------------------------------------------

/// Queues an agent's public reply to the API channel conversation of
/// `ticket`, in the reply's transaction. Returns `false` when the ticket has
/// no API channel conversation (a ticket opened through the REST API), so
/// the caller answers by e-mail instead.
pub(crate) async fn queue_reply_in(tx: &mut Tx, ticket: &tickets::Model, msg: &messages::Model) -> StoreResult<bool> {
    let ws = tx.ws();
    let last_in = channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::TicketId.eq(ticket.id))
        .filter(channel_messages::Column::Channel.eq("api"))
        .filter(channel_messages::Column::Direction.eq("in"))
        .order_by_desc(channel_messages::Column::Id)
        .one(tx.conn())
        .await?;
    let Some(last_in) = last_in else {
        return Ok(false);
    };
    let Some(conversation) = last_in.flags["conversation_id"].as_str().map(str::to_owned) else {
        return Ok(false);
    };
    let channel = match last_in.source_id {
        Some(id) => get_in(tx.conn(), ws, id).await.ok(),
        None => None,
    };
    let (status, detail) = match &channel {
        Some(c) if c.active => ("queued", None),
        Some(_) => ("failed", Some("the API channel is inactive".to_owned())),
        None => ("failed", Some("the API channel was deleted".to_owned())),
    };
    let now = tx.store.now();
    let row = channel_messages::ActiveModel {
        workspace_id: Set(ws),
        ticket_id: Set(Some(ticket.id)),
        message_id: Set(Some(msg.id)),
        channel: Set("api".into()),
        direction: Set("out".into()),
        source_id: Set(last_in.source_id),
        external_id: Set(None),
        dedupe_key: Set(None),
        from_address: Set(channel.as_ref().map(|c| c.name.clone()).unwrap_or_default()),
        to_addresses: Set(json!([conversation])),
        cc_addresses: Set(json!([])),
        subject: Set(String::new()),
        in_reply_to: Set(Some(last_in.external_id.clone().unwrap_or_default())),
        refs: Set(json!([])),
        quoted_text: Set(String::new()),
        signature: Set(None),
        full_html: Set(None),
        auth: Set(Value::Null),
        flags: Set(json!({"conversation_id": conversation})),
        raw_sha256: Set(None),
        automatic: Set(false),
        status: Set(status.into()),
        status_detail: Set(detail),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    if let Some(c) = channel.filter(|_| status == "queued") {
        sms::touch_outbound(tx, "api", c.id, &conversation, ticket.id).await?;
        tx.enqueue_job(DELIVER_API, json!({"channel_message_id": row.id}), now, Some(format!("cm:{}", row.id))).await?;
    }
    Ok(true)
}

/// A reply ready to POST: destination, signing key and the exact body.
#[derive(Clone)]
pub struct ApiDelivery {
    /// The `channel_messages` row.
    pub id: i64,
    /// The workspace.
    pub workspace_id: i64,
    /// The channel's `reply_url`.
    pub url: String,
    /// The channel's `whsec_` signing key.
    pub secret: String,
    /// `webhook-id`: the same on every attempt, so receivers can deduplicate.
    pub msg_id: String,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for ApiDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiDelivery").field("id", &self.id).field("url", &self.url).finish_non_exhaustive()
    }
}

/// Builds the delivery of a queued reply. `None` when it is no longer
/// waiting; a channel deleted or deactivated meanwhile marks it failed.
/// Attachment URLs point at `public_url` and need an API key to download.
pub async fn prepare(store: &Store, id: i64, public_url: &str) -> StoreResult<Option<ApiDelivery>> {
    let Some(row) = channel_messages::Entity::find_by_id(id).one(&store.db).await? else {
        return Ok(None);
    };
    if !matches!(row.status.as_str(), "queued" | "sending") || row.direction != "out" || row.channel != "api" {
        return Ok(None);
    }
    let ws = row.workspace_id;
    let channel = match row.source_id {
        Some(c) => get_in(&store.db, ws, c).await.ok(),
        None => None,
    };
    let Some(channel) = channel.filter(|c| c.active) else {
        mark(store, id, "failed", Some("the API channel was deleted or deactivated")).await?;
        return Ok(None);
    };
    let (Some(ticket_id), Some(message_id)) = (row.ticket_id, row.message_id) else {
        mark(store, id, "failed", Some("the message is gone")).await?;
        return Ok(None);
    };
    let Some(msg) = messages::Entity::find_by_id(message_id).one(&store.db).await? else {
        mark(store, id, "failed", Some("the message is gone")).await?;
        return Ok(None);
    };
    let author_name = match msg.author_user_id {
        Some(uid) => users::Entity::find_by_id(uid).one(&store.db).await?.map(|u| u.name),
        None => workspaces::Entity::find_by_id(ws).one(&store.db).await?.map(|w| w.name),
    }
    .unwrap_or_default();
    let base = public_url.trim_end_matches('/');
    let files: Vec<Value> = attachments::Entity::find()
        .filter(attachments::Column::WorkspaceId.eq(ws))
        .filter(attachments::Column::MessageId.eq(msg.id))
        .order_by_asc(attachments::Column::Id)
        .all(&store.db)
        .await?
        .into_iter()
        .map(|a| json!({"filename": a.filename, "url": format!("{base}/api/v1/attachments/{}", a.public_id)}))
        .collect();
    let body = json!({
        "type": "message.created",
        "conversation_id": row.flags["conversation_id"],
        "ticket_id": ticket_id,
        "message": {"id": msg.id, "text": msg.body_text, "html": msg.body_html, "author_name": author_name,
            "attachments": files},
    });
    Ok(Some(ApiDelivery {
        id,
        workspace_id: ws,
        url: channel.reply_url,
        secret: channel.secret,
        msg_id: format!("msg_api_{ws}_{id}"),
        body: serde_json::to_vec(&body).map_err(|e| StoreError::Io(e.to_string()))?,
    }))
}

/// Records a delivery attempt's outcome (`sent`, `sending` while retrying, `failed`).
pub async fn mark(store: &Store, id: i64, status: &str, detail: Option<&str>) -> StoreResult<()> {
    super::email_out::mark(store, id, status, detail).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn input() -> ApiMessageInput {
        ApiMessageInput {
            external_message_id: "m1".into(),
            conversation_id: "c1".into(),
            from: ApiSender { handle: "u1".into(), ..ApiSender::default() },
            text: "Hello".into(),
            attachments: Vec::new(),
        }
    }

    fn pointers(e: StoreError) -> Vec<String> {
        match e {
            StoreError::Invalid(p) => p.into_iter().map(|p| p.pointer).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_message_names_every_bad_field() {
        let mut bad = input();
        bad.external_message_id = " ".into();
        bad.from.email = Some("nope".into());
        bad.from.phone = Some("0170".into());
        bad.attachments = vec![ApiAttachment {
            filename: "../../etc/passwd".into(),
            content_type: "x".into(),
            data_base64: "!!".into(),
        }];
        let p = pointers(check_message(&bad).err().unwrap());
        for want in [
            "/external_message_id",
            "/from/email",
            "/from/phone",
            "/attachments/0/content_type",
            "/attachments/0/data_base64",
        ] {
            assert!(p.iter().any(|x| x == want), "{want} missing in {p:?}");
        }
    }

    #[test]
    fn attachment_names_are_never_paths() {
        let mut ok = input();
        ok.attachments = vec![ApiAttachment {
            filename: "../../etc/passwd".into(),
            content_type: "text/plain".into(),
            data_base64: BASE64.encode(b"x"),
        }];
        let c = check_message(&ok).unwrap();
        assert_eq!(c.files[0].0, "....etcpasswd");
        ok.attachments[0].filename = "..".into();
        assert_eq!(check_message(&ok).unwrap().files[0].0, "attachment");
    }

    #[test]
    fn an_empty_message_needs_an_attachment() {
        let mut empty = input();
        empty.text = "  ".into();
        assert_eq!(pointers(check_message(&empty).err().unwrap()), ["/text"]);
    }
}

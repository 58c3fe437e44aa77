//! SMS: the workspace's Twilio numbers, inbound text messages turned into
//! tickets, agents' replies queued as text messages, and delivery reports.
//!
//! Threading: a customer's phone number and our number make one
//! conversation (`channel_conversations`). A new message continues the
//! conversation's ticket unless that ticket is closed, was solved longer ago
//! than the number's quiet period, or the conversation has been silent for
//! longer than the quiet period: then it opens a new ticket.
//!
//! Opt-out: `STOP` (and Twilio's other stop words) records a `stop_keyword`
//! suppression and an internal note on the conversation's ticket, never a
//! new ticket; Twilio itself answers the customer, so we send nothing.
//! `START` lifts the suppression. `HELP` is an ordinary message. While a
//! number is suppressed an agent's reply is recorded as `suppressed` and not
//! sent.
//!
//! Invariants: a Twilio message is stored once per workspace (dedupe key
//! `sms:<MessageSid>`, checked first and enforced by the unique constraint
//! when two deliveries race); two messages of one conversation are ingested
//! one after the other (the SQLite write lock, a transaction-scoped advisory
//! lock on PostgreSQL), so a first message never opens two tickets; the auth
//! token is write-only through this API; a delivery state only moves forward
//! (`twilio::advances`), so late callbacks cannot undo a delivery.

use std::fmt::Write as _;

use autocrm_channels::sms::twilio::{self, DeliveryStatus, Inbound, Keyword, StatusCallback};
use autocrm_domain::{Channel, Principal, Priority, StatusCategory};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel as _, QueryFilter, QueryOrder, Statement,
};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::entity::{channel_conversations, channel_messages, contacts, messages, sms_numbers, tickets};
use crate::messages::Author;
use crate::tickets::NewTicketRow;
use crate::tx::{NewEvent, Tx, Visibility};
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// Job kind: send one queued outbound SMS (`channel_messages` row).
pub const SEND_SMS: &str = "channel.sms.send";
/// Shortest quiet period (seconds) after which a message opens a new ticket.
pub const MIN_QUIET_SECS: i64 = 60;
/// Longest quiet period: 30 days.
pub const MAX_QUIET_SECS: i64 = 30 * 86_400;
/// The longest text Twilio accepts in one message (it splits it into segments).
pub const MAX_SMS_CHARS: usize = 1600;
/// Twilio's error code for a recipient who texted STOP.
pub const TWILIO_UNSUBSCRIBED: u32 = 21_610;

/// An SMS number as created or changed; on update `None` leaves a field alone.
#[derive(Clone, Default)]
pub struct SmsNumberInput {
    /// Our number, E.164 (`+14155550100`).
    pub phone: Option<String>,
    /// A label for agents.
    pub name: Option<String>,
    /// The Twilio API origin (default `https://api.twilio.com`).
    pub base_url: Option<String>,
    /// The account SID (`AC…`).
    pub account_sid: Option<String>,
    /// The auth token: signs webhooks and authenticates sends. Write-only.
    pub auth_token: Option<String>,
    /// Silence after which a message opens a new ticket (60 s – 30 days).
    pub quiet_period_secs: Option<i64>,
    /// Whether the number receives and sends.
    pub active: Option<bool>,
}

impl std::fmt::Debug for SmsNumberInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsNumberInput")
            .field("phone", &self.phone)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &self.auth_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Validates the fields present in `input`; `creating` requires the mandatory ones.
fn check(input: &SmsNumberInput, creating: bool) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    match input.phone.as_deref().map(str::trim) {
        Some(p) if !twilio::is_e164(p) => {
            problems.push(FieldProblem::new("/phone", "must be an E.164 number such as +14155550100"));
        }
        None if creating => problems.push(FieldProblem::new("/phone", "is required")),
        _ => {}
    }
    if let Some(u) = input.base_url.as_deref() {
        match url::Url::parse(u.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {}
            _ => problems.push(FieldProblem::new("/base_url", "must be an http:// or https:// URL with a host")),
        }
    }
    match input.account_sid.as_deref().map(str::trim) {
        Some(s) if !is_account_sid(s) => {
            problems.push(FieldProblem::new(
                "/account_sid",
                "must be a Twilio account SID (AC followed by letters and digits)",
            ));
        }
        None if creating => problems.push(FieldProblem::new("/account_sid", "is required")),
        _ => {}
    }
    match input.auth_token.as_deref() {
        Some(t) if t.trim().is_empty() || t.len() > 200 => {
            problems.push(FieldProblem::new("/auth_token", "must be 1–200 characters"));
        }
        None if creating => problems.push(FieldProblem::new("/auth_token", "is required")),
        _ => {}
    }
    if let Some(q) = input.quiet_period_secs
        && !(MIN_QUIET_SECS..=MAX_QUIET_SECS).contains(&q)
    {
        problems.push(FieldProblem::new("/quiet_period_secs", "must be between 60 and 2592000 (30 days)"));
    }
    if input.name.as_deref().is_some_and(|n| n.chars().count() > 100) {
        problems.push(FieldProblem::new("/name", "must be at most 100 characters"));
    }
    problems
}

fn is_account_sid(s: &str) -> bool {
    s.strip_prefix("AC")
        .is_some_and(|rest| (2..=62).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Adds a number to the workspace.
pub async fn create(store: &Store, p: &Principal, input: SmsNumberInput) -> StoreResult<sms_numbers::Model> {
    let problems = check(&input, true);
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = sms_numbers::ActiveModel {
        workspace_id: Set(tx.ws()),
        public_id: Set(crate::sessions::random_token()),
        phone: Set(input.phone.unwrap_or_default().trim().to_owned()),
        name: Set(input.name.unwrap_or_default().trim().to_owned()),
        base_url: Set(input.base_url.map_or_else(|| twilio::DEFAULT_BASE_URL.to_owned(), |u| u.trim().to_owned())),
        account_sid: Set(input.account_sid.unwrap_or_default().trim().to_owned()),
        auth_token: Set(input.auth_token.unwrap_or_default()),
        quiet_period_secs: Set(input.quiet_period_secs.unwrap_or(86_400)),
        active: Set(input.active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "sms_number.created",
        "sms_number",
        row.id,
        json!({"sms_number": {"id": row.id, "phone": row.phone}}),
    ));
    tx.commit().await?;
    Ok(row)
}

/// Every number of the workspace.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<sms_numbers::Model>> {
    Ok(sms_numbers::Entity::find()
        .filter(sms_numbers::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(sms_numbers::Column::Id)
        .all(&store.db)
        .await?)
}

/// One number.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<sms_numbers::Model> {
    get_in(&store.db, p.workspace_id, id).await
}

pub(crate) async fn get_in(conn: &impl ConnectionTrait, ws: i64, id: i64) -> StoreResult<sms_numbers::Model> {
    sms_numbers::Entity::find_by_id(id)
        .filter(sms_numbers::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The active number behind a webhook URL's public id.
pub async fn find_by_public_id(store: &Store, public_id: &str) -> StoreResult<sms_numbers::Model> {
    if public_id.is_empty() || public_id.len() > 100 {
        return Err(StoreError::NotFound);
    }
    sms_numbers::Entity::find()
        .filter(sms_numbers::Column::PublicId.eq(public_id))
        .filter(sms_numbers::Column::Active.eq(true))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Changes a number. A new auth token replaces the stored one; `None` keeps it.
pub async fn update(store: &Store, p: &Principal, id: i64, input: SmsNumberInput) -> StoreResult<sms_numbers::Model> {
    let problems = check(&input, false);
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let mut tx = store.begin(p).await?;
    let current = get_in(tx.conn(), tx.ws(), id).await?;
    let mut am = current.into_active_model();
    if let Some(v) = input.phone {
        am.phone = Set(v.trim().to_owned());
    }
    if let Some(v) = input.name {
        am.name = Set(v.trim().to_owned());
    }
    if let Some(v) = input.base_url {
        am.base_url = Set(v.trim().to_owned());
    }
    if let Some(v) = input.account_sid {
        am.account_sid = Set(v.trim().to_owned());
    }
    if let Some(v) = input.auth_token {
        am.auth_token = Set(v);
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
        "sms_number.updated",
        "sms_number",
        row.id,
        json!({"sms_number": {"id": row.id, "phone": row.phone}}),
    ));
    tx.commit().await?;
    Ok(row)
}

/// Removes a number (its messages stay on their tickets).
pub async fn delete(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let mut tx = store.begin(p).await?;
    let current = get_in(tx.conn(), tx.ws(), id).await?;
    sms_numbers::Entity::delete_by_id(current.id).exec(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "sms_number.deleted",
        "sms_number",
        current.id,
        json!({"sms_number": {"id": current.id, "phone": current.phone}}),
    ));
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Inbound
// ---------------------------------------------------------------------------

/// What became of an inbound message (SMS or API channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new ticket was opened.
    NewTicket,
    /// Added to the conversation's ticket.
    Appended,
    /// Already stored; nothing changed.
    Duplicate,
    /// `STOP`: the sender is suppressed.
    OptedOut,
    /// `START`: the suppression was lifted.
    OptedIn,
}

/// The result of ingesting one message.
#[derive(Debug, Clone, Serialize)]
pub struct Ingested {
    /// What happened.
    pub outcome: Outcome,
    /// The ticket it landed on (none for a keyword outside any conversation).
    pub ticket_id: Option<i64>,
    /// That ticket's number.
    pub ticket_number: Option<i64>,
    /// The stored message (for a keyword: the internal note).
    pub message_id: Option<i64>,
    /// True when this delivery repeated one already stored.
    pub duplicate: bool,
}

/// Ingests one inbound SMS/MMS received on `number` (its signature already verified).
pub async fn ingest(store: &Store, number: &sms_numbers::Model, inbound: &Inbound) -> StoreResult<Ingested> {
    let ws = number.workspace_id;
    let key = format!("sms:{}", inbound.message_sid);
    if let Some(existing) = super::find_dedupe(&store.db, ws, &key).await? {
        return duplicate_of(&store.db, &existing).await;
    }
    let mut tx = store.begin(&Principal::system(ws)).await?;
    let done = match ingest_in(&mut tx, number, inbound, &key).await {
        Ok(done) => tx.commit().await.map(|_| done),
        Err(e) => Err(e),
    };
    match done {
        Err(StoreError::Conflict { code: "duplicate_message", .. }) => {
            // Another delivery of the same message committed first.
            let existing = super::find_dedupe(&store.db, ws, &key).await?.ok_or(StoreError::NotFound)?;
            duplicate_of(&store.db, &existing).await
        }
        other => other,
    }
}

async fn ingest_in(tx: &mut Tx, number: &sms_numbers::Model, inbound: &Inbound, key: &str) -> StoreResult<Ingested> {
    let phone = inbound.from.as_str();
    lock_party(tx, &format!("sms:{}:{}:{phone}", tx.ws(), number.id)).await?;
    // Under the lock: a racing delivery of the same message has committed by now.
    if let Some(existing) = super::find_dedupe(tx.conn(), tx.ws(), key).await? {
        return duplicate_of(tx.conn(), &existing).await;
    }
    let media: Vec<Value> =
        inbound.media.iter().map(|m| json!({"url": m.url, "content_type": m.content_type})).collect();
    let mut record = InboundRecord {
        channel: "sms",
        source_id: number.id,
        external_id: inbound.message_sid.clone(),
        dedupe_key: key.to_owned(),
        from: phone.to_owned(),
        to: inbound.to.clone(),
        flags: json!({"media": media, "account_sid": inbound.account_sid, "segments": twilio::split_segments(&inbound.body)}),
    };
    let store = tx.store.clone();
    let ws = tx.ws();
    match twilio::keyword(&inbound.body) {
        Some(k @ (Keyword::Stop | Keyword::Start)) => {
            let (outcome, note) = if k == Keyword::Stop {
                super::suppress(
                    tx.conn(),
                    &store,
                    ws,
                    "sms",
                    phone,
                    "stop_keyword",
                    Some(format!("texted {}", inbound.body.trim())),
                )
                .await?;
                (
                    Outcome::OptedOut,
                    format!(
                        "The customer texted {} to opt out: no text messages will be sent to {phone} until they text START.",
                        inbound.body.trim().to_uppercase()
                    ),
                )
            } else {
                super::unsuppress(tx.conn(), ws, "sms", phone, "stop_keyword").await?;
                (
                    Outcome::OptedIn,
                    format!(
                        "The customer texted {} and receives text messages again.",
                        inbound.body.trim().to_uppercase()
                    ),
                )
            };
            record.flags["keyword"] = json!(if k == Keyword::Stop { "stop" } else { "start" });
            let conversation = find_conversation(tx.conn(), ws, "sms", number.id, phone).await?;
            let ticket = match &conversation {
                Some(c) => super::live_ticket(tx.conn(), ws, c.ticket_id).await?,
                None => None,
            };
            let mut out =
                Ingested { outcome, ticket_id: None, ticket_number: None, message_id: None, duplicate: false };
            let mut message_id = None;
            if let Some(t) = ticket {
                let msg =
                    crate::messages::insert_in(tx, &t, Author::System, &super::text_html(&note), true, None).await?;
                message_id = Some(msg.id);
                out.ticket_id = Some(t.id);
                out.ticket_number = Some(t.number);
                out.message_id = Some(msg.id);
            }
            record_inbound(tx, &record, out.ticket_id, message_id).await?;
            Ok(out)
        }
        // HELP is answered by Twilio too, and a customer asking for help is talking to us.
        Some(Keyword::Help) | None => {
            let contact = find_or_create_by_phone(tx, phone, None).await?;
            let body = message_html(&inbound.body, inbound.media.len());
            let subject = subject_from(&inbound.body, &format!("Text message from {phone}"));
            let routed = route(tx, "sms", number.id, phone, number.quiet_period_secs).await?;
            let (ticket, outcome) = open_or_continue(tx, routed, Channel::Sms, contact.id, subject).await?;
            let msg = crate::messages::insert_in(tx, &ticket, Author::Contact(contact.id), &body, false, None).await?;
            touch_conversation(tx, "sms", number.id, phone, ticket.id).await?;
            record_inbound(tx, &record, Some(ticket.id), Some(msg.id)).await?;
            Ok(Ingested {
                outcome,
                ticket_id: Some(ticket.id),
                ticket_number: Some(ticket.number),
                message_id: Some(msg.id),
                duplicate: false,
            })
        }
    }
}

/// The message body: the text as paragraphs, plus a line naming media (kept on the channel record).
fn message_html(text: &str, media: usize) -> String {
    let mut html = super::text_html(text);
    if media > 0 {
        let s = if media == 1 { "" } else { "s" };
        let _ = write!(html, "<p><em>({media} media file{s} attached: see the delivery record)</em></p>");
    }
    if html.is_empty() { "<p>(empty message)</p>".to_owned() } else { html }
}

/// An inbound channel record to insert.
pub(super) struct InboundRecord {
    pub channel: &'static str,
    pub source_id: i64,
    pub external_id: String,
    pub dedupe_key: String,
    pub from: String,
    pub to: String,
    pub flags: Value,
}

pub(super) async fn record_inbound(
    tx: &Tx,
    r: &InboundRecord,
    ticket_id: Option<i64>,
    message_id: Option<i64>,
) -> StoreResult<channel_messages::Model> {
    let now = tx.store.now();
    Ok(channel_messages::ActiveModel {
        workspace_id: Set(tx.ws()),
        ticket_id: Set(ticket_id),
        message_id: Set(message_id),
        channel: Set(r.channel.to_owned()),
        direction: Set("in".into()),
        source_id: Set(Some(r.source_id)),
        external_id: Set(Some(r.external_id.clone())),
        dedupe_key: Set(Some(r.dedupe_key.clone())),
        from_address: Set(r.from.clone()),
        to_addresses: Set(json!([r.to])),
        cc_addresses: Set(json!([])),
        subject: Set(String::new()),
        in_reply_to: Set(None),
        refs: Set(json!([])),
        quoted_text: Set(String::new()),
        signature: Set(None),
        full_html: Set(None),
        auth: Set(Value::Null),
        flags: Set(r.flags.clone()),
        raw_sha256: Set(None),
        automatic: Set(false),
        status: Set("received".into()),
        status_detail: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?)
}

pub(super) async fn duplicate_of(
    conn: &impl ConnectionTrait,
    existing: &channel_messages::Model,
) -> StoreResult<Ingested> {
    let ticket_number = match existing.ticket_id {
        Some(t) => tickets::Entity::find_by_id(t).one(conn).await?.map(|t| t.number),
        None => None,
    };
    Ok(Ingested {
        outcome: Outcome::Duplicate,
        ticket_id: existing.ticket_id,
        ticket_number,
        message_id: existing.message_id,
        duplicate: true,
    })
}

/// Serialises ingestion per conversation on PostgreSQL (SQLite has one
/// writer at a time already): held until the transaction ends.
pub(super) async fn lock_party(tx: &Tx, key: &str) -> StoreResult<()> {
    if tx.store.backend != DbBackend::Postgres {
        return Ok(());
    }
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [i64::from_be_bytes(first).into()],
        ))
        .await?;
    Ok(())
}

async fn find_conversation(
    conn: &impl ConnectionTrait,
    ws: i64,
    channel: &str,
    source_id: i64,
    party: &str,
) -> StoreResult<Option<channel_conversations::Model>> {
    Ok(channel_conversations::Entity::find()
        .filter(channel_conversations::Column::WorkspaceId.eq(ws))
        .filter(channel_conversations::Column::Channel.eq(channel))
        .filter(channel_conversations::Column::SourceId.eq(source_id))
        .filter(channel_conversations::Column::Party.eq(party))
        .one(conn)
        .await?)
}

/// Whether a message at `now` continues `ticket` of a conversation last
/// active at `last_message_at` (see the module docs).
pub(super) fn continues(
    ticket: &tickets::Model,
    last_message_at: DateTime<Utc>,
    quiet: Duration,
    now: DateTime<Utc>,
) -> bool {
    let category = StatusCategory::parse(&ticket.status_category).unwrap_or(StatusCategory::Open);
    if category == StatusCategory::Closed || now - last_message_at > quiet {
        return false;
    }
    !(category == StatusCategory::Solved && ticket.solved_at.is_some_and(|at| now - at > quiet))
}

/// The conversation's ticket to continue, if it may be continued.
pub(super) async fn route(
    tx: &Tx,
    channel: &str,
    source_id: i64,
    party: &str,
    quiet_secs: i64,
) -> StoreResult<Option<tickets::Model>> {
    let ws = tx.ws();
    let Some(conv) = find_conversation(tx.conn(), ws, channel, source_id, party).await? else {
        return Ok(None);
    };
    let Some(ticket) = super::live_ticket(tx.conn(), ws, conv.ticket_id).await? else {
        return Ok(None);
    };
    let quiet = Duration::seconds(quiet_secs.clamp(MIN_QUIET_SECS, MAX_QUIET_SECS));
    Ok(continues(&ticket, conv.last_message_at, quiet, tx.store.now()).then_some(ticket))
}

/// Continues `routed` or opens a new ticket for the contact.
pub(super) async fn open_or_continue(
    tx: &mut Tx,
    routed: Option<tickets::Model>,
    channel: Channel,
    requester_id: i64,
    subject: String,
) -> StoreResult<(tickets::Model, Outcome)> {
    if let Some(t) = routed {
        return Ok((t, Outcome::Appended));
    }
    let t = crate::tickets::insert_in(
        tx,
        NewTicketRow {
            subject,
            requester_id,
            channel,
            status: None,
            priority: Priority::Normal,
            assignee_id: None,
            team_id: None,
            tags: Vec::new(),
            custom_fields: serde_json::Map::new(),
            created_at: tx.store.now(),
        },
    )
    .await?;
    Ok((t, Outcome::NewTicket))
}

/// Points the conversation at `ticket_id` and marks it active now (created on first use).
pub(super) async fn touch_conversation(
    tx: &Tx,
    channel: &str,
    source_id: i64,
    party: &str,
    ticket_id: i64,
) -> StoreResult<()> {
    let ws = tx.ws();
    let now = tx.store.now();
    match find_conversation(tx.conn(), ws, channel, source_id, party).await? {
        Some(c) => {
            let mut am = c.into_active_model();
            am.ticket_id = Set(ticket_id);
            am.last_message_at = Set(now);
            am.updated_at = Set(now);
            am.update(tx.conn()).await?;
        }
        None => {
            channel_conversations::ActiveModel {
                workspace_id: Set(ws),
                channel: Set(channel.to_owned()),
                source_id: Set(source_id),
                party: Set(party.to_owned()),
                ticket_id: Set(ticket_id),
                last_message_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(tx.conn())
            .await?;
        }
    }
    Ok(())
}

/// Marks the conversation of an outgoing message active (when it still points at this ticket).
pub(super) async fn touch_outbound(
    tx: &Tx,
    channel: &str,
    source_id: i64,
    party: &str,
    ticket_id: i64,
) -> StoreResult<()> {
    let now = tx.store.now();
    channel_conversations::Entity::update_many()
        .col_expr(channel_conversations::Column::LastMessageAt, sea_orm::sea_query::Expr::val(now))
        .col_expr(channel_conversations::Column::UpdatedAt, sea_orm::sea_query::Expr::val(now))
        .filter(channel_conversations::Column::WorkspaceId.eq(tx.ws()))
        .filter(channel_conversations::Column::Channel.eq(channel))
        .filter(channel_conversations::Column::SourceId.eq(source_id))
        .filter(channel_conversations::Column::Party.eq(party))
        .filter(channel_conversations::Column::TicketId.eq(ticket_id))
        .exec(tx.conn())
        .await?;
    Ok(())
}

/// A ticket subject from the first words of a text (at most 80 characters).
pub(super) fn subject_from(text: &str, fallback: &str) -> String {
    let mut subject = String::new();
    for word in text.split_whitespace() {
        let extra = usize::from(!subject.is_empty()) + word.chars().count();
        if subject.chars().count() + extra > 80 {
            if subject.is_empty() {
                subject = word.chars().take(79).collect();
            }
            subject.push('…');
            break;
        }
        if !subject.is_empty() {
            subject.push(' ');
        }
        subject.push_str(word);
    }
    if subject.is_empty() { fallback.to_owned() } else { subject }
}

/// Finds the contact with this phone number (spaces, dashes, dots and
/// brackets ignored) or creates one.
pub(crate) async fn find_or_create_by_phone(
    tx: &mut Tx,
    phone: &str,
    name: Option<&str>,
) -> StoreResult<contacts::Model> {
    let ws = tx.ws();
    let template = if tx.store.backend == DbBackend::Postgres {
        "EXISTS (SELECT 1 FROM jsonb_array_elements_text(contacts.phones) AS ph(v) \
         WHERE regexp_replace(ph.v, '[ ().-]', '', 'g') = $1)"
    } else {
        "EXISTS (SELECT 1 FROM json_each(contacts.phones) AS ph \
         WHERE replace(replace(replace(replace(replace(ph.value, ' ', ''), '-', ''), '(', ''), ')', ''), '.', '') = $1)"
    };
    if let Some(c) = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(ws))
        .filter(crate::cust_expr(tx.store.backend, template, vec![phone.into()]))
        .order_by_asc(contacts::Column::Id)
        .one(tx.conn())
        .await?
    {
        return Ok(c);
    }
    let name = name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(phone);
    new_contact_in(tx, name, &[phone]).await
}

/// Creates a contact without an e-mail (a phone's or an external handle's).
pub(crate) async fn new_contact_in(tx: &mut Tx, name: &str, phones: &[&str]) -> StoreResult<contacts::Model> {
    let now = tx.store.now();
    let row = contacts::ActiveModel {
        workspace_id: Set(tx.ws()),
        name: Set(name.trim().chars().take(200).collect()),
        email: Set(None),
        emails: Set(json!([])),
        phones: Set(json!(phones)),
        company_id: Set(None),
        tags: Set(json!([])),
        custom_fields: Set(json!({})),
        notes: Set(String::new()),
        external_ref: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent {
        event_type: "contact.created",
        subject_type: "contact",
        subject_id: Some(row.id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data: json!({"contact": {"id": row.id, "name": row.name, "email": row.email}}),
    });
    Ok(row)
}

// ---------------------------------------------------------------------------
// Outbound
// ---------------------------------------------------------------------------

/// Where a ticket's text messages go: our number and the customer's phone.
async fn destination(tx: &Tx, ticket: &tickets::Model) -> StoreResult<Option<(sms_numbers::Model, String)>> {
    let ws = tx.ws();
    // The number and phone of the ticket's latest inbound text; a conversation moved on
    // to a newer ticket still answers on the older one this way.
    let last_in = channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::TicketId.eq(ticket.id))
        .filter(channel_messages::Column::Channel.eq("sms"))
        .filter(channel_messages::Column::Direction.eq("in"))
        .order_by_desc(channel_messages::Column::Id)
        .one(tx.conn())
        .await?;
    if let Some(m) = last_in
        && let Some(source) = m.source_id
        && let Ok(number) = get_in(tx.conn(), ws, source).await
    {
        return Ok(Some((number, m.from_address)));
    }
    // An SMS ticket opened by an agent: the requester's first phone, from the first active number.
    let Some(contact) = contacts::Entity::find_by_id(ticket.requester_id).one(tx.conn()).await? else {
        return Ok(None);
    };
    let Some(phone) = textable_phone(&contact) else {
        return Ok(None);
    };
    Ok(first_active_number(tx.conn(), ws).await?.map(|n| (n, phone)))
}

/// The contact's first phone that can receive texts, as E.164 (spaces,
/// dashes, dots and brackets dropped).
fn textable_phone(contact: &contacts::Model) -> Option<String> {
    let phones: Vec<String> = serde_json::from_value(contact.phones.clone()).unwrap_or_default();
    phones.iter().map(|p| p.chars().filter(|c| !" ().-".contains(*c)).collect::<String>()).find(|p| twilio::is_e164(p))
}

/// The workspace's first active number: texts that do not answer a
/// conversation go out from it.
async fn first_active_number(conn: &impl ConnectionTrait, ws: i64) -> StoreResult<Option<sms_numbers::Model>> {
    Ok(sms_numbers::Entity::find()
        .filter(sms_numbers::Column::WorkspaceId.eq(ws))
        .filter(sms_numbers::Column::Active.eq(true))
        .order_by_asc(sms_numbers::Column::Id)
        .one(conn)
        .await?)
}

/// Queues an agent's public reply on an SMS ticket as a text message (in
/// the reply's transaction). A suppressed phone gets nothing: the record
/// says `suppressed` so the agent sees why.
pub(crate) async fn queue_reply_in(tx: &mut Tx, ticket: &tickets::Model, msg: &messages::Model) -> StoreResult<()> {
    let Some((number, phone)) = destination(tx, ticket).await? else {
        tracing::warn!(ticket = ticket.id, "an SMS ticket without a number or phone to answer; reply not texted");
        return Ok(());
    };
    let ws = tx.ws();
    let suppressed = super::suppression(tx.conn(), ws, "sms", &phone).await?;
    let mut body: String = msg.body_text.trim().to_owned();
    let truncated = body.chars().count() > MAX_SMS_CHARS;
    if truncated {
        body = body.chars().take(MAX_SMS_CHARS - 1).collect();
        body.push('…');
    }
    let (status, detail) = if let Some(s) = &suppressed {
        ("suppressed", Some(format!("{phone} opted out ({})", s.reason)))
    } else if !number.active {
        ("failed", Some(format!("the number {} is inactive", number.phone)))
    } else {
        ("queued", None)
    };
    let now = tx.store.now();
    let row = channel_messages::ActiveModel {
        workspace_id: Set(ws),
        ticket_id: Set(Some(ticket.id)),
        message_id: Set(Some(msg.id)),
        channel: Set("sms".into()),
        direction: Set("out".into()),
        source_id: Set(Some(number.id)),
        external_id: Set(None),
        dedupe_key: Set(None),
        from_address: Set(number.phone.clone()),
        to_addresses: Set(json!([phone])),
        cc_addresses: Set(json!([])),
        subject: Set(String::new()),
        in_reply_to: Set(None),
        refs: Set(json!([])),
        quoted_text: Set(body.clone()),
        signature: Set(None),
        full_html: Set(None),
        auth: Set(Value::Null),
        flags: Set(json!({"body": body, "segments": twilio::split_segments(&body), "truncated": truncated})),
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
    if status != "queued" {
        return Ok(());
    }
    touch_outbound(tx, "sms", number.id, &phone, ticket.id).await?;
    tx.enqueue_job(SEND_SMS, json!({"channel_message_id": row.id}), now, Some(format!("cm:{}", row.id))).await
}

// ---------------------------------------------------------------------------
// Notices about tickets on other channels
// ---------------------------------------------------------------------------

/// At most one notice text per ticket in this many minutes: a reply sent
/// with "solved", or a few quick replies, make one text, not several.
pub const NOTICE_QUIET_MINUTES: i64 = 15;

/// What a notice text tells the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsNotice {
    /// An agent replied.
    Replied,
    /// The ticket was solved.
    Solved,
}

impl SmsNotice {
    /// The stored name (`flags.notice`), the e-mail notice's key.
    pub fn key(self) -> &'static str {
        match self {
            Self::Replied => "agent_replied",
            Self::Solved => "ticket_solved",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        [Self::Replied, Self::Solved].into_iter().find(|n| n.key() == key)
    }

    /// The text in `locale` (the workspace's, as for the e-mail notice;
    /// English where the language has no wording): the shop's name (a text
    /// comes from a bare number), what happened, and the portal link to read it.
    pub fn text(self, locale: &str, workspace: &str, number: i64, url: &str) -> String {
        let lang = locale.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        match (self, lang.as_str()) {
            (Self::Replied, "de") => format!("{workspace}: Ihre Anfrage #{number} hat eine neue Antwort: {url}"),
            (Self::Solved, "de") => format!("{workspace}: Ihre Anfrage #{number} wurde gelöst: {url}"),
            (Self::Replied, "fr") => format!("{workspace} : votre demande n°{number} a une nouvelle réponse : {url}"),
            (Self::Solved, "fr") => format!("{workspace} : votre demande n°{number} a été résolue : {url}"),
            (Self::Replied, "es") => format!("{workspace}: su solicitud n.º {number} tiene una nueva respuesta: {url}"),
            (Self::Solved, "es") => format!("{workspace}: su solicitud n.º {number} se ha resuelto: {url}"),
            (Self::Replied, _) => format!("{workspace}: Your request #{number} has a new reply: {url}"),
            (Self::Solved, _) => format!("{workspace}: Your request #{number} has been solved: {url}"),
        }
    }
}

/// Whether the contact asked for text-message notices.
///
/// Opt-in, by law in many places and by courtesy everywhere: only a
/// preferences row whose `sms_notifications` is on counts. That switch used
/// to default to on without anything reading it; migration
/// `m0013_sms_notice_opt_in` turned every existing row off and new rows start
/// off (`email_out::preferences`), so "on" now always is the customer's (or
/// an agent's on their behalf) explicit choice. No row means no choice: no text.
async fn wants_texts(conn: &impl ConnectionTrait, ws: i64, contact_id: i64) -> StoreResult<bool> {
    Ok(crate::entity::contact_channel_prefs::Entity::find_by_id(contact_id)
        .filter(crate::entity::contact_channel_prefs::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .is_some_and(|p| p.sms_notifications))
}

/// Queues a short text about `ticket` pointing to the portal ("Your request
/// #N has a new reply: …"), in the transaction of the reply or status change.
/// Only for tickets not on the SMS channel (there the reply itself is
/// texted), to a requester who opted in and has a textable phone, from the
/// workspace's first active number; never to a phone that texted STOP, within
/// the automatic-message caps and [`NOTICE_QUIET_MINUTES`]. Returns whether a
/// text was queued; the link is written when it is sent (the public URL is
/// the worker's).
pub(crate) async fn queue_notice_in(
    tx: &mut Tx,
    ticket: &tickets::Model,
    contact: &contacts::Model,
    notice: SmsNotice,
) -> StoreResult<bool> {
    let ws = tx.ws();
    if ticket.channel == Channel::Sms.as_str() || !wants_texts(tx.conn(), ws, contact.id).await? {
        return Ok(false);
    }
    let Some(phone) = textable_phone(contact) else {
        return Ok(false);
    };
    let Some(number) = first_active_number(tx.conn(), ws).await? else {
        return Ok(false);
    };
    if super::suppression(tx.conn(), ws, "sms", &phone).await?.is_some() {
        return Ok(false);
    }
    let now = tx.store.now();
    let recent = channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::TicketId.eq(ticket.id))
        .filter(channel_messages::Column::Channel.eq("sms"))
        .filter(channel_messages::Column::Direction.eq("out"))
        .filter(channel_messages::Column::Automatic.eq(true))
        .filter(channel_messages::Column::CreatedAt.gte(now - Duration::minutes(NOTICE_QUIET_MINUTES)))
        .one(tx.conn())
        .await?;
    if recent.is_some() {
        return Ok(false);
    }
    let settings = super::settings(tx.conn(), &tx.store, ws).await?;
    if !super::email_out::within_caps(tx, &settings, ticket).await? {
        tracing::warn!(ticket = ticket.id, "automatic message cap reached; notice not texted");
        return Ok(false);
    }
    let workspace =
        crate::entity::workspaces::Entity::find_by_id(ws).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let row = channel_messages::ActiveModel {
        workspace_id: Set(ws),
        ticket_id: Set(Some(ticket.id)),
        // Not tied to the reply: its delivery line stays the e-mail's.
        message_id: Set(None),
        channel: Set("sms".into()),
        direction: Set("out".into()),
        source_id: Set(Some(number.id)),
        external_id: Set(None),
        dedupe_key: Set(None),
        from_address: Set(number.phone.clone()),
        to_addresses: Set(json!([phone])),
        cc_addresses: Set(json!([])),
        subject: Set(String::new()),
        in_reply_to: Set(None),
        refs: Set(json!([])),
        quoted_text: Set(String::new()),
        signature: Set(None),
        full_html: Set(None),
        auth: Set(Value::Null),
        flags: Set(json!({"notice": notice.key(), "contact_id": contact.id, "workspace_name": workspace.name,
            "ticket_number": ticket.number, "locale": workspace.locale})),
        raw_sha256: Set(None),
        automatic: Set(true),
        status: Set("queued".into()),
        status_detail: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.enqueue_job(SEND_SMS, json!({"channel_message_id": row.id}), now, Some(format!("cm:{}", row.id))).await?;
    Ok(true)
}

/// A queued text message, ready for Twilio.
#[derive(Clone)]
pub struct OutgoingSms {
    /// The `channel_messages` row.
    pub id: i64,
    /// The workspace.
    pub workspace_id: i64,
    /// The number it goes out from (credentials and API origin).
    pub number: sms_numbers::Model,
    /// The customer's phone.
    pub to: String,
    /// The text.
    pub body: String,
}

impl std::fmt::Debug for OutgoingSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingSms").field("id", &self.id).field("to", &self.to).finish_non_exhaustive()
    }
}

/// Loads a queued text message. `None` when it is no longer waiting to be
/// sent; a number deleted or deactivated meanwhile marks it failed. A
/// notice's portal link is built on `public_url`.
pub async fn prepare(store: &Store, id: i64, public_url: &str) -> StoreResult<Option<OutgoingSms>> {
    let Some(row) = channel_messages::Entity::find_by_id(id).one(&store.db).await? else {
        return Ok(None);
    };
    if !matches!(row.status.as_str(), "queued" | "sending") || row.direction != "out" || row.channel != "sms" {
        return Ok(None);
    }
    let number = match row.source_id {
        Some(n) => get_in(&store.db, row.workspace_id, n).await.ok(),
        None => None,
    };
    let Some(number) = number.filter(|n| n.active) else {
        mark(store, id, "failed", Some("the SMS number was removed or deactivated")).await?;
        return Ok(None);
    };
    let to: Vec<String> = serde_json::from_value(row.to_addresses.clone()).unwrap_or_default();
    let Some(to) = to.into_iter().next() else {
        mark(store, id, "failed", Some("no recipient")).await?;
        return Ok(None);
    };
    if let Some(s) = super::suppression(&store.db, row.workspace_id, "sms", &to).await? {
        // The customer texted STOP after the reply was queued.
        mark(store, id, "suppressed", Some(&format!("{to} opted out ({})", s.reason))).await?;
        return Ok(None);
    }
    let notice = row.flags["notice"].as_str().and_then(SmsNotice::from_key);
    let body = match (notice, row.ticket_id) {
        (Some(n), Some(ticket_id)) => n.text(
            row.flags["locale"].as_str().unwrap_or("en"),
            row.flags["workspace_name"].as_str().unwrap_or_default(),
            row.flags["ticket_number"].as_i64().unwrap_or_default(),
            &format!("{}/portal/tickets/{ticket_id}", public_url.trim_end_matches('/')),
        ),
        _ => row.flags["body"].as_str().map_or_else(|| row.quoted_text.clone(), str::to_owned),
    };
    Ok(Some(OutgoingSms { id, workspace_id: row.workspace_id, number, to, body }))
}

/// Records a send attempt's outcome (`sending` while retrying, `failed`, `suppressed`).
pub async fn mark(store: &Store, id: i64, status: &str, detail: Option<&str>) -> StoreResult<()> {
    super::email_out::mark(store, id, status, detail).await
}

/// Our status for Twilio's: `sent` while Twilio has it, then `delivered` or `failed`.
fn status_for(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Delivered | DeliveryStatus::Read => "delivered",
        DeliveryStatus::Undelivered | DeliveryStatus::Failed | DeliveryStatus::Canceled => "failed",
        _ => "sent",
    }
}

/// Records that Twilio accepted the message as `sid`.
pub async fn mark_accepted(store: &Store, id: i64, sid: &str, status: DeliveryStatus) -> StoreResult<()> {
    let Some(row) = channel_messages::Entity::find_by_id(id).one(&store.db).await? else {
        return Ok(());
    };
    let mut flags = row.flags.clone();
    flags["twilio_status"] = json!(status.as_str());
    let mut am = row.into_active_model();
    am.external_id = Set(Some(sid.to_owned()));
    am.status = Set(status_for(status).into());
    am.status_detail = Set(Some(format!("Twilio: {status}")));
    am.flags = Set(flags);
    am.updated_at = Set(store.now());
    am.update(&store.db).await?;
    Ok(())
}

/// Records a refusal by Twilio; code 21610 (the recipient texted STOP to
/// Twilio) also suppresses the phone, as if we had seen the STOP.
pub async fn mark_refused(store: &Store, id: i64, code: Option<u32>, message: &str) -> StoreResult<()> {
    let detail = match code {
        Some(c) => format!("Twilio error {c}: {message}"),
        None => format!("Twilio: {message}"),
    };
    mark(store, id, "failed", Some(&detail)).await?;
    if code == Some(TWILIO_UNSUBSCRIBED)
        && let Some(row) = channel_messages::Entity::find_by_id(id).one(&store.db).await?
    {
        let to: Vec<String> = serde_json::from_value(row.to_addresses).unwrap_or_default();
        for phone in to {
            super::suppress(&store.db, store, row.workspace_id, "sms", &phone, "stop_keyword", Some(detail.clone()))
                .await?;
        }
    }
    Ok(())
}

async fn find_outbound(
    conn: &impl ConnectionTrait,
    ws: i64,
    sid: &str,
) -> StoreResult<Option<channel_messages::Model>> {
    Ok(channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::Channel.eq("sms"))
        .filter(channel_messages::Column::Direction.eq("out"))
        .filter(channel_messages::Column::ExternalId.eq(sid))
        .one(conn)
        .await?)
}

/// Applies a delivery report for a message sent from `number`. Only moves
/// forward; a report for a message we do not know is ignored. Returns
/// whether the record changed.
pub async fn status_callback(store: &Store, number: &sms_numbers::Model, cb: &StatusCallback) -> StoreResult<bool> {
    let ws = number.workspace_id;
    let Some(row) = find_outbound(&store.db, ws, &cb.message_sid).await? else {
        return Ok(false);
    };
    let tx = store.begin(&Principal::system(number.workspace_id)).await?;
    // Two callbacks for one message at once: the second reads what the first wrote.
    lock_party(&tx, &format!("cm-status:{}", row.id)).await?;
    let Some(row) = find_outbound(tx.conn(), ws, &cb.message_sid).await? else {
        return Ok(false);
    };
    let current = row.flags["twilio_status"].as_str().and_then(DeliveryStatus::parse).unwrap_or(DeliveryStatus::Queued);
    if !twilio::advances(current, cb.status) {
        return Ok(false);
    }
    let mut flags = row.flags.clone();
    flags["twilio_status"] = json!(cb.status.as_str());
    if let Some(code) = &cb.error_code {
        flags["error_code"] = json!(code);
    }
    let detail = match &cb.error_code {
        Some(code) => format!("Twilio: {} (error {code})", cb.status),
        None => format!("Twilio: {}", cb.status),
    };
    let mut am = row.into_active_model();
    am.status = Set(status_for(cb.status).into());
    am.status_detail = Set(Some(detail));
    am.flags = Set(flags);
    am.updated_at = Set(store.now());
    am.update(tx.conn()).await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn notices_are_worded_in_the_workspaces_language_with_english_as_the_fallback() {
        let url = "https://help.test/portal/tickets/9";
        assert_eq!(
            SmsNotice::Replied.text("en", "Acme", 7, url),
            format!("Acme: Your request #7 has a new reply: {url}")
        );
        assert_eq!(
            SmsNotice::Solved.text("de-DE", "Acme", 7, url),
            format!("Acme: Ihre Anfrage #7 wurde gelöst: {url}")
        );
        assert_eq!(
            SmsNotice::Replied.text("fr", "Acme", 7, url),
            format!("Acme : votre demande n°7 a une nouvelle réponse : {url}")
        );
        assert_eq!(
            SmsNotice::Solved.text("es_ES", "Acme", 7, url),
            format!("Acme: su solicitud n.º 7 se ha resuelto: {url}")
        );
        assert_eq!(
            SmsNotice::Solved.text("pt-BR", "Acme", 7, url),
            format!("Acme: Your request #7 has been solved: {url}")
        );
    }

    #[test]
    fn subjects_are_the_first_words_of_the_text() {
        assert_eq!(subject_from("  Where is\nmy order?  ", "x"), "Where is my order?");
        assert_eq!(subject_from("", "Text message from +1"), "Text message from +1");
        let long = "word ".repeat(40);
        let s = subject_from(&long, "x");
        assert!(s.chars().count() <= 81 && s.ends_with('…'), "{s}");
        let s = subject_from(&"x".repeat(300), "x");
        assert_eq!(s.chars().count(), 80);
    }

    #[test]
    fn text_is_escaped_never_parsed() {
        assert_eq!(
            crate::channels::text_html("<b>hi</b> & bye\nline\n\npara"),
            "<p>&lt;b&gt;hi&lt;/b&gt; &amp; bye<br>line</p><p>para</p>"
        );
        assert_eq!(crate::channels::text_html("   "), "");
    }

    #[test]
    fn account_sids_start_with_ac() {
        assert!(is_account_sid("AC0123456789abcdef0123456789abcdef"));
        assert!(!is_account_sid("SM0123456789abcdef"));
        assert!(!is_account_sid("AC/../x"));
        assert!(!is_account_sid("AC"));
    }

    fn ticket(category: &str, solved_at: Option<DateTime<Utc>>) -> tickets::Model {
        let at = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        tickets::Model {
            id: 1,
            workspace_id: 1,
            number: 1,
            subject: String::new(),
            status_id: 1,
            status_category: category.into(),
            priority: "normal".into(),
            channel: "sms".into(),
            requester_id: 1,
            assignee_id: None,
            team_id: None,
            tags: json!([]),
            custom_fields: json!({}),
            merged_into_id: None,
            message_count: 1,
            first_response_at: None,
            solved_at,
            closed_at: None,
            category: None,
            category_source: None,
            category_confidence: None,
            intent: None,
            language: None,
            sentiment: None,
            sentiment_score: None,
            urgency: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn the_quiet_period_and_closing_start_a_new_ticket() {
        let now = DateTime::parse_from_rfc3339("2026-01-10T00:00:00Z").unwrap().with_timezone(&Utc);
        let day = Duration::days(1);
        assert!(continues(&ticket("open", None), now - Duration::hours(2), day, now));
        assert!(!continues(&ticket("open", None), now - Duration::hours(25), day, now));
        assert!(!continues(&ticket("closed", None), now - Duration::minutes(1), day, now));
        assert!(continues(&ticket("solved", Some(now - Duration::hours(1))), now - Duration::minutes(1), day, now));
        assert!(!continues(&ticket("solved", Some(now - Duration::days(3))), now - Duration::minutes(1), day, now));
    }
}

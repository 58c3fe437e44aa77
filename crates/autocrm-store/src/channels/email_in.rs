//! Inbound e-mail: one raw message in, one decision out (new ticket,
//! appended, duplicate, bounce, rejected), committed atomically.
//!
//! Threading order (first match wins, always inside the receiving
//! workspace): `In-Reply-To`/`References` against Message-IDs we sent or
//! received; a signed reply token in a recipient address; the `[#number]`
//! in the subject, only when the sender is the ticket's requester or a CC.
//! A message failing DMARC never joins a known customer's ticket as them: it
//! opens a ticket tagged `suspicious-sender`. Replies to closed tickets open
//! a follow-up. Duplicates (same Message-ID, or same sender + date + body
//! without one) are stored once: checked first, and enforced by the unique
//! constraint when two deliveries race.

use autocrm_channels::email::auth::AuthResults;
use autocrm_channels::email::inbound::{InboundPlan, MailboxView, plan};
use autocrm_channels::email::{Address, ParseError, ParsedEmail};
use autocrm_domain::{Channel, EmailAddress, Principal, Priority, StatusCategory};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::{Value, json};

use super::email_out;
use crate::entity::{attachments, channel_messages, channel_settings, contacts, mailboxes, tickets};
use crate::messages::{self, Author};
use crate::tickets::NewTicketRow;
use crate::tx::Tx;
use crate::{Store, StoreError, StoreResult};

/// What became of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new ticket was opened.
    NewTicket,
    /// Added to an existing ticket.
    Appended,
    /// Already stored; nothing changed.
    Duplicate,
    /// A delivery failure report, attached to the ticket whose message bounced.
    Bounce,
    /// Not accepted (too large); the sender was sent a bounce.
    Rejected,
}

/// The result of ingesting one message.
#[derive(Debug, Clone, Serialize)]
pub struct Ingested {
    /// What happened.
    pub outcome: Outcome,
    /// The ticket it landed on.
    pub ticket_id: Option<i64>,
    /// That ticket's number.
    pub ticket_number: Option<i64>,
    /// The stored message (for a bounce: the note).
    pub message_id: Option<i64>,
    /// True when this delivery was a duplicate of one already stored.
    pub duplicate: bool,
    /// Whether the "we received your request" acknowledgement was queued.
    pub acknowledged: bool,
    /// Why no automatic answer may go to this message, if one may not.
    pub no_auto_reply: Option<&'static str>,
    /// Flags recorded on the message (`dmarc_failed`, `attachments_skipped` …).
    pub flags: Vec<String>,
}

impl Ingested {
    fn bare(outcome: Outcome) -> Self {
        Self {
            outcome,
            ticket_id: None,
            ticket_number: None,
            message_id: None,
            duplicate: outcome == Outcome::Duplicate,
            acknowledged: false,
            no_auto_reply: None,
            flags: Vec::new(),
        }
    }
}

/// Ingests one raw RFC 5322 message delivered to `mailbox`, with the sender
/// authentication results when the caller could evaluate them.
pub async fn ingest(
    store: &Store,
    mailbox: &mailboxes::Model,
    raw: &[u8],
    auth: Option<AuthResults>,
) -> StoreResult<Ingested> {
    let ws = mailbox.workspace_id;
    let settings = super::settings(&store.db, store, ws).await?;
    let own = super::own_addresses(&store.db, ws).await?;
    let view = MailboxView { addresses: &own };
    let planned = match plan(raw, &settings.limits(), &view, settings.reply_secret.as_bytes()) {
        Ok(p) => p,
        Err(ParseError::TooLarge { size, limit }) => return reject_oversize(store, mailbox, raw, size, limit).await,
        Err(ParseError::Malformed(why)) => {
            return Err(StoreError::invalid("/message", format!("is not an e-mail message: {why}")));
        }
    };
    if let Some(existing) = super::find_dedupe(&store.db, ws, &planned.dedupe_key).await? {
        return duplicate_of(&store.db, &existing).await;
    }
    // Blobs first (content-addressed: a failed transaction leaves only an unreferenced file).
    let raw_sha = crate::attachments::write_blob(store, raw).await?;
    let mut blobs = Vec::with_capacity(planned.parsed.attachments.len());
    for a in &planned.parsed.attachments {
        blobs.push(crate::attachments::write_blob(store, &a.data).await?);
    }
    let auth = auth.unwrap_or_else(AuthResults::unknown);
    let mut tx = store.begin(&Principal::system(ws)).await?;
    let work = Work { mailbox, settings: &settings, plan: &planned, auth: &auth, raw_sha, blobs };
    let done = match ingest_in(&mut tx, &work).await {
        Ok(done) => tx.commit().await.map(|_| done),
        Err(e) => {
            // Roll back now: the failed transaction still holds row locks (the ticket
            // counter) and its connection, which the duplicate lookup below needs.
            drop(tx);
            Err(e)
        }
    };
    match done {
        Err(StoreError::Conflict { code: "duplicate_message", .. }) => {
            // Another delivery of the same message committed first.
            let existing = super::find_dedupe(&store.db, ws, &planned.dedupe_key).await?.ok_or(StoreError::NotFound)?;
            duplicate_of(&store.db, &existing).await
        }
        other => other,
    }
}

/// The stored result when `raw` was already received by this workspace, so
/// callers can skip costly work (DNS lookups for DKIM/DMARC) for duplicates.
pub async fn known_duplicate(store: &Store, mailbox: &mailboxes::Model, raw: &[u8]) -> StoreResult<Option<Ingested>> {
    let ws = mailbox.workspace_id;
    let settings = super::settings(&store.db, store, ws).await?;
    let Ok(parsed) = autocrm_channels::email::parse_with_limits(raw, &settings.limits()) else {
        return Ok(None);
    };
    match super::find_dedupe(&store.db, ws, &parsed.dedupe_key()).await? {
        Some(existing) => Ok(Some(duplicate_of(&store.db, &existing).await?)),
        None => Ok(None),
    }
}

struct Work<'a> {
    mailbox: &'a mailboxes::Model,
    settings: &'a channel_settings::Model,
    plan: &'a InboundPlan,
    auth: &'a AuthResults,
    raw_sha: String,
    blobs: Vec<String>,
}

async fn duplicate_of(conn: &impl ConnectionTrait, existing: &channel_messages::Model) -> StoreResult<Ingested> {
    let mut out = Ingested::bare(Outcome::Duplicate);
    out.ticket_id = existing.ticket_id;
    out.message_id = existing.message_id;
    if let Some(t) = existing.ticket_id {
        out.ticket_number = tickets::Entity::find_by_id(t).one(conn).await?.map(|t| t.number);
    }
    Ok(out)
}

async fn ingest_in(tx: &mut Tx, w: &Work<'_>) -> StoreResult<Ingested> {
    let mail = &w.plan.parsed;
    let ws = tx.ws();
    let sender = w
        .plan
        .sender
        .clone()
        .or_else(|| mail.return_path.clone().filter(|r| !r.is_empty()).map(|email| Address { name: None, email }))
        .ok_or_else(|| StoreError::invalid("/message", "has no sender (From) address"))?;
    let sender_email =
        EmailAddress::parse(&sender.email).map_err(|_| StoreError::invalid("/message", "has no valid From address"))?;
    let mut flags: Vec<String> = Vec::new();
    if !mail.skipped_attachments.is_empty() {
        flags.push("attachments_skipped".into());
    }

    if let Some(bounce) = &mail.bounce
        && let Some(done) = attach_bounce(tx, w, bounce).await?
    {
        return Ok(done);
    }

    let mut target = find_thread(tx, w, sender_email.as_str()).await?;
    let known_customer = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(ws))
        .filter(contacts::Column::Email.eq(sender_email.as_str()))
        .one(tx.conn())
        .await?
        .is_some();
    let mut tags: Vec<String> = Vec::new();
    if w.auth.dmarc_failed() {
        flags.push("dmarc_failed".into());
        if known_customer {
            // The From cannot be believed: never speak as this customer on their thread.
            target = None;
            tags.push("suspicious-sender".into());
        }
    }
    if mail.bounce.is_some() {
        tags.push("bounce".into());
    }
    let mut follow_up_of = None;
    if let Some(t) = &target
        && t.status_category == StatusCategory::Closed.as_str()
    {
        follow_up_of = Some(t.number);
        target = None;
    }
    let contact = crate::contacts::find_or_create_by_email(tx, &sender_email, sender.name.as_deref()).await?;
    let own = super::own_addresses(tx.conn(), ws).await?;
    let others: Vec<(String, Option<String>)> = mail
        .to
        .iter()
        .chain(mail.cc.iter())
        .filter(|a| a.email != sender_email.as_str() && !autocrm_channels::email::loops::is_own_address(&a.email, &own))
        .map(|a| (a.email.clone(), a.name.clone()))
        .collect();

    let (ticket, outcome) = if let Some(t) = target {
        (t, Outcome::Appended)
    } else {
        {
            if follow_up_of.is_some() {
                tags.push("follow-up".into());
            }
            let subject = match mail.subject.trim() {
                "" => "(no subject)".to_owned(),
                s => s.chars().take(250).collect(),
            };
            let t = crate::tickets::insert_in(
                tx,
                NewTicketRow {
                    subject,
                    requester_id: contact.id,
                    channel: Channel::Email,
                    status: None,
                    priority: Priority::Normal,
                    assignee_id: None,
                    team_id: None,
                    tags,
                    custom_fields: serde_json::Map::new(),
                    created_at: tx.store.now(),
                },
            )
            .await?;
            (t, Outcome::NewTicket)
        }
    };
    let store = tx.store.clone();
    super::add_ccs(tx.conn(), &store, ws, ticket.id, &others).await?;
    if outcome == Outcome::Appended && contact.id != ticket.requester_id {
        // A third party answering on the thread joins it.
        super::add_ccs(tx.conn(), &store, ws, ticket.id, &[(sender_email.as_str().to_owned(), sender.name.clone())])
            .await?;
    }

    let body = body_html(mail, follow_up_of);
    let msg = messages::insert_in(tx, &ticket, Author::Contact(contact.id), &body, false, None).await?;
    for (a, sha) in mail.attachments.iter().zip(&w.blobs) {
        attachments::ActiveModel {
            workspace_id: Set(ws),
            public_id: Set(crate::sessions::random_token()),
            ticket_id: Set(Some(ticket.id)),
            message_id: Set(Some(msg.id)),
            sha256: Set(sha.clone()),
            filename: Set(a.filename.clone()),
            content_type: Set(a.content_type.chars().take(100).collect()),
            size: Set(a.data.len() as i64),
            uploaded_by_user_id: Set(None),
            uploaded_by_contact_id: Set(Some(contact.id)),
            created_at: Set(store.now()),
            updated_at: Set(store.now()),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
    }
    record_inbound(tx, w, Some(ticket.id), Some(msg.id), &sender_email, &flags, "received").await?;

    let mut acknowledged = false;
    let no_auto_reply =
        w.plan.no_auto_reply.or(if flags.iter().any(|f| f == "dmarc_failed") { Some("dmarc_failed") } else { None });
    if outcome == Outcome::NewTicket && no_auto_reply.is_none() && w.settings.auto_reply_enabled {
        acknowledged = email_out::queue_notice_in(
            tx,
            &ticket,
            &contact,
            autocrm_channels::email::templates::Notice::TicketReceived,
            Some(w.mailbox),
            None,
        )
        .await?;
    }
    Ok(Ingested {
        outcome,
        ticket_id: Some(ticket.id),
        ticket_number: Some(ticket.number),
        message_id: Some(msg.id),
        duplicate: false,
        acknowledged,
        no_auto_reply,
        flags,
    })
}

/// The ticket this message continues, in the documented order.
async fn find_thread(tx: &Tx, w: &Work<'_>, sender: &str) -> StoreResult<Option<tickets::Model>> {
    let ws = tx.ws();
    let ids: Vec<String> = w.plan.referenced_ids.iter().map(|i| i.to_ascii_lowercase()).take(100).collect();
    if !ids.is_empty() {
        let hit = channel_messages::Entity::find()
            .filter(channel_messages::Column::WorkspaceId.eq(ws))
            .filter(channel_messages::Column::Channel.eq("email"))
            .filter(channel_messages::Column::ExternalId.is_in(ids))
            .filter(channel_messages::Column::TicketId.is_not_null())
            .order_by_desc(channel_messages::Column::Id)
            .one(tx.conn())
            .await?;
        if let Some(t) = hit.and_then(|h| h.ticket_id) {
            return super::live_ticket(tx.conn(), ws, t).await;
        }
    }
    if let Some((token_ws, ticket_id)) = w.plan.reply_token
        && token_ws == ws
        && let Some(t) = super::live_ticket(tx.conn(), ws, ticket_id).await?
    {
        return Ok(Some(t));
    }
    if let Some(number) = w.plan.subject_number
        && let Some(t) = tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(ws))
            .filter(tickets::Column::Number.eq(number))
            .one(tx.conn())
            .await?
    {
        let requester = contacts::Entity::find_by_id(t.requester_id).one(tx.conn()).await?;
        let is_requester = requester.is_some_and(|c| {
            c.email.as_deref() == Some(sender)
                || serde_json::from_value::<Vec<String>>(c.emails.clone())
                    .unwrap_or_default()
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(sender))
        });
        let is_cc = super::ccs(tx.conn(), ws, t.id).await?.iter().any(|c| c.address == sender);
        if is_requester || is_cc {
            return super::live_ticket(tx.conn(), ws, t.id).await;
        }
    }
    Ok(None)
}

/// The message body as stored: the new text as paragraphs (the quoted
/// history and signature are kept on the channel record).
fn body_html(mail: &ParsedEmail, follow_up_of: Option<i64>) -> String {
    let mut text = mail.text_new.trim().to_owned();
    if text.is_empty() {
        text = if mail.text_quoted.trim().is_empty() && mail.signature.is_none() {
            if mail.attachments.is_empty() { "(empty message)".to_owned() } else { "(attachments only)".to_owned() }
        } else {
            // Nothing new above the quote: show what was sent rather than nothing.
            format!("{}\n\n{}", mail.text_quoted.trim(), mail.signature.as_deref().unwrap_or_default())
                .trim()
                .to_owned()
        };
    }
    let mut html = String::new();
    if let Some(n) = follow_up_of {
        html.push_str("<p><em>Follow-up to closed ticket #");
        html.push_str(&n.to_string());
        html.push_str("</em></p>");
    }
    html.push_str(&super::text_html(&text));
    html
}

async fn record_inbound(
    tx: &Tx,
    w: &Work<'_>,
    ticket_id: Option<i64>,
    message_id: Option<i64>,
    sender: &EmailAddress,
    flags: &[String],
    status: &str,
) -> StoreResult<channel_messages::Model> {
    let mail = &w.plan.parsed;
    let now = tx.store.now();
    let mut all_flags: Vec<Value> = flags.iter().map(|f| json!(f)).collect();
    if let Some(reason) = w.plan.no_auto_reply {
        all_flags.push(json!(format!("no_auto_reply:{reason}")));
    }
    Ok(channel_messages::ActiveModel {
        workspace_id: Set(tx.ws()),
        ticket_id: Set(ticket_id),
        message_id: Set(message_id),
        channel: Set("email".into()),
        direction: Set("in".into()),
        source_id: Set(Some(w.mailbox.id)),
        external_id: Set(mail.message_id.as_ref().map(|m| m.to_ascii_lowercase())),
        dedupe_key: Set(Some(w.plan.dedupe_key.clone())),
        from_address: Set(sender.as_str().to_owned()),
        to_addresses: Set(json!(mail.to.iter().map(|a| &a.email).collect::<Vec<_>>())),
        cc_addresses: Set(json!(mail.cc.iter().map(|a| &a.email).collect::<Vec<_>>())),
        subject: Set(mail.subject.chars().take(500).collect()),
        in_reply_to: Set(mail.in_reply_to.first().map(|m| m.to_ascii_lowercase())),
        refs: Set(json!(mail.references.iter().rev().take(50).collect::<Vec<_>>())),
        quoted_text: Set(mail.text_quoted.chars().take(200_000).collect()),
        signature: Set(mail.signature.clone()),
        full_html: Set(mail.html.clone()),
        auth: Set(serde_json::to_value(w.auth).unwrap_or(Value::Null)),
        flags: Set(json!({"list": all_flags, "automation": mail.automation,
            "skipped_attachments": mail.skipped_attachments})),
        raw_sha256: Set(Some(w.raw_sha.clone())),
        automatic: Set(w.plan.no_auto_reply.is_some()),
        status: Set(status.to_owned()),
        status_detail: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?)
}

/// Attaches a delivery failure report to the ticket whose outgoing message
/// bounced, marks that message bounced and, for a permanent failure, flags
/// the address. `None` when the bounced message is not ours.
async fn attach_bounce(
    tx: &mut Tx,
    w: &Work<'_>,
    bounce: &autocrm_channels::email::Bounce,
) -> StoreResult<Option<Ingested>> {
    let Some(original) = bounce.original_message_id.as_ref().map(|m| m.to_ascii_lowercase()) else {
        return Ok(None);
    };
    let ws = tx.ws();
    let Some(out) = channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::Direction.eq("out"))
        .filter(channel_messages::Column::ExternalId.eq(original))
        .one(tx.conn())
        .await?
    else {
        return Ok(None);
    };
    let Some(ticket) = (match out.ticket_id {
        Some(t) => super::live_ticket(tx.conn(), ws, t).await?,
        None => None,
    }) else {
        return Ok(None);
    };
    let failed: Vec<String> = if bounce.failed_recipients.is_empty() {
        serde_json::from_value(out.to_addresses.clone()).unwrap_or_default()
    } else {
        bounce.failed_recipients.clone()
    };
    let store = tx.store.clone();
    let status = bounce.status.clone().unwrap_or_default();
    let detail = bounce.diagnostic.clone().unwrap_or_default();
    if bounce.permanent {
        for address in &failed {
            super::suppress(
                tx.conn(),
                &store,
                ws,
                "email",
                address,
                "bounce",
                Some(format!("{status} {detail}").trim().to_owned()),
            )
            .await?;
        }
        let mut am: channel_messages::ActiveModel = out.clone().into();
        am.status = Set("bounced".into());
        am.status_detail = Set(Some(format!("{status} {detail}").trim().chars().take(500).collect()));
        am.updated_at = Set(store.now());
        am.update(tx.conn()).await?;
    }
    let what = if bounce.permanent { "could not be delivered" } else { "is delayed" };
    let note = format!(
        "<p>Our e-mail to {} {what}{}.</p>{}",
        super::escape(&failed.join(", ")),
        if status.is_empty() { String::new() } else { format!(" ({})", super::escape(&status)) },
        if detail.is_empty() { String::new() } else { format!("<blockquote>{}</blockquote>", super::escape(&detail)) }
    );
    let msg = messages::insert_in(tx, &ticket, Author::System, &note, true, None).await?;
    let sender = EmailAddress::parse(
        &w.plan.parsed.from.as_ref().map_or_else(|| "mailer-daemon@invalid.example".to_owned(), |a| a.email.clone()),
    )
    .or_else(|_| EmailAddress::parse("mailer-daemon@invalid.example"))
    .map_err(|_| StoreError::NotFound)?;
    record_inbound(tx, w, Some(ticket.id), Some(msg.id), &sender, &["bounce".to_owned()], "received").await?;
    let mut out = Ingested::bare(Outcome::Bounce);
    out.ticket_id = Some(ticket.id);
    out.ticket_number = Some(ticket.number);
    out.message_id = Some(msg.id);
    out.no_auto_reply = Some("bounce");
    out.flags = vec!["bounce".into()];
    Ok(Some(out))
}

/// An oversize message: recorded as rejected (with its headers) and answered
/// with a bounce to the sender, unless the sender is automated.
async fn reject_oversize(
    store: &Store,
    mailbox: &mailboxes::Model,
    raw: &[u8],
    size: usize,
    limit: usize,
) -> StoreResult<Ingested> {
    let ws = mailbox.workspace_id;
    // Only the header section is read: enough to know who to tell and what.
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").or_else(|| raw.windows(2).position(|w| w == b"\n\n"));
    let head = &raw[..head_end.map_or(raw.len().min(64 * 1024), |e| e.min(64 * 1024))];
    let mut with_body = head.to_vec();
    with_body.extend_from_slice(b"\r\n\r\n(oversize body not read)\r\n");
    let headers = autocrm_channels::email::parse(&with_body).ok();
    let key = headers.as_ref().map_or_else(
        || format!("oversize:{}", crate::sessions::hash_token(&String::from_utf8_lossy(head))),
        ParsedEmail::dedupe_key,
    );
    if let Some(existing) = super::find_dedupe(&store.db, ws, &key).await? {
        return duplicate_of(&store.db, &existing).await;
    }
    let own = super::own_addresses(&store.db, ws).await?;
    let sender = headers.as_ref().and_then(|h| h.from.clone());
    let may_answer = headers
        .as_ref()
        .is_some_and(|h| autocrm_channels::email::loops::no_auto_reply_reason(h, &own).is_none() && h.bounce.is_none());
    let mut tx = store.begin(&Principal::system(ws)).await?;
    let now = store.now();
    let row = channel_messages::ActiveModel {
        workspace_id: Set(ws),
        ticket_id: Set(None),
        message_id: Set(None),
        channel: Set("email".into()),
        direction: Set("in".into()),
        source_id: Set(Some(mailbox.id)),
        external_id: Set(headers.as_ref().and_then(|h| h.message_id.clone()).map(|m| m.to_ascii_lowercase())),
        dedupe_key: Set(Some(key)),
        from_address: Set(sender.as_ref().map(|a| a.email.clone()).unwrap_or_default()),
        to_addresses: Set(json!(
            headers.as_ref().map(|h| h.to.iter().map(|a| a.email.clone()).collect::<Vec<_>>()).unwrap_or_default()
        )),
        cc_addresses: Set(json!([])),
        subject: Set(headers.as_ref().map(|h| h.subject.chars().take(500).collect()).unwrap_or_default()),
        in_reply_to: Set(None),
        refs: Set(json!([])),
        quoted_text: Set(String::new()),
        signature: Set(None),
        full_html: Set(None),
        auth: Set(Value::Null),
        flags: Set(json!({"list": ["too_large"], "size": size, "limit": limit})),
        raw_sha256: Set(None),
        automatic: Set(!may_answer),
        status: Set("rejected".into()),
        status_detail: Set(Some(format!("{size} bytes, over the {limit}-byte limit"))),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    if may_answer && let (Some(sender), Some(h)) = (sender, headers.as_ref()) {
        email_out::queue_rejection_in(&mut tx, mailbox, &sender, h, size, limit).await?;
    }
    tx.commit().await?;
    let mut out = Ingested::bare(Outcome::Rejected);
    out.flags = vec!["too_large".into()];
    out.no_auto_reply = if may_answer { None } else { Some("automated_sender") };
    let _ = row;
    Ok(out)
}

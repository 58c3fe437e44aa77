//! Outbound e-mail: agents' replies and notifications to customers, queued
//! in the same transaction as the change that causes them.
//!
//! Invariants: every outgoing message gets our own Message-ID when it is
//! queued (so a bounce or a reply threads even before it is sent) and is
//! rendered once: the first send attempt stores the exact bytes, and retries
//! resend those bytes. Automatic messages (acknowledgements, solved
//! notices) respect suppressions (bounced addresses, opt-outs), the
//! customer's notification preference and the workspace's caps; an agent's
//! reply is the conversation itself and is held back only by a bounce
//! suppression, recorded as `suppressed` so the agent sees why.

use autocrm_channels::email::Address;
use autocrm_channels::email::outbound::{OutgoingAttachment, OutgoingEmail, new_message_id};
use autocrm_channels::email::templates::{self, Notice, TemplateSet};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait as _,
    QueryFilter, QueryOrder, QuerySelect as _, QueryTrait as _,
};
use serde_json::{Value, json};

use crate::entity::{
    attachments, channel_messages, contact_channel_prefs, contacts, mailboxes, messages, notification_templates,
    tickets, users, workspaces,
};
use crate::tx::Tx;
use crate::{Store, StoreError, StoreResult};

/// Job kind: send one queued `channel_messages` e-mail.
pub const SEND_CHANNEL_EMAIL: &str = "channel.email.send";

/// Called for every public reply written by staff or the system (not for
/// imports): sends it to the customer on the ticket's channel.
pub(crate) async fn on_public_reply_in(tx: &mut Tx, ticket: &tickets::Model, msg: &messages::Model) -> StoreResult<()> {
    match ticket.channel.as_str() {
        // SMS and chat answer on their own channel (see `channels::sms`).
        "sms" => return super::sms::queue_reply_in(tx, ticket, msg).await,
        "chat" => return crate::chat::on_public_reply_in(tx, ticket, msg).await,
        // An API-channel conversation answers at its reply URL; a ticket merely
        // opened through the REST API has none and is answered by e-mail.
        "api" if super::api::queue_reply_in(tx, ticket, msg).await? => return Ok(()),
        _ => {}
    }
    let Some(contact) = contacts::Entity::find_by_id(ticket.requester_id).one(tx.conn()).await? else {
        return Ok(());
    };
    queue_notice_in(tx, ticket, &contact, Notice::AgentReplied, None, Some(msg)).await?;
    Ok(())
}

/// Queues a customer notice about `ticket`: the e-mail, and for a reply or
/// "solved" also a short text to customers who opted in to SMS notices
/// (`sms::queue_notice_in` decides). Returns whether the e-mail was queued.
pub(crate) async fn queue_notice_in(
    tx: &mut Tx,
    ticket: &tickets::Model,
    contact: &contacts::Model,
    notice: Notice,
    mailbox: Option<&mailboxes::Model>,
    message: Option<&messages::Model>,
) -> StoreResult<bool> {
    let emailed = queue_email_in(tx, ticket, contact, notice, mailbox, message).await?;
    let text = match notice {
        Notice::AgentReplied => Some(super::sms::SmsNotice::Replied),
        Notice::TicketSolved => Some(super::sms::SmsNotice::Solved),
        _ => None,
    };
    if let Some(text) = text {
        super::sms::queue_notice_in(tx, ticket, contact, text).await?;
    }
    Ok(emailed)
}

/// Queues the e-mail of a customer notice. Returns whether it was queued.
async fn queue_email_in(
    tx: &mut Tx,
    ticket: &tickets::Model,
    contact: &contacts::Model,
    notice: Notice,
    mailbox: Option<&mailboxes::Model>,
    message: Option<&messages::Model>,
) -> StoreResult<bool> {
    let ws = tx.ws();
    let Some(address) = contact.email.clone() else {
        return Ok(false);
    };
    let automatic = notice.auto_submitted().is_some();
    let suppressed = super::suppression(tx.conn(), ws, "email", &address).await?;
    if automatic {
        if suppressed.is_some() || !wants_email(tx.conn(), contact.id).await? {
            return Ok(false);
        }
        let settings = super::settings(tx.conn(), &tx.store, ws).await?;
        if !within_caps(tx, &settings, ticket).await? {
            tracing::warn!(ticket = ticket.id, "automatic e-mail cap reached; notice not sent");
            return Ok(false);
        }
    }
    let mailbox = match mailbox {
        Some(m) => Some(m.clone()),
        None => mailbox_for(tx.conn(), ws, ticket.id).await?,
    };
    let Some(mailbox) = mailbox.filter(|m| m.active) else {
        return Ok(false);
    };
    let (in_reply_to, refs) = thread_ids(tx.conn(), ws, ticket.id).await?;
    let cc: Vec<String> = if notice == Notice::AgentReplied {
        super::ccs(tx.conn(), ws, ticket.id).await?.into_iter().map(|c| c.address).filter(|a| *a != address).collect()
    } else {
        Vec::new()
    };
    let domain = mailbox.address.split('@').nth(1).unwrap_or("autocrm.invalid").to_owned();
    let now = tx.store.now();
    let (status, detail) = match &suppressed {
        Some(s) => ("suppressed", Some(format!("{} is suppressed: {}", address, s.reason))),
        None => ("queued", None),
    };
    let row = channel_messages::ActiveModel {
        workspace_id: Set(ws),
        ticket_id: Set(Some(ticket.id)),
        message_id: Set(message.map(|m| m.id)),
        channel: Set("email".into()),
        direction: Set("out".into()),
        source_id: Set(Some(mailbox.id)),
        external_id: Set(Some(new_message_id(&domain).to_ascii_lowercase())),
        dedupe_key: Set(None),
        from_address: Set(mailbox.address.clone()),
        to_addresses: Set(json!([address])),
        cc_addresses: Set(json!(cc)),
        subject: Set(ticket.subject.clone()),
        in_reply_to: Set(in_reply_to),
        refs: Set(json!(refs)),
        quoted_text: Set(String::new()),
        signature: Set(None),
        full_html: Set(None),
        auth: Set(Value::Null),
        flags: Set(json!({"notice": notice.key(), "contact_id": contact.id})),
        raw_sha256: Set(None),
        automatic: Set(automatic),
        status: Set(status.into()),
        status_detail: Set(detail),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    if suppressed.is_some() {
        return Ok(false);
    }
    tx.enqueue_job(SEND_CHANNEL_EMAIL, json!({"channel_message_id": row.id}), now, Some(format!("cm:{}", row.id)))
        .await?;
    Ok(true)
}

/// Queues the answer to an oversize message: a bounce-like notice to the
/// sender saying it was not accepted and why.
pub(crate) async fn queue_rejection_in(
    tx: &mut Tx,
    mailbox: &mailboxes::Model,
    sender: &Address,
    headers: &autocrm_channels::email::ParsedEmail,
    size: usize,
    limit: usize,
) -> StoreResult<()> {
    let ws = tx.ws();
    let settings = super::settings(tx.conn(), &tx.store, ws).await?;
    let since = tx.store.now() - settings.caps().per_workspace_window;
    let recent = channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::Direction.eq("out"))
        .filter(channel_messages::Column::Automatic.eq(true))
        .filter(channel_messages::Column::CreatedAt.gte(since))
        .count(tx.conn())
        .await?;
    if !settings.caps().allows(0, u32::try_from(recent).unwrap_or(u32::MAX)) {
        return Ok(());
    }
    let domain = mailbox.address.split('@').nth(1).unwrap_or("autocrm.invalid").to_owned();
    let now = tx.store.now();
    let row = channel_messages::ActiveModel {
        workspace_id: Set(ws),
        ticket_id: Set(None),
        message_id: Set(None),
        channel: Set("email".into()),
        direction: Set("out".into()),
        source_id: Set(Some(mailbox.id)),
        external_id: Set(Some(new_message_id(&domain).to_ascii_lowercase())),
        dedupe_key: Set(None),
        from_address: Set(mailbox.address.clone()),
        to_addresses: Set(json!([sender.email])),
        cc_addresses: Set(json!([])),
        subject: Set(format!("Undelivered: {}", headers.subject).chars().take(500).collect()),
        in_reply_to: Set(headers.message_id.clone()),
        refs: Set(json!(headers.message_id.iter().collect::<Vec<_>>())),
        quoted_text: Set(String::new()),
        signature: Set(None),
        full_html: Set(None),
        auth: Set(Value::Null),
        flags: Set(json!({"notice": "rejected", "size": size, "limit": limit})),
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
    tx.enqueue_job(SEND_CHANNEL_EMAIL, json!({"channel_message_id": row.id}), now, Some(format!("cm:{}", row.id))).await
}

async fn wants_email(conn: &impl ConnectionTrait, contact_id: i64) -> StoreResult<bool> {
    Ok(contact_channel_prefs::Entity::find_by_id(contact_id).one(conn).await?.is_none_or(|p| p.email_notifications))
}

/// Whether another automatic message may go out: per ticket, per customer
/// (an autoresponder that opens a new ticket with every answer still meets
/// the per-ticket cap across its tickets) and per workspace. Automatic texts
/// count too: the caps are on everything we send unasked.
pub(super) async fn within_caps(
    tx: &Tx,
    settings: &crate::entity::channel_settings::Model,
    ticket: &tickets::Model,
) -> StoreResult<bool> {
    let caps = settings.caps();
    let now = tx.store.now();
    let base = || {
        channel_messages::Entity::find()
            .filter(channel_messages::Column::WorkspaceId.eq(tx.ws()))
            .filter(channel_messages::Column::Direction.eq("out"))
            .filter(channel_messages::Column::Automatic.eq(true))
    };
    let per_ticket = base()
        .filter(channel_messages::Column::TicketId.eq(ticket.id))
        .filter(channel_messages::Column::CreatedAt.gte(now - caps.per_ticket_window))
        .count(tx.conn())
        .await?;
    let requester_tickets = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .filter(tickets::Column::WorkspaceId.eq(tx.ws()))
        .filter(tickets::Column::RequesterId.eq(ticket.requester_id))
        .into_query();
    let per_customer = base()
        .filter(channel_messages::Column::TicketId.in_subquery(requester_tickets))
        .filter(channel_messages::Column::CreatedAt.gte(now - caps.per_ticket_window))
        .count(tx.conn())
        .await?;
    let per_ticket = per_ticket.max(per_customer);
    let per_ws = base()
        .filter(channel_messages::Column::CreatedAt.gte(now - caps.per_workspace_window))
        .count(tx.conn())
        .await?;
    Ok(caps.allows(u32::try_from(per_ticket).unwrap_or(u32::MAX), u32::try_from(per_ws).unwrap_or(u32::MAX)))
}

/// The mailbox a ticket's mail goes out from: the one its last inbound
/// message arrived at, else the workspace's first.
async fn mailbox_for(conn: &impl ConnectionTrait, ws: i64, ticket_id: i64) -> StoreResult<Option<mailboxes::Model>> {
    let last_in = channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::TicketId.eq(ticket_id))
        .filter(channel_messages::Column::Channel.eq("email"))
        .filter(channel_messages::Column::Direction.eq("in"))
        .order_by_desc(channel_messages::Column::Id)
        .one(conn)
        .await?;
    if let Some(id) = last_in.and_then(|m| m.source_id)
        && let Ok(m) = super::mailboxes::get_in(conn, ws, id).await
    {
        return Ok(Some(m));
    }
    super::mailboxes::default_in(conn, ws).await
}

/// `In-Reply-To` (the latest message of the thread with an id) and
/// `References` (the thread's ids, oldest first, at most 20).
async fn thread_ids(
    conn: &impl ConnectionTrait,
    ws: i64,
    ticket_id: i64,
) -> StoreResult<(Option<String>, Vec<String>)> {
    let ids: Vec<Option<String>> = channel_messages::Entity::find()
        .select_only()
        .column(channel_messages::Column::ExternalId)
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::TicketId.eq(ticket_id))
        .filter(channel_messages::Column::Channel.eq("email"))
        .filter(channel_messages::Column::Status.ne("rejected"))
        .order_by_desc(channel_messages::Column::Id)
        .limit(20)
        .into_tuple()
        .all(conn)
        .await?;
    let mut ids: Vec<String> = ids.into_iter().flatten().collect();
    ids.reverse();
    Ok((ids.last().cloned(), ids))
}

/// An e-mail ready for the SMTP transport.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The `channel_messages` row.
    pub id: i64,
    /// The workspace.
    pub workspace_id: i64,
    /// The exact bytes to send.
    pub raw: Vec<u8>,
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub recipients: Vec<String>,
    /// The mailbox's own SMTP server, if it has one (else the server's `[mail]`).
    pub smtp_url: Option<String>,
}

/// Renders (first attempt) or reloads (retries) a queued e-mail. `None`
/// when it is no longer waiting to be sent.
pub async fn prepare(store: &Store, id: i64, public_url: &str) -> StoreResult<Option<Prepared>> {
    let Some(row) = channel_messages::Entity::find_by_id(id).one(&store.db).await? else {
        return Ok(None);
    };
    if !matches!(row.status.as_str(), "queued" | "sending") || row.direction != "out" || row.channel != "email" {
        return Ok(None);
    }
    let mailbox = match row.source_id {
        Some(mid) => super::mailboxes::get_in(&store.db, row.workspace_id, mid).await.ok(),
        None => None,
    };
    let to: Vec<String> = serde_json::from_value(row.to_addresses.clone()).unwrap_or_default();
    let cc: Vec<String> = serde_json::from_value(row.cc_addresses.clone()).unwrap_or_default();
    let raw = if let Some(sha) = &row.raw_sha256 {
        crate::attachments::read_blob(store, sha).await?
    } else {
        let (email, subject) = render(store, &row, mailbox.as_ref(), public_url).await?;
        let raw = email.to_bytes().map_err(|e| StoreError::invalid("/email", e.to_string()))?;
        let sha = crate::attachments::write_blob(store, &raw).await?;
        let mut am: channel_messages::ActiveModel = row.clone().into();
        am.raw_sha256 = Set(Some(sha));
        am.subject = Set(subject.chars().take(500).collect());
        am.status = Set("sending".into());
        am.updated_at = Set(store.now());
        am.update(&store.db).await?;
        raw
    };
    Ok(Some(Prepared {
        id: row.id,
        workspace_id: row.workspace_id,
        raw,
        from: row.from_address.clone(),
        recipients: to.into_iter().chain(cc).collect(),
        smtp_url: mailbox.and_then(|m| m.smtp_url),
    }))
}

async fn render(
    store: &Store,
    row: &channel_messages::Model,
    mailbox: Option<&mailboxes::Model>,
    public_url: &str,
) -> StoreResult<(OutgoingEmail, String)> {
    let ws = workspaces::Entity::find_by_id(row.workspace_id).one(&store.db).await?.ok_or(StoreError::NotFound)?;
    let from = Address {
        name: Some(mailbox.map(|m| m.name.clone()).filter(|n| !n.is_empty()).unwrap_or_else(|| ws.name.clone())),
        email: row.from_address.clone(),
    };
    let to: Vec<String> = serde_json::from_value(row.to_addresses.clone()).unwrap_or_default();
    let cc: Vec<String> = serde_json::from_value(row.cc_addresses.clone()).unwrap_or_default();
    let refs: Vec<String> = serde_json::from_value(row.refs.clone()).unwrap_or_default();
    let notice_key = row.flags["notice"].as_str().unwrap_or_default().to_owned();
    let message_id = row.external_id.clone().unwrap_or_default();
    let base = public_url.trim_end_matches('/');
    if notice_key == "rejected" {
        let text = format!(
            "Your message \"{}\" was not delivered to {}: it is {} bytes, larger than the {} bytes we accept.\n\n\
             Please send it again with smaller or fewer attachments (for example, as a link).",
            row.subject.trim_start_matches("Undelivered: "),
            row.from_address,
            row.flags["size"],
            row.flags["limit"]
        );
        let email = OutgoingEmail {
            from,
            to: to.iter().map(|e| Address { name: None, email: e.clone() }).collect(),
            cc: Vec::new(),
            reply_to: None,
            subject: row.subject.clone(),
            text,
            html: None,
            message_id,
            in_reply_to: row.in_reply_to.clone(),
            references: refs,
            auto_submitted: Some("auto-replied".into()),
            attachments: Vec::new(),
            list_unsubscribe: None,
        };
        return Ok((email, row.subject.clone()));
    }
    let notice = Notice::from_key(&notice_key).ok_or(StoreError::NotFound)?;
    let ticket_id = row.ticket_id.ok_or(StoreError::NotFound)?;
    let ticket = tickets::Entity::find_by_id(ticket_id).one(&store.db).await?.ok_or(StoreError::NotFound)?;
    let contact = contacts::Entity::find_by_id(ticket.requester_id).one(&store.db).await?;
    let status = crate::statuses::get_in(&store.db, ws.id, ticket.status_id).await.ok();
    let msg = match row.message_id {
        Some(mid) => messages::Entity::find_by_id(mid).one(&store.db).await?,
        None => None,
    };
    let agent = match msg.as_ref().and_then(|m| m.author_user_id) {
        Some(uid) => users::Entity::find_by_id(uid).one(&store.db).await?,
        None => None,
    };
    let settings = super::settings(&store.db, store, ws.id).await?;
    let token = autocrm_channels::email::token::sign(settings.reply_secret.as_bytes(), ws.id, ticket.id);
    let prefs_token = match &contact {
        Some(c) => Some(unsubscribe_token(store, ws.id, c.id).await?),
        None => None,
    };
    let unsubscribe_url = prefs_token.as_ref().map(|t| format!("{base}/api/v1/channels/email/unsubscribe/{t}"));
    let ctx = json!({
        "workspace": {"name": ws.name},
        "ticket": {"number": ticket.number, "subject": ticket.subject,
            "url": format!("{base}/portal/tickets/{}", ticket.id),
            "status": status.map(|s| s.name).unwrap_or_default()},
        "customer": {"name": contact.as_ref().map(|c| c.name.clone()).unwrap_or_default()},
        "agent": {"name": agent.as_ref().map(|a| a.name.clone()).unwrap_or_default()},
        "message": {"text": msg.as_ref().map(|m| m.body_text.clone()).unwrap_or_default(),
            "html": msg.as_ref().map(|m| m.body_html.clone()).unwrap_or_default()},
        // The rating link carries the ticket's rating token: one click rates it, no sign-in needed.
        "rating_url": format!(
            "{base}/portal/tickets/{}/rate?token={}",
            ticket.id,
            crate::portal::ratings::sign_token(&settings.reply_secret, ws.id, ticket.id)
        ),
        "unsubscribe_url": unsubscribe_url,
    });
    let set = template_for(&store.db, ws.id, notice, &ws.locale).await?;
    let rendered = templates::render(&set, &ctx).map_err(|e| StoreError::invalid("/template", e.to_string()))?;
    let subject = autocrm_channels::email::token::tag_subject(&rendered.subject, ticket.number);
    let mut files = Vec::new();
    if let Some(m) = &msg {
        let rows = attachments::Entity::find()
            .filter(attachments::Column::WorkspaceId.eq(ws.id))
            .filter(attachments::Column::MessageId.eq(m.id))
            .all(&store.db)
            .await?;
        for a in rows {
            files.push(OutgoingAttachment {
                data: crate::attachments::read_blob(store, &a.sha256).await?,
                filename: a.filename,
                content_type: a.content_type,
                content_id: None,
            });
        }
    }
    let email = OutgoingEmail {
        from,
        to: to.iter().map(|e| Address { name: contact.as_ref().map(|c| c.name.clone()), email: e.clone() }).collect(),
        cc: cc.iter().map(|e| Address { name: None, email: e.clone() }).collect(),
        reply_to: Some(autocrm_channels::email::token::plus_address(&row.from_address, &token)),
        subject: subject.clone(),
        text: rendered.text,
        html: Some(rendered.html),
        message_id,
        in_reply_to: row.in_reply_to.clone(),
        references: refs,
        auto_submitted: notice.auto_submitted().map(str::to_owned),
        attachments: files,
        list_unsubscribe: unsubscribe_url,
    };
    Ok((email, subject))
}

/// The workspace's template for a notice in a locale, else the default.
pub async fn template_for(
    conn: &impl ConnectionTrait,
    ws: i64,
    notice: Notice,
    locale: &str,
) -> StoreResult<TemplateSet> {
    let base = locale.split('-').next().unwrap_or(locale);
    let rows = notification_templates::Entity::find()
        .filter(notification_templates::Column::WorkspaceId.eq(ws))
        .filter(notification_templates::Column::Notice.eq(notice.key()))
        .all(conn)
        .await?;
    let pick = rows.iter().find(|r| r.locale == locale).or_else(|| rows.iter().find(|r| r.locale == base));
    Ok(match pick {
        Some(r) => TemplateSet { subject: r.subject.clone(), text: r.body_text.clone(), html: r.body_html.clone() },
        None => templates::default_template(notice, locale),
    })
}

/// The contact's unsubscribe token, created on first use.
async fn unsubscribe_token(store: &Store, ws: i64, contact_id: i64) -> StoreResult<String> {
    if let Some(p) = contact_channel_prefs::Entity::find_by_id(contact_id).one(&store.db).await? {
        return Ok(p.unsubscribe_token);
    }
    let now = store.now();
    contact_channel_prefs::Entity::insert(contact_channel_prefs::ActiveModel {
        workspace_id: Set(ws),
        contact_id: Set(contact_id),
        email_notifications: Set(true),
        // Texts are opt-in (see `sms::wants_texts`): off until the customer turns them on.
        sms_notifications: Set(false),
        unsubscribe_token: Set(crate::sessions::random_token()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(contact_channel_prefs::Column::ContactId).do_nothing().to_owned(),
    )
    .exec_without_returning(&store.db)
    .await?;
    contact_channel_prefs::Entity::find_by_id(contact_id)
        .one(&store.db)
        .await?
        .map(|p| p.unsubscribe_token)
        .ok_or(StoreError::NotFound)
}

/// A contact's notification preferences (defaults: e-mail on, text messages off:
/// those are opt-in).
pub async fn preferences(store: &Store, ws: i64, contact_id: i64) -> StoreResult<contact_channel_prefs::Model> {
    unsubscribe_token(store, ws, contact_id).await?;
    contact_channel_prefs::Entity::find_by_id(contact_id)
        .filter(contact_channel_prefs::Column::WorkspaceId.eq(ws))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Sets a contact's notification preferences (the customer's own choice,
/// from the unsubscribe link or the portal, or an agent on their behalf).
pub async fn set_preferences(
    store: &Store,
    ws: i64,
    contact_id: i64,
    email: Option<bool>,
    sms: Option<bool>,
) -> StoreResult<contact_channel_prefs::Model> {
    unsubscribe_token(store, ws, contact_id).await?;
    let row = contact_channel_prefs::Entity::find_by_id(contact_id)
        .filter(contact_channel_prefs::Column::WorkspaceId.eq(ws))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut am: contact_channel_prefs::ActiveModel = row.into();
    if let Some(e) = email {
        am.email_notifications = Set(e);
    }
    if let Some(s) = sms {
        am.sms_notifications = Set(s);
    }
    am.updated_at = Set(store.now());
    Ok(am.update(&store.db).await?)
}

/// Opts a contact out of e-mail notifications by their unsubscribe token.
pub async fn unsubscribe(store: &Store, token: &str) -> StoreResult<contact_channel_prefs::Model> {
    let row = contact_channel_prefs::Entity::find()
        .filter(contact_channel_prefs::Column::UnsubscribeToken.eq(token))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    set_preferences(store, row.workspace_id, row.contact_id, Some(false), None).await
}

/// Records the outcome of a send attempt.
pub async fn mark(store: &Store, id: i64, status: &str, detail: Option<&str>) -> StoreResult<()> {
    channel_messages::Entity::update_many()
        .col_expr(channel_messages::Column::Status, sea_orm::sea_query::Expr::val(status))
        .col_expr(
            channel_messages::Column::StatusDetail,
            sea_orm::sea_query::Expr::val(detail.map(|d| d.chars().take(500).collect::<String>())),
        )
        .col_expr(channel_messages::Column::UpdatedAt, sea_orm::sea_query::Expr::val(store.now()))
        .filter(channel_messages::Column::Id.eq(id))
        .exec(&store.db)
        .await?;
    Ok(())
}

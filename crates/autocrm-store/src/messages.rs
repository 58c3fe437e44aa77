//! Messages on a ticket: public replies and internal notes.
//!
//! Invariants: bodies are sanitised before storage; customers never read or
//! write internal notes; a staff member's first public reply sets the
//! ticket's `first_response_at`; a customer's reply reopens a solved ticket;
//! only internal notes mention agents (a public reply is what the customer
//! reads: its mention markup is dropped and nobody is notified).

use autocrm_domain::html::{MAX_BODY_BYTES, body_from_input, note_body_from_input};
use autocrm_domain::{Channel, Principal, StatusCategory};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use crate::entity::{attachments, messages, tickets};
use crate::page::{Cursor, Page, clamp_limit, finish};
use crate::tx::{NewEvent, Tx, Visibility};
use crate::{Store, StoreError, StoreResult};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// A contact (the customer).
    Contact(i64),
    /// A staff user.
    User(i64),
    /// AutoCRM itself (merges, automations).
    System,
}

/// Adds a message as the principal: customers write public replies as
/// themselves, staff write replies or notes as themselves, keys write as the
/// system unless `as_requester`.
pub async fn create(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    body: &str,
    internal: bool,
) -> StoreResult<messages::Model> {
    create_with_attachments(store, p, ticket_id, body, internal, &[]).await
}

/// Like [`create`], attaching files uploaded to the ticket beforehand (by
/// their public ids): they are sent with the reply on the ticket's channel.
pub async fn create_with_attachments(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    body: &str,
    internal: bool,
    attachment_ids: &[String],
) -> StoreResult<messages::Model> {
    if attachment_ids.len() > 20 {
        return Err(StoreError::invalid("/attachment_ids", "at most 20 attachments per message"));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(StoreError::invalid("/body", "is larger than 512 KiB"));
    }
    if body.trim().is_empty() {
        return Err(StoreError::invalid("/body", "must not be empty"));
    }
    if internal && !p.sees_all_tickets() {
        return Err(StoreError::invalid("/internal", "customers cannot write internal notes"));
    }
    let mut tx = store.begin(p).await?;
    let ticket = crate::tickets::find_visible(tx.conn(), p, ticket_id).await?;
    let author = match (p.customer_contact(), p.user_id()) {
        (Some(contact), _) => Author::Contact(contact),
        (None, Some(uid)) => Author::User(uid),
        (None, None) => Author::System,
    };
    let msg = insert_with_attachments_in(&mut tx, &ticket, author, body, internal, None, attachment_ids).await?;
    tx.commit().await?;
    Ok(msg)
}

/// Adds a message by an explicit author at an explicit time (imports and
/// demo seeding; the API always writes as the caller, now).
pub async fn create_as(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    author: Author,
    body: &str,
    internal: bool,
    at: DateTime<Utc>,
) -> StoreResult<messages::Model> {
    let mut tx = store.begin(p).await?;
    let ticket = crate::tickets::find_visible(tx.conn(), p, ticket_id).await?;
    let msg = insert_in(&mut tx, &ticket, author, body, internal, Some(at)).await?;
    tx.commit().await?;
    Ok(msg)
}

/// Inserts a message inside a transaction and updates the ticket's counters
/// and timestamps.
pub(crate) async fn insert_in(
    tx: &mut Tx,
    ticket: &tickets::Model,
    author: Author,
    body: &str,
    internal: bool,
    at: Option<DateTime<Utc>>,
) -> StoreResult<messages::Model> {
    insert_with_attachments_in(tx, ticket, author, body, internal, at, &[]).await
}

/// [`insert_in`] with attachments uploaded to the ticket beforehand. A
/// public reply by staff or the system, written now (not imported), goes
/// out to the customer on the ticket's channel in the same transaction.
pub(crate) async fn insert_with_attachments_in(
    tx: &mut Tx,
    ticket: &tickets::Model,
    author: Author,
    body: &str,
    internal: bool,
    at: Option<DateTime<Utc>>,
    attachment_ids: &[String],
) -> StoreResult<messages::Model> {
    let now = at.unwrap_or_else(|| tx.store.now());
    let (body, mentioned) = if internal {
        let mut body = note_body_from_input(body);
        let mentioned = crate::notifications::resolve_mentions(tx.conn(), tx.ws(), &mut body).await?;
        (body, mentioned)
    } else {
        (body_from_input(body), Vec::new())
    };
    let (kind, user_id, contact_id) = match author {
        Author::Contact(c) => ("contact", None, Some(c)),
        Author::User(u) => ("user", Some(u), None),
        Author::System => ("system", None, None),
    };
    let mut msg = messages::ActiveModel {
        workspace_id: Set(tx.ws()),
        ticket_id: Set(ticket.id),
        author_kind: Set(kind.to_owned()),
        author_user_id: Set(user_id),
        author_contact_id: Set(contact_id),
        internal: Set(internal),
        channel: Set(ticket.channel.clone()),
        body_html: Set(body.html),
        body_text: Set(body.text),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    if !attachment_ids.is_empty() {
        let linked = attachments::Entity::update_many()
            .col_expr(attachments::Column::MessageId, Expr::val(msg.id))
            .filter(attachments::Column::WorkspaceId.eq(tx.ws()))
            .filter(attachments::Column::TicketId.eq(ticket.id))
            .filter(attachments::Column::MessageId.is_null())
            .filter(attachments::Column::PublicId.is_in(attachment_ids.iter().cloned()))
            .exec(tx.conn())
            .await?;
        if linked.rows_affected != attachment_ids.len() as u64 {
            return Err(StoreError::invalid(
                "/attachment_ids",
                "must name files uploaded to this ticket and not yet sent with a message",
            ));
        }
    }
    let mut am = ticket.clone().into_active_model();
    am.message_count = Set(ticket.message_count + 1);
    am.updated_at = Set(std::cmp::max(now, ticket.updated_at));
    let staff_public = !internal && matches!(author, Author::User(_));
    if staff_public && ticket.first_response_at.is_none() {
        am.first_response_at = Set(Some(now));
    }
    let mut reopened = None;
    let category = StatusCategory::parse(&ticket.status_category).unwrap_or(StatusCategory::Open);
    if matches!(author, Author::Contact(_)) && matches!(category, StatusCategory::Solved | StatusCategory::Pending) {
        // A customer's answer puts the ticket back in the agents' queue.
        let open = crate::statuses::default_for(tx.conn(), tx.ws(), StatusCategory::Open).await?;
        am.status_id = Set(open.id);
        am.status_category = Set(open.category.clone());
        am.solved_at = Set(None);
        reopened = Some(open);
    }
    let after = am.update(tx.conn()).await?;
    if reopened.is_some() {
        crate::tickets::move_counters(tx, ticket, &after, now).await?;
    }
    if matches!(author, Author::Contact(_)) && !internal {
        msg.triage = crate::ai::triage_in(tx, &after, &msg).await?;
    }
    tx.emit(NewEvent {
        event_type: "message.created",
        subject_type: "message",
        subject_id: Some(msg.id),
        ticket_id: Some(ticket.id),
        requester_id: Some(ticket.requester_id),
        visibility: if internal { Visibility::Staff } else { Visibility::Public },
        data: json!({"message": {"id": msg.id, "ticket_id": ticket.id, "internal": internal, "author_kind": kind,
            "author_user_id": user_id, "author_contact_id": contact_id,
            "excerpt": msg.body_text.chars().take(200).collect::<String>()},
            "ticket": {"id": ticket.id, "number": ticket.number}}),
    });
    for (user_id, name) in mentioned.into_iter().filter(|(id, _)| author != Author::User(*id)) {
        // One event per person, so each reaches that agent (and webhooks) on its own.
        tx.emit(NewEvent {
            event_type: "ticket.mentioned",
            subject_type: "message",
            subject_id: Some(msg.id),
            ticket_id: Some(ticket.id),
            requester_id: Some(ticket.requester_id),
            visibility: Visibility::Staff,
            data: json!({"message": {"id": msg.id, "ticket_id": ticket.id,
                "excerpt": msg.body_text.chars().take(200).collect::<String>()},
                "mentioned_user": {"id": user_id, "name": name},
                "ticket": {"id": ticket.id, "number": ticket.number, "subject": ticket.subject}}),
        });
    }
    if !internal && matches!(author, Author::User(_)) && ticket.channel == Channel::Chat.as_str() {
        crate::chat::take_over_in(tx, ticket.id).await?;
    }
    if !internal && at.is_none() && !matches!(author, Author::Contact(_)) {
        crate::channels::email_out::on_public_reply_in(tx, ticket, &msg).await?;
    }
    if let Some(open) = reopened {
        tx.emit(NewEvent {
            event_type: "ticket.updated",
            subject_type: "ticket",
            subject_id: Some(ticket.id),
            ticket_id: Some(ticket.id),
            requester_id: Some(ticket.requester_id),
            visibility: Visibility::Public,
            data: json!({"ticket": {"id": ticket.id, "number": ticket.number},
                "changes": {"status": {"from_category": ticket.status_category, "to": open.name, "to_category": open.category, "reason": "customer_reply"}}}),
        });
    }
    Ok(msg)
}

/// Lists a ticket's messages oldest first (customers: public ones only).
/// `newest_first` lists the latest first, for "last 20 messages".
pub async fn list(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    limit: Option<u64>,
    cursor: Option<&str>,
    newest_first: bool,
) -> StoreResult<Page<messages::Model>> {
    let limit = clamp_limit(limit, 50, 100)?;
    let ticket = crate::tickets::find_visible(&store.db, p, ticket_id).await?;
    let mut q = messages::Entity::find()
        .filter(messages::Column::TicketId.eq(ticket.id))
        .filter(messages::Column::WorkspaceId.eq(p.workspace_id));
    if !p.sees_all_tickets() {
        q = q.filter(messages::Column::Internal.eq(false));
    }
    if let Some(c) = cursor {
        let c = Cursor::decode(c)?;
        q = q.filter(if newest_first {
            Expr::col(messages::Column::Id).lt(c.id)
        } else {
            Expr::col(messages::Column::Id).gt(c.id)
        });
    }
    let q = if newest_first { q.order_by_desc(messages::Column::Id) } else { q.order_by_asc(messages::Column::Id) };
    let rows = q.limit(limit + 1).all(&store.db).await?;
    Ok(finish(rows, limit, |m| Cursor { key: String::new(), id: m.id }))
}

/// One message the principal may see.
pub async fn get(store: &Store, p: &Principal, message_id: i64) -> StoreResult<messages::Model> {
    let m = messages::Entity::find_by_id(message_id)
        .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    crate::tickets::find_visible(&store.db, p, m.ticket_id).await?;
    if m.internal && !p.sees_all_tickets() {
        return Err(StoreError::NotFound);
    }
    Ok(m)
}

//! Agents' notifications: @mentions in internal notes and tickets assigned
//! to them.
//!
//! Invariants:
//! - Notifications are derived from the events of a write transaction,
//!   inside it ([`record`], called by `Tx::commit`): a notification exists
//!   exactly when its event does, whichever path wrote the change (a note,
//!   a patch, a bulk update, a macro).
//! - Each belongs to one active staff user of the event's workspace and is
//!   read and marked read only by that user; keys and customers have none.
//! - Mentions are resolved against the workspace's active staff before the
//!   note is stored ([`resolve_mentions`]): any other id stays plain text,
//!   and nobody is notified of their own mention or assignment, nor of
//!   AutoCRM's own writes (imports, the demo seed).

use std::collections::{BTreeMap, BTreeSet};

use autocrm_domain::html::{Body, html_to_text};
use autocrm_domain::{Principal, mentions};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait as _, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entity::{events, notifications, tickets, users};
use crate::page::{Cursor, Page, clamp_limit, finish};
use crate::{Store, StoreError, StoreResult};

/// The `mention` kind: someone @mentioned the user in an internal note.
pub const MENTION: &str = "mention";
/// The `assigned` kind: someone else assigned a ticket to the user.
pub const ASSIGNED: &str = "assigned";

/// A notification with the ticket it points to.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The stored row.
    pub row: notifications::Model,
    /// The ticket's number.
    pub ticket_number: i64,
    /// The ticket's current subject.
    pub ticket_subject: String,
}

/// Resolves the mentions of a sanitised internal note against the
/// workspace's active staff (see [`mentions::resolve`]); rewrites the body
/// and answers the mentioned `(user id, name)`s in order of appearance.
pub(crate) async fn resolve_mentions(
    conn: &impl ConnectionTrait,
    ws: i64,
    body: &mut Body,
) -> StoreResult<Vec<(i64, String)>> {
    let candidates = mentions::candidate_ids(&body.html);
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let staff: BTreeMap<i64, String> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Name)
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Id.is_in(candidates))
        .filter(users::Column::Role.ne("customer"))
        .filter(users::Column::Active.eq(true))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let resolved = mentions::resolve(&body.html, &staff);
    body.text = html_to_text(&resolved.html);
    body.html = resolved.html;
    Ok(resolved.user_ids.into_iter().filter_map(|id| staff.get(&id).map(|name| (id, name.clone()))).collect())
}

/// Inserts the notifications a transaction's committed-to-be events call for:
/// `ticket.mentioned` → the mentioned user; a ticket created with or changed
/// to an assignee → that assignee, unless they did it themselves (or the
/// system principal did).
pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    ws: i64,
    rows: &[events::Model],
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let wanted: Vec<(&events::Model, i64, &'static str)> =
        rows.iter().filter_map(|e| recipient(e).map(|(user, kind)| (e, user, kind))).collect();
    if wanted.is_empty() {
        return Ok(false);
    }
    // Emitters already checked the recipients; this keeps the table's rule in one place.
    let ids: BTreeSet<i64> = wanted.iter().map(|(_, user, _)| *user).collect();
    let staff: BTreeSet<i64> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Id.is_in(ids))
        .filter(users::Column::Role.ne("customer"))
        .filter(users::Column::Active.eq(true))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let wanted: Vec<(&events::Model, i64, &'static str)> =
        wanted.into_iter().filter(|(e, user, _)| staff.contains(user) && e.ticket_id.is_some()).collect();
    let excerpt = |e: &events::Model| -> String {
        e.data["message"]["excerpt"].as_str().unwrap_or_default().chars().take(200).collect()
    };
    let mails: Vec<crate::entity::jobs::ActiveModel> = wanted
        .iter()
        .map(|(e, user, kind)| crate::entity::jobs::ActiveModel {
            workspace_id: Set(ws),
            kind: Set(NOTIFY_AGENT.to_owned()),
            payload: Set(serde_json::json!({"user_id": user, "kind": kind, "ticket_id": e.ticket_id,
                "actor_name": e.actor_name, "excerpt": excerpt(e)})),
            run_at: Set(now),
            attempts: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    let new_rows: Vec<notifications::ActiveModel> = wanted
        .into_iter()
        .map(|(e, user, kind)| notifications::ActiveModel {
            workspace_id: Set(ws),
            user_id: Set(user),
            kind: Set(kind.to_owned()),
            ticket_id: Set(e.ticket_id.unwrap_or_default()),
            message_id: Set((kind == MENTION).then_some(e.subject_id).flatten()),
            event_seq: Set(e.seq),
            actor_name: Set(e.actor_name.clone()),
            excerpt: Set(excerpt(e)),
            read_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    if new_rows.is_empty() {
        return Ok(false);
    }
    // Each notification is also e-mailed to the agent (by the workers, rendered
    // with the workspace's template), in the same transaction.
    notifications::Entity::insert_many(new_rows).exec_without_returning(conn).await?;
    crate::entity::jobs::Entity::insert_many(mails).exec_without_returning(conn).await?;
    Ok(true)
}

/// Job kind: e-mail one notification to the agent it is for.
pub const NOTIFY_AGENT: &str = "notification.email";

/// Who an event notifies, and why.
fn recipient(e: &events::Model) -> Option<(i64, &'static str)> {
    if e.actor_kind == "system" {
        // AutoCRM's own writes (imports, the demo seed, merges) are history, not news.
        return None;
    }
    let (user, kind) = match e.r#type.as_str() {
        "ticket.mentioned" => (e.data["mentioned_user"]["id"].as_i64()?, MENTION),
        "ticket.updated" => (e.data["changes"]["assignee_id"]["to"].as_i64()?, ASSIGNED),
        "ticket.created" => (e.data["ticket"]["assignee_id"].as_i64()?, ASSIGNED),
        _ => return None,
    };
    // Nobody is told about what they did themselves.
    let self_inflicted = e.actor_kind == "user" && e.actor_id == Some(user);
    (!self_inflicted).then_some((user, kind))
}

/// The signed-in staff user a notification call is for.
fn recipient_of(p: &Principal) -> StoreResult<i64> {
    match (p.user_id(), p.role()) {
        (Some(id), Some(role)) if role.is_staff() => Ok(id),
        _ => Err(StoreError::Forbidden),
    }
}

/// The caller's notifications, newest first (only unread ones when asked).
pub async fn list(
    store: &Store,
    p: &Principal,
    unread_only: bool,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<Notification>> {
    let me = recipient_of(p)?;
    let limit = clamp_limit(limit, 20, 100)?;
    let mut q = notifications::Entity::find()
        .filter(notifications::Column::WorkspaceId.eq(p.workspace_id))
        .filter(notifications::Column::UserId.eq(me));
    if unread_only {
        q = q.filter(notifications::Column::ReadAt.is_null());
    }
    if let Some(c) = cursor {
        q = q.filter(notifications::Column::Id.lt(Cursor::decode(c)?.id));
    }
    let rows = q.order_by_desc(notifications::Column::Id).limit(limit + 1).all(&store.db).await?;
    let page = finish(rows, limit, |n| Cursor { key: String::new(), id: n.id });
    let ticket_ids: BTreeSet<i64> = page.data.iter().map(|n| n.ticket_id).collect();
    let ticket_info: BTreeMap<i64, (i64, String)> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .column(tickets::Column::Number)
        .column(tickets::Column::Subject)
        .filter(tickets::Column::WorkspaceId.eq(p.workspace_id))
        .filter(tickets::Column::Id.is_in(ticket_ids))
        .into_tuple::<(i64, i64, String)>()
        .all(&store.db)
        .await?
        .into_iter()
        .map(|(id, number, subject)| (id, (number, subject)))
        .collect();
    Ok(page.map(|row| {
        let (ticket_number, ticket_subject) = ticket_info.get(&row.ticket_id).cloned().unwrap_or_default();
        Notification { row, ticket_number, ticket_subject }
    }))
}

/// How many of the caller's notifications are unread.
pub async fn unread_count(store: &Store, p: &Principal) -> StoreResult<u64> {
    let me = recipient_of(p)?;
    Ok(notifications::Entity::find()
        .filter(notifications::Column::WorkspaceId.eq(p.workspace_id))
        .filter(notifications::Column::UserId.eq(me))
        .filter(notifications::Column::ReadAt.is_null())
        .count(&store.db)
        .await?)
}

/// Marks the caller's notifications read: the given ids (others' ids are
/// ignored), or all of them when `ids` is `None`. Answers how many changed.
pub async fn mark_read(store: &Store, p: &Principal, ids: Option<&[i64]>) -> StoreResult<u64> {
    let me = recipient_of(p)?;
    if ids.is_some_and(|ids| ids.len() > 500) {
        return Err(StoreError::invalid("/ids", "at most 500 ids"));
    }
    let now = store.now();
    // Personal read state, not a change anyone else follows: no event.
    let tx = store.begin(p).await?;
    let mut q = notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Expr::val(now))
        .col_expr(notifications::Column::UpdatedAt, Expr::val(now))
        .filter(notifications::Column::WorkspaceId.eq(tx.ws()))
        .filter(notifications::Column::UserId.eq(me))
        .filter(notifications::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        q = q.filter(notifications::Column::Id.is_in(ids.iter().copied()));
    }
    let changed = q.exec(tx.conn()).await?.rows_affected;
    tx.commit().await?;
    Ok(changed)
}

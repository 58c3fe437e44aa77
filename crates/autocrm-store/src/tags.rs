//! Ticket tags: usage counts for pickers, filters and the admin list, and the
//! admin's rename, merge and delete, applied to every ticket carrying the tag.
//!
//! Invariants:
//! - `tickets.tags` and its mirror `ticket_tags` change together (as in
//!   `tickets`); every changed ticket gets its own `ticket.updated` event, so
//!   its audit trail, live lists and webhooks see the change, and the whole
//!   operation one admin event (`tag.renamed`, `tag.merged`, `tag.deleted`)
//!   with the number of tickets changed.
//! - Tickets change in chunks of [`CHUNK`] per transaction, so a tag on many
//!   tickets never holds the write lock for long. An interrupted run leaves
//!   the remaining tickets with the old tag; the same call again finishes it.
//! - Views and macros that name a tag keep naming it: they are their owners'
//!   to edit, and a rename must not silently change what a shared view shows.

use std::collections::HashSet;

use autocrm_domain::Principal;
use autocrm_domain::people::normalize_tag;
use sea_orm::sea_query::{Expr, ExprTrait as _, LikeExpr};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel as _, Order,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};

use crate::entity::{ticket_tags, tickets};
use crate::tx::{NewEvent, Visibility};
use crate::{Store, StoreError, StoreResult};

/// Most tickets changed in one transaction by a rename, merge or delete.
pub const CHUNK: u64 = 500;

/// The workspace's ticket tags with how many tickets carry each, most used
/// first (ties by name), at most `limit`; with `q`, only tags containing it.
pub async fn ticket_tag_counts(
    store: &Store,
    p: &Principal,
    q: Option<&str>,
    limit: u64,
) -> StoreResult<Vec<(String, i64)>> {
    let count = Expr::col(ticket_tags::Column::Tag).count();
    let mut query = ticket_tags::Entity::find()
        .select_only()
        .column(ticket_tags::Column::Tag)
        .column_as(count.clone(), "count")
        .filter(ticket_tags::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(q) = q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty()) {
        // Tags may hold `_`, a LIKE wildcard: match it literally.
        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        query =
            query.filter(Expr::col(ticket_tags::Column::Tag).like(LikeExpr::new(format!("%{escaped}%")).escape('\\')));
    }
    Ok(query
        .group_by(ticket_tags::Column::Tag)
        .order_by(count, Order::Desc)
        .order_by_asc(ticket_tags::Column::Tag)
        .limit(limit)
        .into_tuple::<(String, i64)>()
        .all(&store.db)
        .await?)
}

/// What a rename, merge or delete did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagChange {
    /// The tag that was renamed, merged or deleted.
    pub tag: String,
    /// Its new name, or the tag it was merged into; `None` for a delete.
    pub to: Option<String>,
    /// How many tickets changed.
    pub tickets: u64,
}

/// Renames `tag` to `to` on every ticket. A name already in use is a
/// conflict (`tag_name_taken`): merging is the explicit way to combine tags.
pub async fn rename(store: &Store, p: &Principal, tag: &str, to: &str) -> StoreResult<TagChange> {
    let from = existing(tag)?;
    let to = normalize_tag(to).ok_or_else(|| StoreError::invalid("/name", NAME_RULE))?;
    if !in_use(&store.db, p.workspace_id, &from).await? {
        return Err(StoreError::NotFound);
    }
    if to == from {
        return Err(StoreError::invalid("/name", "is already the tag's name"));
    }
    if in_use(&store.db, p.workspace_id, &to).await? {
        return Err(StoreError::Conflict {
            code: "tag_name_taken",
            message: format!("the tag {to} exists; merge the tags instead"),
        });
    }
    retag(store, p, &from, Some(&to), "tag.renamed").await
}

/// Merges `tag` into `into` (which must be in use): tickets carrying `tag`
/// carry `into` instead, once.
pub async fn merge(store: &Store, p: &Principal, tag: &str, into: &str) -> StoreResult<TagChange> {
    let from = existing(tag)?;
    let into = normalize_tag(into).ok_or_else(|| StoreError::invalid("/into", NAME_RULE))?;
    if !in_use(&store.db, p.workspace_id, &from).await? {
        return Err(StoreError::NotFound);
    }
    if into == from {
        return Err(StoreError::invalid("/into", "cannot merge a tag into itself"));
    }
    if !in_use(&store.db, p.workspace_id, &into).await? {
        return Err(StoreError::invalid("/into", "no ticket carries this tag"));
    }
    retag(store, p, &from, Some(&into), "tag.merged").await
}

/// Removes `tag` from every ticket.
pub async fn delete(store: &Store, p: &Principal, tag: &str) -> StoreResult<TagChange> {
    let from = existing(tag)?;
    if !in_use(&store.db, p.workspace_id, &from).await? {
        return Err(StoreError::NotFound);
    }
    retag(store, p, &from, None, "tag.deleted").await
}

const NAME_RULE: &str = "must be 1–64 letters, digits, -, _, : or . (spaces become -)";

/// A tag named in a path: one that cannot be a tag cannot exist.
fn existing(raw: &str) -> StoreResult<String> {
    normalize_tag(raw).ok_or(StoreError::NotFound)
}

async fn in_use(conn: &impl ConnectionTrait, ws: i64, tag: &str) -> StoreResult<bool> {
    Ok(ticket_tags::Entity::find()
        .filter(ticket_tags::Column::WorkspaceId.eq(ws))
        .filter(ticket_tags::Column::Tag.eq(tag))
        .one(conn)
        .await?
        .is_some())
}

/// `tags` with `from` replaced by `to` in place (dropped when `to` is already
/// there), or removed when `to` is `None`.
fn replaced(tags: &[String], from: &str, to: Option<&str>) -> Vec<String> {
    let has_to = to.is_some_and(|to| tags.iter().any(|t| t == to));
    tags.iter()
        .filter_map(|t| match to {
            _ if t != from => Some(t.clone()),
            Some(to) if !has_to => Some(to.to_owned()),
            _ => None,
        })
        .collect()
}

/// Replaces (or removes) `from` on every ticket, chunk by chunk (see the module docs).
async fn retag(
    store: &Store,
    p: &Principal,
    from: &str,
    to: Option<&str>,
    event_type: &'static str,
) -> StoreResult<TagChange> {
    let mut total = 0u64;
    loop {
        let now = store.now();
        let mut tx = store.begin(p).await?;
        let ws = tx.ws();
        let ids: Vec<i64> = ticket_tags::Entity::find()
            .select_only()
            .column(ticket_tags::Column::TicketId)
            .filter(ticket_tags::Column::WorkspaceId.eq(ws))
            .filter(ticket_tags::Column::Tag.eq(from))
            .order_by_asc(ticket_tags::Column::TicketId)
            .limit(CHUNK)
            .into_tuple()
            .all(tx.conn())
            .await?;
        let last = (ids.len() as u64) < CHUNK;
        if !ids.is_empty() {
            let has_to: HashSet<i64> = match to {
                Some(to) => ticket_tags::Entity::find()
                    .select_only()
                    .column(ticket_tags::Column::TicketId)
                    .filter(ticket_tags::Column::WorkspaceId.eq(ws))
                    .filter(ticket_tags::Column::Tag.eq(to))
                    .filter(ticket_tags::Column::TicketId.is_in(ids.clone()))
                    .into_tuple::<i64>()
                    .all(tx.conn())
                    .await?
                    .into_iter()
                    .collect(),
                None => HashSet::new(),
            };
            ticket_tags::Entity::delete_many()
                .filter(ticket_tags::Column::WorkspaceId.eq(ws))
                .filter(ticket_tags::Column::Tag.eq(from))
                .filter(ticket_tags::Column::TicketId.is_in(ids.clone()))
                .exec(tx.conn())
                .await?;
            if let Some(to) = to {
                let added: Vec<ticket_tags::ActiveModel> = ids
                    .iter()
                    .filter(|id| !has_to.contains(id))
                    .map(|id| ticket_tags::ActiveModel {
                        workspace_id: Set(ws),
                        ticket_id: Set(*id),
                        tag: Set(to.to_owned()),
                        created_at: Set(now),
                        updated_at: Set(now),
                    })
                    .collect();
                if !added.is_empty() {
                    ticket_tags::Entity::insert_many(added).exec_without_returning(tx.conn()).await?;
                }
            }
            let rows = tickets::Entity::find()
                .filter(tickets::Column::WorkspaceId.eq(ws))
                .filter(tickets::Column::Id.is_in(ids.clone()))
                .order_by_asc(tickets::Column::Id)
                .all(tx.conn())
                .await?;
            for row in rows {
                let old: Vec<String> = serde_json::from_value(row.tags.clone()).unwrap_or_default();
                let new = replaced(&old, from, to);
                if new == old {
                    continue; // only the mirror row was stale
                }
                let (id, number, requester_id) = (row.id, row.number, row.requester_id);
                let mut am = row.into_active_model();
                am.tags = Set(json!(new));
                am.updated_at = Set(now);
                am.update(tx.conn()).await?;
                tx.emit(NewEvent {
                    event_type: "ticket.updated",
                    subject_type: "ticket",
                    subject_id: Some(id),
                    ticket_id: Some(id),
                    requester_id: Some(requester_id),
                    visibility: Visibility::Staff,
                    data: json!({"ticket": {"id": id, "number": number}, "changes": {"tags": {"from": old, "to": new}}}),
                });
                total += 1;
            }
        }
        if last {
            let mut data = json!({"tag": from, "tickets": total});
            match (event_type, to) {
                ("tag.merged", Some(to)) => data["into"] = Value::from(to),
                (_, Some(to)) => data["to"] = Value::from(to),
                _ => {}
            }
            tx.emit(NewEvent {
                event_type,
                subject_type: "tag",
                subject_id: None,
                ticket_id: None,
                requester_id: None,
                visibility: Visibility::Admin,
                data,
            });
            tx.commit().await?;
            return Ok(TagChange { tag: from.to_owned(), to: to.map(str::to_owned), tickets: total });
        }
        tx.commit().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::replaced;

    fn tags(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_renamed_tag_keeps_its_place_and_a_merged_one_is_not_doubled() {
        assert_eq!(replaced(&tags(&["a", "vip", "b"]), "vip", Some("gold")), tags(&["a", "gold", "b"]));
        assert_eq!(replaced(&tags(&["gold", "vip", "b"]), "vip", Some("gold")), tags(&["gold", "b"]));
        assert_eq!(replaced(&tags(&["vip", "b"]), "vip", None), tags(&["b"]));
        assert_eq!(replaced(&tags(&["b"]), "vip", None), tags(&["b"]));
    }
}

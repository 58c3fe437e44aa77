//! Reading the event log: ticket timelines, the workspace audit log and
//! real-time replay.
//!
//! Visibility rules (one place, used by replay and the live stream alike):
//! admins and keys with `admin` see everything; agents and keys with
//! `tickets:read` see public and staff events; keys with only contact scopes
//! see contact and company events; customers see public events of tickets
//! they requested and nothing else.

use autocrm_domain::auth::PrincipalKind;
use autocrm_domain::{Principal, Role, Scope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::events;
use crate::page::{Cursor, Page, clamp_limit, finish};
use crate::{HubEvent, Store, StoreResult};

/// What a real-time subscriber asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// Ticket and message events of every ticket (the queue).
    Queue,
    /// Events of one ticket.
    Ticket(i64),
    /// Everything the caller may see.
    All,
}

impl Topic {
    /// Parses `queue`, `ticket:42` or `all`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queue" => Some(Self::Queue),
            "all" | "" => Some(Self::All),
            _ => s.strip_prefix("ticket:").and_then(|id| id.parse().ok()).map(Self::Ticket),
        }
    }

    /// Whether an event belongs to the topic.
    pub fn matches(&self, e: &HubEvent) -> bool {
        match self {
            Self::All => true,
            Self::Queue => e.ticket_id.is_some(),
            Self::Ticket(id) => e.ticket_id == Some(*id),
        }
    }
}

/// Whether `p` may see event `e`.
pub fn can_see(p: &Principal, e: &HubEvent) -> bool {
    if e.workspace_id != p.workspace_id {
        return false;
    }
    match &p.kind {
        PrincipalKind::System | PrincipalKind::User { role: Role::Admin, .. } => true,
        PrincipalKind::User { role: Role::Agent, .. } => e.visibility != "admin",
        PrincipalKind::User { role: Role::Customer, contact_id, .. } | PrincipalKind::Visitor { contact_id, .. } => {
            e.visibility == "public" && e.requester_id.is_some() && e.requester_id == *contact_id
        }
        PrincipalKind::ApiKey { scopes, .. } => {
            if scopes.allows(Scope::Admin) {
                true
            } else if e.visibility == "admin" {
                false
            } else if e.ticket_id.is_some() || e.subject_type == "ticket" || e.subject_type == "message" {
                scopes.allows(Scope::TicketsRead)
            } else {
                scopes.allows(Scope::ContactsRead) || scopes.allows(Scope::TicketsRead)
            }
        }
    }
}

/// The latest seq of a workspace (0 when empty).
pub async fn last_seq(store: &Store, ws: i64) -> StoreResult<i64> {
    Ok(events::Entity::find()
        .select_only()
        .column_as(events::Column::Seq.max(), "m")
        .filter(events::Column::WorkspaceId.eq(ws))
        .into_tuple::<Option<i64>>()
        .one(&store.db)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// Events with `seq > after` (up to `batch`), in order, unfiltered: the
/// caller applies [`can_see`] and the topic. Returns the rows and whether
/// the batch was full.
pub async fn after(store: &Store, ws: i64, after: i64, batch: u64) -> StoreResult<Vec<HubEvent>> {
    Ok(events::Entity::find()
        .filter(events::Column::WorkspaceId.eq(ws))
        .filter(events::Column::Seq.gt(after))
        .order_by_asc(events::Column::Seq)
        .limit(batch)
        .all(&store.db)
        .await?)
}

/// A ticket's events oldest first (its audit trail), filtered for the caller.
pub async fn for_ticket(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<HubEvent>> {
    let limit = clamp_limit(limit, 100, 500)?;
    crate::tickets::find_visible(&store.db, p, ticket_id).await?;
    let mut q = events::Entity::find()
        .filter(events::Column::WorkspaceId.eq(p.workspace_id))
        .filter(events::Column::TicketId.eq(ticket_id));
    if let Some(c) = cursor {
        q = q.filter(events::Column::Seq.gt(Cursor::decode(c)?.id));
    }
    if p.customer_contact().is_some() {
        q = q.filter(events::Column::Visibility.eq("public"));
    } else if p.role() == Some(Role::Agent) {
        q = q.filter(events::Column::Visibility.ne("admin"));
    }
    let rows = q.order_by_asc(events::Column::Seq).limit(limit + 1).all(&store.db).await?;
    Ok(finish(rows, limit, |e| Cursor { key: String::new(), id: e.seq }))
}

/// Filters for the workspace audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this event type (`ticket.updated`) or resource (`ticket.*`).
    pub event_type: Option<String>,
    /// Only this actor kind (`user`, `api_key`, `system`).
    pub actor_kind: Option<String>,
    /// Only this actor id.
    pub actor_id: Option<i64>,
}

/// The workspace audit log, newest first.
pub async fn audit(
    store: &Store,
    p: &Principal,
    f: &AuditFilter,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<HubEvent>> {
    let limit = clamp_limit(limit, 50, 200)?;
    let mut q = events::Entity::find().filter(events::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(t) = &f.event_type {
        q = match t.strip_suffix(".*") {
            Some(res) => q.filter(events::Column::Type.starts_with(format!("{res}."))),
            None => q.filter(events::Column::Type.eq(t.clone())),
        };
    }
    if let Some(k) = &f.actor_kind {
        q = q.filter(events::Column::ActorKind.eq(k.clone()));
    }
    if let Some(a) = f.actor_id {
        q = q.filter(events::Column::ActorId.eq(a));
    }
    if let Some(c) = cursor {
        q = q.filter(events::Column::Seq.lt(Cursor::decode(c)?.id));
    }
    let rows = q.order_by_desc(events::Column::Seq).limit(limit + 1).all(&store.db).await?;
    Ok(finish(rows, limit, |e| Cursor { key: String::new(), id: e.seq }))
}

/// One event by seq.
pub async fn get(store: &Store, ws: i64, seq: i64) -> StoreResult<Option<HubEvent>> {
    Ok(events::Entity::find_by_id((ws, seq)).one(&store.db).await?)
}

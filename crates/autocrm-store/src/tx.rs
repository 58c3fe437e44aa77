//! Write transactions: a change, its events and its jobs commit together.
//!
//! Invariants:
//! - Event `seq` is allocated per workspace from the `counters` row *inside*
//!   the transaction, just before commit. The row lock orders committers, so
//!   seq order equals commit order and the log has no gaps: a reader that has
//!   seen `seq = n` has every event `≤ n` available.
//! - Webhook deliveries for the events are enqueued in the same transaction
//!   (the outbox), so a committed change is never without its deliveries.
//! - Nothing is published to the hub before the commit succeeded.
//! - Agents' notifications are derived from the events in the same
//!   transaction (`notifications::record`).

use std::sync::Arc;
use std::time::Duration;

use autocrm_domain::{Principal, events::matches_pattern};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use serde_json::{Value, json};

use crate::entity::{events, jobs, webhooks};
use crate::{HubEvent, Store, StoreResult};

/// Who may see an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Staff, and the ticket's requester (public ticket changes and replies).
    Public,
    /// Agents, admins and keys that read tickets (internal notes, assignment …).
    Staff,
    /// Admins only (keys, webhooks, users, sign-ins).
    Admin,
}

impl Visibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Staff => "staff",
            Self::Admin => "admin",
        }
    }
}

/// An event to append when the transaction commits.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `resource.verb`.
    pub event_type: &'static str,
    /// The resource kind (`ticket`, `message` …).
    pub subject_type: &'static str,
    /// The resource id.
    pub subject_id: Option<i64>,
    /// The ticket it belongs to, for ticket timelines and topics.
    pub ticket_id: Option<i64>,
    /// The requester of that ticket: the one customer who may see a public event.
    pub requester_id: Option<i64>,
    /// Who may see it.
    pub visibility: Visibility,
    /// The payload (also the webhook's `data`).
    pub data: Value,
}

impl NewEvent {
    /// An admin-only event about a settings resource.
    pub fn admin(event_type: &'static str, subject_type: &'static str, subject_id: i64, data: Value) -> Self {
        Self {
            event_type,
            subject_type,
            subject_id: Some(subject_id),
            ticket_id: None,
            requester_id: None,
            visibility: Visibility::Admin,
            data,
        }
    }
}

/// A write transaction with its pending events.
pub struct Tx {
    pub(crate) txn: DatabaseTransaction,
    /// This process's SQLite write slot, held until commit or rollback (drop).
    write_slot: Option<tokio::sync::OwnedMutexGuard<()>>,
    pub(crate) store: Store,
    pub(crate) principal: Principal,
    events: Vec<NewEvent>,
    pub(crate) jobs_enqueued: bool,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").field("events", &self.events.len()).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens a write transaction for `principal` (IMMEDIATE on SQLite, so
    /// concurrent writers queue on the lock instead of failing on upgrade).
    pub async fn begin(&self, principal: &Principal) -> StoreResult<Tx> {
        let mut write_slot = None;
        let txn = if self.backend == DbBackend::Sqlite {
            // Bounded like SQLite's busy_timeout, so a stuck writer surfaces as an error.
            write_slot = Some(
                tokio::time::timeout(Duration::from_secs(10), self.write_lock.clone().lock_owned())
                    .await
                    .map_err(|_| crate::StoreError::Db(sea_orm::DbErr::Custom("database is locked".into())))?,
            );
            self.db
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await?
        } else {
            self.db.begin().await?
        };
        Ok(Tx {
            txn,
            write_slot,
            store: self.clone(),
            principal: principal.clone(),
            events: Vec::new(),
            jobs_enqueued: false,
        })
    }
}

impl Tx {
    /// The workspace this transaction writes in.
    pub fn ws(&self) -> i64 {
        self.principal.workspace_id
    }

    /// The connection to run statements on.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The acting principal.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Queues an event for the log.
    pub fn emit(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    /// Enqueues a job that commits with this transaction (the outbox).
    pub(crate) async fn enqueue_job(
        &mut self,
        kind: &str,
        payload: Value,
        run_at: chrono::DateTime<chrono::Utc>,
        dedupe_key: Option<String>,
    ) -> StoreResult<()> {
        let now = self.store.now();
        jobs::Entity::insert(jobs::ActiveModel {
            workspace_id: Set(self.ws()),
            kind: Set(kind.to_owned()),
            payload: Set(payload),
            run_at: Set(run_at),
            attempts: Set(0),
            dedupe_key: Set(dedupe_key),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(&self.txn)
        .await?;
        self.jobs_enqueued = true;
        Ok(())
    }

    /// Appends the events (with their webhook jobs) and commits; then
    /// publishes the committed events to this node's hub.
    pub async fn commit(self) -> StoreResult<Vec<Arc<HubEvent>>> {
        let Self { txn, write_slot, store, principal, events, mut jobs_enqueued } = self;
        if events.is_empty() {
            txn.commit().await?;
            drop(write_slot);
            if jobs_enqueued {
                store.jobs_wake.notify_waiters();
            }
            return Ok(Vec::new());
        }
        let ws = principal.workspace_id;
        let now = store.now();
        let n = events.len() as i64;
        let last = bump_counter(&txn, store.backend, ws, "event_seq", n).await?;
        let first = last - n + 1;
        let (actor_kind, actor_id, actor_name) = principal.actor();
        let rows: Vec<events::Model> = events
            .into_iter()
            .enumerate()
            .map(|(i, e)| events::Model {
                workspace_id: ws,
                seq: first + i as i64,
                r#type: e.event_type.to_owned(),
                subject_type: e.subject_type.to_owned(),
                subject_id: e.subject_id,
                ticket_id: e.ticket_id,
                requester_id: e.requester_id,
                visibility: e.visibility.as_str().to_owned(),
                actor_kind: actor_kind.to_owned(),
                actor_id,
                actor_name: actor_name.clone(),
                data: e.data,
                at: now,
            })
            .collect();
        events::Entity::insert_many(rows.iter().cloned().map(events::ActiveModel::from))
            .exec_without_returning(&txn)
            .await?;
        // Agents' notifications (mentions, assignments) commit with their events.
        jobs_enqueued |= crate::notifications::record(&txn, ws, &rows, now).await?;

        // The outbox: one delivery job per (subscription, event).
        let hooks = webhooks::Entity::find()
            .filter(webhooks::Column::WorkspaceId.eq(ws))
            .filter(webhooks::Column::Enabled.eq(true))
            .all(&txn)
            .await?;
        let mut deliveries = Vec::new();
        for hook in &hooks {
            let patterns: Vec<String> = serde_json::from_value(hook.events.clone()).unwrap_or_default();
            for row in &rows {
                if patterns.iter().any(|p| matches_pattern(p, &row.r#type)) {
                    deliveries.push(jobs::ActiveModel {
                        workspace_id: Set(ws),
                        kind: Set(crate::jobs::WEBHOOK_DELIVERY.to_owned()),
                        payload: Set(json!({"webhook_id": hook.id, "seq": row.seq})),
                        run_at: Set(now),
                        attempts: Set(0),
                        dedupe_key: Set(Some(format!("wh:{}:{}:{}", hook.id, ws, row.seq))),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    });
                }
            }
        }
        if !deliveries.is_empty() {
            jobs::Entity::insert_many(deliveries).exec_without_returning(&txn).await?;
            jobs_enqueued = true;
        }
        if store.backend == DbBackend::Postgres {
            // Delivered by PostgreSQL only if and when the transaction commits.
            // The last part tells other nodes' workers that jobs are waiting.
            let payload = format!("{}:{ws}:{first}:{last}:{}", store.hub.node_id(), u8::from(jobs_enqueued));
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify('autocrm_events', $1)",
                [payload.into()],
            ))
            .await?;
        }
        txn.commit().await?;
        drop(write_slot);
        let published: Vec<Arc<HubEvent>> = rows.into_iter().map(Arc::new).collect();
        store.hub.publish(&published);
        if jobs_enqueued {
            store.jobs_wake.notify_waiters();
        }
        Ok(published)
    }
}

/// Adds `by` to a per-workspace counter and returns the new value; takes the
/// counter row's lock until the transaction ends.
pub(crate) async fn bump_counter(
    conn: &impl ConnectionTrait,
    backend: DbBackend,
    ws: i64,
    name: &str,
    by: i64,
) -> StoreResult<i64> {
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE counters SET value = value + $1 WHERE workspace_id = $2 AND name = $3 RETURNING value",
            [by.into(), ws.into(), name.into()],
        ))
        .await?
        .ok_or(crate::StoreError::NotFound)?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

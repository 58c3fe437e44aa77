//! The durable job queue: `jobs` rows claimed with a lease.
//!
//! A claim sets `lease_until`; a worker that dies leaves the lease to
//! expire and the job is claimed again (at-least-once). On PostgreSQL claims
//! use `FOR UPDATE SKIP LOCKED` so many workers on many nodes never block
//! each other; SQLite has one writer, so a plain UPDATE … RETURNING claims.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Statement,
};
use serde_json::Value;

use crate::entity::jobs;
use crate::{Store, StoreError, StoreResult};

/// Kind of the webhook delivery job.
pub const WEBHOOK_DELIVERY: &str = "webhook.deliver";

/// Claims up to `n` due jobs for `lease`.
pub async fn claim(store: &Store, n: u64, lease: Duration) -> StoreResult<Vec<jobs::Model>> {
    let now = store.now();
    let until = now + lease;
    let sql = match store.backend {
        DbBackend::Postgres => {
            "UPDATE jobs SET lease_until = $1, attempts = attempts + 1, updated_at = $2 WHERE id IN (\
               SELECT id FROM jobs WHERE run_at <= $3 AND (lease_until IS NULL OR lease_until < $4) \
               ORDER BY run_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) RETURNING *"
        }
        _ => {
            "UPDATE jobs SET lease_until = $1, attempts = attempts + 1, updated_at = $2 WHERE id IN (\
               SELECT id FROM jobs WHERE run_at <= $3 AND (lease_until IS NULL OR lease_until < $4) \
               ORDER BY run_at, id LIMIT $5) RETURNING *"
        }
    };
    let rows = store
        .db
        .query_all_raw(Statement::from_sql_and_values(
            store.backend,
            sql,
            [until.into(), now.into(), now.into(), now.into(), (n as i64).into()],
        ))
        .await?;
    rows.iter().map(|r| jobs::Model::from_query_result(r, "").map_err(Into::into)).collect()
}

/// Removes a finished job.
pub async fn complete(store: &Store, id: i64) -> StoreResult<()> {
    jobs::Entity::delete_by_id(id).exec(&store.db).await?;
    Ok(())
}

/// Schedules a retry at `run_at` with the error kept for operators.
pub async fn retry_at(store: &Store, id: i64, run_at: DateTime<Utc>, error: &str) -> StoreResult<()> {
    jobs::Entity::update_many()
        .col_expr(jobs::Column::RunAt, sea_orm::sea_query::Expr::val(run_at))
        .col_expr(jobs::Column::LeaseUntil, sea_orm::sea_query::Expr::val(Option::<DateTime<Utc>>::None))
        .col_expr(jobs::Column::LastError, sea_orm::sea_query::Expr::val(error.chars().take(500).collect::<String>()))
        .col_expr(jobs::Column::UpdatedAt, sea_orm::sea_query::Expr::val(store.now()))
        .filter(jobs::Column::Id.eq(id))
        .exec(&store.db)
        .await?;
    Ok(())
}

/// The kind of a job that sends one system e-mail (see `autocrm_jobs::mail`).
pub const SEND_EMAIL: &str = "email.send";

/// One system e-mail, as kept in an [`SEND_EMAIL`] job until the server accepts it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Recipient name.
    pub to_name: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Queues an e-mail for the workers to send (with retries).
pub async fn enqueue_email(store: &Store, ws: i64, email: &Email) -> StoreResult<()> {
    let payload = serde_json::to_value(email).map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    enqueue(store, ws, SEND_EMAIL, payload, store.now(), None).await
}

/// Enqueues a job outside any other change (e.g. a manual redelivery).
pub async fn enqueue(
    store: &Store,
    ws: i64,
    kind: &str,
    payload: Value,
    run_at: DateTime<Utc>,
    dedupe_key: Option<String>,
) -> StoreResult<()> {
    let now = store.now();
    jobs::Entity::insert(jobs::ActiveModel {
        workspace_id: Set(ws),
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        run_at: Set(run_at),
        attempts: Set(0),
        dedupe_key: Set(dedupe_key),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&store.db)
    .await?;
    store.jobs_wake.notify_waiters();
    Ok(())
}

/// How many jobs are waiting (for metrics and tests).
pub async fn pending(store: &Store) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait as _;
    Ok(jobs::Entity::find().count(&store.db).await?)
}

/// When the next job can be claimed, so workers can sleep until then: the
/// earliest `run_at` of unleased jobs, or the earliest end of a live lease.
pub async fn next_run_at(store: &Store) -> StoreResult<Option<DateTime<Utc>>> {
    use sea_orm::sea_query::ExprTrait as _;
    use sea_orm::{QueryOrder as _, QuerySelect as _};
    let now = store.now();
    let free = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::RunAt)
        .filter(jobs::Column::LeaseUntil.is_null().or(jobs::Column::LeaseUntil.lt(now)))
        .order_by_asc(jobs::Column::RunAt)
        .into_tuple::<DateTime<Utc>>()
        .one(&store.db)
        .await?;
    let leased = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::LeaseUntil)
        .filter(jobs::Column::LeaseUntil.gte(now))
        .order_by_asc(jobs::Column::LeaseUntil)
        .into_tuple::<DateTime<Utc>>()
        .one(&store.db)
        .await?;
    Ok(match (free, leased) {
        (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
        (a, b) => a.or(b),
    })
}

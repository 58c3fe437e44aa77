//! Webhook subscriptions and their delivery log.
//!
//! The destination URL is checked against the SSRF rules by the caller
//! (server at save, worker at send); this module stores and reads.

use autocrm_domain::Principal;
use autocrm_domain::events::is_valid_pattern;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use crate::entity::{webhook_deliveries, webhooks};
use crate::page::{Cursor, Page, clamp_limit, finish};
use crate::tx::NewEvent;
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// Checks event patterns: 1–50 known names, `resource.*` or `*`.
pub fn check_patterns(events: &[String]) -> StoreResult<()> {
    if events.is_empty() || events.len() > 50 {
        return Err(StoreError::invalid("/events", "must list 1 to 50 event types"));
    }
    let bad: Vec<FieldProblem> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| !is_valid_pattern(e))
        .map(|(i, _)| {
            FieldProblem::new(format!("/events/{i}"), "is not an event type (see GET /api/v1/webhooks/event-types)")
        })
        .collect();
    if bad.is_empty() { Ok(()) } else { Err(StoreError::Invalid(bad)) }
}

/// Creates a subscription with a fresh secret.
pub async fn create(
    store: &Store,
    p: &Principal,
    url: &str,
    events: &[String],
    description: &str,
) -> StoreResult<webhooks::Model> {
    check_patterns(events)?;
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = webhooks::ActiveModel {
        workspace_id: Set(tx.ws()),
        url: Set(url.to_owned()),
        description: Set(description.chars().take(500).collect()),
        events: Set(json!(events)),
        secret: Set(autocrm_domain::webhooks::generate_secret()),
        enabled: Set(true),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "webhook.created",
        "webhook",
        row.id,
        json!({"webhook": {"id": row.id, "url": row.url, "events": events}}),
    ));
    tx.commit().await?;
    Ok(row)
}

/// Every subscription of the workspace.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<webhooks::Model>> {
    Ok(webhooks::Entity::find()
        .filter(webhooks::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(webhooks::Column::Id)
        .all(&store.db)
        .await?)
}

/// One subscription.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<webhooks::Model> {
    webhooks::Entity::find_by_id(id)
        .filter(webhooks::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// A subscription by id without a principal (workers).
pub async fn get_any(store: &Store, ws: i64, id: i64) -> StoreResult<Option<webhooks::Model>> {
    Ok(webhooks::Entity::find_by_id(id).filter(webhooks::Column::WorkspaceId.eq(ws)).one(&store.db).await?)
}

/// Changes URL, events, description or enabled (re-enabling clears the reason).
pub async fn update(
    store: &Store,
    p: &Principal,
    id: i64,
    url: Option<String>,
    events: Option<Vec<String>>,
    description: Option<String>,
    enabled: Option<bool>,
) -> StoreResult<webhooks::Model> {
    if let Some(e) = &events {
        check_patterns(e)?;
    }
    let mut tx = store.begin(p).await?;
    let row = webhooks::Entity::find_by_id(id)
        .filter(webhooks::Column::WorkspaceId.eq(tx.ws()))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut am = row.into_active_model();
    if let Some(u) = url {
        am.url = Set(u);
    }
    if let Some(e) = events {
        am.events = Set(json!(e));
    }
    if let Some(d) = description {
        am.description = Set(d.chars().take(500).collect());
    }
    if let Some(en) = enabled {
        am.enabled = Set(en);
        if en {
            am.disabled_reason = Set(None);
        }
    }
    am.updated_at = Set(store.now());
    let after = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "webhook.updated",
        "webhook",
        id,
        json!({"webhook": {"id": id, "url": after.url, "enabled": after.enabled}}),
    ));
    tx.commit().await?;
    Ok(after)
}

/// Deletes a subscription (its pending deliveries find it gone and stop).
pub async fn delete(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let mut tx = store.begin(p).await?;
    let res = webhooks::Entity::delete_many()
        .filter(webhooks::Column::Id.eq(id))
        .filter(webhooks::Column::WorkspaceId.eq(tx.ws()))
        .exec(tx.conn())
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    tx.emit(NewEvent::admin("webhook.deleted", "webhook", id, json!({"webhook": {"id": id}})));
    tx.commit().await?;
    Ok(())
}

/// Disables a subscription (410 Gone or retries exhausted), with an event.
pub async fn disable(store: &Store, ws: i64, id: i64, reason: &str) -> StoreResult<()> {
    let mut tx = store.begin(&Principal::system(ws)).await?;
    let Some(row) =
        webhooks::Entity::find_by_id(id).filter(webhooks::Column::WorkspaceId.eq(ws)).one(tx.conn()).await?
    else {
        return Ok(());
    };
    let mut am = row.into_active_model();
    am.enabled = Set(false);
    am.disabled_reason = Set(Some(reason.to_owned()));
    am.updated_at = Set(store.now());
    am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin("webhook.disabled", "webhook", id, json!({"webhook": {"id": id}, "reason": reason})));
    tx.commit().await?;
    Ok(())
}

/// One attempt's record.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Subscription.
    pub webhook_id: i64,
    /// Event delivered.
    pub event_seq: i64,
    /// Its type.
    pub event_type: String,
    /// `webhook-id` header value.
    pub msg_id: String,
    /// 1-based attempt number.
    pub attempt: i32,
    /// HTTP status when a response came.
    pub status_code: Option<i32>,
    /// 2xx.
    pub ok: bool,
    /// Transport or policy error.
    pub error: Option<String>,
    /// First bytes of the response body.
    pub response_snippet: Option<String>,
    /// Wall time.
    pub duration_ms: i64,
    /// When the next attempt is due, if any.
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Logs an attempt.
pub async fn log_attempt(store: &Store, ws: i64, a: Attempt) -> StoreResult<()> {
    let now = store.now();
    webhook_deliveries::Entity::insert(webhook_deliveries::ActiveModel {
        workspace_id: Set(ws),
        webhook_id: Set(a.webhook_id),
        event_seq: Set(a.event_seq),
        event_type: Set(a.event_type),
        msg_id: Set(a.msg_id),
        attempt: Set(a.attempt),
        status_code: Set(a.status_code),
        ok: Set(a.ok),
        error: Set(a.error),
        response_snippet: Set(a.response_snippet),
        duration_ms: Set(a.duration_ms),
        next_attempt_at: Set(a.next_attempt_at),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&store.db)
    .await?;
    Ok(())
}

/// A subscription's delivery log, newest first.
pub async fn deliveries(
    store: &Store,
    p: &Principal,
    webhook_id: i64,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<webhook_deliveries::Model>> {
    get(store, p, webhook_id).await?;
    let limit = clamp_limit(limit, 50, 200)?;
    let mut q = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::WorkspaceId.eq(p.workspace_id))
        .filter(webhook_deliveries::Column::WebhookId.eq(webhook_id));
    if let Some(c) = cursor {
        q = q.filter(webhook_deliveries::Column::Id.lt(Cursor::decode(c)?.id));
    }
    let rows = q.order_by_desc(webhook_deliveries::Column::Id).limit(limit + 1).all(&store.db).await?;
    Ok(finish(rows, limit, |d| Cursor { key: String::new(), id: d.id }))
}

/// One delivery record.
pub async fn delivery(
    store: &Store,
    p: &Principal,
    webhook_id: i64,
    id: i64,
) -> StoreResult<webhook_deliveries::Model> {
    webhook_deliveries::Entity::find_by_id(id)
        .filter(webhook_deliveries::Column::WorkspaceId.eq(p.workspace_id))
        .filter(webhook_deliveries::Column::WebhookId.eq(webhook_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

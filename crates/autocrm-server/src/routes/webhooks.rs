//! Webhook subscriptions, the event types they can match, their delivery
//! log and manual redelivery.
//!
//! Invariant: a stored URL passed the SSRF check at save time, on its
//! literal address or on every address its host resolved to (the worker
//! checks again at send, on the address it connects to).

use autocrm_domain::events::EVENT_TYPES;
use autocrm_domain::ssrf::{DestinationError, check_ip, parse_destination};
use autocrm_store::entity::{webhook_deliveries, webhooks};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListOut, PageParams};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id, Ids};

/// The webhook routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(list_event_types))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(list_deliveries))
        .routes(routes!(redeliver_delivery))
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    /// Public http(s) destination.
    pub url: String,
    /// Event types or patterns (`ticket.*`, `*`), 1–50.
    pub events: Vec<String>,
    /// Free description.
    #[serde(default)]
    pub description: String,
}

/// A change to a subscription.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    /// New destination.
    pub url: Option<String>,
    /// Replace the event patterns.
    pub events: Option<Vec<String>>,
    /// New description.
    pub description: Option<String>,
    /// Enable (clears the disabled reason) or disable.
    pub enabled: Option<bool>,
}

/// A subscription, with its signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    /// Id.
    pub id: i64,
    /// Destination.
    pub url: String,
    /// Description.
    pub description: String,
    /// Event patterns.
    pub events: Vec<String>,
    /// Signing secret (`whsec_…`).
    pub secret: String,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// Why it was disabled automatically.
    pub disabled_reason: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<webhooks::Model> for WebhookOut {
    fn from(w: webhooks::Model) -> Self {
        Self {
            id: w.id,
            url: w.url,
            description: w.description,
            events: serde_json::from_value(w.events).unwrap_or_default(),
            secret: w.secret,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// Every subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// Subscriptions, oldest first.
    pub data: Vec<WebhookOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// An event type a subscription can match.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeOut {
    /// `resource.verb`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// What it means.
    pub description: String,
}

/// Every event type.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeList {
    /// Event types.
    pub data: Vec<EventTypeOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    /// Id.
    pub id: i64,
    /// Event delivered.
    pub event_seq: i64,
    /// Its type.
    pub event_type: String,
    /// `webhook-id` header value.
    pub msg_id: String,
    /// 1-based attempt number.
    pub attempt: i32,
    /// HTTP status, when a response came.
    pub status_code: Option<i32>,
    /// 2xx.
    pub ok: bool,
    /// Transport or policy error.
    pub error: Option<String>,
    /// First bytes of the response body.
    pub response_snippet: Option<String>,
    /// Wall time.
    pub duration_ms: i64,
    /// When the next attempt is due.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the attempt was made.
    pub created_at: DateTime<Utc>,
}

impl From<webhook_deliveries::Model> for DeliveryOut {
    fn from(d: webhook_deliveries::Model) -> Self {
        Self {
            id: d.id,
            event_seq: d.event_seq,
            event_type: d.event_type,
            msg_id: d.msg_id,
            attempt: d.attempt,
            status_code: d.status_code,
            ok: d.ok,
            error: d.error,
            response_snippet: d.response_snippet,
            duration_ms: d.duration_ms,
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
        }
    }
}

/// A queued redelivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedeliveryOut {
    /// The subscription.
    pub webhook_id: i64,
    /// The event queued again.
    pub event_seq: i64,
}

/// Checks a destination against the SSRF rules, resolving domain hosts and
/// checking every address; returns the URL to store.
async fn check_destination(app: &AppState, raw: &str) -> ApiResult<String> {
    let allow = &app.config.webhook_allow;
    let refuse = |e: DestinationError| ApiError::field("/url", format!("refused: {e}"));
    let (url, ip) = parse_destination(raw, allow).map_err(refuse)?;
    if ip.is_none() {
        let host = url.host_str().ok_or_else(|| refuse(DestinationError::BadUrl))?;
        let port = url.port_or_known_default().ok_or_else(|| refuse(DestinationError::BadUrl))?;
        let addrs: Vec<_> =
            tokio::net::lookup_host((host, port)).await.map_err(|_| refuse(DestinationError::Unresolvable))?.collect();
        if addrs.is_empty() {
            return Err(refuse(DestinationError::Unresolvable));
        }
        for a in addrs {
            check_ip(a.ip(), allow).map_err(refuse)?;
        }
    }
    Ok(raw.trim().to_owned())
}

/// Lists the workspace's subscriptions.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "integrations", responses((status = 200, body = WebhookList)))]
async fn list_webhooks(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<WebhookList>> {
    let rows = autocrm_store::webhooks::list(&app.store, &p).await?;
    Ok(Json(WebhookList { data: rows.into_iter().map(WebhookOut::from).collect(), next_cursor: None }))
}

/// Creates a subscription with a fresh signing secret.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "integrations", request_body = WebhookIn,
    responses((status = 201, body = WebhookOut), (status = 422, body = crate::error::Problem)))]
async fn create_webhook(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<WebhookIn>,
) -> ApiResult<(StatusCode, Json<WebhookOut>)> {
    let url = check_destination(&app, &input.url).await?;
    let row = autocrm_store::webhooks::create(&app.store, &p, &url, &input.events, &input.description).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// The event types subscriptions can match.
#[utoipa::path(get, path = "/api/v1/webhooks/event-types", tag = "integrations", responses((status = 200, body = EventTypeList)))]
async fn list_event_types() -> Json<EventTypeList> {
    Json(EventTypeList {
        data: EVENT_TYPES
            .iter()
            .map(|(t, d)| EventTypeOut { event_type: (*t).to_owned(), description: (*d).to_owned() })
            .collect(),
        next_cursor: None,
    })
}

/// One subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookOut), (status = 404, body = crate::error::Problem)))]
async fn get_webhook(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<WebhookOut>> {
    Ok(Json(autocrm_store::webhooks::get(&app.store, &p, id).await?.into()))
}

/// Changes a subscription.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "integrations", params(("id" = i64, Path)), request_body = WebhookPatch,
    responses((status = 200, body = WebhookOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_webhook(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<WebhookPatch>,
) -> ApiResult<Json<WebhookOut>> {
    let url = match patch.url.as_deref() {
        Some(u) => Some(check_destination(&app, u).await?),
        None => None,
    };
    let row = autocrm_store::webhooks::update(&app.store, &p, id, url, patch.events, patch.description, patch.enabled)
        .await?;
    Ok(Json(row.into()))
}

/// Deletes a subscription; pending deliveries stop.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_webhook(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::webhooks::delete(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A subscription's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "integrations", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = ListOut<DeliveryOut>), (status = 404, body = crate::error::Problem)))]
async fn list_deliveries(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<ListOut<DeliveryOut>>> {
    let page = autocrm_store::webhooks::deliveries(&app.store, &p, id, q.limit, q.cursor.as_deref()).await?;
    Ok(Json(ListOut::from_page(page, DeliveryOut::from)))
}

/// Queues the delivery's event again for the subscription.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "integrations",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 202, body = RedeliveryOut), (status = 404, body = crate::error::Problem)))]
async fn redeliver_delivery(
    State(app): State<AppState>,
    Caller(p): Caller,
    Ids(id, delivery_id): Ids,
) -> ApiResult<(StatusCode, Json<RedeliveryOut>)> {
    let delivery = autocrm_store::webhooks::delivery(&app.store, &p, id, delivery_id).await?;
    let (ws, seq) = (p.workspace_id, delivery.event_seq);
    // A random suffix keeps repeated redeliveries from being deduplicated away.
    let dedupe = format!("wh:{id}:{ws}:{seq}:redeliver:{:016x}", rand::random::<u64>());
    autocrm_store::jobs::enqueue(
        &app.store,
        ws,
        autocrm_store::jobs::WEBHOOK_DELIVERY,
        json!({"webhook_id": id, "seq": seq}),
        app.store.now(),
        Some(dedupe),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(RedeliveryOut { webhook_id: id, event_seq: seq })))
}

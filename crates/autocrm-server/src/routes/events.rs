//! Real-time events (SSE with resume), the workspace audit log and search.
//!
//! A stream first subscribes to the hub, then replays the log after the
//! client's `Last-Event-ID`, then forwards live events; any gap between the
//! last delivered seq and a live event is filled from the log, and the
//! keep-alive tick re-reads the log too, so nothing committed is ever
//! skipped (per-workspace seqs are gap-free and commit-ordered).

use std::convert::Infallible;
use std::sync::Arc;

use autocrm_domain::Principal;
use autocrm_store::events::{AuditFilter, Topic, can_see};
use autocrm_store::{HubEvent, Presence, Store};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use futures::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ListOut;
use super::tickets::{TicketList, TicketListParams, parse_filter};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::{AppState, SSE_KEEPALIVE};

/// The event routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stream_events))
        .routes(routes!(list_audit_log))
        .routes(routes!(search))
        .routes(routes!(announce_presence))
}

/// Stream parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StreamParams {
    /// Comma-separated topics: `queue`, `ticket:<id>`, `all` (default: everything you may see).
    pub topics: Option<String>,
    /// Resume after this seq (same as the `Last-Event-ID` header, which wins).
    pub last_event_id: Option<i64>,
}

/// An event as streamed and listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// Position in the workspace's log (the SSE `id`).
    pub seq: i64,
    /// `resource.verb`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Resource kind.
    pub subject_type: String,
    /// Resource id.
    pub subject_id: Option<i64>,
    /// Ticket, when the event belongs to one.
    pub ticket_id: Option<i64>,
    /// Actor kind.
    pub actor_kind: String,
    /// Actor id.
    pub actor_id: Option<i64>,
    /// Actor name.
    pub actor_name: String,
    /// Payload.
    #[schema(value_type = Object)]
    pub data: Value,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<&HubEvent> for EventOut {
    fn from(e: &HubEvent) -> Self {
        Self {
            seq: e.seq,
            event_type: e.r#type.clone(),
            subject_type: e.subject_type.clone(),
            subject_id: e.subject_id,
            ticket_id: e.ticket_id,
            actor_kind: e.actor_kind.clone(),
            actor_id: e.actor_id,
            actor_name: e.actor_name.clone(),
            data: e.data.clone(),
            at: e.at,
        }
    }
}

/// Server-Sent Events: `id` is the seq, `event` the type, `data` an [`EventOut`].
/// Reconnect with `Last-Event-ID` to receive everything missed.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(StreamParams),
    responses((status = 200, description = "text/event-stream of EventOut", content_type = "text/event-stream", body = EventOut)))]
async fn stream_events(
    State(app): State<AppState>,
    Caller(p): Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamParams>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let mut topics = Vec::new();
    for t in q.topics.iter().flat_map(|t| t.split(',')).map(str::trim).filter(|t| !t.is_empty()) {
        let topic = Topic::parse(t).ok_or_else(|| ApiError::field("/topics", format!("unknown topic `{t}`")))?;
        if let Topic::Ticket(id) = topic {
            // Subscribing to a ticket needs the right to see it.
            autocrm_store::tickets::get(&app.store, &p, id).await?;
        }
        topics.push(topic);
    }
    if topics.is_empty() {
        topics.push(Topic::All);
    }
    let header_id = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(|s| s.trim().parse::<i64>());
    let resume = match header_id {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            return Err(ApiError::bad_request("invalid_last_event_id", "Last-Event-ID must be a seq number"));
        }
        None => q.last_event_id,
    };
    // Subscribe before reading the log so nothing committed in between is lost.
    let live = app.store.hub().subscribe();
    let presence = app.store.hub().subscribe_presence();
    let start = match resume {
        Some(id) => id.max(0),
        None => autocrm_store::events::last_seq(&app.store, p.workspace_id).await?,
    };
    let (tx, rx) = mpsc::channel::<Event>(256);
    tokio::spawn(pump(app.store.clone(), p, topics, start, (live, presence), tx));
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(SSE_KEEPALIVE)))
}

struct Cursor {
    store: Store,
    p: Principal,
    topics: Vec<Topic>,
    last: i64,
}

impl Cursor {
    /// Sends events after `last` up to `until` (inclusive; `None` = all) from the log.
    async fn catch_up(&mut self, until: Option<i64>, tx: &mpsc::Sender<Event>) -> Result<(), ()> {
        loop {
            let batch =
                autocrm_store::events::after(&self.store, self.p.workspace_id, self.last, 500).await.map_err(|_| ())?;
            let full = batch.len() == 500;
            for e in &batch {
                if until.is_some_and(|u| e.seq > u) {
                    return Ok(());
                }
                self.deliver(e, tx).await?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    async fn deliver(&mut self, e: &HubEvent, tx: &mpsc::Sender<Event>) -> Result<(), ()> {
        if e.seq <= self.last {
            return Ok(());
        }
        self.last = e.seq;
        if !can_see(&self.p, e) || !self.topics.iter().any(|t| t.matches(e)) {
            return Ok(());
        }
        let data = serde_json::to_string(&EventOut::from(e)).unwrap_or_default();
        let ev = Event::default().id(e.seq.to_string()).event(e.r#type.clone()).data(data);
        tx.send(ev).await.map_err(|_| ())
    }
}

/// Whether a presence signal goes to this stream: staff watching that ticket (or everything).
fn wants_presence(p: &Principal, topics: &[Topic], signal: &Presence) -> bool {
    signal.workspace_id == p.workspace_id
        && p.role().is_some_and(autocrm_domain::Role::is_staff)
        && p.user_id() != Some(signal.user_id)
        && topics.iter().any(|t| match t {
            Topic::All | Topic::Queue => true,
            Topic::Ticket(id) => *id == signal.ticket_id,
        })
}

async fn pump(
    store: Store,
    p: Principal,
    topics: Vec<Topic>,
    start: i64,
    (mut live, mut presence): (broadcast::Receiver<Arc<HubEvent>>, broadcast::Receiver<Arc<Presence>>),
    tx: mpsc::Sender<Event>,
) {
    let ws = p.workspace_id;
    let mut cur = Cursor { store, p, topics, last: start };
    if cur.catch_up(None, &tx).await.is_err() {
        return;
    }
    let mut tick = tokio::time::interval(SSE_KEEPALIVE);
    loop {
        tokio::select! {
            () = tx.closed() => return,
            _ = tick.tick() => {
                // Covers notifications lost between nodes: the log is the truth.
                if cur.catch_up(None, &tx).await.is_err() { return; }
            }
            msg = live.recv() => match msg {
                Ok(e) if e.workspace_id != ws => {}
                Ok(e) => {
                    if e.seq > cur.last + 1 && cur.catch_up(Some(e.seq - 1), &tx).await.is_err() {
                        return;
                    }
                    if cur.deliver(&e, &tx).await.is_err() { return; }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if cur.catch_up(None, &tx).await.is_err() { return; }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            signal = presence.recv() => match signal {
                Ok(signal) if wants_presence(&cur.p, &cur.topics, &signal) => {
                    // No SSE id: presence is not in the log and must not move the resume point.
                    let data = serde_json::to_string(&*signal).unwrap_or_default();
                    if tx.send(Event::default().event("presence").data(data)).await.is_err() { return; }
                }
                // Lagged presence is refreshed by the next heartbeat.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

/// An agent's presence on a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceIn {
    /// `viewing`, `replying` or `left`; send again every ~20 s while it holds.
    pub state: String,
}

/// Tells the other agents watching a ticket that you view or answer it; they
/// receive a `presence` event (not stored, no seq) on `/api/v1/events`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/presence", tag = "events", params(("id" = i64, Path)), request_body = PresenceIn,
    responses((status = 204, description = "Announced"), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn announce_presence(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<PresenceIn>,
) -> ApiResult<StatusCode> {
    autocrm_store::presence::announce(&app.store, &p, id, &input.state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Audit log filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Event type (`ticket.updated`) or resource (`ticket.*`).
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Actor kind: `user`, `api_key`, `system`.
    pub actor_kind: Option<String>,
    /// Actor id.
    pub actor_id: Option<i64>,
    /// Page size 1–200 (default 50).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The workspace audit log (every event, newest first).
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "events", params(AuditParams), responses((status = 200, body = ListOut<EventOut>)))]
async fn list_audit_log(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<ListOut<EventOut>>> {
    let f = AuditFilter { event_type: q.event_type, actor_kind: q.actor_kind, actor_id: q.actor_id };
    let page = autocrm_store::events::audit(&app.store, &p, &f, q.limit, q.cursor.as_deref()).await?;
    Ok(Json(ListOut::from_page(page, |e| EventOut::from(&e))))
}

/// Full-text search over ticket subjects and message bodies; same filters as the ticket list, `q` required.
#[utoipa::path(get, path = "/api/v1/search", tag = "tickets", params(TicketListParams), responses((status = 200, body = TicketList)))]
async fn search(
    State(app): State<AppState>,
    caller: Caller,
    query: ApiQuery<TicketListParams>,
) -> ApiResult<Json<TicketList>> {
    if query.0.q.as_deref().is_none_or(|q| q.trim().is_empty()) {
        return Err(ApiError::field("/q", "is required"));
    }
    let filter = parse_filter(&caller.0, &query.0)?;
    let sort = query.0.sort.as_deref().map(autocrm_store::tickets::TicketSort::parse).transpose()?.unwrap_or_default();
    let page =
        autocrm_store::tickets::list(&app.store, &caller.0, &filter, sort, query.0.limit, query.0.cursor.as_deref())
            .await?;
    let mut out = Vec::with_capacity(page.data.len());
    for v in page.data {
        out.push(super::tickets::ticket_out(&app, &caller.0, v).await?);
    }
    Ok(Json(TicketList { data: out, next_cursor: page.next_cursor, count: None }))
}

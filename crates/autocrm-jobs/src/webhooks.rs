//! Webhook delivery: one attempt per job run, signed per Standard Webhooks.
//!
//! Invariants:
//! - The destination is checked at send, not only at save: the URL by
//!   [`parse_destination`], and for a domain host *every* resolved address by
//!   [`check_ip`]. The request is then pinned to those checked addresses
//!   (a per-request client with resolve overrides), so a DNS answer that
//!   changes between check and connect (rebinding) cannot redirect it.
//!   Proxies from the environment are ignored for the same reason.
//! - Redirects are never followed; a 3xx is a failed attempt.
//! - `webhook-id` is stable across every attempt (and manual redelivery) of
//!   one event to one subscription, so receivers can deduplicate.
//! - Every attempt is logged. A 2xx completes the job; a 410 disables the
//!   subscription; anything else is retried on the domain's schedule (about
//!   three days) and disables the subscription when the schedule runs out.
//! - A job whose subscription is gone or disabled, or whose event is gone,
//!   completes without sending.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use autocrm_domain::Principal;
use autocrm_domain::ssrf::{AllowList, DestinationError, check_ip, parse_destination};
use autocrm_store::entity::jobs as job_rows;
use autocrm_store::webhooks::Attempt;
use autocrm_store::{HubEvent, Store, StoreError, StoreResult, events, jobs, webhooks};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Host;

/// `user-agent` of every delivery.
pub const USER_AGENT: &str = "AutoCRM-Webhooks/1";

/// How much of a response body the delivery log keeps.
pub const SNIPPET_BYTES: usize = 500;

/// The payload of a [`jobs::WEBHOOK_DELIVERY`] job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryJob {
    /// The subscription.
    pub webhook_id: i64,
    /// The event's seq in the job's workspace.
    pub seq: i64,
}

/// The `webhook-id` of an event sent to a subscription: the same on every
/// attempt and redelivery.
pub fn message_id(workspace_id: i64, webhook_id: i64, seq: i64) -> String {
    format!("msg_{workspace_id}_{webhook_id}_{seq}")
}

/// The request body for an event (Standard Webhooks shape): `type`,
/// `timestamp` (when the event happened) and `data`, which is the event's
/// data plus its `seq` and `workspace_id`.
pub fn payload(event: &HubEvent) -> Value {
    let mut data = match &event.data {
        Value::Object(map) => map.clone(),
        // Events always carry objects; anything else is kept, not lost.
        other => serde_json::Map::from_iter([("value".to_owned(), other.clone())]),
    };
    data.insert("seq".to_owned(), json!(event.seq));
    data.insert("workspace_id".to_owned(), json!(event.workspace_id));
    json!({
        "type": event.r#type,
        "timestamp": event.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
}

/// What one attempt to send came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The receiver answered (any status; redirects are not followed).
    Answered {
        /// HTTP status.
        status: u16,
        /// The first [`SNIPPET_BYTES`] of the body, lossy UTF-8.
        snippet: String,
    },
    /// The destination broke the SSRF rules; nothing was sent.
    Refused(DestinationError),
    /// No answer: DNS, connection, TLS, timeout, or an unusable secret.
    Failed(String),
}

impl Sent {
    /// Whether the receiver accepted the message (2xx).
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Answered { status, .. } if (200..300).contains(status))
    }

    /// The error the delivery log records, `None` on success.
    pub fn error(&self) -> Option<String> {
        match self {
            Self::Answered { status, .. } if (200..300).contains(status) => None,
            Self::Answered { status, .. } if (300..400).contains(status) => {
                Some(format!("HTTP {status}: redirects are not followed"))
            }
            Self::Answered { status, .. } => Some(format!("HTTP {status}")),
            Self::Refused(e) => Some(format!("destination refused: {e}")),
            Self::Failed(e) => Some(e.clone()),
        }
    }
}

/// Sends signed webhook requests to checked, pinned destinations.
#[derive(Debug, Clone)]
pub struct Deliverer {
    allow: AllowList,
    timeout: Duration,
}

impl Deliverer {
    /// A sender with an allow-list for non-public networks and a request
    /// timeout (also used for the DNS lookup).
    ///
    /// Uses the process's rustls crypto provider; installs `ring` when the
    /// embedding binary has not installed one.
    pub fn new(allow: AllowList, timeout: Duration) -> Self {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race with another installer is fine: one provider wins.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        Self { allow, timeout }
    }

    /// One attempt: checks the destination, signs `body` for `msg_id` at
    /// `now` and POSTs it to `url`.
    pub async fn send(&self, url: &str, secret: &str, msg_id: &str, now: DateTime<Utc>, body: &[u8]) -> Sent {
        let (url, _) = match parse_destination(url, &self.allow) {
            Ok(parsed) => parsed,
            Err(e) => return Sent::Refused(e),
        };
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            // The only names this client can resolve are the pinned overrides below.
            .dns_resolver(Arc::new(NoDns))
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent(USER_AGENT);
        if let Some(Host::Domain(host)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            match self.resolve_checked(host, port).await {
                Ok(addrs) => builder = builder.resolve_to_addrs(host, &addrs),
                Err(e) => return Sent::Refused(e),
            }
        }
        // IP-literal hosts were checked by `parse_destination` and need no DNS.
        let client = match builder.build() {
            Ok(c) => c,
            Err(e) => return Sent::Failed(error_chain(&e.without_url())),
        };
        let timestamp = now.timestamp();
        let Some(signature) = autocrm_domain::webhooks::sign(secret, msg_id, timestamp, body) else {
            return Sent::Failed("the subscription's secret is not a valid whsec_ key".to_owned());
        };
        let response = client
            .post(url)
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await;
        match response {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let snippet = read_snippet(&mut resp).await;
                Sent::Answered { status, snippet }
            }
            Err(e) => Sent::Failed(error_chain(&e.without_url())),
        }
    }

    /// Resolves `host` and checks every address; all must pass.
    async fn resolve_checked(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, DestinationError> {
        let lookup = tokio::time::timeout(self.timeout, tokio::net::lookup_host((host, port))).await;
        let addrs: Vec<SocketAddr> = match lookup {
            Ok(Ok(addrs)) => addrs.collect(),
            Ok(Err(_)) | Err(_) => return Err(DestinationError::Unresolvable),
        };
        if addrs.is_empty() {
            return Err(DestinationError::Unresolvable);
        }
        // One bad address refuses the host: otherwise a name could mix a
        // public address with an internal one and win half the connections.
        for addr in &addrs {
            check_ip(addr.ip(), &self.allow)?;
        }
        Ok(addrs)
    }
}

/// A resolver that resolves nothing: the per-request client's resolve
/// overrides (the checked addresses) are consulted before it, so a name that
/// somehow missed them fails instead of reaching unchecked DNS.
struct NoDns;

impl reqwest::dns::Resolve for NoDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let error = format!("`{}` was not resolved and checked before sending", name.as_str());
        Box::pin(std::future::ready(Err(error.into())))
    }
}

/// Reads at most [`SNIPPET_BYTES`] of the body; the rest is never downloaded.
async fn read_snippet(resp: &mut reqwest::Response) -> String {
    let mut buf = Vec::new();
    while buf.len() < SNIPPET_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk),
            // A body cut short still leaves the status, which is what counts.
            Ok(None) | Err(_) => break,
        }
    }
    buf.truncate(SNIPPET_BYTES);
    // Drop a character cut in half by the limit rather than log a U+FFFD for it.
    if let Err(e) = std::str::from_utf8(&buf)
        && e.error_len().is_none()
    {
        buf.truncate(e.valid_up_to());
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// `error: cause: cause`, since reqwest's top-level message hides the reason.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let msg = s.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        source = s.source();
    }
    out
}

/// Runs a [`jobs::WEBHOOK_DELIVERY`] job: one attempt, logged, then the job
/// is completed or rescheduled. Errors are the store's; the worker retries.
pub(crate) async fn run_delivery(store: &Store, deliverer: &Deliverer, job: &job_rows::Model) -> anyhow::Result<()> {
    let ws = job.workspace_id;
    let Ok(DeliveryJob { webhook_id, seq }) = serde_json::from_value::<DeliveryJob>(job.payload.clone()) else {
        tracing::warn!(job = job.id, payload = %job.payload, "malformed webhook job; dropping it");
        return Ok(jobs::complete(store, job.id).await?);
    };
    let hook = webhooks::get_any(store, ws, webhook_id).await.context("loading the subscription")?;
    let Some(hook) = hook.filter(|h| h.enabled) else {
        // Deleted or disabled since the job was queued.
        return Ok(jobs::complete(store, job.id).await?);
    };
    let Some(event) = events::get(store, ws, seq).await.context("loading the event")? else {
        tracing::warn!(job = job.id, ws, seq, "the event of a webhook job is gone; dropping the job");
        return Ok(jobs::complete(store, job.id).await?);
    };

    let attempt = job.attempts.max(1);
    let msg_id = message_id(ws, hook.id, seq);
    let body = serde_json::to_vec(&payload(&event)).context("serialising the payload")?;
    let started = tokio::time::Instant::now();
    let sent = deliverer.send(&hook.url, &hook.secret, &msg_id, store.now(), &body).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);

    let mut record = Attempt {
        webhook_id: hook.id,
        event_seq: seq,
        event_type: event.r#type.clone(),
        msg_id,
        attempt,
        status_code: match &sent {
            Sent::Answered { status, .. } => Some(i32::from(*status)),
            _ => None,
        },
        ok: sent.is_success(),
        error: sent.error(),
        response_snippet: match &sent {
            Sent::Answered { snippet, .. } => Some(snippet.clone()),
            _ => None,
        },
        duration_ms,
        next_attempt_at: None,
    };
    tracing::debug!(webhook = hook.id, seq, attempt, ok = record.ok, error = ?record.error, "webhook attempt");

    if record.ok {
        webhooks::log_attempt(store, ws, record).await?;
        return Ok(jobs::complete(store, job.id).await?);
    }
    if matches!(sent, Sent::Answered { status: 410, .. }) {
        webhooks::log_attempt(store, ws, record).await?;
        tracing::info!(webhook = hook.id, ws, "receiver answered 410 Gone; disabling the subscription");
        webhooks::disable(store, ws, hook.id, "410 Gone").await?;
        return Ok(jobs::complete(store, job.id).await?);
    }
    let error = record.error.clone().unwrap_or_default();
    if let Some(delay) = autocrm_domain::webhooks::next_retry_delay(attempt as u32) {
        let next = store.now() + chrono::Duration::seconds(delay);
        record.next_attempt_at = Some(next);
        webhooks::log_attempt(store, ws, record).await?;
        jobs::retry_at(store, job.id, next, &error).await?;
    } else {
        webhooks::log_attempt(store, ws, record).await?;
        tracing::warn!(
            webhook = hook.id,
            ws,
            attempts = attempt,
            "webhook retries exhausted; disabling the subscription"
        );
        webhooks::disable(store, ws, hook.id, "retries exhausted").await?;
        jobs::complete(store, job.id).await?;
    }
    Ok(())
}

/// Queues a fresh delivery of event `seq` to subscription `webhook_id`
/// (the API's "redeliver" action), due now, with a fresh retry schedule.
///
/// The message keeps its `webhook-id`, so a receiver that already processed
/// it can recognise the duplicate. The job has no dedupe key on purpose: the
/// outbox key (`wh:{webhook}:{ws}:{seq}`) may still be taken by the original
/// job, and each redelivery request is meant to send again. Fails with
/// `NotFound` when the subscription or the event is not in `p`'s workspace.
/// A disabled subscription is not sent to: re-enable it first.
pub async fn enqueue_redelivery(store: &Store, p: &Principal, webhook_id: i64, seq: i64) -> StoreResult<()> {
    let hook = webhooks::get(store, p, webhook_id).await?;
    if events::get(store, p.workspace_id, seq).await?.is_none() {
        return Err(StoreError::NotFound);
    }
    let payload = json!({"webhook_id": hook.id, "seq": seq});
    jobs::enqueue(store, p.workspace_id, jobs::WEBHOOK_DELIVERY, payload, store.now(), None).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn event(data: Value) -> HubEvent {
        HubEvent {
            workspace_id: 7,
            seq: 42,
            r#type: "ticket.created".to_owned(),
            subject_type: "ticket".to_owned(),
            subject_id: Some(1),
            ticket_id: Some(1),
            requester_id: None,
            visibility: "public".to_owned(),
            actor_kind: "system".to_owned(),
            actor_id: None,
            actor_name: "System".to_owned(),
            data,
            at: DateTime::parse_from_rfc3339("2025-03-04T05:06:07.089Z").unwrap().with_timezone(&Utc),
        }
    }

    #[test]
    fn the_payload_wraps_the_event_data_with_its_seq_and_workspace() {
        let body = payload(&event(json!({"ticket": {"id": 1}})));
        assert_eq!(
            body,
            json!({
                "type": "ticket.created",
                "timestamp": "2025-03-04T05:06:07.089Z",
                "data": {"ticket": {"id": 1}, "seq": 42, "workspace_id": 7},
            })
        );
    }

    #[test]
    fn a_non_object_event_payload_is_kept_under_value() {
        assert_eq!(payload(&event(json!([1, 2])))["data"]["value"], json!([1, 2]));
    }

    #[tokio::test]
    async fn a_name_without_checked_addresses_is_never_looked_up() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().dns_resolver(Arc::new(NoDns)).build().unwrap();
        let err = client.get("http://example.com/").send().await.unwrap_err();
        let chain = error_chain(&err);
        assert!(chain.contains("`example.com` was not resolved and checked"), "{chain}");
    }

    #[test]
    fn the_message_id_names_workspace_subscription_and_event() {
        assert_eq!(message_id(1, 2, 3), "msg_1_2_3");
    }

    #[test]
    fn a_redirect_is_a_failure_and_only_2xx_succeeds() {
        let answered = |status| Sent::Answered { status, snippet: String::new() };
        assert!(answered(204).is_success());
        assert!(!answered(302).is_success());
        assert_eq!(answered(302).error().unwrap(), "HTTP 302: redirects are not followed");
        assert_eq!(answered(500).error().unwrap(), "HTTP 500");
        assert_eq!(answered(200).error(), None);
        assert!(Sent::Refused(DestinationError::LocalName).error().unwrap().starts_with("destination refused"));
    }
}

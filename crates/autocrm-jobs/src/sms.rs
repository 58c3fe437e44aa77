//! Channel work beyond e-mail: texting agents' replies through Twilio
//! (`channel.sms.send`) and sending them to API channels' reply URLs
//! (`channel.api.deliver`).
//!
//! Invariants: a send's outcome is recorded on its channel record (`sent`
//! with Twilio's SID, `delivered` by the status callback later, `failed`
//! with the provider's answer, `sending` while retrying); retryable errors
//! back off and try again, permanent ones fail at once. Twilio's 21610
//! (the recipient texted STOP to Twilio) suppresses the phone. An API
//! channel reply goes through the webhook [`Deliverer`]: the same SSRF
//! allow-list, pinned addresses, no redirects and Standard Webhooks
//! signature, with a `webhook-id` that stays the same on every attempt.

use std::time::Duration;

use autocrm_channels::sms::twilio::{SmsError, TwilioClient, TwilioConfig};
use autocrm_store::Store;
use autocrm_store::channels::{api, sms};
use autocrm_store::entity::jobs as job_rows;
use autocrm_store::jobs;

use crate::webhooks::{Deliverer, Sent};

pub use api::DELIVER_API;
pub use sms::SEND_SMS;

/// Attempts before a text message is marked failed (about a day with the back-off).
const MAX_ATTEMPTS: i32 = 12;

/// The Twilio request timeout.
const TWILIO_TIMEOUT: Duration = Duration::from_secs(15);

fn channel_message_id(job: &job_rows::Model) -> Option<i64> {
    job.payload["channel_message_id"].as_i64()
}

/// Where Twilio reports a number's delivery states.
pub fn status_callback_url(public_url: &str, public_id: &str) -> String {
    format!("{}/api/v1/channels/sms/{public_id}/twilio/status", public_url.trim_end_matches('/'))
}

/// Runs one [`SEND_SMS`] job.
pub async fn run_send(store: &Store, public_url: &str, job: &job_rows::Model) -> anyhow::Result<()> {
    let Some(id) = channel_message_id(job) else {
        tracing::error!(job = job.id, "an SMS job without its message; dropping it");
        return Ok(jobs::complete(store, job.id).await?);
    };
    let Some(out) = sms::prepare(store, id, public_url).await? else {
        return Ok(jobs::complete(store, job.id).await?);
    };
    let base_url = match url::Url::parse(&out.number.base_url) {
        Ok(u) => u,
        Err(e) => {
            sms::mark(store, id, "failed", Some(&format!("the number's API URL is invalid: {e}"))).await?;
            return Ok(jobs::complete(store, job.id).await?);
        }
    };
    let config = TwilioConfig {
        base_url,
        account_sid: out.number.account_sid.clone(),
        auth_token: out.number.auth_token.clone(),
        timeout: TWILIO_TIMEOUT,
    };
    let callback = status_callback_url(public_url, &out.number.public_id);
    let result = match TwilioClient::new(config) {
        Ok(client) => client.send(&out.number.phone, &out.to, &out.body, &[], Some(&callback)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(sent) => {
            sms::mark_accepted(store, id, &sent.sid, sent.status).await?;
            Ok(jobs::complete(store, job.id).await?)
        }
        Err(SmsError::Rejected { code, message, .. }) => {
            tracing::warn!(job = job.id, ?code, %message, "Twilio refused a text message");
            sms::mark_refused(store, id, code, &message).await?;
            Ok(jobs::complete(store, job.id).await?)
        }
        Err(e) if e.is_retryable() && job.attempts < MAX_ATTEMPTS => {
            let delay = crate::worker::infrastructure_backoff(job.attempts);
            sms::mark(store, id, "sending", Some(&format!("retrying: {e}"))).await?;
            Ok(jobs::retry_at(store, job.id, store.now() + delay, &e.to_string()).await?)
        }
        Err(e) => {
            tracing::warn!(job = job.id, error = %e, "a text message could not be sent");
            sms::mark(store, id, "failed", Some(&e.to_string())).await?;
            Ok(jobs::complete(store, job.id).await?)
        }
    }
}

/// Runs one [`DELIVER_API`] job: one signed POST, then sent, retried or failed.
pub async fn run_deliver(
    store: &Store,
    deliverer: &Deliverer,
    public_url: &str,
    job: &job_rows::Model,
) -> anyhow::Result<()> {
    let Some(id) = channel_message_id(job) else {
        tracing::error!(job = job.id, "an API channel job without its message; dropping it");
        return Ok(jobs::complete(store, job.id).await?);
    };
    let Some(d) = api::prepare(store, id, public_url).await? else {
        return Ok(jobs::complete(store, job.id).await?);
    };
    let sent = deliverer.send(&d.url, &d.secret, &d.msg_id, store.now(), &d.body).await;
    if sent.is_success() {
        let detail = match &sent {
            Sent::Answered { status, .. } => format!("HTTP {status}"),
            _ => String::new(),
        };
        api::mark(store, id, "sent", Some(&detail)).await?;
        return Ok(jobs::complete(store, job.id).await?);
    }
    let error = sent.error().unwrap_or_default();
    let permanent = matches!(sent, Sent::Refused(_) | Sent::Answered { status: 410, .. });
    let attempt = u32::try_from(job.attempts.max(1)).unwrap_or(1);
    if let Some(delay) = autocrm_domain::webhooks::next_retry_delay(attempt).filter(|_| !permanent) {
        api::mark(store, id, "sending", Some(&format!("retrying: {error}"))).await?;
        return Ok(jobs::retry_at(store, job.id, store.now() + chrono::Duration::seconds(delay), &error).await?);
    }
    tracing::warn!(job = job.id, %error, "an API channel reply could not be delivered");
    api::mark(store, id, "failed", Some(&error)).await?;
    Ok(jobs::complete(store, job.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_callback_url_is_under_the_public_url() {
        assert_eq!(
            status_callback_url("https://help.example.com/", "abc"),
            "https://help.example.com/api/v1/channels/sms/abc/twilio/status"
        );
    }
}

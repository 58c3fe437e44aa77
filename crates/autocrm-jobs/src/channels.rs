//! Channel work: sending queued customer e-mail (agents' replies and
//! notices) over SMTP, and polling mailboxes over IMAP.
//!
//! Invariants: a queued e-mail is rendered once and its exact bytes are
//! resent on retry (same Message-ID); its delivery state is recorded on
//! its channel record (`sent`, `failed` with the server's answer). A poll
//! saves the mailbox's UID cursor after every stored message, so a crash
//! re-fetches at most one message, which the store recognises as a
//! duplicate; a message the store could not take (database down) stops the
//! poll without moving the cursor, so nothing fetched is ever skipped.

use std::time::Duration;

use anyhow::Context as _;
use autocrm_channels::email::auth::Authenticator;
use autocrm_channels::email::imap::{self, Cursor};
use autocrm_store::channels::{email_in, email_out, mailboxes};
use autocrm_store::entity::{jobs as job_rows, mailboxes as mailbox_rows};
use autocrm_store::{Store, StoreError};
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};

pub use email_out::SEND_CHANNEL_EMAIL;

/// Attempts before a customer e-mail is marked failed (about a day with the back-off).
const MAX_ATTEMPTS: i32 = 12;

/// Messages fetched per mailbox per poll; a full batch polls again soon.
const FETCH_BATCH: usize = 200;

/// Runs one [`SEND_CHANNEL_EMAIL`] job.
pub async fn run_send(
    store: &Store,
    public_url: &str,
    mailer: Option<&crate::mail::Mailer>,
    job: &job_rows::Model,
) -> anyhow::Result<()> {
    let Some(id) = job.payload["channel_message_id"].as_i64() else {
        tracing::error!(job = job.id, "a channel e-mail job without its message; dropping it");
        return Ok(autocrm_store::jobs::complete(store, job.id).await?);
    };
    let prepared = match email_out::prepare(store, id, public_url).await {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(autocrm_store::jobs::complete(store, job.id).await?),
        Err(StoreError::Invalid(problems)) => {
            // A workspace template that does not render: an admin must fix it; say so on the message.
            let detail = problems.iter().map(|p| p.detail.clone()).collect::<Vec<_>>().join("; ");
            email_out::mark(store, id, "failed", Some(&format!("could not render: {detail}"))).await?;
            return Ok(autocrm_store::jobs::complete(store, job.id).await?);
        }
        Err(e) => return Err(e.into()),
    };
    let transport = match &prepared.smtp_url {
        Some(url) => Some(transport_for(url)?),
        None => mailer.map(crate::mail::Mailer::transport),
    };
    let Some(transport) = transport else {
        email_out::mark(store, id, "failed", Some("no SMTP server is configured (mailbox or [mail] smtp_url)")).await?;
        return Ok(autocrm_store::jobs::complete(store, job.id).await?);
    };
    let envelope = Envelope::new(
        Some(prepared.from.parse().context("the mailbox address")?),
        prepared.recipients.iter().filter_map(|r| r.parse().ok()).collect(),
    )
    .context("the envelope")?;
    match transport.send_raw(&envelope, &prepared.raw).await {
        Ok(response) => {
            let detail = response.message().collect::<Vec<_>>().join(" ");
            email_out::mark(store, id, "sent", Some(&detail)).await?;
            Ok(autocrm_store::jobs::complete(store, job.id).await?)
        }
        Err(e) if e.is_permanent() || job.attempts >= MAX_ATTEMPTS => {
            tracing::warn!(job = job.id, error = %e, "a customer e-mail could not be sent");
            email_out::mark(store, id, "failed", Some(&e.to_string())).await?;
            Ok(autocrm_store::jobs::complete(store, job.id).await?)
        }
        Err(e) => {
            let delay = crate::worker::infrastructure_backoff(job.attempts);
            email_out::mark(store, id, "sending", Some(&format!("retrying: {e}"))).await?;
            Ok(autocrm_store::jobs::retry_at(store, job.id, store.now() + delay, &e.to_string()).await?)
        }
    }
}

fn transport_for(url: &str) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .context("the mailbox's SMTP URL is not valid")?
        .timeout(Some(Duration::from_secs(30)))
        .build())
}

/// Polls every mailbox that is due, once. Returns how many messages were stored.
pub async fn poll_due(store: &Store, accept_invalid_certs: bool) -> anyhow::Result<usize> {
    let claimed = mailboxes::claim_due(store, 4, chrono::Duration::minutes(10)).await?;
    let mut stored = 0;
    for mailbox in claimed {
        let (n, full, error) = match poll_one(store, &mailbox, accept_invalid_certs).await {
            Ok((n, full)) => (n, full, None),
            Err(e) => {
                tracing::warn!(mailbox = %mailbox.address, error = %format!("{e:#}"), "polling a mailbox failed");
                (0, false, Some(format!("{e:#}")))
            }
        };
        stored += n;
        let interval = chrono::Duration::seconds(mailbox.poll_interval_secs.max(1));
        let next = if full {
            store.now()
        } else if error.is_some() {
            // Back off on errors, but never longer than five intervals.
            store.now() + interval * 2
        } else {
            store.now() + interval
        };
        mailboxes::finish_poll(store, mailbox.id, next, error.as_deref()).await?;
    }
    Ok(stored)
}

async fn poll_one(store: &Store, m: &mailbox_rows::Model, accept_invalid_certs: bool) -> anyhow::Result<(usize, bool)> {
    let settings = mailboxes::imap_settings(m, accept_invalid_certs).context("incomplete IMAP settings")?;
    let cursor = match (m.imap_uid_validity, m.imap_last_uid) {
        (Some(v), Some(u)) => Some(Cursor { uid_validity: u32::try_from(v)?, last_uid: u32::try_from(u)? }),
        _ => None,
    };
    let fetched = imap::fetch_new(&settings, cursor, FETCH_BATCH).await.context("IMAP")?;
    let full = fetched.messages.len() >= FETCH_BATCH;
    let auth = Authenticator::system().ok();
    let mut stored = 0;
    for msg in &fetched.messages {
        if email_in::known_duplicate(store, m, &msg.raw).await?.is_some() {
            mailboxes::save_cursor(store, m.id, fetched.uid_validity, msg.uid).await?;
            continue;
        }
        let results = match &auth {
            // DKIM and DMARC from the message itself; SPF needs the client, which IMAP does not tell.
            Some(a) => Some(a.verify(&msg.raw, None, None, None).await),
            None => None,
        };
        match email_in::ingest(store, m, &msg.raw, results).await {
            Ok(_) => stored += 1,
            Err(StoreError::Invalid(problems)) => {
                // Not an e-mail at all: nothing to store; skip it rather than stall the mailbox.
                tracing::warn!(mailbox = %m.address, uid = msg.uid, ?problems, "skipping a message that is not e-mail");
            }
            Err(e) => return Err(e).context("storing a fetched message"),
        }
        mailboxes::save_cursor(store, m.id, fetched.uid_validity, msg.uid).await?;
    }
    if fetched.messages.is_empty() {
        // Record the folder's UIDVALIDITY even when it is empty, so the next poll resumes.
        let last = u32::try_from(m.imap_last_uid.unwrap_or(0)).unwrap_or(0);
        if m.imap_uid_validity != Some(i64::from(fetched.uid_validity)) {
            mailboxes::save_cursor(store, m.id, fetched.uid_validity, last).await?;
        }
    }
    Ok((stored, full))
}

/// Runs one [`autocrm_store::notifications::NOTIFY_AGENT`] job: e-mails an
/// agent that they were assigned a ticket or mentioned in a note, rendered
/// with the workspace's template in its locale, through the server's
/// `[mail]` (marked `Auto-Submitted: auto-generated`). Without `[mail]`
/// the in-app notification is all there is.
pub async fn run_notify_agent(
    store: &Store,
    public_url: &str,
    mailer: Option<&crate::mail::Mailer>,
    job: &job_rows::Model,
) -> anyhow::Result<()> {
    use autocrm_channels::email::templates::{Notice, render};
    use autocrm_store::entity::{tickets, users, workspaces};
    use sea_orm::EntityTrait as _;
    let Some(mailer) = mailer else {
        return Ok(autocrm_store::jobs::complete(store, job.id).await?);
    };
    let p = &job.payload;
    let notice = if p["kind"] == "mention" { Notice::Mentioned } else { Notice::Assigned };
    let conn = store.connection();
    let user = users::Entity::find_by_id(p["user_id"].as_i64().unwrap_or_default()).one(conn).await?;
    let ticket = tickets::Entity::find_by_id(p["ticket_id"].as_i64().unwrap_or_default()).one(conn).await?;
    let ws = workspaces::Entity::find_by_id(job.workspace_id).one(conn).await?;
    let (Some(user), Some(ticket), Some(ws)) = (user, ticket, ws) else {
        return Ok(autocrm_store::jobs::complete(store, job.id).await?);
    };
    if !user.active || ticket.workspace_id != ws.id {
        return Ok(autocrm_store::jobs::complete(store, job.id).await?);
    }
    let set = email_out::template_for(conn, ws.id, notice, &ws.locale).await?;
    let base = public_url.trim_end_matches('/');
    let ctx = serde_json::json!({
        "workspace": {"name": ws.name},
        "ticket": {"number": ticket.number, "subject": ticket.subject, "url": format!("{base}/tickets/{}", ticket.id)},
        "agent": {"name": user.name},
        "actor": {"name": p["actor_name"]},
        "excerpt": p["excerpt"],
    });
    let rendered = match render(&set, &ctx) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(job = job.id, error = %e, "an agent notification template does not render; dropping the e-mail");
            return Ok(autocrm_store::jobs::complete(store, job.id).await?);
        }
    };
    let email = autocrm_store::jobs::Email {
        to: user.email.clone(),
        to_name: user.name.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
    };
    match mailer.send(&email).await {
        Ok(()) => Ok(autocrm_store::jobs::complete(store, job.id).await?),
        Err(e) if job.attempts >= MAX_ATTEMPTS => {
            tracing::error!(job = job.id, error = %format!("{e:#}"), "giving up on an agent notification e-mail");
            Ok(autocrm_store::jobs::complete(store, job.id).await?)
        }
        Err(e) => {
            let delay = crate::worker::infrastructure_backoff(job.attempts);
            Ok(autocrm_store::jobs::retry_at(store, job.id, store.now() + delay, &format!("{e:#}")).await?)
        }
    }
}

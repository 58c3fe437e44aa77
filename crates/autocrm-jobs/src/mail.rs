//! Outbound e-mail for the system's own messages (invitations), sent by the
//! jobs queue over SMTP: a message is enqueued as an `email.send` job and
//! retried with back-off until the server accepts it.
//!
//! The server is one `smtp_url` (lettre's URL form: `smtp://host:25`,
//! `smtp://user:pass@host:587?tls=required` for STARTTLS, `smtps://host:465`).

use std::time::Duration;

use anyhow::Context as _;
use autocrm_store::Store;
use autocrm_store::entity::jobs as job_rows;
pub use autocrm_store::jobs::{Email, SEND_EMAIL};
use lettre::message::{Mailbox, MultiPart, header::HeaderName, header::HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

/// Attempts before a message is given up (about a day with the back-off).
const MAX_ATTEMPTS: i32 = 12;

/// Where system e-mail goes out.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// lettre SMTP URL.
    pub smtp_url: String,
    /// The sender (`AutoCRM <no-reply@shop.example>`).
    pub from: String,
}

/// An SMTP sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// A sender from the configuration (checked at start-up).
    pub fn new(cfg: &MailConfig) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)
            .context("mail.smtp_url is not a valid SMTP URL")?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = cfg.from.parse::<Mailbox>().context("mail.from is not a valid address")?;
        Ok(Self { transport, from })
    }

    /// The SMTP transport (also used for customer e-mail from mailboxes
    /// without their own server).
    pub fn transport(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        self.transport.clone()
    }

    /// Sends one message (text + HTML, marked as automatically generated).
    pub async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let to = Mailbox::new(Some(email.to_name.clone()), email.to.parse().context("recipient address")?);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()))
            .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
            .context("building the message")?;
        self.transport.send(message).await.context("the SMTP server refused the message")?;
        Ok(())
    }
}

/// Runs one `email.send` job: sends, or reschedules with back-off, or gives up
/// after [`MAX_ATTEMPTS`] (logged with the job's last error).
pub async fn run_send(store: &Store, mailer: Option<&Mailer>, job: &job_rows::Model) -> anyhow::Result<()> {
    let email: Email = match serde_json::from_value(job.payload.clone()) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(job = job.id, error = %e, "an e-mail job with an unreadable payload; dropping it");
            return Ok(autocrm_store::jobs::complete(store, job.id).await?);
        }
    };
    let Some(mailer) = mailer else {
        tracing::warn!(job = job.id, "no mail server is configured ([mail] smtp_url); the e-mail is dropped");
        return Ok(autocrm_store::jobs::complete(store, job.id).await?);
    };
    match mailer.send(&email).await {
        Ok(()) => Ok(autocrm_store::jobs::complete(store, job.id).await?),
        Err(e) if job.attempts >= MAX_ATTEMPTS => {
            tracing::error!(job = job.id, attempts = job.attempts, error = %format!("{e:#}"), "giving up on an e-mail");
            Ok(autocrm_store::jobs::complete(store, job.id).await?)
        }
        Err(e) => {
            let delay = crate::worker::infrastructure_backoff(job.attempts);
            tracing::warn!(job = job.id, error = %format!("{e:#}"), "sending an e-mail failed; retrying in {}s", delay.num_seconds());
            Ok(autocrm_store::jobs::retry_at(store, job.id, store.now() + delay, &format!("{e:#}")).await?)
        }
    }
}

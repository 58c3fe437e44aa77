//! The job loop: claim due jobs, run them, sleep until there is work.
//!
//! Invariants:
//! - Whoever ran a job removes it (`complete`) or reschedules it
//!   (`retry_at`). A worker that dies leaves its lease to expire and the job
//!   runs again, so handlers must be idempotent enough for at-least-once.
//! - The in-process wake-up is registered *before* each claim: an enqueue
//!   that races with an empty claim still wakes the loop.
//! - The loop sleeps until the earliest `run_at`, the wake-up or the poll
//!   interval, whichever comes first. The poll interval is the safety net for
//!   jobs enqueued by another process, whose wake-up never reaches this one.
//! - Time comes from the store's clock; only sleeping uses the real timer.

use std::sync::Arc;
use std::time::Duration;

use autocrm_domain::ssrf::AllowList;
use autocrm_store::Store;
use autocrm_store::StoreResult;
use autocrm_store::entity::jobs as job_rows;
use autocrm_store::jobs;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::webhooks::{self, Deliverer};

/// How the workers run.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Concurrent worker loops.
    pub workers: usize,
    /// Jobs one loop claims per round; they run concurrently.
    pub batch: u64,
    /// How long a claim holds a job before another worker may take it. Must
    /// exceed the longest job: a webhook attempt takes at most
    /// `request_timeout` for DNS plus `request_timeout` for the request.
    pub lease: Duration,
    /// The longest idle sleep between two claims.
    pub poll_interval: Duration,
    /// Non-public networks webhook destinations may reach anyway (tests,
    /// on-premises receivers). Empty in production.
    pub allow_networks: AllowList,
    /// Timeout of one webhook request, connection to last body byte.
    pub request_timeout: Duration,
    /// The SMTP server for system e-mail; `None` drops e-mail jobs with a warning.
    pub mail: Option<crate::mail::MailConfig>,
    /// Where people reach the app, for links in customer e-mail.
    pub public_url: String,
    /// How often mailboxes are checked for a due IMAP poll (each mailbox has its own interval).
    pub imap_tick: Duration,
    /// Accept self-signed IMAP certificates (loopback test servers only).
    pub imap_accept_invalid_certs: bool,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            workers: 2,
            batch: 8,
            lease: Duration::from_mins(2),
            poll_interval: Duration::from_secs(1),
            allow_networks: AllowList::default(),
            request_timeout: Duration::from_secs(10),
            mail: None,
            public_url: "http://127.0.0.1:8080".into(),
            imap_tick: Duration::from_secs(5),
            imap_accept_invalid_certs: false,
        }
    }
}

/// One job runner: the store, the configuration and the webhook sender.
/// Cheap to clone; [`spawn_workers`] runs several loops of one `Worker`.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    cfg: Arc<WorkerConfig>,
    deliverer: Arc<Deliverer>,
    mailer: Option<crate::mail::Mailer>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("cfg", &self.cfg).finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker over `store`. A mail configuration that does not parse
    /// leaves e-mail jobs undeliverable (logged); `serve` checks it at start.
    pub fn new(store: Store, cfg: WorkerConfig) -> Self {
        let deliverer = Deliverer::new(cfg.allow_networks.clone(), cfg.request_timeout);
        let mailer = cfg.mail.as_ref().and_then(|m| {
            crate::mail::Mailer::new(m)
                .map_err(|e| tracing::error!(error = %format!("{e:#}"), "mail is not usable"))
                .ok()
        });
        Self { store, cfg: Arc::new(cfg), deliverer: Arc::new(deliverer), mailer }
    }

    /// The store it works on.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Claims one batch of due jobs and runs them to the end, concurrently.
    /// Returns how many were claimed.
    pub async fn run_round(&self) -> StoreResult<usize> {
        let lease = chrono::Duration::from_std(self.cfg.lease).unwrap_or_else(|_| chrono::Duration::minutes(2));
        let claimed = jobs::claim(&self.store, self.cfg.batch.max(1), lease).await?;
        let n = claimed.len();
        let mut running = JoinSet::new();
        for job in claimed {
            let worker = self.clone();
            running.spawn(async move { worker.run_job(job).await });
        }
        while let Some(joined) = running.join_next().await {
            if let Err(e) = joined {
                // A panicking job keeps its lease and runs again when it expires.
                tracing::error!(error = %e, "a job panicked");
            }
        }
        Ok(n)
    }

    /// Runs rounds until no job is due (by the store's clock). Returns how
    /// many jobs ran. Tests drive time with this and an injected clock.
    pub async fn run_due(&self) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            let n = self.run_round().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Runs one claimed job and settles it: completed, or rescheduled.
    pub async fn run_job(&self, job: job_rows::Model) {
        let result = match job.kind.as_str() {
            jobs::WEBHOOK_DELIVERY => webhooks::run_delivery(&self.store, &self.deliverer, &job).await,
            crate::mail::SEND_EMAIL => crate::mail::run_send(&self.store, self.mailer.as_ref(), &job).await,
            autocrm_store::notifications::NOTIFY_AGENT => {
                crate::channels::run_notify_agent(&self.store, &self.cfg.public_url, self.mailer.as_ref(), &job).await
            }
            crate::channels::SEND_CHANNEL_EMAIL => {
                crate::channels::run_send(&self.store, &self.cfg.public_url, self.mailer.as_ref(), &job).await
            }
            crate::sms::SEND_SMS => crate::sms::run_send(&self.store, &self.cfg.public_url, &job).await,
            crate::sms::DELIVER_API => {
                crate::sms::run_deliver(&self.store, &self.deliverer, &self.cfg.public_url, &job).await
            }
            autocrm_store::ai::RETRAIN => run_retrain(&self.store, &job).await,
            other => {
                tracing::warn!(job = job.id, kind = other, "unknown job kind; dropping the job");
                jobs::complete(&self.store, job.id).await.map_err(Into::into)
            }
        };
        if let Err(e) = result {
            // The handler could not settle the job (the database, most likely):
            // back off and try again rather than lose it.
            let delay = infrastructure_backoff(job.attempts);
            let error = format!("{e:#}");
            tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %error, "job failed; retrying in {}s", delay.num_seconds());
            if let Err(e) = jobs::retry_at(&self.store, job.id, self.store.now() + delay, &error).await {
                tracing::error!(job = job.id, error = %e, "could not reschedule the job; it runs again when its lease expires");
            }
        }
    }

    /// The loop: rounds while there is work, sleeps while there is none,
    /// returns when `shutdown` turns true or its sender is gone. A round in
    /// progress finishes first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let wake = self.store.jobs_wake();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let notified = wake.notified();
            tokio::pin!(notified);
            // Registered now, so an enqueue during the claim below is not missed.
            notified.as_mut().enable();
            let pause = match self.run_round().await {
                Ok(0) => self.idle_pause().await,
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "could not claim jobs");
                    self.cfg.poll_interval
                }
            };
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(pause) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// The IMAP loop: every `imap_tick`, polls the mailboxes that are due
    /// (each node runs one; a lease keeps two nodes off the same mailbox).
    pub async fn poll_mailboxes(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            if let Err(e) = crate::channels::poll_due(&self.store, self.cfg.imap_accept_invalid_certs).await {
                tracing::error!(error = %format!("{e:#}"), "mailbox polling failed");
            }
            tokio::select! {
                () = tokio::time::sleep(self.cfg.imap_tick) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// How long to sleep when nothing was due.
    async fn idle_pause(&self) -> Duration {
        let poll = self.cfg.poll_interval;
        match jobs::next_run_at(&self.store).await {
            // A job that is due but was not claimed is leased by another
            // worker; `run_at` says nothing about when it frees up, so poll.
            Ok(Some(at)) => {
                (at - self.store.now()).to_std().ok().filter(|d| !d.is_zero()).map_or(poll, |d| d.min(poll))
            }
            Ok(None) => poll,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the next job time");
                poll
            }
        }
    }
}

/// Retry delay after a handler error: 30 s doubling up to an hour.
pub(crate) fn infrastructure_backoff(attempts: i32) -> chrono::Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 7) as u32;
    chrono::Duration::seconds((30_i64 << exp).min(3600))
}

/// Running worker loops; stop them with [`WorkerHandle::shutdown`].
/// Dropping the handle stops them too (after their current round).
#[derive(Debug)]
pub struct WorkerHandle {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Asks every loop to stop and waits until in-flight jobs have settled.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a worker loop panicked");
            }
        }
    }
}

/// Starts `cfg.workers` loops (at least one) on the current tokio runtime.
#[must_use = "dropping the handle stops the workers"]
pub fn spawn_workers(store: Store, cfg: WorkerConfig) -> WorkerHandle {
    let loops = cfg.workers.max(1);
    let worker = Worker::new(store, cfg);
    let (tx, rx) = watch::channel(false);
    let mut tasks: Vec<JoinHandle<()>> = (0..loops).map(|_| tokio::spawn(worker.clone().run(rx.clone()))).collect();
    tasks.push(tokio::spawn(worker.poll_mailboxes(rx)));
    WorkerHandle { shutdown: tx, tasks }
}

/// Retrains a workspace's classifiers from its agents' categories (the job a
/// correction schedules; corrections within its delay share one run).
async fn run_retrain(store: &Store, job: &job_rows::Model) -> anyhow::Result<()> {
    let models = autocrm_store::ai::retrain(store, job.workspace_id).await?;
    tracing::info!(workspace = job.workspace_id, models = models.len(), "retrained the classifiers");
    Ok(jobs::complete(store, job.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infrastructure_backoff_doubles_and_stops_at_an_hour() {
        assert_eq!(infrastructure_backoff(1).num_seconds(), 30);
        assert_eq!(infrastructure_backoff(2).num_seconds(), 60);
        assert_eq!(infrastructure_backoff(50).num_seconds(), 3600);
        assert_eq!(infrastructure_backoff(0).num_seconds(), 30);
    }
}

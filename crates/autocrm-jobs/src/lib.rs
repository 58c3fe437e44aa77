//! `AutoCRM`'s background work: the job workers and what they run.
//!
//! Jobs live in the store's `jobs` table (see `autocrm_store::jobs`). The
//! [`worker`] module claims due jobs with a lease and dispatches them by
//! `kind`; [`webhooks`] delivers events to subscriptions; [`mail`] sends the
//! system's own e-mail (invitations) over SMTP; [`channels`] and [`sms`] send
//! customers' e-mail, text messages and API channel replies. Delivery is
//! at-least-once: a job is removed only after its handler finished, so a
//! crash or an expired lease runs it again, and every handler tolerates that.
//!
//! `serve` runs [`spawn_workers`] next to the HTTP server; `worker` runs it alone.

pub mod channels;
pub mod mail;
pub mod sms;
pub mod webhooks;
pub mod worker;

pub use webhooks::{Deliverer, Sent, enqueue_redelivery};
pub use worker::{Worker, WorkerConfig, WorkerHandle, spawn_workers};

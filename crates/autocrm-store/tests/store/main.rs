//! Store tests: the Store API called directly over a fresh real database
//! (SQLite, or PostgreSQL when `AUTOCRM_TEST_POSTGRES_URL` is set), with an
//! injected clock so time is a parameter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines, clippy::missing_panics_doc)]

mod support;

mod attachments;
mod bulk;
mod channels;
mod chat;
mod counters;
mod events;
mod invitations;
mod isolation;
mod jobs;
mod kb;
mod merge;
mod notifications;
mod pagination;
mod portal;
mod requesters;
mod search;
mod sessions;
mod sms_notices;
mod tags;
mod tutorials;
mod workspaces;

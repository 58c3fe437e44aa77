//! API tests: the real server on port 0 over a fresh real database
//! (SQLite, or PostgreSQL when `AUTOCRM_TEST_POSTGRES_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines, clippy::match_same_arms)]

mod ai;
mod attachments;
mod authorization;
mod bad_input;
mod chatbot;
mod cluster;
mod commerce;
mod email;
mod email_corpus;
mod invitations;
mod kb;
mod limits;
mod macros;
mod mentions;
mod portal;
mod presence;
mod realtime;
mod reports;
mod sessions;
mod sms;
mod tags;
mod tickets;
mod tutorials;
mod views;
mod web;
mod widget;
mod workspace;

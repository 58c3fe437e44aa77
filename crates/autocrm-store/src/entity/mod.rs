//! SeaORM entities, one per table; generated from the core migration's columns.
#![allow(missing_docs, clippy::pedantic)]

pub mod workspaces;
pub mod counters;
pub mod users;
pub mod sessions;
pub mod api_keys;
pub mod companies;
pub mod contacts;
pub mod teams;
pub mod statuses;
pub mod custom_field_defs;
pub mod tickets;
pub mod ticket_tags;
pub mod messages;
pub mod attachments;
pub mod events;
pub mod webhooks;
pub mod webhook_deliveries;
pub mod jobs;

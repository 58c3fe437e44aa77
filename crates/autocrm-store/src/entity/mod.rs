//! SeaORM entities, one per table; generated from the core migration's columns.
#![allow(missing_docs, clippy::pedantic)]

pub mod api_channels;
pub mod api_keys;
pub mod attachments;
pub mod channel_conversations;
pub mod channel_messages;
pub mod channel_settings;
pub mod channel_suppressions;
pub mod companies;
pub mod contact_channel_prefs;
pub mod contacts;
pub mod counters;
pub mod custom_field_defs;
pub mod events;
pub mod invitations;
pub mod jobs;
pub mod macros;
pub mod mailboxes;
pub mod messages;
pub mod notification_templates;
pub mod notifications;
pub mod sessions;
pub mod sms_numbers;
pub mod statuses;
pub mod teams;
pub mod ticket_ccs;
pub mod ticket_tags;
pub mod tickets;
pub mod users;
pub mod views;
pub mod webhook_deliveries;
pub mod webhooks;
pub mod workspaces;

//! Channels: mailboxes, SMS numbers and API channels per workspace; the
//! channel side of every message (Message-IDs, addresses, authentication
//! results, delivery state); ticket CCs; suppressions (opt-outs, STOP,
//! bounces); external conversations (SMS and API threads); per-workspace
//! notification templates and contacts' notification preferences.
//!
//! Invariant: `channel_messages_dedupe_key` stores an inbound message once
//! per workspace, whatever the concurrency of delivery.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the channel tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0008_channels"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, SQLITE, POSTGRES).await
    }
}

const SQLITE: &[&str] = &[
    r"CREATE TABLE channel_settings (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    reply_secret TEXT NOT NULL,
    auto_reply_enabled BOOLEAN NOT NULL DEFAULT 1,
    auto_per_ticket INTEGER NOT NULL DEFAULT 3,
    auto_per_ticket_window_secs INTEGER NOT NULL DEFAULT 3600,
    auto_per_workspace INTEGER NOT NULL DEFAULT 500,
    auto_per_workspace_window_secs INTEGER NOT NULL DEFAULT 3600,
    max_message_bytes INTEGER NOT NULL DEFAULT 26214400,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    r"CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,
    imap_host TEXT,
    imap_port INTEGER,
    imap_security TEXT NOT NULL DEFAULT 'tls' CHECK (imap_security IN ('tls','starttls','plain')),
    imap_username TEXT,
    imap_password TEXT,
    imap_folder TEXT NOT NULL DEFAULT 'INBOX',
    poll_interval_secs INTEGER NOT NULL DEFAULT 60,
    smtp_url TEXT,
    inbound_token_hash TEXT NOT NULL CONSTRAINT mailboxes_inbound_token_key UNIQUE,
    active BOOLEAN NOT NULL DEFAULT 1,
    imap_uid_validity INTEGER,
    imap_last_uid INTEGER,
    next_poll_at TEXT,
    poll_lease_until TEXT,
    last_polled_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT mailboxes_address_key UNIQUE (workspace_id, address)
)",
    r"CREATE TABLE channel_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
    message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('email','sms','api')),
    direction TEXT NOT NULL CHECK (direction IN ('in','out')),
    source_id INTEGER,
    external_id TEXT,
    dedupe_key TEXT,
    from_address TEXT NOT NULL,
    to_addresses TEXT NOT NULL,
    cc_addresses TEXT NOT NULL,
    subject TEXT NOT NULL,
    in_reply_to TEXT,
    refs TEXT NOT NULL,
    quoted_text TEXT NOT NULL,
    signature TEXT,
    full_html TEXT,
    auth TEXT NOT NULL,
    flags TEXT NOT NULL,
    raw_sha256 TEXT,
    automatic BOOLEAN NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('received','duplicate','rejected','queued','sending','sent','delivered','failed','bounced','suppressed')),
    status_detail TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT channel_messages_dedupe_key UNIQUE (workspace_id, dedupe_key)
)",
    r"CREATE INDEX channel_messages_external ON channel_messages (workspace_id, external_id)",
    r"CREATE INDEX channel_messages_ticket ON channel_messages (ticket_id, created_at)",
    r"CREATE INDEX channel_messages_message ON channel_messages (message_id)",
    r"CREATE TABLE ticket_ccs (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    name TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, address)
)",
    r"CREATE TABLE channel_suppressions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('email','sms')),
    address TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('opt_out','stop_keyword','bounce')),
    detail TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT channel_suppressions_key UNIQUE (workspace_id, channel, address, reason)
)",
    r"CREATE TABLE sms_numbers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    public_id TEXT NOT NULL CONSTRAINT sms_numbers_public_id_key UNIQUE,
    phone TEXT NOT NULL,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    auth_token TEXT NOT NULL,
    quiet_period_secs INTEGER NOT NULL DEFAULT 86400,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT sms_numbers_phone_key UNIQUE (workspace_id, phone)
)",
    r"CREATE TABLE api_channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    public_id TEXT NOT NULL CONSTRAINT api_channels_public_id_key UNIQUE,
    name TEXT NOT NULL,
    reply_url TEXT NOT NULL,
    secret TEXT NOT NULL,
    token_hash TEXT NOT NULL CONSTRAINT api_channels_token_key UNIQUE,
    quiet_period_secs INTEGER NOT NULL DEFAULT 86400,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT api_channels_name_key UNIQUE (workspace_id, name)
)",
    r"CREATE TABLE channel_conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('sms','api')),
    source_id INTEGER NOT NULL,
    party TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    last_message_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT channel_conversations_key UNIQUE (workspace_id, channel, source_id, party)
)",
    r"CREATE TABLE notification_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    notice TEXT NOT NULL CHECK (notice IN ('ticket_received','agent_replied','ticket_solved','assigned','mentioned')),
    locale TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT notification_templates_key UNIQUE (workspace_id, notice, locale)
)",
    r"CREATE TABLE contact_channel_prefs (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    email_notifications BOOLEAN NOT NULL DEFAULT 1,
    sms_notifications BOOLEAN NOT NULL DEFAULT 1,
    unsubscribe_token TEXT NOT NULL CONSTRAINT contact_channel_prefs_token_key UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (contact_id)
)",
];

const POSTGRES: &[&str] = &[
    r"CREATE TABLE channel_settings (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    reply_secret TEXT NOT NULL,
    auto_reply_enabled BOOLEAN NOT NULL DEFAULT true,
    auto_per_ticket BIGINT NOT NULL DEFAULT 3,
    auto_per_ticket_window_secs BIGINT NOT NULL DEFAULT 3600,
    auto_per_workspace BIGINT NOT NULL DEFAULT 500,
    auto_per_workspace_window_secs BIGINT NOT NULL DEFAULT 3600,
    max_message_bytes BIGINT NOT NULL DEFAULT 26214400,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    r"CREATE TABLE mailboxes (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    name TEXT NOT NULL,
    aliases JSONB NOT NULL,
    imap_host TEXT,
    imap_port BIGINT,
    imap_security TEXT NOT NULL DEFAULT 'tls' CHECK (imap_security IN ('tls','starttls','plain')),
    imap_username TEXT,
    imap_password TEXT,
    imap_folder TEXT NOT NULL DEFAULT 'INBOX',
    poll_interval_secs BIGINT NOT NULL DEFAULT 60,
    smtp_url TEXT,
    inbound_token_hash TEXT NOT NULL CONSTRAINT mailboxes_inbound_token_key UNIQUE,
    active BOOLEAN NOT NULL DEFAULT true,
    imap_uid_validity BIGINT,
    imap_last_uid BIGINT,
    next_poll_at TIMESTAMPTZ,
    poll_lease_until TIMESTAMPTZ,
    last_polled_at TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT mailboxes_address_key UNIQUE (workspace_id, address)
)",
    r"CREATE TABLE channel_messages (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id BIGINT REFERENCES tickets(id) ON DELETE CASCADE,
    message_id BIGINT REFERENCES messages(id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('email','sms','api')),
    direction TEXT NOT NULL CHECK (direction IN ('in','out')),
    source_id BIGINT,
    external_id TEXT,
    dedupe_key TEXT,
    from_address TEXT NOT NULL,
    to_addresses JSONB NOT NULL,
    cc_addresses JSONB NOT NULL,
    subject TEXT NOT NULL,
    in_reply_to TEXT,
    refs JSONB NOT NULL,
    quoted_text TEXT NOT NULL,
    signature TEXT,
    full_html TEXT,
    auth JSONB NOT NULL,
    flags JSONB NOT NULL,
    raw_sha256 TEXT,
    automatic BOOLEAN NOT NULL DEFAULT false,
    status TEXT NOT NULL CHECK (status IN ('received','duplicate','rejected','queued','sending','sent','delivered','failed','bounced','suppressed')),
    status_detail TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT channel_messages_dedupe_key UNIQUE (workspace_id, dedupe_key)
)",
    r"CREATE INDEX channel_messages_external ON channel_messages (workspace_id, external_id)",
    r"CREATE INDEX channel_messages_ticket ON channel_messages (ticket_id, created_at)",
    r"CREATE INDEX channel_messages_message ON channel_messages (message_id)",
    r"CREATE TABLE ticket_ccs (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    name TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, address)
)",
    r"CREATE TABLE channel_suppressions (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('email','sms')),
    address TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('opt_out','stop_keyword','bounce')),
    detail TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT channel_suppressions_key UNIQUE (workspace_id, channel, address, reason)
)",
    r"CREATE TABLE sms_numbers (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    public_id TEXT NOT NULL CONSTRAINT sms_numbers_public_id_key UNIQUE,
    phone TEXT NOT NULL,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    auth_token TEXT NOT NULL,
    quiet_period_secs BIGINT NOT NULL DEFAULT 86400,
    active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT sms_numbers_phone_key UNIQUE (workspace_id, phone)
)",
    r"CREATE TABLE api_channels (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    public_id TEXT NOT NULL CONSTRAINT api_channels_public_id_key UNIQUE,
    name TEXT NOT NULL,
    reply_url TEXT NOT NULL,
    secret TEXT NOT NULL,
    token_hash TEXT NOT NULL CONSTRAINT api_channels_token_key UNIQUE,
    quiet_period_secs BIGINT NOT NULL DEFAULT 86400,
    active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT api_channels_name_key UNIQUE (workspace_id, name)
)",
    r"CREATE TABLE channel_conversations (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('sms','api')),
    source_id BIGINT NOT NULL,
    party TEXT NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    last_message_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT channel_conversations_key UNIQUE (workspace_id, channel, source_id, party)
)",
    r"CREATE TABLE notification_templates (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    notice TEXT NOT NULL CHECK (notice IN ('ticket_received','agent_replied','ticket_solved','assigned','mentioned')),
    locale TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT notification_templates_key UNIQUE (workspace_id, notice, locale)
)",
    r"CREATE TABLE contact_channel_prefs (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    email_notifications BOOLEAN NOT NULL DEFAULT true,
    sms_notifications BOOLEAN NOT NULL DEFAULT true,
    unsubscribe_token TEXT NOT NULL CONSTRAINT contact_channel_prefs_token_key UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (contact_id)
)",
];

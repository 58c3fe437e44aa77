//! Live chat: widget settings, visitors and their conversations, read state.
//!
//! - `chat_settings`: one row per workspace (created on first use): whether
//!   the widget is on, the sites allowed to embed it, its look and greetings,
//!   offline behaviour, the identity secret the shop's backend signs
//!   `user_hash` with (write-only through the API) and the key visitor tokens
//!   are signed with.
//! - `chat_visitors`: one row per browser that opened the widget; its contact
//!   once it chats (an anonymous "Visitor 4821" contact, or the contact of a
//!   verified identity).
//! - `chat_conversations`: the chat side of a ticket started in the widget
//!   (its visitor, who handles it — a human or, later, a bot — and both
//!   sides' read positions).
//! - `chat_message_meta`: per message written through the widget (or by a
//!   bot): the participant kind and the client's idempotency key. Bot
//!   messages are `messages.author_kind = 'system'` plus a meta row with
//!   `participant = 'bot'`, because SQLite cannot widen the existing CHECK on
//!   `messages.author_kind` (ADR 0006).
//! - `chat_agents`: agents' chat availability and heartbeat ("agents online").

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the chat tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0011_chat"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, SQLITE, POSTGRES).await
    }
}

const SQLITE: &[&str] = &[
    r"CREATE TABLE chat_settings (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL DEFAULT 0,
    allowed_origins TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '#1c7ed6',
    text_color TEXT NOT NULL DEFAULT '#ffffff',
    position TEXT NOT NULL DEFAULT 'right' CHECK (position IN ('right','left')),
    greetings TEXT NOT NULL,
    default_locale TEXT NOT NULL DEFAULT 'en',
    offline_mode TEXT NOT NULL DEFAULT 'message' CHECK (offline_mode IN ('message','chat')),
    require_identity BOOLEAN NOT NULL DEFAULT 0,
    identity_secret TEXT,
    token_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    r"CREATE TABLE chat_visitors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    public_id TEXT NOT NULL CONSTRAINT chat_visitors_public_id_key UNIQUE,
    contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    name TEXT,
    email TEXT,
    external_user_id TEXT,
    identified BOOLEAN NOT NULL DEFAULT 0,
    locale TEXT,
    page_url TEXT,
    last_seen_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    "CREATE INDEX chat_visitors_external_idx ON chat_visitors (workspace_id, external_user_id)",
    "CREATE INDEX chat_visitors_contact_idx ON chat_visitors (workspace_id, contact_id)",
    r"CREATE TABLE chat_conversations (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    visitor_id INTEGER REFERENCES chat_visitors(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('chat','offline')),
    handler TEXT NOT NULL DEFAULT 'human' CHECK (handler IN ('human','bot')),
    visitor_read_message_id INTEGER,
    visitor_read_at TEXT,
    agent_read_message_id INTEGER,
    agent_read_at TEXT,
    agent_read_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    "CREATE INDEX chat_conversations_visitor_idx ON chat_conversations (workspace_id, visitor_id)",
    r"CREATE TABLE chat_message_meta (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    participant TEXT NOT NULL CHECK (participant IN ('visitor','agent','bot')),
    bot_name TEXT,
    client_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT chat_message_meta_client_key UNIQUE (ticket_id, client_id)
)",
    r"CREATE TABLE chat_agents (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    available BOOLEAN NOT NULL DEFAULT 1,
    last_seen_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    "CREATE INDEX chat_agents_online_idx ON chat_agents (workspace_id, available, last_seen_at)",
];

const POSTGRES: &[&str] = &[
    r"CREATE TABLE chat_settings (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    allowed_origins JSONB NOT NULL,
    color TEXT NOT NULL DEFAULT '#1c7ed6',
    text_color TEXT NOT NULL DEFAULT '#ffffff',
    position TEXT NOT NULL DEFAULT 'right' CHECK (position IN ('right','left')),
    greetings JSONB NOT NULL,
    default_locale TEXT NOT NULL DEFAULT 'en',
    offline_mode TEXT NOT NULL DEFAULT 'message' CHECK (offline_mode IN ('message','chat')),
    require_identity BOOLEAN NOT NULL DEFAULT FALSE,
    identity_secret TEXT,
    token_key TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    r"CREATE TABLE chat_visitors (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    public_id TEXT NOT NULL CONSTRAINT chat_visitors_public_id_key UNIQUE,
    contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL,
    name TEXT,
    email TEXT,
    external_user_id TEXT,
    identified BOOLEAN NOT NULL DEFAULT FALSE,
    locale TEXT,
    page_url TEXT,
    last_seen_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    "CREATE INDEX chat_visitors_external_idx ON chat_visitors (workspace_id, external_user_id)",
    "CREATE INDEX chat_visitors_contact_idx ON chat_visitors (workspace_id, contact_id)",
    r"CREATE TABLE chat_conversations (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    visitor_id BIGINT REFERENCES chat_visitors(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('chat','offline')),
    handler TEXT NOT NULL DEFAULT 'human' CHECK (handler IN ('human','bot')),
    visitor_read_message_id BIGINT,
    visitor_read_at TIMESTAMPTZ,
    agent_read_message_id BIGINT,
    agent_read_at TIMESTAMPTZ,
    agent_read_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    "CREATE INDEX chat_conversations_visitor_idx ON chat_conversations (workspace_id, visitor_id)",
    r"CREATE TABLE chat_message_meta (
    message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    participant TEXT NOT NULL CHECK (participant IN ('visitor','agent','bot')),
    bot_name TEXT,
    client_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT chat_message_meta_client_key UNIQUE (ticket_id, client_id)
)",
    r"CREATE TABLE chat_agents (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    available BOOLEAN NOT NULL DEFAULT TRUE,
    last_seen_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    "CREATE INDEX chat_agents_online_idx ON chat_agents (workspace_id, available, last_seen_at)",
];

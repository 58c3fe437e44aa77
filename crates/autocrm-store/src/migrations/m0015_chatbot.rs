//! The chatbot (ADR 0009).
//!
//! - `chat_bot_sessions`: per bot-handled conversation, the order
//!   assistant's memory between turns (the model's view of the conversation
//!   and a write waiting for the customer's yes), as JSON. Any node can take
//!   the next turn; the row goes when the humans take over.
//! - `chat_bot_answers`: every bot message a customer saw, with its outcome,
//!   sources, provenance, inputs and the tools it ran (the audit trail and
//!   the chatbot's report).
//! - `ai_settings.chatbot_name`: the name the bot speaks under.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the chatbot's table and column.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0015_chatbot"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, SQLITE, POSTGRES).await
    }
}

const SQLITE: &[&str] = &[
    r"CREATE TABLE chat_bot_sessions (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    "CREATE INDEX chat_bot_sessions_ws_idx ON chat_bot_sessions (workspace_id)",
    r"CREATE TABLE chat_bot_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('answered','clarify','confirm','acted','handoff')),
    body TEXT NOT NULL,
    citations TEXT NOT NULL,
    provenance TEXT NOT NULL,
    inputs TEXT NOT NULL,
    tools TEXT NOT NULL,
    confidence REAL,
    created_at TEXT NOT NULL
)",
    "CREATE INDEX chat_bot_answers_ticket_idx ON chat_bot_answers (workspace_id, ticket_id)",
    "CREATE INDEX chat_bot_answers_created_idx ON chat_bot_answers (workspace_id, created_at)",
    "ALTER TABLE ai_settings ADD COLUMN chatbot_name TEXT NOT NULL DEFAULT 'Assistant'",
];

const POSTGRES: &[&str] = &[
    r"CREATE TABLE chat_bot_sessions (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    state JSONB NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    "CREATE INDEX chat_bot_sessions_ws_idx ON chat_bot_sessions (workspace_id)",
    r"CREATE TABLE chat_bot_answers (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    message_id BIGINT REFERENCES messages(id) ON DELETE SET NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('answered','clarify','confirm','acted','handoff')),
    body TEXT NOT NULL,
    citations JSONB NOT NULL,
    provenance JSONB NOT NULL,
    inputs JSONB NOT NULL,
    tools JSONB NOT NULL,
    confidence REAL,
    created_at TIMESTAMPTZ NOT NULL
)",
    "CREATE INDEX chat_bot_answers_ticket_idx ON chat_bot_answers (workspace_id, ticket_id)",
    "CREATE INDEX chat_bot_answers_created_idx ON chat_bot_answers (workspace_id, created_at)",
    "ALTER TABLE ai_settings ADD COLUMN chatbot_name TEXT NOT NULL DEFAULT 'Assistant'",
];

//! The AI: ticket categories, triage on tickets and messages, the
//! workspace's trained classifiers, suggestion feedback and AI settings.
//!
//! - `ticket_categories`: the workspace's categories (`key` is what the
//!   classifier predicts and filters compare; `name` is shown).
//! - `tickets`: the current triage — `category` (a key) and who set it
//!   (`category_source`: `ai` or `agent`; an agent's choice is never
//!   overwritten by the AI), `intent`, `language`, `sentiment`, `urgency`.
//! - `messages.triage`: the full triage of each inbound message as JSON,
//!   with the engine and model that produced it.
//! - `ai_models`: one trained classifier per workspace and kind, replaced
//!   whole on retraining (`version` counts retrainings).
//! - `ai_suggestions`: every suggested reply, summary and translation shown
//!   to an agent, with its sources and provenance, and what the agent did
//!   with it (accepted, edited, rejected) — the basis of the AI report.
//! - `ai_settings`: per workspace, the OpenAI-compatible endpoint (the key is
//!   write-only through the API), the monthly token budget and its use, and
//!   the chatbot's switches.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the AI tables and columns.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0014_ai"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, SQLITE, POSTGRES).await
    }
}

const SQLITE: &[&str] = &[
    r"CREATE TABLE ticket_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT ticket_categories_key_key UNIQUE (workspace_id, key)
)",
    "ALTER TABLE tickets ADD COLUMN category TEXT",
    "ALTER TABLE tickets ADD COLUMN category_source TEXT CHECK (category_source IN ('ai','agent'))",
    "ALTER TABLE tickets ADD COLUMN category_confidence REAL",
    "ALTER TABLE tickets ADD COLUMN intent TEXT",
    "ALTER TABLE tickets ADD COLUMN language TEXT",
    "ALTER TABLE tickets ADD COLUMN sentiment TEXT CHECK (sentiment IN ('negative','neutral','positive'))",
    "ALTER TABLE tickets ADD COLUMN sentiment_score REAL",
    "ALTER TABLE tickets ADD COLUMN urgency TEXT CHECK (urgency IN ('low','normal','high','urgent'))",
    "CREATE INDEX tickets_category_idx ON tickets (workspace_id, category)",
    "ALTER TABLE messages ADD COLUMN triage TEXT",
    r"CREATE TABLE ai_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('category','intent')),
    version INTEGER NOT NULL,
    examples INTEGER NOT NULL,
    labels INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT ai_models_kind_key UNIQUE (workspace_id, kind)
)",
    r"CREATE TABLE ai_suggestions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('reply','summary','translation')),
    body TEXT NOT NULL,
    citations TEXT NOT NULL,
    provenance TEXT NOT NULL,
    inputs TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'shown' CHECK (outcome IN ('shown','accepted','edited','rejected')),
    similarity REAL,
    message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    "CREATE INDEX ai_suggestions_ticket_idx ON ai_suggestions (workspace_id, ticket_id)",
    "CREATE INDEX ai_suggestions_created_idx ON ai_suggestions (workspace_id, created_at)",
    r"CREATE TABLE ai_settings (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    llm_base_url TEXT,
    llm_model TEXT,
    llm_embedding_model TEXT,
    llm_api_key TEXT,
    monthly_token_budget INTEGER NOT NULL DEFAULT 0,
    budget_period TEXT NOT NULL DEFAULT '',
    tokens_used INTEGER NOT NULL DEFAULT 0,
    chatbot_enabled BOOLEAN NOT NULL DEFAULT 0,
    auto_triage BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
];

const POSTGRES: &[&str] = &[
    r"CREATE TABLE ticket_categories (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT ticket_categories_key_key UNIQUE (workspace_id, key)
)",
    r"ALTER TABLE tickets
    ADD COLUMN category TEXT,
    ADD COLUMN category_source TEXT CHECK (category_source IN ('ai','agent')),
    ADD COLUMN category_confidence REAL,
    ADD COLUMN intent TEXT,
    ADD COLUMN language TEXT,
    ADD COLUMN sentiment TEXT CHECK (sentiment IN ('negative','neutral','positive')),
    ADD COLUMN sentiment_score REAL,
    ADD COLUMN urgency TEXT CHECK (urgency IN ('low','normal','high','urgent'))",
    "CREATE INDEX tickets_category_idx ON tickets (workspace_id, category)",
    "ALTER TABLE messages ADD COLUMN triage JSONB",
    r"CREATE TABLE ai_models (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('category','intent')),
    version INTEGER NOT NULL,
    examples INTEGER NOT NULL,
    labels INTEGER NOT NULL,
    data BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT ai_models_kind_key UNIQUE (workspace_id, kind)
)",
    r"CREATE TABLE ai_suggestions (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('reply','summary','translation')),
    body TEXT NOT NULL,
    citations JSONB NOT NULL,
    provenance JSONB NOT NULL,
    inputs JSONB NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'shown' CHECK (outcome IN ('shown','accepted','edited','rejected')),
    similarity REAL,
    message_id BIGINT REFERENCES messages(id) ON DELETE SET NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    "CREATE INDEX ai_suggestions_ticket_idx ON ai_suggestions (workspace_id, ticket_id)",
    "CREATE INDEX ai_suggestions_created_idx ON ai_suggestions (workspace_id, created_at)",
    r"CREATE TABLE ai_settings (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    llm_base_url TEXT,
    llm_model TEXT,
    llm_embedding_model TEXT,
    llm_api_key TEXT,
    monthly_token_budget BIGINT NOT NULL DEFAULT 0,
    budget_period TEXT NOT NULL DEFAULT '',
    tokens_used BIGINT NOT NULL DEFAULT 0,
    chatbot_enabled BOOLEAN NOT NULL DEFAULT false,
    auto_triage BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
];

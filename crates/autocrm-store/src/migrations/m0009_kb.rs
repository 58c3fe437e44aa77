//! Knowledge base: categories → sections → articles with translations,
//! versions, related articles, attachments, feedback, daily views and the
//! search index (FTS5 on SQLite; tsvector + GIN and `pg_trgm` on PostgreSQL).
//!
//! Invariants: one translation per (article, locale)
//! (`kb_translations_article_locale_key`); a version number is unique per
//! translation (`kb_versions_number_key`); `kb_terms` holds the distinct
//! words of each translation, the candidates "did you mean" corrects a query
//! to, so a suggestion never comes from another workspace.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the kb tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0009_kb"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, SQLITE, POSTGRES).await
    }
}

const SQLITE: &[&str] = &[
    r"CREATE TABLE kb_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    translations TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    r"CREATE INDEX kb_categories_position_idx ON kb_categories (workspace_id, position, id)",
    r"CREATE TABLE kb_sections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES kb_categories(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    translations TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    r"CREATE INDEX kb_sections_category_idx ON kb_sections (workspace_id, category_id, position, id)",
    r"CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    section_id INTEGER REFERENCES kb_sections(id) ON DELETE SET NULL,
    status TEXT NOT NULL CHECK (status IN ('draft','published','internal')),
    author_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    tags TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    source_ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    source_message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    view_count INTEGER NOT NULL DEFAULT 0,
    helpful_yes INTEGER NOT NULL DEFAULT 0,
    helpful_no INTEGER NOT NULL DEFAULT 0,
    published_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    r"CREATE INDEX kb_articles_section_idx ON kb_articles (workspace_id, section_id, position, id)",
    r"CREATE INDEX kb_articles_status_idx ON kb_articles (workspace_id, status, id)",
    r"CREATE TABLE kb_translations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT kb_translations_article_locale_key UNIQUE (article_id, locale)
)",
    r"CREATE INDEX kb_translations_locale_idx ON kb_translations (workspace_id, locale, article_id)",
    r"CREATE TABLE kb_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    author_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    restored_from INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT kb_versions_number_key UNIQUE (article_id, locale, number)
)",
    r"CREATE TABLE kb_related (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    related_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (article_id, related_id)
)",
    r"CREATE TABLE kb_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    public_id TEXT NOT NULL CONSTRAINT kb_attachments_public_id_key UNIQUE,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    uploaded_by_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    r"CREATE INDEX kb_attachments_article_idx ON kb_attachments (article_id, id)",
    r"CREATE TABLE kb_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    helpful BOOLEAN NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    r"CREATE INDEX kb_feedback_article_idx ON kb_feedback (workspace_id, article_id, id)",
    r"CREATE TABLE kb_views_daily (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    views INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (article_id, day)
)",
    r"CREATE INDEX kb_views_daily_day_idx ON kb_views_daily (workspace_id, day)",
    r"CREATE TABLE kb_terms (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    translation_id INTEGER NOT NULL REFERENCES kb_translations(id) ON DELETE CASCADE,
    term TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (translation_id, term)
)",
    r"CREATE INDEX kb_terms_workspace_idx ON kb_terms (workspace_id, term)",
    r"CREATE VIRTUAL TABLE kb_fts USING fts5(title, body_text, content='kb_translations', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    r"CREATE TRIGGER kb_fts_ai AFTER INSERT ON kb_translations BEGIN INSERT INTO kb_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text); END",
    r"CREATE TRIGGER kb_fts_ad AFTER DELETE ON kb_translations BEGIN INSERT INTO kb_fts(kb_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text); END",
    r"CREATE TRIGGER kb_fts_au AFTER UPDATE OF title, body_text ON kb_translations BEGIN INSERT INTO kb_fts(kb_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text); INSERT INTO kb_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text); END",
];

const POSTGRES: &[&str] = &[
    r"CREATE TABLE kb_categories (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    translations JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    r"CREATE INDEX kb_categories_position_idx ON kb_categories (workspace_id, position, id)",
    r"CREATE TABLE kb_sections (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES kb_categories(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    translations JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    r"CREATE INDEX kb_sections_category_idx ON kb_sections (workspace_id, category_id, position, id)",
    r"CREATE TABLE kb_articles (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    section_id BIGINT REFERENCES kb_sections(id) ON DELETE SET NULL,
    status TEXT NOT NULL CHECK (status IN ('draft','published','internal')),
    author_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    tags JSONB NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    source_ticket_id BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
    source_message_id BIGINT REFERENCES messages(id) ON DELETE SET NULL,
    view_count BIGINT NOT NULL DEFAULT 0,
    helpful_yes BIGINT NOT NULL DEFAULT 0,
    helpful_no BIGINT NOT NULL DEFAULT 0,
    published_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    r"CREATE INDEX kb_articles_section_idx ON kb_articles (workspace_id, section_id, position, id)",
    r"CREATE INDEX kb_articles_status_idx ON kb_articles (workspace_id, status, id)",
    // The search vector's language follows the translation's locale (a constant
    // configuration per branch keeps the generated expression immutable);
    // titles weigh more than bodies.
    r"CREATE TABLE kb_translations (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    search_vector tsvector GENERATED ALWAYS AS (
        CASE split_part(lower(locale), '-', 1)
        WHEN 'en' THEN setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', left(body_text, 200000)), 'B')
        WHEN 'de' THEN setweight(to_tsvector('german', title), 'A') || setweight(to_tsvector('german', left(body_text, 200000)), 'B')
        WHEN 'fr' THEN setweight(to_tsvector('french', title), 'A') || setweight(to_tsvector('french', left(body_text, 200000)), 'B')
        WHEN 'es' THEN setweight(to_tsvector('spanish', title), 'A') || setweight(to_tsvector('spanish', left(body_text, 200000)), 'B')
        WHEN 'it' THEN setweight(to_tsvector('italian', title), 'A') || setweight(to_tsvector('italian', left(body_text, 200000)), 'B')
        WHEN 'nl' THEN setweight(to_tsvector('dutch', title), 'A') || setweight(to_tsvector('dutch', left(body_text, 200000)), 'B')
        WHEN 'pt' THEN setweight(to_tsvector('portuguese', title), 'A') || setweight(to_tsvector('portuguese', left(body_text, 200000)), 'B')
        ELSE setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', left(body_text, 200000)), 'B')
        END) STORED,
    CONSTRAINT kb_translations_article_locale_key UNIQUE (article_id, locale)
)",
    r"CREATE INDEX kb_translations_locale_idx ON kb_translations (workspace_id, locale, article_id)",
    r"CREATE INDEX kb_translations_search_idx ON kb_translations USING GIN (search_vector)",
    r"CREATE TABLE kb_versions (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    body_html TEXT NOT NULL,
    author_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    restored_from BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT kb_versions_number_key UNIQUE (article_id, locale, number)
)",
    r"CREATE TABLE kb_related (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    related_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, related_id)
)",
    r"CREATE TABLE kb_attachments (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    public_id TEXT NOT NULL CONSTRAINT kb_attachments_public_id_key UNIQUE,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    r"CREATE INDEX kb_attachments_article_idx ON kb_attachments (article_id, id)",
    r"CREATE TABLE kb_feedback (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    helpful BOOLEAN NOT NULL,
    comment TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    r"CREATE INDEX kb_feedback_article_idx ON kb_feedback (workspace_id, article_id, id)",
    r"CREATE TABLE kb_views_daily (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, day)
)",
    r"CREATE INDEX kb_views_daily_day_idx ON kb_views_daily (workspace_id, day)",
    r"CREATE TABLE kb_terms (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    translation_id BIGINT NOT NULL REFERENCES kb_translations(id) ON DELETE CASCADE,
    term TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (translation_id, term)
)",
    r"CREATE INDEX kb_terms_workspace_idx ON kb_terms (workspace_id, term)",
    // Trigram similarity makes typo correction an index lookup. The extension
    // needs the right to create it (trusted since PostgreSQL 13: database
    // owners may); without it the store corrects typos by edit distance in
    // Rust instead (`kb::search`), so its absence is not an error here.
    r"DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX kb_terms_trgm_idx ON kb_terms USING GIN (term gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%): knowledge-base typo tolerance uses edit distance', SQLERRM;
END
$$",
];

//! Customer portal accounts: sign-in links, password resets, OIDC providers and logins; satisfaction ratings.
//!
//! - `portal_tokens`: e-mailed links (verify a sign-up, magic sign-in,
//!   password reset), stored as SHA-256 hashes; single-use (`used_at`) and
//!   expiring. A sign-up's password hash waits here and reaches the user
//!   only when the link is used, so nobody can pre-register someone else's
//!   address with a password of their own.
//! - `portal_attempts`: e-mail-sending requests per IP and address, for rate
//!   limits that hold across nodes.
//! - `oidc_providers`: per-workspace OIDC providers with the
//!   endpoints discovered when saved; the client secret is write-only.
//! - `oidc_logins`: one authorisation request (state, nonce, PKCE verifier,
//!   the browser binding's hash), single-use and short-lived.
//! - `customer_identities`: provider + subject → user.
//! - `ticket_ratings`: one satisfaction rating per ticket
//!   (`ticket_ratings_ticket_key`), with the assignee, team and channel at
//!   rating time for the CSAT reports (`ticket_ratings_rated_idx`).

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the portal tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0010_portal"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, SQLITE, POSTGRES).await
    }
}

const SQLITE: &[&str] = &[
    r"CREATE TABLE portal_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify','magic','reset')),
    token_hash TEXT NOT NULL CONSTRAINT portal_tokens_hash_key UNIQUE,
    email TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    name TEXT,
    password_hash TEXT,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    "CREATE INDEX portal_tokens_email_idx ON portal_tokens (workspace_id, email, created_at)",
    r"CREATE TABLE portal_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ip TEXT,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    "CREATE INDEX portal_attempts_ip_idx ON portal_attempts (workspace_id, kind, ip, created_at)",
    "CREATE INDEX portal_attempts_email_idx ON portal_attempts (workspace_id, email, created_at)",
    r"CREATE TABLE oidc_providers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT,
    scopes TEXT NOT NULL,
    authorization_endpoint TEXT NOT NULL,
    token_endpoint TEXT NOT NULL,
    jwks_uri TEXT NOT NULL,
    userinfo_endpoint TEXT,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT oidc_providers_slug_key UNIQUE (workspace_id, slug)
)",
    r"CREATE TABLE oidc_logins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    provider_id INTEGER NOT NULL REFERENCES oidc_providers(id) ON DELETE CASCADE,
    state_hash TEXT NOT NULL CONSTRAINT oidc_logins_state_key UNIQUE,
    binding_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    return_to TEXT,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)",
    r"CREATE TABLE customer_identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider_id INTEGER NOT NULL REFERENCES oidc_providers(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    email TEXT,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT customer_identities_subject_key UNIQUE (provider_id, subject)
)",
    "CREATE INDEX customer_identities_user_idx ON customer_identities (workspace_id, user_id)",
    r"CREATE TABLE ticket_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    score TEXT NOT NULL CHECK (score IN ('good','bad')),
    comment TEXT,
    requester_id INTEGER NOT NULL,
    assignee_id INTEGER,
    team_id INTEGER,
    channel TEXT NOT NULL,
    first_rated_at TEXT NOT NULL,
    rated_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT ticket_ratings_ticket_key UNIQUE (ticket_id)
)",
    "CREATE INDEX ticket_ratings_rated_idx ON ticket_ratings (workspace_id, rated_at, id)",
];

const POSTGRES: &[&str] = &[
    r"CREATE TABLE portal_tokens (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify','magic','reset')),
    token_hash TEXT NOT NULL CONSTRAINT portal_tokens_hash_key UNIQUE,
    email TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
    name TEXT,
    password_hash TEXT,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    "CREATE INDEX portal_tokens_email_idx ON portal_tokens (workspace_id, email, created_at)",
    r"CREATE TABLE portal_attempts (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ip TEXT,
    email TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    "CREATE INDEX portal_attempts_ip_idx ON portal_attempts (workspace_id, kind, ip, created_at)",
    "CREATE INDEX portal_attempts_email_idx ON portal_attempts (workspace_id, email, created_at)",
    r"CREATE TABLE oidc_providers (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT,
    scopes TEXT NOT NULL,
    authorization_endpoint TEXT NOT NULL,
    token_endpoint TEXT NOT NULL,
    jwks_uri TEXT NOT NULL,
    userinfo_endpoint TEXT,
    enabled BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT oidc_providers_slug_key UNIQUE (workspace_id, slug)
)",
    r"CREATE TABLE oidc_logins (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES oidc_providers(id) ON DELETE CASCADE,
    state_hash TEXT NOT NULL CONSTRAINT oidc_logins_state_key UNIQUE,
    binding_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    return_to TEXT,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
)",
    r"CREATE TABLE customer_identities (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES oidc_providers(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    email TEXT,
    last_login_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT customer_identities_subject_key UNIQUE (provider_id, subject)
)",
    "CREATE INDEX customer_identities_user_idx ON customer_identities (workspace_id, user_id)",
    r"CREATE TABLE ticket_ratings (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    score TEXT NOT NULL CHECK (score IN ('good','bad')),
    comment TEXT,
    requester_id BIGINT NOT NULL,
    assignee_id BIGINT,
    team_id BIGINT,
    channel TEXT NOT NULL,
    first_rated_at TIMESTAMPTZ NOT NULL,
    rated_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT ticket_ratings_ticket_key UNIQUE (ticket_id)
)",
    "CREATE INDEX ticket_ratings_rated_idx ON ticket_ratings (workspace_id, rated_at, id)",
];

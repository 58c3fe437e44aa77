//! The store's error type.

use sea_orm::{DbErr, SqlErr};
use serde::Serialize;

/// One field's problem, with a JSON pointer into the request (`/custom_fields/qty`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// JSON pointer to the offending input.
    pub pointer: String,
    /// What is wrong with it.
    pub detail: String,
}

impl FieldProblem {
    /// Builds a problem for `pointer`.
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), detail: detail.into() }
    }
}

/// What can go wrong in a store call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Absent, or outside the caller's reach (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Input that cannot be stored as given.
    #[error("invalid input")]
    Invalid(Vec<FieldProblem>),
    /// A uniqueness or state rule; `code` is stable (`contact_email_taken` …).
    #[error("{message}")]
    Conflict {
        /// Stable machine-readable code.
        code: &'static str,
        /// Human-readable detail.
        message: String,
    },
    /// The principal may not do this (a role or scope is missing).
    #[error("forbidden")]
    Forbidden,
    /// Filesystem error (attachment blobs, data directory).
    #[error("io: {0}")]
    Io(String),
    /// Anything the database reported.
    #[error(transparent)]
    Db(DbErr),
}

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// One invalid field.
    pub fn invalid(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldProblem::new(pointer, detail)])
    }

    #[allow(clippy::needless_pass_by_value)] // shaped for `map_err`
    pub(crate) fn io(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        // Uniqueness violations the API reports have named constraints; map them to 409s.
        if let Some(SqlErr::UniqueConstraintViolation(msg)) = e.sql_err() {
            let (code, message) = unique_violation(&msg);
            return Self::Conflict { code, message: message.to_owned() };
        }
        if let Some(SqlErr::ForeignKeyConstraintViolation(_)) = e.sql_err() {
            return Self::Conflict {
                code: "reference_not_found",
                message: "a referenced record does not exist".to_owned(),
            };
        }
        Self::Db(e)
    }
}

fn unique_violation(msg: &str) -> (&'static str, &'static str) {
    // PostgreSQL names the constraint; SQLite names the columns.
    let table: &[(&str, &str, &'static str, &'static str)] = &[
        ("workspaces_slug_key", "workspaces.slug", "workspace_slug_taken", "a workspace with this slug exists"),
        (
            "users_workspace_email_key",
            "users.workspace_id, users.email",
            "user_email_taken",
            "a user with this e-mail exists",
        ),
        (
            "contacts_workspace_email_key",
            "contacts.workspace_id, contacts.email",
            "contact_email_taken",
            "a contact with this e-mail exists",
        ),
        (
            "statuses_workspace_name_key",
            "statuses.workspace_id, statuses.name",
            "status_name_taken",
            "a status with this name exists",
        ),
        (
            "teams_workspace_name_key",
            "teams.workspace_id, teams.name",
            "team_name_taken",
            "a team with this name exists",
        ),
        (
            "custom_field_defs_key_key",
            "custom_field_defs.workspace_id",
            "custom_field_key_taken",
            "a custom field with this key exists",
        ),
        (
            "mailboxes_address_key",
            "mailboxes.workspace_id, mailboxes.address",
            "mailbox_address_taken",
            "a mailbox with this address exists",
        ),
        (
            "channel_messages_dedupe_key",
            "channel_messages.workspace_id, channel_messages.dedupe_key",
            "duplicate_message",
            "this message was already received",
        ),
        (
            "sms_numbers_phone_key",
            "sms_numbers.workspace_id, sms_numbers.phone",
            "sms_number_taken",
            "this phone number is already configured",
        ),
        (
            "api_channels_name_key",
            "api_channels.workspace_id, api_channels.name",
            "api_channel_name_taken",
            "an API channel with this name exists",
        ),
        ("jobs_dedupe_key_key", "jobs.dedupe_key", "job_duplicate", "this job is already queued"),
    ];
    table
        .iter()
        .find(|(pg, lite, _, _)| msg.contains(pg) || msg.contains(lite))
        .map_or(("conflict", "the change conflicts with an existing record"), |(_, _, code, m)| (*code, *m))
}

//! The `mailboxes` table.

use sea_orm::entity::prelude::*;

/// One row of `mailboxes`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mailboxes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub address: String,
    pub name: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub aliases: Json,
    pub imap_host: Option<String>,
    pub imap_port: Option<i64>,
    pub imap_security: String,
    pub imap_username: Option<String>,
    pub imap_password: Option<String>,
    pub imap_folder: String,
    pub poll_interval_secs: i64,
    pub smtp_url: Option<String>,
    pub inbound_token_hash: String,
    pub active: bool,
    pub imap_uid_validity: Option<i64>,
    pub imap_last_uid: Option<i64>,
    pub next_poll_at: Option<DateTimeUtc>,
    pub poll_lease_until: Option<DateTimeUtc>,
    pub last_polled_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

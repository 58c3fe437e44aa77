//! The `channel_messages` table.

use sea_orm::entity::prelude::*;

/// One row of `channel_messages`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub ticket_id: Option<i64>,
    pub message_id: Option<i64>,
    pub channel: String,
    pub direction: String,
    pub source_id: Option<i64>,
    pub external_id: Option<String>,
    pub dedupe_key: Option<String>,
    pub from_address: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub to_addresses: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub cc_addresses: Json,
    pub subject: String,
    pub in_reply_to: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub refs: Json,
    pub quoted_text: String,
    pub signature: Option<String>,
    pub full_html: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub auth: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub flags: Json,
    pub raw_sha256: Option<String>,
    pub automatic: bool,
    pub status: String,
    pub status_detail: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

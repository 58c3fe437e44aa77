//! The `channel_settings` table.

use sea_orm::entity::prelude::*;

/// One row of `channel_settings`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: i64,
    pub reply_secret: String,
    pub auto_reply_enabled: bool,
    pub auto_per_ticket: i64,
    pub auto_per_ticket_window_secs: i64,
    pub auto_per_workspace: i64,
    pub auto_per_workspace_window_secs: i64,
    pub max_message_bytes: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `chat_message_meta` table.

use sea_orm::entity::prelude::*;

/// One row of `chat_message_meta`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_message_meta")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_id: i64,
    pub workspace_id: i64,
    pub ticket_id: i64,
    pub participant: String,
    pub bot_name: Option<String>,
    pub client_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

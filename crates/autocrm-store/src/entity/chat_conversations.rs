//! The `chat_conversations` table.

use sea_orm::entity::prelude::*;

/// One row of `chat_conversations`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_conversations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: i64,
    pub workspace_id: i64,
    pub visitor_id: Option<i64>,
    pub kind: String,
    pub handler: String,
    pub visitor_read_message_id: Option<i64>,
    pub visitor_read_at: Option<DateTimeUtc>,
    pub agent_read_message_id: Option<i64>,
    pub agent_read_at: Option<DateTimeUtc>,
    pub agent_read_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

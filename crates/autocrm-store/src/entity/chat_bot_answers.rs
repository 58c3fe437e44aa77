//! The `chat_bot_answers` table.

use sea_orm::entity::prelude::*;

/// One row of `chat_bot_answers`: a bot message a customer saw, and how it came about.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_bot_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub ticket_id: i64,
    pub message_id: Option<i64>,
    pub outcome: String,
    pub body: String,
    pub citations: Json,
    pub provenance: Json,
    pub inputs: Json,
    pub tools: Json,
    pub confidence: Option<f32>,
    pub created_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `kb_articles` table.

use sea_orm::entity::prelude::*;

/// One row of `kb_articles`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "kb_articles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub section_id: Option<i64>,
    pub status: String,
    pub author_user_id: Option<i64>,
    pub tags: Json,
    pub position: i32,
    pub source_ticket_id: Option<i64>,
    pub source_message_id: Option<i64>,
    pub view_count: i64,
    pub helpful_yes: i64,
    pub helpful_no: i64,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `ai_suggestions` table.

use sea_orm::entity::prelude::*;

/// One row of `ai_suggestions`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ai_suggestions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub ticket_id: i64,
    pub kind: String,
    pub body: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub citations: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub provenance: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub inputs: Json,
    pub outcome: String,
    pub similarity: Option<f32>,
    pub message_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

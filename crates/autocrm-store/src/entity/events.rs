//! The `events` table.

use sea_orm::entity::prelude::*;

/// One row of `events`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub r#type: String,
    pub subject_type: String,
    pub subject_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub visibility: String,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
    pub at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

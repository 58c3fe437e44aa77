//! The `ticket_ratings` table.

use sea_orm::entity::prelude::*;

/// One row of `ticket_ratings`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub ticket_id: i64,
    pub score: String,
    pub comment: Option<String>,
    pub requester_id: i64,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub channel: String,
    pub first_rated_at: DateTimeUtc,
    pub rated_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

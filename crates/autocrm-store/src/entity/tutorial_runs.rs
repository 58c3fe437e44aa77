//! The `tutorial_runs` table.

use sea_orm::entity::prelude::*;

/// One row of `tutorial_runs`: one customer's walk through one version.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tutorial_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub tutorial_id: i64,
    pub version: i64,
    pub public_id: String,
    pub channel: String,
    pub locale: String,
    pub contact_id: Option<i64>,
    pub visitor_id: Option<String>,
    pub current_step: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub path: Json,
    pub outcome: Option<String>,
    pub ticket_id: Option<i64>,
    pub requester_key: Option<String>,
    pub ticket_opened_at: Option<DateTimeUtc>,
    pub started_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

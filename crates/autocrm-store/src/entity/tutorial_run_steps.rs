//! The `tutorial_run_steps` table.

use sea_orm::entity::prelude::*;

/// One row of `tutorial_run_steps`: a run reached a step (and what it chose there).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tutorial_run_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub run_id: i64,
    pub tutorial_id: i64,
    pub version: i64,
    pub position: i64,
    pub step: String,
    pub choice: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `kb_versions` table.

use sea_orm::entity::prelude::*;

/// One row of `kb_versions`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "kb_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub article_id: i64,
    pub locale: String,
    pub number: i32,
    pub title: String,
    pub body_html: String,
    pub author_user_id: Option<i64>,
    pub author_name: String,
    pub restored_from: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `messages` table.

use sea_orm::entity::prelude::*;

/// One row of `messages`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub ticket_id: i64,
    pub author_kind: String,
    pub author_user_id: Option<i64>,
    pub author_contact_id: Option<i64>,
    pub internal: bool,
    pub channel: String,
    pub body_html: String,
    pub body_text: String,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub triage: Option<Json>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `contacts` table.

use sea_orm::entity::prelude::*;

/// One row of `contacts`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub email: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub emails: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub phones: Json,
    pub company_id: Option<i64>,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub custom_fields: Json,
    pub notes: String,
    pub external_ref: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

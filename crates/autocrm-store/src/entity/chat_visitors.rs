//! The `chat_visitors` table.

use sea_orm::entity::prelude::*;

/// One row of `chat_visitors`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_visitors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub public_id: String,
    pub contact_id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub external_user_id: Option<String>,
    pub identified: bool,
    pub locale: Option<String>,
    pub page_url: Option<String>,
    pub last_seen_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

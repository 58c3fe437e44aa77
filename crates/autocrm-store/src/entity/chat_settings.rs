//! The `chat_settings` table.

use sea_orm::entity::prelude::*;

/// One row of `chat_settings`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: i64,
    pub enabled: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub allowed_origins: Json,
    pub color: String,
    pub text_color: String,
    pub position: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub greetings: Json,
    pub default_locale: String,
    pub offline_mode: String,
    pub require_identity: bool,
    pub identity_secret: Option<String>,
    pub token_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `contact_channel_prefs` table.

use sea_orm::entity::prelude::*;

/// One row of `contact_channel_prefs`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_channel_prefs")]
pub struct Model {
    pub workspace_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub contact_id: i64,
    pub email_notifications: bool,
    pub sms_notifications: bool,
    pub unsubscribe_token: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

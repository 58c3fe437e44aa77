//! The `sms_numbers` table.

use sea_orm::entity::prelude::*;

/// One row of `sms_numbers`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_numbers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub public_id: String,
    pub phone: String,
    pub name: String,
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    pub quiet_period_secs: i64,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

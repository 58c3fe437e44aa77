//! The `webhook_deliveries` table.

use sea_orm::entity::prelude::*;

/// One row of `webhook_deliveries`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub webhook_id: i64,
    pub event_seq: i64,
    pub event_type: String,
    pub msg_id: String,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub ok: bool,
    pub error: Option<String>,
    pub response_snippet: Option<String>,
    pub duration_ms: i64,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

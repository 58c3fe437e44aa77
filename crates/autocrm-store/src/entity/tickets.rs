//! The `tickets` table.

use sea_orm::entity::prelude::*;

/// One row of `tickets`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub number: i64,
    pub subject: String,
    pub status_id: i64,
    pub status_category: String,
    pub priority: String,
    pub channel: String,
    pub requester_id: i64,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub custom_fields: Json,
    pub merged_into_id: Option<i64>,
    pub message_count: i32,
    pub first_response_at: Option<DateTimeUtc>,
    pub solved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub category: Option<String>,
    pub category_source: Option<String>,
    pub category_confidence: Option<f32>,
    pub intent: Option<String>,
    pub language: Option<String>,
    pub sentiment: Option<String>,
    pub sentiment_score: Option<f32>,
    pub urgency: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

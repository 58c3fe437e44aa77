//! The `ai_settings` table.

use sea_orm::entity::prelude::*;

/// One row of `ai_settings`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ai_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: i64,
    pub llm_base_url: Option<String>,
    pub llm_model: Option<String>,
    pub llm_embedding_model: Option<String>,
    pub llm_api_key: Option<String>,
    pub monthly_token_budget: i64,
    pub budget_period: String,
    pub tokens_used: i64,
    pub chatbot_enabled: bool,
    pub chatbot_name: String,
    pub auto_triage: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Knowledge base: categories, sections, articles with translations, versions, feedback and views.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the kb tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0009_kb"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, SQLITE, POSTGRES).await
    }
}

const SQLITE: &[&str] = &[];

const POSTGRES: &[&str] = &[];

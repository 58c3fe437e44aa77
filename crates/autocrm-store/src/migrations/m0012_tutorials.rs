//! Interactive tutorials: step graphs and their runs.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the tutorials tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0012_tutorials"
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

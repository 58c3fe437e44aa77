//! Indexes that bound reports by their period: change events by type and
//! time, tickets by first-response and solve time.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Creates the report indexes.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0004_report_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The same DDL on both backends.
        run_all(manager, INDEXES, INDEXES).await
    }
}

const INDEXES: &[&str] = &[
    "CREATE INDEX events_type_at_idx ON events (workspace_id, type, at)",
    "CREATE INDEX tickets_first_response_idx ON tickets (workspace_id, first_response_at)",
    "CREATE INDEX tickets_solved_idx ON tickets (workspace_id, solved_at)",
];

//! Schema migrations, embedded in the binary and applied at start-up and by
//! `autocrm migrate`.
//!
//! Each migration holds its DDL per backend: portable column types (integer
//! ids, UTC timestamps, JSON, enums as text + CHECK), with the dialects
//! diverging only where a backend pays (FTS5 vs tsvector + GIN, jsonb).

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

mod m0001_core;
mod m0002_views;
mod m0003_macros;
mod m0004_report_indexes;
mod m0005_commerce;
mod m0006_invitations;
mod m0007_mentions;
mod m0008_channels;
mod m0009_kb;
mod m0010_portal;
mod m0011_chat;
mod m0012_tutorials;
mod m0013_sms_notice_opt_in;
mod m0014_ai;
mod m0015_chatbot;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_core::Migration),
            Box::new(m0002_views::Migration),
            Box::new(m0003_macros::Migration),
            Box::new(m0004_report_indexes::Migration),
            Box::new(m0005_commerce::Migration),
            Box::new(m0007_mentions::Migration),
            // Written after m0007 was registered: applied in list order, not by number.
            Box::new(m0006_invitations::Migration),
            Box::new(m0008_channels::Migration),
            Box::new(m0009_kb::Migration),
            Box::new(m0010_portal::Migration),
            Box::new(m0011_chat::Migration),
            Box::new(m0012_tutorials::Migration),
            Box::new(m0013_sms_notice_opt_in::Migration),
            Box::new(m0014_ai::Migration),
            Box::new(m0015_chatbot::Migration),
        ]
    }
}

/// Runs each statement of the list for the connection's backend.
async fn run_all(manager: &SchemaManager<'_>, sqlite: &[&str], postgres: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let statements = match db.get_database_backend() {
        DbBackend::Sqlite => sqlite,
        _ => postgres,
    };
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

//! Text-message notices are opt-in: `contact_channel_prefs.sms_notifications`
//! now means "the customer asked for texts", default off.
//!
//! Until now the column defaulted to on and nothing read it: every row's
//! `true` is that default (the portal showed the switch already on), not a
//! customer's choice. Texting those numbers would send unasked-for SMS, so
//! every row starts off; customers opt in from the portal's preferences (or
//! an agent does on their behalf). Nobody loses a text they were getting:
//! none were sent before. The column's SQL default is not changed on SQLite
//! (that needs a table rebuild); every insert sets both switches explicitly.

use sea_orm_migration::prelude::*;

use super::run_all;

/// Resets the old default of `sms_notifications`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &'static str {
        "m0013_sms_notice_opt_in"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(manager, SQLITE, POSTGRES).await
    }
}

const SQLITE: &[&str] = &["UPDATE contact_channel_prefs SET sms_notifications = 0"];

const POSTGRES: &[&str] = &[
    "UPDATE contact_channel_prefs SET sms_notifications = false",
    "ALTER TABLE contact_channel_prefs ALTER COLUMN sms_notifications SET DEFAULT false",
];

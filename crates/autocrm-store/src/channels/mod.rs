//! Channels in the store: mailboxes, the channel side of messages, ticket
//! CCs, suppressions and the workspace's channel settings.
//!
//! Invariants: an inbound message is stored once per workspace (the
//! `channel_messages_dedupe_key` constraint, under any concurrency); a
//! thread never crosses workspaces (every lookup is filtered by the
//! receiving workspace, and reply tokens carry and check it); secrets
//! (IMAP passwords, SMTP URLs, auth tokens) are write-only through this API.

pub mod api;
pub mod email_in;
pub mod email_out;
pub mod mailboxes;
pub mod sms;
pub mod templates;

use autocrm_channels::email::Limits;
use chrono::TimeDelta;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use autocrm_domain::Principal;
use sea_orm::QueryOrder as _;

use crate::entity::{channel_messages, channel_settings, channel_suppressions, mailboxes as mb, ticket_ccs};
use crate::{Store, StoreError, StoreResult};

/// The channel record stored under `key` in the workspace, if any.
pub(crate) async fn find_dedupe(
    conn: &impl ConnectionTrait,
    ws: i64,
    key: &str,
) -> StoreResult<Option<channel_messages::Model>> {
    Ok(channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(ws))
        .filter(channel_messages::Column::DedupeKey.eq(key))
        .one(conn)
        .await?)
}

/// A ticket of the workspace, following merges to the surviving ticket.
pub(crate) async fn live_ticket(
    conn: &impl ConnectionTrait,
    ws: i64,
    id: i64,
) -> StoreResult<Option<crate::entity::tickets::Model>> {
    use crate::entity::tickets;
    let mut id = id;
    for _ in 0..8 {
        let Some(t) = tickets::Entity::find_by_id(id).filter(tickets::Column::WorkspaceId.eq(ws)).one(conn).await?
        else {
            return Ok(None);
        };
        match t.merged_into_id {
            Some(next) => id = next,
            None => return Ok(Some(t)),
        }
    }
    Ok(None)
}

/// Text escaped for HTML content and quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Plain text as HTML paragraphs, escaped (never parsed as markup).
pub(crate) fn text_html(text: &str) -> String {
    let text = text.trim().replace("\r\n", "\n");
    let mut html = String::new();
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        html.push_str(&escape(para.trim()).replace('\n', "<br>"));
        html.push_str("</p>");
    }
    html
}

/// A ticket's channel records, oldest first (staff only: they carry
/// addresses, headers and authentication results).
pub async fn for_ticket(store: &Store, p: &Principal, ticket_id: i64) -> StoreResult<Vec<channel_messages::Model>> {
    if !p.sees_all_tickets() {
        return Err(StoreError::NotFound);
    }
    let ticket = crate::tickets::find_visible(&store.db, p, ticket_id).await?;
    Ok(channel_messages::Entity::find()
        .filter(channel_messages::Column::WorkspaceId.eq(p.workspace_id))
        .filter(channel_messages::Column::TicketId.eq(ticket.id))
        .order_by_asc(channel_messages::Column::Id)
        .all(&store.db)
        .await?)
}

/// The raw message of a channel record (staff only).
pub async fn raw(store: &Store, p: &Principal, id: i64) -> StoreResult<Vec<u8>> {
    if !p.sees_all_tickets() {
        return Err(StoreError::NotFound);
    }
    let row = channel_messages::Entity::find_by_id(id)
        .filter(channel_messages::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let sha = row.raw_sha256.ok_or(StoreError::NotFound)?;
    crate::attachments::read_blob(store, &sha).await
}

/// The workspace's channel settings, created on first use with a fresh
/// reply-token secret.
pub async fn settings(conn: &impl ConnectionTrait, store: &Store, ws: i64) -> StoreResult<channel_settings::Model> {
    if let Some(row) = channel_settings::Entity::find_by_id(ws).one(conn).await? {
        return Ok(row);
    }
    let now = store.now();
    let row = channel_settings::ActiveModel {
        workspace_id: Set(ws),
        reply_secret: Set(crate::sessions::random_token()),
        auto_reply_enabled: Set(true),
        auto_per_ticket: Set(3),
        auto_per_ticket_window_secs: Set(3600),
        auto_per_workspace: Set(500),
        auto_per_workspace_window_secs: Set(3600),
        max_message_bytes: Set(25 * 1024 * 1024),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // Two first uses at once: the later insert does nothing and both read the winner.
    channel_settings::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(channel_settings::Column::WorkspaceId).do_nothing().to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    channel_settings::Entity::find_by_id(ws).one(conn).await?.ok_or(crate::StoreError::NotFound)
}

/// A change to the workspace's channel settings.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    /// Send "we received your request" acknowledgements.
    pub auto_reply_enabled: Option<bool>,
    /// Automatic messages per ticket (and per customer) per hour.
    pub auto_per_ticket: Option<i64>,
    /// Automatic messages per workspace per hour.
    pub auto_per_workspace: Option<i64>,
    /// Largest inbound message accepted, bytes.
    pub max_message_bytes: Option<i64>,
}

/// Changes the workspace's channel settings.
pub async fn update_settings(
    store: &Store,
    p: &Principal,
    patch: SettingsPatch,
) -> StoreResult<channel_settings::Model> {
    use sea_orm::ActiveModelTrait as _;
    let mut problems = Vec::new();
    if patch.auto_per_ticket.is_some_and(|n| !(0..=100).contains(&n)) {
        problems.push(crate::FieldProblem::new("/auto_per_ticket", "must be between 0 and 100"));
    }
    if patch.auto_per_workspace.is_some_and(|n| !(0..=100_000).contains(&n)) {
        problems.push(crate::FieldProblem::new("/auto_per_workspace", "must be between 0 and 100000"));
    }
    if patch.max_message_bytes.is_some_and(|n| !(64 * 1024..=40 * 1024 * 1024).contains(&n)) {
        problems.push(crate::FieldProblem::new("/max_message_bytes", "must be between 65536 and 41943040"));
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let mut tx = store.begin(p).await?;
    let current = settings(tx.conn(), store, tx.ws()).await?;
    let mut am: channel_settings::ActiveModel = current.into();
    if let Some(v) = patch.auto_reply_enabled {
        am.auto_reply_enabled = Set(v);
    }
    if let Some(v) = patch.auto_per_ticket {
        am.auto_per_ticket = Set(v);
    }
    if let Some(v) = patch.auto_per_workspace {
        am.auto_per_workspace = Set(v);
    }
    if let Some(v) = patch.max_message_bytes {
        am.max_message_bytes = Set(v);
    }
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(crate::tx::NewEvent::admin(
        "channel_settings.updated",
        "channel_settings",
        row.workspace_id,
        serde_json::json!({"settings": {"auto_reply_enabled": row.auto_reply_enabled, "auto_per_ticket": row.auto_per_ticket,
            "auto_per_workspace": row.auto_per_workspace, "max_message_bytes": row.max_message_bytes}}),
    ));
    tx.commit().await?;
    Ok(row)
}

impl channel_settings::Model {
    /// The parsing limits of this workspace.
    pub fn limits(&self) -> Limits {
        Limits { max_message_bytes: usize::try_from(self.max_message_bytes).unwrap_or(usize::MAX), ..Limits::default() }
    }

    /// The caps on automatic messages.
    pub fn caps(&self) -> autocrm_channels::email::loops::AutoReplyCaps {
        autocrm_channels::email::loops::AutoReplyCaps {
            per_ticket: u32::try_from(self.auto_per_ticket).unwrap_or(0),
            per_ticket_window: TimeDelta::seconds(self.auto_per_ticket_window_secs),
            per_workspace: u32::try_from(self.auto_per_workspace).unwrap_or(0),
            per_workspace_window: TimeDelta::seconds(self.auto_per_workspace_window_secs),
        }
    }
}

/// Every address the workspace receives mail at (mailboxes and their
/// aliases), lower-case.
pub async fn own_addresses(conn: &impl ConnectionTrait, ws: i64) -> StoreResult<Vec<String>> {
    let rows = mb::Entity::find().filter(mb::Column::WorkspaceId.eq(ws)).all(conn).await?;
    let mut out = Vec::new();
    for m in rows {
        out.push(m.address.clone());
        out.extend(mailboxes::aliases_of(&m));
    }
    Ok(out)
}

/// Adds addresses to a ticket's CC list (already-listed ones are kept once).
pub(crate) async fn add_ccs(
    conn: &impl ConnectionTrait,
    store: &Store,
    ws: i64,
    ticket_id: i64,
    addresses: &[(String, Option<String>)],
) -> StoreResult<()> {
    let now = store.now();
    for (address, name) in addresses.iter().take(20) {
        ticket_ccs::Entity::insert(ticket_ccs::ActiveModel {
            workspace_id: Set(ws),
            ticket_id: Set(ticket_id),
            address: Set(address.clone()),
            name: Set(name.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([ticket_ccs::Column::TicketId, ticket_ccs::Column::Address])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// The ticket's CC addresses.
pub async fn ccs(conn: &impl ConnectionTrait, ws: i64, ticket_id: i64) -> StoreResult<Vec<ticket_ccs::Model>> {
    Ok(ticket_ccs::Entity::find()
        .filter(ticket_ccs::Column::WorkspaceId.eq(ws))
        .filter(ticket_ccs::Column::TicketId.eq(ticket_id))
        .all(conn)
        .await?)
}

/// Why an address is suppressed on a channel, if it is.
pub async fn suppression(
    conn: &impl ConnectionTrait,
    ws: i64,
    channel: &str,
    address: &str,
) -> StoreResult<Option<channel_suppressions::Model>> {
    Ok(channel_suppressions::Entity::find()
        .filter(channel_suppressions::Column::WorkspaceId.eq(ws))
        .filter(channel_suppressions::Column::Channel.eq(channel))
        .filter(channel_suppressions::Column::Address.eq(address.to_lowercase()))
        .one(conn)
        .await?)
}

/// Records a suppression (idempotent per reason).
pub(crate) async fn suppress(
    conn: &impl ConnectionTrait,
    store: &Store,
    ws: i64,
    channel: &str,
    address: &str,
    reason: &str,
    detail: Option<String>,
) -> StoreResult<()> {
    let now = store.now();
    channel_suppressions::Entity::insert(channel_suppressions::ActiveModel {
        workspace_id: Set(ws),
        channel: Set(channel.to_owned()),
        address: Set(address.to_lowercase()),
        reason: Set(reason.to_owned()),
        detail: Set(detail),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            channel_suppressions::Column::WorkspaceId,
            channel_suppressions::Column::Channel,
            channel_suppressions::Column::Address,
            channel_suppressions::Column::Reason,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Lifts a suppression (a customer texting START, an admin clearing a bounce).
pub(crate) async fn unsuppress(
    conn: &impl ConnectionTrait,
    ws: i64,
    channel: &str,
    address: &str,
    reason: &str,
) -> StoreResult<()> {
    channel_suppressions::Entity::delete_many()
        .filter(channel_suppressions::Column::WorkspaceId.eq(ws))
        .filter(channel_suppressions::Column::Channel.eq(channel))
        .filter(channel_suppressions::Column::Address.eq(address.to_lowercase()))
        .filter(channel_suppressions::Column::Reason.eq(reason))
        .exec(conn)
        .await?;
    Ok(())
}

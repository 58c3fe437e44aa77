//! Mailboxes: the addresses a workspace receives mail at, how to poll them
//! (IMAP) and how to send from them (SMTP).
//!
//! Invariants: the IMAP password and the SMTP URL (which may carry a
//! password) are write-only: reads return whether they are set, never the
//! value. The inbound token is stored as its SHA-256 and shown once. Only
//! one node polls a mailbox at a time: a poll claims the row with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and the UID cursor is saved
//! after every message so a restart resumes where it stopped.

use autocrm_domain::{EmailAddress, Principal};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    IntoActiveModel as _, QueryFilter, QueryOrder, Statement,
};
use serde_json::json;

use crate::entity::mailboxes;
use crate::sessions::{hash_token, random_token};
use crate::tx::NewEvent;
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// IMAP settings as given by an admin. `password: None` on update keeps the stored one.
#[derive(Debug, Clone, Default)]
pub struct ImapInput {
    /// Server host name.
    pub host: String,
    /// Port (993 for TLS, 143 for STARTTLS).
    pub port: u16,
    /// `tls`, `starttls` or `plain`.
    pub security: String,
    /// Login.
    pub username: String,
    /// Password; `None` keeps the stored one.
    pub password: Option<String>,
    /// Folder to poll.
    pub folder: String,
}

/// A mailbox as created or changed. On update, `None` leaves a field as it is;
/// `imap: Some(None)` removes the IMAP settings (the mailbox then receives
/// only through the inbound endpoint or the pipe).
#[derive(Debug, Clone, Default)]
pub struct MailboxInput {
    /// The address (`support@shop.example`).
    pub address: Option<String>,
    /// Display name used in `From`.
    pub name: Option<String>,
    /// Other addresses delivered to this mailbox.
    pub aliases: Option<Vec<String>>,
    /// IMAP polling.
    pub imap: Option<Option<ImapInput>>,
    /// Seconds between polls (5–86400).
    pub poll_interval_secs: Option<i64>,
    /// `smtp://user:pass@host:587` / `smtps://…` for sending; `Some(None)`: the server's `[mail]`.
    pub smtp_url: Option<Option<String>>,
    /// Whether the mailbox receives and sends.
    pub active: Option<bool>,
}

/// The aliases of a mailbox, lower-case.
pub fn aliases_of(m: &mailboxes::Model) -> Vec<String> {
    serde_json::from_value(m.aliases.clone()).unwrap_or_default()
}

fn parse_address(raw: &str, pointer: &str, problems: &mut Vec<FieldProblem>) -> Option<String> {
    match EmailAddress::parse(raw) {
        Ok(a) if !a.local_part().contains('+') => Some(a.as_str().to_owned()),
        Ok(_) => {
            problems.push(FieldProblem::new(pointer, "must not contain '+' (reply tokens use plus-addressing)"));
            None
        }
        Err(_) => {
            problems.push(FieldProblem::new(pointer, "is not an e-mail address"));
            None
        }
    }
}

fn check_imap(imap: &ImapInput, creating: bool, problems: &mut Vec<FieldProblem>) {
    let host = imap.host.trim();
    if host.is_empty() || host.len() > 253 || host.contains(|c: char| c.is_whitespace() || c == '/') {
        problems.push(FieldProblem::new("/imap/host", "must be a host name"));
    }
    if imap.port == 0 {
        problems.push(FieldProblem::new("/imap/port", "must be between 1 and 65535"));
    }
    if !matches!(imap.security.as_str(), "tls" | "starttls" | "plain") {
        problems.push(FieldProblem::new("/imap/security", "must be one of tls, starttls, plain"));
    }
    if imap.username.trim().is_empty() {
        problems.push(FieldProblem::new("/imap/username", "must not be empty"));
    }
    if creating && imap.password.as_deref().is_none_or(str::is_empty) {
        problems.push(FieldProblem::new("/imap/password", "is required"));
    }
    if imap.folder.trim().is_empty() || imap.folder.len() > 200 {
        problems.push(FieldProblem::new("/imap/folder", "must be a folder name"));
    }
}

fn check_smtp_url(url: &str, problems: &mut Vec<FieldProblem>) {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "smtp" | "smtps") && u.host_str().is_some() => {}
        _ => problems.push(FieldProblem::new("/smtp_url", "must be an smtp:// or smtps:// URL with a host")),
    }
}

/// Creates a mailbox; returns it with its inbound token (shown once).
pub async fn create(store: &Store, p: &Principal, input: MailboxInput) -> StoreResult<(mailboxes::Model, String)> {
    let mut problems = Vec::new();
    let address = if let Some(a) = input.address.as_deref() {
        parse_address(a, "/address", &mut problems)
    } else {
        problems.push(FieldProblem::new("/address", "is required"));
        None
    };
    let aliases: Vec<String> = input
        .aliases
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, a)| parse_address(a, &format!("/aliases/{i}"), &mut problems))
        .collect();
    if let Some(Some(imap)) = &input.imap {
        check_imap(imap, true, &mut problems);
    }
    if let Some(Some(url)) = &input.smtp_url {
        check_smtp_url(url, &mut problems);
    }
    let interval = input.poll_interval_secs.unwrap_or(60);
    if !(5..=86_400).contains(&interval) {
        problems.push(FieldProblem::new("/poll_interval_secs", "must be between 5 and 86400"));
    }
    let Some(address) = address.filter(|_| problems.is_empty()) else {
        return Err(StoreError::Invalid(problems));
    };
    let token = format!("mbx_{}", random_token());
    let now = store.now();
    let imap = input.imap.flatten();
    let mut tx = store.begin(p).await?;
    let taken = super::own_addresses(tx.conn(), tx.ws()).await?;
    if let Some(a) = std::iter::once(&address).chain(aliases.iter()).find(|a| taken.contains(a)) {
        return Err(StoreError::Conflict {
            code: "mailbox_address_taken",
            message: format!("{a} already belongs to a mailbox of this workspace"),
        });
    }
    let row = mailboxes::ActiveModel {
        workspace_id: Set(tx.ws()),
        address: Set(address.clone()),
        name: Set(input.name.unwrap_or_default().trim().chars().take(100).collect()),
        aliases: Set(json!(aliases)),
        imap_host: Set(imap.as_ref().map(|i| i.host.trim().to_owned())),
        imap_port: Set(imap.as_ref().map(|i| i64::from(i.port))),
        imap_security: Set(imap.as_ref().map_or_else(|| "tls".to_owned(), |i| i.security.clone())),
        imap_username: Set(imap.as_ref().map(|i| i.username.trim().to_owned())),
        imap_password: Set(imap.as_ref().and_then(|i| i.password.clone())),
        imap_folder: Set(imap.as_ref().map_or_else(|| "INBOX".to_owned(), |i| i.folder.trim().to_owned())),
        poll_interval_secs: Set(interval),
        smtp_url: Set(input.smtp_url.flatten()),
        inbound_token_hash: Set(hash_token(&token)),
        active: Set(input.active.unwrap_or(true)),
        imap_uid_validity: Set(None),
        imap_last_uid: Set(None),
        next_poll_at: Set(imap.as_ref().map(|_| now)),
        poll_lease_until: Set(None),
        last_polled_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "mailbox.created",
        "mailbox",
        row.id,
        json!({"mailbox": {"id": row.id, "address": address}}),
    ));
    tx.commit().await?;
    Ok((row, token))
}

/// The IMAP settings to poll a mailbox with, when it has them.
/// `accept_invalid_certs` is for loopback test servers only.
pub fn imap_settings(
    m: &mailboxes::Model,
    accept_invalid_certs: bool,
) -> Option<autocrm_channels::email::imap::ImapSettings> {
    use autocrm_channels::email::imap::{ImapSettings, Security};
    let security = match m.imap_security.as_str() {
        "starttls" => Security::StartTls,
        "plain" => Security::Plain,
        _ => Security::Tls,
    };
    Some(ImapSettings {
        host: m.imap_host.clone()?,
        port: u16::try_from(m.imap_port?).ok()?,
        security,
        username: m.imap_username.clone()?,
        password: m.imap_password.clone()?,
        folder: m.imap_folder.clone(),
        accept_invalid_certs,
    })
}

/// Every mailbox of the workspace.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<mailboxes::Model>> {
    Ok(mailboxes::Entity::find()
        .filter(mailboxes::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(mailboxes::Column::Id)
        .all(&store.db)
        .await?)
}

/// One mailbox.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<mailboxes::Model> {
    get_in(&store.db, p.workspace_id, id).await
}

pub(crate) async fn get_in(conn: &impl ConnectionTrait, ws: i64, id: i64) -> StoreResult<mailboxes::Model> {
    mailboxes::Entity::find_by_id(id)
        .filter(mailboxes::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The mailbox receiving at `address` (its own address or an alias).
pub async fn find_by_address(store: &Store, ws: i64, address: &str) -> StoreResult<mailboxes::Model> {
    let address = address.trim().to_lowercase();
    let rows = mailboxes::Entity::find().filter(mailboxes::Column::WorkspaceId.eq(ws)).all(&store.db).await?;
    rows.into_iter().find(|m| m.address == address || aliases_of(m).contains(&address)).ok_or(StoreError::NotFound)
}

/// The mailbox an inbound token belongs to.
pub async fn find_by_token(store: &Store, token: &str) -> StoreResult<mailboxes::Model> {
    if !token.starts_with("mbx_") || token.len() > 100 {
        return Err(StoreError::NotFound);
    }
    mailboxes::Entity::find()
        .filter(mailboxes::Column::InboundTokenHash.eq(hash_token(token)))
        .filter(mailboxes::Column::Active.eq(true))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The workspace's first active mailbox: where replies to tickets that did
/// not arrive by e-mail are sent from.
pub(crate) async fn default_in(conn: &impl ConnectionTrait, ws: i64) -> StoreResult<Option<mailboxes::Model>> {
    Ok(mailboxes::Entity::find()
        .filter(mailboxes::Column::WorkspaceId.eq(ws))
        .filter(mailboxes::Column::Active.eq(true))
        .order_by_asc(mailboxes::Column::Id)
        .one(conn)
        .await?)
}

/// Changes a mailbox.
pub async fn update(store: &Store, p: &Principal, id: i64, input: MailboxInput) -> StoreResult<mailboxes::Model> {
    let mut problems = Vec::new();
    let address = input.address.as_deref().and_then(|a| parse_address(a, "/address", &mut problems));
    let aliases: Option<Vec<String>> = input.aliases.as_ref().map(|list| {
        list.iter().enumerate().filter_map(|(i, a)| parse_address(a, &format!("/aliases/{i}"), &mut problems)).collect()
    });
    if let Some(Some(imap)) = &input.imap {
        check_imap(imap, false, &mut problems);
    }
    if let Some(Some(url)) = &input.smtp_url {
        check_smtp_url(url, &mut problems);
    }
    if let Some(i) = input.poll_interval_secs
        && !(5..=86_400).contains(&i)
    {
        problems.push(FieldProblem::new("/poll_interval_secs", "must be between 5 and 86400"));
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let current = get_in(tx.conn(), tx.ws(), id).await?;
    let taken: Vec<String> = super::own_addresses(tx.conn(), tx.ws())
        .await?
        .into_iter()
        .filter(|a| *a != current.address && !aliases_of(&current).contains(a))
        .collect();
    let wanted = address.iter().chain(aliases.iter().flatten());
    if let Some(a) = wanted.into_iter().find(|a| taken.contains(a)) {
        return Err(StoreError::Conflict {
            code: "mailbox_address_taken",
            message: format!("{a} already belongs to a mailbox of this workspace"),
        });
    }
    let mut am = current.clone().into_active_model();
    if let Some(a) = address {
        am.address = Set(a);
    }
    if let Some(n) = input.name {
        am.name = Set(n.trim().chars().take(100).collect());
    }
    if let Some(a) = aliases {
        am.aliases = Set(json!(a));
    }
    match input.imap {
        Some(Some(imap)) => {
            let changed_server = current.imap_host.as_deref() != Some(imap.host.trim())
                || current.imap_username.as_deref() != Some(imap.username.trim())
                || current.imap_folder != imap.folder.trim();
            if imap.password.is_none() && current.imap_password.is_none() {
                return Err(StoreError::invalid("/imap/password", "is required"));
            }
            am.imap_host = Set(Some(imap.host.trim().to_owned()));
            am.imap_port = Set(Some(i64::from(imap.port)));
            am.imap_security = Set(imap.security);
            am.imap_username = Set(Some(imap.username.trim().to_owned()));
            if let Some(pw) = imap.password {
                am.imap_password = Set(Some(pw));
            }
            am.imap_folder = Set(imap.folder.trim().to_owned());
            if changed_server {
                // Another server or folder: its UIDs mean nothing against the old cursor.
                am.imap_uid_validity = Set(None);
                am.imap_last_uid = Set(None);
            }
            am.next_poll_at = Set(Some(now));
            am.last_error = Set(None);
        }
        Some(None) => {
            am.imap_host = Set(None);
            am.imap_port = Set(None);
            am.imap_username = Set(None);
            am.imap_password = Set(None);
            am.imap_uid_validity = Set(None);
            am.imap_last_uid = Set(None);
            am.next_poll_at = Set(None);
        }
        None => {}
    }
    if let Some(i) = input.poll_interval_secs {
        am.poll_interval_secs = Set(i);
    }
    if let Some(s) = input.smtp_url {
        am.smtp_url = Set(s);
    }
    if let Some(a) = input.active {
        am.active = Set(a);
    }
    am.updated_at = Set(now);
    let row = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "mailbox.updated",
        "mailbox",
        row.id,
        json!({"mailbox": {"id": row.id, "address": row.address}}),
    ));
    tx.commit().await?;
    Ok(row)
}

/// Issues a new inbound token (the old one stops working); returns it once.
pub async fn rotate_token(store: &Store, p: &Principal, id: i64) -> StoreResult<String> {
    let token = format!("mbx_{}", random_token());
    let mut tx = store.begin(p).await?;
    let current = get_in(tx.conn(), tx.ws(), id).await?;
    let mut am = current.into_active_model();
    am.inbound_token_hash = Set(hash_token(&token));
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "mailbox.updated",
        "mailbox",
        row.id,
        json!({"mailbox": {"id": row.id, "address": row.address, "token_rotated": true}}),
    ));
    tx.commit().await?;
    Ok(token)
}

/// Deletes a mailbox (its messages stay on their tickets).
pub async fn delete(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let mut tx = store.begin(p).await?;
    let current = get_in(tx.conn(), tx.ws(), id).await?;
    mailboxes::Entity::delete_by_id(current.id).exec(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "mailbox.deleted",
        "mailbox",
        current.id,
        json!({"mailbox": {"id": current.id, "address": current.address}}),
    ));
    tx.commit().await?;
    Ok(())
}

/// Claims up to `n` mailboxes due for an IMAP poll, for `lease`. A claimed
/// mailbox is polled by no other node until the lease ends or
/// [`finish_poll`] releases it.
pub async fn claim_due(store: &Store, n: u64, lease: Duration) -> StoreResult<Vec<mailboxes::Model>> {
    let now = store.now();
    let lock = if store.backend == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE mailboxes SET poll_lease_until = $1 WHERE id IN (\
           SELECT id FROM mailboxes WHERE active AND imap_host IS NOT NULL \
           AND (next_poll_at IS NULL OR next_poll_at <= $2) \
           AND (poll_lease_until IS NULL OR poll_lease_until < $3) \
           ORDER BY next_poll_at, id LIMIT $4{lock}) RETURNING *"
    );
    let rows = store
        .db
        .query_all_raw(Statement::from_sql_and_values(
            store.backend,
            sql,
            [(now + lease).into(), now.into(), now.into(), (n as i64).into()],
        ))
        .await?;
    rows.iter().map(|r| mailboxes::Model::from_query_result(r, "").map_err(Into::into)).collect()
}

/// Saves the UID cursor after a message is stored (so a crash re-fetches at
/// most that one message, which the store then recognises as a duplicate).
pub async fn save_cursor(store: &Store, id: i64, uid_validity: u32, last_uid: u32) -> StoreResult<()> {
    mailboxes::Entity::update_many()
        .col_expr(mailboxes::Column::ImapUidValidity, sea_orm::sea_query::Expr::val(i64::from(uid_validity)))
        .col_expr(mailboxes::Column::ImapLastUid, sea_orm::sea_query::Expr::val(i64::from(last_uid)))
        .filter(mailboxes::Column::Id.eq(id))
        .exec(&store.db)
        .await?;
    Ok(())
}

/// Ends a poll: releases the lease and schedules the next one (sooner after
/// a full batch, later after an error).
pub async fn finish_poll(store: &Store, id: i64, next_at: DateTime<Utc>, error: Option<&str>) -> StoreResult<()> {
    mailboxes::Entity::update_many()
        .col_expr(mailboxes::Column::PollLeaseUntil, sea_orm::sea_query::Expr::val(Option::<DateTime<Utc>>::None))
        .col_expr(mailboxes::Column::NextPollAt, sea_orm::sea_query::Expr::val(next_at))
        .col_expr(mailboxes::Column::LastPolledAt, sea_orm::sea_query::Expr::val(store.now()))
        .col_expr(
            mailboxes::Column::LastError,
            sea_orm::sea_query::Expr::val(error.map(|e| e.chars().take(500).collect::<String>())),
        )
        .filter(mailboxes::Column::Id.eq(id))
        .exec(&store.db)
        .await?;
    Ok(())
}

//! Attachments: content-addressed blobs on local disk plus metadata rows.
//!
//! A blob lives at `blob_dir/ab/cdef…` named by its SHA-256, so identical
//! uploads share one file and a name is only metadata. Rows belong to a
//! ticket (and, once sent, a message); reads apply the ticket's visibility.

use autocrm_domain::Principal;
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect as _};
use sha2::{Digest as _, Sha256};

use crate::entity::{attachments, messages};
use crate::{Store, StoreError, StoreResult};

/// Largest upload accepted (bytes).
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// Stores a blob and its metadata on a ticket (optionally a message).
pub async fn create(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    message_id: Option<i64>,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> StoreResult<attachments::Model> {
    if bytes.is_empty() {
        return Err(StoreError::invalid("/file", "is empty"));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(StoreError::invalid("/file", "is larger than 20 MiB"));
    }
    let ticket = crate::tickets::find_visible(&store.db, p, ticket_id).await?;
    if let Some(mid) = message_id {
        let m = messages::Entity::find_by_id(mid)
            .filter(messages::Column::TicketId.eq(ticket.id))
            .one(&store.db)
            .await?
            .ok_or_else(|| StoreError::invalid("/message_id", "no such message on this ticket"))?;
        if m.internal && !p.sees_all_tickets() {
            return Err(StoreError::NotFound);
        }
    }
    let sha = write_blob(store, bytes).await?;
    let name: String =
        filename.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"')).take(200).collect();
    let name = if name.trim().is_empty() { "attachment".to_owned() } else { name };
    let now = store.now();
    let (uid, cid) = (p.user_id().filter(|_| p.sees_all_tickets()), p.customer_contact());
    Ok(attachments::ActiveModel {
        workspace_id: Set(p.workspace_id),
        public_id: Set(crate::sessions::random_token()),
        ticket_id: Set(Some(ticket.id)),
        message_id: Set(message_id),
        sha256: Set(sha),
        filename: Set(name),
        content_type: Set(content_type.chars().take(100).collect()),
        size: Set(bytes.len() as i64),
        uploaded_by_user_id: Set(uid),
        uploaded_by_contact_id: Set(cid),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&store.db)
    .await?)
}

/// Metadata and bytes of an attachment the principal may see.
pub async fn read(store: &Store, p: &Principal, public_id: &str) -> StoreResult<(attachments::Model, Vec<u8>)> {
    let a = attachments::Entity::find()
        .filter(attachments::Column::PublicId.eq(public_id))
        .filter(attachments::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let ticket_id = a.ticket_id.ok_or(StoreError::NotFound)?;
    crate::tickets::find_visible(&store.db, p, ticket_id).await?;
    if let Some(mid) = a.message_id {
        let m = messages::Entity::find_by_id(mid).one(&store.db).await?.ok_or(StoreError::NotFound)?;
        if m.internal && !p.sees_all_tickets() {
            return Err(StoreError::NotFound);
        }
    }
    let bytes = tokio::fs::read(blob_path(store, &a.sha256)).await.map_err(StoreError::io)?;
    Ok((a, bytes))
}

/// Attachments of a ticket's messages (for message lists); customers do not
/// see those of internal notes, as they do not see the notes.
pub async fn for_ticket(store: &Store, p: &Principal, ticket_id: i64) -> StoreResult<Vec<attachments::Model>> {
    crate::tickets::find_visible(&store.db, p, ticket_id).await?;
    let rows = attachments::Entity::find()
        .filter(attachments::Column::WorkspaceId.eq(p.workspace_id))
        .filter(attachments::Column::TicketId.eq(ticket_id))
        .all(&store.db)
        .await?;
    if p.sees_all_tickets() {
        return Ok(rows);
    }
    let internal: Vec<i64> = messages::Entity::find()
        .select_only()
        .column(messages::Column::Id)
        .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
        .filter(messages::Column::TicketId.eq(ticket_id))
        .filter(messages::Column::Internal.eq(true))
        .into_tuple::<i64>()
        .all(&store.db)
        .await?;
    Ok(rows.into_iter().filter(|a| a.message_id.is_none_or(|m| !internal.contains(&m))).collect())
}

/// Writes a blob under its SHA-256 (once: identical content shares a file)
/// and returns the hash. Written before the transaction that references it:
/// an unreferenced blob after a failed transaction is harmless.
pub(crate) async fn write_blob(store: &Store, bytes: &[u8]) -> StoreResult<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    let path = blob_path(store, &sha);
    if !path.exists() {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(StoreError::io)?;
        }
        // Write then rename, so a crash never leaves a truncated blob under its hash.
        let tmp = path.with_extension(format!("tmp{}", crate::sessions::random_token().get(..8).unwrap_or("x")));
        tokio::fs::write(&tmp, bytes).await.map_err(StoreError::io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(StoreError::io)?;
    }
    Ok(sha)
}

/// Reads a blob by its hash.
pub(crate) async fn read_blob(store: &Store, sha: &str) -> StoreResult<Vec<u8>> {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::NotFound);
    }
    tokio::fs::read(blob_path(store, sha)).await.map_err(StoreError::io)
}

fn blob_path(store: &Store, sha: &str) -> std::path::PathBuf {
    store.blob_dir.join(&sha[..2]).join(&sha[2..])
}

//! Files attached to articles (images in the body, downloads under it):
//! content-addressed blobs shared with ticket attachments
//! (`crate::attachments`), metadata in `kb_attachments`.
//!
//! A published article's files are public (the help center serves them);
//! a draft's or an internal article's only to staff.

use autocrm_domain::Principal;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::ArticleStatus;
use super::articles::{find_row, status_of};
use super::staff_only;
use crate::entity::{kb_articles, kb_attachments};
use crate::tx::{NewEvent, Visibility};
use crate::{Store, StoreError, StoreResult};

/// Largest file (bytes), as for ticket attachments.
pub const MAX_FILE_BYTES: usize = crate::attachments::MAX_ATTACHMENT_BYTES;

/// A file's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// Opaque public id (part of its URL).
    pub public_id: String,
    /// The article.
    pub article_id: i64,
    /// File name.
    pub filename: String,
    /// Declared media type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
}

fn meta_of(a: kb_attachments::Model) -> FileMeta {
    FileMeta {
        public_id: a.public_id,
        article_id: a.article_id,
        filename: a.filename,
        content_type: a.content_type,
        size: a.size,
        created_at: a.created_at,
    }
}

/// Whether a media type is a raster image browsers may show inline (SVG is
/// not: it can carry script).
pub fn is_inline_image(content_type: &str) -> bool {
    matches!(content_type, "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/avif")
}

/// Stores a file on an article.
pub async fn upload(
    store: &Store,
    p: &Principal,
    article_id: i64,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> StoreResult<FileMeta> {
    staff_only(p)?;
    let article = find_row(&store.db, p.workspace_id, article_id).await?;
    if bytes.is_empty() {
        return Err(StoreError::invalid("/file", "is empty"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(StoreError::invalid("/file", "is larger than 20 MiB"));
    }
    let sha = crate::attachments::write_blob(store, bytes).await?;
    let name: String =
        filename.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"')).take(200).collect();
    let name = if name.trim().is_empty() { "file".to_owned() } else { name };
    let ct: String =
        content_type.chars().filter(|c| !c.is_control()).take(100).collect::<String>().to_ascii_lowercase();
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = kb_attachments::ActiveModel {
        workspace_id: Set(tx.ws()),
        public_id: Set(crate::sessions::random_token()),
        article_id: Set(article.id),
        sha256: Set(sha),
        filename: Set(name),
        content_type: Set(ct),
        size: Set(bytes.len() as i64),
        uploaded_by_user_id: Set(p.user_id()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent {
        event_type: "article.updated",
        subject_type: "article",
        subject_id: Some(article.id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data: json!({"article": {"id": article.id, "status": status_of(&article).as_str()}, "file_added": row.filename}),
    });
    tx.commit().await?;
    Ok(meta_of(row))
}

/// Files of an article (staff).
pub async fn list(store: &Store, p: &Principal, article_id: i64) -> StoreResult<Vec<FileMeta>> {
    staff_only(p)?;
    find_row(&store.db, p.workspace_id, article_id).await?;
    list_for(store, p.workspace_id, article_id).await
}

pub(crate) async fn list_for(store: &Store, ws: i64, article_id: i64) -> StoreResult<Vec<FileMeta>> {
    let rows = kb_attachments::Entity::find()
        .filter(kb_attachments::Column::WorkspaceId.eq(ws))
        .filter(kb_attachments::Column::ArticleId.eq(article_id))
        .order_by_asc(kb_attachments::Column::Id)
        .all(&store.db)
        .await?;
    Ok(rows.into_iter().map(meta_of).collect())
}

/// Removes a file from an article (the blob stays: it may be shared).
pub async fn delete(store: &Store, p: &Principal, article_id: i64, public_id: &str) -> StoreResult<()> {
    staff_only(p)?;
    let article = find_row(&store.db, p.workspace_id, article_id).await?;
    let row = kb_attachments::Entity::find()
        .filter(kb_attachments::Column::WorkspaceId.eq(p.workspace_id))
        .filter(kb_attachments::Column::ArticleId.eq(article_id))
        .filter(kb_attachments::Column::PublicId.eq(public_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut tx = store.begin(p).await?;
    kb_attachments::Entity::delete_by_id(row.id).exec(tx.conn()).await?;
    tx.emit(NewEvent {
        event_type: "article.updated",
        subject_type: "article",
        subject_id: Some(article.id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data: json!({"article": {"id": article.id, "status": status_of(&article).as_str()}, "file_removed": row.filename}),
    });
    tx.commit().await?;
    Ok(())
}

/// A file and its bytes: in workspace `ws`, for the public only when its
/// article is published (`staff` reads any).
pub async fn read(store: &Store, ws: i64, public_id: &str, staff: bool) -> StoreResult<(FileMeta, Vec<u8>)> {
    let row = kb_attachments::Entity::find()
        .filter(kb_attachments::Column::WorkspaceId.eq(ws))
        .filter(kb_attachments::Column::PublicId.eq(public_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !staff {
        let published = kb_articles::Entity::find_by_id(row.article_id)
            .filter(kb_articles::Column::Status.eq(ArticleStatus::Published.as_str()))
            .one(&store.db)
            .await?
            .is_some();
        if !published {
            return Err(StoreError::NotFound);
        }
    }
    let bytes = crate::attachments::read_blob(store, &row.sha256).await?;
    Ok((meta_of(row), bytes))
}

//! Attachments: content-addressed blobs and the size limit.

use autocrm_store::StoreError;
use autocrm_store::attachments::{self, MAX_ATTACHMENT_BYTES};

use crate::support::world;

/// Every file under the blob directory.
fn blob_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(blob_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn identical_uploads_share_one_blob_on_disk_and_different_bytes_get_their_own() {
    // Arrange
    let w = world().await;
    let a = w.ticket_for(&w.carla, "a").await.ticket.id;
    let b = w.ticket_for(&w.bob, "b").await.ticket.id;
    let bytes = b"%PDF-1.7 the same invoice".to_vec();
    let blobs = w.dir.path().join("blobs");
    // Act
    let first =
        attachments::create(&w.store, &w.carla, a, None, "invoice.pdf", "application/pdf", &bytes).await.unwrap();
    let second = attachments::create(&w.store, &w.agent, b, None, "copy.pdf", "application/pdf", &bytes).await.unwrap();
    // Assert
    assert_eq!(first.sha256, second.sha256);
    assert_ne!(first.public_id, second.public_id, "two attachments, one blob");
    assert_eq!(blob_files(&blobs).len(), 1, "stored once: {:?}", blob_files(&blobs));
    let (meta, read) = attachments::read(&w.store, &w.bob, &second.public_id).await.unwrap();
    assert_eq!((meta.filename.as_str(), read), ("copy.pdf", bytes.clone()));
    attachments::create(&w.store, &w.carla, a, None, "other.txt", "text/plain", b"different").await.unwrap();
    assert_eq!(blob_files(&blobs).len(), 2);
    // Reach is per attachment row, not per blob.
    assert!(matches!(attachments::read(&w.store, &w.bob, &first.public_id).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn uploads_over_the_size_limit_or_empty_are_refused_and_nothing_is_stored() {
    // Arrange
    let w = world().await;
    let t = w.ticket_for(&w.carla, "big").await.ticket.id;
    let blobs = w.dir.path().join("blobs");
    let too_big = vec![7_u8; MAX_ATTACHMENT_BYTES + 1];
    // Act
    let err = attachments::create(&w.store, &w.carla, t, None, "big.bin", "application/octet-stream", &too_big)
        .await
        .unwrap_err();
    let empty = attachments::create(&w.store, &w.carla, t, None, "e.bin", "application/octet-stream", &[]).await;
    // Assert
    assert!(matches!(&err, StoreError::Invalid(p) if p[0].pointer == "/file"), "{err:?}");
    assert!(matches!(&empty, Err(StoreError::Invalid(p)) if p[0].pointer == "/file"), "{empty:?}");
    assert!(blob_files(&blobs).is_empty());
    assert!(attachments::for_ticket(&w.store, &w.agent, t).await.unwrap().is_empty());
    // Exactly at the limit is fine.
    let max = vec![7_u8; MAX_ATTACHMENT_BYTES];
    let ok =
        attachments::create(&w.store, &w.carla, t, None, "max.bin", "application/octet-stream", &max).await.unwrap();
    assert_eq!(ok.size, MAX_ATTACHMENT_BYTES as i64);
}

//! Renaming, merging and deleting a tag keep each ticket's `tags` and the
//! `ticket_tags` rows the tag filters read in step.

use std::collections::{BTreeMap, BTreeSet};

use autocrm_store::entity::ticket_tags;
use autocrm_store::tags;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::support::{World, new_ticket, world};

async fn tagged(w: &World, tags: &[&str]) -> i64 {
    let mut t = new_ticket("tagged");
    t.tags = tags.iter().map(|s| (*s).to_owned()).collect();
    w.ticket(&w.admin, t).await.ticket.id
}

/// Each ticket's tags as stored on the ticket and as mirrored in `ticket_tags`.
async fn both_views(w: &World) -> (BTreeMap<i64, BTreeSet<String>>, BTreeMap<i64, BTreeSet<String>>) {
    let mut on_ticket = BTreeMap::new();
    for row in w.rows().await {
        let tags: Vec<String> = serde_json::from_value(row.tags).unwrap();
        on_ticket.insert(row.id, tags.into_iter().collect());
    }
    let mut mirrored: BTreeMap<i64, BTreeSet<String>> = on_ticket.keys().map(|id| (*id, BTreeSet::new())).collect();
    for r in ticket_tags::Entity::find()
        .filter(ticket_tags::Column::WorkspaceId.eq(w.ws))
        .all(w.store.connection())
        .await
        .unwrap()
    {
        mirrored.entry(r.ticket_id).or_default().insert(r.tag);
    }
    (on_ticket, mirrored)
}

#[tokio::test]
async fn rename_merge_and_delete_keep_ticket_tags_and_their_index_rows_in_step() {
    // Arrange
    let w = world().await;
    let a = tagged(&w, &["vip", "gold", "x"]).await;
    let b = tagged(&w, &["vip"]).await;
    let c = tagged(&w, &["gold"]).await;
    // Act + Assert
    let renamed = tags::rename(&w.store, &w.admin, "vip", "platinum").await.unwrap();
    assert_eq!(renamed.tickets, 2);
    let (on_ticket, mirrored) = both_views(&w).await;
    assert_eq!(on_ticket, mirrored);
    assert!(on_ticket[&a].contains("platinum") && on_ticket[&b].contains("platinum"));

    let merged = tags::merge(&w.store, &w.admin, "platinum", "gold").await.unwrap();
    assert_eq!(merged.tickets, 2);
    let (on_ticket, mirrored) = both_views(&w).await;
    assert_eq!(on_ticket, mirrored);
    let gold: BTreeSet<String> = ["gold".to_owned()].into();
    assert_eq!(on_ticket[&b], gold);
    assert_eq!(on_ticket[&c], gold);
    assert_eq!(on_ticket[&a], ["gold".to_owned(), "x".to_owned()].into());

    let deleted = tags::delete(&w.store, &w.admin, "gold").await.unwrap();
    assert_eq!(deleted.tickets, 3);
    let (on_ticket, mirrored) = both_views(&w).await;
    assert_eq!(on_ticket, mirrored);
    assert_eq!(on_ticket[&a], ["x".to_owned()].into());
    assert!(on_ticket[&c].is_empty());
}

#[tokio::test]
async fn a_tag_of_another_workspace_is_not_found() {
    // Arrange
    let w = world().await;
    tagged(&w, &["vip"]).await;
    // Act
    let res = tags::delete(&w.store, &w.other_admin, "vip").await;
    // Assert
    assert!(matches!(res, Err(autocrm_store::StoreError::NotFound)));
    assert_eq!(tags::ticket_tag_counts(&w.store, &w.admin, None, 10).await.unwrap(), [("vip".to_owned(), 1)]);
}

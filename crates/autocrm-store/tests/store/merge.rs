//! Merging: the conversation moves, the source closes with a link, events are recorded.

use autocrm_store::StoreError;
use autocrm_store::messages;
use autocrm_store::tickets;

use crate::support::world;

#[tokio::test]
async fn merging_moves_the_conversation_and_closes_the_source_with_a_link_and_events() {
    // Arrange: a source with a reply, a note and an attachment; a target with one message.
    let w = world().await;
    let source = w.ticket_for(&w.carla, "Parcel damaged").await.ticket;
    let target = w.ticket_for(&w.carla, "Parcel damaged (again)").await.ticket;
    let reply = messages::create(&w.store, &w.carla, source.id, "the box was crushed", false).await.unwrap();
    let note = messages::create(&w.store, &w.agent, source.id, "call the courier", true).await.unwrap();
    let first = messages::create(&w.store, &w.carla, target.id, "see my other ticket", false).await.unwrap();
    let file = autocrm_store::attachments::create(
        &w.store,
        &w.carla,
        source.id,
        Some(reply.id),
        "box.jpg",
        "image/jpeg",
        b"jpeg",
    )
    .await
    .unwrap();
    let seq_before = w.last_seq().await;

    // Act
    let merged = tickets::merge(&w.store, &w.agent, source.id, target.id).await.unwrap();

    // Assert: the target holds every message of both, in order, plus a system note.
    assert_eq!(merged.ticket.id, target.id);
    let msgs = messages::list(&w.store, &w.agent, target.id, Some(100), None, false).await.unwrap().data;
    let ids: Vec<i64> = msgs.iter().map(|m| m.id).collect();
    for m in [reply.id, note.id, first.id] {
        assert!(ids.contains(&m), "message {m} is on the target: {ids:?}");
    }
    let merged_note = msgs.iter().find(|m| m.author_kind == "system").expect("a system note on the target");
    assert!(merged_note.internal && merged_note.body_text.contains(&format!("#{}", source.number)));
    let target_now = tickets::get(&w.store, &w.agent, target.id).await.unwrap().ticket;
    assert_eq!(target_now.message_count as usize, msgs.len());
    // The source is closed, links to the target and says so.
    let src = tickets::get(&w.store, &w.agent, source.id).await.unwrap().ticket;
    assert_eq!(src.merged_into_id, Some(target.id));
    assert_eq!(src.status_category, "closed");
    assert!(src.closed_at.is_some());
    let left = messages::list(&w.store, &w.agent, source.id, Some(100), None, false).await.unwrap().data;
    assert_eq!(left.len(), 1, "only the link note stays on the source");
    assert!(left[0].body_text.contains(&format!("#{}", target.number)));
    // The attachment followed its message.
    let on_target = autocrm_store::attachments::for_ticket(&w.store, &w.agent, target.id).await.unwrap();
    assert!(on_target.iter().any(|a| a.public_id == file.public_id));
    // Events: the merge on the source, the update on the target, in the log and both trails.
    let events = autocrm_store::events::after(&w.store, w.ws, seq_before, 100).await.unwrap();
    let merge_event = events.iter().find(|e| e.r#type == "ticket.merged").expect("ticket.merged");
    assert_eq!(merge_event.ticket_id, Some(source.id));
    assert_eq!(merge_event.data["target"]["id"], target.id);
    assert_eq!(merge_event.data["messages_moved"], 2);
    assert!(events.iter().any(|e| e.r#type == "ticket.updated"
        && e.ticket_id == Some(target.id)
        && e.data["changes"]["merged_from"]["id"] == source.id));
    let trail = autocrm_store::events::for_ticket(&w.store, &w.agent, source.id, None, None).await.unwrap().data;
    assert_eq!(trail.last().map(|e| e.r#type.as_str()), Some("ticket.merged"));
    // The counters moved the source to closed.
    let counts = tickets::counts(&w.store, &w.agent).await.unwrap();
    assert_eq!(counts.get("t:cat:closed"), Some(&1));
    assert_eq!(counts.get("t:cat:new"), Some(&1));
}

#[tokio::test]
async fn a_ticket_cannot_be_merged_twice_into_itself_or_by_a_customer() {
    let w = world().await;
    let first = w.ticket_for(&w.carla, "first").await.ticket.id;
    let second = w.ticket_for(&w.carla, "second").await.ticket.id;
    let third = w.ticket_for(&w.carla, "third").await.ticket.id;
    assert!(matches!(tickets::merge(&w.store, &w.carla, first, second).await, Err(StoreError::Forbidden)));
    assert!(matches!(tickets::merge(&w.store, &w.agent, first, first).await, Err(StoreError::Invalid(_))));
    tickets::merge(&w.store, &w.agent, first, second).await.unwrap();
    let seq = w.last_seq().await;
    let again = tickets::merge(&w.store, &w.agent, first, third).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict { code: "ticket_already_merged", .. }), "{again:?}");
    let into_merged = tickets::merge(&w.store, &w.agent, third, first).await.unwrap_err();
    assert!(matches!(&into_merged, StoreError::Invalid(p) if p[0].pointer == "/target_id"), "{into_merged:?}");
    assert_eq!(w.last_seq().await, seq, "refused merges record nothing");
}

//! Full-text search through the ticket list's `q`.

use autocrm_domain::Principal;
use autocrm_store::messages;
use autocrm_store::tickets::{self, TicketFilter, TicketSort};

use crate::support::{World, world};

async fn find(w: &World, p: &Principal, q: &str) -> Vec<i64> {
    let f = TicketFilter { q: Some(q.to_owned()), ..TicketFilter::default() };
    let mut ids: Vec<i64> = tickets::list(&w.store, p, &f, TicketSort::default(), Some(100), None)
        .await
        .unwrap()
        .data
        .iter()
        .map(|v| v.ticket.id)
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn search_finds_tickets_by_subject_and_message_words_and_customers_never_by_internal_notes() {
    // Arrange
    let w = world().await;
    let parcel = w.ticket_for(&w.carla, "Parcel never arrived").await.ticket.id;
    let refund = w.ticket_for(&w.carla, "Question").await.ticket.id;
    let other = w.ticket_for(&w.bob, "Another parcel issue").await.ticket.id;
    messages::create(&w.store, &w.carla, refund, "I would like a refund for the blender", false).await.unwrap();
    messages::create(&w.store, &w.agent, parcel, "courier Zanzibar lost it", true).await.unwrap();
    messages::create(&w.store, &w.agent, other, "refund the blender", true).await.unwrap();

    // Act + Assert: staff find by subject words, message words, the last word as a prefix.
    assert_eq!(find(&w, &w.agent, "parcel").await, [parcel, other]);
    assert_eq!(find(&w, &w.agent, "parcel arrived").await, [parcel], "every word must match");
    assert_eq!(find(&w, &w.agent, "blender").await, [refund, other]);
    assert_eq!(find(&w, &w.agent, "refund blend").await, [refund, other], "prefix on the last word");
    assert_eq!(find(&w, &w.agent, "zanzibar").await, [parcel], "staff match internal notes");
    assert!(find(&w, &w.agent, "\"*)(").await.is_empty(), "punctuation matches nothing");
    // Customers: their own tickets, never through a word only an internal note has.
    assert_eq!(find(&w, &w.carla, "parcel").await, [parcel]);
    assert_eq!(find(&w, &w.carla, "blender").await, [refund]);
    assert!(find(&w, &w.carla, "zanzibar").await.is_empty(), "an internal note's word finds nothing for a customer");
    assert!(find(&w, &w.bob, "refund").await.is_empty(), "Bob's only match is an internal note");
    // Another workspace finds nothing of acme's.
    assert!(find(&w, &w.other_admin, "parcel").await.is_empty());
}

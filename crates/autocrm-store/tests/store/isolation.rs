//! Tenant isolation and customer confinement, applied by the store from the principal.

use autocrm_store::contacts::{self, ContactInput};
use autocrm_store::tickets::{self, TicketFilter, TicketPatch, TicketSort};
use autocrm_store::{StoreError, messages};

use crate::support::world;

fn not_found<T: std::fmt::Debug>(r: &Result<T, StoreError>, what: &str) {
    assert!(matches!(r, Err(StoreError::NotFound)), "{what}: {r:?}");
}

#[tokio::test]
async fn a_principal_of_another_workspace_cannot_get_list_or_change_its_tickets_or_contacts() {
    // Arrange
    let w = world().await;
    let t = w.ticket_for(&w.carla, "Acme's ticket").await.ticket;
    let contact = w.carla.customer_contact().unwrap();
    let b = &w.other_admin;
    let seq = w.last_seq().await;

    // Act + Assert: every way in is "not found", and nothing is listed.
    not_found(&tickets::get(&w.store, b, t.id).await, "get ticket");
    let patch = TicketPatch { subject: Some("pwned".into()), ..TicketPatch::default() };
    not_found(&tickets::update(&w.store, b, t.id, &patch).await, "update ticket");
    assert!(matches!(tickets::bulk_update(&w.store, b, &[t.id], &patch).await, Err(StoreError::Invalid(_))));
    not_found(&messages::create(&w.store, b, t.id, "hello", false).await, "reply");
    not_found(&messages::list(&w.store, b, t.id, None, None, false).await, "messages");
    not_found(&autocrm_store::events::for_ticket(&w.store, b, t.id, None, None).await, "trail");
    not_found(&autocrm_store::attachments::for_ticket(&w.store, b, t.id).await, "attachments");
    let own = w.ticket(b, crate::support::new_ticket("Other's ticket")).await.ticket;
    assert!(matches!(tickets::merge(&w.store, b, own.id, t.id).await, Err(StoreError::Invalid(_))), "merge into");
    not_found(&tickets::merge(&w.store, b, t.id, own.id).await, "merge from");
    let listed =
        tickets::list(&w.store, b, &TicketFilter::default(), TicketSort::default(), Some(100), None).await.unwrap();
    assert_eq!(listed.data.iter().map(|v| v.ticket.id).collect::<Vec<_>>(), [own.id]);
    not_found(&contacts::get(&w.store, b, contact).await, "get contact");
    let input = ContactInput { name: Some("pwned".into()), ..ContactInput::default() };
    not_found(&contacts::update(&w.store, b, contact, input).await, "update contact");
    let theirs = contacts::list(&w.store, b, None, None, Some(100), None).await.unwrap().data;
    assert!(theirs.iter().all(|c| c.workspace_id == w.other_ws), "only their own contacts");
    assert!(!theirs.iter().any(|c| c.id == contact));
    // Acme's data is untouched and its log unchanged.
    let still = tickets::get(&w.store, &w.agent, t.id).await.unwrap().ticket;
    assert_eq!((still.subject.as_str(), still.message_count), ("Acme's ticket", 0));
    assert_eq!(contacts::get(&w.store, &w.agent, contact).await.unwrap().name, "Carla Customer");
    assert_eq!(w.last_seq().await, seq);
}

#[tokio::test]
async fn a_customer_lists_only_their_own_tickets_and_never_reads_internal_messages() {
    // Arrange
    let w = world().await;
    let mine = w.ticket_for(&w.carla, "Carla's").await.ticket;
    let bobs = w.ticket_for(&w.bob, "Bob's").await.ticket;
    w.ticket(&w.agent, crate::support::new_ticket("someone else's")).await;
    let reply = messages::create(&w.store, &w.agent, mine.id, "public reply", false).await.unwrap();
    let note = messages::create(&w.store, &w.agent, mine.id, "internal note", true).await.unwrap();

    // Act
    let listed = tickets::list(&w.store, &w.carla, &TicketFilter::default(), TicketSort::default(), Some(100), None)
        .await
        .unwrap();
    let msgs = messages::list(&w.store, &w.carla, mine.id, None, None, false).await.unwrap().data;

    // Assert
    assert_eq!(listed.data.iter().map(|v| v.ticket.id).collect::<Vec<_>>(), [mine.id]);
    // Filters cannot widen the reach.
    let f = TicketFilter { requester_id: Some(bobs.requester_id), ..TicketFilter::default() };
    assert!(tickets::list(&w.store, &w.carla, &f, TicketSort::default(), None, None).await.unwrap().data.is_empty());
    assert_eq!(msgs.iter().map(|m| m.id).collect::<Vec<_>>(), [reply.id]);
    not_found(&messages::get(&w.store, &w.carla, note.id).await, "internal note");
    assert_eq!(messages::get(&w.store, &w.carla, reply.id).await.unwrap().id, reply.id);
    not_found(&tickets::get(&w.store, &w.carla, bobs.id).await, "Bob's ticket");
    not_found(&messages::create(&w.store, &w.carla, bobs.id, "hi", false).await, "reply on Bob's ticket");
    not_found(&contacts::get(&w.store, &w.carla, bobs.requester_id).await, "Bob's contact");
    assert!(matches!(messages::create(&w.store, &w.carla, mine.id, "sneaky", true).await, Err(StoreError::Invalid(_))));
    // Staff see both messages.
    assert_eq!(messages::list(&w.store, &w.agent, mine.id, None, None, false).await.unwrap().data.len(), 2);
}

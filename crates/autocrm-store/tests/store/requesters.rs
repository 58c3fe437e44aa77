//! Requesters given by e-mail become contacts, once, even under concurrency.

use autocrm_store::tickets::{self, RequesterRef};

use crate::support::{new_ticket, world};

#[tokio::test]
async fn tickets_opened_at_once_for_the_same_new_requester_all_succeed_with_one_contact() {
    // Arrange
    let w = world().await;
    let contacts_before = w.contact_count(w.ws).await;
    let seq_before = w.last_seq().await;
    // Act: eight writers race to create the same new contact.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (store, p) = (w.store.clone(), w.agent.clone());
        tasks.spawn(async move {
            let mut t = new_ticket(&format!("order {i}"));
            t.requester = Some(RequesterRef::Email {
                email: autocrm_domain::EmailAddress::parse("new.customer@example.test").unwrap(),
                name: Some("New Customer".into()),
            });
            tickets::create(&store, &p, t).await
        });
    }
    let mut requesters = Vec::new();
    while let Some(r) = tasks.join_next().await {
        requesters.push(r.unwrap().expect("every ticket is created").ticket.requester_id);
    }
    // Assert
    requesters.dedup();
    assert_eq!(requesters.len(), 1, "one requester for all: {requesters:?}");
    assert_eq!(w.contact_count(w.ws).await, contacts_before + 1);
    let events = autocrm_store::events::after(&w.store, w.ws, seq_before, 100).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.r#type == "contact.created").count(), 1, "created once, announced once");
    assert_eq!(events.iter().filter(|e| e.r#type == "ticket.created").count(), 8);
}

//! Agents' notifications: derived from the events of every writer (a bulk
//! assignment, a patch, a note), personal to their user and workspace.

use autocrm_store::notifications::{self, ASSIGNED, MENTION};
use autocrm_store::tickets::{self, TicketPatch};
use autocrm_store::{Principal, StoreError};

use crate::support::{World, world};

async fn kinds(w: &World, p: &Principal) -> Vec<String> {
    notifications::list(&w.store, p, false, Some(100), None)
        .await
        .unwrap()
        .data
        .into_iter()
        .map(|n| n.row.kind)
        .collect()
}

#[tokio::test]
async fn a_bulk_assignment_notifies_the_assignee_once_per_ticket_but_not_for_their_own_or_the_systems_doing() {
    // Arrange
    let w = world().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(w.ticket_for(&w.carla, &format!("t{i}")).await.ticket.id);
    }
    let to = |p: &Principal| TicketPatch { assignee_id: Some(p.user_id()), ..TicketPatch::default() };
    // Act: Anna gives three to Ada; Ada takes one herself; the system gives one to Anna.
    tickets::bulk_update(&w.store, &w.agent, &ids, &to(&w.admin)).await.unwrap();
    let own = w.ticket_for(&w.carla, "mine").await.ticket.id;
    tickets::update(&w.store, &w.admin, own, &to(&w.admin)).await.unwrap();
    tickets::update(&w.store, &Principal::system(w.ws), own, &to(&w.agent)).await.unwrap();
    // Assert
    assert_eq!(kinds(&w, &w.admin).await, [ASSIGNED, ASSIGNED, ASSIGNED]);
    assert_eq!(notifications::unread_count(&w.store, &w.admin).await.unwrap(), 3);
    assert!(kinds(&w, &w.agent).await.is_empty());
}

#[tokio::test]
async fn a_note_mentioning_staff_notifies_them_and_nobody_outside_the_workspace_or_staff() {
    // Arrange
    let w = world().await;
    let t = w.ticket_for(&w.carla, "zipper").await.ticket.id;
    let span = |p: &Principal| format!(r#"<span data-type="mention" data-id="{}">@x</span>"#, p.user_id().unwrap());
    let body = format!("<p>{} {} {} {}</p>", span(&w.admin), span(&w.carla), span(&w.other_admin), span(&w.agent));
    // Act: Anna mentions Ada, a customer, another workspace's admin and herself.
    let note = autocrm_store::messages::create(&w.store, &w.agent, t, &body, true).await.unwrap();
    // Assert
    let ada = notifications::list(&w.store, &w.admin, true, None, None).await.unwrap().data;
    assert_eq!(ada.len(), 1);
    assert_eq!((ada[0].row.kind.as_str(), ada[0].row.message_id), (MENTION, Some(note.id)));
    assert_eq!(ada[0].ticket_subject, "zipper");
    assert!(kinds(&w, &w.agent).await.is_empty(), "no notification for mentioning oneself");
    assert!(kinds(&w, &w.other_admin).await.is_empty());
    assert!(matches!(notifications::list(&w.store, &w.carla, false, None, None).await, Err(StoreError::Forbidden)));
    assert!(!note.body_html.contains("Carla") && !note.body_html.contains("Otto"), "{}", note.body_html);
    // Others cannot mark Ada's read; she can.
    let id = ada[0].row.id;
    assert_eq!(notifications::mark_read(&w.store, &w.agent, Some(&[id])).await.unwrap(), 0);
    assert_eq!(notifications::mark_read(&w.store, &w.other_admin, None).await.unwrap(), 0);
    assert_eq!(notifications::mark_read(&w.store, &w.admin, Some(&[id])).await.unwrap(), 1);
    assert_eq!(notifications::unread_count(&w.store, &w.admin).await.unwrap(), 0);
}

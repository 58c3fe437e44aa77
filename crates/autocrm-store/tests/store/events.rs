//! The event log: per-workspace contiguous seqs, written in the same
//! transaction as the change, readable as a ticket's audit trail.

use autocrm_store::tickets::{self, RequesterRef, TicketPatch};
use autocrm_store::{StoreError, messages};

use crate::support::{World, new_ticket, world};

async fn seqs(w: &World, ws: i64) -> Vec<i64> {
    autocrm_store::events::after(&w.store, ws, 0, 100_000).await.unwrap().iter().map(|e| e.seq).collect()
}

#[tokio::test]
async fn event_seqs_stay_contiguous_per_workspace_under_concurrent_writers() {
    // Arrange
    let w = world().await;
    let mut tasks = tokio::task::JoinSet::new();
    // Act: writers in both workspaces at once.
    for task in 0..6 {
        let store = w.store.clone();
        let p = if task % 3 == 2 { w.other_admin.clone() } else { w.agent.clone() };
        tasks.spawn(async move {
            for i in 0..6 {
                tickets::create(&store, &p, new_ticket(&format!("task {task} ticket {i}"))).await.unwrap();
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    // Assert
    for ws in [w.ws, w.other_ws] {
        let got = seqs(&w, ws).await;
        assert!(got.len() > 12, "workspace {ws} has the writers' events");
        assert_eq!(got, (1..=got.len() as i64).collect::<Vec<_>>(), "workspace {ws}: seq 1..n without gaps");
    }
    let created = autocrm_store::events::after(&w.store, w.ws, 0, 100_000).await.unwrap();
    assert_eq!(created.iter().filter(|e| e.r#type == "ticket.created").count(), 24);
}

#[tokio::test]
async fn a_write_that_fails_after_emitting_leaves_no_row_no_event_and_no_webhook_job() {
    // Arrange: every event would queue a delivery.
    let w = world().await;
    autocrm_store::webhooks::create(&w.store, &w.admin, "http://127.0.0.1:9/hook", &["*".to_owned()], "")
        .await
        .unwrap();
    let (seq, jobs, contacts) = (w.last_seq().await, w.jobs().await, w.contact_count(w.ws).await);
    let mut input = new_ticket("will fail");
    // A new requester is created (and `contact.created` emitted) before the status is checked.
    input.requester = Some(RequesterRef::Email {
        email: autocrm_domain::EmailAddress::parse("brand-new@example.test").unwrap(),
        name: None,
    });
    input.status_id = Some(i64::from(i32::MAX));
    // Act
    let err = tickets::create(&w.store, &w.agent, input.clone()).await.unwrap_err();
    // Assert
    assert!(matches!(&err, StoreError::Invalid(p) if p[0].pointer == "/status_id"), "{err:?}");
    assert_eq!(w.contact_count(w.ws).await, contacts, "the contact was rolled back");
    assert_eq!(w.last_seq().await, seq, "no event");
    assert_eq!(w.jobs().await, jobs, "no webhook job");
    assert!(w.rows().await.is_empty(), "no ticket");
    // The same write with a valid status commits the contact, both events and their jobs.
    input.status_id = None;
    tickets::create(&w.store, &w.agent, input).await.unwrap();
    assert_eq!(w.contact_count(w.ws).await, contacts + 1);
    assert_eq!(w.last_seq().await, seq + 2, "contact.created and ticket.created");
    assert_eq!(w.jobs().await, jobs + 2, "one delivery per event");
}

#[tokio::test]
async fn a_tickets_audit_trail_lists_its_events_oldest_first_and_customers_see_the_public_ones() {
    // Arrange
    let w = world().await;
    let mut input = new_ticket("Wrong size");
    input.requester = Some(RequesterRef::Id(w.carla.customer_contact().unwrap()));
    input.body = Some("I got an M, I ordered an L".into());
    let t = w.ticket(&w.agent, input).await.ticket;
    let open = w.status("open").await;
    tickets::update(&w.store, &w.agent, t.id, &TicketPatch { status_id: Some(open), ..TicketPatch::default() })
        .await
        .unwrap();
    let agent_id = World::user_id(&w.agent);
    tickets::update(
        &w.store,
        &w.agent,
        t.id,
        &TicketPatch { assignee_id: Some(Some(agent_id)), ..TicketPatch::default() },
    )
    .await
    .unwrap();
    messages::create(&w.store, &w.agent, t.id, "exchange approved internally", true).await.unwrap();
    messages::create(&w.store, &w.agent, t.id, "we are sending an L", false).await.unwrap();
    // Another ticket's events never show up in this trail.
    w.ticket_for(&w.carla, "unrelated").await;

    // Act
    let staff = autocrm_store::events::for_ticket(&w.store, &w.agent, t.id, None, None).await.unwrap().data;
    let customer = autocrm_store::events::for_ticket(&w.store, &w.carla, t.id, None, None).await.unwrap().data;

    // Assert
    let types: Vec<(&str, &str)> = staff.iter().map(|e| (e.r#type.as_str(), e.visibility.as_str())).collect();
    assert_eq!(
        types,
        [
            ("ticket.created", "public"),
            ("message.created", "public"),
            ("ticket.updated", "public"),
            ("ticket.updated", "staff"),
            ("message.created", "staff"),
            ("message.created", "public"),
        ]
    );
    assert!(staff.windows(2).all(|p| p[0].seq < p[1].seq), "oldest first");
    assert!(staff.iter().all(|e| e.ticket_id == Some(t.id)));
    assert!(
        staff[2..]
            .iter()
            .all(|e| e.actor_kind == "user" && e.actor_id == Some(agent_id) && e.actor_name == "Anna Agent")
    );
    assert_eq!(staff[2].data["changes"]["status"]["to"], "Open");
    let public: Vec<i64> = staff.iter().filter(|e| e.visibility == "public").map(|e| e.seq).collect();
    assert_eq!(customer.iter().map(|e| e.seq).collect::<Vec<_>>(), public, "customers see public events only");
    // Paging through the trail gives the same events.
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let page =
            autocrm_store::events::for_ticket(&w.store, &w.agent, t.id, Some(4), cursor.as_deref()).await.unwrap();
        paged.extend(page.data.iter().map(|e| e.seq));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(paged, staff.iter().map(|e| e.seq).collect::<Vec<_>>());
    // Bob has no trail of Carla's ticket.
    assert!(matches!(
        autocrm_store::events::for_ticket(&w.store, &w.bob, t.id, None, None).await,
        Err(StoreError::NotFound)
    ));
}

//! Bulk updates: up to 1,000 tickets in one transaction, all or nothing.

use autocrm_domain::Priority;
use autocrm_store::StoreError;
use autocrm_store::entity::tickets as t;
use autocrm_store::tickets::{self, MAX_BULK, TicketPatch};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait as _;
use serde_json::json;

use crate::support::{World, world};

/// Inserts `n` tickets straight into the table (fast seeding) and rebuilds the counters.
async fn seed_tickets(w: &World, n: usize) -> Vec<i64> {
    let now = w.clock_now();
    let status = w.status("new").await;
    let requester = w.carla.customer_contact().unwrap();
    let rows: Vec<t::ActiveModel> = (0..n)
        .map(|i| t::ActiveModel {
            workspace_id: Set(w.ws),
            number: Set(100_000 + i as i64),
            subject: Set(format!("seeded {i}")),
            status_id: Set(status),
            status_category: Set("new".into()),
            priority: Set("normal".into()),
            channel: Set("web".into()),
            requester_id: Set(requester),
            assignee_id: Set(None),
            team_id: Set(None),
            tags: Set(json!([])),
            custom_fields: Set(json!({})),
            merged_into_id: Set(None),
            message_count: Set(0),
            first_response_at: Set(None),
            solved_at: Set(None),
            closed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(200) {
        t::Entity::insert_many(chunk.to_vec()).exec_without_returning(w.store.connection()).await.unwrap();
    }
    tickets::rebuild_counters(&w.store, w.ws).await.unwrap();
    let mut ids: Vec<i64> = w.rows().await.into_iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids
}

/// A subscription to every event, so each committed event would queue a delivery job.
async fn subscribe_everything(w: &World) {
    autocrm_store::webhooks::create(&w.store, &w.admin, "http://127.0.0.1:9/hook", &["*".to_owned()], "all")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_bulk_update_of_a_thousand_tickets_changes_each_and_records_one_event_per_ticket() {
    // Arrange
    let w = world().await;
    let ids = seed_tickets(&w, MAX_BULK).await;
    let agent = World::user_id(&w.agent);
    let seq_before = w.last_seq().await;
    let patch =
        TicketPatch { priority: Some(Priority::Urgent), assignee_id: Some(Some(agent)), ..TicketPatch::default() };
    // Act
    let changed = tickets::bulk_update(&w.store, &w.agent, &ids, &patch).await.unwrap();
    // Assert
    assert_eq!(changed.len(), MAX_BULK);
    let rows = w.rows().await;
    assert!(rows.iter().all(|r| r.priority == "urgent" && r.assignee_id == Some(agent)));
    let events = autocrm_store::events::after(&w.store, w.ws, seq_before, 5000).await.unwrap();
    assert_eq!(events.len(), MAX_BULK, "one ticket.updated per ticket");
    assert!(events.iter().all(|e| e.r#type == "ticket.updated"));
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, ((seq_before + 1)..=(seq_before + MAX_BULK as i64)).collect::<Vec<_>>(), "contiguous seqs");
    let counts = tickets::counts(&w.store, &w.agent).await.unwrap();
    assert_eq!(counts.get(&format!("t:asg:{agent}:new")), Some(&(MAX_BULK as i64)));
}

#[tokio::test]
async fn more_than_a_thousand_ids_are_refused_before_anything_changes() {
    let w = world().await;
    let ids: Vec<i64> = (1..=(MAX_BULK as i64 + 1)).collect();
    let seq_before = w.last_seq().await;
    let patch = TicketPatch { priority: Some(Priority::Low), ..TicketPatch::default() };
    let err = tickets::bulk_update(&w.store, &w.agent, &ids, &patch).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(p) if p[0].pointer == "/ids"), "{err:?}");
    let err = tickets::bulk_update(&w.store, &w.agent, &[], &patch).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(p) if p[0].pointer == "/ids"), "{err:?}");
    assert_eq!(w.last_seq().await, seq_before);
}

#[tokio::test]
async fn one_unknown_or_foreign_id_in_a_bulk_update_changes_nothing_and_records_no_event_or_job() {
    // Arrange
    let w = world().await;
    let ids = seed_tickets(&w, 50).await;
    subscribe_everything(&w).await;
    let mut foreign = crate::support::new_ticket("theirs");
    foreign.requester = None;
    foreign.requester = Some(autocrm_store::tickets::RequesterRef::Email {
        email: autocrm_domain::EmailAddress::parse("x@other.test").unwrap(),
        name: None,
    });
    let foreign_id = w.ticket(&w.other_admin, foreign).await.ticket.id;
    let rows_before = w.rows().await;
    let (seq_before, jobs_before) = (w.last_seq().await, w.jobs().await);
    let patch = TicketPatch { priority: Some(Priority::High), ..TicketPatch::default() };
    for bad in [foreign_id, foreign_id + 10_000] {
        let mut with_bad = ids.clone();
        with_bad.insert(25, bad);
        // Act
        let err = tickets::bulk_update(&w.store, &w.agent, &with_bad, &patch).await.unwrap_err();
        // Assert
        assert!(
            matches!(&err, StoreError::Invalid(p) if p[0].pointer == "/ids" && p[0].detail.contains(&bad.to_string())),
            "{err:?}"
        );
        assert_eq!(w.rows().await, rows_before, "no ticket changed");
        assert_eq!(w.last_seq().await, seq_before, "no event");
        assert_eq!(w.jobs().await, jobs_before, "no webhook job");
    }
}

#[tokio::test]
async fn one_invalid_field_in_a_bulk_update_changes_nothing_and_records_no_event_or_job() {
    // Arrange
    let w = world().await;
    let ids = seed_tickets(&w, 30).await;
    subscribe_everything(&w).await;
    let foreign_status = autocrm_store::statuses::list(&w.store, &w.other_admin).await.unwrap()[0].id;
    let rows_before = w.rows().await;
    let (seq_before, jobs_before) = (w.last_seq().await, w.jobs().await);
    let cases = [
        ("/status_id", TicketPatch { status_id: Some(foreign_status), ..TicketPatch::default() }),
        (
            "/assignee_id",
            TicketPatch { assignee_id: Some(Some(World::user_id(&w.other_admin))), ..TicketPatch::default() },
        ),
        (
            "/subject",
            TicketPatch { subject: Some("   ".into()), priority: Some(Priority::High), ..TicketPatch::default() },
        ),
        ("/add_tags", TicketPatch { add_tags: vec!["no spaces allowed here!".repeat(10)], ..TicketPatch::default() }),
    ];
    for (pointer, patch) in cases {
        // Act
        let err = tickets::bulk_update(&w.store, &w.agent, &ids, &patch).await.unwrap_err();
        // Assert
        assert!(
            matches!(&err, StoreError::Invalid(p) if p.iter().any(|p| p.pointer.starts_with(pointer))),
            "{pointer}: {err:?}"
        );
        assert_eq!(w.rows().await, rows_before, "{pointer}: no ticket changed");
        assert_eq!(w.last_seq().await, seq_before, "{pointer}: no event");
        assert_eq!(w.jobs().await, jobs_before, "{pointer}: no webhook job");
    }
    // A customer may not bulk-update at all.
    let patch = TicketPatch { priority: Some(Priority::High), ..TicketPatch::default() };
    let err = tickets::bulk_update(&w.store, &w.carla, &ids, &patch).await.unwrap_err();
    assert!(matches!(err, StoreError::Forbidden), "{err:?}");
}

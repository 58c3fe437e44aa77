//! Keyset pagination of the ticket list over many ties in the sort key.

use std::collections::BTreeSet;

use autocrm_domain::{Principal, StatusCategory};
use autocrm_store::tickets::{self, RequesterRef, TicketFilter, TicketPatch, TicketSort};
use chrono::{DateTime, TimeDelta, Utc};

use crate::support::{World, new_ticket, world};

/// What the test knows about a ticket it created.
#[derive(Debug, Clone)]
struct Known {
    id: i64,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    category: String,
    status_id: i64,
    assignee: Option<i64>,
    tags: Vec<String>,
    requester: i64,
    refund: bool,
}

type Keep = Box<dyn Fn(&Known) -> bool>;

const SORTS: [TicketSort; 4] =
    [TicketSort::UpdatedDesc, TicketSort::UpdatedAsc, TicketSort::CreatedDesc, TicketSort::CreatedAsc];

/// Follows `next_cursor` to the end; returns the ids in the order served.
async fn walk(w: &World, p: &Principal, f: &TicketFilter, sort: TicketSort, limit: u64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let page = tickets::list(&w.store, p, f, sort, Some(limit), cursor.as_deref()).await.unwrap();
        assert!(page.data.len() as u64 <= limit, "a page is never longer than the limit");
        ids.extend(page.data.iter().map(|v| v.ticket.id));
        match page.next_cursor {
            Some(c) => {
                assert!(!page.data.is_empty(), "a page with a next cursor has rows");
                cursor = Some(c);
            }
            None => return ids,
        }
    }
    panic!("the cursor never ended");
}

/// The order a sort promises: by key, ties broken by id, both in the sort's direction.
fn expected(known: &[Known], keep: impl Fn(&Known) -> bool, sort: TicketSort) -> Vec<i64> {
    let mut rows: Vec<(DateTime<Utc>, i64)> = known
        .iter()
        .filter(|k| keep(k))
        .map(|k| {
            let key = match sort {
                TicketSort::UpdatedDesc | TicketSort::UpdatedAsc => k.updated,
                TicketSort::CreatedDesc | TicketSort::CreatedAsc => k.created,
            };
            (key, k.id)
        })
        .collect();
    rows.sort_unstable();
    if matches!(sort, TicketSort::UpdatedDesc | TicketSort::CreatedDesc) {
        rows.reverse();
    }
    rows.into_iter().map(|(_, id)| id).collect()
}

#[tokio::test]
async fn walking_every_page_returns_each_ticket_once_in_sort_order_despite_identical_timestamps() {
    // Arrange: 45 tickets in three groups sharing one created_at each; a third of them
    // later updated at one shared instant, so both sort keys are full of ties.
    let w = world().await;
    let agent_id = World::user_id(&w.agent);
    let admin_id = World::user_id(&w.admin);
    let carla = w.carla.customer_contact().unwrap();
    let statuses = autocrm_store::statuses::list(&w.store, &w.admin).await.unwrap();
    let base = w.clock_now() - TimeDelta::hours(1);
    let later = base + TimeDelta::minutes(10);
    let mut known = Vec::new();
    for i in 0..45_i64 {
        let status = &statuses[(i % statuses.len() as i64) as usize];
        let assignee = [Some(agent_id), Some(admin_id), None, Some(agent_id), None][(i % 5) as usize];
        let mut tags = Vec::new();
        if i % 2 == 0 {
            tags.push("vip".to_owned());
        }
        if i % 5 == 1 {
            tags.push("fragile".to_owned());
        }
        let refund = i % 4 == 0;
        let mut t = new_ticket(&if refund { format!("Refund request {i}") } else { format!("Order question {i}") });
        if i % 5 == 0 {
            t.requester = Some(RequesterRef::Id(carla));
        }
        t.status_id = Some(status.id);
        t.assignee_id = assignee;
        t.tags.clone_from(&tags);
        let created = base + TimeDelta::seconds(i / 15);
        t.created_at = Some(created);
        let v = w.ticket(&w.admin, t).await;
        known.push(Known {
            id: v.ticket.id,
            created,
            updated: created,
            category: status.category.clone(),
            status_id: status.id,
            assignee,
            tags,
            requester: v.ticket.requester_id,
            refund,
        });
    }
    for k in known.iter_mut().filter(|k| k.id % 3 == 0) {
        let patch = TicketPatch { priority: Some(autocrm_domain::Priority::High), ..TicketPatch::default() };
        tickets::update_at(&w.store, &w.admin, k.id, &patch, Some(later)).await.unwrap();
        k.updated = later;
    }
    let new_status = known.iter().find(|k| k.category == "new").unwrap().status_id;
    let cat = |c: &str| StatusCategory::parse(c).unwrap();
    let cases: Vec<(&str, TicketFilter, Keep)> = vec![
        ("no filter", TicketFilter::default(), Box::new(|_| true)),
        (
            "status open,pending",
            TicketFilter { categories: vec![cat("open"), cat("pending")], ..TicketFilter::default() },
            Box::new(|k| k.category == "open" || k.category == "pending"),
        ),
        (
            "status id of New, and solved",
            TicketFilter { status_ids: vec![new_status], categories: vec![cat("solved")], ..TicketFilter::default() },
            Box::new(move |k| k.status_id == new_status || k.category == "solved"),
        ),
        (
            "assignee agent",
            TicketFilter { assignee: Some(Some(agent_id)), ..TicketFilter::default() },
            Box::new(move |k| k.assignee == Some(agent_id)),
        ),
        (
            "unassigned",
            TicketFilter { assignee: Some(None), ..TicketFilter::default() },
            Box::new(|k| k.assignee.is_none()),
        ),
        (
            "tag vip",
            TicketFilter { tag: Some("vip".into()), ..TicketFilter::default() },
            Box::new(|k| k.tags.iter().any(|t| t == "vip")),
        ),
        ("q refund", TicketFilter { q: Some("refund".into()), ..TicketFilter::default() }, Box::new(|k| k.refund)),
        (
            "status new,open + assignee admin + tag vip",
            TicketFilter {
                categories: vec![cat("new"), cat("open")],
                assignee: Some(Some(admin_id)),
                tag: Some("vip".into()),
                ..TicketFilter::default()
            },
            Box::new(move |k| {
                (k.category == "new" || k.category == "open")
                    && k.assignee == Some(admin_id)
                    && k.tags.iter().any(|t| t == "vip")
            }),
        ),
    ];

    for (name, filter, keep) in &cases {
        for sort in SORTS {
            // Act
            let got = walk(&w, &w.agent, filter, sort, 7).await;
            // Assert
            let want = expected(&known, keep, sort);
            assert!(!want.is_empty(), "{name}: the data set exercises this filter");
            assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), got.len(), "{name} {sort:?}: no ticket twice");
            assert_eq!(got, want, "{name} {sort:?}");
        }
    }
    // A customer walks only their own tickets, in the same order rules.
    for sort in SORTS {
        let got = walk(&w, &w.carla, &TicketFilter::default(), sort, 2).await;
        let want = expected(&known, |k| k.requester == carla, sort);
        assert!(want.len() > 2, "several pages for the customer");
        assert_eq!(got, want, "customer {sort:?}");
    }
    // Page size 1 is the harshest tie-breaker test.
    let got = walk(&w, &w.admin, &TicketFilter::default(), TicketSort::UpdatedDesc, 1).await;
    assert_eq!(got, expected(&known, |_| true, TicketSort::UpdatedDesc));
}

#[tokio::test]
async fn a_cursor_that_was_not_issued_by_the_server_is_refused_as_invalid_input() {
    let w = world().await;
    let err = tickets::list(&w.store, &w.agent, &TicketFilter::default(), TicketSort::default(), None, Some("%%%"))
        .await
        .unwrap_err();
    assert!(matches!(err, autocrm_store::StoreError::Invalid(ref p) if p[0].pointer == "/cursor"), "{err:?}");
}

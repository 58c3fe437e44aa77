//! View counters stay equal to a recount whatever sequence of writes happened.

use std::collections::BTreeMap;

use autocrm_domain::StatusCategory;
use autocrm_store::tickets::{self, RequesterRef, TicketFilter, TicketPatch};
use rand::rngs::StdRng;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};

use crate::support::{World, new_ticket, world};

/// The counters recomputed from the ticket rows: what `counts` must say.
async fn recount(w: &World) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for t in w.rows().await {
        let who = t.assignee_id.map_or_else(|| "none".to_owned(), |u| u.to_string());
        for k in [
            format!("t:cat:{}", t.status_category),
            format!("t:status:{}", t.status_id),
            format!("t:asg:{who}:{}", t.status_category),
        ] {
            *out.entry(k).or_insert(0) += 1;
        }
    }
    out
}

async fn counters(w: &World) -> BTreeMap<String, i64> {
    tickets::counts(&w.store, &w.agent).await.unwrap().into_iter().filter(|(_, v)| *v != 0).collect()
}

#[tokio::test]
async fn view_counters_equal_a_recount_after_random_creates_updates_bulk_updates_merges_and_replies() {
    for seed in [7_u64, 1234, 99_991] {
        // Arrange
        let w = world().await;
        let mut rng = StdRng::seed_from_u64(seed);
        let statuses: Vec<i64> =
            autocrm_store::statuses::list(&w.store, &w.admin).await.unwrap().into_iter().map(|s| s.id).collect();
        let assignees = [Some(World::user_id(&w.agent)), Some(World::user_id(&w.admin)), None];
        let carla = w.carla.customer_contact().unwrap();
        let mut ids: Vec<i64> = Vec::new();
        let mut carlas: Vec<i64> = Vec::new();
        let mut merged = 0;
        for step in 0..45 {
            // Act: one random write.
            let op = if ids.len() < 4 { 0 } else { rng.gen_range(0..5) };
            let what = match op {
                0 => {
                    let mut t = new_ticket(&format!("t{step}"));
                    t.status_id = Some(*statuses.choose(&mut rng).unwrap());
                    t.assignee_id = *assignees.choose(&mut rng).unwrap();
                    let for_carla = rng.gen_bool(0.4);
                    if for_carla {
                        t.requester = Some(RequesterRef::Id(carla));
                    }
                    let id = w.ticket(&w.agent, t).await.ticket.id;
                    ids.push(id);
                    if for_carla {
                        carlas.push(id);
                    }
                    format!("create {id}")
                }
                1 => {
                    let id = *ids.choose(&mut rng).unwrap();
                    let patch = TicketPatch {
                        status_id: rng.gen_bool(0.7).then(|| *statuses.choose(&mut rng).unwrap()),
                        assignee_id: rng.gen_bool(0.5).then(|| *assignees.choose(&mut rng).unwrap()),
                        ..TicketPatch::default()
                    };
                    tickets::update(&w.store, &w.agent, id, &patch).await.unwrap();
                    format!("update {id} {patch:?}")
                }
                2 => {
                    let n = rng.gen_range(1..=ids.len().min(6));
                    let chosen: Vec<i64> = ids.choose_multiple(&mut rng, n).copied().collect();
                    let patch = TicketPatch {
                        status_id: Some(*statuses.choose(&mut rng).unwrap()),
                        assignee_id: rng.gen_bool(0.5).then(|| *assignees.choose(&mut rng).unwrap()),
                        ..TicketPatch::default()
                    };
                    tickets::bulk_update(&w.store, &w.agent, &chosen, &patch).await.unwrap();
                    format!("bulk {chosen:?} {patch:?}")
                }
                3 => {
                    let open: Vec<i64> =
                        w.rows().await.into_iter().filter(|t| t.merged_into_id.is_none()).map(|t| t.id).collect();
                    if open.len() < 2 {
                        continue;
                    }
                    let pair: Vec<i64> = open.choose_multiple(&mut rng, 2).copied().collect();
                    tickets::merge(&w.store, &w.agent, pair[0], pair[1]).await.unwrap();
                    merged += 1;
                    format!("merge {} into {}", pair[0], pair[1])
                }
                _ => {
                    let Some(&id) = carlas.choose(&mut rng) else { continue };
                    // A customer's reply reopens a solved or pending ticket.
                    autocrm_store::messages::create(&w.store, &w.carla, id, "any news?", false).await.unwrap();
                    format!("customer reply on {id}")
                }
            };
            // Assert after every step, so a failure names the write that broke the counters.
            assert_eq!(counters(&w).await, recount(&w).await, "seed {seed}, step {step}: {what}");
        }
        assert!(merged > 0 && ids.len() > 8, "seed {seed} exercised merges and creates");

        // The per-view reads agree with the rows too.
        let rows = w.rows().await;
        for cat in StatusCategory::ALL {
            let f = TicketFilter { categories: vec![*cat], ..TicketFilter::default() };
            let want = rows.iter().filter(|t| t.status_category == cat.as_str()).count() as i64;
            assert_eq!(tickets::count_for(&w.store, &w.agent, &f).await.unwrap(), Some(want), "seed {seed} {cat:?}");
        }
        for a in assignees {
            let f = TicketFilter { assignee: Some(a), ..TicketFilter::default() };
            let want = rows.iter().filter(|t| t.assignee_id == a).count() as i64;
            assert_eq!(tickets::count_for(&w.store, &w.agent, &f).await.unwrap(), Some(want), "seed {seed} {a:?}");
        }
        // And rebuilding from scratch changes nothing.
        let before = counters(&w).await;
        tickets::rebuild_counters(&w.store, w.ws).await.unwrap();
        assert_eq!(counters(&w).await, before, "seed {seed}: rebuild_counters agrees");
    }
}

//! The job queue: leases, expiry, and claims that never overlap.

use std::collections::BTreeSet;

use autocrm_store::jobs;
use chrono::{Duration, TimeDelta};
use serde_json::json;

use crate::support::world;

#[tokio::test]
async fn concurrent_claims_never_hand_out_the_same_job_twice() {
    // Arrange
    let w = world().await;
    let now = w.clock_now();
    for i in 0..120 {
        jobs::enqueue(&w.store, w.ws, "test.job", json!({"i": i}), now, None).await.unwrap();
    }
    // Act: eight claimers race until the queue is drained.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = w.store.clone();
        tasks.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = jobs::claim(&store, 3, Duration::minutes(5)).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|j| (j.id, j.attempts)));
                tokio::task::yield_now().await;
            }
        });
    }
    let mut all = Vec::new();
    let mut claimers_with_jobs = 0;
    while let Some(r) = tasks.join_next().await {
        let mine = r.unwrap();
        claimers_with_jobs += usize::from(!mine.is_empty());
        all.extend(mine);
    }
    // Assert
    let ids: BTreeSet<i64> = all.iter().map(|(id, _)| *id).collect();
    assert_eq!(all.len(), 120, "every job claimed once: {} claims", all.len());
    assert_eq!(ids.len(), 120, "no job handed out twice");
    assert!(all.iter().all(|(_, attempts)| *attempts == 1));
    assert!(claimers_with_jobs >= 1);
    assert!(jobs::claim(&w.store, 10, Duration::minutes(5)).await.unwrap().is_empty(), "all leased");
}

#[tokio::test]
async fn a_lease_that_expires_makes_the_job_claimable_again() {
    // Arrange
    let w = world().await;
    jobs::enqueue(&w.store, w.ws, "test.job", json!({}), w.clock_now(), None).await.unwrap();
    let first = jobs::claim(&w.store, 10, Duration::seconds(30)).await.unwrap();
    assert_eq!(first.len(), 1);
    // Act + Assert: held during the lease …
    w.clock.advance(TimeDelta::seconds(29));
    assert!(jobs::claim(&w.store, 10, Duration::seconds(30)).await.unwrap().is_empty(), "leased");
    // … and free once it ran out (a worker that died).
    w.clock.advance(TimeDelta::seconds(2));
    let again = jobs::claim(&w.store, 10, Duration::seconds(30)).await.unwrap();
    assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), [first[0].id]);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].lease_until, Some(w.clock_now() + TimeDelta::seconds(30)));
    // Completing removes it for good.
    jobs::complete(&w.store, first[0].id).await.unwrap();
    w.clock.advance(TimeDelta::hours(1));
    assert!(jobs::claim(&w.store, 10, Duration::seconds(30)).await.unwrap().is_empty());
}

#[tokio::test]
async fn next_run_at_is_the_run_at_of_free_jobs_or_the_end_of_a_lease() {
    // Arrange
    let w = world().await;
    let t0 = w.clock_now();
    assert_eq!(jobs::next_run_at(&w.store).await.unwrap(), None, "empty queue");
    let in_a_minute = t0 + TimeDelta::minutes(1);
    jobs::enqueue(&w.store, w.ws, "test.later", json!({}), in_a_minute, None).await.unwrap();
    // Act + Assert: a free job in the future.
    assert_eq!(jobs::next_run_at(&w.store).await.unwrap(), Some(in_a_minute));
    // A due job leased for 20 s: its lease end comes first.
    jobs::enqueue(&w.store, w.ws, "test.now", json!({}), t0, None).await.unwrap();
    assert_eq!(jobs::next_run_at(&w.store).await.unwrap(), Some(t0), "a due free job");
    let claimed = jobs::claim(&w.store, 1, Duration::seconds(20)).await.unwrap();
    assert_eq!(claimed[0].kind, "test.now");
    assert_eq!(jobs::next_run_at(&w.store).await.unwrap(), Some(t0 + TimeDelta::seconds(20)), "the lease end");
    // A lease longer than the free job's wait: the free job's run_at comes first.
    w.clock.advance(TimeDelta::seconds(21));
    let reclaimed = jobs::claim(&w.store, 1, Duration::minutes(10)).await.unwrap();
    assert_eq!(reclaimed[0].kind, "test.now");
    assert_eq!(jobs::next_run_at(&w.store).await.unwrap(), Some(in_a_minute));
    // A retry moves a job's run_at and frees it.
    let retry_at = t0 + TimeDelta::seconds(45);
    jobs::retry_at(&w.store, reclaimed[0].id, retry_at, "boom").await.unwrap();
    assert_eq!(jobs::next_run_at(&w.store).await.unwrap(), Some(retry_at));
}

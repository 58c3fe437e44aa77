//! The job loop itself: dispatch, timing, wake-up and shutdown.

use std::time::Duration;

use autocrm_jobs::{WorkerConfig, spawn_workers};
use autocrm_store::{jobs, webhooks};
use chrono::TimeDelta;
use serde_json::json;

use crate::helpers::{TestApp, each_backend};
use crate::receiver::Receiver;

#[tokio::test]
async fn unknown_job_kinds_are_completed_without_running() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        jobs::enqueue(&app.store, app.ws, "no.such.kind", json!({}), app.store.now(), None).await.unwrap();

        assert_eq!(app.worker("").run_due().await.unwrap(), 1);

        assert_eq!(app.pending_jobs().await, 0);
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn a_job_runs_only_once_its_time_has_come() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let later = app.store.now() + TimeDelta::seconds(60);
        jobs::enqueue(&app.store, app.ws, "no.such.kind", json!({}), later, None).await.unwrap();
        let worker = app.worker("");

        assert_eq!(worker.run_due().await.unwrap(), 0);
        app.clock.advance(TimeDelta::seconds(60));
        assert_eq!(worker.run_due().await.unwrap(), 1);
        assert_eq!(app.pending_jobs().await, 0);
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn sleeping_workers_wake_at_once_for_a_new_job_and_stop_on_shutdown() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let cfg = WorkerConfig { workers: 3, poll_interval: Duration::from_mins(1), ..TestApp::worker_config("") };
        let workers = spawn_workers(app.store.clone(), cfg);
        tokio::time::sleep(Duration::from_millis(50)).await;

        jobs::enqueue(&app.store, app.ws, "no.such.kind", json!({}), app.store.now(), None).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        while app.pending_jobs().await > 0 {
            assert!(tokio::time::Instant::now() < deadline, "the workers did not wake up");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        tokio::time::timeout(Duration::from_secs(2), workers.shutdown()).await.expect("shutdown is prompt");
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn deleting_a_subscription_drops_its_pending_deliveries() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[]).await;
        let hook = app.create_webhook(&receiver.url("/"), &["*"]).await;
        app.create_ticket("Hello").await;
        webhooks::delete(&app.store, &app.system, hook.id).await.unwrap();

        assert!(app.worker("127.0.0.1").run_due().await.unwrap() > 0);

        assert!(receiver.requests().is_empty());
        assert_eq!(app.pending_jobs().await, 0);
        app.cleanup().await;
    })
    .await;
}

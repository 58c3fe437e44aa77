//! Failed attempts are retried on the schedule, driven by the test clock.

use autocrm_domain::webhooks::RETRY_DELAYS_SECS;
use chrono::TimeDelta;

use crate::helpers::{TestApp, each_backend};
use crate::receiver::{Receiver, closed_port};

#[tokio::test]
async fn a_receiver_that_fails_twice_is_retried_until_it_succeeds() {
    each_backend(|backend| async move {
        // Arrange
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[500, 503, 200]).await;
        let hook = app.create_webhook(&receiver.url("/hook"), &["ticket.created"]).await;
        app.create_ticket("Flaky receiver").await;
        let worker = app.worker("127.0.0.1");
        let t0 = app.clock.now_ts();

        // Act and assert: the first attempt fails and waits 5 s.
        assert_eq!(worker.run_due().await.unwrap(), 1);
        assert_eq!(receiver.requests().len(), 1);
        assert_eq!(worker.run_due().await.unwrap(), 0, "the retry is not due yet");
        app.clock.advance(TimeDelta::seconds(5));

        // The second fails and waits 5 minutes.
        assert_eq!(worker.run_due().await.unwrap(), 1);
        app.clock.advance(TimeDelta::seconds(299));
        assert_eq!(worker.run_due().await.unwrap(), 0, "the retry is not due yet");
        app.clock.advance(TimeDelta::seconds(1));

        // The third succeeds.
        assert_eq!(worker.run_due().await.unwrap(), 1);

        let log = app.deliveries(hook.id).await;
        assert_eq!(log.iter().map(|d| d.attempt).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(log.iter().map(|d| d.status_code).collect::<Vec<_>>(), [Some(500), Some(503), Some(200)]);
        assert_eq!(log.iter().map(|d| d.ok).collect::<Vec<_>>(), [false, false, true]);
        assert_eq!(log[0].error.as_deref(), Some("HTTP 500"));
        let next: Vec<_> = log.iter().map(|d| d.next_attempt_at.map(|t| t.timestamp())).collect();
        assert_eq!(next, [Some(t0 + 5), Some(t0 + 5 + 300), None]);
        assert!(log.iter().all(|d| d.msg_id == log[0].msg_id));

        let got = receiver.requests();
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|r| r.header("webhook-id") == log[0].msg_id), "webhook-id is stable across retries");
        let stamps: Vec<i64> = got.iter().map(|r| r.header("webhook-timestamp").parse().unwrap()).collect();
        assert_eq!(stamps, [t0, t0 + 5, t0 + 305], "each attempt is signed at its own time");
        assert!(app.webhook(hook.id).await.enabled);
        assert_eq!(app.pending_jobs().await, 0);
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn a_receiver_that_refuses_connections_is_retried_with_the_transport_error_logged() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let hook = app.create_webhook(&format!("http://{}/hook", closed_port()), &["ticket.created"]).await;
        app.create_ticket("Nobody home").await;

        app.worker("127.0.0.1").run_due().await.unwrap();

        let log = app.deliveries(hook.id).await;
        assert_eq!(log.len(), 1);
        assert!(!log[0].ok);
        assert_eq!(log[0].status_code, None);
        let error = log[0].error.clone().unwrap();
        eprintln!("transport error as logged: {error}");
        assert!(error.to_lowercase().contains("connect"), "{error}");
        assert!(!error.contains("/hook"), "the URL (and any token in it) stays out of the error: {error}");
        assert!(log[0].next_attempt_at.is_some());
        assert_eq!(app.pending_jobs().await, 1, "the delivery waits for its retry");
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_disables_the_subscription_when_retries_run_out() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[500; 20]).await;
        let hook = app.create_webhook(&receiver.url("/hook"), &["ticket.created"]).await;
        app.create_ticket("Doomed").await;
        let worker = app.worker("127.0.0.1");
        let attempts = RETRY_DELAYS_SECS.len() + 1;

        for _ in 0..attempts {
            assert_eq!(worker.run_due().await.unwrap(), 1);
            if let Some(next) = app.deliveries(hook.id).await.last().unwrap().next_attempt_at {
                app.clock.advance_to(next);
            }
        }

        let log = app.deliveries(hook.id).await;
        assert_eq!(log.len(), attempts);
        assert_eq!(log.last().unwrap().attempt as usize, attempts);
        assert_eq!(log.last().unwrap().next_attempt_at, None);
        let hook = app.webhook(hook.id).await;
        assert!(!hook.enabled);
        assert_eq!(hook.disabled_reason.as_deref(), Some("retries exhausted"));
        assert_eq!(app.pending_jobs().await, 0);
        assert_eq!(receiver.requests().len(), attempts);
        app.cleanup().await;
    })
    .await;
}

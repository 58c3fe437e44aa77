//! What a delivery looks like on the wire.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use autocrm_jobs::{WorkerConfig, enqueue_redelivery, spawn_workers};
use autocrm_store::StoreError;
use autocrm_store::tickets::TicketView;

use crate::helpers::{TestApp, each_backend};
use crate::receiver::Receiver;

const VERIFIER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/verify_signature.py");

/// Runs the independent Python verifier: whether it accepts, and why not.
fn python_verdict(secret: &str, msg_id: &str, timestamp: &str, signature: &str, body: &[u8]) -> Result<(), String> {
    let mut child = Command::new("python3")
        .arg(VERIFIER)
        .args([secret, msg_id, timestamp, signature])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 must be installed to verify signatures");
    // Dropping stdin after the write closes it, so the script sees the end of the body.
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

#[tokio::test]
async fn a_ticket_created_delivery_arrives_signed_per_standard_webhooks() {
    each_backend(|backend| async move {
        // Arrange: a subscription and running workers that poll rarely, so
        // only the in-process wake-up can make the delivery prompt.
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[]).await;
        let hook = app.create_webhook(&receiver.url("/hooks/acme"), &["ticket.created"]).await;
        let cfg = WorkerConfig { poll_interval: Duration::from_mins(1), ..TestApp::worker_config("127.0.0.0/8") };
        let workers = spawn_workers(app.store.clone(), cfg);
        tokio::time::sleep(Duration::from_millis(50)).await;

        // Act
        let _: TicketView = app.create_ticket("Printer on fire").await;
        let got = receiver.wait_for(1, Duration::from_secs(5)).await;
        workers.shutdown().await;

        // Assert: headers and body.
        assert_eq!(receiver.requests().len(), 1, "only ticket.created was subscribed");
        let req = &got[0];
        assert_eq!(req.path, "/hooks/acme");
        assert_eq!(req.header("content-type"), "application/json");
        assert_eq!(req.header("user-agent"), "AutoCRM-Webhooks/1");
        let body = req.json();
        assert_eq!(body["type"], "ticket.created");
        assert_eq!(body["data"]["ticket"]["subject"], "Printer on fire");
        assert_eq!(body["data"]["workspace_id"], app.ws);
        let seq = body["data"]["seq"].as_i64().unwrap();
        chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).unwrap();
        let msg_id = req.header("webhook-id");
        assert_eq!(msg_id, format!("msg_{}_{}_{seq}", app.ws, hook.id));
        let timestamp = req.header("webhook-timestamp");
        assert_eq!(timestamp, app.clock.now_ts().to_string());
        let signature = req.header("webhook-signature");
        assert!(signature.starts_with("v1,"), "{signature}");

        // Assert: an independent implementation accepts the signature, and
        // rejects a tampered body or another secret.
        python_verdict(&hook.secret, &msg_id, &timestamp, &signature, &req.body).unwrap();
        let tampered = String::from_utf8(req.body.to_vec()).unwrap().replace("Printer on fire", "Printer is fine");
        let refused = python_verdict(&hook.secret, &msg_id, &timestamp, &signature, tampered.as_bytes());
        assert_eq!(refused, Err("no matching signature\n".to_owned()));
        let other_secret = autocrm_domain::webhooks::generate_secret();
        assert!(python_verdict(&other_secret, &msg_id, &timestamp, &signature, &req.body).is_err());
        let other_id = format!("{msg_id}0");
        assert!(python_verdict(&hook.secret, &other_id, &timestamp, &signature, &req.body).is_err());

        // Assert: one successful attempt logged, nothing left to do.
        let log = app.deliveries(hook.id).await;
        assert_eq!(log.len(), 1);
        assert!(log[0].ok);
        assert_eq!((log[0].attempt, log[0].status_code), (1, Some(200)));
        assert_eq!(log[0].msg_id, msg_id);
        assert_eq!(log[0].event_type, "ticket.created");
        assert_eq!(log[0].event_seq, seq);
        assert_eq!(log[0].next_attempt_at, None);
        assert_eq!(app.pending_jobs().await, 0);
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn a_domain_destination_is_resolved_checked_and_delivered() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[]).await;
        let url = format!("http://localhost:{}/hook", receiver.addr.port());
        let hook = app.create_webhook(&url, &["ticket.*"]).await;
        app.create_ticket("Hello").await;

        app.worker("127.0.0.0/8, ::1").run_due().await.unwrap();

        assert_eq!(receiver.requests().len(), 1);
        let log = app.deliveries(hook.id).await;
        assert!(log[0].ok, "{:?}", log[0].error);
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn a_redelivery_sends_the_same_message_again() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[]).await;
        let hook = app.create_webhook(&receiver.url("/"), &["ticket.created"]).await;
        app.create_ticket("Hello").await;
        let worker = app.worker("127.0.0.1");
        worker.run_due().await.unwrap();
        let seq = app.deliveries(hook.id).await[0].event_seq;

        enqueue_redelivery(&app.store, &app.system, hook.id, seq).await.unwrap();
        enqueue_redelivery(&app.store, &app.system, hook.id, seq).await.unwrap();
        assert_eq!(worker.run_due().await.unwrap(), 2);

        let got = receiver.requests();
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|r| r.header("webhook-id") == got[0].header("webhook-id")));
        let log = app.deliveries(hook.id).await;
        assert!(log.iter().all(|d| d.ok && d.attempt == 1));
        let missing = enqueue_redelivery(&app.store, &app.system, hook.id, seq + 1000).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        app.cleanup().await;
    })
    .await;
}

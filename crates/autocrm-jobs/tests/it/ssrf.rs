//! Destinations are checked again at send.

use crate::helpers::{TestApp, each_backend};
use crate::receiver::Receiver;

#[tokio::test]
async fn a_loopback_destination_is_refused_at_send_when_the_allow_list_is_empty() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[]).await;
        let hook = app.create_webhook(&receiver.url("/internal"), &["ticket.created"]).await;
        app.create_ticket("Hello").await;

        assert_eq!(app.worker("").run_due().await.unwrap(), 1);

        assert!(receiver.requests().is_empty(), "no request may reach the receiver");
        let log = app.deliveries(hook.id).await;
        assert_eq!(log.len(), 1);
        assert!(!log[0].ok);
        assert_eq!(log[0].status_code, None);
        assert_eq!(log[0].error.as_deref(), Some("destination refused: resolves to a non-public address (127.0.0.1)"));
        assert!(log[0].next_attempt_at.is_some(), "refusals are retried: the allow-list may change");
        assert_eq!(app.pending_jobs().await, 1);
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn a_localhost_name_is_refused_at_send_when_the_allow_list_is_empty() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[]).await;
        let url = format!("http://localhost:{}/internal", receiver.addr.port());
        let hook = app.create_webhook(&url, &["ticket.created"]).await;
        app.create_ticket("Hello").await;

        app.worker("").run_due().await.unwrap();

        assert!(receiver.requests().is_empty());
        let log = app.deliveries(hook.id).await;
        assert_eq!(log[0].error.as_deref(), Some("destination refused: points at this machine"));
        app.cleanup().await;
    })
    .await;
}

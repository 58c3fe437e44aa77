//! How receivers' answers other than 2xx and 5xx are treated.

use crate::helpers::{TestApp, each_backend};
use crate::receiver::Receiver;

#[tokio::test]
async fn a_410_disables_the_subscription_and_drops_its_pending_deliveries() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[410]).await;
        let hook = app.create_webhook(&receiver.url("/gone"), &["ticket.created"]).await;
        app.create_ticket("First").await;
        app.create_ticket("Second").await;

        assert_eq!(app.worker("127.0.0.1").run_due().await.unwrap(), 2);

        assert_eq!(receiver.requests().len(), 1, "the second delivery finds the subscription disabled");
        let hook = app.webhook(hook.id).await;
        assert!(!hook.enabled);
        assert_eq!(hook.disabled_reason.as_deref(), Some("410 Gone"));
        let log = app.deliveries(hook.id).await;
        assert_eq!(log.len(), 1);
        assert_eq!((log[0].status_code, log[0].ok), (Some(410), false));
        assert_eq!(app.pending_jobs().await, 0);
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn a_redirect_is_a_failure_and_is_not_followed() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        let receiver = Receiver::start(&[302]).await;
        let hook = app.create_webhook(&receiver.url("/moved"), &["ticket.created"]).await;
        app.create_ticket("Hello").await;

        app.worker("127.0.0.1").run_due().await.unwrap();

        let got = receiver.requests();
        assert_eq!(got.len(), 1, "the Location was not followed");
        assert_eq!(got[0].path, "/moved");
        let log = app.deliveries(hook.id).await;
        assert_eq!((log[0].status_code, log[0].ok), (Some(302), false));
        assert_eq!(log[0].error.as_deref(), Some("HTTP 302: redirects are not followed"));
        assert!(log[0].next_attempt_at.is_some(), "a redirect is retried like any failure");
        assert!(app.webhook(hook.id).await.enabled);
        assert_eq!(app.pending_jobs().await, 1);
        app.cleanup().await;
    })
    .await;
}

#[tokio::test]
async fn only_the_first_500_bytes_of_a_response_are_logged_without_a_split_character() {
    each_backend(|backend| async move {
        let app = TestApp::spawn(&backend).await;
        // 499 bytes of ASCII, then a two-byte character across the limit.
        let long = format!("{}é{}", "x".repeat(499), "y".repeat(5000));
        let receiver = Receiver::start_with(vec![(200, long.clone())]).await;
        let hook = app.create_webhook(&receiver.url("/"), &["ticket.created"]).await;
        app.create_ticket("Hello").await;

        app.worker("127.0.0.1").run_due().await.unwrap();

        let snippet = app.deliveries(hook.id).await[0].response_snippet.clone().unwrap();
        assert!(long.starts_with(&snippet));
        assert_eq!(snippet, "x".repeat(499));
        app.cleanup().await;
    })
    .await;
}

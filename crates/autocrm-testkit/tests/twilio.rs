//! The Twilio client of `autocrm-channels` against [`FakeTwilio`] over real
//! HTTP, and the fake's webhook signing against the channel's verification.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use autocrm_channels::sms::twilio::{
    self, DeliveryStatus, Inbound, SmsError, StatusCallback, TwilioClient, TwilioConfig,
};
use autocrm_testkit::twilio::{FakeTwilio, INVALID_TO, UNSUBSCRIBED};

const SID: &str = "AC00000000000000000000000000000001";
const TOKEN: &str = "test-auth-token";

fn client_for(fake: &FakeTwilio, token: &str) -> TwilioClient {
    let mut config = TwilioConfig::new(SID, token);
    config.base_url = fake.base_url().parse().unwrap();
    config.timeout = Duration::from_secs(5);
    TwilioClient::new(config).unwrap()
}

#[tokio::test]
async fn sending_posts_the_message_form_and_returns_the_sid() {
    // Arrange
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let client = client_for(&fake, TOKEN);
    // Act
    let sent = client
        .send(
            "+14155550100",
            "+491701234567",
            "Your order shipped 📦 & is on its way",
            &["https://shop.example/a.jpg".to_owned(), "https://shop.example/b.png".to_owned()],
            Some("https://help.example/twilio/status?x=1"),
        )
        .await
        .unwrap();
    // Assert
    assert!(sent.sid.starts_with("MM") && sent.sid.len() == 34, "{}", sent.sid);
    assert_eq!(sent.status, DeliveryStatus::Queued);
    let got = fake.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!((r.from.as_str(), r.to.as_str()), ("+14155550100", "+491701234567"));
    assert_eq!(r.body, "Your order shipped 📦 & is on its way");
    assert_eq!(r.media_urls, ["https://shop.example/a.jpg", "https://shop.example/b.png"]);
    assert_eq!(r.status_callback.as_deref(), Some("https://help.example/twilio/status?x=1"));
    assert_eq!(r.sid.as_deref(), Some(sent.sid.as_str()));
}

#[tokio::test]
async fn a_plain_sms_gets_an_sm_sid() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let sent = client_for(&fake, TOKEN).send("+14155550100", "+14155550199", "Hi", &[], None).await.unwrap();
    assert!(sent.sid.starts_with("SM"), "{}", sent.sid);
    assert_eq!(fake.requests()[0].status_callback, None);
}

#[tokio::test]
async fn a_wrong_auth_token_is_a_permanent_rejection() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let err = client_for(&fake, "wrong").send("+14155550100", "+14155550199", "Hi", &[], None).await.unwrap_err();
    assert_eq!(err, SmsError::Rejected { status: 401, code: Some(20003), message: "Authenticate".into() });
    assert!(!err.is_retryable());
    assert!(fake.requests().is_empty(), "unauthenticated requests are not recorded");
}

#[tokio::test]
async fn an_invalid_to_number_is_rejected_with_21211() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let client = client_for(&fake, TOKEN);
    let err = client.send("+14155550100", "12345", "Hi", &[], None).await.unwrap_err();
    assert!(
        matches!(&err, SmsError::Rejected { status: 400, code: Some(INVALID_TO), message } if message.contains("'To'")),
        "{err:?}"
    );
    fake.set_failing("+15005550001", INVALID_TO);
    let err = client.send("+14155550100", "+15005550001", "Hi", &[], None).await.unwrap_err();
    assert!(matches!(err, SmsError::Rejected { status: 400, code: Some(INVALID_TO), .. }), "{err:?}");
    assert!(!err.is_retryable());
    let got = fake.requests();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|r| r.sid.is_none()));
}

#[tokio::test]
async fn an_unsubscribed_recipient_is_rejected_with_21610() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    fake.set_failing("+491701234567", UNSUBSCRIBED);
    let err = client_for(&fake, TOKEN).send("+14155550100", "+491701234567", "Hi", &[], None).await.unwrap_err();
    assert_eq!(
        err,
        SmsError::Rejected {
            status: 400,
            code: Some(UNSUBSCRIBED),
            message: "Attempt to send to unsubscribed recipient".into()
        }
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retryable() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let client = client_for(&fake, TOKEN);
    fake.fail_next(503);
    fake.fail_next(429);
    let first = client.send("+14155550100", "+14155550199", "Hi", &[], None).await.unwrap_err();
    assert!(matches!(first, SmsError::Server { status: 503, .. }), "{first:?}");
    assert!(first.is_retryable());
    let second = client.send("+14155550100", "+14155550199", "Hi", &[], None).await.unwrap_err();
    assert!(matches!(second, SmsError::RateLimited { code: Some(20429), .. }), "{second:?}");
    assert!(second.is_retryable());
    // The retry goes through.
    client.send("+14155550100", "+14155550199", "Hi", &[], None).await.unwrap();
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn an_unreachable_api_is_a_retryable_transport_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = TwilioConfig::new(SID, TOKEN);
    config.base_url = format!("http://127.0.0.1:{port}").parse().unwrap();
    let err =
        TwilioClient::new(config).unwrap().send("+1415555010", "+14155550199", "Hi", &[], None).await.unwrap_err();
    assert!(matches!(err, SmsError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn a_silent_api_times_out() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            open.push(sock);
        }
    });
    let mut config = TwilioConfig::new(SID, TOKEN);
    config.base_url = format!("http://{addr}").parse().unwrap();
    config.timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let err =
        TwilioClient::new(config).unwrap().send("+14155550100", "+14155550199", "Hi", &[], None).await.unwrap_err();
    assert!(matches!(&err, SmsError::Transport(m) if m.contains("timed out")), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    hold.abort();
}

#[tokio::test]
async fn a_non_json_error_page_is_a_server_error_with_a_snippet() {
    let app =
        axum::Router::new().fallback(|| async { (axum::http::StatusCode::BAD_GATEWAY, "<html>Bad gateway</html>") });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    let mut config = TwilioConfig::new(SID, TOKEN);
    config.base_url = format!("http://{addr}").parse().unwrap();
    let err =
        TwilioClient::new(config).unwrap().send("+14155550100", "+14155550199", "Hi", &[], None).await.unwrap_err();
    assert_eq!(err, SmsError::Server { status: 502, message: "<html>Bad gateway</html>".into() });
    server.abort();
}

#[tokio::test]
async fn the_fakes_signature_verifies_with_the_channel() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let url = "https://help.example/api/v1/channels/twilio/inbound?ws=acme";
    let form = fake.inbound_form("+491701234567", "+14155550100", "STOP");
    let sig = fake.sign(url, &form);
    assert!(twilio::verify(TOKEN, url, &form, &sig));
    assert_eq!(sig, twilio::signature(TOKEN, url, &form));
    assert!(!twilio::verify("other-token", url, &form, &sig));
    let inbound = Inbound::from_form(&form).unwrap();
    assert_eq!(inbound.account_sid.as_deref(), Some(SID));
    assert_eq!(twilio::keyword(&inbound.body), Some(twilio::Keyword::Stop));
    let status = fake.status_form(&inbound.message_sid, "undelivered", Some("30003"));
    assert!(twilio::verify(TOKEN, url, &status, &fake.sign(url, &status)));
    let cb = StatusCallback::from_form(&status).unwrap();
    assert_eq!((cb.status, cb.error_code.as_deref()), (DeliveryStatus::Undelivered, Some("30003")));
}

#[tokio::test]
async fn a_signed_webhook_post_verifies_on_the_receiving_end() {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    // A receiver that checks the signature against the URL it is reached at.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/twilio/inbound?ws=acme");
    let expected_url = url.clone();
    let app = axum::Router::new().route(
        "/twilio/inbound",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let url = expected_url.clone();
            async move {
                let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
                let sig = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
                if twilio::verify(TOKEN, &url, &form, sig) { StatusCode::NO_CONTENT } else { StatusCode::FORBIDDEN }
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let form = fake.inbound_form("+491701234567", "+14155550100", "Where is my parcel? ü & ß + =");
    assert_eq!(fake.post_signed(&url, &form).await.status(), 204);
    // Signed for another URL: refused.
    let other = FakeTwilio::start(SID, "another-token").await;
    assert_eq!(other.post_signed(&url, &form).await.status(), 403);
    server.abort();
}

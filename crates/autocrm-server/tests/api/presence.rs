//! Presence: an agent viewing or replying is shown to the other staff on the
//! ticket's stream — never to customers, never stored in the log.

use std::time::Duration;

use autocrm_testkit::{Auth as _, spawn_app};
use futures::StreamExt as _;
use serde_json::{Value, json};

/// Reads SSE frames until a `presence` event arrives (or `wait` passes); returns its data.
pub(crate) async fn next_presence(res: reqwest::Response, wait: Duration) -> Option<Value> {
    let mut buf = String::new();
    let mut stream = res.bytes_stream();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let chunk = tokio::time::timeout_at(deadline, stream.next()).await.ok()??.ok()?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if frame.lines().any(|l| l.trim() == "event: presence" || l.trim() == "event:presence") {
                assert!(!frame.lines().any(|l| l.starts_with("id:")), "presence carries no seq: {frame}");
                let data = frame.lines().find_map(|l| l.strip_prefix("data:"))?.trim().to_owned();
                return serde_json::from_str(&data).ok();
            }
        }
    }
}

#[tokio::test]
async fn an_agent_replying_is_shown_to_other_staff_on_the_ticket_and_not_to_the_customer() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let (_, t) = {
        let res = app
            .http
            .post(app.url("/api/v1/tickets"))
            .session(&carla)
            .json(&json!({"subject": "Help", "message": {"body": "My parcel"}}))
            .send()
            .await
            .unwrap();
        (res.status(), res.json::<Value>().await.unwrap())
    };
    let topic = format!("/api/v1/events?topics=ticket:{}", t["id"]);
    let watching = app.http.get(app.url(&topic)).session(&admin).send().await.unwrap();
    let customer = app.http.get(app.url(&topic)).session(&carla).send().await.unwrap();
    let before = app.http.get(app.url("/api/v1/audit-log?limit=200")).session(&admin).send().await.unwrap();
    let events_before = before.json::<Value>().await.unwrap()["data"].as_array().unwrap().len();
    // Act
    let res = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{}/presence", t["id"])))
        .session(&anna)
        .json(&json!({"state": "replying"}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(res.status(), 204);
    let seen = next_presence(watching, Duration::from_secs(5)).await.expect("the admin sees Anna");
    assert_eq!(seen["name"], "Anna Agent");
    assert_eq!(seen["state"], "replying");
    assert_eq!(seen["ticket_id"], t["id"]);
    assert!(next_presence(customer, Duration::from_millis(800)).await.is_none(), "customers never see presence");
    let after = app.http.get(app.url("/api/v1/audit-log?limit=200")).session(&admin).send().await.unwrap();
    assert_eq!(after.json::<Value>().await.unwrap()["data"].as_array().unwrap().len(), events_before, "nothing logged");
}

#[tokio::test]
async fn presence_needs_a_known_state_and_a_ticket_in_reach() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let foreign = app.login("other", "admin@other.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let res = app
        .http
        .post(app.url("/api/v1/tickets"))
        .key(&key)
        .json(&json!({"subject": "s", "requester": {"email": "p@x.test"}}))
        .send()
        .await
        .unwrap();
    let t: Value = res.json().await.unwrap();
    let url = app.url(&format!("/api/v1/tickets/{}/presence", t["id"]));
    // Act + Assert
    let bad = app.http.post(&url).session(&anna).json(&json!({"state": "dancing"})).send().await.unwrap();
    assert_eq!(bad.status(), 422);
    let other = app.http.post(&url).session(&foreign).json(&json!({"state": "viewing"})).send().await.unwrap();
    assert_eq!(other.status(), 404);
}

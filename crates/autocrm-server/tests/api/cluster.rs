//! Two nodes on one PostgreSQL database: a change made through one node
//! reaches real-time subscribers of the other (LISTEN/NOTIFY), and webhook
//! jobs queued by one node are delivered by the other's workers.

use std::time::{Duration, Instant};

use autocrm_testkit::{Auth as _, TestApp, backend, fresh_database, open_store, spawn_on};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::realtime::read_events;

/// Two servers over one fresh PostgreSQL database.
async fn two_nodes() -> (TestApp, TestApp) {
    let tag = format!("{:x}", rand::random::<u64>());
    let dir_a = std::env::temp_dir().join(format!("autocrm-cluster-{tag}-a"));
    let dir_b = std::env::temp_dir().join(format!("autocrm-cluster-{tag}-b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let url = fresh_database(&dir_a).await;
    let store_a = open_store(&url, &dir_a).await;
    let store_b = open_store(&url, &dir_b).await;
    let a = spawn_on(store_a, dir_a).await;
    let b = spawn_on(store_b, dir_b).await;
    (a, b)
}

/// A webhook receiver on loopback that forwards each body it gets.
pub(crate) async fn receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}/hook"), rx)
}

#[tokio::test]
async fn a_ticket_created_on_one_node_reaches_the_other_nodes_stream_and_webhook_workers() {
    if backend() != "postgres" {
        eprintln!(
            "cluster: skipped on SQLite, where one process owns the database and there is no second node; \
             this test runs in the PostgreSQL pass of ./scripts/test"
        );
        return;
    }
    // Arrange: nodes A and B; a webhook subscribed through A; workers only on B;
    // a real-time subscriber connected to B.
    let (a, b) = two_nodes().await;
    assert_eq!(a.ws, b.ws, "one database, one workspace");
    let (hook_url, mut deliveries) = receiver().await;
    let admin = a.login("acme", "admin@acme.test").await;
    let res = a
        .http
        .post(a.url("/api/v1/webhooks"))
        .session(&admin)
        .json(&json!({"url": hook_url, "events": ["ticket.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let hook: Value = res.json().await.unwrap();
    let _workers = b.spawn_workers();
    let key = a.api_key(a.ws, "tickets:read,tickets:write").await;
    let stream = b.http.get(b.url("/api/v1/events?topics=queue")).key(&key).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let started = Instant::now();

    // Act: the change goes through node A.
    let res = a
        .http
        .post(a.url("/api/v1/tickets"))
        .key(&key)
        .json(&json!({"subject": "Made on A", "requester": {"email": "jo@example.test"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    let id = ticket["id"].as_i64().unwrap();

    // Assert: B's subscriber gets it with id = the event's seq in the log, well before
    // any periodic catch-up would have found it (so it came by NOTIFY).
    let got = read_events(stream, 1).await;
    let elapsed = started.elapsed();
    let trail = autocrm_store::events::for_ticket(&a.store, &autocrm_store::Principal::system(a.ws), id, None, None)
        .await
        .unwrap()
        .data;
    let created = trail.iter().find(|e| e.r#type == "ticket.created").expect("ticket.created in the log");
    assert_eq!(got[0], (created.seq, "ticket.created".to_owned()));
    assert!(elapsed < Duration::from_secs(5), "delivered across nodes in {elapsed:?}");
    // … and B's workers deliver the webhook job A queued.
    let body = tokio::time::timeout(Duration::from_secs(10), deliveries.recv())
        .await
        .expect("a delivery from node B's workers in time")
        .unwrap();
    assert_eq!(body["type"], "ticket.created");
    assert_eq!(body["data"]["ticket"]["id"], id);
    assert_eq!(body["data"]["seq"], created.seq);
    // The attempt is logged once the receiver's answer is in, just after it got the body.
    let deadline = Instant::now() + Duration::from_secs(5);
    let log = loop {
        let log: Value = a
            .http
            .get(a.url(&format!("/api/v1/webhooks/{}/deliveries", hook["id"])))
            .session(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !log["data"][0].is_null() || Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(log["data"][0]["ok"], true, "{log}");
}

#[tokio::test]
async fn presence_announced_on_one_node_reaches_staff_watching_through_the_other() {
    if backend() != "postgres" {
        eprintln!("cluster presence: skipped on SQLite (one process); runs in the PostgreSQL pass");
        return;
    }
    // Arrange
    let (a, b) = two_nodes().await;
    let key = a.api_key(a.ws, "tickets:read,tickets:write").await;
    let res = a
        .http
        .post(a.url("/api/v1/tickets"))
        .key(&key)
        .json(&json!({"subject": "s", "requester": {"email": "p@x.test"}}))
        .send()
        .await
        .unwrap();
    let t: Value = res.json().await.unwrap();
    let admin_on_b = b.login("acme", "admin@acme.test").await;
    let anna_on_a = a.login("acme", "anna@acme.test").await;
    let watching = b
        .http
        .get(b.url(&format!("/api/v1/events?topics=ticket:{}", t["id"])))
        .session(&admin_on_b)
        .send()
        .await
        .unwrap();
    // Act
    let res = a
        .http
        .post(a.url(&format!("/api/v1/tickets/{}/presence", t["id"])))
        .session(&anna_on_a)
        .json(&json!({"state": "viewing"}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(res.status(), 204);
    let seen = crate::presence::next_presence(watching, Duration::from_secs(5)).await.expect("node B relays it");
    assert_eq!(seen["name"], "Anna Agent");
    assert_eq!(seen["state"], "viewing");
}

use std::time::Duration;

use autocrm_testkit::{Auth as _, spawn_app};
use futures::StreamExt as _;
use serde_json::json;

/// Reads SSE frames until `n` events arrived; returns their (id, type).
pub(crate) async fn read_events(res: reqwest::Response, n: usize) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut stream = res.bytes_stream();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("event in time")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let id = frame.lines().find_map(|l| l.strip_prefix("id:")).map(|s| s.trim().parse::<i64>().unwrap());
            let ty = frame.lines().find_map(|l| l.strip_prefix("event:")).map(|s| s.trim().to_owned());
            if let (Some(id), Some(ty)) = (id, ty) {
                out.push((id, ty));
            }
        }
    }
    out
}

#[tokio::test]
async fn a_client_that_reconnects_with_last_event_id_misses_nothing() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let create = |i: i32| {
        app.http
            .post(app.url("/api/v1/tickets"))
            .key(&key)
            .json(&json!({"subject": format!("s{i}"), "requester": {"email": "e@x.test"}}))
            .send()
    };
    let res = app.http.get(app.url("/api/v1/events?topics=queue")).key(&key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    create(1).await.unwrap();
    let first = read_events(res, 1).await;
    assert_eq!(first[0].1, "ticket.created");
    let last = first[0].0;
    // Disconnected (the response was dropped); changes happen meanwhile.
    for i in 2..=6 {
        create(i).await.unwrap();
    }
    let res = app
        .http
        .get(app.url("/api/v1/events?topics=queue"))
        .key(&key)
        .header("last-event-id", last.to_string())
        .send()
        .await
        .unwrap();
    let replayed = read_events(res, 5).await;
    let ids: Vec<i64> = replayed.iter().map(|e| e.0).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(ids[0] > last);
    assert_eq!(replayed.iter().filter(|e| e.1 == "ticket.created").count(), 5, "{replayed:?}");
}

#[tokio::test]
async fn a_customer_stream_carries_only_their_own_public_events() {
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let bob = app.login("acme", "bob@customer.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let res = app.http.get(app.url("/api/v1/events")).session(&carla).send().await.unwrap();
    assert_eq!(res.status(), 200);
    app.http.post(app.url("/api/v1/tickets")).session(&bob).json(&json!({"subject": "bob's"})).send().await.unwrap();
    let t: serde_json::Value = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(&carla)
        .json(&json!({"subject": "carla's"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    app.http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "note", "internal": true}))
        .send()
        .await
        .unwrap();
    app.http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "reply"}))
        .send()
        .await
        .unwrap();
    let got = read_events(res, 2).await;
    let types: Vec<&str> = got.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(types, ["ticket.created", "message.created"], "the internal note and Bob's ticket are not streamed");
}

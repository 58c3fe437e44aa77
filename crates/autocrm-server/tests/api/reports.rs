//! Performance reports read from the event log.

use autocrm_testkit::{Auth as _, spawn_app};
use serde_json::{Value, json};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_agents_replies_solves_reopens_and_macro_uses_are_counted_for_the_period() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let (_, statuses) = send(app.http.get(app.url("/api/v1/statuses")).session(&anna)).await;
    let solved = statuses["data"].as_array().unwrap().iter().find(|s| s["category"] == "solved").unwrap()["id"].clone();
    let mut ids = Vec::new();
    for i in 0..3 {
        let (_, t) = send(
            app.http
                .post(app.url("/api/v1/tickets"))
                .session(&carla)
                .json(&json!({"subject": format!("q{i}"), "message": {"body": "help"}})),
        )
        .await;
        ids.push(t["id"].clone());
    }
    let (_, m) = send(
        app.http
            .post(app.url("/api/v1/macros"))
            .session(&anna)
            .json(&json!({"name": "Tag", "actions": {"add_tags": ["x"]}})),
    )
    .await;
    // Act: Anna takes and answers all three, solves two, notes one; Carla reopens one by replying.
    for id in &ids {
        send(
            app.http
                .patch(app.url(&format!("/api/v1/tickets/{id}")))
                .session(&anna)
                .json(&json!({"assignee_id": anna_id(&app, &anna).await})),
        )
        .await;
        send(
            app.http
                .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
                .session(&anna)
                .json(&json!({"body": "On it"})),
        )
        .await;
    }
    send(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{}/messages", ids[0])))
            .session(&anna)
            .json(&json!({"body": "note", "internal": true})),
    )
    .await;
    for id in &ids[..2] {
        let (status, out) = send(
            app.http
                .patch(app.url(&format!("/api/v1/tickets/{id}")))
                .session(&anna)
                .json(&json!({"status_id": solved})),
        )
        .await;
        assert_eq!(status, 200, "{out}");
    }
    send(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{}/macros/{}/apply", ids[2], m["id"])))
            .session(&anna)
            .json(&json!({})),
    )
    .await;
    let (status, out) = send(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{}/messages", ids[0])))
            .session(&carla)
            .json(&json!({"body": "Not fixed"})),
    )
    .await;
    assert_eq!(status, 201, "{out}");
    // Assert
    let (status, me) = send(app.http.get(app.url("/api/v1/reports/me")).session(&anna)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["solved"], 2);
    assert_eq!(me["replies"], 3);
    assert_eq!(me["notes"], 1);
    assert_eq!(me["macro_uses"], 1);
    assert_eq!(me["reopened"], 1);
    assert_eq!(me["reopen_rate"], 0.5);
    assert!(me["median_first_response_secs"].as_i64().is_some(), "{me}");
    assert!(me["median_resolution_secs"].as_i64().is_some(), "{me}");
    let (status, team) = send(app.http.get(app.url("/api/v1/reports/team")).session(&admin)).await;
    assert_eq!(status, 200, "{team}");
    let created: i64 =
        team["created_by_channel"].as_array().unwrap().iter().map(|b| b["count"].as_i64().unwrap()).sum();
    assert_eq!(created, 3);
    let solved_days: i64 = team["daily"].as_array().unwrap().iter().map(|d| d["solved"].as_i64().unwrap()).sum();
    assert_eq!(solved_days, 2);
    let anna_row = team["agents"].as_array().unwrap().iter().find(|a| a["name"] == "Anna Agent").unwrap();
    assert_eq!(anna_row["solved"], 2);
    let backlog: i64 = team["backlog_age"].as_array().unwrap().iter().map(|b| b["count"].as_i64().unwrap()).sum();
    assert_eq!(backlog, 2, "one still open, one reopened");
}

async fn anna_id(app: &autocrm_testkit::TestApp, anna: &autocrm_testkit::Session) -> i64 {
    let (_, s) = send(app.http.get(app.url("/api/v1/session")).session(anna)).await;
    s["user_id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_backwards_or_too_long_period_is_refused() {
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let (status, _) = send(
        app.http.get(app.url("/api/v1/reports/team?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")).session(&admin),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = send(
        app.http.get(app.url("/api/v1/reports/team?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z")).session(&admin),
    )
    .await;
    assert_eq!(status, 422);
}

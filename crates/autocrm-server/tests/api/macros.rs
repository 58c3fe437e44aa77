//! Macros: templated replies rendered in a sandbox, ticket changes applied
//! with the reply in one go, use counted, sharing rules.

use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use serde_json::{Value, json};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn ticket(app: &TestApp, key: &str) -> Value {
    let body = json!({"subject": "Where is my parcel?", "requester": {"email": "mason@example.com", "name": "Mason <b>Lopez</b>"},
                      "message": {"body": "It is late"}});
    let (status, t) = send(app.http.post(app.url("/api/v1/tickets")).key(key).json(&body)).await;
    assert_eq!(status, 201, "{t}");
    t
}

#[tokio::test]
async fn applying_a_macro_changes_the_ticket_posts_the_rendered_reply_and_counts_the_use() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let t = ticket(&app, &key).await;
    let (_, statuses) = send(app.http.get(app.url("/api/v1/statuses")).session(&anna)).await;
    let pending =
        statuses["data"].as_array().unwrap().iter().find(|s| s["category"] == "pending").unwrap()["id"].clone();
    let body = json!({"name": "Parcel delayed", "reply": "<p>Hi {{ requester.first_name }}, ticket #{{ ticket.number }} from {{ agent.first_name }}.</p>",
                      "actions": {"status_id": pending, "priority": "high", "assignee": "me", "add_tags": ["Delayed"]}});
    let (status, m) = send(app.http.post(app.url("/api/v1/macros")).session(&anna).json(&body)).await;
    assert_eq!(status, 201, "{m}");
    let base = format!("/api/v1/tickets/{}/macros/{}", t["id"], m["id"]);
    // Act
    let (_, preview) = send(app.http.get(app.url(&format!("{base}/preview"))).session(&anna)).await;
    let (status, applied) =
        send(app.http.post(app.url(&format!("{base}/apply"))).session(&anna).json(&json!({}))).await;
    // Assert
    let want = format!("<p>Hi Mason, ticket #{} from Anna.</p>", t["number"]);
    assert_eq!(preview["reply_html"], want, "the name's markup is escaped away with the rest of the name");
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["ticket"]["status"]["category"], "pending");
    assert_eq!(applied["ticket"]["priority"], "high");
    assert_eq!(applied["ticket"]["assignee"]["name"], "Anna Agent");
    assert_eq!(applied["ticket"]["tags"], json!(["delayed"]));
    let (_, msgs) = send(app.http.get(app.url(&format!("/api/v1/tickets/{}/messages", t["id"]))).session(&anna)).await;
    let last = msgs["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["id"], applied["message_id"]);
    assert_eq!(last["body_html"], want);
    assert_eq!(last["internal"], false);
    let (_, after) = send(app.http.get(app.url(&format!("/api/v1/macros/{}", m["id"]))).session(&anna)).await;
    assert_eq!(after["usage_count"], 1);
    let (_, trail) = send(app.http.get(app.url(&format!("/api/v1/tickets/{}/events", t["id"]))).session(&anna)).await;
    assert!(trail["data"].as_array().unwrap().iter().any(|e| e["type"] == "macro.applied"), "{trail}");
}

#[tokio::test]
async fn a_macro_with_an_invalid_template_or_action_is_refused_with_pointers() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let body = json!({"name": "Broken", "reply": "Hi {{ requester.name ", "actions": {"status_id": 999_999, "assignee": "bob", "add_tags": ["<x>"]}});
    // Act
    let (status, problem) = send(app.http.post(app.url("/api/v1/macros")).session(&admin).json(&body)).await;
    // Assert
    assert_eq!(status, 422, "{problem}");
    let mut pointers: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    pointers.sort_unstable();
    assert_eq!(pointers, ["/actions/add_tags/0", "/actions/assignee", "/actions/status_id", "/reply"]);
    let (_, list) = send(app.http.get(app.url("/api/v1/macros")).session(&admin)).await;
    assert_eq!(list["data"], json!([]), "nothing was saved");
}

#[tokio::test]
async fn templates_cannot_escape_the_sandbox_or_run_forever() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let t = ticket(&app, &key).await;
    let create = |reply: &'static str| {
        app.http.post(app.url("/api/v1/macros")).session(&anna).json(&json!({"name": "x", "reply": reply}))
    };
    // Act: a template that loads files is refused when saved.
    let (status, problem) = send(create("{% include '/etc/passwd' %}")).await;
    // Assert
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/reply");
    // Act: a runaway loop parses, but runs out of fuel when rendered.
    let (status, m) =
        send(create("{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}")).await;
    assert_eq!(status, 201, "it parses: {m}");
    let (status, problem) =
        send(app.http.get(app.url(&format!("/api/v1/tickets/{}/macros/{}/preview", t["id"], m["id"]))).session(&anna))
            .await;
    // Assert
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/reply");
}

#[tokio::test]
async fn personal_macros_are_private_and_customers_cannot_apply_any() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    let carla: Session = app.login("acme", "carla@customer.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let t = ticket(&app, &key).await;
    let (_, mine) = send(app.http.post(app.url("/api/v1/macros")).session(&anna).json(&json!({"name": "Mine"}))).await;
    let (_, shared) =
        send(app.http.post(app.url("/api/v1/macros")).session(&admin).json(&json!({"name": "Team", "shared": true})))
            .await;
    // Act + Assert
    let (status, _) = send(app.http.get(app.url(&format!("/api/v1/macros/{}", mine["id"]))).session(&admin)).await;
    assert_eq!(status, 404);
    let (status, _) = send(
        app.http.patch(app.url(&format!("/api/v1/macros/{}", shared["id"]))).session(&anna).json(&json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{}/macros/{}/apply", t["id"], shared["id"])))
            .session(&carla)
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 403);
}

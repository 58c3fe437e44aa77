//! @mentions in internal notes and the agents' notifications: a mention of a
//! staff member of the workspace notifies that person only (event, webhook,
//! stream, notification); any other id is plain text; public replies mention
//! nobody; notifications are only ever the caller's own.

use std::time::Duration;

use autocrm_testkit::{Auth as _, PASSWORD, Session, TestApp, principal, spawn_app};
use serde_json::{Value, json};

use crate::cluster::receiver;
use crate::realtime::read_events;

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn user_id(app: &TestApp, workspace: &str, email: &str) -> i64 {
    principal(&app.store, workspace, email).await.user_id().unwrap()
}

/// Carla's ticket, as the customer opens it.
async fn carla_ticket(app: &TestApp, carla: &Session) -> i64 {
    let body = json!({"subject": "Broken zipper", "message": {"body": "The zipper broke on day one"}});
    let (status, t) = send(app.http.post(app.url("/api/v1/tickets")).session(carla).json(&body)).await;
    assert_eq!(status, 201, "{t}");
    t["id"].as_i64().unwrap()
}

fn mention(id: i64, label: &str) -> String {
    format!(r#"<span data-type="mention" data-id="{id}">@{label}</span>"#)
}

async fn post_message(app: &TestApp, s: &Session, ticket: i64, body: &str, internal: bool) -> Value {
    let (status, m) = send(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
            .session(s)
            .json(&json!({"body": body, "internal": internal})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    m
}

async fn notifications(app: &TestApp, s: &Session, query: &str) -> Value {
    let (status, list) = send(app.http.get(app.url(&format!("/api/v1/notifications{query}"))).session(s)).await;
    assert_eq!(status, 200, "{list}");
    list
}

async fn mention_events(app: &TestApp, s: &Session, ticket: i64) -> Vec<Value> {
    let (_, trail) = send(app.http.get(app.url(&format!("/api/v1/tickets/{ticket}/events"))).session(s)).await;
    trail["data"].as_array().unwrap().iter().filter(|e| e["type"] == "ticket.mentioned").cloned().collect()
}

#[tokio::test]
async fn mentioning_an_agent_in_a_note_notifies_that_agent_only_by_event_stream_webhook_and_notification() {
    // Arrange: Anna writes, Ada is mentioned, Tom (another agent) is not.
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let ada = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let (status, tom) = send(
        app.http
            .post(app.url("/api/v1/users"))
            .session(&ada)
            .json(&json!({"email": "tom@acme.test", "name": "Tom Agent", "role": "agent", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{tom}");
    let tom = app.login("acme", "tom@acme.test").await;
    let ada_id = user_id(&app, "acme", "admin@acme.test").await;
    let ticket = carla_ticket(&app, &carla).await;
    let (hook_url, mut deliveries) = receiver().await;
    let (status, _) = send(
        app.http
            .post(app.url("/api/v1/webhooks"))
            .session(&ada)
            .json(&json!({"url": hook_url, "events": ["ticket.mentioned"]})),
    )
    .await;
    assert_eq!(status, 201);
    let _workers = app.spawn_workers();
    let stream =
        app.http.get(app.url(&format!("/api/v1/events?topics=ticket:{ticket}"))).session(&ada).send().await.unwrap();
    let customer_stream = app.http.get(app.url("/api/v1/events")).session(&carla).send().await.unwrap();

    // Act: the same person twice, under a label that is not their name.
    let body = format!("<p>{} can you approve? Thanks {}</p>", mention(ada_id, "Boss"), mention(ada_id, "Boss"));
    let note = post_message(&app, &anna, ticket, &body, true).await;

    // Assert: the note shows the real name; one event, one notification, for Ada only.
    let chip = format!(r#"<span data-type="mention" data-id="{ada_id}" class="mention">@Ada Admin</span>"#);
    assert_eq!(note["body_html"], format!("<p>{chip} can you approve? Thanks {chip}</p>"));
    let events = mention_events(&app, &anna, ticket).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["summary"], "Anna Agent mentioned Ada Admin");
    assert_eq!(events[0]["data"]["mentioned_user"]["id"], ada_id);
    assert_eq!(events[0]["data"]["message"]["id"], note["id"]);
    let got = read_events(stream, 2).await;
    assert_eq!(got.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(), ["message.created", "ticket.mentioned"]);
    let hook =
        tokio::time::timeout(Duration::from_secs(10), deliveries.recv()).await.expect("webhook in time").unwrap();
    assert_eq!(hook["type"], "ticket.mentioned");
    assert_eq!(hook["data"]["mentioned_user"]["id"], ada_id);
    let list = notifications(&app, &ada, "").await;
    assert_eq!(list["unread_count"], 1, "{list}");
    let n = &list["data"][0];
    assert_eq!(n["kind"], "mention");
    assert_eq!(n["ticket"]["id"], ticket);
    assert_eq!(n["ticket"]["subject"], "Broken zipper");
    assert_eq!(n["message_id"], note["id"]);
    assert_eq!(n["actor_name"], "Anna Agent");
    assert!(n["excerpt"].as_str().unwrap().contains("can you approve"), "{n}");
    assert_eq!(n["read_at"], Value::Null);
    for other in [&anna, &tom] {
        let list = notifications(&app, other, "").await;
        assert_eq!(
            (list["unread_count"].as_i64(), list["data"].as_array().map(Vec::len)),
            (Some(0), Some(0)),
            "{list}"
        );
    }
    // Carla's stream carries neither the note nor the mention on her own ticket.
    let seen = tokio::time::timeout(Duration::from_millis(1500), read_events(customer_stream, 2)).await;
    assert!(seen.is_err(), "the customer received more than nothing: {seen:?}");
}

#[tokio::test]
async fn a_customer_or_another_workspaces_id_in_a_mention_is_plain_text_and_never_named() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let otto = app.login("other", "admin@other.test").await;
    let carla_id = user_id(&app, "acme", "carla@customer.test").await;
    let otto_id = user_id(&app, "other", "admin@other.test").await;
    let ticket = carla_ticket(&app, &carla).await;
    // Act
    let body = format!(
        "<p>Ask {} or {} or {}</p>",
        mention(carla_id, "who"),
        mention(otto_id, "whom"),
        mention(999_999, "ghost")
    );
    let note = post_message(&app, &anna, ticket, &body, true).await;
    // Assert: the labels stay as written; no id became a name, a mention, an event or a notification.
    assert_eq!(note["body_html"], "<p>Ask @who or @whom or @ghost</p>");
    assert!(mention_events(&app, &anna, ticket).await.is_empty());
    let list = notifications(&app, &otto, "").await;
    assert_eq!(list["unread_count"], 0);
    let (status, _) = send(app.http.get(app.url("/api/v1/notifications")).session(&carla)).await;
    assert_eq!(status, 403, "customers have no notifications");
}

#[tokio::test]
async fn a_mention_in_a_public_reply_notifies_nobody_and_reaches_the_customer_as_plain_text() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let ada = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let ada_id = user_id(&app, "acme", "admin@acme.test").await;
    let ticket = carla_ticket(&app, &carla).await;
    // Act
    let reply =
        post_message(&app, &anna, ticket, &format!("<p>{} will call you</p>", mention(ada_id, "Ada")), false).await;
    // Assert
    assert_eq!(reply["body_html"], "<p><span>@Ada</span> will call you</p>", "no staff id reaches the customer");
    assert!(mention_events(&app, &anna, ticket).await.is_empty());
    assert_eq!(notifications(&app, &ada, "").await["unread_count"], 0);
    let (_, seen) = send(app.http.get(app.url(&format!("/api/v1/tickets/{ticket}/messages"))).session(&carla)).await;
    assert!(!seen.to_string().contains("data-id"), "{seen}");
}

#[tokio::test]
async fn notifications_are_the_callers_own_and_only_they_can_mark_them_read() {
    // Arrange: Ada is mentioned twice and assigned a ticket by Anna; Anna mentions and assigns herself.
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let ada = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let otto = app.login("other", "admin@other.test").await;
    let ada_id = user_id(&app, "acme", "admin@acme.test").await;
    let anna_id = user_id(&app, "acme", "anna@acme.test").await;
    let ticket = carla_ticket(&app, &carla).await;
    let other_ticket = carla_ticket(&app, &carla).await;
    post_message(&app, &anna, ticket, &format!("<p>{} first</p>", mention(ada_id, "Ada")), true).await;
    post_message(&app, &anna, ticket, &format!("<p>{} second</p>", mention(ada_id, "Ada")), true).await;
    post_message(&app, &anna, ticket, &format!("<p>{} note to self</p>", mention(anna_id, "me")), true).await;
    let assign = |id: i64, to: i64| {
        app.http.patch(app.url(&format!("/api/v1/tickets/{id}"))).session(&anna).json(&json!({"assignee_id": to}))
    };
    assert_eq!(send(assign(other_ticket, ada_id)).await.0, 200);
    assert_eq!(send(assign(ticket, anna_id)).await.0, 200);

    // Act + Assert: Ada sees her three, newest first, paged; Anna sees none of her own doing.
    let list = notifications(&app, &ada, "").await;
    assert_eq!(list["unread_count"], 3, "{list}");
    let kinds: Vec<&str> = list["data"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["assigned", "mention", "mention"]);
    assert_eq!(list["data"][0]["ticket"]["id"], other_ticket);
    assert_eq!(notifications(&app, &anna, "").await["unread_count"], 0);
    let first = notifications(&app, &ada, "?limit=2").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = notifications(&app, &ada, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    let ids: Vec<i64> = list["data"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect();

    // Others cannot read or mark Ada's: their ids are simply not theirs.
    let mark = |s: &Session, body: Value| app.http.post(app.url("/api/v1/notifications/read")).session(s).json(&body);
    let (status, out) = send(mark(&anna, json!({"ids": ids}))).await;
    assert_eq!((status, out["updated"].as_i64()), (200, Some(0)), "{out}");
    let (status, out) = send(mark(&otto, json!({"all": true}))).await;
    assert_eq!((status, out["updated"].as_i64()), (200, Some(0)), "{out}");
    assert!(notifications(&app, &otto, "").await["data"].as_array().unwrap().is_empty());
    assert_eq!(send(mark(&carla, json!({"all": true}))).await.0, 403);
    let key = app.api_key(app.ws, "admin").await;
    let (status, _) = send(app.http.get(app.url("/api/v1/notifications")).key(&key)).await;
    assert_eq!(status, 403, "a key is nobody's inbox");
    assert_eq!(notifications(&app, &ada, "").await["unread_count"], 3);

    // Ada marks one, then the rest.
    assert_eq!(send(mark(&ada, json!({}))).await.0, 422);
    let (_, out) = send(mark(&ada, json!({"ids": [ids[0]]}))).await;
    assert_eq!((out["updated"].as_i64(), out["unread_count"].as_i64()), (Some(1), Some(2)), "{out}");
    let unread = notifications(&app, &ada, "?unread=true").await;
    assert_eq!(unread["data"].as_array().unwrap().len(), 2);
    assert!(unread["data"].as_array().unwrap().iter().all(|n| n["id"] != ids[0]));
    let (_, out) = send(mark(&ada, json!({"all": true}))).await;
    assert_eq!((out["updated"].as_i64(), out["unread_count"].as_i64()), (Some(2), Some(0)), "{out}");
    let list = notifications(&app, &ada, "").await;
    assert!(list["data"].as_array().unwrap().iter().all(|n| n["read_at"].is_string()), "{list}");
}

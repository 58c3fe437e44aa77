//! The chat widget's API: visitor tokens and identity, allowed sites and
//! CORS, a visitor's reach, live messages, typing and read signals, leaving
//! a message, and what an agent's chat reply sends.

use std::time::Duration;

use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use futures::StreamExt as _;
use reqwest::{Method, RequestBuilder};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::attachments::multipart;

/// The shop's site in these tests.
pub(crate) const SHOP: &str = "http://shop.test";

/// Turns the widget on for `ws_slug` (allowing [`SHOP`]) and returns the identity secret.
pub(crate) async fn enable_widget(app: &TestApp, admin: &Session) -> String {
    let res = app
        .http
        .patch(app.url("/api/v1/chat/settings"))
        .session(admin)
        .json(&json!({"enabled": true, "allowed_origins": [SHOP, "http://127.0.0.2:*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app.http.post(app.url("/api/v1/chat/settings/identity-secret")).session(admin).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned()
}

/// Opens a widget session from [`SHOP`]; returns the response body.
pub(crate) async fn open_session(app: &TestApp, workspace: &str, token: Option<&str>, extra: Value) -> Value {
    let mut body = json!({"workspace": workspace});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let mut req = app.http.post(app.url("/api/v1/widget/session")).header("origin", SHOP).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    v
}

/// A fresh anonymous visitor's token in acme.
pub(crate) async fn visitor(app: &TestApp) -> String {
    open_session(app, "acme", None, json!({})).await["token"].as_str().unwrap().to_owned()
}

/// A visitor request from the shop's site.
pub(crate) fn as_visitor(app: &TestApp, method: Method, path: &str, token: &str) -> RequestBuilder {
    app.http.request(method, app.url(path)).header("origin", SHOP).bearer_auth(token)
}

/// Marks the agent online for chats.
pub(crate) async fn go_online(app: &TestApp, agent: &Session) {
    let res = app
        .http
        .put(app.url("/api/v1/chat/availability"))
        .session(agent)
        .json(&json!({"available": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// Starts a chat as the visitor; returns the conversation.
pub(crate) async fn start_chat(app: &TestApp, token: &str, body: &str) -> Value {
    let res = as_visitor(app, Method::POST, "/api/v1/widget/conversations", token)
        .json(&json!({"body": body}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v
}

/// One SSE frame: event name, data, id.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) event: String,
    pub(crate) data: Value,
    pub(crate) id: Option<i64>,
}

/// Reads frames of a stream as they come.
pub(crate) struct Frames {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

impl Frames {
    pub(crate) fn new(res: reqwest::Response) -> Self {
        assert_eq!(res.status(), 200);
        Self { stream: res.bytes_stream().boxed(), buf: String::new() }
    }

    /// The next frame within `wait`, or `None`.
    pub(crate) async fn next(&mut self, wait: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let raw: String = self.buf.drain(..end + 2).collect();
                let event = raw.lines().find_map(|l| l.strip_prefix("event:")).map(|s| s.trim().to_owned());
                let data = raw.lines().find_map(|l| l.strip_prefix("data:")).map(str::trim);
                let id = raw.lines().find_map(|l| l.strip_prefix("id:")).and_then(|s| s.trim().parse().ok());
                if let (Some(event), Some(data)) = (event, data) {
                    return Some(Frame { event, data: serde_json::from_str(data).unwrap_or(Value::Null), id });
                }
                continue; // a keep-alive comment
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.next()).await.ok()??.ok()?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next frame named `event` within 10 s (others are skipped).
    pub(crate) async fn expect(&mut self, event: &str) -> Frame {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.next(left).await.unwrap_or_else(|| panic!("no `{event}` frame in time"));
            if frame.event == event {
                return frame;
            }
        }
    }

    /// Every frame within `wait`.
    async fn drain(&mut self, wait: Duration) -> Vec<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        while let Some(f) = self.next(deadline.saturating_duration_since(tokio::time::Instant::now())).await {
            out.push(f);
        }
        out
    }
}

/// An agent's public reply on `ticket`, then the ticket's delivery records.
async fn reply_and_deliveries(app: &TestApp, agent: &Session, ticket: i64, body: &str) -> Value {
    app.http
        .post(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .session(agent)
        .json(&json!({"body": body}))
        .send()
        .await
        .unwrap();
    app.http
        .get(app.url(&format!("/api/v1/tickets/{ticket}/deliveries")))
        .session(agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn visitor_stream(app: &TestApp, token: &str) -> Frames {
    Frames::new(as_visitor(app, Method::GET, "/api/v1/widget/stream", token).send().await.unwrap())
}

#[tokio::test]
async fn a_visitors_chat_reaches_the_agents_and_the_answer_reaches_the_visitor_live_without_email() {
    // Arrange: the widget on, a mailbox (so e-mail could go out), an agent online.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let secret = enable_widget(&app, &admin).await;
    let res = app
        .http
        .post(app.url("/api/v1/channels/mailboxes"))
        .session(&admin)
        .json(&json!({"address": "support@acme.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    go_online(&app, &agent).await;
    let hash = autocrm_domain::chat::user_hash(&secret, "ida@shop.test");
    let session = open_session(
        &app,
        "acme",
        None,
        json!({"identity": {"email": "ida@shop.test", "name": "Ida Visitor", "user_hash": hash}}),
    )
    .await;
    assert!(session["config"]["agents_online"].as_bool().unwrap());
    let token = session["token"].as_str().unwrap();
    let mut stream = visitor_stream(&app, token).await;

    // Act: the visitor starts a chat; the agent answers on the ticket.
    let chat = start_chat(&app, token, "Where is my parcel?").await;
    let id = chat["id"].as_i64().unwrap();
    let queue: Value = app
        .http
        .get(app.url("/api/v1/tickets?channel=chat"))
        .session(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reply = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "<p>It left our warehouse today.</p>"}))
        .send()
        .await
        .unwrap();

    // Assert: the chat is in the queue as a chat ticket of the visitor; the
    // visitor's stream carries the answer; no e-mail went out for it.
    assert_eq!(reply.status(), 201);
    let listed = queue["data"].as_array().unwrap();
    assert!(listed.iter().any(|t| t["id"] == id && t["channel"] == "chat"), "{queue}");
    let mut texts = Vec::new();
    while texts.len() < 2 {
        let m = stream.expect("message").await;
        assert!(m.id.is_some(), "messages carry their seq for resuming");
        texts.push((m.data["participant"].as_str().unwrap().to_owned(), m.data["text"].as_str().unwrap().to_owned()));
    }
    assert_eq!(texts[0], ("visitor".to_owned(), "Where is my parcel?".to_owned()));
    assert_eq!(texts[1].0, "agent");
    assert!(texts[1].1.contains("left our warehouse"));
    let deliveries: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{id}/deliveries")))
        .session(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deliveries["data"].as_array().unwrap().len(), 0, "a live chat reply is not e-mailed: {deliveries}");
}

#[tokio::test]
async fn forged_altered_expired_and_foreign_visitor_tokens_are_refused() {
    // Arrange: widgets on in acme and other; a real token of each.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let other_admin = app.login("other", "admin@other.test").await;
    enable_widget(&app, &admin).await;
    enable_widget(&app, &other_admin).await;
    let agent = app.login("acme", "anna@acme.test").await;
    go_online(&app, &agent).await;
    let token = visitor(&app).await;
    let chat = start_chat(&app, &token, "hello").await;
    let path = format!("/api/v1/widget/conversations/{}", chat["id"]);
    let foreign = open_session(&app, "other", None, json!({})).await["token"].as_str().unwrap().to_owned();
    let other_ws = app.workspace_id("other").await;
    let key = autocrm_store::chat::settings(&app.store, app.ws).await.unwrap().token_key;
    let visitor_id = token.split('.').nth(2).unwrap().to_owned();
    let expired = autocrm_domain::chat::sign_token(
        &key,
        &autocrm_domain::chat::VisitorClaims { workspace_id: app.ws, visitor: visitor_id.clone(), expires_at: 1 },
    );
    // Acme's visitor claiming to be of the other workspace, signed with acme's key.
    let moved = autocrm_domain::chat::sign_token(
        &key,
        &autocrm_domain::chat::VisitorClaims { workspace_id: other_ws, visitor: visitor_id, expires_at: i64::MAX },
    );
    let altered = format!("{}x", &token[..token.len() - 1]);

    // Act
    let mut statuses = Vec::new();
    for t in [token.as_str(), &altered, &expired, &moved, "vt1.garbage", &foreign] {
        statuses.push(as_visitor(&app, Method::GET, &path, t).send().await.unwrap().status().as_u16());
    }
    let resumed_elsewhere = app
        .http
        .post(app.url("/api/v1/widget/session"))
        .header("origin", SHOP)
        .bearer_auth(&foreign)
        .json(&json!({"workspace": "acme"}))
        .send()
        .await
        .unwrap();
    let on_other_routes = app.http.get(app.url("/api/v1/tickets")).bearer_auth(&token).send().await.unwrap();

    // Assert: only the real token reads it; the other workspace's real token finds nothing.
    assert_eq!(statuses, [200, 401, 401, 401, 401, 404]);
    assert_eq!(resumed_elsewhere.status(), 401);
    assert_eq!(on_other_routes.status(), 401, "a visitor token is no API key");
}

#[tokio::test]
async fn a_wrong_user_hash_is_refused_and_a_proven_identity_sees_its_earlier_conversations() {
    // Arrange: Ida chatted yesterday on her phone (identified), and anonymously here before signing in.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let secret = enable_widget(&app, &admin).await;
    go_online(&app, &agent).await;
    let good = autocrm_domain::chat::user_hash(&secret, "shop-user-7");
    let ida = json!({"identity": {"user_id": "shop-user-7", "email": "ida@shop.test", "user_hash": good}});
    let phone = open_session(&app, "acme", None, ida.clone()).await["token"].as_str().unwrap().to_owned();
    let earlier = start_chat(&app, &phone, "yesterday's question").await;
    let laptop = visitor(&app).await;
    let before_sign_in = start_chat(&app, &laptop, "asked before signing in").await;

    // Act
    let wrong = app
        .http
        .post(app.url("/api/v1/widget/session"))
        .header("origin", SHOP)
        .bearer_auth(&laptop)
        .json(&json!({"workspace": "acme", "identity": {"user_id": "shop-user-7", "user_hash": "00".repeat(32)}}))
        .send()
        .await
        .unwrap();
    let as_someone_else = autocrm_domain::chat::user_hash(&secret, "shop-user-8");
    let swapped = app
        .http
        .post(app.url("/api/v1/widget/session"))
        .header("origin", SHOP)
        .json(&json!({"workspace": "acme", "identity": {"user_id": "shop-user-7", "user_hash": as_someone_else}}))
        .send()
        .await
        .unwrap();
    let laptop_before: Value = as_visitor(&app, Method::GET, "/api/v1/widget/conversations", &laptop)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let signed_in = open_session(&app, "acme", Some(&laptop), ida).await;
    let laptop_after: Value =
        as_visitor(&app, Method::GET, "/api/v1/widget/conversations", signed_in["token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();

    // Assert
    assert_eq!(wrong.status(), 422);
    assert_eq!(swapped.status(), 422, "a hash of another user id proves nothing");
    let ids = |v: &Value| v["data"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&laptop_before), [before_sign_in["id"].as_i64().unwrap()], "anonymous: only its own chat");
    let after = ids(&laptop_after);
    assert!(after.contains(&earlier["id"].as_i64().unwrap()), "{laptop_after}");
    assert!(after.contains(&before_sign_in["id"].as_i64().unwrap()), "the anonymous chat moves along: {laptop_after}");
    assert!(signed_in["visitor"]["identified"].as_bool().unwrap());
}

#[tokio::test]
async fn pages_of_sites_not_allowed_are_refused_and_cors_echoes_only_allowed_origins() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    enable_widget(&app, &admin).await;
    let token = visitor(&app).await;
    let evil = "http://evil.test";

    // Act
    let config_evil =
        app.http.get(app.url("/api/v1/widget/config?workspace=acme")).header("origin", evil).send().await.unwrap();
    let session_evil = app
        .http
        .post(app.url("/api/v1/widget/session"))
        .header("origin", evil)
        .json(&json!({"workspace": "acme"}))
        .send()
        .await
        .unwrap();
    let list_evil = app
        .http
        .get(app.url("/api/v1/widget/conversations"))
        .header("origin", evil)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let no_origin = app.http.get(app.url("/api/v1/widget/conversations")).bearer_auth(&token).send().await.unwrap();
    let by_referer = app
        .http
        .get(app.url("/api/v1/widget/conversations"))
        .header("referer", format!("{SHOP}/products/42"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let preflight = |origin: &'static str| {
        app.http
            .request(Method::OPTIONS, app.url("/api/v1/widget/conversations"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let ok_preflight = preflight(SHOP).await.unwrap();
    let evil_preflight = preflight(evil).await.unwrap();
    let allowed = as_visitor(&app, Method::GET, "/api/v1/widget/conversations", &token).send().await.unwrap();
    let any_port = app
        .http
        .get(app.url("/api/v1/widget/config?workspace=acme"))
        .header("origin", "http://127.0.0.2:41234")
        .send()
        .await
        .unwrap();

    // Assert
    for res in [&config_evil, &session_evil, &list_evil, &no_origin] {
        assert_eq!(res.status(), 403, "{}", res.url());
        assert!(res.headers().get("access-control-allow-origin").is_none());
    }
    assert_eq!(by_referer.status(), 200, "a same-origin GET carries only a Referer");
    assert_eq!(ok_preflight.status(), 204);
    assert_eq!(ok_preflight.headers()["access-control-allow-origin"], SHOP);
    assert!(ok_preflight.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    assert!(evil_preflight.headers().get("access-control-allow-origin").is_none());
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.headers()["access-control-allow-origin"], SHOP);
    assert_eq!(any_port.status(), 200);
    assert_eq!(any_port.headers()["access-control-allow-origin"], "http://127.0.0.2:41234");
}

#[tokio::test]
async fn a_visitor_cannot_reach_another_visitors_conversation_or_files_through_any_widget_route() {
    // Arrange: visitor A chats and sends a file; visitor B is another browser.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    enable_widget(&app, &admin).await;
    go_online(&app, &agent).await;
    let a = visitor(&app).await;
    let b = visitor(&app).await;
    let chat = start_chat(&app, &a, "A's secret").await;
    let id = chat["id"].as_i64().unwrap();
    let (ct, body) = multipart("receipt.pdf", "application/pdf", b"%PDF-1.4 A", None);
    let file: Value = as_visitor(&app, Method::POST, &format!("/api/v1/widget/conversations/{id}/attachments"), &a)
        .header("content-type", ct.clone())
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file_id = file["id"].as_str().unwrap();
    let sent = as_visitor(&app, Method::POST, &format!("/api/v1/widget/conversations/{id}/messages"), &a)
        .json(&json!({"body": "see attached", "attachment_ids": [file_id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let message_id = sent.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut b_stream = visitor_stream(&app, &b).await;

    // Act: B tries every route on A's conversation and file.
    let c = format!("/api/v1/widget/conversations/{id}");
    let attempts = [
        as_visitor(&app, Method::GET, &c, &b),
        as_visitor(&app, Method::GET, &format!("{c}/messages"), &b),
        as_visitor(&app, Method::POST, &format!("{c}/messages"), &b).json(&json!({"body": "hi"})),
        as_visitor(&app, Method::POST, &format!("{c}/typing"), &b).json(&json!({"typing": true})),
        as_visitor(&app, Method::POST, &format!("{c}/read"), &b).json(&json!({"message_id": message_id})),
        as_visitor(&app, Method::POST, &format!("{c}/attachments"), &b).header("content-type", ct).body(body),
        as_visitor(&app, Method::GET, &format!("/api/v1/widget/attachments/{file_id}"), &b),
    ];
    let mut statuses = Vec::new();
    for req in attempts {
        statuses.push(req.send().await.unwrap().status().as_u16());
    }
    let b_list: Value =
        as_visitor(&app, Method::GET, "/api/v1/widget/conversations", &b).send().await.unwrap().json().await.unwrap();
    as_visitor(&app, Method::POST, &format!("{c}/messages"), &a).json(&json!({"body": "more"})).send().await.unwrap();
    let b_frames = b_stream.drain(Duration::from_millis(1500)).await;
    let a_download =
        as_visitor(&app, Method::GET, &format!("/api/v1/widget/attachments/{file_id}"), &a).send().await.unwrap();

    // Assert
    assert_eq!(statuses, [404; 7]);
    assert_eq!(b_list["data"].as_array().unwrap().len(), 0);
    assert!(b_frames.is_empty(), "B's stream carried A's conversation: {b_frames:?}");
    assert_eq!(a_download.status(), 200);
    assert_eq!(a_download.bytes().await.unwrap().as_ref(), b"%PDF-1.4 A");
}

#[tokio::test]
async fn files_of_a_kind_the_widget_does_not_take_are_refused() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    enable_widget(&app, &admin).await;
    go_online(&app, &agent).await;
    let token = visitor(&app).await;
    let chat = start_chat(&app, &token, "file?").await;
    let (ct, body) = multipart("page.html", "text/html", b"<script>alert(1)</script>", None);

    // Act
    let res =
        as_visitor(&app, Method::POST, &format!("/api/v1/widget/conversations/{}/attachments", chat["id"]), &token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();

    // Assert
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn leaving_a_message_while_nobody_is_online_opens_an_email_ticket_answered_by_email() {
    // Arrange: nobody online; a mailbox to answer from.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    enable_widget(&app, &admin).await;
    app.http
        .post(app.url("/api/v1/channels/mailboxes"))
        .session(&admin)
        .json(&json!({"address": "support@acme.test"}))
        .send()
        .await
        .unwrap();
    let session = open_session(&app, "acme", None, json!({})).await;
    let token = session["token"].as_str().unwrap();

    // Act
    let refused = as_visitor(&app, Method::POST, "/api/v1/widget/conversations", token)
        .json(&json!({"body": "anyone there?"}))
        .send()
        .await
        .unwrap();
    let left = as_visitor(&app, Method::POST, "/api/v1/widget/offline-messages", token)
        .json(&json!({"name": "Olga", "email": "olga@shop.test", "body": "Please call me back about order 1234"}))
        .send()
        .await
        .unwrap();
    let left_status = left.status();
    let left: Value = left.json().await.unwrap();
    let tickets: Value = app
        .http
        .get(app.url("/api/v1/tickets?channel=email"))
        .session(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = tickets["data"].as_array().unwrap().iter().find(|t| t["number"] == left["number"]).unwrap().clone();
    let id = ticket["id"].as_i64().unwrap();
    let deliveries = reply_and_deliveries(&app, &agent, id, "We will call you today.").await;

    // Assert
    assert!(!session["config"]["agents_online"].as_bool().unwrap());
    assert_eq!(refused.status(), 409);
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], "agents_offline");
    assert_eq!(left_status, 201, "{left}");
    assert_eq!(left["email"], "olga@shop.test");
    assert_eq!(ticket["requester"]["email"], "olga@shop.test");
    let out: Vec<&Value> = deliveries["data"].as_array().unwrap().iter().filter(|d| d["direction"] == "out").collect();
    assert!(out.iter().any(|d| d["channel"] == "email"), "the answer goes out by e-mail: {deliveries}");
}

#[tokio::test]
async fn typing_and_read_signals_reach_the_other_side_only() {
    // Arrange: a chat, the visitor's stream and the agent's chat stream.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    enable_widget(&app, &admin).await;
    go_online(&app, &agent).await;
    let token = visitor(&app).await;
    let chat = start_chat(&app, &token, "hi").await;
    let id = chat["id"].as_i64().unwrap();
    let first = chat["last_message"]["id"].as_i64().unwrap();
    let mut visitor_side = visitor_stream(&app, &token).await;
    let mut agent_side = Frames::new(
        app.http.get(app.url(&format!("/api/v1/tickets/{id}/chat/stream"))).session(&agent).send().await.unwrap(),
    );
    let reply: Value = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "Hello!"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Act: each side types and reads.
    let c = format!("/api/v1/widget/conversations/{id}");
    as_visitor(&app, Method::POST, &format!("{c}/typing"), &token).json(&json!({"typing": true})).send().await.unwrap();
    let agent_typing = agent_side.expect("typing").await;
    app.http
        .post(app.url(&format!("/api/v1/tickets/{id}/chat/typing")))
        .session(&agent)
        .json(&json!({"typing": true}))
        .send()
        .await
        .unwrap();
    let visitor_typing = visitor_side.expect("typing").await;
    let reply_id = reply["id"].as_i64().unwrap();
    let seen = as_visitor(&app, Method::POST, &format!("{c}/read"), &token)
        .json(&json!({"message_id": reply_id}))
        .send()
        .await
        .unwrap();
    let agent_read = agent_side.expect("read").await;
    app.http
        .post(app.url(&format!("/api/v1/tickets/{id}/chat/read")))
        .session(&agent)
        .json(&json!({"message_id": first}))
        .send()
        .await
        .unwrap();
    let visitor_read = visitor_side.expect("read").await;
    let rest = visitor_side.drain(Duration::from_millis(800)).await;
    let state: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{id}/chat")))
        .session(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversation: Value = as_visitor(&app, Method::GET, &c, &token).send().await.unwrap().json().await.unwrap();

    // Assert: each side got the other's signals, never its own.
    assert!(agent_typing.data["typing"].as_bool().unwrap());
    assert!(agent_typing.data["name"].as_str().unwrap().starts_with("Visitor "), "{:?}", agent_typing.data);
    assert_eq!(visitor_typing.data["name"], "Anna", "agents appear by first name");
    assert!(visitor_typing.id.is_none(), "signals do not move the resume point");
    assert_eq!(seen.status(), 204);
    assert_eq!(agent_read.data["message_id"], reply_id);
    assert_eq!(visitor_read.data["message_id"], first);
    assert!(rest.iter().all(|f| f.event != "typing"), "the visitor never receives its own typing: {rest:?}");
    assert_eq!(state["visitor_read_message_id"], reply_id);
    assert!(state["visitor_online"].as_bool().unwrap());
    assert_eq!(conversation["agent_read_message_id"], first);
    assert_eq!(conversation["unread"], 0);
}

#[tokio::test]
async fn a_message_retried_with_its_client_id_is_stored_once_and_markup_is_kept_as_text() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    enable_widget(&app, &admin).await;
    go_online(&app, &agent).await;
    let token = visitor(&app).await;
    let chat = start_chat(&app, &token, "first").await;
    let path = format!("/api/v1/widget/conversations/{}/messages", chat["id"]);
    let payload = json!({"body": "<img src=x onerror=alert(1)>", "client_id": "c-42"});

    // Act
    let first = as_visitor(&app, Method::POST, &path, &token).json(&payload).send().await.unwrap();
    let again = as_visitor(&app, Method::POST, &path, &token).json(&payload).send().await.unwrap();
    let list: Value = as_visitor(&app, Method::GET, &path, &token).send().await.unwrap().json().await.unwrap();
    let agent_view: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{}/messages", chat["id"])))
        .session(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Assert
    assert_eq!(first.status(), 201);
    assert_eq!(again.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["id"], again.json::<Value>().await.unwrap()["id"]);
    assert_eq!(list["data"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(first["text"], "<img src=x onerror=alert(1)>");
    let html = agent_view["data"].as_array().unwrap().last().unwrap()["body_html"].as_str().unwrap().to_owned();
    assert!(html.contains("&lt;img") && !html.contains("<img"), "{html}");
}

#[tokio::test]
async fn a_chat_reply_is_emailed_once_the_visitor_has_left() {
    // Arrange: an identified visitor with an e-mail chats, then closes the tab.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let secret = enable_widget(&app, &admin).await;
    app.http
        .post(app.url("/api/v1/channels/mailboxes"))
        .session(&admin)
        .json(&json!({"address": "support@acme.test"}))
        .send()
        .await
        .unwrap();
    go_online(&app, &agent).await;
    let hash = autocrm_domain::chat::user_hash(&secret, "ida@shop.test");
    let session =
        open_session(&app, "acme", None, json!({"identity": {"email": "ida@shop.test", "user_hash": hash}})).await;
    let chat = start_chat(&app, session["token"].as_str().unwrap(), "question").await;
    let id = chat["id"].as_i64().unwrap();
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(10);
    autocrm_store::entity::chat_visitors::Entity::update_many()
        .col_expr(autocrm_store::entity::chat_visitors::Column::LastSeenAt, sea_orm::sea_query::Expr::val(long_ago))
        .filter(autocrm_store::entity::chat_visitors::Column::WorkspaceId.eq(app.ws))
        .exec(app.store.connection())
        .await
        .unwrap();

    // Act
    let deliveries = reply_and_deliveries(&app, &agent, id, "Here is your answer.").await;

    // Assert
    let out: Vec<&Value> = deliveries["data"].as_array().unwrap().iter().collect();
    assert_eq!(out.len(), 1, "{deliveries}");
    assert_eq!(out[0]["channel"], "email");
}

#[tokio::test]
async fn chat_settings_validate_sites_and_keep_the_identity_secret_write_only() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let secret = enable_widget(&app, &admin).await;

    // Act
    let bad = app
        .http
        .patch(app.url("/api/v1/chat/settings"))
        .session(&admin)
        .json(&json!({"allowed_origins": ["https://ok.test", "https://bad.test/path"], "color": "red"}))
        .send()
        .await
        .unwrap();
    let bad_status = bad.status();
    let bad: Value = bad.json().await.unwrap();
    let greetings = app
        .http
        .patch(app.url("/api/v1/chat/settings"))
        .session(&admin)
        .json(&json!({"greetings": {"en": "Hi!", "de": "Hallo!"}, "default_locale": "de"}))
        .send()
        .await
        .unwrap();
    let shown: Value =
        app.http.get(app.url("/api/v1/chat/settings")).session(&admin).send().await.unwrap().json().await.unwrap();
    let config: Value = app
        .http
        .get(app.url("/api/v1/widget/config?workspace=acme"))
        .header("origin", SHOP)
        .header("accept-language", "de-AT,de;q=0.9")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Assert
    assert_eq!(bad_status, 422);
    let pointers: Vec<&str> =
        bad["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/allowed_origins/1", "/color"]);
    assert_eq!(greetings.status(), 200);
    assert!(!shown.to_string().contains(&secret), "the secret is never shown again");
    assert_eq!(shown["identity_secret_set"], true);
    assert_eq!(shown["allowed_origins"], json!([SHOP, "http://127.0.0.2:*"]), "a refused change changes nothing");
    assert!(shown["embed_snippet"].as_str().unwrap().contains("data-workspace=\"acme\""));
    assert_eq!(config["locale"], "de");
    assert_eq!(config["greeting"], "Hallo!");
}

#[tokio::test]
async fn a_closed_widget_answers_not_found_and_needs_identity_where_required() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;

    // Act
    let disabled =
        app.http.get(app.url("/api/v1/widget/config?workspace=acme")).header("origin", SHOP).send().await.unwrap();
    enable_widget(&app, &admin).await;
    go_online(&app, &agent).await;
    app.http
        .patch(app.url("/api/v1/chat/settings"))
        .session(&admin)
        .json(&json!({"require_identity": true}))
        .send()
        .await
        .unwrap();
    let token = visitor(&app).await;
    let anonymous = as_visitor(&app, Method::POST, "/api/v1/widget/conversations", &token)
        .json(&json!({"body": "hi"}))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(disabled.status(), 404);
    assert_eq!(anonymous.status(), 409);
    assert_eq!(anonymous.json::<Value>().await.unwrap()["code"], "identity_required");
}

/// Sets a ticket's status by category, as an agent would.
async fn set_status(app: &TestApp, agent: &Session, ticket: i64, category: &str) {
    let statuses: Value =
        app.http.get(app.url("/api/v1/statuses")).session(agent).send().await.unwrap().json().await.unwrap();
    let status = statuses["data"].as_array().unwrap().iter().find(|s| s["category"] == category).unwrap()["id"].clone();
    let res = app
        .http
        .patch(app.url(&format!("/api/v1/tickets/{ticket}")))
        .session(agent)
        .json(&json!({"status_id": status}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn a_visitor_learns_live_that_its_chat_was_solved_and_rates_it_while_another_visitor_cannot() {
    // Arrange: visitor A chats (its stream open); visitor B is another browser.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    enable_widget(&app, &admin).await;
    go_online(&app, &agent).await;
    let a = visitor(&app).await;
    let b = visitor(&app).await;
    let id = start_chat(&app, &a, "My parcel is late").await["id"].as_i64().unwrap();
    let rating = format!("/api/v1/widget/conversations/{id}/rating");
    let mut stream = visitor_stream(&app, &a).await;

    // Act + Assert: nothing to rate while the chat is open.
    let early = as_visitor(&app, Method::GET, &rating, &a).send().await.unwrap();
    assert_eq!(early.status(), 409);
    assert_eq!(early.json::<Value>().await.unwrap()["code"], "ticket_not_solved");
    let early = as_visitor(&app, Method::PUT, &rating, &a).json(&json!({"score": "good"})).send().await.unwrap();
    assert_eq!(early.status(), 409);

    // Act: the agent solves the chat.
    set_status(&app, &agent, id, "solved").await;

    // Assert: the visitor's stream says so without a reload.
    let solved = loop {
        let frame = stream.expect("conversation").await;
        if frame.data["status"] == "solved" {
            break frame;
        }
    };
    assert_eq!(solved.data["id"], id);
    assert!(solved.id.is_some(), "status changes carry their seq for resuming");

    // Act: A reads its rating state, rates, then changes its mind.
    let before: Value = as_visitor(&app, Method::GET, &rating, &a).send().await.unwrap().json().await.unwrap();
    let rated = as_visitor(&app, Method::PUT, &rating, &a)
        .json(&json!({"score": "bad", "comment": "  slow <b>reply</b>  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), 200);
    let changed = as_visitor(&app, Method::PUT, &rating, &a)
        .json(&json!({"score": "good", "comment": "sorted after all"}))
        .send()
        .await
        .unwrap();
    let changed_status = changed.status();
    let changed: Value = changed.json().await.unwrap();
    let rated_frame = stream.expect("rating").await;

    // Assert: a token, no rating, then the changed rating with its window.
    assert_eq!(before["conversation_id"], id);
    assert_eq!(before["rating"], Value::Null);
    assert_eq!(before["can_rate"], true);
    let token = before["token"].as_str().unwrap();
    assert!(token.starts_with(&format!("{}-{id}-", app.workspace_id("acme").await)), "{token}");
    assert_eq!(changed_status, 200, "{changed}");
    assert_eq!(changed["rating"]["score"], "good");
    assert_eq!(changed["rating"]["comment"], "sorted after all");
    assert_eq!(changed["can_rate"], true);
    assert!(changed["changeable_until"].is_string(), "{changed}");
    assert_eq!(rated_frame.data["conversation_id"], id);
    // The token is the ticket's rating token: the rating page reads the same rating.
    let page: Value =
        app.http.get(app.url(&format!("/api/v1/portal/ratings/{token}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(page["rating"]["score"], "good");
    // The agents see it on the ticket.
    let on_ticket: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{id}/rating")))
        .session(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(on_ticket["rating"]["score"], "good");
    assert_eq!(on_ticket["token"], Value::Null, "agents are not given the requester's token");

    // Act + Assert: visitor B can neither read nor change A's rating.
    let b_get = as_visitor(&app, Method::GET, &rating, &b).send().await.unwrap();
    let b_put = as_visitor(&app, Method::PUT, &rating, &b).json(&json!({"score": "bad"})).send().await.unwrap();
    assert_eq!((b_get.status().as_u16(), b_put.status().as_u16()), (404, 404));
    let after: Value = as_visitor(&app, Method::GET, &rating, &a).send().await.unwrap().json().await.unwrap();
    assert_eq!(after["rating"]["score"], "good", "B's attempt changed nothing");
}

#[tokio::test]
async fn a_widget_rating_is_checked_like_any_other() {
    // Arrange: A's solved chat.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    enable_widget(&app, &admin).await;
    go_online(&app, &agent).await;
    let a = visitor(&app).await;
    let id = start_chat(&app, &a, "Question").await["id"].as_i64().unwrap();
    set_status(&app, &agent, id, "solved").await;
    let rating = format!("/api/v1/widget/conversations/{id}/rating");

    // Act
    let unknown = as_visitor(&app, Method::PUT, &rating, &a).json(&json!({"score": "meh"})).send().await.unwrap();
    let long = as_visitor(&app, Method::PUT, &rating, &a)
        .json(&json!({"score": "good", "comment": "x".repeat(2001)}))
        .send()
        .await
        .unwrap();
    let evil =
        app.http.get(app.url(&rating)).header("origin", "http://evil.test").bearer_auth(&a).send().await.unwrap();
    let state: Value = as_visitor(&app, Method::GET, &rating, &a).send().await.unwrap().json().await.unwrap();

    // Assert: bad input is a problem document and changes nothing; other sites are refused.
    assert_eq!(unknown.status(), 422);
    assert_eq!(long.status(), 422);
    assert_eq!(long.headers()["content-type"], "application/problem+json");
    assert_eq!(evil.status(), 403);
    assert_eq!(state["rating"], Value::Null);
}

#[tokio::test]
async fn a_visitor_token_runs_tutorials_only_from_the_widgets_allowed_sites() {
    // Arrange: a published tutorial (start: `no` opens a ticket) and a visitor of acme.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    enable_widget(&app, &admin).await;
    let system = autocrm_domain::Principal::system(app.ws);
    let input = autocrm_store::tutorials::TutorialInput {
        title: Some([("en".to_owned(), "Guide".to_owned())].into()),
        ..Default::default()
    };
    let tutorial = autocrm_store::tutorials::create(&app.store, &system, input).await.unwrap();
    autocrm_store::tutorials::publish(&app.store, &system, tutorial.id).await.unwrap();
    let token = visitor(&app).await;
    let start = format!("/api/v1/help/tutorials/{}/runs?workspace=acme", tutorial.id);
    let from = |origin: &str, path: &str| app.http.post(app.url(path)).header("origin", origin).bearer_auth(&token);

    // Act: the same visitor token from another site, then from the shop.
    let evil = from("http://evil.test", &start).json(&json!({"channel": "widget"})).send().await.unwrap();
    let evil_status = evil.status();
    let evil: Value = evil.json().await.unwrap();
    let ok = from(SHOP, &start).json(&json!({"channel": "widget"})).send().await.unwrap();
    let ok_status = ok.status();
    let run: Value = ok.json().await.unwrap();
    let choices = format!("/api/v1/help/tutorial-runs/{}/choices?workspace=acme", run["run_id"].as_str().unwrap());
    let evil_choice =
        from("http://evil.test", &choices).json(&json!({"step": "start", "choice": "no"})).send().await.unwrap();
    let no_origin = app
        .http
        .post(app.url(&choices))
        .bearer_auth(&token)
        .json(&json!({"step": "start", "choice": "no"}))
        .send()
        .await
        .unwrap();
    let ok_choice = from(SHOP, &choices).json(&json!({"step": "start", "choice": "no"})).send().await.unwrap();

    // Assert: refused as on the widget's routes; the allowed site runs it.
    assert_eq!(evil_status, 403);
    assert_eq!(evil["code"], "origin_not_allowed");
    assert_eq!(evil_choice.status(), 403);
    assert_eq!(no_origin.status(), 403, "a visitor token needs a page origin");
    assert_eq!(ok_status, 201, "{run}");
    assert_eq!(ok_choice.status(), 200);
}

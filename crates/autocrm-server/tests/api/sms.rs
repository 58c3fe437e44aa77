//! SMS through Twilio and the generic API channel, end to end over real
//! HTTP: signed webhooks in, tickets and threading by quiet period,
//! duplicates, agents' replies out to a fake Twilio (and to a signed
//! receiver for API channels), delivery reports and STOP/START opt-outs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use autocrm_testkit::twilio::{FakeTwilio, UNSUBSCRIBED};
use autocrm_testkit::{Auth as _, TestApp, spawn_app_with};
use axum::body::Bytes;
use axum::http::HeaderMap;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "twilio-auth-token-1";
const OURS: &str = "+14155550100";
const CUSTOMER: &str = "+491701234567";
/// Where Twilio (and people) reach the app: a proxy in front of the test server.
const PUBLIC_URL: &str = "https://support.acme.test";

struct Sms {
    app: TestApp,
    twilio: FakeTwilio,
    key: String,
    number: Value,
}

impl Sms {
    fn public_id(&self) -> &str {
        self.number["public_id"].as_str().unwrap()
    }

    /// Posts a form to one of the number's webhooks as Twilio would, signed
    /// for the public URL Twilio was given, delivered to the test server.
    async fn post(&self, suffix: &str, form: &[(String, String)]) -> reqwest::Response {
        let path = format!("/api/v1/channels/sms/{}/twilio{suffix}", self.public_id());
        let signature = self.twilio.sign(&format!("{PUBLIC_URL}{path}"), form);
        self.app.http.post(self.app.url(&path)).header("x-twilio-signature", signature).form(form).send().await.unwrap()
    }

    async fn text(&self, from: &str, body: &str) -> (Vec<(String, String)>, Value) {
        let form = self.twilio.inbound_form(from, OURS, body);
        let res = self.post("", &form).await;
        assert_eq!(res.status(), 200, "inbound {body:?}");
        (form, json!(res.text().await.unwrap()))
    }

    async fn get(&self, path: &str) -> Value {
        let res = self.app.http.get(self.app.url(path)).key(&self.key).send().await.unwrap();
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.unwrap()
    }

    async fn tickets(&self) -> Vec<Value> {
        self.get("/api/v1/tickets?limit=100").await["data"].as_array().unwrap().clone()
    }

    async fn deliveries(&self, ticket: i64) -> Vec<Value> {
        self.get(&format!("/api/v1/tickets/{ticket}/deliveries")).await["data"].as_array().unwrap().clone()
    }

    /// Waits until the ticket's last outbound record satisfies `done`.
    async fn wait_outbound(&self, ticket: i64, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..100 {
            if let Some(d) = self.deliveries(ticket).await.into_iter().rev().find(|d| d["direction"] == "out") {
                if done(&d) {
                    return d;
                }
                last = d;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the outbound record never got there: {last}");
    }

    async fn reply(&self, ticket: i64, body: &str) {
        let agent = self.app.login("acme", "anna@acme.test").await;
        let res = self
            .app
            .http
            .post(self.app.url(&format!("/api/v1/tickets/{ticket}/messages")))
            .session(&agent)
            .json(&json!({"body": body}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
}

async fn setup() -> Sms {
    let app = spawn_app_with(|c| c.public_url = PUBLIC_URL.into()).await;
    let twilio = FakeTwilio::start(ACCOUNT, AUTH_TOKEN).await;
    let key = app.api_key(app.ws, "admin").await;
    let res = app
        .http
        .post(app.url("/api/v1/channels/sms-numbers"))
        .key(&key)
        .json(&json!({"phone": OURS, "name": "Acme SMS", "base_url": twilio.base_url(),
            "account_sid": ACCOUNT, "auth_token": AUTH_TOKEN, "quiet_period_secs": 3600}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let number: Value = res.json().await.unwrap();
    Sms { app, twilio, key, number }
}

#[tokio::test]
async fn a_signed_text_message_opens_an_sms_ticket() {
    // Arrange
    let s = setup().await;
    let mut form = s.twilio.inbound_form(CUSTOMER, OURS, "Where is my order 1042? It was due on Monday.");
    form.retain(|(k, _)| k != "NumMedia");
    form.extend([
        ("NumMedia".to_owned(), "1".to_owned()),
        (
            "MediaUrl0".to_owned(),
            format!("https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME1"),
        ),
        ("MediaContentType0".to_owned(), "image/jpeg".to_owned()),
    ]);
    // Act
    let res = s.post("", &form).await;
    // Assert
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    assert!(res.text().await.unwrap().contains("<Response/>"), "empty TwiML");
    let tickets = s.tickets().await;
    assert_eq!(tickets.len(), 1);
    let t = &tickets[0];
    assert_eq!(t["channel"], "sms");
    assert_eq!(t["subject"], "Where is my order 1042? It was due on Monday.");
    let id = t["id"].as_i64().unwrap();
    let requester = s.get(&format!("/api/v1/contacts/{}", t["requester"]["id"])).await;
    assert_eq!(requester["phones"], json!([CUSTOMER]));
    let messages = s.get(&format!("/api/v1/tickets/{id}/messages")).await;
    let body = messages["data"][0]["body_text"].as_str().unwrap();
    assert!(body.contains("Where is my order 1042?") && body.contains("1 media file"), "{body}");
    let d = &s.deliveries(id).await[0];
    let sid = form.iter().find(|(k, _)| k == "MessageSid").unwrap().1.clone();
    assert_eq!(
        (d["channel"].as_str(), d["direction"].as_str(), d["from"].as_str()),
        (Some("sms"), Some("in"), Some(CUSTOMER))
    );
    assert_eq!(d["external_id"], sid.as_str());
    assert_eq!(d["flags"]["media"][0]["content_type"], "image/jpeg");
    // The number shows where to point Twilio, never its token.
    assert_eq!(s.number["inbound_url"], format!("{PUBLIC_URL}/api/v1/channels/sms/{}/twilio", s.public_id()));
    let listed = s.get("/api/v1/channels/sms-numbers").await.to_string();
    assert!(!listed.contains(AUTH_TOKEN) && listed.contains("\"auth_token_set\":true"), "{listed}");
}

#[tokio::test]
async fn a_bad_or_missing_signature_is_refused_and_changes_nothing() {
    let s = setup().await;
    let form = s.twilio.inbound_form(CUSTOMER, OURS, "Hello");
    let path = format!("/api/v1/channels/sms/{}/twilio", s.public_id());
    let send = |signature: Option<String>, form: Vec<(String, String)>| {
        let mut req = s.app.http.post(s.app.url(&path)).form(&form);
        if let Some(sig) = signature {
            req = req.header("x-twilio-signature", sig);
        }
        req.send()
    };
    // No signature; a signature of the address the request reached rather than the
    // public URL Twilio was given; another account's; a body changed after signing.
    let other = FakeTwilio::start(ACCOUNT, "someone-elses-token").await;
    let mut tampered = form.clone();
    tampered.iter_mut().find(|(k, _)| k == "Body").unwrap().1 = "Send me everything".into();
    let cases = [
        (None, form.clone()),
        (Some(s.twilio.sign(&s.app.url(&path), &form)), form.clone()),
        (Some(other.sign(&format!("{PUBLIC_URL}{path}"), &form)), form.clone()),
        (Some(s.twilio.sign(&format!("{PUBLIC_URL}{path}"), &form)), tampered),
    ];
    for (i, (sig, body)) in cases.into_iter().enumerate() {
        let res = send(sig, body).await.unwrap();
        assert_eq!(res.status(), 403, "case {i}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "signature_invalid");
    }
    assert!(s.tickets().await.is_empty(), "nothing was stored");
    // An unknown number is not found, whatever the signature.
    let res = s.app.http.post(s.app.url("/api/v1/channels/sms/nope/twilio")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 404);
    // A signed status report is refused the same way when unsigned.
    let res = s
        .app
        .http
        .post(s.app.url(&format!("{path}/status")))
        .form(&s.twilio.status_form("SM1", "delivered", None))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn the_same_message_sid_delivered_ten_times_at_once_is_stored_once() {
    let s = setup().await;
    let form = s.twilio.inbound_form(CUSTOMER, OURS, "Refund please");
    let posts = (0..10).map(|_| s.post("", &form));
    let statuses: Vec<u16> = futures::future::join_all(posts).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    s.post("", &form).await;
    let tickets = s.tickets().await;
    assert_eq!(tickets.len(), 1);
    let id = tickets[0]["id"].as_i64().unwrap();
    let messages = s.get(&format!("/api/v1/tickets/{id}/messages")).await;
    assert_eq!(messages["data"].as_array().unwrap().len(), 1);
    assert_eq!(s.deliveries(id).await.len(), 1);
}

#[tokio::test]
async fn an_agent_reply_is_texted_from_our_number_and_delivery_reports_only_move_forward() {
    // Arrange
    let s = setup().await;
    let _workers = s.app.spawn_channel_workers(None);
    s.text(CUSTOMER, "Is the blue kettle back in stock?").await;
    let id = s.tickets().await[0]["id"].as_i64().unwrap();
    // Act
    s.reply(id, "<p>Yes, since this morning!</p>").await;
    // Assert: Twilio got the message, from our number, with the status callback.
    let sent = &s.twilio.wait_for(1).await[0];
    assert_eq!((sent.from.as_str(), sent.to.as_str()), (OURS, CUSTOMER));
    assert_eq!(sent.body, "Yes, since this morning!");
    let callback = format!("/api/v1/channels/sms/{}/twilio/status", s.public_id());
    assert_eq!(sent.status_callback.as_deref(), Some(s.app.url(&callback).as_str()), "under the workers' public URL");
    let sid = sent.sid.clone().unwrap();
    let record = s.wait_outbound(id, |d| d["status"] == "sent").await;
    assert_eq!(record["external_id"], sid.as_str());
    assert_eq!(record["to"], json!([CUSTOMER]));

    // Act: the handset confirms, then a late "sent" arrives.
    let res = s.post("/status", &s.twilio.status_form(&sid, "delivered", None)).await;
    assert_eq!(res.status(), 204);
    let res = s.post("/status", &s.twilio.status_form(&sid, "sent", None)).await;
    assert_eq!(res.status(), 204);
    // Assert
    let record = s.wait_outbound(id, |d| d["status"] != "sent").await;
    assert_eq!(record["status"], "delivered", "{record}");
    assert_eq!(record["flags"]["twilio_status"], "delivered");
    // A report for a message we never sent changes nothing and is not an error.
    let res =
        s.post("/status", &s.twilio.status_form("SMffffffffffffffffffffffffffffffff", "failed", Some("30003"))).await;
    assert_eq!(res.status(), 204);
    assert_eq!(s.wait_outbound(id, |_| true).await["status"], "delivered");
    // A malformed report is 422 and changes nothing.
    let res = s
        .post(
            "/status",
            &[("MessageSid".to_owned(), sid.clone()), ("MessageStatus".to_owned(), "teleported".to_owned())],
        )
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn after_stop_a_reply_is_held_back_and_start_lifts_it() {
    let s = setup().await;
    let _workers = s.app.spawn_channel_workers(None);
    s.text(CUSTOMER, "My parcel is damaged").await;
    let id = s.tickets().await[0]["id"].as_i64().unwrap();
    // Act: the customer opts out, then an agent answers.
    s.text(CUSTOMER, "STOP").await;
    s.reply(id, "We are sorry to hear that.").await;
    // Assert: nothing goes to Twilio; the record says why; the ticket says what happened.
    let held = s.wait_outbound(id, |d| d["status"] == "suppressed").await;
    assert!(held["status_detail"].as_str().unwrap().contains("opted out"), "{held}");
    assert_eq!(s.tickets().await.len(), 1, "a keyword never opens a ticket");
    let messages = s.get(&format!("/api/v1/tickets/{id}/messages")).await;
    let note = messages["data"].as_array().unwrap().iter().find(|m| m["internal"] == true).expect("an internal note");
    assert!(note["body_text"].as_str().unwrap().contains("opt out"), "{note}");

    // Act: the customer opts back in; the next reply is texted.
    s.text(CUSTOMER, "start").await;
    s.reply(id, "A replacement is on its way.").await;
    let sent = s.twilio.wait_for(1).await;
    s.wait_outbound(id, |d| d["status"] == "sent").await;
    assert_eq!(sent.len(), 1, "the held-back reply was never sent");
    assert_eq!(sent[0].body, "A replacement is on its way.");
}

#[tokio::test]
async fn twilio_refusing_an_unsubscribed_recipient_suppresses_the_phone() {
    let s = setup().await;
    let _workers = s.app.spawn_channel_workers(None);
    s.twilio.set_failing(CUSTOMER, UNSUBSCRIBED);
    s.text(CUSTOMER, "Hi").await;
    let id = s.tickets().await[0]["id"].as_i64().unwrap();
    s.reply(id, "Hello there").await;
    let failed = s.wait_outbound(id, |d| d["status"] == "failed").await;
    assert!(failed["status_detail"].as_str().unwrap().contains("21610"), "{failed}");
    s.reply(id, "Are you still there?").await;
    s.wait_outbound(id, |d| d["status"] == "suppressed").await;
    assert_eq!(s.twilio.requests().len(), 1, "no second attempt at an opted-out phone");
}

#[tokio::test]
async fn a_text_after_the_quiet_period_opens_a_new_ticket() {
    use autocrm_store::entity::channel_conversations as conv;
    let s = setup().await;
    s.text(CUSTOMER, "First question").await;
    s.text(CUSTOMER, "And a detail").await;
    let tickets = s.tickets().await;
    assert_eq!(tickets.len(), 1, "within the quiet period the conversation continues");
    // Arrange: the conversation has been silent for two hours (the quiet period is one).
    conv::Entity::update_many()
        .col_expr(
            conv::Column::LastMessageAt,
            sea_orm::sea_query::Expr::val(chrono::Utc::now() - chrono::Duration::hours(2)),
        )
        .filter(conv::Column::Party.eq(CUSTOMER))
        .exec(s.app.store.connection())
        .await
        .unwrap();
    // Act
    s.text(CUSTOMER, "Something else entirely").await;
    // Assert
    let tickets = s.tickets().await;
    assert_eq!(tickets.len(), 2);
    assert!(tickets.iter().any(|t| t["subject"] == "Something else entirely"), "{tickets:?}");
    // Another customer on the same number is another conversation.
    s.text("+447700900123", "Hello from London").await;
    assert_eq!(s.tickets().await.len(), 3);
}

#[tokio::test]
async fn bad_sms_number_settings_are_422_and_change_nothing() {
    let s = setup().await;
    let res = s
        .app
        .http
        .post(s.app.url("/api/v1/channels/sms-numbers"))
        .key(&s.key)
        .json(&json!({"phone": "0170 123", "account_sid": "SM123", "auth_token": "", "base_url": "ftp://x", "quiet_period_secs": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let pointers: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    for p in ["/phone", "/account_sid", "/auth_token", "/base_url", "/quiet_period_secs"] {
        assert!(pointers.contains(&p), "{p} missing in {pointers:?}");
    }
    assert_eq!(s.get("/api/v1/channels/sms-numbers").await["data"].as_array().unwrap().len(), 1);
    // The same phone twice is a conflict.
    let res = s
        .app
        .http
        .post(s.app.url("/api/v1/channels/sms-numbers"))
        .key(&s.key)
        .json(&json!({"phone": OURS, "account_sid": ACCOUNT, "auth_token": "t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    // A patch keeps the token unless given one.
    let id = s.number["id"].as_i64().unwrap();
    let res = s
        .app
        .http
        .patch(s.app.url(&format!("/api/v1/channels/sms-numbers/{id}")))
        .key(&s.key)
        .json(&json!({"name": "Support line"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let form = s.twilio.inbound_form(CUSTOMER, OURS, "still signed with the same token");
    assert_eq!(s.post("", &form).await.status(), 200);
}

// ---------------------------------------------------------------------------
// The generic API channel
// ---------------------------------------------------------------------------

type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A reply receiver on loopback; records every request.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let state = got.clone();
    let app = axum::Router::new().route(
        "/replies",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                state.lock().unwrap().push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}/replies"), got)
}

async fn api_channel(app: &TestApp, key: &str, name: &str, reply_url: &str) -> Value {
    let res = app
        .http
        .post(app.url("/api/v1/channels/api"))
        .key(key)
        .json(&json!({"name": name, "reply_url": reply_url}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

fn chat_message(id: &str, text: &str) -> Value {
    json!({"external_message_id": id, "conversation_id": "conv-42",
        "from": {"name": "Dana Doe", "handle": "dana#4711"}, "text": text,
        "attachments": [{"filename": "receipt.txt", "content_type": "text/plain", "data_base64": "cGFpZCAxOS45OQ=="}]})
}

#[tokio::test]
async fn an_api_channel_message_opens_a_ticket_and_the_reply_is_posted_signed() {
    // Arrange
    let app = spawn_app_with(|c| c.public_url = PUBLIC_URL.into()).await;
    let _workers = app.spawn_channel_workers(None);
    let key = app.api_key(app.ws, "admin").await;
    let (url, received) = receiver().await;
    let channel = api_channel(&app, &key, "Chat widget", &url).await;
    let token = channel["token"].as_str().unwrap();
    let secret = channel["secret"].as_str().unwrap();
    assert!(token.starts_with("apc_") && secret.starts_with("whsec_"));
    let messages_url = app.url(&format!("/api/v1/channels/api/{}/messages", channel["public_id"].as_str().unwrap()));
    // Act
    let res = app
        .http
        .post(&messages_url)
        .bearer_auth(token)
        .json(&chat_message("m-1", "My voucher does not work"))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["duplicate"], false);
    let id = first["ticket_id"].as_i64().unwrap();
    let ticket: Value =
        app.http.get(app.url(&format!("/api/v1/tickets/{id}"))).key(&key).send().await.unwrap().json().await.unwrap();
    assert_eq!(ticket["channel"], "api");
    assert_eq!(ticket["subject"], "My voucher does not work");
    assert_eq!(ticket["number"], first["ticket_number"]);
    let files: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{id}/attachments")))
        .key(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(files["data"][0]["filename"], "receipt.txt", "{files}");
    // The same message again is recognised; the next one in the conversation continues the ticket.
    let again = app
        .http
        .post(&messages_url)
        .bearer_auth(token)
        .json(&chat_message("m-1", "My voucher does not work"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!((again["duplicate"].as_bool(), again["ticket_id"].as_i64()), (Some(true), Some(id)));
    let next: Value = app
        .http
        .post(&messages_url)
        .bearer_auth(token)
        .json(&chat_message("m-2", "Code is SAVE10"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(next["ticket_id"], id);
    // The channel's secrets are never shown again.
    let shown = app
        .http
        .get(app.url(&format!("/api/v1/channels/api/{}", channel["id"])))
        .key(&key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!shown.contains(token) && !shown.contains(secret), "{shown}");

    // Act: an agent answers.
    let agent = app.login("acme", "anna@acme.test").await;
    let res = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "Fixed: try SAVE10 again."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // Assert: the receiver got it, signed with the channel's secret.
    let mut request = None;
    for _ in 0..100 {
        if let Some(r) = received.lock().unwrap().first().cloned() {
            request = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (headers, body) = request.expect("the reply was posted");
    let msg_id = headers["webhook-id"].to_str().unwrap();
    let timestamp: i64 = headers["webhook-timestamp"].to_str().unwrap().parse().unwrap();
    let expected = autocrm_domain::webhooks::sign(secret, msg_id, timestamp, &body).unwrap();
    assert_eq!(headers["webhook-signature"].to_str().unwrap(), expected);
    let payload: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["type"], "message.created");
    assert_eq!(payload["conversation_id"], "conv-42");
    assert_eq!(payload["ticket_id"], id);
    assert_eq!(payload["message"]["text"], "Fixed: try SAVE10 again.");
    assert_eq!(payload["message"]["author_name"], "Anna Agent");
    assert!(payload["message"]["html"].as_str().unwrap().contains("SAVE10"));
    let mut record = Value::Null;
    for _ in 0..100 {
        let d: Value = app
            .http
            .get(app.url(&format!("/api/v1/tickets/{id}/deliveries")))
            .key(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        record =
            d["data"].as_array().unwrap().iter().rev().find(|d| d["direction"] == "out").cloned().unwrap_or_default();
        if record["status"] == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(record["status"], "sent", "{record}");
    assert_eq!(received.lock().unwrap().len(), 1, "one reply, one request");
}

#[tokio::test]
async fn a_wrong_api_channel_token_is_401_and_changes_nothing() {
    let app = spawn_app_with(|c| c.public_url = PUBLIC_URL.into()).await;
    let key = app.api_key(app.ws, "admin").await;
    let (url, _) = receiver().await;
    let a = api_channel(&app, &key, "Widget A", &url).await;
    let b = api_channel(&app, &key, "Widget B", &url).await;
    let url_a = app.url(&format!("/api/v1/channels/api/{}/messages", a["public_id"].as_str().unwrap()));
    let msg = chat_message("m-1", "Hello");
    let cases = [
        app.http.post(&url_a).json(&msg),
        app.http.post(&url_a).bearer_auth("apc_not-a-token").json(&msg),
        app.http.post(&url_a).bearer_auth(b["token"].as_str().unwrap()).json(&msg),
        app.http.post(&url_a).bearer_auth(&key).json(&msg),
        // Bad input from a stranger is still 401: the body is read only for the channel.
        app.http.post(&url_a).bearer_auth("apc_x").json(&json!({"nonsense": true})),
    ];
    for (i, req) in cases.into_iter().enumerate() {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "case {i}");
    }
    let tickets: Value = app.http.get(app.url("/api/v1/tickets")).key(&key).send().await.unwrap().json().await.unwrap();
    assert!(tickets["data"].as_array().unwrap().is_empty());
    // With the right token, bad input names the fields and stores nothing.
    let res = app
        .http
        .post(&url_a)
        .bearer_auth(a["token"].as_str().unwrap())
        .json(&json!({"external_message_id": "", "conversation_id": "c", "from": {"handle": "h", "email": "not-mail"}, "text": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let pointers: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/external_message_id", "/from/email", "/text"]);
    let messages = autocrm_store::entity::channel_messages::Entity::find()
        .filter(autocrm_store::entity::channel_messages::Column::Channel.eq("api"))
        .all(app.store.connection())
        .await
        .unwrap();
    assert!(messages.is_empty());
    // A reply URL the deliverer could never reach is refused at save.
    let res = app
        .http
        .post(app.url("/api/v1/channels/api"))
        .key(&key)
        .json(&json!({"name": "Bad", "reply_url": "http://10.0.0.1/x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

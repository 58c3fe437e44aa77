//! The generated authorisation matrix: every operation of the OpenAPI
//! document × {anonymous, customer A, customer B, agent, admin, key with the
//! scope, key without it, admin of another workspace} → expected outcome
//! derived from the route's declared policy. A route without a policy fails.
//!
//! Every write carries a valid body and every path id names a real resource
//! of workspace `acme` (fresh ones where the call consumes them), so an
//! allowed call must reach its handler and succeed (2xx) — or, for a caller
//! outside the resource's reach, answer 404 (422 for ids inside a body).

use autocrm_domain::{Principal, ScopeSet};
use autocrm_server::auth::{POLICIES, Policy, policy_for};
use autocrm_testkit::{Auth as _, PASSWORD, Session, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

use crate::attachments::multipart;

/// Fewer requests than this means the matrix shrank.
const MIN_REQUESTS: usize = 400;

#[derive(Debug, Clone)]
enum Who {
    Anonymous,
    /// A customer; `true` for the requester of the test ticket.
    Customer(Session, bool),
    Agent(Session),
    Admin(Session),
    /// A key; `true` when it has the route's scope.
    Key(String, bool),
    ForeignAdmin(Session),
}

impl Who {
    /// Workspace and e-mail of a signed-in user (for a throw-away session).
    fn account(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Customer(_, true) => Some(("acme", "carla@customer.test")),
            Self::Customer(_, false) => Some(("acme", "bob@customer.test")),
            Self::Agent(_) => Some(("acme", "anna@acme.test")),
            Self::Admin(_) => Some(("acme", "admin@acme.test")),
            Self::ForeignAdmin(_) => Some(("other", "admin@other.test")),
            Self::Anonymous | Self::Key(..) => None,
        }
    }

    /// Whether acme's ticket, contact and settings are outside this caller's reach.
    fn outside_reach(&self) -> bool {
        matches!(self, Self::Customer(_, false) | Self::ForeignAdmin(_))
    }
}

/// What the test created up front, to point paths and bodies at.
struct Fixture {
    ticket: i64,
    merge_target: i64,
    contact: i64,
    company: i64,
    user: i64,
    status: i64,
    field: i64,
    webhook: i64,
    delivery: i64,
    attachment: String,
    /// An inbound token of an acme mailbox.
    mailbox_token: String,
    /// A channel record of the test ticket with its raw message.
    channel_record: i64,
    /// Carla's unsubscribe token.
    unsubscribe: String,
    /// The public id of an acme SMS number (auth token [`MATRIX_TWILIO_TOKEN`]).
    sms_public_id: String,
    /// The public id of an acme API channel and its bearer token.
    api_channel: (String, String),
    /// Chat widget visitors and a conversation of visitor A (see [`widget_fixture`]).
    widget: WidgetFixture,
    /// A published tutorial (the starter graph) and an image of it (see [`tutorial_fixture`]).
    tutorial: (i64, String),
    /// The portal's sign-in provider, links and rating token (see [`portal_fixture`]).
    portal: PortalFixture,
    /// A knowledge-base category, section and published article (see [`kb_fixture`]).
    kb: KbFixture,
    /// acme's LLM endpoint (see [`llm_fixture`]); kept alive for the test.
    _llm: autocrm_testkit::fake_llm::FakeLlm,
}

/// The auth token of the fixture's SMS number: Twilio's webhooks are signed with it.
const MATRIX_TWILIO_TOKEN: &str = "matrix-twilio-token";

enum Body {
    None,
    Json(Value),
    Multipart(String, Vec<u8>),
    Raw(&'static str, Vec<u8>),
}

async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert!(status.is_success(), "fixture: {status} {v}");
    v
}

async fn fixture(app: &TestApp, admin: &Session, carla: &Session) -> Fixture {
    let post = |path: &str, s: &Session, body: Value| app.http.post(app.url(path)).session(s).json(&body).send();
    let t =
        json_of(post("/api/v1/tickets", carla, json!({"subject": "mine", "message": {"body": "hi"}})).await.unwrap())
            .await;
    let target = json_of(
        post("/api/v1/tickets", admin, json!({"subject": "merge target", "requester": {"email": "t@example.test"}}))
            .await
            .unwrap(),
    )
    .await;
    let company = json_of(post("/api/v1/companies", admin, json!({"name": "Fixture Co"})).await.unwrap()).await;
    let field = json_of(
        post(
            "/api/v1/custom-fields",
            admin,
            json!({"entity": "ticket", "key": "fixture_ref", "label": "Ref", "type": "text"}),
        )
        .await
        .unwrap(),
    )
    .await;
    let webhook = json_of(
        post("/api/v1/webhooks", admin, json!({"url": "http://127.0.0.1:9/hook", "events": ["ticket.merged"]}))
            .await
            .unwrap(),
    )
    .await;
    let webhook_id = webhook["id"].as_i64().unwrap();
    autocrm_store::webhooks::log_attempt(
        &app.store,
        app.ws,
        autocrm_store::webhooks::Attempt {
            webhook_id,
            event_seq: 1,
            event_type: "workspace.created".into(),
            msg_id: "msg_fixture".into(),
            attempt: 1,
            status_code: Some(500),
            ok: false,
            error: None,
            response_snippet: None,
            duration_ms: 3,
            next_attempt_at: None,
        },
    )
    .await
    .unwrap();
    let deliveries = json_of(
        app.http
            .get(app.url(&format!("/api/v1/webhooks/{webhook_id}/deliveries")))
            .session(admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let statuses = json_of(app.http.get(app.url("/api/v1/statuses")).session(admin).send().await.unwrap()).await;
    let users = json_of(app.http.get(app.url("/api/v1/users?role=agent")).session(admin).send().await.unwrap()).await;
    let ticket = t["id"].as_i64().unwrap();
    // Carla (the ticket's requester) is a shop customer; actions get fresh orders (see `url_for`).
    let shop = autocrm_store::commerce::ShopData {
        customers: vec![crate::commerce::customer("carla", "carla@customer.test", 100_000_000)],
        products: vec![crate::commerce::product()],
        ..Default::default()
    };
    autocrm_store::commerce::seed(&app.store, &Principal::system(app.ws), &shop).await.unwrap();
    let (ct, body) = multipart("fixture.txt", "text/plain", b"fixture", None);
    let attachment = json_of(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{ticket}/attachments")))
            .session(carla)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (mailbox, mailbox_token) = autocrm_store::channels::mailboxes::create(
        &app.store,
        &Principal::system(app.ws),
        autocrm_store::channels::mailboxes::MailboxInput {
            address: Some("matrix@acme.test".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let raw = format!(
        "From: carla@customer.test\r\nTo: matrix@acme.test\r\nSubject: Re: mine [#{}]\r\nMessage-ID: <fixture@customer.test>\r\n\r\nhello\r\n",
        t["number"]
    );
    let ingested = autocrm_store::channels::email_in::ingest(&app.store, &mailbox, raw.as_bytes(), None).await.unwrap();
    assert_eq!(ingested.ticket_id, Some(ticket), "the fixture mail joins the test ticket");
    let records = autocrm_store::channels::for_ticket(&app.store, &Principal::system(app.ws), ticket).await.unwrap();
    let contact = t["requester"]["id"].as_i64().unwrap();
    let prefs =
        autocrm_store::channels::email_out::set_preferences(&app.store, app.ws, contact, None, None).await.unwrap();
    let sms = autocrm_store::channels::sms::create(&app.store, &Principal::system(app.ws), matrix_sms_number(0))
        .await
        .unwrap();
    let api = autocrm_store::channels::api::create(&app.store, &Principal::system(app.ws), matrix_api_channel(0))
        .await
        .unwrap();
    Fixture {
        sms_public_id: sms.public_id,
        api_channel: (api.channel.public_id, api.token),
        mailbox_token,
        channel_record: records.iter().find(|r| r.raw_sha256.is_some()).unwrap().id,
        unsubscribe: prefs.unsubscribe_token,
        ticket,
        merge_target: target["id"].as_i64().unwrap(),
        contact: t["requester"]["id"].as_i64().unwrap(),
        company: company["id"].as_i64().unwrap(),
        user: users["data"][0]["id"].as_i64().unwrap(),
        status: statuses["data"][1]["id"].as_i64().unwrap(),
        field: field["id"].as_i64().unwrap(),
        webhook: webhook_id,
        delivery: deliveries["data"][0]["id"].as_i64().unwrap(),
        attachment: attachment["id"].as_str().unwrap().to_owned(),
        widget: widget_fixture(app).await,
        tutorial: tutorial_fixture(app).await,
        portal: portal_fixture(app, admin, ticket).await,
        kb: kb_fixture(app).await,
        _llm: llm_fixture(app).await,
    }
}

/// An LLM endpoint for acme (translation needs one), served by the fake.
async fn llm_fixture(app: &TestApp) -> autocrm_testkit::fake_llm::FakeLlm {
    let llm = autocrm_testkit::fake_llm::FakeLlm::start().await;
    let patch = autocrm_store::ai::AiSettingsPatch {
        llm_base_url: Some(Some(llm.base_url.clone())),
        llm_model: Some(Some("fake".into())),
        ..Default::default()
    };
    autocrm_store::ai::update_settings(&app.store, &Principal::system(app.ws), &patch).await.unwrap();
    llm
}

fn matrix_sms_number(n: usize) -> autocrm_store::channels::sms::SmsNumberInput {
    autocrm_store::channels::sms::SmsNumberInput {
        phone: Some(format!("+1415555{:04}", 100 + n)),
        account_sid: Some("AC0123456789abcdef0123456789abcdef".into()),
        auth_token: Some(MATRIX_TWILIO_TOKEN.into()),
        ..Default::default()
    }
}

fn matrix_api_channel(n: usize) -> autocrm_store::channels::api::ApiChannelInput {
    autocrm_store::channels::api::ApiChannelInput {
        name: Some(format!("Matrix channel {n}")),
        reply_url: Some("http://127.0.0.1:9/replies".into()),
        ..Default::default()
    }
}

/// The form Twilio would post to one of an SMS number's webhooks.
fn twilio_form(path: &str, n: usize) -> Vec<(String, String)> {
    let pairs: Vec<(&str, String)> = if path.ends_with("/status") {
        vec![("MessageSid", format!("SMmatrix{n}")), ("MessageStatus", "delivered".into())]
    } else {
        vec![
            ("MessageSid", format!("SMmatrix{n}")),
            ("From", format!("+4917000{:05}", n % 100_000)),
            ("To", "+14155550100".into()),
            ("Body", format!("matrix {n}")),
        ]
    };
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The concrete URL for a path template: fresh resources where the call consumes one.
async fn url_for(app: &TestApp, f: &Fixture, method: &Method, path: &str, who: &Who) -> String {
    let system = Principal::system(app.ws);
    let id = if path == "/api/v1/search" {
        return format!("{path}?q=mine"); // `q` is required
    } else if path.contains("{token}") && !path.contains("/unsubscribe/") {
        // A fresh invitation per request: accepting one uses it up.
        let input = autocrm_store::invitations::NewInvitation {
            email: autocrm_domain::EmailAddress::parse(&format!("invitee{}@acme.test", fresh())).unwrap(),
            name: "Invitee".into(),
            role: autocrm_domain::Role::Agent,
        };
        let issued = autocrm_store::invitations::invite(&app.store, &system, input).await.unwrap();
        return path.replace("{token}", &issued.token);
    } else if path.contains("{tag}") {
        // A fresh tag per request (renames, merges and deletes use it up), on a ticket
        // that also carries the merge target.
        let tag = format!("matrix-tag-{}", fresh());
        let t = autocrm_store::tickets::NewTicket {
            subject: "tagged".into(),
            requester: Some(autocrm_store::tickets::RequesterRef::Id(f.contact)),
            body: None,
            priority: None,
            channel: None,
            status_id: None,
            assignee_id: None,
            team_id: None,
            tags: vec![tag.clone(), "matrix-target".into()],
            custom_fields: serde_json::Map::new(),
            created_at: None,
        };
        autocrm_store::tickets::create(&app.store, &system, t).await.unwrap();
        return path.replace("{tag}", &tag);
    } else if path == "/api/v1/users/{id}/invitation" {
        // A fresh invited user per request: revoking removes them.
        let input = autocrm_store::invitations::NewInvitation {
            email: autocrm_domain::EmailAddress::parse(&format!("pending{}@acme.test", fresh())).unwrap(),
            name: "Pending".into(),
            role: autocrm_domain::Role::Agent,
        };
        autocrm_store::invitations::invite(&app.store, &system, input).await.unwrap().user.id.to_string()
    } else if path.contains("{notice}") {
        return path.replace("{notice}", "ticket_solved").replace("{locale}", "de");
    } else if path.contains("/unsubscribe/{token}") {
        return path.replace("{token}", &f.unsubscribe);
    } else if path.starts_with("/api/v1/channels/sms/{public_id}") {
        return path.replace("{public_id}", &f.sms_public_id);
    } else if path.starts_with("/api/v1/channels/api/{public_id}") {
        return path.replace("{public_id}", &f.api_channel.0);
    } else if let Some(url) = kb_url(app, f, method, path, who).await {
        return url;
    } else if let Some(url) = portal_url(app, f, method, path, who).await {
        return url;
    } else if let Some(url) = widget_url(app, f, method, path, who).await {
        return url;
    } else if let Some(url) = tutorials_url(app, f, method, path, who).await {
        return url;
    } else if !path.contains("{id}") {
        String::new()
    } else if path == "/api/v1/tickets/{id}/merge" {
        let t = autocrm_store::tickets::NewTicket {
            subject: "merge source".into(),
            requester: Some(autocrm_store::tickets::RequesterRef::Id(f.contact)),
            body: None,
            priority: None,
            channel: None,
            status_id: None,
            assignee_id: None,
            team_id: None,
            tags: Vec::new(),
            custom_fields: serde_json::Map::new(),
            created_at: None,
        };
        autocrm_store::tickets::create(&app.store, &system, t).await.unwrap().ticket.id.to_string()
    } else if path.starts_with("/api/v1/macros/") || path.contains("/macros/{macro_id}") {
        // Like views: agents reach their own macros, admins and keys the shared ones.
        let owner = match who {
            Who::Agent(_) => {
                let (ws, email) = who.account().unwrap();
                autocrm_testkit::principal(&app.store, ws, email).await
            }
            _ => system.clone(),
        };
        let input = autocrm_store::macros::MacroInput {
            name: Some("matrix macro".into()),
            reply: Some("Hi {{ requester.first_name }}".into()),
            shared: Some(owner.user_id().is_none()),
            ..Default::default()
        };
        let m = autocrm_store::macros::create(&app.store, &owner, input).await.unwrap().id.to_string();
        if path.starts_with("/api/v1/macros/") {
            m
        } else {
            return path.replace("{id}", &f.ticket.to_string()).replace("{macro_id}", &m);
        }
    } else if path.contains("{order_id}") {
        // A fresh order of the ticket's requester per request, in the state the action needs.
        use autocrm_domain::commerce::OrderStatus;
        let status = if ["/return", "/exchange", "/refund"].iter().any(|a| path.ends_with(a)) {
            OrderStatus::Delivered
        } else {
            OrderStatus::Pending
        };
        let id = format!("M{}", fresh());
        let order = crate::commerce::order(&id, "carla", status, 1);
        autocrm_store::commerce::put_order(&app.store, &system, &order).await.unwrap();
        return path.replace("{id}", &f.ticket.to_string()).replace("{order_id}", &id);
    } else if path.contains("{subscription_id}") {
        let id = format!("SUB-M{}", fresh());
        let mut sub = crate::commerce::subscription(&id, "carla");
        if path.ends_with("/resume") {
            sub.status = autocrm_domain::commerce::SubscriptionStatus::Paused;
        }
        autocrm_store::commerce::put_subscription(&app.store, &system, &sub).await.unwrap();
        return path.replace("{id}", &f.ticket.to_string()).replace("{subscription_id}", &id);
    } else if path.starts_with("/api/v1/channels/mailboxes/") {
        // A fresh mailbox per request (DELETE uses it up), with IMAP settings to test.
        let input = autocrm_store::channels::mailboxes::MailboxInput {
            address: Some(format!("box{}@acme.test", fresh())),
            imap: Some(Some(autocrm_store::channels::mailboxes::ImapInput {
                host: "127.0.0.1".into(),
                port: 9,
                security: "plain".into(),
                username: "box".into(),
                password: Some("pw".into()),
                folder: "INBOX".into(),
            })),
            ..Default::default()
        };
        autocrm_store::channels::mailboxes::create(&app.store, &system, input).await.unwrap().0.id.to_string()
    } else if path.starts_with("/api/v1/channels/sms-numbers/") {
        // A fresh number per request (DELETE uses it up).
        let input = matrix_sms_number(1 + fresh());
        autocrm_store::channels::sms::create(&app.store, &system, input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/channels/api/") {
        let input = matrix_api_channel(1 + fresh());
        autocrm_store::channels::api::create(&app.store, &system, input).await.unwrap().channel.id.to_string()
    } else if path.starts_with("/api/v1/ai/suggestions/") {
        let s = autocrm_store::ai::NewSuggestion {
            kind: "reply",
            body: "Hello".into(),
            citations: json!([]),
            provenance: json!({"engine": "builtin", "model": "builtin-v1"}),
            inputs: json!({}),
        };
        autocrm_store::ai::record_suggestion(&app.store, &system, f.ticket, s).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/ticket-categories/") {
        // A fresh category per request (DELETE uses it up).
        let input = autocrm_store::ai::CategoryIn {
            key: format!("matrix_{}", fresh()),
            name: "Matrix".into(),
            ..Default::default()
        };
        autocrm_store::ai::create_ticket_category(&app.store, &system, &input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/deliveries/") {
        f.channel_record.to_string()
    } else if path.starts_with("/api/v1/tickets/") {
        f.ticket.to_string()
    } else if path.starts_with("/api/v1/contacts/") {
        f.contact.to_string()
    } else if path.starts_with("/api/v1/companies/") {
        f.company.to_string()
    } else if path.starts_with("/api/v1/users/") {
        f.user.to_string()
    } else if path.starts_with("/api/v1/statuses/") {
        f.status.to_string()
    } else if path.starts_with("/api/v1/custom-fields/") {
        f.field.to_string()
    } else if path == "/api/v1/api-keys/{id}" {
        let scopes = ScopeSet::parse("tickets:read").unwrap();
        autocrm_store::api_keys::create(&app.store, &system, "to revoke", &scopes, None).await.unwrap().0.id.to_string()
    } else if path == "/api/v1/webhooks/{id}" && *method == Method::DELETE {
        let events = ["ticket.merged".to_owned()];
        autocrm_store::webhooks::create(&app.store, &system, "http://127.0.0.1:9/gone", &events, "to delete")
            .await
            .unwrap()
            .id
            .to_string()
    } else if path.starts_with("/api/v1/webhooks/") {
        f.webhook.to_string()
    } else if path == "/api/v1/attachments/{id}" {
        f.attachment.clone()
    } else if path.starts_with("/api/v1/views/") {
        // Agents reach their own views; admins and keys the shared ones. A fresh
        // one per request, so DELETE always has something to delete.
        let owner = match who {
            Who::Agent(_) => {
                let (ws, email) = who.account().unwrap();
                autocrm_testkit::principal(&app.store, ws, email).await
            }
            _ => system.clone(),
        };
        let input = autocrm_store::views::ViewInput {
            name: Some("matrix view".into()),
            shared: Some(owner.user_id().is_none()),
            ..Default::default()
        };
        autocrm_store::views::create(&app.store, &owner, input).await.unwrap().id.to_string()
    } else {
        panic!("no test resource for {method} {path}: add one to the authorisation matrix");
    };
    path.replace("{id}", &id).replace("{delivery_id}", &f.delivery.to_string())
}

/// A number not handed out before in this process (unique names for fresh resources).
fn fresh() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A valid body for a write; `n` makes names and addresses unique.
fn body_for(f: &Fixture, method: &Method, path: &str, n: usize) -> Body {
    let json = match (method.as_str(), path) {
        ("GET" | "DELETE", _)
        | (
            "POST",
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver"
            | "/api/v1/users/{id}/invitation"
            | "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/pause"
            | "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/resume"
            | "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/skip"
            | "/api/v1/tickets/{id}/ai/reply"
            | "/api/v1/tickets/{id}/ai/reply/stream"
            | "/api/v1/tickets/{id}/ai/summary"
            | "/api/v1/ai/models/retrain",
        ) => {
            return Body::None;
        }
        ("POST", "/api/v1/tickets/{id}/attachments") => {
            let (ct, bytes) = multipart(&format!("file{n}.txt"), "text/plain", b"hello", None);
            return Body::Multipart(ct, bytes);
        }
        ("POST", "/api/v1/channels/email/inbound") => {
            let raw = format!(
                "From: matrix{n}@example.test\r\nTo: matrix@acme.test\r\nSubject: matrix {n}\r\nMessage-ID: <m{n}@example.test>\r\n\r\nhello\r\n"
            );
            return Body::Raw("message/rfc822", raw.into_bytes());
        }
        (
            "POST",
            "/api/v1/channels/email/unsubscribe/{token}"
            | "/api/v1/channels/mailboxes/{id}/rotate-token"
            | "/api/v1/channels/mailboxes/{id}/test",
        ) => {
            return Body::None;
        }
        ("PATCH", "/api/v1/channels/settings") => json!({"auto_per_ticket": 3 + (n % 2)}),
        ("PUT", "/api/v1/channels/templates/{notice}/{locale}") => {
            json!({"subject": format!("Gelöst #{{{{ ticket.number }}}} ({n})"), "text": "Erledigt.", "html": "<p>Erledigt.</p>"})
        }
        ("POST", "/api/v1/channels/mailboxes") => json!({"address": format!("new{n}@acme.test")}),
        ("PATCH", "/api/v1/channels/mailboxes/{id}") => json!({"name": format!("Box {n}")}),
        ("PATCH", "/api/v1/contacts/{id}/channel-preferences") => json!({"email_notifications": n.is_multiple_of(2)}),
        ("POST", "/api/v1/channels/sms/{public_id}/twilio" | "/api/v1/channels/sms/{public_id}/twilio/status") => {
            let form = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(twilio_form(path, n)).finish();
            return Body::Raw("application/x-www-form-urlencoded", form.into_bytes());
        }
        ("POST", "/api/v1/channels/sms-numbers") => {
            json!({"phone": format!("+1415556{:04}", n % 10_000), "account_sid": "AC0123456789abcdef", "auth_token": "t"})
        }
        ("PATCH", "/api/v1/channels/sms-numbers/{id}") => json!({"name": format!("Line {n}")}),
        ("POST", "/api/v1/channels/api") => {
            json!({"name": format!("API channel {n}"), "reply_url": "http://127.0.0.1:9/replies"})
        }
        ("PATCH", "/api/v1/channels/api/{id}") => json!({"quiet_period_secs": 3600 + n}),
        ("POST", "/api/v1/channels/api/{public_id}/messages") => {
            json!({"external_message_id": format!("matrix-{n}"), "conversation_id": "matrix",
                "from": {"handle": "matrix-user"}, "text": format!("matrix {n}")})
        }
        ("POST", "/api/v1/session") => json!({"workspace": "acme", "email": "anna@acme.test", "password": PASSWORD}),
        ("POST", "/api/v1/tickets") => {
            json!({"subject": format!("matrix {n}"), "requester": {"email": "m@example.test"}})
        }
        ("POST", "/api/v1/tickets/bulk") => json!({"ids": [f.ticket], "patch": {"priority": "low"}}),
        ("PATCH", "/api/v1/tickets/{id}") => json!({"priority": "high"}),
        ("POST", "/api/v1/tickets/{id}/merge") => json!({"target_id": f.merge_target}),
        ("POST", "/api/v1/tickets/{id}/messages") => json!({"body": format!("message {n}")}),
        ("POST", "/api/v1/contacts") => json!({"name": "Matrix", "email": format!("contact{n}@example.test")}),
        ("PATCH", "/api/v1/contacts/{id}") => json!({"notes": format!("note {n}")}),
        ("POST", "/api/v1/companies") => json!({"name": format!("Company {n}")}),
        ("PATCH", "/api/v1/companies/{id}") => json!({"notes": format!("note {n}")}),
        ("POST", "/api/v1/users") => json!({"email": format!("user{n}@acme.test"), "name": "Matrix", "role": "agent"}),
        ("PATCH", "/api/v1/users/{id}") => json!({"name": "Anna Agent"}),
        ("POST", "/api/v1/ticket-categories") => json!({"key": format!("cat_{n}"), "name": format!("Category {n}")}),
        ("PATCH", "/api/v1/ticket-categories/{id}") => json!({"name": format!("Category {n}")}),
        ("PUT", "/api/v1/tickets/{id}/category") => json!({"category": "shipping"}),
        ("POST", "/api/v1/tickets/{id}/ai/translate") => json!({"text": "Hello", "target": "de"}),
        ("PUT", "/api/v1/ai/suggestions/{id}/outcome") => json!({"outcome": "rejected"}),
        ("PATCH", "/api/v1/ai/settings") => json!({"monthly_token_budget": 100_000}),
        ("POST", "/api/v1/statuses") => json!({"name": format!("Status {n}"), "category": "open"}),
        ("PATCH", "/api/v1/statuses/{id}") => json!({"position": 1}),
        ("POST", "/api/v1/custom-fields") => {
            json!({"entity": "ticket", "key": format!("field_{n}"), "label": "Matrix", "type": "text"})
        }
        ("PATCH", "/api/v1/custom-fields/{id}") => json!({"label": format!("Label {n}")}),
        ("POST", "/api/v1/api-keys") => json!({"name": format!("key {n}"), "scopes": ["tickets:read"]}),
        ("POST", "/api/v1/webhooks") => json!({"url": "http://127.0.0.1:9/hook", "events": ["ticket.created"]}),
        ("PATCH", "/api/v1/webhooks/{id}") => json!({"description": format!("hook {n}")}),
        ("POST", "/api/v1/views") => {
            json!({"name": format!("View {n}"), "filters": {"categories": ["open"], "tags": ["vip"]}})
        }
        ("PATCH", "/api/v1/views/{id}") => json!({"name": format!("Renamed {n}")}),
        ("POST", "/api/v1/macros") => {
            json!({"name": format!("Macro {n}"), "actions": {"priority": "high", "add_tags": ["vip"]}})
        }
        ("PATCH", "/api/v1/macros/{id}") => json!({"name": format!("Renamed {n}")}),
        ("POST", "/api/v1/tickets/{id}/macros/{macro_id}/apply") => json!({"send_reply": false}),
        ("POST", "/api/v1/tickets/{id}/presence") => json!({"state": "viewing"}),
        ("PATCH", "/api/v1/workspace") => json!({"time_zone": "Europe/Berlin"}),
        ("PATCH", "/api/v1/tags/{tag}") => json!({"name": format!("renamed-{n}")}),
        ("POST", "/api/v1/tags/{tag}/merge") => json!({"into": "matrix-target"}),
        ("POST", "/api/v1/users/invitations") => json!({"email": format!("invited{n}@acme.test"), "role": "agent"}),
        ("POST", "/api/v1/invitations/{token}/accept") => json!({"password": "a long enough password"}),
        ("POST", "/api/v1/notifications/read") => json!({"all": true}),
        ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/cancel") => json!({"reason": "no_longer_needed"}),
        ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/address") => {
            json!({"address": {"line1": format!("{n} Elm Rd"), "city": "Boulder", "province": "CO", "zip": "80301", "country": "US"}})
        }
        ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/payment") => json!({"payment_method_id": "carla-gc"}),
        (
            "POST",
            "/api/v1/tickets/{id}/commerce/orders/{order_id}/items"
            | "/api/v1/tickets/{id}/commerce/orders/{order_id}/exchange",
        ) => {
            json!({"items": [{"line_id": "1", "variant_id": "lamp-white"}], "payment_method_id": "carla-pp"})
        }
        ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/return") => {
            json!({"line_ids": ["1"], "refund_to": "carla-pp"})
        }
        ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/refund") => {
            json!({"line_ids": ["1"], "refund_to": "carla-pp", "reason": format!("matrix {n}")})
        }
        ("POST", "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/cancel") => json!({"reason": "matrix"}),
        ("POST", "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/frequency") => {
            json!({"interval_unit": "week", "interval_count": 3})
        }
        _ => {
            if let Some(body) = kb_body(f, method, path, n)
                .or_else(|| portal_body(f, method, path, n))
                .or_else(|| widget_body(f, method, path, n))
                .or_else(|| tutorials_body(f, method, path, n))
            {
                return body;
            }
            panic!("no valid body for {method} {path}: add one to the authorisation matrix")
        }
    };
    Body::Json(json)
}

// == Knowledge base and help center: paths and bodies ==

/// Acme's knowledge base: a category and section, and a published article
/// with an English and a German translation (so a version to restore).
struct KbFixture {
    category: i64,
    section: i64,
    article: i64,
    version: i64,
}

async fn kb_fixture(app: &TestApp) -> KbFixture {
    use autocrm_store::kb::{NameText, articles, structure};
    let system = Principal::system(app.ws);
    let names = |n: &str| {
        Some(
            [("en".to_owned(), Some(NameText { name: n.to_owned(), description: String::new() }))]
                .into_iter()
                .collect(),
        )
    };
    let category = structure::create_category(
        &app.store,
        &system,
        structure::HeadingInput { translations: names("Matrix"), ..Default::default() },
    )
    .await
    .unwrap();
    let section = structure::create_section(
        &app.store,
        &system,
        structure::HeadingInput { category_id: Some(category.id), translations: names("Matrix"), ..Default::default() },
    )
    .await
    .unwrap();
    let article = kb_article(app, Some(section.id)).await;
    articles::save_translation(&app.store, &system, article, "de", "Matrix", "<p>Hallo</p>").await.unwrap();
    let versions = articles::versions(&app.store, &system, article, Some("en")).await.unwrap();
    KbFixture { category: category.id, section: section.id, article, version: versions[0].id }
}

/// A fresh acme article, published when it has a section.
async fn kb_article(app: &TestApp, section: Option<i64>) -> i64 {
    use autocrm_store::kb::{ArticleStatus, articles};
    let status = if section.is_some() { ArticleStatus::Published } else { ArticleStatus::Draft };
    let input = articles::NewArticle {
        meta: articles::ArticleMeta { section_id: Some(section), status: Some(status), ..Default::default() },
        locale: Some("en".into()),
        title: format!("Matrix article {}", fresh()),
        body: "<p>Matrix body about refunds.</p>".into(),
    };
    articles::create(&app.store, &Principal::system(app.ws), input).await.unwrap().id
}

/// The message the next `from-message` call drafts from (set by [`kb_url`]):
/// an agent's public reply in the caller's own workspace, since a message of
/// another workspace is invalid input there (isolation is tested in `kb.rs`).
static KB_FROM_MESSAGE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// The URL for a knowledge-base route, `None` for other routes.
async fn kb_url(app: &TestApp, f: &Fixture, method: &Method, path: &str, who: &Who) -> Option<String> {
    use autocrm_store::kb::{NameText, articles, files, structure};
    let system = Principal::system(app.ws);
    let k = &f.kb;
    let url = match path {
        "/api/v1/help/search" | "/api/v1/help/suggest" => format!("{path}?q=matrix&workspace=acme"),
        "/api/v1/help/articles/{article_id}" | "/api/v1/help/articles/{article_id}/feedback" => {
            format!("{}?workspace=acme", path.replace("{article_id}", &k.article.to_string()))
        }
        "/api/v1/kb/search" => format!("{path}?q=matrix"),
        "/api/v1/kb/categories/{id}" if *method == Method::DELETE => {
            let names = [("en".to_owned(), Some(NameText { name: "Empty".into(), description: String::new() }))];
            let c = structure::create_category(
                &app.store,
                &system,
                structure::HeadingInput { translations: Some(names.into_iter().collect()), ..Default::default() },
            )
            .await
            .unwrap();
            path.replace("{id}", &c.id.to_string())
        }
        "/api/v1/kb/categories/{id}" | "/api/v1/kb/categories/{id}/sections" => {
            path.replace("{id}", &k.category.to_string())
        }
        "/api/v1/kb/sections/{id}" if *method == Method::DELETE => {
            let names = [("en".to_owned(), Some(NameText { name: "Empty".into(), description: String::new() }))];
            let s = structure::create_section(
                &app.store,
                &system,
                structure::HeadingInput {
                    category_id: Some(k.category),
                    translations: Some(names.into_iter().collect()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            path.replace("{id}", &s.id.to_string())
        }
        "/api/v1/kb/sections/{id}" => path.replace("{id}", &k.section.to_string()),
        "/api/v1/kb/articles/{id}" if *method == Method::DELETE => {
            path.replace("{id}", &kb_article(app, None).await.to_string())
        }
        "/api/v1/kb/articles/{id}/translations/{locale}" if *method == Method::DELETE => {
            let id = kb_article(app, None).await;
            articles::save_translation(&app.store, &system, id, "de", "Zu löschen", "x").await.unwrap();
            path.replace("{id}", &id.to_string()).replace("{locale}", "de")
        }
        "/api/v1/kb/articles/{id}/translations/{locale}" => {
            path.replace("{id}", &k.article.to_string()).replace("{locale}", "de")
        }
        "/api/v1/kb/articles/{id}/versions/{version_id}/restore" => {
            path.replace("{id}", &k.article.to_string()).replace("{version_id}", &k.version.to_string())
        }
        "/api/v1/kb/articles/{id}/attachments/{file_id}" => {
            let file = files::upload(&app.store, &system, k.article, "gone.txt", "text/plain", b"x").await.unwrap();
            path.replace("{id}", &k.article.to_string()).replace("{file_id}", &file.public_id)
        }
        "/api/v1/kb/articles/from-message" => {
            // An agent's reply in the caller's workspace: acme's ticket, or one of `other`.
            let message = if matches!(who, Who::ForeignAdmin(_)) {
                let other = app.workspace_id("other").await;
                let admin = autocrm_testkit::principal(&app.store, "other", "admin@other.test").await;
                let t = autocrm_store::tickets::NewTicket {
                    subject: "Other shop's question".into(),
                    requester: Some(autocrm_store::tickets::RequesterRef::Email {
                        email: autocrm_domain::EmailAddress::parse("q@other.test").unwrap(),
                        name: None,
                    }),
                    body: None,
                    priority: None,
                    channel: None,
                    status_id: None,
                    assignee_id: None,
                    team_id: None,
                    tags: Vec::new(),
                    custom_fields: serde_json::Map::new(),
                    created_at: None,
                };
                let ticket = autocrm_store::tickets::create(&app.store, &Principal::system(other), t).await.unwrap();
                autocrm_store::messages::create(&app.store, &admin, ticket.ticket.id, "Here is how.", false)
                    .await
                    .unwrap()
            } else {
                let agent = autocrm_testkit::principal(&app.store, "acme", "anna@acme.test").await;
                autocrm_store::messages::create(&app.store, &agent, f.ticket, "Here is how.", false).await.unwrap()
            };
            KB_FROM_MESSAGE.store(message.id, std::sync::atomic::Ordering::Relaxed);
            path.to_owned()
        }
        p if p.starts_with("/api/v1/kb/articles/{id}") => path.replace("{id}", &k.article.to_string()),
        p if p.starts_with("/api/v1/kb/") => path.to_owned(),
        _ => return None,
    };
    Some(url)
}

/// A valid body for a knowledge-base write, `None` for other routes.
fn kb_body(_f: &Fixture, method: &Method, path: &str, n: usize) -> Option<Body> {
    if !path.starts_with("/api/v1/kb/") && !path.starts_with("/api/v1/help/") {
        return None;
    }
    let json = match (method.as_str(), path) {
        ("OPTIONS", _)
        | (
            "POST",
            "/api/v1/kb/articles/{id}/publish"
            | "/api/v1/kb/articles/{id}/unpublish"
            | "/api/v1/kb/articles/{id}/versions/{version_id}/restore",
        ) => return Some(Body::None),
        ("POST", "/api/v1/kb/articles/{id}/attachments") => {
            let (ct, bytes) = multipart(&format!("picture{n}.png"), "image/png", b"\x89PNG matrix", None);
            return Some(Body::Multipart(ct, bytes));
        }
        ("POST", "/api/v1/kb/categories") | ("PATCH", "/api/v1/kb/categories/{id}") => {
            json!({"translations": {"en": {"name": format!("Category {n}")}}})
        }
        ("POST", "/api/v1/kb/categories/{id}/sections") => {
            json!({"translations": {"en": {"name": format!("Section {n}")}}})
        }
        ("PATCH", "/api/v1/kb/sections/{id}") => json!({"position": n}),
        ("POST", "/api/v1/kb/articles") => json!({"title": format!("Article {n}"), "body_html": "<p>Body</p>"}),
        ("PATCH", "/api/v1/kb/articles/{id}") => json!({"tags": [format!("matrix-{n}")]}),
        ("PUT", "/api/v1/kb/articles/{id}/translations/{locale}") => {
            json!({"title": format!("Matrix {n}"), "body_html": "<p>Hallo</p>"})
        }
        ("POST", "/api/v1/kb/articles/from-message") => {
            json!({"message_id": KB_FROM_MESSAGE.load(std::sync::atomic::Ordering::Relaxed)})
        }
        ("POST", "/api/v1/help/articles/{article_id}/feedback") => json!({"helpful": true, "comment": "matrix"}),
        _ => return None,
    };
    Some(Body::Json(json))
}

// == Customer portal and satisfaction: paths and bodies ==

/// What the portal routes need: a fake OIDC provider configured as acme's
/// `matrix` provider, pools of single-use links and OIDC callbacks (one per
/// caller of each route), a rating token of Carla's solved test ticket and
/// an order of Carla's.
struct PortalFixture {
    oidc: autocrm_testkit::oidc::FakeOidc,
    provider: i64,
    verify: std::sync::Mutex<Vec<String>>,
    magic: std::sync::Mutex<Vec<String>>,
    reset: std::sync::Mutex<Vec<String>>,
    /// `(state, code, binding)` of approved logins.
    callbacks: std::sync::Mutex<Vec<(String, String, String)>>,
    rating_token: String,
    order: String,
}

/// Callers per route in the matrix.
const PORTAL_CALLERS: usize = 8;

async fn portal_fixture(app: &TestApp, admin: &Session, ticket: i64) -> PortalFixture {
    use autocrm_store::portal::accounts;
    let oidc = autocrm_testkit::oidc::FakeOidc::start().await;
    let provider = json_of(
        app.http
            .post(app.url("/api/v1/portal/oidc-providers"))
            .session(admin)
            .json(&json!({"slug": "matrix", "name": "Matrix ID", "issuer": oidc.issuer,
                "client_id": oidc.client_id, "client_secret": oidc.client_secret}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let hash = autocrm_server::auth::hash_password(PASSWORD).unwrap();
    let (mut verify, mut magic, mut reset, mut callbacks) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..PORTAL_CALLERS {
        let email = |kind: &str| autocrm_domain::EmailAddress::parse(&format!("{kind}{i}@portal.test")).unwrap();
        match accounts::sign_up(&app.store, app.ws, &email("verify"), "Verify", hash.clone()).await.unwrap() {
            accounts::SignUp::Verify(link) => verify.push(link.token),
            other => panic!("{other:?}"),
        }
        magic.push(accounts::request_magic_link(&app.store, app.ws, &email("magic")).await.unwrap().unwrap().token);
        // Resets end the account's sessions: throw-away customers, not the matrix's.
        autocrm_store::users::create(
            &app.store,
            &Principal::system(app.ws),
            autocrm_store::users::NewUser {
                email: email("reset"),
                name: "Reset".into(),
                role: autocrm_domain::Role::Customer,
                password_hash: Some(hash.clone()),
            },
        )
        .await
        .unwrap();
        reset.push(accounts::request_password_reset(&app.store, app.ws, &email("reset")).await.unwrap().unwrap().token);
        let started =
            json_of(app.http.post(app.url("/api/v1/portal/oidc/matrix/start")).json(&json!({})).send().await.unwrap())
                .await;
        let (code, state) = oidc.approve(started["authorize_url"].as_str().unwrap()).await;
        callbacks.push((state, code, started["binding"].as_str().unwrap().to_owned()));
    }
    // A solved ticket of Carla's (not the test ticket, which her replies reopen) to rate and re-rate.
    let solved = autocrm_store::statuses::list(&app.store, &Principal::system(app.ws))
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.category == "solved")
        .unwrap();
    let carla_contact =
        autocrm_store::tickets::get(&app.store, &Principal::system(app.ws), ticket).await.unwrap().ticket.requester_id;
    let rated = autocrm_store::tickets::NewTicket {
        subject: "to rate".into(),
        requester: Some(autocrm_store::tickets::RequesterRef::Id(carla_contact)),
        body: None,
        priority: None,
        channel: None,
        status_id: Some(solved.id),
        assignee_id: None,
        team_id: None,
        tags: Vec::new(),
        custom_fields: serde_json::Map::new(),
        created_at: None,
    };
    let rated = autocrm_store::tickets::create(&app.store, &Principal::system(app.ws), rated).await.unwrap().ticket.id;
    let order = crate::commerce::order("PORTAL1", "carla", autocrm_domain::commerce::OrderStatus::Pending, 1);
    autocrm_store::commerce::put_order(&app.store, &Principal::system(app.ws), &order).await.unwrap();
    PortalFixture {
        provider: provider["id"].as_i64().unwrap(),
        rating_token: autocrm_store::portal::ratings::token_for(&app.store, app.ws, rated).await.unwrap(),
        oidc,
        verify: std::sync::Mutex::new(verify),
        magic: std::sync::Mutex::new(magic),
        reset: std::sync::Mutex::new(reset),
        callbacks: std::sync::Mutex::new(callbacks),
        order: order.id,
    }
}

/// The URL for a portal route, `None` for other routes.
async fn portal_url(app: &TestApp, f: &Fixture, method: &Method, path: &str, _who: &Who) -> Option<String> {
    let pf = &f.portal;
    if path == "/api/v1/portal/oidc-providers/{id}" && *method == Method::DELETE {
        // A fresh provider per request: deleting uses it up.
        let input = autocrm_store::portal::oidc::ProviderInput {
            slug: Some(format!("gone-{}", fresh())),
            name: Some("Gone".into()),
            issuer: Some(pf.oidc.issuer.clone()),
            client_id: Some("c".into()),
            endpoints: Some(autocrm_store::portal::oidc::Endpoints {
                authorization_endpoint: format!("{}/authorize", pf.oidc.issuer),
                token_endpoint: format!("{}/token", pf.oidc.issuer),
                jwks_uri: format!("{}/jwks", pf.oidc.issuer),
                userinfo_endpoint: None,
            }),
            ..Default::default()
        };
        let p =
            autocrm_store::portal::oidc::create_provider(&app.store, &Principal::system(app.ws), input).await.unwrap();
        return Some(path.replace("{id}", &p.id.to_string()));
    }
    Some(match path {
        "/api/v1/portal/oidc-providers/{id}" => path.replace("{id}", &pf.provider.to_string()),
        "/api/v1/portal/oidc/{slug}/start" => path.replace("{slug}", "matrix"),
        "/api/v1/portal/ratings/{rating_token}" => path.replace("{rating_token}", &pf.rating_token),
        "/api/v1/portal/orders/{id}" => path.replace("{id}", &pf.order),
        "/api/v1/portal/config" => format!("{path}?workspace=acme"),
        _ => return None,
    })
}

/// A valid body for a portal write, `None` for other routes.
fn portal_body(f: &Fixture, method: &Method, path: &str, n: usize) -> Option<Body> {
    let pf = &f.portal;
    let take = |pool: &std::sync::Mutex<Vec<String>>| pool.lock().unwrap().pop().expect("a fresh link per caller");
    let json = match (method.as_str(), path) {
        ("POST", "/api/v1/portal/sign-up") => {
            json!({"name": "Matrix", "email": format!("signup{n}@portal.test"), "password": PASSWORD})
        }
        ("POST", "/api/v1/portal/sign-up/verify") => json!({"token": take(&pf.verify)}),
        ("POST", "/api/v1/portal/magic-link/sign-in") => json!({"token": take(&pf.magic)}),
        ("POST", "/api/v1/portal/password-reset/complete") => json!({"token": take(&pf.reset), "password": PASSWORD}),
        ("POST", "/api/v1/portal/session") => json!({"email": "carla@customer.test", "password": PASSWORD}),
        ("POST", "/api/v1/portal/magic-link" | "/api/v1/portal/password-reset") => {
            json!({"email": format!("someone{n}@portal.test")})
        }
        ("POST", "/api/v1/portal/oidc/{slug}/start") => json!({}),
        ("POST", "/api/v1/portal/oidc/callback") => {
            let (state, code, binding) = pf.callbacks.lock().unwrap().pop().expect("an approved login per caller");
            json!({"state": state, "code": code, "binding": binding})
        }
        ("POST", "/api/v1/portal/oidc-providers") => json!({"slug": format!("matrix-{n}"), "name": "Matrix",
            "issuer": pf.oidc.issuer, "client_id": pf.oidc.client_id}),
        ("PATCH", "/api/v1/portal/oidc-providers/{id}") => json!({"name": format!("Matrix ID {n}")}),
        ("PATCH", "/api/v1/portal/me") => json!({}),
        ("PUT", "/api/v1/portal/ratings/{rating_token}") => {
            json!({"score": if n.is_multiple_of(2) { "good" } else { "bad" }})
        }
        _ => return None,
    };
    Some(Body::Json(json))
}

// == Chat widget: paths and bodies ==

/// The page the matrix's widget requests come from (an allowed site of both workspaces).
const WIDGET_ORIGIN: &str = "http://shop.test";

/// Widget visitors: A (acme, with a conversation and a file), B (acme, another
/// browser) and one of workspace `other`. In the matrix, customer Carla calls
/// visitor routes with A's token, Bob with B's and the other workspace's admin
/// with the foreign one; sessions and keys are refused on visitor routes.
struct WidgetFixture {
    a_token: String,
    b_token: String,
    foreign_token: String,
    conversation: i64,
    /// A second conversation of A, solved, to rate (A's messages reopen the first).
    solved_conversation: i64,
    first_message: i64,
    file: String,
}

async fn widget_fixture(app: &TestApp) -> WidgetFixture {
    let mut tokens = Vec::new();
    for slug in ["acme", "other", "acme"] {
        let ws = app.workspace_id(slug).await;
        let patch = autocrm_store::chat::SettingsPatch {
            enabled: Some(true),
            allowed_origins: Some(vec![WIDGET_ORIGIN.into()]),
            // Chats start whether or not an agent is online (the matrix runs for minutes).
            offline_mode: Some("chat".into()),
            ..Default::default()
        };
        autocrm_store::chat::update_settings(&app.store, &Principal::system(ws), patch).await.unwrap();
        let opened = autocrm_store::chat::open_session(&app.store, ws, autocrm_store::chat::SessionInput::default())
            .await
            .unwrap();
        tokens.push(opened.token);
    }
    let a = autocrm_store::chat::resolve_token(&app.store, &tokens[0]).await.unwrap().unwrap();
    let chat = autocrm_store::chat::start(
        &app.store,
        &a.principal,
        autocrm_store::chat::NewChat { body: "matrix chat".into(), client_id: None },
    )
    .await
    .unwrap();
    let a = autocrm_store::chat::resolve_token(&app.store, &tokens[0]).await.unwrap().unwrap();
    let file =
        autocrm_store::chat::upload(&app.store, &a.principal, chat.ticket.id, "a.txt", "text/plain", b"visitor A")
            .await
            .unwrap();
    let solved_conversation = widget_solved_chat(app, &a.principal).await;
    WidgetFixture {
        solved_conversation,
        a_token: tokens[0].clone(),
        foreign_token: tokens[1].clone(),
        b_token: tokens[2].clone(),
        conversation: chat.ticket.id,
        first_message: chat.last_message.unwrap().message.id,
        file: file.public_id,
    }
}

/// A solved chat of the visitor `p`.
async fn widget_solved_chat(app: &TestApp, p: &Principal) -> i64 {
    let chat = autocrm_store::chat::start(
        &app.store,
        p,
        autocrm_store::chat::NewChat { body: "matrix chat to rate".into(), client_id: None },
    )
    .await
    .unwrap();
    let ws = p.workspace_id;
    let solved = autocrm_store::statuses::list(&app.store, &Principal::system(ws))
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.category == "solved")
        .unwrap();
    let patch = autocrm_store::tickets::TicketPatch { status_id: Some(solved.id), ..Default::default() };
    autocrm_store::tickets::update(&app.store, &Principal::system(ws), chat.ticket.id, &patch).await.unwrap();
    chat.ticket.id
}

/// The URL for a widget route, `None` for other routes.
#[allow(clippy::unused_async)]
async fn widget_url(_app: &TestApp, f: &Fixture, _method: &Method, path: &str, _who: &Who) -> Option<String> {
    let conversation = f.widget.conversation.to_string();
    if path == "/api/v1/widget/config" {
        Some(format!("{path}?workspace=acme"))
    } else if path == "/api/v1/widget/attachments/{id}" {
        Some(path.replace("{id}", &f.widget.file))
    } else if path == "/api/v1/widget/conversations/{id}/rating" {
        Some(path.replace("{id}", &f.widget.solved_conversation.to_string()))
    } else if path.starts_with("/api/v1/widget/") || path.starts_with("/api/v1/tickets/{id}/chat") {
        Some(path.replace("{id}", &conversation))
    } else if path.starts_with("/api/v1/chat/") {
        Some(path.to_owned())
    } else {
        None
    }
}

/// A valid body for a widget write, `None` for other routes.
fn widget_body(f: &Fixture, method: &Method, path: &str, n: usize) -> Option<Body> {
    let json = match (method.as_str(), path) {
        ("POST", "/api/v1/widget/session") => json!({"workspace": "acme"}),
        ("PATCH", "/api/v1/widget/visitor") => json!({"name": format!("Visitor {n}")}),
        ("POST", "/api/v1/widget/conversations") => json!({"body": format!("matrix {n}")}),
        ("POST", "/api/v1/widget/conversations/{id}/messages") => json!({"body": format!("matrix {n}")}),
        ("POST", "/api/v1/widget/conversations/{id}/attachments") => {
            let (ct, bytes) = multipart(&format!("file{n}.txt"), "text/plain", b"hello", None);
            return Some(Body::Multipart(ct, bytes));
        }
        ("POST", "/api/v1/widget/conversations/{id}/typing" | "/api/v1/tickets/{id}/chat/typing") => {
            json!({"typing": true})
        }
        ("POST", "/api/v1/widget/conversations/{id}/read" | "/api/v1/tickets/{id}/chat/read") => {
            json!({"message_id": f.widget.first_message})
        }
        ("POST", "/api/v1/widget/conversations/{id}/handoff") => return Some(Body::None),
        ("PUT", "/api/v1/widget/conversations/{id}/rating") => {
            json!({"score": "good", "comment": format!("matrix {n}")})
        }
        ("POST", "/api/v1/widget/offline-messages") => {
            json!({"email": format!("left{n}@example.test"), "body": "please call back"})
        }
        ("PATCH", "/api/v1/chat/settings") => json!({"color": "#1c7ed6"}),
        ("POST", "/api/v1/chat/settings/identity-secret") => return Some(Body::None),
        ("PUT", "/api/v1/chat/availability") => json!({"available": true}),
        _ => return None,
    };
    Some(Body::Json(json))
}

// == Tutorials: paths and bodies ==

/// A published acme tutorial with the starter graph (step `start`: `yes` → solved,
/// `no` → open a ticket), and the public id of an image uploaded to it.
async fn tutorial_fixture(app: &TestApp) -> (i64, String) {
    let id = matrix_tutorial(app).await;
    let image = autocrm_store::tutorials::add_image(&app.store, &Principal::system(app.ws), id, "pic.png", MATRIX_PNG)
        .await
        .unwrap();
    (id, image.public_id)
}

/// The smallest file the image upload accepts (a PNG signature and a few bytes).
const MATRIX_PNG: &[u8] = b"\x89PNG\r\n\x1a\nmatrix";

async fn matrix_tutorial(app: &TestApp) -> i64 {
    let system = Principal::system(app.ws);
    let input = autocrm_store::tutorials::TutorialInput {
        title: Some([("en".to_owned(), format!("Matrix tutorial {}", fresh()))].into()),
        ..Default::default()
    };
    let t = autocrm_store::tutorials::create(&app.store, &system, input).await.unwrap();
    autocrm_store::tutorials::publish(&app.store, &system, t.id).await.unwrap();
    t.id
}

/// The URL for a tutorial route, `None` for other routes.
async fn tutorials_url(app: &TestApp, f: &Fixture, method: &Method, path: &str, _who: &Who) -> Option<String> {
    if path.starts_with("/api/v1/tutorials/{id}") {
        // A fresh tutorial where the call takes it away (delete, unpublish); else the fixture's.
        let id = if *method == Method::DELETE || path.ends_with("/unpublish") {
            matrix_tutorial(app).await
        } else {
            f.tutorial.0
        };
        return Some(path.replace("{id}", &id.to_string()));
    }
    if !path.starts_with("/api/v1/help/tutorial") {
        return None;
    }
    let url = if path.contains("{run_id}") && *method != Method::OPTIONS {
        // A fresh run per request: a choice finishes it and a ticket uses it up.
        let system = Principal::system(app.ws);
        let start = autocrm_store::tutorials::runs::NewRun {
            channel: autocrm_domain::tutorials::RunChannel::HelpCenter,
            locale: None,
            visitor_id: None,
        };
        let run = autocrm_store::tutorials::runs::start(&app.store, app.ws, &system, f.tutorial.0, start)
            .await
            .unwrap()
            .run
            .public_id;
        if path.ends_with("/ticket") {
            autocrm_store::tutorials::runs::choose(&app.store, app.ws, &system, &run, "start", "no").await.unwrap();
            // Every anonymous matrix caller shares 127.0.0.1: the matrix is not about the
            // per-client limit (tutorials.rs tests it), so earlier tickets stop counting.
            sea_orm::ConnectionTrait::execute_unprepared(
                app.store.connection(),
                "UPDATE tutorial_runs SET requester_key = NULL",
            )
            .await
            .unwrap();
        }
        path.replace("{run_id}", &run)
    } else {
        path.replace("{run_id}", "run_preflight")
            .replace("{tutorial_id}", &f.tutorial.0.to_string())
            .replace("{image_id}", &f.tutorial.1)
    };
    Some(format!("{url}?workspace=acme"))
}

/// A valid body for a tutorial write, `None` for other routes.
fn tutorials_body(_f: &Fixture, method: &Method, path: &str, n: usize) -> Option<Body> {
    let json = match (method.as_str(), path) {
        ("OPTIONS", p) if p.starts_with("/api/v1/help/tutorial") => return Some(Body::None),
        ("POST", "/api/v1/tutorials/{id}/publish" | "/api/v1/tutorials/{id}/unpublish") => return Some(Body::None),
        ("POST", "/api/v1/tutorials/{id}/images") => {
            let (ct, bytes) = multipart(&format!("step{n}.png"), "image/png", MATRIX_PNG, None);
            return Some(Body::Multipart(ct, bytes));
        }
        ("POST", "/api/v1/tutorials") => json!({"title": {"en": format!("Tutorial {n}")}}),
        ("PATCH", "/api/v1/tutorials/{id}") => json!({"description": {"en": format!("Changed {n}")}}),
        ("POST", "/api/v1/tutorials/{id}/validate") => json!({"start": "nowhere"}),
        ("POST", "/api/v1/help/tutorials/{tutorial_id}/runs") => json!({"channel": "widget"}),
        ("POST", "/api/v1/help/tutorial-runs/{run_id}/choices") => json!({"step": "start", "choice": "yes"}),
        ("POST", "/api/v1/help/tutorial-runs/{run_id}/ticket") => {
            json!({"name": "Matrix Visitor", "email": format!("tutorial{n}@example.test"), "details": "help"})
        }
        _ => return None,
    };
    Some(Body::Json(json))
}

#[tokio::test]
async fn every_route_answers_each_principal_as_its_policy_says() {
    let app = spawn_app().await;
    let doc: Value = serde_json::to_value(autocrm_server::api_doc()).unwrap();
    let admin = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let bob = app.login("acme", "bob@customer.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let foreign = app.login("other", "admin@other.test").await;
    let f = fixture(&app, &admin, &carla).await;

    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let policy = policy_for(&m, path);
            assert!(policy.is_some(), "route {m} {path} has no declared policy");
            operations.push((m, path.clone(), policy.unwrap()));
        }
    }
    assert!(operations.len() >= POLICIES.len() - 1, "the document lists {} operations", operations.len());

    let mut requests = 0;
    for (method, path, policy) in &operations {
        let scope = match policy {
            Policy::AnyUser(s) | Policy::Staff(s) => Some(s.as_str()),
            Policy::Admin => Some("admin"),
            _ => None,
        };
        let good_key = app.api_key(app.ws, scope.unwrap_or("tickets:read")).await;
        let other_scope = if scope == Some("contacts:read") { "tickets:write" } else { "contacts:read" };
        let bad_key = app.api_key(app.ws, other_scope).await;
        let whos = [
            Who::Anonymous,
            Who::Customer(carla.clone(), true),
            Who::Customer(bob.clone(), false),
            Who::Agent(agent.clone()),
            Who::Admin(admin.clone()),
            Who::Key(good_key, true),
            Who::Key(bad_key, false),
            Who::ForeignAdmin(foreign.clone()),
        ];
        for who in whos {
            let url = url_for(&app, &f, method, path, &who).await;
            let mut req = app.http.request(method.clone(), app.url(&url));
            req = match body_for(&f, method, path, requests) {
                Body::None => req,
                Body::Json(v) => req.json(&v),
                Body::Multipart(ct, bytes) => req.header("content-type", ct).body(bytes),
                Body::Raw(ct, bytes) => req.header("content-type", ct).body(bytes),
            };
            req = match &who {
                // The inbound endpoint's credential is the mailbox's token, whoever holds it.
                _ if path == "/api/v1/channels/email/inbound" => req.bearer_auth(&f.mailbox_token),
                // An API channel's messages carry the channel's token; Twilio's webhooks its signature
                // (for the URL under the server's public URL), next to whatever else the caller sends.
                _ if path == "/api/v1/channels/api/{public_id}/messages" => req.bearer_auth(&f.api_channel.1),
                _ if path.starts_with("/api/v1/channels/sms/{public_id}/") => {
                    let public = format!("{}{url}", autocrm_testkit::test_config().public_url);
                    let form = twilio_form(path, requests);
                    let signature = autocrm_channels::sms::twilio::signature(MATRIX_TWILIO_TOKEN, &public, &form);
                    let req = req.header("x-twilio-signature", signature);
                    match &who {
                        Who::Key(k, _) => req.key(k),
                        Who::Customer(s, _) | Who::Agent(s) | Who::Admin(s) | Who::ForeignAdmin(s) => req.session(s),
                        Who::Anonymous => req,
                    }
                }
                // Widget requests come from an allowed site; on visitor routes customer Carla
                // stands for visitor A, Bob for visitor B and the foreign admin for a visitor
                // of the other workspace (everyone else sends their session or key, refused).
                _ if path.starts_with("/api/v1/widget/") || path.starts_with("/api/v1/tickets/{id}/chat") => {
                    let mut req = req.header("origin", WIDGET_ORIGIN);
                    if path.ends_with("/stream") {
                        req = req.timeout(std::time::Duration::from_millis(500));
                    }
                    match (&who, policy) {
                        (Who::Customer(_, true), Policy::Visitor) => req.bearer_auth(&f.widget.a_token),
                        (Who::Customer(_, false), Policy::Visitor) => req.bearer_auth(&f.widget.b_token),
                        (Who::ForeignAdmin(_), Policy::Visitor) => req.bearer_auth(&f.widget.foreign_token),
                        (Who::Key(k, _), _) => req.key(k),
                        (Who::Customer(s, _) | Who::Agent(s) | Who::Admin(s) | Who::ForeignAdmin(s), _) => {
                            req.session(s)
                        }
                        (Who::Anonymous, _) => req,
                    }
                }
                Who::Anonymous => req,
                Who::Key(k, _) => req.key(k),
                Who::Customer(s, _) | Who::Agent(s) | Who::Admin(s) | Who::ForeignAdmin(s) => {
                    if path == "/api/v1/session" && *method == Method::DELETE {
                        // Signing out ends the session: use a throw-away one of the same user.
                        let (ws, email) = who.account().unwrap();
                        req.session(&app.login(ws, email).await)
                    } else {
                        req.session(s)
                    }
                }
            };
            if path == "/api/v1/events" {
                req = req.timeout(std::time::Duration::from_millis(500));
            }
            let (status, detail) = match req.send().await {
                Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
                Err(e) if e.is_timeout() => (200, String::new()), // a stream that opened
                Err(e) => panic!("{method} {url}: {e}"),
            };
            requests += 1;
            let expect_allowed = match (&who, policy) {
                (_, Policy::Public) => true,
                (Who::Anonymous, _) => false,
                // Only visitor tokens reach visitor routes (see the credential arm above).
                (Who::Customer(..) | Who::ForeignAdmin(_), Policy::Visitor) => true,
                (_, Policy::Visitor) => false,
                (Who::Key(_, _), Policy::SessionOnly | Policy::StaffSession) => false,
                (Who::Key(_, ok), _) => *ok,
                (_, Policy::SessionOnly | Policy::AnyUser(_)) => true,
                (Who::Customer(..), _) => false,
                (Who::Agent(_), Policy::Staff(_) | Policy::StaffSession) => true,
                (Who::Agent(_), _) => false,
                (Who::Admin(_) | Who::ForeignAdmin(_), _) => true,
            };
            let label = format!("{method} {url} as {who:?}");
            if !expect_allowed {
                let want = if matches!(who, Who::Anonymous) { 401 } else { 403 };
                assert_eq!(status, want, "{label}: {detail}");
                continue;
            }
            // Allowed: the handler ran. Row-level reach: acme's resources are "not found"
            // for the other customer and the other workspace (ids in a body are invalid input).
            let in_path = path.contains("{id}") || path.contains("{tag}");
            let acme_resource = in_path || path == "/api/v1/tickets/bulk";
            if acme_resource && who.outside_reach() {
                let want: &[u16] = if in_path { &[404] } else { &[422] };
                assert!(want.contains(&status), "{label} reached another's data ({status}): {detail}");
            } else {
                assert!((200..300).contains(&status), "{label} was allowed but answered {status}: {detail}");
            }
        }
    }
    eprintln!("authorization matrix: {requests} requests");
    assert!(
        requests >= MIN_REQUESTS && requests >= 8 * operations.len(),
        "the matrix shrank to {requests} requests over {} operations",
        operations.len()
    );
}

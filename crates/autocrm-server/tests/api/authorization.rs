//! The generated authorisation matrix: every operation of the OpenAPI
//! document × {anonymous, customer A, customer B, agent, admin, key with the
//! scope, key without it, admin of another workspace} → expected outcome
//! derived from the route's declared policy. A route without a policy fails.

use autocrm_server::auth::{POLICIES, Policy, policy_for};
use autocrm_testkit::{Auth as _, Session, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
enum Who {
    Anonymous,
    Customer(Session, bool),
    Agent(Session),
    Admin(Session),
    Key(String, bool),
    ForeignAdmin(Session),
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
    // A ticket of customer A, a contact, a webhook with a delivery-less id, a spare key to revoke.
    let t: Value = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(&carla)
        .json(&json!({"subject": "mine", "message": {"body": "hi"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = t["id"].as_i64().unwrap();
    let contact = t["requester"]["id"].as_i64().unwrap();

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
        if path == "/api/v1/session" && *method == Method::DELETE {
            continue; // signs the caller out; covered by the session tests
        }
        let scope = match policy {
            Policy::AnyUser(s) | Policy::Staff(s) => Some(s.as_str()),
            Policy::Admin => Some("admin"),
            _ => None,
        };
        let good_key = app.api_key(app.ws, scope.unwrap_or("tickets:read")).await;
        let other_scope = if scope == Some("contacts:read") { "tickets:write" } else { "contacts:read" };
        let bad_key = app.api_key(app.ws, other_scope).await;
        let url = path
            .replace("{id}", &if path.starts_with("/api/v1/contacts") { contact } else { ticket }.to_string())
            .replace("{delivery_id}", "1");
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
            let mut req = app.http.request(method.clone(), app.url(&url));
            if *method != Method::GET {
                req = req.json(&json!({}));
            }
            req = match &who {
                Who::Anonymous => req,
                Who::Customer(s, _) | Who::Agent(s) | Who::Admin(s) | Who::ForeignAdmin(s) => req.session(s),
                Who::Key(k, _) => req.key(k),
            };
            if path == "/api/v1/events" {
                req = req.timeout(std::time::Duration::from_millis(500));
            }
            let status = match req.send().await {
                Ok(r) => r.status().as_u16(),
                Err(e) if e.is_timeout() => 200, // a stream that opened
                Err(e) => panic!("{method} {url}: {e}"),
            };
            requests += 1;
            let denied = matches!(status, 401 | 403);
            let expect_allowed = match (&who, policy) {
                (_, Policy::Public) => true,
                (Who::Anonymous, _) => false,
                (Who::Key(_, _), Policy::SessionOnly) => false,
                (Who::Key(_, ok), _) => *ok,
                (_, Policy::SessionOnly | Policy::AnyUser(_)) => true,
                (Who::Customer(..), _) => false,
                (Who::Agent(_), Policy::Staff(_)) => true,
                (Who::Agent(_), _) => false,
                (Who::Admin(_) | Who::ForeignAdmin(_), _) => true,
            };
            let label = format!("{method} {url} as {who:?}");
            if expect_allowed {
                assert!(!denied, "{label} was denied ({status})");
                assert!(status < 500, "{label} answered {status}");
            } else {
                let want = if matches!(who, Who::Anonymous) { 401 } else { 403 };
                assert_eq!(status, want, "{label}");
            }
            // Row-level reach: the other customer and the other workspace never see A's ticket.
            let ticket_route = path.starts_with("/api/v1/tickets/{id}") || path.starts_with("/api/v1/contacts/{id}");
            if ticket_route && expect_allowed && matches!(who, Who::Customer(_, false) | Who::ForeignAdmin(_)) {
                // 422 only where the (empty) body is refused before any lookup: it reveals nothing.
                assert!(matches!(status, 404 | 422), "{label} reached another's data ({status})");
            }
        }
    }
    eprintln!("authorisation matrix: {} operations, {requests} requests", operations.len());
}

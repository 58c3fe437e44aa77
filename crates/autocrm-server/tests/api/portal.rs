//! The customer portal: sign-up with a verified address, password and
//! magic-link sign-in, password reset, OIDC sign-in against the fake
//! provider (and forged tokens refused), the customer's orders, profile and
//! live updates, satisfaction ratings and the CSAT report — and a customer
//! never reaching another customer's data through any of it.

use std::sync::Arc;
use std::time::Duration;

use autocrm_domain::Principal;
use autocrm_domain::commerce::OrderStatus;
use autocrm_testkit::oidc::{FakeOidc, OidcUser, Tamper};
use autocrm_testkit::{Auth as _, Session, TestApp, TestClock, fresh_store_with_clock, spawn_app, spawn_on};
use chrono::TimeDelta;
use futures::StreamExt as _;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use serde_json::{Value, json};

use crate::attachments::multipart;

const NEW_PASSWORD: &str = "a very good password";

async fn app_with_clock() -> (TestApp, Arc<TestClock>) {
    let clock = Arc::new(TestClock::new());
    let dir = std::env::temp_dir().join(format!("autocrm-portal-{:x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = fresh_store_with_clock(&dir, clock.clone()).await;
    (spawn_on(store, dir).await, clock)
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.http.post(app.url(path)).json(&body).send().await.unwrap()
}

/// The e-mails queued for `to`, oldest first: `(subject, text)`.
async fn mails_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    use autocrm_store::entity::jobs;
    jobs::Entity::find()
        .filter(jobs::Column::Kind.eq("email.send"))
        .order_by_asc(jobs::Column::Id)
        .all(app.store.connection())
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.payload["to"] == to)
        .map(|j| (j.payload["subject"].as_str().unwrap().to_owned(), j.payload["text"].as_str().unwrap().to_owned()))
        .collect()
}

/// The `token=` of the latest e-mail to `to`.
async fn last_token(app: &TestApp, to: &str) -> String {
    let mails = mails_to(app, to).await;
    let (_, text) = mails.last().unwrap_or_else(|| panic!("no e-mail to {to}"));
    let start = text.find("token=").expect("a link with a token") + "token=".len();
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// A session from a 201 sign-in answer.
async fn session_of(res: reqwest::Response) -> Session {
    assert_eq!(res.status(), 201, "sign-in failed");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-autocrm_session="), "the staff session cookie: {cookie}");
    let body: Value = res.json().await.unwrap();
    Session { cookie, csrf: body["csrf_token"].as_str().unwrap().to_owned() }
}

async fn get_json(app: &TestApp, s: &Session, path: &str) -> (u16, Value) {
    let res = app.http.get(app.url(path)).session(s).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn ticket_for(app: &TestApp, s: &Session, subject: &str, requester: Option<&str>) -> i64 {
    let mut body = json!({"subject": subject, "message": {"body": "Hello"}});
    if let Some(r) = requester {
        body["requester"] = json!({"email": r});
    }
    let res = app.http.post(app.url("/api/v1/tickets")).session(s).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn set_status(app: &TestApp, admin: &Session, ticket: i64, category: &str) {
    let (_, statuses) = get_json(app, admin, "/api/v1/statuses").await;
    let id = statuses["data"].as_array().unwrap().iter().find(|s| s["category"] == category).unwrap()["id"].clone();
    let res = app
        .http
        .patch(app.url(&format!("/api/v1/tickets/{ticket}")))
        .session(admin)
        .json(&json!({"status_id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn rating_token(app: &TestApp, s: &Session, ticket: i64) -> String {
    let (status, v) = get_json(app, s, &format!("/api/v1/tickets/{ticket}/rating")).await;
    assert_eq!(status, 200);
    v["token"].as_str().unwrap().to_owned()
}

async fn rate(app: &TestApp, token: &str, score: &str, comment: Option<&str>) -> reqwest::Response {
    app.http
        .put(app.url(&format!("/api/v1/portal/ratings/{token}")))
        .json(&json!({"score": score, "comment": comment}))
        .send()
        .await
        .unwrap()
}

// ------------------------------------------------------------------ accounts

#[tokio::test]
async fn signing_up_emails_a_link_that_creates_the_account_and_signs_in() {
    // Arrange
    let app = spawn_app().await;
    let body = json!({"name": "Nina New", "email": "Nina@Customer.test", "password": NEW_PASSWORD, "locale": "de"});
    // Act
    let res = post(&app, "/api/v1/portal/sign-up", body).await;
    let status = res.status();
    let answer: Value = res.json().await.unwrap();
    let before = autocrm_store::users::by_email(&app.store, app.ws, "nina@customer.test").await.unwrap();
    let token = last_token(&app, "nina@customer.test").await;
    let signed_in = session_of(post(&app, "/api/v1/portal/sign-up/verify", json!({"token": token})).await).await;
    let again = post(&app, "/api/v1/portal/sign-up/verify", json!({"token": token})).await;
    let (_, me) = get_json(&app, &signed_in, "/api/v1/portal/me").await;
    let password =
        post(&app, "/api/v1/portal/session", json!({"email": "nina@customer.test", "password": NEW_PASSWORD})).await;
    // Assert
    assert_eq!(status, 202);
    assert_eq!(answer["status"], "check_email");
    assert!(before.is_none(), "nothing is created before the address is proven");
    let mails = mails_to(&app, "nina@customer.test").await;
    assert!(mails[0].0.contains("Bestätigen"), "German on request: {}", mails[0].0);
    assert!(mails[0].1.contains("/portal/verify?workspace=acme&token="), "{}", mails[0].1);
    assert_eq!(again.status(), 404, "the link works once");
    assert_eq!(me["role"], "customer");
    assert_eq!(me["name"], "Nina New");
    assert!(me["contact_id"].is_i64(), "linked to a contact");
    assert_eq!(me["email_notifications"], true);
    assert_eq!(password.status(), 201, "the password from the sign-up works");
}

#[tokio::test]
async fn an_account_sees_an_existing_contacts_tickets_only_after_verifying_the_address() {
    // Arrange: Eve wrote to support before she had an account.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let earlier = ticket_for(&app, &admin, "My earlier question", Some("eve@customer.test")).await;
    // Act: someone signs up with Eve's address.
    let body = json!({"name": "Eve", "email": "eve@customer.test", "password": NEW_PASSWORD});
    assert_eq!(post(&app, "/api/v1/portal/sign-up", body).await.status(), 202);
    let before =
        post(&app, "/api/v1/portal/session", json!({"email": "eve@customer.test", "password": NEW_PASSWORD})).await;
    let token = last_token(&app, "eve@customer.test").await;
    let eve = session_of(post(&app, "/api/v1/portal/sign-up/verify", json!({"token": token})).await).await;
    let (_, tickets) = get_json(&app, &eve, "/api/v1/tickets").await;
    // Assert
    assert_eq!(before.status(), 401, "no account (so no tickets) before the link is used");
    let ids: Vec<i64> = tickets["data"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![earlier], "after verifying, the contact's tickets are hers");
}

#[tokio::test]
async fn signing_up_with_a_registered_address_changes_nothing_and_tells_its_owner() {
    // Arrange
    let app = spawn_app().await;
    let body = json!({"name": "Mallory", "email": "carla@customer.test", "password": NEW_PASSWORD});
    let fresh = json!({"name": "Fred", "email": "fred@customer.test", "password": NEW_PASSWORD});
    // Act
    let known = post(&app, "/api/v1/portal/sign-up", body).await;
    let unknown = post(&app, "/api/v1/portal/sign-up", fresh).await;
    let staff = post(
        &app,
        "/api/v1/portal/sign-up",
        json!({"name": "x", "email": "admin@acme.test", "password": NEW_PASSWORD}),
    )
    .await;
    let new_password =
        post(&app, "/api/v1/portal/session", json!({"email": "carla@customer.test", "password": NEW_PASSWORD})).await;
    let old_password = post(
        &app,
        "/api/v1/portal/session",
        json!({"email": "carla@customer.test", "password": autocrm_testkit::PASSWORD}),
    )
    .await;
    // Assert: the same answer either way; the owner hears about it; nothing changed.
    let (a, b, c) = (known.status(), unknown.status(), staff.status());
    assert_eq!((a.as_u16(), b.as_u16(), c.as_u16()), (202, 202, 202));
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    let mails = mails_to(&app, "carla@customer.test").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].0.contains("already have"), "{}", mails[0].0);
    assert!(!mails[0].1.contains("token="), "no link that could change the account");
    assert!(mails_to(&app, "admin@acme.test").await.is_empty(), "staff get no portal e-mail");
    assert_eq!(new_password.status(), 401);
    assert_eq!(old_password.status(), 201);
}

#[tokio::test]
async fn portal_password_sign_in_gives_the_session_cookie_to_customers_only() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let carla = session_of(
        post(
            &app,
            "/api/v1/portal/session",
            json!({"workspace": "acme", "email": "Carla@customer.test", "password": autocrm_testkit::PASSWORD}),
        )
        .await,
    )
    .await;
    let (status, _) = get_json(&app, &carla, "/api/v1/tickets").await;
    let staff = post(
        &app,
        "/api/v1/portal/session",
        json!({"email": "admin@acme.test", "password": autocrm_testkit::PASSWORD}),
    )
    .await;
    let wrong = post(&app, "/api/v1/portal/session", json!({"email": "carla@customer.test", "password": "nope"})).await;
    let other = post(
        &app,
        "/api/v1/portal/session",
        json!({"workspace": "nope", "email": "carla@customer.test", "password": autocrm_testkit::PASSWORD}),
    )
    .await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!(staff.status(), 401, "staff sign in to the agent app");
    assert_eq!(wrong.status(), 401);
    assert_eq!(other.status(), 404, "an unknown workspace is not another workspace");
}

#[tokio::test]
async fn a_magic_link_signs_in_once_and_stops_working_after_twenty_minutes() {
    // Arrange
    let (app, clock) = app_with_clock().await;
    let ask = || post(&app, "/api/v1/portal/magic-link", json!({"email": "carla@customer.test"}));
    // Act + Assert
    assert_eq!(ask().await.status(), 202);
    let first = last_token(&app, "carla@customer.test").await;
    let carla = session_of(post(&app, "/api/v1/portal/magic-link/sign-in", json!({"token": first})).await).await;
    let (_, me) = get_json(&app, &carla, "/api/v1/portal/me").await;
    assert_eq!(me["email"], "carla@customer.test");
    let reuse = post(&app, "/api/v1/portal/magic-link/sign-in", json!({"token": first})).await;
    assert_eq!(reuse.status(), 404);
    assert_eq!(reuse.json::<Value>().await.unwrap()["code"], "link_invalid");
    assert_eq!(ask().await.status(), 202);
    let late = last_token(&app, "carla@customer.test").await;
    clock.advance(TimeDelta::minutes(20));
    assert_eq!(post(&app, "/api/v1/portal/magic-link/sign-in", json!({"token": late})).await.status(), 404);
    let stored = autocrm_store::entity::portal_tokens::Entity::find().all(app.store.connection()).await.unwrap();
    assert!(stored.iter().all(|t| t.token_hash != late && t.token_hash.len() == 64), "only hashes are stored");
}

#[tokio::test]
async fn a_magic_link_for_a_new_address_creates_a_verified_account_and_staff_get_none() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let new = post(&app, "/api/v1/portal/magic-link", json!({"email": "mia@customer.test"})).await;
    let staff = post(&app, "/api/v1/portal/magic-link", json!({"email": "anna@acme.test"})).await;
    let token = last_token(&app, "mia@customer.test").await;
    let mia = session_of(post(&app, "/api/v1/portal/magic-link/sign-in", json!({"token": token})).await).await;
    let (_, me) = get_json(&app, &mia, "/api/v1/portal/me").await;
    // Assert
    assert_eq!(new.status(), 202);
    assert_eq!(staff.status(), 202, "the same answer for a staff address");
    assert!(mails_to(&app, "anna@acme.test").await.is_empty(), "no portal sign-in for staff");
    assert_eq!(me["role"], "customer");
    assert_eq!(me["has_password"], false);
    assert!(me["contact_id"].is_i64());
}

#[tokio::test]
async fn link_requests_are_quiet_after_five_per_address_and_refused_after_twenty_per_ip() {
    // Arrange
    let app = spawn_app().await;
    // Act
    for _ in 0..7 {
        assert_eq!(
            post(&app, "/api/v1/portal/magic-link", json!({"email": "carla@customer.test"})).await.status(),
            202
        );
    }
    let mut last = 0;
    for i in 0..14 {
        last = post(&app, "/api/v1/portal/magic-link", json!({"email": format!("n{i}@customer.test")}))
            .await
            .status()
            .as_u16();
    }
    let resets = post(&app, "/api/v1/portal/password-reset", json!({"email": "bob@customer.test"})).await;
    // Assert
    assert_eq!(mails_to(&app, "carla@customer.test").await.len(), 5, "at most five e-mails an hour to one address");
    assert_eq!(last, 429, "the 21st request from one IP is refused");
    assert_eq!(resets.status(), 202, "limits are per kind of request");
}

#[tokio::test]
async fn a_password_reset_link_sets_a_new_password_once_and_ends_other_sessions() {
    // Arrange
    let (app, clock) = app_with_clock().await;
    let old_session = app.login("acme", "carla@customer.test").await;
    // Act
    let unknown = post(&app, "/api/v1/portal/password-reset", json!({"email": "ghost@customer.test"})).await;
    assert_eq!(
        post(&app, "/api/v1/portal/password-reset", json!({"email": "carla@customer.test"})).await.status(),
        202
    );
    let token = last_token(&app, "carla@customer.test").await;
    let short =
        post(&app, "/api/v1/portal/password-reset/complete", json!({"token": token, "password": "short"})).await;
    let done =
        post(&app, "/api/v1/portal/password-reset/complete", json!({"token": token, "password": NEW_PASSWORD})).await;
    let new_session = session_of(done).await;
    let reuse = post(
        &app,
        "/api/v1/portal/password-reset/complete",
        json!({"token": token, "password": "yet another password"}),
    )
    .await;
    let (old_status, _) = get_json(&app, &old_session, "/api/v1/tickets").await;
    let (new_status, _) = get_json(&app, &new_session, "/api/v1/tickets").await;
    let sign_in =
        |pw: &str| post(&app, "/api/v1/portal/session", json!({"email": "carla@customer.test", "password": pw}));
    let old_pw = sign_in(autocrm_testkit::PASSWORD).await.status();
    let new_pw = sign_in(NEW_PASSWORD).await.status();
    assert_eq!(
        post(&app, "/api/v1/portal/password-reset", json!({"email": "carla@customer.test"})).await.status(),
        202
    );
    let late = last_token(&app, "carla@customer.test").await;
    clock.advance(TimeDelta::hours(1));
    let expired =
        post(&app, "/api/v1/portal/password-reset/complete", json!({"token": late, "password": NEW_PASSWORD})).await;
    // Assert
    assert_eq!(unknown.status(), 202, "the same answer for an unknown address");
    assert!(mails_to(&app, "ghost@customer.test").await.is_empty());
    assert_eq!(short.status(), 422, "a weak password is refused and the link stays usable");
    assert_eq!(reuse.status(), 404);
    assert_eq!(old_status, 401, "the other session ended");
    assert_eq!(new_status, 200);
    assert_eq!((old_pw.as_u16(), new_pw.as_u16()), (401, 201));
    assert_eq!(expired.status(), 404, "a reset link works for an hour");
}

// ------------------------------------------------------------------ OIDC

async fn add_provider(app: &TestApp, admin: &Session, fake: &FakeOidc) -> Value {
    let res = app
        .http
        .post(app.url("/api/v1/portal/oidc-providers"))
        .session(admin)
        .json(&json!({"slug": "fake", "name": "Sign in with Fake", "issuer": fake.issuer,
            "client_id": fake.client_id, "client_secret": fake.client_secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// Starts a login: `(authorize_url, state, binding)`.
async fn start(app: &TestApp) -> (String, String, String) {
    let res = post(app, "/api/v1/portal/oidc/fake/start", json!({})).await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_owned();
    (s("authorize_url"), s("state"), s("binding"))
}

async fn finish(app: &TestApp, state: &str, code: &str, binding: &str) -> reqwest::Response {
    post(app, "/api/v1/portal/oidc/callback", json!({"state": state, "code": code, "binding": binding})).await
}

async fn oidc_app() -> (TestApp, FakeOidc, Session) {
    let app = spawn_app().await;
    let fake = FakeOidc::start().await;
    let admin = app.login("acme", "admin@acme.test").await;
    add_provider(&app, &admin, &fake).await;
    (app, fake, admin)
}

#[tokio::test]
async fn an_oidc_sign_in_creates_a_customer_from_a_verified_email_and_links_the_identity() {
    // Arrange
    let (app, fake, admin) = oidc_app().await;
    // Act
    let (_, config) = get_json(&app, &admin, "/api/v1/portal/config").await;
    let (url, state, binding) = start(&app).await;
    let (code, returned_state) = fake.approve(&url).await;
    let olivia = session_of(finish(&app, &returned_state, &code, &binding).await).await;
    let (_, me) = get_json(&app, &olivia, "/api/v1/portal/me").await;
    let (url, _, binding) = start(&app).await;
    let (code, state2) = fake.approve(&url).await;
    let again = session_of(finish(&app, &state2, &code, &binding).await).await;
    let (_, me_again) = get_json(&app, &again, "/api/v1/portal/me").await;
    // Assert
    assert_eq!(config["oidc_providers"], json!([{"slug": "fake", "name": "Sign in with Fake"}]));
    assert_eq!(returned_state, state);
    let q = url::Url::parse(&url).unwrap();
    let param = |k: &str| q.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert!(param("nonce").is_some() && param("code_challenge").is_some());
    assert!(param("redirect_uri").unwrap().ends_with("/portal/oidc/callback"));
    assert_eq!(me["email"], "oidc.user@customer.test");
    assert_eq!(me["name"], "Olivia Oidc");
    assert_eq!(me["role"], "customer");
    assert_eq!(me["identities"][0]["provider"], "fake");
    assert_eq!(me_again["user_id"], me["user_id"], "the identity signs in the same user");
}

#[tokio::test]
async fn an_oidc_sign_in_links_the_existing_customer_with_that_verified_email() {
    // Arrange
    let (app, fake, _) = oidc_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let mine = ticket_for(&app, &carla, "Carla's question", None).await;
    fake.set_user(OidcUser {
        subject: "carla-at-fake".into(),
        email: "carla@customer.test".into(),
        ..OidcUser::default()
    });
    // Act
    let (url, _, binding) = start(&app).await;
    let (code, state) = fake.approve(&url).await;
    let s = session_of(finish(&app, &state, &code, &binding).await).await;
    let (_, tickets) = get_json(&app, &s, "/api/v1/tickets").await;
    // Assert
    assert_eq!(tickets["data"][0]["id"], mine);
}

#[tokio::test]
async fn an_oidc_callback_with_a_reused_state_or_another_browsers_binding_is_refused() {
    // Arrange
    let (app, fake, _) = oidc_app().await;
    let (url, _, binding) = start(&app).await;
    let (code, state) = fake.approve(&url).await;
    // Act
    let wrong_binding = finish(&app, &state, &code, "not-the-binding").await;
    let after_wrong = finish(&app, &state, &code, &binding).await;
    let (url, _, binding) = start(&app).await;
    let (code, state) = fake.approve(&url).await;
    let ok = finish(&app, &state, &code, &binding).await;
    let replay = finish(&app, &state, &code, &binding).await;
    // Assert
    assert_eq!(wrong_binding.status(), 404);
    assert_eq!(wrong_binding.json::<Value>().await.unwrap()["code"], "oidc_state_invalid");
    assert_eq!(after_wrong.status(), 404, "a state is spent by a wrong try");
    assert_eq!(ok.status(), 201);
    assert_eq!(replay.status(), 404, "a state works once");
}

#[tokio::test]
async fn a_code_injected_into_another_login_fails_the_pkce_check() {
    // Arrange: an attacker's code (login A) is replayed into the victim's login B.
    let (app, fake, _) = oidc_app().await;
    let (url_a, _, _) = start(&app).await;
    let (code_a, _) = fake.approve(&url_a).await;
    let (_, state_b, binding_b) = start(&app).await;
    // Act
    let res = finish(&app, &state_b, &code_a, &binding_b).await;
    // Assert
    assert_eq!(res.status(), 502);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "oidc_provider_error");
    assert!(fake.refusals().iter().any(|r| r.contains("PKCE")), "{:?}", fake.refusals());
}

#[tokio::test]
async fn forged_or_mismatched_id_tokens_are_refused_and_sign_nobody_in() {
    // Arrange
    let (app, fake, _) = oidc_app().await;
    for tamper in [
        Tamper::ForeignKey,
        Tamper::AlteredPayload,
        Tamper::AlgNone,
        Tamper::WrongNonce,
        Tamper::WrongIssuer,
        Tamper::WrongAudience,
        Tamper::Expired,
    ] {
        fake.set_tamper(tamper);
        // Act
        let (url, _, binding) = start(&app).await;
        let (code, state) = fake.approve(&url).await;
        let res = finish(&app, &state, &code, &binding).await;
        // Assert
        assert_eq!(res.status(), 401, "{tamper:?}");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "oidc_token_invalid", "{tamper:?}");
    }
    let user = autocrm_store::users::by_email(&app.store, app.ws, "oidc.user@customer.test").await.unwrap();
    assert!(user.is_none(), "no account was created");
}

#[tokio::test]
async fn an_unverified_provider_email_or_a_staff_address_is_refused_but_userinfo_can_supply_the_email() {
    // Arrange
    let (app, fake, _) = oidc_app().await;
    let attempt = || async {
        let (url, _, binding) = start(&app).await;
        let (code, state) = fake.approve(&url).await;
        finish(&app, &state, &code, &binding).await
    };
    // Act
    fake.set_user(OidcUser { email_verified: false, ..OidcUser::default() });
    let unverified = attempt().await;
    fake.set_user(OidcUser { subject: "staff".into(), email: "anna@acme.test".into(), ..OidcUser::default() });
    let staff = attempt().await;
    fake.set_user(OidcUser {
        subject: "u2".into(),
        email: "ursula@customer.test".into(),
        email_only_in_userinfo: true,
        ..OidcUser::default()
    });
    let via_userinfo = attempt().await;
    // Assert
    assert_eq!(unverified.status(), 409);
    assert_eq!(unverified.json::<Value>().await.unwrap()["code"], "oidc_email_unverified");
    assert_eq!(staff.status(), 409);
    assert_eq!(via_userinfo.status(), 201);
}

#[tokio::test]
async fn admins_manage_providers_whose_client_secret_is_write_only() {
    // Arrange
    let (app, fake, admin) = oidc_app().await;
    // Act
    let (_, list) = get_json(&app, &admin, "/api/v1/portal/oidc-providers").await;
    let id = list["data"][0]["id"].as_i64().unwrap();
    let dup = app
        .http
        .post(app.url("/api/v1/portal/oidc-providers"))
        .session(&admin)
        .json(&json!({"slug": "fake", "name": "x", "issuer": fake.issuer, "client_id": "c"}))
        .send()
        .await
        .unwrap();
    let bad_issuer = app
        .http
        .post(app.url("/api/v1/portal/oidc-providers"))
        .session(&admin)
        .json(&json!({"slug": "other", "name": "x", "issuer": "http://127.0.0.1:9", "client_id": "c"}))
        .send()
        .await
        .unwrap();
    let patched = app
        .http
        .patch(app.url(&format!("/api/v1/portal/oidc-providers/{id}")))
        .session(&admin)
        .json(&json!({"enabled": false, "client_secret": null}))
        .send()
        .await
        .unwrap();
    let patched: Value = patched.json().await.unwrap();
    let (_, config) = get_json(&app, &admin, "/api/v1/portal/config").await;
    let start = post(&app, "/api/v1/portal/oidc/fake/start", json!({})).await;
    // Assert
    assert!(list["data"][0].get("client_secret").is_none());
    assert_eq!(list["data"][0]["has_client_secret"], true);
    assert_eq!(list["data"][0]["token_endpoint"], format!("{}/token", fake.issuer));
    assert_eq!(dup.status(), 409);
    assert_eq!(dup.json::<Value>().await.unwrap()["code"], "oidc_provider_slug_taken");
    assert_eq!(bad_issuer.status(), 422);
    assert_eq!(patched["has_client_secret"], false);
    assert_eq!(config["oidc_providers"], json!([]));
    assert_eq!(start.status(), 404, "a disabled provider cannot be used");
}

// ------------------------------------------------------------------ tickets, orders, profile

#[tokio::test]
async fn a_customer_opens_a_ticket_with_customer_visible_fields_and_an_attachment_and_replies() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    for (key, visible) in [("order_number", true), ("internal_score", false)] {
        let res = app
            .http
            .post(app.url("/api/v1/custom-fields"))
            .session(&admin)
            .json(&json!({"entity": "ticket", "key": key, "label": key, "type": "text", "customer_visible": visible}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let carla = app.login("acme", "carla@customer.test").await;
    // Act
    let (_, fields) = get_json(&app, &carla, "/api/v1/custom-fields?entity=ticket").await;
    let hidden = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(&carla)
        .json(&json!({"subject": "x", "message": {"body": "x"}, "custom_fields": {"internal_score": "9"}}))
        .send()
        .await
        .unwrap();
    let res = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(&carla)
        .json(&json!({"subject": "Broken lamp", "message": {"body": "It flickers"}, "custom_fields": {"order_number": "W1"}}))
        .send()
        .await
        .unwrap();
    let t: Value = res.json().await.unwrap();
    let id = t["id"].as_i64().unwrap();
    let (ct, body) = multipart("photo.txt", "text/plain", b"flicker", None);
    let up = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/attachments")))
        .session(&carla)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let file: Value = up.json().await.unwrap();
    let reply = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&carla)
        .json(&json!({"body": "Here is a photo", "attachment_ids": [file["id"]]}))
        .send()
        .await
        .unwrap();
    // Assert
    let keys: Vec<&str> = fields.as_array().map_or_else(
        || fields["data"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect(),
        |a| a.iter().map(|f| f["key"].as_str().unwrap()).collect(),
    );
    assert_eq!(keys, vec!["order_number"], "customers see only customer-visible fields");
    assert_eq!(hidden.status(), 422);
    assert_eq!(t["custom_fields"]["order_number"], "W1");
    assert_eq!(reply.status(), 201);
    assert!(t["rating"].is_null());
}

#[tokio::test]
async fn a_customer_sees_only_their_own_orders() {
    // Arrange
    let app = spawn_app().await;
    let shop = autocrm_store::commerce::ShopData {
        customers: vec![
            crate::commerce::customer("carla", "carla@customer.test", 0),
            crate::commerce::customer("bob", "bob@customer.test", 0),
        ],
        products: vec![crate::commerce::product()],
        orders: vec![
            crate::commerce::order("C1", "carla", OrderStatus::Delivered, 3),
            crate::commerce::order("C2", "carla", OrderStatus::Pending, 1),
            crate::commerce::order("B1", "bob", OrderStatus::Pending, 2),
        ],
        ..Default::default()
    };
    autocrm_store::commerce::seed(&app.store, &Principal::system(app.ws), &shop).await.unwrap();
    let carla = app.login("acme", "carla@customer.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    // Act
    let (_, mine) = get_json(&app, &carla, "/api/v1/portal/orders").await;
    let (own, order) = get_json(&app, &carla, "/api/v1/portal/orders/C1").await;
    let (bobs, _) = get_json(&app, &carla, "/api/v1/portal/orders/B1").await;
    let (_, staff_list) = get_json(&app, &agent, "/api/v1/portal/orders").await;
    let (staff_one, _) = get_json(&app, &agent, "/api/v1/portal/orders/B1").await;
    // Assert
    let mut ids: Vec<&str> = mine["data"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec!["C1", "C2"]);
    assert_eq!(own, 200);
    assert_eq!(order["total_cents"], 8_000);
    assert_eq!(bobs, 404, "another customer's order does not exist for Carla");
    assert_eq!(staff_list["data"], json!([]), "staff have no orders of their own");
    assert_eq!(staff_one, 200);
}

#[tokio::test]
async fn a_customer_changes_their_name_and_notification_preferences() {
    // Arrange
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    // Act
    let res = app
        .http
        .patch(app.url("/api/v1/portal/me"))
        .session(&carla)
        .json(&json!({"name": "Carla C.", "email_notifications": false}))
        .send()
        .await
        .unwrap();
    let me: Value = res.json().await.unwrap();
    let staff = app
        .http
        .patch(app.url("/api/v1/portal/me"))
        .session(&agent)
        .json(&json!({"sms_notifications": false}))
        .send()
        .await
        .unwrap();
    let prefs = autocrm_store::channels::email_out::preferences(&app.store, app.ws, me["contact_id"].as_i64().unwrap())
        .await
        .unwrap();
    // Assert
    assert_eq!(me["name"], "Carla C.");
    assert_eq!(me["email_notifications"], false);
    assert_eq!(me["sms_notifications"], false, "text-message notices are opt-in");
    assert!(!prefs.email_notifications, "the same preferences the e-mail channel honours");
    assert_eq!(staff.status(), 422, "staff have no customer notification preferences");
}

/// Reads SSE frames for `wait`; returns the (type, ticket id) of each event.
async fn events_for(res: reqwest::Response, wait: Duration) -> Vec<(String, Option<i64>)> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut stream = res.bytes_stream();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:")) {
                let v: Value = serde_json::from_str(data.trim()).unwrap_or(Value::Null);
                if let Some(t) = v["type"].as_str() {
                    out.push((t.to_owned(), v["ticket_id"].as_i64()));
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn a_customer_sees_replies_to_their_tickets_live_but_no_internal_notes_or_others_tickets() {
    // Arrange
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let bob = app.login("acme", "bob@customer.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let mine = ticket_for(&app, &carla, "Mine", None).await;
    let bobs = ticket_for(&app, &bob, "Bob's", None).await;
    let stream = app.http.get(app.url("/api/v1/events")).session(&carla).send().await.unwrap();
    let foreign_topic =
        app.http.get(app.url(&format!("/api/v1/events?topics=ticket:{bobs}"))).session(&carla).send().await.unwrap();
    // Act
    let say = |t: i64, internal: bool| {
        app.http
            .post(app.url(&format!("/api/v1/tickets/{t}/messages")))
            .session(&agent)
            .json(&json!({"body": "from support", "internal": internal}))
            .send()
    };
    say(mine, true).await.unwrap();
    say(bobs, false).await.unwrap();
    say(mine, false).await.unwrap();
    let seen = events_for(stream, Duration::from_secs(2)).await;
    // Assert
    assert_eq!(foreign_topic.status(), 404);
    let messages: Vec<&(String, Option<i64>)> = seen.iter().filter(|(t, _)| t == "message.created").collect();
    assert_eq!(messages.len(), 1, "only the public reply on her own ticket: {seen:?}");
    assert_eq!(messages[0].1, Some(mine));
    assert!(seen.iter().all(|(_, t)| *t == Some(mine) || t.is_none()), "{seen:?}");
}

// ------------------------------------------------------------------ satisfaction

#[tokio::test]
async fn the_requester_rates_a_solved_ticket_and_may_change_it_for_seven_days() {
    // Arrange
    let (app, clock) = app_with_clock().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let t = ticket_for(&app, &carla, "Lamp", None).await;
    let token = rating_token(&app, &carla, t).await;
    // Act + Assert: not before it is solved.
    let early = rate(&app, &token, "good", None).await;
    assert_eq!(early.status(), 409);
    assert_eq!(early.json::<Value>().await.unwrap()["code"], "ticket_not_solved");
    set_status(&app, &admin, t, "solved").await;
    let first = rate(&app, &token, "bad", Some("  Too slow <b>really</b>  ")).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["comment"], "Too slow <b>really</b>", "plain text, trimmed, shown escaped");
    clock.advance(TimeDelta::days(7) - TimeDelta::seconds(1));
    let changed = rate(&app, &token, "good", Some("Sorted in the end")).await;
    assert_eq!(changed.status(), 200);
    clock.advance(TimeDelta::seconds(1));
    let carla = app.login("acme", "carla@customer.test").await; // the first session idled out
    let (_, info) = get_json(&app, &carla, &format!("/api/v1/tickets/{t}/rating")).await;
    let late = rate(&app, &token, "bad", None).await;
    assert_eq!(late.status(), 409);
    assert_eq!(late.json::<Value>().await.unwrap()["code"], "rating_final");
    assert_eq!(info["rating"]["score"], "good");
    assert_eq!(info["can_rate"], false);
    let stored = autocrm_store::portal::ratings::get(&app.store, app.ws, t).await.unwrap().unwrap();
    assert_eq!(stored.score, "good", "the refused change changed nothing");
    let bad_input = app
        .http
        .put(app.url(&format!("/api/v1/portal/ratings/{token}")))
        .json(&json!({"score": "meh"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_input.status(), 422);
}

#[tokio::test]
async fn the_rating_is_on_the_ticket_for_staff_and_customer_and_in_its_trail() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let t = ticket_for(&app, &carla, "Lamp", None).await;
    set_status(&app, &admin, t, "solved").await;
    let token = rating_token(&app, &carla, t).await;
    // Act
    assert_eq!(rate(&app, &token, "good", Some("Thanks!")).await.status(), 200);
    let (_, staff_view) = get_json(&app, &admin, &format!("/api/v1/tickets/{t}")).await;
    let (_, customer_view) = get_json(&app, &carla, &format!("/api/v1/tickets/{t}")).await;
    let (_, listed) = get_json(&app, &carla, "/api/v1/tickets").await;
    let (_, trail) = get_json(&app, &carla, &format!("/api/v1/tickets/{t}/events")).await;
    let (_, page) = get_json(&app, &admin, &format!("/api/v1/portal/ratings/{token}")).await;
    let (_, staff_rating) = get_json(&app, &admin, &format!("/api/v1/tickets/{t}/rating")).await;
    // Assert
    assert_eq!(staff_view["rating"]["score"], "good");
    assert_eq!(staff_view["rating"]["comment"], "Thanks!");
    assert_eq!(customer_view["rating"]["score"], "good");
    assert_eq!(listed["data"][0]["rating"]["score"], "good");
    let rated: Vec<&Value> = trail["data"].as_array().unwrap().iter().filter(|e| e["type"] == "ticket.rated").collect();
    assert_eq!(rated.len(), 1);
    assert_eq!(rated[0]["actor_name"], "Carla Customer", "the requester rated");
    assert_eq!(page["subject"], "Lamp");
    assert_eq!(page["solved"], true);
    assert!(staff_rating["token"].is_null(), "only the requester gets the token");
}

#[tokio::test]
async fn a_rating_token_rates_only_its_own_ticket_and_only_the_requester_gets_one() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let bob = app.login("acme", "bob@customer.test").await;
    let carlas = ticket_for(&app, &carla, "Carla's", None).await;
    let bobs = ticket_for(&app, &bob, "Bob's", None).await;
    set_status(&app, &admin, carlas, "solved").await;
    set_status(&app, &admin, bobs, "solved").await;
    let token = rating_token(&app, &carla, carlas).await;
    // Act
    let (bob_reads, _) = get_json(&app, &bob, &format!("/api/v1/tickets/{carlas}/rating")).await;
    let other_ws = app.workspace_id("other").await;
    let forged_ticket = token.replacen(&format!("-{carlas}-"), &format!("-{bobs}-"), 1);
    let forged_ws = token.replacen(&format!("{}-", app.ws), &format!("{other_ws}-"), 1);
    let mut flipped = token.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    let results = [
        rate(&app, &forged_ticket, "bad", None).await.status(),
        rate(&app, &forged_ws, "bad", None).await.status(),
        rate(&app, &flipped, "bad", None).await.status(),
        rate(&app, "garbage", "bad", None).await.status(),
    ];
    // Assert
    assert_eq!(bob_reads, 404, "another customer's ticket is not found");
    assert!(results.iter().all(|s| *s == 404), "{results:?}");
    assert!(autocrm_store::portal::ratings::get(&app.store, app.ws, bobs).await.unwrap().is_none());
}

#[tokio::test]
async fn the_csat_report_counts_good_and_bad_per_agent_team_channel_and_period() {
    // Arrange: Anna solved two tickets (good, bad), Ada one (good).
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let anna_id = autocrm_testkit::principal(&app.store, "acme", "anna@acme.test").await.user_id().unwrap();
    let ada_id = autocrm_testkit::principal(&app.store, "acme", "admin@acme.test").await.user_id().unwrap();
    for (assignee, score) in [(anna_id, "good"), (anna_id, "bad"), (ada_id, "good")] {
        let t = ticket_for(&app, &carla, "q", None).await;
        let res = app
            .http
            .patch(app.url(&format!("/api/v1/tickets/{t}")))
            .session(&admin)
            .json(&json!({"assignee_id": assignee}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        set_status(&app, &admin, t, "solved").await;
        let token = rating_token(&app, &carla, t).await;
        assert_eq!(rate(&app, &token, score, Some("c")).await.status(), 200);
    }
    // Act
    let (status, r) = get_json(&app, &admin, "/api/v1/reports/csat?interval=week").await;
    let (customer, _) = get_json(&app, &carla, "/api/v1/reports/csat").await;
    let (bad_interval, _) = get_json(&app, &admin, "/api/v1/reports/csat?interval=year").await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!((r["total"]["good"].as_i64(), r["total"]["bad"].as_i64()), (Some(2), Some(1)));
    let pct = r["total"]["csat"].as_f64().unwrap();
    assert!((pct - 66.666).abs() < 0.01, "{pct}");
    let anna = r["by_agent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"].as_str() == Some(anna_id.to_string().as_str()))
        .unwrap();
    assert_eq!((anna["good"].as_i64(), anna["bad"].as_i64(), anna["csat"].as_f64()), (Some(1), Some(1), Some(50.0)));
    assert_eq!(anna["label"], "Anna Agent");
    assert_eq!(r["by_channel"][0]["key"], "web");
    assert_eq!(r["by_team"][0]["key"], "none");
    let rated_weeks: i64 = r["by_period"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["good"].as_i64().unwrap() + p["bad"].as_i64().unwrap())
        .sum();
    assert_eq!(rated_weeks, 3);
    assert!(r["by_period"][0]["key"].as_str().unwrap().contains("-W"));
    assert_eq!(r["recent_comments"].as_array().unwrap().len(), 3);
    assert_eq!(customer, 403);
    assert_eq!(bad_interval, 422);
}

#[tokio::test]
async fn another_customer_reaches_none_of_carlas_ticket_messages_attachments_rating_or_orders() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let bob = app.login("acme", "bob@customer.test").await;
    let t = ticket_for(&app, &carla, "Private", None).await;
    let (ct, body) = multipart("secret.txt", "text/plain", b"secret", None);
    let up: Value = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{t}/attachments")))
        .session(&carla)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    set_status(&app, &admin, t, "solved").await;
    let shop = autocrm_store::commerce::ShopData {
        customers: vec![crate::commerce::customer("carla", "carla@customer.test", 0)],
        products: vec![crate::commerce::product()],
        orders: vec![crate::commerce::order("C9", "carla", OrderStatus::Pending, 1)],
        ..Default::default()
    };
    autocrm_store::commerce::seed(&app.store, &Principal::system(app.ws), &shop).await.unwrap();
    // Act
    let paths = [
        format!("/api/v1/tickets/{t}"),
        format!("/api/v1/tickets/{t}/messages"),
        format!("/api/v1/tickets/{t}/events"),
        format!("/api/v1/tickets/{t}/attachments"),
        format!("/api/v1/attachments/{}", up["id"].as_str().unwrap()),
        format!("/api/v1/tickets/{t}/rating"),
        "/api/v1/portal/orders/C9".to_owned(),
    ];
    let mut statuses = Vec::new();
    for p in &paths {
        statuses.push(get_json(&app, &bob, p).await.0);
    }
    let (_, orders) = get_json(&app, &bob, "/api/v1/portal/orders").await;
    let (_, list) = get_json(&app, &bob, "/api/v1/tickets").await;
    // Assert
    assert!(statuses.iter().all(|s| *s == 404), "{paths:?} → {statuses:?}");
    assert_eq!(orders["data"], json!([]));
    assert_eq!(list["data"], json!([]));
}

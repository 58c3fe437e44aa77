//! Invitations by e-mail link: an admin invites, the link is shown once, the
//! invitee sets a password and is signed in; links are single-use, expire
//! after 7 days, are replaced when sent anew and die when revoked; bad input
//! changes nothing; each workspace reaches only its own invitations.

use std::sync::Arc;

use autocrm_testkit::{
    Auth as _, Session, TestApp, TestClock, fresh_store_with_clock, spawn_app, spawn_app_with, spawn_on,
};
use chrono::TimeDelta;
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "a brand new password";

/// Invites `email` as an agent; returns the response body.
async fn invite(app: &TestApp, admin: &Session, email: &str) -> Value {
    let res = app
        .http
        .post(app.url("/api/v1/users/invitations"))
        .session(admin)
        .json(&json!({"email": email, "name": "Ivy Invitee", "role": "agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn token_of(invitation: &Value) -> String {
    invitation["accept_path"].as_str().unwrap().strip_prefix("/invite/").unwrap().to_owned()
}

async fn lookup(app: &TestApp, token: &str) -> reqwest::Response {
    app.http.get(app.url(&format!("/api/v1/invitations/{token}"))).send().await.unwrap()
}

async fn accept(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({"password": password}))
        .send()
        .await
        .unwrap()
}

async fn user(app: &TestApp, admin: &Session, email: &str) -> Option<Value> {
    let v: Value =
        app.http.get(app.url("/api/v1/users?limit=100")).session(admin).send().await.unwrap().json().await.unwrap();
    v["data"].as_array().unwrap().iter().find(|u| u["email"] == email).cloned()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> u16 {
    let body = json!({"workspace": "acme", "email": email, "password": password});
    app.http.post(app.url("/api/v1/session")).json(&body).send().await.unwrap().status().as_u16()
}

async fn audit(app: &TestApp, s: &Session, event_type: &str) -> Vec<Value> {
    let res = app.http.get(app.url(&format!("/api/v1/audit-log?type={event_type}"))).session(s).send().await.unwrap();
    res.json::<Value>().await.unwrap()["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_invited_agent_sets_a_password_from_the_link_and_is_signed_in() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    // Act
    let inv = invite(&app, &admin, "Ivy@Acme.test").await;
    let token = token_of(&inv);
    let before = user(&app, &admin, "ivy@acme.test").await.unwrap();
    let seen = lookup(&app, &token).await;
    let cannot_sign_in_yet = sign_in(&app, "ivy@acme.test", NEW_PASSWORD).await;
    let res = accept(&app, &token, NEW_PASSWORD).await;
    // Assert: the admin got the link once, with the invited user.
    assert_eq!(inv["user"]["status"], "invited");
    assert_eq!(inv["user"]["has_password"], false);
    assert_eq!(inv["user"]["active"], false);
    assert!(token.len() >= 40, "a long random token: {token}");
    assert!(inv["accept_url"].as_str().unwrap().ends_with(inv["accept_path"].as_str().unwrap()));
    assert!(inv["accept_url"].as_str().unwrap().starts_with("http"));
    let expires: chrono::DateTime<chrono::Utc> = serde_json::from_value(inv["expires_at"].clone()).unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "7 days: {days} h");
    assert_eq!(before["status"], "invited");
    assert_eq!(before["invitation_expires_at"], inv["expires_at"]);
    // The invitee sees who they will be, without signing in.
    assert_eq!(seen.status(), 200);
    let info: Value = seen.json().await.unwrap();
    assert_eq!(info["email"], "ivy@acme.test");
    assert_eq!(info["name"], "Ivy Invitee");
    assert_eq!(info["role"], "agent");
    assert_eq!(info["workspace"], json!({"slug": "acme", "name": "Acme Shop"}));
    assert_eq!(cannot_sign_in_yet, 401);
    // Accepting signs them in.
    assert_eq!(res.status(), 201);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-autocrm_session=") && cookie.contains("HttpOnly"), "{cookie}");
    let session: Value = res.json().await.unwrap();
    assert_eq!(session["role"], "agent");
    assert_eq!(session["workspace_id"], app.ws);
    let s = Session {
        cookie: cookie.split(';').next().unwrap().to_owned(),
        csrf: session["csrf_token"].as_str().unwrap().into(),
    };
    let me = app.http.get(app.url("/api/v1/session")).session(&s).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let tickets = app.http.get(app.url("/api/v1/tickets")).session(&s).send().await.unwrap();
    assert_eq!(tickets.status(), 200, "they are in the app");
    let after = user(&app, &admin, "ivy@acme.test").await.unwrap();
    assert_eq!((after["status"].as_str(), after["active"].as_bool()), (Some("active"), Some(true)));
    assert_eq!(after["invitation_expires_at"], Value::Null);
    assert_eq!(sign_in(&app, "ivy@acme.test", NEW_PASSWORD).await, 201, "the password works from now on");
    assert_eq!(audit(&app, &admin, "user.invited").await.len(), 1);
    let accepted = audit(&app, &admin, "user.invitation_accepted").await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["actor_name"], "Ivy Invitee", "the invitee acted");
    assert!(
        !accepted.iter().chain(&audit(&app, &admin, "user.invited").await).any(|e| e.to_string().contains(&token)),
        "the token is not logged"
    );
}

#[tokio::test]
async fn an_invitation_link_works_once() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let token = token_of(&invite(&app, &admin, "once@acme.test").await);
    assert_eq!(accept(&app, &token, NEW_PASSWORD).await.status(), 201);
    // Act
    let again = accept(&app, &token, "another long password").await;
    let seen = lookup(&app, &token).await;
    // Assert
    assert_eq!(again.status(), 404);
    assert_eq!(again.headers()["content-type"], "application/problem+json");
    assert_eq!(seen.status(), 404);
    assert_eq!(sign_in(&app, "once@acme.test", NEW_PASSWORD).await, 201, "the first password stands");
    assert_eq!(sign_in(&app, "once@acme.test", "another long password").await, 401);
}

#[tokio::test]
async fn an_invitation_link_expires_after_seven_days() {
    // Arrange: a server whose clock the test moves.
    let clock = Arc::new(TestClock::new());
    let dir = std::env::temp_dir().join(format!("autocrm-invite-{:x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = fresh_store_with_clock(&dir, clock.clone()).await;
    let app = spawn_on(store, dir).await;
    let admin = app.login("acme", "admin@acme.test").await;
    let early = token_of(&invite(&app, &admin, "early@acme.test").await);
    let late = token_of(&invite(&app, &admin, "late@acme.test").await);
    // Act + Assert
    clock.advance(TimeDelta::days(7) - TimeDelta::seconds(1));
    assert_eq!(lookup(&app, &early).await.status(), 200, "still good just before 7 days");
    assert_eq!(accept(&app, &early, NEW_PASSWORD).await.status(), 201);
    clock.advance(TimeDelta::seconds(1));
    assert_eq!(lookup(&app, &late).await.status(), 404);
    assert_eq!(accept(&app, &late, NEW_PASSWORD).await.status(), 404);
    let admin = app.login("acme", "admin@acme.test").await; // the first session timed out meanwhile
    let expired = user(&app, &admin, "late@acme.test").await.unwrap();
    assert_eq!(expired["status"], "invited", "still invited: the admin can send the link anew");
    // Sending it anew gives a fresh 7 days.
    let res = app
        .http
        .post(app.url(&format!("/api/v1/users/{}/invitation", expired["id"])))
        .session(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let fresh = token_of(&res.json().await.unwrap());
    assert_eq!(accept(&app, &fresh, NEW_PASSWORD).await.status(), 201);
}

#[tokio::test]
async fn a_weak_password_is_refused_with_a_problem_and_the_link_stays_usable() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let token = token_of(&invite(&app, &admin, "weak@acme.test").await);
    // Act
    let short = accept(&app, &token, "short").await;
    let no_body =
        app.http.post(app.url(&format!("/api/v1/invitations/{token}/accept"))).json(&json!({})).send().await.unwrap();
    // Assert
    assert_eq!(short.status(), 422);
    assert_eq!(short.headers()["content-type"], "application/problem+json");
    assert_eq!(short.json::<Value>().await.unwrap()["errors"][0]["pointer"], "/password");
    assert_eq!(no_body.status(), 422);
    assert_eq!(user(&app, &admin, "weak@acme.test").await.unwrap()["status"], "invited");
    assert_eq!(lookup(&app, &token).await.status(), 200);
    assert_eq!(accept(&app, &token, NEW_PASSWORD).await.status(), 201);
}

#[tokio::test]
async fn unknown_and_malformed_tokens_are_not_found() {
    // Arrange
    let app = spawn_app().await;
    // Act + Assert
    for token in ["nope", "A".repeat(43).as_str(), "with%20space", &"x".repeat(500)] {
        let res = lookup(&app, token).await;
        assert_eq!(res.status(), 404, "{token}");
        assert_eq!(accept(&app, token, NEW_PASSWORD).await.status(), 404, "{token}");
    }
}

#[tokio::test]
async fn sending_an_invitation_anew_replaces_the_link() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let first = invite(&app, &admin, "again@acme.test").await;
    let id = first["user"]["id"].as_i64().unwrap();
    let anna = user(&app, &admin, "anna@acme.test").await.unwrap();
    // Act
    let res = app.http.post(app.url(&format!("/api/v1/users/{id}/invitation"))).session(&admin).send().await.unwrap();
    let has_password = app
        .http
        .post(app.url(&format!("/api/v1/users/{}/invitation", anna["id"])))
        .session(&admin)
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(res.status(), 201);
    let second: Value = res.json().await.unwrap();
    assert_ne!(token_of(&first), token_of(&second));
    assert_eq!(lookup(&app, &token_of(&first)).await.status(), 404, "the old link stopped working");
    assert_eq!(accept(&app, &token_of(&first), NEW_PASSWORD).await.status(), 404);
    assert_eq!(lookup(&app, &token_of(&second)).await.status(), 200);
    assert_eq!(has_password.status(), 409);
    assert_eq!(has_password.json::<Value>().await.unwrap()["code"], "user_not_invited");
    let sent = audit(&app, &admin, "user.invited").await;
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().any(|e| e["data"]["resent"] == true));
}

#[tokio::test]
async fn revoking_an_invitation_kills_the_link_and_removes_the_invited_user() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let inv = invite(&app, &admin, "gone@acme.test").await;
    let id = inv["user"]["id"].as_i64().unwrap();
    let anna = user(&app, &admin, "anna@acme.test").await.unwrap();
    // Act
    let res = app.http.delete(app.url(&format!("/api/v1/users/{id}/invitation"))).session(&admin).send().await.unwrap();
    let again =
        app.http.delete(app.url(&format!("/api/v1/users/{id}/invitation"))).session(&admin).send().await.unwrap();
    let member = app
        .http
        .delete(app.url(&format!("/api/v1/users/{}/invitation", anna["id"])))
        .session(&admin)
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(res.status(), 204);
    assert_eq!(lookup(&app, &token_of(&inv)).await.status(), 404);
    assert_eq!(accept(&app, &token_of(&inv), NEW_PASSWORD).await.status(), 404);
    assert!(user(&app, &admin, "gone@acme.test").await.is_none());
    assert_eq!(again.status(), 404);
    assert_eq!(member.status(), 409, "a member is not revoked");
    assert_eq!(user(&app, &admin, "anna@acme.test").await.unwrap()["status"], "active");
    assert_eq!(audit(&app, &admin, "user.invitation_revoked").await.len(), 1);
    // The address can be invited again.
    invite(&app, &admin, "gone@acme.test").await;
}

#[tokio::test]
async fn bad_invitations_are_refused_with_problems_and_create_nobody() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let post =
        |s: &Session, body: Value| app.http.post(app.url("/api/v1/users/invitations")).session(s).json(&body).send();
    let count = || async {
        let v: Value = app
            .http
            .get(app.url("/api/v1/users?limit=100"))
            .session(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["data"].as_array().unwrap().len()
    };
    let before = count().await;
    // Act
    let customer = post(&admin, json!({"email": "c@acme.test", "role": "customer"})).await.unwrap();
    let bad_email = post(&admin, json!({"email": "not an address", "role": "agent"})).await.unwrap();
    let taken = post(&admin, json!({"email": "anna@acme.test", "role": "agent"})).await.unwrap();
    let with_password = post(&admin, json!({"email": "p@acme.test", "role": "agent", "password": "x"})).await.unwrap();
    let by_agent = post(&agent, json!({"email": "a@acme.test", "role": "agent"})).await.unwrap();
    // Assert
    for (res, pointer) in [(customer, "/role"), (bad_email, "/email")] {
        assert_eq!(res.status(), 422);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["pointer"], pointer, "{p}");
    }
    assert_eq!(with_password.status(), 422, "an invitee chooses their own password");
    assert_eq!(taken.status(), 409);
    assert_eq!(taken.json::<Value>().await.unwrap()["code"], "user_email_taken");
    assert_eq!(by_agent.status(), 403);
    assert_eq!(count().await, before);
    assert!(audit(&app, &admin, "user.*").await.iter().all(|e| e["type"] != "user.invited"));
}

#[tokio::test]
async fn invitations_stay_inside_their_workspace() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let other = app.login("other", "admin@other.test").await;
    let inv = invite(&app, &admin, "ours@acme.test").await;
    let id = inv["user"]["id"].as_i64().unwrap();
    // Act
    let resend =
        app.http.post(app.url(&format!("/api/v1/users/{id}/invitation"))).session(&other).send().await.unwrap();
    let revoke =
        app.http.delete(app.url(&format!("/api/v1/users/{id}/invitation"))).session(&other).send().await.unwrap();
    let theirs = app
        .http
        .post(app.url("/api/v1/users/invitations"))
        .session(&other)
        .json(&json!({"email": "ours@acme.test", "role": "agent"}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(resend.status(), 404);
    assert_eq!(revoke.status(), 404);
    assert_eq!(lookup(&app, &token_of(&inv)).await.status(), 200, "acme's link still works");
    assert_eq!(theirs.status(), 201, "the same address may be invited to another workspace");
    let joined: Value = accept(&app, &token_of(&inv), NEW_PASSWORD).await.json().await.unwrap();
    assert_eq!(joined["workspace_id"], app.ws, "the acme link joins acme");
    assert!(audit(&app, &other, "user.invitation_accepted").await.is_empty());
}

#[tokio::test]
async fn invitation_links_count_against_the_client_ip_limit_like_sign_in() {
    // Arrange
    let app = spawn_app_with(|c| {
        c.rate_limit_per_key = 10_000;
        c.rate_limit_per_ip = 4;
    })
    .await;
    // Act + Assert: guessing links is throttled per IP.
    for i in 0..4 {
        assert_eq!(lookup(&app, &"g".repeat(43)).await.status(), 404, "request {i}");
    }
    let res = accept(&app, &"g".repeat(43), NEW_PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn with_a_mail_server_the_invitation_link_is_emailed_to_the_invitee() {
    // Arrange
    let smtp = autocrm_testkit::SmtpSink::start().await;
    let app = spawn_app_with(|c| c.outbound_mail = true).await;
    let _workers = app.spawn_workers_with_mail(Some(autocrm_testkit::MailConfig {
        smtp_url: format!("smtp://{}", smtp.addr),
        from: "Acme Support <no-reply@acme.test>".into(),
    }));
    let admin = app.login("acme", "admin@acme.test").await;
    // Act
    let invitation = invite(&app, &admin, "ivy@acme.test").await;
    let mails = smtp.wait_for(1).await;
    // Assert
    assert_eq!(invitation["emailed"], true);
    let mail = &mails[0];
    assert!(
        mail.contains("To: \"Ivy Invitee\" <ivy@acme.test>") || mail.contains("To: Ivy Invitee <ivy@acme.test>"),
        "{mail}"
    );
    assert!(mail.contains("Subject: You are invited to Acme Shop on AutoCRM"), "{mail}");
    assert!(mail.contains("Auto-Submitted: auto-generated"), "{mail}");
    let token = token_of(&invitation);
    assert!(mail.contains(&token), "the mail carries the link: {mail}");
    assert!(accept(&app, &token, NEW_PASSWORD).await.status().is_success(), "the e-mailed link works");
}

#[tokio::test]
async fn without_a_mail_server_nothing_is_emailed_and_the_admin_gets_the_link() {
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let invitation = invite(&app, &admin, "ivy@acme.test").await;
    assert_eq!(invitation["emailed"], false);
    assert_eq!(autocrm_store::jobs::pending(&app.store).await.unwrap(), 0, "no e-mail job was queued");
}

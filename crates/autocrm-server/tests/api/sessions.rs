//! Sign-in, the session cookie, CSRF on cookie writes, sign-out (here and
//! everywhere) and failed sign-ins.

use autocrm_testkit::{Auth as _, PASSWORD, Session, TestApp, spawn_app};
use serde_json::{Value, json};

async fn whoami(app: &TestApp, s: &Session) -> u16 {
    app.http.get(app.url("/api/v1/session")).header("cookie", &s.cookie).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn signing_in_sets_a_host_only_http_only_secure_lax_cookie_with_a_new_id_each_time() {
    // Arrange
    let app = spawn_app().await;
    let creds = json!({"workspace": "acme", "email": "anna@acme.test", "password": PASSWORD});
    // Act
    let first = app.http.post(app.url("/api/v1/session")).json(&creds).send().await.unwrap();
    let second = app.http.post(app.url("/api/v1/session")).json(&creds).send().await.unwrap();
    // Assert
    let cookie = |r: &reqwest::Response| r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let (c1, c2) = (cookie(&first), cookie(&second));
    assert_eq!(first.status(), 201);
    let attrs: Vec<&str> = c1.split(';').map(str::trim).collect();
    assert!(attrs[0].starts_with("__Host-autocrm_session="), "{c1}");
    assert!(attrs[0].len() > "__Host-autocrm_session=".len() + 20, "a long random id: {c1}");
    for want in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(attrs.contains(&want), "{want} missing in {c1}");
    }
    assert!(!attrs.iter().any(|a| a.to_lowercase().starts_with("domain=")), "host-only: {c1}");
    assert_ne!(c1.split(';').next(), c2.split(';').next(), "a new session id at each sign-in");
    // Both are live sessions.
    for c in [c1, c2] {
        let s = Session { cookie: c.split(';').next().unwrap().to_owned(), csrf: String::new() };
        assert_eq!(whoami(&app, &s).await, 200);
    }
}

#[tokio::test]
async fn a_cookie_write_without_the_csrf_header_is_refused_with_a_403_problem() {
    // Arrange
    let app = spawn_app().await;
    let s = app.login("acme", "anna@acme.test").await;
    let body = json!({"subject": "csrf?", "requester": {"email": "x@example.test"}});
    let count = || async {
        let v: Value = app
            .http
            .get(app.url("/api/v1/tickets"))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["data"].as_array().unwrap().len()
    };
    // Act
    let missing =
        app.http.post(app.url("/api/v1/tickets")).header("cookie", &s.cookie).json(&body).send().await.unwrap();
    let wrong = app
        .http
        .post(app.url("/api/v1/tickets"))
        .header("cookie", &s.cookie)
        .header("x-csrf-token", "not-the-token")
        .json(&body)
        .send()
        .await
        .unwrap();
    // Assert
    for res in [missing, wrong] {
        assert_eq!(res.status(), 403);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["code"], "csrf_token_invalid");
    }
    assert_eq!(count().await, 0, "nothing was written");
    // Reads need no token, and the right token lets the write through.
    let ok = app.http.post(app.url("/api/v1/tickets")).session(&s).json(&body).send().await.unwrap();
    assert_eq!(ok.status(), 201);
    assert_eq!(count().await, 1);
    // An API key is not a cookie: no CSRF header needed.
    let key = app.api_key(app.ws, "tickets:write").await;
    assert_eq!(app.http.post(app.url("/api/v1/tickets")).key(&key).json(&body).send().await.unwrap().status(), 201);
}

#[tokio::test]
async fn logging_out_ends_this_session_only_and_clears_the_cookie() {
    // Arrange
    let app = spawn_app().await;
    let here = app.login("acme", "anna@acme.test").await;
    let elsewhere = app.login("acme", "anna@acme.test").await;
    // Act
    let res = app.http.delete(app.url("/api/v1/session")).session(&here).send().await.unwrap();
    // Assert
    assert_eq!(res.status(), 204);
    let cleared = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.starts_with("__Host-autocrm_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(whoami(&app, &here).await, 401);
    assert_eq!(whoami(&app, &elsewhere).await, 200);
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_user_and_no_one_elses() {
    // Arrange
    let app = spawn_app().await;
    let phone = app.login("acme", "anna@acme.test").await;
    let laptop = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    // Act
    let res = app.http.delete(app.url("/api/v1/session?everywhere=true")).session(&phone).send().await.unwrap();
    // Assert
    assert_eq!(res.status(), 204);
    assert_eq!(whoami(&app, &phone).await, 401);
    assert_eq!(whoami(&app, &laptop).await, 401, "the other device is signed out too");
    assert_eq!(whoami(&app, &admin).await, 200);
    let log: Value = app
        .http
        .get(app.url("/api/v1/audit-log?type=session.logout"))
        .session(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["data"][0]["data"]["sessions_ended"], 2, "{log}");
}

#[tokio::test]
async fn a_failed_sign_in_answers_401_without_saying_whether_the_email_exists_and_is_audited() {
    // Arrange
    let app = spawn_app().await;
    let attempt = |email: &str, password: &str| {
        app.http
            .post(app.url("/api/v1/session"))
            .json(&json!({"workspace": "acme", "email": email, "password": password}))
            .send()
    };
    // Act
    let wrong_password = attempt("anna@acme.test", "not the password").await.unwrap();
    let unknown_email = attempt("nobody@acme.test", "not the password").await.unwrap();
    // Assert: the same answer either way, and no cookie.
    assert_eq!(wrong_password.status(), 401);
    assert_eq!(unknown_email.status(), 401);
    assert!(wrong_password.headers().get("set-cookie").is_none());
    assert_eq!(wrong_password.headers()["content-type"], "application/problem+json");
    let (a, b): (Value, Value) = (wrong_password.json().await.unwrap(), unknown_email.json().await.unwrap());
    assert_eq!(a, b, "the body does not reveal which part was wrong");
    // Both attempts are in the workspace's audit log, for admins.
    let admin = app.login("acme", "admin@acme.test").await;
    let log: Value = app
        .http
        .get(app.url("/api/v1/audit-log?type=session.login_failed"))
        .session(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> =
        log["data"].as_array().unwrap().iter().map(|e| e["data"]["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["nobody@acme.test", "anna@acme.test"], "newest first: {log}");
}

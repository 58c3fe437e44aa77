//! Workspace settings: name, IANA time zone and BCP 47 locale; read by
//! staff, changed by admins, every field checked before anything changes,
//! each change in the audit log, each workspace on its own.

use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use serde_json::{Value, json};

async fn workspace(app: &TestApp, s: &Session) -> Value {
    let res = app.http.get(app.url("/api/v1/workspace")).session(s).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn patch(app: &TestApp, s: &Session, body: Value) -> reqwest::Response {
    app.http.patch(app.url("/api/v1/workspace")).session(s).json(&body).send().await.unwrap()
}

async fn audit(app: &TestApp, s: &Session, event_type: &str) -> Vec<Value> {
    let res = app.http.get(app.url(&format!("/api/v1/audit-log?type={event_type}"))).session(s).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_admin_changes_name_time_zone_and_locale_and_the_change_is_audited() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    // Act
    let res =
        patch(&app, &admin, json!({"name": "  Acme Europe ", "time_zone": "Europe/Berlin", "locale": "de-ch"})).await;
    // Assert
    assert_eq!(res.status(), 200);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["name"], "Acme Europe", "trimmed");
    assert_eq!(out["time_zone"], "Europe/Berlin");
    assert_eq!(out["locale"], "de-CH", "stored in canonical case");
    assert_eq!(out["slug"], "acme", "the slug does not change");
    let seen = workspace(&app, &agent).await;
    assert_eq!((seen["name"].as_str(), seen["time_zone"].as_str()), (Some("Acme Europe"), Some("Europe/Berlin")));
    let events = audit(&app, &admin, "workspace.updated").await;
    assert_eq!(events.len(), 1);
    let changes = &events[0]["data"]["changes"];
    assert_eq!(changes["name"], json!({"from": "Acme Shop", "to": "Acme Europe"}));
    assert_eq!(changes["time_zone"], json!({"from": "UTC", "to": "Europe/Berlin"}));
    assert_eq!(changes["locale"], json!({"from": "en", "to": "de-CH"}));
    assert_eq!(events[0]["actor_name"], "Ada Admin");
}

#[tokio::test]
async fn a_patch_that_changes_nothing_records_nothing() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    // Act
    let res = patch(&app, &admin, json!({"name": "Acme Shop", "time_zone": "UTC"})).await;
    // Assert
    assert_eq!(res.status(), 200);
    assert!(audit(&app, &admin, "workspace.updated").await.is_empty());
}

#[tokio::test]
async fn invalid_settings_answer_422_naming_each_field_and_nothing_changes() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let before = workspace(&app, &admin).await;
    // Act
    let all_bad = patch(&app, &admin, json!({"name": " ", "time_zone": "Mars/Olympus_Mons", "locale": "en_US"})).await;
    let one_bad = patch(&app, &admin, json!({"name": "Renamed", "time_zone": "CEST"})).await;
    let unknown = patch(&app, &admin, json!({"slug": "hijack"})).await;
    let wrong_type = patch(&app, &admin, json!({"locale": 7})).await;
    // Assert
    assert_eq!(all_bad.status(), 422);
    assert_eq!(all_bad.headers()["content-type"], "application/problem+json");
    let p: Value = all_bad.json().await.unwrap();
    assert_eq!(p["code"], "invalid_input");
    let pointers: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/name", "/time_zone", "/locale"]);
    assert_eq!(one_bad.status(), 422);
    let p: Value = one_bad.json().await.unwrap();
    assert_eq!(p["errors"][0]["pointer"], "/time_zone");
    assert!(p["errors"][0]["detail"].as_str().unwrap().contains("IANA"), "{p}");
    for res in [unknown, wrong_type] {
        assert_eq!(res.status(), 422);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let after = workspace(&app, &admin).await;
    assert_eq!(after, before, "the valid name in the second patch was not applied either");
    assert!(audit(&app, &admin, "workspace.updated").await.is_empty());
}

#[tokio::test]
async fn staff_and_read_keys_see_the_workspace_but_only_admins_change_it() {
    // Arrange
    let app = spawn_app().await;
    let agent = app.login("acme", "anna@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let key = app.api_key(app.ws, "tickets:read").await;
    let admin_key = app.api_key(app.ws, "admin").await;
    // Act
    let by_key = app.http.get(app.url("/api/v1/workspace")).key(&key).send().await.unwrap();
    let by_customer = app.http.get(app.url("/api/v1/workspace")).session(&carla).send().await.unwrap();
    let by_agent = patch(&app, &agent, json!({"name": "Agent's shop"})).await;
    let by_admin_key = app
        .http
        .patch(app.url("/api/v1/workspace"))
        .key(&admin_key)
        .json(&json!({"locale": "en-GB"}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(by_key.status(), 200);
    assert_eq!(by_key.json::<Value>().await.unwrap()["slug"], "acme");
    assert_eq!(by_customer.status(), 403);
    assert_eq!(by_agent.status(), 403);
    assert_eq!(by_admin_key.status(), 200);
    assert_eq!(workspace(&app, &agent).await["locale"], "en-GB");
}

#[tokio::test]
async fn each_workspace_reads_and_changes_only_its_own_settings() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let other = app.login("other", "admin@other.test").await;
    // Act
    let res = patch(&app, &other, json!({"name": "Other Europe", "time_zone": "Europe/Paris"})).await;
    // Assert
    assert_eq!(res.status(), 200);
    assert_eq!(workspace(&app, &other).await["name"], "Other Europe");
    let acme = workspace(&app, &admin).await;
    assert_eq!((acme["name"].as_str(), acme["time_zone"].as_str()), (Some("Acme Shop"), Some("UTC")));
    assert!(audit(&app, &admin, "workspace.updated").await.is_empty(), "acme's log holds no other workspace's change");
}

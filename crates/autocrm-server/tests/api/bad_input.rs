use autocrm_testkit::{Auth as _, spawn_app};
use serde_json::{Value, json};

/// Every write route, with an id that exists where the path needs one.
fn write_routes(ticket: i64) -> Vec<(reqwest::Method, String)> {
    use reqwest::Method;
    vec![
        (Method::POST, "/api/v1/tickets".into()),
        (Method::PATCH, format!("/api/v1/tickets/{ticket}")),
        (Method::POST, "/api/v1/tickets/bulk".into()),
        (Method::POST, format!("/api/v1/tickets/{ticket}/merge")),
        (Method::POST, format!("/api/v1/tickets/{ticket}/messages")),
        (Method::POST, "/api/v1/contacts".into()),
        (Method::POST, "/api/v1/companies".into()),
        (Method::POST, "/api/v1/users".into()),
        (Method::POST, "/api/v1/statuses".into()),
        (Method::POST, "/api/v1/custom-fields".into()),
        (Method::POST, "/api/v1/api-keys".into()),
        (Method::POST, "/api/v1/webhooks".into()),
        (Method::POST, "/api/v1/session".into()),
    ]
}

#[tokio::test]
async fn malformed_wrongly_typed_and_oversized_bodies_get_4xx_problems_never_5xx() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "admin").await;
    let t: Value = app
        .http
        .post(app.url("/api/v1/tickets"))
        .key(&key)
        .json(&json!({"subject": "x", "requester": {"email": "x@x.test"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    let huge = format!("{{\"subject\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let bodies: [(&str, String); 6] = [
        ("malformed", "{\"subject\": ".into()),
        (
            "wrong types",
            json!({"subject": 5, "priority": [], "ids": "x", "body": false, "url": 1, "name": {}, "scopes": 3})
                .to_string(),
        ),
        ("unknown field", json!({"nonsense": true}).to_string()),
        ("array", "[]".into()),
        ("oversize", huge),
        ("empty", String::new()),
    ];
    let mut checked = 0;
    for (method, path) in write_routes(id) {
        for (label, body) in &bodies {
            let res = app
                .http
                .request(method.clone(), app.url(&path))
                .key(&key)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = res.status();
            let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            assert!(status.is_client_error(), "{method} {path} with {label}: {status}");
            assert_eq!(ct, "application/problem+json", "{method} {path} with {label}");
            let p: Value = res.json().await.unwrap();
            assert!(p["code"].is_string() && p["status"] == status.as_u16(), "{p}");
            checked += 1;
        }
    }
    assert_eq!(checked, write_routes(id).len() * bodies.len());
    // Nothing changed: still one ticket, still "x".
    let list: Value = app.http.get(app.url("/api/v1/tickets")).key(&key).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["subject"], "x");
}

#[tokio::test]
async fn invalid_custom_field_values_are_reported_with_pointers() {
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let res = app
        .http
        .post(app.url("/api/v1/custom-fields"))
        .session(&admin)
        .json(&json!({"entity": "ticket", "key": "qty", "label": "Quantity", "type": "number"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(&admin)
        .json(&json!({"subject": "x", "requester": {"email": "x@x.test"}, "custom_fields": {"qty": "many", "nope": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    let pointers: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert!(pointers.contains(&"/custom_fields/qty") && pointers.contains(&"/custom_fields/nope"), "{pointers:?}");
}

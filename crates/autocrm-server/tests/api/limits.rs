//! Rate limits (per credential and per client IP) and the body size limit,
//! configured low for the test.

use autocrm_testkit::{Auth as _, spawn_app_with};
use serde_json::{Value, json};

async fn assert_rate_limited(res: reqwest::Response) {
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "rate_limited");
}

#[tokio::test]
async fn a_key_over_its_rate_limit_gets_429_with_retry_after_while_other_keys_carry_on() {
    // Arrange
    let app = spawn_app_with(|c| {
        c.rate_limit_per_key = 5;
        c.rate_limit_per_ip = 10_000;
    })
    .await;
    let (busy, quiet) = (app.api_key(app.ws, "tickets:read").await, app.api_key(app.ws, "tickets:read").await);
    let get = |k: &str| app.http.get(app.url("/api/v1/tickets")).key(k).send();
    // Act + Assert
    for i in 0..5 {
        assert_eq!(get(&busy).await.unwrap().status(), 200, "request {i} is within the limit");
    }
    assert_rate_limited(get(&busy).await.unwrap()).await;
    assert_eq!(get(&quiet).await.unwrap().status(), 200, "the limit is per key");
}

#[tokio::test]
async fn a_client_ip_over_its_rate_limit_gets_429_with_retry_after() {
    // Arrange
    let app = spawn_app_with(|c| {
        c.rate_limit_per_key = 10_000;
        c.rate_limit_per_ip = 5;
    })
    .await;
    // Act + Assert: anonymous requests count against the IP.
    for i in 0..5 {
        assert_eq!(app.http.get(app.url("/healthz")).send().await.unwrap().status(), 200, "request {i}");
    }
    assert_rate_limited(app.http.get(app.url("/healthz")).send().await.unwrap()).await;
    // A valid key does not get around the IP's limit.
    let key = app.api_key(app.ws, "tickets:read").await;
    assert_rate_limited(app.http.get(app.url("/api/v1/tickets")).key(&key).send().await.unwrap()).await;
}

#[tokio::test]
async fn a_body_over_the_size_limit_answers_413_with_a_problem() {
    // Arrange
    let app = spawn_app_with(|c| c.max_body_bytes = 4096).await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let ticket =
        |body: &str| json!({"subject": "size", "requester": {"email": "s@example.test"}, "message": {"body": body}});
    // Act
    let big =
        app.http.post(app.url("/api/v1/tickets")).key(&key).json(&ticket(&"x".repeat(5000))).send().await.unwrap();
    let small =
        app.http.post(app.url("/api/v1/tickets")).key(&key).json(&ticket(&"x".repeat(3000))).send().await.unwrap();
    // Assert
    assert_eq!(big.status(), 413);
    assert_eq!(big.headers()["content-type"], "application/problem+json");
    assert_eq!(big.json::<Value>().await.unwrap()["code"], "body_too_large");
    assert_eq!(small.status(), 201, "a body under the limit is fine");
    let list: Value = app.http.get(app.url("/api/v1/tickets")).key(&key).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "only the small one was created");
}

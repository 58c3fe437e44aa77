//! Attachments over HTTP: multipart upload, safe downloads, the size limit
//! and who may download what.

use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use serde_json::{Value, json};

const BOUNDARY: &str = "autocrm-test-boundary-x7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body with `file` (and `message_id`); returns (content type, body).
pub(crate) fn multipart(
    filename: &str,
    content_type: &str,
    bytes: &[u8],
    message_id: Option<i64>,
) -> (String, Vec<u8>) {
    let mut body = Vec::with_capacity(bytes.len() + 512);
    if let Some(m) = message_id {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"message_id\"\r\n\r\n{m}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

async fn upload(
    app: &TestApp,
    s: &Session,
    ticket: i64,
    name: &str,
    bytes: &[u8],
    message: Option<i64>,
) -> reqwest::Response {
    let (ct, body) = multipart(name, "application/octet-stream", bytes, message);
    app.http
        .post(app.url(&format!("/api/v1/tickets/{ticket}/attachments")))
        .session(s)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn ticket_of(app: &TestApp, s: &Session) -> i64 {
    let res = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(s)
        .json(&json!({"subject": "with files"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn assert_problem(res: &reqwest::Response, status: u16) {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn an_uploaded_file_downloads_as_an_attachment_that_browsers_will_not_sniff() {
    // Arrange
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let ticket = ticket_of(&app, &carla).await;
    let bytes = b"<html><script>alert(1)</script></html>".to_vec();
    let (ct, body) = multipart("receipt.html", "text/html", &bytes, None);
    // Act
    let res = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{ticket}/attachments")))
        .session(&carla)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let meta: Value = res.json().await.unwrap();
    let download = app.http.get(app.url(meta["url"].as_str().unwrap())).session(&carla).send().await.unwrap();
    // Assert
    assert_eq!(meta["filename"], "receipt.html");
    assert_eq!(meta["size"], bytes.len());
    assert_eq!(download.status(), 200);
    let h = download.headers().clone();
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"receipt.html\""), "{disposition}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(download.bytes().await.unwrap().to_vec(), bytes);
}

#[tokio::test]
async fn an_upload_over_the_size_limit_answers_413_with_a_problem() {
    // Arrange
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let ticket = ticket_of(&app, &carla).await;
    let limit = autocrm_store::attachments::MAX_ATTACHMENT_BYTES;
    for size in [limit + 1, limit + 256 * 1024] {
        // Act
        let res = upload(&app, &carla, ticket, "big.bin", &vec![1_u8; size], None).await;
        // Assert
        assert_problem(&res, 413);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["status"], 413, "{size} bytes: {problem}");
    }
    let list: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{ticket}/attachments")))
        .session(&carla)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!({"data": [], "next_cursor": null}), "nothing was stored");
    assert_eq!(upload(&app, &carla, ticket, "small.bin", b"ok", None).await.status(), 201);
}

#[tokio::test]
async fn a_customer_cannot_reach_another_customers_attachment_or_one_on_an_internal_note() {
    // Arrange
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let bob = app.login("acme", "bob@customer.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let ticket = ticket_of(&app, &carla).await;
    let public: Value = upload(&app, &carla, ticket, "photo.jpg", b"jpeg bytes", None).await.json().await.unwrap();
    let note: Value = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .session(&agent)
        .json(&json!({"body": "supplier invoice attached", "internal": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = upload(&app, &agent, ticket, "supplier-invoice.pdf", b"%PDF internal", note["id"].as_i64()).await;
    assert_eq!(res.status(), 201);
    let internal: Value = res.json().await.unwrap();
    let get = |s: &Session, url: &Value| app.http.get(app.url(url.as_str().unwrap())).session(s).send();

    // Act + Assert: the requester gets her own file, not the internal one.
    assert_eq!(get(&carla, &public["url"]).await.unwrap().status(), 200);
    assert_problem(&get(&carla, &internal["url"]).await.unwrap(), 404);
    // Another customer gets neither.
    assert_problem(&get(&bob, &public["url"]).await.unwrap(), 404);
    assert_problem(&get(&bob, &internal["url"]).await.unwrap(), 404);
    // Staff get both.
    assert_eq!(get(&agent, &internal["url"]).await.unwrap().status(), 200);
    // Listing follows the same rules: the internal note's file is not even named to the customer.
    let list = |s: &Session| app.http.get(app.url(&format!("/api/v1/tickets/{ticket}/attachments"))).session(s).send();
    let names = |v: Value| {
        v["data"].as_array().unwrap().iter().map(|a| a["filename"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names(list(&carla).await.unwrap().json().await.unwrap()), ["photo.jpg"]);
    let mut staff = names(list(&agent).await.unwrap().json().await.unwrap());
    staff.sort();
    assert_eq!(staff, ["photo.jpg", "supplier-invoice.pdf"]);
    assert_eq!(list(&bob).await.unwrap().status(), 404);
    // A customer cannot attach to someone else's ticket either.
    assert_problem(&upload(&app, &bob, ticket, "x.txt", b"x", None).await, 404);
}

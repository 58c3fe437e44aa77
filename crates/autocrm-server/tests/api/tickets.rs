use std::collections::BTreeSet;

use autocrm_testkit::{Auth as _, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn creating_a_ticket_answers_201_with_its_id_and_number() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let res = app
        .http
        .post(app.url("/api/v1/tickets"))
        .key(&key)
        .json(&json!({"subject": "Where is my order?", "requester": {"email": "Jo@Example.com", "name": "Jo"},
                      "message": {"body": "It has been <b>two weeks</b><script>x()</script>"}, "priority": "high", "tags": ["Shipping"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let t: Value = res.json().await.unwrap();
    assert!(t["id"].as_i64().unwrap() > 0);
    assert_eq!(t["number"], 1001);
    assert_eq!(t["display_number"], "#1001");
    assert_eq!(t["priority"], "high");
    assert_eq!(t["status"]["category"], "new");
    assert_eq!(t["requester"]["email"], "jo@example.com");
    assert_eq!(t["tags"], json!(["shipping"]));
    let msgs: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{}/messages", t["id"])))
        .key(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let html = msgs["data"][0]["body_html"].as_str().unwrap();
    assert!(html.contains("<b>two weeks</b>") && !html.contains("script"), "{html}");
}

#[tokio::test]
async fn keyset_pages_cover_every_ticket_once_in_update_order() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    for i in 0..23 {
        let res = app
            .http
            .post(app.url("/api/v1/tickets"))
            .key(&key)
            .json(&json!({"subject": format!("T{i}"), "requester": {"email": format!("c{i}@x.test")}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = app.url("/api/v1/tickets?limit=5&sort=-updated_at");
        if let Some(c) = &cursor {
            url = format!("{url}&cursor={c}");
        }
        let page: Value = app.http.get(url).key(&key).send().await.unwrap().json().await.unwrap();
        seen.extend(page["data"].as_array().unwrap().iter().map(|t| t["number"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 23);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 23);
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest activity first");
}

#[tokio::test]
async fn a_customer_sees_only_their_own_tickets_and_never_internal_notes() {
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let bob = app.login("acme", "bob@customer.test").await;
    let agent = app.login("acme", "anna@acme.test").await;
    let t: Value = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(&carla)
        .json(&json!({"subject": "My parcel", "message": {"body": "Hello"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    let note = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "Customer seems upset", "internal": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 201);
    let reply = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&agent)
        .json(&json!({"body": "We are on it"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);

    let msgs: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&carla)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bodies: Vec<&str> = msgs["data"].as_array().unwrap().iter().map(|m| m["body_text"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Hello", "We are on it"]);

    assert_eq!(
        app.http.get(app.url(&format!("/api/v1/tickets/{id}"))).session(&bob).send().await.unwrap().status(),
        404
    );
    let bobs: Value =
        app.http.get(app.url("/api/v1/tickets")).session(&bob).send().await.unwrap().json().await.unwrap();
    assert_eq!(bobs["data"].as_array().unwrap().len(), 0);
    let trail: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{id}/events")))
        .session(&carla)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(trail["data"].as_array().unwrap().iter().all(|e| e["data"]["message"]["internal"] != true));
    let internal = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&carla)
        .json(&json!({"body": "sneaky", "internal": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(internal.status(), 422);
}

#[tokio::test]
async fn patching_a_ticket_records_an_audit_trail_sentence() {
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let t: Value = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(&admin)
        .json(&json!({"subject": "Refund", "requester": {"email": "r@x.test"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    let res = app
        .http
        .patch(app.url(&format!("/api/v1/tickets/{id}")))
        .session(&admin)
        .json(&json!({"priority": "urgent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let trail: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{id}/events")))
        .session(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lines: Vec<&str> = trail["data"].as_array().unwrap().iter().map(|e| e["summary"].as_str().unwrap()).collect();
    assert!(lines.contains(&"Ada Admin changed priority normal → urgent"), "{lines:?}");
}

#[tokio::test]
async fn merging_moves_the_conversation_and_closes_the_source_with_a_link() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let mk = |s: &str| json!({"subject": s, "requester": {"email": "m@x.test"}, "message": {"body": format!("body of {s}")}});
    let a: Value =
        app.http.post(app.url("/api/v1/tickets")).key(&key).json(&mk("A")).send().await.unwrap().json().await.unwrap();
    let b: Value =
        app.http.post(app.url("/api/v1/tickets")).key(&key).json(&mk("B")).send().await.unwrap().json().await.unwrap();
    let res = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{}/merge", a["id"])))
        .key(&key)
        .json(&json!({"target_id": b["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let src: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{}", a["id"])))
        .key(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(src["status"]["category"], "closed");
    assert_eq!(src["merged_into_id"], b["id"]);
    let msgs: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{}/messages", b["id"])))
        .key(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let texts: Vec<&str> = msgs["data"].as_array().unwrap().iter().map(|m| m["body_text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"body of A") && texts.contains(&"body of B"), "{texts:?}");
    let again = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{}/merge", a["id"])))
        .key(&key)
        .json(&json!({"target_id": b["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn bulk_updates_are_all_or_nothing() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let t: Value = app
            .http
            .post(app.url("/api/v1/tickets"))
            .key(&key)
            .json(&json!({"subject": format!("b{i}"), "requester": {"email": "b@x.test"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(t["id"].as_i64().unwrap());
    }
    let bad = app
        .http
        .post(app.url("/api/v1/tickets/bulk"))
        .key(&key)
        .json(&json!({"ids": [ids[0], 999_999], "patch": {"priority": "low"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let t0: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{}", ids[0])))
        .key(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t0["priority"], "normal", "nothing changed");
    let ok: Value = app
        .http
        .post(app.url("/api/v1/tickets/bulk"))
        .key(&key)
        .json(&json!({"ids": ids, "patch": {"priority": "low", "add_tags": ["bulk"]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["updated"], 3);
    let listed: Value = app
        .http
        .get(app.url("/api/v1/tickets?tag=bulk&priority=low"))
        .key(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn full_text_search_finds_words_in_subjects_and_messages() {
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    for (s, b) in [("Broken zipper", "the zipper broke"), ("Late parcel", "my parcel is late, tracking says depot")] {
        app.http
            .post(app.url("/api/v1/tickets"))
            .key(&key)
            .json(&json!({"subject": s, "requester": {"email": "s@x.test"}, "message": {"body": b}}))
            .send()
            .await
            .unwrap();
    }
    let r: Value =
        app.http.get(app.url("/api/v1/search?q=depot")).key(&key).send().await.unwrap().json().await.unwrap();
    let subjects: Vec<&str> = r["data"].as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["Late parcel"]);
    let r: Value = app.http.get(app.url("/api/v1/search?q=zipp")).key(&key).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["data"].as_array().unwrap().len(), 1);
}

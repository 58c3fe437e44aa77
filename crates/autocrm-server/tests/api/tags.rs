//! Tags admin: the list with usage counts, and rename, merge and delete
//! across every ticket — admin only, each ticket's change in its trail, each
//! operation in the audit log, bad input changing nothing, one workspace at a time.

use autocrm_domain::Principal;
use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use serde_json::{Value, json};

async fn ticket(app: &TestApp, key: &str, tags: &[&str]) -> i64 {
    let body = json!({"subject": "tagged", "requester": {"email": "tags@example.test"}, "tags": tags});
    let res = app.http.post(app.url("/api/v1/tickets")).key(key).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn tags_of(app: &TestApp, key: &str, id: i64) -> Vec<String> {
    let t: Value =
        app.http.get(app.url(&format!("/api/v1/tickets/{id}"))).key(key).send().await.unwrap().json().await.unwrap();
    serde_json::from_value(t["tags"].clone()).unwrap()
}

/// `(tag, count)` of the workspace's tag list.
async fn tag_list(app: &TestApp, key: &str, query: &str) -> Vec<(String, i64)> {
    let res = app.http.get(app.url(&format!("/api/v1/tags{query}"))).key(key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["tag"].as_str().unwrap().to_owned(), t["count"].as_i64().unwrap()))
        .collect()
}

/// Ids of the tickets the tag filter finds (it reads the `ticket_tags` mirror).
async fn tagged(app: &TestApp, key: &str, tag: &str) -> Vec<i64> {
    let v: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets?tag={tag}&limit=100")))
        .key(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ids: Vec<i64> = v["data"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids
}

async fn audit(app: &TestApp, s: &Session, event_type: &str) -> Vec<Value> {
    let res = app.http.get(app.url(&format!("/api/v1/audit-log?type={event_type}"))).session(s).send().await.unwrap();
    res.json::<Value>().await.unwrap()["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_tag_list_counts_tickets_most_used_first_and_filters_by_text() {
    // Arrange
    let app = spawn_app().await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    ticket(&app, &key, &["vip", "refund_due"]).await;
    ticket(&app, &key, &["vip", "refund:requested"]).await;
    ticket(&app, &key, &["vip"]).await;
    ticket(&app, &key, &["refundx"]).await;
    // Act
    let all = tag_list(&app, &key, "").await;
    let refunds = tag_list(&app, &key, "?q=Refund").await;
    let underscore = tag_list(&app, &key, "?q=d_r").await;
    let one = tag_list(&app, &key, "?limit=1").await;
    let bad = app.http.get(app.url("/api/v1/tags?limit=0")).key(&key).send().await.unwrap();
    // Assert
    assert_eq!(all[0], ("vip".to_owned(), 3));
    assert_eq!(all.len(), 4);
    let mut names: Vec<&str> = refunds.iter().map(|(t, _)| t.as_str()).collect();
    names.sort_unstable(); // ties are by name in the database's collation
    assert_eq!(names, ["refund:requested", "refund_due", "refundx"], "the query is case-insensitive");
    assert!(underscore.is_empty(), "`_` is matched literally, not as a wildcard (it would match `d:r`)");
    assert_eq!(one.len(), 1);
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn renaming_a_tag_renames_it_on_every_ticket_with_a_trail_entry_each_and_one_audit_entry() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let a = ticket(&app, &key, &["first", "vip", "last"]).await;
    let b = ticket(&app, &key, &["vip"]).await;
    let untouched = ticket(&app, &key, &["other"]).await;
    // Act
    let res = app
        .http
        .patch(app.url("/api/v1/tags/vip"))
        .session(&admin)
        .json(&json!({"name": "Gold Customer"}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(res.status(), 200);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out, json!({"tag": "vip", "to": "gold-customer", "tickets": 2}), "the new name is normalised");
    assert_eq!(tags_of(&app, &key, a).await, ["first", "gold-customer", "last"], "renamed in place");
    assert_eq!(tags_of(&app, &key, b).await, ["gold-customer"]);
    assert_eq!(tags_of(&app, &key, untouched).await, ["other"]);
    assert_eq!(tagged(&app, &key, "gold-customer").await, [a, b]);
    assert!(tagged(&app, &key, "vip").await.is_empty());
    assert!(!tag_list(&app, &key, "").await.iter().any(|(t, _)| t == "vip"));
    let trail: Value = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{a}/events")))
        .key(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let change =
        trail["data"].as_array().unwrap().iter().find(|e| e["type"] == "ticket.updated").expect("a trail entry");
    assert_eq!(
        change["data"]["changes"]["tags"],
        json!({"from": ["first", "vip", "last"], "to": ["first", "gold-customer", "last"]})
    );
    let log = audit(&app, &admin, "tag.renamed").await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["data"], json!({"tag": "vip", "to": "gold-customer", "tickets": 2}));
}

#[tokio::test]
async fn renaming_onto_a_tag_in_use_or_to_a_bad_name_is_refused_with_a_problem_and_nothing_changes() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let a = ticket(&app, &key, &["vip", "gold"]).await;
    let rename = |tag: &str, body: Value| {
        app.http.patch(app.url(&format!("/api/v1/tags/{tag}"))).session(&admin).json(&body).send()
    };
    // Act
    let taken = rename("vip", json!({"name": "gold"})).await.unwrap();
    let bad = rename("vip", json!({"name": "no<script>"})).await.unwrap();
    let same = rename("vip", json!({"name": "VIP"})).await.unwrap();
    let unknown_field = rename("vip", json!({"name": "x", "also": 1})).await.unwrap();
    let missing = rename("nobody-has-this", json!({"name": "fine"})).await.unwrap();
    // Assert
    assert_eq!(taken.status(), 409);
    assert_eq!(taken.json::<Value>().await.unwrap()["code"], "tag_name_taken");
    for res in [bad, same, unknown_field] {
        assert_eq!(res.status(), 422);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["code"], "invalid_input", "{p}");
    }
    assert_eq!(missing.status(), 404);
    assert_eq!(tags_of(&app, &key, a).await, ["vip", "gold"]);
    assert!(audit(&app, &admin, "tag.*").await.is_empty());
}

#[tokio::test]
async fn merging_a_tag_leaves_each_ticket_with_the_target_once() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let both = ticket(&app, &key, &["vip", "x", "gold"]).await;
    let only_vip = ticket(&app, &key, &["vip"]).await;
    let only_gold = ticket(&app, &key, &["gold"]).await;
    let merge = |tag: &str, into: &str| {
        app.http.post(app.url(&format!("/api/v1/tags/{tag}/merge"))).session(&admin).json(&json!({"into": into})).send()
    };
    // Act
    let to_nothing = merge("vip", "not-in-use").await.unwrap();
    let to_itself = merge("vip", "vip").await.unwrap();
    let res = merge("vip", "gold").await.unwrap();
    // Assert
    assert_eq!(to_nothing.status(), 422);
    assert_eq!(to_nothing.json::<Value>().await.unwrap()["errors"][0]["pointer"], "/into");
    assert_eq!(to_itself.status(), 422);
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"tag": "vip", "to": "gold", "tickets": 2}));
    assert_eq!(tags_of(&app, &key, both).await, ["x", "gold"]);
    assert_eq!(tags_of(&app, &key, only_vip).await, ["gold"]);
    assert_eq!(tags_of(&app, &key, only_gold).await, ["gold"]);
    assert_eq!(tagged(&app, &key, "gold").await, [both, only_vip, only_gold]);
    assert_eq!(tag_list(&app, &key, "?q=gold").await, [("gold".to_owned(), 3)]);
    let log = audit(&app, &admin, "tag.merged").await;
    assert_eq!(log[0]["data"], json!({"tag": "vip", "into": "gold", "tickets": 2}));
}

#[tokio::test]
async fn deleting_a_tag_removes_it_from_every_ticket() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let a = ticket(&app, &key, &["spam", "keep"]).await;
    let b = ticket(&app, &key, &["spam"]).await;
    // Act
    let res = app.http.delete(app.url("/api/v1/tags/spam")).session(&admin).send().await.unwrap();
    let again = app.http.delete(app.url("/api/v1/tags/spam")).session(&admin).send().await.unwrap();
    // Assert
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"tag": "spam", "to": null, "tickets": 2}));
    assert_eq!(again.status(), 404, "a tag on no ticket does not exist");
    assert_eq!(tags_of(&app, &key, a).await, ["keep"]);
    assert!(tags_of(&app, &key, b).await.is_empty());
    assert!(tagged(&app, &key, "spam").await.is_empty());
    assert_eq!(audit(&app, &admin, "tag.deleted").await[0]["data"], json!({"tag": "spam", "tickets": 2}));
}

#[tokio::test]
async fn agents_and_ticket_keys_cannot_change_tags() {
    // Arrange
    let app = spawn_app().await;
    let agent = app.login("acme", "anna@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let a = ticket(&app, &key, &["vip"]).await;
    // Act
    let by_agent = app.http.delete(app.url("/api/v1/tags/vip")).session(&agent).send().await.unwrap();
    let by_key =
        app.http.patch(app.url("/api/v1/tags/vip")).key(&key).json(&json!({"name": "gold"})).send().await.unwrap();
    // Assert
    assert_eq!(by_agent.status(), 403);
    assert_eq!(by_key.status(), 403);
    assert_eq!(tags_of(&app, &key, a).await, ["vip"]);
}

#[tokio::test]
async fn tag_changes_stay_inside_the_callers_workspace() {
    // Arrange
    let app = spawn_app().await;
    let other_admin = app.login("other", "admin@other.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let other_key = app.api_key(app.workspace_id("other").await, "tickets:read,tickets:write").await;
    let ours = ticket(&app, &key, &["vip", "acme-only"]).await;
    let theirs = ticket(&app, &other_key, &["vip"]).await;
    // Act
    let reach = app.http.delete(app.url("/api/v1/tags/acme-only")).session(&other_admin).send().await.unwrap();
    let res = app
        .http
        .patch(app.url("/api/v1/tags/vip"))
        .session(&other_admin)
        .json(&json!({"name": "gold"}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(reach.status(), 404, "another workspace's tag is not found");
    assert_eq!(res.json::<Value>().await.unwrap()["tickets"], 1);
    assert_eq!(tags_of(&app, &other_key, theirs).await, ["gold"]);
    assert_eq!(tags_of(&app, &key, ours).await, ["vip", "acme-only"]);
    assert_eq!(tag_list(&app, &key, "?q=gold").await, []);
}

#[tokio::test]
async fn a_tag_on_more_tickets_than_one_transaction_takes_is_renamed_on_all_of_them() {
    // Arrange: one ticket more than a chunk.
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read").await;
    let n = autocrm_store::tags::CHUNK + 1;
    for i in 0..n {
        let t = autocrm_store::tickets::NewTicket {
            subject: format!("bulk {i}"),
            requester: Some(autocrm_store::tickets::RequesterRef::Email {
                email: autocrm_domain::EmailAddress::parse("bulk@example.test").unwrap(),
                name: None,
            }),
            body: None,
            priority: None,
            channel: None,
            status_id: None,
            assignee_id: None,
            team_id: None,
            tags: vec!["bulk".into()],
            custom_fields: serde_json::Map::new(),
            created_at: None,
        };
        autocrm_store::tickets::create(&app.store, &Principal::system(app.ws), t).await.unwrap();
    }
    // Act
    let res = app
        .http
        .patch(app.url("/api/v1/tags/bulk"))
        .session(&admin)
        .json(&json!({"name": "batch"}))
        .send()
        .await
        .unwrap();
    // Assert
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["tickets"], n);
    assert_eq!(tag_list(&app, &key, "?q=b").await, [("batch".to_owned(), n as i64)]);
    let log = audit(&app, &admin, "tag.renamed").await;
    assert_eq!(log.len(), 1, "one audit entry for the whole rename");
    assert_eq!(log[0]["data"]["tickets"], n);
}

//! Custom views: filters on any property (tags, custom fields of every type),
//! personal or shared, with their tickets and counts.

use std::collections::BTreeSet;

use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use serde_json::{Value, json};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Defines ticket fields of every type and opens tickets with known values.
async fn arrange(app: &TestApp, admin: &Session, key: &str) -> Vec<(i64, &'static str)> {
    for (k, ty, options) in [
        ("order_ref", "text", json!([])),
        ("qty", "number", json!([])),
        ("amount", "decimal", json!([])),
        ("due", "date", json!([])),
        ("gift", "checkbox", json!([])),
        ("category", "select", json!(["shoes", "bags"])),
        ("issues", "multi_select", json!(["late", "damaged"])),
    ] {
        let body = json!({"entity": "ticket", "key": k, "label": k, "type": ty, "options": options});
        let (status, out) = send(app.http.post(app.url("/api/v1/custom-fields")).session(admin).json(&body)).await;
        assert_eq!(status, 201, "{out}");
    }
    let tickets = [
        (
            "a",
            json!({"order_ref": "W1234", "qty": 3, "amount": "19.90", "due": "2026-12-01", "gift": true, "category": "shoes", "issues": ["late"]}),
            json!(["vip"]),
        ),
        (
            "b",
            json!({"order_ref": "X9", "qty": 10, "amount": "5", "due": "2026-11-01", "gift": false, "category": "bags", "issues": ["late", "damaged"]}),
            json!(["vip", "refund"]),
        ),
        ("c", json!({"qty": 1}), json!([])),
    ];
    let mut out = Vec::new();
    for (name, fields, tags) in tickets {
        let body = json!({"subject": format!("ticket {name}"), "requester": {"email": format!("{name}@example.com")},
                          "message": {"body": "hello"}, "tags": tags, "custom_fields": fields});
        let (status, t) = send(app.http.post(app.url("/api/v1/tickets")).key(key).json(&body)).await;
        assert_eq!(status, 201, "{t}");
        out.push((t["id"].as_i64().unwrap(), name));
    }
    out
}

async fn names_in_view(
    app: &TestApp,
    s: &Session,
    filters: Value,
    tickets: &[(i64, &'static str)],
) -> BTreeSet<&'static str> {
    let (status, view) =
        send(app.http.post(app.url("/api/v1/views")).session(s).json(&json!({"name": "v", "filters": filters}))).await;
    assert_eq!(status, 201, "{view}");
    let (status, page) = send(app.http.get(app.url(&format!("/api/v1/views/{}/tickets", view["id"]))).session(s)).await;
    assert_eq!(status, 200, "{page}");
    let ids: Vec<i64> = page["data"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(page["count"].as_i64().unwrap(), ids.len() as i64, "count agrees with the rows for {filters}");
    tickets.iter().filter(|(id, _)| ids.contains(id)).map(|(_, n)| *n).collect()
}

#[tokio::test]
async fn view_filters_match_tags_and_custom_fields_of_every_type() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let t = arrange(&app, &admin, &key).await;
    let set = |names: &[&'static str]| names.iter().copied().collect::<BTreeSet<_>>();
    let field = |key: &str, op: &str, value: Value| json!({"fields": [{"key": key, "op": op, "value": value}]});
    // Act + Assert
    let cases = [
        (json!({"tags": ["vip"]}), set(&["a", "b"])),
        (json!({"tags": ["vip", "refund"]}), set(&["b"])),
        (json!({"exclude_tags": ["refund"]}), set(&["a", "c"])),
        (field("order_ref", "contains", json!("w12")), set(&["a"])),
        (field("order_ref", "eq", json!("X9")), set(&["b"])),
        (field("order_ref", "unset", Value::Null), set(&["c"])),
        (field("order_ref", "ne", json!("X9")), set(&["a", "c"])),
        (field("qty", "gt", json!(2)), set(&["a", "b"])),
        (field("qty", "lt", json!(3)), set(&["c"])),
        (field("amount", "gt", json!("9.5")), set(&["a"])),
        (field("amount", "eq", json!(5)), set(&["b"])),
        (field("due", "lt", json!("2026-11-15")), set(&["b"])),
        (field("gift", "eq", json!(true)), set(&["a"])),
        (field("gift", "eq", json!(false)), set(&["b"])),
        (field("category", "eq", json!("bags")), set(&["b"])),
        (field("issues", "contains", json!("damaged")), set(&["b"])),
        (field("issues", "set", Value::Null), set(&["a", "b"])),
        (
            json!({"categories": ["new"], "tags": ["vip"], "fields": [{"key": "qty", "op": "gt", "value": 5}]}),
            set(&["b"]),
        ),
    ];
    for (filters, want) in cases {
        assert_eq!(names_in_view(&app, &admin, filters.clone(), &t).await, want, "{filters}");
    }
}

#[tokio::test]
async fn personal_views_are_private_and_shared_ones_are_changed_by_admins_only() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let anna = app.login("acme", "anna@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    // Act
    let (_, mine) = send(app.http.post(app.url("/api/v1/views")).session(&anna).json(&json!({"name": "Mine"}))).await;
    let (_, shared) =
        send(app.http.post(app.url("/api/v1/views")).session(&admin).json(&json!({"name": "Team", "shared": true})))
            .await;
    let (share_status, share) =
        send(app.http.post(app.url("/api/v1/views")).session(&anna).json(&json!({"name": "X", "shared": true}))).await;
    // Assert
    assert_eq!(share_status, 422, "{share}");
    assert_eq!(share["errors"][0]["pointer"], "/shared");
    let names = |v: Value| {
        v["data"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names(send(app.http.get(app.url("/api/v1/views")).session(&anna)).await.1), ["Mine", "Team"]);
    assert_eq!(names(send(app.http.get(app.url("/api/v1/views")).session(&admin)).await.1), ["Team"]);
    let (status, _) = send(app.http.get(app.url(&format!("/api/v1/views/{}", mine["id"]))).session(&admin)).await;
    assert_eq!(status, 404, "an admin does not see another user's personal view");
    let (status, _) = send(
        app.http
            .patch(app.url(&format!("/api/v1/views/{}", shared["id"])))
            .session(&anna)
            .json(&json!({"name": "Mine now"})),
    )
    .await;
    assert_eq!(status, 403, "an agent cannot rename the team's view");
    let (status, _) = send(app.http.delete(app.url(&format!("/api/v1/views/{}", shared["id"]))).session(&anna)).await;
    assert_eq!(status, 403);
    let (status, _) = send(app.http.get(app.url("/api/v1/views")).session(&carla)).await;
    assert_eq!(status, 403, "customers have no views");
    let (status, renamed) = send(
        app.http
            .patch(app.url(&format!("/api/v1/views/{}", mine["id"])))
            .session(&anna)
            .json(&json!({"name": "Renamed", "columns": ["subject", "status"]})),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["columns"], json!(["subject", "status"]));
}

#[tokio::test]
async fn a_bad_filter_is_refused_with_pointers_and_nothing_is_saved() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let body = json!({"name": "Broken", "columns": ["subject", "secret"], "sort": "random",
                      "filters": {"assignee": "somebody", "fields": [{"key": "nope", "op": "eq", "value": 1}]}});
    // Act
    let (status, problem) = send(app.http.post(app.url("/api/v1/views")).session(&admin).json(&body)).await;
    // Assert
    assert_eq!(status, 422, "{problem}");
    let pointers: BTreeSet<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, BTreeSet::from(["/filters/assignee", "/filters/fields/0/key", "/columns", "/sort"]));
    let (_, list) = send(app.http.get(app.url("/api/v1/views")).session(&admin)).await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn view_counts_follow_ticket_changes() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.login("acme", "admin@acme.test").await;
    let key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let body = json!({"name": "VIP", "filters": {"tags": ["vip"], "categories": ["new", "open"]}});
    let (_, view) = send(app.http.post(app.url("/api/v1/views")).session(&admin).json(&body)).await;
    let count = || async {
        let (_, counts) = send(app.http.get(app.url("/api/v1/views/counts")).session(&admin)).await;
        counts[view["id"].to_string()]["count"].as_i64().unwrap()
    };
    assert_eq!(count().await, 0);
    // Act
    let new =
        json!({"subject": "s", "requester": {"email": "v@example.com"}, "message": {"body": "b"}, "tags": ["vip"]});
    let (_, t) = send(app.http.post(app.url("/api/v1/tickets")).key(&key).json(&new)).await;
    let after_create = count().await;
    let solved = json!({"remove_tags": ["vip"]});
    let (status, _) =
        send(app.http.patch(app.url(&format!("/api/v1/tickets/{}", t["id"]))).key(&key).json(&solved)).await;
    // Assert
    assert_eq!(after_create, 1);
    assert_eq!(status, 200);
    assert_eq!(count().await, 0);
}

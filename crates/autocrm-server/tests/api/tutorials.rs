//! Tutorials over HTTP: staff authoring (graph validation as problem
//! documents with pointers, publishing, analytics), the public JSON API
//! (drafts hidden, workspaces isolated, CORS), runs to "open a ticket" with
//! the path prefilled, who the ticket is for, the anonymous rate limit, and
//! the help center's pages walked without JavaScript.

use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use serde_json::{Value, json};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// "My package has not arrived": shipped? → tracking says delivered? → ticket / solved.
fn body(title: &str) -> Value {
    json!({
        "title": {"en": title, "de": "Mein Paket ist nicht angekommen"},
        "description": {"en": "Find out where it is"},
        "tags": ["Shipping"],
        "start": "shipped",
        "steps": [
            {"key": "shipped", "title": {"en": "Has your order shipped?", "de": "Wurde Ihre Bestellung versandt?"},
             "content": {"en": "<p>Check the e-mail <em>we sent</em>.</p><img src=x onerror=alert(1)>"},
             "choices": [
                {"key": "yes", "label": {"en": "Yes", "de": "Ja"}, "target": {"type": "step", "step": "tracking"}},
                {"key": "no", "label": {"en": "No", "de": "Nein"}, "target": {"type": "solved", "message": {"en": "It ships within 2 days."}}}
             ]},
            {"key": "tracking", "title": {"en": "Does tracking say delivered?", "de": "Steht in der Sendungsverfolgung „zugestellt“?"},
             "choices": [
                {"key": "delivered", "label": {"en": "Yes, but I have nothing", "de": "Ja, aber ich habe nichts"},
                 "target": {"type": "open_ticket", "subject": {"en": "Package marked delivered but missing"}, "category": "shipping"}},
                {"key": "moving", "label": {"en": "No, it is on its way"}, "target": {"type": "solved"}},
                {"key": "faq", "label": {"en": "Read the FAQ"}, "target": {"type": "article", "url": "/help/articles/3"}}
             ]}
        ]
    })
}

async fn published(app: &TestApp, s: &Session) -> i64 {
    let (status, t) =
        send(app.http.post(app.url("/api/v1/tutorials")).session(s).json(&body("Package not arrived"))).await;
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    let (status, p) = send(app.http.post(app.url(&format!("/api/v1/tutorials/{id}/publish"))).session(s)).await;
    assert_eq!(status, 200, "{p}");
    id
}

async fn run_to_ticket(app: &TestApp, id: i64, auth: Option<&Session>) -> Value {
    let with = |r: reqwest::RequestBuilder| match auth {
        Some(s) => r.session(s),
        None => r,
    };
    let (status, run) = send(
        with(app.http.post(app.url(&format!("/api/v1/help/tutorials/{id}/runs?workspace=acme"))))
            .json(&json!({"channel": "widget"})),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let rid = run["run_id"].as_str().unwrap().to_owned();
    let choose = |step: &str, choice: &str| {
        with(app.http.post(app.url(&format!("/api/v1/help/tutorial-runs/{rid}/choices?workspace=acme"))))
            .json(&json!({"step": step, "choice": choice}))
    };
    let (status, _) = send(choose("shipped", "yes")).await;
    assert_eq!(status, 200);
    let (status, done) = send(choose("tracking", "delivered")).await;
    assert_eq!(status, 200, "{done}");
    done
}

#[tokio::test]
async fn staff_create_edit_publish_and_delete_a_tutorial() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    // Act
    let (status, t) = send(app.http.post(app.url("/api/v1/tutorials")).session(&anna).json(&body("Package"))).await;
    let id = t["id"].as_i64().unwrap();
    let url = app.url(&format!("/api/v1/tutorials/{id}"));
    let (patched_status, patched) =
        send(app.http.patch(&url).session(&anna).json(&json!({"title": {"en": "Package not arrived"}, "revision": 1})))
            .await;
    let (stale_status, stale) =
        send(app.http.patch(&url).session(&anna).json(&json!({"tags": ["x"], "revision": 1}))).await;
    let (_, published) = send(app.http.post(app.url(&format!("/api/v1/tutorials/{id}/publish"))).session(&anna)).await;
    let (_, list) = send(app.http.get(app.url("/api/v1/tutorials")).session(&anna)).await;
    let (deleted, _) = send(app.http.delete(&url).session(&anna)).await;
    let (gone, _) = send(app.http.get(&url).session(&anna)).await;
    // Assert
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["status"], "draft");
    assert_eq!(t["tags"], json!(["shipping"]));
    assert_eq!(t["locales"], json!(["de", "en"]));
    assert_eq!(t["steps"][0]["content"]["en"], "<p>Check the e-mail <em>we sent</em>.</p><img src=\"x\">");
    assert_eq!((patched_status, patched["revision"].as_i64()), (200, Some(2)));
    assert_eq!(stale_status, 409, "{stale}");
    assert_eq!(stale["code"], "tutorial_changed");
    assert_eq!(published["status"], "published");
    assert_eq!(published["published_version"], 1);
    assert_eq!(list["data"][0]["title"], "Package not arrived");
    assert_eq!(list["data"][0]["step_count"], 2);
    assert_eq!((deleted, gone), (204, 404));
}

#[tokio::test]
async fn a_bad_graph_is_a_problem_document_with_a_pointer_per_problem() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let (_, t) = send(app.http.post(app.url("/api/v1/tutorials")).session(&anna).json(&body("Package"))).await;
    let id = t["id"].as_i64().unwrap();
    let mut bad = body("Package");
    bad["start"] = json!("missing");
    bad["steps"][0]["choices"][0]["target"]["step"] = json!("nowhere");
    bad["steps"][1]["choices"] = json!([]);
    bad["steps"][1]["title"] = json!({"de": "Nur Deutsch"});
    // Act
    let res =
        app.http.patch(app.url(&format!("/api/v1/tutorials/{id}"))).session(&anna).json(&bad).send().await.unwrap();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    let status = res.status().as_u16();
    let problem: Value = res.json().await.unwrap();
    let (_, check) =
        send(app.http.post(app.url(&format!("/api/v1/tutorials/{id}/validate"))).session(&anna).json(&bad)).await;
    let (_, after) = send(app.http.get(app.url(&format!("/api/v1/tutorials/{id}"))).session(&anna)).await;
    // Assert
    assert_eq!(status, 422);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["code"], "invalid_input");
    let pointers: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    for want in ["/start", "/steps/0/choices/0/target/step", "/steps/1/choices", "/steps/1/title/en"] {
        assert!(pointers.contains(&want), "{want} missing from {pointers:?}");
    }
    assert_eq!(check["valid"], false);
    assert_eq!(check["problems"].as_array().unwrap().len(), pointers.len());
    assert_eq!(after["start"], "shipped", "nothing changed");
    assert_eq!(after["revision"], 1);
}

#[tokio::test]
async fn public_endpoints_hide_drafts_and_other_workspaces_and_answer_any_origin() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let id = published(&app, &anna).await;
    let (_, draft) = send(app.http.post(app.url("/api/v1/tutorials")).session(&anna).json(&body("Draft only"))).await;
    // Act
    let res = app
        .http
        .get(app.url("/api/v1/help/tutorials?workspace=acme&locale=de-CH"))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    let cors = res.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned());
    let list: Value = res.json().await.unwrap();
    let (draft_status, _) =
        send(app.http.get(app.url(&format!("/api/v1/help/tutorials/{}?workspace=acme", draft["id"])))).await;
    let (foreign_status, _) =
        send(app.http.get(app.url(&format!("/api/v1/help/tutorials/{id}?workspace=other")))).await;
    let (_, foreign_list) = send(app.http.get(app.url("/api/v1/help/tutorials?workspace=other"))).await;
    let (foreign_run, _) =
        send(app.http.post(app.url(&format!("/api/v1/help/tutorials/{id}/runs?workspace=other"))).json(&json!({})))
            .await;
    let (_, one) = send(app.http.get(app.url(&format!("/api/v1/help/tutorials/{id}?workspace=acme&locale=fr")))).await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url(&format!("/api/v1/help/tutorials/{id}/runs")))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    let other = app.login("other", "admin@other.test").await;
    let (foreign_staff, _) = send(app.http.get(app.url(&format!("/api/v1/tutorials/{id}"))).session(&other)).await;
    // Assert
    assert_eq!(cors.as_deref(), Some("*"));
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["data"][0]["title"], "Mein Paket ist nicht angekommen");
    assert_eq!(list["data"][0]["locale"], "de");
    assert_eq!((draft_status, foreign_status, foreign_run, foreign_staff), (404, 404, 404, 404));
    assert_eq!(foreign_list["data"], json!([]));
    assert_eq!(one["locale"], "en");
    assert_eq!(one["fallback"], true);
    assert_eq!(one["steps"][0]["choices"][0]["next_step"], "tracking");
    assert_eq!(one["steps"][1]["choices"][0]["outcome"], "open_ticket");
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let allowed = preflight.headers()["access-control-allow-headers"].to_str().unwrap().to_lowercase();
    assert!(allowed.contains("content-type") && allowed.contains("authorization"), "{allowed}");
}

#[tokio::test]
async fn an_anonymous_run_to_open_a_ticket_prefills_the_path_and_the_ticket_carries_it() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let id = published(&app, &anna).await;
    let done = run_to_ticket(&app, id, None).await;
    let rid = done["run_id"].as_str().unwrap().to_owned();
    let ticket_url = app.url(&format!("/api/v1/help/tutorial-runs/{rid}/ticket?workspace=acme"));
    // Act
    let (missing, problem) = send(app.http.post(&ticket_url).json(&json!({"details": "?"}))).await;
    let (created, after) = send(
        app.http
            .post(&ticket_url)
            .json(&json!({"name": "Mia <b>Meyer</b>", "email": "mia@example.test", "details": "Order #W123"})),
    )
    .await;
    let (twice, _) = send(app.http.post(&ticket_url).json(&json!({"email": "mia@example.test"}))).await;
    // Assert
    assert_eq!(done["outcome"]["kind"], "open_ticket");
    assert_eq!(done["outcome"]["requester"], "name_and_email");
    assert_eq!(done["step"], Value::Null);
    let text = done["outcome"]["prefill"]["text"].as_str().unwrap();
    assert_eq!(
        text,
        "I went through the tutorial \"Package not arrived\":\n1. Has your order shipped? — Yes\n\
         2. Does tracking say delivered? — Yes, but I have nothing\n"
    );
    assert_eq!(done["outcome"]["prefill"]["subject"], "Package marked delivered but missing");
    assert!(
        done["outcome"]["prefill"]["portal_url"].as_str().unwrap().starts_with("/portal/tickets/new?subject=Package")
    );
    assert_eq!(missing, 422);
    assert_eq!(problem["errors"][0]["pointer"], "/email");
    assert_eq!(created, 201, "{after}");
    let number = after["outcome"]["ticket"]["number"].as_i64().unwrap();
    assert_eq!(after["outcome"]["ticket"]["id"], Value::Null, "an anonymous caller does not get to read it");
    assert_eq!(twice, 409);
    let (_, tickets) = send(app.http.get(app.url("/api/v1/tickets?limit=5")).session(&anna)).await;
    let t = tickets["data"].as_array().unwrap().iter().find(|t| t["number"] == number).unwrap().clone();
    assert_eq!(t["subject"], "Package marked delivered but missing");
    assert_eq!(t["requester"]["email"], "mia@example.test");
    assert_eq!(t["tags"], json!(["tutorial", "shipping"]));
    let (_, msgs) = send(app.http.get(app.url(&format!("/api/v1/tickets/{}/messages", t["id"]))).session(&anna)).await;
    let html = msgs["data"][0]["body_html"].as_str().unwrap();
    assert!(html.contains("<li>Has your order shipped? — <strong>Yes</strong></li>"), "{html}");
    assert!(html.contains("Order #W123"), "{html}");
}

#[tokio::test]
async fn a_signed_in_customer_is_the_requester_of_the_ticket() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let id = published(&app, &anna).await;
    let done = run_to_ticket(&app, id, Some(&carla)).await;
    let rid = done["run_id"].as_str().unwrap().to_owned();
    let url = app.url(&format!("/api/v1/help/tutorial-runs/{rid}/ticket?workspace=acme"));
    // Act: without its CSRF token the session does not count (anonymous: an address is needed).
    let (no_csrf, _) = send(app.http.post(&url).header("cookie", &carla.cookie).json(&json!({}))).await;
    let (status, after) = send(app.http.post(&url).session(&carla).json(&json!({}))).await;
    // Assert
    assert_eq!(done["outcome"]["requester"], "none");
    assert_eq!(no_csrf, 422);
    assert_eq!(status, 201, "{after}");
    let ticket_id = after["outcome"]["ticket"]["id"].as_i64().expect("the requester may open it");
    let (seen, t) = send(app.http.get(app.url(&format!("/api/v1/tickets/{ticket_id}"))).session(&carla)).await;
    assert_eq!(seen, 200, "{t}");
    assert_eq!(t["requester"]["email"], "carla@customer.test");
    let bob = app.login("acme", "bob@customer.test").await;
    let (other, _) = send(app.http.get(app.url(&format!("/api/v1/tickets/{ticket_id}"))).session(&bob)).await;
    assert_eq!(other, 404);
}

#[tokio::test]
async fn anonymous_tickets_from_one_client_are_rate_limited() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let id = published(&app, &anna).await;
    let mut statuses = Vec::new();
    let mut last = Value::Null;
    // Act
    for i in 0..4 {
        let done = run_to_ticket(&app, id, None).await;
        let rid = done["run_id"].as_str().unwrap().to_owned();
        let res = app
            .http
            .post(app.url(&format!("/api/v1/help/tutorial-runs/{rid}/ticket?workspace=acme")))
            .json(&json!({"email": format!("visitor{i}@example.test")}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
        if i == 3 {
            assert!(res.headers().contains_key("retry-after"));
            last = res.json().await.unwrap();
        }
    }
    // Assert
    assert_eq!(statuses, [201, 201, 201, 429]);
    assert_eq!(last["code"], "rate_limited");
}

#[tokio::test]
async fn analytics_show_the_runs_and_where_customers_left() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let id = published(&app, &anna).await;
    run_to_ticket(&app, id, None).await;
    let (_, started) =
        send(app.http.post(app.url(&format!("/api/v1/help/tutorials/{id}/runs?workspace=acme"))).json(&json!({})))
            .await;
    assert_eq!(started["step"]["key"], "shipped");
    // Act
    let (status, a) = send(app.http.get(app.url(&format!("/api/v1/tutorials/{id}/analytics"))).session(&anna)).await;
    let carla = app.login("acme", "carla@customer.test").await;
    let (customer, _) = send(app.http.get(app.url(&format!("/api/v1/tutorials/{id}/analytics"))).session(&carla)).await;
    // Assert
    assert_eq!(status, 200, "{a}");
    assert_eq!((a["starts"].as_i64(), a["completions"].as_i64()), (Some(2), Some(1)));
    assert_eq!(a["outcomes"]["open_ticket"], 1);
    assert_eq!(a["channels"]["widget"], 1);
    assert_eq!(a["steps"][0]["step"], "shipped");
    assert_eq!(a["steps"][0]["title"], "Has your order shipped?");
    assert_eq!(a["steps"][0]["reached"], 2);
    assert_eq!(a["steps"][0]["in_progress"], 1);
    assert_eq!(a["steps"][0]["choices"]["yes"], 1);
    assert_eq!(a["steps"][1]["finished"], 1);
    assert_eq!(customer, 403);
}

#[tokio::test]
async fn step_images_upload_and_serve_only_once_published() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let (_, t) = send(app.http.post(app.url("/api/v1/tutorials")).session(&anna).json(&body("Pictures"))).await;
    let id = t["id"].as_i64().unwrap();
    let (ct, bytes) = crate::attachments::multipart("box.png", "image/png", b"\x89PNG\r\n\x1a\npixels", None);
    // Act
    let (status, image) = send(
        app.http
            .post(app.url(&format!("/api/v1/tutorials/{id}/images")))
            .session(&anna)
            .header("content-type", ct)
            .body(bytes),
    )
    .await;
    let url = app.url(image["url"].as_str().unwrap());
    let draft_public = app.http.get(&url).send().await.unwrap().status().as_u16();
    let draft_staff = app.http.get(&url).header("cookie", &anna.cookie).send().await.unwrap().status().as_u16();
    let mut with_image = body("Pictures");
    with_image["steps"][0]["image"] = image["id"].clone();
    let (saved, _) =
        send(app.http.patch(app.url(&format!("/api/v1/tutorials/{id}"))).session(&anna).json(&with_image)).await;
    send(app.http.post(app.url(&format!("/api/v1/tutorials/{id}/publish"))).session(&anna)).await;
    let served = app.http.get(&url).send().await.unwrap();
    let (_, public) = send(app.http.get(app.url(&format!("/api/v1/help/tutorials/{id}?workspace=acme")))).await;
    // Assert
    assert_eq!(status, 201, "{image}");
    assert_eq!((draft_public, draft_staff, saved), (404, 200, 200));
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(public["steps"][0]["image_url"], image["url"]);
}

/// The value of `name="…" value="…"` hidden inputs and links in a page.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start} not in page:\n{html}")) + start.len();
    &html[from..from + html[from..].find(end).unwrap()]
}

#[tokio::test]
async fn the_help_center_walks_a_tutorial_to_a_ticket_without_javascript() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    published(&app, &anna).await;
    // Act: the list, the guide's page, then forms only (redirects followed like a browser).
    let list = app.http.get(app.url("/help/tutorials?lang=en")).send().await.unwrap().text().await.unwrap();
    let guide_href = between(&list, "<a href=\"/help/tutorials/", "\"").to_owned();
    let guide =
        app.http.get(app.url(&format!("/help/tutorials/{guide_href}"))).send().await.unwrap().text().await.unwrap();
    let start_action = between(&guide, "<form method=\"post\" action=\"", "\"").replace("&amp;", "&");
    let step1 = app.http.post(app.url(&start_action)).form(&[("lang", "de")]).send().await.unwrap();
    let run_url = step1.url().clone();
    let step1 = step1.text().await.unwrap();
    let choose_action = between(&step1, "<form method=\"post\" action=\"", "\"").replace("&amp;", "&");
    let step2 =
        app.http.post(app.url(&choose_action)).form(&[("step", "shipped"), ("choice", "yes")]).send().await.unwrap();
    let step2 = step2.text().await.unwrap();
    let outcome = app
        .http
        .post(app.url(&choose_action))
        .form(&[("step", "tracking"), ("choice", "delivered")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ticket_action =
        between(&outcome, "<form method=\"post\" action=\"/help/tutorials/runs/", "\"").replace("&amp;", "&");
    let invalid = app
        .http
        .post(app.url(&format!("/help/tutorials/runs/{ticket_action}")))
        .form(&[("email", "not-an-address")])
        .send()
        .await
        .unwrap();
    let invalid_status = invalid.status().as_u16();
    let invalid = invalid.text().await.unwrap();
    let opened = app
        .http
        .post(app.url(&format!("/help/tutorials/runs/{ticket_action}")))
        .form(&[("name", "Lea"), ("email", "lea@example.test"), ("details", "Order W42")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Assert
    assert!(list.contains("Package not arrived"), "{list}");
    assert!(run_url.path().starts_with("/help/tutorials/runs/run_"), "{run_url}");
    assert!(step1.contains("Wurde Ihre Bestellung versandt?"), "the run is in the language posted:\n{step1}");
    assert!(step1.contains("<button type=\"submit\" name=\"choice\" value=\"yes\">Ja</button>"), "{step1}");
    assert!(step2.contains("Steht in der Sendungsverfolgung „zugestellt“?"), "{step2}");
    // The guide speaks German as posted; the page around it speaks the help center's language.
    assert!(outcome.contains("<h1 id=\"step-title\">Open a ticket</h1>"), "{outcome}");
    let transcript = between(&outcome, "<ol id=\"ticket-transcript\"", "</ol>");
    assert!(transcript.contains("Wurde Ihre Bestellung versandt? — <strong>Ja</strong>"), "{transcript}");
    assert!(transcript.contains("Ja, aber ich habe nichts"), "{transcript}");
    assert!(outcome.contains("/portal/tickets/new?subject="), "{outcome}");
    assert_eq!(invalid_status, 422);
    assert!(invalid.contains("This is not an e-mail address."), "{invalid}");
    assert!(invalid.contains("value=\"not-an-address\""), "the form keeps what was typed");
    assert!(opened.contains("We opened ticket #"), "{opened}");
    let (_, tickets) = send(app.http.get(app.url("/api/v1/tickets?limit=5")).session(&anna)).await;
    assert_eq!(tickets["data"][0]["requester"]["email"], "lea@example.test");
}

//! The AI in the agents' flow: every inbound message triaged as it is
//! stored; agents' categories train the classifier; suggested replies and
//! summaries with their sources, recorded with what agents did with them;
//! the LLM endpoint per workspace with its budget and the fall-back.

use autocrm_testkit::fake_llm::FakeLlm;
use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use serde_json::{Value, json};

async fn customer_ticket(app: &TestApp, s: &Session, subject: &str, body: &str) -> Value {
    let res = app
        .http
        .post(app.url("/api/v1/tickets"))
        .session(s)
        .json(&json!({"subject": subject, "message": {"body": body}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// Asks for a German translation of a fixed sentence on the ticket.
async fn translate(app: &TestApp, s: &Session, id: i64) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/api/v1/tickets/{id}/ai/translate")))
        .session(s)
        .json(&json!({"text": "Your parcel is on its way.", "target": "de"}))
        .send()
        .await
        .unwrap()
}

async fn get(app: &TestApp, s: &Session, path: &str) -> Value {
    let res = app.http.get(app.url(path)).session(s).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_inbound_message_is_triaged_as_it_is_stored_and_only_staff_see_it() {
    // Arrange
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let anna = app.login("acme", "anna@acme.test").await;

    // Act
    let angry = customer_ticket(
        &app,
        &carla,
        "Parcel never arrived",
        "This is terrible! My parcel #W1234567 never arrived and I was charged twice. I want a refund immediately.",
    )
    .await;
    let happy =
        customer_ticket(&app, &carla, "Thank you", "Thanks so much, the blender works perfectly. Great service!").await;

    // Assert: the ticket carries the triage for agents, in the queue's list too.
    let id = angry["id"].as_i64().unwrap();
    let t = get(&app, &anna, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(t["ai"]["sentiment"], "negative", "{t}");
    assert_eq!(t["ai"]["language"], "en");
    assert!(matches!(t["ai"]["urgency"].as_str(), Some("high" | "urgent")), "{t}");
    let h = get(&app, &anna, &format!("/api/v1/tickets/{}", happy["id"])).await;
    assert_eq!(h["ai"]["sentiment"], "positive", "{h}");
    let listed = get(&app, &anna, "/api/v1/tickets?limit=10").await;
    assert!(listed["data"].as_array().unwrap().iter().all(|t| t["ai"]["sentiment"].is_string()));

    // The message has the full triage with the entities and the engine.
    let msgs = get(&app, &anna, &format!("/api/v1/tickets/{id}/messages")).await;
    let triage = &msgs["data"][0]["triage"];
    assert_eq!(triage["provenance"]["engine"], "builtin", "{triage}");
    assert!(triage["entities"]["order_numbers"].to_string().contains("W1234567"), "{triage}");

    // The customer sees neither.
    assert!(angry["ai"].is_null(), "{angry}");
    let mine = get(&app, &carla, &format!("/api/v1/tickets/{id}/messages")).await;
    assert!(mine["data"][0]["triage"].is_null());

    // Views filter on it.
    let negative = get(&app, &anna, "/api/v1/tickets?limit=50").await;
    assert_eq!(negative["data"].as_array().unwrap().len(), 2);
    let res = app
        .http
        .post(app.url("/api/v1/views"))
        .session(&anna)
        .json(&json!({"name": "Upset customers", "filters": {"sentiments": ["negative"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let view: Value = res.json().await.unwrap();
    let shown = get(&app, &anna, &format!("/api/v1/views/{}/tickets", view["id"])).await;
    let ids: Vec<i64> = shown["data"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![id]);
    let bad = app
        .http
        .post(app.url("/api/v1/views"))
        .session(&anna)
        .json(&json!({"name": "Bad", "filters": {"sentiments": ["furious"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    // An admin turns triage off: new messages are stored without it.
    let admin = app.login("acme", "admin@acme.test").await;
    let res = app
        .http
        .patch(app.url("/api/v1/ai/settings"))
        .session(&admin)
        .json(&json!({"auto_triage": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let quiet = customer_ticket(&app, &carla, "Terrible", "This is terrible and I am furious!").await;
    let q = get(&app, &anna, &format!("/api/v1/tickets/{}", quiet["id"])).await;
    assert!(q["ai"]["sentiment"].is_null(), "{q}");
}

/// Labelled examples: (subject, body, category).
const LABELLED: &[(&str, &str, &str)] = &[
    ("Where is my parcel", "My package has not arrived yet, where is it?", "shipping"),
    ("Tracking not moving", "The tracking for my delivery has not updated in days", "shipping"),
    ("Late delivery", "My order shipment is late, when will the parcel be delivered?", "shipping"),
    ("Delivery address", "Can you deliver my package to a different address?", "shipping"),
    ("Courier lost it", "The courier says the parcel was delivered but I never got the package", "shipping"),
    ("Refund please", "I returned the jacket, when do I get my refund?", "returns"),
    ("Return label", "How do I return an item? I need a return label", "returns"),
    ("Money back", "I want my money back for the broken kettle, please refund", "returns"),
    ("Refund status", "The refund for my returned shoes has not shown up on my card", "returns"),
    ("Exchange size", "Can I exchange the shoes for a bigger size and return these?", "returns"),
    ("Password", "I forgot my password and cannot log in to my account", "account"),
    ("Delete account", "Please delete my account and my data", "account"),
    ("Change email", "How do I change the e-mail address on my account?", "account"),
    ("Login broken", "The login page says my account is locked", "account"),
    ("Sign up", "I cannot create an account, the sign up form fails", "account"),
];

#[tokio::test]
async fn agents_categories_train_the_classifier_and_the_ai_never_overrides_them() {
    // Arrange: agents categorise fifteen tickets.
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let anna = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    let cats = get(&app, &anna, "/api/v1/ticket-categories").await;
    let keys: Vec<&str> = cats["data"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"shipping") && keys.contains(&"returns") && keys.contains(&"account"), "{cats}");
    for (subject, body, category) in LABELLED {
        let t = customer_ticket(&app, &carla, subject, body).await;
        let res = app
            .http
            .put(app.url(&format!("/api/v1/tickets/{}/category", t["id"])))
            .session(&anna)
            .json(&json!({"category": category}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let out: Value = res.json().await.unwrap();
        assert_eq!(out["ai"]["category"], *category);
        assert_eq!(out["ai"]["category_source"], "agent");
    }
    // An unknown category changes nothing.
    let bad = app
        .http
        .put(app.url("/api/v1/tickets/1/category"))
        .session(&anna)
        .json(&json!({"category": "nonsense"}))
        .send()
        .await
        .unwrap();
    assert!(bad.status() == 422 || bad.status() == 404, "{}", bad.status());

    // Act: retrain now (a correction also schedules it), then new mail arrives.
    let models = app.http.post(app.url("/api/v1/ai/models/retrain")).session(&admin).send().await.unwrap();
    assert_eq!(models.status(), 200);
    let models: Value = models.json().await.unwrap();
    let category_model = models["data"].as_array().unwrap().iter().find(|m| m["kind"] == "category").unwrap();
    assert_eq!(category_model["examples"], 15);
    assert_eq!(category_model["labels"], 3);
    let fresh =
        customer_ticket(&app, &carla, "Package missing", "My parcel still has not arrived, the tracking is stuck")
            .await;
    let refund =
        customer_ticket(&app, &carla, "Refund", "I sent the item back two weeks ago, where is my refund?").await;

    // Assert
    let f = get(&app, &anna, &format!("/api/v1/tickets/{}", fresh["id"])).await;
    assert_eq!(f["ai"]["category"], "shipping", "{f}");
    assert_eq!(f["ai"]["category_source"], "ai");
    assert!(f["ai"]["category_confidence"].as_f64().unwrap() > 0.0);
    let r = get(&app, &anna, &format!("/api/v1/tickets/{}", refund["id"])).await;
    assert_eq!(r["ai"]["category"], "returns", "{r}");

    // An agent's correction stands when the customer writes again.
    let id = fresh["id"].as_i64().unwrap();
    app.http
        .put(app.url(&format!("/api/v1/tickets/{id}/category")))
        .session(&anna)
        .json(&json!({"category": "account"}))
        .send()
        .await
        .unwrap();
    let res = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&carla)
        .json(&json!({"body": "Any news about my parcel delivery and the tracking?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let after = get(&app, &anna, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(after["ai"]["category"], "account");
    assert_eq!(after["ai"]["category_source"], "agent");

    // The correction is in the ticket's trail, and a retraining is queued.
    let trail = get(&app, &anna, &format!("/api/v1/tickets/{id}/events")).await;
    let corrected = trail["data"].as_array().unwrap().iter().find(|e| e["type"] == "ticket.categorized").unwrap();
    assert_eq!(corrected["data"]["correction"], true, "{corrected}");
    assert!(autocrm_store::jobs::pending(&app.store).await.unwrap() >= 1);
}

#[tokio::test]
async fn a_suggested_reply_cites_its_sources_and_what_the_agent_did_is_reported() {
    // Arrange: a macro and a published article about returns.
    let app = spawn_app().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let anna = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    let res = app
        .http
        .post(app.url("/api/v1/macros"))
        .session(&admin)
        .json(&json!({"name": "Return instructions", "shared": true,
            "reply": "<p>Hi {{ requester.first_name }}, to return an item open your order, choose Return and print the label. Your refund follows within 5 days.</p>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let t = customer_ticket(&app, &carla, "Return", "How do I return the shoes I bought? I want a refund.").await;
    let id = t["id"].as_i64().unwrap();

    // Act
    let res = app.http.post(app.url(&format!("/api/v1/tickets/{id}/ai/reply"))).session(&anna).send().await.unwrap();

    // Assert
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let s: Value = res.json().await.unwrap();
    assert!(s["text"].as_str().unwrap().contains("print the label"), "{s}");
    assert!(s["text"].as_str().unwrap().contains("Carla"), "the placeholder is filled: {s}");
    assert_eq!(s["citations"][0]["kind"], "macro", "{s}");
    assert_eq!(s["provenance"]["engine"], "builtin");
    assert_eq!(s["outcome"], "shown");
    let audit = get(&app, &anna, &format!("/api/v1/tickets/{id}/events")).await;
    let suggested = audit["data"].as_array().unwrap().iter().find(|e| e["type"] == "ai.suggested").unwrap();
    assert!(suggested["data"]["suggestion"]["inputs"]["message_ids"].as_array().is_some_and(|m| !m.is_empty()));

    // The agent edits and sends it.
    let sent = app
        .http
        .post(app.url(&format!("/api/v1/tickets/{id}/messages")))
        .session(&anna)
        .json(&json!({"body": "Hi Carla, to return an item open your order and choose Return. Refunds take 5 days."}))
        .send()
        .await
        .unwrap();
    let sent: Value = sent.json().await.unwrap();
    let res = app
        .http
        .put(app.url(&format!("/api/v1/ai/suggestions/{}/outcome", s["id"])))
        .session(&anna)
        .json(&json!({"outcome": "edited", "final_text": "Hi Carla, to return an item open your order and choose Return. Refunds take 5 days.", "message_id": sent["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bad = app
        .http
        .put(app.url(&format!("/api/v1/ai/suggestions/{}/outcome", s["id"])))
        .session(&anna)
        .json(&json!({"outcome": "loved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    // A summary, too.
    let sum = app.http.post(app.url(&format!("/api/v1/tickets/{id}/ai/summary"))).session(&anna).send().await.unwrap();
    assert_eq!(sum.status(), 200);
    let sum: Value = sum.json().await.unwrap();
    assert!(!sum["text"].as_str().unwrap().is_empty());

    let report = get(&app, &anna, "/api/v1/reports/ai").await;
    let reply = report["suggestions"].as_array().unwrap().iter().find(|r| r["kind"] == "reply").unwrap();
    assert_eq!(reply["shown"], 1);
    assert_eq!(reply["edited"], 1);
    let similarity = reply["mean_similarity"].as_f64().unwrap();
    assert!(similarity > 0.2 && similarity < 1.0, "{reply}");

    // Another workspace sees none of it.
    let otto = app.login("other", "admin@other.test").await;
    let theirs = get(&app, &otto, "/api/v1/reports/ai").await;
    assert!(theirs["suggestions"].as_array().unwrap().is_empty());
    let res = app.http.post(app.url(&format!("/api/v1/tickets/{id}/ai/reply"))).session(&otto).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_llm_endpoint_writes_when_configured_and_the_built_in_engine_stands_in_when_it_fails() {
    // Arrange
    let app = spawn_app().await;
    let llm = FakeLlm::start().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let anna = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    let t = customer_ticket(&app, &carla, "Where is my order", "My order has not arrived, where is it?").await;
    let id = t["id"].as_i64().unwrap();

    // Without an endpoint, translation is refused and nothing is recorded.
    let res = translate(&app, &anna, id).await;
    assert_eq!(res.status(), 409);

    // Bad settings are refused; the key is write-only.
    let bad = app
        .http
        .patch(app.url("/api/v1/ai/settings"))
        .session(&admin)
        .json(&json!({"llm_base_url": "ftp://nowhere"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let res = app
        .http
        .patch(app.url("/api/v1/ai/settings"))
        .session(&admin)
        .json(&json!({"llm_base_url": format!("{}/v1", llm.base_url.trim_end_matches("/v1")), "llm_model": "fake-1", "llm_api_key": "sk-secret-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let settings: Value = res.json().await.unwrap();
    assert_eq!(settings["llm_api_key_set"], true);
    assert!(!settings.to_string().contains("sk-secret-123"));
    let agent_refused = app.http.get(app.url("/api/v1/ai/settings")).session(&anna).send().await.unwrap();
    assert_eq!(agent_refused.status(), 403);

    // Act: the endpoint writes the reply.
    let res = app.http.post(app.url(&format!("/api/v1/tickets/{id}/ai/reply"))).session(&anna).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["provenance"]["engine"], "llm", "{s}");
    assert_eq!(s["provenance"]["model"], "fake-1");
    assert!(s["provenance"]["prompt_version"].as_str().unwrap().starts_with("suggest_reply@"));
    assert!(llm.authorizations().iter().any(|a| a.as_deref() == Some("Bearer sk-secret-123")));
    let tr = translate(&app, &anna, id).await;
    assert_eq!(tr.status(), 200, "{}", tr.text().await.unwrap());

    // The endpoint fails: the built-in engine answers instead.
    llm.set_failing(503);
    let res = app.http.post(app.url(&format!("/api/v1/tickets/{id}/ai/reply"))).session(&anna).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["provenance"]["engine"], "builtin", "{s}");
    llm.clear_failing();

    // A spent budget: the built-in engine answers; translation (LLM only) gets 429.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await; // charges are recorded in the background
    let used = get(&app, &admin, "/api/v1/ai/settings").await;
    assert!(used["tokens_used"].as_i64().unwrap() > 0, "{used}");
    app.http
        .patch(app.url("/api/v1/ai/settings"))
        .session(&admin)
        .json(&json!({"monthly_token_budget": 1}))
        .send()
        .await
        .unwrap();
    let before = llm.requests().len();
    let res = app.http.post(app.url(&format!("/api/v1/tickets/{id}/ai/reply"))).session(&anna).send().await.unwrap();
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["provenance"]["engine"], "builtin");
    let tr = translate(&app, &anna, id).await;
    assert_eq!(tr.status(), 429);
    assert_eq!(llm.requests().len(), before, "no call once the budget is spent");
}

/// The events of a finished Server-Sent Events body, as (name, JSON data).
fn sse_events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event:"))?.trim().to_owned();
            let data: String = block.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect();
            Some((name, serde_json::from_str(&data).unwrap_or(Value::Null)))
        })
        .collect()
}

#[tokio::test]
async fn a_streamed_suggestion_shows_the_llms_text_as_it_is_written_then_the_recorded_reply() {
    // Arrange
    let app = spawn_app().await;
    let llm = FakeLlm::start().await;
    let carla = app.login("acme", "carla@customer.test").await;
    let anna = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    let t = customer_ticket(&app, &carla, "Where is my order", "My order has not arrived, where is it?").await;
    let id = t["id"].as_i64().unwrap();
    // An article to draw on, so the model writes a sentence, not a word.
    let sec = crate::kb::section(&app, &anna).await;
    crate::kb::published(&app, &anna, sec, "Late parcels", "<p>Parcels arrive within 5 business days.</p>").await;
    let stream = |s: &Session, ticket: i64| {
        app.http.post(app.url(&format!("/api/v1/tickets/{ticket}/ai/reply/stream"))).session(s).send()
    };

    // Without an endpoint: the built-in engine's reply, in one `done` event.
    let res = stream(&anna, id).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let events = sse_events(&res.text().await.unwrap());
    assert_eq!(events.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), ["done"], "{events:?}");
    assert_eq!(events[0].1["provenance"]["engine"], "builtin");

    app.http
        .patch(app.url("/api/v1/ai/settings"))
        .session(&admin)
        .json(&json!({"llm_base_url": llm.base_url, "llm_model": "fake-1"}))
        .send()
        .await
        .unwrap();

    // Act
    let res = stream(&anna, id).await.unwrap();
    let events = sse_events(&res.text().await.unwrap());

    // Assert: growing deltas of plain text, then the recorded suggestion with the same text.
    let deltas: Vec<String> =
        events.iter().filter(|e| e.0 == "delta").map(|e| e.1["text"].as_str().unwrap().to_owned()).collect();
    assert!(deltas.len() > 1, "{events:?}");
    assert!(deltas.windows(2).all(|w| w[1].starts_with(&w[0])), "{deltas:?}");
    assert!(deltas.iter().all(|d| !d.contains('{') && !d.contains("\"outcome\"")), "no JSON shows: {deltas:?}");
    let (last, done) = events.last().unwrap();
    assert_eq!(last, "done");
    assert_eq!(done["provenance"]["engine"], "llm", "{done}");
    assert_eq!(done["text"].as_str(), deltas.last().map(String::as_str));
    assert!(llm.requests().iter().any(|r| r["stream"] == json!(true)));
    assert!(done["id"].as_i64().is_some_and(|i| i > 0), "recorded as a suggestion: {done}");

    // The endpoint fails: the built-in engine's reply still arrives.
    llm.set_failing(503);
    let events = sse_events(&stream(&anna, id).await.unwrap().text().await.unwrap());
    assert_eq!(events.last().map(|e| e.0.as_str()), Some("done"), "{events:?}");
    assert_eq!(events.last().unwrap().1["provenance"]["engine"], "builtin");
    llm.clear_failing();

    // A customer may not ask; an unknown ticket is a plain 404 problem.
    assert_eq!(stream(&carla, id).await.unwrap().status(), 403);
    let missing = stream(&anna, 999_999).await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["content-type"], "application/problem+json");
}

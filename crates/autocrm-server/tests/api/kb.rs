//! The knowledge base over HTTP: the agents' API, the public help API the
//! widget calls (shapes, CORS), and the server-rendered help center (no
//! JavaScript needed, two languages, search with highlighting and "did you
//! mean", feedback, view counts, XSS).

use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use serde_json::{Value, json};

use crate::attachments::multipart;

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn page(app: &TestApp, path: &str, lang: Option<&str>) -> (u16, String) {
    let mut req = app.http.get(app.url(path));
    if let Some(l) = lang {
        req = req.header("accept-language", l);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A section in a category, both named in English and German; returns the section id.
pub(crate) async fn section(app: &TestApp, s: &Session) -> i64 {
    let (status, c) = send(app.http.post(app.url("/api/v1/kb/categories")).session(s).json(&json!({
        "translations": {"en": {"name": "Orders & delivery", "description": "Where things are"}, "de": {"name": "Bestellungen & Lieferung"}}
    })))
    .await;
    assert_eq!(status, 201, "{c}");
    let (status, sec) =
        send(app.http.post(app.url(&format!("/api/v1/kb/categories/{}/sections", c["id"]))).session(s).json(&json!({
            "translations": {"en": {"name": "Returns"}, "de": {"name": "Rücksendungen"}}
        })))
        .await;
    assert_eq!(status, 201, "{sec}");
    sec["id"].as_i64().unwrap()
}

async fn create(app: &TestApp, s: &Session, body: Value) -> Value {
    let (status, a) = send(app.http.post(app.url("/api/v1/kb/articles")).session(s).json(&body)).await;
    assert_eq!(status, 201, "{a}");
    a
}

/// A published article in `section` with an English body; returns its id.
pub(crate) async fn published(app: &TestApp, s: &Session, section: i64, title: &str, body: &str) -> i64 {
    create(
        app,
        s,
        json!({"title": title, "body_html": body, "section_id": section, "status": "published", "locale": "en"}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn agents_build_the_tree_write_translate_publish_and_restore_articles() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let sec = section(&app, &anna).await;

    // Act
    let a = create(&app, &anna, json!({"title": "Return an item", "body_html": "<p>Within 30 days.</p>", "section_id": sec, "tags": ["Returns"]})).await;
    let id = a["id"].as_i64().unwrap();
    let (status, de) = send(
        app.http
            .put(app.url(&format!("/api/v1/kb/articles/{id}/translations/de")))
            .session(&anna)
            .json(&json!({"title": "Artikel zurückgeben", "body_html": "<p>Innerhalb von 30 Tagen.</p>"})),
    )
    .await;
    let (_, _) = send(
        app.http
            .put(app.url(&format!("/api/v1/kb/articles/{id}/translations/en")))
            .session(&anna)
            .json(&json!({"title": "Return an item", "body_html": "<p>Within 30 days of delivery.</p>"})),
    )
    .await;
    let (pub_status, published) =
        send(app.http.post(app.url(&format!("/api/v1/kb/articles/{id}/publish"))).session(&anna)).await;
    let (_, versions) =
        send(app.http.get(app.url(&format!("/api/v1/kb/articles/{id}/versions?locale=en"))).session(&anna)).await;
    let first = versions["data"].as_array().unwrap().iter().find(|v| v["number"] == 1).unwrap()["id"].clone();
    let (restore_status, restored) =
        send(app.http.post(app.url(&format!("/api/v1/kb/articles/{id}/versions/{first}/restore"))).session(&anna))
            .await;
    let (_, tree) = send(app.http.get(app.url("/api/v1/kb/categories")).session(&anna)).await;
    let (_, list) = send(app.http.get(app.url("/api/v1/kb/articles?status=published&locale=de")).session(&anna)).await;

    // Assert
    assert_eq!(a["status"], "draft");
    assert_eq!(a["tags"], json!(["returns"]));
    assert_eq!(a["author_name"], "Anna Agent");
    assert_eq!(status, 200, "{de}");
    assert_eq!(de["version"], 1);
    assert!(
        de["url"].as_str().unwrap().ends_with(&format!("/help/articles/{id}-artikel-zurueckgeben?lang=de")),
        "{de}"
    );
    assert_eq!(pub_status, 200, "{published}");
    assert_eq!(published["status"], "published");
    assert_eq!(published["translations"].as_array().unwrap().len(), 2);
    assert_eq!(versions["data"].as_array().unwrap().len(), 2);
    assert_eq!(restore_status, 200, "{restored}");
    assert_eq!(
        (restored["version"].as_i64(), restored["body_html"].as_str()),
        (Some(3), Some("<p>Within 30 days.</p>"))
    );
    assert_eq!(tree["data"][0]["sections"][0]["article_count"], 1);
    assert_eq!(tree["data"][0]["translations"]["de"]["name"], "Bestellungen & Lieferung");
    assert_eq!(list["data"][0]["title"], "Artikel zurückgeben");
    assert_eq!(list["data"][0]["locales"], json!(["de", "en"]));
}

#[tokio::test]
async fn bad_input_is_a_problem_document_and_changes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let sec = section(&app, &anna).await;
    let id = create(&app, &anna, json!({"title": "Draft", "body_html": "x"})).await["id"].as_i64().unwrap();
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (app.http.post(app.url("/api/v1/kb/articles")).json(&json!({"title": "", "body_html": "x"})), 422, "/title"),
        (
            app.http.post(app.url("/api/v1/kb/articles")).json(&json!({"title": "T", "locale": "english please"})),
            422,
            "/locale",
        ),
        (
            app.http.post(app.url("/api/v1/kb/articles")).json(&json!({"title": "T", "status": "published"})),
            422,
            "/section_id",
        ),
        (
            app.http.post(app.url("/api/v1/kb/articles")).json(&json!({"title": "T", "section_id": 999_999})),
            422,
            "/section_id",
        ),
        (app.http.post(app.url("/api/v1/kb/articles")).json(&json!({"title": "T", "colour": "red"})), 422, ""),
        (app.http.post(app.url(&format!("/api/v1/kb/articles/{id}/publish"))), 422, "/section_id"),
        (
            app.http.patch(app.url(&format!("/api/v1/kb/articles/{id}"))).json(&json!({"related_ids": [id]})),
            422,
            "/related_ids",
        ),
        (app.http.post(app.url("/api/v1/kb/categories")).json(&json!({})), 422, "/translations"),
        (
            app.http.post(app.url("/api/v1/kb/categories")).json(&json!({"translations": {"en": {"name": ""}}})),
            422,
            "/translations/en/name",
        ),
        (
            app.http
                .post(app.url("/api/v1/kb/categories/999999/sections"))
                .json(&json!({"translations": {"en": {"name": "S"}}})),
            404,
            "",
        ),
        (
            app.http.patch(app.url(&format!("/api/v1/kb/sections/{sec}"))).json(&json!({"category_id": 999_999})),
            422,
            "/category_id",
        ),
        (app.http.get(app.url("/api/v1/kb/articles?status=secret")), 400, ""),
        (app.http.get(app.url(&format!("/api/v1/kb/search?q={}", "x".repeat(201)))), 422, "/q"),
        (
            app.http.post(app.url("/api/v1/kb/articles/from-message")).json(&json!({"message_id": 999_999})),
            422,
            "/message_id",
        ),
        (app.http.get(app.url("/api/v1/kb/stats?from=2026-02-01&to=2026-01-01")), 422, "/to"),
        (app.http.post(app.url("/api/v1/help/articles/1/feedback")).json(&json!({"helpful": "maybe"})), 422, ""),
    ];
    let (_, before) = send(app.http.get(app.url("/api/v1/kb/articles")).session(&anna)).await;

    // Act + Assert
    for (req, want, pointer) in cases {
        let res = req.session(&anna).send().await.unwrap();
        let status = res.status().as_u16();
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, want, "{body}");
        assert_eq!(ct, "application/problem+json");
        if !pointer.is_empty() {
            assert!(body["errors"].as_array().unwrap().iter().any(|e| e["pointer"] == pointer), "{pointer}: {body}");
        }
    }
    let (_, after) = send(app.http.get(app.url("/api/v1/kb/articles")).session(&anna)).await;
    assert_eq!(before, after, "nothing changed");
    let (status, _) = send(app.http.delete(app.url(&format!("/api/v1/kb/sections/{sec}"))).session(&anna)).await;
    assert_eq!(status, 403, "agents do not delete sections");
}

#[tokio::test]
async fn customers_and_other_workspaces_never_see_drafts_or_internal_articles() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let carla = app.login("acme", "carla@customer.test").await;
    let otto = app.login("other", "admin@other.test").await;
    let sec = section(&app, &anna).await;
    let draft =
        create(&app, &anna, json!({"title": "Zanzibar draft", "body_html": "zanzibar", "section_id": sec})).await;
    let internal = create(
        &app,
        &anna,
        json!({"title": "Zanzibar internal", "body_html": "zanzibar", "section_id": sec, "status": "internal"}),
    )
    .await;

    // Act + Assert: customers have no authoring API; another workspace gets 404.
    let (status, _) = send(app.http.get(app.url("/api/v1/kb/articles")).session(&carla)).await;
    assert_eq!(status, 403);
    let (status, _) = send(app.http.get(app.url("/api/v1/kb/search?q=zanzibar")).session(&carla)).await;
    assert_eq!(status, 403);
    for a in [&draft, &internal] {
        let id = a["id"].as_i64().unwrap();
        let (status, _) = send(app.http.get(app.url(&format!("/api/v1/kb/articles/{id}"))).session(&otto)).await;
        assert_eq!(status, 404);
        for who in [None, Some(&carla)] {
            let mut req = app.http.get(app.url(&format!("/api/v1/help/articles/{id}")));
            if let Some(s) = who {
                req = req.session(s);
            }
            let (status, body) = send(req).await;
            assert_eq!(status, 404, "{body}");
        }
        let (status, _) = page(&app, &format!("/help/articles/{id}"), None).await;
        assert_eq!(status, 404);
    }
    let (_, hits) = send(app.http.get(app.url("/api/v1/help/search?q=zanzibar"))).await;
    assert_eq!(hits, json!([]));
    let (_, hits) = send(app.http.get(app.url("/api/v1/help/suggest?q=zanz"))).await;
    assert_eq!(hits, json!([]));
    let (_, html) = page(&app, "/help/search?q=zanzibar", None).await;
    assert!(!html.contains("Zanzibar draft") && !html.contains("Zanzibar internal"));
    let (_, home) = page(&app, "/help", None).await;
    assert!(!home.contains("Zanzibar"), "the section has no published article, so it is hidden");
    // Agents find them all.
    let (_, staff) = send(app.http.get(app.url("/api/v1/kb/search?q=zanzibar")).session(&anna)).await;
    assert_eq!(staff["data"].as_array().unwrap().len(), 2, "{staff}");
    // Another workspace's public help names its own workspace and sees nothing of acme's.
    let id = published(&app, &anna, sec, "Acme secret", "<p>acme</p>").await;
    let (status, _) = send(app.http.get(app.url(&format!("/api/v1/help/articles/{id}?workspace=other")))).await;
    assert_eq!(status, 404);
    let (status, _) = send(app.http.get(app.url("/api/v1/help/search?q=acme&workspace=nope"))).await;
    assert_eq!(status, 404, "an unknown workspace is not found, never another one");
}

#[tokio::test]
async fn an_xss_payload_in_an_article_body_is_neutralised_in_the_api_and_in_the_help_center() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let sec = section(&app, &anna).await;
    let payload = r#"<p>Safe words<img src=x onerror="alert('xss')"><script>alert('xss')</script><a href="javascript:alert(1)">click</a><svg onload=alert(1)></svg></p>"#;

    // Act
    let id = published(&app, &anna, sec, "<script>alert('title')</script> Shipping", payload).await;
    let (_, api) = send(app.http.get(app.url(&format!("/api/v1/kb/articles/{id}"))).session(&anna)).await;
    let (_, public) = send(app.http.get(app.url(&format!("/api/v1/help/articles/{id}")))).await;
    let (status, html) = page(&app, &format!("/help/articles/{id}"), None).await;
    let (_, search) = page(&app, "/help/search?q=shipping", None).await;

    // Assert
    for body in [api["translations"][0]["body_html"].as_str().unwrap(), public["body_html"].as_str().unwrap()] {
        for bad in ["onerror", "<script", "javascript:", "onload"] {
            assert!(!body.contains(bad), "{bad} in {body}");
        }
        assert!(body.contains("Safe words"));
    }
    assert_eq!(status, 200);
    for doc in [&html, &search] {
        assert!(!doc.contains("onerror"), "{doc}");
        assert!(!doc.contains("<script>alert"), "a title is escaped wherever it is shown");
        assert!(doc.contains("&lt;script&gt;alert("), "the title is shown as text");
        // The only script is the help center's own file.
        assert_eq!(doc.matches("<script").count(), 1);
        assert!(doc.contains(r#"<script src="/help/assets/help.js?v="#));
    }
}

#[tokio::test]
async fn the_help_center_works_without_javascript_in_two_languages() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let sec = section(&app, &anna).await;
    let both = published(&app, &anna, sec, "Exchange an item", "<p>Swap for another size.</p>").await;
    send(
        app.http
            .put(app.url(&format!("/api/v1/kb/articles/{both}/translations/de")))
            .session(&anna)
            .json(&json!({"title": "Artikel umtauschen", "body_html": "<p>Gegen eine andere Größe tauschen.</p>"})),
    )
    .await;
    let only_en = published(&app, &anna, sec, "Gift cards", "<p>Gift cards never expire.</p>").await;

    // Act
    let (status, home_de) = page(&app, "/help", Some("de-DE,de;q=0.9,en;q=0.5")).await;
    let (_, home_en) = page(&app, "/help", Some("en-US")).await;
    let res = app.http.get(app.url("/help?lang=de")).send().await.unwrap();
    let cookie = res.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let remembered = app
        .http
        .get(app.url("/help"))
        .header("cookie", cookie.split(';').next().unwrap())
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, article_de) = page(&app, &format!("/help/articles/{both}?lang=de"), None).await;
    let (_, fallback) = page(&app, &format!("/help/articles/{only_en}?lang=de"), None).await;
    let (_, sitemap) = page(&app, "/help/sitemap.xml", None).await;
    let (status_css, css) = page(&app, "/help/assets/help.css", None).await;

    // Assert
    assert_eq!(status, 200);
    assert!(home_de.contains(r#"<html lang="de""#), "Accept-Language picks German");
    assert!(home_de.contains("Bestellungen &amp; Lieferung") && home_de.contains("Wie können wir helfen?"));
    assert!(home_en.contains(r#"<html lang="en""#) && home_en.contains("Orders &amp; delivery"));
    assert!(home_de.contains(r#"action="/help/search""#), "search works as a plain form");
    assert!(home_de.contains(r##"<a class="skip-link" href="#main">"##) && home_de.contains(r#"<main id="main""#));
    assert!(home_de.contains(r#"href="/portal""#), "a way to the portal");
    assert!(cookie.starts_with("autocrm_hc_lang=de") && cookie.contains("Path=/help"), "{cookie}");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(remembered.contains(r#"<html lang="de""#), "the cookie wins over the browser's language");
    assert!(article_de.contains("<h1 id=\"article-title\" lang=\"de\">Artikel umtauschen</h1>"), "{article_de}");
    assert!(article_de.contains(&format!(r#"<link rel="alternate" hreflang="en" href="http://127.0.0.1:8080/help/articles/{both}-exchange-an-item?lang=en">"#)));
    assert!(article_de.contains(&format!(
        r#"<link rel="canonical" href="http://127.0.0.1:8080/help/articles/{both}-artikel-umtauschen?lang=de">"#
    )));
    assert!(article_de.contains(r#"<meta name="description" content="Gegen eine andere Größe tauschen.">"#));
    assert!(article_de.contains("Rücksendungen"), "breadcrumbs in German");
    assert!(article_de.contains(r#"<form method="post" action="/help/articles/"#), "feedback works without JavaScript");
    assert!(
        fallback.contains("Dieser Artikel ist noch nicht auf Deutsch verfügbar; hier ist er auf English."),
        "{fallback}"
    );
    assert!(fallback.contains(r#"lang="en">Gift cards</h1>"#));
    assert!(sitemap.contains(&format!("/help/articles/{both}-artikel-umtauschen?lang=de</loc>")), "{sitemap}");
    assert!(sitemap.contains(r#"hreflang="en""#));
    assert_eq!(status_css, 200);
    assert!(css.contains(":focus-visible"));
}

#[tokio::test]
async fn help_search_highlights_matches_and_corrects_typos_without_javascript() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let sec = section(&app, &anna).await;
    let id =
        published(&app, &anna, sec, "Refund policy", "<p>A refund goes back to the original payment method.</p>").await;

    // Act
    let (_, exact) = page(&app, "/help/search?q=refund", None).await;
    let (_, typo) = page(&app, "/help/search?q=refnud", None).await;
    let (_, none) = page(&app, "/help/search?q=xylophone", None).await;
    let (_, api) = send(app.http.get(app.url("/api/v1/help/search?q=refnud&locale=en"))).await;
    let (_, suggest) = send(app.http.get(app.url("/api/v1/help/suggest?q=refu"))).await;

    // Assert
    assert!(exact.contains("<mark>refund</mark>"), "{exact}");
    assert!(exact.contains(&format!(r#"href="/help/articles/{id}-refund-policy?lang=en""#)));
    assert!(exact.contains(r#"<meta name="robots" content="noindex">"#), "result pages are not indexed");
    assert!(typo.contains("Showing results for"), "{typo}");
    assert!(typo.contains("<strong>refund</strong>"));
    assert!(typo.contains("Refund policy"));
    assert!(none.contains("No articles match your search"));
    assert_eq!(api[0]["id"], id, "{api}");
    assert!(api[0]["snippet_html"].as_str().unwrap().contains("<mark>refund</mark>"));
    assert_eq!(suggest[0]["title"], "Refund policy");
}

#[tokio::test]
async fn the_public_help_api_keeps_its_shapes_for_the_widget_and_answers_any_origin() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let sec = section(&app, &anna).await;
    let related = published(&app, &anna, sec, "Track a parcel", "<p>Use the tracking link.</p>").await;
    let id = create(
        &app,
        &anna,
        json!({"title": "Where is my order?", "body_html": "<p>Orders ship in 2 days.</p>", "section_id": sec, "status": "published", "related_ids": [related]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // Act
    let res = app
        .http
        .get(app.url("/api/v1/help/search?q=order&locale=de-DE&workspace=acme"))
        .header("origin", "http://shop.example")
        .send()
        .await
        .unwrap();
    let acao = res.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned());
    let creds = res.headers().get("access-control-allow-credentials").cloned();
    let hits: Value = res.json().await.unwrap();
    let (_, article) =
        send(app.http.get(app.url(&format!("/api/v1/help/articles/{id}?locale=de&workspace=acme")))).await;
    let (_, suggestions) = send(app.http.get(app.url("/api/v1/help/suggest?q=where"))).await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url(&format!("/api/v1/help/articles/{id}/feedback")))
        .header("origin", "http://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    let fb = app
        .http
        .post(app.url(&format!("/api/v1/help/articles/{id}/feedback?workspace=acme")))
        .header("origin", "http://shop.example")
        .json(&json!({"helpful": false, "comment": "Too short", "locale": "en"}))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(acao.as_deref(), Some("*"));
    assert!(creds.is_none(), "never with credentials");
    let hit = hits[0].as_object().unwrap();
    // serde_json orders keys alphabetically here: compare as sorted sets.
    assert_eq!(hit.keys().cloned().collect::<Vec<_>>(), ["id", "locale", "snippet_html", "title", "url"]);
    assert_eq!(hits[0]["locale"], "en", "no German translation: the default stands in");
    assert!(
        hits[0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/help/articles/{id}-where-is-my-order?lang=en&workspace=acme"))
    );
    let keys: Vec<String> = article.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["body_html", "fallback", "id", "locale", "related", "title", "url"]);
    assert_eq!(article["fallback"], true);
    assert_eq!(article["body_html"], "<p>Orders ship in 2 days.</p>");
    assert_eq!(article["related"][0]["id"], related);
    assert_eq!(article["related"][0]["title"], "Track a parcel");
    let rel_keys: Vec<String> = article["related"][0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(rel_keys, ["id", "locale", "title", "url"]);
    assert_eq!(
        suggestions[0].as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
        ["id", "locale", "title", "url"]
    );
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert!(preflight.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert!(
        preflight.headers()["access-control-allow-headers"].to_str().unwrap().to_lowercase().contains("content-type")
    );
    assert_eq!(fb.status(), 204);
    assert_eq!(fb.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn feedback_from_the_form_and_the_api_is_counted_and_listed_for_agents() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let sec = section(&app, &anna).await;
    let id = published(&app, &anna, sec, "Change my address", "<p>Before it ships.</p>").await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Act
    let form = no_redirects
        .post(app.url(&format!("/help/articles/{id}/feedback")))
        .form(&[("helpful", "yes"), ("comment", "<b>Great</b>"), ("lang", "en")])
        .send()
        .await
        .unwrap();
    let location = form.headers()["location"].to_str().unwrap().to_owned();
    let (_, thanks) = page(&app, &location, None).await;
    let (status, _) =
        send(app.http.post(app.url(&format!("/api/v1/help/articles/{id}/feedback"))).json(&json!({"helpful": false})))
            .await;
    let bad = no_redirects
        .post(app.url(&format!("/help/articles/{id}/feedback")))
        .form(&[("helpful", "perhaps")])
        .send()
        .await
        .unwrap();
    let (_, listed) = send(app.http.get(app.url(&format!("/api/v1/kb/articles/{id}/feedback"))).session(&anna)).await;

    // Assert
    assert_eq!(form.status(), 303);
    assert!(location.ends_with("&feedback=thanks#feedback"), "{location}");
    assert!(thanks.contains("Thank you for your feedback!"));
    assert_eq!(status, 204);
    assert_eq!(bad.status(), 422);
    assert_eq!((listed["yes"].as_i64(), listed["no"].as_i64()), (Some(1), Some(1)));
    assert_eq!(listed["data"][1]["comment"], "<b>Great</b>", "stored as text; the app escapes it");
    let (_, a) = send(app.http.get(app.url(&format!("/api/v1/kb/articles/{id}"))).session(&anna)).await;
    assert_eq!((a["helpful_yes"].as_i64(), a["helpful_no"].as_i64()), (Some(1), Some(1)));
}

#[tokio::test]
async fn views_are_counted_once_per_visitor_window_and_never_for_head() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let sec = section(&app, &anna).await;
    let id = published(&app, &anna, sec, "Payment methods", "<p>Cards and PayPal.</p>").await;
    let url = app.url(&format!("/help/articles/{id}"));

    // Act
    let head = app.http.head(&url).send().await.unwrap();
    let first = app.http.get(&url).send().await.unwrap();
    let seen = first.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    app.http.get(&url).header("cookie", &seen).send().await.unwrap();
    app.http.get(&url).send().await.unwrap(); // another visitor
    send(app.http.get(app.url(&format!("/api/v1/help/articles/{id}")))).await; // the widget
    let (_, a) = send(app.http.get(app.url(&format!("/api/v1/kb/articles/{id}"))).session(&anna)).await;
    let (_, stats) = send(app.http.get(app.url(&format!("/api/v1/kb/stats?article_id={id}"))).session(&anna)).await;

    // Assert
    assert_eq!(head.status(), 200);
    assert!(seen.starts_with("autocrm_hc_seen="), "{seen}");
    assert_eq!(a["view_count"], 3, "HEAD and the repeat visit do not count");
    assert_eq!(stats["daily"][0]["views"], 3, "{stats}");
    assert_eq!(stats["articles"][0]["id"], id);
    assert_eq!(stats["articles"][0]["title"], "Payment methods");
}

#[tokio::test]
async fn a_reply_becomes_a_draft_and_agent_search_finds_drafts_with_public_links() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let (_, t) = send(app.http.post(app.url("/api/v1/tickets")).session(&anna).json(&json!({
        "subject": "Can I pause my coffee subscription?", "requester": {"email": "sam@example.com"}
    })))
    .await;
    let (_, m) = send(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{}/messages", t["id"])))
            .session(&anna)
            .json(&json!({"body": "<p>Yes: open <b>Subscriptions</b> and choose Pause.</p>"})),
    )
    .await;

    // Act
    let (status, draft) = send(
        app.http.post(app.url("/api/v1/kb/articles/from-message")).session(&anna).json(&json!({"message_id": m["id"]})),
    )
    .await;
    let (_, found) = send(app.http.get(app.url("/api/v1/kb/search?q=pause%20subscripton")).session(&anna)).await;
    let (_, drafts) = send(app.http.get(app.url("/api/v1/kb/search?q=coffee&status=draft")).session(&anna)).await;
    let (_, published) =
        send(app.http.get(app.url("/api/v1/kb/search?q=coffee&status=published")).session(&anna)).await;

    // Assert
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["source_ticket_id"], t["id"]);
    assert_eq!(draft["source_message_id"], m["id"]);
    assert_eq!(draft["translations"][0]["title"], "Can I pause my coffee subscription?");
    assert_eq!(found["data"][0]["id"], draft["id"], "{found}");
    assert_eq!(found["did_you_mean"], "pause subscription");
    assert!(found["data"][0]["url"].as_str().unwrap().contains("/help/articles/"));
    assert_eq!(drafts["data"].as_array().unwrap().len(), 1);
    assert_eq!(published["data"], json!([]));
}

#[tokio::test]
async fn images_of_published_articles_are_public_and_of_drafts_for_staff_only() {
    // Arrange
    let app = spawn_app().await;
    let anna = app.login("acme", "anna@acme.test").await;
    let otto = app.login("other", "admin@other.test").await;
    let sec = section(&app, &anna).await;
    let id =
        create(&app, &anna, json!({"title": "Sizes", "body_html": "<p>Chart:</p>", "section_id": sec})).await["id"]
            .as_i64()
            .unwrap();
    let (ct, body) = multipart("chart.png", "image/png", b"\x89PNG\r\n\x1a\nchart", None);
    let (status, img) = send(
        app.http
            .post(app.url(&format!("/api/v1/kb/articles/{id}/attachments")))
            .session(&anna)
            .header("content-type", ct)
            .body(body),
    )
    .await;
    let (ct, body) = multipart("guide.html", "text/html", b"<script>alert(1)</script>", None);
    let (_, doc) = send(
        app.http
            .post(app.url(&format!("/api/v1/kb/articles/{id}/attachments")))
            .session(&anna)
            .header("content-type", ct)
            .body(body),
    )
    .await;
    let img_url = app.url(img["url"].as_str().unwrap());

    // Act
    let anonymous_draft = app.http.get(&img_url).send().await.unwrap().status();
    let staff_draft = app.http.get(&img_url).session(&anna).send().await.unwrap();
    let staff_cache = staff_draft.headers()["cache-control"].to_str().unwrap().to_owned();
    let foreign = app.http.get(&img_url).session(&otto).send().await.unwrap().status();
    send(app.http.post(app.url(&format!("/api/v1/kb/articles/{id}/publish"))).session(&anna)).await;
    let public = app.http.get(&img_url).send().await.unwrap();
    let html_file = app.http.get(app.url(doc["url"].as_str().unwrap())).send().await.unwrap();
    let (_, article_page) = page(&app, &format!("/help/articles/{id}"), None).await;

    // Assert
    assert_eq!(status, 201, "{img}");
    assert_eq!(img["image"], true);
    assert_eq!(anonymous_draft, 404);
    assert_eq!(staff_draft.status(), 200);
    assert_eq!(staff_cache, "private, no-store");
    assert_eq!(foreign, 404, "another workspace's staff");
    assert_eq!(public.status(), 200);
    assert_eq!(public.headers()["content-type"], "image/png");
    assert!(public.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
    assert_eq!(html_file.headers()["content-type"], "application/octet-stream", "never rendered as a page");
    assert!(html_file.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(html_file.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert!(article_page.contains("guide.html"), "files are listed under the article");
}

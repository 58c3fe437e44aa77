//! The embedded web app: the shell for any app path, long-cached hashed
//! assets, security headers on HTML, and API paths that stay problems.

use autocrm_testkit::spawn_app;

#[tokio::test]
async fn any_app_path_gets_the_shell_with_a_strict_csp_and_no_caching() {
    // Arrange
    let app = spawn_app().await;
    for path in ["/", "/queue/mine", "/tickets/1042", "/settings/webhooks"] {
        // Act
        let res = app.http.get(app.url(path)).send().await.unwrap();
        // Assert
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "text/html; charset=utf-8", "{path}");
        assert_eq!(h["cache-control"], "no-cache", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h.contains_key("referrer-policy"));
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let body = res.text().await.unwrap();
        assert!(body.contains(r#"<div id="root"></div>"#), "{path}: {body}");
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_missing_ones_are_404_not_html() {
    // Arrange
    let app = spawn_app().await;
    let shell = app.http.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let script = shell
        .split('"')
        .find(|s| s.starts_with("/assets/") && std::path::Path::new(s).extension().is_some_and(|e| e == "js"))
        .unwrap_or_else(|| panic!("no script in the shell: {shell}"))
        .to_owned();
    // Act
    let res = app.http.get(app.url(&script)).send().await.unwrap();
    let missing = app.http.get(app.url("/assets/index-doesnotexist.js")).send().await.unwrap();
    // Assert
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(res.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(missing.status(), 404);
    assert_ne!(missing.headers().get("content-type").map(|v| v.to_str().unwrap()), Some("text/html; charset=utf-8"));
}

#[tokio::test]
async fn unknown_api_paths_and_non_get_methods_answer_a_404_problem() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let unknown = app.http.get(app.url("/api/v1/nope")).send().await.unwrap();
    let post = app.http.post(app.url("/queue/mine")).send().await.unwrap();
    // Assert
    for res in [unknown, post] {
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
}

//! The public help center at `/help`: server-rendered HTML (readable,
//! searchable and rateable without JavaScript; a small script adds title
//! suggestions while typing), templates embedded in the binary.
//!
//! Invariants:
//! - Only published articles appear (the store's `kb::public` reads nothing
//!   else); a draft's or internal article's URL is a 404 page.
//! - Every value reaches HTML through minijinja's auto-escaping; article
//!   bodies and search snippets are inserted as they are only because the
//!   store sanitised (bodies) or escaped-then-marked (snippets) them.
//! - No inline script or style: the CSP allows scripts from this origin only.
//! - The language is `?lang=` (remembered in a cookie), else the cookie, else
//!   the browser's `Accept-Language`, else the workspace's default; links
//!   carry `lang` so every page has one URL per language (`hreflang`).
//! - A view is counted for a GET (not HEAD) of an article page, once per
//!   visitor and article within half an hour (a cookie of recently seen ids).

mod i18n;
pub(crate) mod tutorials;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use autocrm_store::entity::workspaces;
use autocrm_store::kb::public::{ArticleLink, CategoryView};
use autocrm_store::kb::search::{Locales, Scope};
use autocrm_store::{StoreError, kb};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Output, State as JinjaState, Value, context};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::AppState;
use crate::routes::kb::{accept_language, article_path, file_path, url_encode};

/// Links in the help center's header after "Home", as `(path, label key)`;
/// the label is a key of `i18n::strings` (add its words there). Another
/// feature adds its page here (e.g. `("/help/tutorials", "tutorials")`).
pub(crate) const NAV: &[(&str, &str)] = &[("/help/tutorials", "tutorials"), ("/portal", "portal")];

/// The cookie remembering a visitor's chosen language.
const LANG_COOKIE: &str = "autocrm_hc_lang";
/// The cookie listing articles viewed recently (views are counted once per window).
const SEEN_COOKIE: &str = "autocrm_hc_seen";
/// How long a view is not counted again, seconds.
const SEEN_WINDOW_SECS: u32 = 30 * 60;
/// The CSP of help-center pages: scripts and styles from here only; images
/// also from any HTTPS host (articles may show the shop's own images).
const CSP: &str = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const CSS: &str = include_str!("assets/help.css");
const JS: &str = include_str!("assets/help.js");

/// A short hash of the assets, so their URLs change with their content and can be cached long.
static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    h.update(CSS.as_bytes());
    h.update(JS.as_bytes());
    hex::encode(h.finalize()).chars().take(12).collect()
});

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_formatter(format_value);
    for (name, source) in [
        ("layout.html", include_str!("templates/layout.html")),
        ("search_form.html", include_str!("templates/search_form.html")),
        ("home.html", include_str!("templates/home.html")),
        ("breadcrumbs.html", include_str!("templates/breadcrumbs.html")),
        ("category.html", include_str!("templates/category.html")),
        ("section.html", include_str!("templates/section.html")),
        ("article.html", include_str!("templates/article.html")),
        ("search.html", include_str!("templates/search.html")),
        ("not_found.html", include_str!("templates/not_found.html")),
        ("sitemap.xml", include_str!("templates/sitemap.xml")),
    ] {
        if let Err(e) = env.add_template(name, source) {
            // A broken embedded template is a build mistake the tests catch; log it loudly.
            tracing::error!(template = name, error = %e, "help center template does not parse");
        }
    }
    env
});

/// Prints a value escaped for HTML text and quoted attributes (and XML);
/// unlike minijinja's escaper it leaves `/` alone, so URLs stay readable.
fn format_value(out: &mut Output<'_>, state: &mut JinjaState<'_, '_>, value: &Value) -> Result<(), minijinja::Error> {
    if value.is_undefined() || value.is_none() {
        return Ok(());
    }
    if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() {
        out.write_str(&autocrm_domain::html::escape(&value.to_string()))
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))?;
        return Ok(());
    }
    write!(out, "{value}").map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}

// The error is the finished response a handler returns as is; boxing it buys nothing per page.
#[allow(clippy::result_large_err)]
fn render(name: &str, ctx: &Value) -> Result<String, Response> {
    TEMPLATES.get_template(name).and_then(|t| t.render(ctx)).map_err(|e| {
        tracing::error!(template = name, error = %e, "help center template failed");
        (StatusCode::INTERNAL_SERVER_ERROR, "the help center could not render this page").into_response()
    })
}

/// The help center's routes (outside the API's authorisation layer).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/help", get(home))
        .route("/help/", get(|| async { axum::response::Redirect::permanent("/help") }))
        .route("/help/search", get(search_page))
        .route("/help/categories/{slug}", get(category_page))
        .route("/help/sections/{slug}", get(section_page))
        .route("/help/articles/{slug}", get(article_page))
        .route("/help/articles/{slug}/feedback", post(feedback_form))
        .route("/help/sitemap.xml", get(sitemap))
        .route("/help/assets/{name}", get(asset))
        .route("/help/files/{file_id}/{name}", get(file))
        .route("/help/{*rest}", get(unknown_page))
        .merge(tutorials::router())
}

/// Query parameters every page understands (others, e.g. tracking tags, are ignored).
#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    lang: Option<String>,
    workspace: Option<String>,
    q: Option<String>,
    feedback: Option<String>,
}

type PageQ = Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>;

fn query_of(q: PageQ) -> PageQuery {
    q.map(|Query(q)| q).unwrap_or_default()
}

/// Who and what a page is for.
struct Ctx {
    ws: workspaces::Model,
    /// The workspace slug the request named (kept in links), if any.
    explicit_ws: Option<String>,
    /// Locales offered, the default first.
    locales: Vec<String>,
    /// The page's language.
    lang: String,
    /// The chosen language is to be remembered.
    remember_lang: bool,
    t: BTreeMap<&'static str, &'static str>,
    base: String,
    secure_cookies: bool,
}

impl Ctx {
    /// A link inside the help center in the page's language.
    fn href(&self, path: &str) -> String {
        self.href_in(path, &self.lang)
    }

    fn href_in(&self, path: &str, lang: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut s =
            if path.contains("lang=") { path.to_owned() } else { format!("{path}{sep}lang={}", url_encode(lang)) };
        if let Some(ws) = &self.explicit_ws {
            s.push_str("&workspace=");
            s.push_str(&url_encode(ws));
        }
        s
    }

    fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn site_name(&self) -> String {
        format!("{} {}", self.ws.name, self.t.get("help_center").copied().unwrap_or("Help Center"))
    }

    fn s(&self, key: &str) -> &'static str {
        self.t.get(key).copied().unwrap_or("")
    }
}

/// Resolves workspace and language; a missing workspace is a 404 page.
async fn context(app: &AppState, headers: &HeaderMap, q: &PageQuery) -> Result<Ctx, Response> {
    let explicit = q.workspace.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let Ok(ws) = crate::public::workspace(app, explicit.as_deref()).await else {
        return Err(plain_not_found());
    };
    let locales = kb::public::locales(&app.store, &ws).await.map_err(|e| internal(&e))?;
    let offered = locales.iter().map(String::as_str);
    let from_query = q.lang.as_deref().and_then(|l| kb::best_locale(l, offered.clone())).map(str::to_owned);
    let from_cookie =
        crate::auth::cookie(headers, LANG_COOKIE).and_then(|l| kb::best_locale(&l, offered.clone()).map(str::to_owned));
    let from_browser =
        accept_language(headers).into_iter().find_map(|l| kb::best_locale(&l, offered.clone()).map(str::to_owned));
    let remember_lang = from_query.is_some() && from_query != from_cookie;
    let lang = from_query.or(from_cookie).or(from_browser).unwrap_or_else(|| ws.locale.clone());
    Ok(Ctx {
        t: i18n::strings(&lang),
        ws,
        explicit_ws: explicit,
        locales,
        lang,
        remember_lang,
        base: app.config.public_url.trim_end_matches('/').to_owned(),
        secure_cookies: app.config.secure_cookies,
    })
}

fn internal(e: &StoreError) -> Response {
    tracing::error!(error = %e, "help center read failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "the help center is unavailable; try again shortly").into_response()
}

fn plain_not_found() -> Response {
    let mut res = (StatusCode::NOT_FOUND, "no help center here").into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res
}

/// The numeric id at the start of `12-some-title`.
fn id_of(slug: &str) -> Option<i64> {
    let digits: String = slug.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<i64>().ok().filter(|v| *v > 0)
}

#[derive(Serialize)]
struct Link {
    href: String,
    title: String,
}

#[derive(Serialize)]
struct Crumb {
    name: String,
    href: Option<String>,
}

/// What the layout needs besides the page's content.
struct PageMeta {
    page: &'static str,
    title: String,
    description: String,
    canonical: String,
    /// `(hreflang, absolute href)`.
    alternates: Vec<(String, String)>,
    q: String,
    noindex: bool,
    status: StatusCode,
}

// The error is the finished response a handler returns as is; boxing it buys nothing per page.
#[allow(clippy::result_large_err)]
fn search_form(ctx: &Ctx, q: &str, big: bool) -> Result<String, Response> {
    render(
        "search_form.html",
        &context! {
            t => ctx.t.clone(),
            q => q,
            big => big,
            input_id => if big { "hero-q" } else { "header-q" },
            search_action => "/help/search",
            suggest_url => "/api/v1/help/suggest",
            lang => ctx.lang.clone(),
            workspace => ctx.explicit_ws.clone(),
        },
    )
}

/// Renders a page into the layout, with headers and the language cookie.
fn page(ctx: &Ctx, meta: PageMeta, content: &str) -> Response {
    let form = match search_form(ctx, &meta.q, false) {
        Ok(f) => f,
        Err(res) => return res,
    };
    let locales: Vec<_> = ctx
        .locales
        .iter()
        .map(|l| {
            // The same page in another language: the canonical path with `lang` swapped.
            let path = meta.canonical.strip_prefix(&ctx.base).unwrap_or(&meta.canonical);
            let href = swap_lang(path, l, ctx);
            context! { code => l, name => i18n::language_name(l), href => href, current => *l == ctx.lang }
        })
        .collect();
    let nav: Vec<_> = NAV
        .iter()
        .map(|(path, key)| context! { href => ctx.href(path), label => ctx.t.get(key).copied().unwrap_or(key) })
        .collect();
    let alternates: Vec<_> = meta.alternates.iter().map(|(h, href)| context! { hreflang => h, href => href }).collect();
    let html = render(
        "layout.html",
        &context! {
            lang => ctx.lang.clone(),
            dir => if i18n::is_rtl(&ctx.lang) { "rtl" } else { "ltr" },
            title => meta.title,
            description => meta.description,
            canonical => meta.canonical,
            alternates => alternates,
            css_href => format!("/help/assets/help.css?v={}", *ASSET_VERSION),
            js_href => format!("/help/assets/help.js?v={}", *ASSET_VERSION),
            noindex => meta.noindex,
            t => ctx.t.clone(),
            site_name => ctx.site_name(),
            home_href => ctx.href("/help"),
            portal_href => "/portal",
            nav => nav,
            locales => locales,
            page => meta.page,
            search_form => Value::from_safe_string(form),
            content => Value::from_safe_string(content.to_owned()),
        },
    );
    let html = match html {
        Ok(h) => h,
        Err(res) => return res,
    };
    let mut res = (meta.status, html).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    if ctx.remember_lang
        && let Ok(v) = HeaderValue::from_str(&cookie(ctx, LANG_COOKIE, &ctx.lang, 365 * 24 * 3600))
    {
        h.append(header::SET_COOKIE, v);
    }
    res
}

/// A `Set-Cookie` value scoped to the help center.
fn cookie(ctx: &Ctx, name: &str, value: &str, max_age: u32) -> String {
    let secure = if ctx.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/help; Max-Age={max_age}; SameSite=Lax; HttpOnly{secure}")
}

/// `path` with its `lang` parameter set to `lang`.
fn swap_lang(path: &str, lang: &str, ctx: &Ctx) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang=") && !kv.starts_with("workspace="))
        .collect();
    let joined = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    ctx.href_in(&joined, lang)
}

fn not_found_page(ctx: &Ctx) -> Response {
    let content = match render("not_found.html", &context! { t => ctx.t.clone(), home_href => ctx.href("/help") }) {
        Ok(c) => c,
        Err(res) => return res,
    };
    page(
        ctx,
        PageMeta {
            page: "not_found",
            title: format!("{} – {}", ctx.s("not_found_title"), ctx.site_name()),
            description: ctx.s("not_found_text").to_owned(),
            canonical: ctx.absolute(&ctx.href("/help")),
            alternates: Vec::new(),
            q: String::new(),
            noindex: true,
            status: StatusCode::NOT_FOUND,
        },
        &content,
    )
}

fn category_href(ctx: &Ctx, c: &CategoryView) -> String {
    ctx.href(&format!("/help/categories/{}-{}", c.id, kb::slugify(&c.name.name)))
}

fn section_href(ctx: &Ctx, id: i64, name: &str) -> String {
    ctx.href(&format!("/help/sections/{id}-{}", kb::slugify(name)))
}

fn article_href(ctx: &Ctx, a: &ArticleLink) -> String {
    ctx.href_in(&article_path(a.id, &a.title, &a.locale), &a.locale)
}

fn links(ctx: &Ctx, list: &[ArticleLink]) -> Value {
    let v: Vec<Link> = list.iter().map(|a| Link { href: article_href(ctx, a), title: a.title.clone() }).collect();
    Value::from(Serde(&v))
}

/// Alternates of a page that exists in every offered language.
fn every_language(ctx: &Ctx, path: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        ctx.locales.iter().map(|l| (l.clone(), ctx.absolute(&ctx.href_in(path, l)))).collect();
    out.push(("x-default".into(), ctx.absolute(&ctx.href_in(path, &ctx.ws.locale))));
    out
}

async fn home(State(app): State<AppState>, headers: HeaderMap, q: PageQ) -> Response {
    let q = query_of(q);
    let ctx = match context(&app, &headers, &q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let tree = match kb::public::tree(&app.store, &ctx.ws, &ctx.lang).await {
        Ok(t) => t,
        Err(e) => return internal(&e),
    };
    let popular = kb::public::popular(&app.store, &ctx.ws, &ctx.lang, 6).await.unwrap_or_default();
    let categories: Vec<_> = tree
        .iter()
        .map(|c| {
            let sections: Vec<_> = c
                .sections
                .iter()
                .map(|s| context! { href => section_href(&ctx, s.id, &s.name.name), name => s.name.name.clone(), count => s.articles.len() })
                .collect();
            context! { href => category_href(&ctx, c), name => c.name.name.clone(), description => c.name.description.clone(), sections => sections }
        })
        .collect();
    let form = match search_form(&ctx, "", true) {
        Ok(f) => f,
        Err(res) => return res,
    };
    let content = match render(
        "home.html",
        &context! {
            t => ctx.t.clone(),
            categories => categories,
            popular => links(&ctx, &popular),
            search_form => Value::from_safe_string(form),
        },
    ) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let meta = PageMeta {
        page: "home",
        title: ctx.site_name(),
        description: format!("{} – {}", ctx.site_name(), ctx.s("description")),
        canonical: ctx.absolute(&ctx.href("/help")),
        alternates: every_language(&ctx, "/help"),
        q: String::new(),
        noindex: false,
        status: StatusCode::OK,
    };
    page(&ctx, meta, &content)
}

async fn category_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    q: PageQ,
) -> Response {
    let q = query_of(q);
    let ctx = match context(&app, &headers, &q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let tree = match kb::public::tree(&app.store, &ctx.ws, &ctx.lang).await {
        Ok(t) => t,
        Err(e) => return internal(&e),
    };
    let Some(c) = id_of(&slug).and_then(|id| tree.iter().find(|c| c.id == id)) else {
        return not_found_page(&ctx);
    };
    let crumbs = vec![
        Crumb { name: ctx.s("home").into(), href: Some(ctx.href("/help")) },
        Crumb { name: c.name.name.clone(), href: None },
    ];
    let sections: Vec<_> = c
        .sections
        .iter()
        .map(|s| {
            context! {
                id => s.id, name => s.name.name.clone(), description => s.name.description.clone(),
                href => section_href(&ctx, s.id, &s.name.name), articles => links(&ctx, &s.articles),
            }
        })
        .collect();
    let content = render_with_crumbs(
        &ctx,
        &crumbs,
        "category.html",
        context! {
            category => context! { name => c.name.name.clone(), description => c.name.description.clone(), sections => sections },
        },
    );
    let content = match content {
        Ok(c) => c,
        Err(res) => return res,
    };
    let path = format!("/help/categories/{}-{}", c.id, kb::slugify(&c.name.name));
    page(&ctx, listing_meta(&ctx, "category", &path, &c.name), &content)
}

/// The page metadata of a category's or section's page at `path`.
fn listing_meta(ctx: &Ctx, kind: &'static str, path: &str, name: &kb::NameText) -> PageMeta {
    PageMeta {
        page: kind,
        title: format!("{} – {}", name.name, ctx.site_name()),
        description: if name.description.is_empty() { name.name.clone() } else { name.description.clone() },
        canonical: ctx.absolute(&ctx.href(path)),
        alternates: every_language(ctx, path),
        q: String::new(),
        noindex: false,
        status: StatusCode::OK,
    }
}

// The error is the finished response a handler returns as is; boxing it buys nothing per page.
#[allow(clippy::result_large_err)]
fn render_with_crumbs(ctx: &Ctx, crumbs: &[Crumb], name: &str, extra: Value) -> Result<String, Response> {
    let bc = render("breadcrumbs.html", &context! { t => ctx.t.clone(), crumbs => Value::from(Serde(crumbs)) })?;
    render(name, &context! { t => ctx.t.clone(), breadcrumbs => Value::from_safe_string(bc), ..extra })
}

async fn section_page(State(app): State<AppState>, headers: HeaderMap, Path(slug): Path<String>, q: PageQ) -> Response {
    let q = query_of(q);
    let ctx = match context(&app, &headers, &q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let tree = match kb::public::tree(&app.store, &ctx.ws, &ctx.lang).await {
        Ok(t) => t,
        Err(e) => return internal(&e),
    };
    let found =
        id_of(&slug).and_then(|id| tree.iter().find_map(|c| c.sections.iter().find(|s| s.id == id).map(|s| (c, s))));
    let Some((c, s)) = found else {
        return not_found_page(&ctx);
    };
    let crumbs = vec![
        Crumb { name: ctx.s("home").into(), href: Some(ctx.href("/help")) },
        Crumb { name: c.name.name.clone(), href: Some(category_href(&ctx, c)) },
        Crumb { name: s.name.name.clone(), href: None },
    ];
    let content = render_with_crumbs(
        &ctx,
        &crumbs,
        "section.html",
        context! {
            section => context! { name => s.name.name.clone(), description => s.name.description.clone(), articles => links(&ctx, &s.articles) },
        },
    );
    let content = match content {
        Ok(c) => c,
        Err(res) => return res,
    };
    let path = format!("/help/sections/{}-{}", s.id, kb::slugify(&s.name.name));
    page(&ctx, listing_meta(&ctx, "section", &path, &s.name), &content)
}

fn human_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else {
        format!("{bytes} B")
    }
}

/// The first sentences of a body, for `<meta name="description">`.
fn description_of(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= 160 {
        return flat;
    }
    let cut: String = flat.chars().take(157).collect();
    format!("{}…", cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a))
}

/// Ids in the recently-seen cookie.
fn seen_ids(headers: &HeaderMap) -> Vec<i64> {
    crate::auth::cookie(headers, SEEN_COOKIE)
        .map(|v| v.split('.').filter_map(|s| s.parse::<i64>().ok()).collect())
        .unwrap_or_default()
}

async fn article_page(
    State(app): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Path(slug): Path<String>,
    q: PageQ,
) -> Response {
    let q = query_of(q);
    let ctx = match context(&app, &headers, &q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(id) = id_of(&slug) else {
        return not_found_page(&ctx);
    };
    let a = match kb::public::article(&app.store, &ctx.ws, id, &ctx.lang).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => return not_found_page(&ctx),
        Err(e) => return internal(&e),
    };
    // Count the view: GET only, once per visitor and window.
    let mut seen = seen_ids(&headers);
    let mut set_seen = None;
    if method == Method::GET && !seen.contains(&id) {
        if let Err(e) = kb::stats::record_view(&app.store, ctx.ws.id, id).await {
            tracing::warn!(error = %e, article = id, "view not counted");
        }
        seen.insert(0, id);
        seen.truncate(40);
        let value = seen.iter().map(i64::to_string).collect::<Vec<_>>().join(".");
        set_seen = Some(cookie(&ctx, SEEN_COOKIE, &value, SEEN_WINDOW_SECS));
    }
    let t = &a.translation;
    let mut crumbs = vec![Crumb { name: ctx.s("home").into(), href: Some(ctx.href("/help")) }];
    if let Some(c) = &a.category {
        crumbs.push(Crumb { name: c.name.name.clone(), href: Some(category_href(&ctx, c)) });
    }
    if let Some(s) = &a.section {
        crumbs.push(Crumb { name: s.name.name.clone(), href: Some(section_href(&ctx, s.id, &s.name.name)) });
    }
    crumbs.push(Crumb { name: t.title.clone(), href: None });
    let files: Vec<_> = a
        .attachments
        .iter()
        .map(|f| context! { name => f.filename.clone(), href => file_path(&f.public_id, &f.filename), size => human_size(f.size) })
        .collect();
    let notice = ctx
        .s("fallback_notice")
        .replace("{wanted}", &i18n::language_name(&ctx.lang))
        .replace("{shown}", &i18n::language_name(&t.locale));
    let own_path = article_path(id, &t.title, &t.locale);
    let feedback_action = {
        let p = format!("/help/articles/{id}/feedback");
        match &ctx.explicit_ws {
            Some(ws) => format!("{p}?workspace={}", url_encode(ws)),
            None => p,
        }
    };
    let content = render_with_crumbs(
        &ctx,
        &crumbs,
        "article.html",
        context! {
            fallback => a.fallback,
            fallback_notice => notice,
            article_lang => t.locale.clone(),
            article_title => t.title.clone(),
            updated_iso => t.updated_at.to_rfc3339(),
            updated_human => i18n::human_date(t.updated_at.date_naive(), &ctx.lang),
            body => Value::from_safe_string(t.body_html.clone()),
            files => files,
            related => links(&ctx, &a.related),
            thanks => q.feedback.as_deref() == Some("thanks"),
            feedback_action => feedback_action,
        },
    );
    let content = match content {
        Ok(c) => c,
        Err(res) => return res,
    };
    // One URL per translation; the default locale's stands for everyone else.
    let mut alternates: Vec<(String, String)> = a
        .article
        .translations
        .iter()
        .map(|tr| (tr.locale.clone(), ctx.absolute(&ctx.href_in(&article_path(id, &tr.title, &tr.locale), &tr.locale))))
        .collect();
    if let Some((tr, _)) = a.article.translation_for(&ctx.ws.locale, &ctx.ws.locale) {
        alternates.push((
            "x-default".into(),
            ctx.absolute(&ctx.href_in(&article_path(id, &tr.title, &tr.locale), &tr.locale)),
        ));
    }
    let meta = PageMeta {
        page: "article",
        title: format!("{} – {}", t.title, ctx.site_name()),
        description: description_of(&t.body_text),
        canonical: ctx.absolute(&ctx.href_in(&own_path, &t.locale)),
        alternates,
        q: String::new(),
        noindex: false,
        status: StatusCode::OK,
    };
    let mut res = page(&ctx, meta, &content);
    if let Some(c) = set_seen
        && let Ok(v) = HeaderValue::from_str(&c)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The "Was this helpful?" form.
#[derive(Debug, Deserialize)]
struct FeedbackForm {
    helpful: String,
    comment: Option<String>,
    lang: Option<String>,
}

async fn feedback_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    q: PageQ,
    form: Result<Form<FeedbackForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let q = query_of(q);
    let ctx = match context(&app, &headers, &q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(id) = id_of(&slug) else {
        return not_found_page(&ctx);
    };
    let Ok(Form(form)) = form else {
        return (StatusCode::BAD_REQUEST, "the form could not be read").into_response();
    };
    let helpful = match form.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => return (StatusCode::UNPROCESSABLE_ENTITY, "answer yes or no").into_response(),
    };
    let locale = form.lang.clone().filter(|l| ctx.locales.contains(l)).unwrap_or_else(|| ctx.lang.clone());
    let comment: Option<String> =
        form.comment.as_deref().map(|c| c.chars().take(kb::stats::MAX_COMMENT_CHARS).collect());
    match kb::stats::record_feedback(&app.store, ctx.ws.id, id, &locale, helpful, comment.as_deref()).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return not_found_page(&ctx),
        Err(StoreError::Invalid(_)) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, "the feedback is not valid").into_response();
        }
        Err(e) => return internal(&e),
    }
    let title =
        kb::public::article(&app.store, &ctx.ws, id, &locale).await.map(|a| a.translation.title).unwrap_or_default();
    let to = format!("{}&feedback=thanks#feedback", ctx.href_in(&article_path(id, &title, &locale), &locale));
    axum::response::Redirect::to(&to).into_response()
}

async fn search_page(State(app): State<AppState>, headers: HeaderMap, q: PageQ) -> Response {
    let q = query_of(q);
    let ctx = match context(&app, &headers, &q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let query: String = q.q.clone().unwrap_or_default().trim().chars().take(kb::search::MAX_QUERY_CHARS).collect();
    let locales = Locales { wanted: Some(ctx.lang.clone()), default: ctx.ws.locale.clone() };
    let outcome = if query.is_empty() {
        kb::search::Outcome::default()
    } else {
        match kb::search::search(&app.store, ctx.ws.id, Scope::Public, &locales, &query, 30).await {
            Ok(o) => o,
            Err(StoreError::Invalid(_)) => kb::search::Outcome::default(),
            Err(e) => return internal(&e),
        }
    };
    let results: Vec<_> = outcome
        .hits
        .iter()
        .map(|h| {
            context! {
                href => ctx.href_in(&article_path(h.article_id, &h.title, &h.locale), &h.locale),
                title => h.title.clone(),
                snippet => Value::from_safe_string(h.snippet_html.clone()),
                fallback => h.locale != ctx.lang,
                language => i18n::language_name(&h.locale),
            }
        })
        .collect();
    let count = if results.len() == 1 {
        ctx.s("results_one").to_owned()
    } else {
        ctx.s("results_many").replace("{n}", &results.len().to_string())
    };
    let dym_href = outcome.did_you_mean.as_ref().map(|d| ctx.href(&format!("/help/search?q={}", url_encode(d))));
    let content = match render(
        "search.html",
        &context! {
            t => ctx.t.clone(),
            q => query.clone(),
            results => results,
            results_count => count,
            did_you_mean => outcome.did_you_mean,
            did_you_mean_href => dym_href,
            no_results_for_q => ctx.s("no_results_for").replace("{q}", &query),
        },
    ) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let path = format!("/help/search?q={}", url_encode(&query));
    let meta = PageMeta {
        page: "search",
        title: if query.is_empty() {
            format!("{} – {}", ctx.s("search_results"), ctx.site_name())
        } else {
            format!("{query} – {} – {}", ctx.s("search_results"), ctx.site_name())
        },
        description: ctx.s("search_label").to_owned(),
        canonical: ctx.absolute(&ctx.href(&path)),
        alternates: Vec::new(),
        q: query,
        noindex: true,
        status: StatusCode::OK,
    };
    page(&ctx, meta, &content)
}

async fn sitemap(State(app): State<AppState>, headers: HeaderMap, q: PageQ) -> Response {
    let q = query_of(q);
    let ctx = match context(&app, &headers, &q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let entries = match kb::public::sitemap(&app.store, &ctx.ws).await {
        Ok(e) => e,
        Err(e) => return internal(&e),
    };
    let mut urls = Vec::new();
    let home_alts: Vec<_> =
        every_language(&ctx, "/help").into_iter().map(|(h, href)| context! { hreflang => h, href => href }).collect();
    for l in &ctx.locales {
        urls.push(context! { loc => ctx.absolute(&ctx.href_in("/help", l)), lastmod => None::<String>, alternates => home_alts.clone() });
    }
    let mut by_article: BTreeMap<i64, Vec<&kb::public::SitemapEntry>> = BTreeMap::new();
    for e in &entries {
        by_article.entry(e.id).or_default().push(e);
    }
    for list in by_article.values() {
        let alts: Vec<_> = list
            .iter()
            .map(|e| context! { hreflang => e.locale.clone(), href => ctx.absolute(&ctx.href_in(&article_path(e.id, &e.title, &e.locale), &e.locale)) })
            .collect();
        for e in list {
            urls.push(context! {
                loc => ctx.absolute(&ctx.href_in(&article_path(e.id, &e.title, &e.locale), &e.locale)),
                lastmod => e.updated_at.format("%Y-%m-%d").to_string(),
                alternates => alts.clone(),
            });
        }
    }
    match render("sitemap.xml", &context! { urls => urls }) {
        Ok(xml) => {
            let mut res = xml.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            res
        }
        Err(res) => res,
    }
}

async fn asset(Path(name): Path<String>) -> Response {
    let (body, ct) = match name.as_str() {
        "help.css" => (CSS, "text/css; charset=utf-8"),
        "help.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return plain_not_found(),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    // Referenced with `?v=<content hash>`: a new build gets new URLs.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    res
}

/// The workspace of the staff member whose session the request carries
/// (they see files of drafts in the editor).
async fn staff_workspace(app: &AppState, headers: &HeaderMap) -> Option<i64> {
    let token = crate::auth::cookie(headers, crate::auth::SESSION_COOKIE)?;
    let (_, user) = autocrm_store::sessions::resolve(&app.store, &token, app.config.session_policy()).await.ok()??;
    autocrm_domain::Role::parse(&user.role).is_ok_and(autocrm_domain::Role::is_staff).then_some(user.workspace_id)
}

async fn file(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((file_id, _name)): Path<(String, String)>,
    q: PageQ,
) -> Response {
    let q = query_of(q);
    let explicit = q.workspace.as_deref().map(str::trim).filter(|s| !s.is_empty());
    // Staff see files of drafts: try the public workspace first, then the staff member's own.
    let ws = crate::public::workspace(&app, explicit).await.ok();
    let mut found = None;
    if let Some(ws) = &ws {
        match kb::files::read(&app.store, ws.id, &file_id, false).await {
            Ok(f) => found = Some(f),
            Err(StoreError::NotFound) => {}
            Err(e) => return internal(&e),
        }
    }
    let mut private = false;
    if found.is_none()
        && let Some(staff_ws) = staff_workspace(&app, &headers).await
    {
        match kb::files::read(&app.store, staff_ws, &file_id, true).await {
            Ok(f) => {
                found = Some(f);
                private = true;
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return internal(&e),
        }
    }
    let Some((meta, bytes)) = found else {
        return plain_not_found();
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    let inline = kb::files::is_inline_image(&meta.content_type);
    let ct = if inline { meta.content_type.as_str() } else { "application/octet-stream" };
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(ct).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii: String =
        meta.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        url_encode(&meta.filename)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if private { "private, no-store" } else { "public, max-age=3600" }),
    );
    res
}

async fn unknown_page(State(app): State<AppState>, headers: HeaderMap, q: PageQ) -> Response {
    let q = query_of(q);
    match context(&app, &headers, &q).await {
        Ok(ctx) => not_found_page(&ctx),
        Err(res) => res,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for name in [
            "layout.html",
            "search_form.html",
            "home.html",
            "breadcrumbs.html",
            "category.html",
            "section.html",
            "article.html",
            "search.html",
            "not_found.html",
            "sitemap.xml",
        ] {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn ids_come_from_the_start_of_a_slug() {
        assert_eq!(id_of("12-returns"), Some(12));
        assert_eq!(id_of("12"), Some(12));
        assert_eq!(id_of("x12"), None);
        assert_eq!(id_of("0-zero"), None);
    }

    #[test]
    fn descriptions_end_at_a_word() {
        let long = "word ".repeat(60);
        let d = description_of(&long);
        assert!(d.chars().count() <= 160 && d.ends_with("word…"), "{d}");
    }
}

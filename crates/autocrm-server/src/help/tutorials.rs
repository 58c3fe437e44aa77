//! Step-by-step guides in the help center (`/help/tutorials`): the list, a
//! guide's start page, and a run walked with plain links and forms — it
//! works without JavaScript. The run's id is in the URL (it is the run's
//! only credential, like the JSON API's); "open a ticket" ends on a form
//! prefilled with the path taken, which opens the ticket for the signed-in
//! customer (with the session's CSRF token in the form) or for the name and
//! e-mail address given (rate limited), or hands over to the portal.
//!
//! Pages render inside the help center's layout (`super::page`), so they
//! look, switch language and escape like every other help-center page.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use autocrm_domain::tutorials::{Outcome, RunChannel, Target, pick};
use autocrm_domain::{Principal, Role};
use autocrm_store::StoreError;
use autocrm_store::tutorials::runs::{NewRun, RunView};
use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{AutoEscape, Environment, Value, context};
use serde::Deserialize;

use super::{Crumb, Ctx, PageMeta, PageQ, context as page_context, internal, not_found_page, page, query_of};
use crate::AppState;
use crate::routes::kb::url_encode;
use crate::routes::tutorials::{RunTicketIn, open_ticket_for, portal_new_url, public_step, signed_in_customer};

/// The guides' routes (merged into the help center's router).
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/help/tutorials", get(list_page))
        .route("/help/tutorials/{slug}", get(intro_page))
        .route("/help/tutorials/{id}/start", post(start_form))
        .route("/help/tutorials/runs/{run_id}", get(run_page))
        .route("/help/tutorials/runs/{run_id}/choose", post(choose_form))
        .route("/help/tutorials/runs/{run_id}/ticket", post(ticket_form))
        .route("/help/tutorials/assets/tutorials.css", get(stylesheet))
}

const CSS: &str = include_str!("assets/tutorials.css");

/// A short hash of the stylesheet, so its URL changes with it and it can be cached long.
static CSS_HREF: LazyLock<String> = LazyLock::new(|| {
    use sha2::{Digest as _, Sha256};
    let v: String = hex::encode(Sha256::digest(CSS.as_bytes())).chars().take(12).collect();
    format!("/help/tutorials/assets/tutorials.css?v={v}")
});

/// The guides' stylesheet (linked from their pages' content: the layout is the help center's).
async fn stylesheet() -> Response {
    let mut res = CSS.into_response();
    let h = res.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/css; charset=utf-8"));
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_formatter(super::format_value);
    for (name, source) in [
        ("list.html", include_str!("templates/tutorials/list.html")),
        ("intro.html", include_str!("templates/tutorials/intro.html")),
        ("run.html", include_str!("templates/tutorials/run.html")),
    ] {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "tutorial template does not parse");
        }
    }
    env
});

// The error is the ready error page to answer with, like the help center's own `render`.
#[allow(clippy::result_large_err)]
fn render(name: &str, ctx: &Value) -> Result<String, Response> {
    let ctx = context! { css_href => CSS_HREF.as_str(), ..ctx.clone() };
    TEMPLATES.get_template(name).and_then(|t| t.render(ctx)).map_err(|e| {
        tracing::error!(template = name, error = %e, "tutorial template failed");
        (StatusCode::INTERNAL_SERVER_ERROR, "the help center could not render this page").into_response()
    })
}

/// `(key, English, German, French)`: the guides' own words.
const STRINGS: &[(&str, &str, &str, &str)] = &[
    ("title", "Step-by-step guides", "Schritt-für-Schritt-Anleitungen", "Guides pas à pas"),
    (
        "intro",
        "Answer a few questions and we will guide you to a solution.",
        "Beantworten Sie ein paar Fragen, und wir führen Sie zur Lösung.",
        "Répondez à quelques questions et nous vous guiderons vers une solution.",
    ),
    ("empty", "There are no guides yet.", "Noch keine Anleitungen.", "Aucun guide pour le moment."),
    ("start", "Start", "Starten", "Commencer"),
    ("step_n", "Step {n}", "Schritt {n}", "Étape {n}"),
    ("choose", "Choose an answer", "Wählen Sie eine Antwort", "Choisissez une réponse"),
    ("your_answers", "Your answers", "Ihre Antworten", "Vos réponses"),
    ("change", "Change", "Ändern", "Modifier"),
    (
        "solved_title",
        "Solved — glad we could help",
        "Gelöst — schön, dass wir helfen konnten",
        "Résolu — ravis d'avoir pu vous aider",
    ),
    (
        "solved_text",
        "If anything else comes up, our guides and articles are here for you.",
        "Wenn noch etwas ist: Unsere Anleitungen und Artikel sind für Sie da.",
        "Si autre chose se présente, nos guides et articles sont là pour vous.",
    ),
    (
        "article_title",
        "This article has the answer",
        "Dieser Artikel hat die Antwort",
        "Cet article contient la réponse",
    ),
    ("read_article", "Read the article", "Artikel lesen", "Lire l'article"),
    ("ticket_title", "Open a ticket", "Ticket eröffnen", "Ouvrir une demande"),
    (
        "ticket_intro",
        "We send your answers along, so you do not have to repeat yourself.",
        "Wir schicken Ihre Antworten mit, damit Sie sich nicht wiederholen müssen.",
        "Nous joignons vos réponses pour que vous n'ayez pas à vous répéter.",
    ),
    ("subject", "Subject", "Betreff", "Objet"),
    ("what_you_told_us", "What you told us", "Was Sie uns gesagt haben", "Ce que vous nous avez dit"),
    (
        "details",
        "Anything else we should know? (optional)",
        "Sollen wir noch etwas wissen? (optional)",
        "Autre chose à savoir ? (facultatif)",
    ),
    ("name", "Your name", "Ihr Name", "Votre nom"),
    ("email", "Your e-mail address", "Ihre E-Mail-Adresse", "Votre adresse e-mail"),
    ("submit_ticket", "Open the ticket", "Ticket eröffnen", "Ouvrir la demande"),
    (
        "signed_in",
        "You are signed in: the ticket appears among your requests.",
        "Sie sind angemeldet: Das Ticket erscheint bei Ihren Anfragen.",
        "Vous êtes connecté : la demande apparaîtra parmi vos demandes.",
    ),
    (
        "portal_instead",
        "Prefer to write it in the portal? Open the form there",
        "Lieber im Portal schreiben? Zum Formular im Portal",
        "Vous préférez le portail ? Ouvrir le formulaire",
    ),
    (
        "ticket_opened",
        "Thank you! We opened ticket #{n} and will answer by e-mail.",
        "Vielen Dank! Wir haben Ticket #{n} eröffnet und antworten per E-Mail.",
        "Merci ! Nous avons ouvert la demande n° {n} et répondrons par e-mail.",
    ),
    ("view_requests", "See your requests", "Ihre Anfragen ansehen", "Voir vos demandes"),
    ("restart", "Start again", "Neu beginnen", "Recommencer"),
    ("all_guides", "All guides", "Alle Anleitungen", "Tous les guides"),
    (
        "rate_limited",
        "Several tickets were opened from here in a short time. Please try again in an hour.",
        "Von hier wurden in kurzer Zeit mehrere Tickets eröffnet. Bitte versuchen Sie es in einer Stunde erneut.",
        "Plusieurs demandes ont été ouvertes d'ici en peu de temps. Réessayez dans une heure.",
    ),
    ("fix_errors", "Please check the form.", "Bitte prüfen Sie das Formular.", "Veuillez vérifier le formulaire."),
    (
        "email_required",
        "Enter your e-mail address so that we can answer you.",
        "Geben Sie Ihre E-Mail-Adresse an, damit wir Ihnen antworten können.",
        "Indiquez votre adresse e-mail pour que nous puissions vous répondre.",
    ),
    (
        "email_invalid",
        "This is not an e-mail address.",
        "Das ist keine E-Mail-Adresse.",
        "Ce n'est pas une adresse e-mail.",
    ),
    ("name_too_long", "The name is too long.", "Der Name ist zu lang.", "Le nom est trop long."),
    (
        "fallback",
        "This guide is not available in your language yet.",
        "Diese Anleitung gibt es noch nicht in Ihrer Sprache.",
        "Ce guide n'est pas encore disponible dans votre langue.",
    ),
];

/// The guides' words in the page's language (English for any other).
fn strings(lang: &str) -> BTreeMap<&'static str, &'static str> {
    let col = match lang.split('-').next() {
        Some("de") => 2,
        Some("fr") => 3,
        _ => 1,
    };
    STRINGS
        .iter()
        .map(|row| {
            let text = match col {
                2 => row.2,
                3 => row.3,
                _ => row.1,
            };
            (row.0, text)
        })
        .collect()
}

/// The slug of a guide's page: its id, then its title.
pub(crate) fn guide_path(id: i64, title: &str) -> String {
    let slug = autocrm_store::kb::slugify(title);
    if slug.is_empty() { format!("/help/tutorials/{id}") } else { format!("/help/tutorials/{id}-{slug}") }
}

/// A form's action: the path with the explicit workspace kept (the language travels in the form).
fn action(ctx: &Ctx, path: &str) -> String {
    ctx.href(path)
}

fn meta(ctx: &Ctx, page_name: &'static str, title: &str, path: &str, status: StatusCode) -> PageMeta {
    PageMeta {
        page: page_name,
        description: title.to_owned(),
        title: format!("{title} – {}", ctx.site_name()),
        canonical: ctx.absolute(&ctx.href(path)),
        alternates: Vec::new(),
        q: String::new(),
        // Runs are private to the customer walking them.
        noindex: page_name == "tutorial_run",
        status,
    }
}

#[allow(clippy::result_large_err)] // the error is the ready error page
fn crumbs(
    ctx: &Ctx,
    s: &BTreeMap<&'static str, &'static str>,
    last: Option<(String, Option<String>)>,
) -> Result<Value, Response> {
    let mut list = vec![Crumb { name: ctx.s("home").into(), href: Some(ctx.href("/help")) }];
    let guides = s.get("title").copied().unwrap_or_default().to_owned();
    match last {
        Some((name, href)) => {
            list.push(Crumb { name: guides, href: Some(ctx.href("/help/tutorials")) });
            list.push(Crumb { name, href });
        }
        None => list.push(Crumb { name: guides, href: None }),
    }
    let html = super::render(
        "breadcrumbs.html",
        &context! { t => ctx.t.clone(), crumbs => Value::from(minijinja::value::Serde(&list)) },
    )?;
    Ok(Value::from_safe_string(html))
}

async fn ctx_for(app: &AppState, headers: &HeaderMap, q: PageQ) -> Result<Ctx, Response> {
    page_context(app, headers, &query_of(q)).await
}

async fn list_page(State(app): State<AppState>, headers: HeaderMap, q: PageQ) -> Response {
    let ctx = match ctx_for(&app, &headers, q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let list = match autocrm_store::tutorials::published_list(&app.store, ctx.ws.id).await {
        Ok(l) => l,
        Err(e) => return internal(&e),
    };
    let s = strings(&ctx.lang);
    let guides: Vec<Value> = list
        .iter()
        .map(|t| {
            let locale = autocrm_domain::tutorials::best_locale(&t.title, &t.graph, Some(&ctx.lang), &t.default_locale);
            let title = pick(&t.title, &locale, &t.default_locale).0;
            context! {
                href => ctx.href(&guide_path(t.tutorial_id, title)),
                title => title,
                description => pick(&t.description, &locale, &t.default_locale).0,
                lang => locale,
            }
        })
        .collect();
    let bc = match crumbs(&ctx, &s, None) {
        Ok(b) => b,
        Err(res) => return res,
    };
    let content = match render("list.html", &context! { s => s.clone(), guides => guides, breadcrumbs => bc }) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let title = s.get("title").copied().unwrap_or_default().to_owned();
    let mut m = meta(&ctx, "tutorials", &title, "/help/tutorials", StatusCode::OK);
    m.alternates = super::every_language(&ctx, "/help/tutorials");
    page(&ctx, m, &content)
}

async fn intro_page(State(app): State<AppState>, headers: HeaderMap, Path(slug): Path<String>, q: PageQ) -> Response {
    let ctx = match ctx_for(&app, &headers, q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(id) = super::id_of(&slug) else { return not_found_page(&ctx) };
    let t = match autocrm_store::tutorials::published(&app.store, ctx.ws.id, id).await {
        Ok(t) => t,
        Err(StoreError::NotFound) => return not_found_page(&ctx),
        Err(e) => return internal(&e),
    };
    let s = strings(&ctx.lang);
    let locale = autocrm_domain::tutorials::best_locale(&t.title, &t.graph, Some(&ctx.lang), &t.default_locale);
    let title = pick(&t.title, &locale, &t.default_locale).0.to_owned();
    let path = guide_path(id, &title);
    let bc = match crumbs(&ctx, &s, Some((title.clone(), None))) {
        Ok(b) => b,
        Err(res) => return res,
    };
    let content = render(
        "intro.html",
        &context! {
            s => s.clone(),
            breadcrumbs => bc,
            title => title.clone(),
            description => pick(&t.description, &locale, &t.default_locale).0,
            guide_lang => locale.clone(),
            fallback => locale.split('-').next() != ctx.lang.split('-').next(),
            start_action => action(&ctx, &format!("/help/tutorials/{id}/start")),
            lang => ctx.lang.clone(),
        },
    );
    let content = match content {
        Ok(c) => c,
        Err(res) => return res,
    };
    let mut m = meta(&ctx, "tutorial", &title, &path, StatusCode::OK);
    m.alternates = super::every_language(&ctx, &path);
    page(&ctx, m, &content)
}

/// The language a form posts (the page's), so the run is in it.
#[derive(Debug, Default, Deserialize)]
struct StartForm {
    lang: Option<String>,
}

async fn start_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: PageQ,
    form: Result<Form<StartForm>, FormRejection>,
) -> Response {
    let ctx = match ctx_for(&app, &headers, q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(id) = super::id_of(&id) else { return not_found_page(&ctx) };
    let customer = session_customer(&app, &headers, ctx.ws.id).await.map(|(p, _)| p);
    let actor = customer.unwrap_or_else(|| Principal::system(ctx.ws.id));
    let lang = form.ok().and_then(|Form(f)| f.lang).unwrap_or_else(|| ctx.lang.clone());
    let new = NewRun { channel: RunChannel::HelpCenter, locale: Some(lang), visitor_id: None };
    match autocrm_store::tutorials::runs::start(&app.store, ctx.ws.id, &actor, id, new).await {
        Ok(v) => Redirect::to(&run_href(&ctx, &v.run.public_id)).into_response(),
        Err(StoreError::NotFound) => not_found_page(&ctx),
        Err(e) => internal(&e),
    }
}

fn run_href(ctx: &Ctx, run_id: &str) -> String {
    ctx.href(&format!("/help/tutorials/runs/{}", url_encode(run_id)))
}

/// The signed-in customer of workspace `ws` (session cookie) and the session's CSRF token.
async fn session_customer(app: &AppState, headers: &HeaderMap, ws: i64) -> Option<(Principal, String)> {
    let token = crate::auth::cookie(headers, crate::auth::SESSION_COOKIE)?;
    let (session, user) =
        autocrm_store::sessions::resolve(&app.store, &token, app.config.session_policy()).await.ok().flatten()?;
    if Role::parse(&user.role).ok()? != Role::Customer {
        return None;
    }
    signed_in_customer(user, ws).map(|p| (p, session.csrf_token))
}

/// `?at=` revisits an earlier step of the path (to answer it differently).
#[derive(Debug, Default, Deserialize)]
struct RunQuery {
    at: Option<String>,
}

/// What the ticket form shows again after a refused submit.
#[derive(Debug, Default)]
struct FormState {
    name: String,
    email: String,
    details: String,
    errors: Vec<String>,
    rate_limited: bool,
}

async fn run_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(run_id): Path<String>,
    q: PageQ,
    rq: Result<Query<RunQuery>, QueryRejection>,
) -> Response {
    let ctx = match ctx_for(&app, &headers, q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let at = rq.ok().and_then(|Query(r)| r.at);
    render_run(&app, &headers, &ctx, &run_id, at.as_deref(), FormState::default(), StatusCode::OK).await
}

async fn render_run(
    app: &AppState,
    headers: &HeaderMap,
    ctx: &Ctx,
    run_id: &str,
    at: Option<&str>,
    form: FormState,
    status: StatusCode,
) -> Response {
    let v = match autocrm_store::tutorials::runs::get(&app.store, ctx.ws.id, run_id).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => return not_found_page(ctx),
        Err(e) => return internal(&e),
    };
    let customer = session_customer(app, headers, ctx.ws.id).await;
    let s = strings(&ctx.lang);
    let t = &v.tutorial;
    let run = &v.run;
    let locale = run.locale.as_str();
    let title = pick(&t.title, locale, &t.default_locale).0.to_owned();
    // The step shown: an earlier one being revisited, else the current one while unfinished.
    let revisit = at.filter(|a| run.finished_at.is_none() && run.path.iter().any(|e| e.step == *a));
    let step_key = revisit.or(if run.finished_at.is_none() { run.current_step.as_deref() } else { None });
    let step = step_key.and_then(|k| t.graph.step(k)).map(|s| public_step(&ctx.ws.slug, t, s, locale).0);
    let position = match revisit {
        Some(a) => run.path.iter().position(|e| e.step == a).unwrap_or(0) + 1,
        None => run.path.len() + 1,
    };
    let answers: Vec<Value> = run
        .path
        .iter()
        .map(|e| {
            let def = t.graph.step(&e.step);
            context! {
                question => def.map(|s| pick(&s.title, locale, &t.default_locale).0).unwrap_or_default(),
                answer => def.and_then(|s| s.choices.iter().find(|c| c.key == e.choice)).map(|c| pick(&c.label, locale, &t.default_locale).0).unwrap_or_default(),
                change_href => (run.finished_at.is_none()).then(|| format!("{}&at={}", run_href(ctx, &run.public_id), url_encode(&e.step))),
            }
        })
        .collect();
    let outcome = run.outcome.map(|o| outcome_view(ctx, &v, o, customer.is_some()));
    let bc = match crumbs(ctx, &s, Some((title.clone(), None))) {
        Ok(b) => b,
        Err(res) => return res,
    };
    let restart_action = action(ctx, &format!("/help/tutorials/{}/start", t.tutorial_id));
    let content = render(
        "run.html",
        &context! {
            s => s.clone(),
            breadcrumbs => bc,
            title => title.clone(),
            guide_lang => locale,
            fallback => locale.split('-').next() != ctx.lang.split('-').next(),
            step_label => s.get("step_n").copied().unwrap_or("{n}").replace("{n}", &position.to_string()),
            step => step.map(|st| context! {
                key => st.key,
                title => st.title,
                content => Value::from_safe_string(st.content_html),
                image_url => st.image_url,
                choices => st.choices.into_iter().map(|c| context! { key => c.key, label => c.label }).collect::<Vec<_>>(),
            }),
            choose_action => action(ctx, &format!("/help/tutorials/runs/{}/choose", url_encode(&run.public_id))),
            ticket_action => action(ctx, &format!("/help/tutorials/runs/{}/ticket", url_encode(&run.public_id))),
            restart_action => restart_action,
            guides_href => ctx.href("/help/tutorials"),
            home_href => ctx.href("/help"),
            answers => answers,
            outcome => outcome,
            csrf => customer.map(|(_, csrf)| csrf),
            form => context! {
                name => form.name, email => form.email, details => form.details,
                errors => form.errors, rate_limited => form.rate_limited,
            },
            lang => ctx.lang.clone(),
        },
    );
    let content = match content {
        Ok(c) => c,
        Err(res) => return res,
    };
    let path = format!("/help/tutorials/runs/{}", url_encode(&run.public_id));
    page(ctx, meta(ctx, "tutorial_run", &v_title(&v), &path, status), &content)
}

fn v_title(v: &RunView) -> String {
    pick(&v.tutorial.title, &v.run.locale, &v.tutorial.default_locale).0.to_owned()
}

/// The outcome part of a finished run's page.
fn outcome_view(ctx: &Ctx, v: &RunView, o: Outcome, signed_in: bool) -> Value {
    let run = &v.run;
    let t = &v.tutorial;
    let target = run
        .path
        .last()
        .and_then(|e| t.graph.step(&e.step).and_then(|s| s.choices.iter().find(|c| c.key == e.choice)))
        .map(|c| &c.target);
    let prefill = autocrm_store::tutorials::runs::prefill(v);
    context! {
        kind => o.as_str(),
        message => match target {
            Some(Target::Solved { message }) => Some(pick(message, &run.locale, &t.default_locale).0.to_owned()).filter(|m| !m.is_empty()),
            _ => None,
        },
        url => match target {
            Some(Target::Article { url, .. }) => Some(url.clone()),
            _ => None,
        },
        subject => prefill.as_ref().map(|p| p.subject.clone()),
        transcript => prefill.as_ref().map(|p| p.transcript.iter().map(|(q, a)| context! { question => q, answer => a }).collect::<Vec<_>>()),
        portal_href => prefill.as_ref().map(portal_new_url),
        ticket_number => run.ticket_number,
        signed_in => signed_in,
        portal_requests_href => "/portal",
        opened_text => run.ticket_number.map(|n| strings(&ctx.lang).get("ticket_opened").copied().unwrap_or("#{n}").replace("{n}", &n.to_string())),
    }
}

/// A choice posted from a step's form.
#[derive(Debug, Deserialize)]
struct ChooseForm {
    step: String,
    choice: String,
}

async fn choose_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(run_id): Path<String>,
    q: PageQ,
    form: Result<Form<ChooseForm>, FormRejection>,
) -> Response {
    let ctx = match ctx_for(&app, &headers, q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Ok(Form(f)) = form else { return Redirect::to(&run_href(&ctx, &run_id)).into_response() };
    let customer = session_customer(&app, &headers, ctx.ws.id).await.map(|(p, _)| p);
    let actor = customer.unwrap_or_else(|| Principal::system(ctx.ws.id));
    match autocrm_store::tutorials::runs::choose(&app.store, ctx.ws.id, &actor, &run_id, &f.step, &f.choice).await {
        Ok(v) => {
            // An article outcome goes straight to the article; everything else shows the run.
            let article = v.run.path.last().and_then(|e| {
                v.tutorial.graph.step(&e.step).and_then(|s| s.choices.iter().find(|c| c.key == e.choice))
            });
            match article.map(|c| &c.target) {
                Some(Target::Article { url, .. }) => Redirect::to(url).into_response(),
                _ => Redirect::to(&run_href(&ctx, &run_id)).into_response(),
            }
        }
        Err(StoreError::NotFound) => not_found_page(&ctx),
        // A stale form (finished run, an unknown step after going back twice): show where the run is.
        Err(StoreError::Invalid(_) | StoreError::Conflict { .. }) => {
            Redirect::to(&run_href(&ctx, &run_id)).into_response()
        }
        Err(e) => internal(&e),
    }
}

/// The ticket form of an "open a ticket" outcome.
#[derive(Debug, Default, Deserialize)]
struct TicketForm {
    name: Option<String>,
    email: Option<String>,
    details: Option<String>,
    csrf: Option<String>,
}

async fn ticket_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    crate::extract::ClientIp(ip): crate::extract::ClientIp,
    Path(run_id): Path<String>,
    q: PageQ,
    form: Result<Form<TicketForm>, FormRejection>,
) -> Response {
    let ctx = match ctx_for(&app, &headers, q).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let f = form.map(|Form(f)| f).unwrap_or_default();
    // The session counts only with its CSRF token from our own form.
    let customer = session_customer(&app, &headers, ctx.ws.id)
        .await
        .filter(|(_, csrf)| f.csrf.as_deref() == Some(csrf.as_str()))
        .map(|(p, _)| p);
    let st = strings(&ctx.lang);
    let mut errors = Vec::new();
    if customer.is_none() {
        // Checked here to say it in the page's language; the API checks the same again.
        match f.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => errors.push(st.get("email_required").copied().unwrap_or_default().to_owned()),
            Some(e) if autocrm_domain::EmailAddress::parse(e).is_err() => {
                errors.push(st.get("email_invalid").copied().unwrap_or_default().to_owned());
            }
            Some(_) => {}
        }
        if f.name.as_deref().is_some_and(|n| n.trim().chars().count() > 100) {
            errors.push(st.get("name_too_long").copied().unwrap_or_default().to_owned());
        }
    }
    let state = |errors: Vec<String>, rate_limited: bool| FormState {
        name: f.name.clone().unwrap_or_default(),
        email: f.email.clone().unwrap_or_default(),
        details: f.details.clone().unwrap_or_default(),
        errors,
        rate_limited,
    };
    if !errors.is_empty() {
        return render_run(&app, &headers, &ctx, &run_id, None, state(errors, false), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    }
    let input = RunTicketIn { name: f.name.clone(), email: f.email.clone(), details: f.details.clone() };
    match open_ticket_for(&app, ctx.ws.id, customer.as_ref(), &run_id, input, ip.as_deref()).await {
        Ok(_) => Redirect::to(&run_href(&ctx, &run_id)).into_response(),
        Err(e) => match e.status() {
            StatusCode::NOT_FOUND => not_found_page(&ctx),
            StatusCode::TOO_MANY_REQUESTS => {
                render_run(&app, &headers, &ctx, &run_id, None, state(Vec::new(), true), StatusCode::TOO_MANY_REQUESTS)
                    .await
            }
            // Opened already (a double submit) or not an "open a ticket" run: show its state.
            StatusCode::CONFLICT => Redirect::to(&run_href(&ctx, &run_id)).into_response(),
            status if status.is_client_error() => {
                let errors = vec![st.get("fix_errors").copied().unwrap_or_default().to_owned()];
                render_run(&app, &headers, &ctx, &run_id, None, state(errors, false), status).await
            }
            _ => e.into_response(),
        },
    }
}

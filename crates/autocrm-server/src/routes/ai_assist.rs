//! AI help for agents on a ticket: a suggested reply with its sources, a
//! summary of the thread, a translation; what the agent did with each; the
//! workspace's AI settings; and the AI report.
//!
//! Every output shown is recorded (`ai_suggestions`, event `ai.suggested`)
//! with its engine, model, prompt version, the ids it was made from and its
//! sources, so any suggestion can be audited. The AI sees only what the
//! agent may see: the ticket's thread, the workspace's macros, published and
//! internal articles, and replies on the workspace's solved tickets.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;

use autocrm_ai::{Citation, Generate, ReplyRequest, SummaryRequest, Turn};
use autocrm_domain::Principal;
use autocrm_store::entity::{ai_suggestions, messages};
use autocrm_store::tickets::TicketView;
use axum::Json;
use axum::extract::State;
use axum::response::sse::Event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};

/// The assist routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(suggest_reply))
        .routes(routes!(stream_suggest_reply))
        .routes(routes!(summarise_ticket))
        .routes(routes!(translate_for_ticket))
        .routes(routes!(set_suggestion_outcome))
        .routes(routes!(get_ai_settings, update_ai_settings))
        .routes(routes!(ai_report))
}

/// Where a suggestion's text came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvenanceOut {
    /// `builtin` or `llm`.
    pub engine: String,
    /// The model.
    pub model: String,
    /// The prompt template and version (`suggest_reply@1`), for LLM output.
    pub prompt_version: Option<String>,
}

/// A source a suggestion drew on.
#[derive(Debug, Serialize, ToSchema)]
pub struct CitationOut {
    /// `article`, `tutorial`, `macro` or `ticket`.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its title (a ticket's subject).
    pub title: String,
    /// Where to open it, when it has a page.
    pub url: Option<String>,
    /// Relevance, 0..1.
    pub score: f32,
}

/// A suggestion shown to an agent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionOut {
    /// Id (report what happened to it with `PUT /api/v1/ai/suggestions/{id}/outcome`).
    pub id: i64,
    /// `reply`, `summary` or `translation`.
    pub kind: String,
    /// The text (plain text; a summary's key points follow as `bullets`).
    pub text: String,
    /// A summary's key points.
    pub bullets: Vec<String>,
    /// The sources it drew on, best first.
    pub citations: Vec<CitationOut>,
    /// How well the sources matched, 0..1.
    pub confidence: Option<f32>,
    /// The engine and model.
    pub provenance: ProvenanceOut,
    /// `shown`, `accepted`, `edited` or `rejected`.
    pub outcome: String,
    /// Created.
    pub created_at: DateTime<Utc>,
}

fn suggestion_out(row: ai_suggestions::Model, bullets: Vec<String>, confidence: Option<f32>) -> SuggestionOut {
    let citations = serde_json::from_value::<Vec<Citation>>(row.citations.clone()).unwrap_or_default();
    let p = &row.provenance;
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
    SuggestionOut {
        id: row.id,
        kind: row.kind,
        text: row.body,
        bullets,
        citations: citations
            .into_iter()
            .map(|c| CitationOut { kind: c.kind, id: c.id, title: c.title, url: c.url, score: c.score })
            .collect(),
        confidence,
        provenance: ProvenanceOut {
            engine: text("engine").unwrap_or_else(|| "builtin".into()),
            model: text("model").unwrap_or_default(),
            prompt_version: text("prompt_version"),
        },
        outcome: row.outcome,
        created_at: row.created_at,
    }
}

/// The workspace's token budget for one request: whether it had tokens left
/// when the request began, and charges recorded in the background.
struct WorkspaceBudget {
    store: autocrm_store::Store,
    ws: i64,
    left: bool,
}

impl autocrm_ai::llm::Budget for WorkspaceBudget {
    fn check(&self) -> Result<(), autocrm_ai::AiError> {
        if self.left { Ok(()) } else { Err(autocrm_ai::AiError::BudgetSpent) }
    }

    fn charge(&self, tokens: u64) {
        let (store, ws) = (self.store.clone(), self.ws);
        tokio::spawn(async move {
            if let Err(e) = autocrm_store::ai::charge_tokens(&store, ws, tokens).await {
                tracing::warn!(workspace = ws, error = %e, "could not record AI token use");
            }
        });
    }
}

/// LLM clients kept per workspace, rebuilt when the workspace's endpoint
/// settings change (a client holds a connection pool worth reusing).
#[derive(Default)]
pub struct LlmClients {
    by_workspace: std::sync::Mutex<std::collections::HashMap<i64, (String, autocrm_ai::llm::LlmClient)>>,
}

impl LlmClients {
    fn get_or_build(
        &self,
        ws: i64,
        config: autocrm_ai::llm::LlmConfig,
    ) -> Result<autocrm_ai::llm::LlmClient, autocrm_ai::AiError> {
        // Everything that shapes the client; kept in memory only, like the config itself.
        let key = format!(
            "{}\n{}\n{}\n{}",
            config.base_url,
            config.model,
            config.embedding_model.as_deref().unwrap_or_default(),
            config.api_key.as_deref().unwrap_or_default()
        );
        let mut map = self.by_workspace.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((k, client)) = map.get(&ws)
            && *k == key
        {
            return Ok(client.clone());
        }
        let client = autocrm_ai::llm::LlmClient::new(config)?;
        map.insert(ws, (key, client.clone()));
        Ok(client)
    }
}

impl std::fmt::Debug for LlmClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClients").finish_non_exhaustive()
    }
}

/// The workspace's LLM client, when an endpoint is configured: one HTTP
/// client per workspace and endpoint settings, reused across requests
/// (connections stay open), with this request's view of the token budget.
pub(crate) async fn llm_client(app: &AppState, ws: i64) -> ApiResult<Option<autocrm_ai::llm::LlmClient>> {
    let s = autocrm_store::ai::settings(&app.store, ws).await?;
    let (Some(base_url), Some(model)) = (s.llm_base_url.clone(), s.llm_model.clone()) else { return Ok(None) };
    let config = autocrm_ai::llm::LlmConfig {
        base_url,
        model,
        embedding_model: s.llm_embedding_model.clone(),
        api_key: s.llm_api_key.clone(),
        ..autocrm_ai::llm::LlmConfig::default()
    };
    let left = s.monthly_token_budget == 0 || s.tokens_used < s.monthly_token_budget;
    let client = app.llm_clients.get_or_build(ws, config).map_err(ApiError::internal)?;
    Ok(Some(client.with_budget(Arc::new(WorkspaceBudget { store: app.store.clone(), ws, left }))))
}

/// The workspace's LLM engine, when an endpoint is configured.
pub(crate) async fn llm_engine(app: &AppState, ws: i64) -> ApiResult<Option<autocrm_ai::llm::LlmEngine>> {
    Ok(llm_client(app, ws).await?.map(autocrm_ai::llm::LlmEngine::new))
}

/// The engine that writes for this workspace: the LLM engine when one is
/// configured, falling back to the built-in engine on any failure (a spent
/// budget included); otherwise the built-in engine alone.
pub(crate) async fn engine(app: &AppState, ws: i64) -> ApiResult<Arc<dyn Generate>> {
    let builtin = autocrm_ai::suggest::BuiltinEngine::new();
    Ok(match llm_engine(app, ws).await? {
        Some(llm) => Arc::new(autocrm_ai::llm::Fallback::new(llm, builtin)),
        None => Arc::new(builtin),
    })
}

/// The ticket's thread as turns for the AI (the newest 100 messages, oldest first).
async fn thread(app: &AppState, p: &Principal, ticket_id: i64) -> ApiResult<(Vec<Turn>, Vec<i64>)> {
    let page = autocrm_store::messages::list(&app.store, p, ticket_id, Some(100), None, true).await?;
    let mut rows: Vec<messages::Model> = page.data;
    rows.reverse();
    let ids = rows.iter().map(|m| m.id).collect();
    let turns = rows
        .into_iter()
        .map(|m| Turn {
            role: match (m.author_kind.as_str(), m.internal) {
                (_, true) => "note",
                ("contact", _) => "customer",
                ("user", _) => "agent",
                _ => "bot",
            }
            .into(),
            author: None,
            text: m.body_text,
        })
        .collect();
    Ok((turns, ids))
}

/// Articles and tutorials get their help-center links (absolute, so they
/// work from the widget on the shop's own site).
fn with_links(app: &AppState, mut docs: Vec<autocrm_ai::Document>, workspace_slug: &str) -> Vec<autocrm_ai::Document> {
    let base = app.config.public_url.trim_end_matches('/');
    for d in &mut docs {
        let Ok(id) = d.id.parse::<i64>() else { continue };
        let locale = d.locale.as_deref().unwrap_or("en");
        match d.kind.as_str() {
            "article" => {
                let path = super::kb::article_path(id, &d.title, locale);
                d.url = Some(format!("{base}{path}&workspace={workspace_slug}"));
            }
            "tutorial" => {
                let path = crate::help::tutorials::guide_path(id, &d.title);
                d.url = Some(format!("{base}{path}?lang={locale}&workspace={workspace_slug}"));
            }
            _ => {}
        }
    }
    docs
}

/// What a customer may be answered from: the published articles and
/// tutorials, with their links.
pub(crate) async fn help_documents(
    app: &AppState,
    ws: i64,
    workspace_slug: &str,
) -> ApiResult<Vec<autocrm_ai::Document>> {
    let mut docs = autocrm_store::ai::article_documents(&app.store, ws, false).await?;
    docs.extend(autocrm_store::ai::tutorial_documents(&app.store, ws).await?);
    Ok(with_links(app, docs, workspace_slug))
}

fn first_name(full: &str) -> String {
    full.split_whitespace().next().unwrap_or(full).to_owned()
}

fn provenance_json(p: &autocrm_ai::Provenance) -> Value {
    json!({"engine": p.engine, "model": p.model, "prompt_version": p.prompt_version})
}

/// Suggests a reply to the ticket's customer: an editable draft made from
/// the best-matching macro, article and past replies, with its sources.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/ai/reply", tag = "ai", params(("id" = i64, Path)),
    responses((status = 200, body = SuggestionOut), (status = 404, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
async fn suggest_reply(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<SuggestionOut>> {
    let asked = reply_request(&app, &p, id).await?;
    let engine = engine(&app, asked.workspace_id).await?;
    let suggestion = engine.suggest_reply(&asked.request).await.map_err(ai_error)?;
    Ok(Json(record_reply(&app, &p, id, &asked.message_ids, suggestion).await?))
}

/// [`suggest_reply`] as Server-Sent Events, so the agent reads the reply
/// while the model writes it: `delta` events (`{"text": …}`, the whole text
/// so far, plain text) while an LLM writes, then one `done` event with the
/// recorded [`SuggestionOut`] (its text is the one to use; after an endpoint
/// failure it is the built-in engine's), or one `error` event with a problem
/// object. The built-in engine sends no deltas. Errors found before the
/// stream starts (an unknown ticket) are ordinary problem responses.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/ai/reply/stream", tag = "ai", params(("id" = i64, Path)),
    responses((status = 200, description = "text/event-stream: `delta`, then `done` (a SuggestionOut) or `error`",
        content_type = "text/event-stream", body = SuggestionOut), (status = 404, body = crate::error::Problem)))]
async fn stream_suggest_reply(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<axum::response::sse::Sse<tokio_stream::wrappers::UnboundedReceiverStream<Result<Event, Infallible>>>> {
    let asked = reply_request(&app, &p, id).await?;
    let llm = llm_engine(&app, asked.workspace_id).await?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let streamed = match &llm {
            Some(llm) => {
                let deltas = tx.clone();
                let on_text = move |text: &str| {
                    let data = json!({ "text": text }).to_string();
                    let _ = deltas.send(Ok(Event::default().event("delta").data(data)));
                };
                llm.suggest_reply_streaming(&asked.request, &on_text).await.inspect_err(|e| {
                    tracing::info!(ticket = id, error = %e, "streamed LLM reply failed; built-in engine answers");
                })
            }
            None => Err(autocrm_ai::AiError::Unavailable("no LLM endpoint".into())),
        };
        let suggestion = match streamed {
            Ok(s) => Ok(s),
            Err(_) => autocrm_ai::suggest::BuiltinEngine::new().suggest_reply(&asked.request).await.map_err(ai_error),
        };
        let done = match suggestion {
            Ok(s) => record_reply(&app, &p, id, &asked.message_ids, s).await,
            Err(e) => Err(e),
        };
        let event = match done {
            Ok(out) => Event::default().event("done").data(serde_json::to_string(&out).unwrap_or_default()),
            Err(e) => Event::default().event("error").data(serde_json::to_string(&e.problem()).unwrap_or_default()),
        };
        let _ = tx.send(Ok(event));
    });
    Ok(axum::response::sse::Sse::new(tokio_stream::wrappers::UnboundedReceiverStream::new(rx)))
}

/// What a reply suggestion for a ticket is made from.
struct ReplyAsk {
    workspace_id: i64,
    request: ReplyRequest,
    /// The thread's messages, for the record.
    message_ids: Vec<i64>,
}

async fn reply_request(app: &AppState, p: &Principal, id: i64) -> ApiResult<ReplyAsk> {
    let view: TicketView = autocrm_store::tickets::get(&app.store, p, id).await?;
    let ws = autocrm_store::workspaces::current(&app.store, p).await?;
    let (turns, message_ids) = thread(app, p, id).await?;
    let mut documents = Vec::new();
    for m in autocrm_store::macros::list(&app.store, p).await? {
        if m.reply.is_none() || m.reply_internal {
            continue;
        }
        // Rendered for this ticket as applying the macro would (placeholders filled).
        let Ok(Some(html)) = autocrm_store::macros::preview(&app.store, p, m.id, id, None).await else { continue };
        documents.push(autocrm_ai::Document {
            kind: "macro".into(),
            id: m.id.to_string(),
            title: m.name,
            body: autocrm_store::kb::plain_text(&html),
            url: None,
            locale: None,
            label: None,
        });
    }
    documents.extend(with_links(app, autocrm_store::ai::article_documents(&app.store, ws.id, true).await?, &ws.slug));
    documents.extend(autocrm_store::ai::solved_reply_documents(&app.store, ws.id, &view.ticket).await?);
    let agent_name = match p.user_id() {
        Some(uid) => Some(autocrm_store::users::get(&app.store, p, uid).await?.name),
        None => None,
    };
    let mut facts = BTreeMap::new();
    if let Some(order) = view.ticket.custom_fields.get("order_number").and_then(Value::as_str) {
        facts.insert("order_number".to_owned(), order.to_owned());
    }
    facts.insert("ticket_number".to_owned(), format!("#{}", view.ticket.number));
    let request = ReplyRequest {
        thread: turns,
        customer_name: Some(first_name(&view.requester.1)),
        agent_name,
        locale: view.ticket.language.clone(),
        documents,
        facts,
    };
    Ok(ReplyAsk { workspace_id: ws.id, request, message_ids })
}

/// Records a reply suggestion shown to the agent (`ai.suggested`).
async fn record_reply(
    app: &AppState,
    p: &Principal,
    id: i64,
    message_ids: &[i64],
    suggestion: autocrm_ai::Suggestion,
) -> ApiResult<SuggestionOut> {
    let cited: Vec<Value> = suggestion.citations.iter().map(|c| json!({"kind": c.kind, "id": c.id})).collect();
    let row = autocrm_store::ai::record_suggestion(
        &app.store,
        p,
        id,
        autocrm_store::ai::NewSuggestion {
            kind: "reply",
            body: suggestion.text,
            citations: serde_json::to_value(&suggestion.citations).unwrap_or(Value::Null),
            provenance: provenance_json(&suggestion.provenance),
            inputs: json!({"message_ids": message_ids, "sources": cited}),
        },
    )
    .await?;
    Ok(suggestion_out(row, Vec::new(), Some(suggestion.confidence)))
}

/// Summarises the ticket's thread for an agent: the ask, what was done, what is open.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/ai/summary", tag = "ai", params(("id" = i64, Path)),
    responses((status = 200, body = SuggestionOut), (status = 404, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
async fn summarise_ticket(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<SuggestionOut>> {
    let view = autocrm_store::tickets::get(&app.store, &p, id).await?;
    let (turns, message_ids) = thread(&app, &p, id).await?;
    let engine = engine(&app, p.workspace_id).await?;
    let summary = engine
        .summarise(&SummaryRequest { thread: turns, locale: view.ticket.language.clone() })
        .await
        .map_err(ai_error)?;
    let row = autocrm_store::ai::record_suggestion(
        &app.store,
        &p,
        id,
        autocrm_store::ai::NewSuggestion {
            kind: "summary",
            body: summary.text,
            citations: json!([]),
            provenance: provenance_json(&summary.provenance),
            inputs: json!({"message_ids": message_ids, "bullets": summary.bullets}),
        },
    )
    .await?;
    Ok(Json(suggestion_out(row, summary.bullets, None)))
}

/// Text to translate for a ticket's customer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslateIn {
    /// The text (a draft reply), up to 20,000 characters.
    pub text: String,
    /// The target language (ISO 639-1); default: the customer's language.
    #[serde(default)]
    pub target: Option<String>,
}

/// Translates a draft into the customer's language (needs an LLM endpoint:
/// `409 llm_not_configured` otherwise).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/ai/translate", tag = "ai", params(("id" = i64, Path)), request_body = TranslateIn,
    responses((status = 200, body = SuggestionOut), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
async fn translate_for_ticket(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<TranslateIn>,
) -> ApiResult<Json<SuggestionOut>> {
    use axum::http::StatusCode;
    let view = autocrm_store::tickets::get(&app.store, &p, id).await?;
    let text = input.text.trim();
    if text.is_empty() || text.chars().count() > 20_000 {
        return Err(ApiError::field("/text", "must be 1–20,000 characters"));
    }
    let target = match input.target.as_deref().map(str::trim) {
        Some(t) if t.len() == 2 && t.chars().all(|c| c.is_ascii_lowercase()) => t.to_owned(),
        Some(_) => return Err(ApiError::field("/target", "must be an ISO 639-1 code such as de")),
        None => view
            .ticket
            .language
            .clone()
            .ok_or_else(|| ApiError::field("/target", "the customer's language is not known: give a target"))?,
    };
    let Some(llm) = llm_engine(&app, p.workspace_id).await? else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "llm_not_configured",
            "translation needs an LLM endpoint (Settings → AI)",
        ));
    };
    let (translated, provenance) = llm.translate(text, &target).await.map_err(ai_error)?;
    let row = autocrm_store::ai::record_suggestion(
        &app.store,
        &p,
        id,
        autocrm_store::ai::NewSuggestion {
            kind: "translation",
            body: translated,
            citations: json!([]),
            provenance: provenance_json(&provenance),
            inputs: json!({"target": target, "chars": text.chars().count()}),
        },
    )
    .await?;
    Ok(Json(suggestion_out(row, Vec::new(), None)))
}

/// Maps an engine failure the fall-back could not absorb.
pub(crate) fn ai_error(e: autocrm_ai::AiError) -> ApiError {
    use axum::http::StatusCode;
    match e {
        autocrm_ai::AiError::BudgetSpent => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ai_budget_spent",
            "the workspace's monthly AI token budget is spent",
        ),
        autocrm_ai::AiError::Invalid(detail) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "ai_invalid_input", detail)
        }
        other => ApiError::new(StatusCode::BAD_GATEWAY, "ai_unavailable", other.to_string()),
    }
}

/// What an agent did with a suggestion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeIn {
    /// `accepted` (sent as suggested), `edited` (sent changed) or `rejected`.
    pub outcome: String,
    /// The text actually sent (for `edited`: how much survived is measured).
    #[serde(default)]
    pub final_text: Option<String>,
    /// The message it became, on the same ticket.
    #[serde(default)]
    pub message_id: Option<i64>,
}

/// Records what an agent did with a suggestion (for the AI report).
#[utoipa::path(put, path = "/api/v1/ai/suggestions/{id}/outcome", tag = "ai", params(("id" = i64, Path)), request_body = OutcomeIn,
    responses((status = 200, body = SuggestionOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn set_suggestion_outcome(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<OutcomeIn>,
) -> ApiResult<Json<SuggestionOut>> {
    let row = autocrm_store::ai::set_suggestion_outcome(
        &app.store,
        &p,
        id,
        &input.outcome,
        input.final_text.as_deref(),
        input.message_id,
    )
    .await?;
    let bullets = row.inputs.get("bullets").and_then(|b| serde_json::from_value(b.clone()).ok()).unwrap_or_default();
    Ok(Json(suggestion_out(row, bullets, None)))
}

/// The workspace's AI settings (the endpoint's key is never shown).
#[derive(Debug, Serialize, ToSchema)]
pub struct AiSettingsOut {
    /// The OpenAI-compatible endpoint (`http://127.0.0.1:11434/v1`); `null`: the built-in engine only.
    pub llm_base_url: Option<String>,
    /// Chat model.
    pub llm_model: Option<String>,
    /// Embedding model.
    pub llm_embedding_model: Option<String>,
    /// Whether a key is stored.
    pub llm_api_key_set: bool,
    /// Tokens per calendar month (UTC); 0: no limit.
    pub monthly_token_budget: i64,
    /// Tokens used this month.
    pub tokens_used: i64,
    /// The month counted (`2026-11`).
    pub budget_period: String,
    /// Whether inbound messages are triaged.
    pub auto_triage: bool,
    /// Whether the chatbot answers new widget conversations before a person does.
    pub chatbot_enabled: bool,
    /// The name the chatbot speaks under.
    pub chatbot_name: String,
}

impl From<autocrm_store::ai::AiSettings> for AiSettingsOut {
    fn from(s: autocrm_store::ai::AiSettings) -> Self {
        Self {
            llm_base_url: s.llm_base_url,
            llm_model: s.llm_model,
            llm_embedding_model: s.llm_embedding_model,
            llm_api_key_set: s.llm_api_key.is_some(),
            monthly_token_budget: s.monthly_token_budget,
            tokens_used: s.tokens_used,
            budget_period: s.budget_period,
            auto_triage: s.auto_triage,
            chatbot_enabled: s.chatbot_enabled,
            chatbot_name: s.chatbot_name,
        }
    }
}

/// A change to the AI settings; `null` clears an optional value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AiSettingsPatch {
    /// An http(s) URL of an OpenAI-compatible API (ending in `/v1`).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub llm_base_url: Option<Option<String>>,
    /// Chat model name.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub llm_model: Option<Option<String>>,
    /// Embedding model name.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub llm_embedding_model: Option<Option<String>>,
    /// The endpoint's key (write-only).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub llm_api_key: Option<Option<String>>,
    /// Tokens per month; 0: no limit.
    pub monthly_token_budget: Option<i64>,
    /// Triage on or off.
    pub auto_triage: Option<bool>,
    /// The chatbot on or off.
    pub chatbot_enabled: Option<bool>,
    /// The chatbot's name (1–60 characters).
    pub chatbot_name: Option<String>,
}

/// The workspace's AI settings.
#[utoipa::path(get, path = "/api/v1/ai/settings", tag = "ai", responses((status = 200, body = AiSettingsOut)))]
async fn get_ai_settings(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<AiSettingsOut>> {
    Ok(Json(autocrm_store::ai::settings(&app.store, p.workspace_id).await?.into()))
}

/// Changes the workspace's AI settings.
#[utoipa::path(patch, path = "/api/v1/ai/settings", tag = "ai", request_body = AiSettingsPatch,
    responses((status = 200, body = AiSettingsOut), (status = 422, body = crate::error::Problem)))]
async fn update_ai_settings(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<AiSettingsPatch>,
) -> ApiResult<Json<AiSettingsOut>> {
    let patch = autocrm_store::ai::AiSettingsPatch {
        llm_base_url: input.llm_base_url,
        llm_model: input.llm_model,
        llm_embedding_model: input.llm_embedding_model,
        llm_api_key: input.llm_api_key,
        monthly_token_budget: input.monthly_token_budget,
        auto_triage: input.auto_triage,
        chatbot_enabled: input.chatbot_enabled,
        chatbot_name: input.chatbot_name,
    };
    Ok(Json(autocrm_store::ai::update_settings(&app.store, &p, &patch).await?.into()))
}

/// The AI report's period.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// Start (inclusive); default 30 days ago.
    pub from: Option<DateTime<Utc>>,
    /// End (exclusive); default now.
    pub to: Option<DateTime<Utc>>,
}

/// Suggestions of one kind by one engine.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionStatsOut {
    /// `reply`, `summary` or `translation`.
    pub kind: String,
    /// `builtin` or `llm`.
    pub engine: String,
    /// Shown to agents.
    pub shown: i64,
    /// Sent as suggested.
    pub accepted: i64,
    /// Sent after editing.
    pub edited: i64,
    /// Dismissed.
    pub rejected: i64,
    /// (accepted + edited) / shown.
    pub use_rate: f64,
    /// How much of a used suggestion survived, 0..1 (word overlap).
    pub mean_similarity: Option<f64>,
}

/// The AI report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiReport {
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub to: DateTime<Utc>,
    /// Suggestions and what agents did with them.
    pub suggestions: Vec<SuggestionStatsOut>,
    /// What the chatbot did.
    pub chatbot: ChatbotStatsOut,
}

/// The chatbot's figures over the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatbotStatsOut {
    /// Bot messages by outcome (`answered`, `clarify`, `confirm`, `acted`, `handoff`).
    pub answers: std::collections::BTreeMap<String, i64>,
    /// Conversations the bot took part in.
    pub conversations: i64,
    /// Of those, handed to the team.
    pub handed_off: i64,
    /// Hand-offs by reason (`requested`, `low_confidence`, `upset`, `needs_agent`, `bot_failed`).
    pub hand_off_reasons: std::collections::BTreeMap<String, i64>,
    /// Conversations the bot took part in that it did not hand off, over all it took part in.
    pub containment_rate: f64,
}

/// Suggestions shown to agents and what they did with them.
#[utoipa::path(get, path = "/api/v1/reports/ai", tag = "ai", params(ReportParams), responses((status = 200, body = AiReport)))]
async fn ai_report(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> ApiResult<Json<AiReport>> {
    let to = q.to.unwrap_or_else(|| app.store.now());
    let from = q.from.unwrap_or(to - chrono::Duration::days(30));
    if from >= to {
        return Err(ApiError::field("/from", "must be before `to`"));
    }
    let rows = autocrm_store::ai::suggestion_report(&app.store, &p, from, to).await?;
    let suggestions = rows
        .into_iter()
        .map(|s| SuggestionStatsOut {
            use_rate: if s.shown == 0 { 0.0 } else { (s.accepted + s.edited) as f64 / s.shown as f64 },
            kind: s.kind,
            engine: s.engine,
            shown: s.shown,
            accepted: s.accepted,
            edited: s.edited,
            rejected: s.rejected,
            mean_similarity: s.mean_similarity,
        })
        .collect();
    let c = autocrm_store::ai::chatbot_report(&app.store, &p, from, to).await?;
    let containment_rate = if c.conversations == 0 {
        0.0
    } else {
        (c.conversations - c.handed_off.min(c.conversations)) as f64 / c.conversations as f64
    };
    let chatbot = ChatbotStatsOut {
        answers: c.answers,
        conversations: c.conversations,
        handed_off: c.handed_off,
        hand_off_reasons: c.hand_off_reasons,
        containment_rate,
    };
    Ok(Json(AiReport { from, to, suggestions, chatbot }))
}

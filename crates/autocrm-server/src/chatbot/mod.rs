//! The chatbot: answers widget conversations before a person does (ADR 0009).
//!
//! When a visitor writes in a conversation the bot handles
//! (`chat_conversations.handler = 'bot'`, set at the start when the
//! workspace turned the chatbot on), [`spawn_turn`] answers in the
//! background, so the visitor's message is acknowledged at once and the
//! answer arrives on the visitor's stream like an agent's. One turn, in order:
//!
//! 1. The visitor asks for a person (always possible, in any wording the
//!    built-in engine knows) → hand-off (`requested`).
//! 2. The visitor is upset (strongly negative sentiment or an urgent
//!    message, from the message's triage) → hand-off (`upset`).
//! 3. With an LLM endpoint: the order assistant ([`autocrm_ai::agent`]) with
//!    the help-center search and, for a visitor the shop identified, that
//!    customer's orders ([`tools::ShopToolbox`]); a write is stated and runs
//!    only after the visitor's explicit yes. An endpoint failure falls back
//!    to step 4.
//! 4. Built-in: a known order of an identified visitor asked about →
//!    its status and tracking; otherwise an extractive answer from the
//!    published articles and tutorials in the visitor's language, with
//!    links; a clarifying question when unsure (twice at most); a hand-off
//!    (`low_confidence`) when nothing matches.
//!
//! With an LLM the answer streams: the visitor sees it as it is written
//! (`draft` signals on the widget's stream), then the stored message.
//!
//! Every bot message is recorded with its provenance (`ai.answered`), in
//! the transaction that posts it. The
//! bot speaks with the authority of the system principal of the workspace,
//! but its tools only ever reach the conversation's own customer (see
//! [`tools`]). A turn never fails the visitor's request: errors end in a
//! hand-off.

pub(crate) mod tools;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use autocrm_ai::agent::{AgentState, TurnOutcome};
use autocrm_ai::{AnswerOutcome, AnswerRequest, Turn};
use autocrm_domain::Principal;
use autocrm_domain::commerce::{Customer, Order, OrderStatus};
use autocrm_store::chat::HandOffReason;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppState;
use crate::routes::ai_assist;

/// The longest bot message (a model can ramble; a chat message is read on a phone).
const MAX_MESSAGE_CHARS: usize = 4000;
/// The shortest time between two drafts of a streamed answer.
const DRAFT_EVERY: std::time::Duration = std::time::Duration::from_millis(120);
/// Consecutive clarifying questions before the built-in bot hands off.
const MAX_CLARIFY: u32 = 2;
/// Sentiment (compound, -1..=1) at or below which a customer counts as
/// upset. Strict on purpose: plain support questions ("How do I return an
/// item?") lean negative in support language (about −0.6), and handing
/// those off would defeat the bot; an angry message scores below −0.9.
const UPSET_AT: f64 = -0.85;

/// Per-conversation turn locks: one turn at a time per conversation on this
/// node, so a visitor's quick second message waits for the first answer.
#[derive(Debug, Default)]
pub struct Runtime {
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

impl Runtime {
    fn lock_for(&self, ticket_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        // Drop locks nobody holds any more, so the map stays small.
        map.retain(|_, l| Arc::strong_count(l) > 1);
        map.entry(ticket_id).or_default().clone()
    }
}

/// What the bot remembers between turns (stored in `chat_bot_sessions`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Memory {
    /// The order assistant's conversation (LLM turns).
    #[serde(default)]
    agent: AgentState,
    /// Clarifying questions asked in a row (built-in turns).
    #[serde(default)]
    clarified: u32,
}

/// Answers the visitor's unanswered messages in a bot-handled conversation,
/// in the background. Does nothing when the conversation is the humans'.
pub(crate) fn spawn_turn(app: &AppState, ws: i64, ticket_id: i64) {
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(e) = take_turn(&app, ws, ticket_id).await {
            tracing::warn!(workspace = ws, ticket = ticket_id, error = %e, "the chatbot's turn failed; handing off");
            fail_over(&app, ws, ticket_id).await;
        }
    });
}

/// After a failed turn: tell the visitor the team takes over (if the bot
/// still can) and hand off, so no question is left unanswered in silence.
async fn fail_over(app: &AppState, ws: i64, ticket_id: i64) {
    let sys = Principal::system(ws);
    let Ok(settings) = autocrm_store::ai::settings(&app.store, ws).await else { return };
    let Ok(view) = autocrm_store::chat::agent_view(&app.store, &sys, ticket_id).await else { return };
    if view.chat.handler != "bot" {
        return;
    }
    let locale = view.visitor.as_ref().and_then(|v| v.locale.as_deref()).map_or_else(|| "en".to_owned(), primary_tag);
    let text = Phrases::for_locale(&locale).handoff_low_confidence;
    // Recorded like every bot message: what said it and why.
    let provenance = provenance_json(&autocrm_ai::Provenance::builtin("builtin-chatbot-failover-v1"));
    let answer = Said::new("handoff", provenance).into_answer(&[]);
    if let Err(e) =
        autocrm_store::chat::post_as_bot(&app.store, &sys, ticket_id, &settings.chatbot_name, text, Some(answer)).await
    {
        tracing::warn!(workspace = ws, ticket = ticket_id, error = %e, "the chatbot could not say it hands off");
    }
    if let Err(e) = autocrm_store::chat::hand_off(&app.store, &sys, ticket_id, HandOffReason::BotFailed, None).await {
        tracing::error!(workspace = ws, ticket = ticket_id, error = %e, "the chatbot could not hand off");
    }
}

/// The visitor pressed "talk to a person": the bot says so and hands off
/// (after any turn in progress, so its answer does not follow the hand-off).
pub(crate) async fn hand_off_on_request(app: &AppState, ws: i64, ticket_id: i64) -> crate::error::ApiResult<()> {
    let lock = app.chatbot.lock_for(ticket_id);
    let _turn = lock.lock().await;
    let sys = Principal::system(ws);
    let view = autocrm_store::chat::agent_view(&app.store, &sys, ticket_id).await?;
    if view.chat.handler != "bot" {
        return Ok(());
    }
    let settings = autocrm_store::ai::settings(&app.store, ws).await?;
    let locale = view.visitor.as_ref().and_then(|v| v.locale.as_deref()).map_or_else(|| "en".to_owned(), primary_tag);
    let bot = Bot { app, sys: &sys, ticket_id, name: &settings.chatbot_name, inputs: Vec::new() };
    bot.hand_off(Phrases::for_locale(&locale).handoff_requested, HandOffReason::Requested, None)
        .await
        .map_err(crate::error::ApiError::internal)
}

/// One turn (see the module documentation).
async fn take_turn(app: &AppState, ws: i64, ticket_id: i64) -> anyhow::Result<()> {
    let lock = app.chatbot.lock_for(ticket_id);
    let _turn = lock.lock().await;
    let sys = Principal::system(ws);
    let view = autocrm_store::chat::agent_view(&app.store, &sys, ticket_id).await?;
    if view.chat.handler != "bot" {
        return Ok(());
    }
    let settings = autocrm_store::ai::settings(&app.store, ws).await?;
    let unanswered = unanswered(app, &sys, ticket_id).await?;
    let Some(last) = unanswered.last() else { return Ok(()) };
    let question = unanswered.iter().map(|m| m.body_text.trim()).collect::<Vec<_>>().join("\n");
    if question.trim().is_empty() || question.trim() == "📎" {
        return Ok(());
    }
    let ticket = autocrm_store::tickets::get(&app.store, &sys, ticket_id).await?;
    let locale = view
        .visitor
        .as_ref()
        .and_then(|v| v.locale.clone())
        .or_else(|| ticket.ticket.language.clone())
        .map_or_else(|| "en".into(), |l| primary_tag(&l));
    let phrases = Phrases::for_locale(&locale);
    let bot = Bot {
        app,
        sys: &sys,
        ticket_id,
        name: &settings.chatbot_name,
        inputs: unanswered.iter().map(|m| m.id).collect(),
    };
    let _typing = Typing::start(app, ws, ticket_id, &settings.chatbot_name).await;

    if autocrm_ai::answer::asks_for_a_person(&question) {
        return bot.hand_off(phrases.handoff_requested, HandOffReason::Requested, None).await;
    }
    if is_upset(last) {
        return bot.hand_off(phrases.handoff_upset, HandOffReason::Upset, None).await;
    }

    let mut memory: Memory = autocrm_store::chat::bot_state(&app.store, ws, ticket_id)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    // The shop's customer, only for a visitor the shop identified.
    let customer = match (&view.visitor, ticket.requester.2.as_deref()) {
        (Some(v), Some(email)) if v.identified => app.commerce.find_customer(&sys, email).await.ok().flatten(),
        _ => None,
    };
    let workspace = autocrm_store::workspaces::current(&app.store, &sys).await?;
    let documents = ai_assist::help_documents(app, workspace.id, &workspace.slug).await?;

    if let Some(client) = ai_assist::llm_client(app, ws).await? {
        let toolbox = tools::ShopToolbox::new(
            app.clone(),
            sys.clone(),
            ticket_id,
            ticket.ticket.requester_id,
            customer.clone(),
            documents.clone(),
        );
        let rendered = autocrm_ai::prompts::render(
            "chatbot_tools",
            &json!({
                "company": workspace.name,
                "locale": locale,
                "customer": customer.as_ref().map(|c| json!({"name": format!("{} {}", c.first_name, c.last_name), "email": c.email})),
                "can_search": true,
                "policy": Value::Null,
            }),
        )?;
        let mut agent = memory.agent.clone();
        let (draft, drafts) = Drafts::start(app, ws, ticket_id, &settings.chatbot_name);
        let on_text = move |text: &str| {
            draft.send_replace(text.to_owned());
        };
        let result = autocrm_ai::agent::take_turn_streaming(
            &client,
            rendered.system(),
            &rendered.version,
            &mut agent,
            &question,
            &toolbox,
            &on_text,
        )
        .await;
        // The last draft goes out before the message that replaces it.
        drop(on_text);
        let _ = drafts.await;
        match result {
            Ok(turn) => {
                memory.agent = agent;
                memory.clarified = 0;
                let acted = turn.tools.iter().any(|t| t.writes && t.status == "ok");
                let outcome = match &turn.outcome {
                    TurnOutcome::Reply { .. } if acted => "acted",
                    TurnOutcome::Reply { .. } => "answered",
                    TurnOutcome::Confirm { .. } => "confirm",
                    TurnOutcome::HandOff { .. } => "handoff",
                };
                let said = Said {
                    citations: toolbox.cited(),
                    tools: serde_json::to_value(&turn.tools)?,
                    ..Said::new(outcome, provenance_json(&turn.provenance))
                };
                return match turn.outcome {
                    TurnOutcome::Reply { text } => {
                        bot.save(&memory).await?;
                        bot.say(&text, said).await
                    }
                    TurnOutcome::Confirm { summary } => {
                        bot.save(&memory).await?;
                        bot.say(&phrases.confirm(&summary), said).await
                    }
                    TurnOutcome::HandOff { summary } => {
                        bot.say(phrases.handoff_needs_agent, said).await?;
                        bot.hand_off_quietly(HandOffReason::NeedsAgent, summary.as_deref()).await
                    }
                };
            }
            Err(e) => {
                tracing::info!(workspace = ws, ticket = ticket_id, error = %e, "LLM chatbot turn failed; built-in engine answers");
            }
        }
    }

    // Built-in engine.
    if let Some(customer) = &customer
        && let Some(order) = asked_about_order(app, &sys, customer, &question, last).await
    {
        memory.clarified = 0;
        bot.save(&memory).await?;
        let text = phrases.order_status(&order);
        let provenance = provenance_json(&autocrm_ai::Provenance::builtin("builtin-order-status-v1"));
        let said = Said { sources: json!([{"kind": "order", "id": order.id}]), ..Said::new("answered", provenance) };
        return bot.say(&text, said).await;
    }
    let history = history(app, &sys, ticket_id).await?;
    let answer = autocrm_ai::answer::answer(&AnswerRequest {
        question: question.clone(),
        history,
        locale: Some(locale.clone()),
        documents,
    })?;
    let provenance = provenance_json(&answer.provenance);
    let citations = serde_json::to_value(&answer.citations)?;
    match answer.outcome {
        AnswerOutcome::Answered => {
            memory.clarified = 0;
            bot.save(&memory).await?;
            let said = Said { citations, confidence: Some(answer.confidence), ..Said::new("answered", provenance) };
            bot.say(&answer.text, said).await
        }
        AnswerOutcome::Clarify if memory.clarified < MAX_CLARIFY => {
            memory.clarified += 1;
            bot.save(&memory).await?;
            let said = Said { citations, confidence: Some(answer.confidence), ..Said::new("clarify", provenance) };
            bot.say(&answer.text, said).await
        }
        AnswerOutcome::Clarify | AnswerOutcome::HandOff => {
            let said = Said { citations, confidence: Some(answer.confidence), ..Said::new("handoff", provenance) };
            bot.say(phrases.handoff_low_confidence, said).await?;
            bot.hand_off_quietly(HandOffReason::LowConfidence, None).await
        }
    }
}

/// The conversation's bot and what the turn answers.
struct Bot<'a> {
    app: &'a AppState,
    sys: &'a Principal,
    ticket_id: i64,
    name: &'a str,
    /// The visitor messages this turn answers.
    inputs: Vec<i64>,
}

impl Bot<'_> {
    /// Posts a bot message (plain text: escaped, so nothing in it renders
    /// as markup or loads) and records it with an `ai.answered` event.
    async fn say(&self, text: &str, said: Said) -> anyhow::Result<()> {
        let answer = said.into_answer(&self.inputs);
        autocrm_store::chat::post_as_bot(
            &self.app.store,
            self.sys,
            self.ticket_id,
            self.name,
            &shorten(text),
            Some(answer),
        )
        .await?;
        Ok(())
    }

    /// Tells the visitor and hands the conversation to the team.
    async fn hand_off(&self, text: &str, reason: HandOffReason, summary: Option<&str>) -> anyhow::Result<()> {
        let provenance = provenance_json(&autocrm_ai::Provenance::builtin(autocrm_ai::suggest::MODEL));
        self.say(text, Said::new("handoff", provenance)).await?;
        self.hand_off_quietly(reason, summary).await
    }

    async fn hand_off_quietly(&self, reason: HandOffReason, summary: Option<&str>) -> anyhow::Result<()> {
        autocrm_store::chat::hand_off(&self.app.store, self.sys, self.ticket_id, reason, summary).await?;
        Ok(())
    }

    async fn save(&self, memory: &Memory) -> anyhow::Result<()> {
        autocrm_store::chat::save_bot_state(&self.app.store, self.sys, self.ticket_id, serde_json::to_value(memory)?)
            .await?;
        Ok(())
    }
}

/// What a bot message is recorded with.
struct Said {
    /// `answered`, `clarify`, `confirm`, `acted` or `handoff`.
    outcome: &'static str,
    provenance: Value,
    citations: Value,
    /// Other inputs than the visitor's messages (an order looked up).
    sources: Value,
    /// The tools the order assistant ran.
    tools: Value,
    confidence: Option<f32>,
}

impl Said {
    fn new(outcome: &'static str, provenance: Value) -> Self {
        Self { outcome, provenance, citations: json!([]), sources: json!([]), tools: json!([]), confidence: None }
    }

    /// The record of a message that answers the visitor's messages `inputs`.
    fn into_answer(self, inputs: &[i64]) -> autocrm_store::ai::BotAnswer {
        autocrm_store::ai::BotAnswer {
            outcome: self.outcome,
            citations: self.citations,
            provenance: self.provenance,
            inputs: json!({"messages": inputs, "sources": self.sources}),
            tools: self.tools,
            confidence: self.confidence,
        }
    }
}

/// The model's answer so far, shown to the visitor while it is written.
struct Drafts;

impl Drafts {
    /// The sender takes the newest text; the task publishes it at once,
    /// then at most every [`DRAFT_EVERY`] while the model writes, the last
    /// text without waiting once the sender is dropped, and then ends.
    fn start(
        app: &AppState,
        ws: i64,
        ticket_id: i64,
        name: &str,
    ) -> (tokio::sync::watch::Sender<String>, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = tokio::sync::watch::channel(String::new());
        let (app, name) = (app.clone(), name.to_owned());
        let task = tokio::spawn(async move {
            let mut last: Option<tokio::time::Instant> = None;
            while rx.changed().await.is_ok() {
                // Still writing (`has_changed` fails once the sender is gone): keep the pace.
                if let Some(at) = last
                    && rx.has_changed().is_ok()
                {
                    tokio::time::sleep_until(at + DRAFT_EVERY).await;
                }
                let text = rx.borrow_and_update().clone();
                if !text.trim().is_empty() {
                    let _ = autocrm_store::chat::bot_draft(&app.store, ws, ticket_id, &name, text.trim()).await;
                    last = Some(tokio::time::Instant::now());
                }
            }
        });
        (tx, task)
    }
}

/// "The bot is typing" for the visitor while a turn runs.
struct Typing {
    app: AppState,
    ws: i64,
    ticket_id: i64,
    name: String,
}

impl Typing {
    async fn start(app: &AppState, ws: i64, ticket_id: i64, name: &str) -> Self {
        let _ = autocrm_store::chat::bot_typing(&app.store, ws, ticket_id, name, true).await;
        Self { app: app.clone(), ws, ticket_id, name: name.to_owned() }
    }
}

impl Drop for Typing {
    fn drop(&mut self) {
        let (app, ws, ticket_id, name) = (self.app.clone(), self.ws, self.ticket_id, self.name.clone());
        tokio::spawn(async move {
            let _ = autocrm_store::chat::bot_typing(&app.store, ws, ticket_id, &name, false).await;
        });
    }
}

/// The visitor's public messages since the team's (or the bot's) last one, oldest first.
async fn unanswered(
    app: &AppState,
    sys: &Principal,
    ticket_id: i64,
) -> anyhow::Result<Vec<autocrm_store::entity::messages::Model>> {
    let page = autocrm_store::messages::list(&app.store, sys, ticket_id, Some(20), None, true).await?;
    let mut out: Vec<_> =
        page.data.into_iter().filter(|m| !m.internal).take_while(|m| m.author_kind == "contact").collect();
    out.reverse();
    Ok(out)
}

/// The conversation so far as turns for the built-in engine (the newest 20 public messages).
async fn history(app: &AppState, sys: &Principal, ticket_id: i64) -> anyhow::Result<Vec<Turn>> {
    let page = autocrm_store::messages::list(&app.store, sys, ticket_id, Some(20), None, true).await?;
    let mut rows: Vec<_> = page.data.into_iter().filter(|m| !m.internal).collect();
    rows.reverse();
    // The last customer turns are the question itself.
    while rows.last().is_some_and(|m| m.author_kind == "contact") {
        rows.pop();
    }
    Ok(rows
        .into_iter()
        .map(|m| Turn {
            role: if m.author_kind == "contact" { "customer" } else { "bot" }.into(),
            author: None,
            text: m.body_text,
        })
        .collect())
}

/// Whether the message's triage says the customer is upset.
fn is_upset(m: &autocrm_store::entity::messages::Model) -> bool {
    let Some(t) = &m.triage else { return false };
    let compound = t.pointer("/sentiment/compound").and_then(Value::as_f64).unwrap_or(0.0);
    let urgent = t.get("urgency").and_then(Value::as_str) == Some("urgent");
    compound <= UPSET_AT || urgent
}

/// The identified customer's order the question is about: one it names by
/// number, or the latest when the question asks where an order is.
async fn asked_about_order(
    app: &AppState,
    sys: &Principal,
    customer: &Customer,
    question: &str,
    last: &autocrm_store::entity::messages::Model,
) -> Option<Order> {
    let named: Vec<String> = last
        .triage
        .as_ref()
        .and_then(|t| t.pointer("/entities/order_numbers"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_else(|| autocrm_ai::extract::extract(question).order_numbers);
    let about_status = tools::asks_about_status(question);
    if named.is_empty() && !about_status {
        return None;
    }
    let orders = app.commerce.orders(sys, &customer.id).await.ok()?;
    if let Some(order) = orders.iter().find(|o| named.iter().any(|n| tools::same_order(o, n))) {
        return Some(order.clone());
    }
    if !named.is_empty() || !about_status {
        return None;
    }
    orders.into_iter().find(|o| !matches!(o.status, OrderStatus::Cancelled))
}

/// A chat message's worth of a model's answer: at most [`MAX_MESSAGE_CHARS`].
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn primary_tag(locale: &str) -> String {
    locale.split(['-', '_']).next().unwrap_or("en").to_ascii_lowercase()
}

fn provenance_json(p: &autocrm_ai::Provenance) -> Value {
    json!({"engine": p.engine, "model": p.model, "prompt_version": p.prompt_version})
}

/// The bot's fixed sentences, in English and German (English otherwise).
struct Phrases {
    german: bool,
    handoff_requested: &'static str,
    handoff_upset: &'static str,
    handoff_low_confidence: &'static str,
    handoff_needs_agent: &'static str,
}

impl Phrases {
    fn for_locale(locale: &str) -> Self {
        if locale == "de" {
            Self {
                german: true,
                handoff_requested: "Gern – ich verbinde Sie mit unserem Team. Eine Mitarbeiterin oder ein Mitarbeiter antwortet Ihnen hier so bald wie möglich.",
                handoff_upset: "Das tut mir leid. Ich gebe Ihr Anliegen sofort an unser Team weiter; jemand meldet sich hier so bald wie möglich.",
                handoff_low_confidence: "Da bin ich mir nicht sicher. Ich gebe Ihre Frage an unser Team weiter; jemand antwortet Ihnen hier so bald wie möglich.",
                handoff_needs_agent: "Dabei hilft Ihnen unser Team weiter. Ich habe Ihr Anliegen weitergegeben; jemand antwortet Ihnen hier so bald wie möglich.",
            }
        } else {
            Self {
                german: false,
                handoff_requested: "Of course – I'm passing you to our team. Someone will reply here as soon as they can.",
                handoff_upset: "I'm sorry about this. I'm passing your request to our team right away; someone will reply here as soon as they can.",
                handoff_low_confidence: "I'm not sure about that one, so I've passed your question to our team. Someone will reply here as soon as they can.",
                handoff_needs_agent: "Our team will help you with that. I've passed your request on; someone will reply here as soon as they can.",
            }
        }
    }

    fn confirm(&self, summary: &str) -> String {
        if self.german {
            format!(
                "{summary}\n\nSoll ich das so machen? Antworten Sie mit „ja“, um zu bestätigen, oder sagen Sie mir, was ich ändern soll."
            )
        } else {
            format!("{summary}\n\nShall I go ahead? Reply \"yes\" to confirm, or tell me what to change.")
        }
    }

    fn order_status(&self, order: &Order) -> String {
        let items = order.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ");
        let mut lines = vec![if self.german {
            format!("Ihre Bestellung {} ({items}) ist: {}.", order.name, tools::status_label_de(order.status))
        } else {
            format!("Your order {} ({items}) is {}.", order.name, order.status.label())
        }];
        for f in &order.fulfilments {
            let link = f.tracking_url.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
            lines.push(if self.german {
                format!("Versand mit {}, Sendungsnummer {}.{link}", f.carrier, f.tracking_number)
            } else {
                format!("Shipped with {}, tracking number {}.{link}", f.carrier, f.tracking_number)
            });
        }
        lines.join("\n")
    }
}

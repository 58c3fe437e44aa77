//! AutoCRM's AI: capabilities behind one interface, two engines.
//!
//! - The **built-in engine** works offline and is deterministic: language
//!   detection ([`lang`]), sentiment ([`sentiment`]), a linear classifier
//!   trained on the workspace's own labelled tickets ([`classify`]), entity
//!   extraction ([`extract`]), lexical retrieval ([`retrieve`]), extractive
//!   answers and summaries ([`summarise`], [`answer`]) and reply suggestions
//!   composed from macros, articles and past replies ([`suggest`]).
//! - The **LLM engine** ([`llm`]) talks to any OpenAI-compatible endpoint,
//!   with versioned prompt templates ([`prompts`]), timeouts, retries,
//!   streaming and a fall-back to the built-in engine.
//! - The chatbot's order assistant ([`agent`]) lets an LLM use tools (the
//!   shop's orders) behind a confirmation gate that code enforces.
//!
//! This crate does no database IO: callers (the server) hand it the texts,
//! documents and labelled examples, and store what it returns together with
//! its [`Provenance`], so every AI output can be audited.
//!
//! [`eval`] measures every capability on CSV data (`autocrm eval`).
//! With the `embeddings` feature, `embed` and `classify_embed` add `MiniLM` sentence embeddings and a classifier over them.

pub mod agent;
pub mod answer;
pub mod classify;
pub mod eval;
pub mod extract;
pub mod lang;
pub mod llm;
pub mod prompts;
pub mod retrieve;
pub mod sentiment;
pub mod suggest;
pub mod summarise;
pub mod text;
pub mod triage;

#[cfg(feature = "fake-llm")]
pub mod fake_llm;

#[cfg(feature = "embeddings")]
pub mod classify_embed;
#[cfg(feature = "embeddings")]
pub mod embed;

use serde::{Deserialize, Serialize};

/// Which engine produced an output, with what model and prompt: stored with
/// every AI output shown to a customer or an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// `builtin` or `llm`.
    pub engine: String,
    /// The model (`builtin-linear-v1`, `gpt-4o-mini`, …).
    pub model: String,
    /// The prompt template and its version (`suggest_reply@3`), when a prompt was used.
    pub prompt_version: Option<String>,
}

impl Provenance {
    /// The built-in engine with the given model name.
    pub fn builtin(model: &str) -> Self {
        Self { engine: "builtin".into(), model: model.into(), prompt_version: None }
    }
}

/// A document the AI may draw on: an article, a tutorial, a macro or a past
/// reply. The caller has already filtered it to what the principal may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// `article`, `tutorial`, `macro`, `ticket` (a solved ticket's reply).
    pub kind: String,
    /// The source's id, as a string (`"42"`).
    pub id: String,
    pub title: String,
    /// Plain text (HTML already reduced to text).
    pub body: String,
    /// Where a reader can open it (`/help/en/articles/42-…`), if anywhere.
    pub url: Option<String>,
    /// The document's language (BCP 47 primary tag), if known.
    pub locale: Option<String>,
    /// A label the document carries (a macro's or ticket's category/intent), if any.
    pub label: Option<String>,
}

/// A source an output drew on, shown as a citation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub kind: String,
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    /// Relevance in 0..=1.
    pub score: f32,
}

impl Citation {
    /// The citation for a document with a relevance score.
    pub fn of(doc: &Document, score: f32) -> Self {
        Self { kind: doc.kind.clone(), id: doc.id.clone(), title: doc.title.clone(), url: doc.url.clone(), score }
    }
}

/// Why an AI call failed. The built-in engine only fails on bad input; the
/// LLM engine also on the network, and callers then fall back.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    #[error("the AI endpoint is not reachable: {0}")]
    Unavailable(String),
    #[error("the AI endpoint answered {status}: {detail}")]
    Endpoint { status: u16, detail: String },
    #[error("the AI endpoint timed out")]
    Timeout,
    #[error("the workspace's AI token budget is spent")]
    BudgetSpent,
    #[error("the AI answer could not be read: {0}")]
    BadAnswer(String),
    #[error("invalid input: {0}")]
    Invalid(String),
}

/// One message of a conversation handed to the AI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    /// `customer`, `agent`, `bot` or `note` (internal, never shown to a customer).
    pub role: String,
    pub author: Option<String>,
    pub text: String,
}

/// What a reply suggestion is made from. The caller retrieves the candidate
/// documents (macros, articles, solved tickets' replies) the agent may see.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReplyRequest {
    /// The ticket's thread, oldest first.
    pub thread: Vec<Turn>,
    pub customer_name: Option<String>,
    pub agent_name: Option<String>,
    /// The customer's language (BCP 47 primary tag).
    pub locale: Option<String>,
    /// Candidate sources.
    pub documents: Vec<Document>,
    /// Known facts to fill placeholders with (`order_number`, `tracking_url`, …).
    pub facts: std::collections::BTreeMap<String, String>,
}

/// A suggested reply: editable text and the sources it drew on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub text: String,
    pub citations: Vec<Citation>,
    /// 0..=1: how well the sources matched.
    pub confidence: f32,
    pub provenance: Provenance,
}

/// A thread to summarise.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SummaryRequest {
    pub thread: Vec<Turn>,
    pub locale: Option<String>,
}

/// A summary: a short paragraph and key points (the ask, what was done, what is open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub text: String,
    pub bullets: Vec<String>,
    pub provenance: Provenance,
}

/// A customer's question for the chatbot, with the documents retrieved for it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AnswerRequest {
    pub question: String,
    /// Earlier turns of the conversation, oldest first.
    pub history: Vec<Turn>,
    pub locale: Option<String>,
    /// Published articles and tutorials in scope, best first.
    pub documents: Vec<Document>,
}

/// What the chatbot decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerOutcome {
    /// An answer grounded in the cited sources.
    Answered,
    /// Not sure: a clarifying question.
    Clarify,
    /// Hand off to a human.
    HandOff,
}

/// The chatbot's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    pub outcome: AnswerOutcome,
    pub citations: Vec<Citation>,
    /// 0..=1.
    pub confidence: f32,
    pub provenance: Provenance,
}

/// Generation capabilities, implemented by the built-in engine
/// ([`suggest::BuiltinEngine`]) and the LLM engine ([`llm::LlmEngine`]).
#[async_trait::async_trait]
pub trait Generate: Send + Sync {
    /// Which engine and model answer.
    fn provenance(&self) -> Provenance;
    /// A reply an agent can edit and send.
    async fn suggest_reply(&self, request: &ReplyRequest) -> Result<Suggestion, AiError>;
    /// A summary of a (long) thread.
    async fn summarise(&self, request: &SummaryRequest) -> Result<Summary, AiError>;
    /// The chatbot's answer to a customer.
    async fn answer(&self, request: &AnswerRequest) -> Result<Answer, AiError>;
}

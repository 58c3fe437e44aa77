//! The LLM engine: any OpenAI-compatible chat/embedding endpoint (`OpenAI`,
//! `Ollama`, `vLLM`, `llama.cpp`'s server, …).
//!
//! - [`LlmClient`] speaks the wire protocol: `POST {base_url}/chat/completions`
//!   (plain and SSE streaming, tools and tool calls, token usage) and
//!   `POST {base_url}/embeddings`, with a timeout, retries with exponential
//!   back-off on connect errors, 429 and 5xx (never on other 4xx, never on a
//!   timeout: the caller's fall-back is faster than a second wait), and a
//!   per-workspace token [`Budget`] checked before and charged after each call.
//! - [`LlmEngine`] implements [`crate::Generate`] with the versioned prompts of
//!   [`crate::prompts`] and reads the model's small JSON answer robustly.
//! - [`Fallback`] tries one engine and falls back to another (the built-in one).
//!
//! Invariants: the API key is sent only as a bearer header, never logged,
//! never put in a prompt (`LlmConfig`'s `Debug` redacts it); every output
//! carries a [`crate::Provenance`] naming the engine, model and prompt version.

mod client;
mod engine;
mod fallback;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::AiError;

pub use client::LlmClient;
pub use engine::{LlmEngine, parse_json_object, streamed_text};
pub use fallback::Fallback;

/// Where and how to reach the endpoint. The server builds it from its
/// configuration (`[ai.llm]`); none of it is per workspace except the budget.
#[derive(Clone)]
pub struct LlmConfig {
    /// The OpenAI-compatible base, up to and including `/v1`
    /// (`http://127.0.0.1:11434/v1` for Ollama).
    pub base_url: String,
    /// The chat model (`llama3.2`, `gpt-4o-mini`, …).
    pub model: String,
    /// The embedding model; `None` means the endpoint is not used for
    /// embeddings ([`LlmClient::embed`] answers [`AiError::Invalid`]).
    pub embedding_model: Option<String>,
    /// Sent as `Authorization: Bearer …`; never logged.
    pub api_key: Option<String>,
    /// The longest wait for a whole answer, and between two streamed chunks.
    pub timeout: Duration,
    /// Further attempts after a connect error, a 429 or a 5xx.
    pub max_retries: u32,
    /// The first back-off; doubled on each retry (capped at 10 s). A 429's
    /// `Retry-After` replaces it when given.
    pub retry_backoff: Duration,
    /// The most tokens a completion may generate.
    pub max_tokens: u32,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:11434/v1".into(),
            model: "llama3.2".into(),
            embedding_model: None,
            api_key: None,
            timeout: Duration::from_secs(30),
            max_retries: 2,
            retry_backoff: Duration::from_millis(250),
            max_tokens: 512,
        }
    }
}

impl fmt::Debug for LlmConfig {
    // Hand-written so the key can never reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("embedding_model", &self.embedding_model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_backoff", &self.retry_backoff)
            .field("max_tokens", &self.max_tokens)
            .finish()
    }
}

/// A token allowance (the server implements it per workspace against the
/// database). The client calls [`Budget::check`] before each call and
/// [`Budget::charge`] after it with the tokens the endpoint reported, or an
/// estimate of one token per four characters when it reported none.
pub trait Budget: Send + Sync {
    /// `Err(AiError::BudgetSpent)` when no further call may be made.
    fn check(&self) -> Result<(), AiError>;
    /// Records tokens spent.
    fn charge(&self, tokens: u64);
}

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions from the application.
    System,
    /// The person (or the data) the model answers.
    User,
    /// The model.
    Assistant,
    /// A tool's result, answering an assistant's tool call.
    Tool,
}

impl Role {
    /// The wire name (`system`, `user`, `assistant`, `tool`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// The text; empty when an assistant message only calls tools.
    pub content: String,
    /// The tools an assistant message calls.
    pub tool_calls: Vec<ToolCall>,
    /// For a [`Role::Tool`] message: the call it answers.
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    fn of(role: Role, content: impl Into<String>) -> Self {
        Self { role, content: content.into(), tool_calls: Vec::new(), tool_call_id: None }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::of(Role::System, content)
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::of(Role::User, content)
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::of(Role::Assistant, content)
    }

    /// A tool's result for the call `call_id`.
    pub fn tool(call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self { tool_call_id: Some(call_id.into()), ..Self::of(Role::Tool, content) }
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// The function's name, as the model will call it.
    pub name: String,
    /// What it does and when to call it, for the model.
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The endpoint's id for the call, echoed in the tool's result message.
    pub id: String,
    /// The function called.
    pub name: String,
    /// The arguments as the model wrote them (JSON text, possibly invalid).
    pub arguments: String,
}

impl ToolCall {
    /// The arguments parsed as JSON; [`AiError::BadAnswer`] when the model
    /// wrote something else.
    pub fn arguments_json(&self) -> Result<serde_json::Value, AiError> {
        serde_json::from_str(&self.arguments)
            .map_err(|e| AiError::BadAnswer(format!("tool call {} has invalid arguments: {e}", self.name)))
    }
}

/// A chat completion request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The conversation, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Functions offered to the model; empty for plain chat.
    pub tools: Vec<ToolSpec>,
    /// Sampling temperature; the endpoint's default when `None`.
    pub temperature: Option<f32>,
    /// Overrides [`LlmConfig::max_tokens`].
    pub max_tokens: Option<u32>,
}

/// Tokens an endpoint reports for one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens read.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens generated.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Both: what the budget is charged.
    #[serde(default)]
    pub total_tokens: u64,
}

/// A chat completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The assistant's message: text and/or tool calls.
    pub message: ChatMessage,
    /// `stop`, `length`, `tool_calls`, … as the endpoint said.
    pub finish_reason: Option<String>,
    /// Tokens spent, when the endpoint reported them.
    pub usage: Option<Usage>,
    /// The model the endpoint says answered.
    pub model: String,
}

/// Receives a reply's text so far while the model writes it (for showing
/// it as it is written).
pub type OnText<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// A piece of a streamed completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatDelta {
    /// Text to append.
    pub content: String,
    /// Fragments of tool calls, to be joined by `index`.
    pub tool_calls: Vec<ToolCallDelta>,
    /// Set on the last piece of a choice.
    pub finish_reason: Option<String>,
}

/// A fragment of a streamed tool call: the first fragment of an `index`
/// carries the id and name, later ones more of the arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCallDelta {
    /// Which call of the answer this fragment belongs to.
    pub index: u32,
    /// The call's id, on its first fragment.
    pub id: Option<String>,
    /// The function's name, on its first fragment.
    pub name: Option<String>,
    /// More of the arguments' JSON text.
    pub arguments: String,
}

/// One token per four characters: the usual estimate for English text, used
/// to charge the budget when the endpoint reports no usage.
pub fn estimate_tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

//! The OpenAI-compatible HTTP client: `/chat/completions` (plain and SSE)
//! and `/embeddings`, with timeouts, retries and the token budget.
//!
//! Invariants: the budget is checked once before a call (not per retry) and
//! charged once after it, also for a stream that ends early or is dropped;
//! a request that timed out is not retried; an error body is quoted at most
//! 300 characters long and the API key never appears in an error.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt as _};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Budget, ChatDelta, ChatMessage, ChatRequest, ChatResponse, LlmConfig, Role, ToolCall, ToolCallDelta, Usage,
    estimate_tokens,
};
use crate::AiError;

/// The longest back-off between two attempts, whatever the endpoint asks.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// A client for one endpoint and model. Cheap to clone (the connection pool
/// is shared); [`LlmClient::with_budget`] gives a per-workspace copy.
#[derive(Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    config: Arc<LlmConfig>,
    budget: Option<Arc<dyn Budget>>,
}

/// Why one attempt failed, and whether another may succeed.
struct Failure {
    error: AiError,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn fatal(error: AiError) -> Self {
        Self { error, retryable: false, retry_after: None }
    }
}

impl LlmClient {
    /// A client for the configured endpoint, without a budget.
    pub fn new(config: LlmConfig) -> Result<Self, AiError> {
        let url = reqwest::Url::parse(&config.base_url)
            .map_err(|e| AiError::Invalid(format!("the LLM base URL {:?} is not a URL: {e}", config.base_url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(AiError::Invalid(format!("the LLM base URL {:?} is not http(s)", config.base_url)));
        }
        if config.model.trim().is_empty() {
            return Err(AiError::Invalid("no LLM model configured".into()));
        }
        // reqwest is built without a default TLS provider; building a client
        // without one panics. The binary installs ring first; tests and tools
        // using this crate alone get the same provider here.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder().connect_timeout(config.timeout.min(Duration::from_secs(10)));
        // A system HTTP proxy must not intercept a model served on this machine.
        if url
            .host_str()
            .is_some_and(|h| h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()))
        {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| AiError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, config: Arc::new(config), budget: None })
    }

    /// The same client, charging `budget`.
    #[must_use]
    pub fn with_budget(&self, budget: Arc<dyn Budget>) -> Self {
        Self { budget: Some(budget), ..self.clone() }
    }

    /// The configuration (its `Debug` redacts the key).
    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The chat model's name.
    pub fn model(&self) -> &str {
        &self.config.model
    }

    /// One chat completion.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        self.check_budget()?;
        let body = self.chat_body(request, false);
        let url = self.url("chat/completions");
        let bytes = self.with_retries(|| self.attempt_bytes(&url, &body)).await?;
        let wire: WireResponse = serde_json::from_slice(&bytes)
            .map_err(|e| AiError::BadAnswer(format!("chat completion is not the expected JSON: {e}")))?;
        let choice = wire
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| AiError::BadAnswer("chat completion has no choice".into()))?;
        let message = ChatMessage {
            role: Role::Assistant,
            content: choice.message.content.unwrap_or_default(),
            tool_calls: choice
                .message
                .tool_calls
                .unwrap_or_default()
                .into_iter()
                .map(|c| ToolCall { id: c.id, name: c.function.name, arguments: arguments_text(c.function.arguments) })
                .collect(),
            tool_call_id: None,
        };
        let spent = match wire.usage {
            Some(u) if u.total_tokens > 0 => u.total_tokens,
            Some(u) if u.prompt_tokens + u.completion_tokens > 0 => u.prompt_tokens + u.completion_tokens,
            _ => estimate_tokens(prompt_chars(request) + message.content.len()),
        };
        self.charge(spent);
        Ok(ChatResponse {
            message,
            finish_reason: choice.finish_reason,
            usage: wire.usage,
            model: wire.model.unwrap_or_else(|| self.config.model.clone()),
        })
    }

    /// A streamed chat completion: deltas in the order the endpoint sent
    /// them. The stream ends at `data: [DONE]` (or when the body ends); the
    /// budget is charged when the stream is finished or dropped.
    pub async fn chat_stream(
        &self,
        request: &ChatRequest,
    ) -> Result<impl Stream<Item = Result<ChatDelta, AiError>> + Send + 'static, AiError> {
        self.check_budget()?;
        let body = self.chat_body(request, true);
        let url = self.url("chat/completions");
        let response = self.with_retries(|| self.attempt_response(&url, &body)).await?;
        let state = SseState {
            body: Box::pin(
                response.bytes_stream().map(|chunk| chunk.map(|b| b.to_vec()).map_err(|e| map_reqwest(&e).error)),
            ),
            buffer: Vec::new(),
            ready: VecDeque::new(),
            finished: false,
            idle_timeout: self.config.timeout,
            budget: self.budget.clone(),
            prompt_chars: prompt_chars(request),
            output_chars: 0,
            usage: None,
        };
        Ok(futures::stream::unfold(state, SseState::next_item))
    }

    /// One chat completion, streamed: `on_text` gets the answer's text so far
    /// each time more of it arrives (for showing it as it is written), and
    /// the whole answer, tool calls joined from their fragments, is returned
    /// as [`LlmClient::chat`] would. Once the model starts a tool call,
    /// `on_text` is not called again: that text is not an answer to show.
    pub async fn chat_progressively(
        &self,
        request: &ChatRequest,
        on_text: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<ChatResponse, AiError> {
        let mut stream = Box::pin(self.chat_stream(request).await?);
        let mut content = String::new();
        let mut calls: Vec<(u32, ToolCall)> = Vec::new();
        let mut finish_reason = None;
        while let Some(delta) = stream.next().await {
            let delta = delta?;
            for fragment in delta.tool_calls {
                match calls.iter_mut().find(|(i, _)| *i == fragment.index) {
                    Some((_, call)) => {
                        if let Some(id) = fragment.id {
                            call.id = id;
                        }
                        if let Some(name) = fragment.name {
                            call.name = name;
                        }
                        call.arguments.push_str(&fragment.arguments);
                    }
                    None => calls.push((
                        fragment.index,
                        ToolCall {
                            id: fragment.id.unwrap_or_default(),
                            name: fragment.name.unwrap_or_default(),
                            arguments: fragment.arguments,
                        },
                    )),
                }
            }
            if !delta.content.is_empty() {
                content.push_str(&delta.content);
                if calls.is_empty() {
                    on_text(&content);
                }
            }
            if delta.finish_reason.is_some() {
                finish_reason = delta.finish_reason;
            }
        }
        calls.sort_by_key(|(i, _)| *i);
        let message = ChatMessage {
            role: Role::Assistant,
            content,
            tool_calls: calls.into_iter().map(|(_, c)| c).collect(),
            tool_call_id: None,
        };
        Ok(ChatResponse { message, finish_reason, usage: None, model: self.config.model.clone() })
    }

    /// Embeddings of `texts`, in order, with the configured embedding model.
    pub async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, AiError> {
        let Some(model) = self.config.embedding_model.as_deref() else {
            return Err(AiError::Invalid("no embedding model configured".into()));
        };
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.check_budget()?;
        let body = json!({ "model": model, "input": texts });
        let url = self.url("embeddings");
        let bytes = self.with_retries(|| self.attempt_bytes(&url, &body)).await?;
        let wire: WireEmbeddings = serde_json::from_slice(&bytes)
            .map_err(|e| AiError::BadAnswer(format!("embeddings are not the expected JSON: {e}")))?;
        if wire.data.len() != texts.len() {
            return Err(AiError::BadAnswer(format!("{} embeddings for {} texts", wire.data.len(), texts.len())));
        }
        let mut data = wire.data;
        data.sort_by_key(|d| d.index);
        let spent = match wire.usage {
            Some(u) if u.total_tokens > 0 => u.total_tokens,
            _ => estimate_tokens(texts.iter().map(String::len).sum()),
        };
        self.charge(spent);
        Ok(data.into_iter().map(|d| d.embedding).collect())
    }

    fn check_budget(&self) -> Result<(), AiError> {
        self.budget.as_ref().map_or(Ok(()), |b| b.check())
    }

    fn charge(&self, tokens: u64) {
        if let Some(budget) = &self.budget {
            budget.charge(tokens);
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.config.base_url.trim_end_matches('/'))
    }

    fn chat_body(&self, request: &ChatRequest, stream: bool) -> Value {
        let mut body = json!({
            "model": self.config.model,
            "messages": request.messages.iter().map(wire_message).collect::<Vec<_>>(),
            "max_tokens": request.max_tokens.unwrap_or(self.config.max_tokens),
            "stream": stream,
        });
        if let Some(t) = request.temperature {
            body["temperature"] = json!(t);
        }
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| {
                    json!({
                        "type": "function",
                        "function": { "name": t.name, "description": t.description, "parameters": t.parameters },
                    })
                })
                .collect();
        }
        if stream {
            // Asks for a final usage chunk; endpoints that do not know the
            // option ignore it and the budget is charged an estimate.
            body["stream_options"] = json!({ "include_usage": true });
        }
        body
    }

    fn request(&self, url: &str, body: &Value) -> reqwest::RequestBuilder {
        let request = self.http.post(url).json(body);
        match &self.config.api_key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    /// Runs `attempt` until it succeeds, fails for good or the retries are spent.
    async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> Result<T, AiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let mut retries = 0;
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(failure) if failure.retryable && retries < self.config.max_retries => {
                    let backoff = self.config.retry_backoff.saturating_mul(2u32.saturating_pow(retries));
                    let wait = failure.retry_after.unwrap_or(backoff).min(MAX_BACKOFF);
                    tracing::warn!(error = %failure.error, retry = retries + 1, wait_ms = wait.as_millis() as u64, "LLM call failed, retrying");
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                Err(failure) => return Err(failure.error),
            }
        }
    }

    /// One attempt reading the whole body, within the timeout.
    async fn attempt_bytes(&self, url: &str, body: &Value) -> Result<Vec<u8>, Failure> {
        let exchange = async {
            let response = self.request(url, body).send().await.map_err(|e| map_reqwest(&e))?;
            let response = check_status(response).await?;
            response.bytes().await.map(|b| b.to_vec()).map_err(|e| map_reqwest(&e))
        };
        tokio::time::timeout(self.config.timeout, exchange).await.unwrap_or(Err(Failure::fatal(AiError::Timeout)))
    }

    /// One attempt up to a successful status line, within the timeout; the
    /// body is read by the caller.
    async fn attempt_response(&self, url: &str, body: &Value) -> Result<reqwest::Response, Failure> {
        let exchange = async {
            let response = self.request(url, body).send().await.map_err(|e| map_reqwest(&e))?;
            check_status(response).await
        };
        tokio::time::timeout(self.config.timeout, exchange).await.unwrap_or(Err(Failure::fatal(AiError::Timeout)))
    }
}

/// Turns an error status into a [`Failure`] quoting the body's start.
async fn check_status(response: reqwest::Response) -> Result<reqwest::Response, Failure> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = response.text().await.unwrap_or_default();
    let detail: String = text.chars().take(300).collect();
    Err(Failure {
        error: AiError::Endpoint { status: status.as_u16(), detail },
        retryable: status.as_u16() == 429 || status.is_server_error(),
        retry_after,
    })
}

fn map_reqwest(error: &reqwest::Error) -> Failure {
    if error.is_timeout() {
        Failure::fatal(AiError::Timeout)
    } else if error.is_connect() {
        Failure { error: AiError::Unavailable(error.to_string()), retryable: true, retry_after: None }
    } else {
        Failure::fatal(AiError::Unavailable(error.to_string()))
    }
}

fn prompt_chars(request: &ChatRequest) -> usize {
    request.messages.iter().map(|m| m.content.len()).sum()
}

fn wire_message(message: &ChatMessage) -> Value {
    let mut wire = json!({ "role": message.role.as_str() });
    // OpenAI wants `content: null` on an assistant message that only calls tools.
    wire["content"] =
        if message.content.is_empty() && !message.tool_calls.is_empty() { Value::Null } else { json!(message.content) };
    if !message.tool_calls.is_empty() {
        wire["tool_calls"] = message
            .tool_calls
            .iter()
            .map(
                |c| json!({ "id": c.id, "type": "function", "function": { "name": c.name, "arguments": c.arguments } }),
            )
            .collect();
    }
    if let Some(id) = &message.tool_call_id {
        wire["tool_call_id"] = json!(id);
    }
    wire
}

/// Arguments are JSON text on the wire; some servers send an object instead.
fn arguments_text(arguments: Value) -> String {
    match arguments {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[derive(Deserialize)]
struct WireResponse {
    model: Option<String>,
    #[serde(default)]
    choices: Vec<WireChoice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    content: Option<String>,
    tool_calls: Option<Vec<WireToolCall>>,
}

#[derive(Deserialize)]
struct WireToolCall {
    #[serde(default)]
    id: String,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
struct WireChunk {
    #[serde(default)]
    choices: Vec<WireChunkChoice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct WireChunkChoice {
    #[serde(default)]
    delta: WireDelta,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireDelta {
    content: Option<String>,
    tool_calls: Option<Vec<WireToolCallDelta>>,
}

#[derive(Deserialize)]
struct WireToolCallDelta {
    #[serde(default)]
    index: u32,
    id: Option<String>,
    function: Option<WireFunctionDelta>,
}

#[derive(Deserialize)]
struct WireFunctionDelta {
    name: Option<String>,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
struct WireEmbeddings {
    data: Vec<WireEmbedding>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct WireEmbedding {
    #[serde(default)]
    index: usize,
    embedding: Vec<f32>,
}

type ByteStream = Pin<Box<dyn Stream<Item = Result<Vec<u8>, AiError>> + Send>>;

/// The state of an SSE body being read line by line.
struct SseState {
    body: ByteStream,
    buffer: Vec<u8>,
    ready: VecDeque<Result<ChatDelta, AiError>>,
    finished: bool,
    idle_timeout: Duration,
    budget: Option<Arc<dyn Budget>>,
    prompt_chars: usize,
    output_chars: usize,
    usage: Option<Usage>,
}

impl SseState {
    async fn next_item(mut self) -> Option<(Result<ChatDelta, AiError>, Self)> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some((item, self));
            }
            if self.finished {
                return None;
            }
            match tokio::time::timeout(self.idle_timeout, self.body.next()).await {
                Err(_) => {
                    self.finished = true;
                    return Some((Err(AiError::Timeout), self));
                }
                Ok(None) => {
                    // A body ending without `[DONE]` may still hold a last line.
                    self.buffer.push(b'\n');
                    self.drain_lines();
                    self.finished = true;
                }
                Ok(Some(Err(error))) => {
                    self.finished = true;
                    return Some((Err(error), self));
                }
                Ok(Some(Ok(chunk))) => {
                    self.buffer.extend_from_slice(&chunk);
                    self.drain_lines();
                }
            }
        }
    }

    /// Parses every complete line in the buffer into ready deltas.
    fn drain_lines(&mut self) {
        while !self.finished {
            let Some(end) = self.buffer.iter().position(|&b| b == b'\n') else { break };
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            // Comments (`:`), `event:`, `id:` and blank separators carry nothing here.
            let Some(data) = line.strip_prefix("data:") else { continue };
            let data = data.trim();
            if data == "[DONE]" {
                self.finished = true;
                self.buffer.clear();
                break;
            }
            if data.is_empty() {
                continue;
            }
            match serde_json::from_str::<WireChunk>(data) {
                Ok(chunk) => self.push_chunk(chunk),
                Err(e) => {
                    self.ready
                        .push_back(Err(AiError::BadAnswer(format!("stream chunk is not the expected JSON: {e}"))));
                    self.finished = true;
                }
            }
        }
    }

    fn push_chunk(&mut self, chunk: WireChunk) {
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        for choice in chunk.choices {
            let content = choice.delta.content.unwrap_or_default();
            let tool_calls: Vec<ToolCallDelta> = choice
                .delta
                .tool_calls
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    let (name, arguments) =
                        c.function.map_or((None, String::new()), |f| (f.name, arguments_text(f.arguments)));
                    ToolCallDelta { index: c.index, id: c.id, name, arguments }
                })
                .collect();
            self.output_chars += content.len() + tool_calls.iter().map(|c| c.arguments.len()).sum::<usize>();
            // A role-only opening chunk carries nothing a caller needs.
            if content.is_empty() && tool_calls.is_empty() && choice.finish_reason.is_none() {
                continue;
            }
            self.ready.push_back(Ok(ChatDelta { content, tool_calls, finish_reason: choice.finish_reason }));
        }
    }
}

impl Drop for SseState {
    // Charging on drop covers every ending: `[DONE]`, an error, a timeout, or
    // a caller that stops reading early.
    fn drop(&mut self) {
        if let Some(budget) = &self.budget {
            let spent = match self.usage {
                Some(u) if u.total_tokens > 0 => u.total_tokens,
                _ => estimate_tokens(self.prompt_chars + self.output_chars),
            };
            budget.charge(spent);
        }
    }
}

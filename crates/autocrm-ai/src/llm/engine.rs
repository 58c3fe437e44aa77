//! [`LlmEngine`]: reply suggestions, summaries, chatbot answers and
//! translations from an LLM, with the versioned prompts of [`crate::prompts`].
//!
//! The model is asked for a small JSON object; [`parse_json_object`] tolerates
//! code fences and chatter around it, and anything else is
//! [`AiError::BadAnswer`] (the caller then falls back).
//!
//! Invariants (grounding): an answer only cites documents it was given
//! (invented ids are dropped), and an "answered" outcome that cites none of
//! them is turned into a hand-off, so the bot never presents an ungrounded
//! answer as one. Inputs are cut to fixed sizes before rendering, so a huge
//! thread cannot blow the prompt or the token budget. Nothing is sanitised
//! here: the server sanitises what it shows.

use serde_json::{Value, json};

use super::{ChatRequest, LlmClient};
use crate::prompts::{self, Rendered};
use crate::{
    AiError, Answer, AnswerOutcome, AnswerRequest, Citation, Document, Generate, Provenance, ReplyRequest, Suggestion,
    Summary, SummaryRequest, Turn,
};

/// Documents put into one prompt, best first.
const MAX_DOCUMENTS: usize = 6;
/// Characters kept of one document's body.
const MAX_DOCUMENT_CHARS: usize = 2_000;
/// The latest turns of a thread kept in a prompt.
const MAX_TURNS: usize = 30;
/// Characters kept of one turn, a question or a text to translate.
const MAX_TEXT_CHARS: usize = 4_000;
/// Bullets kept of a summary.
const MAX_BULLETS: usize = 5;
/// Low temperature: support answers should be steady, not creative.
const TEMPERATURE: f32 = 0.2;
/// The confidence given to an answer whose model stated none.
const DEFAULT_CONFIDENCE: f32 = 0.5;
/// The highest confidence of an answer downgraded to a hand-off.
const UNGROUNDED_CONFIDENCE: f32 = 0.3;

/// The LLM engine. Cheap to clone with its client.
#[derive(Clone)]
pub struct LlmEngine {
    client: LlmClient,
}

impl LlmEngine {
    /// An engine on `client` (give it a budget with [`LlmClient::with_budget`] first).
    pub fn new(client: LlmClient) -> Self {
        Self { client }
    }

    /// The client, for chat with tools or embeddings.
    pub fn client(&self) -> &LlmClient {
        &self.client
    }

    /// `text` translated into `target_locale` (a BCP 47 tag).
    pub async fn translate(&self, text: &str, target_locale: &str) -> Result<(String, Provenance), AiError> {
        if target_locale.trim().is_empty() {
            return Err(AiError::Invalid("no target language".into()));
        }
        let rendered = prompts::render(
            "translate",
            &json!({ "text": cut(text, MAX_TEXT_CHARS), "target_locale": target_locale }),
        )?;
        if text.trim().is_empty() {
            return Ok((String::new(), self.provenance_for(&rendered.version)));
        }
        let value = self.complete(&rendered).await?;
        let translation = required_text(&value)?;
        Ok((translation, self.provenance_for(&rendered.version)))
    }

    /// [`Generate::suggest_reply`], streamed: `on_text` gets the reply's
    /// text so far while the model writes it (read from the unfinished JSON
    /// object's `text` field), and the finished suggestion is returned.
    pub async fn suggest_reply_streaming(
        &self,
        request: &ReplyRequest,
        on_text: super::OnText<'_>,
    ) -> Result<Suggestion, AiError> {
        self.suggest(request, Some(on_text)).await
    }

    async fn suggest(&self, request: &ReplyRequest, on_text: Option<super::OnText<'_>>) -> Result<Suggestion, AiError> {
        if request.thread.is_empty() {
            return Err(AiError::Invalid("a reply needs a thread".into()));
        }
        let documents = documents_ctx(&request.documents);
        let rendered = prompts::render(
            "suggest_reply",
            &json!({
                "thread": turns_ctx(&request.thread),
                "customer_name": request.customer_name,
                "agent_name": request.agent_name,
                "locale": request.locale,
                "documents": documents,
                "facts": request.facts,
            }),
        )?;
        let value = match on_text {
            Some(on_text) => {
                let shown = std::sync::Mutex::new(String::new());
                let on_raw = |raw: &str| {
                    let Some(text) = streamed_text(raw) else { return };
                    let mut last = shown.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    if text.trim() != last.as_str() && !text.trim().is_empty() {
                        text.trim().clone_into(&mut last);
                        on_text(&last);
                    }
                };
                self.complete_with(&rendered, Some(&on_raw)).await?
            }
            None => self.complete(&rendered).await?,
        };
        let text = required_text(&value)?;
        let confidence = confidence(&value);
        let citations = citations(&value, &request.documents[..request.documents.len().min(MAX_DOCUMENTS)], confidence);
        Ok(Suggestion { text, citations, confidence, provenance: self.provenance_for(&rendered.version) })
    }

    fn provenance_for(&self, version: &str) -> Provenance {
        Provenance { engine: "llm".into(), model: self.client.model().into(), prompt_version: Some(version.into()) }
    }

    /// Sends a rendered prompt and reads the JSON object it asks for.
    async fn complete(&self, rendered: &Rendered) -> Result<Value, AiError> {
        self.complete_with(rendered, None).await
    }

    /// [`Self::complete`], streamed to `on_raw` (the raw reply so far) when given.
    async fn complete_with(&self, rendered: &Rendered, on_raw: Option<super::OnText<'_>>) -> Result<Value, AiError> {
        let request =
            ChatRequest { messages: rendered.to_messages(), temperature: Some(TEMPERATURE), ..ChatRequest::default() };
        let response = match on_raw {
            Some(on_raw) => self.client.chat_progressively(&request, on_raw).await?,
            None => self.client.chat(&request).await?,
        };
        if response.message.content.trim().is_empty() {
            return Err(AiError::BadAnswer("the model answered with no text".into()));
        }
        parse_json_object(&response.message.content)
    }
}

#[async_trait::async_trait]
impl Generate for LlmEngine {
    fn provenance(&self) -> Provenance {
        Provenance { engine: "llm".into(), model: self.client.model().into(), prompt_version: None }
    }

    async fn suggest_reply(&self, request: &ReplyRequest) -> Result<Suggestion, AiError> {
        self.suggest(request, None).await
    }

    async fn summarise(&self, request: &SummaryRequest) -> Result<Summary, AiError> {
        if request.thread.is_empty() {
            return Err(AiError::Invalid("nothing to summarise".into()));
        }
        let rendered =
            prompts::render("summarise", &json!({ "thread": turns_ctx(&request.thread), "locale": request.locale }))?;
        let value = self.complete(&rendered).await?;
        let text = required_text(&value)?;
        let bullets = value
            .get("bullets")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::trim)
                    .filter(|b| !b.is_empty())
                    .take(MAX_BULLETS)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Summary { text, bullets, provenance: self.provenance_for(&rendered.version) })
    }

    async fn answer(&self, request: &AnswerRequest) -> Result<Answer, AiError> {
        if request.question.trim().is_empty() {
            return Err(AiError::Invalid("an empty question".into()));
        }
        let given = &request.documents[..request.documents.len().min(MAX_DOCUMENTS)];
        let rendered = prompts::render(
            "answer",
            &json!({
                "question": cut(&request.question, MAX_TEXT_CHARS),
                "history": turns_ctx(&request.history),
                "locale": request.locale,
                "documents": documents_ctx(given),
            }),
        )?;
        let value = self.complete(&rendered).await?;
        read_answer(&value, given, self.provenance_for(&rendered.version))
    }
}

/// Reads the answer JSON, enforcing grounding (see the module header).
fn read_answer(value: &Value, given: &[Document], provenance: Provenance) -> Result<Answer, AiError> {
    let outcome = match value.get("outcome").and_then(Value::as_str).map(|s| s.trim().to_ascii_lowercase()) {
        Some(o) if o.starts_with("answer") => AnswerOutcome::Answered,
        Some(o) if o.starts_with("clarif") => AnswerOutcome::Clarify,
        Some(o) if o.replace(['_', '-', ' '], "") == "handoff" || o == "human" => AnswerOutcome::HandOff,
        Some(o) => return Err(AiError::BadAnswer(format!("unknown outcome {o:?}"))),
        None => return Err(AiError::BadAnswer("the answer has no outcome".into())),
    };
    let text = text_field(value);
    if text.is_empty() && outcome != AnswerOutcome::HandOff {
        return Err(AiError::BadAnswer("the answer has no text".into()));
    }
    let mut confidence = confidence(value);
    let citations = citations(value, given, confidence);
    let outcome = if outcome == AnswerOutcome::Answered && citations.is_empty() {
        confidence = confidence.min(UNGROUNDED_CONFIDENCE);
        AnswerOutcome::HandOff
    } else {
        outcome
    };
    Ok(Answer { text, outcome, citations, confidence, provenance })
}

/// Finds the JSON object in a model's reply: the whole reply, the inside of
/// a code fence, or the span from the first `{` to the last `}`.
pub fn parse_json_object(raw: &str) -> Result<Value, AiError> {
    let trimmed = raw.trim();
    let unfenced = strip_fence(trimmed);
    for candidate in [unfenced, brace_span(unfenced).unwrap_or(""), brace_span(trimmed).unwrap_or("")] {
        if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(candidate) {
            return Ok(value);
        }
    }
    let start: String = trimmed.chars().take(200).collect();
    Err(AiError::BadAnswer(format!("expected a JSON object, got {start:?}")))
}

fn strip_fence(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("```") else { return text };
    // Drops the info string (`json`) on the opening line.
    let body = rest.split_once('\n').map_or("", |(_, body)| body);
    body.trim_end().strip_suffix("```").unwrap_or(body).trim()
}

fn brace_span(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    (start < end).then(|| &text[start..=end])
}

/// The text so far of an unfinished JSON reply like `{"text": "Hello An`:
/// the decoded prefix of its first `text`, `answer` or `reply` string
/// (an escape cut in half is left out until it is whole). `None` until the
/// field's value has started.
pub fn streamed_text(raw: &str) -> Option<String> {
    let start = ["\"text\"", "\"answer\"", "\"reply\""]
        .iter()
        .filter_map(|key| raw.find(key).map(|at| at + key.len()))
        .min()?;
    let rest = raw[start..].trim_start();
    let rest = rest.strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b' | 'f') => {}
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let Some(c) = (hex.len() == 4).then(|| u32::from_str_radix(&hex, 16).ok()).flatten() else {
                        break;
                    };
                    // A surrogate pair's halves: shown once the model writes plain text again.
                    if let Some(c) = char::from_u32(c) {
                        out.push(c);
                    }
                }
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

fn text_field(value: &Value) -> String {
    ["text", "answer", "reply"]
        .iter()
        .find_map(|key| value.get(*key).and_then(Value::as_str))
        .map(str::trim)
        .unwrap_or_default()
        .to_owned()
}

fn required_text(value: &Value) -> Result<String, AiError> {
    let text = text_field(value);
    if text.is_empty() { Err(AiError::BadAnswer("the answer has no text".into())) } else { Ok(text) }
}

fn confidence(value: &Value) -> f32 {
    value
        .get("confidence")
        .and_then(Value::as_f64)
        .filter(|c| c.is_finite())
        .map_or(DEFAULT_CONFIDENCE, |c| c.clamp(0.0, 1.0) as f32)
}

/// The cited documents among those given, in citation order, without
/// duplicates; ids the model invented are dropped.
fn citations(value: &Value, given: &[Document], score: f32) -> Vec<Citation> {
    let mut out: Vec<Citation> = Vec::new();
    for cited in value.get("citations").and_then(Value::as_array).into_iter().flatten() {
        let id = match cited {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if out.iter().any(|c| c.id == id) {
            continue;
        }
        if let Some(doc) = given.iter().find(|d| d.id == id) {
            out.push(Citation::of(doc, score));
        }
    }
    out
}

fn documents_ctx(documents: &[Document]) -> Vec<Value> {
    documents
        .iter()
        .take(MAX_DOCUMENTS)
        .map(|d| {
            json!({
                "id": d.id, "kind": d.kind, "title": d.title, "label": d.label,
                "body": cut(&d.body, MAX_DOCUMENT_CHARS),
            })
        })
        .collect()
}

fn turns_ctx(turns: &[Turn]) -> Vec<Value> {
    let skip = turns.len().saturating_sub(MAX_TURNS);
    turns
        .iter()
        .skip(skip)
        .map(|t| json!({ "role": t.role, "author": t.author, "text": cut(&t.text, MAX_TEXT_CHARS) }))
        .collect()
}

/// At most `max` characters of `text`, marked when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_text_of_an_unfinished_json_reply_is_read_as_far_as_it_goes() {
        assert_eq!(streamed_text(r#"{"confid"#), None);
        assert_eq!(streamed_text(r#"{"confidence": 0.8, "text""#), None);
        assert_eq!(streamed_text(r#"{"text": ""#).as_deref(), Some(""));
        assert_eq!(streamed_text(r#"```json {"text": "Hello An"#).as_deref(), Some("Hello An"));
        assert_eq!(
            streamed_text(r#"{"text": "Line one\nline \"two\" caf\u00e9 \"#).as_deref(),
            Some("Line one\nline \"two\" café ")
        );
        assert_eq!(streamed_text(r#"{"text": "caf\u00"#).as_deref(), Some("caf"));
        assert_eq!(streamed_text(r#"{"text": "Done.", "citations": ["a1"]}"#).as_deref(), Some("Done."));
        assert_eq!(streamed_text(r#"{"answer": "Yes"#).as_deref(), Some("Yes"));
    }

    fn doc(id: &str) -> Document {
        Document {
            kind: "article".into(),
            id: id.into(),
            title: format!("Doc {id}"),
            body: "Refunds take 5 days.".into(),
            url: None,
            locale: None,
            label: None,
        }
    }

    fn provenance() -> Provenance {
        Provenance { engine: "llm".into(), model: "m".into(), prompt_version: Some("answer@1".into()) }
    }

    #[test]
    fn json_is_found_inside_fences_and_chatter() {
        let fenced = "```json\n{\"text\": \"hi\"}\n```";
        assert_eq!(parse_json_object(fenced).unwrap()["text"], "hi");
        let chatty = "Sure! Here it is: {\"text\": \"a {b}\"} Hope that helps.";
        assert_eq!(parse_json_object(chatty).unwrap()["text"], "a {b}");
        assert!(matches!(parse_json_object("no json at all"), Err(AiError::BadAnswer(_))));
        assert!(matches!(parse_json_object("[1, 2]"), Err(AiError::BadAnswer(_))));
    }

    #[test]
    fn invented_citations_are_dropped_and_uncited_answers_hand_off() {
        let value = json!({"outcome": "answered", "text": "5 days", "citations": ["99"], "confidence": 0.9});
        let answer = read_answer(&value, &[doc("1")], provenance()).unwrap();
        assert_eq!(answer.outcome, AnswerOutcome::HandOff);
        assert!(answer.citations.is_empty());
        assert!(answer.confidence <= UNGROUNDED_CONFIDENCE);
    }

    #[test]
    fn grounded_answers_keep_their_citations() {
        let value = json!({"outcome": "Answered", "text": "5 days", "citations": [1, "1"], "confidence": 2});
        let answer = read_answer(&value, &[doc("1"), doc("2")], provenance()).unwrap();
        assert_eq!(answer.outcome, AnswerOutcome::Answered);
        assert_eq!(answer.citations.len(), 1);
        assert!((answer.confidence - 1.0).abs() < f32::EPSILON);
    }

    #[test]
    fn outcomes_are_read_leniently_but_not_guessed() {
        let clarify = json!({"outcome": "clarification", "text": "Which order?"});
        assert_eq!(read_answer(&clarify, &[], provenance()).unwrap().outcome, AnswerOutcome::Clarify);
        let handoff = json!({"outcome": "hand_off", "text": ""});
        assert_eq!(read_answer(&handoff, &[], provenance()).unwrap().outcome, AnswerOutcome::HandOff);
        assert!(read_answer(&json!({"outcome": "maybe", "text": "x"}), &[], provenance()).is_err());
        assert!(read_answer(&json!({"text": "x"}), &[], provenance()).is_err());
    }

    #[test]
    fn cut_marks_long_texts() {
        assert_eq!(cut("héllo", 2), "hé…");
        assert_eq!(cut("hi", 2), "hi");
    }
}

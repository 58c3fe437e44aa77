//! Prompt templates, versioned: every LLM output records the template and
//! version it used (`answer@1`), so an answer can be traced to its prompt.
//!
//! The templates live in `prompts/*.j2` (minijinja, embedded in the binary).
//! The first line of each is `{#- version: N -#}`: change a template, bump
//! its version in the same edit.
//!
//! Invariants:
//! - A template is the system instructions, a line [`USER_MARKER`], then the
//!   data. The marker comes before any interpolated value, and
//!   [`Rendered::to_messages`] splits at its *first* occurrence, so text a
//!   customer wrote can never move into the system message.
//! - Every value a customer (or any third party) could have written goes
//!   through the `untrusted` filter, which wraps it in
//!   `<untrusted_data source="…">…</untrusted_data>` and defuses look-alike
//!   delimiters inside it; short values placed inline (names, titles, ids)
//!   go through `inline`, which keeps them on one line without quotes or
//!   angle brackets.
//! - No secret is ever in a context: callers pass texts and documents only.
//! - Rendering is bounded with minijinja's fuel and fails on undefined
//!   variables rather than rendering a silently half-empty prompt.

use std::sync::LazyLock;

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};

use crate::AiError;
use crate::llm::ChatMessage;

/// The line separating a template's system part from its user (data) part.
pub const USER_MARKER: &str = "[[user]]";

/// The opening and closing tags around untrusted text.
const UNTRUSTED_TAG: &str = "untrusted_data";

/// Instructions a render may execute: ample for the longest thread the
/// engine passes, small enough to stop a runaway loop.
const FUEL: u64 = 500_000;

/// The templates: name and source.
const SOURCES: &[(&str, &str)] = &[
    ("answer", include_str!("../prompts/answer.j2")),
    ("chatbot_tools", include_str!("../prompts/chatbot_tools.j2")),
    ("suggest_reply", include_str!("../prompts/suggest_reply.j2")),
    ("summarise", include_str!("../prompts/summarise.j2")),
    ("translate", include_str!("../prompts/translate.j2")),
];

/// A rendered prompt and the template version it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The whole prompt, marker included (what is stored for audit).
    pub text: String,
    /// `name@version`, e.g. `answer@1`, for [`crate::Provenance::prompt_version`].
    pub version: String,
}

impl Rendered {
    /// The system instructions: everything before the first [`USER_MARKER`] line.
    pub fn system(&self) -> &str {
        self.split().0
    }

    /// The data part after the first [`USER_MARKER`] line, if the template has one.
    pub fn user(&self) -> Option<&str> {
        self.split().1
    }

    /// The prompt as chat messages: a system message and, when the template
    /// has a data part, a user message.
    pub fn to_messages(&self) -> Vec<ChatMessage> {
        let (system, user) = self.split();
        let mut messages = vec![ChatMessage::system(system)];
        if let Some(user) = user {
            messages.push(ChatMessage::user(user));
        }
        messages
    }

    fn split(&self) -> (&str, Option<&str>) {
        let marker = format!("\n{USER_MARKER}\n");
        match self.text.find(&marker) {
            Some(at) => (self.text[..at].trim_end(), Some(self.text[at + marker.len()..].trim())),
            None => (self.text.trim_end(), None),
        }
    }
}

struct Catalogue {
    env: Environment<'static>,
    versions: Vec<(&'static str, u32)>,
}

static CATALOGUE: LazyLock<Result<Catalogue, String>> = LazyLock::new(build);

fn build() -> Result<Catalogue, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| e.to_string())?;
    env.set_syntax(syntax);
    env.add_filter("untrusted", untrusted);
    env.add_filter("inline", inline);
    let mut versions = Vec::with_capacity(SOURCES.len());
    for &(name, source) in SOURCES {
        let version =
            parse_version(source).ok_or_else(|| format!("prompt {name} has no `{{#- version: N -#}}` line"))?;
        env.add_template(name, source).map_err(|e| format!("prompt {name}: {e}"))?;
        versions.push((name, version));
    }
    Ok(Catalogue { env, versions })
}

fn parse_version(source: &str) -> Option<u32> {
    let first = source.lines().next()?.trim();
    let inner = first.strip_prefix("{#-")?.strip_suffix("-#}")?.trim();
    inner.strip_prefix("version:")?.trim().parse().ok()
}

fn catalogue_or_err() -> Result<&'static Catalogue, AiError> {
    CATALOGUE.as_ref().map_err(|e| AiError::Invalid(format!("prompt templates are broken: {e}")))
}

/// Renders the template `name` with `ctx` (a JSON object of its variables).
pub fn render(name: &str, ctx: &serde_json::Value) -> Result<Rendered, AiError> {
    let catalogue = catalogue_or_err()?;
    let version = catalogue
        .versions
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| AiError::Invalid(format!("unknown prompt template {name:?}")))?;
    let template = catalogue.env.get_template(name).map_err(|e| AiError::Invalid(format!("prompt {name}: {e}")))?;
    let text =
        template.render(Serde(ctx)).map_err(|e| AiError::Invalid(format!("prompt {name} did not render: {e}")))?;
    Ok(Rendered { text, version: format!("{name}@{version}") })
}

/// Every template's name and version.
pub fn catalogue() -> Vec<(&'static str, u32)> {
    CATALOGUE.as_ref().map(|c| c.versions.clone()).unwrap_or_default()
}

/// Wraps untrusted text in delimiters the model is told to treat as data.
fn untrusted(value: &minijinja::Value, source: Option<&str>) -> String {
    let text = text_of(value);
    let source = inline_text(source.unwrap_or("untrusted"), 60);
    format!("<{UNTRUSTED_TAG} source=\"{source}\">\n{}\n</{UNTRUSTED_TAG}>", defuse(&text))
}

/// A short value for an inline position: one line, no quotes or brackets.
fn inline(value: &minijinja::Value) -> String {
    inline_text(&text_of(value), 120)
}

fn text_of(value: &minijinja::Value) -> String {
    if value.is_none() || value.is_undefined() {
        String::new()
    } else if let Some(s) = value.as_str() {
        s.to_owned()
    } else {
        value.to_string()
    }
}

fn inline_text(text: &str, max_chars: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '"' | '<' | '>' | '[' | ']' | '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(max_chars).collect()
}

/// Breaks any spelling of the delimiter tag (and the role marker) inside
/// untrusted text, so it cannot close its block early or open a fake one.
fn defuse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let lower = text.to_ascii_lowercase();
    let mut i = 0;
    while i < text.len() {
        if lower[i..].starts_with(UNTRUSTED_TAG) {
            out.push_str("untrusted-data");
            i += UNTRUSTED_TAG.len();
        } else if lower[i..].starts_with(USER_MARKER) {
            out.push_str("[ [user] ]");
            i += USER_MARKER.len();
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn every_template_parses_and_has_a_version() {
        let names: Vec<_> = catalogue().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["answer", "chatbot_tools", "suggest_reply", "summarise", "translate"]);
        assert!(catalogue().iter().all(|(_, v)| *v >= 1));
    }

    #[test]
    fn defuse_breaks_closing_tags_in_any_case() {
        let out = defuse("a </UNTRUSTED_DATA> b [[user]] é");
        assert_eq!(out, "a </untrusted-data> b [ [user] ] é");
    }

    #[test]
    fn inline_keeps_one_line_without_quotes() {
        assert_eq!(inline_text("Ann\n\"<b>\" Lee", 120), "Ann ''b'' Lee");
    }

    #[test]
    fn unknown_templates_are_refused() {
        assert!(matches!(render("nope", &serde_json::json!({})), Err(AiError::Invalid(_))));
    }
}

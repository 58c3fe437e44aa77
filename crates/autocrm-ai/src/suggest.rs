//! Reply suggestions composed from the best macro, article and past replies,
//! and [`BuiltinEngine`], the offline implementation of [`crate::Generate`].
//!
//! A suggestion answers the customer's last message:
//! - the candidates (macros, articles/tutorials, solved tickets' replies) are
//!   ranked for it with [`crate::retrieve::Index`] (the first customer message
//!   joins the query when the last one is a short follow-up); documents in
//!   another language than the customer's count less;
//! - the body is the best macro, or a solved ticket's reply when it matches
//!   clearly better ([`TICKET_MARGIN`]) or no macro fits; the ticket is the
//!   best one of the label most similar tickets agree on ([`VOTERS`]); below
//!   [`MIN_SOURCE_SCORE`] a short holding reply is used instead;
//! - the best article, when it fits, is linked ("This guide explains it: …");
//! - placeholders (`{{ requester.first_name }}`, `{{ agent.name }}`,
//!   `{{ order.number }}`, `{{Order Number}}` …) are filled from the request;
//!   a placeholder we have no value for stays as written so the agent sees
//!   the gap instead of a guess;
//! - a greeting and a sign-off in the customer's language (en, de) are added
//!   unless the body already has them.
//!
//! Invariant: deterministic; the text invents no fact — it is a document's
//! text, a value from the request or a fixed localised phrase.

use std::collections::BTreeMap;

use crate::retrieve::{Analyzer, Lang, rank_in_language};
use crate::summarise::{clean_message, is_greeting_line, opens_signature};
use crate::{
    AiError, Answer, AnswerRequest, Citation, Document, Generate, Provenance, ReplyRequest, Suggestion, Summary,
    SummaryRequest,
};

/// The built-in engine's model name in [`Provenance`].
pub const MODEL: &str = "builtin-v1";
/// A source must score at least this to be used.
pub const MIN_SOURCE_SCORE: f32 = 0.3;
/// How many similar solved tickets vote for the reply to draw on.
pub const VOTERS: usize = 5;
/// A solved ticket's reply replaces the best macro only when it scores this much more.
pub const TICKET_MARGIN: f32 = 0.15;

/// The offline, deterministic engine: reply suggestions ([`suggest_reply`]),
/// summaries ([`crate::summarise::summarise`]) and chatbot answers
/// ([`crate::answer::answer`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinEngine;

impl BuiltinEngine {
    /// The engine (it holds no state).
    pub fn new() -> Self {
        Self
    }
}

#[async_trait::async_trait]
impl Generate for BuiltinEngine {
    fn provenance(&self) -> Provenance {
        Provenance::builtin(MODEL)
    }

    async fn suggest_reply(&self, request: &ReplyRequest) -> Result<Suggestion, AiError> {
        suggest_reply(request)
    }

    async fn summarise(&self, request: &SummaryRequest) -> Result<Summary, AiError> {
        crate::summarise::summarise(request)
    }

    async fn answer(&self, request: &AnswerRequest) -> Result<Answer, AiError> {
        crate::answer::answer(request)
    }
}

/// Suggests a reply to the thread's last customer message (see the module documentation).
pub fn suggest_reply(request: &ReplyRequest) -> Result<Suggestion, AiError> {
    let customer: Vec<&str> = request
        .thread
        .iter()
        .filter(|t| t.role == "customer" && !t.text.trim().is_empty())
        .map(|t| t.text.as_str())
        .collect();
    let Some(last) = customer.last() else {
        return Err(AiError::Invalid("the thread has no customer message".into()));
    };
    let lang = Lang::of(request.locale.as_deref());
    let phrases = Phrases::for_lang(lang);
    let mut query = clean_message(last);
    if Analyzer::default().terms(&query, lang).len() < 3 && customer.len() > 1 {
        query.push('\n');
        query.push_str(&clean_message(customer[0]));
    }

    let ranked = rank_in_language(&request.documents, &query, lang);
    let best_of = |kinds: &[&str]| {
        ranked
            .iter()
            .copied()
            .find(|&(d, s)| s >= MIN_SOURCE_SCORE && kinds.contains(&request.documents[d].kind.as_str()))
    };
    let macro_hit = best_of(&["macro"]);
    let ticket_hit = voted_ticket(&request.documents, &ranked);
    let article_hit = best_of(&["article", "tutorial"]);
    let body_hit = match (macro_hit, ticket_hit) {
        (Some(m), Some(t)) if t.1 > m.1 + TICKET_MARGIN => Some(t),
        (Some(m), _) => Some(m),
        (None, t) => t,
    };

    let fill = Filler::new(request);
    let body = match body_hit {
        Some((d, _)) if request.documents[d].kind == "macro" => fill.fill(request.documents[d].body.trim()),
        // A past reply greeted and signed for someone else: keep its substance only.
        Some((d, _)) => fill.fill(&clean_message(&request.documents[d].body)),
        None => phrases.holding.to_string(),
    };
    let mut parts: Vec<String> = Vec::new();
    if !body.lines().find(|l| !l.trim().is_empty()).is_some_and(is_greeting_line) {
        parts.push(phrases.greeting(fill.first_name.as_deref()));
    }
    parts.push(body.clone());
    if let Some((d, _)) = article_hit {
        let doc = &request.documents[d];
        let already = doc.url.as_deref().is_some_and(|u| body.contains(u));
        if !already {
            let link = doc.url.as_deref().map_or_else(String::new, |u| format!(" {u}"));
            parts.push(format!("{} {}{link}", phrases.guide, doc.title));
        }
    }
    if !body.lines().any(opens_signature) {
        parts.push(phrases.sign_off(request.agent_name.as_deref()));
    }

    let mut citations: Vec<Citation> = Vec::new();
    for (d, s) in body_hit.into_iter().chain(article_hit) {
        citations.push(Citation::of(&request.documents[d], s));
    }
    let confidence = body_hit.map_or_else(|| article_hit.map_or(0.0, |a| a.1 * 0.5), |b| b.1);
    Ok(Suggestion { text: parts.join("\n\n"), citations, confidence, provenance: Provenance::builtin(MODEL) })
}

/// The solved ticket whose reply to draw on: the similar tickets (the best
/// [`VOTERS`] above [`MIN_SOURCE_SCORE`]) vote for their label with their
/// scores, and the best-ranked ticket of the winning label is used — one
/// ticket that happens to share words with the message loses to several that
/// agree. Unlabelled tickets vote for themselves alone.
fn voted_ticket(documents: &[Document], ranked: &[(usize, f32)]) -> Option<(usize, f32)> {
    let tickets: Vec<(usize, f32)> = ranked
        .iter()
        .copied()
        .filter(|&(d, s)| s >= MIN_SOURCE_SCORE && documents[d].kind == "ticket")
        .take(VOTERS)
        .collect();
    let label = |d: usize| documents[d].label.clone().unwrap_or_else(|| format!("\u{0}{d}"));
    let mut votes: BTreeMap<String, (f32, usize)> = BTreeMap::new();
    for (rank, &(d, s)) in tickets.iter().enumerate() {
        let entry = votes.entry(label(d)).or_insert((0.0, rank));
        entry.0 += s;
    }
    // Most votes; on a tie, the label whose best ticket ranks higher.
    let winner = votes.into_iter().max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))?;
    tickets.get(winner.1.1).copied()
}

/// Fills `{{ … }}` placeholders from the request; unknown ones stay as written.
struct Filler {
    first_name: Option<String>,
    values: BTreeMap<String, String>,
}

/// A placeholder name compared loosely: lower case, `.`/space/`-` as `_`.
fn placeholder_key(name: &str) -> String {
    name.trim().to_lowercase().chars().map(|c| if matches!(c, '.' | ' ' | '-') { '_' } else { c }).collect()
}

impl Filler {
    fn new(request: &ReplyRequest) -> Self {
        let mut values: BTreeMap<String, String> =
            request.facts.iter().map(|(k, v)| (placeholder_key(k), v.clone())).collect();
        let first_word = |name: &str| name.split_whitespace().next().map(str::to_string);
        let customer = request.customer_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let first_name = customer.and_then(first_word);
        if let Some(name) = customer {
            for key in ["requester_name", "customer_name", "client_name"] {
                values.entry(key.into()).or_insert_with(|| name.to_string());
            }
        }
        if let Some(first) = &first_name {
            for key in ["requester_first_name", "customer_first_name", "customer_firstname", "first_name"] {
                values.entry(key.into()).or_insert_with(|| first.clone());
            }
        }
        if let Some(agent) = request.agent_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            values.entry("agent_name".into()).or_insert_with(|| agent.to_string());
            if let Some(first) = first_word(agent) {
                values.entry("agent_first_name".into()).or_insert(first);
            }
        }
        Self { first_name, values }
    }

    fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open + 2..].find("}}") else { break };
            let inner = &rest[open + 2..open + 2 + close];
            out.push_str(&rest[..open]);
            match self.values.get(&placeholder_key(inner)) {
                Some(value) => out.push_str(value),
                None => out.push_str(&rest[open..open + 2 + close + 2]),
            }
            rest = &rest[open + 2 + close + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// The suggestion's fixed phrases, per language.
struct Phrases {
    lang: Lang,
    holding: &'static str,
    guide: &'static str,
}

impl Phrases {
    fn for_lang(lang: Lang) -> Self {
        match lang {
            Lang::En => Self {
                lang,
                holding: "Thank you for your message. I'm looking into it and will get back to you shortly.",
                guide: "This guide explains it:",
            },
            Lang::De => Self {
                lang,
                holding: "Vielen Dank für Ihre Nachricht. Ich sehe mir das an und melde mich in Kürze bei Ihnen.",
                guide: "Diese Anleitung erklärt es:",
            },
        }
    }

    fn greeting(&self, first_name: Option<&str>) -> String {
        match (self.lang, first_name) {
            (Lang::En, Some(n)) => format!("Hi {n},"),
            (Lang::En, None) => "Hello,".into(),
            (Lang::De, Some(n)) => format!("Hallo {n},"),
            (Lang::De, None) => "Guten Tag,".into(),
        }
    }

    fn sign_off(&self, agent: Option<&str>) -> String {
        let closing = match self.lang {
            Lang::En => "Best regards,",
            Lang::De => "Viele Grüße",
        };
        match agent.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => format!("{closing}\n{a}"),
            None => closing.trim_end_matches(',').to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::summarise::turn;

    fn doc(kind: &str, id: &str, title: &str, body: &str, label: &str) -> Document {
        Document {
            kind: kind.into(),
            id: id.into(),
            title: title.into(),
            body: body.into(),
            url: (kind == "article").then(|| format!("/help/en/articles/{id}")),
            locale: None,
            label: Some(label.into()),
        }
    }

    fn docs() -> Vec<Document> {
        vec![
            doc(
                "macro",
                "m1",
                "Where is my order",
                "Your order {{ order.number }} is on its way with {{ order.carrier }}: {{tracking_url}}",
                "shipping",
            ),
            doc("macro", "m2", "Refund issued", "We have issued a refund to your card.", "refund"),
            doc("article", "a1", "Track your order", "Open the tracking link in your shipping e-mail.", "shipping"),
            doc(
                "ticket",
                "t1",
                "Refund for broken kettle",
                "Hi Sam,\nwe refunded the broken kettle, you will see it in 3-5 days.\nBest,\nJo",
                "refund",
            ),
        ]
    }

    fn request(text: &str, locale: Option<&str>) -> ReplyRequest {
        ReplyRequest {
            thread: vec![turn("customer", None, text)],
            customer_name: Some("Mason Lopez".into()),
            agent_name: Some("Anna Berg".into()),
            locale: locale.map(Into::into),
            documents: docs(),
            facts: BTreeMap::from([("order_number".to_string(), "#W1234".to_string())]),
        }
    }

    #[test]
    fn the_best_macro_is_filled_and_unknown_placeholders_are_kept() {
        let s = suggest_reply(&request("Where is my order? It has not arrived.", None)).unwrap();
        assert_eq!(
            s.text,
            "Hi Mason,\n\nYour order #W1234 is on its way with {{ order.carrier }}: {{tracking_url}}\n\n\
             This guide explains it: Track your order /help/en/articles/a1\n\nBest regards,\nAnna Berg"
        );
        assert_eq!(s.citations.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec!["m1", "a1"]);
        assert!(s.confidence >= MIN_SOURCE_SCORE && s.confidence <= 1.0);
        assert_eq!(s.provenance, Provenance::builtin(MODEL));
    }

    #[test]
    fn a_past_reply_is_used_without_its_greeting_and_signature() {
        let s =
            suggest_reply(&request("My kettle arrived broken, I want my money back: refund the kettle", None)).unwrap();
        assert_eq!(s.citations[0].id, "t1", "{s:?}");
        assert!(s.text.contains("we refunded the broken kettle"), "{}", s.text);
        assert!(!s.text.contains("Sam") && !s.text.contains("Jo\n") && !s.text.ends_with("Jo"), "{}", s.text);
    }

    #[test]
    fn german_customers_get_german_framing_and_no_match_gets_a_holding_reply() {
        let s = suggest_reply(&request("Mein Hund mag das Futter nicht", Some("de"))).unwrap();
        assert!(s.text.starts_with("Hallo Mason,\n\nVielen Dank"), "{}", s.text);
        assert!(s.text.ends_with("Viele Grüße\nAnna Berg"));
        assert!(s.citations.is_empty());
        assert!(s.confidence.abs() < f32::EPSILON);
    }

    #[test]
    fn a_macro_with_its_own_greeting_and_sign_off_is_not_framed_twice() {
        let mut r = request("refund issued?", None);
        r.documents[1].body =
            "Hi {{ requester.first_name }},\n\nthe refund is issued.\n\nBest regards,\n{{ agent.name }}".into();
        let s = suggest_reply(&r).unwrap();
        assert_eq!(s.text, "Hi Mason,\n\nthe refund is issued.\n\nBest regards,\nAnna Berg");
    }

    #[test]
    fn suggestions_are_deterministic_and_need_a_customer_message() {
        let r = request("Where is my order?", None);
        assert_eq!(suggest_reply(&r).unwrap(), suggest_reply(&r).unwrap());
        assert!(suggest_reply(&ReplyRequest::default()).is_err());
    }

    #[tokio::test]
    async fn the_engine_answers_through_the_trait() {
        let engine = BuiltinEngine::new();
        let s = engine.suggest_reply(&request("Where is my order?", None)).await.unwrap();
        assert_eq!(s.provenance.engine, "builtin");
        let a = engine
            .answer(&AnswerRequest { question: "talk to a human".into(), ..AnswerRequest::default() })
            .await
            .unwrap();
        assert_eq!(a.outcome, crate::AnswerOutcome::HandOff);
        assert_eq!(engine.provenance().model, MODEL);
    }
}

//! Extractive answers for the chatbot from retrieved documents (built-in engine).
//!
//! The decision, in order:
//! 1. an explicit request for a person ("talk to a human", "Mitarbeiter") →
//!    [`AnswerOutcome::HandOff`], whatever the documents say;
//! 2. the documents are ranked for the question (plus the customer's previous
//!    turn when the question is a short follow-up); documents in another
//!    language than the customer's count [`OTHER_LANGUAGE_FACTOR`] of their score;
//! 3. best score ≥ [`ANSWER_AT`] and clearly ahead of the runner-up →
//!    [`AnswerOutcome::Answered`] with the 1–3 sentences or steps of the best
//!    document that share most words with the question, in the document's own
//!    words, and a link to it;
//! 4. best score ≥ [`CLARIFY_AT`] → [`AnswerOutcome::Clarify`]: "Do you mean
//!    A or B?" over the candidates close to the best, with each one's link;
//! 5. otherwise → [`AnswerOutcome::HandOff`].
//!
//! Invariant: every answered sentence is quoted from a cited document; the
//! fixed phrases are localised (en, de; English by default).

use std::collections::BTreeSet;

pub use crate::retrieve::OTHER_LANGUAGE_FACTOR;
use crate::retrieve::{Analyzer, Lang, rank_in_language};
use crate::text::{is_list_item, sentences, words};
use crate::{AiError, Answer, AnswerOutcome, AnswerRequest, Citation, Document, Provenance};

/// The lowest best score that is answered outright.
pub const ANSWER_AT: f32 = 0.6;
/// The lowest best score worth a clarifying question; below it, a hand-off.
pub const CLARIFY_AT: f32 = 0.3;
/// The runner-up is "close" when it scores at least this share of the best.
pub const CLOSE_SHARE: f32 = 0.85;
/// At most this many candidates in a clarifying question.
const MAX_CANDIDATES: usize = 3;
/// At most this many sentences or steps in an answer.
const MAX_UNITS: usize = 3;

/// Answers a customer's question (see the module documentation).
pub fn answer(request: &AnswerRequest) -> Result<Answer, AiError> {
    let question = request.question.trim();
    if question.is_empty() {
        return Err(AiError::Invalid("the question is empty".into()));
    }
    let lang = Lang::of(request.locale.as_deref());
    let phrases = Phrases::for_lang(lang);
    let provenance = Provenance::builtin(crate::suggest::MODEL);
    if asks_for_a_person(question) {
        return Ok(Answer {
            text: phrases.handoff.into(),
            outcome: AnswerOutcome::HandOff,
            citations: Vec::new(),
            confidence: 1.0,
            provenance,
        });
    }

    let analyzer = Analyzer::default();
    let query = query_with_context(&analyzer, lang, request);
    let ranked = rank_in_language(&request.documents, &query, lang);
    let best = ranked.first().copied();
    let Some((best_doc, best_score)) = best.filter(|&(_, s)| s >= CLARIFY_AT) else {
        return Ok(Answer {
            text: phrases.not_found.into(),
            outcome: AnswerOutcome::HandOff,
            citations: Vec::new(),
            confidence: 1.0 - best.map_or(0.0, |b| b.1),
            provenance,
        });
    };
    let close: Vec<(usize, f32)> = ranked
        .iter()
        .copied()
        .filter(|&(_, s)| s >= best_score * CLOSE_SHARE)
        // Two copies of one title (e.g. per locale) are one candidate for the customer.
        .scan(BTreeSet::new(), |seen, c| Some(seen.insert(request.documents[c.0].title.clone()).then_some(c)))
        .flatten()
        .take(MAX_CANDIDATES)
        .collect();

    if best_score >= ANSWER_AT && close.len() == 1 {
        let doc = &request.documents[best_doc];
        let extract = extract(&analyzer, doc, &query);
        let mut text = format!("{}\n\n{extract}", phrases.from(&doc.title));
        if let Some(url) = &doc.url {
            text = format!("{text}\n\n{} {url}", phrases.read_more);
        }
        return Ok(Answer {
            text,
            outcome: AnswerOutcome::Answered,
            citations: vec![Citation::of(doc, best_score)],
            confidence: best_score,
            provenance,
        });
    }
    let titles: Vec<&str> = close.iter().map(|&(d, _)| request.documents[d].title.as_str()).collect();
    let mut text = phrases.clarify(&titles);
    // Each candidate's link, so the customer can also open the one they mean.
    let links: Vec<String> = close
        .iter()
        .filter_map(|&(d, _)| {
            let doc = &request.documents[d];
            doc.url.as_ref().map(|u| format!("• {}: {u}", doc.title))
        })
        .collect();
    if !links.is_empty() {
        text = format!("{text}\n\n{}", links.join("\n"));
    }
    Ok(Answer {
        text,
        outcome: AnswerOutcome::Clarify,
        citations: close.iter().map(|&(d, s)| Citation::of(&request.documents[d], s)).collect(),
        confidence: best_score,
        provenance,
    })
}

/// The question, plus the customer's previous turn when the question alone
/// has fewer than three content words ("and to Austria?").
fn query_with_context(analyzer: &Analyzer, lang: Lang, request: &AnswerRequest) -> String {
    let mut query = request.question.clone();
    if analyzer.terms(&request.question, lang).len() < 3
        && let Some(previous) = request.history.iter().rev().find(|t| t.role == "customer")
    {
        query.push(' ');
        query.push_str(&previous.text);
    }
    query
}

/// Whether the customer explicitly asks for a person.
pub fn asks_for_a_person(question: &str) -> bool {
    const ALWAYS: &[&str] = &[
        "human",
        "humans",
        "mensch",
        "menschen",
        "mitarbeiter",
        "mitarbeiterin",
        "mitarbeitern",
        "mitarbeiterinnen",
        "sachbearbeiter",
        "sachbearbeiterin",
        "kundenberater",
        "kundenberaterin",
        "servicemitarbeiter",
    ];
    const PERSON: &[&str] = &[
        "agent",
        "person",
        "representative",
        "rep",
        "operator",
        "someone",
        "somebody",
        "staff",
        "people",
        "jemand",
        "jemandem",
        "jemanden",
        "person",
        "berater",
        "beraterin",
        "support",
    ];
    const CONTACT: &[&str] = &[
        "talk",
        "speak",
        "chat",
        "connect",
        "transfer",
        "contact",
        "reach",
        "call",
        "real",
        "live",
        "actual",
        "sprechen",
        "reden",
        "verbinden",
        "anrufen",
        "echten",
        "echte",
        "echter",
        "richtigen",
    ];
    let ws: Vec<String> = words(question).collect();
    ws.iter().any(|w| ALWAYS.contains(&w.as_str()))
        || (ws.iter().any(|w| PERSON.contains(&w.as_str())) && ws.iter().any(|w| CONTACT.contains(&w.as_str())))
}

/// The 1–3 units (sentences, list steps) of the document that share most
/// query terms, in document order; the steps of a list follow their lead-in.
fn extract(analyzer: &Analyzer, doc: &Document, query: &str) -> String {
    let doc_lang = Lang::of(doc.locale.as_deref());
    let query_terms: BTreeSet<String> = analyzer.terms(query, doc_lang).into_iter().collect();
    let units = sentences(&doc.body);
    if units.is_empty() {
        return doc.title.clone();
    }
    let overlap: Vec<usize> = units
        .iter()
        .map(|u| analyzer.terms(u, doc_lang).into_iter().collect::<BTreeSet<_>>().intersection(&query_terms).count())
        .collect();
    // A document whose body shares no word with the question matched by its
    // title: its opening is the answer.
    let chosen: BTreeSet<usize> = if overlap.iter().all(|&o| o == 0) {
        (0..units.len().min(MAX_UNITS)).collect()
    } else {
        let best = (0..units.len()).max_by(|&a, &b| overlap[a].cmp(&overlap[b]).then(b.cmp(&a))).unwrap_or(0);
        let steps: Vec<usize> = (best + 1..units.len()).take_while(|&i| is_list_item(&units[i])).collect();
        if !steps.is_empty() && !is_list_item(&units[best]) {
            // A lead-in ("To reset it:") and its steps.
            std::iter::once(best).chain(steps.into_iter().take(MAX_UNITS - 1)).collect()
        } else {
            let mut order: Vec<usize> = (0..units.len()).filter(|&i| overlap[i] > 0).collect();
            order.sort_by(|&a, &b| overlap[b].cmp(&overlap[a]).then(a.cmp(&b)));
            order.into_iter().take(MAX_UNITS).collect()
        }
    };
    let separator = if chosen.iter().any(|&i| is_list_item(&units[i])) { "\n" } else { " " };
    chosen.into_iter().map(|i| units[i].as_str()).collect::<Vec<_>>().join(separator)
}

/// The chatbot's fixed phrases, per language.
struct Phrases {
    lang: Lang,
    handoff: &'static str,
    not_found: &'static str,
    read_more: &'static str,
}

impl Phrases {
    fn for_lang(lang: Lang) -> Self {
        match lang {
            Lang::En => Self {
                lang,
                handoff: "Of course — I'm passing you to a member of our team, who will answer here.",
                not_found: "I couldn't find an answer to that in our help center. I'm passing you to a member \
                            of our team, who will answer here.",
                read_more: "Read more:",
            },
            Lang::De => Self {
                lang,
                handoff: "Gerne — ich verbinde Sie mit unserem Team, jemand antwortet Ihnen hier.",
                not_found: "Dazu habe ich in unserer Hilfe keine Antwort gefunden. Ich verbinde Sie mit unserem \
                            Team, jemand antwortet Ihnen hier.",
                read_more: "Mehr dazu:",
            },
        }
    }

    fn from(&self, title: &str) -> String {
        match self.lang {
            Lang::En => format!("From “{title}”:"),
            Lang::De => format!("Aus „{title}“:"),
        }
    }

    fn clarify(&self, titles: &[&str]) -> String {
        let (quote_open, quote_close, or, ask) = match self.lang {
            Lang::En => ("“", "”", "or", "Do you mean"),
            Lang::De => ("„", "“", "oder", "Meinen Sie"),
        };
        let quoted: Vec<String> = titles.iter().map(|t| format!("{quote_open}{t}{quote_close}")).collect();
        let listed = match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} {or} {last}", rest.join(", ")),
            None => String::new(),
        };
        format!("{ask} {listed}?")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::summarise::turn;

    fn doc(id: &str, title: &str, body: &str, locale: Option<&str>) -> Document {
        Document {
            kind: "article".into(),
            id: id.into(),
            title: title.into(),
            body: body.into(),
            url: Some(format!("/help/articles/{id}")),
            locale: locale.map(Into::into),
            label: None,
        }
    }

    fn kb() -> Vec<Document> {
        vec![
            doc(
                "1",
                "Reset your password",
                "Forgot your password? You can set a new one in a minute.\nTo reset your password:\n\
                 1. Open the login page.\n2. Click “Forgot password”.\n3. Follow the link in the e-mail.\n\n\
                 The link is valid for one hour.",
                None,
            ),
            doc("2", "Return an item", "You can return any item within 30 days. Print the return label.", None),
            doc("3", "Return shipping costs", "Return shipping is free in the EU. Other countries pay €5.", None),
            doc("4", "Gift cards", "Gift cards never expire and can be used for any order.", None),
        ]
    }

    fn ask(question: &str, locale: Option<&str>) -> Answer {
        answer(&AnswerRequest {
            question: question.into(),
            history: Vec::new(),
            locale: locale.map(Into::into),
            documents: kb(),
        })
        .unwrap()
    }

    #[test]
    fn explicit_requests_for_a_person_hand_off() {
        for q in ["I want to talk to a human", "Can I speak to an agent please?", "Ich will einen Mitarbeiter!"] {
            let a = ask(q, None);
            assert_eq!(a.outcome, AnswerOutcome::HandOff, "{q}");
            assert!(a.citations.is_empty());
        }
        assert!(ask("Bitte mit einem Menschen sprechen", Some("de")).text.starts_with("Gerne"));
        assert!(!asks_for_a_person("How do I reset my password?"));
    }

    #[test]
    fn a_clear_question_is_answered_with_the_steps_and_a_citation() {
        let a = ask("How can I reset my password?", None);
        assert_eq!(a.outcome, AnswerOutcome::Answered, "{a:?}");
        assert_eq!(a.citations.len(), 1);
        assert_eq!(a.citations[0].id, "1");
        assert!(a.text.starts_with("From “Reset your password”:"), "{}", a.text);
        assert!(a.text.contains("To reset your password:\n1. Open the login page.\n2. Click"), "{}", a.text);
        assert!(a.text.ends_with("Read more: /help/articles/1"), "{}", a.text);
        assert!(a.confidence >= ANSWER_AT);
    }

    #[test]
    fn an_ambiguous_question_asks_which_document_is_meant() {
        let a = ask("return", None);
        assert_eq!(a.outcome, AnswerOutcome::Clarify, "{a:?}");
        let first = a
            .citations
            .iter()
            .map(|c| format!("{}: {}", c.title, c.url.clone().unwrap_or_default()))
            .collect::<Vec<_>>();
        assert_eq!(
            a.text,
            format!("Do you mean “Return an item” or “Return shipping costs”?\n\n• {}\n• {}", first[0], first[1]),
            "the question, then each candidate's link"
        );
        assert_eq!(a.citations.len(), 2);
        let de = ask("return", Some("de"));
        assert!(de.text.starts_with("Meinen Sie „Return an item“ oder „Return shipping costs“?\n\n• "), "{}", de.text);
    }

    #[test]
    fn an_unknown_question_hands_off() {
        let a = ask("My cat knocked the parcel off the balcony, is that covered by insurance?", None);
        assert_eq!(a.outcome, AnswerOutcome::HandOff, "{a:?}");
        assert!(a.text.starts_with("I couldn't find"));
    }

    #[test]
    fn a_short_follow_up_uses_the_previous_turn() {
        let request = AnswerRequest {
            question: "and how long is it valid?".into(),
            history: vec![turn("customer", None, "password reset link"), turn("bot", None, "…")],
            locale: None,
            documents: kb(),
        };
        let a = answer(&request).unwrap();
        assert_eq!(a.citations.first().map(|c| c.id.as_str()), Some("1"), "{a:?}");
        assert_eq!(a, answer(&request).unwrap(), "deterministic");
    }

    #[test]
    fn empty_questions_are_refused() {
        assert!(answer(&AnswerRequest::default()).is_err());
    }
}

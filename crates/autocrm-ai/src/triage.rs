//! Triage of an inbound message: category, intent, language, sentiment,
//! entities and an urgency hint with its reasons.
//!
//! Urgency is a transparent point score, so an agent can see why a ticket
//! was flagged: strong negative tone, explicit urgency ("asap", "dringend"),
//! escalation threats (lawyer, chargeback), money taken wrongly (charged
//! twice), churn (cancel my subscription), repeated contact ("still
//! waiting", "third time") and shouting. Invariants: deterministic; every
//! point added comes with a reason in `urgency_reasons`; a message with no
//! reason is `normal`, or `low` when it is positive or explicitly not urgent.

use serde::{Deserialize, Serialize};

use crate::classify::Classifier;
use crate::extract::{self, Entities};
use crate::lang;
use crate::sentiment::{self, Polarity, SentimentScore};

/// A predicted label with the model's confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labelled {
    pub label: String,
    /// 0..=1.
    pub confidence: f32,
}

/// How soon a message should be looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Low,
    Normal,
    High,
    Urgent,
}

/// What triage found in a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triage {
    /// `None` without a category model or when the message is out of its scope.
    pub category: Option<Labelled>,
    pub intent: Option<Labelled>,
    /// ISO 639-1 code, when the text says enough.
    pub language: Option<String>,
    pub sentiment: SentimentScore,
    pub urgency: Urgency,
    /// Why the urgency is what it is, in the order the points were added.
    pub urgency_reasons: Vec<String>,
    pub entities: Entities,
}

/// Points from which urgency rises: `high` from 2, `urgent` from 5.
const HIGH_FROM: u32 = 2;
const URGENT_FROM: u32 = 5;

/// Phrase groups that raise urgency: (points, reason, phrases). Phrases are
/// matched on whole lower-case words.
const SIGNALS: &[(u32, &str, &[&str])] = &[
    (
        3,
        "threatens escalation",
        &[
            "lawyer",
            "attorney",
            "legal action",
            "sue",
            "suing",
            "court",
            "chargeback",
            "charge back",
            "dispute the charge",
            "file a claim",
            "file a complaint",
            "consumer protection",
            "better business bureau",
            "report you",
            "anwalt",
            "rechtsanwalt",
            "verbraucherzentrale",
            "rückbuchung",
            "anzeige",
        ],
    ),
    (
        2,
        "asks for urgency",
        &[
            "urgent",
            "urgently",
            "asap",
            "as soon as possible",
            "immediately",
            "right now",
            "right away",
            "emergency",
            "dringend",
            "sofort",
            "eilig",
            "umgehend",
        ],
    ),
    (1, "mentions a deadline", &["today", "tonight", "tomorrow", "by monday", "by friday", "heute", "morgen"]),
    (
        2,
        "money taken wrongly",
        &[
            "charged twice",
            "charged me twice",
            "double charged",
            "double charge",
            "charged two times",
            "overcharged",
            "unauthorized charge",
            "unauthorised charge",
            "charged again",
            "still charged",
            "doppelt abgebucht",
            "zweimal abgebucht",
            "doppelt belastet",
        ],
    ),
    (2, "fraud or scam", &["scam", "fraud", "stolen", "betrug", "betrüger"]),
    (
        1,
        "churn risk",
        &[
            "cancel my subscription",
            "cancel the subscription",
            "cancel my account",
            "close my account",
            "delete my account",
            "never order again",
            "never buy again",
            "kündigen",
            "abo kündigen",
        ],
    ),
    (
        1,
        "repeated contact",
        &[
            "still waiting",
            "still no",
            "still haven't",
            "once again",
            "third time",
            "3rd time",
            "second time",
            "already contacted",
            "already emailed",
            "already wrote",
            "no response",
            "no reply",
            "nobody answered",
            "no one answered",
            "following up",
            "any update",
            "anyone there",
            "noch keine antwort",
            "schon wieder",
            "immer noch",
        ],
    ),
];

/// Phrases that mark a message as explicitly not urgent.
const NOT_URGENT: &[&str] =
    &["no rush", "no hurry", "not urgent", "whenever you can", "when you get a chance", "keine eile", "nicht dringend"];

/// Triage of one inbound message. `locales` are the workspace's languages
/// (detection is restricted to them when given).
pub fn triage(
    text: &str,
    subject: Option<&str>,
    category: Option<&Classifier>,
    intent: Option<&Classifier>,
    locales: &[&str],
) -> Triage {
    let full = match subject {
        Some(s) if !s.trim().is_empty() => format!("{s}\n{text}"),
        _ => text.to_string(),
    };
    let label = |model: Option<&Classifier>| {
        model
            .map(|m| m.predict(&full))
            .filter(|p| !p.out_of_scope)
            .map(|p| Labelled { label: p.label, confidence: p.confidence })
    };
    let language =
        if locales.is_empty() { lang::detect(&full) } else { lang::detect_among(&full, locales) }.map(|d| d.code);
    // Greetings and sign-offs are politeness; the subject often carries the tone.
    let sentiment = sentiment::analyse(&match subject {
        Some(s) => format!("{s}\n{}", extract::message_body(text)),
        None => extract::message_body(text),
    });
    let (urgency, urgency_reasons) = urgency(&full, &sentiment);
    let mut entities = extract::extract(text);
    if let Some(s) = subject {
        // An order number in the subject line ("Where is my order #W123?") counts too.
        for o in extract::extract(s).order_numbers {
            if !entities.order_numbers.contains(&o) {
                entities.order_numbers.push(o);
            }
        }
    }
    Triage { category: label(category), intent: label(intent), language, sentiment, urgency, urgency_reasons, entities }
}

/// The urgency of a message and the reasons for it.
fn urgency(text: &str, sentiment: &SentimentScore) -> (Urgency, Vec<String>) {
    let words = normalised_words(text);
    let mut points = 0;
    let mut reasons = Vec::new();
    if sentiment.compound <= -0.8 {
        points += 2;
        reasons.push("strongly negative tone".to_string());
    } else if sentiment.polarity == Polarity::Negative {
        points += 1;
        reasons.push("negative tone".to_string());
    }
    for (weight, reason, phrases) in SIGNALS {
        if let Some(hit) = phrases.iter().find(|p| words.contains(&format!(" {p} "))) {
            points += weight;
            reasons.push(format!("{reason} (\"{hit}\")"));
        }
    }
    if shouting(text) {
        points += 1;
        reasons.push("shouting (capitals or repeated \"!\")".to_string());
    }
    let not_urgent = NOT_URGENT.iter().find(|p| words.contains(&format!(" {p} ")));
    let level = if points >= URGENT_FROM {
        Urgency::Urgent
    } else if let Some(hit) = not_urgent.filter(|_| points <= 1) {
        // An explicit "no rush" outweighs a merely negative tone.
        reasons.push(format!("says it is not urgent (\"{hit}\")"));
        Urgency::Low
    } else if points >= HIGH_FROM {
        Urgency::High
    } else if points == 0 && sentiment.polarity == Polarity::Positive {
        reasons.push("positive tone".to_string());
        Urgency::Low
    } else {
        Urgency::Normal
    };
    (level, reasons)
}

/// The text as lower-case words joined by single spaces, padded with a space
/// on both sides, so phrases match on word boundaries with `contains`.
fn normalised_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')).filter(|w| !w.is_empty()) {
        out.push_str(&word.to_lowercase().replace('’', "'"));
        out.push(' ');
    }
    out
}

/// Two or more "!" in a row, or most longer words in capitals.
fn shouting(text: &str) -> bool {
    if text.contains("!!") {
        return true;
    }
    let long: Vec<&str> = text.split(|c: char| !c.is_alphabetic()).filter(|w| w.chars().count() >= 3).collect();
    let caps = long.iter().filter(|w| !w.chars().any(char::is_lowercase)).count();
    caps >= 3 && caps * 2 > long.len()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_plain_question_is_normal_and_carries_its_entities() {
        let t = triage(
            "Hi,\n\nwhere is my order?\n\nThanks,\nAva Moore",
            Some("Order #W2173715"),
            None,
            None,
            &["en", "de"],
        );
        assert_eq!(t.urgency, Urgency::Normal, "{:?}", t.urgency_reasons);
        assert_eq!(t.entities.order_numbers, vec!["#W2173715"]);
        assert_eq!(t.entities.names, vec!["Ava Moore"]);
        assert_eq!(t.language.as_deref(), Some("en"));
        assert!(t.category.is_none() && t.intent.is_none());
    }

    #[test]
    fn threats_and_double_charges_are_urgent_with_reasons() {
        let t = triage(
            "You charged me twice for order #W4817420 and nobody answered. I will file a chargeback today!!",
            None,
            None,
            None,
            &[],
        );
        assert_eq!(t.urgency, Urgency::Urgent, "{:?}", t.urgency_reasons);
        assert!(t.urgency_reasons.iter().any(|r| r.contains("chargeback")));
        assert!(t.urgency_reasons.iter().any(|r| r.contains("charged me twice")));
    }

    #[test]
    fn repeated_contact_with_a_negative_tone_is_high() {
        let t = triage("Still waiting for my refund, this is really disappointing.", None, None, None, &["en"]);
        assert_eq!(t.urgency, Urgency::High, "{:?}", t.urgency_reasons);
        let de = triage(
            "Mein Paket ist immer noch nicht angekommen, bitte dringend melden.",
            None,
            None,
            None,
            &["en", "de"],
        );
        assert_eq!(de.language.as_deref(), Some("de"));
        assert!(de.urgency >= Urgency::High, "{:?}", de.urgency_reasons);
    }

    #[test]
    fn thanks_and_no_rush_are_low() {
        assert_eq!(
            triage("Thank you so much, everything works perfectly!", None, None, None, &[]).urgency,
            Urgency::Low
        );
        let t = triage("No rush, could you send me the invoice for last month", None, None, None, &[]);
        assert_eq!(t.urgency, Urgency::Low, "{:?}", t.urgency_reasons);
    }

    #[test]
    fn words_match_whole_words_only() {
        // "today" inside "todays" and "sue" inside "issue" must not count.
        let (u, reasons) = urgency("I have an issue with todays menu", &sentiment::analyse("neutral"));
        assert!(reasons.iter().all(|r| !r.contains("sue") && !r.contains("today")), "{reasons:?}");
        assert!(u <= Urgency::Normal);
    }
}

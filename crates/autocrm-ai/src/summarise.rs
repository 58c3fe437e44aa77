//! Extractive summaries of long threads.
//!
//! Every message is first cleaned the way an agent skims it: quoted history
//! (`> …` lines, everything from `On … wrote:` / `Am … schrieb …:` or an
//! `-----Original Message-----` header on), signatures (`-- `, `Sent from my
//! …`) and sign-offs with the name under them, and greeting lines are
//! dropped. The rest is split into sentences, each scored by the cosine of
//! its TF-IDF vector with the thread's centroid (the sentence that says most
//! of what the thread is about wins). The summary is then three kinds of
//! bullets: the customer's ask (the key sentence of their first message),
//! what was done (the key sentences of up to [`MAX_DONE`] agent/bot replies
//! and internal notes — the summary is agent-facing), and what is open.
//!
//! Invariant: the output is a pure function of the request (no clock, no
//! randomness, ties go to the earlier sentence); nothing is invented, every
//! bullet quotes the thread or is a fixed localised phrase.

use std::collections::{BTreeMap, HashMap};

use crate::retrieve::{Analyzer, Lang};
use crate::text::{sentences, words};
use crate::{AiError, Provenance, Summary, SummaryRequest};

/// At most this many "what was done" bullets.
pub const MAX_DONE: usize = 3;
/// Quoted sentences are cut to this many characters.
const MAX_SENTENCE_CHARS: usize = 220;

/// Summarises a thread (see the module documentation).
pub fn summarise(request: &SummaryRequest) -> Result<Summary, AiError> {
    if request.thread.iter().all(|t| t.text.trim().is_empty()) {
        return Err(AiError::Invalid("the thread is empty".into()));
    }
    let lang = Lang::of(request.locale.as_deref());
    let phrases = Phrases::for_lang(lang);
    let analyzer = Analyzer::default();
    let turns: Vec<Vec<String>> = request.thread.iter().map(|t| sentences(&clean_message(&t.text))).collect();
    let scores = centroid_scores(&analyzer, lang, &turns);
    let key = |i: usize| -> Option<&str> {
        let s = &scores[i];
        // Highest score, the earliest sentence on ties.
        (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b]).then(b.cmp(&a))).map(|j| turns[i][j].as_str())
    };

    let mut bullets = Vec::new();
    let first_customer = request.thread.iter().position(|t| t.role == "customer");
    if let Some(ask) = first_customer.and_then(key) {
        bullets.push(format!("{}: {}", phrases.ask, clip(ask)));
    }

    // What was done: replies and notes with something left after cleaning;
    // when there are more than MAX_DONE, the best-scoring ones, in thread order.
    let mut done: Vec<(usize, f32)> = request
        .thread
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.role.as_str(), "agent" | "bot" | "note"))
        .filter_map(|(i, _)| key(i).map(|_| (i, scores[i].iter().copied().fold(0.0, f32::max))))
        .collect();
    let replies = request.thread.iter().filter(|t| matches!(t.role.as_str(), "agent" | "bot")).count();
    let notes = request.thread.iter().filter(|t| t.role == "note").count();
    done.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    done.truncate(MAX_DONE);
    done.sort_by_key(|d| d.0);
    for (i, _) in done {
        let turn = &request.thread[i];
        let label = if turn.role == "note" { phrases.note } else { phrases.reply };
        let label = match &turn.author {
            Some(a) if !a.trim().is_empty() => format!("{label} ({})", a.trim()),
            _ => label.to_string(),
        };
        bullets.push(format!("{label}: {}", clip(key(i).unwrap_or_default())));
    }

    // What is open: judged on the conversation with the customer (notes aside).
    let last_reply = request.thread.iter().rposition(|t| matches!(t.role.as_str(), "agent" | "bot"));
    let last_customer = request.thread.iter().rposition(|t| t.role == "customer");
    let open = match (last_reply, last_customer) {
        (None, Some(_)) => Some(phrases.no_reply.to_string()),
        (Some(r), Some(c)) if c > r => Some(key(c).map_or_else(|| phrases.no_reply.to_string(), clip)),
        (Some(_), _) => Some(phrases.waiting.to_string()),
        (None, None) => None,
    };
    let mut text_parts: Vec<String> = bullets.iter().take(1).cloned().collect();
    text_parts.push(phrases.counts(replies, notes));
    if let Some(open) = open {
        let bullet = format!("{}: {open}", phrases.open);
        text_parts.push(bullet.clone());
        bullets.push(bullet);
    }
    Ok(Summary { text: text_parts.join(" "), bullets, provenance: Provenance::builtin(crate::suggest::MODEL) })
}

/// Fixed phrases of the summary, per language.
struct Phrases {
    ask: &'static str,
    reply: &'static str,
    note: &'static str,
    open: &'static str,
    no_reply: &'static str,
    waiting: &'static str,
    lang: Lang,
}

impl Phrases {
    fn for_lang(lang: Lang) -> Self {
        match lang {
            Lang::En => Self {
                ask: "Ask",
                reply: "Reply",
                note: "Note",
                open: "Open",
                no_reply: "no reply yet",
                waiting: "waiting for the customer",
                lang,
            },
            Lang::De => Self {
                ask: "Anliegen",
                reply: "Antwort",
                note: "Notiz",
                open: "Offen",
                no_reply: "noch keine Antwort",
                waiting: "wartet auf den Kunden",
                lang,
            },
        }
    }

    fn counts(&self, replies: usize, notes: usize) -> String {
        match self.lang {
            Lang::En => format!(
                "{replies} {}, {notes} internal {}.",
                if replies == 1 { "reply" } else { "replies" },
                if notes == 1 { "note" } else { "notes" }
            ),
            Lang::De => format!(
                "{replies} {}, {notes} interne {}.",
                if replies == 1 { "Antwort" } else { "Antworten" },
                if notes == 1 { "Notiz" } else { "Notizen" }
            ),
        }
    }
}

/// Per turn, per sentence: cosine with the thread's TF-IDF centroid.
fn centroid_scores(analyzer: &Analyzer, lang: Lang, turns: &[Vec<String>]) -> Vec<Vec<f32>> {
    let bags: Vec<Vec<BTreeMap<String, f32>>> = turns
        .iter()
        .map(|sents| {
            sents
                .iter()
                .map(|s| {
                    let mut bag = BTreeMap::new();
                    for t in analyzer.terms(s, lang) {
                        *bag.entry(t).or_insert(0.0) += 1.0;
                    }
                    bag
                })
                .collect()
        })
        .collect();
    let n = bags.iter().map(Vec::len).sum::<usize>().max(1) as f32;
    let mut df: HashMap<&str, f32> = HashMap::new();
    for bag in bags.iter().flatten() {
        for term in bag.keys() {
            *df.entry(term).or_default() += 1.0;
        }
    }
    let weigh = |bag: &BTreeMap<String, f32>| -> BTreeMap<String, f32> {
        let mut v: BTreeMap<String, f32> = bag
            .iter()
            .map(|(t, tf)| (t.clone(), tf * ((n / df.get(t.as_str()).copied().unwrap_or(1.0)).ln() + 1.0)))
            .collect();
        let norm = v.values().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            for x in v.values_mut() {
                *x /= norm;
            }
        }
        v
    };
    let vectors: Vec<Vec<BTreeMap<String, f32>>> = bags.iter().map(|b| b.iter().map(weigh).collect()).collect();
    let mut centroid: BTreeMap<&str, f32> = BTreeMap::new();
    for v in vectors.iter().flatten() {
        for (t, x) in v {
            *centroid.entry(t).or_default() += x;
        }
    }
    let c_norm = centroid.values().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
    vectors
        .iter()
        .zip(turns)
        .map(|(sents, texts)| {
            sents
                .iter()
                .zip(texts)
                .map(|(v, text)| {
                    let cos = v.iter().map(|(t, x)| x * centroid.get(t.as_str()).copied().unwrap_or(0.0)).sum::<f32>()
                        / c_norm;
                    // A question usually states the ask; a bare phrase rarely does.
                    cos + if text.contains('?') { 0.1 } else { 0.0 }
                })
                .collect()
        })
        .collect()
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_SENTENCE_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_SENTENCE_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head).trim_end_matches([',', ';', ':']);
    format!("{cut}…")
}

const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "dear",
    "good morning",
    "good afternoon",
    "good evening",
    "greetings",
    "hallo",
    "guten tag",
    "guten morgen",
    "guten abend",
    "sehr geehrte",
    "sehr geehrter",
    "liebe",
    "lieber",
    "moin",
    "servus",
    "grüß gott",
];

const SIGN_OFFS: &[&str] = &[
    "best regards",
    "kind regards",
    "warm regards",
    "regards",
    "best wishes",
    "best,",
    "best",
    "cheers",
    "thanks,",
    "thank you,",
    "many thanks",
    "thanks again",
    "sincerely",
    "yours sincerely",
    "yours truly",
    "all the best",
    "mit freundlichen grüßen",
    "mit freundlichem gruß",
    "freundliche grüße",
    "viele grüße",
    "beste grüße",
    "liebe grüße",
    "herzliche grüße",
    "schöne grüße",
    "grüße",
    "gruß",
    "lg",
    "mfg",
    "vg",
];

/// Whether `line` (lower-cased) starts with `phrase` as whole words.
fn starts_with_phrase(line: &str, phrase: &str) -> bool {
    line.strip_prefix(phrase).is_some_and(|rest| rest.is_empty() || !rest.starts_with(char::is_alphanumeric))
}

/// Whether a line opens quoted history (`On … wrote:`, `Am … schrieb …:`, mail headers).
fn opens_quote(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    (l.starts_with("on ") && l.ends_with("wrote:"))
        || (l.starts_with("am ") && l.contains("schrieb") && l.ends_with(':'))
        || (l.starts_with("-----") && (l.contains("original") || l.contains("ursprüngliche")))
        || l.starts_with("________________")
        || l.starts_with("from: ")
        || l.starts_with("von: ")
}

/// Whether a line starts the signature (or is a sign-off whose name follows).
pub(crate) fn opens_signature(line: &str) -> bool {
    let t = line.trim_end();
    if t == "--" || t == "-- " || t == "—" {
        return true;
    }
    let l = t.trim().to_lowercase();
    l.starts_with("sent from my")
        || l.starts_with("gesendet von meinem")
        || (l.chars().count() <= 40 && SIGN_OFFS.iter().any(|p| starts_with_phrase(&l, p)) && words(&l).count() <= 4)
}

/// A greeting line on its own (`Hi Anna,`, `Hallo!`).
pub(crate) fn is_greeting_line(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    GREETINGS.iter().any(|g| starts_with_phrase(&l, g)) && words(&l).count() <= 5 && !l.contains(['.', '?'])
}

/// A message as an agent skims it: no quoted history, signature, sign-off or
/// greeting line; a greeting that opens a sentence (`Hi Anna, my order …`) is
/// cut off too.
pub(crate) fn clean_message(text: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if opens_quote(trimmed) && !kept.is_empty() || opens_signature(line) && !kept.is_empty() {
            break;
        }
        if trimmed.starts_with('>') || is_greeting_line(trimmed) || opens_quote(trimmed) {
            continue;
        }
        kept.push(line);
    }
    let joined = kept.join("\n");
    let head = joined.trim_start();
    let lower = head.to_lowercase();
    if GREETINGS.iter().any(|g| starts_with_phrase(&lower, g))
        && let Some(comma) = head.find(',').filter(|&c| head[..c].chars().count() <= 40 && !head[..c].contains('.'))
    {
        return head[comma + 1..].trim().to_string();
    }
    head.trim_end().to_string()
}

/// A turn, for the tests of this crate.
#[cfg(test)]
pub(crate) fn turn(role: &str, author: Option<&str>, text: &str) -> crate::Turn {
    crate::Turn { role: role.into(), author: author.map(Into::into), text: text.into() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::Turn;

    fn thread() -> Vec<Turn> {
        vec![
            turn(
                "customer",
                Some("Mason Lopez"),
                "Hi there,\n\nI ordered a pair of headphones two weeks ago and the parcel still hasn't arrived. \
                 Where is my order #W1234? The tracking page shows nothing.\n\nBest regards,\nMason\n\
                 Sent from my iPhone",
            ),
            turn("note", Some("Anna"), "Carrier says the parcel is stuck at the depot in Leipzig."),
            turn(
                "agent",
                Some("Anna"),
                "Hello Mason,\n\nsorry for the wait. I contacted the carrier and your parcel will be delivered \
                 tomorrow.\n\nKind regards,\nAnna\n\nOn Mon, 3 Mar 2025 at 10:00, Mason <m@example.com> wrote:\n\
                 > I ordered a pair of headphones two weeks ago\n> SECRETQUOTE",
            ),
            turn(
                "customer",
                None,
                "Thanks. Can I get a refund of the shipping cost for the delay?\n\n> sorry for the wait\n\
                 --\nMason Lopez | ACME Corp | +1 555 0100",
            ),
        ]
    }

    #[test]
    fn summary_names_the_ask_what_was_done_and_what_is_open() {
        let s = summarise(&SummaryRequest { thread: thread(), locale: None }).unwrap();
        assert_eq!(s.bullets.len(), 4, "{:#?}", s.bullets);
        assert!(s.bullets[0].starts_with("Ask: ") && s.bullets[0].contains("order #W1234"), "{}", s.bullets[0]);
        assert!(s.bullets[1].starts_with("Note (Anna): Carrier says"), "{}", s.bullets[1]);
        assert!(s.bullets[2].starts_with("Reply (Anna): ") && s.bullets[2].contains("delivered tomorrow"));
        assert!(s.bullets[3].starts_with("Open: ") && s.bullets[3].contains("refund of the shipping cost"));
        assert!(s.text.contains("1 reply, 1 internal note."), "{}", s.text);
        assert_eq!(s.provenance.engine, "builtin");
    }

    #[test]
    fn quoted_text_signatures_and_greetings_are_skipped() {
        let s = summarise(&SummaryRequest { thread: thread(), locale: None }).unwrap();
        let all = format!("{} {}", s.text, s.bullets.join(" "));
        for skipped in ["SECRETQUOTE", "iPhone", "ACME", "Best regards", "Kind regards", "Hi there", "Hello Mason"] {
            assert!(!all.contains(skipped), "{skipped} leaked into {all}");
        }
        assert_eq!(clean_message("Hi Anna, my order is late.\n> old\n-- \nBob"), "my order is late.");
        assert_eq!(
            clean_message("Bitte um Rückruf.\n\nAm 3. März 2025 um 10:00 schrieb Anna <a@x.de>:\n> alt"),
            "Bitte um Rückruf."
        );
    }

    #[test]
    fn german_labels_and_open_states() {
        let only_customer = vec![turn(
            "customer",
            None,
            "Hallo,\nwo ist meine Bestellung? Sie sollte gestern kommen.\nViele Grüße\nJan",
        )];
        let s = summarise(&SummaryRequest { thread: only_customer, locale: Some("de".into()) }).unwrap();
        assert_eq!(s.bullets, vec!["Anliegen: wo ist meine Bestellung?", "Offen: noch keine Antwort"]);
        let mut answered = thread();
        answered.pop();
        let s = summarise(&SummaryRequest { thread: answered, locale: None }).unwrap();
        assert_eq!(s.bullets.last().unwrap(), "Open: waiting for the customer");
    }

    #[test]
    fn summaries_are_deterministic_and_empty_threads_are_refused() {
        let r = SummaryRequest { thread: thread(), locale: None };
        assert_eq!(summarise(&r).unwrap(), summarise(&r).unwrap());
        assert!(summarise(&SummaryRequest::default()).is_err());
    }
}

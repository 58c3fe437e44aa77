//! The rule-based half of [`super`]: a VADER-class valence scorer.
//!
//! The base word list is VADER's (Hutto & Gilbert 2014, MIT, shipped by the
//! `vader_sentiment` crate, of which only the data is used); on top of it sit
//! support-desk words and phrases ("never arrived", "charged twice",
//! "works perfectly") and a few German ones, because the demo shop writes in
//! English and German. The scoring rules are VADER's ideas re-implemented:
//! boosters and dampeners in a three-word window, negation flipping (scope
//! ends at clause punctuation), "but" shifting weight to the clause after it,
//! ALL-CAPS and "!" emphasis, and the `x / sqrt(x² + 15)` normalisation.
//!
//! Invariant: scoring is a pure function of the text; `compound` is in -1..=1.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Support-desk and German valences, on VADER's -4..=4 scale; they override
/// VADER's entries. Multi-word entries are matched as phrases (longest first).
const SUPPORT_TERMS: &[(&str, f32)] = &[
    // Delivery and product trouble.
    ("never arrived", -2.6),
    ("never received", -2.6),
    ("not arrived", -2.2),
    ("hasn't arrived", -2.2),
    ("has not arrived", -2.2),
    ("didn't arrive", -2.2),
    ("did not arrive", -2.2),
    ("still waiting", -2.0),
    ("still not", -1.4),
    ("no response", -2.0),
    ("no reply", -2.0),
    ("no answer", -1.8),
    ("not working", -2.2),
    ("doesn't work", -2.2),
    ("does not work", -2.2),
    ("stopped working", -2.4),
    ("not as described", -2.2),
    ("wrong item", -2.0),
    ("wrong size", -1.4),
    ("missing item", -1.8),
    ("charged twice", -2.6),
    ("double charged", -2.6),
    ("charged me twice", -2.6),
    ("waste of money", -3.0),
    ("waste of time", -2.6),
    ("money back", -1.4),
    ("fell apart", -2.4),
    ("piece of junk", -3.0),
    ("worst purchase", -3.2),
    ("thanks so much", 2.6),
    ("thank you so much", 2.8),
    ("thanks a lot", 2.2),
    ("works perfectly", 3.0),
    ("works great", 2.8),
    ("works fine", 1.8),
    ("works well", 2.2),
    ("highly recommend", 3.0),
    ("quick response", 2.2),
    ("fast shipping", 2.0),
    ("fast delivery", 2.0),
    ("problem solved", 2.2),
    ("broken", -2.4),
    ("damaged", -2.2),
    ("defective", -2.6),
    ("faulty", -2.2),
    ("late", -1.2),
    ("delayed", -1.4),
    ("refund", -0.8),
    ("cancel", -0.6),
    ("scam", -3.2),
    ("fraud", -3.2),
    ("unacceptable", -3.0),
    ("ridiculous", -2.4),
    ("useless", -2.6),
    ("disappointed", -2.4),
    ("disappointing", -2.4),
    ("frustrated", -2.2),
    ("frustrating", -2.2),
    ("overcharged", -2.4),
    ("chargeback", -2.4),
    ("lawyer", -1.6),
    ("unresponsive", -2.2),
    ("flimsy", -2.0),
    ("junk", -2.6),
    ("crap", -2.6),
    ("crappy", -2.8),
    ("garbage", -2.8),
    ("returned", -0.8),
    ("return", -0.4),
    ("helpful", 2.2),
    ("perfectly", 2.4),
    ("recommend", 1.8),
    ("recommended", 1.8),
    ("love", 3.2),
    ("loved", 3.0),
    ("awesome", 3.2),
    ("excellent", 3.2),
    ("fantastic", 3.2),
    // German: the demo shop's second locale.
    ("vielen dank", 2.4),
    ("danke", 1.8),
    ("super", 2.4),
    ("toll", 2.4),
    ("perfekt", 3.0),
    ("zufrieden", 2.2),
    ("begeistert", 3.0),
    ("hilfreich", 2.2),
    ("schnell", 1.2),
    ("gut", 1.9),
    ("schlecht", -2.4),
    ("kaputt", -2.4),
    ("beschädigt", -2.2),
    ("defekt", -2.6),
    ("nie angekommen", -2.6),
    ("nicht angekommen", -2.2),
    ("immer noch", -1.2),
    ("enttäuscht", -2.4),
    ("ärgerlich", -2.4),
    ("verärgert", -2.6),
    ("unverschämt", -3.0),
    ("betrug", -3.2),
    ("leider", -1.0),
    ("falsch", -1.6),
    ("verspätet", -1.4),
];

/// Words that negate the sentiment of what follows (until clause punctuation).
const NEGATORS: &[&str] = &[
    "not", "no", "never", "none", "nothing", "nobody", "nowhere", "neither", "nor", "cannot", "without", "hardly",
    "barely", "rarely", "seldom", "aint", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "werent", "wont",
    "wouldnt", "shouldnt", "couldnt", "havent", "hasnt", "hadnt", "nicht", "kein", "keine", "keinen", "keiner",
    "keinem", "nie", "niemals", "nichts",
];

/// Intensity modifiers: positive boost, negative dampen.
const BOOSTERS: &[(&str, f32)] = &[
    ("absolutely", 0.293),
    ("completely", 0.293),
    ("extremely", 0.293),
    ("incredibly", 0.293),
    ("really", 0.293),
    ("so", 0.293),
    ("very", 0.293),
    ("totally", 0.293),
    ("truly", 0.293),
    ("highly", 0.293),
    ("utterly", 0.293),
    ("super", 0.293),
    ("most", 0.293),
    ("seriously", 0.293),
    ("especially", 0.293),
    ("sehr", 0.293),
    ("wirklich", 0.293),
    ("echt", 0.293),
    ("total", 0.293),
    ("völlig", 0.293),
    ("absolut", 0.293),
    ("extrem", 0.293),
    ("somewhat", -0.293),
    ("slightly", -0.293),
    ("barely", -0.293),
    ("kinda", -0.293),
    ("partly", -0.293),
    ("little", -0.293),
    ("fairly", -0.293),
    ("rather", -0.293),
    ("etwas", -0.293),
    ("ziemlich", -0.293),
];

/// Words after which the sentiment of the sentence shifts to what follows.
const CONTRAST: &[&str] = &["but", "however", "aber", "jedoch", "allerdings"];

const CAPS_INCREMENT: f32 = 0.733;
const NEGATION_SCALAR: f32 = -0.74;
const BANG_INCREMENT: f32 = 0.292;
const NORMALISATION_ALPHA: f32 = 15.0;
const LONGEST_PHRASE: usize = 3;

/// What the lexicon found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LexiconScore {
    /// Normalised sum of valences, in -1..=1 (VADER's "compound").
    pub compound: f32,
    /// Sum of the positive valences after modifiers.
    pub positive: f32,
    /// Sum of the negative valences after modifiers, as a positive number.
    pub negative: f32,
    /// How many words or phrases carried a valence.
    pub hits: u32,
}

/// A token of a message; punctuation that matters to sentiment is kept.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// A word (or emoticon): the original text and its lower-case form.
    Word {
        raw: String,
        lower: String,
    },
    Bang,
    Question,
    /// Punctuation that ends a clause (and a negation's scope).
    Stop,
}

/// Splits a message into words, emoticons and clause punctuation.
pub(super) fn tokenise(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut punct = String::new();
    let flush_word = |word: &mut String, tokens: &mut Vec<Token>| {
        let trimmed = word.trim_matches(|c| c == '\'' || c == '-');
        if !trimmed.is_empty() {
            tokens.push(Token::Word { raw: trimmed.to_string(), lower: trimmed.to_lowercase() });
        }
        word.clear();
    };
    let flush_punct = |punct: &mut String, tokens: &mut Vec<Token>| {
        if punct.is_empty() {
            return;
        }
        // A run of symbols that VADER knows (":)", ":-(", "<3") is one token with a valence.
        if punct.chars().count() >= 2 && base().contains_key(punct.as_str()) {
            tokens.push(Token::Word { raw: punct.clone(), lower: punct.clone() });
        } else {
            for c in punct.chars() {
                match c {
                    '!' => tokens.push(Token::Bang),
                    '?' => tokens.push(Token::Question),
                    '.' | ',' | ';' | ':' | '(' | ')' | '\n' => tokens.push(Token::Stop),
                    _ => {}
                }
            }
        }
        punct.clear();
    };
    for c in text.chars() {
        let c = if c == '’' { '\'' } else { c };
        if c.is_alphanumeric() || ((c == '\'' || c == '-') && !word.is_empty()) {
            flush_punct(&mut punct, &mut tokens);
            word.push(c);
        } else {
            flush_word(&mut word, &mut tokens);
            if c.is_whitespace() {
                if c == '\n' {
                    punct.push('\n');
                }
                flush_punct(&mut punct, &mut tokens);
            } else {
                punct.push(c);
            }
        }
    }
    flush_word(&mut word, &mut tokens);
    flush_punct(&mut punct, &mut tokens);
    tokens
}

/// VADER's word list, lower-cased, built once.
fn base() -> &'static HashMap<String, f32> {
    static BASE: OnceLock<HashMap<String, f32>> = OnceLock::new();
    BASE.get_or_init(|| {
        #[allow(clippy::cast_possible_truncation)] // valences are within -4..=4
        let base = vader_sentiment::LEXICON.iter().map(|(k, v)| (AsRef::<str>::as_ref(k).to_lowercase(), *v as f32));
        base.collect()
    })
}

/// The valence of one word: support terms first, then VADER's.
fn valence(word: &str) -> Option<f32> {
    support().get(word).copied().or_else(|| base().get(word).copied())
}

fn support() -> &'static HashMap<String, f32> {
    static SUPPORT: OnceLock<HashMap<String, f32>> = OnceLock::new();
    SUPPORT.get_or_init(|| SUPPORT_TERMS.iter().map(|(k, v)| ((*k).to_string(), *v)).collect())
}

/// Whether a (lower-case) word negates what follows.
pub(super) fn is_negator(word: &str) -> bool {
    NEGATORS.contains(&word) || word.ends_with("n't")
}

fn booster(word: &str) -> Option<f32> {
    BOOSTERS.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
}

fn is_shouted(raw: &str) -> bool {
    raw.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !raw.chars().any(char::is_lowercase)
}

/// Scores a message with the lexicon and VADER's rules.
pub fn score(text: &str) -> LexiconScore {
    score_tokens(&tokenise(text))
}

pub(super) fn score_tokens(tokens: &[Token]) -> LexiconScore {
    // Emphasis by capitals only counts when the writer also uses lower case.
    let mixed_case = tokens.iter().any(|t| matches!(t, Token::Word { raw, .. } if raw.chars().any(char::is_lowercase)));
    let mut valences: Vec<(f32, bool)> = Vec::new(); // (valence, after a contrast word)
    let mut after_contrast = false;
    let mut seen_contrast = false;
    // The words of the current clause so far, for the look-back window.
    let mut clause: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let Token::Word { raw, lower } = &tokens[i] else {
            if matches!(tokens[i], Token::Stop) {
                clause.clear();
            }
            i += 1;
            continue;
        };
        if CONTRAST.contains(&lower.as_str()) {
            // Only the first contrast word splits the message, as in VADER.
            if !seen_contrast {
                seen_contrast = true;
                for v in &mut valences {
                    v.0 *= 0.5;
                }
                after_contrast = true;
            }
            clause.push(lower);
            i += 1;
            continue;
        }
        let (found, used) = phrase_at(tokens, i);
        let Some(mut v) = found.filter(|_| booster(lower).is_none() || used > 1) else {
            clause.push(lower);
            i += 1;
            continue;
        };
        if mixed_case && is_shouted(raw) {
            v += CAPS_INCREMENT.copysign(v);
        }
        let mut negated = false;
        for (distance, prev) in clause.iter().rev().take(3).enumerate() {
            if let Some(b) = booster(prev) {
                #[allow(clippy::cast_precision_loss)] // distance < 3
                let fade = 1.0 - 0.05 * distance as f32;
                v += (b * fade).copysign(v);
            }
            negated |= is_negator(prev);
        }
        // A negator right before a phrase that already contains one ("not never arrived") is not doubled.
        if negated {
            v *= NEGATION_SCALAR;
        }
        valences.push((v, after_contrast));
        for t in &tokens[i..i + used] {
            if let Token::Word { lower, .. } = t {
                clause.push(lower);
            }
        }
        i += used;
    }
    let mut sum = 0.0f32;
    let (mut positive, mut negative) = (0.0f32, 0.0f32);
    for (v, after) in &valences {
        let v = if *after { v * 1.5 } else { *v };
        sum += v;
        if v > 0.0 {
            positive += v;
        } else {
            negative -= v;
        }
    }
    #[allow(clippy::cast_precision_loss)] // at most 4
    let bangs = tokens.iter().filter(|t| matches!(t, Token::Bang)).count().min(4) as f32;
    if sum != 0.0 {
        sum += (bangs * BANG_INCREMENT).copysign(sum);
    }
    let compound = (sum / (sum * sum + NORMALISATION_ALPHA).sqrt()).clamp(-1.0, 1.0);
    LexiconScore { compound, positive, negative, hits: u32::try_from(valences.len()).unwrap_or(u32::MAX) }
}

/// The valence of the longest phrase starting at `i`, and how many tokens it spans.
fn phrase_at(tokens: &[Token], i: usize) -> (Option<f32>, usize) {
    for len in (2..=LONGEST_PHRASE).rev() {
        let Some(window) = tokens.get(i..i + len) else { continue };
        let words: Option<Vec<&str>> = window
            .iter()
            .map(|t| if let Token::Word { lower, .. } = t { Some(lower.as_str()) } else { None })
            .collect();
        if let Some(words) = words
            && let Some(v) = support().get(&words.join(" "))
        {
            return (Some(*v), len);
        }
    }
    match &tokens[i] {
        Token::Word { lower, .. } => (valence(lower), 1),
        _ => (None, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokeniser_keeps_contractions_emoticons_and_clause_marks() {
        let t = tokenise("Don't buy it :( It broke!!");
        assert_eq!(t[0], Token::Word { raw: "Don't".into(), lower: "don't".into() });
        assert!(t.contains(&Token::Word { raw: ":(".into(), lower: ":(".into() }));
        assert_eq!(t.iter().filter(|t| **t == Token::Bang).count(), 2);
    }

    #[test]
    fn negation_flips_and_boosters_strengthen() {
        assert!(score("good").compound > 0.0);
        assert!(score("not good").compound < 0.0);
        assert!(score("very good").compound > score("good").compound);
        assert!(score("GOOD service, ok").compound > score("good service, ok").compound);
        assert!(score("good!!!").compound > score("good").compound);
    }

    #[test]
    fn support_phrases_and_contrast_are_scored() {
        assert!(score("my parcel never arrived").compound < -0.3);
        assert!(score("I was charged twice").compound < -0.3);
        assert!(score("the price is bad but the quality is great").compound > 0.0);
        assert!(score("Die Lieferung ist leider kaputt angekommen").compound < 0.0);
        assert!(score("Vielen Dank, alles perfekt").compound > 0.3);
        assert_eq!(score("Where is my order #W1234567").hits, 0);
    }
}

//! Sentiment of customer messages: a VADER-class lexicon adapted to support
//! language ([`lexicon`]) combined with a small learned logistic regression.
//!
//! The learned part reads negation-marked word unigrams and bigrams plus the
//! lexicon's scores as features. It is trained on polar review sentences
//! (uci-sentiment) and, towards a probability of ½, on matter-of-fact
//! support requests (bitext-cs instructions, complaints excluded), so that
//! "where is my order?" reads neutral. Its weights ship inside the binary
//! (`sentiment/model.tsv`, loaded once on first use) and are regenerated,
//! reproducibly, by [`train_with`]:
//!
//! ```text
//! cargo run --release -p autocrm-ai --example train_sentiment -- ../shared/datasets \
//!     crates/autocrm-ai/src/sentiment/model.tsv
//! ```
//!
//! Invariants: [`analyse`] is deterministic and never fails; an unknown or
//! empty text scores near the neutral middle; `compound = 2·p − 1` where `p` is
//! `positive_probability`, so the binary reading (`p ≥ 0.5`) and the sign of
//! `compound` always agree.

pub mod lexicon;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use lexicon::LexiconScore;
use lexicon::Token;

/// The shipped weights (see the module header for how to regenerate them).
const EMBEDDED_MODEL: &str = include_str!("sentiment/model.tsv");

/// Below this |compound| a message reads as neutral: support messages are
/// mostly matter-of-fact requests.
pub const NEUTRAL_BAND: f32 = 0.3;

/// A message's overall tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Negative,
    Neutral,
    Positive,
}

/// The sentiment of one message.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SentimentScore {
    pub polarity: Polarity,
    /// -1 (very negative) ..= 1 (very positive).
    pub compound: f32,
    /// The model's probability that the message is positive (0..=1).
    pub positive_probability: f32,
}

impl SentimentScore {
    fn from_probability(p: f32) -> Self {
        let compound = (2.0 * p - 1.0).clamp(-1.0, 1.0);
        let polarity = if compound.abs() < NEUTRAL_BAND {
            Polarity::Neutral
        } else if compound > 0.0 {
            Polarity::Positive
        } else {
            Polarity::Negative
        };
        Self { polarity, compound, positive_probability: p }
    }
}

/// The sentiment of a message, by the shipped model.
pub fn analyse(text: &str) -> SentimentScore {
    shipped().analyse(text)
}

/// The shipped model, parsed once.
pub fn shipped() -> &'static SentimentModel {
    static MODEL: OnceLock<SentimentModel> = OnceLock::new();
    // The embedded file is checked by a unit test, so the fallback (lexicon
    // features only, with fixed weights) is never reached in a release.
    MODEL.get_or_init(|| SentimentModel::from_tsv(EMBEDDED_MODEL).unwrap_or_else(|_| SentimentModel::lexicon_only()))
}

/// Which features the learned part uses; the lexicon-free variant exists
/// for the ablation in `eval::sentiment::cross_validate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// Add the lexicon's scores as features.
    pub lexicon_features: bool,
    /// Keep n-grams seen in at least this many training texts.
    pub min_count: u32,
    /// Passes over the data.
    pub epochs: u32,
    /// L2 regularisation strength (per example).
    pub l2: f32,
    /// `AdaGrad`'s base learning rate.
    pub learning_rate: f32,
    /// The weight of each neutral example (target probability 0.5) relative
    /// to a polar one.
    pub neutral_weight: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self { lexicon_features: true, min_count: 1, epochs: 30, l2: 1e-3, learning_rate: 0.05, neutral_weight: 0.25 }
    }
}

/// A logistic regression over named features.
#[derive(Debug, Clone, PartialEq)]
pub struct SentimentModel {
    bias: f32,
    weights: HashMap<String, f32>,
}

/// Why a model file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("sentiment model line {line}: {reason}")]
pub struct ModelFormatError {
    pub line: usize,
    pub reason: String,
}

impl SentimentModel {
    /// A model with only the lexicon's compound as evidence, used if no
    /// weights are available.
    fn lexicon_only() -> Self {
        Self { bias: 0.0, weights: HashMap::from([("lex:compound".to_string(), 4.0)]) }
    }

    /// How many weights the model has (besides the bias).
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether the model has no weights.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The probability that a text is positive.
    pub fn probability(&self, text: &str) -> f32 {
        let logit =
            features(text).iter().fold(self.bias, |acc, (f, x)| acc + self.weights.get(f).map_or(0.0, |w| w * x));
        1.0 / (1.0 + (-logit).exp())
    }

    /// The sentiment of a text.
    pub fn analyse(&self, text: &str) -> SentimentScore {
        SentimentScore::from_probability(self.probability(text))
    }

    /// The model as a TSV file: comment lines, `bias`, then `feature<TAB>weight`
    /// sorted by feature, weights rounded to 4 decimals (and near-zero ones dropped).
    pub fn to_tsv(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "bias\t{:.4}", self.bias);
        let mut rows: Vec<(&String, &f32)> = self.weights.iter().filter(|(_, w)| w.abs() >= 5e-4).collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        for (f, w) in rows {
            let _ = writeln!(out, "{f}\t{w:.4}");
        }
        out
    }

    /// Reads a model written by [`SentimentModel::to_tsv`].
    pub fn from_tsv(tsv: &str) -> Result<Self, ModelFormatError> {
        let mut bias = None;
        let mut weights = HashMap::new();
        for (n, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let err = |reason: &str| ModelFormatError { line: n + 1, reason: reason.to_string() };
            let (name, value) = line.split_once('\t').ok_or_else(|| err("expected feature<TAB>weight"))?;
            let value: f32 = value.parse().map_err(|_| err("weight is not a number"))?;
            if name == "bias" {
                bias = Some(value);
            } else {
                weights.insert(name.to_string(), value);
            }
        }
        let bias = bias.ok_or(ModelFormatError { line: 0, reason: "no bias line".into() })?;
        Ok(Self { bias, weights })
    }
}

/// The learned model's features of a text: `w:` unigrams (prefixed `not_`
/// inside a negation's scope), `b:` bigrams within a clause, `p:` punctuation
/// and `lex:` the lexicon's scores. Each n-gram appears once, with value 1.
pub fn features(text: &str) -> Vec<(String, f32)> {
    features_with(text, true)
}

fn features_with(text: &str, lexicon_features: bool) -> Vec<(String, f32)> {
    // Greetings and sign-offs ("Thanks,\nMaria") are politeness, not sentiment.
    let tokens = lexicon::tokenise(&crate::extract::message_body(text));
    let mut out: Vec<(String, f32)> = Vec::with_capacity(tokens.len() * 2 + 4);
    let mut negated = false;
    let mut previous: Option<String> = None;
    let (mut bangs, mut questions) = (false, false);
    for t in &tokens {
        match t {
            Token::Word { lower, .. } => {
                // Digits carry no sentiment; one shape for all numbers keeps the vocabulary small.
                let word = if lower.chars().any(|c| c.is_ascii_digit()) { "<num>".to_string() } else { lower.clone() };
                if negated {
                    out.push((format!("w:not_{word}"), 1.0));
                } else {
                    out.push((format!("w:{word}"), 1.0));
                }
                if let Some(p) = &previous {
                    out.push((format!("b:{p} {word}"), 1.0));
                }
                negated |= lexicon::is_negator(&word);
                previous = Some(word);
            }
            Token::Bang => {
                bangs = true;
                negated = false;
                previous = None;
            }
            Token::Question => {
                questions = true;
                negated = false;
                previous = None;
            }
            Token::Stop => {
                negated = false;
                previous = None;
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    if bangs {
        out.push(("p:!".into(), 1.0));
    }
    if questions {
        out.push(("p:?".into(), 1.0));
    }
    if lexicon_features {
        let lex = lexicon::score_tokens(&tokens);
        out.push(("lex:compound".into(), lex.compound));
        // Saturating transforms keep long, very emotional texts from dominating.
        out.push(("lex:positive".into(), (lex.positive / 4.0).tanh()));
        out.push(("lex:negative".into(), (lex.negative / 4.0).tanh()));
        if lex.hits == 0 {
            out.push(("lex:none".into(), 1.0));
        }
    }
    out
}

/// A training example: sparse features, target probability, weight.
type Example = (Vec<(usize, f32)>, f32, f32);

/// Trains the learned part on `(text, is_positive)` rows with default options.
/// (no neutral rows).
pub fn train(rows: &[(&str, bool)]) -> SentimentModel {
    train_with(rows, &[], TrainOptions::default())
}

/// Trains a logistic regression by `AdaGrad` with L2, visiting rows in a
/// seeded order so the same rows always give the same weights.
///
/// `neutral` texts (matter-of-fact support requests) are trained towards a
/// probability of 0.5: polar review data alone teaches the model that words
/// such as "order" or "help" carry sentiment, which they do not in a ticket.
pub fn train_with(rows: &[(&str, bool)], neutral: &[&str], options: TrainOptions) -> SentimentModel {
    // Intern features, then drop rare n-grams (the lexicon features always stay).
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut counts: Vec<u32> = Vec::new();
    // (sparse features, target probability, example weight)
    let mut encoded: Vec<Example> = Vec::with_capacity(rows.len() + neutral.len());
    let targets = rows
        .iter()
        .map(|(text, positive)| (*text, if *positive { 1.0 } else { 0.0 }, 1.0))
        .chain(neutral.iter().map(|text| (*text, 0.5, options.neutral_weight)));
    for (text, target, weight) in targets {
        let mut x = Vec::new();
        for (f, v) in features_with(text, options.lexicon_features) {
            let next = index.len();
            let id = *index.entry(f).or_insert(next);
            if id == counts.len() {
                counts.push(0);
            }
            counts[id] += 1;
            x.push((id, v));
        }
        encoded.push((x, target, weight));
    }
    let empty = String::new();
    let names: Vec<&String> = {
        let mut names = vec![&empty; index.len()];
        for (name, &id) in &index {
            names[id] = name;
        }
        names
    };
    let keep: Vec<bool> =
        names.iter().zip(&counts).map(|(name, &c)| name.starts_with("lex:") || c >= options.min_count).collect();
    for (x, _, _) in &mut encoded {
        x.retain(|(id, _)| keep[*id]);
    }

    let mut w = vec![0.0f32; index.len()];
    let mut g2 = vec![1e-8f32; index.len()];
    let (mut bias, mut bias_g2) = (0.0f32, 1e-8f32);
    let mut order: Vec<usize> = (0..encoded.len()).collect();
    let mut state = 0x5EED_u64;
    for _ in 0..options.epochs {
        // Fisher–Yates with a fixed xorshift stream: reproducible across runs and platforms.
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            #[allow(clippy::cast_possible_truncation)] // the modulus fits in usize
            let j = (state % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &r in &order {
            let (x, y, weight) = &encoded[r];
            let logit = x.iter().fold(bias, |acc, (id, v)| acc + w[*id] * v);
            let g = weight * (1.0 / (1.0 + (-logit).exp()) - y);
            bias_g2 += g * g;
            bias -= options.learning_rate * g / bias_g2.sqrt();
            for &(id, v) in x {
                let grad = g * v + options.l2 * w[id];
                g2[id] += grad * grad;
                w[id] -= options.learning_rate * grad / g2[id].sqrt();
            }
        }
    }
    let weights = names
        .iter()
        .zip(&w)
        .zip(&keep)
        .filter(|((_, w), keep)| **keep && **w != 0.0)
        .map(|((name, w), _)| ((*name).clone(), *w))
        .collect();
    SentimentModel { bias, weights }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_embedded_model_loads_and_is_not_the_fallback() {
        let model = SentimentModel::from_tsv(EMBEDDED_MODEL).expect("embedded model parses");
        assert!(model.len() > 1000, "only {} weights", model.len());
    }

    #[test]
    fn clear_support_messages_get_the_right_polarity() {
        for text in [
            "I am not happy with this at all.",
            "My package never arrived and nobody answers my emails.",
            "The blender arrived broken, I want a refund.",
            "You charged me twice, this is unacceptable!",
        ] {
            let s = analyse(text);
            assert!(s.positive_probability < 0.5, "{text}: {s:?}");
            assert_eq!(s.polarity, Polarity::Negative, "{text}: {s:?}");
        }
        for text in [
            "Thanks, works great!",
            "Thank you so much for the quick help, everything works perfectly.",
            "The replacement arrived today and I love it.",
        ] {
            let s = analyse(text);
            assert!(s.positive_probability >= 0.5, "{text}: {s:?}");
        }
    }

    #[test]
    fn compound_agrees_with_the_probability() {
        let s = analyse("The delivery was fast and the support was great");
        assert!((s.compound - (2.0 * s.positive_probability - 1.0)).abs() < 1e-6);
        assert_eq!(s.polarity, Polarity::Positive);
    }

    #[test]
    fn negation_marks_unigrams_until_the_clause_ends() {
        let f: Vec<String> = features("not good. great").into_iter().map(|(f, _)| f).collect();
        assert!(f.contains(&"w:not_good".to_string()));
        assert!(f.contains(&"w:great".to_string()));
        assert!(f.contains(&"b:not good".to_string()));
    }

    #[test]
    fn training_is_reproducible_and_learns_the_rows() {
        let rows: Vec<(&str, bool)> = [
            ("lovely quick delivery", true),
            ("lovely product", true),
            ("quick and lovely", true),
            ("awful slow delivery", false),
            ("awful product", false),
            ("slow and awful", false),
        ]
        .into_iter()
        .collect();
        let options = TrainOptions { min_count: 1, ..TrainOptions::default() };
        let a = train_with(&rows, &["where is my parcel"], options);
        let b = train_with(&rows, &["where is my parcel"], options);
        assert_eq!(a, b);
        assert!(a.probability("lovely") > 0.5);
        assert!(a.probability("awful") < 0.5);
        let round_trip = SentimentModel::from_tsv(&a.to_tsv("test")).unwrap();
        assert!((round_trip.probability("lovely") - a.probability("lovely")).abs() < 1e-3);
    }
}

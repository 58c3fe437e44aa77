//! Lexical retrieval (BM25 over analysed text) of documents for a query.
//!
//! An [`Index`] is built once from the documents the caller may show (the
//! server has already filtered them to what the principal may see, and the
//! database's full-text search may have pre-selected them). Each document is
//! analysed in its own language — English, or German when its locale is `de`:
//! lower-cased, split into words, stop words dropped, Snowball-stemmed — and
//! its title counts [`TITLE_BOOST`] times, so a document whose title names the
//! question wins over one that mentions it in passing.
//!
//! Invariants:
//! - [`Index::search`] is deterministic: the same documents and query give the
//!   same list, equal scores are ordered by document index.
//! - Scores are normalised into `0..=1` against what the query could score
//!   (see [`Index::search`]), so callers can use fixed thresholds.
//! - Optional embeddings ([`Index::with_embeddings`]) add a second ranking
//!   fused by reciprocal rank; without them nothing changes.

use std::collections::{BTreeSet, HashMap};

use rust_stemmers::{Algorithm, Stemmer};

use crate::text::words;
use crate::{AiError, Document};

/// How many times a title's words count against the body's.
pub const TITLE_BOOST: f32 = 2.0;
/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 length normalisation.
const B: f32 = 0.75;
/// Reciprocal-rank-fusion damping (the usual 60 of Cormack et al.).
const RRF_K: f32 = 60.0;
/// How many of each ranking take part in a fusion.
const FUSION_DEPTH: usize = 100;

/// The languages the analyser stems; anything else is analysed as English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Lang {
    En,
    De,
}

impl Lang {
    /// The analyser language for a BCP 47 tag (`de`, `de-AT` → German).
    pub(crate) fn of(locale: Option<&str>) -> Self {
        match locale.map(|l| l.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase()) {
            Some(l) if l == "de" => Self::De,
            _ => Self::En,
        }
    }
}

/// Tokeniser + stop words + stemmer for the supported languages.
///
/// Kept here (private to the crate) until the shared `text` module offers the
/// same; it is deliberately small: words are runs of alphanumeric characters.
pub(crate) struct Analyzer {
    en: Stemmer,
    de: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self { en: Stemmer::create(Algorithm::English), de: Stemmer::create(Algorithm::German) }
    }
}

impl Analyzer {
    /// The analysed terms of `text`, in order, repeated as they occur.
    pub(crate) fn terms(&self, text: &str, lang: Lang) -> Vec<String> {
        let (stemmer, stop) = match lang {
            Lang::En => (&self.en, EN_STOP),
            Lang::De => (&self.de, DE_STOP),
        };
        words(text)
            .filter(|w| !stop.contains(&w.as_str()))
            .filter(|w| w.chars().count() > 1 || w.chars().all(|c| c.is_ascii_digit()))
            // Order, invoice and tracking numbers identify a case, not a topic:
            // a shared id would rank an unrelated document first.
            .filter(|w| w.chars().filter(char::is_ascii_digit).count() < 4)
            .map(|w| stemmer.stem(&w).into_owned())
            .collect()
    }
}

/// Weight of a document in another language than the customer's.
pub const OTHER_LANGUAGE_FACTOR: f32 = 0.85;

/// The documents ranked for a query by BM25, a document in another
/// language than `lang` counting [`OTHER_LANGUAGE_FACTOR`] of its score;
/// ties keep the documents' order.
pub(crate) fn rank_in_language(documents: &[Document], query: &str, lang: Lang) -> Vec<(usize, f32)> {
    let index = Index::new(documents);
    let mut ranked: Vec<(usize, f32)> = index
        .search(query, documents.len())
        .into_iter()
        .map(|(d, s)| {
            let same = documents[d].locale.as_deref().is_none_or(|l| Lang::of(Some(l)) == lang);
            (d, if same { s } else { s * OTHER_LANGUAGE_FACTOR })
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

/// One document's postings entry: the document and its (title-boosted) term frequency.
#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    tf: f32,
}

/// A BM25 index over a slice of documents; results refer to them by position.
pub struct Index {
    analyzer: Analyzer,
    /// Per document: its analyser language.
    langs: Vec<Lang>,
    /// Per document: its (title-boosted) length in terms.
    lengths: Vec<f32>,
    avg_length: f32,
    postings: HashMap<String, Vec<Posting>>,
    /// One vector per document, when an embedding model supplied them.
    embeddings: Option<Vec<Vec<f32>>>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("documents", &self.langs.len())
            .field("terms", &self.postings.len())
            .field("embeddings", &self.embeddings.is_some())
            .finish_non_exhaustive()
    }
}

impl Index {
    /// Indexes the documents (title boosted, each in its own language).
    pub fn new(documents: &[Document]) -> Self {
        let analyzer = Analyzer::default();
        let mut langs = Vec::with_capacity(documents.len());
        let mut lengths = Vec::with_capacity(documents.len());
        let mut postings: HashMap<String, Vec<Posting>> = HashMap::new();
        for (i, doc) in documents.iter().enumerate() {
            let lang = Lang::of(doc.locale.as_deref());
            let mut tf: HashMap<String, f32> = HashMap::new();
            let mut length = 0.0;
            for term in analyzer.terms(&doc.title, lang) {
                *tf.entry(term).or_default() += TITLE_BOOST;
                length += TITLE_BOOST;
            }
            for term in analyzer.terms(&doc.body, lang) {
                *tf.entry(term).or_default() += 1.0;
                length += 1.0;
            }
            for (term, tf) in tf {
                postings.entry(term).or_default().push(Posting { doc: i as u32, tf });
            }
            langs.push(lang);
            lengths.push(length);
        }
        let avg_length =
            if lengths.is_empty() { 1.0 } else { (lengths.iter().sum::<f32>() / lengths.len() as f32).max(1.0) };
        Self { analyzer, langs, lengths, avg_length, postings, embeddings: None }
    }

    /// Adds one embedding vector per document (same order as the documents)
    /// for [`Index::search_hybrid`].
    pub fn with_embeddings(mut self, vectors: Vec<Vec<f32>>) -> Result<Self, AiError> {
        if vectors.len() != self.langs.len() {
            return Err(AiError::Invalid(format!(
                "{} embedding vectors for {} documents",
                vectors.len(),
                self.langs.len()
            )));
        }
        self.embeddings = Some(vectors);
        Ok(self)
    }

    /// How many documents are indexed.
    pub fn len(&self) -> usize {
        self.langs.len()
    }

    /// Whether no document is indexed.
    pub fn is_empty(&self) -> bool {
        self.langs.is_empty()
    }

    fn idf(&self, df: usize) -> f32 {
        let n = self.langs.len() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The best `k` documents for `query`, best first, as `(document index,
    /// score)`; only documents sharing a term with the query are returned.
    ///
    /// The query is analysed once per language present in the index and each
    /// document is scored with the terms of its own language. The score is
    /// BM25 divided by the sum of the query terms' IDF (what a document of
    /// average length containing every query term once would score), squashed
    /// with `tanh` into `0..1`. Query words the index does not know count in
    /// that sum at half the highest IDF (numbers, such as order ids, do not
    /// count): a question about something the documents never mention then
    /// scores low even if one common word matches.
    pub fn search(&self, query: &str, k: usize) -> Vec<(usize, f32)> {
        let scores = self.lexical_scores(query);
        top_k(scores, k)
    }

    /// Dense per-document normalised scores (0 where nothing matched).
    fn lexical_scores(&self, query: &str) -> Vec<f32> {
        let mut scores = vec![0.0f32; self.langs.len()];
        let unknown_idf = self.idf(0) * 0.5;
        let present: BTreeSet<Lang> = self.langs.iter().copied().collect();
        for lang in present {
            let terms: BTreeSet<String> = self.analyzer.terms(query, lang).into_iter().collect();
            let mut bound = 0.0;
            let mut raw = vec![0.0f32; self.langs.len()];
            for term in &terms {
                let Some(list) = self.postings.get(term) else {
                    if !term.chars().all(|c| c.is_ascii_digit()) {
                        bound += unknown_idf;
                    }
                    continue;
                };
                let idf = self.idf(list.len());
                bound += idf;
                for p in list {
                    let d = p.doc as usize;
                    if self.langs[d] != lang {
                        continue;
                    }
                    let norm = K1 * (1.0 - B + B * self.lengths[d] / self.avg_length);
                    raw[d] += idf * p.tf * (K1 + 1.0) / (p.tf + norm);
                }
            }
            if bound <= 0.0 {
                continue;
            }
            for (d, r) in raw.into_iter().enumerate() {
                if r > 0.0 {
                    scores[d] = (r / bound).tanh();
                }
            }
        }
        scores
    }

    /// Hybrid search: the lexical ranking and the cosine ranking of
    /// `query_vector` against the documents' embeddings, fused by reciprocal
    /// rank. The score is the fused value relative to a document ranked first
    /// by both (so `1.0` means "first in both"). Without embeddings, or with a
    /// query vector of the wrong dimension, this is [`Index::search`].
    pub fn search_hybrid(&self, query: &str, query_vector: &[f32], k: usize) -> Vec<(usize, f32)> {
        let Some(vectors) = &self.embeddings else { return self.search(query, k) };
        if vectors.iter().any(|v| v.len() != query_vector.len()) {
            return self.search(query, k);
        }
        let lexical = top_k(self.lexical_scores(query), FUSION_DEPTH);
        let cosines: Vec<f32> = vectors.iter().map(|v| cosine(v, query_vector).max(0.0)).collect();
        let dense = top_k(cosines, FUSION_DEPTH);
        let mut fused = vec![0.0f32; self.langs.len()];
        for ranking in [&lexical, &dense] {
            for (rank, &(d, _)) in ranking.iter().enumerate() {
                fused[d] += 1.0 / (RRF_K + rank as f32 + 1.0);
            }
        }
        let best = 2.0 / (RRF_K + 1.0);
        top_k(fused.into_iter().map(|f| f / best).collect(), k)
    }
}

/// The positive entries, best first, ties by index; at most `k`.
fn top_k(scores: Vec<f32>, k: usize) -> Vec<(usize, f32)> {
    let mut hits: Vec<(usize, f32)> = scores.into_iter().enumerate().filter(|&(_, s)| s > 0.0).collect();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    hits.truncate(k);
    hits
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}

/// English stop words (function words and support-chat filler).
const EN_STOP: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "hello",
    "her",
    "here",
    "hers",
    "herself",
    "hi",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "might",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "please",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "ll",
    "ve",
    "re",
    "don",
    "didn",
    "doesn",
    "won",
    "can't",
    "cannot",
    "want",
    "need",
    "like",
    "know",
    "tell",
    "help",
    "hey",
];

/// German stop words.
const DE_STOP: &[&str] = &[
    "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "ander", "andere", "anderem",
    "anderen", "anderer", "anderes", "auch", "auf", "aus", "bei", "bin", "bis", "bist", "bitte", "da", "damit", "dann",
    "das", "dass", "dein", "deine", "dem", "den", "denn", "der", "des", "dich", "die", "dies", "diese", "diesem",
    "diesen", "dieser", "dieses", "dir", "doch", "dort", "du", "durch", "ein", "eine", "einem", "einen", "einer",
    "eines", "er", "es", "etwas", "euch", "euer", "für", "hallo", "hat", "hatte", "habe", "haben", "hier", "hin",
    "hinter", "ich", "ihm", "ihn", "ihnen", "ihr", "ihre", "ihrem", "ihren", "ihrer", "im", "in", "ist", "ja", "jede",
    "jedem", "jeden", "jeder", "jetzt", "kann", "kein", "keine", "können", "könnte", "man", "mein", "meine", "meinem",
    "meinen", "meiner", "mich", "mir", "mit", "muss", "nach", "nicht", "nichts", "noch", "nun", "nur", "ob", "oder",
    "ohne", "sehr", "sein", "seine", "sich", "sie", "sind", "so", "soll", "sollte", "sondern", "um", "und", "uns",
    "unser", "unsere", "unter", "vom", "von", "vor", "war", "waren", "warum", "was", "weil", "wenn", "werde", "werden",
    "wie", "wieder", "will", "wir", "wird", "wo", "wurde", "zu", "zum", "zur", "über", "danke", "gerne", "möchte",
    "würde", "wo", "wann", "welche", "welcher", "welches",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn doc(kind: &str, id: &str, title: &str, body: &str, locale: Option<&str>) -> Document {
        Document {
            kind: kind.into(),
            id: id.into(),
            title: title.into(),
            body: body.into(),
            url: Some(format!("/help/{id}")),
            locale: locale.map(Into::into),
            label: None,
        }
    }

    fn kb() -> Vec<Document> {
        vec![
            doc("article", "1", "Shipping times", "Orders ship within two days. Delivery takes 3-5 days.", None),
            doc("article", "2", "Reset your password", "Click 'Forgot password' on the login page.", None),
            doc("article", "3", "Returns and refunds", "You can return items within 30 days for a refund.", None),
            doc("article", "4", "Payment methods", "We accept cards and PayPal. Refunds go to the card.", None),
        ]
    }

    #[test]
    fn ranking_puts_the_right_document_first() {
        let index = Index::new(&kb());
        let hits = index.search("How do I reset my password?", 3);
        assert_eq!(hits[0].0, 1);
        let hits = index.search("I'd like a refund for my returned item", 3);
        assert_eq!(hits[0].0, 2, "{hits:?}");
        assert!(hits.iter().all(|&(_, s)| (0.0..=1.0).contains(&s)));
        assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1));
    }

    #[test]
    fn stemming_matches_inflections_and_titles_weigh_more() {
        let index = Index::new(&kb());
        // "shipped" and "shipping" share the stem "ship".
        let hits = index.search("when will it be shipped", 2);
        assert_eq!(hits[0].0, 0);
    }

    #[test]
    fn german_documents_are_stemmed_in_german() {
        let docs = vec![
            doc("article", "1", "Rücksendungen", "So senden Sie Artikel zurück und erhalten Ihr Geld.", Some("de")),
            doc("article", "2", "Lieferzeiten", "Bestellungen werden innerhalb von zwei Tagen versendet.", Some("de")),
        ];
        let index = Index::new(&docs);
        // "Rücksendung" (singular) and "Rücksendungen" share a German stem, not an English one.
        let hits = index.search("Wie funktioniert eine Rücksendung?", 2);
        assert_eq!(hits.first().map(|h| h.0), Some(0), "{hits:?}");
        let hits = index.search("Wann wird meine Bestellung versendet", 2);
        assert_eq!(hits.first().map(|h| h.0), Some(1), "{hits:?}");
    }

    #[test]
    fn unrelated_queries_score_low_and_empty_queries_find_nothing() {
        let index = Index::new(&kb());
        assert!(index.search("the", 3).is_empty());
        let hits = index.search("how do I bake a chocolate cake for my order", 3);
        assert!(hits.iter().all(|&(_, s)| s < 0.4), "{hits:?}");
        let good = index.search("reset password", 1);
        assert!(good[0].1 > 0.6, "{good:?}");
    }

    #[test]
    fn ties_are_ordered_by_document_index_and_search_is_deterministic() {
        let docs = vec![
            doc("article", "a", "Gift cards", "Gift cards never expire.", None),
            doc("article", "b", "Gift cards", "Gift cards never expire.", None),
        ];
        let index = Index::new(&docs);
        let hits = index.search("gift card", 2);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(hits, Index::new(&docs).search("gift card", 2));
    }

    #[test]
    fn embeddings_fuse_with_the_lexical_ranking() {
        let index = Index::new(&kb());
        assert!(Index::new(&kb()).with_embeddings(vec![vec![1.0]]).is_err());
        let vectors = vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![0.7, 0.7], vec![0.9, 0.1]];
        let index = index.with_embeddings(vectors).unwrap();
        // No shared word: the lexical ranking is empty, the vector alone decides.
        let hits = index.search_hybrid("zzz", &[0.0, 1.0], 2);
        assert_eq!(hits[0].0, 1);
        // First in both rankings → 1.0.
        let hits = index.search_hybrid("reset password", &[0.0, 1.0], 1);
        assert_eq!(hits[0].0, 1);
        assert!((hits[0].1 - 1.0).abs() < 1e-6);
        // A wrong dimension falls back to the lexical search.
        assert_eq!(index.search_hybrid("reset password", &[1.0], 1), index.search("reset password", 1));
    }
}

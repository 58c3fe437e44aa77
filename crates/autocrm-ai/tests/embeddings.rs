//! The real all-MiniLM-L6-v2 against sentence-transformers' published figures.
//!
//! Needs the model files, which CI does not have:
//! `scripts/fetch-minilm DIR && AUTOCRM_MINILM_DIR=DIR cargo test -p autocrm-ai --features embeddings`.
//! Without `AUTOCRM_MINILM_DIR` each test prints a notice and passes.
#![cfg(feature = "embeddings")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use autocrm_ai::embed::Embedder;

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("AUTOCRM_MINILM_DIR").map(PathBuf::from);
    if dir.is_none() {
        eprintln!("skipped: set AUTOCRM_MINILM_DIR to an all-MiniLM-L6-v2 directory (scripts/fetch-minilm) to run");
    }
    dir
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn similarities_match_the_sentence_transformers_quickstart() {
    let Some(dir) = model_dir() else { return };
    let embedder = Embedder::load(&dir).unwrap();
    // sentence-transformers' README runs `SentenceTransformer("all-MiniLM-L6-v2")`
    // on these three sentences and prints the cosine similarities
    // 0.6660, 0.1046 and 0.1411 (four decimals, so within 5e-5 of the truth).
    let v = embedder
        .embed(&["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
        .unwrap();
    let published = [((0, 1), 0.6660), ((0, 2), 0.1046), ((1, 2), 0.1411)];
    for ((a, b), expected) in published {
        let got = cosine(&v[a], &v[b]);
        assert!((got - expected).abs() < 2e-4, "similarity of sentences {a} and {b}: {got}, published {expected}");
    }
}

#[test]
fn paraphrases_score_higher_than_unrelated_requests() {
    let Some(dir) = model_dir() else { return };
    let embedder = Embedder::load(&dir).unwrap();
    let pairs = [
        ("I still haven't received my new card", "My card has not arrived yet", "How do I change my PIN?"),
        ("I want my money back for this order", "Please refund my purchase", "What are your opening hours?"),
        ("I forgot my password and cannot log in", "Help me reset my login password", "Where is my parcel?"),
    ];
    for (text, paraphrase, unrelated) in pairs {
        let v = embedder.embed(&[text, paraphrase, unrelated]).unwrap();
        let (close, far) = (cosine(&v[0], &v[1]), cosine(&v[0], &v[2]));
        assert!(close > far + 0.2, "{text:?}: paraphrase {close}, unrelated {far}");
    }
}

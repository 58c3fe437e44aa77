//! Retrieval evaluation: does the top-k hold a document of the query's label?
//!
//! Cross-validated on a CSV of (customer text, label, reference reply) rows
//! (bitext-cs: `instruction`, `intent`, `response`): for each of `folds`
//! stratified folds, the other folds' rows become documents — solved tickets
//! whose title is the customer text, body the reply and label the intent —
//! and each held-out text is a query.
//!
//! - Retrieval: `hit_at_k` (a document of the query's label in the top k),
//!   `hit_at_1`, `mrr` (mean reciprocal rank of the first such document within
//!   the top k, 0 when none), `ms_per_query`.
//! - Reply suggestions: as the server does, the index pre-selects
//!   [`CANDIDATES`] documents and [`crate::suggest::suggest_reply`] composes a
//!   reply from them; `top_source_accuracy` is how often the suggestion's
//!   first citation carries the query's label (a suggestion without a source
//!   counts as wrong and is also counted in `no_source`).
//!
//! Deterministic: fixed fold seed, no sampling.

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use super::{EvalError, read_columns, stratified_folds};
use crate::retrieve::Index;
use crate::suggest::suggest_reply;
use crate::{Document, ReplyRequest, Turn};

/// How many documents the index pre-selects for a reply suggestion (the
/// server's full-text pre-selection plays this part in production).
pub const CANDIDATES: usize = 20;
/// The fold assignment's seed.
const SEED: u64 = 42;

/// Runs the evaluation (see the module documentation) and returns its figures.
pub fn run(
    data: &Path,
    text_col: &str,
    label_col: &str,
    reply_col: &str,
    k: usize,
    folds: usize,
) -> Result<Value, EvalError> {
    if k == 0 || folds < 2 {
        return Err(EvalError::Invalid(format!("need k ≥ 1 and at least 2 folds (k = {k}, folds = {folds})")));
    }
    let rows = read_columns(data, &[text_col, label_col, reply_col])?;
    if rows.len() < folds {
        return Err(EvalError::Invalid(format!("{} rows cannot make {folds} folds", rows.len())));
    }
    let labels: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    let fold_of = stratified_folds(&labels, folds, SEED);

    let (mut hits, mut hits_1, mut reciprocal, mut query_secs) = (0usize, 0usize, 0.0f64, 0.0f64);
    let (mut suggest_right, mut no_source, mut suggest_secs) = (0usize, 0usize, 0.0f64);
    for fold in 0..folds {
        let train: Vec<usize> = (0..rows.len()).filter(|&i| fold_of[i] != fold).collect();
        let documents: Vec<Document> = train
            .iter()
            .map(|&i| Document {
                kind: "ticket".into(),
                id: i.to_string(),
                title: rows[i][0].clone(),
                body: rows[i][2].clone(),
                url: None,
                locale: None,
                label: Some(rows[i][1].clone()),
            })
            .collect();
        let index = Index::new(&documents);
        for i in (0..rows.len()).filter(|&i| fold_of[i] == fold) {
            let (query, gold) = (&rows[i][0], labels[i]);
            let started = Instant::now();
            let found = index.search(query, k.max(CANDIDATES));
            query_secs += started.elapsed().as_secs_f64();
            let first_right = found.iter().take(k).position(|&(d, _)| labels[train[d]] == gold);
            if let Some(rank) = first_right {
                hits += 1;
                reciprocal += 1.0 / (rank as f64 + 1.0);
                hits_1 += usize::from(rank == 0);
            }

            let request = ReplyRequest {
                thread: vec![Turn { role: "customer".into(), author: None, text: query.clone() }],
                documents: found.iter().take(CANDIDATES).map(|&(d, _)| documents[d].clone()).collect(),
                ..ReplyRequest::default()
            };
            let started = Instant::now();
            let suggestion = suggest_reply(&request).map_err(|e| EvalError::Invalid(e.to_string()))?;
            suggest_secs += started.elapsed().as_secs_f64();
            match suggestion.citations.first().and_then(|c| c.id.parse::<usize>().ok()) {
                Some(row) => suggest_right += usize::from(labels[row] == gold),
                None => no_source += 1,
            }
        }
    }
    let n = rows.len() as f64;
    Ok(json!({
        "rows": rows.len(),
        "k": k,
        "folds": folds,
        "hit_at_k": hits as f64 / n,
        "hit_at_1": hits_1 as f64 / n,
        "mrr": reciprocal / n,
        "ms_per_query": query_secs * 1000.0 / n,
        "suggest": {
            "candidates": CANDIDATES,
            "top_source_accuracy": suggest_right as f64 / n,
            "no_source": no_source,
            "ms_per_suggestion": suggest_secs * 1000.0 / n,
        },
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn separable_data_scores_perfectly_and_bad_arguments_are_refused() {
        let dir = std::env::temp_dir().join(format!("autocrm-ai-eval-retrieval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rows.csv");
        let mut csv = String::from("text,label,reply\n");
        // Same-label rows share their words, so every figure must be exactly 1:
        // a wrong id → row mapping or fold leak shows as less.
        for i in 0..6 {
            let (t, r) =
                if i % 2 == 0 { ("where is my parcel", "refund my money") } else { ("track parcel", "money refund") };
            writeln!(csv, "{t},track,Your parcel ships today.\n{r},refund,We refunded your money.").unwrap();
        }
        std::fs::write(&path, csv).unwrap();
        let figures = run(&path, "text", "label", "reply", 1, 3).unwrap();
        assert_eq!(figures["rows"], 12);
        assert!((figures["hit_at_k"].as_f64().unwrap() - 1.0).abs() < 1e-9, "{figures}");
        assert!((figures["mrr"].as_f64().unwrap() - 1.0).abs() < 1e-9);
        assert!((figures["suggest"]["top_source_accuracy"].as_f64().unwrap() - 1.0).abs() < 1e-9, "{figures}");
        assert!(run(&path, "text", "label", "reply", 0, 3).is_err());
        assert!(matches!(run(&path, "nope", "label", "reply", 1, 3), Err(EvalError::MissingColumn { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

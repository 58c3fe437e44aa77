//! `autocrm eval sentiment`: the built-in sentiment on a labelled CSV.
//!
//! [`run`] scores the shipped model as it is. Because the shipped weights are
//! trained on uci-sentiment `dev.csv`, a figure from `run` on that file is a
//! training-set figure; the honest one is [`cross_validate`], which retrains
//! the learned part on the other folds for every fold and also reports the
//! lexicon alone and the learned part without lexicon features.
//!
//! Labels are binary: `1`/`positive`/`pos`/`true` or `0`/`negative`/`neg`/`false`;
//! a prediction is positive when `positive_probability ≥ 0.5` (the lexicon
//! alone: `compound ≥ 0.05`, VADER's usual threshold).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use super::{EvalError, read_columns, score, stratified_folds};
use crate::sentiment::{self, TrainOptions, lexicon};

/// Rows of a sentiment CSV: text, gold label, and source if the file has that column.
struct Row {
    text: String,
    positive: bool,
    source: Option<String>,
}

fn read_rows(path: &Path, text_col: &str, label_col: &str) -> Result<Vec<Row>, EvalError> {
    let (raw, has_source) = match read_columns(path, &[text_col, label_col, "source"]) {
        Ok(raw) => (raw, true),
        Err(EvalError::MissingColumn { column, .. }) if column == "source" => {
            (read_columns(path, &[text_col, label_col])?, false)
        }
        Err(e) => return Err(e),
    };
    raw.into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            let positive = parse_label(&r[1]).ok_or_else(|| {
                EvalError::Invalid(format!("{}: row {}: label {:?} is not binary", path.display(), i + 1, r[1]))
            })?;
            let source = if has_source { r.pop() } else { None };
            Ok(Row { text: std::mem::take(&mut r[0]), positive, source })
        })
        .collect()
}

fn parse_label(label: &str) -> Option<bool> {
    match label.trim().to_ascii_lowercase().as_str() {
        "1" | "positive" | "pos" | "true" => Some(true),
        "0" | "negative" | "neg" | "false" => Some(false),
        _ => None,
    }
}

const fn label(positive: bool) -> &'static str {
    if positive { "1" } else { "0" }
}

/// Accuracy and macro-F1 of `(gold, predicted)` booleans, overall and per source.
fn figures(rows: &[Row], predicted: &[bool]) -> Value {
    let pairs = rows.iter().zip(predicted).map(|(r, p)| (label(r.positive), label(*p)));
    let all = score(pairs);
    let mut by_source: BTreeMap<&str, Vec<(&'static str, &'static str)>> = BTreeMap::new();
    for (r, p) in rows.iter().zip(predicted) {
        if let Some(s) = &r.source {
            by_source.entry(s).or_default().push((label(r.positive), label(*p)));
        }
    }
    let per_source: serde_json::Map<String, Value> = by_source
        .into_iter()
        .map(|(s, pairs)| {
            let n = pairs.len();
            let sc = score(pairs);
            (s.to_string(), json!({ "rows": n, "accuracy": round(sc.accuracy), "macro_f1": round(sc.macro_f1) }))
        })
        .collect();
    let mut out = json!({ "accuracy": round(all.accuracy), "macro_f1": round(all.macro_f1) });
    if !per_source.is_empty() {
        out["per_source"] = Value::Object(per_source);
    }
    out
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Scores the shipped model (and the lexicon alone) on a labelled CSV.
pub fn run(test: &Path, text_col: &str, label_col: &str) -> Result<Value, EvalError> {
    let rows = read_rows(test, text_col, label_col)?;
    if rows.is_empty() {
        return Err(EvalError::Invalid(format!("{} has no rows", test.display())));
    }
    // Parse the embedded model before timing, so the figure is per message.
    let model = sentiment::shipped();
    let started = Instant::now();
    let predicted: Vec<bool> = rows.iter().map(|r| model.analyse(&r.text).positive_probability >= 0.5).collect();
    let elapsed = started.elapsed();
    let lexicon_only: Vec<bool> = rows.iter().map(|r| lexicon::score(&r.text).compound >= 0.05).collect();
    let mut out = figures(&rows, &predicted);
    out["model"] = json!("builtin-sentiment-v1 (lexicon + logistic regression trained on uci-sentiment dev.csv)");
    out["rows"] = json!(rows.len());
    #[allow(clippy::cast_precision_loss)] // row counts are far below 2^52
    let ms = elapsed.as_secs_f64() * 1000.0 / rows.len() as f64;
    out["ms_per_message"] = json!((ms * 10_000.0).round() / 10_000.0);
    out["lexicon_only"] = figures(&rows, &lexicon_only);
    Ok(out)
}

/// k-fold cross-validation: for each fold the learned part is trained on the
/// other folds and tested on this one. Reports the combined model, the
/// learned part without lexicon features, and the lexicon alone.
pub fn cross_validate(data: &Path, text_col: &str, label_col: &str, folds: usize) -> Result<Value, EvalError> {
    cross_validate_with(data, text_col, label_col, folds, &[], TrainOptions::default())
}

/// [`cross_validate`] with explicit training options and neutral texts added
/// to every fold's training rows (never to its test rows).
pub fn cross_validate_with(
    data: &Path,
    text_col: &str,
    label_col: &str,
    folds: usize,
    neutral: &[&str],
    options: TrainOptions,
) -> Result<Value, EvalError> {
    if folds < 2 {
        return Err(EvalError::Invalid("cross-validation needs at least 2 folds".into()));
    }
    let rows = read_rows(data, text_col, label_col)?;
    if rows.len() < folds {
        return Err(EvalError::Invalid(format!("{} rows cannot fill {folds} folds", rows.len())));
    }
    // Stratify by source and label together when there is a source column.
    let strata: Vec<String> =
        rows.iter().map(|r| format!("{}|{}", r.source.as_deref().unwrap_or(""), label(r.positive))).collect();
    let strata_refs: Vec<&str> = strata.iter().map(String::as_str).collect();
    let fold_of = stratified_folds(&strata_refs, folds, 42);
    let mut combined = vec![false; rows.len()];
    let mut ngrams_only = vec![false; rows.len()];
    let mut per_fold = Vec::with_capacity(folds);
    let no_lexicon = TrainOptions { lexicon_features: false, ..options };
    for k in 0..folds {
        let train: Vec<(&str, bool)> =
            rows.iter().zip(&fold_of).filter(|(_, f)| **f != k).map(|(r, _)| (r.text.as_str(), r.positive)).collect();
        let with_lexicon = sentiment::train_with(&train, neutral, options);
        let without = sentiment::train_with(&train, neutral, no_lexicon);
        let (mut right, mut n) = (0u32, 0u32);
        for (i, r) in rows.iter().enumerate().filter(|(i, _)| fold_of[*i] == k) {
            combined[i] = with_lexicon.probability(&r.text) >= 0.5;
            ngrams_only[i] = without.probability(&r.text) >= 0.5;
            n += 1;
            right += u32::from(combined[i] == r.positive);
        }
        per_fold.push(round(f64::from(right) / f64::from(n.max(1))));
    }
    let lexicon_only: Vec<bool> = rows.iter().map(|r| lexicon::score(&r.text).compound >= 0.05).collect();
    Ok(json!({
        "rows": rows.len(),
        "folds": folds,
        "combined": figures(&rows, &combined),
        "combined_accuracy_per_fold": per_fold,
        "learned_without_lexicon": figures(&rows, &ngrams_only),
        "lexicon_only": figures(&rows, &lexicon_only),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::fmt::Write as _;

    use super::*;

    fn write_csv(name: &str, body: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("autocrm-ai-sentiment-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        path
    }

    #[test]
    fn run_reports_accuracy_and_per_source_figures() {
        let path = write_csv(
            "run.csv",
            "text,label,source\nI love it,1,a\nterrible and broken,0,a\ngreat value,1,b\nworst purchase ever,0,b\n",
        );
        let out = run(&path, "text", "label").unwrap();
        assert_eq!(out["rows"], 4);
        assert_eq!(out["accuracy"], 1.0);
        assert_eq!(out["per_source"]["b"]["rows"], 2);
        assert!(out["ms_per_message"].as_f64().unwrap() >= 0.0);
    }

    #[test]
    fn labels_that_are_not_binary_are_refused() {
        let path = write_csv("bad.csv", "text,label\nhello,maybe\n");
        assert!(matches!(run(&path, "text", "label"), Err(EvalError::Invalid(_))));
    }

    #[test]
    fn cross_validation_retrains_per_fold() {
        let mut body = String::from("text,label\n");
        for i in 0..10 {
            let _ = write!(body, "lovely quick item {i},1\nawful slow item {i},0\n");
        }
        let path = write_csv("cv.csv", &body);
        let out = cross_validate_with(
            &path,
            "text",
            "label",
            2,
            &[],
            TrainOptions { min_count: 1, ..TrainOptions::default() },
        )
        .unwrap();
        assert_eq!(out["rows"], 20);
        assert_eq!(out["combined_accuracy_per_fold"].as_array().unwrap().len(), 2);
        assert!(out["combined"]["accuracy"].as_f64().unwrap() > 0.9);
    }
}

//! `autocrm eval classify`: train on one CSV, test on another (or k-fold CV).
//!
//! The model is trained only on the training rows (the out-of-scope threshold
//! too, by its own internal folds), so test figures are honest. Out-of-scope
//! figures follow Larson et al. 2019: in-scope accuracy counts an in-scope row
//! right only when its exact label is predicted (rejecting it is wrong).
//!
//! Latency: `predict_ms_per_message` times [`Classifier::predict`] alone;
//! `triage_ms_per_message` times the whole [`crate::triage::triage`] of each
//! test row (language, sentiment, entities, urgency, and the trained model as
//! the intent classifier), on the calling thread: the per-message cost of
//! built-in classification plus sentiment on one core.

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use super::{EvalError, read_columns, score, stratified_folds};
use crate::classify::{Classifier, TrainOptions};

/// Figures of one train/test run.
struct Outcome {
    /// `(gold, predicted)` per test row.
    pairs: Vec<(String, String)>,
    train_rows: usize,
    train_seconds: f64,
    predict_seconds: f64,
    /// Full triage (language, sentiment, entities, urgency and this model as
    /// the intent classifier) over the same test rows.
    triage_seconds: f64,
    threshold: Option<f32>,
    vocabulary: usize,
    model_bytes: usize,
}

fn options(oos_label: Option<&str>) -> TrainOptions {
    TrainOptions { oos_label: oos_label.map(str::to_string), ..TrainOptions::default() }
}

fn train_and_test(
    train: &[(&str, &str)],
    test: &[(&str, &str)],
    oos_label: Option<&str>,
) -> Result<Outcome, EvalError> {
    let started = Instant::now();
    let model = Classifier::train(train, &options(oos_label)).map_err(|e| EvalError::Invalid(e.to_string()))?;
    let train_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let predicted: Vec<String> = test.iter().map(|(text, _)| model.predict(text).label).collect();
    let predict_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for (text, _) in test {
        std::hint::black_box(crate::triage::triage(text, None, None, Some(&model), &["en"]));
    }
    let triage_seconds = started.elapsed().as_secs_f64();
    Ok(Outcome {
        pairs: test.iter().zip(predicted).map(|((_, gold), p)| ((*gold).to_string(), p)).collect(),
        train_rows: train.len(),
        train_seconds,
        predict_seconds,
        triage_seconds,
        threshold: model.oos_threshold(),
        vocabulary: model.vocabulary_size(),
        model_bytes: model.to_bytes().len(),
    })
}

/// Accuracy, macro-F1 and, with an out-of-scope label, the out-of-scope figures.
fn figures(pairs: &[(String, String)], oos_label: Option<&str>) -> Value {
    let s = score(pairs.iter().map(|(g, p)| (g.as_str(), p.as_str())));
    let mut out = json!({ "accuracy": s.accuracy, "macro_f1": s.macro_f1, "test_rows": pairs.len() });
    if let Some(oos) = oos_label {
        let ratio = |a: usize, b: usize| if b == 0 { Value::Null } else { json!(a as f64 / b as f64) };
        let in_scope = pairs.iter().filter(|(g, _)| g != oos).count();
        let in_right = pairs.iter().filter(|(g, p)| g != oos && g == p).count();
        let gold_oos = pairs.len() - in_scope;
        let predicted_oos = pairs.iter().filter(|(_, p)| p == oos).count();
        let oos_right = pairs.iter().filter(|(g, p)| g == oos && p == oos).count();
        out["in_scope_accuracy"] = ratio(in_right, in_scope);
        out["oos_recall"] = ratio(oos_right, gold_oos);
        out["oos_precision"] = ratio(oos_right, predicted_oos);
        out["oos_rows"] = json!(gold_oos);
    }
    out
}

fn load(rows: &[Vec<String>]) -> Vec<(&str, &str)> {
    rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect()
}

fn describe(o: &Outcome, oos_label: Option<&str>) -> Value {
    let mut v = figures(&o.pairs, oos_label);
    v["train_rows"] = json!(o.train_rows);
    v["train_seconds"] = json!(o.train_seconds);
    v["predict_ms_per_message"] = json!(o.predict_seconds * 1000.0 / o.pairs.len().max(1) as f64);
    v["triage_ms_per_message"] = json!(o.triage_seconds * 1000.0 / o.pairs.len().max(1) as f64);
    v["vocabulary"] = json!(o.vocabulary);
    v["model_bytes"] = json!(o.model_bytes);
    if let Some(t) = o.threshold {
        v["threshold"] = json!(t);
    }
    v
}

/// Trains on `train` and scores the predictions on `test` (both CSV with a
/// header row): `accuracy`, `macro_f1`, timings and, with `oos_label`,
/// `in_scope_accuracy`, `oos_recall`, `oos_precision` and `threshold`.
pub fn run(
    train: &Path,
    test: &Path,
    text_col: &str,
    label_col: &str,
    oos_label: Option<&str>,
) -> Result<Value, EvalError> {
    let train_rows = read_columns(train, &[text_col, label_col])?;
    let test_rows = read_columns(test, &[text_col, label_col])?;
    let outcome = train_and_test(&load(&train_rows), &load(&test_rows), oos_label)?;
    let mut v = describe(&outcome, oos_label);
    v["evaluation"] = json!("train_test");
    v["model"] = json!(crate::classify::MODEL_NAME);
    Ok(v)
}

/// Stratified k-fold cross-validation inside one CSV: trains on `folds - 1`
/// folds, tests on the last, for each fold. Figures are pooled over all test
/// predictions; timings and the threshold are averaged; `per_fold` lists each fold.
pub fn cross_validate(
    data: &Path,
    text_col: &str,
    label_col: &str,
    oos_label: Option<&str>,
    folds: usize,
) -> Result<Value, EvalError> {
    if folds < 2 {
        return Err(EvalError::Invalid("cross-validation needs at least 2 folds".into()));
    }
    let rows = read_columns(data, &[text_col, label_col])?;
    let all = load(&rows);
    let labels: Vec<&str> = all.iter().map(|(_, l)| *l).collect();
    let assignment = stratified_folds(&labels, folds, 2024);
    let mut per_fold = Vec::with_capacity(folds);
    let mut pooled = Vec::with_capacity(all.len());
    let (mut train_seconds, mut predict_seconds, mut triage_seconds, mut thresholds) = (0.0, 0.0, 0.0, Vec::new());
    for fold in 0..folds {
        let train: Vec<_> = all.iter().zip(&assignment).filter(|&(_, f)| *f != fold).map(|(r, _)| *r).collect();
        let test: Vec<_> = all.iter().zip(&assignment).filter(|&(_, f)| *f == fold).map(|(r, _)| *r).collect();
        let outcome = train_and_test(&train, &test, oos_label)?;
        let mut v = describe(&outcome, oos_label);
        v["fold"] = json!(fold);
        per_fold.push(v);
        train_seconds += outcome.train_seconds;
        predict_seconds += outcome.predict_seconds;
        triage_seconds += outcome.triage_seconds;
        thresholds.extend(outcome.threshold);
        pooled.extend(outcome.pairs);
    }
    let mut v = figures(&pooled, oos_label);
    v["evaluation"] = json!(format!("{folds}-fold stratified cross-validation"));
    v["model"] = json!(crate::classify::MODEL_NAME);
    v["folds"] = json!(folds);
    v["rows"] = json!(all.len());
    v["train_rows"] = json!(all.len() - all.len() / folds);
    v["train_seconds"] = json!(train_seconds / folds as f64);
    v["predict_ms_per_message"] = json!(predict_seconds * 1000.0 / all.len().max(1) as f64);
    v["triage_ms_per_message"] = json!(triage_seconds * 1000.0 / all.len().max(1) as f64);
    if !thresholds.is_empty() {
        v["threshold"] = json!(thresholds.iter().sum::<f32>() / thresholds.len() as f32);
    }
    v["per_fold"] = Value::Array(per_fold);
    Ok(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn out_of_scope_figures_follow_the_definitions() {
        let p = |g: &str, q: &str| (g.to_string(), q.to_string());
        let pairs = [p("a", "a"), p("a", "oos"), p("b", "b"), p("oos", "oos"), p("oos", "a")];
        let v = figures(&pairs, Some("oos"));
        assert_eq!(v["in_scope_accuracy"], json!(2.0 / 3.0));
        assert_eq!(v["oos_recall"], json!(0.5));
        assert_eq!(v["oos_precision"], json!(0.5));
        assert_eq!(v["accuracy"], json!(0.6));
    }

    #[test]
    fn cross_validation_runs_on_a_small_csv() {
        let dir = std::env::temp_dir().join(format!("autocrm-eval-classify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.csv");
        let mut csv = String::from("text,label\n");
        for i in 0..10 {
            use std::fmt::Write as _;
            writeln!(csv, "where is my parcel {i},track\nrefund my order {i} please,refund").unwrap();
        }
        std::fs::write(&path, csv).unwrap();
        let v = cross_validate(&path, "text", "label", None, 2).unwrap();
        assert_eq!(v["rows"], json!(20));
        assert_eq!(v["per_fold"].as_array().unwrap().len(), 2);
        assert!(v["accuracy"].as_f64().unwrap() > 0.9, "{v}");
        assert!(matches!(cross_validate(&path, "body", "label", None, 2), Err(EvalError::MissingColumn { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

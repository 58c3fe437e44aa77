//! Evaluations of the built-in engine on CSV data (`autocrm eval …`).
//!
//! Each evaluation reads plain CSV files with named columns, so the same
//! command runs on `../shared/datasets` and on any data of the same shape,
//! and returns one JSON object of figures.

pub mod classify;
pub mod retrieval;
pub mod sentiment;
pub mod tau2;

use std::collections::BTreeMap;
use std::path::Path;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: csv::Error },
    #[error("{path} has no column {column:?} (columns: {columns})")]
    MissingColumn { path: String, column: String, columns: String },
    #[error("{0}")]
    Invalid(String),
}

/// Reads the named columns of a CSV file with a header row, in file order.
pub fn read_columns(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>, EvalError> {
    let shown = path.display().to_string();
    let read_err = |source| EvalError::Read { path: shown.clone(), source };
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_path(path).map_err(read_err)?;
    let headers = reader.headers().map_err(read_err)?.clone();
    let mut index = Vec::with_capacity(columns.len());
    for column in columns {
        let i = headers.iter().position(|h| h == *column).ok_or_else(|| EvalError::MissingColumn {
            path: shown.clone(),
            column: (*column).to_string(),
            columns: headers.iter().collect::<Vec<_>>().join(", "),
        })?;
        index.push(i);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(read_err)?;
        rows.push(index.iter().map(|&i| record.get(i).unwrap_or_default().to_string()).collect());
    }
    Ok(rows)
}

/// Accuracy and macro-F1 of predictions against gold labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub accuracy: f64,
    /// The mean over gold labels of each label's F1.
    pub macro_f1: f64,
}

/// Scores predictions (`(gold, predicted)` pairs); macro-F1 averages over the gold labels.
pub fn score<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Scores {
    #[derive(Default)]
    struct Counts {
        tp: u32,
        fp: u32,
        fn_: u32,
    }
    let mut per: BTreeMap<&str, Counts> = BTreeMap::new();
    let (mut n, mut right) = (0u32, 0u32);
    let mut gold_labels = std::collections::BTreeSet::new();
    for (gold, predicted) in pairs {
        n += 1;
        gold_labels.insert(gold);
        if gold == predicted {
            right += 1;
            per.entry(gold).or_default().tp += 1;
        } else {
            per.entry(gold).or_default().fn_ += 1;
            per.entry(predicted).or_default().fp += 1;
        }
    }
    let f1 = |c: &Counts| {
        let denom = 2 * c.tp + c.fp + c.fn_;
        if denom == 0 { 0.0 } else { f64::from(2 * c.tp) / f64::from(denom) }
    };
    let macro_f1 = if gold_labels.is_empty() {
        0.0
    } else {
        gold_labels.iter().map(|l| per.get(l).map_or(0.0, f1)).sum::<f64>() / gold_labels.len() as f64
    };
    Scores { accuracy: if n == 0 { 0.0 } else { f64::from(right) / f64::from(n) }, macro_f1 }
}

/// Deterministic stratified k-fold assignment: `fold[i]` in `0..k` for row `i`,
/// each label's rows spread round-robin over the folds in a seeded shuffle.
pub fn stratified_folds(labels: &[&str], k: usize, seed: u64) -> Vec<usize> {
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        by_label.entry(l).or_default().push(i);
    }
    let mut folds = vec![0; labels.len()];
    let mut offset = 0;
    for rows in by_label.values_mut() {
        // A seeded shuffle (splitmix64 keys) so folds do not follow file order.
        rows.sort_by_key(|&i| splitmix(seed ^ i as u64));
        for (j, &i) in rows.iter().enumerate() {
            folds[i] = (j + offset) % k;
        }
        offset += rows.len();
    }
    folds
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_averages_over_gold_labels() {
        let s = score([("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]);
        assert!((s.accuracy - 0.75).abs() < 1e-9);
        // a: tp1 fn1 → 2/3; b: tp2 fp1 → 4/5.
        assert!((s.macro_f1 - f64::midpoint(2.0 / 3.0, 0.8)).abs() < 1e-9);
    }

    #[test]
    fn folds_are_stratified_and_cover_every_fold() {
        let labels: Vec<&str> = (0..20).map(|i| if i % 2 == 0 { "x" } else { "y" }).collect();
        let folds = stratified_folds(&labels, 5, 7);
        for f in 0..5 {
            let xs = (0..20).filter(|&i| folds[i] == f && labels[i] == "x").count();
            assert_eq!(xs, 2, "fold {f}");
        }
    }
}

//! `autocrm eval …`: measures the built-in AI engine on CSV data.
//!
//! Evaluations read only the files they are given: no configuration, no
//! database. Each prints one JSON object on stdout; errors go to stderr with a
//! non-zero exit code, so scripts can pipe the figures straight into a file.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Trains the built-in classifier and scores it: on a test CSV
    /// (`--train` + `--test`) or by stratified k-fold cross-validation (`--data`).
    Classify(ClassifyArgs),
    /// Scores the built-in sentiment: the shipped model as it is on a test CSV
    /// (`--test`), or k-fold cross-validation that retrains its learned part
    /// per fold (`--data`).
    Sentiment(SentimentArgs),
    /// Scores retrieval and reply suggestion by k-fold cross-validation: the
    /// training folds' rows are the knowledge base, each test row a question.
    Retrieve(RetrieveArgs),
    /// Runs the chatbot's order assistant on the tau2-retail train tasks with a
    /// simulated customer (needs an OpenAI-compatible endpoint; skips without one).
    Chatbot(crate::eval_chatbot::ChatbotArgs),
}

/// Where the labelled rows come from and which columns to read.
#[derive(Args)]
pub struct ClassifyArgs {
    /// Training CSV (with `--test`).
    #[arg(long, requires = "test", conflicts_with = "data")]
    train: Option<PathBuf>,
    /// Test CSV, never trained on (with `--train`).
    #[arg(long, requires = "train")]
    test: Option<PathBuf>,
    /// One CSV to cross-validate on.
    #[arg(long, required_unless_present = "train")]
    data: Option<PathBuf>,
    /// Cross-validation folds (with `--data`).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// The column holding the message text.
    #[arg(long)]
    text: String,
    /// The column holding the label.
    #[arg(long)]
    label: String,
    /// The label of out-of-scope rows: trains the out-of-scope class and threshold.
    #[arg(long)]
    oos_label: Option<String>,
    /// Classify with all-MiniLM-L6-v2 sentence embeddings read from this
    /// directory (`scripts/fetch-minilm DIR`), combined with the word model.
    /// Needs a build with `--features embeddings`.
    #[arg(long, value_name = "DIR", conflicts_with = "oos_label")]
    embeddings: Option<PathBuf>,
}

/// A binary-labelled sentiment CSV (`1`/`0`, `positive`/`negative`).
#[derive(Args)]
pub struct SentimentArgs {
    /// Scores the shipped model as it is on this CSV.
    #[arg(long, conflicts_with = "data", required_unless_present = "data")]
    test: Option<PathBuf>,
    /// One CSV to cross-validate on (the learned part is retrained per fold).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Cross-validation folds (with `--data`).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// The column holding the text.
    #[arg(long)]
    text: String,
    /// The column holding the binary label.
    #[arg(long)]
    label: String,
    /// Neutral customer requests added to every fold's training rows, as the
    /// shipped model was trained: a CSV with `instruction` and `intent`
    /// columns (bitext-cs), complaints left out. Default: `bitext-cs/dev.csv`
    /// beside the data set's folder, when it exists.
    #[arg(long)]
    neutral: Option<PathBuf>,
}

/// A CSV of questions with their label and the reply that answered them.
#[derive(Args)]
pub struct RetrieveArgs {
    /// The CSV to cross-validate on.
    #[arg(long)]
    data: PathBuf,
    /// The column holding the question.
    #[arg(long)]
    text: String,
    /// The column holding the question's label (a hit retrieves the same label).
    #[arg(long)]
    label: String,
    /// The column holding the reply.
    #[arg(long)]
    reply: String,
    /// Retrieved documents per question.
    #[arg(long, default_value_t = 5)]
    k: usize,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
}

/// Runs one evaluation and prints its figures as one JSON object.
pub fn run(command: EvalCommand) -> anyhow::Result<()> {
    let figures = match command {
        EvalCommand::Classify(a) if a.embeddings.is_some() => embedding_classify(a)?,
        EvalCommand::Classify(a) => {
            let oos = a.oos_label.as_deref();
            match (a.train, a.test, a.data) {
                (Some(train), Some(test), None) => {
                    autocrm_ai::eval::classify::run(&train, &test, &a.text, &a.label, oos)
                }
                (None, None, Some(data)) => {
                    autocrm_ai::eval::classify::cross_validate(&data, &a.text, &a.label, oos, a.folds)
                }
                _ => anyhow::bail!("give --train and --test, or --data"),
            }
            .context("eval classify")?
        }
        EvalCommand::Sentiment(a) => sentiment(a)?,
        EvalCommand::Retrieve(a) => {
            autocrm_ai::eval::retrieval::run(&a.data, &a.text, &a.label, &a.reply, a.k, a.folds)
                .context("eval retrieve")?
        }
        EvalCommand::Chatbot(a) => crate::eval_chatbot::run(a)?,
    };
    println!("{figures}");
    Ok(())
}

fn sentiment(a: SentimentArgs) -> anyhow::Result<serde_json::Value> {
    use autocrm_ai::eval::sentiment::{cross_validate_with, run};
    let (test, data) = (a.test, a.data);
    if let Some(test) = test {
        return run(&test, &a.text, &a.label).context("eval sentiment");
    }
    let data = data.context("give --test or --data")?;
    let neutral_path = a.neutral.or_else(|| default_neutral(&data));
    let requests = match &neutral_path {
        Some(path) => autocrm_ai::eval::read_columns(path, &["instruction", "intent"]).context("neutral rows")?,
        None => Vec::new(),
    };
    // The shipped model learns "neutral" from requests that are not complaints;
    // the cross-validated models must see the same rows to be the same recipe.
    let neutral: Vec<&str> = requests.iter().filter(|r| r[1] != "complaint").map(|r| r[0].as_str()).collect();
    let mut figures = cross_validate_with(
        &data,
        &a.text,
        &a.label,
        a.folds,
        &neutral,
        autocrm_ai::sentiment::TrainOptions::default(),
    )
    .context("eval sentiment")?;
    figures["neutral_rows"] = serde_json::json!(neutral.len());
    figures["neutral_source"] = serde_json::json!(neutral_path.map(|p| p.display().to_string()));
    Ok(figures)
}

/// `<datasets>/bitext-cs/dev.csv` for data at `<datasets>/<name>/<file>`, if it exists.
fn default_neutral(data: &Path) -> Option<PathBuf> {
    let candidate = data.parent()?.parent()?.join("bitext-cs").join("dev.csv");
    candidate.is_file().then_some(candidate)
}

#[cfg(not(feature = "embeddings"))]
fn embedding_classify(_: ClassifyArgs) -> anyhow::Result<serde_json::Value> {
    anyhow::bail!(
        "--embeddings: autocrm was built without the embeddings feature \
         (cargo build --release -p autocrm --features embeddings)"
    )
}

/// `eval classify --embeddings DIR`: the embedding classifier
/// ([`autocrm_ai::classify_embed`]) on a test CSV or by the same stratified
/// folds as the word model's evaluation (seed 2024), so the figures compare.
///
/// Every text is embedded once up front: an embedding depends on its text
/// alone, never on labels, so sharing it between folds leaks nothing.
#[cfg(feature = "embeddings")]
fn embedding_classify(a: ClassifyArgs) -> anyhow::Result<serde_json::Value> {
    use std::time::Instant;

    use autocrm_ai::classify_embed::{self, EmbedTrainOptions, EmbeddingClassifier};
    use autocrm_ai::eval::{read_columns, score, stratified_folds};
    use serde_json::json;

    let dir = a.embeddings.context("--embeddings DIR")?;
    let columns = [a.text.as_str(), a.label.as_str()];
    let (rows, test_from) = match (a.train, a.test, a.data) {
        (Some(train), Some(test), None) => {
            let mut rows = read_columns(&train, &columns)?;
            let n = rows.len();
            rows.extend(read_columns(&test, &columns)?);
            (rows, Some(n))
        }
        (None, None, Some(data)) => (read_columns(&data, &columns)?, None),
        _ => anyhow::bail!("give --train and --test, or --data"),
    };
    let started = Instant::now();
    let embedder = autocrm_ai::embed::Embedder::load(&dir)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let texts: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let started = Instant::now();
    let vectors = embedder.embed(&texts).context("embedding the texts")?;
    let embed_seconds = started.elapsed().as_secs_f64();
    eprintln!("embedded {} texts in {embed_seconds:.1} s", texts.len());

    let all: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    let (folds, assignment) = match test_from {
        Some(n) => (1, (0..all.len()).map(|i| usize::from(i < n)).collect::<Vec<_>>()),
        None => {
            anyhow::ensure!(a.folds >= 2, "cross-validation needs at least 2 folds");
            let labels: Vec<&str> = all.iter().map(|(_, l)| *l).collect();
            (a.folds, stratified_folds(&labels, a.folds, 2024))
        }
    };
    let opts = EmbedTrainOptions::default();
    let mut pooled = Vec::with_capacity(all.len());
    let mut pooled_embedding_only = Vec::with_capacity(all.len());
    let mut per_fold = Vec::with_capacity(folds);
    let (mut train_seconds, mut predict_seconds) = (0.0, 0.0);
    for fold in 0..folds {
        let train: Vec<usize> = (0..all.len()).filter(|&i| assignment[i] != fold).collect();
        let test: Vec<usize> = (0..all.len()).filter(|&i| assignment[i] == fold).collect();
        let examples: Vec<(&str, &str)> = train.iter().map(|&i| all[i]).collect();
        let embedded: Vec<Vec<f32>> = train.iter().map(|&i| vectors[i].clone()).collect();
        let started = Instant::now();
        let model = EmbeddingClassifier::train(&examples, &embedded, &opts)?;
        let trained = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let mut pairs = Vec::with_capacity(test.len());
        for &i in &test {
            pairs.push((all[i].1, model.predict(all[i].0, &vectors[i])?.label));
        }
        let predicted = started.elapsed().as_secs_f64();
        for &i in &test {
            let p = model.embedding_probabilities(&vectors[i])?;
            let best = (0..p.len()).fold(0, |b, c| if p[c] > p[b] { c } else { b });
            pooled_embedding_only.push((all[i].1, model.labels()[best].clone()));
        }
        let s = score(pairs.iter().map(|(g, p)| (*g, p.as_str())));
        eprintln!("fold {fold}: accuracy {:.4}, embedding weight {}", s.accuracy, model.embedding_weight());
        per_fold.push(json!({
            "fold": fold,
            "accuracy": s.accuracy,
            "macro_f1": s.macro_f1,
            "test_rows": test.len(),
            "train_seconds": trained,
            "embedding_weight": model.embedding_weight(),
        }));
        train_seconds += trained;
        predict_seconds += predicted;
        pooled.extend(pairs);
    }
    let s = score(pooled.iter().map(|(g, p)| (*g, p.as_str())));
    let alone = score(pooled_embedding_only.iter().map(|(g, p)| (*g, p.as_str())));
    Ok(json!({
        "evaluation": if test_from.is_some() { "train_test".to_string() } else { format!("{folds}-fold stratified cross-validation") },
        "model": classify_embed::MODEL_NAME,
        "embedding_model": autocrm_ai::embed::MODEL_NAME,
        "accuracy": s.accuracy,
        "macro_f1": s.macro_f1,
        "embedding_only_accuracy": alone.accuracy,
        "embedding_only_macro_f1": alone.macro_f1,
        "rows": all.len(),
        "test_rows": pooled.len(),
        "folds": folds,
        "model_load_seconds": load_seconds,
        "embed_seconds": embed_seconds,
        "embed_ms_per_message": embed_seconds * 1000.0 / all.len().max(1) as f64,
        "train_seconds": train_seconds / folds as f64,
        "predict_ms_per_message": predict_seconds * 1000.0 / pooled.len().max(1) as f64,
        "per_fold": per_fold,
    }))
}

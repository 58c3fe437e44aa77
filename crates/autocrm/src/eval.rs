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

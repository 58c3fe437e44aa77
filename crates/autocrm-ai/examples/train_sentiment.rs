//! Regenerates the shipped sentiment weights (`src/sentiment/model.tsv`) from
//! uci-sentiment `dev.csv` (polar rows) and bitext-cs `dev.csv` (neutral rows:
//! every instruction whose intent is not `complaint`).
//!
//! ```text
//! cargo run --release -p autocrm-ai --example train_sentiment -- ../shared/datasets \
//!     crates/autocrm-ai/src/sentiment/model.tsv
//! ```
//!
//! Training is deterministic: the same CSVs always give the same file.

use std::path::PathBuf;

use autocrm_ai::eval::read_columns;
use autocrm_ai::sentiment::{self, TrainOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let datasets = PathBuf::from(args.next().unwrap_or_else(|| "../shared/datasets".into()));
    let out = PathBuf::from(args.next().unwrap_or_else(|| "crates/autocrm-ai/src/sentiment/model.tsv".into()));
    let polar = read_columns(&datasets.join("uci-sentiment/dev.csv"), &["text", "label"])?;
    let polar: Vec<(&str, bool)> = polar.iter().map(|r| (r[0].as_str(), r[1].trim() == "1")).collect();
    let requests = read_columns(&datasets.join("bitext-cs/dev.csv"), &["instruction", "intent"])?;
    let neutral: Vec<&str> = requests.iter().filter(|r| r[1] != "complaint").map(|r| r[0].as_str()).collect();
    let options = TrainOptions::default();
    let model = sentiment::train_with(&polar, &neutral, options);
    let header = format!(
        "AutoCRM built-in sentiment, learned part: logistic regression weights (feature<TAB>weight).\n\
         Trained on {} polar rows of uci-sentiment dev.csv (Kotzias et al. 2015, CC BY 4.0) and {} neutral\n\
         rows of bitext-cs dev.csv (Bitext 2023, CDLA-Sharing-1.0; models are unrestricted) with {options:?}.\n\
         Regenerate: cargo run --release -p autocrm-ai --example train_sentiment -- ../shared/datasets <this file>",
        polar.len(),
        neutral.len()
    );
    std::fs::write(&out, model.to_tsv(&header))?;
    println!("wrote {} weights to {}", model.len(), out.display());
    Ok(())
}

//! Measures the built-in sentiment: the shipped model on uci-sentiment, and
//! 5-fold cross-validation that retrains the learned part per fold, with the
//! same neutral rows (bitext-cs) as the shipped model.
//!
//! ```text
//! cargo run --release -p autocrm-ai --example eval_sentiment -- ../shared/datasets
//! ```

use std::path::PathBuf;

use autocrm_ai::eval::read_columns;
use autocrm_ai::eval::sentiment::{cross_validate_with, run};
use autocrm_ai::sentiment::TrainOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let datasets = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "../shared/datasets".into()));
    let data = datasets.join("uci-sentiment/dev.csv");
    let requests = read_columns(&datasets.join("bitext-cs/dev.csv"), &["instruction", "intent"])?;
    let neutral: Vec<&str> = requests.iter().filter(|r| r[1] != "complaint").map(|r| r[0].as_str()).collect();
    let shipped = run(&data, "text", "label")?;
    println!("shipped model on dev.csv (its training data): {}", serde_json::to_string_pretty(&shipped)?);
    let cv = cross_validate_with(&data, "text", "label", 5, &neutral, TrainOptions::default())?;
    println!("5-fold cross-validation: {}", serde_json::to_string_pretty(&cv)?);
    Ok(())
}

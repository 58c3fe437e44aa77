//! Runs the retrieval evaluation on a CSV and prints its figures as JSON:
//! `cargo run --release -p autocrm-ai --example eval_retrieval -- [CSV] [K] [FOLDS]`
//! (defaults: `../shared/datasets/bitext-cs/dev.csv`, 5, 5; columns
//! `instruction`, `intent`, `response`).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = PathBuf::from(args.next().unwrap_or_else(|| "../shared/datasets/bitext-cs/dev.csv".into()));
    let k = args.next().map_or(Ok(5), |a| a.parse())?;
    let folds = args.next().map_or(Ok(5), |a| a.parse())?;
    let figures = autocrm_ai::eval::retrieval::run(&data, "instruction", "intent", "response", k, folds)?;
    println!("{}", serde_json::to_string_pretty(&figures)?);
    Ok(())
}

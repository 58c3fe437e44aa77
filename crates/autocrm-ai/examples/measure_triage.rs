//! Measures entity extraction (order ids on bitext-cs) and triage latency.
//!
//! ```text
//! cargo run --release -p autocrm-ai --example measure_triage -- ../shared/datasets
//! ```
//!
//! bitext-cs labels one slot per row (`entity_type`, `entity_value`); its
//! offsets are wrong for ~13 % of rows, so values are compared, exactly and
//! after dropping `#` and leading zeros (the data strips them inconsistently).

use std::path::PathBuf;
use std::time::Instant;

use autocrm_ai::eval::read_columns;
use autocrm_ai::{extract, triage};

fn normalise(v: &str) -> String {
    v.trim_start_matches('#').trim_start_matches('0').to_lowercase()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let datasets = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "../shared/datasets".into()));
    let rows = read_columns(&datasets.join("bitext-cs/dev.csv"), &["instruction", "entity_type", "entity_value"])?;
    let (mut gold, mut exact, mut normalised, mut extracted, mut correct) = (0, 0, 0, 0, 0);
    let (mut other_rows, mut other_false) = (0, 0);
    let mut misses = Vec::new();
    for r in &rows {
        let found = extract::extract(&r[0]).order_numbers;
        if r[1] == "order_id" {
            gold += 1;
            extracted += found.len();
            correct += found.iter().filter(|f| normalise(f) == normalise(&r[2])).count();
            if found.iter().any(|f| f == &r[2]) {
                exact += 1;
            }
            if found.iter().any(|f| normalise(f) == normalise(&r[2])) {
                normalised += 1;
            } else if misses.len() < 12 {
                misses.push(format!("{:?} gold {:?} found {found:?}", r[0], r[2]));
            }
        } else {
            other_rows += 1;
            if !found.is_empty() {
                other_false += 1;
                if misses.len() < 24 {
                    misses.push(format!("[{}] {:?} found {found:?}", r[1], r[0]));
                }
            }
        }
    }
    let pct = |a: usize, b: usize| if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 };
    println!("order_id rows: {gold}");
    println!(
        "recall exact: {exact} ({:.1} %), recall normalised: {normalised} ({:.1} %)",
        pct(exact, gold),
        pct(normalised, gold)
    );
    println!("precision on order_id rows (normalised): {correct}/{extracted} ({:.1} %)", pct(correct, extracted));
    println!(
        "rows of other types with an order number found: {other_false}/{other_rows} ({:.2} %)",
        pct(other_false, other_rows)
    );
    for m in &misses {
        println!("  {m}");
    }

    // Latency: triage of every bitext instruction and every demo ticket's first message.
    let texts: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let _warm = triage::triage("warm up the models", None, None, None, &["en", "de"]);
    let started = Instant::now();
    let mut urgent = [0usize; 4];
    for t in &texts {
        let out = triage::triage(t, None, None, None, &["en", "de"]);
        urgent[out.urgency as usize] += 1;
    }
    let elapsed = started.elapsed();
    println!(
        "triage (no classifiers): {:.3} ms per message over {} messages; urgency low/normal/high/urgent = {urgent:?}",
        elapsed.as_secs_f64() * 1000.0 / texts.len() as f64,
        texts.len()
    );
    Ok(())
}

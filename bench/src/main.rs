//! `autocrm-bench`: seeds large workspaces and measures the real server over
//! loopback HTTP with `wrk` (see `bench/README.md` and `bench/run.sh`).
//!
//! - `seed --database URL --tickets N` fills a fresh database;
//! - `run --seed-info FILE --out FILE` serves it with the release binary and
//!   measures every scenario;
//! - `report RESULTS…` renders the Markdown results page;
//! - `chatbot --out FILE` measures the chatbot's first-token latency on the demo.

mod chatbot;
mod corpus;
mod report;
mod run;
mod seed;
mod server;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "autocrm-bench", about = "Seed and load-test AutoCRM")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Seeds a fresh database with N tickets.
    Seed(seed::SeedArgs),
    /// Serves a seeded database and measures it.
    Run(run::RunArgs),
    /// Renders results as Markdown.
    Report(report::ReportArgs),
    /// Measures the chatbot's first-token latency in the widget.
    Chatbot(chatbot::ChatbotArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Cmd::Seed(a) => rt.block_on(seed::seed(a)),
        Cmd::Run(a) => rt.block_on(run::run(a)),
        Cmd::Report(a) => report::report(&a),
        Cmd::Chatbot(a) => rt.block_on(chatbot::chatbot(a)),
    }
}

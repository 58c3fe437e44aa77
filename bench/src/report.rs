//! `report`: one Markdown page from the JSON of several runs, with the targets
//! of the benchmark issue checked against the numbers.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::run::{RunResult, ScenarioResult};

/// Report options.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Run results (JSON from `run`).
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// A file with the machine and versions (included verbatim).
    #[arg(long)]
    pub machine: Option<PathBuf>,
    /// The command that produced the results (included verbatim).
    #[arg(long)]
    pub command: Option<String>,
}

fn find<'a>(runs: &'a [RunResult], backend: &str, tickets: u64) -> Option<&'a RunResult> {
    runs.iter().find(|r| r.backend == backend && r.tickets == tickets)
}

fn sc<'a>(r: &'a RunResult, name: &str) -> Option<&'a ScenarioResult> {
    r.scenarios.iter().find(|s| s.name == name)
}

fn mark(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

/// Runs `report`: prints Markdown on stdout.
pub fn report(args: &ReportArgs) -> anyhow::Result<()> {
    let mut runs: Vec<RunResult> = Vec::new();
    for p in &args.results {
        runs.push(serde_json::from_slice(&std::fs::read(p)?)?);
    }
    runs.sort_by(|a, b| (a.backend.as_str(), a.tickets).cmp(&(b.backend.as_str(), b.tickets)).reverse());
    runs.sort_by_key(|r| (r.backend != "sqlite", r.tickets));
    let mut out = String::new();
    writeln!(out, "# AutoCRM benchmark results\n")?;
    if let Some(c) = &args.command {
        writeln!(out, "Command:\n\n```sh\n{c}\n```\n")?;
    }
    if let Some(m) = &args.machine {
        writeln!(out, "## Machine and versions\n\n```\n{}\n```\n", std::fs::read_to_string(m)?.trim_end())?;
    }
    writeln!(out, "## Data\n")?;
    writeln!(out, "| backend | tickets | messages | requesters | seed time | database size |")?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|")?;
    for r in &runs {
        writeln!(
            out,
            "| {} | {} | {} | {} | {:.0} s | {:.0} MiB |",
            r.backend,
            r.tickets,
            r.messages,
            r.requesters,
            r.seed_seconds,
            r.db_bytes as f64 / 1_048_576.0
        )?;
    }
    writeln!(out, "\n## Results\n")?;
    writeln!(
        out,
        "Wall latency from wrk (closed loop, `c` connections, one wrk thread); server CPU = utime+stime of the \
         `autocrm` process over the measured interval ÷ requests; DB CPU = all `postgres` processes likewise.\n"
    )?;
    writeln!(
        out,
        "| backend | tickets | scenario | c | req/s | p50 ms | p99 ms | max ms | server CPU ms/req | DB CPU ms/req | errors |"
    )?;
    writeln!(out, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in &runs {
        for s in &r.scenarios {
            writeln!(
                out,
                "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.3} | {} | {} |",
                r.backend,
                r.tickets,
                s.name,
                s.connections,
                s.rps,
                s.p50_ms,
                s.p99_ms,
                s.max_ms,
                s.server_cpu_ms_per_req,
                s.db_cpu_ms_per_req.map_or_else(|| "–".to_owned(), |v| format!("{v:.3}")),
                s.errors
            )?;
        }
    }
    writeln!(out, "\n| backend | tickets | idle RSS | peak RSS (VmHWM) |")?;
    writeln!(out, "|---|---:|---:|---:|")?;
    for r in &runs {
        writeln!(
            out,
            "| {} | {} | {:.1} MiB | {:.1} MiB |",
            r.backend,
            r.tickets,
            r.idle_rss_kib as f64 / 1024.0,
            r.peak_rss_kib as f64 / 1024.0
        )?;
    }
    if let Some(r) = runs.first() {
        writeln!(out, "\nSearch queries (picked at random per request): {}", r.search_queries.join(", "))?;
    }
    targets(&mut out, &runs)?;
    print!("{out}");
    Ok(())
}

fn targets(out: &mut String, runs: &[RunResult]) -> anyhow::Result<()> {
    let big = runs.iter().filter(|r| r.backend == "sqlite").map(|r| r.tickets).max().unwrap_or(0);
    let small = runs.iter().filter(|r| r.backend == "sqlite").map(|r| r.tickets).min().unwrap_or(0);
    writeln!(out, "\n## Targets (SQLite at {big} tickets unless said)\n")?;
    writeln!(out, "| target | measured | |")?;
    writeln!(out, "|---|---|---|")?;
    let Some(s) = find(runs, "sqlite", big) else { return Ok(()) };
    let mut row = |name: &str, measured: String, ok: bool| writeln!(out, "| {name} | {measured} | {} |", mark(ok));
    if let Some(q) = sc(s, "queue") {
        row("queue view p99 ≤ 10 ms", format!("{:.2} ms", q.p99_ms), q.p99_ms <= 10.0)?;
        row("queue view ≥ 2,000 req/s", format!("{:.0} req/s", q.rps), q.rps >= 2000.0)?;
    }
    if let Some(q) = sc(s, "deep_page") {
        row("deep page p99 ≤ 10 ms", format!("{:.2} ms", q.p99_ms), q.p99_ms <= 10.0)?;
    }
    for name in ["detail", "messages"] {
        if let Some(q) = sc(s, name) {
            row(&format!("ticket {name} p99 ≤ 5 ms"), format!("{:.2} ms", q.p99_ms), q.p99_ms <= 5.0)?;
        }
    }
    if let Some(q) = sc(s, "create_16") {
        row("≥ 1,500 creations/s with 16 clients", format!("{:.0} /s", q.rps), q.rps >= 1500.0)?;
    }
    if let Some(q) = sc(s, "search") {
        row("full-text search p99 ≤ 50 ms", format!("{:.2} ms", q.p99_ms), q.p99_ms <= 50.0)?;
    }
    row("idle RSS ≤ 30 MiB", format!("{:.1} MiB", s.idle_rss_kib as f64 / 1024.0), s.idle_rss_kib <= 30 * 1024)?;
    row("peak RSS ≤ 150 MiB", format!("{:.1} MiB", s.peak_rss_kib as f64 / 1024.0), s.peak_rss_kib <= 150 * 1024)?;
    if let Some(s0) = find(runs, "sqlite", small).filter(|_| small != big) {
        for name in ["queue", "deep_page", "detail", "messages", "search"] {
            if let (Some(a), Some(b)) = (sc(s0, name), sc(s, name)) {
                // p50 is the steady cost; p99 is also shown because it is what users notice.
                let ratio = b.p50_ms / a.p50_ms.max(0.001);
                let ratio99 = b.p99_ms / a.p99_ms.max(0.001);
                row(
                    &format!("{name}: latency at {big} ≤ 1.5× at {small}"),
                    format!("p50 ×{ratio:.2}, p99 ×{ratio99:.2}"),
                    ratio <= 1.5 && ratio99 <= 1.5,
                )?;
            }
        }
    }
    if let Some(p) = find(runs, "postgres", big) {
        for q in &s.scenarios {
            if let Some(pq) = sc(p, &q.name) {
                let lat = pq.p99_ms / q.p99_ms.max(0.001);
                let thr = q.rps / pq.rps.max(0.001);
                row(
                    &format!("PostgreSQL {} within 1.5× of SQLite", q.name),
                    format!("p99 ×{lat:.2}, req/s ÷{thr:.2}"),
                    lat <= 1.5 && thr <= 1.5,
                )?;
            }
        }
    }
    Ok(())
}

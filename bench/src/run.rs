//! `run`: starts the release server on a seeded database, drives `wrk` over
//! loopback HTTP through each scenario and records wall latency, throughput,
//! server CPU per request (from `/proc/PID/stat`) and memory (`VmRSS`,
//! `VmHWM` from `/proc/PID/status`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use autocrm_store::entity::tickets;
use autocrm_store::page::Cursor;
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use serde::{Deserialize, Serialize};

use crate::corpus::Corpus;
use crate::seed::SeedInfo;
use crate::server::{Server, http, wait_ready};

/// Run options.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The summary `seed` wrote.
    #[arg(long)]
    pub seed_info: PathBuf,
    /// The release `autocrm` binary.
    #[arg(long, default_value = "/work/target/release/autocrm")]
    pub binary: PathBuf,
    /// The wrk script.
    #[arg(long, default_value = "bench/lua/bench.lua")]
    pub script: PathBuf,
    /// Port to serve on (loopback).
    #[arg(long, default_value_t = 18080)]
    pub port: u16,
    /// Seconds measured per scenario.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Seconds of warm-up before each scenario (not measured).
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Concurrent connections for read scenarios.
    #[arg(long, default_value_t = 4)]
    pub read_connections: u32,
    /// Scratch directory (request files, server data dir).
    #[arg(long, default_value = "/tmp/autocrm-bench")]
    pub workdir: PathBuf,
    /// Comma-separated scenarios (default: all).
    #[arg(long)]
    pub scenarios: Option<String>,
    /// Bitext CSV for ticket-creation bodies.
    #[arg(long, default_value = "/work/shared/datasets/bitext-cs/dev.csv")]
    pub corpus: PathBuf,
    /// Where to write the results (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

/// One measured scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Scenario name.
    pub name: String,
    /// What it requests.
    pub request: String,
    /// Concurrent connections.
    pub connections: u32,
    /// Requests completed.
    pub requests: u64,
    /// Requests per second.
    pub rps: f64,
    /// Wall latency percentiles (ms).
    pub p50_ms: f64,
    /// 90th percentile (ms).
    pub p90_ms: f64,
    /// 99th percentile (ms).
    pub p99_ms: f64,
    /// Slowest (ms).
    pub max_ms: f64,
    /// Responses other than 2xx/3xx plus socket errors (must be 0).
    pub errors: u64,
    /// Server process CPU (user + system) per request, ms.
    pub server_cpu_ms_per_req: f64,
    /// PostgreSQL processes' CPU per request, ms (PostgreSQL only).
    pub db_cpu_ms_per_req: Option<f64>,
    /// Server RSS after the scenario, KiB.
    pub rss_kib: u64,
}

/// Everything one `run` measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Seeded tickets.
    pub tickets: u64,
    /// Seeded messages.
    pub messages: u64,
    /// Seeded requesters.
    pub requesters: u64,
    /// Seconds seeding took.
    pub seed_seconds: f64,
    /// Database size on disk, bytes.
    pub db_bytes: u64,
    /// RSS after start-up and one readiness probe, KiB.
    pub idle_rss_kib: u64,
    /// Highest RSS over the whole run (`VmHWM`), KiB.
    pub peak_rss_kib: u64,
    /// Search queries used (cycled at random).
    pub search_queries: Vec<String>,
    /// The scenarios.
    pub scenarios: Vec<ScenarioResult>,
    /// When it ran.
    pub at: DateTime<Utc>,
}

/// Search queries: common single words (thousands of matches at 500k tickets),
/// two-word queries and rarer words, as agents type them.
pub const SEARCH_QUERIES: &[&str] = &[
    "refund",
    "invoice",
    "cancel order",
    "shipping address",
    "password",
    "delivery options",
    "payment issue",
    "newsletter",
    "damaged",
    "complaint",
    "restocking fee",
    "tracking",
];

struct Scenario {
    name: &'static str,
    request: String,
    connections: u32,
    mode: &'static str,
    lines: Vec<String>,
}

/// Runs `run`.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let info: SeedInfo = serde_json::from_slice(&std::fs::read(&args.seed_info)?)?;
    std::fs::create_dir_all(&args.workdir)?;
    let script = std::fs::canonicalize(&args.script).with_context(|| format!("no script {}", args.script.display()))?;
    let scenarios = prepare(&args, &info).await?;
    let db_bytes = db_size(&info).await?;
    let wanted: Option<Vec<&str>> = args.scenarios.as_deref().map(|s| s.split(',').collect());

    let addr = format!("127.0.0.1:{}", args.port);
    let mut server = start_server(&args, &info, &addr)?;
    let result = async {
        wait_ready(&addr, Duration::from_mins(2)).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle_rss_kib = status_kib(server.pid, "VmRSS")?;
        eprintln!("run: {} {} tickets: idle RSS {} KiB", info.backend, info.tickets, idle_rss_kib);
        let mut results = Vec::new();
        for sc in scenarios.iter().filter(|s| wanted.as_ref().is_none_or(|w| w.contains(&s.name))) {
            let file = args.workdir.join(format!("{}.txt", sc.name));
            std::fs::write(&file, sc.lines.join("\n") + "\n")?;
            // One request by hand first: a scenario that errors is a bug, not a number.
            if sc.mode == "get" {
                let (status, body) = http(&addr, "GET", &sc.lines[0], &info.api_key, None).await?;
                if status != 200 {
                    bail!("{} answered {status}: {}", sc.lines[0], body.chars().take(300).collect::<String>());
                }
            }
            if args.warmup > 0 {
                wrk(&args, &script, &info, &addr, sc, &file, args.warmup)?;
            }
            let cpu0 = cpu_ticks(server.pid)?;
            let db0 = pg_cpu_ticks(&info);
            let t0 = Instant::now();
            let w = wrk(&args, &script, &info, &addr, sc, &file, args.duration)?;
            let wall = t0.elapsed();
            let cpu1 = cpu_ticks(server.pid)?;
            let db1 = pg_cpu_ticks(&info);
            let tick_ms = 1000.0 / clock_ticks()?;
            let requests = w.requests.max(1);
            let errors = w.non2xx + w.err_connect + w.err_read + w.err_write + w.err_timeout;
            let r = ScenarioResult {
                name: sc.name.to_owned(),
                request: sc.request.clone(),
                connections: sc.connections,
                requests: w.requests,
                rps: w.requests as f64 / (w.duration_us as f64 / 1e6),
                p50_ms: w.p50_us as f64 / 1000.0,
                p90_ms: w.p90_us as f64 / 1000.0,
                p99_ms: w.p99_us as f64 / 1000.0,
                max_ms: w.max_us as f64 / 1000.0,
                errors,
                server_cpu_ms_per_req: (cpu1 - cpu0) as f64 * tick_ms / requests as f64,
                db_cpu_ms_per_req: db0.zip(db1).map(|(a, b)| b.saturating_sub(a) as f64 * tick_ms / requests as f64),
                rss_kib: status_kib(server.pid, "VmRSS")?,
            };
            eprintln!(
                "run: {:<10} c={:<2} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  cpu {:.3} ms/req  db cpu {:?}  errors {}  ({:.1}s)",
                r.name, r.connections, r.rps, r.p50_ms, r.p99_ms, r.server_cpu_ms_per_req, r.db_cpu_ms_per_req, r.errors,
                wall.as_secs_f64()
            );
            results.push(r);
        }
        let peak_rss_kib = status_kib(server.pid, "VmHWM")?;
        anyhow::Ok(RunResult {
            backend: info.backend.clone(),
            tickets: info.tickets,
            messages: info.messages,
            requesters: info.requesters,
            seed_seconds: info.seed_seconds,
            db_bytes,
            idle_rss_kib,
            peak_rss_kib,
            search_queries: SEARCH_QUERIES.iter().map(|s| (*s).to_owned()).collect(),
            scenarios: results,
            at: Utc::now(),
        })
    }
    .await;
    server.stop();
    let result = result?;
    std::fs::write(&args.out, serde_json::to_vec_pretty(&result)?)?;
    eprintln!("run: wrote {}", args.out.display());
    Ok(())
}

/// Builds every scenario's request list from the seeded data.
async fn prepare(args: &RunArgs, info: &SeedInfo) -> anyhow::Result<Vec<Scenario>> {
    let store = crate::seed::open(&info.database, 2).await?;
    let mut rng = StdRng::seed_from_u64(7);
    let ws = info.workspace_id;
    // Every open/pending ticket in queue order; cursors at random depths of it.
    let keys: Vec<(DateTime<Utc>, i64)> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::UpdatedAt)
        .column(tickets::Column::Id)
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::StatusCategory.is_in(["open", "pending"]))
        .order_by_desc(tickets::Column::UpdatedAt)
        .order_by_desc(tickets::Column::Id)
        .into_tuple()
        .all(store.connection())
        .await?;
    let ids: Vec<i64> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .into_tuple()
        .all(store.connection())
        .await?;
    store.close().await;
    if keys.is_empty() || ids.is_empty() {
        bail!("the database holds no tickets");
    }
    let queue = "/api/v1/tickets?status=open,pending&sort=-updated_at&limit=50".to_owned();
    let deep: Vec<String> = (0..1000)
        .map(|_| {
            let (at, id) = keys[rng.gen_range(0..keys.len())];
            format!("{queue}&cursor={}", Cursor { key: at.to_rfc3339(), id }.encode())
        })
        .collect();
    let sample: Vec<i64> = (0..1000).map(|_| ids[rng.gen_range(0..ids.len())]).collect();
    let corpus = Corpus::load(Some(&args.corpus))?;
    let bodies: Vec<String> = (0..500)
        .map(|_| {
            let subject: String = corpus.requests[rng.gen_range(0..corpus.requests.len())].chars().take(120).collect();
            let body = format!("Hello,\n\n{subject}\n\nThanks");
            anyhow::Ok(format!("{}\t{}", serde_json::to_string(&subject)?, serde_json::to_string(&body)?))
        })
        .collect::<Result<_, _>>()?;
    let c = args.read_connections;
    Ok(vec![
        Scenario {
            name: "queue",
            request: format!("GET {queue}"),
            connections: c,
            mode: "get",
            lines: vec![queue.clone()],
        },
        Scenario {
            name: "deep_page",
            request: format!("GET {queue}&cursor=<random depth>"),
            connections: c,
            mode: "get",
            lines: deep,
        },
        Scenario {
            name: "detail",
            request: "GET /api/v1/tickets/{random id}".into(),
            connections: c,
            mode: "get",
            lines: sample.iter().map(|id| format!("/api/v1/tickets/{id}")).collect(),
        },
        Scenario {
            name: "messages",
            request: "GET /api/v1/tickets/{random id}/messages?order=desc&limit=20".into(),
            connections: c,
            mode: "get",
            lines: sample.iter().map(|id| format!("/api/v1/tickets/{id}/messages?order=desc&limit=20")).collect(),
        },
        Scenario {
            name: "search",
            request: "GET /api/v1/tickets?q=<query>&limit=25".into(),
            connections: c,
            mode: "get",
            lines: SEARCH_QUERIES
                .iter()
                .map(|q| format!("/api/v1/tickets?q={}&limit=25", q.replace(' ', "%20")))
                .collect(),
        },
        Scenario {
            name: "create_1",
            request: "POST /api/v1/tickets".into(),
            connections: 1,
            mode: "create",
            lines: bodies.clone(),
        },
        Scenario {
            name: "create_16",
            request: "POST /api/v1/tickets".into(),
            connections: 16,
            mode: "create",
            lines: bodies,
        },
    ])
}

async fn db_size(info: &SeedInfo) -> anyhow::Result<u64> {
    if info.backend == "postgres" {
        let store = crate::seed::open(&info.database, 1).await?;
        let row = store
            .connection()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_database_size(current_database())",
            ))
            .await?
            .context("no row")?;
        let n: i64 = row.try_get_by_index(0)?;
        store.close().await;
        return Ok(n as u64);
    }
    let path = info.database.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    let size = |p: &str| std::fs::metadata(p).map_or(0, |m| m.len());
    Ok(size(path) + size(&format!("{path}-wal")))
}

fn start_server(args: &RunArgs, info: &SeedInfo, addr: &str) -> anyhow::Result<Server> {
    Server::start(&args.binary, &["serve", "--bind", addr, "--database", &info.database], &[], &args.workdir)
}

#[derive(Debug, Deserialize)]
struct WrkOut {
    requests: u64,
    duration_us: u64,
    p50_us: u64,
    p90_us: u64,
    p99_us: u64,
    max_us: u64,
    non2xx: u64,
    err_connect: u64,
    err_read: u64,
    err_write: u64,
    err_timeout: u64,
}

fn wrk(
    args: &RunArgs,
    script: &Path,
    info: &SeedInfo,
    addr: &str,
    sc: &Scenario,
    file: &Path,
    secs: u64,
) -> anyhow::Result<WrkOut> {
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{}", sc.connections), &format!("-d{secs}s"), "--timeout", "10s", "-s"])
        .arg(script)
        .arg(format!("http://{addr}"))
        .args(["--", sc.mode])
        .arg(file)
        .env("BENCH_API_KEY", &info.api_key)
        .env("BENCH_REQUESTERS", info.requesters.to_string())
        .current_dir(&args.workdir)
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCHJSON "))
        .with_context(|| format!("wrk printed no result: {stdout} {}", String::from_utf8_lossy(&out.stderr)))?;
    Ok(serde_json::from_str(line)?)
}

/// utime + stime of a process, in clock ticks (all its threads).
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    parse_stat_ticks(&stat).context("unreadable /proc stat")
}

fn parse_stat_ticks(stat: &str) -> Option<u64> {
    // Fields after the `(comm)`, which may itself hold spaces: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// CPU of every `postgres` process on the machine (the database server's share).
fn pg_cpu_ticks(info: &SeedInfo) -> Option<u64> {
    if info.backend != "postgres" {
        return None;
    }
    let mut total = 0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        if !entry.file_name().to_string_lossy().chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
            && stat.contains("(postgres)")
        {
            total += parse_stat_ticks(&stat).unwrap_or(0);
        }
    }
    Some(total)
}

fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|r| r.trim_start_matches(':').trim().strip_suffix("kB")))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

fn clock_ticks() -> anyhow::Result<f64> {
    let out = Command::new("getconf").arg("CLK_TCK").output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn stat_ticks_survive_spaces_in_the_command_name() {
        let stat = "42 (tokio runtime) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 100 1000 50";
        assert_eq!(parse_stat_ticks(stat), Some(325));
    }
}

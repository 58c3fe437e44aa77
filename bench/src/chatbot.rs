//! `chatbot`: the chatbot's first-token latency as a widget visitor sees it.
//!
//! Serves a fresh demo database with the release binary, turns the demo
//! workspace's chatbot on with an OpenAI-compatible endpoint (the in-process
//! fake by default, or a real one), then, one visitor at a time: opens a
//! widget session and its SSE stream, starts a conversation and times, from
//! just before the `POST`, the first `draft` frame and the stored bot
//! `message` frame.
//!
//! The endpoint is reached through a recording pass-through proxy in this
//! process, so each run also knows when AutoCRM's request reached the model
//! and when the model's first token came back (same clock): AutoCRM's own
//! overhead = first draft − time spent in the model up to its first token.
//! After the runs, each run's first model request is replayed directly to
//! the endpoint for the model's own time to first token.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse as _, Response};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use serde::Serialize;
use serde_json::{Value, json};

use crate::server::{Server, wait_ready};

/// The visitor's questions, in turn.
const QUESTIONS: &[&str] = &["Where is my order?", "How do I return an item?", "Can I change my subscription?"];
/// The demo workspace's admin (see `crates/autocrm/src/demo.rs`).
const ADMIN: (&str, &str) = ("admin@everline.example", "autocrm-demo-2026");
/// The bot's name in the demo while the bench runs.
const BOT_NAME: &str = "Eve";

/// `chatbot` options.
#[derive(Debug, clap::Args)]
pub struct ChatbotArgs {
    /// The release `autocrm` binary [default: `$CARGO_TARGET_DIR/release/autocrm`].
    #[arg(long)]
    pub binary: Option<PathBuf>,
    /// Port to serve on (loopback).
    #[arg(long, default_value_t = 18090)]
    pub port: u16,
    /// Measured conversations.
    #[arg(long, default_value_t = 30)]
    pub runs: usize,
    /// Conversations before the measured ones (not recorded; they load a local model).
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// An OpenAI-compatible endpoint (e.g. Ollama's `http://127.0.0.1:11434/v1`) instead of the fake.
    #[arg(long, requires = "llm_model")]
    pub llm_base_url: Option<String>,
    /// The model to ask at `--llm-base-url`.
    #[arg(long, requires = "llm_base_url")]
    pub llm_model: Option<String>,
    /// The endpoint's API key, if it needs one.
    #[arg(long, requires = "llm_base_url")]
    pub llm_api_key: Option<String>,
    /// Scratch directory (database, server log); its database is recreated.
    #[arg(long, default_value = "/tmp/autocrm-bench-chatbot")]
    pub workdir: PathBuf,
    /// Seconds to wait for one answer.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// Where to write the results (JSON); the Markdown summary goes next to it (`.md`).
    #[arg(long)]
    pub out: PathBuf,
}

/// One measured conversation (times in ms from just before the `POST`).
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// The visitor's message.
    pub question: String,
    /// `201 Created` received.
    pub post_ms: f64,
    /// First `draft` frame on the visitor's stream (none: the answer did not stream).
    pub first_draft_ms: Option<f64>,
    /// The stored bot `message` frame.
    pub message_ms: f64,
    /// `draft` frames before it.
    pub drafts: usize,
    /// Characters of the stored answer.
    pub answer_chars: usize,
    /// Model requests the turn made (tool calls make several).
    pub llm_calls: usize,
    /// AutoCRM's first model request reached the endpoint.
    pub llm_request_ms: Option<f64>,
    /// The model's first token (text or tool call) came back to AutoCRM.
    pub first_token_ms: Option<f64>,
    /// Time spent inside the model up to its first text token: earlier calls
    /// of the turn (tool calls) whole, the last one up to the token.
    pub model_ms: Option<f64>,
    /// first draft − `model_ms`: AutoCRM's own part of the wait.
    pub overhead_ms: Option<f64>,
    /// The same first request sent again directly: time to the first token.
    pub direct_ttft_ms: Option<f64>,
}

/// p50 / p90 / max of one measure, ms (nearest rank).
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Samples with a value.
    pub n: usize,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Slowest.
    pub max: f64,
}

/// The machine it ran on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// `nproc`.
    pub nproc: String,
    /// `lscpu`'s model name.
    pub cpu: String,
    /// `/proc/loadavg` before the runs (the machine may be shared).
    pub loadavg_before: String,
    /// `/proc/loadavg` after them.
    pub loadavg_after: String,
}

/// Everything one `chatbot` run measured.
#[derive(Debug, Clone, Serialize)]
pub struct ChatbotResult {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// The command line.
    pub command: String,
    /// `git rev-parse HEAD`.
    pub commit: String,
    /// Whether the working tree had uncommitted changes.
    pub dirty: bool,
    /// Where it ran.
    pub machine: Machine,
    /// `fake` or `real`.
    pub endpoint: String,
    /// The model name.
    pub model: String,
    /// Measured conversations.
    pub runs: usize,
    /// Conversations before them, not recorded.
    pub warmup: usize,
    /// Runs whose answer did not stream (no draft, e.g. the model failed and the built-in engine answered).
    pub not_streamed: usize,
    /// The summary per measure (keys as in [`Sample`]).
    pub summary: Vec<(String, Stats)>,
    /// Every run.
    pub samples: Vec<Sample>,
}

/// Runs `chatbot`.
pub async fn chatbot(args: ChatbotArgs) -> anyhow::Result<()> {
    // reqwest is built without a TLS provider (an https endpoint needs one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let binary = args.binary.clone().unwrap_or_else(|| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        PathBuf::from(target).join("release/autocrm")
    });
    std::fs::create_dir_all(&args.workdir)?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(args.workdir.join(format!("bench.db{suffix}")));
    }
    // The fake lives as long as this function; a real endpoint is just a URL.
    let fake = match args.llm_base_url {
        Some(_) => None,
        None => Some(autocrm_ai::fake_llm::FakeLlm::start().await),
    };
    let (upstream, model, kind) = match (&fake, &args.llm_base_url, &args.llm_model) {
        (Some(f), _, _) => (f.base_url.clone(), "fake-model".to_owned(), "fake"),
        (None, Some(url), Some(m)) => (url.clone(), m.clone(), "real"),
        _ => bail!("--llm-base-url needs --llm-model"),
    };
    let proxy = Proxy::start(upstream.clone(), args.llm_api_key.clone()).await?;

    let addr = format!("127.0.0.1:{}", args.port);
    let db = format!("sqlite://{}?mode=rwc", args.workdir.join("bench.db").display());
    let loadavg_before = loadavg();
    let mut server =
        Server::start(&binary, &["serve", "--demo", "--bind", &addr, "--database", &db], &[], &args.workdir)?;
    let measured = async {
        // Seeding the demo (classifiers trained) comes first.
        wait_ready(&addr, Duration::from_mins(5)).await?;
        let bench = Bench::new(&addr)?;
        bench.configure(&proxy.base_url, &model, args.llm_api_key.as_deref()).await?;
        let wait = Duration::from_secs(args.timeout);
        for i in 0..args.warmup {
            bench.converse(QUESTIONS[i % QUESTIONS.len()], &proxy, wait).await?;
        }
        let mut samples = Vec::with_capacity(args.runs);
        let mut first_requests = Vec::with_capacity(args.runs);
        for i in 0..args.runs {
            let (sample, first) = bench.converse(QUESTIONS[i % QUESTIONS.len()], &proxy, wait).await?;
            eprintln!(
                "chatbot: run {:>2}: first draft {:>8} ms, message {:>8.1} ms, model {:>8} ms, overhead {:>8} ms ({} calls)",
                i + 1,
                fmt_ms(sample.first_draft_ms),
                sample.message_ms,
                fmt_ms(sample.model_ms),
                fmt_ms(sample.overhead_ms),
                sample.llm_calls
            );
            samples.push(sample);
            first_requests.push(first);
            // Let the turn's background work (events, jobs) settle, as between two real visitors.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        anyhow::Ok((samples, first_requests))
    }
    .await;
    server.stop();
    let (mut samples, first_requests) = measured?;
    let loadavg_after = loadavg();

    // The model alone, with the very requests AutoCRM made.
    for (sample, body) in samples.iter_mut().zip(&first_requests) {
        if let Some(body) = body {
            sample.direct_ttft_ms = direct_ttft(&proxy.client, &upstream, args.llm_api_key.as_deref(), body).await?;
        }
    }

    let result = ChatbotResult {
        at: Utc::now(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        commit: git(&["rev-parse", "HEAD"]),
        dirty: !git(&["status", "--porcelain", "--untracked-files=no"]).is_empty(),
        machine: Machine { nproc: command_out("nproc", &[]), cpu: cpu_model(), loadavg_before, loadavg_after },
        endpoint: kind.to_owned(),
        model,
        runs: args.runs,
        warmup: args.warmup,
        not_streamed: samples.iter().filter(|s| s.first_draft_ms.is_none()).count(),
        summary: summarise(&samples),
        samples,
    };
    std::fs::write(&args.out, serde_json::to_vec_pretty(&result)?)?;
    let md = markdown(&result);
    let md_path = args.out.with_extension("md");
    std::fs::write(&md_path, &md)?;
    println!("{md}");
    eprintln!("chatbot: wrote {} and {}", args.out.display(), md_path.display());
    Ok(())
}

fn fmt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1}"))
}

/// Reads one measure of a run.
type Measure = fn(&Sample) -> Option<f64>;

/// The measures summarised, in the order the report shows them.
fn summarise(samples: &[Sample]) -> Vec<(String, Stats)> {
    let measures: [(&str, Measure); 8] = [
        ("first_draft_ms", |s| s.first_draft_ms),
        ("message_ms", |s| Some(s.message_ms)),
        ("post_ms", |s| Some(s.post_ms)),
        ("llm_request_ms", |s| s.llm_request_ms),
        ("first_token_ms", |s| s.first_token_ms),
        ("model_ms", |s| s.model_ms),
        ("overhead_ms", |s| s.overhead_ms),
        ("direct_ttft_ms", |s| s.direct_ttft_ms),
    ];
    measures
        .iter()
        .filter_map(|(name, get)| {
            let values: Vec<f64> = samples.iter().filter_map(get).collect();
            stats(&values).map(|s| ((*name).to_owned(), s))
        })
        .collect()
}

/// What each measure means, for the report.
fn describe(name: &str) -> &'static str {
    match name {
        "first_draft_ms" => "**first `draft` frame** on the visitor's stream",
        "message_ms" => "stored bot `message` frame",
        "post_ms" => "`POST /widget/conversations` answered 201",
        "llm_request_ms" => "AutoCRM's first model request reaches the endpoint",
        "first_token_ms" => "model's first token back (text or tool call)",
        "model_ms" => "time inside the model up to its first text token",
        "overhead_ms" => "**AutoCRM's overhead**: first draft − time inside the model",
        "direct_ttft_ms" => "model alone: the turn's first request replayed, first token",
        _ => "",
    }
}

fn markdown(r: &ChatbotResult) -> String {
    let mut out = format!(
        "# Chatbot first-token latency, {}\n\n\
         - Command: `{}`\n\
         - Endpoint: {} (`{}`), {} measured conversations after {} warm-up, one at a time; {} did not stream\n\
         - Machine: {} × {}; load average {} before, {} after\n\
         - Commit: `{}`{}\n\n\
         Times in ms from just before the visitor's `POST /api/v1/widget/conversations` \
         (nearest-rank percentiles).\n\n\
         | measure | p50 | p90 | max | n |\n|---|---:|---:|---:|---:|\n",
        r.at.format("%Y-%m-%d"),
        r.command,
        r.endpoint,
        r.model,
        r.runs,
        r.warmup,
        r.not_streamed,
        r.machine.nproc,
        r.machine.cpu,
        r.machine.loadavg_before,
        r.machine.loadavg_after,
        r.commit,
        if r.dirty { " (with uncommitted changes)" } else { "" },
    );
    for (name, s) in &r.summary {
        let _ = writeln!(out, "| {} | {:.1} | {:.1} | {:.1} | {} |", describe(name), s.p50, s.p90, s.max, s.n);
    }
    out
}

/// Nearest-rank percentiles of `values`; `None` when empty.
pub fn stats(values: &[f64]) -> Option<Stats> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    Some(Stats {
        n: sorted.len(),
        p50: percentile(&sorted, 50.0),
        p90: percentile(&sorted, 90.0),
        max: sorted[sorted.len() - 1],
    })
}

/// The nearest-rank `p`-th percentile of a sorted, non-empty slice.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

// ------------------------------------------------------------------------------------------------
// The visitor and the admin, over HTTP

struct Bench {
    base: String,
    origin: String,
    http: reqwest::Client,
}

impl Bench {
    fn new(addr: &str) -> anyhow::Result<Self> {
        Ok(Self {
            base: format!("http://{addr}"),
            // AutoCRM's own origin is always allowed (the demo also allows any loopback port).
            origin: format!("http://{addr}"),
            http: reqwest::Client::builder().build()?,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in as the demo admin and turns the chatbot on with the endpoint.
    async fn configure(&self, llm_base_url: &str, model: &str, api_key: Option<&str>) -> anyhow::Result<()> {
        let res = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&json!({"workspace": "demo", "email": ADMIN.0, "password": ADMIN.1}))
            .send()
            .await?;
        if res.status() != StatusCode::CREATED {
            bail!("sign-in answered {}: {}", res.status(), res.text().await?);
        }
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| c.split(';').next())
            .context("no session cookie")?
            .to_owned();
        let session: Value = res.json().await?;
        let csrf = session["csrf_token"].as_str().context("no CSRF token")?.to_owned();
        let mut patch = json!({
            "chatbot_enabled": true,
            "chatbot_name": BOT_NAME,
            "llm_base_url": llm_base_url,
            "llm_model": model,
        });
        if let Some(key) = api_key {
            patch["llm_api_key"] = json!(key);
        }
        let res = self
            .http
            .patch(self.url("/api/v1/ai/settings"))
            .header(header::COOKIE, cookie)
            .header("x-csrf-token", csrf)
            .json(&patch)
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("PATCH /api/v1/ai/settings answered {}: {}", res.status(), res.text().await?);
        }
        Ok(())
    }

    /// One visitor, one question: returns the sample and the first streamed model request AutoCRM made.
    async fn converse(&self, question: &str, proxy: &Proxy, wait: Duration) -> anyhow::Result<(Sample, Option<Value>)> {
        let res = self
            .http
            .post(self.url("/api/v1/widget/session"))
            .header(header::ORIGIN, &self.origin)
            .json(&json!({"workspace": "demo", "locale": "en"}))
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("widget session answered {}: {}", res.status(), res.text().await?);
        }
        let token = res.json::<Value>().await?["token"].as_str().context("no visitor token")?.to_owned();
        let stream = self
            .http
            .get(self.url("/api/v1/widget/stream"))
            .header(header::ORIGIN, &self.origin)
            .bearer_auth(&token)
            .send()
            .await?;
        if stream.status() != StatusCode::OK {
            bail!("widget stream answered {}", stream.status());
        }
        // The stream subscribed before answering, so nothing of the turn is missed.
        let mut body = stream.bytes_stream();
        let mut parser = SseParser::default();
        proxy.clear();

        let t0 = Instant::now();
        let ms = |at: Instant| at.saturating_duration_since(t0).as_secs_f64() * 1000.0;
        let res = self
            .http
            .post(self.url("/api/v1/widget/conversations"))
            .header(header::ORIGIN, &self.origin)
            .bearer_auth(&token)
            .json(&json!({"body": question}))
            .send()
            .await?;
        let post_ms = ms(Instant::now());
        if res.status() != StatusCode::CREATED {
            bail!("starting a conversation answered {}: {}", res.status(), res.text().await?);
        }
        let id = res.json::<Value>().await?["id"].as_i64().context("no conversation id")?;

        let deadline = tokio::time::Instant::now() + wait;
        let (mut first_draft, mut drafts) = (None, 0);
        let (message_at, text) = 'read: loop {
            let chunk = tokio::time::timeout_at(deadline, body.next())
                .await
                .with_context(|| format!("no bot answer within {wait:?} to {question:?}"))?
                .context("the visitor's stream ended")??;
            let now = Instant::now();
            for frame in parser.push(&chunk) {
                let data: Value = serde_json::from_str(&frame.data).unwrap_or(Value::Null);
                if data["conversation_id"].as_i64() != Some(id) {
                    continue;
                }
                match frame.event.as_str() {
                    "draft" => {
                        drafts += 1;
                        first_draft.get_or_insert(now);
                    }
                    "message" if data["participant"] == "bot" => {
                        break 'read (now, data["text"].as_str().unwrap_or_default().to_owned());
                    }
                    _ => {}
                }
            }
        };

        let calls: Vec<Call> = proxy.calls().into_iter().filter(|c| c.streamed).collect();
        let first_text = calls.iter().position(|c| c.first_text.is_some());
        let model = first_text.map(|i| {
            let before: Duration = calls[..i].iter().filter_map(|c| Some(c.done?.duration_since(c.arrived))).sum();
            let last = &calls[i];
            (before + last.first_text.unwrap_or(last.arrived).duration_since(last.arrived)).as_secs_f64() * 1000.0
        });
        let first_draft_ms = first_draft.map(ms);
        let sample = Sample {
            question: question.to_owned(),
            post_ms,
            first_draft_ms,
            message_ms: ms(message_at),
            drafts,
            answer_chars: text.chars().count(),
            llm_calls: calls.len(),
            llm_request_ms: calls.first().map(|c| ms(c.arrived)),
            first_token_ms: calls.iter().find_map(|c| c.first_token).map(ms),
            model_ms: model,
            overhead_ms: first_draft_ms.zip(model).map(|(d, m)| d - m),
            direct_ttft_ms: None,
        };
        Ok((sample, calls.into_iter().next().map(|c| c.body)))
    }
}

// ------------------------------------------------------------------------------------------------
// The recording proxy in front of the model

/// One model request that passed through the proxy.
#[derive(Debug, Clone)]
struct Call {
    body: Value,
    streamed: bool,
    arrived: Instant,
    /// The first delta carrying text or a tool call.
    first_token: Option<Instant>,
    /// The first delta carrying text.
    first_text: Option<Instant>,
    /// The body ended.
    done: Option<Instant>,
}

#[derive(Clone)]
struct Proxy {
    /// `http://127.0.0.1:<port>/v1`, for AutoCRM's `llm_base_url`.
    base_url: String,
    upstream: String,
    api_key: Option<String>,
    client: reqwest::Client,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Proxy {
    async fn start(upstream: String, api_key: Option<String>) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let proxy = Self {
            base_url: format!("http://{}/v1", listener.local_addr()?),
            upstream,
            api_key,
            client: reqwest::Client::builder().build()?,
            calls: Arc::default(),
        };
        let app = axum::Router::new().fallback(forward).with_state(proxy.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(proxy)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Call>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn clear(&self) {
        self.lock().clear();
    }

    fn calls(&self) -> Vec<Call> {
        self.lock().clone()
    }
}

/// Forwards a request to the endpoint and streams the answer back, noting
/// when it arrived, the first token and the end.
async fn forward(State(proxy): State<Proxy>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let arrived = Instant::now();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let streamed = parsed["stream"] == json!(true);
    let index = {
        let mut calls = proxy.lock();
        calls.push(Call { body: parsed, streamed, arrived, first_token: None, first_text: None, done: None });
        calls.len() - 1
    };
    let path = uri.path().strip_prefix("/v1").unwrap_or(uri.path());
    let mut req = proxy.client.post(format!("{}{path}", proxy.upstream.trim_end_matches('/'))).body(body);
    if let Some(v) = headers.get(header::CONTENT_TYPE) {
        req = req.header(header::CONTENT_TYPE, v);
    }
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        req = req.header(header::AUTHORIZATION, v);
    } else if let Some(key) = &proxy.api_key {
        req = req.bearer_auth(key);
    }
    let res = match req.send().await {
        Ok(res) => res,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = res.status();
    let content_type = res.headers().get(header::CONTENT_TYPE).cloned();
    let (watcher, ender) = (proxy.clone(), proxy.clone());
    let mut scanner = TokenScanner::default();
    let body = res
        .bytes_stream()
        .map(move |chunk| {
            if let Ok(bytes) = &chunk {
                let seen = scanner.push(bytes);
                let now = Instant::now();
                let mut calls = watcher.lock();
                if let Some(call) = calls.get_mut(index) {
                    if seen.token {
                        call.first_token.get_or_insert(now);
                    }
                    if seen.text {
                        call.first_text.get_or_insert(now);
                    }
                }
            }
            chunk
        })
        .chain(
            futures::stream::once(async move {
                if let Some(call) = ender.lock().get_mut(index) {
                    call.done = Some(Instant::now());
                }
            })
            .filter_map(|()| async { None }),
        );
    let mut out = Response::new(Body::from_stream(body));
    *out.status_mut() = status;
    if let Some(v) = content_type {
        out.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    out
}

/// Sends `body` (a streamed chat request) to the endpoint; the time to its first token.
async fn direct_ttft(
    client: &reqwest::Client,
    upstream: &str,
    api_key: Option<&str>,
    body: &Value,
) -> anyhow::Result<Option<f64>> {
    let mut req = client.post(format!("{}/chat/completions", upstream.trim_end_matches('/'))).json(body);
    if let Some(key) = api_key {
        req = req.bearer_auth(key);
    }
    let t0 = Instant::now();
    let res = req.send().await?;
    if !res.status().is_success() {
        bail!("the endpoint answered {}: {}", res.status(), res.text().await?);
    }
    let mut stream = res.bytes_stream();
    let mut scanner = TokenScanner::default();
    let mut first = None;
    while let Some(chunk) = stream.next().await {
        if scanner.push(&chunk?).token && first.is_none() {
            first = Some(t0.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(first)
}

// ------------------------------------------------------------------------------------------------
// Server-Sent Events

/// One SSE event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseFrame {
    /// `event:` (`message` when absent, as the SSE spec says).
    pub event: String,
    /// The `data:` lines joined by newlines.
    pub data: String,
    /// `id:`, if any.
    pub id: Option<String>,
}

/// Splits a byte stream into SSE events, whatever the chunking (an event,
/// or a UTF-8 character, may span chunks). Comments (keep-alives) and
/// events without data are skipped.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
}

impl SseParser {
    /// Feeds a chunk; returns the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseFrame> {
        self.buf.extend(chunk.iter().filter(|b| **b != b'\r'));
        let mut frames = Vec::new();
        while let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
            let raw: Vec<u8> = self.buf.drain(..end + 2).collect();
            let raw = String::from_utf8_lossy(&raw);
            let (mut event, mut data, mut id) = (None, Vec::new(), None);
            for line in raw.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "event" => event = Some(value.to_owned()),
                    "data" => data.push(value),
                    "id" => id = Some(value.to_owned()),
                    _ => {} // a comment (`: keep-alive`) or an unknown field
                }
            }
            if !data.is_empty() {
                frames.push(SseFrame { event: event.unwrap_or_else(|| "message".into()), data: data.join("\n"), id });
            }
        }
        frames
    }
}

/// What a chunk of an OpenAI-style chat stream carried.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// A delta with text or a tool call.
    pub token: bool,
    /// A delta with text.
    pub text: bool,
}

/// Watches an OpenAI-compatible chat stream for its first tokens.
#[derive(Debug, Default)]
pub struct TokenScanner {
    sse: SseParser,
}

impl TokenScanner {
    /// Feeds a chunk; what the events it completed carried.
    pub fn push(&mut self, chunk: &[u8]) -> Seen {
        let mut seen = Seen::default();
        for frame in self.sse.push(chunk) {
            let Ok(v) = serde_json::from_str::<Value>(&frame.data) else { continue }; // `[DONE]`
            let delta = &v["choices"][0]["delta"];
            let text = delta["content"].as_str().is_some_and(|t| !t.is_empty());
            let tool = delta["tool_calls"].as_array().is_some_and(|c| !c.is_empty());
            seen.text |= text;
            seen.token |= text || tool;
        }
        seen
    }
}

// ------------------------------------------------------------------------------------------------
// The machine

fn command_out(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn git(args: &[&str]) -> String {
    command_out("git", args)
}

fn cpu_model() -> String {
    command_out("lscpu", &[])
        .lines()
        .find_map(|l| l.strip_prefix("Model name:"))
        .map(|m| m.trim().to_owned())
        .unwrap_or_default()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let s = stats(&values).unwrap();
        assert_eq!((s.n, s.p50, s.p90, s.max), (10, 5.0, 9.0, 10.0));
        let one = stats(&[42.0]).unwrap();
        assert_eq!((one.p50, one.p90, one.max), (42.0, 42.0, 42.0));
        assert!(stats(&[]).is_none());
    }

    #[test]
    fn sse_frames_survive_any_chunking_and_skip_keep_alives() {
        let stream = ": keep-alive\n\nevent: draft\ndata: {\"text\":\"Grüß\"}\n\nid: 7\nevent: message\r\ndata: a\ndata: b\r\n\r\n";
        let bytes = stream.as_bytes();
        // Every split point, including inside the two-byte `ü`.
        for cut in 0..bytes.len() {
            let mut p = SseParser::default();
            let mut frames = p.push(&bytes[..cut]);
            frames.extend(p.push(&bytes[cut..]));
            assert_eq!(
                frames,
                vec![
                    SseFrame { event: "draft".into(), data: "{\"text\":\"Grüß\"}".into(), id: None },
                    SseFrame { event: "message".into(), data: "a\nb".into(), id: Some("7".into()) },
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn the_first_token_is_text_or_a_tool_call_not_the_role_chunk() {
        let mut s = TokenScanner::default();
        let role = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
        assert_eq!(s.push(role.as_bytes()), Seen::default());
        let tool = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0}]}}]}\n\n";
        assert_eq!(s.push(tool.as_bytes()), Seen { token: true, text: false });
        let text = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(s.push(text.as_bytes()), Seen { token: true, text: true });
    }
}

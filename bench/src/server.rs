//! The release `autocrm` process under measurement, shared by `run` and
//! `chatbot`: started with the rate limits raised (a benchmark measures the
//! server, not the limiter's refusals), probed until ready, stopped with
//! SIGTERM; plus a minimal HTTP/1.1 probe that needs no client library.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A running `autocrm` process.
pub struct Server {
    child: Child,
    /// Its process id (for `/proc/PID/…`).
    pub pid: u32,
}

impl Server {
    /// Starts `binary` with `args` (e.g. `serve --bind …`), its data directory
    /// and `server.log` (stderr) under `workdir`, and `env` added.
    pub fn start(binary: &Path, args: &[&str], env: &[(&str, &str)], workdir: &Path) -> anyhow::Result<Self> {
        let data = workdir.join("data");
        std::fs::create_dir_all(&data)?;
        let log = std::fs::File::create(workdir.join("server.log"))?;
        let mut cmd = Command::new(binary);
        cmd.args(args)
            .env("AUTOCRM_DATA_DIR", &data)
            .env("AUTOCRM_LIMITS__PER_KEY_PER_MINUTE", "1000000000")
            .env("AUTOCRM_LIMITS__PER_IP_PER_MINUTE", "1000000000")
            .env("AUTOCRM_LOG", std::env::var("AUTOCRM_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id();
        Ok(Self { child, pid })
    }

    /// SIGTERM for a graceful shutdown, then makes sure it is gone.
    pub fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid.to_string()]).status();
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `GET /readyz` answers 200 (at most `limit`).
pub async fn wait_ready(addr: &str, limit: Duration) -> anyhow::Result<()> {
    let t0 = Instant::now();
    loop {
        if let Ok((200, _)) = http(addr, "GET", "/readyz", "", None).await {
            return Ok(());
        }
        if t0.elapsed() > limit {
            bail!("the server did not become ready in {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A minimal HTTP/1.1 request (Connection: close) for probes.
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: &str,
    body: Option<&str>,
) -> anyhow::Result<(u16, String)> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let body = body.unwrap_or_default();
    let auth = if key.is_empty() { String::new() } else { format!("Authorization: Bearer {key}\r\n") };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).context("bad response")?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

//! Test support: a real server on port 0 over a fresh real database.
//!
//! `spawn_app()` uses SQLite in a temporary directory, or PostgreSQL when
//! `AUTOCRM_TEST_POSTGRES_URL` is set (a new database per app, created on
//! that server). The app comes with a workspace, an admin, an agent, two
//! customers and API keys, so tests start at "Act".
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use autocrm_domain::auth::PrincipalKind;
use autocrm_domain::{EmailAddress, Principal, Role, ScopeSet};
use autocrm_server::{AppState, ServerConfig};
use autocrm_store::{Clock, Store, StoreOptions, SystemClock};
use chrono::{DateTime, TimeDelta, Timelike as _, Utc};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

pub mod mailserver;
pub mod oidc;
pub mod twilio;
pub use autocrm_ai::fake_llm;
pub use mailserver::{MailServer, SentMessage};

/// A real SMTP server on loopback (Python's aiosmtpd, installed by the test
/// command) that stores what it receives in a maildir; stopped on drop.
pub struct SmtpSink {
    /// `127.0.0.1:port`.
    pub addr: String,
    child: std::process::Child,
    dir: TempDir,
}

impl SmtpSink {
    /// Starts the server and waits until it accepts connections.
    pub async fn start() -> Self {
        let dir = TempDir::new();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &addr, "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd)");
        let sink = Self { addr, child, dir }; // dropping it stops the server, also on a failed start
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&sink.addr).await.is_ok() {
                return sink;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start on {}", sink.addr);
    }

    /// The raw messages received so far.
    pub fn messages(&self) -> Vec<String> {
        let new = self.dir.path().join("maildir").join("new");
        let mut out: Vec<String> = std::fs::read_dir(new)
            .map(|entries| entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect())
            .unwrap_or_default();
        out.sort();
        out
    }

    /// Waits up to 10 s for at least `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..100 {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("expected {n} e-mails, got {}", self.messages().len());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub use autocrm_jobs::mail::MailConfig;

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery";

/// A running app.
pub struct TestApp {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The listening address.
    pub addr: SocketAddr,
    /// The store behind it.
    pub store: Store,
    /// The seeded workspace.
    pub ws: i64,
    /// A plain HTTP client (no cookies).
    pub http: reqwest::Client,
    _dir: TempDir,
}

/// A fresh directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `autocrm-test-<random>`.
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("autocrm-test-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A clock that stands still until a test sets or advances it.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    /// Starts at the current whole second (every backend stores it exactly).
    pub fn new() -> Self {
        Self(Mutex::new(Utc::now().with_nanosecond(0).unwrap()))
    }

    /// Moves time by `by` (negative moves it back).
    pub fn advance(&self, by: TimeDelta) {
        *self.0.lock().unwrap() += by;
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap() = at;
    }
}

impl Default for TestClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Which database a test app runs on.
pub fn backend() -> &'static str {
    if std::env::var("AUTOCRM_TEST_POSTGRES_URL").is_ok() { "postgres" } else { "sqlite" }
}

fn unique() -> String {
    use rand::Rng as _;
    rand::thread_rng()
        .sample_iter(rand::distributions::Alphanumeric)
        .take(10)
        .map(char::from)
        .collect::<String>()
        .to_lowercase()
}

/// A fresh database URL: a SQLite file in `dir`, or a new PostgreSQL database.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("AUTOCRM_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let name = format!("autocrm_test_{}", unique());
            let db = sea_orm::Database::connect(&admin_url).await.expect("connect to AUTOCRM_TEST_POSTGRES_URL");
            db.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
            // Tests need no durability across a server crash: skipping the commit flush makes
            // every write much faster and changes nothing about visibility or locking.
            db.execute_unprepared(&format!("ALTER DATABASE {name} SET synchronous_commit = off"))
                .await
                .expect("configure test database");
            db.close().await.ok();
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_owned();
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite://{}/autocrm.db?mode=rwc", dir.display()),
    }
}

/// Opens a migrated store on a fresh database.
pub async fn fresh_store(dir: &std::path::Path) -> Store {
    let url = fresh_database(dir).await;
    open_store(&url, dir).await
}

/// Opens a migrated store with an injected clock on a fresh database.
pub async fn fresh_store_with_clock(dir: &std::path::Path, clock: Arc<dyn Clock>) -> Store {
    let url = fresh_database(dir).await;
    open_store_with_clock(&url, dir, clock).await
}

/// Opens and migrates a store at `url`.
pub async fn open_store(url: &str, dir: &std::path::Path) -> Store {
    open_store_with_clock(url, dir, Arc::new(SystemClock)).await
}

/// Opens and migrates a store at `url` reading time from `clock`.
pub async fn open_store_with_clock(url: &str, dir: &std::path::Path, clock: Arc<dyn Clock>) -> Store {
    let store =
        Store::connect(StoreOptions { url: url.to_owned(), max_connections: 8, blob_dir: dir.join("blobs"), clock })
            .await
            .expect("connect store");
    store.migrate().await.expect("migrate");
    store
}

/// Starts the app on port 0 with a fresh database and seeded people.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with the server configuration adjusted by `configure`
/// (low rate limits, a small body limit …).
pub async fn spawn_app_with(configure: impl FnOnce(&mut ServerConfig)) -> TestApp {
    let dir = TempDir::new();
    let store = fresh_store(dir.path()).await;
    let mut config = test_config();
    configure(&mut config);
    spawn_on_dir(store, dir, config).await
}

/// The configuration test apps run with: defaults, plus loopback webhooks.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        webhook_allow: autocrm_domain::ssrf::AllowList::parse("127.0.0.0/8").unwrap(),
        ..ServerConfig::default()
    }
}

/// Starts a server over an existing store (two nodes on one PostgreSQL database).
/// `dir` is removed when the app is dropped.
pub async fn spawn_on(store: Store, dir: PathBuf) -> TestApp {
    spawn_on_dir(store, TempDir(dir), test_config()).await
}

async fn spawn_on_dir(store: Store, dir: TempDir, config: ServerConfig) -> TestApp {
    let _ = rustls::crypto::ring::default_provider().install_default();
    store.start_cluster_listener().await.unwrap();
    let ws = match autocrm_store::workspaces::by_slug(&store, "acme").await.unwrap() {
        Some(ws) => ws.id,
        None => seed(&store).await,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(store.clone(), config);
    tokio::spawn(async move {
        autocrm_server::serve(listener, state, std::future::pending()).await.ok();
    });
    TestApp { base: format!("http://{addr}"), addr, store, ws, http: reqwest::Client::new(), _dir: dir }
}

/// Seeds workspaces `acme` (admin, agent, customers Carla and Bob) and
/// `other` (its admin); returns acme's id. Every user's password is [`PASSWORD`].
pub async fn seed(store: &Store) -> i64 {
    let ws = autocrm_store::workspaces::create(store, "acme", "Acme Shop", "UTC", "en").await.unwrap();
    let other = autocrm_store::workspaces::create(store, "other", "Other Shop", "UTC", "en").await.unwrap();
    let hash = autocrm_server::auth::hash_password(PASSWORD).unwrap();
    for (w, email, name, role) in [
        (ws.id, "admin@acme.test", "Ada Admin", Role::Admin),
        (ws.id, "anna@acme.test", "Anna Agent", Role::Agent),
        (ws.id, "carla@customer.test", "Carla Customer", Role::Customer),
        (ws.id, "bob@customer.test", "Bob Customer", Role::Customer),
        (other.id, "admin@other.test", "Otto Admin", Role::Admin),
    ] {
        autocrm_store::users::create(
            store,
            &Principal::system(w),
            autocrm_store::users::NewUser {
                email: EmailAddress::parse(email).unwrap(),
                name: name.into(),
                role,
                password_hash: Some(hash.clone()),
            },
        )
        .await
        .unwrap();
    }
    ws.id
}

/// The principal a seeded user acts as (what the server builds from their session).
pub async fn principal(store: &Store, workspace: &str, email: &str) -> Principal {
    let ws = autocrm_store::workspaces::by_slug(store, workspace).await.unwrap().expect("workspace");
    let user = autocrm_store::users::by_email(store, ws.id, email).await.unwrap().expect("user");
    Principal {
        workspace_id: ws.id,
        kind: PrincipalKind::User {
            user_id: user.id,
            role: Role::parse(&user.role).unwrap(),
            contact_id: user.contact_id,
            name: user.name,
        },
    }
}

/// A signed-in session: cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// `name=value` for the Cookie header.
    pub cookie: String,
    /// The CSRF token.
    pub csrf: String,
}

impl TestApp {
    /// URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in and returns the session.
    pub async fn login(&self, workspace: &str, email: &str) -> Session {
        let res = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&json!({"workspace": workspace, "email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "login of {email} failed");
        let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
        let body: Value = res.json().await.unwrap();
        Session { cookie, csrf: body["csrf_token"].as_str().unwrap().to_owned() }
    }

    /// Creates an API key in a workspace.
    pub async fn api_key(&self, ws: i64, scopes: &str) -> String {
        autocrm_store::api_keys::create(
            &self.store,
            &Principal::system(ws),
            "test",
            &ScopeSet::parse(scopes).unwrap(),
            None,
        )
        .await
        .unwrap()
        .1
    }

    /// Starts job workers on this node (loopback webhook destinations allowed);
    /// they stop when the handle is dropped.
    pub fn spawn_workers(&self) -> autocrm_jobs::WorkerHandle {
        self.spawn_workers_with_mail(None)
    }

    /// Like [`Self::spawn_workers`], sending system e-mail through `mail`.
    pub fn spawn_workers_with_mail(&self, mail: Option<autocrm_jobs::mail::MailConfig>) -> autocrm_jobs::WorkerHandle {
        autocrm_jobs::spawn_workers(
            self.store.clone(),
            autocrm_jobs::WorkerConfig {
                workers: 1,
                poll_interval: std::time::Duration::from_millis(200),
                allow_networks: autocrm_domain::ssrf::AllowList::parse("127.0.0.0/8").unwrap(),
                request_timeout: std::time::Duration::from_secs(5),
                mail,
                ..autocrm_jobs::WorkerConfig::default()
            },
        )
    }

    /// Job workers for the channels: customer e-mail through `mail` (unless
    /// a mailbox has its own SMTP server), IMAP polls checked every 200 ms
    /// (self-signed loopback certificates accepted), links under this app.
    pub fn spawn_channel_workers(&self, mail: Option<autocrm_jobs::mail::MailConfig>) -> autocrm_jobs::WorkerHandle {
        autocrm_jobs::spawn_workers(
            self.store.clone(),
            autocrm_jobs::WorkerConfig {
                workers: 1,
                poll_interval: std::time::Duration::from_millis(200),
                allow_networks: autocrm_domain::ssrf::AllowList::parse("127.0.0.0/8").unwrap(),
                request_timeout: std::time::Duration::from_secs(5),
                mail,
                public_url: self.base.clone(),
                imap_tick: std::time::Duration::from_millis(200),
                imap_accept_invalid_certs: true,
                ..autocrm_jobs::WorkerConfig::default()
            },
        )
    }

    /// The id of workspace `slug`.
    pub async fn workspace_id(&self, slug: &str) -> i64 {
        autocrm_store::workspaces::by_slug(&self.store, slug).await.unwrap().unwrap().id
    }
}

/// Adds credentials to a request.
pub trait Auth {
    /// As a session (cookie + CSRF header).
    #[must_use]
    fn session(self, s: &Session) -> Self;
    /// As an API key.
    #[must_use]
    fn key(self, key: &str) -> Self;
}

impl Auth for reqwest::RequestBuilder {
    fn session(self, s: &Session) -> Self {
        self.header("cookie", &s.cookie).header("x-csrf-token", &s.csrf)
    }
    fn key(self, key: &str) -> Self {
        self.bearer_auth(key)
    }
}

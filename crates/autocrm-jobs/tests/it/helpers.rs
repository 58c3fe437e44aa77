//! The test harness: a fresh store per test and backend, a steppable clock,
//! and shortcuts for the rows the tests need.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use autocrm_domain::EmailAddress;
use autocrm_domain::ssrf::AllowList;
use autocrm_jobs::{Worker, WorkerConfig};
use autocrm_store::entity::{webhook_deliveries, webhooks as webhook_rows};
use autocrm_store::tickets::{NewTicket, RequesterRef};
use autocrm_store::{Clock, Principal, Store, StoreOptions, jobs, tickets, webhooks, workspaces};
use chrono::{DateTime, TimeDelta, Timelike as _, Utc};
use sea_orm::{ConnectionTrait as _, Database};

/// Where a test's store lives.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The server URL from `AUTOCRM_TEST_POSTGRES_URL`; each test creates its own database there.
    Postgres(String),
}

/// `SQLite` always; `PostgreSQL` too when `AUTOCRM_TEST_POSTGRES_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("AUTOCRM_TEST_POSTGRES_URL")
        && !url.trim().is_empty()
    {
        all.push(Backend::Postgres(url));
    }
    all
}

/// Runs `scenario` once per backend.
pub async fn each_backend<F, Fut>(scenario: F)
where
    F: Fn(Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    for backend in backends() {
        scenario(backend).await;
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    /// Starts at the current second (webhook timestamps stay plausible for verifiers).
    pub fn new() -> Self {
        let now = Utc::now().with_nanosecond(0).unwrap();
        Self(Mutex::new(now))
    }

    /// Moves time forward.
    pub fn advance(&self, by: TimeDelta) {
        *self.0.lock().unwrap() += by;
    }

    /// The current instant as unix seconds.
    pub fn now_ts(&self) -> i64 {
        self.now().timestamp()
    }

    /// Moves time to `at` (never backwards).
    pub fn advance_to(&self, at: DateTime<Utc>) {
        let mut now = self.0.lock().unwrap();
        *now = (*now).max(at);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// A fresh, migrated store with one workspace.
pub struct TestApp {
    pub store: Store,
    pub clock: Arc<TestClock>,
    pub ws: i64,
    pub system: Principal,
    dir: PathBuf,
    pg: Option<(String, String)>,
}

impl TestApp {
    pub async fn spawn(backend: &Backend) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let unique = format!("{}_{:016x}", std::process::id(), rand::random::<u64>());
        let dir = std::env::temp_dir().join(format!("autocrm-jobs-test-{unique}"));
        std::fs::create_dir_all(&dir).unwrap();
        let (url, pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/db.sqlite?mode=rwc", dir.display()), None),
            Backend::Postgres(server) => {
                let name = format!("autocrm_test_{unique}");
                let admin = Database::connect(server.as_str()).await.expect("connect to AUTOCRM_TEST_POSTGRES_URL");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
                admin.close().await.unwrap();
                let mut url = url::Url::parse(server).unwrap();
                url.set_path(&format!("/{name}"));
                (url.to_string(), Some((server.clone(), name)))
            }
        };
        let clock = Arc::new(TestClock::new());
        let store =
            Store::connect(StoreOptions { url, max_connections: 4, blob_dir: dir.join("blobs"), clock: clock.clone() })
                .await
                .unwrap();
        store.migrate().await.unwrap();
        let ws = workspaces::create(&store, "acme", "Acme", "UTC", "en").await.unwrap().id;
        Self { store, clock, ws, system: Principal::system(ws), dir, pg }
    }

    /// A worker that runs one job at a time (deterministic order), allowing `allow`.
    pub fn worker(&self, allow: &str) -> Worker {
        Worker::new(self.store.clone(), Self::worker_config(allow))
    }

    pub fn worker_config(allow: &str) -> WorkerConfig {
        WorkerConfig {
            workers: 1,
            batch: 1,
            allow_networks: AllowList::parse(allow).unwrap(),
            request_timeout: Duration::from_secs(5),
            ..WorkerConfig::default()
        }
    }

    pub async fn create_webhook(&self, url: &str, events: &[&str]) -> webhook_rows::Model {
        let events: Vec<String> = events.iter().map(|e| (*e).to_owned()).collect();
        webhooks::create(&self.store, &self.system, url, &events, "test receiver").await.unwrap()
    }

    pub async fn create_ticket(&self, subject: &str) -> tickets::TicketView {
        let input = NewTicket {
            subject: subject.to_owned(),
            requester: Some(RequesterRef::Email {
                email: EmailAddress::parse("ada@example.com").unwrap(),
                name: Some("Ada".to_owned()),
            }),
            body: Some("It does not work.".to_owned()),
            priority: None,
            channel: None,
            status_id: None,
            assignee_id: None,
            team_id: None,
            tags: Vec::new(),
            custom_fields: serde_json::Map::new(),
            created_at: None,
        };
        tickets::create(&self.store, &self.system, input).await.unwrap()
    }

    pub async fn webhook(&self, id: i64) -> webhook_rows::Model {
        webhooks::get(&self.store, &self.system, id).await.unwrap()
    }

    /// A subscription's delivery log, oldest first.
    pub async fn deliveries(&self, webhook_id: i64) -> Vec<webhook_deliveries::Model> {
        let mut page = webhooks::deliveries(&self.store, &self.system, webhook_id, Some(200), None).await.unwrap();
        page.data.reverse();
        page.data
    }

    pub async fn pending_jobs(&self) -> u64 {
        jobs::pending(&self.store).await.unwrap()
    }

    /// Drops the `PostgreSQL` database and the temporary directory.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((server, name)) = self.pg
            && let Ok(admin) = Database::connect(server.as_str()).await
        {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            let _ = admin.close().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! AutoCRM's storage: one facade over SQLite and PostgreSQL.
//!
//! Only this crate knows SQL. Every write goes through a [`Tx`]: the row
//! changes, their events in the append-only log and the jobs they cause
//! (webhook deliveries) commit together, and events reach the real-time hub
//! only after the commit. Every call takes the acting [`Principal`], whose
//! workspace confines it; an id from another workspace is "not found".

pub mod entity;
mod error;
mod hub;
pub mod migrations;
mod owned;
mod tx;

pub mod ai;
pub mod api_keys;
pub mod attachments;
pub mod channels;
pub mod chat;
pub mod commerce;
pub mod contacts;
pub mod custom_fields;
pub mod events;
pub mod invitations;
pub mod jobs;
pub mod kb;
pub mod macros;
pub mod messages;
pub mod notifications;
pub mod page;
pub mod portal;
pub mod presence;
pub mod reports;
pub mod search;
pub mod sessions;
pub mod statuses;
pub mod tags;
pub mod tickets;
pub mod tutorials;
pub mod users;
pub mod views;
pub mod webhooks;
pub mod workspaces;

use std::path::PathBuf;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait as _;

pub use autocrm_domain::Principal;
pub use error::{FieldProblem, StoreError, StoreResult};
pub use hub::{ChatSignal, EventHub, HubEvent, Presence};
pub use tx::{NewEvent, Tx, Visibility};

/// Where time comes from; tests inject a fixed or steppable clock.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        // The one place the wall clock is read for stored timestamps.
        Utc::now()
    }
}

/// How to open the store.
#[derive(Clone)]
pub struct StoreOptions {
    /// `sqlite://path?mode=rwc` or `postgres://…`.
    pub url: String,
    /// Maximum pooled connections.
    pub max_connections: u32,
    /// Directory for attachment blobs.
    pub blob_dir: PathBuf,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never print it.
        f.debug_struct("StoreOptions")
            .field("backend", &self.url.split(':').next().unwrap_or_default())
            .field("max_connections", &self.max_connections)
            .field("blob_dir", &self.blob_dir)
            .finish_non_exhaustive()
    }
}

/// The store: a connection pool, the clock, the event hub.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    pub(crate) backend: DbBackend,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hub: EventHub,
    pub(crate) jobs_wake: Arc<tokio::sync::Notify>,
    pub(crate) blob_dir: PathBuf,
    /// SQLite has one writer at a time; write transactions queue here, in
    /// order, instead of polling the file lock in SQLite's busy handler
    /// (which sleeps up to 100 ms per try and made p99 seconds at 16 writers).
    pub(crate) write_lock: Arc<tokio::sync::Mutex<()>>,
    /// Trained classifiers, loaded once per version (see [`ai`]).
    pub(crate) ai_models: ai::ModelCache,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Connects (creating a SQLite file and its directory when missing).
    pub async fn connect(opts: StoreOptions) -> StoreResult<Self> {
        let is_sqlite = opts.url.starts_with("sqlite:");
        if is_sqlite
            && let Some(path) = sqlite_path(&opts.url)
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(StoreError::io)?;
        }
        let mut co = ConnectOptions::new(opts.url.clone());
        co.max_connections(opts.max_connections)
            .min_connections(1)
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        if is_sqlite {
            co.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    // WAL + NORMAL survives a crash of the process (kill -9) without losing a
                    // committed transaction; only an OS crash may lose the last few.
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // 2 MiB of page cache per connection (SQLite's default): with 16 pooled
                    // connections, 16 MiB each let the process grow past 350 MiB under load;
                    // misses are served from the OS page cache, which RSS does not count.
                    .pragma("cache_size", "-2000")
                    .pragma("temp_store", "memory")
            });
        }
        let db = Database::connect(co).await?;
        let backend = db.get_database_backend();
        let hub = EventHub::new();
        let store = Self {
            db,
            backend,
            clock: opts.clock,
            hub,
            jobs_wake: Arc::new(tokio::sync::Notify::new()),
            blob_dir: opts.blob_dir,
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            ai_models: ai::ModelCache::default(),
        };
        Ok(store)
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> StoreResult<()> {
        migrations::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Starts listening for other nodes' commits (PostgreSQL only; a no-op on SQLite).
    pub async fn start_cluster_listener(&self) -> StoreResult<()> {
        if self.backend == DbBackend::Postgres {
            hub::spawn_pg_listener(self.clone()).await?;
        }
        Ok(())
    }

    /// The current instant from the injected clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Which database this is.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgres",
            _ => "other",
        }
    }

    /// The real-time hub of this process.
    pub fn hub(&self) -> &EventHub {
        &self.hub
    }

    /// Woken whenever a job is enqueued by this process.
    pub fn jobs_wake(&self) -> Arc<tokio::sync::Notify> {
        self.jobs_wake.clone()
    }

    /// A cheap query proving the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        self.db.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// The raw connection, for benchmarks and tests that seed in bulk.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Closes the pool.
    pub async fn close(self) {
        let _ = self.db.close().await;
    }
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Parses a URL just to validate it early with a readable message.
pub fn check_database_url(url: &str) -> Result<(), String> {
    if url.starts_with("sqlite:") {
        return sqlx::sqlite::SqliteConnectOptions::from_str(url).map(|_| ()).map_err(|e| e.to_string());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return sqlx::postgres::PgConnectOptions::from_str(url).map(|_| ()).map_err(|e| e.to_string());
    }
    Err("the database URL must start with sqlite: or postgres://".into())
}

/// A custom SQL expression written with `$1, $2, …` placeholders in order;
/// on SQLite they become `?` (sea-query's SQLite placeholders are positional).
pub(crate) fn cust_expr(backend: DbBackend, template: &str, values: Vec<sea_orm::Value>) -> sea_orm::sea_query::Expr {
    let sql = if backend == DbBackend::Sqlite {
        let mut out = String::with_capacity(template.len());
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    } else {
        template.to_owned()
    };
    sea_orm::sea_query::Expr::cust_with_values(sql, values)
}

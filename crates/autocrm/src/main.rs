//! The `autocrm` binary: command-line parsing and wiring only.

mod config;
mod demo;
mod demo_chat;
mod demo_kb;
mod demo_ratings;
mod demo_tutorials;
mod eval;
mod eval_chatbot;

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use autocrm_domain::ssrf::AllowList;
use autocrm_domain::{EmailAddress, Principal, Role, ScopeSet};
use autocrm_server::{AppState, ServerConfig};
use autocrm_store::{Store, StoreOptions, SystemClock};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "autocrm", version, about = "AutoCRM: an AI-first helpdesk and CRM in one binary")]
struct Cli {
    /// Configuration file (default: ./autocrm.toml when present).
    #[arg(long, global = true, env = "AUTOCRM_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL (sqlite://… or postgres://…).
    #[arg(long = "database", global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the API, real-time hub and workers.
    Serve {
        /// Listen address.
        #[arg(long)]
        bind: Option<String>,
        /// Seed the demo workspace first when the database has none.
        #[arg(long)]
        demo: bool,
    },
    /// Runs only the job workers.
    Worker,
    /// Applies database migrations.
    Migrate,
    /// Prints the OpenAPI document.
    Openapi,
    /// Prints the commented default configuration.
    Config,
    /// Reads one raw e-mail on stdin and delivers it to a mailbox (for an
    /// MTA's pipe transport); prints one JSON object with the outcome.
    IngestEmail {
        /// Workspace slug.
        #[arg(long)]
        workspace: String,
        /// The mailbox's address (or one of its aliases).
        #[arg(long)]
        mailbox: String,
    },
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Measures the built-in AI on CSV data; needs no database or configuration.
    Eval {
        #[command(subcommand)]
        command: eval::EvalCommand,
    },
}

#[derive(Subcommand)]
#[allow(clippy::enum_variant_names)] // the subcommands are `create-…` verbs
enum AdminCommand {
    /// Creates a workspace.
    CreateWorkspace {
        /// Slug (a-z, 0-9, -).
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// IANA time zone.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// Creates a user; the password comes from `AUTOCRM_PASSWORD` or a prompt.
    CreateUser {
        /// Workspace slug.
        #[arg(long)]
        workspace: String,
        /// E-mail.
        #[arg(long)]
        email: String,
        /// admin, agent or customer.
        #[arg(long)]
        role: String,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Creates an API key and prints only the key.
    CreateApiKey {
        /// Workspace slug.
        #[arg(long)]
        workspace: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Comma-separated scopes (tickets:read,tickets:write,contacts:read,contacts:write,orders:read,orders:write,admin).
        #[arg(long)]
        scopes: String,
    },
}

fn main() -> anyhow::Result<()> {
    // One TLS provider for every rustls user in the process (webhook client).
    let _ = rustls::crypto::ring::default_provider().install_default();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AUTOCRM_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        // Evaluations read CSV files only: no configuration, database or runtime.
        Command::Eval { command } => eval::run(command),
        command => {
            tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(Cli { command, ..cli }))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut cfg = config::load(cli.config.as_deref())?;
    if let Some(db) = cli.database {
        cfg.database_url = db;
    }
    autocrm_store::check_database_url(&cfg.database_url).map_err(|e| anyhow::anyhow!("database URL: {e}"))?;
    match cli.command {
        Command::Config => {
            print!("{}", config::DEFAULTS);
            Ok(())
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&autocrm_server::api_doc())?);
            Ok(())
        }
        Command::Migrate => {
            let store = open(&cfg).await?;
            store.migrate().await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Worker => {
            let store = open(&cfg).await?;
            store.migrate().await?;
            // A separate worker process cannot know a server's `--bind`: it
            // uses `public_url`, else the config's `bind`.
            let public_url =
                if cfg.public_url.is_empty() { format!("http://{}", cfg.bind) } else { cfg.public_url.clone() };
            let handle = autocrm_jobs::spawn_workers(store, worker_config(&cfg, public_url)?);
            shutdown_signal().await;
            handle.shutdown().await;
            Ok(())
        }
        Command::Serve { bind, demo } => serve(cfg, bind, demo).await,
        Command::Admin { command } => admin(cfg, command).await,
        Command::IngestEmail { workspace, mailbox } => ingest_email(cfg, &workspace, &mailbox).await,
        Command::Eval { command } => eval::run(command),
    }
}

async fn open(cfg: &config::Config) -> anyhow::Result<Store> {
    Store::connect(StoreOptions {
        url: cfg.database_url.clone(),
        max_connections: cfg.max_connections,
        blob_dir: PathBuf::from(&cfg.data_dir).join("blobs"),
        clock: Arc::new(SystemClock),
    })
    .await
    .context("cannot open the database")
}

/// The workers' settings; `public_url` is where links in e-mail and SMS point
/// (the configured public URL, else the address the server listens on).
fn worker_config(cfg: &config::Config, public_url: String) -> anyhow::Result<autocrm_jobs::WorkerConfig> {
    Ok(autocrm_jobs::WorkerConfig {
        workers: cfg.workers.count.max(1),
        allow_networks: AllowList::parse(&cfg.webhooks.allow_networks).map_err(anyhow::Error::msg)?,
        mail: cfg.mail.config()?,
        public_url,
        ..autocrm_jobs::WorkerConfig::default()
    })
}

/// `autocrm ingest-email`: one message from stdin into a mailbox. Exit code
/// 0 when stored (or already stored), 65 (`EX_DATAERR`) for a message that is
/// not e-mail, 75 (`EX_TEMPFAIL`, the MTA retries) when the database failed.
async fn ingest_email(cfg: config::Config, workspace: &str, mailbox: &str) -> anyhow::Result<()> {
    use std::io::Read as _;
    let mut raw = Vec::new();
    std::io::stdin().take(64 * 1024 * 1024).read_to_end(&mut raw).context("reading the message from stdin")?;
    let store = open(&cfg).await?;
    store.migrate().await?;
    let ws = workspace_by_slug(&store, workspace).await?;
    let mbox = autocrm_store::channels::mailboxes::find_by_address(&store, ws.id, mailbox)
        .await
        .map_err(|_| anyhow::anyhow!("workspace {workspace} has no mailbox {mailbox}"))?;
    let auth = match autocrm_channels::email::auth::Authenticator::system() {
        Ok(a) => Some(a.verify(&raw, None, None, None).await),
        Err(_) => None,
    };
    match autocrm_store::channels::email_in::ingest(&store, &mbox, &raw, auth).await {
        Ok(done) => {
            println!(
                "{}",
                serde_json::json!({"ticket_id": done.ticket_id, "ticket_number": done.ticket_number,
                    "message_id": done.message_id, "duplicate": done.duplicate,
                    "outcome": autocrm_server::routes::channels::outcome_name(done.outcome)})
            );
            Ok(())
        }
        Err(autocrm_store::StoreError::Invalid(problems)) => {
            let detail = problems.iter().map(|p| format!("{} {}", p.pointer, p.detail)).collect::<Vec<_>>().join("; ");
            eprintln!("rejected: {detail}");
            std::process::exit(65);
        }
        Err(e) => {
            eprintln!("could not store the message (the MTA should retry): {e}");
            std::process::exit(75);
        }
    }
}

async fn serve(cfg: config::Config, bind: Option<String>, demo: bool) -> anyhow::Result<()> {
    // A misconfigured shop stops the start before anything listens.
    let shop = commerce_provider(&cfg.commerce)?;
    let outbound_mail = cfg.mail.config()?.is_some();
    let store = open(&cfg).await?;
    store.migrate().await?;
    if demo {
        demo::seed_if_missing(&store).await?;
    }
    store.start_cluster_listener().await?;
    let mut server_cfg = ServerConfig {
        session_idle_minutes: cfg.sessions.idle_timeout_minutes,
        session_absolute_hours: cfg.sessions.absolute_timeout_hours,
        max_body_bytes: cfg.limits.max_body_bytes,
        rate_limit_per_key: cfg.limits.per_key_per_minute,
        rate_limit_per_ip: cfg.limits.per_ip_per_minute,
        webhook_allow: AllowList::parse(&cfg.webhooks.allow_networks).map_err(anyhow::Error::msg)?,
        secure_cookies: cfg.sessions.secure_cookies,
        public_url: cfg.public_url.clone(),
        outbound_mail,
        imap_accept_invalid_certs: false,
        public_workspace: cfg.public_workspace.clone(),
    };
    let bind = bind.unwrap_or(cfg.bind.clone());
    let listener = tokio::net::TcpListener::bind(&bind).await.with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    if server_cfg.public_url.is_empty() {
        server_cfg.public_url = format!("http://{addr}");
    }
    // Workers start once the address is known: their links must point where
    // the server really listens (`--bind` may differ from the config's `bind`).
    let workers = (cfg.workers.count > 0)
        .then(|| {
            worker_config(&cfg, server_cfg.public_url.clone()).map(|w| autocrm_jobs::spawn_workers(store.clone(), w))
        })
        .transpose()?;
    eprintln!("AutoCRM listening on http://{addr} ({} database)", store.backend_name());
    eprintln!("API docs: http://{addr}/api/docs");
    if demo {
        demo::print_credentials(addr);
    }
    let mut state = AppState::new(store.clone(), server_cfg);
    if let Some(shop) = shop {
        state = state.with_commerce(shop);
    }
    autocrm_server::serve(listener, state, shutdown_signal()).await?;
    if let Some(w) = workers {
        w.shutdown().await;
    }
    store.close().await;
    Ok(())
}

/// The configured shop, or `None` for the built-in mock. Secrets are never printed.
fn commerce_provider(c: &config::Commerce) -> anyhow::Result<Option<Arc<dyn autocrm_commerce::CommerceProvider>>> {
    use autocrm_commerce::appstle::AppstleConfig;
    use autocrm_commerce::shopify::{Secret, ShopifyConfig, ShopifyProvider};
    match c.provider.trim() {
        "" | "mock" => Ok(None),
        "shopify" => {
            let s = &c.shopify;
            let mut shop = ShopifyConfig::new(&s.shop, Secret::new(&s.access_token));
            if !s.api_version.trim().is_empty() {
                s.api_version.trim().clone_into(&mut shop.api_version);
            }
            shop.base_url = Some(s.base_url.clone()).filter(|u| !u.trim().is_empty());
            shop.timeout = std::time::Duration::from_secs(s.timeout_seconds.clamp(1, 120));
            if !c.appstle.api_key.trim().is_empty() {
                let mut appstle = AppstleConfig::new(Secret::new(c.appstle.api_key.trim()));
                if !c.appstle.base_url.trim().is_empty() {
                    c.appstle.base_url.trim().clone_into(&mut appstle.base_url);
                }
                shop.appstle = Some(appstle);
            }
            let with_appstle = shop.appstle.is_some();
            let provider = ShopifyProvider::new(shop, Arc::new(SystemClock))?;
            eprintln!(
                "commerce: Shopify at {}{}",
                provider.endpoint(),
                if with_appstle { ", subscriptions through Appstle" } else { "" }
            );
            Ok(Some(Arc::new(provider)))
        }
        other => bail!("unknown commerce provider `{other}`; use \"mock\" or \"shopify\""),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

async fn admin(cfg: config::Config, command: AdminCommand) -> anyhow::Result<()> {
    let store = open(&cfg).await?;
    store.migrate().await?;
    match command {
        AdminCommand::CreateWorkspace { slug, name, time_zone } => {
            let ws =
                autocrm_store::workspaces::create(&store, &slug, &name, &time_zone, "en").await.map_err(describe)?;
            eprintln!("created workspace {} (id {})", ws.slug, ws.id);
        }
        AdminCommand::CreateUser { workspace, email, role, name } => {
            let ws = workspace_by_slug(&store, &workspace).await?;
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("{e}; use admin, agent or customer"))?;
            let email = EmailAddress::parse(&email)?;
            let password = match std::env::var("AUTOCRM_PASSWORD") {
                Ok(p) => p,
                Err(_) if std::io::stdin().is_terminal() => rpassword::prompt_password("Password: ")?,
                Err(_) => bail!("set AUTOCRM_PASSWORD or run in a terminal to be asked for the password"),
            };
            if password.chars().count() < 10 {
                bail!("the password must have at least 10 characters");
            }
            let hash = autocrm_server::auth::hash_password(&password).map_err(|_| anyhow::anyhow!("hashing failed"))?;
            let user = autocrm_store::users::create(
                &store,
                &Principal::system(ws.id),
                autocrm_store::users::NewUser { email, name, role, password_hash: Some(hash) },
            )
            .await
            .map_err(describe)?;
            eprintln!("created {} {} (id {})", user.role, user.email, user.id);
        }
        AdminCommand::CreateApiKey { workspace, name, scopes } => {
            let ws = workspace_by_slug(&store, &workspace).await?;
            let scopes = ScopeSet::parse(&scopes)?;
            let (_, secret) = autocrm_store::api_keys::create(&store, &Principal::system(ws.id), &name, &scopes, None)
                .await
                .map_err(describe)?;
            // Only the key on stdout, so scripts can capture it.
            println!("{secret}");
        }
    }
    store.close().await;
    Ok(())
}

async fn workspace_by_slug(store: &Store, slug: &str) -> anyhow::Result<autocrm_store::entity::workspaces::Model> {
    autocrm_store::workspaces::by_slug(store, slug).await?.with_context(|| format!("no workspace with slug `{slug}`"))
}

fn describe(e: autocrm_store::StoreError) -> anyhow::Error {
    match e {
        autocrm_store::StoreError::Invalid(problems) => {
            anyhow::anyhow!(
                problems.iter().map(|p| format!("{}: {}", p.pointer, p.detail)).collect::<Vec<_>>().join("; ")
            )
        }
        other => anyhow::anyhow!(other),
    }
}

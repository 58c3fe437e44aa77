//! `seed`: a fresh workspace with N tickets (~4 messages each), a pool of
//! requesters, 10 agents and an admin API key, written in large multi-row
//! INSERTs inside big transactions. Rows go through the store's own entities
//! so timestamps and JSON are encoded exactly as the server writes them; the
//! full-text indexes are filled by the schema's own triggers / generated
//! columns. Afterwards the view counters are rebuilt and the ticket-number
//! counter is moved past the seeded numbers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use autocrm_domain::{EmailAddress, Principal, Role, ScopeSet};
use autocrm_store::entity::{contacts, messages, tickets};
use autocrm_store::{Store, StoreOptions, SystemClock};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait as _, DbBackend, EntityTrait as _, Statement, TransactionTrait as _};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::corpus::Corpus;

/// Seed options.
#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// Database URL (`sqlite://…?mode=rwc` or `postgres://…`); must hold no workspace `bench`.
    #[arg(long)]
    pub database: String,
    /// Tickets to create.
    #[arg(long)]
    pub tickets: u64,
    /// Distinct requesters (contacts).
    #[arg(long, default_value_t = 50_000)]
    pub requesters: u64,
    /// Bitext CSV to sample text from (falls back to the demo tickets).
    #[arg(long, default_value = "/work/shared/datasets/bitext-cs/dev.csv")]
    pub corpus: PathBuf,
    /// Where to write the seed summary (API key, sizes) for `run`.
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// What `seed` leaves for `run`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SeedInfo {
    /// The database.
    pub database: String,
    /// Backend name.
    pub backend: String,
    /// Workspace id.
    pub workspace_id: i64,
    /// Admin API key.
    pub api_key: String,
    /// Tickets seeded.
    pub tickets: u64,
    /// Messages seeded.
    pub messages: u64,
    /// Requesters seeded.
    pub requesters: u64,
    /// Seconds the seeding took.
    pub seed_seconds: f64,
}

/// Status mix: new 5 %, open 15 %, pending 10 %, on hold 3 %, solved 20 %, closed 47 %.
const STATUS_MIX: &[(&str, u32)] =
    &[("new", 5), ("open", 15), ("pending", 10), ("on_hold", 3), ("solved", 20), ("closed", 47)];
/// Messages per ticket 1–7, mean ≈ 4.06.
const MESSAGE_MIX: &[(u32, u32)] = &[(1, 8), (2, 12), (3, 18), (4, 22), (5, 18), (6, 12), (7, 10)];
const PRIORITY_MIX: &[(&str, u32)] = &[("low", 20), ("normal", 60), ("high", 15), ("urgent", 5)];
const CHANNEL_MIX: &[(&str, u32)] = &[("email", 60), ("web", 20), ("chat", 10), ("sms", 5), ("api", 5)];
const FIRST: &[&str] = &[
    "Anna", "Ben", "Chloe", "Daiki", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kaito", "Lena", "Mateo",
    "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kim", "Lopez", "Moreau",
    "Nowak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Young", "Zhang",
];
const AGENTS: usize = 10;
/// Tickets per transaction.
const TX_TICKETS: u64 = 20_000;
/// Rows per INSERT statement (well under SQLite's 32,766 and PostgreSQL's 65,535 parameters).
const TICKETS_PER_INSERT: usize = 1000;
const MESSAGES_PER_INSERT: usize = 2000;

fn pick<T: Copy>(rng: &mut StdRng, mix: &[(T, u32)]) -> T {
    let total: u32 = mix.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (v, w) in mix {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    mix[0].0
}

/// Opens the store the way the server does.
pub async fn open(url: &str, max_connections: u32) -> anyhow::Result<Store> {
    Ok(Store::connect(StoreOptions {
        url: url.to_owned(),
        max_connections,
        blob_dir: std::env::temp_dir().join("autocrm-bench-blobs"),
        clock: Arc::new(SystemClock),
    })
    .await?)
}

/// The requester e-mail of contact number `n` (1-based); the load generator uses the same form.
pub fn requester_email(n: u64) -> String {
    format!("customer{n}@example.com")
}

fn html(text: &str) -> String {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!("<p>{}</p>", escaped.replace("\n\n", "</p><p>").replace('\n', "<br>"))
}

/// Runs `seed`.
pub async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let corpus = Corpus::load(Some(&args.corpus))?;
    let store = open(&args.database, 2).await?;
    store.migrate().await?;
    if autocrm_store::workspaces::by_slug(&store, "bench").await?.is_some() {
        bail!("the database already holds a `bench` workspace: seed into a fresh database");
    }
    let ws = autocrm_store::workspaces::create(&store, "bench", "Bench", "UTC", "en").await?;
    let sys = Principal::system(ws.id);
    let mut agents = Vec::new();
    for i in 0..AGENTS {
        let u = autocrm_store::users::create(
            &store,
            &sys,
            autocrm_store::users::NewUser {
                email: EmailAddress::parse(&format!("agent{i}@bench.example"))?,
                name: format!("{} {}", FIRST[i % FIRST.len()], LAST[(i * 7) % LAST.len()]),
                role: Role::Agent,
                password_hash: None,
            },
        )
        .await?;
        agents.push(u.id);
    }
    let (_, api_key) = autocrm_store::api_keys::create(&store, &sys, "bench", &ScopeSet::parse("admin")?, None).await?;
    let statuses: Vec<(String, i64)> = autocrm_store::statuses::list(&store, &sys)
        .await?
        .into_iter()
        .filter(|s| s.is_default)
        .map(|s| (s.category, s.id))
        .collect();
    let status_id = |cat: &str| statuses.iter().find(|(c, _)| c == cat).map(|(_, id)| *id);

    let db = store.connection();
    let backend = db.get_database_backend();
    let max_id = |table: &str| {
        let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
        async move {
            let row = db.query_one_raw(Statement::from_string(backend, sql)).await?.context("no row")?;
            anyhow::Ok(row.try_get_by_index::<i64>(0)?)
        }
    };
    let mut rng = StdRng::seed_from_u64(args.seed);
    let now = Utc::now();
    let year_ago = now - Duration::days(365);

    // Requesters.
    let contact_base = max_id("contacts").await?;
    let txn = db.begin().await?;
    let mut batch = Vec::with_capacity(TICKETS_PER_INSERT);
    for n in 1..=args.requesters {
        let at = year_ago - Duration::days(rng.gen_range(0..1000));
        batch.push(contacts::ActiveModel {
            id: Set(contact_base + n as i64),
            workspace_id: Set(ws.id),
            name: Set(format!("{} {}", FIRST[rng.gen_range(0..FIRST.len())], LAST[rng.gen_range(0..LAST.len())])),
            email: Set(Some(requester_email(n))),
            emails: Set(json!([])),
            phones: Set(json!([])),
            company_id: Set(None),
            tags: Set(json!([])),
            custom_fields: Set(json!({})),
            notes: Set(String::new()),
            external_ref: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
        });
        if batch.len() == TICKETS_PER_INSERT {
            contacts::Entity::insert_many(std::mem::take(&mut batch)).exec_without_returning(&txn).await?;
        }
    }
    if !batch.is_empty() {
        contacts::Entity::insert_many(batch).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    eprintln!("seed: {} requesters in {:.1}s", args.requesters, started.elapsed().as_secs_f64());

    // Tickets and messages, oldest first so ids grow with time as in real use.
    let ticket_base = max_id("tickets").await?;
    let mut message_id = max_id("messages").await?;
    let span = (now - year_ago).num_seconds() as f64;
    let mut total_messages = 0u64;
    let mut done = 0u64;
    while done < args.tickets {
        let txn = db.begin().await?;
        let end = (done + TX_TICKETS).min(args.tickets);
        let mut trows = Vec::with_capacity(TICKETS_PER_INSERT);
        let mut mrows = Vec::with_capacity(MESSAGES_PER_INSERT);
        for i in done..end {
            let id = ticket_base + i as i64 + 1;
            let created =
                year_ago + Duration::seconds((span * (i as f64 + rng.r#gen::<f64>()) / args.tickets as f64) as i64);
            let category = pick(&mut rng, STATUS_MIX);
            let requester = contact_base + rng.gen_range(1..=args.requesters) as i64;
            let assignee = (category != "new" && rng.gen_bool(0.85)).then(|| agents[rng.gen_range(0..agents.len())]);
            let channel = pick(&mut rng, CHANNEL_MIX);
            let n_messages = pick(&mut rng, MESSAGE_MIX);
            let subject_src = &corpus.requests[rng.gen_range(0..corpus.requests.len())];
            let subject: String = subject_src.chars().take(120).collect();
            let mut at = created;
            let mut first_response = None;
            let mut msgs = Vec::with_capacity(n_messages as usize);
            for j in 0..n_messages {
                if j > 0 {
                    // Replies follow within minutes to two days.
                    at += Duration::minutes(rng.gen_range(3..2880));
                }
                let at = at.min(now);
                let from_customer = j % 2 == 0;
                let internal = !from_customer && rng.gen_bool(0.1);
                let text = if j == 0 {
                    format!("Hello,\n\n{subject_src}\n\nThanks,\n{}", FIRST[(requester as usize) % FIRST.len()])
                } else if from_customer {
                    corpus.requests[rng.gen_range(0..corpus.requests.len())].clone()
                } else {
                    corpus.replies[rng.gen_range(0..corpus.replies.len())].clone()
                };
                let agent = assignee.unwrap_or(agents[rng.gen_range(0..agents.len())]);
                if !from_customer && !internal && first_response.is_none() {
                    first_response = Some(at);
                }
                message_id += 1;
                msgs.push(messages::ActiveModel {
                    id: Set(message_id),
                    workspace_id: Set(ws.id),
                    ticket_id: Set(id),
                    author_kind: Set(if from_customer { "contact" } else { "user" }.to_owned()),
                    author_user_id: Set((!from_customer).then_some(agent)),
                    author_contact_id: Set(from_customer.then_some(requester)),
                    internal: Set(internal),
                    channel: Set(channel.to_owned()),
                    body_html: Set(html(&text)),
                    body_text: Set(text),
                    // Bulk-loaded history: not triaged (insert_many needs every column set alike).
                    triage: Set(None),
                    created_at: Set(at),
                    updated_at: Set(at),
                });
            }
            total_messages += u64::from(n_messages);
            let updated: DateTime<Utc> = at.min(now);
            let solved = matches!(category, "solved" | "closed").then_some(updated);
            trows.push(tickets::ActiveModel {
                id: Set(id),
                workspace_id: Set(ws.id),
                number: Set(1000 + id - ticket_base),
                subject: Set(subject),
                status_id: Set(status_id(category).context("missing default status")?),
                status_category: Set(category.to_owned()),
                priority: Set(pick(&mut rng, PRIORITY_MIX).to_owned()),
                channel: Set(channel.to_owned()),
                requester_id: Set(requester),
                assignee_id: Set(assignee),
                team_id: Set(None),
                tags: Set(json!([])),
                custom_fields: Set(json!({})),
                merged_into_id: Set(None),
                message_count: Set(n_messages as i32),
                first_response_at: Set(first_response),
                solved_at: Set(solved),
                closed_at: Set((category == "closed").then_some(updated)),
                category: Set(None),
                category_source: Set(None),
                category_confidence: Set(None),
                intent: Set(None),
                language: Set(None),
                sentiment: Set(None),
                sentiment_score: Set(None),
                urgency: Set(None),
                created_at: Set(created),
                updated_at: Set(updated),
            });
            // Messages reference their ticket: its row is written first.
            mrows.extend(msgs);
            if trows.len() >= TICKETS_PER_INSERT || mrows.len() >= MESSAGES_PER_INSERT {
                flush_tickets(&txn, &mut trows).await?;
            }
            if mrows.len() >= MESSAGES_PER_INSERT {
                messages::Entity::insert_many(std::mem::take(&mut mrows)).exec_without_returning(&txn).await?;
            }
        }
        flush_tickets(&txn, &mut trows).await?;
        if !mrows.is_empty() {
            messages::Entity::insert_many(mrows).exec_without_returning(&txn).await?;
        }
        txn.commit().await?;
        done = end;
        eprintln!(
            "seed: {done}/{} tickets, {total_messages} messages, {:.1}s",
            args.tickets,
            started.elapsed().as_secs_f64()
        );
    }

    // Counters: next ticket number and the view counts.
    let numbers = 1000 + args.tickets as i64;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE counters SET value = $1 WHERE workspace_id = $2 AND name = 'ticket_number'",
        [numbers.into(), ws.id.into()],
    ))
    .await?;
    autocrm_store::tickets::rebuild_counters(&store, ws.id).await?;
    if backend == DbBackend::Postgres {
        for t in ["contacts", "tickets", "messages"] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
            ))
            .await?;
        }
        // What autovacuum would have done on a database that grew over a year.
        db.execute_unprepared("VACUUM ANALYZE").await?;
    } else {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    }
    let info = SeedInfo {
        database: args.database.clone(),
        backend: store.backend_name().to_owned(),
        workspace_id: ws.id,
        api_key,
        tickets: args.tickets,
        messages: total_messages,
        requesters: args.requesters,
        seed_seconds: started.elapsed().as_secs_f64(),
    };
    std::fs::write(&args.out, serde_json::to_vec_pretty(&info)?)?;
    eprintln!(
        "seed: done: {} tickets, {} messages, {} requesters in {:.1}s",
        info.tickets, info.messages, info.requesters, info.seed_seconds
    );
    store.close().await;
    Ok(())
}

async fn flush_tickets(txn: &sea_orm::DatabaseTransaction, rows: &mut Vec<tickets::ActiveModel>) -> anyhow::Result<()> {
    if !rows.is_empty() {
        tickets::Entity::insert_many(std::mem::take(rows)).exec_without_returning(txn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    async fn scalar(store: &Store, sql: &str) -> i64 {
        let db = store.connection();
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn seeding_300_tickets_leaves_consistent_counters_and_search_indexes() {
        let dir = std::env::temp_dir().join(format!("autocrm-bench-smoke-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("smoke.db");
        let url = format!("sqlite://{}?mode=rwc", db.display());
        let out = dir.join("seed.json");
        seed(SeedArgs {
            database: url.clone(),
            tickets: 300,
            requesters: 500,
            corpus: dir.join("absent.csv"), // the demo tickets are the fallback
            out: out.clone(),
            seed: 1,
        })
        .await
        .unwrap();
        let info: SeedInfo = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert!(info.api_key.starts_with("acrm_"));
        let store = open(&url, 1).await.unwrap();
        assert_eq!(scalar(&store, "SELECT COUNT(*) FROM tickets").await, 300);
        assert_eq!(scalar(&store, "SELECT COUNT(*) FROM messages").await, info.messages as i64);
        assert_eq!(scalar(&store, "SELECT SUM(message_count) FROM tickets").await, info.messages as i64);
        assert_eq!(scalar(&store, "SELECT COUNT(*) FROM contacts").await, 500);
        // The counters the API answers counts from agree with the rows.
        assert_eq!(scalar(&store, "SELECT SUM(value) FROM counters WHERE name LIKE 't:cat:%'").await, 300);
        assert_eq!(scalar(&store, "SELECT SUM(value) FROM counters WHERE name LIKE 't:asg:%'").await, 300);
        assert_eq!(
            scalar(&store, "SELECT value FROM counters WHERE name = 't:cat:open'").await,
            scalar(&store, "SELECT COUNT(*) FROM tickets WHERE status_category = 'open'").await
        );
        assert_eq!(scalar(&store, "SELECT value FROM counters WHERE name = 'ticket_number'").await, 1300);
        // The FTS triggers indexed every message.
        assert!(
            scalar(&store, "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'order OR the OR you'").await
                > 0
        );
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! The AI's data: ticket categories, the triage of inbound messages, the
//! workspace's trained classifiers and their retraining.
//!
//! Invariants:
//! - Every inbound customer message is triaged in the transaction that
//!   stores it (language, sentiment, urgency and — once the workspace has a
//!   trained classifier — category and intent), so a view, the queue and
//!   later routing see it the moment the message is acknowledged.
//! - An agent's category is never overwritten by the AI
//!   (`category_source = 'agent'`); agents' categories are the training
//!   labels, and a correction schedules a retraining ([`RETRAIN`]).
//! - Classifiers are loaded once per process and version and shared.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use autocrm_ai::classify::{Classifier, TrainOptions};
use autocrm_ai::triage::Triage;
use autocrm_domain::Principal;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel as _,
    PaginatorTrait as _, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::entity::{ai_models, messages, ticket_categories, tickets};
use crate::tx::{NewEvent, Tx, Visibility};
use crate::{Store, StoreError, StoreResult};

/// The kind of the job that retrains a workspace's classifiers.
pub const RETRAIN: &str = "ai.retrain";

/// How long after a correction the retraining runs: corrections made in a
/// burst (a bulk re-categorisation) train once.
const RETRAIN_DELAY_SECS: i64 = 20;

/// The categories a new workspace starts with (key, name, description).
pub const DEFAULT_CATEGORIES: &[(&str, &str, &str)] = &[
    ("orders", "Orders", "Placing, changing, cancelling or tracking an order"),
    ("shipping", "Shipping & delivery", "Delivery times, options, addresses and lost parcels"),
    ("returns", "Returns & refunds", "Returns, exchanges, refunds and their status"),
    ("payments", "Payments & invoices", "Payment methods and problems, invoices, fees"),
    ("account", "Account", "Signing up, signing in, changing or deleting an account"),
    ("subscriptions", "Subscriptions", "Subscription plans, pauses, changes and cancellations"),
    ("feedback", "Feedback & complaints", "Reviews, complaints and praise"),
    ("other", "Other", "Anything else"),
];

/// The classifiers a workspace trains: `category` (the workspace's
/// categories) and `intent` (finer labels, when agents give them).
pub const MODEL_KINDS: [&str; 2] = ["category", "intent"];

/// Trained classifiers shared by every transaction of this process, keyed by
/// workspace and kind, with the version they were loaded at.
#[derive(Clone, Default)]
pub(crate) struct ModelCache {
    inner: Arc<RwLock<HashMap<ModelKey, Versioned>>>,
}

/// A workspace and a model kind.
type ModelKey = (i64, &'static str);
/// A loaded classifier and the version it was loaded at.
type Versioned = (i32, Arc<Classifier>);

impl ModelCache {
    fn get(&self, ws: i64, kind: &'static str, version: i32) -> Option<Arc<Classifier>> {
        let map = self.inner.read().ok()?;
        map.get(&(ws, kind)).filter(|(v, _)| *v == version).map(|(_, c)| Arc::clone(c))
    }

    fn put(&self, ws: i64, kind: &'static str, version: i32, model: Arc<Classifier>) {
        if let Ok(mut map) = self.inner.write() {
            map.insert((ws, kind), (version, model));
        }
    }
}

// -------------------------------------------------------------------------------------------------
// Categories

/// The workspace's categories, in order.
pub async fn list_ticket_categories(store: &Store, p: &Principal) -> StoreResult<Vec<ticket_categories::Model>> {
    Ok(ticket_categories::Entity::find()
        .filter(ticket_categories::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(ticket_categories::Column::Position)
        .order_by_asc(ticket_categories::Column::Id)
        .all(&store.db)
        .await?)
}

/// A category as given by an admin.
#[derive(Debug, Clone, Default)]
pub struct CategoryIn {
    pub key: String,
    pub name: String,
    pub description: String,
}

fn check_category(input: &CategoryIn) -> StoreResult<CategoryIn> {
    let key = input.key.trim().to_lowercase();
    let ok_key = (1..=40).contains(&key.len())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && key.starts_with(|c: char| c.is_ascii_lowercase());
    if !ok_key {
        return Err(StoreError::invalid(
            "/key",
            "must be 1–40 characters of a-z, 0-9, _ and -, starting with a letter",
        ));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(StoreError::invalid("/name", "must be 1–80 characters"));
    }
    let description = input.description.trim();
    if description.chars().count() > 500 {
        return Err(StoreError::invalid("/description", "must be at most 500 characters"));
    }
    Ok(CategoryIn { key, name: name.to_owned(), description: description.to_owned() })
}

fn key_taken(e: sea_orm::DbErr) -> StoreError {
    if e.to_string().contains("ticket_categories_key_key") || e.to_string().contains("UNIQUE constraint failed") {
        StoreError::Conflict { code: "category_key_taken", message: "a category with this key exists".into() }
    } else {
        StoreError::Db(e)
    }
}

/// Adds a category at the end of the list.
pub async fn create_ticket_category(
    store: &Store,
    p: &Principal,
    input: &CategoryIn,
) -> StoreResult<ticket_categories::Model> {
    let input = check_category(input)?;
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let position = ticket_categories::Entity::find()
        .filter(ticket_categories::Column::WorkspaceId.eq(tx.ws()))
        .count(tx.conn())
        .await?;
    let row = ticket_categories::ActiveModel {
        workspace_id: Set(tx.ws()),
        key: Set(input.key),
        name: Set(input.name),
        description: Set(input.description),
        position: Set(position as i32),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await
    .map_err(key_taken)?;
    tx.emit(NewEvent::admin("category.created", "category", row.id, json!({"category": category_json(&row)})));
    tx.commit().await?;
    Ok(row)
}

/// Renames a category or changes its description (the key stays: tickets and
/// the trained classifiers refer to it).
pub async fn update_ticket_category(
    store: &Store,
    p: &Principal,
    id: i64,
    name: Option<&str>,
    description: Option<&str>,
) -> StoreResult<ticket_categories::Model> {
    let mut tx = store.begin(p).await?;
    let row = find_category(tx.conn(), tx.ws(), id).await?;
    let checked = check_category(&CategoryIn {
        key: row.key.clone(),
        name: name.unwrap_or(&row.name).to_owned(),
        description: description.unwrap_or(&row.description).to_owned(),
    })?;
    let mut am = row.into_active_model();
    am.name = Set(checked.name);
    am.description = Set(checked.description);
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin("category.updated", "category", row.id, json!({"category": category_json(&row)})));
    tx.commit().await?;
    Ok(row)
}

/// Deletes a category; tickets in it keep no category.
pub async fn delete_ticket_category(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let mut tx = store.begin(p).await?;
    let row = find_category(tx.conn(), tx.ws(), id).await?;
    tickets::Entity::update_many()
        .col_expr(tickets::Column::Category, Expr::value(Option::<String>::None))
        .col_expr(tickets::Column::CategorySource, Expr::value(Option::<String>::None))
        .col_expr(tickets::Column::CategoryConfidence, Expr::value(Option::<f32>::None))
        .filter(tickets::Column::WorkspaceId.eq(tx.ws()))
        .filter(tickets::Column::Category.eq(row.key.clone()))
        .exec(tx.conn())
        .await?;
    ticket_categories::Entity::delete_by_id(row.id).exec(tx.conn()).await?;
    tx.emit(NewEvent::admin("category.deleted", "category", row.id, json!({"category": category_json(&row)})));
    tx.commit().await?;
    Ok(())
}

async fn find_category(conn: &impl ConnectionTrait, ws: i64, id: i64) -> StoreResult<ticket_categories::Model> {
    ticket_categories::Entity::find_by_id(id)
        .filter(ticket_categories::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

fn category_json(row: &ticket_categories::Model) -> Value {
    json!({"id": row.id, "key": row.key, "name": row.name, "description": row.description})
}

/// Adds the default categories to a new workspace.
pub(crate) async fn seed_categories_in(tx: &mut Tx) -> StoreResult<()> {
    let now = tx.store.now();
    for (i, (key, name, description)) in DEFAULT_CATEGORIES.iter().enumerate() {
        ticket_categories::ActiveModel {
            workspace_id: Set(tx.ws()),
            key: Set((*key).to_owned()),
            name: Set((*name).to_owned()),
            description: Set((*description).to_owned()),
            position: Set(i as i32),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Triage

/// The workspace's trained classifier of a kind, if any (cached per version).
async fn classifier(
    store: &Store,
    conn: &impl ConnectionTrait,
    ws: i64,
    kind: &'static str,
) -> StoreResult<Option<Arc<Classifier>>> {
    let version: Option<i32> = ai_models::Entity::find()
        .select_only()
        .column(ai_models::Column::Version)
        .filter(ai_models::Column::WorkspaceId.eq(ws))
        .filter(ai_models::Column::Kind.eq(kind))
        .into_tuple()
        .one(conn)
        .await?;
    let Some(version) = version else { return Ok(None) };
    if let Some(model) = store.ai_models.get(ws, kind, version) {
        return Ok(Some(model));
    }
    let Some(row) = ai_models::Entity::find()
        .filter(ai_models::Column::WorkspaceId.eq(ws))
        .filter(ai_models::Column::Kind.eq(kind))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    match Classifier::from_bytes(&row.data) {
        Ok(model) => {
            let model = Arc::new(model);
            store.ai_models.put(ws, kind, row.version, Arc::clone(&model));
            Ok(Some(model))
        }
        Err(e) => {
            // A model this build cannot read (written by a newer one): triage without it.
            tracing::warn!(workspace = ws, kind, error = %e, "cannot load the trained classifier");
            Ok(None)
        }
    }
}

/// The languages a workspace works in, for language detection among them:
/// its own locale, English, and the languages of its help center.
async fn workspace_locales(conn: &impl ConnectionTrait, ws: i64) -> StoreResult<Vec<String>> {
    use crate::entity::kb_translations;
    let locale: Option<String> = crate::entity::workspaces::Entity::find_by_id(ws)
        .select_only()
        .column(crate::entity::workspaces::Column::Locale)
        .into_tuple()
        .one(conn)
        .await?;
    let kb: Vec<String> = kb_translations::Entity::find()
        .select_only()
        .column(kb_translations::Column::Locale)
        .filter(kb_translations::Column::WorkspaceId.eq(ws))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: Vec<String> = Vec::new();
    for l in locale.into_iter().chain(std::iter::once("en".to_owned())).chain(kb) {
        let primary = l.split('-').next().unwrap_or_default().to_lowercase();
        if !primary.is_empty() && !out.contains(&primary) {
            out.push(primary);
        }
    }
    Ok(out)
}

/// Triages a customer's message and records it on the message and its
/// ticket, inside the transaction that stored the message. Returns the
/// message's stored triage.
pub(crate) async fn triage_in(
    tx: &mut Tx,
    ticket: &tickets::Model,
    msg: &messages::Model,
) -> StoreResult<Option<Value>> {
    let store = tx.store.clone();
    let ws = tx.ws();
    let enabled: Option<bool> = crate::entity::ai_settings::Entity::find_by_id(ws)
        .select_only()
        .column(crate::entity::ai_settings::Column::AutoTriage)
        .into_tuple()
        .one(tx.conn())
        .await?;
    if enabled == Some(false) {
        return Ok(None);
    }
    let category = classifier(&store, tx.conn(), ws, "category").await?;
    let intent = classifier(&store, tx.conn(), ws, "intent").await?;
    let locales = workspace_locales(tx.conn(), ws).await?;
    let locales: Vec<&str> = locales.iter().map(String::as_str).collect();
    // The subject says what the first message is about; later ones stand alone.
    let subject = (ticket.message_count <= 1).then_some(ticket.subject.as_str());
    let triage = autocrm_ai::triage::triage(&msg.body_text, subject, category.as_deref(), intent.as_deref(), &locales);
    let provenance = json!({
        "engine": "builtin",
        "model": "builtin-triage-v1",
        "category_model": category.as_ref().map(|_| "workspace-linear"),
    });
    let mut stored = serde_json::to_value(&triage).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut stored {
        map.insert("provenance".into(), provenance.clone());
    }
    messages::Entity::update_many()
        .col_expr(messages::Column::Triage, Expr::value(stored.clone()))
        .filter(messages::Column::Id.eq(msg.id))
        .exec(tx.conn())
        .await?;
    let after = apply_triage(tx.conn(), ticket, &triage).await?;
    tx.emit(NewEvent {
        event_type: "ai.triaged",
        subject_type: "message",
        subject_id: Some(msg.id),
        ticket_id: Some(ticket.id),
        requester_id: Some(ticket.requester_id),
        visibility: Visibility::Staff,
        data: json!({"triage": {
            "message_id": msg.id,
            "ticket_id": ticket.id,
            "category": after.category,
            "category_source": after.category_source,
            "intent": after.intent,
            "language": after.language,
            "sentiment": after.sentiment,
            "urgency": after.urgency,
            "provenance": provenance,
        }}),
    });
    Ok(Some(stored))
}

fn label(v: impl Serialize) -> Option<String> {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned))
}

/// Writes a triage onto the ticket: the newest message decides language,
/// sentiment and urgency; the category only changes when no agent chose it
/// and the AI is surer than before.
async fn apply_triage(
    conn: &impl ConnectionTrait,
    ticket: &tickets::Model,
    triage: &Triage,
) -> StoreResult<tickets::Model> {
    let fresh = tickets::Entity::find_by_id(ticket.id).one(conn).await?.ok_or(StoreError::NotFound)?;
    let mut am = fresh.clone().into_active_model();
    if let Some(lang) = &triage.language {
        am.language = Set(Some(lang.clone()));
    }
    am.sentiment = Set(label(triage.sentiment.polarity));
    am.sentiment_score = Set(Some(triage.sentiment.compound));
    am.urgency = Set(label(triage.urgency));
    let agent_chose = fresh.category_source.as_deref() == Some("agent");
    if let Some(c) = triage.category.as_ref().filter(|_| !agent_chose) {
        let surer = fresh.category.is_none() || fresh.category_confidence.is_none_or(|old| c.confidence > old);
        if surer {
            am.category = Set(Some(c.label.clone()));
            am.category_source = Set(Some("ai".into()));
            am.category_confidence = Set(Some(c.confidence));
        }
    }
    if let Some(i) = triage.intent.as_ref().filter(|_| !agent_chose) {
        am.intent = Set(Some(i.label.clone()));
    }
    Ok(am.update(conn).await?)
}

// -------------------------------------------------------------------------------------------------
// Corrections and training

/// Sets a ticket's category as an agent (a correction of the AI, or the
/// first label): it is never overwritten by the AI, becomes a training label,
/// and schedules a retraining of the workspace's classifiers.
pub async fn set_category(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    key: Option<&str>,
    intent: Option<&str>,
) -> StoreResult<tickets::Model> {
    set_category_at(store, p, ticket_id, key, intent, None).await
}

/// [`set_category`] at an explicit instant (imports and demo seeding: the
/// ticket keeps its place in time).
pub async fn set_category_at(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    key: Option<&str>,
    intent: Option<&str>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> StoreResult<tickets::Model> {
    let mut tx = store.begin(p).await?;
    let ticket = crate::tickets::find_visible(tx.conn(), p, ticket_id).await?;
    if let Some(key) = key {
        let known = ticket_categories::Entity::find()
            .filter(ticket_categories::Column::WorkspaceId.eq(tx.ws()))
            .filter(ticket_categories::Column::Key.eq(key))
            .count(tx.conn())
            .await?;
        if known == 0 {
            return Err(StoreError::invalid("/category", "is not one of the workspace's categories"));
        }
    }
    let intent = intent.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if intent.as_ref().is_some_and(|i| i.chars().count() > 80) {
        return Err(StoreError::invalid("/intent", "must be at most 80 characters"));
    }
    let before = (ticket.category.clone(), ticket.category_source.clone());
    let mut am = ticket.clone().into_active_model();
    am.category = Set(key.map(str::to_owned));
    am.category_source = Set(key.map(|_| "agent".to_owned()));
    am.category_confidence = Set(None);
    if intent.is_some() || key.is_none() {
        am.intent = Set(intent);
    }
    am.updated_at = Set(std::cmp::max(at.unwrap_or_else(|| store.now()), ticket.updated_at));
    let after = am.update(tx.conn()).await?;
    tx.emit(NewEvent {
        event_type: "ticket.categorized",
        subject_type: "ticket",
        subject_id: Some(ticket.id),
        ticket_id: Some(ticket.id),
        requester_id: Some(ticket.requester_id),
        visibility: Visibility::Staff,
        data: json!({"ticket": {"id": ticket.id, "category": after.category, "intent": after.intent},
            "previous": {"category": before.0, "source": before.1},
            "correction": before.1.as_deref() == Some("ai") && before.0 != after.category}),
    });
    schedule_retrain(&mut tx).await?;
    tx.commit().await?;
    Ok(after)
}

/// Schedules the workspace's retraining unless one is already waiting (one
/// job per workspace: its dedupe key makes later corrections join it).
async fn schedule_retrain(tx: &mut Tx) -> StoreResult<()> {
    use sea_orm::sea_query::OnConflict;
    let now = tx.store.now();
    let job = crate::entity::jobs::ActiveModel {
        workspace_id: Set(tx.ws()),
        kind: Set(RETRAIN.to_owned()),
        payload: Set(json!({})),
        run_at: Set(now + chrono::Duration::seconds(RETRAIN_DELAY_SECS)),
        attempts: Set(0),
        dedupe_key: Set(Some(format!("{RETRAIN}:{}", tx.ws()))),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    crate::entity::jobs::Entity::insert(job)
        .on_conflict(OnConflict::column(crate::entity::jobs::Column::DedupeKey).do_nothing().to_owned())
        .exec_without_returning(tx.conn())
        .await?;
    tx.jobs_enqueued = true;
    Ok(())
}

/// What a trained classifier is.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub kind: String,
    pub version: i32,
    pub examples: i32,
    pub labels: i32,
    pub trained_at: chrono::DateTime<chrono::Utc>,
}

/// The workspace's trained classifiers.
pub async fn models(store: &Store, p: &Principal) -> StoreResult<Vec<ModelInfo>> {
    let rows: Vec<(String, i32, i32, i32, chrono::DateTime<chrono::Utc>)> = ai_models::Entity::find()
        .select_only()
        .columns([ai_models::Column::Kind, ai_models::Column::Version, ai_models::Column::Examples])
        .column(ai_models::Column::Labels)
        .column(ai_models::Column::UpdatedAt)
        .filter(ai_models::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(ai_models::Column::Kind)
        .into_tuple()
        .all(&store.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, version, examples, labels, trained_at)| ModelInfo { kind, version, examples, labels, trained_at })
        .collect())
}

/// The labelled examples of a workspace: every ticket an agent categorised,
/// as its subject and first customer message, with its category and intent.
async fn examples(store: &Store, ws: i64) -> StoreResult<Vec<(String, String, Option<String>)>> {
    let labelled: Vec<(i64, String, String, Option<String>)> = tickets::Entity::find()
        .select_only()
        .columns([tickets::Column::Id, tickets::Column::Subject, tickets::Column::Category, tickets::Column::Intent])
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::CategorySource.eq("agent"))
        .filter(tickets::Column::Category.is_not_null())
        .filter(tickets::Column::MergedIntoId.is_null())
        .order_by_asc(tickets::Column::Id)
        .into_tuple()
        .all(&store.db)
        .await?;
    let mut out = Vec::with_capacity(labelled.len());
    for chunk in labelled.chunks(500) {
        let ids: Vec<i64> = chunk.iter().map(|t| t.0).collect();
        let first = first_public_bodies(store, ws, ids, "contact").await?;
        for (id, subject, category, intent) in chunk {
            let body = first.get(id).map_or("", String::as_str);
            out.push((format!("{subject}\n{body}"), category.clone(), intent.clone()));
        }
    }
    Ok(out)
}

/// The first public message of each ticket by an author of this kind
/// (`contact`: the customer's request; `user`: the agent's first reply), by ticket id.
async fn first_public_bodies(
    store: &Store,
    ws: i64,
    ticket_ids: Vec<i64>,
    author_kind: &str,
) -> StoreResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = messages::Entity::find()
        .select_only()
        .columns([messages::Column::TicketId, messages::Column::BodyText])
        .filter(messages::Column::WorkspaceId.eq(ws))
        .filter(messages::Column::TicketId.is_in(ticket_ids))
        .filter(messages::Column::AuthorKind.eq(author_kind))
        .filter(messages::Column::Internal.eq(false))
        .order_by_asc(messages::Column::Id)
        .into_tuple()
        .all(&store.db)
        .await?;
    let mut first: HashMap<i64, String> = HashMap::new();
    for (ticket, body) in rows {
        first.entry(ticket).or_insert(body);
    }
    Ok(first)
}

/// Retrains the workspace's classifiers from its labelled tickets and stores
/// them (a kind with fewer than two labels or too few examples is skipped).
/// Returns the models now in use. Training runs off the async threads.
pub async fn retrain(store: &Store, ws: i64) -> StoreResult<Vec<ModelInfo>> {
    let rows = examples(store, ws).await?;
    let rows = Arc::new(rows);
    for kind in MODEL_KINDS {
        let data = Arc::clone(&rows);
        let trained = tokio::task::spawn_blocking(move || train_kind(&data, kind))
            .await
            .map_err(|e| StoreError::Io(format!("training stopped: {e}")))?;
        let Some((bytes, examples, labels)) = trained else { continue };
        save_model(store, ws, kind, bytes, examples, labels).await?;
    }
    models(store, &Principal::system(ws)).await
}

/// The fewest examples a classifier is trained on, and per label.
const MIN_EXAMPLES: usize = 10;

fn train_kind(rows: &[(String, String, Option<String>)], kind: &str) -> Option<(Vec<u8>, i32, i32)> {
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .filter_map(|(text, category, intent)| match kind {
            "category" => Some((text.as_str(), category.as_str())),
            _ => intent.as_deref().map(|i| (text.as_str(), i)),
        })
        .collect();
    let labels: std::collections::BTreeSet<&str> = pairs.iter().map(|p| p.1).collect();
    if pairs.len() < MIN_EXAMPLES || labels.len() < 2 {
        return None;
    }
    match Classifier::train(&pairs, &TrainOptions::default()) {
        Ok(model) => Some((model.to_bytes(), pairs.len() as i32, labels.len() as i32)),
        Err(e) => {
            tracing::warn!(kind, error = %e, "training the classifier failed");
            None
        }
    }
}

async fn save_model(store: &Store, ws: i64, kind: &str, data: Vec<u8>, examples: i32, labels: i32) -> StoreResult<()> {
    let mut tx = store.begin(&Principal::system(ws)).await?;
    let now = store.now();
    let existing = ai_models::Entity::find()
        .filter(ai_models::Column::WorkspaceId.eq(ws))
        .filter(ai_models::Column::Kind.eq(kind));
    let version = if let Some(row) = existing.one(tx.conn()).await? {
        let version = row.version + 1;
        let mut am = row.into_active_model();
        am.version = Set(version);
        am.examples = Set(examples);
        am.labels = Set(labels);
        am.data = Set(data);
        am.updated_at = Set(now);
        am.update(tx.conn()).await?;
        version
    } else {
        ai_models::ActiveModel {
            workspace_id: Set(ws),
            kind: Set(kind.to_owned()),
            version: Set(1),
            examples: Set(examples),
            labels: Set(labels),
            data: Set(data),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        1
    };
    tx.emit(NewEvent::admin(
        "ai.model_trained",
        "ai_model",
        i64::from(version),
        json!({"model": {"kind": kind, "version": version, "examples": examples, "labels": labels}}),
    ));
    tx.commit().await?;
    Ok(())
}

/// Triages again, with the current classifiers, the newest customer message
/// of every ticket that has no agent category and is not closed (after a
/// first training, say). Returns how many tickets were triaged.
pub async fn retriage_open(store: &Store, ws: i64) -> StoreResult<usize> {
    let ids: Vec<i64> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::CategorySource.is_null().or(tickets::Column::CategorySource.eq("ai")))
        .filter(tickets::Column::StatusCategory.ne("closed"))
        .filter(tickets::Column::MergedIntoId.is_null())
        .into_tuple()
        .all(&store.db)
        .await?;
    let mut done = 0;
    for id in ids {
        let mut tx = store.begin(&Principal::system(ws)).await?;
        let Some(ticket) = tickets::Entity::find_by_id(id).one(tx.conn()).await? else { continue };
        let newest = messages::Entity::find()
            .filter(messages::Column::WorkspaceId.eq(ws))
            .filter(messages::Column::TicketId.eq(id))
            .filter(messages::Column::AuthorKind.eq("contact"))
            .filter(messages::Column::Internal.eq(false))
            .order_by_desc(messages::Column::Id)
            .one(tx.conn())
            .await?;
        if let Some(msg) = newest
            && triage_in(&mut tx, &ticket, &msg).await?.is_some()
        {
            done += 1;
        }
        tx.commit().await?;
    }
    Ok(done)
}

// -------------------------------------------------------------------------------------------------
// Settings and the token budget

/// A workspace's AI settings (defaults when never saved).
#[derive(Debug, Clone, PartialEq)]
pub struct AiSettings {
    /// The OpenAI-compatible endpoint (`http://127.0.0.1:11434/v1`); none: built-in engine only.
    pub llm_base_url: Option<String>,
    pub llm_model: Option<String>,
    pub llm_embedding_model: Option<String>,
    /// The endpoint's key (write-only through the API).
    pub llm_api_key: Option<String>,
    /// Tokens per calendar month (UTC); 0 means no limit.
    pub monthly_token_budget: i64,
    /// Tokens used in `budget_period` (`2026-11`).
    pub tokens_used: i64,
    pub budget_period: String,
    /// Whether the chatbot answers new conversations in the widget (and
    /// new requests from the portal) before a person does.
    pub chatbot_enabled: bool,
    /// The name the chatbot speaks under.
    pub chatbot_name: String,
    /// Whether inbound messages are triaged.
    pub auto_triage: bool,
}

impl Default for AiSettings {
    fn default() -> Self {
        Self {
            llm_base_url: None,
            llm_model: None,
            llm_embedding_model: None,
            llm_api_key: None,
            monthly_token_budget: 0,
            tokens_used: 0,
            budget_period: String::new(),
            chatbot_enabled: false,
            chatbot_name: DEFAULT_BOT_NAME.into(),
            auto_triage: true,
        }
    }
}

impl From<crate::entity::ai_settings::Model> for AiSettings {
    fn from(m: crate::entity::ai_settings::Model) -> Self {
        Self {
            llm_base_url: m.llm_base_url,
            llm_model: m.llm_model,
            llm_embedding_model: m.llm_embedding_model,
            llm_api_key: m.llm_api_key,
            monthly_token_budget: m.monthly_token_budget,
            tokens_used: m.tokens_used,
            budget_period: m.budget_period,
            chatbot_enabled: m.chatbot_enabled,
            chatbot_name: m.chatbot_name,
            auto_triage: m.auto_triage,
        }
    }
}

/// A change to the AI settings; `Some(None)` clears an optional value.
#[derive(Debug, Clone, Default)]
pub struct AiSettingsPatch {
    pub llm_base_url: Option<Option<String>>,
    pub llm_model: Option<Option<String>>,
    pub llm_embedding_model: Option<Option<String>>,
    pub llm_api_key: Option<Option<String>>,
    pub monthly_token_budget: Option<i64>,
    pub auto_triage: Option<bool>,
    pub chatbot_enabled: Option<bool>,
    pub chatbot_name: Option<String>,
}

/// The chatbot's name until an admin gives it one.
pub const DEFAULT_BOT_NAME: &str = "Assistant";

fn period(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%Y-%m").to_string()
}

/// The workspace's AI settings, with this month's token use.
pub async fn settings(store: &Store, ws: i64) -> StoreResult<AiSettings> {
    use crate::entity::ai_settings;
    let row = ai_settings::Entity::find_by_id(ws).one(&store.db).await?;
    let mut out = row.map(AiSettings::from).unwrap_or_default();
    if out.budget_period != period(store.now()) {
        out.tokens_used = 0;
        out.budget_period = period(store.now());
    }
    Ok(out)
}

/// Changes the AI settings (an admin). The endpoint URL must be http(s).
pub async fn update_settings(store: &Store, p: &Principal, patch: &AiSettingsPatch) -> StoreResult<AiSettings> {
    use crate::entity::ai_settings;
    let clean = |v: &Option<Option<String>>, pointer: &str, max: usize| -> StoreResult<Option<Option<String>>> {
        match v {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(s)) => {
                let s = s.trim();
                if s.is_empty() {
                    Ok(Some(None))
                } else if s.chars().count() > max {
                    Err(StoreError::invalid(pointer, format!("must be at most {max} characters")))
                } else {
                    Ok(Some(Some(s.to_owned())))
                }
            }
        }
    };
    let base_url = clean(&patch.llm_base_url, "/llm_base_url", 500)?;
    if let Some(Some(u)) = &base_url {
        let ok = url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(StoreError::invalid(
                "/llm_base_url",
                "must be an http(s) URL such as http://127.0.0.1:11434/v1",
            ));
        }
    }
    let model = clean(&patch.llm_model, "/llm_model", 200)?;
    let embedding = clean(&patch.llm_embedding_model, "/llm_embedding_model", 200)?;
    let key = clean(&patch.llm_api_key, "/llm_api_key", 1000)?;
    let bot_name = match patch.chatbot_name.as_deref().map(str::trim) {
        None => None,
        Some("") => return Err(StoreError::invalid("/chatbot_name", "must not be empty")),
        Some(n) if n.chars().count() > 60 => {
            return Err(StoreError::invalid("/chatbot_name", "must be at most 60 characters"));
        }
        Some(n) => Some(n.to_owned()),
    };
    if patch.monthly_token_budget.is_some_and(|b| b < 0) {
        return Err(StoreError::invalid("/monthly_token_budget", "must be 0 (no limit) or more"));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let existing = ai_settings::Entity::find_by_id(tx.ws()).one(tx.conn()).await?;
    let is_new = existing.is_none();
    let mut am = match existing {
        Some(row) => row.into_active_model(),
        None => ai_settings::ActiveModel {
            workspace_id: Set(tx.ws()),
            llm_base_url: Set(None),
            llm_model: Set(None),
            llm_embedding_model: Set(None),
            llm_api_key: Set(None),
            monthly_token_budget: Set(0),
            budget_period: Set(period(now)),
            tokens_used: Set(0),
            chatbot_enabled: Set(false),
            chatbot_name: Set(DEFAULT_BOT_NAME.into()),
            auto_triage: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        },
    };
    if let Some(v) = base_url {
        am.llm_base_url = Set(v);
    }
    if let Some(v) = model {
        am.llm_model = Set(v);
    }
    if let Some(v) = embedding {
        am.llm_embedding_model = Set(v);
    }
    if let Some(v) = key {
        am.llm_api_key = Set(v);
    }
    if let Some(v) = patch.monthly_token_budget {
        am.monthly_token_budget = Set(v);
    }
    if let Some(v) = patch.auto_triage {
        am.auto_triage = Set(v);
    }
    if let Some(v) = patch.chatbot_enabled {
        am.chatbot_enabled = Set(v);
    }
    if let Some(v) = bot_name {
        am.chatbot_name = Set(v);
    }
    am.updated_at = Set(now);
    // The key is the workspace id, always set: `save` would update a missing row.
    let row = if is_new { am.insert(tx.conn()).await? } else { am.update(tx.conn()).await? };
    tx.emit(NewEvent::admin(
        "ai.settings_updated",
        "workspace",
        tx.ws(),
        // Never the key: whether one is set is enough for the audit trail.
        json!({"ai": {"llm_base_url": row.llm_base_url, "llm_model": row.llm_model, "llm_api_key_set": row.llm_api_key.is_some(),
            "monthly_token_budget": row.monthly_token_budget, "auto_triage": row.auto_triage,
            "chatbot_enabled": row.chatbot_enabled, "chatbot_name": row.chatbot_name}}),
    ));
    tx.commit().await?;
    settings(store, p.workspace_id).await
}

/// Whether the workspace may spend more LLM tokens this month.
pub async fn budget_left(store: &Store, ws: i64) -> StoreResult<bool> {
    let s = settings(store, ws).await?;
    Ok(s.monthly_token_budget == 0 || s.tokens_used < s.monthly_token_budget)
}

/// Adds tokens to this month's use (a new month starts from zero). One
/// statement per case, so concurrent charges add up.
pub async fn charge_tokens(store: &Store, ws: i64, tokens: u64) -> StoreResult<()> {
    use crate::entity::ai_settings;
    let now = store.now();
    let this = period(now);
    let tokens = i64::try_from(tokens).unwrap_or(i64::MAX);
    let same = ai_settings::Entity::update_many()
        .col_expr(ai_settings::Column::TokensUsed, Expr::col(ai_settings::Column::TokensUsed).add(tokens))
        .filter(ai_settings::Column::WorkspaceId.eq(ws))
        .filter(ai_settings::Column::BudgetPeriod.eq(this.clone()))
        .exec(&store.db)
        .await?;
    if same.rows_affected == 0 {
        ai_settings::Entity::update_many()
            .col_expr(ai_settings::Column::TokensUsed, Expr::value(tokens))
            .col_expr(ai_settings::Column::BudgetPeriod, Expr::value(this))
            .filter(ai_settings::Column::WorkspaceId.eq(ws))
            .exec(&store.db)
            .await?;
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Suggestions shown to agents, and what they did with them

/// A suggestion about to be shown to an agent.
#[derive(Debug, Clone)]
pub struct NewSuggestion {
    /// `reply`, `summary` or `translation`.
    pub kind: &'static str,
    pub body: String,
    pub citations: Value,
    pub provenance: Value,
    /// The ids of what it was made from (messages, documents).
    pub inputs: Value,
}

/// Records a suggestion shown to an agent on a ticket, with an `ai.suggested`
/// event carrying its engine, model, prompt version, inputs and sources.
pub async fn record_suggestion(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    s: NewSuggestion,
) -> StoreResult<crate::entity::ai_suggestions::Model> {
    use crate::entity::ai_suggestions;
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let ticket = crate::tickets::find_visible(tx.conn(), p, ticket_id).await?;
    let row = ai_suggestions::ActiveModel {
        workspace_id: Set(tx.ws()),
        ticket_id: Set(ticket.id),
        kind: Set(s.kind.to_owned()),
        body: Set(s.body),
        citations: Set(s.citations),
        provenance: Set(s.provenance),
        inputs: Set(s.inputs),
        outcome: Set("shown".into()),
        similarity: Set(None),
        message_id: Set(None),
        created_by: Set(p.user_id()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent {
        event_type: "ai.suggested",
        subject_type: "ai_suggestion",
        subject_id: Some(row.id),
        ticket_id: Some(ticket.id),
        requester_id: Some(ticket.requester_id),
        visibility: Visibility::Staff,
        data: json!({"suggestion": {"id": row.id, "kind": row.kind, "ticket_id": ticket.id,
            "provenance": row.provenance, "inputs": row.inputs, "citations": row.citations}}),
    });
    tx.commit().await?;
    Ok(row)
}

/// What a chatbot message is recorded with ([`crate::chat::post_as_bot`]
/// writes it in the transaction that posts the message).
#[derive(Debug, Clone)]
pub struct BotAnswer {
    /// `answered`, `clarify`, `confirm` (a change stated, waiting for a yes),
    /// `acted` (a confirmed change was made) or `handoff`.
    pub outcome: &'static str,
    pub citations: Value,
    pub provenance: Value,
    /// The ids of what it was made from (the customer's messages, documents).
    pub inputs: Value,
    /// The tools the bot ran in this turn (name, arguments, status).
    pub tools: Value,
    pub confidence: Option<f32>,
}

/// Records the chatbot's message `message` with an `ai.answered` event
/// (staff only) carrying its engine, model, prompt version, inputs, sources
/// and the tools it ran, so every answer a customer saw can be audited.
pub(crate) async fn record_bot_answer_in(
    tx: &mut Tx,
    ticket: &crate::entity::tickets::Model,
    message: &crate::entity::messages::Model,
    a: BotAnswer,
) -> StoreResult<()> {
    use crate::entity::chat_bot_answers;
    let now = tx.store.now();
    let row = chat_bot_answers::ActiveModel {
        workspace_id: Set(tx.ws()),
        ticket_id: Set(ticket.id),
        message_id: Set(Some(message.id)),
        outcome: Set(a.outcome.to_owned()),
        body: Set(message.body_text.clone()),
        citations: Set(a.citations),
        provenance: Set(a.provenance),
        inputs: Set(a.inputs),
        tools: Set(a.tools),
        confidence: Set(a.confidence),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent {
        event_type: "ai.answered",
        subject_type: "message",
        subject_id: Some(message.id),
        ticket_id: Some(ticket.id),
        requester_id: Some(ticket.requester_id),
        visibility: Visibility::Staff,
        data: json!({"answer": {"id": row.id, "ticket_id": ticket.id, "message_id": message.id,
            "outcome": row.outcome, "confidence": row.confidence, "provenance": row.provenance,
            "inputs": row.inputs, "tools": row.tools, "citations": row.citations}}),
    });
    Ok(())
}

/// The chatbot's figures over a period.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ChatbotStats {
    /// Bot messages by outcome (`answered`, `clarify`, `confirm`, `acted`, `handoff`).
    pub answers: std::collections::BTreeMap<String, i64>,
    /// Conversations the bot took part in.
    pub conversations: i64,
    /// Of those, handed to the team.
    pub handed_off: i64,
    /// Hand-offs by reason.
    pub hand_off_reasons: std::collections::BTreeMap<String, i64>,
}

/// What the chatbot did since `from` (before `to`).
pub async fn chatbot_report(
    store: &Store,
    p: &Principal,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> StoreResult<ChatbotStats> {
    use crate::entity::{chat_bot_answers, events};
    let rows: Vec<(i64, String)> = chat_bot_answers::Entity::find()
        .select_only()
        .columns([chat_bot_answers::Column::TicketId, chat_bot_answers::Column::Outcome])
        .filter(chat_bot_answers::Column::WorkspaceId.eq(p.workspace_id))
        .filter(chat_bot_answers::Column::CreatedAt.gte(from))
        .filter(chat_bot_answers::Column::CreatedAt.lt(to))
        .into_tuple()
        .all(&store.db)
        .await?;
    let mut out = ChatbotStats::default();
    let mut tickets = std::collections::BTreeSet::new();
    for (ticket, outcome) in rows {
        tickets.insert(ticket);
        *out.answers.entry(outcome).or_default() += 1;
    }
    out.conversations = tickets.len() as i64;
    let handoffs: Vec<Value> = events::Entity::find()
        .select_only()
        .column(events::Column::Data)
        .filter(events::Column::WorkspaceId.eq(p.workspace_id))
        .filter(events::Column::Type.eq("chat.handed_off"))
        .filter(events::Column::At.gte(from))
        .filter(events::Column::At.lt(to))
        .into_tuple()
        .all(&store.db)
        .await?;
    out.handed_off = handoffs.len() as i64;
    for data in handoffs {
        let reason = data.get("reason").and_then(Value::as_str).unwrap_or("unknown").to_owned();
        *out.hand_off_reasons.entry(reason).or_default() += 1;
    }
    Ok(out)
}

/// What an agent did with a suggestion: `accepted` (sent as is), `edited`
/// (sent changed: `final_text` gives the similarity) or `rejected`.
pub async fn set_suggestion_outcome(
    store: &Store,
    p: &Principal,
    id: i64,
    outcome: &str,
    final_text: Option<&str>,
    message_id: Option<i64>,
) -> StoreResult<crate::entity::ai_suggestions::Model> {
    use crate::entity::ai_suggestions;
    if !matches!(outcome, "accepted" | "edited" | "rejected") {
        return Err(StoreError::invalid("/outcome", "must be accepted, edited or rejected"));
    }
    let mut tx = store.begin(p).await?;
    let row = ai_suggestions::Entity::find_by_id(id)
        .filter(ai_suggestions::Column::WorkspaceId.eq(tx.ws()))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    if let Some(mid) = message_id {
        let on_ticket = messages::Entity::find_by_id(mid)
            .filter(messages::Column::WorkspaceId.eq(tx.ws()))
            .filter(messages::Column::TicketId.eq(row.ticket_id))
            .count(tx.conn())
            .await?;
        if on_ticket == 0 {
            return Err(StoreError::invalid("/message_id", "must be a message of the suggestion's ticket"));
        }
    }
    let similarity = match (outcome, final_text) {
        ("accepted", _) => Some(1.0),
        ("edited", Some(text)) => Some(similarity(&row.body, text)),
        _ => None,
    };
    let mut am = row.into_active_model();
    am.outcome = Set(outcome.to_owned());
    am.similarity = Set(similarity);
    am.message_id = Set(message_id);
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(NewEvent {
        event_type: "ai.suggestion_used",
        subject_type: "ai_suggestion",
        subject_id: Some(row.id),
        ticket_id: Some(row.ticket_id),
        requester_id: None,
        visibility: Visibility::Staff,
        data: json!({"suggestion": {"id": row.id, "kind": row.kind, "outcome": row.outcome, "similarity": row.similarity}}),
    });
    tx.commit().await?;
    Ok(row)
}

/// Word-set overlap (Jaccard) of two texts, 0..=1: how much of a suggestion survived editing.
pub fn similarity(a: &str, b: &str) -> f32 {
    let words = |s: &str| -> std::collections::BTreeSet<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let (a, b) = (words(a), words(b));
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(&b).count() as f32;
    let union = a.union(&b).count() as f32;
    inter / union
}

/// One row of the AI suggestions report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SuggestionStats {
    pub kind: String,
    pub engine: String,
    pub shown: i64,
    pub accepted: i64,
    pub edited: i64,
    pub rejected: i64,
    /// Mean similarity of what was sent to what was suggested (accepted and edited).
    pub mean_similarity: Option<f64>,
}

/// Suggestions by kind and engine since `from` (before `to`).
pub async fn suggestion_report(
    store: &Store,
    p: &Principal,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Vec<SuggestionStats>> {
    use crate::entity::ai_suggestions;
    let rows = ai_suggestions::Entity::find()
        .filter(ai_suggestions::Column::WorkspaceId.eq(p.workspace_id))
        .filter(ai_suggestions::Column::CreatedAt.gte(from))
        .filter(ai_suggestions::Column::CreatedAt.lt(to))
        .all(&store.db)
        .await?;
    let mut by: std::collections::BTreeMap<(String, String), (SuggestionStats, f64, i64)> =
        std::collections::BTreeMap::new();
    for r in rows {
        let engine = r.provenance.get("engine").and_then(Value::as_str).unwrap_or("builtin").to_owned();
        let entry = by.entry((r.kind.clone(), engine.clone())).or_insert_with(|| {
            (
                SuggestionStats {
                    kind: r.kind.clone(),
                    engine,
                    shown: 0,
                    accepted: 0,
                    edited: 0,
                    rejected: 0,
                    mean_similarity: None,
                },
                0.0,
                0,
            )
        });
        entry.0.shown += 1;
        match r.outcome.as_str() {
            "accepted" => entry.0.accepted += 1,
            "edited" => entry.0.edited += 1,
            "rejected" => entry.0.rejected += 1,
            _ => {}
        }
        if let Some(s) = r.similarity {
            entry.1 += f64::from(s);
            entry.2 += 1;
        }
    }
    Ok(by
        .into_values()
        .map(|(mut s, sum, n)| {
            s.mean_similarity = (n > 0).then(|| sum / n as f64);
            s
        })
        .collect())
}

// -------------------------------------------------------------------------------------------------
// What the AI may draw on

/// The most article translations handed to the AI at once.
const MAX_ARTICLE_DOCS: u64 = 2000;
/// The most solved tickets whose replies a suggestion may draw on.
const MAX_TICKET_DOCS: u64 = 60;

/// Knowledge-base articles as documents: published ones, and internal ones
/// too for staff. Links are the caller's to add (it knows the help center's
/// paths).
pub async fn article_documents(store: &Store, ws: i64, staff: bool) -> StoreResult<Vec<autocrm_ai::Document>> {
    use crate::entity::{kb_articles, kb_translations};
    let statuses: &[&str] = if staff { &["published", "internal"] } else { &["published"] };
    let articles: Vec<(i64, Value)> = kb_articles::Entity::find()
        .select_only()
        .columns([kb_articles::Column::Id, kb_articles::Column::Tags])
        .filter(kb_articles::Column::WorkspaceId.eq(ws))
        .filter(kb_articles::Column::Status.is_in(statuses.iter().copied()))
        .into_tuple()
        .all(&store.db)
        .await?;
    let ids: Vec<i64> = articles.iter().map(|a| a.0).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = kb_translations::Entity::find()
        .filter(kb_translations::Column::WorkspaceId.eq(ws))
        .filter(kb_translations::Column::ArticleId.is_in(ids))
        .order_by_asc(kb_translations::Column::ArticleId)
        .order_by_asc(kb_translations::Column::Locale)
        .limit(MAX_ARTICLE_DOCS)
        .all(&store.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| autocrm_ai::Document {
            kind: "article".into(),
            id: t.article_id.to_string(),
            title: t.title,
            body: t.body_text,
            url: None,
            locale: Some(t.locale),
            label: None,
        })
        .collect())
}

/// The subjects of a contact's most recently updated requests (a chat's
/// "Chat: " prefix dropped), newest first: what the customer asked about.
pub async fn recent_subjects(store: &Store, ws: i64, contact_id: i64, limit: u64) -> StoreResult<Vec<String>> {
    use crate::entity::tickets;
    let rows: Vec<String> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Subject)
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::RequesterId.eq(contact_id))
        .order_by_desc(tickets::Column::UpdatedAt)
        .limit(limit)
        .into_tuple()
        .all(&store.db)
        .await?;
    Ok(rows.into_iter().map(|s| s.strip_prefix("Chat: ").map(str::to_owned).unwrap_or(s)).collect())
}

/// Published tutorials as documents (their published version, never a
/// draft): title, description and each step's heading and text, per locale.
pub async fn tutorial_documents(store: &Store, ws: i64) -> StoreResult<Vec<autocrm_ai::Document>> {
    use crate::entity::{tutorial_versions, tutorials};
    let published: HashMap<i64, i64> = tutorials::Entity::find()
        .select_only()
        .columns([tutorials::Column::Id, tutorials::Column::PublishedVersion])
        .filter(tutorials::Column::WorkspaceId.eq(ws))
        .filter(tutorials::Column::Status.eq("published"))
        .into_tuple::<(i64, Option<i64>)>()
        .all(&store.db)
        .await?
        .into_iter()
        .filter_map(|(id, version)| Some((id, version?)))
        .collect();
    if published.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<tutorial_versions::Model> = tutorial_versions::Entity::find()
        .filter(tutorial_versions::Column::WorkspaceId.eq(ws))
        .filter(tutorial_versions::Column::TutorialId.is_in(published.keys().copied()))
        .all(&store.db)
        .await?
        .into_iter()
        .filter(|v| published.get(&v.tutorial_id) == Some(&v.version))
        .collect();
    let mut out = Vec::new();
    for t in rows {
        let Some(titles) = t.title.as_object() else { continue };
        for (locale, title) in titles {
            let Some(title) = title.as_str() else { continue };
            let mut body = t.description.get(locale).and_then(Value::as_str).unwrap_or_default().to_owned();
            for step in t.graph.get("steps").and_then(Value::as_array).into_iter().flatten() {
                for key in ["title", "content"] {
                    if let Some(text) = step.get(key).and_then(|v| v.get(locale)).and_then(Value::as_str) {
                        body.push('\n');
                        body.push_str(&crate::kb::plain_text(text));
                    }
                }
            }
            out.push(autocrm_ai::Document {
                kind: "tutorial".into(),
                id: t.tutorial_id.to_string(),
                title: title.to_owned(),
                body,
                url: None,
                locale: Some(locale.clone()),
                label: None,
            });
        }
    }
    Ok(out)
}

/// Replies agents sent on solved tickets like this one (same category when it
/// has one), as documents: the first public staff reply of each.
pub async fn solved_reply_documents(
    store: &Store,
    ws: i64,
    like: &tickets::Model,
) -> StoreResult<Vec<autocrm_ai::Document>> {
    let mut q = tickets::Entity::find()
        .select_only()
        .columns([tickets::Column::Id, tickets::Column::Subject, tickets::Column::Category])
        .filter(tickets::Column::WorkspaceId.eq(ws))
        .filter(tickets::Column::Id.ne(like.id))
        .filter(tickets::Column::StatusCategory.is_in(["solved", "closed"]))
        .filter(tickets::Column::MergedIntoId.is_null());
    if let Some(category) = &like.category {
        q = q.filter(tickets::Column::Category.eq(category.clone()));
    }
    let solved: Vec<(i64, String, Option<String>)> =
        q.order_by_desc(tickets::Column::UpdatedAt).limit(MAX_TICKET_DOCS).into_tuple().all(&store.db).await?;
    let ids: Vec<i64> = solved.iter().map(|t| t.0).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut first = first_public_bodies(store, ws, ids, "user").await?;
    Ok(solved
        .into_iter()
        .filter_map(|(id, subject, category)| {
            let body = first.remove(&id)?;
            Some(autocrm_ai::Document {
                kind: "ticket".into(),
                id: id.to_string(),
                title: subject,
                body,
                url: None,
                locale: None,
                label: category,
            })
        })
        .collect())
}

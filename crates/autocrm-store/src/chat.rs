//! Live chat: widget settings, visitors and their conversations, read state.
//!
//! A chat is a ticket of channel `chat` whose requester is the visitor's
//! contact, plus a `chat_conversations` row (its visitor, who handles it,
//! both sides' read positions). Visitors act as `PrincipalKind::Visitor`,
//! whose `customer_contact()` confines every ticket, message, attachment and
//! event read exactly like a signed-in customer's.
//!
//! Invariants:
//! - A visitor gets a contact only when it first writes: an anonymous
//!   "Visitor 4821", or, once its identity is proven with the workspace's
//!   identity secret, the contact of that identity (its earlier anonymous
//!   chats move along). An unproven name or e-mail never links a visitor to
//!   an existing contact.
//! - A visitor's message is plain text: it is escaped before it becomes HTML,
//!   so markup in it is shown, never interpreted.
//! - A message posted twice with the same `client_id` is stored once.
//! - Typing and read signals are ephemeral (the hub's chat channel); read
//!   positions are stored and only ever move forward.
//! - Chat replies are not e-mailed while the visitor is connected; when the
//!   visitor has left (no stream for [`AWAY_AFTER_SECS`]) and its contact has
//!   an e-mail address, the reply goes out as the usual agent-reply e-mail.

use std::collections::{BTreeMap, HashMap};

use autocrm_domain::chat::{self as rules, AllowedSite, VisitorClaims};
use autocrm_domain::html::{MAX_BODY_BYTES, escape};
use autocrm_domain::workspaces::Locale;
use autocrm_domain::{Channel, EmailAddress, Principal, Priority, Role, StatusCategory};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::{Value, json};

use crate::entity::{
    attachments, chat_agents, chat_bot_sessions, chat_conversations, chat_message_meta, chat_settings, chat_visitors,
    contacts, messages, statuses, tickets, users,
};
use crate::hub::{CHAT_CHANNEL, ChatSignal};
use crate::messages::Author;
use crate::tx::{NewEvent, Tx, Visibility};
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// An agent counts as online this long after their last heartbeat.
pub const ONLINE_FOR_SECS: i64 = 90;
/// A visitor without a live stream for this long has left: replies go by e-mail.
pub const AWAY_AFTER_SECS: i64 = 120;
/// Largest file a visitor may attach.
pub const MAX_VISITOR_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Media types a visitor may attach (images, PDF, plain text, office documents).
pub const VISITOR_FILE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];
/// Longest visitor message, in bytes.
pub const MAX_VISITOR_TEXT_BYTES: usize = 16 * 1024;

const DEFAULT_GREETINGS: &[(&str, &str)] =
    &[("en", "Hi there! How can we help you today?"), ("de", "Hallo! Wie können wir Ihnen heute helfen?")];

// ------------------------------------------------------------------------------------------------
// Settings

/// The workspace's widget settings, created (disabled) on first use with a
/// fresh token key.
pub async fn settings(store: &Store, ws: i64) -> StoreResult<chat_settings::Model> {
    settings_in(&store.db, store, ws).await
}

async fn settings_in(conn: &impl ConnectionTrait, store: &Store, ws: i64) -> StoreResult<chat_settings::Model> {
    if let Some(row) = chat_settings::Entity::find_by_id(ws).one(conn).await? {
        return Ok(row);
    }
    let now = store.now();
    let locale = crate::entity::workspaces::Entity::find_by_id(ws)
        .one(conn)
        .await?
        .map_or_else(|| "en".to_owned(), |w| w.locale.split('-').next().unwrap_or("en").to_owned());
    let greetings: BTreeMap<&str, &str> = DEFAULT_GREETINGS.iter().copied().collect();
    let row = chat_settings::ActiveModel {
        workspace_id: Set(ws),
        enabled: Set(false),
        allowed_origins: Set(json!([])),
        color: Set("#1c7ed6".into()),
        text_color: Set("#ffffff".into()),
        position: Set("right".into()),
        greetings: Set(json!(greetings)),
        default_locale: Set(if greetings.contains_key(locale.as_str()) { locale } else { "en".into() }),
        offline_mode: Set("message".into()),
        require_identity: Set(false),
        identity_secret: Set(None),
        token_key: Set(rules::generate_key()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // Two first uses at once: the later insert does nothing and both read the winner.
    chat_settings::Entity::insert(row)
        .on_conflict(sea_orm::sea_query::OnConflict::column(chat_settings::Column::WorkspaceId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    chat_settings::Entity::find_by_id(ws).one(conn).await?.ok_or(StoreError::NotFound)
}

impl chat_settings::Model {
    /// The allowed sites, canonical.
    pub fn origins(&self) -> Vec<String> {
        serde_json::from_value(self.allowed_origins.clone()).unwrap_or_default()
    }

    /// Greetings per locale.
    pub fn greeting_map(&self) -> BTreeMap<String, String> {
        serde_json::from_value(self.greetings.clone()).unwrap_or_default()
    }

    /// Whether a request from `origin` may use this workspace's widget.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.enabled && rules::origin_allowed(&self.origins(), origin)
    }

    /// The greeting and its locale for a visitor preferring `wanted` (best first).
    pub fn greeting_for(&self, wanted: &[&str]) -> (String, String) {
        let map = self.greeting_map();
        let available: Vec<&str> = map.keys().map(String::as_str).collect();
        let locale = rules::pick_locale(&available, wanted, &self.default_locale).to_owned();
        let text = map.get(&locale).or_else(|| map.get(&self.default_locale)).cloned().unwrap_or_default();
        (locale, text)
    }

    /// The last four characters of the identity secret (to recognise it), if set.
    pub fn identity_secret_hint(&self) -> Option<String> {
        self.identity_secret.as_deref().map(|s| s.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect())
    }
}

/// Whether some workspace with the widget on allows `origin` (CORS preflights
/// carry no credential, so they cannot name their workspace).
pub async fn any_allows_origin(store: &Store, origin: &str) -> StoreResult<bool> {
    let rows = chat_settings::Entity::find().filter(chat_settings::Column::Enabled.eq(true)).all(&store.db).await?;
    Ok(rows.iter().any(|s| s.allows_origin(origin)))
}

/// A change to the widget settings; `None` leaves a setting alone.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    /// Widget on or off.
    pub enabled: Option<bool>,
    /// Sites allowed to embed the widget.
    pub allowed_origins: Option<Vec<String>>,
    /// Launcher and header colour, `#rrggbb`.
    pub color: Option<String>,
    /// Text on that colour, `#rrggbb`.
    pub text_color: Option<String>,
    /// `right` or `left`.
    pub position: Option<String>,
    /// Greeting per locale (replaces all).
    pub greetings: Option<BTreeMap<String, String>>,
    /// The locale used when the visitor's is not available.
    pub default_locale: Option<String>,
    /// `message` (leave a message when nobody is online) or `chat` (chat anyway).
    pub offline_mode: Option<String>,
    /// Only identified visitors may chat.
    pub require_identity: Option<bool>,
}

fn valid_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Changes the widget settings (admins; the route's policy says so).
pub async fn update_settings(store: &Store, p: &Principal, patch: SettingsPatch) -> StoreResult<chat_settings::Model> {
    if !is_admin(p) {
        return Err(StoreError::Forbidden);
    }
    let mut problems = Vec::new();
    let origins = patch.allowed_origins.as_ref().map(|list| {
        if list.len() > 50 {
            problems.push(FieldProblem::new("/allowed_origins", "at most 50 sites"));
        }
        let mut out: Vec<String> = Vec::new();
        for (i, raw) in list.iter().enumerate() {
            match AllowedSite::parse(raw) {
                Ok(site) if !out.contains(&site.as_string()) => out.push(site.as_string()),
                Ok(_) => {}
                Err(why) => problems.push(FieldProblem::new(format!("/allowed_origins/{i}"), why)),
            }
        }
        out
    });
    for (field, value) in [("/color", &patch.color), ("/text_color", &patch.text_color)] {
        if value.as_deref().is_some_and(|c| !valid_color(c)) {
            problems.push(FieldProblem::new(field, "must be a colour like #1c7ed6"));
        }
    }
    if patch.position.as_deref().is_some_and(|v| !matches!(v, "right" | "left")) {
        problems.push(FieldProblem::new("/position", "must be right or left"));
    }
    if patch.offline_mode.as_deref().is_some_and(|v| !matches!(v, "message" | "chat")) {
        problems.push(FieldProblem::new("/offline_mode", "must be message or chat"));
    }
    let greetings = patch.greetings.as_ref().map(|g| {
        let mut out = BTreeMap::new();
        if g.is_empty() || g.len() > 30 {
            problems.push(FieldProblem::new("/greetings", "must have 1–30 languages"));
        }
        for (locale, text) in g {
            match Locale::parse(locale) {
                Ok(l) => {
                    let text = text.trim();
                    if text.chars().count() > 500 {
                        problems
                            .push(FieldProblem::new(format!("/greetings/{locale}"), "must be at most 500 characters"));
                    }
                    out.insert(l.as_str().to_owned(), text.to_owned());
                }
                Err(_) => problems.push(FieldProblem::new(format!("/greetings/{locale}"), "is not a language tag")),
            }
        }
        out
    });
    let default_locale = match patch.default_locale.as_deref().map(Locale::parse) {
        Some(Ok(l)) => Some(l.as_str().to_owned()),
        Some(Err(_)) => {
            problems.push(FieldProblem::new("/default_locale", "is not a language tag"));
            None
        }
        None => None,
    };
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let mut tx = store.begin(p).await?;
    let current = settings_in(tx.conn(), store, tx.ws()).await?;
    let final_greetings = greetings.clone().unwrap_or_else(|| current.greeting_map());
    let final_default = default_locale.clone().unwrap_or_else(|| current.default_locale.clone());
    if !final_greetings.contains_key(&final_default) {
        return Err(StoreError::invalid("/default_locale", "must be one of the greeting languages"));
    }
    let mut am = current.into_active_model();
    if let Some(v) = patch.enabled {
        am.enabled = Set(v);
    }
    if let Some(v) = origins {
        am.allowed_origins = Set(json!(v));
    }
    if let Some(v) = patch.color {
        am.color = Set(v.to_ascii_lowercase());
    }
    if let Some(v) = patch.text_color {
        am.text_color = Set(v.to_ascii_lowercase());
    }
    if let Some(v) = patch.position {
        am.position = Set(v);
    }
    if let Some(v) = greetings {
        am.greetings = Set(json!(v));
    }
    if let Some(v) = default_locale {
        am.default_locale = Set(v);
    }
    if let Some(v) = patch.offline_mode {
        am.offline_mode = Set(v);
    }
    if let Some(v) = patch.require_identity {
        am.require_identity = Set(v);
    }
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(settings_event(&row, false));
    tx.commit().await?;
    Ok(row)
}

fn settings_event(row: &chat_settings::Model, rotated: bool) -> NewEvent {
    NewEvent::admin(
        "chat_settings.updated",
        "chat_settings",
        row.workspace_id,
        json!({"settings": {"enabled": row.enabled, "allowed_origins": row.allowed_origins,
            "require_identity": row.require_identity, "offline_mode": row.offline_mode},
            "identity_secret_rotated": rotated}),
    )
}

/// Sets a new identity secret and returns it (the only time it is shown).
/// `user_hash` values computed with the old one stop working at once.
pub async fn rotate_identity_secret(store: &Store, p: &Principal) -> StoreResult<String> {
    if !is_admin(p) {
        return Err(StoreError::Forbidden);
    }
    let mut tx = store.begin(p).await?;
    let current = settings_in(tx.conn(), store, tx.ws()).await?;
    let secret = format!("chs_{}", rules::generate_key());
    let mut am = current.into_active_model();
    am.identity_secret = Set(Some(secret.clone()));
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(settings_event(&row, true));
    tx.commit().await?;
    Ok(secret)
}

// ------------------------------------------------------------------------------------------------
// Visitors and their tokens

/// A visitor as resolved from a verified token.
#[derive(Debug, Clone)]
pub struct VisitorSession {
    /// The visitor row.
    pub visitor: chat_visitors::Model,
    /// The principal it acts as.
    pub principal: Principal,
}

/// The name a visitor shows to agents: the name it gave, its contact's, or "Visitor 4821".
fn visitor_name(v: &chat_visitors::Model) -> String {
    v.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| rules::anonymous_name(&v.public_id))
}

fn principal_for(v: &chat_visitors::Model) -> Principal {
    Principal {
        workspace_id: v.workspace_id,
        kind: autocrm_domain::auth::PrincipalKind::Visitor {
            visitor_id: v.id,
            contact_id: v.contact_id,
            name: visitor_name(v),
        },
    }
}

/// Verifies a visitor token and loads its visitor. `None` when it is forged,
/// altered, expired, another workspace's or names an unknown visitor (the
/// caller answers 401 without saying which).
pub async fn resolve_token(store: &Store, token: &str) -> StoreResult<Option<VisitorSession>> {
    let Some(ws) = rules::token_workspace(token) else {
        return Ok(None);
    };
    let Some(settings) = chat_settings::Entity::find_by_id(ws).one(&store.db).await? else {
        return Ok(None);
    };
    let Ok(claims) = rules::verify_token(&settings.token_key, token, store.now().timestamp()) else {
        return Ok(None);
    };
    let Some(visitor) = chat_visitors::Entity::find()
        .filter(chat_visitors::Column::WorkspaceId.eq(claims.workspace_id))
        .filter(chat_visitors::Column::PublicId.eq(claims.visitor))
        .one(&store.db)
        .await?
    else {
        return Ok(None);
    };
    let principal = principal_for(&visitor);
    Ok(Some(VisitorSession { visitor, principal }))
}

/// What the shop's backend says about the person in the browser.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// The shop's user id (hashed when present).
    pub user_id: Option<String>,
    /// Their e-mail (hashed when there is no user id).
    pub email: Option<EmailAddress>,
    /// Their name.
    pub name: Option<String>,
    /// `hex(HMAC-SHA256(identity secret, user_id or email))`.
    pub user_hash: String,
}

/// Opening (or resuming) a widget session.
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    /// The visitor of a valid token the widget already holds.
    pub resume: Option<chat_visitors::Model>,
    /// A verified identity to attach.
    pub identity: Option<Identity>,
    /// The visitor's language.
    pub locale: Option<String>,
    /// The page it is on.
    pub page_url: Option<String>,
}

/// An opened session: the visitor and a fresh token.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    /// The visitor.
    pub visitor: chat_visitors::Model,
    /// Its new token.
    pub token: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
}

fn clean_text(s: Option<&str>, max: usize) -> Option<String> {
    s.map(|v| v.chars().filter(|c| !c.is_control()).take(max).collect::<String>().trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Opens a widget session in workspace `ws`: resumes the token's visitor or
/// creates one, attaches a proven identity, and issues a fresh token.
pub async fn open_session(store: &Store, ws: i64, input: SessionInput) -> StoreResult<OpenedSession> {
    let settings = settings(store, ws).await?;
    if !settings.enabled {
        return Err(StoreError::NotFound);
    }
    let now = store.now();
    let locale = input.locale.as_deref().and_then(|l| Locale::parse(l).ok()).map(|l| l.as_str().to_owned());
    let page_url = clean_text(input.page_url.as_deref(), 2000).filter(|u| u.starts_with("http"));
    let proven = match &input.identity {
        Some(id) => Some(verify_identity(&settings, id)?),
        None => None,
    };
    let system = Principal::system(ws);
    let mut tx = store.begin(&system).await?;
    let resume = input.resume.filter(|v| v.workspace_id == ws);
    let mut visitor = match (resume, &proven) {
        // Another person signed in on this browser: a fresh visitor, nothing carried over.
        (Some(v), Some(p)) if v.identified && !same_identity(&v, p) => new_visitor(&mut tx, now).await?,
        (Some(v), _) => v,
        (None, _) => new_visitor(&mut tx, now).await?,
    };
    if let Some(p) = &proven
        && !(visitor.identified && same_identity(&visitor, p))
    {
        visitor = identify_in(&mut tx, visitor, p, input.identity.as_ref().and_then(|i| i.name.as_deref())).await?;
    }
    let mut am = visitor.into_active_model();
    am.last_seen_at = Set(now);
    am.updated_at = Set(now);
    if locale.is_some() {
        am.locale = Set(locale);
    }
    if page_url.is_some() {
        am.page_url = Set(page_url);
    }
    let visitor = am.update(tx.conn()).await?;
    tx.commit().await?;
    let expires_at = now + Duration::days(rules::TOKEN_DAYS);
    let token = rules::sign_token(
        &settings.token_key,
        &VisitorClaims { workspace_id: ws, visitor: visitor.public_id.clone(), expires_at: expires_at.timestamp() },
    );
    Ok(OpenedSession { visitor, token, expires_at })
}

/// A proven identity: the hashed value and what it is.
#[derive(Debug, Clone)]
enum Proven {
    UserId(String, Option<EmailAddress>),
    Email(EmailAddress),
}

fn verify_identity(settings: &chat_settings::Model, id: &Identity) -> StoreResult<Proven> {
    let Some(secret) = settings.identity_secret.as_deref() else {
        return Err(StoreError::invalid("/identity", "identity verification is not set up for this workspace"));
    };
    let proven = match (clean_text(id.user_id.as_deref(), 200), &id.email) {
        (Some(uid), email) => {
            if !rules::verify_user_hash(secret, &uid, &id.user_hash) {
                return Err(StoreError::invalid("/identity/user_hash", "does not match the user id"));
            }
            Proven::UserId(uid, email.clone())
        }
        (None, Some(email)) => {
            if !rules::verify_user_hash(secret, email.as_str(), &id.user_hash) {
                return Err(StoreError::invalid("/identity/user_hash", "does not match the e-mail address"));
            }
            Proven::Email(email.clone())
        }
        (None, None) => return Err(StoreError::invalid("/identity", "needs a user_id or an email")),
    };
    Ok(proven)
}

fn same_identity(v: &chat_visitors::Model, p: &Proven) -> bool {
    match p {
        Proven::UserId(uid, _) => v.external_user_id.as_deref() == Some(uid.as_str()),
        Proven::Email(e) => v.external_user_id.is_none() && v.email.as_deref() == Some(e.as_str()),
    }
}

async fn new_visitor(tx: &mut Tx, now: DateTime<Utc>) -> StoreResult<chat_visitors::Model> {
    Ok(chat_visitors::ActiveModel {
        workspace_id: Set(tx.ws()),
        public_id: Set(rules::generate_visitor_id()),
        contact_id: Set(None),
        name: Set(None),
        email: Set(None),
        external_user_id: Set(None),
        identified: Set(false),
        locale: Set(None),
        page_url: Set(None),
        last_seen_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?)
}

/// Links a visitor to the contact of a proven identity; its anonymous chats move along.
async fn identify_in(
    tx: &mut Tx,
    visitor: chat_visitors::Model,
    proven: &Proven,
    name: Option<&str>,
) -> StoreResult<chat_visitors::Model> {
    let ws = tx.ws();
    let name = clean_text(name, 200);
    let contact = match proven {
        Proven::Email(email) => crate::contacts::find_or_create_by_email(tx, email, name.as_deref()).await?,
        Proven::UserId(uid, email) => {
            let known = chat_visitors::Entity::find()
                .filter(chat_visitors::Column::WorkspaceId.eq(ws))
                .filter(chat_visitors::Column::ExternalUserId.eq(uid.clone()))
                .filter(chat_visitors::Column::Identified.eq(true))
                .filter(chat_visitors::Column::ContactId.is_not_null())
                .one(tx.conn())
                .await?;
            if let Some(id) = known.and_then(|v| v.contact_id) {
                contacts::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?
            } else {
                // The e-mail came with an id-only proof: it may name a new contact, but never
                // joins someone else's (that would reveal their conversations).
                let free = match email {
                    Some(e) => contacts::Entity::find()
                        .filter(contacts::Column::WorkspaceId.eq(ws))
                        .filter(contacts::Column::Email.eq(e.as_str()))
                        .count(tx.conn())
                        .await?
                        .eq(&0),
                    None => false,
                };
                let display = name.clone().unwrap_or_else(|| rules::anonymous_name(&visitor.public_id));
                insert_contact(tx, &display, email.as_ref().filter(|_| free)).await?
            }
        }
    };
    // The anonymous contact's chats (this visitor's own) now belong to the person.
    if let Some(old) = visitor.contact_id.filter(|c| *c != contact.id && !visitor.identified) {
        let moved: Vec<tickets::Model> = tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(ws))
            .filter(tickets::Column::RequesterId.eq(old))
            .all(tx.conn())
            .await?;
        for t in moved {
            let mut am = t.clone().into_active_model();
            am.requester_id = Set(contact.id);
            am.updated_at = Set(tx.store.now().max(t.updated_at));
            am.update(tx.conn()).await?;
            tx.emit(NewEvent {
                event_type: "ticket.updated",
                subject_type: "ticket",
                subject_id: Some(t.id),
                ticket_id: Some(t.id),
                requester_id: Some(contact.id),
                visibility: Visibility::Staff,
                data: json!({"ticket": {"id": t.id, "number": t.number},
                    "changes": {"requester": {"from": old, "to": contact.id, "reason": "visitor_identified"}}}),
            });
        }
    }
    let (external, email) = match proven {
        Proven::UserId(uid, email) => (Some(uid.clone()), email.as_ref().map(|e| e.as_str().to_owned())),
        Proven::Email(e) => (None, Some(e.as_str().to_owned())),
    };
    let mut am = visitor.into_active_model();
    am.contact_id = Set(Some(contact.id));
    am.identified = Set(true);
    am.external_user_id = Set(external);
    am.email = Set(email);
    am.name = Set(name.or(Some(contact.name.clone())));
    am.updated_at = Set(tx.store.now());
    Ok(am.update(tx.conn()).await?)
}

async fn insert_contact(tx: &mut Tx, name: &str, email: Option<&EmailAddress>) -> StoreResult<contacts::Model> {
    let now = tx.store.now();
    let row = contacts::ActiveModel {
        workspace_id: Set(tx.ws()),
        name: Set(name.chars().take(200).collect()),
        email: Set(email.map(|e| e.as_str().to_owned())),
        emails: Set(json!([])),
        phones: Set(json!([])),
        company_id: Set(None),
        tags: Set(json!([])),
        custom_fields: Set(json!({})),
        notes: Set(String::new()),
        external_ref: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent {
        event_type: "contact.created",
        subject_type: "contact",
        subject_id: Some(row.id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data: json!({"contact": {"id": row.id, "name": row.name, "email": row.email}, "source": "chat"}),
    });
    Ok(row)
}

/// The visitor row of a visitor principal.
async fn visitor_of(conn: &impl ConnectionTrait, p: &Principal) -> StoreResult<chat_visitors::Model> {
    let id = p.visitor_id().ok_or(StoreError::Forbidden)?;
    chat_visitors::Entity::find_by_id(id)
        .filter(chat_visitors::Column::WorkspaceId.eq(p.workspace_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The visitor's own details: a name and an e-mail address for answers when
/// it has left. Unproven: they name its own anonymous contact only.
pub async fn update_visitor(
    store: &Store,
    p: &Principal,
    name: Option<String>,
    email: Option<EmailAddress>,
) -> StoreResult<chat_visitors::Model> {
    let name = match name {
        Some(n) => Some(clean_text(Some(&n), 100).ok_or_else(|| StoreError::invalid("/name", "must not be empty"))?),
        None => None,
    };
    let mut tx = store.begin(p).await?;
    let visitor = visitor_of(tx.conn(), p).await?;
    if visitor.identified {
        return Err(StoreError::Conflict {
            code: "visitor_identified",
            message: "an identified visitor's name and e-mail come from the shop".into(),
        });
    }
    if let Some(contact_id) = visitor.contact_id
        && let Some(contact) = contacts::Entity::find_by_id(contact_id).one(tx.conn()).await?
    {
        let mut am = contact.clone().into_active_model();
        let mut changed = false;
        if let Some(n) = &name {
            am.name = Set(n.clone());
            changed = true;
        }
        if let Some(e) = &email
            && contact.email.is_none()
        {
            let taken = contacts::Entity::find()
                .filter(contacts::Column::WorkspaceId.eq(tx.ws()))
                .filter(contacts::Column::Email.eq(e.as_str()))
                .count(tx.conn())
                .await?
                > 0;
            // An address someone else's contact owns stays on the visitor only.
            if !taken {
                am.email = Set(Some(e.as_str().to_owned()));
                changed = true;
            }
        }
        if changed {
            am.updated_at = Set(store.now());
            let c = am.update(tx.conn()).await?;
            tx.emit(NewEvent {
                event_type: "contact.updated",
                subject_type: "contact",
                subject_id: Some(c.id),
                ticket_id: None,
                requester_id: None,
                visibility: Visibility::Staff,
                data: json!({"contact": {"id": c.id, "name": c.name, "email": c.email}, "source": "chat"}),
            });
        }
    }
    let mut am = visitor.into_active_model();
    if let Some(n) = name {
        am.name = Set(Some(n));
    }
    if let Some(e) = email {
        am.email = Set(Some(e.as_str().to_owned()));
    }
    am.updated_at = Set(store.now());
    let v = am.update(tx.conn()).await?;
    tx.commit().await?;
    Ok(v)
}

/// Records that the visitor is still connected (its stream's heartbeat).
pub async fn touch_visitor(store: &Store, visitor_id: i64) -> StoreResult<()> {
    chat_visitors::Entity::update_many()
        .col_expr(chat_visitors::Column::LastSeenAt, Expr::val(store.now()))
        .filter(chat_visitors::Column::Id.eq(visitor_id))
        .exec(&store.db)
        .await?;
    Ok(())
}

/// Reloads a visitor's principal (its contact may have appeared since the token was read).
pub async fn refresh_principal(store: &Store, p: &Principal) -> StoreResult<Principal> {
    Ok(principal_for(&visitor_of(&store.db, p).await?))
}

/// The visitor row of a visitor principal.
pub async fn me(store: &Store, p: &Principal) -> StoreResult<chat_visitors::Model> {
    visitor_of(&store.db, p).await
}

// ------------------------------------------------------------------------------------------------
// Agents online

/// An agent's chat availability heartbeat; `available` changes it. Returns
/// the agent's availability and how many agents are online now.
pub async fn heartbeat(store: &Store, p: &Principal, available: Option<bool>) -> StoreResult<(bool, u64)> {
    let Some(user_id) = p.user_id().filter(|_| p.sees_all_tickets()) else {
        return Err(StoreError::Forbidden);
    };
    let now = store.now();
    let current = chat_agents::Entity::find_by_id(user_id).one(&store.db).await?;
    let available = available.or(current.as_ref().map(|c| c.available)).unwrap_or(true);
    let row = chat_agents::ActiveModel {
        user_id: Set(user_id),
        workspace_id: Set(p.workspace_id),
        available: Set(available),
        last_seen_at: Set(now),
        created_at: Set(current.as_ref().map_or(now, |c| c.created_at)),
        updated_at: Set(now),
    };
    chat_agents::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(chat_agents::Column::UserId)
                .update_columns([
                    chat_agents::Column::Available,
                    chat_agents::Column::LastSeenAt,
                    chat_agents::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&store.db)
        .await?;
    Ok((available, agents_online(store, p.workspace_id).await?))
}

/// How many agents of the workspace are available with a recent heartbeat.
pub async fn agents_online(store: &Store, ws: i64) -> StoreResult<u64> {
    let since = store.now() - Duration::seconds(ONLINE_FOR_SECS);
    Ok(chat_agents::Entity::find()
        .filter(chat_agents::Column::WorkspaceId.eq(ws))
        .filter(chat_agents::Column::Available.eq(true))
        .filter(chat_agents::Column::LastSeenAt.gt(since))
        .count(&store.db)
        .await?)
}

// ------------------------------------------------------------------------------------------------
// Conversations

/// A conversation as a visitor sees it.
#[derive(Debug, Clone)]
pub struct ConversationView {
    /// The ticket.
    pub ticket: tickets::Model,
    /// Its chat row.
    pub chat: chat_conversations::Model,
    /// The assigned agent's display name.
    pub agent_name: Option<String>,
    /// The latest public message.
    pub last_message: Option<ChatMessage>,
    /// Public messages from the team the visitor has not read.
    pub unread: u64,
}

/// A public message as the widget shows it.
#[derive(Debug, Clone)]
pub struct ChatMessage {
    /// The message.
    pub message: messages::Model,
    /// `visitor`, `agent`, `bot` or `system`.
    pub participant: String,
    /// Who wrote it, as the visitor sees them (agents by first name).
    pub author_name: String,
    /// Its files.
    pub attachments: Vec<attachments::Model>,
    /// The client id it was posted with (the visitor's own messages).
    pub client_id: Option<String>,
    /// The bot states a change and waits for the visitor's yes (the widget
    /// offers Yes / No as quick replies under it).
    pub asks_confirmation: bool,
}

fn first_name(full: &str) -> String {
    full.split_whitespace().next().unwrap_or(full).to_owned()
}

/// A new chat from the widget.
#[derive(Debug, Clone, Default)]
pub struct NewChat {
    /// The visitor's first message (plain text).
    pub body: String,
    /// The client's idempotency key for that message.
    pub client_id: Option<String>,
}

fn check_text(body: &str) -> StoreResult<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(StoreError::invalid("/body", "must not be empty"));
    }
    if body.len() > MAX_VISITOR_TEXT_BYTES {
        return Err(StoreError::invalid("/body", "is larger than 16 KiB"));
    }
    Ok(body.to_owned())
}

fn check_client_id(id: Option<&str>) -> StoreResult<Option<String>> {
    match id {
        Some(c) if c.is_empty() || c.len() > 64 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            Err(StoreError::invalid("/client_id", "must be 1–64 letters, digits or dashes"))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// Plain text as escaped HTML paragraphs (markup is shown, never interpreted).
fn text_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut html = String::new();
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        html.push_str(&escape(para.trim()).replace('\n', "<br>"));
        html.push_str("</p>");
    }
    if html.len() > MAX_BODY_BYTES { html[..MAX_BODY_BYTES].to_owned() } else { html }
}

/// Makes sure the visitor has a contact to write as (an anonymous one at first).
async fn ensure_contact(tx: &mut Tx, visitor: chat_visitors::Model) -> StoreResult<(chat_visitors::Model, i64)> {
    if let Some(c) = visitor.contact_id {
        return Ok((visitor, c));
    }
    let name = visitor_name(&visitor);
    let email = match visitor.email.as_deref().map(EmailAddress::parse) {
        Some(Ok(e)) => {
            let taken = contacts::Entity::find()
                .filter(contacts::Column::WorkspaceId.eq(tx.ws()))
                .filter(contacts::Column::Email.eq(e.as_str()))
                .count(tx.conn())
                .await?
                > 0;
            (!taken).then_some(e)
        }
        _ => None,
    };
    let contact = insert_contact(tx, &name, email.as_ref()).await?;
    let mut am = visitor.into_active_model();
    am.contact_id = Set(Some(contact.id));
    am.updated_at = Set(tx.store.now());
    let v = am.update(tx.conn()).await?;
    Ok((v, contact.id))
}

/// Whether a visitor may start a live chat now: the widget is on, identity
/// is proven where required, and an agent is online (or the chatbot
/// answers, or the workspace chats anyway when nobody is).
pub async fn can_start(
    store: &Store,
    settings: &chat_settings::Model,
    visitor: &chat_visitors::Model,
) -> StoreResult<()> {
    if settings.require_identity && !visitor.identified {
        return Err(StoreError::Conflict {
            code: "identity_required",
            message: "sign in to the shop to chat with us".into(),
        });
    }
    if settings.offline_mode == "message"
        && !crate::ai::settings(store, settings.workspace_id).await?.chatbot_enabled
        && agents_online(store, settings.workspace_id).await? == 0
    {
        return Err(StoreError::Conflict {
            code: "agents_offline",
            message: "nobody is online right now: leave a message instead".into(),
        });
    }
    Ok(())
}

/// Starts a chat: a ticket of channel `chat` requested by the visitor's
/// contact (created now if it has none), with the first message.
pub async fn start(store: &Store, p: &Principal, input: NewChat) -> StoreResult<ConversationView> {
    let body = check_text(&input.body)?;
    let client_id = check_client_id(input.client_id.as_deref())?;
    let settings = settings(store, p.workspace_id).await?;
    let visitor = visitor_of(&store.db, p).await?;
    can_start(store, &settings, &visitor).await?;
    let handler = if crate::ai::settings(store, p.workspace_id).await?.chatbot_enabled { "bot" } else { "human" };
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let (visitor, _contact) = ensure_contact(&mut tx, visitor).await?;
    let vp = principal_for(&visitor);
    let contact_id = visitor.contact_id.ok_or(StoreError::NotFound)?;
    let first_line: String = body.lines().next().unwrap_or_default().chars().take(80).collect();
    let ticket = crate::tickets::insert_in(
        &mut tx,
        crate::tickets::NewTicketRow {
            subject: format!("Chat: {first_line}"),
            requester_id: contact_id,
            channel: Channel::Chat,
            status: None,
            priority: Priority::Normal,
            assignee_id: None,
            team_id: None,
            tags: Vec::new(),
            custom_fields: serde_json::Map::new(),
            created_at: now,
        },
    )
    .await?;
    chat_conversations::ActiveModel {
        ticket_id: Set(ticket.id),
        workspace_id: Set(tx.ws()),
        visitor_id: Set(Some(visitor.id)),
        kind: Set("chat".into()),
        handler: Set(handler.into()),
        visitor_read_message_id: Set(None),
        visitor_read_at: Set(None),
        agent_read_message_id: Set(None),
        agent_read_at: Set(None),
        agent_read_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    let msg = crate::messages::insert_with_attachments_in(
        &mut tx,
        &ticket,
        Author::Contact(contact_id),
        &text_to_html(&body),
        false,
        None,
        &[],
    )
    .await?;
    insert_meta(&mut tx, &msg, "visitor", None, client_id).await?;
    tx.commit().await?;
    get(store, &vp, ticket.id).await
}

async fn insert_meta(
    tx: &mut Tx,
    msg: &messages::Model,
    participant: &str,
    bot_name: Option<&str>,
    client_id: Option<String>,
) -> StoreResult<()> {
    let now = tx.store.now();
    chat_message_meta::ActiveModel {
        message_id: Set(msg.id),
        workspace_id: Set(tx.ws()),
        ticket_id: Set(msg.ticket_id),
        participant: Set(participant.to_owned()),
        bot_name: Set(bot_name.map(str::to_owned)),
        client_id: Set(client_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    Ok(())
}

/// The chat row of a ticket the principal may see (`NotFound` for other tickets).
async fn chat_row(
    conn: &impl ConnectionTrait,
    p: &Principal,
    ticket_id: i64,
) -> StoreResult<(tickets::Model, chat_conversations::Model)> {
    let ticket = crate::tickets::find_visible(conn, p, ticket_id).await?;
    let chat = chat_conversations::Entity::find_by_id(ticket.id)
        .filter(chat_conversations::Column::WorkspaceId.eq(p.workspace_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((ticket, chat))
}

/// One conversation of the visitor.
pub async fn get(store: &Store, p: &Principal, ticket_id: i64) -> StoreResult<ConversationView> {
    let (ticket, chat) = chat_row(&store.db, p, ticket_id).await?;
    let mut views = describe(store, p, vec![(ticket, chat)]).await?;
    views.pop().ok_or(StoreError::NotFound)
}

/// The visitor's conversations (chats and left messages requested by its
/// contact), most recently active first; at most 50.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<ConversationView>> {
    let Some(contact) = p.customer_contact() else {
        return Err(StoreError::Forbidden);
    };
    let tickets = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(p.workspace_id))
        .filter(tickets::Column::RequesterId.eq(contact))
        .filter(tickets::Column::MergedIntoId.is_null())
        .order_by_desc(tickets::Column::UpdatedAt)
        .order_by_desc(tickets::Column::Id)
        .limit(200)
        .all(&store.db)
        .await?;
    let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
    let chats: HashMap<i64, chat_conversations::Model> = chat_conversations::Entity::find()
        .filter(chat_conversations::Column::WorkspaceId.eq(p.workspace_id))
        .filter(chat_conversations::Column::TicketId.is_in(ids))
        .all(&store.db)
        .await?
        .into_iter()
        .map(|c| (c.ticket_id, c))
        .collect();
    let pairs: Vec<_> =
        tickets.into_iter().filter_map(|t| chats.get(&t.id).cloned().map(|c| (t, c))).take(50).collect();
    describe(store, p, pairs).await
}

async fn describe(
    store: &Store,
    p: &Principal,
    pairs: Vec<(tickets::Model, chat_conversations::Model)>,
) -> StoreResult<Vec<ConversationView>> {
    let mut out = Vec::with_capacity(pairs.len());
    for (ticket, chat) in pairs {
        let agent_name = match ticket.assignee_id {
            Some(id) => users::Entity::find_by_id(id).one(&store.db).await?.map(|u| first_name(&u.name)),
            None => None,
        };
        let last = messages::Entity::find()
            .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
            .filter(messages::Column::TicketId.eq(ticket.id))
            .filter(messages::Column::Internal.eq(false))
            .order_by_desc(messages::Column::Id)
            .one(&store.db)
            .await?;
        let last_message = match last {
            Some(m) => describe_messages(store, p.workspace_id, vec![m]).await?.pop(),
            None => None,
        };
        let unread = messages::Entity::find()
            .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
            .filter(messages::Column::TicketId.eq(ticket.id))
            .filter(messages::Column::Internal.eq(false))
            .filter(messages::Column::AuthorKind.ne("contact"))
            .filter(messages::Column::Id.gt(chat.visitor_read_message_id.unwrap_or(0)))
            .count(&store.db)
            .await?;
        out.push(ConversationView { ticket, chat, agent_name, last_message, unread });
    }
    Ok(out)
}

/// Participants, author names and files of messages.
async fn describe_messages(store: &Store, ws: i64, rows: Vec<messages::Model>) -> StoreResult<Vec<ChatMessage>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let metas: HashMap<i64, chat_message_meta::Model> = chat_message_meta::Entity::find()
        .filter(chat_message_meta::Column::WorkspaceId.eq(ws))
        .filter(chat_message_meta::Column::MessageId.is_in(ids.clone()))
        .all(&store.db)
        .await?
        .into_iter()
        .map(|m| (m.message_id, m))
        .collect();
    let bot_ids: Vec<i64> = metas.values().filter(|m| m.participant == "bot").map(|m| m.message_id).collect();
    let confirmations: std::collections::HashSet<i64> = if bot_ids.is_empty() {
        std::collections::HashSet::new()
    } else {
        crate::entity::chat_bot_answers::Entity::find()
            .filter(crate::entity::chat_bot_answers::Column::WorkspaceId.eq(ws))
            .filter(crate::entity::chat_bot_answers::Column::MessageId.is_in(bot_ids))
            .filter(crate::entity::chat_bot_answers::Column::Outcome.eq("confirm"))
            .all(&store.db)
            .await?
            .into_iter()
            .filter_map(|a| a.message_id)
            .collect()
    };
    let mut files: HashMap<i64, Vec<attachments::Model>> = HashMap::new();
    for a in attachments::Entity::find()
        .filter(attachments::Column::WorkspaceId.eq(ws))
        .filter(attachments::Column::MessageId.is_in(ids))
        .all(&store.db)
        .await?
    {
        files.entry(a.message_id.unwrap_or_default()).or_default().push(a);
    }
    let user_ids: Vec<i64> = rows.iter().filter_map(|m| m.author_user_id).collect();
    let contact_ids: Vec<i64> = rows.iter().filter_map(|m| m.author_contact_id).collect();
    let user_names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Id.is_in(user_ids))
        .all(&store.db)
        .await?
        .into_iter()
        .map(|u| (u.id, first_name(&u.name)))
        .collect();
    let contact_names: HashMap<i64, String> = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(ws))
        .filter(contacts::Column::Id.is_in(contact_ids))
        .all(&store.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|m| {
            let meta = metas.get(&m.id);
            let (participant, author_name) = match (m.author_kind.as_str(), meta) {
                (_, Some(meta)) if meta.participant == "bot" => {
                    ("bot", meta.bot_name.clone().unwrap_or_else(|| "Assistant".into()))
                }
                ("contact", _) => {
                    ("visitor", m.author_contact_id.and_then(|c| contact_names.get(&c).cloned()).unwrap_or_default())
                }
                ("user", _) => {
                    ("agent", m.author_user_id.and_then(|u| user_names.get(&u).cloned()).unwrap_or_default())
                }
                _ => ("system", String::new()),
            };
            ChatMessage {
                participant: participant.to_owned(),
                author_name,
                attachments: files.remove(&m.id).unwrap_or_default(),
                client_id: meta.and_then(|x| x.client_id.clone()),
                asks_confirmation: confirmations.contains(&m.id),
                message: m,
            }
        })
        .collect())
}

/// A conversation's public messages after message `after`, oldest first (at most `limit`, ≤ 200).
pub async fn messages(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    after: Option<i64>,
    limit: Option<u64>,
) -> StoreResult<Vec<ChatMessage>> {
    let limit = limit.unwrap_or(100);
    if !(1..=200).contains(&limit) {
        return Err(StoreError::invalid("/limit", "must be between 1 and 200"));
    }
    let (ticket, _) = chat_row(&store.db, p, ticket_id).await?;
    let rows = messages::Entity::find()
        .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
        .filter(messages::Column::TicketId.eq(ticket.id))
        .filter(messages::Column::Internal.eq(false))
        .filter(messages::Column::Id.gt(after.unwrap_or(0)))
        .order_by_asc(messages::Column::Id)
        .limit(limit)
        .all(&store.db)
        .await?;
    describe_messages(store, p.workspace_id, rows).await
}

/// One public message of a conversation the principal may see.
pub async fn message(store: &Store, p: &Principal, message_id: i64) -> StoreResult<ChatMessage> {
    let m = crate::messages::get(store, p, message_id).await?;
    chat_row(&store.db, p, m.ticket_id).await?;
    if m.internal {
        return Err(StoreError::NotFound);
    }
    describe_messages(store, p.workspace_id, vec![m]).await?.pop().ok_or(StoreError::NotFound)
}

/// The visitor writes in a conversation (plain text, files uploaded to it
/// beforehand). Returns the message and whether it is new: a retry with the
/// same `client_id` returns the first one.
pub async fn post(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    body: &str,
    client_id: Option<&str>,
    attachment_ids: &[String],
) -> StoreResult<(ChatMessage, bool)> {
    let client_id = check_client_id(client_id)?;
    let body = if body.trim().is_empty() && !attachment_ids.is_empty() {
        // A file alone is a message too; its text names the files.
        String::from("📎")
    } else {
        check_text(body)?
    };
    if attachment_ids.len() > 10 {
        return Err(StoreError::invalid("/attachment_ids", "at most 10 files per message"));
    }
    let contact = p.customer_contact().filter(|c| *c > 0).ok_or(StoreError::NotFound)?;
    let mut tx = store.begin(p).await?;
    let (ticket, _) = chat_row(tx.conn(), p, ticket_id).await?;
    if let Some(c) = &client_id
        && let Some(meta) = chat_message_meta::Entity::find()
            .filter(chat_message_meta::Column::TicketId.eq(ticket.id))
            .filter(chat_message_meta::Column::ClientId.eq(c.clone()))
            .one(tx.conn())
            .await?
    {
        drop(tx);
        return Ok((message(store, p, meta.message_id).await?, false));
    }
    if ticket.status_category == StatusCategory::Closed.as_str() {
        return Err(StoreError::Conflict {
            code: "conversation_closed",
            message: "this conversation is closed: start a new one".into(),
        });
    }
    let msg = crate::messages::insert_with_attachments_in(
        &mut tx,
        &ticket,
        Author::Contact(contact),
        &text_to_html(&body),
        false,
        None,
        attachment_ids,
    )
    .await?;
    insert_meta(&mut tx, &msg, "visitor", None, client_id).await?;
    tx.commit().await?;
    Ok((message(store, p, msg.id).await?, true))
}

/// Stores a file a visitor attaches to its conversation (size and type limited).
pub async fn upload(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> StoreResult<attachments::Model> {
    chat_row(&store.db, p, ticket_id).await?;
    if bytes.len() > MAX_VISITOR_FILE_BYTES {
        return Err(StoreError::invalid("/file", "is larger than 10 MiB"));
    }
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !VISITOR_FILE_TYPES.contains(&essence.as_str()) {
        return Err(StoreError::invalid("/file", "this kind of file cannot be sent in a chat"));
    }
    crate::attachments::create(store, p, ticket_id, None, filename, &essence, bytes).await
}

// ------------------------------------------------------------------------------------------------
// Typing and read state

async fn publish_signal(store: &Store, signal: ChatSignal) -> StoreResult<()> {
    if store.backend == DbBackend::Postgres {
        let json = serde_json::to_string(&signal).map_err(|e| StoreError::Io(e.to_string()))?;
        let payload = format!("{}|{json}", store.hub.node_id());
        store
            .db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHAT_CHANNEL.into(), payload.into()],
            ))
            .await?;
    }
    store.hub.publish_chat(signal);
    Ok(())
}

/// Which side of a chat the principal is on, and its display name.
fn side(p: &Principal) -> StoreResult<(&'static str, Option<i64>, String)> {
    let (_, _, name) = p.actor();
    match (&p.kind, p.user_id()) {
        (autocrm_domain::auth::PrincipalKind::Visitor { .. }, _) => Ok(("visitor", None, name)),
        (_, Some(uid)) if p.sees_all_tickets() => Ok(("agent", Some(uid), first_name(&name))),
        _ => Err(StoreError::Forbidden),
    }
}

/// Tells the other side of a chat that this side is (or stopped) typing. Not stored.
pub async fn typing(store: &Store, p: &Principal, ticket_id: i64, typing: bool) -> StoreResult<()> {
    let (from, user_id, mut name) = side(p)?;
    let (ticket, _) = chat_row(&store.db, p, ticket_id).await?;
    if from == "visitor"
        && let Some(c) = contacts::Entity::find_by_id(ticket.requester_id).one(&store.db).await?
    {
        name = c.name;
    }
    publish_signal(
        store,
        ChatSignal {
            workspace_id: p.workspace_id,
            ticket_id: ticket.id,
            from: from.into(),
            kind: "typing".into(),
            typing,
            message_id: None,
            user_id,
            name,
            at: store.now().to_rfc3339(),
            text: None,
        },
    )
    .await
}

/// Tells the visitor that the chatbot is (or stopped) typing: a signal from
/// the team's side under the bot's name. Not stored.
pub async fn bot_typing(store: &Store, ws: i64, ticket_id: i64, bot_name: &str, typing: bool) -> StoreResult<()> {
    publish_signal(
        store,
        ChatSignal {
            workspace_id: ws,
            ticket_id,
            from: "agent".into(),
            kind: "typing".into(),
            typing,
            message_id: None,
            user_id: None,
            name: bot_name.to_owned(),
            at: store.now().to_rfc3339(),
            text: None,
        },
    )
    .await
}

/// The most of a draft a signal carries (a bot message is at most 4,000
/// characters; a NOTIFY payload at most 8,000 bytes).
const MAX_DRAFT_CHARS: usize = 2000;

/// Shows the visitor the bot's answer so far while the model writes it. Not
/// stored: the posted message replaces it; a long draft shows its start.
pub async fn bot_draft(store: &Store, ws: i64, ticket_id: i64, bot_name: &str, text: &str) -> StoreResult<()> {
    publish_signal(
        store,
        ChatSignal {
            workspace_id: ws,
            ticket_id,
            from: "agent".into(),
            kind: "draft".into(),
            typing: true,
            message_id: None,
            user_id: None,
            name: bot_name.to_owned(),
            at: store.now().to_rfc3339(),
            text: Some(text.chars().take(MAX_DRAFT_CHARS).collect()),
        },
    )
    .await
}

/// Marks a conversation read up to `message_id` by this side (visitor or
/// agents); the position only moves forward. The other side is told at once.
pub async fn mark_read(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    message_id: i64,
) -> StoreResult<chat_conversations::Model> {
    let (from, user_id, name) = side(p)?;
    let tx = store.begin(p).await?;
    let (ticket, chat) = chat_row(tx.conn(), p, ticket_id).await?;
    let exists = messages::Entity::find_by_id(message_id)
        .filter(messages::Column::TicketId.eq(ticket.id))
        .filter(messages::Column::Internal.eq(false))
        .count(tx.conn())
        .await?
        > 0;
    if !exists {
        return Err(StoreError::invalid("/message_id", "no such message in this conversation"));
    }
    let now = store.now();
    let current = if from == "visitor" { chat.visitor_read_message_id } else { chat.agent_read_message_id };
    if current.is_some_and(|c| c >= message_id) {
        return Ok(chat);
    }
    let mut am = chat.into_active_model();
    if from == "visitor" {
        am.visitor_read_message_id = Set(Some(message_id));
        am.visitor_read_at = Set(Some(now));
    } else {
        am.agent_read_message_id = Set(Some(message_id));
        am.agent_read_at = Set(Some(now));
        am.agent_read_by = Set(user_id);
    }
    am.updated_at = Set(now);
    let row = am.update(tx.conn()).await?;
    tx.commit().await?;
    publish_signal(
        store,
        ChatSignal {
            workspace_id: p.workspace_id,
            ticket_id: ticket.id,
            from: from.into(),
            kind: "read".into(),
            typing: false,
            message_id: Some(message_id),
            user_id,
            name,
            at: now.to_rfc3339(),
            text: None,
        },
    )
    .await?;
    Ok(row)
}

/// The ticket ids of the conversations a visitor principal may follow.
pub async fn conversation_ids(store: &Store, p: &Principal) -> StoreResult<Vec<i64>> {
    let Some(contact) = p.customer_contact().filter(|c| *c > 0) else {
        return Ok(Vec::new());
    };
    let rows: Vec<i64> = chat_conversations::Entity::find()
        .select_only()
        .column(chat_conversations::Column::TicketId)
        .filter(chat_conversations::Column::WorkspaceId.eq(p.workspace_id))
        .filter(
            chat_conversations::Column::TicketId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(tickets::Column::Id)
                    .from(tickets::Entity)
                    .and_where(tickets::Column::WorkspaceId.eq(p.workspace_id))
                    .and_where(tickets::Column::RequesterId.eq(contact))
                    .to_owned(),
            ),
        )
        .into_tuple::<i64>()
        .all(&store.db)
        .await?;
    Ok(rows)
}

// ------------------------------------------------------------------------------------------------
// The agents' side

/// A chat as agents see it on the ticket page.
#[derive(Debug, Clone)]
pub struct AgentView {
    /// The chat row (read positions).
    pub chat: chat_conversations::Model,
    /// The visitor, if still known.
    pub visitor: Option<chat_visitors::Model>,
    /// Whether the visitor's widget is connected right now.
    pub visitor_online: bool,
    /// The latest public message.
    pub last_message_id: Option<i64>,
    /// The latest public message by the team (agents, bots, the system).
    pub last_team_message_id: Option<i64>,
}

/// The chat side of a ticket for staff (`NotFound` when it is not a widget conversation).
pub async fn agent_view(store: &Store, p: &Principal, ticket_id: i64) -> StoreResult<AgentView> {
    if !p.sees_all_tickets() {
        return Err(StoreError::NotFound);
    }
    let (_, chat) = chat_row(&store.db, p, ticket_id).await?;
    let visitor = match chat.visitor_id {
        Some(id) => chat_visitors::Entity::find_by_id(id).one(&store.db).await?,
        None => None,
    };
    let away = store.now() - Duration::seconds(AWAY_AFTER_SECS);
    let visitor_online = visitor.as_ref().is_some_and(|v| v.last_seen_at > away);
    let last = |team: bool| {
        let mut q = messages::Entity::find()
            .select_only()
            .column(messages::Column::Id)
            .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
            .filter(messages::Column::TicketId.eq(ticket_id))
            .filter(messages::Column::Internal.eq(false));
        if team {
            q = q.filter(messages::Column::AuthorKind.ne("contact"));
        }
        q.order_by_desc(messages::Column::Id).into_tuple::<i64>().one(&store.db)
    };
    let last_message_id = last(false).await?;
    let last_team_message_id = last(true).await?;
    Ok(AgentView { chat, visitor, visitor_online, last_message_id, last_team_message_id })
}

/// Called for every public reply by staff or the system on a chat ticket:
/// nothing goes out while the visitor's widget is connected (the reply
/// reaches it live); once the visitor has left, the reply is e-mailed when
/// the contact has an address.
pub(crate) async fn on_public_reply_in(tx: &mut Tx, ticket: &tickets::Model, msg: &messages::Model) -> StoreResult<()> {
    let Some(chat) = chat_conversations::Entity::find_by_id(ticket.id).one(tx.conn()).await? else {
        return Ok(());
    };
    let visitor = match chat.visitor_id {
        Some(id) => chat_visitors::Entity::find_by_id(id).one(tx.conn()).await?,
        None => None,
    };
    let away = tx.store.now() - Duration::seconds(AWAY_AFTER_SECS);
    if visitor.is_some_and(|v| v.last_seen_at > away) {
        return Ok(());
    }
    let Some(contact) = contacts::Entity::find_by_id(ticket.requester_id).one(tx.conn()).await? else {
        return Ok(());
    };
    crate::channels::email_out::queue_notice_in(
        tx,
        ticket,
        &contact,
        autocrm_channels::email::templates::Notice::AgentReplied,
        None,
        Some(msg),
    )
    .await?;
    Ok(())
}

/// Writes a bot's public message in a chat (the AI chatbot's entry point):
/// stored as a system message with a `bot` participant row (ADR 0006).
pub async fn post_as_bot(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    bot_name: &str,
    body: &str,
    answer: Option<crate::ai::BotAnswer>,
) -> StoreResult<ChatMessage> {
    if !p.sees_all_tickets() {
        return Err(StoreError::Forbidden);
    }
    let body = check_text(body)?;
    let mut tx = store.begin(p).await?;
    let (ticket, chat) = chat_row(tx.conn(), p, ticket_id).await?;
    // Written at a fixed instant so the reply hook (which e-mails absent
    // visitors) is skipped: a bot answers only while the visitor is there.
    let msg = crate::messages::insert_with_attachments_in(
        &mut tx,
        &ticket,
        Author::System,
        &text_to_html(&body),
        false,
        Some(store.now()),
        &[],
    )
    .await?;
    insert_meta(&mut tx, &msg, "bot", clean_text(Some(bot_name), 60).as_deref(), None).await?;
    if let Some(answer) = answer {
        crate::ai::record_bot_answer_in(&mut tx, &ticket, &msg, answer).await?;
    }
    if chat.handler != "bot" {
        let mut am = chat.into_active_model();
        am.handler = Set("bot".into());
        am.updated_at = Set(store.now());
        am.update(tx.conn()).await?;
    }
    tx.commit().await?;
    describe_messages(store, p.workspace_id, vec![msg]).await?.pop().ok_or(StoreError::NotFound)
}

/// Why the bot hands a conversation to the humans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOffReason {
    /// The customer asked for a person.
    Requested,
    /// The bot was not confident enough to answer.
    LowConfidence,
    /// The customer is upset.
    Upset,
    /// The request needs a person (a refund, something the bot's tools cannot do).
    NeedsAgent,
    /// The bot failed (the AI endpoint and the fall-back).
    BotFailed,
}

impl HandOffReason {
    /// The reason's key, as stored in the event.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::LowConfidence => "low_confidence",
            Self::Upset => "upset",
            Self::NeedsAgent => "needs_agent",
            Self::BotFailed => "bot_failed",
        }
    }

    fn sentence(self) -> &'static str {
        match self {
            Self::Requested => "the customer asked for a person",
            Self::LowConfidence => "the assistant was not sure it could answer",
            Self::Upset => "the customer seems upset",
            Self::NeedsAgent => "the request needs a person",
            Self::BotFailed => "the assistant could not answer",
        }
    }
}

/// Hands a bot-handled chat to the humans: the conversation's handler
/// becomes `human`, the bot's memory of it goes, and an internal note tells
/// the agents why, with the ticket's category and sentiment and the bot's
/// summary (the transcript is the ticket's thread). Emits `chat.handed_off`.
/// Handing off a conversation the humans already have does nothing.
pub async fn hand_off(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    reason: HandOffReason,
    summary: Option<&str>,
) -> StoreResult<chat_conversations::Model> {
    let mut tx = store.begin(p).await?;
    let (ticket, chat) = chat_row(tx.conn(), p, ticket_id).await?;
    if chat.handler == "human" {
        return Ok(chat);
    }
    let now = store.now();
    let mut am = chat.into_active_model();
    am.handler = Set("human".into());
    am.updated_at = Set(now);
    let row = am.update(tx.conn()).await?;
    chat_bot_sessions::Entity::delete_by_id(ticket.id).exec(tx.conn()).await?;
    let mut lines = vec![format!("Handed over by the chatbot: {}.", reason.sentence())];
    if let Some(category) = &ticket.category {
        lines.push(format!("Category: {category}."));
    }
    if let Some(sentiment) = &ticket.sentiment {
        lines.push(format!("Sentiment: {sentiment}."));
    }
    if let Some(summary) = summary.map(str::trim).filter(|s| !s.is_empty()) {
        let summary: String = summary.chars().take(1000).collect();
        lines.push(format!("The chatbot's summary: {summary}"));
    }
    let note = lines.join("\n");
    crate::messages::insert_with_attachments_in(
        &mut tx,
        &ticket,
        Author::System,
        &text_to_html(&note),
        true,
        Some(now),
        &[],
    )
    .await?;
    tx.emit(NewEvent {
        event_type: "chat.handed_off",
        subject_type: "ticket",
        subject_id: Some(ticket.id),
        ticket_id: Some(ticket.id),
        requester_id: Some(ticket.requester_id),
        visibility: Visibility::Public,
        data: json!({"conversation": {"id": ticket.id, "handler": "human"}, "reason": reason.as_str(),
            "ticket": {"id": ticket.id, "number": ticket.number}}),
    });
    tx.commit().await?;
    Ok(row)
}

/// An agent's public reply in a bot-handled chat: the humans take over
/// (in the reply's own transaction).
pub(crate) async fn take_over_in(tx: &mut Tx, ticket_id: i64) -> StoreResult<()> {
    let Some(chat) = chat_conversations::Entity::find_by_id(ticket_id)
        .filter(chat_conversations::Column::WorkspaceId.eq(tx.ws()))
        .one(tx.conn())
        .await?
    else {
        return Ok(());
    };
    if chat.handler != "bot" {
        return Ok(());
    }
    let now = tx.store.now();
    let mut am = chat.into_active_model();
    am.handler = Set("human".into());
    am.updated_at = Set(now);
    am.update(tx.conn()).await?;
    chat_bot_sessions::Entity::delete_by_id(ticket_id).exec(tx.conn()).await?;
    Ok(())
}

/// The chatbot's memory of a conversation (`None` before its first tool-using turn).
pub async fn bot_state(store: &Store, ws: i64, ticket_id: i64) -> StoreResult<Option<Value>> {
    Ok(chat_bot_sessions::Entity::find_by_id(ticket_id)
        .filter(chat_bot_sessions::Column::WorkspaceId.eq(ws))
        .one(&store.db)
        .await?
        .map(|r| r.state))
}

/// Stores the chatbot's memory of a conversation the bot still handles
/// (`Conflict` once the humans have taken over, so a late turn cannot
/// bring the bot back).
pub async fn save_bot_state(store: &Store, p: &Principal, ticket_id: i64, state: Value) -> StoreResult<()> {
    let tx = store.begin(p).await?;
    let (_, chat) = chat_row(tx.conn(), p, ticket_id).await?;
    if chat.handler != "bot" {
        return Err(StoreError::Conflict {
            code: "handed_off",
            message: "the team has taken over this conversation".into(),
        });
    }
    let now = store.now();
    let existing = chat_bot_sessions::Entity::find_by_id(ticket_id).one(tx.conn()).await?;
    match existing {
        Some(row) => {
            let turns = row.turns + 1;
            let mut am = row.into_active_model();
            am.state = Set(state);
            am.turns = Set(turns);
            am.updated_at = Set(now);
            am.update(tx.conn()).await?;
        }
        None => {
            chat_bot_sessions::ActiveModel {
                ticket_id: Set(ticket_id),
                workspace_id: Set(p.workspace_id),
                state: Set(state),
                turns: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(tx.conn())
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// Leave a message

/// "Leave a message" while nobody is online: an e-mail ticket from the
/// given address (answered by e-mail), acknowledged like an e-mail request.
pub async fn leave_message(
    store: &Store,
    p: &Principal,
    name: Option<&str>,
    email: &EmailAddress,
    body: &str,
) -> StoreResult<tickets::Model> {
    let body = check_text(body)?;
    let name = clean_text(name, 100);
    let visitor = visitor_of(&store.db, p).await?;
    let now = store.now();
    let mut tx = store.begin(p).await?;
    // Anyone may write to the shop as any address (as with e-mail); the
    // visitor does not become that contact and does not see its tickets.
    let contact = crate::contacts::find_or_create_by_email(&mut tx, email, name.as_deref()).await?;
    let first_line: String = body.lines().next().unwrap_or_default().chars().take(80).collect();
    let ticket = crate::tickets::insert_in(
        &mut tx,
        crate::tickets::NewTicketRow {
            subject: first_line,
            requester_id: contact.id,
            channel: Channel::Email,
            status: None,
            priority: Priority::Normal,
            assignee_id: None,
            team_id: None,
            tags: vec!["chat-offline".into()],
            custom_fields: serde_json::Map::new(),
            created_at: now,
        },
    )
    .await?;
    chat_conversations::ActiveModel {
        ticket_id: Set(ticket.id),
        workspace_id: Set(tx.ws()),
        visitor_id: Set(Some(visitor.id)),
        kind: Set("offline".into()),
        handler: Set("human".into()),
        visitor_read_message_id: Set(None),
        visitor_read_at: Set(None),
        agent_read_message_id: Set(None),
        agent_read_at: Set(None),
        agent_read_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    let msg = crate::messages::insert_with_attachments_in(
        &mut tx,
        &ticket,
        Author::Contact(contact.id),
        &text_to_html(&body),
        false,
        Some(now),
        &[],
    )
    .await?;
    insert_meta(&mut tx, &msg, "visitor", None, None).await?;
    let channel_settings = crate::channels::settings(tx.conn(), store, tx.ws()).await?;
    if channel_settings.auto_reply_enabled {
        crate::channels::email_out::queue_notice_in(
            &mut tx,
            &ticket,
            &contact,
            autocrm_channels::email::templates::Notice::TicketReceived,
            None,
            None,
        )
        .await?;
    }
    let identified = visitor.identified;
    let mut am = visitor.into_active_model();
    if !identified {
        // Remembered for this visitor only (unproven): a later chat may be answered there.
        am.email = Set(Some(email.as_str().to_owned()));
        if name.is_some() {
            am.name = Set(name);
        }
    }
    am.updated_at = Set(now);
    am.update(tx.conn()).await?;
    tx.commit().await?;
    Ok(ticket)
}

// ------------------------------------------------------------------------------------------------
// Satisfaction ratings of conversations (ADR 0005, ADR 0006)

/// A visitor's solved conversation as its rating footer shows it.
#[derive(Debug, Clone)]
pub struct ConversationRating {
    /// The conversation (its ticket's id).
    pub ticket_id: i64,
    /// The ticket's rating token (`PUT /api/v1/portal/ratings/{token}` takes it too).
    pub token: String,
    /// The rating, if given.
    pub rating: Option<crate::entity::ticket_ratings::Model>,
    /// Not rated yet, or still inside the change window.
    pub can_rate: bool,
}

/// The rating side of one of the visitor's own conversations: `NotFound` for
/// anyone else's, `Conflict` `ticket_not_solved` while it is not solved or closed.
pub async fn rating(store: &Store, p: &Principal, ticket_id: i64) -> StoreResult<ConversationRating> {
    let (ticket, _) = chat_row(&store.db, p, ticket_id).await?;
    if !matches!(ticket.status_category.as_str(), "solved" | "closed") {
        return Err(StoreError::Conflict {
            code: "ticket_not_solved",
            message: "only solved or closed conversations can be rated".into(),
        });
    }
    let target = crate::portal::ratings::target(store, p.workspace_id, ticket.id).await?;
    let token = crate::portal::ratings::token_for(store, p.workspace_id, ticket.id).await?;
    Ok(ConversationRating {
        ticket_id: ticket.id,
        can_rate: target.can_rate(store.now()),
        rating: target.rating,
        token,
    })
}

/// Rates one of the visitor's own conversations (or changes the rating).
/// Reaching the conversation is what holding its rating token proves (the
/// visitor gets the token from [`rating`]); the rules are those of every
/// other way of rating (`portal::ratings::rate`: solved or closed only,
/// changeable for 7 days).
pub async fn rate(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    score: crate::portal::ratings::Score,
    comment: Option<&str>,
) -> StoreResult<crate::entity::ticket_ratings::Model> {
    let (ticket, _) = chat_row(&store.db, p, ticket_id).await?;
    crate::portal::ratings::rate(store, p.workspace_id, ticket.id, score, comment).await
}

/// Status names by id, for conversation lists.
pub async fn status_names(store: &Store, ws: i64) -> StoreResult<HashMap<i64, String>> {
    Ok(statuses::Entity::find()
        .filter(statuses::Column::WorkspaceId.eq(ws))
        .all(&store.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// Whether `p` is an admin (settings are admins' only, also when called directly).
fn is_admin(p: &Principal) -> bool {
    match &p.kind {
        autocrm_domain::auth::PrincipalKind::User { role, .. } => *role == Role::Admin,
        autocrm_domain::auth::PrincipalKind::ApiKey { scopes, .. } => scopes.allows(autocrm_domain::Scope::Admin),
        autocrm_domain::auth::PrincipalKind::System => true,
        autocrm_domain::auth::PrincipalKind::Visitor { .. } => false,
    }
}

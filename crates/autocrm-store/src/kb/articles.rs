//! Articles: metadata (section, status, tags, position, related articles),
//! translations per locale, and the version history of each translation.
//!
//! A translation's save locks the article row first (an `UPDATE` of its
//! `updated_at`), so concurrent saves on PostgreSQL take turns and version
//! numbers never collide; SQLite has one writer anyway.

use std::collections::{BTreeMap, HashMap};

use autocrm_domain::Principal;
use autocrm_domain::html::{MAX_BODY_BYTES, body_from_input};
use autocrm_domain::people::normalize_tag;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect as _, Statement,
};
use serde_json::json;

use super::{ArticleStatus, MAX_RELATED, MAX_TAGS, MAX_TITLE_CHARS, db_error, parse_locale, plain_text, staff_only};
use crate::entity::{kb_articles, kb_sections, kb_translations, kb_versions, messages, tickets, users};
use crate::page::{Cursor, Page, clamp_limit, finish};
use crate::tx::{NewEvent, Tx, Visibility};
use crate::{FieldProblem, Store, StoreError, StoreResult};

/// One language version of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// Canonical BCP 47 tag.
    pub locale: String,
    /// Title (plain text).
    pub title: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Plain text of the body (search, snippets, meta descriptions).
    pub body_text: String,
    /// The current version number.
    pub version: i32,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
    /// Who saved it last.
    pub updated_by_user_id: Option<i64>,
}

/// An article with every translation.
#[derive(Debug, Clone)]
pub struct Article {
    /// Id.
    pub id: i64,
    /// Its section (`None` while unfiled).
    pub section_id: Option<i64>,
    /// Status.
    pub status: ArticleStatus,
    /// Who created it.
    pub author_user_id: Option<i64>,
    /// The author's name, when the user still exists.
    pub author_name: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Sort order inside the section.
    pub position: i32,
    /// The ticket it was drafted from.
    pub source_ticket_id: Option<i64>,
    /// The reply it was drafted from.
    pub source_message_id: Option<i64>,
    /// Views in the help center and widget.
    pub view_count: i64,
    /// "Yes, this helped" votes.
    pub helpful_yes: i64,
    /// "No" votes.
    pub helpful_no: i64,
    /// When it was last published.
    pub published_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change of the article or a translation.
    pub updated_at: DateTime<Utc>,
    /// Translations, by locale.
    pub translations: Vec<Translation>,
    /// Related articles, in order.
    pub related_ids: Vec<i64>,
}

impl Article {
    /// The translation for `locale` (exact or same language), else the
    /// `default_locale` one, else any; with whether it fell back.
    pub fn translation_for(&self, locale: &str, default_locale: &str) -> Option<(&Translation, bool)> {
        let locales = self.translations.iter().map(|t| t.locale.as_str());
        if let Some(l) = super::best_locale(locale, locales.clone()) {
            return self.translations.iter().find(|t| t.locale == l).map(|t| (t, false));
        }
        super::best_locale(default_locale, locales)
            .and_then(|l| self.translations.iter().find(|t| t.locale == l))
            .or_else(|| self.translations.first())
            .map(|t| (t, true))
    }
}

/// An article in a list: its title in the requested locale.
#[derive(Debug, Clone)]
pub struct ArticleSummary {
    /// Id.
    pub id: i64,
    /// Section.
    pub section_id: Option<i64>,
    /// Status.
    pub status: ArticleStatus,
    /// Title in the requested locale (or the fallback).
    pub title: String,
    /// The locale of `title`.
    pub locale: String,
    /// Every locale it has.
    pub locales: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Sort order.
    pub position: i32,
    /// Views.
    pub view_count: i64,
    /// Yes votes.
    pub helpful_yes: i64,
    /// No votes.
    pub helpful_no: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Article metadata to set; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ArticleMeta {
    /// Section (`Some(None)` unfiles it).
    pub section_id: Option<Option<i64>>,
    /// Status.
    pub status: Option<ArticleStatus>,
    /// Tags (replaced as a whole).
    pub tags: Option<Vec<String>>,
    /// Sort order.
    pub position: Option<i32>,
    /// Related articles in order (replaced as a whole).
    pub related_ids: Option<Vec<i64>>,
}

/// A new article with its first translation.
#[derive(Debug, Clone, Default)]
pub struct NewArticle {
    /// Metadata.
    pub meta: ArticleMeta,
    /// Locale of the first translation (default: the workspace's).
    pub locale: Option<String>,
    /// Title.
    pub title: String,
    /// Body (HTML or plain text; sanitised).
    pub body: String,
}

/// A saved version of a translation.
#[derive(Debug, Clone)]
pub struct Version {
    /// Id.
    pub id: i64,
    /// Locale.
    pub locale: String,
    /// Number (1, 2, …) per locale.
    pub number: i32,
    /// Title as saved.
    pub title: String,
    /// Body as saved.
    pub body_html: String,
    /// Who saved it.
    pub author_user_id: Option<i64>,
    /// Their name at the time.
    pub author_name: String,
    /// The version this one restored, if it was a restore.
    pub restored_from: Option<i64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Which articles a list shows.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only this status.
    pub status: Option<ArticleStatus>,
    /// Only this section (`Some(None)`: unfiled articles).
    pub section_id: Option<Option<i64>>,
    /// Titles in this locale (default: the workspace's).
    pub locale: Option<String>,
}

fn version_of(v: kb_versions::Model) -> Version {
    Version {
        id: v.id,
        locale: v.locale,
        number: v.number,
        title: v.title,
        body_html: v.body_html,
        author_user_id: v.author_user_id,
        author_name: v.author_name,
        restored_from: v.restored_from,
        created_at: v.created_at,
    }
}

fn translation_of(t: kb_translations::Model) -> Translation {
    Translation {
        locale: t.locale,
        title: t.title,
        body_html: t.body_html,
        body_text: t.body_text,
        version: t.version,
        updated_at: t.updated_at,
        updated_by_user_id: t.updated_by_user_id,
    }
}

pub(crate) fn tags_of(v: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

pub(crate) fn status_of(row: &kb_articles::Model) -> ArticleStatus {
    ArticleStatus::parse(&row.status).unwrap_or(ArticleStatus::Draft)
}

/// An article row of workspace `ws`.
pub(crate) async fn find_row(conn: &impl ConnectionTrait, ws: i64, id: i64) -> StoreResult<kb_articles::Model> {
    kb_articles::Entity::find_by_id(id)
        .filter(kb_articles::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Translations of some articles.
pub(crate) async fn translations_of(
    conn: &impl ConnectionTrait,
    ws: i64,
    ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<Translation>>> {
    let mut out: HashMap<i64, Vec<Translation>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for chunk in ids.chunks(500) {
        let rows = kb_translations::Entity::find()
            .filter(kb_translations::Column::WorkspaceId.eq(ws))
            .filter(kb_translations::Column::ArticleId.is_in(chunk.iter().copied()))
            .order_by_asc(kb_translations::Column::Locale)
            .all(conn)
            .await?;
        for r in rows {
            out.entry(r.article_id).or_default().push(translation_of(r));
        }
    }
    Ok(out)
}

/// Related article ids of one article, in order.
pub(crate) async fn related_of(conn: &impl ConnectionTrait, ws: i64, id: i64) -> StoreResult<Vec<i64>> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            fix(
                conn.get_database_backend(),
                "SELECT related_id FROM kb_related WHERE workspace_id = $1 AND article_id = $2 ORDER BY position, related_id",
            ),
            [ws.into(), id.into()],
        ))
        .await?;
    rows.iter().map(|r| r.try_get_by_index::<i64>(0).map_err(StoreError::from)).collect()
}

/// Rewrites `$n` placeholders for SQLite (`?`, positional) like [`crate::cust_expr`].
pub(crate) fn fix(backend: sea_orm::DbBackend, sql: &str) -> String {
    if backend != sea_orm::DbBackend::Sqlite {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
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
}

pub(crate) async fn assemble(conn: &impl ConnectionTrait, row: kb_articles::Model) -> StoreResult<Article> {
    let ws = row.workspace_id;
    let mut translations = translations_of(conn, ws, &[row.id]).await?.remove(&row.id).unwrap_or_default();
    translations.sort_by(|a, b| a.locale.cmp(&b.locale));
    let related_ids = related_of(conn, ws, row.id).await?;
    let author_name = match row.author_user_id {
        Some(uid) => users::Entity::find_by_id(uid).one(conn).await?.map(|u| u.name),
        None => None,
    };
    Ok(Article {
        id: row.id,
        section_id: row.section_id,
        status: status_of(&row),
        author_user_id: row.author_user_id,
        author_name,
        tags: tags_of(&row.tags),
        position: row.position,
        source_ticket_id: row.source_ticket_id,
        source_message_id: row.source_message_id,
        view_count: row.view_count,
        helpful_yes: row.helpful_yes,
        helpful_no: row.helpful_no,
        published_at: row.published_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        translations,
        related_ids,
    })
}

/// One article, any status, for staff.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<Article> {
    staff_only(p)?;
    let row = find_row(&store.db, p.workspace_id, id).await?;
    assemble(&store.db, row).await
}

/// Articles newest first (or, for one section, in its order), with titles in `filter.locale`.
pub async fn list(
    store: &Store,
    p: &Principal,
    filter: &ArticleFilter,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<ArticleSummary>> {
    staff_only(p)?;
    let ws = crate::workspaces::by_id(store, p.workspace_id).await?;
    let locale = match &filter.locale {
        Some(l) => parse_locale(l, "/locale")?,
        None => ws.locale.clone(),
    };
    let mut q = kb_articles::Entity::find().filter(kb_articles::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(s) = filter.status {
        q = q.filter(kb_articles::Column::Status.eq(s.as_str()));
    }
    let page = if let Some(section) = filter.section_id {
        // One section is a short, ordered list: no pages.
        q = match section {
            Some(id) => q.filter(kb_articles::Column::SectionId.eq(id)),
            None => q.filter(kb_articles::Column::SectionId.is_null()),
        };
        let rows = q
            .order_by_asc(kb_articles::Column::Position)
            .order_by_asc(kb_articles::Column::Id)
            .limit(1000)
            .all(&store.db)
            .await?;
        Page { data: rows, next_cursor: None }
    } else {
        let limit = clamp_limit(limit, 100, 500)?;
        if let Some(c) = cursor {
            q = q.filter(kb_articles::Column::Id.lt(Cursor::decode(c)?.id));
        }
        let rows = q.order_by_desc(kb_articles::Column::Id).limit(limit + 1).all(&store.db).await?;
        finish(rows, limit, |a| Cursor { key: String::new(), id: a.id })
    };
    let ids: Vec<i64> = page.data.iter().map(|a| a.id).collect();
    let mut translations = translations_of(&store.db, p.workspace_id, &ids).await?;
    Ok(page.map(|row| {
        let ts = translations.remove(&row.id).unwrap_or_default();
        summary(&row, &ts, &locale, &ws.locale)
    }))
}

pub(crate) fn summary(
    row: &kb_articles::Model,
    ts: &[Translation],
    locale: &str,
    default_locale: &str,
) -> ArticleSummary {
    let locales: Vec<&str> = ts.iter().map(|t| t.locale.as_str()).collect();
    let pick = super::best_locale(locale, locales.iter().copied())
        .or_else(|| super::best_locale(default_locale, locales.iter().copied()))
        .or_else(|| locales.first().copied());
    let t = pick.and_then(|l| ts.iter().find(|t| t.locale == l));
    ArticleSummary {
        id: row.id,
        section_id: row.section_id,
        status: status_of(row),
        title: t.map(|t| t.title.clone()).unwrap_or_default(),
        locale: t.map(|t| t.locale.clone()).unwrap_or_default(),
        locales: locales.iter().map(|l| (*l).to_owned()).collect(),
        tags: tags_of(&row.tags),
        position: row.position,
        view_count: row.view_count,
        helpful_yes: row.helpful_yes,
        helpful_no: row.helpful_no,
        updated_at: row.updated_at,
    }
}

/// Checks a title; returns it trimmed.
fn check_title(title: &str) -> StoreResult<String> {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > MAX_TITLE_CHARS {
        return Err(StoreError::invalid("/title", format!("must be 1–{MAX_TITLE_CHARS} characters")));
    }
    Ok(t.to_owned())
}

/// Sanitises a body; returns (html, text).
fn check_body(body: &str) -> StoreResult<(String, String)> {
    if body.len() > MAX_BODY_BYTES {
        return Err(StoreError::invalid("/body_html", "must be at most 512 KiB"));
    }
    let b = body_from_input(body);
    let text = plain_text(&b.html);
    Ok((b.html, text))
}

/// Checks metadata against the workspace; `id` is the article itself (for related ids).
async fn check_meta(store: &Store, ws: i64, id: Option<i64>, meta: &mut ArticleMeta) -> StoreResult<()> {
    let mut problems = Vec::new();
    if let Some(Some(section)) = meta.section_id {
        let found = kb_sections::Entity::find_by_id(section)
            .filter(kb_sections::Column::WorkspaceId.eq(ws))
            .one(&store.db)
            .await?;
        if found.is_none() {
            problems.push(FieldProblem::new("/section_id", "no such section"));
        }
    }
    if let Some(tags) = &mut meta.tags {
        let mut clean = Vec::new();
        for (i, raw) in tags.iter().enumerate() {
            match normalize_tag(raw) {
                Some(t) if !clean.contains(&t) => clean.push(t),
                Some(_) => {}
                None => problems.push(FieldProblem::new(format!("/tags/{i}"), "is not a valid tag")),
            }
        }
        if clean.len() > MAX_TAGS {
            problems.push(FieldProblem::new("/tags", format!("at most {MAX_TAGS} tags")));
        }
        *tags = clean;
    }
    if let Some(related) = &mut meta.related_ids {
        let mut clean: Vec<i64> = Vec::new();
        for r in related.iter() {
            if !clean.contains(r) {
                clean.push(*r);
            }
        }
        if clean.len() > MAX_RELATED {
            problems.push(FieldProblem::new("/related_ids", format!("at most {MAX_RELATED} related articles")));
        }
        if id.is_some_and(|id| clean.contains(&id)) {
            problems.push(FieldProblem::new("/related_ids", "an article cannot be related to itself"));
        }
        if !clean.is_empty() {
            let found: Vec<i64> = kb_articles::Entity::find()
                .select_only()
                .column(kb_articles::Column::Id)
                .filter(kb_articles::Column::WorkspaceId.eq(ws))
                .filter(kb_articles::Column::Id.is_in(clean.clone()))
                .into_tuple::<i64>()
                .all(&store.db)
                .await?;
            if let Some(missing) = clean.iter().find(|r| !found.contains(r)) {
                problems.push(FieldProblem::new("/related_ids", format!("no such article: {missing}")));
            }
        }
        *related = clean;
    }
    if problems.is_empty() { Ok(()) } else { Err(StoreError::Invalid(problems)) }
}

fn article_event(
    event_type: &'static str,
    id: i64,
    title: &str,
    status: ArticleStatus,
    extra: &serde_json::Value,
) -> NewEvent {
    let mut data = json!({"article": {"id": id, "title": title, "status": status.as_str()}});
    if let (Some(obj), Some(more)) = (data.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    NewEvent {
        event_type,
        subject_type: "article",
        subject_id: Some(id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data,
    }
}

async fn set_related(tx: &Tx, id: i64, related: &[i64]) -> StoreResult<()> {
    let backend = tx.store.backend;
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            fix(backend, "DELETE FROM kb_related WHERE workspace_id = $1 AND article_id = $2"),
            [tx.ws().into(), id.into()],
        ))
        .await?;
    let now = tx.store.now();
    for (pos, rid) in related.iter().enumerate() {
        tx.conn()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                fix(
                    backend,
                    "INSERT INTO kb_related (workspace_id, article_id, related_id, position, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                ),
                [tx.ws().into(), id.into(), (*rid).into(), (pos as i32).into(), now.into(), now.into()],
            ))
            .await?;
    }
    Ok(())
}

/// Writes a translation's new content and its version; returns the version number.
async fn write_translation(
    tx: &mut Tx,
    article_id: i64,
    locale: &str,
    title: &str,
    html: &str,
    text: &str,
    restored_from: Option<i64>,
) -> StoreResult<kb_translations::Model> {
    let now = tx.store.now();
    let (_, uid, author_name) = tx.principal().actor();
    let uid = uid.filter(|_| tx.principal().user_id().is_some());
    let existing = kb_translations::Entity::find()
        .filter(kb_translations::Column::WorkspaceId.eq(tx.ws()))
        .filter(kb_translations::Column::ArticleId.eq(article_id))
        .filter(kb_translations::Column::Locale.eq(locale))
        .one(tx.conn())
        .await?;
    let row = match existing {
        Some(t) => {
            let number = t.version + 1;
            let mut am: kb_translations::ActiveModel = t.into();
            am.title = Set(title.to_owned());
            am.body_html = Set(html.to_owned());
            am.body_text = Set(text.to_owned());
            am.version = Set(number);
            am.updated_by_user_id = Set(uid);
            am.updated_at = Set(now);
            am.update(tx.conn()).await.map_err(db_error)?
        }
        None => kb_translations::ActiveModel {
            workspace_id: Set(tx.ws()),
            article_id: Set(article_id),
            locale: Set(locale.to_owned()),
            title: Set(title.to_owned()),
            body_html: Set(html.to_owned()),
            body_text: Set(text.to_owned()),
            version: Set(1),
            updated_by_user_id: Set(uid),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await
        .map_err(db_error)?,
    };
    kb_versions::ActiveModel {
        workspace_id: Set(tx.ws()),
        article_id: Set(article_id),
        locale: Set(locale.to_owned()),
        number: Set(row.version),
        title: Set(title.to_owned()),
        body_html: Set(html.to_owned()),
        author_user_id: Set(uid),
        author_name: Set(author_name),
        restored_from: Set(restored_from),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await
    .map_err(db_error)?;
    super::search::index_terms(tx, row.id, &row.title, &row.body_text).await?;
    Ok(row)
}

/// Locks an article row for the rest of the transaction and bumps its `updated_at`.
async fn touch(tx: &Tx, id: i64) -> StoreResult<()> {
    let backend = tx.store.backend;
    let res = tx
        .conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            fix(backend, "UPDATE kb_articles SET updated_at = $1 WHERE id = $2 AND workspace_id = $3"),
            [tx.store.now().into(), id.into(), tx.ws().into()],
        ))
        .await?;
    if res.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Creates an article with its first translation (version 1).
pub async fn create(store: &Store, p: &Principal, input: NewArticle) -> StoreResult<Article> {
    create_from(store, p, input, None).await
}

/// Creates an article, remembering the (ticket, message) it was drafted from.
async fn create_from(
    store: &Store,
    p: &Principal,
    mut input: NewArticle,
    source: Option<(i64, i64)>,
) -> StoreResult<Article> {
    staff_only(p)?;
    let ws = crate::workspaces::by_id(store, p.workspace_id).await?;
    let locale = match &input.locale {
        Some(l) => parse_locale(l, "/locale")?,
        None => ws.locale.clone(),
    };
    let title = check_title(&input.title)?;
    let (html, text) = check_body(&input.body)?;
    check_meta(store, ws.id, None, &mut input.meta).await?;
    let status = input.meta.status.unwrap_or(ArticleStatus::Draft);
    let section_id = input.meta.section_id.flatten();
    if status == ArticleStatus::Published && section_id.is_none() {
        return Err(StoreError::invalid("/section_id", "choose a section before publishing"));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = kb_articles::ActiveModel {
        workspace_id: Set(tx.ws()),
        section_id: Set(section_id),
        status: Set(status.as_str().to_owned()),
        author_user_id: Set(p.user_id()),
        tags: Set(json!(input.meta.tags.clone().unwrap_or_default())),
        position: Set(input.meta.position.unwrap_or(0)),
        source_ticket_id: Set(source.map(|s| s.0)),
        source_message_id: Set(source.map(|s| s.1)),
        view_count: Set(0),
        helpful_yes: Set(0),
        helpful_no: Set(0),
        published_at: Set((status == ArticleStatus::Published).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    write_translation(&mut tx, row.id, &locale, &title, &html, &text, None).await?;
    if let Some(related) = &input.meta.related_ids {
        set_related(&tx, row.id, related).await?;
    }
    tx.emit(article_event(
        "article.created",
        row.id,
        &title,
        status,
        &json!({"locale": locale, "source_ticket_id": row.source_ticket_id}),
    ));
    if status == ArticleStatus::Published {
        tx.emit(article_event("article.published", row.id, &title, status, &json!({})));
    }
    tx.commit().await?;
    assemble(&store.db, row).await
}

/// Changes an article's metadata (section, status, tags, position, related).
pub async fn update(store: &Store, p: &Principal, id: i64, mut meta: ArticleMeta) -> StoreResult<Article> {
    staff_only(p)?;
    let row = find_row(&store.db, p.workspace_id, id).await?;
    check_meta(store, p.workspace_id, Some(id), &mut meta).await?;
    let before = status_of(&row);
    let status = meta.status.unwrap_or(before);
    let section_id = meta.section_id.unwrap_or(row.section_id);
    if status == ArticleStatus::Published && section_id.is_none() {
        return Err(StoreError::invalid("/section_id", "choose a section before publishing"));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    touch(&tx, id).await?;
    let title = first_title(&tx, id).await?;
    let mut am: kb_articles::ActiveModel = row.into();
    am.section_id = Set(section_id);
    am.status = Set(status.as_str().to_owned());
    if let Some(tags) = &meta.tags {
        am.tags = Set(json!(tags));
    }
    if let Some(pos) = meta.position {
        am.position = Set(pos);
    }
    if status == ArticleStatus::Published && before != ArticleStatus::Published {
        am.published_at = Set(Some(now));
    }
    am.updated_at = Set(now);
    let row = am.update(tx.conn()).await?;
    if let Some(related) = &meta.related_ids {
        set_related(&tx, id, related).await?;
    }
    let event = match (before == ArticleStatus::Published, status == ArticleStatus::Published) {
        (false, true) => "article.published",
        (true, false) => "article.unpublished",
        _ => "article.updated",
    };
    tx.emit(article_event(event, id, &title, status, &json!({"previous_status": before.as_str()})));
    tx.commit().await?;
    assemble(&store.db, row).await
}

async fn first_title(tx: &Tx, id: i64) -> StoreResult<String> {
    Ok(kb_translations::Entity::find()
        .filter(kb_translations::Column::WorkspaceId.eq(tx.ws()))
        .filter(kb_translations::Column::ArticleId.eq(id))
        .order_by_asc(kb_translations::Column::Id)
        .one(tx.conn())
        .await?
        .map(|t| t.title)
        .unwrap_or_default())
}

/// Publishes an article (it must be in a section).
pub async fn publish(store: &Store, p: &Principal, id: i64) -> StoreResult<Article> {
    update(store, p, id, ArticleMeta { status: Some(ArticleStatus::Published), ..ArticleMeta::default() }).await
}

/// Takes an article out of the help center (back to draft).
pub async fn unpublish(store: &Store, p: &Principal, id: i64) -> StoreResult<Article> {
    update(store, p, id, ArticleMeta { status: Some(ArticleStatus::Draft), ..ArticleMeta::default() }).await
}

/// Deletes an article with its translations, versions, files and counters.
pub async fn delete(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    staff_only(p)?;
    let row = find_row(&store.db, p.workspace_id, id).await?;
    let mut tx = store.begin(p).await?;
    let title = first_title(&tx, id).await?;
    kb_articles::Entity::delete_by_id(id).exec(tx.conn()).await?;
    tx.emit(article_event("article.deleted", id, &title, status_of(&row), &json!({})));
    tx.commit().await?;
    Ok(())
}

/// Saves a translation (creating it, or as its next version).
pub async fn save_translation(
    store: &Store,
    p: &Principal,
    id: i64,
    locale: &str,
    title: &str,
    body: &str,
) -> StoreResult<Translation> {
    staff_only(p)?;
    let locale = parse_locale(locale, "/locale")?;
    let title = check_title(title)?;
    let (html, text) = check_body(body)?;
    let row = find_row(&store.db, p.workspace_id, id).await?;
    let mut tx = store.begin(p).await?;
    touch(&tx, id).await?;
    let t = write_translation(&mut tx, id, &locale, &title, &html, &text, None).await?;
    tx.emit(article_event(
        "article.updated",
        id,
        &title,
        status_of(&row),
        &json!({"locale": locale, "version": t.version}),
    ));
    tx.commit().await?;
    Ok(translation_of(t))
}

/// Removes one translation; the last one cannot go (delete the article instead).
pub async fn delete_translation(store: &Store, p: &Principal, id: i64, locale: &str) -> StoreResult<()> {
    staff_only(p)?;
    let locale = parse_locale(locale, "/locale")?;
    let row = find_row(&store.db, p.workspace_id, id).await?;
    let mut tx = store.begin(p).await?;
    touch(&tx, id).await?;
    let all = kb_translations::Entity::find()
        .filter(kb_translations::Column::WorkspaceId.eq(tx.ws()))
        .filter(kb_translations::Column::ArticleId.eq(id))
        .all(tx.conn())
        .await?;
    let target = all.iter().find(|t| t.locale == locale).ok_or(StoreError::NotFound)?;
    if all.len() == 1 {
        return Err(StoreError::Conflict {
            code: "kb_last_translation",
            message: "an article keeps at least one translation; delete the article instead".into(),
        });
    }
    kb_translations::Entity::delete_by_id(target.id).exec(tx.conn()).await?;
    tx.emit(article_event(
        "article.updated",
        id,
        &target.title,
        status_of(&row),
        &json!({"locale": locale, "translation_deleted": true}),
    ));
    tx.commit().await?;
    Ok(())
}

/// The versions of an article (one locale or all), newest first.
pub async fn versions(store: &Store, p: &Principal, id: i64, locale: Option<&str>) -> StoreResult<Vec<Version>> {
    staff_only(p)?;
    find_row(&store.db, p.workspace_id, id).await?;
    let mut q = kb_versions::Entity::find()
        .filter(kb_versions::Column::WorkspaceId.eq(p.workspace_id))
        .filter(kb_versions::Column::ArticleId.eq(id));
    if let Some(l) = locale {
        q = q.filter(kb_versions::Column::Locale.eq(parse_locale(l, "/locale")?));
    }
    let rows = q.order_by_desc(kb_versions::Column::Id).limit(200).all(&store.db).await?;
    Ok(rows.into_iter().map(version_of).collect())
}

/// One version of an article.
pub async fn version(store: &Store, p: &Principal, id: i64, version_id: i64) -> StoreResult<Version> {
    staff_only(p)?;
    let v = kb_versions::Entity::find_by_id(version_id)
        .filter(kb_versions::Column::WorkspaceId.eq(p.workspace_id))
        .filter(kb_versions::Column::ArticleId.eq(id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(version_of(v))
}

/// Restores a version: its title and body become the translation's next version.
pub async fn restore(store: &Store, p: &Principal, id: i64, version_id: i64) -> StoreResult<Translation> {
    let v = version(store, p, id, version_id).await?;
    let row = find_row(&store.db, p.workspace_id, id).await?;
    let text = plain_text(&v.body_html);
    let mut tx = store.begin(p).await?;
    touch(&tx, id).await?;
    let t = write_translation(&mut tx, id, &v.locale, &v.title, &v.body_html, &text, Some(v.id)).await?;
    tx.emit(article_event(
        "article.updated",
        id,
        &v.title,
        status_of(&row),
        &json!({"locale": v.locale, "version": t.version, "restored_from": v.number}),
    ));
    tx.commit().await?;
    Ok(translation_of(t))
}

/// Drafts an article from an agent's public reply: the ticket's subject as
/// title, the reply as body, in the workspace's locale; remembers the ticket.
pub async fn from_message(store: &Store, p: &Principal, message_id: i64) -> StoreResult<Article> {
    staff_only(p)?;
    let m = messages::Entity::find_by_id(message_id)
        .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or_else(|| StoreError::invalid("/message_id", "no such message"))?;
    if m.internal || m.author_kind != "user" {
        return Err(StoreError::invalid("/message_id", "only an agent's public reply becomes an article"));
    }
    let ticket = tickets::Entity::find_by_id(m.ticket_id)
        .filter(tickets::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let title: String = ticket.subject.trim().chars().take(MAX_TITLE_CHARS).collect();
    let title = if title.is_empty() { format!("Ticket #{}", ticket.number) } else { title };
    let input = NewArticle { title, body: m.body_html.clone(), ..NewArticle::default() };
    create_from(store, p, input, Some((ticket.id, m.id))).await
}

/// Summaries of some articles of the caller's workspace (unknown ids are skipped).
pub async fn summaries(store: &Store, p: &Principal, ids: &[i64], locale: &str) -> StoreResult<Vec<ArticleSummary>> {
    staff_only(p)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ws = crate::workspaces::by_id(store, p.workspace_id).await?;
    let rows = kb_articles::Entity::find()
        .filter(kb_articles::Column::WorkspaceId.eq(p.workspace_id))
        .filter(kb_articles::Column::Id.is_in(ids.iter().copied()))
        .all(&store.db)
        .await?;
    let mut translations = translations_of(&store.db, p.workspace_id, ids).await?;
    let mut by_id: HashMap<i64, ArticleSummary> = rows
        .iter()
        .map(|r| (r.id, summary(r, &translations.remove(&r.id).unwrap_or_default(), locale, &ws.locale)))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Titles of some articles in `locale` (else the default), for related lists.
pub async fn titles(
    store: &Store,
    ws: i64,
    ids: &[i64],
    locale: &str,
    default_locale: &str,
) -> StoreResult<BTreeMap<i64, (String, String)>> {
    let ts = translations_of(&store.db, ws, ids).await?;
    let mut out = BTreeMap::new();
    for (id, list) in ts {
        let locales: Vec<&str> = list.iter().map(|t| t.locale.as_str()).collect();
        let pick = super::best_locale(locale, locales.iter().copied())
            .or_else(|| super::best_locale(default_locale, locales.iter().copied()))
            .or_else(|| locales.first().copied());
        if let Some(t) = pick.and_then(|l| list.iter().find(|t| t.locale == l)) {
            out.insert(id, (t.title.clone(), t.locale.clone()));
        }
    }
    Ok(out)
}

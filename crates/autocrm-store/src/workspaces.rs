//! Workspaces: the tenant boundary. Creating one seeds its counters and
//! default statuses; its settings (name, time zone, locale) change with a
//! `workspace.updated` event naming what changed.

use autocrm_domain::Principal;
use autocrm_domain::tickets::DEFAULT_STATUSES;
use autocrm_domain::workspaces::{Locale, TimeZone, WorkspaceName};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter, QueryOrder,
};
use serde_json::{Map, json};

use crate::entity::{counters, statuses, workspaces};
use crate::tx::NewEvent;
use crate::{Store, StoreError, StoreResult};

/// Checks a slug: 2–40 of a-z, 0-9 and `-`, starting with a letter.
pub fn check_slug(slug: &str) -> StoreResult<()> {
    let ok = (2..=40).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid("/slug", "must be 2–40 characters of a-z, 0-9 and -, starting with a letter"))
    }
}

/// Creates a workspace with its counters and the default statuses.
pub async fn create(
    store: &Store,
    slug: &str,
    name: &str,
    time_zone: &str,
    locale: &str,
) -> StoreResult<workspaces::Model> {
    check_slug(slug)?;
    let name = WorkspaceName::parse(name).map_err(|e| StoreError::invalid("/name", e.to_string()))?;
    let name = name.as_str();
    let time_zone = TimeZone::parse(time_zone).map_err(|e| StoreError::invalid("/time_zone", e.to_string()))?;
    let locale = Locale::parse(locale).map_err(|e| StoreError::invalid("/locale", e.to_string()))?;
    let now = store.now();
    // The workspace row must exist before a principal can act in it.
    let ws = workspaces::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        time_zone: Set(time_zone.as_str().to_owned()),
        locale: Set(locale.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&store.db)
    .await?;
    let mut tx = store.begin(&Principal::system(ws.id)).await?;
    for name in ["event_seq", "ticket_number"] {
        let start = if name == "ticket_number" { 1000 } else { 0 };
        counters::ActiveModel {
            workspace_id: Set(ws.id),
            name: Set(name.to_owned()),
            value: Set(start),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(tx.conn())
        .await?;
    }
    for (i, (status_name, category)) in DEFAULT_STATUSES.iter().enumerate() {
        statuses::ActiveModel {
            workspace_id: Set(ws.id),
            name: Set((*status_name).to_owned()),
            category: Set(category.as_str().to_owned()),
            position: Set(i as i32),
            is_default: Set(true),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
    }
    crate::ai::seed_categories_in(&mut tx).await?;
    tx.emit(NewEvent::admin(
        "workspace.created",
        "workspace",
        ws.id,
        json!({"workspace": {"id": ws.id, "slug": ws.slug, "name": ws.name}}),
    ));
    tx.commit().await?;
    Ok(ws)
}

/// Finds a workspace by slug.
pub async fn by_slug(store: &Store, slug: &str) -> StoreResult<Option<workspaces::Model>> {
    Ok(workspaces::Entity::find().filter(workspaces::Column::Slug.eq(slug)).one(&store.db).await?)
}

/// Finds a workspace by id.
pub async fn by_id(store: &Store, id: i64) -> StoreResult<workspaces::Model> {
    workspaces::Entity::find_by_id(id).one(&store.db).await?.ok_or(StoreError::NotFound)
}

/// Every workspace (for the CLI).
pub async fn all(store: &Store) -> StoreResult<Vec<workspaces::Model>> {
    Ok(workspaces::Entity::find().order_by_asc(workspaces::Column::Id).all(&store.db).await?)
}

/// A change to a workspace's settings, parsed at the edge; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct WorkspacePatch {
    /// New display name.
    pub name: Option<WorkspaceName>,
    /// New IANA time zone.
    pub time_zone: Option<TimeZone>,
    /// New BCP 47 locale.
    pub locale: Option<Locale>,
}

/// The principal's own workspace.
pub async fn current(store: &Store, p: &Principal) -> StoreResult<workspaces::Model> {
    by_id(store, p.workspace_id).await
}

/// Changes the principal's workspace's settings and records `workspace.updated`
/// with each changed value's `from` and `to`; a patch that changes nothing
/// writes nothing.
pub async fn update(store: &Store, p: &Principal, patch: WorkspacePatch) -> StoreResult<workspaces::Model> {
    let mut tx = store.begin(p).await?;
    let row = workspaces::Entity::find_by_id(tx.ws()).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let mut changes = Map::new();
    let mut am = row.clone().into_active_model();
    if let Some(n) = patch.name.filter(|n| n.as_str() != row.name) {
        changes.insert("name".into(), json!({"from": row.name, "to": n.as_str()}));
        am.name = Set(n.as_str().to_owned());
    }
    if let Some(tz) = patch.time_zone.filter(|tz| tz.as_str() != row.time_zone) {
        changes.insert("time_zone".into(), json!({"from": row.time_zone, "to": tz.as_str()}));
        am.time_zone = Set(tz.as_str().to_owned());
    }
    if let Some(l) = patch.locale.filter(|l| l.as_str() != row.locale) {
        changes.insert("locale".into(), json!({"from": row.locale, "to": l.as_str()}));
        am.locale = Set(l.as_str().to_owned());
    }
    if changes.is_empty() {
        return Ok(row);
    }
    am.updated_at = Set(store.now());
    let after = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "workspace.updated",
        "workspace",
        after.id,
        json!({"workspace": {"id": after.id, "slug": after.slug, "name": after.name}, "changes": changes}),
    ));
    tx.commit().await?;
    Ok(after)
}

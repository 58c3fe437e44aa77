//! Workspaces: the tenant boundary. Creating one seeds its counters and
//! default statuses.

use autocrm_domain::Principal;
use autocrm_domain::tickets::DEFAULT_STATUSES;
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

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
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::invalid("/name", "must be 1–100 characters"));
    }
    let now = store.now();
    // The workspace row must exist before a principal can act in it.
    let ws = workspaces::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        time_zone: Set(time_zone.to_owned()),
        locale: Set(locale.to_owned()),
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

//! Admin-defined ticket statuses, each in a fixed category.
//!
//! Invariant: every category has exactly one default status (used when a
//! ticket enters that category without a chosen status); it cannot be
//! deactivated.

use autocrm_domain::{Principal, StatusCategory};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel as _,
    QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::entity::statuses;
use crate::tx::NewEvent;
use crate::{Store, StoreError, StoreResult};

/// Every status of the workspace in display order.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<statuses::Model>> {
    Ok(statuses::Entity::find()
        .filter(statuses::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(statuses::Column::Position)
        .order_by_asc(statuses::Column::Id)
        .all(&store.db)
        .await?)
}

/// One status of workspace `ws`.
pub(crate) async fn get_in(conn: &impl ConnectionTrait, ws: i64, id: i64) -> StoreResult<statuses::Model> {
    statuses::Entity::find_by_id(id)
        .filter(statuses::Column::WorkspaceId.eq(ws))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The default status of a category.
pub(crate) async fn default_for(
    conn: &impl ConnectionTrait,
    ws: i64,
    category: StatusCategory,
) -> StoreResult<statuses::Model> {
    statuses::Entity::find()
        .filter(statuses::Column::WorkspaceId.eq(ws))
        .filter(statuses::Column::Category.eq(category.as_str()))
        .order_by_desc(statuses::Column::IsDefault)
        .order_by_asc(statuses::Column::Position)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Creates a status.
pub async fn create(
    store: &Store,
    p: &Principal,
    name: &str,
    category: StatusCategory,
) -> StoreResult<statuses::Model> {
    let name = check_name(name)?;
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let position = list(store, p).await?.len() as i32;
    let row = statuses::ActiveModel {
        workspace_id: Set(tx.ws()),
        name: Set(name),
        category: Set(category.as_str().to_owned()),
        position: Set(position),
        is_default: Set(false),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "status.created",
        "status",
        row.id,
        json!({"status": {"id": row.id, "name": row.name, "category": row.category}}),
    ));
    tx.commit().await?;
    Ok(row)
}

/// Renames, reorders or (de)activates a status.
pub async fn update(
    store: &Store,
    p: &Principal,
    id: i64,
    name: Option<&str>,
    position: Option<i32>,
    active: Option<bool>,
) -> StoreResult<statuses::Model> {
    let mut tx = store.begin(p).await?;
    let row = get_in(tx.conn(), tx.ws(), id).await?;
    if active == Some(false) && row.is_default {
        return Err(StoreError::Conflict {
            code: "status_is_default",
            message: "the default status of a category cannot be deactivated".into(),
        });
    }
    let mut am = row.clone().into_active_model();
    if let Some(n) = name {
        am.name = Set(check_name(n)?);
    }
    if let Some(pos) = position {
        am.position = Set(pos);
    }
    if let Some(a) = active {
        am.active = Set(a);
    }
    am.updated_at = Set(store.now());
    let after = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "status.updated",
        "status",
        id,
        json!({"status": {"id": id, "name": after.name, "active": after.active, "position": after.position}}),
    ));
    tx.commit().await?;
    Ok(after)
}

fn check_name(name: &str) -> StoreResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 60 {
        return Err(StoreError::invalid("/name", "must be 1–60 characters"));
    }
    Ok(n.to_owned())
}

//! API keys: opaque `acrm_…` tokens, shown once, stored as SHA-256, with
//! scopes, an optional expiry and a last-used time.

use autocrm_domain::{Principal, ScopeSet};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::entity::api_keys;
use crate::sessions::{hash_token, random_token};
use crate::tx::NewEvent;
use crate::{Store, StoreError, StoreResult};

/// Creates a key; returns the row and the secret (the only time it exists in clear).
pub async fn create(
    store: &Store,
    p: &Principal,
    name: &str,
    scopes: &ScopeSet,
    expires_at: Option<DateTime<Utc>>,
) -> StoreResult<(api_keys::Model, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::invalid("/name", "must be 1–100 characters"));
    }
    let now = store.now();
    if expires_at.is_some_and(|e| e <= now) {
        return Err(StoreError::invalid("/expires_at", "must be in the future"));
    }
    let secret = format!("acrm_{}", random_token());
    let mut tx = store.begin(p).await?;
    let row = api_keys::ActiveModel {
        workspace_id: Set(tx.ws()),
        name: Set(name.to_owned()),
        prefix: Set(secret.chars().take(12).collect()),
        key_hash: Set(hash_token(&secret)),
        scopes: Set(scopes.to_stored()),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_by_user_id: Set(p.user_id()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "api_key.created",
        "api_key",
        row.id,
        json!({"api_key": {"id": row.id, "name": row.name, "scopes": scopes.names()}}),
    ));
    tx.commit().await?;
    Ok((row, secret))
}

/// Resolves a presented key to its live row, updating `last_used_at` at most once a minute.
pub async fn resolve(store: &Store, secret: &str) -> StoreResult<Option<api_keys::Model>> {
    if !secret.starts_with("acrm_") || secret.len() > 100 {
        return Ok(None);
    }
    let now = store.now();
    let Some(k) =
        api_keys::Entity::find().filter(api_keys::Column::KeyHash.eq(hash_token(secret))).one(&store.db).await?
    else {
        return Ok(None);
    };
    if k.revoked_at.is_some() || k.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    if k.last_used_at.is_none_or(|t| now - t > Duration::minutes(1)) {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, sea_orm::sea_query::Expr::val(now))
            .filter(api_keys::Column::Id.eq(k.id))
            .exec(&store.db)
            .await?;
    }
    Ok(Some(k))
}

/// Every key of the workspace (never the secrets).
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<api_keys::Model>> {
    Ok(api_keys::Entity::find()
        .filter(api_keys::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(api_keys::Column::Id)
        .all(&store.db)
        .await?)
}

/// Revokes a key.
pub async fn revoke(store: &Store, p: &Principal, id: i64) -> StoreResult<api_keys::Model> {
    let mut tx = store.begin(p).await?;
    let row = api_keys::Entity::find_by_id(id)
        .filter(api_keys::Column::WorkspaceId.eq(tx.ws()))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    if row.revoked_at.is_some() {
        return Ok(row);
    }
    let mut am = row.into_active_model();
    am.revoked_at = Set(Some(store.now()));
    am.updated_at = Set(store.now());
    let after = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin("api_key.revoked", "api_key", id, json!({"api_key": {"id": id, "name": after.name}})));
    tx.commit().await?;
    Ok(after)
}

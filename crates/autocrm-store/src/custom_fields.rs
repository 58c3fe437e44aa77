//! Custom field definitions (for tickets, contacts and companies).

use autocrm_domain::Principal;
use autocrm_domain::custom_fields::{FieldDef, FieldType, check_definition};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel as _,
    QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::entity::custom_field_defs;
use crate::tx::NewEvent;
use crate::{Store, StoreError, StoreResult};

/// Input for a new definition.
#[derive(Debug, Clone)]
pub struct NewField {
    /// `ticket`, `contact` or `company`.
    pub entity: String,
    /// Storage key.
    pub key: String,
    /// Label shown in forms.
    pub label: String,
    /// Value type.
    pub field_type: FieldType,
    /// Required on create.
    pub required: bool,
    /// Shown to customers.
    pub customer_visible: bool,
    /// Options for selects.
    pub options: Vec<String>,
}

/// Every definition of the workspace, optionally for one entity.
pub async fn list(store: &Store, p: &Principal, entity: Option<&str>) -> StoreResult<Vec<custom_field_defs::Model>> {
    let mut q = custom_field_defs::Entity::find().filter(custom_field_defs::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(e) = entity {
        q = q.filter(custom_field_defs::Column::Entity.eq(e));
    }
    if !p.sees_all_tickets() {
        q = q.filter(custom_field_defs::Column::CustomerVisible.eq(true));
    }
    Ok(q.order_by_asc(custom_field_defs::Column::Position)
        .order_by_asc(custom_field_defs::Column::Id)
        .all(&store.db)
        .await?)
}

/// Active ticket field definitions as the validator needs them.
pub async fn ticket_defs(store: &Store, ws: i64) -> StoreResult<Vec<FieldDef>> {
    ticket_defs_in(&store.db, ws).await
}

/// Same, on a given connection (inside a transaction).
pub async fn ticket_defs_in(conn: &impl ConnectionTrait, ws: i64) -> StoreResult<Vec<FieldDef>> {
    defs_for(conn, ws, "ticket").await
}

/// Active definitions of one entity.
pub async fn defs_for(conn: &impl ConnectionTrait, ws: i64, entity: &str) -> StoreResult<Vec<FieldDef>> {
    let rows = custom_field_defs::Entity::find()
        .filter(custom_field_defs::Column::WorkspaceId.eq(ws))
        .filter(custom_field_defs::Column::Entity.eq(entity))
        .filter(custom_field_defs::Column::Active.eq(true))
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(to_def).collect())
}

fn to_def(r: custom_field_defs::Model) -> Option<FieldDef> {
    Some(FieldDef {
        field_type: FieldType::parse(&r.field_type)?,
        options: serde_json::from_value(r.options).unwrap_or_default(),
        key: r.key,
        required: r.required,
        customer_visible: r.customer_visible,
    })
}

/// Creates a definition.
pub async fn create(store: &Store, p: &Principal, f: NewField) -> StoreResult<custom_field_defs::Model> {
    if !["ticket", "contact", "company"].contains(&f.entity.as_str()) {
        return Err(StoreError::invalid("/entity", "must be ticket, contact or company"));
    }
    check_definition(&f.key, f.field_type, &f.options)
        .map_err(|m| StoreError::invalid(if m.starts_with("key") { "/key" } else { "/options" }, m))?;
    let label = f.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(StoreError::invalid("/label", "must be 1–100 characters"));
    }
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = custom_field_defs::ActiveModel {
        workspace_id: Set(tx.ws()),
        entity: Set(f.entity),
        key: Set(f.key),
        label: Set(label.to_owned()),
        field_type: Set(f.field_type.as_str().to_owned()),
        required: Set(f.required),
        customer_visible: Set(f.customer_visible),
        options: Set(json!(f.options)),
        position: Set(0),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "custom_field.created",
        "custom_field",
        row.id,
        json!({"custom_field": {"id": row.id, "key": row.key, "type": row.field_type}}),
    ));
    tx.commit().await?;
    Ok(row)
}

/// The changeable parts of a field definition; `None` keeps the current value.
#[derive(Debug, Default, Clone)]
pub struct FieldChanges {
    /// Shown to people; 1–100 characters.
    pub label: Option<String>,
    /// Whether every ticket must carry a value.
    pub required: Option<bool>,
    /// Whether customers see the value in the portal.
    pub customer_visible: Option<bool>,
    /// The choices of a select or multi-select field.
    pub options: Option<Vec<String>>,
    /// Inactive fields are hidden from forms but keep their values.
    pub active: Option<bool>,
}

/// Changes label, required, visibility, options or active.
pub async fn update(
    store: &Store,
    p: &Principal,
    id: i64,
    changes: FieldChanges,
) -> StoreResult<custom_field_defs::Model> {
    let FieldChanges { label, required, customer_visible, options, active } = changes;
    let mut tx = store.begin(p).await?;
    let row = custom_field_defs::Entity::find_by_id(id)
        .filter(custom_field_defs::Column::WorkspaceId.eq(tx.ws()))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let ft = FieldType::parse(&row.field_type).ok_or(StoreError::NotFound)?;
    let mut am = row.clone().into_active_model();
    if let Some(l) = label {
        let l = l.trim().to_owned();
        if l.is_empty() || l.chars().count() > 100 {
            return Err(StoreError::invalid("/label", "must be 1–100 characters"));
        }
        am.label = Set(l);
    }
    if let Some(o) = options {
        check_definition(&row.key, ft, &o).map_err(|m| StoreError::invalid("/options", m))?;
        am.options = Set(json!(o));
    }
    if let Some(r) = required {
        am.required = Set(r);
    }
    if let Some(v) = customer_visible {
        am.customer_visible = Set(v);
    }
    if let Some(a) = active {
        am.active = Set(a);
    }
    am.updated_at = Set(store.now());
    let after = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "custom_field.updated",
        "custom_field",
        id,
        json!({"custom_field": {"id": id, "key": after.key}}),
    ));
    tx.commit().await?;
    Ok(after)
}

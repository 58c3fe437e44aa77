//! Categories and sections: the help center's two levels of headings, with
//! names and descriptions per locale and an order set by `position`.
//!
//! Deleting a category or section that still holds something is refused
//! (`kb_category_not_empty`, `kb_section_not_empty`): articles are never
//! orphaned by accident.

use std::collections::BTreeMap;

use autocrm_domain::Principal;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait as _, QueryFilter, QueryOrder,
    QuerySelect as _,
};
use serde_json::json;

use super::{NameText, Names, check_names, staff_only};
use crate::entity::{kb_articles, kb_categories, kb_sections};
use crate::tx::{NewEvent, Visibility};
use crate::{Store, StoreError, StoreResult};

/// A category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Id.
    pub id: i64,
    /// Sort order (ascending, then id).
    pub position: i32,
    /// Names and descriptions per locale.
    pub translations: Names,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A section of a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Id.
    pub id: i64,
    /// Its category.
    pub category_id: i64,
    /// Sort order inside the category.
    pub position: i32,
    /// Names and descriptions per locale.
    pub translations: Names,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A new category or section, or a change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct HeadingInput {
    /// For sections: the category (required to create; a change moves it).
    pub category_id: Option<i64>,
    /// Names per locale; a `None` value removes that locale.
    pub translations: Option<BTreeMap<String, Option<NameText>>>,
    /// Sort order.
    pub position: Option<i32>,
}

pub(crate) fn names_of(v: &serde_json::Value) -> Names {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

pub(crate) fn category_of(row: &kb_categories::Model) -> Category {
    Category {
        id: row.id,
        position: row.position,
        translations: names_of(&row.translations),
        updated_at: row.updated_at,
    }
}

pub(crate) fn section_of(row: &kb_sections::Model) -> Section {
    Section {
        id: row.id,
        category_id: row.category_id,
        position: row.position,
        translations: names_of(&row.translations),
        updated_at: row.updated_at,
    }
}

/// Applies checked name changes to current names; at least one must remain.
fn merge_names(current: Names, changes: Option<BTreeMap<String, Option<NameText>>>) -> StoreResult<Names> {
    let mut names = current;
    if let Some(changes) = changes {
        for (locale, value) in check_names(changes, "/translations")? {
            match value {
                Some(v) => {
                    names.insert(locale, v);
                }
                None => {
                    names.remove(&locale);
                }
            }
        }
    }
    if names.is_empty() {
        return Err(StoreError::invalid("/translations", "needs a name in at least one locale"));
    }
    Ok(names)
}

fn heading_event(kind: &'static str, verb: &'static str, id: i64, names: &Names) -> NewEvent {
    let event_type = match (kind, verb) {
        ("category", "created") => "kb_category.created",
        ("category", "updated") => "kb_category.updated",
        ("category", _) => "kb_category.deleted",
        (_, "created") => "kb_section.created",
        (_, "updated") => "kb_section.updated",
        _ => "kb_section.deleted",
    };
    let name = names.values().next().map(|n| n.name.clone()).unwrap_or_default();
    NewEvent {
        event_type,
        subject_type: if kind == "category" { "kb_category" } else { "kb_section" },
        subject_id: Some(id),
        ticket_id: None,
        requester_id: None,
        visibility: Visibility::Staff,
        data: json!({ kind: {"id": id, "name": name} }),
    }
}

/// How many articles (any status) each section of the workspace holds.
pub async fn article_counts(store: &Store, p: &Principal) -> StoreResult<std::collections::HashMap<i64, i64>> {
    staff_only(p)?;
    let rows: Vec<(Option<i64>, i64)> = kb_articles::Entity::find()
        .select_only()
        .column(kb_articles::Column::SectionId)
        .column_as(kb_articles::Column::Id.count(), "n")
        .filter(kb_articles::Column::WorkspaceId.eq(p.workspace_id))
        .group_by(kb_articles::Column::SectionId)
        .into_tuple()
        .all(&store.db)
        .await?;
    Ok(rows.into_iter().filter_map(|(s, n)| s.map(|s| (s, n))).collect())
}

/// Every category of the workspace, in order.
pub async fn categories(store: &Store, ws: i64) -> StoreResult<Vec<Category>> {
    let rows = kb_categories::Entity::find()
        .filter(kb_categories::Column::WorkspaceId.eq(ws))
        .order_by_asc(kb_categories::Column::Position)
        .order_by_asc(kb_categories::Column::Id)
        .all(&store.db)
        .await?;
    Ok(rows.iter().map(category_of).collect())
}

/// Every section of the workspace, in order.
pub async fn sections(store: &Store, ws: i64) -> StoreResult<Vec<Section>> {
    let rows = kb_sections::Entity::find()
        .filter(kb_sections::Column::WorkspaceId.eq(ws))
        .order_by_asc(kb_sections::Column::Position)
        .order_by_asc(kb_sections::Column::Id)
        .all(&store.db)
        .await?;
    Ok(rows.iter().map(section_of).collect())
}

async fn find_category(store: &Store, ws: i64, id: i64) -> StoreResult<kb_categories::Model> {
    kb_categories::Entity::find_by_id(id)
        .filter(kb_categories::Column::WorkspaceId.eq(ws))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn find_section(store: &Store, ws: i64, id: i64) -> StoreResult<kb_sections::Model> {
    kb_sections::Entity::find_by_id(id)
        .filter(kb_sections::Column::WorkspaceId.eq(ws))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// One category of the caller's workspace.
pub async fn category(store: &Store, p: &Principal, id: i64) -> StoreResult<Category> {
    staff_only(p)?;
    Ok(category_of(&find_category(store, p.workspace_id, id).await?))
}

/// One section of the caller's workspace.
pub async fn section(store: &Store, p: &Principal, id: i64) -> StoreResult<Section> {
    staff_only(p)?;
    Ok(section_of(&find_section(store, p.workspace_id, id).await?))
}

/// Next position at the end of a list.
async fn next_category_position(store: &Store, ws: i64) -> StoreResult<i32> {
    let last = kb_categories::Entity::find()
        .filter(kb_categories::Column::WorkspaceId.eq(ws))
        .order_by_desc(kb_categories::Column::Position)
        .one(&store.db)
        .await?;
    Ok(last.map_or(0, |c| c.position + 1))
}

async fn next_section_position(store: &Store, ws: i64, category_id: i64) -> StoreResult<i32> {
    let last = kb_sections::Entity::find()
        .filter(kb_sections::Column::WorkspaceId.eq(ws))
        .filter(kb_sections::Column::CategoryId.eq(category_id))
        .order_by_desc(kb_sections::Column::Position)
        .one(&store.db)
        .await?;
    Ok(last.map_or(0, |c| c.position + 1))
}

/// Creates a category (at the end unless a position is given).
pub async fn create_category(store: &Store, p: &Principal, input: HeadingInput) -> StoreResult<Category> {
    staff_only(p)?;
    if input.translations.is_none() {
        return Err(StoreError::invalid("/translations", "is required"));
    }
    let names = merge_names(Names::new(), input.translations)?;
    let position = match input.position {
        Some(p) => p,
        None => next_category_position(store, p.workspace_id).await?,
    };
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = kb_categories::ActiveModel {
        workspace_id: Set(tx.ws()),
        position: Set(position),
        translations: Set(json!(names)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(heading_event("category", "created", row.id, &names));
    tx.commit().await?;
    Ok(category_of(&row))
}

/// Renames, re-describes or moves a category.
pub async fn update_category(store: &Store, p: &Principal, id: i64, input: HeadingInput) -> StoreResult<Category> {
    staff_only(p)?;
    let row = find_category(store, p.workspace_id, id).await?;
    let names = merge_names(names_of(&row.translations), input.translations)?;
    let mut tx = store.begin(p).await?;
    let mut am: kb_categories::ActiveModel = row.into();
    am.translations = Set(json!(names));
    if let Some(pos) = input.position {
        am.position = Set(pos);
    }
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(heading_event("category", "updated", row.id, &names));
    tx.commit().await?;
    Ok(category_of(&row))
}

/// Deletes an empty category (no sections).
pub async fn delete_category(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    staff_only(p)?;
    let row = find_category(store, p.workspace_id, id).await?;
    let mut tx = store.begin(p).await?;
    let sections = kb_sections::Entity::find()
        .filter(kb_sections::Column::WorkspaceId.eq(tx.ws()))
        .filter(kb_sections::Column::CategoryId.eq(id))
        .count(tx.conn())
        .await?;
    if sections > 0 {
        return Err(StoreError::Conflict {
            code: "kb_category_not_empty",
            message: "move or delete the category's sections first".into(),
        });
    }
    kb_categories::Entity::delete_by_id(id).exec(tx.conn()).await?;
    tx.emit(heading_event("category", "deleted", id, &names_of(&row.translations)));
    tx.commit().await?;
    Ok(())
}

/// Creates a section in a category.
pub async fn create_section(store: &Store, p: &Principal, input: HeadingInput) -> StoreResult<Section> {
    staff_only(p)?;
    let category_id = input.category_id.ok_or_else(|| StoreError::invalid("/category_id", "is required"))?;
    if find_category(store, p.workspace_id, category_id).await.is_err() {
        return Err(StoreError::invalid("/category_id", "no such category"));
    }
    if input.translations.is_none() {
        return Err(StoreError::invalid("/translations", "is required"));
    }
    let names = merge_names(Names::new(), input.translations)?;
    let position = match input.position {
        Some(p) => p,
        None => next_section_position(store, p.workspace_id, category_id).await?,
    };
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = kb_sections::ActiveModel {
        workspace_id: Set(tx.ws()),
        category_id: Set(category_id),
        position: Set(position),
        translations: Set(json!(names)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(heading_event("section", "created", row.id, &names));
    tx.commit().await?;
    Ok(section_of(&row))
}

/// Renames, re-describes, moves or re-orders a section.
pub async fn update_section(store: &Store, p: &Principal, id: i64, input: HeadingInput) -> StoreResult<Section> {
    staff_only(p)?;
    let row = find_section(store, p.workspace_id, id).await?;
    if let Some(cid) = input.category_id
        && find_category(store, p.workspace_id, cid).await.is_err()
    {
        return Err(StoreError::invalid("/category_id", "no such category"));
    }
    let names = merge_names(names_of(&row.translations), input.translations)?;
    let mut tx = store.begin(p).await?;
    let mut am: kb_sections::ActiveModel = row.into();
    am.translations = Set(json!(names));
    if let Some(cid) = input.category_id {
        am.category_id = Set(cid);
    }
    if let Some(pos) = input.position {
        am.position = Set(pos);
    }
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(heading_event("section", "updated", row.id, &names));
    tx.commit().await?;
    Ok(section_of(&row))
}

/// Deletes an empty section (no articles).
pub async fn delete_section(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    staff_only(p)?;
    let row = find_section(store, p.workspace_id, id).await?;
    let mut tx = store.begin(p).await?;
    let articles = kb_articles::Entity::find()
        .filter(kb_articles::Column::WorkspaceId.eq(tx.ws()))
        .filter(kb_articles::Column::SectionId.eq(id))
        .count(tx.conn())
        .await?;
    if articles > 0 {
        return Err(StoreError::Conflict {
            code: "kb_section_not_empty",
            message: "move or delete the section's articles first".into(),
        });
    }
    kb_sections::Entity::delete_by_id(id).exec(tx.conn()).await?;
    tx.emit(heading_event("section", "deleted", id, &names_of(&row.translations)));
    tx.commit().await?;
    Ok(())
}

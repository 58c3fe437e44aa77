//! Saved ticket views. Personal views belong to one user and only they see
//! them; shared views (no owner) are seen by all staff and changed by admins.
//! Filters are checked against the custom field definitions on every write,
//! and resolved into a `TicketFilter` for the caller on every read.

use autocrm_domain::Principal;
use autocrm_domain::people::normalize_tag;
use autocrm_domain::views::{AssigneeRef, ViewFilter, check_columns, check_filter};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::entity::views;
use crate::owned::{check_writable, sharing, staff_only};
use crate::tickets::{TicketFilter, TicketSort};
use crate::tx::NewEvent;
use crate::{FieldProblem, Store, StoreError, StoreResult, custom_fields as cf};

/// Most views one user (or the team) may keep.
pub const MAX_VIEWS: usize = 100;

/// A view as stored and served.
#[derive(Debug, Clone)]
pub struct View {
    /// Id.
    pub id: i64,
    /// `None` for a shared view.
    pub owner_user_id: Option<i64>,
    /// Name.
    pub name: String,
    /// The checked filter.
    pub filters: ViewFilter,
    /// Queue columns, in order.
    pub columns: Vec<String>,
    /// `-updated_at` …
    pub sort: String,
    /// Order among views.
    pub position: i32,
}

/// A new view or a change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ViewInput {
    /// Name (1–80 characters).
    pub name: Option<String>,
    /// Filter.
    pub filters: Option<ViewFilter>,
    /// Columns.
    pub columns: Option<Vec<String>>,
    /// Sort.
    pub sort: Option<String>,
    /// Shared with the team (admins and admin keys only) or personal.
    pub shared: Option<bool>,
    /// Order among views.
    pub position: Option<i32>,
}

/// Default queue columns of a new view.
pub fn default_columns() -> Vec<String> {
    ["number", "subject", "requester", "status", "priority", "assignee", "updated"].map(str::to_owned).to_vec()
}

fn from_row(row: views::Model) -> StoreResult<View> {
    Ok(View {
        id: row.id,
        owner_user_id: row.owner_user_id,
        name: row.name,
        filters: serde_json::from_value(row.filters).map_err(|e| StoreError::Io(format!("stored view filter: {e}")))?,
        columns: serde_json::from_value(row.columns)
            .map_err(|e| StoreError::Io(format!("stored view columns: {e}")))?,
        sort: row.sort,
        position: row.position,
    })
}

/// The caller's personal views and the shared ones, in display order.
pub async fn list(store: &Store, p: &Principal) -> StoreResult<Vec<View>> {
    staff_only(p)?;
    let rows = views::Entity::find()
        .filter(crate::owned::visible(p, views::Column::WorkspaceId, views::Column::OwnerUserId))
        .order_by_asc(views::Column::Position)
        .order_by_asc(views::Column::Id)
        .all(&store.db)
        .await?;
    rows.into_iter().map(from_row).collect()
}

/// One view the caller can see.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<View> {
    staff_only(p)?;
    let row = views::Entity::find_by_id(id)
        .filter(crate::owned::visible(p, views::Column::WorkspaceId, views::Column::OwnerUserId))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(row)
}

/// Checks the parts of `input` that are present.
async fn check(store: &Store, p: &Principal, input: &mut ViewInput) -> StoreResult<()> {
    let mut problems = Vec::new();
    crate::owned::check_name(input.name.as_mut(), &mut problems);
    if let Some(filters) = input.filters.take() {
        let defs = cf::ticket_defs(store, p.workspace_id).await?;
        match check_filter(filters, &defs, normalize_tag) {
            Ok(f) => input.filters = Some(f),
            Err(list) => {
                problems
                    .extend(list.into_iter().map(|e| FieldProblem::new(format!("/filters{}", e.pointer), e.detail)));
            }
        }
    }
    if let Some(columns) = &input.columns
        && let Err(e) = check_columns(columns)
    {
        problems.push(FieldProblem::new("/columns", e));
    }
    if let Some(sort) = &input.sort
        && TicketSort::parse(sort).is_err()
    {
        problems.push(FieldProblem::new("/sort", "must be one of -updated_at, updated_at, -created_at, created_at"));
    }
    if let Some(shared) = input.shared
        && let Err(e) = sharing(p, Some(shared))
    {
        problems.push(FieldProblem::new("/shared", e));
    }
    if problems.is_empty() { Ok(()) } else { Err(StoreError::Invalid(problems)) }
}

/// Creates a view (personal unless `shared`).
pub async fn create(store: &Store, p: &Principal, mut input: ViewInput) -> StoreResult<View> {
    staff_only(p)?;
    if input.name.is_none() {
        return Err(StoreError::invalid("/name", "is required"));
    }
    input.shared = Some(sharing(p, input.shared).map_err(|e| StoreError::invalid("/shared", e))?);
    check(store, p, &mut input).await?;
    let existing = list(store, p).await?;
    if existing.len() >= MAX_VIEWS {
        return Err(StoreError::Conflict { code: "too_many_views", message: format!("at most {MAX_VIEWS} views") });
    }
    let now = store.now();
    let owner = if input.shared == Some(true) { None } else { p.user_id() };
    let mut tx = store.begin(p).await?;
    let row = views::ActiveModel {
        workspace_id: Set(tx.ws()),
        owner_user_id: Set(owner),
        name: Set(input.name.unwrap_or_default()),
        filters: Set(json!(input.filters.unwrap_or_default())),
        columns: Set(json!(input.columns.unwrap_or_else(default_columns))),
        sort: Set(input.sort.unwrap_or_else(|| "-updated_at".to_owned())),
        position: Set(input.position.unwrap_or(existing.len() as i32)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin("view.created", "view", row.id, json!({"view": {"id": row.id, "name": row.name}})));
    tx.commit().await?;
    from_row(row)
}

/// The view row if `p` may change it: their own, or a shared one for admins.
async fn writable(store: &Store, p: &Principal, id: i64) -> StoreResult<views::Model> {
    staff_only(p)?;
    let row = views::Entity::find_by_id(id)
        .filter(crate::owned::visible(p, views::Column::WorkspaceId, views::Column::OwnerUserId))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    check_writable(p, row.owner_user_id)?;
    Ok(row)
}

/// Changes a view.
pub async fn update(store: &Store, p: &Principal, id: i64, mut input: ViewInput) -> StoreResult<View> {
    let row = writable(store, p, id).await?;
    check(store, p, &mut input).await?;
    let mut tx = store.begin(p).await?;
    let mut am: views::ActiveModel = row.into();
    if let Some(name) = input.name {
        am.name = Set(name);
    }
    if let Some(f) = input.filters {
        am.filters = Set(json!(f));
    }
    if let Some(c) = input.columns {
        am.columns = Set(json!(c));
    }
    if let Some(s) = input.sort {
        am.sort = Set(s);
    }
    if let Some(pos) = input.position {
        am.position = Set(pos);
    }
    match input.shared {
        Some(true) => am.owner_user_id = Set(None),
        Some(false) => am.owner_user_id = Set(p.user_id()),
        None => {}
    }
    am.updated_at = Set(store.now());
    let row = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin("view.updated", "view", row.id, json!({"view": {"id": row.id, "name": row.name}})));
    tx.commit().await?;
    from_row(row)
}

/// Deletes a view.
pub async fn delete(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let row = writable(store, p, id).await?;
    let mut tx = store.begin(p).await?;
    views::Entity::delete_by_id(row.id).exec(tx.conn()).await?;
    tx.emit(NewEvent::admin("view.deleted", "view", row.id, json!({"view": {"id": row.id, "name": row.name}})));
    tx.commit().await?;
    Ok(())
}

/// The list filter a view means for `p` (`me` is the caller).
pub fn ticket_filter(view: &View, p: &Principal) -> TicketFilter {
    let f = &view.filters;
    let assignee = f.assignee.as_deref().and_then(AssigneeRef::parse).map(|a| match a {
        // A key has no tickets of its own: `me` matches nobody's.
        AssigneeRef::Me => Some(p.user_id().unwrap_or(-1)),
        AssigneeRef::Nobody => None,
        AssigneeRef::User(id) => Some(id),
    });
    TicketFilter {
        status_ids: f.status_ids.clone(),
        categories: f.categories.clone(),
        priorities: f.priorities.clone(),
        assignee,
        team_id: f.team_id,
        channels: f.channels.clone(),
        tags: f.tags.clone(),
        exclude_tags: f.exclude_tags.clone(),
        fields: f.fields.clone(),
        q: f.q.clone().filter(|q| !q.trim().is_empty()),
        ticket_categories: f.ticket_categories.clone(),
        sentiments: f.sentiments.clone(),
        urgencies: f.urgencies.clone(),
        languages: f.languages.clone(),
        ..TicketFilter::default()
    }
}

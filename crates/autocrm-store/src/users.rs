//! Users: admins, agents and customers of one workspace.
//!
//! A customer user is linked to a contact (created on demand), whose
//! tickets are the only ones they see.

use autocrm_domain::{EmailAddress, Principal, Role};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use crate::entity::users;
use crate::page::{Cursor, Page, clamp_limit, finish};
use crate::tx::{NewEvent, Tx};
use crate::{Store, StoreError, StoreResult};

/// Input for a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in address.
    pub email: EmailAddress,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// An argon2id PHC string, or `None` for an invited user without a password yet.
    pub password_hash: Option<String>,
}

/// Creates a user (and, for customers, their contact).
pub async fn create(store: &Store, p: &Principal, input: NewUser) -> StoreResult<users::Model> {
    let mut tx = store.begin(p).await?;
    let row = insert_in(&mut tx, input, true).await?;
    tx.commit().await?;
    Ok(row)
}

/// Inserts a user (and, for customers, their contact) in an open transaction
/// and records `user.created`; invited users start inactive.
pub(crate) async fn insert_in(tx: &mut Tx, input: NewUser, active: bool) -> StoreResult<users::Model> {
    let name = input.name.trim();
    let name = if name.is_empty() { input.email.local_part().to_owned() } else { name.chars().take(200).collect() };
    let now = tx.store.now();
    let contact_id = if input.role == Role::Customer {
        Some(crate::contacts::find_or_create_by_email(tx, &input.email, Some(&name)).await?.id)
    } else {
        None
    };
    let row = users::ActiveModel {
        workspace_id: Set(tx.ws()),
        email: Set(input.email.as_str().to_owned()),
        name: Set(name),
        role: Set(input.role.as_str().to_owned()),
        password_hash: Set(input.password_hash),
        contact_id: Set(contact_id),
        active: Set(active),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "user.created",
        "user",
        row.id,
        json!({"user": {"id": row.id, "email": row.email, "role": row.role}}),
    ));
    Ok(row)
}

/// Finds a user by e-mail in a workspace (for sign-in).
pub async fn by_email(store: &Store, ws: i64, email: &str) -> StoreResult<Option<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Email.eq(email.to_lowercase()))
        .one(&store.db)
        .await?)
}

/// One user of the principal's workspace.
pub async fn get(store: &Store, p: &Principal, id: i64) -> StoreResult<users::Model> {
    users::Entity::find_by_id(id)
        .filter(users::Column::WorkspaceId.eq(p.workspace_id))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Lists users, optionally of one role.
pub async fn list(
    store: &Store,
    p: &Principal,
    role: Option<Role>,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> StoreResult<Page<users::Model>> {
    let limit = clamp_limit(limit, 50, 100)?;
    let mut q = users::Entity::find().filter(users::Column::WorkspaceId.eq(p.workspace_id));
    if let Some(r) = role {
        q = q.filter(users::Column::Role.eq(r.as_str()));
    }
    if let Some(c) = cursor {
        q = q.filter(users::Column::Id.gt(Cursor::decode(c)?.id));
    }
    let rows = q.order_by_asc(users::Column::Id).limit(limit + 1).all(&store.db).await?;
    Ok(finish(rows, limit, |u| Cursor { key: String::new(), id: u.id }))
}

/// Changes a user's name, role, active flag or password hash.
pub async fn update(
    store: &Store,
    p: &Principal,
    id: i64,
    name: Option<String>,
    role: Option<Role>,
    active: Option<bool>,
    password_hash: Option<String>,
) -> StoreResult<users::Model> {
    let mut tx = store.begin(p).await?;
    let row = users::Entity::find_by_id(id)
        .filter(users::Column::WorkspaceId.eq(tx.ws()))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    if p.user_id() == Some(id)
        && (role.is_some_and(|r| r != Role::Admin) || active == Some(false))
        && row.role == "admin"
    {
        return Err(StoreError::Conflict {
            code: "cannot_demote_self",
            message: "admins cannot demote or deactivate themselves".into(),
        });
    }
    let mut am = row.into_active_model();
    if let Some(n) = name {
        let n = n.trim().to_owned();
        if n.is_empty() || n.chars().count() > 200 {
            return Err(StoreError::invalid("/name", "must be 1–200 characters"));
        }
        am.name = Set(n);
    }
    if let Some(r) = role {
        am.role = Set(r.as_str().to_owned());
    }
    if let Some(a) = active {
        am.active = Set(a);
    }
    let password_changed = password_hash.is_some();
    if let Some(h) = password_hash {
        am.password_hash = Set(Some(h));
    }
    am.updated_at = Set(store.now());
    let after = am.update(tx.conn()).await?;
    if active == Some(false) || password_changed || role.is_some() {
        // Deactivation, a new password or a new role ends every session of the user.
        crate::sessions::delete_for_user(tx.conn(), after.id).await?;
    }
    tx.emit(NewEvent::admin(
        "user.updated",
        "user",
        id,
        json!({"user": {"id": id, "role": after.role, "active": after.active, "password_changed": password_changed}}),
    ));
    tx.commit().await?;
    Ok(after)
}

/// Records a successful sign-in time (no event: the session module emits it).
pub(crate) async fn touch_login(
    conn: &impl sea_orm::ConnectionTrait,
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, sea_orm::sea_query::Expr::val(at))
        .filter(users::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The `(id, name)` of a workspace's staff (for assignee pickers).
pub async fn staff_names(store: &Store, p: &Principal) -> StoreResult<Vec<(i64, String)>> {
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Name)
        .filter(users::Column::WorkspaceId.eq(p.workspace_id))
        .filter(users::Column::Role.ne("customer"))
        .into_tuple()
        .all(&store.db)
        .await?)
}

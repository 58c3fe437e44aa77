//! Invitations: an admin invites an agent or admin by e-mail; the user exists
//! from then on (inactive, without a password) and joins by opening a
//! single-use link and choosing a password.
//!
//! Invariants:
//! - Only the SHA-256 of a token is stored; the token is returned once, to
//!   the admin who issued it.
//! - A token works until it expires ([`TTL_DAYS`]), is used, or is replaced
//!   by sending the invitation anew (one row per user; a new token overwrites
//!   the hash). Accepting marks it used in the statement that checks it, so
//!   two concurrent accepts cannot both succeed.
//! - An invited user is one without a password whose invitation is unused.

use std::collections::HashMap;

use autocrm_domain::auth::PrincipalKind;
use autocrm_domain::{EmailAddress, Principal, Role};
use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, PaginatorTrait as _,
    QueryFilter,
};
use serde_json::json;

use crate::entity::{invitations, tickets, users, workspaces};
use crate::sessions::{hash_token, random_token};
use crate::tx::NewEvent;
use crate::users::NewUser;
use crate::{Store, StoreError, StoreResult};

/// How long an invitation link works.
pub const TTL_DAYS: i64 = 7;

/// Who to invite.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// Their sign-in address.
    pub email: EmailAddress,
    /// Display name (defaults to the e-mail's local part).
    pub name: String,
    /// Agent or admin.
    pub role: Role,
}

/// An invitation just issued: the raw token exists only here.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The invited user.
    pub user: users::Model,
    /// The token for the link; never stored.
    pub token: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// What an invitee sees before accepting.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The invited user.
    pub user: users::Model,
    /// Their workspace.
    pub workspace: workspaces::Model,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// Creates an inactive user without a password and their invitation.
pub async fn invite(store: &Store, p: &Principal, input: NewInvitation) -> StoreResult<Issued> {
    if !input.role.is_staff() {
        return Err(StoreError::invalid("/role", "invitations are for agents and admins"));
    }
    let now = store.now();
    let (token, expires_at) = (random_token(), expiry(now));
    let mut tx = store.begin(p).await?;
    let user = crate::users::insert_in(
        &mut tx,
        NewUser { email: input.email, name: input.name, role: input.role, password_hash: None },
        false,
    )
    .await?;
    invitations::ActiveModel {
        workspace_id: Set(tx.ws()),
        user_id: Set(user.id),
        token_hash: Set(hash_token(&token)),
        invited_by_user_id: Set(p.user_id()),
        expires_at: Set(expires_at),
        accepted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(invited_event(&user, expires_at, false));
    tx.commit().await?;
    Ok(Issued { user, token, expires_at })
}

/// Issues a new link for a user who has no password yet; the previous link stops working.
pub async fn resend(store: &Store, p: &Principal, user_id: i64) -> StoreResult<Issued> {
    let now = store.now();
    let (token, expires_at) = (random_token(), expiry(now));
    let mut tx = store.begin(p).await?;
    let user = user_in(tx.conn(), tx.ws(), user_id).await?;
    if user.password_hash.is_some() {
        return Err(not_invited("this user has a password already"));
    }
    if user.role == Role::Customer.as_str() {
        return Err(not_invited("invitations are for agents and admins"));
    }
    let existing = invitations::Entity::find().filter(invitations::Column::UserId.eq(user.id)).one(tx.conn()).await?;
    let mut am = existing.map_or_else(
        || invitations::ActiveModel {
            workspace_id: Set(tx.ws()),
            user_id: Set(user.id),
            created_at: Set(now),
            ..Default::default()
        },
        invitations::Model::into_active_model,
    );
    am.token_hash = Set(hash_token(&token));
    am.invited_by_user_id = Set(p.user_id());
    am.expires_at = Set(expires_at);
    am.accepted_at = Set(None);
    am.updated_at = Set(now);
    am.save(tx.conn()).await?;
    tx.emit(invited_event(&user, expires_at, true));
    tx.commit().await?;
    Ok(Issued { user, token, expires_at })
}

/// Revokes an unaccepted invitation: the link stops working and the invited
/// user, who never signed in, is removed.
pub async fn revoke(store: &Store, p: &Principal, user_id: i64) -> StoreResult<()> {
    let mut tx = store.begin(p).await?;
    let user = user_in(tx.conn(), tx.ws(), user_id).await?;
    let pending = invitations::Entity::find()
        .filter(invitations::Column::UserId.eq(user.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .one(tx.conn())
        .await?;
    if pending.is_none() || user.password_hash.is_some() {
        return Err(not_invited("this user has no open invitation"));
    }
    // An admin may have activated and assigned them meanwhile: keep those tickets' history whole.
    let assigned = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(tx.ws()))
        .filter(tickets::Column::AssigneeId.eq(user.id))
        .count(tx.conn())
        .await?;
    if assigned > 0 {
        return Err(StoreError::Conflict {
            code: "user_has_tickets",
            message: "tickets are assigned to this user; reassign them or deactivate the user instead".into(),
        });
    }
    users::Entity::delete_by_id(user.id).exec(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "user.invitation_revoked",
        "user",
        user.id,
        json!({"user": {"id": user.id, "email": user.email, "role": user.role}}),
    ));
    tx.commit().await?;
    Ok(())
}

/// The invitation a token opens, if it is unused, unexpired and its user still has no password.
pub async fn find_pending(store: &Store, token: &str) -> StoreResult<Pending> {
    let (inv, user) = live(store, token).await?;
    let workspace = crate::workspaces::by_id(store, inv.workspace_id).await?;
    Ok(Pending { user, workspace, expires_at: inv.expires_at })
}

/// Accepts an invitation: sets the password hash, activates the user and
/// uses the token up. Unknown, expired, used or replaced tokens are `NotFound`.
pub async fn accept(store: &Store, token: &str, password_hash: String) -> StoreResult<users::Model> {
    let (inv, user) = live(store, token).await?;
    let now = store.now();
    let mut tx = store.begin(&user_principal(&user)?).await?;
    // Checks and uses the token in one statement: of two concurrent accepts, one wins.
    let used = invitations::Entity::update_many()
        .col_expr(invitations::Column::AcceptedAt, Expr::val(now))
        .col_expr(invitations::Column::UpdatedAt, Expr::val(now))
        .filter(invitations::Column::Id.eq(inv.id))
        .filter(invitations::Column::TokenHash.eq(inv.token_hash.clone()))
        .filter(invitations::Column::AcceptedAt.is_null())
        .exec(tx.conn())
        .await?;
    if used.rows_affected != 1 {
        return Err(StoreError::NotFound);
    }
    let row = user_in(tx.conn(), inv.workspace_id, inv.user_id).await?;
    if row.password_hash.is_some() {
        return Err(StoreError::NotFound);
    }
    let mut am = row.into_active_model();
    am.password_hash = Set(Some(password_hash));
    am.active = Set(true);
    am.updated_at = Set(now);
    let after = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin(
        "user.invitation_accepted",
        "user",
        after.id,
        json!({"user": {"id": after.id, "email": after.email, "role": after.role}}),
    ));
    tx.commit().await?;
    Ok(after)
}

/// When each of `user_ids`' open invitation expires (expired ones included),
/// for users of the principal's workspace who have one.
pub async fn open_for(store: &Store, p: &Principal, user_ids: &[i64]) -> StoreResult<HashMap<i64, DateTime<Utc>>> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(invitations::Entity::find()
        .filter(invitations::Column::WorkspaceId.eq(p.workspace_id))
        .filter(invitations::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(invitations::Column::AcceptedAt.is_null())
        .all(&store.db)
        .await?
        .into_iter()
        .map(|i| (i.user_id, i.expires_at))
        .collect())
}

/// The unused, unexpired invitation of `token` and its password-less user.
async fn live(store: &Store, token: &str) -> StoreResult<(invitations::Model, users::Model)> {
    let inv = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash_token(token)))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    if inv.accepted_at.is_some() || inv.expires_at <= store.now() {
        return Err(StoreError::NotFound);
    }
    let user = user_in(&store.db, inv.workspace_id, inv.user_id).await?;
    if user.password_hash.is_some() {
        return Err(StoreError::NotFound);
    }
    Ok((inv, user))
}

async fn user_in(conn: &impl sea_orm::ConnectionTrait, ws: i64, id: i64) -> StoreResult<users::Model> {
    users::Entity::find_by_id(id).filter(users::Column::WorkspaceId.eq(ws)).one(conn).await?.ok_or(StoreError::NotFound)
}

/// The invitee acts as themselves when accepting.
fn user_principal(user: &users::Model) -> StoreResult<Principal> {
    Ok(Principal {
        workspace_id: user.workspace_id,
        kind: PrincipalKind::User {
            user_id: user.id,
            role: Role::parse(&user.role).map_err(|_| StoreError::NotFound)?,
            contact_id: user.contact_id,
            name: user.name.clone(),
        },
    })
}

/// When a link issued at `now` expires, to the microsecond PostgreSQL keeps
/// (so the time returned is the time stored).
fn expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    (now + Duration::days(TTL_DAYS)).trunc_subsecs(6)
}

fn invited_event(user: &users::Model, expires_at: DateTime<Utc>, resent: bool) -> NewEvent {
    NewEvent::admin(
        "user.invited",
        "user",
        user.id,
        json!({"user": {"id": user.id, "email": user.email, "role": user.role}, "expires_at": expires_at, "resent": resent}),
    )
}

fn not_invited(message: &str) -> StoreError {
    StoreError::Conflict { code: "user_not_invited", message: message.to_owned() }
}

//! Server-side sessions.
//!
//! The cookie carries a random token; the table stores its SHA-256 only, so
//! a leaked database does not yield usable sessions. A session ends after
//! an idle period or at an absolute deadline, whichever comes first.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::entity::{sessions, users};
use crate::tx::NewEvent;
use crate::{Principal, Store, StoreError, StoreResult};

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle: Duration,
    /// Ends this long after sign-in regardless of activity.
    pub absolute: Duration,
}

/// A new session: the raw token (for the cookie) and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Cookie value; never stored.
    pub token: String,
    /// Value the client must echo in `X-CSRF-Token` on cookie writes.
    pub csrf_token: String,
    /// When it ends at the latest.
    pub expires_at: DateTime<Utc>,
}

/// A random URL-safe token with 32 bytes of entropy.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 in hex: how tokens and API keys are stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session for a user who just proved their password; records the sign-in.
pub async fn create(
    store: &Store,
    user: &users::Model,
    policy: SessionPolicy,
    ip: Option<String>,
    user_agent: Option<String>,
) -> StoreResult<NewSession> {
    let now = store.now();
    let token = random_token();
    let csrf = random_token();
    let expires_at = now + policy.absolute;
    let principal = Principal {
        workspace_id: user.workspace_id,
        kind: autocrm_domain::auth::PrincipalKind::User {
            user_id: user.id,
            role: autocrm_domain::Role::parse(&user.role).map_err(|_| StoreError::NotFound)?,
            contact_id: user.contact_id,
            name: user.name.clone(),
        },
    };
    let mut tx = store.begin(&principal).await?;
    sessions::ActiveModel {
        id: Set(hash_token(&token)),
        workspace_id: Set(user.workspace_id),
        user_id: Set(user.id),
        csrf_token: Set(csrf.clone()),
        ip: Set(ip.clone()),
        user_agent: Set(user_agent.map(|u| u.chars().take(300).collect())),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    crate::users::touch_login(tx.conn(), user.id, now).await?;
    tx.emit(NewEvent::admin(
        "session.login",
        "user",
        user.id,
        json!({"user": {"id": user.id, "email": user.email}, "ip": ip}),
    ));
    tx.commit().await?;
    Ok(NewSession { token, csrf_token: csrf, expires_at })
}

/// Records a failed sign-in in the workspace's log.
pub async fn record_failed_login(
    store: &Store,
    ws: i64,
    email: &str,
    ip: Option<String>,
    reason: &str,
) -> StoreResult<()> {
    let mut tx = store.begin(&Principal::system(ws)).await?;
    tx.emit(NewEvent {
        event_type: "session.login_failed",
        subject_type: "user",
        subject_id: None,
        ticket_id: None,
        requester_id: None,
        visibility: crate::Visibility::Admin,
        data: json!({"email": email.chars().take(254).collect::<String>(), "ip": ip, "reason": reason}),
    });
    tx.commit().await?;
    Ok(())
}

/// Resolves a cookie token to its live session and user, sliding the idle
/// window (at most once a minute, to keep reads cheap).
pub async fn resolve(
    store: &Store,
    token: &str,
    policy: SessionPolicy,
) -> StoreResult<Option<(sessions::Model, users::Model)>> {
    let now = store.now();
    let Some(s) = sessions::Entity::find_by_id(hash_token(token)).one(&store.db).await? else {
        return Ok(None);
    };
    if s.expires_at <= now || s.last_seen_at + policy.idle <= now {
        sessions::Entity::delete_by_id(s.id.clone()).exec(&store.db).await?;
        return Ok(None);
    }
    let Some(u) = users::Entity::find_by_id(s.user_id).one(&store.db).await? else {
        return Ok(None);
    };
    if !u.active || u.workspace_id != s.workspace_id {
        return Ok(None);
    }
    if now - s.last_seen_at > Duration::minutes(1) {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastSeenAt, sea_orm::sea_query::Expr::val(now))
            .filter(sessions::Column::Id.eq(s.id.clone()))
            .exec(&store.db)
            .await?;
    }
    Ok(Some((s, u)))
}

/// Ends one session (`all = false`) or every session of its user.
pub async fn logout(store: &Store, p: &Principal, token: &str, all: bool) -> StoreResult<u64> {
    let mut tx = store.begin(p).await?;
    let n = if all {
        let uid = p.user_id().ok_or(StoreError::Forbidden)?;
        delete_for_user(tx.conn(), uid).await?
    } else {
        sessions::Entity::delete_by_id(hash_token(token)).exec(tx.conn()).await?.rows_affected
    };
    if let Some(uid) = p.user_id() {
        tx.emit(NewEvent::admin("session.logout", "user", uid, json!({"all": all, "sessions_ended": n})));
    }
    tx.commit().await?;
    Ok(n)
}

pub(crate) async fn delete_for_user(conn: &impl ConnectionTrait, user_id: i64) -> StoreResult<u64> {
    Ok(sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id)).exec(conn).await?.rows_affected)
}

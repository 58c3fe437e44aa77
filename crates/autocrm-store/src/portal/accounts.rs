//! Customer accounts: sign-up links, magic links, password resets, the
//! signed-in customer's profile and rate limits (see the module above for
//! the invariants).

use autocrm_domain::{EmailAddress, Principal, Role};
use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, PaginatorTrait as _,
    QueryFilter,
};
use serde_json::json;

use crate::entity::{portal_attempts, portal_tokens, users};
use crate::sessions::{hash_token, random_token};
use crate::tx::NewEvent;
use crate::users::NewUser;
use crate::{Store, StoreError, StoreResult};

/// How long a sign-up verification link works.
pub const VERIFY_TTL: Duration = Duration::hours(48);
/// How long a magic sign-in link works.
pub const MAGIC_TTL: Duration = Duration::minutes(20);
/// How long a password-reset link works.
pub const RESET_TTL: Duration = Duration::hours(1);
/// E-mail-sending requests one IP may make per kind within [`IP_WINDOW`].
pub const IP_LIMIT: u64 = 20;
/// The window of [`IP_LIMIT`].
pub const IP_WINDOW: Duration = Duration::minutes(10);
/// Portal e-mails one address receives within [`ADDRESS_WINDOW`]; more
/// requests are answered as usual but send nothing.
pub const ADDRESS_LIMIT: u64 = 5;
/// The window of [`ADDRESS_LIMIT`].
pub const ADDRESS_WINDOW: Duration = Duration::hours(1);

/// What an e-mailed link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Proves a sign-up's address and creates the account.
    Verify,
    /// Signs in (creating the account on first use).
    Magic,
    /// Sets a new password.
    Reset,
}

impl LinkPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Magic => "magic",
            Self::Reset => "reset",
        }
    }

    fn ttl(self) -> Duration {
        match self {
            Self::Verify => VERIFY_TTL,
            Self::Magic => MAGIC_TTL,
            Self::Reset => RESET_TTL,
        }
    }
}

/// A link to e-mail: the raw token (never stored) and whom it is for.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    /// The token for the link's URL.
    pub token: String,
    /// What it does.
    pub purpose: LinkPurpose,
    /// The address it goes to.
    pub email: String,
    /// The name to greet.
    pub name: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// What a sign-up request leads to (the HTTP answer is the same for all).
#[derive(Debug, Clone)]
pub enum SignUp {
    /// A verification link for a new account (or an account still without a password).
    Verify(IssuedLink),
    /// The address already has a customer account: tell its owner, change nothing.
    AlreadyRegistered(users::Model),
    /// Nothing to send (a staff address, a deactivated account, or the
    /// address's e-mail limit is reached).
    Nothing,
}

/// Whether an e-mail-sending request may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// Go ahead.
    Allowed,
    /// Answer as usual but send nothing (the address has had enough e-mail).
    Quiet,
    /// Refuse: this IP made too many requests; retry after this many seconds.
    Refused(i64),
}

/// Records an e-mail-sending request of `kind` from `ip` for `email` and
/// decides whether it may send.
pub async fn throttle(store: &Store, ws: i64, kind: &str, ip: Option<&str>, email: &str) -> StoreResult<Throttle> {
    let now = store.now();
    let email = email.trim().to_lowercase();
    if let Some(ip) = ip {
        let recent = portal_attempts::Entity::find()
            .filter(portal_attempts::Column::WorkspaceId.eq(ws))
            .filter(portal_attempts::Column::Kind.eq(kind))
            .filter(portal_attempts::Column::Ip.eq(ip))
            .filter(portal_attempts::Column::CreatedAt.gt(now - IP_WINDOW))
            .count(&store.db)
            .await?;
        if recent >= IP_LIMIT {
            return Ok(Throttle::Refused(IP_WINDOW.num_seconds()));
        }
    }
    let to_address = portal_attempts::Entity::find()
        .filter(portal_attempts::Column::WorkspaceId.eq(ws))
        .filter(portal_attempts::Column::Email.eq(email.clone()))
        .filter(portal_attempts::Column::CreatedAt.gt(now - ADDRESS_WINDOW))
        .count(&store.db)
        .await?;
    portal_attempts::ActiveModel {
        workspace_id: Set(ws),
        kind: Set(kind.chars().take(40).collect()),
        ip: Set(ip.map(|i| i.chars().take(64).collect())),
        email: Set(email.chars().take(254).collect()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&store.db)
    .await?;
    Ok(if to_address >= ADDRESS_LIMIT { Throttle::Quiet } else { Throttle::Allowed })
}

/// A sign-up: issues a verification link carrying the (hashed) password, or
/// says the address already has an account. Nothing else changes until the
/// link is used.
pub async fn sign_up(
    store: &Store,
    ws: i64,
    email: &EmailAddress,
    name: &str,
    password_hash: String,
) -> StoreResult<SignUp> {
    let name = clean_name(name, email);
    match crate::users::by_email(store, ws, email.as_str()).await? {
        Some(u) if u.role != Role::Customer.as_str() || !u.active => Ok(SignUp::Nothing),
        Some(u) if u.password_hash.is_some() => Ok(SignUp::AlreadyRegistered(u)),
        // A customer without a password (created by an admin or a magic link)
        // sets one by proving the address, like a new account.
        Some(_) | None => {
            Ok(SignUp::Verify(issue(store, ws, LinkPurpose::Verify, email, &name, None, Some(password_hash)).await?))
        }
    }
}

/// A magic sign-in link for the address: for its customer account, or one
/// that creates the account when used. `None` for staff and deactivated users.
pub async fn request_magic_link(store: &Store, ws: i64, email: &EmailAddress) -> StoreResult<Option<IssuedLink>> {
    let user = crate::users::by_email(store, ws, email.as_str()).await?;
    if user.as_ref().is_some_and(|u| u.role != Role::Customer.as_str() || !u.active) {
        return Ok(None);
    }
    let name = user.as_ref().map_or_else(|| email.local_part().to_owned(), |u| u.name.clone());
    Ok(Some(issue(store, ws, LinkPurpose::Magic, email, &name, user.map(|u| u.id), None).await?))
}

/// A password-reset link for the address's active customer account, if any.
pub async fn request_password_reset(store: &Store, ws: i64, email: &EmailAddress) -> StoreResult<Option<IssuedLink>> {
    let Some(user) = crate::users::by_email(store, ws, email.as_str()).await? else {
        return Ok(None);
    };
    if user.role != Role::Customer.as_str() || !user.active {
        return Ok(None);
    }
    Ok(Some(issue(store, ws, LinkPurpose::Reset, email, &user.name, Some(user.id), None).await?))
}

async fn issue(
    store: &Store,
    ws: i64,
    purpose: LinkPurpose,
    email: &EmailAddress,
    name: &str,
    user_id: Option<i64>,
    password_hash: Option<String>,
) -> StoreResult<IssuedLink> {
    let now = store.now();
    let token = random_token();
    // Truncated to what PostgreSQL keeps, so the time returned is the time stored.
    let expires_at = (now + purpose.ttl()).trunc_subsecs(6);
    portal_tokens::ActiveModel {
        workspace_id: Set(ws),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(hash_token(&token)),
        email: Set(email.as_str().to_owned()),
        user_id: Set(user_id),
        name: Set(Some(name.to_owned())),
        password_hash: Set(password_hash),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&store.db)
    .await?;
    Ok(IssuedLink { token, purpose, email: email.as_str().to_owned(), name: name.to_owned(), expires_at })
}

/// Uses a link up and returns the customer it signs in: a verification link
/// creates the account (linked to the address's contact, existing or new) or
/// gives a password-less one its password; a magic link signs in, creating
/// the account on first use; a reset link sets `new_password_hash` and ends
/// every other session. Unknown, expired, used or mismatched links are
/// `NotFound`, and a refused use changes nothing.
pub async fn redeem(
    store: &Store,
    purpose: LinkPurpose,
    token: &str,
    new_password_hash: Option<String>,
) -> StoreResult<users::Model> {
    if purpose == LinkPurpose::Reset && new_password_hash.is_none() {
        return Err(StoreError::invalid("/password", "is required"));
    }
    let hash = hash_token(token);
    let row = portal_tokens::Entity::find()
        .filter(portal_tokens::Column::TokenHash.eq(hash.clone()))
        .filter(portal_tokens::Column::Purpose.eq(purpose.as_str()))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let now = store.now();
    if row.used_at.is_some() || row.expires_at <= now {
        return Err(StoreError::NotFound);
    }
    let ws = row.workspace_id;
    let mut tx = store.begin(&Principal::system(ws)).await?;
    // Checks and uses the link in one statement: of two concurrent uses, one wins.
    let used = portal_tokens::Entity::update_many()
        .col_expr(portal_tokens::Column::UsedAt, Expr::val(now))
        .col_expr(portal_tokens::Column::UpdatedAt, Expr::val(now))
        .filter(portal_tokens::Column::Id.eq(row.id))
        .filter(portal_tokens::Column::UsedAt.is_null())
        .filter(portal_tokens::Column::ExpiresAt.gt(now))
        .exec(tx.conn())
        .await?;
    if used.rows_affected != 1 {
        return Err(StoreError::NotFound);
    }
    let email = EmailAddress::parse(&row.email).map_err(|_| StoreError::NotFound)?;
    let existing = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Email.eq(email.as_str()))
        .one(tx.conn())
        .await?;
    if existing.as_ref().is_some_and(|u| u.role != Role::Customer.as_str() || !u.active) {
        return Err(StoreError::NotFound);
    }
    if purpose == LinkPurpose::Reset && existing.as_ref().map(|u| u.id) != row.user_id {
        return Err(StoreError::NotFound);
    }
    let user = match (purpose, existing) {
        (LinkPurpose::Verify | LinkPurpose::Magic, None) => {
            let input = NewUser {
                email: email.clone(),
                name: row.name.clone().unwrap_or_default(),
                role: Role::Customer,
                password_hash: row.password_hash.clone(),
            };
            crate::users::insert_in(&mut tx, input, true).await?
        }
        (LinkPurpose::Magic, Some(u)) => ensure_contact(&mut tx, u).await?,
        (LinkPurpose::Verify, Some(u)) => {
            // The account was made meanwhile (a magic link) or by an admin
            // without a password: the proven sign-up gives it its password,
            // unless it has one already (then the link only signs in).
            let mut u = ensure_contact(&mut tx, u).await?;
            if u.password_hash.is_none()
                && let Some(h) = row.password_hash.clone()
            {
                u = set_password(&mut tx, u, h).await?;
            }
            u
        }
        (LinkPurpose::Reset, Some(u)) => {
            let u = ensure_contact(&mut tx, u).await?;
            let u = set_password(&mut tx, u, new_password_hash.unwrap_or_default()).await?;
            // A new password ends every session: whoever else was signed in is out.
            crate::sessions::delete_for_user(tx.conn(), u.id).await?;
            tx.emit(NewEvent::admin(
                "customer.password_reset",
                "user",
                u.id,
                json!({"user": {"id": u.id, "email": u.email}}),
            ));
            u
        }
        (LinkPurpose::Reset, None) => return Err(StoreError::NotFound),
    };
    tx.commit().await?;
    Ok(user)
}

/// Links a customer without a contact (an older account) to their address's contact.
async fn ensure_contact(tx: &mut crate::Tx, u: users::Model) -> StoreResult<users::Model> {
    if u.contact_id.is_some() {
        return Ok(u);
    }
    let email = EmailAddress::parse(&u.email).map_err(|_| StoreError::NotFound)?;
    let contact = crate::contacts::find_or_create_by_email(tx, &email, Some(&u.name)).await?;
    let now = tx.store.now();
    let mut am = u.into_active_model();
    am.contact_id = Set(Some(contact.id));
    am.updated_at = Set(now);
    Ok(am.update(tx.conn()).await?)
}

async fn set_password(tx: &mut crate::Tx, u: users::Model, hash: String) -> StoreResult<users::Model> {
    let now = tx.store.now();
    let mut am = u.into_active_model();
    am.password_hash = Set(Some(hash));
    am.updated_at = Set(now);
    Ok(am.update(tx.conn()).await?)
}

/// The active customer with this address, for password sign-in in the portal.
pub async fn customer_by_email(store: &Store, ws: i64, email: &str) -> StoreResult<Option<users::Model>> {
    Ok(crate::users::by_email(store, ws, email.trim()).await?.filter(|u| u.role == Role::Customer.as_str() && u.active))
}

/// The signed-in user's portal profile: the user and, for customers, their
/// notification preferences.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The user.
    pub user: users::Model,
    /// E-mail notifications about their tickets (customers only).
    pub email_notifications: Option<bool>,
    /// SMS notifications about their tickets (customers only).
    pub sms_notifications: Option<bool>,
}

/// A change to the signed-in user's profile; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    /// Display name (1–200 characters).
    pub name: Option<String>,
    /// E-mail notifications (customers only).
    pub email_notifications: Option<bool>,
    /// SMS notifications (customers only).
    pub sms_notifications: Option<bool>,
}

/// The caller's own profile.
pub async fn profile(store: &Store, p: &Principal) -> StoreResult<Profile> {
    let uid = p.user_id().ok_or(StoreError::Forbidden)?;
    let user = crate::users::get(store, p, uid).await?;
    let prefs = match (p.customer_contact(), user.contact_id) {
        (Some(_), Some(c)) => Some(crate::channels::email_out::preferences(store, p.workspace_id, c).await?),
        _ => None,
    };
    Ok(Profile {
        email_notifications: prefs.as_ref().map(|r| r.email_notifications),
        sms_notifications: prefs.as_ref().map(|r| r.sms_notifications),
        user,
    })
}

/// Changes the caller's own name and, for customers, notification preferences.
pub async fn update_profile(store: &Store, p: &Principal, patch: ProfilePatch) -> StoreResult<Profile> {
    let uid = p.user_id().ok_or(StoreError::Forbidden)?;
    let customer = p.customer_contact().is_some();
    if !customer && (patch.email_notifications.is_some() || patch.sms_notifications.is_some()) {
        return Err(StoreError::invalid("/email_notifications", "only customers have notification preferences"));
    }
    let name = match patch.name.as_deref().map(str::trim) {
        Some(n) if n.is_empty() || n.chars().count() > 200 => {
            return Err(StoreError::invalid("/name", "must be 1–200 characters"));
        }
        other => other.map(str::to_owned),
    };
    if let Some(n) = name {
        let mut tx = store.begin(p).await?;
        let row = users::Entity::find_by_id(uid)
            .filter(users::Column::WorkspaceId.eq(p.workspace_id))
            .one(tx.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut am = row.into_active_model();
        am.name = Set(n.clone());
        am.updated_at = Set(store.now());
        am.update(tx.conn()).await?;
        tx.emit(NewEvent::admin("user.updated", "user", uid, json!({"user": {"id": uid, "name": n}})));
        tx.commit().await?;
    }
    let user = crate::users::get(store, p, uid).await?;
    if customer
        && let Some(contact) = user.contact_id
        && (patch.email_notifications.is_some() || patch.sms_notifications.is_some())
    {
        crate::channels::email_out::set_preferences(
            store,
            p.workspace_id,
            contact,
            patch.email_notifications,
            patch.sms_notifications,
        )
        .await?;
    }
    profile(store, p).await
}

fn clean_name(name: &str, email: &EmailAddress) -> String {
    let n = name.trim();
    if n.is_empty() { email.local_part().to_owned() } else { n.chars().take(200).collect() }
}

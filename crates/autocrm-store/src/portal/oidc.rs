//! OIDC sign-in for customers: the providers an admin configures
//! per workspace (client secret write-only: never returned), the pending
//! authorisation requests, and the identities (provider + subject → user).
//!
//! The protocol itself (discovery, the token exchange, verifying the
//! ID token against the provider's keys) is the server's; the store keeps
//! the state that must survive between the redirect and the callback:
//! - a login is single-use and expires after [`LOGIN_TTL`]; its `state` and
//!   browser binding are stored as hashes, its nonce and PKCE verifier are
//!   handed back only to the request that uses it up;
//! - an identity signs in its user; a new identity is linked only by an
//!   e-mail address the provider says it verified, and never to staff.

use autocrm_domain::{EmailAddress, Principal, Role};
use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel as _, QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::entity::{customer_identities, oidc_logins, oidc_providers, users};
use crate::sessions::{hash_token, random_token};
use crate::tx::NewEvent;
use crate::users::NewUser;
use crate::{Store, StoreError, StoreResult};

/// How long an authorisation request may take.
pub const LOGIN_TTL: Duration = Duration::minutes(10);

/// The endpoints a provider's discovery document names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// Claims about the user (optional).
    pub userinfo_endpoint: Option<String>,
}

/// A provider to create or a change to one; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct ProviderInput {
    /// URL-safe name in the workspace (`google`).
    pub slug: Option<String>,
    /// Button label ("Sign in with Google").
    pub name: Option<String>,
    /// The issuer (`https://accounts.google.com`), as discovered.
    pub issuer: Option<String>,
    /// The client id registered with the provider.
    pub client_id: Option<String>,
    /// The client secret; `Some(None)` removes it (public client with PKCE only).
    pub client_secret: Option<Option<String>>,
    /// Scopes (`openid email profile`); must include `openid`.
    pub scopes: Option<String>,
    /// Offered on the sign-in page.
    pub enabled: Option<bool>,
    /// Discovered endpoints (when the issuer is new or changed).
    pub endpoints: Option<Endpoints>,
}

/// The workspace's providers (admins), oldest first.
pub async fn list_providers(store: &Store, p: &Principal) -> StoreResult<Vec<oidc_providers::Model>> {
    Ok(oidc_providers::Entity::find()
        .filter(oidc_providers::Column::WorkspaceId.eq(p.workspace_id))
        .order_by_asc(oidc_providers::Column::Id)
        .all(&store.db)
        .await?)
}

/// The enabled providers of a workspace (for the sign-in page).
pub async fn enabled_providers(store: &Store, ws: i64) -> StoreResult<Vec<oidc_providers::Model>> {
    Ok(oidc_providers::Entity::find()
        .filter(oidc_providers::Column::WorkspaceId.eq(ws))
        .filter(oidc_providers::Column::Enabled.eq(true))
        .order_by_asc(oidc_providers::Column::Id)
        .all(&store.db)
        .await?)
}

/// One provider of the principal's workspace.
pub async fn get_provider(store: &Store, p: &Principal, id: i64) -> StoreResult<oidc_providers::Model> {
    provider_in(store, p.workspace_id, id).await
}

async fn provider_in(store: &Store, ws: i64, id: i64) -> StoreResult<oidc_providers::Model> {
    oidc_providers::Entity::find_by_id(id)
        .filter(oidc_providers::Column::WorkspaceId.eq(ws))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// An enabled provider by slug (the sign-in button).
pub async fn enabled_by_slug(store: &Store, ws: i64, slug: &str) -> StoreResult<oidc_providers::Model> {
    oidc_providers::Entity::find()
        .filter(oidc_providers::Column::WorkspaceId.eq(ws))
        .filter(oidc_providers::Column::Slug.eq(slug))
        .filter(oidc_providers::Column::Enabled.eq(true))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)
}

fn check_slug(slug: &str) -> StoreResult<String> {
    let s = slug.trim().to_ascii_lowercase();
    let ok = (1..=40).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok { Ok(s) } else { Err(StoreError::invalid("/slug", "must be 1–40 characters: a–z, 0–9 and -")) }
}

fn check_text(pointer: &str, v: &str, max: usize) -> StoreResult<String> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(StoreError::invalid(pointer, format!("must be 1–{max} characters")));
    }
    Ok(t.to_owned())
}

fn check_scopes(v: &str) -> StoreResult<String> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    if !parts.contains(&"openid") || parts.len() > 20 || parts.iter().any(|p| p.len() > 100 || !p.is_ascii()) {
        return Err(StoreError::invalid("/scopes", "must be space-separated scopes including `openid`"));
    }
    Ok(parts.join(" "))
}

async fn slug_taken(store: &Store, ws: i64, slug: &str, except: Option<i64>) -> StoreResult<()> {
    let mut q = oidc_providers::Entity::find()
        .filter(oidc_providers::Column::WorkspaceId.eq(ws))
        .filter(oidc_providers::Column::Slug.eq(slug));
    if let Some(id) = except {
        q = q.filter(oidc_providers::Column::Id.ne(id));
    }
    if q.one(&store.db).await?.is_some() {
        return Err(StoreError::Conflict {
            code: "oidc_provider_slug_taken",
            message: "a sign-in provider with this slug exists".into(),
        });
    }
    Ok(())
}

/// Adds a provider (admins); the issuer's endpoints come from discovery.
pub async fn create_provider(store: &Store, p: &Principal, input: ProviderInput) -> StoreResult<oidc_providers::Model> {
    let slug = check_slug(input.slug.as_deref().unwrap_or_default())?;
    let name = check_text("/name", input.name.as_deref().unwrap_or_default(), 100)?;
    let issuer = check_text("/issuer", input.issuer.as_deref().unwrap_or_default(), 500)?;
    let client_id = check_text("/client_id", input.client_id.as_deref().unwrap_or_default(), 500)?;
    let scopes = check_scopes(input.scopes.as_deref().unwrap_or("openid email profile"))?;
    let endpoints = input.endpoints.ok_or_else(|| StoreError::invalid("/issuer", "has no discovery document"))?;
    slug_taken(store, p.workspace_id, &slug, None).await?;
    let now = store.now();
    let mut tx = store.begin(p).await?;
    let row = oidc_providers::ActiveModel {
        workspace_id: Set(p.workspace_id),
        slug: Set(slug),
        name: Set(name),
        issuer: Set(issuer),
        client_id: Set(client_id),
        client_secret: Set(input.client_secret.flatten().filter(|s| !s.is_empty())),
        scopes: Set(scopes),
        authorization_endpoint: Set(endpoints.authorization_endpoint),
        token_endpoint: Set(endpoints.token_endpoint),
        jwks_uri: Set(endpoints.jwks_uri),
        userinfo_endpoint: Set(endpoints.userinfo_endpoint),
        enabled: Set(input.enabled.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin("oidc_provider.created", "oidc_provider", row.id, provider_event(&row)));
    tx.commit().await?;
    Ok(row)
}

/// Changes a provider (admins).
pub async fn update_provider(
    store: &Store,
    p: &Principal,
    id: i64,
    input: ProviderInput,
) -> StoreResult<oidc_providers::Model> {
    let row = provider_in(store, p.workspace_id, id).await?;
    let mut am = row.into_active_model();
    if let Some(s) = &input.slug {
        let slug = check_slug(s)?;
        slug_taken(store, p.workspace_id, &slug, Some(id)).await?;
        am.slug = Set(slug);
    }
    if let Some(n) = &input.name {
        am.name = Set(check_text("/name", n, 100)?);
    }
    if let Some(i) = &input.issuer {
        am.issuer = Set(check_text("/issuer", i, 500)?);
    }
    if let Some(c) = &input.client_id {
        am.client_id = Set(check_text("/client_id", c, 500)?);
    }
    if let Some(secret) = input.client_secret {
        am.client_secret = Set(secret.filter(|s| !s.is_empty()));
    }
    if let Some(s) = &input.scopes {
        am.scopes = Set(check_scopes(s)?);
    }
    if let Some(e) = input.enabled {
        am.enabled = Set(e);
    }
    if let Some(e) = input.endpoints {
        am.authorization_endpoint = Set(e.authorization_endpoint);
        am.token_endpoint = Set(e.token_endpoint);
        am.jwks_uri = Set(e.jwks_uri);
        am.userinfo_endpoint = Set(e.userinfo_endpoint);
    }
    am.updated_at = Set(store.now());
    let mut tx = store.begin(p).await?;
    let after = am.update(tx.conn()).await?;
    tx.emit(NewEvent::admin("oidc_provider.updated", "oidc_provider", id, provider_event(&after)));
    tx.commit().await?;
    Ok(after)
}

/// Removes a provider and the identities linked through it (admins). The
/// users stay: they sign in with a password or a magic link.
pub async fn delete_provider(store: &Store, p: &Principal, id: i64) -> StoreResult<()> {
    let row = provider_in(store, p.workspace_id, id).await?;
    let mut tx = store.begin(p).await?;
    oidc_providers::Entity::delete_by_id(row.id).exec(tx.conn()).await?;
    tx.emit(NewEvent::admin("oidc_provider.deleted", "oidc_provider", id, provider_event(&row)));
    tx.commit().await?;
    Ok(())
}

fn provider_event(row: &oidc_providers::Model) -> serde_json::Value {
    // Never the secret: events reach webhooks and the audit log.
    json!({"oidc_provider": {"id": row.id, "slug": row.slug, "name": row.name, "issuer": row.issuer,
        "client_id": row.client_id, "enabled": row.enabled}})
}

/// A started authorisation request: what goes into the provider's URL and
/// what the browser keeps.
#[derive(Debug, Clone)]
pub struct StartedLogin {
    /// `state` for the authorisation URL (stored hashed).
    pub state: String,
    /// A secret the browser that started the login must present at the
    /// callback (stored hashed), so a stolen callback URL signs nobody in.
    pub binding: String,
    /// `nonce`, echoed in the ID token.
    pub nonce: String,
    /// PKCE `code_verifier`; its S256 challenge goes into the URL.
    pub code_verifier: String,
}

/// Records a new authorisation request for `provider`.
pub async fn start_login(
    store: &Store,
    provider: &oidc_providers::Model,
    redirect_uri: &str,
    return_to: Option<&str>,
) -> StoreResult<StartedLogin> {
    let now = store.now();
    let started = StartedLogin {
        state: random_token(),
        binding: random_token(),
        nonce: random_token(),
        code_verifier: random_token(),
    };
    oidc_logins::ActiveModel {
        workspace_id: Set(provider.workspace_id),
        provider_id: Set(provider.id),
        state_hash: Set(hash_token(&started.state)),
        binding_hash: Set(hash_token(&started.binding)),
        nonce: Set(started.nonce.clone()),
        code_verifier: Set(started.code_verifier.clone()),
        redirect_uri: Set(redirect_uri.to_owned()),
        return_to: Set(return_to.map(str::to_owned)),
        expires_at: Set(now + LOGIN_TTL),
        used_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&store.db)
    .await?;
    Ok(started)
}

/// Uses up the authorisation request of `state` in workspace `ws` and
/// returns it with its provider. An unknown, expired or used state, or a
/// binding other than the one handed out, is `NotFound` (and the state is
/// spent either way, so it cannot be guessed at).
pub async fn take_login(
    store: &Store,
    ws: i64,
    state: &str,
    binding: &str,
) -> StoreResult<(oidc_logins::Model, oidc_providers::Model)> {
    let now = store.now();
    let login = oidc_logins::Entity::find()
        .filter(oidc_logins::Column::WorkspaceId.eq(ws))
        .filter(oidc_logins::Column::StateHash.eq(hash_token(state)))
        .one(&store.db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let used = oidc_logins::Entity::update_many()
        .col_expr(oidc_logins::Column::UsedAt, Expr::val(now))
        .col_expr(oidc_logins::Column::UpdatedAt, Expr::val(now))
        .filter(oidc_logins::Column::Id.eq(login.id))
        .filter(oidc_logins::Column::UsedAt.is_null())
        .filter(oidc_logins::Column::ExpiresAt.gt(now))
        .exec(&store.db)
        .await?;
    if used.rows_affected != 1 || login.binding_hash != hash_token(binding) {
        return Err(StoreError::NotFound);
    }
    let provider = provider_in(store, ws, login.provider_id).await?;
    if !provider.enabled {
        return Err(StoreError::NotFound);
    }
    Ok((login, provider))
}

/// What a provider vouched for, from a verified ID token (and userinfo).
#[derive(Debug, Clone)]
pub struct VerifiedClaims {
    /// `sub`: the provider's stable id of the person.
    pub subject: String,
    /// Their e-mail address, if given.
    pub email: Option<String>,
    /// Whether the provider verified that address.
    pub email_verified: bool,
    /// Their name, if given.
    pub name: Option<String>,
}

/// The customer an OIDC sign-in is for: the user already linked to the
/// identity, else the customer with the verified address (linked now), else
/// a new customer (linked to the address's contact). Refused with a 409 when
/// the address is unverified, belongs to staff or to a deactivated account.
pub async fn sign_in(
    store: &Store,
    provider: &oidc_providers::Model,
    claims: &VerifiedClaims,
) -> StoreResult<users::Model> {
    let ws = provider.workspace_id;
    let now = store.now();
    let mut tx = store.begin(&Principal::system(ws)).await?;
    let linked = customer_identities::Entity::find()
        .filter(customer_identities::Column::ProviderId.eq(provider.id))
        .filter(customer_identities::Column::Subject.eq(claims.subject.clone()))
        .one(tx.conn())
        .await?;
    if let Some(identity) = linked {
        let user = users::Entity::find_by_id(identity.user_id)
            .filter(users::Column::WorkspaceId.eq(ws))
            .one(tx.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        if !user.active || user.role != Role::Customer.as_str() {
            return Err(refused("account_unavailable", "this account cannot sign in here"));
        }
        customer_identities::Entity::update_many()
            .col_expr(customer_identities::Column::LastLoginAt, Expr::val(now))
            .col_expr(customer_identities::Column::UpdatedAt, Expr::val(now))
            .filter(customer_identities::Column::Id.eq(identity.id))
            .exec(tx.conn())
            .await?;
        tx.commit().await?;
        return Ok(user);
    }
    let email = match (&claims.email, claims.email_verified) {
        (Some(e), true) => EmailAddress::parse(e).map_err(|_| refused("oidc_email_unverified", "no usable e-mail"))?,
        _ => {
            return Err(refused(
                "oidc_email_unverified",
                "the provider did not confirm your e-mail address; sign in another way",
            ));
        }
    };
    let existing = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(ws))
        .filter(users::Column::Email.eq(email.as_str()))
        .one(tx.conn())
        .await?;
    let user = match existing {
        Some(u) if u.role != Role::Customer.as_str() || !u.active => {
            return Err(refused("account_unavailable", "this account cannot sign in here"));
        }
        Some(u) => link_contact(&mut tx, u).await?,
        None => {
            let input = NewUser {
                name: claims.name.clone().unwrap_or_default(),
                email: email.clone(),
                role: Role::Customer,
                password_hash: None,
            };
            crate::users::insert_in(&mut tx, input, true).await?
        }
    };
    let identity = customer_identities::ActiveModel {
        workspace_id: Set(ws),
        user_id: Set(user.id),
        provider_id: Set(provider.id),
        subject: Set(claims.subject.clone()),
        email: Set(Some(email.as_str().to_owned())),
        last_login_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.emit(NewEvent::admin(
        "customer.identity_linked",
        "user",
        user.id,
        json!({"user": {"id": user.id, "email": user.email},
            "identity": {"id": identity.id, "provider": provider.slug, "subject": identity.subject}}),
    ));
    tx.commit().await?;
    Ok(user)
}

async fn link_contact(tx: &mut crate::Tx, u: users::Model) -> StoreResult<users::Model> {
    if u.contact_id.is_some() {
        return Ok(u);
    }
    let email = EmailAddress::parse(&u.email).map_err(|_| StoreError::NotFound)?;
    let contact = crate::contacts::find_or_create_by_email(tx, &email, Some(&u.name)).await?;
    let mut am = u.into_active_model();
    am.contact_id = Set(Some(contact.id));
    am.updated_at = Set(tx.store.now());
    Ok(am.update(tx.conn()).await?)
}

/// The identities of a user (their "connected accounts").
pub async fn identities_of(store: &Store, p: &Principal, user_id: i64) -> StoreResult<Vec<customer_identities::Model>> {
    Ok(customer_identities::Entity::find()
        .filter(customer_identities::Column::WorkspaceId.eq(p.workspace_id))
        .filter(customer_identities::Column::UserId.eq(user_id))
        .all(&store.db)
        .await?)
}

fn refused(code: &'static str, message: &str) -> StoreError {
    StoreError::Conflict { code, message: message.to_owned() }
}

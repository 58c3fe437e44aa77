//! Customer portal: its configuration, customer accounts (sign-up with a
//! verified address, password and magic-link sign-in, password reset, OIDC
//! sign-in; admin CRUD of OIDC providers), the signed-in customer's profile
//! and notification preferences, their orders from the shop, and
//! satisfaction ratings.
//!
//! Everything a signed-out customer calls is public and resolves its
//! workspace with [`crate::public::workspace`]; requests that send e-mail
//! answer `202` the same way whether the address has an account or not and
//! are rate limited per IP and per address (`autocrm_store::portal`). A
//! successful sign-in of any kind answers like `POST /api/v1/session`: the
//! same session cookie and [`super::session::SessionOut`]. Tickets,
//! messages, attachments and the event stream are the ordinary ticket API,
//! which the store confines to the customer's own tickets and public
//! messages; ratings are written only with a ticket's rating token.

mod mail;
mod oidc;

use autocrm_domain::{EmailAddress, Principal, Role};
use autocrm_store::entity::{oidc_providers, ticket_ratings};
use autocrm_store::portal::accounts::{self, IssuedLink, LinkPurpose, SignUp, Throttle};
use autocrm_store::portal::oidc::ProviderInput;
use autocrm_store::portal::ratings::{self, Score};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::commerce::OrderOut;
use super::session::start_session;
use super::{ListOut, double_option};
use crate::AppState;
use crate::auth::{Caller, check_password, dummy_hash, hash_password, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientIp, Id};

/// The portal routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(portal_config))
        .routes(routes!(sign_up))
        .routes(routes!(verify_sign_up))
        .routes(routes!(sign_in))
        .routes(routes!(request_magic_link))
        .routes(routes!(sign_in_with_magic_link))
        .routes(routes!(request_password_reset))
        .routes(routes!(complete_password_reset))
        .routes(routes!(start_oidc_sign_in))
        .routes(routes!(finish_oidc_sign_in))
        .routes(routes!(list_oidc_providers, create_oidc_provider))
        .routes(routes!(get_oidc_provider, update_oidc_provider, delete_oidc_provider))
        .routes(routes!(get_me, update_me))
        .routes(routes!(list_my_orders))
        .routes(routes!(get_chat_identity))
        .routes(routes!(get_my_order))
        .routes(routes!(get_ticket_rating))
        .routes(routes!(get_rating_page, rate_ticket))
}

/// Languages the portal is translated into.
pub const PORTAL_LOCALES: [&str; 2] = ["en", "de"];

// ---------------------------------------------------------------- configuration

/// Which workspace a public portal request is for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceParams {
    /// Workspace slug (default: the server's public workspace).
    pub workspace: Option<String>,
}

/// The workspace as the portal shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalWorkspace {
    /// Slug (send it back as `workspace`).
    pub slug: String,
    /// Name.
    pub name: String,
    /// Default language (BCP 47).
    pub locale: String,
}

/// How customers may sign in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInMethods {
    /// E-mail and password.
    pub password: bool,
    /// Creating an account (needs e-mail delivery: the address is verified by a link).
    pub sign_up: bool,
    /// A sign-in link by e-mail.
    pub magic_link: bool,
    /// Resetting a forgotten password by e-mail.
    pub password_reset: bool,
}

/// An OIDC provider's sign-in button.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderButton {
    /// Slug for `POST /api/v1/portal/oidc/{slug}/start`.
    pub slug: String,
    /// Label.
    pub name: String,
}

/// What the portal's sign-in page needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalConfigOut {
    /// The workspace.
    pub workspace: PortalWorkspace,
    /// Languages the portal offers.
    pub locales: Vec<String>,
    /// Whether the server can send e-mail (sign-up, magic links and resets need it).
    pub email_delivery: bool,
    /// The sign-in methods on offer.
    pub methods: SignInMethods,
    /// OIDC providers.
    pub oidc_providers: Vec<ProviderButton>,
    /// The help center.
    pub help_center_url: String,
}

/// The portal's configuration for the sign-in page.
#[utoipa::path(get, path = "/api/v1/portal/config", tag = "portal", params(WorkspaceParams),
    responses((status = 200, body = PortalConfigOut), (status = 404, body = crate::error::Problem)))]
async fn portal_config(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<WorkspaceParams>,
) -> ApiResult<Json<PortalConfigOut>> {
    let ws = crate::public::workspace(&app, q.workspace.as_deref()).await?;
    let providers = autocrm_store::portal::oidc::enabled_providers(&app.store, ws.id).await?;
    let mail = app.config.outbound_mail;
    Ok(Json(PortalConfigOut {
        workspace: PortalWorkspace { slug: ws.slug, name: ws.name, locale: ws.locale },
        locales: PORTAL_LOCALES.iter().map(|l| (*l).to_owned()).collect(),
        email_delivery: mail,
        methods: SignInMethods { password: true, sign_up: mail, magic_link: mail, password_reset: mail },
        oidc_providers: providers.into_iter().map(|p| ProviderButton { slug: p.slug, name: p.name }).collect(),
        help_center_url: "/help".into(),
    }))
}

// ---------------------------------------------------------------- accounts

/// A sign-up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpIn {
    /// Workspace slug (default: the server's public workspace).
    pub workspace: Option<String>,
    /// Your name.
    pub name: String,
    /// Your e-mail address.
    pub email: String,
    /// Password (10–200 characters).
    pub password: String,
    /// Language of the e-mail (`en`, `de`).
    pub locale: Option<String>,
}

/// A request to e-mail a link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailLinkIn {
    /// Workspace slug (default: the server's public workspace).
    pub workspace: Option<String>,
    /// The address.
    pub email: String,
    /// Language of the e-mail (`en`, `de`).
    pub locale: Option<String>,
}

/// Accepted: look in your inbox. The same answer whether the address has an account or not.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckEmailOut {
    /// Always `check_email`.
    pub status: String,
}

/// A link's token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkTokenIn {
    /// The `token` of the link.
    pub token: String,
}

/// A new password with a reset link's token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordIn {
    /// The `token` of the link.
    pub token: String,
    /// New password (10–200 characters).
    pub password: String,
}

/// Portal sign-in with a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalSessionIn {
    /// Workspace slug (default: the server's public workspace).
    pub workspace: Option<String>,
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

fn parse_email(raw: &str) -> ApiResult<EmailAddress> {
    EmailAddress::parse(raw.trim()).map_err(|e| ApiError::field("/email", e.to_string()))
}

fn accepted() -> (StatusCode, Json<CheckEmailOut>) {
    (StatusCode::ACCEPTED, Json(CheckEmailOut { status: "check_email".into() }))
}

fn link_gone() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "link_invalid", "this link is invalid, expired or already used")
}

/// A URL of the portal's web pages under the public URL.
fn portal_url(app: &AppState, path: &str, slug: &str, token: Option<&str>) -> String {
    let base = app.config.public_url.trim_end_matches('/');
    let mut url = format!("{base}/portal{path}?workspace={}", url_encode(slug));
    if let Some(t) = token {
        url.push_str("&token=");
        url.push_str(&url_encode(t));
    }
    url
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Applies the rate limits; `Ok(false)`: answer as usual, send nothing.
async fn may_send(app: &AppState, ws: i64, kind: &str, ip: Option<&str>, email: &EmailAddress) -> ApiResult<bool> {
    match accounts::throttle(&app.store, ws, kind, ip, email.as_str()).await? {
        Throttle::Allowed => Ok(true),
        Throttle::Quiet => Ok(false),
        Throttle::Refused(secs) => Err(ApiError::rate_limited(secs.max(1) as u64)),
    }
}

async fn send_link(
    app: &AppState,
    ws: &autocrm_store::entity::workspaces::Model,
    link: &IssuedLink,
    locale: Option<&str>,
) -> ApiResult<()> {
    let (kind, path) = match link.purpose {
        LinkPurpose::Verify => (mail::Kind::Verify, "/verify"),
        LinkPurpose::Magic => (mail::Kind::Magic, "/magic"),
        LinkPurpose::Reset => (mail::Kind::Reset, "/reset-password"),
    };
    let url = portal_url(app, path, &ws.slug, Some(&link.token));
    let email = mail::compose(&mail::Letter {
        kind,
        locale: locale.or(Some(ws.locale.as_str())),
        shop: &ws.name,
        to: &link.email,
        name: &link.name,
        url: &url,
        second_url: None,
        expires_at: Some(link.expires_at),
    });
    // Queued even without a mail server: the workers log that it was dropped.
    autocrm_store::jobs::enqueue_email(&app.store, ws.id, &email).await?;
    Ok(())
}

/// Creates an account: e-mails a link that verifies the address, creates
/// the account (linked to the address's contact, so earlier tickets appear)
/// and signs in. Nothing is created before the link is used. Answers the
/// same when the address already has an account (its owner is told by e-mail).
#[utoipa::path(post, path = "/api/v1/portal/sign-up", tag = "portal", request_body = SignUpIn,
    responses((status = 202, body = CheckEmailOut), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
async fn sign_up(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<SignUpIn>,
) -> ApiResult<(StatusCode, Json<CheckEmailOut>)> {
    let ws = crate::public::workspace(&app, input.workspace.as_deref()).await?;
    let email = parse_email(&input.email)?;
    check_password(&input.password)?;
    if input.name.chars().count() > 200 {
        return Err(ApiError::field("/name", "must be at most 200 characters"));
    }
    // Hashing always costs the same, so timing does not tell whether the address is known.
    let hash = hash_password(&input.password)?;
    if !may_send(&app, ws.id, "sign_up", ip.as_deref(), &email).await? {
        return Ok(accepted());
    }
    match accounts::sign_up(&app.store, ws.id, &email, &input.name, hash).await? {
        SignUp::Verify(link) => send_link(&app, &ws, &link, input.locale.as_deref()).await?,
        SignUp::AlreadyRegistered(user) => {
            let sign_in = portal_url(&app, "/sign-in", &ws.slug, None);
            let reset = portal_url(&app, "/forgot-password", &ws.slug, None);
            let email = mail::compose(&mail::Letter {
                kind: mail::Kind::AlreadyRegistered,
                locale: input.locale.as_deref().or(Some(ws.locale.as_str())),
                shop: &ws.name,
                to: &user.email,
                name: &user.name,
                url: &sign_in,
                second_url: Some(&reset),
                expires_at: None,
            });
            autocrm_store::jobs::enqueue_email(&app.store, ws.id, &email).await?;
        }
        SignUp::Nothing => {}
    }
    Ok(accepted())
}

/// Uses a sign-up's verification link: creates the account and signs in.
#[utoipa::path(post, path = "/api/v1/portal/sign-up/verify", tag = "portal", request_body = LinkTokenIn,
    responses((status = 201, body = super::session::SessionOut), (status = 404, description = "Invalid, expired or used link", body = crate::error::Problem)))]
async fn verify_sign_up(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LinkTokenIn>,
) -> ApiResult<Response> {
    let user = accounts::redeem(&app.store, LinkPurpose::Verify, input.token.trim(), None).await.map_err(link_error)?;
    start_session(&app, user, ip, &headers).await
}

fn link_error(e: autocrm_store::StoreError) -> ApiError {
    match e {
        autocrm_store::StoreError::NotFound => link_gone(),
        other => other.into(),
    }
}

/// Signs a customer in with e-mail and password (staff use `POST /api/v1/session`).
#[utoipa::path(post, path = "/api/v1/portal/session", tag = "portal", request_body = PortalSessionIn,
    responses((status = 201, body = super::session::SessionOut), (status = 401, description = "Wrong credentials", body = crate::error::Problem)))]
async fn sign_in(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PortalSessionIn>,
) -> ApiResult<Response> {
    let wrong = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "wrong e-mail or password");
    let ws = crate::public::workspace(&app, input.workspace.as_deref()).await?;
    let user = accounts::customer_by_email(&app.store, ws.id, &input.email).await?;
    let ok = if let Some(h) = user.as_ref().and_then(|u| u.password_hash.as_deref()) {
        verify_password(&input.password, h)
    } else {
        // The same work without an account, so timing does not reveal one.
        let _ = verify_password(&input.password, dummy_hash());
        false
    };
    let (true, Some(user)) = (ok, user) else {
        autocrm_store::sessions::record_failed_login(&app.store, ws.id, &input.email, ip, "invalid_credentials")
            .await?;
        return Err(wrong());
    };
    start_session(&app, user, ip, &headers).await
}

/// E-mails a sign-in link (it also creates the account on first use, which
/// verifies the address). Single-use, valid 20 minutes.
#[utoipa::path(post, path = "/api/v1/portal/magic-link", tag = "portal", request_body = EmailLinkIn,
    responses((status = 202, body = CheckEmailOut), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
async fn request_magic_link(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<EmailLinkIn>,
) -> ApiResult<(StatusCode, Json<CheckEmailOut>)> {
    let ws = crate::public::workspace(&app, input.workspace.as_deref()).await?;
    let email = parse_email(&input.email)?;
    if may_send(&app, ws.id, "magic_link", ip.as_deref(), &email).await?
        && let Some(link) = accounts::request_magic_link(&app.store, ws.id, &email).await?
    {
        send_link(&app, &ws, &link, input.locale.as_deref()).await?;
    }
    Ok(accepted())
}

/// Signs in with a magic link (creating the account on first use).
#[utoipa::path(post, path = "/api/v1/portal/magic-link/sign-in", tag = "portal", request_body = LinkTokenIn,
    responses((status = 201, body = super::session::SessionOut), (status = 404, description = "Invalid, expired or used link", body = crate::error::Problem)))]
async fn sign_in_with_magic_link(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LinkTokenIn>,
) -> ApiResult<Response> {
    let user = accounts::redeem(&app.store, LinkPurpose::Magic, input.token.trim(), None).await.map_err(link_error)?;
    start_session(&app, user, ip, &headers).await
}

/// E-mails a password-reset link to the address's customer account, if it
/// has one. Single-use, valid one hour.
#[utoipa::path(post, path = "/api/v1/portal/password-reset", tag = "portal", request_body = EmailLinkIn,
    responses((status = 202, body = CheckEmailOut), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
async fn request_password_reset(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<EmailLinkIn>,
) -> ApiResult<(StatusCode, Json<CheckEmailOut>)> {
    let ws = crate::public::workspace(&app, input.workspace.as_deref()).await?;
    let email = parse_email(&input.email)?;
    if may_send(&app, ws.id, "password_reset", ip.as_deref(), &email).await?
        && let Some(link) = accounts::request_password_reset(&app.store, ws.id, &email).await?
    {
        send_link(&app, &ws, &link, input.locale.as_deref()).await?;
    }
    Ok(accepted())
}

/// Sets a new password with a reset link, ends every other session of the
/// account and signs in.
#[utoipa::path(post, path = "/api/v1/portal/password-reset/complete", tag = "portal", request_body = ResetPasswordIn,
    responses((status = 201, body = super::session::SessionOut), (status = 404, description = "Invalid, expired or used link", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn complete_password_reset(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ResetPasswordIn>,
) -> ApiResult<Response> {
    check_password(&input.password)?;
    let hash = hash_password(&input.password)?;
    let user =
        accounts::redeem(&app.store, LinkPurpose::Reset, input.token.trim(), Some(hash)).await.map_err(link_error)?;
    start_session(&app, user, ip, &headers).await
}

// ---------------------------------------------------------------- OIDC sign-in

/// Starting an OIDC sign-in.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcStartIn {
    /// Workspace slug (default: the server's public workspace).
    pub workspace: Option<String>,
}

/// Where to send the browser, and what it must keep until it comes back.
#[derive(Debug, Serialize, ToSchema)]
pub struct OidcStartOut {
    /// The provider's authorisation URL (code flow, PKCE S256, state, nonce).
    pub authorize_url: String,
    /// The `state` the provider will send back (compare before finishing).
    pub state: String,
    /// Keep in the browser (session storage) and send with the callback:
    /// proves the callback comes back to the browser that started it.
    pub binding: String,
    /// Where the provider redirects to.
    pub redirect_uri: String,
}

/// The provider's redirect, as the portal's callback page received it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcCallbackIn {
    /// Workspace slug (default: the server's public workspace).
    pub workspace: Option<String>,
    /// `state` from the redirect.
    pub state: String,
    /// `code` from the redirect.
    pub code: String,
    /// The `binding` from the start.
    pub binding: String,
}

fn redirect_uri(app: &AppState) -> String {
    format!("{}/portal/oidc/callback", app.config.public_url.trim_end_matches('/'))
}

/// Starts signing in with an OIDC provider: the authorisation URL to open.
#[utoipa::path(post, path = "/api/v1/portal/oidc/{slug}/start", tag = "portal", params(("slug" = String, Path)),
    request_body = OidcStartIn,
    responses((status = 201, body = OidcStartOut), (status = 404, body = crate::error::Problem)))]
async fn start_oidc_sign_in(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<OidcStartIn>,
) -> ApiResult<(StatusCode, Json<OidcStartOut>)> {
    let ws = crate::public::workspace(&app, input.workspace.as_deref()).await?;
    let provider = autocrm_store::portal::oidc::enabled_by_slug(&app.store, ws.id, &slug).await?;
    let redirect_uri = redirect_uri(&app);
    let started = autocrm_store::portal::oidc::start_login(&app.store, &provider, &redirect_uri, None).await?;
    let authorize_url =
        oidc::authorize_url(&provider, &redirect_uri, &started.state, &started.nonce, &started.code_verifier)?;
    Ok((
        StatusCode::CREATED,
        Json(OidcStartOut { authorize_url, state: started.state, binding: started.binding, redirect_uri }),
    ))
}

/// Finishes an OIDC sign-in: exchanges the code, verifies the ID token,
/// links or creates the customer (by a verified e-mail) and signs in.
#[utoipa::path(post, path = "/api/v1/portal/oidc/callback", tag = "portal", request_body = OidcCallbackIn,
    responses((status = 201, body = super::session::SessionOut), (status = 401, description = "The id_token failed verification", body = crate::error::Problem),
        (status = 404, description = "Unknown, expired or used state", body = crate::error::Problem),
        (status = 409, description = "Unverified e-mail or a staff address", body = crate::error::Problem),
        (status = 502, description = "The provider failed", body = crate::error::Problem)))]
async fn finish_oidc_sign_in(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(input): ApiJson<OidcCallbackIn>,
) -> ApiResult<Response> {
    let ws = crate::public::workspace(&app, input.workspace.as_deref()).await?;
    let (login, provider) = autocrm_store::portal::oidc::take_login(&app.store, ws.id, &input.state, &input.binding)
        .await
        .map_err(|e| match e {
            autocrm_store::StoreError::NotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "oidc_state_invalid",
                "this sign-in attempt is unknown, expired or already used; start again",
            ),
            other => other.into(),
        })?;
    let claims = oidc::complete(&app, &provider, &login, &input.code).await?;
    let user = autocrm_store::portal::oidc::sign_in(&app.store, &provider, &claims).await?;
    start_session(&app, user, ip, &headers).await
}

// ---------------------------------------------------------------- OIDC providers (admins)

/// A sign-in provider as admins see it (the client secret is never returned).
#[derive(Debug, Serialize, ToSchema)]
pub struct OidcProviderOut {
    /// Id.
    pub id: i64,
    /// Slug.
    pub slug: String,
    /// Button label.
    pub name: String,
    /// Issuer.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Whether a client secret is set (write-only).
    pub has_client_secret: bool,
    /// Scopes.
    pub scopes: String,
    /// Offered on the sign-in page.
    pub enabled: bool,
    /// The redirect URI to register with the provider.
    pub redirect_uri: String,
    /// Discovered authorisation endpoint.
    pub authorization_endpoint: String,
    /// Discovered token endpoint.
    pub token_endpoint: String,
    /// Discovered key set.
    pub jwks_uri: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

fn provider_out(app: &AppState, p: oidc_providers::Model) -> OidcProviderOut {
    OidcProviderOut {
        id: p.id,
        slug: p.slug,
        name: p.name,
        issuer: p.issuer,
        client_id: p.client_id,
        has_client_secret: p.client_secret.is_some(),
        scopes: p.scopes,
        enabled: p.enabled,
        redirect_uri: redirect_uri(app),
        authorization_endpoint: p.authorization_endpoint,
        token_endpoint: p.token_endpoint,
        jwks_uri: p.jwks_uri,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

/// A new sign-in provider.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderIn {
    /// URL-safe name (`google`).
    pub slug: String,
    /// Button label.
    pub name: String,
    /// Issuer URL; its discovery document is fetched and checked.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Client secret (write-only); omit for a public client.
    pub client_secret: Option<String>,
    /// Scopes (default `openid email profile`).
    pub scopes: Option<String>,
    /// Offered on the sign-in page (default true).
    pub enabled: Option<bool>,
}

/// A change to a sign-in provider; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderPatch {
    /// New slug.
    pub slug: Option<String>,
    /// New label.
    pub name: Option<String>,
    /// New issuer (discovered again).
    pub issuer: Option<String>,
    /// New client id.
    pub client_id: Option<String>,
    /// New client secret, or `null` to remove it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub client_secret: Option<Option<String>>,
    /// New scopes.
    pub scopes: Option<String>,
    /// Offered or not.
    pub enabled: Option<bool>,
}

/// The workspace's portal sign-in providers.
#[utoipa::path(get, path = "/api/v1/portal/oidc-providers", tag = "portal",
    responses((status = 200, body = ListOut<OidcProviderOut>)))]
async fn list_oidc_providers(
    State(app): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<ListOut<OidcProviderOut>>> {
    let rows = autocrm_store::portal::oidc::list_providers(&app.store, &p).await?;
    Ok(Json(ListOut { data: rows.into_iter().map(|r| provider_out(&app, r)).collect(), next_cursor: None }))
}

/// Adds a sign-in provider (its issuer's discovery document is fetched and checked).
#[utoipa::path(post, path = "/api/v1/portal/oidc-providers", tag = "portal", request_body = OidcProviderIn,
    responses((status = 201, body = OidcProviderOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_oidc_provider(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<OidcProviderIn>,
) -> ApiResult<(StatusCode, Json<OidcProviderOut>)> {
    let endpoints = oidc::discover(&app, &input.issuer).await?;
    let row = autocrm_store::portal::oidc::create_provider(
        &app.store,
        &p,
        ProviderInput {
            slug: Some(input.slug),
            name: Some(input.name),
            issuer: Some(input.issuer),
            client_id: Some(input.client_id),
            client_secret: Some(input.client_secret),
            scopes: input.scopes,
            enabled: input.enabled,
            endpoints: Some(endpoints),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(provider_out(&app, row))))
}

/// One sign-in provider.
#[utoipa::path(get, path = "/api/v1/portal/oidc-providers/{id}", tag = "portal", params(("id" = i64, Path)),
    responses((status = 200, body = OidcProviderOut), (status = 404, body = crate::error::Problem)))]
async fn get_oidc_provider(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<OidcProviderOut>> {
    let row = autocrm_store::portal::oidc::get_provider(&app.store, &p, id).await?;
    Ok(Json(provider_out(&app, row)))
}

/// Changes a sign-in provider (a new issuer is discovered again).
#[utoipa::path(patch, path = "/api/v1/portal/oidc-providers/{id}", tag = "portal", params(("id" = i64, Path)),
    request_body = OidcProviderPatch,
    responses((status = 200, body = OidcProviderOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_oidc_provider(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(input): ApiJson<OidcProviderPatch>,
) -> ApiResult<Json<OidcProviderOut>> {
    let current = autocrm_store::portal::oidc::get_provider(&app.store, &p, id).await?;
    let endpoints = match &input.issuer {
        Some(i) if i.trim() != current.issuer => Some(oidc::discover(&app, i).await?),
        _ => None,
    };
    let row = autocrm_store::portal::oidc::update_provider(
        &app.store,
        &p,
        id,
        ProviderInput {
            slug: input.slug,
            name: input.name,
            issuer: input.issuer,
            client_id: input.client_id,
            client_secret: input.client_secret,
            scopes: input.scopes,
            enabled: input.enabled,
            endpoints,
        },
    )
    .await?;
    Ok(Json(provider_out(&app, row)))
}

/// Removes a sign-in provider and the identities linked through it (the accounts stay).
#[utoipa::path(delete, path = "/api/v1/portal/oidc-providers/{id}", tag = "portal", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = crate::error::Problem)))]
async fn delete_oidc_provider(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::portal::oidc::delete_provider(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- the signed-in customer

/// A provider the account signs in with.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityOut {
    /// The provider's slug.
    pub provider: String,
    /// The address it vouched for.
    pub email: Option<String>,
    /// Last sign-in with it.
    pub last_login_at: Option<DateTime<Utc>>,
}

/// The signed-in user's profile and (customers) notification preferences.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileOut {
    /// User id.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Role.
    pub role: Role,
    /// The contact a customer is.
    pub contact_id: Option<i64>,
    /// Whether the account has a password (else: magic links or a provider).
    pub has_password: bool,
    /// E-mail notifications about their tickets (customers).
    pub email_notifications: Option<bool>,
    /// SMS notifications about their tickets (customers).
    pub sms_notifications: Option<bool>,
    /// Sign-in providers linked to the account.
    pub identities: Vec<IdentityOut>,
}

/// A change to the signed-in user's profile; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// Name (1–200 characters).
    pub name: Option<String>,
    /// E-mail notifications (customers only).
    pub email_notifications: Option<bool>,
    /// SMS notifications (customers only).
    pub sms_notifications: Option<bool>,
}

async fn profile_out(app: &AppState, p: &Principal, pr: accounts::Profile) -> ApiResult<ProfileOut> {
    let providers: std::collections::HashMap<i64, String> =
        autocrm_store::portal::oidc::list_providers(&app.store, &Principal::system(p.workspace_id))
            .await?
            .into_iter()
            .map(|x| (x.id, x.slug))
            .collect();
    let identities = autocrm_store::portal::oidc::identities_of(&app.store, p, pr.user.id)
        .await?
        .into_iter()
        .map(|i| IdentityOut {
            provider: providers.get(&i.provider_id).cloned().unwrap_or_default(),
            email: i.email,
            last_login_at: i.last_login_at,
        })
        .collect();
    Ok(ProfileOut {
        user_id: pr.user.id,
        name: pr.user.name,
        email: pr.user.email,
        role: Role::parse(&pr.user.role).map_err(ApiError::internal)?,
        contact_id: pr.user.contact_id,
        has_password: pr.user.password_hash.is_some(),
        email_notifications: pr.email_notifications,
        sms_notifications: pr.sms_notifications,
        identities,
    })
}

/// Your profile and notification preferences.
#[utoipa::path(get, path = "/api/v1/portal/me", tag = "portal", responses((status = 200, body = ProfileOut)))]
async fn get_me(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ProfileOut>> {
    let pr = accounts::profile(&app.store, &p).await?;
    Ok(Json(profile_out(&app, &p, pr).await?))
}

/// Changes your name and (customers) how you are notified about your tickets.
#[utoipa::path(patch, path = "/api/v1/portal/me", tag = "portal", request_body = ProfilePatch,
    responses((status = 200, body = ProfileOut), (status = 422, body = crate::error::Problem)))]
async fn update_me(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<ProfilePatch>,
) -> ApiResult<Json<ProfileOut>> {
    let pr = accounts::update_profile(
        &app.store,
        &p,
        accounts::ProfilePatch {
            name: input.name,
            email_notifications: input.email_notifications,
            sms_notifications: input.sms_notifications,
        },
    )
    .await?;
    Ok(Json(profile_out(&app, &p, pr).await?))
}

fn order_out(order: autocrm_domain::commerce::Order) -> OrderOut {
    OrderOut {
        total_cents: order.total_cents(),
        refunded_cents: order.refunded_cents(),
        status_label: order.status.label().to_owned(),
        order,
    }
}

/// The shop customer the signed-in customer is (by their contact's e-mail).
async fn my_shop_customer(app: &AppState, p: &Principal) -> ApiResult<Option<autocrm_domain::commerce::Customer>> {
    let Some(contact_id) = p.customer_contact() else { return Ok(None) };
    let contact = autocrm_store::contacts::get(&app.store, p, contact_id).await?;
    let Some(email) = contact.email else { return Ok(None) };
    Ok(app.commerce.find_customer(p, &email).await?)
}

/// The chat widget as the portal shows it to a signed-in customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatIdentityOut {
    /// The workspace's slug (the widget's `data-workspace`).
    pub workspace: String,
    /// Whether the chat widget is on.
    pub enabled: bool,
    /// The customer's proven identity for the widget (`identify`), when the
    /// workspace has an identity secret: their e-mail and its HMAC, so the
    /// chat (and its chatbot) know who they are.
    pub identity: Option<ChatIdentity>,
}

/// An identity the widget can prove.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatIdentity {
    /// The customer's e-mail address.
    pub email: String,
    /// `hex(HMAC-SHA256(identity secret, email))`.
    pub user_hash: String,
    /// The customer's name.
    pub name: String,
}

/// How the portal shows the chat to you: the widget's workspace and, for a
/// customer, the proof of your identity (the portal signs you in to the
/// chat, so its assistant can help with your own orders).
#[utoipa::path(get, path = "/api/v1/portal/chat-identity", tag = "portal", responses((status = 200, body = ChatIdentityOut)))]
async fn get_chat_identity(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ChatIdentityOut>> {
    let ws = autocrm_store::workspaces::current(&app.store, &p).await?;
    let settings = autocrm_store::chat::settings(&app.store, ws.id).await?;
    let mut identity = None;
    if settings.enabled
        && let (Some(secret), Some(contact_id)) = (&settings.identity_secret, p.customer_contact().filter(|c| *c > 0))
    {
        let contact = autocrm_store::contacts::get(&app.store, &p, contact_id).await?;
        if let Some(email) = contact.email {
            let email = email.to_ascii_lowercase();
            identity = Some(ChatIdentity {
                user_hash: autocrm_domain::chat::user_hash(secret, &email),
                email,
                name: contact.name,
            });
        }
    }
    Ok(Json(ChatIdentityOut { workspace: ws.slug, enabled: settings.enabled, identity }))
}

/// Your orders from the shop, newest first, with items, shipments and
/// tracking (matched by your e-mail address). Staff and keys have none.
#[utoipa::path(get, path = "/api/v1/portal/orders", tag = "portal", responses((status = 200, body = ListOut<OrderOut>)))]
async fn list_my_orders(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ListOut<OrderOut>>> {
    let Some(customer) = my_shop_customer(&app, &p).await? else {
        return Ok(Json(ListOut { data: Vec::new(), next_cursor: None }));
    };
    let orders = app.commerce.orders(&p, &customer.id).await?;
    Ok(Json(ListOut { data: orders.into_iter().map(order_out).collect(), next_cursor: None }))
}

/// One order: a customer's own only (anything else is a 404); staff and
/// keys with `orders:read` reach every order of the workspace's shop.
#[utoipa::path(get, path = "/api/v1/portal/orders/{id}", tag = "portal", params(("id" = String, Path)),
    responses((status = 200, body = OrderOut), (status = 404, body = crate::error::Problem)))]
async fn get_my_order(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderOut>> {
    if p.customer_contact().is_some() {
        let customer = my_shop_customer(&app, &p).await?.ok_or_else(ApiError::not_found)?;
        let order = app.commerce.order(&p, &id).await?;
        if order.customer_id != customer.id {
            return Err(ApiError::not_found());
        }
        return Ok(Json(order_out(order)));
    }
    Ok(Json(order_out(app.commerce.order(&p, &id).await?)))
}

// ---------------------------------------------------------------- satisfaction

/// good or bad.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RatingScore {
    /// Satisfied.
    Good,
    /// Not satisfied.
    Bad,
}

impl From<RatingScore> for Score {
    fn from(s: RatingScore) -> Self {
        match s {
            RatingScore::Good => Score::Good,
            RatingScore::Bad => Score::Bad,
        }
    }
}

/// A ticket's satisfaction rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingOut {
    /// The verdict.
    pub score: RatingScore,
    /// The customer's comment (plain text).
    pub comment: Option<String>,
    /// When it was first given.
    pub first_rated_at: DateTime<Utc>,
    /// When it was last given or changed.
    pub rated_at: DateTime<Utc>,
    /// Until when it can be changed.
    pub editable_until: DateTime<Utc>,
}

/// The rating of a ticket as the API shows it.
pub fn rating_out(r: &ticket_ratings::Model) -> RatingOut {
    RatingOut {
        score: if r.score == "good" { RatingScore::Good } else { RatingScore::Bad },
        comment: r.comment.clone(),
        first_rated_at: r.first_rated_at,
        rated_at: r.rated_at,
        editable_until: ratings::editable_until(r),
    }
}

/// A ticket's rating and whether (and with which token) it can be rated now.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketRatingOut {
    /// The ticket.
    pub ticket_id: i64,
    /// The rating, if given.
    pub rating: Option<RatingOut>,
    /// Solved or closed, and not rated or still changeable.
    pub can_rate: bool,
    /// For the ticket's requester only: the token for `PUT /api/v1/portal/ratings/{rating_token}`.
    pub token: Option<String>,
}

/// A ticket's satisfaction rating; its requester also gets the rating token.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/rating", tag = "portal", params(("id" = i64, Path)),
    responses((status = 200, body = TicketRatingOut), (status = 404, body = crate::error::Problem)))]
async fn get_ticket_rating(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<TicketRatingOut>> {
    // Reach first: someone else's ticket is a 404.
    let view = autocrm_store::tickets::get(&app.store, &p, id).await?;
    let target = ratings::target(&app.store, p.workspace_id, view.ticket.id).await?;
    let requester = p.customer_contact() == Some(view.ticket.requester_id);
    let token =
        if requester { Some(ratings::token_for(&app.store, p.workspace_id, view.ticket.id).await?) } else { None };
    Ok(Json(TicketRatingOut {
        ticket_id: view.ticket.id,
        can_rate: target.can_rate(app.store.now()),
        rating: target.rating.as_ref().map(rating_out),
        token,
    }))
}

/// What the rating page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingPageOut {
    /// The workspace's name.
    pub workspace_name: String,
    /// The ticket.
    pub ticket_id: i64,
    /// `#1042`.
    pub display_number: String,
    /// Subject.
    pub subject: String,
    /// Whether it is solved or closed.
    pub solved: bool,
    /// The rating, if given.
    pub rating: Option<RatingOut>,
    /// Whether it can be rated or re-rated now.
    pub can_rate: bool,
}

/// A rating.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingIn {
    /// good or bad.
    pub score: RatingScore,
    /// Optional comment (plain text, at most 2,000 characters).
    pub comment: Option<String>,
}

async fn token_target(app: &AppState, token: &str) -> ApiResult<(i64, ratings::RatingTarget)> {
    let (ws, ticket) = ratings::verify_token(&app.store, token.trim())
        .await
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "link_invalid", "this rating link is invalid"))?;
    Ok((ws, ratings::target(&app.store, ws, ticket).await?))
}

/// The ticket a rating link is for (no sign-in needed: the link is the credential).
#[utoipa::path(get, path = "/api/v1/portal/ratings/{rating_token}", tag = "portal", params(("rating_token" = String, Path)),
    responses((status = 200, body = RatingPageOut), (status = 404, body = crate::error::Problem)))]
async fn get_rating_page(State(app): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<RatingPageOut>> {
    let (ws, target) = token_target(&app, &token).await?;
    let workspace = autocrm_store::workspaces::by_id(&app.store, ws).await?;
    Ok(Json(RatingPageOut {
        workspace_name: workspace.name,
        ticket_id: target.ticket.id,
        display_number: format!("#{}", target.ticket.number),
        subject: target.ticket.subject.clone(),
        solved: matches!(target.ticket.status_category.as_str(), "solved" | "closed"),
        can_rate: target.can_rate(app.store.now()),
        rating: target.rating.as_ref().map(rating_out),
    }))
}

/// Rates the ticket of a rating link, or changes the rating within 7 days
/// of first giving it. Only solved or closed tickets (409
/// `ticket_not_solved`); after 7 days 409 `rating_final`.
#[utoipa::path(put, path = "/api/v1/portal/ratings/{rating_token}", tag = "portal", params(("rating_token" = String, Path)),
    request_body = RatingIn,
    responses((status = 200, body = RatingOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "Not solved, or the rating is final", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn rate_ticket(
    State(app): State<AppState>,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<RatingIn>,
) -> ApiResult<Json<RatingOut>> {
    let (ws, target) = token_target(&app, &token).await?;
    let row = ratings::rate(&app.store, ws, target.ticket.id, input.score.into(), input.comment.as_deref()).await?;
    Ok(Json(rating_out(&row)))
}

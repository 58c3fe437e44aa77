//! Invitations by e-mail link: an admin invites an agent or admin (and may
//! send the link anew or revoke it); the invitee opens the link, chooses a
//! password and is signed in.
//!
//! The link is returned once, to the admin; when a mail server is configured
//! it is also queued as an e-mail to the invitee (`autocrm_jobs::mail`).

use autocrm_domain::{EmailAddress, Principal, Role};
use autocrm_store::invitations::{Issued, NewInvitation};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::users::{UserOut, user_out};
use crate::AppState;
use crate::auth::{Caller, check_password, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientIp, Id};

/// The invitation routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_invitation))
        .routes(routes!(resend_invitation, revoke_invitation))
        .routes(routes!(get_invitation))
        .routes(routes!(accept_invitation))
}

/// Who to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationIn {
    /// Their sign-in address.
    pub email: String,
    /// Display name (defaults to the e-mail's local part).
    #[serde(default)]
    pub name: String,
    /// `agent` or `admin`.
    pub role: Role,
}

/// An invitation just issued. The link is shown this once: only its hash is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOut {
    /// The invited user (status `invited`).
    pub user: UserOut,
    /// The link to pass on: opens the page where the invitee chooses a password.
    pub accept_url: String,
    /// The same link relative to the app (`/invite/…`).
    pub accept_path: String,
    /// When the link stops working (7 days).
    pub expires_at: DateTime<Utc>,
    /// The link was also queued for e-mail to the invitee (a mail server is configured).
    pub emailed: bool,
}

/// The workspace an invitation is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationWorkspace {
    /// Slug (used to sign in).
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// What the invitee sees before choosing a password.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationInfo {
    /// Their sign-in address.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// The workspace.
    pub workspace: InvitationWorkspace,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// The invitee's password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationIn {
    /// Password (10–200 characters).
    pub password: String,
}

/// The link for the admin, and — when a mail server is configured — the
/// invitation e-mail queued for the workers (sent with retries).
async fn invitation_out(app: &AppState, p: &Principal, issued: Issued) -> ApiResult<InvitationOut> {
    let accept_path = format!("/invite/{}", issued.token);
    let accept_url = format!("{}{accept_path}", app.config.public_url.trim_end_matches('/'));
    if app.config.outbound_mail {
        let ws = autocrm_store::workspaces::by_id(&app.store, p.workspace_id).await?;
        let expires = issued.expires_at.format("%Y-%m-%d %H:%M UTC");
        let email = autocrm_store::jobs::Email {
            to: issued.user.email.clone(),
            to_name: issued.user.name.clone(),
            subject: format!("You are invited to {} on AutoCRM", ws.name),
            text: format!(
                "Hello {},\n\nyou are invited to join {} on AutoCRM. Choose your password here:\n\n{accept_url}\n\nThe link works once, until {expires}.\n",
                issued.user.name, ws.name
            ),
            html: format!(
                "<p>Hello {},</p><p>you are invited to join {} on AutoCRM.</p><p><a href=\"{url}\">Choose your password</a></p><p>The link works once, until {expires}.</p>",
                autocrm_domain::html::escape(&issued.user.name),
                autocrm_domain::html::escape(&ws.name),
                url = autocrm_domain::html::escape(&accept_url),
            ),
        };
        autocrm_store::jobs::enqueue_email(&app.store, p.workspace_id, &email).await?;
    }
    Ok(InvitationOut {
        accept_url,
        accept_path,
        expires_at: issued.expires_at,
        emailed: app.config.outbound_mail,
        user: user_out(issued.user, Some(issued.expires_at))?,
    })
}

/// Tokens are 43 URL-safe characters; anything else cannot exist.
fn plausible(token: &str) -> ApiResult<&str> {
    let ok =
        (20..=100).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(token) } else { Err(ApiError::not_found()) }
}

/// Invites an agent or admin: creates the user (inactive, no password) and returns their link once.
#[utoipa::path(post, path = "/api/v1/users/invitations", tag = "settings", request_body = InvitationIn,
    responses((status = 201, body = InvitationOut), (status = 409, description = "The e-mail is taken", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn create_invitation(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<InvitationIn>,
) -> ApiResult<(StatusCode, Json<InvitationOut>)> {
    let email = EmailAddress::parse(&input.email).map_err(|e| ApiError::field("/email", e.to_string()))?;
    let issued =
        autocrm_store::invitations::invite(&app.store, &p, NewInvitation { email, name: input.name, role: input.role })
            .await?;
    Ok((StatusCode::CREATED, Json(invitation_out(&app, &p, issued).await?)))
}

/// Sends an invitation anew: a new link (returned once); the previous one stops working.
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "settings", params(("id" = i64, Path)),
    responses((status = 201, body = InvitationOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "The user has a password already", body = crate::error::Problem)))]
async fn resend_invitation(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<(StatusCode, Json<InvitationOut>)> {
    let issued = autocrm_store::invitations::resend(&app.store, &p, id).await?;
    Ok((StatusCode::CREATED, Json(invitation_out(&app, &p, issued).await?)))
}

/// Revokes an open invitation: the link stops working and the invited user is removed.
#[utoipa::path(delete, path = "/api/v1/users/{id}/invitation", tag = "settings", params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = crate::error::Problem),
        (status = 409, description = "No open invitation, or tickets are assigned to the user", body = crate::error::Problem)))]
async fn revoke_invitation(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::invitations::revoke(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an invitation link is for (no sign-in needed); 404 when it is unknown, expired or used.
#[utoipa::path(get, path = "/api/v1/invitations/{token}", tag = "session", params(("token" = String, Path)),
    responses((status = 200, body = InvitationInfo), (status = 404, body = crate::error::Problem)))]
async fn get_invitation(State(app): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<InvitationInfo>> {
    let pending = autocrm_store::invitations::find_pending(&app.store, plausible(&token)?).await?;
    Ok(Json(InvitationInfo {
        role: Role::parse(&pending.user.role).map_err(ApiError::internal)?,
        email: pending.user.email,
        name: pending.user.name,
        workspace: InvitationWorkspace { slug: pending.workspace.slug, name: pending.workspace.name },
        expires_at: pending.expires_at,
    }))
}

/// Accepts an invitation: sets the password, activates the user and signs them in
/// (the session cookie, as at sign-in). The link cannot be used again.
#[utoipa::path(post, path = "/api/v1/invitations/{token}/accept", tag = "session", params(("token" = String, Path)),
    request_body = AcceptInvitationIn,
    responses((status = 201, body = super::session::SessionOut), (status = 404, description = "Unknown, expired or used", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn accept_invitation(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<AcceptInvitationIn>,
) -> ApiResult<Response> {
    let token = plausible(&token)?;
    // A dead link answers 404 whatever the password, and a weak password leaves the link usable.
    autocrm_store::invitations::find_pending(&app.store, token).await?;
    check_password(&input.password)?;
    let user = autocrm_store::invitations::accept(&app.store, token, hash_password(&input.password)?).await?;
    super::session::start_session(&app, user, ip, &headers).await
}

//! Sign-in, the current session and sign-out (one session or everywhere).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Authenticated, SESSION_COOKIE, dummy_hash, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientIp};

/// The session routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_session, get_session, delete_session))
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionIn {
    /// Workspace slug (`demo`).
    pub workspace: String,
    /// Sign-in e-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// The signed-in user and the CSRF token to send on writes.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// User id.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Role.
    pub role: autocrm_domain::Role,
    /// Workspace id.
    pub workspace_id: i64,
    /// The contact a customer is.
    pub contact_id: Option<i64>,
    /// Echo as `X-CSRF-Token` on every cookie-authenticated write.
    pub csrf_token: String,
}

/// Signs in with a password; sets the session cookie (a new id at every sign-in).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SessionIn,
    responses((status = 201, body = SessionOut), (status = 401, description = "Wrong credentials", body = crate::error::Problem)))]
async fn create_session(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SessionIn>,
) -> ApiResult<Response> {
    let wrong =
        || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "wrong workspace, e-mail or password");
    let Some(ws) = autocrm_store::workspaces::by_slug(&app.store, input.workspace.trim()).await? else {
        let _ = verify_password(&input.password, dummy_hash());
        return Err(wrong());
    };
    let user = autocrm_store::users::by_email(&app.store, ws.id, input.email.trim()).await?;
    let ok = if let Some(u) = &user {
        u.active && u.password_hash.as_deref().is_some_and(|h| verify_password(&input.password, h))
    } else {
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

/// Opens a session for a user who just proved who they are (a password, an
/// invitation link) and answers 201 with the session cookie and [`SessionOut`].
pub(crate) async fn start_session(
    app: &AppState,
    user: autocrm_store::entity::users::Model,
    ip: Option<String>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let s = autocrm_store::sessions::create(&app.store, &user, app.config.session_policy(), ip, ua).await?;
    let max_age = app.config.session_absolute_hours * 3600;
    let secure = if app.config.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}", s.token);
    let out = SessionOut {
        user_id: user.id,
        name: user.name,
        role: autocrm_domain::Role::parse(&user.role).map_err(ApiError::internal)?,
        workspace_id: user.workspace_id,
        contact_id: user.contact_id,
        csrf_token: s.csrf_token,
    };
    let mut res = (StatusCode::CREATED, axum::Json(out)).into_response();
    res.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(ApiError::internal)?);
    Ok(res)
}

/// The current session's user and CSRF token.
#[utoipa::path(get, path = "/api/v1/session", tag = "session", responses((status = 200, body = SessionOut), (status = 401, body = crate::error::Problem)))]
async fn get_session(State(app): State<AppState>, auth: Authenticated) -> ApiResult<axum::Json<SessionOut>> {
    let (csrf, _) = auth.session.ok_or_else(ApiError::unauthenticated)?;
    let uid = auth.principal.user_id().ok_or_else(ApiError::unauthenticated)?;
    let user = autocrm_store::users::get(&app.store, &auth.principal, uid).await?;
    Ok(axum::Json(SessionOut {
        user_id: user.id,
        name: user.name,
        role: autocrm_domain::Role::parse(&user.role).map_err(ApiError::internal)?,
        workspace_id: user.workspace_id,
        contact_id: user.contact_id,
        csrf_token: csrf,
    }))
}

/// Sign-out scope.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogoutParams {
    /// `true` ends every session of the user ("log out everywhere").
    #[serde(default)]
    pub everywhere: bool,
}

/// Signs out (this session, or every session with `?everywhere=true`).
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", params(LogoutParams), responses((status = 204, description = "Signed out")))]
async fn delete_session(
    State(app): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<LogoutParams>,
) -> ApiResult<Response> {
    let (_, token) = auth.session.ok_or_else(ApiError::unauthenticated)?;
    autocrm_store::sessions::logout(&app.store, &auth.principal, &token, q.everywhere).await?;
    let secure = if app.config.secure_cookies { "; Secure" } else { "" };
    let mut res = StatusCode::NO_CONTENT.into_response();
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    res.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(ApiError::internal)?);
    Ok(res)
}

//! Users of the workspace: list, create, get, update (invitations by e-mail
//! link are in `invitations`).
//!
//! Passwords are hashed here (argon2id) and never leave the server: `UserOut`
//! has no hash field.

use autocrm_domain::{EmailAddress, Role};
use autocrm_store::entity::users;
use autocrm_store::users::NewUser;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ListOut;
use crate::AppState;
use crate::auth::{Caller, check_password, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};

/// The user routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users, create_user)).routes(routes!(get_user, update_user))
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    /// Sign-in address.
    pub email: String,
    /// Display name (defaults to the e-mail's local part).
    #[serde(default)]
    pub name: String,
    /// Role.
    pub role: Role,
    /// Password (10–200 characters); absent for an invited user.
    pub password: Option<String>,
}

/// A change to a user.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New name.
    pub name: Option<String>,
    /// New role (ends the user's sessions).
    pub role: Option<Role>,
    /// Deactivate (ends the user's sessions) or reactivate.
    pub active: Option<bool>,
    /// New password (ends the user's sessions).
    pub password: Option<String>,
}

/// Where a user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// Deactivated (or never given a way in).
    Inactive,
    /// Invited by link and not joined yet.
    Invited,
}

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: i64,
    /// Sign-in address.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// For customers, their contact.
    pub contact_id: Option<i64>,
    /// Whether the user may sign in.
    pub active: bool,
    /// Whether a password is set (invited users have none yet).
    pub has_password: bool,
    /// Active, inactive or invited.
    pub status: UserStatus,
    /// For an invited user, when their link expires (or expired: send it anew).
    pub invitation_expires_at: Option<DateTime<Utc>>,
    /// Last sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// The API shape of a user; `invitation` is when their open invitation expires, if any.
pub(crate) fn user_out(u: users::Model, invitation: Option<DateTime<Utc>>) -> ApiResult<UserOut> {
    let invitation = invitation.filter(|_| u.password_hash.is_none());
    let status = match (invitation, u.active) {
        (Some(_), _) => UserStatus::Invited,
        (None, true) => UserStatus::Active,
        (None, false) => UserStatus::Inactive,
    };
    Ok(UserOut {
        role: Role::parse(&u.role).map_err(ApiError::internal)?,
        has_password: u.password_hash.is_some(),
        status,
        invitation_expires_at: invitation,
        id: u.id,
        email: u.email,
        name: u.name,
        contact_id: u.contact_id,
        active: u.active,
        last_login_at: u.last_login_at,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

/// User list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Page size 1–100 (default 50).
    pub limit: Option<u64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Lists users, oldest first.
#[utoipa::path(get, path = "/api/v1/users", tag = "settings", params(UserListParams),
    responses((status = 200, body = ListOut<UserOut>), (status = 400, body = crate::error::Problem)))]
async fn list_users(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiQuery(q): ApiQuery<UserListParams>,
) -> ApiResult<Json<ListOut<UserOut>>> {
    let page = autocrm_store::users::list(&app.store, &p, q.role, q.limit, q.cursor.as_deref()).await?;
    let next_cursor = page.next_cursor;
    let ids: Vec<i64> = page.data.iter().map(|u| u.id).collect();
    let invitations = autocrm_store::invitations::open_for(&app.store, &p, &ids).await?;
    let data = page
        .data
        .into_iter()
        .map(|u| {
            let inv = invitations.get(&u.id).copied();
            user_out(u, inv)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(ListOut { data, next_cursor }))
}

/// Creates a user (customers get a contact too).
#[utoipa::path(post, path = "/api/v1/users", tag = "settings", request_body = UserIn,
    responses((status = 201, body = UserOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_user(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<UserIn>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    let email = EmailAddress::parse(&input.email).map_err(|e| ApiError::field("/email", e.to_string()))?;
    let password_hash = match input.password.as_deref() {
        None => None,
        Some(pw) => {
            check_password(pw)?;
            Some(hash_password(pw)?)
        }
    };
    let row = autocrm_store::users::create(
        &app.store,
        &p,
        NewUser { email, name: input.name, role: input.role, password_hash },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user_out(row, None)?)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "settings", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = crate::error::Problem)))]
async fn get_user(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<Json<UserOut>> {
    let row = autocrm_store::users::get(&app.store, &p, id).await?;
    with_invitation(&app, &p, row).await.map(Json)
}

/// Changes a user's name, role, active flag or password.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "settings", params(("id" = i64, Path)), request_body = UserPatch,
    responses((status = 200, body = UserOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn update_user(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
    ApiJson(patch): ApiJson<UserPatch>,
) -> ApiResult<Json<UserOut>> {
    let password_hash = match patch.password.as_deref() {
        None => None,
        Some(pw) => {
            check_password(pw)?;
            Some(hash_password(pw)?)
        }
    };
    let row =
        autocrm_store::users::update(&app.store, &p, id, patch.name, patch.role, patch.active, password_hash).await?;
    with_invitation(&app, &p, row).await.map(Json)
}

/// One user's API shape, with their open invitation looked up.
async fn with_invitation(app: &AppState, p: &autocrm_domain::Principal, row: users::Model) -> ApiResult<UserOut> {
    let inv = autocrm_store::invitations::open_for(&app.store, p, &[row.id]).await?.remove(&row.id);
    user_out(row, inv)
}

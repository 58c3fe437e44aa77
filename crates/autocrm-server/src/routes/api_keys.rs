//! API keys: create (the secret is shown once), list, revoke.

use autocrm_domain::{Scope, ScopeSet};
use autocrm_store::entity::api_keys;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};

/// The API key routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_api_keys, create_api_key)).routes(routes!(revoke_api_key))
}

/// A new key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyIn {
    /// Name (1–100 characters).
    pub name: String,
    /// At least one scope; `admin` implies all.
    pub scopes: Vec<Scope>,
    /// When it stops working (must be in the future).
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The secret's first characters, to recognise it.
    pub prefix: String,
    /// Scopes.
    pub scopes: Vec<Scope>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who created it.
    pub created_by_user_id: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl From<api_keys::Model> for ApiKeyOut {
    fn from(k: api_keys::Model) -> Self {
        Self {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            // Stored as space-separated wire names by `ScopeSet::to_stored`.
            scopes: k.scopes.split_whitespace().filter_map(|s| Scope::parse(s).ok()).collect(),
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
            created_by_user_id: k.created_by_user_id,
            created_at: k.created_at,
        }
    }
}

/// A new key with its secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    /// The key.
    #[serde(flatten)]
    pub api_key: ApiKeyOut,
    /// The secret (`acrm_…`); send it as `Authorization: Bearer`.
    pub key: String,
}

/// Every key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    /// Keys, oldest first.
    pub data: Vec<ApiKeyOut>,
    /// Always `null`: the whole list is one page.
    pub next_cursor: Option<String>,
}

/// Lists the workspace's keys (never their secrets).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "integrations", responses((status = 200, body = ApiKeyList)))]
async fn list_api_keys(State(app): State<AppState>, Caller(p): Caller) -> ApiResult<Json<ApiKeyList>> {
    let rows = autocrm_store::api_keys::list(&app.store, &p).await?;
    Ok(Json(ApiKeyList { data: rows.into_iter().map(ApiKeyOut::from).collect(), next_cursor: None }))
}

/// Creates a key and shows its secret once.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "integrations", request_body = ApiKeyIn,
    responses((status = 201, body = ApiKeyCreated), (status = 422, body = crate::error::Problem)))]
async fn create_api_key(
    State(app): State<AppState>,
    Caller(p): Caller,
    ApiJson(input): ApiJson<ApiKeyIn>,
) -> ApiResult<(StatusCode, Json<ApiKeyCreated>)> {
    if input.scopes.is_empty() {
        return Err(ApiError::field("/scopes", "give at least one scope"));
    }
    let scopes = ScopeSet::from_scopes(input.scopes);
    let (row, key) = autocrm_store::api_keys::create(&app.store, &p, &input.name, &scopes, input.expires_at).await?;
    Ok((StatusCode::CREATED, Json(ApiKeyCreated { api_key: row.into(), key })))
}

/// Revokes a key; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "integrations", params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = crate::error::Problem)))]
async fn revoke_api_key(State(app): State<AppState>, Caller(p): Caller, Id(id): Id) -> ApiResult<StatusCode> {
    autocrm_store::api_keys::revoke(&app.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

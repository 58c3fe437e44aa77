//! Liveness, readiness and metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The health routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz)).routes(routes!(metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "Alive", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "system", responses((status = 200, description = "Ready", body = String), (status = 503, description = "Database unreachable")))]
async fn readyz(State(app): State<AppState>) -> ApiResult<&'static str> {
    app.store
        .ping()
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "the database does not answer"))?;
    Ok("ready")
}

/// Prometheus text metrics.
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, description = "Prometheus text format", body = String)))]
async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    let jobs = autocrm_store::jobs::pending(&app.store).await.unwrap_or_default() as f64;
    let body = app.metrics.render(&[("autocrm_jobs_pending", "Jobs waiting in the queue.", jobs)]);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

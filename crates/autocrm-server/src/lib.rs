//! AutoCRM's HTTP server: the REST API (`/api/v1`), its OpenAPI document and
//! docs, real-time events, health and metrics.
//!
//! One module per feature, each with `pub fn router()`. Requests flow:
//! metrics → rate limit → body limit → [`auth::authorize`] (the one
//! authorisation layer) → handler → store.

pub mod auth;
mod chatbot;
pub mod error;
pub mod extract;
mod help;
mod limits;
mod metrics;
mod openapi;
pub mod public;
pub mod routes;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use autocrm_commerce::CommerceProvider;
use autocrm_commerce::mock::MockProvider;
use autocrm_domain::ssrf::AllowList;
use autocrm_store::Store;
use autocrm_store::sessions::SessionPolicy;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::net::TcpListener;

pub use openapi::api_doc;

/// Server settings (from the binary's configuration).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: i64,
    /// Hours after sign-in at which a session ends regardless.
    pub session_absolute_hours: i64,
    /// Largest JSON body, bytes.
    pub max_body_bytes: usize,
    /// Requests per minute per API key or session.
    pub rate_limit_per_key: u32,
    /// Requests per minute per client IP.
    pub rate_limit_per_ip: u32,
    /// Networks webhooks may target despite being non-public.
    pub webhook_allow: AllowList,
    /// Whether cookies carry `Secure` (true unless explicitly serving plain HTTP to non-localhost).
    pub secure_cookies: bool,
    /// Where people reach the app (`https://help.example.com`), for links the server hands out.
    pub public_url: String,
    /// A mail server is configured: invitations are also e-mailed (by the workers).
    pub outbound_mail: bool,
    /// Accept self-signed IMAP certificates (loopback test servers only).
    pub imap_accept_invalid_certs: bool,
    /// Slug of the workspace whose help center, portal and widget this server
    /// answers at `/help`, `/portal` when a request names none (empty: the
    /// oldest workspace). See [`public::workspace`].
    pub public_workspace: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 12 * 60,
            session_absolute_hours: 7 * 24,
            max_body_bytes: 1024 * 1024,
            rate_limit_per_key: 6000,
            rate_limit_per_ip: 6000,
            webhook_allow: AllowList::default(),
            secure_cookies: true,
            public_url: "http://127.0.0.1:8080".into(),
            outbound_mail: false,
            imap_accept_invalid_certs: false,
            public_workspace: String::new(),
        }
    }
}

impl ServerConfig {
    /// The session lifetimes.
    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle: chrono::Duration::minutes(self.session_idle_minutes),
            absolute: chrono::Duration::hours(self.session_absolute_hours),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// The shop behind the desk (the built-in mock unless configured otherwise).
    pub commerce: Arc<dyn CommerceProvider>,
    pub(crate) limiter: Arc<limits::RateLimiter>,
    pub(crate) metrics: Arc<metrics::Metrics>,
    /// The chatbot's per-conversation turn locks.
    pub(crate) chatbot: Arc<chatbot::Runtime>,
    /// One LLM HTTP client per workspace and endpoint settings.
    pub(crate) llm_clients: Arc<routes::ai_assist::LlmClients>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("store", &self.store).finish_non_exhaustive()
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(store: Store, config: ServerConfig) -> Self {
        let limiter = Arc::new(limits::RateLimiter::new(config.rate_limit_per_key, config.rate_limit_per_ip));
        let commerce = Arc::new(MockProvider::new(store.clone()));
        Self {
            store,
            config: Arc::new(config),
            commerce,
            limiter,
            metrics: Arc::new(metrics::Metrics::default()),
            chatbot: Arc::default(),
            llm_clients: Arc::default(),
        }
    }

    /// Uses `provider` for orders and subscriptions instead of the built-in mock.
    #[must_use]
    pub fn with_commerce(mut self, provider: Arc<dyn CommerceProvider>) -> Self {
        self.commerce = provider;
        self
    }
}

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let (api, doc) = openapi::api_router().split_for_parts();
    let max_body = state.config.max_body_bytes;
    Router::new()
        .merge(api)
        .merge(openapi::docs_router(doc))
        .fallback(web::serve)
        // Route layers run after routing, so they see the matched path template.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::authorize))
        // The public help center is HTML for anyone; merged after the
        // authorisation layer, it resolves its workspace itself (`public`).
        .merge(help::router())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::rate_limit))
        .layer(axum::middleware::from_fn(limits::security_headers))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// How often SSE streams send a keep-alive comment and re-check the log.
pub(crate) const SSE_KEEPALIVE: Duration = Duration::from_secs(15);

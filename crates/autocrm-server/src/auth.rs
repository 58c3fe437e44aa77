//! Authentication and the one authorisation layer.
//!
//! Every request passes [`authorize`]: it resolves the principal from the
//! session cookie or a `Bearer` API key (never from the body), looks up the
//! route's declared [`Policy`] by method and matched path, and answers
//! 401/403 before any handler runs. A route without a declared policy is
//! refused with a 500 (and fails the authorisation-matrix test). Row-level
//! confinement (customers see only their tickets) follows from the
//! principal inside the store.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use autocrm_domain::auth::PrincipalKind;
use autocrm_domain::{Principal, Role, Scope, ScopeSet};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use crate::AppState;
use crate::error::ApiError;
use crate::routes::widget;

/// The session cookie's name; the `__Host-` prefix pins it to this host, path `/`, Secure.
pub const SESSION_COOKIE: &str = "__Host-autocrm_session";

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No authentication (health, docs, sign-in).
    Public,
    /// Any signed-in user (customers included); keys need the scope.
    AnyUser(Scope),
    /// Agents and admins; keys need the scope.
    Staff(Scope),
    /// Admins; keys need `admin`.
    Admin,
    /// Any signed-in user; API keys are refused (session management).
    SessionOnly,
    /// Signed-in agents and admins only; keys and customers are refused (presence).
    StaffSession,
    /// Chat-widget visitors: the credential is a visitor token
    /// (`Authorization: Bearer vt1.…`), and the page's origin must be one of
    /// the workspace's allowed sites. Sessions and API keys are refused: the
    /// widget routes act for one visitor only.
    Visitor,
}

/// Every route's policy: `(method, path template, policy)`. The matrix test
/// walks the OpenAPI document and requires an entry for every operation.
pub const POLICIES: &[(&str, &str, Policy)] = &[
    ("GET", "/healthz", Policy::Public),
    ("GET", "/readyz", Policy::Public),
    ("GET", "/metrics", Policy::Public),
    ("GET", "/api/v1/openapi.json", Policy::Public),
    ("POST", "/api/v1/session", Policy::Public),
    ("GET", "/api/v1/session", Policy::SessionOnly),
    ("DELETE", "/api/v1/session", Policy::SessionOnly),
    ("GET", "/api/v1/tickets", Policy::AnyUser(Scope::TicketsRead)),
    ("POST", "/api/v1/tickets", Policy::AnyUser(Scope::TicketsWrite)),
    ("GET", "/api/v1/tickets/counts", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/tickets/bulk", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/tickets/{id}", Policy::AnyUser(Scope::TicketsRead)),
    ("PATCH", "/api/v1/tickets/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("POST", "/api/v1/tickets/{id}/merge", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/tickets/{id}/messages", Policy::AnyUser(Scope::TicketsRead)),
    ("POST", "/api/v1/tickets/{id}/messages", Policy::AnyUser(Scope::TicketsWrite)),
    ("GET", "/api/v1/tickets/{id}/events", Policy::AnyUser(Scope::TicketsRead)),
    ("GET", "/api/v1/tickets/{id}/attachments", Policy::AnyUser(Scope::TicketsRead)),
    ("POST", "/api/v1/tickets/{id}/attachments", Policy::AnyUser(Scope::TicketsWrite)),
    ("GET", "/api/v1/attachments/{id}", Policy::AnyUser(Scope::TicketsRead)),
    ("GET", "/api/v1/search", Policy::AnyUser(Scope::TicketsRead)),
    ("GET", "/api/v1/events", Policy::AnyUser(Scope::TicketsRead)),
    ("GET", "/api/v1/contacts", Policy::Staff(Scope::ContactsRead)),
    ("POST", "/api/v1/contacts", Policy::Staff(Scope::ContactsWrite)),
    ("GET", "/api/v1/contacts/{id}", Policy::AnyUser(Scope::ContactsRead)),
    ("PATCH", "/api/v1/contacts/{id}", Policy::Staff(Scope::ContactsWrite)),
    ("GET", "/api/v1/companies", Policy::Staff(Scope::ContactsRead)),
    ("POST", "/api/v1/companies", Policy::Staff(Scope::ContactsWrite)),
    ("GET", "/api/v1/companies/{id}", Policy::Staff(Scope::ContactsRead)),
    ("PATCH", "/api/v1/companies/{id}", Policy::Staff(Scope::ContactsWrite)),
    ("GET", "/api/v1/users", Policy::Staff(Scope::Admin)),
    ("POST", "/api/v1/users", Policy::Admin),
    ("GET", "/api/v1/users/{id}", Policy::Staff(Scope::Admin)),
    ("PATCH", "/api/v1/users/{id}", Policy::Admin),
    ("GET", "/api/v1/ticket-categories", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/ticket-categories", Policy::Admin),
    ("PATCH", "/api/v1/ticket-categories/{id}", Policy::Admin),
    ("DELETE", "/api/v1/ticket-categories/{id}", Policy::Admin),
    ("PUT", "/api/v1/tickets/{id}/category", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/ai/models", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/ai/models/retrain", Policy::Admin),
    ("POST", "/api/v1/tickets/{id}/ai/reply", Policy::Staff(Scope::TicketsWrite)),
    ("POST", "/api/v1/tickets/{id}/ai/reply/stream", Policy::Staff(Scope::TicketsWrite)),
    ("POST", "/api/v1/tickets/{id}/ai/summary", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/tickets/{id}/ai/translate", Policy::Staff(Scope::TicketsRead)),
    ("PUT", "/api/v1/ai/suggestions/{id}/outcome", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/ai/settings", Policy::Admin),
    ("PATCH", "/api/v1/ai/settings", Policy::Admin),
    ("GET", "/api/v1/reports/ai", Policy::Staff(Scope::TicketsRead)),
    ("GET", "/api/v1/statuses", Policy::AnyUser(Scope::TicketsRead)),
    ("POST", "/api/v1/statuses", Policy::Admin),
    ("PATCH", "/api/v1/statuses/{id}", Policy::Admin),
    ("GET", "/api/v1/custom-fields", Policy::AnyUser(Scope::TicketsRead)),
    ("POST", "/api/v1/custom-fields", Policy::Admin),
    ("PATCH", "/api/v1/custom-fields/{id}", Policy::Admin),
    ("GET", "/api/v1/tags", Policy::Staff(Scope::TicketsRead)),
    ("PATCH", "/api/v1/tags/{tag}", Policy::Admin),
    ("DELETE", "/api/v1/tags/{tag}", Policy::Admin),
    ("POST", "/api/v1/tags/{tag}/merge", Policy::Admin),
    ("GET", "/api/v1/workspace", Policy::Staff(Scope::TicketsRead)),
    ("PATCH", "/api/v1/workspace", Policy::Admin),
    ("POST", "/api/v1/users/invitations", Policy::Admin),
    ("POST", "/api/v1/users/{id}/invitation", Policy::Admin),
    ("DELETE", "/api/v1/users/{id}/invitation", Policy::Admin),
    // The invitation link is the credential (single-use, expiring, stored hashed).
    ("GET", "/api/v1/invitations/{token}", Policy::Public),
    ("POST", "/api/v1/invitations/{token}/accept", Policy::Public),
    ("GET", "/api/v1/api-keys", Policy::Admin),
    ("POST", "/api/v1/api-keys", Policy::Admin),
    ("DELETE", "/api/v1/api-keys/{id}", Policy::Admin),
    ("GET", "/api/v1/webhooks", Policy::Admin),
    ("POST", "/api/v1/webhooks", Policy::Admin),
    ("GET", "/api/v1/webhooks/event-types", Policy::Admin),
    ("GET", "/api/v1/webhooks/{id}", Policy::Admin),
    ("PATCH", "/api/v1/webhooks/{id}", Policy::Admin),
    ("DELETE", "/api/v1/webhooks/{id}", Policy::Admin),
    ("GET", "/api/v1/webhooks/{id}/deliveries", Policy::Admin),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", Policy::Admin),
    ("GET", "/api/v1/audit-log", Policy::Admin),
    // Views: staff only; the store decides who may change a shared one.
    ("GET", "/api/v1/views", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/views", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/views/counts", Policy::Staff(Scope::TicketsRead)),
    ("GET", "/api/v1/views/{id}", Policy::Staff(Scope::TicketsRead)),
    ("PATCH", "/api/v1/views/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("DELETE", "/api/v1/views/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/views/{id}/tickets", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/tickets/{id}/presence", Policy::StaffSession),
    ("GET", "/api/v1/reports/me", Policy::StaffSession),
    ("GET", "/api/v1/reports/agents", Policy::Staff(Scope::TicketsRead)),
    ("GET", "/api/v1/reports/team", Policy::Staff(Scope::TicketsRead)),
    // Macros: staff only; the store decides who may change a shared one.
    ("GET", "/api/v1/macros", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/macros", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/macros/{id}", Policy::Staff(Scope::TicketsRead)),
    ("PATCH", "/api/v1/macros/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("DELETE", "/api/v1/macros/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/tickets/{id}/macros/{macro_id}/preview", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/tickets/{id}/macros/{macro_id}/apply", Policy::Staff(Scope::TicketsWrite)),
    // The shop in the ticket: the requester's own orders and subscriptions only.
    ("GET", "/api/v1/tickets/{id}/commerce", Policy::Staff(Scope::OrdersRead)),
    ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/cancel", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/address", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/payment", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/items", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/return", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/exchange", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/orders/{order_id}/refund", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/pause", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/resume", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/skip", Policy::Staff(Scope::OrdersWrite)),
    ("POST", "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/cancel", Policy::Staff(Scope::OrdersWrite)),
    (
        "POST",
        "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/frequency",
        Policy::Staff(Scope::OrdersWrite),
    ),
    // Notifications: always the signed-in agent's own; keys and customers have none.
    ("GET", "/api/v1/notifications", Policy::StaffSession),
    ("POST", "/api/v1/notifications/read", Policy::StaffSession),
    // Channels: mailboxes are settings; the inbound endpoint authenticates with the
    // mailbox's own token and the unsubscribe link is its own credential.
    ("GET", "/api/v1/channels/mailboxes", Policy::Admin),
    ("POST", "/api/v1/channels/mailboxes", Policy::Admin),
    ("GET", "/api/v1/channels/mailboxes/{id}", Policy::Admin),
    ("PATCH", "/api/v1/channels/mailboxes/{id}", Policy::Admin),
    ("DELETE", "/api/v1/channels/mailboxes/{id}", Policy::Admin),
    ("POST", "/api/v1/channels/mailboxes/{id}/rotate-token", Policy::Admin),
    ("POST", "/api/v1/channels/mailboxes/{id}/test", Policy::Admin),
    ("POST", "/api/v1/channels/email/inbound", Policy::Public),
    ("GET", "/api/v1/channels/email/unsubscribe/{token}", Policy::Public),
    ("POST", "/api/v1/channels/email/unsubscribe/{token}", Policy::Public),
    ("GET", "/api/v1/tickets/{id}/deliveries", Policy::Staff(Scope::TicketsRead)),
    ("GET", "/api/v1/deliveries/{id}/raw", Policy::Staff(Scope::TicketsRead)),
    ("GET", "/api/v1/contacts/{id}/channel-preferences", Policy::Staff(Scope::ContactsRead)),
    ("PATCH", "/api/v1/contacts/{id}/channel-preferences", Policy::Staff(Scope::ContactsWrite)),
    ("GET", "/api/v1/channels/settings", Policy::Admin),
    ("PATCH", "/api/v1/channels/settings", Policy::Admin),
    ("GET", "/api/v1/channels/templates", Policy::Admin),
    ("PUT", "/api/v1/channels/templates/{notice}/{locale}", Policy::Admin),
    ("DELETE", "/api/v1/channels/templates/{notice}/{locale}", Policy::Admin),
    // SMS numbers and API channels are settings; Twilio's webhooks carry its signature
    // and an API channel's messages its own bearer token.
    ("GET", "/api/v1/channels/sms-numbers", Policy::Admin),
    ("POST", "/api/v1/channels/sms-numbers", Policy::Admin),
    ("GET", "/api/v1/channels/sms-numbers/{id}", Policy::Admin),
    ("PATCH", "/api/v1/channels/sms-numbers/{id}", Policy::Admin),
    ("DELETE", "/api/v1/channels/sms-numbers/{id}", Policy::Admin),
    ("GET", "/api/v1/channels/api", Policy::Admin),
    ("POST", "/api/v1/channels/api", Policy::Admin),
    ("GET", "/api/v1/channels/api/{id}", Policy::Admin),
    ("PATCH", "/api/v1/channels/api/{id}", Policy::Admin),
    ("DELETE", "/api/v1/channels/api/{id}", Policy::Admin),
    ("POST", "/api/v1/channels/sms/{public_id}/twilio", Policy::Public),
    ("POST", "/api/v1/channels/sms/{public_id}/twilio/status", Policy::Public),
    ("POST", "/api/v1/channels/api/{public_id}/messages", Policy::Public),
    // == Knowledge base and help center ==
    // Staff write and publish; deleting an article, section or category is for admins.
    ("GET", "/api/v1/kb/categories", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/kb/categories", Policy::Staff(Scope::TicketsWrite)),
    ("PATCH", "/api/v1/kb/categories/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("DELETE", "/api/v1/kb/categories/{id}", Policy::Admin),
    ("POST", "/api/v1/kb/categories/{id}/sections", Policy::Staff(Scope::TicketsWrite)),
    ("PATCH", "/api/v1/kb/sections/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("DELETE", "/api/v1/kb/sections/{id}", Policy::Admin),
    ("GET", "/api/v1/kb/articles", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/kb/articles", Policy::Staff(Scope::TicketsWrite)),
    ("POST", "/api/v1/kb/articles/from-message", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/kb/articles/{id}", Policy::Staff(Scope::TicketsRead)),
    ("PATCH", "/api/v1/kb/articles/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("DELETE", "/api/v1/kb/articles/{id}", Policy::Admin),
    ("POST", "/api/v1/kb/articles/{id}/publish", Policy::Staff(Scope::TicketsWrite)),
    ("POST", "/api/v1/kb/articles/{id}/unpublish", Policy::Staff(Scope::TicketsWrite)),
    ("PUT", "/api/v1/kb/articles/{id}/translations/{locale}", Policy::Staff(Scope::TicketsWrite)),
    ("DELETE", "/api/v1/kb/articles/{id}/translations/{locale}", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/kb/articles/{id}/versions", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/kb/articles/{id}/versions/{version_id}/restore", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/kb/articles/{id}/feedback", Policy::Staff(Scope::TicketsRead)),
    ("GET", "/api/v1/kb/articles/{id}/attachments", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/kb/articles/{id}/attachments", Policy::Staff(Scope::TicketsWrite)),
    ("DELETE", "/api/v1/kb/articles/{id}/attachments/{file_id}", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/kb/search", Policy::Staff(Scope::TicketsRead)),
    ("GET", "/api/v1/kb/stats", Policy::Staff(Scope::TicketsRead)),
    // The public help API (widget, help-center suggestions): published articles only,
    // any origin, no credentials.
    ("GET", "/api/v1/help/search", Policy::Public),
    ("OPTIONS", "/api/v1/help/search", Policy::Public),
    ("GET", "/api/v1/help/suggest", Policy::Public),
    ("OPTIONS", "/api/v1/help/suggest", Policy::Public),
    ("GET", "/api/v1/help/articles/{article_id}", Policy::Public),
    ("OPTIONS", "/api/v1/help/articles/{article_id}", Policy::Public),
    ("POST", "/api/v1/help/articles/{article_id}/feedback", Policy::Public),
    ("OPTIONS", "/api/v1/help/articles/{article_id}/feedback", Policy::Public),
    // == Customer portal and satisfaction ==
    // Signed-out customers: the workspace comes from `public::workspace`; e-mailed links,
    // OIDC state + browser binding and rating tokens are their own credentials.
    ("GET", "/api/v1/portal/config", Policy::Public),
    ("POST", "/api/v1/portal/sign-up", Policy::Public),
    ("POST", "/api/v1/portal/sign-up/verify", Policy::Public),
    ("POST", "/api/v1/portal/session", Policy::Public),
    ("POST", "/api/v1/portal/magic-link", Policy::Public),
    ("POST", "/api/v1/portal/magic-link/sign-in", Policy::Public),
    ("POST", "/api/v1/portal/password-reset", Policy::Public),
    ("POST", "/api/v1/portal/password-reset/complete", Policy::Public),
    ("POST", "/api/v1/portal/oidc/{slug}/start", Policy::Public),
    ("POST", "/api/v1/portal/oidc/callback", Policy::Public),
    ("GET", "/api/v1/portal/ratings/{rating_token}", Policy::Public),
    ("PUT", "/api/v1/portal/ratings/{rating_token}", Policy::Public),
    ("GET", "/api/v1/portal/oidc-providers", Policy::Admin),
    ("POST", "/api/v1/portal/oidc-providers", Policy::Admin),
    ("GET", "/api/v1/portal/oidc-providers/{id}", Policy::Admin),
    ("PATCH", "/api/v1/portal/oidc-providers/{id}", Policy::Admin),
    ("DELETE", "/api/v1/portal/oidc-providers/{id}", Policy::Admin),
    // The signed-in user's own profile and orders (staff have no orders of their own;
    // they and keys with `orders:read` may open any order of the shop).
    ("GET", "/api/v1/portal/me", Policy::SessionOnly),
    ("PATCH", "/api/v1/portal/me", Policy::SessionOnly),
    ("GET", "/api/v1/portal/orders", Policy::SessionOnly),
    ("GET", "/api/v1/portal/suggestions", Policy::SessionOnly),
    ("GET", "/api/v1/portal/chat-identity", Policy::SessionOnly),
    ("GET", "/api/v1/portal/orders/{id}", Policy::AnyUser(Scope::OrdersRead)),
    // A ticket's rating: whoever reaches the ticket; only its requester gets the token.
    ("GET", "/api/v1/tickets/{id}/rating", Policy::AnyUser(Scope::TicketsRead)),
    ("GET", "/api/v1/reports/csat", Policy::Staff(Scope::TicketsRead)),
    // == Chat widget ==
    // The widget's config and session are public (the widget checks the page's
    // origin itself); the rest act for one visitor, by its visitor token.
    ("GET", "/api/v1/widget/config", Policy::Public),
    ("POST", "/api/v1/widget/session", Policy::Public),
    ("PATCH", "/api/v1/widget/visitor", Policy::Visitor),
    ("GET", "/api/v1/widget/conversations", Policy::Visitor),
    ("POST", "/api/v1/widget/conversations", Policy::Visitor),
    ("GET", "/api/v1/widget/conversations/{id}", Policy::Visitor),
    ("GET", "/api/v1/widget/conversations/{id}/messages", Policy::Visitor),
    ("POST", "/api/v1/widget/conversations/{id}/messages", Policy::Visitor),
    ("POST", "/api/v1/widget/conversations/{id}/attachments", Policy::Visitor),
    ("POST", "/api/v1/widget/conversations/{id}/typing", Policy::Visitor),
    ("POST", "/api/v1/widget/conversations/{id}/read", Policy::Visitor),
    ("POST", "/api/v1/widget/conversations/{id}/handoff", Policy::Visitor),
    ("GET", "/api/v1/widget/suggestions", Policy::Visitor),
    ("GET", "/api/v1/widget/conversations/{id}/rating", Policy::Visitor),
    ("PUT", "/api/v1/widget/conversations/{id}/rating", Policy::Visitor),
    ("GET", "/api/v1/widget/attachments/{id}", Policy::Visitor),
    ("GET", "/api/v1/widget/stream", Policy::Visitor),
    ("POST", "/api/v1/widget/offline-messages", Policy::Visitor),
    ("GET", "/api/v1/chat/settings", Policy::Admin),
    ("PATCH", "/api/v1/chat/settings", Policy::Admin),
    ("POST", "/api/v1/chat/settings/identity-secret", Policy::Admin),
    ("PUT", "/api/v1/chat/availability", Policy::StaffSession),
    ("GET", "/api/v1/tickets/{id}/chat", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/tickets/{id}/chat/typing", Policy::StaffSession),
    ("POST", "/api/v1/tickets/{id}/chat/read", Policy::StaffSession),
    ("GET", "/api/v1/tickets/{id}/chat/stream", Policy::Staff(Scope::TicketsRead)),
    // == Tutorials ==
    // Authoring is for staff; the public API serves published versions, a run's id is its
    // credential, and the caller (customer session or visitor token) is resolved in the handler.
    ("GET", "/api/v1/tutorials", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/tutorials", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/tutorials/{id}", Policy::Staff(Scope::TicketsRead)),
    ("PATCH", "/api/v1/tutorials/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("DELETE", "/api/v1/tutorials/{id}", Policy::Staff(Scope::TicketsWrite)),
    ("POST", "/api/v1/tutorials/{id}/validate", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/tutorials/{id}/publish", Policy::Staff(Scope::TicketsWrite)),
    ("POST", "/api/v1/tutorials/{id}/unpublish", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/tutorials/{id}/analytics", Policy::Staff(Scope::TicketsRead)),
    ("POST", "/api/v1/tutorials/{id}/images", Policy::Staff(Scope::TicketsWrite)),
    ("GET", "/api/v1/help/tutorials", Policy::Public),
    ("OPTIONS", "/api/v1/help/tutorials", Policy::Public),
    ("GET", "/api/v1/help/tutorials/{tutorial_id}", Policy::Public),
    ("OPTIONS", "/api/v1/help/tutorials/{tutorial_id}", Policy::Public),
    ("POST", "/api/v1/help/tutorials/{tutorial_id}/runs", Policy::Public),
    ("OPTIONS", "/api/v1/help/tutorials/{tutorial_id}/runs", Policy::Public),
    ("GET", "/api/v1/help/tutorial-runs/{run_id}", Policy::Public),
    ("OPTIONS", "/api/v1/help/tutorial-runs/{run_id}", Policy::Public),
    ("POST", "/api/v1/help/tutorial-runs/{run_id}/choices", Policy::Public),
    ("OPTIONS", "/api/v1/help/tutorial-runs/{run_id}/choices", Policy::Public),
    ("POST", "/api/v1/help/tutorial-runs/{run_id}/ticket", Policy::Public),
    ("OPTIONS", "/api/v1/help/tutorial-runs/{run_id}/ticket", Policy::Public),
    ("GET", "/api/v1/help/tutorial-images/{image_id}", Policy::Public),
    ("OPTIONS", "/api/v1/help/tutorial-images/{image_id}", Policy::Public),
];

/// The declared policy of a route, if any.
pub fn policy_for(method: &Method, path: &str) -> Option<Policy> {
    POLICIES.iter().find(|(m, p, _)| *m == method.as_str() && *p == path).map(|(_, _, pol)| *pol)
}

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The acting principal.
    pub principal: Principal,
    /// The session's CSRF token and raw cookie token, for session callers.
    pub session: Option<(String, String)>,
}

/// The authorisation middleware (see the module docs).
pub async fn authorize(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let Some(path) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()) else {
        return next.run(req).await; // unmatched: the router's 404
    };
    if !path.starts_with(widget::PREFIX) {
        return authorize_route(app, req, next, method, path).await;
    }
    // The widget runs on the shop's pages (other origins): preflights are
    // answered here, and every response gets its CORS headers.
    if widget::is_preflight(&method, &path) {
        return widget::preflight(&app, req.headers()).await;
    }
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut res = authorize_route(app.clone(), req, next, method, path).await;
    widget::add_cors(&app, origin.as_deref(), None, &mut res).await;
    res
}

async fn authorize_route(app: AppState, mut req: Request, next: Next, method: Method, path: String) -> Response {
    if path.starts_with("/api/docs")
        || !path.starts_with("/api/") && !matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics")
    {
        return next.run(req).await; // docs and web assets
    }
    let Some(policy) = policy_for(&method, &path) else {
        return ApiError::internal(format!("route {method} {path} has no declared policy")).into_response();
    };
    if policy == Policy::Public {
        // Public routes carry their own credential (a mailbox token, a signed
        // link, a webhook signature) in the same Authorization header a key uses.
        return next.run(req).await;
    }
    let auth = match if policy == Policy::Visitor {
        authenticate_visitor(&app, req.headers()).await
    } else {
        authenticate(&app, req.headers()).await
    } {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check(policy, auth.as_ref(), &method, req.headers()) {
        return e.into_response();
    }
    let visitor_ws = auth.as_ref().filter(|_| policy == Policy::Visitor).map(|a| a.principal.workspace_id);
    if let Some(ws) = visitor_ws
        && let Err(e) = widget::check_visitor_origin(&app, ws, req.headers()).await
    {
        return e.into_response();
    }
    if let Some(a) = auth {
        req.extensions_mut().insert(a);
    }
    let mut res = next.run(req).await;
    if let Some(ws) = visitor_ws {
        // The CORS headers echo the origin only if this workspace allows it.
        res.extensions_mut().insert(widget::WidgetWorkspace(ws));
    }
    res
}

/// For visitor routes: a visitor token (`vt1.…`) authenticates a visitor
/// (a bad one is a 401); any other credential is resolved as usual, to be
/// refused by [`check`].
async fn authenticate_visitor(app: &AppState, headers: &HeaderMap) -> Result<Option<Authenticated>, ApiError> {
    match widget::bearer(headers) {
        Some(token) if token.starts_with(autocrm_domain::chat::TOKEN_PREFIX) => {
            let session =
                autocrm_store::chat::resolve_token(&app.store, token).await?.ok_or_else(widget::token_invalid)?;
            Ok(Some(Authenticated { principal: session.principal, session: None }))
        }
        _ => authenticate(app, headers).await,
    }
}

fn check(policy: Policy, auth: Option<&Authenticated>, method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    if policy == Policy::Public {
        return Ok(());
    }
    let auth = auth.ok_or_else(ApiError::unauthenticated)?;
    // Cookie-authenticated writes must echo the session's CSRF token.
    if let Some((csrf, _)) = &auth.session {
        let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        if !safe && sent != Some(csrf.as_str()) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "csrf_token_invalid",
                "send the session's X-CSRF-Token header",
            ));
        }
    }
    let allowed = match (&auth.principal.kind, policy) {
        // Visitors reach the widget's routes only, and only visitors do.
        (PrincipalKind::Visitor { .. }, p) => p == Policy::Visitor,
        (_, Policy::Public)
        | (PrincipalKind::System, _)
        | (PrincipalKind::User { .. }, Policy::SessionOnly | Policy::AnyUser(_)) => true,
        (_, Policy::Visitor) | (PrincipalKind::ApiKey { .. }, Policy::SessionOnly | Policy::StaffSession) => false,
        (PrincipalKind::User { role, .. }, Policy::Staff(_) | Policy::StaffSession) => role.is_staff(),
        (PrincipalKind::User { role, .. }, Policy::Admin) => *role == Role::Admin,
        (PrincipalKind::ApiKey { scopes, .. }, Policy::AnyUser(s) | Policy::Staff(s)) => scopes.allows(s),
        (PrincipalKind::ApiKey { scopes, .. }, Policy::Admin) => scopes.allows(Scope::Admin),
    };
    if allowed { Ok(()) } else { Err(ApiError::forbidden()) }
}

/// Resolves the caller from `Authorization: Bearer acrm_…` or the session cookie.
async fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<Option<Authenticated>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthenticated)?;
        let key = autocrm_store::api_keys::resolve(&app.store, token).await?.ok_or_else(ApiError::unauthenticated)?;
        let scopes = ScopeSet::parse(&key.scopes).map_err(ApiError::internal)?;
        return Ok(Some(Authenticated {
            principal: Principal {
                workspace_id: key.workspace_id,
                kind: PrincipalKind::ApiKey { key_id: key.id, scopes, name: key.name },
            },
            session: None,
        }));
    }
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some((session, user)) =
        autocrm_store::sessions::resolve(&app.store, &token, app.config.session_policy()).await?
    else {
        return Ok(None);
    };
    let role = Role::parse(&user.role).map_err(ApiError::internal)?;
    Ok(Some(Authenticated {
        principal: Principal {
            workspace_id: user.workspace_id,
            kind: PrincipalKind::User { user_id: user.id, role, contact_id: user.contact_id, name: user.name },
        },
        session: Some((session.csrf_token, token)),
    }))
}

/// Reads one cookie from the `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The authenticated caller, for handlers behind a non-public policy.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Authenticated>().map(|a| Self(a.principal.clone())).ok_or_else(ApiError::unauthenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Authenticated>().cloned().ok_or_else(ApiError::unauthenticated)
    }
}

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(ApiError::internal)
}

/// Checks a password against a stored hash in constant time.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so timing does not reveal it.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// Checks a new password's strength: 10–200 characters.
pub fn check_password(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if (10..=200).contains(&n) { Ok(()) } else { Err(ApiError::field("/password", "must be 10–200 characters")) }
}

/// Shared handle to the authenticated-principal types.
pub type SharedPrincipal = Arc<Principal>;

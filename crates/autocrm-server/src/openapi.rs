//! The OpenAPI 3.1 document, generated from the handlers' annotations, and
//! the interactive docs served from the binary (Swagger UI, vendored: no CDN).

use axum::Router;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AutoCRM API",
        version = "1",
        description = "The REST API of AutoCRM. Authenticate with `Authorization: Bearer acrm_…` (API key) or the session cookie (send `X-CSRF-Token` on writes). Errors are RFC 9457 problem documents with a stable `code`. Lists are keyset-paginated: pass `next_cursor` back as `cursor`."
    ),
    modifiers(&Security),
    tags(
        (name = "tickets", description = "Tickets, messages, merges and bulk updates"),
        (name = "views", description = "Saved ticket views with their tickets and counts"),
        (name = "macros", description = "Macros: ticket changes and templated replies"),
        (name = "commerce", description = "The ticket requester's orders and subscriptions from the shop, and the actions an agent may take on them"),
        (name = "ai", description = "Ticket categories, agents' categories that train the classifier, and the trained models"),
        (name = "reports", description = "Performance figures from the event log"),
        (name = "notifications", description = "The signed-in agent's mentions and assignments"),
        (name = "contacts", description = "Contacts and companies"),
        (name = "settings", description = "Workspace, users and invitations, statuses, custom fields, tags"),
        (name = "channels", description = "E-mail mailboxes and the inbound endpoint, SMS numbers, API channels, delivery records and customers' notification preferences"),
        (name = "integrations", description = "API keys and webhooks"),
        (name = "events", description = "Real-time events and the audit log"),
        (name = "session", description = "Sign-in, sign-out and accepting an invitation"),
        (name = "system", description = "Health and metrics"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("acrm_…").build()),
        );
        components.add_security_scheme(
            "mailbox_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("mbx_…").build()),
        );
        components.add_security_scheme(
            "api_channel_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("apc_…").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
        );
    }
}

/// Every API route with its OpenAPI description.
pub(crate) fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(routes::router())
}

/// The OpenAPI document on its own (for tests and `autocrm openapi`).
pub fn api_doc() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

pub(crate) fn docs_router(doc: utoipa::openapi::OpenApi) -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", doc))
}

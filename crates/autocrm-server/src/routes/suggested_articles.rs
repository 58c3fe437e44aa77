//! Articles suggested to one customer, in the widget and the portal, from
//! what the shop and the desk know about them: their recent orders (where
//! each one is: a pending order suggests changing or cancelling it, a
//! delivered one returns and exchanges, …, plus the products' names and
//! categories), their subscriptions, and their recent requests' subjects.
//!
//! Only a customer the shop identified (a widget visitor with a proven
//! identity) or a signed-in portal customer gets order-based suggestions;
//! anyone else gets the help center's most relevant articles for their
//! recent requests, or none. Each suggestion says why ("About your order
//! #W102"), never more than the customer already knows.

use autocrm_ai::Document;
use autocrm_domain::Principal;
use autocrm_domain::commerce::{Customer, OrderStatus};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ListOut;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;

/// At most this many suggestions.
const MAX_SUGGESTIONS: usize = 5;
/// Orders looked at, newest first.
const RECENT_ORDERS: usize = 3;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(widget_suggestions)).routes(routes!(portal_suggestions))
}

/// An article suggested to a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestedArticleOut {
    /// `article` or `tutorial`.
    pub kind: String,
    /// The article's or tutorial's id.
    pub id: i64,
    /// Title, in the customer's language where there is a translation.
    pub title: String,
    /// Its help-center page.
    pub url: Option<String>,
    /// The start of its text.
    pub excerpt: String,
    /// Why it is suggested ("About your order #W102").
    pub reason: String,
}

/// Help-center articles for this visitor: from its orders when the shop
/// identified it, and from its conversations.
#[utoipa::path(get, path = "/api/v1/widget/suggestions", tag = "chat",
    responses((status = 200, body = ListOut<SuggestedArticleOut>)))]
async fn widget_suggestions(
    State(app): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<ListOut<SuggestedArticleOut>>> {
    let visitor = autocrm_store::chat::me(&app.store, &p).await?;
    let sys = Principal::system(p.workspace_id);
    let customer = match (visitor.identified, visitor.contact_id) {
        (true, Some(contact)) => shop_customer(&app, &sys, contact).await?,
        _ => None,
    };
    let locale = visitor.locale.clone();
    let data = suggest(&app, p.workspace_id, customer.as_ref(), visitor.contact_id, locale.as_deref()).await?;
    Ok(Json(ListOut { data, next_cursor: None }))
}

/// Help-center articles for the signed-in customer, from their orders and requests.
#[utoipa::path(get, path = "/api/v1/portal/suggestions", tag = "portal",
    responses((status = 200, body = ListOut<SuggestedArticleOut>)))]
async fn portal_suggestions(
    State(app): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<ListOut<SuggestedArticleOut>>> {
    let Some(contact) = p.customer_contact().filter(|c| *c > 0) else {
        // Staff have no orders or requests of their own.
        return Ok(Json(ListOut { data: Vec::new(), next_cursor: None }));
    };
    let sys = Principal::system(p.workspace_id);
    let customer = shop_customer(&app, &sys, contact).await?;
    let data = suggest(&app, p.workspace_id, customer.as_ref(), Some(contact), None).await?;
    Ok(Json(ListOut { data, next_cursor: None }))
}

async fn shop_customer(app: &AppState, sys: &Principal, contact_id: i64) -> ApiResult<Option<Customer>> {
    let contact = autocrm_store::contacts::get(&app.store, sys, contact_id).await?;
    let Some(email) = contact.email else { return Ok(None) };
    Ok(app.commerce.find_customer(sys, &email).await.ok().flatten())
}

/// What to look for, and why.
struct Interest {
    query: String,
    reason: String,
}

/// The customer's interests, most telling first.
async fn interests(
    app: &AppState,
    ws: i64,
    customer: Option<&Customer>,
    contact: Option<i64>,
) -> ApiResult<Vec<Interest>> {
    let sys = Principal::system(ws);
    let mut out = Vec::new();
    if let Some(c) = customer {
        let orders = app.commerce.orders(&sys, &c.id).await.unwrap_or_default();
        for o in orders.iter().take(RECENT_ORDERS) {
            let topic = match o.status {
                OrderStatus::Pending | OrderStatus::PendingItemsModified => {
                    "change cancel order address before shipping"
                }
                OrderStatus::Processed => "shipping delivery tracking package",
                OrderStatus::Delivered => "return exchange item refund",
                OrderStatus::ReturnRequested | OrderStatus::ExchangeRequested => "return refund label exchange",
                OrderStatus::Cancelled => "cancelled order refund",
            };
            let products: Vec<&str> = o.items.iter().map(|i| i.name.as_str()).collect();
            out.push(Interest {
                query: format!("{topic} {}", products.join(" ")),
                reason: format!("About your order {}", o.name),
            });
        }
        let subscriptions = app.commerce.subscriptions(&sys, &c.id).await.unwrap_or_default();
        if let Some(s) = subscriptions.first() {
            out.push(Interest {
                query: format!("subscription pause skip cancel change delivery {}", s.name),
                reason: format!("About your subscription {}", s.name),
            });
        }
    }
    if let Some(contact) = contact {
        for subject in autocrm_store::ai::recent_subjects(&app.store, ws, contact, 3).await? {
            let shown: String = subject.chars().take(60).collect();
            out.push(Interest { query: subject, reason: format!("About your request “{shown}”") });
        }
    }
    Ok(out)
}

/// Ranks the published articles and tutorials for the customer's interests.
async fn suggest(
    app: &AppState,
    ws: i64,
    customer: Option<&Customer>,
    contact: Option<i64>,
    locale: Option<&str>,
) -> ApiResult<Vec<SuggestedArticleOut>> {
    let interests = interests(app, ws, customer, contact).await?;
    if interests.is_empty() {
        return Ok(Vec::new());
    }
    let workspace = autocrm_store::workspaces::current(&app.store, &Principal::system(ws)).await?;
    let wanted = locale
        .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
        .unwrap_or(workspace.locale.clone());
    let docs = super::ai_assist::help_documents(app, ws, &workspace.slug).await?;
    // One document per article: the customer's language, else the workspace's.
    let docs = one_per_source(docs, &wanted, &workspace.locale);
    let index = autocrm_ai::retrieve::Index::new(&docs);
    let mut picked: Vec<(usize, String)> = Vec::new();
    for interest in &interests {
        for (i, _) in index.search(&interest.query, 2) {
            if !picked.iter().any(|(j, _)| *j == i) {
                picked.push((i, interest.reason.clone()));
                break;
            }
        }
        if picked.len() >= MAX_SUGGESTIONS {
            break;
        }
    }
    Ok(picked
        .into_iter()
        .filter_map(|(i, reason)| {
            let d = &docs[i];
            Some(SuggestedArticleOut {
                kind: d.kind.clone(),
                id: d.id.parse().ok()?,
                title: d.title.clone(),
                url: d.url.clone(),
                excerpt: excerpt(&d.body),
                reason,
            })
        })
        .collect())
}

fn one_per_source(docs: Vec<Document>, wanted: &str, fallback: &str) -> Vec<Document> {
    let rank = |d: &Document| match d.locale.as_deref() {
        Some(l) if l == wanted => 0,
        Some(l) if l == fallback => 1,
        _ => 2,
    };
    let mut best: Vec<Document> = Vec::new();
    for d in docs {
        match best.iter_mut().find(|b| b.kind == d.kind && b.id == d.id) {
            Some(b) if rank(&d) < rank(b) => *b = d,
            Some(_) => {}
            None => best.push(d),
        }
    }
    best
}

fn excerpt(body: &str) -> String {
    let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= 160 {
        return text;
    }
    let cut: String = text.chars().take(157).collect();
    format!("{}…", cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a))
}

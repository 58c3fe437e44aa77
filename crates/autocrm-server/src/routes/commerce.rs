//! The shop in the ticket: the requester's customer record, orders and
//! subscriptions from the commerce provider, and the actions an agent may
//! take on them.
//!
//! Every route is ticket-scoped: only the ticket requester's own orders and
//! subscriptions (matched by e-mail) are reachable — any other id is a 404 —
//! and every action is recorded as an event on the ticket, with the
//! provider's one-sentence outcome, after the provider accepted it. The
//! shop's policy refuses with 409 `commerce_policy` and the reason to give
//! the customer; a malformed request is a 422.

use autocrm_commerce::{Change, CommerceError};
use autocrm_domain::Principal;
use autocrm_domain::commerce::{
    Address, CancelReason, Customer, IntervalUnit, ItemSwap, Order, Outcome, Product, Subscription,
};
use autocrm_domain::macros::OrderVars;
use autocrm_store::tickets::TicketView;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};

/// The commerce routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ticket_commerce))
        .routes(routes!(cancel_order))
        .routes(routes!(change_address))
        .routes(routes!(change_payment))
        .routes(routes!(change_items))
        .routes(routes!(return_items))
        .routes(routes!(exchange_items))
        .routes(routes!(refund_items))
        .routes(routes!(pause_subscription))
        .routes(routes!(resume_subscription))
        .routes(routes!(skip_subscription))
        .routes(routes!(cancel_subscription))
        .routes(routes!(change_frequency))
}

impl From<CommerceError> for ApiError {
    fn from(e: CommerceError) -> Self {
        match e {
            CommerceError::NotFound => ApiError::not_found(),
            CommerceError::Refused(r) if r.code == "policy" => {
                ApiError::new(StatusCode::CONFLICT, "commerce_policy", r.reason)
            }
            CommerceError::Refused(r) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "commerce_invalid", r.reason),
            CommerceError::Unavailable(why) => {
                tracing::warn!(%why, "commerce provider unavailable");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "commerce_unavailable",
                    "the shop could not be reached; try again",
                )
            }
            CommerceError::Store(e) => e.into(),
        }
    }
}

/// An order with its totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    /// The order.
    #[serde(flatten)]
    pub order: Order,
    /// Sum of the items in cents.
    pub total_cents: i64,
    /// Sum of the refunds in cents.
    pub refunded_cents: i64,
    /// The status as a person reads it ("pending (items modified)").
    pub status_label: String,
}

fn order_out(order: Order) -> OrderOut {
    OrderOut {
        total_cents: order.total_cents(),
        refunded_cents: order.refunded_cents(),
        status_label: order.status.label().to_owned(),
        order,
    }
}

/// The requester as the shop knows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommerceOverview {
    /// The provider (`mock`, `shopify`).
    pub provider: String,
    /// The shop customer with the requester's e-mail, if any.
    pub customer: Option<Customer>,
    /// Their orders, newest first.
    pub orders: Vec<OrderOut>,
    /// Their subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// The products of those orders with every variant (for swaps and exchanges).
    pub products: Vec<Product>,
}

/// What an order action did.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderChangeOut {
    /// The order afterwards.
    pub order: OrderOut,
    /// What happened, as recorded on the ticket.
    pub outcome: Outcome,
}

/// What a subscription action did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionChangeOut {
    /// The subscription afterwards.
    pub subscription: Subscription,
    /// What happened, as recorded on the ticket.
    pub outcome: Outcome,
}

async fn requester_customer(
    app: &AppState,
    p: &Principal,
    ticket_id: i64,
) -> ApiResult<(TicketView, Option<Customer>)> {
    let ticket = autocrm_store::tickets::get(&app.store, p, ticket_id).await?;
    let customer = match ticket.requester.2.as_deref() {
        Some(email) => app.commerce.find_customer(p, email).await?,
        None => None,
    };
    Ok((ticket, customer))
}

fn ref_param(raw: &str) -> ApiResult<&str> {
    let ok = !raw.is_empty() && raw.len() <= 64 && raw.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    if ok { Ok(raw) } else { Err(ApiError::not_found()) }
}

fn ticket_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(ApiError::not_found)
}

/// Where an action is recorded: the ticket and its requester.
#[derive(Clone, Copy)]
struct OnTicket {
    ticket_id: i64,
    requester_id: i64,
}

/// The ticket and one of its requester's orders (anything else is a 404).
async fn scoped_order(app: &AppState, p: &Principal, path: &(String, String)) -> ApiResult<(OnTicket, Order)> {
    let id = ticket_id(&path.0)?;
    let order_id = ref_param(&path.1)?;
    let (ticket, customer) = requester_customer(app, p, id).await?;
    let customer = customer.ok_or_else(ApiError::not_found)?;
    let order = app.commerce.order(p, order_id).await?;
    if order.customer_id != customer.id {
        return Err(ApiError::not_found());
    }
    Ok((OnTicket { ticket_id: id, requester_id: ticket.ticket.requester_id }, order))
}

async fn scoped_subscription(
    app: &AppState,
    p: &Principal,
    path: &(String, String),
) -> ApiResult<(OnTicket, Subscription)> {
    let id = ticket_id(&path.0)?;
    let sub_id = ref_param(&path.1)?;
    let (ticket, customer) = requester_customer(app, p, id).await?;
    let customer = customer.ok_or_else(ApiError::not_found)?;
    let sub = app.commerce.subscription(p, sub_id).await?;
    if sub.customer_id != customer.id {
        return Err(ApiError::not_found());
    }
    Ok((OnTicket { ticket_id: id, requester_id: ticket.ticket.requester_id }, sub))
}

async fn order_done(
    app: &AppState,
    p: &Principal,
    on: OnTicket,
    event_type: &'static str,
    change: Change<Order>,
) -> ApiResult<Json<OrderChangeOut>> {
    let o = &change.record;
    let data = json!({
        "order": {"id": o.id, "name": o.name, "status": o.status.as_str()},
        "customer_id": o.customer_id,
        "summary": change.outcome.summary,
        "amount_cents": change.outcome.amount_cents,
        "provider": app.commerce.name(),
    });
    autocrm_store::commerce::record_on_ticket(&app.store, p, on.ticket_id, on.requester_id, event_type, "order", data)
        .await?;
    Ok(Json(OrderChangeOut { order: order_out(change.record), outcome: change.outcome }))
}

async fn subscription_done(
    app: &AppState,
    p: &Principal,
    on: OnTicket,
    event_type: &'static str,
    change: Change<Subscription>,
) -> ApiResult<Json<SubscriptionChangeOut>> {
    let s = &change.record;
    let data = json!({
        "subscription": {"id": s.id, "name": s.name, "status": s.status.as_str()},
        "customer_id": s.customer_id,
        "summary": change.outcome.summary,
        "provider": app.commerce.name(),
    });
    autocrm_store::commerce::record_on_ticket(
        &app.store,
        p,
        on.ticket_id,
        on.requester_id,
        event_type,
        "subscription",
        data,
    )
    .await?;
    Ok(Json(SubscriptionChangeOut { subscription: change.record, outcome: change.outcome }))
}

/// The ticket's order (its `order_number` field) as the shop reports it, for
/// macro placeholders; only an order of the ticket's requester. Anything the
/// provider cannot answer leaves the placeholders to the stored number.
pub async fn order_vars(app: &AppState, p: &Principal, ticket_id: i64) -> Option<OrderVars> {
    let ticket = autocrm_store::tickets::get(&app.store, p, ticket_id).await.ok()?;
    let number = ticket.ticket.custom_fields.get("order_number")?.as_str()?.trim().to_owned();
    let order_id = ref_param(number.trim_start_matches('#')).ok()?;
    let customer = app.commerce.find_customer(p, ticket.requester.2.as_deref()?).await.ok()??;
    let order = app.commerce.order(p, order_id).await.ok()?;
    if order.customer_id != customer.id {
        return None;
    }
    let shipment = order.fulfilments.last();
    Some(OrderVars {
        number: order.name.clone(),
        status: order.status.label().to_owned(),
        carrier: shipment.map(|f| f.carrier.clone()).unwrap_or_default(),
        tracking_number: shipment.map(|f| f.tracking_number.clone()).unwrap_or_default(),
        total: format!("${}.{:02}", order.total_cents() / 100, order.total_cents() % 100),
    })
}

/// The requester's shop customer record, orders (newest first, with items, fulfilments and tracking), subscriptions and the products of those orders.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/commerce", tag = "commerce",
    params(("id" = i64, Path)),
    responses((status = 200, body = CommerceOverview), (status = 404, body = crate::error::Problem),
        (status = 502, body = crate::error::Problem)))]
async fn ticket_commerce(
    State(app): State<AppState>,
    Caller(p): Caller,
    Id(id): Id,
) -> ApiResult<Json<CommerceOverview>> {
    let (_, customer) = requester_customer(&app, &p, id).await?;
    let provider = app.commerce.name().to_owned();
    let Some(customer) = customer else {
        return Ok(Json(CommerceOverview {
            provider,
            customer: None,
            orders: Vec::new(),
            subscriptions: Vec::new(),
            products: Vec::new(),
        }));
    };
    let orders = app.commerce.orders(&p, &customer.id).await?;
    let subscriptions = app.commerce.subscriptions(&p, &customer.id).await?;
    let mut product_ids: Vec<String> =
        orders.iter().flat_map(|o| o.items.iter().map(|i| i.product_id.clone())).collect();
    product_ids.sort();
    product_ids.dedup();
    let products = app.commerce.products(&p, &product_ids).await?;
    Ok(Json(CommerceOverview {
        provider,
        customer: Some(customer),
        orders: orders.into_iter().map(order_out).collect(),
        subscriptions,
        products,
    }))
}

/// Cancelling a pending order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelOrderIn {
    /// `no_longer_needed` or `ordered_by_mistake` (the only reasons the policy accepts).
    pub reason: CancelReason,
}

/// Cancels a pending order; the full amount goes back to the original payment method.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/orders/{order_id}/cancel", tag = "commerce",
    params(("id" = i64, Path), ("order_id" = String, Path)), request_body = CancelOrderIn,
    responses((status = 200, body = OrderChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn cancel_order(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<CancelOrderIn>,
) -> ApiResult<Json<OrderChangeOut>> {
    let (ticket, order) = scoped_order(&app, &p, &path).await?;
    let change = app.commerce.cancel_order(&p, &order.id, input.reason).await?;
    order_done(&app, &p, ticket, "order.cancelled", change).await
}

/// A new shipping address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressIn {
    /// The address.
    pub address: Address,
}

/// Changes a pending order's shipping address.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/orders/{order_id}/address", tag = "commerce",
    params(("id" = i64, Path), ("order_id" = String, Path)), request_body = AddressIn,
    responses((status = 200, body = OrderChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn change_address(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<AddressIn>,
) -> ApiResult<Json<OrderChangeOut>> {
    let (ticket, order) = scoped_order(&app, &p, &path).await?;
    let change = app.commerce.change_address(&p, &order.id, input.address).await?;
    order_done(&app, &p, ticket, "order.address_changed", change).await
}

/// Another of the customer's saved payment methods.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentIn {
    /// The payment method's id (from the customer's `payment_methods`).
    pub payment_method_id: String,
}

/// Pays a pending order with another saved method; the original is refunded.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/orders/{order_id}/payment", tag = "commerce",
    params(("id" = i64, Path), ("order_id" = String, Path)), request_body = PaymentIn,
    responses((status = 200, body = OrderChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn change_payment(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<PaymentIn>,
) -> ApiResult<Json<OrderChangeOut>> {
    let (ticket, order) = scoped_order(&app, &p, &path).await?;
    let change = app.commerce.change_payment(&p, &order.id, &input.payment_method_id).await?;
    order_done(&app, &p, ticket, "order.payment_changed", change).await
}

/// Items to swap for other options of the same products.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwapIn {
    /// Each line and its new variant.
    pub items: Vec<ItemSwap>,
    /// Pays or receives the price difference.
    pub payment_method_id: String,
}

/// Swaps a pending order's items for other options of the same products (once per order).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/orders/{order_id}/items", tag = "commerce",
    params(("id" = i64, Path), ("order_id" = String, Path)), request_body = SwapIn,
    responses((status = 200, body = OrderChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn change_items(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<SwapIn>,
) -> ApiResult<Json<OrderChangeOut>> {
    let (ticket, order) = scoped_order(&app, &p, &path).await?;
    let change = app.commerce.change_items(&p, &order.id, &input.items, &input.payment_method_id).await?;
    order_done(&app, &p, ticket, "order.items_changed", change).await
}

/// Items to return.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    /// The order lines.
    pub line_ids: Vec<String>,
    /// Where the refund goes: the original payment method or one of the customer's gift cards.
    pub refund_to: String,
}

/// Requests the return of delivered items; the refund follows when they arrive.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/orders/{order_id}/return", tag = "commerce",
    params(("id" = i64, Path), ("order_id" = String, Path)), request_body = ReturnIn,
    responses((status = 200, body = OrderChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn return_items(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<ReturnIn>,
) -> ApiResult<Json<OrderChangeOut>> {
    let (ticket, order) = scoped_order(&app, &p, &path).await?;
    let change = app.commerce.return_items(&p, &order.id, &input.line_ids, &input.refund_to).await?;
    order_done(&app, &p, ticket, "order.return_requested", change).await
}

/// Requests the exchange of delivered items for other options of the same products.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/orders/{order_id}/exchange", tag = "commerce",
    params(("id" = i64, Path), ("order_id" = String, Path)), request_body = SwapIn,
    responses((status = 200, body = OrderChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn exchange_items(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<SwapIn>,
) -> ApiResult<Json<OrderChangeOut>> {
    let (ticket, order) = scoped_order(&app, &p, &path).await?;
    let change = app.commerce.exchange_items(&p, &order.id, &input.items, &input.payment_method_id).await?;
    order_done(&app, &p, ticket, "order.exchange_requested", change).await
}

/// Items to refund.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundIn {
    /// The order lines (each is refunded in full, at most once).
    pub line_ids: Vec<String>,
    /// The original payment method or one of the customer's gift cards.
    pub refund_to: String,
    /// Why (kept on the refund and in the ticket's audit trail).
    pub reason: String,
}

/// Refunds order items to the original payment method or a gift card (shipped orders only; pending ones are cancelled instead).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/orders/{order_id}/refund", tag = "commerce",
    params(("id" = i64, Path), ("order_id" = String, Path)), request_body = RefundIn,
    responses((status = 200, body = OrderChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn refund_items(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<RefundIn>,
) -> ApiResult<Json<OrderChangeOut>> {
    let (ticket, order) = scoped_order(&app, &p, &path).await?;
    let change = app.commerce.refund(&p, &order.id, &input.line_ids, &input.refund_to, &input.reason).await?;
    order_done(&app, &p, ticket, "order.refunded", change).await
}

/// Pauses an active subscription.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/pause", tag = "commerce",
    params(("id" = i64, Path), ("subscription_id" = String, Path)),
    responses((status = 200, body = SubscriptionChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn pause_subscription(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<SubscriptionChangeOut>> {
    let (ticket, sub) = scoped_subscription(&app, &p, &path).await?;
    let change = app.commerce.pause_subscription(&p, &sub.id).await?;
    subscription_done(&app, &p, ticket, "subscription.paused", change).await
}

/// Resumes a paused subscription (next charge one interval from today).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/resume", tag = "commerce",
    params(("id" = i64, Path), ("subscription_id" = String, Path)),
    responses((status = 200, body = SubscriptionChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn resume_subscription(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<SubscriptionChangeOut>> {
    let (ticket, sub) = scoped_subscription(&app, &p, &path).await?;
    let change = app.commerce.resume_subscription(&p, &sub.id).await?;
    subscription_done(&app, &p, ticket, "subscription.resumed", change).await
}

/// Skips the next delivery (the charge moves one interval later).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/skip", tag = "commerce",
    params(("id" = i64, Path), ("subscription_id" = String, Path)),
    responses((status = 200, body = SubscriptionChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn skip_subscription(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<SubscriptionChangeOut>> {
    let (ticket, sub) = scoped_subscription(&app, &p, &path).await?;
    let change = app.commerce.skip_next(&p, &sub.id).await?;
    subscription_done(&app, &p, ticket, "subscription.skipped", change).await
}

/// Why a subscription ends.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelSubscriptionIn {
    /// The customer's reason (optional, at most 500 characters).
    #[serde(default)]
    pub reason: String,
}

/// Cancels a subscription.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/cancel", tag = "commerce",
    params(("id" = i64, Path), ("subscription_id" = String, Path)), request_body = CancelSubscriptionIn,
    responses((status = 200, body = SubscriptionChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn cancel_subscription(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<CancelSubscriptionIn>,
) -> ApiResult<Json<SubscriptionChangeOut>> {
    let (ticket, sub) = scoped_subscription(&app, &p, &path).await?;
    let change = app.commerce.cancel_subscription(&p, &sub.id, &input.reason).await?;
    subscription_done(&app, &p, ticket, "subscription.cancelled", change).await
}

/// A new delivery frequency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrequencyIn {
    /// `week` or `month`.
    pub interval_unit: IntervalUnit,
    /// Every 1–12 units.
    pub interval_count: u32,
}

/// Changes how often a subscription delivers.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/frequency", tag = "commerce",
    params(("id" = i64, Path), ("subscription_id" = String, Path)), request_body = FrequencyIn,
    responses((status = 200, body = SubscriptionChangeOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn change_frequency(
    State(app): State<AppState>,
    Caller(p): Caller,
    Path(path): Path<(String, String)>,
    ApiJson(input): ApiJson<FrequencyIn>,
) -> ApiResult<Json<SubscriptionChangeOut>> {
    let (ticket, sub) = scoped_subscription(&app, &p, &path).await?;
    let change = app.commerce.change_frequency(&p, &sub.id, input.interval_unit, input.interval_count).await?;
    subscription_done(&app, &p, ticket, "subscription.frequency_changed", change).await
}

//! The chatbot's tools: the help center for everyone, and the shop's
//! orders for a visitor the shop identified.
//!
//! Invariants:
//! - Order tools exist only when the conversation has an identified
//!   customer, and they reach only that customer's orders: an order id the
//!   model writes is looked up among the customer's own orders (by id or
//!   number), never fetched directly, so another customer's or another
//!   workspace's order is "not found" whatever the model asks.
//! - Payment methods are the customer's own; items are the order's own.
//! - Writes are checked and stated in [`Toolbox::describe`]; the order
//!   assistant runs them only after the visitor's explicit yes. Each one
//!   done is recorded on the ticket like an agent's action (`by: chatbot`).
//! - Refunds are not a tool: the policy sends them to a person.

use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use autocrm_ai::Document;
use autocrm_ai::agent::{AgentTool, ToolResult, Toolbox};
use autocrm_ai::llm::ToolSpec;
use autocrm_commerce::{Change, CommerceError};
use autocrm_domain::Principal;
use autocrm_domain::commerce::{Address, CancelReason, Customer, ItemSwap, Order, OrderStatus};
use serde_json::{Value, json};

use crate::AppState;

/// Help-center results per search.
const SEARCH_RESULTS: usize = 3;
/// Characters of each result's text given to the model.
const EXCERPT_CHARS: usize = 1200;

/// The tools of one conversation.
pub(crate) struct ShopToolbox {
    app: AppState,
    sys: Principal,
    ticket_id: i64,
    requester_id: i64,
    customer: Option<Customer>,
    documents: Vec<Document>,
    index: autocrm_ai::retrieve::Index,
    cited: Mutex<Vec<Value>>,
}

impl ShopToolbox {
    pub(crate) fn new(
        app: AppState,
        sys: Principal,
        ticket_id: i64,
        requester_id: i64,
        customer: Option<Customer>,
        documents: Vec<Document>,
    ) -> Self {
        let index = autocrm_ai::retrieve::Index::new(&documents);
        Self { app, sys, ticket_id, requester_id, customer, documents, index, cited: Mutex::new(Vec::new()) }
    }

    /// The help-center documents the searches of this turn returned, as citations.
    pub(crate) fn cited(&self) -> Value {
        Value::Array(self.cited.lock().unwrap_or_else(PoisonError::into_inner).clone())
    }

    fn search(&self, arguments: &Value) -> ToolResult {
        let query = str_arg(arguments, "query")?;
        let hits = self.index.search(query, SEARCH_RESULTS);
        if hits.is_empty() {
            return Ok("No help-center article matches.".into());
        }
        let mut cited = self.cited.lock().unwrap_or_else(PoisonError::into_inner);
        let results: Vec<Value> = hits
            .into_iter()
            .map(|(i, score)| {
                let d = &self.documents[i];
                let citation = json!({"kind": d.kind, "id": d.id, "title": d.title, "url": d.url, "score": score});
                if !cited.contains(&citation) {
                    cited.push(citation);
                }
                json!({"title": d.title, "link": d.url, "language": d.locale,
                    "text": d.body.chars().take(EXCERPT_CHARS).collect::<String>()})
            })
            .collect();
        Ok(Value::Array(results).to_string())
    }

    fn customer(&self) -> Result<&Customer, String> {
        self.customer.as_ref().ok_or_else(|| "the customer is not signed in to the shop".to_owned())
    }

    /// One of the customer's own orders, by the id or number the model wrote.
    async fn own_order(&self, arguments: &Value) -> Result<Order, String> {
        let customer = self.customer()?;
        let wanted = str_arg(arguments, "order_id")?;
        let orders = self.app.commerce.orders(&self.sys, &customer.id).await.map_err(|e| reason(&e))?;
        orders.into_iter().find(|o| same_order(o, wanted)).ok_or_else(|| format!("the customer has no order {wanted}"))
    }

    fn profile(&self) -> ToolResult {
        let c = self.customer()?;
        Ok(json!({
            "name": format!("{} {}", c.first_name, c.last_name),
            "email": c.email,
            "default_address": c.address,
            "payment_methods": c.payment_methods.iter().map(|m| json!({"payment_method_id": m.id, "label": m.label,
                "gift_card_balance": m.balance_cents.map(|b| money(b, ""))})).collect::<Vec<_>>(),
        })
        .to_string())
    }

    async fn list_orders(&self) -> ToolResult {
        let c = self.customer()?;
        let orders = self.app.commerce.orders(&self.sys, &c.id).await.map_err(|e| reason(&e))?;
        Ok(Value::Array(
            orders
                .iter()
                .take(20)
                .map(|o| {
                    json!({"order_id": o.name, "status": o.status.as_str(), "placed_at": o.placed_at.date_naive().to_string(),
                    "items": o.items.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
                    "total": money(o.total_cents(), &o.currency)})
                })
                .collect(),
        )
        .to_string())
    }

    async fn order_details(&self, arguments: &Value) -> ToolResult {
        let o = self.own_order(arguments).await?;
        Ok(order_json(&o).to_string())
    }

    async fn product_details(&self, arguments: &Value) -> ToolResult {
        self.customer()?;
        let id = str_arg(arguments, "product_id")?;
        let products = self.app.commerce.products(&self.sys, &[id.to_owned()]).await.map_err(|e| reason(&e))?;
        let p = products.first().ok_or_else(|| format!("there is no product {id}"))?;
        Ok(json!({"product_id": p.id, "name": p.name, "category": p.category,
            "variants": p.variants.iter().map(|v| json!({"item_id": v.id, "options": v.options,
                "price": money(v.price_cents, ""), "available": v.available})).collect::<Vec<_>>()})
        .to_string())
    }

    fn payment_label(&self, id: &str) -> Result<String, String> {
        let c = self.customer()?;
        c.payment_methods
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.label.clone())
            .ok_or_else(|| format!("the customer has no payment method {id}"))
    }

    /// Checks a write and states it; `Ok((summary, action))`.
    async fn plan(&self, name: &str, arguments: &Value) -> Result<(String, Action), String> {
        let order = self.own_order(arguments).await?;
        let refund_to = || order.original_payment_method().map(str::to_owned).unwrap_or_default();
        match name {
            "cancel_pending_order" => {
                require(&order, &[OrderStatus::Pending], "cancelled")?;
                let reason = match str_arg(arguments, "reason")? {
                    "no longer needed" => CancelReason::NoLongerNeeded,
                    "ordered by mistake" => CancelReason::OrderedByMistake,
                    other => {
                        return Err(format!(
                            "the reason must be 'no longer needed' or 'ordered by mistake', not {other:?}"
                        ));
                    }
                };
                let amount = order.total_cents() - order.refunded_cents();
                let to = self.payment_label(&refund_to()).unwrap_or_else(|_| "the original payment method".into());
                Ok((
                    format!(
                        "I will cancel order {} ({}) because it was {}. {} go back to {to}.",
                        order.name,
                        item_names(&order, None),
                        reason.label(),
                        money(amount, &order.currency)
                    ),
                    Action::Cancel { order_id: order.id.clone(), reason },
                ))
            }
            "modify_pending_order_address" => {
                require(&order, &[OrderStatus::Pending, OrderStatus::PendingItemsModified], "changed")?;
                let address = Address {
                    line1: str_arg(arguments, "address1")?.to_owned(),
                    line2: arguments
                        .get("address2")
                        .and_then(Value::as_str)
                        .filter(|s| !s.trim().is_empty())
                        .map(str::to_owned),
                    city: str_arg(arguments, "city")?.to_owned(),
                    province: arguments.get("state").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    zip: str_arg(arguments, "zip")?.to_owned(),
                    country: str_arg(arguments, "country")?.to_owned(),
                };
                Ok((
                    format!(
                        "I will change the shipping address of order {} to: {}.",
                        order.name,
                        address_line(&address)
                    ),
                    Action::Address { order_id: order.id.clone(), address },
                ))
            }
            "return_delivered_order_items" => {
                require(&order, &[OrderStatus::Delivered], "returned")?;
                let lines = own_lines(&order, arguments, "item_ids")?;
                let method = str_arg(arguments, "payment_method_id")?.to_owned();
                let label = self.payment_label(&method)?;
                let amount: i64 = order.items.iter().filter(|i| lines.contains(&i.id)).map(|i| i.price_cents).sum();
                Ok((
                    format!(
                        "I will request the return of {} from order {}. Once the items are back, {} will be refunded to {label}.",
                        item_names(&order, Some(&lines)),
                        order.name,
                        money(amount, &order.currency)
                    ),
                    Action::Return { order_id: order.id.clone(), lines, method },
                ))
            }
            "exchange_delivered_order_items" => {
                require(&order, &[OrderStatus::Delivered], "exchanged")?;
                let lines = own_lines(&order, arguments, "item_ids")?;
                let new_ids: Vec<String> = arguments
                    .get("new_item_ids")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default();
                if new_ids.len() != lines.len() {
                    return Err("give one new item id for each item to exchange".into());
                }
                let method = str_arg(arguments, "payment_method_id")?.to_owned();
                let label = self.payment_label(&method)?;
                let swaps: Vec<ItemSwap> = lines
                    .iter()
                    .zip(&new_ids)
                    .map(|(l, v)| ItemSwap { line_id: l.clone(), variant_id: v.clone() })
                    .collect();
                Ok((
                    format!(
                        "I will request the exchange of {} from order {} for the new option(s) {}; any price difference is settled with {label}.",
                        item_names(&order, Some(&lines)),
                        order.name,
                        new_ids.join(", ")
                    ),
                    Action::Exchange { order_id: order.id.clone(), swaps, method },
                ))
            }
            other => Err(format!("{other} is not a change this assistant can make")),
        }
    }

    async fn act(&self, name: &str, arguments: &Value) -> ToolResult {
        let (_, action) = self.plan(name, arguments).await?;
        let c = &self.app.commerce;
        let p = &self.sys;
        let (event, change): (&'static str, Result<Change<Order>, CommerceError>) = match action {
            Action::Cancel { order_id, reason } => ("order.cancelled", c.cancel_order(p, &order_id, reason).await),
            Action::Address { order_id, address } => {
                ("order.address_changed", c.change_address(p, &order_id, address).await)
            }
            Action::Return { order_id, lines, method } => {
                ("order.return_requested", c.return_items(p, &order_id, &lines, &method).await)
            }
            Action::Exchange { order_id, swaps, method } => {
                ("order.exchange_requested", c.exchange_items(p, &order_id, &swaps, &method).await)
            }
        };
        let change = change.map_err(|e| reason(&e))?;
        let o = &change.record;
        let data = json!({
            "order": {"id": o.id, "name": o.name, "status": o.status.as_str()},
            "customer_id": o.customer_id,
            "summary": change.outcome.summary,
            "amount_cents": change.outcome.amount_cents,
            "provider": c.name(),
            "by": "chatbot",
        });
        autocrm_store::commerce::record_on_ticket(
            &self.app.store,
            p,
            self.ticket_id,
            self.requester_id,
            event,
            "order",
            data,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(json!({"done": change.outcome.summary, "order": order_json(o)}).to_string())
    }
}

/// A checked write, ready to run.
enum Action {
    Cancel { order_id: String, reason: CancelReason },
    Address { order_id: String, address: Address },
    Return { order_id: String, lines: Vec<String>, method: String },
    Exchange { order_id: String, swaps: Vec<ItemSwap>, method: String },
}

#[async_trait]
impl Toolbox for ShopToolbox {
    fn tools(&self) -> Vec<AgentTool> {
        let mut tools = vec![read(
            "search_help_center",
            "Search the shop's help center (policies, shipping, returns, payments, accounts). Returns the best articles with their links.",
            json!({"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}),
        )];
        if self.customer.is_none() {
            return tools;
        }
        let order_id = json!({"type": "string", "description": "The order number, such as '#W2378156'."});
        tools.extend([
            read("get_my_profile", "The signed-in customer's name, e-mail, default address and saved payment methods.", json!({"type": "object", "properties": {}})),
            read("list_my_orders", "The signed-in customer's orders, newest first.", json!({"type": "object", "properties": {}})),
            read(
                "get_order_details",
                "One of the customer's orders: status, items (with item ids), shipping address, shipments and tracking, payments.",
                json!({"type": "object", "properties": {"order_id": order_id}, "required": ["order_id"]}),
            ),
            read(
                "get_product_details",
                "A product's variants (item ids, options, prices, availability), for exchanges.",
                json!({"type": "object", "properties": {"product_id": {"type": "string"}}, "required": ["product_id"]}),
            ),
            write(
                "cancel_pending_order",
                "Cancel a pending order; the amount paid goes back to the original payment method.",
                json!({"type": "object", "properties": {"order_id": order_id,
                    "reason": {"type": "string", "enum": ["no longer needed", "ordered by mistake"]}}, "required": ["order_id", "reason"]}),
            ),
            write(
                "modify_pending_order_address",
                "Change the shipping address of a pending order.",
                json!({"type": "object", "properties": {"order_id": order_id, "address1": {"type": "string"}, "address2": {"type": "string"},
                    "city": {"type": "string"}, "state": {"type": "string"}, "country": {"type": "string", "description": "ISO code, e.g. DE"},
                    "zip": {"type": "string"}}, "required": ["order_id", "address1", "city", "country", "zip"]}),
            ),
            write(
                "return_delivered_order_items",
                "Request the return of delivered items; the refund goes to the given payment method once they are back.",
                json!({"type": "object", "properties": {"order_id": order_id, "item_ids": {"type": "array", "items": {"type": "string"}},
                    "payment_method_id": {"type": "string"}}, "required": ["order_id", "item_ids", "payment_method_id"]}),
            ),
            write(
                "exchange_delivered_order_items",
                "Request the exchange of delivered items for other available options of the same products.",
                json!({"type": "object", "properties": {"order_id": order_id, "item_ids": {"type": "array", "items": {"type": "string"}},
                    "new_item_ids": {"type": "array", "items": {"type": "string"}}, "payment_method_id": {"type": "string"}},
                    "required": ["order_id", "item_ids", "new_item_ids", "payment_method_id"]}),
            ),
        ]);
        tools
    }

    async fn describe(&self, name: &str, arguments: &Value) -> ToolResult {
        self.plan(name, arguments).await.map(|(summary, _)| summary)
    }

    async fn call(&self, name: &str, arguments: &Value) -> ToolResult {
        match name {
            "search_help_center" => self.search(arguments),
            "get_my_profile" => self.profile(),
            "list_my_orders" => self.list_orders().await,
            "get_order_details" => self.order_details(arguments).await,
            "get_product_details" => self.product_details(arguments).await,
            _ => self.act(name, arguments).await,
        }
    }
}

fn read(name: &str, description: &str, parameters: Value) -> AgentTool {
    AgentTool { spec: ToolSpec { name: name.into(), description: description.into(), parameters }, writes: false }
}

fn write(name: &str, description: &str, parameters: Value) -> AgentTool {
    AgentTool { writes: true, ..read(name, description, parameters) }
}

fn str_arg<'a>(arguments: &'a Value, key: &str) -> Result<&'a str, String> {
    arguments
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("`{key}` is required"))
}

/// The order's lines named in `key`, all of them the order's own.
fn own_lines(order: &Order, arguments: &Value, key: &str) -> Result<Vec<String>, String> {
    let ids: Vec<String> = arguments
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(format!("`{key}` must list at least one item id of the order"));
    }
    // An item id may be the line's id or (as the τ² tools use) the variant's id.
    let mut lines = Vec::new();
    for id in &ids {
        let line = order
            .items
            .iter()
            .find(|l| (&l.id == id || &l.variant_id == id) && !lines.contains(&l.id))
            .ok_or_else(|| format!("order {} has no item {id}", order.name))?;
        lines.push(line.id.clone());
    }
    Ok(lines)
}

fn require(order: &Order, allowed: &[OrderStatus], action: &str) -> Result<(), String> {
    if allowed.contains(&order.status) {
        return Ok(());
    }
    Err(format!("order {} is {}, so it cannot be {action}", order.name, order.status.label()))
}

fn reason(e: &CommerceError) -> String {
    match e {
        CommerceError::NotFound => "not found".into(),
        CommerceError::Refused(r) => r.reason.clone(),
        CommerceError::Unavailable(_) | CommerceError::Store(_) => "the shop cannot be reached right now".into(),
    }
}

/// Whether an order matches an id or number as a person or model writes it
/// (`#W2378156`, `W2378156`, the provider's id).
pub(crate) fn same_order(order: &Order, wanted: &str) -> bool {
    let norm = |s: &str| s.trim().trim_start_matches('#').to_ascii_lowercase();
    let w = norm(wanted);
    !w.is_empty() && (norm(&order.id) == w || norm(&order.name) == w)
}

/// Whether a question asks where an order is or when it arrives.
pub(crate) fn asks_about_status(question: &str) -> bool {
    const WORDS: &[&str] = &[
        "where",
        "status",
        "shipped",
        "tracking",
        "track",
        "arrive",
        "arrived",
        "delivery",
        "delivered",
        "wo",
        "sendungsverfolgung",
        "geliefert",
        "versendet",
        "lieferung",
        "ankommen",
        "angekommen",
    ];
    const ABOUT: &[&str] = &["order", "package", "parcel", "bestellung", "paket", "sendung"];
    let words = autocrm_ai::text::tokens(question);
    words.iter().any(|w| WORDS.contains(&w.as_str())) && words.iter().any(|w| ABOUT.contains(&w.as_str()))
}

/// An order status in German.
pub(crate) fn status_label_de(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "in Bearbeitung (noch nicht versandt)",
        OrderStatus::PendingItemsModified => "in Bearbeitung (Artikel geändert)",
        OrderStatus::Processed => "versandbereit bzw. unterwegs",
        OrderStatus::Delivered => "zugestellt",
        OrderStatus::Cancelled => "storniert",
        OrderStatus::ReturnRequested => "Rücksendung angefragt",
        OrderStatus::ExchangeRequested => "Umtausch angefragt",
    }
}

fn order_json(o: &Order) -> Value {
    json!({
        "order_id": o.name,
        "status": o.status.as_str(),
        "placed_at": o.placed_at.to_rfc3339(),
        "items": o.items.iter().map(|i| json!({"item_id": i.id, "variant_id": i.variant_id, "product_id": i.product_id,
            "name": i.name, "options": i.options, "price": money(i.price_cents, &o.currency)})).collect::<Vec<_>>(),
        "total": money(o.total_cents(), &o.currency),
        "refunded": money(o.refunded_cents(), &o.currency),
        "shipping_address": address_line(&o.shipping_address),
        "shipments": o.fulfilments.iter().map(|f| json!({"carrier": f.carrier, "tracking_number": f.tracking_number,
            "tracking_url": f.tracking_url})).collect::<Vec<_>>(),
        "payment_method_id": o.original_payment_method(),
        "returns_and_exchanges": o.returns.iter().map(|r| json!({"kind": r.kind, "items": r.line_ids})).collect::<Vec<_>>(),
    })
}

fn item_names(order: &Order, lines: Option<&[String]>) -> String {
    order
        .items
        .iter()
        .filter(|i| lines.is_none_or(|l| l.contains(&i.id)))
        .map(|i| {
            let options: Vec<&str> = i.options.values().map(String::as_str).collect();
            if options.is_empty() { i.name.clone() } else { format!("{} ({})", i.name, options.join(", ")) }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn address_line(a: &Address) -> String {
    [
        Some(a.line1.as_str()),
        a.line2.as_deref(),
        Some(a.city.as_str()),
        Some(a.province.as_str()),
        Some(a.zip.as_str()),
        Some(a.country.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

fn money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let amount = format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100);
    if currency.is_empty() { amount } else { format!("{amount} {currency}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_questions_need_an_order_word() {
        assert!(asks_about_status("Where is my order?"));
        assert!(asks_about_status("Wo ist meine Bestellung?"));
        assert!(asks_about_status("has my package shipped yet"));
        assert!(!asks_about_status("Where are you based?"));
        assert!(!asks_about_status("Can I order a gift card?"));
    }

    #[test]
    fn money_shows_cents_and_currency() {
        assert_eq!(money(5400, "EUR"), "54.00 EUR");
        assert_eq!(money(-5, ""), "-0.05");
    }
}

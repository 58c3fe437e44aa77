//! Shopify's answers as the queries in [`super::graphql`] select them, and
//! their mapping to the domain's records: one [`LineItem`] per unit, payments
//! as `tx-…` methods, gift cards `gc-…`, store credit `sc-…`, and the order
//! status derived from cancellation, open returns, fulfilment and delivery.

use std::collections::{BTreeMap, HashMap, HashSet};

use autocrm_domain::commerce::{
    Address, Customer, Fulfilment, LineItem, Order, OrderStatus, PaymentKind, PaymentMethod, Product, Refusal,
    ReturnRequest, Transaction, TransactionKind, Variant,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{MAX_UNITS, cents, null_default, short, unit_id};
use crate::{CommerceError, CommerceResult};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Money {
    amount: String,
    currency_code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct MoneyBag {
    shop_money: Money,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct IdRef {
    pub(super) id: String,
}

#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(super) struct Nodes<T> {
    #[serde(default, deserialize_with = "null_default")]
    pub(super) nodes: Vec<T>,
}

impl<T> Default for Nodes<T> {
    fn default() -> Self {
        Self { nodes: Vec::new() }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct MailingAddress {
    first_name: Option<String>,
    last_name: Option<String>,
    address1: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    province_code: Option<String>,
    zip: Option<String>,
    country_code_v2: Option<String>,
}

impl MailingAddress {
    fn to_address(&self) -> Address {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Address {
            line1: s(&self.address1),
            line2: self.address2.clone().filter(|l| !l.trim().is_empty()),
            city: s(&self.city),
            province: s(&self.province_code),
            zip: s(&self.zip),
            country: s(&self.country_code_v2),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SelectedOption {
    name: String,
    value: String,
}

fn options_of(selected: &[SelectedOption]) -> BTreeMap<String, String> {
    selected
        .iter()
        // Single-variant products carry Shopify's placeholder option.
        .filter(|o| !(o.name == "Title" && o.value == "Default Title"))
        .map(|o| (o.name.to_lowercase(), o.value.clone()))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireVariantRef {
    id: String,
    #[serde(deserialize_with = "null_default")]
    selected_options: Vec<SelectedOption>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireLineItem {
    id: String,
    title: String,
    quantity: i64,
    current_quantity: i64,
    product: Option<IdRef>,
    variant: Option<WireVariantRef>,
    discounted_unit_price_set: MoneyBag,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct TrackingInfo {
    company: Option<String>,
    number: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireFulfillmentLine {
    id: String,
    quantity: i64,
    line_item: IdRef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireFulfillment {
    status: String,
    display_status: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "null_default")]
    tracking_info: Vec<TrackingInfo>,
    fulfillment_line_items: Nodes<WireFulfillmentLine>,
}

impl WireFulfillment {
    /// Cancelled or failed shipments do not count.
    fn active(&self) -> bool {
        !matches!(self.status.as_str(), "CANCELLED" | "ERROR" | "FAILURE")
    }

    fn delivered(&self) -> bool {
        self.delivered_at.is_some() || self.display_status.as_deref() == Some("DELIVERED")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PaymentDetails {
    company: Option<String>,
    number: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireTransaction {
    id: String,
    kind: String,
    status: String,
    gateway: String,
    formatted_gateway: Option<String>,
    processed_at: Option<DateTime<Utc>>,
    amount_set: MoneyBag,
    parent_transaction: Option<IdRef>,
    payment_details: Option<PaymentDetails>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireRefundLine {
    quantity: i64,
    line_item: IdRef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireRefund {
    refund_line_items: Nodes<WireRefundLine>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireFulfillmentLineRef {
    line_item: IdRef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireReturnLine {
    quantity: i64,
    fulfillment_line_item: Option<WireFulfillmentLineRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireExchangeLine {
    quantity: i64,
    variant_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireReturn {
    status: String,
    created_at: Option<DateTime<Utc>>,
    return_line_items: Nodes<WireReturnLine>,
    exchange_line_items: Nodes<WireExchangeLine>,
}

impl WireReturn {
    fn open(&self) -> bool {
        matches!(self.status.as_str(), "REQUESTED" | "OPEN")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct WireOrder {
    id: String,
    name: String,
    created_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
    cancel_reason: Option<String>,
    edited: bool,
    currency_code: String,
    display_fulfillment_status: String,
    customer: Option<IdRef>,
    shipping_address: Option<MailingAddress>,
    line_items: Nodes<WireLineItem>,
    #[serde(deserialize_with = "null_default")]
    fulfillments: Vec<WireFulfillment>,
    #[serde(deserialize_with = "null_default")]
    transactions: Vec<WireTransaction>,
    #[serde(deserialize_with = "null_default")]
    refunds: Vec<WireRefund>,
    returns: Nodes<WireReturn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct EmailRef {
    email_address: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PhoneRef {
    phone_number: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireBalanceHolder {
    id: String,
    balance: Money,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct WireCustomer {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(deserialize_with = "null_default")]
    tags: Vec<String>,
    default_email_address: Option<EmailRef>,
    default_phone_number: Option<PhoneRef>,
    default_address: Option<MailingAddress>,
    store_credit_accounts: Nodes<WireBalanceHolder>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct WireGiftCard {
    id: String,
    last_characters: Option<String>,
    balance: Money,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireVariant {
    id: String,
    price: String,
    available_for_sale: bool,
    #[serde(deserialize_with = "null_default")]
    selected_options: Vec<SelectedOption>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct WireProduct {
    pub(super) id: String,
    title: String,
    product_type: Option<String>,
    variants: Nodes<WireVariant>,
}

/// `orderEditBegin`'s calculated order: the edit session and its lines.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct WireCalculatedOrder {
    pub(super) id: String,
    pub(super) line_items: Nodes<WireCalculatedLine>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireCalculatedLine {
    pub(super) id: String,
    pub(super) quantity: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct UserError {
    field: Option<Vec<String>>,
    message: String,
}

/// An order and what the writes need to know about it beyond the domain record.
#[derive(Debug)]
pub(super) struct Fetched {
    pub(super) order: Order,
    /// The order's payments as payment methods (`tx-…`), for the policy check.
    pub(super) methods: Vec<PaymentMethod>,
    /// `tx-…` → the payment gateway (refunds name it).
    pub(super) gateways: HashMap<String, String>,
    /// Shipped quantities: (line item id, fulfillment line item gid, quantity).
    pub(super) shipped: Vec<(String, String, i64)>,
    /// The shipping address's first and last name (an address change keeps them).
    pub(super) recipient: (Option<String>, Option<String>),
}

fn payment_method_of(t: &WireTransaction, id: String) -> PaymentMethod {
    let gateway = t.gateway.to_ascii_lowercase();
    let kind = if gateway.contains("gift_card") {
        PaymentKind::GiftCard
    } else if gateway.contains("paypal") {
        PaymentKind::Paypal
    } else {
        PaymentKind::CreditCard
    };
    let card = t.payment_details.as_ref().and_then(|d| {
        let last4: String = d.number.as_deref()?.chars().filter(char::is_ascii_digit).collect();
        let last4 = last4.get(last4.len().saturating_sub(4)..)?.to_owned();
        Some(format!("{} ending {last4}", d.company.as_deref().unwrap_or("Card")))
    });
    let label = card.or_else(|| t.formatted_gateway.clone()).unwrap_or_else(|| t.gateway.clone());
    PaymentMethod { id, kind, label, balance_cents: None }
}

fn order_status(w: &WireOrder) -> OrderStatus {
    if w.cancelled_at.is_some() {
        return OrderStatus::Cancelled;
    }
    if let Some(open) = w.returns.nodes.iter().find(|r| r.open()) {
        return if open.exchange_line_items.nodes.is_empty() {
            OrderStatus::ReturnRequested
        } else {
            OrderStatus::ExchangeRequested
        };
    }
    let shipped: Vec<&WireFulfillment> = w.fulfillments.iter().filter(|f| f.active()).collect();
    let waiting = matches!(w.display_fulfillment_status.as_str(), "UNFULFILLED" | "OPEN" | "SCHEDULED" | "ON_HOLD");
    if shipped.is_empty() && waiting {
        // Shopify marks an order `edited` once an order edit was committed.
        return if w.edited { OrderStatus::PendingItemsModified } else { OrderStatus::Pending };
    }
    if w.display_fulfillment_status == "FULFILLED" && !shipped.is_empty() && shipped.iter().all(|f| f.delivered()) {
        return OrderStatus::Delivered;
    }
    OrderStatus::Processed
}

pub(super) fn map_order(w: WireOrder) -> Fetched {
    let status = order_status(&w);
    let mut refunded: HashMap<String, i64> = HashMap::new();
    for r in &w.refunds {
        for l in &r.refund_line_items.nodes {
            *refunded.entry(short(&l.line_item.id)).or_default() += l.quantity;
        }
    }
    // Units per Shopify line item: what is on the order now plus what was refunded.
    let mut units_of: HashMap<String, i64> = HashMap::new();
    let mut items = Vec::new();
    for li in &w.line_items.nodes {
        let line = short(&li.id);
        let refunded_units = refunded.get(&line).copied().unwrap_or(0);
        let units = (li.current_quantity + refunded_units).clamp(0, li.quantity.max(0)).min(MAX_UNITS);
        let price = cents(&li.discounted_unit_price_set.shop_money.amount).unwrap_or(0);
        let options = li.variant.as_ref().map(|v| options_of(&v.selected_options)).unwrap_or_default();
        for k in 1..=units {
            items.push(LineItem {
                id: unit_id(&line, k, units),
                product_id: li.product.as_ref().map(|p| short(&p.id)).unwrap_or_default(),
                variant_id: li.variant.as_ref().map(|v| short(&v.id)).unwrap_or_default(),
                name: li.title.clone(),
                options: options.clone(),
                price_cents: price,
                refunded_cents: if k <= refunded_units { price } else { 0 },
            });
        }
        units_of.insert(line, units);
    }
    // The first `n` units of a line not yet handed out, so split shipments name different units.
    let mut taken: HashMap<String, i64> = HashMap::new();
    let mut take = |line: &str, n: i64| -> Vec<String> {
        let units = units_of.get(line).copied().unwrap_or(0);
        let from = taken.get(line).copied().unwrap_or(0);
        let to = (from + n).min(units);
        taken.insert(line.to_owned(), to);
        (from + 1..=to).map(|k| unit_id(line, k, units)).collect()
    };

    let mut fulfilments = Vec::new();
    let mut shipped = Vec::new();
    for f in w.fulfillments.iter().filter(|f| f.active()) {
        let mut line_ids = Vec::new();
        for fl in &f.fulfillment_line_items.nodes {
            let line = short(&fl.line_item.id);
            line_ids.extend(take(&line, fl.quantity));
            shipped.push((line, fl.id.clone(), fl.quantity));
        }
        let tracking = if f.tracking_info.is_empty() { vec![TrackingInfo::default()] } else { f.tracking_info.clone() };
        for t in tracking {
            fulfilments.push(Fulfilment {
                carrier: t.company.unwrap_or_default(),
                tracking_number: t.number.unwrap_or_default(),
                tracking_url: t.url,
                line_ids: line_ids.clone(),
            });
        }
    }

    let mut returns = Vec::new();
    let mut returned: HashMap<String, i64> = HashMap::new();
    for r in w.returns.nodes.iter().filter(|r| r.open()) {
        let mut line_ids = Vec::new();
        for rl in &r.return_line_items.nodes {
            let Some(fl) = &rl.fulfillment_line_item else { continue };
            let line = short(&fl.line_item.id);
            let units = units_of.get(&line).copied().unwrap_or(0);
            let from = returned.get(&line).copied().unwrap_or(0);
            let to = (from + rl.quantity).min(units);
            returned.insert(line.clone(), to);
            line_ids.extend((from + 1..=to).map(|k| unit_id(&line, k, units)));
        }
        let variants: Vec<String> = r
            .exchange_line_items
            .nodes
            .iter()
            .flat_map(|x| {
                std::iter::repeat_n(x.variant_id.as_deref().map(short).unwrap_or_default(), x.quantity.max(0) as usize)
            })
            .collect();
        let amount = items.iter().filter(|i| line_ids.contains(&i.id)).map(|i| i.price_cents).sum();
        returns.push(ReturnRequest {
            kind: if variants.is_empty() { "return".into() } else { "exchange".into() },
            new_variants: line_ids.iter().cloned().zip(variants).collect(),
            line_ids,
            // Shopify decides the refund when the return is processed.
            payment_method_id: String::new(),
            amount_cents: if r.exchange_line_items.nodes.is_empty() { amount } else { 0 },
            at: r.created_at.unwrap_or(w.created_at),
        });
    }

    // Payments and refunds, oldest first so the first payment is the "original" method.
    let mut txs: Vec<&WireTransaction> = w.transactions.iter().filter(|t| t.status == "SUCCESS").collect();
    txs.sort_by_key(|t| t.processed_at);
    let captured: HashSet<&str> = txs
        .iter()
        .filter(|t| t.kind == "CAPTURE")
        .filter_map(|t| t.parent_transaction.as_ref().map(|p| p.id.as_str()))
        .collect();
    let mut transactions = Vec::new();
    let mut methods: Vec<PaymentMethod> = Vec::new();
    let mut gateways = HashMap::new();
    for t in txs {
        let amount = cents(&t.amount_set.shop_money.amount).unwrap_or(0);
        let (kind, method) = match t.kind.as_str() {
            "SALE" | "CAPTURE" => (TransactionKind::Payment, format!("tx-{}", short(&t.id))),
            // An authorisation that was never captured still holds the customer's money.
            "AUTHORIZATION" if !captured.contains(t.id.as_str()) => {
                (TransactionKind::Payment, format!("tx-{}", short(&t.id)))
            }
            "REFUND" => {
                let parent = t.parent_transaction.as_ref().map_or(&t.id, |p| &p.id);
                (TransactionKind::Refund, format!("tx-{}", short(parent)))
            }
            _ => continue,
        };
        if kind == TransactionKind::Payment && !methods.iter().any(|m| m.id == method) {
            methods.push(payment_method_of(t, method.clone()));
            gateways.insert(method.clone(), t.gateway.clone());
        }
        transactions.push(Transaction {
            kind,
            amount_cents: amount,
            payment_method_id: method,
            at: t.processed_at,
            note: None,
        });
    }

    let recipient =
        w.shipping_address.as_ref().map(|a| (a.first_name.clone(), a.last_name.clone())).unwrap_or_default();
    let order = Order {
        id: short(&w.id),
        name: w.name,
        customer_id: w.customer.as_ref().map(|c| short(&c.id)).unwrap_or_default(),
        status,
        placed_at: w.created_at,
        currency: w.currency_code,
        items,
        shipping_address: w.shipping_address.as_ref().map_or_else(empty_address, MailingAddress::to_address),
        fulfilments,
        transactions,
        cancel_reason: w.cancelled_at.and(w.cancel_reason).map(|r| r.to_lowercase()),
        returns,
    };
    Fetched { order, methods, gateways, shipped, recipient }
}

pub(super) fn empty_address() -> Address {
    Address {
        line1: String::new(),
        line2: None,
        city: String::new(),
        province: String::new(),
        zip: String::new(),
        country: String::new(),
    }
}

pub(super) fn map_customer(c: WireCustomer, cards: Vec<WireGiftCard>) -> Customer {
    let mut payment_methods: Vec<PaymentMethod> = cards
        .into_iter()
        .map(|g| PaymentMethod {
            id: format!("gc-{}", short(&g.id)),
            kind: PaymentKind::GiftCard,
            label: match g.last_characters {
                Some(last) if !last.is_empty() => format!("Gift card ending {last}"),
                _ => "Gift card".to_owned(),
            },
            balance_cents: Some(cents(&g.balance.amount).unwrap_or(0)),
        })
        .collect();
    payment_methods.extend(c.store_credit_accounts.nodes.into_iter().map(|a| PaymentMethod {
        id: format!("sc-{}", short(&a.id)),
        kind: PaymentKind::GiftCard,
        label: format!("Store credit ({})", a.balance.currency_code),
        balance_cents: Some(cents(&a.balance.amount).unwrap_or(0)),
    }));
    Customer {
        id: short(&c.id),
        email: c.default_email_address.and_then(|e| e.email_address).unwrap_or_default().to_lowercase(),
        first_name: c.first_name.unwrap_or_default(),
        last_name: c.last_name.unwrap_or_default(),
        phone: c.default_phone_number.and_then(|p| p.phone_number),
        address: c.default_address.as_ref().map_or_else(empty_address, MailingAddress::to_address),
        payment_methods,
        tags: c.tags,
    }
}

pub(super) fn map_product(p: WireProduct) -> Product {
    Product {
        id: short(&p.id),
        name: p.title,
        category: p.product_type.unwrap_or_default(),
        variants: p
            .variants
            .nodes
            .into_iter()
            .map(|v| Variant {
                id: short(&v.id),
                options: options_of(&v.selected_options),
                price_cents: cents(&v.price).unwrap_or(0),
                available: v.available_for_sale,
            })
            .collect(),
    }
}

/// Shopify's refusal of a mutation, for the agent. Errors that name an input
/// field are about the request; the others about the order's state.
pub(super) fn refused(op: &str, errors: &[UserError]) -> CommerceResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let reason = format!(
        "Shopify refused the change: {}",
        errors.iter().map(|e| e.message.trim()).filter(|m| !m.is_empty()).collect::<Vec<_>>().join("; ")
    );
    tracing::info!(op, %reason, "shopify userErrors");
    let about_input = errors.iter().any(|e| e.field.as_ref().is_some_and(|f| !f.is_empty()));
    Err(CommerceError::Refused(if about_input { Refusal::invalid(reason) } else { Refusal::policy(reason) }))
}

/// Reads `data.<field>.<errors>` of a mutation answer.
pub(super) fn user_errors(data: &Value, field: &str, errors: &str) -> Vec<UserError> {
    data.get(field).and_then(|p| p.get(errors)).and_then(|e| serde_json::from_value(e.clone()).ok()).unwrap_or_default()
}

//! The shop's customers, orders and subscriptions, and the support policy
//! that decides which changes an agent (or the AI) may make to them.
//!
//! These are the types every commerce provider speaks (the built-in mock,
//! Shopify + Appstle). The rules below are the shop's written policy
//! (`tau2-retail/policy.md`): only pending orders are cancelled or modified,
//! only delivered orders are returned or exchanged, refunds go to the
//! original payment method or an existing gift card, a variant may only be
//! swapped for another available variant of the same product. The mock
//! provider applies them to its stored state; every refusal carries a reason
//! an agent can read out to the customer.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Address {
    /// Street and number.
    pub line1: String,
    /// Suite, apartment …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// State or province code.
    pub province: String,
    /// Postal code.
    pub zip: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

impl Address {
    /// Checks that every required part is present and plausible.
    pub fn validate(&self) -> Result<(), Refusal> {
        let field = |name: &str, v: &str, max: usize| -> Result<(), Refusal> {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > max {
                return Err(Refusal::invalid(format!("the address needs a {name} (at most {max} characters)")));
            }
            Ok(())
        };
        field("street", &self.line1, 200)?;
        field("city", &self.city, 100)?;
        field("state or province", &self.province, 100)?;
        field("postal code", &self.zip, 20)?;
        if self.country.len() != 2 || !self.country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Refusal::invalid("the country must be a two-letter code such as US"));
        }
        if self.line2.as_deref().is_some_and(|l| l.chars().count() > 200) {
            return Err(Refusal::invalid("the second address line is too long"));
        }
        Ok(())
    }
}

/// How a customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A credit or debit card.
    CreditCard,
    /// A `PayPal` account.
    Paypal,
    /// A shop gift card with a balance.
    GiftCard,
}

/// A customer's saved payment method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentMethod {
    /// The provider's id.
    pub id: String,
    /// The kind.
    pub kind: PaymentKind,
    /// What a person reads ("Visa ending 4242", "`PayPal`", "Gift card").
    pub label: String,
    /// Gift cards: the balance in cents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_cents: Option<i64>,
}

/// A shop customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    /// The provider's id.
    pub id: String,
    /// E-mail address (lower case).
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Phone in E.164, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Default address.
    pub address: Address,
    /// Saved payment methods.
    pub payment_methods: Vec<PaymentMethod>,
    /// Shop-side tags (`vip` …).
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Customer {
    /// The saved payment method with this id.
    pub fn payment_method(&self, id: &str) -> Option<&PaymentMethod> {
        self.payment_methods.iter().find(|m| m.id == id)
    }

    fn payment_method_mut(&mut self, id: &str) -> Option<&mut PaymentMethod> {
        self.payment_methods.iter_mut().find(|m| m.id == id)
    }
}

/// A product variant in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Variant {
    /// The provider's id.
    pub id: String,
    /// Option values (`color` → `blue` …).
    pub options: BTreeMap<String, String>,
    /// Price in cents.
    pub price_cents: i64,
    /// Whether it can be ordered now.
    pub available: bool,
}

/// A product with its variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    /// The provider's id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Shop category.
    #[serde(default)]
    pub category: String,
    /// Variants.
    pub variants: Vec<Variant>,
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed, not yet processed: can be cancelled or modified.
    Pending,
    /// Pending with items already modified once: no further change or cancellation.
    PendingItemsModified,
    /// Being packed or shipped.
    Processed,
    /// Delivered: items can be returned or exchanged.
    Delivered,
    /// Cancelled and refunded.
    Cancelled,
    /// A return was requested; the refund follows when the items arrive.
    ReturnRequested,
    /// An exchange was requested.
    ExchangeRequested,
}

impl OrderStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::PendingItemsModified => "pending_items_modified",
            Self::Processed => "processed",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
            Self::ReturnRequested => "return_requested",
            Self::ExchangeRequested => "exchange_requested",
        }
    }

    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::PendingItemsModified => "pending (items modified)",
            Self::Processed => "processed",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
            Self::ReturnRequested => "return requested",
            Self::ExchangeRequested => "exchange requested",
        }
    }
}

/// One item of an order (one unit; a quantity of two is two lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineItem {
    /// The line's id within the order.
    pub id: String,
    /// Product id.
    pub product_id: String,
    /// Variant id.
    pub variant_id: String,
    /// Product name.
    pub name: String,
    /// The variant's option values.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Price paid in cents.
    pub price_cents: i64,
    /// Cents refunded for this line (0 when none).
    #[serde(default)]
    pub refunded_cents: i64,
}

/// A shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Fulfilment {
    /// Carrier name.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Public tracking page, when the carrier has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// The lines in this shipment.
    #[serde(default)]
    pub line_ids: Vec<String>,
}

/// Payment or refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    /// Money taken from the customer.
    Payment,
    /// Money given back.
    Refund,
}

/// A money movement on an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Transaction {
    /// Payment or refund.
    pub kind: TransactionKind,
    /// Cents (positive).
    pub amount_cents: i64,
    /// The payment method used.
    pub payment_method_id: String,
    /// When (absent for imported history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// Why (refund reason, price difference …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A requested return or exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReturnRequest {
    /// `return` or `exchange`.
    pub kind: String,
    /// The lines sent back.
    pub line_ids: Vec<String>,
    /// Exchanges: line id → the new variant id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub new_variants: BTreeMap<String, String>,
    /// Where the refund (or price difference) goes.
    pub payment_method_id: String,
    /// Returns: the refund due; exchanges: the price difference (positive = customer pays).
    pub amount_cents: i64,
    /// When it was requested.
    pub at: DateTime<Utc>,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    /// The provider's id (used in URLs).
    pub id: String,
    /// What the customer sees (`#W4316152`).
    pub name: String,
    /// The customer's id.
    pub customer_id: String,
    /// Status.
    pub status: OrderStatus,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// ISO 4217 currency.
    pub currency: String,
    /// Items.
    pub items: Vec<LineItem>,
    /// Shipping address.
    pub shipping_address: Address,
    /// Shipments.
    #[serde(default)]
    pub fulfilments: Vec<Fulfilment>,
    /// Payments and refunds.
    #[serde(default)]
    pub transactions: Vec<Transaction>,
    /// Why it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// Returns and exchanges requested.
    #[serde(default)]
    pub returns: Vec<ReturnRequest>,
}

impl Order {
    /// Sum of the line prices.
    pub fn total_cents(&self) -> i64 {
        self.items.iter().map(|i| i.price_cents).sum()
    }

    /// Sum of the refunds.
    pub fn refunded_cents(&self) -> i64 {
        self.transactions.iter().filter(|t| t.kind == TransactionKind::Refund).map(|t| t.amount_cents).sum()
    }

    /// The payment method of the first payment (the "original" method).
    pub fn original_payment_method(&self) -> Option<&str> {
        self.transactions.iter().find(|t| t.kind == TransactionKind::Payment).map(|t| t.payment_method_id.as_str())
    }

    fn line(&self, id: &str) -> Result<&LineItem, Refusal> {
        self.items
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| Refusal::invalid(format!("order {} has no item {id}", self.name)))
    }
}

/// A subscription's billing interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    /// Weeks.
    Week,
    /// Months.
    Month,
}

/// Where a subscription is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Charging and shipping on schedule.
    Active,
    /// Not charging until resumed.
    Paused,
    /// Ended.
    Cancelled,
}

impl SubscriptionStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A recurring order of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subscription {
    /// The provider's id.
    pub id: String,
    /// The customer's id.
    pub customer_id: String,
    /// Product id.
    pub product_id: String,
    /// Variant id.
    pub variant_id: String,
    /// What is delivered ("Water Bottle (1000ml, glass, blue)").
    pub name: String,
    /// Units per delivery.
    pub quantity: i64,
    /// Price per delivery in cents.
    pub price_cents: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Every `interval_count` `interval_unit`s.
    pub interval_unit: IntervalUnit,
    /// How many units between deliveries (1–12).
    pub interval_count: u32,
    /// Status.
    pub status: SubscriptionStatus,
    /// First delivery.
    pub started_on: NaiveDate,
    /// Next charge (none when paused or cancelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_charge_date: Option<NaiveDate>,
    /// Charges skipped.
    #[serde(default)]
    pub skipped_dates: Vec<NaiveDate>,
    /// When it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_on: Option<NaiveDate>,
    /// Why it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
}

/// Why a change was refused: a reason for the agent, and a machine code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refusal {
    /// `policy` (the shop's policy forbids it) or `invalid` (the request is malformed).
    pub code: &'static str,
    /// What to tell the agent or customer.
    pub reason: String,
}

impl Refusal {
    /// The shop's policy does not allow it.
    pub fn policy(reason: impl Into<String>) -> Self {
        Self { code: "policy", reason: reason.into() }
    }

    /// The request itself is wrong (unknown item, missing field …).
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self { code: "invalid", reason: reason.into() }
    }
}

/// Why a pending order is cancelled (the only two the policy accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// The customer no longer needs it.
    NoLongerNeeded,
    /// Ordered by mistake.
    OrderedByMistake,
}

impl CancelReason {
    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::NoLongerNeeded => "no longer needed",
            Self::OrderedByMistake => "ordered by mistake",
        }
    }
}

/// One line to swap for another variant of the same product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ItemSwap {
    /// The order line.
    pub line_id: String,
    /// The new variant (same product, different options, available).
    pub variant_id: String,
}

/// What an action did, for the audit trail and the agent's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    /// One sentence.
    pub summary: String,
    /// Money moved: positive = refunded to the customer, negative = charged.
    pub amount_cents: i64,
}

fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}${}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn require(order: &Order, allowed: &[OrderStatus], action: &str) -> Result<(), Refusal> {
    if allowed.contains(&order.status) {
        return Ok(());
    }
    let need = allowed.iter().map(|s| s.label()).collect::<Vec<_>>().join(" or ");
    Err(Refusal::policy(format!(
        "order {} is {}: only {need} orders can be {action}",
        order.name,
        order.status.label()
    )))
}

/// Moves money to or from a payment method; gift cards change balance at once.
fn settle(customer: &mut Customer, method_id: &str, refund_cents: i64) -> Result<(), Refusal> {
    let method = customer
        .payment_method_mut(method_id)
        .ok_or_else(|| Refusal::invalid("no such payment method for this customer"))?;
    if method.kind == PaymentKind::GiftCard {
        let balance = method.balance_cents.unwrap_or(0);
        if balance + refund_cents < 0 {
            return Err(Refusal::policy(format!(
                "the gift card balance ({}) does not cover {}",
                money(balance),
                money(-refund_cents)
            )));
        }
        method.balance_cents = Some(balance + refund_cents);
    }
    Ok(())
}

fn refund_destination<'a>(
    order: &Order,
    customer: &'a Customer,
    method_id: &str,
) -> Result<&'a PaymentMethod, Refusal> {
    let method = customer
        .payment_method(method_id)
        .ok_or_else(|| Refusal::invalid("no such payment method for this customer"))?;
    if order.original_payment_method() == Some(method_id) || method.kind == PaymentKind::GiftCard {
        Ok(method)
    } else {
        Err(Refusal::policy("refunds go to the original payment method or an existing gift card"))
    }
}

fn timing(method: &PaymentMethod) -> &'static str {
    if method.kind == PaymentKind::GiftCard { "immediately" } else { "within 5 to 7 business days" }
}

/// Cancels a pending order and refunds it in full to the original payment method.
pub fn cancel_order(
    order: &mut Order,
    customer: &mut Customer,
    reason: CancelReason,
    now: DateTime<Utc>,
) -> Result<Outcome, Refusal> {
    require(order, &[OrderStatus::Pending], "cancelled")?;
    let method_id = order
        .original_payment_method()
        .ok_or_else(|| Refusal::policy("the order has no payment to refund"))?
        .to_owned();
    let amount = order.total_cents() - order.refunded_cents();
    settle(customer, &method_id, amount)?;
    order.transactions.push(Transaction {
        kind: TransactionKind::Refund,
        amount_cents: amount,
        payment_method_id: method_id.clone(),
        at: Some(now),
        note: Some(format!("cancelled: {}", reason.label())),
    });
    order.status = OrderStatus::Cancelled;
    order.cancel_reason = Some(reason.label().to_owned());
    let label = customer.payment_method(&method_id).map_or("within 5 to 7 business days", timing);
    Ok(Outcome {
        summary: format!("Cancelled order {} ({}); {} refunded {label}", order.name, reason.label(), money(amount)),
        amount_cents: amount,
    })
}

/// Changes a pending order's shipping address.
pub fn change_address(order: &mut Order, address: Address) -> Result<Outcome, Refusal> {
    require(order, &[OrderStatus::Pending], "modified")?;
    address.validate()?;
    let summary =
        format!("Changed the shipping address of order {} to {}, {}", order.name, address.line1, address.city);
    order.shipping_address = address;
    Ok(Outcome { summary, amount_cents: 0 })
}

/// Pays a pending order with another of the customer's methods; the old one is refunded.
pub fn change_payment(
    order: &mut Order,
    customer: &mut Customer,
    method_id: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, Refusal> {
    require(order, &[OrderStatus::Pending], "modified")?;
    let old = order.original_payment_method().ok_or_else(|| Refusal::policy("the order has no payment"))?.to_owned();
    if old == method_id {
        return Err(Refusal::invalid("that is already the order's payment method"));
    }
    let total = order.total_cents() - order.refunded_cents();
    settle(customer, method_id, -total)?;
    settle(customer, &old, total)?;
    order.transactions.insert(
        0,
        Transaction {
            kind: TransactionKind::Payment,
            amount_cents: total,
            payment_method_id: method_id.to_owned(),
            at: Some(now),
            note: Some("payment method changed".into()),
        },
    );
    order.transactions.push(Transaction {
        kind: TransactionKind::Refund,
        amount_cents: total,
        payment_method_id: old,
        at: Some(now),
        note: Some("payment method changed".into()),
    });
    let label = customer.payment_method(method_id).map_or("", |m| m.label.as_str());
    Ok(Outcome { summary: format!("Order {} is now paid with {label}", order.name), amount_cents: 0 })
}

/// Checks swaps against the catalogue and returns the price difference (new − old).
fn check_swaps(order: &Order, swaps: &[ItemSwap], catalogue: &[Product]) -> Result<i64, Refusal> {
    if swaps.is_empty() {
        return Err(Refusal::invalid("name at least one item to change"));
    }
    let mut seen = BTreeSet::new();
    let mut diff = 0;
    for s in swaps {
        if !seen.insert(s.line_id.as_str()) {
            return Err(Refusal::invalid(format!("item {} is listed twice", s.line_id)));
        }
        let line = order.line(&s.line_id)?;
        let product = catalogue
            .iter()
            .find(|p| p.id == line.product_id)
            .ok_or_else(|| Refusal::invalid(format!("{} is no longer in the catalogue", line.name)))?;
        let Some(variant) = product.variants.iter().find(|v| v.id == s.variant_id) else {
            return Err(Refusal::policy(format!(
                "{} can only be changed to another option of the same product",
                line.name
            )));
        };
        if variant.id == line.variant_id {
            return Err(Refusal::invalid(format!("{} already has these options", line.name)));
        }
        if !variant.available {
            return Err(Refusal::policy(format!("that option of {} is not available", line.name)));
        }
        diff += variant.price_cents - line.price_cents;
    }
    Ok(diff)
}

fn apply_swaps(order: &mut Order, swaps: &[ItemSwap], catalogue: &[Product]) {
    for s in swaps {
        let Some(line) = order.items.iter_mut().find(|l| l.id == s.line_id) else { continue };
        let variant = catalogue.iter().flat_map(|p| &p.variants).find(|v| v.id == s.variant_id);
        if let Some(v) = variant {
            line.variant_id.clone_from(&v.id);
            line.options.clone_from(&v.options);
            line.price_cents = v.price_cents;
        }
    }
}

/// Swaps items of a pending order for other options of the same products (once per order).
pub fn change_items(
    order: &mut Order,
    customer: &mut Customer,
    swaps: &[ItemSwap],
    method_id: &str,
    catalogue: &[Product],
    now: DateTime<Utc>,
) -> Result<Outcome, Refusal> {
    if order.status == OrderStatus::PendingItemsModified {
        return Err(Refusal::policy(format!("the items of order {} were already modified once", order.name)));
    }
    require(order, &[OrderStatus::Pending], "modified")?;
    let diff = check_swaps(order, swaps, catalogue)?;
    if customer.payment_method(method_id).is_none() {
        return Err(Refusal::invalid("no such payment method for this customer"));
    }
    settle(customer, method_id, -diff)?;
    apply_swaps(order, swaps, catalogue);
    if diff != 0 {
        order.transactions.push(Transaction {
            kind: if diff > 0 { TransactionKind::Payment } else { TransactionKind::Refund },
            amount_cents: diff.abs(),
            payment_method_id: method_id.to_owned(),
            at: Some(now),
            note: Some("price difference of modified items".into()),
        });
    }
    order.status = OrderStatus::PendingItemsModified;
    Ok(Outcome {
        summary: format!("Modified {} item(s) of order {}; price difference {}", swaps.len(), order.name, money(diff)),
        amount_cents: -diff,
    })
}

fn check_lines<'a>(order: &'a Order, line_ids: &[String]) -> Result<Vec<&'a LineItem>, Refusal> {
    if line_ids.is_empty() {
        return Err(Refusal::invalid("name at least one item"));
    }
    let mut seen = BTreeSet::new();
    let mut lines = Vec::new();
    for id in line_ids {
        if !seen.insert(id.as_str()) {
            return Err(Refusal::invalid(format!("item {id} is listed twice")));
        }
        let line = order.line(id)?;
        if line.refunded_cents > 0 {
            return Err(Refusal::policy(format!("{} (item {id}) was already refunded", line.name)));
        }
        if order.returns.iter().any(|r| r.line_ids.contains(id)) {
            return Err(Refusal::policy(format!("{} (item {id}) is already being returned or exchanged", line.name)));
        }
        lines.push(line);
    }
    Ok(lines)
}

/// Requests the return of delivered items; the refund follows on receipt.
pub fn return_items(
    order: &mut Order,
    customer: &Customer,
    line_ids: &[String],
    refund_to: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, Refusal> {
    require(order, &[OrderStatus::Delivered], "returned")?;
    let amount: i64 = check_lines(order, line_ids)?.iter().map(|l| l.price_cents).sum();
    let method = refund_destination(order, customer, refund_to)?;
    order.returns.push(ReturnRequest {
        kind: "return".into(),
        line_ids: line_ids.to_vec(),
        new_variants: BTreeMap::new(),
        payment_method_id: refund_to.to_owned(),
        amount_cents: amount,
        at: now,
    });
    order.status = OrderStatus::ReturnRequested;
    Ok(Outcome {
        summary: format!(
            "Return of {} item(s) from order {} requested; {} goes to {} once they arrive",
            line_ids.len(),
            order.name,
            money(amount),
            method.label
        ),
        amount_cents: 0,
    })
}

/// Requests the exchange of delivered items for other options of the same products.
pub fn exchange_items(
    order: &mut Order,
    customer: &mut Customer,
    swaps: &[ItemSwap],
    method_id: &str,
    catalogue: &[Product],
    now: DateTime<Utc>,
) -> Result<Outcome, Refusal> {
    require(order, &[OrderStatus::Delivered], "exchanged")?;
    let ids: Vec<String> = swaps.iter().map(|s| s.line_id.clone()).collect();
    check_lines(order, &ids)?;
    let diff = check_swaps(order, swaps, catalogue)?;
    if customer.payment_method(method_id).is_none() {
        return Err(Refusal::invalid("no such payment method for this customer"));
    }
    // The customer must be able to pay the difference now (a gift card must cover it).
    settle(customer, method_id, -diff.max(0))?;
    order.returns.push(ReturnRequest {
        kind: "exchange".into(),
        line_ids: ids,
        new_variants: swaps.iter().map(|s| (s.line_id.clone(), s.variant_id.clone())).collect(),
        payment_method_id: method_id.to_owned(),
        amount_cents: diff,
        at: now,
    });
    order.status = OrderStatus::ExchangeRequested;
    Ok(Outcome {
        summary: format!(
            "Exchange of {} item(s) from order {} requested; price difference {}",
            swaps.len(),
            order.name,
            money(diff)
        ),
        amount_cents: -diff,
    })
}

/// Refunds items to the original payment method or an existing gift card.
///
/// Pending orders are cancelled rather than refunded; cancelled orders were
/// refunded in full already; each item is refunded at most once.
pub fn refund_items(
    order: &mut Order,
    customer: &mut Customer,
    line_ids: &[String],
    refund_to: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, Refusal> {
    match order.status {
        OrderStatus::Pending | OrderStatus::PendingItemsModified => {
            return Err(Refusal::policy(format!(
                "order {} has not shipped: cancel or modify it instead of refunding",
                order.name
            )));
        }
        OrderStatus::Cancelled => {
            return Err(Refusal::policy(format!("order {} was cancelled and already refunded in full", order.name)));
        }
        _ => {}
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Refusal::invalid("give a reason for the refund (at most 500 characters)"));
    }
    if line_ids.is_empty() {
        return Err(Refusal::invalid("name at least one item"));
    }
    let mut seen = BTreeSet::new();
    let mut amount = 0;
    for id in line_ids {
        if !seen.insert(id.as_str()) {
            return Err(Refusal::invalid(format!("item {id} is listed twice")));
        }
        let line = order.line(id)?;
        if line.refunded_cents > 0 {
            return Err(Refusal::policy(format!("{} (item {id}) was already refunded", line.name)));
        }
        amount += line.price_cents;
    }
    let method = refund_destination(order, customer, refund_to)?.clone();
    settle(customer, refund_to, amount)?;
    for line in order.items.iter_mut().filter(|l| line_ids.contains(&l.id)) {
        line.refunded_cents = line.price_cents;
    }
    order.transactions.push(Transaction {
        kind: TransactionKind::Refund,
        amount_cents: amount,
        payment_method_id: refund_to.to_owned(),
        at: Some(now),
        note: Some(reason.to_owned()),
    });
    Ok(Outcome {
        summary: format!(
            "Refunded {} for {} item(s) of order {} to {} ({})",
            money(amount),
            line_ids.len(),
            order.name,
            method.label,
            timing(&method)
        ),
        amount_cents: amount,
    })
}

fn add_interval(date: NaiveDate, unit: IntervalUnit, count: u32) -> NaiveDate {
    match unit {
        IntervalUnit::Week => date + chrono::Duration::weeks(i64::from(count)),
        IntervalUnit::Month => date.checked_add_months(Months::new(count)).unwrap_or(date),
    }
}

fn require_sub(sub: &Subscription, allowed: &[SubscriptionStatus], action: &str) -> Result<(), Refusal> {
    if allowed.contains(&sub.status) {
        return Ok(());
    }
    Err(Refusal::policy(format!("subscription {} is {}: it cannot be {action}", sub.id, sub.status.as_str())))
}

/// Pauses an active subscription (no charges until resumed).
pub fn pause_subscription(sub: &mut Subscription) -> Result<Outcome, Refusal> {
    require_sub(sub, &[SubscriptionStatus::Active], "paused")?;
    sub.status = SubscriptionStatus::Paused;
    sub.next_charge_date = None;
    Ok(Outcome { summary: format!("Paused subscription {} ({})", sub.id, sub.name), amount_cents: 0 })
}

/// Resumes a paused subscription; the next charge is one interval from today.
pub fn resume_subscription(sub: &mut Subscription, today: NaiveDate) -> Result<Outcome, Refusal> {
    require_sub(sub, &[SubscriptionStatus::Paused], "resumed")?;
    sub.status = SubscriptionStatus::Active;
    let next = add_interval(today, sub.interval_unit, sub.interval_count);
    sub.next_charge_date = Some(next);
    Ok(Outcome { summary: format!("Resumed subscription {}; next charge on {next}", sub.id), amount_cents: 0 })
}

/// Skips the next charge: it moves one interval later.
pub fn skip_next(sub: &mut Subscription) -> Result<Outcome, Refusal> {
    require_sub(sub, &[SubscriptionStatus::Active], "skipped")?;
    let Some(next) = sub.next_charge_date else {
        return Err(Refusal::policy("the subscription has no upcoming charge to skip"));
    };
    let later = add_interval(next, sub.interval_unit, sub.interval_count);
    sub.skipped_dates.push(next);
    sub.next_charge_date = Some(later);
    Ok(Outcome {
        summary: format!("Skipped the {next} delivery of {}; next charge on {later}", sub.id),
        amount_cents: 0,
    })
}

/// Cancels a subscription for good.
pub fn cancel_subscription(sub: &mut Subscription, reason: &str, today: NaiveDate) -> Result<Outcome, Refusal> {
    require_sub(sub, &[SubscriptionStatus::Active, SubscriptionStatus::Paused], "cancelled")?;
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(Refusal::invalid("the reason is too long (at most 500 characters)"));
    }
    sub.status = SubscriptionStatus::Cancelled;
    sub.next_charge_date = None;
    sub.cancelled_on = Some(today);
    sub.cancel_reason = (!reason.is_empty()).then(|| reason.to_owned());
    Ok(Outcome { summary: format!("Cancelled subscription {} ({})", sub.id, sub.name), amount_cents: 0 })
}

/// Changes how often an active or paused subscription delivers (every 1–12 weeks or months).
pub fn change_frequency(sub: &mut Subscription, unit: IntervalUnit, count: u32) -> Result<Outcome, Refusal> {
    require_sub(sub, &[SubscriptionStatus::Active, SubscriptionStatus::Paused], "changed")?;
    if !(1..=12).contains(&count) {
        return Err(Refusal::invalid("the interval must be between 1 and 12"));
    }
    if sub.interval_unit == unit && sub.interval_count == count {
        return Err(Refusal::invalid("the subscription already has this frequency"));
    }
    sub.interval_unit = unit;
    sub.interval_count = count;
    let every = match unit {
        IntervalUnit::Week => "week",
        IntervalUnit::Month => "month",
    };
    let plural = if count == 1 { String::new() } else { format!("{count} ") };
    let s = if count == 1 { "" } else { "s" };
    Ok(Outcome { summary: format!("Subscription {} now delivers every {plural}{every}{s}", sub.id), amount_cents: 0 })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn addr() -> Address {
        Address {
            line1: "1 Main St".into(),
            line2: None,
            city: "Denver".into(),
            province: "CO".into(),
            zip: "80202".into(),
            country: "US".into(),
        }
    }

    fn customer() -> Customer {
        Customer {
            id: "c1".into(),
            email: "c@example.com".into(),
            first_name: "Cat".into(),
            last_name: "Lee".into(),
            phone: None,
            address: addr(),
            payment_methods: vec![
                PaymentMethod {
                    id: "pp".into(),
                    kind: PaymentKind::Paypal,
                    label: "PayPal".into(),
                    balance_cents: None,
                },
                PaymentMethod {
                    id: "gc".into(),
                    kind: PaymentKind::GiftCard,
                    label: "Gift card".into(),
                    balance_cents: Some(1_000),
                },
                PaymentMethod {
                    id: "cc".into(),
                    kind: PaymentKind::CreditCard,
                    label: "Visa ending 1111".into(),
                    balance_cents: None,
                },
            ],
            tags: vec![],
        }
    }

    fn catalogue() -> Vec<Product> {
        let v = |id: &str, color: &str, price, available| Variant {
            id: id.into(),
            options: BTreeMap::from([("color".into(), color.into())]),
            price_cents: price,
            available,
        };
        vec![
            Product {
                id: "shirt".into(),
                name: "T-Shirt".into(),
                category: "Clothing".into(),
                variants: vec![
                    v("s-blue", "blue", 5_000, true),
                    v("s-red", "red", 6_000, true),
                    v("s-green", "green", 4_000, false),
                ],
            },
            Product {
                id: "mug".into(),
                name: "Mug".into(),
                category: "Home".into(),
                variants: vec![v("m-white", "white", 2_000, true)],
            },
        ]
    }

    fn order(status: OrderStatus) -> Order {
        let line = |id: &str, product: &str, variant: &str, price| LineItem {
            id: id.into(),
            product_id: product.into(),
            variant_id: variant.into(),
            name: if product == "shirt" { "T-Shirt".into() } else { "Mug".into() },
            options: BTreeMap::new(),
            price_cents: price,
            refunded_cents: 0,
        };
        Order {
            id: "W1".into(),
            name: "#W1".into(),
            customer_id: "c1".into(),
            status,
            placed_at: now(),
            currency: "USD".into(),
            items: vec![line("1", "shirt", "s-blue", 5_000), line("2", "mug", "m-white", 2_000)],
            shipping_address: addr(),
            fulfilments: vec![],
            transactions: vec![Transaction {
                kind: TransactionKind::Payment,
                amount_cents: 7_000,
                payment_method_id: "pp".into(),
                at: None,
                note: None,
            }],
            cancel_reason: None,
            returns: vec![],
        }
    }

    #[test]
    fn only_pending_orders_are_cancelled_and_refunded_in_full() {
        let mut c = customer();
        for status in
            [OrderStatus::Processed, OrderStatus::Delivered, OrderStatus::Cancelled, OrderStatus::PendingItemsModified]
        {
            let mut o = order(status);
            let err = cancel_order(&mut o, &mut c, CancelReason::NoLongerNeeded, now()).unwrap_err();
            assert_eq!(err.code, "policy");
            assert_eq!(o, order(status), "a refused action changes nothing");
        }
        let mut o = order(OrderStatus::Pending);
        let out = cancel_order(&mut o, &mut c, CancelReason::OrderedByMistake, now()).unwrap();
        assert_eq!(o.status, OrderStatus::Cancelled);
        assert_eq!(o.refunded_cents(), 7_000);
        assert_eq!(out.amount_cents, 7_000);
        assert!(out.summary.contains("5 to 7 business days"), "{}", out.summary);
    }

    #[test]
    fn cancelling_a_gift_card_order_credits_the_card_at_once() {
        let mut c = customer();
        let mut o = order(OrderStatus::Pending);
        o.transactions[0].payment_method_id = "gc".into();
        cancel_order(&mut o, &mut c, CancelReason::NoLongerNeeded, now()).unwrap();
        assert_eq!(c.payment_method("gc").unwrap().balance_cents, Some(8_000));
    }

    #[test]
    fn address_changes_only_on_pending_orders_and_are_validated() {
        let mut o = order(OrderStatus::Delivered);
        assert_eq!(change_address(&mut o, addr()).unwrap_err().code, "policy");
        let mut o = order(OrderStatus::Pending);
        let bad = Address { country: "usa".into(), ..addr() };
        assert_eq!(change_address(&mut o, bad).unwrap_err().code, "invalid");
        let new = Address { line1: "9 Elm Rd".into(), ..addr() };
        change_address(&mut o, new.clone()).unwrap();
        assert_eq!(o.shipping_address, new);
    }

    #[test]
    fn items_swap_within_the_same_product_once_and_settle_the_difference() {
        let mut c = customer();
        let mut o = order(OrderStatus::Pending);
        let to_mug = [ItemSwap { line_id: "1".into(), variant_id: "m-white".into() }];
        assert_eq!(change_items(&mut o, &mut c, &to_mug, "pp", &catalogue(), now()).unwrap_err().code, "policy");
        let unavailable = [ItemSwap { line_id: "1".into(), variant_id: "s-green".into() }];
        assert_eq!(change_items(&mut o, &mut c, &unavailable, "pp", &catalogue(), now()).unwrap_err().code, "policy");
        let red = [ItemSwap { line_id: "1".into(), variant_id: "s-red".into() }];
        let out = change_items(&mut o, &mut c, &red, "gc", &catalogue(), now()).unwrap();
        assert_eq!(out.amount_cents, -1_000);
        assert_eq!(c.payment_method("gc").unwrap().balance_cents, Some(0));
        assert_eq!(o.status, OrderStatus::PendingItemsModified);
        assert_eq!(o.items[0].price_cents, 6_000);
        let again = [ItemSwap { line_id: "1".into(), variant_id: "s-blue".into() }];
        assert!(
            change_items(&mut o, &mut c, &again, "pp", &catalogue(), now()).unwrap_err().reason.contains("already")
        );
        assert_eq!(cancel_order(&mut o, &mut c, CancelReason::NoLongerNeeded, now()).unwrap_err().code, "policy");
    }

    #[test]
    fn a_gift_card_must_cover_the_price_difference() {
        let mut c = customer();
        c.payment_methods[1].balance_cents = Some(500);
        let mut o = order(OrderStatus::Pending);
        let red = [ItemSwap { line_id: "1".into(), variant_id: "s-red".into() }];
        let err = change_items(&mut o, &mut c, &red, "gc", &catalogue(), now()).unwrap_err();
        assert!(err.reason.contains("does not cover"), "{}", err.reason);
        assert_eq!(o.status, OrderStatus::Pending);
    }

    #[test]
    fn returns_need_a_delivered_order_and_a_permitted_refund_destination() {
        let c = customer();
        let mut o = order(OrderStatus::Processed);
        assert_eq!(return_items(&mut o, &c, &["1".into()], "pp", now()).unwrap_err().code, "policy");
        let mut o = order(OrderStatus::Delivered);
        let err = return_items(&mut o, &c, &["1".into()], "cc", now()).unwrap_err();
        assert!(err.reason.contains("original payment method"), "{}", err.reason);
        assert_eq!(return_items(&mut o, &c, &["9".into()], "pp", now()).unwrap_err().code, "invalid");
        return_items(&mut o, &c, &["1".into()], "gc", now()).unwrap();
        assert_eq!(o.status, OrderStatus::ReturnRequested);
        assert_eq!(o.returns[0].amount_cents, 5_000);
    }

    #[test]
    fn exchanges_need_a_delivered_order() {
        let mut c = customer();
        let red = [ItemSwap { line_id: "1".into(), variant_id: "s-red".into() }];
        let mut o = order(OrderStatus::Pending);
        assert_eq!(exchange_items(&mut o, &mut c, &red, "pp", &catalogue(), now()).unwrap_err().code, "policy");
        let mut o = order(OrderStatus::Delivered);
        exchange_items(&mut o, &mut c, &red, "pp", &catalogue(), now()).unwrap();
        assert_eq!(o.status, OrderStatus::ExchangeRequested);
        assert_eq!(o.returns[0].new_variants["1"], "s-red");
    }

    #[test]
    fn refunds_are_per_item_once_and_never_on_pending_or_cancelled_orders() {
        let mut c = customer();
        for status in [OrderStatus::Pending, OrderStatus::Cancelled] {
            let mut o = order(status);
            assert_eq!(refund_items(&mut o, &mut c, &["1".into()], "pp", "damaged", now()).unwrap_err().code, "policy");
        }
        let mut o = order(OrderStatus::Delivered);
        assert_eq!(refund_items(&mut o, &mut c, &["1".into()], "pp", " ", now()).unwrap_err().code, "invalid");
        assert_eq!(refund_items(&mut o, &mut c, &["1".into()], "cc", "damaged", now()).unwrap_err().code, "policy");
        let out = refund_items(&mut o, &mut c, &["2".into()], "gc", "arrived broken", now()).unwrap();
        assert_eq!(out.amount_cents, 2_000);
        assert_eq!(c.payment_method("gc").unwrap().balance_cents, Some(3_000));
        assert_eq!(o.items[1].refunded_cents, 2_000);
        assert_eq!(o.refunded_cents(), 2_000);
        let err = refund_items(&mut o, &mut c, &["2".into()], "pp", "again", now()).unwrap_err();
        assert!(err.reason.contains("already refunded"));
    }

    fn sub() -> Subscription {
        Subscription {
            id: "SUB-1".into(),
            customer_id: "c1".into(),
            product_id: "mug".into(),
            variant_id: "m-white".into(),
            name: "Mug (white)".into(),
            quantity: 1,
            price_cents: 1_800,
            currency: "USD".into(),
            interval_unit: IntervalUnit::Month,
            interval_count: 1,
            status: SubscriptionStatus::Active,
            started_on: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            next_charge_date: NaiveDate::from_ymd_opt(2026, 12, 31),
            skipped_dates: vec![],
            cancelled_on: None,
            cancel_reason: None,
        }
    }

    #[test]
    fn subscriptions_pause_resume_skip_change_and_cancel() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let mut s = sub();
        skip_next(&mut s).unwrap();
        assert_eq!(s.next_charge_date, NaiveDate::from_ymd_opt(2027, 1, 31));
        assert_eq!(s.skipped_dates, vec![NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()]);
        change_frequency(&mut s, IntervalUnit::Week, 2).unwrap();
        assert_eq!(change_frequency(&mut s, IntervalUnit::Week, 13).unwrap_err().code, "invalid");
        pause_subscription(&mut s).unwrap();
        assert_eq!(skip_next(&mut s).unwrap_err().code, "policy");
        assert_eq!(pause_subscription(&mut s).unwrap_err().code, "policy");
        resume_subscription(&mut s, today).unwrap();
        assert_eq!(s.next_charge_date, NaiveDate::from_ymd_opt(2026, 12, 5));
        cancel_subscription(&mut s, "moving abroad", today).unwrap();
        assert_eq!(s.status, SubscriptionStatus::Cancelled);
        assert_eq!(resume_subscription(&mut s, today).unwrap_err().code, "policy");
        assert_eq!(cancel_subscription(&mut s, "", today).unwrap_err().code, "policy");
    }
}

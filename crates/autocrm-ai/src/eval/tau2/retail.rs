//! The τ²-bench retail environment: the shop's users, orders and products
//! (`db.json`) and the tools an agent uses on them, with τ²'s semantics.
//!
//! [`RetailDb::invoke`] runs any tool unscoped (the reference replay of a
//! task's expected actions); [`RetailToolbox`] is the same tools as an
//! [`agent::Toolbox`](crate::agent::Toolbox) for the chatbot: it binds the
//! conversation to the first customer found by e-mail or by name and zip and
//! refuses profiles and orders of anyone else (or of no one yet), as the
//! shop's own toolbox confines the model to the signed-in customer.
//!
//! Invariants:
//! - Money is held in whole cents ([`Money`]), so the end state does not
//!   depend on the order in which amounts were added up; it is written back
//!   as dollars with cents, as in `db.json`.
//! - A write is checked in full before anything changes ([`RetailDb::check`]
//!   has no side effect and states the exact change); applying it cannot fail.
//! - [`RetailDb::hash`] covers the whole database in one canonical form
//!   (maps sorted by key, fields in declaration order).
//!
//! Where τ²'s reference code has slips, this follows its documented intent
//! (both the expected and the actual end state come from this code, so the
//! score is unaffected on the shipped tasks): a cancelled order refunds each
//! payment method what it paid net of earlier refunds (τ² refunds every
//! history entry again), and a modified item takes its own new variant's
//! price and options (τ² gives every modified item the last one's).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use crate::agent::{AgentTool, ToolResult, Toolbox};
use crate::eval::EvalError;
use crate::llm::ToolSpec;

/// An amount in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(pub i64);

impl Money {
    /// Cents from dollars, rounded to the nearest cent.
    pub fn from_dollars(dollars: f64) -> Self {
        Self((dollars * 100.0).round() as i64)
    }

    /// The amount in dollars.
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", self.0.abs() / 100, self.0.abs() % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.dollars())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        f64::deserialize(deserializer).map(Self::from_dollars)
    }
}

/// The whole shop, keyed by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetailDb {
    pub products: BTreeMap<String, Product>,
    pub users: BTreeMap<String, User>,
    pub orders: BTreeMap<String, Order>,
}

/// A product type and its variants ("items").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    pub product_id: String,
    pub variants: BTreeMap<String, Variant>,
}

/// One variant of a product, with its own item id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub item_id: String,
    pub options: BTreeMap<String, String>,
    pub available: bool,
    pub price: Money,
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub user_id: String,
    pub name: Name,
    pub address: Address,
    pub email: String,
    pub payment_methods: BTreeMap<String, PaymentMethod>,
    pub orders: Vec<String>,
}

/// A customer's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Name {
    pub first_name: String,
    pub last_name: String,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub country: String,
    pub state: String,
    pub zip: String,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let second = if self.address2.trim().is_empty() { String::new() } else { format!(", {}", self.address2) };
        write!(f, "{}{second}, {}, {} {}, {}", self.address1, self.city, self.state, self.zip, self.country)
    }
}

/// The kinds of payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentSource {
    GiftCard,
    CreditCard,
    Paypal,
}

/// A payment method of a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethod {
    pub source: PaymentSource,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_four: Option<String>,
    /// A gift card's balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<Money>,
}

impl PaymentMethod {
    fn is_gift_card(&self) -> bool {
        self.source == PaymentSource::GiftCard
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            PaymentSource::GiftCard => {
                write!(f, "gift card {} (balance {})", self.id, self.balance.unwrap_or_default())
            }
            PaymentSource::CreditCard => write!(
                f,
                "{} credit card ending {} ({})",
                self.brand.as_deref().unwrap_or("the"),
                self.last_four.as_deref().unwrap_or("?"),
                self.id
            ),
            PaymentSource::Paypal => write!(f, "PayPal account {}", self.id),
        }
    }
}

/// An order and what has been done to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub order_id: String,
    pub user_id: String,
    pub address: Address,
    pub items: Vec<OrderItem>,
    /// `pending`, `processed`, `delivered`, `cancelled`, and after a tool:
    /// `pending (item modified)`, `return requested`, `exchange requested`.
    pub status: String,
    pub fulfillments: Vec<Fulfillment>,
    pub payment_history: Vec<Payment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_items: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_new_items: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_payment_method_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_price_difference: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_items: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_payment_method_id: Option<String>,
}

/// An item of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    pub name: String,
    pub product_id: String,
    pub item_id: String,
    pub price: Money,
    pub options: BTreeMap<String, String>,
}

impl OrderItem {
    fn describe(&self) -> String {
        format!("{} ({}) at {}", self.name, options_text(&self.options), self.price)
    }
}

/// A shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fulfillment {
    pub tracking_id: Vec<String>,
    pub item_ids: Vec<String>,
}

/// A payment or refund of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// `payment` or `refund`.
    pub transaction_type: String,
    pub amount: Money,
    pub payment_method_id: String,
}

fn options_text(options: &BTreeMap<String, String>) -> String {
    options.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
}

/// The cancellation reasons the policy accepts.
pub const CANCEL_REASONS: [&str; 2] = ["no longer needed", "ordered by mistake"];

/// The tools that change the database.
pub const WRITE_TOOLS: [&str; 7] = [
    "cancel_pending_order",
    "modify_pending_order_address",
    "modify_pending_order_items",
    "modify_pending_order_payment",
    "modify_user_address",
    "return_delivered_order_items",
    "exchange_delivered_order_items",
];

/// The tools that only read.
pub const READ_TOOLS: [&str; 8] = [
    "find_user_id_by_email",
    "find_user_id_by_name_zip",
    "get_user_details",
    "get_order_details",
    "get_product_details",
    "get_item_details",
    "list_all_product_types",
    "calculate",
];

/// Whether `name` is a write tool.
pub fn is_write(name: &str) -> bool {
    WRITE_TOOLS.contains(&name)
}

/// A checked write, ready to apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Cancel {
        order_id: String,
        reason: String,
        refunds: Vec<(String, Money)>,
    },
    OrderAddress {
        order_id: String,
        address: Address,
    },
    OrderPayment {
        order_id: String,
        new_method: String,
        old_method: String,
        amount: Money,
    },
    /// `swaps`: the index in the order's items and the new variant.
    OrderItems {
        order_id: String,
        swaps: Vec<(usize, Variant)>,
        method: String,
        difference: Money,
    },
    UserAddress {
        user_id: String,
        address: Address,
    },
    Return {
        order_id: String,
        item_ids: Vec<String>,
        method: String,
    },
    Exchange {
        order_id: String,
        item_ids: Vec<String>,
        new_item_ids: Vec<String>,
        method: String,
        difference: Money,
    },
}

/// A write that may be done, and what it will do in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub change: Change,
    pub summary: String,
}

fn text(args: &Value, field: &str) -> Result<String, String> {
    match args.get(field) {
        Some(Value::String(s)) => Ok(s.trim().to_owned()),
        // Models sometimes write numeric ids (item ids, zips) as numbers.
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(format!("argument {field} must be a string")),
        None => Err(format!("missing argument {field}")),
    }
}

fn text_list(args: &Value, field: &str) -> Result<Vec<String>, String> {
    match args.get(field) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.trim().to_owned()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(format!("argument {field} must be a list of strings")),
            })
            .collect(),
        Some(_) => Err(format!("argument {field} must be a list of strings")),
        None => Err(format!("missing argument {field}")),
    }
}

fn address(args: &Value) -> Result<Address, String> {
    Ok(Address {
        address1: text(args, "address1")?,
        // An empty second line is often left out.
        address2: if args.get("address2").is_some_and(|v| !v.is_null()) {
            text(args, "address2")?
        } else {
            String::new()
        },
        city: text(args, "city")?,
        country: text(args, "country")?,
        state: text(args, "state")?,
        zip: text(args, "zip")?,
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A name folded for matching: lowercase, accents dropped, spaces collapsed.
fn fold(name: &str) -> String {
    crate::text::tokenise(name, true).join(" ")
}

/// 64-bit FNV-1a: stable across runs, platforms and versions (std's hasher is not).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Counts how often each id occurs.
fn counts(ids: &[String]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    counts
}

impl RetailDb {
    /// Reads `db.json`.
    pub fn load(path: &Path) -> Result<Self, EvalError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| EvalError::Invalid(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| EvalError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Parses the JSON of `db.json`.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The canonical JSON of the whole database.
    pub fn canonical_json(&self) -> String {
        to_json(self)
    }

    /// A stable hash of [`RetailDb::canonical_json`], as 16 hex digits.
    pub fn hash(&self) -> String {
        format!("{:016x}", fnv1a(self.canonical_json().as_bytes()))
    }

    fn order(&self, order_id: &str) -> Result<&Order, String> {
        self.orders.get(order_id).ok_or_else(|| "Order not found".to_owned())
    }

    fn user(&self, user_id: &str) -> Result<&User, String> {
        self.users.get(user_id).ok_or_else(|| "User not found".to_owned())
    }

    fn method(&self, user_id: &str, method_id: &str) -> Result<&PaymentMethod, String> {
        self.user(user_id)?.payment_methods.get(method_id).ok_or_else(|| "Payment method not found".to_owned())
    }

    fn method_mut(&mut self, user_id: &str, method_id: &str) -> Option<&mut PaymentMethod> {
        self.users.get_mut(user_id)?.payment_methods.get_mut(method_id)
    }

    fn method_text(&self, user_id: &str, method_id: &str) -> String {
        self.method(user_id, method_id).map_or_else(|_| method_id.to_owned(), ToString::to_string)
    }

    /// The user a tool call reaches, if it reaches one: `None` for tools on
    /// the catalogue and for the look-ups; `Some(Err)` when the record named
    /// does not exist.
    pub fn owner(&self, name: &str, args: &Value) -> Option<Result<String, String>> {
        match name {
            "get_user_details" | "modify_user_address" => {
                Some(text(args, "user_id").and_then(|id| self.user(&id).map(|u| u.user_id.clone())))
            }
            "get_order_details"
            | "cancel_pending_order"
            | "modify_pending_order_address"
            | "modify_pending_order_items"
            | "modify_pending_order_payment"
            | "return_delivered_order_items"
            | "exchange_delivered_order_items" => {
                Some(text(args, "order_id").and_then(|id| self.order(&id).map(|o| o.user_id.clone())))
            }
            _ => None,
        }
    }

    /// Runs any tool, unscoped: a read, or a write checked then applied.
    pub fn invoke(&mut self, name: &str, args: &Value) -> ToolResult {
        if is_write(name) {
            let checked = self.check(name, args)?;
            Ok(self.apply(checked.change))
        } else {
            self.read(name, args)
        }
    }

    /// Runs a read tool.
    pub fn read(&self, name: &str, args: &Value) -> ToolResult {
        match name {
            "find_user_id_by_email" => {
                let email = text(args, "email")?.to_lowercase();
                self.users
                    .values()
                    .find(|u| u.email.to_lowercase() == email)
                    .map(|u| u.user_id.clone())
                    .ok_or_else(|| "User not found".to_owned())
            }
            "find_user_id_by_name_zip" => {
                let (first, last, zip) =
                    (fold(&text(args, "first_name")?), fold(&text(args, "last_name")?), text(args, "zip")?);
                self.users
                    .values()
                    .find(|u| {
                        fold(&u.name.first_name) == first && fold(&u.name.last_name) == last && u.address.zip == zip
                    })
                    .map(|u| u.user_id.clone())
                    .ok_or_else(|| "User not found".to_owned())
            }
            "get_user_details" => Ok(to_json(self.user(&text(args, "user_id")?)?)),
            "get_order_details" => Ok(to_json(self.order(&text(args, "order_id")?)?)),
            "get_product_details" => {
                let id = text(args, "product_id")?;
                self.products.get(&id).map(to_json).ok_or_else(|| "Product not found".to_owned())
            }
            "get_item_details" => {
                let id = text(args, "item_id")?;
                self.products
                    .values()
                    .find_map(|p| p.variants.get(&id))
                    .map(to_json)
                    .ok_or_else(|| "Item not found".to_owned())
            }
            "list_all_product_types" => {
                let names: BTreeMap<&str, &str> =
                    self.products.values().map(|p| (p.name.as_str(), p.product_id.as_str())).collect();
                Ok(to_json(&names))
            }
            "calculate" => calculate(&text(args, "expression")?),
            _ => Err(format!("Unknown tool {name}")),
        }
    }

    /// Checks a write without doing it and states the exact change.
    pub fn check(&self, name: &str, args: &Value) -> Result<Checked, String> {
        match name {
            "cancel_pending_order" => self.check_cancel(args),
            "modify_pending_order_address" => {
                let order = self.order(&text(args, "order_id")?)?;
                if !order.status.contains("pending") {
                    return Err("Non-pending order cannot be modified".into());
                }
                let address = address(args)?;
                let summary = format!(
                    "Change the shipping address of order {} from {} to {}.",
                    order.order_id, order.address, address
                );
                Ok(Checked { change: Change::OrderAddress { order_id: order.order_id.clone(), address }, summary })
            }
            "modify_pending_order_items" => self.check_items(args),
            "modify_pending_order_payment" => self.check_payment(args),
            "modify_user_address" => {
                let user = self.user(&text(args, "user_id")?)?;
                let address = address(args)?;
                let summary = format!(
                    "Change the default address of {} {} ({}) from {} to {}.",
                    user.name.first_name, user.name.last_name, user.user_id, user.address, address
                );
                Ok(Checked { change: Change::UserAddress { user_id: user.user_id.clone(), address }, summary })
            }
            "return_delivered_order_items" => self.check_return(args),
            "exchange_delivered_order_items" => self.check_exchange(args),
            _ => Err(format!("{name} is not a write tool")),
        }
    }

    fn check_cancel(&self, args: &Value) -> Result<Checked, String> {
        let order = self.order(&text(args, "order_id")?)?;
        if order.status != "pending" {
            return Err("Non-pending order cannot be cancelled".into());
        }
        let reason = text(args, "reason")?;
        if !CANCEL_REASONS.contains(&reason.as_str()) {
            return Err("Invalid reason: it must be 'no longer needed' or 'ordered by mistake'".into());
        }
        // What each method paid, net of refunds, in the order first used.
        let mut refunds: Vec<(String, Money)> = Vec::new();
        for payment in &order.payment_history {
            self.method(&order.user_id, &payment.payment_method_id)?;
            let signed = if payment.transaction_type == "refund" { -payment.amount.0 } else { payment.amount.0 };
            match refunds.iter_mut().find(|(m, _)| *m == payment.payment_method_id) {
                Some((_, total)) => total.0 += signed,
                None => refunds.push((payment.payment_method_id.clone(), Money(signed))),
            }
        }
        refunds.retain(|(_, amount)| amount.0 > 0);
        let items = order.items.iter().map(OrderItem::describe).collect::<Vec<_>>().join("; ");
        let refund_text = refunds
            .iter()
            .map(|(m, amount)| {
                let method = self.method_text(&order.user_id, m);
                let when = if self.method(&order.user_id, m).is_ok_and(PaymentMethod::is_gift_card) {
                    "added to the gift card's balance at once"
                } else {
                    "within 5 to 7 business days"
                };
                format!("refund {amount} to {method} ({when})")
            })
            .collect::<Vec<_>>()
            .join("; ");
        let because = if reason == "no longer needed" { "it is no longer needed" } else { "it was ordered by mistake" };
        let summary = format!(
            "Cancel order {} ({items}) because {because}; {}.",
            order.order_id,
            if refund_text.is_empty() { "nothing to refund".to_owned() } else { refund_text }
        );
        Ok(Checked { change: Change::Cancel { order_id: order.order_id.clone(), reason, refunds }, summary })
    }

    /// Pairs each old item id with an unused item of the order (duplicates
    /// pair with successive items) and the new variant of the same product.
    fn swaps(
        &self,
        order: &Order,
        item_ids: &[String],
        new_item_ids: &[String],
        require_different: bool,
    ) -> Result<Vec<(usize, Variant)>, String> {
        let have: Vec<String> = order.items.iter().map(|i| i.item_id.clone()).collect();
        let have = counts(&have);
        for (id, wanted) in counts(item_ids) {
            if wanted > have.get(id).copied().unwrap_or(0) {
                return Err(format!("Item {id} is not in the order (as many times as listed)"));
            }
        }
        if item_ids.len() != new_item_ids.len() {
            return Err("The number of items to be exchanged should match".into());
        }
        if item_ids.is_empty() {
            return Err("No items given".into());
        }
        let mut used = vec![false; order.items.len()];
        let mut swaps = Vec::with_capacity(item_ids.len());
        for (old, new) in item_ids.iter().zip(new_item_ids) {
            if require_different && old == new {
                return Err("The new item id should be different from the old item id".into());
            }
            let index = order
                .items
                .iter()
                .enumerate()
                .position(|(i, item)| !used[i] && item.item_id == *old)
                .ok_or_else(|| format!("Item {old} not found"))?;
            used[index] = true;
            let product_id = &order.items[index].product_id;
            let variant =
                self.products.get(product_id).and_then(|p| p.variants.get(new)).filter(|v| v.available).ok_or_else(
                    || format!("New item {new} not found or available (it must be a variant of the same product)"),
                )?;
            swaps.push((index, variant.clone()));
        }
        Ok(swaps)
    }

    fn swaps_text(order: &Order, swaps: &[(usize, Variant)]) -> String {
        swaps
            .iter()
            .map(|(i, v)| {
                let item = &order.items[*i];
                format!("{} → {} ({}) at {}", item.describe(), item.name, options_text(&v.options), v.price)
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn difference(order: &Order, swaps: &[(usize, Variant)]) -> Money {
        Money(swaps.iter().map(|(i, v)| v.price.0 - order.items[*i].price.0).sum())
    }

    fn difference_text(&self, order: &Order, difference: Money, method: &str) -> String {
        let method = self.method_text(&order.user_id, method);
        match difference.0 {
            d if d > 0 => format!("the price difference of {difference} is charged to {method}"),
            d if d < 0 => format!("the price difference of {} is refunded to {method}", Money(-d)),
            _ => format!("there is no price difference (payment method {method})"),
        }
    }

    fn check_items(&self, args: &Value) -> Result<Checked, String> {
        let order = self.order(&text(args, "order_id")?)?;
        if order.status != "pending" {
            return Err("Non-pending order cannot be modified (items can be modified once only)".into());
        }
        let swaps = self.swaps(order, &text_list(args, "item_ids")?, &text_list(args, "new_item_ids")?, true)?;
        let difference = Self::difference(order, &swaps);
        let method_id = text(args, "payment_method_id")?;
        let method = self.method(&order.user_id, &method_id)?;
        if method.is_gift_card() && method.balance.unwrap_or_default() < difference {
            return Err("Insufficient gift card balance to pay for the new item".into());
        }
        let summary = format!(
            "Modify the items of pending order {}: {}; {}. Afterwards the order's items cannot be modified again \
             and the order can no longer be cancelled.",
            order.order_id,
            Self::swaps_text(order, &swaps),
            self.difference_text(order, difference, &method_id)
        );
        Ok(Checked {
            change: Change::OrderItems { order_id: order.order_id.clone(), swaps, method: method_id, difference },
            summary,
        })
    }

    fn check_payment(&self, args: &Value) -> Result<Checked, String> {
        let order = self.order(&text(args, "order_id")?)?;
        if !order.status.contains("pending") {
            return Err("Non-pending order cannot be modified".into());
        }
        let method_id = text(args, "payment_method_id")?;
        let method = self.method(&order.user_id, &method_id)?;
        let [first] = order.payment_history.as_slice() else {
            return Err("There should be exactly one payment for a pending order".into());
        };
        if first.transaction_type != "payment" {
            return Err("There should be exactly one payment for a pending order".into());
        }
        if first.payment_method_id == method_id {
            return Err("The new payment method should be different from the current one".into());
        }
        if method.is_gift_card() && method.balance.unwrap_or_default() < first.amount {
            return Err("Insufficient gift card balance to pay for the order".into());
        }
        let summary = format!(
            "Pay order {} ({}) with {} instead of {}, which is refunded {}{}.",
            order.order_id,
            first.amount,
            method,
            self.method_text(&order.user_id, &first.payment_method_id),
            first.amount,
            if self.method(&order.user_id, &first.payment_method_id).is_ok_and(PaymentMethod::is_gift_card) {
                " at once"
            } else {
                " within 5 to 7 business days"
            }
        );
        Ok(Checked {
            change: Change::OrderPayment {
                order_id: order.order_id.clone(),
                new_method: method_id,
                old_method: first.payment_method_id.clone(),
                amount: first.amount,
            },
            summary,
        })
    }

    fn check_return(&self, args: &Value) -> Result<Checked, String> {
        let order = self.order(&text(args, "order_id")?)?;
        if order.status != "delivered" {
            return Err("Non-delivered order cannot be returned".into());
        }
        let method_id = text(args, "payment_method_id")?;
        let method = self.method(&order.user_id, &method_id)?;
        let original = order.payment_history.first().map(|p| p.payment_method_id.as_str());
        if !method.is_gift_card() && Some(method_id.as_str()) != original {
            return Err("Payment method should be the original payment method or a gift card".into());
        }
        let item_ids = text_list(args, "item_ids")?;
        if item_ids.is_empty() {
            return Err("No items given".into());
        }
        let mut used = vec![false; order.items.len()];
        let mut returned = Vec::with_capacity(item_ids.len());
        for id in &item_ids {
            let index = order
                .items
                .iter()
                .enumerate()
                .position(|(i, item)| !used[i] && item.item_id == *id)
                .ok_or_else(|| "Some item not found".to_owned())?;
            used[index] = true;
            returned.push(&order.items[index]);
        }
        let total = Money(returned.iter().map(|i| i.price.0).sum());
        let summary = format!(
            "Return from delivered order {}: {}; refund {total} to {method}. The order becomes 'return requested' and \
             the customer receives an e-mail on how to send the items back.",
            order.order_id,
            returned.iter().map(|i| i.describe()).collect::<Vec<_>>().join("; ")
        );
        let mut item_ids = item_ids;
        item_ids.sort();
        Ok(Checked {
            change: Change::Return { order_id: order.order_id.clone(), item_ids, method: method_id },
            summary,
        })
    }

    fn check_exchange(&self, args: &Value) -> Result<Checked, String> {
        let order = self.order(&text(args, "order_id")?)?;
        if order.status != "delivered" {
            return Err("Non-delivered order cannot be exchanged".into());
        }
        let item_ids = text_list(args, "item_ids")?;
        let new_item_ids = text_list(args, "new_item_ids")?;
        let swaps = self.swaps(order, &item_ids, &new_item_ids, false)?;
        let difference = Self::difference(order, &swaps);
        let method_id = text(args, "payment_method_id")?;
        let method = self.method(&order.user_id, &method_id)?;
        if method.is_gift_card() && method.balance.unwrap_or_default() < difference {
            return Err("Insufficient gift card balance to pay for the price difference".into());
        }
        let summary = format!(
            "Exchange in delivered order {}: {}; {}. The order becomes 'exchange requested' and the customer \
             receives an e-mail on how to send the items back; no new order is needed.",
            order.order_id,
            Self::swaps_text(order, &swaps),
            self.difference_text(order, difference, &method_id)
        );
        let (mut item_ids, mut new_item_ids) = (item_ids, new_item_ids);
        item_ids.sort();
        new_item_ids.sort();
        Ok(Checked {
            change: Change::Exchange {
                order_id: order.order_id.clone(),
                item_ids,
                new_item_ids,
                method: method_id,
                difference,
            },
            summary,
        })
    }

    /// Applies a checked change and answers the updated record as JSON.
    pub fn apply(&mut self, change: Change) -> String {
        match change {
            Change::Cancel { order_id, reason, refunds } => {
                let user_id = self.orders.get(&order_id).map(|o| o.user_id.clone()).unwrap_or_default();
                for (method_id, amount) in &refunds {
                    if let Some(method) = self.method_mut(&user_id, method_id).filter(|m| m.is_gift_card()) {
                        method.balance = Some(Money(method.balance.unwrap_or_default().0 + amount.0));
                    }
                }
                self.update_order(&order_id, |order| {
                    order.status = "cancelled".into();
                    order.cancel_reason = Some(reason);
                    order.payment_history.extend(refunds.into_iter().map(|(payment_method_id, amount)| Payment {
                        transaction_type: "refund".into(),
                        amount,
                        payment_method_id,
                    }));
                })
            }
            Change::OrderAddress { order_id, address } => self.update_order(&order_id, |o| o.address = address),
            Change::OrderPayment { order_id, new_method, old_method, amount } => {
                let user_id = self.orders.get(&order_id).map(|o| o.user_id.clone()).unwrap_or_default();
                if let Some(method) = self.method_mut(&user_id, &new_method).filter(|m| m.is_gift_card()) {
                    method.balance = Some(Money(method.balance.unwrap_or_default().0 - amount.0));
                }
                if let Some(method) = self.method_mut(&user_id, &old_method).filter(|m| m.is_gift_card()) {
                    method.balance = Some(Money(method.balance.unwrap_or_default().0 + amount.0));
                }
                self.update_order(&order_id, |order| {
                    order.payment_history.push(Payment {
                        transaction_type: "payment".into(),
                        amount,
                        payment_method_id: new_method,
                    });
                    order.payment_history.push(Payment {
                        transaction_type: "refund".into(),
                        amount,
                        payment_method_id: old_method,
                    });
                })
            }
            Change::OrderItems { order_id, swaps, method, difference } => {
                let user_id = self.orders.get(&order_id).map(|o| o.user_id.clone()).unwrap_or_default();
                if let Some(m) = self.method_mut(&user_id, &method).filter(|m| m.is_gift_card()) {
                    m.balance = Some(Money(m.balance.unwrap_or_default().0 - difference.0));
                }
                self.update_order(&order_id, |order| {
                    order.payment_history.push(Payment {
                        transaction_type: if difference.0 > 0 { "payment" } else { "refund" }.into(),
                        amount: Money(difference.0.abs()),
                        payment_method_id: method,
                    });
                    for (index, variant) in swaps {
                        if let Some(item) = order.items.get_mut(index) {
                            item.item_id = variant.item_id;
                            item.price = variant.price;
                            item.options = variant.options;
                        }
                    }
                    order.status = "pending (item modified)".into();
                })
            }
            Change::UserAddress { user_id, address } => match self.users.get_mut(&user_id) {
                Some(user) => {
                    user.address = address;
                    to_json(user)
                }
                None => "User not found".into(),
            },
            Change::Return { order_id, item_ids, method } => self.update_order(&order_id, |order| {
                order.status = "return requested".into();
                order.return_items = Some(item_ids);
                order.return_payment_method_id = Some(method);
            }),
            Change::Exchange { order_id, item_ids, new_item_ids, method, difference } => {
                self.update_order(&order_id, |order| {
                    order.status = "exchange requested".into();
                    order.exchange_items = Some(item_ids);
                    order.exchange_new_items = Some(new_item_ids);
                    order.exchange_payment_method_id = Some(method);
                    order.exchange_price_difference = Some(difference);
                })
            }
        }
    }

    fn update_order(&mut self, order_id: &str, update: impl FnOnce(&mut Order)) -> String {
        match self.orders.get_mut(order_id) {
            Some(order) => {
                update(order);
                to_json(order)
            }
            None => "Order not found".into(),
        }
    }
}

/// τ²'s `calculate`: `+ - * /` (and `**`), parentheses and decimals,
/// rounded to two places and written as Python writes a float.
pub fn calculate(expression: &str) -> ToolResult {
    if !expression.chars().all(|c| "0123456789+-*/(). ".contains(c)) {
        return Err("Invalid characters in expression".into());
    }
    let tokens: Vec<char> = expression.chars().filter(|c| *c != ' ').collect();
    let mut parser = Calc { tokens: &tokens, at: 0 };
    let value = parser.sum()?;
    if parser.at != tokens.len() {
        return Err("Invalid expression".into());
    }
    if !value.is_finite() {
        return Err("The result is not a number (division by zero?)".into());
    }
    let rounded = (value * 100.0).round() / 100.0;
    Ok(if rounded.fract() == 0.0 && rounded.abs() < 1e15 { format!("{rounded:.1}") } else { format!("{rounded}") })
}

/// A recursive-descent parser over the expression's characters.
struct Calc<'a> {
    tokens: &'a [char],
    at: usize,
}

impl Calc<'_> {
    fn peek(&self) -> Option<char> {
        self.tokens.get(self.at).copied()
    }

    fn sum(&mut self) -> Result<f64, String> {
        let mut value = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.at += 1;
            let rhs = self.product()?;
            value = if op == '+' { value + rhs } else { value - rhs };
        }
        Ok(value)
    }

    fn product(&mut self) -> Result<f64, String> {
        let mut value = self.unary()?;
        loop {
            match self.peek() {
                Some('*') if self.tokens.get(self.at + 1) != Some(&'*') => {
                    self.at += 1;
                    value *= self.unary()?;
                }
                Some('/') => {
                    self.at += 1;
                    let rhs = self.unary()?;
                    if rhs == 0.0 {
                        return Err("Division by zero".into());
                    }
                    value /= rhs;
                }
                _ => return Ok(value),
            }
        }
    }

    fn unary(&mut self) -> Result<f64, String> {
        match self.peek() {
            Some('-') => {
                self.at += 1;
                Ok(-self.unary()?)
            }
            Some('+') => {
                self.at += 1;
                self.unary()
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<f64, String> {
        let base = self.atom()?;
        if self.peek() == Some('*') && self.tokens.get(self.at + 1) == Some(&'*') {
            self.at += 2;
            // Right-associative and binding tighter than a unary minus on its left, as in Python.
            let exponent = self.unary()?;
            return Ok(base.powf(exponent));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<f64, String> {
        match self.peek() {
            Some('(') => {
                self.at += 1;
                let value = self.sum()?;
                if self.peek() != Some(')') {
                    return Err("Invalid expression: unbalanced parentheses".into());
                }
                self.at += 1;
                Ok(value)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let start = self.at;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
                    self.at += 1;
                }
                let number: String = self.tokens[start..self.at].iter().collect();
                number.parse().map_err(|_| format!("Invalid number {number}"))
            }
            _ => Err("Invalid expression".into()),
        }
    }
}

fn spec(name: &str, description: &str, properties: &Value, required: &[&str]) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: description.into(),
        parameters: json!({ "type": "object", "properties": properties, "required": required }),
    }
}

const ORDER_ID: &str = "The order id, such as '#W0000000' (with the '#').";
const PAYMENT_ID: &str = "The payment method id, such as 'gift_card_0000000' or 'credit_card_0000000', as in the user's or the order's details.";

fn address_properties(extra: (&str, Value)) -> Value {
    let mut properties = json!({
        "address1": { "type": "string", "description": "The first line, such as '123 Main St'." },
        "address2": { "type": "string", "description": "The second line, such as 'Apt 1', or ''." },
        "city": { "type": "string" },
        "state": { "type": "string", "description": "Such as 'CA'." },
        "country": { "type": "string", "description": "Such as 'USA'." },
        "zip": { "type": "string", "description": "Such as '12345'." },
    });
    properties[extra.0] = extra.1;
    properties
}

/// The retail tools, as offered to the model (the transfer tool is the agent's own).
pub fn retail_tools() -> Vec<AgentTool> {
    let ids = |what: &str| json!({ "type": "array", "items": { "type": "string" }, "description": what });
    let address_fields = ["address1", "address2", "city", "state", "country", "zip"];
    let read = |spec| AgentTool { spec, writes: false };
    let write = |spec| AgentTool { spec, writes: true };
    vec![
        read(spec(
            "find_user_id_by_email",
            "Find a customer's user id by their e-mail address.",
            &json!({ "email": { "type": "string", "description": "Such as 'someone@example.com'." } }),
            &["email"],
        )),
        read(spec(
            "find_user_id_by_name_zip",
            "Find a customer's user id by first name, last name and zip code. Use it when the customer cannot \
             give an e-mail address or it was not found.",
            &json!({
                "first_name": { "type": "string" },
                "last_name": { "type": "string" },
                "zip": { "type": "string", "description": "Such as '12345'." },
            }),
            &["first_name", "last_name", "zip"],
        )),
        read(spec(
            "get_user_details",
            "The details of a customer: name, address, e-mail, payment methods (gift card balances) and order ids.",
            &json!({ "user_id": { "type": "string", "description": "Such as 'sara_doe_496'." } }),
            &["user_id"],
        )),
        read(spec(
            "get_order_details",
            "The status and details of an order: items (with item and product ids, options, prices), address, \
             shipments and payments.",
            &json!({ "order_id": { "type": "string", "description": ORDER_ID } }),
            &["order_id"],
        )),
        read(spec(
            "get_product_details",
            "A product type and all its variant items (item id, options, availability, price). A product id is \
             not an item id.",
            &json!({ "product_id": { "type": "string", "description": "Such as '6086499569'." } }),
            &["product_id"],
        )),
        read(spec(
            "get_item_details",
            "One variant item (options, availability, price) by its item id.",
            &json!({ "item_id": { "type": "string", "description": "Such as '1008292230'." } }),
            &["item_id"],
        )),
        read(spec(
            "list_all_product_types",
            "The names and product ids of all 50 product types, as a JSON object.",
            &json!({}),
            &[],
        )),
        read(spec(
            "calculate",
            "Calculate a mathematical expression with numbers, + - * /, parentheses and spaces; the result is \
             rounded to two decimals.",
            &json!({ "expression": { "type": "string", "description": "Such as '2 + 2'." } }),
            &["expression"],
        )),
        write(spec(
            "cancel_pending_order",
            "Cancel a pending order (not a processed or delivered one). The paid amount is refunded to the \
             original payment method: at once to a gift card, otherwise within 5 to 7 business days.",
            &json!({
                "order_id": { "type": "string", "description": ORDER_ID },
                "reason": { "type": "string", "enum": CANCEL_REASONS,
                            "description": "Either 'no longer needed' or 'ordered by mistake'." },
            }),
            &["order_id", "reason"],
        )),
        write(spec(
            "modify_pending_order_address",
            "Change the shipping address of a pending order.",
            &address_properties(("order_id", json!({ "type": "string", "description": ORDER_ID }))),
            &[&["order_id"][..], &address_fields[..]].concat(),
        )),
        write(spec(
            "modify_pending_order_items",
            "Change items of a pending order to other available variants of the same product, all in one call \
             (it can be done only once per order). The price difference is paid with or refunded to the payment \
             method given; a gift card must cover it.",
            &json!({
                "order_id": { "type": "string", "description": ORDER_ID },
                "item_ids": ids("The item ids to change; an id may repeat."),
                "new_item_ids": ids("The new item ids, position by position, each a variant of the same product."),
                "payment_method_id": { "type": "string", "description": PAYMENT_ID },
            }),
            &["order_id", "item_ids", "new_item_ids", "payment_method_id"],
        )),
        write(spec(
            "modify_pending_order_payment",
            "Pay a pending order with another of the customer's payment methods; the original one is refunded. \
             A gift card must cover the whole amount.",
            &json!({
                "order_id": { "type": "string", "description": ORDER_ID },
                "payment_method_id": { "type": "string", "description": PAYMENT_ID },
            }),
            &["order_id", "payment_method_id"],
        )),
        write(spec(
            "modify_user_address",
            "Change a customer's default address.",
            &address_properties(("user_id", json!({ "type": "string", "description": "Such as 'sara_doe_496'." }))),
            &[&["user_id"][..], &address_fields[..]].concat(),
        )),
        write(spec(
            "return_delivered_order_items",
            "Return items of a delivered order; the order becomes 'return requested' and the customer gets an \
             e-mail on how to send them. The refund goes to the original payment method or to a gift card.",
            &json!({
                "order_id": { "type": "string", "description": ORDER_ID },
                "item_ids": ids("The item ids to return; an id may repeat."),
                "payment_method_id": { "type": "string", "description": PAYMENT_ID },
            }),
            &["order_id", "item_ids", "payment_method_id"],
        )),
        write(spec(
            "exchange_delivered_order_items",
            "Exchange items of a delivered order for other available variants of the same product, all in one \
             call (it can be done only once per order). The price difference is paid with or refunded to the \
             payment method given; a gift card must cover it.",
            &json!({
                "order_id": { "type": "string", "description": ORDER_ID },
                "item_ids": ids("The item ids to exchange; an id may repeat."),
                "new_item_ids": ids("The new item ids, position by position, each a variant of the same product."),
                "payment_method_id": { "type": "string", "description": PAYMENT_ID },
            }),
            &["order_id", "item_ids", "new_item_ids", "payment_method_id"],
        )),
    ]
}

/// The retail tools for one conversation: the shop's database and the
/// customer the conversation is bound to once found.
pub struct RetailToolbox {
    session: Mutex<Session>,
}

struct Session {
    db: RetailDb,
    customer: Option<String>,
}

impl RetailToolbox {
    /// A conversation over its own copy of the database, not yet authenticated.
    pub fn new(db: RetailDb) -> Self {
        Self { session: Mutex::new(Session { db, customer: None }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The hash of the database as it is now.
    pub fn db_hash(&self) -> String {
        self.lock().db.hash()
    }

    /// A copy of the database as it is now.
    pub fn db(&self) -> RetailDb {
        self.lock().db.clone()
    }

    /// The user id the conversation is bound to, once authenticated.
    pub fn customer(&self) -> Option<String> {
        self.lock().customer.clone()
    }
}

impl Session {
    /// Refuses a call reaching a record of anyone but the authenticated customer.
    fn guard(&self, name: &str, args: &Value) -> Result<(), String> {
        let Some(owner) = self.db.owner(name, args) else { return Ok(()) };
        let owner = owner?;
        match &self.customer {
            None => Err("The customer is not authenticated yet: first find their user id with \
                         find_user_id_by_email or find_user_id_by_name_zip."
                .into()),
            Some(customer) if *customer == owner => Ok(()),
            Some(_) => Err("This belongs to another customer; you may only help the authenticated customer.".into()),
        }
    }
}

#[async_trait]
impl Toolbox for RetailToolbox {
    fn tools(&self) -> Vec<AgentTool> {
        retail_tools()
    }

    async fn describe(&self, name: &str, arguments: &Value) -> ToolResult {
        let session = self.lock();
        session.guard(name, arguments)?;
        session.db.check(name, arguments).map(|c| c.summary)
    }

    async fn call(&self, name: &str, arguments: &Value) -> ToolResult {
        let mut session = self.lock();
        session.guard(name, arguments)?;
        if is_write(name) {
            // Checked again: the database may have changed since it was described.
            let checked = session.db.check(name, arguments)?;
            return Ok(session.db.apply(checked.change));
        }
        let found = session.db.read(name, arguments)?;
        if name.starts_with("find_user_id_") {
            match &session.customer {
                None => session.customer = Some(found.clone()),
                Some(customer) if *customer == found => {}
                Some(_) => {
                    return Err("This conversation is already authenticated as another customer; you may only \
                                help that customer."
                        .into());
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// Two customers: Ann (gift card 100.00, credit card) with a pending
    /// order paid by gift card and a delivered one paid by card; Bob with
    /// a pending order.
    fn small_db() -> RetailDb {
        let address = json!({ "address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA",
                              "state": "TX", "zip": "78701" });
        let shirt = |id: &str, color: &str, price: f64| {
            json!({ "name": "T-Shirt", "product_id": "p1", "item_id": id, "price": price,
                    "options": { "color": color } })
        };
        RetailDb::parse(
            &json!({
                "products": { "p1": { "name": "T-Shirt", "product_id": "p1", "variants": {
                    "i1": { "item_id": "i1", "options": { "color": "red" }, "available": true, "price": 10.5 },
                    "i2": { "item_id": "i2", "options": { "color": "blue" }, "available": true, "price": 12.0 },
                    "i3": { "item_id": "i3", "options": { "color": "green" }, "available": false, "price": 9.0 },
                } } },
                "users": {
                    "ann_1": { "user_id": "ann_1", "name": { "first_name": "Ann", "last_name": "Lee" },
                               "address": address, "email": "ann@example.com", "orders": ["#W1", "#W2"],
                               "payment_methods": {
                                   "gift_card_1": { "source": "gift_card", "id": "gift_card_1", "balance": 100.0 },
                                   "credit_card_1": { "source": "credit_card", "id": "credit_card_1",
                                                      "brand": "visa", "last_four": "4242" } } },
                    "bob_2": { "user_id": "bob_2", "name": { "first_name": "Bob", "last_name": "Ray" },
                               "address": address, "email": "bob@example.com", "orders": ["#W3"],
                               "payment_methods": { "paypal_2": { "source": "paypal", "id": "paypal_2" } } },
                },
                "orders": {
                    "#W1": { "order_id": "#W1", "user_id": "ann_1", "address": address, "status": "pending",
                             "items": [shirt("i1", "red", 10.5), shirt("i1", "red", 10.5)], "fulfillments": [],
                             "payment_history": [{ "transaction_type": "payment", "amount": 21.0,
                                                   "payment_method_id": "gift_card_1" }] },
                    "#W2": { "order_id": "#W2", "user_id": "ann_1", "address": address, "status": "delivered",
                             "items": [shirt("i2", "blue", 12.0)],
                             "fulfillments": [{ "tracking_id": ["123"], "item_ids": ["i2"] }],
                             "payment_history": [{ "transaction_type": "payment", "amount": 12.0,
                                                   "payment_method_id": "credit_card_1" }] },
                    "#W3": { "order_id": "#W3", "user_id": "bob_2", "address": address, "status": "pending",
                             "items": [shirt("i2", "blue", 12.0)], "fulfillments": [],
                             "payment_history": [{ "transaction_type": "payment", "amount": 12.0,
                                                   "payment_method_id": "paypal_2" }] },
                },
            })
            .to_string(),
        )
        .unwrap()
    }

    fn balance(db: &RetailDb) -> Money {
        db.users["ann_1"].payment_methods["gift_card_1"].balance.unwrap()
    }

    #[test]
    fn cancelling_a_pending_order_cancels_it_and_refunds_the_gift_card_at_once() {
        let mut db = small_db();

        let result = db.invoke("cancel_pending_order", &json!({ "order_id": "#W1", "reason": "no longer needed" }));

        assert!(result.unwrap().contains("\"status\":\"cancelled\""));
        let order = &db.orders["#W1"];
        assert_eq!(order.status, "cancelled");
        assert_eq!(order.cancel_reason.as_deref(), Some("no longer needed"));
        assert_eq!(
            order.payment_history.last(),
            Some(&Payment {
                transaction_type: "refund".into(),
                amount: Money(2100),
                payment_method_id: "gift_card_1".into()
            })
        );
        assert_eq!(balance(&db), Money(12_100));
    }

    #[test]
    fn a_delivered_order_or_a_bad_reason_cannot_be_cancelled() {
        let mut db = small_db();
        let before = db.hash();

        let delivered =
            db.invoke("cancel_pending_order", &json!({ "order_id": "#W2", "reason": "ordered by mistake" }));
        let reason = db.invoke("cancel_pending_order", &json!({ "order_id": "#W1", "reason": "too expensive" }));

        assert_eq!(delivered, Err("Non-pending order cannot be cancelled".into()));
        assert!(reason.unwrap_err().starts_with("Invalid reason"));
        assert_eq!(db.hash(), before, "a refused write changes nothing");
    }

    #[test]
    fn users_are_found_by_email_or_by_name_and_zip() {
        let db = small_db();

        assert_eq!(db.read("find_user_id_by_email", &json!({ "email": "ANN@example.com" })), Ok("ann_1".into()));
        assert_eq!(
            db.read("find_user_id_by_email", &json!({ "email": "nobody@example.com" })),
            Err("User not found".into())
        );
        assert_eq!(
            db.read("find_user_id_by_name_zip", &json!({ "first_name": "ann", "last_name": "Lee", "zip": "78701" })),
            Ok("ann_1".into())
        );
        assert!(
            db.read("find_user_id_by_name_zip", &json!({ "first_name": "Ann", "last_name": "Lee", "zip": "1" }))
                .is_err()
        );
    }

    #[test]
    fn items_are_modified_once_to_available_variants_of_the_same_product() {
        let mut db = small_db();
        let args = |new: &str| {
            json!({ "order_id": "#W1", "item_ids": ["i1", "i1"], "new_item_ids": ["i2", new],
                    "payment_method_id": "gift_card_1" })
        };

        assert!(db.check("modify_pending_order_items", &args("i3")).unwrap_err().contains("not found or available"));
        let summary = db.check("modify_pending_order_items", &args("i2")).unwrap().summary;
        db.invoke("modify_pending_order_items", &args("i2")).unwrap();

        assert!(summary.contains("price difference of 3.00 is charged to gift card gift_card_1"), "{summary}");
        let order = &db.orders["#W1"];
        assert_eq!(order.status, "pending (item modified)");
        assert!(order.items.iter().all(|i| i.item_id == "i2" && i.price == Money(1200)));
        assert_eq!(balance(&db), Money(9700));
        assert!(db.invoke("modify_pending_order_items", &args("i2")).is_err(), "only once");
        assert!(
            db.invoke("cancel_pending_order", &json!({ "order_id": "#W1", "reason": "ordered by mistake" })).is_err()
        );
    }

    #[test]
    fn a_return_refunds_to_the_original_method_or_a_gift_card_only() {
        let mut db = small_db();
        let args = |method: &str| json!({ "order_id": "#W2", "item_ids": ["i2"], "payment_method_id": method });

        assert!(db.check("return_delivered_order_items", &args("paypal_2")).is_err(), "not Ann's");
        assert!(db.check("return_delivered_order_items", &args("gift_card_1")).is_ok());
        db.invoke("return_delivered_order_items", &args("credit_card_1")).unwrap();

        let order = &db.orders["#W2"];
        assert_eq!(order.status, "return requested");
        assert_eq!(order.return_items, Some(vec!["i2".into()]));
        assert!(db.invoke("return_delivered_order_items", &args("credit_card_1")).is_err());
    }

    #[test]
    fn paying_with_a_gift_card_needs_its_balance() {
        let mut db = small_db();
        db.users.get_mut("ann_1").unwrap().payment_methods.get_mut("gift_card_1").unwrap().balance = Some(Money(500));
        let pay = json!({ "order_id": "#W1", "payment_method_id": "credit_card_1" });

        db.invoke("modify_pending_order_payment", &pay).unwrap();

        assert_eq!(balance(&db), Money(2600), "the gift card got its 21.00 back");
        let back = json!({ "order_id": "#W1", "payment_method_id": "gift_card_1" });
        assert!(db.check("modify_pending_order_payment", &back).is_err(), "only one payment may be on the order");
    }

    #[test]
    fn calculate_follows_python_arithmetic_and_rounding() {
        assert_eq!(calculate("2 + 2"), Ok("4.0".into()));
        assert_eq!(calculate("(10.5 - 3) * 2 / 3"), Ok("5.0".into()));
        assert_eq!(calculate("1 / 3"), Ok("0.33".into()));
        assert_eq!(calculate("-2 ** 2"), Ok("-4.0".into()));
        assert!(calculate("1 / 0").is_err());
        assert!(calculate("import os").is_err());
        assert!(calculate("(1 + 2").is_err());
    }

    #[tokio::test]
    async fn the_toolbox_serves_only_the_authenticated_customer() {
        let toolbox = RetailToolbox::new(small_db());
        let order = json!({ "order_id": "#W1" });

        assert!(toolbox.call("get_order_details", &order).await.unwrap_err().contains("not authenticated"));
        assert_eq!(
            toolbox.call("find_user_id_by_email", &json!({ "email": "ann@example.com" })).await,
            Ok("ann_1".into())
        );
        assert!(toolbox.call("get_order_details", &order).await.is_ok());
        let bobs = json!({ "order_id": "#W3", "reason": "no longer needed" });
        assert!(toolbox.describe("cancel_pending_order", &bobs).await.unwrap_err().contains("another customer"));
        assert!(toolbox.call("find_user_id_by_email", &json!({ "email": "bob@example.com" })).await.is_err());
        assert_eq!(toolbox.customer().as_deref(), Some("ann_1"));
        let summary =
            toolbox.describe("cancel_pending_order", &json!({ "order_id": "#W1", "reason": "no longer needed" })).await;
        assert!(summary.unwrap().contains("refund 21.00 to gift card gift_card_1"));
        assert_eq!(toolbox.db().orders["#W1"].status, "pending", "describing does not write");
    }

    #[test]
    fn the_hash_is_stable_and_sees_every_change() {
        let db = small_db();
        let mut changed = small_db();
        changed.users.get_mut("bob_2").unwrap().address.zip = "78702".into();

        assert_eq!(db.hash(), small_db().hash());
        assert_ne!(db.hash(), changed.hash());
        assert_eq!(RetailDb::parse(&db.canonical_json()).unwrap(), db, "the canonical form reads back");
    }
}

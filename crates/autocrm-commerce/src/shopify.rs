//! The real shop: Shopify's Admin GraphQL API for customers, orders,
//! products, cancellations, edits, returns and refunds, and Appstle's
//! external REST API ([`crate::appstle`]) for subscriptions.
//!
//! Every write follows the same three steps, so this provider refuses exactly
//! what the built-in mock refuses: fetch the record, run the shop's policy
//! rule from `autocrm_domain::commerce` on a copy (Shopify itself does not
//! know the support policy), and only then call the mutation. A refused
//! action sends no write request at all. The returned record is fetched
//! again after the write; the [`Outcome`] sentence is the rule's.
//!
//! Ids are Shopify's numeric ids without the `gid://shopify/Order/` prefix,
//! so they are safe in URLs; the prefix is added back (after checking the id
//! is all digits) before a call. Order lines are expanded to one
//! [`LineItem`](autocrm_domain::commerce::LineItem) per unit, as the domain counts them: a line item of quantity
//! one keeps its id (`1234`), a line item of quantity three becomes
//! `1234-1`, `1234-2` and `1234-3`. Payment methods are `tx-<transaction>`
//! (the order's payment; refunds go back through it as the parent
//! transaction), `gc-<gift card>` and `sc-<store credit account>`.
//!
//! GraphQL `userErrors` become [`CommerceError::Refused`]; HTTP errors,
//! top-level GraphQL errors (throttling, missing scopes), timeouts and
//! unreadable answers become [`CommerceError::Unavailable`]. The access
//! token is sent only in the `X-Shopify-Access-Token` header and never
//! logged or printed.
//!
//! Documentation followed (Admin GraphQL API, version pinned by
//! [`DEFAULT_API_VERSION`]): `customers(query:)`, `customer(id:)`,
//! `giftCards(query: "customer_id:…")`, `orders(query: "customer_id:…")`,
//! `order(id:)`, `nodes(ids:)` for products, `orderCancel` with
//! `refundMethod.originalPaymentMethodsRefund`, `orderUpdate` with
//! `shippingAddress`, `orderEditBegin` / `orderEditSetQuantity` /
//! `orderEditAddVariant` / `orderEditCommit`, `returnCreate` with
//! `returnLineItems` and `exchangeLineItems`, `refundCreate` with
//! `transactions[].parentId` or `refundMethods[].storeCreditRefund`, and
//! `giftCardCredit`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use autocrm_domain::Principal;
use autocrm_domain::commerce::{
    self as rules, Address, CancelReason, Customer, IntervalUnit, ItemSwap, Order, OrderStatus, Outcome, Product,
    Refusal, Subscription,
};
use autocrm_store::Clock;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::appstle::{AppstleClient, AppstleConfig};
use crate::{Change, CommerceError, CommerceProvider, CommerceResult};

mod graphql;
mod wire;

use graphql::{
    CUSTOMER, CUSTOMER_FIELDS, FIND_CUSTOMER, GIFT_CARD_CREDIT, ORDER, ORDER_CANCEL, ORDER_EDIT_ADD_VARIANT,
    ORDER_EDIT_BEGIN, ORDER_EDIT_COMMIT, ORDER_EDIT_SET_QUANTITY, ORDER_FIELDS, ORDER_UPDATE, ORDERS, PRODUCTS,
    REFUND_CREATE, RETURN_CREATE,
};
use wire::{
    Fetched, IdRef, Nodes, WireCalculatedOrder, WireCustomer, WireGiftCard, WireOrder, WireProduct, empty_address,
    map_customer, map_order, map_product, refused, user_errors,
};

/// The Admin API version the request shapes below were written against.
pub const DEFAULT_API_VERSION: &str = "2025-10";
/// How long one request may take before the shop counts as unavailable.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Orders listed per customer.
const ORDER_LIMIT: u32 = 50;
/// Units expanded per line item (a wholesale line of 10,000 units is not a support case).
pub(super) const MAX_UNITS: i64 = 100;

/// A credential: usable by the client, invisible in `Debug` output and logs.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Whether no credential was given.
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_empty() { "Secret(<empty>)" } else { "Secret(<redacted>)" })
    }
}

/// The configuration is unusable (reported at start-up).
#[derive(Debug, thiserror::Error)]
#[error("commerce configuration: {0}")]
pub struct ConfigError(pub String);

/// Where and how to reach the shop.
#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    /// The shop's `myshopify.com` domain or just its handle (`everline`).
    pub shop: String,
    /// An Admin API access token (custom app or OAuth).
    pub access_token: Secret,
    /// The Admin API version, such as `2025-10`.
    pub api_version: String,
    /// Overrides `https://{shop}.myshopify.com` (tests point it at a fake).
    pub base_url: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Subscriptions through Appstle; without it the shop has none.
    pub appstle: Option<AppstleConfig>,
}

impl ShopifyConfig {
    /// A configuration with the pinned API version and the default timeout.
    pub fn new(shop: impl Into<String>, access_token: Secret) -> Self {
        Self {
            shop: shop.into(),
            access_token,
            api_version: DEFAULT_API_VERSION.to_owned(),
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            appstle: None,
        }
    }
}

/// `https://{handle}.myshopify.com` from a handle, a domain or a URL.
fn shop_origin(shop: &str) -> Result<String, ConfigError> {
    let s = shop.trim().trim_start_matches("https://").trim_end_matches('/').to_ascii_lowercase();
    let host = if s.contains('.') { s } else { format!("{s}.myshopify.com") };
    let handle = host.strip_suffix(".myshopify.com").unwrap_or_default();
    let valid =
        !handle.is_empty() && handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !handle.starts_with('-');
    if !valid {
        return Err(ConfigError(format!("`{shop}` is not a shop handle or a *.myshopify.com domain")));
    }
    Ok(format!("https://{host}"))
}

fn valid_api_version(v: &str) -> bool {
    let b = v.as_bytes();
    v == "unstable" || (b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()))
}

/// A client with a timeout, no redirects and no proxy lookups, shared by both APIs.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: one provider wins.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("AutoCRM/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError(format!("cannot build the HTTP client: {e}")))
}

/// A transport failure, described without the request URL's secrets (there are none in URLs).
pub(crate) fn transport_error(service: &str, op: &str, e: &reqwest::Error) -> CommerceError {
    let what = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else if e.is_decode() {
        "answered with something unreadable".to_owned()
    } else {
        "failed".to_owned()
    };
    tracing::warn!(service, op, error = %e, "commerce request failed");
    CommerceError::Unavailable(format!("{service} {op} {what}"))
}

/// `123` from `gid://shopify/Order/123` (or from `123`).
pub(crate) fn short(gid: &str) -> String {
    let tail = gid.rsplit('/').next().unwrap_or(gid);
    tail.split('?').next().unwrap_or(tail).to_owned()
}

fn digits(id: &str) -> bool {
    !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())
}

/// `gid://shopify/{kind}/{id}`, or not found when the id cannot be one of Shopify's.
fn gid(kind: &str, id: &str) -> CommerceResult<String> {
    if digits(id) { Ok(format!("gid://shopify/{kind}/{id}")) } else { Err(CommerceError::NotFound) }
}

/// Cents from a decimal string (`"12.5"` → 1250); rounds beyond two places.
pub(crate) fn cents(amount: &str) -> Option<i64> {
    let s = amount.trim();
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut f: String = frac.chars().take(3).collect();
    while f.len() < 3 {
        f.push('0');
    }
    let mills: i64 = f.parse().ok()?;
    let total = whole.checked_mul(100)?.checked_add((mills + 5) / 10)?;
    Some(if neg { -total } else { total })
}

/// `12.34` from 1234 (a `Decimal`/`Money` input).
pub(crate) fn decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Our id of unit `k` of `units` of Shopify line item `line`.
pub(super) fn unit_id(line: &str, k: i64, units: i64) -> String {
    if units == 1 { line.to_owned() } else { format!("{line}-{k}") }
}

/// Shopify line item ids and unit counts for a list of our unit ids.
fn group_units<'a>(ids: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for id in ids {
        let line = id.split_once('-').map_or(id, |(l, _)| l);
        *out.entry(line.to_owned()).or_insert(0) += 1;
    }
    out
}

pub(super) fn null_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Shopify (orders, customers, products) plus Appstle (subscriptions).
pub struct ShopifyProvider {
    http: reqwest::Client,
    endpoint: String,
    token: Secret,
    appstle: Option<AppstleClient>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ShopifyProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyProvider")
            .field("endpoint", &self.endpoint)
            .field("appstle", &self.appstle.is_some())
            .finish_non_exhaustive()
    }
}

impl ShopifyProvider {
    /// Checks the configuration and builds the HTTP clients (no request is sent).
    pub fn new(config: ShopifyConfig, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        if config.access_token.is_empty() {
            return Err(ConfigError("the Shopify access token is missing".into()));
        }
        if !valid_api_version(&config.api_version) {
            return Err(ConfigError(format!("`{}` is not a Shopify API version such as 2025-10", config.api_version)));
        }
        let origin = match config.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(url) => return Err(ConfigError(format!("the Shopify base URL `{url}` must start with https://"))),
            None => shop_origin(&config.shop)?,
        };
        let http = http_client(config.timeout)?;
        let appstle = config.appstle.map(|a| AppstleClient::new(a, http.clone())).transpose()?;
        Ok(Self {
            http,
            endpoint: format!("{origin}/admin/api/{}/graphql.json", config.api_version),
            token: config.access_token,
            appstle,
            clock,
        })
    }

    /// The GraphQL endpoint in use (no credentials in it).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Posts one operation and returns its `data`.
    async fn graphql(&self, op: &str, query: String, variables: Value) -> CommerceResult<Value> {
        let started = Instant::now();
        let res = self
            .http
            .post(&self.endpoint)
            .header("X-Shopify-Access-Token", self.token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&json!({ "query": query, "variables": variables, "operationName": op }))
            .send()
            .await
            .map_err(|e| transport_error("Shopify", op, &e))?;
        let status = res.status();
        tracing::debug!(op, status = status.as_u16(), ms = started.elapsed().as_millis() as u64, "shopify request");
        if !status.is_success() {
            let what = match status.as_u16() {
                401 | 403 => "refused the access token",
                404 => "has no such shop or API version",
                429 => "is throttling requests",
                _ => "answered with an error",
            };
            return Err(CommerceError::Unavailable(format!("Shopify {what} (HTTP {} to {op})", status.as_u16())));
        }
        let body: Value = res.json().await.map_err(|e| transport_error("Shopify", op, &e))?;
        if let Some(errors) = body.get("errors").and_then(Value::as_array).filter(|e| !e.is_empty()) {
            let message = errors.iter().filter_map(|e| e.get("message").and_then(Value::as_str)).collect::<Vec<_>>();
            tracing::warn!(op, errors = ?message, "shopify GraphQL errors");
            return Err(CommerceError::Unavailable(format!("Shopify could not run {op}: {}", message.join("; "))));
        }
        match body.get("data") {
            Some(data) if !data.is_null() => Ok(data.clone()),
            _ => Err(CommerceError::Unavailable(format!("Shopify answered {op} without data"))),
        }
    }

    /// `data.<key>`, or the empty value when Shopify answered null.
    fn field<T: DeserializeOwned + Default>(op: &str, data: &Value, key: &str) -> CommerceResult<T> {
        match data.get(key) {
            Some(v) if !v.is_null() => Self::parse(op, v.clone()),
            _ => Ok(T::default()),
        }
    }

    fn parse<T: DeserializeOwned>(op: &str, value: Value) -> CommerceResult<T> {
        serde_json::from_value(value).map_err(|e| {
            tracing::warn!(op, error = %e, "unexpected Shopify answer");
            CommerceError::Unavailable(format!("Shopify answered {op} in an unexpected shape"))
        })
    }

    /// Runs a mutation and turns its user errors into a refusal.
    async fn mutate(&self, op: &str, doc: &str, field: &str, errors: &str, variables: Value) -> CommerceResult<Value> {
        let data = self.graphql(op, doc.to_owned(), variables).await?;
        refused(op, &user_errors(&data, field, errors))?;
        Ok(data.get(field).cloned().unwrap_or(Value::Null))
    }

    async fn fetch_order(&self, id: &str) -> CommerceResult<Fetched> {
        let id = gid("Order", id)?;
        let data = self.graphql("AutoCrmOrder", format!("{ORDER}{ORDER_FIELDS}"), json!({ "id": id })).await?;
        match data.get("order") {
            Some(o) if !o.is_null() => Ok(map_order(Self::parse("AutoCrmOrder", o.clone())?)),
            _ => Err(CommerceError::NotFound),
        }
    }

    async fn fetch_customer(&self, id: &str) -> CommerceResult<Option<Customer>> {
        let gid = gid("Customer", id)?;
        let cards = format!("customer_id:{id} status:enabled");
        let data = self
            .graphql(
                "AutoCrmCustomer",
                format!("{CUSTOMER}{CUSTOMER_FIELDS}"),
                json!({ "id": gid, "giftCards": cards }),
            )
            .await?;
        let Some(c) = data.get("customer").filter(|c| !c.is_null()) else { return Ok(None) };
        let customer: WireCustomer = Self::parse("AutoCrmCustomer", c.clone())?;
        let cards: Nodes<WireGiftCard> = Self::field("AutoCrmCustomer", &data, "giftCards")?;
        Ok(Some(map_customer(customer, cards.nodes)))
    }

    /// The order's customer with the order's own payments added: the rules'
    /// view of "the customer's payment methods" for this order.
    async fn policy_customer(&self, f: &Fetched) -> CommerceResult<Customer> {
        let mut customer = match f.order.customer_id.as_str() {
            "" => None,
            id => self.fetch_customer(id).await?,
        }
        .unwrap_or_else(|| Customer {
            id: String::new(),
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            phone: None,
            address: empty_address(),
            payment_methods: Vec::new(),
            tags: Vec::new(),
        });
        for m in &f.methods {
            if customer.payment_method(&m.id).is_none() {
                customer.payment_methods.push(m.clone());
            }
        }
        Ok(customer)
    }

    /// The order as Shopify has it after a write, with the rule's outcome sentence.
    async fn refetched(&self, id: &str, outcome: Outcome) -> CommerceResult<Change<Order>> {
        let record = self.fetch_order(id).await?.order;
        Ok(Change { record, outcome })
    }

    /// Money back to `method` (`tx-`, `gc-` or `sc-`), optionally recording refunded line items.
    async fn refund_money(
        &self,
        f: &Fetched,
        method: &str,
        amount: i64,
        lines: &BTreeMap<String, i64>,
        note: &str,
    ) -> CommerceResult<()> {
        let order_gid = gid("Order", &f.order.id)?;
        let mut input = json!({ "orderId": order_gid, "note": note, "notify": true });
        if !lines.is_empty() {
            let items: Vec<Value> = lines
                .iter()
                .map(|(line, qty)| {
                    Ok(json!({ "lineItemId": gid("LineItem", line)?, "quantity": qty, "restockType": "NO_RESTOCK" }))
                })
                .collect::<CommerceResult<_>>()?;
            input["refundLineItems"] = Value::Array(items);
        }
        let money = json!({ "amount": decimal(amount), "currencyCode": f.order.currency });
        let mut gift_card = None;
        match method.split_once('-') {
            Some(("tx", tx)) => {
                let gateway = f.gateways.get(method).cloned().unwrap_or_default();
                input["transactions"] = json!([{
                    "orderId": order_gid,
                    "parentId": gid("OrderTransaction", tx)?,
                    "amount": decimal(amount),
                    "gateway": gateway,
                    "kind": "REFUND",
                }]);
            }
            Some(("sc", _)) => input["refundMethods"] = json!([{ "storeCreditRefund": { "amount": money } }]),
            Some(("gc", card)) => gift_card = Some(gid("GiftCard", card)?),
            _ => return Err(CommerceError::Refused(Refusal::invalid("no such payment method for this customer"))),
        }
        // A gift card refund records the refunded items, then credits the card.
        if gift_card.is_none() || !lines.is_empty() {
            self.mutate("AutoCrmRefundCreate", REFUND_CREATE, "refundCreate", "userErrors", json!({ "input": input }))
                .await?;
        }
        if let Some(card) = gift_card {
            let credit = json!({ "id": card, "creditInput": { "creditAmount": money, "note": format!("{} — {note}", f.order.name) } });
            self.mutate("AutoCrmGiftCardCredit", GIFT_CARD_CREDIT, "giftCardCredit", "userErrors", credit)
                .await
                .map_err(|e| match e {
                    CommerceError::Refused(r) if !lines.is_empty() => CommerceError::Unavailable(format!(
                        "the items of {} were marked refunded but crediting the gift card failed ({}); credit it by hand",
                        f.order.name, r.reason
                    )),
                    other => other,
                })?;
        }
        Ok(())
    }

    /// Products of these ids (numeric), skipping ids that are not products.
    async fn catalogue(&self, ids: impl IntoIterator<Item = String>) -> CommerceResult<Vec<Product>> {
        let mut gids: Vec<String> =
            ids.into_iter().filter(|i| digits(i)).map(|i| format!("gid://shopify/Product/{i}")).collect();
        gids.sort();
        gids.dedup();
        if gids.is_empty() {
            return Ok(Vec::new());
        }
        let data = self.graphql("AutoCrmProducts", PRODUCTS.to_owned(), json!({ "ids": gids })).await?;
        let nodes: Vec<Option<WireProduct>> = Self::field("AutoCrmProducts", &data, "nodes")?;
        Ok(nodes.into_iter().flatten().filter(|p| !p.id.is_empty()).map(map_product).collect())
    }

    fn appstle(&self) -> CommerceResult<&AppstleClient> {
        self.appstle.as_ref().ok_or(CommerceError::NotFound)
    }

    /// Fetches the contract and runs the policy rule on a copy: a refusal stops before any write.
    async fn checked_subscription(
        &self,
        id: &str,
        rule: impl FnOnce(&mut Subscription) -> Result<Outcome, Refusal> + Send,
    ) -> CommerceResult<(&AppstleClient, Outcome)> {
        let appstle = self.appstle()?;
        let mut copy = appstle.contract(id).await?;
        Ok((appstle, rule(&mut copy)?))
    }

    /// The contract as Appstle has it after a write, with the rule's outcome sentence.
    async fn subscription_after(&self, id: &str, outcome: Outcome) -> CommerceResult<Change<Subscription>> {
        Ok(Change { record: self.appstle()?.contract(id).await?, outcome })
    }
}

#[async_trait]
impl CommerceProvider for ShopifyProvider {
    fn name(&self) -> &'static str {
        "shopify"
    }

    async fn find_customer(&self, _p: &Principal, email: &str) -> CommerceResult<Option<Customer>> {
        let email = email.trim().to_lowercase();
        // The search syntax quotes the value; an address with quotes or spaces is no customer's.
        if email.is_empty() || email.len() > 254 || email.contains(['"', '\\', ' ']) {
            return Ok(None);
        }
        let data = self
            .graphql("AutoCrmFindCustomer", FIND_CUSTOMER.to_owned(), json!({ "query": format!("email:\"{email}\"") }))
            .await?;
        let found: Nodes<IdRef> = Self::field("AutoCrmFindCustomer", &data, "customers")?;
        match found.nodes.first() {
            Some(c) => self.fetch_customer(&short(&c.id)).await,
            None => Ok(None),
        }
    }

    async fn orders(&self, _p: &Principal, customer_id: &str) -> CommerceResult<Vec<Order>> {
        if !digits(customer_id) {
            return Ok(Vec::new());
        }
        let vars = json!({ "query": format!("customer_id:{customer_id}"), "first": ORDER_LIMIT });
        let data = self.graphql("AutoCrmOrders", format!("{ORDERS}{ORDER_FIELDS}"), vars).await?;
        let orders: Nodes<WireOrder> = Self::field("AutoCrmOrders", &data, "orders")?;
        Ok(orders.nodes.into_iter().map(|o| map_order(o).order).collect())
    }

    async fn order(&self, _p: &Principal, order_id: &str) -> CommerceResult<Order> {
        Ok(self.fetch_order(order_id).await?.order)
    }

    async fn products(&self, _p: &Principal, product_ids: &[String]) -> CommerceResult<Vec<Product>> {
        self.catalogue(product_ids.iter().cloned()).await
    }

    async fn cancel_order(
        &self,
        _p: &Principal,
        order_id: &str,
        reason: CancelReason,
    ) -> CommerceResult<Change<Order>> {
        let f = self.fetch_order(order_id).await?;
        let mut customer = self.policy_customer(&f).await?;
        let mut copy = f.order.clone();
        let outcome = rules::cancel_order(&mut copy, &mut customer, reason, self.clock.now())?;
        let vars = json!({
            "orderId": gid("Order", order_id)?,
            // Both of the policy's reasons are the customer's wish.
            "reason": "CUSTOMER",
            "refundMethod": { "originalPaymentMethodsRefund": true },
            "restock": true,
            "notifyCustomer": true,
            "staffNote": format!("Cancelled by support in AutoCRM: {}", reason.label()),
        });
        self.mutate("AutoCrmOrderCancel", ORDER_CANCEL, "orderCancel", "orderCancelUserErrors", vars).await?;
        let mut change = self.refetched(order_id, outcome).await?;
        // orderCancel runs as a job: until it finishes, report what it will do.
        if change.record.status != OrderStatus::Cancelled {
            change.record.status = OrderStatus::Cancelled;
            change.record.cancel_reason = copy.cancel_reason;
        }
        Ok(change)
    }

    async fn change_address(&self, _p: &Principal, order_id: &str, address: Address) -> CommerceResult<Change<Order>> {
        let f = self.fetch_order(order_id).await?;
        let mut copy = f.order.clone();
        let outcome = rules::change_address(&mut copy, address.clone())?;
        // The input replaces the whole address: keep the recipient's name.
        let name = f.recipient;
        let vars = json!({ "input": {
            "id": gid("Order", order_id)?,
            "shippingAddress": {
                "firstName": name.0,
                "lastName": name.1,
                "address1": address.line1,
                "address2": address.line2,
                "city": address.city,
                "provinceCode": address.province,
                "zip": address.zip,
                "countryCode": address.country,
            },
        }});
        self.mutate("AutoCrmOrderUpdate", ORDER_UPDATE, "orderUpdate", "userErrors", vars).await?;
        self.refetched(order_id, outcome).await
    }

    async fn change_payment(
        &self,
        _p: &Principal,
        order_id: &str,
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>> {
        let f = self.fetch_order(order_id).await?;
        let mut customer = self.policy_customer(&f).await?;
        let mut copy = f.order.clone();
        rules::change_payment(&mut copy, &mut customer, payment_method_id, self.clock.now())?;
        // The Admin API has no documented mutation that swaps an order's payment.
        Err(CommerceError::Refused(Refusal::policy(
            "Shopify does not let support change the payment method of a placed order; cancel it and place a new one",
        )))
    }

    async fn change_items(
        &self,
        _p: &Principal,
        order_id: &str,
        swaps: &[ItemSwap],
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>> {
        let f = self.fetch_order(order_id).await?;
        let mut customer = self.policy_customer(&f).await?;
        let catalogue = self.catalogue(f.order.items.iter().map(|i| i.product_id.clone())).await?;
        let mut copy = f.order.clone();
        let outcome =
            rules::change_items(&mut copy, &mut customer, swaps, payment_method_id, &catalogue, self.clock.now())?;

        let begin = self
            .mutate(
                "AutoCrmOrderEditBegin",
                ORDER_EDIT_BEGIN,
                "orderEditBegin",
                "userErrors",
                json!({ "id": gid("Order", order_id)? }),
            )
            .await?;
        let calc: WireCalculatedOrder = Self::field("AutoCrmOrderEditBegin", &begin, "calculatedOrder")?;
        // A calculated line item keeps the numeric id of the line item it edits.
        for (line, removed) in group_units(swaps.iter().map(|s| s.line_id.as_str())) {
            let Some(cl) = calc.line_items.nodes.iter().find(|c| short(&c.id) == line) else {
                return Err(CommerceError::Unavailable(format!("Shopify's order edit has no line item {line}")));
            };
            let vars = json!({ "id": calc.id, "lineItemId": cl.id, "quantity": (cl.quantity - removed).max(0), "restock": true });
            self.mutate(
                "AutoCrmOrderEditSetQuantity",
                ORDER_EDIT_SET_QUANTITY,
                "orderEditSetQuantity",
                "userErrors",
                vars,
            )
            .await?;
        }
        let mut added: BTreeMap<&str, i64> = BTreeMap::new();
        for s in swaps {
            *added.entry(s.variant_id.as_str()).or_insert(0) += 1;
        }
        for (variant, quantity) in added {
            let vars = json!({ "id": calc.id, "variantId": gid("ProductVariant", variant)?, "quantity": quantity });
            self.mutate(
                "AutoCrmOrderEditAddVariant",
                ORDER_EDIT_ADD_VARIANT,
                "orderEditAddVariant",
                "userErrors",
                vars,
            )
            .await?;
        }
        // A dearer order leaves a balance: Shopify's order-edit e-mail asks the customer to pay it.
        let vars = json!({ "id": calc.id, "notifyCustomer": true, "staffNote": outcome.summary });
        self.mutate("AutoCrmOrderEditCommit", ORDER_EDIT_COMMIT, "orderEditCommit", "userErrors", vars).await?;
        if outcome.amount_cents > 0 {
            let note = format!("Price difference of modified items on {}", f.order.name);
            self.refund_money(&f, payment_method_id, outcome.amount_cents, &BTreeMap::new(), &note).await?;
        }
        self.refetched(order_id, outcome).await
    }

    async fn return_items(
        &self,
        _p: &Principal,
        order_id: &str,
        line_ids: &[String],
        refund_to: &str,
    ) -> CommerceResult<Change<Order>> {
        let f = self.fetch_order(order_id).await?;
        let customer = self.policy_customer(&f).await?;
        let mut copy = f.order.clone();
        let outcome = rules::return_items(&mut copy, &customer, line_ids, refund_to, self.clock.now())?;
        let label = customer.payment_method(refund_to).map_or(refund_to, |m| m.label.as_str());
        let note = format!("Refund to {label} ({refund_to}) once received");
        let lines = return_lines(&f, line_ids.iter().map(String::as_str), "UNWANTED", &note)?;
        let input =
            json!({ "orderId": gid("Order", order_id)?, "returnLineItems": lines, "requestedAt": self.clock.now() });
        self.mutate(
            "AutoCrmReturnCreate",
            RETURN_CREATE,
            "returnCreate",
            "userErrors",
            json!({ "returnInput": input }),
        )
        .await?;
        self.refetched(order_id, outcome).await
    }

    async fn exchange_items(
        &self,
        _p: &Principal,
        order_id: &str,
        swaps: &[ItemSwap],
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>> {
        let f = self.fetch_order(order_id).await?;
        let mut customer = self.policy_customer(&f).await?;
        let catalogue = self.catalogue(f.order.items.iter().map(|i| i.product_id.clone())).await?;
        let mut copy = f.order.clone();
        let outcome =
            rules::exchange_items(&mut copy, &mut customer, swaps, payment_method_id, &catalogue, self.clock.now())?;
        let note = "Exchange for another option of the same product";
        let lines = return_lines(&f, swaps.iter().map(|s| s.line_id.as_str()), "OTHER", note)?;
        let mut wanted: BTreeMap<&str, i64> = BTreeMap::new();
        for s in swaps {
            *wanted.entry(s.variant_id.as_str()).or_insert(0) += 1;
        }
        let exchange: Vec<Value> = wanted
            .into_iter()
            .map(|(v, q)| Ok(json!({ "variantId": gid("ProductVariant", v)?, "quantity": q })))
            .collect::<CommerceResult<_>>()?;
        let input = json!({
            "orderId": gid("Order", order_id)?,
            "returnLineItems": lines,
            "exchangeLineItems": exchange,
            "requestedAt": self.clock.now(),
        });
        self.mutate(
            "AutoCrmReturnCreate",
            RETURN_CREATE,
            "returnCreate",
            "userErrors",
            json!({ "returnInput": input }),
        )
        .await?;
        self.refetched(order_id, outcome).await
    }

    async fn refund(
        &self,
        _p: &Principal,
        order_id: &str,
        line_ids: &[String],
        refund_to: &str,
        reason: &str,
    ) -> CommerceResult<Change<Order>> {
        let f = self.fetch_order(order_id).await?;
        let mut customer = self.policy_customer(&f).await?;
        let mut copy = f.order.clone();
        let outcome = rules::refund_items(&mut copy, &mut customer, line_ids, refund_to, reason, self.clock.now())?;
        let lines = group_units(line_ids.iter().map(String::as_str));
        self.refund_money(&f, refund_to, outcome.amount_cents, &lines, reason.trim()).await?;
        self.refetched(order_id, outcome).await
    }

    async fn subscriptions(&self, _p: &Principal, customer_id: &str) -> CommerceResult<Vec<Subscription>> {
        match &self.appstle {
            Some(a) if digits(customer_id) => a.contracts_of(customer_id).await,
            _ => Ok(Vec::new()),
        }
    }

    async fn subscription(&self, _p: &Principal, id: &str) -> CommerceResult<Subscription> {
        self.appstle()?.contract(id).await
    }

    async fn pause_subscription(&self, _p: &Principal, id: &str) -> CommerceResult<Change<Subscription>> {
        let (appstle, outcome) = self.checked_subscription(id, rules::pause_subscription).await?;
        appstle.set_status(id, "PAUSED").await?;
        self.subscription_after(id, outcome).await
    }

    async fn resume_subscription(&self, _p: &Principal, id: &str) -> CommerceResult<Change<Subscription>> {
        let today = self.clock.now().date_naive();
        let (appstle, outcome) = self.checked_subscription(id, |s| rules::resume_subscription(s, today)).await?;
        appstle.set_status(id, "ACTIVE").await?;
        self.subscription_after(id, outcome).await
    }

    async fn skip_next(&self, _p: &Principal, id: &str) -> CommerceResult<Change<Subscription>> {
        let (appstle, outcome) = self.checked_subscription(id, rules::skip_next).await?;
        appstle.skip_next(id).await?;
        self.subscription_after(id, outcome).await
    }

    async fn cancel_subscription(
        &self,
        _p: &Principal,
        id: &str,
        reason: &str,
    ) -> CommerceResult<Change<Subscription>> {
        let today = self.clock.now().date_naive();
        let (appstle, outcome) =
            self.checked_subscription(id, |s| rules::cancel_subscription(s, reason, today)).await?;
        appstle.cancel(id, reason.trim()).await?;
        self.subscription_after(id, outcome).await
    }

    async fn change_frequency(
        &self,
        _p: &Principal,
        id: &str,
        unit: IntervalUnit,
        count: u32,
    ) -> CommerceResult<Change<Subscription>> {
        let (appstle, outcome) = self.checked_subscription(id, |s| rules::change_frequency(s, unit, count)).await?;
        appstle.set_billing_interval(id, unit, count).await?;
        self.subscription_after(id, outcome).await
    }
}

/// `returnLineItems` for these units: fulfillment line items and quantities.
fn return_lines<'a>(
    f: &Fetched,
    units: impl IntoIterator<Item = &'a str>,
    reason: &str,
    note: &str,
) -> CommerceResult<Vec<Value>> {
    let mut out = Vec::new();
    for (line, mut wanted) in group_units(units) {
        for (_, fli, qty) in f.shipped.iter().filter(|(l, _, _)| *l == line) {
            if wanted == 0 {
                break;
            }
            let n = wanted.min(*qty);
            out.push(json!({
                "fulfillmentLineItemId": fli,
                "quantity": n,
                "returnReason": reason,
                "returnReasonNote": note.chars().take(255).collect::<String>(),
            }));
            wanted -= n;
        }
        if wanted > 0 {
            return Err(CommerceError::Refused(Refusal::policy(format!(
                "item {line} of order {} was not shipped, so it cannot be sent back",
                f.order.name
            ))));
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_cents_and_back() {
        assert_eq!(cents("12.34"), Some(1234));
        assert_eq!(cents("12.3"), Some(1230));
        assert_eq!(cents("12"), Some(1200));
        assert_eq!(cents("0.005"), Some(1));
        assert_eq!(cents("-4.50"), Some(-450));
        assert_eq!(cents("abc"), None);
        assert_eq!(cents(""), None);
        assert_eq!(decimal(1234), "12.34");
        assert_eq!(decimal(5), "0.05");
    }

    #[test]
    fn gids_are_stripped_and_only_digits_come_back() {
        assert_eq!(short("gid://shopify/Order/123"), "123");
        assert_eq!(short("gid://shopify/LineItem/9?x=1"), "9");
        assert_eq!(gid("Order", "123").unwrap(), "gid://shopify/Order/123");
        assert!(matches!(gid("Order", "1\"){x}"), Err(CommerceError::NotFound)));
        assert!(matches!(gid("Order", ""), Err(CommerceError::NotFound)));
    }

    #[test]
    fn units_group_back_into_line_items() {
        let g = group_units(["11", "12-1", "12-3"]);
        assert_eq!(g, BTreeMap::from([("11".to_owned(), 1), ("12".to_owned(), 2)]));
        assert_eq!(unit_id("12", 2, 3), "12-2");
        assert_eq!(unit_id("11", 1, 1), "11");
    }

    #[test]
    fn shop_handles_become_myshopify_origins() {
        assert_eq!(shop_origin("everline").unwrap(), "https://everline.myshopify.com");
        assert_eq!(shop_origin("https://Everline.myshopify.com/").unwrap(), "https://everline.myshopify.com");
        assert!(shop_origin("evil.example.com").is_err());
        assert!(shop_origin("").is_err());
        assert!(valid_api_version("2025-10"));
        assert!(valid_api_version("unstable"));
        assert!(!valid_api_version("2025-1"));
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let cfg = ShopifyConfig::new("everline", Secret::new("shpat_very_secret"));
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("shpat_very_secret"), "{shown}");
    }
}

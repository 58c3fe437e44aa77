//! The Shopify + Appstle provider against a fake shop on loopback: one HTTP
//! server that answers the Admin GraphQL endpoint and Appstle's external API
//! with canned JSON shaped like the documented responses, and records every
//! request so the tests can check the request shapes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines, clippy::too_many_arguments)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use autocrm_commerce::appstle::AppstleConfig;
use autocrm_commerce::shopify::{Secret, ShopifyConfig, ShopifyProvider};
use autocrm_commerce::{CommerceError, CommerceProvider};
use autocrm_domain::Principal;
use autocrm_domain::commerce::{
    Address, CancelReason, IntervalUnit, ItemSwap, OrderStatus, PaymentKind, SubscriptionStatus, TransactionKind,
};
use autocrm_store::Clock;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

const TOKEN: &str = "shpat_test_token_0123456789";
const API_KEY: &str = "apst_test_key_0123456789";
const GRAPHQL: &str = "/admin/api/2025-10/graphql.json";

// ---------------------------------------------------------------------------
// The fake shop.

/// One request as the fake saw it.
#[derive(Debug, Clone)]
struct Recorded {
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Value,
}

impl Recorded {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
    fn op(&self) -> &str {
        self.body["operationName"].as_str().unwrap_or("")
    }
    fn document(&self) -> &str {
        self.body["query"].as_str().unwrap_or("")
    }
    fn vars(&self) -> &Value {
        &self.body["variables"]
    }
    fn is_write(&self) -> bool {
        self.document().trim_start().starts_with("mutation")
            || (self.path.starts_with("/api/") && self.method != Method::GET)
    }
}

#[derive(Default)]
struct Inner {
    log: Mutex<Vec<Recorded>>,
    /// Operation name or path → the answer to give instead of the default.
    overrides: Mutex<HashMap<String, (u16, Value)>>,
    slow: Mutex<Option<Duration>>,
}

struct Fake {
    url: String,
    inner: Arc<Inner>,
}

impl Fake {
    async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, inner }
    }

    fn provider(&self) -> ShopifyProvider {
        self.provider_with_timeout(Duration::from_secs(5))
    }

    fn provider_with_timeout(&self, timeout: Duration) -> ShopifyProvider {
        let mut cfg = ShopifyConfig::new("everline", Secret::new(TOKEN));
        cfg.base_url = Some(self.url.clone());
        cfg.timeout = timeout;
        cfg.appstle = Some(AppstleConfig { api_key: Secret::new(API_KEY), base_url: self.url.clone() });
        ShopifyProvider::new(cfg, Arc::new(FixedClock)).unwrap()
    }

    fn answer(&self, key: &str, status: u16, body: Value) {
        self.inner.overrides.lock().unwrap().insert(key.to_owned(), (status, body));
    }

    fn slow_down(&self, by: Duration) {
        *self.inner.slow.lock().unwrap() = Some(by);
    }

    fn requests(&self) -> Vec<Recorded> {
        self.inner.log.lock().unwrap().clone()
    }

    fn ops(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| if r.op().is_empty() { format!("{} {}", r.method, r.path) } else { r.op().to_owned() })
            .collect()
    }

    fn writes(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(Recorded::is_write).collect()
    }

    fn only(&self, op: &str) -> Recorded {
        let found: Vec<Recorded> = self.requests().into_iter().filter(|r| r.op() == op).collect();
        assert_eq!(found.len(), 1, "expected one {op}, got {:?}", self.ops());
        found.into_iter().next().unwrap()
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rec = Recorded {
        method,
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or("").to_owned(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    inner.log.lock().unwrap().push(rec.clone());
    let slow = *inner.slow.lock().unwrap();
    if let Some(d) = slow {
        tokio::time::sleep(d).await;
    }
    let key = if rec.path == GRAPHQL { rec.op().to_owned() } else { rec.path.clone() };
    let (status, body) = inner.overrides.lock().unwrap().get(&key).cloned().unwrap_or_else(|| answer(&rec));
    let status = StatusCode::from_u16(status).unwrap();
    if body.is_null() { status.into_response() } else { (status, axum::Json(body)).into_response() }
}

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&Utc)
    }
}

fn p() -> Principal {
    Principal::system(1)
}

// ---------------------------------------------------------------------------
// Canned answers, shaped like Shopify's and Appstle's documented responses.

fn money(amount: &str) -> Value {
    json!({ "shopMoney": { "amount": amount, "currencyCode": "USD" } })
}

fn line(id: u64, title: &str, qty: i64, current: i64, product: u64, variant: u64, color: &str, price: &str) -> Value {
    json!({
        "id": format!("gid://shopify/LineItem/{id}"),
        "title": title,
        "quantity": qty,
        "currentQuantity": current,
        "product": { "id": format!("gid://shopify/Product/{product}") },
        "variant": {
            "id": format!("gid://shopify/ProductVariant/{variant}"),
            "selectedOptions": [{ "name": "Color", "value": color }]
        },
        "discountedUnitPriceSet": money(price),
    })
}

fn transaction(id: u64, kind: &str, gateway: &str, amount: &str, parent: Option<u64>, at: &str) -> Value {
    json!({
        "id": format!("gid://shopify/OrderTransaction/{id}"),
        "kind": kind,
        "status": "SUCCESS",
        "gateway": gateway,
        "formattedGateway": if gateway == "paypal" { "PayPal" } else { "Shopify Payments" },
        "processedAt": at,
        "amountSet": money(amount),
        "parentTransaction": parent.map(|p| json!({ "id": format!("gid://shopify/OrderTransaction/{p}") })),
        "paymentDetails": if gateway == "shopify_payments" {
            json!({ "company": "Visa", "number": "•••• •••• •••• 4242" })
        } else {
            json!({})
        },
    })
}

fn delivered(lines: &[(u64, u64, i64)]) -> Value {
    json!([{
        "status": "SUCCESS",
        "displayStatus": "DELIVERED",
        "deliveredAt": "2026-11-10T15:00:00Z",
        "trackingInfo": [{ "company": "UPS", "number": "1Z999AA10123456784", "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784" }],
        "fulfillmentLineItems": { "nodes": lines.iter().map(|(fli, li, q)| json!({
            "id": format!("gid://shopify/FulfillmentLineItem/{fli}"),
            "quantity": q,
            "lineItem": { "id": format!("gid://shopify/LineItem/{li}") },
        })).collect::<Vec<_>>() },
    }])
}

fn order(id: u64, extra: Value) -> Value {
    let mut o = json!({
        "id": format!("gid://shopify/Order/{id}"),
        "name": format!("#{id}"),
        "createdAt": "2026-11-01T09:00:00Z",
        "cancelledAt": null,
        "cancelReason": null,
        "edited": false,
        "currencyCode": "USD",
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "customer": { "id": "gid://shopify/Customer/77" },
        "shippingAddress": {
            "firstName": "Cat", "lastName": "Lee", "address1": "1 Main St", "address2": null,
            "city": "Denver", "provinceCode": "CO", "zip": "80202", "countryCodeV2": "US"
        },
        "lineItems": { "nodes": [] },
        "fulfillments": [],
        "transactions": [],
        "refunds": [],
        "returns": { "nodes": [] },
    });
    let Value::Object(extra) = extra else { panic!("order fields are an object") };
    for (k, v) in extra {
        o[k] = v;
    }
    o
}

fn orders() -> Vec<Value> {
    vec![
        // Pending: nothing shipped, paid by card.
        order(
            1001,
            json!({
                "lineItems": { "nodes": [
                    line(11, "T-Shirt", 1, 1, 501, 601, "Blue", "50.00"),
                    line(12, "Mug", 2, 2, 502, 603, "White", "20.00"),
                ] },
                "transactions": [transaction(9001, "SALE", "shopify_payments", "90.00", None, "2026-11-01T09:00:01Z")],
            }),
        ),
        // Delivered, paid with PayPal.
        order(
            1002,
            json!({
                "displayFulfillmentStatus": "FULFILLED",
                "lineItems": { "nodes": [
                    line(21, "T-Shirt", 1, 1, 501, 602, "Red", "60.00"),
                    line(22, "Mug", 2, 2, 502, 603, "White", "20.00"),
                ] },
                "fulfillments": delivered(&[(71, 21, 1), (72, 22, 2)]),
                "transactions": [transaction(9002, "SALE", "paypal", "100.00", None, "2026-11-01T09:00:01Z")],
            }),
        ),
        // Cancelled and refunded.
        order(
            1003,
            json!({
                "cancelledAt": "2026-11-02T10:00:00Z",
                "cancelReason": "CUSTOMER",
                "lineItems": { "nodes": [line(31, "T-Shirt", 1, 0, 501, 601, "Blue", "50.00")] },
                "transactions": [
                    transaction(9004, "REFUND", "shopify_payments", "50.00", Some(9003), "2026-11-02T10:00:01Z"),
                    transaction(9003, "SALE", "shopify_payments", "50.00", None, "2026-11-01T09:00:01Z"),
                ],
                "refunds": [{ "refundLineItems": { "nodes": [{ "quantity": 1, "lineItem": { "id": "gid://shopify/LineItem/31" } }] } }],
            }),
        ),
        // Shipped, on its way.
        order(
            1004,
            json!({
                "displayFulfillmentStatus": "FULFILLED",
                "lineItems": { "nodes": [line(41, "Mug", 1, 1, 502, 603, "White", "20.00")] },
                "fulfillments": [{
                    "status": "SUCCESS", "displayStatus": "IN_TRANSIT", "deliveredAt": null,
                    "trackingInfo": [{ "company": "USPS", "number": "9400100000000000000000", "url": null }],
                    "fulfillmentLineItems": { "nodes": [{ "id": "gid://shopify/FulfillmentLineItem/81", "quantity": 1, "lineItem": { "id": "gid://shopify/LineItem/41" } }] },
                }],
                "transactions": [transaction(9005, "SALE", "shopify_payments", "20.00", None, "2026-11-01T09:00:01Z")],
            }),
        ),
        // Delivered, with an open exchange.
        order(
            1005,
            json!({
                "displayFulfillmentStatus": "FULFILLED",
                "lineItems": { "nodes": [line(51, "T-Shirt", 1, 1, 501, 601, "Blue", "50.00")] },
                "fulfillments": delivered(&[(91, 51, 1)]),
                "transactions": [transaction(9006, "SALE", "shopify_payments", "50.00", None, "2026-11-01T09:00:01Z")],
                "returns": { "nodes": [{
                    "id": "gid://shopify/Return/5", "status": "OPEN", "createdAt": "2026-11-12T08:00:00Z",
                    "returnLineItems": { "nodes": [{ "quantity": 1, "fulfillmentLineItem": { "lineItem": { "id": "gid://shopify/LineItem/51" } } }] },
                    "exchangeLineItems": { "nodes": [{ "quantity": 1, "variantId": "gid://shopify/ProductVariant/602" }] },
                }] },
            }),
        ),
    ]
}

fn products() -> Vec<Value> {
    let variant = |id: u64, color: &str, price: &str, available: bool| {
        json!({
            "id": format!("gid://shopify/ProductVariant/{id}"),
            "price": price,
            "availableForSale": available,
            "selectedOptions": [{ "name": "Color", "value": color }],
        })
    };
    vec![
        json!({ "id": "gid://shopify/Product/501", "title": "T-Shirt", "productType": "Clothing", "variants": { "nodes": [
            variant(601, "Blue", "50.00", true),
            variant(602, "Red", "60.00", true),
            variant(604, "Green", "40.00", false),
            variant(605, "Black", "45.00", true),
        ] } }),
        json!({ "id": "gid://shopify/Product/502", "title": "Mug", "productType": "Home", "variants": { "nodes": [
            variant(603, "White", "20.00", true),
        ] } }),
    ]
}

fn contract(id: u64, status: &str) -> Value {
    json!({
        "id": 1001,
        "shop": "everline.myshopify.com",
        "subscriptionContractId": id,
        "graphSubscriptionContractId": format!("gid://shopify/SubscriptionContract/{id}"),
        "status": status,
        "customerId": 77,
        "billingPolicyInterval": "MONTH",
        "billingPolicyIntervalCount": 1,
        "deliveryPolicyInterval": "MONTH",
        "deliveryPolicyIntervalCount": 1,
        "nextBillingDate": "2026-12-31T12:00:00.000+00:00",
        "currencyCode": "USD",
        "createdAt": "2026-01-31T08:00:00.000+00:00",
        "activatedOn": "2026-01-31T08:00:00.000+00:00",
        "contractDetailsJSON": "[{\"productId\":\"gid://shopify/Product/502\",\"variantId\":\"gid://shopify/ProductVariant/603\",\"productTitle\":\"Mug\",\"variantTitle\":\"White\",\"quantity\":1,\"currentPrice\":18.0}]",
    })
}

fn ok_payload(field: &str, errors: &str) -> Value {
    json!({ "data": { (field): { (errors): [] } } })
}

/// The fake's default answer to a request.
fn answer(r: &Recorded) -> (u16, Value) {
    if r.path == GRAPHQL {
        let data = match r.op() {
            "AutoCrmFindCustomer" => {
                let found = r.vars()["query"] == "email:\"cat@example.com\"";
                json!({ "customers": { "nodes": if found { json!([{ "id": "gid://shopify/Customer/77" }]) } else { json!([]) } } })
            }
            "AutoCrmCustomer" => json!({
                "customer": {
                    "id": "gid://shopify/Customer/77", "firstName": "Cat", "lastName": "Lee", "tags": ["vip"],
                    "defaultEmailAddress": { "emailAddress": "Cat@Example.com" },
                    "defaultPhoneNumber": { "phoneNumber": "+13035550100" },
                    "defaultAddress": { "address1": "1 Main St", "address2": "Apt 2", "city": "Denver", "provinceCode": "CO", "zip": "80202", "countryCodeV2": "US" },
                    "storeCreditAccounts": { "nodes": [{ "id": "gid://shopify/StoreCreditAccount/99", "balance": { "amount": "5.00", "currencyCode": "USD" } }] },
                },
                "giftCards": { "nodes": [{ "id": "gid://shopify/GiftCard/88", "lastCharacters": "abcd", "balance": { "amount": "17.00", "currencyCode": "USD" } }] },
            }),
            "AutoCrmOrders" => json!({ "orders": { "nodes": orders().into_iter().rev().collect::<Vec<_>>() } }),
            "AutoCrmOrder" => {
                let found = orders().into_iter().find(|o| o["id"] == r.vars()["id"]);
                json!({ "order": found })
            }
            "AutoCrmProducts" => {
                let ids = r.vars()["ids"].as_array().unwrap();
                let nodes: Vec<Value> = ids
                    .iter()
                    .map(|id| products().into_iter().find(|p| &p["id"] == id).unwrap_or(Value::Null))
                    .collect();
                json!({ "nodes": nodes })
            }
            "AutoCrmOrderCancel" => {
                return (
                    200,
                    json!({ "data": { "orderCancel": { "job": { "id": "gid://shopify/Job/1", "done": false }, "orderCancelUserErrors": [] } } }),
                );
            }
            "AutoCrmOrderEditBegin" => json!({ "orderEditBegin": {
                "calculatedOrder": { "id": "gid://shopify/CalculatedOrder/7", "lineItems": { "nodes": [
                    { "id": "gid://shopify/CalculatedLineItem/11", "quantity": 1, "variant": { "id": "gid://shopify/ProductVariant/601" } },
                    { "id": "gid://shopify/CalculatedLineItem/12", "quantity": 2, "variant": { "id": "gid://shopify/ProductVariant/603" } },
                ] } },
                "userErrors": [],
            } }),
            "AutoCrmOrderUpdate" => return (200, ok_payload("orderUpdate", "userErrors")),
            "AutoCrmOrderEditSetQuantity" => return (200, ok_payload("orderEditSetQuantity", "userErrors")),
            "AutoCrmOrderEditAddVariant" => return (200, ok_payload("orderEditAddVariant", "userErrors")),
            "AutoCrmOrderEditCommit" => return (200, ok_payload("orderEditCommit", "userErrors")),
            "AutoCrmReturnCreate" => return (200, ok_payload("returnCreate", "userErrors")),
            "AutoCrmRefundCreate" => return (200, ok_payload("refundCreate", "userErrors")),
            "AutoCrmGiftCardCredit" => return (200, ok_payload("giftCardCredit", "userErrors")),
            other => return (400, json!({ "errors": [{ "message": format!("unknown operation {other}") }] })),
        };
        return (200, json!({ "data": data }));
    }
    let contract_id = r.query.split('&').find_map(|kv| kv.strip_prefix("contractId=")).unwrap_or("");
    match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/api/external/v2/subscription-customers-detail/valid/77") => {
            (200, json!([contract(555, "active"), contract(556, "paused")]))
        }
        ("GET", "/api/external/v2/subscription-contract-details") => match contract_id {
            "555" => (200, json!([contract(555, "active")])),
            "556" => (200, json!([contract(556, "paused")])),
            _ => (200, json!([])),
        },
        ("DELETE", _) => (204, Value::Null),
        ("PUT", _) => (200, json!({ "id": 1, "status": "SKIPPED" })),
        _ => (404, json!({ "title": "Not Found" })),
    }
}

// ---------------------------------------------------------------------------
// Reading the shop.

#[tokio::test]
async fn finding_a_customer_by_email_searches_customers_and_maps_gift_cards_and_store_credit() {
    let fake = Fake::start().await;

    let c = fake.provider().find_customer(&p(), " Cat@Example.com ").await.unwrap().unwrap();

    let search = fake.only("AutoCrmFindCustomer");
    assert_eq!(search.method, Method::POST);
    assert_eq!(search.path, GRAPHQL);
    assert_eq!(search.header("x-shopify-access-token"), TOKEN);
    assert!(search.header("content-type").starts_with("application/json"));
    assert!(search.document().contains("customers(first: 1, query: $query)"));
    assert_eq!(search.vars()["query"], "email:\"cat@example.com\"");
    let details = fake.only("AutoCrmCustomer");
    assert_eq!(details.vars()["id"], "gid://shopify/Customer/77");
    assert_eq!(details.vars()["giftCards"], "customer_id:77 status:enabled");
    assert!(details.document().contains("giftCards(first: 20, query: $giftCards)"));

    assert_eq!((c.id.as_str(), c.email.as_str(), c.first_name.as_str()), ("77", "cat@example.com", "Cat"));
    assert_eq!(c.phone.as_deref(), Some("+13035550100"));
    assert_eq!(c.address.line2.as_deref(), Some("Apt 2"));
    assert_eq!(c.tags, vec!["vip"]);
    let gift = c.payment_method("gc-88").unwrap();
    assert_eq!(
        (gift.kind, gift.label.as_str(), gift.balance_cents),
        (PaymentKind::GiftCard, "Gift card ending abcd", Some(1_700))
    );
    assert_eq!(c.payment_method("sc-99").unwrap().balance_cents, Some(500));
}

#[tokio::test]
async fn an_unknown_or_malformed_email_finds_no_customer() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    assert!(shop.find_customer(&p(), "nobody@example.com").await.unwrap().is_none());
    assert!(shop.find_customer(&p(), "x\" OR email:*").await.unwrap().is_none());

    assert_eq!(fake.ops(), vec!["AutoCrmFindCustomer"], "the malformed address is never sent");
}

#[tokio::test]
async fn orders_map_units_tracking_payments_and_statuses() {
    let fake = Fake::start().await;

    let list = fake.provider().orders(&p(), "77").await.unwrap();

    let req = fake.only("AutoCrmOrders");
    assert_eq!(req.vars()["query"], "customer_id:77");
    assert_eq!(req.vars()["first"], 50);
    for field in [
        "lineItems(first: 100)",
        "fulfillments(first: 20)",
        "trackingInfo(first: 5) { company number url }",
        "transactions(first: 50)",
        "displayFulfillmentStatus",
        "cancelledAt",
        "returns(first: 10)",
    ] {
        assert!(req.document().contains(field), "the query selects {field}");
    }
    let by_id = |id: &str| list.iter().find(|o| o.id == id).unwrap();
    let statuses: Vec<(&str, OrderStatus)> = list.iter().map(|o| (o.id.as_str(), o.status)).collect();
    assert_eq!(
        statuses,
        vec![
            ("1005", OrderStatus::ExchangeRequested),
            ("1004", OrderStatus::Processed),
            ("1003", OrderStatus::Cancelled),
            ("1002", OrderStatus::Delivered),
            ("1001", OrderStatus::Pending),
        ]
    );

    let pending = by_id("1001");
    let ids: Vec<&str> = pending.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, vec!["11", "12-1", "12-2"], "one line per unit");
    assert_eq!(pending.items[1].options["color"], "White");
    assert_eq!((pending.items[1].product_id.as_str(), pending.items[1].variant_id.as_str()), ("502", "603"));
    assert_eq!(pending.total_cents(), 9_000);
    assert_eq!(pending.original_payment_method(), Some("tx-9001"));
    assert_eq!(pending.shipping_address.city, "Denver");

    let delivered = by_id("1002");
    assert_eq!(delivered.fulfilments.len(), 1);
    let f = &delivered.fulfilments[0];
    assert_eq!((f.carrier.as_str(), f.tracking_number.as_str()), ("UPS", "1Z999AA10123456784"));
    assert!(f.tracking_url.as_deref().unwrap().contains("1Z999AA10123456784"));
    assert_eq!(f.line_ids, vec!["21", "22-1", "22-2"]);

    let cancelled = by_id("1003");
    assert_eq!(cancelled.items.len(), 1, "refunded units stay on the order");
    assert_eq!(cancelled.items[0].refunded_cents, 5_000);
    assert_eq!(cancelled.original_payment_method(), Some("tx-9003"), "payments first, oldest first");
    let refund = cancelled.transactions.iter().find(|t| t.kind == TransactionKind::Refund).unwrap();
    assert_eq!((refund.amount_cents, refund.payment_method_id.as_str()), (5_000, "tx-9003"));
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("customer"));

    let exchange = &by_id("1005").returns[0];
    assert_eq!((exchange.kind.as_str(), exchange.line_ids.clone()), ("exchange", vec!["51".to_owned()]));
    assert_eq!(exchange.new_variants["51"], "602");
}

#[tokio::test]
async fn products_are_read_by_id_with_their_variants() {
    let fake = Fake::start().await;

    let list = fake.provider().products(&p(), &["501".into(), "bogus".into()]).await.unwrap();

    assert_eq!(fake.only("AutoCrmProducts").vars()["ids"], json!(["gid://shopify/Product/501"]));
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].name.as_str(), list[0].category.as_str()), ("T-Shirt", "Clothing"));
    let green = list[0].variants.iter().find(|v| v.id == "604").unwrap();
    assert_eq!((green.price_cents, green.available, green.options["color"].as_str()), (4_000, false, "Green"));
}

#[tokio::test]
async fn ids_that_cannot_be_shopify_ids_are_not_found_without_a_request() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    assert!(matches!(shop.order(&p(), "1001\") { x }").await, Err(CommerceError::NotFound)));
    assert!(matches!(shop.subscription(&p(), "../555").await, Err(CommerceError::NotFound)));
    assert!(shop.orders(&p(), "77 OR 1").await.unwrap().is_empty());
    assert!(fake.requests().is_empty());

    assert!(matches!(shop.order(&p(), "424242").await, Err(CommerceError::NotFound)), "Shopify answers null");
}

// ---------------------------------------------------------------------------
// Changing orders.

#[tokio::test]
async fn cancelling_a_pending_order_sends_order_cancel_with_a_full_refund_and_restock() {
    let fake = Fake::start().await;

    let change = fake.provider().cancel_order(&p(), "1001", CancelReason::OrderedByMistake).await.unwrap();

    let cancel = fake.only("AutoCrmOrderCancel");
    assert!(cancel.document().contains("orderCancel(orderId: $orderId"));
    assert_eq!(
        cancel.vars(),
        &json!({
            "orderId": "gid://shopify/Order/1001",
            "reason": "CUSTOMER",
            "refundMethod": { "originalPaymentMethodsRefund": true },
            "restock": true,
            "notifyCustomer": true,
            "staffNote": "Cancelled by support in AutoCRM: ordered by mistake",
        })
    );
    assert_eq!(change.record.status, OrderStatus::Cancelled, "reported as cancelled while Shopify's job runs");
    assert_eq!(change.outcome.amount_cents, 9_000);
    assert!(change.outcome.summary.contains("Cancelled order #1001"), "{}", change.outcome.summary);
    assert_eq!(fake.ops().last().unwrap(), "AutoCrmOrder", "the record is read again after the write");
}

#[tokio::test]
async fn cancelling_a_delivered_order_is_refused_without_any_write() {
    let fake = Fake::start().await;

    let err = fake.provider().cancel_order(&p(), "1002", CancelReason::NoLongerNeeded).await.unwrap_err();

    let CommerceError::Refused(r) = err else { panic!("expected a refusal, got {err:?}") };
    assert_eq!(r.code, "policy");
    assert!(r.reason.contains("only pending orders can be cancelled"), "{}", r.reason);
    assert!(fake.writes().is_empty(), "no mutation after a policy refusal: {:?}", fake.ops());
}

#[tokio::test]
async fn changing_the_address_sends_order_update_and_keeps_the_recipient() {
    let fake = Fake::start().await;
    let address = Address {
        line1: "9 Elm Rd".into(),
        line2: Some("Unit 4".into()),
        city: "Boulder".into(),
        province: "CO".into(),
        zip: "80301".into(),
        country: "US".into(),
    };

    let change = fake.provider().change_address(&p(), "1001", address).await.unwrap();

    let update = fake.only("AutoCrmOrderUpdate");
    assert!(update.document().contains("orderUpdate(input: $input)"));
    assert_eq!(
        update.vars()["input"],
        json!({
            "id": "gid://shopify/Order/1001",
            "shippingAddress": {
                "firstName": "Cat", "lastName": "Lee", "address1": "9 Elm Rd", "address2": "Unit 4",
                "city": "Boulder", "provinceCode": "CO", "zip": "80301", "countryCode": "US"
            }
        })
    );
    assert!(change.outcome.summary.contains("9 Elm Rd"));
}

#[tokio::test]
async fn shopify_user_errors_become_refusals() {
    let fake = Fake::start().await;
    fake.answer(
        "AutoCrmOrderUpdate",
        200,
        json!({ "data": { "orderUpdate": { "order": null, "userErrors": [
            { "field": ["shippingAddress", "zip"], "message": "Zip is not valid for Colorado" }
        ] } } }),
    );
    fake.answer(
        "AutoCrmOrderCancel",
        200,
        json!({ "data": { "orderCancel": { "job": null, "orderCancelUserErrors": [
            { "field": null, "message": "Cannot cancel an order with pending payments", "code": "INVALID" }
        ] } } }),
    );
    let shop = fake.provider();
    let address = Address {
        line1: "9 Elm Rd".into(),
        line2: None,
        city: "Boulder".into(),
        province: "CO".into(),
        zip: "99999".into(),
        country: "US".into(),
    };

    let Err(CommerceError::Refused(bad_zip)) = shop.change_address(&p(), "1001", address).await else { panic!() };
    let Err(CommerceError::Refused(state)) = shop.cancel_order(&p(), "1001", CancelReason::NoLongerNeeded).await else {
        panic!()
    };

    assert_eq!(bad_zip.code, "invalid", "an error about an input field");
    assert!(bad_zip.reason.contains("Zip is not valid for Colorado"), "{}", bad_zip.reason);
    assert_eq!(state.code, "policy", "an error about the order's state");
    assert!(state.reason.contains("pending payments"));
}

#[tokio::test]
async fn server_errors_graphql_errors_and_timeouts_make_the_shop_unavailable() {
    let fake = Fake::start().await;
    let shop = fake.provider_with_timeout(Duration::from_millis(300));

    fake.answer("AutoCrmOrder", 503, json!({ "errors": "Service Unavailable" }));
    let err = shop.order(&p(), "1001").await.unwrap_err();
    assert!(matches!(&err, CommerceError::Unavailable(m) if m.contains("503")), "{err:?}");

    fake.answer(
        "AutoCrmOrder",
        200,
        json!({ "errors": [{ "message": "Throttled", "extensions": { "code": "THROTTLED" } }] }),
    );
    let err = shop.order(&p(), "1001").await.unwrap_err();
    assert!(matches!(&err, CommerceError::Unavailable(m) if m.contains("Throttled")), "{err:?}");

    fake.answer("AutoCrmOrder", 401, json!({ "errors": "[API] Invalid API key or access token" }));
    let err = shop.order(&p(), "1001").await.unwrap_err();
    assert!(
        matches!(&err, CommerceError::Unavailable(m) if m.contains("access token") && !m.contains(TOKEN)),
        "{err:?}"
    );

    fake.slow_down(Duration::from_secs(2));
    let err = shop.orders(&p(), "77").await.unwrap_err();
    assert!(matches!(&err, CommerceError::Unavailable(m) if m.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn swapping_an_item_runs_an_order_edit_and_refunds_the_cheaper_price() {
    let fake = Fake::start().await;
    let swaps = [ItemSwap { line_id: "11".into(), variant_id: "605".into() }];

    let change = fake.provider().change_items(&p(), "1001", &swaps, "tx-9001").await.unwrap();

    let writes: Vec<String> = fake.writes().iter().map(|r| r.op().to_owned()).collect();
    assert_eq!(
        writes,
        vec![
            "AutoCrmOrderEditBegin",
            "AutoCrmOrderEditSetQuantity",
            "AutoCrmOrderEditAddVariant",
            "AutoCrmOrderEditCommit",
            "AutoCrmRefundCreate"
        ]
    );
    assert_eq!(fake.only("AutoCrmOrderEditBegin").vars()["id"], "gid://shopify/Order/1001");
    assert_eq!(
        fake.only("AutoCrmOrderEditSetQuantity").vars(),
        &json!({ "id": "gid://shopify/CalculatedOrder/7", "lineItemId": "gid://shopify/CalculatedLineItem/11", "quantity": 0, "restock": true })
    );
    assert_eq!(
        fake.only("AutoCrmOrderEditAddVariant").vars(),
        &json!({ "id": "gid://shopify/CalculatedOrder/7", "variantId": "gid://shopify/ProductVariant/605", "quantity": 1 })
    );
    let commit = fake.only("AutoCrmOrderEditCommit");
    assert_eq!(
        (commit.vars()["id"].as_str(), commit.vars()["notifyCustomer"].as_bool()),
        (Some("gid://shopify/CalculatedOrder/7"), Some(true))
    );
    let refund = fake.only("AutoCrmRefundCreate").vars()["input"].clone();
    assert_eq!(
        refund["transactions"],
        json!([{ "orderId": "gid://shopify/Order/1001", "parentId": "gid://shopify/OrderTransaction/9001", "amount": "5.00", "gateway": "shopify_payments", "kind": "REFUND" }])
    );
    assert!(refund.get("refundLineItems").is_none(), "only the difference is refunded");
    assert_eq!(change.outcome.amount_cents, 500);
}

#[tokio::test]
async fn swapping_to_another_product_or_an_unavailable_option_is_refused_without_an_edit() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    let other_product = [ItemSwap { line_id: "11".into(), variant_id: "603".into() }];
    let unavailable = [ItemSwap { line_id: "11".into(), variant_id: "604".into() }];
    for swaps in [&other_product[..], &unavailable[..]] {
        let err = shop.change_items(&p(), "1001", swaps, "tx-9001").await.unwrap_err();
        assert!(matches!(&err, CommerceError::Refused(r) if r.code == "policy"), "{err:?}");
    }
    assert!(fake.writes().is_empty(), "{:?}", fake.ops());
}

#[tokio::test]
async fn returning_delivered_items_creates_a_return_of_their_fulfillment_line_items() {
    let fake = Fake::start().await;

    let change = fake.provider().return_items(&p(), "1002", &["22-1".into(), "22-2".into()], "gc-88").await.unwrap();

    let create = fake.only("AutoCrmReturnCreate");
    assert!(create.document().contains("returnCreate(returnInput: $returnInput)"));
    let input = &create.vars()["returnInput"];
    assert_eq!(input["orderId"], "gid://shopify/Order/1002");
    assert_eq!(input["returnLineItems"][0]["fulfillmentLineItemId"], "gid://shopify/FulfillmentLineItem/72");
    assert_eq!(input["returnLineItems"][0]["quantity"], 2);
    assert_eq!(input["returnLineItems"][0]["returnReason"], "UNWANTED");
    assert!(input["returnLineItems"][0]["returnReasonNote"].as_str().unwrap().contains("Gift card ending abcd"));
    assert!(input.get("exchangeLineItems").is_none());
    assert!(change.outcome.summary.contains("$40.00"), "{}", change.outcome.summary);
}

#[tokio::test]
async fn returns_to_a_card_that_is_not_the_original_and_of_undelivered_orders_are_refused() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    let not_original = shop.return_items(&p(), "1002", &["21".into()], "tx-9001").await.unwrap_err();
    let in_transit = shop.return_items(&p(), "1004", &["41".into()], "tx-9005").await.unwrap_err();

    assert!(matches!(&not_original, CommerceError::Refused(r) if r.code == "invalid"), "{not_original:?}");
    assert!(
        matches!(&in_transit, CommerceError::Refused(r) if r.reason.contains("only delivered orders")),
        "{in_transit:?}"
    );
    assert!(fake.writes().is_empty());
}

#[tokio::test]
async fn exchanging_creates_a_return_with_exchange_line_items() {
    let fake = Fake::start().await;
    let swaps = [ItemSwap { line_id: "21".into(), variant_id: "601".into() }];

    fake.provider().exchange_items(&p(), "1002", &swaps, "tx-9002").await.unwrap();

    let input = fake.only("AutoCrmReturnCreate").vars()["returnInput"].clone();
    assert_eq!(input["returnLineItems"][0]["fulfillmentLineItemId"], "gid://shopify/FulfillmentLineItem/71");
    assert_eq!(input["returnLineItems"][0]["quantity"], 1);
    assert_eq!(input["exchangeLineItems"], json!([{ "variantId": "gid://shopify/ProductVariant/601", "quantity": 1 }]));
    assert_eq!(input["requestedAt"], "2026-11-21T10:00:00Z");
}

#[tokio::test]
async fn refunds_go_to_the_original_transaction_to_store_credit_or_to_a_gift_card() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    let to_paypal = shop.refund(&p(), "1002", &["21".into()], "tx-9002", "arrived torn").await.unwrap();
    let input = fake.only("AutoCrmRefundCreate").vars()["input"].clone();
    assert_eq!(input["orderId"], "gid://shopify/Order/1002");
    assert_eq!(input["note"], "arrived torn");
    assert_eq!(
        input["refundLineItems"],
        json!([{ "lineItemId": "gid://shopify/LineItem/21", "quantity": 1, "restockType": "NO_RESTOCK" }])
    );
    assert_eq!(input["transactions"][0]["parentId"], "gid://shopify/OrderTransaction/9002");
    assert_eq!(input["transactions"][0]["gateway"], "paypal");
    assert_eq!(input["transactions"][0]["amount"], "60.00");
    assert_eq!(to_paypal.outcome.amount_cents, 6_000);

    let fake = Fake::start().await;
    fake.provider().refund(&p(), "1002", &["22-1".into(), "22-2".into()], "sc-99", "chipped").await.unwrap();
    let input = fake.only("AutoCrmRefundCreate").vars()["input"].clone();
    assert_eq!(input["refundLineItems"][0]["quantity"], 2);
    assert_eq!(
        input["refundMethods"],
        json!([{ "storeCreditRefund": { "amount": { "amount": "40.00", "currencyCode": "USD" } } }])
    );
    assert!(input.get("transactions").is_none());

    let fake = Fake::start().await;
    fake.provider().refund(&p(), "1002", &["22-1".into()], "gc-88", "chipped").await.unwrap();
    assert_eq!(
        fake.writes().iter().map(|r| r.op().to_owned()).collect::<Vec<_>>(),
        vec!["AutoCrmRefundCreate", "AutoCrmGiftCardCredit"]
    );
    let credit = fake.only("AutoCrmGiftCardCredit");
    assert_eq!(credit.vars()["id"], "gid://shopify/GiftCard/88");
    assert_eq!(credit.vars()["creditInput"]["creditAmount"], json!({ "amount": "20.00", "currencyCode": "USD" }));
}

#[tokio::test]
async fn refunding_a_pending_order_or_an_item_twice_is_refused_without_a_refund() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    let pending = shop.refund(&p(), "1001", &["11".into()], "tx-9001", "late").await.unwrap_err();
    let cancelled = shop.refund(&p(), "1003", &["31".into()], "tx-9003", "again").await.unwrap_err();

    assert!(
        matches!(&pending, CommerceError::Refused(r) if r.reason.contains("cancel or modify it instead")),
        "{pending:?}"
    );
    assert!(matches!(&cancelled, CommerceError::Refused(r) if r.code == "policy"), "{cancelled:?}");
    assert!(fake.writes().is_empty());
}

#[tokio::test]
async fn changing_the_payment_method_is_refused_without_writing() {
    let fake = Fake::start().await;

    let shop = fake.provider();

    let short = shop.change_payment(&p(), "1001", "gc-88").await.unwrap_err();
    assert!(
        matches!(&short, CommerceError::Refused(r) if r.reason.contains("does not cover")),
        "the policy first: {short:?}"
    );

    let mut rich = answer(&Recorded {
        method: Method::POST,
        path: GRAPHQL.into(),
        query: String::new(),
        headers: HeaderMap::new(),
        body: json!({ "operationName": "AutoCrmCustomer" }),
    })
    .1;
    rich["data"]["giftCards"]["nodes"][0]["balance"]["amount"] = json!("500.00");
    fake.answer("AutoCrmCustomer", 200, rich);
    let err = shop.change_payment(&p(), "1001", "gc-88").await.unwrap_err();
    assert!(matches!(&err, CommerceError::Refused(r) if r.reason.contains("Shopify does not let")), "{err:?}");
    assert!(fake.writes().is_empty());
}

#[tokio::test]
async fn the_access_token_stays_in_its_header() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    shop.orders(&p(), "77").await.unwrap();
    shop.subscriptions(&p(), "77").await.unwrap();

    assert!(!format!("{shop:?}").contains(TOKEN));
    for r in fake.requests() {
        assert!(!r.query.contains(TOKEN) && !r.query.contains(API_KEY), "no credential in {}", r.query);
        assert!(!r.body.to_string().contains(TOKEN));
    }
}

// ---------------------------------------------------------------------------
// Subscriptions (Appstle).

#[tokio::test]
async fn subscriptions_are_read_from_appstle_with_the_api_key() {
    let fake = Fake::start().await;

    let subs = fake.provider().subscriptions(&p(), "77").await.unwrap();

    let req = &fake.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/api/external/v2/subscription-customers-detail/valid/77")
    );
    assert_eq!(req.header("x-api-key"), API_KEY);
    assert_eq!(subs.len(), 2);
    let s = &subs[0];
    assert_eq!((s.id.as_str(), s.customer_id.as_str(), s.status), ("555", "77", SubscriptionStatus::Active));
    assert_eq!((s.product_id.as_str(), s.variant_id.as_str(), s.name.as_str()), ("502", "603", "Mug (White)"));
    assert_eq!((s.price_cents, s.interval_unit, s.interval_count), (1_800, IntervalUnit::Month, 1));
    assert_eq!(s.next_charge_date, NaiveDate::from_ymd_opt(2026, 12, 31));
    assert_eq!((subs[1].status, subs[1].next_charge_date), (SubscriptionStatus::Paused, None));
}

#[tokio::test]
async fn pausing_skipping_re_timing_and_cancelling_call_appstle() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    shop.pause_subscription(&p(), "555").await.unwrap();
    shop.resume_subscription(&p(), "556").await.unwrap();
    let skipped = shop.skip_next(&p(), "555").await.unwrap();
    shop.change_frequency(&p(), "555", IntervalUnit::Week, 2).await.unwrap();
    shop.cancel_subscription(&p(), "555", "moving abroad").await.unwrap();

    let writes: Vec<(String, String, String)> =
        fake.writes().iter().map(|r| (r.method.to_string(), r.path.clone(), r.query.clone())).collect();
    let w = |m: &str, path: &str, q: &str| (m.to_owned(), format!("/api/external/v2/{path}"), q.to_owned());
    assert_eq!(
        writes,
        vec![
            w("PUT", "subscription-contracts-update-status", "contractId=555&status=PAUSED"),
            w("PUT", "subscription-contracts-update-status", "contractId=556&status=ACTIVE"),
            w("PUT", "subscription-billing-attempts/skip-upcoming-order", "subscriptionContractId=555"),
            w("PUT", "subscription-contracts-update-billing-interval", "contractId=555&interval=WEEK&intervalCount=2"),
            w(
                "DELETE",
                "subscription-contracts/555",
                "cancellationNote=Cancelled+by+support+in+AutoCRM&cancellationFeedback=moving+abroad"
            ),
        ]
    );
    assert!(fake.writes().iter().all(|r| r.header("x-api-key") == API_KEY));
    assert!(skipped.outcome.summary.contains("Skipped the 2026-12-31 delivery"), "{}", skipped.outcome.summary);
    assert_eq!(skipped.record.id, "555", "the contract is read again after the write");
}

#[tokio::test]
async fn a_subscription_change_the_policy_refuses_makes_no_appstle_write() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    let paused_again = shop.pause_subscription(&p(), "556").await.unwrap_err();
    let too_often = shop.change_frequency(&p(), "555", IntervalUnit::Week, 13).await.unwrap_err();

    assert!(matches!(&paused_again, CommerceError::Refused(r) if r.code == "policy"), "{paused_again:?}");
    assert!(matches!(&too_often, CommerceError::Refused(r) if r.code == "invalid"), "{too_often:?}");
    assert!(fake.writes().is_empty(), "{:?}", fake.ops());
}

#[tokio::test]
async fn appstle_refusals_outages_and_unknown_contracts_are_told_apart() {
    let fake = Fake::start().await;
    let shop = fake.provider();

    fake.answer(
        "/api/external/v2/subscription-contracts/555",
        400,
        json!({ "title": "Bad Request", "detail": "Minimum number of orders not reached" }),
    );
    let err = shop.cancel_subscription(&p(), "555", "").await.unwrap_err();
    assert!(matches!(&err, CommerceError::Refused(r) if r.reason.contains("Minimum number of orders")), "{err:?}");

    fake.answer("/api/external/v2/subscription-contracts-update-status", 502, json!({ "title": "Bad Gateway" }));
    let err = shop.pause_subscription(&p(), "555").await.unwrap_err();
    assert!(matches!(&err, CommerceError::Unavailable(m) if m.contains("502")), "{err:?}");

    assert!(matches!(shop.subscription(&p(), "999").await, Err(CommerceError::NotFound)));
}

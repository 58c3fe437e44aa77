//! The shop in the ticket: the requester's orders and subscriptions from the
//! built-in provider, the shop's policy enforced on every action, actions
//! recorded on the ticket, and nobody reaching another customer's orders.

use std::collections::BTreeMap;

use autocrm_domain::Principal;
use autocrm_domain::commerce::{
    Address, Customer, Fulfilment, IntervalUnit, LineItem, Order, OrderStatus, PaymentKind, PaymentMethod, Product,
    Subscription, SubscriptionStatus, Transaction, TransactionKind, Variant,
};
use autocrm_store::commerce::ShopData;
use autocrm_testkit::{Auth as _, Session, TestApp, spawn_app};
use chrono::{NaiveDate, TimeZone as _, Utc};
use serde_json::{Value, json};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) fn address(city: &str) -> Address {
    Address {
        line1: "1 Main St".into(),
        line2: None,
        city: city.into(),
        province: "CO".into(),
        zip: "80202".into(),
        country: "US".into(),
    }
}

pub(crate) fn customer(id: &str, email: &str, gift_cents: i64) -> Customer {
    Customer {
        id: id.into(),
        email: email.into(),
        first_name: id.into(),
        last_name: "Test".into(),
        phone: None,
        address: address("Denver"),
        payment_methods: vec![
            PaymentMethod {
                id: format!("{id}-pp"),
                kind: PaymentKind::Paypal,
                label: "PayPal".into(),
                balance_cents: None,
            },
            PaymentMethod {
                id: format!("{id}-gc"),
                kind: PaymentKind::GiftCard,
                label: "Gift card".into(),
                balance_cents: Some(gift_cents),
            },
        ],
        tags: vec![],
    }
}

pub(crate) fn product() -> Product {
    let v = |id: &str, color: &str, price| Variant {
        id: id.into(),
        options: BTreeMap::from([("color".into(), color.into())]),
        price_cents: price,
        available: true,
    };
    Product {
        id: "lamp".into(),
        name: "Desk Lamp".into(),
        category: "Home".into(),
        variants: vec![v("lamp-black", "black", 4_000), v("lamp-white", "white", 4_500)],
    }
}

pub(crate) fn order(id: &str, customer: &str, status: OrderStatus, days_ago: i64) -> Order {
    let line = |n: &str| LineItem {
        id: n.into(),
        product_id: "lamp".into(),
        variant_id: "lamp-black".into(),
        name: "Desk Lamp".into(),
        options: BTreeMap::from([("color".into(), "black".into())]),
        price_cents: 4_000,
        refunded_cents: 0,
    };
    Order {
        id: id.into(),
        name: format!("#{id}"),
        customer_id: customer.into(),
        status,
        placed_at: Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap() - chrono::Duration::days(days_ago),
        currency: "USD".into(),
        items: vec![line("1"), line("2")],
        shipping_address: address("Denver"),
        fulfilments: vec![Fulfilment {
            carrier: "UPS".into(),
            tracking_number: format!("1Z{id}"),
            tracking_url: None,
            line_ids: vec!["1".into(), "2".into()],
        }],
        transactions: vec![Transaction {
            kind: TransactionKind::Payment,
            amount_cents: 8_000,
            payment_method_id: format!("{customer}-pp"),
            at: None,
            note: None,
        }],
        cancel_reason: None,
        returns: vec![],
    }
}

pub(crate) fn subscription(id: &str, customer: &str) -> Subscription {
    Subscription {
        id: id.into(),
        customer_id: customer.into(),
        product_id: "lamp".into(),
        variant_id: "lamp-black".into(),
        name: "Desk Lamp (black)".into(),
        quantity: 1,
        price_cents: 3_600,
        currency: "USD".into(),
        interval_unit: IntervalUnit::Month,
        interval_count: 1,
        status: SubscriptionStatus::Active,
        started_on: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        next_charge_date: NaiveDate::from_ymd_opt(2026, 12, 15),
        skipped_dates: vec![],
        cancelled_on: None,
        cancel_reason: None,
    }
}

/// Carla has a delivered, a processed and a pending order and a subscription; Bob has one order.
async fn shop(app: &TestApp) {
    let data = ShopData {
        customers: vec![customer("carla", "carla@customer.test", 1_000), customer("bob", "bob@customer.test", 0)],
        products: vec![product()],
        orders: vec![
            order("W100", "carla", OrderStatus::Delivered, 30),
            order("W101", "carla", OrderStatus::Processed, 3),
            order("W102", "carla", OrderStatus::Pending, 1),
            order("W200", "bob", OrderStatus::Delivered, 10),
        ],
        subscriptions: vec![subscription("SUB-1", "carla"), subscription("SUB-2", "bob")],
    };
    autocrm_store::commerce::seed(&app.store, &Principal::system(app.ws), &data).await.unwrap();
}

async fn ticket_for(app: &TestApp, agent: &Session, email: &str) -> i64 {
    let body = json!({"subject": "About my order", "requester": {"email": email}, "message": {"body": "Hello"},
                      "custom_fields": {}});
    let (status, t) = send(app.http.post(app.url("/api/v1/tickets")).session(agent).json(&body)).await;
    assert_eq!(status, 201, "{t}");
    t["id"].as_i64().unwrap()
}

/// The shop, Anna signed in, and a ticket of Carla's.
async fn carla_ticket() -> (TestApp, Session, i64) {
    let app = spawn_app().await;
    shop(&app).await;
    let anna = app.login("acme", "anna@acme.test").await;
    let t = ticket_for(&app, &anna, "carla@customer.test").await;
    (app, anna, t)
}

async fn overview(app: &TestApp, agent: &Session, ticket: i64) -> Value {
    let (status, o) = send(app.http.get(app.url(&format!("/api/v1/tickets/{ticket}/commerce"))).session(agent)).await;
    assert_eq!(status, 200, "{o}");
    o
}

/// Carla's gift card balance in an overview.
fn gift_balance(overview: &Value) -> i64 {
    let methods = overview["customer"]["payment_methods"].as_array().unwrap();
    methods.iter().find(|m| m["id"] == "carla-gc").unwrap()["balance_cents"].as_i64().unwrap()
}

fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|o| o["id"] == id).unwrap()
}

#[tokio::test]
async fn the_ticket_shows_the_requesters_customer_record_orders_and_subscriptions() {
    // Arrange
    let app = spawn_app().await;
    shop(&app).await;
    let anna = app.login("acme", "anna@acme.test").await;
    let carla = ticket_for(&app, &anna, "Carla@Customer.test").await;
    let stranger = ticket_for(&app, &anna, "nobody@example.com").await;
    // Act
    let o = overview(&app, &anna, carla).await;
    let none = overview(&app, &anna, stranger).await;
    // Assert
    assert_eq!(o["provider"], "mock");
    assert_eq!(o["customer"]["id"], "carla");
    let ids: Vec<&str> = o["orders"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["W102", "W101", "W100"], "only Carla's orders, newest first");
    let delivered = find(&o["orders"], "W100");
    assert_eq!(delivered["total_cents"], 8_000);
    assert_eq!(delivered["status_label"], "delivered");
    assert_eq!(delivered["fulfilments"][0]["tracking_number"], "1ZW100");
    assert_eq!(o["subscriptions"].as_array().unwrap().len(), 1);
    assert_eq!(o["products"][0]["variants"].as_array().unwrap().len(), 2);
    assert_eq!(none["customer"], Value::Null);
    assert_eq!(none["orders"], json!([]));
}

#[tokio::test]
async fn an_agent_refunds_an_item_to_a_gift_card_once_and_the_ticket_records_it() {
    // Arrange
    let (app, anna, t) = carla_ticket().await;
    let url = app.url(&format!("/api/v1/tickets/{t}/commerce/orders/W100/refund"));
    let body = json!({"line_ids": ["2"], "refund_to": "carla-gc", "reason": "Arrived broken"});
    // Act
    let (status, done) = send(app.http.post(&url).session(&anna).json(&body)).await;
    let (again, problem) = send(app.http.post(&url).session(&anna).json(&body)).await;
    // Assert
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["order"]["items"][1]["refunded_cents"], 4_000);
    assert_eq!(done["order"]["refunded_cents"], 4_000);
    assert_eq!(done["outcome"]["amount_cents"], 4_000);
    assert_eq!(again, 409, "{problem}");
    assert_eq!(problem["code"], "commerce_policy");
    assert!(problem["detail"].as_str().unwrap().contains("already refunded"), "{problem}");
    let o = overview(&app, &anna, t).await;
    assert_eq!(find(&o["orders"], "W100")["refunded_cents"], 4_000, "refused twice, refunded once");
    assert_eq!(gift_balance(&o), 5_000, "a gift card refund lands at once");
    let (_, trail) = send(app.http.get(app.url(&format!("/api/v1/tickets/{t}/events"))).session(&anna)).await;
    let refunds: Vec<&Value> =
        trail["data"].as_array().unwrap().iter().filter(|e| e["type"] == "order.refunded").collect();
    assert_eq!(refunds.len(), 1, "{trail}");
    assert_eq!(refunds[0]["data"]["order"]["name"], "#W100");
    assert!(refunds[0]["data"]["summary"].as_str().unwrap().contains("$40.00"), "{}", refunds[0]);
    let shown = refunds[0]["summary"].as_str().unwrap();
    assert!(shown.starts_with("Anna Agent: Refunded $40.00 for 1 item(s) of order #W100 to Gift card"), "{shown}");
}

#[tokio::test]
async fn the_shops_policy_refuses_with_a_reason_and_changes_nothing() {
    // Arrange
    let (app, anna, t) = carla_ticket().await;
    let post = |path: &str, body: Value| {
        app.http.post(app.url(&format!("/api/v1/tickets/{t}/commerce/orders/{path}"))).session(&anna).json(&body)
    };
    let before = overview(&app, &anna, t).await;
    // Act
    let cancel_delivered = send(post("W100/cancel", json!({"reason": "no_longer_needed"}))).await;
    let bad_reason = send(post("W102/cancel", json!({"reason": "found it cheaper"}))).await;
    let return_processed = send(post("W101/return", json!({"line_ids": ["1"], "refund_to": "carla-pp"}))).await;
    let refund_pending =
        send(post("W102/refund", json!({"line_ids": ["1"], "refund_to": "carla-pp", "reason": "x"}))).await;
    let other_product = send(post(
        "W102/items",
        json!({"items": [{"line_id": "1", "variant_id": "nope"}], "payment_method_id": "carla-pp"}),
    ))
    .await;
    let bad_address = send(post(
        "W102/address",
        json!({"address": {"line1": "", "city": "X", "province": "CO", "zip": "1", "country": "US"}}),
    ))
    .await;
    let unknown_line = send(post("W100/return", json!({"line_ids": ["9"], "refund_to": "carla-pp"}))).await;
    // Assert
    for (name, (status, problem), want) in [
        ("cancel delivered", &cancel_delivered, 409),
        ("unaccepted reason", &bad_reason, 422),
        ("return processed", &return_processed, 409),
        ("refund pending", &refund_pending, 409),
        ("swap to another product", &other_product, 409),
        ("empty street", &bad_address, 422),
        ("unknown line", &unknown_line, 422),
    ] {
        assert_eq!(*status, want, "{name}: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{name}: {problem}");
    }
    assert!(cancel_delivered.1["detail"].as_str().unwrap().contains("only pending orders can be cancelled"));
    assert_eq!(overview(&app, &anna, t).await, before, "nothing changed");
    let (_, trail) = send(app.http.get(app.url(&format!("/api/v1/tickets/{t}/events"))).session(&anna)).await;
    assert!(!trail["data"].as_array().unwrap().iter().any(|e| e["type"].as_str().unwrap().starts_with("order.")));
}

#[tokio::test]
async fn allowed_order_actions_change_the_order() {
    // Arrange
    let (app, anna, t) = carla_ticket().await;
    let post = |path: &str, body: Value| {
        app.http.post(app.url(&format!("/api/v1/tickets/{t}/commerce/orders/{path}"))).session(&anna).json(&body)
    };
    // Act
    let address = send(post(
        "W102/address",
        json!({"address": {"line1": "9 Elm Rd", "city": "Boulder", "province": "CO", "zip": "80301", "country": "US"}}),
    ))
    .await;
    let swap = send(post(
        "W102/items",
        json!({"items": [{"line_id": "1", "variant_id": "lamp-white"}], "payment_method_id": "carla-gc"}),
    ))
    .await;
    let cancel_after_swap = send(post("W102/cancel", json!({"reason": "ordered_by_mistake"}))).await;
    let exchange = send(post(
        "W100/exchange",
        json!({"items": [{"line_id": "1", "variant_id": "lamp-white"}], "payment_method_id": "carla-pp"}),
    ))
    .await;
    // Assert
    assert_eq!(address.0, 200, "{}", address.1);
    assert_eq!(address.1["order"]["shipping_address"]["city"], "Boulder");
    assert_eq!(swap.0, 200, "{}", swap.1);
    assert_eq!(swap.1["order"]["status"], "pending_items_modified");
    assert_eq!(swap.1["order"]["items"][0]["variant_id"], "lamp-white");
    assert_eq!(cancel_after_swap.0, 409, "items modified once: no cancellation any more");
    assert_eq!(exchange.0, 200, "{}", exchange.1);
    assert_eq!(exchange.1["order"]["status"], "exchange_requested");
    let o = overview(&app, &anna, t).await;
    assert_eq!(gift_balance(&o), 500, "the $5 difference was paid from the gift card");
}

#[tokio::test]
async fn subscriptions_pause_skip_change_and_cancel_from_the_ticket() {
    // Arrange
    let (app, anna, t) = carla_ticket().await;
    let post = |path: &str, body: Value| {
        app.http.post(app.url(&format!("/api/v1/tickets/{t}/commerce/subscriptions/{path}"))).session(&anna).json(&body)
    };
    // Act
    let skip = send(post("SUB-1/skip", json!({}))).await;
    let freq = send(post("SUB-1/frequency", json!({"interval_unit": "week", "interval_count": 2}))).await;
    let bad_freq = send(post("SUB-1/frequency", json!({"interval_unit": "week", "interval_count": 0}))).await;
    let pause = send(post("SUB-1/pause", json!({}))).await;
    let skip_paused = send(post("SUB-1/skip", json!({}))).await;
    let cancel = send(post("SUB-1/cancel", json!({"reason": "Moving abroad"}))).await;
    let bobs = send(post("SUB-2/pause", json!({}))).await;
    // Assert
    assert_eq!(skip.0, 200, "{}", skip.1);
    assert_eq!(skip.1["subscription"]["next_charge_date"], "2027-01-15");
    assert_eq!(freq.0, 200, "{}", freq.1);
    assert_eq!(bad_freq.0, 422);
    assert_eq!(pause.1["subscription"]["status"], "paused");
    assert_eq!(skip_paused.0, 409);
    assert_eq!(cancel.1["subscription"]["status"], "cancelled");
    assert_eq!(cancel.1["subscription"]["cancel_reason"], "Moving abroad");
    assert_eq!(bobs.0, 404, "another customer's subscription is not reachable from Carla's ticket");
    let (_, trail) = send(app.http.get(app.url(&format!("/api/v1/tickets/{t}/events"))).session(&anna)).await;
    let kinds: Vec<&str> = trail["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str().filter(|k| k.starts_with("subscription.")))
        .collect();
    assert_eq!(
        kinds,
        ["subscription.skipped", "subscription.frequency_changed", "subscription.paused", "subscription.cancelled"]
    );
}

#[tokio::test]
async fn nobody_reaches_another_customers_or_workspaces_orders() {
    // Arrange
    let app = spawn_app().await;
    shop(&app).await;
    let anna = app.login("acme", "anna@acme.test").await;
    let otto = app.login("other", "admin@other.test").await;
    let carla_session = app.login("acme", "carla@customer.test").await;
    let t = ticket_for(&app, &anna, "carla@customer.test").await;
    let refund = json!({"line_ids": ["1"], "refund_to": "bob-pp", "reason": "test"});
    let read_key = app.api_key(app.ws, "tickets:read,orders:read").await;
    let ticket_key = app.api_key(app.ws, "tickets:read,tickets:write").await;
    let write_key = app.api_key(app.ws, "orders:read,orders:write").await;
    let refund_url = app.url(&format!("/api/v1/tickets/{t}/commerce/orders/W200/refund"));
    // Act
    let bobs_order = send(app.http.post(&refund_url).session(&anna).json(&refund)).await;
    let foreign = send(app.http.get(app.url(&format!("/api/v1/tickets/{t}/commerce"))).session(&otto)).await;
    let customer = send(app.http.get(app.url(&format!("/api/v1/tickets/{t}/commerce"))).session(&carla_session)).await;
    let no_scope = send(app.http.get(app.url(&format!("/api/v1/tickets/{t}/commerce"))).key(&ticket_key)).await;
    let read_only = send(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{t}/commerce/orders/W100/refund")))
            .key(&read_key)
            .json(&json!({"line_ids": ["1"], "refund_to": "carla-pp", "reason": "x"})),
    )
    .await;
    let with_scope = send(
        app.http
            .post(app.url(&format!("/api/v1/tickets/{t}/commerce/orders/W100/refund")))
            .key(&write_key)
            .json(&json!({"line_ids": ["1"], "refund_to": "carla-pp", "reason": "Key refund"})),
    )
    .await;
    // Assert
    assert_eq!(bobs_order.0, 404, "{}", bobs_order.1);
    assert_eq!(foreign.0, 404);
    assert_eq!(customer.0, 403);
    assert_eq!(no_scope.0, 403);
    assert_eq!(read_only.0, 403);
    assert_eq!(with_scope.0, 200, "{}", with_scope.1);
    let bob = autocrm_store::commerce::order(&app.store, &Principal::system(app.ws), "W200").await.unwrap().unwrap();
    assert_eq!(bob.refunded_cents(), 0, "Bob's order is untouched");
}

#[tokio::test]
async fn concurrent_refunds_of_the_same_item_pay_out_once() {
    // Arrange
    let (app, anna, t) = carla_ticket().await;
    let url = app.url(&format!("/api/v1/tickets/{t}/commerce/orders/W101/refund"));
    let body = json!({"line_ids": ["1"], "refund_to": "carla-gc", "reason": "Lost in transit"});
    // Act
    let attempts = (0..6).map(|_| send(app.http.post(&url).session(&anna).json(&body)));
    let results = futures::future::join_all(attempts).await;
    // Assert
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let refused = results.iter().filter(|(s, _)| *s == 409).count();
    assert_eq!((ok, refused), (1, 5), "{results:?}");
    let o = overview(&app, &anna, t).await;
    assert_eq!(find(&o["orders"], "W101")["refunded_cents"], 4_000);
    assert_eq!(gift_balance(&o), 5_000);
}

#[tokio::test]
async fn macro_placeholders_read_the_order_from_the_shop() {
    // Arrange
    let app = spawn_app().await;
    shop(&app).await;
    let anna = app.login("acme", "anna@acme.test").await;
    let admin = app.login("acme", "admin@acme.test").await;
    let field = json!({"entity": "ticket", "key": "order_number", "label": "Order number", "type": "text"});
    let (status, f) = send(app.http.post(app.url("/api/v1/custom-fields")).session(&admin).json(&field)).await;
    assert_eq!(status, 201, "{f}");
    let t = ticket_for(&app, &anna, "carla@customer.test").await;
    let (status, p) = send(
        app.http
            .patch(app.url(&format!("/api/v1/tickets/{t}")))
            .session(&anna)
            .json(&json!({"custom_fields": {"order_number": "#W101"}})),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let body = json!({"name": "Where is it", "reply": "<p>{{ order.number }} is {{ order.status }} with {{ order.carrier }} ({{ order.tracking_number }}), {{ order.total }}.</p>", "actions": {}});
    let (_, m) = send(app.http.post(app.url("/api/v1/macros")).session(&anna).json(&body)).await;
    // Act
    let (status, preview) =
        send(app.http.get(app.url(&format!("/api/v1/tickets/{t}/macros/{}/preview", m["id"]))).session(&anna)).await;
    // Assert
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["reply_html"], "<p>#W101 is processed with UPS (1ZW101), $80.00.</p>");
}

//! The demo workspace: an online shop ("Everline") with its customers,
//! agents, custom fields and ~300 support conversations over e-mail, chat
//! and SMS.
//!
//! Data: `demo/shop.json` (customers, products and orders from τ²-bench
//! retail, MIT) and `demo/tickets.json` (customer messages from the Bitext
//! customer-support dataset, CDLA-Sharing-1.0); see `demo/ATTRIBUTION.md`.
//! Both are embedded in the binary. Seeding runs only when no workspace
//! with the slug `demo` exists.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use anyhow::Context as _;
use autocrm_domain::commerce::{
    self as shop, Address, Fulfilment, IntervalUnit, LineItem, OrderStatus, PaymentKind, PaymentMethod,
    SubscriptionStatus, Transaction, TransactionKind,
};
use autocrm_domain::custom_fields::FieldType;
use autocrm_domain::{Channel, EmailAddress, Principal, Priority, Role, StatusCategory};
use autocrm_store::Store;
use autocrm_store::contacts::ContactInput;
use autocrm_store::messages::Author;
use autocrm_store::tickets::{NewTicket, RequesterRef, TicketPatch};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

const SHOP: &str = include_str!("../demo/shop.json");
const TICKETS: &str = include_str!("../demo/tickets.json");

/// The demo's shared password (printed at start; change it for anything real).
pub const DEMO_PASSWORD: &str = "autocrm-demo-2026";
/// The demo admin.
pub const DEMO_ADMIN: &str = "admin@everline.example";

#[derive(Deserialize)]
struct Shop {
    customers: Vec<Customer>,
    products: Vec<Product>,
    orders: Vec<ShopOrder>,
    subscriptions: Vec<ShopSubscription>,
}

#[derive(Deserialize)]
struct Customer {
    #[serde(rename = "ref")]
    reference: String,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    street: String,
    city: String,
    state: String,
    zip: String,
    country: String,
    #[serde(default)]
    tags: Vec<String>,
    payment_methods: Vec<ShopPaymentMethod>,
}

#[derive(Deserialize)]
struct ShopPaymentMethod {
    #[serde(rename = "ref")]
    reference: String,
    kind: PaymentKind,
    label: String,
    balance_cents: Option<i64>,
}

#[derive(Deserialize)]
struct Product {
    #[serde(rename = "ref")]
    reference: String,
    name: String,
    category: String,
    variants: Vec<ShopVariant>,
}

#[derive(Deserialize)]
struct ShopVariant {
    #[serde(rename = "ref")]
    reference: String,
    options: BTreeMap<String, String>,
    price_cents: i64,
    available: bool,
}

#[derive(Deserialize)]
struct ShopOrder {
    #[serde(rename = "ref")]
    reference: String,
    customer_ref: String,
    status: OrderStatus,
    age_hours: i64,
    items: Vec<ShopItem>,
    refunded_cents: i64,
    currency: String,
    payment_method_ref: String,
    shipping_address: Option<ShopAddress>,
    fulfillments: Vec<ShopFulfilment>,
}

#[derive(Deserialize)]
struct ShopItem {
    product_ref: String,
    variant_ref: String,
    name: String,
    price_cents: i64,
}

#[derive(Deserialize)]
struct ShopAddress {
    street: String,
    city: String,
    state: String,
    zip: String,
    country: String,
}

#[derive(Deserialize)]
struct ShopFulfilment {
    tracking_id: String,
    carrier: String,
}

#[derive(Deserialize)]
struct ShopSubscription {
    #[serde(rename = "ref")]
    reference: String,
    customer_ref: String,
    product_ref: String,
    variant_ref: String,
    name: String,
    quantity: i64,
    price_cents: i64,
    currency: String,
    status: SubscriptionStatus,
    started_on: NaiveDate,
    next_charge_date: Option<NaiveDate>,
}

#[derive(Deserialize)]
struct Inbox {
    agents: Vec<Agent>,
    tickets: Vec<Script>,
}

#[derive(Deserialize)]
struct Agent {
    name: String,
    email: String,
}

#[derive(Deserialize)]
struct Script {
    customer_ref: String,
    channel: String,
    subject: String,
    priority: String,
    status: String,
    assignee: Option<String>,
    tags: Vec<String>,
    order_ref: Option<String>,
    product_category: Option<String>,
    age_hours: i64,
    messages: Vec<Line>,
}

#[derive(Deserialize)]
struct Line {
    from: String,
    body: String,
    after_minutes: i64,
}

/// Seeds the demo workspace unless it exists.
pub async fn seed_if_missing(store: &Store) -> anyhow::Result<()> {
    if autocrm_store::workspaces::by_slug(store, "demo").await?.is_some() {
        return Ok(());
    }
    eprintln!("seeding the demo workspace…");
    let shop: Shop = serde_json::from_str(SHOP).context("demo/shop.json")?;
    let inbox: Inbox = serde_json::from_str(TICKETS).context("demo/tickets.json")?;
    let ws = autocrm_store::workspaces::create(store, "demo", "Everline Shop", "America/New_York", "en").await?;
    let sys = Principal::system(ws.id);
    let hash = autocrm_server::auth::hash_password(DEMO_PASSWORD).map_err(|_| anyhow::anyhow!("hashing failed"))?;
    let new_user = |email: &str, name: &str, role| -> anyhow::Result<autocrm_store::users::NewUser> {
        Ok(autocrm_store::users::NewUser {
            email: EmailAddress::parse(email)?,
            name: name.to_owned(),
            role,
            password_hash: Some(hash.clone()),
        })
    };
    autocrm_store::users::create(store, &sys, new_user(DEMO_ADMIN, "Sam Admin", Role::Admin)?).await?;
    let mut agents: HashMap<String, i64> = HashMap::new();
    for a in &inbox.agents {
        let u = autocrm_store::users::create(store, &sys, new_user(&a.email, &a.name, Role::Agent)?).await?;
        agents.insert(a.name.clone(), u.id);
    }
    let mut categories: Vec<String> = shop.products.iter().map(|p| p.category.clone()).collect();
    categories.sort();
    categories.dedup();
    autocrm_store::custom_fields::create(
        store,
        &sys,
        autocrm_store::custom_fields::NewField {
            entity: "ticket".into(),
            key: "order_number".into(),
            label: "Order number".into(),
            field_type: FieldType::Text,
            required: false,
            customer_visible: true,
            options: Vec::new(),
        },
    )
    .await?;
    autocrm_store::custom_fields::create(
        store,
        &sys,
        autocrm_store::custom_fields::NewField {
            entity: "ticket".into(),
            key: "product_category".into(),
            label: "Product category".into(),
            field_type: FieldType::Select,
            required: false,
            customer_visible: false,
            options: categories,
        },
    )
    .await?;
    let mut contacts: HashMap<&str, (i64, String)> = HashMap::new();
    for c in &shop.customers {
        let email = EmailAddress::parse(&c.email)?;
        let row = autocrm_store::contacts::create(
            store,
            &sys,
            ContactInput {
                name: Some(format!("{} {}", c.first_name, c.last_name)),
                email: Some(Some(email.clone())),
                phones: Some(vec![c.phone.clone()]),
                tags: Some(c.tags.clone()),
                notes: Some(format!("Lives in {}, {}.", c.city, c.state)),
                external_ref: Some(Some(c.reference.clone())),
                ..ContactInput::default()
            },
        )
        .await?;
        contacts.insert(c.reference.as_str(), (row.id, c.email.clone()));
    }
    // The first customer can sign in to the portal.
    if let Some(c) = shop.customers.first() {
        autocrm_store::users::create(
            store,
            &sys,
            new_user(&c.email, &format!("{} {}", c.first_name, c.last_name), Role::Customer)?,
        )
        .await?;
    }
    autocrm_store::commerce::seed(store, &sys, &shop_data(&shop, Utc::now())).await?;
    autocrm_store::macros::create(
        store,
        &sys,
        autocrm_store::macros::MacroInput {
            name: Some("Order status update".into()),
            reply: Some(
                "<p>Hi {{ requester.first_name }},</p><p>your order {{ order.number }} is {{ order.status }}\
                 {% if order.tracking_number %}: it ships with {{ order.carrier }}, tracking number \
                 {{ order.tracking_number }}{% endif %}.</p><p>Best regards,<br>{{ agent.first_name }}</p>"
                    .into(),
            ),
            shared: Some(true),
            ..Default::default()
        },
    )
    .await?;
    crate::demo_tutorials::seed(store, &sys).await?;
    crate::demo_chat::seed(store, &sys).await?;
    crate::demo_kb::seed(store, &sys).await?;
    // The shop's support address: receives through the inbound endpoint or the
    // pipe until an admin adds an IMAP server (Settings → Channels).
    autocrm_store::channels::mailboxes::create(
        store,
        &sys,
        autocrm_store::channels::mailboxes::MailboxInput {
            address: Some("support@demo-shop.example".into()),
            name: Some("Everline Support".into()),
            ..Default::default()
        },
    )
    .await?;
    let statuses = autocrm_store::statuses::list(store, &sys).await?;
    let status_of =
        |cat: StatusCategory| statuses.iter().find(|s| s.category == cat.as_str() && s.is_default).map(|s| s.id);
    let now = Utc::now();
    let mut solved = Vec::new();
    // Oldest first, so ticket numbers grow with time like a real inbox.
    for t in inbox.tickets.iter().rev() {
        let Some((contact_id, _)) = contacts.get(t.customer_ref.as_str()) else { continue };
        let created = now - Duration::hours(t.age_hours) - Duration::minutes(17);
        let mut fields = Map::new();
        if let Some(o) = &t.order_ref {
            fields.insert("order_number".into(), Value::String(o.clone()));
        }
        if let Some(pc) = &t.product_category {
            fields.insert("product_category".into(), Value::String(pc.clone()));
        }
        let first = t.messages.first().map(|m| m.body.clone());
        let view = autocrm_store::tickets::create(
            store,
            &sys,
            NewTicket {
                subject: t.subject.clone(),
                requester: Some(RequesterRef::Id(*contact_id)),
                body: first,
                priority: Priority::parse(&t.priority).ok(),
                channel: Channel::parse(&t.channel).ok(),
                status_id: None,
                assignee_id: None,
                team_id: None,
                tags: t.tags.clone(),
                custom_fields: fields,
                created_at: Some(created),
            },
        )
        .await?;
        let id = view.ticket.id;
        let assignee = t.assignee.as_ref().and_then(|a| agents.get(a)).copied();
        let mut last_at = created;
        for m in t.messages.iter().skip(1) {
            let at = created + Duration::minutes(m.after_minutes);
            let (author, internal) = match m.from.as_str() {
                "customer" => (Author::Contact(*contact_id), false),
                "note" => (Author::User(assignee.unwrap_or_default()), true),
                _ => (Author::User(assignee.unwrap_or_default()), false),
            };
            autocrm_store::messages::create_as(store, &sys, id, author, &m.body, internal, at).await?;
            last_at = at;
        }
        let category = StatusCategory::parse(&t.status).unwrap_or(StatusCategory::Open);
        let patch =
            TicketPatch { status_id: status_of(category), assignee_id: assignee.map(Some), ..TicketPatch::default() };
        if !patch.is_empty() {
            autocrm_store::tickets::update_at(store, &sys, id, &patch, Some(last_at + Duration::minutes(1))).await?;
        }
        if matches!(category, StatusCategory::Solved | StatusCategory::Closed) {
            // Agents categorised the tickets they finished: the classifier's first labels.
            if let Some((key, intent)) = demo_category(&t.tags) {
                let at = Some(last_at + Duration::minutes(1));
                autocrm_store::ai::set_category_at(store, &sys, id, Some(key), intent, at).await?;
            }
            solved.push(crate::demo_ratings::SolvedTicket {
                ticket_id: id,
                solved_at: last_at + Duration::minutes(1),
                tags: t.tags.clone(),
            });
        }
    }
    let rated = crate::demo_ratings::seed(store, ws.id, &solved, now).await?;
    // Train on the agents' categories, then let the AI categorise the rest.
    let models = autocrm_store::ai::retrain(store, ws.id).await?;
    let triaged = autocrm_store::ai::retriage_open(store, ws.id).await?;
    eprintln!(
        "demo workspace ready: {} customers, {} tickets, {rated} satisfaction ratings, {} classifiers trained, {triaged} tickets triaged",
        shop.customers.len(),
        inbox.tickets.len(),
        models.len(),
    );
    Ok(())
}

/// The category (and intent) an agent gives a demo ticket, from its tags.
fn demo_category(tags: &[String]) -> Option<(&'static str, Option<&str>)> {
    let intent = tags.iter().map(String::as_str).find(|t| !matches!(*t, "vip" | "escalation"))?;
    let category = match intent {
        "shipping" | "wismo" | "address" => "shipping",
        "refund" | "return" => "returns",
        "account" | "login" | "privacy" => "account",
        "cancellation" | "order-change" | "pre-sale" | "checkout" => "orders",
        "payment" | "invoice" | "billing" | "fees" => "payments",
        "complaint" | "feedback" => "feedback",
        "subscription" => "subscriptions",
        _ => "other",
    };
    Some((category, Some(intent)))
}

/// "931 Maple Drive, Suite 985" → ("931 Maple Drive", Some("Suite 985")).
fn address(street: &str, city: &str, state: &str, zip: &str, country: &str) -> Address {
    let (line1, line2) = match street.split_once(", ") {
        Some((a, b)) => (a.to_owned(), Some(b.to_owned())),
        None => (street.to_owned(), None),
    };
    Address { line1, line2, city: city.into(), province: state.into(), zip: zip.into(), country: country.into() }
}

fn tracking_url(carrier: &str, number: &str) -> Option<String> {
    let base = match carrier {
        "UPS" => "https://www.ups.com/track?tracknum=",
        "FedEx" => "https://www.fedex.com/fedextrack/?trknbr=",
        "USPS" => "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
        _ => return None,
    };
    Some(format!("{base}{number}"))
}

/// The demo shop in the commerce provider's types, with order dates relative to `now`.
fn shop_data(data: &Shop, now: DateTime<Utc>) -> autocrm_store::commerce::ShopData {
    let customers = data
        .customers
        .iter()
        .map(|c| shop::Customer {
            id: c.reference.clone(),
            email: c.email.to_lowercase(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            phone: Some(c.phone.clone()),
            address: address(&c.street, &c.city, &c.state, &c.zip, &c.country),
            payment_methods: c
                .payment_methods
                .iter()
                .map(|m| PaymentMethod {
                    id: m.reference.clone(),
                    kind: m.kind,
                    label: m.label.clone(),
                    balance_cents: m.balance_cents,
                })
                .collect(),
            tags: c.tags.clone(),
        })
        .collect::<Vec<_>>();
    let products = data
        .products
        .iter()
        .map(|p| shop::Product {
            id: p.reference.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            variants: p
                .variants
                .iter()
                .map(|v| shop::Variant {
                    id: v.reference.clone(),
                    options: v.options.clone(),
                    price_cents: v.price_cents,
                    available: v.available,
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    let options = |product: &str, variant: &str| {
        products
            .iter()
            .find(|p| p.id == product)
            .and_then(|p| p.variants.iter().find(|v| v.id == variant))
            .map(|v| v.options.clone())
            .unwrap_or_default()
    };
    let home: HashMap<&str, &Address> = customers.iter().map(|c| (c.id.as_str(), &c.address)).collect();
    let orders = data
        .orders
        .iter()
        .filter_map(|o| {
            let home = home.get(o.customer_ref.as_str())?;
            let items: Vec<LineItem> = o
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| LineItem {
                    id: (i + 1).to_string(),
                    product_id: it.product_ref.clone(),
                    variant_id: it.variant_ref.clone(),
                    name: it.name.clone(),
                    options: options(&it.product_ref, &it.variant_ref),
                    price_cents: it.price_cents,
                    refunded_cents: 0,
                })
                .collect();
            let placed_at = now - Duration::hours(o.age_hours);
            let total: i64 = items.iter().map(|i| i.price_cents).sum();
            let mut transactions = vec![Transaction {
                kind: TransactionKind::Payment,
                amount_cents: total,
                payment_method_id: o.payment_method_ref.clone(),
                at: Some(placed_at),
                note: None,
            }];
            if o.refunded_cents > 0 {
                transactions.push(Transaction {
                    kind: TransactionKind::Refund,
                    amount_cents: o.refunded_cents,
                    payment_method_id: o.payment_method_ref.clone(),
                    at: None,
                    note: None,
                });
            }
            let line_ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
            Some(shop::Order {
                id: o.reference.trim_start_matches('#').to_owned(),
                name: o.reference.clone(),
                customer_id: o.customer_ref.clone(),
                status: o.status,
                placed_at,
                currency: o.currency.clone(),
                items,
                shipping_address: o
                    .shipping_address
                    .as_ref()
                    .map_or_else(|| (*home).clone(), |a| address(&a.street, &a.city, &a.state, &a.zip, &a.country)),
                fulfilments: o
                    .fulfillments
                    .iter()
                    .map(|f| Fulfilment {
                        carrier: f.carrier.clone(),
                        tracking_number: f.tracking_id.clone(),
                        tracking_url: tracking_url(&f.carrier, &f.tracking_id),
                        line_ids: line_ids.clone(),
                    })
                    .collect(),
                transactions,
                cancel_reason: None,
                returns: Vec::new(),
            })
        })
        .collect();
    let subscriptions = data
        .subscriptions
        .iter()
        .map(|s| shop::Subscription {
            id: s.reference.clone(),
            customer_id: s.customer_ref.clone(),
            product_id: s.product_ref.clone(),
            variant_id: s.variant_ref.clone(),
            name: s.name.clone(),
            quantity: s.quantity,
            price_cents: s.price_cents,
            currency: s.currency.clone(),
            interval_unit: IntervalUnit::Month,
            interval_count: 1,
            status: s.status,
            started_on: s.started_on,
            next_charge_date: if s.status == SubscriptionStatus::Active { s.next_charge_date } else { None },
            skipped_dates: Vec::new(),
            cancelled_on: None,
            cancel_reason: None,
        })
        .collect();
    autocrm_store::commerce::ShopData { customers, products, orders, subscriptions }
}

/// Prints where and how to sign in.
pub fn print_credentials(addr: SocketAddr) {
    eprintln!();
    eprintln!("  Demo workspace `demo` — sign in at http://{addr}/ (API: POST /api/v1/session)");
    eprintln!("    admin:    {DEMO_ADMIN}");
    eprintln!("    agent:    anna.berg@everline.example");
    eprintln!("    password: {DEMO_PASSWORD}");
    eprintln!();
}

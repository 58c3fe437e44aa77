//! The demo workspace: an online shop ("Everline") with its customers,
//! agents, custom fields and ~300 support conversations over e-mail, chat
//! and SMS.
//!
//! Data: `demo/shop.json` (customers, products and orders from τ²-bench
//! retail, MIT) and `demo/tickets.json` (customer messages from the Bitext
//! customer-support dataset, CDLA-Sharing-1.0); see `demo/ATTRIBUTION.md`.
//! Both are embedded in the binary. Seeding runs only when no workspace
//! with the slug `demo` exists.

use std::collections::HashMap;
use std::net::SocketAddr;

use anyhow::Context as _;
use autocrm_domain::custom_fields::FieldType;
use autocrm_domain::{Channel, EmailAddress, Principal, Priority, Role, StatusCategory};
use autocrm_store::Store;
use autocrm_store::contacts::ContactInput;
use autocrm_store::messages::Author;
use autocrm_store::tickets::{NewTicket, RequesterRef, TicketPatch};
use chrono::{Duration, Utc};
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
}

#[derive(Deserialize)]
struct Customer {
    #[serde(rename = "ref")]
    reference: String,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    city: String,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct Product {
    category: String,
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
                notes: Some(format!("Lives in {}.", c.city)),
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
    let statuses = autocrm_store::statuses::list(store, &sys).await?;
    let status_of =
        |cat: StatusCategory| statuses.iter().find(|s| s.category == cat.as_str() && s.is_default).map(|s| s.id);
    let now = Utc::now();
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
    }
    eprintln!("demo workspace ready: {} customers, {} tickets", shop.customers.len(), inbox.tickets.len());
    Ok(())
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

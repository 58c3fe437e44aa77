//! The built-in commerce provider's state: customers, products, orders and
//! subscriptions of the workspace's shop, one JSON document per record.
//!
//! Changes run through [`change_order`] and [`change_subscription`]: the
//! record (and, for orders, its customer, whose gift-card balances move with
//! refunds) is read under a row lock inside a write transaction, the
//! policy's rule (a pure function from `autocrm_domain::commerce`) applies
//! the change or refuses it, and only an applied change is written. What an
//! agent did is recorded on the ticket with [`record_on_ticket`].

use autocrm_domain::Principal;
use autocrm_domain::commerce::{Customer, Order, Product, Refusal, Subscription};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value as DbValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{NewEvent, Store, StoreError, StoreResult, Visibility};

/// Everything a shop holds, for seeding the built-in provider.
#[derive(Debug, Default)]
pub struct ShopData {
    /// Customers.
    pub customers: Vec<Customer>,
    /// Products with variants.
    pub products: Vec<Product>,
    /// Orders.
    pub orders: Vec<Order>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
}

fn encode<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("encoding a shop record: {e}"))))
}

fn decode<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("a stored shop record: {e}"))))
}

async fn docs<T: DeserializeOwned>(
    conn: &impl ConnectionTrait,
    backend: DbBackend,
    sql: &str,
    values: Vec<DbValue>,
) -> StoreResult<Vec<T>> {
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter().map(|r| decode(&r.try_get_by_index::<String>(0)?)).collect()
}

fn locking(backend: DbBackend) -> &'static str {
    // SQLite write transactions are IMMEDIATE: the database lock serialises them.
    if backend == DbBackend::Postgres { " FOR UPDATE" } else { "" }
}

/// Replaces the workspace's shop with `data` (demo seeding and tests).
pub async fn seed(store: &Store, p: &Principal, data: &ShopData) -> StoreResult<()> {
    let ws = p.workspace_id;
    let tx = store.begin(p).await?;
    for table in ["commerce_subscriptions", "commerce_orders", "commerce_products", "commerce_customers"] {
        tx.conn()
            .execute_raw(Statement::from_sql_and_values(
                store.backend,
                format!("DELETE FROM {table} WHERE workspace_id = $1"),
                [ws.into()],
            ))
            .await?;
    }
    for c in &data.customers {
        insert(
            &tx,
            store.backend,
            "commerce_customers (workspace_id, ref, email, doc)",
            vec![ws.into(), c.id.clone().into(), c.email.to_lowercase().into(), encode(c)?.into()],
        )
        .await?;
    }
    for pr in &data.products {
        insert(
            &tx,
            store.backend,
            "commerce_products (workspace_id, ref, doc)",
            vec![ws.into(), pr.id.clone().into(), encode(pr)?.into()],
        )
        .await?;
    }
    for o in &data.orders {
        insert(
            &tx,
            store.backend,
            "commerce_orders (workspace_id, ref, customer_ref, placed_at, doc)",
            vec![ws.into(), o.id.clone().into(), o.customer_id.clone().into(), o.placed_at.into(), encode(o)?.into()],
        )
        .await?;
    }
    for s in &data.subscriptions {
        insert(
            &tx,
            store.backend,
            "commerce_subscriptions (workspace_id, ref, customer_ref, doc)",
            vec![ws.into(), s.id.clone().into(), s.customer_id.clone().into(), encode(s)?.into()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Adds or replaces one order (imports, provider sync, tests).
pub async fn put_order(store: &Store, p: &Principal, order: &Order) -> StoreResult<()> {
    let ws = p.workspace_id;
    let tx = store.begin(p).await?;
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            store.backend,
            "DELETE FROM commerce_orders WHERE workspace_id = $1 AND ref = $2",
            [ws.into(), order.id.clone().into()],
        ))
        .await?;
    insert(
        &tx,
        store.backend,
        "commerce_orders (workspace_id, ref, customer_ref, placed_at, doc)",
        vec![
            ws.into(),
            order.id.clone().into(),
            order.customer_id.clone().into(),
            order.placed_at.into(),
            encode(order)?.into(),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds or replaces one subscription (imports, provider sync, tests).
pub async fn put_subscription(store: &Store, p: &Principal, sub: &Subscription) -> StoreResult<()> {
    let ws = p.workspace_id;
    let tx = store.begin(p).await?;
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            store.backend,
            "DELETE FROM commerce_subscriptions WHERE workspace_id = $1 AND ref = $2",
            [ws.into(), sub.id.clone().into()],
        ))
        .await?;
    insert(
        &tx,
        store.backend,
        "commerce_subscriptions (workspace_id, ref, customer_ref, doc)",
        vec![ws.into(), sub.id.clone().into(), sub.customer_id.clone().into(), encode(sub)?.into()],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn insert(tx: &crate::Tx, backend: DbBackend, into: &str, values: Vec<DbValue>) -> StoreResult<()> {
    let marks = (1..=values.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(backend, format!("INSERT INTO {into} VALUES ({marks})"), values))
        .await?;
    Ok(())
}

/// The shop customer with this e-mail address, if any.
pub async fn customer_by_email(store: &Store, p: &Principal, email: &str) -> StoreResult<Option<Customer>> {
    let found: Vec<Customer> = docs(
        &store.db,
        store.backend,
        "SELECT doc FROM commerce_customers WHERE workspace_id = $1 AND email = $2 ORDER BY id LIMIT 1",
        vec![p.workspace_id.into(), email.trim().to_lowercase().into()],
    )
    .await?;
    Ok(found.into_iter().next())
}

/// A customer by id.
pub async fn customer(store: &Store, p: &Principal, id: &str) -> StoreResult<Option<Customer>> {
    let found: Vec<Customer> = docs(
        &store.db,
        store.backend,
        "SELECT doc FROM commerce_customers WHERE workspace_id = $1 AND ref = $2",
        vec![p.workspace_id.into(), id.into()],
    )
    .await?;
    Ok(found.into_iter().next())
}

/// A customer's orders, newest first (at most `limit`).
pub async fn orders_of(store: &Store, p: &Principal, customer_id: &str, limit: u64) -> StoreResult<Vec<Order>> {
    docs(
        &store.db,
        store.backend,
        "SELECT doc FROM commerce_orders WHERE workspace_id = $1 AND customer_ref = $2 \
         ORDER BY placed_at DESC, id DESC LIMIT $3",
        vec![p.workspace_id.into(), customer_id.into(), (limit as i64).into()],
    )
    .await
}

/// An order by id.
pub async fn order(store: &Store, p: &Principal, id: &str) -> StoreResult<Option<Order>> {
    let found: Vec<Order> = docs(
        &store.db,
        store.backend,
        "SELECT doc FROM commerce_orders WHERE workspace_id = $1 AND ref = $2",
        vec![p.workspace_id.into(), id.into()],
    )
    .await?;
    Ok(found.into_iter().next())
}

/// Products by id (unknown ids are skipped).
pub async fn products(store: &Store, p: &Principal, ids: &[String]) -> StoreResult<Vec<Product>> {
    products_on(&store.db, store.backend, p.workspace_id, ids).await
}

async fn products_on(
    conn: &impl ConnectionTrait,
    backend: DbBackend,
    ws: i64,
    ids: &[String],
) -> StoreResult<Vec<Product>> {
    let mut out = Vec::new();
    for id in ids {
        let found: Vec<Product> = docs(
            conn,
            backend,
            "SELECT doc FROM commerce_products WHERE workspace_id = $1 AND ref = $2",
            vec![ws.into(), id.clone().into()],
        )
        .await?;
        out.extend(found);
    }
    Ok(out)
}

/// A customer's subscriptions.
pub async fn subscriptions_of(store: &Store, p: &Principal, customer_id: &str) -> StoreResult<Vec<Subscription>> {
    docs(
        &store.db,
        store.backend,
        "SELECT doc FROM commerce_subscriptions WHERE workspace_id = $1 AND customer_ref = $2 ORDER BY ref",
        vec![p.workspace_id.into(), customer_id.into()],
    )
    .await
}

/// A subscription by id.
pub async fn subscription(store: &Store, p: &Principal, id: &str) -> StoreResult<Option<Subscription>> {
    let found: Vec<Subscription> = docs(
        &store.db,
        store.backend,
        "SELECT doc FROM commerce_subscriptions WHERE workspace_id = $1 AND ref = $2",
        vec![p.workspace_id.into(), id.into()],
    )
    .await?;
    Ok(found.into_iter().next())
}

/// Applies `rule` to an order, its customer and the catalogue of its
/// products, under a row lock; writes both only when the rule succeeds.
pub async fn change_order<T>(
    store: &Store,
    p: &Principal,
    id: &str,
    rule: impl FnOnce(&mut Order, &mut Customer, &[Product]) -> Result<T, Refusal>,
) -> StoreResult<Result<(Order, T), Refusal>> {
    let ws = p.workspace_id;
    let tx = store.begin(p).await?;
    let lock = locking(store.backend);
    let orders: Vec<Order> = docs(
        tx.conn(),
        store.backend,
        &format!("SELECT doc FROM commerce_orders WHERE workspace_id = $1 AND ref = $2{lock}"),
        vec![ws.into(), id.into()],
    )
    .await?;
    let mut order = orders.into_iter().next().ok_or(StoreError::NotFound)?;
    let customers: Vec<Customer> = docs(
        tx.conn(),
        store.backend,
        &format!("SELECT doc FROM commerce_customers WHERE workspace_id = $1 AND ref = $2{lock}"),
        vec![ws.into(), order.customer_id.clone().into()],
    )
    .await?;
    let mut customer = customers.into_iter().next().ok_or(StoreError::NotFound)?;
    let mut ids: Vec<String> = order.items.iter().map(|i| i.product_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let catalogue = products_on(tx.conn(), store.backend, ws, &ids).await?;
    let outcome = match rule(&mut order, &mut customer, &catalogue) {
        Ok(v) => v,
        Err(refusal) => return Ok(Err(refusal)), // the transaction rolls back on drop
    };
    for (sql, values) in [
        (
            "UPDATE commerce_orders SET doc = $1 WHERE workspace_id = $2 AND ref = $3",
            vec![encode(&order)?.into(), ws.into(), order.id.clone().into()],
        ),
        (
            "UPDATE commerce_customers SET doc = $1 WHERE workspace_id = $2 AND ref = $3",
            vec![encode(&customer)?.into(), ws.into(), customer.id.clone().into()],
        ),
    ] {
        tx.conn().execute_raw(Statement::from_sql_and_values(store.backend, sql, values)).await?;
    }
    tx.commit().await?;
    Ok(Ok((order, outcome)))
}

/// Applies `rule` to a subscription under a row lock; writes it only when the rule succeeds.
pub async fn change_subscription<T>(
    store: &Store,
    p: &Principal,
    id: &str,
    rule: impl FnOnce(&mut Subscription) -> Result<T, Refusal>,
) -> StoreResult<Result<(Subscription, T), Refusal>> {
    let ws = p.workspace_id;
    let tx = store.begin(p).await?;
    let lock = locking(store.backend);
    let found: Vec<Subscription> = docs(
        tx.conn(),
        store.backend,
        &format!("SELECT doc FROM commerce_subscriptions WHERE workspace_id = $1 AND ref = $2{lock}"),
        vec![ws.into(), id.into()],
    )
    .await?;
    let mut sub = found.into_iter().next().ok_or(StoreError::NotFound)?;
    let outcome = match rule(&mut sub) {
        Ok(v) => v,
        Err(refusal) => return Ok(Err(refusal)),
    };
    tx.conn()
        .execute_raw(Statement::from_sql_and_values(
            store.backend,
            "UPDATE commerce_subscriptions SET doc = $1 WHERE workspace_id = $2 AND ref = $3",
            [encode(&sub)?.into(), ws.into(), sub.id.clone().into()],
        ))
        .await?;
    tx.commit().await?;
    Ok(Ok((sub, outcome)))
}

/// Records what an agent did to a customer's order or subscription as a
/// staff-visible event on the ticket it was done from (timeline, audit
/// trail, webhooks). The caller has just read the ticket as `p`.
pub async fn record_on_ticket(
    store: &Store,
    p: &Principal,
    ticket_id: i64,
    requester_id: i64,
    event_type: &'static str,
    subject_type: &'static str,
    data: Value,
) -> StoreResult<()> {
    let mut tx = store.begin(p).await?;
    tx.emit(NewEvent {
        event_type,
        subject_type,
        subject_id: None,
        ticket_id: Some(ticket_id),
        requester_id: Some(requester_id),
        visibility: Visibility::Staff,
        data,
    });
    tx.commit().await?;
    Ok(())
}

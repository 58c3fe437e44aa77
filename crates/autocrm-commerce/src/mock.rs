//! The built-in provider: the workspace's shop as stored by
//! `autocrm_store::commerce`, changed only through the policy's rules in
//! `autocrm_domain::commerce`, so a refused action changes nothing.

use async_trait::async_trait;
use autocrm_domain::Principal;
use autocrm_domain::commerce::{
    self as rules, Address, CancelReason, Customer, IntervalUnit, ItemSwap, Order, Outcome, Product, Refusal,
    Subscription,
};
use autocrm_store::Store;
use autocrm_store::commerce as db;

use crate::{Change, CommerceError, CommerceProvider, CommerceResult};

/// Orders listed per customer.
const ORDER_LIMIT: u64 = 50;

/// The mock shop over AutoCRM's own database.
#[derive(Debug, Clone)]
pub struct MockProvider {
    store: Store,
}

impl MockProvider {
    /// The provider over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    async fn on_order(
        &self,
        p: &Principal,
        id: &str,
        rule: impl FnOnce(&mut Order, &mut Customer, &[Product]) -> Result<Outcome, Refusal> + Send,
    ) -> CommerceResult<Change<Order>> {
        match db::change_order(&self.store, p, id, rule).await {
            Ok(Ok((record, outcome))) => Ok(Change { record, outcome }),
            Ok(Err(refusal)) => Err(CommerceError::Refused(refusal)),
            Err(autocrm_store::StoreError::NotFound) => Err(CommerceError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    async fn on_subscription(
        &self,
        p: &Principal,
        id: &str,
        rule: impl FnOnce(&mut Subscription) -> Result<Outcome, Refusal> + Send,
    ) -> CommerceResult<Change<Subscription>> {
        match db::change_subscription(&self.store, p, id, rule).await {
            Ok(Ok((record, outcome))) => Ok(Change { record, outcome }),
            Ok(Err(refusal)) => Err(CommerceError::Refused(refusal)),
            Err(autocrm_store::StoreError::NotFound) => Err(CommerceError::NotFound),
            Err(e) => Err(e.into()),
        }
    }
}

#[async_trait]
impl CommerceProvider for MockProvider {
    fn name(&self) -> &'static str {
        "mock"
    }

    async fn find_customer(&self, p: &Principal, email: &str) -> CommerceResult<Option<Customer>> {
        Ok(db::customer_by_email(&self.store, p, email).await?)
    }

    async fn orders(&self, p: &Principal, customer_id: &str) -> CommerceResult<Vec<Order>> {
        Ok(db::orders_of(&self.store, p, customer_id, ORDER_LIMIT).await?)
    }

    async fn order(&self, p: &Principal, order_id: &str) -> CommerceResult<Order> {
        db::order(&self.store, p, order_id).await?.ok_or(CommerceError::NotFound)
    }

    async fn products(&self, p: &Principal, product_ids: &[String]) -> CommerceResult<Vec<Product>> {
        Ok(db::products(&self.store, p, product_ids).await?)
    }

    async fn cancel_order(&self, p: &Principal, order_id: &str, reason: CancelReason) -> CommerceResult<Change<Order>> {
        let now = self.store.now();
        self.on_order(p, order_id, |o, c, _| rules::cancel_order(o, c, reason, now)).await
    }

    async fn change_address(&self, p: &Principal, order_id: &str, address: Address) -> CommerceResult<Change<Order>> {
        self.on_order(p, order_id, |o, _, _| rules::change_address(o, address)).await
    }

    async fn change_payment(
        &self,
        p: &Principal,
        order_id: &str,
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>> {
        let now = self.store.now();
        self.on_order(p, order_id, |o, c, _| rules::change_payment(o, c, payment_method_id, now)).await
    }

    async fn change_items(
        &self,
        p: &Principal,
        order_id: &str,
        swaps: &[ItemSwap],
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>> {
        let now = self.store.now();
        self.on_order(p, order_id, |o, c, cat| rules::change_items(o, c, swaps, payment_method_id, cat, now)).await
    }

    async fn return_items(
        &self,
        p: &Principal,
        order_id: &str,
        line_ids: &[String],
        refund_to: &str,
    ) -> CommerceResult<Change<Order>> {
        let now = self.store.now();
        self.on_order(p, order_id, |o, c, _| rules::return_items(o, c, line_ids, refund_to, now)).await
    }

    async fn exchange_items(
        &self,
        p: &Principal,
        order_id: &str,
        swaps: &[ItemSwap],
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>> {
        let now = self.store.now();
        self.on_order(p, order_id, |o, c, cat| rules::exchange_items(o, c, swaps, payment_method_id, cat, now)).await
    }

    async fn refund(
        &self,
        p: &Principal,
        order_id: &str,
        line_ids: &[String],
        refund_to: &str,
        reason: &str,
    ) -> CommerceResult<Change<Order>> {
        let now = self.store.now();
        self.on_order(p, order_id, |o, c, _| rules::refund_items(o, c, line_ids, refund_to, reason, now)).await
    }

    async fn subscriptions(&self, p: &Principal, customer_id: &str) -> CommerceResult<Vec<Subscription>> {
        Ok(db::subscriptions_of(&self.store, p, customer_id).await?)
    }

    async fn subscription(&self, p: &Principal, id: &str) -> CommerceResult<Subscription> {
        db::subscription(&self.store, p, id).await?.ok_or(CommerceError::NotFound)
    }

    async fn pause_subscription(&self, p: &Principal, id: &str) -> CommerceResult<Change<Subscription>> {
        self.on_subscription(p, id, rules::pause_subscription).await
    }

    async fn resume_subscription(&self, p: &Principal, id: &str) -> CommerceResult<Change<Subscription>> {
        let today = self.store.now().date_naive();
        self.on_subscription(p, id, |s| rules::resume_subscription(s, today)).await
    }

    async fn skip_next(&self, p: &Principal, id: &str) -> CommerceResult<Change<Subscription>> {
        self.on_subscription(p, id, rules::skip_next).await
    }

    async fn cancel_subscription(&self, p: &Principal, id: &str, reason: &str) -> CommerceResult<Change<Subscription>> {
        let today = self.store.now().date_naive();
        self.on_subscription(p, id, |s| rules::cancel_subscription(s, reason, today)).await
    }

    async fn change_frequency(
        &self,
        p: &Principal,
        id: &str,
        unit: IntervalUnit,
        count: u32,
    ) -> CommerceResult<Change<Subscription>> {
        self.on_subscription(p, id, |s| rules::change_frequency(s, unit, count)).await
    }
}

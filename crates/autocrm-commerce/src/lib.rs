//! The shop behind the support desk: customers, orders and subscriptions.
//!
//! Support reaches the shop through one [`CommerceProvider`]: the built-in
//! [`mock::MockProvider`] (the default; the demo shop, persisted in the
//! AutoCRM database and obeying the shop's policy), or
//! [`shopify::ShopifyProvider`] for a real Shopify shop, with subscriptions
//! through Appstle ([`appstle`]), which applies the same policy rules before
//! calling the services. Every action returns the changed record and an
//! [`Outcome`] sentence for the ticket's
//! audit trail, or a [`CommerceError::Refused`] with the reason to give the
//! customer. Callers decide *whose* order may be touched (the ticket's
//! requester); providers only confine to the workspace.

pub mod appstle;
pub mod mock;
pub mod shopify;

use async_trait::async_trait;
use autocrm_domain::Principal;
use autocrm_domain::commerce::{
    Address, CancelReason, Customer, IntervalUnit, ItemSwap, Order, Outcome, Product, Refusal, Subscription,
};

/// What can go wrong talking to the shop.
#[derive(Debug, thiserror::Error)]
pub enum CommerceError {
    /// No such customer, order or subscription (in this workspace).
    #[error("not found")]
    NotFound,
    /// The shop's policy (or the request's shape) does not allow it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The provider could not be reached or answered unexpectedly.
    #[error("the commerce provider is unavailable: {0}")]
    Unavailable(String),
    /// AutoCRM's own store failed (built-in provider).
    #[error(transparent)]
    Store(#[from] autocrm_store::StoreError),
}

/// Result alias for provider calls.
pub type CommerceResult<T> = Result<T, CommerceError>;

/// A changed record and what the change did.
#[derive(Debug, Clone)]
pub struct Change<T> {
    /// The record after the change.
    pub record: T,
    /// One sentence for the audit trail, and money moved.
    pub outcome: Outcome,
}

/// The operations support needs from a shop. `p` is the acting principal:
/// it confines the call to its workspace.
#[async_trait]
pub trait CommerceProvider: Send + Sync + 'static {
    /// A short name (`mock`, `shopify`).
    fn name(&self) -> &'static str;

    /// The customer with this e-mail address.
    async fn find_customer(&self, p: &Principal, email: &str) -> CommerceResult<Option<Customer>>;
    /// A customer's orders with items, fulfilments and tracking, newest first.
    async fn orders(&self, p: &Principal, customer_id: &str) -> CommerceResult<Vec<Order>>;
    /// One order.
    async fn order(&self, p: &Principal, order_id: &str) -> CommerceResult<Order>;
    /// Products with their variants (for swaps and exchanges).
    async fn products(&self, p: &Principal, product_ids: &[String]) -> CommerceResult<Vec<Product>>;

    /// Cancels a pending order, refunding it in full.
    async fn cancel_order(&self, p: &Principal, order_id: &str, reason: CancelReason) -> CommerceResult<Change<Order>>;
    /// Changes a pending order's shipping address.
    async fn change_address(&self, p: &Principal, order_id: &str, address: Address) -> CommerceResult<Change<Order>>;
    /// Pays a pending order with another saved method.
    async fn change_payment(
        &self,
        p: &Principal,
        order_id: &str,
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>>;
    /// Swaps a pending order's items for other options of the same products.
    async fn change_items(
        &self,
        p: &Principal,
        order_id: &str,
        swaps: &[ItemSwap],
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>>;
    /// Requests the return of delivered items.
    async fn return_items(
        &self,
        p: &Principal,
        order_id: &str,
        line_ids: &[String],
        refund_to: &str,
    ) -> CommerceResult<Change<Order>>;
    /// Requests the exchange of delivered items.
    async fn exchange_items(
        &self,
        p: &Principal,
        order_id: &str,
        swaps: &[ItemSwap],
        payment_method_id: &str,
    ) -> CommerceResult<Change<Order>>;
    /// Refunds items to the original payment method or a gift card.
    async fn refund(
        &self,
        p: &Principal,
        order_id: &str,
        line_ids: &[String],
        refund_to: &str,
        reason: &str,
    ) -> CommerceResult<Change<Order>>;

    /// A customer's subscriptions.
    async fn subscriptions(&self, p: &Principal, customer_id: &str) -> CommerceResult<Vec<Subscription>>;
    /// One subscription.
    async fn subscription(&self, p: &Principal, id: &str) -> CommerceResult<Subscription>;
    /// Pauses an active subscription.
    async fn pause_subscription(&self, p: &Principal, id: &str) -> CommerceResult<Change<Subscription>>;
    /// Resumes a paused subscription.
    async fn resume_subscription(&self, p: &Principal, id: &str) -> CommerceResult<Change<Subscription>>;
    /// Skips the next delivery.
    async fn skip_next(&self, p: &Principal, id: &str) -> CommerceResult<Change<Subscription>>;
    /// Cancels a subscription.
    async fn cancel_subscription(&self, p: &Principal, id: &str, reason: &str) -> CommerceResult<Change<Subscription>>;
    /// Changes how often it delivers.
    async fn change_frequency(
        &self,
        p: &Principal,
        id: &str,
        unit: IntervalUnit,
        count: u32,
    ) -> CommerceResult<Change<Subscription>>;
}

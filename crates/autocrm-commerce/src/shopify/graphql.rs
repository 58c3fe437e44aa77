//! The Admin GraphQL documents, one named operation each (`AutoCrm…`):
//! values travel only as variables, never spliced into a document.

pub(super) const ORDER_FIELDS: &str = r"
fragment OrderFields on Order {
  id name createdAt cancelledAt cancelReason edited currencyCode
  displayFinancialStatus displayFulfillmentStatus
  customer { id }
  shippingAddress { firstName lastName address1 address2 city provinceCode zip countryCodeV2 }
  lineItems(first: 100) {
    nodes {
      id title quantity currentQuantity
      product { id }
      variant { id selectedOptions { name value } }
      discountedUnitPriceSet { shopMoney { amount currencyCode } }
    }
  }
  fulfillments(first: 20) {
    status displayStatus deliveredAt
    trackingInfo(first: 5) { company number url }
    fulfillmentLineItems(first: 100) { nodes { id quantity lineItem { id } } }
  }
  transactions(first: 50) {
    id kind status gateway formattedGateway processedAt
    amountSet { shopMoney { amount currencyCode } }
    parentTransaction { id }
    paymentDetails { ... on CardPaymentDetails { company number } }
  }
  refunds(first: 20) {
    refundLineItems(first: 100) { nodes { quantity lineItem { id } } }
  }
  returns(first: 10) {
    nodes {
      id status createdAt
      returnLineItems(first: 50) {
        nodes { quantity ... on ReturnLineItem { fulfillmentLineItem { lineItem { id } } } }
      }
      exchangeLineItems(first: 50) { nodes { quantity variantId } }
    }
  }
}";

pub(super) const CUSTOMER_FIELDS: &str = r"
fragment CustomerFields on Customer {
  id firstName lastName tags
  defaultEmailAddress { emailAddress }
  defaultPhoneNumber { phoneNumber }
  defaultAddress { address1 address2 city provinceCode zip countryCodeV2 }
  storeCreditAccounts(first: 5) { nodes { id balance { amount currencyCode } } }
}";

pub(super) const FIND_CUSTOMER: &str = r"
query AutoCrmFindCustomer($query: String!) {
  customers(first: 1, query: $query) { nodes { id } }
}";

pub(super) const CUSTOMER: &str = r"
query AutoCrmCustomer($id: ID!, $giftCards: String!) {
  customer(id: $id) { ...CustomerFields }
  giftCards(first: 20, query: $giftCards) { nodes { id lastCharacters balance { amount currencyCode } } }
}";

pub(super) const ORDERS: &str = r"
query AutoCrmOrders($query: String!, $first: Int!) {
  orders(first: $first, sortKey: CREATED_AT, reverse: true, query: $query) { nodes { ...OrderFields } }
}";

pub(super) const ORDER: &str = r"
query AutoCrmOrder($id: ID!) {
  order(id: $id) { ...OrderFields }
}";

pub(super) const PRODUCTS: &str = r"
query AutoCrmProducts($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Product {
      id title productType
      variants(first: 100) { nodes { id price availableForSale selectedOptions { name value } } }
    }
  }
}";

pub(super) const ORDER_CANCEL: &str = r"
mutation AutoCrmOrderCancel($orderId: ID!, $reason: OrderCancelReason!, $refundMethod: OrderCancelRefundMethodInput!, $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock, notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}";

pub(super) const ORDER_UPDATE: &str = r"
mutation AutoCrmOrderUpdate($input: OrderInput!) {
  orderUpdate(input: $input) { order { id } userErrors { field message } }
}";

pub(super) const ORDER_EDIT_BEGIN: &str = r"
mutation AutoCrmOrderEditBegin($id: ID!) {
  orderEditBegin(id: $id) {
    calculatedOrder { id lineItems(first: 250) { nodes { id quantity variant { id } } } }
    userErrors { field message }
  }
}";

pub(super) const ORDER_EDIT_SET_QUANTITY: &str = r"
mutation AutoCrmOrderEditSetQuantity($id: ID!, $lineItemId: ID!, $quantity: Int!, $restock: Boolean) {
  orderEditSetQuantity(id: $id, lineItemId: $lineItemId, quantity: $quantity, restock: $restock) {
    calculatedOrder { id }
    userErrors { field message }
  }
}";

pub(super) const ORDER_EDIT_ADD_VARIANT: &str = r"
mutation AutoCrmOrderEditAddVariant($id: ID!, $variantId: ID!, $quantity: Int!) {
  orderEditAddVariant(id: $id, variantId: $variantId, quantity: $quantity, allowDuplicates: true) {
    calculatedOrder { id }
    userErrors { field message }
  }
}";

pub(super) const ORDER_EDIT_COMMIT: &str = r"
mutation AutoCrmOrderEditCommit($id: ID!, $notifyCustomer: Boolean, $staffNote: String) {
  orderEditCommit(id: $id, notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    order { id }
    userErrors { field message }
  }
}";

pub(super) const RETURN_CREATE: &str = r"
mutation AutoCrmReturnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) { return { id status } userErrors { field message code } }
}";

pub(super) const REFUND_CREATE: &str = r"
mutation AutoCrmRefundCreate($input: RefundInput!) {
  refundCreate(input: $input) { refund { id } userErrors { field message } }
}";

pub(super) const GIFT_CARD_CREDIT: &str = r"
mutation AutoCrmGiftCardCredit($id: ID!, $creditInput: GiftCardCreditInput!) {
  giftCardCredit(id: $id, creditInput: $creditInput) { giftCardCreditTransaction { id } userErrors { field message code } }
}";

/** Money and order helpers shared by the commerce panel. */
import type { Order, PaymentMethod } from './api/commerce';

/** `4000, 'USD'` → `$40.00`. */
export function formatMoney(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

/** What a person reads for a variant's options: `black, glass`. */
export function optionsLabel(options: Record<string, string> | undefined): string {
  return Object.values(options ?? {}).join(', ');
}

export type OrderActionKind = 'cancel' | 'address' | 'payment' | 'items' | 'return' | 'exchange' | 'refund';

/**
 * The actions the shop's policy allows on an order in its status: pending orders are cancelled or
 * modified (items only once), delivered ones returned or exchanged, shipped ones refunded.
 */
export function allowedActions(order: Order): OrderActionKind[] {
  const refundable = order.items.some((i) => !i.refunded_cents);
  switch (order.status) {
    case 'pending':
      return ['cancel', 'address', 'payment', 'items'];
    case 'pending_items_modified':
      return [];
    case 'delivered':
      return refundable ? ['return', 'exchange', 'refund'] : [];
    case 'processed':
    case 'return_requested':
    case 'exchange_requested':
      return refundable ? ['refund'] : [];
    case 'cancelled':
      return [];
  }
}

/** Where a refund may go: the order's original payment method or one of the customer's gift cards. */
export function refundDestinations(order: Order, methods: PaymentMethod[]): PaymentMethod[] {
  const original = order.transactions?.find((t) => t.kind === 'payment')?.payment_method_id;
  return methods.filter((m) => m.id === original || m.kind === 'gift_card');
}

/** Lines still refundable (not refunded, not already being returned or exchanged). */
export function openLines(order: Order, forRefund: boolean) {
  const returning = new Set((order.returns ?? []).flatMap((r) => r.line_ids));
  return order.items.filter((i) => !i.refunded_cents && (forRefund || !returning.has(i.id)));
}

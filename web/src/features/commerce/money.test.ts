import { describe, expect, it } from 'vitest';
import type { Order, PaymentMethod } from './api/commerce';
import { allowedActions, formatMoney, openLines, refundDestinations } from './money';

function order(status: Order['status'], refunded = 0): Order {
  return {
    id: 'W1',
    name: '#W1',
    customer_id: 'c',
    status,
    placed_at: '2026-11-01T00:00:00Z',
    currency: 'USD',
    items: [
      { id: '1', product_id: 'p', variant_id: 'v', name: 'Lamp', price_cents: 4000, refunded_cents: refunded },
      { id: '2', product_id: 'p', variant_id: 'v', name: 'Lamp', price_cents: 4000 },
    ],
    shipping_address: { line1: 'x', city: 'y', province: 'CO', zip: '1', country: 'US' },
    transactions: [{ kind: 'payment', amount_cents: 8000, payment_method_id: 'pp' }],
    returns: [{ kind: 'return', line_ids: ['2'], payment_method_id: 'pp', amount_cents: 4000, at: '2026-11-02T00:00:00Z' }],
    total_cents: 8000,
    refunded_cents: refunded,
    status_label: status,
  };
}

describe('commerce helpers', () => {
  it('formats cents as currency', () => {
    expect(formatMoney(4000)).toBe('$40.00');
    expect(formatMoney(-1234)).toBe('-$12.34');
  });

  it('offers only what the policy allows for the status', () => {
    expect(allowedActions(order('pending'))).toEqual(['cancel', 'address', 'payment', 'items']);
    expect(allowedActions(order('pending_items_modified'))).toEqual([]);
    expect(allowedActions(order('delivered'))).toEqual(['return', 'exchange', 'refund']);
    expect(allowedActions(order('processed'))).toEqual(['refund']);
    expect(allowedActions(order('cancelled'))).toEqual([]);
  });

  it('refunds go to the original method or a gift card', () => {
    const methods: PaymentMethod[] = [
      { id: 'pp', kind: 'paypal', label: 'PayPal' },
      { id: 'cc', kind: 'credit_card', label: 'Visa ending 1111' },
      { id: 'gc', kind: 'gift_card', label: 'Gift card', balance_cents: 0 },
    ];
    expect(refundDestinations(order('delivered'), methods).map((m) => m.id)).toEqual(['pp', 'gc']);
  });

  it('leaves out refunded lines, and lines being returned unless refunding', () => {
    expect(openLines(order('delivered', 4000), false).map((l) => l.id)).toEqual([]);
    expect(openLines(order('delivered', 4000), true).map((l) => l.id)).toEqual(['2']);
    expect(openLines(order('delivered'), false).map((l) => l.id)).toEqual(['1']);
  });
});

import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Customer, Order } from '../api/commerce';
import { OrderActionModal } from './order-action-modal';

const customer: Customer = {
  id: 'c',
  email: 'c@example.com',
  first_name: 'Cat',
  last_name: 'Lee',
  address: { line1: '1 Main St', city: 'Denver', province: 'CO', zip: '80202', country: 'US' },
  payment_methods: [
    { id: 'pp', kind: 'paypal', label: 'PayPal' },
    { id: 'cc', kind: 'credit_card', label: 'Visa ending 1111' },
    { id: 'gc', kind: 'gift_card', label: 'Gift card', balance_cents: 500 },
  ],
};

const order: Order = {
  id: 'W1',
  name: '#W1',
  customer_id: 'c',
  status: 'delivered',
  placed_at: '2026-11-01T00:00:00Z',
  currency: 'USD',
  items: [
    { id: '1', product_id: 'p', variant_id: 'v1', name: 'Desk Lamp', options: { color: 'black' }, price_cents: 4000 },
    { id: '2', product_id: 'p', variant_id: 'v1', name: 'Desk Lamp', options: { color: 'black' }, price_cents: 4000, refunded_cents: 4000 },
  ],
  shipping_address: customer.address,
  transactions: [{ kind: 'payment', amount_cents: 8000, payment_method_id: 'pp' }],
  total_cents: 8000,
  refunded_cents: 4000,
  status_label: 'delivered',
};

function renderRefund() {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MantineProvider>
        <OrderActionModal ticketId={7} order={order} kind="refund" customer={customer} products={[]} onClose={() => {}} />
      </MantineProvider>
    </QueryClientProvider>,
  );
}

describe('OrderActionModal', () => {
  it('offers only unrefunded items and confirms only with items and a reason', () => {
    renderRefund();
    const items = screen.getByTestId('order-action-items');
    expect(items.querySelectorAll('input[type="checkbox"]')).toHaveLength(1);
    const confirm = screen.getByRole('button', { name: 'Confirm' });
    expect(confirm).toBeDisabled();
    fireEvent.click(screen.getByLabelText(/Desk Lamp \(black\)/));
    expect(confirm).toBeDisabled();
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'Arrived broken' } });
    expect(confirm).toBeEnabled();
    expect(screen.getByTestId('order-action-summary')).toHaveTextContent('Refund $40.00 to PayPal.');
  });
});

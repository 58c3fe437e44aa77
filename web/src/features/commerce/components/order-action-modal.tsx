/**
 * One order action as a confirm dialog: the agent picks items, variants, where money goes and why,
 * reads what will happen, and confirms. A policy refusal from the shop is shown with its reason.
 */
import { Alert, Button, Checkbox, Group, Modal, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { errorMessage } from '@/lib/api-client';
import { useOrderAction, type Address, type Customer, type Order, type OrderAction, type Product } from '../api/commerce';
import { formatMoney, openLines, optionsLabel, refundDestinations, type OrderActionKind } from '../money';

export const ACTION_LABELS: Record<OrderActionKind, string> = {
  cancel: 'Cancel order',
  address: 'Change address',
  payment: 'Change payment',
  items: 'Modify items',
  return: 'Return items',
  exchange: 'Exchange items',
  refund: 'Refund items',
};

export interface OrderActionModalProps {
  ticketId: number;
  order: Order;
  kind: OrderActionKind;
  customer: Customer;
  products: Product[];
  onClose: () => void;
}

export function OrderActionModal({ ticketId, order, kind, customer, products, onClose }: OrderActionModalProps) {
  const mutation = useOrderAction(ticketId);
  const needsLines = kind === 'return' || kind === 'exchange' || kind === 'refund' || kind === 'items';
  const lines = needsLines ? openLines(order, kind === 'refund') : [];
  const [picked, setPicked] = useState<string[]>([]);
  const [variants, setVariants] = useState<Record<string, string>>({});
  const destinations = kind === 'refund' || kind === 'return' ? refundDestinations(order, customer.payment_methods) : customer.payment_methods;
  const original = order.transactions?.find((t) => t.kind === 'payment')?.payment_method_id ?? null;
  const [method, setMethod] = useState<string | null>(
    kind === 'payment' ? null : destinations.some((m) => m.id === original) ? original : (destinations[0]?.id ?? null),
  );
  const [reason, setReason] = useState(kind === 'cancel' ? 'no_longer_needed' : '');
  const [address, setAddress] = useState<Address>({ ...order.shipping_address });

  const swapping = kind === 'items' || kind === 'exchange';
  const pickedLines = lines.filter((l) => picked.includes(l.id));
  const variantOf = (productId: string) => products.find((p) => p.id === productId)?.variants ?? [];
  const priceOf = (productId: string, variantId: string | undefined) =>
    variantOf(productId).find((v) => v.id === variantId)?.price_cents;
  const difference = pickedLines.reduce((sum, l) => sum + ((priceOf(l.product_id, variants[l.id]) ?? l.price_cents) - l.price_cents), 0);
  const amount = pickedLines.reduce((sum, l) => sum + l.price_cents, 0);
  const methodLabel = customer.payment_methods.find((m) => m.id === method)?.label ?? '…';

  const action = ((): OrderAction | null => {
    switch (kind) {
      case 'cancel':
        return reason === 'no_longer_needed' || reason === 'ordered_by_mistake' ? { kind, body: { reason } } : null;
      case 'address':
        return { kind, body: { address: { ...address, line2: address.line2 || null } } };
      case 'payment':
        return method ? { kind, body: { payment_method_id: method } } : null;
      case 'items':
      case 'exchange': {
        const items = pickedLines.map((l) => ({ line_id: l.id, variant_id: variants[l.id] ?? '' }));
        return method && items.length > 0 && items.every((i) => i.variant_id) ? { kind, body: { items, payment_method_id: method } } : null;
      }
      case 'return':
        return method && picked.length > 0 ? { kind, body: { line_ids: picked, refund_to: method } } : null;
      case 'refund':
        return method && picked.length > 0 && reason.trim() ? { kind, body: { line_ids: picked, refund_to: method, reason } } : null;
    }
  })();

  const summary = (() => {
    switch (kind) {
      case 'cancel':
        return `Cancel ${order.name} and refund ${formatMoney(order.total_cents - order.refunded_cents, order.currency)} to the original payment method.`;
      case 'address':
        return `Ship ${order.name} to ${address.line1}, ${address.city}.`;
      case 'payment':
        return `Charge ${order.name} to ${methodLabel}; the original payment is refunded.`;
      case 'items':
      case 'exchange':
        return `${kind === 'items' ? 'Modify' : 'Exchange'} ${pickedLines.length} item(s); price difference ${formatMoney(difference, order.currency)} (${methodLabel}).${kind === 'items' ? ' Items can be modified only once.' : ''}`;
      case 'return':
        return `Return ${pickedLines.length} item(s); ${formatMoney(amount, order.currency)} goes to ${methodLabel} once they arrive.`;
      case 'refund':
        return `Refund ${formatMoney(amount, order.currency)} to ${methodLabel}.`;
    }
  })();

  const submit = async () => {
    if (!action) return;
    const out = await mutation.mutateAsync({ orderId: order.id, action });
    notifications.show({ color: 'green', message: out.outcome.summary });
    onClose();
  };

  return (
    <Modal opened onClose={onClose} title={`${ACTION_LABELS[kind]} · ${order.name}`} size="lg">
      <Stack gap="sm">
        {needsLines && (
          <Stack gap={6} data-testid="order-action-items">
            {lines.length === 0 && <Text c="dimmed">No items left for this.</Text>}
            {lines.map((l) => (
              <Group key={l.id} justify="space-between" wrap="nowrap" align="flex-start">
                <Checkbox
                  label={`${l.name} (${optionsLabel(l.options)}) · ${formatMoney(l.price_cents, order.currency)}`}
                  checked={picked.includes(l.id)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setPicked((p) => (on ? [...p, l.id] : p.filter((x) => x !== l.id)));
                  }}
                />
                {swapping && picked.includes(l.id) && (
                  <Select
                    aria-label={`New option for ${l.name}`}
                    placeholder="New option"
                    w={220}
                    value={variants[l.id] ?? null}
                    onChange={(v) => setVariants((m) => ({ ...m, [l.id]: v ?? '' }))}
                    data={variantOf(l.product_id)
                      .filter((v) => v.id !== l.variant_id)
                      .map((v) => ({
                        value: v.id,
                        label: `${optionsLabel(v.options)} · ${formatMoney(v.price_cents, order.currency)}${v.available ? '' : ' (unavailable)'}`,
                        disabled: !v.available,
                      }))}
                  />
                )}
              </Group>
            ))}
          </Stack>
        )}
        {kind === 'cancel' && (
          <Select
            label="Reason"
            value={reason}
            onChange={(v) => setReason(v ?? '')}
            data={[
              { value: 'no_longer_needed', label: 'No longer needed' },
              { value: 'ordered_by_mistake', label: 'Ordered by mistake' },
            ]}
          />
        )}
        {kind === 'address' && (
          <Stack gap={6}>
            <TextInput label="Street" value={address.line1} onChange={(e) => setAddress({ ...address, line1: e.currentTarget.value })} />
            <TextInput
              label="Address line 2"
              value={address.line2 ?? ''}
              onChange={(e) => setAddress({ ...address, line2: e.currentTarget.value })}
            />
            <Group grow>
              <TextInput label="City" value={address.city} onChange={(e) => setAddress({ ...address, city: e.currentTarget.value })} />
              <TextInput
                label="State"
                value={address.province}
                onChange={(e) => setAddress({ ...address, province: e.currentTarget.value })}
              />
            </Group>
            <Group grow>
              <TextInput label="ZIP" value={address.zip} onChange={(e) => setAddress({ ...address, zip: e.currentTarget.value })} />
              <TextInput
                label="Country"
                value={address.country}
                onChange={(e) => setAddress({ ...address, country: e.currentTarget.value.toUpperCase() })}
              />
            </Group>
          </Stack>
        )}
        {kind !== 'cancel' && kind !== 'address' && (
          <Select
            label={kind === 'refund' || kind === 'return' ? 'Refund to' : kind === 'payment' ? 'New payment method' : 'Pay or refund the difference with'}
            value={method}
            onChange={setMethod}
            data={destinations
              .filter((m) => kind !== 'payment' || m.id !== original)
              .map((m) => ({
                value: m.id,
                label: `${m.label}${m.balance_cents != null ? ` (balance ${formatMoney(m.balance_cents)})` : ''}${m.id === original ? ' · original' : ''}`,
              }))}
          />
        )}
        {kind === 'refund' && (
          <Textarea label="Reason" placeholder="Why is this refunded?" value={reason} onChange={(e) => setReason(e.currentTarget.value)} autosize minRows={2} />
        )}
        <Alert color="blue" data-testid="order-action-summary">
          {summary}
        </Alert>
        {mutation.isError && (
          <Alert color="red" data-testid="order-action-error">
            {errorMessage(mutation.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Back
          </Button>
          <Button color={kind === 'cancel' ? 'red' : 'blue'} disabled={!action} loading={mutation.isPending} onClick={() => void submit()}>
            Confirm
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

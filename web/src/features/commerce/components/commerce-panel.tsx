/**
 * The shop in the ticket: the requester's customer record, orders (items, shipments with tracking,
 * payments and refunds) and subscriptions, with the actions the shop's policy allows.
 */
import { Accordion, Alert, Anchor, Badge, Button, Group, Loader, Paper, Stack, Table, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { RelativeTime } from '@/components/ui/relative-time';
import { errorMessage } from '@/lib/api-client';
import { eventStream } from '@/lib/event-stream';
import { commerceKeys, commerceQuery, type Customer, type Order, type Product } from '../api/commerce';
import { allowedActions, formatMoney, optionsLabel, type OrderActionKind } from '../money';
import { ACTION_LABELS, OrderActionModal } from './order-action-modal';
import { SubscriptionList } from './subscription-list';

const STATUS_COLOR: Record<Order['status'], string> = {
  pending: 'yellow',
  pending_items_modified: 'yellow',
  processed: 'blue',
  delivered: 'green',
  cancelled: 'gray',
  return_requested: 'orange',
  exchange_requested: 'orange',
};

export function CommercePanel({ ticketId }: { ticketId: number }) {
  const overview = useQuery(commerceQuery(ticketId));
  const client = useQueryClient();
  const [action, setAction] = useState<{ order: Order; kind: OrderActionKind } | null>(null);

  // Another agent's action on this ticket's orders shows up here at once.
  useEffect(
    () =>
      eventStream.subscribe((event) => {
        if (event.ticket_id !== ticketId) return;
        if (event.type.startsWith('order.') || event.type.startsWith('subscription.')) {
          void client.invalidateQueries({ queryKey: commerceKeys.ticket(ticketId) });
        }
      }),
    [client, ticketId],
  );

  if (overview.isPending) return <Loader size="sm" />;
  if (overview.isError) return <Alert color="red">{errorMessage(overview.error)}</Alert>;
  const { customer, orders, subscriptions, products } = overview.data;
  return (
    <Paper withBorder p="sm" data-testid="commerce-panel">
      <Group justify="space-between" mb={4}>
        <Text size="xs" fw={700} c="dimmed" tt="uppercase">
          Shop
        </Text>
        <Badge size="xs" variant="outline" color="gray">
          {overview.data.provider}
        </Badge>
      </Group>
      {!customer ? (
        <Text size="sm" c="dimmed">
          No shop customer with this e-mail address.
        </Text>
      ) : (
        <Stack gap="xs">
          <CustomerSummary customer={customer} />
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            Orders ({orders.length})
          </Text>
          {orders.length === 0 ? (
            <Text size="sm" c="dimmed">
              No orders.
            </Text>
          ) : (
            <Accordion variant="separated" chevronPosition="left" data-testid="orders">
              {orders.map((o) => (
                <OrderItem key={o.id} order={o} customer={customer} onAction={(kind) => setAction({ order: o, kind })} />
              ))}
            </Accordion>
          )}
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            Subscriptions
          </Text>
          <SubscriptionList ticketId={ticketId} subscriptions={subscriptions} />
        </Stack>
      )}
      {action && customer && (
        <OrderActionModal
          ticketId={ticketId}
          order={action.order}
          kind={action.kind}
          customer={customer}
          products={products as Product[]}
          onClose={() => setAction(null)}
        />
      )}
    </Paper>
  );
}

function CustomerSummary({ customer }: { customer: Customer }) {
  const a = customer.address;
  return (
    <Stack gap={2}>
      <Group gap={6}>
        <Text size="sm" fw={600}>
          {customer.first_name} {customer.last_name}
        </Text>
        {(customer.tags ?? []).map((t) => (
          <Badge key={t} size="xs" color="grape">
            {t}
          </Badge>
        ))}
      </Group>
      <Text size="xs" c="dimmed">
        {a.line1}
        {a.line2 ? `, ${a.line2}` : ''}, {a.city} {a.province} {a.zip}, {a.country}
      </Text>
      <Text size="xs" c="dimmed">
        {customer.payment_methods
          .map((m) => (m.balance_cents != null ? `${m.label} (${formatMoney(m.balance_cents)})` : m.label))
          .join(' · ')}
      </Text>
    </Stack>
  );
}

function OrderItem({ order, customer, onAction }: { order: Order; customer: Customer; onAction: (kind: OrderActionKind) => void }) {
  const actions = allowedActions(order);
  const method = (id: string) => customer.payment_methods.find((m) => m.id === id)?.label ?? id;
  return (
    <Accordion.Item value={order.id} data-testid={`order-${order.id}`}>
      <Accordion.Control>
        <Group justify="space-between" wrap="nowrap" gap={4}>
          <Text size="sm" fw={600}>
            {order.name}
          </Text>
          <Group gap={4} wrap="nowrap">
            <Badge size="xs" color={STATUS_COLOR[order.status]} data-testid="order-status">
              {order.status_label}
            </Badge>
            <Text size="xs">{formatMoney(order.total_cents, order.currency)}</Text>
          </Group>
        </Group>
        <Text size="xs" c="dimmed">
          <RelativeTime iso={order.placed_at} />
          {order.refunded_cents > 0 && ` · refunded ${formatMoney(order.refunded_cents, order.currency)}`}
        </Text>
      </Accordion.Control>
      <Accordion.Panel>
        <Stack gap="xs">
          <Table fz="xs" verticalSpacing={2} horizontalSpacing={4}>
            <Table.Tbody>
              {order.items.map((i) => (
                <Table.Tr key={i.id} data-testid={`order-line-${i.id}`}>
                  <Table.Td>
                    {i.name}
                    <Text span size="xs" c="dimmed">
                      {' '}
                      {optionsLabel(i.options)}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">{formatMoney(i.price_cents, order.currency)}</Table.Td>
                  <Table.Td ta="right">
                    {i.refunded_cents ? (
                      <Badge size="xs" color="orange">
                        refunded
                      </Badge>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {(order.fulfilments ?? []).map((f) => (
            <Text key={f.tracking_number} size="xs">
              {f.carrier}{' '}
              {f.tracking_url ? (
                <Anchor href={f.tracking_url} target="_blank" rel="noopener noreferrer" size="xs">
                  {f.tracking_number}
                </Anchor>
              ) : (
                f.tracking_number
              )}
            </Text>
          ))}
          <Text size="xs" c="dimmed">
            Ship to {order.shipping_address.line1}, {order.shipping_address.city}
          </Text>
          {(order.transactions ?? []).map((t, n) => (
            <Text key={n} size="xs" c={t.kind === 'refund' ? 'orange' : 'dimmed'}>
              {t.kind === 'refund' ? 'Refund' : 'Payment'} {formatMoney(t.amount_cents, order.currency)} · {method(t.payment_method_id)}
              {t.note ? ` · ${t.note}` : ''}
            </Text>
          ))}
          {(order.returns ?? []).map((r, n) => (
            <Text key={`r${n}`} size="xs" c="orange">
              {r.kind === 'return' ? 'Return' : 'Exchange'} requested for item(s) {r.line_ids.join(', ')}
            </Text>
          ))}
          {actions.length > 0 && (
            <Group gap={4} data-testid="order-actions">
              {actions.map((kind) => (
                <Button
                  key={kind}
                  size="compact-xs"
                  variant="light"
                  color={kind === 'cancel' ? 'red' : 'blue'}
                  onClick={() => onAction(kind)}
                >
                  {ACTION_LABELS[kind]}
                </Button>
              ))}
            </Group>
          )}
        </Stack>
      </Accordion.Panel>
    </Accordion.Item>
  );
}

/** The ticket requester's shop: customer, orders, subscriptions, and the actions an agent may take. */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type CommerceOverview = Schemas['CommerceOverview'];
export type Order = Schemas['OrderOut'];
export type LineItem = Schemas['LineItem'];
export type Subscription = Schemas['Subscription'];
export type Customer = Schemas['Customer'];
export type Product = Schemas['Product'];
export type PaymentMethod = Schemas['PaymentMethod'];
export type Address = Schemas['Address'];
export type Outcome = Schemas['Outcome'];

export const commerceKeys = {
  ticket: (ticketId: number) => ['commerce', ticketId] as const,
};

export function commerceQuery(ticketId: number) {
  return queryOptions({
    queryKey: commerceKeys.ticket(ticketId),
    queryFn: () => unwrap(api.GET('/api/v1/tickets/{id}/commerce', { params: { path: { id: ticketId } } })),
  });
}

/** One order action with its request body. */
export type OrderAction =
  | { kind: 'cancel'; body: Schemas['CancelOrderIn'] }
  | { kind: 'address'; body: Schemas['AddressIn'] }
  | { kind: 'payment'; body: Schemas['PaymentIn'] }
  | { kind: 'items'; body: Schemas['SwapIn'] }
  | { kind: 'return'; body: Schemas['ReturnIn'] }
  | { kind: 'exchange'; body: Schemas['SwapIn'] }
  | { kind: 'refund'; body: Schemas['RefundIn'] };

function postOrderAction(ticketId: number, orderId: string, action: OrderAction) {
  const path = { id: ticketId, order_id: orderId };
  switch (action.kind) {
    case 'cancel':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/orders/{order_id}/cancel', { params: { path }, body: action.body }));
    case 'address':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/orders/{order_id}/address', { params: { path }, body: action.body }));
    case 'payment':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/orders/{order_id}/payment', { params: { path }, body: action.body }));
    case 'items':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/orders/{order_id}/items', { params: { path }, body: action.body }));
    case 'return':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/orders/{order_id}/return', { params: { path }, body: action.body }));
    case 'exchange':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/orders/{order_id}/exchange', { params: { path }, body: action.body }));
    case 'refund':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/orders/{order_id}/refund', { params: { path }, body: action.body }));
  }
}

export function useOrderAction(ticketId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ orderId, action }: { orderId: string; action: OrderAction }) => postOrderAction(ticketId, orderId, action),
    onSuccess: (out) => {
      client.setQueryData<CommerceOverview>(commerceKeys.ticket(ticketId), (old) =>
        old ? { ...old, orders: old.orders.map((o) => (o.id === out.order.id ? out.order : o)) } : old,
      );
      void client.invalidateQueries({ queryKey: commerceKeys.ticket(ticketId) });
    },
  });
}

export type SubscriptionAction =
  | { kind: 'pause' | 'resume' | 'skip' }
  | { kind: 'cancel'; body: Schemas['CancelSubscriptionIn'] }
  | { kind: 'frequency'; body: Schemas['FrequencyIn'] };

function postSubscriptionAction(ticketId: number, subscriptionId: string, action: SubscriptionAction) {
  const path = { id: ticketId, subscription_id: subscriptionId };
  switch (action.kind) {
    case 'pause':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/pause', { params: { path } }));
    case 'resume':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/resume', { params: { path } }));
    case 'skip':
      return unwrap(api.POST('/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/skip', { params: { path } }));
    case 'cancel':
      return unwrap(
        api.POST('/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/cancel', { params: { path }, body: action.body }),
      );
    case 'frequency':
      return unwrap(
        api.POST('/api/v1/tickets/{id}/commerce/subscriptions/{subscription_id}/frequency', { params: { path }, body: action.body }),
      );
  }
}

export function useSubscriptionAction(ticketId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ subscriptionId, action }: { subscriptionId: string; action: SubscriptionAction }) =>
      postSubscriptionAction(ticketId, subscriptionId, action),
    onSuccess: (out) => {
      client.setQueryData<CommerceOverview>(commerceKeys.ticket(ticketId), (old) =>
        old
          ? { ...old, subscriptions: old.subscriptions.map((s) => (s.id === out.subscription.id ? out.subscription : s)) }
          : old,
      );
      void client.invalidateQueries({ queryKey: commerceKeys.ticket(ticketId) });
    },
  });
}

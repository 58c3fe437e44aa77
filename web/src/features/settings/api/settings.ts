/** Admin endpoints: users, statuses, custom fields, API keys, webhooks and their deliveries, the audit log. */
import { infiniteQueryOptions, queryOptions, useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';
import { customFieldsQuery, statusesQuery } from '@/lib/reference-data';

export { customFieldsQuery, statusesQuery };

export type User = Schemas['UserOut'];
export type Status = Schemas['StatusOut'];
export type CustomField = Schemas['CustomFieldOut'];
export type ApiKey = Schemas['ApiKeyOut'];
export type Webhook = Schemas['WebhookOut'];
export type Delivery = Schemas['DeliveryOut'];
export type AuditEntry = Schemas['EventOut'];

export const settingsKeys = {
  users: ['settings', 'users'] as const,
  statuses: statusesQuery.queryKey,
  customFields: customFieldsQuery.queryKey,
  apiKeys: ['settings', 'api-keys'] as const,
  webhooks: ['settings', 'webhooks'] as const,
  deliveries: (id: number) => ['settings', 'webhooks', id, 'deliveries'] as const,
  eventTypes: ['settings', 'event-types'] as const,
  audit: (type: string) => ['settings', 'audit', type] as const,
};

/** A mutation that refreshes `keys` when it succeeds. */
export function useWrite<TIn, TOut>(fn: (input: TIn) => Promise<TOut>, ...keys: QueryKey[]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      for (const queryKey of keys) void client.invalidateQueries({ queryKey });
    },
  });
}

export const usersQuery = queryOptions({
  queryKey: settingsKeys.users,
  queryFn: async () => {
    const rows: User[] = [];
    let cursor: string | undefined;
    // Staff lists are short; customers with logins are paged through too.
    for (let i = 0; i < 20; i++) {
      const page = await unwrap(api.GET('/api/v1/users', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
      rows.push(...page.data);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    return rows;
  },
});
export const useCreateUser = () =>
  useWrite((body: Schemas['UserIn']) => unwrap(api.POST('/api/v1/users', { body })), settingsKeys.users);
export const useUpdateUser = () =>
  useWrite(
    ({ id, patch }: { id: number; patch: Schemas['UserPatch'] }) =>
      unwrap(api.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: patch })),
    settingsKeys.users,
  );

export const useCreateStatus = () =>
  useWrite((body: Schemas['StatusIn']) => unwrap(api.POST('/api/v1/statuses', { body })), settingsKeys.statuses);
export const useUpdateStatus = () =>
  useWrite(
    ({ id, patch }: { id: number; patch: Schemas['StatusPatch'] }) =>
      unwrap(api.PATCH('/api/v1/statuses/{id}', { params: { path: { id } }, body: patch })),
    settingsKeys.statuses,
  );

export const useCreateCustomField = () =>
  useWrite((body: Schemas['CustomFieldIn']) => unwrap(api.POST('/api/v1/custom-fields', { body })), settingsKeys.customFields);
export const useUpdateCustomField = () =>
  useWrite(
    ({ id, patch }: { id: number; patch: Schemas['CustomFieldPatch'] }) =>
      unwrap(api.PATCH('/api/v1/custom-fields/{id}', { params: { path: { id } }, body: patch })),
    settingsKeys.customFields,
  );

export const apiKeysQuery = queryOptions({
  queryKey: settingsKeys.apiKeys,
  queryFn: () => unwrap(api.GET('/api/v1/api-keys')),
});
export const useCreateApiKey = () =>
  useWrite((body: Schemas['ApiKeyIn']) => unwrap(api.POST('/api/v1/api-keys', { body })), settingsKeys.apiKeys);
export const useRevokeApiKey = () =>
  useWrite((id: number) => unwrap(api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } })), settingsKeys.apiKeys);

export const webhooksQuery = queryOptions({
  queryKey: settingsKeys.webhooks,
  queryFn: () => unwrap(api.GET('/api/v1/webhooks')),
});
export const eventTypesQuery = queryOptions({
  queryKey: settingsKeys.eventTypes,
  queryFn: () => unwrap(api.GET('/api/v1/webhooks/event-types')),
  staleTime: Infinity,
});
export const useCreateWebhook = () =>
  useWrite((body: Schemas['WebhookIn']) => unwrap(api.POST('/api/v1/webhooks', { body })), settingsKeys.webhooks);
export const useUpdateWebhook = () =>
  useWrite(
    ({ id, patch }: { id: number; patch: Schemas['WebhookPatch'] }) =>
      unwrap(api.PATCH('/api/v1/webhooks/{id}', { params: { path: { id } }, body: patch })),
    settingsKeys.webhooks,
  );
export const useDeleteWebhook = () =>
  useWrite((id: number) => unwrap(api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } })), settingsKeys.webhooks);

export function deliveriesQuery(webhookId: number) {
  return queryOptions({
    queryKey: settingsKeys.deliveries(webhookId),
    queryFn: () =>
      unwrap(api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id: webhookId }, query: { limit: 50 } } })),
  });
}
export function useRedeliver(webhookId: number) {
  return useWrite(
    (deliveryId: number) =>
      unwrap(
        api.POST('/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver', {
          params: { path: { id: webhookId, delivery_id: deliveryId } },
        }),
      ),
    settingsKeys.deliveries(webhookId),
  );
}

export function auditQuery(type: string) {
  return infiniteQueryOptions({
    queryKey: settingsKeys.audit(type),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/audit-log', {
          params: { query: { limit: 100, ...(type ? { type } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

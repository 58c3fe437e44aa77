/** The signed-in agent's notifications (mentions, assignments): the list with the unread count, marking read. */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Notification = Schemas['NotificationOut'];
export type NotificationPage = Schemas['NotificationList'];

export const notificationKeys = {
  all: ['notifications'] as const,
  latest: () => [...notificationKeys.all, 'latest'] as const,
};

/** The latest 20 with the unread count; the event stream invalidates it. */
export const notificationsQuery = queryOptions({
  queryKey: notificationKeys.latest(),
  queryFn: () => unwrap(api.GET('/api/v1/notifications', { params: { query: { limit: 20 } } })),
  staleTime: 5 * 60_000,
});

/** Marks `ids` (or everything, without ids) read; the bell updates at once. */
export function useMarkNotificationsRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids?: number[]) =>
      unwrap(api.POST('/api/v1/notifications/read', { body: ids ? { ids } : { all: true } })),
    onSuccess: (out, ids) => {
      const now = new Date().toISOString();
      client.setQueryData<NotificationPage>(notificationKeys.latest(), (page) =>
        page && {
          ...page,
          unread_count: out.unread_count,
          data: page.data.map((n) => (!n.read_at && (!ids || ids.includes(n.id)) ? { ...n, read_at: now } : n)),
        },
      );
    },
  });
}

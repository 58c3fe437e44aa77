/** A ticket's conversation: messages, the audit trail, and writing replies and notes. */
import { infiniteQueryOptions, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';
import { ticketKeys } from './tickets';

export type Message = Schemas['MessageOut'];
export type TrailEntry = Schemas['TrailOut'];

export const conversationKeys = {
  messages: (ticketId: number) => ['ticket-messages', ticketId] as const,
  trail: (ticketId: number) => ['ticket-trail', ticketId] as const,
};

/** Messages oldest first, 100 at a time. */
export function messagesQuery(ticketId: number) {
  return infiniteQueryOptions({
    queryKey: conversationKeys.messages(ticketId),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/tickets/{id}/messages', {
          params: { path: { id: ticketId }, query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export function trailQuery(ticketId: number) {
  return queryOptions({
    queryKey: conversationKeys.trail(ticketId),
    queryFn: () => unwrap(api.GET('/api/v1/tickets/{id}/events', { params: { path: { id: ticketId }, query: { limit: 100 } } })),
  });
}

export function useSendMessage(ticketId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['MessageIn']) =>
      unwrap(api.POST('/api/v1/tickets/{id}/messages', { params: { path: { id: ticketId } }, body })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: conversationKeys.messages(ticketId) });
      void client.invalidateQueries({ queryKey: conversationKeys.trail(ticketId) });
      void client.invalidateQueries({ queryKey: ticketKeys.detail(ticketId) });
    },
  });
}

/** Ticket endpoints: lists (cursor-paged), counts, one ticket, changes, bulk changes, merge. */
import { infiniteQueryOptions, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Ticket = Schemas['TicketOut'];
export type TicketPatch = Schemas['TicketPatch'];
export type Priority = Schemas['Priority'];

/** The list filters the API takes, all optional. */
export interface TicketFilter {
  status?: string;
  priority?: string;
  assignee?: string;
  tag?: string;
  channel?: string;
  requester?: number;
  q?: string;
  sort?: string;
}

export const ticketKeys = {
  all: ['tickets'] as const,
  lists: () => [...ticketKeys.all, 'list'] as const,
  list: (filter: TicketFilter) => [...ticketKeys.lists(), filter] as const,
  counts: () => [...ticketKeys.all, 'counts'] as const,
  detail: (id: number) => [...ticketKeys.all, 'detail', id] as const,
};

/** Drops empty values so equal filters share one cache entry. */
function clean(filter: TicketFilter): TicketFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '')) as TicketFilter;
}

export function ticketListQuery(filter: TicketFilter, limit = 50) {
  const query = clean(filter);
  return infiniteQueryOptions({
    queryKey: ticketKeys.list(query),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/tickets', {
          params: { query: { ...query, limit, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export const ticketCountsQuery = queryOptions({
  queryKey: ticketKeys.counts(),
  queryFn: () => unwrap(api.GET('/api/v1/tickets/counts')),
});

export function ticketQuery(id: number) {
  return queryOptions({
    queryKey: ticketKeys.detail(id),
    queryFn: () => unwrap(api.GET('/api/v1/tickets/{id}', { params: { path: { id } } })),
  });
}

export function useUpdateTicket(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TicketPatch) => unwrap(api.PATCH('/api/v1/tickets/{id}', { params: { path: { id } }, body })),
    onSuccess: (ticket) => {
      client.setQueryData(ticketKeys.detail(id), ticket);
      void client.invalidateQueries({ queryKey: ticketKeys.lists() });
      void client.invalidateQueries({ queryKey: ticketKeys.counts() });
      void client.invalidateQueries({ queryKey: ['ticket-trail', id] });
    },
  });
}

export function useBulkUpdate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['BulkIn']) => unwrap(api.POST('/api/v1/tickets/bulk', { body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ticketKeys.all }),
  });
}

export function useMergeTicket(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (into: number) =>
      unwrap(api.POST('/api/v1/tickets/{id}/merge', { params: { path: { id } }, body: { target_id: into } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ticketKeys.all }),
  });
}

/** Saved views: list, counts, their tickets (cursor-paged), create, change, delete. */
import { infiniteQueryOptions, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type SavedView = Schemas['ViewOut'];
export type ViewInput = Schemas['ViewIn'];
export type ViewFilter = Schemas['ViewFilter'];
export type FieldCondition = Schemas['FieldCondition'];

export const viewKeys = {
  all: ['views'] as const,
  list: () => [...viewKeys.all, 'list'] as const,
  counts: () => [...viewKeys.all, 'counts'] as const,
  tickets: (id: number) => [...viewKeys.all, 'tickets', id] as const,
};

export const viewsQuery = queryOptions({
  queryKey: viewKeys.list(),
  queryFn: () => unwrap(api.GET('/api/v1/views')),
});

export const viewCountsQuery = queryOptions({
  queryKey: viewKeys.counts(),
  queryFn: () => unwrap(api.GET('/api/v1/views/counts')),
});

export function viewTicketsQuery(id: number, limit = 50) {
  return infiniteQueryOptions({
    queryKey: viewKeys.tickets(id),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/views/{id}/tickets', {
          params: { path: { id }, query: { limit, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export function useSaveView() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: number; input: ViewInput }) =>
      id === undefined
        ? unwrap(api.POST('/api/v1/views', { body: input }))
        : unwrap(api.PATCH('/api/v1/views/{id}', { params: { path: { id } }, body: input })),
    onSuccess: () => void client.invalidateQueries({ queryKey: viewKeys.all }),
  });
}

export function useDeleteView() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/views/{id}', { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: viewKeys.all }),
  });
}

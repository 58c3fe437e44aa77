/** Ticket categories: the workspace's list, an admin's changes to it, and an agent's category for a ticket. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Category = Schemas['CategoryOut'];
export type CategoryNew = Schemas['CategoryNew'];
export type CategoryPatch = Schemas['CategoryPatch'];
export type Ticket = Schemas['TicketOut'];
export type TicketAi = Schemas['TicketAiOut'];

export const categoryKeys = {
  all: ['ticket-categories'] as const,
};

export const categoriesQuery = queryOptions({
  queryKey: categoryKeys.all,
  queryFn: () => unwrap(api.GET('/api/v1/ticket-categories')),
  staleTime: 5 * 60_000,
});

/** A category's name by key; the key itself for a category deleted since. */
export function categoryName(categories: readonly Category[] | undefined, key: string): string {
  return categories?.find((c) => c.key === key)?.name ?? key;
}

/** Categories as select options (value: key, label: name). */
export function useCategoryOptions(): { value: string; label: string }[] {
  const { data } = useQuery(categoriesQuery);
  return useMemo(() => (data?.data ?? []).map((c) => ({ value: c.key, label: c.name })), [data]);
}

export function useCreateCategory() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CategoryNew) => unwrap(api.POST('/api/v1/ticket-categories', { body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: categoryKeys.all }),
  });
}

export function useUpdateCategory() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: CategoryPatch }) =>
      unwrap(api.PATCH('/api/v1/ticket-categories/{id}', { params: { path: { id } }, body: patch })),
    onSuccess: () => void client.invalidateQueries({ queryKey: categoryKeys.all }),
  });
}

export function useDeleteCategory() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/ticket-categories/{id}', { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: categoryKeys.all }),
  });
}

/**
 * An agent's category for a ticket (`null` clears it). The server answers
 * with the ticket; the caller puts it where the ticket screens read it.
 */
export function useSetTicketCategory(ticketId: number) {
  return useMutation({
    mutationFn: (category: string | null) =>
      unwrap(api.PUT('/api/v1/tickets/{id}/category', { params: { path: { id: ticketId } }, body: { category } })),
  });
}

/** Macros: list, save, delete, preview on a ticket, apply to a ticket. */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';
import { conversationKeys } from './conversation';
import { ticketKeys } from './tickets';

export type Macro = Schemas['MacroOut'];
export type MacroInput = Schemas['MacroIn'];

export const macroKeys = { all: ['macros'] as const };

export const macrosQuery = queryOptions({
  queryKey: macroKeys.all,
  queryFn: () => unwrap(api.GET('/api/v1/macros')),
});

export function previewMacro(ticketId: number, macroId: number) {
  return unwrap(api.GET('/api/v1/tickets/{id}/macros/{macro_id}/preview', { params: { path: { id: ticketId, macro_id: macroId } } }));
}

export function useSaveMacro() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: number; input: MacroInput }) =>
      id === undefined
        ? unwrap(api.POST('/api/v1/macros', { body: input }))
        : unwrap(api.PATCH('/api/v1/macros/{id}', { params: { path: { id } }, body: input })),
    onSuccess: () => void client.invalidateQueries({ queryKey: macroKeys.all }),
  });
}

export function useDeleteMacro() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/macros/{id}', { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: macroKeys.all }),
  });
}

/** Applies a macro; `sendReply: false` when its reply goes into the editor instead. */
export function useApplyMacro(ticketId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ macroId, sendReply }: { macroId: number; sendReply: boolean }) =>
      unwrap(
        api.POST('/api/v1/tickets/{id}/macros/{macro_id}/apply', {
          params: { path: { id: ticketId, macro_id: macroId } },
          body: { send_reply: sendReply },
        }),
      ),
    onSuccess: (out) => {
      client.setQueryData(ticketKeys.detail(ticketId), out.ticket);
      void client.invalidateQueries({ queryKey: macroKeys.all });
      void client.invalidateQueries({ queryKey: conversationKeys.messages(ticketId) });
      void client.invalidateQueries({ queryKey: conversationKeys.trail(ticketId) });
      void client.invalidateQueries({ queryKey: ticketKeys.lists() });
    },
  });
}

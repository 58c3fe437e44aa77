/**
 * The chat widget's agent and admin side: widget settings (admin; the
 * identity secret is write-only and shown once when rotated), the agent's
 * chat availability heartbeat, and a chat ticket's visitor, read state and
 * typing/read signals.
 */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, postOnExit, unwrap, type Schemas } from '@/lib/api-client';

export type ChatSettings = Schemas['ChatSettingsOut'];
export type ChatSettingsPatch = Schemas['ChatSettingsPatch'];
export type TicketChat = Schemas['TicketChatOut'];

export const chatKeys = {
  settings: ['chat', 'settings'] as const,
  ticket: (id: number) => ['chat', 'ticket', id] as const,
};

export const chatSettingsQuery = queryOptions({
  queryKey: chatKeys.settings,
  queryFn: () => unwrap(api.GET('/api/v1/chat/settings')),
});

export function useUpdateChatSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ChatSettingsPatch) => unwrap(api.PATCH('/api/v1/chat/settings', { body })),
    onSuccess: (data) => client.setQueryData(chatKeys.settings, data),
  });
}

/** A new identity secret; the answer is the only time it is shown. */
export function useRotateIdentitySecret() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/chat/settings/identity-secret')),
    onSuccess: () => void client.invalidateQueries({ queryKey: chatKeys.settings }),
  });
}

/** Sets (or, with `undefined`, keeps) the agent's availability and records a heartbeat. */
export function sendAvailability(available?: boolean) {
  return unwrap(api.PUT('/api/v1/chat/availability', { body: { available } }));
}

/** The chat side of a ticket; `null` when the ticket did not come from the widget. */
export const ticketChatQuery = (ticketId: number) =>
  queryOptions({
    queryKey: chatKeys.ticket(ticketId),
    queryFn: async (): Promise<TicketChat | null> => {
      const { data, response } = await api.GET('/api/v1/tickets/{id}/chat', { params: { path: { id: ticketId } } });
      if (response.status === 404) return null;
      if (!response.ok || !data) throw new Error(`HTTP ${response.status}`);
      return data;
    },
    retry: false,
  });

/** The agent read the chat up to a message (the visitor sees "Seen"). */
export function sendRead(ticketId: number, messageId: number) {
  return api.POST('/api/v1/tickets/{id}/chat/read', { params: { path: { id: ticketId } }, body: { message_id: messageId } });
}

/** The agent is (or stopped) typing; best effort. */
export function sendTyping(ticketId: number, typing: boolean, onExit = false) {
  if (onExit) {
    postOnExit(`/api/v1/tickets/${ticketId}/chat/typing`, { typing });
    return;
  }
  void api
    .POST('/api/v1/tickets/{id}/chat/typing', { params: { path: { id: ticketId } }, body: { typing } })
    .catch(() => {});
}

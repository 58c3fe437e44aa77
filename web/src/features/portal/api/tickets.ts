/**
 * The customer's tickets through the ordinary ticket API (the server
 * confines a customer to their own tickets and public messages), their
 * orders, and satisfaction ratings.
 */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, postForm, unwrap, type Schemas } from '@/lib/api-client';

export type PortalTicket = Schemas['TicketOut'];
export type PortalMessage = Schemas['MessageOut'];
export type PortalAttachment = Schemas['AttachmentOut'];
export type PortalField = Schemas['CustomFieldOut'];
export type PortalOrder = Schemas['OrderOut'];
export type RatingScore = Schemas['RatingScore'];

export const portalKeys = {
  tickets: ['portal', 'tickets'] as const,
  ticket: (id: number) => ['portal', 'ticket', id] as const,
  messages: (id: number) => ['portal', 'ticket', id, 'messages'] as const,
  attachments: (id: number) => ['portal', 'ticket', id, 'attachments'] as const,
  rating: (id: number) => ['portal', 'ticket', id, 'rating'] as const,
};

export const myTicketsQuery = queryOptions({
  queryKey: portalKeys.tickets,
  queryFn: () => unwrap(api.GET('/api/v1/tickets', { params: { query: { limit: 100 } } })),
});

export function ticketQuery(id: number) {
  return queryOptions({
    queryKey: portalKeys.ticket(id),
    queryFn: () => unwrap(api.GET('/api/v1/tickets/{id}', { params: { path: { id } } })),
  });
}

export function messagesQuery(id: number) {
  return queryOptions({
    queryKey: portalKeys.messages(id),
    queryFn: () =>
      unwrap(api.GET('/api/v1/tickets/{id}/messages', { params: { path: { id }, query: { limit: 100 } } })),
  });
}

export function attachmentsQuery(id: number) {
  return queryOptions({
    queryKey: portalKeys.attachments(id),
    queryFn: () => unwrap(api.GET('/api/v1/tickets/{id}/attachments', { params: { path: { id } } })),
  });
}

export function ticketRatingQuery(id: number) {
  return queryOptions({
    queryKey: portalKeys.rating(id),
    queryFn: () => unwrap(api.GET('/api/v1/tickets/{id}/rating', { params: { path: { id } } })),
  });
}

/** The ticket fields customers may fill in (the server lists only customer-visible ones). */
export const customerFieldsQuery = queryOptions({
  queryKey: ['portal', 'fields'],
  queryFn: async () => {
    const all = await unwrap(api.GET('/api/v1/custom-fields'));
    return all.data.filter((f) => f.entity === 'ticket' && f.active && f.customer_visible);
  },
  staleTime: 5 * 60_000,
});

export const myOrdersQuery = queryOptions({
  queryKey: ['portal', 'orders'],
  queryFn: () => unwrap(api.GET('/api/v1/portal/orders')),
});

function upload(ticketId: number, file: File, messageId?: number): Promise<PortalAttachment> {
  const form = new FormData();
  if (messageId != null) form.set('message_id', String(messageId));
  form.set('file', file);
  return postForm<PortalAttachment>(`/api/v1/tickets/${ticketId}/attachments`, form);
}

export interface NewRequest {
  subject: string;
  description: string;
  customFields: Record<string, unknown>;
  files: File[];
}

/** Opens a ticket, then attaches the files to its first message. */
export function useCreateRequest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (input: NewRequest) => {
      const ticket = await unwrap(
        api.POST('/api/v1/tickets', {
          body: { subject: input.subject, message: { body: input.description }, custom_fields: input.customFields },
        }),
      );
      if (input.files.length > 0) {
        const first = await unwrap(
          api.GET('/api/v1/tickets/{id}/messages', { params: { path: { id: ticket.id }, query: { limit: 1 } } }),
        );
        for (const f of input.files) await upload(ticket.id, f, first.data[0]?.id);
      }
      return ticket;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: portalKeys.tickets }),
  });
}

/** Replies with files: uploads first, then sends the message that carries them. */
export function useReply(ticketId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, files }: { body: string; files: File[] }) => {
      const uploaded = [];
      for (const f of files) uploaded.push(await upload(ticketId, f));
      return unwrap(
        api.POST('/api/v1/tickets/{id}/messages', {
          params: { path: { id: ticketId } },
          body: { body, attachment_ids: uploaded.map((a) => a.id) },
        }),
      );
    },
    onSuccess: () => client.invalidateQueries({ queryKey: portalKeys.ticket(ticketId) }),
  });
}

export function ratingPageQuery(token: string) {
  return queryOptions({
    queryKey: ['portal', 'rating-page', token],
    queryFn: () => unwrap(api.GET('/api/v1/portal/ratings/{rating_token}', { params: { path: { rating_token: token } } })),
  });
}

/** Rates with a ticket's rating token (from the e-mail link or the signed-in requester). */
export function useRate(token: string | null | undefined, ticketId?: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['RatingIn']) =>
      unwrap(api.PUT('/api/v1/portal/ratings/{rating_token}', { params: { path: { rating_token: token ?? '' } }, body })),
    onSuccess: () => {
      if (ticketId != null) void client.invalidateQueries({ queryKey: portalKeys.ticket(ticketId) });
      void client.invalidateQueries({ queryKey: ['portal', 'rating-page'] });
    },
  });
}

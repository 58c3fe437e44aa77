/** A ticket's attachments: list (grouped by message on the page) and upload. */
import { queryOptions } from '@tanstack/react-query';
import { api, postForm, unwrap, type Schemas } from '@/lib/api-client';

export type Attachment = Schemas['AttachmentOut'];

/** Largest file the server accepts. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export const attachmentKeys = { list: (ticketId: number) => ['ticket-attachments', ticketId] as const };

export function attachmentsQuery(ticketId: number) {
  return queryOptions({
    queryKey: attachmentKeys.list(ticketId),
    queryFn: () => unwrap(api.GET('/api/v1/tickets/{id}/attachments', { params: { path: { id: ticketId } } })),
  });
}

export function uploadAttachment(ticketId: number, file: File, messageId?: number): Promise<Attachment> {
  const form = new FormData();
  form.append('file', file, file.name);
  if (messageId !== undefined) form.append('message_id', String(messageId));
  return postForm<Attachment>(`/api/v1/tickets/${ticketId}/attachments`, form);
}

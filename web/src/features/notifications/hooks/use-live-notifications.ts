/** Keeps the bell current from the event stream and shows a toast when you are mentioned. */
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { eventStream, type StreamEvent } from '@/lib/event-stream';
import { notificationKeys } from '../api/notifications';

/** What an event means for the bell of `userId`. */
export interface Notice {
  kind: 'mention' | 'assigned';
  ticketId: number;
  ticketNumber: number | null;
  subject: string | null;
  actorName: string;
  excerpt: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/**
 * Whether an event gives `userId` a notification — the server's rule seen
 * from the stream: a mention of them, or a ticket someone else assigned to them.
 */
export function noticeFor(event: StreamEvent, userId: number): Notice | null {
  const ticket = obj(event.data.ticket);
  const ticketId = event.ticket_id ?? num(ticket.id);
  if (ticketId == null) return null;
  let kind: Notice['kind'];
  if (event.type === 'ticket.mentioned' && num(obj(event.data.mentioned_user).id) === userId) {
    kind = 'mention';
  } else if (event.type === 'ticket.updated' && num(obj(obj(event.data.changes).assignee_id).to) === userId) {
    kind = 'assigned';
  } else if (event.type === 'ticket.created' && num(ticket.assignee_id) === userId) {
    kind = 'assigned';
  } else {
    return null;
  }
  if (event.actor_kind === 'user' && event.actor_id === userId) return null;
  return {
    kind,
    ticketId,
    ticketNumber: num(ticket.number),
    subject: str(ticket.subject),
    actorName: event.actor_name,
    excerpt: str(obj(event.data.message).excerpt) ?? '',
  };
}

export function useLiveNotifications(userId: number, onOpenTicket: (ticketId: number) => void): void {
  const client = useQueryClient();
  useEffect(
    () =>
      eventStream.subscribe((event) => {
        const notice = noticeFor(event, userId);
        if (!notice) return;
        void client.invalidateQueries({ queryKey: notificationKeys.all });
        if (notice.kind !== 'mention') return;
        const where = notice.ticketNumber != null ? `#${notice.ticketNumber}` : 'a ticket';
        notifications.show({
          title: `${notice.actorName} mentioned you in ${where}`,
          message: notice.excerpt || notice.subject || 'Open the ticket to read the note.',
          autoClose: 8_000,
          style: { cursor: 'pointer' },
          onClick: () => onOpenTicket(notice.ticketId),
        });
      }),
    [client, userId, onOpenTicket],
  );
}

/** Keeps ticket data fresh from the event stream: lists, counts, and open tickets. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { eventStream } from '@/lib/event-stream';
import { conversationKeys } from '../api/conversation';
import { ticketKeys } from '../api/tickets';
import { viewKeys } from '../api/views';

export function useLiveTickets(): void {
  const client = useQueryClient();
  useEffect(
    () =>
      eventStream.subscribe((event) => {
        if (!event.type.startsWith('ticket.') && event.type !== 'message.created') return;
        void client.invalidateQueries({ queryKey: ticketKeys.lists() });
        void client.invalidateQueries({ queryKey: ticketKeys.counts() });
        void client.invalidateQueries({ queryKey: viewKeys.all });
        const id = event.ticket_id ?? (event.subject_type === 'ticket' ? event.subject_id : null);
        if (id != null) {
          void client.invalidateQueries({ queryKey: ticketKeys.detail(id) });
          void client.invalidateQueries({ queryKey: conversationKeys.messages(id) });
          void client.invalidateQueries({ queryKey: conversationKeys.trail(id) });
        }
      }),
    [client],
  );
}

/** Keeps ticket data fresh from the event stream: lists, counts, open tickets and the AI's reading of them. */
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
        if (/^(order|subscription)\./.test(event.type) && event.ticket_id != null) {
          // Shop actions taken from a ticket appear in its audit trail.
          void client.invalidateQueries({ queryKey: conversationKeys.trail(event.ticket_id) });
          return;
        }
        // `ai.triaged`: the AI read a new customer message (category, sentiment, urgency on the ticket
        // and the message); `ticket.categorized` (an agent's category) is a `ticket.` event like the rest.
        if (!event.type.startsWith('ticket.') && event.type !== 'message.created' && event.type !== 'ai.triaged') return;
        // A mention comes with its note's `message.created`, which refreshes all of this already.
        if (event.type === 'ticket.mentioned') return;
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

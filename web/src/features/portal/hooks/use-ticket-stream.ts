/**
 * Live updates of one ticket for its customer: a stream on the ticket's
 * topic (the server sends a customer only public events of their own
 * tickets); any event refreshes the ticket, its conversation and rating.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { portalKeys } from '../api/tickets';

/** Event types that change what the customer sees on the ticket page. */
const TYPES = ['message.created', 'ticket.updated', 'ticket.rated', 'ticket.merged'];

export function useTicketStream(ticketId: number): boolean {
  const client = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(() => {
    const source = new EventSource(`/api/v1/events?topics=ticket:${ticketId}`);
    const refresh = () => void client.invalidateQueries({ queryKey: portalKeys.ticket(ticketId) });
    for (const t of TYPES) source.addEventListener(t, refresh);
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(false);
    return () => source.close();
  }, [client, ticketId]);
  return live;
}

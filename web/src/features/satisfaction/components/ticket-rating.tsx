/**
 * The customer's satisfaction rating on the agents' ticket page (good / bad
 * and the comment), refreshed live when the customer rates or changes it.
 */
import { Badge, Tooltip } from '@mantine/core';
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, unwrap } from '@/lib/api-client';
import { eventStream } from '@/lib/event-stream';

export function ticketRatingQuery(ticketId: number) {
  return queryOptions({
    queryKey: ['satisfaction', ticketId],
    queryFn: () => unwrap(api.GET('/api/v1/tickets/{id}/rating', { params: { path: { id: ticketId } } })),
  });
}

export function TicketRating({ ticketId }: { ticketId: number }) {
  const client = useQueryClient();
  const rating = useQuery(ticketRatingQuery(ticketId));
  useEffect(
    () =>
      eventStream.subscribe((e) => {
        if (e.type === 'ticket.rated' && e.ticket_id === ticketId) {
          void client.invalidateQueries({ queryKey: ['satisfaction', ticketId] });
        }
      }),
    [client, ticketId],
  );
  const r = rating.data?.rating;
  if (!r) return null;
  const good = r.score === 'good';
  const label = `Rated ${good ? 'good' : 'bad'}`;
  const badge = (
    <Badge color={good ? 'green' : 'red'} variant="light" radius="sm" data-testid="ticket-rating" aria-label={r.comment ? `${label}: ${r.comment}` : label}>
      {good ? '👍' : '👎'} {label}
    </Badge>
  );
  return r.comment ? (
    <Tooltip label={r.comment} multiline maw={320} withArrow>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}

/**
 * A ticket's channel records: each message as it crossed a channel (addresses,
 * Message-ID, quoted text, sender authentication, delivery state), and the
 * raw `.eml` behind each one.
 */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

/**
 * One channel record, as `GET /api/v1/tickets/{id}/deliveries` answers (the
 * generated schema, with `status` and `direction` narrowed to their values).
 */
export type Delivery = Omit<Schemas['ChannelDeliveryOut'], 'status' | 'direction'> & {
  status: DeliveryStatus;
  direction: 'in' | 'out';
};

export type DeliveryStatus =
  | 'received'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'failed'
  | 'bounced'
  | 'suppressed'
  | 'rejected';

export const deliveryKeys = {
  ticket: (ticketId: number) => ['channels', 'deliveries', ticketId] as const,
};

/** Statuses that will still change: while any shows, the list is refreshed. */
const IN_FLIGHT = new Set<string>(['queued', 'sending']);

export function deliveriesQuery(ticketId: number) {
  return queryOptions({
    queryKey: deliveryKeys.ticket(ticketId),
    queryFn: async () => {
      const list = await unwrap(api.GET('/api/v1/tickets/{id}/deliveries', { params: { path: { id: ticketId } } }));
      return list.data as Delivery[];
    },
    // Delivery state changes raise no event: follow an outgoing message until it settles.
    refetchInterval: (query) => (query.state.data?.some((d) => IN_FLIGHT.has(d.status)) ? 5_000 : false),
  });
}

/** Where the raw message downloads from. */
export function rawMessageUrl(deliveryId: number): string {
  return `/api/v1/deliveries/${deliveryId}/raw`;
}

/** The flags recorded on a delivery, as a list (`dmarc_failed`, `attachments_skipped`, …). */
export function flagList(flags: unknown): string[] {
  const list = Array.isArray(flags) ? flags : (flags as { list?: unknown } | null)?.list;
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
}

/** The DMARC verdict recorded on an inbound e-mail, if any. */
export function dmarcVerdict(auth: unknown): string | null {
  const dmarc = (auth as { dmarc?: unknown } | null)?.dmarc;
  return typeof dmarc === 'string' ? dmarc : null;
}

/** Whether the sender failed DMARC: the `From` address may be forged. */
export function dmarcFailed(d: Pick<Delivery, 'auth' | 'flags'>): boolean {
  return dmarcVerdict(d.auth) === 'fail' || flagList(d.flags).includes('dmarc_failed');
}

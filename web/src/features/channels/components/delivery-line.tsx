/**
 * How a ticket message crossed a channel, in one compact line under it:
 * "via e-mail · from … · to … · cc …", the delivery state of outgoing mail,
 * a warning when the sender failed DMARC, the quoted history and signature
 * the message was stripped of, and the raw `.eml`.
 */
import { Anchor, Badge, Box, Group, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { eventStream } from '@/lib/event-stream';
import { deliveriesQuery, deliveryKeys, dmarcFailed, rawMessageUrl, type Delivery, type DeliveryStatus } from '../api/deliveries';

const CHANNEL_LABEL: Record<string, string> = { email: 'e-mail', sms: 'SMS', api: 'API' };

const STATUS: Partial<Record<DeliveryStatus, { label: string; color: string }>> = {
  queued: { label: 'queued', color: 'gray' },
  sending: { label: 'sending', color: 'blue' },
  sent: { label: 'sent', color: 'teal' },
  delivered: { label: 'delivered', color: 'green' },
  failed: { label: 'failed', color: 'red' },
  bounced: { label: 'bounced', color: 'red' },
  suppressed: { label: 'not sent', color: 'orange' },
  rejected: { label: 'rejected', color: 'red' },
};

/** At most `max` addresses, then "+N more"; the whole list goes in the title. */
export function shortList(addresses: string[], max = 2): string {
  if (addresses.length <= max) return addresses.join(', ');
  return `${addresses.slice(0, max).join(', ')} +${addresses.length - max} more`;
}

/** The line's text: "via e-mail · from dana@example.net · to support@… · cc …". */
export function channelSummary(d: Pick<Delivery, 'channel' | 'from' | 'to' | 'cc'>): string {
  const parts = [`via ${CHANNEL_LABEL[d.channel] ?? d.channel}`];
  if (d.from) parts.push(`from ${d.from}`);
  if (d.to.length) parts.push(`to ${shortList(d.to)}`);
  if (d.cc.length) parts.push(`cc ${shortList(d.cc)}`);
  return parts.join(' · ');
}

/** Every address and the Message-ID, for the line's title. */
function headerTitle(d: Delivery): string {
  return [
    `From: ${d.from}`,
    d.to.length ? `To: ${d.to.join(', ')}` : '',
    d.cc.length ? `Cc: ${d.cc.join(', ')}` : '',
    d.external_id ? `Message-ID: ${d.external_id}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function DeliveryStatusBadge({ delivery }: { delivery: Pick<Delivery, 'status' | 'status_detail'> }) {
  const status = STATUS[delivery.status];
  if (!status) return null;
  return (
    <Badge
      size="xs"
      variant="light"
      color={status.color}
      title={delivery.status_detail ?? undefined}
      data-testid="delivery-status"
      style={delivery.status_detail ? { cursor: 'help' } : undefined}
    >
      {status.label}
    </Badge>
  );
}

export function DeliveryLine({ delivery: d }: { delivery: Delivery }) {
  const [expanded, setExpanded] = useState(false);
  const quoted = d.quoted_text.trim();
  const signature = d.signature?.trim() ?? '';
  const failedState = d.status === 'failed' || d.status === 'bounced' || d.status === 'rejected';
  // Incoming mail is simply "received"; only the state of outgoing mail (or refused mail) is news.
  const showStatus = d.direction === 'out' || d.status === 'rejected';
  return (
    <Stack gap={4} data-testid="delivery-line">
      <Group gap={6} wrap="wrap">
        <Text size="xs" c="dimmed" title={headerTitle(d)}>
          {channelSummary(d)}
        </Text>
        {showStatus && <DeliveryStatusBadge delivery={d} />}
        {dmarcFailed(d) && (
          <Badge
            size="xs"
            color="orange"
            variant="filled"
            title="The sender's domain did not authenticate this message (DMARC failed): the From address may be forged. No automatic reply was sent."
            data-testid="dmarc-warning"
          >
            ⚠ sender not verified
          </Badge>
        )}
        {d.automatic && (
          <Badge size="xs" color="gray" variant="outline" title="Sent or received as an automatic message">
            automatic
          </Badge>
        )}
        {(quoted || signature) && (
          <Anchor component="button" type="button" size="xs" onClick={() => setExpanded((e) => !e)} aria-expanded={expanded}>
            {`${expanded ? 'Hide' : 'Show'} ${quoted ? 'quoted text' : 'signature'}`}
          </Anchor>
        )}
        {d.has_raw && (
          <Anchor href={rawMessageUrl(d.id)} download={`message-${d.id}.eml`} size="xs">
            Download .eml
          </Anchor>
        )}
      </Group>
      {failedState && d.status_detail && (
        <Text size="xs" c="red" data-testid="delivery-detail">
          {d.status_detail}
        </Text>
      )}
      {expanded && (
        <Box
          data-testid="quoted-text"
          p="xs"
          bg="var(--mantine-color-default-hover)"
          style={{ borderLeft: '3px solid var(--mantine-color-default-border)', borderRadius: 4 }}
        >
          {quoted && (
            <Text size="xs" c="dimmed" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {quoted}
            </Text>
          )}
          {signature && (
            <Text size="xs" c="dimmed" mt={quoted ? 'xs' : 0} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {`-- \n${signature}`}
            </Text>
          )}
        </Box>
      )}
    </Stack>
  );
}

/** Refreshes the ticket's channel records when a message lands on it. */
function useLiveDeliveries(ticketId: number): void {
  const client = useQueryClient();
  useEffect(
    () =>
      eventStream.subscribe((event) => {
        if (event.ticket_id !== ticketId) return;
        if (event.type !== 'message.created' && event.type !== 'ticket.merged') return;
        // Every line of the ticket listens; `cancelRefetch: false` makes that one request, not one each.
        void client.invalidateQueries({ queryKey: deliveryKeys.ticket(ticketId) }, { cancelRefetch: false });
      }),
    [client, ticketId],
  );
}

export interface MessageDeliveryProps {
  ticketId: number;
  messageId: number;
}

/** The channel line(s) of one ticket message; nothing for messages written in the app. */
export function MessageDelivery({ ticketId, messageId }: MessageDeliveryProps) {
  useLiveDeliveries(ticketId);
  const deliveries = useQuery(deliveriesQuery(ticketId));
  const mine = deliveries.data?.filter((d) => d.message_id === messageId) ?? [];
  if (mine.length === 0) return null;
  return (
    <Stack gap={4} mt="xs">
      {mine.map((d) => (
        <DeliveryLine key={d.id} delivery={d} />
      ))}
    </Stack>
  );
}

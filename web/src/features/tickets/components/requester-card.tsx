/** The requester's card: who they are and their earlier tickets with outcomes. */
import { Anchor, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { RelativeTime } from '@/components/ui/relative-time';
import { StatusBadge } from '@/components/ui/badges';
import { ticketListQuery, type Ticket } from '../api/tickets';

export interface RequesterCardProps {
  ticket: Ticket;
  onOpenTicket: (id: number) => void;
}

export function RequesterCard({ ticket, onOpenTicket }: RequesterCardProps) {
  const history = useInfiniteQuery(ticketListQuery({ requester: ticket.requester.id, sort: '-created_at' }, 10));
  const earlier = (history.data?.pages[0]?.data ?? []).filter((t) => t.id !== ticket.id);
  return (
    <Paper withBorder p="sm" data-testid="requester-card">
      <Text fw={600}>{ticket.requester.name}</Text>
      {ticket.requester.email && (
        <Text size="sm" c="dimmed">
          {ticket.requester.email}
        </Text>
      )}
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" mt="sm" mb={4}>
        Earlier tickets
      </Text>
      {earlier.length === 0 ? (
        <Text size="sm" c="dimmed">
          None — this is their first.
        </Text>
      ) : (
        <Stack gap={6} data-testid="requester-history">
          {earlier.map((t) => (
            <Group key={t.id} gap={6} wrap="nowrap" justify="space-between">
              <Anchor size="sm" lineClamp={1} onClick={() => onOpenTicket(t.id)}>
                {t.display_number} {t.subject}
              </Anchor>
              <Group gap={4} wrap="nowrap">
                <StatusBadge name={t.status.name} category={t.status.category} />
                <Badge size="xs" variant="outline" color="gray">
                  <RelativeTime iso={t.created_at} />
                </Badge>
              </Group>
            </Group>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

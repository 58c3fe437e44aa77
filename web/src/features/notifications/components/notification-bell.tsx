/**
 * The bell in the agent's header: the unread count (kept live by the event
 * stream), the latest mentions and assignments, each opening its ticket.
 */
import { ActionIcon, Box, Button, Group, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { RelativeTime } from '@/components/ui/relative-time';
import { notificationsQuery, useMarkNotificationsRead, type Notification } from '../api/notifications';
import { useLiveNotifications } from '../hooks/use-live-notifications';

export interface NotificationBellProps {
  /** The signed-in agent. */
  userId: number;
  onOpenTicket: (ticketId: number) => void;
}

export function NotificationBell({ userId, onOpenTicket }: NotificationBellProps) {
  useLiveNotifications(userId, onOpenTicket);
  const list = useQuery(notificationsQuery);
  const markRead = useMarkNotificationsRead();
  const [opened, setOpened] = useState(false);
  const unread = list.data?.unread_count ?? 0;

  const handleOpen = (n: Notification) => {
    if (!n.read_at) markRead.mutate([n.id]);
    setOpened(false);
    onOpenTicket(n.ticket.id);
  };

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={360} shadow="md" withinPortal>
      <Popover.Target>
        <Indicator
          label={<span data-testid="notification-count">{unread > 99 ? '99+' : unread}</span>}
          size={16}
          offset={4}
          disabled={unread === 0}
          color="red"
        >
          <ActionIcon
            variant="subtle"
            color="gray"
            aria-label={unread ? `Notifications (${unread} unread)` : 'Notifications'}
            data-testid="notification-bell"
            onClick={() => setOpened((o) => !o)}
          >
            <BellIcon />
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p={0}>
        <NotificationList
          items={list.data?.data ?? []}
          unread={unread}
          loading={list.isLoading}
          onOpen={handleOpen}
          onMarkAllRead={() => markRead.mutate(undefined)}
        />
      </Popover.Dropdown>
    </Popover>
  );
}

export interface NotificationListProps {
  items: Notification[];
  unread: number;
  loading?: boolean;
  onOpen: (n: Notification) => void;
  onMarkAllRead: () => void;
}

/** What happened, in words. */
export function notificationTitle(n: Notification): string {
  return n.kind === 'mention' ? `${n.actor_name} mentioned you` : `${n.actor_name} assigned you a ticket`;
}

export function NotificationList({ items, unread, loading = false, onOpen, onMarkAllRead }: NotificationListProps) {
  return (
    <Box data-testid="notification-list">
      <Group justify="space-between" px="sm" py={6} style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
        <Text fw={600} size="sm">
          Notifications
        </Text>
        <Button size="compact-xs" variant="subtle" disabled={unread === 0} onClick={onMarkAllRead}>
          Mark all read
        </Button>
      </Group>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed" p="sm">
          {loading ? 'Loading…' : 'Nothing yet. Mentions in notes and tickets assigned to you show up here.'}
        </Text>
      ) : (
        <ScrollArea.Autosize mah={420}>
          <Stack gap={0}>
            {items.map((n) => (
              <UnstyledButton
                key={n.id}
                px="sm"
                py={8}
                onClick={() => onOpen(n)}
                data-testid="notification-item"
                data-unread={n.read_at ? undefined : 'true'}
                bg={n.read_at ? undefined : 'var(--mantine-primary-color-light)'}
                style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
              >
                <Group justify="space-between" wrap="nowrap" gap="xs">
                  <Text size="sm" fw={n.read_at ? 400 : 600} truncate>
                    {notificationTitle(n)}
                  </Text>
                  <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                    <RelativeTime iso={n.created_at} />
                  </Text>
                </Group>
                <Text size="xs" truncate>
                  {n.ticket.display_number} · {n.ticket.subject}
                </Text>
                {n.excerpt && (
                  <Text size="xs" c="dimmed" lineClamp={2}>
                    {n.excerpt}
                  </Text>
                )}
              </UnstyledButton>
            ))}
          </Stack>
        </ScrollArea.Autosize>
      )}
    </Box>
  );
}

function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

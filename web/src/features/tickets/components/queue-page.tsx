/** The agent's queue: views with live counts, search and quick filters, the ticket list, bulk actions. */
import { ActionIcon, Badge, Box, Button, Group, NavLink, ScrollArea, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { errorMessage } from '@/lib/api-client';
import { ticketCountsQuery, ticketListQuery, type Ticket } from '../api/tickets';
import { useDeleteView, viewCountsQuery, viewsQuery, viewTicketsQuery, type SavedView } from '../api/views';
import { useLiveTickets } from '../hooks/use-live-tickets';
import { BUILT_IN_VIEWS, findView } from '../views';
import { BulkBar } from './bulk-bar';
import { TicketTable } from './ticket-table';
import { ViewEditor, type AiFilterOptions } from './view-editor';

/** Route ids of saved views are `v<id>`; built-in views have names. */
export const savedViewRouteId = (id: number) => `v${id}`;
const savedViewId = (routeId: string | undefined) => (routeId && /^v\d+$/.test(routeId) ? Number(routeId.slice(1)) : null);

export interface QueuePageProps {
  userId: number;
  isAdmin: boolean;
  viewId: string | undefined;
  onViewChange: (viewId: string) => void;
  onOpenTicket: (ticket: Ticket) => void;
  /** Compact marks after each ticket's subject in the list (the app puts the AI's reading there). */
  ticketBadges?: (ticket: Ticket) => ReactNode;
  /** Choices for the view editor's AI filters (ticket categories, languages). */
  aiFilterOptions?: AiFilterOptions;
}

export function QueuePage({ userId, isAdmin, viewId, onViewChange, onOpenTicket, ticketBadges, aiFilterOptions }: QueuePageProps) {
  useLiveTickets();
  const savedId = savedViewId(viewId);
  const view = findView(viewId);
  const saved = useQuery(viewsQuery);
  const savedCounts = useQuery(viewCountsQuery);
  const current: SavedView | undefined = saved.data?.data.find((v) => v.id === savedId);
  const [editing, setEditing] = useState<SavedView | 'new' | null>(null);
  const deleteView = useDeleteView();
  const compact = useMediaQuery('(max-width: 48em)') ?? false;
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [priority, setPriority] = useState<string | null>(null);
  const [channel, setChannel] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());

  const filter = useMemo(
    () => ({ ...view.filter(userId), q, priority: priority ?? undefined, channel: channel ?? undefined, sort: '-updated_at' }),
    [view, userId, q, priority, channel],
  );
  const builtIn = useInfiniteQuery({ ...ticketListQuery(filter), enabled: savedId === null });
  const custom = useInfiniteQuery({ ...viewTicketsQuery(savedId ?? 0), enabled: savedId !== null });
  const list = savedId === null ? builtIn : custom;
  const counts = useQuery(ticketCountsQuery);
  const tickets = useMemo(() => list.data?.pages.flatMap((p) => p.data) ?? [], [list.data]);
  const total = list.data?.pages[0]?.count;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const handleLoadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  return (
    <Group align="stretch" gap={0} h="100%" wrap="nowrap">
      {!compact && (
        <Box w={230} style={{ borderRight: '1px solid var(--mantine-color-default-border)', flexShrink: 0 }}>
          <ScrollArea h="100%" p="xs">
            <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" py="xs">
              Views
            </Text>
            {BUILT_IN_VIEWS.map((v) => (
              <NavLink
                key={v.id}
                label={v.name}
                active={savedId === null && v.id === view.id}
                onClick={() => onViewChange(v.id)}
                rightSection={
                  <Badge size="sm" variant="light" data-testid={`view-count-${v.id}`}>
                    {counts.data ? v.count(counts.data, userId) : '…'}
                  </Badge>
                }
              />
            ))}
            {[
              { title: 'Your views', rows: saved.data?.data.filter((v) => !v.shared) ?? [] },
              { title: 'Shared views', rows: saved.data?.data.filter((v) => v.shared) ?? [] },
            ].map(
              (section) =>
                section.rows.length > 0 && (
                  <Box key={section.title}>
                    <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt="md" pb="xs">
                      {section.title}
                    </Text>
                    {section.rows.map((v) => {
                      const c = savedCounts.data?.[String(v.id)];
                      return (
                        <NavLink
                          key={v.id}
                          label={v.name}
                          active={v.id === savedId}
                          onClick={() => onViewChange(savedViewRouteId(v.id))}
                          rightSection={
                            <Badge size="sm" variant="light" data-testid={`saved-view-count-${v.id}`}>
                              {c ? `${c.count}${c.capped ? '+' : ''}` : '…'}
                            </Badge>
                          }
                        />
                      );
                    })}
                  </Box>
                ),
            )}
            <Button variant="subtle" size="xs" mt="sm" fullWidth onClick={() => setEditing('new')}>
              + New view
            </Button>
          </ScrollArea>
        </Box>
      )}
      <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
        <Group p="sm" gap="sm" wrap="wrap">
          {compact ? (
            <Select
              aria-label="View"
              value={savedId === null ? view.id : savedViewRouteId(savedId)}
              data={[
                ...BUILT_IN_VIEWS.map((v) => ({ value: v.id, label: v.name })),
                ...(saved.data?.data ?? []).map((v) => ({ value: savedViewRouteId(v.id), label: v.name })),
              ]}
              onChange={(v) => v && onViewChange(v)}
              w={180}
            />
          ) : (
            <Title order={3}>{current?.name ?? view.name}</Title>
          )}
          {current && (!current.shared || isAdmin) && (
            <Group gap={4}>
              <Button size="xs" variant="default" onClick={() => setEditing(current)}>
                Edit view
              </Button>
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label="Delete view"
                onClick={() =>
                  window.confirm(`Delete the view “${current.name}”?`) &&
                  deleteView.mutate(current.id, {
                    onSuccess: () => onViewChange(BUILT_IN_VIEWS[0]!.id),
                    onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
                  })
                }
              >
                ✕
              </ActionIcon>
            </Group>
          )}
          <Text c="dimmed" size="sm" data-testid="queue-total">
            {total != null ? `${total} tickets` : null}
          </Text>
          {savedId === null && (
          <>
          <TextInput
            placeholder="Search tickets…"
            aria-label="Search tickets"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            style={{ flex: 1, minWidth: 160 }}
          />
          <Select
            placeholder="Priority"
            aria-label="Priority filter"
            clearable
            value={priority}
            onChange={setPriority}
            data={['urgent', 'high', 'normal', 'low']}
            w={120}
          />
          <Select
            placeholder="Channel"
            aria-label="Channel filter"
            clearable
            value={channel}
            onChange={setChannel}
            data={['email', 'chat', 'sms', 'web', 'api']}
            w={120}
          />
          </>
          )}
        </Group>
        {selected.size > 0 && <BulkBar selected={selected} onDone={() => setSelected(new Set())} />}
        {list.isError ? (
          <Text c="red" p="md">
            {errorMessage(list.error)}
          </Text>
        ) : (
          <Box style={{ flex: 1, minHeight: 0 }}>
            <TicketTable
              tickets={tickets}
              selected={selected}
              onSelectedChange={setSelected}
              onOpen={onOpenTicket}
              hasMore={hasNextPage}
              loadingMore={isFetchingNextPage || list.isLoading}
              onLoadMore={handleLoadMore}
              compact={compact}
              columns={current?.columns}
              subjectExtras={ticketBadges}
            />
            {!list.isLoading && tickets.length === 0 && (
              <Text c="dimmed" p="md" ta="center">
                No tickets in this view.
              </Text>
            )}
          </Box>
        )}
      </Stack>
      {editing && (
        <ViewEditor
          opened
          view={editing === 'new' ? undefined : editing}
          canShare={isAdmin}
          aiFilterOptions={aiFilterOptions}
          onClose={() => setEditing(null)}
          onSaved={(v) => {
            setEditing(null);
            onViewChange(savedViewRouteId(v.id));
          }}
        />
      )}
    </Group>
  );
}

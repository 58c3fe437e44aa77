/**
 * The queue's ticket list: TanStack Table for columns, TanStack Virtual so only
 * visible rows are in the DOM, cursor pages fetched as the list nears its end.
 * Keyboard: ↑/↓ or j/k move, Enter or o opens, x or Space selects.
 */
import { Anchor, Box, Checkbox, Group, Loader, Text } from '@mantine/core';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { PriorityBadge, StatusBadge } from '@/components/ui/badges';
import { RelativeTime } from '@/components/ui/relative-time';
import type { Ticket } from '../api/tickets';

const ROW_HEIGHT = 44;

export interface TicketTableProps {
  tickets: Ticket[];
  selected: ReadonlySet<number>;
  onSelectedChange: (next: Set<number>) => void;
  onOpen: (ticket: Ticket) => void;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  compact?: boolean;
  /** Column ids to show, in order (a view's choice); the default set otherwise. */
  columns?: string[];
  /** Compact marks after a ticket's subject (the app puts the AI's category, sentiment and urgency there). */
  subjectExtras?: (ticket: Ticket) => ReactNode;
}

const DEFAULT_COLUMNS = ['number', 'subject', 'requester', 'status', 'priority', 'assignee', 'updated'];

export function TicketTable({
  tickets,
  selected,
  onSelectedChange,
  onOpen,
  hasMore,
  loadingMore,
  onLoadMore,
  compact = false,
  columns: chosen = DEFAULT_COLUMNS,
  subjectExtras,
}: TicketTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState(0);

  const columns = useMemo<ColumnDef<Ticket>[]>(() => {
    const toggle = (id: number) => {
      const next = new Set(selected);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      onSelectedChange(next);
    };
    const all: ColumnDef<Ticket>[] = [
      {
        id: 'select',
        size: 36,
        header: () => (
          <Checkbox
            aria-label="Select all loaded tickets"
            size="xs"
            checked={tickets.length > 0 && tickets.every((t) => selected.has(t.id))}
            indeterminate={selected.size > 0 && !tickets.every((t) => selected.has(t.id))}
            onChange={(e) => onSelectedChange(e.currentTarget.checked ? new Set(tickets.map((t) => t.id)) : new Set())}
          />
        ),
        cell: ({ row }) => (
          <Checkbox
            aria-label={`Select ticket ${row.original.display_number}`}
            size="xs"
            checked={selected.has(row.original.id)}
            onChange={() => toggle(row.original.id)}
            onClick={(e) => e.stopPropagation()}
          />
        ),
      },
      { id: 'number', header: '#', size: 72, cell: ({ row }) => <Text size="sm" c="dimmed">{row.original.display_number}</Text> },
      {
        id: 'subject',
        header: 'Subject',
        size: 380,
        cell: ({ row }) => (
          <Group gap={6} wrap="nowrap">
            <Anchor component="span" size="sm" fw={500} lineClamp={1} c="inherit" style={{ minWidth: 0 }} data-testid="row-subject">
              {row.original.subject}
            </Anchor>
            {subjectExtras?.(row.original)}
          </Group>
        ),
      },
      { id: 'requester', header: 'Requester', size: 170, cell: ({ row }) => <Text size="sm" lineClamp={1}>{row.original.requester.name}</Text> },
      { id: 'status', header: 'Status', size: 110, cell: ({ row }) => <StatusBadge name={row.original.status.name} category={row.original.status.category} /> },
      { id: 'priority', header: 'Priority', size: 100, cell: ({ row }) => <PriorityBadge priority={row.original.priority} /> },
      { id: 'assignee', header: 'Assignee', size: 140, cell: ({ row }) => <Text size="sm" c={row.original.assignee ? undefined : 'dimmed'} lineClamp={1}>{row.original.assignee?.name ?? 'Unassigned'}</Text> },
      { id: 'team', header: 'Team', size: 90, cell: ({ row }) => <Text size="sm" c="dimmed">{row.original.team_id ?? '—'}</Text> },
      { id: 'channel', header: 'Channel', size: 90, cell: ({ row }) => <Text size="sm">{row.original.channel}</Text> },
      { id: 'tags', header: 'Tags', size: 160, cell: ({ row }) => <Text size="sm" c="dimmed" lineClamp={1}>{row.original.tags.join(', ')}</Text> },
      { id: 'created', header: 'Created', size: 140, cell: ({ row }) => <Text size="sm" c="dimmed" lineClamp={1}><RelativeTime iso={row.original.created_at} /></Text> },
      { id: 'updated', header: 'Updated', size: 140, cell: ({ row }) => <Text size="sm" c="dimmed" lineClamp={1}><RelativeTime iso={row.original.updated_at} /></Text> },
    ];
    // On a phone: checkbox, subject and status only.
    const wanted = compact ? ['subject', 'status'] : chosen;
    const byId = new Map(all.map((c) => [c.id, c]));
    return [all[0] as ColumnDef<Ticket>, ...wanted.flatMap((id) => byId.get(id) ?? [])];
  }, [tickets, selected, onSelectedChange, compact, chosen, subjectExtras]);

  const table = useReactTable({ data: tickets, columns, getCoreRowModel: getCoreRowModel(), getRowId: (t) => String(t.id) });
  const rows = table.getRowModel().rows;

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 20) onLoadMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, onLoadMore]);

  const move = (to: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, to));
    setCursor(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const handleKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const current = rows[cursor]?.original;
    switch (event.key) {
      case 'ArrowDown':
      case 'j':
        event.preventDefault();
        move(cursor + 1);
        break;
      case 'ArrowUp':
      case 'k':
        event.preventDefault();
        move(cursor - 1);
        break;
      case 'Enter':
      case 'o':
        if (current) onOpen(current);
        break;
      case 'x':
      case ' ': {
        if (!current) break;
        event.preventDefault();
        const next = new Set(selected);
        if (next.has(current.id)) next.delete(current.id);
        else next.add(current.id);
        onSelectedChange(next);
        break;
      }
    }
  };

  const template = table.getVisibleLeafColumns().map((c) => (c.id === 'subject' ? 'minmax(160px, 1fr)' : `${c.getSize()}px`)).join(' ');

  return (
    <Box
      ref={scrollRef}
      role="grid"
      aria-label="Tickets"
      aria-rowcount={rows.length}
      tabIndex={0}
      onKeyDown={handleKeyDown}
      style={{ height: '100%', overflow: 'auto', outline: 'none' }}
      data-testid="ticket-table"
    >
      <Box
        role="row"
        style={{ display: 'grid', gridTemplateColumns: template, position: 'sticky', top: 0, zIndex: 1, background: 'var(--mantine-color-body)', borderBottom: '1px solid var(--mantine-color-default-border)' }}
      >
        {table.getHeaderGroups()[0]?.headers.map((h) => (
          <Box key={h.id} role="columnheader" px="xs" py={8}>
            <Text size="xs" fw={600} c="dimmed" tt="uppercase">
              {flexRender(h.column.columnDef.header, h.getContext())}
            </Text>
          </Box>
        ))}
      </Box>
      <Box style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          const active = item.index === cursor;
          return (
            <Box
              key={row.id}
              role="row"
              aria-selected={selected.has(row.original.id)}
              data-ticket-id={row.original.id}
              onClick={() => {
                setCursor(item.index);
                onOpen(row.original);
              }}
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: ROW_HEIGHT,
                transform: `translateY(${item.start}px)`,
                display: 'grid',
                gridTemplateColumns: template,
                alignItems: 'center',
                cursor: 'pointer',
                borderBottom: '1px solid var(--mantine-color-default-border)',
                background: active ? 'var(--mantine-color-blue-light)' : undefined,
              }}
            >
              {row.getVisibleCells().map((cell) => (
                <Box key={cell.id} role="gridcell" px="xs" style={{ overflow: 'hidden' }}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </Box>
              ))}
            </Box>
          );
        })}
      </Box>
      {loadingMore && (
        <Group justify="center" p="sm">
          <Loader size="sm" />
        </Group>
      )}
    </Box>
  );
}

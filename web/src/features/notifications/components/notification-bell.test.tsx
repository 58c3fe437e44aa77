import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import type { StreamEvent } from '@/lib/event-stream';
import type { Notification, NotificationPage } from '../api/notifications';
import { noticeFor } from '../hooks/use-live-notifications';
import { NotificationBell, NotificationList } from './notification-bell';

// One fake stream for the bell to subscribe to.
const listeners = new Set<(e: StreamEvent) => void>();
vi.mock('@/lib/event-stream', () => ({
  eventStream: {
    subscribe: (l: (e: StreamEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  },
}));

const ME = 7;

const event = (type: string, data: Record<string, unknown>, actorId = 3): StreamEvent => ({
  seq: 1,
  type,
  subject_type: 'message',
  ticket_id: 12,
  actor_kind: 'user',
  actor_id: actorId,
  actor_name: 'Anna Berg',
  data,
  at: '2026-05-01T10:00:00Z',
});
const mentioned = (userId: number, actorId = 3) =>
  event(
    'ticket.mentioned',
    { mentioned_user: { id: userId, name: 'X' }, ticket: { id: 12, number: 1012, subject: 'Broken zipper' }, message: { id: 5, excerpt: '@Marco can you check?' } },
    actorId,
  );

const note = (id: number, read: boolean, kind: Notification['kind'] = 'mention'): Notification => ({
  id,
  kind,
  ticket: { id: 12, number: 1012, display_number: '#1012', subject: 'Broken zipper' },
  message_id: kind === 'mention' ? 5 : null,
  actor_name: 'Anna Berg',
  excerpt: kind === 'mention' ? '@Marco can you check?' : '',
  event_seq: id,
  read_at: read ? '2026-05-01T10:00:00Z' : null,
  created_at: '2026-05-01T09:00:00Z',
});

describe('noticeFor', () => {
  it('tells me about mentions of me and tickets others assign to me, nothing else', () => {
    expect(noticeFor(mentioned(ME), ME)).toMatchObject({ kind: 'mention', ticketId: 12, ticketNumber: 1012, actorName: 'Anna Berg' });
    expect(noticeFor(mentioned(8), ME)).toBeNull();
    const assign = (to: number | null, actor: number) =>
      event('ticket.updated', { ticket: { id: 12, number: 1012 }, changes: { assignee_id: { from: null, to } } }, actor);
    expect(noticeFor(assign(ME, 3), ME)).toMatchObject({ kind: 'assigned', ticketId: 12 });
    expect(noticeFor(assign(ME, ME), ME)).toBeNull();
    expect(noticeFor(assign(null, 3), ME)).toBeNull();
    expect(noticeFor(event('ticket.created', { ticket: { id: 12, number: 1012, assignee_id: ME } }), ME)).toMatchObject({ kind: 'assigned' });
    expect(noticeFor(event('message.created', { message: { id: 1 } }), ME)).toBeNull();
  });
});

describe('NotificationList', () => {
  it('shows what happened where, unread first in weight, and opens on click', async () => {
    const onOpen = vi.fn();
    render(
      <MantineProvider>
        <NotificationList items={[note(2, false), note(1, true, 'assigned')]} unread={1} onOpen={onOpen} onMarkAllRead={() => {}} />
      </MantineProvider>,
    );
    const [unread, read] = screen.getAllByTestId('notification-item') as [HTMLElement, HTMLElement];
    expect(unread).toHaveTextContent('Anna Berg mentioned you');
    expect(unread).toHaveTextContent('#1012 · Broken zipper');
    expect(unread).toHaveAttribute('data-unread', 'true');
    expect(read).toHaveTextContent('Anna Berg assigned you a ticket');
    expect(read).not.toHaveAttribute('data-unread');
    await userEvent.click(unread);
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }));
  });
});

describe('NotificationBell', () => {
  let pages: NotificationPage[];
  beforeEach(() => {
    listeners.clear();
    pages = [
      { data: [note(1, false)], next_cursor: null, unread_count: 1 },
      { data: [note(2, false), note(1, false)], next_cursor: null, unread_count: 2 },
    ];
    vi.spyOn(api, 'GET').mockImplementation((async () => ({
      data: pages.length > 1 ? pages.shift() : pages[0],
      response: new Response(null, { status: 200 }),
    })) as unknown as typeof api.GET);
  });
  afterEach(() => vi.restoreAllMocks());

  it('counts unread notifications, updates live when I am mentioned and shows a toast', async () => {
    const onOpenTicket = vi.fn();
    render(
      <MantineProvider>
        <Notifications />
        <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
          <NotificationBell userId={ME} onOpenTicket={onOpenTicket} />
        </QueryClientProvider>
      </MantineProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('notification-count')).toHaveTextContent('1'));
    // Someone else's mention changes nothing.
    act(() => listeners.forEach((l) => l(mentioned(8))));
    expect(api.GET).toHaveBeenCalledTimes(1);
    act(() => listeners.forEach((l) => l(mentioned(ME))));
    await waitFor(() => expect(screen.getByTestId('notification-count')).toHaveTextContent('2'));
    expect(await screen.findByText('Anna Berg mentioned you in #1012')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Notifications (2 unread)' }));
    expect(await screen.findAllByTestId('notification-item')).toHaveLength(2);
  });
});

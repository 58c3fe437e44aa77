/** The built-in queue views: filters for the list and how to read their count from the counters. */
import type { TicketFilter } from './api/tickets';

export interface QueueView {
  id: string;
  name: string;
  filter: (userId: number) => TicketFilter;
  /** Sums the counters that make up the view's count. */
  count: (counts: Record<string, number>, userId: number) => number;
}

const UNSOLVED = ['new', 'open', 'pending', 'on_hold'] as const;

const sum = (counts: Record<string, number>, keys: string[]) => keys.reduce((n, k) => n + (counts[k] ?? 0), 0);

export const BUILT_IN_VIEWS: QueueView[] = [
  {
    id: 'mine',
    name: 'My open tickets',
    filter: () => ({ assignee: 'me', status: UNSOLVED.join(',') }),
    count: (c, uid) => sum(c, UNSOLVED.map((cat) => `t:asg:${uid}:${cat}`)),
  },
  {
    id: 'unassigned',
    name: 'Unassigned',
    filter: () => ({ assignee: 'none', status: UNSOLVED.join(',') }),
    count: (c) => sum(c, UNSOLVED.map((cat) => `t:asg:none:${cat}`)),
  },
  {
    id: 'open',
    name: 'All open',
    filter: () => ({ status: 'new,open' }),
    count: (c) => sum(c, ['t:cat:new', 't:cat:open']),
  },
  {
    id: 'pending',
    name: 'Pending',
    filter: () => ({ status: 'pending' }),
    count: (c) => sum(c, ['t:cat:pending']),
  },
  {
    id: 'solved',
    name: 'Recently solved',
    filter: () => ({ status: 'solved' }),
    count: (c) => sum(c, ['t:cat:solved']),
  },
];

export function findView(id: string | undefined): QueueView {
  return BUILT_IN_VIEWS.find((v) => v.id === id) ?? (BUILT_IN_VIEWS[0] as QueueView);
}

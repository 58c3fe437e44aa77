/** Reference data the ticket screens need: statuses, agents, tags. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Status = Schemas['StatusOut'];
export type User = Schemas['UserOut'];

export const statusesQuery = queryOptions({
  queryKey: ['statuses'],
  queryFn: () => unwrap(api.GET('/api/v1/statuses')),
  staleTime: 5 * 60_000,
});

/** Admins and agents, who can be assignees. */
export const agentsQuery = queryOptions({
  queryKey: ['users', 'staff'],
  queryFn: async () => {
    const [admins, agents] = await Promise.all([
      unwrap(api.GET('/api/v1/users', { params: { query: { role: 'admin', limit: 100 } } })),
      unwrap(api.GET('/api/v1/users', { params: { query: { role: 'agent', limit: 100 } } })),
    ]);
    return [...admins.data, ...agents.data].filter((u) => u.active).sort((a, b) => a.name.localeCompare(b.name));
  },
  staleTime: 5 * 60_000,
});

export const tagsQuery = queryOptions({
  queryKey: ['tags'],
  queryFn: () => unwrap(api.GET('/api/v1/tags')),
  staleTime: 60_000,
});

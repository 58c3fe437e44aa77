/** Reference data the ticket screens need: statuses, custom fields, agents, tags. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';
import { customFieldsQuery, statusesQuery } from '@/lib/reference-data';

export { customFieldsQuery, statusesQuery };

export type Status = Schemas['StatusOut'];
export type User = Schemas['UserOut'];
export type CustomField = Schemas['CustomFieldOut'];


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

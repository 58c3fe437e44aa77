/** Workspace reference data several features read: statuses and custom field definitions. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from './api-client';

export const statusesQuery = queryOptions({
  queryKey: ['statuses'],
  queryFn: () => unwrap(api.GET('/api/v1/statuses')),
  staleTime: 5 * 60_000,
});

export const customFieldsQuery = queryOptions({
  queryKey: ['custom-fields'],
  queryFn: () => unwrap(api.GET('/api/v1/custom-fields')),
  staleTime: 5 * 60_000,
});

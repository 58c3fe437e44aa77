/** Tags admin: usage counts, rename, merge, delete (each across every ticket). */
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';
import { useWrite } from './settings';

export type TagCount = Schemas['TagOut'];
export type TagChange = Schemas['TagChangeOut'];

/** Under the ticket screens' `['tags']` key, so a change refreshes their pickers too. */
const tagKeys = { all: ['tags'] as const, admin: (q: string) => ['tags', 'admin', q] as const };

export function adminTagsQuery(q: string) {
  return queryOptions({
    queryKey: tagKeys.admin(q),
    queryFn: () => unwrap(api.GET('/api/v1/tags', { params: { query: { limit: 1000, ...(q ? { q } : {}) } } })),
    placeholderData: keepPreviousData,
  });
}

export const useRenameTag = () =>
  useWrite(
    ({ tag, name }: { tag: string; name: string }) =>
      unwrap(api.PATCH('/api/v1/tags/{tag}', { params: { path: { tag } }, body: { name } })),
    tagKeys.all,
    ['tickets'],
  );

export const useMergeTag = () =>
  useWrite(
    ({ tag, into }: { tag: string; into: string }) =>
      unwrap(api.POST('/api/v1/tags/{tag}/merge', { params: { path: { tag } }, body: { into } })),
    tagKeys.all,
    ['tickets'],
  );

export const useDeleteTag = () =>
  useWrite((tag: string) => unwrap(api.DELETE('/api/v1/tags/{tag}', { params: { path: { tag } } })), tagKeys.all, ['tickets']);

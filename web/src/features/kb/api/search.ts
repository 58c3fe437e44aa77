/** Searching every article (drafts and internal ones too), as agents do from the composer and the list. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';
import { kbKeys } from './structure';

export type Hit = Schemas['KbAgentHitOut'];

export const searchQuery = (q: string, status: Schemas['KbStatus'] | '' = '') =>
  queryOptions({
    queryKey: kbKeys.search(q, status),
    queryFn: () =>
      unwrap(api.GET('/api/v1/kb/search', { params: { query: { q, status: status || undefined, limit: 20 } } })),
    enabled: q.trim().length > 1,
    staleTime: 10_000,
  });

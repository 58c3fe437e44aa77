/** Customer satisfaction (CSAT): good / (good + bad) per agent, team, channel and period. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type CsatReport = Schemas['CsatReport'];
export type CsatInterval = 'day' | 'week' | 'month';

export function csatQuery(period: { from: string; to: string }, interval: CsatInterval) {
  return queryOptions({
    queryKey: ['reports', 'csat', period, interval],
    queryFn: () => unwrap(api.GET('/api/v1/reports/csat', { params: { query: { ...period, interval } } })),
  });
}

/** "83 %" or "—" without ratings. */
export function formatCsat(pct: number | null | undefined): string {
  return pct == null ? '—' : `${Math.round(pct)} %`;
}

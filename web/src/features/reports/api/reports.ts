/** Performance reports: mine and the team's, over a period. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type AgentReport = Schemas['AgentReport'];
export type TeamReport = Schemas['TeamReport'];

/** The period of the last `days` days, to the current hour (so the cache key is stable). */
export function lastDays(days: number, now = new Date()): { from: string; to: string } {
  const to = new Date(now);
  to.setUTCMinutes(0, 0, 0);
  to.setUTCHours(to.getUTCHours() + 1);
  const from = new Date(to.getTime() - days * 24 * 3600 * 1000);
  return { from: from.toISOString(), to: to.toISOString() };
}

export function myReportQuery(period: { from: string; to: string }) {
  return queryOptions({
    queryKey: ['reports', 'me', period],
    queryFn: () => unwrap(api.GET('/api/v1/reports/me', { params: { query: period } })),
  });
}

export function teamReportQuery(period: { from: string; to: string }) {
  return queryOptions({
    queryKey: ['reports', 'team', period],
    queryFn: () => unwrap(api.GET('/api/v1/reports/team', { params: { query: period } })),
  });
}

/** "2 h 5 min" for seconds; "—" when unknown. */
export function formatDuration(secs: number | null | undefined): string {
  if (secs == null) return '—';
  if (secs < 60) return `${secs} s`;
  const mins = Math.round(secs / 60);
  if (mins < 60) return `${mins} min`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours} h ${mins % 60} min`;
  return `${Math.round(hours / 24)} d`;
}

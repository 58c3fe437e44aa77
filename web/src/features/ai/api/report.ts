/** The AI report: suggestions shown to agents over a period and what they did with them, and what the chatbot did. */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type AiReport = Schemas['AiReport'];
export type SuggestionStats = Schemas['SuggestionStatsOut'];
export type ChatbotStats = Schemas['ChatbotStatsOut'];

export function aiReportQuery(period: { from: string; to: string }) {
  return queryOptions({
    queryKey: ['reports', 'ai', period],
    queryFn: () => unwrap(api.GET('/api/v1/reports/ai', { params: { query: period } })),
  });
}

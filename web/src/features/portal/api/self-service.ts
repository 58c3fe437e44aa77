/**
 * What the portal offers a signed-in customer besides their requests: the
 * chat widget with their proven identity (`GET /portal/chat-identity`) and
 * help-center articles suggested from their orders and requests.
 */
import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type ChatIdentity = Schemas['ChatIdentityOut'];
export type SuggestedArticle = Schemas['SuggestedArticleOut'];

export const chatIdentityQuery = queryOptions({
  queryKey: ['portal', 'chat-identity'],
  queryFn: () => unwrap(api.GET('/api/v1/portal/chat-identity')),
  staleTime: 10 * 60_000,
});

export const suggestionsQuery = queryOptions({
  queryKey: ['portal', 'suggestions'],
  queryFn: () => unwrap(api.GET('/api/v1/portal/suggestions')),
  staleTime: 5 * 60_000,
});

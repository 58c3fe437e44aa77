/** Suggestions for an agent on a ticket (reply, summary, translation) and what the agent did with them. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, unwrap, type Schemas } from '@/lib/api-client';

export type Suggestion = Schemas['SuggestionOut'];
export type Citation = Schemas['CitationOut'];
export type Outcome = 'accepted' | 'edited' | 'rejected';

export function useSuggestReply(ticketId: number) {
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/tickets/{id}/ai/reply', { params: { path: { id: ticketId } } })),
  });
}

export function useSummarise(ticketId: number) {
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/tickets/{id}/ai/summary', { params: { path: { id: ticketId } } })),
  });
}

export function useTranslate(ticketId: number) {
  return useMutation({
    mutationFn: (body: { text: string; target?: string | null }) =>
      unwrap(api.POST('/api/v1/tickets/{id}/ai/translate', { params: { path: { id: ticketId } }, body })),
  });
}

export function useSuggestionOutcome() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: number; outcome: Outcome; final_text?: string | null; message_id?: number | null }) =>
      unwrap(api.PUT('/api/v1/ai/suggestions/{id}/outcome', { params: { path: { id } }, body })),
    // The AI report counts outcomes.
    onSuccess: () => void client.invalidateQueries({ queryKey: ['reports', 'ai'] }),
  });
}

/** The problem code of an API error, if any. */
export function problemCode(error: unknown): string | undefined {
  return error instanceof ApiError ? error.problem?.code : undefined;
}

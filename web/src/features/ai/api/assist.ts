/** Suggestions for an agent on a ticket (reply, summary, translation) and what the agent did with them. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError, postStream, unwrap, type Schemas } from '@/lib/api-client';

export type Suggestion = Schemas['SuggestionOut'];
export type Citation = Schemas['CitationOut'];
export type Outcome = 'accepted' | 'edited' | 'rejected';

/**
 * Asks for a suggested reply on the streaming endpoint: `streamed` holds the
 * text so far while an LLM writes it (plain text; `null` when nothing is
 * streaming), and the mutation resolves with the recorded suggestion.
 */
export function useSuggestReply(ticketId: number) {
  const [streamed, setStreamed] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: async (): Promise<Suggestion> => {
      let done: Suggestion | undefined;
      let failure: ApiError | undefined;
      try {
        await postStream(`/api/v1/tickets/${ticketId}/ai/reply/stream`, (e) => {
          if (e.event === 'delta') setStreamed((JSON.parse(e.data) as { text: string }).text);
          else if (e.event === 'done') done = JSON.parse(e.data) as Suggestion;
          else if (e.event === 'error') {
            const problem = JSON.parse(e.data) as Partial<Schemas['Problem']>;
            failure = new ApiError(problem.status ?? 502, problem);
          }
        });
      } finally {
        setStreamed(null);
      }
      if (failure) throw failure;
      if (!done) throw new Error('The suggestion stopped before it was finished. Please try again.');
      return done;
    },
  });
  return { ...mutation, streamed };
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

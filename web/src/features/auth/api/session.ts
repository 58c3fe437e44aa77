/** The session endpoints: who is signed in, sign in, sign out. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken, unwrap, type Schemas } from '@/lib/api-client';
import { eventStream } from '@/lib/event-stream';

export type Session = Schemas['SessionOut'];
export type SignIn = Schemas['SessionIn'];

export const sessionQuery = queryOptions({
  queryKey: ['session'],
  queryFn: async (): Promise<Session | null> => {
    try {
      const session = await unwrap(api.GET('/api/v1/session'));
      setCsrfToken(session.csrf_token);
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  staleTime: Infinity,
});

export function useSession() {
  return useQuery(sessionQuery);
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: SignIn) => unwrap(api.POST('/api/v1/session', { body })),
    onSuccess: (session) => {
      setCsrfToken(session.csrf_token);
      client.setQueryData(sessionQuery.queryKey, session);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/session', {})),
    onSettled: () => {
      setCsrfToken(null);
      eventStream.reset();
      client.clear();
      client.setQueryData(sessionQuery.queryKey, null);
    },
  });
}

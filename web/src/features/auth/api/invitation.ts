/** An invitation link: what it is for, and accepting it (sets the password and signs in). */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, setCsrfToken, unwrap, type Schemas } from '@/lib/api-client';
import { sessionQuery } from './session';

export type InvitationInfo = Schemas['InvitationInfo'];

export function invitationQuery(token: string) {
  return queryOptions({
    queryKey: ['invitation', token],
    queryFn: () => unwrap(api.GET('/api/v1/invitations/{token}', { params: { path: { token } } })),
    // A dead link stays dead; do not hammer the (rate-limited) endpoint.
    retry: false,
    staleTime: Infinity,
  });
}

export function useAcceptInvitation(token: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (password: string) =>
      unwrap(api.POST('/api/v1/invitations/{token}/accept', { params: { path: { token } }, body: { password } })),
    onSuccess: (session) => {
      setCsrfToken(session.csrf_token);
      client.setQueryData(sessionQuery.queryKey, session);
      client.removeQueries({ queryKey: ['invitation', token] });
    },
  });
}

/** Invitations by link: invite, send anew, revoke. The link comes back once. */
import { api, unwrap, type Schemas } from '@/lib/api-client';
import { settingsKeys, useWrite } from './settings';

export type Invitation = Schemas['InvitationOut'];
export type InvitationIn = Schemas['InvitationIn'];

export const useInviteUser = () =>
  useWrite((body: InvitationIn) => unwrap(api.POST('/api/v1/users/invitations', { body })), settingsKeys.users);

export const useResendInvitation = () =>
  useWrite(
    (id: number) => unwrap(api.POST('/api/v1/users/{id}/invitation', { params: { path: { id } } })),
    settingsKeys.users,
  );

export const useRevokeInvitation = () =>
  useWrite(
    (id: number) => unwrap(api.DELETE('/api/v1/users/{id}/invitation', { params: { path: { id } } })),
    settingsKeys.users,
  );

/** The link to hand on, on the origin the admin reached the app at. */
export function inviteLink(invitation: Pick<Invitation, 'accept_path' | 'accept_url'>, origin?: string): string {
  return origin ? new URL(invitation.accept_path, origin).toString() : invitation.accept_url;
}

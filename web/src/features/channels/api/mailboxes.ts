/**
 * E-mail mailboxes (admin): list, create, change, delete, test the IMAP
 * login, rotate the inbound token. Secrets are write-only: the server says
 * only whether they are set, and shows the inbound token once.
 */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Mailbox = Schemas['MailboxOut'];
export type MailboxIn = Schemas['MailboxIn'];
export type MailboxPatch = Schemas['MailboxPatch'];
export type ImapIn = Schemas['ImapIn'];
export type MailboxCreated = Schemas['MailboxCreatedOut'];
export type MailboxTest = Schemas['MailboxTestOut'];

export const mailboxKeys = {
  all: ['channels', 'mailboxes'] as const,
};

/** The path forwarding providers and MTAs post raw messages to, with the mailbox's token. */
export const INBOUND_PATH = '/api/v1/channels/email/inbound';

export const mailboxesQuery = queryOptions({
  queryKey: mailboxKeys.all,
  queryFn: () => unwrap(api.GET('/api/v1/channels/mailboxes')),
});

/** A mutation that refreshes the mailbox list when it succeeds. */
function useMailboxWrite<TIn, TOut>(fn: (input: TIn) => Promise<TOut>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => void client.invalidateQueries({ queryKey: mailboxKeys.all }),
  });
}

export const useCreateMailbox = () =>
  useMailboxWrite((body: MailboxIn) => unwrap(api.POST('/api/v1/channels/mailboxes', { body })));

export const useUpdateMailbox = () =>
  useMailboxWrite(({ id, patch }: { id: number; patch: MailboxPatch }) =>
    unwrap(api.PATCH('/api/v1/channels/mailboxes/{id}', { params: { path: { id } }, body: patch })),
  );

export const useDeleteMailbox = () =>
  useMailboxWrite((id: number) => unwrap(api.DELETE('/api/v1/channels/mailboxes/{id}', { params: { path: { id } } })));

export const useRotateMailboxToken = () =>
  useMailboxWrite((id: number) =>
    unwrap(api.POST('/api/v1/channels/mailboxes/{id}/rotate-token', { params: { path: { id } } })),
  );

/** Logs in to the mailbox's IMAP server; a failed login is an answer (`ok: false`), not an error. */
export const useTestMailbox = () =>
  useMutation({
    mutationFn: (id: number) => unwrap(api.POST('/api/v1/channels/mailboxes/{id}/test', { params: { path: { id } } })),
  });

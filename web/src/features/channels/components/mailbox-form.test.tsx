import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '@/lib/api-client';
import type { Mailbox } from '../api/mailboxes';
import { draftOf, MailboxForm, mailboxFieldErrors, toMailboxIn, toMailboxPatch } from './mailbox-form';

const saved: Mailbox = {
  id: 3,
  address: 'support@everline.example',
  name: 'Everline Support',
  aliases: ['help@everline.example'],
  imap: { host: 'imap.everline.example', port: 993, security: 'tls', username: 'support', password_set: true, folder: 'INBOX' },
  poll_interval_secs: 60,
  smtp_configured: true,
  active: true,
  last_polled_at: '2026-05-01T10:00:00Z',
  last_error: null,
  created_at: '2026-05-01T09:00:00Z',
  updated_at: '2026-05-01T09:00:00Z',
};

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });
const problem = (status: number, body: unknown) => ({ error: body, response: new Response(null, { status }) });

function renderForm(mailbox?: Mailbox) {
  const onSaved = vi.fn();
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MailboxForm mailbox={mailbox} onSaved={onSaved} onCancel={() => {}} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return onSaved;
}

describe('toMailboxPatch', () => {
  it('sends nothing when nothing changed, and never an empty secret', () => {
    expect(toMailboxPatch(saved, draftOf(saved))).toEqual({});
  });

  it('sends IMAP settings only when they change, with the password only when typed', () => {
    expect(toMailboxPatch(saved, { ...draftOf(saved), name: 'Help' })).toEqual({ name: 'Help' });
    expect(toMailboxPatch(saved, { ...draftOf(saved), folder: 'Support' }).imap).toEqual({
      host: 'imap.everline.example',
      port: 993,
      security: 'tls',
      username: 'support',
      folder: 'Support',
    });
    expect(toMailboxPatch(saved, { ...draftOf(saved), password: 's3cret' }).imap).toMatchObject({ password: 's3cret' });
  });

  it('removes IMAP polling and the SMTP server with null', () => {
    expect(toMailboxPatch(saved, { ...draftOf(saved), imapEnabled: false, removeSmtp: true })).toEqual({ imap: null, smtp_url: null });
    expect(toMailboxPatch(saved, { ...draftOf(saved), smtpUrl: ' smtps://u:p@smtp.example.com ' })).toEqual({
      smtp_url: 'smtps://u:p@smtp.example.com',
    });
  });
});

describe('toMailboxIn', () => {
  it('leaves out IMAP and SMTP when not set up', () => {
    expect(toMailboxIn({ ...draftOf(), address: ' desk@acme.test ' })).toEqual({
      address: 'desk@acme.test',
      name: '',
      aliases: [],
      active: true,
      poll_interval_secs: 60,
    });
  });
});

describe('mailboxFieldErrors', () => {
  it('names the alias at fault and puts a taken address under the address', () => {
    const invalid = new ApiError(422, {
      code: 'invalid_input',
      errors: [
        { pointer: '/aliases/1', detail: 'is not an e-mail address' },
        { pointer: '/imap/port', detail: 'must be between 1 and 65535' },
      ],
    });
    expect(mailboxFieldErrors(invalid, ['a@x.test', 'nope'])).toEqual({
      aliases: 'nope is not an e-mail address',
      'imap/port': 'must be between 1 and 65535',
    });
    const taken = new ApiError(409, { code: 'mailbox_address_taken', detail: 'a@x.test already belongs to a mailbox of this workspace' });
    expect(mailboxFieldErrors(taken, [])).toEqual({ address: 'a@x.test already belongs to a mailbox of this workspace' });
  });
});

describe('MailboxForm', () => {
  afterEach(() => vi.restoreAllMocks());

  it('says a password is stored, and keeps it when the field stays empty', async () => {
    const patch = vi
      .spyOn(api, 'PATCH')
      .mockImplementation((async () => ok({ ...saved, name: 'Everline Help' })) as unknown as typeof api.PATCH);
    const onSaved = renderForm(saved);
    const password = screen.getByLabelText('Password');
    expect(password).toHaveValue('');
    expect(password).toHaveAttribute('placeholder', 'stored — leave empty to keep');
    expect(password).not.toBeRequired();
    expect(screen.getByLabelText('SMTP server URL')).toHaveAttribute('placeholder', 'stored — leave empty to keep');
    const save = screen.getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();

    const name = screen.getByLabelText('Display name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Everline Help');
    await userEvent.click(save);
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(patch).toHaveBeenCalledWith('/api/v1/channels/mailboxes/{id}', {
      params: { path: { id: 3 } },
      body: { name: 'Everline Help' },
    });
  });

  it('asks for a password for a new IMAP mailbox and shows the server’s field errors', async () => {
    const post = vi.spyOn(api, 'POST').mockImplementation((async () =>
      problem(422, {
        code: 'invalid_input',
        detail: 'The request has invalid fields',
        errors: [
          { pointer: '/address', detail: 'is not an e-mail address' },
          { pointer: '/imap/host', detail: 'must be a host name' },
          { pointer: '/imap/password', detail: 'is required' },
        ],
      })) as unknown as typeof api.POST);
    const onSaved = renderForm();
    await userEvent.type(screen.getByLabelText(/^Address/), 'not-an-address');
    await userEvent.click(screen.getByRole('switch', { name: 'Fetch mail from an IMAP mailbox' }));
    const password = screen.getByLabelText(/^Password/);
    expect(password).toBeRequired();
    expect(password).not.toHaveAttribute('placeholder');
    await userEvent.type(screen.getByLabelText(/^IMAP server/), 'imap example');
    await userEvent.type(screen.getByLabelText(/^Username/), 'desk');
    await userEvent.click(screen.getByRole('button', { name: 'Add mailbox' }));

    expect(await screen.findByText('is not an e-mail address')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Address/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('must be a host name')).toBeInTheDocument();
    expect(screen.getByLabelText(/^IMAP server/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('is required')).toBeInTheDocument();
    expect(onSaved).not.toHaveBeenCalled();
    expect(post).toHaveBeenCalledWith('/api/v1/channels/mailboxes', {
      body: expect.objectContaining({
        address: 'not-an-address',
        imap: { host: 'imap example', port: 993, security: 'tls', username: 'desk', folder: 'INBOX' },
      }),
    });
  });
});

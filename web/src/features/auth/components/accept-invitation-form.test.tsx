import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import { AcceptInvitationForm, passwordProblem } from './accept-invitation-form';

describe('passwordProblem', () => {
  it('asks for 10–200 characters typed the same twice', () => {
    expect(passwordProblem('short', 'short')).toBe('At least 10 characters');
    expect(passwordProblem('x'.repeat(201), 'x'.repeat(201))).toBe('At most 200 characters');
    expect(passwordProblem('long enough pw', 'long enough pv')).toBe('The two passwords differ');
    expect(passwordProblem('long enough pw', 'long enough pw')).toBeNull();
  });
});

const info = {
  email: 'ivy@acme.test',
  name: 'Ivy',
  role: 'agent',
  workspace: { slug: 'acme', name: 'Acme Shop' },
  expires_at: '2026-06-08T10:00:00Z',
};
const session = { user_id: 9, name: 'Ivy', role: 'agent', workspace_id: 1, contact_id: null, csrf_token: 'csrf' };
const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });
const problem = (status: number) => ({ error: { code: 'not_found', detail: 'no such resource' }, response: new Response(null, { status }) });

function renderForm(onAccepted = vi.fn()) {
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <AcceptInvitationForm token="tok_123" onAccepted={onAccepted} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return onAccepted;
}

describe('AcceptInvitationForm', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows who is invited, sends the password once both match, and signs in', async () => {
    vi.spyOn(api, 'GET').mockImplementation((async () => ok(info)) as unknown as typeof api.GET);
    const post = vi.spyOn(api, 'POST').mockImplementation((async () => ok(session, 201)) as unknown as typeof api.POST);
    const onAccepted = renderForm();
    expect(await screen.findByRole('heading', { name: 'Join Acme Shop' })).toBeInTheDocument();
    expect(screen.getByText('ivy@acme.test')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/^Password/), 'a brand new password');
    await userEvent.type(screen.getByLabelText(/^Repeat password/), 'a brand new passwort');
    await userEvent.click(screen.getByRole('button', { name: 'Set password and sign in' }));
    expect(await screen.findByText('The two passwords differ')).toBeInTheDocument();
    expect(post).not.toHaveBeenCalled();
    await userEvent.clear(screen.getByLabelText(/^Repeat password/));
    await userEvent.type(screen.getByLabelText(/^Repeat password/), 'a brand new password');
    await userEvent.click(screen.getByRole('button', { name: 'Set password and sign in' }));
    await waitFor(() => expect(onAccepted).toHaveBeenCalled());
    expect(post).toHaveBeenCalledWith('/api/v1/invitations/{token}/accept', {
      params: { path: { token: 'tok_123' } },
      body: { password: 'a brand new password' },
    });
  });

  it('explains a used, expired or replaced link', async () => {
    vi.spyOn(api, 'GET').mockImplementation((async () => problem(404)) as unknown as typeof api.GET);
    renderForm();
    expect(await screen.findByRole('heading', { name: 'Invitation not valid' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent(/used, has expired or was replaced/);
  });
});

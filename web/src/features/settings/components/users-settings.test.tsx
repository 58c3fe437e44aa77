import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { inviteLink, type Invitation } from '../api/invitations';
import { InviteLinkModal, invitationState } from './users-settings';

const invitation: Invitation = {
  accept_path: '/invite/tok_123',
  accept_url: 'http://127.0.0.1:8080/invite/tok_123',
  expires_at: '2026-06-08T10:00:00Z',
  emailed: false,
  user: {
    id: 9,
    email: 'ivy@acme.test',
    name: 'Ivy',
    role: 'agent',
    contact_id: null,
    active: false,
    has_password: false,
    status: 'invited',
    invitation_expires_at: '2026-06-08T10:00:00Z',
    last_login_at: null,
    created_at: '2026-06-01T10:00:00Z',
    updated_at: '2026-06-01T10:00:00Z',
  },
};

describe('invitationState', () => {
  it('tells a pending link from an expired one, and joined users from both', () => {
    const now = new Date('2026-06-05T00:00:00Z');
    expect(invitationState(invitation.user, now)).toBe('pending');
    expect(invitationState(invitation.user, new Date('2026-06-09T00:00:00Z'))).toBe('expired');
    expect(invitationState({ status: 'active', invitation_expires_at: null }, now)).toBeNull();
    expect(invitationState({ status: 'inactive', invitation_expires_at: null }, now)).toBeNull();
  });
});

describe('inviteLink', () => {
  it('uses the origin the admin reached the app at, else the server’s link', () => {
    expect(inviteLink(invitation, 'https://help.acme.test')).toBe('https://help.acme.test/invite/tok_123');
    expect(inviteLink(invitation)).toBe('http://127.0.0.1:8080/invite/tok_123');
  });
});

describe('InviteLinkModal', () => {
  it('shows the link once with a copy button and says it is not e-mailed', () => {
    const onClose = vi.fn();
    render(
      <MantineProvider>
        <InviteLinkModal invitation={invitation} origin="https://help.acme.test" onClose={onClose} />
      </MantineProvider>,
    );
    expect(screen.getByTestId('invite-link')).toHaveTextContent('https://help.acme.test/invite/tok_123');
    expect(screen.getByRole('button', { name: 'Copy link' })).toBeInTheDocument();
    expect(screen.getByText(/shown only once/)).toHaveTextContent('no mail server is configured');
  });

  it('says so when the link was e-mailed', () => {
    render(
      <MantineProvider>
        <InviteLinkModal invitation={{ ...invitation, emailed: true }} origin="https://help.acme.test" onClose={() => {}} />
      </MantineProvider>,
    );
    expect(screen.getByText(/We e-mailed this link to ivy@acme.test/)).toBeInTheDocument();
  });
});

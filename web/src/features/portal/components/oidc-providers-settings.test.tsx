import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '@/lib/api-client';
import type { OidcProvider } from '../api/oidc-providers';
import { providerDraftOf, providerFieldErrors, slugOf, toProviderIn, toProviderPatch } from './oidc-provider-form';
import { OidcProvidersSettings } from './oidc-providers-settings';

const google: OidcProvider = {
  id: 4,
  slug: 'google',
  name: 'Google',
  issuer: 'https://accounts.google.com',
  client_id: 'client-123',
  has_client_secret: true,
  scopes: 'openid email profile',
  enabled: true,
  redirect_uri: 'https://help.everline.example/portal/oidc/callback',
  authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
  token_endpoint: 'https://oauth2.googleapis.com/token',
  jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
  created_at: '2026-05-01T09:00:00Z',
  updated_at: '2026-05-01T09:00:00Z',
};

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });
const problem = (status: number, body: unknown) => ({ error: body, response: new Response(null, { status }) });

function renderSettings(rows: OidcProvider[]) {
  const get = vi
    .spyOn(api, 'GET')
    .mockImplementation((async () => ok({ data: rows, next_cursor: null })) as unknown as typeof api.GET);
  render(
    <MantineProvider>
      <Notifications />
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <OidcProvidersSettings origin="https://agents.everline.example" />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return get;
}

describe('toProviderPatch', () => {
  it('sends nothing when nothing changed, and never an empty secret', () => {
    expect(toProviderPatch(google, providerDraftOf(google))).toEqual({});
    expect(toProviderPatch(google, { ...providerDraftOf(google), name: ' Google Workspace ' })).toEqual({ name: 'Google Workspace' });
  });

  it('sends a typed secret, and null to remove the stored one', () => {
    expect(toProviderPatch(google, { ...providerDraftOf(google), clientSecret: 'n3w' })).toEqual({ client_secret: 'n3w' });
    expect(toProviderPatch(google, { ...providerDraftOf(google), clientSecret: 'n3w', removeSecret: true })).toEqual({
      client_secret: null,
    });
  });
});

describe('toProviderIn', () => {
  it('leaves the secret out for a public client and defaults the scopes', () => {
    expect(toProviderIn({ ...providerDraftOf(), name: 'Acme SSO', slug: 'acme', issuer: ' https://sso.acme.test ', clientId: 'c', scopes: ' ' })).toEqual({
      name: 'Acme SSO',
      slug: 'acme',
      issuer: 'https://sso.acme.test',
      client_id: 'c',
      scopes: 'openid email profile',
      enabled: true,
    });
  });

  it('derives a slug from the label', () => {
    expect(slugOf('  Acme SSO (staff) ')).toBe('acme-sso-staff');
  });
});

describe('providerFieldErrors', () => {
  it('puts a taken slug under the slug and keeps pointers of invalid input', () => {
    const taken = new ApiError(409, { code: 'oidc_provider_slug_taken', detail: 'google is already used by another provider' });
    expect(providerFieldErrors(taken)).toEqual({ slug: 'google is already used by another provider' });
    const invalid = new ApiError(422, { code: 'invalid_input', errors: [{ pointer: '/issuer', detail: 'has no discovery document' }] });
    expect(providerFieldErrors(invalid)).toEqual({ issuer: 'has no discovery document' });
  });
});

describe('OidcProvidersSettings', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows the redirect URI to register, from the server once a provider exists', async () => {
    renderSettings([google]);
    expect(await screen.findByTestId('oidc-redirect-uri')).toHaveTextContent('https://help.everline.example/portal/oidc/callback');
    const row = screen.getByTestId('oidc-provider-4');
    expect(row).toHaveTextContent('Google');
    expect(row).toHaveTextContent('secret stored');
  });

  it('shows the redirect URI on this origin before the first provider', async () => {
    renderSettings([]);
    expect(await screen.findByTestId('oidc-redirect-uri')).toHaveTextContent('https://agents.everline.example/portal/oidc/callback');
    expect(screen.getByText(/No sign-in provider yet/)).toBeInTheDocument();
  });

  it('adds a provider and shows the server’s field errors beside the fields', async () => {
    renderSettings([]);
    const post = vi
      .spyOn(api, 'POST')
      .mockImplementationOnce((async () =>
        problem(422, {
          code: 'invalid_input',
          detail: 'invalid input',
          errors: [
            { pointer: '/issuer', detail: 'the issuer has no valid OpenID Connect discovery document' },
            { pointer: '/slug', detail: 'must be 1–40 characters: a–z, 0–9 and -' },
          ],
        })) as unknown as typeof api.POST)
      .mockImplementationOnce((async () => ok({ ...google, id: 5, name: 'Acme SSO', slug: 'acme-sso' }, 201)) as unknown as typeof api.POST);

    await userEvent.click(await screen.findByRole('button', { name: 'Add provider' }));
    const form = await screen.findByRole('form', { name: 'New sign-in provider' });
    await userEvent.type(within(form).getByLabelText(/Button label/), 'Acme SSO');
    expect(within(form).getByLabelText(/^Slug/)).toHaveValue('acme-sso');
    await userEvent.type(within(form).getByLabelText(/Issuer URL/), 'https://sso.acme.test');
    await userEvent.type(within(form).getByLabelText(/Client ID/), 'portal');
    await userEvent.type(within(form).getByLabelText(/Client secret/), 's3cret');
    await userEvent.click(within(form).getByRole('button', { name: 'Add provider' }));

    expect(await within(form).findByText('the issuer has no valid OpenID Connect discovery document')).toBeInTheDocument();
    expect(within(form).getByText('must be 1–40 characters: a–z, 0–9 and -')).toBeInTheDocument();
    expect(within(form).getByLabelText(/Issuer URL/)).toHaveAttribute('aria-invalid', 'true');
    expect(post).toHaveBeenLastCalledWith('/api/v1/portal/oidc-providers', {
      body: {
        name: 'Acme SSO',
        slug: 'acme-sso',
        issuer: 'https://sso.acme.test',
        client_id: 'portal',
        client_secret: 's3cret',
        scopes: 'openid email profile',
        enabled: true,
      },
    });

    await userEvent.click(within(form).getByRole('button', { name: 'Add provider' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'New sign-in provider' })).toBeNull());
    expect(post).toHaveBeenCalledTimes(2);
  });

  it('edits a provider, keeping the stored secret when the field stays empty', async () => {
    renderSettings([google]);
    const patch = vi
      .spyOn(api, 'PATCH')
      .mockImplementation((async () => ok({ ...google, client_id: 'client-456' })) as unknown as typeof api.PATCH);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const form = await screen.findByRole('form', { name: 'Edit Google' });
    const secret = within(form).getByLabelText(/Client secret/);
    expect(secret).toHaveValue('');
    expect(secret).toHaveAttribute('placeholder', 'stored — leave empty to keep');
    const save = within(form).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();

    const clientId = within(form).getByLabelText(/Client ID/);
    await userEvent.clear(clientId);
    await userEvent.type(clientId, 'client-456');
    await userEvent.click(save);
    await waitFor(() =>
      expect(patch).toHaveBeenCalledWith('/api/v1/portal/oidc-providers/{id}', {
        params: { path: { id: 4 } },
        body: { client_id: 'client-456' },
      }),
    );
  });

  it('turns a provider off from the list', async () => {
    renderSettings([google]);
    const patch = vi
      .spyOn(api, 'PATCH')
      .mockImplementation((async () => ok({ ...google, enabled: false })) as unknown as typeof api.PATCH);
    await userEvent.click(await screen.findByRole('switch', { name: 'Google enabled' }));
    await waitFor(() =>
      expect(patch).toHaveBeenCalledWith('/api/v1/portal/oidc-providers/{id}', {
        params: { path: { id: 4 } },
        body: { enabled: false },
      }),
    );
  });

  it('deletes a provider only after confirming', async () => {
    renderSettings([google]);
    const del = vi
      .spyOn(api, 'DELETE')
      .mockImplementation((async () => ({ data: undefined, response: new Response(null, { status: 204 }) })) as unknown as typeof api.DELETE);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    expect(del).not.toHaveBeenCalled();
    await userEvent.click(await screen.findByRole('button', { name: 'Delete provider' }));
    await waitFor(() =>
      expect(del).toHaveBeenCalledWith('/api/v1/portal/oidc-providers/{id}', { params: { path: { id: 4 } } }),
    );
  });
});

import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import { rememberNext, takeRememberedNext } from '../api/account';
import { PortalApp } from './portal-app';

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });
const problem = (status: number, body: unknown) => ({ error: body, response: new Response(null, { status }) });

const customer = { user_id: 7, name: 'Dana', email: 'dana@example.test', role: 'customer', csrf_token: 'csrf' };
const config = {
  workspace: { name: 'Everline' },
  methods: { password: true, magic_link: true, sign_up: true, password_reset: true },
  oidc_providers: [],
  help_center_url: '/help',
};

const NEW_URL =
  '/portal/tickets/new?subject=' +
  encodeURIComponent('Printer: still offline') +
  '&prefill=' +
  encodeURIComponent('I went through the tutorial "Printer":\n1. Is it on? — yes\n');

/** Where the router is now, to check redirects. */
function Where() {
  const location = useLocation();
  return <output data-testid="where">{location.pathname + location.search}</output>;
}

/** The portal as the app mounts it, with the session the server answers with (null: signed out). */
function renderPortal(url: string, session: typeof customer | null) {
  let signedIn = session;
  vi.spyOn(api, 'GET').mockImplementation((async (path: string) => {
    if (path === '/api/v1/session') return signedIn ? ok(signedIn) : problem(401, { code: 'unauthenticated' });
    if (path === '/api/v1/portal/config') return ok(config);
    if (path === '/api/v1/custom-fields') return ok({ data: [], next_cursor: null });
    // The ticket page opened after sending: not what these tests look at.
    return problem(404, { code: 'not_found' });
  }) as unknown as typeof api.GET);
  const post = vi.spyOn(api, 'POST').mockImplementation((async (path: string) => {
    if (path === '/api/v1/portal/session') {
      signedIn = customer;
      return ok(customer);
    }
    if (path === '/api/v1/tickets') return ok({ id: 42, number: 1042 }, 201);
    if (path === '/api/v1/portal/magic-link') return ok({ status: 'check_email' }, 202);
    throw new Error(`unexpected POST ${path}`);
  }) as unknown as typeof api.POST);
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={[url]}>
          <Routes>
            <Route path="/portal/*" element={<PortalApp />} />
          </Routes>
          <Where />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return post;
}

describe('NewTicketPage', () => {
  beforeEach(() => {
    localStorage.setItem('autocrm.portal.locale', 'en');
    // jsdom has no EventSource; the ticket page opened after sending subscribes to one.
    vi.stubGlobal('EventSource', class {
      addEventListener() {}
      close() {}
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
    localStorage.clear();
  });

  it('starts with the subject and description from the link, and sends what the customer changed', async () => {
    const post = renderPortal(NEW_URL, customer);
    const subject = await screen.findByLabelText(/Subject/);
    const description = screen.getByLabelText(/Describe your problem/);
    expect(subject).toHaveValue('Printer: still offline');
    expect(description).toHaveValue('I went through the tutorial "Printer":\n1. Is it on? — yes\n');

    await userEvent.type(subject, ' (office)');
    await userEvent.type(description, 'The light blinks red.');
    await userEvent.click(screen.getByRole('button', { name: 'Send request' }));

    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent('/portal/tickets/42'));
    expect(post).toHaveBeenCalledWith('/api/v1/tickets', {
      body: {
        subject: 'Printer: still offline (office)',
        message: { body: 'I went through the tutorial "Printer":\n1. Is it on? — yes\nThe light blinks red.' },
        custom_fields: {},
      },
    });
  });

  it('starts empty without a prefill link', async () => {
    renderPortal('/portal/tickets/new', customer);
    expect(await screen.findByLabelText(/Subject/)).toHaveValue('');
    expect(screen.getByLabelText(/Describe your problem/)).toHaveValue('');
  });

  it('keeps the prefill through signing in', async () => {
    renderPortal(NEW_URL, null);
    const email = await screen.findByRole('textbox', { name: /E-mail/ });
    const where = screen.getByTestId('where').textContent ?? '';
    expect(where.startsWith('/portal/sign-in?next=')).toBe(true);
    expect(new URLSearchParams(where.split('?')[1]).get('next')).toBe(NEW_URL);

    await userEvent.type(email, 'dana@example.test');
    await userEvent.type(screen.getByLabelText(/^Password/, { selector: 'input[type=password]' }), 'correct horse battery');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByLabelText(/Subject/)).toHaveValue('Printer: still offline');
    expect(screen.getByTestId('where')).toHaveTextContent(/^\/portal\/tickets\/new\?subject=/);
  });

  it('remembers the page for a magic link asked for on the way', async () => {
    renderPortal(NEW_URL, null);
    await userEvent.click(await screen.findByText('E-mail me a link'));
    await userEvent.type(screen.getByRole('textbox', { name: /E-mail/ }), 'dana@example.test');
    await userEvent.click(screen.getByRole('button', { name: 'Send sign-in link' }));
    await waitFor(() => expect(takeRememberedNext()).toBe(NEW_URL));
  });
});

describe('takeRememberedNext', () => {
  afterEach(() => localStorage.clear());

  it('gives the remembered page once, and nothing once a magic link would have expired', () => {
    rememberNext('/portal/tickets/new?subject=x', 1_000);
    expect(takeRememberedNext(2_000)).toBe('/portal/tickets/new?subject=x');
    expect(takeRememberedNext(2_000)).toBeNull();
    rememberNext('/portal/orders', 0);
    expect(takeRememberedNext(21 * 60_000)).toBeNull();
  });
});

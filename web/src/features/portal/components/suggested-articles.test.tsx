import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import type { SuggestedArticle } from '../api/self-service';
import { I18nProvider } from '../i18n';
import { SuggestedArticles } from './suggested-articles';

const XSS = '<img src=x onerror="window.__xss=1">';

const list: SuggestedArticle[] = [
  {
    kind: 'article',
    id: 12,
    title: 'Returning an item',
    url: 'http://localhost:3000/help/articles/12-returning-an-item?lang=en&workspace=demo',
    excerpt: 'Send it back within 30 days.',
    reason: 'About your order #W102',
  },
  { kind: 'tutorial', id: 3, title: `Parcel check ${XSS}`, url: 'javascript:alert(1)', excerpt: '', reason: 'About your order #W103' },
];

function renderSection(data: SuggestedArticle[], locale = 'en') {
  localStorage.setItem('autocrm.portal.locale', locale);
  const get = vi
    .spyOn(api, 'GET')
    .mockImplementation((async () => ({ data: { data, next_cursor: null }, response: new Response(null, { status: 200 }) })) as unknown as typeof api.GET);
  const { container } = render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <I18nProvider>
          <SuggestedArticles />
        </I18nProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { get, container };
}

afterEach(() => vi.restoreAllMocks());

describe('SuggestedArticles', () => {
  it('lists each suggestion with its reason, links articles to the help center and never a script URL', async () => {
    const { get, container } = renderSection(list);
    const section = await screen.findByRole('region', { name: 'Suggested for you' });
    expect(get).toHaveBeenCalledWith('/api/v1/portal/suggestions');
    const items = within(section).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    const link = within(items[0]!).getByRole('link', { name: 'Returning an item' });
    expect(link).toHaveAttribute('href', list[0]!.url);
    expect(items[0]).toHaveTextContent('About your order #W102');
    expect(items[0]).toHaveTextContent('Send it back within 30 days.');
    // Markup is text; a URL of another scheme is not a link.
    expect(items[1]).toHaveTextContent(`Parcel check ${XSS}`);
    expect(items[1]).toHaveTextContent('About your order #W103');
    expect(within(items[1]!).queryByRole('link')).toBeNull();
    expect(container.querySelector('img, a[href^="javascript"]')).toBeNull();
  });

  it('speaks German for a German customer', async () => {
    renderSection(list.slice(0, 1), 'de');
    await screen.findByRole('region', { name: 'Für Sie vorgeschlagen' });
  });

  it('shows nothing when there is nothing to suggest', async () => {
    const { get, container } = renderSection([]);
    await waitFor(() => expect(get).toHaveBeenCalled());
    // Let the query settle: still nothing.
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(screen.queryByRole('region')).toBeNull();
    expect(container.querySelector('[data-testid="portal-suggestions"]')).toBeNull();
  });
});

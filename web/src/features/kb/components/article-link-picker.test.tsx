import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { kbKeys } from '../api/structure';
import { ArticleLinkPicker } from './article-link-picker';

const hits = {
  did_you_mean: null,
  data: [
    {
      id: 1,
      title: 'Refunds <b>fast</b>',
      snippet_html: 'A <mark>refund</mark> goes back',
      status: 'published' as const,
      locale: 'en',
      url: 'https://shop.test/help/articles/1-refunds?lang=en',
    },
    { id: 2, title: 'Refund checklist', snippet_html: 'internal', status: 'internal' as const, locale: 'en', url: 'https://shop.test/help/articles/2' },
  ],
};

function setup() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  client.setQueryData(kbKeys.search('refund', ''), hits);
  const insert = vi.fn();
  render(
    <QueryClientProvider client={client}>
      <MantineProvider>
        <ArticleLinkPicker insert={insert} />
      </MantineProvider>
    </QueryClientProvider>,
  );
  return insert;
}

describe('ArticleLinkPicker', () => {
  it('inserts a published article as an escaped link and refuses articles customers cannot open', async () => {
    // Arrange
    const insert = setup();
    const user = userEvent.setup();

    // Act (`hidden`: jsdom never finishes Mantine's popover transition, so the list counts as hidden)
    await user.click(screen.getByRole('button', { name: 'Insert article link' }));
    await user.type(await screen.findByRole('textbox', { name: 'Knowledge base' }), 'refund');
    const internal = await screen.findByRole('option', { name: /Refund checklist/, hidden: true });
    await user.click(internal);
    await user.click(screen.getByRole('option', { name: /Refunds <b>fast<\/b>/, hidden: true }));

    // Assert
    expect(internal).toHaveAttribute('aria-disabled', 'true');
    expect(insert).toHaveBeenCalledTimes(1);
    expect(insert).toHaveBeenCalledWith(
      '<a href="https://shop.test/help/articles/1-refunds?lang=en">Refunds &lt;b&gt;fast&lt;/b&gt;</a> ',
    );
  });
});

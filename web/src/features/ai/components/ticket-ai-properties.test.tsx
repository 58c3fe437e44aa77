import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import type { Ticket, TicketAi } from '../api/categories';
import { parseTriage } from '../lib/triage';
import { TicketAiBadges } from './ticket-ai-badges';
import { TicketAiProperties } from './ticket-ai-properties';

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });

const categories = {
  data: [
    { id: 1, key: 'shipping', name: 'Shipping & delivery', description: '', position: 0 },
    { id: 2, key: 'billing', name: 'Billing', description: '', position: 1 },
  ],
  next_cursor: null,
};

const aiByAi: TicketAi = {
  category: 'shipping',
  category_source: 'ai',
  category_confidence: 0.82,
  intent: null,
  language: 'de',
  sentiment: 'negative',
  sentiment_score: -0.6,
  urgency: 'urgent',
};

// Only the fields these components read; the rest of a ticket does not matter here.
const ticket = { id: 7, ai: aiByAi } as unknown as Ticket;

function wrap(children: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MantineProvider>{children}</MantineProvider>
    </QueryClientProvider>,
  );
}

function mockCategories() {
  return vi.spyOn(api, 'GET').mockImplementation((async (path: string) => {
    if (path === '/api/v1/ticket-categories') return ok(categories);
    throw new Error(`unexpected GET ${path}`);
  }) as unknown as typeof api.GET);
}

// Mantine's combobox scrolls the selected option into view; jsdom has no layout.
beforeAll(() => {
  Element.prototype.scrollIntoView = () => {};
});
afterEach(() => vi.restoreAllMocks());

describe('TicketAiProperties', () => {
  it("says the AI chose the category and how sure it was, and an agent's pick corrects it through the API", async () => {
    mockCategories();
    const corrected = { ...ticket, ai: { ...aiByAi, category: 'billing', category_source: 'agent', category_confidence: null } };
    const put = vi.spyOn(api, 'PUT').mockImplementation((async () => ok(corrected)) as unknown as typeof api.PUT);
    const onTicketChange = vi.fn();
    const user = userEvent.setup();
    wrap(<TicketAiProperties ticket={ticket} onTicketChange={onTicketChange} />);

    expect(screen.getByTestId('category-source')).toHaveTextContent('Set by AI (82%)');
    const select = screen.getByLabelText('Category', { selector: 'input' });
    await waitFor(() => expect(select).toHaveValue('Shipping & delivery'));
    await user.click(select);
    await user.click(await screen.findByRole('option', { name: 'Billing', hidden: true }));

    await waitFor(() => expect(put).toHaveBeenCalledTimes(1));
    expect(put).toHaveBeenCalledWith('/api/v1/tickets/{id}/category', { params: { path: { id: 7 } }, body: { category: 'billing' } });
    await waitFor(() => expect(onTicketChange).toHaveBeenCalledWith(corrected));
  });

  it("confirms the AI's category in one click, and says so once an agent set it", async () => {
    mockCategories();
    const put = vi.spyOn(api, 'PUT').mockImplementation((async () => ok(ticket)) as unknown as typeof api.PUT);
    const user = userEvent.setup();
    const { unmount } = wrap(<TicketAiProperties ticket={ticket} />);
    await user.click(screen.getByRole('button', { name: "Confirm the AI's category" }));
    await waitFor(() => expect(put).toHaveBeenCalledWith('/api/v1/tickets/{id}/category', expect.objectContaining({ body: { category: 'shipping' } })));
    unmount();

    wrap(<TicketAiProperties ticket={{ ...ticket, ai: { ...aiByAi, category_source: 'agent' } }} />);
    expect(screen.getByTestId('category-source')).toHaveTextContent('Set by agent');
    expect(screen.queryByRole('button', { name: "Confirm the AI's category" })).not.toBeInTheDocument();
  });

  it('shows language, sentiment and urgency with its reasons in words', () => {
    mockCategories();
    const triage = parseTriage({ urgency: 'urgent', urgency_reasons: ['threatens escalation', 'waiting long'], entities: { order_numbers: ['W1234'] } });
    wrap(<TicketAiProperties ticket={ticket} triage={triage} />);
    expect(screen.getByTestId('ticket-ai-signals')).toHaveTextContent('German (de)');
    expect(screen.getByTestId('ticket-sentiment')).toHaveTextContent('Negative sentiment');
    expect(screen.getByTestId('ticket-urgency')).toHaveTextContent('Urgency: urgent (threatens escalation, waiting long)');
    expect(screen.getByTestId('ticket-ai-entities')).toHaveTextContent('Orders: W1234');
  });
});

describe('TicketAiBadges', () => {
  it('names the category, marks it as the AI’s, and gives sentiment and urgency in words', async () => {
    mockCategories();
    wrap(<TicketAiBadges ai={aiByAi} />);
    await waitFor(() => expect(screen.getByTestId('category-badge')).toHaveTextContent('Category: Shipping & delivery · AI, set by AI (82%)'));
    expect(screen.getByRole('img', { name: 'Sentiment: negative' })).toBeInTheDocument();
    expect(screen.getByTestId('urgency-badge')).toHaveTextContent('Urgency: ⚡ urgent');
  });

  it('shows no urgency below high and nothing without an analysis', () => {
    mockCategories();
    const { container } = wrap(<TicketAiBadges ai={{ ...aiByAi, urgency: 'normal', sentiment: null }} />);
    expect(screen.queryByTestId('urgency-badge')).not.toBeInTheDocument();
    expect(screen.queryByTestId('sentiment-mark')).not.toBeInTheDocument();
    container.remove();
    wrap(<TicketAiBadges ai={null} />);
    expect(screen.queryByTestId('ticket-ai-badges')).not.toBeInTheDocument();
  });
});

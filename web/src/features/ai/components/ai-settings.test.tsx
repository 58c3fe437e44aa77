import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import type { AiSettings } from '../api/settings';
import { EndpointForm, isCategoryKey } from './ai-settings';

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });

const settings: AiSettings = {
  llm_base_url: 'http://127.0.0.1:11434/v1',
  llm_model: 'llama3.1:8b',
  llm_embedding_model: null,
  llm_api_key_set: true,
  monthly_token_budget: 100_000,
  tokens_used: 81_000,
  budget_period: '2026-11',
  auto_triage: true,
};

function renderForm(s: AiSettings = settings) {
  const patch = vi.spyOn(api, 'PATCH').mockImplementation((async () => ok(s)) as unknown as typeof api.PATCH);
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MantineProvider>
        <EndpointForm settings={s} />
      </MantineProvider>
    </QueryClientProvider>,
  );
  return patch;
}

afterEach(() => vi.restoreAllMocks());

describe('EndpointForm', () => {
  it('says a key is stored without ever showing one, and keeps it unless a new one is typed', async () => {
    const patch = renderForm();
    const key = screen.getByLabelText('API key');
    expect(key).toHaveValue('');
    expect(key).toHaveAttribute('type', 'password');
    expect(screen.getByTestId('llm-key-state')).toHaveTextContent('A key is stored');
    expect(screen.getByTestId('token-usage')).toHaveTextContent('81,000 tokens used in 2026-11 of 100,000');

    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(patch).toHaveBeenCalledTimes(1));
    const first = patch.mock.calls[0]![1] as { body: Record<string, unknown> };
    expect(first.body).not.toHaveProperty('llm_api_key');
    expect(first.body).toMatchObject({ llm_base_url: 'http://127.0.0.1:11434/v1', llm_embedding_model: null, monthly_token_budget: 100_000 });

    await userEvent.type(key, 'sk-secret');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(patch).toHaveBeenCalledTimes(2));
    expect((patch.mock.calls[1]![1] as { body: Record<string, unknown> }).body).toMatchObject({ llm_api_key: 'sk-secret' });
    // Once saved, the typed key leaves the page.
    await waitFor(() => expect(key).toHaveValue(''));
  });

  it('offers no key removal when none is stored', () => {
    renderForm({ ...settings, llm_api_key_set: false, monthly_token_budget: 0 });
    expect(screen.getByTestId('llm-key-state')).toHaveTextContent('No key is stored');
    expect(screen.queryByRole('button', { name: 'Remove stored key' })).not.toBeInTheDocument();
    expect(screen.getByTestId('token-usage')).toHaveTextContent('(no limit)');
  });
});

describe('isCategoryKey', () => {
  it('accepts what the server accepts', () => {
    expect(isCategoryKey('shipping')).toBe(true);
    expect(isCategoryKey('returns_eu-2')).toBe(true);
    expect(isCategoryKey('2fast')).toBe(false);
    expect(isCategoryKey('Shipping')).toBe(false);
    expect(isCategoryKey('a'.repeat(41))).toBe(false);
  });
});

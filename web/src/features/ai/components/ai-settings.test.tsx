import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import type { AiSettings } from '../api/settings';
import { ChatbotForm, EndpointForm, isCategoryKey, isChatbotName } from './ai-settings';

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
  chatbot_enabled: false,
  chatbot_name: 'Ava',
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

function renderChatbot(answer: (body: Record<string, unknown>) => { data?: unknown; error?: unknown; response: Response }) {
  const patch = vi
    .spyOn(api, 'PATCH')
    .mockImplementation((async (_path: string, init: { body: Record<string, unknown> }) => answer(init.body)) as unknown as typeof api.PATCH);
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MantineProvider>
        <ChatbotForm settings={settings} />
      </MantineProvider>
    </QueryClientProvider>,
  );
  return patch;
}

describe('ChatbotForm', () => {
  it('turns the chatbot on under a new name with one PATCH', async () => {
    const patch = renderChatbot((body) => ok({ ...settings, ...body }));
    const toggle = screen.getByRole('switch', { name: 'Answer new chats with the chatbot' });
    expect(toggle).not.toBeChecked();
    const name = screen.getByRole('textbox', { name: /Chatbot name/ });
    expect(name).toHaveValue('Ava');

    await userEvent.click(toggle);
    await userEvent.clear(name);
    await userEvent.type(name, '  Everline Assistant ');
    await userEvent.click(screen.getByRole('button', { name: 'Save chatbot' }));

    await waitFor(() => expect(patch).toHaveBeenCalledTimes(1));
    expect(patch.mock.calls[0]![0]).toBe('/api/v1/ai/settings');
    expect((patch.mock.calls[0]![1] as { body: unknown }).body).toEqual({ chatbot_enabled: true, chatbot_name: 'Everline Assistant' });
  });

  it("shows the server's 422 on the name field", async () => {
    const problem = { type: 'about:blank', title: 'Invalid', status: 422, detail: 'Some fields are invalid', code: 'validation_failed', errors: [{ pointer: '/chatbot_name', detail: 'must not contain line breaks or control characters' }] };
    renderChatbot(() => ({ error: problem, response: new Response(null, { status: 422 }) }));
    await userEvent.click(screen.getByRole('button', { name: 'Save chatbot' }));
    const name = screen.getByRole('textbox', { name: /Chatbot name/ });
    await waitFor(() => expect(name).toHaveAccessibleDescription(/must not contain line breaks or control characters/));
    expect(name).toHaveAttribute('aria-invalid', 'true');
  });

  it('does not send an empty name', async () => {
    const patch = renderChatbot((body) => ok({ ...settings, ...body }));
    await userEvent.clear(screen.getByRole('textbox', { name: /Chatbot name/ }));
    expect(screen.getByRole('button', { name: 'Save chatbot' })).toBeDisabled();
    expect(patch).not.toHaveBeenCalled();
    expect(isChatbotName('   ')).toBe(false);
    expect(isChatbotName('a'.repeat(60))).toBe(true);
    expect(isChatbotName('a'.repeat(61))).toBe(false);
  });
});

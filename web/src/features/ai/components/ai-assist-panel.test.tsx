import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import type { Suggestion } from '../api/assist';
import { AiAssistPanel, type AiAssistPanelProps, type ReplyAccess } from './ai-assist-panel';

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });
const problem = (status: number, body: unknown) => ({ error: body, response: new Response(null, { status }) });

const suggestion: Suggestion = {
  id: 31,
  kind: 'reply',
  text: 'Hi Ana,\n\n<b>Your order</b> <img src=x onerror="alert(1)"> ships today.',
  bullets: [],
  citations: [
    { kind: 'article', id: '3', title: 'Shipping times', url: '/help/en/articles/3', score: 0.71 },
    { kind: 'macro', id: '9', title: 'Bad link', url: 'javascript:alert(1)', score: 0.4 },
  ],
  confidence: 0.71,
  provenance: { engine: 'builtin', model: 'builtin-reply-v1', prompt_version: null },
  outcome: 'shown',
  created_at: '2026-11-02T10:00:00Z',
};

/** A streamed answer the test feeds event by event (`send`), then ends (`end`). */
function sseStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    send: (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    end: () => controller.close(),
  };
}

/** The streaming endpoint answers at once with the whole suggestion (the built-in engine's way). */
function streamAnswering(s: Suggestion) {
  const stream = sseStream();
  stream.send('done', s);
  stream.end();
  return stream.response;
}

function setup(props: Partial<AiAssistPanelProps> = {}, fetchStream: () => Response = () => streamAnswering(suggestion)) {
  const reply: ReplyAccess = { insert: vi.fn(), replace: vi.fn(), draftText: vi.fn(() => '') };
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input) === '/api/v1/tickets/7/ai/reply/stream' && init?.method === 'POST') return fetchStream();
    throw new Error(`unexpected fetch ${String(input)}`);
  });
  vi.stubGlobal('fetch', fetchMock);
  const post = vi.spyOn(api, 'POST').mockImplementation((async (path: string) => {
    if (path === '/api/v1/tickets/{id}/ai/reply') return ok(suggestion);
    if (path === '/api/v1/tickets/{id}/ai/translate') return problem(409, { code: 'llm_not_configured', title: 'Conflict', status: 409 });
    throw new Error(`unexpected POST ${path}`);
  }) as unknown as typeof api.POST);
  const put = vi.spyOn(api, 'PUT').mockImplementation((async () => ok(suggestion)) as unknown as typeof api.PUT);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const ui = (p: Partial<AiAssistPanelProps>) => (
    <QueryClientProvider client={client}>
      <MantineProvider>
        <AiAssistPanel ticketId={7} language="en" reply={reply} {...props} {...p} />
      </MantineProvider>
    </QueryClientProvider>
  );
  const view = render(ui({}));
  return { reply, post, put, fetchMock, rerender: (p: Partial<AiAssistPanelProps>) => view.rerender(ui(p)) };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('AiAssistPanel', () => {
  it('shows the reply as the model writes it, as text, then the finished suggestion', async () => {
    const stream = sseStream();
    setup({}, () => stream.response);
    await userEvent.click(screen.getByRole('button', { name: 'Suggest reply' }));
    stream.send('delta', { text: 'Hi Ana, <b>your' });
    const live = await screen.findByTestId('ai-reply-streaming');
    await waitFor(() => expect(live).toHaveTextContent('Hi Ana, <b>your'));
    expect(live.querySelector('b')).toBeNull();
    stream.send('delta', { text: 'Hi Ana, <b>your order</b> ships today.' });
    await waitFor(() => expect(screen.getByTestId('ai-reply-streaming')).toHaveTextContent('ships today.'));
    expect(screen.queryByRole('textbox', { name: 'Suggested reply' })).not.toBeInTheDocument();
    stream.send('done', { ...suggestion, provenance: { engine: 'llm', model: 'llama3', prompt_version: 'suggest_reply@1' } });
    stream.end();
    expect(await screen.findByRole('textbox', { name: 'Suggested reply' })).toHaveValue(suggestion.text);
    expect(screen.queryByTestId('ai-reply-streaming')).not.toBeInTheDocument();
  });

  it('shows the problem a stream ends with', async () => {
    const stream = sseStream();
    setup({}, () => stream.response);
    await userEvent.click(screen.getByRole('button', { name: 'Suggest reply' }));
    stream.send('error', { status: 502, code: 'ai_unavailable', title: 'Bad Gateway', detail: 'the AI endpoint is not reachable' });
    stream.end();
    expect(await screen.findByText(/the AI endpoint is not reachable/)).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'Suggested reply' })).not.toBeInTheDocument();
  });

  it('shows a suggestion with markup as text, and links only safe sources, in a new tab', async () => {
    setup();
    await userEvent.click(screen.getByRole('button', { name: 'Suggest reply' }));
    const text = await screen.findByRole('textbox', { name: 'Suggested reply' });
    expect(text).toHaveValue(suggestion.text);
    const panel = screen.getByTestId('ai-assist');
    expect(panel.querySelector('b, img')).toBeNull();

    const link = screen.getByRole('link', { name: 'Shipping times' });
    expect(link).toHaveAttribute('href', '/help/en/articles/3');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link.getAttribute('rel')).toContain('noopener');
    expect(screen.getByText('Bad link').closest('a')).toBeNull();
    expect(screen.getByTestId('ai-provenance')).toHaveTextContent('Built-in engine · builtin-reply-v1 · 71% match');
  });

  it('inserts the suggestion escaped, reports it accepted, then edited with what was sent', async () => {
    const { reply, put, rerender } = setup();
    await userEvent.click(screen.getByRole('button', { name: 'Suggest reply' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Insert into reply' }));

    expect(reply.insert).toHaveBeenCalledWith(
      '<p>Hi Ana,</p><p>&lt;b&gt;Your order&lt;/b&gt; &lt;img src=x onerror=&quot;alert(1)&quot;&gt; ships today.</p>',
    );
    await waitFor(() =>
      expect(put).toHaveBeenCalledWith('/api/v1/ai/suggestions/{id}/outcome', { params: { path: { id: 31 } }, body: { outcome: 'accepted' } }),
    );
    expect(screen.queryByRole('textbox', { name: 'Suggested reply' })).not.toBeInTheDocument();

    rerender({ lastSent: { id: 501, html: '<p>Hi Ana,</p><p>It ships today.</p>', internal: false } });
    await waitFor(() =>
      expect(put).toHaveBeenLastCalledWith('/api/v1/ai/suggestions/{id}/outcome', {
        params: { path: { id: 31 } },
        body: { outcome: 'edited', final_text: 'Hi Ana,\n\nIt ships today.', message_id: 501 },
      }),
    );
  });

  it('reports a dismissed suggestion as rejected', async () => {
    const { put, reply } = setup();
    await userEvent.click(screen.getByRole('button', { name: 'Suggest reply' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Dismiss' }));
    await waitFor(() =>
      expect(put).toHaveBeenCalledWith('/api/v1/ai/suggestions/{id}/outcome', { params: { path: { id: 31 } }, body: { outcome: 'rejected' } }),
    );
    expect(reply.insert).not.toHaveBeenCalled();
  });

  it('translates the draft and explains kindly when no language model is connected', async () => {
    const { post, reply } = setup();
    vi.mocked(reply.draftText).mockReturnValue('Your parcel left today.');
    await userEvent.click(screen.getByRole('button', { name: 'Translate draft' }));
    await waitFor(() =>
      expect(post).toHaveBeenCalledWith('/api/v1/tickets/{id}/ai/translate', {
        params: { path: { id: 7 } },
        body: { text: 'Your parcel left today.', target: 'en' },
      }),
    );
    const note = await screen.findByRole('alert');
    expect(note).toHaveTextContent('Translation needs a language model');
    expect(note).toHaveTextContent('Settings → AI');
  });
});

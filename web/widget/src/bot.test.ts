import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { suggestionsCard, type Suggestion } from './bot';
import { translator } from './i18n';
import { Widget } from './widget';

const XSS = '<img src=x onerror="window.__xss=1">';

const config = {
  workspace: 'demo',
  name: 'Everline Shop',
  color: '#1f6feb',
  text_color: '#ffffff',
  position: 'right',
  locale: 'en',
  locales: ['en'],
  greeting: 'Hi there',
  // Nobody online and "leave a message" otherwise: the chatbot keeps chat open.
  agents_online: false,
  offline_mode: 'message',
  require_identity: false,
  max_file_bytes: 1_000_000,
  file_types: [],
  allowed_origins: [],
  bot_name: 'Ava',
};

const conversation = (handler: 'bot' | 'human') => ({
  id: 5,
  number: 1005,
  subject: 'How do I return an item?',
  kind: 'chat',
  status: 'open',
  handler,
  unread: 0,
  created_at: '2026-11-21T10:00:00Z',
  updated_at: '2026-11-21T10:01:00Z',
});

const message = (id: number, participant: string, author_name: string, text: string) => ({
  id,
  conversation_id: 5,
  participant,
  author_name,
  text,
  attachments: [],
  created_at: '2026-11-21T10:00:00Z',
});

const suggestions: Suggestion[] = [
  { kind: 'article', id: 12, title: 'Returning an item', url: 'https://crm.test/help/articles/12', excerpt: 'Send it back within 30 days.', reason: 'About your order #W102' },
  { kind: 'tutorial', id: 3, title: `Parcel check ${XSS}`, url: null, excerpt: '', reason: 'About your order #W103' },
];

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

interface Options {
  handler: 'bot' | 'human';
  botText?: string;
  /** The bot's message states a change and waits for a yes. */
  asks?: boolean;
  configOverride?: Record<string, unknown>;
}

/** The widget API as the tests need it; records every call. */
function fakeServer(opts: Options) {
  let handler = opts.handler;
  const cfg = { ...config, ...opts.configOverride };
  const calls: { method: string; path: string; body?: unknown }[] = [];
  const messages: (ReturnType<typeof message> & { asks_confirmation?: boolean })[] = [
    message(1, 'visitor', 'You', 'How do I return an item?'),
    { ...message(2, 'bot', 'Ava', opts.botText ?? 'Read more: https://crm.test/help/articles/12-returning-an-item?lang=en&workspace=demo'), asks_confirmation: opts.asks ?? false },
  ];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    calls.push({ method, path: url.pathname, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    switch (`${method} ${url.pathname}`) {
      case 'GET /api/v1/widget/config':
        return json(cfg);
      case 'POST /api/v1/widget/session':
        return json({ token: 'vt1.t', expires_at: '2030-01-01T00:00:00Z', visitor: { id: 'v1', identified: true }, config: cfg });
      case 'GET /api/v1/widget/conversations':
        return json({ data: [conversation(handler)] });
      case 'GET /api/v1/widget/conversations/5/messages':
        return json({ data: messages });
      case 'POST /api/v1/widget/conversations/5/messages': {
        const body = JSON.parse(String(init?.body)) as { body: string; client_id: string };
        const sent = { ...message(messages.length + 1, 'visitor', 'You', body.body), client_id: body.client_id };
        messages.push(sent);
        return json(sent, 201);
      }
      case 'POST /api/v1/widget/conversations/5/handoff':
        handler = 'human';
        messages.push(message(3, 'bot', 'Ava', 'I am passing you to our team.'));
        return json(conversation('human'));
      case 'GET /api/v1/widget/suggestions':
        return json({ data: suggestions });
      case 'GET /api/v1/help/articles/12':
        return json({ title: 'Returning an item', body_html: '<p>Send it back within 30 days.</p>' });
      default:
        return json({ code: 'not_found' }, 404);
    }
  });
  return { fetchMock, calls };
}

async function openWidget(opts: Options) {
  const server = fakeServer(opts);
  vi.stubGlobal('fetch', server.fetchMock);
  const host = document.createElement('div');
  document.body.append(host);
  const widget = new Widget('https://crm.test', 'demo', 'en', host);
  expect(await widget.boot()).toBe(true);
  widget.show();
  const shadow = host.shadowRoot;
  if (!shadow) throw new Error('no shadow root');
  await vi.waitFor(() => expect(server.calls.some((c) => c.path === '/api/v1/widget/conversations')).toBe(true));
  return { ...server, widget, shadow };
}

/** Opens the visitor's conversation from the Messages tab. */
async function openConversation(shadow: ShadowRoot) {
  const tab = [...shadow.querySelectorAll<HTMLButtonElement>('[role="tab"]')].find((b) => b.textContent?.startsWith('Messages'));
  tab?.click();
  const item = await vi.waitFor(() => {
    const b = [...shadow.querySelectorAll<HTMLButtonElement>('.item')].find((x) => x.textContent?.includes('How do I return an item?'));
    if (!b) throw new Error('no conversation listed');
    return b;
  });
  item.click();
  await vi.waitFor(() => expect(shadow.querySelectorAll('.msg.bot')).not.toHaveLength(0));
}

const talkButton = (shadow: ShadowRoot) =>
  [...shadow.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent === 'Talk to a person') ?? null;

beforeEach(() => localStorage.clear());
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.replaceChildren();
  delete (window as { __xss?: unknown }).__xss;
});

describe('the chatbot in the widget', () => {
  it('offers a chat, not "leave a message", when the chatbot answers and nobody is online', async () => {
    const { shadow } = await openWidget({ handler: 'bot' });
    const buttons = [...shadow.querySelectorAll('button')].map((b) => b.textContent);
    expect(buttons).toContain('Chat with us');
    expect(buttons).not.toContain('Send us a message');
    expect(shadow.textContent).toContain('Our assistant Ava answers right away');
  });

  it('still sends visitors to "leave a message" without a chatbot when nobody is online', async () => {
    const { shadow } = await openWidget({ handler: 'human', configOverride: { bot_name: null } });
    const buttons = [...shadow.querySelectorAll('button')].map((b) => b.textContent);
    expect(buttons).toContain('Send us a message');
    expect(buttons).not.toContain('Chat with us');
  });

  it("marks the bot's messages, shows markup as text and links only http(s) URLs", async () => {
    const botText = `Hi ${XSS} Read more: http://crm.test/help/articles/12-returning-an-item?lang=en&workspace=demo or javascript:alert(1) or data:text/html,x`;
    const { shadow } = await openWidget({ handler: 'bot', botText });
    await openConversation(shadow);

    const bot = shadow.querySelector<HTMLElement>('.msg.bot');
    if (!bot) throw new Error('no bot message');
    const who = bot.querySelector('.who');
    expect(who?.textContent).toBe('Ava AI (automated assistant)');
    expect(who?.querySelector('.tag')?.getAttribute('aria-hidden')).toBe('true');
    expect(who?.querySelector('.sr-only')?.textContent).toBe(' (automated assistant)');
    // The visitor's own message is not marked as the bot's.
    expect(shadow.querySelectorAll('.msg.bot')).toHaveLength(1);
    expect(shadow.querySelector('.msg.mine')?.classList.contains('bot')).toBe(false);

    const bubble = bot.querySelector('.bubble');
    expect(bubble?.textContent).toBe(botText);
    expect(bubble?.querySelector('img')).toBeNull();
    const links = [...(bubble?.querySelectorAll('a') ?? [])];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['http://crm.test/help/articles/12-returning-an-item?lang=en&workspace=demo']);
    expect(links[0]?.getAttribute('target')).toBe('_blank');
    expect(links[0]?.getAttribute('rel')).toContain('noopener noreferrer');
    expect(shadow.querySelector('a[href^="javascript"], a[href^="data"], [onerror]')).toBeNull();
    expect((window as { __xss?: unknown }).__xss).toBeUndefined();
  });

  it('offers "Talk to a person" while the bot handles the chat, hands it over and then hides it', async () => {
    const { shadow, calls } = await openWidget({ handler: 'bot' });
    await openConversation(shadow);
    expect(shadow.textContent).toContain('You are chatting with Ava, our automated assistant.');
    const button = talkButton(shadow);
    if (!button) throw new Error('no hand-off button');
    button.click();
    await vi.waitFor(() => expect(talkButton(shadow)).toBeNull());
    expect(calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/widget/conversations/5/handoff')).toHaveLength(1);
    // The bot's hand-off message is there without waiting for the stream.
    await vi.waitFor(() => expect(shadow.querySelector('[role="log"]')?.textContent).toContain('I am passing you to our team.'));
  });

  it('offers no hand-off when the team handles the chat', async () => {
    const { shadow, calls } = await openWidget({ handler: 'human' });
    await openConversation(shadow);
    expect(talkButton(shadow)).toBeNull();
    expect(calls.some((c) => c.path.endsWith('/handoff'))).toBe(false);
  });
});

/** Plays an event of the visitor's stream to the widget. */
function stream(widget: Widget, event: string, data: unknown) {
  (widget as unknown as { onStreamEvent(e: { event: string; data: unknown }): void }).onStreamEvent({ event, data });
}

describe("the bot's answer as it is written", () => {
  it('shows the draft as plain text, grows it in place and gives way to the stored message', async () => {
    const { shadow, widget } = await openWidget({ handler: 'bot' });
    await openConversation(shadow);
    stream(widget, 'draft', { conversation_id: 5, name: 'Ava', text: `Your parcel ${XSS}` });
    const first = await vi.waitFor(() => {
      const d = shadow.querySelector<HTMLElement>('.msg.draft');
      if (!d) throw new Error('no draft');
      return d;
    });
    expect(first.getAttribute('aria-busy')).toBe('true');
    expect(first.querySelector('.bubble')?.textContent).toBe(`Your parcel ${XSS}`);
    expect(first.querySelector('img')).toBeNull();
    stream(widget, 'draft', { conversation_id: 5, name: 'Ava', text: 'Your parcel left today.' });
    expect(shadow.querySelectorAll('.msg.draft')).toHaveLength(1);
    expect(shadow.querySelector('.msg.draft .bubble')?.textContent).toBe('Your parcel left today.');
    // Another conversation's draft does not show here.
    stream(widget, 'draft', { conversation_id: 9, name: 'Ava', text: 'Elsewhere' });
    expect(shadow.querySelector('.msg.draft .bubble')?.textContent).toBe('Your parcel left today.');

    stream(widget, 'message', message(3, 'bot', 'Ava', 'Your parcel left today. Tracking: https://track.test/1'));
    expect(shadow.querySelector('.msg.draft')).toBeNull();
    const bots = [...shadow.querySelectorAll('.msg.bot .bubble')].map((b) => b.textContent);
    expect(bots[bots.length - 1]).toBe('Your parcel left today. Tracking: https://track.test/1');
    expect((window as { __xss?: unknown }).__xss).toBeUndefined();
  });

  it('offers Yes and No under a question that states a change, sends the answer and then hides them', async () => {
    const { shadow, calls } = await openWidget({ handler: 'bot', asks: true, botText: 'I will cancel order #W1. Shall I go ahead?' });
    await openConversation(shadow);
    const bar = await vi.waitFor(() => {
      const b = shadow.querySelector<HTMLElement>('[role="group"][aria-label="Quick replies"]');
      if (!b) throw new Error('no quick replies');
      return b;
    });
    const yes = bar.querySelector<HTMLButtonElement>('[data-reply="yes"]');
    expect([...bar.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Yes', 'No']);
    yes?.click();
    await vi.waitFor(() => expect(calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/widget/conversations/5/messages')).toHaveLength(1));
    const sent = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/widget/conversations/5/messages');
    expect((sent?.body as { body: string }).body).toBe('Yes');
    await vi.waitFor(() => expect(shadow.querySelector('[aria-label="Quick replies"]')).toBeNull());
  });

  it('offers no quick replies under an ordinary answer or once the team has the chat', async () => {
    const ordinary = await openWidget({ handler: 'bot' });
    await openConversation(ordinary.shadow);
    expect(ordinary.shadow.querySelector('[aria-label="Quick replies"]')).toBeNull();
    document.body.replaceChildren();
    const human = await openWidget({ handler: 'human', asks: true });
    await openConversation(human.shadow);
    expect(human.shadow.querySelector('[aria-label="Quick replies"]')).toBeNull();
  });
});

describe('suggested for you', () => {
  it('lists the suggestions with their reasons on the home panel and opens an article like a search result', async () => {
    const { shadow, calls } = await openWidget({ handler: 'human' });
    const card = await vi.waitFor(() => {
      const c = shadow.querySelector<HTMLElement>('section[aria-label="Suggested for you"]');
      if (!c) throw new Error('no suggestions yet');
      return c;
    });
    const items = [...card.querySelectorAll('li button')];
    expect(items.map((b) => b.querySelector('.title')?.textContent)).toEqual(['Returning an item', `Parcel check ${XSS}`]);
    expect(items.map((b) => b.querySelector('.reason')?.textContent)).toEqual(['About your order #W102', 'About your order #W103']);
    expect(card.querySelector('img')).toBeNull();
    // Fetched with the visitor token, after the session opened.
    const sessionAt = calls.findIndex((c) => c.path === '/api/v1/widget/session');
    const suggestionsAt = calls.findIndex((c) => c.path === '/api/v1/widget/suggestions');
    expect(sessionAt).toBeGreaterThanOrEqual(0);
    expect(suggestionsAt).toBeGreaterThan(sessionAt);

    (items[0] as HTMLButtonElement).click();
    await vi.waitFor(() => expect(shadow.querySelector('article h3')?.textContent).toBe('Returning an item'));
    expect(shadow.querySelector('article .content')?.textContent).toBe('Send it back within 30 days.');
  });

  it('renders nothing for an empty list', () => {
    expect(suggestionsCard([], translator('en'), () => {})).toBeNull();
    const de = suggestionsCard(suggestions.slice(0, 1), translator('de'), () => {});
    expect(de?.getAttribute('aria-label')).toBe('Für Sie vorgeschlagen');
  });
});

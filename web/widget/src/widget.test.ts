import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerPanel } from './registry';
import { Widget } from './widget';

const config = {
  workspace: 'demo',
  name: 'Everline Shop',
  color: '#1f6feb',
  text_color: '#ffffff',
  position: 'right',
  locale: 'en',
  locales: ['en', 'de'],
  greeting: 'Hi there',
  agents_online: true,
  offline_mode: 'message',
  require_identity: false,
  max_file_bytes: 1_000_000,
  file_types: [],
  allowed_origins: [],
};

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A server whose session answer waits until the test releases it. */
function fakeServer() {
  let release: () => void = () => {};
  const sessionGate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const searches: string[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    switch (url.pathname) {
      case '/api/v1/widget/config':
        return json(config);
      case '/api/v1/widget/session':
        await sessionGate;
        return json({
          token: 'visitor-token',
          expires_at: '2030-01-01T00:00:00Z',
          visitor: { id: 'v1', identified: false },
          config,
        });
      case '/api/v1/widget/conversations':
        return json({ data: [] });
      case '/api/v1/help/search':
        searches.push(url.searchParams.get('q') ?? '');
        return json([{ id: 7, title: 'Where is my quokka parcel?', snippet_html: 'Parcels <mark>arrive</mark>' }]);
      default:
        // The event stream and anything else: not available in this test.
        return json({ code: 'not_found' }, 404);
    }
  });
  return { fetchMock, release: () => release(), searches };
}

describe('the home panel search', () => {
  beforeEach(() => {
    localStorage.clear();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.replaceChildren();
  });

  it('keeps the query and its results when the session opens while the visitor is searching', async () => {
    const server = fakeServer();
    vi.stubGlobal('fetch', server.fetchMock);
    const host = document.createElement('div');
    document.body.append(host);
    const widget = new Widget('https://crm.test', 'demo', 'en', host);
    expect(await widget.boot()).toBe(true);
    widget.show(); // starts opening the session, which waits at the gate

    const shadow = host.shadowRoot;
    if (!shadow) throw new Error('no shadow root');
    const input = shadow.querySelector<HTMLInputElement>('form[role="search"] input');
    if (!input) throw new Error('no search box');
    input.value = 'quokka';
    input.dispatchEvent(new Event('input'));
    await vi.waitFor(() => expect(shadow.querySelectorAll('form[role="search"] li button')).toHaveLength(1));

    // The session arrives with the settings again, and the panel redraws.
    server.release();
    await vi.waitFor(() => expect(server.fetchMock.mock.calls.some(([u]) => String(u).includes('/widget/conversations'))).toBe(true));
    await new Promise((r) => setTimeout(r, 10));

    const after = shadow.querySelector<HTMLInputElement>('form[role="search"] input');
    expect(after?.value).toBe('quokka');
    const results = shadow.querySelectorAll('form[role="search"] li button .title');
    expect([...results].map((e) => e.textContent)).toEqual(['Where is my quokka parcel?']);
    expect(server.searches).toEqual(['quokka']);
  });

  it('re-runs the query in the new language when the visitor switches language', async () => {
    const server = fakeServer();
    server.release();
    vi.stubGlobal('fetch', server.fetchMock);
    const host = document.createElement('div');
    document.body.append(host);
    const widget = new Widget('https://crm.test', 'demo', 'en', host);
    expect(await widget.boot()).toBe(true);
    widget.show();
    const shadow = host.shadowRoot;
    if (!shadow) throw new Error('no shadow root');
    const input = shadow.querySelector<HTMLInputElement>('form[role="search"] input');
    if (!input) throw new Error('no search box');
    input.value = 'paket';
    input.dispatchEvent(new Event('input'));
    await vi.waitFor(() => expect(server.searches).toEqual(['paket']));

    widget.command('setLocale', 'de');
    await vi.waitFor(() => expect(shadow.querySelector<HTMLInputElement>('form[role="search"] input')?.getAttribute('aria-label')).toBe('Hilfe-Center durchsuchen'));
    expect(shadow.querySelector<HTMLInputElement>('form[role="search"] input')?.value).toBe('paket');
    await vi.waitFor(() => expect(server.searches).toEqual(['paket', 'paket']));
    const last = server.fetchMock.mock.calls.map(([u]) => new URL(String(u))).filter((u) => u.pathname === '/api/v1/help/search').pop();
    expect(last?.searchParams.get('locale')).toBe('de');
  });
});

describe('a panel opened before the session', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.replaceChildren();
  });

  it('is not drawn again (a tutorial run would restart) when the session opens under it', async () => {
    let renders = 0;
    registerPanel({
      id: 'test-counter',
      title: () => 'Counter',
      render: (ctx) => {
        renders += 1;
        const el = document.createElement('p');
        el.textContent = `${ctx.t('back')} ${renders}`;
        return el;
      },
    });
    const server = fakeServer();
    vi.stubGlobal('fetch', server.fetchMock);
    const host = document.createElement('div');
    document.body.append(host);
    const widget = new Widget('https://crm.test', 'demo', 'en', host);
    expect(await widget.boot()).toBe(true);
    widget.show();
    (widget as unknown as { go(v: unknown): void }).go({ kind: 'panel', id: 'test-counter' });
    expect(renders).toBe(1);

    server.release();
    await vi.waitFor(() => expect(server.fetchMock.mock.calls.some(([u]) => String(u).includes('/widget/conversations'))).toBe(true));
    await new Promise((r) => setTimeout(r, 10));
    expect(renders).toBe(1);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { panel, sectionsInOrder, type WidgetContext } from '../registry';
import './tutorials';

const ctx = (startChat = vi.fn()): WidgetContext => ({
  server: 'https://crm.test',
  workspace: 'demo',
  locale: 'en',
  t: ((k: string) => k) as unknown as WidgetContext['t'],
  token: () => 'vt1.token',
  openPanel: vi.fn(),
  home: vi.fn(),
  startChat,
  on: () => () => {},
});

const json = (status: number, body: unknown) => Promise.resolve(new Response(JSON.stringify(body), { status }));
const flush = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => vi.unstubAllGlobals());

describe('the tutorials extension', () => {
  it('lists the published guides on the home panel and opens one', async () => {
    const fetch = vi.fn((_url: string) => json(200, { data: [{ id: 7, title: 'Return an item', description: '<b>x</b>' }] }));
    vi.stubGlobal('fetch', fetch);
    const c = ctx();
    const section = sectionsInOrder().map((s) => s.section(c)).find((el) => el?.getAttribute('aria-label') === 'Step-by-step guides')!;
    await flush();
    expect(section.hidden).toBe(false);
    expect(section.textContent).toContain('<b>x</b>');
    expect(fetch.mock.calls[0]![0]).toBe('https://crm.test/api/v1/help/tutorials?locale=en&workspace=demo');
    section.querySelector('button')!.click();
    expect(c.openPanel).toHaveBeenCalledWith('tutorial', expect.objectContaining({ id: 7 }));
  });

  it('walks a run to "open a ticket" and hands what the visitor told us to the chat', async () => {
    const step = { run_id: 'run_1', title: 'T', path: [], step: { key: 'a', title: 'Delivered?', content_html: '<p onclick="x()">Check</p>', choices: [{ key: 'no', label: 'No' }] } };
    const done = {
      run_id: 'run_1',
      title: 'T',
      step: null,
      path: [{ question: 'Delivered?', answer: 'No' }],
      outcome: { kind: 'open_ticket', requester: 'none', prefill: { subject: 'Late parcel', text: 'I went through…\n1. Delivered? — No\n' } },
    };
    const fetch = vi.fn((url: string, init?: RequestInit) => {
      expect((init?.headers as Record<string, string>).authorization).toBe('Bearer vt1.token');
      return url.includes('/choices') ? json(200, done) : json(201, step);
    });
    vi.stubGlobal('fetch', fetch);
    const startChat = vi.fn();
    const c = ctx(startChat);
    const box = panel('tutorial')!.render(c, { id: 7, title: 'T', description: '' });
    await flush();
    expect(box.querySelector('h3')!.textContent).toBe('Delivered?');
    expect(box.innerHTML).not.toContain('onclick');
    box.querySelector<HTMLButtonElement>('ul.list button')!.click();
    await flush();
    await flush();
    expect(box.textContent).toContain('Delivered? — No');
    expect(box.querySelector('input[type=email]')).toBeNull();
    const chat = [...box.querySelectorAll('button')].find((b) => b.textContent === 'Chat with us instead')!;
    chat.click();
    expect(startChat).toHaveBeenCalledWith('I went through…\n1. Delivered? — No\n');
  });
});

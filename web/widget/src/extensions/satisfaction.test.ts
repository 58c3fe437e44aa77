import { afterEach, describe, expect, it, vi } from 'vitest';
import { translator } from '../i18n';
import { type Conversation, footers, type WidgetContext } from '../registry';
import { footerMode, type RatingState, ratingBody, ratingFooter, rateable } from './satisfaction';

/** The stream subscriptions the footers made, to play events to. */
let listeners: { event: string; fn: (data: unknown) => void }[] = [];
const emit = (event: string, data: unknown) => {
  for (const l of [...listeners]) if (l.event === event) l.fn(data);
};

const ctx = (token: string | null = 'vt1.token'): WidgetContext => ({
  server: 'https://crm.test',
  workspace: 'demo',
  locale: 'en',
  t: translator('en'),
  token: () => token,
  openPanel: vi.fn(),
  home: vi.fn(),
  startChat: vi.fn(),
  on: (event, fn) => {
    const l = { event, fn };
    listeners.push(l);
    return () => {
      listeners = listeners.filter((x) => x !== l);
    };
  },
});

const conversation = (status: string): Conversation => ({
  id: 42,
  number: 1001,
  subject: 'Parcel',
  kind: 'chat',
  status,
  handler: 'human',
  unread: 0,
  created_at: '2026-11-21T10:00:00Z',
  updated_at: '2026-11-21T10:00:00Z',
});

const state = (over: Partial<RatingState> = {}): RatingState => ({ conversation_id: 42, token: '1-42-x', rating: null, can_rate: true, ...over });
const given = { score: 'bad' as const, comment: 'slow', rated_at: '2026-11-21T10:00:00Z', editable_until: '2026-11-28T10:00:00Z' };
const json = (status: number, body: unknown) => Promise.resolve(new Response(JSON.stringify(body), { status }));
const flush = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
  vi.unstubAllGlobals();
  listeners = [];
});

describe('the satisfaction footer', () => {
  it('is registered and only for solved or closed conversations', () => {
    expect(footers()).toContain(ratingFooter);
    expect(rateable(conversation('solved'))).toBe(true);
    expect(rateable(conversation('closed'))).toBe(true);
    expect(rateable(conversation('open'))).toBe(false);
    expect(rateable(conversation('pending'))).toBe(false);
    expect(ratingFooter(ctx(), conversation('open'))).toBeNull();
    expect(ratingFooter(ctx(null), conversation('solved'))).toBeNull();
  });

  it('shows the form first, the rating once given, the form again to change it, nothing when it cannot be rated', () => {
    expect(footerMode(state(), false)).toBe('form');
    expect(footerMode(state({ rating: given }), false)).toBe('summary');
    expect(footerMode(state({ rating: given }), true)).toBe('form');
    expect(footerMode(state({ rating: given, can_rate: false }), true)).toBe('summary');
    expect(footerMode(state({ can_rate: false }), false)).toBe('none');
  });

  it('sends the comment trimmed and leaves an empty one out', () => {
    expect(ratingBody('good', '  thanks  ')).toEqual({ score: 'good', comment: 'thanks' });
    expect(ratingBody('bad', '   ')).toEqual({ score: 'bad' });
  });

  it('rates the conversation with the visitor token and shows the rating, with markup as text', async () => {
    const fetch = vi.fn((url: string, init?: RequestInit) => {
      expect(url).toBe('https://crm.test/api/v1/widget/conversations/42/rating');
      expect((init?.headers as Record<string, string>).authorization).toBe('Bearer vt1.token');
      if (init?.method === 'PUT') {
        expect(JSON.parse(init.body as string)).toEqual({ score: 'good', comment: '<b>great</b>' });
        return json(200, state({ rating: { ...given, score: 'good', comment: '<b>great</b>' }, changeable_until: given.editable_until }));
      }
      return json(200, state());
    });
    vi.stubGlobal('fetch', fetch);
    const box = ratingFooter(ctx(), conversation('solved'))!;
    await flush();
    expect(box.hidden).toBe(false);
    const send = box.querySelector<HTMLButtonElement>('button[type=submit]')!;
    expect(send.disabled).toBe(true);
    box.querySelector<HTMLButtonElement>('[data-score=good]')!.click();
    expect(box.querySelector('[data-score=good]')!.getAttribute('aria-pressed')).toBe('true');
    box.querySelector('textarea')!.value = ' <b>great</b> ';
    box.querySelector('form')!.requestSubmit();
    await flush();
    await flush();
    expect(box.textContent).toContain('You rated this chat: Good');
    expect(box.textContent).toContain('Thanks for your feedback!');
    expect(box.querySelector('b')).toBeNull();
    expect([...box.querySelectorAll('button')].some((b) => b.textContent === 'Change rating')).toBe(true);
  });

  it('says when a rating is final and shows nothing while the chat cannot be rated', async () => {
    vi.stubGlobal('fetch', vi.fn(() => json(200, state({ rating: given, can_rate: false }))));
    const final = ratingFooter(ctx(), conversation('closed'))!;
    await flush();
    expect(final.textContent).toContain('Your rating is final.');
    expect(final.querySelector('form')).toBeNull();
    vi.stubGlobal('fetch', vi.fn(() => json(409, { code: 'ticket_not_solved' })));
    const refused = ratingFooter(ctx(), conversation('solved'))!;
    await flush();
    expect(refused.hidden).toBe(true);
  });

  it('shows a rating given elsewhere live, for its own conversation only, and stops listening once gone', async () => {
    vi.stubGlobal('fetch', vi.fn(() => json(200, state())));
    document.body.replaceChildren();
    const box = ratingFooter(ctx(), conversation('solved'))!;
    document.body.append(box);
    await flush();
    expect(box.querySelector('form')).not.toBeNull();
    emit('rating', { ...state({ rating: given }), conversation_id: 7 });
    expect(box.querySelector('form')).not.toBeNull();
    emit('rating', state({ rating: given, changeable_until: given.editable_until }));
    expect(box.querySelector('form')).toBeNull();
    expect(box.textContent).toContain('You rated this chat: Bad');
    expect(box.textContent).toContain('slow');
    box.remove();
    emit('rating', state({ rating: { ...given, score: 'good' } }));
    expect(listeners).toHaveLength(0);
    expect(box.textContent).toContain('You rated this chat: Bad');
  });
});

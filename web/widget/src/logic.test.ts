import { describe, expect, it } from 'vitest';
import { pickUiLocale, translator } from './i18n';
import {
  type ShownMessage,
  TokenStore,
  lastMessageId,
  memoryStorage,
  mergeMessages,
  newClientId,
  originAllowed,
  parseSse,
  splitLinks,
} from './logic';

function msg(id: number, extra: Partial<ShownMessage> = {}): ShownMessage {
  return {
    id,
    conversation_id: 1,
    participant: 'agent',
    author_name: 'Anna',
    text: `m${id}`,
    attachments: [],
    created_at: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

describe('mergeMessages', () => {
  it('keeps one copy per id in server order whatever arrives twice or out of order', () => {
    const merged = mergeMessages([msg(1), msg(3)], [msg(2), msg(3), msg(1)]);
    expect(merged.map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it('replaces the pending message with the server copy of the same client id', () => {
    const pending = msg(Number.MAX_SAFE_INTEGER, { participant: 'visitor', client_id: 'c1', state: 'pending' });
    const merged = mergeMessages([msg(1), pending], [msg(2, { participant: 'visitor', client_id: 'c1' })]);
    expect(merged.map((m) => [m.id, m.state])).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
    expect(lastMessageId(merged)).toBe(2);
  });

  it('keeps pending messages last and ignores them for catching up', () => {
    const pending = msg(Number.MAX_SAFE_INTEGER, { client_id: 'c2', state: 'failed' });
    const merged = mergeMessages([pending], [msg(5)]);
    expect(merged.map((m) => m.state ?? 'sent')).toEqual(['sent', 'failed']);
    expect(lastMessageId(merged)).toBe(5);
  });
});

describe('TokenStore', () => {
  it('returns a stored token until it expires, then forgets it', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const storage = memoryStorage();
    const store = new TokenStore('https://crm.test', 'demo', storage, () => now);
    store.set({ token: 'vt1.1.a.1.x', expires_at: '2026-01-31T00:00:00Z' });
    expect(store.get()).toBe('vt1.1.a.1.x');
    now = Date.parse('2026-02-01T00:00:00Z');
    expect(store.get()).toBeNull();
    expect(storage.getItem('autocrm:https://crm.test:demo:visitor')).toBeNull();
  });

  it('keeps tokens of different workspaces apart and survives garbage', () => {
    const storage = memoryStorage();
    const a = new TokenStore('https://crm.test', 'a', storage);
    const b = new TokenStore('https://crm.test', 'b', storage);
    a.set({ token: 'A', expires_at: '2999-01-01T00:00:00Z' });
    expect(b.get()).toBeNull();
    storage.setItem('autocrm:https://crm.test:b:visitor', '{not json');
    expect(b.get()).toBeNull();
    expect(a.get()).toBe('A');
  });

  it('works without storage when the page forbids it', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    const store = new TokenStore('https://crm.test', 'demo', broken);
    expect(() => store.set({ token: 't', expires_at: '2999-01-01T00:00:00Z' })).not.toThrow();
    expect(store.get()).toBeNull();
  });
});

describe('originAllowed', () => {
  const sites = ['https://shop.example', 'https://*.shop.example', 'http://127.0.0.2:*'];

  it('matches scheme, host and port like the server', () => {
    expect(originAllowed(sites, 'https://shop.example')).toBe(true);
    expect(originAllowed(sites, 'https://www.shop.example')).toBe(true);
    expect(originAllowed(sites, 'http://127.0.0.2:41234')).toBe(true);
    expect(originAllowed(sites, 'http://shop.example')).toBe(false);
    expect(originAllowed(sites, 'https://evilshop.example')).toBe(false);
    expect(originAllowed(sites, 'https://shop.example.evil.test')).toBe(false);
    expect(originAllowed(sites, 'https://shop.example:8443')).toBe(false);
    expect(originAllowed(sites, 'null')).toBe(false);
  });
});

describe('parseSse', () => {
  it('splits complete frames, keeps the rest and skips keep-alives', () => {
    const { frames, rest } = parseSse('id: 7\nevent: message\ndata: {"a":1}\n\n: keep-alive\n\nevent: typing\ndata: {"b"');
    expect(frames).toEqual([{ id: '7', event: 'message', data: '{"a":1}' }]);
    expect(rest).toBe('event: typing\ndata: {"b"');
  });

  it('understands CRLF line ends and multi-line data', () => {
    const { frames } = parseSse('event: read\r\ndata: one\r\ndata: two\r\n\r\n');
    expect(frames).toEqual([{ id: null, event: 'read', data: 'one\ntwo' }]);
  });
});

describe('text', () => {
  it('finds links without their trailing punctuation and leaves markup as text', () => {
    expect(splitLinks('See https://shop.test/a?b=1. <img src=x onerror=alert(1)>')).toEqual([
      { text: 'See ' },
      { text: 'https://shop.test/a?b=1', href: 'https://shop.test/a?b=1' },
      { text: '. <img src=x onerror=alert(1)>' },
    ]);
  });

  it('makes client ids that differ and fit the server rules', () => {
    const a = newClientId();
    expect(a).toMatch(/^[A-Za-z0-9-]{1,64}$/);
    expect(newClientId()).not.toBe(a);
  });
});

describe('i18n', () => {
  it('speaks German to German browsers and English otherwise', () => {
    expect(pickUiLocale(['de-AT', 'en'])).toBe('de');
    expect(pickUiLocale(['fr-FR'])).toBe('en');
    expect(translator('de')('typing', { name: 'Anna' })).toBe('Anna schreibt…');
    expect(translator('en-GB')('offlineSent', { number: 12, email: 'a@b.test' })).toContain('#12');
  });
});

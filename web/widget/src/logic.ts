/**
 * The widget's pure logic (no DOM, no network): where the visitor token is
 * kept, how messages from the server, the stream and the composer merge
 * without loss or duplicates, allowed-origin matching for `postMessage`,
 * and SSE frame parsing.
 */

/** A message as the widget API returns it (`WidgetMessageOut`). */
export interface ChatMessage {
  id: number;
  conversation_id: number;
  participant: 'visitor' | 'agent' | 'bot' | 'system';
  author_name: string;
  text: string;
  client_id?: string | null;
  attachments: { id: string; filename: string; content_type: string; size: number; url: string }[];
  /** The bot stated a change and waits for a yes (quick replies Yes / No under it). */
  asks_confirmation?: boolean;
  created_at: string;
}

/** A message in the widget: sent ones, and the visitor's own still on their way. */
export interface ShownMessage extends ChatMessage {
  /** `pending` while sending, `failed` when it could not be sent (retry keeps its client id). */
  state?: 'pending' | 'failed';
}

/**
 * Merges messages into a conversation's list: one entry per server id; a
 * server copy replaces the pending message with the same client id; the
 * order is the server's (ids ascend), pending ones last.
 */
export function mergeMessages(current: readonly ShownMessage[], incoming: readonly ShownMessage[]): ShownMessage[] {
  const byId = new Map<number, ShownMessage>();
  const pending = new Map<string, ShownMessage>();
  for (const m of [...current, ...incoming]) {
    if (m.state) {
      if (m.client_id) pending.set(m.client_id, m);
      continue;
    }
    byId.set(m.id, m);
  }
  for (const m of byId.values()) if (m.client_id) pending.delete(m.client_id);
  const sent = [...byId.values()].sort((a, b) => a.id - b.id);
  return [...sent, ...pending.values()];
}

/** The highest server message id in a list (for "give me what came after"). */
export function lastMessageId(list: readonly ShownMessage[]): number {
  return list.reduce((max, m) => (m.state ? max : Math.max(max, m.id)), 0);
}

/** A fresh client id for a message (idempotent retries). */
export function newClientId(random: () => number = Math.random): string {
  const part = () => Math.floor(random() * 0x100000000).toString(36);
  return `w-${Date.now().toString(36)}-${part()}${part()}`;
}

/** A stored visitor token. */
export interface StoredToken {
  token: string;
  expires_at: string;
}

/** Minimal storage (localStorage, or memory when the host page forbids it). */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** In-memory storage for pages without `localStorage` (private modes, sandboxed frames). */
export function memoryStorage(): KeyValue {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
  };
}

/** Keeps one workspace's visitor token per server in the host page's storage. */
export class TokenStore {
  private readonly key: string;
  private readonly storage: KeyValue;
  private readonly now: () => number;

  constructor(server: string, workspace: string, storage: KeyValue, now: () => number = Date.now) {
    this.key = `autocrm:${server}:${workspace}:visitor`;
    this.storage = storage;
    this.now = now;
  }

  /** The token, unless missing, unreadable or expired (then it is forgotten). */
  get(): string | null {
    let raw: string | null = null;
    try {
      raw = this.storage.getItem(this.key);
    } catch {
      return null;
    }
    if (!raw) return null;
    try {
      const stored = JSON.parse(raw) as Partial<StoredToken>;
      if (typeof stored.token !== 'string' || typeof stored.expires_at !== 'string') throw new Error('shape');
      if (Date.parse(stored.expires_at) <= this.now()) throw new Error('expired');
      return stored.token;
    } catch {
      this.clear();
      return null;
    }
  }

  set(value: StoredToken): void {
    try {
      this.storage.setItem(this.key, JSON.stringify(value));
    } catch {
      // Storage full or forbidden: the session lasts as long as the page.
    }
  }

  clear(): void {
    try {
      this.storage.removeItem(this.key);
    } catch {
      // Nothing stored.
    }
  }
}

/**
 * Whether `origin` is one of the widget's allowed sites (`https://shop.example`,
 * `https://*.shop.example`, `http://127.0.0.2:*`): the same rules as the server.
 */
export function originAllowed(sites: readonly string[], origin: string): boolean {
  const parse = (raw: string) => {
    const m = /^(https?):\/\/([^/:?#@\s]+|\[[^\]]+\])(?::(\d+|\*))?\/?$/i.exec(raw.trim());
    if (!m) return null;
    const scheme = (m[1] ?? '').toLowerCase();
    const fallback = scheme === 'https' ? '443' : '80';
    return { scheme, host: (m[2] ?? '').toLowerCase(), port: m[3] ?? fallback };
  };
  const o = parse(origin);
  if (!o || o.port === '*') return false;
  return sites.some((raw) => {
    const s = parse(raw);
    if (!s || s.scheme !== o.scheme || (s.port !== '*' && s.port !== o.port)) return false;
    if (s.host.startsWith('*.')) {
      const parent = s.host.slice(1); // ".shop.example"
      return o.host.endsWith(parent) && o.host.length > parent.length;
    }
    return s.host === o.host;
  });
}

/** One Server-Sent Events frame. */
export interface SseFrame {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Splits a growing SSE text buffer into complete frames; returns them and
 * the incomplete rest. Comments (keep-alives) and frames without data are skipped.
 */
export function parseSse(buffer: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  const normalised = buffer.replace(/\r\n?/g, '\n');
  const parts = normalised.split('\n\n');
  const rest = parts.pop() ?? '';
  for (const part of parts) {
    let event = 'message';
    let id: string | null = null;
    const data: string[] = [];
    for (const line of part.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (data.length) frames.push({ event, data: data.join('\n'), id });
  }
  return { frames, rest };
}

/** Reconnect delays after a lost stream: quick at first, then at most 15 s. */
export function backoff(attempt: number): number {
  return [500, 1000, 2000, 5000, 10000][attempt] ?? 15000;
}

/** URLs in text, for turning them into links with DOM APIs (never HTML). */
export function splitLinks(text: string): { text: string; href?: string }[] {
  const out: { text: string; href?: string }[] = [];
  const re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) out.push({ text: text.slice(at, m.index) });
    out.push({ text: m[0], href: m[0] });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}

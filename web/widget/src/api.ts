/**
 * Talking to AutoCRM: the widget API with the visitor token, the public
 * help-center API, and the visitor's event stream (Server-Sent Events read
 * with `fetch`, because `EventSource` cannot send the token in a header),
 * which reconnects after network loss and resumes from its last event id.
 */
import { backoff, parseSse } from './logic';

/** An answer that was not 2xx, with the problem document's `code`. */
export class WidgetError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

/** The HTTP side of the widget. */
export class Api {
  readonly base: string;
  token: string | null = null;
  /** Called when the server refuses the token (expired, rotated): the widget opens a new session. */
  onUnauthorized: () => void = () => {};

  constructor(base: string) {
    this.base = base.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown, form?: FormData): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
      // The token is the credential: no cookies of the AutoCRM origin are sent.
      credentials: 'omit',
      mode: 'cors',
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const problem = (json ?? {}) as { code?: string; detail?: string };
      if (res.status === 401 && problem.code === 'visitor_token_invalid') this.onUnauthorized();
      throw new WidgetError(res.status, problem.code ?? 'error', problem.detail ?? `HTTP ${res.status}`);
    }
    return json as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }

  /** A file of the visitor's conversation as a blob URL (the download needs the token). */
  async blobUrl(path: string): Promise<string> {
    const res = await fetch(this.base + path, {
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      credentials: 'omit',
    });
    if (!res.ok) throw new WidgetError(res.status, 'download_failed', `HTTP ${res.status}`);
    return URL.createObjectURL(await res.blob());
  }
}

/** A frame of the visitor's stream. */
export interface StreamEvent {
  event: string;
  data: unknown;
}

/**
 * The visitor's stream: opened with the token, read with `fetch`, reopened
 * with `Last-Event-ID` after any loss, so logged events are never missed.
 */
export class VisitorStream {
  private readonly api: Api;
  private readonly onEvent: (e: StreamEvent) => void;
  private readonly onState: (connected: boolean) => void;
  private lastId: string | null = null;
  private controller: AbortController | null = null;
  private attempt = 0;
  private stopped = true;
  /** Bumped on every (re)start: an older loop that wakes up sees it is stale and ends. */
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(api: Api, onEvent: (e: StreamEvent) => void, onState: (connected: boolean) => void) {
    this.api = api;
    this.onEvent = onEvent;
    this.onState = onState;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run(++this.generation);
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  /** Reconnects now (the browser came back online, or the token changed). */
  restart(): void {
    this.stop();
    this.attempt = 0;
    this.start();
  }

  private async run(generation: number): Promise<void> {
    const live = () => !this.stopped && generation === this.generation;
    while (live()) {
      const controller = new AbortController();
      this.controller = controller;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (this.api.token) headers.authorization = `Bearer ${this.api.token}`;
        if (this.lastId) headers['last-event-id'] = this.lastId;
        const res = await fetch(`${this.api.base}/api/v1/widget/stream`, {
          headers,
          signal: controller.signal,
          credentials: 'omit',
          cache: 'no-store',
        });
        if (res.status === 401) {
          this.api.onUnauthorized();
          throw new Error('unauthorized');
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        this.attempt = 0;
        this.onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done || !live()) break;
          buffer += value;
          const { frames, rest } = parseSse(buffer);
          buffer = rest;
          for (const f of frames) {
            if (f.id) this.lastId = f.id;
            let data: unknown = null;
            try {
              data = JSON.parse(f.data);
            } catch {
              continue;
            }
            this.onEvent({ event: f.event, data });
          }
        }
      } catch {
        // Network loss, server restart, abort: reconnect below unless stopped.
      }
      if (!live()) return;
      this.onState(false);
      const wait = backoff(this.attempt++);
      await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, wait);
      });
    }
  }
}

/**
 * The typed API client: every call goes through openapi-fetch with the types
 * generated from the server's OpenAPI document, the session cookie, and the
 * CSRF token on writes. Errors become `ApiError` carrying the RFC 9457 problem.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '@/api/generated/schema';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

/** An API answer that was not 2xx, with its problem document when there is one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Partial<Problem> | undefined;

  constructor(status: number, problem: Partial<Problem> | undefined) {
    super(problem?.detail ?? problem?.title ?? `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

let csrfToken: string | null = null;

/** Remembers the session's CSRF token, sent as `X-CSRF-Token` on every write. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** A JSON POST that outlives the page (`keepalive`), for signals sent while it closes. */
export function postOnExit(path: string, body: unknown): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  void fetch(path, { method: 'POST', body: JSON.stringify(body), headers, keepalive: true, credentials: 'same-origin' }).catch(() => {});
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !SAFE_METHODS.has(request.method)) {
      request.headers.set('X-CSRF-Token', csrfToken);
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/** Unwraps an openapi-fetch result: the data, or an `ApiError`. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    throw new ApiError(response.status, (error ?? undefined) as Partial<Problem> | undefined);
  }
  return data as T;
}

/** The message to show for any error thrown by a query or mutation. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.problem?.errors?.map((e) => `${e.pointer}: ${e.detail}`).join('; ');
    return fields ? `${error.message} (${fields})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * A problem document's field errors by field name: the pointer without its
 * leading slash (`/time_zone` → `time_zone`, `/imap/host` → `imap/host`).
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  return Object.fromEntries((error.problem?.errors ?? []).map((e) => [e.pointer.replace(/^\//, ''), e.detail]));
}

/** Posts `multipart/form-data` (file uploads), with the CSRF token and problem errors like `api`. */
export async function postForm<T>(path: string, form: FormData): Promise<T> {
  const headers = new Headers();
  if (csrfToken) headers.set('X-CSRF-Token', csrfToken);
  const response = await fetch(path, { method: 'POST', body: form, headers, credentials: 'same-origin' });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, body as Partial<Problem> | undefined);
  return body as T;
}

/** One Server-Sent Event: its name (`message` when it has none) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Splits a Server-Sent Events buffer into its complete events and the
 * unfinished rest (kept for the next chunk). Comments and ids are skipped.
 */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const normalised = buffer.replace(/\r\n?/g, '\n');
  const blocks = normalised.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: SseEvent[] = [];
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

/**
 * POSTs (with the CSRF token) to an endpoint that answers with Server-Sent
 * Events and calls `onEvent` for each as it arrives; resolves when the
 * stream ends. A non-2xx answer throws an `ApiError` with its problem, like `api`.
 */
export async function postStream(path: string, onEvent: (e: SseEvent) => void, signal?: AbortSignal): Promise<void> {
  const headers = new Headers({ accept: 'text/event-stream' });
  if (csrfToken) headers.set('X-CSRF-Token', csrfToken);
  const response = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', signal });
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    throw new ApiError(response.status, body as Partial<Problem> | undefined);
  }
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parsed = parseSse(buffer + value);
    buffer = parsed.rest;
    for (const e of parsed.events) onEvent(e);
  }
  for (const e of parseSse(`${buffer}\n\n`).events) onEvent(e);
}

/**
 * `/widget.js`: one script tag puts the chat launcher on any page.
 *
 *   <script src="https://crm.example/widget.js" data-workspace="demo" async></script>
 *
 * Optional: `data-locale="de"` (else the browser's language). The page talks
 * to the widget with `window.AutoCRM(command, argument)` — calls made before
 * the script loaded are queued in `window.AutoCRM.q` — or with
 * `postMessage({ autocrm: command, payload })` from an allowed site:
 * `open`, `close`, `toggle`, `identify` ({ user_id?, email?, name?, user_hash }),
 * `logout`, `setLocale` ('de'), `startChat` ('prefilled text').
 * The widget posts `{ autocrm_event: 'open' | 'close' | 'unread', … }` to the
 * page's own origin only.
 */
import './extensions';
import { Widget } from './widget';

type Command = [string, unknown?];
interface Api {
  (name: string, arg?: unknown): void;
  q?: Command[];
  loaded?: boolean;
}

declare global {
  interface Window {
    AutoCRM?: Api;
  }
}

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.workspace) return current;
  return document.querySelector<HTMLScriptElement>('script[src*="widget.js"][data-workspace]');
}

function start(script: HTMLScriptElement): void {
  if (window.AutoCRM?.loaded) return; // included twice
  const server = new URL(script.src, location.href).origin;
  const workspace = script.dataset.workspace ?? '';
  const locale = script.dataset.locale || navigator.languages?.[0] || navigator.language || 'en';
  const host = document.createElement('div');
  host.id = 'autocrm-widget';
  document.body.append(host);
  const widget = new Widget(server, workspace, locale, host);
  const queued = window.AutoCRM?.q ?? [];
  const api: Api = (name, arg) => widget.command(name, arg);
  api.loaded = true;
  window.AutoCRM = api;
  window.addEventListener('message', (e: MessageEvent) => {
    const data = e.data as { autocrm?: unknown; payload?: unknown } | null;
    if (!data || typeof data !== 'object' || typeof data.autocrm !== 'string') return;
    if (!widget.acceptsOrigin(e.origin)) return;
    widget.command(data.autocrm, data.payload);
  });
  void widget.boot().then((ok) => {
    if (!ok) {
      widget.destroy();
      return;
    }
    for (const [name, arg] of queued) widget.command(name, arg);
  });
}

const script = findScript();
if (!script) {
  console.warn('[AutoCRM] widget.js needs data-workspace on its script tag');
} else if (document.body) {
  start(script);
} else {
  document.addEventListener('DOMContentLoaded', () => start(script), { once: true });
}

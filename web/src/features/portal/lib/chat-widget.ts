/**
 * The chat widget inside the portal: the portal is a page like the shop's,
 * so it loads `/widget.js` with one script tag and signs the customer in to
 * the chat with the identity the server proved for them (`identify`), so the
 * chat and its assistant know who they are without asking.
 *
 * Invariants: the script tag is added once per page, whatever re-renders;
 * commands given before the script ran wait in `window.AutoCRM.q` (the
 * widget's documented queue); an identity is sent once, not on every render
 * (each `identify` re-opens the visitor session), and `logout` forgets it.
 */

/** The widget's page API (`window.AutoCRM`), as `web/widget/src/main.ts` defines it. */
type WidgetApi = ((name: string, arg?: unknown) => void) & { q?: [string, unknown?][]; loaded?: boolean };

/** What the widget's `identify` takes. */
export interface WidgetIdentity {
  email: string;
  user_hash: string;
  name: string;
}

const SCRIPT_ATTR = 'data-autocrm-portal';
let identified: string | null = null;

function widgetApi(): WidgetApi {
  const w = window as unknown as { AutoCRM?: WidgetApi };
  if (!w.AutoCRM) {
    const queue: WidgetApi = (name, arg) => {
      (queue.q ??= []).push([name, arg]);
    };
    w.AutoCRM = queue;
  }
  return w.AutoCRM;
}

/** Adds the widget's script tag for `workspace` unless the page has it already. */
export function loadChatWidget(workspace: string, locale: string, doc: Document = document): void {
  widgetApi();
  if (doc.querySelector(`script[${SCRIPT_ATTR}]`)) return;
  const script = doc.createElement('script');
  script.src = '/widget.js';
  script.async = true;
  script.dataset.workspace = workspace;
  script.dataset.locale = locale;
  script.setAttribute(SCRIPT_ATTR, '');
  doc.body.append(script);
}

/** Signs the customer in to the chat (once per identity). */
export function identifyInChat(identity: WidgetIdentity): void {
  if (identified === identity.user_hash) return;
  identified = identity.user_hash;
  widgetApi()('identify', { email: identity.email, name: identity.name, user_hash: identity.user_hash });
}

/** The widget follows the portal's language. */
export function setChatLocale(locale: string): void {
  widgetApi()('setLocale', locale);
}

/** Signs the customer out of the chat (the portal's sign-out). */
export function forgetChatIdentity(): void {
  if (identified === null) return;
  identified = null;
  widgetApi()('logout');
}

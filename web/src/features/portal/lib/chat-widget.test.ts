import { afterEach, describe, expect, it } from 'vitest';
import { forgetChatIdentity, identifyInChat, loadChatWidget } from './chat-widget';

type Queued = ((name: string, arg?: unknown) => void) & { q?: [string, unknown?][] };
const queue = () => (window as unknown as { AutoCRM?: Queued }).AutoCRM?.q ?? [];

afterEach(() => {
  forgetChatIdentity();
  delete (window as unknown as { AutoCRM?: unknown }).AutoCRM;
  document.body.replaceChildren();
});

describe('the chat widget in the portal', () => {
  it('adds the script tag once and queues one identify per identity until the widget runs', () => {
    loadChatWidget('demo', 'de');
    loadChatWidget('demo', 'de');
    const scripts = document.querySelectorAll('script[data-autocrm-portal]');
    expect(scripts).toHaveLength(1);
    const script = scripts[0] as HTMLScriptElement;
    expect(script.getAttribute('src')).toBe('/widget.js');
    expect(script.dataset.workspace).toBe('demo');
    expect(script.dataset.locale).toBe('de');

    const identity = { email: 'ida@example.com', name: 'Ida', user_hash: 'ab12' };
    identifyInChat(identity);
    identifyInChat(identity);
    expect(queue()).toEqual([['identify', identity]]);

    forgetChatIdentity();
    expect(queue().map(([name]) => name)).toEqual(['identify', 'logout']);
  });
});

/**
 * The chatbot's and the personal suggestions' pieces of the widget: how a
 * bot's message is labelled, the "talk to a person" bar shown while the bot
 * handles a conversation, and the "Suggested for you" card on the home panel.
 *
 * Invariants: every server text (bot name, message text, suggestion titles,
 * reasons, excerpts) is set with `textContent`; a bot's text becomes links
 * only through `dom.linkedText`, which links http(s) URLs and nothing else; the
 * hand-off is always offered while `handler` is `bot`, whoever is online;
 * a draft (the bot's answer while the model writes it) is plain text and
 * gives way to the stored message.
 */
import { h } from './dom';
import type { Translate } from './i18n';
import type { ChatMessage } from './logic';

/** An article or tutorial suggested to this visitor (`SuggestedArticleOut`). */
export interface Suggestion {
  kind: 'article' | 'tutorial';
  id: number;
  title: string;
  url: string | null;
  excerpt: string;
  reason: string;
}

/** Whether a message is the chatbot's. */
export function isBot(m: Pick<ChatMessage, 'participant'>): boolean {
  return m.participant === 'bot';
}

/**
 * Who wrote a message, as shown above its bubble: the name, and for the bot
 * a visible "AI" tag that screen readers hear as "(automated assistant)".
 */
export function authorLabel(name: string, bot: boolean, t: Translate): HTMLElement {
  const who = h('span', { class: 'who' }, name);
  if (bot) {
    who.append(' ', h('span', { class: 'tag', 'aria-hidden': 'true' }, t('botTag')), h('span', { class: 'sr-only' }, ` ${t('botSuffix')}`));
  }
  return who;
}

/**
 * The bar under a conversation the bot handles: who answers, and "Talk to a
 * person", which calls `onHandOff` (the widget posts the hand-off and
 * hides the bar once the team has the conversation).
 */
export function handOffBar(botName: string, t: Translate, onHandOff: () => Promise<void>): HTMLElement {
  const error = h('span', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'button', class: 'secondary' }, t('talkToPerson'));
  button.addEventListener('click', () => {
    button.disabled = true;
    error.textContent = '';
    onHandOff()
      .catch(() => {
        error.textContent = t('error');
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return h('div', { class: 'handoff', role: 'group', 'aria-label': t('talkToPerson') }, h('span', { class: 'note' }, t('botHandles', { name: botName })), button, error);
}

/**
 * "Suggested for you": each suggestion with why it is suggested; opening one
 * calls `onOpen` (the widget shows articles in its article view and runs
 * tutorials in their panel). `null` when there is nothing to suggest.
 */
export function suggestionsCard(list: readonly Suggestion[], t: Translate, onOpen: (s: Suggestion) => void): HTMLElement | null {
  if (!list.length) return null;
  const items = h('ul', { class: 'list' });
  for (const s of list) {
    const b = h('button', { type: 'button', class: 'item' }, h('span', { class: 'title' }, s.title), h('span', { class: 'reason' }, s.reason));
    if (s.excerpt) b.append(h('span', { class: 'sub' }, s.excerpt));
    b.addEventListener('click', () => onOpen(s));
    items.append(h('li', {}, b));
  }
  return h('section', { class: 'card', 'aria-label': t('suggested') }, h('h3', { class: 'note' }, t('suggested')), items);
}

/**
 * The bot's answer while the model writes it: a bot message marked busy,
 * its text as plain text (links come with the stored message).
 */
export function draftEl(name: string, text: string, t: Translate): HTMLElement {
  return h(
    'div',
    { class: 'msg bot draft', 'aria-busy': 'true' },
    authorLabel(name, true, t),
    h('div', { class: 'bubble' }, text),
    h('span', { class: 'meta' }, t('botWriting', { name })),
  );
}

/**
 * Yes / No under the bot's question that states a change: a click sends
 * the word as the visitor's message (the bot acts only on an explicit yes).
 */
export function quickReplies(t: Translate, onPick: (text: string) => void): HTMLElement {
  const bar = h('div', { class: 'quick', role: 'group', 'aria-label': t('quickReplies') });
  for (const key of ['yes', 'no'] as const) {
    const b = h('button', { type: 'button', class: 'secondary', 'data-reply': key }, t(key));
    b.addEventListener('click', () => {
      for (const other of bar.querySelectorAll('button')) other.disabled = true;
      onPick(t(key));
    });
    bar.append(b);
  }
  return bar;
}

/** Whether the quick replies show: the last message is the bot's question and the bot still has the chat. */
export function offersQuickReplies(list: readonly Pick<ChatMessage, 'participant' | 'asks_confirmation'>[], handledByBot: boolean): boolean {
  const last = list[list.length - 1];
  return handledByBot && !!last && isBot(last) && !!last.asks_confirmation;
}

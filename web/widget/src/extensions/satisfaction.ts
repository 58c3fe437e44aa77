/**
 * "Rate this chat": once a conversation is solved or closed, a footer under
 * it asks good or bad with an optional comment, shows the rating given, and
 * lets the visitor change it while the 7-day window lasts (ADR 0005). The
 * visitor reads and writes its own conversation's rating through the widget
 * API (`/api/v1/widget/conversations/{id}/rating`, visitor token, allowed
 * sites only): the portal's public rating route has no CORS for other sites.
 * Text is set with `textContent` only.
 */
import { h } from '../dom';
import { type Conversation, registerConversationFooter, type WidgetContext } from '../registry';

export type Score = 'good' | 'bad';

/** `WidgetRatingOut`. */
export interface RatingState {
  conversation_id: number;
  token: string;
  rating: { score: Score; comment?: string | null; rated_at: string; editable_until: string } | null;
  can_rate: boolean;
  changeable_until?: string | null;
}

/** Only solved or closed conversations are rated. */
export function rateable(c: Pick<Conversation, 'status'>): boolean {
  return c.status === 'solved' || c.status === 'closed';
}

/** What the footer shows: the form (first rating, or changing it), or the rating given. */
export function footerMode(state: RatingState, editing: boolean): 'form' | 'summary' | 'none' {
  if (state.rating) return editing && state.can_rate ? 'form' : 'summary';
  return state.can_rate ? 'form' : 'none';
}

/** The request body: the comment trimmed, left out when empty. */
export function ratingBody(score: Score, comment: string): { score: Score; comment?: string } {
  const text = comment.trim();
  return text ? { score, comment: text } : { score };
}

/** A date in the visitor's language, e.g. "28 Nov 2026". */
export function shortDate(iso: string, locale: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return d.toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  } catch {
    return d.toISOString().slice(0, 10);
  }
}

async function call(ctx: WidgetContext, method: 'GET' | 'PUT', id: number, body?: unknown): Promise<RatingState> {
  const headers: Record<string, string> = {};
  const token = ctx.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${ctx.server}/api/v1/widget/conversations/${id}/rating`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    mode: 'cors',
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as RatingState;
}

/** The footer of one solved conversation. */
export function ratingFooter(ctx: WidgetContext, conversation: Conversation): HTMLElement | null {
  if (!rateable(conversation) || !ctx.token()) return null;
  const t = ctx.t;
  const box = h('section', { class: 'card rating', 'aria-label': t('rateTitle'), hidden: true });
  const status = h('p', { class: 'note', role: 'status' });
  let state: RatingState | null = null;
  let editing = false;

  const render = () => {
    if (!state) return;
    const mode = footerMode(state, editing);
    box.hidden = mode === 'none';
    box.replaceChildren(h('strong', {}, t('rateTitle')));
    if (mode === 'summary' && state.rating) {
      const r = state.rating;
      box.append(h('p', { 'data-score': r.score }, t('rateCurrent', { score: r.score === 'good' ? t('rateGood') : t('rateBad') })));
      if (r.comment) box.append(h('p', { class: 'note' }, r.comment));
      if (state.can_rate) {
        box.append(h('p', { class: 'note' }, t('rateChangeable', { date: shortDate(state.changeable_until ?? r.editable_until, ctx.locale) })));
        const change = h('button', { type: 'button', class: 'item' }, h('span', { class: 'title' }, t('rateChange')));
        change.addEventListener('click', () => {
          editing = true;
          status.textContent = '';
          render();
        });
        box.append(change);
      } else {
        box.append(h('p', { class: 'note' }, t('rateFinal')));
      }
      box.append(status);
      return;
    }
    if (mode === 'form') box.append(form(state));
  };

  const form = (s: RatingState): HTMLElement => {
    let score: Score | null = s.rating?.score ?? null;
    const pick = (value: Score, label: string) => {
      const b = h('button', { type: 'button', class: 'item', 'aria-pressed': String(score === value), 'data-score': value }, h('span', { class: 'title' }, `${value === 'good' ? '👍' : '👎'} ${label}`));
      b.addEventListener('click', () => {
        score = value;
        for (const other of el.querySelectorAll('[data-score]')) other.setAttribute('aria-pressed', String(other === b));
        send.disabled = false;
      });
      return b;
    };
    const comment = h('textarea', { rows: '2', maxlength: '2000' });
    comment.value = s.rating?.comment ?? '';
    const send = h('button', { type: 'submit', class: 'primary' }, t('rateSend'));
    send.disabled = score === null;
    const el = h('form', { class: 'rating-form' }, h('div', { role: 'group', 'aria-label': t('rateTitle') }, pick('good', t('rateGood')), pick('bad', t('rateBad'))), h('label', {}, t('rateComment'), comment), send, status);
    el.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!score) return;
      send.disabled = true;
      call(ctx, 'PUT', conversation.id, ratingBody(score, comment.value))
        .then((next) => {
          state = next;
          editing = false;
          render();
          status.textContent = t('rateSaved');
        })
        .catch(() => {
          send.disabled = false;
          status.textContent = t('rateError');
        });
    });
    return el;
  };

  // A rating given elsewhere (the e-mail link, the portal, another tab) shows here live; a
  // change the visitor is making is not overwritten. The subscription ends with the footer.
  const off = ctx.on('rating', (data) => {
    const next = data as RatingState;
    if (next.conversation_id !== conversation.id) return;
    if (state && !box.isConnected) {
      off();
      return;
    }
    state = next;
    if (!editing) render();
  });

  call(ctx, 'GET', conversation.id)
    .then((s) => {
      state = s;
      render();
    })
    // Not solved any more, or gone: no footer.
    .catch(() => {});
  return box;
}

registerConversationFooter(ratingFooter);

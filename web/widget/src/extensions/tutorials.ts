/**
 * Step-by-step guides in the widget: a home section lists the workspace's
 * published tutorials; a panel runs one (`channel: widget`) with the public
 * tutorial API, step by step, to its outcome. "Open a ticket" shows what the
 * visitor told us and opens the ticket — as the identified visitor (the
 * visitor token), or with a name and e-mail address — or hands the same
 * text to the chat. Text is set with `textContent`; step content goes
 * through the widget's HTML allow-list.
 */
import { h, safeHtml } from '../dom';
import { registerHomeSection, registerPanel, type WidgetContext } from '../registry';

const STRINGS = {
  en: {
    guides: 'Step-by-step guides',
    loading: 'Loading…',
    error: 'Something went wrong. Please try again.',
    step: 'Step {n}',
    solved: 'Solved — glad we could help',
    readArticle: 'Read the article',
    openTicket: 'Open a ticket',
    toldUs: 'What you told us',
    details: 'Anything else we should know? (optional)',
    name: 'Your name',
    email: 'Your e-mail address',
    submit: 'Open the ticket',
    chatInstead: 'Chat with us instead',
    opened: 'Thank you! We opened ticket #{n} and will answer by e-mail.',
    restart: 'Start again',
    tooMany: 'Several tickets were opened from here in a short time. Please try again in an hour.',
  },
  de: {
    guides: 'Schritt-für-Schritt-Anleitungen',
    loading: 'Wird geladen …',
    error: 'Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.',
    step: 'Schritt {n}',
    solved: 'Gelöst — schön, dass wir helfen konnten',
    readArticle: 'Artikel lesen',
    openTicket: 'Ticket eröffnen',
    toldUs: 'Was Sie uns gesagt haben',
    details: 'Sollen wir noch etwas wissen? (optional)',
    name: 'Ihr Name',
    email: 'Ihre E-Mail-Adresse',
    submit: 'Ticket eröffnen',
    chatInstead: 'Lieber mit uns chatten',
    opened: 'Vielen Dank! Wir haben Ticket #{n} eröffnet und antworten per E-Mail.',
    restart: 'Neu beginnen',
    tooMany: 'Von hier wurden in kurzer Zeit mehrere Tickets eröffnet. Bitte versuchen Sie es in einer Stunde erneut.',
  },
};
type Key = keyof typeof STRINGS.en;

function words(ctx: WidgetContext) {
  const table = ctx.locale.toLowerCase().startsWith('de') ? STRINGS.de : STRINGS.en;
  return (key: Key, n?: number) => table[key].replace('{n}', String(n ?? ''));
}

interface Summary {
  id: number;
  title: string;
  description: string;
}

interface PublicStep {
  key: string;
  title: string;
  content_html: string;
  image_url?: string | null;
  choices: { key: string; label: string }[];
}

interface Run {
  run_id: string;
  title: string;
  step?: PublicStep | null;
  path: { question: string; answer: string }[];
  outcome?: {
    kind: 'solved' | 'open_ticket' | 'article';
    message?: string | null;
    url?: string | null;
    requester?: string | null;
    prefill?: { subject: string; text: string } | null;
    ticket?: { number: number } | null;
  } | null;
}

/** A call to the public tutorial API (with the visitor token when there is one). */
async function call<T>(ctx: WidgetContext, method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const headers: Record<string, string> = {};
  const token = ctx.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const sep = path.includes('?') ? '&' : '?';
  const res = await fetch(`${ctx.server}${path}${sep}workspace=${encodeURIComponent(ctx.workspace)}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    mode: 'cors',
  });
  const data = (await res.json().catch(() => null)) as T;
  return { status: res.status, data };
}

registerHomeSection((ctx) => {
  const w = words(ctx);
  const list = h('ul', { class: 'list' });
  const card = h('section', { class: 'card', 'aria-label': w('guides'), hidden: true }, h('h3', {}, w('guides')), list);
  void call<{ data: Summary[] }>(ctx, 'GET', `/api/v1/help/tutorials?locale=${encodeURIComponent(ctx.locale)}`)
    .then(({ status, data }) => {
      if (status !== 200 || !data.data.length) return;
      for (const t of data.data) {
        const b = h('button', { type: 'button', class: 'item' }, h('span', { class: 'title' }, t.title), t.description ? h('span', { class: 'sub' }, t.description) : null);
        b.addEventListener('click', () => ctx.openPanel('tutorial', t));
        list.append(h('li', {}, b));
      }
      card.hidden = false;
    })
    .catch(() => {});
  return card;
}, 15);

registerPanel({
  id: 'tutorial',
  title: (ctx) => words(ctx)('guides'),
  render: (ctx, arg) => {
    const w = words(ctx);
    const guide = arg as Summary;
    const box = h('article', { class: 'article', 'aria-live': 'polite' }, h('p', { class: 'note' }, w('loading')));
    const fail = () => box.replaceChildren(h('p', { class: 'error' }, w('error')));

    const show = (run: Run) => {
      box.replaceChildren(h('p', { class: 'note' }, guide.title));
      if (run.step) {
        const s = run.step;
        box.append(h('p', { class: 'note' }, w('step', run.path.length + 1)), h('h3', {}, s.title));
        if (s.image_url) box.append(h('div', { class: 'content' }, h('img', { src: `${ctx.server}${s.image_url}`, alt: '' })));
        if (s.content_html) {
          const content = h('div', { class: 'content' });
          content.append(safeHtml(s.content_html, ctx.server));
          box.append(content);
        }
        const choices = h('ul', { class: 'list' });
        for (const c of s.choices) {
          const b = h('button', { type: 'button', class: 'item' }, h('span', { class: 'title' }, c.label));
          b.addEventListener('click', () => {
            void call<Run>(ctx, 'POST', `/api/v1/help/tutorial-runs/${encodeURIComponent(run.run_id)}/choices`, { step: s.key, choice: c.key })
              .then(({ status, data }) => (status === 200 ? show(data) : fail()))
              .catch(fail);
          });
          choices.append(h('li', {}, b));
        }
        box.append(choices);
        return;
      }
      const o = run.outcome;
      if (!o) return fail();
      if (o.kind === 'solved') {
        box.append(h('h3', {}, w('solved')));
        if (o.message) box.append(h('p', {}, o.message));
      } else if (o.kind === 'article' && o.url) {
        const href = o.url.startsWith('/') ? `${ctx.server}${o.url}` : o.url;
        box.append(h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'primary' }, w('readArticle')));
      } else if (o.kind === 'open_ticket') {
        box.append(h('h3', {}, w('openTicket')));
        if (o.ticket) {
          box.append(h('p', { role: 'status' }, w('opened', o.ticket.number)));
        } else {
          box.append(ticketForm(ctx, run, show));
        }
      }
      const again = h('button', { type: 'button', class: 'item' }, h('span', { class: 'title' }, w('restart')));
      again.addEventListener('click', () => start());
      box.append(again);
    };

    const start = () => {
      box.replaceChildren(h('p', { class: 'note' }, w('loading')));
      void call<Run>(ctx, 'POST', `/api/v1/help/tutorials/${guide.id}/runs`, { channel: 'widget', locale: ctx.locale })
        .then(({ status, data }) => (status === 201 ? show(data) : fail()))
        .catch(fail);
    };
    start();
    return box;
  },
});

/** The "open a ticket" form: the path taken, optional details, a name and address unless the visitor is known. */
function ticketForm(ctx: WidgetContext, run: Run, show: (run: Run) => void): HTMLElement {
  const w = words(ctx);
  const o = run.outcome;
  const form = h('form', { class: 'card' });
  const told = h('ol', {});
  for (const p of run.path) told.append(h('li', {}, `${p.question} — ${p.answer}`));
  form.append(h('strong', {}, o?.prefill?.subject ?? ''), h('p', { class: 'note' }, w('toldUs')), told);
  const needsAddress = o?.requester !== 'none';
  const name = h('input', { type: 'text', autocomplete: 'name', maxlength: '100' });
  const email = h('input', { type: 'email', autocomplete: 'email', required: true });
  if (needsAddress) form.append(h('label', {}, w('name'), name), h('label', {}, w('email'), email));
  const details = h('textarea', { rows: '3' });
  form.append(h('label', {}, w('details'), details));
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, w('submit'));
  const chat = h('button', { type: 'button', class: 'item' }, h('span', { class: 'title' }, w('chatInstead')));
  chat.addEventListener('click', () => ctx.startChat(`${o?.prefill?.text ?? ''}${details.value ? `\n${details.value}` : ''}`));
  form.append(error, submit, chat);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    const body = needsAddress ? { name: name.value, email: email.value, details: details.value } : { details: details.value };
    void call<Run & { code?: string; detail?: string }>(ctx, 'POST', `/api/v1/help/tutorial-runs/${encodeURIComponent(run.run_id)}/ticket`, body)
      .then(({ status, data }) => {
        submit.disabled = false;
        if (status === 201) show(data);
        else error.textContent = status === 429 ? w('tooMany') : (data?.detail ?? w('error'));
      })
      .catch(() => {
        submit.disabled = false;
        error.textContent = w('error');
      });
  });
  return form;
}

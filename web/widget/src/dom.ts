/**
 * DOM helpers. Text is always set with `textContent`; the only HTML the
 * widget shows is knowledge-base content, which the server sanitises and
 * which is copied here once more through an allow-list (elements and
 * attributes rebuilt with DOM APIs, never assigned as markup to the page).
 */
import { splitLinks } from './logic';

type Attrs = Record<string, string | boolean | undefined>;
type Child = Node | string | null | undefined | false;

/** `h('button', { type: 'button', 'aria-label': 'Close' }, 'x')`: an element with text children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** Text with its URLs as links (rel noopener, new tab), built from nodes. */
export function linkedText(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const part of splitLinks(text)) {
    if (part.href) {
      frag.append(h('a', { href: part.href, target: '_blank', rel: 'noopener noreferrer nofollow' }, part.text));
    } else {
      frag.append(document.createTextNode(part.text));
    }
  }
  return frag;
}

const ALLOWED: Record<string, readonly string[]> = {
  p: [], br: [], strong: [], b: [], em: [], i: [], u: [], s: [], mark: [], code: [], pre: [], blockquote: [],
  ul: [], ol: [], li: [], h1: [], h2: [], h3: [], h4: [], h5: [], h6: [], hr: [], span: [], div: [], small: [],
  sub: [], sup: [], figure: [], figcaption: [], table: [], thead: [], tbody: [], tr: [], th: ['colspan', 'rowspan'],
  td: ['colspan', 'rowspan'], a: ['href', 'title'], img: ['src', 'alt', 'width', 'height', 'title'],
};

function safeUrl(raw: string, base: string, schemes: readonly string[]): string | null {
  try {
    const url = new URL(raw, base);
    return schemes.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Sanitised article HTML as nodes: only the allow-listed elements and
 * attributes, links to http(s)/mailto (opening in a new tab), images from
 * http(s); everything else is dropped (script, style, handlers, iframes…).
 * Relative URLs resolve against `base` (the AutoCRM server).
 */
export function safeHtml(html: string, base: string): DocumentFragment {
  // An inert document: nothing in it loads or runs.
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const out = document.createDocumentFragment();
  const copy = (from: Node, to: Node) => {
    for (const node of Array.from(from.childNodes)) {
      if (node.nodeType === Node.TEXT_NODE) {
        to.appendChild(document.createTextNode(node.textContent ?? ''));
        continue;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const el = node as Element;
      const tag = el.tagName.toLowerCase();
      const attrs = ALLOWED[tag];
      if (!attrs) {
        // Unknown or dangerous: keep the text of harmless wrappers, drop script-like ones entirely.
        if (!['script', 'style', 'template', 'iframe', 'object', 'embed', 'noscript', 'svg', 'math'].includes(tag)) copy(el, to);
        continue;
      }
      const clean = document.createElement(tag);
      for (const name of attrs) {
        const value = el.getAttribute(name);
        if (value === null) continue;
        if (name === 'href') {
          const url = safeUrl(value, base, ['http:', 'https:', 'mailto:']);
          if (url) clean.setAttribute('href', url);
        } else if (name === 'src') {
          const url = safeUrl(value, base, ['http:', 'https:']);
          if (url) clean.setAttribute('src', url);
        } else {
          clean.setAttribute(name, value);
        }
      }
      if (tag === 'a') {
        clean.setAttribute('target', '_blank');
        clean.setAttribute('rel', 'noopener noreferrer nofollow');
      }
      if (tag === 'img') clean.setAttribute('loading', 'lazy');
      copy(el, clean);
      to.appendChild(clean);
    }
  };
  copy(parsed.body, out);
  return out;
}

/** Formats a time as the visitor's locale shows hours and minutes. */
export function timeOf(iso: string, locale: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  try {
    return d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  } catch {
    return d.toISOString().slice(11, 16);
  }
}

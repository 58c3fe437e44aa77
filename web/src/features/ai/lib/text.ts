/**
 * Suggested text stays plain text. Suggestions are built from customer
 * messages and articles, so they may contain anything, markup included:
 * they are escaped on their way into the (HTML) reply editor, read back from
 * a sent reply's HTML as text, and their sources only link to web addresses.
 */

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Plain text as editor HTML: blank lines part paragraphs, single newlines become line breaks. */
export function textToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>')}</p>`)
    .join('');
}

/** The text of a reply's HTML, paragraphs on their own lines (parsed inertly, never rendered). */
export function htmlToText(html: string): string {
  const marked = html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|li|h[1-6]|blockquote|div)>/gi, '$&\n\n');
  const doc = new DOMParser().parseFromString(marked, 'text/html');
  return (doc.body.textContent ?? '').replace(/\n{3,}/g, '\n\n').trim();
}

/** Whether two texts say the same, ignoring how whitespace is laid out. */
export function sameText(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

/** A source's address when it is safe to link to: http(s) or a path on this site. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  if (/^https?:\/\//i.test(url)) return url;
  // `//host` would leave the site; `/path` stays on it.
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  return null;
}

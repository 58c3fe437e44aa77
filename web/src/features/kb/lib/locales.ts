/** Languages the editor offers and how their names and a heading's name are shown. */

/** Languages offered when adding a translation (any BCP 47 tag may be typed, too). */
export const LANGUAGES: { value: string; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'de', label: 'Deutsch' },
  { value: 'fr', label: 'Français' },
  { value: 'es', label: 'Español' },
  { value: 'it', label: 'Italiano' },
  { value: 'nl', label: 'Nederlands' },
  { value: 'pt', label: 'Português' },
  { value: 'sv', label: 'Svenska' },
  { value: 'da', label: 'Dansk' },
  { value: 'pl', label: 'Polski' },
];

/** A language's own name (`Deutsch` for `de`), else the tag. */
export function languageName(locale: string): string {
  const base = locale.split('-')[0]?.toLowerCase() ?? locale;
  const known = LANGUAGES.find((l) => l.value === base)?.label;
  if (!known) return locale;
  return locale.includes('-') ? `${known} (${locale.split('-').slice(1).join('-')})` : known;
}

/** A category's or section's name in `locale`, else the default locale's, else any. */
export function nameIn(
  translations: Record<string, { name: string; description?: string } | undefined>,
  locale: string,
  fallback: string,
): string {
  return translations[locale]?.name ?? translations[fallback]?.name ?? Object.values(translations)[0]?.name ?? '—';
}

/** Escapes text for HTML (titles inserted as links into a reply). */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The link a reply gets for an article: its public address, its title as text. */
export function articleLinkHtml(url: string, title: string): string {
  return `<a href="${escapeHtml(url)}">${escapeHtml(title)}</a>`;
}

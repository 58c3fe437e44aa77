/**
 * Walks a draft as a customer would (the editor's preview): texts in a
 * locale with the default locale as fallback, the path taken, and the
 * ticket prefill an "open a ticket" outcome would produce — the same text
 * the server builds (`autocrm_domain::tutorials::prefill_text`).
 */
import type { LocaleText, Step } from '../api/tutorials';

/** The text for `locale`, else the same language, else the default locale, else any. */
export function pick(text: LocaleText | undefined, locale: string, fallback: string): string {
  if (!text) return '';
  const exact = text[locale];
  if (exact) return exact;
  const lang = locale.split('-')[0];
  const same = Object.keys(text).find((l) => l.split('-')[0] === lang && text[l]);
  if (same) return text[same] ?? '';
  return text[fallback] ?? Object.values(text)[0] ?? '';
}

export interface PathEntry {
  step: string;
  choice: string;
}

/** Each question with the answer chosen along `path`. */
export function transcript(steps: Step[], path: PathEntry[], locale: string, fallback: string): [string, string][] {
  return path.flatMap((e) => {
    const step = steps.find((s) => s.key === e.step);
    const choice = step?.choices?.find((c) => c.key === e.choice);
    return step && choice ? [[pick(step.title, locale, fallback), pick(choice.label, locale, fallback)] as [string, string]] : [];
  });
}

/** The ticket description an "open a ticket" outcome prefills. */
export function prefillText(title: string, lines: [string, string][]): string {
  return `I went through the tutorial "${title}":\n${lines.map(([q, a], i) => `${i + 1}. ${q} — ${a}\n`).join('')}`;
}

/**
 * Reading the AI's analysis for display. A message's `triage` comes from the
 * API as free JSON (its shape belongs to the AI engine, not the OpenAPI
 * document), so it is parsed defensively here: anything missing or of the
 * wrong type becomes `null` / empty rather than breaking the ticket page.
 */

export type Sentiment = 'negative' | 'neutral' | 'positive';
export type Urgency = 'low' | 'normal' | 'high' | 'urgent';

/** A predicted label with the model's confidence (0..1). */
export interface Labelled {
  label: string;
  confidence: number;
}

/** What the entity extractor found in a message. */
export interface Entities {
  order_numbers: string[];
  emails: string[];
  phones: string[];
  names: string[];
  amounts: string[];
  tracking_numbers: string[];
}

/** One customer message's triage, as far as it could be read. */
export interface Triage {
  category: Labelled | null;
  intent: Labelled | null;
  language: string | null;
  sentiment: { polarity: Sentiment; compound: number } | null;
  urgency: Urgency | null;
  urgency_reasons: string[];
  entities: Entities;
  provenance: { engine: string; model: string } | null;
}

export const SENTIMENTS: Sentiment[] = ['negative', 'neutral', 'positive'];
export const URGENCIES: Urgency[] = ['low', 'normal', 'high', 'urgent'];

const ENTITY_KINDS: (keyof Entities)[] = ['order_numbers', 'tracking_numbers', 'amounts', 'emails', 'phones', 'names'];

/** How each kind of entity is introduced to an agent. */
export const ENTITY_LABELS: Record<keyof Entities, string> = {
  order_numbers: 'Orders',
  tracking_numbers: 'Tracking',
  amounts: 'Amounts',
  emails: 'E-mails',
  phones: 'Phones',
  names: 'Names',
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function labelled(v: unknown): Labelled | null {
  if (!isRecord(v)) return null;
  const label = str(v.label);
  return label ? { label, confidence: num(v.confidence) ?? 0 } : null;
}

export function isSentiment(v: unknown): v is Sentiment {
  return typeof v === 'string' && (SENTIMENTS as string[]).includes(v);
}

export function isUrgency(v: unknown): v is Urgency {
  return typeof v === 'string' && (URGENCIES as string[]).includes(v);
}

/** A message's `triage` JSON as a `Triage`, or `null` when there is none. */
export function parseTriage(value: unknown): Triage | null {
  if (!isRecord(value)) return null;
  const sentiment = isRecord(value.sentiment) && isSentiment(value.sentiment.polarity)
    ? { polarity: value.sentiment.polarity, compound: num(value.sentiment.compound) ?? 0 }
    : null;
  const rawEntities = isRecord(value.entities) ? value.entities : {};
  const entities = Object.fromEntries(ENTITY_KINDS.map((k) => [k, strings(rawEntities[k])])) as unknown as Entities;
  const provenance = isRecord(value.provenance) && str(value.provenance.engine)
    ? { engine: str(value.provenance.engine) as string, model: str(value.provenance.model) ?? '' }
    : null;
  return {
    category: labelled(value.category),
    intent: labelled(value.intent),
    language: str(value.language),
    sentiment,
    urgency: isUrgency(value.urgency) ? value.urgency : null,
    urgency_reasons: strings(value.urgency_reasons),
    entities,
    provenance,
  };
}

/** The newest triage among messages (oldest first, as the API lists them). */
export function latestTriage(messages: readonly { triage?: unknown }[]): Triage | null {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const t = parseTriage(messages[i]?.triage);
    if (t) return t;
  }
  return null;
}

/** Entity lists that found something, in display order. */
export function foundEntities(entities: Entities): { kind: keyof Entities; label: string; values: string[] }[] {
  return ENTITY_KINDS.filter((k) => entities[k].length > 0).map((k) => ({ kind: k, label: ENTITY_LABELS[k], values: entities[k] }));
}

/** "82%" for 0.82. */
export function percent(x: number | null | undefined): string {
  return x == null ? '—' : `${Math.round(x * 100)}%`;
}

/** How a sentiment is shown: a symbol (never colour alone), a word and a colour. */
export const SENTIMENT_LOOK: Record<Sentiment, { symbol: string; label: string; color: string }> = {
  negative: { symbol: '☹', label: 'Negative', color: 'red' },
  neutral: { symbol: '○', label: 'Neutral', color: 'gray' },
  positive: { symbol: '☺', label: 'Positive', color: 'green' },
};

export const URGENCY_COLORS: Record<Urgency, string> = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' };

/** Languages the detector knows, offered in filters and as translation targets. */
export const LANGUAGE_CODES = [
  'en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'da', 'sv', 'nb', 'fi', 'pl', 'cs', 'sk', 'sl', 'hr', 'sr', 'hu', 'ro', 'bg',
  'el', 'tr', 'ru', 'uk', 'lt', 'lv', 'et', 'ca',
];

const displayNames = typeof Intl !== 'undefined' && 'DisplayNames' in Intl ? new Intl.DisplayNames(['en'], { type: 'language' }) : null;

/** "German (de)" for `de`; the code itself when the browser has no name for it. */
export function languageLabel(code: string): string {
  let name: string | undefined;
  try {
    name = displayNames?.of(code);
  } catch {
    // An invalid tag: show it as it is.
    name = undefined;
  }
  return name && name !== code ? `${name} (${code})` : code;
}

/** Language choices: the known ones plus any extra codes already in use. */
export function languageOptions(extra: readonly string[] = []): { value: string; label: string }[] {
  const codes = [...LANGUAGE_CODES, ...extra.filter((c) => !LANGUAGE_CODES.includes(c))];
  return codes.map((c) => ({ value: c, label: languageLabel(c) }));
}

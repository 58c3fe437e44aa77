import { describe, expect, it } from 'vitest';
import { foundEntities, languageLabel, latestTriage, parseTriage } from './triage';

const stored = {
  category: { label: 'shipping', confidence: 0.82 },
  intent: null,
  language: 'de',
  sentiment: { polarity: 'negative', compound: -0.6, positive_probability: 0.2 },
  urgency: 'high',
  urgency_reasons: ['threatens escalation'],
  entities: { order_numbers: ['W1234'], emails: [], phones: [], names: [], amounts: ['€20'], tracking_numbers: [] },
  provenance: { engine: 'builtin', model: 'builtin-triage-v1' },
};

describe('parseTriage', () => {
  it('reads what the engine stores', () => {
    const t = parseTriage(stored);
    expect(t).toMatchObject({
      category: { label: 'shipping', confidence: 0.82 },
      language: 'de',
      sentiment: { polarity: 'negative', compound: -0.6 },
      urgency: 'high',
      urgency_reasons: ['threatens escalation'],
      provenance: { engine: 'builtin' },
    });
    expect(foundEntities(t!.entities).map((e) => e.label)).toEqual(['Orders', 'Amounts']);
  });

  it('drops what it does not recognise instead of failing', () => {
    expect(parseTriage(null)).toBeNull();
    expect(parseTriage('x')).toBeNull();
    const t = parseTriage({ sentiment: { polarity: 'furious' }, urgency: 'now', urgency_reasons: [1, 'late'], entities: 'none' });
    expect(t).toMatchObject({ sentiment: null, urgency: null, urgency_reasons: ['late'], category: null });
    expect(t!.entities.order_numbers).toEqual([]);
  });
});

describe('latestTriage', () => {
  it('takes the newest message that has one', () => {
    const older = { triage: { ...stored, urgency: 'low' } };
    const newer = { triage: stored };
    expect(latestTriage([older, newer, { triage: null }])?.urgency).toBe('high');
    expect(latestTriage([{ triage: null }])).toBeNull();
  });
});

describe('languageLabel', () => {
  it('names a language with its code', () => {
    expect(languageLabel('de')).toBe('German (de)');
    expect(languageLabel('not a tag!')).toBe('not a tag!');
  });
});

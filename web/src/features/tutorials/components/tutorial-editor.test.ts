import { describe, expect, it } from 'vitest';
import type { Step } from '../api/tutorials';
import { freshKey, withText } from './step-form';
import { renameStep, toInput, type Draft } from './tutorial-editor';

const step = (key: string, to?: string): Step => ({
  key,
  title: { en: key },
  choices: [{ key: 'go', label: { en: 'Go' }, target: to ? { type: 'step', step: to } : { type: 'solved' } }],
});

describe('the editor draft', () => {
  it('renames a step with every reference to it', () => {
    const d: Draft = { title: { en: 'T' }, description: {}, tags: [], default_locale: 'en', start: 'a', steps: [step('a', 'b'), step('b', 'a')] };
    const r = renameStep(d, 'a', 'first');
    expect(r.start).toBe('first');
    expect(r.steps.map((s) => s.key)).toEqual(['first', 'b']);
    expect(r.steps[1]!.choices![0]!.target).toEqual({ type: 'step', step: 'first' });
    expect(toInput(r, 4)).toMatchObject({ start: 'first', revision: 4 });
  });

  it('removes a translation when its text is emptied and finds free keys', () => {
    expect(withText({ en: 'Hi', de: 'Hallo' }, 'de', ' ')).toEqual({ en: 'Hi' });
    expect(withText({ en: 'Hi' }, 'fr', 'Salut')).toEqual({ en: 'Hi', fr: 'Salut' });
    expect(freshKey('step-2', ['step-2', 'step-2-2'])).toBe('step-2-3');
  });
});

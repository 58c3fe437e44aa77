import { describe, expect, it } from 'vitest';
import { layout, stepOfPointer, type GraphStep } from './graph';
import { pick, prefillText, transcript } from './walk';

const steps: GraphStep[] = [
  { key: 'a', title: 'A', choices: [{ key: 'x', label: 'to b', target: { type: 'step', step: 'b' } }, { key: 'y', label: 'done', target: { type: 'solved' } }] },
  { key: 'b', title: 'B', choices: [{ key: 'back', label: 'again', target: { type: 'step', step: 'a' } }, { key: 't', label: 'help', target: { type: 'open_ticket' } }] },
  { key: 'lost', title: 'Lost', choices: [] },
];

describe('layout', () => {
  it('puts steps in layers by distance from the start, outcomes under their step and unreachable steps last', () => {
    const l = layout(steps, 'a');
    const node = (id: string) => l.nodes.find((n) => n.id === id)!;
    expect(node('a').layer).toBe(0);
    expect(node('b').layer).toBe(1);
    expect(node('out:a:y').layer).toBe(1);
    expect(node('out:b:t').kind).toBe('open_ticket');
    expect(node('lost').reachable).toBe(false);
    expect(node('lost').y).toBeGreaterThan(node('out:b:t').y);
    expect(l.edges.find((e) => e.id === 'b:back')!.back).toBe(true);
    expect(l.edges.find((e) => e.id === 'a:x')!.back).toBe(false);
    // Nodes of one layer never overlap.
    const row = l.nodes.filter((n) => n.layer === 1).sort((p, q) => p.x - q.x);
    expect(row[1]!.x).toBeGreaterThan(row[0]!.x + 100);
    expect(l.width).toBeGreaterThan(0);
  });

  it('finds the step a problem points at', () => {
    expect(stepOfPointer('/steps/3/choices/0/target/step')).toBe(3);
    expect(stepOfPointer('/steps/12')).toBe(12);
    expect(stepOfPointer('/start')).toBeNull();
  });
});

describe('walk', () => {
  it('falls back to the language, then the default locale', () => {
    expect(pick({ en: 'Hi', de: 'Hallo' }, 'de-AT', 'en')).toBe('Hallo');
    expect(pick({ en: 'Hi' }, 'fr', 'en')).toBe('Hi');
  });

  it('builds the same prefill text as the server', () => {
    const s = [
      { key: 'a', title: { en: 'Shipped?' }, choices: [{ key: 'y', label: { en: 'Yes' }, target: { type: 'step' as const, step: 'b' } }] },
      { key: 'b', title: { en: 'Delivered?' }, choices: [{ key: 'n', label: { en: 'No' }, target: { type: 'open_ticket' as const } }] },
    ];
    const lines = transcript(s, [{ step: 'a', choice: 'y' }, { step: 'b', choice: 'n' }], 'en', 'en');
    expect(prefillText('Parcel', lines)).toBe('I went through the tutorial "Parcel":\n1. Shipped? — Yes\n2. Delivered? — No\n');
  });
});

import { describe, expect, it } from 'vitest';
import { formatDuration, lastDays } from './reports';

describe('formatDuration', () => {
  it('picks a readable unit', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125 * 60)).toBe('2 h 5 min');
    expect(formatDuration(3 * 24 * 3600)).toBe('3 d');
  });
});

describe('lastDays', () => {
  it('ends at the next whole hour and spans the days asked', () => {
    const p = lastDays(7, new Date('2026-11-21T12:34:56Z'));
    expect(p.to).toBe('2026-11-21T13:00:00.000Z');
    expect(p.from).toBe('2026-11-14T13:00:00.000Z');
  });
});

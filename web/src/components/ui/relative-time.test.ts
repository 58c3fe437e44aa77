import { describe, expect, it } from 'vitest';
import { relativeTime } from './relative-time';

describe('relativeTime', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it('names the largest whole unit', () => {
    expect(relativeTime('2026-11-21T09:00:00Z', now)).toMatch(/3 hours ago/);
    expect(relativeTime('2026-11-14T12:00:00Z', now)).toMatch(/last week|1 week ago/);
  });
  it('says just now under a minute', () => {
    expect(relativeTime('2026-11-21T11:59:30Z', now)).toBe('just now');
  });
});

import { describe, expect, it } from 'vitest';
import { opsFor } from './view-editor';

describe('opsFor', () => {
  it('offers ordering only for numbers, decimals and dates', () => {
    expect(opsFor('number')).toContain('gt');
    expect(opsFor('date')).toContain('lt');
    expect(opsFor('text')).not.toContain('gt');
    expect(opsFor('checkbox')).not.toContain('contains');
  });
  it('compares multi-selects by membership only', () => {
    expect(opsFor('multi_select')).toEqual(['contains', 'set', 'unset']);
  });
});

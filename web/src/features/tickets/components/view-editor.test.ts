import { describe, expect, it } from 'vitest';
import { opsFor, withChosen } from './view-editor';

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

describe('withChosen', () => {
  it('keeps a chosen value the options lack (a category deleted since), once', () => {
    const options = [{ value: 'shipping', label: 'Shipping' }];
    expect(withChosen(options, ['shipping', 'legacy'])).toEqual([...options, { value: 'legacy', label: 'legacy' }]);
    expect(withChosen(options, [])).toEqual(options);
  });
});

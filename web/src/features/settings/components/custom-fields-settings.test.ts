import { describe, expect, it } from 'vitest';
import { keyFromLabel } from './custom-fields-settings';

describe('keyFromLabel', () => {
  it('turns a label into a snake_case key', () => {
    expect(keyFromLabel('Order number')).toBe('order_number');
    expect(keyFromLabel('  Größe / Size! ')).toBe('gro_e_size');
    expect(keyFromLabel('Café crème')).toBe('cafe_creme');
  });
});

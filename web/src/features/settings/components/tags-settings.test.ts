import { describe, expect, it } from 'vitest';
import { normalizeTag, onTickets } from './tags-settings';

describe('normalizeTag', () => {
  it('normalises like the server: trimmed, lower case, spaces as dashes', () => {
    expect(normalizeTag('  VIP Customer ')).toBe('vip-customer');
    expect(normalizeTag('refund:requested')).toBe('refund:requested');
    expect(normalizeTag('Größe_XL')).toBe('größe_xl');
  });

  it('refuses what cannot be a tag', () => {
    expect(normalizeTag('no<script>')).toBeNull();
    expect(normalizeTag('   ')).toBeNull();
    expect(normalizeTag('x'.repeat(65))).toBeNull();
    expect(normalizeTag('x'.repeat(64))).toBe('x'.repeat(64));
  });
});

describe('onTickets', () => {
  it('counts tickets in words', () => {
    expect(onTickets(1)).toBe('on 1 ticket');
    expect(onTickets(3)).toBe('on 3 tickets');
  });
});

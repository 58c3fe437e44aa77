import { describe, expect, it } from 'vitest';
import { ApiError, fieldErrors } from '@/lib/api-client';
import type { Workspace } from '../api/workspace';
import { canonicalLocale, changedFields, timeZoneOptions } from './workspace-settings';

const saved: Workspace = {
  id: 1,
  slug: 'acme',
  name: 'Acme',
  time_zone: 'UTC',
  locale: 'en',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

describe('timeZoneOptions', () => {
  it('always offers UTC and the current zone, sorted and without duplicates', () => {
    expect(timeZoneOptions('Europe/Berlin', ['Europe/Paris', 'America/New_York'])).toEqual([
      'America/New_York',
      'Europe/Berlin',
      'Europe/Paris',
      'UTC',
    ]);
    expect(timeZoneOptions('UTC', ['UTC'])).toEqual(['UTC']);
  });

  it('lists the IANA zones the runtime knows', () => {
    expect(timeZoneOptions('UTC')).toContain('Europe/Berlin');
  });
});

describe('canonicalLocale', () => {
  it('puts a language tag in canonical case and refuses what is not one', () => {
    expect(canonicalLocale('en-us')).toBe('en-US');
    expect(canonicalLocale(' de ')).toBe('de');
    expect(canonicalLocale('zh-hant-tw')).toBe('zh-Hant-TW');
    expect(canonicalLocale('en_US')).toBeNull();
    expect(canonicalLocale('')).toBeNull();
  });
});

describe('changedFields', () => {
  it('sends only what changed', () => {
    expect(changedFields(saved, { name: 'Acme', time_zone: 'UTC', locale: 'en' })).toEqual({});
    expect(changedFields(saved, { name: ' Acme ', time_zone: 'Europe/Berlin', locale: 'en' })).toEqual({ time_zone: 'Europe/Berlin' });
    expect(changedFields(saved, { name: 'Acme EU', time_zone: 'UTC', locale: 'de-CH' })).toEqual({ name: 'Acme EU', locale: 'de-CH' });
  });
});

describe('fieldErrors', () => {
  it('maps a problem document’s pointers to field names', () => {
    const error = new ApiError(422, {
      code: 'invalid_input',
      errors: [
        { pointer: '/time_zone', detail: 'must be an IANA time zone' },
        { pointer: '/locale', detail: 'must be a BCP 47 language tag' },
      ],
    });
    expect(fieldErrors(error)).toEqual({ time_zone: 'must be an IANA time zone', locale: 'must be a BCP 47 language tag' });
    expect(fieldErrors(new Error('offline'))).toEqual({});
    expect(fieldErrors(null)).toEqual({});
  });
});

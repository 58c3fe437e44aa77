import { describe, expect, it } from 'vitest';
import { browserLocale, translate } from './i18n';
import { safeNext } from './components/auth-pages';

describe('portal language', () => {
  it('follows the browser to German or English and falls back to English', () => {
    expect(browserLocale(['de-AT', 'en'])).toBe('de');
    expect(browserLocale(['fr-FR', 'en-GB'])).toBe('en');
    expect(browserLocale(['fr-FR'])).toBe('en');
  });

  it('fills placeholders in both languages', () => {
    expect(translate('en', 'signIn.title', { shop: 'Everline' })).toBe('Sign in to Everline support');
    expect(translate('de', 'signIn.title', { shop: 'Everline' })).toBe('Anmeldung beim Support von Everline');
  });
});

describe('safeNext', () => {
  it('keeps portal paths and drops anything that could leave the portal', () => {
    expect(safeNext('/portal/tickets/4')).toBe('/portal/tickets/4');
    expect(safeNext('https://evil.example/portal')).toBe('/portal');
    expect(safeNext('//evil.example')).toBe('/portal');
    expect(safeNext('/queue')).toBe('/portal');
    expect(safeNext(null)).toBe('/portal');
  });
});

import { describe, expect, it } from 'vitest';
import { articleLinkHtml, languageName, nameIn } from './locales';

describe('knowledge-base locale helpers', () => {
  it('names languages in their own words and keeps unknown tags', () => {
    expect(languageName('de')).toBe('Deutsch');
    expect(languageName('de-CH')).toBe('Deutsch (CH)');
    expect(languageName('tlh')).toBe('tlh');
  });

  it('falls back to the default locale, then to any name', () => {
    const names = { en: { name: 'Orders' }, de: { name: 'Bestellungen' } };
    expect(nameIn(names, 'de', 'en')).toBe('Bestellungen');
    expect(nameIn(names, 'fr', 'en')).toBe('Orders');
    expect(nameIn({ de: { name: 'Nur Deutsch' } }, 'fr', 'en')).toBe('Nur Deutsch');
  });

  it('escapes a title inserted as a link so it cannot become markup', () => {
    expect(articleLinkHtml('https://x.test/help/articles/1?lang=en&a=b', '<img src=x onerror=alert(1)>')).toBe(
      '<a href="https://x.test/help/articles/1?lang=en&amp;a=b">&lt;img src=x onerror=alert(1)&gt;</a>',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { htmlToText, safeHref, sameText, textToHtml } from './text';

describe('textToHtml', () => {
  it('escapes markup so a suggestion is inserted as the text it is', () => {
    const html = textToHtml('Hi <b>Ana</b> & co,\n<img src=x onerror=alert(1)>\n\nBest');
    expect(html).toBe('<p>Hi &lt;b&gt;Ana&lt;/b&gt; &amp; co,<br>&lt;img src=x onerror=alert(1)&gt;</p><p>Best</p>');
  });
});

describe('htmlToText', () => {
  it('reads a sent reply back as text with its paragraphs, without running anything', () => {
    expect(htmlToText('<p>Hello Ana,</p><p>it ships <b>today</b>.<br>Tracking: 1Z</p>')).toBe('Hello Ana,\n\nit ships today.\nTracking: 1Z');
    expect(htmlToText(textToHtml('a <script>x</script>\n\nb'))).toBe('a <script>x</script>\n\nb');
  });
});

describe('sameText', () => {
  it('ignores how whitespace is laid out, nothing else', () => {
    expect(sameText('Hello\n\nAna ', 'Hello Ana')).toBe(true);
    expect(sameText('Hello Ana', 'Hello Anna')).toBe(false);
  });
});

describe('safeHref', () => {
  it('links web addresses and paths on this site only', () => {
    expect(safeHref('https://help.example.com/a')).toBe('https://help.example.com/a');
    expect(safeHref('/help/en/articles/3')).toBe('/help/en/articles/3');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref(null)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { linkedText, safeHtml } from './dom';

function html(frag: DocumentFragment): string {
  const div = document.createElement('div');
  div.append(frag);
  return div.innerHTML;
}

describe('safeHtml', () => {
  it('keeps formatting and drops scripts, handlers and dangerous links', () => {
    const out = html(
      safeHtml(
        '<p onclick="x()">Hi <b>there</b><script>alert(1)</script><img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a> <a href="/help/1">ok</a></p><iframe src="https://evil.test"></iframe>',
        'https://crm.test',
      ),
    );
    expect(out).not.toMatch(/script|onclick|onerror|javascript|iframe/);
    expect(out).toContain('<b>there</b>');
    expect(out).toContain('href="https://crm.test/help/1"');
    expect(out).toContain('rel="noopener noreferrer nofollow"');
  });
});

describe('linkedText', () => {
  it('shows markup as text and links URLs', () => {
    const out = html(linkedText('<img src=x onerror=alert(1)> https://shop.test'));
    expect(out).toBe('&lt;img src=x onerror=alert(1)&gt; <a href="https://shop.test" target="_blank" rel="noopener noreferrer nofollow">https://shop.test</a>');
  });
});

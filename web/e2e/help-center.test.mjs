// The public help center in a real browser against the real binary on a
// fresh demo database: two languages with a remembered switcher, search
// without JavaScript (highlighting, "did you mean"), suggestions while
// typing with JavaScript, an agent publishing an article that then appears
// in /help, and an XSS payload in an article body that never runs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, signIn, startBrowser, startServer } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A browser context signed in through the API, with the CSRF token for writes. */
async function apiSession(context) {
  const res = await context.request.post(`${server.base}/api/v1/session`, {
    data: { workspace: DEMO.workspace, email: DEMO.agent, password: DEMO.password },
  });
  assert.equal(res.status(), 201, await res.text());
  const { csrf_token: csrf } = await res.json();
  return {
    get: (path) => context.request.get(`${server.base}${path}`),
    post: (path, data) => context.request.post(`${server.base}${path}`, { data, headers: { 'X-CSRF-Token': csrf } }),
  };
}

test('the help center reads in German and English and remembers the language chosen', async () => {
  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();

  await page.goto(`${server.base}/help`);
  await page.getByRole('heading', { level: 1, name: 'Wie können wir helfen?' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  await page.getByRole('link', { name: 'Rücksendungen & Umtausch' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Rücksendungen & Umtausch' }).waitFor();

  // Switch to English: the choice sticks on pages opened without `lang`.
  await page.getByRole('navigation', { name: 'Sprache' }).getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Returns & exchanges' }).waitFor();
  await page.goto(`${server.base}/help`);
  await page.getByRole('heading', { level: 1, name: 'How can we help?' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');

  // An article has one URL per language.
  await page.getByRole('link', { name: 'Cancel an order' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Cancel an order' }).waitFor();
  const alternates = await page.locator('link[rel=alternate]').evaluateAll((links) => links.map((l) => l.hreflang));
  assert.deepEqual(alternates.sort(), ['de', 'en', 'x-default']);
  await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Deutsch' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bestellung stornieren' }).waitFor();
  await context.close();
});

test('search works without JavaScript: results are highlighted and typos corrected', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
  const page = await context.newPage();

  await page.goto(`${server.base}/help`);
  const box = page.getByRole('searchbox', { name: 'Search the help center' });
  await box.fill('refnd');
  await box.press('Enter');

  await page.waitForURL(/\/help\/search\?q=refnd/);
  await page.getByText('Showing results for').waitFor();
  assert.ok(await page.getByRole('link', { name: 'When will I get my refund?' }).isVisible());
  const marks = await page.locator('.results mark').allInnerTexts();
  assert.ok(marks.some((m) => m.toLowerCase().startsWith('refund')), `highlighted: ${marks}`);

  // "Was this helpful?" also works as a plain form.
  await page.getByRole('link', { name: 'When will I get my refund?' }).click();
  await page.getByRole('button', { name: 'Yes' }).click();
  await page.getByText('Thank you for your feedback!').waitFor();
  await context.close();
});

test('suggestions appear while typing and open an article from the keyboard', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();

  await page.goto(`${server.base}/help`);
  const box = page.getByRole('combobox', { name: 'Search the help center' });
  await box.pressSequentially('canc', { delay: 40 });
  const list = page.getByRole('listbox', { name: 'Suggested articles' });
  await list.getByRole('option', { name: 'Cancel an order' }).waitFor();
  assert.equal(await box.getAttribute('aria-expanded'), 'true');

  await box.press('ArrowDown');
  const first = await list.getByRole('option').first().innerText();
  await box.press('Enter');
  await page.getByRole('heading', { level: 1, name: first.trim() }).waitFor();
  await context.close();
});

test('an agent writes and publishes an article in the app and it appears in the help center', async () => {
  const stamp = Date.now();
  const title = `Gift wrapping ${stamp}`;
  const context = await browser.newContext();
  const agent = await context.newPage();
  await signIn(agent, server.base, DEMO.agent);

  await agent.getByRole('link', { name: 'Knowledge base' }).click();
  await agent.getByRole('heading', { name: 'Knowledge base' }).waitFor();
  await agent.getByRole('button', { name: 'New article' }).click();
  const dialog = agent.getByRole('dialog', { name: 'New article' });
  await dialog.getByRole('textbox', { name: /^Title/ }).fill(title);
  await dialog.getByLabel('Section').click();
  await agent.getByRole('option', { name: 'Your order' }).click();
  await dialog.getByRole('button', { name: 'Create draft' }).click();

  const body = agent.getByRole('textbox', { name: 'Body (English)' });
  await body.click();
  await agent.keyboard.type(`Every order ${stamp} can be gift wrapped for free.`);
  await agent.getByRole('button', { name: 'Save English' }).click();
  await agent.getByText('Saved English as version 2.').waitFor();
  await agent.getByRole('button', { name: 'Publish' }).click();
  await agent.getByText('Published to the help center.').waitFor();

  const visitor = await browser.newPage({ locale: 'en-US' });
  await visitor.goto(`${server.base}/help/search?q=${stamp}`);
  await visitor.getByRole('link', { name: title }).click();
  await visitor.getByRole('heading', { level: 1, name: title }).waitFor();
  assert.ok(await visitor.getByText(`Every order ${stamp} can be gift wrapped for free.`).isVisible());
  await visitor.close();
  await context.close();
});

test('an XSS payload in an article body never runs in the help center or the agent app', async () => {
  const context = await browser.newContext();
  const api = await apiSession(context);
  const tree = await (await api.get('/api/v1/kb/categories')).json();
  const section = tree.data[0].sections[0].id;
  const payload =
    '<p>Harmless text</p><img src="x" onerror="window.__xss = 1"><script>window.__xss = 2</script>' +
    '<a href="javascript:window.__xss=3">click</a><svg onload="window.__xss = 4"></svg>';
  const created = await api.post('/api/v1/kb/articles', {
    title: '<script>window.__xss = 5</script> Payload',
    body_html: payload,
    section_id: section,
    status: 'published',
  });
  assert.equal(created.status(), 201, await created.text());
  const { id } = await created.json();

  const dialogs = [];
  const visitor = await browser.newPage();
  visitor.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await visitor.goto(`${server.base}/help/articles/${id}`);
  await visitor.getByText('Harmless text').waitFor();
  await visitor.getByRole('link', { name: 'click' }).click().catch(() => {});
  assert.equal(await visitor.evaluate(() => globalThis.__xss), undefined);
  assert.ok(await visitor.getByRole('heading', { level: 1, name: /<script>window.__xss = 5<\/script> Payload/ }).isVisible());

  // The context is signed in already (the API session above).
  const agent = await context.newPage();
  await agent.goto(`${server.base}/knowledge/articles/${id}`);
  await agent.getByRole('textbox', { name: 'Body (English)' }).getByText('Harmless text').waitFor();
  assert.equal(await agent.evaluate(() => globalThis.__xss), undefined);
  assert.deepEqual(dialogs, []);
  await visitor.close();
  await context.close();
});

// The chat widget on a shop page of another origin (http://127.0.0.2), in a
// real browser against the real binary: a visitor searches the help center,
// opens an article, runs a tutorial in the widget to "open a ticket" and
// takes what it told the tutorial into a chat; an agent sees it in the agent
// app with "… is typing" and answers, the visitor sees the answer live; the
// agent solves the chat, the visitor rates it in the widget and the agent
// sees the rating. XSS payloads in the chat message and the visitor's name
// run in neither the widget nor the agent app.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, apiAs, signIn, startBrowser, startServer, startShop } from './harness.mjs';

const XSS = '<img src=x onerror="window.__xss=(window.__xss||0)+1">';

let server;
let browser;
let shop;
let shopOrigin;

/** The shop's page: loud styles, and the one script tag. */
function shopPage(base) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop on another origin</title>
<style>body{font:20px Georgia,serif;color:#700} div,button,p{letter-spacing:3px !important;color:#0a0 !important}</style></head>
<body><h1>A different site</h1><p>Products…</p>
<script src="${base}/widget.js" data-workspace="demo" async></script></body></html>`;
}

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  shop = await startShop(shopPage(server.base));
  shopOrigin = `http://127.0.0.2:${shop.address().port}`;
});

after(async () => {
  shop?.close();
  await browser?.close();
  await server?.stop();
});

test('a visitor on another site searches help, runs a tutorial into a chat, sees the agent answer live and rates the solved chat; XSS runs nowhere', async () => {
  // The admin allows the shop's origin (the demo allows 127.0.0.2 on any port; set it explicitly).
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, server.base, DEMO.admin);
  const current = await apiAs(admin, 'GET', '/api/v1/chat/settings');
  const sites = [...new Set([...current.json.allowed_origins, shopOrigin])];
  const saved = await apiAs(admin, 'PATCH', '/api/v1/chat/settings', { enabled: true, allowed_origins: sites });
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  // A published help article to find (with markup the sanitisers must neutralise).
  const cat = await apiAs(admin, 'POST', '/api/v1/kb/categories', { translations: { en: { name: 'Quokka shipping' } } });
  const sec = await apiAs(admin, 'POST', `/api/v1/kb/categories/${cat.json?.id}/sections`, {
    translations: { en: { name: 'Quokka delivery' } },
  });
  const art = await apiAs(admin, 'POST', '/api/v1/kb/articles', {
    title: 'Quokka delivery times',
    body_html: `<p>Parcels arrive within 3–5 working days.</p>${XSS}<script>window.__xss=1</script>`,
    locale: 'en',
    section_id: sec.json?.id,
    status: 'published',
  });
  assert.ok(art.status < 300, `article: ${JSON.stringify([cat, sec, art])}`);
  // A published tutorial whose "it has not moved" answer opens a ticket.
  const guide = await apiAs(admin, 'POST', '/api/v1/tutorials', {
    title: { en: 'Quokka parcel check' },
    description: { en: 'Find out where your parcel is' },
    start: 'where',
    steps: [
      {
        key: 'where',
        title: { en: 'What does the quokka tracking say?' },
        content: { en: `<p>Look at the tracking page.</p>${XSS}` },
        choices: [
          { key: 'stuck', label: { en: 'It has not moved for days' }, target: { type: 'open_ticket', subject: { en: 'Quokka parcel stuck' } } },
          { key: 'moving', label: { en: 'It is on its way' }, target: { type: 'solved' } },
        ],
      },
    ],
  });
  assert.equal(guide.status, 201, JSON.stringify(guide.json));
  const published = await apiAs(admin, 'POST', `/api/v1/tutorials/${guide.json.id}/publish`);
  assert.equal(published.status, 200, JSON.stringify(published.json));
  for (let i = 0; i < 50; i++) {
    const hits = await fetch(`${server.base}/api/v1/help/search?q=quokka&workspace=demo`).then((r) => r.json());
    if (hits.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await adminCtx.close();

  // An agent is in the app (and so online for chats).
  const agentCtx = await browser.newContext();
  const agent = await agentCtx.newPage();
  const agentDialogs = [];
  agent.on('dialog', (d) => {
    agentDialogs.push(d.message());
    void d.dismiss();
  });
  await signIn(agent, server.base, DEMO.agent);
  await agent.getByTestId('chat-availability').waitFor();

  // The visitor opens the shop page; the launcher is there, untouched by the page's styles.
  const visitorCtx = await browser.newContext({ locale: 'en-US' });
  const visitor = await visitorCtx.newPage();
  const visitorDialogs = [];
  visitor.on('dialog', (d) => {
    visitorDialogs.push(d.message());
    void d.dismiss();
  });
  await visitor.goto(`${shopOrigin}/`);
  const launcher = visitor.getByRole('button', { name: /^Open chat/ });
  await launcher.waitFor();
  const spacing = await launcher.evaluate((el) => globalThis.getComputedStyle(el).letterSpacing);
  assert.notEqual(spacing, '3px', 'the page styles do not reach into the widget');
  await launcher.click();
  await visitor.getByRole('dialog', { name: 'Everline Shop' }).waitFor();
  // The panel's name follows its title (a tutorial's panel is "Step-by-step guides").
  const dialog = visitor.getByRole('dialog');

  // Help center search inside the widget (when the knowledge base answers).
  const search = dialog.getByRole('searchbox', { name: 'Search our help center' });
  await search.fill('quokka');
  const firstResult = dialog.getByRole('search').getByRole('listitem').first().getByRole('button');
  await firstResult.waitFor();
  const title = (await firstResult.locator('.title').innerText()).trim();
  await firstResult.click();
  await dialog.getByRole('heading', { name: title }).waitFor();
  await dialog.getByText('Parcels arrive within').waitFor();
  assert.equal(await dialog.locator('article script, article [onerror]').count(), 0, 'no script or handler survives');
  await dialog.getByRole('button', { name: 'Back' }).click();

  // A tutorial in the widget, run to its "open a ticket" outcome: the path taken goes into a chat.
  const guides = dialog.getByRole('region', { name: 'Step-by-step guides' });
  await guides.getByRole('button', { name: /Quokka parcel check/ }).click();
  await dialog.getByRole('heading', { name: 'What does the quokka tracking say?' }).waitFor();
  assert.equal(await dialog.locator('article img[onerror], article script').count(), 0, 'step content is sanitised');
  await dialog.getByRole('button', { name: 'It has not moved for days' }).click();
  await dialog.getByRole('heading', { name: 'Open a ticket' }).waitFor();
  await dialog.getByText('What does the quokka tracking say? — It has not moved for days').waitFor();
  await dialog.getByRole('button', { name: 'Chat with us instead' }).click();
  const composer = dialog.getByRole('textbox', { name: 'Message' });
  await composer.waitFor();
  const prefilled = await composer.inputValue();
  assert.match(prefilled, /Quokka parcel check/);
  assert.match(prefilled, /What does the quokka tracking say\? — It has not moved for days/);

  // The visitor gives a name carrying markup, then sends the chat with markup in it.
  await visitor.waitForFunction(() => Object.keys(localStorage).some((k) => k.endsWith(':demo:visitor')));
  const named = await visitor.evaluate(
    async ({ base, name }) => {
      const key = Object.keys(localStorage).find((k) => k.endsWith(':demo:visitor'));
      const { token } = JSON.parse(localStorage.getItem(key));
      const res = await fetch(`${base}/api/v1/widget/visitor`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      return res.status;
    },
    { base: server.base, name: `Ida ${XSS}` },
  );
  assert.equal(named, 200);
  await composer.fill(`Where is my parcel? ${XSS}\n${prefilled}`);
  await composer.press('Enter');
  const log = dialog.getByRole('log');
  await log.getByText('Where is my parcel?', { exact: false }).waitFor();

  // The agent finds the chat ticket and opens it (the widget shows the message
  // before the server has stored it: wait for the ticket).
  let ticket = null;
  for (let i = 0; i < 50 && !ticket; i += 1) {
    const chats = await apiAs(agent, 'GET', '/api/v1/tickets?channel=chat');
    ticket = chats.json?.data?.find((t) => t.subject.includes('Where is my parcel?')) ?? null;
    if (!ticket) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(ticket, 'the chat is a ticket of channel chat');
  await agent.goto(`${server.base}/tickets/${ticket.id}`);
  await agent.getByTestId('chat-footer').waitFor();
  await agent.getByTestId('public-message').filter({ hasText: 'Where is my parcel?' }).waitFor();
  await agent.getByTestId('public-message').filter({ hasText: 'It has not moved for days' }).waitFor();

  // The visitor types: the agent sees it.
  await composer.pressSequentially('Also, can I', { delay: 30 });
  await agent.getByTestId('chat-typing').filter({ hasText: 'is typing' }).waitFor({ timeout: 10_000 });

  // The agent answers; the visitor sees it live, and "Anna is typing" first.
  const editor = agent.getByRole('textbox', { name: 'Reply' });
  await editor.click();
  await editor.pressSequentially('It left our warehouse today.');
  await dialog.getByText(/is typing/).waitFor({ timeout: 10_000 });
  await agent.getByRole('button', { name: 'Send reply' }).click();
  await log.getByText('It left our warehouse today.').waitFor({ timeout: 10_000 });

  // The visitor's network drops; an answer written meanwhile arrives once, after reconnecting.
  await visitorCtx.setOffline(true);
  await new Promise((r) => setTimeout(r, 1000));
  await editor.click();
  await editor.pressSequentially('Tracking number follows.');
  await agent.getByRole('button', { name: 'Send reply' }).click();
  await agent.getByTestId('public-message').filter({ hasText: 'Tracking number follows.' }).waitFor();
  await new Promise((r) => setTimeout(r, 1000));
  await visitorCtx.setOffline(false);
  await log.getByText('Tracking number follows.').waitFor({ timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await log.getByText('Tracking number follows.').count(), 1, 'no duplicate after the reconnect');
  assert.equal(await log.getByText('It left our warehouse today.').count(), 1);

  // The visitor read it: the agent sees "Seen".
  await agent.getByTestId('chat-seen').waitFor({ timeout: 10_000 });

  // Markup stayed text everywhere; nothing ran.
  const shownInWidget = await log.getByText(XSS, { exact: false }).count();
  assert.ok(shownInWidget >= 1, 'the payload is shown as text in the widget');
  assert.equal(await visitor.evaluate(() => globalThis.__xss), undefined);
  assert.equal(await agent.evaluate(() => globalThis.__xss), undefined);
  await agent.getByText(`Ida ${XSS}`).first().waitFor();
  assert.equal(await agent.locator('img[src="x"]').count(), 0);
  assert.deepEqual(agentDialogs, []);
  assert.deepEqual(visitorDialogs, []);

  // The agent solves the chat: the widget asks for a rating at once, without a reload.
  const status = agent.getByTestId('properties').getByLabel('Status', { exact: true });
  await status.click();
  await agent.getByRole('option', { name: 'Solved' }).click();
  const rating = dialog.getByRole('region', { name: 'How did we do?' });
  await rating.waitFor({ timeout: 10_000 });
  await rating.getByRole('button', { name: /Good/ }).click();
  await rating.getByRole('textbox', { name: 'Tell us more (optional)' }).fill(`Quick and friendly ${XSS}`);
  await rating.getByRole('button', { name: 'Send rating' }).click();
  await rating.getByText('You rated this chat: Good').waitFor();
  await rating.getByText(`Quick and friendly ${XSS}`).waitFor();
  assert.ok(await rating.getByRole('button', { name: 'Change rating' }).isVisible(), 'changeable for 7 days');

  // The agent app shows the rating on the ticket, live.
  const badge = agent.getByTestId('ticket-rating');
  await badge.waitFor({ timeout: 10_000 });
  assert.match(await badge.textContent(), /Rated good/);
  assert.equal(await visitor.evaluate(() => globalThis.__xss), undefined);
  assert.equal(await agent.evaluate(() => globalThis.__xss), undefined);

  // Keyboard: Escape closes the panel and focus returns to the launcher.
  await composer.focus();
  await visitor.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await launcher.evaluate((el) => el.getRootNode().activeElement === el), true);

  await visitorCtx.close();
  await agentCtx.close();
});

test('requests from a site that is not allowed get nothing', async () => {
  const res = await fetch(`${server.base}/api/v1/widget/config?workspace=demo`, { headers: { origin: 'http://evil.test' } });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  const ok = await fetch(`${server.base}/api/v1/widget/config?workspace=demo`, { headers: { origin: shopOrigin } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), shopOrigin);
});

test('on a phone the panel fills the screen', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await page.goto(`${shopOrigin}/`);
  await page.getByRole('button', { name: /^Open chat/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Everline Shop' });
  await dialog.waitFor();
  const box = await dialog.boundingBox();
  assert.ok(box && box.width >= 388 && box.height >= 740, `panel ${JSON.stringify(box)}`);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await ctx.close();
});

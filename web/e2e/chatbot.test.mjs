// The chatbot in a real browser against the real binary on a fresh demo database:
// an admin turns it on in Settings → AI; a visitor on a shop page of another
// origin (http://127.0.0.2) asks how to return an item and gets the bot's answer
// with a link to the help center's returns article; an agent sees the chat
// "Handled by the chatbot"; the visitor presses "Talk to a person", sees the
// bot hand over, and the agent sees the internal hand-off note live while the
// chatbot badge goes away.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, apiAs, signIn, startBrowser, startServer, startShop } from './harness.mjs';

const BOT_NAME = 'Eve from Everline';

let server;
let browser;
let shop;
let shopOrigin;

/** The shop's page with the widget's script tag. */
function shopPage(base) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Everline shop</title></head>
<body><h1>Everline</h1><p>Shoes and more.</p>
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

test('the chatbot answers a visitor with the returns article and hands over to an agent on request', async () => {
  // The help center the bot answers from has a published returns article.
  const hits = await fetch(`${server.base}/api/v1/help/search?q=return%20items&workspace=demo&locale=en`).then((r) => r.json());
  const returns = (Array.isArray(hits) ? hits : hits.data).find((a) => /return/i.test(a.title));
  assert.ok(returns, `the demo help center has a returns article: ${JSON.stringify(hits)}`);

  // The admin turns the chatbot on in Settings → AI, under a name of their choosing.
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, server.base, DEMO.admin);
  await admin.goto(`${server.base}/settings/ai`);
  const form = admin.getByRole('form', { name: 'Chatbot settings' });
  await form.waitFor();
  const toggle = form.getByRole('switch', { name: 'Answer new chats with the chatbot' });
  if (!(await toggle.isChecked())) await toggle.click({ force: true });
  await form.getByRole('textbox', { name: /Chatbot name/ }).fill(BOT_NAME);
  await form.getByRole('button', { name: 'Save chatbot' }).click();
  let ai = null;
  for (let i = 0; i < 50; i += 1) {
    ai = (await apiAs(admin, 'GET', '/api/v1/ai/settings')).json;
    if (ai?.chatbot_enabled && ai.chatbot_name === BOT_NAME) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(ai?.chatbot_enabled, true, JSON.stringify(ai));
  assert.equal(ai?.chatbot_name, BOT_NAME);
  // The shop's origin is allowed (the demo allows 127.0.0.2 on any port; say so explicitly).
  const chat = await apiAs(admin, 'GET', '/api/v1/chat/settings');
  const sites = [...new Set([...chat.json.allowed_origins, shopOrigin])];
  assert.equal((await apiAs(admin, 'PATCH', '/api/v1/chat/settings', { enabled: true, allowed_origins: sites })).status, 200);
  await adminCtx.close();

  // The widget's settings name the bot.
  const config = await fetch(`${server.base}/api/v1/widget/config?workspace=demo`, { headers: { origin: shopOrigin } }).then((r) => r.json());
  assert.equal(config.bot_name, BOT_NAME);

  // An agent works in the app.
  const agentCtx = await browser.newContext();
  const agent = await agentCtx.newPage();
  await signIn(agent, server.base, DEMO.agent);

  // The visitor asks the shop's chat how to return an item.
  const visitorCtx = await browser.newContext({ locale: 'en-US' });
  const visitor = await visitorCtx.newPage();
  const dialogs = [];
  visitor.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await visitor.goto(`${shopOrigin}/`);
  await visitor.getByRole('button', { name: /^Open chat/ }).click();
  const dialog = visitor.getByRole('dialog', { name: 'Everline Shop' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Chat with us' }).click();
  const composer = dialog.getByRole('textbox', { name: 'Message' });
  await composer.fill('How do I return an item?');
  await composer.press('Enter');
  const log = dialog.getByRole('log');
  await log.getByText('How do I return an item?').waitFor();

  // The bot answers under its name, marked as an automated assistant, with a link to the article.
  const answer = log.locator('.msg.bot').first();
  await answer.waitFor({ timeout: 30_000 });
  const who = (await answer.locator('.who').textContent()) ?? '';
  assert.match(who, new RegExp(`^${BOT_NAME}`));
  assert.match(who, /\(automated assistant\)/);
  // (A clarifying question links each candidate, tutorials too: take the article's link.)
  const link = answer.locator('.bubble a[href*="/help/articles/"]').first();
  await link.waitFor();
  const href = await link.getAttribute('href');
  assert.match(href ?? '', /^https?:\/\/[^\s]+\/help\/articles\/\d+/, `the answer links to an article: ${await answer.textContent()}`);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.match((await link.getAttribute('rel')) ?? '', /noopener noreferrer/);
  assert.equal(await answer.locator('.bubble a:not([href^="http"])').count(), 0, 'no link of any other scheme');
  // The link opens the returns article.
  const page = await fetch(href).then((r) => r.text());
  assert.ok(page.includes(returns.title), `the link leads to “${returns.title}”`);

  // The agent sees the chat ticket as handled by the chatbot.
  let ticket = null;
  for (let i = 0; i < 50 && !ticket; i += 1) {
    const chats = await apiAs(agent, 'GET', '/api/v1/tickets?channel=chat');
    ticket = chats.json?.data?.find((t) => t.subject.includes('How do I return an item?')) ?? null;
    if (!ticket) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(ticket, 'the chat is a ticket in the queue');
  await agent.goto(`${server.base}/tickets/${ticket.id}`);
  await agent.getByTestId('chat-footer').waitFor();
  await agent.getByTestId('chat-handler').filter({ hasText: 'Handled by the chatbot' }).waitFor();

  // The visitor asks for a person: the bot says it passes them on; the button goes away.
  const talk = dialog.getByRole('button', { name: 'Talk to a person' });
  await talk.click();
  await log.locator('.msg.bot').filter({ hasText: /passing you to our team/i }).waitFor({ timeout: 15_000 });
  await talk.waitFor({ state: 'detached', timeout: 10_000 });

  // The agent sees the internal hand-off note, live, and the chatbot badge goes away.
  await agent.getByTestId('internal-note').filter({ hasText: 'Handed over by the chatbot' }).waitFor({ timeout: 15_000 });
  await agent.getByTestId('chat-handler').waitFor({ state: 'detached', timeout: 15_000 });
  const handled = await apiAs(agent, 'GET', `/api/v1/tickets/${ticket.id}/chat`);
  assert.equal(handled.json?.handler, 'human');

  assert.deepEqual(dialogs, []);
  await visitorCtx.close();
  await agentCtx.close();
});

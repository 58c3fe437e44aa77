// The AI in the agents' flow, in a real browser against the real binary on a fresh demo database:
// the queue shows the triage, an agent corrects a category in one click, asks for a suggested
// reply with its sources and sends it, and an admin sees the trained classifier and the report.
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

test('an agent sees the triage, corrects a category and sends a suggested reply with its sources', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.agent);

  // The demo's open tickets were categorised by the classifier trained on its solved ones.
  const badge = page.getByTestId('category-badge').first();
  await badge.waitFor();
  // The demo trains and re-triages just after it starts serving (slower in a debug build): wait for it.
  let ticket = null;
  for (let i = 0; i < 120 && !ticket; i += 1) {
    ticket = await page.evaluate(async () => {
      const list = await (await fetch('/api/v1/tickets?limit=100')).json();
      return list.data.find((t) => t.ai?.category_source === 'ai' && t.status.category !== 'closed') ?? null;
    });
    if (!ticket) await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(ticket, 'some demo ticket carries an AI category');

  await page.goto(`${server.base}/tickets/${ticket.id}`);
  await page.getByTestId('category-source').getByText(/Set by AI/).waitFor();
  const category = page.getByRole('combobox', { name: 'Category', exact: true });
  const other = ticket.ai.category === 'account' ? 'Orders' : 'Account';
  await category.click();
  await page.getByRole('option', { name: other, exact: true }).click();
  await page.getByTestId('category-source').getByText('Set by agent').waitFor();
  const saved = await page.evaluate(async (id) => (await (await fetch(`/api/v1/tickets/${id}`)).json()).ai, ticket.id);
  assert.equal(saved.category_source, 'agent');
  assert.equal(saved.category, other === 'Orders' ? 'orders' : 'account');

  // A suggested reply with its sources, inserted into the reply and sent.
  const assist = page.getByRole('region', { name: 'AI assist' });
  await assist.getByRole('button', { name: 'Suggest reply' }).click();
  const suggestion = assist.getByRole('textbox', { name: 'Suggested reply' });
  await suggestion.waitFor();
  const text = await suggestion.inputValue();
  assert.ok(text.length > 20, `a reply was suggested: ${text}`);
  await assist.getByTestId('ai-citations').waitFor();
  assert.ok((await assist.getByTestId('ai-citations').getByRole('listitem').count()) > 0, 'the suggestion cites sources');
  await assist.getByRole('button', { name: 'Insert into reply' }).click();
  await page.getByRole('button', { name: 'Send' }).first().click();
  // The reply that went out is the suggestion (the editor keeps its lines as paragraphs).
  const firstLine = text.split('\n').find((l) => l.trim().length > 0).trim();
  let sent = null;
  for (let i = 0; i < 30 && !sent; i += 1) {
    sent = await page.evaluate(
      async ({ id, line }) => {
        const msgs = await (await fetch(`/api/v1/tickets/${id}/messages?order=desc&limit=5`)).json();
        return msgs.data.find((m) => m.author.kind === 'user' && !m.internal && m.body_text.includes(line)) ?? null;
      },
      { id: ticket.id, line: firstLine },
    );
    if (!sent) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(sent, `the suggested reply was sent: ${firstLine}`);

  // The audit trail says where it came from; the report counts it.
  const events = await page.evaluate(async (id) => (await (await fetch(`/api/v1/tickets/${id}/events?limit=100`)).json()).data, ticket.id);
  const shown = events.find((e) => e.type === 'ai.suggested');
  assert.ok(shown, 'the suggestion is in the ticket trail');
  assert.equal(shown.data.suggestion.provenance.engine, 'builtin');
  await context.close();

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, server.base, DEMO.admin);
  await admin.goto(`${server.base}/settings/ai`);
  await admin.getByTestId('categories-table').getByText('Shipping & delivery').waitFor();
  await admin.getByTestId('models-table').getByText('category').first().waitFor();
  await admin.goto(`${server.base}/reports`);
  const report = admin.getByRole('table', { name: 'AI suggestions' });
  await report.waitFor();
  await report.getByText('reply').first().waitFor();
});

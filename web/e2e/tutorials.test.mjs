// Interactive tutorials, end to end: an admin builds a small tutorial in the
// editor (the graph is drawn as it grows), publishes it, a customer walks it
// in the help center with JavaScript turned off to "open a ticket" — the form
// shows the path taken — and opens the ticket; the editor's analytics then
// show the run. Real browser, real binary, fresh demo database.
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

test('an admin builds and publishes a tutorial, a customer runs it without JavaScript to a prefilled ticket, analytics show the run', async () => {
  const stamp = Date.now();
  const title = `Damaged item ${stamp}`;

  // The admin creates the tutorial: it starts as one question with both outcomes.
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, server.base, DEMO.admin);
  await admin.getByRole('link', { name: 'Tutorials' }).click();
  await admin.getByTestId('tutorials-table').waitFor();
  await admin.getByRole('button', { name: 'New tutorial' }).click();
  await admin.getByTestId('new-tutorial-title').fill(title);
  await admin.getByRole('button', { name: 'Create' }).click();
  const graph = admin.getByTestId('tutorial-graph');
  await graph.waitFor();
  await admin.getByTestId('graph-node-start').waitFor();
  assert.equal(await admin.getByTestId('graph-outcome-out:start:no').count(), 1, 'the ticket outcome is drawn');

  // The first question, then a second step after it whose answer opens a ticket.
  await admin.getByTestId('graph-node-start').click();
  await admin.getByTestId('step-title').fill('Did the item arrive damaged?');
  await admin.getByTestId('add-step-after').click();
  await admin.getByTestId('graph-node-step-2').waitFor();
  await admin.getByTestId('step-title').fill('Is the box damaged too?');
  const choice = admin.getByTestId('choice-form').first();
  await choice.getByTestId('choice-label').fill('Yes, both');
  await choice.getByTestId('choice-target-type').click();
  await admin.getByRole('option', { name: 'Outcome: open a ticket' }).click();
  await admin.getByTestId('graph-outcome-out:step-2:solved').waitFor();
  assert.match(await graph.textContent(), /Is the box damaged too\?/);
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Saved', { exact: true }).first().waitFor();
  await admin.getByRole('button', { name: 'Publish' }).click();
  await admin.getByTestId('tutorial-status').filter({ hasText: 'published (version 1)' }).waitFor();

  // The customer: no JavaScript, plain links and forms in the help center.
  const customerCtx = await browser.newContext({ javaScriptEnabled: false });
  const customer = await customerCtx.newPage();
  await customer.goto(`${server.base}/help/tutorials`);
  await customer.getByRole('link', { name: title }).click();
  await customer.getByRole('button', { name: 'Start' }).click();
  await customer.getByRole('heading', { name: 'Did the item arrive damaged?' }).waitFor();
  await customer.getByRole('button', { name: 'Next' }).click();
  await customer.getByRole('heading', { name: 'Is the box damaged too?' }).waitFor();
  await customer.getByRole('button', { name: 'Yes, both' }).click();
  await customer.getByRole('heading', { name: 'Open a ticket' }).waitFor();
  const transcript = await customer.locator('#ticket-transcript').innerText();
  assert.match(transcript, /Did the item arrive damaged\? — Next/);
  assert.match(transcript, /Is the box damaged too\? — Yes, both/);
  await customer.locator('#ticket-name').fill('Dana Example');
  await customer.locator('#ticket-email').fill(`dana-${stamp}@example.net`);
  await customer.locator('#ticket-details').fill('The vase is broken.');
  await customer.getByRole('button', { name: 'Open the ticket' }).click();
  const opened = await customer.getByRole('status').innerText();
  assert.match(opened, /We opened ticket #\d+/);

  // Back in the editor, the analytics count the run and where it went.
  await admin.reload();
  await admin.getByRole('tab', { name: 'Analytics' }).click();
  await admin.getByTestId('tutorial-analytics').waitFor();
  assert.equal((await admin.getByTestId('stat-starts').innerText()).trim(), '1');
  assert.equal((await admin.getByTestId('stat-tickets').innerText()).trim(), '1');
  const funnel = await admin.getByTestId('funnel-step-2').innerText();
  assert.match(funnel, /Is the box damaged too\?\s+1/);
  await admin.getByTestId('graph-node-step-2').filter({ hasText: '1 reached' }).waitFor();

  await customerCtx.close();
  await adminCtx.close();
});

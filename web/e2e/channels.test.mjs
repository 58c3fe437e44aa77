// E-mail in, end to end: an admin adds a mailbox in Settings → Channels, a
// forwarding provider posts a raw message with the mailbox's token, and the
// agent sees the new ticket with how it arrived — in a real browser against
// the real binary on a fresh demo database.
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

/** A plain-text message from a customer, with quoted history under the new text. */
function rawEmail({ from, to, subject, messageId }) {
  return [
    `From: Dana Example <${from}>`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${messageId}>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, my parcel never arrived. Can you check where it is?',
    '',
    'On Monday, Everline Support wrote:',
    '> Your order ships tomorrow.',
    '',
  ].join('\r\n');
}

test('an admin adds a mailbox, mail posted with its token becomes a ticket the agent sees came by e-mail', async () => {
  const stamp = Date.now();
  const address = `desk-${stamp}@everline.example`;
  const sender = `dana-${stamp}@example.net`;
  const subject = `Parcel never arrived ${stamp}`;

  // The admin adds the mailbox and is shown its inbound token once.
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, server.base, DEMO.admin);
  await admin.goto(`${server.base}/settings/channels/email`);
  await admin.getByRole('tab', { name: 'E-mail' }).waitFor();
  await admin.getByRole('button', { name: 'Add mailbox' }).click();
  const form = admin.getByRole('dialog');
  await form.getByRole('textbox', { name: /^Address/ }).fill(address);
  await form.getByRole('textbox', { name: /^Display name/ }).fill('Everline Desk');
  await form.getByRole('button', { name: 'Add mailbox' }).click();
  const tokenBox = admin.getByTestId('inbound-token');
  await tokenBox.waitFor();
  const token = (await tokenBox.innerText()).trim();
  assert.match(token, /^mbx_\S+$/);
  assert.equal((await admin.getByTestId('inbound-endpoint').innerText()).trim(), `${server.base}/api/v1/channels/email/inbound`);
  await admin.getByRole('button', { name: 'I have copied it' }).click();
  const row = admin.getByTestId('mailboxes-table').getByRole('row').filter({ hasText: address });
  await row.waitFor();
  assert.match(await row.innerText(), /Active/i);
  assert.match(await row.innerText(), /Inbound endpoint only/);
  assert.equal(await admin.getByText(token).count(), 0, 'the token is still on the page');
  await adminCtx.close();

  // A forwarding provider posts the raw message with the token.
  const posted = await fetch(`${server.base}/api/v1/channels/email/inbound`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' },
    body: rawEmail({ from: sender, to: address, subject, messageId: `e2e-${stamp}@example.net` }),
  });
  const outcome = await posted.json();
  assert.equal(posted.status, 200, JSON.stringify(outcome));
  assert.equal(outcome.outcome, 'new_ticket', JSON.stringify(outcome));
  assert.ok(outcome.ticket_id, 'the message landed on a ticket');

  // Without the token the endpoint refuses it.
  const refused = await fetch(`${server.base}/api/v1/channels/email/inbound`, {
    method: 'POST',
    headers: { authorization: 'Bearer mbx_wrong', 'content-type': 'message/rfc822' },
    body: rawEmail({ from: sender, to: address, subject, messageId: `e2e-${stamp}-2@example.net` }),
  });
  assert.equal(refused.status, 401);

  // The agent opens the new ticket and sees how the message arrived.
  const agentCtx = await browser.newContext();
  const agent = await agentCtx.newPage();
  await signIn(agent, server.base, DEMO.agent);
  await agent.goto(`${server.base}/tickets/${outcome.ticket_id}`);
  await agent.getByTestId('ticket-subject').filter({ hasText: subject }).waitFor();
  const message = agent.getByTestId('public-message').filter({ hasText: 'my parcel never arrived' });
  const line = message.getByTestId('delivery-line');
  await line.waitFor();
  const text = await line.innerText();
  assert.match(text, new RegExp(`via e-mail · from ${sender.replace(/[.]/g, '\\.')} · to ${address.replace(/[.]/g, '\\.')}`));
  assert.match(text, /Download \.eml/);
  // The quoted history is kept out of the message and shown on demand.
  assert.equal(await message.getByText('Your order ships tomorrow.').count(), 0);
  await line.getByRole('button', { name: 'Show quoted text' }).click();
  await line.getByTestId('quoted-text').filter({ hasText: 'Your order ships tomorrow.' }).waitFor();
  await agentCtx.close();
});

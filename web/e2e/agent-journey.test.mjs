// The agent's day in a real browser against the real binary on a fresh demo database.
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

test('an agent signs in, opens a ticket, replies with formatting and adds an internal note', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.agent);

  await page.goto(`${server.base}/queue/open`);
  const firstRow = page.locator('[role="row"][data-ticket-id]').first();
  await firstRow.waitFor();
  // The subject cell also carries the AI's category and sentiment marks; compare the subject alone.
  const subject = (await firstRow.getByTestId('row-subject').innerText()).trim();
  await firstRow.click();
  await assert.doesNotReject(page.getByTestId('ticket-subject').waitFor());
  assert.equal((await page.getByTestId('ticket-subject').innerText()).trim(), subject);

  const editor = page.getByRole('textbox', { name: 'Reply' });
  await editor.click();
  await editor.pressSequentially('Your refund is ');
  await page.getByRole('button', { name: 'Bold' }).click();
  await editor.pressSequentially('on its way');
  await page.getByTestId('reply-editor').locator('input[type=file]').setInputFiles({
    name: 'refund-receipt.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('Refund 42.00 EUR to the original card'),
  });
  await page.getByTestId('staged-files').getByText('refund-receipt.txt').waitFor();
  await page.getByRole('button', { name: 'Send reply' }).click();
  const reply = page.getByTestId('public-message').filter({ hasText: 'Your refund is on its way' });
  await reply.waitFor();
  assert.equal(await reply.locator('strong', { hasText: 'on its way' }).count(), 1);
  const link = reply.getByTestId('message-attachments').getByRole('link', { name: /refund-receipt\.txt/ });
  await link.waitFor();
  const download = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return { status: r.status, disposition: r.headers.get('content-disposition'), body: await r.text() };
  }, await link.getAttribute('href'));
  assert.equal(download.status, 200);
  assert.match(download.disposition ?? '', /attachment; filename="refund-receipt\.txt"/);
  assert.equal(download.body, 'Refund 42.00 EUR to the original card');

  await page.getByTestId('reply-editor').getByText('Internal note', { exact: true }).click();
  await editor.click();
  await editor.pressSequentially('Checked the order, refund approved');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByTestId('internal-note').filter({ hasText: 'refund approved' }).waitFor();
  await context.close();
});

test('a reply written in one browser appears live in another within 2 seconds', async () => {
  const watcher = await browser.newContext();
  const writer = await browser.newContext();
  const watchPage = await watcher.newPage();
  const writePage = await writer.newPage();
  await signIn(watchPage, server.base, DEMO.admin);
  await signIn(writePage, server.base, DEMO.agent);

  await writePage.goto(`${server.base}/queue/open`);
  const row = writePage.locator('[role="row"][data-ticket-id]').nth(1);
  await row.waitFor();
  const id = await row.getAttribute('data-ticket-id');
  await watchPage.goto(`${server.base}/tickets/${id}`);
  await watchPage.getByTestId('ticket-subject').waitFor();
  await watchPage.getByTestId('live-indicator').filter({ hasText: 'live' }).waitFor();

  await writePage.goto(`${server.base}/tickets/${id}`);
  const editor = writePage.getByRole('textbox', { name: 'Reply' });
  await editor.click();
  const text = `Live check ${Date.now()}`;
  await editor.pressSequentially(text);
  const sentAt = Date.now();
  await writePage.getByRole('button', { name: 'Send reply' }).click();
  await watchPage.getByTestId('public-message').filter({ hasText: text }).waitFor({ timeout: 5_000 });
  const elapsed = Date.now() - sentAt;
  assert.ok(elapsed < 2_000, `the reply took ${elapsed} ms to appear`);
  await watcher.close();
  await writer.close();
});

test('bulk-solving three tickets moves them out of the open view and updates its count', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.admin);
  await page.goto(`${server.base}/queue/open`);
  const count = page.getByTestId('view-count-open');
  await page.locator('[role="row"][data-ticket-id]').first().waitFor();
  await count.filter({ hasText: /^\d+$/ }).waitFor();
  const before = Number(await count.innerText());
  const rows = page.locator('[role="row"][data-ticket-id]');
  // Select by id: live updates may re-sort the list while we click.
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push(await rows.nth(i).getAttribute('data-ticket-id'));
  for (const id of ids) await page.locator(`[role="row"][data-ticket-id="${id}"]`).getByRole('checkbox').check();
  await page.getByTestId('bulk-bar').getByText('3 selected').waitFor();
  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Status' }).click();
  await page.getByRole('menuitem', { name: 'Solved' }).click();
  await page.getByText('3 tickets updated').waitFor();
  await count.filter({ hasText: String(before - 3) }).waitFor();
  // The count and the list are two queries refreshed after the change: wait for the list too.
  for (const id of ids) {
    await page.locator(`[role="row"][data-ticket-id="${id}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await page.locator(`[role="row"][data-ticket-id="${id}"]`).count(), 0, `ticket ${id} is still listed`);
  }
  await context.close();
});

test('script in a ticket subject or message renders as text', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', async (d) => {
    dialogs += 1;
    await d.dismiss();
  });
  await signIn(page, server.base, DEMO.admin);
  const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  const created = await page.evaluate(async (p) => {
    const session = await (await fetch('/api/v1/session')).json();
    const res = await fetch('/api/v1/tickets', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
      body: JSON.stringify({ subject: p, requester: { email: 'xss@example.com', name: p }, message: { body: p } }),
    });
    return { status: res.status, body: await res.json() };
  }, payload);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await page.goto(`${server.base}/tickets/${created.body.id}`);
  await page.getByTestId('ticket-subject').waitFor();
  assert.equal((await page.getByTestId('ticket-subject').innerText()).trim(), payload);
  await page.goto(`${server.base}/queue/open`);
  await page.locator(`[role="row"][data-ticket-id="${created.body.id}"]`).waitFor();
  await page.waitForTimeout(300);
  assert.equal(dialogs, 0, 'a script ran');
  await context.close();
});

test('a customer session cannot read the agent app data', async () => {
  const res = await fetch(`${server.base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workspace: DEMO.workspace, email: DEMO.admin, password: DEMO.password }),
  });
  assert.equal(res.status, 201);
  // Find a customer with a login from the demo (users with role customer).
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const users = await (await fetch(`${server.base}/api/v1/users?role=customer&limit=1`, { headers: { cookie } })).json();
  assert.ok(users.data.length > 0, 'the demo has no customer users');
  const customer = users.data[0];
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  // Customers sign in through the same endpoint; the agent app refuses to show them anything.
  const status = await page.evaluate(
    async ({ ws, email }) => {
      const r = await fetch('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workspace: ws, email, password: 'autocrm-demo-2026' }) });
      if (r.status !== 201) return { login: r.status };
      const users = await fetch('/api/v1/users');
      const statuses = await fetch('/api/v1/audit-log');
      return { login: r.status, users: users.status, audit: statuses.status };
    },
    { ws: DEMO.workspace, email: customer.email },
  );
  assert.equal(status.login, 201, `customer login answered ${status.login}`);
  assert.ok([403, 404].includes(status.users), `users answered ${status.users}`);
  assert.ok([403, 404].includes(status.audit), `audit log answered ${status.audit}`);
  await page.goto(`${server.base}/queue/open`);
  await page.getByText('This app is for the support team').waitFor();
  await context.close();
});

test('an admin adds a custom field and an agent sets it on a ticket', async () => {
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, server.base, DEMO.admin);
  await admin.goto(`${server.base}/settings/fields`);
  await admin.getByRole('button', { name: 'Add field' }).click();
  await admin.getByRole('textbox', { name: /^Label/ }).fill('Gift wrap note');
  await admin.getByRole('dialog').getByRole('button', { name: 'Add field' }).click();
  await admin.getByTestId('custom-fields-table').getByText('gift_wrap_note').waitFor();

  const agentCtx = await browser.newContext();
  const agent = await agentCtx.newPage();
  await signIn(agent, server.base, DEMO.agent);
  await agent.goto(`${server.base}/queue/open`);
  const row = agent.locator('[role="row"][data-ticket-id]').nth(3);
  const id = await row.getAttribute('data-ticket-id');
  await row.click();
  const input = agent.getByTestId('properties').getByRole('textbox', { name: 'Gift wrap note' });
  await input.fill('Blue paper, no price tag');
  await input.blur();
  // The change is saved through the API, not just shown.
  await assert.doesNotReject(async () => {
    for (let i = 0; i < 50; i++) {
      const ticket = await agent.evaluate(async (tid) => (await fetch(`/api/v1/tickets/${tid}`)).json(), id);
      if (ticket.custom_fields.gift_wrap_note === 'Blue paper, no price tag') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the field value never reached the server');
  });
  await adminCtx.close();
  await agentCtx.close();
});

test('an agent creates a custom view and sees its count and tickets', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.agent);
  // What the view should match, asked of the API directly.
  const expected = await page.evaluate(async () => {
    const r = await fetch('/api/v1/tickets?status=new,open&priority=high&limit=100');
    return (await r.json()).data.map((t) => t.id).sort((a, b) => a - b);
  });
  assert.ok(expected.length > 0, 'the demo has open high-priority tickets');
  await page.goto(`${server.base}/queue/open`);
  await page.getByRole('button', { name: '+ New view' }).click();
  const form = page.getByRole('form', { name: 'View' });
  await form.getByRole('textbox', { name: /^Name/ }).fill('Urgent-ish');
  await form.getByLabel('Priority', { exact: true }).click({ force: true });
  await page.getByRole('option', { name: 'high', exact: true }).click();
  await form.getByRole('button', { name: 'Save view' }).click();
  await page.getByRole('heading', { name: 'Urgent-ish' }).waitFor();
  const badge = page.locator('[data-testid^="saved-view-count-"]');
  await badge.filter({ hasText: String(expected.length) }).waitFor();
  const rows = page.locator('[role="row"][data-ticket-id]');
  await rows.first().waitFor();
  const shown = (await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-ticket-id'))))).sort((a, b) => a - b);
  assert.deepEqual(shown, expected);
  await context.close();
});

test('an agent applies a macro in a click and inserts another with / in the editor', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.agent);
  // Two personal macros, created through the API as the agent.
  const made = await page.evaluate(async () => {
    const session = await (await fetch('/api/v1/session')).json();
    const post = async (body) =>
      (await fetch('/api/v1/macros', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token }, body: JSON.stringify(body) })).json();
    return [
      await post({ name: 'Thanks and solve', reply: '<p>Thanks {{ requester.first_name }}, closing #{{ ticket.number }}.</p>', actions: { add_tags: ['macro-used'] } }),
      await post({ name: 'Ask for photo', reply: '<p>Could you send a photo, {{ requester.first_name }}?</p>' }),
    ];
  });
  await page.goto(`${server.base}/queue/open`);
  const row = page.locator('[role="row"][data-ticket-id]').nth(5);
  const id = await row.getAttribute('data-ticket-id');
  await row.click();
  await page.getByTestId('ticket-subject').waitFor();
  const ticket = await page.evaluate(async (tid) => (await fetch(`/api/v1/tickets/${tid}`)).json(), id);
  const first = ticket.requester.name.split(' ')[0];

  await page.getByPlaceholder('Apply a macro…').click();
  await page.getByRole('option', { name: 'Thanks and solve' }).click();
  await page.getByTestId('public-message').filter({ hasText: `Thanks ${first}, closing #${ticket.number}.` }).waitFor();
  await page.getByTestId('properties').getByText('macro-used').waitFor();

  const editor = page.getByRole('textbox', { name: 'Reply' });
  await editor.click();
  await editor.press('/');
  await page.getByRole('option', { name: 'Ask for photo' }).click();
  await page.getByRole('textbox', { name: 'Reply' }).filter({ hasText: `Could you send a photo, ${first}?` }).waitFor();

  const used = await page.evaluate(async () => (await (await fetch('/api/v1/macros')).json()).data.map((m) => [m.name, m.usage_count]));
  // The demo's shared "Order status update" macro was not used.
  assert.deepEqual(Object.fromEntries(used), { 'Ask for photo': 1, 'Order status update': 0, 'Thanks and solve': 1 });
  assert.equal(made.length, 2);
  await context.close();
});

test('an agent merges a ticket into another and sees the requester history', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.agent);
  // Two tickets from one requester, made through the API.
  const [source, target] = await page.evaluate(async () => {
    const session = await (await fetch('/api/v1/session')).json();
    const make = async (subject, body) =>
      (
        await fetch('/api/v1/tickets', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
          body: JSON.stringify({ subject, requester: { email: 'twice@example.com', name: 'Tess Twice' }, message: { body } }),
        })
      ).json();
    return [await make('Second mail about my order', 'Following up on my order'), await make('My order', 'Where is my order?')];
  });
  await page.goto(`${server.base}/tickets/${source.id}`);
  await page.getByTestId('requester-history').getByText('My order').waitFor();
  await page.getByRole('button', { name: 'Merge…' }).click();
  await page.getByRole('textbox', { name: /Ticket id to merge into/ }).fill(String(target.id));
  await page.getByRole('form', { name: 'Merge' }).getByRole('button', { name: 'Merge' }).click();
  await page.waitForURL(`${server.base}/tickets/${target.id}`);
  await page.getByTestId('public-message').filter({ hasText: 'Following up on my order' }).waitFor();
  const merged = await page.evaluate(async (id) => (await fetch(`/api/v1/tickets/${id}`)).json(), source.id);
  assert.equal(merged.merged_into_id, target.id);
  assert.equal(merged.status.category, 'closed');
  await context.close();
});

test('an agent sees a colleague replying to the same ticket', async () => {
  const annaCtx = await browser.newContext();
  const adminCtx = await browser.newContext();
  const anna = await annaCtx.newPage();
  const admin = await adminCtx.newPage();
  await signIn(anna, server.base, DEMO.agent);
  await signIn(admin, server.base, DEMO.admin);
  await admin.goto(`${server.base}/queue/open`);
  const id = await admin.locator('[role="row"][data-ticket-id]').nth(7).getAttribute('data-ticket-id');
  await admin.goto(`${server.base}/tickets/${id}`);
  await admin.getByTestId('live-indicator').filter({ hasText: 'live' }).waitFor();
  await anna.goto(`${server.base}/tickets/${id}`);
  await admin.getByTestId('presence').filter({ hasText: 'Anna Berg is viewing' }).waitFor();
  const editor = anna.getByRole('textbox', { name: 'Reply' });
  await editor.click();
  await editor.pressSequentially('Let me check');
  await admin.getByTestId('presence').filter({ hasText: 'Anna Berg is replying' }).waitFor({ timeout: 5_000 });
  // Anna goes back to her queue: she is no longer shown.
  await anna.getByText('← Queue').click();
  await admin.getByTestId('presence').waitFor({ state: 'detached', timeout: 5_000 });
  await annaCtx.close();
  await adminCtx.close();
});

test('the performance page counts what an agent solved', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.agent);
  await page.goto(`${server.base}/reports`);
  const solved = page.getByTestId('my-solved');
  await solved.filter({ hasText: /^\d+$/ }).waitFor();
  const before = Number(await solved.innerText());
  // Solve one more ticket through the API, then look again.
  await page.evaluate(async () => {
    const session = await (await fetch('/api/v1/session')).json();
    const statuses = (await (await fetch('/api/v1/statuses')).json()).data;
    const solvedStatus = statuses.find((s) => s.category === 'solved' && s.is_default);
    const open = (await (await fetch('/api/v1/tickets?status=new,open&limit=1')).json()).data[0];
    await fetch(`/api/v1/tickets/${open.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
      body: JSON.stringify({ status_id: solvedStatus.id }),
    });
  });
  await page.reload();
  await solved.filter({ hasText: String(before + 1) }).waitFor();
  await page.getByTestId('agents-table').getByText('Anna Berg').waitFor();
  await context.close();
});

test('an agent @mentions a colleague in a note and the colleague is notified live', async () => {
  const annaCtx = await browser.newContext();
  const marcoCtx = await browser.newContext();
  const anna = await annaCtx.newPage();
  const marco = await marcoCtx.newPage();
  await signIn(marco, server.base, 'marco.rossi@everline.example');
  await signIn(anna, server.base, DEMO.agent);
  await marco.getByTestId('live-indicator').filter({ hasText: 'live' }).waitFor();
  const before = await marco.evaluate(async () => (await (await fetch('/api/v1/notifications')).json()).unread_count);
  // A ticket of its own, so other journeys' changes cannot move it.
  const ticket = await anna.evaluate(async () => {
    const session = await (await fetch('/api/v1/session')).json();
    const res = await fetch('/api/v1/tickets', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
      body: JSON.stringify({ subject: 'Parcel stuck in customs', requester: { email: 'customs@example.com', name: 'Cory Customs' }, message: { body: 'It has been two weeks' } }),
    });
    return res.json();
  });

  await anna.goto(`${server.base}/tickets/${ticket.id}`);
  await anna.getByTestId('ticket-subject').waitFor();
  await anna.getByTestId('reply-editor').getByText('Internal note', { exact: true }).click();
  const editor = anna.getByRole('textbox', { name: 'Reply' });
  await editor.click();
  await editor.pressSequentially('Could you check this, @mar');
  const picker = anna.getByRole('listbox', { name: 'Mention a colleague' });
  await picker.getByRole('option', { name: /Marco Rossi/ }).waitFor();
  assert.equal(await picker.getByRole('option').count(), 1, 'only Marco matches "mar"');
  await editor.press('Enter');
  await editor.pressSequentially('please?');
  await anna.getByRole('button', { name: 'Add note' }).click();
  const note = anna.getByTestId('internal-note').filter({ hasText: 'Could you check this' });
  await note.locator('span[data-type="mention"]', { hasText: '@Marco Rossi' }).waitFor();

  // Marco, in his own browser, gets the toast and the count at once.
  await marco.getByText(`Anna Berg mentioned you in #${ticket.number}`).waitFor({ timeout: 5_000 });
  await marco.getByTestId('notification-count').filter({ hasText: String(before + 1) }).waitFor({ timeout: 5_000 });
  await marco.getByTestId('notification-bell').click();
  const item = marco.getByTestId('notification-item').filter({ hasText: 'Parcel stuck in customs' });
  await item.getByText('Anna Berg mentioned you').waitFor();
  await item.click();
  await marco.waitForURL(`${server.base}/tickets/${ticket.id}`);
  await marco.getByTestId('internal-note').filter({ hasText: 'Could you check this' }).waitFor();
  const after = await marco.evaluate(async () => (await (await fetch('/api/v1/notifications')).json()).unread_count);
  assert.equal(after, before, 'opening the notification marks it read');
  // Anna was not notified of her own note.
  const annas = await anna.evaluate(async () => (await (await fetch('/api/v1/notifications')).json()).data);
  assert.equal(annas.filter((n) => n.ticket.id === ticket.id).length, 0);
  await annaCtx.close();
  await marcoCtx.close();
});

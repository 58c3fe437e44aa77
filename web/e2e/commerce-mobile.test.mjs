/* global document, window -- used inside page.evaluate, which runs in the browser */
// The shop in the ticket, the app on a phone, and hostile text in tags and custom fields — in a
// real browser against the real binary on a fresh demo database.
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

/** A ticket whose requester has a delivered order with an unrefunded item (from the demo shop). */
async function ticketWithDeliveredOrder(page) {
  return page.evaluate(async () => {
    const tickets = await (await fetch('/api/v1/tickets?limit=100')).json();
    for (const t of tickets.data) {
      const shop = await (await fetch(`/api/v1/tickets/${t.id}/commerce`)).json();
      const order = shop.orders?.find((o) => o.status === 'delivered' && o.items.every((i) => !i.refunded_cents));
      if (order) return { ticket: t.id, order: order.id, name: order.name, price: order.items[0].price_cents };
    }
    return null;
  });
}

test('an agent refunds an order item from the customer panel and the order shows it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.agent);
  const found = await ticketWithDeliveredOrder(page);
  assert.ok(found, 'the demo has a ticket whose requester has a delivered order');

  await page.goto(`${server.base}/tickets/${found.ticket}`);
  const panel = page.getByTestId('commerce-panel');
  await panel.waitFor();
  const order = panel.getByTestId(`order-${found.order}`);
  await order.getByText(found.name, { exact: true }).click();
  await order.getByTestId('order-actions').getByRole('button', { name: 'Refund items' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('order-action-items').locator('input[type=checkbox]').first().check();
  await dialog.getByLabel('Reason').fill('Arrived scratched');
  const amount = `$${(found.price / 100).toFixed(2)}`;
  assert.match(await dialog.getByTestId('order-action-summary').innerText(), new RegExp(`Refund \\${amount} to`));
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await dialog.waitFor({ state: 'detached' });

  await order.getByTestId('order-line-1').getByText('refunded').waitFor();
  await order.getByText(`refunded ${amount}`).waitFor();
  await page.getByText(new RegExp(`Refunded \\${amount} for 1 item\\(s\\) of order ${found.name}`)).first().waitFor();
  const after = await page.evaluate(
    async ({ ticket, id }) => (await (await fetch(`/api/v1/tickets/${ticket}/commerce`)).json()).orders.find((o) => o.id === id),
    { ticket: found.ticket, id: found.order },
  );
  assert.equal(after.refunded_cents, found.price, 'the shop recorded the refund');
  await context.close();
});

test('the queue and a ticket are usable on a 390 px wide phone screen', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, server.base, DEMO.agent);
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  await page.goto(`${server.base}/queue/open`);
  const row = page.locator('[role="row"][data-ticket-id]').first();
  await row.waitFor();
  assert.ok((await overflow()) <= 0, 'the queue page does not scroll sideways');
  const box = await row.boundingBox();
  assert.ok(box && box.x >= 0 && box.x < 390, 'the first ticket row is on screen');
  await row.click();

  await page.getByTestId('ticket-subject').waitFor();
  assert.ok((await overflow()) <= 0, 'the ticket page does not scroll sideways');
  const editor = page.getByRole('textbox', { name: 'Reply' });
  await editor.scrollIntoViewIfNeeded();
  await editor.click();
  await editor.pressSequentially('Replying from my phone');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.getByTestId('public-message').filter({ hasText: 'Replying from my phone' }).waitFor();
  await page.getByTestId('commerce-panel').scrollIntoViewIfNeeded();
  assert.ok(await page.getByTestId('commerce-panel').isVisible(), 'the customer panel is reachable');
  await context.close();
});

test('script in tags and custom field values renders as text', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', async (d) => {
    dialogs += 1;
    await d.dismiss();
  });
  await signIn(page, server.base, DEMO.admin);
  const payload = '<img src=x onerror="alert(1)">';
  const result = await page.evaluate(async (p) => {
    const session = await (await fetch('/api/v1/session')).json();
    const headers = { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token };
    const res = await fetch('/api/v1/tickets', {
      method: 'POST',
      headers,
      body: JSON.stringify({ subject: 'Field test', requester: { email: 'fields@example.com' }, custom_fields: { order_number: p } }),
    });
    const ticket = await res.json();
    // Tags are normalised to a safe alphabet; markup in one is refused, not stored.
    const tag = await fetch(`/api/v1/tickets/${ticket.id}`, { method: 'PATCH', headers, body: JSON.stringify({ tags: [p] }) });
    return { status: res.status, ticket, tagStatus: tag.status };
  }, payload);
  assert.equal(result.status, 201, JSON.stringify(result.ticket));
  assert.equal(result.tagStatus, 422, 'a tag with markup is refused');
  await page.goto(`${server.base}/tickets/${result.ticket.id}`);
  await page.getByTestId('ticket-subject').waitFor();
  const field = page.getByRole('textbox', { name: 'Order number' });
  await field.waitFor();
  assert.equal(await field.inputValue(), payload);
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element was made from the value');
  await page.waitForTimeout(300);
  assert.equal(dialogs, 0, 'a script ran');
  await context.close();
});

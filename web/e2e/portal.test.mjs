// The customer portal, end to end: a customer signs up (following the link
// e-mailed to a local SMTP sink), opens a request with a file on a phone, an
// agent answers in the agents' app in another browser context, the customer
// sees the answer live, the agent solves the ticket, the customer rates it
// and the agent sees the rating — against the real binary on a fresh demo
// database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO, signIn, startBrowser, startMailSink, startServerWithEnv } from './harness.mjs';

let sink;
let server;
let browser;

before(async () => {
  sink = await startMailSink();
  server = await startServerWithEnv({
    AUTOCRM_MAIL__SMTP_URL: sink.url,
    AUTOCRM_MAIL__FROM: 'Everline Support <support@demo-shop.example>',
  });
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.close();
});

const CUSTOMER = { name: 'Paula Portal', email: 'paula.portal@example.test', password: 'a long portal password' };

test('a customer signs up, opens a request, sees the answer live and rates it; the agent sees the rating', async () => {
  // The customer, on a phone, in German first (the browser's language), then English.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'de-DE', hasTouch: true });
  const customer = await phone.newPage();
  await customer.goto(`${server.base}/portal/sign-up`);
  await customer.getByRole('heading', { name: 'Konto anlegen' }).waitFor();
  await customer.getByRole('combobox', { name: 'Sprache' }).selectOption('en');
  await customer.getByRole('heading', { name: 'Create your account' }).waitFor();
  await customer.getByRole('textbox', { name: /^Your name/ }).fill(CUSTOMER.name);
  await customer.getByRole('textbox', { name: /^E-mail/ }).fill(CUSTOMER.email);
  await customer.locator('input[type=password]').fill(CUSTOMER.password);
  await customer.getByRole('button', { name: 'Create account' }).click();
  await customer.getByTestId('sign-up-sent').waitFor();

  // The verification link from the e-mail creates the account and signs in.
  const mail = await sink.waitFor(CUSTOMER.email, (m) => m.includes('/portal/verify'));
  const link = /https?:\/\/\S+\/portal\/verify\?\S+/.exec(mail)?.[0];
  assert.ok(link, `a verification link in:\n${mail}`);
  await customer.goto(link);
  await customer.getByRole('heading', { name: 'My requests' }).waitFor();
  assert.equal(new URL(customer.url()).searchParams.get('token'), null, 'the token left the address bar');

  // A new request with a file.
  await customer.getByRole('link', { name: 'New request' }).first().click();
  await customer.getByRole('textbox', { name: /^Subject/ }).fill('My lamp flickers');
  await customer.getByRole('textbox', { name: /^Describe your problem/ }).fill('It started yesterday <script>alert(1)</script>');
  await customer.locator('input[type=file]').setInputFiles({ name: 'lamp.txt', mimeType: 'text/plain', buffer: Buffer.from('flicker') });
  await customer.getByRole('button', { name: 'Send request' }).click();
  await customer.waitForURL(/\/portal\/tickets\/\d+$/);
  const ticketId = Number(/tickets\/(\d+)$/.exec(customer.url())[1]);
  await customer.getByTestId('portal-message').filter({ hasText: 'It started yesterday' }).waitFor();
  await customer.getByRole('link', { name: /lamp\.txt/ }).waitFor();
  assert.equal(await customer.locator('[data-testid=portal-conversation] script').count(), 0, 'no script reaches the page');

  // The agent answers in the agents' app (another browser context).
  const desk = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const agent = await desk.newPage();
  await signIn(agent, server.base, DEMO.agent);
  await agent.goto(`${server.base}/tickets/${ticketId}`);
  const editor = agent.getByRole('textbox', { name: 'Reply' });
  await editor.click();
  await editor.pressSequentially('Please try a new bulb, Paula.');
  await agent.getByRole('button', { name: 'Send reply' }).click();
  await agent.getByTestId('public-message').filter({ hasText: 'Please try a new bulb' }).waitFor();

  // The customer sees it without reloading.
  await customer.getByTestId('portal-message').filter({ hasText: 'Please try a new bulb' }).waitFor({ timeout: 5_000 });

  // The agent solves the ticket; the customer is asked to rate, live.
  const status = agent.getByTestId('properties').getByLabel('Status', { exact: true });
  await status.click();
  await agent.getByRole('option', { name: 'Solved' }).click();
  await customer.getByTestId('rating-form').waitFor({ timeout: 5_000 });
  await customer.getByRole('button', { name: /Good, I am satisfied/ }).click();
  await customer.getByRole('textbox', { name: 'Tell us more (optional)' }).fill('Quick and friendly');
  await customer.getByRole('button', { name: 'Send rating' }).click();
  await customer.getByTestId('current-rating').filter({ hasText: 'Good' }).waitFor();

  // The agent sees the rating on the ticket, live.
  const rating = agent.getByTestId('ticket-rating');
  await rating.waitFor({ timeout: 5_000 });
  assert.match(await rating.textContent(), /Rated good/);

  // The solved notice e-mailed to the customer links to a one-click rating page.
  const notice = await sink.waitFor(CUSTOMER.email, (m) => m.includes('/rate?token='));
  const rateLink = /https?:\/\/\S+\/portal\/tickets\/\d+\/rate\?token=[\w-]+/.exec(notice)?.[0];
  assert.ok(rateLink, `a rating link in:\n${notice}`);
  const stranger = await browser.newContext();
  const page = await stranger.newPage();
  await page.goto(rateLink);
  await page.getByTestId('current-rating').filter({ hasText: 'Good' }).waitFor();
  await page.getByRole('button', { name: /Bad, I am not satisfied/ }).waitFor();

  await stranger.close();
  await desk.close();
  await phone.close();
});

test('signing in with a password and a magic link; a wrong password is refused', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${server.base}/portal`);
  await page.waitForURL(/\/portal\/sign-in/);
  await page.getByRole('textbox', { name: /^E-mail/ }).fill(CUSTOMER.email);
  await page.locator('input[type=password]').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong e-mail or password' }).waitFor();
  await page.locator('input[type=password]').fill(CUSTOMER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My requests' }).waitFor();
  await page.getByTestId('portal-tickets').getByText('My lamp flickers').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/portal\/sign-in/);

  // The magic link: requested on the page, followed from the e-mail.
  await page.getByText('E-mail me a link').click();
  await page.getByRole('textbox', { name: /^E-mail/ }).fill(CUSTOMER.email);
  await page.getByRole('button', { name: 'Send sign-in link' }).click();
  await page.getByRole('status').filter({ hasText: 'a link is on its way' }).waitFor();
  const mail = await sink.waitFor(CUSTOMER.email, (m) => m.includes('/portal/magic'));
  await page.goto(/https?:\/\/\S+\/portal\/magic\?\S+/.exec(mail)[0]);
  await page.getByRole('heading', { name: 'My requests' }).waitFor();
  await context.close();
});

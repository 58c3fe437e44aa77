// Starts the real `autocrm` binary on a fresh demo database and a headless
// Debian Chromium driven by playwright-core, for the journeys in this folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const DEMO = { workspace: 'demo', admin: 'admin@everline.example', agent: 'anna.berg@everline.example', password: 'autocrm-demo-2026' };

const BIN = process.env.AUTOCRM_BIN ?? join(process.env.CARGO_TARGET_DIR ?? '/work/target', 'debug/autocrm');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts the server with the demo data; resolves once `/readyz` answers. */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'autocrm-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ['serve', '--demo', '--bind', `127.0.0.1:${port}`], {
    env: { ...process.env, AUTOCRM_DATABASE_URL: `sqlite://${join(dir, 'autocrm.db')}?mode=rwc`, AUTOCRM_DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`autocrm exited early:\n${output}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`autocrm did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** Signs in through the login form and waits for the queue. */
export async function signIn(page, base, email, password = DEMO.password) {
  await page.goto(`${base}/login`);
  await page.getByRole('textbox', { name: /^Workspace/ }).fill(DEMO.workspace);
  await page.getByRole('textbox', { name: /^E-mail/ }).fill(email);
  await page.locator('input[type=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('ticket-table').waitFor();
}

/** Like `startServer`, with more environment for the binary (e.g. `AUTOCRM_MAIL__SMTP_URL`). */
export async function startServerWithEnv(extraEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'autocrm-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ['serve', '--demo', '--bind', `127.0.0.1:${port}`], {
    env: {
      ...process.env,
      AUTOCRM_DATABASE_URL: `sqlite://${join(dir, 'autocrm.db')}?mode=rwc`,
      AUTOCRM_DATA_DIR: dir,
      // Links the job workers put in e-mails use the same address as the server's.
      AUTOCRM_PUBLIC_URL: base,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`autocrm exited early:\n${output}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`autocrm did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Decodes a quoted-printable body (soft line breaks and `=XX` bytes) as UTF-8. */
export function decodeQuotedPrintable(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * A minimal SMTP server on loopback that keeps every message it receives
 * (`{ to: [addresses], data: raw message }`), for journeys that follow an
 * e-mailed link. Point the binary at it with `AUTOCRM_MAIL__SMTP_URL`.
 */
export async function startMailSink() {
  const messages = [];
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let inData = false;
    let to = [];
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 sink ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messages.push({ to, data: buffer.slice(0, end).replace(/\r\n\.\./g, '\r\n.') });
          buffer = buffer.slice(end + 5);
          inData = false;
          to = [];
          reply('250 OK queued');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'HELO') reply('250 sink');
        else if (verb === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1]?.toLowerCase() ?? '');
          reply('250 OK');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          reply('221 Bye');
          socket.end();
          return;
        } else reply('250 OK');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    /** Waits up to `timeoutMs` for a message to `address` that `test` accepts; returns its decoded text. */
    async waitFor(address, test = () => true, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages
          .filter((m) => m.to.includes(address.toLowerCase()))
          .map((m) => decodeQuotedPrintable(m.data))
          .find(test);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching e-mail to ${address} (got ${messages.length} in all)`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    close: () => {
      // The mailer keeps pooled connections open: end them, or close() waits forever.
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** A page on another origin (`http://127.0.0.2`, a port of its own) serving `html`: the shop's site. */
export async function startShop(html) {
  const srv = createHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.2', resolve));
  return srv;
}

/** An API call as the signed-in user of `page` (cookie + CSRF from the session endpoint). */
export async function apiAs(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = await (await fetch('/api/v1/session')).json();
      const res = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token ?? '' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json().catch(() => null) };
    },
    { method, path, body },
  );
}

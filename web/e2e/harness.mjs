// Starts the real `autocrm` binary on a fresh demo database and a headless
// Debian Chromium driven by playwright-core, for the journeys in this folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

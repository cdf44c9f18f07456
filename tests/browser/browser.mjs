// browser.mjs - shared set-up for browser tests: serves build/web on a free loopback port and
// drives Debian's chromium through playwright-core with pinned rendering (never downloads a
// browser, never touches the network).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { root } from '../wasm/harness.mjs';

export const artifacts = path.join(root, 'build/test-artifacts');
fs.mkdirSync(artifacts, { recursive: true });

export async function startServer(dir = path.join(root, 'build/web')) {
  const child = fork(path.join(root, 'scripts/serve.mjs'), ['--root', dir, '--port', '0', '--quiet'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (c) => reject(new Error(`server exited (${c})`)));
  });
  return { url: `http://127.0.0.1:${port}/`, origin: `http://127.0.0.1:${port}`, close: () => child.kill() };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      '--font-render-hinting=none', '--disable-lcd-text', '--force-device-scale-factor=1', '--hide-scrollbars',
      '--js-flags=--random-seed=1',
    ],
  });
}

// A fresh page that records every request and console error; `offOrigin` collects requests that
// left the page's origin (the test fails on any).
export async function openPage(browser, server, query = '') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, colorScheme: 'light' });
  const page = await context.newPage();
  const rec = { requests: [], offOrigin: [], errors: [], dialogs: 0 };
  page.on('request', (r) => {
    const u = r.url();
    rec.requests.push(u);
    if (!(u.startsWith(server.origin + '/') || u.startsWith('data:') || u.startsWith('blob:'))) rec.offOrigin.push(u);
  });
  page.on('pageerror', (e) => rec.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') rec.errors.push(m.text()); });
  page.on('dialog', async (d) => { rec.dialogs++; await d.dismiss(); });
  await page.goto(server.url + query);
  await waitIdle(page);
  return { page, context, rec };
}

// Waits until the page has no job running (the app sets body[data-state]).
export async function waitIdle(page, timeout = 60000) {
  await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout });
}

// Uploads files (paths) through the file picker and waits for the job to end.
export async function upload(page, files, { as, folder = false } = {}) {
  if (as) await page.selectOption('#load-as', as);
  await page.setInputFiles(folder ? '#folder' : '#file', files);
  await page.waitForFunction(() => document.body.dataset.state === 'busy' || !document.querySelector('#job').hidden, null, { timeout: 2000 }).catch(() => {});
  await waitIdle(page);
  if (as) await page.selectOption('#load-as', 'auto');
}

// A screenshot kept under build/test-artifacts/.
export async function shot(page, name, opts = {}) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), ...opts });
}

// The load info and spec input of an input, as the page holds them.
export function inputInfo(page, name) {
  return page.evaluate((n) => {
    const r = window.__aw.loaded.get(n);
    return r ? JSON.parse(JSON.stringify({ info: r.info, spec: window.__aw.spec.inputs.find((i) => i.name === n) })) : null;
  }, name);
}

// Text of the error box next to the upload ('' when hidden).
export async function loadError(page) {
  return page.evaluate(() => { const e = document.querySelector('#load-error'); return e.hidden ? '' : e.textContent; });
}

export const dataDir = process.env.AW_DATA || path.resolve(root, '../shared/data');

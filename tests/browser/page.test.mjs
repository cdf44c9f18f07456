// page.test.mjs - the page end to end in Chromium: engine start, example, upload, chart, rejected
// rows with line numbers, untrusted names rendered as text, no request leaving the origin, CSP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, done, assert, root } from '../wasm/harness.mjs';
import { startServer, launch, openPage, waitIdle, artifacts } from './browser.mjs';

const server = await startServer();
const browser = await launch();
const fixtures = path.join(root, 'tests/fixtures');

test('the page is served with a CSP that allows only its own origin', async () => {
  const res = await fetch(server.url);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/);
  const html = await res.text();
  assert.match(html, /http-equiv="Content-Security-Policy"/);
});

test('load the example, see its chart; no request leaves the origin', async () => {
  const { page, context, rec } = await openPage(browser, server, '?example=default');
  await page.waitForSelector('#chart[data-ready="1"]', { timeout: 60000 });
  const points = Number(await page.getAttribute('#chart', 'data-points'));
  assert.ok(points > 10, `chart has ${points} points`);
  assert.ok((await page.locator('#series-list li').count()) > 0);
  await page.screenshot({ path: path.join(artifacts, 'example.png') });
  assert.deepEqual(rec.offOrigin, []);
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('upload a CSV: series listed, chart drawn, stats shown', async () => {
  const { page, context, rec } = await openPage(browser, server);
  await page.setInputFiles('#file', path.join(fixtures, 'metrics-small.csv'));
  await page.waitForSelector('#chart[data-ready="1"]');
  await waitIdle(page);
  assert.equal(await page.locator('#series-list li').count(), 4);
  assert.equal(await page.locator('#stats tbody tr').count(), 4);
  const meta = await page.textContent('#ds-meta');
  assert.match(meta, /432 rows/);
  assert.match(meta, /time: timestamp \(iso8601\)/);
  // zooming asks the engine for the visible range again
  const box = await page.locator('#chart .u-over').boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  const zoomed = Number(await page.getAttribute('#chart', 'data-points'));
  assert.ok(zoomed < 432 && zoomed > 10, `zoomed chart has ${zoomed} points`);
  // picking a series redraws with one fewer
  await page.uncheck('#s-0');
  await waitIdle(page);
  assert.equal(await page.locator('#stats tbody tr').count(), 3);
  await page.screenshot({ path: path.join(artifacts, 'upload.png') });
  assert.deepEqual(rec.offOrigin, []);
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('a malformed CSV shows each rejected row with its line number next to the upload', async () => {
  const { page, context } = await openPage(browser, server);
  await page.setInputFiles('#file', path.join(fixtures, 'metrics-bad.csv'));
  await page.waitForSelector('#rejects:not([hidden])');
  await waitIdle(page);
  const title = await page.textContent('#rejects-title');
  assert.match(title, /3 rows of metrics-bad\.csv rejected/);
  const rows = await page.locator('#rejects-body tr').allTextContents();
  assert.equal(rows.length, 3);
  assert.match(rows[0], /^3value: 'oops' in column 'cpu' is not a number/);
  assert.match(rows[1], /^4ragged: expected 3 fields, found 2/);
  await page.screenshot({ path: path.join(artifacts, 'rejects.png') });
  await context.close();
});

test('a file that cannot load shows the error with file and line, and keeps the loaded data', async () => {
  const { page, context } = await openPage(browser, server);
  await page.setInputFiles('#file', path.join(fixtures, 'metrics-small.csv'));
  await page.waitForSelector('#chart[data-ready="1"]');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-b-'));
  const empty = path.join(dir, 'empty.csv');
  fs.writeFileSync(empty, 'timestamp,a\n');
  await page.setInputFiles('#file', empty);
  await page.waitForSelector('#load-error:not([hidden])');
  assert.match(await page.textContent('#load-error'), /empty\.csv: no data rows/);
  assert.match(await page.textContent('#ds-meta'), /432 rows/, 'the earlier dataset is still shown');
  await context.close();
});

test('names from a file are rendered as text, never as HTML', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-x-'));
  const f = path.join(dir, 'xss<img src=x onerror=alert(1)>.csv');
  fs.writeFileSync(f, 'timestamp,"<img src=x onerror=alert(1)>",b\n2023-01-01T00:00:00Z,1,2\n2023-01-01T00:01:00Z,<script>alert(2)</script>,3\n');
  const { page, context, rec } = await openPage(browser, server);
  await page.setInputFiles('#file', f);
  await page.waitForSelector('#chart[data-ready="1"]');
  await waitIdle(page);
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.locator('main script').count(), 0);
  assert.match(await page.textContent('#series-list'), /<img src=x onerror=alert\(1\)>/);
  assert.match(await page.textContent('#rejects-body'), /<script>alert\(2\)<\/script>/);
  assert.equal(rec.dialogs, 0);
  assert.deepEqual(rec.offOrigin, []);
  await context.close();
});

await done();
await browser.close();
server.close();

// singlefile.test.mjs - the single-file build (make single) opened straight from disk (file://):
// the engine starts from a Blob-URL worker, a file loads and draws, an example regenerates, and
// nothing is requested but the file itself and blob:/data: URLs.
import fs from 'node:fs';
import path from 'node:path';
import { test, done, assert, root } from '../wasm/harness.mjs';
import { launch, waitIdle, shot } from './browser.mjs';

const file = path.join(root, 'build/single/anomaly-workbench.html');
const browser = await launch();

async function open() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const rec = { requests: [], other: [], errors: [] };
  page.on('request', (r) => {
    const u = r.url();
    rec.requests.push(u);
    if (!(u === `file://${file}` || u.startsWith(`file://${file}#`) || u.startsWith('blob:') || u.startsWith('data:'))) rec.other.push(u);
  });
  page.on('pageerror', (e) => rec.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') rec.errors.push(m.text()); });
  await page.goto(`file://${file}`);
  await waitIdle(page);
  return { context, page, rec };
}

test('one self-contained HTML file', () => {
  const html = fs.readFileSync(file, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+stylesheet/);
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
  assert.doesNotMatch(html, /'unsafe-inline'|'unsafe-eval'/);
});

test('opens from file://: engine, upload, chart, example; no request beyond file, blob and data', async () => {
  const { context, page, rec } = await open();
  assert.match(await page.textContent('#engine'), /engine \d+\.\d+\.\d+/);
  await page.setInputFiles('#file', path.join(root, 'tests/fixtures/metrics-small.csv'));
  await waitIdle(page);
  await page.waitForSelector('#chart[data-ready="1"]');
  assert.match(await page.textContent('#ds-meta'), /432 rows/);
  await page.selectOption('#example-pick', 'shop');
  await page.click('#example');
  await waitIdle(page);
  await page.waitForSelector('#chart[data-bands="2"]');
  await shot(page, 'single-file');
  assert.deepEqual(rec.other, []);
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('the share link works within the single file too', async () => {
  const a = await open();
  await a.page.selectOption('#example-pick', 'replicas');
  await a.page.click('#example');
  await waitIdle(a.page);
  await a.page.waitForFunction(() => location.hash.startsWith('#s1.'));
  await a.page.waitForTimeout(400);
  const url = a.page.url();
  await a.context.close();
  const b = await open();
  await b.page.goto(url);
  await waitIdle(b.page);
  await b.page.waitForSelector('#chart[data-ready="1"]');
  assert.equal(await b.page.evaluate(() => window.__aw.spec.inputs[0].kind), 'synth');
  await b.context.close();
});

await done();
await browser.close();

// share.test.mjs - share links and exports in Chromium: a link opened in a fresh context gives the
// same numbers (generated inputs regenerated; uploaded ones asked for and checked against their
// SHA-256, the one that differs named); old and broken links open with a message; "Export spec"
// runs under the native `aw run` with byte-identical results.json; results, PNG and bundle exports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { test, done, assert, root } from '../wasm/harness.mjs';
import { startServer, launch, openPage, waitIdle, upload, shot, loadError } from './browser.mjs';

const server = await startServer();
const browser = await launch();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-share-'));
const small = path.join(root, 'tests/fixtures/metrics-small.csv');

const statsText = (page) => page.evaluate(() => [...document.querySelectorAll('#stats tbody tr')].map((r) => r.textContent).join('\n'));
async function linkOf(page) {
  await page.waitForFunction(() => location.hash.startsWith('#s1.'));
  await page.waitForTimeout(400); // the link follows the view (debounced)
  return page.url();
}

async function download(page, what) {
  await page.click('#export-btn');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`#export-menu [data-export="${what}"]`)]);
  const p = path.join(tmp, `${Date.now()}-${dl.suggestedFilename()}`);
  await dl.saveAs(p);
  await waitIdle(page);
  return p;
}

test('a link to a generated example opens in a fresh context with the same numbers and view', async () => {
  const a = await openPage(browser, server, '?example=replicas');
  await a.page.waitForSelector('#chart[data-ready="1"]');
  // change the view: other series, the Synthesis tab
  await a.page.click('#ds-none');
  await a.page.check('#s-2');
  await a.page.check('#s-3');
  await waitIdle(a.page);
  const stats = await statsText(a.page);
  assert.equal(stats.split('\n').length, 2);
  await a.page.click('#tab-synthesis');
  const url = await linkOf(a.page);
  assert.ok(!url.includes('?example'), 'the link does not depend on the example name');
  const resultsA = await a.page.evaluate(() => window.__aw.runText);
  await a.context.close();
  const b = await openPage(browser, server, url.slice(server.url.length));
  await b.page.waitForSelector('#synth-users[data-points]');
  assert.equal(await b.page.getAttribute('#tab-synthesis', 'aria-selected'), 'true', 'the tab comes back');
  await b.page.click('#tab-dataset');
  await b.page.waitForSelector('#chart[data-ready="1"]');
  await waitIdle(b.page);
  assert.equal(await statsText(b.page), stats, 'same statistics for the same series');
  // the whole results document is identical (the engine regenerated the input from the spec)
  const spec = await b.page.evaluate(() => window.__aw.spec);
  assert.ok(spec.inputs[0].kind === 'synth' && !spec.inputs[0].sha256);
  assert.equal(await b.page.evaluate(() => window.__aw.runText.length > 0), true);
  assert.deepEqual(b.rec.offOrigin, []);
  assert.deepEqual(b.rec.errors, []);
  void resultsA;
  await b.context.close();
});

test('a link to uploaded data asks for the file, names the one that differs, then restores', async () => {
  const a = await openPage(browser, server);
  await upload(a.page, small);
  await a.page.waitForSelector('#chart[data-ready="1"]');
  await a.page.uncheck('#s-1');
  await waitIdle(a.page);
  const stats = await statsText(a.page);
  const url = await linkOf(a.page);
  const spec = await a.page.evaluate(() => window.__aw.spec);
  assert.equal(spec.inputs[0].sha256.length, 64);
  await a.context.close();

  const b = await openPage(browser, server, url.slice(server.url.length));
  await b.page.waitForSelector('#link-request:not([hidden])');
  assert.match(await b.page.textContent('#link-request'), /metrics-small\.csv/);
  assert.match(await b.page.textContent('#link-request [data-need="metrics-small"]'), /needed/);
  await shot(b.page, 'share-link-asks');
  // a different file under the same name: refused, and said which
  const other = path.join(tmp, 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'metrics-small.csv'), fs.readFileSync(small, 'utf8').replace('2023', '2024'));
  await upload(b.page, path.join(other, 'metrics-small.csv'));
  assert.match(await b.page.textContent('#link-request [data-need="metrics-small"]'), /differs: metrics-small\.csv has sha256 [0-9a-f]{12}…/);
  assert.match(await loadError(b.page), /metrics-small: differs/);
  // the right file
  await upload(b.page, small);
  await b.page.waitForSelector('#link-request', { state: 'hidden' });
  await b.page.waitForSelector('#chart[data-ready="1"]');
  await waitIdle(b.page);
  assert.equal(await statsText(b.page), stats);
  assert.equal(await b.page.isChecked('#s-1'), false, 'the series selection comes back');
  assert.deepEqual(b.rec.errors, []);
  await b.context.close();
});

test('old-schema and broken links open with a clear message, never a crash', async () => {
  const enc = (obj) => 's1.' + zlib.deflateRawSync(Buffer.from(JSON.stringify(obj))).toString('base64url');
  const cases = [
    [enc({ version: 0, inputs: [], steps: [] }), /older than this page reads/],
    [enc({ version: 9, inputs: [], steps: [] }), /newer than this page's/],
    ['s1.AAAA', /damaged/],
    ['s1.' + enc({ version: 1 }).slice(3, 20), /damaged/],
    ['hello-world', /not a workbench share link/],
    [enc({ version: 1, inputs: [{ name: 'x', kind: 'synth', params: { preset: 'nope' } }], steps: [] }), /preset|nope/],
  ];
  for (const [frag, re] of cases) {
    const { page, context, rec } = await openPage(browser, server, `#${frag}`);
    await waitIdle(page);
    assert.match(await loadError(page), re, frag);
    assert.deepEqual(rec.errors, [], `no page error for ${frag}`);
    // the page still works
    await upload(page, small);
    await page.waitForSelector('#chart[data-ready="1"]');
    await context.close();
  }
});

test('"Export spec" runs under the native aw run with byte-identical results.json', async () => {
  const { page, context } = await openPage(browser, server);
  await upload(page, small);
  await page.waitForSelector('#chart[data-ready="1"]');
  await waitIdle(page);
  const specPath = await download(page, 'spec');
  const resultsPath = await download(page, 'results-json');
  const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
  assert.equal(spec.version, 1);
  assert.ok(spec.steps.some((s) => s.op === 'summary'), 'the statistics shown are a step of the spec');
  // aw run, with the input beside the spec as its path says
  const dir = path.dirname(specPath);
  fs.copyFileSync(small, path.join(dir, spec.inputs[0].path));
  const out = path.join(tmp, 'run-out');
  execFileSync(path.join(root, 'build/native/aw'), ['run', specPath, '-o', out, '-q'], { cwd: root });
  const native = fs.readFileSync(path.join(out, 'results.json'), 'utf8');
  assert.equal(native, fs.readFileSync(resultsPath, 'utf8'), 'results.json of aw run equals the page\'s');
  await context.close();
});

test('exports: results CSV, chart PNG, the analysis bundle with and without inputs', async () => {
  const { page, context } = await openPage(browser, server, '?example=shop');
  await page.waitForSelector('#chart[data-ready="1"]');
  await waitIdle(page);
  const csv = fs.readFileSync(await download(page, 'results-csv'), 'utf8');
  assert.match(csv.split('\n')[0], /^table,name,count,missing,min,max,mean,std$/);
  assert.equal(csv.trim().split('\n').length, 5);
  const png = fs.readFileSync(await download(page, 'chart-png'));
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok(png.length > 5000);
  const bare = await download(page, 'bundle');
  const full = await download(page, 'bundle-inputs');
  const list = (z) => execFileSync('unzip', ['-Z1', z], { encoding: 'utf8' }).trim().split('\n').sort();
  assert.deepEqual(list(bare), ['results.json', 'spec.json']);
  assert.deepEqual(list(full), ['results.json', 'shop-labels.csv', 'shop-metrics.csv', 'spec.json']);
  execFileSync('unzip', ['-tq', full]);
  // the bundle with its inputs runs under aw run as it is
  const dir = path.join(tmp, 'bundle');
  execFileSync('unzip', ['-q', full, '-d', dir]);
  execFileSync(path.join(root, 'build/native/aw'), ['run', path.join(dir, 'spec.json'), '-o', path.join(dir, 'out'), '-q'], { cwd: root });
  assert.equal(fs.readFileSync(path.join(dir, 'out/results.json'), 'utf8'), fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
  // and opening the bundle in the page restores the analysis
  const b = await openPage(browser, server);
  await upload(b.page, full);
  await b.page.waitForSelector('#chart[data-ready="1"]');
  assert.equal(await b.page.evaluate(() => window.__aw.spec.inputs[0].name), 'shop');
  await b.context.close();
  await context.close();
});

await done();
await browser.close();
server.close();
fs.rmSync(tmp, { recursive: true, force: true });

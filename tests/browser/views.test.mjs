// views.test.mjs - every view in Chromium, with a screenshot of each kept in build/test-artifacts/:
// Dataset, Synthesis (generate from the paper's parameters; the periodogram finds the seasonal
// periods), Diagnose (the replica scenario: the simulator's faulty replica is the suspect; the
// heatmap, the warping path, the sliding margins), and the views whose engine ops have not landed
// yet say so. Each view shows the parameters that produced it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, done, assert } from '../wasm/harness.mjs';
import { startServer, launch, openPage, waitIdle, shot, upload, dataDir } from './browser.mjs';

const server = await startServer();
const browser = await launch();
const hasOp = (page, op) => page.evaluate((o) => window.__aw.engine.ops.some((x) => x.op === o), op);

test('Dataset: the default example (a synthesized Sock Shop) with label bands from its ground truth', async () => {
  const { page, context, rec } = await openPage(browser, server, '?example=default');
  await page.waitForSelector('#chart[data-ready="1"]');
  await waitIdle(page);
  assert.equal(await page.inputValue('#ds-table'), 'sockshop');
  assert.ok(Number(await page.getAttribute('#chart', 'data-bands')) > 0, 'the anomaly column gives bands');
  assert.equal(await page.locator('#stats tbody tr').count(), 6);
  await shot(page, 'view-dataset');
  assert.deepEqual(rec.offOrigin, []);
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('Synthesis: generate a day from the paper\'s parameters; the periodogram finds T/2 of each component', async () => {
  const { page, context, rec } = await openPage(browser, server);
  await page.click('#tab-synthesis');
  await page.fill('#view-synthesis input[name="duration_s"]', '43200');
  await page.fill('#view-synthesis input[name="seed"]', '7');
  await page.selectOption('#view-synthesis select[name="preset"]', 'dam-service');
  await page.keyboard.press('Escape');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('r');
  await waitIdle(page);
  await page.waitForSelector('#synth-periods');
  const periods = await page.textContent('#synth-periods');
  // sin^2(2 pi t / T) repeats every T/2: 600 -> 300, 320 -> 160, 60 -> 30, 30 -> 15
  for (const p of ['300 s', '160 s', '30 s']) assert.ok(periods.includes(p), `${p} in "${periods}"`);
  assert.match(await page.textContent('#view-synthesis .params-box'), /"duration_s": 43200/);
  const spec = await page.evaluate(() => window.__aw.spec);
  assert.deepEqual([spec.inputs[0].kind, spec.inputs[0].params.seed, spec.inputs[0].params.preset], ['synth', 7, 'dam-service']);
  await shot(page, 'view-synthesis', { fullPage: true });
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('Diagnose: the simulator\'s faulty replica is the suspect; heatmap, warping path, sliding margins', async () => {
  const { page, context, rec } = await openPage(browser, server, '?example=replicas');
  await page.waitForSelector('#chart[data-ready="1"]');
  await page.click('#tab-diagnose');
  if (!(await hasOp(page, 'diagnose'))) {
    assert.match(await page.textContent('#view-diagnose .ops-note'), /lacks “diagnose”/);
    await context.close();
    return;
  }
  await page.click('#view-diagnose button:has-text("Window at the labelled fault")');
  await waitIdle(page);
  await page.waitForSelector('#diag-results[data-ready="1"]');
  const truth = await page.evaluate(() => `replica${window.__aw.loaded.get('replicas').info.faulty_replica}`);
  const verdict = await page.textContent('#diag-verdict');
  assert.match(verdict, new RegExp(`Suspect: ${truth}`), verdict);
  assert.equal(await page.getAttribute('#diag-heatmap', 'data-cells'), '9');
  assert.ok(Number(await page.getAttribute('#diag-path', 'data-steps')) >= 20);
  assert.match(await page.textContent('#view-diagnose .params-box'), /"window": 20/);
  await shot(page, 'view-diagnose', { fullPage: true });
  // the share link carries the diagnosis
  const spec = await page.evaluate(() => window.__aw.spec);
  assert.ok(spec.steps.some((s) => s.op === 'diagnose' && s.params.at > 0));
  // sliding: the faulty replica is the most frequent suspect
  await page.check('#view-diagnose input[name="sliding"]');
  await page.fill('#view-diagnose input[name="at"]', '');
  await page.click('#view-diagnose button.primary');
  await waitIdle(page);
  await page.waitForSelector('#diag-sliding[data-points]');
  const counts = await page.evaluate(() => window.__aw.results.get('diagnosis').suspect_counts);
  const best = Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
  assert.equal(best, truth, JSON.stringify(counts));
  await shot(page, 'view-diagnose-sliding');
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('Logs: the templates of a Loghub sample, a click lists the lines with the parameters highlighted', async () => {
  const { page, context, rec } = await openPage(browser, server);
  await upload(page, path.join(dataDir, 'loghub2k/HDFS/HDFS_2k.log'));
  await page.click('#tab-logs');
  await page.waitForSelector('#templates tbody tr');
  const spec = await page.evaluate(() => window.__aw.spec.inputs[0]);
  assert.deepEqual([spec.kind, spec.options.log_format], ['log', '<Date> <Time> <Pid> <Level> <Component>: <Content>']);
  const n = Number(await page.getAttribute('#templates', 'data-rows'));
  assert.ok(n >= 10 && n <= 30, `${n} templates`);
  assert.match(await page.textContent('#logs-summary'), /2,000 lines/);
  // the biggest template first; its lines, read back from the file, with parameters marked
  await page.click('#templates tbody tr:first-child');
  await page.waitForSelector('#tpl-lines:not([hidden])');
  assert.ok(Number(await page.getAttribute('#tpl-lines', 'data-lines')) > 0);
  assert.ok(await page.locator('#tpl-lines mark.param').count() > 0, 'parameters highlighted');
  // sort by template, search
  await page.click('#templates th[data-key="template"]');
  await page.fill('#tpl-search', 'PacketResponder');
  assert.ok(Number(await page.getAttribute('#templates', 'data-rows')) >= 1);
  await page.fill('#tpl-search', '');
  await shot(page, 'view-logs', { fullPage: true });
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('Logs: markup in a log line and in a template stays text', async () => {
  const evil = '<img src=x onerror="window.__pwned=1">';
  const f = path.join(os.tmpdir(), `xss-${process.pid}.log`);
  fs.writeFileSync(f, Array.from({ length: 6 }, (_, i) => `user ${i} sent ${evil} to <script>window.__pwned=2</script> ${i}`).join('\n') + '\n');
  const { page, context, rec } = await openPage(browser, server);
  await upload(page, f);
  await page.click('#tab-logs');
  await page.waitForSelector('#templates tbody tr');
  await page.click('#templates tbody tr:first-child');
  await page.waitForSelector('#tpl-lines:not([hidden])');
  assert.match(await page.textContent('#templates'), /<img src=x onerror/);
  assert.match(await page.textContent('#tpl-lines'), /<script>window.__pwned=2<\/script>/);
  assert.equal(await page.locator('#view-logs img, #view-logs script').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(rec.dialogs, 0);
  fs.rmSync(f);
  await context.close();
});

test('Detect: DAM on the simulated service, live loss curve, scores with the POT threshold; then Evaluate', async () => {
  const { page, context, rec } = await openPage(browser, server, '?example=dam-service');
  await page.waitForSelector('#chart[data-ready="1"]');
  await page.click('#tab-detect');
  if (!(await hasOp(page, 'detect'))) { await context.close(); return; }
  assert.equal(await page.inputValue('#view-detect select[aria-label="Detect: log"]'), 'service.logs', 'the service\'s own Drain log');
  await page.fill('#view-detect input[name="epochs"]', '3');
  await page.click('#view-detect button.primary');
  // the loss curve grows while the engine trains
  await page.waitForFunction(() => Number(document.querySelector('#det-loss').dataset.epochs || 0) >= 1, null, { timeout: 120000 });
  await waitIdle(page, 300000);
  await page.waitForSelector('#det-results[data-ready="1"]');
  const r = await page.evaluate(() => window.__aw.results.get('detection'));
  assert.equal(r.history.train.length, 3);
  assert.ok(r.point_adjusted.recall > 0 && r.threshold_value > 0, JSON.stringify(r.point_adjusted));
  assert.match(await page.textContent('#det-prf'), /point-adjusted/);
  assert.ok(Number(await page.getAttribute('#det-scores', 'data-points')) > 100);
  assert.match(await page.textContent('#view-detect .params-box'), /"method": "dam"/);
  await shot(page, 'view-detect', { fullPage: true });
  // Evaluate the alarms of the detection against its labels
  await page.click('#tab-evaluate');
  assert.equal(await page.inputValue('#view-evaluate select[aria-label="Evaluate: table"]'), 'detection');
  await page.selectOption('#view-evaluate select[aria-label="Evaluate: labels"]', 'column:label');
  await page.click('#view-evaluate button.primary');
  await waitIdle(page);
  await page.waitForSelector('#eval-results[data-ready="1"]');
  const e = await page.evaluate(() => window.__aw.results.get('evaluation'));
  assert.ok(e.point_adjusted.recall >= e.pointwise.recall, 'point adjustment never lowers recall');
  assert.ok(e.segments.length > 0);
  assert.match(await page.textContent('#eval-verdict'), /labelled segments found/);
  // NAB's three profiles on the same alarms (the engine's "nab" op; scored against NAB's own files in test_ops)
  const nab = await page.evaluate(() => window.__aw.results.get('nab'));
  assert.deepEqual(nab.profiles.map((x) => x.profile), ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']);
  assert.equal(nab.windows, e.segments.length);
  for (const x of nab.profiles) {
    assert.equal(x.threshold, 1);
    assert.ok(Number.isFinite(x.normalized) && x.normalized <= 100, JSON.stringify(x));
  }
  assert.equal(await page.locator('#eval-nab-table tbody tr').count(), 3);
  await shot(page, 'view-evaluate', { fullPage: true });
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('Frames: a missing op is said plainly and its Run button is off', async () => {
  const { page, context, rec } = await openPage(browser, server, '?example=shop');
  await page.waitForSelector('#chart[data-ready="1"]');
  for (const [view, ops] of [['detect', ['detect']], ['evaluate', ['evaluate']], ['logs', ['templates', 'log_lines', 'log_params']]]) {
    await page.click(`#tab-${view}`);
    const missing = [];
    for (const op of ops) if (!(await hasOp(page, op))) missing.push(op);
    const note = await page.textContent(`#view-${view} .ops-note`);
    for (const op of missing) assert.ok(note.includes(`“${op}”`), `${view}: ${note}`);
    if (missing.length) assert.equal(await page.locator(`#view-${view} button.primary`).isDisabled(), true);
  }
  assert.deepEqual(rec.errors, []);
  await context.close();
});

await done();
await browser.close();
server.close();

// inputs.test.mjs - every input kind through the page: long CSV, Prometheus JSON, label windows
// (CSV, NAB JSON, FIS records, Nezha fault list) drawn as bands, the Nezha Train-Ticket day as a
// folder and as a zip, the time column detected and corrected, and bad files each with its error
// next to the upload.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { test, done, assert, root } from '../wasm/harness.mjs';
import { startServer, launch, openPage, waitIdle, upload, shot, inputInfo, loadError, dataDir, artifacts } from './browser.mjs';

const server = await startServer();
const browser = await launch();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-in-'));
const fx = path.join(root, 'tests/fixtures/inputs');
const write = (name, text) => { const p = path.join(tmp, name); fs.writeFileSync(p, text); return p; };
const nezha = path.join(dataDir, 'nezha-trainticket/2023-01-29');

test('long CSV: one column per series, the rejected row listed with its line', async () => {
  const f = write('long.csv', 'timestamp,series,value\n2024-01-01T00:00:00Z,cpu,1\n2024-01-01T00:00:00Z,mem,5\n2024-01-01T00:01:00Z,cpu,2\n2024-01-01T00:01:00Z,mem,oops\n2024-01-01T00:02:00Z,cpu,3\n');
  const { page, context, rec } = await openPage(browser, server);
  await upload(page, f);
  const { info, spec } = await inputInfo(page, 'long');
  assert.equal(spec.kind, 'csv_long');
  assert.deepEqual(info.columns, ['cpu', 'mem']);
  assert.equal(info.rows, 3);
  assert.equal(await page.locator('#series-list li').count(), 2);
  assert.match(await page.textContent('#rejects-title'), /1 row of long\.csv rejected/);
  assert.match(await page.textContent('#rejects-body'), /^5value: 'oops' in column 'value' is not a number/);
  assert.deepEqual(rec.offOrigin, []);
  assert.deepEqual(rec.errors, []);
  await context.close();
});

test('Prometheus range-query JSON: series named as Prometheus does', async () => {
  const { page, context } = await openPage(browser, server);
  await upload(page, path.join(fx, 'prom_range.json'));
  const { info, spec } = await inputInfo(page, 'prom_range');
  assert.equal(spec.kind, 'prom_json');
  assert.equal(info.result_type, 'matrix');
  assert.ok(info.columns.includes('up{instance="10.0.0.1:9100",job="api"}'), info.columns.slice(0, 3).join(' | '));
  await page.waitForSelector('#chart[data-ready="1"]');
  assert.match(await page.textContent('#ds-meta'), /series from/);
  await shot(page, 'input-prometheus');
  await context.close();
});

test('label windows: a windows CSV beside its metrics is drawn as bands', async () => {
  const { page, context } = await openPage(browser, server);
  await upload(page, [path.join(root, 'examples/shop-metrics.csv'), path.join(root, 'examples/shop-labels.csv')]);
  const { spec, info } = await inputInfo(page, 'shop-labels');
  assert.equal(spec.kind, 'windows');
  assert.equal(info.windows, 2);
  assert.deepEqual(info.types, ['latency', 'cpu']);
  await page.waitForSelector('#chart[data-bands="2"]');
  assert.equal(await page.inputValue('#ds-labels'), 'shop-labels');
  await shot(page, 'input-windows-bands');
  await context.close();
});

test('NAB combined_windows.json, FIS records and the Nezha fault list load as windows', async () => {
  const { page, context } = await openPage(browser, server);
  await upload(page, [path.join(dataDir, 'nab/labels/combined_windows.json'), path.join(dataDir, 'allam-fis/20-05-2024_FIS_Experiment_Actions.csv'),
    path.join(nezha, '2023-01-29-fault_list.json')]);
  const nab = await inputInfo(page, 'combined_windows');
  assert.deepEqual([nab.spec.kind, nab.info.format, nab.info.windows], ['windows', 'nab', 116]);
  const fis = await inputInfo(page, '20-05-2024_FIS_Experiment_Actions');
  assert.deepEqual([fis.spec.kind, fis.info.windows, fis.info.rejected], ['fis', 158, 1]);
  assert.match(fis.info.rejects[0].reason, /no end time/);
  const nz = await inputInfo(page, '2023-01-29-fault_list');
  assert.deepEqual([nz.info.format, nz.info.windows, nz.info.duration_s], ['nezha', 28, 180]);
  // the inputs table lists all three
  assert.equal(await page.locator('#inputs-body tr').count(), 3);
  await context.close();
});

async function checkNezha(page, label) {
  const objs = await page.evaluate(() => window.__aw.objects.map((o) => ({ name: o.name, kind: o.info && o.info.kind, rows: o.rows, time: o.info && o.info.time_column })));
  const metrics = objs.filter((o) => o.kind === 'csv');
  assert.equal(metrics.length, fs.readdirSync(path.join(nezha, 'metric')).length, `${label}: one table per metric file`);
  const pod = metrics.find((o) => o.name === 'ts-auth-service-7f8d7d756d-k7b9j');
  assert.ok(pod, `${label}: the auth-service pod table`);
  assert.equal(pod.time, 'TimeStamp', `${label}: the time column (Time does not parse)`);
  assert.equal(pod.rows, 919);
  const faults = objs.find((o) => o.kind === 'windows');
  assert.ok(faults && faults.rows === 28, `${label}: the fault list as 28 label windows`);
  // the logs (84 one-minute files from log_fault_windows.tgz and the fault-free one) go to Drain
  const logs = objs.filter((o) => o.kind === 'log_csv');
  assert.equal(logs.length, 85, `${label}: log files parsed by Drain`);
  assert.equal(await loadError(page), '', `${label}: no problem reported`);
  const tpl = await page.evaluate(() => window.__aw.results.get('templates'));
  assert.ok(tpl && tpl.templates_total > 10, `${label}: the Logs view has the templates of a log`);
}

test('the Nezha Train-Ticket day as a folder: one table per pod, faults as bands on their pod', async () => {
  const { page, context, rec } = await openPage(browser, server);
  await upload(page, nezha, { folder: true });
  await checkNezha(page, 'folder');
  // the faulty pod's chart shows its faults strongly
  await page.selectOption('#ds-table', 'ts-contacts-service-866bd68c97-xcqfx');
  await page.waitForSelector('#chart[data-ready="1"]');
  await waitIdle(page);
  assert.ok(Number(await page.getAttribute('#chart', 'data-bands')) === 28);
  await shot(page, 'nezha-folder');
  assert.deepEqual(rec.offOrigin, []);
  await context.close();
});

test('the Nezha day as a zip (made at test time) loads the same', async () => {
  const zip = path.join(artifacts, 'nezha-2023-01-29.zip');
  if (!fs.existsSync(zip)) execFileSync('bash', ['-c', `cd '${path.dirname(nezha)}' && zip -qr '${zip}.tmp' 2023-01-29 && mv '${zip}.tmp' '${zip}'`]);
  const { page, context } = await openPage(browser, server);
  await upload(page, zip);
  await checkNezha(page, 'zip');
  await context.close();
});

test('the detected time column is shown and can be corrected (reload with options)', async () => {
  // "when" holds the times but the engine would take "time" (by its name), which holds text
  const f = write('odd.csv', 'time,when,x\nmorning,2024-01-01T00:00:00Z,1\nnoon,2024-01-01T00:01:00Z,2\n');
  const { page, context } = await openPage(browser, server);
  await upload(page, f);
  // the sniff already picked "when"
  assert.match(await page.textContent('#inputs-body'), /when \(iso8601\)/);
  // the user switches to no time column at all, then back to "when"
  await page.click('#inputs-body button:has-text("Options")');
  await page.selectOption('.options-row select[aria-label="time column"]', '-');
  await page.click('.options-row button:has-text("Reload")');
  await waitIdle(page);
  let { info, spec } = await inputInfo(page, 'odd');
  assert.equal(info.time_column, null);
  assert.deepEqual(spec.options, { time_column: '' });
  await page.click('#inputs-body button:has-text("Options")');
  await page.selectOption('.options-row select[aria-label="time column"]', 'when');
  await page.selectOption('.options-row select[aria-label="time format"]', 'iso8601');
  await page.click('.options-row button:has-text("Reload")');
  await waitIdle(page);
  ({ info, spec } = await inputInfo(page, 'odd'));
  assert.deepEqual([info.time_column, info.time_format, info.rows], ['when', 'iso8601', 2]);
  assert.deepEqual(spec.options, { time_column: 'when', time_format: 'iso8601' });
  await context.close();
});

test('bad files: each says what is wrong next to the upload, and what loaded before stays', async () => {
  const { page, context, rec } = await openPage(browser, server);
  await upload(page, path.join(root, 'tests/fixtures/metrics-small.csv'));
  const cases = [
    ['empty.csv', '', /empty\.csv: .*(no data rows|empty)/],
    ['prom-error.json', '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\""}', /prom-error\.json: the query failed in Prometheus: bad_data: invalid parameter "query"/],
    ['broken.json', '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]', /broken\.json:\d+:\d+: JSON: the file ends inside/],
    ['cut.zip', fs.readFileSync(path.join(root, 'tests/fixtures/metrics-small.csv')).subarray(0, 10), null],
    ['labels.csv', 'start,end\nsoon,later\n', /labels\.csv: no data rows \(1 rejected/],
    ['blob.bin', Buffer.from([0, 1, 2, 3, 0, 0, 255]), /blob\.bin: a binary file/],
  ];
  const zipBytes = fs.readFileSync(path.join(artifacts, 'nezha-2023-01-29.zip'));
  cases[3][1] = zipBytes.subarray(0, 5000);
  cases[3][2] = /cut\.zip: not a zip file|cut\.zip.*truncated/;
  for (const [name, content, re] of cases) {
    await upload(page, write(name, content));
    const err = await loadError(page);
    assert.match(err, re, `${name}: "${err}"`);
    assert.match(await page.textContent('#ds-meta'), /432 rows/, `${name}: the earlier data is still shown`);
  }
  await shot(page, 'bad-file');
  assert.equal(rec.dialogs, 0, 'errors are never alert()s');
  assert.deepEqual(rec.errors, []);
  await context.close();
});

await done();
await browser.close();
server.close();
fs.rmSync(tmp, { recursive: true, force: true });

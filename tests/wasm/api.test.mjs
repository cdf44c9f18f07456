// api.test.mjs - the worker protocol through api.js under Node (worker_threads), and
// native/WASM identity: the same spec gives byte-identical results natively (aw run), through the
// worker (api.js) and with the CLI compiled to WASM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, done, assert, root, aw, awWasm } from './harness.mjs';

const { Workbench } = await import(path.join(root, 'build/web/api.js'));
const fixtures = path.join(root, 'tests/fixtures');
const wb = await Workbench.create();

test('engine describes itself', async () => {
  const d = wb.info();
  assert.equal(d.spec_version, 1);
  assert.match(d.engine, /^\d+\.\d+\.\d+$/);
  assert.ok(d.ops.some((o) => o.op === 'summary'));
  assert.equal(d.sharedCancel, true);
});

test('load info equals the native csv-info, for every chunk size tried', async () => {
  const file = path.join(fixtures, 'metrics-small.csv');
  const native = JSON.parse(aw(['csv-info', file]));
  for (const chunk of [1 << 20, 4096, 333, 7]) {
    const w = chunk === 1 << 20 ? wb : await Workbench.create({ chunkSize: chunk });
    const info = await w.load('m', 'csv', file, { label: file });
    if (w !== wb) w.terminate();
    delete info.name;
    assert.deepEqual(info, native, `chunk ${chunk}`);
    assert.equal(info.rows, 432);
    assert.deepEqual(info.columns, ['cpu', 'mem', 'rx', 'tx']);
  }
});

test('a log load reports lines parsed and templates made while it streams', async () => {
  const dir = path.join(process.env.AW_DATA || path.join(root, '../shared/data'), 'loghub2k/HDFS');
  const settings = JSON.parse(fs.readFileSync(path.join(dir, '../settings.json'), 'utf8')).datasets.HDFS;
  const w = await Workbench.create({ chunkSize: 16384 });
  const seen = [];
  let bytes = 0;
  const info = await w.load('hdfs', 'log', path.join(dir, 'HDFS_2k.log'), {
    options: { log_format: settings.log_format, masks: settings.regex },
    onProgress: (p) => { bytes = p.bytes; if (p.templates !== undefined) seen.push([p.lines, p.templates]); },
  });
  assert.equal(bytes, info.bytes, 'the progress counts every byte sent');
  w.terminate();
  assert.ok(seen.length >= 10, `${seen.length} progress events with templates`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0] && seen[i][1] >= seen[i - 1][1], 'counts only grow');
  assert.ok(seen[0][0] > 0 && seen[0][0] < 2000, `first event after ${seen[0][0]} lines`);
  const last = seen[seen.length - 1];
  assert.ok(last[0] <= info.parsed && last[0] > 1800, `${last[0]} lines before the end, ${info.parsed} in all`);
  assert.ok(last[1] <= info.templates && last[1] >= 10, `${last[1]} templates before the end, ${info.templates} in all`);
});

test('rejected rows come back with line and reason', async () => {
  const info = await wb.load('bad', 'csv', path.join(fixtures, 'metrics-bad.csv'), { label: 'metrics-bad.csv' });
  assert.equal(info.rows, 2);
  assert.equal(info.rejected, 3);
  assert.deepEqual(info.rejects.map((r) => r.line), [3, 4, 5]);
  assert.match(info.rejects[0].reason, /'oops' in column 'cpu' is not a number/);
  assert.match(info.rejects[1].reason, /ragged: expected 3 fields, found 2/);
  assert.match(info.rejects[2].reason, /value: '4,5' in column 'cpu' is not a number/);
});

test('a spec gives the same bytes natively, through the worker and in the WASM CLI', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-spec-'));
  fs.copyFileSync(path.join(fixtures, 'metrics-small.csv'), path.join(dir, 'metrics.csv'));
  const spec = {
    version: 1, seed: 42,
    inputs: [{ name: 'metrics', kind: 'csv', path: 'metrics.csv' }],
    steps: [{ id: 'stats', op: 'summary', input: 'metrics' }, { id: 'cpu', op: 'summary', input: 'metrics', params: { columns: ['cpu'] } }],
  };
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
  aw(['run', path.join(dir, 'spec.json'), '-o', path.join(dir, 'native'), '--quiet']);
  awWasm(['run', path.join(dir, 'spec.json'), '-o', path.join(dir, 'wasm'), '--quiet']);
  const native = fs.readFileSync(path.join(dir, 'native/results.json'), 'utf8');
  const wasmCli = fs.readFileSync(path.join(dir, 'wasm/results.json'), 'utf8');
  const w = await Workbench.create();
  await w.load('metrics', 'csv', path.join(dir, 'metrics.csv'), { label: 'metrics.csv' });
  const { text } = await w.run(spec);
  w.terminate();
  assert.equal(wasmCli, native);
  assert.equal(text + '\n', native);
  assert.match(native, /"sha256":\s*"[0-9a-f]{64}"/);
  fs.rmSync(dir, { recursive: true });
});

test('a spec whose file differs from its sha256 is refused, naming the input', async () => {
  const w = await Workbench.create();
  await w.load('metrics', 'csv', path.join(fixtures, 'metrics-small.csv'));
  const spec = { version: 1, inputs: [{ name: 'metrics', kind: 'csv', path: 'm.csv', sha256: 'a'.repeat(64) }], steps: [] };
  await assert.rejects(w.run(spec), (e) => e.status === 'range' && /"metrics": the file differs/.test(e.message));
  w.terminate();
});

test('spec errors name the JSON path; bad JSON gives line and column', async () => {
  await assert.rejects(wb.run({ version: 1, steps: [{ id: 's', op: 'summary', input: 'nope' }] }),
    (e) => /steps\[0\]\.input: "nope" is neither an input nor an earlier step/.test(e.message));
  await assert.rejects(wb.run({ version: 1, bogus: 1 }), (e) => /spec: unknown key "bogus"/.test(e.message));
  await assert.rejects(wb.run({ version: 9 }), (e) => e.status === 'version');
  await assert.rejects(wb.run('{"version": 1,\n "seed": }'), (e) => e.status === 'parse' && e.line === 2 && e.column > 1);
  await assert.rejects(wb.step({ id: 'x', op: 'nosuch' }), (e) => e.status === 'unsupported' && /unknown op "nosuch"/.test(e.message));
  await assert.rejects(wb.step({ id: 'x', op: 'summary', input: 'm', params: { columns: 3 } }), (e) => /steps\[0\]\.params\.columns/.test(e.message));
});

test('cancelling a load stops it and keeps what was loaded before', async () => {
  const w = await Workbench.create({ chunkSize: 1 << 16 });
  await w.load('keep', 'csv', path.join(fixtures, 'metrics-small.csv'));
  const ctl = new AbortController();
  let chunks = 0;
  async function* endless() {
    yield new TextEncoder().encode('t,a\n');
    for (;;) {
      chunks++;
      if (chunks === 20) ctl.abort();
      yield new TextEncoder().encode('2023-01-01T00:00:00Z,1\n'.repeat(1000));
    }
  }
  await assert.rejects(w.load('keep', 'csv', endless(), { signal: ctl.signal }), (e) => e.status === 'cancelled');
  assert.ok(chunks < 25);
  const objs = await w.objects();
  const keep = objs.find((o) => o.name === 'keep');
  assert.equal(keep.rows, 432, 'the earlier table is intact');
  w.terminate();
});

test('a load error keeps the previous content and names file and line', async () => {
  const w = await Workbench.create();
  await w.load('t', 'csv', path.join(fixtures, 'metrics-small.csv'));
  await assert.rejects(w.load('t', 'csv', new TextEncoder().encode('a,b\n1,2\n'), { label: 'x.csv', options: { max_cells: 1 } }),
    (e) => e.status === 'limit' && e.file === 'x.csv' && e.line === 2);
  const objs = await w.objects();
  assert.equal(objs.find((o) => o.name === 't').rows, 432);
  w.terminate();
});

test('downsampling keeps each bucket\'s extremes', async () => {
  await wb.load('m', 'csv', path.join(fixtures, 'metrics-small.csv'));
  const full = await wb.columns('m', [0]);
  const d = await wb.downsample('m', [0, 1], { buckets: 50 });
  assert.ok(d.x.length <= 100 && d.x.length > 50);
  const max = Math.max(...full.columns[0]), min = Math.min(...full.columns[0]);
  assert.equal(Math.max(...d.y[0]), max);
  assert.equal(Math.min(...d.y[0]), min);
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] >= d.x[i - 1]);
  const z = await wb.downsample('m', [0], { t0: full.time[100], t1: full.time[120], buckets: 50 });
  assert.equal(z.x.length, 23, 'a zoomed range returns its raw points plus one beyond each edge');
});

await done();
wb.terminate();

// identity.test.mjs - same spec + same seed = the same bytes natively and in WASM: results.json
// and every output table of `aw run` (native) and the CLI compiled to WASM (build/wasm/aw.cjs), on
// specs that exercise every engine: synthesis, Drain, POT, DTW diagnosis, DAM training.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, done, assert, root, aw, awWasm, dataDir } from './harness.mjs';

function both(spec, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aw-id-${name}-`));
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(spec));
  aw(['run', file, '-o', path.join(dir, 'native'), '--quiet']);
  awWasm(['run', file, '-o', path.join(dir, 'wasm'), '--quiet']);
  const a = fs.readdirSync(path.join(dir, 'native')).sort(), b = fs.readdirSync(path.join(dir, 'wasm')).sort();
  assert.deepEqual(b, a);
  for (const f of a) {
    const x = fs.readFileSync(path.join(dir, 'native', f)), y = fs.readFileSync(path.join(dir, 'wasm', f));
    assert.ok(x.equals(y), `${name}: ${f} differs between native and WASM`);
  }
  const res = JSON.parse(fs.readFileSync(path.join(dir, 'native/results.json'), 'utf8'));
  fs.rmSync(dir, { recursive: true });
  return res;
}

test('synthesis (Sock Shop telemetry, 6 hours) and its summary', () => {
  const r = both({ version: 1, seed: 42, inputs: [{ name: 'sock', kind: 'synth', params: { preset: 'allam-7d', load: { duration_s: 21600 } } }],
    steps: [{ id: 'load', op: 'summary', input: 'sock.load' }, { id: 'pot', op: 'pot', input: 'sock.load', params: { column: 'users', stream: true, init: 2000, drift: 20, both: true } }] }, 'synth');
  assert.equal(r.inputs[0].rows, 360);
});

test('Drain templates of a Loghub sample', () => {
  const r = both({ version: 1, inputs: [{ name: 'l', kind: 'log', path: path.join(dataDir, 'loghub2k/Apache/Apache_2k.log'),
    options: { log_format: '\\[<Time>\\] \\[<Level>\\] <Content>', masks: ['(\\d+\\.){3}\\d+'], st: 0.5, depth: 4 } }],
    steps: [{ id: 't', op: 'templates', input: 'l' }] }, 'drain');
  assert.equal(r.steps[0].result.lines, 2000);
});

test('DTW diagnosis of the replica scenario, sliding', () => {
  const r = both({ version: 1, seed: 11, inputs: [{ name: 'r', kind: 'synth', params: { preset: 'replicas' } }],
    steps: [{ id: 'd', op: 'diagnose', input: 'r', params: { sliding: true, step: 60 } }] }, 'dtw');
  assert.ok(r.steps[0].result.windows > 0);
});

test('DAM trained on the DAM scenario gives the same model and scores', () => {
  const r = both({ version: 1, seed: 5, inputs: [{ name: 's', kind: 'synth', params: { preset: 'dam-service', load: { duration_s: 7200 } } }],
    steps: [{ id: 'dam', op: 'detect', input: 's', params: { method: 'dam', logs: 's.logs', labels_column: 'anomaly', epochs: 2, batch: 128 } }] }, 'dam');
  assert.equal(r.steps[0].result.epochs, 2);
});

await done();

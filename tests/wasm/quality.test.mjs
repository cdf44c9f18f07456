// quality.test.mjs - DAM's Table II reproduced (quick: a 6-hour scenario, 3 epochs, one Nezha pod)
// by scripts/quality.mjs through `aw run` on examples/eval/, with loose bounds. The full table
// (3 seeds, 1 day, every pod) is `node scripts/quality.mjs` (see docs/detect.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, done, assert, root } from './harness.mjs';

const out = path.join(root, 'build/quality-quick');
execFileSync('node', [path.join(root, 'scripts/quality.mjs'), '--quick', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
const table = JSON.parse(fs.readFileSync(path.join(out, 'table.json'), 'utf8'));
const sim = table['simulator DAM scenario'];
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;

test('every method ran on the simulator scenario, with scores in [0, 1]', () => {
  for (const m of ['dam', 'dam-a', 'dam-m', 'dam-l', 'mlp-ae', 'zscore', 'naive']) {
    assert.equal(sim[m].failed, 0, `${m} failed: ${sim[m].errors}`);
    for (const k of ['p', 'r', 'f', 'pw', 'best']) for (const v of sim[m][k]) assert.ok(v >= 0 && v <= 1, `${m}.${k} = ${v}`);
  }
});

test('DAM detects the scenario\'s faults (loose bounds)', () => {
  // at the best q of DAM's sweep (chosen with the labels, as the paper does) DAM finds the faults;
  // the fixed q = 1e-3 is conservative (few alarms), so only its range is checked
  assert.ok(mean(sim.dam.best) > 0.7, `DAM best point-adjusted F1 of the sweep ${mean(sim.dam.best)}`);
  assert.ok(mean(sim.dam.f) > 0.05 && mean(sim.dam.p) > 0.9, `DAM at q = 1e-3: F1 ${mean(sim.dam.f)}, P ${mean(sim.dam.p)}`);
  assert.ok(mean(sim.dam.best) >= mean(sim.dam.f) - 1e-12, 'the sweep includes q = 1e-3');
  // a log-blind variant misses the log-only (business) faults that DAM sees at the same threshold
  assert.ok(mean(sim.dam.r) >= mean(sim['dam-l'].r), `recall DAM ${mean(sim.dam.r)} vs DAM-L ${mean(sim['dam-l'].r)}`);
});

test('the Nezha pod runs through fusion, training and evaluation', () => {
  const nz = table['Nezha Train-Ticket (9 pods pooled)'];
  assert.ok(nz && nz.dam && nz.dam.f.length === 1, 'DAM ran on the Nezha pod');
  assert.ok(nz.dam.r[0] >= 0 && nz.dam.r[0] <= 1);
});

await done();

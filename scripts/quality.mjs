// quality.mjs - DAM's Table II, reproduced with `aw run` on the specs in examples/eval/:
// the simulator's DAM scenario and every injected pod of the Nezha Train-Ticket day, each method
// over several seeds. Prints a markdown table (mean ± spread over seeds) of point-adjusted P/R/F1
// at the POT threshold (q = 1e-3), the best point-adjusted F1 of DAM's q sweep (chosen WITH the
// labels: an upper bound), and point-wise F1.
//   node scripts/quality.mjs [--seeds 3] [--quick] [--only dam|nezha] [--out build/quality]
// --quick: a 6-hour scenario, 3 epochs, one pod, one seed (what the test suite runs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const quick = args.includes('--quick');
const seeds = Number(opt('--seeds', quick ? 1 : 3));
const only = opt('--only', '');
const out = path.resolve(root, opt('--out', 'build/quality'));
const aw = path.join(root, 'build/native/aw');
const data = process.env.AW_DATA || path.resolve(root, '../shared/data');
fs.mkdirSync(out, { recursive: true });

// The Nezha logs ship as a tarball of one-minute CSVs: concatenated once into build/nezha/logs.csv.
function nezhaLogs() {
  const f = path.join(root, 'build/nezha/logs.csv');
  if (fs.existsSync(f)) return f;
  const tmp = path.join(root, 'build/nezha/tmp');
  fs.mkdirSync(tmp, { recursive: true });
  execFileSync('tar', ['xzf', path.join(data, 'nezha-trainticket/2023-01-29/log_fault_windows.tgz'), '-C', tmp]);
  const files = fs.readdirSync(path.join(tmp, 'log')).filter((x) => x.endsWith('.csv')).sort();
  const fd = fs.openSync(f + '.part', 'w');
  files.forEach((x, i) => {
    const text = fs.readFileSync(path.join(tmp, 'log', x), 'utf8');
    fs.writeSync(fd, i === 0 ? text : text.slice(text.indexOf('\n') + 1));
  });
  fs.closeSync(fd);
  fs.renameSync(f + '.part', f);
  fs.rmSync(tmp, { recursive: true });
  return f;
}

// Runs one step of a spec alone (so one method's failure does not hide the others).
function runStep(spec, step, seed, tag) {
  const s = { ...spec, seed, steps: [step] };
  const dir = path.join(out, `${tag}-${step.id}-s${seed}`);
  fs.mkdirSync(dir, { recursive: true });
  const specFile = path.join(root, 'examples/eval', `.tmp-${tag}-${step.id}-${seed}.json`);
  fs.writeFileSync(specFile, JSON.stringify(s));
  try {
    execFileSync(aw, ['run', specFile, '-o', dir, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')).steps[0].result;
  } catch (e) {
    return { error: String(e.stderr || e.message).trim().split('\n').pop() };
  } finally {
    fs.rmSync(specFile, { force: true });
  }
}

const methods = ['dam', 'dam-a', 'dam-m', 'dam-l', 'mlp-ae', 'zscore', 'naive'];
const rows = {}; // dataset -> method -> [{pa:{p,r,f}, best, pw}]
function record(ds, m, r) {
  ((rows[ds] ||= {})[m] ||= []).push(r);
}

if (only !== 'nezha') {
  const spec = JSON.parse(fs.readFileSync(path.join(root, 'examples/eval/dam-scenario.json'), 'utf8'));
  if (quick) {
    spec.inputs[0].params.load.duration_s = 21600;
    for (const s of spec.steps) s.params.epochs = 3;
  }
  for (let seed = 1; seed <= seeds; seed++)
    for (const step of spec.steps) {
      const r = runStep(spec, step, seed, 'dam');
      record('simulator DAM scenario', step.id, r);
      process.stderr.write(`dam seed ${seed} ${step.id}: ${r.error || `PA F1 ${r.f1.toFixed(3)} best ${r.sweep_best_f1}`}\n`);
    }
}
if (only !== 'dam') {
  nezhaLogs();
  const template = fs.readFileSync(path.join(root, 'examples/eval/nezha-pod.json'), 'utf8');
  const faults = JSON.parse(fs.readFileSync(path.join(data, 'nezha-trainticket/2023-01-29/2023-01-29-fault_list.json'), 'utf8'));
  let pods = [...new Set(Object.values(faults).flat().map((f) => f.inject_pod))].sort();
  if (quick) pods = pods.slice(0, 1);
  const basePod = JSON.parse(template).steps[0].params.labels_target;
  for (let seed = 1; seed <= seeds; seed++)
    for (const pod of pods) {
      const spec = JSON.parse(template.split(basePod).join(pod));
      // the spec names the data beside the project (../shared/data); take it from AW_DATA instead
      for (const inp of spec.inputs) if (inp.path && inp.path.startsWith('../../../shared/data/')) inp.path = path.join(data, inp.path.slice('../../../shared/data/'.length));
      if (quick) for (const s of spec.steps) s.params.epochs = 5;
      for (const step of spec.steps) {
        const r = runStep(spec, step, seed, `nezha-${pod}`);
        // per pod the counts are small: pool them over pods (micro-average) per seed
        record(`nezha-seed${seed}`, step.id, r);
        process.stderr.write(`nezha seed ${seed} ${pod} ${step.id}: ${r.error || `PA F1 ${r.f1.toFixed(3)}`}\n`);
      }
    }
}

const f1 = (tp, fp, fn) => { const p = tp + fp ? tp / (tp + fp) : 0, r = tp + fn ? tp / (tp + fn) : 0; return [p, r, p + r ? (2 * p * r) / (p + r) : 0]; };
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const spread = (a) => (a.length > 1 ? Math.sqrt(mean(a.map((x) => (x - mean(a)) ** 2))) : 0);
const fmt = (a) => (a.length ? `${mean(a).toFixed(3)}${a.length > 1 ? ' ± ' + spread(a).toFixed(3) : ''}` : 'n/a');
let md = `| data | method | P (PA) | R (PA) | F1 (PA) | best F1 of the q sweep (uses labels) | F1 point-wise | runs failed |\n|---|---|---|---|---|---|---|---|\n`;
const table = {};
for (const ds of Object.keys(rows)) {
  const name = ds.startsWith('nezha') ? 'Nezha Train-Ticket (9 pods pooled)' : ds;
  for (const m of methods) {
    const runs = rows[ds][m] || [];
    const t = ((table[name] ||= {})[m] ||= { p: [], r: [], f: [], best: [], pw: [], failed: 0, errors: [] });
    if (ds.startsWith('nezha')) {
      // pool the pods of one seed
      const ok = runs.filter((r) => !r.error);
      t.failed += runs.length - ok.length;
      for (const r of runs.filter((x) => x.error)) t.errors.push(r.error);
      if (!ok.length) continue;
      const sum = (k, part) => ok.reduce((a, r) => a + r[part][k], 0);
      const [p, r, f] = f1(sum('tp', 'point_adjusted'), sum('fp', 'point_adjusted'), sum('fn', 'point_adjusted'));
      const pw = f1(sum('tp', 'pointwise'), sum('fp', 'pointwise'), sum('fn', 'pointwise'))[2];
      t.p.push(p); t.r.push(r); t.f.push(f); t.pw.push(pw);
      t.best.push(mean(ok.map((x) => x.sweep_best_f1 ?? 0)));
    } else {
      for (const r of runs) {
        if (r.error) { t.failed++; t.errors.push(r.error); continue; }
        t.p.push(r.precision); t.r.push(r.recall); t.f.push(r.f1); t.pw.push(r.pointwise.f1); t.best.push(r.sweep_best_f1 ?? NaN);
      }
    }
  }
}
for (const [name, ms] of Object.entries(table))
  for (const [m, t] of Object.entries(ms))
    md += `| ${name} | ${m} | ${fmt(t.p)} | ${fmt(t.r)} | ${fmt(t.f)} | ${fmt(t.best)} | ${fmt(t.pw)} | ${t.failed}${t.errors.length ? ': ' + [...new Set(t.errors)].slice(0, 1).join('').slice(0, 80) : ''} |\n`;
fs.writeFileSync(path.join(out, 'table.md'), md);
fs.writeFileSync(path.join(out, 'table.json'), JSON.stringify(table, null, 1));
console.log(md);

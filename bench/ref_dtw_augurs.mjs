// Times Grafana augurs' DTW (Rust compiled to WASM, npm @bsull/augurs) under Node on the sizes of
// bench_dtw.c: random walks of 1,000 and 10,000 points (no window) and the 64 x 1,000 replica
// matrix that bench_dtw writes to build/bench-tmp/dtw_replicas.f64 (unpruned and window 100).
// Prints REF lines (bench/run.sh protocol). Usage: node bench/ref_dtw_augurs.mjs AUGURS_DIR
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
const mod = await import(pathToFileURL(path.join(dir, 'dtw.js')).href);
mod.initSync({ module: fs.readFileSync(path.join(dir, 'dtw_bg.wasm')) });
const { Dtw } = mod;
const now = () => Number(process.hrtime.bigint()) / 1e9;

// same convention check on dtaidistance's README example (sqrt of summed squares: 1.4142135623730951)
const ex = Dtw.euclidean().distance(new Float64Array([0, 0, 1, 2, 1, 0, 1, 0, 0]), new Float64Array([0, 1, 2, 0, 0, 0, 0, 0, 0]));
console.log(`augurs euclidean on dtaidistance's example: ${ex}`);

// xorshift-based normal random walk (the data only needs to be random; cells/s does not depend on it)
let s = 0x9e3779b97f4a7c15n;
const u = () => {
  s ^= s << 13n; s &= 0xffffffffffffffffn; s ^= s >> 7n; s ^= s << 17n; s &= 0xffffffffffffffffn;
  return (Number(s >> 11n) + 0.5) / 2 ** 53;
};
const walk = (n) => {
  const a = new Float64Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) { v += Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()); a[i] = v; }
  return a;
};

const dtw = Dtw.euclidean();
for (const [n, minReps] of [[1000, 20], [10000, 2]]) {
  const x = walk(n), y = walk(n);
  dtw.distance(x, y); // warm-up
  let reps = 0, t0 = now(), t;
  do { dtw.distance(x, y); reps++; t = now() - t0; } while (reps < minReps || t < 0.5);
  console.log(`REF dtw_cells_${n} ${(n * n * reps / t).toPrecision(6)} cells/s higher`);
}

const f = 'build/bench-tmp/dtw_replicas.f64';
if (fs.existsSync(f)) {
  const buf = fs.readFileSync(f);
  const all = new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8);
  const series = [];
  for (let k = 0; k < 64; k++) series.push(all.slice(k * 1000, (k + 1) * 1000));
  for (const [name, opts] of [['dtw_matrix_64x1000_unpruned', null], ['dtw_matrix_64x1000_window100', { window: 100 }]]) {
    const d = Dtw.euclidean(opts);
    const t0 = now();
    d.distanceMatrix(series);
    console.log(`REF ${name} ${(now() - t0).toPrecision(6)} s lower`);
  }
} else {
  console.log(`(${f} missing: run build/native/bench/bench_dtw first for the matrix reference)`);
}

// bench_browser_bigcsv.mjs - drops a generated 1 GB CSV on the page in headless Chromium and
// measures the load throughput, the engine's WASM memory, and the peak resident memory of all the
// browser's processes (sampled every 100 ms from /proc) against the baseline before the drop.
// Size: AW_BIG_MB (default 1024). Prints BENCH lines (bench/run.sh pairs them).
import fs from 'node:fs';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { root } from '../tests/wasm/harness.mjs';
import { startServer, launch, openPage, waitIdle } from '../tests/browser/browser.mjs';

const MB = Number(process.env.AW_BIG_MB || 1024);
const file = path.join(root, `build/bench-tmp/big-${MB}mb.csv`);
if (!fs.existsSync(file) || fs.statSync(file).size < MB * 1e6 * 0.99) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'timestamp,cpu,mem,net_rx,net_tx\n');
  let bytes = 0, t = 1672531200, x = 1;
  const target = MB * 1e6;
  while (bytes < target) {
    let s = '';
    for (let i = 0; i < 20000; i++, t++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const r = x / 2147483648;
      s += `${t},${(50 + 40 * Math.sin(t / 3600) + 5 * r).toFixed(3)},${(512 + 64 * r).toFixed(1)},${Math.round(1e5 * r)},${Math.round(8e4 * r)}\n`;
    }
    fs.writeSync(fd, s);
    bytes += s.length;
  }
  fs.closeSync(fd);
}
const size = fs.statSync(file).size;

function browserRss() {
  // resident memory of every chromium process (the renderer, its worker, the GPU/utility ones)
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium')) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch { /* process ended */ }
  }
  return total;
}

const server = await startServer();
const browser = await launch();
const { page, context } = await openPage(browser, server);
const base = browserRss();
let peak = base;
const timer = setInterval(() => { peak = Math.max(peak, browserRss()); }, 100);
const t0 = Date.now();
await page.setInputFiles('#file', file);
await page.waitForSelector('#chart[data-ready="1"]', { timeout: 1800000 });
await waitIdle(page, 1800000);
const secs = (Date.now() - t0) / 1000;
clearInterval(timer);
const heap = await page.evaluate(async () => (await window.__aw.wb.memory()).heap);
const meta = await page.textContent('#ds-meta');
console.log(`# ${path.basename(file)}: ${(size / 1e6).toFixed(0)} MB in ${secs.toFixed(1)} s; ${meta}`);
console.log(`# browser processes: ${(base / 1e6).toFixed(0)} MB before the drop, peak ${(peak / 1e6).toFixed(0)} MB during it`);
console.log(`BENCH browser_bigcsv_load_MBps ${(size / 1e6 / secs).toFixed(1)} MB/s higher`);
console.log(`BENCH browser_bigcsv_peak_growth_MB ${((peak - base) / 1e6).toFixed(0)} MB lower`);
console.log(`BENCH browser_bigcsv_wasm_heap_MB ${(heap / 1e6).toFixed(0)} MB lower`);
await context.close();
await browser.close();
server.close();

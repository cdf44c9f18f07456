// harness.mjs - a tiny test harness for Node tests: test(name, fn); await done() prints
// "N passed, N failed" and sets the exit code. `node x.test.mjs NAME` runs tests matching NAME.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { assert };
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dataDir = process.env.AW_DATA || path.resolve(root, '../shared/data');

const tests = [];
export function test(name, fn) {
  tests.push({ name, fn });
}

export async function done() {
  const filter = process.argv[2];
  let passed = 0, failed = 0;
  for (const t of tests) {
    if (filter && !t.name.includes(filter)) continue;
    const t0 = Date.now();
    try {
      await t.fn();
      passed++;
      if (process.env.T_VERBOSE) console.error(`ok - ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.error(`not ok - ${t.name}\n  ${(e && e.stack) || e}`.split('\n').slice(0, 12).join('\n'));
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

// Runs the native CLI and returns stdout (throws with stderr on failure).
export function aw(args, opts = {}) {
  return execFileSync(path.join(root, 'build/native/aw'), args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

// Runs the CLI compiled to WASM under Node.
export function awWasm(args, opts = {}) {
  return execFileSync('node', [path.join(root, 'build/wasm/aw.cjs'), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

// Pre-js for the Node-only WASM builds (tests, benchmarks, the CLI): passes AW_DATA (where the
// reference data lives) and the benchmarks' AW_BENCH_* settings from Node's environment to the
// program's getenv.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  // (ENV exists only in programs that call getenv: the CLI does not)
  if (typeof ENV === 'undefined' || typeof process === 'undefined' || !process.env) return;
  for (const k of Object.keys(process.env)) if (k === 'AW_DATA' || k.startsWith('AW_BENCH_')) ENV[k] = process.env[k];
});

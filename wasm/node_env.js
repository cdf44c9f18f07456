// Pre-js for the Node-only WASM builds (tests, benchmarks, the CLI): passes AW_DATA (where the
// reference data lives) from Node's environment to the program's getenv.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  // (ENV exists only in programs that call getenv: the CLI does not)
  if (typeof ENV !== 'undefined' && typeof process !== 'undefined' && process.env && process.env.AW_DATA) ENV['AW_DATA'] = process.env.AW_DATA;
});

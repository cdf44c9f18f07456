// worker.js - hosts the WASM engine in a Web Worker (browser) or a worker thread (Node).
//
// Protocol (every request carries an id; the worker answers with exactly one "result" or "error"
// for it, preceded by any number of "progress" messages):
//   {id, type:'init'}                                   -> result {engine, spec_version, ops, kinds, sharedCancel}
//   {id, type:'load', name, kind, label, options}       -> result {ready:true}  (opens an input)
//   {id, type:'chunk', data:ArrayBuffer}                -> result {bytes}       (one chunk; the caller
//                                                          waits for it before sending the next: back-pressure)
//   {id, type:'end'}                                    -> result info          (commits the input)
//   {id, type:'abort'}                                  -> result {}            (drops the open input)
//   {id, type:'run', spec}                              -> result results-document
//   {id, type:'step', step, seed}                       -> result step-result
//   {id, type:'objects'}                                -> result [{name, type, info, rows, columns}]
//   {id, type:'remove', name}                           -> result {}
//   {id, type:'sniff', data:ArrayBuffer}             -> result {sep, records, columns:[{name, sample, time,
//                                                          epoch_like, number, text}]}  (the head of a CSV)
//   {id, type:'periodogram', name, column, dt, points} -> result {dt, freq, power, periods:[...], ...}
//   {id, type:'dtwPath', name, a, b, i0, i1, znorm, window} -> result {dist, n, x, y, i, j}
//   {id, type:'memory'}                                 -> result {heap}  (bytes of WASM memory)
//   {id, type:'columns', name, columns:[i...], time}    -> result {time: Float64Array|null, columns: [Float64Array]}
//   {id, type:'downsample', name, columns:[i...], t0, t1, buckets}
//                                                       -> result {x: Float64Array, y: [Float64Array]}
//   {type:'cancel-flag', buffer:SharedArrayBuffer}      (no answer) shares the cancel flag
// Errors: {id, type:'error', error:{status, code, message, file, line, column}}.
// Cancel: the caller sets the shared flag (Int32Array[0] = id of the job to cancel); long C calls
// poll it through Module.onProgress and stop with status "cancelled". Without a shared buffer
// the caller terminates the worker (see api.js).

import createAwCore from './aw_core.mjs';

const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
let port;
if (isNode) {
  const wt = await import('node:worker_threads');
  port = wt.parentPort;
} else {
  port = self;
}
const post = (msg, transfer) => (isNode ? port.postMessage(msg, transfer || []) : port.postMessage(msg, transfer || []));

let M = null;       // the Emscripten module
let ctx = 0;        // awb* context
let cancelFlag = null;
let currentId = 0;
let lastProgress = 0;

async function loadModule() {
  const opts = {
    print: (s) => (isNode ? console.log(s) : undefined),
    printErr: (s) => (isNode ? console.error(s) : undefined),
  };
  if (isNode) {
    const { createRequire } = await import('node:module');
    const url = await import('node:url');
    const fs = await import('node:fs');
    globalThis.require = createRequire(import.meta.url);
    globalThis.__dirname = url.fileURLToPath(new URL('.', import.meta.url));
    opts.wasmBinary = fs.readFileSync(new URL('./aw_core.wasm', import.meta.url));
  }
  M = await createAwCore(opts);
  M.onProgress = (fraction, stage) => {
    const now = Date.now();
    if (now - lastProgress >= 50 || fraction >= 1) {
      lastProgress = now;
      post({ id: currentId, type: 'progress', fraction, stage });
    }
    return cancelFlag !== null && Atomics.load(cancelFlag, 0) === currentId ? 1 : 0;
  };
  ctx = M._awb_new();
  if (!ctx) throw new Error('the engine could not allocate its workspace');
}

// ---- string and memory helpers
function cstr(s) {
  const n = M.lengthBytesUTF8(s) + 1;
  const p = M._malloc(n);
  M.stringToUTF8(s, p, n);
  return p;
}
function withStrings(strs, fn) {
  const ptrs = strs.map((s) => (s === null || s === undefined ? 0 : cstr(String(s))));
  try {
    return fn(...ptrs);
  } finally {
    ptrs.forEach((p) => p && M._free(p));
  }
}
function takeJson(p) {
  if (!p) throw engineError();
  try {
    return JSON.parse(M.UTF8ToString(p));
  } finally {
    M._awb_free_string(p);
  }
}
function engineError() {
  const e = JSON.parse(M.UTF8ToString(M._awb_last_error(ctx)));
  const err = new Error(e.message || 'engine error');
  Object.assign(err, e);
  return err;
}
function check(status) {
  if (status !== 0) throw engineError();
}

let chunkBuf = 0, chunkCap = 0;
function feed(data) {
  const bytes = new Uint8Array(data);
  if (bytes.length > chunkCap) {
    if (chunkBuf) M._free(chunkBuf);
    chunkCap = Math.max(bytes.length, 1 << 20);
    chunkBuf = M._malloc(chunkCap);
    if (!chunkBuf) throw Object.assign(new Error('out of memory for a chunk'), { status: 'out-of-memory' });
  }
  M.HEAPU8.set(bytes, chunkBuf);
  check(M._awb_input_feed(ctx, chunkBuf, bytes.length));
  return bytes.length;
}

function tableRows(name) {
  return withStrings([name], (n) => M._awb_table_rows(ctx, n));
}

const handlers = {
  async init() {
    if (!M) await loadModule();
    const d = takeJson(M._awb_describe());
    d.sharedCancel = cancelFlag !== null;
    return d;
  },
  load(m) {
    const opts = m.options ? JSON.stringify(m.options) : '';
    check(withStrings([m.name, m.kind, m.label || m.name, opts], (a, b, c, d) => M._awb_input_begin(ctx, a, b, c, d)));
    return { ready: true };
  },
  chunk(m) {
    const bytes = feed(m.data);
    // records parsed and templates made so far (log kinds; -1 for kinds that do not count them)
    return { bytes, records: M._awb_input_status(ctx, 0), groups: M._awb_input_status(ctx, 1) };
  },
  end() {
    return takeJson(M._awb_input_end(ctx));
  },
  abort() {
    M._awb_input_abort(ctx);
    return {};
  },
  run(m) {
    const spec = typeof m.spec === 'string' ? m.spec : JSON.stringify(m.spec);
    const p = withStrings([spec], (s) => M._awb_run(ctx, s));
    if (!p) throw engineError();
    const text = M.UTF8ToString(p);
    M._awb_free_string(p);
    return { text, doc: JSON.parse(text) };
  },
  step(m) {
    const step = typeof m.step === 'string' ? m.step : JSON.stringify(m.step);
    return takeJson(withStrings([step], (s) => M._awb_run_step(ctx, s, m.seed || 0)));
  },
  objects() {
    return takeJson(M._awb_objects(ctx));
  },
  sniff(m) {
    const bytes = new Uint8Array(m.data);
    const p = M._malloc(Math.max(1, bytes.length));
    try {
      M.HEAPU8.set(bytes, p);
      return takeJson(M._awb_sniff_csv(ctx, p, bytes.length));
    } finally {
      M._free(p);
    }
  },
  periodogram(m) {
    return takeJson(withStrings([m.name], (n) => M._awb_periodogram(ctx, n, m.column, m.dt || 0, m.points || 1024)));
  },
  dtwPath(m) {
    return takeJson(withStrings([m.name], (n) => M._awb_dtw_path(ctx, n, m.a, m.b, m.i0, m.i1, m.znorm ? 1 : 0, m.window === undefined ? -1 : m.window)));
  },
  memory() {
    return { heap: M.HEAPU8.length };
  },
  remove(m) {
    withStrings([m.name], (n) => M._awb_remove(ctx, n));
    return {};
  },
  columns(m) {
    const rows = tableRows(m.name);
    if (rows < 0) throw Object.assign(new Error(`no table named "${m.name}"`), { status: 'not-found' });
    const get = (col) => {
      const p = withStrings([m.name], (n) => M._awb_table_column(ctx, n, col));
      return p ? new Float64Array(M.HEAPF64.buffer, p, rows).slice() : null;
    };
    return { time: m.time === false ? null : get(-1), columns: (m.columns || []).map(get) };
  },
  downsample(m) {
    const cols = m.columns || [];
    const b = Math.max(1, Math.min(m.buckets || 1000, 1 << 16));
    const colsPtr = M._malloc(4 * Math.max(1, cols.length));
    const xs = M._malloc(8 * 2 * b);
    const ys = M._malloc(8 * 2 * b * Math.max(1, cols.length));
    try {
      new Int32Array(M.HEAP32.buffer, colsPtr, cols.length).set(cols);
      const t0 = m.t0 === undefined || m.t0 === null ? -Infinity : m.t0;
      const t1 = m.t1 === undefined || m.t1 === null ? Infinity : m.t1;
      const n = withStrings([m.name], (nm) => M._awb_downsample_multi(ctx, nm, colsPtr, cols.length, t0, t1, b, xs, ys));
      if (n < 0) throw Object.assign(new Error(`cannot downsample "${m.name}"`), { status: 'argument' });
      const x = new Float64Array(M.HEAPF64.buffer, xs, n).slice();
      const y = cols.map((_, k) => new Float64Array(M.HEAPF64.buffer, ys + k * 16 * b, n).slice());
      return { x, y };
    } finally {
      M._free(colsPtr);
      M._free(xs);
      M._free(ys);
    }
  },
};

async function onMessage(m) {
  if (!m || typeof m !== 'object') return;
  if (m.type === 'cancel-flag') {
    cancelFlag = new Int32Array(m.buffer);
    return;
  }
  const h = handlers[m.type];
  if (!h) {
    post({ id: m.id, type: 'error', error: { status: 'argument', message: `unknown request type "${m.type}"` } });
    return;
  }
  currentId = m.id;
  lastProgress = 0;
  try {
    if (m.type !== 'init' && !M) await loadModule();
    const value = await h(m);
    const transfer = [];
    if (value && value.x instanceof Float64Array) transfer.push(value.x.buffer, ...value.y.map((a) => a.buffer));
    if (value && value.columns && Array.isArray(value.columns))
      for (const a of [value.time, ...value.columns]) if (a instanceof Float64Array) transfer.push(a.buffer);
    post({ id: m.id, type: 'result', value }, transfer);
  } catch (e) {
    const err = { status: e.status || 'internal', message: e.message || String(e) };
    for (const k of ['code', 'file', 'line', 'column']) if (e[k] !== undefined) err[k] = e[k];
    if (!e.status) err.message = `internal error: ${err.message}`;
    post({ id: m.id, type: 'error', error: err });
  } finally {
    currentId = 0;
  }
}

if (isNode) port.on('message', onMessage);
else port.onmessage = (ev) => onMessage(ev.data);

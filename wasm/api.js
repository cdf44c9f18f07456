// api.js - the one way to talk to the engine, in the browser and under Node.
//
//   import { Workbench } from './api.js';
//   const wb = await Workbench.create();
//   const info = await wb.load('metrics', 'csv', file, { onProgress: (p) => ..., signal });
//   const { doc, text } = await wb.run(spec, { onProgress, signal });
//   wb.terminate();
//
// `file` is a Blob/File (browser), a path string or Uint8Array/string (Node), or any (async)
// iterable of Uint8Array chunks. Files are sent in chunks (default 1 MiB): each chunk is parsed by
// the worker before the next is read (back-pressure), so memory never holds the whole file.
// Progress callbacks get {stage, fraction, bytes, total, mbps}. Cancelling (AbortSignal) stops a
// job within about a second: loads stop between chunks; long engine calls poll a shared flag when
// SharedArrayBuffer is available (cross-origin isolated pages, Node), and otherwise the worker is
// restarted (the workspace is then empty and `wb.restarted` is true).
// Errors are thrown as WorkbenchError with {status, message, file, line, column}.

const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node) && typeof window === 'undefined';

export class WorkbenchError extends Error {
  constructor(e) {
    super(e && e.message ? e.message : String(e));
    this.name = 'WorkbenchError';
    Object.assign(this, e || {});
  }
}

const CHUNK = 1 << 20;

async function* chunksOf(source, size) {
  if (source === null || source === undefined) throw new WorkbenchError({ status: 'argument', message: 'no input given' });
  if (typeof source === 'string' && isNode) {
    const fs = await import('node:fs');
    const fh = await fs.promises.open(source, 'r');
    try {
      const buf = new Uint8Array(size);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, size, null);
        if (bytesRead === 0) break;
        yield buf.slice(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
    return;
  }
  if (typeof source === 'string') source = new TextEncoder().encode(source);
  if (source instanceof ArrayBuffer) source = new Uint8Array(source);
  if (source instanceof Uint8Array) {
    for (let off = 0; off < source.length; off += size) yield source.slice(off, Math.min(off + size, source.length));
    return;
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    for (let off = 0; off < source.size; off += size) {
      const part = source.slice(off, Math.min(off + size, source.size));
      yield new Uint8Array(await part.arrayBuffer());
    }
    return;
  }
  if (source[Symbol.asyncIterator] || source[Symbol.iterator]) {
    for await (const c of source) yield c instanceof Uint8Array ? c : new Uint8Array(c);
    return;
  }
  throw new WorkbenchError({ status: 'argument', message: 'unsupported input source' });
}

function sizeOf(source) {
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source.size;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source.byteLength;
  return undefined;
}

export class Workbench {
  constructor() {
    this.nextId = 1;
    this.pending = new Map();
    this.worker = null;
    this.cancelFlag = null;
    this.restarted = false;
    this.description = null;
    this.queue = Promise.resolve(); // jobs run one at a time, in order
  }

  static async create(options = {}) {
    const wb = new Workbench();
    wb.workerUrl = options.workerUrl || new URL('./worker.js', import.meta.url);
    wb.workerType = options.workerType || 'module'; // 'classic' for the single-file build's Blob worker
    wb.chunkSize = options.chunkSize || CHUNK;
    await wb._start();
    return wb;
  }

  async _start() {
    if (isNode) {
      const { Worker } = await import('node:worker_threads');
      this.worker = new Worker(this.workerUrl);
      this.worker.on('message', (m) => this._onMessage(m));
      this.worker.on('error', (e) => this._failAll(e));
    } else {
      this.worker = new Worker(this.workerUrl, { type: this.workerType || 'module' });
      this.worker.onmessage = (ev) => this._onMessage(ev.data);
      this.worker.onerror = (ev) => this._failAll(new Error(ev.message || 'the engine worker failed to start'));
    }
    if (typeof SharedArrayBuffer !== 'undefined' && (isNode || globalThis.crossOriginIsolated)) {
      this.cancelFlag = new Int32Array(new SharedArrayBuffer(4));
      this.worker.postMessage({ type: 'cancel-flag', buffer: this.cancelFlag.buffer });
    }
    this.description = await this._request({ type: 'init' });
    return this.description;
  }

  _failAll(e) {
    for (const [, p] of this.pending) p.reject(new WorkbenchError({ status: 'internal', message: String(e && e.message || e) }));
    this.pending.clear();
  }

  _onMessage(m) {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      if (p.onProgress) p.onProgress({ stage: m.stage, fraction: m.fraction });
      return;
    }
    this.pending.delete(m.id);
    if (m.type === 'result') p.resolve(m.value);
    else p.reject(new WorkbenchError(m.error));
  }

  _request(msg, { onProgress, transfer } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...msg, id }, transfer || []);
    });
  }

  // Runs fn with the worker to itself; a cancel (signal) stops it.
  _job(fn, signal) {
    const run = async () => {
      if (signal && signal.aborted) throw new WorkbenchError({ status: 'cancelled', message: 'cancelled' });
      return fn();
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  // Cancels the job whose requests use ids >= firstId: sets the shared flag for the request in
  // flight; if nothing answers within `grace` ms (or there is no shared flag), restarts the worker.
  _cancelWatch(signal, getId, grace = 800) {
    if (!signal) return () => {};
    const onAbort = () => {
      const id = getId();
      if (this.cancelFlag && id) Atomics.store(this.cancelFlag, 0, id);
      const timer = setTimeout(() => {
        if (!this.pending.has(id)) return;
        // the engine did not stop in time: restart it (its workspace is lost)
        const p = this.pending.get(id);
        this.pending.delete(id);
        this.worker.terminate();
        this.restarted = true;
        this._failAll('engine restarted');
        this._start().catch(() => {});
        p.reject(new WorkbenchError({ status: 'cancelled', message: 'cancelled (the engine was restarted; loaded data must be loaded again)' }));
      }, this.cancelFlag ? grace : 0);
      if (timer.unref) timer.unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  info() {
    return this.description;
  }

  // Streams `source` into the workspace as input `name` of `kind`. Resolves with the load info
  // (rows, columns, rejected rows with line and reason, sha256, ...).
  load(name, kind, source, { label, options, onProgress, signal, size } = {}) {
    return this._job(async () => {
      let current = 0;
      const stop = this._cancelWatch(signal, () => current);
      const total = size !== undefined ? size : sizeOf(source);
      const t0 = Date.now();
      let bytes = 0;
      try {
        await this._request({ type: 'load', name, kind, label: label || (source && source.name) || name, options });
        for await (const c of chunksOf(source, this.chunkSize)) {
          if (signal && signal.aborted) {
            await this._request({ type: 'abort' });
            throw new WorkbenchError({ status: 'cancelled', message: 'cancelled' });
          }
          // (the chunk's buffer is transferred to the worker, which empties c: take its size first)
          const len = c.byteLength;
          const buf = c.byteOffset === 0 && len === c.buffer.byteLength ? c.buffer : c.slice().buffer;
          const req = this._request({ type: 'chunk', data: buf }, { transfer: [buf] });
          current = this.nextId - 1;
          const got = await req;
          bytes += len;
          if (onProgress) {
            const secs = Math.max((Date.now() - t0) / 1000, 1e-3);
            // a log kind reports the lines it parsed and the templates it made so far
            onProgress({ stage: 'load', bytes, total, fraction: total ? bytes / total : -1, mbps: bytes / 1e6 / secs,
              lines: got && got.records >= 0 ? got.records : undefined, templates: got && got.groups >= 0 ? got.groups : undefined });
          }
        }
        const info = await this._request({ type: 'end' });
        if (onProgress) onProgress({ stage: 'load', bytes, total: bytes, fraction: 1, mbps: bytes / 1e6 / Math.max((Date.now() - t0) / 1000, 1e-3) });
        return info;
      } catch (e) {
        if (e.status !== 'cancelled' && !this.restarted) {
          try { await this._request({ type: 'abort' }); } catch (_) { /* already closed */ }
        }
        throw e instanceof WorkbenchError ? e : new WorkbenchError({ status: 'io', message: String(e.message || e) });
      } finally {
        stop();
      }
    }, signal);
  }

  // Runs a whole spec (object or JSON text). Resolves with {doc, text}: the results document
  // and its exact text (identical to `aw run`'s results.json).
  run(spec, { onProgress, signal } = {}) {
    return this._guarded({ type: 'run', spec }, onProgress, signal);
  }

  // Runs one step ({id, op, input, params}) against the workspace.
  step(step, seed = 0, { onProgress, signal } = {}) {
    return this._guarded({ type: 'step', step, seed }, onProgress, signal);
  }

  objects() {
    return this._job(() => this._request({ type: 'objects' }));
  }

  // Describes the head of a CSV (first bytes of a file): separator and, per column, its first
  // value, whether it reads as a time (and in which format), and whether it holds numbers or text.
  sniff(bytes) {
    const copy = bytes instanceof Uint8Array ? bytes.slice(0, 1 << 20) : new Uint8Array(bytes).slice(0, 1 << 20);
    return this._job(() => this._request({ type: 'sniff', data: copy.buffer }, { transfer: [copy.buffer] }));
  }

  // Periodogram (reduced to `points` bins) and dominant periods of a table column.
  periodogram(name, column, { dt = 0, points = 1024, signal, onProgress } = {}) {
    return this._guarded({ type: 'periodogram', name, column, dt, points }, onProgress, signal);
  }

  // The DTW warping path between columns a and b over rows [i0, i1) of a table.
  dtwPath(name, a, b, i0, i1, { znorm = true, window } = {}) {
    return this._job(() => this._request({ type: 'dtwPath', name, a, b, i0, i1, znorm, window }));
  }

  // Bytes of the engine's WASM memory (it only grows).
  memory() {
    return this._job(() => this._request({ type: 'memory' }));
  }

  remove(name) {
    return this._job(() => this._request({ type: 'remove', name }));
  }

  columns(name, columns, { time = true } = {}) {
    return this._job(() => this._request({ type: 'columns', name, columns, time }));
  }

  downsample(name, columns, { t0, t1, buckets = 1000 } = {}) {
    return this._job(() => this._request({ type: 'downsample', name, columns, t0, t1, buckets }));
  }

  _guarded(msg, onProgress, signal) {
    return this._job(async () => {
      let id = 0;
      const stop = this._cancelWatch(signal, () => id);
      try {
        const p = this._request(msg, { onProgress });
        id = this.nextId - 1;
        return await p;
      } finally {
        stop();
        if (this.cancelFlag) Atomics.store(this.cancelFlag, 0, 0);
      }
    }, signal);
  }

  terminate() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
  }
}

// intake.js - decides how each file is read: which input kind, with which options. Pure logic
// (no DOM), so it is tested under Node. The engine does the parsing; this module only looks at a
// file's name and first bytes (and the engine's CSV sniff of them) to route it:
//
//   manifest.json {"format": "aw-bundle", "inputs": [{path, kind, name?, options?}]}  -> as listed
//   spec.json / *.spec.json (an analysis spec)                                     -> restore it
//   metrics/ or metric/*.csv        wide CSV (the time column chosen by the sniff)
//   logs/ or log/*, *.log           logs (the engine's log input kind, when it has one)
//   labels*, *fault_list*.json, FIS records, start/end CSVs, NAB windows JSON  -> label windows
//   *.json with "resultType"        Prometheus range-query JSON
//   *.csv with one numeric column and text columns  -> long CSV (timestamp,series,value)
//   any other CSV                   wide CSV

import { guessLogFormat } from './logformats.js';

export const TIME_NAMES = ['timestamp', 'time', 'date', 'datetime', 'ts', 't', 'time_stamp', '@timestamp'];
const LOG_KINDS = ['log'];

// An input name from a file path: [A-Za-z0-9_.-]{1,64}, without the extension.
export function inputName(path) {
  let base = String(path || 'data').split('/').filter(Boolean).pop() || 'data';
  base = base.replace(/\.(csv|tsv|txt|json|log|gz|tgz|zip|tar)$/i, '').replace(/\.(csv|tsv|json|log|tar)$/i, '');
  base = base.replace(/_metrics?$/i, '');
  base = base.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[._-]+/, '').slice(0, 56);
  return base || 'data';
}

// `name`, or name_2, name_3... when taken (unless `same` says the taken one is this very file).
export function uniqueName(name, taken, same = false) {
  if (same || !taken.includes(name)) return name;
  for (let i = 2; ; i++) if (!taken.includes(`${name}_${i}`)) return `${name}_${i}`;
}

const text = (bytes, n = 4096) => new TextDecoder('utf-8').decode(bytes.subarray(0, Math.min(bytes.length, n)));
const ext = (p) => (/\.([A-Za-z0-9]+)$/.exec(p) || [, ''])[1].toLowerCase();
const norm = (s) => String(s).trim().toLowerCase();

// Kind of a JSON file from its first bytes.
export function jsonKind(head) {
  const t = text(head, 65536);
  if (/"resultType"\s*:/.test(t) || /^\s*\{\s*"status"\s*:\s*"(success|error)"/.test(t)) return 'prom_json';
  if (/"inject_time"\s*:/.test(t) || /"inject_pod"\s*:/.test(t)) return 'windows';
  if (/^\s*\{\s*"[^"]*\.csv"\s*:\s*\[/.test(t)) return 'windows'; // NAB combined_windows.json
  if (/"version"\s*:/.test(t) && /"(inputs|steps)"\s*:/.test(t)) return 'spec';
  if (/^\s*\[\s*\{/.test(t) && /"start"\s*:/.test(t) && /"end"\s*:/.test(t)) return 'windows';
  return null;
}

// The time column the engine would pick by itself (aw/table.h): a column with a time-like name,
// else the first column when its first value is a time.
function engineTimePick(cols) {
  const byName = cols.find((c) => TIME_NAMES.includes(norm(c.name)));
  if (byName) return byName;
  const first = cols[0];
  if (first && (first.time === 'iso8601' || (first.time && first.epoch_like))) return first;
  return null;
}

// A column whose first value reads as a time: ISO 8601, or an epoch-like number (>= 1e8 s).
const timeLike = (c) => !!c && (c.time === 'iso8601' || (!!c.time && c.epoch_like));

// Chooses kind and options for a CSV from the engine's sniff of its head
// ({sep, columns: [{name, time, epoch_like, number, text, sample}]}).
export function csvPlan(sniff, forced) {
  const cols = sniff.columns || [];
  const names = cols.map((c) => norm(c.name));
  const has = (n) => names.indexOf(n);
  const options = {};
  // FIS records (AWS Fault Injection Service, as published with the Allam et al. data sets)
  if (!forced || forced === 'fis') {
    if (has('action start time') >= 0 && has('action end time') >= 0) return { kind: 'fis', options };
  }
  // label windows: start and end columns of times
  const startCol = cols.find((c) => /(^|[_ ])(start|begin)([_ ]?time)?$/.test(norm(c.name)));
  const endCol = cols.find((c) => /(^|[_ ])(end|stop)([_ ]?time)?$/.test(norm(c.name)));
  if (forced === 'windows' || (!forced && startCol && endCol && startCol !== endCol && timeLike(startCol))) {
    return { kind: 'windows', options };
  }
  // time column: correct the engine's pick when it would not read
  const pick = engineTimePick(cols);
  let timeCol = pick;
  if (!timeLike(pick)) {
    const cands = cols.filter(timeLike);
    const named = cands.find((c) => TIME_NAMES.includes(norm(c.name)) || /time|date/.test(norm(c.name)));
    timeCol = named || cands[0] || null;
    if (timeCol) options.time_column = timeCol.name;
  }
  const rest = cols.filter((c) => c !== timeCol);
  const numeric = rest.filter((c) => c.number && !c.text);
  const textual = rest.filter((c) => c.text);
  const valueNamed = rest.find((c) => ['value', '_value', 'val', 'y'].includes(norm(c.name)) && c.number);
  // long: a value column and series/label columns of text, one of them named like a series name
  const seriesNamed = textual.some((c) => ['series', 'metric', '__name__', 'name', 'metric_name'].includes(norm(c.name)));
  const long = forced === 'csv_long' || (!forced && timeCol && textual.length >= 1 && (valueNamed || seriesNamed) &&
    (numeric.length === 1 || (valueNamed && numeric.length <= 2)) && rest.length <= 64);
  if (long) {
    const value = valueNamed || numeric[numeric.length - 1];
    if (value) options.value_column = value.name;
    if (timeCol && options.time_column === undefined) options.time_column = timeCol.name;
    return { kind: 'csv_long', options };
  }
  return { kind: forced || 'csv', options };
}

function isLogPath(p) {
  return /(^|\/)logs?\//i.test(p) || /\.(log|out)$/i.test(p) || /(^|\/)faultfree_log\//i.test(p);
}
function isLabelPath(p) {
  const base = p.split('/').pop();
  return /^labels?/i.test(base) || /(^|\/)labels?\//i.test(p) || /fault_list.*\.json$/i.test(base) || /anomaly_windows/i.test(base) || /combined_windows/i.test(base);
}
function isDocPath(p) {
  const base = p.split('/').pop();
  return /^(readme|license|licence|copying|notice|changelog)(\.|$)/i.test(base) || /\.(md|html?|pdf|png|jpe?g|gif|svg|py|ipynb|sh|parquet)$/i.test(base) || base.startsWith('.');
}

// Plans a set of sources (see bundle.js): returns {items, skipped, spec?, sources?}.
//   items:   [{path, name, kind, options, source, size}]
//   skipped: [{file, message}] for files that cannot be read (said next to the upload)
// `sniff(bytes)` asks the engine for a CSV sniff; `kinds` is the set of input kinds it knows.
export async function planFiles(sources, { asKind = 'auto', sniff, kinds = new Set(['csv']) } = {}) {
  const items = [], skipped = [];
  const logKind = LOG_KINDS.find((k) => kinds.has(k));
  const forced = asKind && asKind !== 'auto' ? asKind : null;
  // an analysis bundle or a spec
  if (!forced) {
    const specSrc = sources.find((s) => /(^|\/)spec\.json$/i.test(s.path) || /\.spec\.json$/i.test(s.path));
    if (specSrc && jsonKind(specSrc.head) === 'spec') {
      let spec;
      try {
        spec = JSON.parse(await readAllText(specSrc, 16 << 20));
      } catch (e) {
        return { items, skipped: [{ file: specSrc.path, message: `not a valid spec: ${e.message}` }] };
      }
      return { items, skipped, spec, sources: sources.filter((s) => s !== specSrc) };
    }
  }
  // a manifest lists the inputs
  const manifestSrc = !forced && sources.find((s) => /(^|\/)manifest\.json$/i.test(s.path));
  if (manifestSrc) {
    let m;
    try {
      m = JSON.parse(await readAllText(manifestSrc, 4 << 20));
    } catch (e) {
      return { items, skipped: [{ file: manifestSrc.path, message: `manifest.json is not valid JSON: ${e.message}` }] };
    }
    const root = manifestSrc.path.replace(/manifest\.json$/i, '');
    for (const [i, inp] of (Array.isArray(m.inputs) ? m.inputs : []).entries()) {
      const src = inp && typeof inp.path === 'string' ? sources.find((s) => s.path === root + inp.path || s.path === inp.path) : null;
      if (!src) { skipped.push({ file: manifestSrc.path, message: `inputs[${i}]: no file ${inp && inp.path} in the bundle` }); continue; }
      if (!inp.kind || !kinds.has(inp.kind)) { skipped.push({ file: src.path, message: `inputs[${i}]: kind "${inp.kind}" is not one this engine reads (${[...kinds].join(', ')})` }); continue; }
      items.push({ path: src.path, name: inp.name || inputName(src.path), kind: inp.kind, options: inp.options || {}, source: src, size: src.size });
    }
    if (!Array.isArray(m.inputs)) skipped.push({ file: manifestSrc.path, message: 'manifest.json has no "inputs" list' });
    return { items, skipped };
  }
  for (const src of sources) {
    const p = src.path;
    if (!forced && isDocPath(p)) continue;
    const e = ext(p);
    let kind = forced, options = {};
    if (forced === 'log' || (!forced && isLogPath(p) && e !== 'json')) {
      kind = logKind || null;
      if (!kind) { skipped.push({ file: p, message: 'log files need the Drain log input kind, which this engine does not have yet' }); continue; }
      if (e === 'csv' && kinds.has('log_csv')) {
        // logs exported as CSV (Nezha): the log cell of each row
        kind = 'log_csv';
      } else {
        const g = guessLogFormat(text(src.head || new Uint8Array(0), 65536));
        options = g.options;
      }
    } else if (e === 'json' && (!forced || forced === 'windows' || forced === 'prom_json')) {
      const jk = forced || jsonKind(src.head);
      if (!jk || jk === 'spec') { skipped.push({ file: p, message: jk === 'spec' ? 'a spec inside a set of files: open it on its own (or name it spec.json)' : 'a JSON file of an unknown shape (expected Prometheus range-query JSON, NAB combined_windows.json or a Nezha fault list)' }); continue; }
      kind = jk;
    } else if (forced && forced !== 'csv' && forced !== 'csv_long' && forced !== 'windows' && forced !== 'fis') {
      kind = forced;
    } else {
      const head = src.head;
      if (head && head.indexOf(0) >= 0 && head.indexOf(0) < 4096) { skipped.push({ file: p, message: 'a binary file (not CSV, JSON or a log)' }); continue; }
      let sn;
      try {
        sn = await sniff(head);
      } catch (err) {
        skipped.push({ file: p, message: err.message });
        continue;
      }
      const plan = csvPlan(sn, forced);
      if (!forced && isLabelPath(p) && plan.kind !== 'fis') plan.kind = 'windows';
      kind = plan.kind;
      options = plan.options;
      if (kind === 'csv_long' && !kinds.has('csv_long')) { kind = 'csv'; options = {}; }
    }
    if (!kinds.has(kind)) { skipped.push({ file: p, message: `needs the input kind "${kind}", which this engine does not have` }); continue; }
    items.push({ path: p, name: inputName(p), kind, options, source: src, size: src.size });
  }
  return { items, skipped };
}

async function readAllText(src, max) {
  const parts = [];
  let n = 0;
  for await (const c of src.chunks()) {
    n += c.length;
    if (n > max) throw new Error(`larger than ${max} bytes`);
    parts.push(c);
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return new TextDecoder().decode(all);
}

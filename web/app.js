// app.js - the workbench shell: tabs (one ES module per view under views/), intake (drop / pick /
// folder / bundle / example), the job bar with progress and cancel, errors next to what caused
// them, the share link in the URL fragment, exports, keyboard shortcuts and themes.
// The engine runs in a worker (api.js); this thread only draws.
import { Workbench } from './api.js';
import { $, el, clear, fmtBytes, fmtError, shortHash, download, toCsv } from './ui.js';
import { planFiles, inputName, uniqueName } from './intake.js';
import { encodeState, decodeState, LINK_SCHEMA } from './share.js';
import { openSources, buildZip } from './bundle.js';
import { viewModules } from './views/index.js';

const LOAD_MAX_CELLS = 16 * 1024 * 1024; // 128 MB of values kept at full resolution

const app = {
  wb: null,
  engine: null,        // the engine's self-description (version, ops, kinds)
  spec: newSpec(),
  loaded: new Map(),   // input name -> {info, source, label, kind, options, path}
  results: new Map(),  // step id -> step result
  runDoc: null,        // last whole-spec results document (export)
  job: null,           // AbortController of the running job
  views: new Map(),    // id -> view instance
  order: [],           // view ids in tab order
  current: 'dataset',
  restoring: null,     // a share link waiting for its files
  jobLog: [],          // {label, t0, t1} of recent jobs
};
window.__aw = app; // for tests and the console

function newSpec() {
  return { version: 1, seed: 0, inputs: [], steps: [] };
}

// ---------------------------------------------------------------- busy state and job bar
let busyCount = 0;
function setBusy(delta) {
  busyCount = Math.max(0, busyCount + delta);
  document.body.dataset.state = busyCount ? 'busy' : 'idle';
}

// Runs fn(signal, onProgress) as the one visible job (label in the job bar, Esc/Cancel stops it).
async function job(label, fn) {
  if (app.job) throw Object.assign(new Error('another job is running; wait for it or cancel it (Esc)'), { status: 'busy' });
  const ctl = new AbortController();
  app.job = ctl;
  $('#job').hidden = false;
  $('#job-label').textContent = label;
  $('#job-stat').textContent = '';
  $('#job-progress').removeAttribute('value');
  setBusy(+1);
  const entry = { label, t0: performance.now(), t1: 0 };
  app.jobLog.push(entry); // for tests: when jobs ran (main-thread long tasks are measured against it)
  if (app.jobLog.length > 100) app.jobLog.shift();
  try {
    return await fn(ctl.signal, jobProgress);
  } finally {
    entry.t1 = performance.now();
    app.job = null;
    $('#job').hidden = true;
    setBusy(-1);
  }
}

function jobProgress(p) {
  const bar = $('#job-progress');
  if (p.fraction >= 0) bar.value = Math.min(1, p.fraction);
  else bar.removeAttribute('value');
  const parts = [];
  if (p.fraction >= 0) parts.push(`${Math.floor(p.fraction * 100)}%`);
  if (p.mbps) parts.push(`${p.mbps.toFixed(1)} MB/s`);
  if (p.bytes !== undefined) parts.push(`${fmtBytes(p.bytes)}${p.total ? ' of ' + fmtBytes(p.total) : ''}`);
  if (p.lines !== undefined) parts.push(`${p.lines.toLocaleString('en-US')} lines`);
  if (p.templates !== undefined) parts.push(`${p.templates.toLocaleString('en-US')} templates`);
  if (p.stage && p.stage !== 'load') parts.push(p.stage);
  if (p.detail) parts.push(p.detail);
  $('#job-stat').textContent = parts.join(' – ');
}

// ---------------------------------------------------------------- errors and notices
function showError(box, e) {
  box.hidden = false;
  box.textContent = e && e.status === 'cancelled' ? 'Cancelled.' : fmtError(e);
  box.dataset.status = (e && e.status) || 'error';
}
function clearError(box) {
  box.hidden = true;
  box.textContent = '';
}
let noticeTimer = 0;
function notice(text, ms = 4000) {
  const n = $('#notice');
  n.textContent = text;
  n.hidden = false;
  clearTimeout(noticeTimer);
  if (ms) noticeTimer = setTimeout(() => { n.hidden = true; }, ms);
}

// ---------------------------------------------------------------- rejected rows
function showRejects(info) {
  const box = $('#rejects'), body = clear($('#rejects-body'));
  const n = info.rejected || 0;
  box.hidden = n === 0;
  if (!n) return;
  const listed = (info.rejects || []).length;
  $('#rejects-title').textContent =
    `${n.toLocaleString('en-US')} ${info.kind === 'prom_json' ? 'sample' : 'row'}${n === 1 ? '' : 's'} of ${info.label || info.name} rejected` +
    (listed < n ? ` (first ${listed} listed)` : '');
  for (const r of (info.rejects || []).slice(0, 1000)) {
    body.append(el('tr', {}, el('td', { text: String(r.line) }), el('td', { text: r.reason })));
  }
}

// ---------------------------------------------------------------- inputs
function specInput(name) {
  return app.spec.inputs.find((i) => i.name === name);
}

// Streams one source into the workspace and records it in the spec. `source` is a Blob or an
// entry of a bundle ({size, chunks()}).
async function loadInput({ name, kind, source, label, path, options, size }, signal, onProgress) {
  const opts = { ...(options || {}) };
  if (kind === 'csv') Object.assign(opts, { max_cells: LOAD_MAX_CELLS, overview_on_limit: true });
  if (kind === 'csv_long' && opts.max_cells === undefined) opts.max_cells = LOAD_MAX_CELLS;
  const src = source.chunks ? source.chunks() : source;
  const info = await app.wb.load(name, kind, src, { label: path || label, options: opts, onProgress, signal, size: size !== undefined ? size : source.size });
  info.kind = info.kind || kind;
  const rec = { name, kind, path: path || label, size: info.bytes, sha256: info.sha256 };
  if (options && Object.keys(options).length) rec.options = options;
  const i = app.spec.inputs.findIndex((x) => x.name === name);
  if (i >= 0) app.spec.inputs[i] = rec;
  else app.spec.inputs.push(rec);
  app.loaded.set(name, { info, source, label: label || path, kind, options: options || {}, path: rec.path });
  return info;
}

// Files from the picker, a drop or a folder: bundles are opened entry by entry, each file is
// routed to an input kind (by name and by a look at its first bytes), then streamed in.
// (busy until the views have caught up, so "idle" means settled)
async function loadFiles(files, asKind = 'auto') {
  setBusy(+1);
  try {
    return await loadFilesInner(files, asKind);
  } finally {
    setBusy(-1);
  }
}

async function loadFilesInner(files, asKind = 'auto') {
  if (app.job || !files.length) return;
  clearError($('#load-error'));
  $('#rejects').hidden = true;
  if (app.restoring) return restoreWithFiles(files);
  let last = null;
  try {
    await job(files.length === 1 ? `Loading ${files[0].name}` : `Loading ${files.length} files`, async (signal, progress) => {
      const sources = await openSources(files, { signal });
      const plan = await planFiles(sources, { asKind, sniff: (bytes) => app.wb.sniff(bytes), kinds: kindSet() });
      if (plan.spec) {
        // an analysis bundle or an exported spec: restore it
        await openSpec(plan.spec, plan.sources || sources, signal, progress);
        last = null;
        return;
      }
      const problems = [...plan.skipped];
      let n = 0;
      for (const item of plan.items) {
        if (signal.aborted) throw Object.assign(new Error('cancelled'), { status: 'cancelled' });
        const name = uniqueName(item.name || inputName(item.path), app.spec.inputs.map((x) => x.name), specInput(item.name || '')?.path === item.path);
        progress({ fraction: -1, stage: `${++n}/${plan.items.length} ${item.path}` });
        try {
          const info = await loadInput({ ...item, name }, signal, (p) => progress({ ...p, detail: plan.items.length > 1 ? `${n}/${plan.items.length} ${item.path}` : '' }));
          if (!info.rows && !info.windows && !info.lines_total && info.kind !== 'log') {
            const hint = info.rejected ? ` (${info.rejected} rejected, listed below)` : ' (only a header?)';
            problems.push({ file: item.path, message: `no data rows${hint}` });
            await app.wb.remove(name);
            dropInput(name);
          }
          showRejects(info);
          last = name;
        } catch (e) {
          if (e.status === 'cancelled') throw e;
          problems.push({ ...e, file: e.file || item.path, message: e.message });
        }
      }
      if (problems.length) showError($('#load-error'), { message: groupProblems(problems) });
    });
  } catch (e) {
    showError($('#load-error'), e);
  }
  await afterInputsChanged(last);
}

// Problems of many files, one line per reason ("85 files (a, b, c, ...): reason") so a bundle's
// skipped logs do not drown the one real error.
function groupProblems(problems) {
  const byMsg = new Map();
  for (const p of problems) {
    const k = p.line ? fmtError(p) : p.message;
    if (!byMsg.has(k)) byMsg.set(k, []);
    byMsg.get(k).push(p);
  }
  const lines = [];
  for (const [msg, ps] of byMsg) {
    if (ps.length === 1 || ps[0].line) lines.push(ps.length === 1 ? fmtError(ps[0]) : msg);
    else lines.push(`${ps.length} files (${ps.slice(0, 3).map((p) => p.file).join(', ')}${ps.length > 3 ? ', …' : ''}): ${msg}`);
  }
  return lines.join('\n');
}

function kindSet() {
  return new Set((app.engine.kinds || []).map((k) => k.kind));
}

function dropInput(name) {
  app.spec.inputs = app.spec.inputs.filter((i) => i.name !== name);
  app.loaded.delete(name);
}

async function removeInput(name) {
  if (app.job) return;
  await app.wb.remove(name);
  // also what the input made (a bundle's derived tables share its prefix)
  dropInput(name);
  app.spec.steps = app.spec.steps.filter((s) => s.input !== name);
  await afterInputsChanged(null);
}

// Re-reads an input with corrected options (time column, format, separator).
// (busy until the views have caught up, so "idle" means settled)
async function reloadInput(name, options) {
  setBusy(+1);
  try {
    return await reloadInputInner(name, options);
  } finally {
    setBusy(-1);
  }
}

async function reloadInputInner(name, options) {
  const rec = app.loaded.get(name);
  if (!rec || app.job) return;
  clearError($('#load-error'));
  try {
    await job(`Reloading ${rec.path}`, async (signal, progress) => {
      const info = await loadInput({ name, kind: rec.kind, source: rec.source, label: rec.label, path: rec.path, options }, signal, progress);
      showRejects(info);
    });
  } catch (e) {
    showError($('#load-error'), e);
  }
  await afterInputsChanged(name);
}

async function afterInputsChanged(focus) {
  renderInputs();
  let objs = [];
  try { objs = await app.wb.objects(); } catch { /* engine restarted */ }
  app.objects = objs;
  for (const v of app.views.values()) {
    try { await v.onInputs?.(objs, focus); } catch (e) { v.showError?.(e); }
  }
  scheduleLink();
}

// The loaded inputs, each with what was detected (time column and format) and a form to correct it.
function renderInputs() {
  const body = clear($('#inputs-body'));
  $('#inputs').hidden = app.spec.inputs.length === 0;
  const kinds = {};
  for (const i of app.spec.inputs) kinds[i.kind] = (kinds[i.kind] || 0) + 1;
  $('#inputs-table-input').textContent = app.spec.inputs.length > 1
    ? `${app.spec.inputs.length} inputs (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')})` : 'input';
  for (const input of app.spec.inputs) {
    const rec = app.loaded.get(input.name);
    const info = rec ? rec.info : (app.runDoc?.inputs || []).find((i) => i.name === input.name) || {};
    const rows = info.rows !== undefined ? info.rows : info.windows;
    const time = info.time_column ? `${info.time_column}${info.time_format ? ` (${info.time_format})` : ''}` : info.time_column === null ? 'none' : '';
    const tr = el('tr', { 'data-input': input.name },
      el('td', { title: input.path || '' }, el('strong', { text: input.name }), input.path && input.path !== input.name ? el('div', { class: 'muted small', text: input.path }) : null),
      el('td', { text: input.kind }),
      el('td', { class: 'num', text: rows !== undefined ? Number(rows).toLocaleString('en-US') : '' }),
      el('td', {}, el('span', { class: 'time-detected', text: time })),
      el('td', { class: 'num', text: input.size !== undefined ? fmtBytes(input.size) : 'generated' }),
      el('td', { class: 'mono', title: input.sha256 || '', text: shortHash(input.sha256) }),
      el('td', { class: 'row-actions' }));
    const actions = tr.lastChild;
    if (rec && (input.kind === 'csv' || input.kind === 'csv_long' || input.kind === 'windows')) {
      actions.append(el('button', { class: 'small-btn', 'aria-label': `Correct how ${input.name} is read`, text: 'Options', onclick: () => toggleOptions(tr, input, info) }));
    }
    actions.append(el('button', { class: 'small-btn', 'aria-label': `Remove ${input.name}`, text: '✕', onclick: () => removeInput(input.name) }));
    body.append(tr);
  }
}

function toggleOptions(tr, input, info) {
  const next = tr.nextElementSibling;
  if (next && next.classList.contains('options-row')) { next.remove(); return; }
  const cols = [info.time_column, ...(info.columns || []), ...(info.skipped_columns || []), ...(info.header || [])].filter((c, i, a) => c && a.indexOf(c) === i);
  const opt = { ...(input.options || {}) };
  const tc = el('select', { 'aria-label': 'time column' }, el('option', { value: '', text: '(detect)' }), el('option', { value: '-', text: '(no time column)' }),
    ...cols.map((c) => el('option', { value: c, text: c })));
  tc.value = opt.time_column === '' ? '-' : opt.time_column || '';
  const tf = el('select', { 'aria-label': 'time format' }, ...['auto', 'unix_s', 'unix_ms', 'unix_us', 'unix_ns', 'iso8601'].map((f) => el('option', { value: f, text: f })));
  tf.value = opt.time_format || 'auto';
  const sep = el('select', { 'aria-label': 'separator' }, ...[['auto', 'auto'], [',', ','], [';', ';'], ['\t', 'tab'], ['|', '|']].map(([v, t]) => el('option', { value: v, text: t })));
  sep.value = opt.sep || 'auto';
  const apply = el('button', { text: 'Reload with these', onclick: () => {
    const o = { ...opt };
    delete o.time_column; delete o.time_format; delete o.sep;
    if (tc.value === '-') o.time_column = '';
    else if (tc.value) o.time_column = tc.value;
    if (tf.value !== 'auto') o.time_format = tf.value;
    if (sep.value !== 'auto') o.sep = sep.value;
    reloadInput(input.name, o);
  } });
  const row = el('tr', { class: 'options-row' }, el('td', { colspan: '7' },
    el('div', { class: 'options-form' },
      el('label', {}, 'time column ', tc), el('label', {}, 'format ', tf), el('label', {}, 'separator ', sep), apply,
      el('span', { class: 'muted', text: `detected: ${info.time_column || 'no time column'}${info.time_format ? ` (${info.time_format})` : ''}, separator ${JSON.stringify(info.separator || ',')}` }))));
  tr.after(row);
  tc.focus();
}

// ---------------------------------------------------------------- examples
// An example file: fetched from examples/, or from the single-file build's embedded copy.
async function exampleFile(name) {
  const embedded = window.AW_EXAMPLES;
  if (embedded) {
    if (!(name in embedded)) return new Response(null, { status: 404 });
    const bin = atob(embedded[name]);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Response(bytes);
  }
  return fetch(`examples/${name}`);
}

async function loadExampleList() {
  const pick = $('#example-pick');
  try {
    const list = await (await exampleFile('index.json')).json();
    app.examples = list;
    clear(pick);
    for (const x of list) pick.append(el('option', { value: x.file.replace(/\.json$/, ''), text: x.title }));
    if (list.some((x) => x.file === 'default.json')) pick.value = 'default';
    pick.hidden = list.length < 2;
  } catch {
    app.examples = [];
    pick.hidden = true;
  }
}

// (busy until the views have caught up, so "idle" means settled)
async function loadExample(which) {
  setBusy(+1);
  try {
    return await loadExampleInner(which);
  } finally {
    setBusy(-1);
  }
}

async function loadExampleInner(which) {
  if (app.job) return;
  clearError($('#load-error'));
  const list = app.examples || [];
  const entry = list.find((x) => x.file === `${which}.json`) || list.find((x) => x.file === `${$('#example-pick').value}.json`) || list[0];
  try {
    if (!entry) throw new Error('no example is bundled with this build');
    const spec = await (await exampleFile(entry.file)).json();
    const sources = [];
    for (const input of spec.inputs || []) {
      if (!input.path) continue;
      const resp = await exampleFile(input.path);
      if (!resp.ok) throw new Error(`example file ${input.path} is missing`);
      const blob = await resp.blob();
      sources.push({ path: input.path, name: input.path, size: blob.size, blob, chunks: () => blob });
    }
    await job(`Loading the example “${entry.title}”`, (signal, progress) => openSpec(spec, sources, signal, progress));
    document.title = `${spec.title || entry.title} – anomaly-workbench`;
  } catch (e) {
    showError($('#load-error'), e);
  }
  await afterInputsChanged(null);
  await showResults();
}

// ---------------------------------------------------------------- specs, share links, restore
// Empties the workspace and the spec (an example, a link or an analysis bundle starts afresh).
async function resetWorkspace() {
  for (const o of await app.wb.objects()) await app.wb.remove(o.name);
  app.spec = newSpec();
  app.loaded.clear();
  app.results.clear();
  app.runDoc = null;
}

// Loads a spec's uploaded inputs from `sources` (matched by path, then by name), then runs it.
async function openSpec(spec, sources, signal, progress) {
  await resetWorkspace();
  const byPath = new Map(sources.map((s) => [s.path, s]));
  for (const input of spec.inputs || []) {
    if (!input.path) continue;
    const src = byPath.get(input.path) || sources.find((s) => s.path.endsWith('/' + input.path) || s.name === input.path.split('/').pop());
    if (!src) throw Object.assign(new Error(`input "${input.name}" needs the file ${input.path}, which is not there`), { status: 'not-found' });
    await loadInput({ name: input.name, kind: input.kind, source: src, path: input.path, options: input.options }, signal, progress);
  }
  await runSpec(spec, signal, progress);
}

// Runs a whole spec in the engine (generated inputs are made, loaded ones checked), keeps its
// results, and gives each view its state back.
async function runSpec(spec, signal, progress) {
  const { doc, text } = await app.wb.run(spec, { signal, onProgress: progress });
  // uploaded inputs carry their size and hash (what a share link checks)
  const inputs = (spec.inputs || []).map((i) => {
    const rec = app.loaded.get(i.name);
    if (isGenerated(i.kind) || !rec || !rec.info) return i;
    return { ...i, size: rec.info.bytes, sha256: rec.info.sha256 };
  });
  app.spec = { version: spec.version || 1, seed: spec.seed || 0, inputs, steps: spec.steps || [] };
  if (spec.title) app.spec.title = spec.title;
  app.runDoc = doc;
  app.runText = text;
  app.results = new Map((doc.steps || []).map((s) => [s.id, s.result]));
  for (const info of doc.inputs || []) {
    const rec = app.loaded.get(info.name);
    if (rec) rec.info = { ...rec.info, ...info };
    else app.loaded.set(info.name, { info, kind: info.kind, generated: true });
  }
  app.pendingView = spec.view || null;
  return doc;
}

async function showResults() {
  const view = app.pendingView;
  app.pendingView = null;
  for (const v of app.views.values()) {
    try { await v.onResults?.(app.results, view ? (view.views || {})[v.id] : null); } catch (e) { v.showError?.(e); }
  }
  if (view && view.tab && app.views.has(view.tab)) selectView(view.tab);
  scheduleLink();
}

// The state a link carries: the spec (inputs with name/size/sha256, steps with params, seed) and
// the view state of every view.
function currentState() {
  const views = {};
  for (const [id, v] of app.views) {
    const s = v.state?.();
    if (s && Object.keys(s).length) views[id] = s;
  }
  const spec = JSON.parse(JSON.stringify(app.spec));
  spec.engine = app.engine ? app.engine.engine : undefined;
  spec.view = { tab: app.current, views };
  return spec;
}

let linkTimer = 0;
function scheduleLink() {
  clearTimeout(linkTimer);
  linkTimer = setTimeout(updateLink, 250);
}
async function updateLink() {
  if (app.restoring) return;
  if (!app.spec.inputs.length && !app.spec.steps.length) {
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    return;
  }
  const frag = await encodeState(currentState());
  // the link stands on its own: no ?example= beside it
  const url = `${location.pathname}#${frag}`;
  if (location.hash.slice(1) !== frag) history.replaceState(null, '', url);
  app.linkLength = url.length;
}

// (busy until the views have caught up, so "idle" means settled)
async function openLink(hash) {
  setBusy(+1);
  try {
    return await openLinkInner(hash);
  } finally {
    setBusy(-1);
  }
}

async function openLinkInner(hash) {
  let spec;
  try {
    spec = await decodeState(hash, { engineSpecVersion: app.engine.spec_version });
  } catch (e) {
    showError($('#load-error'), { message: `This share link cannot be opened: ${e.message}` });
    history.replaceState(null, '', location.pathname + location.search);
    return;
  }
  if (spec.engine && spec.engine !== app.engine.engine) notice(`This link was made with engine ${spec.engine}; this page runs ${app.engine.engine}. Results may differ.`, 8000);
  const uploads = (spec.inputs || []).filter((i) => !isGenerated(i.kind));
  if (!uploads.length) {
    try {
      await job('Opening the shared analysis', async (signal, progress) => { await resetWorkspace(); return runSpec(spec, signal, progress); });
    } catch (e) {
      showError($('#load-error'), e);
    }
    await afterInputsChanged(null);
    await showResults();
    return;
  }
  await resetWorkspace();
  await afterInputsChanged(null);
  app.restoring = { spec, have: new Map() };
  renderLinkRequest();
}

function isGenerated(kind) {
  const k = (app.engine.kinds || []).find((x) => x.kind === kind);
  return !!(k && k.generated);
}

// What a link needs: each uploaded file with its size and hash; the user drops or picks them.
function renderLinkRequest() {
  const box = $('#link-request');
  const r = app.restoring;
  box.hidden = !r;
  clear(box);
  if (!r) return;
  const uploads = r.spec.inputs.filter((i) => !isGenerated(i.kind));
  box.append(
    el('h3', { text: 'This link reproduces an analysis of files that stay on their owner’s computer.' }),
    el('p', { text: 'Drop or pick these files (or the bundle that holds them); each is checked against its SHA-256 before the analysis runs.' }),
    el('table', { class: 'link-files' }, el('thead', {}, el('tr', {}, ...['input', 'file', 'size', 'sha256', 'status'].map((h) => el('th', { text: h })))),
      el('tbody', {}, ...uploads.map((i) => {
        const st = r.have.get(i.name);
        return el('tr', { 'data-need': i.name },
          el('td', { text: i.name }), el('td', { text: i.path || '' }), el('td', { class: 'num', text: i.size !== undefined ? fmtBytes(i.size) : '?' }),
          el('td', { class: 'mono', title: i.sha256 || '', text: shortHash(i.sha256) }),
          el('td', { class: st ? (st.ok ? 'ok' : 'bad') : 'muted', text: st ? st.message : 'needed' }));
      }))),
    el('p', {}, el('button', { text: 'Forget this link', onclick: () => { app.restoring = null; renderLinkRequest(); history.replaceState(null, '', location.pathname); } })));
}

// (busy until the views have caught up, so "idle" means settled)
async function restoreWithFiles(files) {
  setBusy(+1);
  try {
    return await restoreWithFilesInner(files);
  } finally {
    setBusy(-1);
  }
}

async function restoreWithFilesInner(files) {
  const r = app.restoring;
  try {
    await job('Checking the files against the link', async (signal, progress) => {
      const sources = await openSources(files, { signal, list: true });
      const uploads = r.spec.inputs.filter((i) => !isGenerated(i.kind));
      for (const input of uploads) {
        if (r.have.get(input.name)?.ok) continue;
        const base = (input.path || '').split('/').pop();
        const src = sources.find((s) => s.path === input.path) || sources.find((s) => s.path.endsWith('/' + input.path)) ||
          sources.find((s) => s.name === base) || (uploads.length === 1 && sources.length === 1 ? sources[0] : null);
        if (!src) continue;
        const info = await loadInput({ name: input.name, kind: input.kind, source: src, path: input.path, options: input.options }, signal, progress);
        if (input.sha256 && info.sha256 !== input.sha256) {
          r.have.set(input.name, { ok: false, message: `differs: ${src.path} has sha256 ${shortHash(info.sha256)} (${fmtBytes(info.bytes)}), the link expects ${shortHash(input.sha256)} (${fmtBytes(input.size)})` });
        } else {
          r.have.set(input.name, { ok: true, message: `matches (${src.path})` });
        }
      }
      renderLinkRequest();
      if (uploads.every((i) => r.have.get(i.name)?.ok)) {
        await runSpec(r.spec, signal, progress);
        app.restoring = null;
        renderLinkRequest();
      } else {
        const bad = uploads.filter((i) => r.have.get(i.name) && !r.have.get(i.name).ok);
        if (bad.length) throw { message: bad.map((i) => `${i.name}: ${r.have.get(i.name).message}`).join('\n') };
      }
    });
  } catch (e) {
    showError($('#load-error'), e);
  }
  if (!app.restoring) {
    await afterInputsChanged(null);
    await showResults();
  }
}

// ---------------------------------------------------------------- steps (views call these)
// Adds (or replaces, by id) a step in the spec and runs it against the workspace.
async function runStep(step, { label, keep = true, quiet = false, onProgress } = {}) {
  const work = async (signal, progress) => {
    const both = (p) => { if (progress) progress(p); if (onProgress) onProgress(p); };
    const r = await app.wb.step(step, app.spec.seed || 0, { signal, onProgress: both });
    if (keep) {
      const i = app.spec.steps.findIndex((s) => s.id === step.id);
      const clean = { id: step.id, op: step.op };
      if (step.input) clean.input = step.input;
      if (step.params && Object.keys(step.params).length) clean.params = step.params;
      if (i >= 0) app.spec.steps[i] = clean;
      else app.spec.steps.push(clean);
      app.results.set(step.id, r.result);
      scheduleLink();
    }
    return r.result;
  };
  // quiet: a quick step a view runs as the user browses (no job bar; may run beside a job)
  return quiet ? work(undefined, undefined) : job(label || `Running ${step.op}`, work);
}

// ---------------------------------------------------------------- exports
async function exportWhat(what) {
  $('#export-menu').hidden = true;
  try {
    const spec = currentState();
    const name = (app.spec.title || 'analysis').replace(/[^A-Za-z0-9_.-]+/g, '_');
    if (what === 'spec') {
      download(new Blob([JSON.stringify(spec, null, 2) + '\n'], { type: 'application/json' }), `${name}.spec.json`);
    } else if (what === 'results-json') {
      const doc = await fullResults();
      download(new Blob([doc.text + '\n'], { type: 'application/json' }), `${name}.results.json`);
    } else if (what === 'results-csv') {
      const v = app.views.get(app.current);
      const rows = v.resultRows ? await v.resultRows() : null;
      if (!rows || !rows.rows.length) throw new Error(`the ${v.title} view has no results to export yet`);
      download(new Blob([toCsv(rows.rows, rows.columns)], { type: 'text/csv' }), `${name}.${app.current}.csv`);
    } else if (what === 'chart-png') {
      const v = app.views.get(app.current);
      const c = v.canvas ? v.canvas() : null;
      if (!c) throw new Error(`the ${v.title} view has no chart to export`);
      const blob = await new Promise((res) => c.toBlob(res, 'image/png'));
      download(blob, `${name}.${app.current}.png`);
    } else if (what === 'bundle' || what === 'bundle-inputs') {
      const doc = await fullResults();
      const files = [
        { path: 'spec.json', data: JSON.stringify(spec, null, 2) + '\n' },
        { path: 'results.json', data: doc.text + '\n' }, // as aw run writes it
      ];
      if (what === 'bundle-inputs') {
        for (const input of app.spec.inputs) {
          const rec = app.loaded.get(input.name);
          if (rec && rec.source && input.path) files.push({ path: input.path, source: rec.source });
        }
      }
      await job('Writing the bundle', async () => {
        const blob = await buildZip(files);
        download(blob, `${name}.zip`);
      });
    }
  } catch (e) {
    showError($('#load-error'), e);
  }
}

// The results document of the whole spec, exactly as `aw run` writes results.json.
async function fullResults() {
  const spec = currentState();
  delete spec.view;
  return job('Running the spec', (signal, progress) => app.wb.run(spec, { signal, onProgress: progress }));
}

async function copyLink() {
  await updateLink();
  const url = location.href;
  try {
    await navigator.clipboard.writeText(url);
    notice(`Share link copied (${url.length.toLocaleString('en-US')} characters). It holds the recipe, never your data.`);
  } catch {
    notice('Share link: the address bar holds it (copy it from there).');
  }
}

// ---------------------------------------------------------------- views and tabs
function selectView(id) {
  if (!app.views.has(id)) return;
  app.current = id;
  for (const [vid, v] of app.views) {
    const on = vid === id;
    v.root.hidden = !on;
    const tab = $(`#tab-${vid}`);
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  app.views.get(id).onShow?.();
  scheduleLink();
}

const shortcuts = [
  ['1 … 6', 'switch view'],
  ['o', 'open files'],
  ['e', 'load the example'],
  ['/', 'search (series, templates)'],
  ['n', 'normalise the series shown (Dataset)'],
  ['0', 'reset zoom'],
  ['← →', 'pan the chart'],
  ['+ −', 'zoom in / out'],
  ['r', 'run this view’s analysis'],
  ['s', 'copy the share link'],
  ['x', 'export menu'],
  ['Esc', 'cancel the running job / close'],
  ['t', 'light / dark theme'],
  ['?', 'this help'],
];

function wire() {
  const drop = $('#drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const fs = [...(e.dataTransfer.files || [])];
    if (fs.length) loadFiles(fs, $('#load-as').value);
  });
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === drop) $('#file').click(); });
  for (const id of ['#file', '#folder']) {
    $(id).addEventListener('change', (e) => {
      const fs = [...e.target.files];
      e.target.value = '';
      if (fs.length) loadFiles(fs, $('#load-as').value);
    });
  }
  $('#example').addEventListener('click', () => loadExample($('#example-pick').value));
  $('#cancel').addEventListener('click', () => app.job && app.job.abort());
  $('#theme').addEventListener('click', toggleTheme);
  $('#help-btn').addEventListener('click', () => $('#help').showModal());
  $('#share-btn').addEventListener('click', copyLink);
  $('#export-btn').addEventListener('click', () => toggleExportMenu());
  for (const b of document.querySelectorAll('#export-menu button')) b.addEventListener('click', () => exportWhat(b.dataset.export));
  const keys = $('#keys');
  for (const [k, d] of shortcuts) keys.append(el('dt', { text: k }), el('dd', { text: d }));
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', () => {
    if (location.hash.length > 1 && app.linkHash !== location.hash) { app.linkHash = location.hash; openLink(location.hash.slice(1)); }
  });
}

function toggleExportMenu(show) {
  const m = $('#export-menu');
  const b = $('#export-btn').getBoundingClientRect();
  m.style.top = `${b.bottom + 4}px`;
  m.style.right = `${Math.max(8, window.innerWidth - b.right)}px`;
  m.hidden = show === undefined ? !m.hidden : !show;
  if (!m.hidden) m.querySelector('button').focus();
}

function onKey(e) {
  if (e.key === 'Escape') {
    if (!$('#export-menu').hidden) { $('#export-menu').hidden = true; $('#export-btn').focus(); return; }
    if (app.job) { app.job.abort(); return; }
  }
  if (e.target.matches && e.target.matches('input, textarea, select') && e.key !== 'Escape') return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if ($('#help').open) return;
  const view = app.views.get(app.current);
  if (/^[1-9]$/.test(e.key) && app.order[Number(e.key) - 1]) {
    selectView(app.order[Number(e.key) - 1]);
    $(`#tab-${app.current}`).focus();
    return;
  }
  if (view && view.onKey && view.onKey(e)) { e.preventDefault(); return; }
  switch (e.key) {
    case '?': $('#help').showModal(); break;
    case 'o': $('#file').click(); break;
    case 'e': loadExample($('#example-pick').value); break;
    case 't': toggleTheme(); break;
    case 's': copyLink(); break;
    case 'x': toggleExportMenu(true); break;
    default: return;
  }
  e.preventDefault();
}

function toggleTheme() {
  const dark = document.documentElement.dataset.theme !== 'dark';
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  try { localStorage.setItem('aw-theme', dark ? 'dark' : 'light'); } catch { /* storage may be off */ }
  for (const v of app.views.values()) v.onTheme?.();
}

function buildViews() {
  const tabs = $('#tabs'), host = $('#views');
  const ctx = {
    app, job, runStep, notice, showError, clearError, scheduleLink,
    // keeps the page "busy" until a view's own asynchronous redraw has finished (tests wait for idle)
    track: async (promise) => {
      setBusy(+1);
      try { return await promise; } finally { setBusy(-1); }
    },
    get wb() { return app.wb; },
    hasOp: (op) => (app.engine.ops || []).some((o) => o.op === op),
    hasKind: (k) => (app.engine.kinds || []).some((x) => x.kind === k),
    loadSpec: async (spec, label) => {
      await job(label || 'Running', (signal, progress) => runSpec(spec, signal, progress));
      await afterInputsChanged(null);
      await showResults();
    },
    addGenerated: async (input, label) => {
      // a generated input (e.g. synth) joins the spec and is made by running the spec
      const spec = currentState();
      spec.inputs = spec.inputs.filter((i) => i.name !== input.name).concat([input]);
      delete spec.view;
      await job(label || 'Generating', (signal, progress) => runSpec({ ...spec, view: currentState().view }, signal, progress));
      await afterInputsChanged(input.name);
      await showResults();
    },
  };
  viewModules.forEach((mod, i) => {
    const root = el('section', { class: 'view', id: `view-${mod.id}`, role: 'tabpanel', 'aria-labelledby': `tab-${mod.id}`, hidden: true });
    host.append(root);
    const tab = el('button', { role: 'tab', id: `tab-${mod.id}`, 'aria-controls': `view-${mod.id}`, 'aria-selected': 'false', 'data-view': mod.id,
      title: `${mod.title} (${i + 1})`, text: mod.title });
    tab.addEventListener('click', () => selectView(mod.id));
    tab.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      e.preventDefault();
      e.stopPropagation();
      const k = app.order.indexOf(mod.id) + (e.key === 'ArrowRight' ? 1 : -1);
      const next = app.order[(k + app.order.length) % app.order.length];
      selectView(next);
      $(`#tab-${next}`).focus();
    });
    tabs.append(tab);
    const v = mod.create(root, ctx);
    v.id = mod.id;
    v.title = mod.title;
    v.root = root;
    app.views.set(mod.id, v);
    app.order.push(mod.id);
  });
}

async function main() {
  try {
    const t = localStorage.getItem('aw-theme');
    if (t) document.documentElement.dataset.theme = t;
    else if (window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches) document.documentElement.dataset.theme = 'dark';
  } catch { /* storage may be off */ }
  wire();
  try {
    app.wb = await Workbench.create(window.AW_WORKER_URL ? { workerUrl: window.AW_WORKER_URL, workerType: window.AW_WORKER_TYPE } : {});
    app.engine = app.wb.info();
    $('#engine').textContent = `engine ${app.engine.engine}${app.engine.sharedCancel ? '' : ' (cancel restarts the engine)'}`;
  } catch (e) {
    showError($('#load-error'), { message: `The engine failed to start: ${e.message}` });
    setBusy(0);
    return;
  }
  buildViews();
  selectView('dataset');
  // offline once loaded (not from file://, where service workers do not run)
  if ('serviceWorker' in navigator && /^https?:$/.test(location.protocol) && !window.AW_SINGLE) {
    navigator.serviceWorker.register('sw.js').catch(() => { /* private mode etc.: online only */ });
  }
  await loadExampleList();
  setBusy(0);
  const ex = new URLSearchParams(location.search).get('example');
  if (location.hash.length > 1) {
    app.linkHash = location.hash;
    await openLink(location.hash.slice(1));
  } else if (ex) {
    await loadExample(ex);
  }
}

main();

// app.js - the workbench page: intake (drop / pick / example), the job bar with progress and
// cancel, rejected rows next to the upload, and the dataset view (series list, chart, stats).
// The engine runs in a worker (api.js); this thread only draws.
import { Workbench } from './api.js';
import { SeriesChart } from './chart.js';
import { $, el, clear, fmtNum, fmtBytes, fmtTime, fmtError, palette } from './ui.js';

const LOAD_MAX_CELLS = 16 * 1024 * 1024; // 128 MB of values kept at full resolution

const state = {
  wb: null,
  spec: { version: 1, seed: 0, inputs: [], steps: [] },
  table: null,      // {name, rows, columns, has_time, info}
  selected: new Set(),
  chart: null,
  job: null,        // AbortController of the running job
};
window.__aw = state; // for tests and the console

// ---------------------------------------------------------------- busy state and job bar
function setBusy(busy) {
  document.body.dataset.state = busy ? 'busy' : 'idle';
}

function startJob(label) {
  const ctl = new AbortController();
  state.job = ctl;
  $('#job').hidden = false;
  $('#job-label').textContent = label;
  $('#job-stat').textContent = '';
  $('#job-progress').removeAttribute('value');
  setBusy(true);
  return ctl;
}

function jobProgress(p) {
  const bar = $('#job-progress');
  if (p.fraction >= 0) bar.value = Math.min(1, p.fraction);
  else bar.removeAttribute('value');
  const parts = [];
  if (p.fraction >= 0) parts.push(`${Math.floor(p.fraction * 100)}%`);
  if (p.mbps) parts.push(`${p.mbps.toFixed(1)} MB/s`);
  if (p.bytes !== undefined) parts.push(`${fmtBytes(p.bytes)}${p.total ? ' of ' + fmtBytes(p.total) : ''}`);
  if (p.stage && p.stage !== 'load') parts.push(p.stage);
  $('#job-stat').textContent = parts.join(' – ');
}

function endJob() {
  state.job = null;
  $('#job').hidden = true;
  setBusy(false);
}

function showError(e) {
  const box = $('#load-error');
  box.hidden = false;
  box.textContent = e.status === 'cancelled' ? 'Cancelled.' : fmtError(e);
  box.dataset.status = e.status || 'error';
}

function clearError() {
  $('#load-error').hidden = true;
  $('#load-error').textContent = '';
}

// ---------------------------------------------------------------- rejected rows
function showRejects(info) {
  const box = $('#rejects'), body = clear($('#rejects-body'));
  const n = info.rejected || 0;
  box.hidden = n === 0;
  if (!n) return;
  const listed = (info.rejects || []).length;
  $('#rejects-title').textContent =
    `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'} of ${info.label || info.name} rejected` +
    (listed < n ? ` (first ${listed} listed)` : '');
  for (const r of (info.rejects || []).slice(0, 1000)) {
    body.append(el('tr', {}, el('td', { text: String(r.line) }), el('td', { text: r.reason })));
  }
}

// ---------------------------------------------------------------- loading
function inputName(fileName) {
  const base = (fileName || 'data').replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 48) || 'data';
  return /^[A-Za-z0-9_.-]+$/.test(base) ? base : 'data';
}

async function loadFile(file) {
  if (state.job) return;
  clearError();
  const name = inputName(file.name);
  const ctl = startJob(`Loading ${file.name}`);
  try {
    // a file too large to keep (beyond LOAD_MAX_CELLS values) becomes a min-max overview with exact
    // statistics, so memory stays bounded whatever the file's size
    const options = { max_cells: LOAD_MAX_CELLS, overview_on_limit: true };
    const info = await state.wb.load(name, 'csv', file, { label: file.name, options, onProgress: jobProgress, signal: ctl.signal, size: file.size });
    showRejects(info);
    if (!info.rows) {
      // nothing usable: say so, and keep showing what was loaded before
      await state.wb.remove(name);
      throw { message: `no data rows${info.rejected ? ` (${info.rejected} rejected, listed below)` : ' (only a header?)'}`, file: file.name };
    }
    state.spec.inputs = state.spec.inputs.filter((i) => i.name !== name);
    state.spec.inputs.push({ name, kind: 'csv', path: file.name, size: info.bytes, sha256: info.sha256 });
    await showTable(name, info);
  } catch (e) {
    showError(e);
  } finally {
    endJob();
  }
}

async function loadExample(which) {
  if (state.job) return;
  clearError();
  const ctl = startJob('Loading the example');
  try {
    const index = await (await fetch('examples/index.json')).json();
    const entry = index.find((x) => x.file === `${which}.json`) || index[0];
    if (!entry) throw new Error('no example is bundled');
    const spec = await (await fetch(`examples/${entry.file}`)).json();
    for (const input of spec.inputs || []) {
      if (!input.path) continue;
      const resp = await fetch(`examples/${input.path}`);
      if (!resp.ok) throw new Error(`example file ${input.path} is missing`);
      const blob = await resp.blob();
      const info = await state.wb.load(input.name, input.kind, blob, { label: input.path, options: input.options, onProgress: jobProgress, signal: ctl.signal, size: blob.size });
      showRejects(info);
    }
    const { doc } = await state.wb.run(spec, { onProgress: jobProgress, signal: ctl.signal });
    state.spec = spec;
    state.results = doc;
    const first = (doc.inputs || []).find((i) => i.rows !== undefined) || (doc.inputs || [])[0];
    if (first) await showTable(first.name, first);
    document.title = `${spec.title || entry.title} – anomaly-workbench`;
  } catch (e) {
    showError(e);
  } finally {
    endJob();
  }
}

// ---------------------------------------------------------------- dataset view
async function showTable(name, info) {
  const objs = await state.wb.objects();
  const t = objs.find((o) => o.name === name && o.type === 'table');
  if (!t) throw new Error(`no table "${name}"`);
  state.table = { ...t, info };
  state.selected = new Set(t.columns.slice(0, 6).map((_, i) => i));
  $('#dataset').hidden = false;
  $('#ds-title').textContent = info.label || name;
  const rows = info.rows !== undefined ? info.rows : t.rows;
  const meta = [`${rows.toLocaleString('en-US')} rows`, `${t.columns.length} series`];
  if (info.overview) meta.push(`too large to keep at full resolution: the chart shows the min and max of ${t.rows / 2} runs of rows; statistics cover every row`);
  if (info.time_column) meta.push(`time: ${info.time_column} (${info.time_format})`);
  if (info.time_start !== undefined) meta.push(`${fmtTime(info.time_start)} → ${fmtTime(info.time_end)}`);
  if ((info.skipped_columns || []).length) meta.push(`text columns skipped: ${info.skipped_columns.join(', ')}`);
  $('#ds-meta').textContent = meta.join(' · ');
  renderSeriesList();
  await renderStats();
  await renderChart();
}

function renderSeriesList() {
  const list = clear($('#series-list'));
  const q = $('#series-search').value.trim().toLowerCase();
  state.table.columns.forEach((c, i) => {
    if (q && !c.toLowerCase().includes(q)) return;
    const id = `s-${i}`;
    const box = el('input', { type: 'checkbox', id, checked: state.selected.has(i) });
    box.addEventListener('change', () => {
      if (box.checked) state.selected.add(i);
      else state.selected.delete(i);
      renderChart();
      renderStats();
    });
    list.append(el('li', {}, box, el('span', { class: 'swatch', style: { background: palette[i % palette.length] } }), el('label', { for: id, text: c })));
  });
}

async function renderStats() {
  const cols = [...state.selected].sort((a, b) => a - b).map((i) => state.table.columns[i]);
  const body = clear($('#stats tbody'));
  if (!cols.length) return;
  const info = state.table.info || {};
  const series = info.overview
    ? (info.stats || []).filter((s) => cols.includes(s.name))
    : (await state.wb.step({ id: 'view-stats', op: 'summary', input: state.table.name, params: { columns: cols } })).result.series;
  for (const s of series) {
    body.append(el('tr', {}, el('td', { text: s.name }), ...['count', 'missing', 'min', 'max', 'mean', 'std'].map((k) => el('td', { text: fmtNum(s[k]) }))));
  }
}

async function renderChart() {
  if (state.chart) state.chart.destroy();
  state.chart = null;
  const host = clear($('#chart'));
  const cols = [...state.selected].sort((a, b) => a - b);
  if (!cols.length) {
    host.append(el('p', { class: 'muted', text: 'Pick a series to plot.' }));
    return;
  }
  const name = state.table.name;
  state.chart = new SeriesChart(host, {
    names: cols.map((i) => state.table.columns[i]),
    colors: cols.map((i) => palette[i % palette.length]),
    timeAxis: state.table.has_time,
    fetch: (t0, t1, buckets) => state.wb.downsample(name, cols, { t0, t1, buckets }),
  });
  await state.chart.load();
  host.dataset.ready = '1';
}

// ---------------------------------------------------------------- wiring
function wire() {
  const drop = $('#drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer.files && e.dataTransfer.files[0];
    if (f) loadFile(f);
  });
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter') $('#file').click(); });
  $('#file').addEventListener('change', (e) => {
    const f = e.target.files[0];
    e.target.value = '';
    if (f) loadFile(f);
  });
  $('#example').addEventListener('click', () => loadExample('default'));
  $('#cancel').addEventListener('click', () => state.job && state.job.abort());
  $('#reset-zoom').addEventListener('click', () => state.chart && state.chart.resetZoom());
  $('#series-search').addEventListener('input', renderSeriesList);
  $('#theme').addEventListener('click', toggleTheme);
  $('#help-btn').addEventListener('click', () => $('#help').showModal());
  document.addEventListener('keydown', (e) => {
    if (e.target.matches && e.target.matches('input, textarea, select') && e.key !== 'Escape') return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const c = state.chart;
    switch (e.key) {
      case '?': $('#help').showModal(); break;
      case 'o': $('#file').click(); break;
      case 'e': loadExample('default'); break;
      case 't': toggleTheme(); break;
      case '/': e.preventDefault(); $('#series-search').focus(); break;
      case '0': if (c) c.resetZoom(); break;
      case '+': case '=': if (c) c.zoom(0.8); break;
      case '-': if (c) c.zoom(1.25); break;
      case 'ArrowLeft': if (c) c.pan(-0.1); break;
      case 'ArrowRight': if (c) c.pan(0.1); break;
      case 'Escape': if (state.job) state.job.abort(); break;
      default: return;
    }
  });
}

function toggleTheme() {
  const dark = document.documentElement.dataset.theme !== 'dark';
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  try { localStorage.setItem('aw-theme', dark ? 'dark' : 'light'); } catch { /* storage may be off */ }
  if (state.chart && state.table) renderChart();
}

async function main() {
  try {
    const t = localStorage.getItem('aw-theme');
    if (t) document.documentElement.dataset.theme = t;
  } catch { /* storage may be off */ }
  setBusy(true);
  wire();
  try {
    state.wb = await Workbench.create();
    const d = state.wb.info();
    $('#engine').textContent = `engine ${d.engine}${d.sharedCancel ? '' : ' (cancel restarts the engine)'}`;
  } catch (e) {
    showError({ message: `The engine failed to start: ${e.message}` });
    return;
  } finally {
    setBusy(false);
  }
  const ex = new URLSearchParams(location.search).get('example');
  if (ex) await loadExample(ex);
}

main();

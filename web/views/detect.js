// views/detect.js - the Detect view: DAM (Chen et al., ICWS 2022: metrics and Drain template
// numbers fused per step, three LSTMs and attention), its ablations, the IBM paper's MLP/GRU
// autoencoders, the eBPF paper's LSTM autoencoder and baselines, through the engine's "detect"
// op: training progress with a live loss curve, then the scores with the threshold (POT, Siffer
// et al.; the 99.7th percentile; the anomaly likelihood), the alarms and the labelled faults, and
// P/R/F1. "POT on a column" runs the "pot" op alone on any column.
import { el, clear, $, fmtNum, fmtTime, palette, bandColors } from '../ui.js';
import { SeriesChart } from '../chart.js';
import { paramForm, paramsBox, opsNote, dataTables, fillSelect, runsOf, legend, windowTables } from './common.js';

const METHODS = [['dam', 'DAM (LSTMs + attention)'], ['dam-a', 'DAM without attention'], ['dam-m', 'DAM, metrics only'], ['dam-l', 'DAM, logs only'],
  ['mlp-ae', 'MLP autoencoder (IBM)'], ['gru-ae', 'GRU autoencoder (IBM)'], ['lstm-ae', 'LSTM autoencoder (eBPF)'], ['zscore', 'z-score baseline'], ['naive', 'naive (last value)'],
  ['pot-only', 'POT on a column (no model)']];
const PARAMS = [
  { key: 'method', label: 'detector', type: 'select', value: 'dam', options: METHODS },
  { key: 'columns', label: 'columns (comma-separated; empty = DAM\'s groups by name)', type: 'text', value: '' },
  { key: 'window', label: 'window', type: 'int', value: 10, min: 1, help: 'steps of history per prediction' },
  { key: 'train_frac', label: 'train fraction', type: 'number', value: 0.6, min: 0.05, max: 1 },
  { key: 'epochs', label: 'epochs', type: 'int', value: 10, min: 1, max: 10000 },
  { key: 'seed', label: 'seed', type: 'int', value: 42, min: 0 },
  { key: 'threshold', label: 'threshold', type: 'select', value: 'pot', options: [['pot', 'POT (risk q)'], ['percentile', 'percentile'], ['likelihood', 'anomaly likelihood']] },
  { key: 'q', label: 'POT risk q', type: 'number', value: 0.001, min: 1e-7, max: 0.49 },
  { key: 'percentile', label: 'percentile', type: 'number', value: 99.7, min: 50, max: 100 },
  { key: 'sweep', label: 'q sweep', type: 'checkbox', value: false, help: 'DAM\'s 40 values of q, scored against the labels' },
];

// The detect op's params from the form (and the chosen log and labels).
export function detectParams(v, { logs, labelsColumn, labels } = {}) {
  const p = { method: v.method, window: v.window, train_frac: v.train_frac, epochs: v.epochs, seed: v.seed };
  const cols = String(v.columns || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (cols.length) p.columns = cols;
  if (logs && v.method !== 'dam-m') p.logs = logs;
  const th = { method: v.threshold };
  if (v.threshold === 'pot') { th.q = v.q; if (v.sweep) th.sweep = true; }
  if (v.threshold === 'percentile') th.percentile = v.percentile;
  p.threshold = th;
  if (labelsColumn) p.labels_column = labelsColumn;
  else if (labels) p.labels = labels;
  return p;
}

export default {
  id: 'detect',
  title: 'Detect',
  create(root, ctx) {
    const form = paramForm(PARAMS, () => { syncFields(); ctx.scheduleLink(); });
    const inputSel = el('select', { 'aria-label': 'Detect: table', class: 'input-pick' });
    const logSel = el('select', { 'aria-label': 'Detect: log' });
    const labelSel = el('select', { 'aria-label': 'Detect: labels' });
    const colSel = el('select', { 'aria-label': 'POT: column' });
    const run = el('button', { class: 'primary', text: 'Train and detect (r)' });
    const note = el('div', { class: 'ops-note', role: 'note', hidden: true });
    const err = el('div', { class: 'error', role: 'alert', hidden: true });
    const params = el('details', { class: 'params-box', hidden: true });
    const lossHost = el('div', { class: 'chart', id: 'det-loss' });
    const lossPanel = el('div', { class: 'panel', hidden: true }, el('h3', { id: 'det-loss-title', text: 'Training loss' }),
      legend(['train', 'validation'], [palette[0], palette[1]]), lossHost);
    const area = el('div', { class: 'result-area', id: 'det-results' });
    root.append(el('div', { class: 'panel op-panel' },
      el('div', { class: 'op-head' }, el('h2', { text: 'Detect' }),
        el('p', { class: 'muted view-intro', text: 'Train a detector on the first part of a table (and, for DAM, the Drain templates of a log fused per step), score every step, and set the alarm threshold on the training scores. With labels, precision, recall and F1 are measured on the test part.' })),
      note,
      el('div', { class: 'op-controls' },
        el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'table' }), inputSel),
        el('label', { class: 'field', id: 'det-log-field' }, el('span', { class: 'field-label', text: 'log (DAM)' }), logSel),
        el('label', { class: 'field', id: 'det-col-field', hidden: true }, el('span', { class: 'field-label', text: 'column' }), colSel),
        el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'labels' }), labelSel),
        form.root, run),
      err, params), lossPanel, area);
    const st = { charts: [], loss: null, result: null, step: null };

    function syncFields() {
      const v = form.values();
      const potOnly = v.method === 'pot-only';
      $('#det-col-field', root).hidden = !potOnly;
      $('#det-log-field', root).hidden = potOnly || v.method === 'dam-m' || !/^dam/.test(v.method);
      for (const k of ['columns', 'window', 'train_frac', 'epochs', 'seed', 'threshold']) form.input(k).closest('.field').hidden = potOnly;
      form.input('q').closest('.field').hidden = !potOnly && v.threshold !== 'pot';
      form.input('percentile').closest('.field').hidden = potOnly || v.threshold !== 'percentile';
      run.textContent = potOnly ? 'Threshold (r)' : 'Train and detect (r)';
    }
    const refresh = () => {
      const ops = form.values().method === 'pot-only' ? ['pot'] : ['detect'];
      run.disabled = !opsNote(note, ctx, ops, 'The Detect view') || !inputSel.value;
    };

    function tableOf(name) { return (ctx.app.objects || []).find((o) => o.name === name); }
    function fillChoices() {
      const t = tableOf(inputSel.value);
      const cols = t ? t.columns : [];
      const labelCols = cols.filter((c) => /(^|[._])(anomaly|label|is_anomaly|fault)$/i.test(c));
      const wins = windowTables(ctx.app.objects).map((o) => o.name);
      fillSelect(labelSel, [['', '(none)'], ...labelCols.map((c) => [`column:${c}`, `column ${c}`]), ...wins.map((w) => [`windows:${w}`, `windows ${w}`])]);
      if (!labelSel.value && labelCols.length) labelSel.value = `column:${labelCols[0]}`;
      fillSelect(colSel, cols.filter((c) => !labelCols.includes(c)));
      const logs = (ctx.app.objects || []).filter((o) => o.type === 'logs').map((o) => o.name);
      fillSelect(logSel, [['', '(none)'], ...logs.map((l) => [l, l])]);
      const own = logs.find((l) => l === `${inputSel.value}.logs`);
      if (own && !logSel.value) logSel.value = own;
    }
    inputSel.addEventListener('change', () => { fillChoices(); refresh(); });

    async function detect() {
      if (run.disabled) return;
      ctx.clearError(err);
      const v = form.values();
      const lab = labelSel.value;
      const labelsColumn = lab.startsWith('column:') ? lab.slice(7) : undefined;
      const labels = lab.startsWith('windows:') ? lab.slice(8) : undefined;
      let step;
      if (v.method === 'pot-only') {
        const p = { column: colSel.value, q: v.q };
        if (labelsColumn) p.labels_column = labelsColumn;
        else if (labels) p.labels = labels;
        step = { id: 'threshold', op: 'pot', input: inputSel.value, params: p };
      } else {
        step = { id: 'detection', op: 'detect', input: inputSel.value, params: detectParams(v, { logs: logSel.value || undefined, labelsColumn, labels }) };
      }
      st.loss = { train: [], val: [], epochs: 0 };
      lossPanel.hidden = step.op !== 'detect';
      startLossChart();
      try {
        const r = await ctx.runStep(step, { label: step.op === 'detect' ? `Detect: training ${v.method}` : 'Detect: POT threshold', onProgress: onTrainProgress });
        await render(step, r);
      } catch (e) {
        ctx.showError(err, e);
      }
    }
    run.addEventListener('click', detect);

    // "train epoch=E/N batch=B/M loss=L val=V": the curve grows as the engine trains
    function onTrainProgress(p) {
      const m = /epoch=(\d+)\/(\d+).*loss=(\S+) val=(\S+)/.exec(p.stage || '');
      if (!m || !st.loss) return;
      const e = Number(m[1]), loss = Number(m[3]), val = Number(m[4]);
      st.loss.epochs = Number(m[2]);
      if (Number.isFinite(loss)) st.loss.train[e - 1] = loss;
      if (Number.isFinite(val)) st.loss.val[e - 1] = val;
      $('#det-loss-title', root).textContent = `Training loss (epoch ${e} of ${m[2]})`;
      drawLoss();
    }
    function startLossChart() {
      if (st.lossChart) st.lossChart.destroy();
      clear(lossHost);
      st.lossChart = new SeriesChart(lossHost, { names: ['train', 'validation'], colors: [palette[0], palette[1]], data: { x: new Float64Array(0), y: [new Float64Array(0), new Float64Array(0)] },
        timeAxis: false, height: 200, xLabel: 'epoch', yLabel: 'loss', widths: [2, 2], integerX: true });
    }
    function drawLoss(history) {
      const tr = history ? history.train : st.loss.train, va = history ? history.val : st.loss.val;
      const n = Math.max(tr.length, va.length);
      const x = Float64Array.from({ length: n }, (_, i) => i + 1);
      const y1 = Float64Array.from({ length: n }, (_, i) => (tr[i] ?? NaN)), y2 = Float64Array.from({ length: n }, (_, i) => (va[i] ?? NaN));
      if (st.lossChart) st.lossChart.setData({ x, y: [y1, y2] });
      lossHost.dataset.epochs = String(n);
    }

    async function render(step, r) {
      st.charts.forEach((c) => c.destroy());
      st.charts = [];
      clear(area);
      st.result = r;
      st.step = step;
      paramsBox(params, step);
      if (!r) return;
      if (step.op === 'detect' && r.history) { lossPanel.hidden = false; if (!st.lossChart) startLossChart(); drawLoss(r.history); $('#det-loss-title', root).textContent = `Training loss (${r.epochs} epochs, best ${r.best_epoch}${r.stopped_early ? ', stopped early' : ''})`; }
      const th = r.threshold || {};
      const lines = [];
      if (step.op === 'detect') {
        lines.push(`${r.method}: ${Number(r.parameters).toLocaleString('en-US')} parameters, window ${r.window}, trained on ${r.train_steps} steps (${r.train_windows} windows, ${r.val_windows} for validation)`);
        lines.push(`threshold: ${th.method || ''}${r.q !== null && r.q !== undefined ? ` q = ${r.q}` : ''} → ${fmtNum(r.threshold_value)} · ${r.alarms} alarms`);
      } else {
        lines.push(`POT on ${r.column}: level ${r.level}, q ${r.q} → threshold ${fmtNum(r.z !== undefined ? r.z : (r.upper || {}).z)} · ${r.alarms_total !== undefined ? r.alarms_total : r.alarms} alarms (${r.method || r.mode})`);
      }
      const ev = step.op === 'detect' ? (r.point_adjusted ? r : null) : r.evaluation;
      const prf = ev ? el('table', { class: 'data', id: 'det-prf' },
        el('thead', {}, el('tr', {}, ...['', 'precision', 'recall', 'F1', 'TP', 'FP', 'FN'].map((h) => el('th', { text: h })))),
        el('tbody', {}, ...[['point-adjusted', ev.point_adjusted], ['point-wise', ev.pointwise]].filter(([, x]) => x).map(([name, x]) =>
          el('tr', {}, el('td', { text: name }), ...['precision', 'recall', 'f1', 'tp', 'fp', 'fn'].map((k) => el('td', { class: 'num', text: fmtNum(x[k]) })))))) : null;
      area.append(el('div', { class: 'panel', id: 'det-verdict' }, el('h3', { text: 'Result' }), ...lines.map((t) => el('p', { text: t })), prf,
        ev && ev.test_segments !== undefined ? el('p', { class: 'muted', text: `${ev.test_segments} labelled segments in the test part` }) : null,
        r.mean_delay !== undefined || (ev && ev.mean_delay !== undefined) ? el('p', { class: 'muted', text: `mean detection delay: ${fmtNum(r.mean_delay ?? ev.mean_delay)} s` }) : null));
      // scores, threshold, alarms and labelled faults
      const tname = step.op === 'detect' ? r.table : step.id;
      ctx.app.objects = await ctx.wb.objects();
      const t = tableOf(tname);
      if (t) {
        const want = step.op === 'detect' ? ['score', 'threshold', 'alarm', 'label'] : ['value', 'z_upper', 'alarm'];
        const idx = want.map((c) => t.columns.indexOf(c));
        const { time, columns } = await ctx.wb.columns(tname, idx.filter((i) => i >= 0));
        const col = (k) => (idx[k] >= 0 ? columns[idx.slice(0, k + 1).filter((i) => i >= 0).length - 1] : null);
        const score = col(0), thr = col(1), alarm = col(2), label = col(3);
        const marks = [];
        if (alarm) for (let i = 0; i < alarm.length; i++) if (alarm[i] > 0) marks.push(time[i]);
        let bands = label ? runsOf(time, label) : [];
        if (!bands.length && labelSel.value.startsWith('column:')) {
          const src = tableOf(step.input), j = src ? src.columns.indexOf(labelSel.value.slice(7)) : -1;
          if (j >= 0) { const c = await ctx.wb.columns(step.input, [j]); bands = runsOf(c.time, c.columns[0]); }
        }
        const host = el('div', { class: 'chart', id: 'det-scores' });
        const names = step.op === 'detect' ? ['score', 'threshold'] : [want[0], 'threshold'];
        area.append(el('div', { class: 'panel' }, el('h3', { text: 'Scores, threshold (dashed), alarms (ticks) and labelled faults (shaded)' }),
          legend([...names, 'alarm', 'labelled fault'], [palette[0], '#c23b3b', cssAlarm(), bandColors[0]]), host));
        // the scores stay in the engine: drawn min-max downsampled for the visible range
        const drawCols = [idx[0], idx[1]].filter((i) => i >= 0);
        const chart = new SeriesChart(host, { names: names.slice(0, drawCols.length), colors: [palette[0], '#c23b3b'], dashes: [undefined, [6, 4]],
          fetch: (t0, t1, b) => ctx.wb.downsample(tname, drawCols, { t0, t1, buckets: b }),
          height: 300, bands: bands.map((b) => ({ start: b.start, end: b.end, color: bandColors[0] })), marks: Float64Array.from(marks) });
        await chart.load();
        st.charts.push(chart);
      }
      if (r.sweep) {
        area.append(el('div', { class: 'panel' }, el('h3', { text: `q sweep (best q ${r.sweep_best_q}, F1 ${fmtNum(r.sweep_best_f1)}; chosen with the labels: an upper bound)` }),
          el('div', { class: 'scroll' }, el('table', { class: 'data' }, el('thead', {}, el('tr', {}, ...['q', 'threshold', 'alarms', 'precision', 'recall', 'F1'].map((h) => el('th', { text: h })))),
            el('tbody', {}, ...r.sweep.map((s) => el('tr', {}, el('td', { text: String(s.q) }), el('td', { class: 'num', text: fmtNum(s.z_upper) }), el('td', { class: 'num', text: String(s.alarms) }),
              ...['precision', 'recall', 'f1'].map((k) => el('td', { class: 'num', text: fmtNum(s[k]) })))))))));
      }
      area.dataset.ready = '1';
    }
    const cssAlarm = () => getComputedStyle(document.documentElement).getPropertyValue('--alarm').trim() || '#d62828';

    syncFields();
    return {
      onInputs(objs) {
        const tabs = dataTables(objs);
        fillSelect(inputSel, tabs.map((o) => o.name));
        const svc = tabs.find((o) => o.columns.includes('log_lines') || objs.some((x) => x.name === `${o.name}.logs`));
        if (svc && !st.step) inputSel.value = svc.name;
        fillChoices();
        refresh();
      },
      async onResults(results, viewState) {
        if (viewState && viewState.params) { form.set(viewState.params); syncFields(); }
        for (const id of ['detection', 'threshold']) {
          const step = ctx.app.spec.steps.find((s) => s.id === id);
          if (step && results.has(id)) { inputSel.value = step.input; fillChoices(); await render(step, results.get(id)); }
        }
      },
      state() { return { params: form.values(), input: inputSel.value || undefined, labels: labelSel.value || undefined, log: logSel.value || undefined }; },
      onKey(e) { if (e.key === 'r') { detect(); return true; } return false; },
      canvas() { return st.charts[0] ? st.charts[0].canvas() : st.lossChart ? st.lossChart.canvas() : null; },
      async resultRows() {
        const r = st.result;
        if (!r) return null;
        const ev = r.point_adjusted ? r : r.evaluation;
        if (!ev) return { rows: [{ method: r.method || 'pot', threshold: r.threshold_value ?? r.z, alarms: r.alarms ?? r.alarms_total }] };
        return { rows: [['point_adjusted', ev.point_adjusted], ['pointwise', ev.pointwise]].filter(([, x]) => x).map(([k, x]) => ({ evaluation: k, method: r.method || 'pot', ...x })) };
      },
      showError(e) { ctx.showError(err, e); },
    };
  },
};

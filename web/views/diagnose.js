// views/diagnose.js - the Diagnose view: DTW among the replicas of a service (the ADS paper,
// Sec. 4.2; the engine op `diagnose`): the distance matrix of the deciding metric as a heatmap
// (canvas ImageData) with the suspect highlighted, one small matrix per metric, the replicas'
// series overlaid with the window shaded, the warping path of a chosen pair, and in sliding mode
// the margin over time with the suspect of each window.
import { el, clear, $, fmtNum, fmtTime, palette, bandColors } from '../ui.js';
import { SeriesChart } from '../chart.js';
import { drawHeatmap } from '../heatmap.js';
import { paramForm, paramsBox, opsNote, dataTables, fillSelect, runsOf, legend } from './common.js';

const PARAMS = [
  { key: 'window', label: 'window (points)', type: 'int', value: 20, min: 2, help: 'points per replica compared (the paper: 20)' },
  { key: 'mode', label: 'mode', type: 'select', value: 'per-metric', options: [['per-metric', 'per metric'], ['independent', 'DTW_I (sum)'], ['dependent', 'DTW_D (multivariate)']] },
  { key: 'scale', label: 'scaling', type: 'select', value: 'joint', options: ['joint', 'znorm', 'none'] },
  { key: 'by', label: 'score', type: 'select', value: 'sum', options: [['sum', 'row sum'], ['median', 'row median']] },
  { key: 'at', label: 'window ends at', type: 'text', value: '', help: 'ISO time or unix seconds; empty = the latest point; click the replicas chart to pick' },
  { key: 'min_margin', label: 'min margin', type: 'number', value: '', min: 0, max: 1, help: 'empty = the calibrated default (0.55 per metric, 0.3 multivariate)' },
  { key: 'sliding', label: 'sliding', type: 'checkbox', value: false, help: 'diagnose every window along the series' },
  { key: 'step', label: 'step (points)', type: 'int', value: 10, min: 1 },
];

// The op's params from the form's values.
export function diagnoseParams(v) {
  const p = { window: v.window, mode: v.mode, scale: v.scale, by: v.by };
  if (v.at !== undefined && v.at !== '') {
    const n = Number(v.at);
    p.at = Number.isFinite(n) ? n : Date.parse(/Z|[+-]\d\d:?\d\d$/.test(v.at) ? v.at : `${v.at}Z`) / 1000;
  }
  if (v.min_margin !== undefined && v.min_margin !== '') p.min_margin = v.min_margin;
  if (v.sliding) { p.sliding = true; p.step = v.step; }
  return p;
}

export default {
  id: 'diagnose',
  title: 'Diagnose',
  create(root, ctx) {
    const form = paramForm(PARAMS, () => ctx.scheduleLink());
    const inputSel = el('select', { 'aria-label': 'Diagnose: table', class: 'input-pick' });
    const run = el('button', { class: 'primary', text: 'Diagnose (r)' });
    const atFault = el('button', { text: 'Window at the labelled fault', title: 'end the window shortly after the start of the first labelled fault' });
    const note = el('div', { class: 'ops-note', role: 'note', hidden: true });
    const err = el('div', { class: 'error', role: 'alert', hidden: true });
    const params = el('details', { class: 'params-box', hidden: true });
    const area = el('div', { class: 'result-area', id: 'diag-results' });
    root.append(el('div', { class: 'panel op-panel' },
      el('div', { class: 'op-head' }, el('h2', { text: 'Diagnose' }),
        el('p', { class: 'muted view-intro', text: 'Which replica is the odd one: the replicas of a service serve the same load, so their recent metrics should look alike. Pairwise DTW distances over the latest window form a matrix per metric; a replica is the suspect when it stands out from the others by a clear margin.' })),
      note,
      el('div', { class: 'op-controls' }, el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'table' }), inputSel), form.root, run, atFault),
      err, params), area);
    const st = { charts: [], result: null, step: null, table: null };

    const refresh = () => { run.disabled = !opsNote(note, ctx, ['diagnose'], 'The Diagnose view') || !inputSel.value; atFault.disabled = run.disabled; };

    async function diagnose() {
      if (run.disabled) return;
      ctx.clearError(err);
      const step = { id: 'diagnosis', op: 'diagnose', input: inputSel.value, params: diagnoseParams(form.values()) };
      try {
        const r = await ctx.runStep(step, { label: 'Diagnose: DTW among replicas' });
        await render(step, r);
      } catch (e) {
        ctx.showError(err, e);
      }
    }
    run.addEventListener('click', diagnose);
    atFault.addEventListener('click', async () => {
      const w = await faultWindows(inputSel.value);
      if (!w.length) { ctx.showError(err, { message: `the table “${inputSel.value}” has no labelled fault (an anomaly column)` }); return; }
      const dt = await spacing(inputSel.value);
      form.set({ at: new Date((w[0].start + 3 * (form.values().window || 20) * dt) * 1000).toISOString().replace('.000Z', 'Z'), sliding: false });
      diagnose();
    });

    function table(name) { return (ctx.app.objects || []).find((o) => o.name === name); }
    async function faultWindows(name) {
      const t = table(name);
      const j = t ? t.columns.findIndex((c) => /(^|[._])(anomaly|fault|label)$/.test(c)) : -1;
      if (j < 0) return [];
      const { time, columns } = await ctx.wb.columns(name, [j]);
      return runsOf(time, columns[0]);
    }
    async function spacing(name) {
      const { time } = await ctx.wb.columns(name, [], { time: true });
      return time && time.length > 1 ? (time[time.length - 1] - time[0]) / (time.length - 1) : 1;
    }
    function truth() {
      const info = (ctx.app.loaded.get(inputSel.value) || {}).info || {};
      return info.faulty_replica !== undefined ? { replica: `replica${info.faulty_replica}`, fault: info.fault } : null;
    }

    async function render(step, r) {
      st.charts.forEach((c) => c.destroy());
      st.charts = [];
      clear(area);
      st.result = r;
      st.step = step;
      paramsBox(params, step);
      if (!r) return;
      const t = table(step.input);
      const faults = await faultWindows(step.input);
      const gt = truth();
      if (step.params && step.params.sliding) return renderSliding(step, r, faults, gt);
      const k = r.replicas.length;
      const sIdx = r.suspect ? r.replicas.indexOf(r.suspect) : -1;
      const topIdx = r.replicas.indexOf(r.top);
      area.append(el('div', { class: 'panel', id: 'diag-verdict' },
        el('h3', {}, r.suspect ? el('span', { class: 'suspect', text: `Suspect: ${r.suspect}` }) : el('span', { text: 'No clear suspect' }),
          ` — top ${r.top}, margin ${fmtNum(r.margin)} ${r.margin >= r.min_margin ? '≥' : '<'} ${fmtNum(r.min_margin)}${r.metric ? `, decided by ${r.metric}` : ''}`),
        el('p', { class: 'muted', text: `window of ${r.window.size} points, ${r.window.start_time} → ${r.window.end_time} · ${r.mode}, ${r.scale} scaling, ${r.cost} cost, score by row ${r.scores.by} · runner-up margin ${fmtNum(r.runner_up_margin)}` +
          (gt ? ` · simulator ground truth: ${gt.replica} (${gt.fault})` : '') })));
      // the matrix of the deciding metric, and one per metric
      const main = el('canvas', { class: 'heatmap', id: 'diag-heatmap', 'aria-label': 'DTW distance matrix' });
      drawHeatmap(main, r.matrix, { labels: r.replicas, highlight: sIdx >= 0 ? sIdx : topIdx, title: `DTW distances${r.metric ? ` (${r.metric})` : ''}` });
      const scores = el('table', { class: 'data' }, el('thead', {}, el('tr', {}, el('th', { text: 'replica' }), el('th', { text: 'row sum' }), el('th', { text: 'row median' }))),
        el('tbody', {}, ...r.replicas.map((name, i) => el('tr', { class: i === sIdx ? 'sel' : '' }, el('td', { text: name, class: i === sIdx ? 'suspect' : '' }), el('td', { class: 'num', text: fmtNum(r.scores.sum[i]) }), el('td', { class: 'num', text: fmtNum(r.scores.median[i]) })))));
      area.append(el('div', { class: 'panel grid2' }, el('div', {}, main), el('div', {}, el('h3', { text: 'Scores' }), scores)));
      if ((r.per_metric || []).length > 1) {
        const grid = el('div', { class: 'small-multiples' });
        for (const pm of r.per_metric) {
          const c = el('canvas', { class: 'heatmap' });
          drawHeatmap(c, pm.matrix, { labels: r.replicas, highlight: pm.suspect ? r.replicas.indexOf(pm.suspect) : -1, cell: 28, title: `${pm.metric}\ntop ${pm.top}, margin ${fmtNum(pm.margin)}${pm.suspect ? ' (suspect)' : ''}` });
          grid.append(c);
        }
        area.append(el('div', { class: 'panel' }, el('h3', { text: 'Per metric' }), grid));
      }
      // the replicas overlaid, the window shaded, the labelled fault faint
      const metric = r.metric || r.metrics[0];
      const cols = r.replicas.map((rep) => t.columns.indexOf(`${rep}.${metric}`)).filter((j) => j >= 0);
      if (cols.length) {
        const host = el('div', { class: 'chart', id: 'diag-overlay' });
        const colors = r.replicas.map((rep, i) => (rep === r.suspect ? palette[3] : palette[i % palette.length]));
        area.append(el('div', { class: 'panel' }, el('h3', { text: `${metric} of each replica (window shaded blue, labelled fault red; click to end the window there)` }),
          legend(r.replicas, colors), host));
        const ws = Date.parse(r.window.start_time) / 1000, we = Date.parse(r.window.end_time) / 1000;
        const bands = [...faults.map((f) => ({ start: f.start, end: f.end, color: 'rgba(214,40,40,0.08)' })), { start: ws, end: we, color: 'rgba(47,111,179,0.25)' }];
        const chart = new SeriesChart(host, {
          names: cols.map((j) => t.columns[j]), colors,
          widths: r.replicas.map((rep) => (rep === r.suspect ? 2 : 1)), bands, height: 260,
          fetch: (t0, t1, b) => ctx.wb.downsample(step.input, cols, { t0, t1, buckets: b }),
          onSelect: (i, x) => { form.set({ at: new Date(x * 1000).toISOString().replace('.000Z', 'Z') }); diagnose(); },
        });
        await chart.load();
        const span = Math.max(we - ws, 1);
        chart.setRange(ws - 15 * span, Math.min(chart.full ? chart.full[1] : we + 5 * span, we + 5 * span));
        st.charts.push(chart);
        // the warping path of a pair
        const a = el('select', { 'aria-label': 'first replica' }), b = el('select', { 'aria-label': 'second replica' });
        fillSelect(a, r.replicas);
        fillSelect(b, r.replicas);
        a.value = r.suspect || r.top;
        b.value = r.replicas.find((x) => x !== a.value);
        const pathCanvas = el('canvas', { class: 'path-canvas', id: 'diag-path', 'aria-label': 'warping path' });
        const pathInfo = el('p', { class: 'muted' });
        const drawPath = async () => {
          const ja = t.columns.indexOf(`${a.value}.${metric}`), jb = t.columns.indexOf(`${b.value}.${metric}`);
          const p = await ctx.wb.dtwPath(step.input, ja, jb, r.window.start, r.window.end, { znorm: true });
          drawWarping(pathCanvas, p, a.value, b.value);
          pathInfo.textContent = `DTW distance of the z-normalised windows: ${fmtNum(p.dist)} · path of ${p.i.length} steps over ${p.n} points (lines join matched points)`;
        };
        a.addEventListener('change', drawPath);
        b.addEventListener('change', drawPath);
        area.append(el('div', { class: 'panel' }, el('h3', { text: `Warping path of a pair (${metric})` }),
          el('div', { class: 'op-controls' }, a, el('span', { text: 'vs' }), b), pathCanvas, pathInfo));
        await drawPath();
      }
      area.dataset.ready = '1';
    }

    async function renderSliding(step, r, faults, gt) {
      const counts = Object.entries(r.suspect_counts || {}).map(([k, v]) => `${k}: ${v}`).join(' · ');
      area.append(el('div', { class: 'panel', id: 'diag-verdict' },
        el('h3', { text: `${r.windows} windows: ${counts || 'no suspect'}; no clear suspect in ${r.no_clear_suspect}` }),
        gt ? el('p', { class: 'muted', text: `simulator ground truth: ${gt.replica} (${gt.fault}); the labelled fault is shaded` }) : null));
      const t = (ctx.app.objects = await ctx.wb.objects()).find((o) => o.name === r.table);
      if (!t) return;
      const mi = t.columns.indexOf('margin'), si = t.columns.indexOf('suspect');
      const host = el('div', { class: 'chart', id: 'diag-sliding' });
      area.append(el('div', { class: 'panel' }, el('h3', { text: 'Margin of each window (dashed: the minimum for a suspect; ticks: windows with a suspect)' }), host));
      const { time, columns } = await ctx.wb.columns(r.table, [mi, si]);
      const marks = [];
      for (let i = 0; i < time.length; i++) if (columns[1][i] >= 0) marks.push(time[i]);
      const minMargin = step.params.min_margin !== undefined ? step.params.min_margin : step.params.mode && step.params.mode !== 'per-metric' ? 0.3 : 0.55;
      const chart = new SeriesChart(host, { names: ['margin'], colors: [palette[0]], data: { x: time, y: [columns[0]] }, height: 240,
        bands: faults.map((f) => ({ start: f.start, end: f.end, color: bandColors[0] })), hlines: [{ y: minMargin, label: `min margin ${minMargin}` }], marks: Float64Array.from(marks) });
      await chart.load();
      st.charts.push(chart);
      area.dataset.ready = '1';
    }

    return {
      onInputs(objs) {
        const tabs = dataTables(objs).filter((o) => o.columns.some((c) => /^replica\d+\./.test(c)) || true);
        fillSelect(inputSel, tabs.map((o) => o.name));
        const rep = tabs.find((o) => o.columns.some((c) => /^[^.]+\d+\./.test(c)));
        if (rep && !st.result) inputSel.value = rep.name;
        refresh();
      },
      async onResults(results, viewState) {
        if (viewState && viewState.params) form.set(viewState.params);
        if (viewState && viewState.input) inputSel.value = viewState.input;
        const step = ctx.app.spec.steps.find((s) => s.id === 'diagnosis');
        if (step && results.has('diagnosis')) {
          inputSel.value = step.input;
          try { await render(step, results.get('diagnosis')); } catch (e) { ctx.showError(err, e); }
        }
      },
      state() { return { params: form.values(), input: inputSel.value || undefined }; },
      onKey(e) { if (e.key === 'r') { diagnose(); return true; } return false; },
      canvas() {
        const h = $('#diag-heatmap', root);
        return h || (st.charts[0] ? st.charts[0].canvas() : null);
      },
      async resultRows() {
        const r = st.result;
        if (!r || !r.replicas) return null;
        return { rows: r.replicas.map((rep, i) => ({ replica: rep, suspect: rep === r.suspect, score_sum: r.scores.sum[i], score_median: r.scores.median[i], ...Object.fromEntries(r.replicas.map((o, j) => [`dtw_${o}`, r.matrix[i][j]])) })) };
      },
      showError(e) { ctx.showError(err, e); },
    };
  },
};

// Two series stacked (a above, b below) with a line for each matched pair of the warping path.
function drawWarping(canvas, p, la, lb) {
  const w = Math.max(400, canvas.parentNode ? canvas.parentNode.clientWidth - 40 : 800), h = 240;
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext('2d');
  const css = (n, d) => getComputedStyle(document.documentElement).getPropertyValue(n).trim() || d;
  g.fillStyle = css('--panel', '#fff');
  g.fillRect(0, 0, w, h);
  const n = p.n, left = 90, right = 10;
  const xs = (i) => left + (i / Math.max(1, n - 1)) * (w - left - right);
  const range = (v) => { const f = v.filter((x) => x !== null && Number.isFinite(x)); return [Math.min(...f), Math.max(...f)]; };
  const [a0, a1] = range(p.x), [b0, b1] = range(p.y);
  const ya = (v) => 20 + (1 - (v - a0) / ((a1 - a0) || 1)) * 70, yb = (v) => 140 + (1 - (v - b0) / ((b1 - b0) || 1)) * 70;
  g.strokeStyle = css('--muted', '#888');
  g.globalAlpha = 0.45;
  g.lineWidth = 1;
  for (let k = 0; k < p.i.length; k++) {
    const i = p.i[k], j = p.j[k];
    if (p.x[i] === null || p.y[j] === null) continue;
    g.beginPath();
    g.moveTo(xs(i), ya(p.x[i]));
    g.lineTo(xs(j), yb(p.y[j]));
    g.stroke();
  }
  g.globalAlpha = 1;
  for (const [vals, y, color] of [[p.x, ya, '#c23b3b'], [p.y, yb, '#2f6fb3']]) {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    vals.forEach((v, i) => { if (v !== null) (i ? g.lineTo(xs(i), y(v)) : g.moveTo(xs(i), y(v))); });
    g.stroke();
  }
  g.fillStyle = css('--fg', '#222');
  g.font = '12px sans-serif';
  g.fillText(la, 6, 55);
  g.fillText(lb, 6, 175);
  canvas.dataset.steps = String(p.i.length);
}

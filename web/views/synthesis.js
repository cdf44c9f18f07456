// views/synthesis.js - the Synthesis view: the load model of Allam et al. (Eq. 1-5, Alg. 1) and the
// fault schedule (Alg. 2) with the paper's parameters, made by the engine's generated input kind
// "synth"; plots of N(t) with its trend and seasonal parts, the spawn rate R(t), load anomaly and
// fault bands, and the periodogram of N(t).
import { el, clear, $, fmtNum, palette, bandColors } from '../ui.js';
import { SeriesChart } from '../chart.js';
import { paramForm, paramsBox, opsNote, legend } from './common.js';

const PARAMS = [
  { key: 'preset', label: 'preset', type: 'select', value: 'allam-7d', options: [['allam-7d', 'allam-7d (Sock Shop telemetry)'], ['dam-service', 'dam-service (one service, DAM)'], ['replicas', 'replicas (ADS diagnosis)']] },
  { key: 'seed', label: 'seed', type: 'int', value: 42, min: 0, help: 'the same seed gives the same series, natively and here' },
  { key: 'duration_s', label: 'duration (s)', type: 'int', value: 86400, min: 60, max: 604800, help: 'Eq. 1: length of N(t); the paper: 604800 (7 days)' },
  { key: 'dt_s', label: 'step (s)', type: 'number', value: 1, min: 0.001 },
  { key: 'base_load', label: 'base load', type: 'number', value: 20, min: 0, help: 'Eq. 1: users of the trend part' },
  { key: 'components', label: 'seasonal (T, A, σ)…', type: 'text', value: '600,50,0.1; 320,40,0.05; 30,9,0.01; 60,16,0.05', help: 'Eq. 1: period (s), amplitude (users), noise sigma per component (Table 1 of the paper)' },
  { key: 'num_intervals', label: 'trend intervals', type: 'int', value: 30, min: 1, help: 'Eq. 2-3' },
  { key: 'slope_lo', label: 'slope min', type: 'number', value: -0.98 },
  { key: 'slope_hi', label: 'slope max', type: 'number', value: 2.5 },
  { key: 'prob_sudden_shift', label: 'P(sudden shift)', type: 'number', value: 0.0001, min: 0, max: 1 },
  { key: 'anomaly_prob', label: 'P(load anomaly)', type: 'number', value: 0.00025, min: 0, max: 1, help: 'Algorithm 1, per step' },
  { key: 'anom_d_lo', label: 'anomaly min (s)', type: 'number', value: 60, min: 0 },
  { key: 'anom_d_hi', label: 'anomaly max (s)', type: 'number', value: 600, min: 0 },
  { key: 'mult_lo', label: 'multiplier min', type: 'number', value: 1, min: 0 },
  { key: 'mult_hi', label: 'multiplier max', type: 'number', value: 2, min: 0 },
  { key: 'p_anomaly', label: 'P(fault) per tick', type: 'number', value: 0.0153, min: 0, max: 1, help: 'Algorithm 2: chance of a fault experiment every 60 s tick' },
];

// The synth config (the engine's JSON keys) of the form's values.
export function synthParams(v) {
  const comps = String(v.components || '').split(';').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [period_s, amplitude, sigma] = s.split(',').map(Number);
    return { period_s, amplitude, sigma };
  });
  const p = {
    preset: v.preset,
    seed: v.seed,
    load: {
      duration_s: v.duration_s, dt_s: v.dt_s, base_load: v.base_load, components: comps,
      num_intervals: v.num_intervals, slope_mean_range: [v.slope_lo, v.slope_hi], prob_sudden_shift: v.prob_sudden_shift,
      anomaly_prob: v.anomaly_prob, anomaly_duration_range_s: [v.anom_d_lo, v.anom_d_hi], anomaly_multiplier_range: [v.mult_lo, v.mult_hi],
    },
  };
  if (v.preset === 'allam-7d') p.faults = { p_anomaly: v.p_anomaly };
  return p;
}

export default {
  id: 'synthesis',
  title: 'Synthesis',
  create(root, ctx) {
    const form = paramForm(PARAMS, () => ctx.scheduleLink());
    const name = el('input', { type: 'text', value: 'synth', 'aria-label': 'name of the generated input', pattern: '[A-Za-z0-9_.-]{1,64}' });
    const run = el('button', { class: 'primary', text: 'Generate (r)' });
    const note = el('div', { class: 'ops-note', role: 'note', hidden: true });
    const err = el('div', { class: 'error', role: 'alert', hidden: true });
    const params = el('details', { class: 'params-box', hidden: true });
    const area = el('div', { class: 'result-area' });
    root.append(el('div', { class: 'panel op-panel' },
      el('div', { class: 'op-head' }, el('h2', { text: 'Synthesis' }),
        el('p', { class: 'muted view-intro', text: 'Seeded, labelled user load N(t) = (1 + trend(t))·base + Σ Aᵢ(sin²(2πt/Tᵢ) + wnᵢ(t)) (Allam et al., Eq. 1-5), load anomalies (Alg. 1), fault injections (Alg. 2) and the telemetry they cause. Generated inputs travel in share links as parameters only.' })),
      note,
      el('div', { class: 'op-controls' }, el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'name' }), name), form.root, run),
      err, params), area);
    const st = { charts: [], input: null };
    const ready = () => opsNote(note, ctx, [], '') && (ctx.hasKind('synth') || (noteMissing(), false));
    function noteMissing() {
      note.hidden = false;
      clear(note).append(el('strong', { text: 'Not in this build yet. ' }), `The Synthesis view generates the input kind “synth”; this engine (${ctx.app.engine.engine}) lacks it. The view is ready and will work once it lands.`);
    }
    const refresh = () => { run.disabled = !ready(); };

    async function generate() {
      if (run.disabled) return;
      ctx.clearError(err);
      const input = { name: name.value || 'synth', kind: 'synth', params: synthParams(form.values()) };
      try {
        await ctx.addGenerated(input, `Generating ${input.name}`);
      } catch (e) {
        ctx.showError(err, e);
      }
    }
    run.addEventListener('click', generate);

    async function render(input) {
      st.charts.forEach((c) => c.destroy());
      st.charts = [];
      clear(area);
      if (!input) return;
      paramsBox(params, { id: input.name, op: 'synth (generated input)', params: input.params });
      const objs = ctx.app.objects || [];
      const load = objs.find((o) => o.name === `${input.name}.load`);
      const info = (ctx.app.loaded.get(input.name) || {}).info || {};
      area.append(el('div', { class: 'panel' }, el('h3', { text: `${input.name}: ${info.preset || input.params.preset}` }),
        el('p', { class: 'muted', text: [info.rows !== undefined ? `${info.rows} rows × ${info.columns} columns` : '', info.load_steps ? `${info.load_steps} load steps` : '',
          info.load_anomaly_segments !== undefined ? `${info.load_anomaly_segments} load anomalies` : '', info.faults !== undefined ? `${info.faults} faults` : ''].filter(Boolean).join(' · ') })));
      if (!load) return;
      const col = (n) => load.columns.indexOf(n);
      // seasonal and trend under N(t) (drawn last, on top)
      const users = ['seasonal', 'trend', 'users'].map(col).filter((i) => i >= 0);
      const anomalyCol = col('load_anomaly');
      const bands = [];
      if (anomalyCol >= 0) {
        const { time, columns } = await ctx.wb.columns(load.name, [anomalyCol]);
        const a = columns[0];
        for (let i = 0; i < a.length; i++) {
          if (a[i] > 0 && (i === 0 || !(a[i - 1] > 0))) bands.push({ start: time[i], end: time[i], color: bandColors[0] });
          if (a[i] > 0) bands[bands.length - 1].end = time[i];
        }
      }
      const chartBox = (title, id) => { const h = el('div', { class: 'chart', id }); area.append(el('div', { class: 'panel' }, el('h3', { text: title }), h)); return h; };
      const ucolors = [palette[2], palette[1], palette[0]];
      const uhost = chartBox('N(t) with its trend and seasonal parts (load anomalies shaded)', 'synth-users');
      uhost.before(legend(users.map((i) => load.columns[i]), ucolors));
      const c1 = new SeriesChart(uhost, {
        names: users.map((i) => load.columns[i]), colors: ucolors, widths: [1, 2, 1], bands, height: 280,
        fetch: (t0, t1, b) => ctx.wb.downsample(load.name, users, { t0, t1, buckets: b }) });
      await c1.load();
      st.charts.push(c1);
      const sp = col('spawn_rate');
      if (sp >= 0) {
        const c2 = new SeriesChart(chartBox('Spawn rate R(t) (Eq. 4-5)', 'synth-spawn'), { names: ['spawn_rate'], colors: [palette[3]], bands, height: 200,
          fetch: (t0, t1, b) => ctx.wb.downsample(load.name, [sp], { t0, t1, buckets: b }) });
        await c2.load();
        st.charts.push(c2);
      }
      // the periodogram of N(t): the seasonal periods of Eq. 1 show as peaks
      const ui = col('users');
      if (ui >= 0) {
        const pg = await ctx.wb.periodogram(load.name, ui, { points: 1500 });
        const n = pg.freq.length;
        const x = new Float64Array(n), y = new Float64Array(n);
        for (let i = 0; i < n; i++) { x[i] = 1 / pg.freq[n - 1 - i]; y[i] = Math.max(pg.power[n - 1 - i], 1e-12); }
        const box = chartBox('Periodogram of N(t): power by period (s), log-log; sin²(2πt/T) repeats every T/2', 'synth-periodogram');
        const c3 = new SeriesChart(box, { names: ['power'], colors: [palette[4]], data: { x, y: [y] }, timeAxis: false, logX: true, logY: true, height: 240, xLabel: 'period (s)', yLabel: 'power' });
        await c3.load();
        st.charts.push(c3);
        const found = pg.periods.map((p) => `${fmtNum(p.period)} s (${(100 * p.strength).toFixed(1)}% of the variance)`).join(' · ');
        box.parentNode.append(el('p', { class: 'muted', id: 'synth-periods', text: `dominant periods found: ${found || 'none'} · dt ${fmtNum(pg.dt)} s, ${pg.n_used} samples` }));
      }
      area.dataset.ready = '1';
    }

    return {
      onInputs(objs) {
        refresh();
        const gen = ctx.app.spec.inputs.filter((i) => i.kind === 'synth');
        const input = gen[gen.length - 1] || null;
        if (input && input !== st.input) {
          st.input = input;
          const v = flatten(input.params);
          const info = (ctx.app.loaded.get(input.name) || {}).info || {};
          if (v.seed === undefined && info.seed !== undefined) v.seed = info.seed; // the seed derived from the spec's
          form.set(v);
          name.value = input.name;
          render(input).catch((e) => ctx.showError(err, e));
        }
      },
      onResults(results, viewState) { if (viewState && viewState.params) form.set(viewState.params); },
      state() { return { params: form.values() }; },
      onKey(e) { if (e.key === 'r') { generate(); return true; } return false; },
      canvas() { return st.charts[0] ? st.charts[0].canvas() : null; },
      showError(e) { ctx.showError(err, e); },
    };
  },
};

function flatten(p) {
  if (!p) return {};
  const l = p.load || {};
  const v = { preset: p.preset, seed: p.seed, duration_s: l.duration_s, dt_s: l.dt_s, base_load: l.base_load, num_intervals: l.num_intervals,
    prob_sudden_shift: l.prob_sudden_shift, anomaly_prob: l.anomaly_prob };
  if (l.components) v.components = l.components.map((c) => `${c.period_s},${c.amplitude},${c.sigma}`).join('; ');
  if (l.slope_mean_range) [v.slope_lo, v.slope_hi] = l.slope_mean_range;
  if (l.anomaly_duration_range_s) [v.anom_d_lo, v.anom_d_hi] = l.anomaly_duration_range_s;
  if (l.anomaly_multiplier_range) [v.mult_lo, v.mult_hi] = l.anomaly_multiplier_range;
  if (p.faults && p.faults.p_anomaly !== undefined) v.p_anomaly = p.faults.p_anomaly;
  for (const k of Object.keys(v)) if (v[k] === undefined) delete v[k];
  return v;
}

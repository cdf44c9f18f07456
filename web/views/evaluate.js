// views/evaluate.js - the Evaluate view: alarms (or scores over a threshold) against labelled
// windows through the engine's "evaluate" op: precision, recall and F1 point-wise and
// point-adjusted (a labelled segment counts as found when any of its points is alarmed, as DAM
// and Donut count), every segment with its detection delay; and the NAB score (numenta/NAB v1.1)
// in its three profiles through the "nab" op, at the same threshold or NAB's optimised one.
import { el, clear, $, fmtNum, fmtTime, palette, bandColors } from '../ui.js';
import { SeriesChart } from '../chart.js';
import { paramForm, paramsBox, opsNote, dataTables, fillSelect, runsOf, legend, windowTables } from './common.js';

export default {
  id: 'evaluate',
  title: 'Evaluate',
  create(root, ctx) {
    const form = paramForm([
      { key: 'threshold', label: 'threshold (with a score column)', type: 'number', value: '' },
      { key: 'nab_optimize', label: 'NAB: optimise the threshold per profile', type: 'checkbox', value: false },
    ], () => ctx.scheduleLink());
    const inputSel = el('select', { 'aria-label': 'Evaluate: table', class: 'input-pick' });
    const alarmSel = el('select', { 'aria-label': 'Evaluate: alarms or scores' });
    const labelSel = el('select', { 'aria-label': 'Evaluate: labels' });
    const run = el('button', { class: 'primary', text: 'Evaluate (r)' });
    const note = el('div', { class: 'ops-note', role: 'note', hidden: true });
    const nabNote = el('div', { class: 'ops-note', role: 'note', hidden: true });
    const err = el('div', { class: 'error', role: 'alert', hidden: true });
    const params = el('details', { class: 'params-box', hidden: true });
    const area = el('div', { class: 'result-area', id: 'eval-results' });
    root.append(el('div', { class: 'panel op-panel' },
      el('div', { class: 'op-head' }, el('h2', { text: 'Evaluate' }),
        el('p', { class: 'muted view-intro', text: 'Compare alarms with labelled windows: point-wise and point-adjusted precision, recall and F1, and how long after its start each labelled fault was first alarmed.' })),
      note,
      el('div', { class: 'op-controls' },
        el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'table' }), inputSel),
        el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'alarms (0/1) or scores' }), alarmSel),
        el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'labels' }), labelSel),
        form.root, run),
      err, params, nabNote), area);
    const st = { charts: [], result: null, step: null };

    const refresh = () => {
      run.disabled = !opsNote(note, ctx, ['evaluate'], 'The Evaluate view') || !inputSel.value || !labelSel.value || !alarmSel.value;
      nabNote.hidden = ctx.hasOp('nab');
      if (!nabNote.hidden) clear(nabNote).append(el('strong', { text: 'NAB scores: ' }), `the NAB score with its profiles (standard, reward low FP, reward low FN) needs the engine op “nab”, which this engine (${ctx.app.engine.engine}) lacks; the CLI has it as aw nab.`);
    };
    function tableOf(name) { return (ctx.app.objects || []).find((o) => o.name === name); }
    function fillChoices() {
      const t = tableOf(inputSel.value);
      const cols = t ? t.columns : [];
      const labelCols = cols.filter((c) => /(^|[._])(anomaly|label|is_anomaly|fault)$/i.test(c));
      fillSelect(alarmSel, [...cols.filter((c) => /alarm/.test(c)).map((c) => [`alarm:${c}`, `alarms ${c}`]), ...cols.filter((c) => !labelCols.includes(c)).map((c) => [`score:${c}`, `score ${c} over the threshold`])]);
      fillSelect(labelSel, [...labelCols.map((c) => [`column:${c}`, `column ${c}`]), ...windowTables(ctx.app.objects).map((o) => [`windows:${o.name}`, `windows ${o.name}`])]);
      refresh();
    }
    inputSel.addEventListener('change', fillChoices);
    alarmSel.addEventListener('change', refresh);
    labelSel.addEventListener('change', refresh);

    async function evaluate() {
      if (run.disabled) return;
      ctx.clearError(err);
      const p = {};
      const [ak, ac] = [alarmSel.value.slice(0, alarmSel.value.indexOf(':')), alarmSel.value.slice(alarmSel.value.indexOf(':') + 1)];
      if (ak === 'alarm') p.alarm_column = ac;
      else { p.score_column = ac; const v = form.values(); if (v.threshold !== undefined) p.threshold = v.threshold; }
      const lab = labelSel.value;
      if (lab.startsWith('column:')) p.labels_column = lab.slice(7);
      else p.labels = lab.slice(8);
      const step = { id: 'evaluation', op: 'evaluate', input: inputSel.value, params: p };
      try {
        const r = await ctx.runStep(step, { label: 'Evaluate' });
        let nab = null;
        if (ctx.hasOp('nab')) {
          // NAB detects a row when its score >= the threshold: alarms (0/1) at 1; a score at the
          // evaluation's threshold, or each profile's own from NAB's optimiser
          const q = { ...p };
          delete q.threshold;
          if (ak === 'alarm') q.threshold = 1;
          else if (!form.values().nab_optimize) q.threshold = p.threshold;
          const nabStep = { id: 'nab', op: 'nab', input: inputSel.value, params: q };
          nab = { step: nabStep, result: await ctx.runStep(nabStep, { label: 'NAB score' }) };
        }
        await render(step, r, nab);
      } catch (e) {
        ctx.showError(err, e);
      }
    }
    run.addEventListener('click', evaluate);

    async function render(step, r, nab) {
      st.charts.forEach((c) => c.destroy());
      st.charts = [];
      clear(area);
      st.result = r;
      st.step = step;
      st.nab = nab || null;
      paramsBox(params, step);
      if (!r) return;
      const prf = el('table', { class: 'data', id: 'eval-prf' },
        el('thead', {}, el('tr', {}, ...['', 'precision', 'recall', 'F1', 'TP', 'FP', 'FN', 'TN'].map((h) => el('th', { text: h })))),
        el('tbody', {}, ...[['point-adjusted', r.point_adjusted], ['point-wise', r.pointwise]].filter(([, x]) => x).map(([name, x]) =>
          el('tr', {}, el('td', { text: name }), ...['precision', 'recall', 'f1', 'tp', 'fp', 'fn', 'tn'].map((k) => el('td', { class: 'num', text: fmtNum(x[k]) }))))));
      const segs = r.segments || [];
      area.append(el('div', { class: 'panel', id: 'eval-verdict' }, el('h3', { text: `${r.segments_detected ?? segs.filter((s) => s.detected).length} of ${segs.length} labelled segments found` + (r.mean_delay !== undefined && r.mean_delay !== null ? `, mean delay ${fmtNum(r.mean_delay)} s` : '') }), prf));
      if (nab && nab.result) {
        const nr = nab.result;
        area.append(el('div', { class: 'panel', id: 'eval-nab' },
          el('h3', { text: `NAB scores: ${nr.windows} window${nr.windows === 1 ? '' : 's'}, the first ${fmtNum(nr.probationary_rows)} rows probationary (not scored)` }),
          el('p', { class: 'muted', text: 'Normalised as NAB does: 100 is every window found at its start with no false positive, 0 is the null detector (nothing detected).' }),
          el('table', { class: 'data', id: 'eval-nab-table' },
            el('thead', {}, el('tr', {}, ...['profile', 'threshold', 'NAB score', 'raw', 'TP', 'FP', 'FN', 'TN'].map((h) => el('th', { text: h })))),
            el('tbody', {}, ...(nr.profiles || []).map((x) => el('tr', {},
              el('td', { text: x.profile.replace(/_/g, ' ') }),
              el('td', { class: 'num', text: fmtNum(x.threshold) + (x.optimized ? ' (optimised)' : '') }),
              ...['normalized', 'raw', 'tp', 'fp', 'fn', 'tn'].map((k) => el('td', { class: 'num', text: x[k] === null || x[k] === undefined ? '–' : fmtNum(x[k]) }))))))));
      }
      if (segs.length) {
        area.append(el('div', { class: 'panel' }, el('h3', { text: 'Segments' }), el('div', { class: 'scroll' }, el('table', { class: 'data', id: 'eval-segments' },
          el('thead', {}, el('tr', {}, ...['start', 'end', 'found', 'delay'].map((h) => el('th', { text: h })))),
          el('tbody', {}, ...segs.map((s) => el('tr', {},
            el('td', { text: typeof s.start === 'number' && s.start > 1e8 ? fmtTime(s.start) : String(s.start) }),
            el('td', { text: typeof s.end === 'number' && s.end > 1e8 ? fmtTime(s.end) : String(s.end) }),
            el('td', { class: s.detected ? '' : 'suspect', text: s.detected ? 'yes' : 'missed' }),
            el('td', { class: 'num', text: s.delay === null || s.delay === undefined ? '–' : fmtNum(s.delay) }))))))));
      }
      // alarms against the labels
      const t = tableOf(step.input);
      const col = step.params.alarm_column || step.params.score_column;
      const j = t ? t.columns.indexOf(col) : -1;
      if (j >= 0 && t.has_time) {
        let bands = [];
        if (step.params.labels_column) {
          const c = await ctx.wb.columns(step.input, [t.columns.indexOf(step.params.labels_column)]);
          bands = runsOf(c.time, c.columns[0]);
        } else {
          const w = (ctx.app.objects || []).find((o) => o.name === step.params.labels);
          if (w) { const c = await ctx.wb.columns(w.name, [w.columns.indexOf('end')]); bands = Array.from(c.time, (s, i) => ({ start: s, end: c.columns[0][i] })); }
        }
        const host = el('div', { class: 'chart', id: 'eval-chart' });
        area.append(el('div', { class: 'panel' }, el('h3', { text: `${col} against the labelled segments (shaded)` }), legend([col, 'labelled segment'], [palette[0], bandColors[0]]), host));
        const chart = new SeriesChart(host, { names: [col], colors: [palette[0]], height: 220, bands: bands.map((b) => ({ start: b.start, end: b.end, color: bandColors[0] })),
          fetch: (t0, t1, b) => ctx.wb.downsample(step.input, [j], { t0, t1, buckets: b }),
          hlines: step.params.threshold !== undefined ? [{ y: step.params.threshold, label: `threshold ${step.params.threshold}` }] : [] });
        await chart.load();
        st.charts.push(chart);
      }
      area.dataset.ready = '1';
    }

    return {
      onInputs(objs) {
        const tabs = dataTables(objs);
        fillSelect(inputSel, tabs.map((o) => o.name));
        const withAlarms = tabs.filter((o) => o.columns.includes('alarm'));
        if (withAlarms.length && !st.step) inputSel.value = withAlarms[withAlarms.length - 1].name;
        fillChoices();
      },
      async onResults(results, viewState) {
        if (viewState && viewState.params) form.set(viewState.params);
        const step = ctx.app.spec.steps.find((s) => s.id === 'evaluation');
        const nabStep = ctx.app.spec.steps.find((s) => s.id === 'nab');
        const nab = nabStep && results.has('nab') ? { step: nabStep, result: results.get('nab') } : null;
        if (step && results.has('evaluation')) { inputSel.value = step.input; fillChoices(); await render(step, results.get('evaluation'), nab); }
      },
      state() { return { params: form.values(), input: inputSel.value || undefined }; },
      onShow() {
        // tables a step made since (the Detect view's scores) are offered too
        const tabs = dataTables(ctx.app.objects);
        const keep = inputSel.value;
        fillSelect(inputSel, tabs.map((o) => o.name));
        const withAlarms = tabs.filter((o) => o.columns.includes('alarm'));
        if (withAlarms.length && !st.step && (!keep || !tabs.find((t) => t.name === keep).columns.includes('alarm'))) inputSel.value = withAlarms[withAlarms.length - 1].name;
        fillChoices();
      },
      onKey(e) { if (e.key === 'r') { evaluate(); return true; } return false; },
      canvas() { return st.charts[0] ? st.charts[0].canvas() : null; },
      async resultRows() {
        const r = st.result;
        if (!r) return null;
        const rows = [['point_adjusted', r.point_adjusted], ['pointwise', r.pointwise]].filter(([, x]) => x).map(([k, x]) => ({ evaluation: k, ...x, mean_delay: r.mean_delay }));
        for (const x of (st.nab && st.nab.result && st.nab.result.profiles) || [])
          rows.push({ evaluation: `nab_${x.profile}`, threshold: x.threshold, nab_score: x.normalized, nab_raw: x.raw, tp: x.tp, fp: x.fp, fn: x.fn, tn: x.tn });
        return { rows };
      },
      showError(e) { ctx.showError(err, e); },
    };
  },
};

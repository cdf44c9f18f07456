// views/common.js - pieces the views share: label windows from a windows table, the frame of a
// view whose engine op is missing, parameter forms, and the "parameters that produced this" box.
import { el, clear, field } from '../ui.js';

// The windows of a windows table ({start, end, type, target, typeIndex}), type and target as text
// (the table stores codes into info.types / info.targets).
export async function windowsOf(ctx, name) {
  const objs = ctx.app.objects || (await ctx.wb.objects());
  const o = objs.find((x) => x.name === name);
  if (!o || !o.columns) return [];
  const info = o.info || {};
  const idx = (c) => o.columns.indexOf(c);
  const want = ['end', 'type', 'target'].map(idx);
  const { time, columns } = await ctx.wb.columns(name, want.filter((i) => i >= 0));
  const col = (k) => (want[k] >= 0 ? columns[want.slice(0, k + 1).filter((i) => i >= 0).length - 1] : null);
  const end = col(0), type = col(1), target = col(2);
  const out = [];
  for (let i = 0; i < (time ? time.length : 0); i++) {
    const ti = type ? type[i] : NaN, gi = target ? target[i] : NaN;
    out.push({
      start: time[i], end: end ? end[i] : time[i],
      type: Number.isFinite(ti) ? (info.types || [])[ti] : '', typeIndex: Number.isFinite(ti) ? ti : 0,
      target: Number.isFinite(gi) ? (info.targets || [])[gi] : '',
    });
  }
  return out;
}

// Runs of non-zero values of a 0/1 column as windows [{start, end, typeIndex}] (a run ends at the
// time of its last non-zero row).
export function runsOf(time, v) {
  const out = [];
  let open = null;
  for (let i = 0; i < v.length; i++) {
    const on = v[i] > 0 || v[i] < 0;
    if (on && !open) { open = { start: time[i], end: time[i], typeIndex: 0 }; out.push(open); }
    if (on) open.end = time[i];
    else open = null;
  }
  return out;
}

// A note saying which engine ops a view needs and which are missing. Returns true if all exist.
export function opsNote(box, ctx, ops, what) {
  const missing = ops.filter((op) => !ctx.hasOp(op));
  clear(box);
  box.hidden = missing.length === 0;
  if (missing.length) {
    box.append(el('strong', { text: 'Not in this build yet. ' }),
      `${what} runs the engine op${ops.length > 1 ? 's' : ''} ${ops.map((o) => `“${o}”`).join(', ')}; this engine (${ctx.app.engine.engine}) lacks ${missing.map((o) => `“${o}”`).join(', ')}. `,
      'The view is ready and will work once the op lands.');
  }
  return missing.length === 0;
}

// A parameter form from a list of field specs:
//   {key, label, type: 'number'|'int'|'text'|'select'|'checkbox', value, min, max, step, options, help}
// Returns {root, values(), set(values)}.
export function paramForm(specs, onChange) {
  const inputs = new Map();
  const root = el('div', { class: 'param-form' });
  for (const s of specs) {
    let input;
    if (s.type === 'select') {
      input = el('select', {}, ...s.options.map((o) => (Array.isArray(o) ? el('option', { value: o[0], text: o[1] }) : el('option', { value: o, text: o }))));
      input.value = String(s.value);
    } else if (s.type === 'checkbox') {
      input = el('input', { type: 'checkbox', checked: !!s.value });
    } else {
      input = el('input', { type: s.type === 'text' ? 'text' : 'number', value: s.value, min: s.min, max: s.max, step: s.step || (s.type === 'int' ? 1 : 'any') });
    }
    input.name = s.key;
    input.setAttribute('aria-label', s.label);
    if (onChange) input.addEventListener('change', onChange);
    inputs.set(s.key, { s, input });
    root.append(field(s.label, input, s.help));
  }
  return {
    root,
    values() {
      const v = {};
      for (const [k, { s, input }] of inputs) {
        if (s.type === 'checkbox') v[k] = input.checked;
        else if (s.type === 'number' || s.type === 'int') { if (input.value !== '') v[k] = Number(input.value); }
        else if (input.value !== '') v[k] = input.value;
      }
      return v;
    },
    set(values) {
      for (const [k, val] of Object.entries(values || {})) {
        const f = inputs.get(k);
        if (!f) continue;
        if (f.s.type === 'checkbox') f.input.checked = !!val;
        else f.input.value = String(val);
      }
    },
    input: (k) => inputs.get(k) && inputs.get(k).input,
  };
}

// The parameters that produced a result, shown beside it (the step as it sits in the spec).
export function paramsBox(box, step) {
  clear(box);
  if (!step) { box.hidden = true; return; }
  box.hidden = false;
  box.append(el('summary', { text: `Parameters of step “${step.id}” (${step.op}${step.input ? ` on ${step.input}` : ''})` }),
    el('pre', { class: 'params-json', text: JSON.stringify(step.params || {}, null, 2) }));
}

// The tables of the workspace (not label windows), for input pickers.
export function dataTables(objs) {
  return (objs || []).filter((o) => o.type === 'table' && !(o.info && (o.info.kind === 'windows' || o.info.kind === 'fis')));
}
export function windowTables(objs) {
  return (objs || []).filter((o) => o.type === 'table' && o.info && (o.info.kind === 'windows' || o.info.kind === 'fis'));
}

export function fillSelect(sel, items, keep = true) {
  const old = sel.value;
  clear(sel).append(...items.map((it) => (Array.isArray(it) ? el('option', { value: it[0], text: it[1] }) : el('option', { value: it, text: it }))));
  if (keep && [...sel.options].some((o) => o.value === old)) sel.value = old;
}

// The frame most views share: a panel with the parameters (and the input they run on), a Run
// button, the note about missing ops, an error box, the parameters box and a result area. The
// view supplies makeSteps(values, input) -> [steps] and render(results, steps, area).
export function opView(root, ctx, cfg) {
  const form = paramForm(cfg.params || [], () => ctx.scheduleLink());
  const inputSel = el('select', { 'aria-label': `${cfg.title}: input`, class: 'input-pick' });
  const run = el('button', { class: 'primary', text: `${cfg.runLabel || 'Run'} (r)` });
  const note = el('div', { class: 'ops-note', role: 'note', hidden: true });
  const err = el('div', { class: 'error', role: 'alert', hidden: true });
  const params = el('details', { class: 'params-box', hidden: true });
  const area = el('div', { class: 'result-area' });
  const intro = el('p', { class: 'muted view-intro', text: cfg.intro || '' });
  root.append(el('div', { class: 'panel op-panel' },
    el('div', { class: 'op-head' }, el('h2', { text: cfg.title }), intro),
    note,
    el('div', { class: 'op-controls' },
      cfg.inputFilter ? el('label', { class: 'field' }, el('span', { class: 'field-label', text: cfg.inputLabel || 'input' }), inputSel) : null,
      form.root, run),
    err, params), area);
  const st = { steps: null };
  const ready = () => opsNote(note, ctx, cfg.ops, `The ${cfg.title} view`);
  const refreshRun = () => { run.disabled = !ready() || (cfg.inputFilter && !inputSel.value); };
  async function doRun() {
    if (run.disabled) return;
    ctx.clearError(err);
    const steps = cfg.makeSteps(form.values(), inputSel.value);
    try {
      const results = [];
      for (const s of steps) results.push(await ctx.runStep(s, { label: `${cfg.title}: ${s.op}` }));
      st.steps = steps;
      paramsBox(params, steps[steps.length - 1]);
      await cfg.render(results, steps, area);
    } catch (e) {
      ctx.showError(err, e);
    }
  }
  run.addEventListener('click', doRun);
  refreshRun();
  return {
    form, inputSel, run, note, err, area, params, st, doRun, refreshRun,
    onInputs(objs) {
      if (cfg.inputFilter) fillSelect(inputSel, cfg.inputFilter(objs).map((o) => o.name));
      refreshRun();
    },
    async onResults(results, viewState) {
      if (viewState && viewState.params) form.set(viewState.params);
      if (viewState && viewState.input) inputSel.value = viewState.input;
      const ids = cfg.stepIds ? cfg.stepIds(form.values()) : [];
      const steps = ctx.app.spec.steps.filter((s) => ids.includes(s.id));
      if (steps.length && steps.every((s) => results.has(s.id))) {
        st.steps = steps;
        paramsBox(params, steps[steps.length - 1]);
        try { await cfg.render(steps.map((s) => results.get(s.id)), steps, area); } catch (e) { ctx.showError(err, e); }
      }
    },
    state() {
      const s = { params: form.values() };
      if (cfg.inputFilter && inputSel.value) s.input = inputSel.value;
      return s;
    },
    onKey(e) {
      if (e.key === 'r') { doRun(); return true; }
      return false;
    },
    showError(e) { ctx.showError(err, e); },
  };
}

// A legend: a swatch and a name per series.
export function legend(names, colors) {
  return el('div', { class: 'legend' }, ...names.map((n, i) => el('span', {}, el('span', { class: 'swatch', style: { background: colors[i] } }), n)));
}

// views/logs.js - the Logs view: the Drain templates of a parsed log (the engine's "templates" op
// on a "log" or "log_csv" input): count, share, first/last seen and a sparkline per template,
// search and sort; a click lists the template's lines ("log_lines" for where they are, the bytes
// read back from the user's file here) with the parameters highlighted ("log_params" spans);
// CSV exports of the templates and of the lines.
import { el, clear, $, fmtNum, fmtTime, toCsv, download, cssVar } from '../ui.js';
import { paramForm, paramsBox, opsNote, fillSelect } from './common.js';
import { messageOf } from '../logformats.js';

const PARAMS = [
  { key: 'top', label: 'templates listed', type: 'int', value: 500, min: 1, max: 100000 },
  { key: 'buckets', label: 'sparkline buckets', type: 'int', value: 48, min: 4, max: 1000 },
];
const LINES = 50;

export default {
  id: 'logs',
  title: 'Logs',
  create(root, ctx) {
    const form = paramForm(PARAMS, () => ctx.scheduleLink());
    const inputSel = el('select', { 'aria-label': 'Logs: log input', class: 'input-pick' });
    const run = el('button', { class: 'primary', text: 'Templates (r)' });
    const note = el('div', { class: 'ops-note', role: 'note', hidden: true });
    const err = el('div', { class: 'error', role: 'alert', hidden: true });
    const params = el('details', { class: 'params-box', hidden: true });
    const search = el('input', { type: 'search', id: 'tpl-search', placeholder: 'Search templates (/)', 'aria-label': 'Search templates' });
    const summary = el('p', { class: 'muted', id: 'logs-summary' });
    const tbody = el('tbody');
    const head = el('tr');
    const table = el('table', { class: 'data templates', id: 'templates' }, el('thead', {}, head), tbody);
    const linesBox = el('div', { class: 'panel', id: 'tpl-lines', hidden: true });
    root.append(el('div', { class: 'panel op-panel' },
      el('div', { class: 'op-head' }, el('h2', { text: 'Logs' }),
        el('p', { class: 'muted view-intro', text: 'Templates found by Drain (He et al.): a fixed-depth parse tree groups log messages by length and leading tokens, then by token similarity (st); the varying tokens become <*>. Lines stream through the engine when the log is loaded (Options in the inputs table sets the format, st and depth).' })),
      note,
      el('div', { class: 'op-controls' }, el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'log' }), inputSel), form.root, run),
      err, params),
    el('div', { class: 'panel', id: 'logs-panel', hidden: true },
      el('div', { class: 'chart-tools' }, search, summary,
        el('button', { class: 'small-btn', text: 'Templates CSV', onclick: () => exportTemplates() })),
      el('div', { class: 'scroll' }, table)),
    linesBox);
    const st = { result: null, step: null, sort: { key: 'count', dir: -1 }, selected: null, lines: null };
    const cols = [['event_id', 'event'], ['template', 'template'], ['count', 'count'], ['share', 'share'], ['first_seen', 'first seen'], ['last_seen', 'last seen'], ['spark', 'over time']];
    for (const [k, label] of cols) {
      const th = el('th', { text: label, tabindex: k === 'spark' ? undefined : '0', 'data-key': k, 'aria-sort': 'none' });
      if (k !== 'spark') {
        const sortBy = () => { st.sort = { key: k, dir: st.sort.key === k ? -st.sort.dir : (k === 'template' || k === 'event_id' ? 1 : -1) }; renderRows(); };
        th.addEventListener('click', sortBy);
        th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(); } });
      }
      head.append(th);
    }
    search.addEventListener('input', () => { renderRows(); ctx.scheduleLink(); });

    const logInputs = (objs) => (objs || []).filter((o) => o.type === 'logs');
    const refresh = () => { run.disabled = !opsNote(note, ctx, ['templates', 'log_lines', 'log_params'], 'The Logs view') || !inputSel.value; };

    async function templates() {
      if (run.disabled) return;
      ctx.clearError(err);
      const step = { id: 'templates', op: 'templates', input: inputSel.value, params: form.values() };
      try {
        const r = await ctx.runStep(step, { label: 'Logs: templates' });
        await render(step, r);
      } catch (e) {
        ctx.showError(err, e);
      }
    }
    run.addEventListener('click', templates);

    async function render(step, r) {
      st.result = r;
      st.step = step;
      paramsBox(params, step);
      $('#logs-panel', root).hidden = !r;
      linesBox.hidden = true;
      if (!r) return;
      const info = (ctx.app.loaded.get(step.input) || {}).info || {};
      summary.textContent = `${Number(r.lines).toLocaleString('en-US')} lines · ${r.templates_total} templates${r.listed < r.templates_total ? ` (top ${r.listed} listed)` : ''}` +
        (r.time_start !== undefined ? ` · ${fmtTime(r.time_start)} → ${fmtTime(r.time_end)}` : '') +
        (info.unmatched ? ` · ${info.unmatched} lines did not match the format` : '');
      renderRows();
      root.dataset.ready = '1';
    }

    function rows() {
      const q = search.value.trim().toLowerCase();
      const list = (st.result ? st.result.templates : []).filter((t) => !q || t.template.toLowerCase().includes(q) || String(t.event_id).includes(q));
      const { key, dir } = st.sort;
      return list.sort((a, b) => (a[key] < b[key] ? -dir : a[key] > b[key] ? dir : 0));
    }

    function renderRows() {
      clear(tbody);
      for (const th of head.children) th.setAttribute('aria-sort', th.dataset.key === st.sort.key ? (st.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
      const list = rows();
      for (const t of list.slice(0, 2000)) {
        const tr = el('tr', { tabindex: '0', 'data-id': String(t.id), class: st.selected === t.id ? 'sel' : '' },
          el('td', { class: 'mono', text: t.event_id }),
          el('td', { class: 'logline' }, ...templateNodes(t.template)),
          el('td', { class: 'num', text: Number(t.count).toLocaleString('en-US') }),
          el('td', { class: 'num', text: `${(100 * t.share).toFixed(2)}%` }),
          el('td', { class: 'small', text: Number.isFinite(t.first_seen) ? fmtTime(t.first_seen) : '' }),
          el('td', { class: 'small', text: Number.isFinite(t.last_seen) ? fmtTime(t.last_seen) : '' }),
          el('td', {}, sparkline(t.spark || [])));
        const open = () => showLines(t);
        tr.addEventListener('click', open);
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); open(); } });
        tbody.append(tr);
      }
      table.dataset.rows = String(list.length);
    }

    // A template's text with its wildcards marked (text nodes only: log text is never HTML).
    function templateNodes(tpl) {
      const out = [];
      for (const part of String(tpl).split(/(<[^<>\s]*>)/)) {
        if (!part) continue;
        out.push(/^<[^<>\s]*>$/.test(part) ? el('span', { class: 'wild', text: part }) : document.createTextNode(part));
      }
      return out;
    }

    async function showLines(t) {
      st.selected = t.id;
      for (const tr of tbody.children) tr.classList.toggle('sel', tr.dataset.id === String(t.id));
      ctx.clearError(err);
      try {
        const where = await ctx.runStep({ id: 'view-lines', op: 'log_lines', input: st.step.input, params: { template: t.id, limit: LINES } }, { quiet: true, keep: false });
        const raw = await readLines(st.step.input, where.lines);
        const rec = ctx.app.loaded.get(st.step.input) || {};
        const texts = where.lines.map((l) => raw.get(l.line) ?? '');
        const msgs = texts.map((x) => (rec.kind === 'log_csv' ? csvLogMessage(x, rec.info) : messageOf(rec.options, x)));
        const spans = msgs.length ? (await ctx.runStep({ id: 'view-params', op: 'log_params', input: st.step.input, params: { template: t.id, messages: msgs.map((m) => m.message) } }, { quiet: true, keep: false })).spans : [];
        st.lines = where.lines.map((l, i) => ({ line: l.line, time: l.time, text: texts[i], message: msgs[i].message, params: (spans[i] || []).map(([a, b]) => msgs[i].message.slice(a, b)) }));
        clear(linesBox).append(
          el('h3', {}, `Lines of event ${t.event_id} `, el('span', { class: 'muted', text: `(${Math.min(LINES, where.total)} of ${Number(where.total).toLocaleString('en-US')}; parameters highlighted)` }),
            el('button', { class: 'small-btn', text: 'Lines CSV', onclick: exportLines })),
          el('p', { class: 'logline' }, ...templateNodes(t.template)),
          el('ol', { class: 'lines' }, ...where.lines.map((l, i) => el('li', { value: String(l.line) },
            el('span', { class: 'muted small', text: Number.isFinite(l.time) ? `${fmtTime(l.time)}  ` : '' }),
            el('span', { class: 'logline muted', text: msgs[i].header }),
            el('span', { class: 'logline' }, ...highlight(msgs[i].message, spans[i] || []))))));
        linesBox.hidden = false;
        linesBox.dataset.lines = String(where.lines.length);
        linesBox.scrollIntoView({ block: 'nearest' });
      } catch (e) {
        ctx.showError(err, e);
      }
    }

    function highlight(msg, spans) {
      const out = [];
      let at = 0;
      for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
        if (a < at || b > msg.length) continue;
        if (a > at) out.push(document.createTextNode(msg.slice(at, a)));
        out.push(el('mark', { class: 'param', text: msg.slice(a, b) }));
        at = b;
      }
      if (at < msg.length) out.push(document.createTextNode(msg.slice(at)));
      return out;
    }

    // The raw text of the given lines of an input's file: by byte offset from a Blob, else by
    // reading the source through to the last wanted line (bundle entries, CSV logs).
    async function readLines(name, lines) {
      const rec = ctx.app.loaded.get(name);
      const out = new Map();
      if (!rec || !rec.source || !lines.length) return out;
      const src = rec.source;
      const blob = src instanceof Blob ? src : src.blob;
      const dec = new TextDecoder();
      if (blob && rec.kind === 'log' && lines.every((l) => l.offset >= 0)) {
        for (const l of lines) {
          const bytes = new Uint8Array(await blob.slice(l.offset, Math.min(blob.size, l.offset + 65536)).arrayBuffer());
          let end = bytes.indexOf(10);
          if (end < 0) end = bytes.length;
          out.set(l.line, dec.decode(bytes.subarray(0, end)).replace(/\r$/, ''));
        }
        return out;
      }
      const want = new Set(lines.map((l) => l.line));
      const last = Math.max(...want);
      let lineNo = 1, carry = '';
      const chunks = src.chunks ? src.chunks() : blob.stream();
      for await (const c of chunks) {
        const text = carry + dec.decode(c, { stream: true });
        const parts = text.split('\n');
        carry = parts.pop();
        for (const p of parts) {
          if (want.has(lineNo)) out.set(lineNo, p.replace(/\r$/, ''));
          lineNo++;
        }
        if (lineNo > last) break;
      }
      if (want.has(lineNo) && carry) out.set(lineNo, carry);
      return out;
    }

    // The log cell of a CSV row (Nezha), and its message when it is a Docker JSON envelope.
    function csvLogMessage(row, info) {
      const cells = [];
      let cur = '', q = false;
      for (let i = 0; i < row.length; i++) {
        const ch = row[i];
        if (q) { if (ch === '"' && row[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch; }
        else if (ch === '"') q = true;
        else if (ch === ',') { cells.push(cur); cur = ''; } else cur += ch;
      }
      cells.push(cur);
      const cell = cells[cells.length - 1] || '';
      const m = messageOf({ format: info && info.format === 'json' ? 'json' : 'plain', content_field: 'log' }, cell);
      return { message: m.message, header: cells.slice(0, -1).join(',') + ', ' };
    }

    function sparkline(counts) {
      const c = el('canvas', { class: 'spark', width: '120', height: '22', 'aria-hidden': 'true' });
      const g = c.getContext('2d');
      const max = Math.max(1, ...counts);
      g.fillStyle = cssVar('--accent') || '#2f6fb3';
      const w = 120 / Math.max(1, counts.length);
      counts.forEach((v, i) => { const h = v ? Math.max(1, (v / max) * 20) : 0; g.fillRect(i * w, 22 - h, Math.max(1, w - 0.5), h); });
      return c;
    }

    function exportTemplates() {
      if (!st.result) return;
      download(new Blob([toCsv(rows(), ['event_id', 'template', 'count', 'share', 'first_seen', 'last_seen'])], { type: 'text/csv' }), `${st.step.input}.templates.csv`);
    }
    function exportLines() {
      if (!st.lines) return;
      download(new Blob([toCsv(st.lines.map((l) => ({ ...l, params: l.params.join(' | ') })), ['line', 'time', 'text', 'message', 'params'])], { type: 'text/csv' }), `${st.step.input}.lines.csv`);
    }

    return {
      async onInputs(objs) {
        const logs = logInputs(objs);
        fillSelect(inputSel, logs.map((o) => o.name));
        refresh();
        // a log that just arrived gets its templates at once
        if (logs.length && !run.disabled && (!st.step || !logs.some((o) => o.name === st.step.input))) await templates();
      },
      async onResults(results, viewState) {
        if (viewState && viewState.params) form.set(viewState.params);
        if (viewState && viewState.search) search.value = viewState.search;
        const step = ctx.app.spec.steps.find((s) => s.id === 'templates');
        if (step && results.has('templates')) { inputSel.value = step.input; await render(step, results.get('templates')); }
      },
      state() { return { params: form.values(), search: search.value || undefined }; },
      onKey(e) {
        if (e.key === 'r') { templates(); return true; }
        if (e.key === '/') { search.focus(); return true; }
        return false;
      },
      async resultRows() { return st.result ? { rows: rows(), columns: ['event_id', 'template', 'count', 'share', 'first_seen', 'last_seen'] } : null; },
      canvas() { return null; },
      showError(e) { ctx.showError(err, e); },
    };
  },
};

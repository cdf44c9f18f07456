// views/dataset.js - the Dataset view: the tables the inputs made, a series list with search, a
// multi-series chart (engine-side min-max downsampling; zoom, pan, crosshair), label windows as
// bands, and per-series summary statistics (the engine's `summary` op).
import { SeriesChart } from '../chart.js';
import { $, el, clear, fmtNum, fmtTime, palette, bandColors } from '../ui.js';
import { windowsOf, runsOf } from './common.js';

// A series scaled to 0..1 (NaN stays NaN; a constant series becomes 0.5).
function scale01(y) {
  let lo = Infinity, hi = -Infinity;
  for (const v of y) if (v === v) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const out = new Float64Array(y.length);
  const span = hi - lo;
  for (let i = 0; i < y.length; i++) out[i] = span > 0 ? (y[i] - lo) / span : 0.5;
  return out;
}

export default {
  id: 'dataset',
  title: 'Dataset',
  create(root, ctx) {
    root.append(el('div', { class: 'dataset', id: 'dataset', hidden: true },
      el('aside', { class: 'panel series-panel' },
        el('div', { class: 'series-head' },
          el('label', { class: 'table-pick-label', for: 'ds-table', text: 'Table' }),
          el('select', { id: 'ds-table', 'aria-label': 'Table' }),
          el('h2', { id: 'ds-title', text: 'Series' }),
          el('input', { type: 'search', id: 'series-search', placeholder: 'Search series (/)', 'aria-label': 'Search series' })),
        el('div', { class: 'muted', id: 'ds-meta' }),
        el('div', { class: 'series-tools' },
          el('button', { class: 'small-btn', id: 'ds-all', text: 'All shown' }),
          el('button', { class: 'small-btn', id: 'ds-none', text: 'None' })),
        el('ul', { id: 'series-list', class: 'series-list' })),
      el('section', { class: 'panel chart-panel' },
        el('div', { class: 'chart-tools' },
          el('span', { class: 'muted', text: 'Drag: zoom · double-click: reset · ←/→: pan' }),
          el('label', { class: 'muted', title: 'Scale each series to 0..1 over the visible range (n)' }, el('input', { type: 'checkbox', id: 'ds-norm' }), ' normalise'),
          el('label', { class: 'muted' }, 'label bands ', el('select', { id: 'ds-labels', 'aria-label': 'Label windows shown as bands' })),
          el('button', { id: 'reset-zoom', text: 'Reset zoom (0)' })),
        el('div', { id: 'chart', class: 'chart' }),
        el('div', { id: 'ds-error', class: 'error', role: 'alert', hidden: true }),
        el('table', { class: 'stats', id: 'stats' },
          el('thead', {}, el('tr', {}, ...['series', 'count', 'missing', 'min', 'max', 'mean', 'std'].map((h) => el('th', { text: h })))),
          el('tbody')))),
    el('p', { class: 'muted empty-hint', id: 'ds-empty', text: 'Load a file, a bundle or the example to see its series here.' }));

    const st = { table: null, selected: new Set(), chart: null, labels: '', tables: [], windows: [], pending: null, stats: [] };

    const tableSel = $('#ds-table', root), labelSel = $('#ds-labels', root);
    tableSel.addEventListener('change', () => showTable(tableSel.value));
    labelSel.addEventListener('change', async () => { st.labels = labelSel.value; await loadBands(); ctx.scheduleLink(); });
    $('#series-search', root).addEventListener('input', renderSeriesList);
    $('#ds-norm', root).addEventListener('change', (e) => { st.normalise = e.target.checked; renderChart(); ctx.scheduleLink(); });
    $('#reset-zoom', root).addEventListener('click', () => st.chart && st.chart.resetZoom());
    $('#ds-all', root).addEventListener('click', () => {
      const q = $('#series-search', root).value.trim().toLowerCase();
      st.table.columns.forEach((c, i) => { if (!q || c.toLowerCase().includes(q)) st.selected.add(i); });
      if (st.selected.size > 24) st.selected = new Set([...st.selected].slice(0, 24));
      refresh();
    });
    $('#ds-none', root).addEventListener('click', () => { st.selected.clear(); refresh(); });

    function refresh() {
      renderSeriesList();
      ctx.track(Promise.all([renderChart(), renderStats()]));
      ctx.scheduleLink();
    }

    async function showTable(name, wanted) {
      const t = st.tables.find((x) => x.name === name);
      if (!t) return;
      ctx.clearError($('#ds-error', root));
      const rec = ctx.app.loaded.get(name);
      const info = (rec && rec.info) || t.info || {};
      st.table = { ...t, info };
      tableSel.value = name;
      const sel = wanted ? wanted.map((n) => t.columns.indexOf(n)).filter((i) => i >= 0) : t.columns.slice(0, 6).map((_, i) => i);
      st.selected = new Set(sel);
      $('#dataset', root).hidden = false;
      $('#ds-empty', root).hidden = true;
      $('#ds-title', root).textContent = info.label || name;
      const rows = info.rows !== undefined ? info.rows : t.rows;
      const meta = [`${Number(rows).toLocaleString('en-US')} rows`, `${t.columns.length} series`];
      if (info.overview) meta.push(`too large to keep at full resolution: the chart shows the min and max of ${t.rows / 2} runs of rows; statistics cover every row`);
      if (info.time_column) meta.push(`time: ${info.time_column} (${info.time_format})`);
      if (info.time_start !== undefined) meta.push(`${fmtTime(info.time_start)} → ${fmtTime(info.time_end)}`);
      if ((info.skipped_columns || []).length) meta.push(`text columns skipped: ${info.skipped_columns.join(', ')}`);
      if (info.series !== undefined && info.kind !== 'csv') meta.push(`${info.series} series from ${info.points !== undefined ? Number(info.points).toLocaleString('en-US') + ' points' : 'long rows'}`);
      $('#ds-meta', root).textContent = meta.join(' · ');
      renderSeriesList();
      try {
        await renderStats();
        await renderChart();
      } catch (e) {
        ctx.showError($('#ds-error', root), e);
      }
      ctx.scheduleLink();
    }

    function renderSeriesList() {
      const list = clear($('#series-list', root));
      if (!st.table) return;
      const q = $('#series-search', root).value.trim().toLowerCase();
      let shown = 0;
      st.table.columns.forEach((c, i) => {
        if (q && !c.toLowerCase().includes(q)) return;
        if (++shown > 2000) return;
        const id = `s-${i}`;
        const box = el('input', { type: 'checkbox', id, checked: st.selected.has(i) });
        box.addEventListener('change', () => {
          if (box.checked) st.selected.add(i);
          else st.selected.delete(i);
          ctx.track(Promise.all([renderChart(), renderStats()]));
          ctx.scheduleLink();
        });
        list.append(el('li', {}, box, el('span', { class: 'swatch', style: { background: palette[i % palette.length] } }), el('label', { for: id, text: c, title: c })));
      });
      if (shown > 2000) list.append(el('li', { class: 'muted', text: `${shown - 2000} more: narrow the search` }));
    }

    // Only the latest call of an async render draws (the user may click faster than it runs).
    let statsSeq = 0, chartSeq = 0;
    async function renderStats() {
      const seq = ++statsSeq;
      const cols = [...st.selected].sort((a, b) => a - b).map((i) => st.table.columns[i]);
      const info = st.table.info || {};
      const series = !cols.length ? []
        : info.overview ? (info.stats || []).filter((s) => cols.includes(s.name))
          : (await ctx.runStep({ id: 'stats', op: 'summary', input: st.table.name, params: { columns: cols } }, { quiet: true })).series;
      if (seq !== statsSeq) return;
      const body = clear($('#stats tbody', root));
      st.stats = series;
      for (const s of series) {
        body.append(el('tr', {}, el('td', { text: s.name }), ...['count', 'missing', 'min', 'max', 'mean', 'std'].map((k) => el('td', { text: fmtNum(s[k]) }))));
      }
    }

    async function renderChart() {
      const seq = ++chartSeq;
      const range = st.pending && st.pending.range;
      if (st.chart) st.chart.destroy();
      st.chart = null;
      const host = clear($('#chart', root));
      delete host.dataset.ready;
      const cols = [...st.selected].sort((a, b) => a - b);
      if (!cols.length) {
        host.append(el('p', { class: 'muted', text: 'Pick a series to plot.' }));
        return;
      }
      const name = st.table.name;
      st.chart = new SeriesChart(host, {
        names: cols.map((i) => st.table.columns[i]),
        colors: cols.map((i) => palette[i % palette.length]),
        timeAxis: st.table.has_time,
        fetch: async (t0, t1, buckets) => {
          const d = await ctx.wb.downsample(name, cols, { t0, t1, buckets });
          return st.normalise ? { x: d.x, y: d.y.map(scale01) } : d;
        },
        bands: bandsFor(),
      });
      const chart = st.chart;
      await chart.load();
      if (seq !== chartSeq) return; // a newer chart replaced this one
      if (range) { chart.setRange(range[0], range[1]); if (st.pending) st.pending.range = null; }
      host.dataset.ready = '1';
    }

    // Label windows as bands: coloured by type; those whose target is the shown table (a Nezha
    // fault on this pod) strong, the others faint.
    function bandsFor() {
      const name = st.table ? st.table.name : '';
      const anyTarget = st.windows.some((w) => w.target && (name === w.target || name.startsWith(w.target) || w.target.startsWith(name)));
      return st.windows.map((w) => {
        const mine = !anyTarget || (w.target && (name === w.target || name.startsWith(w.target) || w.target.startsWith(name)));
        const c = bandColors[(w.typeIndex || 0) % bandColors.length];
        return { start: w.start, end: w.end, color: mine ? c : c.replace(/[\d.]+\)$/, '0.05)') };
      });
    }

    async function loadBands() {
      st.windows = [];
      if (st.labels) {
        try {
          st.windows = st.labels.startsWith('column:') ? await columnWindows(st.labels.slice(7)) : await windowsOf(ctx, st.labels);
        } catch (e) {
          ctx.showError($('#ds-error', root), e);
        }
      }
      if (st.chart) st.chart.setBands(bandsFor());
      $('#chart', root).dataset.bands = String(st.windows.length);
    }

    // Windows where a 0/1 ground-truth column of the shown table is non-zero ("table/column").
    async function columnWindows(spec) {
      const cut = spec.indexOf('/');
      const table = spec.slice(0, cut), colName = spec.slice(cut + 1);
      const t = st.tables.find((x) => x.name === table);
      const j = t ? t.columns.indexOf(colName) : -1;
      if (j < 0) return [];
      const { time, columns } = await ctx.wb.columns(table, [j]);
      return runsOf(time, columns[0]);
    }

    function renderLabelChoices(objs) {
      const wins = objs.filter((o) => o.type === 'table' && o.info && (o.info.kind === 'windows' || o.info.kind === 'fis'));
      const cols = [];
      const order = [...st.tables].sort((a, b) => (st.table && a.name === st.table.name ? -1 : st.table && b.name === st.table.name ? 1 : 0));
      for (const t of order) for (const c of t.columns) if (/(^|[._])(anomaly|label|is_anomaly|fault|ground_truth)$/i.test(c) && t.has_time) cols.push([`column:${t.name}/${c}`, `${t.name} · ${c} ≠ 0`]);
      const choices = [...wins.map((w) => [w.name, `${w.name} (${w.info.windows} windows)`]), ...cols.slice(0, 50)];
      clear(labelSel).append(el('option', { value: '', text: choices.length ? 'none' : '(no labels loaded)' }), ...choices.map(([v, t]) => el('option', { value: v, text: t })));
      if (st.labels && !choices.some(([v]) => v === st.labels)) st.labels = '';
      if (!st.labels && choices.length) st.labels = choices[0][0];
      labelSel.value = st.labels;
    }

    return {
      async onInputs(objs, focus) {
        st.tables = objs.filter((o) => o.type === 'table' && !(o.info && (o.info.kind === 'windows' || o.info.kind === 'fis')));
        clear(tableSel).append(...st.tables.map((t) => el('option', { value: t.name, text: `${t.name} (${t.columns.length})` })));
        tableSel.hidden = st.tables.length < 2;
        $('.table-pick-label', root).hidden = st.tables.length < 2;
        renderLabelChoices(objs);
        await loadBands();
        if (!st.tables.length) {
          st.table = null;
          if (st.chart) st.chart.destroy();
          st.chart = null;
          $('#dataset', root).hidden = true;
          $('#ds-empty', root).hidden = false;
          return;
        }
        const p = st.pending;
        let name = p && p.table && st.tables.some((t) => t.name === p.table) ? p.table : null;
        if (!name && focus && st.tables.some((t) => t.name === focus)) name = focus;
        if (!name && st.table && st.tables.some((t) => t.name === st.table.name)) name = st.table.name;
        if (!name) name = (st.tables.find((t) => ctx.app.spec.inputs.some((i) => i.name === t.name)) || st.tables[0]).name;
        await showTable(name, p && p.table === name ? p.selected : null);
        if (p) st.pending = null;
      },
      async onResults(results, viewState) {
        if (viewState) st.pending = { ...viewState };
        if (viewState && viewState.normalise !== undefined) { st.normalise = !!viewState.normalise; $('#ds-norm', root).checked = st.normalise; }
        if (viewState && viewState.labels !== undefined) { st.labels = viewState.labels; labelSel.value = st.labels; await loadBands(); }
        if (viewState && viewState.table && st.tables.some((t) => t.name === viewState.table)) {
          await showTable(viewState.table, viewState.selected);
          if (viewState.range && st.chart) st.chart.setRange(viewState.range[0], viewState.range[1]);
          st.pending = null;
        }
      },
      state() {
        if (!st.table) return null;
        const s = { table: st.table.name, selected: [...st.selected].sort((a, b) => a - b).map((i) => st.table.columns[i]) };
        if (st.labels) s.labels = st.labels;
        if (st.normalise) s.normalise = true;
        if (st.chart && st.chart.full) {
          const [a, b] = st.chart.range();
          if (Number.isFinite(a) && (a > st.chart.full[0] || b < st.chart.full[1])) s.range = [a, b];
        }
        return s;
      },
      onKey(e) {
        const c = st.chart;
        switch (e.key) {
          case '/': $('#series-search', root).focus(); return true;
          case 'n': $('#ds-norm', root).click(); return true;
          case '0': if (c) c.resetZoom(); return true;
          case '+': case '=': if (c) c.zoom(0.8); return true;
          case '-': if (c) c.zoom(1.25); return true;
          case 'ArrowLeft': if (c) { c.pan(-0.1); return true; } return false;
          case 'ArrowRight': if (c) { c.pan(0.1); return true; } return false;
          default: return false;
        }
      },
      onTheme() { if (st.table) renderChart(); },
      canvas() { return st.chart ? st.chart.canvas() : null; },
      async resultRows() {
        return { rows: st.stats.map((s) => ({ table: st.table.name, ...s })), columns: ['table', 'name', 'count', 'missing', 'min', 'max', 'mean', 'std'] };
      },
      showError(e) { ctx.showError($('#ds-error', root), e); },
    };
  },
};

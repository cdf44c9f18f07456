// chart.js - a multi-series time chart on uPlot. Data comes downsampled from the engine (min-max
// per pixel column), and is fetched again for the visible range when the user zooms or pans, so
// a series of any length draws in a few milliseconds. Static data (a loss curve, a periodogram)
// can be given instead of a fetch function. Label windows are drawn as shaded bands, thresholds
// as horizontal lines and alarms as ticks, on the same canvas (so a PNG export shows them).
import uPlot from './vendor/uPlot.esm.js';
import { palette, cssVar } from './ui.js';

// Tick labels in UTC, 24-hour, with the date where it changes (or at the first tick).
const pad = (n) => String(n).padStart(2, '0');
function timeTicks(u, splits, axisIdx, space, incr) {
  let lastDay = '';
  return splits.map((s, i) => {
    const d = new Date(s * 1000);
    const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    let t = incr >= 86400 ? '' : `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    if (incr < 60) t += `:${pad(d.getUTCSeconds())}`;
    if (incr < 1) t += `.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
    const showDay = day !== lastDay && (i === 0 || incr >= 86400 || t.startsWith('00:00'));
    if (day !== lastDay) lastDay = day;
    return showDay ? (t ? `${t}\n${day}` : day) : t;
  });
}

export class SeriesChart {
  // fetch(t0, t1, buckets) -> Promise<{x: Float64Array, y: Float64Array[]}>
  // bands: [{start, end, color}]; hlines: [{y, color, label}]; marks: Float64Array of x values
  constructor(container, { names, colors, fetch, data, timeAxis = true, height = 360, bands = [], hlines = [], marks = null,
    yLabel = '', xLabel = '', logY = false, logX = false, integerX = false, paths = null, onSelect = null, widths = null, dashes = null } = {}) {
    this.container = container;
    this.names = names;
    this.fetchData = fetch || (async () => data);
    this.timeAxis = timeAxis;
    this.bands = bands;
    this.hlines = hlines;
    this.marks = marks;
    this.full = null; // [t0, t1] of the whole data
    this.seq = 0;
    this.height = height;
    this.refetch = !!fetch;
    const width = Math.max(300, container.clientWidth || 800);
    const fg = cssVar('--fg') || '#222';
    const grid = cssVar('--grid') || 'rgba(0,0,0,0.08)';
    const opts = {
      width,
      height,
      scales: { x: logX ? { time: false, distr: 3, log: 10 } : { time: timeAxis }, y: logY ? { distr: 3, log: 10 } : {} },
      // times are shown in UTC, as the engine stores them
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      cursor: { drag: { x: true, y: false, setScale: true }, focus: { prox: 24 } },
      legend: { show: false },
      series: [{}, ...names.map((n, i) => ({
        label: n, stroke: colors ? colors[i] : palette[i % palette.length], width: widths ? widths[i] : 1,
        points: { show: false }, dash: dashes ? dashes[i] : undefined, paths: paths ? paths[i] : undefined, spanGaps: false,
      }))],
      // (keys set to undefined would override uPlot's defaults: leave them out)
      axes: [
        Object.assign({ stroke: fg, grid: { stroke: grid }, ticks: { stroke: grid } }, xLabel ? { label: xLabel } : {}, timeAxis && !logX ? { values: timeTicks, space: 70 } : {},
          integerX ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] } : {}),
        Object.assign({ stroke: fg, grid: { stroke: grid }, ticks: { stroke: grid },
          size: (u, values) => 16 + 7 * Math.max(4, ...(values || []).map((v) => String(v).length)) }, yLabel ? { label: yLabel } : {}),
      ],
      hooks: {
        setScale: [(u, key) => { if (key === 'x' && !this.settingData && this.refetch) this._refetchSoon(); }],
        drawClear: [(u) => this._drawBands(u)],
        draw: [(u) => this._drawOverlays(u)],
        setCursor: [(u) => { if (onSelect && u.cursor.idx !== null && u.cursor.idx !== undefined) this.cursorIdx = u.cursor.idx; }],
      },
    };
    this.plot = new uPlot(opts, [new Float64Array(0), ...names.map(() => new Float64Array(0))], container);
    this.plot.over.addEventListener('dblclick', () => this.resetZoom());
    this.plot.over.addEventListener('wheel', (e) => this._wheel(e), { passive: false });
    if (onSelect) this.plot.over.addEventListener('click', () => { if (this.cursorIdx !== undefined) onSelect(this.cursorIdx, this.plot.data[0][this.cursorIdx]); });
    this.resizeObserver = new ResizeObserver(() => {
      const w = Math.max(300, container.clientWidth);
      if (Math.abs(w - this.plot.width) > 4) { this.plot.setSize({ width: w, height }); if (this.refetch) this._refetchSoon(); }
    });
    this.resizeObserver.observe(container);
  }

  _drawBands(u) {
    if (!this.bands.length) return;
    const { ctx } = u;
    const { top, height } = u.bbox;
    ctx.save();
    for (const b of this.bands) {
      let x0 = u.valToPos(b.start, 'x', true), x1 = u.valToPos(b.end, 'x', true);
      if (!Number.isFinite(x0) || !Number.isFinite(x1)) continue;
      x0 = Math.max(x0, u.bbox.left);
      x1 = Math.min(x1, u.bbox.left + u.bbox.width);
      if (x1 < x0) continue;
      ctx.fillStyle = b.color || 'rgba(214,40,40,0.16)';
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    }
    ctx.restore();
  }

  _drawOverlays(u) {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    for (const h of this.hlines) {
      const y = u.valToPos(h.y, 'y', true);
      if (!Number.isFinite(y) || y < top || y > top + height) continue;
      ctx.strokeStyle = h.color || '#c23b3b';
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      if (h.label) {
        ctx.setLineDash([]);
        ctx.fillStyle = h.color || '#c23b3b';
        ctx.font = '12px sans-serif';
        ctx.fillText(h.label, left + 6, y - 4);
      }
    }
    if (this.marks && this.marks.length) {
      ctx.setLineDash([]);
      ctx.fillStyle = cssVar('--alarm') || '#d62828';
      for (const x of this.marks) {
        const px = u.valToPos(x, 'x', true);
        if (px < left || px > left + width) continue;
        ctx.fillRect(px - 1, top + height - 10, 2, 10);
      }
    }
    ctx.restore();
  }

  async load() {
    const d = await this.fetchData(-Infinity, Infinity, this._buckets());
    if (d.x.length) this.full = [d.x[0], d.x[d.x.length - 1]];
    this._set(d, true);
  }

  setBands(bands) {
    this.bands = bands || [];
    this.plot.redraw(false);
  }

  setOverlays({ hlines, marks }) {
    if (hlines) this.hlines = hlines;
    if (marks !== undefined) this.marks = marks;
    this.plot.redraw(false);
  }

  setData(d) {
    if (d.x.length) this.full = [d.x[0], d.x[d.x.length - 1]];
    this._set(d, true);
  }

  _buckets() {
    return Math.max(100, Math.round(this.plot ? this.plot.bbox.width / devicePixelRatio : 800));
  }

  _set(d, resetScale) {
    this.settingData = true;
    // uPlot draws gaps for null, not NaN: static data may hold NaN (missing values)
    const ys = this.refetch ? d.y : d.y.map((y) => (y.some((v) => v !== v) ? Array.from(y, (v) => (v === v ? v : null)) : y));
    this.plot.setData([d.x, ...ys], resetScale);
    this.settingData = false;
    this.container.dataset.points = String(d.x.length);
  }

  _refetchSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this._refetch(), 60);
  }

  async _refetch() {
    const { min, max } = this.plot.scales.x;
    if (min === undefined || max === undefined) return;
    const seq = ++this.seq;
    const d = await this.fetchData(min, max, this._buckets());
    if (seq !== this.seq || !this.plot) return; // a newer request superseded this one
    this.settingData = true;
    this.plot.setData([d.x, ...d.y], false);
    this.plot.setScale('x', { min, max });
    this.settingData = false;
    this.container.dataset.points = String(d.x.length);
  }

  // The visible x range.
  range() {
    const { min, max } = this.plot.scales.x;
    return [min, max];
  }

  setRange(min, max) {
    if (Number.isFinite(min) && Number.isFinite(max) && max > min) this.plot.setScale('x', { min, max });
  }

  resetZoom() {
    if (!this.full) return;
    this.plot.setScale('x', { min: this.full[0], max: this.full[1] });
  }

  zoom(factor) {
    const { min, max } = this.plot.scales.x;
    const mid = (min + max) / 2, half = ((max - min) / 2) * factor;
    this.plot.setScale('x', { min: mid - half, max: mid + half });
  }

  pan(fraction) {
    const { min, max } = this.plot.scales.x;
    const d = (max - min) * fraction;
    this.plot.setScale('x', { min: min + d, max: max + d });
  }

  _wheel(e) {
    e.preventDefault();
    if (e.shiftKey) this.pan(Math.sign(e.deltaY || e.deltaX) * 0.1);
    else this.zoom(e.deltaY > 0 ? 1.25 : 0.8);
  }

  // The chart as a canvas with the page background (for PNG export).
  canvas() {
    const src = this.plot.ctx.canvas;
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const g = c.getContext('2d');
    g.fillStyle = cssVar('--panel') || '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(src, 0, 0);
    return c;
  }

  destroy() {
    clearTimeout(this.timer);
    this.resizeObserver.disconnect();
    this.plot.destroy();
    this.plot = null;
  }
}

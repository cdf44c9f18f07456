// chart.js - a multi-series time chart on uPlot. Data comes downsampled from the engine (min-max
// per pixel column), and is fetched again for the visible range when the user zooms or pans, so
// a series of any length draws in a few milliseconds.
import uPlot from './vendor/uPlot.esm.js';
import { palette } from './ui.js';

export class SeriesChart {
  // fetch(t0, t1, buckets) -> Promise<{x: Float64Array, y: Float64Array[]}>
  constructor(container, { names, colors, fetch, timeAxis = true, height = 360 }) {
    this.container = container;
    this.names = names;
    this.fetchData = fetch;
    this.timeAxis = timeAxis;
    this.full = null; // [t0, t1] of the whole data
    this.seq = 0;
    const width = Math.max(300, container.clientWidth || 800);
    const opts = {
      width,
      height,
      scales: { x: { time: timeAxis } },
      // times are shown in UTC, as the engine stores them
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      cursor: { drag: { x: true, y: false, setScale: true }, focus: { prox: 24 } },
      legend: { show: false },
      series: [{}, ...names.map((n, i) => ({ label: n, stroke: colors ? colors[i] : palette[i % palette.length], width: 1, points: { show: false } }))],
      axes: [
        { stroke: getComputedStyle(document.body).color },
        { stroke: getComputedStyle(document.body).color, size: (u, values) => 16 + 7 * Math.max(4, ...(values || []).map((v) => String(v).length)) },
      ],
      hooks: {
        setScale: [(u, key) => { if (key === 'x' && !this.settingData) this._refetchSoon(); }],
      },
    };
    this.plot = new uPlot(opts, [new Float64Array(0), ...names.map(() => new Float64Array(0))], container);
    this.plot.over.addEventListener('dblclick', () => this.resetZoom());
    this.plot.over.addEventListener('wheel', (e) => this._wheel(e), { passive: false });
    this.resizeObserver = new ResizeObserver(() => {
      const w = Math.max(300, container.clientWidth);
      if (Math.abs(w - this.plot.width) > 4) { this.plot.setSize({ width: w, height }); this._refetchSoon(); }
    });
    this.resizeObserver.observe(container);
  }

  async load() {
    const d = await this.fetchData(-Infinity, Infinity, this._buckets());
    if (d.x.length) this.full = [d.x[0], d.x[d.x.length - 1]];
    this._set(d, true);
  }

  _buckets() {
    return Math.max(100, Math.round(this.plot ? this.plot.bbox.width / devicePixelRatio : 800));
  }

  _set(d, resetScale) {
    this.settingData = true;
    this.plot.setData([d.x, ...d.y], resetScale);
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
    if (seq !== this.seq) return; // a newer request superseded this one
    this.settingData = true;
    this.plot.setData([d.x, ...d.y], false);
    this.plot.setScale('x', { min, max });
    this.settingData = false;
    this.container.dataset.points = String(d.x.length);
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

  destroy() {
    this.resizeObserver.disconnect();
    this.plot.destroy();
  }
}

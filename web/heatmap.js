// heatmap.js - a matrix as a heatmap: the values go into an ImageData of k x k pixels (one per
// cell, a perceptual colour ramp), which is drawn scaled up without smoothing; labels, values and
// a highlighted row/column (the suspect) are drawn on top. Returns the canvas.
import { cssVar } from './ui.js';

// viridis-like ramp (5 stops, linear between them)
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
export function ramp(t) {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x)), f = x - i;
  return STOPS[i].map((c, k) => Math.round(c + (STOPS[i + 1][k] - c) * f));
}

export function drawHeatmap(canvas, matrix, { labels = [], highlight = -1, cell = 56, title = '', digits = 3 } = {}) {
  const k = matrix.length;
  const pad = 110, titleLines = title ? String(title).split('\n') : [];
  const top = 8 + 15 * titleLines.length;
  const w = pad + k * cell + 70, h = top + k * cell + 8;
  canvas.width = w;
  canvas.height = h;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const g = canvas.getContext('2d');
  g.fillStyle = cssVar('--panel') || '#fff';
  g.fillRect(0, 0, w, h);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j && Number.isFinite(matrix[i][j])) { lo = Math.min(lo, matrix[i][j]); hi = Math.max(hi, matrix[i][j]); }
  if (!(hi > lo)) { lo = 0; hi = hi > 0 ? hi : 1; }
  // one pixel per cell
  const img = new ImageData(k, k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = matrix[i][j];
      const [r, gg, b] = Number.isFinite(v) ? ramp((v - lo) / (hi - lo)) : [128, 128, 128];
      const o = (i * k + j) * 4;
      img.data[o] = r; img.data[o + 1] = gg; img.data[o + 2] = b; img.data[o + 3] = 255;
    }
  }
  const off = document.createElement('canvas');
  off.width = k;
  off.height = k;
  off.getContext('2d').putImageData(img, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(off, pad, top, k * cell, k * cell);
  // labels and values
  const fg = cssVar('--fg') || '#222';
  g.font = '12px sans-serif';
  g.textBaseline = 'middle';
  titleLines.forEach((line, i) => { g.fillStyle = fg; g.textAlign = 'left'; g.fillText(line, 4, 10 + 15 * i); });
  for (let i = 0; i < k; i++) {
    g.fillStyle = i === highlight ? (cssVar('--alarm') || '#d62828') : fg;
    g.textAlign = 'right';
    g.fillText(String(labels[i] ?? i).slice(0, 16), pad - 6, top + i * cell + cell / 2);
    for (let j = 0; j < k; j++) {
      const v = matrix[i][j];
      const [r, gg, b] = Number.isFinite(v) ? ramp((v - lo) / (hi - lo)) : [128, 128, 128];
      g.fillStyle = 0.299 * r + 0.587 * gg + 0.114 * b > 140 ? '#111' : '#fff';
      g.textAlign = 'center';
      if (cell >= 40) g.fillText(Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '–', pad + j * cell + cell / 2, top + i * cell + cell / 2);
    }
  }
  if (highlight >= 0 && highlight < k) {
    g.strokeStyle = cssVar('--alarm') || '#d62828';
    g.lineWidth = 3;
    g.strokeRect(pad + 1.5, top + highlight * cell + 1.5, k * cell - 3, cell - 3);
    g.strokeRect(pad + highlight * cell + 1.5, top + 1.5, cell - 3, k * cell - 3);
  }
  // colour scale
  const sx = pad + k * cell + 14;
  for (let y = 0; y < k * cell; y++) {
    const [r, gg, b] = ramp(1 - y / (k * cell));
    g.fillStyle = `rgb(${r},${gg},${b})`;
    g.fillRect(sx, top + y, 12, 1);
  }
  g.fillStyle = fg;
  g.textAlign = 'left';
  g.font = '10px sans-serif';
  g.fillText(Number(hi.toPrecision(3)).toString(), sx + 15, top + 5);
  g.fillText(Number(lo.toPrecision(3)).toString(), sx + 15, top + k * cell - 5);
  canvas.dataset.cells = String(k * k);
  return canvas;
}

// ui.js - small DOM helpers. Everything that comes from a user's file is inserted as text
// (textContent / createTextNode), never as HTML.

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(e.style, v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export const $ = (sel, root = document) => root.querySelector(sel);

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function fmtNum(x, digits = 4) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function fmtBytes(n) {
  if (n === undefined || n === null) return '?';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return `${n < 10 && i ? n.toFixed(1) : Math.round(n)} ${u[i]}`;
}

export function fmtTime(unixSeconds) {
  if (!Number.isFinite(unixSeconds)) return '–';
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

// An error from the engine as "file:line:column: message".
export function fmtError(e) {
  if (!e) return 'unknown error';
  const where = [e.file, e.line, e.column].filter((x) => x !== undefined && x !== null && x !== '').join(':');
  return where ? `${where}: ${e.message}` : e.message || String(e);
}

// A palette that stays readable in both themes.
export const palette = ['#2f6fb3', '#d9822b', '#3a9b5c', '#c23b3b', '#8a5cc2', '#7a6a2e', '#d45fa6', '#5f7f8c', '#1aa3a3', '#a35a1a'];

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

// Saves a Blob as a file (an <a download> click; nothing leaves the browser).
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A table of rows ([{k: v}]) as CSV text (RFC 4180 quoting).
export function toCsv(rows, columns) {
  const cols = columns || [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const q = (v) => {
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.map(q).join(','), ...rows.map((r) => cols.map((c) => q(r[c])).join(','))].join('\n') + '\n';
}

// A labelled form control: kind 'number' | 'text' | 'select' | 'checkbox'.
export function field(label, input, help) {
  return el('label', { class: 'field', title: help || undefined }, el('span', { class: 'field-label', text: label }), input);
}

export function shortHash(h) {
  return h ? `${h.slice(0, 12)}…` : '';
}

// Colour of a CSS custom property of the current theme.
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// Canvas-safe text colour and band colours per theme.
export const bandColors = ['rgba(214,40,40,0.16)', 'rgba(230,150,20,0.18)', 'rgba(120,80,200,0.16)', 'rgba(40,140,90,0.16)'];

// build-single.mjs - the single-file build: one HTML file that opens from file:// (or any static
// host) with everything inside: the page's ES modules bundled into one inline module, styles
// inline, the engine (built with -sSINGLE_FILE=1, the .wasm embedded) and the worker as text that
// starts from a Blob URL, the examples embedded. A CSP allows only these inline pieces (by hash).
//   node scripts/build-single.mjs [out.html]
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] || path.join(root, 'build/single/anomaly-workbench.html'));
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');

// where an import specifier of the page points in the source tree
function resolve(from, spec) {
  const dir = path.dirname(from);
  const rel = path.normalize(path.join(dir, spec));
  if (rel === 'web/api.js') return 'wasm/api.js';
  if (rel === 'web/vendor/uPlot.esm.js') return 'node_modules/uplot/dist/uPlot.esm.js';
  return rel;
}

// One module as a function of the modules it imports: its imports become destructuring of
// earlier modules' export objects, its exports are collected into the object it returns.
function wrapModule(file, src, order, seen) {
  const exports = [];
  let body = src.replace(/^import\s+(?:(\w+)|\{([^}]*)\})\s+from\s+'([^']+)';?\s*$/gm, (m, def, names, spec) => {
    const dep = resolve(file, spec);
    visit(dep, order, seen);
    const ref = `__mods[${JSON.stringify(dep)}]`;
    if (def) return `const ${def} = ${ref}.default;`;
    const parts = names.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
      const [a, b] = s.split(/\s+as\s+/);
      return b ? `${a}: ${b}` : a;
    });
    return `const { ${parts.join(', ')} } = ${ref};`;
  });
  // (a vendored file is trusted to export only through its final export { ... }: its comments
  // may hold old "export function" lines)
  const vendored = file.startsWith('node_modules/');
  if (!vendored) body = body.replace(/^export\s+(async\s+function|function|class|const|let)\s+([\w$]+)/gm, (m, kw, name) => {
    exports.push(name);
    return `${kw} ${name}`;
  });
  body = body.replace(/^export\s+default\s+/gm, () => {
    exports.push('default: __default');
    return 'const __default = ';
  });
  body = body.replace(/^export\s*\{([^}]*)\};?\s*$/gm, (m, names) => {
    for (const s of names.split(',').map((x) => x.trim()).filter(Boolean)) {
      const [a, b] = s.split(/\s+as\s+/);
      exports.push(b ? `${b}: ${a}` : a);
    }
    return '';
  });
  if (!vendored && /^\s*(import|export)\s/m.test(body)) throw new Error(`${file}: an import/export form the bundler does not handle`);
  return `__mods[${JSON.stringify(file)}] = (() => {\n${body}\nreturn { ${exports.join(', ')} };\n})();\n`;
}

const modules = new Map();
function visit(file, order, seen) {
  if (seen.has(file)) return;
  seen.add(file);
  const code = wrapModule(file, read(file), order, seen);
  modules.set(file, code);
  order.push(file);
}
const order = [];
visit('web/app.js', order, new Set());
const pageJs = `const __mods = {};\n${order.map((f) => modules.get(f)).join('\n')}`;

// the worker: the engine module (wasm inside) and worker.js in one *classic* script (a page opened
// from file:// has an opaque origin, and Chromium starts module workers from its Blob URLs only
// as classic scripts): no import/export, no import.meta, no top-level await
const core = read('build/wasm-single/aw_core.mjs').replace(/^export default createAwCore;\s*$/m, '').replace(/import\.meta\.url/g, 'self.location.href');
if (/^export /m.test(core)) throw new Error('aw_core.mjs: unexpected exports');
const worker = read('wasm/worker.js').replace(/^import createAwCore from '\.\/aw_core\.mjs';\s*$/m, '').replace(/import\.meta\.url/g, 'self.location.href');
const workerJs = `${core}\n(async () => {\n${worker}\n})();\n`;

// examples, embedded (the synthesized ones are specs only; data files are small)
const examples = {};
const exDir = path.join(root, 'examples');
const list = [];
for (const f of fs.readdirSync(exDir).sort()) {
  if (!fs.statSync(path.join(exDir, f)).isFile()) continue; // (examples/eval/: specs for aw run over shared data)
  const buf = fs.readFileSync(path.join(exDir, f));
  if (buf.length > 2 << 20) continue;
  examples[f] = buf.toString('base64');
  if (f.endsWith('.json')) {
    const s = JSON.parse(buf.toString('utf8'));
    list.push({ file: f, title: s.title || f, description: s.description || '' });
  }
}
examples['index.json'] = Buffer.from(JSON.stringify(list)).toString('base64');

const boot = `window.AW_SINGLE = true;
window.AW_EXAMPLES = ${JSON.stringify(examples)};
window.AW_WORKER_TYPE = 'classic';
window.AW_WORKER_URL = URL.createObjectURL(new Blob([document.getElementById('aw-worker-src').textContent], { type: 'text/javascript' }));
`;
const moduleJs = `${boot}\n${pageJs}`;
const css = `${read('node_modules/uplot/dist/uPlot.min.css')}\n${read('web/style.css')}`;
const noClose = (s) => s.replace(/<\/(script|style)/gi, '<\\/$1');
const hash = (s) => `'sha256-${crypto.createHash('sha256').update(s, 'utf8').digest('base64')}'`;
const csp = [
  "default-src 'none'",
  `script-src ${hash(noClose(moduleJs))} 'wasm-unsafe-eval' blob:`,
  'worker-src blob:',
  `style-src ${hash(css)}`,
  'img-src data: blob:',
  'connect-src data: blob:',
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

let html = read('web/index.html');
// (function replacements: the code holds "$&" and "$'", which a replacement string would expand)
html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, () => `<meta http-equiv="Content-Security-Policy" content="${csp}">`);
html = html.replace(/<link rel="stylesheet"[^>]*>\n?/g, '');
html = html.replace('</head>', () => `<style>${css}</style>\n</head>`);
html = html.replace('<script type="module" src="app.js"></script>', () =>
  `<script type="text/plain" id="aw-worker-src">${noClose(workerJs)}</script>\n<script type="module">${noClose(moduleJs)}</script>`);
if (html.includes('src="app.js"')) throw new Error('index.html: the app script tag was not replaced');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, html);
console.log(`single: ${(html.length / 1e6).toFixed(2)} MB in ${path.relative(root, out)}`);

#!/usr/bin/env bash
# Assembles the static site in build/web/: the page (web/), the worker and API (wasm/), the
# Emscripten module (build/wasm/), uPlot from node_modules (not committed), and the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/web
rm -rf "$out.tmp"
mkdir -p "$out.tmp/vendor" "$out.tmp/examples"
cp -r web/. "$out.tmp/"
cp wasm/worker.js wasm/api.js "$out.tmp/"
cp build/wasm/aw_core.mjs build/wasm/aw_core.wasm "$out.tmp/"
cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css "$out.tmp/vendor/"
cp node_modules/uplot/LICENSE "$out.tmp/vendor/uPlot.LICENSE" 2>/dev/null || true
if compgen -G "examples/*" >/dev/null; then cp -r examples/. "$out.tmp/examples/"; fi
# an index of the examples for the page's "Load example" menu
node -e '
  const fs = require("fs");
  const dir = process.argv[1];
  const list = fs.readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "index.json").sort().map((f) => {
    const s = JSON.parse(fs.readFileSync(dir + "/" + f, "utf8"));
    return { file: f, title: s.title || f, description: s.description || "" };
  });
  fs.writeFileSync(dir + "/index.json", JSON.stringify(list, null, 1));
' "$out.tmp/examples"
# the offline cache list of the service worker (sw.js), with a version that changes with the files
node -e '
  const fs = require("fs"), path = require("path"), crypto = require("crypto");
  const dir = process.argv[1];
  const files = [];
  const walk = (d) => { for (const f of fs.readdirSync(d).sort()) { const p = path.join(d, f); if (fs.statSync(p).isDirectory()) walk(p); else files.push(path.relative(dir, p)); } };
  walk(dir);
  const list = files.filter((f) => f !== "sw.js" && f !== "precache.json" && !f.endsWith(".LICENSE"));
  const h = crypto.createHash("sha256");
  for (const f of list) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  fs.writeFileSync(path.join(dir, "precache.json"), JSON.stringify({ version: h.digest("hex").slice(0, 16), files: ["./", ...list] }, null, 1));
' "$out.tmp"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "web: $(du -sh "$out" | cut -f1) in $out"

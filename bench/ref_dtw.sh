#!/usr/bin/env bash
# Reference DTW tools for bench_dtw.c.
#  - Grafana augurs (npm @bsull/augurs, Rust -> WASM), installed into build/bench-ref (never into
#    the project's package.json) and timed under Node in this run: REF lines.
#  - dtaidistance cannot be installed here (PyPI is unreachable): its numbers on this machine are
#    QUOTED from the issue (C core natively 2.1-2.35e8 cells/s, quoted at the top of the range;
#    3.3e8 cells/s compiled to WASM under Node; the 64 x 1,000 replica matrix in 9.25 s unpruned,
#    5.1 s with its pruning, 1.77 s with a window of 100). They pair with bench_dtw's *_dtai names.
set -uo pipefail
cd "$(dirname "$0")/.."
AUG=build/bench-ref/node_modules/@bsull/augurs
if [ ! -f "$AUG/dtw.js" ]; then
  mkdir -p build/bench-ref
  npm install --prefix build/bench-ref --no-audit --no-fund @bsull/augurs >/dev/null 2>&1 ||
    echo "(could not install @bsull/augurs from the npm registry: no augurs reference)"
fi
if [ -f "$AUG/dtw.js" ]; then
  echo "augurs $(node -p "require('./$AUG/package.json').version") under node $(node --version)"
  node bench/ref_dtw_augurs.mjs "$AUG"
fi
echo "QUOTED dtw_cells_1000_dtai 2.35e8 cells/s higher"
echo "QUOTED dtw_cells_10000_dtai 2.35e8 cells/s higher"
echo "QUOTED dtw_matrix_64x1000_unpruned_dtai 9.25 s lower"
echo "QUOTED dtw_matrix_64x1000_pruned_dtai 5.1 s lower"
echo "QUOTED dtw_matrix_64x1000_window100_dtai 1.77 s lower"
# dtaidistance compiled to WASM (quoted 3.3e8 cells/s): the ratio table compares native results
# only, so compare our WASM throughput here when bench/run.sh has recorded it.
res=build/bench-tmp/results.txt
if [ -f "$res" ]; then
  awk '$1 == "wasm" && ($2 == "dtw_cells_1000" || $2 == "dtw_cells_10000") {
    printf "ours in WASM %s: %.3g cells/s = %.2fx dtaidistance in WASM (quoted 3.3e8)\n", $2, $3, $3 / 3.3e8 }' "$res"
fi

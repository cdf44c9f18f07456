#!/usr/bin/env bash
# Runs every benchmark natively and in WASM under Node, then every reference script, and prints
# the ratios: WASM/native per result, and ours/reference for results a reference also reports.
# Usage: bench/run.sh [FILTER]   (FILTER: substring of bench names to run, e.g. "csv")
# BENCH_REPEAT=N runs each native/WASM pair N times, alternating, and keeps each result's best
# (on a shared machine a whole process can land in a slow spell; default 1).
set -uo pipefail
cd "$(dirname "$0")/.."
filter=${1:-}
repeat=${BENCH_REPEAT:-1}
mkdir -p build/bench-tmp
out=build/bench-tmp/results.txt
: > "$out"
run() { # flavour cmd...
  local flav=$1; shift
  "$@" 2>&1 | while IFS= read -r line; do
    case "$line" in
      BENCH\ *) echo "$flav ${line#BENCH }" >> "$out"; echo "  [$flav] ${line#BENCH }";;
      REF\ *) echo "ref ${line#REF }" >> "$out"; echo "  [ref] ${line#REF }";;
      QUOTED\ *) echo "ref ${line#QUOTED }" >> "$out"; echo "quoted ${line#QUOTED }" >> "$out"; echo "  [quoted, not measured here] ${line#QUOTED }";;
      *) echo "  $line";;
    esac
  done
}
for src in bench/bench_*.c; do
  name=$(basename "$src" .c)
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
  for ((rep = 1; rep <= repeat; rep++)); do
    echo "== $name (native)"
    run native "build/native/bench/$name"
    echo "== $name (wasm, node $(node --version))"
    run wasm node "build/wasm/bench/$name.cjs"
  done
done
for js in bench/bench_*.mjs; do
  [ -e "$js" ] || continue
  name=$(basename "$js" .mjs)
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
  echo "== $name (browser)"
  run wasm node "$js"
done
for ref in bench/ref_*.sh; do
  [ -e "$ref" ] || continue
  name=$(basename "$ref" .sh)
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
  echo "== $name (reference tool)"
  run ref bash "$ref"
done
echo
echo "== ratios"
awk '
  { flav=$1; name=$2; unit[name]=$4; better[name]=$5; names[name]=1
    # the best of repeated runs
    if (!((flav, name) in val) || ($5 == "higher" ? $3 + 0 > val[flav, name] + 0 : $3 + 0 < val[flav, name] + 0)) val[flav, name]=$3 }
  END {
    printf "%-44s %14s %14s %14s %10s %12s\n", "result", "native", "wasm", "reference", "wasm/nat", "nat vs ref"
    n = 0; for (k in names) sorted[++n] = k
    for (i = 2; i <= n; i++) { v = sorted[i]; for (j = i - 1; j > 0 && sorted[j] > v; j--) sorted[j + 1] = sorted[j]; sorted[j + 1] = v }
    for (i = 1; i <= n; i++) {
      k = sorted[i]; nv = val["native", k]; wv = val["wasm", k]; rv = val["ref", k]
      r1 = (nv != "" && wv != "" && nv+0 != 0) ? ((better[k] == "higher") ? nv / wv : wv / nv) : ""
      r2 = (nv != "" && rv != "" && rv+0 != 0 && nv+0 != 0) ? ((better[k] == "higher") ? nv / rv : rv / nv) : ""
      if (val["quoted", k] != "") rv = rv "*"
      printf "%-44s %14s %14s %14s %10s %12s  %s\n", k, nv, wv, rv, (r1 == "" ? "-" : sprintf("%.2fx", r1)), (r2 == "" ? "-" : sprintf("%.2fx", r2)), unit[k]
    }
    print ""
    print "wasm/nat: how many times slower WASM is than native (1.00x = same speed)."
    print "nat vs ref: how many times faster native is than the reference tool (>1 = faster)."
    print "* reference value quoted from the issue (the tool cannot be installed here), not measured in this run."
  }' "$out"

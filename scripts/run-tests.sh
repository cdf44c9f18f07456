#!/usr/bin/env bash
# Runs the test suites: c (native + ASan/UBSan), wasm (C runners under Node, Node tests of the
# worker protocol and native/WASM identity), scripts (CLI end to end, scikit-learn), browser (playwright-core + Debian chromium), fuzz
# (libFuzzer, bounded time). Usage: scripts/run-tests.sh [c|wasm|scripts|browser|fuzz ...]
# Each suite prints "N passed, N failed"; the last line sums them. Exit status 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(c wasm scripts browser fuzz)
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
# the reference data: $AW_DATA, else ../shared/data beside the project, else /work/shared/data
if [ -z "${AW_DATA:-}" ]; then
  AW_DATA=$(cd .. && pwd)/shared/data
  [ -d "$AW_DATA" ] || AW_DATA=/work/shared/data
fi
export AW_DATA
export NODE_PATH=/usr/share/nodejs
mkdir -p build/test-artifacts
total_pass=0; total_fail=0
# Runs one runner; adds its "N passed, N failed" to the totals (a runner that crashes before
# printing it counts as one failure).
runone() { # label cmd...
  local label=$1; shift
  local log; log=$(mktemp)
  "$@" > "$log" 2>&1
  local rc=$?
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  local p=0 f=0
  if [ -n "$line" ]; then p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}; fi
  if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
  if [ "$f" != 0 ] || [ $rc -ne 0 ]; then
    echo "---- $label (exit $rc)"; tail -40 "$log"
  fi
  printf '  %-46s %s passed, %s failed\n' "$label" "$p" "$f"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  rm -f "$log"
}
suite_end() { echo "$1: $2 passed, $3 failed"; }

for s in "${suites[@]}"; do
  p0=$total_pass; f0=$total_fail
  case "$s" in
    c)
      echo "== C unit tests (native, then ASan+UBSan)"
      for t in build/native/tests/test_*; do [ -x "$t" ] && runone "native/$(basename "$t")" "$t"; done
      for t in build/asan/tests/test_*; do
        [ -x "$t" ] && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
          runone "asan/$(basename "$t")" "$t"
      done;;
    wasm)
      echo "== WASM tests under Node"
      for t in build/wasm/tests/test_*.cjs; do [ -f "$t" ] && runone "wasm/$(basename "$t" .cjs)" node "$t"; done
      for t in tests/wasm/*.test.mjs; do [ -f "$t" ] && runone "node/$(basename "$t" .test.mjs)" node "$t"; done;;
    scripts)
      echo "== script tests (CLI end to end, scikit-learn comparison)"
      for t in tests/cli/run.sh tests/sklearn/run.sh; do [ -f "$t" ] && runone "$t" bash "$t"; done;;
    browser)
      echo "== browser tests (chromium via playwright-core)"
      for t in tests/browser/*.test.mjs; do [ -f "$t" ] && runone "browser/$(basename "$t" .test.mjs)" node "$t"; done;;
    fuzz)
      echo "== fuzzers (${FUZZ_SECONDS}s each)"
      for fz in build/fuzz/fuzz_*; do
        [ -x "$fz" ] || continue
        name=$(basename "$fz")
        work=build/fuzz/work-$name; rm -rf "$work"; mkdir -p "$work"
        [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
        runone "fuzz/$name" bash -c "'$fz' -max_total_time=$FUZZ_SECONDS -rss_limit_mb=2048 -artifact_prefix=build/fuzz/ '$work' && echo '1 passed, 0 failed'"
      done;;
    *) echo "unknown suite $s"; exit 2;;
  esac
  suite_end "$s" $((total_pass - p0)) $((total_fail - f0))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]

#!/usr/bin/env bash
# End-to-end CLI checks (Debian's /usr/bin/python3 drives build/native/aw; needs make native).
# Prints "N passed, N failed" (scripts/run-tests.sh protocol).
set -uo pipefail
cd "$(dirname "$0")/../.."
p=0; f=0
for t in tests/cli/test_*.py; do
  out=$(/usr/bin/python3 "$t" build/native/aw build/test-artifacts/cli 2>&1)
  echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  if [ -z "$line" ]; then f=$((f + 1)); continue; fi
  p=$((p + ${line%% passed*})); x=${line#*, }; f=$((f + ${x%% failed*}))
done
echo "$p passed, $f failed"
[ "$f" = 0 ]

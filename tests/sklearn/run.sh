#!/usr/bin/env bash
# Classification against scikit-learn (Debian's python3-sklearn, run with /usr/bin/python3): macro
# F1 of each of aw's four classifiers within 0.02 of scikit-learn's on the same split. Needs
# build/native/aw (make native). Prints "N passed, N failed" (scripts/run-tests.sh protocol).
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
  echo "python3-sklearn is not installed (apt-get install -y python3-sklearn)"
  echo "0 passed, 1 failed"
  exit 1
fi
exec /usr/bin/python3 tests/sklearn/compare_classify.py build/native/aw build/test-artifacts/sklearn "$@"

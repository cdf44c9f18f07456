#!/usr/bin/env bash
# PyTorch reference for bench_dam (Debian's python3-torch, CPU, one thread). If torch is not
# installed, prints the issue's quoted number instead (marked QUOTED, not measured here).
cd "$(dirname "$0")/.."
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  exec /usr/bin/python3 bench/ref_dam.py "$@"
else
  echo "ref_dam: python3-torch is not installed (apt-get install -y python3-torch); quoting the issue" >&2
  echo "QUOTED dam_epoch_seconds 8.3 s lower"
  echo "QUOTED dam_epoch_cpu_seconds 8.3 s lower"
fi

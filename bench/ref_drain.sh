#!/usr/bin/env bash
# Reference numbers for bench_drain: IBM's Drain3 (Python). Drain3 cannot be installed here (PyPI
# is unreachable), so these are the figures quoted in the project's issue #4 for "this kind of
# machine", in CPU time, single thread - printed as QUOTED, not measured in this run:
#   HDFS_2k repeated to 1M lines (144 MB) with its Loghub settings: about 125,000 lines/s (18 MB/s)
#   the 16 Loghub-2k samples concatenated as raw lines:              about 37,000 lines/s
echo "QUOTED drain_hdfs_1m_lines_per_s 125000 lines/s higher"
echo "QUOTED drain_hdfs_1m_mb_per_s 18 MB/s higher"
echo "QUOTED drain_loghub16_lines_per_s 37000 lines/s higher"

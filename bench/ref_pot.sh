#!/usr/bin/env bash
# ref_pot.sh - the reference for bench_pot: libspot 2.0b4 (asiffer/libspot, C), SPOT on 10M N(0,1)
# points with n_init 2000, q 1e-3, level 0.98, max_excess 500. libspot cannot be installed on this
# machine (no network registry carries it), so its throughput is QUOTED from issue 5 ("libspot does
# about 600,000 points/s here (CPU time)"), not measured in this run. Same result name as
# bench/bench_pot.c so bench/run.sh pairs them.
echo "QUOTED spot_points_per_s 600000 points/s higher"

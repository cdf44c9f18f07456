/* bench.h - helpers for benchmarks. Each bench/bench_<x>.c is compiled natively
 * (build/native/bench/bench_<x>) and to WASM for Node (build/wasm/bench/bench_<x>.cjs); bench/run.sh
 * runs both and prints, for every result name reported by both, the WASM/native ratio, and for
 * every name that a reference script (bench/ref_<x>.sh, printing REF lines) also reports, the
 * ratio to the reference tool measured in the same run.
 *
 * Output protocol (one line per result, parsed by bench/run.sh):
 *   BENCH <name> <value> <unit> [higher|lower]     higher = bigger is better (throughput)
 * Benchmarks are started from the project root; reference data is under $AW_DATA
 * (default ../shared/data); scratch files go to build/bench-tmp/.
 */
#ifndef AW_BENCH_H
#define AW_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Wall-clock seconds (monotonic). Benchmarks are single-threaded, so on an idle machine this is
 * the CPU time; it is also what Node can measure for the WASM build. */
static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reports a result; better = "higher" (throughput) or "lower" (time, memory). */
static inline void bench_report(const char *name, double value, const char *unit, const char *better) {
  printf("BENCH %s %.6g %s %s\n", name, value, unit, better);
  fflush(stdout);
}

/* Build flavour, for messages. */
#ifdef __EMSCRIPTEN__
#define BENCH_FLAVOUR "wasm"
#else
#define BENCH_FLAVOUR "native"
#endif

static inline const char *bench_data(const char *rel) {
  static char buf[4096];
  const char *root = getenv("AW_DATA");
  snprintf(buf, sizeof buf, "%s/%s", root && *root ? root : "../shared/data", rel);
  return buf;
}

#endif

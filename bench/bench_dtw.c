/* bench_dtw.c - DTW throughput (cells/s) on random walks of 1,000 and 10,000 points without a
 * window, the 64 x 1,000 pairwise matrix of replica-like series (unpruned, pruned, window 100),
 * and the warping path of two 10,000-point series in linear memory (Hirschberg).
 *
 * Result names pair with bench/ref_dtw.sh (augurs measured under Node in the same run; the
 * dtaidistance numbers quoted from the issue carry a _dtai suffix). The replica series are written
 * to build/bench-tmp/dtw_replicas.f64 (64 x 1,000 little-endian doubles) so the reference times
 * the same data. */
#include <stdint.h>
#include <string.h>

#include "aw/dtw.h"
#include "aw/rng.h"
#include "aw/math.h"
#include "bench.h"

static void random_walk(aw_rng *r, double *x, size_t n) {
  double v = 0;
  for (size_t i = 0; i < n; i++) {
    v += aw_rng_normal(r);
    x[i] = v;
  }
}

/* One base signal (two seasonal components and a slow random walk), each replica a copy lagged by
 * 0-3 points with N(0, 0.1^2) noise; replica 17 is the odd one (a level shift and doubled noise
 * from point 600). */
static void replicas(double *data, size_t k, size_t len) {
  aw_rng r;
  aw_rng_seed(&r, 99);
  size_t pad = 8;
  double *base = malloc((len + pad) * sizeof *base);
  double walk = 0;
  for (size_t i = 0; i < len + pad; i++) {
    walk += 0.05 * aw_rng_normal(&r);
    base[i] = aw_sin(AW_TWO_PI * (double)i / 50.0) + 0.5 * aw_sin(AW_TWO_PI * (double)i / 130.0) + walk;
  }
  for (size_t s = 0; s < k; s++) {
    size_t lag = (size_t)aw_rng_below(&r, 4);
    for (size_t i = 0; i < len; i++) {
      double v = base[i + pad - lag] + 0.1 * aw_rng_normal(&r);
      if (s == 17 && i >= 600) v += 1.0 + 0.1 * aw_rng_normal(&r);
      data[s * len + i] = v;
    }
  }
  free(base);
}

static double time_pair(const double *x, const double *y, size_t n, int min_reps, double min_s, double *out) {
  aw_dtw_opts o;
  aw_dtw_opts_default(&o);
  aw_error err;
  int reps = 0;
  double t0 = bench_now(), t;
  do {
    if (aw_dtw_distance(x, n, y, n, &o, out, &err)) {
      fprintf(stderr, "dtw failed: %s\n", err.message);
      exit(1);
    }
    reps++;
    t = bench_now() - t0;
  } while (reps < min_reps || t < min_s);
  return (double)n * (double)n * reps / t;
}

int main(void) {
  aw_rng r;
  aw_rng_seed(&r, 1);
  double d;
  /* cells per second, no window */
  double *x = malloc(10000 * sizeof *x), *y = malloc(10000 * sizeof *y);
  random_walk(&r, x, 1000);
  random_walk(&r, y, 1000);
  double c1 = time_pair(x, y, 1000, 20, 0.5, &d);
  bench_report("dtw_cells_1000", c1, "cells/s", "higher");
  bench_report("dtw_cells_1000_dtai", c1, "cells/s", "higher");
  random_walk(&r, x, 10000);
  random_walk(&r, y, 10000);
  double c2 = time_pair(x, y, 10000, 2, 0.5, &d);
  bench_report("dtw_cells_10000", c2, "cells/s", "higher");
  bench_report("dtw_cells_10000_dtai", c2, "cells/s", "higher");

  /* the replica matrix */
  enum { K = 64, LEN = 1000 };
  double *data = malloc((size_t)K * LEN * sizeof *data);
  replicas(data, K, LEN);
  system("mkdir -p build/bench-tmp");
  FILE *f = fopen("build/bench-tmp/dtw_replicas.f64", "wb");
  if (f) {
    fwrite(data, sizeof *data, (size_t)K * LEN, f);
    fclose(f);
  }
  size_t lens[K];
  for (size_t s = 0; s < K; s++) lens[s] = LEN;
  double *M = malloc((size_t)K * K * sizeof *M), *P = malloc((size_t)K * K * sizeof *P);
  double *W = malloc((size_t)K * K * sizeof *W);
  const char *names[3] = {"dtw_matrix_64x1000_unpruned", "dtw_matrix_64x1000_pruned", "dtw_matrix_64x1000_window100"};
  for (int v = 0; v < 3; v++) {
    aw_dtw_opts o;
    aw_dtw_opts_default(&o);
    o.prune = v == 1;
    if (v == 2) o.window = 100;
    aw_dtw_stats st = {0};
    aw_error err;
    double t0 = bench_now();
    if (aw_dtw_matrix(data, lens, K, 1, &o, v == 0 ? M : v == 1 ? P : W, &st, NULL, &err)) {
      fprintf(stderr, "matrix failed: %s\n", err.message);
      return 1;
    }
    double t = bench_now() - t0;
    char nm[96];
    bench_report(names[v], t, "s", "lower");
    snprintf(nm, sizeof nm, "%s_dtai", names[v]);
    bench_report(nm, t, "s", "lower");
    printf("  %s: %.3g cells evaluated (%.1f%% of the full matrices), %.3g cells/s\n", names[v], (double)st.cells,
           100.0 * (double)st.cells / (K * (K - 1) / 2 * (double)LEN * LEN), (double)st.cells / t);
  }
  /* pruning is exact: the same bits as unpruned */
  printf("  pruned matrix identical to unpruned: %s\n", memcmp(M, P, (size_t)K * K * sizeof *M) == 0 ? "yes" : "NO");
  double rowsum[K];
  size_t best = 0;
  for (size_t a = 0; a < K; a++) {
    rowsum[a] = 0;
    for (size_t b = 0; b < K; b++) rowsum[a] += P[a * K + b];
    if (rowsum[a] > rowsum[best]) best = a;
  }
  printf("  odd replica by row sum: %zu (planted: 17)\n", best);

  /* warping path of two 10,000-point series (Hirschberg: 2 rows of 10,001 doubles + the path,
   * instead of the 800 MB full matrix) */
  {
    aw_dtw_opts o;
    aw_dtw_opts_default(&o);
    aw_dtw_path p = {0};
    aw_error err;
    double t0 = bench_now();
    if (aw_dtw_warping_path(x, 10000, y, 10000, 1, &o, &d, &p, &err)) {
      fprintf(stderr, "path failed: %s\n", err.message);
      return 1;
    }
    double t = bench_now() - t0;
    double c;
    aw_dtw_path_cost(x, 10000, y, 10000, 1, o.cost, &p, &c, &err);
    bench_report("dtw_path_10000", t, "s", "lower");
    printf("  path of %zu steps, cost %.17g vs distance %.17g (rel diff %.2g)\n", p.len, c, d, (c - d) / d);
    aw_dtw_path_free(&p);
  }
  free(x);
  free(y);
  free(data);
  free(M);
  free(P);
  free(W);
  return 0;
}

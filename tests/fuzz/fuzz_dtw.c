/* fuzz_dtw.c - libFuzzer target for the DTW core and the replica diagnosis.
 *
 * The first bytes choose the options (window, cost, z-normalisation, PAA, NaN skipping, bound,
 * dimensions, lengths); the rest are the series, read as doubles (so NaN, infinities, huge and
 * denormal values all occur). Properties checked besides memory safety:
 *  - a successful distance equals a plain O(n m) full-matrix reference, bit for bit (no
 *    preprocessing) and the pruned run equals the unpruned one;
 *  - LB_Kim and LB_Keogh never exceed the distance;
 *  - the warping path (full matrix and Hirschberg) is a valid path whose cost matches;
 *  - early abandoning returns +inf exactly when the distance exceeds the bound;
 *  - aw_diagnose on the same bytes (as k replicas) either fails cleanly or returns a suspect in
 *    range and a margin in [0, 1]. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/diagnose.h"
#include "aw/dtw.h"
#include "../c/dtw_ref.h"

#define CHECK(c)                                                      \
  do {                                                                \
    if (!(c)) {                                                       \
      fprintf(stderr, "fuzz_dtw: check failed (line %d): %s\n", __LINE__, #c); \
      __builtin_trap();                                               \
    }                                                                 \
  } while (0)

static int same(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8) return 0;
  aw_dtw_opts o;
  aw_dtw_opts_default(&o);
  uint8_t b0 = data[0], b1 = data[1], b2 = data[2];
  o.window = (b0 & 0x80) ? AW_DTW_NO_WINDOW : (size_t)(b0 & 0x3f);
  o.cost = (aw_dtw_cost)(b1 % 3);
  o.znorm = (b1 >> 2) & 1;
  o.paa = (b1 >> 3) & 3;
  o.skip_nan = (b1 >> 5) & 1;
  int small_ints = (b1 >> 6) & 1; /* values from single bytes: many ties, exact arithmetic */
  size_t dims = 1 + (b2 & 3);
  o.multi = (b2 >> 2) & 1 ? AW_DTW_INDEPENDENT : AW_DTW_DEPENDENT;
  size_t split = data[3];
  const uint8_t *p = data + 8;
  size_t rest = size - 8;
  size_t per = small_ints ? 1 : 8;
  size_t npts = rest / per / dims;
  if (npts < 2) return 0;
  if (npts > 96) npts = 96;
  size_t n = 1 + split % (npts - 1), m = npts - n;
  double *v = malloc(npts * dims * sizeof *v);
  for (size_t k = 0; k < npts * dims; k++) {
    if (small_ints) v[k] = (double)(int8_t)p[k];
    else memcpy(&v[k], p + 8 * k, 8);
  }
  const double *x = v, *y = v + n * dims;
  aw_error err;
  double d = 0;
  aw_status st = aw_dtw_distance_md(x, n, y, m, dims, &o, &d, NULL, &err);
  if (st == AW_OK) {
    CHECK(!isnan(d) && d >= 0);
    int plain = !o.znorm && o.paa <= 1 && !o.skip_nan;
    if (plain && (dims == 1 || o.multi == AW_DTW_DEPENDENT)) {
      double acc = ref_acc(x, n, y, m, dims, o.window == AW_DTW_NO_WINDOW ? -1 : (long)o.window, o.cost == AW_DTW_ABSOLUTE);
      CHECK(same(d, o.cost == AW_DTW_SQUARED ? sqrt(acc) : acc));
    }
    aw_dtw_opts q = o;
    q.prune = 1;
    double dp;
    CHECK(aw_dtw_distance_md(x, n, y, m, dims, &q, &dp, NULL, &err) == AW_OK);
    CHECK(same(dp, d));
    /* early abandoning at a bound from the bytes */
    q.prune = data[4] & 1;
    q.max_dist = d * (double)data[5] / 128.0;
    double da;
    CHECK(aw_dtw_distance_md(x, n, y, m, dims, &q, &da, NULL, &err) == AW_OK);
    if (d > q.max_dist) CHECK(isinf(da));
    else CHECK(same(da, d));
    if (dims == 1) {
      double lk, lg;
      CHECK(aw_dtw_lb_kim(x, n, y, m, &o, &lk, &err) == AW_OK);
      CHECK(aw_dtw_lb_keogh(x, n, y, m, &o, &lg, &err) == AW_OK);
      CHECK(lk <= d && lg <= d);
    }
    if (dims == 1 || o.multi == AW_DTW_DEPENDENT) {
      for (int h = 0; h < 2; h++) {
        aw_dtw_opts po = o;
        po.path_full_cells = h ? 1 + data[6] % 64 : 0;
        aw_dtw_path path = {0};
        double dd;
        CHECK(aw_dtw_warping_path(x, n, y, m, dims, &po, &dd, &path, &err) == AW_OK);
        CHECK(same(dd, d));
        CHECK(path.len >= 1);
        /* with NaN skipping the indices are original positions (steps may jump over NaN points);
         * with PAA they are segments */
        for (size_t t = 1; t < path.len; t++) {
          CHECK(path.i[t] >= path.i[t - 1] && path.j[t] >= path.j[t - 1]);
          CHECK(path.i[t] + path.j[t] > path.i[t - 1] + path.j[t - 1]);
          if (!o.skip_nan) CHECK(path.i[t] - path.i[t - 1] <= 1 && path.j[t] - path.j[t - 1] <= 1);
        }
        if (plain) {
          CHECK(path.i[0] == 0 && path.j[0] == 0);
          CHECK(path.i[path.len - 1] == n - 1 && path.j[path.len - 1] == m - 1);
          double c;
          CHECK(aw_dtw_path_cost(x, n, y, m, dims, o.cost, &path, &c, &err) == AW_OK);
          if (!h) CHECK(same(c, d));
          else CHECK(fabs(c - d) <= 1e-9 * (d > 1 ? d : 1));
        }
        aw_dtw_path_free(&path);
      }
    }
  } else {
    CHECK(err.message[0] != '\0');
  }
  /* the same values as k replicas x dims metrics x T points */
  size_t k = 2 + data[7] % 4, T = npts * dims / (k * dims);
  if (T >= 1) {
    aw_diag_opts dg;
    aw_diag_opts_default(&dg);
    dg.window = 1 + data[4] % (T + 2); /* sometimes longer than the data */
    dg.mode = (aw_diag_mode)(data[5] % 3);
    dg.scale = (aw_diag_scale)((data[5] / 3) % 3);
    dg.dtw.skip_nan = o.skip_nan;
    dg.baseline = data[6] & 1 ? AW_DIAG_BASELINE_AUTO : (size_t)(data[6] >> 1) % (T + 1);
    aw_diag_result r;
    if (aw_diagnose(v, k, dims, T, &dg, &r, NULL, &err) == AW_OK) {
      CHECK(r.suspect >= -1 && r.suspect < (long)k && r.top >= 0 && r.top < (long)k);
      CHECK(r.margin >= 0 && r.margin <= 1);
      aw_diag_result_free(&r);
    } else {
      CHECK(err.message[0] != '\0');
    }
  }
  free(v);
  return 0;
}

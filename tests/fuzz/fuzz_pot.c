/* fuzz_pot.c - libFuzzer target for the GPD fit, batch POT, SPOT / DSPOT / biSPOT and DAM's q
 * sweep on arbitrary numeric streams. Input: 8 parameter bytes, then the values, either raw
 * little-endian doubles (NaN, inf, denormals, huge values) or int16 samples scaled by a factor from
 * the parameters (realistic streams with ties). Properties checked besides memory safety:
 *  - a fit that succeeds has sigma > 0, finite gamma and log-likelihood, and is at least as likely
 *    as the exponential and moments candidates;
 *  - a run that succeeds never yields a NaN threshold, and every streamed alarm is beyond the
 *    threshold it was compared with (and every non-alarm is not);
 *  - a failing call reports an error code and a message. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/pot.h"

static void check(int cond, const char *what) {
  if (!cond) {
    fprintf(stderr, "fuzz_pot: property violated: %s\n", what);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8) return 0;
  const uint8_t *pb = data;
  data += 8;
  size -= 8;
  int raw = pb[0] & 1;
  size_t n;
  double *x;
  if (raw) {
    n = size / 8;
    if (n > 2000) n = 2000;
    x = (double *)malloc((n ? n : 1) * sizeof(double));
    if (!x) return 0;
    for (size_t i = 0; i < n; i++) memcpy(&x[i], data + 8 * i, 8);
  } else {
    n = size / 2;
    if (n > 4000) n = 4000;
    x = (double *)malloc((n ? n : 1) * sizeof(double));
    if (!x) return 0;
    double scale = ldexp(1.0, (int)(pb[7] % 64) - 32);
    for (size_t i = 0; i < n; i++) {
      int16_t v;
      memcpy(&v, data + 2 * i, 2);
      x[i] = (double)v * scale;
    }
  }
  aw_pot_params p;
  aw_pot_params_default(&p);
  static const double levels[4] = {0.98, 0.9, 0.95, 0.7};
  static const double qs[4] = {1e-3, 1e-4, 1e-2, 5e-2};
  p.level = levels[(pb[0] >> 1) & 3];
  p.q = qs[(pb[0] >> 3) & 3];
  p.both = (pb[0] >> 5) & 1;
  p.keep_alarms = (pb[0] >> 6) & 1;
  p.n_init = (size_t)pb[1] * 8 + 3;
  p.drift = pb[2] % 4 == 0 ? 0 : (size_t)(pb[2] % 64);
  p.max_excess = pb[3] % 8 == 0 ? 0 : (size_t)(pb[3] % 200) + 3; /* mostly bounded: keeps runs fast */
  p.full_fit_every = (size_t)(pb[4] % 8);
  p.min_peaks = (size_t)(pb[5] % 16);
  /* strict mode refits fully at every excess: keep its tail small so a run stays fast */
  if (p.full_fit_every == 1 && (p.max_excess == 0 || p.max_excess > 64)) p.max_excess = 64;
  aw_error err;

  /* the fit on the absolute values */
  {
    double *y = (double *)malloc((n ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) y[i] = fabs(x[i]);
    aw_gpd_fit f;
    aw_status st = aw_gpd_fit_peaks(y, n, p.min_peaks, &f, &err);
    if (st == AW_OK) {
      check(f.sigma > 0 && isfinite(f.sigma) && isfinite(f.gamma), "fit parameters finite");
      check(isfinite(f.loglik), "fit log-likelihood finite");
      double mean = 0, var = 0;
      for (size_t i = 0; i < n; i++) mean += y[i];
      mean /= (double)n;
      double le = aw_gpd_loglik(y, n, 0.0, mean);
      check(!(le > f.loglik + 1e-9 * (1 + fabs(f.loglik))), "fit at least as likely as gamma = 0");
      for (size_t i = 0; i < n; i++) var += (y[i] - mean) * (y[i] - mean);
      var /= (double)n;
      if (var > 0 && isfinite(var)) {
        double r = mean * mean / var;
        double lm = aw_gpd_loglik(y, n, 0.5 * (1 - r), 0.5 * mean * (1 + r));
        check(!(lm > f.loglik + 1e-9 * (1 + fabs(f.loglik))), "fit at least as likely as the moments");
      }
    } else {
      check(err.code == st && err.message[0] != '\0', "fit error reported");
    }
    free(y);
  }

  /* streaming */
  {
    double *zu = (double *)malloc((n ? n : 1) * sizeof(double));
    double *zl = (double *)malloc((n ? n : 1) * sizeof(double));
    uint8_t *al = (uint8_t *)malloc(n ? n : 1);
    aw_pot_result r;
    aw_status st = aw_spot_run(x, n, &p, zu, zl, al, &r, NULL, &err);
    if (st == AW_OK) {
      for (size_t i = p.n_init; i < n; i++) {
        check(!isnan(zu[i]) && !isnan(zl[i]), "no NaN threshold");
        int beyond = x[i] > zu[i] || (p.both && x[i] < zl[i]);
        /* with drift the comparison is on x - M; z already includes M, up to rounding */
        if (!p.drift) check(beyond == al[i], "alarm iff beyond the threshold");
      }
    } else {
      check(err.code == st && err.message[0] != '\0', "spot error reported");
    }
    /* batch */
    aw_pot_params b = p;
    b.n_init = 0;
    st = aw_pot_batch(x, n, &b, zu, zl, al, &r, &err);
    if (st == AW_OK) {
      for (size_t i = 0; i < n; i++) {
        check(!isnan(zu[i]), "no NaN batch threshold");
        check((x[i] > zu[i] || (p.both && x[i] < zl[i])) == al[i], "batch alarm iff beyond");
      }
    }
    free(zu);
    free(zl);
    free(al);
  }

  /* the sweep on short inputs only (40 runs) */
  if (n <= 1000 && (pb[6] & 1) && p.full_fit_every != 1) {
    aw_pot_sweep sw;
    uint8_t *lab = (uint8_t *)calloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i += 37) lab[i] = 1;
    aw_status st = aw_pot_sweep_run(x, n, lab, &p, (pb[6] >> 1) & 1, &sw, NULL, &err);
    if (st == AW_OK)
      for (int k = 0; k < AW_POT_SWEEP_N; k++)
        if (sw.rows[k].valid) check(!isnan(sw.rows[k].z_upper), "sweep: valid rows have thresholds");
    free(lab);
  }
  free(x);
  return 0;
}

/* dtw_ref.h - the textbook DTW that tests/c/test_dtw.c and tests/fuzz/fuzz_dtw.c check the
 * engine (core/src/dtw.c) against. */
#ifndef AW_TESTS_DTW_REF_H
#define AW_TESTS_DTW_REF_H

#include <math.h>
#include <stdlib.h>

/* Textbook DTW: full (n+1) x (m+1) matrix with D[0][0] = 0 and +inf borders; band
 * -r - max(0, n-m) <= j - i <= r + max(0, m-n); multivariate costs summed in dimension order;
 * returns the accumulated cost (no root). Row-major points (x[i * dims + d]). */
static inline double ref_acc(const double *x, size_t n, const double *y, size_t m, size_t dims, long r, int absolute) {
  double *D = malloc((n + 1) * (m + 1) * sizeof *D);
  for (size_t k = 0; k < (n + 1) * (m + 1); k++) D[k] = INFINITY;
  D[0] = 0;
  long lo = r + (n > m ? (long)(n - m) : 0), hi = r + (m > n ? (long)(m - n) : 0);
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      long dj = (long)j - (long)i;
      if (r >= 0 && (dj > hi || -dj > lo)) continue;
      double c = 0;
      for (size_t d = 0; d < dims; d++) {
        double e = x[(i - 1) * dims + d] - y[(j - 1) * dims + d];
        double cd = absolute ? fabs(e) : e * e;
        c = d == 0 ? cd : c + cd;
      }
      double a = D[(i - 1) * (m + 1) + j], b = D[i * (m + 1) + j - 1], g = D[(i - 1) * (m + 1) + j - 1];
      double mn = a < b ? a : b;
      mn = mn < g ? mn : g;
      D[i * (m + 1) + j] = c + mn;
    }
  double v = D[n * (m + 1) + m];
  free(D);
  return v;
}

#endif

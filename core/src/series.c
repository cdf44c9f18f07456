/* series.c - summary statistics and min-max downsampling. */
#include "aw/series.h"

#include <math.h>

void aw_series_stats(const double *x, size_t n, aw_stats *out) {
  size_t c = 0, miss = 0;
  double mean = 0, m2 = 0, lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double v = x[i];
    if (v != v) {
      miss++;
      continue;
    }
    c++;
    double d = v - mean;
    mean += d / (double)c;
    m2 += d * (v - mean);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  out->count = c;
  out->missing = miss;
  out->min = c ? lo : NAN;
  out->max = c ? hi : NAN;
  out->mean = c ? mean : NAN;
  out->std = c ? sqrt(m2 / (double)c) : NAN;
}

size_t aw_downsample_minmax(const double *t, const double *y, size_t i0, size_t i1, size_t buckets, double *xs,
                            double *ys) {
  if (i1 <= i0 || buckets == 0) return 0;
  size_t n = i1 - i0, k = 0;
  if (n <= 2 * buckets) {
    for (size_t i = i0; i < i1; i++, k++) {
      xs[k] = t ? t[i] : (double)i;
      ys[k] = y[i];
    }
    return k;
  }
  for (size_t b = 0; b < buckets; b++) {
    size_t s = i0 + (size_t)((double)n * (double)b / (double)buckets);
    size_t e = i0 + (size_t)((double)n * (double)(b + 1) / (double)buckets);
    if (e <= s) continue;
    size_t imin = (size_t)-1, imax = (size_t)-1;
    for (size_t i = s; i < e; i++) {
      double v = y[i];
      if (v != v) continue;
      if (imin == (size_t)-1 || v < y[imin]) imin = i;
      if (imax == (size_t)-1 || v > y[imax]) imax = i;
    }
    if (imin == (size_t)-1) {
      xs[k] = t ? t[s] : (double)s;
      ys[k++] = NAN;
      continue;
    }
    size_t a = imin < imax ? imin : imax, c = imin < imax ? imax : imin;
    xs[k] = t ? t[a] : (double)a;
    ys[k++] = y[a];
    if (c != a) {
      xs[k] = t ? t[c] : (double)c;
      ys[k++] = y[c];
    }
  }
  return k;
}

size_t aw_downsample_minmax_shared(const double *t, const double *const *cols, size_t ncols, size_t i0, size_t i1,
                                   size_t buckets, double *xs, double *const *ys) {
  if (i1 <= i0 || buckets == 0) return 0;
  size_t n = i1 - i0, k = 0;
  if (n <= 2 * buckets) {
    for (size_t i = i0; i < i1; i++, k++) {
      xs[k] = t ? t[i] : (double)i;
      for (size_t c = 0; c < ncols; c++) ys[c][k] = cols[c][i];
    }
    return k;
  }
  for (size_t b = 0; b < buckets; b++) {
    size_t s = i0 + (size_t)((double)n * (double)b / (double)buckets);
    size_t e = i0 + (size_t)((double)n * (double)(b + 1) / (double)buckets);
    if (e <= s) continue;
    xs[k] = t ? t[s] : (double)s;
    xs[k + 1] = t ? t[e - 1] : (double)(e - 1);
    for (size_t c = 0; c < ncols; c++) {
      const double *y = cols[c];
      size_t imin = (size_t)-1, imax = (size_t)-1;
      for (size_t i = s; i < e; i++) {
        double v = y[i];
        if (v != v) continue;
        if (imin == (size_t)-1 || v < y[imin]) imin = i;
        if (imax == (size_t)-1 || v > y[imax]) imax = i;
      }
      if (imin == (size_t)-1) {
        ys[c][k] = ys[c][k + 1] = NAN;
      } else if (imin <= imax) {
        ys[c][k] = y[imin];
        ys[c][k + 1] = y[imax];
      } else {
        ys[c][k] = y[imax];
        ys[c][k + 1] = y[imin];
      }
    }
    k += 2;
  }
  return k;
}

size_t aw_lower_bound(const double *t, size_t n, double x) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

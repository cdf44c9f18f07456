/* dtw.c - dynamic time warping (see aw/dtw.h for the conventions).
 *
 * The DP recurrence (Sakoe & Chiba 1978, symmetric steps, no slope weights):
 *   D(i, j) = c(i, j) + min(D(i-1, j), D(i, j-1), D(i-1, j-1)),  D(-1, -1) = 0, else D(-1, .) = inf.
 * It is evaluated in anti-diagonal order (d = i + j): every cell of a diagonal depends only on the
 * two previous diagonals, so a diagonal is one independent, contiguous vector loop (2 doubles per
 * SSE2 / simd128 register). The shorter series (rows, length n <= m) is stored reversed so that
 * both series are read in increasing address order along a diagonal. Three diagonal buffers of
 * n + 2 doubles hold the state: O(min(n, m)) memory.
 *
 * Each cell is fl(c + min(a, b, g)) where c = fl(fl(x - y)^2) (or |x - y|): min is an exact
 * selection and the one addition is the same everywhere, so the SIMD kernel, the scalar tail, the
 * row-major full matrix of the warping path and a textbook loop all give the same bits.
 *
 * Pruning (PrunedDTW, Silva & Batista 2016, adapted to anti-diagonals): a cell whose value exceeds
 * the threshold `thr` (an upper bound of the optimal cost, or the early-abandoning bound) can
 * never be on a path that matters, so only cells reachable from a live cell of the two previous
 * diagonals are evaluated: the range [min(a1, a2 + 1), max(b1, b2) + 1] where [a, b] is the live
 * (<= thr) row range of a diagonal. When two consecutive diagonals have no live cell, every path
 * exceeds thr: the pair is abandoned (+inf). Live cells are exact by induction (their argmin
 * predecessor is live), so pruning never changes a result that is <= thr.
 */
#include "aw/dtw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define DTW_SIMD 1
typedef v128_t vd;
#define VLOAD(p) wasm_v128_load(p)
#define VSTORE(p, v) wasm_v128_store((p), (v))
#define VADD(a, b) wasm_f64x2_add((a), (b))
#define VSUB(a, b) wasm_f64x2_sub((a), (b))
#define VMUL(a, b) wasm_f64x2_mul((a), (b))
/* pmin(a, b) = b < a ? b : a: a plain selection (no NaN can reach here), one instruction. */
#define VMIN(a, b) wasm_f64x2_pmin((a), (b))
#define VABS(a) wasm_f64x2_abs(a)
#elif defined(__SSE2__)
#include <emmintrin.h>
#define DTW_SIMD 1
typedef __m128d vd;
#define VLOAD(p) _mm_loadu_pd(p)
#define VSTORE(p, v) _mm_storeu_pd((p), (v))
#define VADD(a, b) _mm_add_pd((a), (b))
#define VSUB(a, b) _mm_sub_pd((a), (b))
#define VMUL(a, b) _mm_mul_pd((a), (b))
#define VMIN(a, b) _mm_min_pd((a), (b))
#define VABS(a) _mm_andnot_pd(_mm_set1_pd(-0.0), (a))
#else
#define DTW_SIMD 0
#endif

#define DINF ((double)INFINITY)

void aw_dtw_opts_default(aw_dtw_opts *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->window = AW_DTW_NO_WINDOW;
  o->cost = AW_DTW_SQUARED;
  o->max_dist = DINF;
  o->multi = AW_DTW_DEPENDENT;
}

const char *aw_dtw_cost_name(aw_dtw_cost c) {
  switch (c) {
    case AW_DTW_SQUARED: return "squared";
    case AW_DTW_SQUARED_SUM: return "squared_sum";
    case AW_DTW_ABSOLUTE: return "absolute";
  }
  return "unknown";
}

int aw_dtw_cost_parse(const char *name, aw_dtw_cost *out) {
  if (!name || !out) return -1;
  if (strcmp(name, "squared") == 0) *out = AW_DTW_SQUARED;
  else if (strcmp(name, "squared_sum") == 0 || strcmp(name, "squared-sum") == 0) *out = AW_DTW_SQUARED_SUM;
  else if (strcmp(name, "absolute") == 0) *out = AW_DTW_ABSOLUTE;
  else return -1;
  return 0;
}

/* ------------------------------------------------------------------ point costs */

static inline double pcost(double a, double b, int absolute) {
  double e = a - b;
  return absolute ? fabs(e) : e * e;
}

/* Cost of a multivariate cell: per-dimension costs added in dimension order (column-major data:
 * dimension d of point i is x[d * xs + i]). */
static inline double cell_cost(const double *x, size_t xs, size_t i, const double *y, size_t ys, size_t j,
                               size_t dims, int absolute) {
  double c = pcost(x[i], y[j], absolute);
  for (size_t d = 1; d < dims; d++) c = c + pcost(x[d * xs + i], y[d * ys + j], absolute);
  return c;
}

static inline double dmin(double a, double b) { return a < b ? a : b; }

/* Result units from an accumulated cost. */
static double to_result(double acc, aw_dtw_cost c) { return c == AW_DTW_SQUARED ? sqrt(acc) : acc; }

/* Accumulated-cost threshold for a bound in result units (INF = none). The squared bound is
 * inflated by 1e-9 relative so that rounding of the square never prunes a cell whose root is
 * within the bound; the exact test is made on the final result. */
static double acc_bound(double md, aw_dtw_cost c) {
  if (!(md < DINF)) return DINF;
  /* (+1e-300 covers squares that round in the subnormal range) */
  if (c == AW_DTW_SQUARED) return md * md * (1.0 + 1e-9) + 1e-300;
  return md;
}

/* ------------------------------------------------------------------ the diagonal kernel */

/* out[t] = cost(xr[t], yy[t]) + min(up[t], left[t], dg[t]) for t < cnt. */
static void cells_uni(double *restrict out, const double *restrict up, const double *restrict left,
                      const double *restrict dg, const double *restrict xr, const double *restrict yy, size_t cnt,
                      int absolute) {
  size_t t = 0;
#if DTW_SIMD
  if (absolute) {
    for (; t + 4 <= cnt; t += 4) {
      vd c0 = VABS(VSUB(VLOAD(xr + t), VLOAD(yy + t)));
      vd c1 = VABS(VSUB(VLOAD(xr + t + 2), VLOAD(yy + t + 2)));
      vd m0 = VMIN(VMIN(VLOAD(up + t), VLOAD(left + t)), VLOAD(dg + t));
      vd m1 = VMIN(VMIN(VLOAD(up + t + 2), VLOAD(left + t + 2)), VLOAD(dg + t + 2));
      VSTORE(out + t, VADD(c0, m0));
      VSTORE(out + t + 2, VADD(c1, m1));
    }
  } else {
    for (; t + 4 <= cnt; t += 4) {
      vd e0 = VSUB(VLOAD(xr + t), VLOAD(yy + t));
      vd e1 = VSUB(VLOAD(xr + t + 2), VLOAD(yy + t + 2));
      vd m0 = VMIN(VMIN(VLOAD(up + t), VLOAD(left + t)), VLOAD(dg + t));
      vd m1 = VMIN(VMIN(VLOAD(up + t + 2), VLOAD(left + t + 2)), VLOAD(dg + t + 2));
      VSTORE(out + t, VADD(VMUL(e0, e0), m0));
      VSTORE(out + t + 2, VADD(VMUL(e1, e1), m1));
    }
  }
#endif
  for (; t < cnt; t++) out[t] = pcost(xr[t], yy[t], absolute) + dmin(dmin(up[t], left[t]), dg[t]);
}

/* Multivariate: tmp holds the cell costs already. */
static void cells_pre(double *restrict out, const double *restrict up, const double *restrict left,
                      const double *restrict dg, const double *restrict c, size_t cnt) {
  size_t t = 0;
#if DTW_SIMD
  for (; t + 2 <= cnt; t += 2)
    VSTORE(out + t, VADD(VLOAD(c + t), VMIN(VMIN(VLOAD(up + t), VLOAD(left + t)), VLOAD(dg + t))));
#endif
  for (; t < cnt; t++) out[t] = c[t] + dmin(dmin(up[t], left[t]), dg[t]);
}

/* c[t] (+)= cost(xr[t], yy[t]) */
static void costs_acc(double *restrict c, const double *restrict xr, const double *restrict yy, size_t cnt,
                      int absolute, int first) {
  size_t t = 0;
#if DTW_SIMD
  if (first) {
    for (; t + 2 <= cnt; t += 2) {
      vd e = VSUB(VLOAD(xr + t), VLOAD(yy + t));
      VSTORE(c + t, absolute ? VABS(e) : VMUL(e, e));
    }
  } else {
    for (; t + 2 <= cnt; t += 2) {
      vd e = VSUB(VLOAD(xr + t), VLOAD(yy + t));
      VSTORE(c + t, VADD(VLOAD(c + t), absolute ? VABS(e) : VMUL(e, e)));
    }
  }
#endif
  for (; t < cnt; t++) c[t] = first ? pcost(xr[t], yy[t], absolute) : c[t] + pcost(xr[t], yy[t], absolute);
}

typedef struct kern {
  const double *xr; /* shorter series, reversed, column-major (dims x n) */
  const double *y;  /* longer series, column-major (dims x m) */
  size_t n, m, dims;
  int absolute;
  size_t r;         /* Sakoe-Chiba radius, AW_DTW_NO_WINDOW = none */
  double thr;       /* prune/abandon threshold on accumulated cost; INF = off */
  double *b[3];     /* diagonal buffers, n + 2 each */
  double *tmp;      /* n doubles (multivariate costs) */
  uint64_t cells;
} kern;

/* Cost of a simple warping path inside any band (n <= m): in row i it advances to column
 * floor(i (m-1) / (n-1)) with one diagonal step then horizontal steps (the diagonal when n == m),
 * so 0 <= j - i <= m - n. Summed as the DP sums (fl(c + s) in path order), which makes it an upper
 * bound of the DP result bit for bit: D(cell) <= s(cell) by monotonicity of rounding. */
static double kern_path_ub(const kern *K) {
  size_t n = K->n, m = K->m, dims = K->dims;
  const double *xr = K->xr, *y = K->y;
  double s = cell_cost(xr, n, n - 1, y, m, 0, dims, K->absolute);
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t t = n == 1 ? (uint64_t)(m - 1) : (uint64_t)i * (uint64_t)(m - 1) / (uint64_t)(n - 1);
    if (i > 0) {
      j++;
      s = cell_cost(xr, n, n - 1 - i, y, m, j, dims, K->absolute) + s;
    }
    while (j < t) {
      j++;
      s = cell_cost(xr, n, n - 1 - i, y, m, j, dims, K->absolute) + s;
    }
  }
  if (m == n) return s;
  /* two more candidates when lengths differ: the diagonal first and the rest along the last row,
   * and the first row first then the diagonal (both keep 0 <= j - i <= m - n) */
  double s1 = cell_cost(xr, n, n - 1, y, m, 0, dims, K->absolute);
  for (size_t i = 1; i < n; i++) s1 = cell_cost(xr, n, n - 1 - i, y, m, i, dims, K->absolute) + s1;
  for (size_t jj = n; jj < m; jj++) s1 = cell_cost(xr, n, 0, y, m, jj, dims, K->absolute) + s1;
  size_t e = m - n;
  double s2 = cell_cost(xr, n, n - 1, y, m, 0, dims, K->absolute);
  for (size_t jj = 1; jj <= e; jj++) s2 = cell_cost(xr, n, n - 1, y, m, jj, dims, K->absolute) + s2;
  for (size_t i = 1; i < n; i++) s2 = cell_cost(xr, n, n - 1 - i, y, m, i + e, dims, K->absolute) + s2;
  if (s1 < s) s = s1;
  if (s2 < s) s = s2;
  return s;
}

/* Runs the DP; returns the accumulated cost of the end cell, or INF when it exceeds thr. */
static double kern_run(kern *K) {
  const long long N = (long long)K->n, M = (long long)K->m;
  const size_t n = K->n, m = K->m, dims = K->dims;
  const int windowed = K->r != AW_DTW_NO_WINDOW && K->r < n - 1;
  const long long R = windowed ? (long long)K->r : 0, E = M - N;
  const int pruning = K->thr < DINF;
  const double thr = K->thr;
  double *b0 = K->b[0], *b1 = K->b[1], *b2 = K->b[2];
  for (size_t p = 0; p < n + 2; p++) b1[p] = b2[p] = DINF;
  b2[n + 1] = 0.0; /* D(-1, -1) */
  /* live row ranges of diagonals d-1 and d-2 (empty when a > b); d = -2 is the virtual start */
  long long la1 = 1, lb1 = 0, la2 = -1, lb2 = -1;
  long long clo = 0, chi = -1;
  uint64_t cells = 0;
  for (long long d = 0; d <= N + M - 2; d++) {
    long long lo = d - (M - 1) > 0 ? d - (M - 1) : 0;
    long long hi = d < N - 1 ? d : N - 1;
    if (windowed) {
      long long t = d - R - E;
      if (t > 0 && (t + 1) / 2 > lo) lo = (t + 1) / 2;
      if ((d + R) / 2 < hi) hi = (d + R) / 2;
    }
    long long cl = lo, ch = hi;
    if (pruning) {
      int e1 = la1 > lb1, e2 = la2 > lb2;
      if (e1 && e2) {
        K->cells += cells;
        return DINF;
      }
      long long cand_lo = e1 ? la2 + 1 : (e2 ? la1 : (la1 < la2 + 1 ? la1 : la2 + 1));
      long long cand_hi = e1 ? lb2 + 1 : (e2 ? lb1 + 1 : (lb1 > lb2 ? lb1 + 1 : lb2 + 1));
      if (cand_lo > cl) cl = cand_lo;
      if (cand_hi < ch) ch = cand_hi;
      if (cl > ch) {
        /* nothing to evaluate: make every cell the next two diagonals may read infinite */
        long long f0 = (cand_lo < lo ? cand_lo : lo) - 1, f1 = (cand_hi > hi ? cand_hi : hi) + 1;
        if (f0 < -1) f0 = -1;
        if (f1 > N) f1 = N;
        for (long long i = f0; i <= f1; i++) b0[N - i] = DINF;
      }
    }
    if (cl <= ch) {
      size_t klo = (size_t)(N - 1 - ch), cnt = (size_t)(ch - cl + 1);
      size_t j0 = (size_t)(d - ch);
      double *out = b0 + klo + 1;
      const double *left = b1 + klo + 1, *up = b1 + klo + 2, *dg = b2 + klo + 2;
      if (dims == 1) {
        cells_uni(out, up, left, dg, K->xr + klo, K->y + j0, cnt, K->absolute);
      } else {
        for (size_t dd = 0; dd < dims; dd++)
          costs_acc(K->tmp, K->xr + dd * n + klo, K->y + dd * m + j0, cnt, K->absolute, dd == 0);
        cells_pre(out, up, left, dg, K->tmp, cnt);
      }
      cells += cnt;
      b0[klo] = DINF;       /* row ch + 1 */
      b0[klo + cnt + 1] = DINF; /* row cl - 1 */
    } else if (!pruning) {
      /* empty band diagonal (radius 0, equal lengths, odd d): rows hi and hi + 1 must read inf */
      b0[N - hi] = DINF;
      b0[N - hi - 1] = DINF;
    }
    long long la0 = 1, lb0 = 0;
    if (cl <= ch) {
      if (pruning) {
        long long i = cl;
        while (i <= ch && !(b0[N - i] <= thr)) i++;
        if (i <= ch) {
          la0 = i;
          long long k = ch;
          while (!(b0[N - k] <= thr)) k--;
          lb0 = k;
        }
      } else {
        la0 = cl;
        lb0 = ch;
      }
    }
    clo = cl;
    chi = ch;
    la2 = la1;
    lb2 = lb1;
    la1 = la0;
    lb1 = lb0;
    double *t = b2;
    b2 = b1;
    b1 = b0;
    b0 = t;
  }
  K->cells += cells;
  /* the end cell (n-1, m-1) is row n-1 of the last diagonal (now in b1), index 1 */
  if (clo > N - 1 || chi < N - 1) return DINF;
  double v = b1[1];
  if (pruning && !(v <= thr)) return DINF;
  return v;
}

/* ------------------------------------------------------------------ prepared series */

typedef struct series {
  double *v;      /* column-major dims x len (borrowed from the caller when own == 0) */
  size_t len, dims;
  size_t *orig;   /* original index of each kept point (skip_nan), NULL = identity */
  int own;
} series;

static void series_free(series *s) {
  if (!s) return;
  if (s->own) AW_FREE(s->v);
  AW_FREE(s->orig);
  memset(s, 0, sizeof *s);
}

/* Validates and preprocesses one series (NaN skip, z-normalisation, PAA). */
static aw_status series_prep(const double *x, size_t n, size_t dims, const aw_dtw_opts *o, const char *name,
                             series *S, aw_error *err) {
  memset(S, 0, sizeof *S);
  if (dims == 0) return aw_error_set(err, AW_ERR_ARG, "dtw: dims must be >= 1");
  if (n == 0) return aw_error_set(err, AW_ERR_ARG, "dtw: %s is empty", name);
  if (!x) return aw_error_set(err, AW_ERR_ARG, "dtw: %s is NULL", name);
  if (n > AW_DTW_MAX_LEN || dims > AW_DTW_MAX_LEN / n)
    return aw_error_set(err, AW_ERR_LIMIT, "dtw: %s has %zu points of %zu dimensions (limit %zu values)", name, n,
                        dims, (size_t)AW_DTW_MAX_LEN);
  size_t nan_rows = 0;
  for (size_t i = 0; i < n; i++) {
    int row_nan = 0;
    for (size_t d = 0; d < dims; d++) {
      double v = x[i * dims + d];
      if (isnan(v)) {
        if (!o->skip_nan) {
          if (dims > 1)
            return aw_error_set(err, AW_ERR_NUMERIC,
                                "dtw: %s has NaN at index %zu, dimension %zu (set skip_nan, --skip-nan, to drop missing points)",
                                name, i, d);
          return aw_error_set(err, AW_ERR_NUMERIC,
                              "dtw: %s has NaN at index %zu (set skip_nan, --skip-nan, to drop missing points)", name, i);
        }
        row_nan = 1;
      } else if (isinf(v)) {
        return aw_error_set(err, AW_ERR_NUMERIC, "dtw: %s has an infinite value at index %zu", name, i);
      } else if (fabs(v) > AW_DTW_MAX_ABS) {
        return aw_error_set(err, AW_ERR_RANGE,
                            "dtw: %s has a value of magnitude %g at index %zu (beyond %g the summed squared costs could overflow)",
                            name, fabs(v), i, AW_DTW_MAX_ABS);
      }
    }
    nan_rows += (size_t)row_nan;
  }
  size_t kept = n - nan_rows;
  if (kept == 0) return aw_error_set(err, AW_ERR_NUMERIC, "dtw: %s has no points left: every point is NaN", name);
  size_t paa = o->paa > 1 ? o->paa : 1;
  if (dims == 1 && nan_rows == 0 && !o->znorm && paa == 1) {
    S->v = (double *)x;
    S->len = n;
    S->dims = 1;
    return AW_OK;
  }
  double *v = aw_alloc_array(kept * dims, sizeof *v);
  size_t *orig = nan_rows ? aw_alloc_array(kept, sizeof *orig) : NULL;
  if (!v || (nan_rows && !orig)) {
    AW_FREE(v);
    AW_FREE(orig);
    return aw_error_set(err, AW_ERR_NOMEM, "dtw: out of memory copying %s", name);
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    int row_nan = 0;
    for (size_t d = 0; d < dims; d++) row_nan |= isnan(x[i * dims + d]);
    if (row_nan) continue;
    for (size_t d = 0; d < dims; d++) v[d * kept + k] = x[i * dims + d];
    if (orig) orig[k] = i;
    k++;
  }
  S->v = v;
  S->own = 1;
  S->len = kept;
  S->dims = dims;
  S->orig = orig;
  if (o->znorm) {
    for (size_t d = 0; d < dims; d++) {
      double *c = v + d * kept;
      double lo = c[0], hi = c[0], sum = 0.0;
      for (size_t i = 0; i < kept; i++) {
        sum += c[i];
        if (c[i] < lo) lo = c[i];
        if (c[i] > hi) hi = c[i];
      }
      if (lo == hi) {
        series_free(S);
        if (dims > 1)
          return aw_error_set(err, AW_ERR_NUMERIC, "dtw: %s is constant in dimension %zu (value %g): it cannot be z-normalised",
                              name, d, lo);
        return aw_error_set(err, AW_ERR_NUMERIC, "dtw: %s is constant (value %g): it cannot be z-normalised", name, lo);
      }
      /* (v - mean) / sd, computed on deviations scaled by the largest one first, so that tiny
       * (even subnormal) deviations neither underflow to a zero sd nor overflow the quotient */
      double mean = sum / (double)kept, dmax = 0.0, ss = 0.0;
      for (size_t i = 0; i < kept; i++)
        if (fabs(c[i] - mean) > dmax) dmax = fabs(c[i] - mean);
      for (size_t i = 0; i < kept; i++) {
        double u = (c[i] - mean) / dmax;
        ss += u * u;
      }
      double sdu = sqrt(ss / (double)kept); /* >= 1 / sqrt(kept): the largest |u| is 1 */
      for (size_t i = 0; i < kept; i++) c[i] = ((c[i] - mean) / dmax) / sdu;
    }
  }
  if (paa > 1) {
    size_t segs = kept / paa + (kept % paa != 0);
    double *w = aw_alloc_array(segs * dims, sizeof *w);
    if (!w) {
      series_free(S);
      return aw_error_set(err, AW_ERR_NOMEM, "dtw: out of memory for PAA of %s", name);
    }
    for (size_t d = 0; d < dims; d++)
      for (size_t s = 0; s < segs; s++) {
        size_t a = s * paa, b = a + paa < kept ? a + paa : kept;
        double sum = 0.0;
        for (size_t i = a; i < b; i++) sum += v[d * kept + i];
        w[d * segs + s] = sum / (double)(b - a);
      }
    AW_FREE(v);
    AW_FREE(S->orig);
    S->orig = NULL;
    S->v = w;
    S->len = segs;
  }
  return AW_OK;
}

/* Both series of a pair (x: "series x", y: "series y"); on failure nothing stays allocated. */
static aw_status pair_prep(const double *x, size_t n, const double *y, size_t m, size_t dims, const aw_dtw_opts *o,
                           series *A, series *B, aw_error *err) {
  aw_status st = series_prep(x, n, dims, o, "series x", A, err);
  if (st) return st;
  if ((st = series_prep(y, m, dims, o, "series y", B, err))) series_free(A);
  return st;
}

/* Reversed copy (column-major, per dimension) into dst. */
static void reverse_into(double *dst, const series *S) {
  size_t n = S->len;
  for (size_t d = 0; d < S->dims; d++)
    for (size_t i = 0; i < n; i++) dst[d * n + i] = S->v[d * n + n - 1 - i];
}

/* Work space for the kernel with rows up to nmax and dims dimensions. */
typedef struct work {
  double *mem;
  size_t nmax, dims;
  double *b[3], *tmp, *rev;
} work;

static aw_status work_init(work *W, size_t nmax, size_t dims, aw_error *err) {
  memset(W, 0, sizeof *W);
  size_t per = nmax + 2;
  /* 3 buffers + tmp + reversed copy */
  if (nmax > AW_DTW_MAX_LEN || dims > AW_DTW_MAX_LEN)
    return aw_error_set(err, AW_ERR_LIMIT, "dtw: series too long");
  size_t total = 3 * per + nmax + nmax * dims;
  W->mem = aw_alloc_array(total, sizeof(double));
  if (!W->mem) return aw_error_set(err, AW_ERR_NOMEM, "dtw: out of memory (%zu doubles of work space)", total);
  W->nmax = nmax;
  W->dims = dims;
  W->b[0] = W->mem;
  W->b[1] = W->mem + per;
  W->b[2] = W->mem + 2 * per;
  W->tmp = W->mem + 3 * per;
  W->rev = W->tmp + nmax;
  return AW_OK;
}

static void work_free(work *W) {
  AW_FREE(W->mem);
  memset(W, 0, sizeof *W);
}

/* Accumulated DP cost of one pair restricted to the dimension range [d0, d0 + nd) of prepared
 * series A and B (rev_a/rev_b: cached reversed copies or NULL). thr: accumulated-cost threshold
 * (INF = none). prune: add the path upper bound. */
static double pair_acc(const series *A, const double *rev_a, const series *B, const double *rev_b, size_t d0,
                       size_t nd, const aw_dtw_opts *o, double thr, work *W, aw_dtw_stats *st) {
  const series *S = A, *L = B;
  const double *rev = rev_a;
  if (A->len > B->len) {
    S = B;
    L = A;
    rev = rev_b;
  }
  size_t n = S->len, m = L->len;
  kern K;
  memset(&K, 0, sizeof K);
  if (!rev) {
    for (size_t d = 0; d < nd; d++)
      for (size_t i = 0; i < n; i++) W->rev[d * n + i] = S->v[(d0 + d) * n + n - 1 - i];
    K.xr = W->rev;
  } else {
    K.xr = rev + d0 * n;
  }
  K.y = L->v + d0 * m;
  K.n = n;
  K.m = m;
  K.dims = nd;
  K.absolute = o->cost == AW_DTW_ABSOLUTE;
  K.r = o->window;
  K.b[0] = W->b[0];
  K.b[1] = W->b[1];
  K.b[2] = W->b[2];
  K.tmp = W->tmp;
  /* first/last-cell lower bound (the two cells lie on every path; one cell when n = m = 1) */
  if (thr < DINF) {
    double lb = cell_cost(K.xr, n, n - 1, K.y, m, 0, nd, K.absolute);
    if (n + m > 2) lb = lb + cell_cost(K.xr, n, 0, K.y, m, m - 1, nd, K.absolute);
    if (lb > thr) {
      if (st) st->lb_skips++;
      return DINF;
    }
  }
  if (o->prune) {
    double ub = kern_path_ub(&K);
    if (ub < thr) thr = ub;
    /* A much tighter bound for series that are close up to small shifts (replicas): DTW inside
     * a narrow band (radius 4 + n/200, about 1-2% of the cells). Its DP is the same recurrence
     * with fewer predecessors, so every cell of it is >= the unconstrained cell bit for bit. */
    size_t rub = 4 + n / 200;
    size_t weff = (o->window == AW_DTW_NO_WINDOW || o->window >= n) ? n : o->window;
    if (rub < weff && rub < n - 1) {
      K.r = rub;
      K.thr = thr;
      double ubw = kern_run(&K);
      if (ubw < thr) thr = ubw;
      K.r = o->window;
    }
  }
  K.thr = thr;
  double v = kern_run(&K);
  if (st) st->cells += K.cells;
  return v;
}

/* Distance in result units between two prepared series, with early abandoning at o->max_dist. */
static double pair_distance(const series *A, const double *rev_a, const series *B, const double *rev_b,
                            const aw_dtw_opts *o, work *W, aw_dtw_stats *st) {
  double md = o->max_dist;
  double res;
  if (st) st->pairs++;
  if (A->dims > 1 && o->multi == AW_DTW_INDEPENDENT) {
    double sum = 0.0;
    res = 0.0;
    for (size_t d = 0; d < A->dims; d++) {
      /* what is left of the bound for this dimension, with slack for the rounding of md - sum
       * (the bound only prunes; the exact test is on the final sum) */
      double rem = md < DINF ? (md - sum) + (md * 1e-9 + 1e-300) : DINF;
      if (rem < 0) {
        res = DINF;
        break;
      }
      double acc = pair_acc(A, rev_a, B, rev_b, d, 1, o, acc_bound(rem, o->cost), W, st);
      if (!(acc < DINF)) {
        res = DINF;
        break;
      }
      sum = sum + to_result(acc, o->cost);
      res = sum;
    }
  } else {
    double acc = pair_acc(A, rev_a, B, rev_b, 0, A->dims, o, acc_bound(md, o->cost), W, st);
    res = acc < DINF ? to_result(acc, o->cost) : DINF;
  }
  if (res > md) res = DINF;
  if (!(res < DINF) && md < DINF && st) st->abandoned++;
  return res;
}

static aw_status check_opts(const aw_dtw_opts *o, aw_error *err) {
  if (o->cost != AW_DTW_SQUARED && o->cost != AW_DTW_SQUARED_SUM && o->cost != AW_DTW_ABSOLUTE)
    return aw_error_set(err, AW_ERR_ARG, "dtw: unknown cost %d", (int)o->cost);
  if (o->multi != AW_DTW_DEPENDENT && o->multi != AW_DTW_INDEPENDENT)
    return aw_error_set(err, AW_ERR_ARG, "dtw: unknown multivariate mode %d", (int)o->multi);
  if (isnan(o->max_dist) || o->max_dist < 0)
    return aw_error_set(err, AW_ERR_ARG, "dtw: max_dist must be >= 0 (or +inf for none), got %g", o->max_dist);
  return AW_OK;
}

aw_status aw_dtw_distance_md(const double *x, size_t n, const double *y, size_t m, size_t dims,
                             const aw_dtw_opts *o, double *dist, aw_dtw_stats *stats, aw_error *err) {
  aw_dtw_opts def;
  if (!o) {
    aw_dtw_opts_default(&def);
    o = &def;
  }
  if (!dist) return aw_error_set(err, AW_ERR_ARG, "dtw: dist is NULL");
  *dist = NAN;
  aw_status st = check_opts(o, err);
  if (st) return st;
  series A, B;
  if ((st = pair_prep(x, n, y, m, dims, o, &A, &B, err))) return st;
  work W;
  size_t nmin = A.len < B.len ? A.len : B.len;
  if ((st = work_init(&W, nmin, dims, err)) == AW_OK) {
    *dist = pair_distance(&A, NULL, &B, NULL, o, &W, stats);
    work_free(&W);
  }
  series_free(&A);
  series_free(&B);
  return st;
}

aw_status aw_dtw_distance(const double *x, size_t n, const double *y, size_t m, const aw_dtw_opts *o,
                          double *dist, aw_error *err) {
  return aw_dtw_distance_md(x, n, y, m, 1, o, dist, NULL, err);
}

/* ------------------------------------------------------------------ warping paths */

/* Row-major path machinery on prepared series (x rows, y columns, any lengths). */
typedef struct pctx {
  const double *x, *y;
  size_t n, m, dims;
  int absolute;
  long long rlo, rhi; /* allowed: -rlo <= j - i <= rhi (LLONG range when no window) */
  size_t full_cells;
  size_t *pi, *pj;
  size_t plen, pcap;
  double *row, *row2; /* m + 1 doubles each */
} pctx;

static inline double pc_cost(const pctx *P, size_t i, size_t j) {
  return cell_cost(P->x, P->n, i, P->y, P->m, j, P->dims, P->absolute);
}

/* Allowed column range of row i within [j0, j1]; empty when lo > hi. */
static inline void pc_cols(const pctx *P, size_t i, size_t j0, size_t j1, long long *lo, long long *hi) {
  long long a = (long long)i - P->rlo, b = (long long)i + P->rhi;
  *lo = a > (long long)j0 ? a : (long long)j0;
  *hi = b < (long long)j1 ? b : (long long)j1;
}

static inline int pc_in_band(const pctx *P, size_t i, size_t j) {
  long long dj = (long long)j - (long long)i;
  return dj <= P->rhi && -dj <= P->rlo;
}

static aw_status pc_push(pctx *P, size_t i, size_t j) {
  if (P->plen == P->pcap) {
    size_t cap = P->pcap;
    void *a = P->pi, *b = P->pj;
    if (aw_grow(&a, &cap, P->plen + 1, sizeof(size_t))) return AW_ERR_NOMEM;
    P->pi = a;
    cap = P->pcap;
    if (aw_grow(&b, &cap, P->plen + 1, sizeof(size_t))) return AW_ERR_NOMEM;
    P->pj = b;
    P->pcap = cap;
  }
  P->pi[P->plen] = i;
  P->pj[P->plen] = j;
  P->plen++;
  return AW_OK;
}

/* Full matrix over the rectangle, path from (i0, j0) to (i1, j1) appended in order. */
static aw_status pc_full(pctx *P, size_t i0, size_t i1, size_t j0, size_t j1) {
  size_t rows = i1 - i0 + 1, cols = j1 - j0 + 1;
  double *D = aw_alloc_array(rows * cols, sizeof *D);
  if (!D) return AW_ERR_NOMEM;
  for (size_t i = i0; i <= i1; i++) {
    double *cur = D + (i - i0) * cols, *prev = i > i0 ? cur - cols : NULL;
    long long lo, hi;
    pc_cols(P, i, j0, j1, &lo, &hi);
    for (size_t j = j0; j <= j1; j++) {
      size_t c = j - j0;
      if ((long long)j < lo || (long long)j > hi) {
        cur[c] = DINF;
        continue;
      }
      double mn;
      if (i == i0 && j == j0) mn = 0.0;
      else {
        double up = prev ? prev[c] : DINF, left = c > 0 ? cur[c - 1] : DINF, dg = prev && c > 0 ? prev[c - 1] : DINF;
        mn = dmin(dmin(up, left), dg);
      }
      cur[c] = pc_cost(P, i, j) + mn;
    }
  }
  /* backtrack; ties prefer the diagonal, then up, then left */
  size_t cap = rows + cols, len = 0;
  size_t *bi = aw_alloc_array(cap, sizeof *bi), *bj = aw_alloc_array(cap, sizeof *bj);
  aw_status st = AW_OK;
  if (!bi || !bj) st = AW_ERR_NOMEM;
  else {
    size_t i = i1, j = j1;
    for (;;) {
      bi[len] = i;
      bj[len] = j;
      len++;
      if (i == i0 && j == j0) break;
      size_t ri = i - i0, cj = j - j0;
      /* only predecessors inside the rectangle and the band (all of them are reachable) */
      int okd = ri > 0 && cj > 0 && pc_in_band(P, i - 1, j - 1), oku = ri > 0 && pc_in_band(P, i - 1, j),
          okl = cj > 0 && pc_in_band(P, i, j - 1);
      double dg = okd ? D[(ri - 1) * cols + cj - 1] : DINF;
      double up = oku ? D[(ri - 1) * cols + cj] : DINF;
      double left = okl ? D[ri * cols + cj - 1] : DINF;
      if (okd && (!oku || dg <= up) && (!okl || dg <= left)) {
        i--;
        j--;
      } else if (oku && (!okl || up <= left)) {
        i--;
      } else {
        j--;
      }
    }
    for (size_t t = len; t-- > 0 && st == AW_OK;) st = pc_push(P, bi[t], bj[t]);
  }
  AW_FREE(bi);
  AW_FREE(bj);
  AW_FREE(D);
  return st;
}

/* Forward DP over rows i0..i1, columns j0..j1, paths starting at (i0, j0); out[c] = D(i1, j0 + c).
 * Invariant: out holds the previous row, +inf outside its band range. */
static void pc_forward(pctx *P, size_t i0, size_t i1, size_t j0, size_t j1, double *out) {
  size_t cols = j1 - j0 + 1;
  const long long J0 = (long long)j0;
  for (size_t c = 0; c < cols; c++) out[c] = DINF;
  long long plo = 1, phi = 0; /* previous row's band range (absolute columns) */
  for (size_t i = i0; i <= i1; i++) {
    long long lo, hi;
    pc_cols(P, i, j0, j1, &lo, &hi);
    /* D(i-1, lo-1), read before the cells left of the new band are cleared */
    double diag = (i > i0 && lo > J0) ? out[lo - 1 - J0] : DINF;
    for (long long j = plo; j <= phi && j < lo; j++) out[j - J0] = DINF;
    double left = DINF; /* D(i, lo-1) is outside the band */
    for (long long j = lo; j <= hi; j++) {
      size_t c = (size_t)(j - J0);
      double mn;
      if (i == i0) {
        mn = (j == J0) ? 0.0 : left;
      } else {
        double up = out[c];
        mn = dmin(dmin(up, left), diag);
        diag = up;
      }
      double v = pc_cost(P, i, (size_t)j) + mn;
      out[c] = v;
      left = v;
    }
    for (long long j = hi + 1; j <= phi; j++) out[j - J0] = DINF;
    plo = lo;
    phi = hi;
  }
}

/* Backward DP: B(i, j) = cost of the best path from (i, j) to (i1, j1), both included;
 * out[c] = B(i0, j0 + c). */
static void pc_backward(pctx *P, size_t i0, size_t i1, size_t j0, size_t j1, double *out) {
  size_t cols = j1 - j0 + 1;
  const long long J0 = (long long)j0, J1 = (long long)j1;
  for (size_t c = 0; c < cols; c++) out[c] = DINF;
  long long plo = 1, phi = 0;
  for (size_t i = i1 + 1; i-- > i0;) {
    long long lo, hi;
    pc_cols(P, i, j0, j1, &lo, &hi);
    /* B(i+1, hi+1), read before the cells right of the new band are cleared */
    double diag = (i < i1 && hi < J1) ? out[hi + 1 - J0] : DINF;
    for (long long j = hi + 1; j <= phi; j++) out[j - J0] = DINF;
    double right = DINF;
    for (long long j = hi; j >= lo; j--) {
      size_t c = (size_t)(j - J0);
      double mn;
      if (i == i1) {
        mn = (j == J1) ? 0.0 : right;
      } else {
        double down = out[c];
        mn = dmin(dmin(down, right), diag);
        diag = down;
      }
      double v = pc_cost(P, i, (size_t)j) + mn;
      out[c] = v;
      right = v;
    }
    for (long long j = plo; j <= phi && j < lo; j++) out[j - J0] = DINF;
    plo = lo;
    phi = hi;
  }
}

/* Hirschberg's divide and conquer (Hirschberg 1975, as adapted to DTW): split the rows in half,
 * find the column where an optimal path crosses from row mid to row mid + 1 from a forward pass
 * over the top half and a backward pass over the bottom half, and recurse on the two corners. */
static aw_status pc_solve(pctx *P, size_t i0, size_t i1, size_t j0, size_t j1) {
  size_t rows = i1 - i0 + 1, cols = j1 - j0 + 1;
  if (rows == 1 || cols == 1 || (rows <= P->full_cells / cols)) return pc_full(P, i0, i1, j0, j1);
  size_t mid = i0 + (rows - 1) / 2;
  double *F = P->row, *B = P->row2;
  pc_forward(P, i0, mid, j0, j1, F);
  pc_backward(P, mid + 1, i1, j0, j1, B);
  /* the crossing from row mid to row mid + 1 with the smallest F + B; only in-band cells (every
   * in-band cell of the rectangle lies on some path from corner to corner, so even when costs
   * overflow to +inf the first in-band crossing is a valid split) */
  double best = DINF;
  int found = 0;
  size_t bj = j0, bn = j0;
  for (size_t c = 0; c < cols; c++) {
    size_t j = j0 + c;
    if (!pc_in_band(P, mid, j)) continue;
    if (pc_in_band(P, mid + 1, j)) {
      double v = F[c] + B[c]; /* (mid, j) -> (mid + 1, j) */
      if (!found || v < best) {
        best = v;
        bj = bn = j;
        found = 1;
      }
    }
    if (c + 1 < cols && pc_in_band(P, mid + 1, j + 1)) {
      double w = F[c] + B[c + 1]; /* (mid, j) -> (mid + 1, j + 1) */
      if (!found || w < best) {
        best = w;
        bj = j;
        bn = j + 1;
        found = 1;
      }
    }
  }
  if (!found) return AW_ERR_NUMERIC; /* cannot happen: the corners are in the band */
  aw_status st = pc_solve(P, i0, mid, j0, bj);
  if (st) return st;
  return pc_solve(P, mid + 1, i1, bn, j1);
}

void aw_dtw_path_free(aw_dtw_path *p) {
  if (!p) return;
  AW_FREE(p->i);
  AW_FREE(p->j);
  p->i = p->j = NULL;
  p->len = 0;
}

/* Optimal path between prepared series into path (indices mapped back through orig). */
static aw_status path_solve(const series *A, const series *B, const aw_dtw_opts *o, aw_dtw_path *path, aw_error *err) {
  pctx P;
  memset(&P, 0, sizeof P);
  P.x = A->v;
  P.y = B->v;
  P.n = A->len;
  P.m = B->len;
  P.dims = A->dims;
  P.absolute = o->cost == AW_DTW_ABSOLUTE;
  if (o->window == AW_DTW_NO_WINDOW || o->window >= AW_DTW_MAX_LEN) {
    P.rlo = P.rhi = (long long)AW_DTW_MAX_LEN * 2;
  } else {
    long long r = (long long)o->window;
    P.rlo = r + (P.n > P.m ? (long long)(P.n - P.m) : 0);
    P.rhi = r + (P.m > P.n ? (long long)(P.m - P.n) : 0);
  }
  P.full_cells = o->path_full_cells ? o->path_full_cells : AW_DTW_PATH_FULL_CELLS;
  P.row = aw_alloc_array(P.m + 1, sizeof(double));
  P.row2 = aw_alloc_array(P.m + 1, sizeof(double));
  aw_status st;
  if (!P.row || !P.row2) st = AW_ERR_NOMEM;
  else st = pc_solve(&P, 0, P.n - 1, 0, P.m - 1);
  AW_FREE(P.row);
  AW_FREE(P.row2);
  if (st) {
    AW_FREE(P.pi);
    AW_FREE(P.pj);
    if (st == AW_ERR_NOMEM) return aw_error_set(err, st, "dtw: out of memory for the warping path");
    return aw_error_set(err, st, "dtw: no warping path found (internal error)");
  }
  for (size_t t = 0; t < P.plen; t++) {
    if (A->orig) P.pi[t] = A->orig[P.pi[t]];
    if (B->orig) P.pj[t] = B->orig[P.pj[t]];
  }
  path->i = P.pi;
  path->j = P.pj;
  path->len = P.plen;
  return AW_OK;
}

aw_status aw_dtw_warping_path(const double *x, size_t n, const double *y, size_t m, size_t dims,
                              const aw_dtw_opts *o, double *dist, aw_dtw_path *path, aw_error *err) {
  aw_dtw_opts def;
  if (!o) {
    aw_dtw_opts_default(&def);
    o = &def;
  }
  if (!dist || !path) return aw_error_set(err, AW_ERR_ARG, "dtw: dist and path must not be NULL");
  memset(path, 0, sizeof *path);
  *dist = NAN;
  aw_status st = check_opts(o, err);
  if (st) return st;
  if (dims > 1 && o->multi == AW_DTW_INDEPENDENT)
    return aw_error_set(err, AW_ERR_UNSUPPORTED,
                        "dtw: independent multivariate DTW has one warping path per dimension; ask for each dimension");
  /* the distance: the kernel without abandoning or pruning */
  aw_dtw_opts ko = *o;
  ko.max_dist = DINF;
  ko.prune = 0;
  series A, B;
  if ((st = pair_prep(x, n, y, m, dims, &ko, &A, &B, err))) return st;
  work W;
  size_t nmin = A.len < B.len ? A.len : B.len;
  if ((st = work_init(&W, nmin, dims, err)) == AW_OK) {
    double d = pair_distance(&A, NULL, &B, NULL, &ko, &W, NULL);
    work_free(&W);
    if ((st = path_solve(&A, &B, &ko, path, err)) == AW_OK) *dist = d;
  }
  series_free(&A);
  series_free(&B);
  return st;
}

aw_status aw_dtw_path_cost(const double *x, size_t n, const double *y, size_t m, size_t dims, aw_dtw_cost cost,
                           const aw_dtw_path *path, double *out, aw_error *err) {
  if (!x || !y || !path || !out || dims == 0) return aw_error_set(err, AW_ERR_ARG, "dtw: path_cost: bad arguments");
  if (path->len == 0) return aw_error_set(err, AW_ERR_ARG, "dtw: path_cost: empty path");
  int absolute = cost == AW_DTW_ABSOLUTE;
  double s = 0.0;
  for (size_t t = 0; t < path->len; t++) {
    size_t i = path->i[t], j = path->j[t];
    if (i >= n || j >= m) return aw_error_set(err, AW_ERR_RANGE, "dtw: path_cost: step %zu (%zu, %zu) is outside %zu x %zu", t, i, j, n, m);
    double c = pcost(x[i * dims], y[j * dims], absolute);
    for (size_t d = 1; d < dims; d++) c = c + pcost(x[i * dims + d], y[j * dims + d], absolute);
    s = c + s;
  }
  *out = to_result(s, cost);
  return AW_OK;
}

/* ------------------------------------------------------------------ lower bounds */

aw_status aw_dtw_lb_kim(const double *x, size_t n, const double *y, size_t m, const aw_dtw_opts *o, double *lb,
                        aw_error *err) {
  aw_dtw_opts def;
  if (!o) {
    aw_dtw_opts_default(&def);
    o = &def;
  }
  if (!lb) return aw_error_set(err, AW_ERR_ARG, "dtw: lb is NULL");
  aw_status st = check_opts(o, err);
  if (st) return st;
  series A, B;
  if ((st = pair_prep(x, n, y, m, 1, o, &A, &B, err))) return st;
  int ab = o->cost == AW_DTW_ABSOLUTE;
  const double *a = A.v, *b = B.v;
  size_t na = A.len, nb = B.len;
  double fl = pcost(a[0], b[0], ab);
  if (na + nb > 2) fl = fl + pcost(a[na - 1], b[nb - 1], ab);
  double amax = a[0], amin = a[0], bmax = b[0], bmin = b[0];
  for (size_t i = 1; i < na; i++) {
    if (a[i] > amax) amax = a[i];
    if (a[i] < amin) amin = a[i];
  }
  for (size_t j = 1; j < nb; j++) {
    if (b[j] > bmax) bmax = b[j];
    if (b[j] < bmin) bmin = b[j];
  }
  double v = fl, t = pcost(amax, bmax, ab);
  if (t > v) v = t;
  t = pcost(amin, bmin, ab);
  if (t > v) v = t;
  *lb = to_result(v, o->cost);
  series_free(&A);
  series_free(&B);
  return AW_OK;
}

aw_status aw_dtw_envelope(const double *y, size_t m, size_t n, size_t window, double *lower, double *upper,
                          aw_error *err) {
  if (!y || !lower || !upper || m == 0 || n == 0) return aw_error_set(err, AW_ERR_ARG, "dtw: envelope: bad arguments");
  if (m > AW_DTW_MAX_LEN || n > AW_DTW_MAX_LEN) return aw_error_set(err, AW_ERR_LIMIT, "dtw: envelope: series too long");
  size_t *qmax = aw_alloc_array(m, sizeof *qmax), *qmin = aw_alloc_array(m, sizeof *qmin);
  if (!qmax || !qmin) {
    AW_FREE(qmax);
    AW_FREE(qmin);
    return aw_error_set(err, AW_ERR_NOMEM, "dtw: envelope: out of memory");
  }
  int nowin = window == AW_DTW_NO_WINDOW || window >= AW_DTW_MAX_LEN;
  long long r = nowin ? 0 : (long long)window;
  long long extra_lo = n > m ? (long long)(n - m) : 0, extra_hi = m > n ? (long long)(m - n) : 0;
  /* Lemire's streaming min/max: monotone deques of indices over a window whose ends never move back */
  size_t hmax = 0, tmax = 0, hmin = 0, tmin = 0, next = 0;
  for (size_t i = 0; i < n; i++) {
    long long s = nowin ? 0 : (long long)i - r - extra_lo, e = nowin ? (long long)m - 1 : (long long)i + r + extra_hi;
    if (s < 0) s = 0;
    if (e > (long long)m - 1) e = (long long)m - 1;
    while ((long long)next <= e) {
      while (tmax > hmax && y[qmax[tmax - 1]] <= y[next]) tmax--;
      qmax[tmax++] = next;
      while (tmin > hmin && y[qmin[tmin - 1]] >= y[next]) tmin--;
      qmin[tmin++] = next;
      next++;
    }
    while ((long long)qmax[hmax] < s) hmax++;
    while ((long long)qmin[hmin] < s) hmin++;
    upper[i] = y[qmax[hmax]];
    lower[i] = y[qmin[hmin]];
  }
  AW_FREE(qmax);
  AW_FREE(qmin);
  return AW_OK;
}

double aw_dtw_lb_keogh_env(const double *x, size_t n, const double *lower, const double *upper, aw_dtw_cost cost) {
  int ab = cost == AW_DTW_ABSOLUTE;
  double s = 0.0;
  for (size_t i = 0; i < n; i++) {
    double v = x[i];
    if (v > upper[i]) s = pcost(v, upper[i], ab) + s;
    else if (v < lower[i]) s = pcost(v, lower[i], ab) + s;
  }
  return to_result(s, cost);
}

aw_status aw_dtw_lb_keogh(const double *x, size_t n, const double *y, size_t m, const aw_dtw_opts *o, double *lb,
                          aw_error *err) {
  aw_dtw_opts def;
  if (!o) {
    aw_dtw_opts_default(&def);
    o = &def;
  }
  if (!lb) return aw_error_set(err, AW_ERR_ARG, "dtw: lb is NULL");
  aw_status st = check_opts(o, err);
  if (st) return st;
  series A, B;
  if ((st = pair_prep(x, n, y, m, 1, o, &A, &B, err))) return st;
  double *env = aw_alloc_array(2 * A.len, sizeof *env);
  if (!env) st = aw_error_set(err, AW_ERR_NOMEM, "dtw: out of memory for the envelope");
  else if ((st = aw_dtw_envelope(B.v, B.len, A.len, o->window, env, env + A.len, err)) == AW_OK)
    *lb = aw_dtw_lb_keogh_env(A.v, A.len, env, env + A.len, o->cost);
  AW_FREE(env);
  series_free(&A);
  series_free(&B);
  return st;
}

/* ------------------------------------------------------------------ matrices */

aw_status aw_dtw_matrix(const double *data, const size_t *lens, size_t k, size_t dims, const aw_dtw_opts *o,
                        double *out, aw_dtw_stats *stats, const aw_progress *progress, aw_error *err) {
  aw_dtw_opts def;
  if (!o) {
    aw_dtw_opts_default(&def);
    o = &def;
  }
  if (!data || !lens || !out) return aw_error_set(err, AW_ERR_ARG, "dtw matrix: data, lens and out must not be NULL");
  if (k == 0) return aw_error_set(err, AW_ERR_ARG, "dtw matrix: no series");
  if (dims == 0) return aw_error_set(err, AW_ERR_ARG, "dtw matrix: dims must be >= 1");
  aw_status st = check_opts(o, err);
  if (st) return st;
  series *S = aw_calloc_array(k, sizeof *S);
  double **rev = aw_calloc_array(k, sizeof *rev);
  work W;
  memset(&W, 0, sizeof W);
  if (!S || !rev) {
    st = aw_error_set(err, AW_ERR_NOMEM, "dtw matrix: out of memory");
    goto done;
  }
  size_t off = 0, nmax = 0;
  for (size_t s = 0; s < k; s++) {
    char name[48];
    snprintf(name, sizeof name, "series %zu", s);
    if (lens[s] > AW_DTW_MAX_LEN || (dims > 1 && lens[s] > AW_DTW_MAX_LEN / dims)) {
      st = aw_error_set(err, AW_ERR_LIMIT, "dtw matrix: %s is too long (%zu points)", name, lens[s]);
      goto done;
    }
    if ((st = series_prep(data + off, lens[s], dims, o, name, &S[s], err))) goto done;
    off += lens[s] * dims;
    rev[s] = aw_alloc_array(S[s].len * dims, sizeof(double));
    if (!rev[s]) {
      st = aw_error_set(err, AW_ERR_NOMEM, "dtw matrix: out of memory");
      goto done;
    }
    reverse_into(rev[s], &S[s]);
    if (S[s].len > nmax) nmax = S[s].len;
  }
  if ((st = work_init(&W, nmax, dims, err))) goto done;
  double total = (double)k * (double)(k - 1) / 2.0, done_pairs = 0;
  for (size_t a = 0; a < k; a++) {
    out[a * k + a] = 0.0;
    if (aw_progress_report(progress, total > 0 ? done_pairs / total : 1.0, "dtw matrix")) {
      st = aw_error_set(err, AW_ERR_CANCELLED, "dtw matrix: cancelled");
      goto done;
    }
    for (size_t b = a + 1; b < k; b++) {
      double v = pair_distance(&S[a], rev[a], &S[b], rev[b], o, &W, stats);
      out[a * k + b] = out[b * k + a] = v;
    }
    done_pairs += (double)(k - 1 - a);
  }
  aw_progress_report(progress, 1.0, "dtw matrix");
done:
  work_free(&W);
  if (S)
    for (size_t s = 0; s < k; s++) series_free(&S[s]);
  if (rev)
    for (size_t s = 0; s < k; s++) AW_FREE(rev[s]);
  AW_FREE(S);
  AW_FREE(rev);
  return st;
}

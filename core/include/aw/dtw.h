/* aw/dtw.h - dynamic time warping: distances, lower bounds, warping paths, distance matrices.
 *
 *   aw_dtw_opts o; aw_dtw_opts_default(&o);          // squared cost, no window, no normalisation
 *   o.window = 10;                                    // Sakoe-Chiba radius
 *   double d;
 *   if (aw_dtw_distance(x, n, y, m, &o, &d, &err)) ...;
 *
 * Conventions (see docs/dtw.md):
 *  - Cost. With AW_DTW_SQUARED (the default) the point cost is (a - b)^2 and the result is the
 *    square root of the smallest summed cost over warping paths: the dtaidistance convention
 *    (dtaidistance.dtw.distance), so two equal-length series never differ by more than their
 *    Euclidean distance. AW_DTW_SQUARED_SUM returns the sum itself (no root); AW_DTW_ABSOLUTE
 *    uses |a - b| and returns the sum. Multivariate points (dims > 1) cost the sum over dimensions
 *    of the per-dimension costs (squared Euclidean or Manhattan), added in dimension order.
 *  - Window. `window` is the Sakoe-Chiba radius r: cell (i, j) (i indexes x, j indexes y) is
 *    allowed when -r - max(0, n - m) <= j - i <= r + max(0, m - n); the band is widened by the
 *    length difference so that the end cell is always reachable (as dtaidistance does).
 *    dtaidistance's `window=w` is our r = w - 1. AW_DTW_NO_WINDOW (the default) = unconstrained.
 *  - Early abandoning. With max_dist finite, a pair whose distance exceeds max_dist returns
 *    +INFINITY (never a clamped value); a pair at or under it returns its exact distance.
 *  - Pruning (prune = 1). PrunedDTW (Silva & Batista, SDM 2016): cells whose accumulated cost
 *    exceeds an upper bound are not expanded. The upper bound is the cost of a simple warping
 *    path (the diagonal, i.e. the Euclidean distance, for equal lengths), summed in the same order
 *    as the DP, so the result is bit-identical to the unpruned one.
 *  - Input. NaN or +-inf is an error (AW_ERR_NUMERIC naming the series and index) unless
 *    skip_nan is set, in which case NaN points are dropped (a multivariate point is dropped when
 *    any dimension is NaN); infinities and magnitudes above AW_DTW_MAX_ABS (1e100) are always an
 *    error. Processing order: NaN skip, z-normalisation (per dimension, population sd), then PAA.
 *  - Bit identity. The cell update is min-plus arithmetic in the same order in the SIMD kernel
 *    (SSE2 natively, simd128 in WASM) and in scalar code, so results are identical bit for bit
 *    natively and in WASM, and equal to a plain O(n m) loop.
 *
 * Memory: the distance alone takes O(min(n, m)) doubles of DP state (anti-diagonal order) plus a
 * reversed copy of the shorter series (and copies of both when z-normalising, skipping NaN or
 * downsampling). The warping path uses a full matrix up to `path_full_cells` cells and
 * Hirschberg's divide and conquer (linear memory, about twice the work) beyond.
 */
#ifndef AW_DTW_H
#define AW_DTW_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AW_DTW_NO_WINDOW ((size_t)-1)
/* Default full-matrix limit for warping paths: 4M cells (32 MB). */
#define AW_DTW_PATH_FULL_CELLS ((size_t)1 << 22)
/* Largest magnitude accepted in input: (2e100)^2 summed over any path stays far below DBL_MAX, so a
 * distance is never an overflowed +inf (which would read as "abandoned"). */
#define AW_DTW_MAX_ABS 1e100
/* Longest series accepted (points); a guard against absurd sizes from input. */
#define AW_DTW_MAX_LEN ((size_t)1 << 28)

typedef enum aw_dtw_cost {
  AW_DTW_SQUARED = 0,     /* (a-b)^2, result = sqrt(sum): dtaidistance's convention (default) */
  AW_DTW_SQUARED_SUM = 1, /* (a-b)^2, result = the sum (no square root) */
  AW_DTW_ABSOLUTE = 2     /* |a-b|, result = the sum */
} aw_dtw_cost;

typedef enum aw_dtw_multi {
  AW_DTW_DEPENDENT = 0,  /* one warping path for all dimensions (DTW_D) */
  AW_DTW_INDEPENDENT = 1 /* sum over dimensions of the per-dimension distances (DTW_I) */
} aw_dtw_multi;

typedef struct aw_dtw_opts {
  size_t window;        /* Sakoe-Chiba radius; AW_DTW_NO_WINDOW (default) = none */
  aw_dtw_cost cost;     /* default AW_DTW_SQUARED */
  int znorm;            /* 1: z-normalise each series (each dimension) first; a constant series
                           is then an error. Default 0 */
  size_t paa;           /* > 1: Piecewise Aggregate Approximation, the mean of each block of
                           `paa` consecutive points (the last block may be shorter). 0/1 = off */
  int skip_nan;         /* 1: drop NaN points instead of failing. Default 0 */
  double max_dist;      /* early abandoning bound (result units); default +INFINITY = off */
  int prune;            /* 1: PrunedDTW with a warping-path upper bound (exact). Default 0 */
  aw_dtw_multi multi;   /* dims > 1: dependent (default) or independent */
  size_t path_full_cells; /* warping path: full matrix up to this many cells, else Hirschberg.
                             0 = AW_DTW_PATH_FULL_CELLS; 1 forces Hirschberg */
} aw_dtw_opts;

void aw_dtw_opts_default(aw_dtw_opts *o);

/* Work counters (optional outputs). */
typedef struct aw_dtw_stats {
  uint64_t cells;     /* DP cells evaluated */
  uint64_t pairs;     /* pairs compared */
  uint64_t abandoned; /* pairs that exceeded max_dist (returned +INFINITY) */
  uint64_t lb_skips;  /* pairs abandoned by the first/last-cell lower bound without a DP */
} aw_dtw_stats;

/* Univariate DTW distance between x (n values) and y (m values), both borrowed. o may be NULL
 * (defaults). *dist gets the distance, or +INFINITY when early abandoning cut it. */
aw_status aw_dtw_distance(const double *x, size_t n, const double *y, size_t m, const aw_dtw_opts *o,
                          double *dist, aw_error *err);

/* Multivariate DTW: x holds n points of `dims` values each, row-major (x[i * dims + d]); y holds m
 * points. dims == 1 is the univariate case. stats may be NULL; counters are added to. */
aw_status aw_dtw_distance_md(const double *x, size_t n, const double *y, size_t m, size_t dims,
                             const aw_dtw_opts *o, double *dist, aw_dtw_stats *stats, aw_error *err);

/* A warping path: pairs (i[t], j[t]) from (0, 0) to (n'-1, m'-1), each step (1,0), (0,1) or
 * (1,1). Indices refer to the input series (with skip_nan, to the original positions of the kept
 * points); with PAA, to PAA segments (segment s covers points s*paa .. s*paa+paa-1).
 * Arrays owned by the path: release with aw_dtw_path_free. */
typedef struct aw_dtw_path {
  size_t len;
  size_t *i;
  size_t *j;
} aw_dtw_path;
void aw_dtw_path_free(aw_dtw_path *p);

/* Distance and optimal warping path (dependent mode for dims > 1; independent mode has one path
 * per dimension: call per dimension). max_dist and prune are ignored. *dist is the DP distance
 * (bit-identical to aw_dtw_distance_md); the path's cost summed along it equals it exactly with the
 * full matrix and to rounding (a few ulps) with Hirschberg. path must be zero-initialised or
 * freed; it is overwritten. */
aw_status aw_dtw_warping_path(const double *x, size_t n, const double *y, size_t m, size_t dims,
                              const aw_dtw_opts *o, double *dist, aw_dtw_path *path, aw_error *err);

/* The cost of a given path (sum in path order, converted to result units: sqrt for
 * AW_DTW_SQUARED) between the raw series (no preprocessing): for tests and the page's path view. */
aw_status aw_dtw_path_cost(const double *x, size_t n, const double *y, size_t m, size_t dims,
                           aw_dtw_cost cost, const aw_dtw_path *path, double *out, aw_error *err);

/* ---- lower bounds (univariate; the options' znorm, paa, skip_nan, window and cost apply) ----
 *
 * LB_Kim (Kim, Park & Chu, ICDE 2001, with the first+last refinement of the UCR suite):
 *   max( c(x0, y0) + c(x_{n-1}, y_{m-1}),  c(max x, max y),  c(min x, min y) )
 * in result units. Every point of each series is matched at least once, so each term is a lower
 * bound of the summed cost; the first and last cells are distinct cells of every path when
 * n + m > 2 (for n = m = 1 only one of them is counted).
 * LB_Keogh (Keogh & Ratanamahatana, KAIS 2005): the cost of x outside the envelope of y over the
 * window (for row i the envelope spans the allowed columns of the band above), in result units.
 * Both never exceed the DTW distance with the same options (tested as a property). */
aw_status aw_dtw_lb_kim(const double *x, size_t n, const double *y, size_t m, const aw_dtw_opts *o, double *lb,
                        aw_error *err);
aw_status aw_dtw_lb_keogh(const double *x, size_t n, const double *y, size_t m, const aw_dtw_opts *o,
                          double *lb, aw_error *err);
/* Building blocks for search loops: the envelope of y (m points) for queries of n points under
 * radius `window` (AW_DTW_NO_WINDOW allowed): lower[i], upper[i] for i < n (caller-owned arrays
 * of n doubles). O(n + m) (Lemire's streaming min/max). Returns AW_ERR_ARG on bad sizes. */
aw_status aw_dtw_envelope(const double *y, size_t m, size_t n, size_t window, double *lower, double *upper,
                          aw_error *err);
/* LB_Keogh of x against a prepared envelope, in result units of `cost`. */
double aw_dtw_lb_keogh_env(const double *x, size_t n, const double *lower, const double *upper, aw_dtw_cost cost);

/* ---- distance matrices ----
 *
 * k series concatenated in `data`: series s has lens[s] points of `dims` values (row-major),
 * starting right after series s-1. out (caller-owned, k*k doubles, row-major) gets the symmetric
 * matrix with a zero diagonal. With o->prune, each pair runs PrunedDTW (exact); with
 * o->max_dist finite, pairs over the bound are +INFINITY (abandoned, never clamped), first
 * checked by the first/last-cell bound. Progress is reported per row ("dtw matrix"); a cancel
 * returns AW_ERR_CANCELLED. stats may be NULL. */
aw_status aw_dtw_matrix(const double *data, const size_t *lens, size_t k, size_t dims, const aw_dtw_opts *o,
                        double *out, aw_dtw_stats *stats, const aw_progress *progress, aw_error *err);

/* Short name of a cost ("squared", "squared_sum", "absolute") and the reverse (returns 0 on
 * success, -1 for an unknown name). */
const char *aw_dtw_cost_name(aw_dtw_cost c);
int aw_dtw_cost_parse(const char *name, aw_dtw_cost *out);

#ifdef __cplusplus
}
#endif
#endif

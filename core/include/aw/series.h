/* aw/series.h - small numeric helpers on one series: summary statistics and chart downsampling. */
#ifndef AW_SERIES_H
#define AW_SERIES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aw_stats {
  size_t count;    /* finite values */
  size_t missing;  /* NaN values */
  double min, max, mean, std; /* std: population (divide by count); NaN when count == 0 */
} aw_stats;

/* Statistics of x[0..n) ignoring NaN (Welford's update, so one pass and stable). */
void aw_series_stats(const double *x, size_t n, aw_stats *out);

/* Min-max downsampling for charts: splits rows [i0, i1) into `buckets` equal runs and keeps, per
 * run, its minimum and maximum (in time order), so spikes survive. Writes at most 2*buckets points
 * into xs/ys (x = t[i] or i when t is NULL) and returns how many. NaN values are skipped; a run of
 * only NaN yields one NaN point, so the chart shows a gap. */
size_t aw_downsample_minmax(const double *t, const double *y, size_t i0, size_t i1, size_t buckets, double *xs,
                            double *ys);

/* The same for several columns sharing one x axis (what a multi-series chart needs): each bucket
 * gives two x values (its first and last row's time) and, per column, its min and max in the order
 * they occur. ys[k] receives column k's values (each at most 2*buckets). Returns the x count. */
size_t aw_downsample_minmax_shared(const double *t, const double *const *cols, size_t ncols, size_t i0, size_t i1,
                                   size_t buckets, double *xs, double *const *ys);

/* Index of the first row with t[i] >= x in a sorted time column (binary search). */
size_t aw_lower_bound(const double *t, size_t n, double x);

#ifdef __cplusplus
}
#endif
#endif

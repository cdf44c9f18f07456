/* aw/diagnose.h - which replica of a service is the odd one: DTW container diagnosis after the ADS
 * paper (anomaly detection and diagnosis for container-based microservices, section 4.2, Fig. 4).
 *
 * The k replicas of one service serve the same load, so their recent metrics should look alike.
 * For the latest `window` points (the paper: 20), the pairwise DTW distances among replicas form a
 * k x k matrix per metric (or one for the chosen metrics together: multivariate DTW); a replica's
 * score is its distance to the others (the row sum, and the row median); the top replica has the
 * largest score, and it is the suspect when it stands out clearly (margin >= min_margin), else
 * there is "no clear suspect" (-1).
 *
 *   aw_diag_opts o; aw_diag_opts_default(&o);           // window 20, latest point
 *   aw_diag_result r;
 *   if (aw_diagnose(data, k, nmetrics, T, &o, &r, NULL, &err) == AW_OK) {
 *     if (r.suspect >= 0) printf("replica %ld (margin %.2f)\n", r.suspect, r.margin);
 *     aw_diag_result_free(&r);
 *   }
 *
 * Data layout (plain arrays, as the worker passes them): data[(r * nmetrics + j) * T + t] is metric
 * j of replica r at time index t, or with opts.metric_major data[(j * k + r) * T + t] (the layout of
 * the simulator's aw_replica_result.values); every replica has the same T points (loaders of
 * replicas with different lengths must refuse or align them, naming the replicas).
 *
 * Choices where the paper is silent (docs/dtw.md gives the measurements behind them):
 *  - Baseline (off by default). Replicas on different hosts may differ by constant offsets that
 *    are not faults; with `baseline` = B > 0 each replica's metric is first shifted by its own
 *    median over the B points before the window, so DTW compares what changed recently (a fault
 *    older than B points is then absorbed). Off by default: on the simulator's replica scenario,
 *    whose replicas share levels but not the phase of a memory sawtooth, the shift adds offsets
 *    instead of removing them (see docs/dtw.md for both measurements).
 *  - Scaling. Metrics differ in units, so each metric is standardised with one mean and standard
 *    deviation pooled over all replicas in the window (JOINT, default: a replica whose level moved
 *    stays apart from its siblings); ZNORM normalises every series on its own (shape only; a
 *    constant series is an error); NONE uses raw values.
 *  - Margin. margin = 1 - (median distance among the other replicas) / (median distance from the
 *    top replica to them), in [0, 1]: 0 when the top replica is no farther from its siblings than
 *    they are from each other, near 1 when the siblings agree and it does not. It is 0 with two
 *    replicas (they cannot be told apart by distances). runner_up_margin = (s1 - s2) / s1 for the
 *    largest score s1 and the runner-up s2 is reported too; it separates fault-free from faulty
 *    windows less well (its null and fault distributions overlap), so the decision uses margin.
 *  - Several metrics, PER_METRIC mode (default): every metric is diagnosed alone and the metric
 *    whose top replica stands out most decides (a fault usually shows in one or two metrics; adding
 *    the distances of unaffected metrics only adds noise). INDEPENDENT adds the per-metric
 *    distances (DTW_I) and DEPENDENT runs multivariate DTW (DTW_D) on the chosen metrics together.
 */
#ifndef AW_DIAGNOSE_H
#define AW_DIAGNOSE_H

#include <stddef.h>

#include "aw/core.h"
#include "aw/dtw.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AW_DIAG_LATEST ((size_t)-1)
#define AW_DIAG_DEFAULT_WINDOW 20
/* Default min_margin per mode (calibrated on seeded replica scenarios, see docs/dtw.md): the
 * per-metric decision takes the most decisive of several metrics, so chance margins run higher. */
#define AW_DIAG_MARGIN_AUTO (-1.0)
#define AW_DIAG_DEFAULT_MARGIN_PER_METRIC 0.55
#define AW_DIAG_DEFAULT_MARGIN_MULTIVARIATE 0.3

typedef enum aw_diag_mode {
  AW_DIAG_PER_METRIC = 0,  /* each metric alone; the most decisive metric decides (default) */
  AW_DIAG_INDEPENDENT = 1, /* sum over metrics of per-metric DTW distances (DTW_I) */
  AW_DIAG_DEPENDENT = 2    /* multivariate DTW with one warping path for all metrics (DTW_D) */
} aw_diag_mode;

typedef enum aw_diag_scale {
  AW_DIAG_SCALE_JOINT = 0, /* per metric, mean/sd pooled over the replicas in the window (default) */
  AW_DIAG_SCALE_NONE = 1,  /* raw values */
  AW_DIAG_SCALE_ZNORM = 2  /* each replica's series on its own */
} aw_diag_scale;

#define AW_DIAG_BASELINE_AUTO ((size_t)-1)

typedef struct aw_diag_opts {
  size_t window;      /* points per replica, default 20 */
  size_t at;          /* index of the window's last point; AW_DIAG_LATEST (default) = T - 1 */
  size_t baseline;    /* points before the window whose per-replica median is subtracted;
                         0 (default) = off; AW_DIAG_BASELINE_AUTO = 2 x window */
  aw_diag_mode mode;
  aw_diag_scale scale;
  int by_median;      /* 0: the top replica has the largest row sum (default); 1: largest median */
  double min_margin;  /* below this margin there is no clear suspect; AW_DIAG_MARGIN_AUTO
                         (default) = 0.55 per metric, 0.3 multivariate */
  aw_dtw_opts dtw;    /* DTW options (Sakoe-Chiba window, cost, paa, prune (default on: exact),
                         skip_nan). znorm and max_dist are ignored (scaling is `scale`;
                         distances are never abandoned) */
  int metric_major;   /* 0 (default): data[(r * nmetrics + j) * T + t]; 1: data[(j * k + r) * T + t] */
  const char *const *replica_names; /* optional (k names, borrowed): used in error messages */
  const char *const *metric_names;  /* optional (nmetrics names, borrowed) */
} aw_diag_opts;

void aw_diag_opts_default(aw_diag_opts *o);

typedef struct aw_diag_result {
  size_t k, nmetrics;
  size_t start, end;      /* the window: time indices [start, end) */
  size_t baseline_points; /* points actually used for the baseline (0 = none) */
  long metric;            /* PER_METRIC: the deciding metric; -1 in the multivariate modes */
  double *matrix;         /* k * k DTW matrix of the decision (the deciding metric's in PER_METRIC
                             mode, else the multivariate one): row-major, symmetric, zero diagonal */
  double *metric_matrix;  /* nmetrics * k * k: per-metric matrices (metric j at j * k * k) */
  double *score_sum;      /* k: row sums of matrix */
  double *score_median;   /* k: row medians (over the k - 1 other replicas) */
  long suspect;           /* replica index, or -1 when there is no clear suspect */
  long top;               /* replica with the largest score, even when not clear */
  double margin;          /* see above, in [0, 1] */
  double runner_up_margin;/* (s1 - s2) / s1 */
  long *metric_suspect;   /* nmetrics: the decision on each metric alone */
  long *metric_top;       /* nmetrics */
  double *metric_margin;  /* nmetrics */
} aw_diag_result;

/* Diagnoses one window. data is borrowed; res is filled (owned arrays: aw_diag_result_free).
 * Errors: fewer than 2 replicas, a window longer than the data or an `at` outside it, NaN (unless
 * o->dtw.skip_nan), a constant series under ZNORM; messages name the replica and metric. */
aw_status aw_diagnose(const double *data, size_t k, size_t nmetrics, size_t T, const aw_diag_opts *o,
                      aw_diag_result *res, const aw_progress *progress, aw_error *err);
void aw_diag_result_free(aw_diag_result *res);

/* Sliding mode: the suspect over time, for windows ending at window-1, window-1+step, ... T-1
 * (o->at is ignored; each window takes its own baseline from the points before it). Arrays owned
 * by the result (aw_diag_sliding_free). */
typedef struct aw_diag_sliding {
  size_t n, k;
  size_t *at;        /* n: last index of each window */
  long *suspect;     /* n: suspect or -1 */
  long *top;         /* n */
  double *margin;    /* n */
  long *metric;      /* n: deciding metric (PER_METRIC) or -1 */
  double *scores;    /* n * k: the deciding score (sum or median) of each replica */
} aw_diag_sliding;

aw_status aw_diagnose_sliding(const double *data, size_t k, size_t nmetrics, size_t T, const aw_diag_opts *o,
                              size_t step, aw_diag_sliding *out, const aw_progress *progress, aw_error *err);
void aw_diag_sliding_free(aw_diag_sliding *s);

/* JSON text of a result (keys: replicas, metrics, window {start, end, size[, start_time,
 * end_time]}, baseline_points, mode, scale, cost, metric (deciding metric or null), matrix, scores
 * {sum, median, by}, suspect (name or null), top, margin, runner_up_margin, min_margin, per_metric
 * [{metric, matrix, suspect, top, margin}]). replica_names (k) and metric_names (nmetrics) are
 * borrowed; either may be NULL (then the options' names, else "r0", "m0", ...). times (may be
 * NULL) gives time stamps (unix seconds) for the window ends. Appends to out. */
aw_status aw_diag_result_json(const aw_diag_result *res, const aw_diag_opts *o, const char *const *replica_names,
                              const char *const *metric_names, const double *times, aw_buf *out, aw_error *err);

const char *aw_diag_mode_name(aw_diag_mode m);
const char *aw_diag_scale_name(aw_diag_scale s);

#ifdef __cplusplus
}
#endif
#endif

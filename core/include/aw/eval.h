/* aw/eval.h - evaluating detectors: point-wise and point-adjusted precision/recall/F1, detection
 * delay, the Numenta Anomaly Benchmark score (NAB), the anomaly likelihood, the percentile
 * threshold and per-entity false positive rate, and the 5-minute aggregation of the IBM Cloud
 * dataset paper (streaming, with pivot to the wide column template and back).
 *
 * Every function takes plain caller-owned arrays (labels and predictions are bytes, 0 or non-zero;
 * times are unix seconds), so the web worker can call them on views of the WASM heap.
 */
#ifndef AW_EVAL_H
#define AW_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ precision / recall / F1 */

typedef struct aw_prf {
  uint64_t tp, fp, fn, tn;
  double precision;  /* tp / (tp + fp); 0 when nothing was predicted */
  double recall;     /* tp / (tp + fn); 0 when nothing is labelled */
  double f1;         /* 2 P R / (P + R); 0 when P + R = 0 */
} aw_prf;

/* Point-wise scores of pred against label (n each). */
aw_status aw_eval_pointwise(const uint8_t *pred, const uint8_t *label, size_t n, aw_prf *out, aw_error *err);

/* Point-adjusted scores as DAM (Chen et al., ICWS 2022) and Donut (Xu et al., WWW 2018) compute
 * them: a labelled segment (maximal run of label != 0) counts as detected entirely when any point
 * in it is predicted; predictions outside segments are unchanged. adjusted (n bytes, may be NULL)
 * receives the adjusted predictions. */
aw_status aw_eval_point_adjusted(const uint8_t *pred, const uint8_t *label, size_t n, aw_prf *out,
                                 uint8_t *adjusted, aw_error *err);

/* One labelled segment and how it was detected. */
typedef struct aw_segment {
  size_t start, end;     /* row indices, inclusive */
  int detected;
  size_t first;          /* first predicted row in the segment (valid when detected) */
  size_t delay;          /* first - start, in rows (valid when detected) */
  double delay_time;     /* time[first] - time[start] in the time unit given, NaN without times */
} aw_segment;

/* The labelled segments of label (n) with their detection delay under pred. *out is allocated
 * (caller frees with AW_FREE / free) and holds *count segments; time (n, may be NULL) gives the
 * delay in time units as well. */
aw_status aw_eval_segments(const uint8_t *pred, const uint8_t *label, const double *time, size_t n,
                           aw_segment **out, size_t *count, aw_error *err);

/* Per-point labels from windows [start_i, end_i] (inclusive, in the units of time): label[j] = 1
 * when time[j] falls in some window. */
aw_status aw_eval_labels_from_windows(const double *time, size_t n, const double *win_start, const double *win_end,
                                      size_t nwin, uint8_t *label, aw_error *err);

/* ------------------------------------------------------------------ NAB scoring
 *
 * Exactly as numenta/NAB v1.1 scores (nab/sweeper.py, nab/runner.py): rows of the probationary
 * period, the first min(floor(0.15 N), 750) rows, are not scored; a row inside a window gets the
 * scaled sigmoid of its relative position there, weighted by A_TP / sigmoid(-1) (earliest
 * detection scores most; only the best row of each window counts, so a window scores its earliest
 * detection), an undetected window -A_FN, a detection outside windows A_FP times the scaled sigmoid
 * of its distance after the previous window (-A_FP before any window). A row is detected when its
 * anomaly score >= threshold. */

typedef struct aw_nab_profile {
  const char *name;
  double tp_weight, fp_weight, fn_weight;
} aw_nab_profile;

#define AW_NAB_NPROFILES 3
/* standard (A_TP 1, A_FP 0.11, A_FN 1), reward_low_FP_rate (A_FP 0.22), reward_low_FN_rate
 * (A_FN 2), in that order (static storage). */
const aw_nab_profile *aw_nab_profiles(void);

/* NAB's scaled sigmoid: -1 for y >= 3, else 2 / (1 + e^(5y)) - 1. */
double aw_nab_scaled_sigmoid(double y);

typedef struct aw_nab_window {
  double start, end;  /* unix seconds (both must be row times of the file) */
} aw_nab_window;

typedef struct aw_nab_file {
  const char *name;              /* for messages */
  const double *time;            /* n row times (unix seconds), ascending */
  const double *score;           /* n anomaly scores */
  size_t n;
  const aw_nab_window *windows;  /* nwindows, in time order, not overlapping */
  size_t nwindows;
} aw_nab_file;

typedef struct aw_nab_counts {
  double score;                  /* raw NAB score */
  uint64_t tp, tn, fp, fn, total;/* row counts over the scored (non-probationary) rows */
} aw_nab_counts;

/* Scores one file at a threshold. row_score (n, may be NULL) receives NAB's per-row S(t) (the
 * weighted sweep score of every row, as NAB writes in its results files). */
aw_status aw_nab_score_file(const aw_nab_file *f, const aw_nab_profile *p, double threshold, aw_nab_counts *out,
                            double *row_score, aw_error *err);

/* Scores every file and sums (per_file: nfiles entries, may be NULL). */
aw_status aw_nab_score_corpus(const aw_nab_file *files, size_t nfiles, const aw_nab_profile *p, double threshold,
                              aw_nab_counts *total, aw_nab_counts *per_file, const aw_progress *prog,
                              aw_error *err);

/* NAB's threshold optimiser (nab/optimizer.py with the sweeper): every distinct anomaly score of
 * the pooled, scored rows of all files is tried as a threshold (and 1.1, detecting nothing); the
 * best total raw score wins (the highest threshold among equal scores). */
aw_status aw_nab_optimize(const aw_nab_file *files, size_t nfiles, const aw_nab_profile *p, double *threshold,
                          aw_nab_counts *best, const aw_progress *prog, aw_error *err);

/* Reads one NAB series from CSV text: the row times from data_text (a NAB data file,
 * `timestamp,value`; may be NULL to take them from the results file) and the `anomaly_score` column
 * of res_text (a detector's results file). Both must parse completely (a rejected row is an error
 * naming the file and line) and have the same number of rows. *time and *score are allocated
 * (caller frees with free / AW_FREE). Names are used in messages. */
aw_status aw_nab_series_from_csv(const char *data_text, size_t data_len, const char *data_name, const char *res_text,
                                 size_t res_len, const char *res_name, double **time, double **score, size_t *n,
                                 aw_error *err);

/* 100 (raw - null_raw) / (perfect - null_raw), perfect = total windows * A_TP (nab/runner.py). */
double aw_nab_normalize(double raw, double null_raw, double perfect);

/* The windows of a combined_windows.json ({"dir/file.csv": [["start", "end"], ...], ...}). */
typedef struct aw_nab_labels aw_nab_labels;
/* Parses the JSON text (name is used in messages). Times "YYYY-MM-DD hh:mm:ss[.ffffff]". */
aw_status aw_nab_labels_parse(const char *json, size_t len, const char *name, aw_nab_labels **out, aw_error *err);
size_t aw_nab_labels_count(const aw_nab_labels *l);
const char *aw_nab_labels_path(const aw_nab_labels *l, size_t i);       /* owned by l */
const aw_nab_window *aw_nab_labels_windows(const aw_nab_labels *l, size_t i, size_t *nwindows);
long aw_nab_labels_find(const aw_nab_labels *l, const char *path);     /* -1 when absent */
size_t aw_nab_labels_total_windows(const aw_nab_labels *l);
void aw_nab_labels_free(aw_nab_labels *l);

/* ------------------------------------------------------------------ anomaly likelihood
 *
 * IBM Cloud dataset paper, Eqs. 1-3 (after Ahmad et al., Neurocomputing 2017): over the errors s,
 *   mu_t = mean(s_{t-W+1..t}),  sigma_t^2 = sum (s_i - mu_t)^2 / (W - 1),
 *   mu~_t = mean(s_{t-W'+1..t}),  L_t = 1 - Q((mu~_t - mu_t) / sigma_t),
 * alarm when L_t >= threshold (= 1 - epsilon). */
typedef struct aw_likelihood_params {
  size_t window;        /* W, default 30 (>= 2) */
  size_t short_window;  /* W', default 2 (1 <= W' <= W) */
  double threshold;     /* default 0.9996 */
} aw_likelihood_params;

void aw_likelihood_params_default(aw_likelihood_params *p);
/* L (n, required) gets the likelihood; the first W-1 rows (no full window yet) get 0.5, as does a
 * window of identical errors (sigma = 0). alarm (n, may be NULL) gets L >= threshold. *alarms (may
 * be NULL) the count. Errors must be finite. */
aw_status aw_anomaly_likelihood(const double *s, size_t n, const aw_likelihood_params *p, double *L, uint8_t *alarm,
                                uint64_t *alarms, aw_error *err);

/* ------------------------------------------------------------------ percentile threshold, FPR */

/* The pct-th percentile (0..100) of x (n >= 1, finite), linear interpolation between order
 * statistics (numpy's default): h = (n-1) pct/100, x[floor h] + frac(h) (x[floor h + 1] - x[floor h]).
 * The eBPF / LSTM-autoencoder paper's threshold is pct = 99.7 of the training reconstruction loss. */
aw_status aw_percentile(const double *x, size_t n, double pct, double *out, aw_error *err);

/* Per-entity false positive rate: for every entity e in [0, n_entities), over its rows with
 * label 0 (label may be NULL: every row is normal), fpr[e] = predicted / normal rows (NaN when the
 * entity has no normal row). fp and neg (n_entities each, may be NULL) receive the counts. */
aw_status aw_eval_entity_fpr(const uint32_t *entity, const uint8_t *pred, const uint8_t *label, size_t n,
                             size_t n_entities, double *fpr, uint64_t *fp, uint64_t *neg, aw_error *err);

/* ------------------------------------------------------------------ aggregation
 *
 * The IBM Cloud dataset paper's preparation: records (time, 6 key fields, value) are grouped into
 * intervals aligned to the wall clock (start = floor(time / interval) * interval, UTC) and, per
 * interval and key, summarised by 8 statistics. Streaming: an interval is emitted once a record
 * more than `lateness` intervals newer arrives, so memory holds only the open intervals; a record
 * for an interval already emitted is an error (raise lateness or sort the input). */

#define AW_AGG_NKEYS 6
#define AW_AGG_NSTATS 8
/* Key names of the column template {location}_{kind}_{host}_{method}_{statusCode}_{endpoint}_{stat}. */
const char *aw_agg_key_name(int k);
/* "min", "max", "median", "mean", "count", "std", "skewness", "kurtosis". */
const char *aw_agg_stat_name(int s);
/* Index of a statistic name, -1 if unknown. */
int aw_agg_stat_find(const char *name, size_t len);

/* The statistics of v[0..n) (v is reordered): min, max, median (mean of the two middle values for
 * even n), mean, count, std (n - 1 denominator), skewness (adjusted Fisher-Pearson G1) and
 * kurtosis (excess, G2) as pandas computes them: NaN when n is too small (std < 2, skewness < 3,
 * kurtosis < 4 values), 0 when all values are equal. */
void aw_agg_stats(double *v, size_t n, double stats[AW_AGG_NSTATS]);

typedef struct aw_agg_opts {
  double interval;       /* seconds, default 300 */
  size_t lateness;       /* intervals a record may lag behind the newest one, default 0 */
  size_t max_values;     /* bound on values held in open intervals (default 64M): AW_ERR_LIMIT */
} aw_agg_opts;

void aw_agg_opts_default(aw_agg_opts *o);

typedef struct aw_agg_row {
  double start;                           /* interval start (unix seconds) */
  const char *key[AW_AGG_NKEYS];          /* NUL-terminated, valid during the callback */
  double stat[AW_AGG_NSTATS];
} aw_agg_row;

/* Receives every finished (interval, key) group, intervals in time order, keys in byte order. */
typedef aw_status (*aw_agg_emit_fn)(void *ud, const aw_agg_row *row, aw_error *err);

typedef struct aw_agg aw_agg;
aw_agg *aw_agg_new(const aw_agg_opts *opts, aw_agg_emit_fn emit, void *ud, aw_error *err);
/* Adds one record; key[k] has key_len[k] bytes (not necessarily NUL-terminated). value must be
 * finite (a missing value is the caller's choice to skip). */
aw_status aw_agg_push(aw_agg *a, double time, const char *const key[AW_AGG_NKEYS], const size_t key_len[AW_AGG_NKEYS],
                      double value, aw_error *err);
/* Emits every open interval. */
aw_status aw_agg_finish(aw_agg *a, aw_error *err);
uint64_t aw_agg_records(const aw_agg *a);
uint64_t aw_agg_groups_emitted(const aw_agg *a);
size_t aw_agg_peak_values(const aw_agg *a);   /* most values held at once (the memory bound) */
void aw_agg_free(aw_agg *a);

/* Wide column name of (key, stat): the template joined by '_'. Fails (AW_ERR_RANGE) when one of
 * the first five keys contains '_' (the name could not be split back); the endpoint may. Appends
 * to out (NUL-terminated). */
aw_status aw_agg_column_name(const char *const key[AW_AGG_NKEYS], int stat, aw_buf *out, aw_error *err);
/* Splits a wide column name back: the first five '_' separate the first five keys, the last '_'
 * the statistic, the endpoint is what lies between (it may contain '_'). Slices point into name. */
aw_status aw_agg_column_split(const char *name, size_t len, const char *key[AW_AGG_NKEYS],
                              size_t key_len[AW_AGG_NKEYS], int *stat, aw_error *err);

/* Pivot to the wide template: one row per interval start, one column per (key, stat) named by
 * aw_agg_column_name. Holds the cells until aw_pivot_table (memory = the output's size). */
typedef struct aw_pivot aw_pivot;
aw_pivot *aw_pivot_new(aw_error *err);
/* Adds one cell; a second value for the same (time, column) is an error. */
aw_status aw_pivot_add(aw_pivot *p, double time, const char *const key[AW_AGG_NKEYS], const size_t key_len[AW_AGG_NKEYS],
                       int stat, double value, aw_error *err);
/* Builds the table (caller frees): the time column (ascending) and the columns in byte order of
 * their names; cells never given are NaN. */
aw_status aw_pivot_table(const aw_pivot *p, aw_table **out, aw_error *err);
size_t aw_pivot_columns(const aw_pivot *p);
void aw_pivot_free(aw_pivot *p);

#ifdef __cplusplus
}
#endif
#endif

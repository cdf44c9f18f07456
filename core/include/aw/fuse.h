/* aw/fuse.h - DAM's multimodal fusion (Chen et al., ICWS 2022, section II-B): logs and metrics
 * aligned on one time grid, ready for the detectors of aw/nn_model.h.
 *
 *  - Template numbers: the log templates (Drain cluster ids) are ranked by how often they occur in
 *    the training part, most frequent first; a line's template number is its template's rank
 *    (1 = most frequent), so rare events get large numbers. Templates unseen in the training part
 *    get K + 1, past the largest rank K.
 *  - Per grid step (default 1 s), the log dimension is the MAXIMUM template number of the lines in
 *    that step (the paper: anomalies are rare events, a mean would dilute them). Steps without
 *    lines get `log_fill` (default 0: "no log line", below every rank).
 *  - Metrics (one sample per step, possibly with jitter, gaps or duplicates) are put on the grid by
 *    rounding each sample's time to the nearest step; duplicates in a step are averaged; steps
 *    without a sample are gaps, handled by `gap_policy` and always reported (never filled
 *    silently).
 *
 *   aw_fuse_opts o; aw_fuse_opts_default(&o);
 *   aw_fuse_result *r;
 *   aw_fuse(metrics, cols, ncols, line_t, line_tpl, nlines, &o, &r, &err);
 *   // r->table: time grid + the metric columns + "log_template"; r->report: what happened
 *   aw_fuse_result_free(r);
 */
#ifndef AW_FUSE_H
#define AW_FUSE_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum aw_gap_policy {
  AW_GAP_FFILL = 0, /* carry the last value forward (the first steps take the first value) */
  AW_GAP_NAN = 1,   /* leave NaN (the detectors refuse NaN: use to inspect) */
  AW_GAP_ERROR = 2  /* any gap is an error naming the column and the time */
} aw_gap_policy;

typedef struct aw_fuse_opts {
  double step_s;          /* grid step in seconds, default 1 */
  double train_frac;      /* fraction of the grid the template ranks are learned on, default 0.6 */
  double log_fill;        /* log value of a step without lines, default 0 */
  aw_gap_policy gap_policy;
  double t_start, t_end;  /* grid range (unix s); NaN = the metrics' first and last time */
  size_t max_steps;       /* refuse grids longer than this (default 50M steps) */
  const char *log_column; /* name of the log column, default "log_template" */
  /* scoring new data with a trained detector: the template numbers learned on its training part
   * (template id -> rank, 0 = unseen; ids >= fixed_n are unseen) instead of ranking afresh */
  const uint32_t *fixed_rank;
  size_t fixed_n;
  uint32_t fixed_k;       /* K: unseen templates get K + 1 */
} aw_fuse_opts;

void aw_fuse_opts_default(aw_fuse_opts *o);

typedef struct aw_fuse_report {
  size_t steps;                 /* grid length */
  double t0;                    /* time of step 0 */
  size_t train_steps;           /* steps in the training part */
  size_t *gaps;                 /* per metric column: steps without a sample */
  size_t *longest_gap;          /* per metric column: longest run of such steps */
  double *first_gap_time;       /* per metric column: time of its first gap (NaN if none) */
  size_t duplicates;            /* metric samples that shared a step with another (averaged) */
  size_t samples_outside;       /* metric samples outside [t_start, t_end] */
  size_t lines;                 /* log lines given */
  size_t lines_outside;         /* log lines outside the grid (counted, not used) */
  size_t steps_with_logs;       /* steps with at least one line */
  size_t templates_ranked;      /* K: templates seen in the training part */
  size_t test_lines_unseen;     /* lines after the training part whose template got K + 1 */
  uint32_t *template_of_rank;   /* [K]: template id of rank r+1 (most frequent first) */
  uint64_t *count_of_rank;      /* [K]: its occurrences in the training part */
} aw_fuse_report;

typedef struct aw_fuse_result {
  aw_table *table;              /* owned: time grid, metric columns, the log column */
  aw_fuse_report report;        /* arrays owned */
} aw_fuse_result;

/* Fuses metrics (columns `cols` of table `metrics`, which needs a time column; ncols may be 0 when
 * there are only logs, then t_start/t_end must be given) with log lines (line_t[i] unix seconds,
 * line_tpl[i] template id; nlines may be 0). *out owns its table and report. */
aw_status aw_fuse(const aw_table *metrics, const char *const *cols, size_t ncols, const double *line_t,
                  const uint32_t *line_tpl, size_t nlines, const aw_fuse_opts *opts, aw_fuse_result **out,
                  aw_error *err);
void aw_fuse_result_free(aw_fuse_result *r);

#ifdef __cplusplus
}
#endif
#endif

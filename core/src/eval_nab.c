/* eval_nab.c - the Numenta Anomaly Benchmark score, as numenta/NAB v1.1 computes it
 * (nab/sweeper.py for the per-row sweep scores and the per-threshold totals, nab/runner.py for the
 * normalisation, nab/optimizer.py for the pooled threshold search). Part of aw/eval.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/eval.h"
#include "aw/math.h"
#include "cJSON.h"

static const aw_nab_profile PROFILES[AW_NAB_NPROFILES] = {
    {"standard", 1.0, 0.11, 1.0},
    {"reward_low_FP_rate", 1.0, 0.22, 1.0},
    {"reward_low_FN_rate", 1.0, 0.11, 2.0},
};

const aw_nab_profile *aw_nab_profiles(void) { return PROFILES; }

double aw_nab_scaled_sigmoid(double y) {
  /* sweeper.py: -1 at or beyond 3, else 2 sigmoid(-5 y) - 1 */
  if (y >= 3.0) return -1.0;
  return 2.0 * (1.0 / (1.0 + aw_exp(5.0 * y))) - 1.0;
}

double aw_nab_normalize(double raw, double null_raw, double perfect) {
  return 100.0 * (raw - null_raw) / (perfect - null_raw);
}

/* One scored row: its anomaly score, its weighted sweep score and its window (-1 outside). */
typedef struct nab_row {
  double score, sweep;
  int32_t win;
} nab_row;

/* calcSweepScore of sweeper.py for one file. rows receives the scored (non-probationary) rows,
 * *nrows of them; row_score (may be NULL) the weighted sweep score of every row; win_base offsets
 * the window ids (so pooled files keep distinct windows); *used (nwindows flags, may be NULL) marks
 * the windows that have a scored row. */
static aw_status nab_sweep(const aw_nab_file *f, const aw_nab_profile *p, nab_row *rows, size_t *nrows,
                           double *row_score, int32_t win_base, uint8_t *used, aw_error *err) {
  size_t n = f->n;
  const char *name = f->name ? f->name : "(file)";
  if ((!f->time || !f->score) && n) return aw_error_set(err, AW_ERR_ARG, "nab: %s: NULL arrays", name);
  if (f->nwindows && !f->windows) return aw_error_set(err, AW_ERR_ARG, "nab: %s: NULL windows", name);
  for (size_t i = 0; i < n; i++)
    if (f->score[i] != f->score[i])
      return aw_error_set(err, AW_ERR_RANGE, "nab: %s: anomaly score of row %zu is NaN", name, i + 1);
  double max_tp = aw_nab_scaled_sigmoid(-1.0);
  /* min(floor(0.15 N), 0.15 * 5000) */
  double prob = floor(0.15 * (double)n);
  if (prob > 0.15 * 5000.0) prob = 0.15 * 5000.0;
  size_t wi = 0, k = 0;
  int in_win = 0;
  int32_t cur = -1;
  size_t right = 0, prev_right = 0;
  double width = 0.0, prev_width = 0.0;
  int have_prev = 0;
  for (size_t i = 0; i < n; i++) {
    double ts = f->time[i];
    if (wi < f->nwindows && ts == f->windows[wi].start) {
      /* entering a window: its right edge is the first row at its end time */
      size_t r = i;
      while (r < n && f->time[r] != f->windows[wi].end) r++;
      if (r == n)
        return aw_error_set(err, AW_ERR_RANGE, "nab: %s: window %zu ends at a time that is not a row time after its start",
                            name, wi + 1);
      in_win = 1;
      cur = (int32_t)wi;
      right = r;
      width = (double)(r - i + 1);
      wi++;
    }
    double w;
    if (in_win) {
      double pos = -((double)right - (double)i + 1.0) / width;
      w = aw_nab_scaled_sigmoid(pos) * p->tp_weight / max_tp;
    } else {
      double pos;
      if (!have_prev) pos = 3.0;
      /* NAB divides by (width - 1), which is 0 for a one-row window (a ZeroDivisionError there);
       * such a window is scored with the earlier NAB scorer's convention, distance 2. */
      else if (prev_width <= 1.0) pos = 2.0;
      else pos = fabs((double)prev_right - (double)i) / (prev_width - 1.0);
      w = aw_nab_scaled_sigmoid(pos) * p->fp_weight;
    }
    if (row_score) row_score[i] = w;
    if ((double)i >= prob) {
      rows[k].score = f->score[i];
      rows[k].sweep = w;
      rows[k].win = in_win ? win_base + cur : -1;
      if (in_win && used) used[cur] = 1;
      k++;
    }
    if (in_win && ts == f->windows[cur].end) {
      in_win = 0;
      prev_right = i;
      prev_width = width;
      have_prev = 1;
    }
  }
  if (wi < f->nwindows) {
    char buf[48];
    aw_fmt_time_iso(buf, f->windows[wi].start);
    return aw_error_set(err, AW_ERR_RANGE, "nab: %s: window %zu starts at %s, which is not a row time (windows must "
                        "be in time order and start and end on rows)", name, wi + 1, buf);
  }
  *nrows = k;
  return AW_OK;
}

aw_status aw_nab_score_file(const aw_nab_file *f, const aw_nab_profile *p, double threshold, aw_nab_counts *out,
                            double *row_score, aw_error *err) {
  if (!f || !p || !out) return aw_error_set(err, AW_ERR_ARG, "nab: NULL argument");
  memset(out, 0, sizeof *out);
  nab_row *rows = (nab_row *)aw_alloc_array(f->n ? f->n : 1, sizeof *rows);
  uint8_t *used = (uint8_t *)AW_CALLOC(f->nwindows ? f->nwindows : 1, 1);
  double *part = (double *)aw_alloc_array(f->nwindows ? f->nwindows : 1, sizeof(double));
  if (!rows || !used || !part) {
    AW_FREE(rows);
    AW_FREE(used);
    AW_FREE(part);
    return aw_error_set(err, AW_ERR_NOMEM, "nab: out of memory (%zu rows)", f->n);
  }
  size_t k = 0;
  aw_status st = nab_sweep(f, p, rows, &k, row_score, 0, used, err);
  if (st == AW_OK) {
    /* detected iff score >= threshold (scoreDataSet's row matching); each window counts its best
     * detected row, or -A_FN when none; detections outside windows add their FP sweep scores. */
    for (size_t w = 0; w < f->nwindows; w++) part[w] = -p->fn_weight;
    double fp = 0.0;
    for (size_t i = 0; i < k; i++) {
      int det = rows[i].score >= threshold;
      if (rows[i].win < 0) {
        if (det) {
          fp += rows[i].sweep;
          out->fp++;
        } else {
          out->tn++;
        }
      } else if (det) {
        out->tp++;
        if (rows[i].sweep > part[rows[i].win]) part[rows[i].win] = rows[i].sweep;
      } else {
        out->fn++;
      }
    }
    double s = 0.0 + fp;
    for (size_t w = 0; w < f->nwindows; w++)
      if (used[w]) s += part[w];
    out->score = s;
    out->total = out->tp + out->tn + out->fp + out->fn;
  }
  AW_FREE(rows);
  AW_FREE(used);
  AW_FREE(part);
  return st;
}

aw_status aw_nab_score_corpus(const aw_nab_file *files, size_t nfiles, const aw_nab_profile *p, double threshold,
                              aw_nab_counts *total, aw_nab_counts *per_file, const aw_progress *prog,
                              aw_error *err) {
  if (!total || (!files && nfiles)) return aw_error_set(err, AW_ERR_ARG, "nab: NULL argument");
  memset(total, 0, sizeof *total);
  for (size_t i = 0; i < nfiles; i++) {
    if (aw_progress_report(prog, (double)i / (double)nfiles, "nab score"))
      return aw_error_set(err, AW_ERR_CANCELLED, "nab: cancelled");
    aw_nab_counts c;
    aw_status st = aw_nab_score_file(&files[i], p, threshold, &c, NULL, err);
    if (st != AW_OK) return st;
    if (per_file) per_file[i] = c;
    total->score += c.score;
    total->tp += c.tp;
    total->tn += c.tn;
    total->fp += c.fp;
    total->fn += c.fn;
    total->total += c.total;
  }
  return AW_OK;
}

/* Sort order of the pooled rows: score descending, ties in original order (Python's stable sort). */
typedef struct nab_ix {
  double score;
  size_t ix;
} nab_ix;

static int cmp_ix(const void *a, const void *b) {
  const nab_ix *x = (const nab_ix *)a, *y = (const nab_ix *)b;
  if (x->score > y->score) return -1;
  if (x->score < y->score) return 1;
  return (x->ix > y->ix) - (x->ix < y->ix);
}

aw_status aw_nab_optimize(const aw_nab_file *files, size_t nfiles, const aw_nab_profile *p, double *threshold,
                          aw_nab_counts *best, const aw_progress *prog, aw_error *err) {
  if (!threshold || (!files && nfiles) || !p) return aw_error_set(err, AW_ERR_ARG, "nab: NULL argument");
  size_t nrows = 0, nwin = 0;
  for (size_t i = 0; i < nfiles; i++) {
    nrows += files[i].n;
    nwin += files[i].nwindows;
  }
  if (nwin > INT32_MAX) return aw_error_set(err, AW_ERR_LIMIT, "nab: too many windows (%zu)", nwin);
  nab_row *rows = (nab_row *)aw_alloc_array(nrows ? nrows : 1, sizeof *rows);
  nab_ix *ix = (nab_ix *)aw_alloc_array(nrows ? nrows : 1, sizeof *ix);
  uint8_t *used = (uint8_t *)AW_CALLOC(nwin ? nwin : 1, 1);
  double *part = (double *)aw_alloc_array(nwin ? nwin : 1, sizeof(double));
  int32_t *order = (int32_t *)aw_alloc_array(nwin ? nwin : 1, sizeof(int32_t));
  if (!rows || !ix || !used || !part || !order) {
    AW_FREE(rows); AW_FREE(ix); AW_FREE(used); AW_FREE(part); AW_FREE(order);
    return aw_error_set(err, AW_ERR_NOMEM, "nab: out of memory (%zu rows)", nrows);
  }
  aw_status st = AW_OK;
  size_t k = 0, wbase = 0;
  for (size_t i = 0; i < nfiles && st == AW_OK; i++) {
    size_t kk = 0;
    st = nab_sweep(&files[i], p, rows + k, &kk, NULL, (int32_t)wbase, used + wbase, err);
    k += kk;
    wbase += files[i].nwindows;
  }
  if (st == AW_OK && aw_progress_report(prog, 0.3, "nab optimize"))
    st = aw_error_set(err, AW_ERR_CANCELLED, "nab: cancelled");
  if (st == AW_OK) {
    for (size_t i = 0; i < k; i++) {
      ix[i].score = rows[i].score;
      ix[i].ix = i;
    }
    qsort(ix, k, sizeof *ix, cmp_ix);
    /* calcScoreByThreshold: the windows' parts in order of first appearance in the sorted list
     * (Python's dict order), all at -A_FN; the total is re-summed in that order at every
     * threshold, as sum(scoreParts.values()) is. */
    size_t nord = 0;
    for (size_t w = 0; w < nwin; w++) part[w] = -p->fn_weight;
    uint8_t *seen = used; /* reuse: 1 = has scored rows; 2 = already ordered */
    for (size_t i = 0; i < k; i++) {
      int32_t w = rows[ix[i].ix].win;
      if (w >= 0 && seen[w] == 1) {
        seen[w] = 2;
        order[nord++] = w;
      }
    }
    uint64_t tp = 0, fp = 0, tn = 0, fn = 0;
    for (size_t i = 0; i < k; i++) {
      if (rows[i].win < 0) tn++;
      else fn++;
    }
    double fpsum = 0.0, cur = 1.1;
    double best_score = -INFINITY, best_thr = 1.1;
    aw_nab_counts bc = {0};
#define NAB_RECORD()                                                  \
  do {                                                                \
    double s_ = 0.0 + fpsum;                                          \
    for (size_t w_ = 0; w_ < nord; w_++) s_ += part[order[w_]];       \
    if (s_ > best_score) {                                            \
      best_score = s_;                                                \
      best_thr = cur;                                                 \
      bc.score = s_; bc.tp = tp; bc.tn = tn; bc.fp = fp; bc.fn = fn;  \
      bc.total = tp + tn + fp + fn;                                   \
    }                                                                 \
  } while (0)
    for (size_t i = 0; i < k; i++) {
      const nab_row *r = &rows[ix[i].ix];
      if (r->score != cur) {
        NAB_RECORD();
        cur = r->score;
      }
      if (r->win >= 0) {
        tp++;
        fn--;
        if (r->sweep > part[r->win]) part[r->win] = r->sweep;
      } else {
        fp++;
        tn--;
        fpsum += r->sweep;
      }
      if ((i & 0xFFFF) == 0 && i && aw_progress_report(prog, 0.3 + 0.7 * (double)i / (double)k, "nab optimize")) {
        st = aw_error_set(err, AW_ERR_CANCELLED, "nab: cancelled");
        break;
      }
    }
    if (st == AW_OK) NAB_RECORD();
#undef NAB_RECORD
    *threshold = best_thr;
    if (best) *best = bc;
  }
  AW_FREE(rows); AW_FREE(ix); AW_FREE(used); AW_FREE(part); AW_FREE(order);
  return st;
}

/* ------------------------------------------------------------------ combined_windows.json */

struct aw_nab_labels {
  size_t n, total;
  char **path;
  aw_nab_window **win;
  size_t *nwin;
};

void aw_nab_labels_free(aw_nab_labels *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) {
    AW_FREE(l->path ? l->path[i] : NULL);
    AW_FREE(l->win ? l->win[i] : NULL);
  }
  AW_FREE(l->path);
  AW_FREE(l->win);
  AW_FREE(l->nwin);
  AW_FREE(l);
}

static int parse_nab_time(const cJSON *s, double *out) {
  if (!cJSON_IsString(s) || !s->valuestring) return 0;
  aw_time_format fmt;
  return aw_parse_time(s->valuestring, strlen(s->valuestring), AW_TIME_UNKNOWN, out, &fmt) && fmt == AW_TIME_ISO8601;
}

aw_status aw_nab_labels_parse(const char *json, size_t len, const char *name, aw_nab_labels **out, aw_error *err) {
  if (!out || (!json && len)) return aw_error_set(err, AW_ERR_ARG, "nab labels: NULL argument");
  *out = NULL;
  const char *nm = name ? name : "windows";
  cJSON *root = cJSON_ParseWithLength(json, len);
  if (!root) {
    const char *e = cJSON_GetErrorPtr();
    uint64_t line = 1, col = 1;
    if (e && e >= json && e <= json + len)
      for (const char *q = json; q < e; q++) {
        if (*q == '\n') {
          line++;
          col = 1;
        } else {
          col++;
        }
      }
    return aw_error_at(err, AW_ERR_PARSE, nm, line, col, "not valid JSON");
  }
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return aw_error_at(err, AW_ERR_PARSE, nm, 0, 0, "expected an object {\"dir/file.csv\": [[start, end], ...]}");
  }
  aw_nab_labels *l = (aw_nab_labels *)AW_CALLOC(1, sizeof *l);
  size_t n = (size_t)cJSON_GetArraySize(root);
  if (l) {
    l->path = (char **)aw_calloc_array(n ? n : 1, sizeof(char *));
    l->win = (aw_nab_window **)aw_calloc_array(n ? n : 1, sizeof(aw_nab_window *));
    l->nwin = (size_t *)aw_calloc_array(n ? n : 1, sizeof(size_t));
  }
  if (!l || !l->path || !l->win || !l->nwin) {
    cJSON_Delete(root);
    aw_nab_labels_free(l);
    return aw_error_set(err, AW_ERR_NOMEM, "nab labels: out of memory");
  }
  aw_status st = AW_OK;
  const cJSON *it;
  cJSON_ArrayForEach(it, root) {
    size_t i = l->n;
    size_t kl = strlen(it->string ? it->string : "");
    l->path[i] = (char *)AW_MALLOC(kl + 1);
    if (!l->path[i]) {
      st = aw_error_set(err, AW_ERR_NOMEM, "nab labels: out of memory");
      break;
    }
    memcpy(l->path[i], it->string ? it->string : "", kl + 1);
    l->n++;
    if (!cJSON_IsArray(it)) {
      st = aw_error_at(err, AW_ERR_PARSE, nm, 0, 0, "\"%s\": expected an array of [start, end] pairs", l->path[i]);
      break;
    }
    size_t nw = (size_t)cJSON_GetArraySize(it);
    l->win[i] = (aw_nab_window *)aw_alloc_array(nw ? nw : 1, sizeof(aw_nab_window));
    if (!l->win[i]) {
      st = aw_error_set(err, AW_ERR_NOMEM, "nab labels: out of memory");
      break;
    }
    const cJSON *w;
    size_t k = 0;
    cJSON_ArrayForEach(w, it) {
      double a, b;
      if (!cJSON_IsArray(w) || cJSON_GetArraySize(w) != 2 || !parse_nab_time(cJSON_GetArrayItem(w, 0), &a) ||
          !parse_nab_time(cJSON_GetArrayItem(w, 1), &b)) {
        st = aw_error_at(err, AW_ERR_PARSE, nm, 0, 0,
                         "\"%s\": window %zu is not a pair of \"YYYY-MM-DD hh:mm:ss[.ffffff]\" times", l->path[i], k + 1);
        break;
      }
      if (b < a) {
        st = aw_error_at(err, AW_ERR_RANGE, nm, 0, 0, "\"%s\": window %zu ends before it starts", l->path[i], k + 1);
        break;
      }
      if (k > 0 && a <= l->win[i][k - 1].end) {
        st = aw_error_at(err, AW_ERR_RANGE, nm, 0, 0, "\"%s\": window %zu overlaps or precedes window %zu", l->path[i],
                         k + 1, k);
        break;
      }
      l->win[i][k].start = a;
      l->win[i][k].end = b;
      k++;
    }
    if (st != AW_OK) break;
    l->nwin[i] = k;
    l->total += k;
  }
  cJSON_Delete(root);
  if (st != AW_OK) {
    aw_nab_labels_free(l);
    return st;
  }
  *out = l;
  return AW_OK;
}

size_t aw_nab_labels_count(const aw_nab_labels *l) { return l ? l->n : 0; }
const char *aw_nab_labels_path(const aw_nab_labels *l, size_t i) { return l && i < l->n ? l->path[i] : NULL; }
const aw_nab_window *aw_nab_labels_windows(const aw_nab_labels *l, size_t i, size_t *nwindows) {
  if (!l || i >= l->n) {
    if (nwindows) *nwindows = 0;
    return NULL;
  }
  if (nwindows) *nwindows = l->nwin[i];
  return l->win[i];
}
long aw_nab_labels_find(const aw_nab_labels *l, const char *path) {
  if (!l || !path) return -1;
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->path[i], path) == 0) return (long)i;
  return -1;
}
size_t aw_nab_labels_total_windows(const aw_nab_labels *l) { return l ? l->total : 0; }

/* ------------------------------------------------------------------ NAB CSV files */

#include "aw/table.h"

static aw_status load_table(const char *text, size_t len, const char *name, aw_table **out, aw_error *err) {
  aw_loader_opts o;
  aw_loader_opts_default(&o);
  o.csv.name = name;
  o.max_reject_list = 1;
  *out = NULL;
  aw_loader *l = aw_loader_new(&o, err);
  if (!l) return err ? err->code : AW_ERR_NOMEM;
  aw_status st = aw_loader_feed(l, text, len, err);
  if (st == AW_OK) st = aw_loader_finish(l, err);
  if (st == AW_OK && aw_loader_rows_rejected(l) > 0) {
    const aw_reject *r = aw_loader_reject(l, 0);
    st = aw_error_at(err, AW_ERR_PARSE, name, r ? r->line : 0, 0, "row rejected: %s (%llu rejected rows)",
                     r && r->reason ? r->reason : "?", (unsigned long long)aw_loader_rows_rejected(l));
  }
  if (st == AW_OK && !aw_table_time(aw_loader_table(l)))
    st = aw_error_at(err, AW_ERR_PARSE, name, 1, 0, "no timestamp column");
  if (st == AW_OK) {
    *out = aw_loader_take_table(l);
    if (!*out) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  aw_loader_free(l);
  return st;
}

aw_status aw_nab_series_from_csv(const char *data_text, size_t data_len, const char *data_name, const char *res_text,
                                 size_t res_len, const char *res_name, double **time, double **score, size_t *n,
                                 aw_error *err) {
  if (!time || !score || !n || !res_text) return aw_error_set(err, AW_ERR_ARG, "nab: NULL argument");
  *time = *score = NULL;
  *n = 0;
  aw_table *d = NULL, *r = NULL;
  aw_status st = load_table(res_text, res_len, res_name ? res_name : "results", &r, err);
  if (st == AW_OK && data_text) st = load_table(data_text, data_len, data_name ? data_name : "data", &d, err);
  long sc = -1;
  if (st == AW_OK) {
    sc = aw_table_find(r, "anomaly_score");
    if (sc < 0) st = aw_error_at(err, AW_ERR_NOTFOUND, res_name, 1, 0, "no anomaly_score column");
  }
  const aw_table *tt = d ? d : r;
  size_t rows = r ? aw_table_rows(r) : 0;
  if (st == AW_OK && d && aw_table_rows(d) != rows)
    st = aw_error_set(err, AW_ERR_RANGE, "nab: %s has %zu rows but %s has %zu", res_name ? res_name : "results", rows,
                      data_name ? data_name : "data", aw_table_rows(d));
  if (st == AW_OK) {
    *time = (double *)aw_alloc_array(rows ? rows : 1, sizeof(double));
    *score = (double *)aw_alloc_array(rows ? rows : 1, sizeof(double));
    if (!*time || !*score) {
      AW_FREE(*time);
      AW_FREE(*score);
      *time = *score = NULL;
      st = aw_error_set(err, AW_ERR_NOMEM, "nab: out of memory (%zu rows)", rows);
    } else {
      memcpy(*time, aw_table_time(tt), rows * sizeof(double));
      memcpy(*score, aw_table_column(r, (size_t)sc), rows * sizeof(double));
      *n = rows;
      for (size_t i = 0; i < rows && st == AW_OK; i++)
        if ((*score)[i] != (*score)[i])
          st = aw_error_at(err, AW_ERR_PARSE, res_name, i + 2, 0, "anomaly_score is missing");
      if (st != AW_OK) {
        AW_FREE(*time);
        AW_FREE(*score);
        *time = *score = NULL;
        *n = 0;
      }
    }
  }
  aw_table_free(d);
  aw_table_free(r);
  return st;
}

/* step_pot.c - the "pot" op (POT / SPOT / DSPOT thresholds, Siffer et al. KDD 2017, with DAM's q
 * sweep) and the "evaluate" op (point-wise and point-adjusted P/R/F1, detection delay), on
 * workspace tables. The engines are core/src/pot.c and core/src/eval.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/eval.h"
#include "aw/pot.h"
#include "aw/spec.h"
#include "internal/registry.h"

/* The column named by params[key] (or `def`, or the table's only column). */
static aw_status pick_column(aw_step_ctx *ctx, const aw_table *t, const cJSON *params, const char *key,
                             const char *def, long *out, aw_error *err) {
  const char *name;
  aw_status st = aw_json_string(params, ctx->path, key, def, &name, err);
  if (st) return st;
  if (!name) {
    if (aw_table_cols(t) == 1) {
      *out = 0;
      return AW_OK;
    }
    return aw_error_set(err, AW_ERR_ARG, "%s.%s: name the column (the table has %zu)", ctx->path, key, aw_table_cols(t));
  }
  *out = aw_table_find(t, name);
  if (*out < 0) return aw_error_set(err, AW_ERR_NOTFOUND, "%s.%s: no column \"%.80s\"", ctx->path, key, name);
  return AW_OK;
}

/* Per-row labels (1 = anomalous) for table t from params: "labels_column" (a 0/1 column of t) or
 * "labels" (the name of a table with start and end columns, unix seconds, inclusive windows).
 * *out is NULL when neither is given; else malloc'd (caller frees). */
aw_status aw_step_labels(aw_step_ctx *ctx, const aw_table *t, const cJSON *params, uint8_t **out, aw_error *err) {
  *out = NULL;
  const char *col, *tab, *target;
  aw_status st;
  if ((st = aw_json_string(params, ctx->path, "labels_column", NULL, &col, err)) ||
      (st = aw_json_string(params, ctx->path, "labels", NULL, &tab, err)) ||
      (st = aw_json_string(params, ctx->path, "labels_target", NULL, &target, err)))
    return st;
  if (target && !tab) return aw_error_set(err, AW_ERR_ARG, "%s.labels_target: needs \"labels\" (a windows table)", ctx->path);
  if (!col && !tab) return AW_OK;
  if (col && tab) return aw_error_set(err, AW_ERR_ARG, "%s: give \"labels\" or \"labels_column\", not both", ctx->path);
  size_t n = aw_table_rows(t);
  uint8_t *lab = (uint8_t *)AW_CALLOC(n ? n : 1, 1);
  if (!lab) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (col) {
    long j = aw_table_find(t, col);
    if (j < 0) {
      AW_FREE(lab);
      return aw_error_set(err, AW_ERR_NOTFOUND, "%s.labels_column: no column \"%.80s\"", ctx->path, col);
    }
    const double *v = aw_table_column(t, (size_t)j);
    for (size_t i = 0; i < n; i++) lab[i] = v[i] > 0.5;
  } else {
    const aw_table *w = aw_ws_get_table(ctx->ws, tab);
    long js = w ? aw_table_find(w, "start") : -1, je = w ? aw_table_find(w, "end") : -1;
    if (!w || js < 0 || je < 0 || !aw_table_time(t)) {
      AW_FREE(lab);
      if (!aw_table_time(t)) return aw_error_set(err, AW_ERR_ARG, "%s.labels: the input table has no time column", ctx->path);
      return aw_error_set(err, AW_ERR_NOTFOUND, "%s.labels: \"%.80s\" is not a loaded table with start and end columns",
                          ctx->path, tab);
    }
    size_t nw = aw_table_rows(w);
    const double *ws0 = aw_table_column(w, (size_t)js), *we0 = aw_table_column(w, (size_t)je);
    double *ws1 = NULL, *we1 = NULL;
    if (target) {
      /* only the windows of one target (a pod, a series): targets are codes into the load
       * information's "targets" list */
      const cJSON *info = aw_ws_input_info(ctx->ws, tab);
      const cJSON *tl = info ? cJSON_GetObjectItemCaseSensitive(info, "targets") : NULL;
      long jt = aw_table_find(w, "target"), code = -1, k = 0;
      for (const cJSON *c = tl ? tl->child : NULL; c; c = c->next, k++)
        if (cJSON_IsString(c) && strcmp(c->valuestring, target) == 0) code = k;
      if (jt < 0 || code < 0) {
        AW_FREE(lab);
        return aw_error_set(err, AW_ERR_NOTFOUND, "%s.labels_target: no windows for target \"%.80s\" in \"%s\"",
                            ctx->path, target, tab);
      }
      ws1 = (double *)aw_alloc_array(nw ? nw : 1, sizeof(double));
      we1 = (double *)aw_alloc_array(nw ? nw : 1, sizeof(double));
      if (!ws1 || !we1) {
        AW_FREE(ws1);
        AW_FREE(we1);
        AW_FREE(lab);
        return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      }
      const double *tc = aw_table_column(w, (size_t)jt);
      size_t m = 0;
      for (size_t i = 0; i < nw; i++)
        if (tc[i] == (double)code) ws1[m] = ws0[i], we1[m++] = we0[i];
      nw = m;
      ws0 = ws1;
      we0 = we1;
    }
    st = aw_eval_labels_from_windows(aw_table_time(t), n, ws0, we0, nw, lab, err);
    AW_FREE(ws1);
    AW_FREE(we1);
    if (st) {
      AW_FREE(lab);
      return st;
    }
  }
  *out = lab;
  return AW_OK;
}

void aw_step_add_prf(cJSON *o, const aw_prf *p) {
  aw_json_add_number(o, "precision", p->precision);
  aw_json_add_number(o, "recall", p->recall);
  aw_json_add_number(o, "f1", p->f1);
  aw_json_add_number(o, "tp", (double)p->tp);
  aw_json_add_number(o, "fp", (double)p->fp);
  aw_json_add_number(o, "fn", (double)p->fn);
  aw_json_add_number(o, "tn", (double)p->tn);
}

/* Point-wise and point-adjusted scores and per-segment delays of pred against lab. */
static aw_status add_evaluation(cJSON *o, const uint8_t *pred, const uint8_t *lab, const double *time, size_t n,
                                aw_error *err) {
  aw_prf pw, pa;
  aw_status st = aw_eval_pointwise(pred, lab, n, &pw, err);
  if (!st) st = aw_eval_point_adjusted(pred, lab, n, &pa, NULL, err);
  aw_segment *seg = NULL;
  size_t ns = 0;
  if (!st) st = aw_eval_segments(pred, lab, time, n, &seg, &ns, err);
  if (st) return st;
  aw_step_add_prf(cJSON_AddObjectToObject(o, "pointwise"), &pw);
  aw_step_add_prf(cJSON_AddObjectToObject(o, "point_adjusted"), &pa);
  cJSON *segs = cJSON_AddArrayToObject(o, "segments");
  size_t detected = 0;
  double delay_sum = 0;
  for (size_t i = 0; i < ns; i++) {
    cJSON *s = cJSON_CreateObject();
    aw_json_add_number(s, "start", time ? time[seg[i].start] : (double)seg[i].start);
    aw_json_add_number(s, "end", time ? time[seg[i].end] : (double)seg[i].end);
    cJSON_AddBoolToObject(s, "detected", seg[i].detected);
    if (seg[i].detected) {
      detected++;
      double d = time ? seg[i].delay_time : (double)seg[i].delay;
      delay_sum += d;
      aw_json_add_number(s, "delay", d);
    } else {
      cJSON_AddNullToObject(s, "delay");
    }
    cJSON_AddItemToArray(segs, s);
  }
  aw_json_add_number(o, "segments_detected", (double)detected);
  aw_json_add_number(o, "mean_delay", detected ? delay_sum / (double)detected : NAN);
  AW_FREE(seg);
  return AW_OK;
}

static void add_tail(cJSON *o, const aw_pot_tail_result *r) {
  aw_json_add_number(o, "t", r->t);
  aw_json_add_number(o, "gamma", r->gamma);
  aw_json_add_number(o, "sigma", r->sigma);
  aw_json_add_number(o, "z", r->z_abs);
  aw_json_add_number(o, "n", (double)r->n);
  aw_json_add_number(o, "N_t", (double)r->nt);
  aw_json_add_number(o, "alarms", (double)r->alarms);
  cJSON_AddStringToObject(o, "method", aw_gpd_method_name(r->method));
}

/* "pot": thresholds on one column. Output table <id>: value, z_upper[, z_lower], alarm. */
aw_status aw_step_pot(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  static const char *const keys[] = {"column", "level", "q", "init", "stream", "drift", "both", "max_excess",
                                     "keep_alarms", "sweep", "labels", "labels_column", "labels_target", NULL};
  aw_status st = aw_json_check_keys(params, ctx->path, keys, err);
  if (st) return st;
  const aw_table *t = aw_step_input_table(ctx, err);
  if (!t) return err->code;
  long col;
  if ((st = pick_column(ctx, t, params, "column", NULL, &col, err))) return st;
  aw_pot_params p;
  aw_pot_params_default(&p);
  int stream, both, keep, sweep;
  int64_t init, drift, maxex;
  if ((st = aw_json_number(params, ctx->path, "level", 1e-6, 1 - 1e-6, p.level, &p.level, err)) ||
      (st = aw_json_number(params, ctx->path, "q", 1e-12, 0.5, p.q, &p.q, err)) ||
      (st = aw_json_bool(params, ctx->path, "stream", 0, &stream, err)) ||
      (st = aw_json_int(params, ctx->path, "init", 0, (int64_t)1 << 40, stream ? (int64_t)p.n_init : 0, &init, err)) ||
      (st = aw_json_int(params, ctx->path, "drift", 0, (int64_t)1 << 30, 0, &drift, err)) ||
      (st = aw_json_bool(params, ctx->path, "both", 0, &both, err)) ||
      (st = aw_json_int(params, ctx->path, "max_excess", 0, (int64_t)1 << 30, 0, &maxex, err)) ||
      (st = aw_json_bool(params, ctx->path, "keep_alarms", 0, &keep, err)) ||
      (st = aw_json_bool(params, ctx->path, "sweep", 0, &sweep, err)))
    return st;
  p.n_init = (size_t)init;
  p.drift = (size_t)drift;
  p.both = both;
  p.max_excess = (size_t)maxex;
  p.keep_alarms = keep;
  if ((st = aw_pot_params_check(&p, stream, err))) return aw_error_prefix(err, "%s", ctx->path);
  size_t n = aw_table_rows(t);
  const double *x = aw_table_column(t, (size_t)col);
  uint8_t *lab = NULL;
  if ((st = aw_step_labels(ctx, t, params, &lab, err))) return st;
  double *zu = (double *)aw_alloc_array(n ? n : 1, sizeof(double));
  double *zl = (double *)aw_alloc_array(n ? n : 1, sizeof(double));
  uint8_t *al = (uint8_t *)AW_CALLOC(n ? n : 1, 1);
  aw_table *out = aw_table_new();
  if (!zu || !zl || !al || !out) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  aw_pot_result res;
  st = stream ? aw_spot_run(x, n, &p, zu, zl, al, &res, ctx->progress, err) : aw_pot_batch(x, n, &p, zu, zl, al, &res, err);
  if (st) goto done;
  cJSON_AddStringToObject(result, "column", aw_table_col_name(t, (size_t)col));
  cJSON_AddStringToObject(result, "mode", stream ? (p.drift ? "dspot" : "spot") : "batch");
  aw_json_add_number(result, "level", p.level);
  aw_json_add_number(result, "q", p.q);
  if (both) {
    add_tail(cJSON_AddObjectToObject(result, "upper"), &res.upper);
    add_tail(cJSON_AddObjectToObject(result, "lower"), &res.lower);
  } else {
    add_tail(result, &res.upper);
  }
  aw_json_add_number(result, "alarms_total", (double)res.alarms);
  if (lab) {
    cJSON *ev = cJSON_AddObjectToObject(result, "evaluation");
    if ((st = add_evaluation(ev, al, lab, aw_table_time(t), n, err))) goto done;
  }
  if (sweep) {
    aw_pot_sweep sw;
    if ((st = aw_pot_sweep_run(x, n, lab, &p, stream, &sw, ctx->progress, err))) goto done;
    cJSON *rows = cJSON_AddArrayToObject(result, "sweep");
    for (int k = 0; k < AW_POT_SWEEP_N; k++) {
      const aw_pot_sweep_row *r = &sw.rows[k];
      cJSON *o = cJSON_CreateObject();
      aw_json_add_number(o, "q", r->q);
      cJSON_AddBoolToObject(o, "valid", r->valid);
      aw_json_add_number(o, "z_upper", r->z_upper);
      if (both) aw_json_add_number(o, "z_lower", r->z_lower);
      aw_json_add_number(o, "alarms", (double)r->alarms);
      if (sw.uses_labels) {
        aw_json_add_number(o, "precision", r->precision);
        aw_json_add_number(o, "recall", r->recall);
        aw_json_add_number(o, "f1", r->f1);
      }
      cJSON_AddItemToArray(rows, o);
    }
    cJSON_AddBoolToObject(result, "sweep_uses_labels", sw.uses_labels);
    if (sw.best_index >= 0) aw_json_add_number(result, "sweep_best_q", sw.rows[sw.best_index].q);
  }
  if (aw_table_time(t) && (st = aw_table_set_time(out, aw_table_time(t), n, err))) goto done;
  if ((st = aw_table_add_column(out, "value", x, n, err)) || (st = aw_table_add_column(out, "z_upper", zu, n, err)))
    goto done;
  if (both && (st = aw_table_add_column(out, "z_lower", zl, n, err))) goto done;
  {
    double *a = aw_table_add_empty_column(out, "alarm", n, err);
    if (!a) {
      st = err->code;
      goto done;
    }
    for (size_t i = 0; i < n; i++) a[i] = al[i];
  }
  cJSON_AddStringToObject(result, "table", ctx->step->id);
  st = aw_ws_put_table(ctx->ws, ctx->step->id, out, err);
  out = NULL;
done:
  aw_table_free(out);
  AW_FREE(zu);
  AW_FREE(zl);
  AW_FREE(al);
  AW_FREE(lab);
  return st;
}

/* What "evaluate" and "nab" judge: the input table, the column (score_column, or alarm_column
 * defaulting to "alarm"), the optional threshold and the labels (required; *lab malloc'd, caller
 * frees). Flags: JUDGED_NEED_THRESHOLD (a score column must come with a threshold),
 * JUDGED_NEED_TIME (the table must have a time column; `what` names the result for the message). */
enum { JUDGED_NEED_THRESHOLD = 1, JUDGED_NEED_TIME = 2 };

typedef struct judged {
  const aw_table *t;
  long col;
  const char *score_column; /* NULL: an alarm column */
  double threshold;         /* NaN when not given */
  uint8_t *lab;
} judged;

static aw_status judged_params(aw_step_ctx *ctx, const cJSON *params, int flags, const char *what, judged *j,
                               aw_error *err) {
  static const char *const keys[] = {"alarm_column", "score_column", "threshold", "labels", "labels_column",
                                     "labels_target", NULL};
  memset(j, 0, sizeof *j);
  aw_status st = aw_json_check_keys(params, ctx->path, keys, err);
  if (st) return st;
  j->t = aw_step_input_table(ctx, err);
  if (!j->t) return err->code;
  if ((flags & JUDGED_NEED_TIME) && !aw_table_time(j->t))
    return aw_error_set(err, AW_ERR_ARG, "%s: %s need a table with a time column", ctx->path, what);
  if ((st = aw_json_string(params, ctx->path, "score_column", NULL, &j->score_column, err)) ||
      (st = aw_json_number(params, ctx->path, "threshold", -1e300, 1e300, NAN, &j->threshold, err)))
    return st;
  if ((flags & JUDGED_NEED_THRESHOLD) && j->score_column && j->threshold != j->threshold)
    return aw_error_set(err, AW_ERR_ARG, "%s: \"score_column\" needs a \"threshold\"", ctx->path);
  if (j->score_column) st = pick_column(ctx, j->t, params, "score_column", NULL, &j->col, err);
  else st = pick_column(ctx, j->t, params, "alarm_column", "alarm", &j->col, err);
  if (st) return st;
  if ((st = aw_step_labels(ctx, j->t, params, &j->lab, err))) return st;
  if (!j->lab) return aw_error_set(err, AW_ERR_ARG, "%s: give \"labels\" (a windows table) or \"labels_column\"", ctx->path);
  return AW_OK;
}

/* "evaluate": an alarm column (0/1) or a score column with a threshold, against labels. */
aw_status aw_step_evaluate(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  judged j;
  aw_status st = judged_params(ctx, params, JUDGED_NEED_THRESHOLD, NULL, &j, err);
  if (st) return st;
  size_t n = aw_table_rows(j.t);
  uint8_t *pred = (uint8_t *)AW_CALLOC(n ? n : 1, 1);
  if (!pred) {
    AW_FREE(j.lab);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  const double *v = aw_table_column(j.t, (size_t)j.col);
  for (size_t i = 0; i < n; i++) pred[i] = j.score_column ? v[i] > j.threshold : v[i] > 0.5;
  st = add_evaluation(result, pred, j.lab, aw_table_time(j.t), n, err);
  AW_FREE(pred);
  AW_FREE(j.lab);
  return st;
}

/* "nab": the NAB score (numenta/NAB v1.1, core/src/eval_nab.c) of one score column (or a 0/1 alarm
 * column) against labelled windows, in NAB's three application profiles. The labels (a windows
 * table or a 0/1 column, as "evaluate" takes them) become NAB windows: each run of labelled rows is
 * one window from its first to its last row time. With "threshold" every profile scores at it;
 * without, each profile's threshold is NAB's optimiser's (every distinct score tried, the best
 * raw score wins). The normalised score is 100 (raw - null) / (perfect - null) with the null
 * detector (nothing detected) scored on the same windows and perfect = windows * A_TP
 * (nab/runner.py). */
aw_status aw_step_nab(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  judged j;
  aw_status st = judged_params(ctx, params, JUDGED_NEED_TIME, "NAB scores", &j, err);
  if (st) return st;
  const aw_table *t = j.t;
  const double *time = aw_table_time(t);
  const double thr = j.threshold;
  size_t n = aw_table_rows(t), nw = 0;
  aw_segment *seg = NULL;
  aw_nab_window *win = NULL;
  double *score = NULL;
  /* each labelled segment (a run of labelled rows) is one window, first to last row time */
  if ((st = aw_eval_segments(j.lab, j.lab, time, n, &seg, &nw, err))) goto done;
  win = (aw_nab_window *)aw_alloc_array(nw ? nw : 1, sizeof *win);
  score = (double *)aw_alloc_array(n ? n : 1, sizeof(double));
  if (!win || !score) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t w = 0; w < nw; w++) win[w] = (aw_nab_window){time[seg[w].start], time[seg[w].end]};
  /* NAB detects a row when score >= threshold; NaN (a missing score) never detects */
  const double *v = aw_table_column(t, (size_t)j.col);
  for (size_t i = 0; i < n; i++) score[i] = v[i] == v[i] ? v[i] : -INFINITY;
  aw_nab_file f = {ctx->step->id, time, score, n, win, nw};
  const aw_nab_profile *prof = aw_nab_profiles();
  cJSON_AddStringToObject(result, "column", aw_table_col_name(t, (size_t)j.col));
  aw_json_add_number(result, "windows", (double)nw);
  aw_json_add_number(result, "rows", (double)n);
  double prob = floor(0.15 * (double)n);
  aw_json_add_number(result, "probationary_rows", prob < 750 ? prob : 750);
  cJSON *profiles = cJSON_AddArrayToObject(result, "profiles");
  for (int p = 0; p < AW_NAB_NPROFILES && !st; p++) {
    if (aw_progress_report(ctx->progress, (double)p / AW_NAB_NPROFILES, "NAB score")) {
      st = aw_error_set(err, AW_ERR_CANCELLED, "%s: cancelled", ctx->path);
      break;
    }
    double t_p = thr;
    aw_nab_counts c, null;
    if (thr == thr) st = aw_nab_score_file(&f, &prof[p], thr, &c, NULL, err);
    else st = aw_nab_optimize(&f, 1, &prof[p], &t_p, &c, NULL, err);
    if (!st) st = aw_nab_score_file(&f, &prof[p], INFINITY, &null, NULL, err);
    if (st) break;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(profiles, o);
    cJSON_AddStringToObject(o, "profile", prof[p].name);
    aw_json_add_number(o, "threshold", t_p);
    cJSON_AddBoolToObject(o, "optimized", thr != thr);
    aw_json_add_number(o, "raw", c.score);
    aw_json_add_number(o, "null_raw", null.score);
    aw_json_add_number(o, "normalized", nw ? aw_nab_normalize(c.score, null.score, (double)nw * prof[p].tp_weight) : NAN);
    aw_json_add_number(o, "tp", (double)c.tp);
    aw_json_add_number(o, "fp", (double)c.fp);
    aw_json_add_number(o, "fn", (double)c.fn);
    aw_json_add_number(o, "tn", (double)c.tn);
  }
done:
  AW_FREE(seg);
  AW_FREE(win);
  AW_FREE(score);
  AW_FREE(j.lab);
  return st;
}

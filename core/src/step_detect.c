/* step_detect.c - the "detect" op: DAM-style multimodal anomaly detection (Chen et al., ICWS 2022)
 * and the other papers' detectors on a workspace table, end to end:
 *   fusion (aw/fuse.h: metrics and Drain template numbers on one grid, DAM section II-B)
 *   -> dataset (z-score fitted on the training part, windows of W predicting the next step)
 *   -> model and training (aw/nn_model.h) -> anomaly scores
 *   -> threshold (POT on the training scores (Siffer et al.), DAM's q sweep; or the eBPF paper's
 *      99.7th percentile; or the IBM paper's anomaly likelihood)
 *   -> evaluation on the test part (point-adjusted and point-wise P/R/F1) when labels are given.
 * Training reports progress with stages "train epoch=E/N batch=B/M loss=L val=V" so a page can draw
 * the loss curve live; a cancel request stops it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/eval.h"
#include "aw/fuse.h"
#include "aw/logs.h"
#include "aw/nn_model.h"
#include "aw/pot.h"
#include "aw/spec.h"
#include "internal/registry.h"

#define MAX_COLS 256

static const char *const nn_keys[] = {"method", "window", "train_frac", "train_start", "scaling", "allow_constant", "seed", "hidden",
                                      "head", "head_act", "mlp_act", "mlp", "dropout", "leaky_slope", "rnn", "score",
                                      "epochs", "batch", "lr", "val_frac", "patience", "min_delta", "restore_best",
                                      "shuffle", NULL};
static const char *const own_keys[] = {"groups", "columns", "logs", "step", "gap_policy", "log_fill", "threshold",
                                       "labels", "labels_column", "labels_target", "evaluate_on", NULL};

static int in_list(const char *k, const char *const *list) {
  for (; *list; list++)
    if (strcmp(k, *list) == 0) return 1;
  return 0;
}

typedef struct colset {
  const char *name[MAX_COLS];
  int group[MAX_COLS];
  size_t n;
} colset;

static aw_status add_col(colset *c, const char *name, int group, const char *path, aw_error *err) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->name[i], name) == 0) return aw_error_set(err, AW_ERR_RANGE, "%s: column \"%s\" is named twice", path, name);
  if (c->n >= MAX_COLS) return aw_error_set(err, AW_ERR_LIMIT, "%s: more than %d columns", path, MAX_COLS);
  c->name[c->n] = name;
  c->group[c->n++] = group;
  return AW_OK;
}

/* The first of `alts` that t has, or NULL. */
static const char *first_present(const aw_table *t, const char *const *alts) {
  for (; *alts; alts++)
    if (aw_table_find(t, *alts) >= 0) return *alts;
  return NULL;
}

/* DAM's default groups when the table uses the usual names (the simulator's dam-service does). */
static int default_groups(const aw_table *t, colset *c, aw_error *err) {
  static const char *const cpu[] = {"cpu", "cpu_usage", "CpuUsage(m)", NULL}, *const mem[] = {"memory", "mem", "MemoryUsage(Mi)", NULL},
                           *const load[] = {"load_index", "load", "PodWorkload(Ops)", NULL},
                           *const tx[] = {"net_tx", "NetworkTransmitBytes", NULL},
                           *const rx[] = {"net_rx", "NetworkReceiveBytes", NULL},
                           *const fw[] = {"file_write", "fs_write", "SyscallWrite", NULL},
                           *const fr[] = {"file_read", "fs_read", "SyscallRead", NULL};
  const char *const *load_g[] = {cpu, mem, load}, *const *traffic_g[] = {tx, rx, fw, fr};
  for (int i = 0; i < 3; i++) {
    const char *n = first_present(t, load_g[i]);
    if (!n) return 0;
    if (add_col(c, n, AW_NN_GROUP_LOAD, "groups", err)) return -1;
  }
  for (int i = 0; i < 4; i++) {
    const char *n = first_present(t, traffic_g[i]);
    if (!n) return 0;
    if (add_col(c, n, AW_NN_GROUP_TRAFFIC, "groups", err)) return -1;
  }
  return 1;
}

typedef struct train_prog {
  const aw_progress *outer;
  aw_nn_trainer *tr;
  double base, span;
} train_prog;

static int train_report(void *ud, double f, const char *stage) {
  train_prog *p = (train_prog *)ud;
  char buf[200];
  aw_nn_train_stats s;
  aw_nn_trainer_stats(p->tr, &s);
  char loss[AW_FMT_DOUBLE_MAX], val[AW_FMT_DOUBLE_MAX];
  aw_fmt_double(loss, s.last_batch_loss);
  aw_fmt_double(val, s.val_loss);
  snprintf(buf, sizeof buf, "%s epoch=%zu/%zu batch=%zu/%zu loss=%s val=%s", stage ? stage : "train",
           s.epoch + (s.batch ? 1 : 0), s.epochs, s.batch, s.batches_per_epoch, loss, val);
  return aw_progress_report(p->outer, f < 0 ? -1 : p->base + p->span * f, buf);
}


/* Per-row labels (n rows) of the fused table ft: the label column that travelled through the
 * fusion (label_col, when given), else the step's "labels" windows (aw_step_labels; *lab NULL
 * when there are none). *lab is malloc'd (caller frees). */
static aw_status fused_labels(aw_step_ctx *ctx, const aw_table *ft, const char *label_col, size_t n, const cJSON *params,
                              uint8_t **lab, aw_error *err) {
  if (!label_col) return aw_step_labels(ctx, ft, params, lab, err);
  const double *lc = aw_table_column(ft, (size_t)aw_table_find(ft, label_col));
  *lab = (uint8_t *)AW_CALLOC(n, 1);
  if (!*lab) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) (*lab)[i] = lc[i] > 0.5;
  return AW_OK;
}

static void model_free(void *p) { aw_nn_model_free((aw_nn_model *)p); }

/* What scoring new data with a trained detector needs besides the network: its inputs, the
 * fusion's grid step and the template numbers learned on the training part, and the threshold. */
typedef struct aw_detector_fusion {
  size_t ncols;
  char **cols;          /* metric columns, in model order */
  int use_log;          /* the last model input is the log dimension */
  double step, log_fill;
  uint32_t *rank;       /* template id -> number (0 = unseen) */
  size_t nrank;
  uint32_t k;
  int threshold_method; /* 0 pot, 1 percentile, 2 likelihood */
  double threshold;     /* pot/percentile: the score threshold */
} aw_detector_fusion;

#define FUSION_TYPE "detector_fusion"

static void fusion_free(void *p) {
  aw_detector_fusion *f = (aw_detector_fusion *)p;
  if (!f) return;
  for (size_t i = 0; i < f->ncols; i++) AW_FREE(f->cols[i]);
  AW_FREE(f->cols);
  AW_FREE(f->rank);
  AW_FREE(f);
}

aw_status aw_step_detect(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  aw_status st = AW_OK;
  /* unknown keys: anything neither ours nor the detector's */
  for (const cJSON *c = params ? params->child : NULL; c; c = c->next)
    if (!in_list(c->string, own_keys) && !in_list(c->string, nn_keys))
      return aw_error_set(err, AW_ERR_RANGE, "%s: unknown key \"%.60s\"", ctx->path, c->string);
  const aw_table *t = aw_step_input_table(ctx, err);
  if (!t) return err->code;
  /* the detector's options */
  cJSON *nnp = cJSON_CreateObject();
  if (!nnp) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (const cJSON *c = params ? params->child : NULL; c; c = c->next)
    if (in_list(c->string, nn_keys)) cJSON_AddItemToObject(nnp, c->string, cJSON_Duplicate(c, 1));
  aw_nn_kind kind = AW_NN_DAM;
  aw_nn_dataset_opts dopts;
  aw_nn_model_opts mopts;
  aw_nn_train_opts topts;
  aw_nn_dataset_opts_default(&dopts);
  aw_nn_model_opts_default(&mopts);
  aw_nn_train_opts_default(&topts);
  st = aw_nn_opts_from_json(nnp, &kind, &dopts, &mopts, &topts, err);
  cJSON_Delete(nnp);
  if (st) return aw_error_prefix(err, "%s", ctx->path);
  /* the step's seed (derived from the spec's) drives the model and the trainer unless the params
   * give one */
  if (!params || !cJSON_GetObjectItemCaseSensitive(params, "seed")) {
    mopts.seed = ctx->seed;
    topts.seed = ctx->seed ^ 0x9E3779B97F4A7C15ull;
  }
  int is_dam = kind == AW_NN_DAM || kind == AW_NN_DAM_A || kind == AW_NN_DAM_M || kind == AW_NN_DAM_L;

  /* fusion options */
  static const char *const gaps[] = {"ffill", "nan", "error", NULL};
  aw_fuse_opts fo;
  aw_fuse_opts_default(&fo);
  int gp;
  const char *logs_name;
  if ((st = aw_json_number(params, ctx->path, "step", 1e-3, 1e7, 1, &fo.step_s, err)) ||
      (st = aw_json_enum(params, ctx->path, "gap_policy", gaps, 0, &gp, err)) ||
      (st = aw_json_number(params, ctx->path, "log_fill", -1e9, 1e9, 0, &fo.log_fill, err)) ||
      (st = aw_json_string(params, ctx->path, "logs", NULL, &logs_name, err)))
    return st;
  fo.gap_policy = (aw_gap_policy)gp;
  fo.train_frac = dopts.train_frac;
  aw_logs *logs = NULL;
  if (logs_name) {
    logs = (aw_logs *)aw_ws_get_object(ctx->ws, logs_name, AW_LOGS_TYPE);
    if (!logs) return aw_error_set(err, AW_ERR_NOTFOUND, "%s.logs: \"%.60s\" is not a loaded log", ctx->path, logs_name);
  }

  /* columns and groups */
  colset cs;
  memset(&cs, 0, sizeof cs);
  const cJSON *groups = params ? cJSON_GetObjectItemCaseSensitive(params, "groups") : NULL;
  const cJSON *columns = params ? cJSON_GetObjectItemCaseSensitive(params, "columns") : NULL;
  char gpath[96];
  if (groups) {
    static const char *const gk[] = {"load", "traffic", "logs", "other", NULL};
    snprintf(gpath, sizeof gpath, "%s.groups", ctx->path);
    if ((st = aw_json_check_keys(groups, gpath, gk, err))) return st;
    for (int g = 0; g < 4 && !st; g++) {
      const cJSON *arr = cJSON_GetObjectItemCaseSensitive(groups, gk[g]);
      if (!arr) continue;
      if (!cJSON_IsArray(arr)) return aw_error_set(err, AW_ERR_RANGE, "%s.%s: must be an array of column names", gpath, gk[g]);
      for (const cJSON *c = arr->child; c && !st; c = c->next) {
        if (!cJSON_IsString(c)) return aw_error_set(err, AW_ERR_RANGE, "%s.%s: must be strings", gpath, gk[g]);
        if (aw_table_find(t, c->valuestring) < 0)
          return aw_error_set(err, AW_ERR_NOTFOUND, "%s.%s: no column \"%.80s\" in \"%s\"", gpath, gk[g], c->valuestring,
                              ctx->step->input);
        st = add_col(&cs, c->valuestring, g, gpath, err);
      }
    }
    if (st) return st;
  } else if (columns) {
    snprintf(gpath, sizeof gpath, "%s.columns", ctx->path);
    if (!cJSON_IsArray(columns)) return aw_error_set(err, AW_ERR_RANGE, "%s: must be an array of column names", gpath);
    for (const cJSON *c = columns->child; c; c = c->next) {
      if (!cJSON_IsString(c)) return aw_error_set(err, AW_ERR_RANGE, "%s: must be strings", gpath);
      if (aw_table_find(t, c->valuestring) < 0)
        return aw_error_set(err, AW_ERR_NOTFOUND, "%s: no column \"%.80s\"", gpath, c->valuestring);
      if ((st = add_col(&cs, c->valuestring, AW_NN_GROUP_OTHER, gpath, err))) return st;
    }
  } else {
    int r = default_groups(t, &cs, err);
    if (r < 0) return err->code;
    if (r == 0)
      return aw_error_set(err, AW_ERR_ARG,
                          "%s: say which columns to use: \"groups\": {\"load\": [cpu, memory, load], \"traffic\": [net_tx, "
                          "net_rx, file_write, file_read]} (DAM), or \"columns\" (the other detectors)",
                          ctx->path);
  }
  size_t nmetric = cs.n;
  /* labels travel through the fusion too, so they land on the same grid */
  const char *label_col;
  if ((st = aw_json_string(params, ctx->path, "labels_column", NULL, &label_col, err))) return st;
  const char *fcols[MAX_COLS + 1];
  for (size_t i = 0; i < nmetric; i++) fcols[i] = cs.name[i];
  size_t nf = nmetric;
  if (label_col) {
    if (aw_table_find(t, label_col) < 0)
      return aw_error_set(err, AW_ERR_NOTFOUND, "%s.labels_column: no column \"%.80s\"", ctx->path, label_col);
    int dup = 0;
    for (size_t i = 0; i < nmetric; i++) dup |= strcmp(cs.name[i], label_col) == 0;
    if (dup) return aw_error_set(err, AW_ERR_RANGE, "%s.labels_column: \"%s\" is also a model input", ctx->path, label_col);
    fcols[nf++] = label_col;
  }
  aw_fuse_result *fr = NULL;
  aw_nn_dataset *ds = NULL;
  aw_nn_model *model = NULL;
  aw_nn_trainer *tr = NULL;
  double *x = NULL;
  float *score = NULL;
  double *sc = NULL, *thr = NULL;
  uint8_t *alarm = NULL, *lab = NULL;
  aw_table *out = NULL;
  int thr_method = 0;
  double thr_value = NAN;
  if ((st = aw_fuse(t, fcols, nf, logs ? logs->time : NULL, logs ? logs->cluster : NULL, logs ? logs->n : 0, &fo, &fr, err)))
    goto done;
  const aw_table *ft = fr->table;
  size_t n = aw_table_rows(ft);
  /* the model's inputs: the metric columns, then the log dimension (logs group) */
  int use_log = logs != NULL && kind != AW_NN_DAM_L;
  size_t d = nmetric + (use_log ? 1 : 0);
  if (d == 0) {
    st = aw_error_set(err, AW_ERR_ARG, "%s: no input columns", ctx->path);
    goto done;
  }
  x = (double *)aw_alloc_array(n * d, sizeof(double));
  int grp[MAX_COLS + 1];
  const char *names[MAX_COLS + 1];
  if (!x) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory (%zu x %zu values)", n, d);
    goto done;
  }
  for (size_t j = 0; j < d; j++) {
    const char *nm = j < nmetric ? cs.name[j] : fo.log_column;
    const double *col = aw_table_column(ft, (size_t)aw_table_find(ft, nm));
    grp[j] = j < nmetric ? cs.group[j] : AW_NN_GROUP_LOGS;
    names[j] = nm;
    for (size_t i = 0; i < n; i++) x[i * d + j] = col[i];
  }
  if (is_dam && !groups && !use_log && kind != AW_NN_DAM_L) {
    st = aw_error_set(err, AW_ERR_ARG, "%s: %s needs the log dimension: give \"logs\" (a loaded log)", ctx->path,
                      aw_nn_kind_name(kind));
    goto done;
  }
  dopts.groups = grp;
  dopts.names = names;
  if (!(ds = aw_nn_dataset_new(x, n, d, &dopts, err))) {
    st = err->code;
    goto done;
  }
  if (!(model = aw_nn_model_new(kind, ds, &mopts, err))) {
    st = err->code;
    goto done;
  }
  if (!(tr = aw_nn_trainer_new(model, ds, &topts, err))) {
    st = err->code;
    goto done;
  }
  {
    train_prog tp = {ctx->progress, tr, 0.0, 0.9};
    aw_progress prog = {train_report, &tp};
    if ((st = aw_nn_trainer_run(tr, &prog, err))) goto done;
  }
  size_t W = aw_nn_dataset_window(ds), nw = aw_nn_dataset_windows(ds), ntw = aw_nn_dataset_train_windows(ds);
  size_t train_steps = aw_nn_dataset_train_steps(ds), tw0 = aw_nn_dataset_train_first(ds);
  /* steps [tr_lo, tr_hi) are the training part */
  size_t tr_lo = tw0, tr_hi = tw0 + train_steps;
  score = (float *)aw_alloc_array(nw ? nw : 1, sizeof(float));
  sc = (double *)aw_alloc_array(n, sizeof(double));
  thr = (double *)aw_alloc_array(n, sizeof(double));
  alarm = (uint8_t *)AW_CALLOC(n, 1);
  if (!score || !sc || !thr || !alarm) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((st = aw_nn_model_score(model, ds, 0, nw, score, NULL, NULL, err))) goto done;
  for (size_t i = 0; i < n; i++) sc[i] = i < W ? NAN : (double)score[i - W];

  /* threshold */
  {
    static const char *const tmeth[] = {"pot", "percentile", "likelihood", NULL};
    static const char *const tkeys[] = {"method", "level", "q", "sweep", "percentile", "window", "short_window",
                                        "likelihood", NULL};
    const cJSON *th = params ? cJSON_GetObjectItemCaseSensitive(params, "threshold") : NULL;
    char tpath[96];
    snprintf(tpath, sizeof tpath, "%s.threshold", ctx->path);
    int tm, sweep;
    double pct;
    aw_pot_params pp;
    aw_pot_params_default(&pp);
    if ((st = aw_json_check_keys(th, tpath, tkeys, err)) ||
        (st = aw_json_enum(th, tpath, "method", tmeth, kind == AW_NN_LSTM_AE ? 1 : 0, &tm, err)) ||
        (st = aw_json_number(th, tpath, "level", 0.5, 0.9999, pp.level, &pp.level, err)) ||
        (st = aw_json_number(th, tpath, "q", 1e-7, 0.49, pp.q, &pp.q, err)) ||
        (st = aw_json_bool(th, tpath, "sweep", 0, &sweep, err)) ||
        (st = aw_json_number(th, tpath, "percentile", 50, 100, 99.7, &pct, err)))
      goto done;
    cJSON *tj = cJSON_AddObjectToObject(result, "threshold");
    cJSON_AddStringToObject(tj, "method", tmeth[tm]);
    thr_method = tm;
    const double *s_w = sc + W; /* the scores by window */
    if (tm == 0) {
      /* POT fitted on the training windows' scores ([S17] Alg. 1), its threshold applied to every
       * window */
      pp.n_init = 0;
      aw_pot_result pr;
      double *zu = (double *)aw_alloc_array(ntw ? ntw : 1, sizeof(double));
      uint8_t *al = (uint8_t *)AW_CALLOC(ntw ? ntw : 1, 1);
      if (!zu || !al) {
        AW_FREE(zu);
        AW_FREE(al);
        st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        goto done;
      }
      st = aw_pot_batch(s_w + tw0, ntw, &pp, zu, NULL, al, &pr, err);
      if (!st) {
        double z = pr.upper.z_abs;
        for (size_t i = 0; i < n; i++) {
          thr[i] = i < W ? NAN : z;
          alarm[i] = i >= W && sc[i] > z;
        }
        aw_json_add_number(tj, "level", pp.level);
        aw_json_add_number(tj, "q", pp.q);
        aw_json_add_number(tj, "t", pr.upper.t);
        aw_json_add_number(tj, "gamma", pr.upper.gamma);
        aw_json_add_number(tj, "sigma", pr.upper.sigma);
        aw_json_add_number(tj, "z", pr.upper.z_abs);
        aw_json_add_number(result, "q", pp.q);
        aw_json_add_number(result, "threshold_value", pr.upper.z_abs);
        thr_value = pr.upper.z_abs;
      }
      AW_FREE(zu);
      AW_FREE(al);
      if (st) {
        aw_error_prefix(err, "%s", tpath);
        goto done;
      }
    } else if (tm == 1) {
      /* the eBPF paper's rule: a percentile of the training windows' scores */
      double z;
      float *tmp = (float *)aw_alloc_array(ntw ? ntw : 1, sizeof(float));
      if (!tmp) {
        st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        goto done;
      }
      memcpy(tmp, score + tw0, ntw * sizeof(float));
      st = aw_nn_percentile(tmp, ntw, pct, &z, err);
      AW_FREE(tmp);
      if (st) goto done;
      for (size_t i = 0; i < n; i++) {
        thr[i] = i < W ? NAN : z;
        alarm[i] = i >= W && sc[i] > z;
      }
      aw_json_add_number(tj, "percentile", pct);
      aw_json_add_number(result, "threshold_value", z);
      thr_value = z;
      cJSON_AddNullToObject(result, "q");
    } else {
      /* the IBM paper's anomaly likelihood on the scores (Eqs. 1-3) */
      aw_likelihood_params lp;
      aw_likelihood_params_default(&lp);
      int64_t w1, w2;
      if ((st = aw_json_int(th, tpath, "window", 2, 1 << 20, (int64_t)lp.window, &w1, err)) ||
          (st = aw_json_int(th, tpath, "short_window", 1, 1 << 20, (int64_t)lp.short_window, &w2, err)) ||
          (st = aw_json_number(th, tpath, "likelihood", 0.5, 1, lp.threshold, &lp.threshold, err)))
        goto done;
      lp.window = (size_t)w1;
      lp.short_window = (size_t)w2;
      double *L = (double *)aw_alloc_array(nw ? nw : 1, sizeof(double));
      uint8_t *al = (uint8_t *)AW_CALLOC(nw ? nw : 1, 1);
      if (!L || !al) {
        AW_FREE(L);
        AW_FREE(al);
        st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        goto done;
      }
      st = aw_anomaly_likelihood(s_w, nw, &lp, L, al, NULL, err);
      for (size_t i = 0; !st && i < n; i++) {
        thr[i] = i < W ? NAN : L[i - W];
        alarm[i] = i >= W && al[i - W];
      }
      AW_FREE(L);
      AW_FREE(al);
      if (st) goto done;
      aw_json_add_number(tj, "likelihood", lp.threshold);
      aw_json_add_number(tj, "window", (double)lp.window);
      aw_json_add_number(tj, "short_window", (double)lp.short_window);
      aw_json_add_number(result, "threshold_value", lp.threshold);
      cJSON_AddNullToObject(result, "q");
    }

    /* labels: the label column (fused) or a windows table */
    if ((st = fused_labels(ctx, ft, label_col, n, params, &lab, err))) goto done;
    static const char *const evals[] = {"test", "all", NULL};
    int ev;
    if ((st = aw_json_enum(params, ctx->path, "evaluate_on", evals, 0, &ev, err))) goto done;
    if (lab) {
      /* scored on the test part (the steps outside the training part), or on every step when the
       * data's anomalies all fall in the training part (then the model also trained on them).
       * The test part is made contiguous (the steps before the training part, then those after). */
      size_t ne = 0;
      uint8_t *ea = (uint8_t *)AW_CALLOC(n, 1), *el = (uint8_t *)AW_CALLOC(n, 1);
      if (!ea || !el) {
        AW_FREE(ea);
        AW_FREE(el);
        st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        goto done;
      }
      for (size_t i = 0; i < n; i++)
        if (ev == 1 || i < tr_lo || i >= tr_hi) ea[ne] = alarm[i], el[ne++] = lab[i];
      cJSON_AddStringToObject(result, "evaluated_on", evals[ev]);
      aw_prf pa, pw;
      st = aw_eval_point_adjusted(ea, el, ne, &pa, NULL, err);
      if (!st) st = aw_eval_pointwise(ea, el, ne, &pw, err);
      if (st) {
        AW_FREE(ea);
        AW_FREE(el);
        goto done;
      }
      aw_json_add_number(result, "precision", pa.precision);
      aw_json_add_number(result, "recall", pa.recall);
      aw_json_add_number(result, "f1", pa.f1);
      aw_step_add_prf(cJSON_AddObjectToObject(result, "point_adjusted"), &pa);
      aw_step_add_prf(cJSON_AddObjectToObject(result, "pointwise"), &pw);
      aw_json_add_number(result, "test_steps", (double)ne);
      size_t segs = 0;
      for (size_t i = 0; i < ne; i++) segs += el[i] && (i == 0 || !el[i - 1]);
      aw_json_add_number(result, "test_segments", (double)segs);
      AW_FREE(ea);
      AW_FREE(el);
      if (sweep && tm == 0) {
        /* DAM's sweep of q: each q's POT threshold fitted on the training windows' scores, then
         * scored on the test part exactly as above - with the labels, so it is marked as such */
        aw_pot_sweep sw;
        pp.n_init = 0;
        if ((st = aw_pot_sweep_run(s_w + tw0, ntw, NULL, &pp, 0, &sw, NULL, err))) goto done;
        cJSON *rows = cJSON_AddArrayToObject(result, "sweep");
        int best = -1;
        double best_f1 = -1;
        uint8_t *qa = (uint8_t *)AW_CALLOC(n, 1), *ql = (uint8_t *)AW_CALLOC(n, 1);
        if (!qa || !ql) {
          AW_FREE(qa);
          AW_FREE(ql);
          st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
          goto done;
        }
        for (int r = 0; r < AW_POT_SWEEP_N && !st; r++) {
          double z = sw.rows[r].z_upper;
          size_t m = 0;
          for (size_t i = 0; i < n; i++)
            if (ev == 1 || i < tr_lo || i >= tr_hi) qa[m] = i >= W && sw.rows[r].valid && sc[i] > z, ql[m++] = lab[i];
          aw_prf q;
          if ((st = aw_eval_point_adjusted(qa, ql, m, &q, NULL, err))) break;
          cJSON *o = cJSON_CreateObject();
          aw_json_add_number(o, "q", sw.rows[r].q);
          aw_json_add_number(o, "threshold", sw.rows[r].valid ? z : NAN);
          aw_json_add_number(o, "precision", q.precision);
          aw_json_add_number(o, "recall", q.recall);
          aw_json_add_number(o, "f1", q.f1);
          cJSON_AddItemToArray(rows, o);
          if (sw.rows[r].valid && q.f1 > best_f1) best_f1 = q.f1, best = r;
        }
        AW_FREE(qa);
        AW_FREE(ql);
        if (st) goto done;
        if (best >= 0) {
          aw_json_add_number(result, "sweep_best_q", sw.rows[best].q);
          aw_json_add_number(result, "sweep_best_f1", best_f1);
        }
        cJSON_AddBoolToObject(result, "sweep_uses_labels", 1);
      }
    }
  }

  /* what was trained */
  {
    aw_nn_train_stats s;
    aw_nn_trainer_stats(tr, &s);
    cJSON_AddStringToObject(result, "method", aw_nn_kind_name(kind));
    aw_json_add_number(result, "epochs", (double)s.epoch);
    aw_json_add_number(result, "best_epoch", (double)s.best_epoch);
    cJSON_AddBoolToObject(result, "stopped_early", s.stopped_early);
    aw_json_add_number(result, "train_windows", (double)s.n_train);
    aw_json_add_number(result, "val_windows", (double)s.n_val);
    aw_json_add_number(result, "parameters", (double)aw_nn_model_param_count(model));
    const double *ht, *hv;
    size_t ne = aw_nn_trainer_history(tr, &ht, &hv);
    cJSON *h = cJSON_AddObjectToObject(result, "history");
    cJSON *a = cJSON_AddArrayToObject(h, "train"), *b = cJSON_AddArrayToObject(h, "val");
    for (size_t e = 0; e < ne; e++) {
      cJSON_AddItemToArray(a, ht[e] - ht[e] == 0 ? cJSON_CreateNumber(ht[e]) : cJSON_CreateNull());
      cJSON_AddItemToArray(b, hv[e] - hv[e] == 0 ? cJSON_CreateNumber(hv[e]) : cJSON_CreateNull());
    }
    aw_json_add_number(result, "window", (double)W);
    aw_json_add_number(result, "train_steps", (double)train_steps);
    aw_json_add_number(result, "train_first_step", (double)tw0);
    cJSON *inputs = cJSON_AddArrayToObject(result, "inputs");
    static const char *const gname[] = {"load", "traffic", "logs", "other"};
    for (size_t j = 0; j < d; j++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "column", names[j]);
      cJSON_AddStringToObject(o, "group", gname[grp[j]]);
      cJSON_AddItemToArray(inputs, o);
    }
    cJSON *fj = cJSON_AddObjectToObject(result, "fusion");
    aw_json_add_number(fj, "step", fo.step_s);
    aw_json_add_number(fj, "steps", (double)fr->report.steps);
    aw_json_add_number(fj, "duplicates", (double)fr->report.duplicates);
    cJSON *gj = cJSON_AddObjectToObject(fj, "gaps");
    for (size_t j = 0; j < nmetric; j++) aw_json_add_number(gj, cs.name[j], (double)fr->report.gaps[j]);
    if (logs) {
      aw_json_add_number(fj, "log_lines", (double)fr->report.lines);
      aw_json_add_number(fj, "log_lines_outside", (double)fr->report.lines_outside);
      aw_json_add_number(fj, "steps_with_logs", (double)fr->report.steps_with_logs);
      aw_json_add_number(fj, "templates_ranked", (double)fr->report.templates_ranked);
      aw_json_add_number(fj, "test_lines_unseen", (double)fr->report.test_lines_unseen);
    }
  }

  /* outputs: the scores table and the trained model */
  out = aw_table_new();
  if (!out) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((st = aw_table_set_time(out, aw_table_time(ft), n, err)) || (st = aw_table_add_column(out, "score", sc, n, err)) ||
      (st = aw_table_add_column(out, "threshold", thr, n, err)))
    goto done;
  {
    double *a = aw_table_add_empty_column(out, "alarm", n, err);
    double *lb = a && lab ? aw_table_add_empty_column(out, "label", n, err) : NULL;
    if (!a || (lab && !lb)) {
      st = err->code;
      goto done;
    }
    for (size_t i = 0; i < n; i++) {
      a[i] = alarm[i];
      if (lb) lb[i] = lab[i];
    }
    size_t na = 0;
    for (size_t i = 0; i < n; i++) na += alarm[i];
    aw_json_add_number(result, "alarms", (double)na);
  }
  cJSON_AddStringToObject(result, "table", ctx->step->id);
  if ((st = aw_ws_put_table(ctx->ws, ctx->step->id, out, err))) {
    out = NULL;
    goto done;
  }
  out = NULL;
  {
    /* what scoring new data needs (the "score" op) */
    aw_detector_fusion *df = (aw_detector_fusion *)AW_CALLOC(1, sizeof *df);
    if (!df) {
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      goto done;
    }
    df->cols = (char **)aw_calloc_array(nmetric ? nmetric : 1, sizeof(char *));
    df->ncols = df->cols ? nmetric : 0;
    for (size_t j = 0; j < df->ncols; j++) {
      size_t len = strlen(cs.name[j]);
      df->cols[j] = (char *)AW_MALLOC(len + 1);
      if (df->cols[j]) memcpy(df->cols[j], cs.name[j], len + 1);
      else st = AW_ERR_NOMEM;
    }
    df->use_log = use_log;
    df->step = fo.step_s;
    df->log_fill = fo.log_fill;
    df->k = (uint32_t)fr->report.templates_ranked;
    uint32_t maxid = 0;
    for (size_t k = 0; k < df->k; k++)
      if (fr->report.template_of_rank[k] > maxid) maxid = fr->report.template_of_rank[k];
    df->nrank = df->k ? (size_t)maxid + 1 : 0;
    df->rank = (uint32_t *)aw_calloc_array(df->nrank ? df->nrank : 1, sizeof(uint32_t));
    if (df->rank)
      for (size_t k = 0; k < df->k; k++) df->rank[fr->report.template_of_rank[k]] = (uint32_t)(k + 1);
    df->threshold_method = thr_method;
    df->threshold = thr_value;
    if (!df->cols || !df->rank || st) {
      fusion_free(df);
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      goto done;
    }
    char fname[160];
    snprintf(fname, sizeof fname, "%s.fusion", ctx->step->id);
    if ((st = aw_ws_put_object(ctx->ws, fname, FUSION_TYPE, df, fusion_free, err))) goto done;
  }
  {
    char mname[160];
    snprintf(mname, sizeof mname, "%s.model", ctx->step->id);
    cJSON_AddStringToObject(result, "model", mname);
    aw_nn_trainer_free(tr);
    tr = NULL;
    st = aw_ws_put_object(ctx->ws, mname, "nn_model", model, model_free, err);
    model = NULL;
  }
done:
  aw_table_free(out);
  aw_nn_trainer_free(tr);
  aw_nn_model_free(model);
  aw_nn_dataset_free(ds);
  aw_fuse_result_free(fr);
  AW_FREE(x);
  AW_FREE(score);
  AW_FREE(sc);
  AW_FREE(thr);
  AW_FREE(alarm);
  AW_FREE(lab);
  return st;
}

/* "score": a detector trained by a "detect" step scores new data: the same columns, the same grid
 * step, the template numbers learned on its training part (the new log must be parsed with the
 * same Drain model: load it with the "state" option set to that model's snapshot, or the same
 * log object), the scaling fitted at training, and its threshold. */
aw_status aw_step_score(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  static const char *const keys[] = {"detector", "logs", "gap_policy", "labels", "labels_column", "labels_target", NULL};
  static const char *const gaps[] = {"ffill", "nan", "error", NULL};
  aw_status st = aw_json_check_keys(params, ctx->path, keys, err);
  if (st) return st;
  const aw_table *t = aw_step_input_table(ctx, err);
  if (!t) return err->code;
  const char *det, *logs_name, *label_col;
  int gp;
  if ((st = aw_json_string(params, ctx->path, "detector", NULL, &det, err)) ||
      (st = aw_json_string(params, ctx->path, "logs", NULL, &logs_name, err)) ||
      (st = aw_json_string(params, ctx->path, "labels_column", NULL, &label_col, err)) ||
      (st = aw_json_enum(params, ctx->path, "gap_policy", gaps, 0, &gp, err)))
    return st;
  if (!det) return aw_error_set(err, AW_ERR_ARG, "%s.detector: the id of a detect step is required", ctx->path);
  char name[160];
  snprintf(name, sizeof name, "%s.model", det);
  aw_nn_model *m = (aw_nn_model *)aw_ws_get_object(ctx->ws, name, "nn_model");
  snprintf(name, sizeof name, "%s.fusion", det);
  aw_detector_fusion *df = (aw_detector_fusion *)aw_ws_get_object(ctx->ws, name, FUSION_TYPE);
  if (!m || !df) return aw_error_set(err, AW_ERR_NOTFOUND, "%s.detector: \"%.60s\" is not a trained detector", ctx->path, det);
  aw_logs *logs = NULL;
  if (df->use_log) {
    if (!logs_name)
      return aw_error_set(err, AW_ERR_ARG, "%s.logs: the detector uses the log dimension: give the new data's log", ctx->path);
    logs = (aw_logs *)aw_ws_get_object(ctx->ws, logs_name, AW_LOGS_TYPE);
    if (!logs) return aw_error_set(err, AW_ERR_NOTFOUND, "%s.logs: \"%.60s\" is not a loaded log", ctx->path, logs_name);
  }
  for (size_t j = 0; j < df->ncols; j++)
    if (aw_table_find(t, df->cols[j]) < 0)
      return aw_error_set(err, AW_ERR_NOTFOUND, "%s: the new data has no column \"%s\" (the detector's input)", ctx->path,
                          df->cols[j]);
  const char *fcols[MAX_COLS + 1];
  size_t nf = 0;
  for (size_t j = 0; j < df->ncols && j < MAX_COLS; j++) fcols[nf++] = df->cols[j];
  if (label_col) {
    if (aw_table_find(t, label_col) < 0)
      return aw_error_set(err, AW_ERR_NOTFOUND, "%s.labels_column: no column \"%.80s\"", ctx->path, label_col);
    fcols[nf++] = label_col;
  }
  aw_fuse_opts fo;
  aw_fuse_opts_default(&fo);
  fo.step_s = df->step;
  fo.log_fill = df->log_fill;
  fo.gap_policy = (aw_gap_policy)gp;
  fo.fixed_rank = df->rank;
  fo.fixed_n = df->nrank;
  fo.fixed_k = df->k;
  aw_fuse_result *fr = NULL;
  double *x = NULL, *sc = NULL;
  float *score = NULL, *dims = NULL;
  uint8_t *alarm = NULL, *lab = NULL;
  aw_table *out = NULL;
  if ((st = aw_fuse(t, fcols, nf, logs ? logs->time : NULL, logs ? logs->cluster : NULL, logs ? logs->n : 0, &fo, &fr, err)))
    return st;
  const aw_table *ft = fr->table;
  size_t n = aw_table_rows(ft), d = df->ncols + (df->use_log ? 1 : 0), W = aw_nn_model_window(m);
  if (d != aw_nn_model_dims(m)) {
    st = aw_error_set(err, AW_ERR_STATE, "the detector expects %zu inputs, the data gives %zu", aw_nn_model_dims(m), d);
    goto done;
  }
  if (n <= W) {
    st = aw_error_set(err, AW_ERR_RANGE, "%zu steps: fewer than one window of %zu", n, W + 1);
    goto done;
  }
  x = (double *)aw_alloc_array(n * d, sizeof(double));
  sc = (double *)aw_alloc_array(n, sizeof(double));
  score = (float *)aw_alloc_array(n - W, sizeof(float));
  alarm = (uint8_t *)AW_CALLOC(n, 1);
  if (!x || !sc || !score || !alarm) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t j = 0; j < d; j++) {
    const char *nm = j < df->ncols ? df->cols[j] : fo.log_column;
    const double *col = aw_table_column(ft, (size_t)aw_table_find(ft, nm));
    for (size_t i = 0; i < n; i++) x[i * d + j] = col[i];
  }
  if ((st = aw_nn_model_score_series(m, x, n, d, score, dims, ctx->progress, err))) goto done;
  size_t na = 0;
  for (size_t i = 0; i < n; i++) {
    sc[i] = i < W ? NAN : (double)score[i - W];
    alarm[i] = i >= W && df->threshold_method != 2 && sc[i] > df->threshold;
    na += alarm[i];
  }
  aw_json_add_number(result, "steps", (double)n);
  aw_json_add_number(result, "threshold_value", df->threshold_method == 2 ? NAN : df->threshold);
  aw_json_add_number(result, "alarms", (double)na);
  if (logs) {
    aw_json_add_number(result, "log_lines", (double)fr->report.lines);
    aw_json_add_number(result, "lines_unseen_templates", (double)fr->report.test_lines_unseen);
  }
  if ((st = fused_labels(ctx, ft, label_col, n, params, &lab, err))) goto done;
  if (lab) {
    aw_prf pa, pw;
    if ((st = aw_eval_point_adjusted(alarm, lab, n, &pa, NULL, err)) || (st = aw_eval_pointwise(alarm, lab, n, &pw, err)))
      goto done;
    aw_json_add_number(result, "precision", pa.precision);
    aw_json_add_number(result, "recall", pa.recall);
    aw_json_add_number(result, "f1", pa.f1);
    aw_step_add_prf(cJSON_AddObjectToObject(result, "pointwise"), &pw);
  }
  out = aw_table_new();
  if (!out) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((st = aw_table_set_time(out, aw_table_time(ft), n, err)) || (st = aw_table_add_column(out, "score", sc, n, err)))
    goto done;
  {
    double *a = aw_table_add_empty_column(out, "alarm", n, err);
    if (!a) {
      st = err->code;
      goto done;
    }
    for (size_t i = 0; i < n; i++) a[i] = alarm[i];
  }
  cJSON_AddStringToObject(result, "table", ctx->step->id);
  st = aw_ws_put_table(ctx->ws, ctx->step->id, out, err);
  out = NULL;
done:
  aw_table_free(out);
  aw_fuse_result_free(fr);
  AW_FREE(x);
  AW_FREE(sc);
  AW_FREE(score);
  AW_FREE(alarm);
  AW_FREE(lab);
  return st;
}

/* step_diagnose.c - the "diagnose" op: DTW among the replicas of a service (ADS section 4.2,
 * Fig. 4) on a table whose columns are `<replica>.<metric>` (as the simulator's replica scenario
 * writes them) or one column per replica of a single metric. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/diagnose.h"
#include "aw/series.h"
#include "aw/spec.h"
#include "internal/registry.h"

#define MAX_NAMES 512

typedef struct names {
  char *v[MAX_NAMES];
  size_t n;
} names;

static void names_free(names *s) {
  for (size_t i = 0; i < s->n; i++) AW_FREE(s->v[i]);
  s->n = 0;
}

static long names_find(const names *s, const char *p, size_t len) {
  for (size_t i = 0; i < s->n; i++)
    if (strlen(s->v[i]) == len && memcmp(s->v[i], p, len) == 0) return (long)i;
  return -1;
}

static aw_status names_add(names *s, const char *p, size_t len, aw_error *err) {
  if (names_find(s, p, len) >= 0) return AW_OK;
  if (s->n >= MAX_NAMES) return aw_error_set(err, AW_ERR_LIMIT, "more than %d replicas or metrics", MAX_NAMES);
  char *d = (char *)AW_MALLOC(len + 1);
  if (!d) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  memcpy(d, p, len);
  d[len] = '\0';
  s->v[s->n++] = d;
  return AW_OK;
}

static aw_status names_from_json(const cJSON *arr, const char *path, names *s, aw_error *err) {
  if (!arr) return AW_OK;
  if (!cJSON_IsArray(arr)) return aw_error_set(err, AW_ERR_RANGE, "%s: must be an array of names", path);
  size_t i = 0;
  for (const cJSON *c = arr->child; c; c = c->next, i++) {
    if (!cJSON_IsString(c)) return aw_error_set(err, AW_ERR_RANGE, "%s[%zu]: must be a string", path, i);
    aw_status st = names_add(s, c->valuestring, strlen(c->valuestring), err);
    if (st) return st;
  }
  return AW_OK;
}

aw_status aw_step_diagnose(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  static const char *const keys[] = {"replicas", "metrics", "columns", "window", "at", "mode", "scale", "min_margin",
                                     "by", "sliding", "step", "dtw_window", "cost", "separator", NULL};
  static const char *const modes[] = {"per-metric", "independent", "dependent", NULL};
  static const char *const scales[] = {"joint", "none", "znorm", NULL};
  static const char *const costs[] = {"squared", "absolute", NULL};
  static const char *const bys[] = {"sum", "median", NULL};
  aw_status st = aw_json_check_keys(params, ctx->path, keys, err);
  if (st) return st;
  const aw_table *t = aw_step_input_table(ctx, err);
  if (!t) return err->code;
  int64_t window, step, dtw_window;
  int mode, scale, cost, by, sliding;
  double at, min_margin;
  const char *sep;
  char p[96];
  if ((st = aw_json_int(params, ctx->path, "window", 2, 1 << 20, AW_DIAG_DEFAULT_WINDOW, &window, err)) ||
      (st = aw_json_number(params, ctx->path, "at", -1e15, 1e15, NAN, &at, err)) ||
      (st = aw_json_enum(params, ctx->path, "mode", modes, 0, &mode, err)) ||
      (st = aw_json_enum(params, ctx->path, "scale", scales, 0, &scale, err)) ||
      (st = aw_json_enum(params, ctx->path, "cost", costs, 0, &cost, err)) ||
      (st = aw_json_enum(params, ctx->path, "by", bys, 0, &by, err)) ||
      (st = aw_json_number(params, ctx->path, "min_margin", -1, 1, AW_DIAG_MARGIN_AUTO, &min_margin, err)) ||
      (st = aw_json_bool(params, ctx->path, "sliding", 0, &sliding, err)) ||
      (st = aw_json_int(params, ctx->path, "step", 1, 1 << 20, 1, &step, err)) ||
      (st = aw_json_int(params, ctx->path, "dtw_window", 0, 1 << 20, -1, &dtw_window, err)) ||
      (st = aw_json_string(params, ctx->path, "separator", ".", &sep, err)))
    return st;
  if (strlen(sep) != 1) return aw_error_set(err, AW_ERR_RANGE, "%s.separator: must be one character", ctx->path);
  names reps = {{0}, 0}, mets = {{0}, 0}, cols = {{0}, 0};
  size_t T = aw_table_rows(t), k = 0, nm = 0;
  double *data = NULL;
  const double *tm = aw_table_time(t);
  aw_buf js = {0};
  aw_diag_opts o;
  aw_diag_opts_default(&o);
  snprintf(p, sizeof p, "%s.replicas", ctx->path);
  if ((st = names_from_json(params ? cJSON_GetObjectItemCaseSensitive(params, "replicas") : NULL, p, &reps, err))) goto done;
  snprintf(p, sizeof p, "%s.metrics", ctx->path);
  if ((st = names_from_json(params ? cJSON_GetObjectItemCaseSensitive(params, "metrics") : NULL, p, &mets, err))) goto done;
  snprintf(p, sizeof p, "%s.columns", ctx->path);
  if ((st = names_from_json(params ? cJSON_GetObjectItemCaseSensitive(params, "columns") : NULL, p, &cols, err))) goto done;
  if (cols.n) {
    /* one metric, one column per replica */
    if (reps.n || mets.n) {
      st = aw_error_set(err, AW_ERR_RANGE, "%s: give either \"columns\" or \"replicas\"/\"metrics\"", ctx->path);
      goto done;
    }
    k = cols.n;
    nm = 1;
    data = (double *)aw_alloc_array(k * (T ? T : 1), sizeof(double));
    if (!data) {
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      goto done;
    }
    for (size_t r = 0; r < k; r++) {
      long j = aw_table_find(t, cols.v[r]);
      if (j < 0) {
        st = aw_error_set(err, AW_ERR_NOTFOUND, "%s.columns[%zu]: no column \"%s\"", ctx->path, r, cols.v[r]);
        goto done;
      }
      memcpy(data + r * T, aw_table_column(t, (size_t)j), T * sizeof(double));
      if ((st = names_add(&reps, cols.v[r], strlen(cols.v[r]), err))) goto done;
    }
    if ((st = names_add(&mets, "value", 5, err))) goto done;
  } else {
    /* <replica><sep><metric> columns; replicas and metrics default to those every pair exists for */
    names ar = {{0}, 0}, am = {{0}, 0};
    for (size_t j = 0; j < aw_table_cols(t) && !st; j++) {
      const char *nmj = aw_table_col_name(t, j), *d = strchr(nmj, sep[0]);
      if (!d || d == nmj || !d[1]) continue;
      st = names_add(&ar, nmj, (size_t)(d - nmj), err);
      if (!st) st = names_add(&am, d + 1, strlen(d + 1), err);
    }
    char col[600];
    int infer_reps = reps.n == 0, infer_mets = mets.n == 0;
    for (size_t r = 0; r < ar.n && !st && infer_reps; r++) {
      int all = 1;
      for (size_t m = 0; m < am.n && all; m++) {
        snprintf(col, sizeof col, "%s%c%s", ar.v[r], sep[0], am.v[m]);
        if (aw_table_find(t, col) < 0) all = 0;
      }
      if (all) st = names_add(&reps, ar.v[r], strlen(ar.v[r]), err);
    }
    for (size_t m = 0; m < am.n && !st && infer_mets; m++) {
      int all = 1;
      for (size_t r = 0; r < reps.n && all; r++) {
        snprintf(col, sizeof col, "%s%c%s", reps.v[r], sep[0], am.v[m]);
        if (aw_table_find(t, col) < 0) all = 0;
      }
      if (all) st = names_add(&mets, am.v[m], strlen(am.v[m]), err);
    }
    names_free(&ar);
    names_free(&am);
    if (st) goto done;
    k = reps.n;
    nm = mets.n;
    if (k < 2 || nm < 1) {
      st = aw_error_set(err, AW_ERR_ARG,
                        "%s: found %zu replicas and %zu metrics: name the columns <replica>%s<metric> (e.g. "
                        "replica1.cpu), or give \"columns\" (one per replica)",
                        ctx->path, k, nm, sep);
      goto done;
    }
    data = (double *)aw_alloc_array(k * nm * (T ? T : 1), sizeof(double));
    if (!data) {
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      goto done;
    }
    for (size_t r = 0; r < k; r++)
      for (size_t m = 0; m < nm; m++) {
        snprintf(col, sizeof col, "%s%c%s", reps.v[r], sep[0], mets.v[m]);
        long j = aw_table_find(t, col);
        if (j < 0) {
          st = aw_error_set(err, AW_ERR_NOTFOUND, "no column \"%s\" (replica \"%s\", metric \"%s\")", col, reps.v[r], mets.v[m]);
          goto done;
        }
        memcpy(data + (r * nm + m) * T, aw_table_column(t, (size_t)j), T * sizeof(double));
      }
  }
  o.window = (size_t)window;
  o.mode = (aw_diag_mode)mode;
  o.scale = (aw_diag_scale)scale;
  o.by_median = by == 1;
  o.min_margin = min_margin;
  o.dtw.cost = cost == 1 ? AW_DTW_ABSOLUTE : AW_DTW_SQUARED;
  if (dtw_window >= 0) o.dtw.window = (size_t)dtw_window;
  o.replica_names = (const char *const *)reps.v;
  o.metric_names = (const char *const *)mets.v;
  if (at == at) {
    if (!tm) {
      st = aw_error_set(err, AW_ERR_ARG, "%s.at: the table has no time column", ctx->path);
      goto done;
    }
    size_t i = aw_lower_bound(tm, T, at);
    if (i == T || (tm[i] > at && i > 0)) i = i == 0 ? 0 : i - 1; /* the last point at or before `at` */
    if (i < T && tm[i] > at) {
      char tb[48];
      aw_fmt_time_iso(tb, at);
      st = aw_error_set(err, AW_ERR_RANGE, "%s.at: %s is before the first point", ctx->path, tb);
      goto done;
    }
    o.at = i;
  }
  if (!sliding) {
    aw_diag_result res;
    memset(&res, 0, sizeof res);
    st = aw_diagnose(data, k, nm, T, &o, &res, ctx->progress, err);
    if (!st) st = aw_diag_result_json(&res, &o, (const char *const *)reps.v, (const char *const *)mets.v, tm, &js, err);
    aw_diag_result_free(&res);
    if (st) goto done;
    cJSON *doc = cJSON_ParseWithLength(js.data, js.len);
    if (!doc) {
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      goto done;
    }
    for (cJSON *c = doc->child; c;) {
      cJSON *next = c->next;
      cJSON_AddItemToObject(result, c->string, cJSON_DetachItemViaPointer(doc, c));
      c = next;
    }
    cJSON_Delete(doc);
  } else {
    aw_diag_sliding sl;
    memset(&sl, 0, sizeof sl);
    st = aw_diagnose_sliding(data, k, nm, T, &o, (size_t)step, &sl, ctx->progress, err);
    if (st) goto done;
    /* a table: per window end, the suspect (index, -1 = none), margin and each replica's score */
    aw_table *out = aw_table_new();
    double *times = (double *)aw_alloc_array(sl.n ? sl.n : 1, sizeof(double));
    if (!out || !times) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < sl.n; i++) times[i] = tm ? tm[sl.at[i]] : (double)sl.at[i];
    if (!st) st = aw_table_set_time(out, times, sl.n, err);
    double *sc = st ? NULL : aw_table_add_empty_column(out, "suspect", sl.n, err);
    double *mg = sc ? aw_table_add_empty_column(out, "margin", sl.n, err) : NULL;
    if (!st && (!sc || !mg)) st = err->code;
    for (size_t i = 0; !st && i < sl.n; i++) {
      sc[i] = (double)sl.suspect[i];
      mg[i] = sl.margin[i];
    }
    for (size_t r = 0; !st && r < k; r++) {
      char cn[300];
      snprintf(cn, sizeof cn, "score.%s", reps.v[r]);
      double *c = aw_table_add_empty_column(out, cn, sl.n, err);
      if (!c) {
        st = err->code;
        break;
      }
      for (size_t i = 0; i < sl.n; i++) c[i] = sl.scores[i * k + r];
    }
    AW_FREE(times);
    cJSON *rs = cJSON_AddArrayToObject(result, "replicas");
    for (size_t r = 0; r < k; r++) cJSON_AddItemToArray(rs, cJSON_CreateString(reps.v[r]));
    aw_json_add_number(result, "windows", (double)sl.n);
    size_t flagged = 0;
    cJSON *counts = cJSON_AddObjectToObject(result, "suspect_counts");
    for (size_t r = 0; r < k; r++) {
      size_t c = 0;
      for (size_t i = 0; i < sl.n; i++) c += sl.suspect[i] == (long)r;
      flagged += c;
      aw_json_add_number(counts, reps.v[r], (double)c);
    }
    aw_json_add_number(result, "no_clear_suspect", (double)(sl.n - flagged));
    cJSON_AddStringToObject(result, "table", ctx->step->id);
    aw_diag_sliding_free(&sl);
    if (!st) st = aw_ws_put_table(ctx->ws, ctx->step->id, out, err);
    else aw_table_free(out);
  }
done:
  aw_buf_free(&js);
  AW_FREE(data);
  names_free(&reps);
  names_free(&mets);
  names_free(&cols);
  return st;
}

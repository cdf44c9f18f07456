/* step_basic.c - general-purpose steps: "summary". */
#include <math.h>
#include <string.h>

#include "aw/series.h"
#include "internal/registry.h"

const aw_table *aw_step_input_table(aw_step_ctx *ctx, aw_error *err) {
  const char *in = ctx->step->input;
  if (!in) {
    aw_error_set(err, AW_ERR_ARG, "steps[%zu]: \"input\" (a table) is required", ctx->step->index);
    return NULL;
  }
  const aw_table *t = aw_ws_get_table(ctx->ws, in);
  if (!t) aw_error_set(err, AW_ERR_NOTFOUND, "steps[%zu].input: \"%s\" is not a loaded table", ctx->step->index, in);
  return t;
}

/* "summary": per-series statistics and the time range of a table.
 * params: { "columns": ["a", "b"] }  (default: every column) */
aw_status aw_step_summary(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  static const char *const keys[] = {"columns", NULL};
  aw_status st = aw_json_check_keys(params, ctx->path, keys, err);
  if (st) return st;
  const aw_table *t = aw_step_input_table(ctx, err);
  if (!t) return err->code;
  const cJSON *want = params ? cJSON_GetObjectItemCaseSensitive(params, "columns") : NULL;
  if (want && !cJSON_IsArray(want)) return aw_error_set(err, AW_ERR_RANGE, "%s.columns: must be an array of names", ctx->path);
  size_t rows = aw_table_rows(t);
  aw_json_add_number(result, "rows", (double)rows);
  const double *tm = aw_table_time(t);
  if (tm && rows) {
    aw_json_add_number(result, "time_start", tm[0]);
    aw_json_add_number(result, "time_end", tm[rows - 1]);
    /* the median spacing is the sampling interval users expect to see */
    if (rows > 1) {
      size_t m = rows - 1 < 4097 ? rows - 1 : 4097;
      double *d = (double *)aw_alloc_array(m, sizeof(double));
      if (!d) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      for (size_t i = 0; i < m; i++) d[i] = tm[i + 1] - tm[i];
      /* insertion sort of at most 4097 values */
      for (size_t i = 1; i < m; i++) {
        double v = d[i];
        size_t j = i;
        while (j > 0 && d[j - 1] > v) d[j] = d[j - 1], j--;
        d[j] = v;
      }
      aw_json_add_number(result, "interval_median", d[m / 2]);
      AW_FREE(d);
    }
  }
  cJSON *arr = cJSON_AddArrayToObject(result, "series");
  size_t n = want ? (size_t)cJSON_GetArraySize(want) : aw_table_cols(t);
  for (size_t k = 0; k < n; k++) {
    long j = (long)k;
    if (want) {
      const cJSON *nm = cJSON_GetArrayItem(want, (int)k);
      if (!cJSON_IsString(nm)) return aw_error_set(err, AW_ERR_RANGE, "%s.columns[%zu]: must be a string", ctx->path, k);
      j = aw_table_find(t, nm->valuestring);
      if (j < 0) return aw_error_set(err, AW_ERR_NOTFOUND, "%s.columns[%zu]: no column \"%.60s\"", ctx->path, k, nm->valuestring);
    }
    aw_stats s;
    aw_series_stats(aw_table_column(t, (size_t)j), rows, &s);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", aw_table_col_name(t, (size_t)j));
    aw_json_add_number(o, "count", (double)s.count);
    aw_json_add_number(o, "missing", (double)s.missing);
    aw_json_add_number(o, "min", s.min);
    aw_json_add_number(o, "max", s.max);
    aw_json_add_number(o, "mean", s.mean);
    aw_json_add_number(o, "std", s.std);
    cJSON_AddItemToArray(arr, o);
  }
  return AW_OK;
}

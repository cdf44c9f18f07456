/* input_load.h - helpers of the input-kind tests: stream a text into a workspace input with a given
 * chunk size, and compare tables. */
#ifndef AW_TEST_INPUT_LOAD_H
#define AW_TEST_INPUT_LOAD_H

#include <math.h>
#include <string.h>

#include "aw/spec.h"
#include "aw/workspace.h"

/* Loads text as input "x" of `kind` (options JSON or NULL) in chunks; returns the status, the
 * load info (caller deletes) and the workspace (caller frees; the table is "x"). */
static inline aw_status load_text(const char *kind, const char *label, const char *text, size_t n, size_t chunk,
                           const char *options, aw_ws **ws_out, cJSON **info, aw_error *err) {
  aw_ws *ws = aw_ws_new();
  cJSON *opt = options ? cJSON_Parse(options) : NULL;
  *info = NULL;
  aw_status st = aw_ws_input_begin(ws, "x", kind, label, opt, err);
  cJSON_Delete(opt);
  for (size_t off = 0; off < n && !st; off += chunk) st = aw_ws_input_feed(ws, text + off, off + chunk < n ? chunk : n - off, err);
  if (!st) st = aw_ws_input_end(ws, info, err);
  else if (aw_ws_input_open(ws)) aw_ws_input_abort(ws);
  *ws_out = ws;
  return st;
}

/* 1 when the two tables have the same time, columns (names, order) and values (NaN == NaN). */
static inline int same_table(const aw_table *a, const aw_table *b) {
  if (!a || !b || aw_table_rows(a) != aw_table_rows(b) || aw_table_cols(a) != aw_table_cols(b)) return 0;
  size_t n = aw_table_rows(a);
  const double *ta = aw_table_time(a), *tb = aw_table_time(b);
  if ((ta == NULL) != (tb == NULL)) return 0;
  for (size_t i = 0; ta && i < n; i++)
    if (ta[i] != tb[i]) return 0;
  for (size_t j = 0; j < aw_table_cols(a); j++) {
    if (strcmp(aw_table_col_name(a, j), aw_table_col_name(b, j)) != 0) return 0;
    const double *x = aw_table_column(a, j), *y = aw_table_column(b, j);
    for (size_t i = 0; i < n; i++)
      if (!(x[i] == y[i] || (isnan(x[i]) && isnan(y[i])))) return 0;
  }
  return 1;
}

/* The load info without fields that legitimately differ between two loads (label, bytes, hash). */
static inline char *info_core(const cJSON *info) {
  cJSON *c = cJSON_Duplicate(info, 1);
  cJSON_DeleteItemFromObject(c, "label");
  cJSON_DeleteItemFromObject(c, "bytes");
  cJSON_DeleteItemFromObject(c, "sha256");
  char *s = cJSON_PrintUnformatted(c);
  cJSON_Delete(c);
  return s;
}

static inline double info_num(const cJSON *info, const char *key) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(info, key);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static inline const char *reject_reason(const cJSON *info, int i, double *line) {
  const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(info, "rejects"), i);
  if (line) *line = NAN;
  if (!r) return "";
  if (line) *line = info_num(r, "line");
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(r, "reason");
  return cJSON_IsString(s) ? s->valuestring : "";
}

#endif

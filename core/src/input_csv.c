/* input_csv.c - the "csv" input kind: a wide CSV streamed into a table (aw/table.h's loader). */
#include <stdio.h>
#include <string.h>

#include "aw/series.h"
#include "aw/spec.h"
#include "internal/registry.h"

typedef struct csv_state {
  aw_loader *l;
  char label[AW_ERROR_FILE_MAX];
  char time_column[256];
} csv_state;

static aw_status csv_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  static const char *const keys[] = {"sep", "header", "time_column", "time_format", "max_line", "max_cols", "max_cells",
                                     "overview_on_limit", "overview_buckets", NULL};
  static const char *const seps[] = {",", ";", "\t", "|", "auto", NULL};
  static const char *const tfs[] = {"auto", "unix_s", "unix_ms", "unix_us", "unix_ns", "iso8601", NULL};
  static const aw_time_format tfv[] = {AW_TIME_UNKNOWN, AW_TIME_UNIX_S, AW_TIME_UNIX_MS, AW_TIME_UNIX_US,
                                       AW_TIME_UNIX_NS, AW_TIME_ISO8601};
  aw_status st;
  if ((st = aw_json_check_keys(opt, "options", keys, err))) return st;
  csv_state *s = (csv_state *)AW_CALLOC(1, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  snprintf(s->label, sizeof s->label, "%s", label);
  aw_loader_opts o;
  aw_loader_opts_default(&o);
  o.csv.name = s->label;
  int sep, tf, header, ovl;
  int64_t max_line, max_cols, max_cells, ovb;
  const char *tc;
  if ((st = aw_json_enum(opt, "options", "sep", seps, 4, &sep, err)) ||
      (st = aw_json_bool(opt, "options", "header", 1, &header, err)) ||
      (st = aw_json_string(opt, "options", "time_column", NULL, &tc, err)) ||
      (st = aw_json_enum(opt, "options", "time_format", tfs, 0, &tf, err)) ||
      (st = aw_json_int(opt, "options", "max_line", 16, (int64_t)1 << 30, (int64_t)AW_CSV_DEFAULT_MAX_LINE, &max_line, err)) ||
      (st = aw_json_int(opt, "options", "max_cols", 1, 1 << 20, (int64_t)AW_CSV_DEFAULT_MAX_COLS, &max_cols, err)) ||
      (st = aw_json_int(opt, "options", "max_cells", 1, (int64_t)1 << 32, (int64_t)o.max_cells, &max_cells, err)) ||
      (st = aw_json_bool(opt, "options", "overview_on_limit", 0, &ovl, err)) ||
      (st = aw_json_int(opt, "options", "overview_buckets", 16, 1 << 20, (int64_t)o.overview_buckets, &ovb, err))) {
    AW_FREE(s);
    return st;
  }
  o.csv.sep = sep == 4 ? 0 : seps[sep][0];
  o.csv.header = header;
  o.csv.max_line = (size_t)max_line;
  o.csv.max_cols = (size_t)max_cols;
  o.max_cells = (size_t)max_cells;
  o.overview_on_limit = ovl;
  o.overview_buckets = (size_t)ovb;
  o.time_format = tfv[tf];
  if (tc) {
    snprintf(s->time_column, sizeof s->time_column, "%s", tc);
    o.time_column = s->time_column;
  }
  s->l = aw_loader_new(&o, err);
  if (!s->l) {
    AW_FREE(s);
    return err ? err->code : AW_ERR_NOMEM;
  }
  *state = s;
  return AW_OK;
}

static aw_status csv_feed(void *state, const void *data, size_t n, aw_error *err) {
  csv_state *s = (csv_state *)state;
  return aw_loader_feed(s->l, data, n, err);
}

static void csv_abort(void *state) {
  csv_state *s = (csv_state *)state;
  if (!s) return;
  aw_loader_free(s->l);
  AW_FREE(s);
}

static aw_status csv_end(void *state, void **obj, const char **type, void (**free_fn)(void *), cJSON *info,
                         aw_error *err) {
  csv_state *s = (csv_state *)state;
  aw_status st = aw_loader_finish(s->l, err);
  if (st) {
    csv_abort(s);
    return st;
  }
  const aw_csv_stats *cs = aw_loader_csv_stats(s->l);
  aw_table *t = aw_loader_take_table(s->l);
  if (!t) {
    csv_abort(s);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  size_t rows = aw_table_rows(t);
  int ov = aw_loader_is_overview(s->l);
  aw_json_add_number(info, "rows", (double)aw_loader_rows_read(s->l));
  if (ov) {
    /* too large to keep: the table is a min-max overview; exact statistics come from every row */
    cJSON_AddTrueToObject(info, "overview");
    aw_json_add_number(info, "table_rows", (double)rows);
    cJSON *stats = cJSON_AddArrayToObject(info, "stats");
    for (size_t j = 0; j < aw_table_cols(t); j++) {
      size_t cnt, miss;
      double lo, hi, mean, sd;
      aw_loader_overview_stats(s->l, j, &cnt, &miss, &lo, &hi, &mean, &sd);
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", aw_table_col_name(t, j));
      aw_json_add_number(o, "count", (double)cnt);
      aw_json_add_number(o, "missing", (double)miss);
      aw_json_add_number(o, "min", lo);
      aw_json_add_number(o, "max", hi);
      aw_json_add_number(o, "mean", mean);
      aw_json_add_number(o, "std", sd);
      cJSON_AddItemToArray(stats, o);
    }
  }
  char sep[2] = {cs->sep ? cs->sep : ',', 0};
  cJSON_AddStringToObject(info, "separator", sep);
  const char *tc = aw_loader_time_column(s->l);
  if (tc) {
    cJSON_AddStringToObject(info, "time_column", tc);
    cJSON_AddStringToObject(info, "time_format", aw_time_format_name(aw_loader_time_format(s->l)));
  } else {
    cJSON_AddNullToObject(info, "time_column");
  }
  const double *tm = aw_table_time(t);
  if (tm && rows) {
    double lo = tm[0], hi = tm[0];
    size_t unsorted = 0;
    for (size_t i = 1; i < rows; i++) {
      if (tm[i] < lo) lo = tm[i];
      if (tm[i] > hi) hi = tm[i];
      if (tm[i] < tm[i - 1]) unsorted++;
    }
    aw_json_add_number(info, "time_start", lo);
    aw_json_add_number(info, "time_end", hi);
    if (!ov) aw_json_add_number(info, "time_out_of_order", (double)unsorted);
  }
  aw_stream_info_columns(t, info);
  cJSON *sk = cJSON_AddArrayToObject(info, "skipped_columns");
  for (size_t j = 0; j < aw_loader_skipped_count(s->l); j++)
    cJSON_AddItemToArray(sk, cJSON_CreateString(aw_loader_skipped(s->l, j)));
  aw_json_add_number(info, "lines", (double)cs->lines);
  aw_json_add_number(info, "blank_lines", (double)cs->blank_lines);
  aw_json_add_number(info, "rejected", (double)aw_loader_rows_rejected(s->l));
  cJSON *rj = cJSON_AddArrayToObject(info, "rejects");
  for (size_t i = 0; i < aw_loader_reject_count(s->l); i++) {
    const aw_reject *r = aw_loader_reject(s->l, i);
    cJSON *o = cJSON_CreateObject();
    aw_json_add_number(o, "line", (double)r->line);
    cJSON_AddStringToObject(o, "reason", r->reason);
    cJSON_AddItemToArray(rj, o);
  }
  csv_abort(s);
  aw_stream_return_table(t, obj, type, free_fn);
  return AW_OK;
}

const aw_stream_kind aw_stream_csv = {"csv", csv_begin, csv_feed, csv_end, csv_abort,
                                      "wide CSV: timestamp,<series>...", NULL};

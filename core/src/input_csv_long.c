/* input_csv_long.c - the "csv_long" input kind: a long-format CSV, one value per row, streamed into
 * a wide table (one column per series).
 *
 *   timestamp,series,value                      the series named by one column
 *   timestamp,metric,instance,job,value         Prometheus-like: a metric name and label columns;
 *                                               the series is metric{instance="...",job="..."}
 *
 * Columns (options override the detection):
 *   time_column    default: the first column named timestamp/time/date/datetime/ts/t/time_stamp/
 *                  @timestamp (any case), else the first column
 *   value_column   default: the column named value/_value/val/y (any case), else the last column
 *   series_columns default: every other column, in header order
 * With one series column its cell is the series name. With several, the one named metric,
 * __name__, name, metric_name or series (else the first) gives the name and the others are labels:
 * name{label="value",...}, labels sorted by name and empty ones left out (Prometheus' text form).
 * A row is rejected (line + reason) when its time does not parse (the format is detected on the
 * first row, then required), its value is not a number, or its series name is empty or too long.
 * Missing values (empty, NaN, NA, ...) are kept as NaN points. Two rows for one series at one time:
 * the first is kept, the later is rejected. Memory: max_points points, max_series series,
 * max_cells cells of the wide table (AW_ERR_LIMIT beyond); align_s rounds times down to a step. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aw/spec.h"
#include "internal/input_util.h"
#include "internal/registry.h"

#define LONG_MAX_KEY 4096
#define LONG_MAX_SERIES_COLS 64

typedef struct long_state {
  char label[AW_ERROR_FILE_MAX];
  aw_csv *csv;
  aw_lpivot *pivot;
  aw_rejects rej;
  aw_time_format fmt, fmt_given;
  char time_name[256], value_name[256];
  char *series_names[LONG_MAX_SERIES_COLS];
  size_t nseries_names;   /* given in options (0 = detect) */
  long tcol, vcol;
  long scol[LONG_MAX_SERIES_COLS];
  size_t nscol;
  long name_col;          /* index into scol of the name column, -1 if labels only */
  char header[LONG_MAX_SERIES_COLS + 2][128];
  aw_buf key;
  aw_label labels[LONG_MAX_SERIES_COLS];
  uint64_t missing;
  size_t last_series;      /* cache: consecutive rows of one series */
  int have_last;
  char *last_key;
  size_t last_key_n, last_key_cap;
  int header_seen;
} long_state;

static const char *const time_names[] = {"timestamp", "time", "date", "datetime", "ts", "t", "time_stamp", "@timestamp", NULL};
static const char *const value_names[] = {"value", "_value", "val", "y", NULL};
static const char *const name_names[] = {"metric", "__name__", "name", "metric_name", "series", NULL};

static int field_is(const aw_csv_field *f, const char *s) {
  size_t n = strlen(s);
  return f->n == n && strncasecmp(f->p, s, n) == 0;
}
static int field_in(const aw_csv_field *f, const char *const *names) {
  for (size_t i = 0; names[i]; i++)
    if (field_is(f, names[i])) return 1;
  return 0;
}
/* at most 40 bytes of a field in a message (fields are not NUL-terminated), cut at a character */
static int clip(const aw_csv_field *f) {
  size_t n = f->n > 40 ? 40 : f->n;
  while (n < f->n && n > 0 && ((unsigned char)f->p[n] & 0xC0) == 0x80) n--;
  return (int)n;
}

static long find_col(const aw_csv_record *rec, const char *name) {
  for (size_t j = 0; j < rec->nfields; j++)
    if (rec->fields[j].n == strlen(name) && memcmp(rec->fields[j].p, name, rec->fields[j].n) == 0) return (long)j;
  return -1;
}

static aw_status missing_col(long_state *s, const aw_csv_record *rec, const char *opt, const char *name, aw_error *err) {
  char cols[300] = "";
  size_t used = 0;
  for (size_t j = 0; j < rec->nfields && used < sizeof cols - 1; j++) {
    int k = snprintf(cols + used, sizeof cols - used, "%s%.*s", j ? ", " : "", (int)(rec->fields[j].n > 60 ? 60 : rec->fields[j].n),
                     rec->fields[j].p);
    if (k > 0) used += (size_t)k;
  }
  return aw_error_at(err, AW_ERR_NOTFOUND, s->label, rec->line, 0, "options.%s: no column '%.100s' (columns: %s)", opt, name,
                     cols);
}

static aw_status on_header(long_state *s, const aw_csv_record *rec, aw_error *err) {
  if (rec->nfields < 2)
    return aw_error_at(err, AW_ERR_PARSE, s->label, rec->line, 0,
                       "a long CSV needs at least a time and a value column (found %zu column%s)", rec->nfields,
                       rec->nfields == 1 ? "" : "s");
  s->tcol = -1;
  if (s->time_name[0]) {
    if ((s->tcol = find_col(rec, s->time_name)) < 0) return missing_col(s, rec, "time_column", s->time_name, err);
  } else {
    for (size_t j = 0; j < rec->nfields && s->tcol < 0; j++)
      if (field_in(&rec->fields[j], time_names)) s->tcol = (long)j;
    if (s->tcol < 0) s->tcol = 0;
  }
  s->vcol = -1;
  if (s->value_name[0]) {
    if ((s->vcol = find_col(rec, s->value_name)) < 0) return missing_col(s, rec, "value_column", s->value_name, err);
  } else {
    for (size_t j = 0; j < rec->nfields && s->vcol < 0; j++)
      if ((long)j != s->tcol && field_in(&rec->fields[j], value_names)) s->vcol = (long)j;
    if (s->vcol < 0) s->vcol = (long)rec->nfields - 1;
  }
  if (s->vcol == s->tcol)
    return aw_error_at(err, AW_ERR_ARG, s->label, rec->line, 0, "the time and the value column are the same column");
  s->nscol = 0;
  if (s->nseries_names) {
    for (size_t i = 0; i < s->nseries_names; i++) {
      long c = find_col(rec, s->series_names[i]);
      if (c < 0) return missing_col(s, rec, "series_columns", s->series_names[i], err);
      s->scol[s->nscol++] = c;
    }
  } else {
    for (size_t j = 0; j < rec->nfields; j++) {
      if ((long)j == s->tcol || (long)j == s->vcol) continue;
      if (s->nscol == LONG_MAX_SERIES_COLS)
        return aw_error_at(err, AW_ERR_LIMIT, s->label, rec->line, 0, "more than %d series/label columns",
                           LONG_MAX_SERIES_COLS);
      s->scol[s->nscol++] = (long)j;
    }
  }
  if (s->nscol == 0)
    return aw_error_at(err, AW_ERR_PARSE, s->label, rec->line, 0,
                       "no column names the series (a long CSV is timestamp,series,value; for a wide CSV use the kind \"csv\")");
  s->name_col = s->nscol == 1 ? 0 : -1;
  for (size_t i = 0; i < s->nscol && s->name_col < 0; i++)
    if (field_in(&rec->fields[s->scol[i]], name_names)) s->name_col = (long)i;
  if (s->name_col < 0) s->name_col = 0;
  snprintf(s->time_name, sizeof s->time_name, "%.*s", (int)rec->fields[s->tcol].n, rec->fields[s->tcol].p);
  snprintf(s->value_name, sizeof s->value_name, "%.*s", (int)rec->fields[s->vcol].n, rec->fields[s->vcol].p);
  for (size_t i = 0; i < s->nscol; i++)
    snprintf(s->header[i], sizeof s->header[i], "%.*s", (int)rec->fields[s->scol[i]].n, rec->fields[s->scol[i]].p);
  s->header_seen = 1;
  return AW_OK;
}

/* An error of the pivot (a limit) at this line of the file. */
static aw_status at_line(long_state *s, uint64_t line, aw_error *err) {
  char msg[sizeof err->message];
  memcpy(msg, err->message, sizeof msg);
  return aw_error_at(err, err->code, s->label, line, 0, "%s", msg);
}

static aw_status on_record(void *ud, const aw_csv_record *rec, aw_error *err) {
  long_state *s = (long_state *)ud;
  if (rec->is_header) return on_header(s, rec, err);
  const aw_csv_field *tf = &rec->fields[s->tcol], *vf = &rec->fields[s->vcol];
  double t, v;
  aw_time_format det = AW_TIME_UNKNOWN;
  if (tf->n == 0) {
    aw_rejects_add(&s->rej, rec->line, "time: missing in column '%s'", s->time_name);
    return AW_OK;
  }
  if (!aw_parse_time(tf->p, tf->n, s->fmt, &t, &det)) {
    if (s->fmt == AW_TIME_UNKNOWN)
      aw_rejects_add(&s->rej, rec->line, "time: '%.*s' in column '%s' is not a recognised time", clip(tf), tf->p,
                     s->time_name);
    else
      aw_rejects_add(&s->rej, rec->line, "time: '%.*s' in column '%s' is not in the time format of the first row (%s)",
                     clip(tf), tf->p, s->time_name, aw_time_format_name(s->fmt));
    return AW_OK;
  }
  if (s->fmt == AW_TIME_UNKNOWN) s->fmt = det;
  int kind = aw_parse_cell(vf->p, vf->n, &v);
  if (kind == 0) {
    aw_rejects_add(&s->rej, rec->line, "value: '%.*s' in column '%s' is not a number", clip(vf), vf->p, s->value_name);
    return AW_OK;
  }
  if (kind == 2) s->missing++;
  /* the series key */
  s->key.len = 0;
  aw_status st = AW_OK;
  if (s->nscol == 1) {
    const aw_csv_field *f = &rec->fields[s->scol[0]];
    st = aw_buf_append(&s->key, f->p, f->n);
  } else {
    const aw_csv_field *nf = &rec->fields[s->scol[s->name_col]];
    size_t nl = 0;
    for (size_t i = 0; i < s->nscol; i++) {
      if ((long)i == s->name_col) continue;
      const aw_csv_field *f = &rec->fields[s->scol[i]];
      s->labels[nl].name = s->header[i];
      s->labels[nl].name_n = strlen(s->header[i]);
      s->labels[nl].value = f->p;
      s->labels[nl].value_n = f->n;
      nl++;
    }
    st = aw_series_key(&s->key, nf->p, nf->n, s->labels, nl);
  }
  if (st) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (s->key.len == 0 || (s->key.len == 2 && memcmp(s->key.data, "{}", 2) == 0)) {
    aw_rejects_add(&s->rej, rec->line, "series: the series name is empty");
    return AW_OK;
  }
  if (s->key.len > LONG_MAX_KEY) {
    aw_rejects_add(&s->rej, rec->line, "series: the series name is longer than %d bytes", LONG_MAX_KEY);
    return AW_OK;
  }
  size_t idx;
  if (s->have_last && s->key.len == s->last_key_n && memcmp(s->key.data, s->last_key, s->key.len) == 0) {
    idx = s->last_series;
  } else {
    if ((st = aw_lpivot_series(s->pivot, s->key.data, s->key.len, &idx, err))) return at_line(s, rec->line, err);
    size_t cap = s->last_key_cap;
    if (aw_grow((void **)&s->last_key, &cap, s->key.len + 1, 1)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->last_key_cap = cap;
    memcpy(s->last_key, s->key.data, s->key.len);
    s->last_key_n = s->key.len;
    s->last_series = idx;
    s->have_last = 1;
  }
  if ((st = aw_lpivot_add(s->pivot, idx, t, v, rec->line, err))) return at_line(s, rec->line, err);
  return AW_OK;
}

static void on_reject(void *ud, uint64_t line, const char *reason) {
  long_state *s = (long_state *)ud;
  aw_rejects_add(&s->rej, line, "%s", reason);
}

static void long_abort(void *state) {
  long_state *s = (long_state *)state;
  if (!s) return;
  aw_csv_free(s->csv);
  aw_lpivot_free(s->pivot);
  aw_rejects_free(&s->rej);
  for (size_t i = 0; i < s->nseries_names; i++) AW_FREE(s->series_names[i]);
  aw_buf_free(&s->key);
  AW_FREE(s->last_key);
  AW_FREE(s);
}

static aw_status long_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  static const char *const keys[] = {"sep", "time_column", "value_column", "series_columns", "time_format", "align_s",
                                     "max_line", "max_points", "max_series", "max_cells", "max_cols", NULL};
  static const char *const seps[] = {",", ";", "\t", "|", "auto", NULL};
  static const char *const tfs[] = {"auto", "unix_s", "unix_ms", "unix_us", "unix_ns", "iso8601", NULL};
  static const aw_time_format tfv[] = {AW_TIME_UNKNOWN, AW_TIME_UNIX_S, AW_TIME_UNIX_MS, AW_TIME_UNIX_US,
                                       AW_TIME_UNIX_NS, AW_TIME_ISO8601};
  aw_status st;
  if ((st = aw_json_check_keys(opt, "options", keys, err))) return st;
  long_state *s = (long_state *)AW_CALLOC(1, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  snprintf(s->label, sizeof s->label, "%s", label);
  aw_rejects_init(&s->rej, 1000);
  aw_lpivot_opts po;
  aw_lpivot_opts_default(&po);
  int sep, tf;
  int64_t max_line, max_points, max_series, max_cells, max_cols;
  double align;
  const char *tc, *vc;
  if ((st = aw_json_enum(opt, "options", "sep", seps, 4, &sep, err)) ||
      (st = aw_json_string(opt, "options", "time_column", NULL, &tc, err)) ||
      (st = aw_json_string(opt, "options", "value_column", NULL, &vc, err)) ||
      (st = aw_json_enum(opt, "options", "time_format", tfs, 0, &tf, err)) ||
      (st = aw_json_number(opt, "options", "align_s", 0, 1e9, 0, &align, err)) ||
      (st = aw_json_int(opt, "options", "max_line", 16, (int64_t)1 << 30, (int64_t)AW_CSV_DEFAULT_MAX_LINE, &max_line, err)) ||
      (st = aw_json_int(opt, "options", "max_cols", 2, 1 << 20, (int64_t)AW_CSV_DEFAULT_MAX_COLS, &max_cols, err)) ||
      (st = aw_json_int(opt, "options", "max_points", 1, (int64_t)1 << 32, (int64_t)po.max_points, &max_points, err)) ||
      (st = aw_json_int(opt, "options", "max_series", 1, (int64_t)1 << 24, (int64_t)po.max_series, &max_series, err)) ||
      (st = aw_json_int(opt, "options", "max_cells", 1, (int64_t)1 << 32, (int64_t)po.max_cells, &max_cells, err))) {
    long_abort(s);
    return st;
  }
  if (tc && !*tc) {
    long_abort(s);
    return aw_error_set(err, AW_ERR_RANGE, "options.time_column: a long CSV needs a time column");
  }
  if (tc) snprintf(s->time_name, sizeof s->time_name, "%s", tc);
  if (vc) snprintf(s->value_name, sizeof s->value_name, "%s", vc);
  const cJSON *sc = opt ? cJSON_GetObjectItemCaseSensitive(opt, "series_columns") : NULL;
  if (sc) {
    if (!cJSON_IsArray(sc) || cJSON_GetArraySize(sc) < 1 || cJSON_GetArraySize(sc) > LONG_MAX_SERIES_COLS) {
      long_abort(s);
      return aw_error_set(err, AW_ERR_RANGE, "options.series_columns: must be a list of 1 to %d column names",
                          LONG_MAX_SERIES_COLS);
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, sc) {
      if (!cJSON_IsString(it)) {
        long_abort(s);
        return aw_error_set(err, AW_ERR_RANGE, "options.series_columns: must be a list of column names");
      }
      size_t n = strlen(it->valuestring);
      char *c = (char *)AW_MALLOC(n + 1);
      if (!c) {
        long_abort(s);
        return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      }
      memcpy(c, it->valuestring, n + 1);
      s->series_names[s->nseries_names++] = c;
    }
  }
  s->fmt = s->fmt_given = tfv[tf];
  po.max_points = (size_t)max_points;
  po.max_series = (size_t)max_series;
  po.max_cells = (size_t)max_cells;
  po.align_s = align;
  s->pivot = aw_lpivot_new(&po, err);
  aw_csv_opts co;
  aw_csv_opts_default(&co);
  co.name = s->label;
  co.sep = sep == 4 ? 0 : seps[sep][0];
  co.max_line = (size_t)max_line;
  co.max_cols = (size_t)max_cols;
  if (s->pivot) s->csv = aw_csv_new(&co, on_record, on_reject, s, err);
  if (!s->csv) {
    long_abort(s);
    return err && err->code ? err->code : AW_ERR_NOMEM;
  }
  *state = s;
  return AW_OK;
}

static aw_status long_feed(void *state, const void *data, size_t n, aw_error *err) {
  return aw_csv_feed(((long_state *)state)->csv, data, n, err);
}

static aw_status long_end(void *state, void **obj, const char **type, void (**free_fn)(void *), cJSON *info,
                          aw_error *err) {
  long_state *s = (long_state *)state;
  aw_status st = aw_csv_finish(s->csv, err);
  if (!st && !s->header_seen) st = aw_error_at(err, AW_ERR_PARSE, s->label, 1, 0, "the file is empty (no header)");
  aw_table *t = NULL;
  if (!st) st = aw_lpivot_finish(s->pivot, &s->rej, &t, err);
  if (st) {
    if (st != AW_ERR_NOMEM && !err->file[0]) aw_error_prefix(err, "%s", s->label);
    long_abort(s);
    return st;
  }
  const aw_csv_stats *cs = aw_csv_get_stats(s->csv);
  size_t rows = aw_table_rows(t);
  aw_json_add_number(info, "rows", (double)rows);
  aw_json_add_number(info, "series", (double)aw_table_cols(t));
  aw_json_add_number(info, "points", (double)aw_lpivot_points(s->pivot));
  aw_json_add_number(info, "missing", (double)s->missing);
  char sep[2] = {cs->sep ? cs->sep : ',', 0};
  cJSON_AddStringToObject(info, "separator", sep);
  cJSON_AddStringToObject(info, "time_column", s->time_name);
  cJSON_AddStringToObject(info, "time_format", aw_time_format_name(s->fmt));
  cJSON_AddStringToObject(info, "value_column", s->value_name);
  cJSON *scn = cJSON_AddArrayToObject(info, "series_columns");
  for (size_t i = 0; i < s->nscol; i++) cJSON_AddItemToArray(scn, cJSON_CreateString(s->header[i]));
  if (s->nscol > 1) cJSON_AddStringToObject(info, "name_column", s->header[s->name_col]);
  const double *tm = aw_table_time(t);
  if (rows) {
    aw_json_add_number(info, "time_start", tm[0]);
    aw_json_add_number(info, "time_end", tm[rows - 1]);
  }
  aw_stream_info_columns(t, info);
  aw_json_add_number(info, "lines", (double)cs->lines);
  aw_json_add_number(info, "blank_lines", (double)cs->blank_lines);
  aw_rejects_to_json(&s->rej, info);
  aw_stream_return_table(t, obj, type, free_fn);
  long_abort(s);
  return AW_OK;
}

const aw_stream_kind aw_stream_csv_long = {
    "csv_long", long_begin, long_feed, long_end, long_abort,
    "long CSV: timestamp,series,value or timestamp,metric,labels...,value -> one column per series", NULL};

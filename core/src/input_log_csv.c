/* input_log_csv.c - the "log_csv" input kind: logs exported as CSV, one log line per row, as in
 * the Nezha data set (Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log, where Log
 * is a Docker json-file envelope {"log": "...\n", "stream": ..., "time": ...}). Each row's log
 * cell goes through a log format into Drain (aw_drain_stream_line), exactly as a raw log's lines
 * do in the "log" kind, and makes the same workspace object (aw_logs, type "logs"), so the
 * templates, log_lines, log_params and detect ops work on it.
 *
 * Options:
 *   column       the log cell's column (default: the first named Log, log, message, Message,
 *                msg, Content, content)
 *   time_column  the row's time (default: the first named Timestamp, timestamp, time, Time,
 *                TimeUnixNano, @timestamp; "" = the time the log format finds in the cell). A
 *                row time is preferred: Nezha's inner message times are in UTC+8 without a zone.
 *   format       "json" (default when the first cell starts with '{'), "plain", "pattern"
 *   log_format, content_field (json default "log"), time_field, inner_format, st, depth,
 *   max_children, max_lines, sep, max_line
 * Lines are numbered by the row's first physical line; a line's byte offset is unknown (0).
 * Rows the CSV reader refuses (ragged, unterminated quotes, ...) are listed with line and reason;
 * a row without a log cell value is counted as blank. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aw/csv.h"
#include "aw/logformat.h"
#include "aw/logs.h"
#include "aw/spec.h"
#include "internal/input_util.h"
#include "internal/registry.h"

typedef struct lc_state {
  char label[AW_ERROR_FILE_MAX];
  aw_csv *csv;
  aw_logs *logs;
  aw_drain_stream *stream;
  aw_logfmt_opts fo;
  aw_drain_opts dopts;
  int format; /* -1 = decide on the first cell; else 0 plain, 1 pattern, 2 json */
  char *opt_strings[5];
  char col_name[128], time_name[128];
  int time_given;
  long col, tcol;
  aw_rejects rej;
  uint64_t rows, blank, max_lines;
  double *row_time;   /* times of the rows handed to the stream and not yet moved */
  size_t rt_n, rt_cap;
  uint64_t *row_line;
} lc_state;

static const char *const log_names[] = {"Log", "log", "message", "Message", "msg", "Content", "content", NULL};
static const char *const time_names[] = {"Timestamp", "timestamp", "time", "Time", "TimeUnixNano", "@timestamp", NULL};

static void lc_abort(void *state) {
  lc_state *s = (lc_state *)state;
  if (!s) return;
  aw_csv_free(s->csv);
  aw_drain_stream_free(s->stream);
  aw_logs_free(s->logs);
  aw_rejects_free(&s->rej);
  for (int i = 0; i < 5; i++) AW_FREE(s->opt_strings[i]);
  AW_FREE(s->row_time);
  AW_FREE(s->row_line);
  AW_FREE(s);
}

static char *dup_str(const char *x) {
  if (!x) return NULL;
  size_t n = strlen(x);
  char *d = (char *)AW_MALLOC(n + 1);
  if (d) memcpy(d, x, n + 1);
  return d;
}

/* Moves what the stream parsed into the log's arrays, with the rows' own times when there are. */
static aw_status move_out(lc_state *s, aw_error *err) {
  size_t k = aw_drain_stream_count(s->stream);
  if (!k) return AW_OK;
  aw_logs *l = s->logs;
  if ((uint64_t)(l->n + k) > s->max_lines)
    return aw_error_at(err, AW_ERR_LIMIT, s->label, aw_drain_stream_lines(s->stream)[0], 0,
                       "more than %llu log rows (options.max_lines)", (unsigned long long)s->max_lines);
  if (l->n + k > l->cap) {
    size_t cap = l->cap ? l->cap : 4096;
    while (cap < l->n + k) cap *= 2;
    double *t = (double *)AW_REALLOC(l->time, cap * sizeof *t);
    if (t) l->time = t;
    uint32_t *c = (uint32_t *)AW_REALLOC(l->cluster, cap * sizeof *c);
    if (c) l->cluster = c;
    uint64_t *ln = (uint64_t *)AW_REALLOC(l->line, cap * sizeof *ln);
    if (ln) l->line = ln;
    uint64_t *of = (uint64_t *)AW_REALLOC(l->offset, cap * sizeof *of);
    if (of) l->offset = of;
    if (!t || !c || !ln || !of) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    l->cap = cap;
  }
  const double *times = aw_drain_stream_times(s->stream);
  const uint64_t *lines = aw_drain_stream_lines(s->stream);
  memcpy(l->cluster + l->n, aw_drain_stream_clusters(s->stream), k * sizeof(uint32_t));
  memcpy(l->line + l->n, lines, k * sizeof(uint64_t));
  memset(l->offset + l->n, 0, k * sizeof(uint64_t));
  /* the stream delivers lines in order: match them to the rows by line number */
  size_t r = 0;
  for (size_t i = 0; i < k; i++) {
    while (r < s->rt_n && s->row_line[r] < lines[i]) r++;
    double t = times[i];
    if (s->tcol >= 0 && r < s->rt_n && s->row_line[r] == lines[i]) t = s->row_time[r];
    l->time[l->n + i] = t;
  }
  l->n += k;
  s->rt_n = 0;
  aw_drain_stream_clear(s->stream);
  return AW_OK;
}

static long find_named(const aw_csv_record *rec, const char *given, const char *const *names) {
  if (given) {
    for (size_t j = 0; j < rec->nfields; j++)
      if (rec->fields[j].n == strlen(given) && memcmp(rec->fields[j].p, given, rec->fields[j].n) == 0) return (long)j;
    return -2;
  }
  for (size_t k = 0; names[k]; k++)
    for (size_t j = 0; j < rec->nfields; j++)
      if (rec->fields[j].n == strlen(names[k]) && memcmp(rec->fields[j].p, names[k], rec->fields[j].n) == 0) return (long)j;
  return -1;
}

static aw_status start_stream(lc_state *s, aw_error *err) {
  s->fo.kind = s->format == 1 ? AW_LOGFMT_PATTERN : s->format == 2 ? AW_LOGFMT_JSON : AW_LOGFMT_PLAIN;
  if (s->format == 2 && !s->opt_strings[1]) s->fo.content_field = "log";
  s->stream = aw_drain_stream_new(s->logs->drain, &s->fo, err);
  return s->stream ? AW_OK : (err && err->code ? err->code : AW_ERR_NOMEM);
}

static aw_status lc_record(void *ud, const aw_csv_record *rec, aw_error *err) {
  lc_state *s = (lc_state *)ud;
  if (rec->is_header) {
    s->col = find_named(rec, s->col_name[0] ? s->col_name : NULL, log_names);
    if (s->col == -2) return aw_error_at(err, AW_ERR_NOTFOUND, s->label, rec->line, 0, "options.column: no column '%s'", s->col_name);
    if (s->col < 0)
      return aw_error_at(err, AW_ERR_PARSE, s->label, rec->line, 0,
                         "no log column (named Log, log, message, msg or Content): give options.column");
    snprintf(s->col_name, sizeof s->col_name, "%.*s", (int)rec->fields[s->col].n, rec->fields[s->col].p);
    if (s->time_given && !s->time_name[0]) s->tcol = -1;
    else {
      s->tcol = find_named(rec, s->time_given ? s->time_name : NULL, time_names);
      if (s->tcol == -2)
        return aw_error_at(err, AW_ERR_NOTFOUND, s->label, rec->line, 0, "options.time_column: no column '%s'", s->time_name);
      if (s->tcol >= 0) snprintf(s->time_name, sizeof s->time_name, "%.*s", (int)rec->fields[s->tcol].n, rec->fields[s->tcol].p);
    }
    return AW_OK;
  }
  s->rows++;
  if ((size_t)s->col >= rec->nfields) return AW_OK;
  const aw_csv_field *f = &rec->fields[s->col];
  size_t a = 0;
  while (a < f->n && (f->p[a] == ' ' || f->p[a] == '\t')) a++;
  if (a == f->n) {
    s->blank++;
    return AW_OK;
  }
  aw_status st;
  if (!s->stream) {
    if (s->format < 0) s->format = f->p[a] == '{' ? 2 : 0;
    if ((st = start_stream(s, err))) return st;
  }
  double t = NAN;
  if (s->tcol >= 0 && (size_t)s->tcol < rec->nfields) {
    const aw_csv_field *tf = &rec->fields[s->tcol];
    if (!aw_parse_time(tf->p, tf->n, AW_TIME_UNKNOWN, &t, NULL)) {
      int k = tf->n > 40 ? 40 : (int)tf->n;
      aw_rejects_add(&s->rej, rec->line, "time: '%.*s' in column '%s' is not a time (the log line is kept without one)", k, tf->p,
                     s->time_name);
      t = NAN;
    }
  }
  if (s->rt_n == s->rt_cap) {
    size_t cap = s->rt_cap ? s->rt_cap * 2 : 1024;
    double *rt = (double *)AW_REALLOC(s->row_time, cap * sizeof *rt);
    if (rt) s->row_time = rt;
    uint64_t *rl = (uint64_t *)AW_REALLOC(s->row_line, cap * sizeof *rl);
    if (rl) s->row_line = rl;
    if (!rt || !rl) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->rt_cap = cap;
  }
  s->row_time[s->rt_n] = t;
  s->row_line[s->rt_n] = rec->line;
  s->rt_n++;
  return aw_drain_stream_line(s->stream, f->p, f->n, rec->line, err);
}

static void lc_reject(void *ud, uint64_t line, const char *reason) {
  lc_state *s = (lc_state *)ud;
  aw_rejects_add(&s->rej, line, "%s", reason);
}

static aw_status lc_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  static const char *const keys[] = {"column", "time_column", "format", "log_format", "content_field", "time_field",
                                     "inner_format", "st", "depth", "max_children", "max_lines", "sep", "max_line", NULL};
  static const char *const kinds[] = {"plain", "pattern", "json", "auto", NULL};
  static const char *const seps[] = {",", ";", "\t", "|", "auto", NULL};
  aw_status st;
  if ((st = aw_json_check_keys(opt, "options", keys, err))) return st;
  lc_state *s = (lc_state *)AW_CALLOC(1, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  snprintf(s->label, sizeof s->label, "%s", label);
  aw_rejects_init(&s->rej, 1000);
  aw_drain_opts_default(&s->dopts);
  aw_logfmt_opts_default(&s->fo);
  const char *col, *tcol, *lf, *cf, *tf, *inner;
  int kind, sep;
  double simth;
  int64_t depth, maxch, maxl, max_line;
  if ((st = aw_json_string(opt, "options", "column", NULL, &col, err)) ||
      (st = aw_json_string(opt, "options", "time_column", NULL, &tcol, err)) ||
      (st = aw_json_string(opt, "options", "log_format", NULL, &lf, err)) ||
      (st = aw_json_enum(opt, "options", "format", kinds, lf ? 1 : 3, &kind, err)) ||
      (st = aw_json_string(opt, "options", "content_field", NULL, &cf, err)) ||
      (st = aw_json_string(opt, "options", "time_field", NULL, &tf, err)) ||
      (st = aw_json_string(opt, "options", "inner_format", NULL, &inner, err)) ||
      (st = aw_json_number(opt, "options", "st", 0, 1, s->dopts.st, &simth, err)) ||
      (st = aw_json_int(opt, "options", "depth", 3, 64, (int64_t)s->dopts.depth, &depth, err)) ||
      (st = aw_json_int(opt, "options", "max_children", 2, 1 << 20, (int64_t)s->dopts.max_children, &maxch, err)) ||
      (st = aw_json_int(opt, "options", "max_lines", 1, (int64_t)1 << 36, 200000000, &maxl, err)) ||
      (st = aw_json_enum(opt, "options", "sep", seps, 4, &sep, err)) ||
      (st = aw_json_int(opt, "options", "max_line", 64, (int64_t)1 << 30, (int64_t)AW_CSV_DEFAULT_MAX_LINE, &max_line, err))) {
    lc_abort(s);
    return st;
  }
  if (kind == 1 && !lf) {
    lc_abort(s);
    return aw_error_set(err, AW_ERR_ARG, "options: format \"pattern\" needs a log_format");
  }
  s->format = kind == 3 ? -1 : kind;
  if (col) snprintf(s->col_name, sizeof s->col_name, "%s", col);
  s->time_given = tcol != NULL;
  if (tcol) snprintf(s->time_name, sizeof s->time_name, "%s", tcol);
  s->opt_strings[0] = dup_str(lf);
  s->opt_strings[1] = dup_str(cf);
  s->opt_strings[2] = dup_str(tf);
  s->opt_strings[3] = dup_str(inner);
  s->fo.log_format = s->opt_strings[0];
  if (cf) s->fo.content_field = s->opt_strings[1];
  if (tf) s->fo.time_field = s->opt_strings[2];
  s->fo.inner_format = s->opt_strings[3];
  s->fo.name = s->label;
  s->max_lines = (uint64_t)maxl;
  s->dopts.st = simth;
  s->dopts.depth = (size_t)depth;
  s->dopts.max_children = (size_t)maxch;
  s->logs = aw_logs_new(&s->dopts, err);
  aw_csv_opts co;
  aw_csv_opts_default(&co);
  co.name = s->label;
  co.sep = sep == 4 ? 0 : seps[sep][0];
  co.max_line = (size_t)max_line;
  if (s->logs) s->csv = aw_csv_new(&co, lc_record, lc_reject, s, err);
  if (!s->csv) {
    lc_abort(s);
    return err && err->code ? err->code : AW_ERR_NOMEM;
  }
  *state = s;
  return AW_OK;
}

static aw_status lc_feed(void *state, const void *data, size_t n, aw_error *err) {
  lc_state *s = (lc_state *)state;
  aw_status st = aw_csv_feed(s->csv, data, n, err);
  if (!st && s->stream) st = move_out(s, err);
  return st;
}

static void logs_free_void(void *p) { aw_logs_free((aw_logs *)p); }

static aw_status lc_end(void *state, void **obj, const char **type, void (**free_fn)(void *), cJSON *info,
                        aw_error *err) {
  lc_state *s = (lc_state *)state;
  aw_status st = aw_csv_finish(s->csv, err);
  if (!st && s->stream) st = aw_drain_stream_finish(s->stream, err);
  if (!st && s->stream) st = move_out(s, err);
  if (!st && s->col < 0) st = aw_error_at(err, AW_ERR_PARSE, s->label, 1, 0, "the file is empty (no header)");
  if (st) {
    lc_abort(s);
    return st;
  }
  aw_logs *l = s->logs;
  aw_json_add_number(info, "lines", (double)aw_csv_get_stats(s->csv)->lines);
  aw_json_add_number(info, "rows", (double)s->rows);
  aw_json_add_number(info, "parsed", (double)l->n);
  aw_json_add_number(info, "blank_lines", (double)s->blank);
  aw_json_add_number(info, "templates", (double)aw_drain_cluster_count(l->drain));
  cJSON_AddStringToObject(info, "column", s->col_name);
  if (s->tcol >= 0) cJSON_AddStringToObject(info, "time_column", s->time_name);
  else cJSON_AddNullToObject(info, "time_column");
  cJSON_AddStringToObject(info, "format", s->format == 2 ? "json" : s->format == 1 ? "pattern" : "plain");
  double lo = INFINITY, hi = -INFINITY;
  uint64_t no_time = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (l->time[i] == l->time[i]) {
      if (l->time[i] < lo) lo = l->time[i];
      if (l->time[i] > hi) hi = l->time[i];
    } else {
      no_time++;
    }
  }
  aw_json_add_number(info, "no_time", (double)no_time);
  if (lo <= hi) {
    aw_json_add_number(info, "time_start", lo);
    aw_json_add_number(info, "time_end", hi);
  }
  if (s->stream) {
    const aw_logfmt *fmt = aw_drain_stream_format(s->stream);
    const aw_logfmt_stats *fs = aw_logfmt_get_stats(fmt);
    aw_json_add_number(info, "unmatched", (double)fs->unmatched);
    aw_json_add_number(info, "issues_total", (double)fs->issues);
    cJSON *iss = cJSON_AddArrayToObject(info, "issues");
    for (size_t i = 0; i < aw_logfmt_issue_count(fmt); i++) {
      const aw_logfmt_issue *is = aw_logfmt_issue_at(fmt, i);
      cJSON *o = cJSON_CreateObject();
      aw_json_add_number(o, "line", (double)is->line);
      cJSON_AddStringToObject(o, "kind", is->kind);
      cJSON_AddStringToObject(o, "reason", is->message);
      cJSON_AddItemToArray(iss, o);
    }
  }
  aw_rejects_to_json(&s->rej, info);
  s->logs = NULL;
  lc_abort(s);
  *obj = l;
  *type = AW_LOGS_TYPE;
  *free_fn = logs_free_void;
  return AW_OK;
}

const aw_stream_kind aw_stream_log_csv = {"log_csv", lc_begin, lc_feed, lc_end, lc_abort,
                                          "logs exported as CSV, one line per row (Nezha): the log cell parsed by Drain"};

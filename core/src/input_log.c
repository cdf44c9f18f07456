/* input_log.c - the "log" input kind: a raw log streamed through a log format into Drain
 * (He et al., ICWS 2017; see docs/drain.md), keeping the model and each line's time and cluster. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/logformat.h"
#include "aw/logs.h"
#include "aw/spec.h"
#include "internal/input_util.h"
#include "internal/registry.h"

void aw_logs_free(aw_logs *l) {
  if (!l) return;
  aw_drain_free(l->drain);
  AW_FREE(l->time);
  AW_FREE(l->cluster);
  AW_FREE(l->line);
  AW_FREE(l->offset);
  AW_FREE(l);
}

aw_logs *aw_logs_new(const aw_drain_opts *opts, aw_error *err) {
  aw_logs *l = (aw_logs *)AW_CALLOC(1, sizeof *l);
  if (!l) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  l->drain = aw_drain_new(opts, err);
  if (!l->drain) {
    AW_FREE(l);
    return NULL;
  }
  return l;
}

static aw_status logs_reserve(aw_logs *l, size_t need, aw_error *err) {
  if (need <= l->cap) return AW_OK;
  size_t cap = l->cap ? l->cap : 4096;
  while (cap < need) cap *= 2;
  double *t = (double *)AW_REALLOC(l->time, cap * sizeof(double));
  if (t) l->time = t;
  uint32_t *c = (uint32_t *)AW_REALLOC(l->cluster, cap * sizeof(uint32_t));
  if (c) l->cluster = c;
  uint64_t *ln = (uint64_t *)AW_REALLOC(l->line, cap * sizeof(uint64_t));
  if (ln) l->line = ln;
  uint64_t *of = (uint64_t *)AW_REALLOC(l->offset, cap * sizeof(uint64_t));
  if (of) l->offset = of;
  if (!t || !c || !ln || !of) return aw_error_set(err, AW_ERR_NOMEM, "out of memory (%zu lines)", need);
  l->cap = cap;
  return AW_OK;
}

aw_status aw_logs_add(aw_logs *l, const char *msg, size_t len, double time, uint64_t line, uint64_t offset,
                      aw_error *err) {
  aw_status st = logs_reserve(l, l->n + 1, err);
  if (st) return st;
  aw_drain_result r;
  if ((st = aw_drain_add(l->drain, msg, len, &r, err))) return st;
  l->time[l->n] = time;
  l->cluster[l->n] = r.cluster_id;
  l->line[l->n] = line;
  l->offset[l->n] = offset;
  l->n++;
  return AW_OK;
}

typedef struct log_state {
  aw_logs *logs;
  aw_drain_stream *stream;
  char label[AW_ERROR_FILE_MAX];
  /* strings the log-format options borrow */
  char *log_format, *content_field, *time_field, *time_format, *inner_format;
  uint64_t max_lines;
  /* CSV mode (logs exported as CSV, one line per record, e.g. Nezha's Log column of Docker JSON
   * envelopes): the log cell goes through the format into Drain; the record's own time column
   * (when there is one) gives the time; a filter keeps only the records of, e.g., one pod */
  aw_csv *csv;
  char *csv_column, *time_column, *filter_column, *filter_value;
  int auto_column, auto_time;  /* find the columns by their usual names */
  long col_idx, tcol_idx, filter_idx;
  uint64_t csv_rows, csv_blank, csv_filtered_out;
  aw_logfmt_opts fo;           /* kept: the stream starts at the first cell when the format is "auto" */
  int format_auto, match_only;
  double *row_time;            /* times of the records handed to the stream and not yet moved */
  uint64_t *row_line;
  size_t rt_n, rt_cap;
  aw_rejects rej;
} log_state;

static char *dup_opt(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s);
  char *d = (char *)AW_MALLOC(n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

static void log_abort(void *state) {
  log_state *s = (log_state *)state;
  if (!s) return;
  aw_csv_free(s->csv);
  AW_FREE(s->csv_column);
  AW_FREE(s->time_column);
  AW_FREE(s->filter_column);
  AW_FREE(s->filter_value);
  AW_FREE(s->row_time);
  AW_FREE(s->row_line);
  aw_rejects_free(&s->rej);
  aw_drain_stream_free(s->stream);
  aw_logs_free(s->logs);
  AW_FREE(s->log_format);
  AW_FREE(s->content_field);
  AW_FREE(s->time_field);
  AW_FREE(s->time_format);
  AW_FREE(s->inner_format);
  AW_FREE(s);
}

/* Moves the lines the stream parsed so far into the arrays (bounded by max_lines). */
static aw_status drain_out(log_state *s, aw_error *err) {
  size_t k = aw_drain_stream_count(s->stream);
  if (!k) return AW_OK;
  aw_logs *l = s->logs;
  if ((uint64_t)(l->n + k) > s->max_lines)
    return aw_error_at(err, AW_ERR_LIMIT, s->label, aw_drain_stream_lines(s->stream)[0], 0,
                       "more than %llu lines: raise max_lines or load a part of the log",
                       (unsigned long long)s->max_lines);
  aw_status st = logs_reserve(l, l->n + k, err);
  if (st) return st;
  const double *times = aw_drain_stream_times(s->stream);
  const uint64_t *lines = aw_drain_stream_lines(s->stream);
  memcpy(l->time + l->n, times, k * sizeof(double));
  memcpy(l->cluster + l->n, aw_drain_stream_clusters(s->stream), k * sizeof(uint32_t));
  memcpy(l->line + l->n, lines, k * sizeof(uint64_t));
  memcpy(l->offset + l->n, aw_drain_stream_offsets(s->stream), k * sizeof(uint64_t));
  if (s->csv && s->tcol_idx >= 0) {
    /* the records' own times: the stream delivers lines in order, matched by line number */
    size_t r = 0;
    for (size_t i = 0; i < k; i++) {
      while (r < s->rt_n && s->row_line[r] < lines[i]) r++;
      if (r < s->rt_n && s->row_line[r] == lines[i]) l->time[l->n + i] = s->row_time[r];
    }
  }
  if (s->csv) s->rt_n = 0;
  l->n += k;
  aw_drain_stream_clear(s->stream);
  return AW_OK;
}

static const char *const log_names[] = {"Log", "log", "message", "Message", "msg", "Content", "content", NULL};
static const char *const time_names[] = {"Timestamp", "timestamp", "time", "Time", "TimeUnixNano", "@timestamp", NULL};

/* Index of the column named `given`, else (given NULL) of the first of `names`; -1 if none. */
static long find_column(const aw_csv_record *r, const char *given, const char *const *names) {
  for (size_t k = 0; given ? k == 0 : names[k] != NULL; k++) {
    const char *want = given ? given : names[k];
    for (size_t j = 0; j < r->nfields; j++)
      if (r->fields[j].n == strlen(want) && memcmp(r->fields[j].p, want, r->fields[j].n) == 0) return (long)j;
  }
  return -1;
}

static aw_status start_stream(log_state *s, aw_error *err) {
  s->stream = aw_drain_stream_new(s->logs->drain, &s->fo, err);
  if (!s->stream) return err && err->code ? err->code : AW_ERR_NOMEM;
  if (s->match_only) aw_drain_stream_set_match_only(s->stream, 1);
  return AW_OK;
}

static aw_status csv_header(log_state *s, const aw_csv_record *r, aw_error *err) {
  s->col_idx = find_column(r, s->auto_column ? NULL : s->csv_column, log_names);
  if (s->col_idx < 0) {
    if (s->auto_column)
      return aw_error_at(err, AW_ERR_PARSE, s->label, r->line, 0,
                         "no log column (named Log, log, message, msg or Content): give options.column");
    return aw_error_at(err, AW_ERR_NOTFOUND, s->label, r->line, 0, "options.column: no column '%s'", s->csv_column);
  }
  if (s->auto_column) {
    AW_FREE(s->csv_column);
    s->csv_column = (char *)AW_MALLOC(r->fields[s->col_idx].n + 1);
    if (!s->csv_column) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    memcpy(s->csv_column, r->fields[s->col_idx].p, r->fields[s->col_idx].n);
    s->csv_column[r->fields[s->col_idx].n] = '\0';
  }
  s->tcol_idx = -1;
  if (s->auto_time || (s->time_column && s->time_column[0])) {
    s->tcol_idx = find_column(r, s->auto_time ? NULL : s->time_column, time_names);
    if (s->tcol_idx < 0 && !s->auto_time)
      return aw_error_at(err, AW_ERR_NOTFOUND, s->label, r->line, 0, "options.time_column: no column '%s'", s->time_column);
    if (s->tcol_idx >= 0 && s->auto_time) {
      AW_FREE(s->time_column);
      s->time_column = (char *)AW_MALLOC(r->fields[s->tcol_idx].n + 1);
      if (!s->time_column) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      memcpy(s->time_column, r->fields[s->tcol_idx].p, r->fields[s->tcol_idx].n);
      s->time_column[r->fields[s->tcol_idx].n] = '\0';
    }
  }
  if (s->filter_column) {
    s->filter_idx = find_column(r, s->filter_column, NULL);
    if (s->filter_idx < 0)
      return aw_error_at(err, AW_ERR_NOTFOUND, s->label, r->line, 0, "options.filter_column: no column '%s'", s->filter_column);
  }
  return AW_OK;
}

static aw_status csv_record(void *ud, const aw_csv_record *r, aw_error *err) {
  log_state *s = (log_state *)ud;
  if (r->is_header) return csv_header(s, r, err);
  s->csv_rows++;
  if (s->filter_idx >= 0) {
    const aw_csv_field *f = &r->fields[s->filter_idx];
    if (f->n != strlen(s->filter_value) || memcmp(f->p, s->filter_value, f->n) != 0) {
      s->csv_filtered_out++;
      return AW_OK;
    }
  }
  const aw_csv_field *f = &r->fields[s->col_idx];
  size_t a = 0;
  while (a < f->n && (f->p[a] == ' ' || f->p[a] == '\t')) a++;
  if (a == f->n) {
    s->csv_blank++;
    return AW_OK;
  }
  aw_status st;
  if (!s->stream) {
    /* format "auto": JSON when the first log cell is an object (a Docker envelope), else plain */
    if (s->format_auto) s->fo.kind = f->p[a] == '{' ? AW_LOGFMT_JSON : AW_LOGFMT_PLAIN;
    if (s->fo.kind == AW_LOGFMT_JSON && !s->content_field) s->fo.content_field = "log";
    if ((st = start_stream(s, err))) return st;
  }
  if (s->tcol_idx >= 0) {
    const aw_csv_field *tf = &r->fields[s->tcol_idx];
    double t = NAN;
    if (!aw_parse_time(tf->p, tf->n, AW_TIME_UNKNOWN, &t, NULL)) {
      int k = tf->n > 40 ? 40 : (int)tf->n;
      aw_rejects_add(&s->rej, r->line, "time: '%.*s' in column '%s' is not a time (the log line is kept without one)", k,
                     tf->p, s->time_column);
      t = NAN;
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
    s->row_line[s->rt_n++] = r->line;
  }
  st = aw_drain_stream_line(s->stream, f->p, f->n, r->line, err);
  if (!st) st = drain_out(s, err);
  return st;
}

static void csv_reject(void *ud, uint64_t line, const char *reason) {
  aw_rejects_add(&((log_state *)ud)->rej, line, "%s", reason);
}

/* One begin for both kinds: "log" reads raw lines (CSV mode when options.column is given);
 * "log_csv" is CSV mode with the columns found by name and the format decided on the first cell. */
static aw_status begin_common(void **state, const char *label, const cJSON *opt, int csv_kind, aw_error *err) {
  static const char *const keys[] = {"format", "log_format", "content_field", "time_field", "time_format",
                                     "inner_format", "default_year", "max_line", "unmatched", "masks", "st", "depth",
                                     "max_children", "max_clusters", "parametrize_numeric_tokens", "extra_delimiters",
                                     "improved", "state", "match_only", "max_lines", "column", "time_column",
                                     "filter_column", "filter_value", "sep", NULL};
  static const char *const kinds[] = {"plain", "pattern", "json", "auto", NULL};
  static const char *const unm[] = {"content", "skip", NULL};
  aw_status st;
  if ((st = aw_json_check_keys(opt, "options", keys, err))) return st;
  log_state *s = (log_state *)AW_CALLOC(1, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  snprintf(s->label, sizeof s->label, "%s", label);
  const char *lf, *cf, *tf, *tfmt, *inner, *snapshot;
  int kind, un, improved, pnt, match_only;
  int64_t year, max_line, depth, maxch, maxcl, max_lines;
  double simth;
  aw_drain_opts dopts;
  aw_drain_opts_default(&dopts);
  aw_logfmt_opts fo;
  aw_logfmt_opts_default(&fo);
  if ((st = aw_json_string(opt, "options", "log_format", NULL, &lf, err)) ||
      (st = aw_json_enum(opt, "options", "format", kinds, lf ? 1 : csv_kind ? 3 : 0, &kind, err)) ||
      (st = aw_json_string(opt, "options", "content_field", NULL, &cf, err)) ||
      (st = aw_json_string(opt, "options", "time_field", NULL, &tf, err)) ||
      (st = aw_json_string(opt, "options", "time_format", NULL, &tfmt, err)) ||
      (st = aw_json_string(opt, "options", "inner_format", NULL, &inner, err)) ||
      (st = aw_json_int(opt, "options", "default_year", 1, 9999, fo.default_year, &year, err)) ||
      (st = aw_json_int(opt, "options", "max_line", 64, (int64_t)1 << 30, (int64_t)fo.max_line, &max_line, err)) ||
      (st = aw_json_enum(opt, "options", "unmatched", unm, 0, &un, err)) ||
      (st = aw_json_number(opt, "options", "st", 0, 1, dopts.st, &simth, err)) ||
      (st = aw_json_int(opt, "options", "depth", 3, 64, (int64_t)dopts.depth, &depth, err)) ||
      (st = aw_json_int(opt, "options", "max_children", 2, 1 << 20, (int64_t)dopts.max_children, &maxch, err)) ||
      (st = aw_json_int(opt, "options", "max_clusters", 0, 1 << 26, 0, &maxcl, err)) ||
      (st = aw_json_bool(opt, "options", "parametrize_numeric_tokens", dopts.parametrize_numeric_tokens, &pnt, err)) ||
      (st = aw_json_bool(opt, "options", "improved", 0, &improved, err)) ||
      (st = aw_json_string(opt, "options", "state", NULL, &snapshot, err)) ||
      (st = aw_json_bool(opt, "options", "match_only", 0, &match_only, err)) ||
      (st = aw_json_int(opt, "options", "max_lines", 1, (int64_t)1 << 36, (int64_t)200000000, &max_lines, err))) {
    log_abort(s);
    return st;
  }
  if (kind == 1 && !lf) {
    log_abort(s);
    return aw_error_set(err, AW_ERR_ARG, "options: format \"pattern\" needs a log_format");
  }
  s->max_lines = (uint64_t)max_lines;
  s->logs = (aw_logs *)AW_CALLOC(1, sizeof(aw_logs));
  if (!s->logs) {
    log_abort(s);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  if (snapshot) {
    /* continue from a saved model (a model learned on yesterday's logs labels today's) */
    st = aw_drain_load(snapshot, strlen(snapshot), "options.state", &s->logs->drain, err);
    if (st) {
      log_abort(s);
      return st;
    }
  } else {
    dopts.st = simth;
    dopts.depth = (size_t)depth;
    dopts.max_children = (size_t)maxch;
    dopts.max_clusters = (size_t)maxcl;
    dopts.parametrize_numeric_tokens = pnt;
    if (improved) aw_drain_opts_improved(&dopts);
    const cJSON *ed = cJSON_GetObjectItemCaseSensitive(opt, "extra_delimiters");
    const char *delims[64];
    size_t nd = 0;
    if (ed) {
      if (!cJSON_IsArray(ed)) {
        log_abort(s);
        return aw_error_set(err, AW_ERR_RANGE, "options.extra_delimiters: must be an array of strings");
      }
      for (const cJSON *c = ed->child; c; c = c->next) {
        if (!cJSON_IsString(c) || nd >= 64) {
          log_abort(s);
          return aw_error_set(err, AW_ERR_RANGE, "options.extra_delimiters: at most 64 strings");
        }
        delims[nd++] = c->valuestring;
      }
    }
    dopts.extra_delimiters = nd ? delims : NULL;
    dopts.n_extra_delimiters = nd;
    s->logs->drain = aw_drain_new(&dopts, err);
    if (!s->logs->drain) {
      log_abort(s);
      return err ? err->code : AW_ERR_NOMEM;
    }
    const cJSON *masks = cJSON_GetObjectItemCaseSensitive(opt, "masks");
    if (masks && !cJSON_IsArray(masks)) {
      log_abort(s);
      return aw_error_set(err, AW_ERR_RANGE, "options.masks: must be an array of regexes or {regex, name} objects");
    }
    size_t i = 0;
    for (const cJSON *m = masks ? masks->child : NULL; m; m = m->next, i++) {
      const char *re = NULL, *name = NULL;
      if (cJSON_IsString(m)) {
        re = m->valuestring;
      } else if (cJSON_IsObject(m)) {
        static const char *const mk[] = {"regex", "name", NULL};
        char path[48];
        snprintf(path, sizeof path, "options.masks[%zu]", i);
        if ((st = aw_json_check_keys(m, path, mk, err)) || (st = aw_json_string(m, path, "regex", NULL, &re, err)) ||
            (st = aw_json_string(m, path, "name", NULL, &name, err))) {
          log_abort(s);
          return st;
        }
      }
      if (!re) {
        log_abort(s);
        return aw_error_set(err, AW_ERR_RANGE, "options.masks[%zu]: needs a regex", i);
      }
      if ((st = aw_drain_add_mask(s->logs->drain, re, name, err))) {
        aw_error_prefix(err, "options.masks[%zu]", i);
        log_abort(s);
        return st;
      }
    }
  }
  fo.kind = kind == 0 ? AW_LOGFMT_PLAIN : kind == 1 ? AW_LOGFMT_PATTERN : AW_LOGFMT_JSON;
  s->log_format = dup_opt(lf);
  s->content_field = dup_opt(cf);
  s->time_field = dup_opt(tf);
  s->time_format = dup_opt(tfmt);
  s->inner_format = dup_opt(inner);
  fo.log_format = s->log_format;
  if (cf) fo.content_field = s->content_field;
  if (tf) fo.time_field = s->time_field;
  if (tfmt) fo.time_format = s->time_format;
  fo.inner_format = s->inner_format;
  fo.default_year = (int)year;
  fo.max_line = (size_t)max_line;
  fo.unmatched = un == 1 ? AW_LOGFMT_UNMATCHED_SKIP : AW_LOGFMT_UNMATCHED_CONTENT;
  fo.name = s->label;
  s->fo = fo;
  s->match_only = match_only;
  s->format_auto = kind == 3;
  /* CSV mode */
  static const char *const seps[] = {",", ";", "\t", "|", "auto", NULL};
  const char *cc, *tc, *fc, *fv;
  int sep;
  if ((st = aw_json_string(opt, "options", "column", NULL, &cc, err)) ||
      (st = aw_json_string(opt, "options", "time_column", NULL, &tc, err)) ||
      (st = aw_json_string(opt, "options", "filter_column", NULL, &fc, err)) ||
      (st = aw_json_string(opt, "options", "filter_value", NULL, &fv, err)) ||
      (st = aw_json_enum(opt, "options", "sep", seps, 4, &sep, err))) {
    log_abort(s);
    return st;
  }
  int csv_mode = csv_kind || cc;
  if (!csv_mode && (tc || fc || fv || sep != 4)) {
    log_abort(s);
    return aw_error_set(err, AW_ERR_ARG, "options: time_column, filter_column, filter_value and sep are for CSV logs (give column)");
  }
  if ((fc != NULL) != (fv != NULL)) {
    log_abort(s);
    return aw_error_set(err, AW_ERR_ARG, "options: filter_column and filter_value go together");
  }
  if (s->format_auto && !csv_mode) {
    log_abort(s);
    return aw_error_set(err, AW_ERR_ARG, "options: format \"auto\" is for CSV logs");
  }
  s->col_idx = s->filter_idx = s->tcol_idx = -1;
  if (!csv_mode) {
    st = start_stream(s, err);
    if (st) {
      log_abort(s);
      return st;
    }
    *state = s;
    return AW_OK;
  }
  s->auto_column = cc == NULL;
  s->auto_time = tc == NULL; /* "" = the time the log format finds in the cell */
  s->csv_column = dup_opt(cc);
  s->time_column = dup_opt(tc);
  s->filter_column = dup_opt(fc);
  s->filter_value = dup_opt(fv);
  aw_rejects_init(&s->rej, 1000);
  aw_csv_opts co;
  aw_csv_opts_default(&co);
  co.name = s->label;
  co.sep = sep == 4 ? 0 : seps[sep][0];
  co.max_line = fo.max_line + 4096;
  s->csv = aw_csv_new(&co, csv_record, csv_reject, s, err);
  if ((cc && !s->csv_column) || (tc && !s->time_column) || (fc && (!s->filter_column || !s->filter_value)) || !s->csv) {
    log_abort(s);
    return err && err->code ? err->code : aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  /* a raw-format stream starts now only when the format is known; "auto" waits for the first cell */
  if (!s->format_auto && (st = start_stream(s, err))) {
    log_abort(s);
    return st;
  }
  *state = s;
  return AW_OK;
}

static aw_status log_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  return begin_common(state, label, opt, 0, err);
}

static aw_status log_csv_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  return begin_common(state, label, opt, 1, err);
}

static aw_status log_feed(void *state, const void *data, size_t n, aw_error *err) {
  log_state *s = (log_state *)state;
  if (s->csv) return aw_csv_feed(s->csv, data, n, err);
  aw_status st = aw_drain_stream_feed(s->stream, data, n, err);
  if (st) return st;
  return drain_out(s, err);
}

static void logs_free_void(void *p) { aw_logs_free((aw_logs *)p); }

static aw_status log_end(void *state, void **obj, const char **type, void (**free_fn)(void *), cJSON *info,
                         aw_error *err) {
  log_state *s = (log_state *)state;
  aw_status st = s->csv ? aw_csv_finish(s->csv, err) : AW_OK;
  if (!st && s->csv && s->col_idx < 0) st = aw_error_at(err, AW_ERR_PARSE, s->label, 1, 0, "the file is empty (no header)");
  if (!st && !s->stream) st = start_stream(s, err); /* a CSV without any log line */
  if (!st) st = aw_drain_stream_finish(s->stream, err);
  if (!st) st = drain_out(s, err);
  if (st) {
    log_abort(s);
    return st;
  }
  const aw_logfmt *fmt = aw_drain_stream_format(s->stream);
  aw_logfmt_stats fs = *aw_logfmt_get_stats(fmt);
  if (s->csv) {
    /* CSV mode: lines are the file's, and a line's time may come from its record */
    fs.lines = aw_csv_get_stats(s->csv)->lines;
    fs.blank_lines = s->csv_blank;
    fs.no_time = 0;
    for (size_t i = 0; i < s->logs->n; i++) fs.no_time += s->logs->time[i] != s->logs->time[i];
  }
  aw_logs *l = s->logs;
  aw_json_add_number(info, "lines", (double)fs.lines);
  aw_json_add_number(info, "parsed", (double)l->n);
  aw_json_add_number(info, "blank_lines", (double)fs.blank_lines);
  aw_json_add_number(info, "unmatched", (double)fs.unmatched);
  aw_json_add_number(info, "no_time", (double)fs.no_time);
  aw_json_add_number(info, "utf8_fixed", (double)fs.utf8_fixed);
  aw_json_add_number(info, "nul_fixed", (double)fs.nul_fixed);
  aw_json_add_number(info, "truncated", (double)fs.truncated);
  aw_json_add_number(info, "templates", (double)aw_drain_cluster_count(l->drain));
  if (s->csv) {
    aw_json_add_number(info, "rows", (double)s->csv_rows);
    aw_json_add_number(info, "filtered_out", (double)s->csv_filtered_out);
    cJSON_AddStringToObject(info, "column", s->csv_column ? s->csv_column : "");
    if (s->tcol_idx >= 0) cJSON_AddStringToObject(info, "time_column", s->time_column);
    else cJSON_AddNullToObject(info, "time_column");
    cJSON_AddStringToObject(info, "format",
                            s->fo.kind == AW_LOGFMT_JSON ? "json" : s->fo.kind == AW_LOGFMT_PATTERN ? "pattern" : "plain");
    aw_rejects_to_json(&s->rej, info);
  }
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < l->n; i++)
    if (l->time[i] == l->time[i]) {
      if (l->time[i] < lo) lo = l->time[i];
      if (l->time[i] > hi) hi = l->time[i];
    }
  if (lo <= hi) {
    aw_json_add_number(info, "time_start", lo);
    aw_json_add_number(info, "time_end", hi);
  }
  aw_json_add_number(info, "issues_total", (double)fs.issues);
  cJSON *iss = cJSON_AddArrayToObject(info, "issues");
  for (size_t i = 0; i < aw_logfmt_issue_count(fmt); i++) {
    const aw_logfmt_issue *is = aw_logfmt_issue_at(fmt, i);
    cJSON *o = cJSON_CreateObject();
    aw_json_add_number(o, "line", (double)is->line);
    cJSON_AddStringToObject(o, "kind", is->kind);
    cJSON_AddStringToObject(o, "reason", is->message);
    cJSON_AddItemToArray(iss, o);
  }
  s->logs = NULL;
  log_abort(s);
  *obj = l;
  *type = AW_LOGS_TYPE;
  *free_fn = logs_free_void;
  return AW_OK;
}

/* Lines parsed so far and the templates they made (shown while a log streams in). */
static void log_status(const void *state, double *records, double *groups) {
  const log_state *s = (const log_state *)state;
  *records = (double)(s->logs->n + (s->stream ? aw_drain_stream_count(s->stream) : 0));
  *groups = s->logs->drain ? (double)aw_drain_cluster_count(s->logs->drain) : 0.0;
}

const aw_stream_kind aw_stream_log = {"log", log_begin, log_feed, log_end, log_abort,
                                      "raw log lines (logpai log_format, JSON lines or plain) parsed by Drain",
                                      log_status};
const aw_stream_kind aw_stream_log_csv = {"log_csv", log_csv_begin, log_feed, log_end, log_abort,
                                          "logs exported as CSV, one line per row (Nezha): the log cell parsed by Drain",
                                          log_status};

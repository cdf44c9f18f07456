/* input_log.c - the "log" input kind: a raw log streamed through a log format into Drain
 * (He et al., ICWS 2017; see docs/drain.md), keeping the model and each line's time and cluster. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/logformat.h"
#include "aw/logs.h"
#include "aw/spec.h"
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
  /* CSV mode: each record's `csv_column` cell is one log line (e.g. Nezha's Log column holding a
   * Docker JSON envelope), optionally only the records whose filter column equals a value */
  aw_csv *csv;
  char *csv_column, *filter_column, *filter_value;
  long col_idx, filter_idx;
  uint64_t csv_rows, csv_filtered_out;
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
  AW_FREE(s->filter_column);
  AW_FREE(s->filter_value);
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
  memcpy(l->time + l->n, aw_drain_stream_times(s->stream), k * sizeof(double));
  memcpy(l->cluster + l->n, aw_drain_stream_clusters(s->stream), k * sizeof(uint32_t));
  memcpy(l->line + l->n, aw_drain_stream_lines(s->stream), k * sizeof(uint64_t));
  memcpy(l->offset + l->n, aw_drain_stream_offsets(s->stream), k * sizeof(uint64_t));
  l->n += k;
  aw_drain_stream_clear(s->stream);
  return AW_OK;
}

static aw_status csv_record(void *ud, const aw_csv_record *r, aw_error *err) {
  log_state *s = (log_state *)ud;
  if (r->is_header) {
    for (size_t j = 0; j < r->nfields; j++) {
      if (r->fields[j].n == strlen(s->csv_column) && memcmp(r->fields[j].p, s->csv_column, r->fields[j].n) == 0)
        s->col_idx = (long)j;
      if (s->filter_column && r->fields[j].n == strlen(s->filter_column) &&
          memcmp(r->fields[j].p, s->filter_column, r->fields[j].n) == 0)
        s->filter_idx = (long)j;
    }
    if (s->col_idx < 0)
      return aw_error_at(err, AW_ERR_NOTFOUND, s->label, r->line, 0, "no column \"%s\" in the header", s->csv_column);
    if (s->filter_column && s->filter_idx < 0)
      return aw_error_at(err, AW_ERR_NOTFOUND, s->label, r->line, 0, "no column \"%s\" in the header", s->filter_column);
    return AW_OK;
  }
  s->csv_rows++;
  if (s->filter_idx >= 0) {
    const aw_csv_field *f = &r->fields[s->filter_idx];
    if (f->n != strlen(s->filter_value) || memcmp(f->p, s->filter_value, f->n) != 0) {
      s->csv_filtered_out++;
      return AW_OK;
    }
  }
  const aw_csv_field *f = &r->fields[s->col_idx];
  aw_status st = aw_drain_stream_line(s->stream, f->p, f->n, r->line, err);
  if (!st) st = drain_out(s, err);
  return st;
}

static aw_status log_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  static const char *const keys[] = {"format", "log_format", "content_field", "time_field", "time_format",
                                     "inner_format", "default_year", "max_line", "unmatched", "masks", "st", "depth",
                                     "max_children", "max_clusters", "parametrize_numeric_tokens", "extra_delimiters",
                                     "improved", "state", "match_only", "max_lines", "csv_column", "csv_filter_column",
                                     "csv_filter_value", NULL};
  static const char *const kinds[] = {"plain", "pattern", "json", NULL};
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
      (st = aw_json_enum(opt, "options", "format", kinds, lf ? 1 : 0, &kind, err)) ||
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
  s->stream = aw_drain_stream_new(s->logs->drain, &fo, err);
  if (!s->stream) {
    log_abort(s);
    return err ? err->code : AW_ERR_NOMEM;
  }
  if (match_only) aw_drain_stream_set_match_only(s->stream, 1);
  const char *cc, *fc, *fv;
  if ((st = aw_json_string(opt, "options", "csv_column", NULL, &cc, err)) ||
      (st = aw_json_string(opt, "options", "csv_filter_column", NULL, &fc, err)) ||
      (st = aw_json_string(opt, "options", "csv_filter_value", NULL, &fv, err))) {
    log_abort(s);
    return st;
  }
  if ((fc != NULL) != (fv != NULL) || (fc && !cc)) {
    log_abort(s);
    return aw_error_set(err, AW_ERR_ARG, "options: csv_filter_column and csv_filter_value go together, with csv_column");
  }
  s->col_idx = s->filter_idx = -1;
  if (cc) {
    s->csv_column = dup_opt(cc);
    s->filter_column = dup_opt(fc);
    s->filter_value = dup_opt(fv);
    aw_csv_opts co;
    aw_csv_opts_default(&co);
    co.name = s->label;
    co.max_line = fo.max_line + 4096;
    s->csv = aw_csv_new(&co, csv_record, NULL, s, err);
    if (!s->csv_column || (fc && (!s->filter_column || !s->filter_value)) || !s->csv) {
      log_abort(s);
      return err && err->code ? err->code : aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    }
  }
  *state = s;
  return AW_OK;
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
  if (!st) st = aw_drain_stream_finish(s->stream, err);
  if (!st) st = drain_out(s, err);
  if (st) {
    log_abort(s);
    return st;
  }
  const aw_logfmt *fmt = aw_drain_stream_format(s->stream);
  aw_logfmt_stats fs = *aw_logfmt_get_stats(fmt);
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
    const aw_csv_stats *cs = aw_csv_get_stats(s->csv);
    aw_json_add_number(info, "csv_rows", (double)s->csv_rows);
    aw_json_add_number(info, "csv_rejected", (double)cs->rejected);
    aw_json_add_number(info, "csv_filtered_out", (double)s->csv_filtered_out);
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

const aw_stream_kind aw_stream_log = {"log", log_begin, log_feed, log_end, log_abort,
                                      "raw log lines (logpai log_format, JSON lines or plain) parsed by Drain"};

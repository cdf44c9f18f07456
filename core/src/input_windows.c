/* input_windows.c - the "windows" and "fis" input kinds: labelled anomaly windows, streamed into a
 * windows table. Formats (options.format, default "auto": JSON when the file starts with '{' or
 * '[', else CSV, whose header tells FIS records from other windows):
 *
 *   csv    start,end[,type,target] - a header row; the start column is the one named start/begin
 *          (also *_start, "start time", e.g. the IBM data set's anomaly_start,anomaly_end), the end
 *          column likewise; type: type/kind/fault/fault_type/label/anomaly_type/action/class;
 *          target: target/pod/service/host/instance/node/component/series/file. Options name
 *          them explicitly (start_column, end_column, type_column, target_column).
 *   fis    AWS Fault Injection Service records as published with the Allam et al. data sets:
 *          Experiment ID,Action Start Time,Action End Time,Template Id,Action Name,Target Type,Target
 *          (type = Action Name, target = Target). The kind "fis" forces this format.
 *   nab    NAB's labels/combined_windows.json: {"<file>": [["start", "end"], ...], ...}
 *          (target = the file).
 *   nezha  a Nezha fault list: {"<hour>": [{"inject_time", "inject_pod", "inject_type"}, ...]}
 *          (start = inject_time, UTC; end = start + duration_s, default 180 s: the faults last about
 *          three minutes and the list gives only the start; inject_timestamp is not used, it is
 *          often 8 h or 60 s off).
 *   json   a list of objects [{"start", "end", "type", "target"}, ...].
 * Times are ISO 8601 (UTC unless an offset is given) or unix seconds. A window whose start does not
 * parse, whose end is missing (and no duration_s is given) or before its start is rejected with its
 * line and reason (an FIS action still running when the log was written has no end time).
 *
 * The table (sorted by start, ties in input order): time = start; columns start, end, duration,
 * type, target, where type and target are codes (0, 1, ...) into the load information's "types"
 * and "targets" lists (NaN when a window has none). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aw/csv.h"
#include "aw/spec.h"
#include "internal/jsontok.h"
#include "internal/input_util.h"
#include "internal/registry.h"

enum { F_AUTO, F_CSV, F_FIS, F_NAB, F_NEZHA, F_JSON };
static const char *const formats[] = {"auto", "csv", "fis", "nab", "nezha", "json", NULL};

#define WIN_MAX_TEXT 512

typedef struct win_state {
  char label[AW_ERROR_FILE_MAX];
  int format, forced_fis;
  int mode; /* 0 unknown, 1 csv, 2 json */
  aw_buf prefix;
  aw_csv_opts csvo;
  aw_csv *csv;
  aw_jt *jt;
  aw_rejects rej;
  double duration_s;
  int duration_given;
  size_t max_windows;
  /* columns (CSV) */
  char opt_col[4][128];
  long col[4]; /* start, end, type, target */
  char col_name[4][128];
  int header_seen;
  /* windows */
  double *start, *end, *type, *target;
  uint64_t *line;
  size_t n, cap;
  aw_lpivot *types, *targets; /* string interning (the pivot's series dictionary) */
  char **type_names, **target_names;
  size_t ntype_names, ntarget_names, type_cap, target_cap;
  /* JSON */
  int json_root; /* '{' or '[' */
  char group[WIN_MAX_TEXT];
  int elem_depth;
  int in_obj, in_pair;
  uint64_t elem_line;
  char key[32];
  char f_start[WIN_MAX_TEXT], f_end[WIN_MAX_TEXT], f_type[WIN_MAX_TEXT], f_target[WIN_MAX_TEXT];
  int has_start, has_end, pair_n, elem_bad;
  double f_start_num, f_end_num;
  int start_is_num, end_is_num;
  int nezha_seen, nab_seen;
} win_state;

/* ---------------------------------------------------------------- storing windows */
static aw_status intern(win_state *s, aw_lpivot *dict, char ***names, size_t *nn, size_t *cap, const char *text, size_t n,
                        double *code, aw_error *err) {
  if (n == 0) {
    *code = (double)NAN;
    return AW_OK;
  }
  size_t idx;
  aw_status st = aw_lpivot_series(dict, text, n, &idx, err);
  if (st) return aw_error_prefix(err, "%s: distinct types/targets", s->label);
  if (idx == *nn) {
    if (aw_grow((void **)names, cap, *nn + 1, sizeof **names)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    char *c = (char *)AW_MALLOC(n + 1);
    if (!c) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    memcpy(c, text, n);
    c[n] = 0;
    (*names)[(*nn)++] = c;
  }
  *code = (double)idx;
  return AW_OK;
}

static aw_status add_window(win_state *s, uint64_t line, double a, double b, const char *type, size_t type_n,
                            const char *target, size_t target_n, aw_error *err) {
  if (s->n >= s->max_windows)
    return aw_error_at(err, AW_ERR_LIMIT, s->label, line, 0, "more than %zu windows (options.max_windows)", s->max_windows);
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    double *p[4] = {s->start, s->end, s->type, s->target};
    for (int k = 0; k < 4; k++) {
      double *q = (double *)AW_REALLOC(p[k], cap * sizeof *q);
      if (!q) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      p[k] = q;
    }
    s->start = p[0];
    s->end = p[1];
    s->type = p[2];
    s->target = p[3];
    uint64_t *l = (uint64_t *)AW_REALLOC(s->line, cap * sizeof *l);
    if (!l) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->line = l;
    s->cap = cap;
  }
  aw_status st = intern(s, s->types, &s->type_names, &s->ntype_names, &s->type_cap, type, type_n, &s->type[s->n], err);
  if (!st) st = intern(s, s->targets, &s->target_names, &s->ntarget_names, &s->target_cap, target, target_n, &s->target[s->n], err);
  if (st) return st;
  s->start[s->n] = a;
  s->end[s->n] = b;
  s->line[s->n] = line;
  s->n++;
  return AW_OK;
}

/* Start and end from their texts (or numbers); rejects with the reason. Returns 1 when usable. */
static int window_times(win_state *s, uint64_t line, const char *a, size_t an, const char *b, size_t bn, int has_end,
                        double *ta, double *tb) {
  if (an == 0) {
    aw_rejects_add(&s->rej, line, "start: missing");
    return 0;
  }
  if (!aw_parse_time(a, an, AW_TIME_UNKNOWN, ta, NULL)) {
    aw_rejects_add(&s->rej, line, "start: '%.*s' is not a time", (int)(an > 40 ? 40 : an), a);
    return 0;
  }
  if (!has_end || bn == 0) {
    if (s->duration_given) {
      *tb = *ta + s->duration_s;
      return 1;
    }
    aw_rejects_add(&s->rej, line, s->format == F_FIS ? "end: no end time (the action had not finished when the records were written)"
                                                     : "end: missing (give options.duration_s to use start + duration)");
    return 0;
  }
  if (!aw_parse_time(b, bn, AW_TIME_UNKNOWN, tb, NULL)) {
    aw_rejects_add(&s->rej, line, "end: '%.*s' is not a time", (int)(bn > 40 ? 40 : bn), b);
    return 0;
  }
  if (*tb < *ta) {
    char x[40], y[40];
    aw_fmt_time_iso(x, *ta);
    aw_fmt_time_iso(y, *tb);
    aw_rejects_add(&s->rej, line, "end: %s is before the start %s", y, x);
    return 0;
  }
  return 1;
}

/* ---------------------------------------------------------------- CSV */
static int name_is(const aw_csv_field *f, const char *s) {
  size_t n = strlen(s);
  return f->n == n && strncasecmp(f->p, s, n) == 0;
}

/* lower-cased copy of a header cell with '_' and '-' as spaces */
static void norm_name(const aw_csv_field *f, char *out, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < f->n && k + 1 < cap; i++) {
    char c = f->p[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c == '_' || c == '-') c = ' ';
    out[k++] = c;
  }
  out[k] = 0;
  while (k > 0 && out[k - 1] == ' ') out[--k] = 0;
}

static int ends_with_word(const char *s, const char *w) {
  size_t n = strlen(s), m = strlen(w);
  return n >= m && strcmp(s + n - m, w) == 0 && (n == m || s[n - m - 1] == ' ');
}

/* start/begin, *_start, "start time", "action start time"... */
static int is_edge(const char *nm, const char *a, const char *b) {
  char t1[64], t2[64];
  snprintf(t1, sizeof t1, "%s time", a);
  snprintf(t2, sizeof t2, "%s time", b);
  return ends_with_word(nm, a) || ends_with_word(nm, b) || ends_with_word(nm, t1) || ends_with_word(nm, t2);
}

static aw_status csv_header(win_state *s, const aw_csv_record *rec, aw_error *err) {
  static const char *const type_names[] = {"type", "kind", "fault", "fault type", "label", "anomaly type", "action", "action name",
                                           "class", "inject type", NULL};
  static const char *const target_names[] = {"target", "pod", "service", "host", "instance", "node", "component", "series",
                                             "file", "inject pod", NULL};
  for (int k = 0; k < 4; k++) s->col[k] = -1;
  int fis = 0;
  for (size_t j = 0; j < rec->nfields; j++)
    if (name_is(&rec->fields[j], "Action Start Time")) fis = 1;
  if (s->forced_fis && !fis)
    return aw_error_at(err, AW_ERR_PARSE, s->label, rec->line, 0,
                       "not FIS records: the header has no 'Action Start Time' column (expected Experiment ID,Action Start "
                       "Time,Action End Time,Template Id,Action Name,Target Type,Target)");
  if (fis && s->format != F_CSV) s->format = F_FIS;
  for (size_t j = 0; j < rec->nfields; j++) {
    const aw_csv_field *f = &rec->fields[j];
    for (int k = 0; k < 4; k++)
      if (s->opt_col[k][0] && f->n == strlen(s->opt_col[k]) && memcmp(f->p, s->opt_col[k], f->n) == 0) s->col[k] = (long)j;
  }
  static const char *const opt_names[4] = {"start_column", "end_column", "type_column", "target_column"};
  for (int k = 0; k < 4; k++)
    if (s->opt_col[k][0] && s->col[k] < 0)
      return aw_error_at(err, AW_ERR_NOTFOUND, s->label, rec->line, 0, "options.%s: no column '%.100s'", opt_names[k],
                         s->opt_col[k]);
  for (size_t j = 0; j < rec->nfields; j++) {
    char nm[128];
    norm_name(&rec->fields[j], nm, sizeof nm);
    if (s->format == F_FIS) {
      if (s->col[0] < 0 && strcmp(nm, "action start time") == 0) s->col[0] = (long)j;
      if (s->col[1] < 0 && strcmp(nm, "action end time") == 0) s->col[1] = (long)j;
      if (s->col[2] < 0 && strcmp(nm, "action name") == 0) s->col[2] = (long)j;
      if (s->col[3] < 0 && strcmp(nm, "target") == 0) s->col[3] = (long)j;
      continue;
    }
    if (s->col[0] < 0 && is_edge(nm, "start", "begin")) s->col[0] = (long)j;
    else if (s->col[1] < 0 && is_edge(nm, "end", "stop")) s->col[1] = (long)j;
    else {
      for (int k = 2; k < 4; k++) {
        const char *const *list = k == 2 ? type_names : target_names;
        for (size_t i = 0; list[i] && s->col[k] < 0; i++)
          if (strcmp(nm, list[i]) == 0) s->col[k] = (long)j;
      }
    }
  }
  if (s->col[0] < 0)
    return aw_error_at(err, AW_ERR_PARSE, s->label, rec->line, 0,
                       "no start column: label windows need a header with start and end columns (e.g. start,end,type,target)");
  for (int k = 0; k < 4; k++)
    if (s->col[k] >= 0)
      snprintf(s->col_name[k], sizeof s->col_name[k], "%.*s", (int)rec->fields[s->col[k]].n, rec->fields[s->col[k]].p);
  s->header_seen = 1;
  return AW_OK;
}

static aw_status csv_record(void *ud, const aw_csv_record *rec, aw_error *err) {
  win_state *s = (win_state *)ud;
  if (rec->is_header) return csv_header(s, rec, err);
  const aw_csv_field *f[4] = {NULL, NULL, NULL, NULL};
  for (int k = 0; k < 4; k++)
    if (s->col[k] >= 0 && (size_t)s->col[k] < rec->nfields) f[k] = &rec->fields[s->col[k]];
  double a, b;
  if (!window_times(s, rec->line, f[0] ? f[0]->p : "", f[0] ? f[0]->n : 0, f[1] ? f[1]->p : "", f[1] ? f[1]->n : 0,
                    f[1] != NULL, &a, &b))
    return AW_OK;
  return add_window(s, rec->line, a, b, f[2] ? f[2]->p : "", f[2] ? f[2]->n : 0, f[3] ? f[3]->p : "", f[3] ? f[3]->n : 0, err);
}

static void csv_reject(void *ud, uint64_t line, const char *reason) {
  win_state *s = (win_state *)ud;
  aw_rejects_add(&s->rej, line, "%s", reason);
}

/* ---------------------------------------------------------------- JSON */
static void set_text(char *dst, const aw_jt_token *t) {
  size_t n = t->n < WIN_MAX_TEXT - 1 ? t->n : WIN_MAX_TEXT - 1;
  memcpy(dst, t->s, n);
  dst[n] = 0;
}

static void elem_reset(win_state *s, uint64_t line) {
  s->elem_line = line;
  s->f_start[0] = s->f_end[0] = s->f_type[0] = s->f_target[0] = 0;
  s->has_start = s->has_end = 0;
  s->pair_n = 0;
  s->elem_bad = 0;
  s->key[0] = 0;
}

static aw_status elem_end(win_state *s, aw_error *err) {
  if (s->elem_bad) return AW_OK;
  double a, b;
  int nezha = s->nezha_seen && s->in_obj;
  if (nezha && !s->duration_given) {
    s->duration_s = 180;
    s->duration_given = 1;
  }
  if (!window_times(s, s->elem_line, s->f_start, strlen(s->f_start), s->f_end, strlen(s->f_end), s->has_end, &a, &b)) return AW_OK;
  const char *target = s->f_target[0] ? s->f_target : s->group;
  return add_window(s, s->elem_line, a, b, s->f_type, strlen(s->f_type), target, strlen(target), err);
}

static aw_status on_token(void *ud, const aw_jt_token *t, aw_error *err) {
  win_state *s = (win_state *)ud;
  int d = t->depth;
  if (d == 0) {
    if (t->kind == AW_JT_OBJ_BEGIN || t->kind == AW_JT_ARR_BEGIN) {
      s->json_root = t->kind == AW_JT_OBJ_BEGIN ? '{' : '[';
      /* depth of an element's content: {"group": [ {...} ]} -> 3, [ {...} ] -> 2 */
      s->elem_depth = s->json_root == '{' ? 3 : 2;
      return AW_OK;
    }
    if (t->kind == AW_JT_OBJ_END || t->kind == AW_JT_ARR_END) return AW_OK;
    return aw_error_at(err, AW_ERR_PARSE, s->label, t->line, t->column, "label windows: expected an object or a list");
  }
  int e = s->elem_depth;
  if (s->json_root == '{' && d == 1) {
    if (t->kind == AW_JT_KEY) set_text(s->group, t);
    else if (t->kind != AW_JT_ARR_BEGIN && t->kind != AW_JT_ARR_END)
      aw_rejects_add(&s->rej, t->line, "windows of '%.60s': expected a list", s->group);
    return AW_OK;
  }
  if (d == e - 1 && (t->kind == AW_JT_OBJ_BEGIN || t->kind == AW_JT_ARR_BEGIN)) {
    /* an element: [start, end] or {...} */
    elem_reset(s, t->line);
    s->in_obj = t->kind == AW_JT_OBJ_BEGIN;
    s->in_pair = !s->in_obj;
    if (s->in_pair) s->nab_seen = 1;
    return AW_OK;
  }
  if (d == e - 1 && (t->kind == AW_JT_OBJ_END || t->kind == AW_JT_ARR_END)) {
    if (s->in_pair && !s->elem_bad && s->pair_n != 2) {
      aw_rejects_add(&s->rej, s->elem_line, "window: expected [start, end], got %d element%s", s->pair_n, s->pair_n == 1 ? "" : "s");
      s->elem_bad = 1;
    }
    aw_status st = elem_end(s, err);
    s->in_obj = s->in_pair = 0;
    return st;
  }
  if (d == e - 1) {
    aw_rejects_add(&s->rej, t->line, "window: expected [start, end] or an object");
    return AW_OK;
  }
  if (d != e) return AW_OK; /* deeper: ignored */
  if (s->in_pair) {
    if (t->kind == AW_JT_STRING || t->kind == AW_JT_NUMBER) {
      if (s->pair_n == 0) { set_text(s->f_start, t); s->has_start = 1; }
      else if (s->pair_n == 1) { set_text(s->f_end, t); s->has_end = 1; }
    } else if (!s->elem_bad && t->kind != AW_JT_OBJ_END && t->kind != AW_JT_ARR_END) {
      aw_rejects_add(&s->rej, s->elem_line, "window: [start, end] holds something other than times");
      s->elem_bad = 1;
    }
    if (t->kind != AW_JT_OBJ_END && t->kind != AW_JT_ARR_END) s->pair_n++;
    return AW_OK;
  }
  if (s->in_obj) {
    if (t->kind == AW_JT_KEY) {
      size_t n = t->n < sizeof s->key - 1 ? t->n : sizeof s->key - 1;
      memcpy(s->key, t->s, n);
      s->key[n] = 0;
      return AW_OK;
    }
    if (t->kind != AW_JT_STRING && t->kind != AW_JT_NUMBER) return AW_OK;
    const char *k = s->key;
    if (!strcmp(k, "start") || !strcmp(k, "begin") || !strcmp(k, "start_time")) { set_text(s->f_start, t); s->has_start = 1; }
    else if (!strcmp(k, "inject_time")) { set_text(s->f_start, t); s->has_start = 1; s->nezha_seen = 1; }
    else if (!strcmp(k, "end") || !strcmp(k, "stop") || !strcmp(k, "end_time")) { set_text(s->f_end, t); s->has_end = 1; }
    else if (!strcmp(k, "type") || !strcmp(k, "kind") || !strcmp(k, "fault") || !strcmp(k, "inject_type") || !strcmp(k, "label"))
      set_text(s->f_type, t);
    else if (!strcmp(k, "target") || !strcmp(k, "pod") || !strcmp(k, "service") || !strcmp(k, "inject_pod") || !strcmp(k, "host"))
      set_text(s->f_target, t);
  }
  return AW_OK;
}

/* ---------------------------------------------------------------- the kind */
static void win_abort(void *state) {
  win_state *s = (win_state *)state;
  if (!s) return;
  aw_csv_free(s->csv);
  aw_jt_free(s->jt);
  aw_rejects_free(&s->rej);
  aw_buf_free(&s->prefix);
  AW_FREE(s->start);
  AW_FREE(s->end);
  AW_FREE(s->type);
  AW_FREE(s->target);
  AW_FREE(s->line);
  aw_lpivot_free(s->types);
  aw_lpivot_free(s->targets);
  for (size_t i = 0; i < s->ntype_names; i++) AW_FREE(s->type_names[i]);
  for (size_t i = 0; i < s->ntarget_names; i++) AW_FREE(s->target_names[i]);
  AW_FREE(s->type_names);
  AW_FREE(s->target_names);
  AW_FREE(s);
}

static aw_status begin_common(void **state, const char *label, const cJSON *opt, int fis, aw_error *err) {
  static const char *const keys[] = {"format", "start_column", "end_column", "type_column", "target_column", "duration_s",
                                     "sep", "max_line", "max_windows", NULL};
  static const char *const keys_fis[] = {"max_line", "max_windows", "sep", NULL};
  static const char *const seps[] = {",", ";", "\t", "|", "auto", NULL};
  aw_status st;
  if ((st = aw_json_check_keys(opt, "options", fis ? keys_fis : keys, err))) return st;
  win_state *s = (win_state *)AW_CALLOC(1, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  snprintf(s->label, sizeof s->label, "%s", label);
  aw_rejects_init(&s->rej, 1000);
  int fmt, sep;
  int64_t max_line, max_windows;
  double dur;
  const char *cols[4] = {NULL, NULL, NULL, NULL};
  static const char *const col_keys[4] = {"start_column", "end_column", "type_column", "target_column"};
  if ((st = aw_json_enum(opt, "options", "format", formats, fis ? F_FIS : F_AUTO, &fmt, err)) ||
      (st = aw_json_enum(opt, "options", "sep", seps, 4, &sep, err)) ||
      (st = aw_json_number(opt, "options", "duration_s", 0, 1e9, 0, &dur, err)) ||
      (st = aw_json_int(opt, "options", "max_line", 16, (int64_t)1 << 30, (int64_t)AW_CSV_DEFAULT_MAX_LINE, &max_line, err)) ||
      (st = aw_json_int(opt, "options", "max_windows", 1, (int64_t)1 << 26, 1 << 22, &max_windows, err))) {
    win_abort(s);
    return st;
  }
  for (int k = 0; k < 4 && !st; k++) st = aw_json_string(opt, "options", col_keys[k], NULL, &cols[k], err);
  if (st) {
    win_abort(s);
    return st;
  }
  for (int k = 0; k < 4; k++)
    if (cols[k]) snprintf(s->opt_col[k], sizeof s->opt_col[k], "%s", cols[k]);
  s->format = fmt;
  s->forced_fis = fis || fmt == F_FIS;
  s->duration_given = opt && cJSON_GetObjectItemCaseSensitive(opt, "duration_s") != NULL;
  s->duration_s = dur;
  s->max_windows = (size_t)max_windows;
  aw_csv_opts_default(&s->csvo);
  s->csvo.name = s->label;
  s->csvo.sep = sep == 4 ? 0 : seps[sep][0];
  s->csvo.max_line = (size_t)max_line;
  s->csvo.allow_ragged = 0;
  aw_lpivot_opts po;
  aw_lpivot_opts_default(&po);
  po.max_series = 1 << 20;
  s->types = aw_lpivot_new(&po, err);
  s->targets = s->types ? aw_lpivot_new(&po, err) : NULL;
  if (!s->targets) {
    win_abort(s);
    return AW_ERR_NOMEM;
  }
  if (fmt == F_CSV || fmt == F_FIS) s->mode = 1;
  else if (fmt == F_NAB || fmt == F_NEZHA || fmt == F_JSON) s->mode = 2;
  if (s->mode == 1) s->csv = aw_csv_new(&s->csvo, csv_record, csv_reject, s, err);
  if (s->mode == 2) s->jt = aw_jt_new(s->label, 1 << 20, 32, on_token, s, err);
  if (s->mode && !s->csv && !s->jt) {
    win_abort(s);
    return err && err->code ? err->code : AW_ERR_NOMEM;
  }
  *state = s;
  return AW_OK;
}

static aw_status win_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  return begin_common(state, label, opt, 0, err);
}
static aw_status fis_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  return begin_common(state, label, opt, 1, err);
}

static aw_status feed_reader(win_state *s, const void *data, size_t n, aw_error *err) {
  return s->mode == 1 ? aw_csv_feed(s->csv, data, n, err) : aw_jt_feed(s->jt, data, n, err);
}

static aw_status win_feed(void *state, const void *data, size_t n, aw_error *err) {
  win_state *s = (win_state *)state;
  if (s->mode) return feed_reader(s, data, n, err);
  /* auto: the first character that is not white space (or a byte order mark) decides */
  const unsigned char *p = (const unsigned char *)data;
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n' || p[i] == 0xEF || p[i] == 0xBB || p[i] == 0xBF)) i++;
  if (aw_buf_append(&s->prefix, data, i)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (s->prefix.len > (1u << 20)) return aw_error_at(err, AW_ERR_PARSE, s->label, 0, 0, "the file starts with more than 1 MB of blank space");
  if (i == n) return AW_OK;
  s->mode = (p[i] == '{' || p[i] == '[') ? 2 : 1;
  if (s->mode == 1) s->csv = aw_csv_new(&s->csvo, csv_record, csv_reject, s, err);
  else s->jt = aw_jt_new(s->label, 1 << 20, 32, on_token, s, err);
  if (!s->csv && !s->jt) return err && err->code ? err->code : AW_ERR_NOMEM;
  aw_status st = s->prefix.len ? feed_reader(s, s->prefix.data, s->prefix.len, err) : AW_OK;
  aw_buf_free(&s->prefix);
  if (!st) st = feed_reader(s, p + i, n - i, err);
  return st;
}

/* stable merge sort of window indices by start */
static void sort_idx(size_t *idx, size_t *tmp, size_t n, const double *key) {
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = key[idx[j]] < key[idx[i]] ? idx[j++] : idx[i++];
      while (i < mid) tmp[k++] = idx[i++];
      while (j < hi) tmp[k++] = idx[j++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
  }
}

static aw_status win_end(void *state, void **obj, const char **type, void (**free_fn)(void *), cJSON *info,
                         aw_error *err) {
  win_state *s = (win_state *)state;
  aw_status st = AW_OK;
  if (!s->mode) st = aw_error_at(err, AW_ERR_PARSE, s->label, 1, 0, "the file is empty");
  else if (s->mode == 1) {
    st = aw_csv_finish(s->csv, err);
    if (!st && !s->header_seen) st = aw_error_at(err, AW_ERR_PARSE, s->label, 1, 0, "the file is empty (no header)");
  } else {
    st = aw_jt_finish(s->jt, err);
  }
  aw_table *t = NULL;
  size_t n = s->n;
  if (!st) {
    size_t *idx = (size_t *)aw_alloc_array(n ? n : 1, sizeof *idx), *tmp = (size_t *)aw_alloc_array(n ? n : 1, sizeof *tmp);
    double *cols = (double *)aw_alloc_array(n ? 5 * n : 1, sizeof *cols);
    t = aw_table_new();
    if (!idx || !tmp || !cols || !t) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    if (!st) {
      for (size_t i = 0; i < n; i++) idx[i] = i;
      sort_idx(idx, tmp, n, s->start);
      double *c0 = cols, *c1 = cols + n, *c2 = cols + 2 * n, *c3 = cols + 3 * n, *c4 = cols + 4 * n;
      for (size_t i = 0; i < n; i++) {
        c0[i] = s->start[idx[i]];
        c1[i] = s->end[idx[i]];
        c2[i] = s->end[idx[i]] - s->start[idx[i]];
        c3[i] = s->type[idx[i]];
        c4[i] = s->target[idx[i]];
      }
      st = aw_table_set_time(t, c0, n, err);
      if (!st) st = aw_table_add_column(t, "start", c0, n, err);
      if (!st) st = aw_table_add_column(t, "end", c1, n, err);
      if (!st) st = aw_table_add_column(t, "duration", c2, n, err);
      if (!st) st = aw_table_add_column(t, "type", c3, n, err);
      if (!st) st = aw_table_add_column(t, "target", c4, n, err);
    }
    AW_FREE(idx);
    AW_FREE(tmp);
    AW_FREE(cols);
  }
  if (st) {
    aw_table_free(t);
    win_abort(s);
    return st;
  }
  const char *fmt = s->mode == 1 ? (s->format == F_FIS ? "fis" : "csv")
                    : s->nezha_seen ? "nezha" : (s->json_root == '{' && s->nab_seen) ? "nab" : "json";
  cJSON_AddStringToObject(info, "format", fmt);
  aw_json_add_number(info, "windows", (double)n);
  aw_json_add_number(info, "rows", (double)n);
  if (s->duration_given) aw_json_add_number(info, "duration_s", s->duration_s);
  if (n) {
    double lo = s->start[0], hi = s->end[0];
    for (size_t i = 1; i < n; i++) {
      if (s->start[i] < lo) lo = s->start[i];
      if (s->end[i] > hi) hi = s->end[i];
    }
    aw_json_add_number(info, "time_start", lo);
    aw_json_add_number(info, "time_end", hi);
  }
  if (s->mode == 1) {
    static const char *const keys[4] = {"start_column", "end_column", "type_column", "target_column"};
    for (int k = 0; k < 4; k++)
      if (s->col[k] >= 0) cJSON_AddStringToObject(info, keys[k], s->col_name[k]);
    aw_json_add_number(info, "lines", (double)aw_csv_get_stats(s->csv)->lines);
  } else {
    aw_json_add_number(info, "lines", (double)aw_jt_line(s->jt));
  }
  cJSON *ty = cJSON_AddArrayToObject(info, "types");
  for (size_t i = 0; i < s->ntype_names; i++) cJSON_AddItemToArray(ty, cJSON_CreateString(s->type_names[i]));
  cJSON *tg = cJSON_AddArrayToObject(info, "targets");
  for (size_t i = 0; i < s->ntarget_names; i++) cJSON_AddItemToArray(tg, cJSON_CreateString(s->target_names[i]));
  aw_rejects_to_json(&s->rej, info);
  aw_stream_return_table(t, obj, type, free_fn);
  win_abort(s);
  return AW_OK;
}

const aw_stream_kind aw_stream_windows = {
    "windows", win_begin, win_feed, win_end, win_abort,
    "label windows: start,end[,type,target] CSV, NAB combined_windows.json, IBM anomaly_windows.csv, Nezha fault list, FIS records", NULL};

const aw_stream_kind aw_stream_fis = {"fis", fis_begin, win_feed, win_end, win_abort,
                                      "AWS FIS experiment records (Allam et al.) -> label windows", NULL};

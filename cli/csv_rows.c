/* csv_rows.c - long-format CSV reading for diagnose and classify (see csv_rows.h). */
#include "csv_rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static char *dupn(const char *p, size_t n) {
  char *s = AW_MALLOC(n + 1);
  if (s) {
    memcpy(s, p, n);
    s[n] = '\0';
  }
  return s;
}

static void free_strs(char **v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) AW_FREE(v[i]);
  AW_FREE(v);
}

void csv_rows_free(csv_rows *r) {
  if (!r) return;
  free_strs(r->names, r->ncols);
  free_strs(r->skipped, r->nskipped);
  free_strs(r->keys, r->nkeys);
  free_strs(r->header, r->nheader);
  AW_FREE(r->time_name);
  AW_FREE(r->values);
  AW_FREE(r->times);
  AW_FREE(r->key);
  AW_FREE(r->line);
  AW_FREE(r->file);
  AW_FREE(r->col_of);
  AW_FREE(r->err_msg);
  memset(r, 0, sizeof *r);
}

long csv_rows_col(const csv_rows *r, const char *name) {
  for (size_t j = 0; j < r->ncols; j++)
    if (strcmp(r->names[j], name) == 0) return (long)j;
  return -1;
}

static int field_is(const aw_csv_field *f, const char *s) { return strlen(s) == f->n && memcmp(f->p, s, f->n) == 0; }

static aw_status push_str(char ***v, size_t *n, const char *p, size_t len) {
  char **nv = AW_REALLOC(*v, (*n + 1) * sizeof **v);
  if (!nv) return AW_ERR_NOMEM;
  *v = nv;
  if (!(nv[*n] = dupn(p, len))) return AW_ERR_NOMEM;
  (*n)++;
  return AW_OK;
}

static long header_find(const csv_rows *r, const char *name) {
  for (size_t j = 0; j < r->nheader; j++)
    if (strcmp(r->header[j], name) == 0) return (long)j;
  return -1;
}

static aw_status missing_column(const csv_rows *r, const char *what, const char *name, aw_error *err) {
  char list[300];
  size_t o = 0;
  list[0] = '\0';
  for (size_t j = 0; j < r->nheader && o + 4 < sizeof list; j++)
    o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", j ? ", " : "", r->header[j]);
  return aw_error_at(err, AW_ERR_NOTFOUND, r->cur_file, 1, 0, "no %s%scolumn named '%s' (columns: %s)", what, *what ? " " : "",
                     name, list);
}

static aw_status on_header(csv_rows *r, const aw_csv_record *rec, aw_error *err) {
  if (r->nheader) { /* a later file: the header must match */
    int same = rec->nfields == r->nheader;
    for (size_t j = 0; same && j < r->nheader; j++) same = field_is(&rec->fields[j], r->header[j]);
    if (!same) return aw_error_at(err, AW_ERR_PARSE, r->cur_file, rec->line, 0, "the header differs from the first file's");
    return AW_OK;
  }
  for (size_t j = 0; j < rec->nfields; j++)
    if (push_str(&r->header, &r->nheader, rec->fields[j].p, rec->fields[j].n))
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  const csv_rows_opts *o = r->opts;
  r->key_idx = header_find(r, o->key_column);
  if (r->key_idx < 0) return missing_column(r, "key", o->key_column, err);
  r->time_idx = -1;
  if (o->time_column && *o->time_column) {
    r->time_idx = header_find(r, o->time_column);
    if (r->time_idx < 0) return missing_column(r, "time", o->time_column, err);
  }
  r->col_of = AW_MALLOC(r->nheader * sizeof *r->col_of);
  if (!r->col_of) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t j = 0; j < r->nheader; j++) r->col_of[j] = -1;
  if (o->columns) {
    const char *p = o->columns;
    while (*p) {
      const char *e = strchr(p, ',');
      size_t len = e ? (size_t)(e - p) : strlen(p);
      char *name = dupn(p, len);
      if (!name) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      long j = header_find(r, name);
      aw_status st = AW_OK;
      if (j < 0) st = missing_column(r, "", name, err);
      else if (j == r->key_idx || j == r->time_idx)
        st = aw_error_set(err, AW_ERR_ARG, "column '%s' is the key or time column, not a numeric one", name);
      else if (r->col_of[j] >= 0)
        st = aw_error_set(err, AW_ERR_ARG, "column '%s' is listed twice", name);
      else {
        r->col_of[j] = (long)r->ncols;
        if (push_str(&r->names, &r->ncols, name, len)) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      }
      AW_FREE(name);
      if (st) return st;
      p = e ? e + 1 : p + len;
    }
    if (r->ncols == 0) return aw_error_set(err, AW_ERR_ARG, "no columns selected");
  }
  return AW_OK;
}

static int is_time_name(const char *s) {
  static const char *names[] = {"timestamp", "time", "date", "datetime", "ts", "t"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcasecmp(s, names[i]) == 0) return 1;
  return 0;
}

/* First data row: the time column (when detected) and the numeric columns (when not listed). */
static aw_status decide(csv_rows *r, const aw_csv_record *rec, aw_error *err) {
  const csv_rows_opts *o = r->opts;
  if (!o->time_column) {
    for (size_t j = 0; j < r->nheader && r->time_idx < 0; j++) {
      if ((long)j == r->key_idx || !is_time_name(r->header[j]) || r->col_of[j] >= 0) continue;
      double t;
      aw_time_format f;
      if (aw_parse_time(rec->fields[j].p, rec->fields[j].n, AW_TIME_UNKNOWN, &t, &f)) r->time_idx = (long)j;
    }
  }
  if (r->time_idx >= 0) {
    double t;
    if (!aw_parse_time(rec->fields[r->time_idx].p, rec->fields[r->time_idx].n, AW_TIME_UNKNOWN, &t, &r->time_format))
      return aw_error_at(err, AW_ERR_PARSE, r->cur_file, rec->line, 0, "time column '%s': '%.*s' is not a time",
                         r->header[r->time_idx], (int)(rec->fields[r->time_idx].n > 60 ? 60 : rec->fields[r->time_idx].n),
                         rec->fields[r->time_idx].p);
    if (!(r->time_name = dupn(r->header[r->time_idx], strlen(r->header[r->time_idx]))))
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  if (!o->columns) {
    for (size_t j = 0; j < r->nheader; j++) {
      if ((long)j == r->key_idx || (long)j == r->time_idx) continue;
      double v;
      aw_status st = AW_OK;
      if (aw_parse_cell(rec->fields[j].p, rec->fields[j].n, &v)) {
        r->col_of[j] = (long)r->ncols;
        st = push_str(&r->names, &r->ncols, r->header[j], strlen(r->header[j]));
      } else {
        st = push_str(&r->skipped, &r->nskipped, r->header[j], strlen(r->header[j]));
      }
      if (st) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    }
    if (r->ncols == 0)
      return aw_error_at(err, AW_ERR_PARSE, r->cur_file, rec->line, 0, "no numeric column besides '%s'", o->key_column);
  }
  r->decided = 1;
  return AW_OK;
}

static aw_status on_record(void *ud, const aw_csv_record *rec, aw_error *err) {
  csv_rows *r = ud;
  if (rec->is_header) return on_header(r, rec, err);
  if (!r->decided) {
    aw_status st = decide(r, rec, err);
    if (st) return st;
  }
  const csv_rows_opts *o = r->opts;
  size_t max_keys = o->max_keys ? o->max_keys : 4096;
  size_t max_values = o->max_values ? o->max_values : ((size_t)64 << 20);
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 1024;
    if (r->ncols && cap > max_values / r->ncols) cap = max_values / r->ncols;
    if (cap <= r->n)
      return aw_error_at(err, AW_ERR_LIMIT, r->cur_file, rec->line, 0, "more than %zu values: file too large for this command",
                         max_values);
    double *v = AW_REALLOC(r->values, cap * r->ncols * sizeof(double));
    if (v) r->values = v;
    double *t = AW_REALLOC(r->times, cap * sizeof(double));
    if (t) r->times = t;
    uint32_t *k = AW_REALLOC(r->key, cap * sizeof(uint32_t));
    if (k) r->key = k;
    uint64_t *l = AW_REALLOC(r->line, cap * sizeof(uint64_t));
    if (l) r->line = l;
    uint32_t *f = AW_REALLOC(r->file, cap * sizeof(uint32_t));
    if (f) r->file = f;
    if (!v || !t || !k || !l || !f) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    r->cap = cap;
  }
  size_t i = r->n;
  /* key */
  const aw_csv_field *kf = &rec->fields[r->key_idx];
  if (kf->n == 0) return aw_error_at(err, AW_ERR_PARSE, r->cur_file, rec->line, 0, "column '%s' is empty", o->key_column);
  long key = -1;
  for (size_t q = r->nkeys; q-- > 0;)
    if (field_is(kf, r->keys[q])) {
      key = (long)q;
      break;
    }
  if (key < 0) {
    if (r->nkeys >= max_keys)
      return aw_error_at(err, AW_ERR_LIMIT, r->cur_file, rec->line, 0, "more than %zu distinct values in column '%s'", max_keys,
                         o->key_column);
    if (push_str(&r->keys, &r->nkeys, kf->p, kf->n)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    key = (long)r->nkeys - 1;
  }
  r->key[i] = (uint32_t)key;
  r->line[i] = rec->line;
  r->file[i] = (uint32_t)(r->nfiles - 1);
  r->times[i] = NAN;
  if (r->time_idx >= 0) {
    const aw_csv_field *tf = &rec->fields[r->time_idx];
    double t;
    if (!aw_parse_time(tf->p, tf->n, r->time_format, &t, NULL))
      return aw_error_at(err, AW_ERR_PARSE, r->cur_file, rec->line, 0, "time column '%s': '%.*s' is not a %s time", r->time_name,
                         (int)(tf->n > 60 ? 60 : tf->n), tf->p, aw_time_format_name(r->time_format));
    r->times[i] = t;
  }
  for (size_t j = 0; j < r->nheader; j++) {
    long c = r->col_of[j];
    if (c < 0) continue;
    double v;
    int k = aw_parse_cell(rec->fields[j].p, rec->fields[j].n, &v);
    if (k == 0)
      return aw_error_at(err, AW_ERR_PARSE, r->cur_file, rec->line, 0, "column '%s' (field %zu): '%.*s' is not a number",
                         r->header[j], j + 1, (int)(rec->fields[j].n > 60 ? 60 : rec->fields[j].n), rec->fields[j].p);
    if (k == 2 && !o->allow_missing)
      return aw_error_at(err, AW_ERR_PARSE, r->cur_file, rec->line, 0, "column '%s' (field %zu): missing value", r->header[j],
                         j + 1);
    r->values[i * r->ncols + (size_t)c] = v;
  }
  r->n++;
  return AW_OK;
}

static void on_reject(void *ud, uint64_t line, const char *reason) {
  csv_rows *r = ud;
  if (r->err_msg) return;
  char buf[600];
  snprintf(buf, sizeof buf, "%llu\t%s", (unsigned long long)line, reason);
  r->err_msg = dupn(buf, strlen(buf));
}

typedef struct feed_ctx {
  csv_rows *r;
  aw_csv *csv;
} feed_ctx;

static aw_status check_reject(csv_rows *r, aw_error *err) {
  if (!r->err_msg) return AW_OK;
  char *tab = strchr(r->err_msg, '\t');
  unsigned long long line = strtoull(r->err_msg, NULL, 10);
  return aw_error_at(err, AW_ERR_PARSE, r->cur_file, line, 0, "row refused: %s", tab ? tab + 1 : r->err_msg);
}

static aw_status feed(void *ud, const char *data, size_t n, aw_error *err) {
  feed_ctx *f = ud;
  aw_status st = aw_csv_feed(f->csv, data, n, err);
  if (st) return st;
  return check_reject(f->r, err);
}

aw_status csv_rows_read(csv_rows *r, const char *path, const csv_rows_opts *o, aw_error *err) {
  r->opts = o;
  r->cur_file = path;
  r->nfiles++;
  aw_csv_opts co;
  aw_csv_opts_default(&co);
  co.name = path;
  aw_csv *csv = aw_csv_new(&co, on_record, on_reject, r, err);
  if (!csv) return err ? err->code : AW_ERR_NOMEM;
  feed_ctx f = {r, csv};
  aw_status st = cli_stream_file(path, 0, feed, &f, err);
  if (!st) st = aw_csv_finish(csv, err);
  if (!st) st = check_reject(r, err);
  if (!st && !r->nheader) st = aw_error_at(err, AW_ERR_PARSE, path, 0, 0, "empty file: no header");
  if (st && err && !err->file[0]) snprintf(err->file, sizeof err->file, "%s", path);
  aw_csv_free(csv);
  return st;
}

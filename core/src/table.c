/* table.c - the columnar numeric table and the streaming wide-CSV loader. */
#include "aw/table.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct col {
  char *name;
  double *v;
} col;

struct aw_table {
  size_t rows, row_cap; /* every column (and time) has row_cap allocated doubles */
  col *cols;
  size_t ncols, cols_cap;
  double *time;         /* NULL when there is no time column */
};

aw_table *aw_table_new(void) { return (aw_table *)AW_CALLOC(1, sizeof(aw_table)); }

void aw_table_free(aw_table *t) {
  if (!t) return;
  for (size_t j = 0; j < t->ncols; j++) {
    AW_FREE(t->cols[j].name);
    AW_FREE(t->cols[j].v);
  }
  AW_FREE(t->cols);
  AW_FREE(t->time);
  AW_FREE(t);
}

size_t aw_table_rows(const aw_table *t) { return t->rows; }
size_t aw_table_cols(const aw_table *t) { return t->ncols; }
const char *aw_table_col_name(const aw_table *t, size_t j) { return j < t->ncols ? t->cols[j].name : NULL; }
const double *aw_table_column(const aw_table *t, size_t j) { return j < t->ncols ? t->cols[j].v : NULL; }
double *aw_table_column_mut(aw_table *t, size_t j) { return j < t->ncols ? t->cols[j].v : NULL; }
const double *aw_table_time(const aw_table *t) { return t->time; }

long aw_table_find(const aw_table *t, const char *name) {
  for (size_t j = 0; j < t->ncols; j++)
    if (strcmp(t->cols[j].name, name) == 0) return (long)j;
  return -1;
}

static char *dupstr(const char *s, size_t n) {
  char *d = (char *)AW_MALLOC(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

static aw_status check_rows(aw_table *t, size_t n, aw_error *err) {
  if ((t->ncols > 0 || t->time) && n != t->rows)
    return aw_error_set(err, AW_ERR_ARG, "column has %zu rows, the table has %zu", n, t->rows);
  return AW_OK;
}

aw_status aw_table_set_time(aw_table *t, const double *unix_s, size_t n, aw_error *err) {
  aw_status s = check_rows(t, n, err);
  if (s) return s;
  size_t cap = t->row_cap > n ? t->row_cap : n;
  double *v = (double *)aw_alloc_array(cap, sizeof(double));
  if (!v) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (n) memcpy(v, unix_s, n * sizeof(double));
  AW_FREE(t->time);
  t->time = v;
  t->rows = n;
  t->row_cap = cap;
  return AW_OK;
}

double *aw_table_add_empty_column(aw_table *t, const char *name, size_t n, aw_error *err) {
  if (!name || !*name) {
    aw_error_set(err, AW_ERR_ARG, "column name is empty");
    return NULL;
  }
  if (aw_table_find(t, name) >= 0) {
    aw_error_set(err, AW_ERR_ARG, "duplicate column name '%s'", name);
    return NULL;
  }
  if (check_rows(t, n, err)) return NULL;
  if (aw_grow((void **)&t->cols, &t->cols_cap, t->ncols + 1, sizeof(col))) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  size_t cap = t->row_cap > n ? t->row_cap : n;
  double *v = (double *)aw_alloc_array(cap, sizeof(double));
  char *nm = dupstr(name, strlen(name));
  if (!v || !nm) {
    AW_FREE(v);
    AW_FREE(nm);
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) v[i] = NAN;
  t->cols[t->ncols].name = nm;
  t->cols[t->ncols].v = v;
  t->ncols++;
  t->rows = n;
  t->row_cap = cap;
  return v;
}

aw_status aw_table_add_column(aw_table *t, const char *name, const double *values, size_t n, aw_error *err) {
  double *v = aw_table_add_empty_column(t, name, n, err);
  if (!v) return err ? err->code : AW_ERR_ARG;
  if (n) memcpy(v, values, n * sizeof(double));
  return AW_OK;
}

/* Makes room for one more row in every column (amortised doubling). */
static aw_status reserve_row(aw_table *t) {
  if (t->rows < t->row_cap) return AW_OK;
  size_t nc = t->row_cap ? t->row_cap * 2 : 1024;
  if (nc > SIZE_MAX / sizeof(double)) return AW_ERR_NOMEM;
  if (t->time) {
    double *v = (double *)AW_REALLOC(t->time, nc * sizeof(double));
    if (!v) return AW_ERR_NOMEM;
    t->time = v;
  }
  for (size_t j = 0; j < t->ncols; j++) {
    double *v = (double *)AW_REALLOC(t->cols[j].v, nc * sizeof(double));
    if (!v) return AW_ERR_NOMEM;
    t->cols[j].v = v;
  }
  t->row_cap = nc;
  return AW_OK;
}

static void remove_column(aw_table *t, size_t j) {
  AW_FREE(t->cols[j].name);
  AW_FREE(t->cols[j].v);
  memmove(t->cols + j, t->cols + j + 1, (t->ncols - j - 1) * sizeof(col));
  t->ncols--;
}

aw_status aw_table_to_csv(const aw_table *t, int iso_time, aw_buf *out) {
  aw_status s = AW_OK;
  int first = 1;
  if (t->time) {
    s |= aw_buf_append(out, "timestamp", 9);
    first = 0;
  }
  for (size_t j = 0; j < t->ncols; j++) {
    if (!first) s |= aw_buf_putc(out, ',');
    first = 0;
    /* quote names that need it (RFC 4180) */
    const char *nm = t->cols[j].name;
    if (strpbrk(nm, ",\"\r\n;\t")) {
      s |= aw_buf_putc(out, '"');
      for (const char *p = nm; *p; p++) {
        if (*p == '"') s |= aw_buf_putc(out, '"');
        s |= aw_buf_putc(out, *p);
      }
      s |= aw_buf_putc(out, '"');
    } else {
      s |= aw_buf_append(out, nm, strlen(nm));
    }
  }
  s |= aw_buf_putc(out, '\n');
  char num[AW_FMT_DOUBLE_MAX + 16];
  for (size_t i = 0; i < t->rows && !s; i++) {
    first = 1;
    if (t->time) {
      size_t k = iso_time ? aw_fmt_time_iso(num, t->time[i]) : aw_fmt_double(num, t->time[i]);
      s |= aw_buf_append(out, num, k);
      first = 0;
    }
    for (size_t j = 0; j < t->ncols; j++) {
      if (!first) s |= aw_buf_putc(out, ',');
      first = 0;
      double x = t->cols[j].v[i];
      if (x == x) s |= aw_buf_append(out, num, aw_fmt_double(num, x));
    }
    s |= aw_buf_putc(out, '\n');
  }
  return s ? AW_ERR_NOMEM : AW_OK;
}

/* ------------------------------------------------------------------ loader */

enum { K_UNDECIDED, K_SERIES, K_TEXT, K_TIME };

typedef struct lcol {
  int kind;
  long tcol;   /* table column index for series */
  char *name;
} lcol;

struct aw_loader {
  aw_loader_opts o;
  aw_csv *csv;
  aw_table *t;
  lcol *cols;
  size_t ncols;
  long time_idx;           /* CSV field index of the time column, -1 none */
  int time_decided;        /* time column chosen (after header or first row) */
  aw_time_format tfmt;
  int header_seen;
  uint64_t rows_rejected;
  aw_reject *rejects;
  size_t nrejects, rejects_cap;
  char **skipped;
  size_t nskipped, skipped_cap;
  double *rowbuf;          /* parsed values of the current row */
  size_t rowbuf_cap;
  int table_cols_pending;  /* some column is still undecided (or no row was accepted yet) */
  /* overview mode (see aw_loader_is_overview) */
  int overview;
  uint64_t rows_read;
  size_t ov_nser;          /* series tracked (table columns at the switch) */
  long *ov_col;            /* CSV field index of each tracked series */
  uint64_t ov_run;         /* rows per bucket (a power of two) */
  size_t ov_used;          /* buckets in use */
  double *ov_t0, *ov_t1;   /* first and last time of each bucket */
  double *ov_min, *ov_max; /* [series * B + bucket] */
  size_t *st_n, *st_miss;  /* exact running statistics per series */
  double *st_mean, *st_m2, *st_lo, *st_hi;
  char **ov_names;
  char *pending;           /* kind decided on the current row, applied if it is accepted */
  size_t pending_cap;
  aw_error *feed_err;
};

void aw_loader_opts_default(aw_loader_opts *o) {
  memset(o, 0, sizeof *o);
  aw_csv_opts_default(&o->csv);
  o->max_cells = (size_t)64 << 20;
  o->max_reject_list = 1000;
  o->overview_buckets = 4096;
}

static void add_reject(aw_loader *l, uint64_t line, const char *reason) {
  l->rows_rejected++;
  if (l->nrejects >= l->o.max_reject_list) return;
  if (aw_grow((void **)&l->rejects, &l->rejects_cap, l->nrejects + 1, sizeof(aw_reject))) return;
  char *r = dupstr(reason, strlen(reason));
  if (!r) return;
  l->rejects[l->nrejects].line = line;
  l->rejects[l->nrejects].reason = r;
  l->nrejects++;
}

static void on_csv_reject(void *ud, uint64_t line, const char *reason) { add_reject((aw_loader *)ud, line, reason); }

static int is_time_name(const char *s, size_t n) {
  static const char *names[] = {"timestamp", "time", "date", "datetime", "ts", "t", "time_stamp", "@timestamp"};
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    size_t m = strlen(names[k]);
    if (m != n) continue;
    size_t i = 0;
    for (; i < n; i++) {
      char a = s[i];
      if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
      if (a != names[k][i]) break;
    }
    if (i == n) return 1;
  }
  return 0;
}

static aw_status add_skipped(aw_loader *l, const char *name) {
  if (aw_grow((void **)&l->skipped, &l->skipped_cap, l->nskipped + 1, sizeof(char *))) return AW_ERR_NOMEM;
  char *d = dupstr(name, strlen(name));
  if (!d) return AW_ERR_NOMEM;
  l->skipped[l->nskipped++] = d;
  return AW_OK;
}

/* Header: name the columns (unique, non-empty) and pick the time column by name. */
static aw_status on_header(aw_loader *l, const aw_csv_record *r, aw_error *err) {
  l->ncols = r->nfields;
  l->cols = (lcol *)aw_calloc_array(r->nfields, sizeof(lcol));
  if (!l->cols) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t j = 0; j < r->nfields; j++) {
    const aw_csv_field *f = &r->fields[j];
    const char *p = f->p;
    size_t n = f->n;
    while (n && (*p == ' ' || *p == '\t')) p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    char buf[256];
    if (n == 0) {
      snprintf(buf, sizeof buf, "column_%zu", j + 1);
    } else {
      if (n > 200) n = 200; /* names are bounded; longer ones are cut */
      memcpy(buf, p, n);
      buf[n] = '\0';
    }
    /* make names unique: "cpu", "cpu_2", ... */
    char uniq[280];
    snprintf(uniq, sizeof uniq, "%s", buf);
    for (int k = 2;; k++) {
      int clash = 0;
      for (size_t i = 0; i < j; i++)
        if (strcmp(l->cols[i].name, uniq) == 0) clash = 1;
      if (!clash) break;
      snprintf(uniq, sizeof uniq, "%s_%d", buf, k);
    }
    l->cols[j].name = dupstr(uniq, strlen(uniq));
    if (!l->cols[j].name) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    l->cols[j].tcol = -1;
  }
  if (l->o.time_column) {
    if (l->o.time_column[0]) {
      for (size_t j = 0; j < l->ncols; j++)
        if (strcmp(l->cols[j].name, l->o.time_column) == 0) l->time_idx = (long)j;
      if (l->time_idx < 0)
        return aw_error_at(err, AW_ERR_NOTFOUND, l->o.csv.name, r->line, 0, "no column named '%s' for the time",
                           l->o.time_column);
    }
    l->time_decided = 1;
  } else {
    for (size_t j = 0; j < l->ncols && l->time_idx < 0; j++)
      if (is_time_name(l->cols[j].name, strlen(l->cols[j].name))) l->time_idx = (long)j;
    if (l->time_idx >= 0) l->time_decided = 1;
  }
  if (l->time_idx >= 0) l->cols[l->time_idx].kind = K_TIME;
  return AW_OK;
}

static aw_status ensure_table_column(aw_loader *l, size_t j, aw_error *err) {
  if (l->cols[j].tcol >= 0) return AW_OK;
  double *v = aw_table_add_empty_column(l->t, l->cols[j].name, aw_table_rows(l->t), err);
  if (!v) return err ? err->code : AW_ERR_NOMEM;
  l->cols[j].tcol = (long)aw_table_cols(l->t) - 1;
  return AW_OK;
}

/* ---- overview mode ---- */

static void ov_add(aw_loader *l, uint64_t row, double t, const double *vals) {
  size_t B = l->o.overview_buckets;
  uint64_t b = row / l->ov_run;
  while (b >= B) {
    /* merge bucket pairs: runs double in length, memory stays the same */
    size_t half = (l->ov_used + 1) / 2;
    for (size_t k = 0; k < half; k++) {
      size_t a = 2 * k, c = 2 * k + 1;
      l->ov_t0[k] = l->ov_t0[a];
      l->ov_t1[k] = c < l->ov_used ? l->ov_t1[c] : l->ov_t1[a];
      for (size_t j = 0; j < l->ov_nser; j++) {
        double *mn = l->ov_min + j * B, *mx = l->ov_max + j * B;
        double lo = mn[a], hi = mx[a];
        if (c < l->ov_used) {
          if (mn[c] < lo || lo != lo) lo = mn[c];
          if (mx[c] > hi || hi != hi) hi = mx[c];
        }
        mn[k] = lo;
        mx[k] = hi;
      }
    }
    l->ov_used = half;
    l->ov_run *= 2;
    b = row / l->ov_run;
  }
  if (b >= l->ov_used) {
    l->ov_used = (size_t)b + 1;
    l->ov_t0[b] = t;
    for (size_t j = 0; j < l->ov_nser; j++) l->ov_min[j * B + b] = l->ov_max[j * B + b] = NAN;
  }
  l->ov_t1[b] = t;
  for (size_t j = 0; j < l->ov_nser; j++) {
    double v = vals[j];
    double *mn = &l->ov_min[j * B + b], *mx = &l->ov_max[j * B + b];
    if (v != v) {
      l->st_miss[j]++;
      continue;
    }
    if (v < *mn || *mn != *mn) *mn = v;
    if (v > *mx || *mx != *mx) *mx = v;
    size_t n = ++l->st_n[j];
    double d = v - l->st_mean[j];
    l->st_mean[j] += d / (double)n;
    l->st_m2[j] += d * (v - l->st_mean[j]);
    if (v < l->st_lo[j]) l->st_lo[j] = v;
    if (v > l->st_hi[j]) l->st_hi[j] = v;
  }
}

/* Switches to overview mode: folds the rows kept so far into buckets and frees them. */
static aw_status ov_begin(aw_loader *l, aw_error *err) {
  size_t B = l->o.overview_buckets, ns = aw_table_cols(l->t);
  l->ov_nser = ns;
  l->ov_col = (long *)aw_calloc_array(ns ? ns : 1, sizeof(long));
  l->ov_names = (char **)aw_calloc_array(ns ? ns : 1, sizeof(char *));
  l->ov_t0 = (double *)aw_alloc_array(B, sizeof(double));
  l->ov_t1 = (double *)aw_alloc_array(B, sizeof(double));
  l->ov_min = (double *)aw_alloc_array(B * (ns ? ns : 1), sizeof(double));
  l->ov_max = (double *)aw_alloc_array(B * (ns ? ns : 1), sizeof(double));
  l->st_n = (size_t *)aw_calloc_array(ns ? ns : 1, sizeof(size_t));
  l->st_miss = (size_t *)aw_calloc_array(ns ? ns : 1, sizeof(size_t));
  l->st_mean = (double *)aw_calloc_array(ns ? ns : 1, sizeof(double));
  l->st_m2 = (double *)aw_calloc_array(ns ? ns : 1, sizeof(double));
  l->st_lo = (double *)aw_alloc_array(ns ? ns : 1, sizeof(double));
  l->st_hi = (double *)aw_alloc_array(ns ? ns : 1, sizeof(double));
  if (!l->ov_col || !l->ov_names || !l->ov_t0 || !l->ov_t1 || !l->ov_min || !l->ov_max || !l->st_n || !l->st_miss ||
      !l->st_mean || !l->st_m2 || !l->st_lo || !l->st_hi)
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t j = 0; j < ns; j++) {
    l->st_lo[j] = INFINITY;
    l->st_hi[j] = -INFINITY;
    for (size_t c = 0; c < l->ncols; c++)
      if (l->cols[c].tcol == (long)j) l->ov_col[j] = (long)c;
    l->ov_names[j] = dupstr(aw_table_col_name(l->t, j), strlen(aw_table_col_name(l->t, j)));
    if (!l->ov_names[j]) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  size_t rows = aw_table_rows(l->t);
  l->ov_run = 1;
  while (rows / l->ov_run >= B) l->ov_run *= 2;
  const double *tm = aw_table_time(l->t);
  double vals[64];
  double *v = ns <= 64 ? vals : (double *)aw_alloc_array(ns, sizeof(double));
  if (!v) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < rows; i++) {
    for (size_t j = 0; j < ns; j++) v[j] = aw_table_column(l->t, j)[i];
    ov_add(l, i, tm ? tm[i] : (double)i, v);
  }
  if (v != vals) AW_FREE(v);
  /* the kept rows are folded in: release them */
  aw_table *fresh = aw_table_new();
  if (!fresh) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  aw_table_free(l->t);
  l->t = fresh;
  for (size_t c = 0; c < l->ncols; c++) l->cols[c].tcol = -1;
  l->overview = 1;
  return AW_OK;
}

/* Builds the overview table: two rows per bucket, (first time, min) and (last time, max). */
static aw_status ov_finish(aw_loader *l, aw_error *err) {
  size_t B = l->o.overview_buckets, n = 2 * l->ov_used;
  aw_table *t = aw_table_new();
  double *tm = (double *)aw_alloc_array(n ? n : 1, sizeof(double));
  if (!t || !tm) {
    aw_table_free(t);
    AW_FREE(tm);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  for (size_t b = 0; b < l->ov_used; b++) {
    tm[2 * b] = l->ov_t0[b];
    tm[2 * b + 1] = l->ov_t1[b];
  }
  aw_status st = l->time_idx >= 0 ? aw_table_set_time(t, tm, n, err) : AW_OK;
  for (size_t j = 0; j < l->ov_nser && !st; j++) {
    double *c = aw_table_add_empty_column(t, l->ov_names[j], n, err);
    if (!c) {
      st = err ? err->code : AW_ERR_NOMEM;
      break;
    }
    for (size_t b = 0; b < l->ov_used; b++) {
      c[2 * b] = l->ov_min[j * B + b];
      c[2 * b + 1] = l->ov_max[j * B + b];
    }
  }
  AW_FREE(tm);
  if (st) {
    aw_table_free(t);
    return st;
  }
  aw_table_free(l->t);
  l->t = t;
  return AW_OK;
}

int aw_loader_is_overview(const aw_loader *l) { return l->overview; }
uint64_t aw_loader_rows_read(const aw_loader *l) { return l->rows_read; }

int aw_loader_overview_stats(const aw_loader *l, size_t j, size_t *count, size_t *missing, double *min, double *max,
                             double *mean, double *std) {
  if (!l->overview || j >= l->ov_nser) return 0;
  size_t n = l->st_n[j];
  *count = n;
  *missing = l->st_miss[j];
  *min = n ? l->st_lo[j] : NAN;
  *max = n ? l->st_hi[j] : NAN;
  *mean = n ? l->st_mean[j] : NAN;
  *std = n ? sqrt(l->st_m2[j] / (double)n) : NAN;
  return 1;
}

/* The row that triggered the switch to overview mode is added to the overview. */
static aw_status on_row_overview_tail(aw_loader *l, double tval, aw_error *err) {
  (void)err;
  double vals[64];
  double *v = l->ov_nser <= 64 ? vals : l->rowbuf + l->ncols;
  for (size_t j = 0; j < l->ov_nser; j++) v[j] = l->rowbuf[l->ov_col[j]];
  ov_add(l, l->rows_read, l->time_idx >= 0 ? tval : (double)l->rows_read, v);
  l->rows_read++;
  return AW_OK;
}

static void describe_value(char *out, size_t n, const aw_csv_field *f) {
  int k = (int)(f->n > 40 ? 40 : f->n);
  snprintf(out, n, "'%.*s%s'", k, f->p, f->n > 40 ? "..." : "");
}

/* One data row. A column's kind is settled by its first non-missing value: a number makes it a
 * series, text makes it a skipped text column (reported). The whole row is parsed before anything
 * is stored, so a rejected row leaves nothing behind. */
static aw_status on_row(aw_loader *l, const aw_csv_record *r, aw_error *err) {
  aw_status s;
  if (!l->time_decided) {
    /* no column is named like a time: use the first column if its first value is an ISO 8601
     * time or a number that is plausible as an epoch time (>= 1e8 s, i.e. after 1973) */
    double tv;
    aw_time_format f;
    if (l->ncols > 0 && aw_parse_time(r->fields[0].p, r->fields[0].n, l->o.time_format, &tv, &f) &&
        (f == AW_TIME_ISO8601 || tv >= 1e8)) {
      l->time_idx = 0;
      l->cols[0].kind = K_TIME;
    }
    l->time_decided = 1;
  }
  if (l->time_idx >= 0 && !aw_table_time(l->t) && aw_table_rows(l->t) == 0) {
    if ((s = aw_table_set_time(l->t, NULL, 0, err))) return s;
  }
  if (2 * r->nfields > l->rowbuf_cap) {
    if (aw_grow((void **)&l->rowbuf, &l->rowbuf_cap, 2 * r->nfields, sizeof(double)) ||
        aw_grow((void **)&l->pending, &l->pending_cap, r->nfields, 1))
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  char reason[360], val[64];
  double tval = 0;
  int any_pending = l->table_cols_pending;
  for (size_t j = 0; j < l->ncols; j++) {
    const aw_csv_field *f = &r->fields[j];
    lcol *c = &l->cols[j];
    l->pending[j] = 0;
    if (c->kind == K_TIME) {
      aw_time_format det = AW_TIME_UNKNOWN;
      if (!aw_parse_time(f->p, f->n, l->tfmt, &tval, &det)) {
        describe_value(val, sizeof val, f);
        if (f->n == 0)
          snprintf(reason, sizeof reason, "time: missing value in column '%s'", c->name);
        else
          snprintf(reason, sizeof reason, "time: %s in column '%s' is not a %s time", val, c->name,
                   l->tfmt == AW_TIME_UNKNOWN ? "recognised" : aw_time_format_name(l->tfmt));
        add_reject(l, r->line, reason);
        return AW_OK;
      }
      if (l->tfmt == AW_TIME_UNKNOWN) l->tfmt = det;
    } else if (c->kind != K_TEXT) {
      double v;
      int k = aw_parse_cell(f->p, f->n, &v);
      if (k == 0) {
        if (c->kind == K_UNDECIDED) {
          l->pending[j] = K_TEXT;
          any_pending = 1;
          continue;
        }
        describe_value(val, sizeof val, f);
        snprintf(reason, sizeof reason, "value: %s in column '%s' is not a number", val, c->name);
        add_reject(l, r->line, reason);
        return AW_OK;
      }
      if (k == 1 && c->kind == K_UNDECIDED) l->pending[j] = K_SERIES, any_pending = 1;
      l->rowbuf[j] = v;
    }
  }
  /* the row is accepted: settle the kinds decided on it, and make sure every collected column
   * exists in the table (only needed while some column is undecided or on the first row) */
  l->table_cols_pending = 0;
  for (size_t j = 0; any_pending && j < l->ncols; j++) {
    lcol *c = &l->cols[j];
    if (l->pending[j] == K_TEXT) {
      if (c->tcol >= 0) {
        /* collected while its first values were missing; it is text after all */
        long tc = c->tcol;
        remove_column(l->t, (size_t)tc);
        for (size_t i = 0; i < l->ncols; i++)
          if (l->cols[i].tcol > tc) l->cols[i].tcol--;
        c->tcol = -1;
      }
      c->kind = K_TEXT;
      if (add_skipped(l, c->name)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    } else {
      if (l->pending[j] == K_SERIES) c->kind = K_SERIES;
      if (c->kind == K_UNDECIDED) l->table_cols_pending = 1;
      if ((c->kind == K_SERIES || c->kind == K_UNDECIDED) && (s = ensure_table_column(l, j, err))) return s;
    }
  }
  if (l->overview) {
    /* columns are fixed once in overview mode: a column first seen now is not tracked */
    double vals[64];
    double *v = l->ov_nser <= 64 ? vals : l->rowbuf + l->ncols; /* rowbuf has room: see aw_grow below */
    for (size_t j = 0; j < l->ov_nser; j++) v[j] = l->rowbuf[l->ov_col[j]];
    ov_add(l, l->rows_read, l->time_idx >= 0 ? tval : (double)l->rows_read, v);
    l->rows_read++;
    return AW_OK;
  }
  size_t rows = aw_table_rows(l->t);
  size_t cells = (rows + 1) * (aw_table_cols(l->t) + (l->time_idx >= 0));
  if (cells > l->o.max_cells && l->o.overview_on_limit) {
    if ((s = ov_begin(l, err))) return s;
    return on_row_overview_tail(l, tval, err);
  }
  if (cells > l->o.max_cells)
    return aw_error_at(err, AW_ERR_LIMIT, l->o.csv.name, r->line, 0,
                       "the table would exceed %zu values (rows x columns); raise the limit or aggregate the data first",
                       l->o.max_cells);
  if (reserve_row(l->t)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory (table of %zu rows)", rows);
  if (l->time_idx >= 0) l->t->time[rows] = tval;
  for (size_t j = 0; j < l->ncols; j++) {
    lcol *c = &l->cols[j];
    if (c->tcol >= 0) l->t->cols[c->tcol].v[rows] = l->rowbuf[j];
  }
  l->t->rows = rows + 1;
  l->rows_read++;
  return AW_OK;
}

static aw_status on_record(void *ud, const aw_csv_record *r, aw_error *err) {
  aw_loader *l = (aw_loader *)ud;
  if (r->is_header) return on_header(l, r, err);
  if (!l->header_seen) {
    /* no header row (opts.csv.header == 0): name columns c1..cN from the first record */
    l->header_seen = 1;
    if (!l->cols) {
      aw_csv_record h = *r;
      aw_csv_field *names = (aw_csv_field *)aw_calloc_array(r->nfields, sizeof(aw_csv_field));
      char(*bufs)[24] = (char(*)[24])aw_calloc_array(r->nfields, 24);
      if (!names || !bufs) {
        AW_FREE(names);
        AW_FREE(bufs);
        return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      }
      for (size_t j = 0; j < r->nfields; j++) {
        snprintf(bufs[j], 24, "c%zu", j + 1);
        names[j].p = bufs[j];
        names[j].n = strlen(bufs[j]);
      }
      h.fields = names;
      aw_status s = on_header(l, &h, err);
      AW_FREE(names);
      AW_FREE(bufs);
      if (s) return s;
    }
  }
  if (r->nfields != l->ncols) {
    char reason[96];
    snprintf(reason, sizeof reason, "ragged: expected %zu fields, found %zu", l->ncols, r->nfields);
    add_reject(l, r->line, reason);
    return AW_OK;
  }
  return on_row(l, r, err);
}

aw_loader *aw_loader_new(const aw_loader_opts *opts, aw_error *err) {
  aw_loader *l = (aw_loader *)AW_CALLOC(1, sizeof *l);
  if (!l) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (opts)
    l->o = *opts;
  else
    aw_loader_opts_default(&l->o);
  if (l->o.max_reject_list == 0) l->o.max_reject_list = 1000;
  if (l->o.max_cells == 0) l->o.max_cells = (size_t)64 << 20;
  if (l->o.overview_buckets < 16) l->o.overview_buckets = 16;
  if (l->o.overview_buckets > ((size_t)1 << 20)) l->o.overview_buckets = (size_t)1 << 20;
  l->time_idx = -1;
  l->table_cols_pending = 1;
  l->tfmt = l->o.time_format;
  l->header_seen = l->o.csv.header;
  l->t = aw_table_new();
  l->csv = aw_csv_new(&l->o.csv, on_record, on_csv_reject, l, err);
  if (!l->t || !l->csv) {
    aw_loader_free(l);
    if (err && err->code == AW_OK) aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  return l;
}

static aw_status with_file(aw_loader *l, aw_status s, aw_error *err) {
  if (s && err && !err->file[0] && l->o.csv.name) snprintf(err->file, sizeof err->file, "%s", l->o.csv.name);
  return s;
}

aw_status aw_loader_feed(aw_loader *l, const void *data, size_t n, aw_error *err) {
  return with_file(l, aw_csv_feed(l->csv, data, n, err), err);
}

aw_status aw_loader_finish(aw_loader *l, aw_error *err) {
  aw_status s = aw_csv_finish(l->csv, err);
  if (s) return with_file(l, s, err);
  if (l->overview) return with_file(l, ov_finish(l, err), err);
  /* columns whose every value was missing stay as all-NaN series; nothing else to settle */
  return AW_OK;
}

const aw_table *aw_loader_table(const aw_loader *l) { return l->t; }

aw_table *aw_loader_take_table(aw_loader *l) {
  aw_table *t = l->t;
  aw_table *fresh = aw_table_new();
  if (!fresh) return NULL;
  l->t = fresh;
  for (size_t j = 0; j < l->ncols; j++) l->cols[j].tcol = -1;
  return t;
}

const aw_csv_stats *aw_loader_csv_stats(const aw_loader *l) { return aw_csv_get_stats(l->csv); }
uint64_t aw_loader_rows_rejected(const aw_loader *l) { return l->rows_rejected; }
size_t aw_loader_reject_count(const aw_loader *l) { return l->nrejects; }
const aw_reject *aw_loader_reject(const aw_loader *l, size_t i) { return i < l->nrejects ? &l->rejects[i] : NULL; }
aw_time_format aw_loader_time_format(const aw_loader *l) { return l->tfmt; }
const char *aw_loader_time_column(const aw_loader *l) { return l->time_idx >= 0 ? l->cols[l->time_idx].name : NULL; }
size_t aw_loader_skipped_count(const aw_loader *l) { return l->nskipped; }
const char *aw_loader_skipped(const aw_loader *l, size_t i) { return i < l->nskipped ? l->skipped[i] : NULL; }

void aw_loader_free(aw_loader *l) {
  if (!l) return;
  aw_csv_free(l->csv);
  aw_table_free(l->t);
  for (size_t j = 0; j < l->ncols; j++) AW_FREE(l->cols[j].name);
  AW_FREE(l->cols);
  for (size_t i = 0; i < l->nrejects; i++) AW_FREE(l->rejects[i].reason);
  AW_FREE(l->rejects);
  for (size_t i = 0; i < l->nskipped; i++) AW_FREE(l->skipped[i]);
  AW_FREE(l->skipped);
  AW_FREE(l->rowbuf);
  AW_FREE(l->pending);
  for (size_t j = 0; l->ov_names && j < l->ov_nser; j++) AW_FREE(l->ov_names[j]);
  AW_FREE(l->ov_names);
  AW_FREE(l->ov_col);
  AW_FREE(l->ov_t0);
  AW_FREE(l->ov_t1);
  AW_FREE(l->ov_min);
  AW_FREE(l->ov_max);
  AW_FREE(l->st_n);
  AW_FREE(l->st_miss);
  AW_FREE(l->st_mean);
  AW_FREE(l->st_m2);
  AW_FREE(l->st_lo);
  AW_FREE(l->st_hi);
  AW_FREE(l);
}

aw_status aw_table_from_csv_text(const char *text, size_t n, const aw_loader_opts *opts, aw_table **out,
                                 aw_error *err) {
  *out = NULL;
  aw_loader *l = aw_loader_new(opts, err);
  if (!l) return err ? err->code : AW_ERR_NOMEM;
  aw_status s = aw_loader_feed(l, text, n, err);
  if (!s) s = aw_loader_finish(l, err);
  if (!s) {
    *out = aw_loader_take_table(l);
    if (!*out) s = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  aw_loader_free(l);
  return s;
}

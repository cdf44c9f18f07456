/* input_pivot.c - long -> wide pivoting, rejected-record lists and Prometheus series keys for the
 * page's input kinds (see internal/input_util.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/spec.h"
#include "internal/input_util.h"

/* ---------------------------------------------------------------- rejects */
void aw_rejects_init(aw_rejects *r, size_t max) {
  memset(r, 0, sizeof *r);
  r->max = max;
}

void aw_rejects_add(aw_rejects *r, uint64_t line, const char *fmt, ...) {
  r->count++;
  if (r->n >= r->max) return;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    if (cap > r->max) cap = r->max;
    uint64_t *l = (uint64_t *)AW_REALLOC(r->line, cap * sizeof *l);
    if (!l) return;
    r->line = l;
    char **s = (char **)AW_REALLOC(r->reason, cap * sizeof *s);
    if (!s) return;
    r->reason = s;
    r->cap = cap;
  }
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  size_t n = strlen(buf);
  char *copy = (char *)AW_MALLOC(n + 1);
  if (!copy) return;
  memcpy(copy, buf, n + 1);
  r->line[r->n] = line;
  r->reason[r->n] = copy;
  r->n++;
}

void aw_rejects_to_json(const aw_rejects *r, cJSON *info) {
  aw_json_add_number(info, "rejected", (double)r->count);
  cJSON *a = cJSON_AddArrayToObject(info, "rejects");
  for (size_t i = 0; i < r->n && a; i++) {
    cJSON *o = cJSON_CreateObject();
    if (!o) break;
    aw_json_add_number(o, "line", (double)r->line[i]);
    cJSON_AddStringToObject(o, "reason", r->reason[i]);
    cJSON_AddItemToArray(a, o);
  }
}

void aw_rejects_free(aw_rejects *r) {
  for (size_t i = 0; i < r->n; i++) AW_FREE(r->reason[i]);
  AW_FREE(r->line);
  AW_FREE(r->reason);
  memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- pivot */
typedef struct pseries {
  char *key;
  size_t key_n;
  uint64_t hash;
  double *t, *v;
  uint64_t *line;
  size_t n, cap;
} pseries;

struct aw_lpivot {
  aw_lpivot_opts o;
  pseries *s;
  size_t ns, scap;
  size_t *slots; /* open addressing: series index + 1, 0 = empty */
  size_t nslots;
  uint64_t points;
};

void aw_lpivot_opts_default(aw_lpivot_opts *o) {
  o->max_points = (size_t)16 << 20;
  o->max_series = 100000;
  o->max_cells = (size_t)64 << 20;
  o->align_s = 0;
}

aw_lpivot *aw_lpivot_new(const aw_lpivot_opts *o, aw_error *err) {
  aw_lpivot *p = (aw_lpivot *)AW_CALLOC(1, sizeof *p);
  if (!p) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (o) p->o = *o;
  else aw_lpivot_opts_default(&p->o);
  return p;
}

void aw_lpivot_free(aw_lpivot *p) {
  if (!p) return;
  for (size_t i = 0; i < p->ns; i++) {
    AW_FREE(p->s[i].key);
    AW_FREE(p->s[i].t);
    AW_FREE(p->s[i].v);
    AW_FREE(p->s[i].line);
  }
  AW_FREE(p->s);
  AW_FREE(p->slots);
  AW_FREE(p);
}

size_t aw_lpivot_series_count(const aw_lpivot *p) { return p->ns; }
uint64_t aw_lpivot_points(const aw_lpivot *p) { return p->points; }

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static aw_status rehash(aw_lpivot *p, aw_error *err) {
  size_t n = p->nslots ? p->nslots * 2 : 64;
  size_t *slots = (size_t *)aw_calloc_array(n, sizeof *slots);
  if (!slots) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < p->ns; i++) {
    size_t k = (size_t)(p->s[i].hash & (n - 1));
    while (slots[k]) k = (k + 1) & (n - 1);
    slots[k] = i + 1;
  }
  AW_FREE(p->slots);
  p->slots = slots;
  p->nslots = n;
  return AW_OK;
}

aw_status aw_lpivot_series(aw_lpivot *p, const char *key, size_t n, size_t *index, aw_error *err) {
  uint64_t h = fnv1a(key, n);
  if (p->nslots) {
    size_t k = (size_t)(h & (p->nslots - 1));
    while (p->slots[k]) {
      pseries *s = &p->s[p->slots[k] - 1];
      if (s->hash == h && s->key_n == n && memcmp(s->key, key, n) == 0) {
        *index = p->slots[k] - 1;
        return AW_OK;
      }
      k = (k + 1) & (p->nslots - 1);
    }
  }
  if (p->ns >= p->o.max_series)
    return aw_error_set(err, AW_ERR_LIMIT, "more than %zu series (options.max_series)", p->o.max_series);
  if ((p->ns + 1) * 2 > p->nslots && rehash(p, err)) return AW_ERR_NOMEM;
  if (p->ns == p->scap) {
    size_t cap = p->scap;
    if (aw_grow((void **)&p->s, &cap, p->ns + 1, sizeof *p->s)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    p->scap = cap;
  }
  pseries *s = &p->s[p->ns];
  memset(s, 0, sizeof *s);
  s->key = (char *)AW_MALLOC(n + 1);
  if (!s->key) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  memcpy(s->key, key, n);
  s->key[n] = 0;
  s->key_n = n;
  s->hash = h;
  size_t k = (size_t)(h & (p->nslots - 1));
  while (p->slots[k]) k = (k + 1) & (p->nslots - 1);
  p->slots[k] = ++p->ns;
  *index = p->ns - 1;
  return AW_OK;
}

aw_status aw_lpivot_add(aw_lpivot *p, size_t series, double t, double v, uint64_t line, aw_error *err) {
  if (series >= p->ns) return aw_error_set(err, AW_ERR_ARG, "aw_lpivot_add: no series %zu", series);
  if (p->points >= p->o.max_points)
    return aw_error_set(err, AW_ERR_LIMIT, "more than %zu points (options.max_points)", p->o.max_points);
  pseries *s = &p->s[series];
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    double *nt = (double *)AW_REALLOC(s->t, cap * sizeof *nt);
    if (!nt) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->t = nt;
    double *nv = (double *)AW_REALLOC(s->v, cap * sizeof *nv);
    if (!nv) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->v = nv;
    uint64_t *nl = (uint64_t *)AW_REALLOC(s->line, cap * sizeof *nl);
    if (!nl) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->line = nl;
    s->cap = cap;
  }
  if (p->o.align_s > 0) t = floor(t / p->o.align_s) * p->o.align_s;
  s->t[s->n] = t;
  s->v[s->n] = v;
  s->line[s->n] = line;
  s->n++;
  p->points++;
  return AW_OK;
}

/* A stable bottom-up merge sort of indices by t[idx]: points at equal times stay in input order
 * (no qsort, which has no context pointer in C11 and is not stable). */
static void msort_by_t(size_t *idx, size_t *tmp, size_t n, const double *t) {
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = t[idx[j]] < t[idx[i]] ? idx[j++] : idx[i++];
      while (i < mid) tmp[k++] = idx[i++];
      while (j < hi) tmp[k++] = idx[j++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Sorts s by time (stable by line) and drops later duplicates into rej. */
static aw_status sort_series(pseries *s, aw_rejects *rej, aw_error *err) {
  int sorted = 1;
  for (size_t i = 1; i < s->n && sorted; i++) sorted = s->t[i - 1] <= s->t[i];
  if (!sorted) {
    size_t *idx = (size_t *)aw_alloc_array(s->n, sizeof *idx), *tmp = (size_t *)aw_alloc_array(s->n, sizeof *tmp);
    double *t2 = (double *)aw_alloc_array(s->n, sizeof *t2), *v2 = (double *)aw_alloc_array(s->n, sizeof *v2);
    uint64_t *l2 = (uint64_t *)aw_alloc_array(s->n, sizeof *l2);
    if (!idx || !tmp || !t2 || !v2 || !l2) {
      AW_FREE(idx);
      AW_FREE(tmp);
      AW_FREE(t2);
      AW_FREE(v2);
      AW_FREE(l2);
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->n; i++) idx[i] = i;
    msort_by_t(idx, tmp, s->n, s->t);
    AW_FREE(tmp);
    for (size_t i = 0; i < s->n; i++) {
      t2[i] = s->t[idx[i]];
      v2[i] = s->v[idx[i]];
      l2[i] = s->line[idx[i]];
    }
    AW_FREE(idx);
    AW_FREE(s->t);
    AW_FREE(s->v);
    AW_FREE(s->line);
    s->t = t2;
    s->v = v2;
    s->line = l2;
    s->cap = s->n;
  }
  size_t w = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (w > 0 && s->t[i] == s->t[w - 1]) {
      char when[40];
      aw_fmt_time_iso(when, s->t[i]);
      aw_rejects_add(rej, s->line[i], "duplicate: series '%.200s' already has a value at %s (line %llu)", s->key, when,
                     (unsigned long long)s->line[w - 1]);
      continue;
    }
    s->t[w] = s->t[i];
    s->v[w] = s->v[i];
    s->line[w] = s->line[i];
    w++;
  }
  s->n = w;
  return AW_OK;
}

aw_status aw_lpivot_finish(aw_lpivot *p, aw_rejects *rej, aw_table **out, aw_error *err) {
  *out = NULL;
  size_t total = 0;
  for (size_t i = 0; i < p->ns; i++) {
    aw_status st = sort_series(&p->s[i], rej, err);
    if (st) return st;
    total += p->s[i].n;
  }
  /* the union of all times */
  double *times = (double *)aw_alloc_array(total ? total : 1, sizeof *times);
  if (!times) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < p->ns; i++) {
    memcpy(times + k, p->s[i].t, p->s[i].n * sizeof *times);
    k += p->s[i].n;
  }
  qsort(times, total, sizeof *times, cmp_double);
  size_t rows = 0;
  for (size_t i = 0; i < total; i++)
    if (rows == 0 || times[i] != times[rows - 1]) times[rows++] = times[i];
  if (p->ns && rows > p->o.max_cells / p->ns) {
    AW_FREE(times);
    return aw_error_set(err, AW_ERR_LIMIT,
                        "the wide table would have %zu times x %zu series = %.0f cells, more than %zu (options.max_cells); "
                        "the series are sampled at different times: round them to a common step with options.align_s",
                        rows, p->ns, (double)rows * (double)p->ns, p->o.max_cells);
  }
  aw_table *t = aw_table_new();
  aw_status st = t ? aw_table_set_time(t, times, rows, err) : aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < p->ns && !st; i++) {
    pseries *s = &p->s[i];
    double *col = aw_table_add_empty_column(t, s->key, rows, err);
    if (!col) {
      st = err && err->code ? err->code : AW_ERR_NOMEM;
      break;
    }
    /* both sorted: one merge walk */
    size_t r = 0;
    for (size_t j = 0; j < s->n; j++) {
      while (times[r] < s->t[j]) r++;
      col[r] = s->v[j];
    }
  }
  AW_FREE(times);
  if (st) {
    aw_table_free(t);
    return st;
  }
  *out = t;
  return AW_OK;
}

/* ---------------------------------------------------------------- series keys */
static int cmp_label(const void *a, const void *b) {
  const aw_label *x = (const aw_label *)a, *y = (const aw_label *)b;
  size_t n = x->name_n < y->name_n ? x->name_n : y->name_n;
  int c = memcmp(x->name, y->name, n);
  if (c) return c;
  return x->name_n < y->name_n ? -1 : x->name_n > y->name_n;
}

aw_status aw_series_key(aw_buf *out, const char *name, size_t name_n, aw_label *labels, size_t nlabels) {
  aw_status st = aw_buf_append(out, name, name_n);
  if (nlabels > 1) qsort(labels, nlabels, sizeof *labels, cmp_label);
  int any = 0;
  for (size_t i = 0; i < nlabels && !st; i++) {
    if (labels[i].value_n == 0) continue;
    st = aw_buf_putc(out, any ? ',' : '{');
    any = 1;
    if (!st) st = aw_buf_append(out, labels[i].name, labels[i].name_n);
    if (!st) st = aw_buf_append(out, "=\"", 2);
    for (size_t j = 0; j < labels[i].value_n && !st; j++) {
      char c = labels[i].value[j];
      if (c == '\\') st = aw_buf_append(out, "\\\\", 2);
      else if (c == '"') st = aw_buf_append(out, "\\\"", 2);
      else if (c == '\n') st = aw_buf_append(out, "\\n", 2);
      else st = aw_buf_putc(out, c);
    }
    if (!st) st = aw_buf_putc(out, '"');
  }
  if (!st && any) st = aw_buf_putc(out, '}');
  if (!st && name_n == 0 && !any) st = aw_buf_append(out, "{}", 2);
  return st;
}

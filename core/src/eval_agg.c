/* eval_agg.c - the IBM Cloud dataset paper's aggregation: records grouped per wall-clock interval
 * and key, 8 statistics per group, streamed in bounded memory; the wide column template and back.
 * Part of aw/eval.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aw/eval.h"

static const char *KEY_NAMES[AW_AGG_NKEYS] = {"location", "kind", "host", "method", "statusCode", "endpoint"};
static const char *STAT_NAMES[AW_AGG_NSTATS] = {"min", "max", "median", "mean", "count", "std", "skewness", "kurtosis"};

const char *aw_agg_key_name(int k) { return k >= 0 && k < AW_AGG_NKEYS ? KEY_NAMES[k] : NULL; }
const char *aw_agg_stat_name(int s) { return s >= 0 && s < AW_AGG_NSTATS ? STAT_NAMES[s] : NULL; }

int aw_agg_stat_find(const char *name, size_t len) {
  for (int s = 0; s < AW_AGG_NSTATS; s++)
    if (strlen(STAT_NAMES[s]) == len && memcmp(STAT_NAMES[s], name, len) == 0) return s;
  return -1;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void aw_agg_stats(double *v, size_t n, double st[AW_AGG_NSTATS]) {
  for (int s = 0; s < AW_AGG_NSTATS; s++) st[s] = NAN;
  st[4] = (double)n;
  if (n == 0) return;
  qsort(v, n, sizeof *v, cmp_d);
  st[0] = v[0];
  st[1] = v[n - 1];
  st[2] = (n & 1) ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) sum += v[i];
  double dn = (double)n, mean = sum / dn;
  st[3] = mean;
  /* two-pass central sums, as pandas' nanops (m2, m3, m4 are sums, not means) */
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = v[i] - mean, d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  if (n >= 2) st[5] = sqrt(m2 / (dn - 1.0));
  /* skewness, adjusted Fisher-Pearson G1 = n sqrt(n-1) / (n-2) * m3 / m2^1.5 (0 for constant data) */
  if (n >= 3) st[6] = m2 == 0.0 ? 0.0 : (dn * sqrt(dn - 1.0) / (dn - 2.0)) * (m3 / (m2 * sqrt(m2)));
  /* excess kurtosis G2 = n (n+1) (n-1) m4 / ((n-2)(n-3) m2^2) - 3 (n-1)^2 / ((n-2)(n-3)) */
  if (n >= 4) {
    if (m2 == 0.0) {
      st[7] = 0.0;
    } else {
      double a = 3.0 * (dn - 1.0) * (dn - 1.0) / ((dn - 2.0) * (dn - 3.0));
      double num = dn * (dn + 1.0) * (dn - 1.0) * m4, den = (dn - 2.0) * (dn - 3.0) * m2 * m2;
      st[7] = num / den - a;
    }
  }
}

void aw_agg_opts_default(aw_agg_opts *o) {
  if (!o) return;
  o->interval = 300.0;
  o->lateness = 0;
  o->max_values = (size_t)64 << 20;
}

/* ------------------------------------------------------------------ streaming aggregator */

typedef struct group {
  char *key;          /* the 6 keys, each NUL-terminated, back to back */
  size_t keylen;      /* bytes including the NULs */
  uint64_t hash;
  double *v;
  size_t n, cap;
} group;

typedef struct bucket {
  int64_t id;         /* floor(time / interval) */
  group *g;           /* open-addressing table */
  size_t cap, count;
} bucket;

struct aw_agg {
  aw_agg_opts o;
  aw_agg_emit_fn emit;
  void *ud;
  bucket *b;          /* open buckets, ascending id */
  size_t nb, bcap;
  int64_t newest;
  int have_newest;
  int64_t flushed_upto; /* every bucket id < this has been emitted */
  int flushed_any;
  size_t held, peak;
  uint64_t records, emitted;
  char *scratch;
  size_t scratch_cap;
};

static uint64_t fnv(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

aw_agg *aw_agg_new(const aw_agg_opts *opts, aw_agg_emit_fn emit, void *ud, aw_error *err) {
  aw_agg_opts d;
  if (!opts) {
    aw_agg_opts_default(&d);
    opts = &d;
  }
  if (!emit) {
    aw_error_set(err, AW_ERR_ARG, "aggregate: no emit callback");
    return NULL;
  }
  if (!(opts->interval > 0.0) || !(opts->interval < 1e12)) {
    aw_error_set(err, AW_ERR_RANGE, "aggregate: interval must be a positive number of seconds, got %g", opts->interval);
    return NULL;
  }
  if (opts->lateness > 1000000) {
    aw_error_set(err, AW_ERR_RANGE, "aggregate: lateness %zu intervals is too large", opts->lateness);
    return NULL;
  }
  aw_agg *a = (aw_agg *)AW_CALLOC(1, sizeof *a);
  if (!a) {
    aw_error_set(err, AW_ERR_NOMEM, "aggregate: out of memory");
    return NULL;
  }
  a->o = *opts;
  if (a->o.max_values == 0) a->o.max_values = (size_t)64 << 20;
  a->emit = emit;
  a->ud = ud;
  return a;
}

static void bucket_free(bucket *b) {
  for (size_t i = 0; i < b->cap; i++) {
    AW_FREE(b->g[i].key);
    AW_FREE(b->g[i].v);
  }
  AW_FREE(b->g);
  b->g = NULL;
  b->cap = b->count = 0;
}

void aw_agg_free(aw_agg *a) {
  if (!a) return;
  for (size_t i = 0; i < a->nb; i++) bucket_free(&a->b[i]);
  AW_FREE(a->b);
  AW_FREE(a->scratch);
  AW_FREE(a);
}

static int cmp_group(const void *x, const void *y) {
  const group *a = *(const group *const *)x, *b = *(const group *const *)y;
  size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
  int c = memcmp(a->key, b->key, n);
  if (c) return c;
  return (a->keylen > b->keylen) - (a->keylen < b->keylen);
}

/* Emits bucket i (groups in key byte order) and removes it. */
static aw_status flush_bucket(aw_agg *a, size_t i, aw_error *err) {
  bucket *b = &a->b[i];
  aw_status st = AW_OK;
  group **list = (group **)aw_alloc_array(b->count ? b->count : 1, sizeof(group *));
  if (!list) return aw_error_set(err, AW_ERR_NOMEM, "aggregate: out of memory");
  size_t k = 0;
  for (size_t j = 0; j < b->cap; j++)
    if (b->g[j].key) list[k++] = &b->g[j];
  qsort(list, k, sizeof *list, cmp_group);
  for (size_t j = 0; j < k && st == AW_OK; j++) {
    aw_agg_row row;
    row.start = (double)b->id * a->o.interval;
    const char *p = list[j]->key;
    for (int q = 0; q < AW_AGG_NKEYS; q++) {
      row.key[q] = p;
      p += strlen(p) + 1;
    }
    aw_agg_stats(list[j]->v, list[j]->n, row.stat);
    st = a->emit(a->ud, &row, err);
    a->emitted++;
  }
  AW_FREE(list);
  for (size_t j = 0; j < b->cap; j++) a->held -= b->g[j].key ? b->g[j].n : 0;
  bucket_free(b);
  if (!a->flushed_any || b->id + 1 > a->flushed_upto) a->flushed_upto = b->id + 1;
  a->flushed_any = 1;
  memmove(&a->b[i], &a->b[i + 1], (a->nb - i - 1) * sizeof(bucket));
  a->nb--;
  return st;
}

static aw_status bucket_grow(bucket *b, aw_error *err) {
  size_t ncap = b->cap ? b->cap * 2 : 16;
  group *ng = (group *)aw_calloc_array(ncap, sizeof(group));
  if (!ng) return aw_error_set(err, AW_ERR_NOMEM, "aggregate: out of memory");
  for (size_t i = 0; i < b->cap; i++) {
    if (!b->g[i].key) continue;
    size_t j = (size_t)(b->g[i].hash & (ncap - 1));
    while (ng[j].key) j = (j + 1) & (ncap - 1);
    ng[j] = b->g[i];
  }
  AW_FREE(b->g);
  b->g = ng;
  b->cap = ncap;
  return AW_OK;
}

aw_status aw_agg_push(aw_agg *a, double time, const char *const key[AW_AGG_NKEYS], const size_t key_len[AW_AGG_NKEYS],
                      double value, aw_error *err) {
  if (!a || !key || !key_len) return aw_error_set(err, AW_ERR_ARG, "aggregate: NULL argument");
  if (!(time == time) || time - time != 0.0) return aw_error_set(err, AW_ERR_RANGE, "aggregate: time is not finite");
  if (!(value == value) || value - value != 0.0)
    return aw_error_set(err, AW_ERR_RANGE, "aggregate: value %g is not finite", value);
  double bf = floor(time / a->o.interval);
  if (!(fabs(bf) < 9e15)) return aw_error_set(err, AW_ERR_RANGE, "aggregate: time %g is out of range", time);
  int64_t id = (int64_t)bf;
  if (a->flushed_any && id < a->flushed_upto)
    return aw_error_set(err, AW_ERR_RANGE,
                        "aggregate: record is %lld interval(s) older than the newest and its interval was already "
                        "emitted (sort the input by time or raise the lateness, now %zu)",
                        (long long)(a->newest - id), a->o.lateness);
  if (!a->have_newest || id > a->newest) {
    a->newest = id;
    a->have_newest = 1;
    /* emit every open interval now more than `lateness` intervals behind */
    while (a->nb > 0 && a->b[0].id < a->newest - (int64_t)a->o.lateness) {
      aw_status st = flush_bucket(a, 0, err);
      if (st != AW_OK) return st;
    }
  }
  /* find or open the bucket */
  size_t bi = 0;
  while (bi < a->nb && a->b[bi].id < id) bi++;
  if (bi == a->nb || a->b[bi].id != id) {
    if (aw_grow((void **)&a->b, &a->bcap, a->nb + 1, sizeof(bucket)) != AW_OK)
      return aw_error_set(err, AW_ERR_NOMEM, "aggregate: out of memory");
    memmove(&a->b[bi + 1], &a->b[bi], (a->nb - bi) * sizeof(bucket));
    memset(&a->b[bi], 0, sizeof(bucket));
    a->b[bi].id = id;
    a->nb++;
  }
  bucket *b = &a->b[bi];
  /* the key bytes: 6 fields, each NUL-terminated (a NUL inside a field is refused) */
  size_t kl = 0;
  for (int q = 0; q < AW_AGG_NKEYS; q++) {
    if ((!key[q] && key_len[q]) || (key_len[q] && memchr(key[q], 0, key_len[q])))
      return aw_error_set(err, AW_ERR_RANGE, "aggregate: key %s contains a NUL byte", KEY_NAMES[q]);
    kl += key_len[q] + 1;
  }
  if (kl > a->scratch_cap) {
    char *ns = (char *)AW_REALLOC(a->scratch, kl);
    if (!ns) return aw_error_set(err, AW_ERR_NOMEM, "aggregate: out of memory");
    a->scratch = ns;
    a->scratch_cap = kl;
  }
  char *p = a->scratch;
  for (int q = 0; q < AW_AGG_NKEYS; q++) {
    if (key_len[q]) memcpy(p, key[q], key_len[q]);
    p += key_len[q];
    *p++ = '\0';
  }
  uint64_t h = fnv(a->scratch, kl);
  if ((b->count + 1) * 2 > b->cap) {
    aw_status st = bucket_grow(b, err);
    if (st != AW_OK) return st;
  }
  size_t j = (size_t)(h & (b->cap - 1));
  while (b->g[j].key && !(b->g[j].hash == h && b->g[j].keylen == kl && memcmp(b->g[j].key, a->scratch, kl) == 0))
    j = (j + 1) & (b->cap - 1);
  group *g = &b->g[j];
  if (!g->key) {
    g->key = (char *)AW_MALLOC(kl);
    if (!g->key) return aw_error_set(err, AW_ERR_NOMEM, "aggregate: out of memory");
    memcpy(g->key, a->scratch, kl);
    g->keylen = kl;
    g->hash = h;
    b->count++;
  }
  if (a->held >= a->o.max_values)
    return aw_error_set(err, AW_ERR_LIMIT,
                        "aggregate: more than %zu values held in open intervals (input not in time order, or raise "
                        "the bound)", a->o.max_values);
  if (aw_grow((void **)&g->v, &g->cap, g->n + 1, sizeof(double)) != AW_OK)
    return aw_error_set(err, AW_ERR_NOMEM, "aggregate: out of memory");
  g->v[g->n++] = value;
  a->held++;
  if (a->held > a->peak) a->peak = a->held;
  a->records++;
  return AW_OK;
}

aw_status aw_agg_finish(aw_agg *a, aw_error *err) {
  if (!a) return aw_error_set(err, AW_ERR_ARG, "aggregate: NULL argument");
  while (a->nb > 0) {
    aw_status st = flush_bucket(a, 0, err);
    if (st != AW_OK) return st;
  }
  return AW_OK;
}

uint64_t aw_agg_records(const aw_agg *a) { return a ? a->records : 0; }
uint64_t aw_agg_groups_emitted(const aw_agg *a) { return a ? a->emitted : 0; }
size_t aw_agg_peak_values(const aw_agg *a) { return a ? a->peak : 0; }

/* ------------------------------------------------------------------ the column template */

aw_status aw_agg_column_name(const char *const key[AW_AGG_NKEYS], int stat, aw_buf *out, aw_error *err) {
  if (!key || !out || stat < 0 || stat >= AW_AGG_NSTATS) return aw_error_set(err, AW_ERR_ARG, "aggregate: bad argument");
  for (int q = 0; q < AW_AGG_NKEYS - 1; q++)
    if (key[q] && strchr(key[q], '_'))
      return aw_error_set(err, AW_ERR_RANGE,
                          "aggregate: %s \"%s\" contains '_', which the column template "
                          "{location}_{kind}_{host}_{method}_{statusCode}_{endpoint}_{stat} cannot split back",
                          KEY_NAMES[q], key[q]);
  for (int q = 0; q < AW_AGG_NKEYS; q++) {
    if (aw_buf_printf(out, "%s_", key[q] ? key[q] : "") != AW_OK) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  if (aw_buf_printf(out, "%s", STAT_NAMES[stat]) != AW_OK) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  return AW_OK;
}

aw_status aw_agg_column_split(const char *name, size_t len, const char *key[AW_AGG_NKEYS], size_t key_len[AW_AGG_NKEYS],
                              int *stat, aw_error *err) {
  if (!name || !key || !key_len || !stat) return aw_error_set(err, AW_ERR_ARG, "aggregate: NULL argument");
  const char *p = name, *end = name + len;
  for (int q = 0; q < AW_AGG_NKEYS - 1; q++) {
    const char *u = memchr(p, '_', (size_t)(end - p));
    if (!u)
      return aw_error_set(err, AW_ERR_PARSE, "aggregate: column \"%.*s\" does not follow the template "
                          "{location}_{kind}_{host}_{method}_{statusCode}_{endpoint}_{stat}", (int)len, name);
    key[q] = p;
    key_len[q] = (size_t)(u - p);
    p = u + 1;
  }
  const char *last = NULL;
  for (const char *q = p; q < end; q++)
    if (*q == '_') last = q;
  if (!last)
    return aw_error_set(err, AW_ERR_PARSE, "aggregate: column \"%.*s\" has no _{stat} suffix", (int)len, name);
  key[AW_AGG_NKEYS - 1] = p;
  key_len[AW_AGG_NKEYS - 1] = (size_t)(last - p);
  *stat = aw_agg_stat_find(last + 1, (size_t)(end - last - 1));
  if (*stat < 0)
    return aw_error_set(err, AW_ERR_PARSE, "aggregate: column \"%.*s\": unknown statistic \"%.*s\"", (int)len, name,
                        (int)(end - last - 1), last + 1);
  return AW_OK;
}

/* ------------------------------------------------------------------ pivot builder */

typedef struct pcol {
  char *name;
  uint64_t hash;
  size_t idx;          /* insertion index (stable across rehashing) */
} pcol;

typedef struct pcell {
  double time, value;
  size_t col;          /* insertion index of the column */
} pcell;

struct aw_pivot {
  pcol *cols;          /* open-addressing table of column names */
  size_t cap, ncols;
  size_t *order;       /* slot of each column in insertion order */
  size_t order_cap;
  pcell *cells;
  size_t ncells, cells_cap;
  aw_buf name;
};

aw_pivot *aw_pivot_new(aw_error *err) {
  aw_pivot *p = (aw_pivot *)AW_CALLOC(1, sizeof *p);
  if (!p) aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
  return p;
}

void aw_pivot_free(aw_pivot *p) {
  if (!p) return;
  for (size_t i = 0; i < p->cap; i++) AW_FREE(p->cols[i].name);
  AW_FREE(p->cols);
  AW_FREE(p->order);
  AW_FREE(p->cells);
  aw_buf_free(&p->name);
  AW_FREE(p);
}

size_t aw_pivot_columns(const aw_pivot *p) { return p ? p->ncols : 0; }

static aw_status pivot_grow(aw_pivot *p, aw_error *err) {
  size_t ncap = p->cap ? p->cap * 2 : 64;
  pcol *nc = (pcol *)aw_calloc_array(ncap, sizeof(pcol));
  if (!nc) return aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
  for (size_t k = 0; k < p->ncols; k++) {
    pcol c = p->cols[p->order[k]];
    size_t j = (size_t)(c.hash & (ncap - 1));
    while (nc[j].name) j = (j + 1) & (ncap - 1);
    nc[j] = c;
    p->order[k] = j;
  }
  AW_FREE(p->cols);
  p->cols = nc;
  p->cap = ncap;
  return AW_OK;
}

aw_status aw_pivot_add(aw_pivot *p, double time, const char *const key[AW_AGG_NKEYS], const size_t key_len[AW_AGG_NKEYS],
                       int stat, double value, aw_error *err) {
  if (!p || !key || !key_len) return aw_error_set(err, AW_ERR_ARG, "pivot: NULL argument");
  if (!(time == time) || time - time != 0.0) return aw_error_set(err, AW_ERR_RANGE, "pivot: time is not finite");
  /* NUL-terminated copies of the keys for the name */
  char *ks[AW_AGG_NKEYS] = {0};
  aw_status st = AW_OK;
  for (int q = 0; q < AW_AGG_NKEYS && st == AW_OK; q++) {
    ks[q] = (char *)AW_MALLOC(key_len[q] + 1);
    if (!ks[q]) st = aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
    else {
      if (key_len[q]) memcpy(ks[q], key[q], key_len[q]);
      ks[q][key_len[q]] = '\0';
    }
  }
  p->name.len = 0;
  if (st == AW_OK) st = aw_agg_column_name((const char *const *)ks, stat, &p->name, err);
  if (st == AW_OK && aw_buf_terminate(&p->name) != AW_OK) st = aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
  for (int q = 0; q < AW_AGG_NKEYS; q++) AW_FREE(ks[q]);
  if (st != AW_OK) return st;
  uint64_t h = fnv(p->name.data, p->name.len);
  if ((p->ncols + 1) * 2 > p->cap && (st = pivot_grow(p, err)) != AW_OK) return st;
  size_t j = (size_t)(h & (p->cap - 1));
  while (p->cols[j].name && !(p->cols[j].hash == h && strcmp(p->cols[j].name, p->name.data) == 0))
    j = (j + 1) & (p->cap - 1);
  if (!p->cols[j].name) {
    if (aw_grow((void **)&p->order, &p->order_cap, p->ncols + 1, sizeof(size_t)) != AW_OK)
      return aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
    p->cols[j].name = (char *)AW_MALLOC(p->name.len + 1);
    if (!p->cols[j].name) return aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
    memcpy(p->cols[j].name, p->name.data, p->name.len + 1);
    p->cols[j].hash = h;
    p->cols[j].idx = p->ncols;
    p->order[p->ncols++] = j;
  }
  if (aw_grow((void **)&p->cells, &p->cells_cap, p->ncells + 1, sizeof(pcell)) != AW_OK)
    return aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
  p->cells[p->ncells].time = time;
  p->cells[p->ncells].value = value;
  p->cells[p->ncells].col = p->cols[j].idx;
  p->ncells++;
  return AW_OK;
}

typedef struct colref {
  const char *name;
  size_t slot;
} colref;

static int cmp_colref(const void *a, const void *b) {
  return strcmp(((const colref *)a)->name, ((const colref *)b)->name);
}

aw_status aw_pivot_table(const aw_pivot *p, aw_table **out, aw_error *err) {
  if (!p || !out) return aw_error_set(err, AW_ERR_ARG, "pivot: NULL argument");
  *out = NULL;
  size_t nc = p->ncols, ncell = p->ncells;
  colref *refs = (colref *)aw_alloc_array(nc ? nc : 1, sizeof(colref));
  size_t *slots = (size_t *)aw_alloc_array(nc ? nc : 1, sizeof(size_t));
  size_t *colix = (size_t *)aw_alloc_array(nc ? nc : 1, sizeof(size_t)); /* insertion index -> sorted */
  double *times = (double *)aw_alloc_array(ncell ? ncell : 1, sizeof(double));
  aw_table *t = aw_table_new();
  aw_status st = AW_OK;
  if (!refs || !slots || !colix || !times || !t) st = aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
  size_t nt = 0;
  if (st == AW_OK) {
    for (size_t k = 0; k < nc; k++) {
      refs[k].name = p->cols[p->order[k]].name;
      refs[k].slot = p->order[k];
    }
    qsort(refs, nc, sizeof(colref), cmp_colref);
    for (size_t k = 0; k < nc; k++) slots[k] = refs[k].slot;
    for (size_t k = 0; k < nc; k++) colix[p->cols[slots[k]].idx] = k;
    for (size_t i = 0; i < ncell; i++) times[i] = p->cells[i].time;
    qsort(times, ncell, sizeof(double), cmp_d);
    for (size_t i = 0; i < ncell; i++)
      if (nt == 0 || times[i] != times[nt - 1]) times[nt++] = times[i];
    st = aw_table_set_time(t, times, nt, err);
  }
  double **colv = NULL;
  if (st == AW_OK) {
    colv = (double **)aw_calloc_array(nc ? nc : 1, sizeof(double *));
    if (!colv) st = aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
  }
  for (size_t k = 0; k < nc && st == AW_OK; k++) {
    colv[k] = aw_table_add_empty_column(t, p->cols[slots[k]].name, nt, err);
    if (!colv[k]) st = err ? err->code : AW_ERR_NOMEM;
  }
  uint8_t *seen = NULL;
  if (st == AW_OK && nt && nc) {
    if (nt > SIZE_MAX / nc) st = aw_error_set(err, AW_ERR_LIMIT, "pivot: %zu x %zu cells", nt, nc);
    else if (!(seen = (uint8_t *)AW_CALLOC(nt * nc, 1))) st = aw_error_set(err, AW_ERR_NOMEM, "pivot: out of memory");
  }
  for (size_t i = 0; i < ncell && st == AW_OK; i++) {
    size_t lo = 0, hi = nt;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (times[mid] < p->cells[i].time) lo = mid + 1;
      else hi = mid;
    }
    size_t c = colix[p->cells[i].col];
    if (seen[lo * nc + c]) {
      char ts[48];
      aw_fmt_time_iso(ts, times[lo]);
      st = aw_error_set(err, AW_ERR_RANGE, "pivot: two values for %s at %s", p->cols[slots[c]].name, ts);
      break;
    }
    seen[lo * nc + c] = 1;
    colv[c][lo] = p->cells[i].value;
  }
  AW_FREE(seen);
  AW_FREE(colv);
  AW_FREE(refs);
  AW_FREE(slots);
  AW_FREE(colix);
  AW_FREE(times);
  if (st != AW_OK) {
    aw_table_free(t);
    return st;
  }
  *out = t;
  return AW_OK;
}

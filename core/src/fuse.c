/* fuse.c - DAM's multimodal fusion (Chen et al., ICWS 2022, section II-B): template numbers by
 * frequency rank, the per-step maximum, and metrics aligned on one grid. */
#include "aw/fuse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aw_fuse_opts_default(aw_fuse_opts *o) {
  memset(o, 0, sizeof *o);
  o->step_s = 1;
  o->train_frac = 0.6;
  o->log_fill = 0;
  o->gap_policy = AW_GAP_FFILL;
  o->t_start = NAN;
  o->t_end = NAN;
  o->max_steps = (size_t)50 << 20;
  o->log_column = "log_template";
}

void aw_fuse_result_free(aw_fuse_result *r) {
  if (!r) return;
  aw_table_free(r->table);
  AW_FREE(r->report.gaps);
  AW_FREE(r->report.longest_gap);
  AW_FREE(r->report.first_gap_time);
  AW_FREE(r->report.template_of_rank);
  AW_FREE(r->report.count_of_rank);
  AW_FREE(r);
}

typedef struct tcount {
  uint32_t id;
  uint64_t n;
} tcount;

/* most frequent first; ties by template id so the ranking is deterministic */
static int by_count(const void *a, const void *b) {
  const tcount *x = (const tcount *)a, *y = (const tcount *)b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static char *fmt_time(char *buf, double t) {
  aw_fmt_time_iso(buf, t);
  return buf;
}

aw_status aw_fuse(const aw_table *metrics, const char *const *cols, size_t ncols, const double *line_t,
                  const uint32_t *line_tpl, size_t nlines, const aw_fuse_opts *opts, aw_fuse_result **out,
                  aw_error *err) {
  *out = NULL;
  aw_fuse_opts o;
  if (opts)
    o = *opts;
  else
    aw_fuse_opts_default(&o);
  if (!o.log_column) o.log_column = "log_template";
  if (!(o.step_s > 0) || !(o.step_s < 1e9)) return aw_error_set(err, AW_ERR_RANGE, "step must be > 0 seconds, got %g", o.step_s);
  if (!(o.train_frac > 0 && o.train_frac < 1))
    return aw_error_set(err, AW_ERR_RANGE, "train_frac must be in (0, 1), got %g", o.train_frac);
  if (ncols && !metrics) return aw_error_set(err, AW_ERR_ARG, "no metrics table");
  const double *mt = metrics ? aw_table_time(metrics) : NULL;
  size_t mrows = metrics ? aw_table_rows(metrics) : 0;
  if (ncols && !mt) return aw_error_set(err, AW_ERR_ARG, "the metrics table has no time column");
  long *ci = (long *)aw_calloc_array(ncols ? ncols : 1, sizeof(long));
  if (!ci) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t j = 0; j < ncols; j++) {
    ci[j] = aw_table_find(metrics, cols[j]);
    if (ci[j] < 0) {
      AW_FREE(ci);
      return aw_error_set(err, AW_ERR_NOTFOUND, "no metric column \"%s\"", cols[j]);
    }
    if (strcmp(cols[j], o.log_column) == 0) {
      AW_FREE(ci);
      return aw_error_set(err, AW_ERR_ARG, "metric column \"%s\" has the log column's name", cols[j]);
    }
  }
  /* the grid: aligned to the step, covering the metrics (or the given range) */
  double lo = o.t_start, hi = o.t_end;
  if (lo != lo || hi != hi) {
    double mlo = INFINITY, mhi = -INFINITY;
    for (size_t i = 0; i < mrows && ncols; i++)
      if (mt[i] == mt[i]) {
        if (mt[i] < mlo) mlo = mt[i];
        if (mt[i] > mhi) mhi = mt[i];
      }
    if (!(mlo <= mhi)) {
      AW_FREE(ci);
      return aw_error_set(err, AW_ERR_ARG, "no metric samples to place the grid: give a start and end time");
    }
    if (lo != lo) lo = mlo;
    if (hi != hi) hi = mhi;
  }
  if (!(hi >= lo)) {
    AW_FREE(ci);
    return aw_error_set(err, AW_ERR_RANGE, "the grid's end is before its start");
  }
  double t0 = floor(lo / o.step_s) * o.step_s;
  double nsd = floor((hi - t0) / o.step_s + 0.5) + 1;
  if (!(nsd >= 1) || nsd > (double)o.max_steps) {
    AW_FREE(ci);
    return aw_error_set(err, AW_ERR_LIMIT, "the grid would have %.0f steps of %g s (limit %zu): use a larger step",
                        nsd, o.step_s, o.max_steps);
  }
  size_t n = (size_t)nsd;
  size_t ntrain = (size_t)floor(o.train_frac * (double)n);
  if (ntrain < 1) ntrain = 1;
  double t_split = t0 + (double)ntrain * o.step_s - 0.5 * o.step_s;

  aw_fuse_result *r = (aw_fuse_result *)AW_CALLOC(1, sizeof *r);
  aw_table *t = aw_table_new();
  double *grid = (double *)aw_alloc_array(n, sizeof(double));
  double *acc = (double *)aw_alloc_array(n, sizeof(double));
  uint32_t *cnt = (uint32_t *)aw_alloc_array(n, sizeof(uint32_t));
  aw_status st = AW_OK;
  if (!r || !t || !grid || !acc || !cnt) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory for a grid of %zu steps", n);
    goto fail;
  }
  r->table = t;
  r->report.steps = n;
  r->report.t0 = t0;
  r->report.train_steps = ntrain;
  r->report.gaps = (size_t *)aw_calloc_array(ncols ? ncols : 1, sizeof(size_t));
  r->report.longest_gap = (size_t *)aw_calloc_array(ncols ? ncols : 1, sizeof(size_t));
  r->report.first_gap_time = (double *)aw_alloc_array(ncols ? ncols : 1, sizeof(double));
  if (!r->report.gaps || !r->report.longest_gap || !r->report.first_gap_time) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto fail;
  }
  for (size_t k = 0; k < n; k++) grid[k] = t0 + (double)k * o.step_s;
  if ((st = aw_table_set_time(t, grid, n, err))) goto fail;

  /* metrics: nearest step, duplicates averaged, gaps by policy */
  for (size_t j = 0; j < ncols; j++) {
    const double *v = aw_table_column(metrics, (size_t)ci[j]);
    memset(acc, 0, n * sizeof(double));
    memset(cnt, 0, n * sizeof(uint32_t));
    for (size_t i = 0; i < mrows; i++) {
      if (mt[i] != mt[i]) continue;
      double kd = floor((mt[i] - t0) / o.step_s + 0.5);
      if (kd < 0 || kd >= (double)n || mt[i] < lo - 0.5 * o.step_s || mt[i] > hi + 0.5 * o.step_s) {
        if (j == 0) r->report.samples_outside++;
        continue;
      }
      size_t k = (size_t)kd;
      if (v[i] != v[i]) continue; /* a missing value is a gap at that step */
      if (cnt[k] && j == 0) r->report.duplicates++;
      acc[k] += v[i];
      cnt[k]++;
    }
    double *c = aw_table_add_empty_column(t, cols[j], n, err);
    if (!c) {
      st = err ? err->code : AW_ERR_NOMEM;
      goto fail;
    }
    size_t run = 0, gaps = 0, longest = 0;
    double first_gap = NAN, last = NAN;
    for (size_t k = 0; k < n; k++) {
      if (cnt[k]) {
        c[k] = acc[k] / cnt[k];
        last = c[k];
        run = 0;
        continue;
      }
      gaps++;
      if (++run > longest) longest = run;
      if (first_gap != first_gap) first_gap = grid[k];
      if (o.gap_policy == AW_GAP_ERROR) {
        char tb[48];
        st = aw_error_set(err, AW_ERR_RANGE,
                          "metric \"%s\" has no sample for the step at %s (step %g s); choose another gap policy or step",
                          cols[j], fmt_time(tb, grid[k]), o.step_s);
        goto fail;
      }
      c[k] = o.gap_policy == AW_GAP_FFILL ? last : NAN;
    }
    if (o.gap_policy == AW_GAP_FFILL) {
      /* leading gaps take the first value */
      size_t k = 0;
      while (k < n && c[k] != c[k]) k++;
      for (size_t q = 0; q < k && k < n; q++) c[q] = c[k];
      if (k == n) {
        st = aw_error_set(err, AW_ERR_RANGE, "metric \"%s\" has no value on the grid", cols[j]);
        goto fail;
      }
    }
    r->report.gaps[j] = gaps;
    r->report.longest_gap[j] = longest;
    r->report.first_gap_time[j] = first_gap;
  }

  /* logs: ranks on the training part (DAM II-B), then the per-step maximum */
  {
    uint32_t maxid = 0;
    for (size_t i = 0; i < nlines; i++)
      if (line_tpl[i] > maxid) maxid = line_tpl[i];
    if (nlines && maxid > (uint32_t)(64u << 20)) {
      st = aw_error_set(err, AW_ERR_LIMIT, "template ids up to %u: too many templates", maxid);
      goto fail;
    }
    size_t nid = nlines ? (size_t)maxid + 1 : 1;
    tcount *tc = (tcount *)aw_calloc_array(nid, sizeof(tcount));
    uint32_t *rank = (uint32_t *)aw_calloc_array(nid, sizeof(uint32_t));
    if (!tc || !rank) {
      AW_FREE(tc);
      AW_FREE(rank);
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      goto fail;
    }
    for (size_t id = 0; id < nid; id++) tc[id].id = (uint32_t)id;
    if (!o.fixed_rank)
      for (size_t i = 0; i < nlines; i++)
        if (line_t[i] == line_t[i] && line_t[i] < t_split && line_t[i] >= t0 - 0.5 * o.step_s) tc[line_tpl[i]].n++;
    qsort(tc, nid, sizeof(tcount), by_count);
    size_t K = 0;
    while (K < nid && tc[K].n > 0) K++;
    if (o.fixed_rank) {
      /* the trained detector's ranks: every line is "test" data */
      K = o.fixed_k;
      t_split = -INFINITY;
    }
    r->report.templates_ranked = K;
    r->report.template_of_rank = (uint32_t *)aw_alloc_array(K ? K : 1, sizeof(uint32_t));
    r->report.count_of_rank = (uint64_t *)aw_alloc_array(K ? K : 1, sizeof(uint64_t));
    if (!r->report.template_of_rank || !r->report.count_of_rank) {
      AW_FREE(tc);
      AW_FREE(rank);
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      goto fail;
    }
    if (o.fixed_rank) {
      for (size_t id = 0; id < nid; id++) rank[id] = id < o.fixed_n ? o.fixed_rank[id] : 0;
      for (size_t k = 0; k < K; k++) r->report.template_of_rank[k] = 0, r->report.count_of_rank[k] = 0;
      for (size_t id = 0; id < o.fixed_n; id++)
        if (o.fixed_rank[id] && o.fixed_rank[id] <= K) r->report.template_of_rank[o.fixed_rank[id] - 1] = (uint32_t)id;
    } else {
      for (size_t k = 0; k < K; k++) {
        rank[tc[k].id] = (uint32_t)(k + 1);
        r->report.template_of_rank[k] = tc[k].id;
        r->report.count_of_rank[k] = tc[k].n;
      }
    }
    AW_FREE(tc);
    double *lc = aw_table_add_empty_column(t, o.log_column, n, err);
    if (!lc) {
      AW_FREE(rank);
      st = err ? err->code : AW_ERR_NOMEM;
      goto fail;
    }
    for (size_t k = 0; k < n; k++) lc[k] = -INFINITY;
    r->report.lines = nlines;
    for (size_t i = 0; i < nlines; i++) {
      double kd = line_t[i] == line_t[i] ? floor((line_t[i] - t0) / o.step_s) : -1;
      if (kd < 0 || kd >= (double)n) {
        r->report.lines_outside++;
        continue;
      }
      uint32_t num = rank[line_tpl[i]];
      if (num == 0) {
        num = (uint32_t)(K + 1);
        if (line_t[i] >= t_split) r->report.test_lines_unseen++;
      }
      size_t k = (size_t)kd;
      if ((double)num > lc[k]) lc[k] = (double)num;
    }
    AW_FREE(rank);
    for (size_t k = 0; k < n; k++) {
      if (lc[k] == -INFINITY)
        lc[k] = o.log_fill;
      else
        r->report.steps_with_logs++;
    }
  }
  AW_FREE(ci);
  AW_FREE(grid);
  AW_FREE(acc);
  AW_FREE(cnt);
  *out = r;
  return AW_OK;
fail:
  AW_FREE(ci);
  AW_FREE(grid);
  AW_FREE(acc);
  AW_FREE(cnt);
  if (r) aw_fuse_result_free(r);
  else aw_table_free(t);
  return st;
}

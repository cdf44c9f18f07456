/* eval.c - precision/recall/F1 (point-wise and point-adjusted), detection delay, anomaly
 * likelihood, percentile threshold and per-entity false positive rate. NAB scoring lives in
 * eval_nab.c, the aggregation in eval_agg.c (same module, aw/eval.h). */
#include "aw/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aw/math.h"

static int finite_d(double v) { return v == v && v - v == 0.0; }

static void prf_finish(aw_prf *o) {
  double tp = (double)o->tp;
  o->precision = (o->tp + o->fp) ? tp / (double)(o->tp + o->fp) : 0.0;
  o->recall = (o->tp + o->fn) ? tp / (double)(o->tp + o->fn) : 0.0;
  double s = o->precision + o->recall;
  o->f1 = s > 0.0 ? 2.0 * o->precision * o->recall / s : 0.0;
}

aw_status aw_eval_pointwise(const uint8_t *pred, const uint8_t *label, size_t n, aw_prf *out, aw_error *err) {
  if (!out || ((!pred || !label) && n)) return aw_error_set(err, AW_ERR_ARG, "eval: NULL argument");
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < n; i++) {
    int p = pred[i] != 0, l = label[i] != 0;
    if (p && l) out->tp++;
    else if (p) out->fp++;
    else if (l) out->fn++;
    else out->tn++;
  }
  prf_finish(out);
  return AW_OK;
}

aw_status aw_eval_point_adjusted(const uint8_t *pred, const uint8_t *label, size_t n, aw_prf *out,
                                 uint8_t *adjusted, aw_error *err) {
  if (!out || ((!pred || !label) && n)) return aw_error_set(err, AW_ERR_ARG, "eval: NULL argument");
  memset(out, 0, sizeof *out);
  size_t i = 0;
  while (i < n) {
    if (!label[i]) {
      int p = pred[i] != 0;
      if (p) out->fp++;
      else out->tn++;
      if (adjusted) adjusted[i] = (uint8_t)p;
      i++;
      continue;
    }
    size_t j = i;
    int hit = 0;
    while (j < n && label[j]) {
      if (pred[j]) hit = 1;
      j++;
    }
    /* the whole segment [i, j) is detected when any of its points is */
    if (hit) out->tp += j - i;
    else out->fn += j - i;
    if (adjusted)
      for (size_t k = i; k < j; k++) adjusted[k] = (uint8_t)hit;
    i = j;
  }
  prf_finish(out);
  return AW_OK;
}

aw_status aw_eval_segments(const uint8_t *pred, const uint8_t *label, const double *time, size_t n,
                           aw_segment **out, size_t *count, aw_error *err) {
  if (!out || !count || ((!pred || !label) && n)) return aw_error_set(err, AW_ERR_ARG, "eval: NULL argument");
  *out = NULL;
  *count = 0;
  size_t ns = 0;
  for (size_t i = 0; i < n; i++)
    if (label[i] && (i == 0 || !label[i - 1])) ns++;
  if (ns == 0) return AW_OK;
  aw_segment *s = (aw_segment *)aw_calloc_array(ns, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "eval: out of memory (%zu segments)", ns);
  size_t k = 0, i = 0;
  while (i < n) {
    if (!label[i]) {
      i++;
      continue;
    }
    size_t j = i;
    aw_segment *g = &s[k++];
    g->start = i;
    g->delay_time = NAN;
    while (j < n && label[j]) {
      if (pred[j] && !g->detected) {
        g->detected = 1;
        g->first = j;
        g->delay = j - i;
        if (time) g->delay_time = time[j] - time[i];
      }
      j++;
    }
    g->end = j - 1;
    i = j;
  }
  *out = s;
  *count = ns;
  return AW_OK;
}

aw_status aw_eval_labels_from_windows(const double *time, size_t n, const double *win_start, const double *win_end,
                                      size_t nwin, uint8_t *label, aw_error *err) {
  if ((!time || !label) && n) return aw_error_set(err, AW_ERR_ARG, "eval: NULL argument");
  if ((!win_start || !win_end) && nwin) return aw_error_set(err, AW_ERR_ARG, "eval: NULL windows");
  for (size_t w = 0; w < nwin; w++)
    if (!(win_start[w] <= win_end[w]))
      return aw_error_set(err, AW_ERR_RANGE, "eval: window %zu ends (%g) before it starts (%g)", w, win_end[w],
                          win_start[w]);
  for (size_t i = 0; i < n; i++) {
    uint8_t l = 0;
    for (size_t w = 0; w < nwin && !l; w++) l = time[i] >= win_start[w] && time[i] <= win_end[w];
    label[i] = l;
  }
  return AW_OK;
}

/* ------------------------------------------------------------------ anomaly likelihood */

void aw_likelihood_params_default(aw_likelihood_params *p) {
  if (!p) return;
  p->window = 30;
  p->short_window = 2;
  p->threshold = 0.9996;
}

aw_status aw_anomaly_likelihood(const double *s, size_t n, const aw_likelihood_params *p, double *L, uint8_t *alarm,
                                uint64_t *alarms, aw_error *err) {
  aw_likelihood_params d;
  if (!p) {
    aw_likelihood_params_default(&d);
    p = &d;
  }
  if ((!s || !L) && n) return aw_error_set(err, AW_ERR_ARG, "likelihood: NULL argument");
  size_t W = p->window, Ws = p->short_window;
  if (W < 2) return aw_error_set(err, AW_ERR_RANGE, "likelihood: window W must be >= 2, got %zu", W);
  if (Ws < 1 || Ws > W)
    return aw_error_set(err, AW_ERR_RANGE, "likelihood: short window W' must be in [1, W=%zu], got %zu", W, Ws);
  if (!(p->threshold > 0.0 && p->threshold <= 1.0))
    return aw_error_set(err, AW_ERR_RANGE, "likelihood: threshold must be in (0, 1], got %g", p->threshold);
  for (size_t i = 0; i < n; i++)
    if (!finite_d(s[i])) return aw_error_set(err, AW_ERR_RANGE, "likelihood: error %zu is %g (must be finite)", i, s[i]);
  uint64_t na = 0;
  for (size_t t = 0; t < n; t++) {
    double l = 0.5;
    if (t + 1 >= W) {
      /* Eq. 1: mu_t over the last W errors; Eq. 2: sigma_t (W - 1 denominator), both two-pass
       * (O(W) per point, no cancellation); Eq. 3: L_t = 1 - Q((mu~_t - mu_t)/sigma_t). */
      const double *w = s + t + 1 - W;
      double mu = 0.0;
      for (size_t i = 0; i < W; i++) mu += w[i];
      mu /= (double)W;
      double v = 0.0;
      for (size_t i = 0; i < W; i++) {
        double e = w[i] - mu;
        v += e * e;
      }
      double sd = sqrt(v / (double)(W - 1));
      double ms = 0.0;
      for (size_t i = W - Ws; i < W; i++) ms += w[i];
      ms /= (double)Ws;
      if (sd > 0.0) l = 1.0 - aw_normal_q((ms - mu) / sd);
    }
    L[t] = l;
    int a = l >= p->threshold;
    if (alarm) alarm[t] = (uint8_t)a;
    na += (uint64_t)a;
  }
  if (alarms) *alarms = na;
  return AW_OK;
}

/* ------------------------------------------------------------------ percentile, FPR */

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

aw_status aw_percentile(const double *x, size_t n, double pct, double *out, aw_error *err) {
  if (!out || (!x && n)) return aw_error_set(err, AW_ERR_ARG, "percentile: NULL argument");
  if (n == 0) return aw_error_set(err, AW_ERR_RANGE, "percentile: no values");
  if (!(pct >= 0.0 && pct <= 100.0)) return aw_error_set(err, AW_ERR_RANGE, "percentile: %g is outside [0, 100]", pct);
  double *v = (double *)aw_alloc_array(n, sizeof(double));
  if (!v) return aw_error_set(err, AW_ERR_NOMEM, "percentile: out of memory (%zu values)", n);
  for (size_t i = 0; i < n; i++) {
    if (!finite_d(x[i])) {
      AW_FREE(v);
      return aw_error_set(err, AW_ERR_RANGE, "percentile: value %zu is %g (must be finite)", i, x[i]);
    }
    v[i] = x[i];
  }
  qsort(v, n, sizeof *v, cmp_d);
  double h = (double)(n - 1) * (pct / 100.0);
  size_t lo = (size_t)floor(h);
  if (lo >= n - 1) {
    *out = v[n - 1];
  } else {
    double f = h - (double)lo;
    /* numpy's lerp: a + (b - a) f, mirrored for f >= 0.5 to keep monotonicity */
    double a = v[lo], b = v[lo + 1], d = b - a;
    *out = f >= 0.5 ? b - d * (1.0 - f) : a + d * f;
  }
  AW_FREE(v);
  return AW_OK;
}

aw_status aw_eval_entity_fpr(const uint32_t *entity, const uint8_t *pred, const uint8_t *label, size_t n,
                             size_t n_entities, double *fpr, uint64_t *fp, uint64_t *neg, aw_error *err) {
  if (!fpr || ((!entity || !pred) && n)) return aw_error_set(err, AW_ERR_ARG, "fpr: NULL argument");
  uint64_t *f = (uint64_t *)aw_calloc_array(n_entities ? n_entities : 1, sizeof(uint64_t));
  uint64_t *g = (uint64_t *)aw_calloc_array(n_entities ? n_entities : 1, sizeof(uint64_t));
  if (!f || !g) {
    AW_FREE(f);
    AW_FREE(g);
    return aw_error_set(err, AW_ERR_NOMEM, "fpr: out of memory (%zu entities)", n_entities);
  }
  for (size_t i = 0; i < n; i++) {
    if (entity[i] >= n_entities) {
      AW_FREE(f);
      AW_FREE(g);
      return aw_error_set(err, AW_ERR_RANGE, "fpr: row %zu has entity %u, outside [0, %zu)", i, entity[i], n_entities);
    }
    if (label && label[i]) continue;
    g[entity[i]]++;
    if (pred[i]) f[entity[i]]++;
  }
  for (size_t e = 0; e < n_entities; e++) {
    fpr[e] = g[e] ? (double)f[e] / (double)g[e] : NAN;
    if (fp) fp[e] = f[e];
    if (neg) neg[e] = g[e];
  }
  AW_FREE(f);
  AW_FREE(g);
  return AW_OK;
}

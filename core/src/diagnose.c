/* diagnose.c - DTW container diagnosis (ADS paper, section 4.2 and Fig. 4); see aw/diagnose.h. */
#include "aw/diagnose.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/csv.h"
#include "cJSON.h"

void aw_diag_opts_default(aw_diag_opts *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->window = AW_DIAG_DEFAULT_WINDOW;
  o->at = AW_DIAG_LATEST;
  o->baseline = 0;
  o->mode = AW_DIAG_PER_METRIC;
  o->scale = AW_DIAG_SCALE_JOINT;
  o->min_margin = AW_DIAG_MARGIN_AUTO;
  aw_dtw_opts_default(&o->dtw);
  o->dtw.prune = 1; /* exact (PrunedDTW), and cheaper on alike replicas */
}

const char *aw_diag_mode_name(aw_diag_mode m) {
  return m == AW_DIAG_DEPENDENT ? "dependent" : m == AW_DIAG_INDEPENDENT ? "independent" : "per-metric";
}

const char *aw_diag_scale_name(aw_diag_scale s) {
  return s == AW_DIAG_SCALE_NONE ? "none" : s == AW_DIAG_SCALE_ZNORM ? "znorm" : "joint";
}

void aw_diag_result_free(aw_diag_result *r) {
  if (!r) return;
  AW_FREE(r->matrix);
  AW_FREE(r->metric_matrix);
  AW_FREE(r->score_sum);
  AW_FREE(r->score_median);
  AW_FREE(r->metric_suspect);
  AW_FREE(r->metric_top);
  AW_FREE(r->metric_margin);
  memset(r, 0, sizeof *r);
  r->suspect = r->top = r->metric = -1;
}

static aw_status result_alloc(aw_diag_result *r, size_t k, size_t M, aw_error *err) {
  memset(r, 0, sizeof *r);
  r->k = k;
  r->nmetrics = M;
  r->suspect = r->top = r->metric = -1;
  r->matrix = aw_calloc_array(k * k, sizeof(double));
  r->metric_matrix = aw_calloc_array(M * k * k, sizeof(double));
  r->score_sum = aw_calloc_array(k, sizeof(double));
  r->score_median = aw_calloc_array(k, sizeof(double));
  r->metric_suspect = aw_calloc_array(M, sizeof(long));
  r->metric_top = aw_calloc_array(M, sizeof(long));
  r->metric_margin = aw_calloc_array(M, sizeof(double));
  if (!r->matrix || !r->metric_matrix || !r->score_sum || !r->score_median || !r->metric_suspect || !r->metric_top ||
      !r->metric_margin) {
    aw_diag_result_free(r);
    return aw_error_set(err, AW_ERR_NOMEM, "diagnose: out of memory for %zu replicas", k);
  }
  return AW_OK;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median_inplace(double *v, size_t n) {
  if (n == 0) return 0;
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct verdict {
  long top, suspect;
  double margin, runner_up;
} verdict;

/* Scores (row sums and medians) of a k x k matrix and the verdict. tmp: k * k doubles. */
static verdict decide(const double *D, size_t k, int by_median, double min_margin, double *sum, double *med,
                      double *tmp) {
  verdict v = {-1, -1, 0, 0};
  double *sc = tmp; /* deciding scores: k */
  double *buf = tmp + k;
  for (size_t a = 0; a < k; a++) {
    double s = 0;
    size_t c = 0;
    for (size_t b = 0; b < k; b++)
      if (b != a) {
        s += D[a * k + b];
        buf[c++] = D[a * k + b];
      }
    double m = median_inplace(buf, c);
    if (sum) sum[a] = s;
    if (med) med[a] = m;
    sc[a] = by_median ? m : s;
  }
  size_t t = 0;
  for (size_t a = 1; a < k; a++)
    if (sc[a] > sc[t]) t = a;
  double s2 = -1;
  for (size_t a = 0; a < k; a++)
    if (a != t && sc[a] > s2) s2 = sc[a];
  v.top = (long)t;
  v.runner_up = sc[t] > 0 ? (sc[t] - s2) / sc[t] : 0;
  /* margin: the top replica's median distance to its siblings against the median distance among
   * the siblings themselves */
  size_t c = 0;
  for (size_t b = 0; b < k; b++)
    if (b != t) buf[c++] = D[t * k + b];
  double odd = median_inplace(buf, c);
  c = 0;
  for (size_t a = 0; a < k; a++)
    for (size_t b = a + 1; b < k; b++)
      if (a != t && b != t) buf[c++] = D[a * k + b];
  double internal = median_inplace(buf, c);
  double mg = (c > 0 && odd > 0) ? 1.0 - internal / odd : 0.0;
  if (mg < 0) mg = 0;
  v.margin = mg;
  v.suspect = (c > 0 && odd > 0 && mg >= min_margin) ? (long)t : -1;
  return v;
}

static const char *nm(const char *const *names, size_t i, char *buf, size_t n) {
  if (names && names[i]) return names[i];
  snprintf(buf, n, "#%zu", i);
  return buf;
}

/* Scratch for one window: series k*w*M, one metric k*w, baseline buffer, lens k, decide k*k. */
typedef struct scratch {
  double *ser, *one, *base, *dec;
  size_t *lens;
  size_t nbase;
} scratch;

static void scratch_free(scratch *s) {
  AW_FREE(s->ser);
  AW_FREE(s->one);
  AW_FREE(s->base);
  AW_FREE(s->dec);
  AW_FREE(s->lens);
  memset(s, 0, sizeof *s);
}

static aw_status scratch_alloc(scratch *s, size_t k, size_t M, size_t w, size_t nbase, aw_error *err) {
  memset(s, 0, sizeof *s);
  s->ser = aw_alloc_array(k * w * M, sizeof(double));
  s->one = aw_alloc_array(k * w, sizeof(double));
  s->base = aw_alloc_array(nbase ? nbase : 1, sizeof(double));
  s->dec = aw_alloc_array(k * k + k, sizeof(double));
  s->lens = aw_alloc_array(k, sizeof(size_t));
  s->nbase = nbase;
  if (!s->ser || !s->one || !s->base || !s->dec || !s->lens) {
    scratch_free(s);
    return aw_error_set(err, AW_ERR_NOMEM, "diagnose: out of memory");
  }
  return AW_OK;
}

static double eff_margin(const aw_diag_opts *o) {
  if (o->min_margin >= 0) return o->min_margin;
  return o->mode == AW_DIAG_PER_METRIC ? AW_DIAG_DEFAULT_MARGIN_PER_METRIC : AW_DIAG_DEFAULT_MARGIN_MULTIVARIATE;
}

/* The series of replica r, metric j in either layout. */
static const double *series_at(const double *data, const aw_diag_opts *o, size_t k, size_t M, size_t T, size_t r,
                               size_t j) {
  return data + (o->metric_major ? j * k + r : r * M + j) * T;
}

/* The per-metric verdicts always use the per-metric threshold. */
static double eff_margin_metric(const aw_diag_opts *o) {
  return o->min_margin >= 0 ? o->min_margin : AW_DIAG_DEFAULT_MARGIN_PER_METRIC;
}

/* Baseline length for a window starting at `start`. */
static size_t baseline_len(const aw_diag_opts *o, size_t start) {
  size_t want = o->baseline == AW_DIAG_BASELINE_AUTO ? 2 * o->window : o->baseline;
  return want < start ? want : start;
}

/* One window [start, start + w). */
static aw_status diag_window(const double *data, size_t k, size_t M, size_t T, const aw_diag_opts *o, size_t start,
                             size_t w, aw_diag_result *res, scratch *S, const aw_progress *progress, aw_error *err) {
  const char *const *rn = o->replica_names, *const *mn = o->metric_names;
  double *ser = S->ser;
  aw_dtw_opts d = o->dtw;
  d.max_dist = INFINITY;
  d.znorm = o->scale == AW_DIAG_SCALE_ZNORM;
  for (size_t r = 0; r < k; r++) S->lens[r] = w;
  size_t nb = baseline_len(o, start);
  res->start = start;
  res->end = start + w;
  res->baseline_points = nb;
  char b1[32], b2[32];
  aw_status st;
  /* shifted and scaled copy: ser[(r * w + t) * M + j] (row-major points for the dependent DTW) */
  for (size_t j = 0; j < M; j++) {
    double sum = 0, cnt = 0;
    for (size_t r = 0; r < k; r++) {
      const double *x = series_at(data, o, k, M, T, r, j);
      /* the replica's own baseline: median of the points before the window (NaN skipped) */
      double shift = 0;
      if (nb > 0) {
        size_t c = 0;
        for (size_t t = start - nb; t < start; t++)
          if (isfinite(x[t]) && fabs(x[t]) <= AW_DTW_MAX_ABS) S->base[c++] = x[t];
        shift = median_inplace(S->base, c);
      }
      double lo = INFINITY, hi = -INFINITY;
      for (size_t t = 0; t < w; t++) {
        double v = x[start + t];
        if (isnan(v)) {
          if (!o->dtw.skip_nan)
            return aw_error_set(err, AW_ERR_NUMERIC,
                                "diagnose: replica %s, metric %s has NaN at time index %zu (set skip_nan, --skip-nan, to drop missing points)",
                                nm(rn, r, b1, sizeof b1), nm(mn, j, b2, sizeof b2), start + t);
          ser[(r * w + t) * M + j] = NAN;
          continue;
        }
        if (isinf(v) || fabs(v) > AW_DTW_MAX_ABS)
          return aw_error_set(err, AW_ERR_NUMERIC, "diagnose: replica %s, metric %s has %s value at time index %zu",
                              nm(rn, r, b1, sizeof b1), nm(mn, j, b2, sizeof b2),
                              isinf(v) ? "an infinite" : "an out-of-range (beyond 1e100)", start + t);
        v -= shift;
        ser[(r * w + t) * M + j] = v;
        sum += v;
        cnt += 1;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (lo > hi)
        return aw_error_set(err, AW_ERR_NUMERIC, "diagnose: replica %s, metric %s has no values in the window [%zu, %zu)",
                            nm(rn, r, b1, sizeof b1), nm(mn, j, b2, sizeof b2), start, start + w);
      if (o->scale == AW_DIAG_SCALE_ZNORM && lo == hi)
        return aw_error_set(err, AW_ERR_NUMERIC,
                            "diagnose: replica %s, metric %s is constant (%g) in the window [%zu, %zu): it cannot be "
                            "z-normalised (use joint scaling)",
                            nm(rn, r, b1, sizeof b1), nm(mn, j, b2, sizeof b2), lo + 0.0, start, start + w);
    }
    if (o->scale == AW_DIAG_SCALE_JOINT) {
      /* pooled (v - mean) / sd; deviations are scaled by the largest first so that tiny ones
       * neither underflow nor overflow; a metric constant over every replica becomes all 0 */
      double mean = sum / cnt, dmax = 0, ss = 0;
      for (size_t r = 0; r < k; r++)
        for (size_t t = 0; t < w; t++) {
          double v = ser[(r * w + t) * M + j];
          if (!isnan(v) && fabs(v - mean) > dmax) dmax = fabs(v - mean);
        }
      if (dmax > 0)
        for (size_t r = 0; r < k; r++)
          for (size_t t = 0; t < w; t++) {
            double v = ser[(r * w + t) * M + j];
            if (!isnan(v)) ss += ((v - mean) / dmax) * ((v - mean) / dmax);
          }
      double sdu = sqrt(ss / cnt);
      for (size_t r = 0; r < k; r++)
        for (size_t t = 0; t < w; t++) {
          double *v = &ser[(r * w + t) * M + j];
          if (!isnan(*v)) *v = dmax > 0 ? ((*v - mean) / dmax) / sdu : 0.0;
        }
    }
  }
  /* per-metric matrices and verdicts */
  long best = -1;
  for (size_t j = 0; j < M; j++) {
    for (size_t r = 0; r < k; r++)
      for (size_t t = 0; t < w; t++) S->one[r * w + t] = ser[(r * w + t) * M + j];
    double *Mj = res->metric_matrix + j * k * k;
    if ((st = aw_dtw_matrix(S->one, S->lens, k, 1, &d, Mj, NULL, NULL, err)))
      return aw_error_prefix(err, "diagnose: metric %s", nm(mn, j, b2, sizeof b2));
    verdict v = decide(Mj, k, o->by_median, eff_margin_metric(o), NULL, NULL, S->dec);
    res->metric_suspect[j] = v.suspect;
    res->metric_top[j] = v.top;
    res->metric_margin[j] = v.margin;
    if (best < 0 || v.margin > res->metric_margin[best]) best = (long)j;
    if (aw_progress_report(progress, (double)(j + 1) / (double)(M + (o->mode == AW_DIAG_DEPENDENT)), "diagnose"))
      return aw_error_set(err, AW_ERR_CANCELLED, "diagnose: cancelled");
  }
  if (o->mode == AW_DIAG_PER_METRIC || M == 1) {
    memcpy(res->matrix, res->metric_matrix + (size_t)best * k * k, k * k * sizeof(double));
    res->metric = best;
  } else if (o->mode == AW_DIAG_DEPENDENT) {
    d.multi = AW_DTW_DEPENDENT;
    if ((st = aw_dtw_matrix(ser, S->lens, k, M, &d, res->matrix, NULL, NULL, err))) return aw_error_prefix(err, "diagnose");
    res->metric = -1;
  } else {
    /* independent: the per-metric distances added in metric order */
    for (size_t c = 0; c < k * k; c++) {
      double s = res->metric_matrix[c];
      for (size_t j = 1; j < M; j++) s += res->metric_matrix[j * k * k + c];
      res->matrix[c] = s;
    }
    res->metric = -1;
  }
  verdict v = decide(res->matrix, k, o->by_median, eff_margin(o), res->score_sum, res->score_median, S->dec);
  res->top = v.top;
  res->suspect = v.suspect;
  res->margin = v.margin;
  res->runner_up_margin = v.runner_up;
  return AW_OK;
}

static aw_status check_args(const double *data, size_t k, size_t M, size_t T, const aw_diag_opts *o, aw_error *err) {
  if (!data) return aw_error_set(err, AW_ERR_ARG, "diagnose: no data");
  if (k < 2)
    return aw_error_set(err, AW_ERR_ARG,
                        "diagnose: needs at least 2 replicas of the service (got %zu): DTW diagnosis compares replicas with each other",
                        k);
  if (M == 0) return aw_error_set(err, AW_ERR_ARG, "diagnose: no metrics");
  if (T == 0) return aw_error_set(err, AW_ERR_ARG, "diagnose: the replicas have no data points");
  if (o->window == 0) return aw_error_set(err, AW_ERR_ARG, "diagnose: the window must be at least 1 point");
  if (o->window > T)
    return aw_error_set(err, AW_ERR_RANGE, "diagnose: the window of %zu points is longer than the data (%zu points per replica)",
                        o->window, T);
  if (k > 4096 || M > 4096 || T > AW_DTW_MAX_LEN || k * M > AW_DTW_MAX_LEN / T)
    return aw_error_set(err, AW_ERR_LIMIT, "diagnose: too large (%zu replicas, %zu metrics, %zu points)", k, M, T);
  if (!(o->min_margin <= 1) || (o->min_margin < 0 && o->min_margin != AW_DIAG_MARGIN_AUTO))
    return aw_error_set(err, AW_ERR_ARG, "diagnose: min_margin must be in [0, 1] (or auto), got %g", o->min_margin);
  if (o->mode != AW_DIAG_PER_METRIC && o->mode != AW_DIAG_INDEPENDENT && o->mode != AW_DIAG_DEPENDENT)
    return aw_error_set(err, AW_ERR_ARG, "diagnose: unknown mode %d", (int)o->mode);
  if (o->scale != AW_DIAG_SCALE_JOINT && o->scale != AW_DIAG_SCALE_NONE && o->scale != AW_DIAG_SCALE_ZNORM)
    return aw_error_set(err, AW_ERR_ARG, "diagnose: unknown scaling %d", (int)o->scale);
  if (o->baseline != AW_DIAG_BASELINE_AUTO && o->baseline > T)
    return aw_error_set(err, AW_ERR_RANGE, "diagnose: a baseline of %zu points is longer than the data (%zu points)", o->baseline, T);
  return AW_OK;
}

aw_status aw_diagnose(const double *data, size_t k, size_t nmetrics, size_t T, const aw_diag_opts *o,
                      aw_diag_result *res, const aw_progress *progress, aw_error *err) {
  aw_diag_opts def;
  if (!o) {
    aw_diag_opts_default(&def);
    o = &def;
  }
  if (!res) return aw_error_set(err, AW_ERR_ARG, "diagnose: res is NULL");
  memset(res, 0, sizeof *res);
  res->suspect = res->top = res->metric = -1;
  aw_status st = check_args(data, k, nmetrics, T, o, err);
  if (st) return st;
  size_t at = o->at == AW_DIAG_LATEST ? T - 1 : o->at;
  if (at >= T) return aw_error_set(err, AW_ERR_RANGE, "diagnose: time index %zu is outside the data (0 .. %zu)", at, T - 1);
  if (at + 1 < o->window)
    return aw_error_set(err, AW_ERR_RANGE, "diagnose: a window of %zu points ending at time index %zu would start before the data",
                        o->window, at);
  size_t start = at + 1 - o->window;
  scratch S;
  if ((st = scratch_alloc(&S, k, nmetrics, o->window, baseline_len(o, start), err))) return st;
  if ((st = result_alloc(res, k, nmetrics, err)) == AW_OK) {
    st = diag_window(data, k, nmetrics, T, o, start, o->window, res, &S, progress, err);
    if (st) aw_diag_result_free(res);
  }
  scratch_free(&S);
  return st;
}

void aw_diag_sliding_free(aw_diag_sliding *s) {
  if (!s) return;
  AW_FREE(s->at);
  AW_FREE(s->suspect);
  AW_FREE(s->top);
  AW_FREE(s->margin);
  AW_FREE(s->metric);
  AW_FREE(s->scores);
  memset(s, 0, sizeof *s);
}

aw_status aw_diagnose_sliding(const double *data, size_t k, size_t nmetrics, size_t T, const aw_diag_opts *o,
                              size_t step, aw_diag_sliding *out, const aw_progress *progress, aw_error *err) {
  aw_diag_opts def;
  if (!o) {
    aw_diag_opts_default(&def);
    o = &def;
  }
  if (!out) return aw_error_set(err, AW_ERR_ARG, "diagnose: out is NULL");
  memset(out, 0, sizeof *out);
  aw_status st = check_args(data, k, nmetrics, T, o, err);
  if (st) return st;
  if (step == 0) return aw_error_set(err, AW_ERR_ARG, "diagnose: the sliding step must be >= 1");
  size_t w = o->window, n = (T - w) / step + 1;
  out->n = n;
  out->k = k;
  out->at = aw_alloc_array(n, sizeof *out->at);
  out->suspect = aw_alloc_array(n, sizeof *out->suspect);
  out->top = aw_alloc_array(n, sizeof *out->top);
  out->margin = aw_alloc_array(n, sizeof *out->margin);
  out->metric = aw_alloc_array(n, sizeof *out->metric);
  out->scores = aw_alloc_array(n * k, sizeof *out->scores);
  aw_diag_result res;
  memset(&res, 0, sizeof res);
  scratch S;
  memset(&S, 0, sizeof S);
  size_t nbmax = o->baseline == AW_DIAG_BASELINE_AUTO ? 2 * w : o->baseline;
  if (nbmax > T) nbmax = T;
  if (!out->at || !out->suspect || !out->top || !out->margin || !out->metric || !out->scores) {
    aw_diag_sliding_free(out);
    return aw_error_set(err, AW_ERR_NOMEM, "diagnose: out of memory for %zu windows", n);
  }
  if ((st = scratch_alloc(&S, k, nmetrics, w, nbmax, err)) || (st = result_alloc(&res, k, nmetrics, err))) {
    scratch_free(&S);
    aw_diag_sliding_free(out);
    return st;
  }
  for (size_t i = 0; i < n; i++) {
    size_t start = i * step;
    if (aw_progress_report(progress, (double)i / (double)n, "diagnose sliding")) {
      st = aw_error_set(err, AW_ERR_CANCELLED, "diagnose: cancelled");
      break;
    }
    if ((st = diag_window(data, k, nmetrics, T, o, start, w, &res, &S, NULL, err))) {
      aw_error_prefix(err, "window ending at time index %zu", start + w - 1);
      break;
    }
    out->at[i] = start + w - 1;
    out->suspect[i] = res.suspect;
    out->top[i] = res.top;
    out->margin[i] = res.margin;
    out->metric[i] = res.metric;
    for (size_t r = 0; r < k; r++) out->scores[i * k + r] = o->by_median ? res.score_median[r] : res.score_sum[r];
  }
  scratch_free(&S);
  aw_diag_result_free(&res);
  if (st) aw_diag_sliding_free(out);
  else aw_progress_report(progress, 1.0, "diagnose sliding");
  return st;
}

/* ------------------------------------------------------------------ JSON */

static cJSON *jnum(double v) {
  if (!isfinite(v)) return cJSON_CreateNull();
  char b[AW_FMT_DOUBLE_MAX];
  aw_fmt_double(b, v);
  return cJSON_CreateRaw(b);
}

static cJSON *jarr(const double *v, size_t n) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; a && i < n; i++) cJSON_AddItemToArray(a, jnum(v[i]));
  return a;
}

static cJSON *jmat(const double *m, size_t k) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; a && i < k; i++) cJSON_AddItemToArray(a, jarr(m + i * k, k));
  return a;
}

static cJSON *jname(const char *const *names, size_t i, const char *prefix) {
  char b[32];
  if (names && names[i]) return cJSON_CreateString(names[i]);
  snprintf(b, sizeof b, "%s%zu", prefix, i);
  return cJSON_CreateString(b);
}

aw_status aw_diag_result_json(const aw_diag_result *r, const aw_diag_opts *o, const char *const *replica_names,
                              const char *const *metric_names, const double *times, aw_buf *out, aw_error *err) {
  if (!r || !out || !r->matrix) return aw_error_set(err, AW_ERR_ARG, "diagnose: nothing to write");
  aw_diag_opts def;
  if (!o) {
    aw_diag_opts_default(&def);
    o = &def;
  }
  size_t k = r->k, M = r->nmetrics;
  if (!replica_names) replica_names = o->replica_names;
  if (!metric_names) metric_names = o->metric_names;
  cJSON *root = cJSON_CreateObject();
  cJSON *reps = cJSON_AddArrayToObject(root, "replicas");
  for (size_t i = 0; i < k; i++) cJSON_AddItemToArray(reps, jname(replica_names, i, "r"));
  cJSON *mets = cJSON_AddArrayToObject(root, "metrics");
  for (size_t j = 0; j < M; j++) cJSON_AddItemToArray(mets, jname(metric_names, j, "m"));
  cJSON *win = cJSON_AddObjectToObject(root, "window");
  cJSON_AddItemToObject(win, "start", jnum((double)r->start));
  cJSON_AddItemToObject(win, "end", jnum((double)r->end));
  cJSON_AddItemToObject(win, "size", jnum((double)(r->end - r->start)));
  cJSON_AddItemToObject(root, "baseline_points", jnum((double)r->baseline_points));
  if (times) {
    char tb[40];
    aw_fmt_time_iso(tb, times[r->start]);
    cJSON_AddStringToObject(win, "start_time", tb);
    aw_fmt_time_iso(tb, times[r->end - 1]);
    cJSON_AddStringToObject(win, "end_time", tb);
  }
  cJSON_AddStringToObject(root, "mode", aw_diag_mode_name(o->mode));
  cJSON_AddStringToObject(root, "scale", aw_diag_scale_name(o->scale));
  cJSON_AddStringToObject(root, "cost", aw_dtw_cost_name(o->dtw.cost));
  if (r->metric >= 0) cJSON_AddItemToObject(root, "metric", jname(metric_names, (size_t)r->metric, "m"));
  else cJSON_AddNullToObject(root, "metric");
  cJSON_AddItemToObject(root, "matrix", jmat(r->matrix, k));
  cJSON *sc = cJSON_AddObjectToObject(root, "scores");
  cJSON_AddItemToObject(sc, "sum", jarr(r->score_sum, k));
  cJSON_AddItemToObject(sc, "median", jarr(r->score_median, k));
  cJSON_AddStringToObject(sc, "by", o->by_median ? "median" : "sum");
  if (r->suspect >= 0) cJSON_AddItemToObject(root, "suspect", jname(replica_names, (size_t)r->suspect, "r"));
  else cJSON_AddNullToObject(root, "suspect");
  if (r->top >= 0) cJSON_AddItemToObject(root, "top", jname(replica_names, (size_t)r->top, "r"));
  cJSON_AddItemToObject(root, "margin", jnum(r->margin));
  cJSON_AddItemToObject(root, "runner_up_margin", jnum(r->runner_up_margin));
  cJSON_AddItemToObject(root, "min_margin", jnum(eff_margin(o)));
  cJSON *pm = cJSON_AddArrayToObject(root, "per_metric");
  for (size_t j = 0; j < M; j++) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(e, "metric", jname(metric_names, j, "m"));
    cJSON_AddItemToObject(e, "matrix", jmat(r->metric_matrix + j * k * k, k));
    if (r->metric_suspect[j] >= 0) cJSON_AddItemToObject(e, "suspect", jname(replica_names, (size_t)r->metric_suspect[j], "r"));
    else cJSON_AddNullToObject(e, "suspect");
    cJSON_AddItemToObject(e, "top", jname(replica_names, (size_t)r->metric_top[j], "r"));
    cJSON_AddItemToObject(e, "margin", jnum(r->metric_margin[j]));
    cJSON_AddItemToArray(pm, e);
  }
  char *txt = cJSON_Print(root);
  cJSON_Delete(root);
  if (!txt) return aw_error_set(err, AW_ERR_NOMEM, "diagnose: out of memory writing JSON");
  aw_status st = aw_buf_append(out, txt, strlen(txt));
  if (!st) st = aw_buf_putc(out, '\n');
  free(txt);
  if (st) return aw_error_set(err, st, "diagnose: out of memory writing JSON");
  return AW_OK;
}

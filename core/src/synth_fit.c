/* synth_fit.c - learns a load model of Eq. 1-3 (base load, the trend's interval slopes, seasonal
 * components) and Algorithm 1's parameters from a series.
 *
 * The model is linear in its unknowns once the periods are known:
 *   y(k) = c0 + sum_i g_i Phi_i(k) + sum_c (a_c cos(2 pi t / P_c) + b_c sin(2 pi t / P_c)) + noise,
 * where Phi_i is the trapezoid integral (in units of the duration) of the slope basis of Eq. 3
 * (slope_i blends in over interval i and out over interval i + 1; interval 0 is flat), g_i = B s_i,
 * P_c = T_c / 2 (sin^2(x) = 1/2 - cos(2x)/2) and A_c = 2 sqrt(a_c^2 + b_c^2), B = c0 - sum A_c / 2.
 * It is solved by alternating two least-squares fits: the trend on block means (the seasonal part
 * removed, so blocks average out only noise), the seasonal part on every sample (the trend
 * removed). Periods come from aw_dominant_periods of the detrended series. Steps flagged as load
 * anomalies (the ratio to the model, averaged over a window, above 1 + threshold) are masked and
 * the fit repeated. */
#include <math.h>
#include <string.h>

#include "aw/math.h"
#include "aw/spectral.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"

#define FIT_MAX_INTERVALS 256
#define FIT_MAX_COMPONENTS AW_SYNTH_MAX_COMPONENTS

void aw_fit_opts_default(aw_fit_opts *o) {
  memset(o, 0, sizeof *o);
  o->num_intervals = 30;
  o->max_components = 8;
  o->min_strength = 0.002;
  o->anomaly_threshold = 0.25;
  o->anomaly_window = 31;
  o->snap = 1;
}

typedef struct fit_ctx {
  const double *y;
  size_t n, M, K;
  double dt;
  uint8_t *mask;       /* 1 = use the sample */
  size_t *edge;        /* M + 1 interval edges a_0 = 0 .. a_M = n */
  double *trend;       /* fitted c0 + sum g_i Phi_i(k) */
  double *seas;        /* fitted seasonal part without its mean */
  double c0, g[FIT_MAX_INTERVALS];
  double period[FIT_MAX_COMPONENTS], ca[FIT_MAX_COMPONENTS], cb[FIT_MAX_COMPONENTS];
  double spectral_strength[FIT_MAX_COMPONENTS];
} fit_ctx;

/* Slope basis at step k (Eq. 3): up to two (index, weight) pairs. */
static int slope_basis(const fit_ctx *f, size_t k, size_t *i1, double *w1, size_t *i2, double *w2) {
  /* interval j with edge[j] <= k < edge[j+1] (binary search) */
  size_t lo = 0, hi = f->M;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (f->edge[mid] <= k) lo = mid;
    else hi = mid;
  }
  size_t j = lo;
  if (j == 0) {
    *i1 = 0;
    *w1 = 1;
    return 1;
  }
  double u = (double)(k - f->edge[j]) / (double)(f->edge[j + 1] - f->edge[j]);
  *i1 = j - 1;
  *w1 = 1 - u;
  *i2 = j;
  *w2 = u;
  return 2;
}

/* Fits c0 and g on block means of target (y minus the seasonal fit), writes f->trend. */
static aw_status fit_trend(fit_ctx *f, const double *target, aw_error *err) {
  const size_t n = f->n, M = f->M, p = M + 1;
  size_t b = n / (16 * p);
  if (b < 1) b = 1;
  if (b > 600) b = 600;
  double *A = aw_calloc_array(p * p, sizeof *A), *rhs = aw_calloc_array(p, sizeof *rhs);
  double *phi = aw_calloc_array(M, sizeof *phi), *acc = aw_calloc_array(M, sizeof *acc);
  size_t *last = aw_calloc_array(M, sizeof *last);
  double *row = aw_calloc_array(p, sizeof *row);
  if (!A || !rhs || !phi || !acc || !last || !row) {
    AW_FREE(A), AW_FREE(rhs), AW_FREE(phi), AW_FREE(acc), AW_FREE(last), AW_FREE(row);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  const double scale = f->dt / ((double)n * f->dt);
  double prev[2] = {0, 0};
  size_t pi[2] = {0, 0}, np = 0;
  double ysum = 0;
  size_t cnt = 0, bstart = 0;
  for (size_t k = 0; k < n; k++) {
    /* Phi_i(k) = Phi_i(k-1) + (phi_i(k-1) + phi_i(k)) / 2 * dt / D; only <= 4 indices change */
    size_t i1 = 0, i2 = 0;
    double w1 = 0, w2 = 0;
    int nb = slope_basis(f, k, &i1, &w1, &i2, &w2);
    if (k > 0) {
      size_t idx[4];
      double inc[4];
      size_t m = 0;
      for (size_t q = 0; q < np; q++) idx[m] = pi[q], inc[m++] = 0.5 * prev[q] * scale;
      idx[m] = i1, inc[m++] = 0.5 * w1 * scale;
      if (nb == 2) idx[m] = i2, inc[m++] = 0.5 * w2 * scale;
      for (size_t q = 0; q < m; q++) {
        size_t i = idx[q];
        acc[i] += phi[i] * (double)(cnt - last[i]); /* lazily add the old value for the samples counted */
        last[i] = cnt;
        phi[i] += inc[q];
      }
    }
    pi[0] = i1, prev[0] = w1, np = 1;
    if (nb == 2) pi[1] = i2, prev[1] = w2, np = 2;
    if (f->mask[k] && isfinite(target[k])) {
      ysum += target[k];
      cnt++;
    }
    if (k + 1 - bstart == b || k + 1 == n) {
      if (cnt > 0) {
        row[0] = 1;
        for (size_t i = 0; i < M; i++) {
          acc[i] += phi[i] * (double)(cnt - last[i]);
          row[1 + i] = acc[i] / (double)cnt;
        }
        double w = (double)cnt, ym = ysum / (double)cnt;
        for (size_t r = 0; r < p; r++) {
          if (row[r] == 0) continue;
          double wr = w * row[r];
          rhs[r] += wr * ym;
          for (size_t c = 0; c <= r; c++) A[r * p + c] += wr * row[c];
        }
      }
      memset(acc, 0, M * sizeof *acc);
      memset(last, 0, M * sizeof *last);
      ysum = 0;
      cnt = 0;
      bstart = k + 1;
    }
  }
  for (size_t r = 0; r < p; r++)
    for (size_t c = r + 1; c < p; c++) A[r * p + c] = A[c * p + r];
  int bad = syn_solve_spd(A, rhs, p);
  AW_FREE(A), AW_FREE(phi), AW_FREE(acc), AW_FREE(last), AW_FREE(row);
  if (bad) {
    AW_FREE(rhs);
    return aw_error_set(err, AW_ERR_NUMERIC, "trend fit is singular (too few valid samples per interval?)");
  }
  f->c0 = rhs[0];
  for (size_t i = 0; i < M; i++) f->g[i] = rhs[1 + i];
  AW_FREE(rhs);
  /* evaluate: slope(k) = sum g_i phi_i(k), trend by the trapezoid rule */
  double tr = f->c0, ps = 0;
  for (size_t k = 0; k < n; k++) {
    size_t i1 = 0, i2 = 0;
    double w1 = 0, w2 = 0;
    int nb = slope_basis(f, k, &i1, &w1, &i2, &w2);
    double s = f->g[i1] * w1 + (nb == 2 ? f->g[i2] * w2 : 0);
    if (k > 0) tr += 0.5 * (ps + s) * scale;
    f->trend[k] = tr;
    ps = s;
  }
  return AW_OK;
}

/* cos/sin of 2 pi t / P, with t reduced modulo P first (keeps long series accurate). When the step
 * grid repeats exactly (integer dt and P, P a multiple of dt) one period is tabulated: the same
 * numbers as the direct formula, computed once. */
typedef struct trig_tab {
  double P, dt;
  size_t len;
  double *c, *s;
} trig_tab;

static void trig_init(trig_tab *t, double P, double dt) {
  memset(t, 0, sizeof *t);
  t->P = P;
  t->dt = dt;
  if (dt != floor(dt) || P != floor(P) || P > 1e7) return;
  double q = P / dt;
  if (q != floor(q) || q < 1 || q > (double)(1 << 20)) return;
  size_t len = (size_t)q;
  t->c = aw_alloc_array(len, sizeof(double));
  t->s = aw_alloc_array(len, sizeof(double));
  if (!t->c || !t->s) {
    AW_FREE(t->c), AW_FREE(t->s);
    t->c = t->s = NULL;
    return;
  }
  for (size_t j = 0; j < len; j++) {
    double a = AW_TWO_PI * (fmod((double)j * dt, P) / P);
    t->c[j] = aw_cos(a);
    t->s[j] = aw_sin(a);
  }
  t->len = len;
}

static void trig_at(const trig_tab *t, size_t k, double *c, double *s) {
  if (t->len) {
    size_t j = k % t->len;
    *c = t->c[j];
    *s = t->s[j];
    return;
  }
  double a = AW_TWO_PI * (fmod((double)k * t->dt, t->P) / t->P);
  *c = aw_cos(a);
  *s = aw_sin(a);
}

static void trig_free(trig_tab *t) {
  AW_FREE(t->c);
  AW_FREE(t->s);
}

/* Least squares of target (y - trend) on [1, cos_c, sin_c]; writes f->seas (without the constant). */
static aw_status fit_seasonal(fit_ctx *f, aw_error *err) {
  const size_t n = f->n, K = f->K, p = 1 + 2 * K;
  if (K == 0) {
    memset(f->seas, 0, n * sizeof *f->seas);
    return AW_OK;
  }
  trig_tab tab[FIT_MAX_COMPONENTS];
  for (size_t c = 0; c < K; c++) trig_init(&tab[c], f->period[c], f->dt);
  double A[(1 + 2 * FIT_MAX_COMPONENTS) * (1 + 2 * FIT_MAX_COMPONENTS)] = {0}, rhs[1 + 2 * FIT_MAX_COMPONENTS] = {0};
  double row[1 + 2 * FIT_MAX_COMPONENTS];
  for (size_t k = 0; k < n; k++) {
    if (!f->mask[k] || !isfinite(f->y[k])) continue;
    double r = f->y[k] - f->trend[k];
    row[0] = 1;
    for (size_t c = 0; c < K; c++) trig_at(&tab[c], k, &row[1 + 2 * c], &row[2 + 2 * c]);
    for (size_t i = 0; i < p; i++) {
      rhs[i] += row[i] * r;
      for (size_t j = 0; j <= i; j++) A[i * p + j] += row[i] * row[j];
    }
  }
  for (size_t i = 0; i < p; i++)
    for (size_t j = i + 1; j < p; j++) A[i * p + j] = A[j * p + i];
  aw_status st = AW_OK;
  if (syn_solve_spd(A, rhs, p)) {
    st = aw_error_set(err, AW_ERR_NUMERIC, "seasonal fit is singular");
  } else {
    for (size_t c = 0; c < K; c++) {
      f->ca[c] = rhs[1 + 2 * c];
      f->cb[c] = rhs[2 + 2 * c];
    }
    for (size_t k = 0; k < n; k++) {
      double v = 0;
      for (size_t c = 0; c < K; c++) {
        double cc, ss;
        trig_at(&tab[c], k, &cc, &ss);
        v += f->ca[c] * cc + f->cb[c] * ss;
      }
      f->seas[k] = v;
    }
  }
  for (size_t c = 0; c < K; c++) trig_free(&tab[c]);
  return st;
}

/* Spectral periods of the detrended series. */
static aw_status find_periods(fit_ctx *f, const aw_fit_opts *o, double *work, aw_error *err) {
  for (size_t k = 0; k < f->n; k++) work[k] = (f->mask[k] && isfinite(f->y[k])) ? f->y[k] - f->trend[k] : NAN;
  aw_period_opts po;
  aw_period_opts_default(&po);
  po.detrend = AW_DETREND_MEAN;
  po.min_strength = o->min_strength;
  po.snap = o->snap;
  double ilen = (double)(f->n / f->M) * f->dt;
  po.max_period = ilen / 2 < (double)f->n * f->dt / 3 ? ilen / 2 : (double)f->n * f->dt / 3;
  if (po.max_period < 4 * f->dt) po.max_period = 4 * f->dt;
  aw_period per[FIT_MAX_COMPONENTS];
  size_t np = 0, kmax = o->max_components > FIT_MAX_COMPONENTS ? FIT_MAX_COMPONENTS : o->max_components;
  aw_status st = aw_dominant_periods(work, f->n, f->dt, &po, per, kmax, &np, err);
  if (st) return st;
  f->K = np;
  for (size_t c = 0; c < np; c++) {
    f->period[c] = per[c].period;
    f->spectral_strength[c] = per[c].strength;
  }
  return AW_OK;
}

aw_status aw_load_fit(const double *y, size_t n, double dt, double start_time, const aw_fit_opts *opts,
                      const aw_progress *prog, aw_fit_result *out, aw_error *err) {
  if (!y || !out) return aw_error_set(err, AW_ERR_ARG, "y/out are NULL");
  memset(out, 0, sizeof *out);
  if (!(dt > 0) || !isfinite(dt)) return aw_error_set(err, AW_ERR_ARG, "dt must be > 0");
  if (!isfinite(start_time)) start_time = 0;
  aw_fit_opts o;
  if (opts) o = *opts;
  else aw_fit_opts_default(&o);
  if (o.num_intervals < 1 || o.num_intervals > FIT_MAX_INTERVALS)
    return aw_error_set(err, AW_ERR_RANGE, "num_intervals must be in [1, %d]", FIT_MAX_INTERVALS);
  if (!(o.anomaly_threshold > 0)) o.anomaly_threshold = 0.25;
  if (o.anomaly_window < 1) o.anomaly_window = 31;
  if (n < 64) return aw_error_set(err, AW_ERR_ARG, "fit needs at least 64 values (got %zu)", n);
  if (n > AW_SYNTH_MAX_STEPS) return aw_error_set(err, AW_ERR_LIMIT, "series of %zu values is too long", n);
  size_t valid = 0;
  for (size_t k = 0; k < n; k++) valid += isfinite(y[k]) != 0;
  if (valid < 64) return aw_error_set(err, AW_ERR_NUMERIC, "only %zu finite values (need 64)", valid);

  fit_ctx f;
  memset(&f, 0, sizeof f);
  f.y = y;
  f.n = n;
  f.dt = dt;
  f.M = o.num_intervals;
  if (f.M > n / 16) f.M = n / 16 ? n / 16 : 1; /* at least 16 samples per interval */
  f.mask = aw_alloc_array(n, 1);
  f.edge = aw_alloc_array(f.M + 1, sizeof *f.edge);
  f.trend = aw_calloc_array(n, sizeof(double));
  f.seas = aw_calloc_array(n, sizeof(double));
  double *work = aw_alloc_array(n, sizeof(double));
  aw_status st = AW_OK;
  if (!f.mask || !f.edge || !f.trend || !f.seas || !work) {
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i <= f.M; i++) f.edge[i] = (size_t)((double)i * (double)n / (double)f.M);
  f.edge[f.M] = n;
  for (size_t k = 0; k < n; k++) f.mask[k] = isfinite(y[k]) != 0;

  /* two rounds without, one round with the anomaly mask */
  for (int round = 0; round < 3 && st == AW_OK; round++) {
    for (size_t k = 0; k < n; k++) work[k] = y[k] - f.seas[k];
    if ((st = fit_trend(&f, work, err))) break;
    if (round < 2 && (st = find_periods(&f, &o, work, err))) break;
    if ((st = fit_seasonal(&f, err))) break;
    for (size_t k = 0; k < n; k++) work[k] = y[k] - f.seas[k];
    if ((st = fit_trend(&f, work, err))) break;
    if ((st = fit_seasonal(&f, err))) break;
    if (aw_progress_report(prog, (round + 1) / 4.0, "fit")) {
      st = aw_error_set(err, AW_ERR_CANCELLED, "fit cancelled");
      break;
    }
    if (round == 1) {
      /* Algorithm 1 in reverse: windowed mean of users / model above 1 + threshold */
      size_t W = o.anomaly_window, h = W / 2;
      double s = 0;
      size_t c = 0;
      for (size_t k = 0; k < n; k++) {
        double m = f.trend[k] + f.seas[k];
        work[k] = (isfinite(y[k]) && m > 0) ? y[k] / m : NAN;
      }
      /* running window sum over finite ratios */
      size_t lo = 0, hi = 0;
      uint8_t *flag = aw_calloc_array(n, 1);
      if (!flag) {
        st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        break;
      }
      for (size_t k = 0; k < n; k++) {
        size_t a = k >= h ? k - h : 0, b = k + h + 1 < n ? k + h + 1 : n;
        while (hi < b) {
          if (isfinite(work[hi])) s += work[hi], c++;
          hi++;
        }
        while (lo < a) {
          if (isfinite(work[lo])) s -= work[lo], c--;
          lo++;
        }
        if (c > 0 && s / (double)c > 1 + o.anomaly_threshold) flag[k] = 1;
      }
      /* segments: flagged runs, merged across gaps shorter than the window */
      size_t cap = 0, nseg = 0;
      aw_load_segment *seg = NULL;
      for (size_t k = 0; k < n;) {
        if (!flag[k]) {
          k++;
          continue;
        }
        size_t a = k;
        while (k < n && flag[k]) k++;
        if (nseg && a - seg[nseg - 1].end < W) {
          seg[nseg - 1].end = k;
          continue;
        }
        if (k - a < (W + 1) / 2) continue; /* too short to be told from noise */
        if (aw_grow((void **)&seg, &cap, nseg + 1, sizeof *seg)) {
          st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
          break;
        }
        seg[nseg++] = (aw_load_segment){a, k, 1};
      }
      double dmin = INFINITY, dmax = 0, mmin = INFINITY, mmax = 0;
      size_t nan_steps = 0;
      for (size_t j = 0; j < nseg && st == AW_OK; j++) {
        size_t len = seg[j].end - seg[j].start, m = 0;
        double *tmp = aw_alloc_array(len, sizeof *tmp);
        if (!tmp) {
          st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
          break;
        }
        for (size_t k = seg[j].start; k < seg[j].end; k++) {
          if (isfinite(work[k])) tmp[m++] = work[k];
          f.mask[k] = 0;
        }
        double mult = syn_median(tmp, m);
        AW_FREE(tmp);
        double d = (double)len * dt;
        if (d < dmin) dmin = d;
        if (d > dmax) dmax = d;
        if (mult < mmin) mmin = mult;
        if (mult > mmax) mmax = mult;
        nan_steps += len;
      }
      out->n_segments = nseg;
      out->n_anomalous = nan_steps;
      AW_FREE(seg);
      AW_FREE(flag);
      if (st) break;
      aw_load_params_default(&out->model);
      if (nseg > 0) {
        out->model.anomaly_prob = (double)nseg / (double)(n - nan_steps);
        out->model.anomaly_dur_min_s = dmin;
        out->model.anomaly_dur_max_s = dmax;
        out->model.anomaly_mult_min = isfinite(mmin) ? mmin : 1;
        out->model.anomaly_mult_max = isfinite(mmax) ? mmax : 1;
      } else {
        out->model.anomaly_prob = 0;
      }
    }
  }
  if (st) goto done;

  /* noise and quality over the unmasked samples */
  {
    double ssr = 0, sy = 0, syy = 0;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
      if (!f.mask[k]) continue;
      double r = y[k] - f.trend[k] - f.seas[k];
      ssr += r * r;
      sy += y[k];
      syy += y[k] * y[k];
      m++;
    }
    double var_y = m ? syy / (double)m - (sy / (double)m) * (sy / (double)m) : 0;
    out->n_used = m;
    out->noise_variance = m ? ssr / (double)m : 0;
    out->residual_std = sqrt(out->noise_variance);
    out->r2 = var_y > 0 ? 1 - out->noise_variance / var_y : 0;
  }
  {
    aw_load_params *p = &out->model;
    p->start_time = start_time;
    p->dt_s = dt;
    p->duration_s = (double)n * dt;
    p->num_intervals = f.M;
    p->n_components = f.K;
    double sumA = 0, sumA2 = 0;
    for (size_t c = 0; c < f.K; c++) {
      double A = 2 * sqrt(f.ca[c] * f.ca[c] + f.cb[c] * f.cb[c]);
      p->components[c].period_s = 2 * f.period[c];
      p->components[c].amplitude = A;
      sumA += A;
      sumA2 += A * A;
    }
    /* the white noises of Eq. 1 add up: only sum A_i^2 sigma_i is identifiable */
    double sig = sumA2 > 0 ? out->noise_variance / sumA2 : 0;
    for (size_t c = 0; c < f.K; c++) p->components[c].sigma = sig;
    p->sigma_is = AW_SIGMA_VARIANCE;
    p->noise_law = AW_NOISE_GAUSSIAN;
    double B = f.c0 - sumA / 2;
    if (!(B > 1e-9 * (fabs(f.c0) + 1))) B = fabs(f.c0) > 0 ? fabs(f.c0) : 1; /* degenerate: keep slopes finite */
    p->base_load = B;
    p->trend_scale = 1;
    p->n_slopes = f.M;
    p->slope_min = INFINITY;
    p->slope_max = -INFINITY;
    for (size_t i = 0; i < f.M; i++) {
      double s = f.g[i] / B;
      p->slopes[i] = s;
      if (s < p->slope_min) p->slope_min = s;
      if (s > p->slope_max) p->slope_max = s;
    }
    p->prob_sudden_shift = 0; /* not identifiable from blended slopes */
    p->h_steps = 1;
    p->clamp_nonnegative = 1;
  }
  aw_progress_report(prog, 1.0, "fit");
done:
  AW_FREE(f.mask);
  AW_FREE(f.edge);
  AW_FREE(f.trend);
  AW_FREE(f.seas);
  AW_FREE(work);
  return st;
}

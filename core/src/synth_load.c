/* synth_load.c - the user-load model of Allam et al.: Eq. 1 (base load with trend and sin^2
 * seasonal components with white noise), Eq. 2-3 (piecewise trend with blended slopes and sudden
 * shifts), Eq. 4-5 (spawn rate as a central difference) and Algorithm 1 (load anomalies). */
#include <math.h>
#include <string.h>

#include "aw/math.h"
#include "aw/rng.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"

void aw_load_params_default(aw_load_params *p) {
  memset(p, 0, sizeof *p);
  p->start_time = 1715616000.0; /* 2024-05-13T16:00:00Z, the first published FIS run */
  p->duration_s = 604800.0;
  p->dt_s = 1.0;
  p->base_load = 20.0;
  /* the paper's 7-day example, read as (T seconds, A users, sigma) */
  static const aw_load_component def[4] = {{600, 50, 0.1}, {320, 40, 0.05}, {30, 9, 0.01}, {60, 16, 0.05}};
  p->n_components = 4;
  memcpy(p->components, def, sizeof def);
  p->noise_law = AW_NOISE_GAUSSIAN;
  p->sigma_is = AW_SIGMA_VARIANCE;
  p->num_intervals = 30;
  p->slope_min = -0.98;
  p->slope_max = 2.5;
  p->prob_sudden_shift = 0.0001;
  p->trend_scale = 1.0;
  p->n_slopes = 0;
  p->h_steps = 1;
  p->clamp_nonnegative = 1;
  p->csv_digits = 10;
  p->anomaly_prob = 0.00025;
  p->anomaly_dur_min_s = 60;
  p->anomaly_dur_max_s = 600;
  p->anomaly_mult_min = 1;
  p->anomaly_mult_max = 2;
}

size_t aw_load_steps(const aw_load_params *p) {
  if (!(p->dt_s > 0) || !(p->duration_s > 0)) return 0;
  double n = round(p->duration_s / p->dt_s);
  if (!(n >= 1) || n > (double)AW_SYNTH_MAX_STEPS) return 0;
  return (size_t)n;
}

#define FINITE_OR(field, cond, what)                                                      \
  do {                                                                                    \
    if (!isfinite(p->field) || !(cond))                                                   \
      return aw_error_set(err, AW_ERR_RANGE, "load.%s: %s (got %g)", #field, what, p->field); \
  } while (0)

aw_status aw_load_params_validate(const aw_load_params *p, aw_error *err) {
  if (!p) return aw_error_set(err, AW_ERR_ARG, "load params are NULL");
  FINITE_OR(start_time, fabs(p->start_time) < 1e11, "must be unix seconds");
  FINITE_OR(dt_s, p->dt_s > 0 && p->dt_s <= 86400, "must be in (0, 86400]");
  FINITE_OR(duration_s, p->duration_s >= p->dt_s, "must be at least one time step");
  double steps = round(p->duration_s / p->dt_s);
  if (steps > (double)AW_SYNTH_MAX_STEPS)
    return aw_error_set(err, AW_ERR_LIMIT, "load.duration_s: %.0f steps exceed the limit of %zu", steps,
                        AW_SYNTH_MAX_STEPS);
  FINITE_OR(base_load, fabs(p->base_load) < 1e12, "must be finite");
  if (p->n_components > AW_SYNTH_MAX_COMPONENTS)
    return aw_error_set(err, AW_ERR_LIMIT, "load.components: at most %d", AW_SYNTH_MAX_COMPONENTS);
  for (size_t i = 0; i < p->n_components; i++) {
    const aw_load_component *c = &p->components[i];
    if (!isfinite(c->period_s) || !(c->period_s > 0) || c->period_s > 1e12)
      return aw_error_set(err, AW_ERR_RANGE, "load.components[%zu].period_s: must be > 0 (got %g)", i, c->period_s);
    if (!isfinite(c->amplitude) || fabs(c->amplitude) > 1e12)
      return aw_error_set(err, AW_ERR_RANGE, "load.components[%zu].amplitude: must be finite", i);
    if (!isfinite(c->sigma) || c->sigma < 0 || c->sigma > 1e12)
      return aw_error_set(err, AW_ERR_RANGE, "load.components[%zu].sigma: must be >= 0 (got %g)", i, c->sigma);
  }
  if ((unsigned)p->noise_law > AW_NOISE_NONE) return aw_error_set(err, AW_ERR_RANGE, "load.noise_law: unknown");
  if ((unsigned)p->sigma_is > AW_SIGMA_STD) return aw_error_set(err, AW_ERR_RANGE, "load.sigma_is: unknown");
  if (p->num_intervals < 1 || p->num_intervals > AW_SYNTH_MAX_INTERVALS)
    return aw_error_set(err, AW_ERR_RANGE, "load.num_intervals: must be in [1, %d] (got %zu)", AW_SYNTH_MAX_INTERVALS,
                        p->num_intervals);
  if ((double)p->num_intervals > steps)
    return aw_error_set(err, AW_ERR_RANGE, "load.num_intervals: %zu intervals for %.0f steps", p->num_intervals, steps);
  FINITE_OR(slope_min, fabs(p->slope_min) < 1e6, "must be finite");
  FINITE_OR(slope_max, fabs(p->slope_max) < 1e6 && p->slope_max >= p->slope_min, "must be >= slope_min");
  FINITE_OR(prob_sudden_shift, p->prob_sudden_shift >= 0 && p->prob_sudden_shift <= 1, "must be a probability");
  FINITE_OR(trend_scale, fabs(p->trend_scale) < 1e6, "must be finite");
  if (p->n_slopes != 0 && p->n_slopes != p->num_intervals)
    return aw_error_set(err, AW_ERR_RANGE, "load.slopes: %zu slopes for %zu intervals", p->n_slopes, p->num_intervals);
  for (size_t i = 0; i < p->n_slopes; i++)
    if (!isfinite(p->slopes[i]) || fabs(p->slopes[i]) > 1e6)
      return aw_error_set(err, AW_ERR_RANGE, "load.slopes[%zu]: must be finite", i);
  if (p->h_steps < 1 || (double)p->h_steps * 2 >= steps + 1 || p->h_steps > 1000000)
    return aw_error_set(err, AW_ERR_RANGE, "load.h_steps: must be >= 1 and below half the series (got %zu)", p->h_steps);
  if (p->csv_digits < 0 || p->csv_digits > 17)
    return aw_error_set(err, AW_ERR_RANGE, "load.csv_digits: must be in [0, 17] (got %d)", p->csv_digits);
  FINITE_OR(anomaly_prob, p->anomaly_prob >= 0 && p->anomaly_prob <= 1, "must be a probability");
  FINITE_OR(anomaly_dur_min_s, p->anomaly_dur_min_s >= 0 && p->anomaly_dur_min_s < 1e9, "must be >= 0");
  FINITE_OR(anomaly_dur_max_s, p->anomaly_dur_max_s >= p->anomaly_dur_min_s && p->anomaly_dur_max_s < 1e9,
            "must be >= anomaly_dur_min_s");
  FINITE_OR(anomaly_mult_min, fabs(p->anomaly_mult_min) < 1e6, "must be finite");
  FINITE_OR(anomaly_mult_max, fabs(p->anomaly_mult_max) < 1e6 && p->anomaly_mult_max >= p->anomaly_mult_min,
            "must be >= anomaly_mult_min");
  return AW_OK;
}

void aw_load_series_free(aw_load_series *s) {
  if (!s) return;
  AW_FREE(s->time);
  AW_FREE(s->users);
  AW_FREE(s->spawn_rate);
  AW_FREE(s->trend);
  AW_FREE(s->seasonal);
  AW_FREE(s->slope);
  AW_FREE(s->anomaly);
  AW_FREE(s->segments);
  AW_FREE(s->interval_slopes);
  AW_FREE(s);
}

/* Noise deviate with unit variance under the chosen law (Gaussian by the ziggurat). */
static double unit_noise(const syn_zig *z, aw_rng *r, aw_noise_law law) {
  if (law == AW_NOISE_UNIFORM) return (2.0 * aw_rng_uniform(r) - 1.0) * 1.7320508075688772; /* sqrt 3 */
  return syn_zig_normal(z, r);
}

/* sin^2 over one period as a table when the step grid repeats exactly (integer dt and T with T a
 * multiple of dt): table[j] equals syn_sin2(j * dt, T) bit for bit, and k * dt mod T == (k mod P) * dt
 * exactly for integers, so the table gives the same numbers as the direct formula. */
static double *sin2_table(double dt, double period, size_t *P) {
  *P = 0;
  if (dt != floor(dt) || period != floor(period) || period > 1e7) return NULL;
  double q = period / dt;
  if (q != floor(q) || q < 1 || q > (double)(1 << 22)) return NULL;
  size_t n = (size_t)q;
  double *t = aw_alloc_array(n, sizeof *t);
  if (!t) return NULL;
  for (size_t j = 0; j < n; j++) t[j] = syn_sin2((double)j * dt, period);
  *P = n;
  return t;
}

aw_status aw_load_generate(const aw_load_params *p, uint64_t seed, const aw_progress *prog,
                           aw_load_series **out, aw_error *err) {
  if (!out) return aw_error_set(err, AW_ERR_ARG, "out is NULL");
  *out = NULL;
  aw_status st = aw_load_params_validate(p, err);
  if (st) return st;
  size_t n = aw_load_steps(p);
  size_t M = p->num_intervals;
  aw_load_series *s = AW_CALLOC(1, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  s->n = n;
  s->start_time = p->start_time;
  s->dt_s = p->dt_s;
  s->time = aw_alloc_array(n, sizeof(double));
  s->users = aw_alloc_array(n, sizeof(double));
  s->spawn_rate = aw_alloc_array(n, sizeof(double));
  s->trend = aw_alloc_array(n, sizeof(double));
  s->seasonal = aw_calloc_array(n, sizeof(double));
  s->slope = aw_alloc_array(n, sizeof(double));
  s->anomaly = aw_calloc_array(n, 1);
  s->interval_slopes = aw_alloc_array(M, sizeof(double));
  s->n_intervals = M;
  if (!s->time || !s->users || !s->spawn_rate || !s->trend || !s->seasonal || !s->slope || !s->anomaly ||
      !s->interval_slopes) {
    aw_load_series_free(s);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory for %zu steps", n);
  }
  const double dt = p->dt_s, D = (double)n * dt;

  /* ---- Eq. 2: interval slopes ~ U(slope_mean_range) (or given) */
  aw_rng r;
  aw_rng_seed_stream(&r, seed, SYN_STREAM("load.trend"));
  for (size_t i = 0; i < M; i++)
    s->interval_slopes[i] = p->n_slopes ? p->slopes[i] : aw_rng_uniform_range(&r, p->slope_min, p->slope_max);

  /* ---- Eq. 3: within interval i the slope blends linearly from slope_{i-1} to slope_i over the
   * interval; a sudden shift (Bernoulli per step) makes it jump to slope_i for the rest of the
   * interval. The first interval has no predecessor and uses its own slope throughout. The trend
   * is the integral of the slope (trapezoid rule per step, exact for a linear slope), in units of
   * the whole duration: trend(t) = trend_scale / D * integral_0^t s(u) du. */
  aw_rng_seed_stream(&r, seed, SYN_STREAM("load.shift"));
  const double tscale = p->trend_scale * dt / D;
  double tr = 0, prev_s = 0;
  for (size_t i = 0; i < M; i++) {
    size_t a = (size_t)((double)i * (double)n / (double)M), b = (size_t)((double)(i + 1) * (double)n / (double)M);
    if (i + 1 == M) b = n;
    double s0 = i ? s->interval_slopes[i - 1] : s->interval_slopes[0], s1 = s->interval_slopes[i];
    double len = (double)(b - a);
    int shifted = 0;
    for (size_t k = a; k < b; k++) {
      if (!shifted && p->prob_sudden_shift > 0 && aw_rng_uniform(&r) < p->prob_sudden_shift) {
        shifted = 1;
        s->n_sudden_shifts++;
      }
      double sk = shifted ? s1 : s0 + (s1 - s0) * ((double)(k - a) / len);
      if (k > 0) tr += 0.5 * (prev_s + sk) * tscale;
      s->slope[k] = sk;
      s->trend[k] = (1.0 + tr) * p->base_load;
      prev_s = sk;
    }
  }
  if (aw_progress_report(prog, 0.2, "trend")) goto cancelled;

  /* ---- Eq. 1: seasonal components A_i (sin^2(2 pi t / T_i) + wn_i(t)), all components in one
   * pass (each has its own noise stream; the sum is taken in component order) */
  {
    const size_t C = p->n_components;
    aw_rng cr[AW_SYNTH_MAX_COMPONENTS];
    double *tab[AW_SYNTH_MAX_COMPONENTS] = {0}, A[AW_SYNTH_MAX_COMPONENTS], sd[AW_SYNTH_MAX_COMPONENTS];
    size_t P[AW_SYNTH_MAX_COMPONENTS] = {0}, j[AW_SYNTH_MAX_COMPONENTS] = {0};
    int noisy[AW_SYNTH_MAX_COMPONENTS];
    syn_zig zig;
    syn_zig_init(&zig);
    for (size_t c = 0; c < C; c++) {
      const aw_load_component *cp = &p->components[c];
      A[c] = cp->amplitude;
      sd[c] = p->sigma_is == AW_SIGMA_VARIANCE ? sqrt(cp->sigma) : cp->sigma;
      noisy[c] = p->noise_law != AW_NOISE_NONE && sd[c] > 0;
      aw_rng_seed_stream(&cr[c], seed, SYN_STREAM("load.noise") + c);
      tab[c] = sin2_table(dt, cp->period_s, &P[c]);
    }
    const size_t block = 65536;
    for (size_t k0 = 0; k0 < n; k0 += block) {
      size_t k1 = k0 + block < n ? k0 + block : n;
      for (size_t k = k0; k < k1; k++) {
        s->time[k] = p->start_time + (double)k * dt;
        double sum = 0;
        for (size_t c = 0; c < C; c++) {
          double v;
          if (tab[c]) {
            v = tab[c][j[c]];
            if (++j[c] == P[c]) j[c] = 0;
          } else {
            v = syn_sin2((double)k * dt, p->components[c].period_s);
          }
          if (noisy[c]) v += sd[c] * unit_noise(&zig, &cr[c], p->noise_law);
          sum += A[c] * v;
        }
        s->seasonal[k] = sum;
      }
      if (aw_progress_report(prog, 0.2 + 0.5 * (double)k1 / (double)n, "seasonal")) {
        for (size_t c = 0; c < C; c++) AW_FREE(tab[c]);
        goto cancelled;
      }
    }
    for (size_t c = 0; c < C; c++) AW_FREE(tab[c]);
  }

  /* ---- Algorithm 1: at each step, inside an anomaly mark it and scale by its multiplier; else
   * with probability anomaly_prob start one (this step included) with duration ~ U(a, b) seconds
   * (rounded to whole steps, at least one) and multiplier ~ U(c, d). */
  aw_rng_seed_stream(&r, seed, SYN_STREAM("load.anomaly"));
  size_t cap = 0, remaining = 0;
  double mult = 1;
  for (size_t k = 0; k < n; k++) {
    double N = s->trend[k] + s->seasonal[k];
    if (remaining == 0 && p->anomaly_prob > 0 && aw_rng_uniform(&r) < p->anomaly_prob) {
      double dur = aw_rng_uniform_range(&r, p->anomaly_dur_min_s, p->anomaly_dur_max_s);
      mult = aw_rng_uniform_range(&r, p->anomaly_mult_min, p->anomaly_mult_max);
      double steps = round(dur / dt);
      remaining = steps < 1 ? 1 : (steps > (double)n ? n : (size_t)steps);
      if (aw_grow((void **)&s->segments, &cap, s->n_segments + 1, sizeof *s->segments)) {
        aw_load_series_free(s);
        return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      }
      size_t end = k + remaining > n ? n : k + remaining;
      s->segments[s->n_segments++] = (aw_load_segment){k, end, mult};
    }
    if (remaining > 0) {
      s->anomaly[k] = 1;
      N *= mult;
      remaining--;
    }
    if (p->clamp_nonnegative && N < 0) N = 0;
    s->users[k] = N;
  }

  /* ---- Eq. 4-5: R(t) = (N(t + h) - N(t - h)) / 2h; one-sided where t +- h leaves the series */
  size_t h = p->h_steps;
  for (size_t k = 0; k < n; k++) {
    size_t lo = k >= h ? k - h : 0, hi = k + h < n ? k + h : n - 1;
    s->spawn_rate[k] = hi > lo ? (s->users[hi] - s->users[lo]) / ((double)(hi - lo) * dt) : 0.0;
  }
  if (aw_progress_report(prog, 1.0, "load")) goto cancelled;
  *out = s;
  return AW_OK;
cancelled:
  aw_load_series_free(s);
  return aw_error_set(err, AW_ERR_CANCELLED, "load generation cancelled");
}

aw_status aw_load_write_csv(const aw_load_series *s, size_t from, size_t to, int digits, aw_buf *out) {
  if (!s || !out) return AW_ERR_ARG;
  if (to > s->n) to = s->n;
  aw_status st = AW_OK;
  static const char header[] = "timestamp,users,spawn_rate,trend,seasonal,load_anomaly\n";
  if (from == 0) st = aw_buf_append(out, header, sizeof header - 1);
  char tmp[6 * AW_FMT_DOUBLE_MAX + 16];
  for (size_t k = from; k < to && st == AW_OK; k++) {
    size_t m = 0;
    m += syn_fmt_num(tmp + m, s->time[k]);
    tmp[m++] = ',';
    m += syn_fmt_num(tmp + m, syn_round_sig(s->users[k], digits));
    tmp[m++] = ',';
    m += syn_fmt_num(tmp + m, syn_round_sig(s->spawn_rate[k], digits));
    tmp[m++] = ',';
    m += syn_fmt_num(tmp + m, syn_round_sig(s->trend[k], digits));
    tmp[m++] = ',';
    m += syn_fmt_num(tmp + m, syn_round_sig(s->seasonal[k], digits));
    tmp[m++] = ',';
    tmp[m++] = s->anomaly[k] ? '1' : '0';
    tmp[m++] = '\n';
    st = aw_buf_append(out, tmp, m);
  }
  return st;
}

/* test_synth.c - the load model of Allam et al. checked against its equations: Eq. 1 (values),
 * Eq. 2-3 (trend), Eq. 4-5 (spawn rate vs the analytic derivative), Algorithm 1 (anomaly fraction
 * and segments vs their expectation, tolerances from the seed-to-seed spread), the spectrum
 * (peaks at T_i / 2), the fitter on the model's own output, and same seed -> same bytes (a pinned
 * FNV-1a hash of the default outputs; the WASM runner checks the same hash). */
#include <inttypes.h>
#include <math.h>

#include "aw/math.h"
#include "aw/rng.h"
#include "aw/spectral.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"
#include "synth_spectral_ref.h"
#include "t.h"

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) {
    h ^= c[i];
    h *= 1099511628211ULL;
  }
  return h;
}
#define FNV0 14695981039346656037ULL
/* pinned outputs of the default 7-day config, seed 42 */
#define PIN_LOAD_ARRAYS 0x7933fe6cc5da796bULL
#define PIN_LOAD_CSV 0x4a53ee986da3293eULL

static aw_load_series *gen(const aw_load_params *p, uint64_t seed) {
  aw_error e;
  aw_load_series *s = NULL;
  aw_status st = aw_load_generate(p, seed, NULL, &s, &e);
  if (st) fprintf(stderr, "generate: %s\n", e.message);
  return s;
}

/* Eq. 1 with noise off and no anomalies: users = (1 + trend) base + sum A sin^2(2 pi t / T). */
static void test_eq1_values(void) {
  aw_load_params p;
  aw_load_params_default(&p);
  p.duration_s = 7200;
  p.noise_law = AW_NOISE_NONE;
  p.anomaly_prob = 0;
  aw_load_series *s = gen(&p, 1);
  T_CHECK(s != NULL);
  if (!s) return;
  T_EQ_INT(s->n, 7200);
  double maxerr = 0;
  for (size_t k = 0; k < s->n; k += 7) {
    double t = (double)k;
    double seas = 0;
    for (size_t c = 0; c < p.n_components; c++) {
      double v = sin(2 * M_PI * t / p.components[c].period_s);
      seas += p.components[c].amplitude * v * v;
    }
    double e = fabs(s->seasonal[k] - seas);
    if (e > maxerr) maxerr = e;
    T_NEAR(s->users[k], s->trend[k] + s->seasonal[k], 1e-12);
  }
  T_CHECKF(maxerr < 1e-9, "seasonal vs libm sin^2: max error %g", maxerr);
  T_NEAR(s->trend[0], p.base_load, 1e-12); /* trend(0) = 0 */
  T_NEAR(s->time[5], p.start_time + 5, 1e-9);
  aw_load_series_free(s);
}

/* Eq. 2-3: the slope blends linearly from slope_{i-1} to slope_i within interval i, and the trend
 * is its integral; trend(end) = mean of the blended slope for a unit trend_scale. */
static void test_trend(void) {
  aw_load_params p;
  aw_load_params_default(&p);
  p.n_components = 0;
  p.anomaly_prob = 0;
  p.prob_sudden_shift = 0;
  p.duration_s = 30000;
  p.num_intervals = 3;
  p.n_slopes = 3;
  p.slopes[0] = 1.0;
  p.slopes[1] = -0.5;
  p.slopes[2] = 2.0;
  aw_load_series *s = gen(&p, 3);
  T_CHECK(s != NULL);
  if (!s) return;
  /* interval 0 constant, interval 1 from 1.0 to -0.5, interval 2 from -0.5 to 2.0 */
  T_NEAR(s->slope[5000], 1.0, 1e-12);
  T_NEAR(s->slope[10000], 1.0, 1e-12);
  T_NEAR(s->slope[15000], 0.25, 1e-12);
  T_NEAR(s->slope[25000], 0.75, 1e-12);
  /* integral over the duration (units of the duration): 1/3 * (1 + 0.25 + 0.75) = 2/3 */
  double trend_end = s->trend[s->n - 1] / p.base_load - 1.0;
  T_NEAR(trend_end, 2.0 / 3.0, 2e-4);
  aw_load_series_free(s);

  /* sudden shifts: with probability 1 per step the slope jumps at once to slope_i */
  p.prob_sudden_shift = 1;
  s = gen(&p, 3);
  if (!s) return;
  T_NEAR(s->slope[10000], -0.5, 1e-12);
  T_NEAR(s->slope[20000], 2.0, 1e-12);
  T_EQ_INT(s->n_sudden_shifts, 3);
  aw_load_series_free(s);
}

/* Eq. 4-5 against the analytic derivative: for A sin^2(w t) the central difference with step h
 * is exactly A w sin(2 w t) * sin(2 w h) / (2 w h); for the trend it is the slope itself where
 * the slope is locally linear. */
static void test_spawn_rate_derivative(void) {
  for (size_t h = 1; h <= 3; h += 2) {
    aw_load_params p;
    aw_load_params_default(&p);
    p.duration_s = 86400;
    p.noise_law = AW_NOISE_NONE;
    p.anomaly_prob = 0;
    p.prob_sudden_shift = 0;
    p.h_steps = h;
    p.num_intervals = 4;
    aw_load_series *s = gen(&p, 11);
    T_CHECK(s != NULL);
    if (!s) return;
    double D = (double)s->n, maxerr = 0, maxderiv = 0, maxtaylor = 0;
    size_t checked = 0;
    for (size_t k = h; k + h < s->n; k++) {
      /* skip the steps next to an interval boundary where the slope has a kink */
      size_t len = s->n / p.num_intervals;
      if (k % len < h + 1 || k % len > len - h - 1) continue;
      double t = (double)k, exact = 0, analytic = 0, bound = 0;
      for (size_t c = 0; c < p.n_components; c++) {
        double A = p.components[c].amplitude, w = 2 * M_PI / p.components[c].period_s;
        double d = A * w * sin(2 * w * t);
        analytic += d;
        exact += d * sin(2 * w * (double)h) / (2 * w * (double)h);
        bound += A / 2 * pow(2 * w, 3) * (double)(h * h) / 6; /* Taylor: h^2/6 max|f'''| */
      }
      double trend_d = p.base_load * p.trend_scale * s->slope[k] / D;
      exact += trend_d;
      analytic += trend_d;
      double e = fabs(s->spawn_rate[k] - exact);
      if (e > maxerr) maxerr = e;
      double ed = fabs(s->spawn_rate[k] - analytic);
      if (ed > maxderiv) maxderiv = ed;
      if (ed > bound + 1e-9) maxtaylor = ed - bound;
      checked++;
    }
    T_CHECK(checked > 80000);
    T_CHECKF(maxerr < 1e-9, "h=%zu: R(t) vs exact central difference: max error %g", h, maxerr);
    T_CHECKF(maxtaylor == 0, "h=%zu: |R - N'| exceeds the Taylor bound by %g", h, maxtaylor);
    /* and R really approximates N': at h = 1 within 3% of the largest derivative term */
    if (h == 1) T_CHECKF(maxderiv < 0.35, "h=1: max |R - N'| = %g", maxderiv);
    /* one-sided differences at the ends */
    T_NEAR(s->spawn_rate[0], (s->users[h] - s->users[0]) / (double)h, 1e-12);
    aw_load_series_free(s);
  }
}

/* Algorithm 1: anomaly fraction and segment statistics. With start probability p per free step
 * and mean duration L steps, the expected fraction is pL / (1 + pL) and the expected count is
 * n p (1 - fraction). Tolerances: 4 x the seed-to-seed standard deviation measured over 12 seeds
 * (not assumed), and the mean of the seeds within 4 standard errors of the expectation. */
static void test_algorithm1_statistics(void) {
  aw_load_params p;
  aw_load_params_default(&p);
  p.n_components = 1; /* the anomaly process does not depend on the seasonal part */
  enum { S = 12 };
  double frac[S], cnt[S], dur[S], mult[S];
  for (int i = 0; i < S; i++) {
    aw_load_series *s = gen(&p, 1000 + (uint64_t)i);
    T_CHECK(s != NULL);
    if (!s) return;
    size_t an = 0;
    for (size_t k = 0; k < s->n; k++) an += s->anomaly[k];
    double sd = 0, sm = 0;
    for (size_t j = 0; j < s->n_segments; j++) {
      sd += (double)(s->segments[j].end - s->segments[j].start);
      sm += s->segments[j].multiplier;
      T_CHECK(s->segments[j].multiplier >= 1 && s->segments[j].multiplier < 2);
      for (size_t k = s->segments[j].start; k < s->segments[j].end; k += 17) T_CHECK(s->anomaly[k] == 1);
    }
    frac[i] = (double)an / (double)s->n;
    cnt[i] = (double)s->n_segments;
    dur[i] = sd / (double)s->n_segments;
    mult[i] = sm / (double)s->n_segments;
    T_NEAR(sd, (double)an, 0.5); /* segments cover exactly the marked steps */
    aw_load_series_free(s);
  }
  double L = 0.5 * (p.anomaly_dur_min_s + p.anomaly_dur_max_s), q = p.anomaly_prob * L;
  double ef = q / (1 + q), ec = 604800.0 * p.anomaly_prob * (1 - ef);
  struct {
    const char *name;
    double *v, expect;
  } m[4] = {{"fraction", frac, ef}, {"segments", cnt, ec}, {"duration", dur, L}, {"multiplier", mult, 1.5}};
  for (int j = 0; j < 4; j++) {
    double mean = 0, var = 0;
    for (int i = 0; i < S; i++) mean += m[j].v[i];
    mean /= S;
    for (int i = 0; i < S; i++) var += (m[j].v[i] - mean) * (m[j].v[i] - mean);
    double sd = sqrt(var / (S - 1));
    T_CHECKF(fabs(mean - m[j].expect) <= 4 * sd / sqrt(S), "%s: mean over seeds %g vs expected %g (sd %g)",
             m[j].name, mean, m[j].expect, sd);
    for (int i = 0; i < S; i++)
      T_CHECKF(fabs(m[j].v[i] - m[j].expect) <= 4 * sd, "%s: seed %d gives %g, expected %g +- 4 x %g", m[j].name,
               i, m[j].v[i], m[j].expect, sd);
  }
}

/* The paper's 7-day defaults: the spectrum peaks at T_i / 2 (sin^2 halves the period). */
static void test_periods_of_default(void) {
  aw_load_params p;
  aw_load_params_default(&p);
  aw_load_series *s = gen(&p, 42);
  T_CHECK(s != NULL);
  if (!s) return;
  aw_period per[8];
  size_t np = 0;
  aw_error e;
  T_EQ_INT(aw_dominant_periods(s->users, s->n, 1.0, NULL, per, 8, &np, &e), AW_OK);
  T_CHECKF(np >= 4, "found %zu periods", np);
  double want[4] = {300, 160, 15, 30};
  for (int j = 0; j < 4; j++) {
    int hit = 0;
    for (size_t i = 0; i < np && i < 4; i++)
      if (per[i].period == want[j]) hit = 1;
    T_CHECKF(hit, "period %g s among the 4 strongest", want[j]);
  }
  /* the periodogram's bins sum to the mean square (Parseval) and the peak sits on the bin */
  aw_periodogram *pg = NULL;
  T_EQ_INT(aw_periodogram_compute(s->users, s->n, 1.0, AW_DETREND_MEAN, &pg, &e), AW_OK);
  if (pg) {
    double sum = 0;
    for (size_t k = 0; k < pg->nfreq; k++) sum += pg->power[k];
    T_NEAR(sum / pg->mean_square, 1.0, 1e-9);
    size_t k300 = (size_t)(604800 / 300);
    T_NEAR(pg->freq[k300], 1.0 / 300, 1e-15);
    /* A = 50 -> cosine of amplitude 25 at 1/300 Hz -> power 25^2 / 2 */
    T_NEAR(pg->power[k300], 312.5, 312.5 * 0.1);
    aw_periodogram_free(pg);
  }
  aw_load_series_free(s);
}

/* Autocorrelation of a pure sine with period 50 peaks again at lag 50 (scaled by (n - k) / n). */
static void test_autocorrelation(void) {
  size_t n = 1000;
  double x[1000], r[201];
  for (size_t i = 0; i < n; i++) x[i] = sin(2 * M_PI * (double)i / 50.0);
  aw_error e;
  T_EQ_INT(aw_autocorrelation(x, n, 200, r, &e), AW_OK);
  T_NEAR(r[0], 1, 1e-12);
  T_NEAR(r[50], (1000.0 - 50) / 1000, 2e-3);
  T_NEAR(r[25], -(1000.0 - 25) / 1000, 2e-3);
  /* direct sum for a random series */
  aw_rng g;
  aw_rng_seed(&g, 5);
  double m = 0;
  for (size_t i = 0; i < n; i++) m += (x[i] = aw_rng_normal(&g));
  m /= (double)n;
  T_EQ_INT(aw_autocorrelation(x, n, 200, r, &e), AW_OK);
  double c0 = 0, c7 = 0;
  for (size_t i = 0; i < n; i++) c0 += (x[i] - m) * (x[i] - m);
  for (size_t i = 0; i + 7 < n; i++) c7 += (x[i] - m) * (x[i + 7] - m);
  T_NEAR(r[7], c7 / c0, 1e-10);
  T_EQ_INT(aw_autocorrelation(x, n, n, r, &e), AW_ERR_ARG);
}

/* Against scipy.signal.periodogram (boxcar, linear detrend, 'spectrum' scaling) and
 * numpy.correlate, generated by tests/c/gen_synth_spectral_ref.py: a length whose half has only
 * small prime factors (used as is) and one that KissFFT gets zero-padded (our bins keep
 * Parseval, so they are scipy's times n / nfft). */
static double synth_ref_series(size_t i) {
  double x = (double)i;
  return 3 * sin(2 * M_PI * x / 37.3) + 0.5 * sin(2 * M_PI * x / 11.0) + (double)((i * 7919) % 101) / 100.0 + 0.01 * x;
}

static void test_spectral_vs_scipy(void) {
  struct {
    size_t n;
    const double *pg, *acf;
    size_t nfft;
  } c[2] = {{1000, ref_pg_1000, ref_acf_1000, 0}, {1006, ref_pg_1006, ref_acf_1006, 0}};
  c[0].nfft = ref_pg_1000_nfft;
  c[1].nfft = ref_pg_1006_nfft;
  for (int k = 0; k < 2; k++) {
    double x[1006], r[101];
    for (size_t i = 0; i < c[k].n; i++) x[i] = synth_ref_series(i);
    aw_periodogram *pg = NULL;
    aw_error e;
    T_EQ_INT(aw_periodogram_compute(x, c[k].n, 1.0, AW_DETREND_LINEAR, &pg, &e), AW_OK);
    if (!pg) continue;
    T_EQ_INT(pg->nfft, c[k].nfft);
    T_EQ_INT(pg->nfreq, c[k].nfft / 2 + 1);
    double scale = (double)pg->n_used / (double)pg->nfft, maxrel = 0, peak = 0;
    for (size_t j = 0; j < pg->nfreq; j++) peak = fmax(peak, c[k].pg[j]);
    for (size_t j = 0; j < pg->nfreq; j++) {
      double d = fabs(pg->power[j] - c[k].pg[j] * scale) / peak;
      if (d > maxrel) maxrel = d;
    }
    T_CHECKF(maxrel < 1e-10, "n=%zu: periodogram differs from scipy by %g of the peak", c[k].n, maxrel);
    aw_periodogram_free(pg);
    T_EQ_INT(aw_autocorrelation(x, c[k].n, 100, r, &e), AW_OK);
    double maxa = 0;
    for (size_t j = 0; j <= 100; j++) maxa = fmax(maxa, fabs(r[j] - c[k].acf[j]));
    T_CHECKF(maxa < 1e-10, "n=%zu: autocorrelation differs from numpy by %g", c[k].n, maxa);
  }
}

/* The ziggurat's deviates follow N(0, 1): moments, tail shares and a Kolmogorov-Smirnov distance
 * to the normal CDF (aw_normal_q) below the 1% critical value. */
static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_ziggurat(void) {
  enum { N = 400000 };
  double *z = malloc(N * sizeof *z);
  syn_zig zig;
  syn_zig_init(&zig);
  aw_rng g;
  aw_rng_seed(&g, 123);
  double m = 0, v = 0, k4 = 0;
  size_t t2 = 0, t3 = 0;
  for (size_t i = 0; i < N; i++) {
    z[i] = syn_zig_normal(&zig, &g);
    m += z[i];
    t2 += fabs(z[i]) > 2;
    t3 += fabs(z[i]) > 3;
  }
  m /= N;
  for (size_t i = 0; i < N; i++) v += (z[i] - m) * (z[i] - m), k4 += pow(z[i] - m, 4);
  v /= N;
  k4 = k4 / N / (v * v);
  T_NEAR(m, 0, 4 / sqrt((double)N));
  T_NEAR(v, 1, 4 * sqrt(2.0 / N));
  T_NEAR(k4, 3, 4 * sqrt(24.0 / N));
  double p2 = 2 * aw_normal_q(2), p3 = 2 * aw_normal_q(3);
  T_NEAR((double)t2 / N, p2, 4 * sqrt(p2 * (1 - p2) / N));
  T_NEAR((double)t3 / N, p3, 4 * sqrt(p3 * (1 - p3) / N));
  qsort(z, N, sizeof *z, cmp_dbl);
  double d = 0;
  for (size_t i = 0; i < N; i += 7) {
    double F = 1 - aw_normal_q(z[i]);
    d = fmax(d, fmax(fabs(F - (double)i / N), fabs(F - (double)(i + 1) / N)));
  }
  T_CHECKF(d < 1.63 / sqrt((double)N), "KS distance %g", d);
  free(z);
}

/* syn_fmt_num writes exactly what aw_fmt_double writes. */
static void test_fmt_num(void) {
  aw_rng g;
  aw_rng_seed(&g, 9);
  char a[AW_FMT_DOUBLE_MAX], b[AW_FMT_DOUBLE_MAX];
  int bad = 0;
  for (int i = 0; i < 200000 && bad < 5; i++) {
    double x;
    switch (i % 5) {
      case 0: x = aw_rng_normal(&g) * 1000; break;
      case 1: x = syn_round_sig(aw_rng_normal(&g) * aw_exp(aw_rng_normal(&g) * 8), 1 + (int)(i % 15)); break;
      case 2: x = round(aw_rng_normal(&g) * 1e6); break;
      case 3: x = (double)(int)(aw_rng_normal(&g) * 100000) / 1000.0; break;
      default: x = syn_round_sig(aw_rng_uniform(&g) * 1e-6, 6); break;
    }
    aw_fmt_double(a, x);
    syn_fmt_num(b, x);
    if (strcmp(a, b) != 0) {
      bad++;
      T_CHECKF(0, "%.17g: aw_fmt_double '%s' vs syn_fmt_num '%s'", x, a, b);
    }
  }
  T_NEAR(syn_round_sig(123.456789, 4), 123.5, 0);
  T_NEAR(syn_round_sig(-0.000123456, 3), -0.000123, 0);
  syn_fmt_num(b, syn_round_sig(0.0000123456, 3));
  T_STREQ(b, "1.23e-05");
}

/* The fitter on the model's own output (the paper's 7-day default): the periods come back exactly
 * (T_i = 2 x the spectral period), the amplitudes within 10%, the base load within 10%, the trend
 * curve within a user on average, the anomaly segments roughly in number; and the fitted model,
 * written as JSON and read back as a config, synthesizes a look-alike with the same periods. */
static void test_fit_own_output(void) {
  aw_load_params p;
  aw_load_params_default(&p);
  aw_load_series *s = gen(&p, 42);
  if (!s) return;
  aw_fit_result r;
  aw_error e;
  T_EQ_INT(aw_load_fit(s->users, s->n, 1.0, p.start_time, NULL, NULL, &r, &e), AW_OK);
  T_EQ_INT(r.model.n_components, 4);
  for (size_t c = 0; c < p.n_components; c++) {
    int hit = 0;
    for (size_t j = 0; j < r.model.n_components; j++) {
      if (r.model.components[j].period_s != p.components[c].period_s) continue;
      hit = 1;
      double A = r.model.components[j].amplitude, want = p.components[c].amplitude;
      T_CHECKF(fabs(A - want) <= 0.1 * want, "T=%g: amplitude %g vs %g", want, A, want);
    }
    T_CHECKF(hit, "period %g s recovered exactly", p.components[c].period_s);
  }
  T_CHECKF(fabs(r.model.base_load - p.base_load) <= 0.1 * p.base_load, "base load %g", r.model.base_load);
  /* total noise variance: sum A_i^2 sigma_i, anomalies masked */
  double want_var = 0;
  for (size_t c = 0; c < p.n_components; c++)
    want_var += p.components[c].amplitude * p.components[c].amplitude * p.components[c].sigma;
  T_CHECKF(fabs(r.noise_variance / want_var - 1) < 0.1, "noise variance %g vs %g", r.noise_variance, want_var);
  T_CHECKF(fabs((double)r.n_segments / (double)s->n_segments - 1) < 0.35, "segments %zu vs %zu", r.n_segments,
           s->n_segments);
  /* the fitted trend curve, synthesized without noise, against the true one */
  aw_load_params q = r.model;
  q.n_components = 0;
  q.anomaly_prob = 0;
  aw_load_series *t = gen(&q, 1);
  if (t) {
    double half = 0, sum = 0;
    for (size_t c = 0; c < r.model.n_components; c++) half += r.model.components[c].amplitude / 2;
    for (size_t c = 0; c < p.n_components; c++) half -= p.components[c].amplitude / 2;
    for (size_t k = 0; k < s->n; k++) sum += fabs(t->trend[k] + half - s->trend[k]);
    T_CHECKF(sum / (double)s->n < 1.0, "trend curve off by %g users on average", sum / (double)s->n);
    aw_load_series_free(t);
  }
  /* JSON -> config -> look-alike with the same periods */
  aw_buf js = {0};
  T_EQ_INT(aw_fit_result_to_json(&r, &js), AW_OK);
  aw_synth_config cfg;
  T_EQ_INT(aw_synth_config_from_json(js.data, js.len, &cfg, &e), AW_OK);
  T_EQ_INT(cfg.load.n_slopes, 30);
  aw_load_series *look = gen(&cfg.load, 5);
  if (look) {
    aw_period per[8];
    size_t np = 0;
    T_EQ_INT(aw_dominant_periods(look->users, look->n, 1.0, NULL, per, 8, &np, &e), AW_OK);
    for (size_t c = 0; c < p.n_components; c++) {
      int hit = 0;
      for (size_t i = 0; i < np; i++) hit |= per[i].period == p.components[c].period_s / 2;
      T_CHECKF(hit, "look-alike keeps period %g", p.components[c].period_s / 2);
    }
    aw_load_series_free(look);
  }
  aw_buf_free(&js);
  aw_load_series_free(s);
}

/* A series the model did not make: a daily cycle with a weekly ramp at 5-minute steps (NAB-like),
 * with gaps. The fitter finds the period, and refuses nonsense. */
static void test_fit_other_series(void) {
  size_t n = 12 * 24 * 14;
  double *y = malloc(n * sizeof *y);
  aw_rng g;
  aw_rng_seed(&g, 3);
  for (size_t k = 0; k < n; k++) {
    double t = (double)k * 300;
    y[k] = 100 + 0.0001 * t + 30 * sin(2 * M_PI * t / 86400.0 + 1.0) + 3 * aw_rng_normal(&g);
    if (k % 97 == 0) y[k] = NAN;
  }
  aw_fit_opts o;
  aw_fit_opts_default(&o);
  o.num_intervals = 4;
  aw_fit_result r;
  aw_error e;
  T_EQ_INT(aw_load_fit(y, n, 300, 0, &o, NULL, &r, &e), AW_OK);
  T_CHECK(r.model.n_components >= 1);
  if (r.model.n_components >= 1) {
    /* a plain sine of period P is sin^2 of period 2P: T = 2 days, amplitude 2 x 30 */
    T_NEAR(r.model.components[0].period_s, 2 * 86400, 1e-6);
    T_NEAR(r.model.components[0].amplitude, 60, 3);
  }
  T_CHECK(r.r2 > 0.9);
  T_EQ_INT(aw_load_fit(y, 10, 300, 0, &o, NULL, &r, &e), AW_ERR_ARG);
  for (size_t k = 0; k < n; k++) y[k] = NAN;
  T_EQ_INT(aw_load_fit(y, n, 300, 0, &o, NULL, &r, &e), AW_ERR_NUMERIC);
  free(y);
}

/* Same seed -> same bytes. The hashes are pinned: the WASM runner must reproduce them, which
 * proves native and WASM identity (aw_math's portable functions, no FMA). */
static uint64_t hash_series(const aw_load_series *s) {
  uint64_t h = FNV0;
  h = fnv1a(h, s->users, s->n * sizeof(double));
  h = fnv1a(h, s->spawn_rate, s->n * sizeof(double));
  h = fnv1a(h, s->trend, s->n * sizeof(double));
  h = fnv1a(h, s->seasonal, s->n * sizeof(double));
  h = fnv1a(h, s->anomaly, s->n);
  return h;
}

static void test_same_seed_same_bytes(void) {
  aw_load_params p;
  aw_load_params_default(&p);
  aw_load_series *a = gen(&p, 42), *b = gen(&p, 42), *c = gen(&p, 43);
  T_CHECK(a && b && c);
  if (!a || !b || !c) return;
  uint64_t ha = hash_series(a), hb = hash_series(b), hc = hash_series(c);
  T_CHECK(ha == hb);
  T_CHECK(ha != hc);
  /* load.csv of the first day, written in chunks */
  aw_buf out = {0};
  for (size_t k = 0; k < 86400; k += 10000) T_EQ_INT(aw_load_write_csv(a, k, k + 10000 > 86400 ? 86400 : k + 10000, 0, &out), AW_OK);
  uint64_t hcsv = fnv1a(FNV0, out.data, out.len);
  printf("load arrays fnv1a %016" PRIx64 ", load.csv day 1 fnv1a %016" PRIx64 " (%zu bytes)\n", ha, hcsv, out.len);
  T_CHECKF(ha == PIN_LOAD_ARRAYS, "load arrays hash %016" PRIx64 " != pinned %016" PRIx64, ha, (uint64_t)PIN_LOAD_ARRAYS);
  T_CHECKF(hcsv == PIN_LOAD_CSV, "load.csv hash %016" PRIx64 " != pinned %016" PRIx64, hcsv, (uint64_t)PIN_LOAD_CSV);
  aw_buf_free(&out);
  aw_load_series_free(a);
  aw_load_series_free(b);
  aw_load_series_free(c);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_eq1_values);
  T_RUN(test_trend);
  T_RUN(test_spawn_rate_derivative);
  T_RUN(test_algorithm1_statistics);
  T_RUN(test_periods_of_default);
  T_RUN(test_autocorrelation);
  T_RUN(test_spectral_vs_scipy);
  T_RUN(test_ziggurat);
  T_RUN(test_fmt_num);
  T_RUN(test_fit_own_output);
  T_RUN(test_fit_other_series);
  T_RUN(test_same_seed_same_bytes);
  return t_done();
}

/* spectral.c - periodogram, FFT autocorrelation and dominant periods on KissFFT's real transform. */
#include "aw/spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aw/math.h"
#include "internal/synth_internal.h"
#include "kiss_fftr.h"

#define MAX_FFT_LEN ((size_t)0x3fffffff)

static size_t largest_prime_factor(size_t m) {
  size_t lp = 1;
  for (size_t p = 2; p * p <= m; p++)
    while (m % p == 0) {
      lp = p;
      m /= p;
    }
  return m > 1 ? (m > lp ? m : lp) : lp;
}

/* Copies x, fills NaN gaps by linear interpolation (ends by the nearest finite value), detrends.
 * Returns the buffer (caller frees) or NULL with err set. */
static double *prepare(const double *x, size_t n, aw_detrend detrend, size_t *filled, aw_error *err) {
  if (!x || n < 8) {
    aw_error_set(err, AW_ERR_ARG, "series needs at least 8 values (got %zu)", n);
    return NULL;
  }
  if (n > MAX_FFT_LEN / 2) {
    aw_error_set(err, AW_ERR_LIMIT, "series of %zu values is too long for the FFT", n);
    return NULL;
  }
  double *y = aw_alloc_array(n, sizeof *y);
  if (!y) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  size_t nf = 0, finite = 0;
  long last = -1;
  for (size_t i = 0; i < n; i++) {
    if (isfinite(x[i])) {
      y[i] = x[i];
      if (last >= 0 && (size_t)last + 1 < i) {
        double a = x[last], b = x[i], span = (double)(i - (size_t)last);
        for (size_t j = (size_t)last + 1; j < i; j++) y[j] = a + (b - a) * ((double)(j - (size_t)last) / span);
      } else if (last < 0) {
        for (size_t j = 0; j < i; j++) y[j] = x[i];
      }
      last = (long)i;
      finite++;
    } else {
      nf++;
    }
  }
  if (finite < 8) {
    AW_FREE(y);
    aw_error_set(err, AW_ERR_NUMERIC, "series has only %zu finite values (need 8)", finite);
    return NULL;
  }
  for (size_t j = (size_t)last + 1; j < n; j++) y[j] = x[last];
  if (filled) *filled = nf;
  if (detrend == AW_DETREND_MEAN || detrend == AW_DETREND_LINEAR) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m += y[i];
    m /= (double)n;
    double slope = 0, jm = 0.5 * (double)(n - 1);
    if (detrend == AW_DETREND_LINEAR) {
      double sxy = 0, sxx = 0;
      for (size_t i = 0; i < n; i++) {
        double d = (double)i - jm;
        sxy += d * (y[i] - m);
        sxx += d * d;
      }
      slope = sxx > 0 ? sxy / sxx : 0;
    }
    for (size_t i = 0; i < n; i++) y[i] -= m + slope * ((double)i - jm);
  }
  return y;
}

/* Length used and transform length (see spectral.h). */
static void choose_len(size_t n, size_t *n_used, size_t *nfft) {
  size_t m = n & ~(size_t)1;
  if (largest_prime_factor(m / 2) <= 97) {
    *n_used = m;
    *nfft = m;
  } else {
    *n_used = n;
    *nfft = (size_t)kiss_fftr_next_fast_size_real((int)n);
  }
}

/* Real FFT of y[0..n_used) zero-padded to nfft; returns nfft/2+1 bins (caller frees). */
static kiss_fft_cpx *rfft(const double *y, size_t n_used, size_t nfft, aw_error *err) {
  kiss_fftr_cfg cfg = kiss_fftr_alloc((int)nfft, 0, NULL, NULL);
  double *in = aw_calloc_array(nfft, sizeof *in);
  kiss_fft_cpx *X = aw_alloc_array(nfft / 2 + 1, sizeof *X);
  if (!cfg || !in || !X) {
    kiss_fftr_free(cfg);
    AW_FREE(in);
    AW_FREE(X);
    aw_error_set(err, AW_ERR_NOMEM, "out of memory for an FFT of %zu", nfft);
    return NULL;
  }
  memcpy(in, y, n_used * sizeof *in);
  kiss_fftr(cfg, in, X);
  kiss_fftr_free(cfg);
  AW_FREE(in);
  return X;
}

void aw_periodogram_free(aw_periodogram *p) {
  if (!p) return;
  AW_FREE(p->freq);
  AW_FREE(p->power);
  AW_FREE(p);
}

aw_status aw_periodogram_compute(const double *x, size_t n, double dt, aw_detrend detrend,
                                 aw_periodogram **out, aw_error *err) {
  if (!out) return aw_error_set(err, AW_ERR_ARG, "out is NULL");
  *out = NULL;
  if (!(dt > 0) || !isfinite(dt)) return aw_error_set(err, AW_ERR_ARG, "dt must be > 0");
  size_t filled = 0;
  double *y = prepare(x, n, detrend, &filled, err);
  if (!y) return err ? err->code : AW_ERR_ARG;
  size_t n_used, nfft;
  choose_len(n, &n_used, &nfft);
  kiss_fft_cpx *X = rfft(y, n_used, nfft, err);
  double ms = 0;
  for (size_t i = 0; i < n_used; i++) ms += y[i] * y[i];
  ms /= (double)n_used;
  AW_FREE(y);
  if (!X) return err ? err->code : AW_ERR_NOMEM;
  aw_periodogram *p = AW_CALLOC(1, sizeof *p);
  size_t nb = nfft / 2 + 1;
  if (p) {
    p->freq = aw_alloc_array(nb, sizeof(double));
    p->power = aw_alloc_array(nb, sizeof(double));
  }
  if (!p || !p->freq || !p->power) {
    aw_periodogram_free(p);
    AW_FREE(X);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  p->nfreq = nb;
  p->n_used = n_used;
  p->nfft = nfft;
  p->n_filled = filled;
  p->dt = dt;
  p->mean_square = ms;
  double norm = 1.0 / ((double)nfft * (double)n_used);
  for (size_t k = 0; k < nb; k++) {
    double m2 = X[k].r * X[k].r + X[k].i * X[k].i;
    p->freq[k] = (double)k / ((double)nfft * dt);
    p->power[k] = (k == 0 || 2 * k == nfft ? 1.0 : 2.0) * m2 * norm;
  }
  AW_FREE(X);
  *out = p;
  return AW_OK;
}

aw_status aw_autocorrelation(const double *x, size_t n, size_t max_lag, double *r, aw_error *err) {
  if (!r) return aw_error_set(err, AW_ERR_ARG, "r is NULL");
  if (max_lag >= n) return aw_error_set(err, AW_ERR_ARG, "max_lag %zu must be below the length %zu", max_lag, n);
  double *y = prepare(x, n, AW_DETREND_MEAN, NULL, err);
  if (!y) return err ? err->code : AW_ERR_ARG;
  size_t nfft = (size_t)kiss_fftr_next_fast_size_real((int)(2 * n));
  kiss_fft_cpx *X = rfft(y, n, nfft, err);
  AW_FREE(y);
  if (!X) return err ? err->code : AW_ERR_NOMEM;
  size_t nb = nfft / 2 + 1;
  for (size_t k = 0; k < nb; k++) {
    X[k].r = X[k].r * X[k].r + X[k].i * X[k].i;
    X[k].i = 0;
  }
  kiss_fftr_cfg cfg = kiss_fftr_alloc((int)nfft, 1, NULL, NULL);
  double *c = aw_alloc_array(nfft, sizeof *c);
  if (!cfg || !c) {
    kiss_fftr_free(cfg);
    AW_FREE(c);
    AW_FREE(X);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  kiss_fftri(cfg, X, c);
  kiss_fftr_free(cfg);
  AW_FREE(X);
  if (!(c[0] > 1e-300 * (double)nfft)) {
    r[0] = 1;
    for (size_t k = 1; k <= max_lag; k++) r[k] = 0;
  } else {
    for (size_t k = 0; k <= max_lag; k++) r[k] = c[k] / c[0];
  }
  AW_FREE(c);
  return AW_OK;
}

void aw_period_opts_default(aw_period_opts *o) {
  memset(o, 0, sizeof *o);
  o->detrend = AW_DETREND_LINEAR;
  o->min_strength = 0.002;
  o->min_snr = 20;
  o->snap = 1;
}

/* Hann window's normalised magnitude response at an offset of d natural bins. */
static double hann_response(double d) {
  double ad = fabs(d);
  if (ad < 1e-9) return 1.0;
  if (fabs(ad - 1.0) < 1e-9) return 0.5;
  double pd = AW_PI * d;
  return (aw_sin(pd) / pd) / (1.0 - d * d);
}

static int cmp_period_strength(const void *a, const void *b) {
  const aw_period *x = a, *y = b;
  if (x->strength != y->strength) return x->strength < y->strength ? 1 : -1;
  return (x->period > y->period) - (x->period < y->period);
}

aw_status aw_dominant_periods(const double *x, size_t n, double dt, const aw_period_opts *opts, aw_period *out,
                              size_t max, size_t *found, aw_error *err) {
  if (!found || (!out && max)) return aw_error_set(err, AW_ERR_ARG, "out/found are NULL");
  *found = 0;
  if (!(dt > 0) || !isfinite(dt)) return aw_error_set(err, AW_ERR_ARG, "dt must be > 0");
  aw_period_opts o;
  if (opts) o = *opts;
  else aw_period_opts_default(&o);
  double *y = prepare(x, n, o.detrend, NULL, err);
  if (!y) return err ? err->code : AW_ERR_ARG;
  size_t n_used, nfft;
  choose_len(n, &n_used, &nfft);
  double var = 0;
  for (size_t i = 0; i < n_used; i++) var += y[i] * y[i];
  var /= (double)n_used;
  /* periodic Hann window over the samples used */
  for (size_t i = 0; i < n_used; i++) y[i] *= 0.5 - 0.5 * aw_cos(AW_TWO_PI * (double)i / (double)n_used);
  kiss_fft_cpx *X = rfft(y, n_used, nfft, err);
  AW_FREE(y);
  if (!X) return err ? err->code : AW_ERR_NOMEM;
  size_t nb = nfft / 2 + 1;
  double *mag = aw_alloc_array(nb, sizeof *mag);
  if (!mag) {
    AW_FREE(X);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  for (size_t k = 0; k < nb; k++) mag[k] = sqrt(X[k].r * X[k].r + X[k].i * X[k].i);
  AW_FREE(X);

  double span = (double)nfft * dt; /* frequency of bin k is k / span */
  double minp = o.min_period > 0 ? o.min_period : 2 * dt;
  double maxp = o.max_period > 0 ? o.max_period : (double)n * dt / 3;
  double padf = (double)n_used / (double)nfft; /* natural bins per transform bin */
  size_t kmin = (size_t)ceil(span / maxp), kmax = (size_t)floor(span / minp);
  if (kmin < 2) kmin = 2;
  if (kmax > nb - 2) kmax = nb - 2;

  size_t cap = 0, nc = 0;
  aw_period *cand = NULL;
  double *win = NULL;
  aw_status st = AW_OK;
  for (size_t k = kmin; k <= kmax && var > 0; k++) {
    if (!(mag[k] > mag[k - 1] && mag[k] >= mag[k + 1])) continue;
    double d;
    if (padf > 0.999) {
      /* Grandke: for the Hann window the neighbour ratio alpha gives the offset exactly */
      if (mag[k + 1] >= mag[k - 1]) {
        double a = mag[k + 1] / mag[k];
        d = (2 * a - 1) / (a + 1);
      } else {
        double a = mag[k - 1] / mag[k];
        d = -(2 * a - 1) / (a + 1);
      }
    } else {
      /* padded transform: Gaussian (log-parabolic) interpolation */
      double l0 = aw_log(mag[k - 1] + 1e-300), l1 = aw_log(mag[k] + 1e-300), l2 = aw_log(mag[k + 1] + 1e-300);
      double den = l0 - 2 * l1 + l2;
      d = den < 0 ? 0.5 * (l0 - l2) / den : 0;
    }
    if (d > 0.5) d = 0.5;
    if (d < -0.5) d = -0.5;
    double amp = 4.0 * mag[k] / ((double)n_used * hann_response(d * padf));
    double strength = 0.5 * amp * amp / var;
    if (strength < o.min_strength) continue;
    double bin = (double)k + d;
    double period = span / bin;
    if (period < minp || period > maxp) continue;
    if (aw_grow((void **)&cand, &cap, nc + 1, sizeof *cand)) {
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      break;
    }
    cand[nc++] = (aw_period){period, 1.0 / period, amp, strength, 0, bin};
  }
  /* local noise floor: median Hann power within +-64 bins, excluding the peak's main lobe */
  if (st == AW_OK && nc) {
    win = aw_alloc_array(129, sizeof *win);
    if (!win) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  size_t kept = 0;
  for (size_t c = 0; st == AW_OK && c < nc; c++) {
    size_t k = (size_t)floor(cand[c].bin + 0.5);
    size_t lo = k > 64 ? k - 64 : 1, hi = k + 64 < nb ? k + 64 : nb - 1, m = 0;
    for (size_t j = lo; j <= hi; j++)
      if (j + 3 < k || j > k + 3) win[m++] = mag[j] * mag[j];
    double med = syn_median(win, m);
    double pk = mag[k] * mag[k];
    double snr = med > 0 ? pk / med : 1e12;
    if (snr > 1e12) snr = 1e12;
    if (snr < o.min_snr) continue;
    cand[c].snr = snr;
    cand[kept++] = cand[c];
  }
  nc = kept;
  if (st == AW_OK) {
    if (nc > 1) qsort(cand, nc, sizeof *cand, cmp_period_strength);
    /* drop peaks inside a stronger peak's main lobe (+-2 natural bins) */
    size_t m = 0;
    for (size_t c = 0; c < nc; c++) {
      int dup = 0;
      for (size_t j = 0; j < m && !dup; j++)
        if (fabs(cand[j].bin - cand[c].bin) * padf < 2.0) dup = 1;
      if (!dup) cand[m++] = cand[c];
    }
    nc = m;
    for (size_t c = 0; c < nc && c < max; c++) {
      aw_period p = cand[c];
      if (o.snap) {
        /* tolerance: 5% of a natural bin, expressed as a period difference */
        double tol = 0.05 * p.period * p.period / ((double)n_used * dt);
        double q = round(p.period / dt) * dt;
        if (q > 0 && fabs(p.period - q) <= tol) {
          p.period = q;
          p.frequency = 1.0 / q;
        }
      }
      out[c] = p;
      (*found)++;
    }
  }
  AW_FREE(win);
  AW_FREE(cand);
  AW_FREE(mag);
  return st;
}

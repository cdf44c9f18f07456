/* aw/spectral.h - periodogram, FFT autocorrelation and dominant periods of any series (KissFFT).
 *
 *   aw_periodogram *pg = NULL;
 *   aw_periodogram_compute(x, n, 1.0, AW_DETREND_LINEAR, &pg, &err);   // pg->freq[k], pg->power[k]
 *   aw_period p[8]; size_t np = 0;
 *   aw_dominant_periods(x, n, 1.0, NULL, p, 8, &np, &err);              // strongest first
 *   aw_periodogram_free(pg);
 *
 * Conventions. The one-sided periodogram is normalised so that its bins add up to the mean square
 * of the (detrended) series (Parseval): power[k] = 2 |X_k|^2 / n^2 for 0 < k < n/2, |X_k|^2 / n^2
 * at k = 0 and at n/2. A sinusoid of amplitude a whose frequency falls on a bin therefore shows as
 * a single bin of power a^2 / 2, its variance. Frequencies are in cycles per time unit of dt.
 *
 * Length. KissFFT's real transform needs an even length and is fast for lengths whose prime
 * factors are small. The series is used at its own length (an odd last sample dropped) when the
 * largest prime factor of that length is at most 97, so periods that divide the length fall
 * exactly on bins; otherwise it is zero-padded to the next fast size (recorded in nfft).
 * Missing values (NaN) are replaced by linear interpolation between their neighbours (the count is
 * reported); a series with fewer than 8 finite values is refused.
 */
#ifndef AW_SPECTRAL_H
#define AW_SPECTRAL_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum aw_detrend {
  AW_DETREND_NONE = 0,   /* use the values as they are */
  AW_DETREND_MEAN = 1,   /* subtract the mean */
  AW_DETREND_LINEAR = 2  /* subtract the least-squares line (default in aw_period_opts) */
} aw_detrend;

typedef struct aw_periodogram {
  size_t nfreq;      /* number of bins: nfft / 2 + 1 */
  double *freq;      /* nfreq frequencies, k / (nfft * dt) */
  double *power;     /* nfreq powers (see the normalisation above) */
  size_t n_used;     /* samples used (n, or n - 1 when n is odd and not padded) */
  size_t nfft;       /* transform length (n_used, or the padded length) */
  size_t n_filled;   /* NaNs replaced by interpolation */
  double dt;
  double mean_square;/* mean square of the detrended series (= sum of power when not padded) */
} aw_periodogram;

/* Computes the periodogram of x[0..n) sampled every dt (> 0). *out is owned by the caller
 * (aw_periodogram_free). n is bounded by INT32_MAX / 2 (KissFFT takes an int). */
aw_status aw_periodogram_compute(const double *x, size_t n, double dt, aw_detrend detrend,
                                 aw_periodogram **out, aw_error *err);
void aw_periodogram_free(aw_periodogram *p);

/* Sample autocorrelation r[0..max_lag] (biased estimator, r[0] = 1) of x after removing its mean,
 * computed with one forward and one inverse real FFT of length >= 2n (no circular wrap).
 * r must hold max_lag + 1 values; max_lag must be < n. A constant series gives r = 1, 0, 0, ... */
aw_status aw_autocorrelation(const double *x, size_t n, size_t max_lag, double *r, aw_error *err);

typedef struct aw_period_opts {
  aw_detrend detrend;     /* default AW_DETREND_LINEAR */
  double min_period;      /* default 2 dt (Nyquist) */
  double max_period;      /* default n dt / 3; 0 = default */
  double min_strength;    /* fraction of the series variance a peak must explain, default 0.002 */
  double min_snr;         /* peak power / local median power (Hann spectrum), default 20 */
  int snap;               /* 1 (default): a period within its estimation error of a multiple of dt
                             is reported as that multiple (so exact periods come back exactly) */
} aw_period_opts;

void aw_period_opts_default(aw_period_opts *o);

typedef struct aw_period {
  double period;          /* in time units of dt */
  double frequency;       /* 1 / period */
  double amplitude;       /* estimated amplitude of the sinusoid at that period */
  double strength;        /* fraction of the detrended series' variance it explains (a^2/2 / var) */
  double snr;             /* peak over the local median of the Hann-windowed spectrum */
  double bin;             /* refined (fractional) bin index in the transform */
} aw_period;

/* Finds up to max dominant periods of x (strongest first): local maxima of the Hann-windowed
 * periodogram that stand min_snr above the local median and explain at least min_strength of the
 * variance, with the frequency refined between bins (Grandke's interpolation for the Hann window,
 * exact for a pure tone). opts may be NULL. *found gets the count (<= max). */
aw_status aw_dominant_periods(const double *x, size_t n, double dt, const aw_period_opts *opts,
                              aw_period *out, size_t max, size_t *found, aw_error *err);

#ifdef __cplusplus
}
#endif
#endif

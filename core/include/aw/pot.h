/* aw/pot.h - Peaks-over-threshold thresholds: batch POT, streaming SPOT, drift-aware DSPOT, both
 * tails (biSPOT / biDSPOT), and the exact maximum-likelihood GPD fit they rest on.
 *
 * Follows Siffer, Fouque, Termier, Largouet, "Anomaly Detection in Streams with Extreme Value
 * Theory", KDD 2017 (cited below as [S17]): the tail above an initial threshold t is modelled by a
 * generalised Pareto distribution (GPD, shape gamma, scale sigma; Pickands-Balkema-de Haan, [S17]
 * Thm. 3.2 / Eq. (2)), fitted by maximum likelihood with Grimshaw's reduction to one variable
 * ([S17] Sec. 3.2), and the threshold of risk q is [S17] Eq. (3):
 *
 *     z_q = t + (sigma / gamma) * ((q * n / N_t)^(-gamma) - 1)      (t - sigma * log(q n / N_t) at gamma = 0)
 *
 * Algorithms: batch POT = [S17] Alg. 1, SPOT = Alg. 2 (streaming), DSPOT = Alg. 3 (moving average of
 * depth d), the GPD fit = Alg. "Grimshaw" of Sec. 3.2 made robust (see aw_gpd_fit below).
 *
 *   aw_pot_params p; aw_pot_params_default(&p);     // level 0.98, q 1e-3
 *   p.n_init = 2000; p.max_excess = 500;
 *   aw_spot *s = aw_spot_new(&p, &err);
 *   aw_spot_calibrate(s, x, 2000, &err);
 *   for (i = 2000; i < n; i++) { aw_spot_step(s, x[i], &ev, &err); if (ev.alarm) ... }
 *   aw_spot_free(s);
 *
 * Or in one call over an array: aw_spot_run(). Values must be finite: NaN and +-inf are refused
 * with AW_ERR_RANGE naming the index. Nothing here allocates per step; memory is bounded by
 * max_excess (the tail ring buffer) and the drift depth.
 */
#ifndef AW_POT_H
#define AW_POT_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ GPD fit */

/* Which candidate won the likelihood comparison. */
typedef enum aw_gpd_method {
  AW_GPD_ROOT = 0,        /* a root of Grimshaw's equation (an interior likelihood maximum) */
  AW_GPD_EXPONENTIAL = 1, /* gamma = 0, sigma = mean (the exponential limit) */
  AW_GPD_MOMENTS = 2      /* method of moments */
} aw_gpd_method;

#define AW_GPD_MAX_ROOTS 8
/* Default minimum number of peaks for a fit; below it aw_gpd_fit fails with AW_ERR_RANGE. */
#define AW_GPD_MIN_PEAKS 10

typedef struct aw_gpd_fit {
  double gamma;          /* shape */
  double sigma;          /* scale, > 0, in the data's units */
  double loglik;         /* log-likelihood of the peaks at (gamma, sigma) */
  aw_gpd_method method;  /* the winning candidate */
  size_t n;              /* number of peaks fitted */
  size_t n_roots;        /* non-zero roots of Grimshaw's equation found (all of them, up to 8) */
  double roots[AW_GPD_MAX_ROOTS]; /* those roots x = gamma / sigma, in 1/(data units), ascending */
  int irregular;         /* 1 when gamma < -0.5: the MLE exists but is not regular (see docs) */
} aw_gpd_fit;

/* Maximum-likelihood fit of a GPD to the excesses y[0..n) (all finite and >= 0, not all 0).
 *
 * Robust Grimshaw ([S17] Sec. 3.2): for x = gamma/sigma the likelihood maximised over gamma gives
 * gamma(x) = mean(log(1 + x y)), and the stationary points of that profile likelihood are the roots
 * of u(x) v(x) = 1 with u = mean(1/(1 + x y)), v = 1 + gamma(x). This implementation
 *  - works on y / mean(y), so the result is scale-equivariant (y * c gives sigma * c, same gamma);
 *  - divides out the double root at x = 0 analytically (series near 0), so no epsilon guard
 *    (libspot's fixed 2e-8, where the equation is rounding noise) is needed;
 *  - scans the whole admissible range (-1/max(y), 0) and (0, 2 (mean - min) / min^2] on a dense
 *    grid, brackets EVERY sign change and refines each root to full precision (Brent);
 *  - compares all roots, gamma = 0 (exponential, sigma = mean) and the method of moments by their
 *    log-likelihood and keeps the best (ties keep the first of roots, exponential, moments).
 * Fewer than min_peaks excesses (0 = AW_GPD_MIN_PEAKS; at least 3) is AW_ERR_RANGE. */
aw_status aw_gpd_fit_peaks(const double *y, size_t n, size_t min_peaks, aw_gpd_fit *out, aw_error *err);

/* Log-likelihood of y[0..n) under GPD(gamma, sigma) ([S17] Sec. 3.2): -n log sigma - (1 + 1/gamma)
 * sum log(1 + gamma y / sigma), continuous at gamma = 0; -inf if some y is outside the support or
 * sigma <= 0. */
double aw_gpd_loglik(const double *y, size_t n, double gamma, double sigma);

/* [S17] Eq. (3): the value exceeded with probability q, given the initial threshold t, the fitted
 * (gamma, sigma), n observations of which nt exceeded t. Continuous at gamma = 0. Returns NaN only
 * for invalid arguments (q <= 0, nt == 0, n == 0, sigma <= 0). */
double aw_pot_quantile(double t, double gamma, double sigma, double q, uint64_t n, uint64_t nt);

/* The inverse of aw_pot_quantile: the estimated probability P(X > z) =
 * (nt/n) (1 + gamma (z - t)/sigma)^(-1/gamma) for z >= t; for z < t the model says nothing finer
 * than "at least nt/n" and nt/n is returned; 0 beyond the upper end point (gamma < 0). */
double aw_pot_probability(double t, double gamma, double sigma, uint64_t n, uint64_t nt, double z);

/* ------------------------------------------------------------------ parameters */

typedef struct aw_pot_params {
  double level;            /* initial threshold quantile, in (0, 1); default 0.98 */
  double q;                /* risk, in (0, 1 - level); default 1e-3 */
  size_t n_init;           /* SPOT: calibration points (default 2000); batch: 0 = all points */
  size_t drift;            /* DSPOT depth d (moving average of the last d normal values); 0 = SPOT */
  int both;                /* 1 = both tails (biSPOT / biDSPOT); 0 = upper tail only */
  size_t max_excess;       /* tail memory per side (ring buffer of the latest excesses); 0 = unbounded */
  size_t min_peaks;        /* minimum peaks in the calibration fit; 0 = AW_GPD_MIN_PEAKS */
  size_t full_fit_every;   /* streaming: a full scan-all-roots fit at least every this many refits;
                              between them the scan grid's sums are updated per excess, so a change
                              in the set of roots triggers a full fit too, and otherwise the maximum
                              is refitted warm-started (series Newton, else Brent in its bracket);
                              1 = every refit is a full fit; 0 = default (1024) */
  int keep_alarms;         /* 0 (default, [S17] Alg. 2): an alarm is not counted in n nor stored in
                              the tail. 1: it is (libspot's discard_anomalies = false): the tail is
                              not censored at z, see docs/pot.md on the censoring ratchet */
} aw_pot_params;

void aw_pot_params_default(aw_pot_params *p);
/* Checks ranges (level, q in (0, 1-level), drift < n_init, ...); AW_ERR_RANGE with a message. */
aw_status aw_pot_params_check(const aw_pot_params *p, int streaming, aw_error *err);

/* One tail's state after a run. For the lower tail t and z are in the data's units (z below t)
 * while gamma and sigma describe the distribution of t - X. With drift, t and z are relative to
 * the moving average (z_abs adds the last moving average). */
typedef struct aw_pot_tail_result {
  double t, gamma, sigma, z, loglik;
  double z_abs;           /* z in the data's units at the end of the run (z + moving average) */
  aw_gpd_method method;
  uint64_t n;             /* observations counted (alarms are not) */
  uint64_t nt;            /* excesses over t ever seen (including calibration) */
  uint64_t alarms;        /* alarms on this side */
  size_t stored;          /* excesses held for the fit (<= max_excess) */
} aw_pot_tail_result;

typedef struct aw_pot_result {
  int both;
  aw_pot_tail_result upper, lower;  /* lower is meaningful only when both */
  uint64_t alarms;                  /* points that raised an alarm on either side */
  uint64_t full_fits, fast_fits;    /* streaming: fits of each kind (diagnostics) */
} aw_pot_result;

/* ------------------------------------------------------------------ batch POT ([S17] Alg. 1) */

/* Fits on x[0..n_init) (n_init = 0: all of x; drift is not used in batch mode) and applies the
 * threshold(s) to every point of x. z_upper / z_lower (each n values, may be NULL) receive the
 * threshold (constant in batch mode); alarm (n bytes, may be NULL) receives 1 for x > z_upper or
 * x < z_lower. The caller owns every array. */
aw_status aw_pot_batch(const double *x, size_t n, const aw_pot_params *p, double *z_upper, double *z_lower,
                       uint8_t *alarm, aw_pot_result *res, aw_error *err);

/* ------------------------------------------------------------------ SPOT / DSPOT ([S17] Alg. 2, 3) */

typedef struct aw_spot aw_spot;

/* Kind of a streamed point on one side. */
typedef enum aw_spot_kind {
  AW_SPOT_NORMAL = 0,  /* below t: only counted */
  AW_SPOT_EXCESS = 1,  /* beyond t but not z: stored as a peak, the GPD refitted, z updated */
  AW_SPOT_ALARM = 2    /* beyond z: an alarm, not added to the tail and not counted in n */
} aw_spot_kind;

typedef struct aw_spot_event {
  int alarm;              /* 1 when either side raised an alarm */
  aw_spot_kind upper, lower;
  double z_upper, z_lower;/* the thresholds this point was compared with (data units) */
} aw_spot_event;

/* Creates a streaming detector (copies p). */
aw_spot *aw_spot_new(const aw_pot_params *p, aw_error *err);
void aw_spot_free(aw_spot *s);
/* Calibrates on the batch x[0..n) ([S17] Alg. 2 initialisation; with drift, Alg. 3's initial moving
 * average over the first d points, the rest calibrating the tail): every value given is used (p.n_init
 * matters only to aw_spot_run). n must exceed the drift depth; fewer than min_peaks excesses is
 * AW_ERR_RANGE. Calling it again starts over. */
aw_status aw_spot_calibrate(aw_spot *s, const double *x, size_t n, aw_error *err);
/* Processes one value ([S17] Alg. 2 main loop; Alg. 3 with drift). ev may be NULL. */
aw_status aw_spot_step(aw_spot *s, double x, aw_spot_event *ev, aw_error *err);
/* Current thresholds in data units (what the next value would be compared with). */
double aw_spot_z_upper(const aw_spot *s);
double aw_spot_z_lower(const aw_spot *s);  /* -inf without the lower tail */
/* Current state (fits, counts). */
void aw_spot_result(const aw_spot *s, aw_pot_result *res);
/* The current fit of one side (0 upper, 1 lower), in data units (owned by s, valid until the next
 * call on s). */
const aw_gpd_fit *aw_spot_fit(aw_spot *s, int side);

/* Runs SPOT/DSPOT over x[0..n): calibrates on the first p.n_init points, then streams the rest.
 * Per point (arrays of n, each may be NULL, caller-owned): the threshold(s) the point was compared
 * with (for calibration points: the calibration thresholds), and the alarm flag (0 for calibration
 * points). Reports progress (and honours cancel) every 2^16 points. */
aw_status aw_spot_run(const double *x, size_t n, const aw_pot_params *p, double *z_upper, double *z_lower,
                      uint8_t *alarm, aw_pot_result *res, const aw_progress *prog, aw_error *err);

/* ------------------------------------------------------------------ DAM's q sweep */

#define AW_POT_SWEEP_N 40   /* q = 1e-3, 2e-3, ..., 4e-2 */

typedef struct aw_pot_sweep_row {
  double q;
  int valid;              /* 0 when q >= the calibration's exceedance rate Nt/n (about 1 - level):
                              no threshold above t exists; z is NaN then */
  double z_upper, z_lower;/* final thresholds (batch: the thresholds; streaming: at the end) */
  uint64_t alarms;
  /* only with labels (uses_labels == 1), else NaN: */
  double precision, recall, f1;   /* point-adjusted */
} aw_pot_sweep_row;

typedef struct aw_pot_sweep {
  aw_pot_sweep_row rows[AW_POT_SWEEP_N];
  int uses_labels;        /* 1 when labels were given: best_index was chosen WITH THE LABELS */
  int best_index;         /* index of the best q by point-adjusted F1 (first of ties); -1 without labels */
} aw_pot_sweep;

/* Runs batch POT (streaming = 0) or SPOT/DSPOT (streaming = 1) with p for each of the 40 q of DAM
 * (Chen et al., ICWS 2022): q from 1e-3 to 4e-2 in steps of 1e-3 (p.q is ignored). With labels
 * (n bytes, 1 = anomalous; may be NULL) every row also gets the point-adjusted P/R/F1 of its alarms
 * and best_index the q with the highest F1 - a choice made with the labels, so it is an upper bound
 * of what the detector achieves, not a tuned-blind result. */
aw_status aw_pot_sweep_run(const double *x, size_t n, const uint8_t *labels, const aw_pot_params *p, int streaming,
                           aw_pot_sweep *out, const aw_progress *prog, aw_error *err);

const char *aw_gpd_method_name(aw_gpd_method m);

#ifdef __cplusplus
}
#endif
#endif

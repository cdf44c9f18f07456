/* pot.c - POT / SPOT / DSPOT thresholds and the exact GPD maximum-likelihood fit.
 *
 * [S17] = Siffer, Fouque, Termier, Largouet, "Anomaly Detection in Streams with Extreme Value
 * Theory", KDD 2017. See aw/pot.h for the contracts; docs/pot.md for the choices made where the
 * paper is silent.
 *
 * The GPD fit (Grimshaw's reduction, [S17] Sec. 3.2). With x = gamma / sigma, the log-likelihood
 * maximised over gamma for a fixed x is reached at gamma(x) = mean(log(1 + x y_i)) and equals
 *     l(x) = -N (log(gamma(x) / x) + gamma(x) + 1),
 * a continuous function of x on (-1/max y, +inf) whose value at x = 0 is the exponential fit. Its
 * derivative is l'(x) = N w(x) / (x gamma(x)) with w = u v - 1, u = mean(1/(1 + x y)),
 * v = 1 + gamma(x) ([S17]'s equation u(x) v(x) = 1); x gamma(x) > 0, so l increases exactly where
 * w > 0 and the candidates of the MLE are the roots of w. w has a DOUBLE root at x = 0
 * (w(x) ~ x^2 (m2/2 - 1), m2 = mean (y/mean y)^2), which is why a root search that starts near 0
 * (libspot's epsilon 2e-8) only sees rounding noise there. We work with h(x) = w(x) / x^2,
 * computed without cancellation:
 *     h(x) = mean(z^2 psi(t)) - mean(z / (1 + t)) * mean(z lambda(t)),   t = x z, z = y / mean(y),
 *     lambda(t) = log(1 + t) / t,   psi(t) = (log(1 + t) - t / (1 + t)) / t^2,
 * both by their Taylor series for |t| <= 0.1; h(0) = m2/2 - 1. h has the sign of l', is smooth
 * through 0, and its roots are exactly the non-trivial roots of Grimshaw's equation.
 */
#include "aw/pot.h"

#include <math.h>
#include <string.h>

#include "aw/eval.h"
#include "aw/math.h"

/* ------------------------------------------------------------------ small helpers */

static int finite_d(double v) { return v == v && v - v == 0.0; }

/* Series for |t| <= 0.01: lambda(t) = sum (-1)^k t^k / (k+1), psi(t) = sum (-1)^k (k+1)/(k+2) t^k;
 * 9 terms leave a remainder below 0.01^9 (relative). Beyond, the closed forms lose at most
 * 2 eps / |t| <= 5e-14 (relative) to the cancellation in log(1+t) - t/(1+t). */
#define SER_TERMS 9
#define SER_LIMIT 0.01

static inline void lam_psi(double t, double *lam, double *psi) {
  if (fabs(t) <= SER_LIMIT) {
    double l = 0.0, p = 0.0;
    for (int k = SER_TERMS - 1; k >= 0; k--) {
      double sgn = (k & 1) ? -1.0 : 1.0;
      l = l * t + sgn / (double)(k + 1);
      p = p * t + sgn * (double)(k + 1) / (double)(k + 2);
    }
    *lam = l;
    *psi = p;
  } else {
    double lg = aw_log1p(t), it = 1.0 / t;
    *lam = lg * it;
    *psi = (lg - t / (1.0 + t)) * it * it;
  }
}

/* lambda(t) alone (log(1+t)/t, 1 at 0). */
static inline double lam_only(double t) {
  if (fabs(t) <= SER_LIMIT) {
    double l = 0.0;
    for (int k = SER_TERMS - 1; k >= 0; k--) l = l * t + ((k & 1) ? -1.0 : 1.0) / (double)(k + 1);
    return l;
  }
  return aw_log1p(t) / t;
}

/* Evaluates h(x) and gamma(x) (x in 1/z units, z = (y * sc) * inv_mean, sc a power of two that
 * brings the data near 1, so neither huge nor subnormal data overflow); sums (may be NULL) receives
 * the three means mean(z/(1+t)), mean(z lambda(t)), mean(z^2 psi(t)). */
static void grim_h_sums(const double *y, size_t n, double sc_, double inv_mean, double x, double *h, double *gam,
                        double *sums) {
  double sa = 0.0, sb = 0.0, sc = 0.0;
  for (size_t i = 0; i < n; i++) {
    double z = (y[i] * sc_) * inv_mean;
    double t = x * z;
    double lam, psi;
    lam_psi(t, &lam, &psi);
    sa += z / (1.0 + t);
    sb += z * lam;
    sc += z * z * psi;
  }
  double dn = (double)n;
  sa /= dn;
  sb /= dn;
  sc /= dn;
  *h = sc - sa * sb;
  if (gam) *gam = x * sb;
  if (sums) {
    sums[0] = sa;
    sums[1] = sb;
    sums[2] = sc;
  }
}

static void grim_h(const double *y, size_t n, double sc, double inv_mean, double x, double *h, double *gam) {
  grim_h_sums(y, n, sc, inv_mean, x, h, gam, NULL);
}

const char *aw_gpd_method_name(aw_gpd_method m) {
  switch (m) {
    case AW_GPD_ROOT: return "grimshaw_root";
    case AW_GPD_EXPONENTIAL: return "exponential";
    case AW_GPD_MOMENTS: return "moments";
  }
  return "unknown";
}

double aw_gpd_loglik(const double *y, size_t n, double gamma, double sigma) {
  if (!(sigma > 0.0) || !finite_d(gamma) || !finite_d(sigma)) return -INFINITY;
  double tau = gamma / sigma;
  /* log L = -n log sigma - sum log1p(tau y) - (1/sigma) sum y lambda(tau y): the
   * (1/gamma) log1p(tau y) term written as (y/sigma) lambda(tau y), continuous at gamma = 0. */
  double s1 = 0.0, s2 = 0.0;
  for (size_t i = 0; i < n; i++) {
    double t = tau * y[i];
    if (!(1.0 + t > 0.0)) return -INFINITY;
    s1 += aw_log1p(t);
    s2 += (y[i] / sigma) * lam_only(t);
  }
  return -(double)n * aw_log(sigma) - s1 - s2;
}

double aw_pot_quantile(double t, double gamma, double sigma, double q, uint64_t n, uint64_t nt) {
  if (!(q > 0.0) || n == 0 || nt == 0 || !(sigma > 0.0)) return NAN;
  /* [S17] Eq. (3): z = t + sigma/gamma ((q n / Nt)^-gamma - 1) = t + sigma * expm1(-gamma L)/gamma,
   * L = log(q n / Nt); the expm1 form is exact as gamma -> 0 (limit t - sigma L). */
  double L = aw_log(q * (double)n / (double)nt);
  double g = gamma * L;
  if (g == 0.0) return t - sigma * L;
  return t + sigma * (aw_expm1(-g) / gamma);
}

double aw_pot_probability(double t, double gamma, double sigma, uint64_t n, uint64_t nt, double z) {
  if (n == 0 || !(sigma > 0.0)) return NAN;
  double base = (double)nt / (double)n;
  if (!(z > t)) return base;
  double u = gamma * (z - t) / sigma;
  if (!(1.0 + u > 0.0)) return 0.0; /* beyond the end point t + sigma/|gamma| */
  /* (1 + u)^(-1/gamma) = exp(-((z - t)/sigma) lambda(u)) */
  return base * aw_exp(-((z - t) / sigma) * lam_only(u));
}

/* ------------------------------------------------------------------ the robust fit */

/* Brent's method (zeroin) on h over [a, b] with h(a), h(b) of opposite signs. */
static double brent_root(const double *y, size_t n, double sc, double inv_mean, double a, double b, double fa,
                         double fb) {
  double c = a, fc = fa, d = b - a, e = d;
  for (int it = 0; it < 200; it++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (fabs(fc) < fabs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    double tol = 2.0 * 2.220446049250313e-16 * fabs(b) + 1e-300;
    double m = 0.5 * (c - b);
    if (fabs(m) <= tol || fb == 0.0) return b;
    if (fabs(e) >= tol && fabs(fa) > fabs(fb)) {
      double s = fb / fa, p, q, r;
      if (a == c) {
        p = 2.0 * m * s;
        q = 1.0 - s;
      } else {
        q = fa / fc;
        r = fb / fc;
        p = s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0));
        q = (q - 1.0) * (r - 1.0) * (s - 1.0);
      }
      if (p > 0) q = -q; else p = -p;
      if (2.0 * p < 3.0 * m * q - fabs(tol * q) && p < fabs(0.5 * e * q)) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += (fabs(d) > tol) ? d : (m > 0 ? tol : -tol);
    grim_h(y, n, sc, inv_mean, b, &fb, NULL);
  }
  return b;
}

/* Grid of the scan (in 1/z units): negative side x = -s / zmax with s = 1 - exp(-U (j/G)^2), dense
 * near 0 and geometrically closer to the pole -1/zmax; positive side log-spaced from XLO to
 * Grimshaw's bound 2 (1 - zmin) / zmin^2. */
#define GRID_NEG 48
#define GRID_POS 48
#define GRID_U 34.0
#define GRID_XLO 1e-4
#define GRID_XMAX_CAP 1e15

typedef struct cand {
  double gamma, sigma, ll;
  aw_gpd_method m;
} cand;

#define GRID_MAX (GRID_NEG + 1 + GRID_POS + 1)

/* The fit; when gx is given it also returns the scan grid in 1/(data units) and the sign of h there
 * (gs: -1, 0, +1; the x = 0 point is included), *gn points, so a streaming tail can watch the
 * sign pattern change between full fits. */
static aw_status gpd_fit_core(const double *y, size_t n, size_t min_peaks, aw_gpd_fit *out, double *gx, signed char *gs,
                              double (*gsum)[3], size_t *gn, aw_error *err) {
  if (!out) return aw_error_set(err, AW_ERR_ARG, "gpd fit: out is NULL");
  memset(out, 0, sizeof *out);
  if (min_peaks == 0) min_peaks = AW_GPD_MIN_PEAKS;
  if (min_peaks < 3) min_peaks = 3;
  if (n < min_peaks)
    return aw_error_set(err, AW_ERR_RANGE,
                        "gpd fit: %zu peaks, at least %zu are needed (lower the level or give more data)", n,
                        min_peaks);
  if (!y) return aw_error_set(err, AW_ERR_ARG, "gpd fit: y is NULL");
  double ymax = 0.0, ymin = INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (!finite_d(y[i]) || y[i] < 0.0)
      return aw_error_set(err, AW_ERR_RANGE, "gpd fit: excess %zu is %g (must be finite and >= 0)", i, y[i]);
    if (y[i] > ymax) ymax = y[i];
    if (y[i] < ymin) ymin = y[i];
  }
  if (!(ymax > 0.0)) return aw_error_set(err, AW_ERR_RANGE, "gpd fit: all %zu excesses are 0", n);
  /* work on y * 2^-e (exact) with max in [0.5, 1): no overflow or subnormal trouble at any scale */
  int ex;
  frexp(ymax, &ex);
  double sc = ldexp(1.0, -ex);
  double dn = (double)n;
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) sum += y[i] * sc;
  double mean_s = sum / dn;               /* mean of the scaled excesses */
  double mean = mean_s / sc;              /* in data units */
  double inv_mean = 1.0 / mean_s;         /* z = (y sc) / mean_s */
  double zmax = (ymax * sc) * inv_mean, zmin = (ymin * sc) * inv_mean;
  double m2 = 0.0, var = 0.0;             /* var of the scaled excesses */
  for (size_t i = 0; i < n; i++) {
    double z = (y[i] * sc) * inv_mean;
    m2 += z * z;
    double d = y[i] * sc - mean_s;
    var += d * d;
  }
  m2 /= dn;
  var /= dn;
  double xunit = inv_mean * sc;           /* x in 1/z units times xunit = x in 1/(data units) */

  /* ---- scan: ascending x, h at each grid point */
  double xs[GRID_MAX], hs[GRID_MAX];
  size_t ng = 0;
  for (int j = GRID_NEG; j >= 1; j--) {
    double u = GRID_U * ((double)j / GRID_NEG) * ((double)j / GRID_NEG);
    double s = -aw_expm1(-u); /* 1 - e^-u */
    xs[ng++] = -s / zmax;
  }
  xs[ng++] = 0.0;
  double xmax = (zmin > 0.0) ? 2.0 * (1.0 - zmin) / (zmin * zmin) : GRID_XMAX_CAP;
  if (!(xmax <= GRID_XMAX_CAP)) xmax = GRID_XMAX_CAP;
  if (xmax > 0.0) {
    double xlo = GRID_XLO < 0.5 * xmax ? GRID_XLO : 0.5 * xmax;
    double lr = aw_log(xmax / xlo);
    for (int j = 0; j <= GRID_POS; j++) xs[ng++] = xlo * aw_exp(lr * (double)j / GRID_POS);
    xs[ng - 1] = xmax;
  }
  for (size_t k = 0; k < ng; k++) {
    double sums[3] = {0, 0, 0};
    if (xs[k] == 0.0)
      hs[k] = 0.5 * m2 - 1.0;
    else
      grim_h_sums(y, n, sc, inv_mean, xs[k], &hs[k], NULL, sums);
    if (gx) {
      /* back to data units: sum y/(1+t) = n mean(y) sa, sum y lambda = n mean sb, sum y^2 psi = n mean^2 sc */
      gx[k] = xs[k] * xunit;
      gs[k] = (signed char)((hs[k] > 0) - (hs[k] < 0));
      gsum[k][0] = dn * mean * sums[0];
      gsum[k][1] = dn * mean * sums[1];
      gsum[k][2] = dn * mean * mean * sums[2];
    }
  }
  if (gn) *gn = ng;

  /* ---- every sign change brackets a root; refine each. */
  cand best = {0, 0, -INFINITY, AW_GPD_ROOT};
  int have = 0;
  size_t nroots = 0;
  for (size_t k = 0; k < ng; k++) {
    double xr;
    if (hs[k] == 0.0) {
      if (xs[k] == 0.0) continue; /* h(0) = 0: the exponential candidate covers it */
      xr = xs[k];
    } else if (k + 1 < ng && hs[k + 1] != 0.0 && (hs[k] < 0) != (hs[k + 1] < 0)) {
      xr = brent_root(y, n, sc, inv_mean, xs[k], xs[k + 1], hs[k], hs[k + 1]);
    } else {
      continue;
    }
    if (xr == 0.0) continue;
    double hr, gr;
    grim_h(y, n, sc, inv_mean, xr, &hr, &gr);
    if (nroots < AW_GPD_MAX_ROOTS) out->roots[nroots] = xr * xunit; /* back to 1/y units */
    nroots++;
    double sig = (gr / xr) * mean;
    if (!(sig > 0.0) || !finite_d(gr)) continue;
    /* profile log-likelihood at the root: -N log sigma - N (1 + gamma) */
    double ll = -dn * aw_log(sig) - dn * (1.0 + gr);
    if (!have || ll > best.ll) {
      best = (cand){gr, sig, ll, AW_GPD_ROOT};
      have = 1;
    }
  }
  out->n_roots = nroots < AW_GPD_MAX_ROOTS ? nroots : AW_GPD_MAX_ROOTS;

  /* ---- gamma = 0: sigma = mean, log L = -N log mean - N */
  {
    double ll = -dn * aw_log(mean) - dn;
    if (!have || ll > best.ll) {
      best = (cand){0.0, mean, ll, AW_GPD_EXPONENTIAL};
      have = 1;
    }
  }
  /* ---- method of moments: gamma = (1 - mean^2/var)/2, sigma = mean (1 + mean^2/var)/2 */
  if (var > 0.0) {
    double r = mean_s * mean_s / var;
    double gm = 0.5 * (1.0 - r), sm = 0.5 * mean * (1.0 + r);
    double ll = aw_gpd_loglik(y, n, gm, sm);
    if (ll > best.ll) best = (cand){gm, sm, ll, AW_GPD_MOMENTS};
  }
  out->gamma = best.gamma;
  out->sigma = best.sigma;
  out->loglik = best.ll;
  out->method = best.m;
  out->n = n;
  out->irregular = best.gamma < -0.5;
  return AW_OK;
}

aw_status aw_gpd_fit_peaks(const double *y, size_t n, size_t min_peaks, aw_gpd_fit *out, aw_error *err) {
  return gpd_fit_core(y, n, min_peaks, out, NULL, NULL, NULL, NULL, err);
}

/* ------------------------------------------------------------------ parameters */

void aw_pot_params_default(aw_pot_params *p) {
  if (!p) return;
  memset(p, 0, sizeof *p);
  p->level = 0.98;
  p->q = 1e-3;
  p->n_init = 2000;
  p->drift = 0;
  p->both = 0;
  p->max_excess = 0;
  p->min_peaks = 0;
  p->full_fit_every = 0;
}

#define DEFAULT_FULL_EVERY 1024

aw_status aw_pot_params_check(const aw_pot_params *p, int streaming, aw_error *err) {
  if (!p) return aw_error_set(err, AW_ERR_ARG, "pot: params is NULL");
  if (!(p->level > 0.0 && p->level < 1.0))
    return aw_error_set(err, AW_ERR_RANGE, "pot: level must be in (0, 1), got %g", p->level);
  if (!(p->q > 0.0 && p->q < 1.0 - p->level))
    return aw_error_set(err, AW_ERR_RANGE,
                        "pot: q must be in (0, 1 - level) = (0, %g), got %g (a risk at or above the "
                        "initial exceedance rate puts the threshold below t)",
                        1.0 - p->level, p->q);
  if (p->both && !(p->level > 0.5))
    return aw_error_set(err, AW_ERR_RANGE, "pot: both tails need level > 0.5, got %g", p->level);
  if (streaming) {
    if (p->n_init == 0) return aw_error_set(err, AW_ERR_RANGE, "spot: n_init must be > 0");
    if (p->drift >= p->n_init)
      return aw_error_set(err, AW_ERR_RANGE, "dspot: drift depth %zu must be below n_init %zu", p->drift, p->n_init);
  }
  if (p->max_excess != 0 && p->max_excess < 3)
    return aw_error_set(err, AW_ERR_RANGE, "pot: max_excess must be 0 (unbounded) or >= 3, got %zu", p->max_excess);
  if (p->max_excess != 0 && p->min_peaks > p->max_excess)
    return aw_error_set(err, AW_ERR_RANGE, "pot: min_peaks %zu exceeds max_excess %zu", p->min_peaks, p->max_excess);
  return AW_OK;
}

/* ------------------------------------------------------------------ fast refits
 *
 * Between full fits the tracked root x* of w is refined by Newton's method from its previous value
 * (a warm start), with every O(N) sum replaced by a power series around an anchor x0:
 *   r_i = y_i / (1 + x0 y_i),  1/(1 + x y_i) = (1 - x0 r_i) / (1 + (x - x0) r_i),
 *   log(1 + x y_i) = log(1 + x0 y_i) + log(1 + (x - x0) r_i),
 * so u, gamma and their derivatives at x are series in c = (x - x0) r_ref whose coefficients are the
 * power sums S_k = sum (r_i / r_ref)^k. Adding or dropping a peak updates S_k in O(K) (incremental
 * sums), so a refit costs O(K) instead of O(N) as long as |c| max(r_i/r_ref) <= RHO_MAX (the
 * truncation error is below RHO_MAX^(K+1) = 1.4e-20); otherwise the anchor moves to the current x
 * in one O(N) pass. Full fits (all roots, exponential, moments) run every full_fit_every refits and
 * whenever the fast path cannot vouch for its answer. */
#define FK 32
#define FS (FK + 3)
#define RHO_MAX 0.25
#define RHO_REANCHOR 0.1

typedef struct fast_state {
  int valid;
  double x0, rref, amax;
  double S[FS]; /* S[0] = number of peaks; S[k] = sum (r_i / rref)^k */
  double L0;    /* sum log(1 + x0 y_i) */
  uint64_t ops;
  double x; /* the tracked root, 1/(data units) */
} fast_state;

static int fast_anchor(fast_state *f, const double *y, size_t n, double x0) {
  double rmax = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = 1.0 + x0 * y[i];
    if (!(d > 0.0)) return 0;
    double r = y[i] / d;
    if (r > rmax) rmax = r;
  }
  if (!(rmax > 0.0) || !finite_d(rmax)) return 0;
  memset(f->S, 0, sizeof f->S);
  double L0 = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = 1.0 + x0 * y[i];
    double a = (y[i] / d) / rmax, p = 1.0;
    for (int k = 1; k < FS; k++) {
      p *= a;
      f->S[k] += p;
    }
    L0 += aw_log1p(x0 * y[i]);
  }
  f->S[0] = (double)n;
  f->x0 = x0;
  f->rref = rmax;
  f->amax = 1.0;
  f->L0 = L0;
  f->ops = 0;
  f->valid = 1;
  return 1;
}

/* Adds (sign = +1) or removes (sign = -1) one peak; 0 when the anchor cannot represent it. */
static int fast_update(fast_state *f, double y, double sign) {
  double d = 1.0 + f->x0 * y;
  if (!(d > 0.0)) return 0;
  double a = (y / d) / f->rref;
  if (!finite_d(a)) return 0;
  double p = 1.0;
  for (int k = 1; k < FS; k++) {
    p *= a;
    f->S[k] += sign * p;
  }
  f->S[0] += sign;
  f->L0 += sign * aw_log1p(f->x0 * y);
  if (sign > 0 && a > f->amax) f->amax = a;
  f->ops++;
  return 1;
}

/* w(x) = u v - 1 and w'(x), gamma(x) from the series. */
static void fast_eval(const fast_state *f, double x, double *w, double *dw, double *gam) {
  double c = (x - f->x0) * f->rref, mc = -c;
  double k0 = f->x0 * f->rref;
  double N = f->S[0];
  double g = 0.0, gp = 0.0, u = 0.0, up = 0.0;
  double pw = 1.0; /* (-c)^k */
  for (int k = 0; k <= FK; k++) {
    if (k >= 1) g -= pw * f->S[k] / (double)k; /* (-1)^(k+1) c^k = -(-c)^k */
    gp += pw * f->S[k + 1];
    u += pw * (f->S[k] - k0 * f->S[k + 1]);
    up += (double)(k + 1) * pw * (f->S[k + 1] - k0 * f->S[k + 2]);
    pw *= mc;
  }
  g = (f->L0 + g) / N;
  gp *= f->rref / N;
  u /= N;
  up *= -f->rref / N;
  *gam = g;
  *w = u * (1.0 + g) - 1.0;
  *dw = up * (1.0 + g) + u * gp;
}

/* ------------------------------------------------------------------ tails and the detector */

typedef struct tail {
  double t;                /* initial threshold on the tail's axis (sign * x') */
  double *ring;            /* excesses; the fit does not depend on their order */
  size_t cap, len, head;   /* head: oldest element once the ring is full */
  int bounded;
  double s1, s2;           /* sum y, sum y^2 of the stored excesses (incremental) */
  uint64_t nt, alarms;
  aw_gpd_fit fit;
  double z;                /* threshold on the tail's axis */
  fast_state fs;
  size_t since_full;
  /* the scan grid of the last full fit (1/(data units)) with incremental sums, so the sign pattern
   * of h - hence the set of bracketed roots - is known at every refit in O(grid) */
  int gvalid;
  size_t gn;
  double gx[GRID_MAX], gsum[GRID_MAX][3]; /* sum y/(1+xy), sum y lambda(xy), sum y^2 psi(xy) */
  signed char gs[GRID_MAX];
  int gmaxima, gminima;    /* brackets of local maxima / minima of the profile likelihood */
} tail;

typedef struct mwin {
  double *buf;
  size_t d, len, head, since;
  double sum;
} mwin;

struct aw_spot {
  aw_pot_params p;
  size_t full_every;
  int calibrated;
  uint64_t n;
  int ntails;
  tail tails[2];
  mwin win;
  uint64_t alarms, full_fits, fast_fits, index;
  /* Everything inside runs on x * scale, scale = 2^-e chosen at calibration so the calibration
   * values are below 1 in magnitude: exact (a power of two), so results are the same as unscaled
   * ones, and sums of squares cannot overflow for any finite input the limit below admits. */
  double scale, unscale;
  aw_gpd_fit pub[2];       /* the fits in data units (aw_spot_fit) */
};

/* A streamed value more than 2^500 times the calibration's largest magnitude is refused. */
#define SPOT_MAX_SCALED 3.2733906078961419e150 /* 2^500 */

static void mwin_push(mwin *w, double v) {
  if (w->len < w->d) {
    w->buf[w->len++] = v;
    w->sum += v;
    return;
  }
  w->sum += v - w->buf[w->head];
  w->buf[w->head] = v;
  w->head = (w->head + 1) % w->d;
  if (++w->since >= w->d) { /* re-sum exactly, oldest first, so rounding never accumulates */
    double s = 0.0;
    for (size_t i = 0; i < w->d; i++) s += w->buf[(w->head + i) % w->d];
    w->sum = s;
    w->since = 0;
  }
}

static double mwin_mean(const mwin *w) { return w->len ? w->sum / (double)w->len : 0.0; }

static aw_status tail_push(tail *tl, double y, int *removed, double *old, aw_error *err) {
  *removed = 0;
  tl->s1 += y;
  tl->s2 += y * y;
  if (tl->bounded && tl->len == tl->cap) {
    *old = tl->ring[tl->head];
    *removed = 1;
    tl->s1 -= *old;
    tl->s2 -= *old * *old;
    tl->ring[tl->head] = y;
    tl->head = (tl->head + 1) % tl->cap;
    return AW_OK;
  }
  if (tl->len == tl->cap) {
    void *p = tl->ring;
    if (aw_grow(&p, &tl->cap, tl->len + 1, sizeof(double)) != AW_OK)
      return aw_error_set(err, AW_ERR_NOMEM, "spot: out of memory growing the tail (%zu excesses)", tl->len);
    tl->ring = (double *)p;
  }
  tl->ring[tl->len++] = y;
  return AW_OK;
}

/* Adds (sign +1) or removes (-1) one excess from the grid sums; 0 when y is beyond a grid point's
 * pole (1 + x y <= 0), i.e. the grid no longer covers the admissible range. */
static int grid_update(tail *tl, double y, double sign) {
  for (size_t k = 0; k < tl->gn; k++) {
    double x = tl->gx[k];
    if (x == 0.0) continue;
    double t = x * y;
    if (!(1.0 + t > 0.0)) return 0;
    double lam, psi;
    lam_psi(t, &lam, &psi);
    tl->gsum[k][0] += sign * (y / (1.0 + t));
    tl->gsum[k][1] += sign * (y * lam);
    tl->gsum[k][2] += sign * (y * y * psi);
  }
  return 1;
}

/* Sign of h at grid point k from the sums (h in data units: same sign as in z units). */
static int grid_sign(const tail *tl, size_t k) {
  double N = (double)tl->len, h;
  if (tl->gx[k] == 0.0) h = 0.5 * (tl->s2 / N) - (tl->s1 / N) * (tl->s1 / N);
  else h = tl->gsum[k][2] / N - (tl->gsum[k][0] / N) * (tl->gsum[k][1] / N);
  return (h > 0) - (h < 0);
}

/* Counts the sign changes of h along the grid: + to - brackets a local maximum of the profile
 * likelihood, - to + a local minimum (zeros are skipped). */
static void grid_count(const tail *tl, const signed char *sg, int *maxima, int *minima) {
  int prev = 0;
  *maxima = *minima = 0;
  for (size_t k = 0; k < tl->gn; k++) {
    if (sg[k] == 0) continue;
    if (prev > 0 && sg[k] < 0) (*maxima)++;
    if (prev < 0 && sg[k] > 0) (*minima)++;
    prev = sg[k];
  }
}

/* Is the root structure still the one of the last full fit (as many maxima and minima bracketed)?
 * A root moving to a neighbouring grid cell keeps the counts; a root appearing or vanishing does not. */
static int grid_same_roots(const tail *tl) {
  signed char now[GRID_MAX];
  for (size_t k = 0; k < tl->gn; k++) now[k] = (signed char)grid_sign(tl, k);
  int a, b;
  grid_count(tl, now, &a, &b);
  return a == tl->gmaxima && b == tl->gminima;
}

static aw_status tail_full_fit(aw_spot *s, tail *tl, size_t min_peaks, aw_error *err) {
  aw_status st = gpd_fit_core(tl->ring, tl->len, min_peaks, &tl->fit, tl->gx, tl->gs, tl->gsum, &tl->gn, err);
  if (st != AW_OK) return st;
  s->full_fits++;
  tl->since_full = 0;
  tl->fs.valid = 0;
  tl->gvalid = 1;
  grid_count(tl, tl->gs, &tl->gmaxima, &tl->gminima);
  double a = 0.0, b = 0.0;
  for (size_t i = 0; i < tl->len; i++) {
    a += tl->ring[i];
    b += tl->ring[i] * tl->ring[i];
  }
  tl->s1 = a; /* re-summed exactly at every full fit: the incremental sums never drift far */
  tl->s2 = b;
  if (tl->fit.method == AW_GPD_ROOT && tl->fit.gamma != 0.0) {
    double x = tl->fit.gamma / tl->fit.sigma;
    if (fast_anchor(&tl->fs, tl->ring, tl->len, x)) tl->fs.x = x;
  }
  return AW_OK;
}

/* The method-of-moments candidate cannot beat an interior maximum ll when h has one + to - change
 * and no - to + change on the grid (the profile likelihood l rises to the maximum and falls after
 * it there) and x_mom = gamma_m / sigma_m lies on the grid: log L(gamma_m, sigma_m) <= l(x_mom)
 * <= ll. Otherwise its likelihood is computed (O(N)). */
static int mom_cannot_win(const tail *tl, double ll) {
  double N = (double)tl->len, mean = tl->s1 / N, var = tl->s2 / N - mean * mean;
  if (!(var > 0.0)) return 1;
  double r = mean * mean / var, g = 0.5 * (1.0 - r), sg = 0.5 * mean * (1.0 + r);
  double xm = g / sg;
  if (tl->gmaxima == 1 && tl->gminima == 0 && tl->gn > 0 && xm >= tl->gx[0] && xm <= tl->gx[tl->gn - 1]) return 1;
  return !(aw_gpd_loglik(tl->ring, tl->len, g, sg) > ll);
}

/* The fast refit; returns 1 when it produced a fit it can vouch for. */
static int tail_fast_fit(aw_spot *s, tail *tl, double y_new, int removed, double y_old) {
  fast_state *f = &tl->fs;
  int ok = fast_update(f, y_new, 1.0);
  if (ok && removed) ok = fast_update(f, y_old, -1.0);
  double x = f->x;
  /* rebuild the anchor when an update did not fit it, when the tracked root has moved too far
   * from it, or after many incremental updates (bounds rounding drift of the sums). */
  if (!ok || fabs(x - f->x0) * f->rref * f->amax > RHO_REANCHOR || f->ops > 4 * (uint64_t)tl->len + 64) {
    if (!fast_anchor(f, tl->ring, tl->len, x)) return 0;
    f->x = x;
  }
  int conv = 0, anchors = 0;
  double w, dw, g, prev = INFINITY;
  for (int it = 0; it < 40; it++) {
    if (fabs(x - f->x0) * f->rref * f->amax > RHO_MAX) {
      if (++anchors > 3 || !fast_anchor(f, tl->ring, tl->len, x)) return 0;
    }
    fast_eval(f, x, &w, &dw, &g);
    if (!(dw < 0.0) || !finite_d(w)) return 0; /* not a maximum of the profile likelihood */
    if (fabs(w) <= 1e-15) { /* w = u v - 1 is at its rounding level (a few ulps of 1): a root */
      conv = 1;
      break;
    }
    double step = w / dw;
    double xn = x - step;
    if (!finite_d(xn) || (xn < 0) != (x < 0) || xn == 0.0) return 0; /* crossed 0: let the full fit decide */
    x = xn;
    /* converged: the step is at the rounding level, or quadratic convergence has stalled there */
    if (fabs(step) <= 4.4e-16 * fabs(x) || (fabs(step) <= 1e-11 * fabs(x) && fabs(step) >= 0.5 * prev)) {
      conv = 1;
      break;
    }
    prev = fabs(step);
  }
  if (!conv) return 0;
  if (fabs(x - f->x0) * f->rref * f->amax > RHO_MAX) return 0;
  fast_eval(f, x, &w, &dw, &g);
  if (!(dw < 0.0)) return 0;
  double sig = g / x, N = f->S[0];
  if (!(sig > 0.0) || !finite_d(sig) || !finite_d(g)) return 0;
  double ll = -N * aw_log(sig) - N * (1.0 + g);
  double lle = -N * aw_log(tl->s1 / N) - N;
  if (!(ll >= lle)) return 0; /* the exponential fit wins: let the bracketed fit arbitrate */
  if (!mom_cannot_win(tl, ll)) return 0;
  f->x = x;
  tl->fit.gamma = g;
  tl->fit.sigma = sig;
  tl->fit.loglik = ll;
  tl->fit.method = AW_GPD_ROOT;
  tl->fit.n = tl->len;
  tl->fit.n_roots = 1;
  tl->fit.roots[0] = x;
  tl->fit.irregular = g < -0.5;
  if (fabs(x - f->x0) * f->rref * f->amax > RHO_REANCHOR) {
    if (!fast_anchor(f, tl->ring, tl->len, x)) f->valid = 0;
    f->x = x;
  }
  s->fast_fits++;
  tl->since_full++;
  return 1;
}

/* Between full fits, when the last full fit chose gamma = 0 or the method of moments (no interior
 * maximum won), the same estimator is updated in O(1) from the running sums (moments: O(N) for the
 * likelihood, which also checks the support). */
static int tail_cheap_fit(aw_spot *s, tail *tl) {
  double N = (double)tl->len, mean = tl->s1 / N;
  if (!(mean > 0.0) || tl->fit.method == AW_GPD_ROOT) return 0;
  /* no root is bracketed (the grid says so): the candidates are gamma = 0 and the moments */
  double lle = -N * aw_log(mean) - N;
  tl->fit.gamma = 0.0;
  tl->fit.sigma = mean;
  tl->fit.loglik = lle;
  tl->fit.method = AW_GPD_EXPONENTIAL;
  double var = tl->s2 / N - mean * mean;
  if (var > 0.0) {
    double r = mean * mean / var, g = 0.5 * (1.0 - r), sg = 0.5 * mean * (1.0 + r);
    double ll = aw_gpd_loglik(tl->ring, tl->len, g, sg);
    if (ll > lle) {
      tl->fit.gamma = g;
      tl->fit.sigma = sg;
      tl->fit.loglik = ll;
      tl->fit.method = AW_GPD_MOMENTS;
    }
  }
  tl->fit.n = tl->len;
  tl->fit.n_roots = 0;
  tl->fit.irregular = tl->fit.gamma < -0.5;
  s->fast_fits++;
  tl->since_full++;
  return 1;
}

/* The bracketed refit: the grid sums say where the single local maximum lies (the cell where h
 * changes from + to -); Brent refines it there (O(N) per step) and it is compared with gamma = 0
 * and the moments, as the full fit would. Used when the series cannot (the root crossed 0, the
 * exponential won, ...). */
static int tail_bracket_fit(aw_spot *s, tail *tl) {
  signed char now[GRID_MAX];
  for (size_t k = 0; k < tl->gn; k++) now[k] = (signed char)grid_sign(tl, k);
  size_t a = tl->gn, b = tl->gn;
  for (size_t k = 0; k < tl->gn; k++) {
    if (now[k] == 0) continue;
    if (now[k] > 0) a = k;
    else if (a < tl->gn) {
      b = k;
      break;
    }
  }
  if (a >= tl->gn || b >= tl->gn) return 0;
  double N = (double)tl->len, mean = tl->s1 / N, inv_mean = 1.0 / mean;
  double xa = tl->gx[a] * mean, xb = tl->gx[b] * mean, ha, hb;
  if (xa == 0.0) ha = 0.5 * (tl->s2 / N) * inv_mean * inv_mean - 1.0;
  else grim_h(tl->ring, tl->len, 1.0, inv_mean, xa, &ha, NULL);
  if (xb == 0.0) hb = 0.5 * (tl->s2 / N) * inv_mean * inv_mean - 1.0;
  else grim_h(tl->ring, tl->len, 1.0, inv_mean, xb, &hb, NULL);
  if (!(ha > 0.0 && hb < 0.0)) return 0; /* the sums and a direct evaluation disagree: full fit */
  double xr = brent_root(tl->ring, tl->len, 1.0, inv_mean, xa, xb, ha, hb);
  if (xr == 0.0) return 0;
  double hr, gr;
  grim_h(tl->ring, tl->len, 1.0, inv_mean, xr, &hr, &gr);
  double sig = (gr / xr) * mean;
  if (!(sig > 0.0) || !finite_d(gr)) return 0;
  double ll = -N * aw_log(sig) - N * (1.0 + gr);
  tl->fit.gamma = gr;
  tl->fit.sigma = sig;
  tl->fit.loglik = ll;
  tl->fit.method = AW_GPD_ROOT;
  double lle = -N * aw_log(mean) - N;
  if (lle > ll) {
    tl->fit.gamma = 0.0;
    tl->fit.sigma = mean;
    tl->fit.loglik = lle;
    tl->fit.method = AW_GPD_EXPONENTIAL;
  }
  double var = tl->s2 / N - mean * mean;
  if (var > 0.0) {
    double r = mean * mean / var, gm = 0.5 * (1.0 - r), sm = 0.5 * mean * (1.0 + r);
    double llm = aw_gpd_loglik(tl->ring, tl->len, gm, sm);
    if (llm > tl->fit.loglik) {
      tl->fit.gamma = gm;
      tl->fit.sigma = sm;
      tl->fit.loglik = llm;
      tl->fit.method = AW_GPD_MOMENTS;
    }
  }
  tl->fit.n = tl->len;
  tl->fit.n_roots = 1;
  tl->fit.roots[0] = xr * inv_mean;
  tl->fit.irregular = tl->fit.gamma < -0.5;
  tl->fs.valid = 0;
  if (tl->fit.method == AW_GPD_ROOT) {
    double x = xr * inv_mean;
    if (fast_anchor(&tl->fs, tl->ring, tl->len, x)) tl->fs.x = x;
  }
  s->fast_fits++;
  tl->since_full++;
  return 1;
}

static aw_status tail_add_excess(aw_spot *s, tail *tl, double y, aw_error *err) {
  int removed;
  double old = 0.0;
  aw_status st = tail_push(tl, y, &removed, &old, err);
  if (st != AW_OK) return st;
  tl->nt++;
  int full = s->full_every <= 1 || tl->since_full + 1 >= s->full_every || !tl->gvalid || tl->gmaxima > 1;
  if (!full) {
    /* the root brackets must not have changed since the last full fit */
    if (!grid_update(tl, y, 1.0) || (removed && !grid_update(tl, old, -1.0))) {
      full = 1;
    } else {
      full = !grid_same_roots(tl);
    }
  }
  if (!full) {
    /* same root structure as at the last full fit: refit the candidates it had */
    if (tl->gmaxima == 0) {
      full = !tail_cheap_fit(s, tl);
    } else {
      int ok = tl->fs.valid && tail_fast_fit(s, tl, y, removed, old);
      if (!ok) ok = tail_bracket_fit(s, tl);
      full = !ok;
    }
  }
  if (full) {
    st = tail_full_fit(s, tl, 3, err);
    if (st != AW_OK) return aw_error_prefix(err, "spot refit after %llu points", (unsigned long long)s->index);
  }
  tl->z = aw_pot_quantile(tl->t, tl->fit.gamma, tl->fit.sigma, s->p.q, s->n, tl->nt);
  return AW_OK;
}

aw_spot *aw_spot_new(const aw_pot_params *p, aw_error *err) {
  aw_pot_params d;
  if (!p) {
    aw_pot_params_default(&d);
    p = &d;
  }
  if (aw_pot_params_check(p, 1, err) != AW_OK) return NULL;
  aw_spot *s = (aw_spot *)AW_CALLOC(1, sizeof *s);
  if (!s) {
    aw_error_set(err, AW_ERR_NOMEM, "spot: out of memory");
    return NULL;
  }
  s->p = *p;
  s->full_every = p->full_fit_every ? p->full_fit_every : DEFAULT_FULL_EVERY;
  s->ntails = p->both ? 2 : 1;
  for (int k = 0; k < s->ntails; k++) {
    tail *tl = &s->tails[k];
    tl->bounded = p->max_excess > 0;
    tl->cap = tl->bounded ? p->max_excess : 64;
    tl->ring = (double *)aw_alloc_array(tl->cap, sizeof(double));
    if (!tl->ring) {
      aw_error_set(err, AW_ERR_NOMEM, "spot: out of memory (tail of %zu)", tl->cap);
      aw_spot_free(s);
      return NULL;
    }
  }
  if (p->drift) {
    s->win.d = p->drift;
    s->win.buf = (double *)aw_alloc_array(p->drift, sizeof(double));
    if (!s->win.buf) {
      aw_spot_free(s);
      aw_error_set(err, AW_ERR_NOMEM, "dspot: out of memory (window of %zu)", p->drift);
      return NULL;
    }
  }
  return s;
}

void aw_spot_free(aw_spot *s) {
  if (!s) return;
  for (int k = 0; k < 2; k++) AW_FREE(s->tails[k].ring);
  AW_FREE(s->win.buf);
  AW_FREE(s);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The exact order statistic sort(v)[floor(level * m)] ([S17] Alg. 1, as in Siffer's reference
 * code; libspot estimates it with P-squared instead). v is sorted in place. */
static double order_stat(double *v, size_t m, double level) {
  qsort(v, m, sizeof *v, cmp_double);
  size_t k = (size_t)floor(level * (double)m);
  if (k >= m) k = m - 1;
  return v[k];
}

aw_status aw_spot_calibrate(aw_spot *s, const double *x, size_t n, aw_error *err) {
  if (!s || (!x && n)) return aw_error_set(err, AW_ERR_ARG, "spot calibrate: NULL argument");
  size_t d = s->p.drift;
  if (n <= d || n < 3)
    return aw_error_set(err, AW_ERR_RANGE, "spot calibrate: %zu points given, need more than %zu%s", n,
                        d > 2 ? d : 2, d ? " (the drift depth)" : "");
  double amax = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!finite_d(x[i]))
      return aw_error_set(err, AW_ERR_RANGE, "spot calibrate: value %zu is %g (values must be finite)", i, x[i]);
    if (fabs(x[i]) > amax) amax = fabs(x[i]);
  }
  int ex = 0;
  if (amax > 0.0) frexp(amax, &ex);
  s->scale = ldexp(1.0, -ex);
  s->unscale = ldexp(1.0, ex);
  size_t m = n - d;
  double *v = (double *)aw_alloc_array(m, sizeof(double));
  double *peaks = (double *)aw_alloc_array(m, sizeof(double));
  if (!v || !peaks) {
    AW_FREE(v);
    AW_FREE(peaks);
    return aw_error_set(err, AW_ERR_NOMEM, "spot calibrate: out of memory (%zu values)", m);
  }
  /* DSPOT ([S17] Alg. 3): X'_i = X_i - mean(X_{i-d} .. X_{i-1}); the first d values only seed
   * the moving average. */
  s->win.len = s->win.head = s->win.since = 0;
  s->win.sum = 0.0;
  for (size_t i = 0; i < d; i++) mwin_push(&s->win, x[i] * s->scale);
  for (size_t i = d; i < n; i++) {
    double xs = x[i] * s->scale;
    v[i - d] = xs - (d ? mwin_mean(&s->win) : 0.0);
    if (d) mwin_push(&s->win, xs);
  }
  s->n = m;
  s->alarms = s->full_fits = s->fast_fits = 0;
  s->index = n;
  aw_status st = AW_OK;
  for (int k = 0; k < s->ntails && st == AW_OK; k++) {
    tail *tl = &s->tails[k];
    double sign = k == 0 ? 1.0 : -1.0;
    for (size_t i = 0; i < m; i++) peaks[i] = v[i];
    /* upper: sort(v)[floor(level m)]; lower: sort(v)[floor((1 - level) m)], used on -v so both
     * tails share one code path (the excesses t_low - v are exact negations). */
    double t = order_stat(peaks, m, k == 0 ? s->p.level : 1.0 - s->p.level);
    tl->t = sign * t;
    tl->len = tl->head = 0;
    tl->s1 = tl->s2 = 0.0;
    tl->nt = tl->alarms = 0;
    tl->since_full = 0;
    tl->fs.valid = 0;
    int dummy;
    double old;
    for (size_t i = 0; i < m && st == AW_OK; i++) {
      double a = sign * v[i];
      if (a > tl->t) {
        st = tail_push(tl, a - tl->t, &dummy, &old, err);
        tl->nt++;
      }
    }
    if (st != AW_OK) break;
    size_t minp = s->p.min_peaks ? s->p.min_peaks : AW_GPD_MIN_PEAKS;
    if (tl->nt < minp) {
      st = aw_error_set(err, AW_ERR_RANGE,
                        "spot calibrate: %llu excesses over the initial %s threshold %g in %zu points; at "
                        "least %zu are needed (constant or too short calibration data, or level too high)",
                        (unsigned long long)tl->nt, k == 0 ? "upper" : "lower", t * s->unscale, m, minp);
      break;
    }
    if (s->p.q * (double)m >= (double)tl->nt) {
      st = aw_error_set(err, AW_ERR_RANGE,
                        "spot calibrate: q = %g is at or above the %s exceedance rate Nt/n = %llu/%zu of the "
                        "calibration data (the threshold would fall below t)",
                        s->p.q, k == 0 ? "upper" : "lower", (unsigned long long)tl->nt, m);
      break;
    }
    st = tail_full_fit(s, tl, 3, err);
    if (st != AW_OK) break;
    tl->z = aw_pot_quantile(tl->t, tl->fit.gamma, tl->fit.sigma, s->p.q, s->n, tl->nt);
  }
  AW_FREE(v);
  AW_FREE(peaks);
  s->calibrated = st == AW_OK;
  return st;
}

double aw_spot_z_upper(const aw_spot *s) {
  if (!s || !s->calibrated) return NAN;
  return (s->tails[0].z + (s->p.drift ? mwin_mean(&s->win) : 0.0)) * s->unscale;
}

double aw_spot_z_lower(const aw_spot *s) {
  if (!s || !s->calibrated) return NAN;
  if (s->ntails < 2) return -INFINITY;
  return (-s->tails[1].z + (s->p.drift ? mwin_mean(&s->win) : 0.0)) * s->unscale;
}

aw_status aw_spot_step(aw_spot *s, double x, aw_spot_event *ev, aw_error *err) {
  if (!s) return aw_error_set(err, AW_ERR_ARG, "spot step: NULL detector");
  if (!s->calibrated) return aw_error_set(err, AW_ERR_STATE, "spot step: calibrate first");
  if (!finite_d(x))
    return aw_error_set(err, AW_ERR_RANGE, "spot: value %llu is %g (values must be finite)",
                        (unsigned long long)s->index, x);
  double xs = x * s->scale;
  if (!(fabs(xs) <= SPOT_MAX_SCALED))
    return aw_error_set(err, AW_ERR_RANGE, "spot: value %llu is %g, more than 2^500 times the calibration data's range",
                        (unsigned long long)s->index, x);
  double m = s->p.drift ? mwin_mean(&s->win) : 0.0;
  double xp = xs - m;
  tail *up = &s->tails[0], *lo = s->ntails > 1 ? &s->tails[1] : NULL;
  int a_up = xp > up->z, a_lo = lo && -xp > lo->z;
  if (ev) {
    ev->z_upper = (up->z + m) * s->unscale;
    ev->z_lower = lo ? (-lo->z + m) * s->unscale : -INFINITY;
    ev->upper = ev->lower = AW_SPOT_NORMAL;
    ev->alarm = 0;
  }
  s->index++;
  if (a_up || a_lo) {
    /* [S17] Alg. 2: an alarm is neither added to the tail nor counted in n (Alg. 3: nor in W),
     * unless keep_alarms asks for the uncensored variant. */
    s->alarms++;
    if (a_up) up->alarms++;
    if (a_lo) lo->alarms++;
    if (ev) {
      ev->alarm = 1;
      if (a_up) ev->upper = AW_SPOT_ALARM;
      if (a_lo) ev->lower = AW_SPOT_ALARM;
    }
    if (!s->p.keep_alarms) return AW_OK;
  }
  s->n++;
  aw_status st;
  if (xp > up->t) {
    st = tail_add_excess(s, up, xp - up->t, err);
    if (st != AW_OK) return st;
    if (ev && !a_up) ev->upper = AW_SPOT_EXCESS;
  }
  if (lo && -xp > lo->t) {
    st = tail_add_excess(s, lo, -xp - lo->t, err);
    if (st != AW_OK) return st;
    if (ev && !a_lo) ev->lower = AW_SPOT_EXCESS;
  }
  if (s->p.drift) mwin_push(&s->win, xs);
  return AW_OK;
}

/* The fit in data units: sigma and the roots rescale, the log-likelihood of y = y_s / scale is
 * that of y_s plus N log(scale). */
static void unscale_fit(const aw_spot *s, const aw_gpd_fit *f, aw_gpd_fit *o) {
  *o = *f;
  o->sigma = f->sigma * s->unscale;
  o->loglik = f->loglik + (double)f->n * aw_log(s->scale);
  for (size_t k = 0; k < f->n_roots && k < AW_GPD_MAX_ROOTS; k++) o->roots[k] = f->roots[k] * s->scale;
}

static void tail_result(const aw_spot *s, const tail *tl, int lower, aw_pot_tail_result *r) {
  double m = s->p.drift ? mwin_mean(&s->win) : 0.0;
  aw_gpd_fit f;
  unscale_fit(s, &tl->fit, &f);
  r->t = (lower ? -tl->t : tl->t) * s->unscale;
  r->z = (lower ? -tl->z : tl->z) * s->unscale;
  r->z_abs = ((lower ? -tl->z : tl->z) + m) * s->unscale;
  r->gamma = f.gamma;
  r->sigma = f.sigma;
  r->loglik = f.loglik;
  r->method = tl->fit.method;
  r->n = s->n;
  r->nt = tl->nt;
  r->alarms = tl->alarms;
  r->stored = tl->len;
}

void aw_spot_result(const aw_spot *s, aw_pot_result *res) {
  if (!res) return;
  memset(res, 0, sizeof *res);
  if (!s) return;
  res->both = s->ntails > 1;
  tail_result(s, &s->tails[0], 0, &res->upper);
  if (s->ntails > 1) tail_result(s, &s->tails[1], 1, &res->lower);
  res->alarms = s->alarms;
  res->full_fits = s->full_fits;
  res->fast_fits = s->fast_fits;
}

const aw_gpd_fit *aw_spot_fit(aw_spot *s, int side) {
  if (!s || side < 0 || side >= s->ntails) return NULL;
  unscale_fit(s, &s->tails[side].fit, &s->pub[side]);
  return &s->pub[side];
}

aw_status aw_spot_run(const double *x, size_t n, const aw_pot_params *p, double *z_upper, double *z_lower,
                      uint8_t *alarm, aw_pot_result *res, const aw_progress *prog, aw_error *err) {
  if (!x && n) return aw_error_set(err, AW_ERR_ARG, "spot run: x is NULL");
  aw_pot_params d;
  if (!p) {
    aw_pot_params_default(&d);
    p = &d;
  }
  if (aw_pot_params_check(p, 1, err) != AW_OK) return err ? err->code : AW_ERR_RANGE;
  if (n < p->n_init)
    return aw_error_set(err, AW_ERR_RANGE, "spot: %zu points, fewer than n_init = %zu calibration points", n,
                        p->n_init);
  aw_spot *s = aw_spot_new(p, err);
  if (!s) return err ? err->code : AW_ERR_NOMEM;
  aw_status st = aw_spot_calibrate(s, x, p->n_init, err);
  if (st == AW_OK) {
    double zu = aw_spot_z_upper(s), zl = aw_spot_z_lower(s);
    for (size_t i = 0; i < p->n_init; i++) {
      if (z_upper) z_upper[i] = zu;
      if (z_lower) z_lower[i] = zl;
      if (alarm) alarm[i] = 0;
    }
    aw_spot_event ev;
    for (size_t i = p->n_init; i < n; i++) {
      if (((i - p->n_init) & 0xFFFF) == 0 && i > p->n_init &&
          aw_progress_report(prog, (double)i / (double)n, "spot")) {
        st = aw_error_set(err, AW_ERR_CANCELLED, "spot: cancelled at point %zu", i);
        break;
      }
      st = aw_spot_step(s, x[i], &ev, err);
      if (st != AW_OK) break;
      if (z_upper) z_upper[i] = ev.z_upper;
      if (z_lower) z_lower[i] = ev.z_lower;
      if (alarm) alarm[i] = (uint8_t)ev.alarm;
    }
  }
  if (st == AW_OK) aw_spot_result(s, res);
  aw_spot_free(s);
  return st;
}

/* ------------------------------------------------------------------ batch POT ([S17] Alg. 1) */

aw_status aw_pot_batch(const double *x, size_t n, const aw_pot_params *p, double *z_upper, double *z_lower,
                       uint8_t *alarm, aw_pot_result *res, aw_error *err) {
  if (!x && n) return aw_error_set(err, AW_ERR_ARG, "pot: x is NULL");
  aw_pot_params q;
  if (!p) aw_pot_params_default(&q);
  else q = *p;
  q.drift = 0;
  size_t m = q.n_init ? q.n_init : n;
  if (m > n) return aw_error_set(err, AW_ERR_RANGE, "pot: %zu points, fewer than the %zu to fit on", n, m);
  q.n_init = m;
  if (aw_pot_params_check(&q, 0, err) != AW_OK) return err ? err->code : AW_ERR_RANGE;
  for (size_t i = 0; i < n; i++)
    if (!finite_d(x[i]))
      return aw_error_set(err, AW_ERR_RANGE, "pot: value %zu is %g (values must be finite)", i, x[i]);
  q.max_excess = 0; /* batch: every excess is kept */
  q.full_fit_every = 1;
  aw_spot *s = aw_spot_new(&q, err);
  if (!s) return err ? err->code : AW_ERR_NOMEM;
  aw_status st = aw_spot_calibrate(s, x, m, err);
  if (st == AW_OK) {
    double zu = aw_spot_z_upper(s), zl = aw_spot_z_lower(s);
    uint64_t al = 0, au = 0, alo = 0;
    for (size_t i = 0; i < n; i++) {
      int a = x[i] > zu, b = x[i] < zl;
      if (z_upper) z_upper[i] = zu;
      if (z_lower) z_lower[i] = zl;
      if (alarm) alarm[i] = (uint8_t)(a || b);
      al += (a || b);
      au += a;
      alo += b;
    }
    aw_spot_result(s, res);
    if (res) {
      res->alarms = al;
      res->upper.alarms = au;
      res->lower.alarms = res->both ? alo : 0;
    }
  }
  aw_spot_free(s);
  return st;
}

/* ------------------------------------------------------------------ DAM's q sweep */

aw_status aw_pot_sweep_run(const double *x, size_t n, const uint8_t *labels, const aw_pot_params *p, int streaming,
                           aw_pot_sweep *out, const aw_progress *prog, aw_error *err) {
  if (!out || (!x && n)) return aw_error_set(err, AW_ERR_ARG, "pot sweep: NULL argument");
  memset(out, 0, sizeof *out);
  aw_pot_params base;
  if (!p) aw_pot_params_default(&base);
  else base = *p;
  out->uses_labels = labels != NULL;
  out->best_index = -1;
  for (int k = 0; k < AW_POT_SWEEP_N; k++) {
    aw_pot_sweep_row *r = &out->rows[k];
    /* q = (k + 1) * 1e-3 computed as an integer over 1000 so every q is the nearest double */
    r->q = (double)(k + 1) / 1000.0;
    r->z_upper = r->z_lower = NAN;
    r->precision = r->recall = r->f1 = NAN;
  }
  /* The calibration is the same for every q: its exceedance rate Nt/n bounds the valid q. */
  double rate;
  {
    aw_pot_params c = base;
    c.q = 1e-300;
    c.drift = streaming ? base.drift : 0;
    size_t m = streaming ? base.n_init : (base.n_init ? base.n_init : n);
    if (m > n) return aw_error_set(err, AW_ERR_RANGE, "pot sweep: %zu points, fewer than the %zu to calibrate on", n, m);
    c.n_init = m;
    aw_spot *cs = aw_spot_new(&c, err);
    if (!cs) return err ? err->code : AW_ERR_NOMEM;
    aw_status cst = aw_spot_calibrate(cs, x, m, err);
    if (cst != AW_OK) {
      aw_spot_free(cs);
      return cst;
    }
    rate = (double)cs->tails[0].nt;
    if (cs->ntails > 1 && (double)cs->tails[1].nt < rate) rate = (double)cs->tails[1].nt;
    rate /= (double)cs->n;
    aw_spot_free(cs);
  }
  uint8_t *al = (uint8_t *)AW_MALLOC(n ? n : 1);
  if (!al) return aw_error_set(err, AW_ERR_NOMEM, "pot sweep: out of memory (%zu points)", n);
  aw_status st = AW_OK;
  double best_f1 = -1.0;
  for (int k = 0; k < AW_POT_SWEEP_N && st == AW_OK; k++) {
    aw_pot_sweep_row *r = &out->rows[k];
    if (!(r->q < rate)) continue; /* at or above the exceedance rate: no threshold above t, invalid */
    if (aw_progress_report(prog, (double)k / AW_POT_SWEEP_N, "pot sweep")) {
      st = aw_error_set(err, AW_ERR_CANCELLED, "pot sweep: cancelled");
      break;
    }
    aw_pot_params q = base;
    q.q = r->q;
    aw_pot_result res;
    st = streaming ? aw_spot_run(x, n, &q, NULL, NULL, al, &res, NULL, err)
                   : aw_pot_batch(x, n, &q, NULL, NULL, al, &res, err);
    if (st != AW_OK) break;
    r->valid = 1;
    r->z_upper = res.upper.z_abs;
    r->z_lower = res.both ? res.lower.z_abs : NAN;
    r->alarms = res.alarms;
    if (labels) {
      aw_prf prf;
      st = aw_eval_point_adjusted(al, labels, n, &prf, NULL, err);
      if (st != AW_OK) break;
      r->precision = prf.precision;
      r->recall = prf.recall;
      r->f1 = prf.f1;
      if (prf.f1 > best_f1) {
        best_f1 = prf.f1;
        out->best_index = k;
      }
    }
  }
  AW_FREE(al);
  return st;
}

/* math.c - portable elementary functions: the same bits on every IEEE-754 platform.
 *
 * Only double +, -, *, /, the exact fabs/floor/copysignf and integer bit manipulation are used
 * (no long double, no <math.h> transcendental); the build uses -ffp-contract=off so no
 * multiply-add is ever fused. Tables and polynomial
 * coefficients come from core/src/internal/gen_math_tables.py (mpmath), see docs/math.md for the
 * algorithm of every function and the measured accuracy.
 *
 * Building blocks (all exact in IEEE double arithmetic barring overflow/underflow):
 *   two_sum(a, b)      s + e == a + b exactly (Knuth)
 *   fast_two_sum(a, b) the same when |a| >= |b| (Dekker)
 *   two_prod(a, b)     p + e == a * b exactly, by Veltkamp splitting (Dekker 1971), no FMA
 * Values carried as such unevaluated pairs (hi + lo) are "double-double"; most functions compute
 * their result as a double-double with a relative error near 2^-60 and round it once at the end,
 * which keeps the final error close to 0.5 ulp.
 */
#include "aw/math.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal/math_tables.h"

/* ------------------------------------------------------------------------------------ basics */

static inline uint64_t asu64(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

static inline double asdouble(uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

static inline uint32_t asu32f(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

/* NaN results are always this quiet NaN (payloads and signs of NaNs differ between x86 and
 * WebAssembly, so a NaN is never passed through from arithmetic). */
static inline double nan_d(void) { return asdouble(0x7ff8000000000000ull); }
static inline float nan_f(void) {
  uint32_t u = 0x7fc00000u;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* floor(log2 a) for a > 0 finite (subnormals included). */
static inline int ilogb_pos(double a) {
  int e = (int)((asu64(a) >> 52) & 0x7ff);
  if (e == 0) return (int)((asu64(a * 0x1p64) >> 52) & 0x7ff) - 1023 - 64;
  return e - 1023;
}

/* 2^e for -1022 <= e <= 1023. */
static inline double pow2i(int e) { return asdouble((uint64_t)(1023 + e) << 52); }

static inline double two_sum(double a, double b, double *e) {
  double s = a + b;
  double bb = s - a;
  *e = (a - (s - bb)) + (b - bb);
  return s;
}

static inline double fast_two_sum(double a, double b, double *e) {
  double s = a + b;
  *e = b - (s - a);
  return s;
}

/* Veltkamp split: a = hi + lo with hi holding the top 26 bits (|a| < 2^996). */
static inline void split(double a, double *hi, double *lo) {
  double t = 134217729.0 * a; /* 2^27 + 1 */
  *hi = t - (t - a);
  *lo = a - *hi;
}

static inline double two_prod(double a, double b, double *e) {
  double p = a * b;
  double ah, al, bh, bl;
  split(a, &ah, &al);
  split(b, &bh, &bl);
  *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return p;
}

/* Round to the nearest integer (ties to even) for |x| < 2^51, in the current rounding mode. */
static inline double round_int(double x) {
  const double shift = 0x1.8p52;
  return (x + shift) - shift;
}

/* (ah + al) / (bh + bl) as a double-double (bh != 0, no overflow in bh * q); needs
 * |bl| <= ulp(bh) (normalized divisor), since only the first-order term of bl is kept. */
static inline double dd_div(double ah, double al, double bh, double bl, double *lo) {
  double q = ah / bh;
  double pl, ph = two_prod(q, bh, &pl);
  double r = ((ah - ph) - pl) + al - q * bl;
  *lo = r / bh;
  return q;
}

/* (h + l) * 2^m rounded once to double, for h + l > 0 (any normal magnitude) and |m| < 2000.
 * Handles overflow (inf) and results in the subnormal range with a single rounding. */
static double scale2(double h, double l, int m) {
  double v = h + l;
  int ev = (int)((asu64(v) >> 52) & 0x7ff) - 1023;
  int e = ev + m;
  if (e >= -1022) {
    if (e > 1023) return v * 0x1p1023 * 2.0; /* overflow: +inf */
    if (m >= -1022 && m <= 1023) return v * pow2i(m);
    int m1 = m / 2;
    return v * pow2i(m1) * pow2i(m - m1); /* both steps exact: the result is normal */
  }
  if (e < -1076) return 0.0 * h;
  /* Subnormal result: A = (h + l) 2^(m + 1022) < 1, rounded to a multiple of 2^-52 by adding 1
   * (so the only rounding happens at the subnormal grid), then scaled exactly by 2^-1022. */
  int ms = m + 1022;
  double s = ms >= -1022 ? pow2i(ms) : 0.0;
  double ah = h * s, al = l * s;
  double err, t = two_sum(1.0, ah, &err);
  t = t + (err + al);
  return (t - 1.0) * 0x1p-1022;
}

/* ---------------------------------------------------------------------------------- exp core */

/* Reduction shared by the exp family: x = k ln2/128 + (rh + rl), |rh| <= ln2/256 (plus slack),
 * with rh + rl exact up to 2^-78 (|x| < 1100). Returns k. */
static inline int exp_reduce(double xh, double xl, double *rh, double *rl) {
  double z = xh * AW_EXP_INVL + 0x1.8p52;
  double kd = z - 0x1.8p52;
  double a = xh - kd * AW_EXP_L1; /* exact: kd * L1 is exact and close to xh */
  double b = kd * AW_EXP_L2;
  double e, s = two_sum(a, -b, &e);
  *rh = two_sum(s, e + xl, rl); /* renormalize: xl may exceed ulp(s) */
  /* k from the low 32 bits of z (two's complement), |k| < 2^18 */
  return (int)((uint32_t)asu64(z) + 0x40000000u) - 0x40000000;
}

/* e^(xh + xl) = (hi + lo) 2^m, relative error about 2^-62; |xh| <= 1100. */
static double exp_dd(double xh, double xl, double *lo, int *m) {
  double rh, rl;
  int k = exp_reduce(xh, xl, &rh, &rl);
  /* e^r - 1 = r + r^2/2 + r^3/6 + ... (Taylor, degree 6: the rest is below 2^-67 relative) */
  double q = rh * rh * (0.5 + rh * (1.0 / 6 + rh * (1.0 / 24 + rh * (1.0 / 120 + rh * (1.0 / 720)))));
  double p = rh + (rl + q);
  int j = k & 127;
  *m = (int)(((uint32_t)k + 0x40000000u) >> 7) - (0x40000000 >> 7); /* floor(k / 128) */
  double th = aw_exp_tab[j][0];
  return fast_two_sum(th, aw_exp_tab[j][1] + th * p, lo);
}

double aw_exp(double x) {
  uint64_t ix = asu64(x);
  uint32_t top = (uint32_t)(ix >> 52) & 0x7ff;
  if (top >= 0x408) { /* |x| >= 512, inf or NaN */
    if (x != x) return nan_d();
    if (x > 709.8) return 0x1p1023 * 2.0;
    if (x < -746.0) return 0.0;
    double lo;
    int m;
    double hi = exp_dd(x, 0.0, &lo, &m);
    return scale2(hi, lo, m);
  }
  if (top < 0x3c9) return 1.0 + x; /* |x| < 2^-54: correctly rounded */
  /* k = round(x 128/ln2) sits in the low bits of z (two's complement, mod 2^64) */
  double z = x * AW_EXP_INVL + 0x1.8p52;
  uint64_t ki = asu64(z);
  double kd = z - 0x1.8p52;
  double r = (x - kd * AW_EXP_L1) - kd * AW_EXP_L2;
  /* e^r - 1, degree 5 Taylor: the omitted r^6/720 is below 2^-60 for |r| <= ln2/256 */
  double r2 = r * r;
  double p = r + r2 * ((0.5 + r * (1.0 / 6)) + r2 * (1.0 / 24 + r * (1.0 / 120)));
  uint64_t j = ki & 127;
  double th = aw_exp_tab[j][0];
  double v = th + (aw_exp_tab[j][1] + th * p);
  /* |x| < 512: the result 2^m v, -739 <= m <= 739, is normal: add m = (k - j)/128 to the
   * exponent field, (k - j) 2^45 = m 2^52 (mod 2^64) */
  return asdouble(asu64(v) + ((ki - j) << 45));
}

/* e^x - 1 as a double-double, relative error about 2^-62, for -40 <= x <= 709. */
static double expm1_dd(double x, double *lo) {
  double rh, rl;
  int k = exp_reduce(x, 0.0, &rh, &rl);
  double q = rh * rh * (0.5 + rh * (1.0 / 6 + rh * (1.0 / 24 + rh * (1.0 / 120 + rh * (1.0 / 720)))));
  double pl = rl + q; /* e^r - 1 = rh + pl */
  int j = k & 127;
  int m = (int)(((uint32_t)k + 0x40000000u) >> 7) - (0x40000000 >> 7); /* floor(k / 128) */
  if (m > 60) { /* S - 1 and S p without the splitting of two_prod (which overflows above 2^996) */
    double l2;
    double h2 = exp_dd(x, 0.0, &l2, &m);
    *lo = 0.0;
    return scale2(h2, m <= 1000 ? l2 - pow2i(-m) : l2, m);
  }
  double s = pow2i(m);
  double sh = aw_exp_tab[j][0] * s, sl = aw_exp_tab[j][1] * s; /* S = 2^(k/128) */
  /* S (1 + p) - 1 = (S - 1) + S p, with S - 1 and sh * rh exact */
  double al, ah = two_sum(sh, -1.0, &al);
  double bl, bh = two_prod(sh, rh, &bl);
  double rest = al + bl + sl + sh * pl + sl * (rh + pl);
  double e, hi = two_sum(ah, bh, &e);
  return fast_two_sum(hi, e + rest, lo);
}

double aw_expm1(double x) {
  if (x != x) return nan_d();
  if (x > 709.8) return 0x1p1023 * 2.0;
  if (x < -40.0) return -1.0; /* e^x < 2^-57: rounds to -1 */
  if (fabs(x) < 0x1p-54) return x;
  double lo;
  double hi = expm1_dd(x, &lo);
  return hi + lo;
}

/* ---------------------------------------------------------------------------------- log core */

/* Table reduction: x = 2^k z (x > 0 finite, subnormals included), z in [0.6894, 1.3789), and
 * r = z invc - 1 = rh + rl exactly (|r| < 0.0040, |rl| <= ulp(rh)); log x = k ln2 + logc +
 * log1p(r) with logc = -log(invc) from aw_log_tab[*i]. Returns k. */
static inline int log_reduce(double x, int *i, double *rh, double *rl) {
  uint64_t ix = asu64(x);
  int ksub = 0;
  if (ix < 0x0010000000000000ull) { /* subnormal */
    ix = asu64(x * 0x1p54);
    ksub = -54;
  }
  uint64_t tmp = ix - AW_LOG_OFF;
  *i = (int)((tmp >> 45) & 127);
  int k = (int)((tmp >> 52) & 0xfff);
  if (k >= 2048) k -= 4096;
  uint64_t iz = ix - (tmp & 0xfff0000000000000ull);
  double z = asdouble(iz);
  double invc = aw_log_tab[*i][0];
  double zh = asdouble(iz & ~(uint64_t)0x1fff); /* 40 significant bits */
  double zl = z - zh;                           /* at most 13 bits */
  double h = zh * invc - 1.0;                   /* exact (product fits, then Sterbenz) */
  double l = zl * invc;                         /* exact */
  *rh = two_sum(h, l, rl);
  return k + ksub;
}

/* log1p(r) - r + r^2/2 = r^3 (1/3 - r/4 + ... - r^5/8), Taylor; for |r| < 2^-7.9 the omitted
 * terms are below 2^-62 relative to r. Evaluated in Estrin form (shorter dependency chain). */
static inline double log1p_tail(double r, double r2) {
  double a = 1.0 / 3 - 0.25 * r, b = 0.2 - (1.0 / 6) * r, c = 1.0 / 7 - 0.125 * r;
  return r2 * r * (a + r2 * (b + r2 * c));
}

/* log(x) = k ln2 + L, L = log(z) as a double-double (relative error ~2^-62), from the parts of
 * log_reduce. */
static inline double logz_dd(int i, double rh, double rl, double *lo) {
  double r2 = rh * rh;
  double e, s = two_sum(aw_log_tab[i][1], rh, &e);
  double t = (aw_log_tab[i][2] + rl) + (-0.5 * r2 + log1p_tail(rh, r2));
  return fast_two_sum(s, e + t, lo);
}

/* log(x) as a double-double with relative error about 2^-68 (for pow): as above, but with r^2
 * exact and two more Taylor terms. */
static double log_dd(double x, double *lo) {
  double rh, rl;
  int i;
  int k = log_reduce(x, &i, &rh, &rl);
  double sl, sh = two_prod(rh, rh, &sl);
  double h2 = -0.5 * sh;
  double l2 = -0.5 * sl - rh * rl;
  double q = rh * sh *
             (1.0 / 3 + rh * (-0.25 + rh * (0.2 + rh * (-1.0 / 6 + rh * (1.0 / 7 + rh * (-0.125 + rh * (1.0 / 9)))))));
  double hi = (double)k * AW_LN2_HI + aw_log_tab[i][1]; /* exact: both on a 2^-42 grid, |sum| < 2^11 */
  double e1, s = two_sum(hi, rh, &e1);
  double e2;
  s = two_sum(s, h2, &e2);
  double l = e1 + e2 + rl + l2 + q + ((double)k * AW_LN2_LO + aw_log_tab[i][2]);
  return fast_two_sum(s, l, lo);
}

/* Special cases shared by the log family: returns 1 and sets *r when x is not positive finite. */
static inline int log_special(double x, double *r) {
  if (x > 0 && x <= 0x1.fffffffffffffp1023) return 0;
  if (x == 0) *r = -0x1p1023 * 2.0; /* -inf */
  else if (x > 0) *r = x;           /* +inf */
  else *r = nan_d();                /* x < 0 or NaN */
  return 1;
}

double aw_log(double x) {
  double res;
  if (log_special(x, &res)) return res;
  double rh, rl;
  int i;
  int k = log_reduce(x, &i, &rh, &rl);
  double hi = (double)k * AW_LN2_HI + aw_log_tab[i][1]; /* exact */
  double r2 = rh * rh;
  double e, s = two_sum(hi, rh, &e);
  double t = (e + rl) + ((double)k * AW_LN2_LO + aw_log_tab[i][2]) + (-0.5 * r2 + log1p_tail(rh, r2));
  return s + t;
}

double aw_log2(double x) {
  double res;
  if (log_special(x, &res)) return res;
  double rh, rl, l;
  int i;
  int k = log_reduce(x, &i, &rh, &rl);
  double h = logz_dd(i, rh, rl, &l);
  double ml, mh = two_prod(h, AW_INVLN2_H, &ml);
  ml += h * AW_INVLN2_L + l * AW_INVLN2_H;
  double e, s = two_sum((double)k, mh, &e);
  return s + (e + ml);
}

double aw_log10(double x) {
  double res;
  if (log_special(x, &res)) return res;
  double rh, rl, l;
  int i;
  int k = log_reduce(x, &i, &rh, &rl);
  double h = logz_dd(i, rh, rl, &l);
  double ml, mh = two_prod(h, AW_INVLN10_H, &ml);
  ml += h * AW_INVLN10_L + l * AW_INVLN10_H;
  double kh = (double)k * AW_LOG10_2_HI; /* exact */
  double e, s = two_sum(kh, mh, &e);
  return s + (e + ml + (double)k * AW_LOG10_2_LO);
}

double aw_log1p(double x) {
  if (!(x > -1.0)) {
    if (x == -1.0) return -0x1p1023 * 2.0;
    return nan_d(); /* x < -1 or NaN */
  }
  if (fabs(x) < 0x1p-54) return x; /* log1p(x) = x - x^2/2 rounds to x; keeps -0 */
  if (x > 0x1.fffffffffffffp1023) return x;
  if (x > -0x1p-9 && x < 0x1p-8) { /* where log_reduce has invc = 1: r = x exactly */
    double r2 = x * x;
    return x + (-0.5 * r2 + log1p_tail(x, r2));
  }
  /* 1 + x = uh + ul exactly; log(uh + ul) = log(uh) + ul/uh (the next term is below 2^-106
   * relative to the result, which is at least 2^-9 here) */
  double ul, uh = two_sum(1.0, x, &ul);
  double rh, rl;
  int i;
  int k = log_reduce(uh, &i, &rh, &rl);
  double hi = (double)k * AW_LN2_HI + aw_log_tab[i][1];
  double r2 = rh * rh;
  double e, s = two_sum(hi, rh, &e);
  double t = (e + rl + ul / uh) + ((double)k * AW_LN2_LO + aw_log_tab[i][2]) + (-0.5 * r2 + log1p_tail(rh, r2));
  return s + t;
}

/* ------------------------------------------------------------------------------------------ pow */

/* 0: not an integer, 1: odd integer, 2: even integer (y finite). */
static int int_class(double y) {
  double ay = fabs(y);
  if (ay >= 0x1p53) return 2;
  if (floor(ay) != ay) return 0;
  return ((uint64_t)ay & 1) ? 1 : 2;
}

double aw_pow(double x, double y) {
  /* C99 Annex F.9.4.4 special cases */
  if (y == 0) return 1.0;
  if (x == 1.0) return 1.0;
  if (x != x || y != y) return nan_d();
  double ax = fabs(x), ay = fabs(y);
  if (ay > 0x1.fffffffffffffp1023) { /* y = +-inf */
    if (ax == 1.0) return 1.0;
    if ((ax < 1.0) == (y > 0)) return 0.0;
    return y * y; /* +inf */
  }
  int yc = int_class(y);
  if (x == 0 || ax > 0x1.fffffffffffffp1023) {
    /* |x|^y is 0 or inf; the sign is x's when y is an odd integer */
    int big = (x == 0) == (y < 0);
    double r = big ? 0x1p1023 * 2.0 : 0.0;
    return (yc == 1 && signbit(x)) ? -r : r;
  }
  double sign = 1.0;
  if (x < 0) {
    if (yc == 0) return nan_d();
    if (yc == 1) sign = -1.0;
  }
  if (ax == 1.0) return sign;
  if (ay >= 0x1p64) { /* |y log|x|| >= 2^64 * 2^-53: certain overflow or underflow */
    return ((ax < 1.0) == (y > 0)) ? sign * 0.0 : sign * 0x1p1023 * 2.0;
  }
  /* |x|^y = e^(y log|x|), with log|x| to about 2^-68 and the product exact as a double-double */
  double ll, lh = log_dd(ax, &ll);
  double pl, ph = two_prod(y, lh, &pl);
  pl += y * ll;
  if (ph > 710.0) return sign * 0x1p1023 * 2.0;
  if (ph < -746.0) return sign * 0.0;
  double lo;
  int m;
  double hi = exp_dd(ph, pl, &lo, &m);
  return sign * scale2(hi, lo, m);
}

/* ------------------------------------------------------------------------- trig reduction */

/* 32 bits of the 288-bit little-endian number p starting at bit pos (zeros outside). */
static uint32_t bits32(const uint32_t *p, int pos) {
  if (pos >= 288 || pos <= -32) return 0;
  if (pos < 0) return p[0] << (-pos);
  int w = pos >> 5, s = pos & 31;
  uint64_t v = p[w];
  if (w + 1 < 9) v |= (uint64_t)p[w + 1] << 32;
  return (uint32_t)(v >> s);
}

/* Payne-Hanek: x * 2/pi computed exactly enough with integer arithmetic from the bits of 2/pi.
 * x = M 2^E with M a 53-bit integer. Words of 2/pi that only contribute multiples of 4 are
 * skipped; 7 words (224 bits) after them leave at least 138 correct fraction bits for every
 * double. Returns the quadrant n (mod 4) and x - n pi/2 = rh + rl. */
static int rem_pio2_large(double x, double *rh, double *rl) {
  uint64_t ix = asu64(x) & 0x7fffffffffffffffull;
  int ex = (int)(ix >> 52);
  uint64_t M = (ix & 0x000fffffffffffffull) | 0x0010000000000000ull;
  int E = ex - 1075;
  int j0 = E >= 34 ? (E - 2) / 32 : 0;
  int Ep = E - 32 * j0; /* -53 <= Ep <= 33 */
  /* P = M * N, N = words j0..j0+6 of 2/pi; limbs little-endian */
  uint32_t n[7];
  for (int t = 0; t < 7; t++) n[t] = aw_two_over_pi[j0 + 6 - t];
  uint32_t p[9] = {0};
  uint64_t m0 = M & 0xffffffffu, m1 = M >> 32;
  uint64_t carry = 0;
  for (int t = 0; t < 7; t++) {
    uint64_t acc = m0 * n[t] + carry;
    p[t] = (uint32_t)acc;
    carry = acc >> 32;
  }
  p[7] = (uint32_t)carry;
  carry = 0;
  for (int t = 0; t < 7; t++) {
    uint64_t acc = m1 * n[t] + p[t + 1] + carry;
    p[t + 1] = (uint32_t)acc;
    carry = acc >> 32;
  }
  p[8] = (uint32_t)carry;
  /* binary point at bit sh of P: value = P 2^-sh (mod 4) */
  int sh = 224 - Ep;
  uint32_t ibits = bits32(p, sh) & 3u;
  /* 192 fraction bits as three 64-bit words f[0] (most significant) .. f[2] */
  uint64_t f[3];
  for (int w = 0; w < 3; w++) {
    int pos = sh - 64 * (w + 1);
    f[w] = ((uint64_t)bits32(p, pos + 32) << 32) | bits32(p, pos);
  }
  int neg = 0;
  if (f[0] >> 63) { /* fraction >= 1/2: use fraction - 1 and the next quadrant */
    ibits += 1;
    neg = 1;
    /* two's complement negation of the 192-bit fraction */
    f[2] = ~f[2];
    f[1] = ~f[1];
    f[0] = ~f[0];
    if (++f[2] == 0 && ++f[1] == 0) ++f[0];
  }
  int lz = 0;
  while (lz < 128 && f[0] == 0) {
    f[0] = f[1];
    f[1] = f[2];
    f[2] = 0;
    lz += 64;
  }
  double fh = 0.0, fl = 0.0;
  if (f[0] != 0) {
    int s = __builtin_clzll(f[0]);
    if (s > 0) {
      f[0] = (f[0] << s) | (f[1] >> (64 - s));
      f[1] = (f[1] << s) | (f[2] >> (64 - s));
      f[2] <<= s;
    }
    lz += s;
    /* fraction = (f[0] 2^128 + f[1] 2^64 + f[2]) 2^(-192 - lz); take 53 + 53 bits exactly */
    uint64_t a = f[0] >> 11;
    uint64_t b = ((f[0] & 0x7ffu) << 42) | (f[1] >> 22);
    fh = (double)a * pow2i(-53 - lz);
    fl = (double)b * pow2i(-106 - lz);
  }
  /* r = f * pi/2 */
  double pl, phh = two_prod(fh, AW_PIO2_H, &pl);
  pl += fh * AW_PIO2_L + fl * AW_PIO2_H;
  double h = fast_two_sum(phh, pl, rl);
  *rh = h;
  if (neg) {
    *rh = -*rh;
    *rl = -*rl;
  }
  int q = (int)(ibits & 3u);
  if (x < 0) {
    *rh = -*rh;
    *rl = -*rl;
    q = (4 - q) & 3;
  }
  return q;
}

/* x = n pi/2 + rh + rl with |rh| <= pi/4 (about); returns n mod 4. x finite, |x| > pi/4. */
static int rem_pio2(double x, double *rh, double *rl) {
  if (fabs(x) < 0x1p20) {
    /* Cody-Waite with pi/2 = P1 + P2 + P3 (119 bits): n P1 and n P2 exact. The absolute error is
     * below 2^-98, so the result is kept when |r| > 2^-30 (relative error < 2^-68). */
    double fn = round_int(x * AW_INV_PIO2);
    double a = x - fn * AW_PIO2_1;
    double b = fn * AW_PIO2_2;
    double e, s = two_sum(a, -b, &e);
    double c = fn * AW_PIO2_3;
    double l, h = fast_two_sum(s, e - c, &l);
    if (fabs(h) > 0x1p-30) {
      *rh = h;
      *rl = l;
      return (int)((unsigned)(int)fn & 3u);
    }
  }
  return rem_pio2_large(x, rh, rl);
}

/* sin(x + y) for |x| <= 0.7854, |y| <= ulp(x): returns hi, *lo with sin = hi + lo. */
static inline double sin_k(double x, double y, double *lo) {
  double z = x * x;
  double v = z * x;
  const double *S = aw_sin_poly;
  double p = S[1] + z * (S[2] + z * (S[3] + z * (S[4] + z * (S[5] + z * S[6]))));
  /* r^3 (-1/6 + z p) + y cos x, cos x ~ 1 - z/2 */
  *lo = v * (S[0] + z * p) + (y - 0.5 * z * y);
  return x;
}

/* cos(x + y) for |x| <= 0.7854, |y| <= ulp(x): returns hi, *lo with cos = hi + lo. */
static inline double cos_k(double x, double y, double *lo) {
  double zl, zh = two_prod(x, x, &zl);
  double hz = 0.5 * zh;
  double w = 1.0 - hz;
  double e = (1.0 - w) - hz; /* exact error of w */
  const double *C = aw_cos_poly;
  double q = C[0] + zh * (C[1] + zh * (C[2] + zh * (C[3] + zh * (C[4] + zh * (C[5] + zh * C[6])))));
  *lo = e - 0.5 * zl + (zh * zh * q - x * y);
  return w;
}

/* sin(x + y) as a normalized double-double with relative error about 2^-62 (for tan): the
 * cubic term x^3 (c0 + z p) is formed from exact products, unlike sin_k. */
static double sin_k_dd(double x, double y, double *lo) {
  double zl, zh = two_prod(x, x, &zl);
  double vl, vh = two_prod(zh, x, &vl); /* x^3 = vh + vl */
  vl += zl * x;
  const double *S = aw_sin_poly;
  double p = S[1] + zh * (S[2] + zh * (S[3] + zh * (S[4] + zh * (S[5] + zh * S[6]))));
  double cl, ch = two_sum(S[0], zh * p, &cl);
  cl += AW_SIN_C0L;
  double tl, th = two_prod(vh, ch, &tl);
  tl += vh * cl + vl * ch + (y - 0.5 * zh * y);
  double e, s = two_sum(x, th, &e);
  return fast_two_sum(s, e + tl, lo);
}

double aw_sin(double x) {
  double ax = fabs(x), lo, hi;
  if (ax <= 0.785398163397448) {
    if (ax < 0x1p-26) return x; /* x^3/6 below half an ulp; keeps -0 and subnormals */
    hi = sin_k(x, 0.0, &lo);
    return hi + lo;
  }
  if (!(ax <= 0x1.fffffffffffffp1023)) return nan_d(); /* inf and NaN */
  double rh, rl;
  int n = rem_pio2(x, &rh, &rl);
  switch (n) {
    case 0: hi = sin_k(rh, rl, &lo); return hi + lo;
    case 1: hi = cos_k(rh, rl, &lo); return hi + lo;
    case 2: hi = sin_k(rh, rl, &lo); return -(hi + lo);
    default: hi = cos_k(rh, rl, &lo); return -(hi + lo);
  }
}

double aw_cos(double x) {
  double ax = fabs(x), lo, hi;
  if (ax <= 0.785398163397448) {
    if (ax < 0x1p-27) return 1.0; /* 1 - x^2/2 rounds to 1 */
    hi = cos_k(x, 0.0, &lo);
    return hi + lo;
  }
  if (!(ax <= 0x1.fffffffffffffp1023)) return nan_d();
  double rh, rl;
  int n = rem_pio2(x, &rh, &rl);
  switch (n) {
    case 0: hi = cos_k(rh, rl, &lo); return hi + lo;
    case 1: hi = sin_k(rh, rl, &lo); return -(hi + lo);
    case 2: hi = cos_k(rh, rl, &lo); return -(hi + lo);
    default: hi = sin_k(rh, rl, &lo); return hi + lo;
  }
}

double aw_tan(double x) {
  double ax = fabs(x);
  if (ax < 0x1p-27) return x; /* x^3/3 below half an ulp */
  if (!(ax <= 0x1.fffffffffffffp1023)) return nan_d();
  double rh = x, rl = 0.0;
  int n = 0;
  if (ax > 0.785398163397448) n = rem_pio2(x, &rh, &rl);
  /* tan = sin/cos (or -cos/sin in odd quadrants), both as double-doubles, divided in dd */
  double sl, sh = sin_k_dd(rh, rl, &sl);
  double cl, ch = cos_k(rh, rl, &cl);
  ch = fast_two_sum(ch, cl, &cl);
  double ql, qh;
  if (n & 1) {
    qh = dd_div(ch, cl, sh, sl, &ql);
    return -(qh + ql);
  }
  qh = dd_div(sh, sl, ch, cl, &ql);
  return qh + ql;
}

/* ------------------------------------------------------------------------------------ atan */

/* atan(y) for 0 <= y <= 1 (+tiny), y = yh + yl; result hi + *lo.
 * atan(y) = atan(c) + atan(u), c = i/16 nearest to y, u = (y - c) / (1 + y c), |u| <= 1/32. */
static double atan_dd(double yh, double yl, double *lo) {
  int i = (int)(yh * 16.0 + 0.5);
  double uh = yh, ul = yl;
  if (i > 0) {
    double c = (double)i * 0.0625;
    double nh = yh - c; /* exact (Sterbenz) */
    double pl, ph = two_prod(yh, c, &pl);
    pl += yl * c;
    double dl, dh = two_sum(1.0, ph, &dl);
    dl += pl;
    uh = dd_div(nh, yl, dh, dl, &ul);
  }
  double u2 = uh * uh;
  /* atan u = u - u^3/3 + ... + u^11/11 (the omitted u^13/13 is below 2^-63 relative) */
  double t = uh * u2 * (-1.0 / 3 + u2 * (0.2 + u2 * (-1.0 / 7 + u2 * (1.0 / 9 + u2 * (-1.0 / 11)))));
  double e, s = two_sum(aw_atan_tab[i][0], uh, &e);
  *lo = e + aw_atan_tab[i][1] + ul + t;
  return s;
}

/* atan(|x|) for |x| > 1 as pi/2 - atan(1/|x|), double-double. */
static double atan_big(double ax, double *lo) {
  if (ax > 0x1p60) {
    *lo = AW_PIO2_L - 1.0 / ax;
    return AW_PIO2_H;
  }
  double q = 1.0 / ax;
  double tl, th = two_prod(q, ax, &tl);
  double ql = ((1.0 - th) - tl) / ax;
  double al, ah = atan_dd(q, ql, &al);
  double e, s = two_sum(AW_PIO2_H, -ah, &e);
  *lo = e + (AW_PIO2_L - al);
  return s;
}

double aw_atan(double x) {
  double ax = fabs(x);
  if (ax < 0x1p-27) return x; /* x^3/3 below half an ulp */
  if (x != x) return nan_d();
  double lo, hi;
  if (ax <= 1.0) hi = atan_dd(ax, 0.0, &lo);
  else hi = atan_big(ax, &lo);
  double r = hi + lo;
  return x < 0 ? -r : r;
}

double aw_atan2(double y, double x) {
  if (x != x || y != y) return nan_d();
  double ay = fabs(y), ax = fabs(x);
  int yneg = signbit(y) != 0, xneg = signbit(x) != 0;
  double hi, lo;
  if (ay == 0) {
    hi = xneg ? AW_PI_H : 0.0;
    return yneg ? -hi : hi;
  }
  const double inf = 0x1p1023 * 2.0;
  if (ax == inf) {
    if (ay == inf) hi = xneg ? 3.0 * AW_PIO4_H : AW_PIO4_H; /* 3 pi/4 rounds correctly from 3 * hi */
    else hi = xneg ? AW_PI_H : 0.0;
    return yneg ? -hi : hi;
  }
  if (ay == inf || ax == 0) return yneg ? -AW_PIO2_H : AW_PIO2_H;
  /* A = atan(ay / ax) in [0, pi/2], as a double-double; exponents decide the easy cases */
  int ey = ilogb_pos(ay), ex = ilogb_pos(ax);
  if (ey - ex > 60) { /* A = pi/2 - ax/ay to far more than double precision */
    hi = AW_PIO2_H;
    lo = AW_PIO2_L - ax / ay;
  } else if (ex - ey > 60) {
    if (!xneg) {
      double q = ay / ax; /* atan(q) = q to full precision; may be subnormal */
      return yneg ? -q : q;
    }
    double q = ay / ax;
    double e, s = two_sum(AW_PI_H, -q, &e);
    double r = s + (e + AW_PI_L);
    return yneg ? -r : r;
  } else {
    /* scale both to about 1 (atan2 is scale invariant), then q = ay/ax as a double-double */
    if (ex < -1000) { /* lift subnormal x (and y) first: exact */
      ax *= 0x1p64;
      ay *= 0x1p64;
      ex += 64;
    }
    int sc = -ex; /* scale x into [1, 2); y lands in [2^-61, 2^62] */
    double f1 = pow2i(sc / 2), f2 = pow2i(sc - sc / 2);
    double sy = ay * f1 * f2, sx = ax * f1 * f2;
    double ql, qh;
    if (sy <= sx) {
      qh = dd_div(sy, 0.0, sx, 0.0, &ql);
      hi = atan_dd(qh, ql, &lo);
    } else {
      qh = dd_div(sx, 0.0, sy, 0.0, &ql); /* 1/q */
      double al, ah = atan_dd(qh, ql, &al);
      double e;
      hi = two_sum(AW_PIO2_H, -ah, &e);
      lo = e + (AW_PIO2_L - al);
    }
  }
  if (xneg) { /* pi - A */
    double e;
    double s = two_sum(AW_PI_H, -hi, &e);
    lo = e + (AW_PI_L - lo);
    hi = s;
  }
  double r = hi + lo;
  return yneg ? -r : r;
}

/* ------------------------------------------------------------------------------------ tanh */

double aw_tanh(double x) {
  double ax = fabs(x);
  if (ax < 0x1p-27) return x; /* x^3/3 below half an ulp; keeps -0, subnormals */
  if (x != x) return nan_d();
  double r;
  if (ax > 22.0) {
    r = 1.0; /* 1 - 2 e^-44 rounds to 1 */
  } else {
    /* tanh|x| = E / (E + 2), E = e^(2|x|) - 1 as a double-double */
    double el, eh = expm1_dd(2.0 * ax, &el);
    double dl, dh = two_sum(eh, 2.0, &dl);
    dl += el;
    double ql, qh = dd_div(eh, el, dh, dl, &ql);
    r = qh + ql;
  }
  return x < 0 ? -r : r;
}

/* --------------------------------------------------------------------------------- sigmoid */

double aw_sigmoid(double x) {
  if (x != x) return nan_d();
  if (x >= 40.0) return 1.0;          /* 1 - e^-40 rounds to 1 */
  if (x < -40.0) return aw_exp(x);    /* e^x / (1 + e^x) = e^x (1 - e^x), e^x < 2^-57 */
  double lo;
  int m;
  double hi = exp_dd(-fabs(x), 0.0, &lo, &m); /* E = e^-|x| = (hi + lo) 2^m, -59 <= m <= 0 */
  double s = pow2i(m);
  double eh = hi * s, el = lo * s;
  double dl, dh = two_sum(1.0, eh, &dl);
  dh = fast_two_sum(dh, dl + el, &dl);
  double ql, qh;
  if (x >= 0) qh = dd_div(1.0, 0.0, dh, dl, &ql);
  else qh = dd_div(eh, el, dh, dl, &ql);
  return qh + ql;
}

/* ---------------------------------------------------------------------------- erf and erfc */

/* p(mid + d) for a fitted piece, as a double-double; the last two Horner steps in dd. */
static double piece_eval(const aw_math_piece *P, double d, double *lo) {
  /* sum_{k>=2} c_k d^(k-2) = E(d^2) + d O(d^2): two independent Horner chains */
  const double *c = P->c;
  int n = P->deg;
  double d2 = d * d, pe = 0.0, po = 0.0;
  for (int k = (n & 1) ? n - 1 : n; k >= 2; k -= 2) pe = pe * d2 + c[k];
  for (int k = (n & 1) ? n : n - 1; k >= 3; k -= 2) po = po * d2 + c[k];
  double t = d * (pe + d * po);
  double e1, s1 = two_sum(P->c[1], t, &e1);
  e1 += P->c1l;
  double pl, ph = two_prod(d, s1, &pl);
  pl += d * e1;
  double e0, g = two_sum(P->c[0], ph, &e0);
  *lo = e0 + pl + P->c0l;
  return g;
}

/* erf(x) for |x| < 1/2 as a double-double: x (2/sqrt(pi) + z P(z)), z = x^2, with z exact and
 * the last two steps (P[0] + z ..., then 2/sqrt(pi) + z ...) in double-double. */
static double erf_small(double x, double *lo) {
  double zl, z = two_prod(x, x, &zl);
  const double *P = aw_erf_poly;
  double q = P[1] + z * (P[2] + z * (P[3] + z * (P[4] + z * (P[5] + z * (P[6] + z * (P[7] + z * P[8]))))));
  double sl, sh = two_sum(P[0], z * q, &sl);
  double tl, th = two_prod(z, sh, &tl);
  tl += z * sl + zl * sh;
  double el, eh = two_sum(AW_2_SQRTPI_H, th, &el);
  el += AW_2_SQRTPI_L + tl;
  double rl, rh = two_prod(x, eh, &rl);
  rl += x * el;
  return fast_two_sum(rh, rl, lo);
}

/* erfcx(x) = e^(x^2) erfc(x) for 0.5 <= x <= 28 as a double-double (relative error ~2^-58). */
static double erfcx_dd(double x, double *lo) {
  if (x < 4.0) {
    int i = x < 3.0 ? (int)(x * 2.0) - 1 : 5;
    const aw_math_piece *P = &aw_erfcx_x[i];
    return piece_eval(P, x - P->mid, lo);
  }
  /* x erfcx(x) = G(1/x); erfcx = G u with u = 1/x = uh + ul */
  double uh = 1.0 / x;
  double tl, th = two_prod(uh, x, &tl);
  double ul = ((1.0 - th) - tl) / x;
  const aw_math_piece *P = &aw_erfcx_u[uh < 0.125 ? 0 : 1];
  double gl, gh = piece_eval(P, uh - P->mid, &gl);
  double fl, fh = two_prod(gh, uh, &fl);
  fl += gh * ul + gl * uh;
  return fast_two_sum(fh, fl, lo);
}

/* erfc(xh + xl) for 0.5 <= xh <= 28 (|xl| <= ulp(xh)): result (hi + lo) 2^m. */
static double erfc_tail(double xh, double xl, double *lo, int *m) {
  /* e^-(x^2) with x^2 exact as a double-double */
  double sl, sh = two_prod(xh, xh, &sl);
  sl += 2.0 * xh * xl;
  double el, eh = exp_dd(-sh, -sl, &el, m);
  double fl, fh = erfcx_dd(xh, &fl);
  if (xl != 0) { /* erfcx(xh + xl) ~ erfcx(xh) (1 + xl erfcx'/erfcx), erfcx' = 2x erfcx - 2/sqrt(pi) */
    fl += fh * (xl * (2.0 * xh - AW_2_SQRTPI_H / fh));
  }
  double pl, ph = two_prod(eh, fh, &pl);
  pl += eh * fl + el * fh;
  return fast_two_sum(ph, pl, lo);
}

double aw_erf(double x) {
  double ax = fabs(x), hi, lo;
  if (x != x) return nan_d();
  if (ax < 0.5) {
    if (ax < 0x1p-1000) { /* scale up (exact), then round once into the subnormal range */
      if (ax == 0) return x;
      double y = ax * 0x1p64;
      double pl, ph = two_prod(y, AW_2_SQRTPI_H, &pl);
      double r = scale2(ph, pl + y * AW_2_SQRTPI_L, -64);
      return x < 0 ? -r : r;
    }
    hi = erf_small(x, &lo);
    return hi + lo;
  }
  if (ax >= 6.0) return x > 0 ? 1.0 : -1.0; /* erfc(6) < 2^-55 */
  int m;
  hi = erfc_tail(ax, 0.0, &lo, &m);
  double s = pow2i(m);
  hi *= s;
  lo *= s;
  double e, r = two_sum(1.0, -hi, &e);
  r = r + (e - lo);
  return x > 0 ? r : -r;
}

double aw_erfc(double x) {
  double hi, lo;
  if (x != x) return nan_d();
  if (fabs(x) < 0.5) {
    hi = erf_small(x, &lo);
    double e, r = two_sum(1.0, -hi, &e);
    return r + (e - lo);
  }
  if (x >= 28.0) return 0.0; /* erfc(27.3) < 2^-1075 */
  if (x <= -6.0) return 2.0;  /* 2 - erfc(6) rounds to 2 */
  int m;
  if (x > 0) {
    hi = erfc_tail(x, 0.0, &lo, &m);
    return scale2(hi, lo, m);
  }
  hi = erfc_tail(-x, 0.0, &lo, &m);
  double s = pow2i(m);
  double e, r = two_sum(2.0, -hi * s, &e);
  return r + (e - lo * s);
}

double aw_normal_q(double x) {
  if (x != x) return nan_d();
  if (x > 39.0) return 0.0; /* Q(38.6) < 2^-1075 */
  if (x < -39.0) return 1.0;
  /* z = x / sqrt 2 as a double-double, so the argument error does not grow in the tails */
  double zl, zh = two_prod(x, AW_RSQRT2_H, &zl);
  zl += x * AW_RSQRT2_L;
  double hi, lo;
  if (fabs(zh) < 0.5) {
    /* 1 - erf(zh + zl), erf' = 2/sqrt(pi) e^(-z^2) */
    double z2 = zh * zh;
    hi = erf_small(zh, &lo);
    lo += zl * AW_2_SQRTPI_H * (1.0 - z2 * (1.0 - 0.5 * z2));
    double e, r = two_sum(1.0, -hi, &e);
    return 0.5 * (r + (e - lo));
  }
  int m;
  if (zh > 0) {
    hi = erfc_tail(zh, zl, &lo, &m);
    return scale2(hi, lo, m - 1);
  }
  hi = erfc_tail(-zh, -zl, &lo, &m);
  if (m < -60) return 1.0; /* 1 - Q(-x) with Q(-x) < 2^-59 */
  double s = pow2i(m - 1);
  double e, r = two_sum(1.0, -hi * s, &e);
  return r + (e - lo * s);
}

/* ---------------------------------------------------------------------------------- lgamma */

/* t G(t) for a fitted G on [-0.5, 0.5] in quarter pieces, as a double-double. */
static double t_times_piece(const aw_math_piece *tab, double t, double *lo) {
  int i = (int)((t + 0.5) * 4.0);
  if (i > 3) i = 3;
  if (i < 0) i = 0;
  const aw_math_piece *P = &tab[i];
  double gl, gh = piece_eval(P, t - P->mid, &gl);
  double pl, ph = two_prod(t, gh, &pl);
  pl += t * gl;
  return fast_two_sum(ph, pl, lo);
}

/* lgamma on [2.5, 3.5] as a double-double. */
static double lgamma_d(double x, double *lo) {
  const aw_math_piece *P = &aw_lgamma_d[x < 3.0 ? 0 : 1];
  return piece_eval(P, x - P->mid, lo);
}

/* lgamma for x >= 12 by Stirling's series, double-double accumulation. */
static double lgamma_stirling(double x) {
  double Ll, Lh = log_dd(x, &Ll);
  if (x > 0x1p900) {
    /* x (log x - 1) in a scaled copy (two_prod splits must not overflow, and x log x may
     * overflow while lgamma does not); the other terms are below 2^-800 relative */
    double xs = x * 0x1p-100;
    double pl, ph = two_prod(xs, Lh - 1.0, &pl); /* Lh - 1 is exact */
    return (ph + (pl + xs * Ll)) * 0x1p100;
  }
  double al, ah = two_prod(x, Lh, &al);
  al += x * Ll;
  /* x log x - x - log(x)/2 + log(2 pi)/2 + series(1/x) */
  double e1, s = two_sum(ah, -x, &e1);
  double t = AW_HALF_LOG_2PI_H - 0.5 * Lh;
  double e2;
  s = two_sum(s, t, &e2);
  double w = 1.0 / x, w2 = w * w;
  const double *B = aw_stirling;
  double ser = 0.0;
  if (x < 0x1p30) {
    ser = w * (B[0] + w2 * (B[1] + w2 * (B[2] + w2 * (B[3] + w2 * (B[4] + w2 * (B[5] + w2 * (B[6] + w2 * B[7])))))));
  } else {
    ser = w * B[0];
  }
  return s + (e1 + e2 + al + AW_HALF_LOG_2PI_L - 0.5 * Ll + ser);
}

static double lgamma_pos(double x) {
  double hi, lo;
  if (x < 0x1p-70) return -aw_log(x); /* lgamma = -log x - gamma x + ..., gamma x negligible */
  if (x < 0.5) {
    /* -log x + lgamma(1 + x), lgamma(1 + x) = x H(x) */
    double ll, lh = log_dd(x, &ll);
    double gl, gh = t_times_piece(aw_lgamma_h, x, &gl);
    double e, s = two_sum(-lh, gh, &e);
    return s + (e - ll + gl);
  }
  if (x < 1.5) {
    hi = t_times_piece(aw_lgamma_h, x - 1.0, &lo); /* x - 1 exact */
    return hi + lo;
  }
  if (x < 2.5) {
    hi = t_times_piece(aw_lgamma_k, x - 2.0, &lo);
    return hi + lo;
  }
  if (x < 3.5) {
    hi = lgamma_d(x, &lo);
    return hi + lo;
  }
  if (x < 12.0) {
    /* lgamma(x) = log((y)(y+1)...(x-1)) + lgamma(y), y = x - n in [2.5, 3.5); factors exact */
    int n = (int)(x - 2.5);
    double y = x - (double)n;
    double ph = y, pl = 0.0;
    for (int k = 1; k < n; k++) {
      double f = y + (double)k;
      double el, eh = two_prod(ph, f, &el);
      pl = el + pl * f;
      ph = fast_two_sum(eh, pl, &pl);
    }
    double ll, lh = log_dd(ph, &ll);
    ll += pl / ph;
    double gl, gh = lgamma_d(y, &gl);
    double e, s = two_sum(lh, gh, &e);
    return s + (e + ll + gl);
  }
  return lgamma_stirling(x);
}

/* sin(pi a) for 0 <= a <= 1/2 */
static double sinpi_half(double a) {
  double pl, ph = two_prod(a, AW_PI_H, &pl);
  pl += a * AW_PI_L;
  double r;
  if (ph <= 0.785398163397448) {
    double lo, hi = sin_k(ph, pl, &lo);
    r = hi + lo;
  } else { /* sin(pi a) = cos(pi (1/2 - a)), 1/2 - a exact */
    double b = 0.5 - a;
    double ql, qh = two_prod(b, AW_PI_H, &ql);
    ql += b * AW_PI_L;
    double lo, hi = cos_k(qh, ql, &lo);
    r = hi + lo;
  }
  return r;
}

double aw_lgamma(double x) {
  if (x != x) return nan_d();
  if (x > 0) {
    if (x > 0x1.fffffffffffffp1023) return x;
    return lgamma_pos(x);
  }
  /* x <= 0 (outside the documented domain): poles at 0 and the negative integers, otherwise
   * the reflection formula lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x). */
  if (x == 0 || x < -0x1p52 || floor(x) == x) return 0x1p1023 * 2.0;
  double t = x - 2.0 * round_int(0.5 * x); /* exact, in [-1, 1] */
  double a = fabs(t);
  if (a > 0.5) a = 1.0 - a;
  double s = sinpi_half(a);
  return AW_LOG_PI_H - aw_log(s) - lgamma_pos(1.0 - x) + AW_LOG_PI_L;
}

/* ----------------------------------------------------------------------- float versions */

/* e^x in double with relative error below 2^-45, for |x| <= 200 (not NaN): 2^(k/128) e^r with
 * |r| <= ln2/256 and e^r ~ 1 + r + r^2/2 + r^3/6 + r^4/24 (the omitted r^5/120 < 2^-49). */
static inline double exp_fast(double x) {
  double z = x * AW_EXP_INVL + 0x1.8p52; /* low bits of z hold k = round(x 128/ln2) */
  uint64_t ki = asu64(z);
  double kd = z - 0x1.8p52;
  double r = x - kd * (AW_EXP_L1 + AW_EXP_L2);
  double r2 = r * r;
  double p = (1.0 + r) + r2 * ((0.5 + r * (1.0 / 6)) + r2 * (1.0 / 24));
  uint64_t j = ki & 127;
  /* 2^(k/128) = 2^(j/128) 2^floor(k/128): add floor(k/128) to the exponent field (mod 2^64) */
  double s = asdouble(asu64(aw_exp_tab[j][0]) + ((ki - j) << 45));
  return s * p;
}

float aw_expf(float x) {
  if (x != x) return nan_f();
  if (x > 89.0f) return (float)(0x1p1023 * 2.0);
  if (x < -104.0f) return 0.0f;
  return (float)exp_fast((double)x);
}

float aw_tanhf(float x) {
  float ax = fabsf(x);
  if (ax < 0x1p-12f) return x; /* x^3/3 below half an ulp */
  if (x != x) return nan_f();
  if (ax > 9.1f) return x > 0 ? 1.0f : -1.0f;
  double e = exp_fast(2.0 * (double)ax);
  float t = (float)((e - 1.0) / (e + 1.0));
  return copysignf(t, x); /* sign by bit copy: no data-dependent branch */
}

float aw_sigmoidf(float x) {
  if (x != x) return nan_f();
  if (x > 30.0f) return 1.0f;
  if (x < -110.0f) return 0.0f;
  /* 1 / (1 + e^-x) in double for every x (no branch on the sign, which is unpredictable):
   * e^-x <= e^110 cannot overflow and every step has a relative error below 2^-44. */
  return (float)(1.0 / (1.0 + exp_fast(-(double)x)));
}

float aw_logf(float x) {
  uint32_t ux = asu32f(x);
  if (ux - 1u >= 0x7f7fffffu) { /* x <= 0, inf, NaN (as unsigned: 0 and >= 0x7f800000) */
    if (x == 0) return -(float)(0x1p1023 * 2.0);
    if (x > 0) return x; /* +inf */
    return nan_f();      /* x < 0 or NaN */
  }
  /* the table reduction of log, in double: z has 24 significant bits and invc 13, so
   * r = z invc - 1 is exact; log1p(r) to degree 5 (the rest is below 2^-50). */
  uint64_t ix = asu64((double)x);
  uint64_t tmp = ix - AW_LOG_OFF;
  int i = (int)((tmp >> 45) & 127);
  int k = (int)((tmp >> 52) & 0xfff);
  if (k >= 2048) k -= 4096;
  double z = asdouble(ix - (tmp & 0xfff0000000000000ull));
  double r = z * aw_log_tab[i][0] - 1.0;
  double r2 = r * r;
  double p = r + r2 * (-0.5 + r * (1.0 / 3 + r * (-0.25 + r * 0.2)));
  return (float)(((double)k * AW_LN2_H + aw_log_tab[i][1]) + (aw_log_tab[i][2] + p));
}

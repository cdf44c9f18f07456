/* synth_util.c - number formatting, rounding, Poisson draws, times and small linear algebra shared
 * by the synthesis modules. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/math.h"
#include "internal/synth_internal.h"

/* Exact powers of ten (every one of these is exactly representable in binary64). */
static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

double syn_round_sig(double x, int digits) {
  if (digits <= 0 || digits > 15 || x == 0 || !isfinite(x)) return x;
  double ax = fabs(x);
  int e;
  if (ax >= 1) {
    if (ax >= 1e22) return x;
    e = 0;
    while (e < 22 && p10[e + 1] <= ax) e++;
  } else {
    int j = 1;
    while (j <= 22 && ax * p10[j] < 1) j++;
    if (j > 22) return x;
    e = -j;
  }
  int k = digits - 1 - e;
  if (k >= 0) {
    if (k > 22) return x;
    return round(x * p10[k]) / p10[k];
  }
  if (-k > 22) return x;
  return round(x / p10[-k]) * p10[-k];
}

static size_t fmt_u64(char *buf, uint64_t v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return n;
}

size_t syn_fmt_num(char *buf, double x) {
  if (!isfinite(x) || x == 0) return aw_fmt_double(buf, x);
  double ax = fabs(x);
  if (ax >= 1e15) return aw_fmt_double(buf, x);
  size_t pos = 0;
  if (x == floor(x)) {
    if (x < 0) buf[pos++] = '-';
    return pos + fmt_u64(buf + pos, (uint64_t)ax);
  }
  /* A short decimal m / 10^k whose nearest double is x prints, under "%.15g", as exactly that
   * decimal (it has <= 15 significant digits and x is within half an ulp of it), and it reads
   * back as x, so aw_fmt_double would stop at precision 15 with the same text. */
  for (int k = 1; k <= 15; k++) {
    double m = round(ax * p10[k]);
    if (m >= 1e15) break;
    if (m / p10[k] != ax) continue;
    uint64_t mi = (uint64_t)m;
    char dig[24];
    size_t nd = fmt_u64(dig, mi);
    int X = (int)nd - 1 - k; /* decimal exponent of the value */
    if (x < 0) buf[pos++] = '-';
    /* strip trailing zeros of the digit string (they would be fraction zeros) */
    size_t nz = nd;
    while (nz > 1 && dig[nz - 1] == '0') nz--;
    if (X < -4) {
      buf[pos++] = dig[0];
      if (nz > 1) {
        buf[pos++] = '.';
        memcpy(buf + pos, dig + 1, nz - 1);
        pos += nz - 1;
      }
      int ex = -X;
      buf[pos++] = 'e';
      buf[pos++] = '-';
      if (ex < 10) buf[pos++] = '0';
      char et[8];
      size_t ne = fmt_u64(et, (uint64_t)ex);
      memcpy(buf + pos, et, ne);
      pos += ne;
      buf[pos] = '\0';
      return pos;
    }
    /* fixed notation: integer part = first nd - k digits (or "0"), then the fraction */
    if ((int)nd > k) {
      size_t ni = nd - (size_t)k;
      memcpy(buf + pos, dig, ni);
      pos += ni;
      buf[pos++] = '.';
      memcpy(buf + pos, dig + ni, nz - ni);
      pos += nz - ni;
    } else {
      buf[pos++] = '0';
      buf[pos++] = '.';
      for (int z = 0; z < k - (int)nd; z++) buf[pos++] = '0';
      memcpy(buf + pos, dig, nz);
      pos += nz;
    }
    buf[pos] = '\0';
    return pos;
  }
  return aw_fmt_double(buf, x);
}

aw_status syn_buf_num(aw_buf *b, double x) {
  if (isnan(x)) return AW_OK;
  char tmp[AW_FMT_DOUBLE_MAX];
  size_t n = syn_fmt_num(tmp, x);
  return aw_buf_append(b, tmp, n);
}

uint64_t syn_poisson(aw_rng *r, double mean) {
  if (!(mean > 0)) return 0;
  if (mean < 64) {
    double p = aw_exp(-mean), c = p, u = aw_rng_uniform(r);
    uint64_t k = 0;
    while (u >= c && k < 1000) {
      k++;
      p *= mean / (double)k;
      c += p;
    }
    return k;
  }
  double v = round(mean + sqrt(mean) * aw_rng_normal(r));
  return v > 0 ? (uint64_t)v : 0;
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian), Hinnant's algorithm. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static void split_time(double unix_s, int64_t *y, unsigned *mo, unsigned *d, unsigned *h, unsigned *mi,
                       unsigned *s, unsigned *ms) {
  int64_t t = (int64_t)llround(unix_s * 1000.0);
  int64_t days = t >= 0 ? t / 86400000 : -((-t + 86399999) / 86400000);
  int64_t rem = t - days * 86400000;
  civil_from_days(days, y, mo, d);
  *h = (unsigned)(rem / 3600000);
  *mi = (unsigned)(rem / 60000 % 60);
  *s = (unsigned)(rem / 1000 % 60);
  *ms = (unsigned)(rem % 1000);
}

size_t syn_fmt_iso_ms(char *buf, double unix_s) {
  int64_t y;
  unsigned mo, d, h, mi, s, ms;
  split_time(unix_s, &y, &mo, &d, &h, &mi, &s, &ms);
  int n = snprintf(buf, 32, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, mo, d, h, mi, s, ms);
  return n > 0 ? (size_t)n : 0;
}

void syn_fmt_date_clock(double unix_s, char date[16], char clock[16]) {
  int64_t y;
  unsigned mo, d, h, mi, s, ms;
  split_time(unix_s, &y, &mo, &d, &h, &mi, &s, &ms);
  snprintf(date, 16, "%04lld-%02u-%02u", (long long)(y % 10000), mo % 100, d % 100);
  snprintf(clock, 16, "%02u:%02u:%02u.%03u", h % 100, mi % 100, s % 100, ms % 1000);
}

aw_status syn_buf_csv_field(aw_buf *b, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) return aw_buf_append(b, s, strlen(s));
  aw_status st = aw_buf_putc(b, '"');
  for (const char *p = s; *p && st == AW_OK; p++) {
    if (*p == '"') st = aw_buf_putc(b, '"');
    if (st == AW_OK) st = aw_buf_putc(b, *p);
  }
  if (st == AW_OK) st = aw_buf_putc(b, '"');
  return st;
}

double syn_sin2(double t, double period) {
  double x = fmod(t, period) / period;
  double s = aw_sin(AW_TWO_PI * x);
  return s * s;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double syn_median(const double *x, size_t n) {
  if (n == 0) return NAN;
  double *c = aw_alloc_array(n, sizeof *c);
  if (!c) return NAN;
  memcpy(c, x, n * sizeof *c);
  qsort(c, n, sizeof *c, cmp_double);
  double m = (n % 2) ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
  AW_FREE(c);
  return m;
}

int syn_solve_spd(double *a, double *b, size_t n) {
  /* scale-aware ridge keeps nearly collinear designs solvable */
  double tr = 0;
  for (size_t i = 0; i < n; i++) tr += a[i * n + i];
  double ridge = (tr > 0 ? tr / (double)n : 1.0) * 1e-12;
  for (size_t i = 0; i < n; i++) a[i * n + i] += ridge;
  for (size_t j = 0; j < n; j++) {
    double s = a[j * n + j];
    for (size_t k = 0; k < j; k++) s -= a[j * n + k] * a[j * n + k];
    if (!(s > 0)) return -1;
    double l = sqrt(s);
    a[j * n + j] = l;
    for (size_t i = j + 1; i < n; i++) {
      double t = a[i * n + j];
      for (size_t k = 0; k < j; k++) t -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = t / l;
    }
  }
  for (size_t i = 0; i < n; i++) {
    double t = b[i];
    for (size_t k = 0; k < i; k++) t -= a[i * n + k] * b[k];
    b[i] = t / a[i * n + i];
  }
  for (size_t ii = n; ii-- > 0;) {
    double t = b[ii];
    for (size_t k = ii + 1; k < n; k++) t -= a[k * n + ii] * b[k];
    b[ii] = t / a[ii * n + ii];
  }
  return 0;
}

/* Ziggurat (Marsaglia & Tsang, "The Ziggurat Method for Generating Random Variables", 2000), 128
 * layers: r = 3.442619855899 is the start of the tail, v = 9.91256303526217e-3 the area of each
 * layer. */
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3
#define ZIG_M1 2147483648.0

void syn_zig_init(syn_zig *z) {
  double dn = ZIG_R, tn = dn;
  double q = ZIG_V / aw_exp(-0.5 * dn * dn);
  z->kn[0] = (uint32_t)((dn / q) * ZIG_M1);
  z->kn[1] = 0;
  z->wn[0] = q / ZIG_M1;
  z->wn[127] = dn / ZIG_M1;
  z->fn[0] = 1.0;
  z->fn[127] = aw_exp(-0.5 * dn * dn);
  for (int i = 126; i >= 1; i--) {
    dn = sqrt(-2.0 * aw_log(ZIG_V / dn + aw_exp(-0.5 * dn * dn)));
    z->kn[i + 1] = (uint32_t)((dn / tn) * ZIG_M1);
    tn = dn;
    z->fn[i] = aw_exp(-0.5 * dn * dn);
    z->wn[i] = dn / ZIG_M1;
  }
}

double syn_zig_normal(const syn_zig *z, aw_rng *r) {
  for (;;) {
    int32_t hz = (int32_t)(uint32_t)(aw_rng_u64(r) >> 32);
    uint32_t iz = (uint32_t)hz & 127u;
    int64_t ahz = hz < 0 ? -(int64_t)hz : (int64_t)hz;
    double x = (double)hz * z->wn[iz];
    if (ahz < (int64_t)z->kn[iz]) return x; /* inside the layer's rectangle */
    if (iz == 0) {
      /* the tail beyond r: Marsaglia's exponential rejection */
      double t, y;
      do {
        t = -aw_log(1.0 - aw_rng_uniform(r)) / ZIG_R;
        y = -aw_log(1.0 - aw_rng_uniform(r));
      } while (y + y < t * t);
      return hz > 0 ? ZIG_R + t : -ZIG_R - t;
    }
    /* the wedge: accept under the density */
    if (z->fn[iz] + aw_rng_uniform(r) * (z->fn[iz - 1] - z->fn[iz]) < aw_exp(-0.5 * x * x)) return x;
  }
}

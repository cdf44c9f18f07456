/* bench_math.c - nanoseconds per call of every aw_math function, and of the C library's function
 * on the same inputs (glibc natively, musl in the WASM build) for comparison.
 *
 *   BENCH math_<fn>_ns       ours
 *   BENCH math_<fn>_ns_libc  the C library (for sigmoid/normal_q: the usual formula over libm)
 *
 * Each function runs over a fixed seeded array of inputs (1M values in a range typical of its
 * use); the best of 5 passes is reported.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aw/math.h"
#include "aw/rng.h"
#include "bench.h"

#define N 1000000
#define PASSES 5

static double *xs, *ys; /* heap: the WASM build's static memory is small */
static float *xf;
static volatile double sink;
static volatile float sinkf;

typedef double (*fn1)(double);
typedef float (*fnf)(float);

static double libc_sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }
static double libc_normal_q(double x) { return 0.5 * erfc(x * 0.70710678118654752440); }
static float libc_sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

static void fill(double lo, double hi, int logscale) {
  aw_rng r;
  aw_rng_seed(&r, 20240611);
  for (int i = 0; i < N; i++) {
    double u = aw_rng_uniform(&r);
    if (logscale) {
      xs[i] = aw_exp(aw_log(lo) + (aw_log(hi) - aw_log(lo)) * u);
    } else {
      xs[i] = lo + (hi - lo) * u;
    }
    ys[i] = aw_rng_uniform_range(&r, -30.0, 30.0);
    xf[i] = (float)xs[i];
  }
}

static double time1(fn1 f) {
  double best = 1e30;
  for (int p = 0; p < PASSES; p++) {
    double t0 = bench_now(), s = 0;
    for (int i = 0; i < N; i++) s += f(xs[i]);
    double t = bench_now() - t0;
    sink = s;
    if (t < best) best = t;
  }
  return best * 1e9 / N;
}

static double timef(fnf f) {
  double best = 1e30;
  for (int p = 0; p < PASSES; p++) {
    double t0 = bench_now();
    float s = 0;
    for (int i = 0; i < N; i++) s += f(xf[i]);
    double t = bench_now() - t0;
    sinkf = s;
    if (t < best) best = t;
  }
  return best * 1e9 / N;
}

static double time2(double (*f)(double, double)) {
  double best = 1e30;
  for (int p = 0; p < PASSES; p++) {
    double t0 = bench_now(), s = 0;
    for (int i = 0; i < N; i++) s += f(xs[i], ys[i]);
    double t = bench_now() - t0;
    sink = s;
    if (t < best) best = t;
  }
  return best * 1e9 / N;
}

static void report(const char *name, double ours, double libc) {
  char buf[96];
  snprintf(buf, sizeof buf, "math_%s_ns", name);
  bench_report(buf, ours, "ns", "lower");
  snprintf(buf, sizeof buf, "math_%s_ns_libc", name);
  bench_report(buf, libc, "ns", "lower");
}

#define ONE(name, ours, libc, lo, hi, lg) \
  do {                                    \
    fill(lo, hi, lg);                     \
    report(name, time1(ours), time1(libc)); \
  } while (0)

#define ONEF(name, ours, libc, lo, hi, lg) \
  do {                                     \
    fill(lo, hi, lg);                      \
    report(name, timef(ours), timef(libc)); \
  } while (0)

int main(void) {
  xs = malloc(sizeof(double) * N);
  ys = malloc(sizeof(double) * N);
  xf = malloc(sizeof(float) * N);
  if (!xs || !ys || !xf) return 1;
  printf("# aw_math vs the C library (%s), ns per call, best of %d passes over %d inputs\n", BENCH_FLAVOUR,
         PASSES, N);
  /* Warm-up, not reported: V8 first runs WASM functions in its baseline compiler and has no
   * on-stack replacement, so the first call of each timing loop would be measured unoptimized. */
  fill(-1, 1, 0);
  (void)time1(aw_exp);
  (void)time2(aw_pow);
  (void)timef(aw_expf);
  ONE("exp", aw_exp, exp, -20, 20, 0);
  ONE("expm1", aw_expm1, expm1, -2, 2, 0);
  ONE("log", aw_log, log, 1e-3, 1e3, 1);
  ONE("log1p", aw_log1p, log1p, -0.5, 2, 0);
  ONE("log2", aw_log2, log2, 1e-3, 1e3, 1);
  ONE("log10", aw_log10, log10, 1e-3, 1e3, 1);
  ONE("sin", aw_sin, sin, -1000, 1000, 0);
  ONE("cos", aw_cos, cos, -1000, 1000, 0);
  ONE("sin_small", aw_sin, sin, -0.78, 0.78, 0);
  ONE("sin_huge", aw_sin, sin, 1e6, 1e300, 1);
  ONE("tan", aw_tan, tan, -1000, 1000, 0);
  ONE("atan", aw_atan, atan, -10, 10, 0);
  ONE("tanh", aw_tanh, tanh, -5, 5, 0);
  ONE("erf", aw_erf, erf, -4, 4, 0);
  ONE("erfc", aw_erfc, erfc, -4, 20, 0);
  ONE("normal_q", aw_normal_q, libc_normal_q, -8, 30, 0);
  ONE("sigmoid", aw_sigmoid, libc_sigmoid, -20, 20, 0);
  ONE("lgamma", aw_lgamma, lgamma, 0.01, 1000, 1);
  fill(1e-3, 1e3, 1);
  report("pow", time2(aw_pow), time2(pow));
  report("atan2", time2(aw_atan2), time2(atan2));
  ONEF("expf", aw_expf, expf, -20, 20, 0);
  ONEF("tanhf", aw_tanhf, tanhf, -5, 5, 0);
  ONEF("sigmoidf", aw_sigmoidf, libc_sigmoidf, -20, 20, 0);
  ONEF("logf", aw_logf, logf, 1e-3, 1e3, 1);
  free(xs);
  free(ys);
  free(xf);
  return 0;
}

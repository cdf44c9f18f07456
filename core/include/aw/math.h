/* aw/math.h - portable elementary functions with identical results on every platform.
 *
 * glibc's libm (native) and musl's (Emscripten) round some results differently in the last bit,
 * which would break "same spec + same seed = same bytes, native and WASM". Every module calls
 * these instead of <math.h>'s transcendental functions. They use only IEEE-754 double +,-,*,/,
 * exact operations (fabs, floor) and bit manipulation (compiled with -ffp-contract=off), so they
 * give the same bits everywhere (pinned by hashes in tests/c/test_math.c, natively and in WASM).
 *
 * Accuracy (docs/math.md): every function is faithful (error < 1 ulp); all but sin and cos
 * (<= 0.78 ulp) stay within 0.56 ulp, i.e. are almost always correctly rounded. sin/cos/tan
 * reduce their argument exactly for every finite double. NaN results are always the quiet NaN
 * 0x7ff8000000000000 (0x7fc00000 for floats), whatever the input payload. No errno.
 * sqrt, fabs, floor, ceil, round, trunc and fmod are exact in IEEE arithmetic and may be used
 * from <math.h> directly.
 */
#ifndef AW_MATH_H
#define AW_MATH_H

#ifdef __cplusplus
extern "C" {
#endif

#define AW_PI 3.14159265358979323846
#define AW_TWO_PI 6.28318530717958647692
#define AW_LN2 0.69314718055994530942

double aw_exp(double x);
double aw_expm1(double x);
double aw_log(double x);
double aw_log1p(double x);
double aw_log2(double x);
double aw_log10(double x);
double aw_pow(double x, double y);
double aw_sin(double x);
double aw_cos(double x);
double aw_tan(double x);
double aw_atan(double x);
double aw_atan2(double y, double x);
double aw_tanh(double x);
double aw_erf(double x);
double aw_erfc(double x);
/* Standard normal upper tail Q(x) = 1 - Phi(x) = erfc(x / sqrt 2) / 2. */
double aw_normal_q(double x);
/* Logistic 1 / (1 + exp(-x)), without overflow for any x. */
double aw_sigmoid(double x);
/* log(Gamma(x)) for x > 0 (+inf at the poles x = 0, -1, -2, ...; other x < 0 by reflection,
 * not held to the accuracy above). */
double aw_lgamma(double x);

/* float versions for the neural-network core: computed in double and rounded once to float
 * (equal to the correctly rounded result except when the exact value lies within a tiny fraction
 * of an ulp of a rounding tie). */
float aw_expf(float x);
float aw_tanhf(float x);
float aw_sigmoidf(float x);
float aw_logf(float x);

#ifdef __cplusplus
}
#endif
#endif

/* math.c - TEMPORARY: forwards to <math.h> until the portable implementations land.
 * (Results may differ between glibc and musl in the last bit until then.) */
#include "aw/math.h"

#include <math.h>

double aw_exp(double x) { return exp(x); }
double aw_expm1(double x) { return expm1(x); }
double aw_log(double x) { return log(x); }
double aw_log1p(double x) { return log1p(x); }
double aw_log2(double x) { return log2(x); }
double aw_log10(double x) { return log10(x); }
double aw_pow(double x, double y) { return pow(x, y); }
double aw_sin(double x) { return sin(x); }
double aw_cos(double x) { return cos(x); }
double aw_tan(double x) { return tan(x); }
double aw_atan(double x) { return atan(x); }
double aw_atan2(double y, double x) { return atan2(y, x); }
double aw_tanh(double x) { return tanh(x); }
double aw_erf(double x) { return erf(x); }
double aw_erfc(double x) { return erfc(x); }
double aw_normal_q(double x) { return 0.5 * erfc(x / 1.41421356237309504880); }
double aw_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  double e = exp(x);
  return e / (1.0 + e);
}
double aw_lgamma(double x) { return lgamma(x); }
float aw_expf(float x) { return (float)aw_exp(x); }
float aw_tanhf(float x) { return (float)aw_tanh(x); }
float aw_sigmoidf(float x) { return (float)aw_sigmoid(x); }
float aw_logf(float x) { return (float)aw_log(x); }

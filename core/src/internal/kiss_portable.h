/* Force-included (-include) when compiling KissFFT: its twiddle factors come from cos/sin, and
 * glibc and musl round those differently in the last bit, so KissFFT would give different bits
 * natively and in WASM. Mapping them to aw_math's portable versions keeps both builds identical.
 * math.h is included first so its own declarations are not renamed. */
#ifndef AW_KISS_PORTABLE_H
#define AW_KISS_PORTABLE_H
#include <math.h>
double aw_cos(double x);
double aw_sin(double x);
#define cos aw_cos
#define sin aw_sin
#endif

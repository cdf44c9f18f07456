/* vmath.c - sigmoid and tanh over float arrays, four lanes at a time.
 *
 * Why not aw_expf / aw_sigmoidf / aw_tanhf per element: the LSTM and GRU gates need about 230 million of
 * them per DAM epoch, and a scalar double-precision call each made half of the training time.
 * These use only float +, -, *, / and bit operations (no FMA: -ffp-contract=off), so like aw_math
 * they give the same bits on every platform; a lane computes exactly what a scalar would, so SSE,
 * WASM SIMD128 and the plain-C fallback agree. Accuracy against the double-precision functions
 * (tests/c/test_nn.c, dense grid over the whole float range): a few ulp.
 *
 * The attention softmax uses the same exp, so the whole network depends on no libm function and
 * its weights for a seed do not change when aw_math's rounding does.
 *
 * exp: x = n ln2 + r with Cody-Waite's two-part ln2 (n ln2_hi is exact for |n| < 2^15),
 * |r| <= ln2 / 2, e^r by its degree-7 Taylor polynomial (truncation < 5e-9 relative), 2^n built
 * in the exponent bits; arguments are clamped to [-87, 88] so 2^n stays a normal float.
 * sigmoid(x) = 1 / (1 + e^-x).
 * tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)) for |x| >= 0.625, and below that an odd polynomial
 * x + x^3 P(x^2) (least-squares fit of degree 5, error < 1 ulp), avoiding the cancellation of
 * the exp form near 0.
 */
#include <stdint.h>
#include <string.h>

#include "aw/nn.h"

#include "vmath.h"

#ifdef AW_NN_HAVE_V4
#define MAP(name, vf)                                                 \
  void name(size_t n, const float *x, float *y) {                     \
    size_t i = 0;                                                     \
    for (; i + 4 <= n; i += 4) vstore(y + i, vf(vload(x + i)));       \
    if (i < n) {                                                      \
      float t[4] = {0, 0, 0, 0};                                      \
      memcpy(t, x + i, (n - i) * sizeof *t);                          \
      vstore(t, vf(vload(t)));                                        \
      memcpy(y + i, t, (n - i) * sizeof *t);                          \
    }                                                                 \
  }
MAP(aw_nn_exp_n, vexp)
MAP(aw_nn_sigmoid_n, vsigmoid)
MAP(aw_nn_tanh_n, vtanh)

#else /* portable scalar fallback: the same operations per element */

static float sexp(float x) {
  if (x < -87.0f) x = -87.0f;
  if (x > 88.0f) x = 88.0f;
  const float magic = 12582912.0f;
  float t = x * 1.44269504f + magic;
  float n = t - magic;
  int32_t ti, mi;
  memcpy(&ti, &t, 4);
  memcpy(&mi, &magic, 4);
  int32_t ni = ti - mi;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = (ni + 127) << 23;
  float two_n;
  memcpy(&two_n, &bits, 4);
  return p * two_n;
}

void aw_nn_exp_n(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = sexp(x[i]);
}

void aw_nn_sigmoid_n(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + sexp(-x[i]));
}

void aw_nn_tanh_n(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) {
    uint32_t xb, sign;
    memcpy(&xb, &x[i], 4);
    sign = xb & 0x80000000u;
    xb &= 0x7fffffffu;
    float ax;
    memcpy(&ax, &xb, 4);
    float r;
    if (ax < 0.625f) {
      float z = ax * ax;
      float p = 0.0023393204901367426f;
      p = p * z + -0.00838611088693142f;
      p = p * z + 0.021782156080007553f;
      p = p * z + -0.05396093428134918f;
      p = p * z + 0.13333310186862946f;
      p = p * z + -0.3333333432674408f;
      r = ax + (ax * z) * p;
    } else {
      r = 1.0f - 2.0f / (sexp(ax + ax) + 1.0f);
    }
    uint32_t rb;
    memcpy(&rb, &r, 4);
    rb |= sign;
    memcpy(&y[i], &rb, 4);
  }
}
#endif

/* vmath.h - four-lane float vectors and the vector exp / sigmoid / tanh of vmath.c, inline, for
 * the layers' fused element-wise loops (internal header of core/src/nn). See vmath.c for the
 * method and accuracy. Every lane computes exactly what a scalar computation of the same
 * operations would, so results do not depend on the vector width. */
#ifndef AW_NN_VMATH_H
#define AW_NN_VMATH_H

#include <stdint.h>
#include <string.h>

#if (defined(__GNUC__) || defined(__clang__)) && !defined(AW_NN_NO_VECTOR)
#define AW_NN_HAVE_V4 1
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static inline v4f vload(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void vstore(float *p, v4f v) { memcpy(p, &v, sizeof v); }
static inline v4f vsplat(float x) { return (v4f){x, x, x, x}; }
/* where mask (all ones): a, else b */
static inline v4f vsel(v4i mask, v4f a, v4f b) { return (v4f)(((v4i)a & mask) | ((v4i)b & ~mask)); }
static inline v4f vclamp(v4f x, float lo, float hi) {
  v4f l = vsplat(lo), h = vsplat(hi);
  x = vsel(x < l, l, x);
  return vsel(x > h, h, x);
}

static inline v4f vexp(v4f x) {
  x = vclamp(x, -87.0f, 88.0f);
  const v4f magic = vsplat(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */
  v4f t = x * vsplat(1.44269504f) + magic;
  v4f n = t - magic;
  v4i ni = (v4i)t - (v4i)magic;
  v4f r = x - n * vsplat(0.693359375f);
  r = r - n * vsplat(-2.12194440e-4f);
  v4f p = vsplat(1.0f / 5040.0f);
  p = p * r + vsplat(1.0f / 720.0f);
  p = p * r + vsplat(1.0f / 120.0f);
  p = p * r + vsplat(1.0f / 24.0f);
  p = p * r + vsplat(1.0f / 6.0f);
  p = p * r + vsplat(0.5f);
  p = p * r + vsplat(1.0f);
  p = p * r + vsplat(1.0f);
  v4f two_n = (v4f)((ni + 127) << 23);
  return p * two_n;
}

static inline v4f vsigmoid(v4f x) { return vsplat(1.0f) / (vsplat(1.0f) + vexp(-x)); }

static inline v4f vtanh(v4f x) {
  const v4i sign = (v4i)vsplat(-0.0f);
  v4i s = (v4i)x & sign;
  v4f ax = (v4f)((v4i)x & ~sign);
  v4f e = vexp(ax + ax);
  v4f big = vsplat(1.0f) - vsplat(2.0f) / (e + vsplat(1.0f));
  v4f z = ax * ax;
  v4f p = vsplat(0.0023393204901367426f);
  p = p * z + vsplat(-0.00838611088693142f);
  p = p * z + vsplat(0.021782156080007553f);
  p = p * z + vsplat(-0.05396093428134918f);
  p = p * z + vsplat(0.13333310186862946f);
  p = p * z + vsplat(-0.3333333432674408f);
  v4f small = ax + (ax * z) * p;
  v4f y = vsel(ax < vsplat(0.625f), small, big);
  return (v4f)((v4i)y | s);
}

#endif
#endif

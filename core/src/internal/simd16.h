/* internal/simd16.h - 16-byte block tests for the log reader and Drain's tokenizer: each returns
 * a bit mask (bit j = byte p[j]) of the bytes of the block at p that pass a test, and a 4-lane
 * 32-bit compare for template matching. WebAssembly SIMD (wasm_simd128.h, the WASM build uses
 * -msimd128), SSE2 (every x86-64) or plain C: integer comparisons only, so every variant gives
 * the same bits; tests/c/test_drain.c compares the vector and plain versions on all byte values.
 * p must have 16 readable bytes. */
#ifndef AW_INTERNAL_SIMD16_H
#define AW_INTERNAL_SIMD16_H

#include <stdint.h>
#include <string.h>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define AW_SIMD16 1
#elif defined(__SSE2__)
#include <emmintrin.h>
#define AW_SIMD16 2
#else
#define AW_SIMD16 0
#endif

/* Plain-C versions (the reference; also used where there is no vector unit). */
static inline uint32_t aw_s16_lt_signed_c(const unsigned char *p, int x) {
  uint32_t m = 0;
  for (int j = 0; j < 16; j++) m |= (uint32_t)((int)(signed char)p[j] < x) << j;
  return m;
}
static inline uint32_t aw_s16_eq_c(const unsigned char *p, unsigned char c) {
  uint32_t m = 0;
  for (int j = 0; j < 16; j++) m |= (uint32_t)(p[j] == c) << j;
  return m;
}
static inline uint32_t aw_s16_range_c(const unsigned char *p, unsigned char lo, unsigned char hi) {
  uint32_t m = 0;
  for (int j = 0; j < 16; j++) m |= (uint32_t)(p[j] >= lo && p[j] <= hi) << j;
  return m;
}

/* Bytes < x as signed bytes (x in -128..127): with x = 0x21, the bytes <= 0x20 and >= 0x80. */
static inline uint32_t aw_s16_lt_signed(const unsigned char *p, int x) {
#if AW_SIMD16 == 1
  return (uint32_t)wasm_i8x16_bitmask(wasm_i8x16_lt(wasm_v128_load(p), wasm_i8x16_splat((int8_t)x)));
#elif AW_SIMD16 == 2
  return (uint32_t)_mm_movemask_epi8(_mm_cmplt_epi8(_mm_loadu_si128((const __m128i *)p), _mm_set1_epi8((char)x)));
#else
  return aw_s16_lt_signed_c(p, x);
#endif
}

/* Bytes equal to c. */
static inline uint32_t aw_s16_eq(const unsigned char *p, unsigned char c) {
#if AW_SIMD16 == 1
  return (uint32_t)wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(p), wasm_i8x16_splat((int8_t)c)));
#elif AW_SIMD16 == 2
  return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), _mm_set1_epi8((char)c)));
#else
  return aw_s16_eq_c(p, c);
#endif
}

/* Bytes in lo..hi, both ASCII (< 0x80). */
static inline uint32_t aw_s16_range(const unsigned char *p, unsigned char lo, unsigned char hi) {
#if AW_SIMD16 == 1
  v128_t v = wasm_v128_load(p);
  return (uint32_t)wasm_i8x16_bitmask(
      wasm_v128_and(wasm_i8x16_gt(v, wasm_i8x16_splat((int8_t)(lo - 1))), wasm_i8x16_lt(v, wasm_i8x16_splat((int8_t)(hi + 1)))));
#elif AW_SIMD16 == 2
  __m128i v = _mm_loadu_si128((const __m128i *)p);
  return (uint32_t)_mm_movemask_epi8(
      _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))), _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1)))));
#else
  return aw_s16_range_c(p, lo, hi);
#endif
}

/* Four 32-bit lanes: bit k of the result (k < 4) = a[k] == b[k]; bit 4 + k = a[k] == w. */
static inline uint32_t aw_s16_eq32x4(const uint32_t *a, const uint32_t *b, uint32_t w) {
#if AW_SIMD16 == 1
  v128_t x = wasm_v128_load(a);
  return (uint32_t)wasm_i32x4_bitmask(wasm_i32x4_eq(x, wasm_v128_load(b))) |
         (uint32_t)wasm_i32x4_bitmask(wasm_i32x4_eq(x, wasm_i32x4_splat((int32_t)w))) << 4;
#elif AW_SIMD16 == 2
  __m128i x = _mm_loadu_si128((const __m128i *)a);
  return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(x, _mm_loadu_si128((const __m128i *)b)))) |
         (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(x, _mm_set1_epi32((int)w)))) << 4;
#else
  uint32_t m = 0;
  for (int k = 0; k < 4; k++) m |= (uint32_t)(a[k] == b[k]) << k | (uint32_t)(a[k] == w) << (4 + k);
  return m;
#endif
}

#endif

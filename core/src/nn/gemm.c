/* gemm.c - the one matrix-matrix product every layer uses.
 *
 * Why it looks like this: mini-batch training is GEMM-bound, and the result must be bit-identical
 * natively and in WebAssembly. So every C[i][j] is one float accumulator that adds A(i,k) * B(k,j)
 * for k = 0, 1, ..., K-1 in order (a separate multiply and add: -ffp-contract=off), whether the
 * element is computed in a vector lane, in a scalar edge loop, or across several K blocks (the
 * partial sum goes through C in memory, which is exact). Vectors only hold 4 different j's side by
 * side (GCC/Clang vector extensions: SSE on x86-64, SIMD128 in WASM), so the lane width never
 * changes a result.
 *
 * Blocking: B is packed per NR-column panel and KC-row block into a small buffer on the stack
 * (contiguous, zero-padded to NR columns, transposed on the fly when transB); A is read in place
 * through (row, column) strides, so A^T costs nothing. The micro-kernel keeps a 4 x 8 tile of C in
 * eight 4-lane registers.
 */
#include <string.h>

#include "aw/nn.h"

#define NR 8
#define MR 4
#define KC 256

#if (defined(__GNUC__) || defined(__clang__)) && !defined(AW_NN_NO_VECTOR)
#define AW_NN_VEC 1
typedef float v4f __attribute__((vector_size(16)));
static inline v4f ld4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st4(float *p, v4f v) { memcpy(p, &v, sizeof v); }
static inline v4f splat(float x) { return (v4f){x, x, x, x}; }
#endif

#ifndef AW_NN_VEC
/* Edge tile: rows x cols (<= MR x NR) elements, same per-element arithmetic as the kernel. */
static void tile_scalar(size_t rows, size_t cols, size_t kc, const float *a, size_t ars, size_t acs,
                        const float *bp, float *c, size_t ldc, int first) {
  for (size_t r = 0; r < rows; r++) {
    float acc[NR];
    for (size_t j = 0; j < cols; j++) acc[j] = first ? 0.0f : c[r * ldc + j];
    const float *ar = a + r * ars;
    for (size_t k = 0; k < kc; k++) {
      float av = ar[k * acs];
      const float *b = bp + k * NR;
      for (size_t j = 0; j < cols; j++) acc[j] = acc[j] + av * b[j];
    }
    for (size_t j = 0; j < cols; j++) c[r * ldc + j] = acc[j];
  }
}
#endif

#ifdef AW_NN_VEC
/* The 4 x 8 micro-kernel. a0..a3 are the four rows of A (an edge tile repeats a row; its results
 * are discarded). */
static void tile_4x8(size_t kc, const float *a0, const float *a1, const float *a2, const float *a3,
                     size_t acs, const float *bp, float *c, size_t ldc, int first) {
  v4f c00, c01, c10, c11, c20, c21, c30, c31;
  if (first) {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = splat(0.0f);
  } else {
    c00 = ld4(c), c01 = ld4(c + 4);
    c10 = ld4(c + ldc), c11 = ld4(c + ldc + 4);
    c20 = ld4(c + 2 * ldc), c21 = ld4(c + 2 * ldc + 4);
    c30 = ld4(c + 3 * ldc), c31 = ld4(c + 3 * ldc + 4);
  }
  for (size_t k = 0; k < kc; k++) {
    v4f b0 = ld4(bp + k * NR), b1 = ld4(bp + k * NR + 4);
    v4f x0 = splat(a0[k * acs]), x1 = splat(a1[k * acs]);
    v4f x2 = splat(a2[k * acs]), x3 = splat(a3[k * acs]);
    c00 = c00 + x0 * b0;
    c01 = c01 + x0 * b1;
    c10 = c10 + x1 * b0;
    c11 = c11 + x1 * b1;
    c20 = c20 + x2 * b0;
    c21 = c21 + x2 * b1;
    c30 = c30 + x3 * b0;
    c31 = c31 + x3 * b1;
  }
  st4(c, c00), st4(c + 4, c01);
  st4(c + ldc, c10), st4(c + ldc + 4, c11);
  st4(c + 2 * ldc, c20), st4(c + 2 * ldc + 4, c21);
  st4(c + 3 * ldc, c30), st4(c + 3 * ldc + 4, c31);
}

/* A partial tile (rows < MR or cols < NR) through a local 4 x 8 copy of C, so that edges run the
 * same vector code (the padding lanes multiply zeros and are never stored). */
static void tile_edge(size_t rows, size_t cols, size_t kc, const float *a, size_t ars, size_t acs,
                      const float *bp, float *c, size_t ldc, int first) {
  float t[MR * NR];
  memset(t, 0, sizeof t);
  if (!first)
    for (size_t r = 0; r < rows; r++) memcpy(t + r * NR, c + r * ldc, cols * sizeof *t);
  const float *ar[MR];
  for (size_t r = 0; r < MR; r++) ar[r] = a + (r < rows ? r : 0) * ars;
  tile_4x8(kc, ar[0], ar[1], ar[2], ar[3], acs, bp, t, NR, first);
  for (size_t r = 0; r < rows; r++) memcpy(c + r * ldc, t + r * NR, cols * sizeof *t);
}
#endif

void aw_nn_gemm(int transA, int transB, size_t M, size_t N, size_t K, const float *A, size_t lda,
                const float *B, size_t ldb, int accumulate, float *C, size_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate)
      for (size_t i = 0; i < M; i++) memset(C + i * ldc, 0, N * sizeof *C);
    return;
  }
  /* A(i, k) = A[i * ars + k * acs]; B(k, j) = B[k * brs + j * bcs]. */
  size_t ars = transA ? 1 : lda, acs = transA ? lda : 1;
  size_t brs = transB ? 1 : ldb, bcs = transB ? ldb : 1;
  float bp[KC * NR];
  /* K blocks outermost: one block of B (KC rows) and of A stays in L2 while every column panel
   * and row tile of C is updated; the per-element order over k is unchanged. */
  for (size_t k0 = 0; k0 < K; k0 += KC) {
    size_t kc = K - k0 < KC ? K - k0 : KC;
    for (size_t j0 = 0; j0 < N; j0 += NR) {
      size_t nj = N - j0 < NR ? N - j0 : NR;
      for (size_t k = 0; k < kc; k++) {
        const float *src = B + (k0 + k) * brs + j0 * bcs;
        float *dst = bp + k * NR;
        if (bcs == 1) {
          memcpy(dst, src, nj * sizeof *dst);
        } else {
          for (size_t j = 0; j < nj; j++) dst[j] = src[j * bcs];
        }
        for (size_t j = nj; j < NR; j++) dst[j] = 0.0f;
      }
      int first = (k0 == 0 && !accumulate);
#ifdef AW_NN_VEC
      for (size_t i0 = 0; i0 < M; i0 += MR) {
        size_t rows = M - i0 < MR ? M - i0 : MR;
        const float *a = A + i0 * ars + k0 * acs;
        float *c = C + i0 * ldc + j0;
        if (rows == MR && nj == NR)
          tile_4x8(kc, a, a + ars, a + 2 * ars, a + 3 * ars, acs, bp, c, ldc, first);
        else
          tile_edge(rows, nj, kc, a, ars, acs, bp, c, ldc, first);
      }
#else
      for (size_t i0 = 0; i0 < M; i0 += MR) {
        size_t rows = M - i0 < MR ? M - i0 : MR;
        tile_scalar(rows, nj, kc, A + i0 * ars + k0 * acs, ars, acs, bp, C + i0 * ldc + j0, ldc,
                    first);
      }
#endif
    }
  }
}

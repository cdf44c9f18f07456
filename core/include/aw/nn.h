/* aw/nn.h - the neural-network core: float32 parameters, GEMM, layers with hand-written backward
 * passes, MSE and Adam.
 *
 * Everything here works on plain row-major float arrays; a "batch" of n vectors of width d is an
 * n x d matrix. Recurrent layers take sequences time-major: x[t][b][i] at x[(t * B + b) * in + i],
 * so that each time step is one contiguous B x in matrix and a whole sequence is a (T*B) x in
 * matrix (one GEMM for the input projection of every step, one for the weight gradients).
 *
 * Determinism: every output element is computed by the same sequence of IEEE float operations on
 * every platform (no fused multiply-add: -ffp-contract=off; sums are accumulated in a fixed order;
 * SIMD only ever runs independent elements in parallel lanes, never reorders a sum), and every
 * transcendental function is aw_math's. So the same seed gives bit-identical weights natively and
 * in WebAssembly.
 *
 * Ownership: layers and parameter stores are caller-owned structs (zero-initialise, declare, then
 * aw_nn_params_alloc); the caches a layer grows for its backward pass are freed by the layer's
 * _free function. Arrays passed in are borrowed for the duration of the call.
 *
 * Typical use (a dense layer trained with Adam):
 *
 *   aw_nn_params P = {0}; aw_nn_dense d;
 *   aw_nn_dense_declare(&d, &P, "out", 8, 1, &err);  // declares "out.W" (8x1) and "out.b"
 *   aw_nn_params_alloc(&P, &err);
 *   aw_rng r; aw_rng_seed(&r, 1); aw_nn_dense_init(&d, &P, &r);
 *   aw_nn_adam adam; aw_nn_adam_init(&adam, 1e-3f);
 *   for (...) {
 *     aw_nn_params_zero_grad(&P);
 *     aw_nn_dense_forward(&d, &P, n, x, y);
 *     double loss = aw_nn_mse(n, y, target, dy);
 *     aw_nn_dense_backward(&d, &P, n, x, dy, NULL);
 *     aw_nn_adam_step(&adam, &P);
 *   }
 *   aw_nn_params_free(&P);
 */
#ifndef AW_NN_H
#define AW_NN_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ GEMM */

/* C (M x N) = [C +] op(A) op(B), op(A) M x K, op(B) K x N, all row-major with leading dimensions
 * lda/ldb/ldc. transA: A is stored K x M (op(A) = A^T); transB: B is stored N x K. accumulate = 0
 * overwrites C, 1 adds to it. Each C[i][j] is accumulated over k = 0..K-1 in order, in float, with
 * one multiply and one add per term; blocked for the cache and computed 4x8 elements at a time in
 * 4-lane vectors (the same code in WASM SIMD128 and SSE). Never fails; M, N or K may be 0. */
void aw_nn_gemm(int transA, int transB, size_t M, size_t N, size_t K, const float *A, size_t lda,
                const float *B, size_t ldb, int accumulate, float *C, size_t ldc);

/* ------------------------------------------------------------------ parameters */

#define AW_NN_NAME_MAX 48

/* One named parameter matrix (rows x cols floats at offset `off` in the store). Non-trainable
 * tensors (batch-norm running statistics) are saved with the model but skipped by Adam. */
typedef struct aw_nn_tensor {
  char name[AW_NN_NAME_MAX];
  size_t rows, cols, off;
  int trainable;
} aw_nn_tensor;

/* A parameter store: every weight of a model in one contiguous array `w`, with gradients `g` and
 * Adam moments `m`, `v` alongside (same offsets). Zero-initialise, declare tensors, then alloc.
 * Treat the fields as read-only outside nn/. */
typedef struct aw_nn_params {
  aw_nn_tensor *t;
  size_t n, cap;
  size_t total;         /* floats in all tensors */
  float *w, *g, *m, *v; /* owned; NULL until aw_nn_params_alloc */
} aw_nn_params;

/* Declares a rows x cols tensor; *index (may be NULL) receives its index. Fails after alloc, on a
 * duplicate or too long name, or when sizes overflow. */
aw_status aw_nn_params_declare(aw_nn_params *p, const char *name, size_t rows, size_t cols,
                               int trainable, size_t *index, aw_error *err);
/* Allocates w, g, m, v (zero-filled). */
aw_status aw_nn_params_alloc(aw_nn_params *p, aw_error *err);
void aw_nn_params_free(aw_nn_params *p);
/* Pointers to tensor `index`'s weights / gradients. */
float *aw_nn_w(const aw_nn_params *p, size_t index);
float *aw_nn_g(const aw_nn_params *p, size_t index);
/* Fills tensor `index` with uniform(-bound, bound) draws from r (in element order). */
void aw_nn_params_init_uniform(aw_nn_params *p, size_t index, double bound, aw_rng *r);
void aw_nn_params_fill(aw_nn_params *p, size_t index, float value);
void aw_nn_params_zero_grad(aw_nn_params *p);
/* Number of trainable floats. */
size_t aw_nn_params_count(const aw_nn_params *p, int trainable_only);
/* FNV-1a 64 of the bit patterns of every weight (all tensors, in order): a fingerprint that two
 * builds computed the same model. */
uint64_t aw_nn_params_hash(const aw_nn_params *p);
/* Index of the tensor called name, or (size_t)-1. */
size_t aw_nn_params_find(const aw_nn_params *p, const char *name);

/* ------------------------------------------------------------------ Adam */

/* Adam (Kingma & Ba 2015, Algorithm 1) in PyTorch's arrangement: m = b1 m + (1-b1) g,
 * v = b2 v + (1-b2) g^2, w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * The bias corrections are computed in double from the step count, the per-element update in float. */
typedef struct aw_nn_adam {
  float lr, beta1, beta2, eps;
  uint64_t t;          /* steps taken */
  double b1t, b2t;     /* beta1^t, beta2^t */
} aw_nn_adam;

/* lr with PyTorch's defaults beta1 0.9, beta2 0.999, eps 1e-8. */
void aw_nn_adam_init(aw_nn_adam *a, float lr);
/* One step over every trainable tensor of p using p->g (gradients are not cleared). */
void aw_nn_adam_step(aw_nn_adam *a, aw_nn_params *p);

/* ------------------------------------------------------------------ element-wise */

typedef enum aw_nn_act {
  AW_NN_IDENTITY = 0,
  AW_NN_RELU = 1,
  AW_NN_LEAKY_RELU = 2, /* x > 0 ? x : slope * x */
  AW_NN_TANH = 3,
  AW_NN_SIGMOID = 4
} aw_nn_act;

/* Element-wise exp (arguments clamped to [-87, 88]), logistic sigmoid and tanh of n floats (y may equal x), four lanes at a time with
 * float arithmetic only (core/src/nn/vmath.c): identical bits on every platform, within a few ulp
 * of the exact values. The recurrent layers' gates use these. */
void aw_nn_exp_n(size_t n, const float *x, float *y);
void aw_nn_sigmoid_n(size_t n, const float *x, float *y);
void aw_nn_tanh_n(size_t n, const float *x, float *y);

/* y = act(x) for n elements (y may equal x). */
void aw_nn_act_forward(aw_nn_act act, float slope, size_t n, const float *x, float *y);
/* dx = dy * act'(x), given x (input) and y (output) of the forward pass; dx may equal dy. */
void aw_nn_act_backward(aw_nn_act act, float slope, size_t n, const float *x, const float *y,
                        const float *dy, float *dx);

/* Inverted dropout: mask[i] = 0 with probability p, else 1 / (1 - p), drawn from r in element
 * order; y = x * mask. p must be in [0, 1). */
void aw_nn_dropout_forward(size_t n, float p, aw_rng *r, const float *x, float *mask, float *y);
/* dx = dy * mask (dx may equal dy). */
void aw_nn_dropout_backward(size_t n, const float *mask, const float *dy, float *dx);

/* Mean squared error over n elements, summed in double: sum((y - t)^2) / n. If dy is non-NULL it
 * receives dL/dy = 2 (y - t) / n. */
double aw_nn_mse(size_t n, const float *y, const float *t, float *dy);

/* ------------------------------------------------------------------ dense */

/* y = x W + b: W is in x out, b is 1 x out. Initialised like PyTorch's nn.Linear: both uniform in
 * +-1/sqrt(in). */
typedef struct aw_nn_dense {
  size_t in, out;
  size_t W, b; /* tensor indices */
} aw_nn_dense;

aw_status aw_nn_dense_declare(aw_nn_dense *d, aw_nn_params *p, const char *prefix, size_t in,
                              size_t out, aw_error *err);
void aw_nn_dense_init(const aw_nn_dense *d, aw_nn_params *p, aw_rng *r);
/* x: n x in, y: n x out. */
void aw_nn_dense_forward(const aw_nn_dense *d, const aw_nn_params *p, size_t n, const float *x,
                         float *y);
/* Adds dL/dW, dL/db to p->g; writes dL/dx (n x in) when dx is non-NULL. */
void aw_nn_dense_backward(const aw_nn_dense *d, aw_nn_params *p, size_t n, const float *x,
                          const float *dy, float *dx);

/* ------------------------------------------------------------------ batch normalisation */

/* BatchNorm1d (Ioffe & Szegedy 2015, Algorithm 1 and 2) over n x dim batches: in training, each
 * column is normalised with the batch mean and biased variance, then y = gamma * xhat + beta, and
 * the running statistics move by `momentum` (running variance uses the unbiased batch variance, as
 * PyTorch does); in evaluation the running statistics are used. gamma = 1, beta = 0, running mean
 * 0 and variance 1 initially; momentum 0.1, eps 1e-5. */
typedef struct aw_nn_batchnorm {
  size_t dim;
  size_t gamma, beta, rmean, rvar; /* tensor indices (rmean, rvar non-trainable) */
  float momentum, eps;
  float *xhat, *invstd; /* cache of the last training forward (owned) */
  size_t cap;
} aw_nn_batchnorm;

aw_status aw_nn_batchnorm_declare(aw_nn_batchnorm *bn, aw_nn_params *p, const char *prefix,
                                  size_t dim, aw_error *err);
void aw_nn_batchnorm_init(const aw_nn_batchnorm *bn, aw_nn_params *p);
/* train = 1 uses batch statistics (n >= 2) and caches for backward (may allocate). */
aw_status aw_nn_batchnorm_forward(aw_nn_batchnorm *bn, aw_nn_params *p, size_t n, const float *x,
                                  float *y, int train, aw_error *err);
/* After a training forward: adds dgamma, dbeta; writes dx (n x dim). */
void aw_nn_batchnorm_backward(aw_nn_batchnorm *bn, aw_nn_params *p, size_t n, const float *dy,
                              float *dx);
void aw_nn_batchnorm_free(aw_nn_batchnorm *bn);

/* ------------------------------------------------------------------ recurrent layers */

/* LSTM (Hochreiter & Schmidhuber 1997, with forget gate; PyTorch's gate order i, f, g, o):
 *   z = x_t W + h_{t-1} U + b,  i = sig(z_i), f = sig(z_f), g = tanh(z_g), o = sig(z_o),
 *   c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t),  h_{-1} = c_{-1} = 0.
 * W: in x 4H, U: H x 4H, b: 1 x 4H (PyTorch's two biases folded into one), all uniform in
 * +-1/sqrt(H) like PyTorch. Backward is backpropagation through time over the whole sequence. */
typedef struct aw_nn_lstm {
  size_t in, hidden;
  size_t W, U, b;
  float *gates, *c, *tc, *dz, *dh, *dc; /* caches (owned) */
  size_t cap_tb, cap_b;
} aw_nn_lstm;

aw_status aw_nn_lstm_declare(aw_nn_lstm *l, aw_nn_params *p, const char *prefix, size_t in,
                             size_t hidden, aw_error *err);
void aw_nn_lstm_init(const aw_nn_lstm *l, aw_nn_params *p, aw_rng *r);
/* Grows the caches for sequences of T steps of B rows (forward calls it too). */
aw_status aw_nn_lstm_reserve(aw_nn_lstm *l, size_t T, size_t B, aw_error *err);
/* x: T x B x in (time-major), h: T x B x H (every step's output). */
aw_status aw_nn_lstm_forward(aw_nn_lstm *l, const aw_nn_params *p, size_t T, size_t B,
                             const float *x, float *h, aw_error *err);
/* dh: dL/dh_t for every step (T x B x H; zeros where a step's output is unused). Adds the weight
 * gradients to p->g; writes dL/dx (T x B x in) when dx is non-NULL. Uses the caches of the last
 * forward, which must have had the same T, B, x and h. */
void aw_nn_lstm_backward(aw_nn_lstm *l, aw_nn_params *p, size_t T, size_t B, const float *x,
                         const float *h, const float *dh, float *dx);
void aw_nn_lstm_free(aw_nn_lstm *l);

/* GRU (Cho et al. 2014) in PyTorch's form (gate order r, z, n):
 *   r = sig(x W_r + bx_r + h U_r + bh_r), z = sig(x W_z + bx_z + h U_z + bh_z),
 *   n = tanh(x W_n + bx_n + r * (h U_n + bh_n)),  h_t = (1 - z) * n + z * h_{t-1},  h_{-1} = 0.
 * W: in x 3H, U: H x 3H, bx, bh: 1 x 3H, uniform in +-1/sqrt(H). */
typedef struct aw_nn_gru {
  size_t in, hidden;
  size_t W, U, bx, bh;
  float *zx, *zh, *gates, *dzx, *dzh, *dh; /* caches (owned) */
  size_t cap_tb, cap_b;
} aw_nn_gru;

aw_status aw_nn_gru_declare(aw_nn_gru *l, aw_nn_params *p, const char *prefix, size_t in,
                            size_t hidden, aw_error *err);
void aw_nn_gru_init(const aw_nn_gru *l, aw_nn_params *p, aw_rng *r);
aw_status aw_nn_gru_reserve(aw_nn_gru *l, size_t T, size_t B, aw_error *err);
aw_status aw_nn_gru_forward(aw_nn_gru *l, const aw_nn_params *p, size_t T, size_t B,
                            const float *x, float *h, aw_error *err);
void aw_nn_gru_backward(aw_nn_gru *l, aw_nn_params *p, size_t T, size_t B, const float *x,
                        const float *h, const float *dh, float *dx);
void aw_nn_gru_free(aw_nn_gru *l);

/* ------------------------------------------------------------------ attention */

/* Scaled dot-product attention (Vaswani et al. 2017, Eq. 1) with one query per batch row:
 *   s_t = q . k_t / sqrt(d),  a = softmax(s),  out = sum_t a_t v_t.
 * q: B x d; k, v: T x B x d (time-major, as the recurrent layers produce them); a: B x T
 * (attention weights, written); out: B x d. */
void aw_nn_attention_forward(size_t B, size_t T, size_t d, const float *q, const float *k,
                             const float *v, float *a, float *out);
/* Adds dL/dq, dL/dk, dL/dv to dq, dk, dv (accumulating, so k and v may share one gradient
 * buffer when they are the same tensor). */
void aw_nn_attention_backward(size_t B, size_t T, size_t d, const float *q, const float *k,
                              const float *v, const float *a, const float *dout, float *dq,
                              float *dk, float *dv);

#ifdef __cplusplus
}
#endif
#endif

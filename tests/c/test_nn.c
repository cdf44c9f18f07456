/* test_nn.c - the neural-network core: GEMM exactness, layers against PyTorch, finite-difference
 * gradient checks of every layer's backward pass, Adam against PyTorch, parameter store. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "aw/math.h"
#include "aw/nn.h"
#include "aw/rng.h"
#include "t.h"

/* ------------------------------------------------------------------ helpers */

/* The fixture formula shared with tests/ref/nn_torch_ref.py (exact in float). */
static void fix(float *out, size_t n, int salt, double scale) {
  for (size_t i = 0; i < n; i++)
    out[i] = (float)(((double)((i * 37 + (size_t)salt * 11) % 101) / 101.0 - 0.5) * scale);
}

static void randu(aw_rng *r, float *x, size_t n, double lo, double hi) {
  for (size_t i = 0; i < n; i++) x[i] = (float)aw_rng_uniform_range(r, lo, hi);
}

static double dot_d(size_t n, const float *a, const float *b) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
  return s;
}

/* Finite-difference check of analytic gradients `grad` of the scalar loss(ctx) with respect to the
 * n floats at `vals`: central differences with step eps (the actual float step is used), pass when
 * |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|) for every element. Returns the
 * worst ratio of error to allowance (<= 1 passes). */
typedef double (*loss_fn)(void *ctx);
static double gc_ratio(float *vals, const float *grad, size_t n, loss_fn loss, void *ctx, double eps,
                       double atol, double rtol, size_t *worst) {
  double w = 0.0;
  for (size_t i = 0; i < n; i++) {
    float v = vals[i];
    float vp = (float)(v + eps), vm = (float)(v - eps);
    vals[i] = vp;
    double lp = loss(ctx);
    vals[i] = vm;
    double lm = loss(ctx);
    vals[i] = v;
    double num = (lp - lm) / ((double)vp - (double)vm);
    double a = grad[i];
    double allow = atol + rtol * fmax(fabs(a), fabs(num));
    double r = fabs(a - num) / allow;
    if (r > w) {
      w = r;
      if (worst) *worst = i;
    }
  }
  return w;
}

#define GC_EPS 5e-3
#define GC_ATOL 1e-4
#define GC_RTOL 1e-3

#define T_GRAD(label, vals, grad, n, loss, ctx)                                                  \
  do {                                                                                         \
    size_t wi_ = 0;                                                                            \
    double r_ = gc_ratio((vals), (grad), (n), (loss), (ctx), GC_EPS, GC_ATOL, GC_RTOL, &wi_);  \
    T_CHECKF(r_ <= 1.0, "gradient check %s: worst element %zu error/allowance %.3g", (label), wi_, r_); \
    if (getenv("T_VERBOSE")) fprintf(stderr, "  gradient check %-24s worst error/allowance %.3g\n", (label), r_); \
  } while (0)

static float *fdup(const float *x, size_t n) {
  float *y = malloc(n * sizeof *y);
  memcpy(y, x, n * sizeof *y);
  return y;
}

/* ------------------------------------------------------------------ GEMM */

/* Every C element must be bit-identical to the plain in-order float loop: the blocking, the packing
 * and the vector lanes never change a sum's order. */
static void test_gemm_exact(void) {
  static const size_t sizes[][3] = {{1, 1, 1}, {4, 8, 5}, {7, 13, 300}, {33, 130, 17},
                                    {5, 3, 600}, {256, 128, 32}, {3, 128, 2560}, {2, 9, 257}};
  aw_rng r;
  aw_rng_seed(&r, 7);
  for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
    size_t M = sizes[si][0], N = sizes[si][1], K = sizes[si][2];
    float *A = malloc(M * K * sizeof *A), *B = malloc(K * N * sizeof *B);
    float *C = malloc(M * N * sizeof *C), *R = malloc(M * N * sizeof *R);
    randu(&r, A, M * K, -1, 1);
    randu(&r, B, K * N, -1, 1);
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        for (int acc = 0; acc < 2; acc++) {
          randu(&r, C, M * N, -1, 1);
          memcpy(R, C, M * N * sizeof *R);
          /* A is M x K (lda K) or stored K x M (lda M); B is K x N (ldb N) or N x K (ldb K). */
          aw_nn_gemm(ta, tb, M, N, K, A, ta ? M : K, B, tb ? K : N, acc, C, N);
          size_t bad = 0;
          for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++) {
              float s = acc ? R[i * N + j] : 0.0f;
              for (size_t k = 0; k < K; k++) {
                float a = ta ? A[k * M + i] : A[i * K + k];
                float b = tb ? B[j * K + k] : B[k * N + j];
                s = s + a * b;
              }
              if (memcmp(&s, &C[i * N + j], sizeof s) != 0) bad++;
            }
          T_CHECKF(bad == 0, "gemm %zux%zux%zu ta=%d tb=%d acc=%d: %zu elements differ", M, N, K, ta,
                   tb, acc, bad);
        }
    free(A), free(B), free(C), free(R);
  }
  /* K = 0 clears C unless accumulating */
  float c[2] = {1, 2};
  aw_nn_gemm(0, 0, 1, 2, 0, NULL, 0, NULL, 2, 0, c, 2);
  T_CHECK(c[0] == 0 && c[1] == 0);
}

/* ------------------------------------------------------------------ vector sigmoid / tanh */

/* Error in units of the float spacing at the exact value (double-precision aw_math). */
static double ulps(float got, double want) {
  float w = (float)want;
  double spacing = fabs((double)nextafterf(w, INFINITY) - (double)w);
  if (spacing == 0) spacing = 1e-45;
  return fabs((double)got - want) / spacing;
}

static void test_vector_activations(void) {
  enum { N = 400001 };
  float *x = malloc(N * sizeof *x), *ys = malloc(N * sizeof *ys), *yt = malloc(N * sizeof *yt);
  for (int i = 0; i < N; i++) x[i] = (float)(-40.0 + 80.0 * i / (N - 1));
  x[0] = 0.0f, x[1] = -0.0f, x[2] = 1e-30f, x[3] = -1e-20f, x[4] = 1e-3f, x[5] = 200.0f, x[6] = -200.0f;
  float *ye = malloc(N * sizeof *ye);
  aw_nn_sigmoid_n(N, x, ys);
  aw_nn_tanh_n(N, x, yt);
  aw_nn_exp_n(N, x, ye);
  double ws = 0, wt = 0, we = 0, abs_s = 0;
  for (int i = 0; i < N; i++) {
    double rs = aw_sigmoid(x[i]), rt = aw_tanh(x[i]), re = aw_exp(x[i]);
    if (fabsf(x[i]) <= 87.0f) we = fmax(we, ulps(ye[i], re)); /* beyond, clamped by design */
    /* below 1e-30 only the absolute error matters (the exp argument is clamped at -87) */
    if (rs > 1e-30) ws = fmax(ws, ulps(ys[i], rs));
    abs_s = fmax(abs_s, fabs(ys[i] - rs));
    wt = fmax(wt, ulps(yt[i], rt));
  }
  T_CHECKF(ws <= 4.0, "sigmoid worst error %.2f ulp", ws);
  T_CHECKF(abs_s <= 1e-7, "sigmoid worst absolute error %g", abs_s);
  T_CHECKF(wt <= 4.0, "tanh worst error %.2f ulp", wt);
  T_CHECKF(we <= 4.0, "exp worst error %.2f ulp (on [-40, 40])", we);
  if (getenv("T_VERBOSE")) fprintf(stderr, "  exp %.2f ulp, sigmoid %.2f ulp, tanh %.2f ulp\n", we, ws, wt);
  free(ye);
  T_CHECK(yt[0] == 0.0f && signbit(yt[1]) && yt[2] == 1e-30f && yt[3] == -1e-20f);
  T_CHECK(yt[5] == 1.0f && yt[6] == -1.0f && ys[5] == 1.0f && ys[6] >= 0.0f && ys[6] < 1e-37f);
  T_CHECK(ys[0] == 0.5f);
  /* odd lengths take the padded tail path with the same per-element results */
  float a[7], b[7];
  aw_nn_tanh_n(7, x + 1000, a);
  for (int i = 0; i < 7; i++) aw_nn_tanh_n(1, x + 1000 + i, b + i);
  T_CHECK(memcmp(a, b, sizeof a) == 0);
  float nan = NAN;
  aw_nn_sigmoid_n(1, &nan, a);
  T_CHECK(isnan(a[0]));
  free(x), free(ys), free(yt);
}

/* ------------------------------------------------------------------ against PyTorch */

static void expect_close(const char *what, const float *got, const float *want, size_t n, double tol) {
  double worst = 0;
  size_t wi = 0;
  for (size_t i = 0; i < n; i++) {
    double e = fabs((double)got[i] - (double)want[i]);
    if (e > worst) worst = e, wi = i;
  }
  T_CHECKF(worst <= tol, "%s: element %zu is %.9g, PyTorch %.9g", what, wi, got[wi], want[wi]);
}

/* Values from tests/ref/nn_torch_ref.py (Debian python3-torch 1.13). */
static const float lstm_ref[] = {0.00477619236, -0.0582671836, 0.0855065882, -0.0930623114, -0.0567119569, -0.00645395834, -0.0654954016, 0.0899600834, -0.0870575309, -0.0456777029, 0.133645594, -0.0733204633, 0.0081272833, -0.00564126438, -0.0909758583, 0.125412107, -0.0840759873, 0.00646682503, 0.00368450955, -0.077486895, 0.209867492, -0.104880497, -0.0425767787, 0.0889665335, -0.0810000524, 0.203313142, -0.11794401, -0.0465042591, 0.0955924913, -0.0669985861, 0.13117902, 0.0110494867, -0.0741583183, -0.0515899025, 0.0438303053, 0.120972492, 0.00248515629, -0.0768657923, -0.0426461995, 0.0635052323};
static const float gru_ref[] = {-0.246357456, 0.179616183, 0.257783353, -0.144118771, 0.20118697, 0.00392018585, 0.123862669, -0.161441877, 0.0250929687, 0.0427204743, -0.173489332, 0.189925611, -0.00532780588, -0.0679635108, 0.147800326, 0.172710031, 0.0267627425, -0.354897767, 0.190237731, -0.223788619, 0.0325678289, 0.0276186243, -0.251679003, 0.114652663, -0.160088092, 0.236467376, -0.0908288732, -0.377712309, 0.276629686, -0.31473121, 0.117119163, -0.113530554, -0.264683455, 0.211629182, -0.270673215, 0.0280510634, 0.201513052, -0.174415097, 0.0203718692, 0.0645718873};
static const float att_a_ref[] = {0.31297192, 0.332909971, 0.354118198, 0.190204099, 0.416564137, 0.39323172};
static const float att_out_ref[] = {-0.530455947, 0.20221737, 0.308946848, -0.332436144, 0.37779814, -0.889528513, -0.156855315, 0.575817943};
static const float bn_y_ref[] = {0.0304760169, -1.42215562, -1.15969813, 0.316653252, -0.515533209, -0.701136172, 0.60283041, 0.391089171, -0.24257426, 0.889007628, 1.29771149, 0.215987638, -1.71520507, 2.20433402, 0.674549639};
static const float bn_rmean_ref[] = {0.0526732691, -0.120792083, 0.0257425737};
static const float bn_rvar_ref[] = {1.10079598, 0.939211845, 0.939211845};
static const float adam_ref[] = {0.900000036, -0.400000006, 0.150001004, 0.873366356, -0.436610371, 0.08299613, 0.839323461, -0.478175491, 0.146860242};

static void test_lstm_gru_vs_torch(void) {
  enum { IN = 3, H = 5, T = 4, B = 2 };
  aw_nn_params P = {0};
  aw_error e;
  aw_nn_lstm l;
  aw_nn_gru g;
  T_EQ_INT(aw_nn_lstm_declare(&l, &P, "lstm", IN, H, &e), AW_OK);
  T_EQ_INT(aw_nn_gru_declare(&g, &P, "gru", IN, H, &e), AW_OK);
  T_EQ_INT(aw_nn_params_alloc(&P, &e), AW_OK);
  fix(aw_nn_w(&P, l.W), IN * 4 * H, 1, 1.0);
  fix(aw_nn_w(&P, l.U), H * 4 * H, 2, 1.0);
  fix(aw_nn_w(&P, l.b), 4 * H, 3, 0.5);
  fix(aw_nn_w(&P, g.W), IN * 3 * H, 5, 1.0);
  fix(aw_nn_w(&P, g.U), H * 3 * H, 6, 1.0);
  fix(aw_nn_w(&P, g.bx), 3 * H, 7, 0.5);
  fix(aw_nn_w(&P, g.bh), 3 * H, 8, 0.5);
  float x[T * B * IN], h[T * B * H];
  fix(x, T * B * IN, 4, 2.0);
  T_EQ_INT(aw_nn_lstm_forward(&l, &P, T, B, x, h, &e), AW_OK);
  expect_close("lstm vs torch.nn.LSTM", h, lstm_ref, T * B * H, 2e-6);
  fix(x, T * B * IN, 9, 2.0);
  T_EQ_INT(aw_nn_gru_forward(&g, &P, T, B, x, h, &e), AW_OK);
  expect_close("gru vs torch.nn.GRU", h, gru_ref, T * B * H, 2e-6);
  aw_nn_lstm_free(&l);
  aw_nn_gru_free(&g);
  aw_nn_params_free(&P);
}

static void test_attention_bn_vs_torch(void) {
  float q[8], k[24], v[24], a[6], out[8];
  fix(q, 8, 10, 2.0);
  fix(k, 24, 11, 2.0);
  fix(v, 24, 12, 2.0);
  aw_nn_attention_forward(2, 3, 4, q, k, v, a, out);
  expect_close("attention weights vs torch.softmax", a, att_a_ref, 6, 1e-6);
  expect_close("attention output vs torch", out, att_out_ref, 8, 1e-6);

  aw_nn_params P = {0};
  aw_error e;
  aw_nn_batchnorm bn;
  T_EQ_INT(aw_nn_batchnorm_declare(&bn, &P, "bn", 3, &e), AW_OK);
  T_EQ_INT(aw_nn_params_alloc(&P, &e), AW_OK);
  aw_nn_batchnorm_init(&bn, &P);
  float *gm = aw_nn_w(&P, bn.gamma);
  fix(gm, 3, 13, 1.0);
  for (int i = 0; i < 3; i++) gm[i] += 1.0f;
  fix(aw_nn_w(&P, bn.beta), 3, 14, 1.0);
  float x[15], y[15];
  fix(x, 15, 15, 4.0);
  T_EQ_INT(aw_nn_batchnorm_forward(&bn, &P, 5, x, y, 1, &e), AW_OK);
  expect_close("batchnorm output vs torch.nn.BatchNorm1d", y, bn_y_ref, 15, 2e-6);
  expect_close("batchnorm running mean", aw_nn_w(&P, bn.rmean), bn_rmean_ref, 3, 1e-6);
  expect_close("batchnorm running var", aw_nn_w(&P, bn.rvar), bn_rvar_ref, 3, 1e-6);
  /* evaluation mode uses the running statistics: (x - rmean) / sqrt(rvar + eps) * gamma + beta */
  T_EQ_INT(aw_nn_batchnorm_forward(&bn, &P, 5, x, y, 0, &e), AW_OK);
  double want = (x[4] - bn_rmean_ref[1]) / sqrt(bn_rvar_ref[1] + 1e-5) * gm[1] + aw_nn_w(&P, bn.beta)[1];
  T_NEAR(y[4], want, 1e-5);
  /* one row cannot be normalised with batch statistics */
  T_EQ_INT(aw_nn_batchnorm_forward(&bn, &P, 1, x, y, 1, &e), AW_ERR_ARG);
  aw_nn_batchnorm_free(&bn);
  aw_nn_params_free(&P);
}

static void test_adam_vs_torch(void) {
  aw_nn_params P = {0};
  aw_error e;
  size_t wi;
  T_EQ_INT(aw_nn_params_declare(&P, "w", 1, 3, 1, &wi, &e), AW_OK);
  T_EQ_INT(aw_nn_params_alloc(&P, &e), AW_OK);
  float *w = aw_nn_w(&P, wi), *g = aw_nn_g(&P, wi);
  w[0] = 1.0f, w[1] = -0.5f, w[2] = 0.25f;
  static const float grads[3][3] = {{0.5f, -1.0f, 1e-3f}, {-0.25f, 2.0f, 0.0f}, {0.125f, 0.5f, -3.0f}};
  aw_nn_adam a;
  aw_nn_adam_init(&a, 0.1f);
  for (int s = 0; s < 3; s++) {
    memcpy(g, grads[s], sizeof grads[s]);
    aw_nn_adam_step(&a, &P);
    expect_close("adam step vs torch.optim.Adam", w, adam_ref + 3 * s, 3, 2e-7);
  }
  /* Hand check of the first step: m = 0.05, v = 2.5e-4, step = lr / (1 - 0.9) = 1, denominator
   * sqrt(v) / sqrt(1 - 0.999) = 0.5, so w moves by exactly lr * sign(g) (up to eps). */
  T_NEAR(adam_ref[0], 0.9, 1e-7);
  aw_nn_params_free(&P);
}

/* ------------------------------------------------------------------ gradient checks */

typedef struct dense_ctx {
  aw_nn_dense d;
  aw_nn_params P;
  size_t n;
  float *x, *y, *r;
} dense_ctx;

static double dense_loss(void *vc) {
  dense_ctx *c = vc;
  aw_nn_dense_forward(&c->d, &c->P, c->n, c->x, c->y);
  return dot_d(c->n * c->d.out, c->y, c->r);
}

static void test_grad_dense(void) {
  dense_ctx c = {0};
  aw_error e;
  aw_rng r;
  aw_rng_seed(&r, 11);
  c.n = 6;
  size_t in = 5, out = 7;
  T_EQ_INT(aw_nn_dense_declare(&c.d, &c.P, "d", in, out, &e), AW_OK);
  T_EQ_INT(aw_nn_params_alloc(&c.P, &e), AW_OK);
  aw_nn_dense_init(&c.d, &c.P, &r);
  c.x = malloc(c.n * in * sizeof(float));
  c.y = malloc(c.n * out * sizeof(float));
  c.r = malloc(c.n * out * sizeof(float));
  float *dx = malloc(c.n * in * sizeof(float));
  randu(&r, c.x, c.n * in, -1, 1);
  randu(&r, c.r, c.n * out, -1, 1);
  aw_nn_params_zero_grad(&c.P);
  dense_loss(&c);
  aw_nn_dense_backward(&c.d, &c.P, c.n, c.x, c.r, dx);
  T_GRAD("dense W", aw_nn_w(&c.P, c.d.W), aw_nn_g(&c.P, c.d.W), in * out, dense_loss, &c);
  T_GRAD("dense b", aw_nn_w(&c.P, c.d.b), aw_nn_g(&c.P, c.d.b), out, dense_loss, &c);
  T_GRAD("dense x", c.x, dx, c.n * in, dense_loss, &c);
  /* negative control: the checker must notice a gradient that is 5% off */
  float *bad = fdup(dx, c.n * in);
  bad[3] *= 1.05f;
  T_CHECK(gc_ratio(c.x, bad, c.n * in, dense_loss, &c, GC_EPS, GC_ATOL, GC_RTOL, NULL) > 1.0);
  free(bad);
  free(c.x), free(c.y), free(c.r), free(dx);
  aw_nn_params_free(&c.P);
}

typedef struct act_ctx {
  aw_nn_act act;
  size_t n;
  float *x, *y, *r;
} act_ctx;

static double act_loss(void *vc) {
  act_ctx *c = vc;
  aw_nn_act_forward(c->act, 0.1f, c->n, c->x, c->y);
  return dot_d(c->n, c->y, c->r);
}

static void test_grad_activations(void) {
  static const aw_nn_act acts[] = {AW_NN_IDENTITY, AW_NN_RELU, AW_NN_LEAKY_RELU, AW_NN_TANH, AW_NN_SIGMOID};
  static const char *names[] = {"identity", "relu", "leaky relu", "tanh", "sigmoid"};
  aw_rng r;
  aw_rng_seed(&r, 12);
  act_ctx c = {0};
  c.n = 40;
  float x[40], y[40], rr[40], dx[40];
  c.x = x, c.y = y, c.r = rr;
  for (size_t i = 0; i < c.n; i++) {
    /* keep away from the kink at 0 (ReLU's derivative jumps there) */
    double v;
    do v = aw_rng_uniform_range(&r, -3, 3);
    while (fabs(v) < 0.05);
    x[i] = (float)v;
  }
  randu(&r, rr, c.n, -1, 1);
  for (size_t a = 0; a < 5; a++) {
    c.act = acts[a];
    act_loss(&c);
    aw_nn_act_backward(c.act, 0.1f, c.n, x, y, rr, dx);
    T_GRAD(names[a], x, dx, c.n, act_loss, &c);
  }
  /* values: leaky relu slope, sigmoid(0), tanh odd */
  float in[3] = {-2.0f, 0.0f, 3.0f}, o[3];
  aw_nn_act_forward(AW_NN_LEAKY_RELU, 0.01f, 3, in, o);
  T_NEAR(o[0], -0.02, 1e-7);
  T_NEAR(o[2], 3.0, 0);
  aw_nn_act_forward(AW_NN_SIGMOID, 0, 3, in, o);
  T_NEAR(o[1], 0.5, 0);
  T_NEAR(o[0], 0.11920292202211755, 1e-7);
}

typedef struct drop_ctx {
  size_t n;
  float *x, *y, *mask, *r;
  uint64_t seed;
} drop_ctx;

static double drop_loss(void *vc) {
  drop_ctx *c = vc;
  aw_rng r;
  aw_rng_seed(&r, c->seed); /* the same mask every time */
  aw_nn_dropout_forward(c->n, 0.3f, &r, c->x, c->mask, c->y);
  return dot_d(c->n, c->y, c->r);
}

static void test_grad_dropout(void) {
  enum { N = 1000 };
  static float x[N], y[N], mask[N], rr[N], dx[N];
  drop_ctx c = {N, x, y, mask, rr, 99};
  aw_rng r;
  aw_rng_seed(&r, 13);
  randu(&r, x, N, -1, 1);
  randu(&r, rr, N, -1, 1);
  drop_loss(&c);
  aw_nn_dropout_backward(N, mask, rr, dx);
  T_GRAD("dropout", x, dx, 50, drop_loss, &c);
  size_t zeros = 0;
  for (size_t i = 0; i < N; i++) {
    zeros += mask[i] == 0.0f;
    T_CHECK(mask[i] == 0.0f || fabsf(mask[i] - 1.0f / 0.7f) < 1e-6f);
  }
  T_CHECKF(zeros > 240 && zeros < 360, "dropout p=0.3 dropped %zu of 1000", zeros);
}

static void test_grad_mse(void) {
  enum { N = 12 };
  float y[N], t[N], dy[N];
  aw_rng r;
  aw_rng_seed(&r, 14);
  randu(&r, y, N, -2, 2);
  randu(&r, t, N, -2, 2);
  double l = aw_nn_mse(N, y, t, dy);
  double want = 0;
  for (int i = 0; i < N; i++) want += ((double)y[i] - t[i]) * ((double)y[i] - t[i]);
  T_NEAR(l, want / N, 1e-6); /* ours rounds y - t to float first */
  for (int i = 0; i < N; i++) {
    float save = y[i];
    y[i] = save + 1e-3f;
    double lp = aw_nn_mse(N, y, t, NULL);
    y[i] = save - 1e-3f;
    double lm = aw_nn_mse(N, y, t, NULL);
    y[i] = save;
    T_NEAR(dy[i], (lp - lm) / ((double)(save + 1e-3f) - (double)(save - 1e-3f)), 1e-4);
  }
}

typedef struct bn_ctx {
  aw_nn_batchnorm bn;
  aw_nn_params P;
  size_t n;
  float *x, *y, *r;
} bn_ctx;

static double bn_loss(void *vc) {
  bn_ctx *c = vc;
  aw_nn_batchnorm_forward(&c->bn, &c->P, c->n, c->x, c->y, 1, NULL);
  return dot_d(c->n * c->bn.dim, c->y, c->r);
}

static void test_grad_batchnorm(void) {
  bn_ctx c = {0};
  aw_error e;
  aw_rng r;
  aw_rng_seed(&r, 15);
  size_t dim = 4;
  c.n = 6;
  T_EQ_INT(aw_nn_batchnorm_declare(&c.bn, &c.P, "bn", dim, &e), AW_OK);
  T_EQ_INT(aw_nn_params_alloc(&c.P, &e), AW_OK);
  aw_nn_batchnorm_init(&c.bn, &c.P);
  randu(&r, aw_nn_w(&c.P, c.bn.gamma), dim, 0.5, 1.5);
  randu(&r, aw_nn_w(&c.P, c.bn.beta), dim, -0.5, 0.5);
  float x[24], y[24], rr[24], dx[24];
  c.x = x, c.y = y, c.r = rr;
  randu(&r, x, 24, -2, 2);
  randu(&r, rr, 24, -1, 1);
  aw_nn_params_zero_grad(&c.P);
  bn_loss(&c);
  aw_nn_batchnorm_backward(&c.bn, &c.P, c.n, rr, dx);
  T_GRAD("batchnorm x", x, dx, 24, bn_loss, &c);
  T_GRAD("batchnorm gamma", aw_nn_w(&c.P, c.bn.gamma), aw_nn_g(&c.P, c.bn.gamma), dim, bn_loss, &c);
  T_GRAD("batchnorm beta", aw_nn_w(&c.P, c.bn.beta), aw_nn_g(&c.P, c.bn.beta), dim, bn_loss, &c);
  aw_nn_batchnorm_free(&c.bn);
  aw_nn_params_free(&c.P);
}

typedef struct rnn_ctx {
  int gru;
  aw_nn_lstm l;
  aw_nn_gru g;
  aw_nn_params P;
  size_t T, B, in, H;
  float *x, *h, *r;
} rnn_ctx;

static double rnn_loss(void *vc) {
  rnn_ctx *c = vc;
  if (c->gru)
    aw_nn_gru_forward(&c->g, &c->P, c->T, c->B, c->x, c->h, NULL);
  else
    aw_nn_lstm_forward(&c->l, &c->P, c->T, c->B, c->x, c->h, NULL);
  return dot_d(c->T * c->B * c->H, c->h, c->r);
}

/* H = 6 runs the scalar element-wise path, H = 8 the fused four-lane one. */
static void grad_rnn(int gru, size_t H) {
  rnn_ctx c = {0};
  aw_error e;
  aw_rng r;
  aw_rng_seed(&r, 16 + (uint64_t)gru);
  c.gru = gru;
  c.T = 5, c.B = 3, c.in = 3, c.H = H;
  if (gru) {
    T_EQ_INT(aw_nn_gru_declare(&c.g, &c.P, "g", c.in, c.H, &e), AW_OK);
  } else {
    T_EQ_INT(aw_nn_lstm_declare(&c.l, &c.P, "l", c.in, c.H, &e), AW_OK);
  }
  T_EQ_INT(aw_nn_params_alloc(&c.P, &e), AW_OK);
  /* larger than the default init so that the gates are not all near their linear range */
  for (size_t i = 0; i < c.P.n; i++) aw_nn_params_init_uniform(&c.P, i, 0.8, &r);
  size_t nx = c.T * c.B * c.in, nh = c.T * c.B * c.H;
  c.x = malloc(nx * sizeof(float));
  c.h = malloc(nh * sizeof(float));
  c.r = malloc(nh * sizeof(float));
  float *dx = malloc(nx * sizeof(float));
  randu(&r, c.x, nx, -1.5, 1.5);
  randu(&r, c.r, nh, -1, 1);
  aw_nn_params_zero_grad(&c.P);
  rnn_loss(&c);
  if (gru)
    aw_nn_gru_backward(&c.g, &c.P, c.T, c.B, c.x, c.h, c.r, dx);
  else
    aw_nn_lstm_backward(&c.l, &c.P, c.T, c.B, c.x, c.h, c.r, dx);
  for (size_t i = 0; i < c.P.n; i++) {
    char label[64];
    snprintf(label, sizeof label, "%s H=%zu %s", gru ? "gru" : "lstm", H, c.P.t[i].name);
    T_GRAD(label, aw_nn_w(&c.P, i), aw_nn_g(&c.P, i), c.P.t[i].rows * c.P.t[i].cols, rnn_loss, &c);
  }
  T_GRAD(gru ? "gru x" : "lstm x", c.x, dx, nx, rnn_loss, &c);
  free(c.x), free(c.h), free(c.r), free(dx);
  aw_nn_lstm_free(&c.l);
  aw_nn_gru_free(&c.g);
  aw_nn_params_free(&c.P);
}

static void test_grad_lstm(void) {
  grad_rnn(0, 6);
  grad_rnn(0, 8);
}
static void test_grad_gru(void) {
  grad_rnn(1, 6);
  grad_rnn(1, 8);
}

typedef struct att_ctx {
  size_t B, T, d;
  float *q, *k, *v, *a, *out, *r;
} att_ctx;

static double att_loss(void *vc) {
  att_ctx *c = vc;
  aw_nn_attention_forward(c->B, c->T, c->d, c->q, c->k, c->v, c->a, c->out);
  return dot_d(c->B * c->d, c->out, c->r);
}

static void test_grad_attention(void) {
  enum { B = 3, T = 4, D = 5 };
  float q[B * D], k[T * B * D], v[T * B * D], a[B * T], out[B * D], rr[B * D];
  float dq[B * D], dk[T * B * D], dv[T * B * D];
  att_ctx c = {B, T, D, q, k, v, a, out, rr};
  aw_rng r;
  aw_rng_seed(&r, 18);
  randu(&r, q, B * D, -1.5, 1.5);
  randu(&r, k, T * B * D, -1.5, 1.5);
  randu(&r, v, T * B * D, -1.5, 1.5);
  randu(&r, rr, B * D, -1, 1);
  memset(dq, 0, sizeof dq), memset(dk, 0, sizeof dk), memset(dv, 0, sizeof dv);
  att_loss(&c);
  aw_nn_attention_backward(B, T, D, q, k, v, a, rr, dq, dk, dv);
  T_GRAD("attention q", q, dq, B * D, att_loss, &c);
  T_GRAD("attention k", k, dk, T * B * D, att_loss, &c);
  T_GRAD("attention v", v, dv, T * B * D, att_loss, &c);
  /* K = V as in DAM: one buffer, one gradient buffer that both paths accumulate into */
  c.v = k;
  memset(dq, 0, sizeof dq), memset(dk, 0, sizeof dk);
  att_loss(&c);
  aw_nn_attention_backward(B, T, D, q, k, k, a, rr, dq, dk, dk);
  T_GRAD("attention shared k = v", k, dk, T * B * D, att_loss, &c);
  /* weights are a distribution */
  for (int b = 0; b < B; b++) {
    double s = 0;
    for (int t = 0; t < T; t++) s += a[b * T + t];
    T_NEAR(s, 1.0, 1e-6);
  }
}

/* ------------------------------------------------------------------ parameter store */

static void test_params(void) {
  aw_nn_params P = {0};
  aw_error e;
  size_t i0, i1;
  T_EQ_INT(aw_nn_params_declare(&P, "a", 2, 3, 1, &i0, &e), AW_OK);
  T_EQ_INT(aw_nn_params_declare(&P, "b", 1, 4, 0, &i1, &e), AW_OK);
  T_EQ_INT(aw_nn_params_declare(&P, "a", 1, 1, 1, NULL, &e), AW_ERR_ARG);
  T_CONTAINS(e.message, "declared twice");
  T_EQ_INT(aw_nn_params_declare(&P, "z", 0, 1, 1, NULL, &e), AW_ERR_ARG);
  T_EQ_INT(aw_nn_params_declare(&P, "huge", (size_t)1 << 20, (size_t)1 << 20, 1, NULL, &e), AW_ERR_LIMIT);
  T_EQ_INT(aw_nn_params_alloc(&P, &e), AW_OK);
  T_EQ_INT(aw_nn_params_declare(&P, "late", 1, 1, 1, NULL, &e), AW_ERR_STATE);
  T_EQ_INT(P.total, 10);
  T_EQ_INT(aw_nn_params_count(&P, 1), 6);
  T_EQ_INT(aw_nn_params_find(&P, "b"), 1);
  T_CHECK(aw_nn_params_find(&P, "nope") == (size_t)-1);
  aw_rng r;
  aw_rng_seed(&r, 1);
  aw_nn_params_init_uniform(&P, i0, 0.5, &r);
  uint64_t h1 = aw_nn_params_hash(&P);
  for (int i = 0; i < 6; i++) T_CHECK(fabsf(aw_nn_w(&P, i0)[i]) <= 0.5f);
  aw_nn_w(&P, i1)[3] = 1e-30f;
  T_CHECK(aw_nn_params_hash(&P) != h1);
  /* Adam leaves non-trainable tensors alone */
  for (size_t i = 0; i < P.total; i++) P.g[i] = 1.0f;
  aw_nn_adam a;
  aw_nn_adam_init(&a, 0.1f);
  aw_nn_adam_step(&a, &P);
  T_CHECK(aw_nn_w(&P, i1)[3] == 1e-30f);
  aw_nn_params_free(&P);
  aw_nn_params_free(&P);
}

/* ------------------------------------------------------------------ learning */

/* A two-layer network (dense-ReLU-dense) fits y = x0 x1 + x0^2 / 2: Adam must bring the MSE well
 * below the variance of the target. Pins the weight hash after 400 steps: every operation is IEEE
 * float (+, *, /, sqrt) with no transcendental function, so this hash holds on every platform and
 * whatever aw_math's rounding; the WASM runner passing it proves bit identity of GEMM, Adam and
 * the init. */
static void test_learns_regression(void) {
  enum { N = 64, IN = 2, HID = 16 };
  aw_nn_params P = {0};
  aw_error e;
  aw_nn_dense d1, d2;
  T_EQ_INT(aw_nn_dense_declare(&d1, &P, "d1", IN, HID, &e), AW_OK);
  T_EQ_INT(aw_nn_dense_declare(&d2, &P, "d2", HID, 1, &e), AW_OK);
  T_EQ_INT(aw_nn_params_alloc(&P, &e), AW_OK);
  aw_rng r;
  aw_rng_seed(&r, 5);
  aw_nn_dense_init(&d1, &P, &r);
  aw_nn_dense_init(&d2, &P, &r);
  float x[N * IN], y[N], z[N * HID], a[N * HID], out[N], dout[N], da[N * HID];
  randu(&r, x, N * IN, -1, 1);
  double mean = 0, var = 0;
  for (int i = 0; i < N; i++) {
    y[i] = x[2 * i] * x[2 * i + 1] + 0.5f * x[2 * i] * x[2 * i];
    mean += y[i];
  }
  mean /= N;
  for (int i = 0; i < N; i++) var += (y[i] - mean) * (y[i] - mean);
  var /= N;
  aw_nn_adam adam;
  aw_nn_adam_init(&adam, 0.01f);
  double first = 0, loss = 0;
  for (int step = 0; step < 400; step++) {
    aw_nn_params_zero_grad(&P);
    aw_nn_dense_forward(&d1, &P, N, x, z);
    aw_nn_act_forward(AW_NN_RELU, 0, N * HID, z, a);
    aw_nn_dense_forward(&d2, &P, N, a, out);
    loss = aw_nn_mse(N, out, y, dout);
    if (step == 0) first = loss;
    aw_nn_dense_backward(&d2, &P, N, a, dout, da);
    aw_nn_act_backward(AW_NN_RELU, 0, N * HID, z, a, da, da);
    aw_nn_dense_backward(&d1, &P, N, x, da, NULL);
    aw_nn_adam_step(&adam, &P);
  }
  T_CHECKF(loss < 0.1 * var && loss < 0.1 * first, "loss %g (first %g, target variance %g)", loss, first, var);
  uint64_t h = aw_nn_params_hash(&P);
  T_CHECKF(h == 0xef2c3f47be49e32cULL, "regression weights hash %016" PRIx64 " (loss %.9g), pinned ef2c3f47be49e32c", h, loss);
  aw_nn_params_free(&P);
}

int main(int argc, char **argv) {
  if (argc > 1) t_filter = argv[1];
  T_RUN(test_gemm_exact);
  T_RUN(test_vector_activations);
  T_RUN(test_lstm_gru_vs_torch);
  T_RUN(test_attention_bn_vs_torch);
  T_RUN(test_adam_vs_torch);
  T_RUN(test_grad_dense);
  T_RUN(test_grad_activations);
  T_RUN(test_grad_dropout);
  T_RUN(test_grad_mse);
  T_RUN(test_grad_batchnorm);
  T_RUN(test_grad_lstm);
  T_RUN(test_grad_gru);
  T_RUN(test_grad_attention);
  T_RUN(test_params);
  T_RUN(test_learns_regression);
  return t_done();
}

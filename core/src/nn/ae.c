/* ae.c - the autoencoders: the IBM Cloud paper's MLP autoencoder and GRU autoencoder, and the eBPF
 * paper's LSTM autoencoder (the GRU architecture with LSTM cells).
 *
 * All of them reconstruct the window that ends at the scored step (steps i+1 .. i+W for window i),
 * so an autoencoder's score for window i belongs to step i+W like a predictor's.
 *
 * MLP: W*dims -> 128 -> 64 -> 14 -> 64 -> 128 -> W*dims. Every hidden layer is dense -> batch norm
 * -> LeakyReLU (model option), followed by dropout except at the 14-wide bottleneck; the output layer is linear.
 * (The paper lists the sizes and the three ingredients, not their order; this is the usual one.)
 *
 * GRU / LSTM: encoder cell(dims -> 16) -> cell(16 -> 14), whose last hidden state is the latent
 * vector; it is repeated W times (Keras' RepeatVector) into the mirrored decoder cell(14 -> 14) ->
 * cell(14 -> 16) and a dense layer (16 -> dims) applied at every step.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_internal.h"

/* ------------------------------------------------------------------ MLP autoencoder */

#define MLP_HID 5 /* hidden layers */

typedef struct mlp_ae {
  size_t sz[MLP_HID + 2];
  aw_nn_dense dense[MLP_HID + 1];
  aw_nn_batchnorm bn[MLP_HID];
  float *xin, *z[MLP_HID], *y[MLP_HID], *a[MLP_HID], *o[MLP_HID], *mask[MLP_HID];
  float *t1, *t2;
  int dropped; /* dropout applied in the last forward */
} mlp_ae;

static int mlp_has_dropout(const aw_nn_model *m, size_t k) { return k != 2 && m->o.dropout > 0.0f; }

static aw_status mlp_build(aw_nn_model *m, aw_error *err) {
  mlp_ae *A = AW_CALLOC(1, sizeof *A);
  if (!A) return aw_error_set(err, AW_ERR_NOMEM, "mlp-ae: out of memory");
  m->impl = A;
  if (m->d > ((size_t)1 << 20) / m->W) return aw_error_set(err, AW_ERR_LIMIT, "mlp-ae: input too wide");
  size_t in = m->W * m->d;
  const size_t sz[MLP_HID + 2] = {in, m->o.mlp[0], m->o.mlp[1], m->o.mlp[2], m->o.mlp[1], m->o.mlp[0], in};
  memcpy(A->sz, sz, sizeof sz);
  m->out_steps = m->W;
  aw_status s;
  for (size_t k = 0; k <= MLP_HID; k++) {
    char nm[AW_NN_NAME_MAX];
    NN_NAME(nm, "mlp.dense%zu", k + 1);
    if ((s = aw_nn_dense_declare(&A->dense[k], &m->P, nm, sz[k], sz[k + 1], err))) return s;
    if (k < MLP_HID) {
      NN_NAME(nm, "mlp.bn%zu", k + 1);
      if ((s = aw_nn_batchnorm_declare(&A->bn[k], &m->P, nm, sz[k + 1], err))) return s;
    }
  }
  return AW_OK;
}

static void mlp_init(aw_nn_model *m) {
  mlp_ae *A = m->impl;
  for (size_t k = 0; k <= MLP_HID; k++) {
    char nm[64];
    aw_rng r;
    snprintf(nm, sizeof nm, "mlp.dense%zu", k + 1);
    aw_rng_seed_stream(&r, m->o.seed, aw_rng_hash(nm));
    aw_nn_dense_init(&A->dense[k], &m->P, &r);
    if (k < MLP_HID) aw_nn_batchnorm_init(&A->bn[k], &m->P);
  }
}

static aw_status mlp_reserve(aw_nn_model *m, size_t B, aw_error *err) {
  mlp_ae *A = m->impl;
  size_t wmax = 0;
  for (size_t k = 0; k < MLP_HID + 2; k++)
    if (A->sz[k] > wmax) wmax = A->sz[k];
  int ok = nn_regrow(&A->xin, B * A->sz[0]) && nn_regrow(&A->t1, B * wmax) && nn_regrow(&A->t2, B * wmax);
  for (size_t k = 0; ok && k < MLP_HID; k++)
    ok = nn_regrow(&A->z[k], B * A->sz[k + 1]) && nn_regrow(&A->y[k], B * A->sz[k + 1]) &&
         nn_regrow(&A->a[k], B * A->sz[k + 1]) && nn_regrow(&A->o[k], B * A->sz[k + 1]) &&
         nn_regrow(&A->mask[k], B * A->sz[k + 1]);
  if (!ok) return aw_error_set(err, AW_ERR_NOMEM, "mlp-ae: out of memory for batch %zu", B);
  return AW_OK;
}

static aw_status mlp_forward(aw_nn_model *m, const float *x, const size_t *win, size_t B, int train,
                             aw_error *err) {
  mlp_ae *A = m->impl;
  const size_t in = A->sz[0];
  /* the window ending at the scored step is contiguous in the row-major series */
  for (size_t b = 0; b < B; b++) memcpy(A->xin + b * in, x + (win[b] + 1) * m->d, in * sizeof(float));
  memcpy(m->target, A->xin, B * in * sizeof(float));
  const float *h = A->xin;
  A->dropped = train && m->o.dropout > 0.0f;
  aw_status s;
  for (size_t k = 0; k < MLP_HID; k++) {
    size_t n = B * A->sz[k + 1];
    aw_nn_dense_forward(&A->dense[k], &m->P, B, h, A->z[k]);
    if ((s = aw_nn_batchnorm_forward(&A->bn[k], &m->P, B, A->z[k], A->y[k], train, err))) return s;
    aw_nn_act_forward(m->o.mlp_act, m->o.leaky_slope, n, A->y[k], A->a[k]);
    if (A->dropped && mlp_has_dropout(m, k))
      aw_nn_dropout_forward(n, m->o.dropout, &m->drop_rng, A->a[k], A->mask[k], A->o[k]);
    else
      memcpy(A->o[k], A->a[k], n * sizeof(float));
    h = A->o[k];
  }
  aw_nn_dense_forward(&A->dense[MLP_HID], &m->P, B, h, m->pred);
  return AW_OK;
}

static void mlp_backward(aw_nn_model *m, size_t B) {
  mlp_ae *A = m->impl;
  float *g = A->t1, *g2 = A->t2;
  aw_nn_dense_backward(&A->dense[MLP_HID], &m->P, B, A->o[MLP_HID - 1], m->dpred, g);
  for (size_t k = MLP_HID; k-- > 0;) {
    size_t n = B * A->sz[k + 1];
    if (A->dropped && mlp_has_dropout(m, k)) aw_nn_dropout_backward(n, A->mask[k], g, g);
    aw_nn_act_backward(m->o.mlp_act, m->o.leaky_slope, n, A->y[k], A->a[k], g, g);
    aw_nn_batchnorm_backward(&A->bn[k], &m->P, B, g, g2);
    aw_nn_dense_backward(&A->dense[k], &m->P, B, k ? A->o[k - 1] : A->xin, g2, k ? g : NULL);
  }
}

static void mlp_free(aw_nn_model *m) {
  mlp_ae *A = m->impl;
  for (size_t k = 0; k < MLP_HID; k++) {
    aw_nn_batchnorm_free(&A->bn[k]);
    AW_FREE(A->z[k]), AW_FREE(A->y[k]), AW_FREE(A->a[k]), AW_FREE(A->o[k]), AW_FREE(A->mask[k]);
  }
  AW_FREE(A->xin), AW_FREE(A->t1), AW_FREE(A->t2);
  AW_FREE(A);
  m->impl = NULL;
}

const nn_ops nn_mlp_ae_ops = {1, mlp_build, mlp_init, mlp_reserve, mlp_forward, mlp_backward, mlp_free};

/* ------------------------------------------------------------------ GRU / LSTM autoencoder */

typedef struct cell {
  int gru;
  size_t in, H;
  aw_nn_gru g;
  aw_nn_lstm l;
} cell;

static aw_status cell_declare(cell *c, int gru, aw_nn_params *P, const char *name, size_t in, size_t H,
                              aw_error *err) {
  c->gru = gru;
  c->in = in;
  c->H = H;
  return gru ? aw_nn_gru_declare(&c->g, P, name, in, H, err) : aw_nn_lstm_declare(&c->l, P, name, in, H, err);
}
static void cell_init(cell *c, aw_nn_params *P, aw_rng *r) {
  if (c->gru)
    aw_nn_gru_init(&c->g, P, r);
  else
    aw_nn_lstm_init(&c->l, P, r);
}
static aw_status cell_reserve(cell *c, size_t T, size_t B, aw_error *err) {
  return c->gru ? aw_nn_gru_reserve(&c->g, T, B, err) : aw_nn_lstm_reserve(&c->l, T, B, err);
}
static aw_status cell_forward(cell *c, const aw_nn_params *P, size_t T, size_t B, const float *x,
                              float *h, aw_error *err) {
  return c->gru ? aw_nn_gru_forward(&c->g, P, T, B, x, h, err) : aw_nn_lstm_forward(&c->l, P, T, B, x, h, err);
}
static void cell_backward(cell *c, aw_nn_params *P, size_t T, size_t B, const float *x, const float *h,
                          const float *dh, float *dx) {
  if (c->gru)
    aw_nn_gru_backward(&c->g, P, T, B, x, h, dh, dx);
  else
    aw_nn_lstm_backward(&c->l, P, T, B, x, h, dh, dx);
}
static void cell_free(cell *c) {
  aw_nn_gru_free(&c->g);
  aw_nn_lstm_free(&c->l);
}

typedef struct rnn_ae {
  cell c[4]; /* enc1, enc2, dec1, dec2 */
  aw_nn_dense out;
  float *xin, *h[4], *rep, *y;
  float *dh[4], *drep, *dy;
} rnn_ae;

static const char *const rnn_names[4] = {"enc1", "enc2", "dec1", "dec2"};

static aw_status rnn_build(aw_nn_model *m, aw_error *err) {
  rnn_ae *A = AW_CALLOC(1, sizeof *A);
  if (!A) return aw_error_set(err, AW_ERR_NOMEM, "rnn-ae: out of memory");
  m->impl = A;
  m->out_steps = m->W;
  int gru = m->kind == AW_NN_GRU_AE;
  const size_t e1 = m->o.rnn[0], e2 = m->o.rnn[1];
  const size_t ins[4] = {m->d, e1, e2, e2}, hs[4] = {e1, e2, e2, e1};
  aw_status s;
  for (int k = 0; k < 4; k++) {
    char nm[AW_NN_NAME_MAX];
    NN_NAME(nm, "%s.%s", gru ? "gru" : "lstm", rnn_names[k]);
    if ((s = cell_declare(&A->c[k], gru, &m->P, nm, ins[k], hs[k], err))) return s;
  }
  return aw_nn_dense_declare(&A->out, &m->P, "out", e1, m->d, err);
}

static void rnn_init(aw_nn_model *m) {
  rnn_ae *A = m->impl;
  aw_rng r;
  for (int k = 0; k < 4; k++) {
    char nm[64];
    snprintf(nm, sizeof nm, "%s.%s", A->c[k].gru ? "gru" : "lstm", rnn_names[k]);
    aw_rng_seed_stream(&r, m->o.seed, aw_rng_hash(nm));
    cell_init(&A->c[k], &m->P, &r);
  }
  aw_rng_seed_stream(&r, m->o.seed, aw_rng_hash("out"));
  aw_nn_dense_init(&A->out, &m->P, &r);
}

static aw_status rnn_reserve(aw_nn_model *m, size_t B, aw_error *err) {
  rnn_ae *A = m->impl;
  const size_t T = m->W, d = m->d;
  int ok = nn_regrow(&A->xin, T * B * d) && nn_regrow(&A->y, T * B * d) && nn_regrow(&A->dy, T * B * d) &&
           nn_regrow(&A->rep, T * B * A->c[1].H) && nn_regrow(&A->drep, T * B * A->c[1].H);
  for (int k = 0; ok && k < 4; k++) {
    ok = nn_regrow(&A->h[k], T * B * A->c[k].H) && nn_regrow(&A->dh[k], T * B * A->c[k].H);
    if (ok && cell_reserve(&A->c[k], T, B, err)) return err ? err->code : AW_ERR_NOMEM;
  }
  if (!ok) return aw_error_set(err, AW_ERR_NOMEM, "rnn-ae: out of memory for batch %zu", B);
  return AW_OK;
}

static aw_status rnn_forward(aw_nn_model *m, const float *x, const size_t *win, size_t B, int train,
                             aw_error *err) {
  rnn_ae *A = m->impl;
  const size_t T = m->W, d = m->d, L = A->c[1].H;
  for (size_t t = 0; t < T; t++)
    for (size_t b = 0; b < B; b++) memcpy(A->xin + (t * B + b) * d, x + (win[b] + 1 + t) * d, d * sizeof(float));
  aw_status s;
  if ((s = cell_forward(&A->c[0], &m->P, T, B, A->xin, A->h[0], err))) return s;
  if ((s = cell_forward(&A->c[1], &m->P, T, B, A->h[0], A->h[1], err))) return s;
  const float *latent = A->h[1] + (T - 1) * B * L;
  for (size_t t = 0; t < T; t++) memcpy(A->rep + t * B * L, latent, B * L * sizeof(float));
  if ((s = cell_forward(&A->c[2], &m->P, T, B, A->rep, A->h[2], err))) return s;
  if ((s = cell_forward(&A->c[3], &m->P, T, B, A->h[2], A->h[3], err))) return s;
  aw_nn_dense_forward(&A->out, &m->P, T * B, A->h[3], A->y);
  /* pred and target are window-major: [b][t][j] */
  for (size_t t = 0; t < T; t++)
    for (size_t b = 0; b < B; b++) {
      memcpy(m->pred + (b * T + t) * d, A->y + (t * B + b) * d, d * sizeof(float));
      memcpy(m->target + (b * T + t) * d, A->xin + (t * B + b) * d, d * sizeof(float));
    }
  return AW_OK;
}

static void rnn_backward(aw_nn_model *m, size_t B) {
  rnn_ae *A = m->impl;
  const size_t T = m->W, d = m->d, L = A->c[1].H;
  for (size_t t = 0; t < T; t++)
    for (size_t b = 0; b < B; b++) memcpy(A->dy + (t * B + b) * d, m->dpred + (b * T + t) * d, d * sizeof(float));
  aw_nn_dense_backward(&A->out, &m->P, T * B, A->h[3], A->dy, A->dh[3]);
  cell_backward(&A->c[3], &m->P, T, B, A->h[2], A->h[3], A->dh[3], A->dh[2]);
  cell_backward(&A->c[2], &m->P, T, B, A->rep, A->h[2], A->dh[2], A->drep);
  /* the repeat vector's gradient is the sum over the steps it was copied to; it reaches the
   * encoder only through its last output */
  float *dl = A->dh[1] + (T - 1) * B * L;
  memset(A->dh[1], 0, T * B * L * sizeof(float));
  for (size_t t = 0; t < T; t++)
    for (size_t i = 0; i < B * L; i++) dl[i] = dl[i] + A->drep[t * B * L + i];
  cell_backward(&A->c[1], &m->P, T, B, A->h[0], A->h[1], A->dh[1], A->dh[0]);
  cell_backward(&A->c[0], &m->P, T, B, A->xin, A->h[0], A->dh[0], NULL);
}

static void rnn_free(aw_nn_model *m) {
  rnn_ae *A = m->impl;
  for (int k = 0; k < 4; k++) {
    cell_free(&A->c[k]);
    AW_FREE(A->h[k]), AW_FREE(A->dh[k]);
  }
  AW_FREE(A->xin), AW_FREE(A->rep), AW_FREE(A->y), AW_FREE(A->drep), AW_FREE(A->dy);
  AW_FREE(A);
  m->impl = NULL;
}

const nn_ops nn_rnn_ae_ops = {1, rnn_build, rnn_init, rnn_reserve, rnn_forward, rnn_backward, rnn_free};

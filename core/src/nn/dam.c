/* dam.c - DAM (Chen et al., ICWS 2022, section II-C) and its ablations.
 *
 * One LSTM per group of dimensions (load 3, traffic 4, logs 1; hidden 32) reads the window; the
 * query is the concatenation of the LSTMs' final hidden states (Q, 96 wide) and the keys and values
 * are the concatenated outputs of every step (K = V, W x 96); scaled dot-product attention gives a
 * 96-wide context, and one head per group (96 -> 32 -> 8 -> group dims) predicts that group's
 * values at the next step. Loss: MSE over all predicted values. DAM-A feeds Q straight to the
 * heads (no attention); DAM-M keeps only the logs group, DAM-L only load and traffic.
 * The paper does not name the heads' hidden activation; ReLU is the default (model opts).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_internal.h"

static const char *const group_names[3] = {"load", "traffic", "logs"};

typedef struct dam {
  size_t G, H, GH, h1, h2;
  int grp[3];        /* AW_NN_GROUP_* of each used group */
  size_t gd[3];      /* its number of columns */
  size_t *gcols[3];  /* its columns */
  size_t out_off[3]; /* its first output in the n_out outputs */
  int attention;
  aw_nn_lstm lstm[3];
  aw_nn_dense head[3][3];
  float *xg[3], *hg[3], *dhg[3];
  float *kv, *dkv, *q, *dq, *ctx, *dctx, *att;
  float *z1[3], *a1[3], *z2[3], *a2[3], *out[3];
  float *t1, *t2, *tctx, *tout;
} dam;

static aw_status dam_build(aw_nn_model *m, aw_error *err) {
  dam *D = AW_CALLOC(1, sizeof *D);
  if (!D) return aw_error_set(err, AW_ERR_NOMEM, "dam: out of memory");
  m->impl = D;
  D->attention = m->kind != AW_NN_DAM_A;
  if (m->kind == AW_NN_DAM_M) {
    D->grp[D->G++] = AW_NN_GROUP_LOGS;
  } else if (m->kind == AW_NN_DAM_L) {
    D->grp[D->G++] = AW_NN_GROUP_LOAD;
    D->grp[D->G++] = AW_NN_GROUP_TRAFFIC;
  } else {
    D->grp[D->G++] = AW_NN_GROUP_LOAD;
    D->grp[D->G++] = AW_NN_GROUP_TRAFFIC;
    D->grp[D->G++] = AW_NN_GROUP_LOGS;
  }
  D->H = m->o.hidden;
  D->GH = D->G * D->H;
  D->h1 = m->o.head[0];
  D->h2 = m->o.head[1];
  m->n_out = 0;
  for (size_t g = 0; g < D->G; g++) {
    D->gcols[g] = aw_alloc_array(m->d, sizeof(size_t));
    if (!D->gcols[g]) return aw_error_set(err, AW_ERR_NOMEM, "dam: out of memory");
    for (size_t j = 0; j < m->d; j++)
      if (m->groups[j] == D->grp[g]) D->gcols[g][D->gd[g]++] = j;
    if (D->gd[g] == 0)
      return aw_error_set(err, AW_ERR_ARG,
                          "%s needs at least one column in the %s group (map columns to groups "
                          "load, traffic, logs)",
                          aw_nn_kind_name(m->kind), group_names[D->grp[g]]);
    D->out_off[g] = m->n_out;
    for (size_t c = 0; c < D->gd[g]; c++) m->out_cols[m->n_out++] = D->gcols[g][c];
  }
  aw_status s;
  for (size_t g = 0; g < D->G; g++) {
    char nm[AW_NN_NAME_MAX];
    const char *gn = group_names[D->grp[g]];
    NN_NAME(nm, "%s.lstm", gn);
    if ((s = aw_nn_lstm_declare(&D->lstm[g], &m->P, nm, D->gd[g], D->H, err))) return s;
    const size_t sizes[4] = {D->GH, D->h1, D->h2, D->gd[g]};
    for (int k = 0; k < 3; k++) {
      NN_NAME(nm, "%s.head%d", gn, k + 1);
      if ((s = aw_nn_dense_declare(&D->head[g][k], &m->P, nm, sizes[k], sizes[k + 1], err))) return s;
    }
  }
  return AW_OK;
}

/* Each layer draws its initial weights from its own stream (seed, layer name), so a change to one
 * layer's shape leaves the others' initial weights alone. */
static void dam_init(aw_nn_model *m) {
  dam *D = m->impl;
  for (size_t g = 0; g < D->G; g++) {
    aw_rng r;
    const char *gn = group_names[D->grp[g]];
    char nm[64];
    snprintf(nm, sizeof nm, "%s.lstm", gn);
    aw_rng_seed_stream(&r, m->o.seed, aw_rng_hash(nm));
    aw_nn_lstm_init(&D->lstm[g], &m->P, &r);
    for (int k = 0; k < 3; k++) {
      snprintf(nm, sizeof nm, "%s.head%d", gn, k + 1);
      aw_rng_seed_stream(&r, m->o.seed, aw_rng_hash(nm));
      aw_nn_dense_init(&D->head[g][k], &m->P, &r);
    }
  }
}

static aw_status dam_reserve(aw_nn_model *m, size_t B, aw_error *err) {
  dam *D = m->impl;
  const size_t T = m->W;
  int ok = 1;
  for (size_t g = 0; g < D->G; g++) {
    ok = ok && nn_regrow(&D->xg[g], T * B * D->gd[g]) && nn_regrow(&D->hg[g], T * B * D->H) &&
         nn_regrow(&D->dhg[g], T * B * D->H) && nn_regrow(&D->z1[g], B * D->h1) &&
         nn_regrow(&D->a1[g], B * D->h1) && nn_regrow(&D->z2[g], B * D->h2) &&
         nn_regrow(&D->a2[g], B * D->h2) && nn_regrow(&D->out[g], B * D->gd[g]);
    if (ok && aw_nn_lstm_reserve(&D->lstm[g], T, B, err)) return err ? err->code : AW_ERR_NOMEM;
  }
  size_t wmax = D->h1 > D->h2 ? D->h1 : D->h2;
  ok = ok && nn_regrow(&D->kv, T * B * D->GH) && nn_regrow(&D->dkv, T * B * D->GH) &&
       nn_regrow(&D->q, B * D->GH) && nn_regrow(&D->dq, B * D->GH) && nn_regrow(&D->ctx, B * D->GH) &&
       nn_regrow(&D->dctx, B * D->GH) && nn_regrow(&D->att, B * T) && nn_regrow(&D->t1, B * wmax) &&
       nn_regrow(&D->t2, B * wmax) && nn_regrow(&D->tctx, B * D->GH) && nn_regrow(&D->tout, B * m->d);
  if (!ok) return aw_error_set(err, AW_ERR_NOMEM, "dam: out of memory for batch %zu", B);
  return AW_OK;
}

static aw_status dam_forward(aw_nn_model *m, const float *x, const size_t *win, size_t B, int train,
                             aw_error *err) {
  dam *D = m->impl;
  const size_t T = m->W, d = m->d, H = D->H, GH = D->GH;
  aw_status s;
  for (size_t g = 0; g < D->G; g++) {
    /* gather the group's columns time-major: xg[t][b][c] */
    const size_t gd = D->gd[g];
    const size_t *cols = D->gcols[g];
    float *xg = D->xg[g];
    for (size_t t = 0; t < T; t++)
      for (size_t b = 0; b < B; b++) {
        const float *row = x + (win[b] + t) * d;
        float *dst = xg + (t * B + b) * gd;
        for (size_t c = 0; c < gd; c++) dst[c] = row[cols[c]];
      }
    if ((s = aw_nn_lstm_forward(&D->lstm[g], &m->P, T, B, xg, D->hg[g], err))) return s;
    /* K = V: the concatenation of every step's outputs */
    for (size_t tb = 0; tb < T * B; tb++) memcpy(D->kv + tb * GH + g * H, D->hg[g] + tb * H, H * sizeof(float));
  }
  /* Q: the concatenated final hidden states (the last step of K) */
  memcpy(D->q, D->kv + (T - 1) * B * GH, B * GH * sizeof(float));
  if (D->attention)
    aw_nn_attention_forward(B, T, GH, D->q, D->kv, D->kv, D->att, D->ctx);
  else
    memcpy(D->ctx, D->q, B * GH * sizeof(float));
  const aw_nn_act act = m->o.head_act;
  for (size_t g = 0; g < D->G; g++) {
    aw_nn_dense_forward(&D->head[g][0], &m->P, B, D->ctx, D->z1[g]);
    aw_nn_act_forward(act, m->o.leaky_slope, B * D->h1, D->z1[g], D->a1[g]);
    aw_nn_dense_forward(&D->head[g][1], &m->P, B, D->a1[g], D->z2[g]);
    aw_nn_act_forward(act, m->o.leaky_slope, B * D->h2, D->z2[g], D->a2[g]);
    aw_nn_dense_forward(&D->head[g][2], &m->P, B, D->a2[g], D->out[g]);
    for (size_t b = 0; b < B; b++)
      memcpy(m->pred + b * m->n_out + D->out_off[g], D->out[g] + b * D->gd[g], D->gd[g] * sizeof(float));
  }
  for (size_t b = 0; b < B; b++) {
    const float *row = x + (win[b] + T) * d;
    for (size_t k = 0; k < m->n_out; k++) m->target[b * m->n_out + k] = row[m->out_cols[k]];
  }
  return AW_OK;
}

static void dam_backward(aw_nn_model *m, size_t B) {
  dam *D = m->impl;
  const size_t T = m->W, H = D->H, GH = D->GH;
  const aw_nn_act act = m->o.head_act;
  memset(D->dctx, 0, B * GH * sizeof(float));
  for (size_t g = 0; g < D->G; g++) {
    float *dout = D->tout;
    for (size_t b = 0; b < B; b++)
      memcpy(dout + b * D->gd[g], m->dpred + b * m->n_out + D->out_off[g], D->gd[g] * sizeof(float));
    aw_nn_dense_backward(&D->head[g][2], &m->P, B, D->a2[g], dout, D->t2);
    aw_nn_act_backward(act, m->o.leaky_slope, B * D->h2, D->z2[g], D->a2[g], D->t2, D->t2);
    aw_nn_dense_backward(&D->head[g][1], &m->P, B, D->a1[g], D->t2, D->t1);
    aw_nn_act_backward(act, m->o.leaky_slope, B * D->h1, D->z1[g], D->a1[g], D->t1, D->t1);
    aw_nn_dense_backward(&D->head[g][0], &m->P, B, D->ctx, D->t1, D->tctx);
    for (size_t i = 0; i < B * GH; i++) D->dctx[i] = D->dctx[i] + D->tctx[i];
  }
  memset(D->dkv, 0, T * B * GH * sizeof(float));
  float *dlast = D->dkv + (T - 1) * B * GH;
  if (D->attention) {
    memset(D->dq, 0, B * GH * sizeof(float));
    aw_nn_attention_backward(B, T, GH, D->q, D->kv, D->kv, D->att, D->dctx, D->dq, D->dkv, D->dkv);
    for (size_t i = 0; i < B * GH; i++) dlast[i] = dlast[i] + D->dq[i];
  } else {
    memcpy(dlast, D->dctx, B * GH * sizeof(float));
  }
  for (size_t g = 0; g < D->G; g++) {
    for (size_t tb = 0; tb < T * B; tb++) memcpy(D->dhg[g] + tb * H, D->dkv + tb * GH + g * H, H * sizeof(float));
    aw_nn_lstm_backward(&D->lstm[g], &m->P, T, B, D->xg[g], D->hg[g], D->dhg[g], NULL);
  }
}

static void dam_free(aw_nn_model *m) {
  dam *D = m->impl;
  for (size_t g = 0; g < 3; g++) {
    aw_nn_lstm_free(&D->lstm[g]);
    AW_FREE(D->gcols[g]), AW_FREE(D->xg[g]), AW_FREE(D->hg[g]), AW_FREE(D->dhg[g]);
    AW_FREE(D->z1[g]), AW_FREE(D->a1[g]), AW_FREE(D->z2[g]), AW_FREE(D->a2[g]), AW_FREE(D->out[g]);
  }
  AW_FREE(D->kv), AW_FREE(D->dkv), AW_FREE(D->q), AW_FREE(D->dq), AW_FREE(D->ctx), AW_FREE(D->dctx);
  AW_FREE(D->att), AW_FREE(D->t1), AW_FREE(D->t2), AW_FREE(D->tctx), AW_FREE(D->tout);
  AW_FREE(D);
  m->impl = NULL;
}

const nn_ops nn_dam_ops = {1, dam_build, dam_init, dam_reserve, dam_forward, dam_backward, dam_free};

/* model.c - what every detector shares: construction, the baselines, batched scoring, thresholds
 * and model files. The networks themselves are in dam.c and ae.c. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cJSON.h"
#include "model_internal.h"

static const char *const kind_names[AW_NN_KIND_COUNT] = {
    "dam", "dam-a", "dam-m", "dam-l", "mlp-ae", "gru-ae", "lstm-ae", "naive", "zscore"};

const char *aw_nn_kind_name(aw_nn_kind k) {
  return (unsigned)k < AW_NN_KIND_COUNT ? kind_names[k] : "unknown";
}

aw_status aw_nn_kind_parse(const char *name, aw_nn_kind *out, aw_error *err) {
  for (int k = 0; k < AW_NN_KIND_COUNT; k++)
    if (name && strcmp(name, kind_names[k]) == 0) {
      *out = (aw_nn_kind)k;
      return AW_OK;
    }
  return aw_error_set(err, AW_ERR_ARG,
                      "unknown method '%s' (expected dam, dam-a, dam-m, dam-l, mlp-ae, gru-ae, "
                      "lstm-ae, naive or zscore)",
                      name ? name : "(null)");
}

void aw_nn_model_opts_default(aw_nn_model_opts *o) {
  memset(o, 0, sizeof *o);
  o->seed = 42;
  o->hidden = 32;
  o->head[0] = 32, o->head[1] = 8;
  o->head_act = AW_NN_RELU;
  o->mlp[0] = 128, o->mlp[1] = 64, o->mlp[2] = 14;
  o->dropout = 0.1f;
  o->mlp_act = AW_NN_LEAKY_RELU;
  o->leaky_slope = 0.01f;
  o->rnn[0] = 16, o->rnn[1] = 14;
  o->score = AW_NN_SCORE_DEFAULT;
}

int nn_regrow(float **p, size_t n) {
  float *q = aw_alloc_array(n ? n : 1, sizeof *q);
  if (!q) return 0;
  AW_FREE(*p);
  *p = q;
  return 1;
}

/* ------------------------------------------------------------------ baselines */

/* naive: the prediction of step i+W is step i+W-1; zscore: the prediction is 0 (the training
 * mean), so the error is |z|. Neither has parameters. */
static aw_status base_build(aw_nn_model *m, aw_error *err) { return AW_OK; }
static void base_init(aw_nn_model *m) {}
static aw_status base_reserve(aw_nn_model *m, size_t B, aw_error *err) { return AW_OK; }
static aw_status base_forward(aw_nn_model *m, const float *x, const size_t *win, size_t B, int train,
                              aw_error *err) {
  const size_t d = m->d, W = m->W;
  for (size_t b = 0; b < B; b++) {
    const float *tgt = x + (win[b] + W) * d, *prev = x + (win[b] + W - 1) * d;
    for (size_t j = 0; j < d; j++) {
      m->target[b * d + j] = tgt[j];
      m->pred[b * d + j] = m->kind == AW_NN_NAIVE ? prev[j] : 0.0f;
    }
  }
  return AW_OK;
}
static void base_backward(aw_nn_model *m, size_t B) {}
static void base_free(aw_nn_model *m) {}
static const nn_ops nn_base_ops = {0, base_build, base_init, base_reserve, base_forward, base_backward, base_free};

static const nn_ops *ops_for(aw_nn_kind k) {
  switch (k) {
  case AW_NN_DAM:
  case AW_NN_DAM_A:
  case AW_NN_DAM_M:
  case AW_NN_DAM_L:
    return &nn_dam_ops;
  case AW_NN_MLP_AE:
    return &nn_mlp_ae_ops;
  case AW_NN_GRU_AE:
  case AW_NN_LSTM_AE:
    return &nn_rnn_ae_ops;
  case AW_NN_NAIVE:
  case AW_NN_ZSCORE:
    return &nn_base_ops;
  }
  return NULL;
}

/* ------------------------------------------------------------------ construction */

static aw_status check_opts(const aw_nn_model_opts *o, aw_error *err) {
  const size_t lim = 4096;
  if (o->hidden == 0 || o->hidden > lim || o->head[0] == 0 || o->head[0] > lim || o->head[1] == 0 ||
      o->head[1] > lim || o->mlp[0] == 0 || o->mlp[0] > lim || o->mlp[1] == 0 || o->mlp[1] > lim ||
      o->mlp[2] == 0 || o->mlp[2] > lim || o->rnn[0] == 0 || o->rnn[0] > lim || o->rnn[1] == 0 ||
      o->rnn[1] > lim)
    return aw_error_set(err, AW_ERR_ARG, "model: layer sizes must be in 1..%zu", lim);
  if (!(o->dropout >= 0.0f && o->dropout < 1.0f))
    return aw_error_set(err, AW_ERR_ARG, "model: dropout must be in [0, 1), got %g", (double)o->dropout);
  if (!(o->leaky_slope >= 0.0f && o->leaky_slope < 1.0f))
    return aw_error_set(err, AW_ERR_ARG, "model: LeakyReLU slope must be in [0, 1)");
  if ((unsigned)o->head_act > AW_NN_SIGMOID || (unsigned)o->mlp_act > AW_NN_SIGMOID)
    return aw_error_set(err, AW_ERR_ARG, "model: unknown activation (head %d, mlp %d)", (int)o->head_act, (int)o->mlp_act);
  if ((unsigned)o->score > AW_NN_SCORE_MSE)
    return aw_error_set(err, AW_ERR_ARG, "model: unknown score kind %d", (int)o->score);
  return AW_OK;
}

/* The model's shape without weights: columns, groups, scaling, outputs, declared tensors. */
static aw_nn_model *model_create(aw_nn_kind kind, size_t d, size_t W, const int *groups,
                                 aw_nn_scaling scaling, const double *offset, const double *scale,
                                 const aw_nn_model_opts *o, aw_error *err) {
  if ((unsigned)kind >= AW_NN_KIND_COUNT) {
    aw_error_set(err, AW_ERR_ARG, "model: unknown kind %d", (int)kind);
    return NULL;
  }
  if (check_opts(o, err)) return NULL;
  aw_nn_model *m = AW_CALLOC(1, sizeof *m);
  if (!m) {
    aw_error_set(err, AW_ERR_NOMEM, "model: out of memory");
    return NULL;
  }
  m->kind = kind;
  m->o = *o;
  if (m->o.score == AW_NN_SCORE_DEFAULT)
    m->o.score = (kind == AW_NN_MLP_AE || kind == AW_NN_GRU_AE || kind == AW_NN_LSTM_AE)
                     ? AW_NN_SCORE_MSE
                     : AW_NN_SCORE_MAE;
  m->ops = ops_for(kind);
  m->d = d;
  m->W = W;
  m->scaling = scaling;
  m->groups = aw_alloc_array(d, sizeof *m->groups);
  m->offset = aw_alloc_array(d, sizeof *m->offset);
  m->scale = aw_alloc_array(d, sizeof *m->scale);
  m->out_cols = aw_alloc_array(d, sizeof *m->out_cols);
  if (!m->groups || !m->offset || !m->scale || !m->out_cols) {
    aw_nn_model_free(m);
    aw_error_set(err, AW_ERR_NOMEM, "model: out of memory");
    return NULL;
  }
  memcpy(m->groups, groups, d * sizeof *groups);
  memcpy(m->offset, offset, d * sizeof *offset);
  memcpy(m->scale, scale, d * sizeof *scale);
  /* By default every column is an output, one step per window; DAM's build narrows this to its
   * groups, the autoencoders widen it to W steps. */
  m->n_out = d;
  for (size_t j = 0; j < d; j++) m->out_cols[j] = j;
  m->out_steps = 1;
  aw_rng_seed_stream(&m->drop_rng, o->seed, aw_rng_hash("dropout"));
  if (m->ops->build(m, err) || aw_nn_params_alloc(&m->P, err)) {
    aw_nn_model_free(m);
    return NULL;
  }
  return m;
}

aw_nn_model *aw_nn_model_new(aw_nn_kind kind, const aw_nn_dataset *ds, const aw_nn_model_opts *o,
                             aw_error *err) {
  aw_nn_model_opts def;
  if (!o) {
    aw_nn_model_opts_default(&def);
    o = &def;
  }
  if (!ds) {
    aw_error_set(err, AW_ERR_ARG, "model: NULL dataset");
    return NULL;
  }
  aw_nn_model *m = model_create(kind, ds->d, ds->W, ds->groups, ds->scaling, ds->offset, ds->scale, o, err);
  if (!m) return NULL;
  m->ops->init(m);
  return m;
}

void aw_nn_model_free(aw_nn_model *m) {
  if (!m) return;
  if (m->impl && m->ops) m->ops->free_impl(m);
  aw_nn_params_free(&m->P);
  AW_FREE(m->groups), AW_FREE(m->offset), AW_FREE(m->scale), AW_FREE(m->out_cols);
  AW_FREE(m->pred), AW_FREE(m->target), AW_FREE(m->dpred);
  AW_FREE(m);
}

aw_nn_kind aw_nn_model_kind(const aw_nn_model *m) { return m->kind; }
size_t aw_nn_model_window(const aw_nn_model *m) { return m->W; }
size_t aw_nn_model_dims(const aw_nn_model *m) { return m->d; }
size_t aw_nn_model_out_dims(const aw_nn_model *m, const size_t **cols) {
  if (cols) *cols = m->out_cols;
  return m->n_out;
}
size_t aw_nn_model_param_count(const aw_nn_model *m) { return aw_nn_params_count(&m->P, 1); }
uint64_t aw_nn_model_hash(const aw_nn_model *m) { return aw_nn_params_hash(&m->P); }
const aw_nn_params *aw_nn_model_params(const aw_nn_model *m) { return &m->P; }

aw_status nn_model_reserve(aw_nn_model *m, size_t B, aw_error *err) {
  if (B <= m->cap_b) return AW_OK;
  size_t per = m->out_steps * m->n_out;
  if (B > SIZE_MAX / 4 / per) return aw_error_set(err, AW_ERR_LIMIT, "model: batch %zu too large", B);
  if (!nn_regrow(&m->pred, B * per) || !nn_regrow(&m->target, B * per) || !nn_regrow(&m->dpred, B * per))
    return aw_error_set(err, AW_ERR_NOMEM, "model: out of memory for batch %zu", B);
  aw_status s = m->ops->reserve(m, B, err);
  if (s) return s;
  m->cap_b = B;
  return AW_OK;
}

aw_status nn_model_forward(aw_nn_model *m, const float *x, const size_t *win, size_t B, int train,
                           double *loss, aw_error *err) {
  aw_status s = nn_model_reserve(m, B, err);
  if (s) return s;
  m->train_mode = train;
  if ((s = m->ops->forward(m, x, win, B, train, err))) return s;
  if (loss) *loss = aw_nn_mse(B * m->out_steps * m->n_out, m->pred, m->target, train ? m->dpred : NULL);
  return AW_OK;
}

/* ------------------------------------------------------------------ scoring */

static aw_status check_match(const aw_nn_model *m, const aw_nn_dataset *ds, aw_error *err) {
  if (!ds) return aw_error_set(err, AW_ERR_ARG, "model: NULL dataset");
  if (ds->d != m->d)
    return aw_error_set(err, AW_ERR_ARG, "model has %zu columns, the data %zu", m->d, ds->d);
  if (ds->W != m->W)
    return aw_error_set(err, AW_ERR_ARG, "model has window %zu, the data %zu", m->W, ds->W);
  for (size_t j = 0; j < m->d; j++)
    if (ds->groups[j] != m->groups[j])
      return aw_error_set(err, AW_ERR_ARG, "column %zu is in group %d for the model, %d in the data",
                          j + 1, m->groups[j], ds->groups[j]);
  return AW_OK;
}

#define SCORE_BATCH 256

aw_status aw_nn_model_score(aw_nn_model *m, const aw_nn_dataset *ds, size_t first, size_t count,
                            float *score, float *dim_scores, const aw_progress *pr, aw_error *err) {
  if (!m || !score) return aw_error_set(err, AW_ERR_ARG, "score: NULL model or output");
  aw_status s = check_match(m, ds, err);
  if (s) return s;
  size_t nw = ds->n - ds->W;
  if (first > nw || count > nw - first)
    return aw_error_set(err, AW_ERR_RANGE, "score: windows %zu..%zu outside 0..%zu", first,
                        first + count, nw);
  size_t win[SCORE_BATCH];
  const size_t S = m->out_steps, D = m->n_out;
  for (size_t done = 0; done < count;) {
    size_t B = count - done < SCORE_BATCH ? count - done : SCORE_BATCH;
    for (size_t b = 0; b < B; b++) win[b] = first + done + b;
    if ((s = nn_model_forward(m, ds->x, win, B, 0, NULL, err))) return s;
    for (size_t b = 0; b < B; b++) {
      const float *p = m->pred + b * S * D, *t = m->target + b * S * D;
      double acc = 0.0;
      for (size_t k = 0; k < S * D; k++) {
        double e = (double)p[k] - (double)t[k];
        acc += m->o.score == AW_NN_SCORE_MSE ? e * e : fabs(e);
      }
      score[done + b] = (float)(acc / (double)(S * D));
      if (dim_scores) {
        float *ds_row = dim_scores + (done + b) * D;
        for (size_t j = 0; j < D; j++) {
          double a = 0.0;
          for (size_t st = 0; st < S; st++) a += fabs((double)p[st * D + j] - (double)t[st * D + j]);
          ds_row[j] = (float)(a / (double)S);
        }
      }
    }
    done += B;
    if (aw_progress_report(pr, (double)done / (double)count, "score"))
      return aw_error_set(err, AW_ERR_CANCELLED, "score: cancelled");
  }
  return AW_OK;
}

aw_status aw_nn_model_score_series(aw_nn_model *m, const double *x, size_t n_steps, size_t n_dims,
                                   float *score, float *dim_scores, const aw_progress *pr,
                                   aw_error *err) {
  if (!m) return aw_error_set(err, AW_ERR_ARG, "score: NULL model");
  if (n_dims != m->d)
    return aw_error_set(err, AW_ERR_ARG, "score: model has %zu columns, the data %zu", m->d, n_dims);
  aw_nn_dataset *ds = nn_dataset_with_stats(x, n_steps, n_dims, m->W, m->groups, m->scaling,
                                            m->offset, m->scale, err);
  if (!ds) return err ? err->code : AW_ERR_ARG;
  aw_status s = aw_nn_model_score(m, ds, 0, n_steps - m->W, score, dim_scores, pr, err);
  aw_nn_dataset_free(ds);
  return s;
}

aw_status aw_nn_model_loss(aw_nn_model *m, const aw_nn_dataset *ds, size_t first, size_t count,
                           double *loss, aw_error *err) {
  if (!m || !loss) return aw_error_set(err, AW_ERR_ARG, "loss: NULL argument");
  aw_status s = check_match(m, ds, err);
  if (s) return s;
  size_t nw = ds->n - ds->W;
  if (first > nw || count > nw - first || count == 0)
    return aw_error_set(err, AW_ERR_RANGE, "loss: windows %zu..%zu outside 0..%zu", first, first + count, nw);
  size_t win[SCORE_BATCH];
  double sum = 0.0;
  for (size_t done = 0; done < count;) {
    size_t B = count - done < SCORE_BATCH ? count - done : SCORE_BATCH;
    for (size_t b = 0; b < B; b++) win[b] = first + done + b;
    double l;
    if ((s = nn_model_forward(m, ds->x, win, B, 0, &l, err))) return s;
    sum += l * (double)B;
    done += B;
  }
  *loss = sum / (double)count;
  return AW_OK;
}

/* ------------------------------------------------------------------ thresholds */

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

aw_status aw_nn_percentile(const float *x, size_t n, double pct, double *out, aw_error *err) {
  if (!x || !out || n == 0) return aw_error_set(err, AW_ERR_ARG, "percentile: no values");
  if (!(pct >= 0.0 && pct <= 100.0))
    return aw_error_set(err, AW_ERR_ARG, "percentile must be in [0, 100], got %g", pct);
  float *s = aw_alloc_array(n, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "percentile: out of memory");
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i])) {
      AW_FREE(s);
      return aw_error_set(err, AW_ERR_NUMERIC, "percentile: value %zu is NaN", i);
    }
    s[i] = x[i];
  }
  qsort(s, n, sizeof *s, cmp_float);
  /* numpy's "linear": position (n - 1) p / 100 between the order statistics. */
  double pos = (double)(n - 1) * pct / 100.0;
  size_t lo = (size_t)floor(pos);
  size_t hi = lo + 1 < n ? lo + 1 : lo;
  double frac = pos - (double)lo;
  *out = (double)s[lo] + frac * ((double)s[hi] - (double)s[lo]);
  AW_FREE(s);
  return AW_OK;
}

aw_status aw_nn_model_train_threshold(aw_nn_model *m, const aw_nn_dataset *ds, double pct,
                                      double *threshold, aw_error *err) {
  if (!m || !ds || !threshold) return aw_error_set(err, AW_ERR_ARG, "threshold: NULL argument");
  size_t n = aw_nn_dataset_train_windows(ds);
  float *sc = aw_alloc_array(n ? n : 1, sizeof *sc);
  if (!sc) return aw_error_set(err, AW_ERR_NOMEM, "threshold: out of memory");
  aw_status s = aw_nn_model_score(m, ds, aw_nn_dataset_train_first(ds), n, sc, NULL, NULL, err);
  if (!s) s = aw_nn_percentile(sc, n, pct, threshold, err);
  AW_FREE(sc);
  return s;
}

/* ------------------------------------------------------------------ model files */

static const char magic[4] = {'A', 'W', 'N', 'N'};

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get_u32(const unsigned char *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}
static uint64_t get_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}
static uint64_t fnv1a(const unsigned char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static cJSON *size_array(const size_t *v, size_t n) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; a && i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
  return a;
}

static char *header_json(const aw_nn_model *m) {
  cJSON *h = cJSON_CreateObject();
  if (!h) return NULL;
  char seed[32];
  snprintf(seed, sizeof seed, "%" PRIu64, m->o.seed);
  cJSON_AddNumberToObject(h, "format", AW_NN_MODEL_FORMAT);
  cJSON_AddStringToObject(h, "aw_version", AW_VERSION);
  cJSON_AddStringToObject(h, "kind", aw_nn_kind_name(m->kind));
  cJSON_AddNumberToObject(h, "dims", (double)m->d);
  cJSON_AddNumberToObject(h, "window", (double)m->W);
  cJSON_AddStringToObject(h, "scaling", m->scaling == AW_NN_SCALE_MINMAX ? "minmax" : "zscore");
  cJSON_AddItemToObject(h, "groups", cJSON_CreateIntArray(m->groups, (int)m->d));
  cJSON_AddItemToObject(h, "offset", cJSON_CreateDoubleArray(m->offset, (int)m->d));
  cJSON_AddItemToObject(h, "scale", cJSON_CreateDoubleArray(m->scale, (int)m->d));
  cJSON *o = cJSON_AddObjectToObject(h, "opts");
  if (o) {
    cJSON_AddStringToObject(o, "seed", seed);
    cJSON_AddNumberToObject(o, "hidden", (double)m->o.hidden);
    cJSON_AddItemToObject(o, "head", size_array(m->o.head, 2));
    cJSON_AddNumberToObject(o, "head_act", (double)m->o.head_act);
    cJSON_AddNumberToObject(o, "mlp_act", (double)m->o.mlp_act);
    cJSON_AddItemToObject(o, "mlp", size_array(m->o.mlp, 3));
    cJSON_AddNumberToObject(o, "dropout", (double)m->o.dropout);
    cJSON_AddNumberToObject(o, "leaky_slope", (double)m->o.leaky_slope);
    cJSON_AddItemToObject(o, "rnn", size_array(m->o.rnn, 2));
    cJSON_AddNumberToObject(o, "score", (double)m->o.score);
  }
  cJSON *ts = cJSON_AddArrayToObject(h, "tensors");
  for (size_t i = 0; ts && i < m->P.n; i++) {
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "name", m->P.t[i].name);
    cJSON_AddNumberToObject(t, "rows", (double)m->P.t[i].rows);
    cJSON_AddNumberToObject(t, "cols", (double)m->P.t[i].cols);
    cJSON_AddItemToArray(ts, t);
  }
  char *s = cJSON_PrintUnformatted(h);
  cJSON_Delete(h);
  return s;
}

aw_status aw_nn_model_save(const aw_nn_model *m, aw_buf *out, aw_error *err) {
  if (!m || !out) return aw_error_set(err, AW_ERR_ARG, "save: NULL model or buffer");
  char *hdr = header_json(m);
  if (!hdr) return aw_error_set(err, AW_ERR_NOMEM, "save: out of memory for the header");
  size_t hl = strlen(hdr), start = out->len;
  unsigned char pre[12];
  memcpy(pre, magic, 4);
  put_u32(pre + 4, AW_NN_MODEL_FORMAT);
  put_u32(pre + 8, (uint32_t)hl);
  unsigned char n8[8];
  put_u64(n8, (uint64_t)m->P.total);
  aw_status s = aw_buf_append(out, pre, sizeof pre);
  if (!s) s = aw_buf_append(out, hdr, hl);
  if (!s) s = aw_buf_append(out, n8, sizeof n8);
  cJSON_free(hdr);
  for (size_t i = 0; !s && i < m->P.total; i++) {
    uint32_t bits;
    memcpy(&bits, &m->P.w[i], 4);
    unsigned char b[4];
    put_u32(b, bits);
    s = aw_buf_append(out, b, 4);
  }
  if (!s) {
    put_u64(n8, fnv1a((const unsigned char *)out->data + start, out->len - start));
    s = aw_buf_append(out, n8, sizeof n8);
  }
  if (s) {
    out->len = start;
    return aw_error_set(err, AW_ERR_NOMEM, "save: out of memory");
  }
  return AW_OK;
}

/* Reads a non-negative integer member (<= max) of a JSON object. */
static int json_size(const cJSON *o, const char *key, size_t max, size_t *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > (double)max ||
      v->valuedouble != floor(v->valuedouble))
    return 0;
  *out = (size_t)v->valuedouble;
  return 1;
}

static int json_sizes(const cJSON *o, const char *key, size_t n, size_t max, size_t *out) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) return 0;
  for (size_t i = 0; i < n; i++) {
    const cJSON *v = cJSON_GetArrayItem(a, (int)i);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > (double)max) return 0;
    out[i] = (size_t)v->valuedouble;
  }
  return 1;
}

static int json_doubles(const cJSON *o, const char *key, size_t n, double *out) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) return 0;
  for (size_t i = 0; i < n; i++) {
    const cJSON *v = cJSON_GetArrayItem(a, (int)i);
    if (!cJSON_IsNumber(v)) return 0;
    out[i] = v->valuedouble;
  }
  return 1;
}

#define LOAD_FAIL(...)                                            \
  do {                                                            \
    aw_error_at(err, AW_ERR_PARSE, file, 0, 0, __VA_ARGS__);      \
    goto fail;                                                    \
  } while (0)

aw_nn_model *aw_nn_model_load(const void *data, size_t len, const char *file, aw_error *err) {
  const unsigned char *p = data;
  cJSON *h = NULL;
  aw_nn_model *m = NULL;
  int *groups = NULL;
  double *offset = NULL, *scale = NULL;
  if (!file) file = "(model)";
  if (!data) {
    aw_error_set(err, AW_ERR_ARG, "load: NULL data");
    return NULL;
  }
  if (len < 4 || memcmp(p, magic, 4) != 0)
    LOAD_FAIL("not an anomaly-workbench model file (no AWNN magic)");
  if (len < 12) LOAD_FAIL("truncated model file: %zu bytes, the fixed header needs 12", len);
  uint32_t ver = get_u32(p + 4);
  if (ver != AW_NN_MODEL_FORMAT) {
    aw_error_at(err, AW_ERR_VERSION, file, 0, 0,
                "model file format version %" PRIu32 ", this build reads version %d", ver,
                AW_NN_MODEL_FORMAT);
    return NULL;
  }
  size_t hl = get_u32(p + 8);
  if (hl > ((size_t)1 << 20)) LOAD_FAIL("model header of %zu bytes exceeds the 1 MiB limit", hl);
  if (len < 12 + hl + 8)
    LOAD_FAIL("truncated model file: %zu bytes, the header alone needs %zu", len, 12 + hl + 8);
  h = cJSON_ParseWithLength((const char *)p + 12, hl);
  if (!cJSON_IsObject(h)) LOAD_FAIL("model header is not valid JSON");
  const cJSON *kv = cJSON_GetObjectItemCaseSensitive(h, "kind");
  aw_nn_kind kind;
  if (!cJSON_IsString(kv) || aw_nn_kind_parse(kv->valuestring, &kind, NULL))
    LOAD_FAIL("model header: missing or unknown \"kind\"");
  size_t d, W;
  if (!json_size(h, "dims", 1u << 20, &d) || d == 0) LOAD_FAIL("model header: bad \"dims\"");
  if (!json_size(h, "window", 100000, &W) || W == 0) LOAD_FAIL("model header: bad \"window\"");
  const cJSON *sv = cJSON_GetObjectItemCaseSensitive(h, "scaling");
  if (!cJSON_IsString(sv) || (strcmp(sv->valuestring, "zscore") && strcmp(sv->valuestring, "minmax")))
    LOAD_FAIL("model header: bad \"scaling\"");
  aw_nn_scaling scaling = strcmp(sv->valuestring, "minmax") == 0 ? AW_NN_SCALE_MINMAX : AW_NN_SCALE_ZSCORE;
  groups = aw_alloc_array(d, sizeof *groups);
  offset = aw_alloc_array(d, sizeof *offset);
  scale = aw_alloc_array(d, sizeof *scale);
  if (!groups || !offset || !scale) {
    aw_error_set(err, AW_ERR_NOMEM, "load: out of memory");
    goto fail;
  }
  {
    const cJSON *ga = cJSON_GetObjectItemCaseSensitive(h, "groups");
    if (!cJSON_IsArray(ga) || (size_t)cJSON_GetArraySize(ga) != d) LOAD_FAIL("model header: bad \"groups\"");
    for (size_t j = 0; j < d; j++) {
      const cJSON *g = cJSON_GetArrayItem(ga, (int)j);
      if (!cJSON_IsNumber(g) || g->valuedouble < 0 || g->valuedouble > AW_NN_GROUP_OTHER)
        LOAD_FAIL("model header: bad group of column %zu", j + 1);
      groups[j] = (int)g->valuedouble;
    }
  }
  if (!json_doubles(h, "offset", d, offset) || !json_doubles(h, "scale", d, scale))
    LOAD_FAIL("model header: bad \"offset\" or \"scale\"");
  for (size_t j = 0; j < d; j++)
    if (!isfinite(offset[j]) || !(scale[j] > 0) || !isfinite(scale[j]))
      LOAD_FAIL("model header: bad scaling of column %zu", j + 1);
  aw_nn_model_opts o;
  aw_nn_model_opts_default(&o);
  {
    const cJSON *oj = cJSON_GetObjectItemCaseSensitive(h, "opts");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(oj, "seed");
    size_t act, mact, score;
    if (!cJSON_IsObject(oj) || !cJSON_IsString(seed) || !json_size(oj, "hidden", 4096, &o.hidden) ||
        !json_sizes(oj, "head", 2, 4096, o.head) || !json_size(oj, "head_act", AW_NN_SIGMOID, &act) ||
        !json_size(oj, "mlp_act", AW_NN_SIGMOID, &mact) ||
        !json_sizes(oj, "mlp", 3, 4096, o.mlp) || !json_sizes(oj, "rnn", 2, 4096, o.rnn) ||
        !json_size(oj, "score", AW_NN_SCORE_MSE, &score))
      LOAD_FAIL("model header: bad \"opts\"");
    const cJSON *dr = cJSON_GetObjectItemCaseSensitive(oj, "dropout");
    const cJSON *ls = cJSON_GetObjectItemCaseSensitive(oj, "leaky_slope");
    if (!cJSON_IsNumber(dr) || !cJSON_IsNumber(ls)) LOAD_FAIL("model header: bad \"opts\"");
    o.seed = strtoull(seed->valuestring, NULL, 10);
    o.head_act = (aw_nn_act)act;
    o.mlp_act = (aw_nn_act)mact;
    o.score = (aw_nn_score_kind)score;
    o.dropout = (float)dr->valuedouble;
    o.leaky_slope = (float)ls->valuedouble;
  }
  aw_error e2;
  m = model_create(kind, d, W, groups, scaling, offset, scale, &o, &e2);
  if (!m) LOAD_FAIL("model header describes an invalid model: %s", e2.message);
  {
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(h, "tensors");
    if (!cJSON_IsArray(ts) || (size_t)cJSON_GetArraySize(ts) != m->P.n)
      LOAD_FAIL("model file lists %d tensors, a %s model of these shapes has %zu",
                cJSON_IsArray(ts) ? cJSON_GetArraySize(ts) : -1, kind_names[kind], m->P.n);
    for (size_t i = 0; i < m->P.n; i++) {
      const cJSON *t = cJSON_GetArrayItem(ts, (int)i);
      const cJSON *nm = cJSON_GetObjectItemCaseSensitive(t, "name");
      size_t r, c;
      if (!cJSON_IsString(nm) || !json_size(t, "rows", (size_t)1 << 28, &r) ||
          !json_size(t, "cols", (size_t)1 << 28, &c))
        LOAD_FAIL("model header: tensor %zu is malformed", i);
      if (strcmp(nm->valuestring, m->P.t[i].name) || r != m->P.t[i].rows || c != m->P.t[i].cols)
        LOAD_FAIL("model tensor %zu is '%s' %zu x %zu, expected '%s' %zu x %zu", i, nm->valuestring, r,
                  c, m->P.t[i].name, m->P.t[i].rows, m->P.t[i].cols);
    }
  }
  {
    const unsigned char *q = p + 12 + hl;
    uint64_t nf = get_u64(q);
    if (nf != (uint64_t)m->P.total)
      LOAD_FAIL("model file holds %" PRIu64 " weights, the header's tensors need %zu", nf, m->P.total);
    size_t need = 12 + hl + 8 + 4 * m->P.total + 8;
    if (len < need) LOAD_FAIL("truncated model file: %zu bytes, expected %zu", len, need);
    if (len > need) LOAD_FAIL("model file has %zu bytes after its end (expected %zu in all)", len - need, need);
    if (get_u64(p + need - 8) != fnv1a(p, need - 8)) LOAD_FAIL("model file checksum mismatch (corrupted)");
    q += 8;
    for (size_t i = 0; i < m->P.total; i++) {
      uint32_t bits = get_u32(q + 4 * i);
      memcpy(&m->P.w[i], &bits, 4);
      if (!isfinite(m->P.w[i])) LOAD_FAIL("model weight %zu is not finite", i);
    }
  }
  cJSON_Delete(h);
  AW_FREE(groups), AW_FREE(offset), AW_FREE(scale);
  return m;
fail:
  cJSON_Delete(h);
  AW_FREE(groups), AW_FREE(offset), AW_FREE(scale);
  aw_nn_model_free(m);
  return NULL;
}

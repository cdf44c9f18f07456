/* params.c - the parameter store, Adam, element-wise functions, dropout and MSE. */
#include <math.h>
#include <string.h>

#include "aw/nn.h"

aw_status aw_nn_params_declare(aw_nn_params *p, const char *name, size_t rows, size_t cols,
                               int trainable, size_t *index, aw_error *err) {
  if (!p || !name) return aw_error_set(err, AW_ERR_ARG, "nn: NULL parameter store or name");
  if (p->w) return aw_error_set(err, AW_ERR_STATE, "nn: tensor '%s' declared after alloc", name);
  if (strlen(name) >= AW_NN_NAME_MAX)
    return aw_error_set(err, AW_ERR_LIMIT, "nn: tensor name '%s' too long", name);
  if (rows == 0 || cols == 0)
    return aw_error_set(err, AW_ERR_ARG, "nn: tensor '%s' has a zero dimension", name);
  if (aw_nn_params_find(p, name) != (size_t)-1)
    return aw_error_set(err, AW_ERR_ARG, "nn: tensor '%s' declared twice", name);
  /* Bound every tensor and the total so that float counts never overflow size_t (and stay
   * addressable in a 32-bit WASM heap). */
  const size_t max_floats = (size_t)1 << 28;
  if (rows > max_floats / cols || p->total + rows * cols > max_floats)
    return aw_error_set(err, AW_ERR_LIMIT, "nn: tensor '%s' (%zu x %zu) exceeds the size limit",
                        name, rows, cols);
  if (aw_grow((void **)&p->t, &p->cap, p->n + 1, sizeof *p->t) != AW_OK)
    return aw_error_set(err, AW_ERR_NOMEM, "nn: out of memory declaring '%s'", name);
  aw_nn_tensor *t = &p->t[p->n];
  memset(t, 0, sizeof *t);
  memcpy(t->name, name, strlen(name) + 1);
  t->rows = rows;
  t->cols = cols;
  t->off = p->total;
  t->trainable = trainable ? 1 : 0;
  p->total += rows * cols;
  if (index) *index = p->n;
  p->n++;
  return AW_OK;
}

aw_status aw_nn_params_alloc(aw_nn_params *p, aw_error *err) {
  if (!p) return aw_error_set(err, AW_ERR_ARG, "nn: NULL parameter store");
  if (p->w) return aw_error_set(err, AW_ERR_STATE, "nn: parameters already allocated");
  size_t n = p->total ? p->total : 1;
  p->w = aw_calloc_array(n, sizeof(float));
  p->g = aw_calloc_array(n, sizeof(float));
  p->m = aw_calloc_array(n, sizeof(float));
  p->v = aw_calloc_array(n, sizeof(float));
  if (!p->w || !p->g || !p->m || !p->v) {
    AW_FREE(p->w), AW_FREE(p->g), AW_FREE(p->m), AW_FREE(p->v);
    p->w = p->g = p->m = p->v = NULL;
    return aw_error_set(err, AW_ERR_NOMEM, "nn: out of memory for %zu parameters", p->total);
  }
  return AW_OK;
}

void aw_nn_params_free(aw_nn_params *p) {
  if (!p) return;
  AW_FREE(p->t);
  AW_FREE(p->w), AW_FREE(p->g), AW_FREE(p->m), AW_FREE(p->v);
  memset(p, 0, sizeof *p);
}

float *aw_nn_w(const aw_nn_params *p, size_t index) { return p->w + p->t[index].off; }
float *aw_nn_g(const aw_nn_params *p, size_t index) { return p->g + p->t[index].off; }

void aw_nn_params_init_uniform(aw_nn_params *p, size_t index, double bound, aw_rng *r) {
  const aw_nn_tensor *t = &p->t[index];
  float *w = p->w + t->off;
  for (size_t i = 0; i < t->rows * t->cols; i++)
    w[i] = (float)(bound * (2.0 * aw_rng_uniform(r) - 1.0));
}

void aw_nn_params_fill(aw_nn_params *p, size_t index, float value) {
  const aw_nn_tensor *t = &p->t[index];
  for (size_t i = 0; i < t->rows * t->cols; i++) p->w[t->off + i] = value;
}

void aw_nn_params_zero_grad(aw_nn_params *p) {
  if (p->g) memset(p->g, 0, p->total * sizeof *p->g);
}

size_t aw_nn_params_count(const aw_nn_params *p, int trainable_only) {
  size_t n = 0;
  for (size_t i = 0; i < p->n; i++)
    if (!trainable_only || p->t[i].trainable) n += p->t[i].rows * p->t[i].cols;
  return n;
}

uint64_t aw_nn_params_hash(const aw_nn_params *p) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; p->w && i < p->total; i++) {
    uint32_t bits;
    memcpy(&bits, &p->w[i], sizeof bits);
    for (int b = 0; b < 4; b++) {
      h ^= (bits >> (8 * b)) & 0xffu;
      h *= 1099511628211ULL;
    }
  }
  return h;
}

size_t aw_nn_params_find(const aw_nn_params *p, const char *name) {
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->t[i].name, name) == 0) return i;
  return (size_t)-1;
}

/* ------------------------------------------------------------------ Adam */

void aw_nn_adam_init(aw_nn_adam *a, float lr) {
  a->lr = lr;
  a->beta1 = 0.9f;
  a->beta2 = 0.999f;
  a->eps = 1e-8f;
  a->t = 0;
  a->b1t = 1.0;
  a->b2t = 1.0;
}

void aw_nn_adam_step(aw_nn_adam *a, aw_nn_params *p) {
  a->t++;
  /* beta^t by repeated multiplication: exact-order double arithmetic, no pow. */
  a->b1t *= (double)a->beta1;
  a->b2t *= (double)a->beta2;
  const float step = (float)((double)a->lr / (1.0 - a->b1t));
  const float bc2 = (float)sqrt(1.0 - a->b2t);
  const float b1 = a->beta1, b2 = a->beta2, c1 = 1.0f - a->beta1, c2 = 1.0f - a->beta2;
  const float eps = a->eps;
  for (size_t ti = 0; ti < p->n; ti++) {
    const aw_nn_tensor *t = &p->t[ti];
    if (!t->trainable) continue;
    float *w = p->w + t->off, *g = p->g + t->off, *m = p->m + t->off, *v = p->v + t->off;
    size_t n = t->rows * t->cols;
    for (size_t i = 0; i < n; i++) {
      float gi = g[i];
      m[i] = b1 * m[i] + c1 * gi;
      v[i] = b2 * v[i] + c2 * (gi * gi);
      float denom = sqrtf(v[i]) / bc2 + eps;
      w[i] = w[i] - step * (m[i] / denom);
    }
  }
}

/* ------------------------------------------------------------------ element-wise */

void aw_nn_act_forward(aw_nn_act act, float slope, size_t n, const float *x, float *y) {
  switch (act) {
  case AW_NN_IDENTITY:
    if (y != x) memmove(y, x, n * sizeof *y);
    break;
  case AW_NN_RELU:
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    break;
  case AW_NN_LEAKY_RELU:
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
    break;
  case AW_NN_TANH:
    aw_nn_tanh_n(n, x, y);
    break;
  case AW_NN_SIGMOID:
    aw_nn_sigmoid_n(n, x, y);
    break;
  }
}

void aw_nn_act_backward(aw_nn_act act, float slope, size_t n, const float *x, const float *y,
                        const float *dy, float *dx) {
  switch (act) {
  case AW_NN_IDENTITY:
    if (dx != dy) memmove(dx, dy, n * sizeof *dx);
    break;
  case AW_NN_RELU:
    for (size_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
    break;
  case AW_NN_LEAKY_RELU:
    for (size_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
    break;
  case AW_NN_TANH:
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
    break;
  case AW_NN_SIGMOID:
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
    break;
  }
}

void aw_nn_dropout_forward(size_t n, float p, aw_rng *r, const float *x, float *mask, float *y) {
  const float keep = 1.0f / (1.0f - p);
  for (size_t i = 0; i < n; i++) {
    mask[i] = aw_rng_uniform(r) < (double)p ? 0.0f : keep;
    y[i] = x[i] * mask[i];
  }
}

void aw_nn_dropout_backward(size_t n, const float *mask, const float *dy, float *dx) {
  for (size_t i = 0; i < n; i++) dx[i] = dy[i] * mask[i];
}

double aw_nn_mse(size_t n, const float *y, const float *t, float *dy) {
  if (n == 0) return 0.0;
  double s = 0.0;
  const float scale = (float)(2.0 / (double)n);
  for (size_t i = 0; i < n; i++) {
    float e = y[i] - t[i];
    s += (double)e * (double)e;
    if (dy) dy[i] = scale * e;
  }
  return s / (double)n;
}

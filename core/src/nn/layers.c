/* layers.c - dense, batch normalisation and scaled dot-product attention (forward + backward). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/nn.h"

/* "prefix.suffix" into buf (AW_NN_NAME_MAX); fails when too long. */
static aw_status pname(char *buf, const char *prefix, const char *suffix, aw_error *err) {
  int n = snprintf(buf, AW_NN_NAME_MAX, "%s.%s", prefix, suffix);
  if (n < 0 || n >= AW_NN_NAME_MAX)
    return aw_error_set(err, AW_ERR_LIMIT, "nn: tensor name '%s.%s' too long", prefix, suffix);
  return AW_OK;
}

/* ------------------------------------------------------------------ dense */

aw_status aw_nn_dense_declare(aw_nn_dense *d, aw_nn_params *p, const char *prefix, size_t in,
                              size_t out, aw_error *err) {
  char nm[AW_NN_NAME_MAX];
  d->in = in;
  d->out = out;
  aw_status s;
  if ((s = pname(nm, prefix, "W", err)) || (s = aw_nn_params_declare(p, nm, in, out, 1, &d->W, err)))
    return s;
  if ((s = pname(nm, prefix, "b", err)) || (s = aw_nn_params_declare(p, nm, 1, out, 1, &d->b, err)))
    return s;
  return AW_OK;
}

void aw_nn_dense_init(const aw_nn_dense *d, aw_nn_params *p, aw_rng *r) {
  double bound = 1.0 / sqrt((double)d->in);
  aw_nn_params_init_uniform(p, d->W, bound, r);
  aw_nn_params_init_uniform(p, d->b, bound, r);
}

/* Each row of y starts as the bias and the GEMM accumulates x W onto it. */
void aw_nn_dense_forward(const aw_nn_dense *d, const aw_nn_params *p, size_t n, const float *x,
                         float *y) {
  const float *b = aw_nn_w(p, d->b);
  for (size_t i = 0; i < n; i++) memcpy(y + i * d->out, b, d->out * sizeof *y);
  aw_nn_gemm(0, 0, n, d->out, d->in, x, d->in, aw_nn_w(p, d->W), d->out, 1, y, d->out);
}

/* Column sums of an n x m matrix added to acc (row order, one float accumulator per column). */
static void add_colsums(size_t n, size_t m, const float *x, float *acc) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) acc[j] = acc[j] + x[i * m + j];
}

void aw_nn_dense_backward(const aw_nn_dense *d, aw_nn_params *p, size_t n, const float *x,
                          const float *dy, float *dx) {
  aw_nn_gemm(1, 0, d->in, d->out, n, x, d->in, dy, d->out, 1, aw_nn_g(p, d->W), d->out);
  add_colsums(n, d->out, dy, aw_nn_g(p, d->b));
  if (dx) aw_nn_gemm(0, 1, n, d->in, d->out, dy, d->out, aw_nn_w(p, d->W), d->out, 0, dx, d->in);
}

/* ------------------------------------------------------------------ batch normalisation */

aw_status aw_nn_batchnorm_declare(aw_nn_batchnorm *bn, aw_nn_params *p, const char *prefix,
                                  size_t dim, aw_error *err) {
  memset(bn, 0, sizeof *bn);
  bn->dim = dim;
  bn->momentum = 0.1f;
  bn->eps = 1e-5f;
  char nm[AW_NN_NAME_MAX];
  aw_status s;
  if ((s = pname(nm, prefix, "gamma", err)) || (s = aw_nn_params_declare(p, nm, 1, dim, 1, &bn->gamma, err)))
    return s;
  if ((s = pname(nm, prefix, "beta", err)) || (s = aw_nn_params_declare(p, nm, 1, dim, 1, &bn->beta, err)))
    return s;
  if ((s = pname(nm, prefix, "rmean", err)) || (s = aw_nn_params_declare(p, nm, 1, dim, 0, &bn->rmean, err)))
    return s;
  if ((s = pname(nm, prefix, "rvar", err)) || (s = aw_nn_params_declare(p, nm, 1, dim, 0, &bn->rvar, err)))
    return s;
  return AW_OK;
}

void aw_nn_batchnorm_init(const aw_nn_batchnorm *bn, aw_nn_params *p) {
  aw_nn_params_fill(p, bn->gamma, 1.0f);
  aw_nn_params_fill(p, bn->beta, 0.0f);
  aw_nn_params_fill(p, bn->rmean, 0.0f);
  aw_nn_params_fill(p, bn->rvar, 1.0f);
}

aw_status aw_nn_batchnorm_forward(aw_nn_batchnorm *bn, aw_nn_params *p, size_t n, const float *x,
                                  float *y, int train, aw_error *err) {
  const size_t m = bn->dim;
  const float *gamma = aw_nn_w(p, bn->gamma), *beta = aw_nn_w(p, bn->beta);
  float *rmean = aw_nn_w(p, bn->rmean), *rvar = aw_nn_w(p, bn->rvar);
  if (!train) {
    for (size_t j = 0; j < m; j++) {
      float inv = (float)(1.0 / sqrt((double)rvar[j] + (double)bn->eps));
      for (size_t i = 0; i < n; i++)
        y[i * m + j] = gamma[j] * ((x[i * m + j] - rmean[j]) * inv) + beta[j];
    }
    return AW_OK;
  }
  if (n < 2) return aw_error_set(err, AW_ERR_ARG, "batch norm needs at least 2 rows per batch, got %zu", n);
  if (n > bn->cap) {
    float *xh = aw_alloc_array(n * m, sizeof *xh);
    float *is = aw_alloc_array(m, sizeof *is);
    if (!xh || !is) {
      AW_FREE(xh), AW_FREE(is);
      return aw_error_set(err, AW_ERR_NOMEM, "batch norm: out of memory for %zu rows", n);
    }
    AW_FREE(bn->xhat), AW_FREE(bn->invstd);
    bn->xhat = xh;
    bn->invstd = is;
    bn->cap = n;
  }
  const double mom = (double)bn->momentum;
  for (size_t j = 0; j < m; j++) {
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n; i++) mean += (double)x[i * m + j];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
      double e = (double)x[i * m + j] - mean;
      var += e * e;
    }
    var /= (double)n;
    float inv = (float)(1.0 / sqrt(var + (double)bn->eps));
    float mf = (float)mean;
    bn->invstd[j] = inv;
    for (size_t i = 0; i < n; i++) {
      float xh = (x[i * m + j] - mf) * inv;
      bn->xhat[i * m + j] = xh;
      y[i * m + j] = gamma[j] * xh + beta[j];
    }
    rmean[j] = (float)((1.0 - mom) * (double)rmean[j] + mom * mean);
    rvar[j] = (float)((1.0 - mom) * (double)rvar[j] + mom * var * (double)n / (double)(n - 1));
  }
  return AW_OK;
}

/* Algorithm 1's backward: dx = gamma * invstd / n * (n dy - sum(dy) - xhat * sum(dy xhat)). */
void aw_nn_batchnorm_backward(aw_nn_batchnorm *bn, aw_nn_params *p, size_t n, const float *dy,
                              float *dx) {
  const size_t m = bn->dim;
  const float *gamma = aw_nn_w(p, bn->gamma);
  float *dgamma = aw_nn_g(p, bn->gamma), *dbeta = aw_nn_g(p, bn->beta);
  for (size_t j = 0; j < m; j++) {
    double sdy = 0.0, sdyx = 0.0;
    for (size_t i = 0; i < n; i++) {
      sdy += (double)dy[i * m + j];
      sdyx += (double)dy[i * m + j] * (double)bn->xhat[i * m + j];
    }
    dgamma[j] = dgamma[j] + (float)sdyx;
    dbeta[j] = dbeta[j] + (float)sdy;
    float k = gamma[j] * bn->invstd[j] / (float)n;
    float fs = (float)sdy, fx = (float)sdyx, fn = (float)n;
    for (size_t i = 0; i < n; i++)
      dx[i * m + j] = k * (fn * dy[i * m + j] - fs - bn->xhat[i * m + j] * fx);
  }
}

void aw_nn_batchnorm_free(aw_nn_batchnorm *bn) {
  if (!bn) return;
  AW_FREE(bn->xhat);
  AW_FREE(bn->invstd);
  bn->xhat = bn->invstd = NULL;
  bn->cap = 0;
}

/* ------------------------------------------------------------------ attention */

static float dotf(size_t d, const float *a, const float *b) {
  float s = 0.0f;
  for (size_t i = 0; i < d; i++) s = s + a[i] * b[i];
  return s;
}

void aw_nn_attention_forward(size_t B, size_t T, size_t d, const float *q, const float *k,
                             const float *v, float *a, float *out) {
  const float scale = (float)(1.0 / sqrt((double)d));
  for (size_t b = 0; b < B; b++) {
    float *ab = a + b * T;
    const float *qb = q + b * d;
    float mx = -INFINITY;
    for (size_t t = 0; t < T; t++) {
      ab[t] = dotf(d, qb, k + (t * B + b) * d) * scale;
      if (ab[t] > mx) mx = ab[t];
    }
    /* softmax with the maximum subtracted (exact shift, no overflow) */
    for (size_t t = 0; t < T; t++) ab[t] = ab[t] - mx;
    aw_nn_exp_n(T, ab, ab);
    float sum = 0.0f;
    for (size_t t = 0; t < T; t++) sum = sum + ab[t];
    for (size_t t = 0; t < T; t++) ab[t] = ab[t] / sum;
    float *ob = out + b * d;
    memset(ob, 0, d * sizeof *ob);
    for (size_t t = 0; t < T; t++) {
      const float *vt = v + (t * B + b) * d;
      for (size_t j = 0; j < d; j++) ob[j] = ob[j] + ab[t] * vt[j];
    }
  }
}

/* With da_t = dout . v_t, the softmax Jacobian gives ds_t = a_t (da_t - sum_u a_u da_u); then
 * dq = scale sum_t ds_t k_t, dk_t = scale ds_t q, dv_t = a_t dout. da_t is recomputed in the
 * second pass instead of being stored (T is small; no allocation). */
void aw_nn_attention_backward(size_t B, size_t T, size_t d, const float *q, const float *k,
                              const float *v, const float *a, const float *dout, float *dq,
                              float *dk, float *dv) {
  const float scale = (float)(1.0 / sqrt((double)d));
  for (size_t b = 0; b < B; b++) {
    const float *ab = a + b * T, *qb = q + b * d, *gb = dout + b * d;
    float *dqb = dq + b * d;
    float sum = 0.0f;
    for (size_t t = 0; t < T; t++) sum = sum + ab[t] * dotf(d, gb, v + (t * B + b) * d);
    for (size_t t = 0; t < T; t++) {
      const float *vt = v + (t * B + b) * d, *kt = k + (t * B + b) * d;
      float da = dotf(d, gb, vt);
      float ds = ab[t] * (da - sum) * scale;
      float *dvt = dv + (t * B + b) * d, *dkt = dk + (t * B + b) * d;
      for (size_t j = 0; j < d; j++) {
        dvt[j] = dvt[j] + ab[t] * gb[j];
        dkt[j] = dkt[j] + ds * qb[j];
        dqb[j] = dqb[j] + ds * kt[j];
      }
    }
  }
}

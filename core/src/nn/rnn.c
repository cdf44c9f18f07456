/* rnn.c - LSTM and GRU layers: forward over a whole sequence and backpropagation through time.
 *
 * Both layers do the input projection of every step as one (T*B) x in GEMM, then one B x H by
 * H x kH GEMM per step for the recurrence, and in the backward pass accumulate the recurrent
 * weight gradient over the whole sequence with one GEMM (K = (T-1) * B), so the per-step work is
 * the unavoidable recurrent product plus element-wise gate arithmetic.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/nn.h"
#include "vmath.h"

static aw_status pname(char *buf, const char *prefix, const char *suffix, aw_error *err) {
  int n = snprintf(buf, AW_NN_NAME_MAX, "%s.%s", prefix, suffix);
  if (n < 0 || n >= AW_NN_NAME_MAX)
    return aw_error_set(err, AW_ERR_LIMIT, "nn: tensor name '%s.%s' too long", prefix, suffix);
  return AW_OK;
}

/* Replaces *p with a fresh array of n floats (contents undefined). */
static int regrow(float **p, size_t n) {
  float *q = aw_alloc_array(n ? n : 1, sizeof *q);
  if (!q) return 0;
  AW_FREE(*p);
  *p = q;
  return 1;
}

static void fill_rows(size_t rows, size_t cols, const float *v, float *out) {
  for (size_t i = 0; i < rows; i++) memcpy(out + i * cols, v, cols * sizeof *out);
}

static void add_colsums(size_t n, size_t m, const float *x, float *acc) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) acc[j] = acc[j] + x[i * m + j];
}

/* Overflow-checked T * B * k. */
static int mul3(size_t a, size_t b, size_t c, size_t *out) {
  if (a && b > SIZE_MAX / a) return 0;
  if ((a * b) != 0 && c > SIZE_MAX / (a * b)) return 0;
  *out = a * b * c;
  return 1;
}

/* ------------------------------------------------------------------ LSTM */

aw_status aw_nn_lstm_declare(aw_nn_lstm *l, aw_nn_params *p, const char *prefix, size_t in,
                             size_t hidden, aw_error *err) {
  memset(l, 0, sizeof *l);
  l->in = in;
  l->hidden = hidden;
  char nm[AW_NN_NAME_MAX];
  aw_status s;
  if ((s = pname(nm, prefix, "W", err)) || (s = aw_nn_params_declare(p, nm, in, 4 * hidden, 1, &l->W, err)))
    return s;
  if ((s = pname(nm, prefix, "U", err)) || (s = aw_nn_params_declare(p, nm, hidden, 4 * hidden, 1, &l->U, err)))
    return s;
  if ((s = pname(nm, prefix, "b", err)) || (s = aw_nn_params_declare(p, nm, 1, 4 * hidden, 1, &l->b, err)))
    return s;
  return AW_OK;
}

void aw_nn_lstm_init(const aw_nn_lstm *l, aw_nn_params *p, aw_rng *r) {
  double bound = 1.0 / sqrt((double)l->hidden);
  aw_nn_params_init_uniform(p, l->W, bound, r);
  aw_nn_params_init_uniform(p, l->U, bound, r);
  aw_nn_params_init_uniform(p, l->b, bound, r);
}

aw_status aw_nn_lstm_reserve(aw_nn_lstm *l, size_t T, size_t B, aw_error *err) {
  size_t tbh;
  if (!mul3(T, B, 4 * l->hidden, &tbh))
    return aw_error_set(err, AW_ERR_LIMIT, "lstm: sequence %zu x %zu too large", T, B);
  size_t tb = T * B;
  if (tb > l->cap_tb) {
    if (!regrow(&l->gates, tb * 4 * l->hidden) || !regrow(&l->dz, tb * 4 * l->hidden) ||
        !regrow(&l->c, tb * l->hidden) || !regrow(&l->tc, tb * l->hidden))
      return aw_error_set(err, AW_ERR_NOMEM, "lstm: out of memory for %zu x %zu steps", T, B);
    l->cap_tb = tb;
  }
  if (B > l->cap_b) {
    if (!regrow(&l->dh, B * l->hidden) || !regrow(&l->dc, B * l->hidden))
      return aw_error_set(err, AW_ERR_NOMEM, "lstm: out of memory for batch %zu", B);
    l->cap_b = B;
  }
  return AW_OK;
}

aw_status aw_nn_lstm_forward(aw_nn_lstm *l, const aw_nn_params *p, size_t T, size_t B,
                             const float *x, float *h, aw_error *err) {
  aw_status s = aw_nn_lstm_reserve(l, T, B, err);
  if (s) return s;
  const size_t H = l->hidden, G = 4 * H;
  const float *U = aw_nn_w(p, l->U);
  float *Z = l->gates;
  fill_rows(T * B, G, aw_nn_w(p, l->b), Z);
  aw_nn_gemm(0, 0, T * B, G, l->in, x, l->in, aw_nn_w(p, l->W), G, 1, Z, G);
  for (size_t t = 0; t < T; t++) {
    float *Zt = Z + t * B * G;
    if (t > 0) aw_nn_gemm(0, 0, B, G, H, h + (t - 1) * B * H, H, U, G, 1, Zt, G);
    const float *cprev = t > 0 ? l->c + (t - 1) * B * H : NULL;
    float *ct = l->c + t * B * H, *tct = l->tc + t * B * H, *ht = h + t * B * H;
#ifdef AW_NN_HAVE_V4
    if (H % 4 == 0) {
      /* fused: gates, cell, output in one pass, four hidden units at a time */
      for (size_t b = 0; b < B; b++) {
        float *z = Zt + b * G, *c = ct + b * H, *tc = tct + b * H, *hb = ht + b * H;
        const float *cp = cprev ? cprev + b * H : NULL;
        for (size_t j = 0; j < H; j += 4) {
          v4f ig = vsigmoid(vload(z + j)), fg = vsigmoid(vload(z + H + j));
          v4f gg = vtanh(vload(z + 2 * H + j)), og = vsigmoid(vload(z + 3 * H + j));
          v4f cv = cp ? fg * vload(cp + j) + ig * gg : ig * gg;
          v4f tv = vtanh(cv);
          vstore(z + j, ig), vstore(z + H + j, fg), vstore(z + 2 * H + j, gg), vstore(z + 3 * H + j, og);
          vstore(c + j, cv), vstore(tc + j, tv), vstore(hb + j, og * tv);
        }
      }
      continue;
    }
#endif
    for (size_t b = 0; b < B; b++) {
      float *z = Zt + b * G;
      aw_nn_sigmoid_n(2 * H, z, z);             /* i, f */
      aw_nn_tanh_n(H, z + 2 * H, z + 2 * H);    /* g */
      aw_nn_sigmoid_n(H, z + 3 * H, z + 3 * H); /* o */
      float *c = ct + b * H;
      if (cprev) {
        const float *cp = cprev + b * H;
        for (size_t j = 0; j < H; j++) c[j] = z[H + j] * cp[j] + z[j] * z[2 * H + j];
      } else {
        for (size_t j = 0; j < H; j++) c[j] = z[j] * z[2 * H + j];
      }
    }
    aw_nn_tanh_n(B * H, ct, tct);
    for (size_t b = 0; b < B; b++) {
      const float *o = Zt + b * G + 3 * H, *tc = tct + b * H;
      float *hb = ht + b * H;
      for (size_t j = 0; j < H; j++) hb[j] = o[j] * tc[j];
    }
  }
  return AW_OK;
}

void aw_nn_lstm_backward(aw_nn_lstm *l, aw_nn_params *p, size_t T, size_t B, const float *x,
                         const float *h, const float *dh, float *dx) {
  const size_t H = l->hidden, G = 4 * H;
  const float *U = aw_nn_w(p, l->U);
  float *dhn = l->dh, *dcn = l->dc; /* dL/dh_t and dL/dc_t flowing back from step t + 1 */
  memset(dhn, 0, B * H * sizeof *dhn);
  memset(dcn, 0, B * H * sizeof *dcn);
  for (size_t t = T; t-- > 0;) {
    const float *gt = l->gates + t * B * G, *tct = l->tc + t * B * H, *dht = dh + t * B * H;
    const float *cprev = t > 0 ? l->c + (t - 1) * B * H : NULL;
    float *dzt = l->dz + t * B * G;
    size_t j0 = 0;
#ifdef AW_NN_HAVE_V4
    if (H % 4 == 0) {
      const v4f one = vsplat(1.0f);
      for (size_t b = 0; b < B; b++) {
        const float *g = gt + b * G;
        float *dz = dzt + b * G;
        for (size_t j = 0; j < H; j += 4) {
          size_t e = b * H + j;
          v4f ig = vload(g + j), fg = vload(g + H + j), gg = vload(g + 2 * H + j), og = vload(g + 3 * H + j);
          v4f tc = vload(tct + e);
          v4f dhv = vload(dht + e) + vload(dhn + e);
          v4f dc = vload(dcn + e) + (dhv * og) * (one - tc * tc);
          v4f cp = cprev ? vload(cprev + e) : vsplat(0.0f);
          vstore(dz + j, (dc * gg) * (ig * (one - ig)));
          vstore(dz + H + j, (dc * cp) * (fg * (one - fg)));
          vstore(dz + 2 * H + j, (dc * ig) * (one - gg * gg));
          vstore(dz + 3 * H + j, (dhv * tc) * (og * (one - og)));
          vstore(dcn + e, dc * fg);
        }
      }
      j0 = H;
    }
#endif
    for (size_t b = 0; j0 < H && b < B; b++) {
      const float *g = gt + b * G;
      float *dz = dzt + b * G;
      for (size_t j = 0; j < H; j++) {
        size_t e = b * H + j;
        float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
        float tc = tct[e];
        float dhv = dht[e] + dhn[e];
        float dc = dcn[e] + (dhv * og) * (1.0f - tc * tc);
        float cp = cprev ? cprev[e] : 0.0f;
        dz[j] = (dc * gg) * (ig * (1.0f - ig));
        dz[H + j] = (dc * cp) * (fg * (1.0f - fg));
        dz[2 * H + j] = (dc * ig) * (1.0f - gg * gg);
        dz[3 * H + j] = (dhv * tc) * (og * (1.0f - og));
        dcn[e] = dc * fg;
      }
    }
    if (t > 0) aw_nn_gemm(0, 1, B, H, G, dzt, G, U, G, 0, dhn, H);
  }
  aw_nn_gemm(1, 0, l->in, G, T * B, x, l->in, l->dz, G, 1, aw_nn_g(p, l->W), G);
  if (T > 1) aw_nn_gemm(1, 0, H, G, (T - 1) * B, h, H, l->dz + B * G, G, 1, aw_nn_g(p, l->U), G);
  add_colsums(T * B, G, l->dz, aw_nn_g(p, l->b));
  if (dx) aw_nn_gemm(0, 1, T * B, l->in, G, l->dz, G, aw_nn_w(p, l->W), G, 0, dx, l->in);
}

void aw_nn_lstm_free(aw_nn_lstm *l) {
  if (!l) return;
  AW_FREE(l->gates), AW_FREE(l->c), AW_FREE(l->tc), AW_FREE(l->dz), AW_FREE(l->dh), AW_FREE(l->dc);
  l->gates = l->c = l->tc = l->dz = l->dh = l->dc = NULL;
  l->cap_tb = l->cap_b = 0;
}

/* ------------------------------------------------------------------ GRU */

aw_status aw_nn_gru_declare(aw_nn_gru *l, aw_nn_params *p, const char *prefix, size_t in,
                            size_t hidden, aw_error *err) {
  memset(l, 0, sizeof *l);
  l->in = in;
  l->hidden = hidden;
  char nm[AW_NN_NAME_MAX];
  aw_status s;
  if ((s = pname(nm, prefix, "W", err)) || (s = aw_nn_params_declare(p, nm, in, 3 * hidden, 1, &l->W, err)))
    return s;
  if ((s = pname(nm, prefix, "U", err)) || (s = aw_nn_params_declare(p, nm, hidden, 3 * hidden, 1, &l->U, err)))
    return s;
  if ((s = pname(nm, prefix, "bx", err)) || (s = aw_nn_params_declare(p, nm, 1, 3 * hidden, 1, &l->bx, err)))
    return s;
  if ((s = pname(nm, prefix, "bh", err)) || (s = aw_nn_params_declare(p, nm, 1, 3 * hidden, 1, &l->bh, err)))
    return s;
  return AW_OK;
}

void aw_nn_gru_init(const aw_nn_gru *l, aw_nn_params *p, aw_rng *r) {
  double bound = 1.0 / sqrt((double)l->hidden);
  aw_nn_params_init_uniform(p, l->W, bound, r);
  aw_nn_params_init_uniform(p, l->U, bound, r);
  aw_nn_params_init_uniform(p, l->bx, bound, r);
  aw_nn_params_init_uniform(p, l->bh, bound, r);
}

aw_status aw_nn_gru_reserve(aw_nn_gru *l, size_t T, size_t B, aw_error *err) {
  size_t tbg;
  if (!mul3(T, B, 3 * l->hidden, &tbg))
    return aw_error_set(err, AW_ERR_LIMIT, "gru: sequence %zu x %zu too large", T, B);
  if (T * B > l->cap_tb) {
    if (!regrow(&l->zx, tbg) || !regrow(&l->zh, tbg) || !regrow(&l->gates, tbg) ||
        !regrow(&l->dzx, tbg) || !regrow(&l->dzh, tbg))
      return aw_error_set(err, AW_ERR_NOMEM, "gru: out of memory for %zu x %zu steps", T, B);
    l->cap_tb = T * B;
  }
  if (B > l->cap_b) {
    if (!regrow(&l->dh, B * l->hidden))
      return aw_error_set(err, AW_ERR_NOMEM, "gru: out of memory for batch %zu", B);
    l->cap_b = B;
  }
  return AW_OK;
}

aw_status aw_nn_gru_forward(aw_nn_gru *l, const aw_nn_params *p, size_t T, size_t B,
                            const float *x, float *h, aw_error *err) {
  aw_status s = aw_nn_gru_reserve(l, T, B, err);
  if (s) return s;
  const size_t H = l->hidden, G = 3 * H;
  const float *U = aw_nn_w(p, l->U), *bh = aw_nn_w(p, l->bh);
  fill_rows(T * B, G, aw_nn_w(p, l->bx), l->zx);
  aw_nn_gemm(0, 0, T * B, G, l->in, x, l->in, aw_nn_w(p, l->W), G, 1, l->zx, G);
  for (size_t t = 0; t < T; t++) {
    float *zxt = l->zx + t * B * G, *zht = l->zh + t * B * G, *gt = l->gates + t * B * G;
    fill_rows(B, G, bh, zht);
    if (t > 0) aw_nn_gemm(0, 0, B, G, H, h + (t - 1) * B * H, H, U, G, 1, zht, G);
    const float *hprev = t > 0 ? h + (t - 1) * B * H : NULL;
    float *ht = h + t * B * H;
#ifdef AW_NN_HAVE_V4
    if (H % 4 == 0) {
      const v4f one = vsplat(1.0f);
      for (size_t b = 0; b < B; b++) {
        const float *zx = zxt + b * G, *zh = zht + b * G;
        float *g = gt + b * G, *hb = ht + b * H;
        const float *hp = hprev ? hprev + b * H : NULL;
        for (size_t j = 0; j < H; j += 4) {
          v4f r = vsigmoid(vload(zx + j) + vload(zh + j));
          v4f z = vsigmoid(vload(zx + H + j) + vload(zh + H + j));
          v4f n = vtanh(vload(zx + 2 * H + j) + r * vload(zh + 2 * H + j));
          vstore(g + j, r), vstore(g + H + j, z), vstore(g + 2 * H + j, n);
          vstore(hb + j, hp ? (one - z) * n + z * vload(hp + j) : (one - z) * n);
        }
      }
      continue;
    }
#endif
    for (size_t b = 0; b < B; b++) {
      const float *zx = zxt + b * G, *zh = zht + b * G;
      float *g = gt + b * G;
      for (size_t j = 0; j < 2 * H; j++) g[j] = zx[j] + zh[j];
      aw_nn_sigmoid_n(2 * H, g, g); /* r, z */
      for (size_t j = 0; j < H; j++) g[2 * H + j] = zx[2 * H + j] + g[j] * zh[2 * H + j];
      aw_nn_tanh_n(H, g + 2 * H, g + 2 * H); /* n */
      float *hb = ht + b * H;
      if (hprev) {
        const float *hp = hprev + b * H;
        for (size_t j = 0; j < H; j++) hb[j] = (1.0f - g[H + j]) * g[2 * H + j] + g[H + j] * hp[j];
      } else {
        for (size_t j = 0; j < H; j++) hb[j] = (1.0f - g[H + j]) * g[2 * H + j];
      }
    }
  }
  return AW_OK;
}

void aw_nn_gru_backward(aw_nn_gru *l, aw_nn_params *p, size_t T, size_t B, const float *x,
                        const float *h, const float *dh, float *dx) {
  const size_t H = l->hidden, G = 3 * H;
  const float *U = aw_nn_w(p, l->U);
  float *dhn = l->dh; /* dL/dh_t flowing back from step t + 1 */
  memset(dhn, 0, B * H * sizeof *dhn);
  for (size_t t = T; t-- > 0;) {
    const float *gt = l->gates + t * B * G, *zht = l->zh + t * B * G, *dht = dh + t * B * H;
    const float *hprev = t > 0 ? h + (t - 1) * B * H : NULL;
    float *dzxt = l->dzx + t * B * G, *dzht = l->dzh + t * B * G;
    size_t j0 = 0;
#ifdef AW_NN_HAVE_V4
    if (H % 4 == 0) {
      const v4f one = vsplat(1.0f);
      for (size_t b = 0; b < B; b++) {
        const float *g = gt + b * G, *zh = zht + b * G;
        float *dzx = dzxt + b * G, *dzh = dzht + b * G;
        for (size_t j = 0; j < H; j += 4) {
          size_t e = b * H + j;
          v4f r = vload(g + j), z = vload(g + H + j), n = vload(g + 2 * H + j);
          v4f hp = hprev ? vload(hprev + e) : vsplat(0.0f);
          v4f dhv = vload(dht + e) + vload(dhn + e);
          v4f dan = (dhv * (one - z)) * (one - n * n);
          v4f dar = (dan * vload(zh + 2 * H + j)) * (r * (one - r));
          v4f daz = (dhv * (hp - n)) * (z * (one - z));
          vstore(dzx + j, dar), vstore(dzh + j, dar);
          vstore(dzx + H + j, daz), vstore(dzh + H + j, daz);
          vstore(dzx + 2 * H + j, dan), vstore(dzh + 2 * H + j, dan * r);
          vstore(dhn + e, dhv * z);
        }
      }
      j0 = H;
    }
#endif
    for (size_t b = 0; j0 < H && b < B; b++) {
      const float *g = gt + b * G, *zh = zht + b * G;
      float *dzx = dzxt + b * G, *dzh = dzht + b * G;
      for (size_t j = 0; j < H; j++) {
        size_t e = b * H + j;
        float r = g[j], z = g[H + j], n = g[2 * H + j];
        float hp = hprev ? hprev[e] : 0.0f;
        float dhv = dht[e] + dhn[e];
        float dan = (dhv * (1.0f - z)) * (1.0f - n * n);
        float dar = (dan * zh[2 * H + j]) * (r * (1.0f - r));
        float daz = (dhv * (hp - n)) * (z * (1.0f - z));
        dzx[j] = dar, dzh[j] = dar;
        dzx[H + j] = daz, dzh[H + j] = daz;
        dzx[2 * H + j] = dan, dzh[2 * H + j] = dan * r;
        dhn[e] = dhv * z; /* the direct path h_t -> h_{t-1}; the GEMM below adds the gates' */
      }
    }
    if (t > 0) aw_nn_gemm(0, 1, B, H, G, dzht, G, U, G, 1, dhn, H);
  }
  aw_nn_gemm(1, 0, l->in, G, T * B, x, l->in, l->dzx, G, 1, aw_nn_g(p, l->W), G);
  if (T > 1) aw_nn_gemm(1, 0, H, G, (T - 1) * B, h, H, l->dzh + B * G, G, 1, aw_nn_g(p, l->U), G);
  add_colsums(T * B, G, l->dzx, aw_nn_g(p, l->bx));
  add_colsums(T * B, G, l->dzh, aw_nn_g(p, l->bh));
  if (dx) aw_nn_gemm(0, 1, T * B, l->in, G, l->dzx, G, aw_nn_w(p, l->W), G, 0, dx, l->in);
}

void aw_nn_gru_free(aw_nn_gru *l) {
  if (!l) return;
  AW_FREE(l->zx), AW_FREE(l->zh), AW_FREE(l->gates), AW_FREE(l->dzx), AW_FREE(l->dzh), AW_FREE(l->dh);
  l->zx = l->zh = l->gates = l->dzx = l->dzh = l->dh = NULL;
  l->cap_tb = l->cap_b = 0;
}

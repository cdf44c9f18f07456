/* dataset.c - scaling fitted on the training part and sliding windows (DAM section II-B, last
 * paragraphs: z-score per dimension, windows of length W predicting the next step). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_internal.h"

void aw_nn_dataset_opts_default(aw_nn_dataset_opts *o) {
  memset(o, 0, sizeof *o);
  o->window = 10;
  o->train_frac = 0.6;
  o->scaling = AW_NN_SCALE_ZSCORE;
}

static const int dam_layout[8] = {AW_NN_GROUP_LOAD,    AW_NN_GROUP_LOAD,    AW_NN_GROUP_LOAD,
                                  AW_NN_GROUP_TRAFFIC, AW_NN_GROUP_TRAFFIC, AW_NN_GROUP_TRAFFIC,
                                  AW_NN_GROUP_TRAFFIC, AW_NN_GROUP_LOGS};

/* Column label for messages: "'name' (column j)" or "column j" (1-based). */
static void col_label(char *buf, size_t n, const char *const *names, size_t j) {
  if (names && names[j])
    snprintf(buf, n, "'%s' (column %zu)", names[j], j + 1);
  else
    snprintf(buf, n, "column %zu", j + 1);
}

static aw_nn_dataset *ds_alloc(size_t n, size_t d, aw_error *err) {
  aw_nn_dataset *ds = AW_CALLOC(1, sizeof *ds);
  if (!ds) {
    aw_error_set(err, AW_ERR_NOMEM, "dataset: out of memory");
    return NULL;
  }
  ds->x = aw_alloc_array(n, d * sizeof(float));
  ds->offset = aw_calloc_array(d, sizeof(double));
  ds->scale = aw_calloc_array(d, sizeof(double));
  ds->groups = aw_calloc_array(d, sizeof(int));
  if (!ds->x || !ds->offset || !ds->scale || !ds->groups) {
    aw_nn_dataset_free(ds);
    aw_error_set(err, AW_ERR_NOMEM, "dataset: out of memory for %zu x %zu values", n, d);
    return NULL;
  }
  ds->n = n;
  ds->d = d;
  return ds;
}

static aw_status check_finite(const double *x, size_t n, size_t d, const char *const *names,
                              aw_error *err) {
  for (size_t t = 0; t < n; t++)
    for (size_t j = 0; j < d; j++)
      if (!isfinite(x[t * d + j])) {
        char lab[96];
        col_label(lab, sizeof lab, names, j);
        return aw_error_set(err, AW_ERR_NUMERIC, "dataset: %s at step %zu (row %zu) of %s",
                            isnan(x[t * d + j]) ? "NaN" : "infinite value", t, t + 1, lab);
      }
  return AW_OK;
}

static aw_status check_groups(const int *groups, size_t d, aw_error *err) {
  for (size_t j = 0; j < d; j++)
    if (groups[j] < AW_NN_GROUP_LOAD || groups[j] > AW_NN_GROUP_OTHER)
      return aw_error_set(err, AW_ERR_ARG, "dataset: column %zu has group %d (expected 0..3)", j + 1,
                          groups[j]);
  return AW_OK;
}

static void apply_scaling(aw_nn_dataset *ds, const double *x) {
  for (size_t t = 0; t < ds->n; t++)
    for (size_t j = 0; j < ds->d; j++)
      ds->x[t * ds->d + j] = (float)((x[t * ds->d + j] - ds->offset[j]) / ds->scale[j]);
}

aw_nn_dataset *aw_nn_dataset_new(const double *x, size_t n_steps, size_t n_dims,
                                 const aw_nn_dataset_opts *o, aw_error *err) {
  aw_nn_dataset_opts def;
  if (!o) {
    aw_nn_dataset_opts_default(&def);
    o = &def;
  }
  if (!x || n_dims == 0) {
    aw_error_set(err, AW_ERR_ARG, "dataset: no data (NULL series or zero columns)");
    return NULL;
  }
  if (o->window == 0 || o->window > 100000) {
    aw_error_set(err, AW_ERR_ARG, "dataset: window must be in 1..100000, got %zu", o->window);
    return NULL;
  }
  if (!(o->train_frac > 0.0 && o->train_frac <= 1.0)) {
    aw_error_set(err, AW_ERR_ARG, "dataset: train fraction must be in (0, 1], got %g", o->train_frac);
    return NULL;
  }
  if (o->scaling != AW_NN_SCALE_ZSCORE && o->scaling != AW_NN_SCALE_MINMAX) {
    aw_error_set(err, AW_ERR_ARG, "dataset: unknown scaling %d", (int)o->scaling);
    return NULL;
  }
  size_t n_train = (size_t)floor(o->train_frac * (double)n_steps);
  if (!(o->train_start >= 0.0 && o->train_start < 1.0)) {
    aw_error_set(err, AW_ERR_ARG, "dataset: train start must be in [0, 1), got %g", o->train_start);
    return NULL;
  }
  size_t t0 = (size_t)floor(o->train_start * (double)n_steps);
  if (t0 + n_train > n_steps) {
    aw_error_set(err, AW_ERR_ARG, "dataset: the training part (start %g + fraction %g of the steps) runs past the end",
                 o->train_start, o->train_frac);
    return NULL;
  }
  /* The training part must hold at least two windows with their targets (W + 2 steps): one
   * window cannot be split for validation and gives batch norm nothing to normalise. */
  if (n_steps <= o->window || n_train < o->window + 2) {
    aw_error_set(err, AW_ERR_RANGE,
                 "dataset: too few steps for window %zu: %zu steps, %zu in the training part "
                 "(need at least %zu training steps)",
                 o->window, n_steps, n_train, o->window + 2);
    return NULL;
  }
  if (n_dims > ((size_t)1 << 28) / n_steps) {
    aw_error_set(err, AW_ERR_LIMIT, "dataset: %zu x %zu values exceed the size limit", n_steps, n_dims);
    return NULL;
  }
  if (o->groups && check_groups(o->groups, n_dims, err)) return NULL;
  if (check_finite(x, n_steps, n_dims, o->names, err)) return NULL;
  aw_nn_dataset *ds = ds_alloc(n_steps, n_dims, err);
  if (!ds) return NULL;
  ds->W = o->window;
  ds->n_train = n_train;
  ds->t0 = t0;
  ds->scaling = o->scaling;
  for (size_t j = 0; j < n_dims; j++)
    ds->groups[j] = o->groups ? o->groups[j] : (n_dims == 8 ? dam_layout[j] : AW_NN_GROUP_OTHER);
  for (size_t j = 0; j < n_dims; j++) {
    double off, sc;
    if (o->scaling == AW_NN_SCALE_ZSCORE) {
      double mean = 0.0, var = 0.0;
      for (size_t t = t0; t < t0 + n_train; t++) mean += x[t * n_dims + j];
      mean /= (double)n_train;
      for (size_t t = t0; t < t0 + n_train; t++) {
        double e = x[t * n_dims + j] - mean;
        var += e * e;
      }
      off = mean;
      sc = sqrt(var / (double)n_train);
    } else {
      double lo = x[t0 * n_dims + j], hi = x[t0 * n_dims + j];
      for (size_t t = t0 + 1; t < t0 + n_train; t++) {
        double v = x[t * n_dims + j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      off = lo;
      sc = hi - lo;
    }
    /* A spread below 1e-12 of the magnitude is rounding noise around a constant. */
    if (!(sc > 1e-12 * fmax(1.0, fabs(off)))) {
      if (!o->allow_constant) {
        char lab[96];
        col_label(lab, sizeof lab, o->names, j);
        aw_error_set(err, AW_ERR_NUMERIC,
                     "dataset: %s is constant (%.17g) on the training part (%zu steps): it "
                     "cannot be %s; drop the column or allow constant columns",
                     lab, off, n_train, o->scaling == AW_NN_SCALE_ZSCORE ? "z-scored" : "min-max scaled");
        aw_nn_dataset_free(ds);
        return NULL;
      }
      sc = 1.0;
    }
    ds->offset[j] = off;
    ds->scale[j] = sc;
  }
  apply_scaling(ds, x);
  return ds;
}

aw_nn_dataset *nn_dataset_with_stats(const double *x, size_t n, size_t d, size_t W, const int *groups,
                                     aw_nn_scaling scaling, const double *offset, const double *scale,
                                     aw_error *err) {
  if (!x) {
    aw_error_set(err, AW_ERR_ARG, "score: NULL series");
    return NULL;
  }
  if (n <= W) {
    aw_error_set(err, AW_ERR_RANGE, "score: %zu steps are too few for one window of %zu + 1", n, W);
    return NULL;
  }
  if (d > ((size_t)1 << 28) / n) {
    aw_error_set(err, AW_ERR_LIMIT, "score: %zu x %zu values exceed the size limit", n, d);
    return NULL;
  }
  if (check_finite(x, n, d, NULL, err)) return NULL;
  aw_nn_dataset *ds = ds_alloc(n, d, err);
  if (!ds) return NULL;
  ds->W = W;
  ds->n_train = n;
  ds->scaling = scaling;
  memcpy(ds->groups, groups, d * sizeof *groups);
  memcpy(ds->offset, offset, d * sizeof *offset);
  memcpy(ds->scale, scale, d * sizeof *scale);
  apply_scaling(ds, x);
  return ds;
}

void aw_nn_dataset_free(aw_nn_dataset *ds) {
  if (!ds) return;
  AW_FREE(ds->x);
  AW_FREE(ds->offset);
  AW_FREE(ds->scale);
  AW_FREE(ds->groups);
  AW_FREE(ds);
}

size_t aw_nn_dataset_steps(const aw_nn_dataset *ds) { return ds->n; }
size_t aw_nn_dataset_dims(const aw_nn_dataset *ds) { return ds->d; }
size_t aw_nn_dataset_window(const aw_nn_dataset *ds) { return ds->W; }
size_t aw_nn_dataset_train_steps(const aw_nn_dataset *ds) { return ds->n_train; }
size_t aw_nn_dataset_windows(const aw_nn_dataset *ds) { return ds->n - ds->W; }
size_t aw_nn_dataset_train_first(const aw_nn_dataset *ds) { return ds->t0; }
size_t aw_nn_dataset_train_windows(const aw_nn_dataset *ds) {
  return ds->n_train > ds->W ? ds->n_train - ds->W : 0;
}
const float *aw_nn_dataset_data(const aw_nn_dataset *ds) { return ds->x; }
const double *aw_nn_dataset_offset(const aw_nn_dataset *ds) { return ds->offset; }
const double *aw_nn_dataset_scale(const aw_nn_dataset *ds) { return ds->scale; }
int aw_nn_dataset_group(const aw_nn_dataset *ds, size_t column) {
  return column < ds->d ? ds->groups[column] : -1;
}

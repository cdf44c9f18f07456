/* model_internal.h - shared by the model files of core/src/nn (not a public header). */
#ifndef AW_NN_MODEL_INTERNAL_H
#define AW_NN_MODEL_INTERNAL_H

#include "aw/nn.h"
#include "aw/nn_model.h"
#include "aw/rng.h"

struct aw_nn_dataset {
  size_t n, d, W, n_train;
  size_t t0;              /* first step of the training part (training windows t0 .. t0+n_train-W-1) */
  float *x;               /* n x d scaled */
  double *offset, *scale; /* per column */
  int *groups;
  aw_nn_scaling scaling;
};

/* Builds a dataset from raw values with given scaling statistics (no fitting). n_train = n. */
aw_nn_dataset *nn_dataset_with_stats(const double *x, size_t n, size_t d, size_t W, const int *groups,
                                     aw_nn_scaling scaling, const double *offset, const double *scale,
                                     aw_error *err);

typedef struct nn_ops nn_ops;

struct aw_nn_model {
  aw_nn_kind kind;
  aw_nn_model_opts o;
  const nn_ops *ops;
  size_t d, W;
  int *groups;
  aw_nn_scaling scaling;
  double *offset, *scale;
  size_t n_out;      /* output dimensions per step */
  size_t *out_cols;  /* their columns */
  size_t out_steps;  /* 1 for predictors, W for autoencoders */
  aw_nn_params P;
  size_t cap_b;      /* batch capacity of the buffers below and of impl's */
  float *pred, *target, *dpred; /* cap_b x out_steps x n_out */
  aw_rng drop_rng;   /* dropout masks (seeded by the trainer) */
  int train_mode;    /* last forward was in training mode */
  void *impl;
};

/* Per-kind operations. forward fills m->pred and m->target for the B windows starting at win[b]
 * of the scaled series x (d columns); backward takes m->dpred. */
struct nn_ops {
  int trainable;
  aw_status (*build)(aw_nn_model *m, aw_error *err); /* declare tensors, create impl */
  void (*init)(aw_nn_model *m);                      /* after alloc: initial weights */
  aw_status (*reserve)(aw_nn_model *m, size_t B, aw_error *err);
  aw_status (*forward)(aw_nn_model *m, const float *x, const size_t *win, size_t B, int train,
                       aw_error *err);
  void (*backward)(aw_nn_model *m, size_t B);
  void (*free_impl)(aw_nn_model *m);
};

extern const nn_ops nn_dam_ops;
extern const nn_ops nn_mlp_ae_ops;
extern const nn_ops nn_rnn_ae_ops;

/* Makes sure the model's and impl's batch buffers hold B windows. */
aw_status nn_model_reserve(aw_nn_model *m, size_t B, aw_error *err);
/* Forward of B windows; when train, also the loss and m->dpred. */
aw_status nn_model_forward(aw_nn_model *m, const float *x, const size_t *win, size_t B, int train,
                           double *loss, aw_error *err);

/* Grows *p to hold n floats (contents lost); 0 on failure (old buffer kept). */
int nn_regrow(float **p, size_t n);
/* "prefix%zu" style names */
#define NN_NAME(buf, ...) snprintf((buf), AW_NN_NAME_MAX, __VA_ARGS__)

#endif

/* trainer.c - mini-batch training with Adam, shuffling from the seed, a chronological validation
 * split and early stopping, in steps of a few batches so a browser worker can yield in between. */
#include <math.h>
#include <string.h>

#include "model_internal.h"

struct aw_nn_trainer {
  aw_nn_model *m;
  const aw_nn_dataset *ds;
  aw_nn_train_opts o;
  size_t n_tr, n_val, nb;
  size_t *order;
  aw_rng shuf;
  aw_nn_adam adam;
  size_t epoch, batch, total;
  double last, ep_sum;
  size_t ep_n;
  double *hist_tr, *hist_val;
  double epoch_loss, val_loss, best;
  size_t best_epoch, bad;
  float *best_w;
  int done, stopped;
};

void aw_nn_train_opts_default(aw_nn_train_opts *o) {
  memset(o, 0, sizeof *o);
  o->epochs = 50;
  o->batch = 256;
  o->lr = 1e-3f;
  o->val_frac = 0.1;
  o->patience = 5;
  o->min_delta = 0.0;
  o->restore_best = 1;
  o->shuffle = 1;
  o->seed = 42;
}

aw_nn_trainer *aw_nn_trainer_new(aw_nn_model *m, const aw_nn_dataset *ds, const aw_nn_train_opts *o,
                                 aw_error *err) {
  aw_nn_train_opts def;
  if (!o) {
    aw_nn_train_opts_default(&def);
    o = &def;
  }
  if (!m || !ds) {
    aw_error_set(err, AW_ERR_ARG, "trainer: NULL model or dataset");
    return NULL;
  }
  if (ds->d != m->d || ds->W != m->W || memcmp(ds->groups, m->groups, m->d * sizeof(int)) != 0) {
    aw_error_set(err, AW_ERR_ARG, "trainer: the dataset's columns, groups or window differ from the model's");
    return NULL;
  }
  if (o->batch == 0 || o->batch > 65536) {
    aw_error_set(err, AW_ERR_ARG, "trainer: batch size must be in 1..65536, got %zu", o->batch);
    return NULL;
  }
  if (o->batch < 2 && m->kind == AW_NN_MLP_AE) {
    aw_error_set(err, AW_ERR_ARG, "trainer: batch norm (mlp-ae) needs batches of at least 2");
    return NULL;
  }
  if (o->epochs > 1000000) {
    aw_error_set(err, AW_ERR_ARG, "trainer: %zu epochs is more than the limit of 1000000", o->epochs);
    return NULL;
  }
  if (!(o->lr > 0.0f) || !isfinite(o->lr)) {
    aw_error_set(err, AW_ERR_ARG, "trainer: learning rate must be > 0");
    return NULL;
  }
  if (!(o->val_frac >= 0.0 && o->val_frac < 1.0)) {
    aw_error_set(err, AW_ERR_ARG, "trainer: validation fraction must be in [0, 1), got %g", o->val_frac);
    return NULL;
  }
  aw_nn_trainer *t = AW_CALLOC(1, sizeof *t);
  if (!t) {
    aw_error_set(err, AW_ERR_NOMEM, "trainer: out of memory");
    return NULL;
  }
  t->m = m;
  t->ds = ds;
  t->o = *o;
  size_t n_tw = aw_nn_dataset_train_windows(ds);
  t->n_val = (size_t)floor(o->val_frac * (double)n_tw);
  t->n_tr = n_tw - t->n_val;
  if (t->n_tr < 2) {
    aw_error_set(err, AW_ERR_RANGE, "trainer: %zu training windows (%zu held out for validation): too few", t->n_tr,
                 t->n_val);
    AW_FREE(t);
    return NULL;
  }
  /* A last batch of a single window cannot be batch-normalised: mlp-ae drops it (a different
   * window each epoch, since the order is reshuffled). */
  size_t rem = t->n_tr % o->batch;
  t->nb = t->n_tr / o->batch + (rem > 1 || (rem == 1 && m->kind != AW_NN_MLP_AE) ? 1 : 0);
  size_t cap_e = o->epochs ? o->epochs : 1;
  t->order = aw_alloc_array(t->n_tr, sizeof *t->order);
  t->hist_tr = aw_alloc_array(cap_e, sizeof(double));
  t->hist_val = aw_alloc_array(cap_e, sizeof(double));
  t->best_w = o->restore_best ? aw_alloc_array(m->P.total ? m->P.total : 1, sizeof(float)) : NULL;
  aw_status s = (!t->order || !t->hist_tr || !t->hist_val || (o->restore_best && !t->best_w))
                    ? aw_error_set(err, AW_ERR_NOMEM, "trainer: out of memory")
                    : nn_model_reserve(m, o->batch, err);
  if (s) {
    aw_nn_trainer_free(t);
    return NULL;
  }
  size_t first = aw_nn_dataset_train_first(ds);
  for (size_t i = 0; i < t->n_tr; i++) t->order[i] = first + i;
  aw_rng_seed_stream(&t->shuf, o->seed, aw_rng_hash("shuffle"));
  aw_rng_seed_stream(&m->drop_rng, o->seed, aw_rng_hash("dropout"));
  aw_nn_adam_init(&t->adam, o->lr);
  t->last = t->epoch_loss = t->val_loss = NAN;
  t->best = INFINITY;
  t->done = !m->ops->trainable || o->epochs == 0;
  return t;
}

void aw_nn_trainer_free(aw_nn_trainer *t) {
  if (!t) return;
  AW_FREE(t->order), AW_FREE(t->hist_tr), AW_FREE(t->hist_val), AW_FREE(t->best_w);
  AW_FREE(t);
}

static void finish(aw_nn_trainer *t) {
  t->done = 1;
  if (t->o.restore_best && t->best_epoch > 0 && t->best_epoch != t->epoch)
    memcpy(t->m->P.w, t->best_w, t->m->P.total * sizeof(float));
}

static aw_status end_epoch(aw_nn_trainer *t, aw_error *err) {
  t->epoch_loss = t->ep_sum / (double)t->ep_n;
  t->val_loss = NAN;
  if (t->n_val) {
    aw_status s = aw_nn_model_loss(t->m, t->ds, aw_nn_dataset_train_first(t->ds) + t->n_tr, t->n_val, &t->val_loss, err);
    if (s) return s;
  }
  double mon = t->n_val ? t->val_loss : t->epoch_loss;
  t->hist_tr[t->epoch] = t->epoch_loss;
  t->hist_val[t->epoch] = t->val_loss;
  t->epoch++;
  t->batch = 0;
  if (mon < t->best - t->o.min_delta) {
    t->best = mon;
    t->best_epoch = t->epoch;
    t->bad = 0;
    if (t->best_w) memcpy(t->best_w, t->m->P.w, t->m->P.total * sizeof(float));
  } else {
    t->bad++;
  }
  if (t->o.patience && t->bad >= t->o.patience) {
    t->stopped = 1;
    finish(t);
  } else if (t->epoch >= t->o.epochs) {
    finish(t);
  }
  return AW_OK;
}

aw_status aw_nn_trainer_step(aw_nn_trainer *t, size_t max_batches, const aw_progress *pr, aw_error *err) {
  if (!t) return aw_error_set(err, AW_ERR_ARG, "trainer: NULL");
  aw_nn_model *m = t->m;
  for (size_t k = 0; k < max_batches && !t->done; k++) {
    if (t->batch == 0) {
      if (t->o.shuffle) aw_rng_shuffle_size(&t->shuf, t->order, t->n_tr);
      t->ep_sum = 0.0;
      t->ep_n = 0;
    }
    size_t b0 = t->batch * t->o.batch;
    size_t B = t->n_tr - b0 < t->o.batch ? t->n_tr - b0 : t->o.batch;
    double loss;
    aw_nn_params_zero_grad(&m->P);
    aw_status s = nn_model_forward(m, t->ds->x, t->order + b0, B, 1, &loss, err);
    if (s) return s;
    if (!isfinite(loss))
      return aw_error_set(err, AW_ERR_NUMERIC,
                          "training diverged: the loss is %g at epoch %zu, batch %zu (try a smaller "
                          "learning rate)",
                          loss, t->epoch + 1, t->batch + 1);
    m->ops->backward(m, B);
    aw_nn_adam_step(&t->adam, &m->P);
    t->last = loss;
    t->ep_sum += loss * (double)B;
    t->ep_n += B;
    t->batch++;
    t->total++;
    int epoch_end = t->batch == t->nb;
    if (epoch_end && (s = end_epoch(t, err))) return s;
    double frac = (double)t->total / ((double)t->o.epochs * (double)t->nb);
    if (aw_progress_report(pr, t->done ? 1.0 : frac, epoch_end ? "epoch" : "train"))
      return aw_error_set(err, AW_ERR_CANCELLED, "training cancelled at epoch %zu, batch %zu", t->epoch + 1,
                          t->batch);
  }
  return AW_OK;
}

aw_status aw_nn_trainer_run(aw_nn_trainer *t, const aw_progress *pr, aw_error *err) {
  while (t && !t->done) {
    aw_status s = aw_nn_trainer_step(t, 64, pr, err);
    if (s) return s;
  }
  return t ? AW_OK : aw_error_set(err, AW_ERR_ARG, "trainer: NULL");
}

int aw_nn_trainer_done(const aw_nn_trainer *t) { return t ? t->done : 1; }

void aw_nn_trainer_stats(const aw_nn_trainer *t, aw_nn_train_stats *s) {
  memset(s, 0, sizeof *s);
  s->epoch = t->epoch;
  s->batch = t->batch;
  s->batches_per_epoch = t->nb;
  s->epochs = t->o.epochs;
  s->total_batches = t->total;
  s->n_train = t->n_tr;
  s->n_val = t->n_val;
  s->last_batch_loss = t->last;
  s->epoch_loss = t->epoch_loss;
  s->val_loss = t->val_loss;
  s->best_loss = t->best_epoch ? t->best : NAN;
  s->best_epoch = t->best_epoch;
  s->done = t->done;
  s->stopped_early = t->stopped;
}

size_t aw_nn_trainer_history(const aw_nn_trainer *t, const double **train, const double **val) {
  if (train) *train = t->hist_tr;
  if (val) *val = t->hist_val;
  return t->epoch;
}

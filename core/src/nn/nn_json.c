/* nn_json.c - detector options from a spec's JSON and trainer state as JSON (for the worker). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cJSON.h"
#include "model_internal.h"

static aw_status bad(aw_error *err, const char *key, const char *want) {
  return aw_error_set(err, AW_ERR_PARSE, "detector options: \"%s\" must be %s", key, want);
}

static int get_size(const cJSON *v, size_t lo, size_t hi, size_t *out) {
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < (double)lo ||
      v->valuedouble > (double)hi)
    return 0;
  *out = (size_t)v->valuedouble;
  return 1;
}

static int get_act(const cJSON *v, aw_nn_act *out) {
  static const char *const names[] = {"identity", "relu", "leaky_relu", "tanh", "sigmoid"};
  if (!cJSON_IsString(v)) return 0;
  for (int i = 0; i < 5; i++)
    if (strcmp(v->valuestring, names[i]) == 0) {
      *out = (aw_nn_act)i;
      return 1;
    }
  return 0;
}

static int get_sizes(const cJSON *v, size_t n, size_t *out) {
  if (!cJSON_IsArray(v) || (size_t)cJSON_GetArraySize(v) != n) return 0;
  size_t tmp[4];
  for (size_t i = 0; i < n; i++)
    if (!get_size(cJSON_GetArrayItem(v, (int)i), 1, 4096, &tmp[i])) return 0;
  memcpy(out, tmp, n * sizeof *out);
  return 1;
}

aw_status aw_nn_opts_from_json(const struct cJSON *obj, aw_nn_kind *kind, aw_nn_dataset_opts *dopts,
                               aw_nn_model_opts *mopts, aw_nn_train_opts *topts, aw_error *err) {
  aw_nn_kind k = AW_NN_DAM;
  aw_nn_dataset_opts d;
  aw_nn_model_opts m;
  aw_nn_train_opts t;
  aw_nn_dataset_opts_default(&d);
  aw_nn_model_opts_default(&m);
  aw_nn_train_opts_default(&t);
  if (!cJSON_IsObject(obj)) return aw_error_set(err, AW_ERR_PARSE, "detector options must be a JSON object");
  int scaling_given = 0;
  for (const cJSON *v = obj->child; v; v = v->next) {
    const char *key = v->string ? v->string : "";
    if (!strcmp(key, "method")) {
      if (!cJSON_IsString(v)) return bad(err, key, "a method name");
      if (aw_nn_kind_parse(v->valuestring, &k, err)) {
        if (err) err->code = AW_ERR_PARSE;
        return AW_ERR_PARSE;
      }
    } else if (!strcmp(key, "window")) {
      if (!get_size(v, 1, 100000, &d.window)) return bad(err, key, "an integer in 1..100000");
    } else if (!strcmp(key, "train_frac")) {
      if (!cJSON_IsNumber(v) || !(v->valuedouble > 0 && v->valuedouble <= 1)) return bad(err, key, "in (0, 1]");
      d.train_frac = v->valuedouble;
    } else if (!strcmp(key, "train_start")) {
      if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble < 1)) return bad(err, key, "in [0, 1)");
      d.train_start = v->valuedouble;
    } else if (!strcmp(key, "scaling")) {
      scaling_given = 1;
      if (cJSON_IsString(v) && !strcmp(v->valuestring, "zscore"))
        d.scaling = AW_NN_SCALE_ZSCORE;
      else if (cJSON_IsString(v) && !strcmp(v->valuestring, "minmax"))
        d.scaling = AW_NN_SCALE_MINMAX;
      else
        return bad(err, key, "\"zscore\" or \"minmax\"");
    } else if (!strcmp(key, "allow_constant")) {
      if (!cJSON_IsBool(v)) return bad(err, key, "true or false");
      d.allow_constant = cJSON_IsTrue(v);
    } else if (!strcmp(key, "seed")) {
      if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0 ||
          v->valuedouble != floor(v->valuedouble))
        return bad(err, key, "an integer in 0..2^53");
      m.seed = t.seed = (uint64_t)v->valuedouble;
    } else if (!strcmp(key, "hidden")) {
      if (!get_size(v, 1, 4096, &m.hidden)) return bad(err, key, "an integer in 1..4096");
    } else if (!strcmp(key, "head")) {
      if (!get_sizes(v, 2, m.head)) return bad(err, key, "two layer sizes, e.g. [32, 8]");
    } else if (!strcmp(key, "head_act")) {
      if (!get_act(v, &m.head_act)) return bad(err, key, "relu, leaky_relu, tanh, sigmoid or identity");
    } else if (!strcmp(key, "mlp_act")) {
      if (!get_act(v, &m.mlp_act)) return bad(err, key, "relu, leaky_relu, tanh, sigmoid or identity");
    } else if (!strcmp(key, "mlp")) {
      if (!get_sizes(v, 3, m.mlp)) return bad(err, key, "three layer sizes, e.g. [128, 64, 14]");
    } else if (!strcmp(key, "rnn")) {
      if (!get_sizes(v, 2, m.rnn)) return bad(err, key, "two layer sizes, e.g. [16, 14]");
    } else if (!strcmp(key, "dropout")) {
      if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble < 1)) return bad(err, key, "in [0, 1)");
      m.dropout = (float)v->valuedouble;
    } else if (!strcmp(key, "leaky_slope")) {
      if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble < 1)) return bad(err, key, "in [0, 1)");
      m.leaky_slope = (float)v->valuedouble;
    } else if (!strcmp(key, "score")) {
      if (cJSON_IsString(v) && !strcmp(v->valuestring, "mae"))
        m.score = AW_NN_SCORE_MAE;
      else if (cJSON_IsString(v) && !strcmp(v->valuestring, "mse"))
        m.score = AW_NN_SCORE_MSE;
      else
        return bad(err, key, "\"mae\" or \"mse\"");
    } else if (!strcmp(key, "epochs")) {
      if (!get_size(v, 0, 1000000, &t.epochs)) return bad(err, key, "an integer in 0..1000000");
    } else if (!strcmp(key, "batch")) {
      if (!get_size(v, 1, 65536, &t.batch)) return bad(err, key, "an integer in 1..65536");
    } else if (!strcmp(key, "lr")) {
      if (!cJSON_IsNumber(v) || !(v->valuedouble > 0 && v->valuedouble < 10)) return bad(err, key, "in (0, 10)");
      t.lr = (float)v->valuedouble;
    } else if (!strcmp(key, "val_frac")) {
      if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble < 1)) return bad(err, key, "in [0, 1)");
      t.val_frac = v->valuedouble;
    } else if (!strcmp(key, "patience")) {
      if (!get_size(v, 0, 1000000, &t.patience)) return bad(err, key, "an integer >= 0");
    } else if (!strcmp(key, "min_delta")) {
      if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0)) return bad(err, key, ">= 0");
      t.min_delta = v->valuedouble;
    } else if (!strcmp(key, "restore_best")) {
      if (!cJSON_IsBool(v)) return bad(err, key, "true or false");
      t.restore_best = cJSON_IsTrue(v);
    } else if (!strcmp(key, "shuffle")) {
      if (!cJSON_IsBool(v)) return bad(err, key, "true or false");
      t.shuffle = cJSON_IsTrue(v);
    } else {
      return aw_error_set(err, AW_ERR_PARSE, "detector options: unknown member \"%s\"", key);
    }
  }
  /* the IBM paper's autoencoders use min-max scaling fitted on the training data */
  if (!scaling_given && (k == AW_NN_MLP_AE || k == AW_NN_GRU_AE)) d.scaling = AW_NN_SCALE_MINMAX;
  if (kind) *kind = k;
  if (dopts) *dopts = d;
  if (mopts) *mopts = m;
  if (topts) *topts = t;
  return AW_OK;
}

static cJSON *num_or_null(double x) { return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull(); }

aw_status aw_nn_trainer_stats_json(const aw_nn_trainer *t, aw_buf *out, aw_error *err) {
  if (!t || !out) return aw_error_set(err, AW_ERR_ARG, "stats: NULL argument");
  aw_nn_train_stats s;
  aw_nn_trainer_stats(t, &s);
  const double *ht, *hv;
  size_t n = aw_nn_trainer_history(t, &ht, &hv);
  cJSON *o = cJSON_CreateObject();
  if (!o) return aw_error_set(err, AW_ERR_NOMEM, "stats: out of memory");
  cJSON_AddNumberToObject(o, "epoch", (double)s.epoch);
  cJSON_AddNumberToObject(o, "epochs", (double)s.epochs);
  cJSON_AddNumberToObject(o, "batch", (double)s.batch);
  cJSON_AddNumberToObject(o, "batches_per_epoch", (double)s.batches_per_epoch);
  cJSON_AddNumberToObject(o, "total_batches", (double)s.total_batches);
  cJSON_AddNumberToObject(o, "n_train", (double)s.n_train);
  cJSON_AddNumberToObject(o, "n_val", (double)s.n_val);
  cJSON_AddItemToObject(o, "loss", num_or_null(s.last_batch_loss));
  cJSON_AddItemToObject(o, "epoch_loss", num_or_null(s.epoch_loss));
  cJSON_AddItemToObject(o, "val_loss", num_or_null(s.val_loss));
  cJSON_AddItemToObject(o, "best_loss", num_or_null(s.best_loss));
  cJSON_AddNumberToObject(o, "best_epoch", (double)s.best_epoch);
  cJSON_AddBoolToObject(o, "done", s.done);
  cJSON_AddBoolToObject(o, "stopped_early", s.stopped_early);
  cJSON *h = cJSON_AddObjectToObject(o, "history");
  cJSON *tr = cJSON_AddArrayToObject(h, "train"), *va = cJSON_AddArrayToObject(h, "val");
  for (size_t i = 0; tr && va && i < n; i++) {
    cJSON_AddItemToArray(tr, num_or_null(ht[i]));
    cJSON_AddItemToArray(va, num_or_null(hv[i]));
  }
  char *txt = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!txt) return aw_error_set(err, AW_ERR_NOMEM, "stats: out of memory");
  aw_status st = aw_buf_append(out, txt, strlen(txt));
  cJSON_free(txt);
  return st ? aw_error_set(err, AW_ERR_NOMEM, "stats: out of memory") : AW_OK;
}

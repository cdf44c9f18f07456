/* aw/nn_model.h - the detectors built on the neural-network core: DAM and its ablations, the IBM
 * paper's MLP and GRU autoencoders, the eBPF paper's LSTM autoencoder, and two baselines, with a
 * windowed dataset, a step-wise trainer, scoring, thresholds and model files.
 *
 * Data model. A series is n_steps x n_dims doubles (row-major: x[t * n_dims + j]), one row per
 * time step (fusion produces it; any caller may). Each column belongs to a DAM group: load (CPU,
 * memory, load index), traffic (net tx/rx, file write/read), logs (template number) or other. A
 * dataset scales every column with statistics fitted on the first train_frac of the steps
 * (z-score by default, min-max for the IBM autoencoders) and cuts sliding windows: window i holds
 * steps i .. i+W-1 and its target is step i+W, so there are n_steps - W windows, and the score of
 * window i belongs to time step i+W. Windows whose target lies in the training part are the
 * training windows (the last val_frac of them are held out for validation and early stopping).
 *
 * Models and their scores (one score per window; per-dimension scores are absolute errors):
 *   dam      three LSTMs (one per group, hidden 32) -> Q = concatenated final hidden states,
 *            K = V = concatenated outputs over the window -> scaled dot-product attention ->
 *            one head per group (96 -> 32 -> 8 -> group dims) predicting step i+W; MSE loss;
 *            score = mean absolute error over the predicted dimensions (DAM's absolute error)
 *   dam-a    the same without attention (the heads read Q)
 *   dam-m    the logs group only;  dam-l  the load and traffic groups only
 *   mlp-ae   the IBM paper's MLP autoencoder of the window ending at step i+W (W*dims -> 128 -> 64
 *            -> 14 -> 64 -> 128 -> W*dims; batch norm, LeakyReLU, dropout); score = reconstruction MSE
 *   gru-ae   GRU(16) -> GRU(14) -> last state repeated W times -> GRU(14) -> GRU(16) -> dense(dims)
 *   lstm-ae  the same with LSTM cells (the eBPF paper's detector; threshold = 99.7th percentile of
 *            the training windows' reconstruction loss, aw_nn_model_train_threshold)
 *   naive    predicts the previous value: score = mean |x_{i+W} - x_{i+W-1}| (scaled units)
 *   zscore   score = mean |z| of step i+W (no learning)
 *
 * Training (the browser worker must yield between batches, so training is step-wise):
 *
 *   aw_nn_dataset *ds = aw_nn_dataset_new(x, n, d, &dopts, &err);
 *   aw_nn_model *m = aw_nn_model_new(AW_NN_DAM, ds, &mopts, &err);
 *   aw_nn_trainer *tr = aw_nn_trainer_new(m, ds, &topts, &err);
 *   while (!aw_nn_trainer_done(tr)) {
 *     if (aw_nn_trainer_step(tr, 8, &progress, &err)) break;    // 8 batches, then yield
 *     aw_nn_train_stats st; aw_nn_trainer_stats(tr, &st);       // st.last_batch_loss, ...
 *   }
 *   aw_nn_model_score(m, ds, 0, aw_nn_dataset_windows(ds), scores, NULL, NULL, &err);
 *
 * Determinism: the model's weights start from opts.seed, the shuffling and dropout draw from the
 * trainer's seed; the same dataset and seeds give bit-identical weights natively and in WASM.
 */
#ifndef AW_NN_MODEL_H
#define AW_NN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ dataset */

enum {
  AW_NN_GROUP_LOAD = 0,
  AW_NN_GROUP_TRAFFIC = 1,
  AW_NN_GROUP_LOGS = 2,
  AW_NN_GROUP_OTHER = 3 /* used by the autoencoders and baselines, not by DAM */
};

typedef enum aw_nn_scaling {
  AW_NN_SCALE_ZSCORE = 0, /* (x - mean) / std, population std (ddof 0) */
  AW_NN_SCALE_MINMAX = 1  /* (x - min) / (max - min) */
} aw_nn_scaling;

typedef struct aw_nn_dataset_opts {
  size_t window;            /* W, default 10 */
  double train_frac;        /* fraction of steps the scaling is fitted on, default 0.6 */
  double train_start;       /* where the training part starts, as a fraction of the steps (default 0:
                               the first train_frac of the steps; e.g. 0.5 with train_frac 0.5 trains
                               on the second half, when the anomalies are all in the first) */
  const int *groups;        /* AW_NN_GROUP_* per column (borrowed, copied); NULL: with 8 columns
                               the paper's layout (3 load, 4 traffic, 1 logs), else all "other" */
  const char *const *names; /* column names for error messages (borrowed), may be NULL */
  aw_nn_scaling scaling;    /* default z-score */
  int allow_constant;       /* 0 (default): a column constant on the training part is an error;
                               1: it is scaled by 1 (offset only) */
} aw_nn_dataset_opts;

void aw_nn_dataset_opts_default(aw_nn_dataset_opts *o);

typedef struct aw_nn_dataset aw_nn_dataset;

/* Copies and scales x (n_steps x n_dims). Errors: NaN or infinity (AW_ERR_NUMERIC, naming the
 * step and column), a constant column (AW_ERR_NUMERIC), too few steps for one training window
 * (AW_ERR_RANGE: the training part needs at least W + 2 steps), bad options (AW_ERR_ARG). */
aw_nn_dataset *aw_nn_dataset_new(const double *x, size_t n_steps, size_t n_dims,
                                 const aw_nn_dataset_opts *o, aw_error *err);
void aw_nn_dataset_free(aw_nn_dataset *ds);

size_t aw_nn_dataset_steps(const aw_nn_dataset *ds);
size_t aw_nn_dataset_dims(const aw_nn_dataset *ds);
size_t aw_nn_dataset_window(const aw_nn_dataset *ds);
size_t aw_nn_dataset_train_steps(const aw_nn_dataset *ds);
/* n_steps - W: every window; the first train_steps - W of them are training windows. */
size_t aw_nn_dataset_windows(const aw_nn_dataset *ds);
size_t aw_nn_dataset_train_windows(const aw_nn_dataset *ds);
/* Index of the first training window (and first step of the training part): 0 unless train_start. */
size_t aw_nn_dataset_train_first(const aw_nn_dataset *ds);
/* The scaled series (n_steps x n_dims floats), owned by ds. */
const float *aw_nn_dataset_data(const aw_nn_dataset *ds);
/* Per-column offset and scale: scaled = (x - offset) / scale. Owned by ds. */
const double *aw_nn_dataset_offset(const aw_nn_dataset *ds);
const double *aw_nn_dataset_scale(const aw_nn_dataset *ds);
int aw_nn_dataset_group(const aw_nn_dataset *ds, size_t column);

/* ------------------------------------------------------------------ models */

typedef enum aw_nn_kind {
  AW_NN_DAM = 0,
  AW_NN_DAM_A = 1,
  AW_NN_DAM_M = 2,
  AW_NN_DAM_L = 3,
  AW_NN_MLP_AE = 4,
  AW_NN_GRU_AE = 5,
  AW_NN_LSTM_AE = 6,
  AW_NN_NAIVE = 7,
  AW_NN_ZSCORE = 8
} aw_nn_kind;
#define AW_NN_KIND_COUNT 9

/* "dam", "dam-a", "dam-m", "dam-l", "mlp-ae", "gru-ae", "lstm-ae", "naive", "zscore". */
const char *aw_nn_kind_name(aw_nn_kind k);
aw_status aw_nn_kind_parse(const char *name, aw_nn_kind *out, aw_error *err);

typedef enum aw_nn_score_kind {
  AW_NN_SCORE_DEFAULT = 0, /* MAE for dam*, naive, zscore; MSE for the autoencoders */
  AW_NN_SCORE_MAE = 1,     /* mean absolute error over the window's output elements */
  AW_NN_SCORE_MSE = 2      /* mean squared error (the autoencoders' reconstruction loss) */
} aw_nn_score_kind;

typedef struct aw_nn_model_opts {
  uint64_t seed;        /* weight initialisation, default 42 */
  size_t hidden;        /* DAM: LSTM hidden units per group, default 32 */
  size_t head[2];       /* DAM: hidden sizes of each head, default {32, 8} */
  aw_nn_act head_act;   /* DAM: activation between head layers, default ReLU */
  size_t mlp[3];        /* MLP-AE: 128, 64, 14 */
  float dropout;        /* MLP-AE: dropout probability, default 0.1 */
  aw_nn_act mlp_act;    /* MLP-AE: hidden activation, default LeakyReLU */
  float leaky_slope;    /* LeakyReLU slope (MLP-AE, and DAM heads if chosen), default 0.01 */
  size_t rnn[2];        /* GRU-AE / LSTM-AE: encoder sizes (decoder mirrored), default {16, 14} */
  aw_nn_score_kind score;
} aw_nn_model_opts;

void aw_nn_model_opts_default(aw_nn_model_opts *o);

typedef struct aw_nn_model aw_nn_model;

/* Builds and initialises a model for ds's columns, groups, window and scaling (copied: the model
 * does not keep ds). Errors: a DAM variant whose groups have no columns (AW_ERR_ARG). */
aw_nn_model *aw_nn_model_new(aw_nn_kind kind, const aw_nn_dataset *ds, const aw_nn_model_opts *o,
                             aw_error *err);
void aw_nn_model_free(aw_nn_model *m);

aw_nn_kind aw_nn_model_kind(const aw_nn_model *m);
size_t aw_nn_model_window(const aw_nn_model *m);
size_t aw_nn_model_dims(const aw_nn_model *m);
/* Columns the per-dimension scores refer to (count returned, *cols owned by m). */
size_t aw_nn_model_out_dims(const aw_nn_model *m, const size_t **cols);
/* Trainable parameters (0 for naive and zscore). */
size_t aw_nn_model_param_count(const aw_nn_model *m);
/* FNV-1a 64 of all weights' bits (aw_nn_params_hash). */
uint64_t aw_nn_model_hash(const aw_nn_model *m);
/* The parameter store (read-only use: tests, inspection). */
const aw_nn_params *aw_nn_model_params(const aw_nn_model *m);

/* Scores windows first .. first+count-1 of ds (which must have the model's columns, groups and
 * window). score: count floats; dim_scores (may be NULL): count x out_dims floats, the absolute
 * error of each output dimension (averaged over the window for the autoencoders). Evaluation mode
 * (no dropout, batch-norm running statistics). Reports progress; cancellable. */
aw_status aw_nn_model_score(aw_nn_model *m, const aw_nn_dataset *ds, size_t first, size_t count,
                            float *score, float *dim_scores, const aw_progress *pr, aw_error *err);
/* Scores new raw data with the scaling fitted at training time (stored in the model): x is
 * n_steps x dims; score gets n_steps - W floats (score[i] belongs to step i + W). */
aw_status aw_nn_model_score_series(aw_nn_model *m, const double *x, size_t n_steps, size_t n_dims,
                                   float *score, float *dim_scores, const aw_progress *pr,
                                   aw_error *err);
/* Mean loss (MSE, as in training) over windows first .. first+count-1, evaluation mode. */
aw_status aw_nn_model_loss(aw_nn_model *m, const aw_nn_dataset *ds, size_t first, size_t count,
                           double *loss, aw_error *err);

/* The pct-th percentile (0..100, linear interpolation between order statistics, as numpy's
 * default) of n values; NaN values are an error. */
aw_status aw_nn_percentile(const float *x, size_t n, double pct, double *out, aw_error *err);
/* The eBPF paper's threshold: the pct-th percentile (99.7) of the scores of ds's training
 * windows. */
aw_status aw_nn_model_train_threshold(aw_nn_model *m, const aw_nn_dataset *ds, double pct,
                                      double *threshold, aw_error *err);

/* Model files: "AWNN" magic, format version, a JSON header (kind, options, columns, groups,
 * scaling, tensor names and shapes), little-endian float32 weights, FNV-1a checksum. Loading
 * checks all of it: another format version is AW_ERR_VERSION; a truncated or corrupted file,
 * shapes that do not match the declared model, or a bad checksum is AW_ERR_PARSE naming `file`. */
#define AW_NN_MODEL_FORMAT 1
aw_status aw_nn_model_save(const aw_nn_model *m, aw_buf *out, aw_error *err);
aw_nn_model *aw_nn_model_load(const void *data, size_t len, const char *file, aw_error *err);

/* ------------------------------------------------------------------ training */

typedef struct aw_nn_train_opts {
  size_t epochs;     /* default 50 (the DAM paper's) */
  size_t batch;      /* default 256 */
  float lr;          /* Adam learning rate, default 1e-3 */
  double val_frac;   /* last fraction of the training windows held out, default 0.1 */
  size_t patience;   /* early stopping after this many epochs without improvement, default 5;
                        0 = never stop early */
  double min_delta;  /* improvement needed to reset patience, default 0 */
  int restore_best;  /* at the end, restore the weights of the best epoch, default 1 */
  int shuffle;       /* shuffle the training windows every epoch, default 1 */
  uint64_t seed;     /* shuffling and dropout, default 42 */
} aw_nn_train_opts;

void aw_nn_train_opts_default(aw_nn_train_opts *o);

typedef struct aw_nn_train_stats {
  size_t epoch;              /* completed epochs */
  size_t batch;              /* batches done in the current epoch */
  size_t batches_per_epoch;
  size_t epochs;             /* planned */
  size_t total_batches;      /* batches done since the start */
  size_t n_train, n_val;     /* windows */
  double last_batch_loss;    /* MSE of the latest batch (NaN before the first) */
  double epoch_loss;         /* mean training MSE of the last completed epoch (NaN before) */
  double val_loss;           /* validation MSE after the last completed epoch (NaN if none) */
  double best_loss;          /* best monitored loss (validation, or training without a split) */
  size_t best_epoch;         /* 1-based epoch of best_loss, 0 before the first epoch */
  int done, stopped_early;
} aw_nn_train_stats;

typedef struct aw_nn_trainer aw_nn_trainer;

/* m and ds are borrowed and must outlive the trainer; ds must match the model. A model without
 * trainable parameters (naive, zscore) gives a trainer that is done at once. */
aw_nn_trainer *aw_nn_trainer_new(aw_nn_model *m, const aw_nn_dataset *ds,
                                 const aw_nn_train_opts *o, aw_error *err);
void aw_nn_trainer_free(aw_nn_trainer *t);
/* Trains up to max_batches mini-batches (at the end of an epoch: validation and the early-stopping
 * check). Progress is reported after every batch: fraction of all planned batches, stage "train",
 * or "epoch" after the batch that completed an epoch (the history and validation loss are then
 * updated; read them with aw_nn_trainer_stats / aw_nn_trainer_history);
 * a cancel request returns AW_ERR_CANCELLED after the current batch, leaving the trainer usable.
 * AW_ERR_NUMERIC if the loss becomes NaN or infinite. */
aw_status aw_nn_trainer_step(aw_nn_trainer *t, size_t max_batches, const aw_progress *pr,
                             aw_error *err);
/* Steps until done. */
aw_status aw_nn_trainer_run(aw_nn_trainer *t, const aw_progress *pr, aw_error *err);
int aw_nn_trainer_done(const aw_nn_trainer *t);
void aw_nn_trainer_stats(const aw_nn_trainer *t, aw_nn_train_stats *s);
/* Per-epoch training and validation losses (n = completed epochs; val entries NaN without a
 * split). Owned by the trainer, valid until the next step. */
size_t aw_nn_trainer_history(const aw_nn_trainer *t, const double **train, const double **val);

/* ------------------------------------------------------------------ JSON helpers (specs, worker) */

struct cJSON;

/* Reads the detector options of an analysis spec from a JSON object (borrowed), starting from the
 * defaults: every member is optional, an unknown member or a wrong type is an AW_ERR_PARSE error
 * naming it (so a typo never passes silently). Members:
 *   "method": "dam" | "dam-a" | "dam-m" | "dam-l" | "mlp-ae" | "gru-ae" | "lstm-ae" | "naive" |
 *             "zscore";  "window", "train_frac", "train_start", "scaling": "zscore" | "minmax" (default: minmax
 *             for mlp-ae and gru-ae, as the IBM paper, else zscore),
 *   "allow_constant": bool;  "seed" (model and trainer), "hidden", "head": [32, 8],
 *   "head_act" / "mlp_act": "relu" | "leaky_relu" | "tanh" | "sigmoid" | "identity", "mlp": [128,
 *   64, 14], "dropout", "leaky_slope", "rnn": [16, 14], "score": "mae" | "mse";  "epochs",
 *   "batch", "lr", "val_frac", "patience", "min_delta", "restore_best": bool, "shuffle": bool.
 * Any output pointer may be NULL (its members are then only validated). */
aw_status aw_nn_opts_from_json(const struct cJSON *obj, aw_nn_kind *kind, aw_nn_dataset_opts *dopts,
                               aw_nn_model_opts *mopts, aw_nn_train_opts *topts, aw_error *err);

/* Appends the trainer's state as a JSON object to out: {"epoch", "epochs", "batch",
 * "batches_per_epoch", "total_batches", "n_train", "n_val", "loss" (latest batch),
 * "epoch_loss", "val_loss", "best_loss", "best_epoch", "done", "stopped_early",
 * "history": {"train": [...], "val": [...]}} (NaN as null). For progress messages. */
aw_status aw_nn_trainer_stats_json(const aw_nn_trainer *t, aw_buf *out, aw_error *err);

#ifdef __cplusplus
}
#endif
#endif

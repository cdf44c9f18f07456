/* aw/classify.h - the ADS paper's four supervised classifiers of anomaly type and location
 * (section 4.2, Tables 5-6): k-nearest neighbours, Gaussian naive Bayes, random forest and a linear
 * SVM, with standardisation fitted on the training data, hold-out and k-fold splits, and per-class
 * and macro-averaged precision, recall and F1 with the confusion matrix.
 *
 *   aw_clf_opts o; aw_clf_opts_default(&o);                 // the paper's settings
 *   aw_clf *m = aw_clf_train(AW_CLF_RF, X, y, n, d, nclasses, &o, NULL, &err);
 *   aw_clf_predict(m, Xtest, ntest, pred, &err);
 *   aw_clf_metrics mt; aw_clf_evaluate(ytest, pred, ntest, nclasses, &mt, &err);
 *   aw_clf_free(m); aw_clf_metrics_free(&mt);
 *
 * Data: X is row-major (X[i * d + f]), y holds class indices 0 .. nclasses-1; both borrowed.
 * Every model is a pipeline "StandardScaler then model" (mean and population standard deviation
 * of the training rows; a constant feature keeps scale 1), as scikit-learn's
 * make_pipeline(StandardScaler(), model) does. The settings mirror scikit-learn 1.2's estimators so
 * that results can be compared on the same split (bench/ref_classify.py):
 *  - kNN: k = 5, Euclidean, uniform votes; a tie goes to the lowest class index
 *    (KNeighborsClassifier(n_neighbors=5)).
 *  - Gaussian NB: class priors from frequencies, per-class means and population variances plus
 *    var_smoothing (1e-9) x the largest feature variance (GaussianNB()).
 *  - Random forest: 50 CART trees, Gini, max depth 5, bootstrap samples, floor(sqrt(d)) candidate
 *    features per split (at least that many non-constant ones are examined), thresholds at
 *    midpoints, prediction by averaged leaf class frequencies
 *    (RandomForestClassifier(n_estimators=50, max_depth=5)); randomness from aw_rng (seed).
 *  - Linear SVM: one-vs-rest, L2-regularised squared hinge loss, C = 1, intercept as a regularised
 *    feature of value 1, solved in the dual by coordinate descent (Hsieh et al., ICML 2008,
 *    Algorithm 1: the solver of liblinear behind LinearSVC()), tolerance 1e-4, at most 1000 passes;
 *    predicts the class with the largest decision value.
 */
#ifndef AW_CLASSIFY_H
#define AW_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum aw_clf_kind { AW_CLF_KNN = 0, AW_CLF_NB = 1, AW_CLF_RF = 2, AW_CLF_SVM = 3 } aw_clf_kind;
#define AW_CLF_KINDS 4

/* "knn", "nb", "rf", "svm" and the reverse (0 on success, -1 unknown). */
const char *aw_clf_kind_name(aw_clf_kind k);
int aw_clf_kind_parse(const char *name, aw_clf_kind *out);

typedef struct aw_clf_opts {
  size_t knn_k;             /* 5 */
  double nb_var_smoothing;  /* 1e-9 */
  size_t rf_trees;          /* 50 */
  size_t rf_max_depth;      /* 5 */
  size_t rf_max_features;   /* 0 = floor(sqrt(d)) (at least 1) */
  size_t rf_min_samples_split; /* 2 */
  int rf_bootstrap;         /* 1 */
  double svm_c;             /* 1.0 */
  double svm_tol;           /* 1e-4 */
  size_t svm_max_iter;      /* 1000 */
  int standardize;          /* 1 */
  uint64_t seed;            /* random forest bootstraps and features, SVM visiting order; 0 default */
} aw_clf_opts;

void aw_clf_opts_default(aw_clf_opts *o);

typedef struct aw_clf aw_clf;

/* Trains a model. Rows with NaN or infinite features are refused (AW_ERR_NUMERIC naming the row and
 * feature); labels must lie in [0, nclasses). Returns NULL on error. progress may be NULL. */
aw_clf *aw_clf_train(aw_clf_kind kind, const double *X, const int *y, size_t n, size_t d, size_t nclasses,
                     const aw_clf_opts *o, const aw_progress *progress, aw_error *err);
/* Predicts n rows of X (row-major, the training dimension) into out (caller-owned, n ints). */
aw_status aw_clf_predict(const aw_clf *m, const double *X, size_t n, int *out, aw_error *err);
aw_clf_kind aw_clf_get_kind(const aw_clf *m);
void aw_clf_free(aw_clf *m);

/* ---- features ---- */

/* Window summaries as features (the ADS paper's alternative to the metrics at one time step): for
 * every row t >= window - 1 of a row-major table X (n rows x d metrics), the mean, population
 * standard deviation, minimum, maximum and change (last - first) of each metric over rows
 * t-window+1 .. t. out (caller-owned) gets (n - window + 1) rows of 5 * d values, metric-major
 * (metric f's five values at 5f .. 5f+4). NaN/inf inputs are refused. */
#define AW_CLF_SUMMARIES 5
aw_status aw_clf_window_summaries(const double *X, size_t n, size_t d, size_t window, double *out, aw_error *err);
/* Name of summary s (0..4): "mean", "sd", "min", "max", "delta". */
const char *aw_clf_summary_name(size_t s);

/* ---- splits ---- */

/* Stratified hold-out split: within each class a seeded shuffle, then round(test_fraction x count)
 * rows go to the test set (a class with one row stays in training). train/test are caller arrays
 * of n size_t; the counts are returned; indices come out sorted ascending. */
aw_status aw_clf_split(const int *y, size_t n, size_t nclasses, double test_fraction, uint64_t seed,
                       size_t *train, size_t *n_train, size_t *test, size_t *n_test, aw_error *err);
/* Stratified k-fold: fold[i] in [0, k) for every row (within each class, a seeded shuffle dealt
 * round-robin), so every fold holds about n/k rows of each class. */
aw_status aw_clf_kfold(const int *y, size_t n, size_t nclasses, size_t k, uint64_t seed, size_t *fold, aw_error *err);

/* ---- evaluation ---- */

typedef struct aw_clf_metrics {
  size_t nclasses;
  uint64_t *confusion;  /* nclasses x nclasses, row = true class, column = predicted */
  double *precision;    /* per class; 0 when the class was never predicted */
  double *recall;       /* per class; 0 when the class has no true rows */
  double *f1;           /* per class */
  uint64_t *support;    /* true rows per class */
  double accuracy;
  /* macro averages over the classes that occur in y_true or y_pred (scikit-learn's labels=None) */
  double macro_precision, macro_recall, macro_f1;
  size_t macro_classes;
} aw_clf_metrics;

aw_status aw_clf_evaluate(const int *y_true, const int *y_pred, size_t n, size_t nclasses, aw_clf_metrics *m,
                          aw_error *err);
void aw_clf_metrics_free(aw_clf_metrics *m);

#ifdef __cplusplus
}
#endif
#endif

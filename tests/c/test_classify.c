/* test_classify.c - the four classifiers, splits and metrics: hand-computed cases, separable data,
 * determinism (a pinned hash of seeded predictions, so the WASM runner proves identical bits), and
 * bad input. The comparison with scikit-learn on the same split is tests/sklearn/run.sh. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "aw/classify.h"
#include "aw/math.h"
#include "aw/rng.h"
#include "t.h"

static void test_metrics_by_hand(void) {
  int yt[] = {0, 0, 1, 1, 2, 2}, yp[] = {0, 1, 1, 1, 2, 0};
  aw_clf_metrics m;
  aw_error err;
  T_EQ_INT(aw_clf_evaluate(yt, yp, 6, 4, &m, &err), AW_OK);
  /* confusion rows = truth: [1 1 0 | 0 2 0 | 1 0 1], class 3 never seen */
  T_EQ_INT(m.confusion[0 * 4 + 0], 1);
  T_EQ_INT(m.confusion[0 * 4 + 1], 1);
  T_EQ_INT(m.confusion[1 * 4 + 1], 2);
  T_EQ_INT(m.confusion[2 * 4 + 0], 1);
  T_EQ_INT(m.confusion[2 * 4 + 2], 1);
  T_NEAR(m.precision[0], 0.5, 1e-15);
  T_NEAR(m.recall[0], 0.5, 1e-15);
  T_NEAR(m.precision[1], 2.0 / 3, 1e-15);
  T_NEAR(m.recall[1], 1.0, 1e-15);
  T_NEAR(m.f1[1], 0.8, 1e-15);
  T_NEAR(m.precision[2], 1.0, 1e-15);
  T_NEAR(m.recall[2], 0.5, 1e-15);
  T_NEAR(m.f1[2], 2.0 / 3, 1e-15);
  T_EQ_INT(m.macro_classes, 3); /* class 3 is in neither y_true nor y_pred */
  T_NEAR(m.macro_f1, (0.5 + 0.8 + 2.0 / 3) / 3, 1e-15);
  T_NEAR(m.macro_precision, (0.5 + 2.0 / 3 + 1) / 3, 1e-15);
  T_NEAR(m.accuracy, 4.0 / 6, 1e-15);
  T_EQ_INT(m.support[1], 2);
  aw_clf_metrics_free(&m);
  int bad[] = {0, 9};
  T_EQ_INT(aw_clf_evaluate(yt, bad, 2, 4, &m, &err), AW_ERR_RANGE);
  aw_clf_metrics_free(NULL);
}

static void test_knn_and_nb_by_hand(void) {
  aw_error err;
  aw_clf_opts o;
  aw_clf_opts_default(&o);
  o.standardize = 0;
  o.knn_k = 3;
  double X[] = {0, 1, 2, 10, 11, 12};
  int y[] = {0, 0, 0, 1, 1, 1};
  aw_clf *m = aw_clf_train(AW_CLF_KNN, X, y, 6, 1, 2, &o, NULL, &err);
  T_CHECK(m != NULL);
  double q[] = {1.5, 10.5, 6.5, 5.5};
  int p[4];
  T_EQ_INT(aw_clf_predict(m, q, 4, p, &err), AW_OK);
  T_CHECK(p[0] == 0 && p[1] == 1);
  T_CHECK(p[2] == 1 && p[3] == 0); /* 6.5: neighbours 10, 11, 2 -> 1; 5.5: 2, 1, 10 -> 0 */
  aw_clf_free(m);
  /* a 2-2 tie among 4 neighbours goes to the lowest class index */
  o.knn_k = 4;
  double X2[] = {0, 1, 3, 4};
  int y2[] = {1, 1, 0, 0};
  m = aw_clf_train(AW_CLF_KNN, X2, y2, 4, 1, 2, &o, NULL, &err);
  double q2 = 2;
  T_EQ_INT(aw_clf_predict(m, &q2, 1, p, &err), AW_OK);
  T_EQ_INT(p[0], 0);
  aw_clf_free(m);
  /* Gaussian NB by hand: class 0 ~ {0, 2} (mean 1, var 1, prior 2/5), class 1 ~ {4, 6, 8} (mean
   * 6, var 8/3, prior 3/5); the smoothing 1e-9 x var(all) = 8e-9 is negligible. The difference of
   * the joint log likelihoods, log(2/3) - log(2 pi)/2 + log(2 pi 8/3)/2 - (x-1)^2/2 + 3 (x-6)^2/16
   * = 0.0850 - (x-1)^2/2 + 0.1875 (x-6)^2, changes sign near x = 2.92: 2.85 -> class 0 (+0.145),
   * 3.0 -> class 1 (-0.228) */
  double X3[] = {0, 2, 4, 6, 8};
  int y3[] = {0, 0, 1, 1, 1};
  m = aw_clf_train(AW_CLF_NB, X3, y3, 5, 1, 2, &o, NULL, &err);
  double q3[] = {2.85, 3.0, -50, 50};
  T_EQ_INT(aw_clf_predict(m, q3, 4, p, &err), AW_OK);
  T_EQ_INT(p[0], 0);
  T_EQ_INT(p[1], 1);
  T_EQ_INT(p[2], 1); /* far tails: the wider class wins */
  T_EQ_INT(p[3], 1);
  aw_clf_free(m);
}

/* Gaussian blobs: nclasses centres on a circle of radius `sep` in the first two dimensions. */
static void blobs(aw_rng *r, double *X, int *y, size_t n, size_t d, int C, double sep) {
  for (size_t i = 0; i < n; i++) {
    int c = (int)(i % (size_t)C);
    y[i] = c;
    for (size_t f = 0; f < d; f++) {
      double centre = f == 0 ? sep * aw_cos(AW_TWO_PI * c / C) : f == 1 ? sep * aw_sin(AW_TWO_PI * c / C) : 0;
      X[i * d + f] = centre + aw_rng_normal(r) * (f < 2 ? 1.0 : 3.0);
    }
  }
}

static void test_separable(void) {
  aw_rng r;
  aw_rng_seed(&r, 3);
  enum { N = 300, D = 4, C = 3 };
  static double X[N * D];
  static int y[N];
  blobs(&r, X, y, N, D, C, 12.0);
  aw_error err;
  for (int k = 0; k < AW_CLF_KINDS; k++) {
    aw_clf *m = aw_clf_train((aw_clf_kind)k, X, y, N, D, C, NULL, NULL, &err);
    T_CHECKF(m != NULL, "%s: %s", aw_clf_kind_name((aw_clf_kind)k), err.message);
    if (!m) continue;
    int p[N];
    T_EQ_INT(aw_clf_predict(m, X, N, p, &err), AW_OK);
    int ok = 0;
    for (int i = 0; i < N; i++) ok += p[i] == y[i];
    T_CHECKF(ok >= N - 2, "%s: %d of %d training rows right on well separated blobs", aw_clf_kind_name((aw_clf_kind)k), ok, N);
    T_CHECK(aw_clf_get_kind(m) == (aw_clf_kind)k);
    aw_clf_free(m);
  }
}

static void test_split_and_kfold(void) {
  enum { N = 103 };
  int y[N];
  for (int i = 0; i < N; i++) y[i] = i < 50 ? 0 : i < 100 ? 1 : i < 102 ? 2 : 3; /* class 3: one row */
  size_t tr[N], te[N], ntr, nte;
  aw_error err;
  T_EQ_INT(aw_clf_split(y, N, 4, 0.2, 7, tr, &ntr, te, &nte, &err), AW_OK);
  T_EQ_INT(ntr + nte, N);
  int per[4] = {0};
  for (size_t i = 0; i < nte; i++) per[y[te[i]]]++;
  T_EQ_INT(per[0], 10);
  T_EQ_INT(per[1], 10);
  T_EQ_INT(per[2], 0); /* round(0.4) */
  T_EQ_INT(per[3], 0); /* a single row stays in training */
  for (size_t i = 1; i < nte; i++) T_CHECK(te[i - 1] < te[i]);
  int seen[N] = {0};
  for (size_t i = 0; i < ntr; i++) seen[tr[i]]++;
  for (size_t i = 0; i < nte; i++) seen[te[i]]++;
  for (int i = 0; i < N; i++) T_EQ_INT(seen[i], 1);
  /* the same seed gives the same split, another seed another one */
  size_t te2[N], tr2[N], n2, m2;
  T_EQ_INT(aw_clf_split(y, N, 4, 0.2, 7, tr2, &m2, te2, &n2, &err), AW_OK);
  T_CHECK(n2 == nte && memcmp(te, te2, nte * sizeof *te) == 0);
  T_EQ_INT(aw_clf_split(y, N, 4, 0.2, 8, tr2, &m2, te2, &n2, &err), AW_OK);
  T_CHECK(memcmp(te, te2, nte * sizeof *te) != 0);
  T_EQ_INT(aw_clf_split(y, N, 4, 1.5, 7, tr, &ntr, te, &nte, &err), AW_ERR_ARG);
  /* k-fold: every fold holds 10 rows of classes 0 and 1 */
  size_t fold[N];
  T_EQ_INT(aw_clf_kfold(y, N, 4, 5, 1, fold, &err), AW_OK);
  int cnt[5][4] = {{0}};
  for (int i = 0; i < N; i++) {
    T_CHECK(fold[i] < 5);
    cnt[fold[i]][y[i]]++;
  }
  for (int f = 0; f < 5; f++) T_CHECK(cnt[f][0] == 10 && cnt[f][1] == 10);
  T_EQ_INT(aw_clf_kfold(y, N, 4, 1, 1, fold, &err), AW_ERR_ARG);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

static void test_overlapping_golden(void) {
  /* overlapping blobs: the models disagree, and seeded results must be the same everywhere */
  aw_rng r;
  aw_rng_seed(&r, 11);
  enum { N = 600, D = 6, C = 5 };
  static double X[N * D];
  static int y[N];
  blobs(&r, X, y, N, D, C, 2.5);
  size_t tr[N], te[N], ntr, nte;
  aw_error err;
  T_EQ_INT(aw_clf_split(y, N, C, 0.2, 1, tr, &ntr, te, &nte, &err), AW_OK);
  static double Xa[N * D], Xb[N * D];
  int ya[N], yb[N];
  for (size_t i = 0; i < ntr; i++) {
    memcpy(Xa + i * D, X + tr[i] * D, D * sizeof(double));
    ya[i] = y[tr[i]];
  }
  for (size_t i = 0; i < nte; i++) {
    memcpy(Xb + i * D, X + te[i] * D, D * sizeof(double));
    yb[i] = y[te[i]];
  }
  uint64_t h = 1469598103934665603ull;
  aw_clf_opts o;
  aw_clf_opts_default(&o);
  o.seed = 5;
  for (int k = 0; k < AW_CLF_KINDS; k++) {
    aw_clf *m = aw_clf_train((aw_clf_kind)k, Xa, ya, ntr, D, C, &o, NULL, &err);
    T_CHECK(m != NULL);
    if (!m) continue;
    int p[N], p2[N];
    T_EQ_INT(aw_clf_predict(m, Xb, nte, p, &err), AW_OK);
    aw_clf_metrics mt;
    T_EQ_INT(aw_clf_evaluate(yb, p, nte, C, &mt, &err), AW_OK);
    printf("overlapping blobs: %-3s macro F1 %.4f accuracy %.4f\n", aw_clf_kind_name((aw_clf_kind)k), mt.macro_f1, mt.accuracy);
    T_CHECK(mt.macro_f1 > 0.5 && mt.macro_f1 < 0.99); /* neither trivial nor broken */
    h = fnv(h, p, nte * sizeof *p);
    aw_clf_metrics_free(&mt);
    /* retraining with the same seed reproduces the predictions */
    aw_clf *m2 = aw_clf_train((aw_clf_kind)k, Xa, ya, ntr, D, C, &o, NULL, &err);
    T_EQ_INT(aw_clf_predict(m2, Xb, nte, p2, &err), AW_OK);
    T_CHECK(memcmp(p, p2, nte * sizeof *p) == 0);
    aw_clf_free(m);
    aw_clf_free(m2);
  }
  printf("classify golden hash %016" PRIx64 "\n", h);
  T_CHECKF(h == UINT64_C(0x2054efdcb9f77a33), "golden hash %016" PRIx64, h);
}

static void test_window_summaries(void) {
  /* 2 metrics, 4 rows, window 3: rows 2 and 3 get summaries */
  double X[] = {1, 10, 2, 10, 6, 10, 3, 40};
  double out[2 * 2 * AW_CLF_SUMMARIES];
  aw_error err;
  T_EQ_INT(aw_clf_window_summaries(X, 4, 2, 3, out, &err), AW_OK);
  /* row 2, metric 0: {1, 2, 6}: mean 3, sd sqrt(14/3), min 1, max 6, delta 5 */
  T_CHECK(out[0] == 3 && out[2] == 1 && out[3] == 6 && out[4] == 5);
  T_NEAR(out[1], sqrt(14.0 / 3), 1e-15);
  /* row 2, metric 1: constant 10 */
  T_CHECK(out[5] == 10 && out[6] == 0 && out[7] == 10 && out[8] == 10 && out[9] == 0);
  /* row 3, metric 1: {10, 10, 40}: mean 20, min 10, max 40, delta 30 */
  T_CHECK(out[15] == 20 && out[17] == 10 && out[18] == 40 && out[19] == 30);
  T_STREQ(aw_clf_summary_name(4), "delta");
  T_EQ_INT(aw_clf_window_summaries(X, 4, 2, 5, out, &err), AW_ERR_RANGE);
  X[3] = NAN;
  T_EQ_INT(aw_clf_window_summaries(X, 4, 2, 3, out, &err), AW_ERR_NUMERIC);
}

static void test_bad_input(void) {
  aw_error err;
  double X[] = {0, 1, NAN, 3};
  int y[] = {0, 1, 0, 1};
  T_CHECK(aw_clf_train(AW_CLF_KNN, X, y, 4, 1, 2, NULL, NULL, &err) == NULL);
  T_CONTAINS(err.message, "row 2, feature 0 is NaN");
  double X2[] = {0, 1, 2, 3};
  int y2[] = {0, 1, 5, 1};
  T_CHECK(aw_clf_train(AW_CLF_NB, X2, y2, 4, 1, 2, NULL, NULL, &err) == NULL);
  T_CONTAINS(err.message, "class 5 outside");
  aw_clf_opts o;
  aw_clf_opts_default(&o);
  o.knn_k = 0;
  T_CHECK(aw_clf_train(AW_CLF_KNN, X2, y, 4, 1, 2, &o, NULL, &err) == NULL);
  aw_clf_opts_default(&o);
  o.svm_c = -1;
  T_CHECK(aw_clf_train(AW_CLF_SVM, X2, y, 4, 1, 2, &o, NULL, &err) == NULL);
  T_CHECK(aw_clf_train(AW_CLF_RF, NULL, y, 4, 1, 2, NULL, NULL, &err) == NULL);
  T_CHECK(aw_clf_train((aw_clf_kind)9, X2, y, 4, 1, 2, NULL, NULL, &err) == NULL);
  aw_clf *m = aw_clf_train(AW_CLF_RF, X2, y, 4, 1, 2, NULL, NULL, &err);
  double q[] = {INFINITY};
  int p[1];
  T_EQ_INT(aw_clf_predict(m, q, 1, p, &err), AW_ERR_NUMERIC);
  aw_clf_free(m);
  aw_clf_free(NULL);
  aw_clf_kind k;
  T_EQ_INT(aw_clf_kind_parse("svm", &k), 0);
  T_CHECK(k == AW_CLF_SVM);
  T_EQ_INT(aw_clf_kind_parse("lstm", &k), -1);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_metrics_by_hand);
  T_RUN(test_knn_and_nb_by_hand);
  T_RUN(test_separable);
  T_RUN(test_split_and_kfold);
  T_RUN(test_overlapping_golden);
  T_RUN(test_window_summaries);
  T_RUN(test_bad_input);
  return t_done();
}

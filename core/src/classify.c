/* classify.c - kNN, Gaussian naive Bayes, random forest and linear SVM (see aw/classify.h). */
#include "aw/classify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aw/math.h"
#include "aw/rng.h"

#define CLF_MAX_CLASSES 100000
#define CLF_MAX_FEATURES 100000

const char *aw_clf_kind_name(aw_clf_kind k) {
  switch (k) {
    case AW_CLF_KNN: return "knn";
    case AW_CLF_NB: return "nb";
    case AW_CLF_RF: return "rf";
    case AW_CLF_SVM: return "svm";
  }
  return "unknown";
}

int aw_clf_kind_parse(const char *name, aw_clf_kind *out) {
  if (!name || !out) return -1;
  for (int k = 0; k < AW_CLF_KINDS; k++)
    if (strcmp(name, aw_clf_kind_name((aw_clf_kind)k)) == 0) {
      *out = (aw_clf_kind)k;
      return 0;
    }
  return -1;
}

void aw_clf_opts_default(aw_clf_opts *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->knn_k = 5;
  o->nb_var_smoothing = 1e-9;
  o->rf_trees = 50;
  o->rf_max_depth = 5;
  o->rf_min_samples_split = 2;
  o->rf_bootstrap = 1;
  o->svm_c = 1.0;
  o->svm_tol = 1e-4;
  o->svm_max_iter = 1000;
  o->standardize = 1;
}

/* ------------------------------------------------------------------ model */

typedef struct tnode {
  int feature;       /* -1 for a leaf */
  double threshold;  /* go left when x[feature] <= threshold */
  int left, right;   /* children (indices into the tree's nodes) */
  size_t value;      /* leaf: offset of nclasses probabilities in the tree's value array */
} tnode;

typedef struct tree {
  tnode *nodes;
  size_t n, cap;
  double *value;
  size_t nv, vcap;
} tree;

struct aw_clf {
  aw_clf_kind kind;
  size_t d, nclasses;
  aw_clf_opts o;
  double *mean, *scale; /* standardisation (d each) */
  /* kNN: the standardised training set */
  double *X;
  int *y;
  size_t n;
  /* NB */
  double *theta, *var, *log_prior; /* nclasses x d, nclasses x d, nclasses */
  /* RF */
  tree *trees;
  size_t ntrees;
  /* SVM: nclasses x (d + 1) weights, the last is the bias */
  double *w;
};

void aw_clf_free(aw_clf *m) {
  if (!m) return;
  AW_FREE(m->mean);
  AW_FREE(m->scale);
  AW_FREE(m->X);
  AW_FREE(m->y);
  AW_FREE(m->theta);
  AW_FREE(m->var);
  AW_FREE(m->log_prior);
  if (m->trees)
    for (size_t t = 0; t < m->ntrees; t++) {
      AW_FREE(m->trees[t].nodes);
      AW_FREE(m->trees[t].value);
    }
  AW_FREE(m->trees);
  AW_FREE(m->w);
  AW_FREE(m);
}

aw_clf_kind aw_clf_get_kind(const aw_clf *m) { return m->kind; }

/* ------------------------------------------------------------------ kNN */

static void knn_predict_row(const aw_clf *m, const double *x, size_t k, double *bd, int *bl, size_t *votes, int *out) {
  /* keep the k nearest (ties in distance keep the earlier training row, as a stable sort would) */
  size_t have = 0;
  for (size_t i = 0; i < m->n; i++) {
    const double *r = m->X + i * m->d;
    double s = 0;
    for (size_t f = 0; f < m->d; f++) {
      double e = x[f] - r[f];
      s += e * e;
    }
    if (have < k) {
      size_t p = have++;
      while (p > 0 && bd[p - 1] > s) {
        bd[p] = bd[p - 1];
        bl[p] = bl[p - 1];
        p--;
      }
      bd[p] = s;
      bl[p] = m->y[i];
    } else if (s < bd[k - 1]) {
      size_t p = k - 1;
      while (p > 0 && bd[p - 1] > s) {
        bd[p] = bd[p - 1];
        bl[p] = bl[p - 1];
        p--;
      }
      bd[p] = s;
      bl[p] = m->y[i];
    }
  }
  memset(votes, 0, m->nclasses * sizeof *votes);
  for (size_t t = 0; t < have; t++) votes[bl[t]]++;
  size_t best = 0;
  for (size_t c = 1; c < m->nclasses; c++)
    if (votes[c] > votes[best]) best = c;
  *out = (int)best;
}

/* ------------------------------------------------------------------ Gaussian NB */

static aw_status nb_fit(aw_clf *m, const double *X, const int *y, size_t n, aw_error *err) {
  size_t d = m->d, C = m->nclasses;
  m->theta = aw_calloc_array(C * d, sizeof(double));
  m->var = aw_calloc_array(C * d, sizeof(double));
  m->log_prior = aw_calloc_array(C, sizeof(double));
  double *cnt = aw_calloc_array(C, sizeof(double));
  if (!m->theta || !m->var || !m->log_prior || !cnt) {
    AW_FREE(cnt);
    return aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    cnt[y[i]] += 1;
    for (size_t f = 0; f < d; f++) m->theta[y[i] * d + f] += X[i * d + f];
  }
  for (size_t c = 0; c < C; c++)
    for (size_t f = 0; f < d; f++)
      if (cnt[c] > 0) m->theta[c * d + f] /= cnt[c];
  for (size_t i = 0; i < n; i++)
    for (size_t f = 0; f < d; f++) {
      double e = X[i * d + f] - m->theta[y[i] * d + f];
      m->var[y[i] * d + f] += e * e;
    }
  /* epsilon = var_smoothing x the largest variance of any feature over all training rows */
  double maxvar = 0;
  for (size_t f = 0; f < d; f++) {
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) s += X[i * d + f];
    double mu = s / (double)n;
    for (size_t i = 0; i < n; i++) ss += (X[i * d + f] - mu) * (X[i * d + f] - mu);
    if (ss / (double)n > maxvar) maxvar = ss / (double)n;
  }
  double eps = m->o.nb_var_smoothing * maxvar;
  for (size_t c = 0; c < C; c++) {
    for (size_t f = 0; f < d; f++) m->var[c * d + f] = (cnt[c] > 0 ? m->var[c * d + f] / cnt[c] : 0) + eps;
    m->log_prior[c] = cnt[c] > 0 ? aw_log(cnt[c] / (double)n) : -INFINITY;
  }
  AW_FREE(cnt);
  return AW_OK;
}

static int nb_predict_row(const aw_clf *m, const double *x) {
  size_t d = m->d;
  /* the joint log likelihood of scikit-learn's GaussianNB: log prior - 1/2 sum log(2 pi var)
   * - 1/2 sum (x - theta)^2 / var; classes without training rows are skipped */
  int best = 0;
  double bl = -INFINITY;
  for (size_t c = 0; c < m->nclasses; c++) {
    if (!(m->log_prior[c] > -INFINITY)) continue;
    double a = 0, b = 0;
    for (size_t f = 0; f < d; f++) {
      double v = m->var[c * d + f], e = x[f] - m->theta[c * d + f];
      a += aw_log(AW_TWO_PI * v);
      b += e * e / v;
    }
    double s = m->log_prior[c] - 0.5 * a - 0.5 * b;
    if (s > bl) {
      bl = s;
      best = (int)c;
    }
  }
  return best;
}

/* ------------------------------------------------------------------ random forest (CART) */

#define RF_FEATURE_THRESHOLD 1e-7 /* values closer than this are one value (scikit-learn's) */
#define RF_MAX_DEPTH_LIMIT 64

typedef struct rfctx {
  const double *X;
  const int *y;
  size_t d, C;
  const double *w;      /* per-row bootstrap weight */
  size_t *idx;          /* rows of the current tree (nonzero weight), partitioned in place */
  size_t max_depth, max_features, min_split;
  aw_rng *rng;
  size_t *feat;         /* d feature indices (shuffled per node) */
  size_t *rows, *tmpi;  /* scratch: rows sorted by a feature */
  double *vals, *tmpv;  /* scratch values */
  double *tot, *cl, *cr, *probs; /* class weight sums (C each) */
  tree *t;
} rfctx;

static aw_status tree_push(tree *t, int feature, double thr, const double *probs, size_t C, int *id) {
  if (t->n == t->cap) {
    void *p = t->nodes;
    if (aw_grow(&p, &t->cap, t->n + 1, sizeof(tnode))) return AW_ERR_NOMEM;
    t->nodes = p;
  }
  tnode *nd = &t->nodes[t->n];
  nd->feature = feature;
  nd->threshold = thr;
  nd->left = nd->right = -1;
  nd->value = 0;
  if (probs) {
    if (t->nv + C > t->vcap) {
      void *p = t->value;
      if (aw_grow(&p, &t->vcap, t->nv + C, sizeof(double))) return AW_ERR_NOMEM;
      t->value = p;
    }
    nd->value = t->nv;
    memcpy(t->value + t->nv, probs, C * sizeof(double));
    t->nv += C;
  }
  *id = (int)t->n++;
  return AW_OK;
}

/* Stable bottom-up merge sort of (vals, rows) by vals. */
static void sort_rows(size_t *rows, double *vals, size_t n, size_t *tmpi, double *tmpv) {
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi) {
        if (vals[b] < vals[a]) {
          tmpv[k] = vals[b];
          tmpi[k++] = rows[b++];
        } else {
          tmpv[k] = vals[a];
          tmpi[k++] = rows[a++];
        }
      }
      while (a < mid) {
        tmpv[k] = vals[a];
        tmpi[k++] = rows[a++];
      }
      while (b < hi) {
        tmpv[k] = vals[b];
        tmpi[k++] = rows[b++];
      }
    }
    memcpy(rows, tmpi, n * sizeof *rows);
    memcpy(vals, tmpv, n * sizeof *vals);
  }
}

/* Builds the subtree over rows idx[lo, hi) (CART, Breiman et al. 1984; Gini impurity). */
static aw_status rf_build(rfctx *R, size_t lo, size_t hi, size_t depth, int *id) {
  size_t C = R->C, d = R->d, n = hi - lo;
  double *tot = R->tot, wsum = 0;
  memset(tot, 0, C * sizeof *tot);
  for (size_t i = lo; i < hi; i++) {
    size_t r = R->idx[i];
    tot[R->y[r]] += R->w[r];
    wsum += R->w[r];
  }
  double sq = 0;
  for (size_t c = 0; c < C; c++) sq += (tot[c] / wsum) * (tot[c] / wsum);
  double impurity = 1.0 - sq;
  int best_f = -1;
  double best_thr = 0, best_proxy = -INFINITY;
  if (depth < R->max_depth && n >= R->min_split && impurity > 2.220446049250313e-16) {
    /* shuffle the features; examine them until max_features non-constant ones were seen */
    for (size_t f = 0; f < d; f++) R->feat[f] = f;
    aw_rng_shuffle_size(R->rng, R->feat, d);
    size_t visited = 0;
    for (size_t fi = 0; fi < d && visited < R->max_features; fi++) {
      size_t f = R->feat[fi];
      for (size_t i = 0; i < n; i++) {
        R->rows[i] = R->idx[lo + i];
        R->vals[i] = R->X[R->rows[i] * d + f];
      }
      sort_rows(R->rows, R->vals, n, R->tmpi, R->tmpv);
      if (R->vals[n - 1] <= R->vals[0] + RF_FEATURE_THRESHOLD) continue; /* constant here */
      visited++;
      memset(R->cl, 0, C * sizeof(double));
      memcpy(R->cr, tot, C * sizeof(double));
      double wl = 0, wr = wsum;
      for (size_t p = 1; p < n; p++) {
        size_t r = R->rows[p - 1];
        R->cl[R->y[r]] += R->w[r];
        R->cr[R->y[r]] -= R->w[r];
        wl += R->w[r];
        wr -= R->w[r];
        if (R->vals[p] <= R->vals[p - 1] + RF_FEATURE_THRESHOLD) continue;
        /* maximising sum_c cl^2 / wl + sum_c cr^2 / wr minimises the children's weighted Gini */
        double sl = 0, sr = 0;
        for (size_t c = 0; c < C; c++) {
          sl += R->cl[c] * R->cl[c];
          sr += R->cr[c] * R->cr[c];
        }
        double proxy = sl / wl + sr / wr;
        if (proxy > best_proxy) {
          best_proxy = proxy;
          best_f = (int)f;
          double thr = R->vals[p - 1] / 2.0 + R->vals[p] / 2.0;
          if (thr >= R->vals[p] || !isfinite(thr)) thr = R->vals[p - 1];
          best_thr = thr;
        }
      }
    }
  }
  if (best_f < 0) {
    for (size_t c = 0; c < C; c++) R->probs[c] = tot[c] / wsum;
    return tree_push(R->t, -1, 0, R->probs, C, id) ? AW_ERR_NOMEM : AW_OK;
  }
  /* stable partition: left rows (x <= thr) first */
  size_t nl = 0, k = 0;
  for (size_t i = lo; i < hi; i++)
    if (R->X[R->idx[i] * d + (size_t)best_f] <= best_thr) R->tmpi[nl++] = R->idx[i];
  k = nl;
  for (size_t i = lo; i < hi; i++)
    if (!(R->X[R->idx[i] * d + (size_t)best_f] <= best_thr)) R->tmpi[k++] = R->idx[i];
  memcpy(R->idx + lo, R->tmpi, n * sizeof(size_t));
  if (tree_push(R->t, best_f, best_thr, NULL, C, id)) return AW_ERR_NOMEM;
  int me = *id, l, r;
  aw_status st = rf_build(R, lo, lo + nl, depth + 1, &l);
  if (st) return st;
  if ((st = rf_build(R, lo + nl, hi, depth + 1, &r))) return st;
  R->t->nodes[me].left = l;
  R->t->nodes[me].right = r;
  return AW_OK;
}

static aw_status rf_fit(aw_clf *m, const double *X, const int *y, size_t n, const aw_progress *progress,
                        aw_error *err) {
  size_t d = m->d, C = m->nclasses;
  m->ntrees = m->o.rf_trees;
  m->trees = aw_calloc_array(m->ntrees, sizeof(tree));
  rfctx R;
  memset(&R, 0, sizeof R);
  R.X = X;
  R.y = y;
  R.d = d;
  R.C = C;
  R.max_depth = m->o.rf_max_depth;
  R.min_split = m->o.rf_min_samples_split < 2 ? 2 : m->o.rf_min_samples_split;
  size_t mf = m->o.rf_max_features;
  if (mf == 0) {
    mf = (size_t)floor(sqrt((double)d));
    if (mf < 1) mf = 1;
  }
  R.max_features = mf < d ? mf : d;
  double *w = aw_alloc_array(n, sizeof(double));
  R.idx = aw_alloc_array(n, sizeof(size_t));
  R.feat = aw_alloc_array(d, sizeof(size_t));
  R.rows = aw_alloc_array(n, sizeof(size_t));
  R.tmpi = aw_alloc_array(n, sizeof(size_t));
  R.vals = aw_alloc_array(n, sizeof(double));
  R.tmpv = aw_alloc_array(n, sizeof(double));
  R.tot = aw_alloc_array(4 * C, sizeof(double));
  aw_status st = AW_OK;
  if (!m->trees || !w || !R.idx || !R.feat || !R.rows || !R.tmpi || !R.vals || !R.tmpv || !R.tot) {
    st = aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory for the forest");
    goto done;
  }
  R.cl = R.tot + C;
  R.cr = R.tot + 2 * C;
  R.probs = R.tot + 3 * C;
  R.w = w;
  for (size_t t = 0; t < m->ntrees; t++) {
    aw_rng rng;
    aw_rng_seed_stream(&rng, m->o.seed, t);
    R.rng = &rng;
    R.t = &m->trees[t];
    /* bootstrap: n draws with replacement; the draw counts are the rows' weights */
    if (m->o.rf_bootstrap) {
      for (size_t i = 0; i < n; i++) w[i] = 0;
      for (size_t i = 0; i < n; i++) w[aw_rng_below(&rng, n)] += 1;
    } else {
      for (size_t i = 0; i < n; i++) w[i] = 1;
    }
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
      if (w[i] > 0) R.idx[cnt++] = i;
    int root;
    if (rf_build(&R, 0, cnt, 0, &root)) {
      st = aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory for tree %zu", t);
      goto done;
    }
    if (aw_progress_report(progress, (double)(t + 1) / (double)m->ntrees, "random forest")) {
      st = aw_error_set(err, AW_ERR_CANCELLED, "classify: cancelled");
      goto done;
    }
  }
done:
  AW_FREE(w);
  AW_FREE(R.idx);
  AW_FREE(R.feat);
  AW_FREE(R.rows);
  AW_FREE(R.tmpi);
  AW_FREE(R.vals);
  AW_FREE(R.tmpv);
  AW_FREE(R.tot);
  return st;
}

static int rf_predict_row(const aw_clf *m, const double *x, double *acc) {
  size_t C = m->nclasses;
  for (size_t c = 0; c < C; c++) acc[c] = 0;
  for (size_t t = 0; t < m->ntrees; t++) {
    const tree *T = &m->trees[t];
    int nd = 0;
    while (T->nodes[nd].feature >= 0) nd = x[T->nodes[nd].feature] <= T->nodes[nd].threshold ? T->nodes[nd].left : T->nodes[nd].right;
    const double *p = T->value + T->nodes[nd].value;
    for (size_t c = 0; c < C; c++) acc[c] += p[c];
  }
  size_t best = 0;
  for (size_t c = 1; c < C; c++)
    if (acc[c] > acc[best]) best = c;
  return (int)best;
}

/* ------------------------------------------------------------------ linear SVM */

/* One-vs-rest L2-regularised L2-loss SVM, dual coordinate descent (Hsieh et al. 2008, Alg. 1):
 * min_a 1/2 a'(Q + D)a - e'a, a >= 0, Q_ij = y_i y_j x_i'x_j, D_ii = 1/(2C); w = sum a_i y_i x_i, with
 * the bias as a last feature of value 1 (regularised like liblinear's intercept_scaling = 1). */
static aw_status svm_fit(aw_clf *m, const double *X, const int *y, size_t n, const aw_progress *progress,
                         aw_error *err) {
  size_t d = m->d, C = m->nclasses, D1 = d + 1;
  m->w = aw_calloc_array(C * D1, sizeof(double));
  double *alpha = aw_alloc_array(n, sizeof(double)), *qd = aw_alloc_array(n, sizeof(double));
  size_t *order = aw_alloc_array(n, sizeof(size_t));
  if (!m->w || !alpha || !qd || !order) {
    AW_FREE(alpha);
    AW_FREE(qd);
    AW_FREE(order);
    return aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory for the SVM");
  }
  double diag = 0.5 / m->o.svm_c;
  for (size_t i = 0; i < n; i++) {
    double s = 1.0; /* the bias feature */
    for (size_t f = 0; f < d; f++) s += X[i * d + f] * X[i * d + f];
    qd[i] = s + diag;
  }
  aw_status st = AW_OK;
  for (size_t c = 0; c < C && !st; c++) {
    double *w = m->w + c * D1;
    aw_rng rng;
    aw_rng_seed_stream(&rng, m->o.seed, 1000003 + c);
    for (size_t i = 0; i < n; i++) {
      alpha[i] = 0;
      order[i] = i;
    }
    /* with shrinking (Hsieh et al. 2008, section 3.4): a variable at its bound whose gradient
     * exceeds the last pass's largest projected gradient leaves the active set; when the active set
     * has converged, every variable is checked once more before stopping */
    size_t active = n;
    double pgmax_old = INFINITY; /* (no upper bound for the L2 loss: only the lower side shrinks) */
    for (size_t it = 0; it < m->o.svm_max_iter; it++) {
      aw_rng_shuffle_size(&rng, order, active);
      double pgmax = -INFINITY, pgmin = INFINITY;
      for (size_t t = 0; t < active; t++) {
        size_t i = order[t];
        double yi = y[i] == (int)c ? 1.0 : -1.0;
        const double *xi = X + i * d;
        double dot = w[d];
        for (size_t f = 0; f < d; f++) dot += w[f] * xi[f];
        double G = yi * dot - 1.0 + diag * alpha[i];
        double PG = 0;
        if (alpha[i] == 0) {
          if (G > pgmax_old) {
            active--;
            order[t] = order[active];
            order[active] = i;
            t--;
            continue;
          }
          if (G < 0) PG = G;
        } else {
          PG = G;
        }
        if (PG > pgmax) pgmax = PG;
        if (PG < pgmin) pgmin = PG;
        if (fabs(PG) > 1e-12) {
          double old = alpha[i], a = old - G / qd[i];
          alpha[i] = a > 0 ? a : 0;
          double delta = (alpha[i] - old) * yi;
          for (size_t f = 0; f < d; f++) w[f] += delta * xi[f];
          w[d] += delta;
        }
      }
      if (pgmax - pgmin <= m->o.svm_tol) {
        if (active == n) break;
        active = n;
        pgmax_old = INFINITY;
        continue;
      }
      pgmax_old = pgmax > 0 ? pgmax : INFINITY;
    }
    if (aw_progress_report(progress, (double)(c + 1) / (double)C, "linear SVM"))
      st = aw_error_set(err, AW_ERR_CANCELLED, "classify: cancelled");
  }
  AW_FREE(alpha);
  AW_FREE(qd);
  AW_FREE(order);
  return st;
}

static int svm_predict_row(const aw_clf *m, const double *x) {
  size_t d = m->d, D1 = d + 1;
  int best = 0;
  double bv = -INFINITY;
  for (size_t c = 0; c < m->nclasses; c++) {
    const double *w = m->w + c * D1;
    double s = w[d];
    for (size_t f = 0; f < d; f++) s += w[f] * x[f];
    if (s > bv) {
      bv = s;
      best = (int)c;
    }
  }
  return best;
}

/* ------------------------------------------------------------------ train / predict */

aw_clf *aw_clf_train(aw_clf_kind kind, const double *X, const int *y, size_t n, size_t d, size_t nclasses,
                     const aw_clf_opts *o, const aw_progress *progress, aw_error *err) {
  aw_clf_opts def;
  if (!o) {
    aw_clf_opts_default(&def);
    o = &def;
  }
  if (!X || !y || n == 0 || d == 0) {
    aw_error_set(err, AW_ERR_ARG, "classify: no training data");
    return NULL;
  }
  if (nclasses == 0 || nclasses > CLF_MAX_CLASSES || d > CLF_MAX_FEATURES) {
    aw_error_set(err, AW_ERR_LIMIT, "classify: %zu classes and %zu features (limits %d, %d)", nclasses, d,
                 CLF_MAX_CLASSES, CLF_MAX_FEATURES);
    return NULL;
  }
  if (kind < AW_CLF_KNN || kind > AW_CLF_SVM) {
    aw_error_set(err, AW_ERR_ARG, "classify: unknown model %d", (int)kind);
    return NULL;
  }
  if ((kind == AW_CLF_KNN && o->knn_k == 0) || (kind == AW_CLF_RF && (o->rf_trees == 0 || o->rf_max_depth == 0 ||
                                                                       o->rf_max_depth > RF_MAX_DEPTH_LIMIT)) ||
      (kind == AW_CLF_SVM && !(o->svm_c > 0 && o->svm_tol > 0)) ||
      (kind == AW_CLF_NB && !(o->nb_var_smoothing >= 0))) {
    aw_error_set(err, AW_ERR_ARG, "classify: invalid %s settings (k >= 1, trees >= 1, depth 1..%d, C > 0, tol > 0)",
                 aw_clf_kind_name(kind), RF_MAX_DEPTH_LIMIT);
    return NULL;
  }
  if (n > SIZE_MAX / sizeof(double) / d) {
    aw_error_set(err, AW_ERR_LIMIT, "classify: %zu x %zu values is too large", n, d);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    if (y[i] < 0 || (size_t)y[i] >= nclasses) {
      aw_error_set(err, AW_ERR_RANGE, "classify: row %zu has class %d outside [0, %zu)", i, y[i], nclasses);
      return NULL;
    }
    for (size_t f = 0; f < d; f++)
      if (!isfinite(X[i * d + f]) || fabs(X[i * d + f]) > 1e100) {
        aw_error_set(err, AW_ERR_NUMERIC, "classify: row %zu, feature %zu is %s", i, f,
                     isnan(X[i * d + f]) ? "NaN" : isinf(X[i * d + f]) ? "infinite" : "out of range (beyond 1e100)");
        return NULL;
      }
  }
  aw_clf *m = AW_CALLOC(1, sizeof *m);
  if (!m) {
    aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory");
    return NULL;
  }
  m->kind = kind;
  m->d = d;
  m->nclasses = nclasses;
  m->o = *o;
  m->mean = aw_calloc_array(d, sizeof(double));
  m->scale = aw_alloc_array(d, sizeof(double));
  double *Z = aw_alloc_array(n * d, sizeof(double));
  if (!m->mean || !m->scale || !Z) {
    AW_FREE(Z);
    aw_clf_free(m);
    aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory for %zu x %zu values", n, d);
    return NULL;
  }
  /* StandardScaler: mean and population standard deviation of the training rows */
  for (size_t f = 0; f < d; f++) {
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) s += X[i * d + f];
    double mu = s / (double)n;
    for (size_t i = 0; i < n; i++) ss += (X[i * d + f] - mu) * (X[i * d + f] - mu);
    double sd = sqrt(ss / (double)n);
    m->mean[f] = o->standardize ? mu : 0.0;
    m->scale[f] = (o->standardize && sd > 0) ? sd : 1.0;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t f = 0; f < d; f++) Z[i * d + f] = (X[i * d + f] - m->mean[f]) / m->scale[f];
  aw_status st = AW_OK;
  switch (kind) {
    case AW_CLF_KNN:
      m->X = Z;
      Z = NULL;
      m->n = n;
      m->y = aw_alloc_array(n, sizeof(int));
      if (!m->y) st = aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory");
      else memcpy(m->y, y, n * sizeof(int));
      break;
    case AW_CLF_NB: st = nb_fit(m, Z, y, n, err); break;
    case AW_CLF_RF: st = rf_fit(m, Z, y, n, progress, err); break;
    case AW_CLF_SVM: st = svm_fit(m, Z, y, n, progress, err); break;
  }
  AW_FREE(Z);
  if (st) {
    aw_clf_free(m);
    return NULL;
  }
  return m;
}

aw_status aw_clf_predict(const aw_clf *m, const double *X, size_t n, int *out, aw_error *err) {
  if (!m || (!X && n) || (!out && n)) return aw_error_set(err, AW_ERR_ARG, "classify: predict: bad arguments");
  size_t d = m->d, C = m->nclasses;
  double *z = aw_alloc_array(d, sizeof(double)), *acc = aw_alloc_array(C > m->o.knn_k ? C : m->o.knn_k, sizeof(double));
  int *bl = aw_alloc_array(m->o.knn_k ? m->o.knn_k : 1, sizeof(int));
  size_t *votes = aw_alloc_array(C, sizeof(size_t));
  if (!z || !acc || !bl || !votes) {
    AW_FREE(z);
    AW_FREE(acc);
    AW_FREE(bl);
    AW_FREE(votes);
    return aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory");
  }
  aw_status st = AW_OK;
  for (size_t i = 0; i < n && !st; i++) {
    for (size_t f = 0; f < d; f++) {
      double v = X[i * d + f];
      if (!isfinite(v)) {
        st = aw_error_set(err, AW_ERR_NUMERIC, "classify: row %zu, feature %zu is %s", i, f, isnan(v) ? "NaN" : "infinite");
        break;
      }
      z[f] = (v - m->mean[f]) / m->scale[f];
    }
    if (st) break;
    switch (m->kind) {
      case AW_CLF_KNN: knn_predict_row(m, z, m->o.knn_k < m->n ? m->o.knn_k : m->n, acc, bl, votes, &out[i]); break;
      case AW_CLF_NB: out[i] = nb_predict_row(m, z); break;
      case AW_CLF_RF: out[i] = rf_predict_row(m, z, acc); break;
      case AW_CLF_SVM: out[i] = svm_predict_row(m, z); break;
    }
  }
  AW_FREE(z);
  AW_FREE(acc);
  AW_FREE(bl);
  AW_FREE(votes);
  return st;
}

/* ------------------------------------------------------------------ features */

const char *aw_clf_summary_name(size_t s) {
  static const char *names[AW_CLF_SUMMARIES] = {"mean", "sd", "min", "max", "delta"};
  return s < AW_CLF_SUMMARIES ? names[s] : "unknown";
}

aw_status aw_clf_window_summaries(const double *X, size_t n, size_t d, size_t window, double *out, aw_error *err) {
  if (!X || !out || d == 0) return aw_error_set(err, AW_ERR_ARG, "classify: window summaries: bad arguments");
  if (window == 0 || window > n)
    return aw_error_set(err, AW_ERR_RANGE, "classify: a summary window of %zu rows needs at least that many rows (have %zu)",
                        window, n);
  for (size_t i = 0; i < n * d; i++)
    if (!isfinite(X[i]))
      return aw_error_set(err, AW_ERR_NUMERIC, "classify: row %zu, feature %zu is not a finite number", i / d, i % d);
  for (size_t t = window - 1; t < n; t++) {
    double *o = out + (t - (window - 1)) * AW_CLF_SUMMARIES * d;
    for (size_t f = 0; f < d; f++) {
      double s = 0, lo = INFINITY, hi = -INFINITY;
      for (size_t u = t + 1 - window; u <= t; u++) {
        double v = X[u * d + f];
        s += v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      double mean = s / (double)window, ss = 0;
      for (size_t u = t + 1 - window; u <= t; u++) ss += (X[u * d + f] - mean) * (X[u * d + f] - mean);
      o[5 * f + 0] = mean;
      o[5 * f + 1] = sqrt(ss / (double)window);
      o[5 * f + 2] = lo;
      o[5 * f + 3] = hi;
      o[5 * f + 4] = X[t * d + f] - X[(t + 1 - window) * d + f];
    }
  }
  return AW_OK;
}

/* ------------------------------------------------------------------ splits */

static aw_status check_labels(const int *y, size_t n, size_t nclasses, aw_error *err) {
  if (!y || n == 0) return aw_error_set(err, AW_ERR_ARG, "classify: no rows to split");
  if (nclasses == 0 || nclasses > CLF_MAX_CLASSES) return aw_error_set(err, AW_ERR_LIMIT, "classify: bad class count %zu", nclasses);
  for (size_t i = 0; i < n; i++)
    if (y[i] < 0 || (size_t)y[i] >= nclasses)
      return aw_error_set(err, AW_ERR_RANGE, "classify: row %zu has class %d outside [0, %zu)", i, y[i], nclasses);
  return AW_OK;
}

/* rows of each class, in order: by[start[c] .. start[c+1]) */
static aw_status group_by_class(const int *y, size_t n, size_t C, size_t **by, size_t **start, aw_error *err) {
  *by = aw_alloc_array(n, sizeof(size_t));
  *start = aw_calloc_array(C + 1, sizeof(size_t));
  if (!*by || !*start) {
    AW_FREE(*by);
    AW_FREE(*start);
    return aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory");
  }
  for (size_t i = 0; i < n; i++) (*start)[y[i] + 1]++;
  for (size_t c = 0; c < C; c++) (*start)[c + 1] += (*start)[c];
  size_t *pos = aw_alloc_array(C, sizeof(size_t));
  if (!pos) {
    AW_FREE(*by);
    AW_FREE(*start);
    return aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory");
  }
  memcpy(pos, *start, C * sizeof(size_t));
  for (size_t i = 0; i < n; i++) (*by)[pos[y[i]]++] = i;
  AW_FREE(pos);
  return AW_OK;
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

aw_status aw_clf_split(const int *y, size_t n, size_t nclasses, double test_fraction, uint64_t seed, size_t *train,
                       size_t *n_train, size_t *test, size_t *n_test, aw_error *err) {
  aw_status st = check_labels(y, n, nclasses, err);
  if (st) return st;
  if (!(test_fraction > 0 && test_fraction < 1))
    return aw_error_set(err, AW_ERR_ARG, "classify: the test fraction must be in (0, 1), got %g", test_fraction);
  if (!train || !test || !n_train || !n_test) return aw_error_set(err, AW_ERR_ARG, "classify: split outputs are NULL");
  size_t *by, *start;
  if ((st = group_by_class(y, n, nclasses, &by, &start, err))) return st;
  aw_rng rng;
  aw_rng_seed_stream(&rng, seed, aw_rng_hash("classify split"));
  size_t ntr = 0, nte = 0;
  for (size_t c = 0; c < nclasses; c++) {
    size_t *g = by + start[c], cnt = start[c + 1] - start[c];
    aw_rng_shuffle_size(&rng, g, cnt);
    size_t k = cnt > 1 ? (size_t)floor(test_fraction * (double)cnt + 0.5) : 0;
    if (k >= cnt && cnt > 1) k = cnt - 1;
    for (size_t i = 0; i < cnt; i++) {
      if (i < k) test[nte++] = g[i];
      else train[ntr++] = g[i];
    }
  }
  qsort(train, ntr, sizeof *train, cmp_size);
  qsort(test, nte, sizeof *test, cmp_size);
  *n_train = ntr;
  *n_test = nte;
  AW_FREE(by);
  AW_FREE(start);
  return AW_OK;
}

aw_status aw_clf_kfold(const int *y, size_t n, size_t nclasses, size_t k, uint64_t seed, size_t *fold, aw_error *err) {
  aw_status st = check_labels(y, n, nclasses, err);
  if (st) return st;
  if (k < 2 || k > n) return aw_error_set(err, AW_ERR_ARG, "classify: k-fold needs 2 <= k <= %zu rows, got %zu", n, k);
  if (!fold) return aw_error_set(err, AW_ERR_ARG, "classify: fold is NULL");
  size_t *by, *start;
  if ((st = group_by_class(y, n, nclasses, &by, &start, err))) return st;
  aw_rng rng;
  aw_rng_seed_stream(&rng, seed, aw_rng_hash("classify kfold"));
  size_t deal = 0;
  for (size_t c = 0; c < nclasses; c++) {
    size_t *g = by + start[c], cnt = start[c + 1] - start[c];
    aw_rng_shuffle_size(&rng, g, cnt);
    for (size_t i = 0; i < cnt; i++) fold[g[i]] = (deal++) % k;
  }
  AW_FREE(by);
  AW_FREE(start);
  return AW_OK;
}

/* ------------------------------------------------------------------ evaluation */

void aw_clf_metrics_free(aw_clf_metrics *m) {
  if (!m) return;
  AW_FREE(m->confusion);
  AW_FREE(m->precision);
  AW_FREE(m->recall);
  AW_FREE(m->f1);
  AW_FREE(m->support);
  memset(m, 0, sizeof *m);
}

aw_status aw_clf_evaluate(const int *y_true, const int *y_pred, size_t n, size_t C, aw_clf_metrics *m, aw_error *err) {
  if (!m) return aw_error_set(err, AW_ERR_ARG, "classify: metrics is NULL");
  memset(m, 0, sizeof *m);
  if (!y_true || !y_pred || n == 0) return aw_error_set(err, AW_ERR_ARG, "classify: nothing to evaluate");
  if (C == 0 || C > CLF_MAX_CLASSES) return aw_error_set(err, AW_ERR_LIMIT, "classify: bad class count %zu", C);
  m->nclasses = C;
  m->confusion = aw_calloc_array(C * C, sizeof(uint64_t));
  m->precision = aw_calloc_array(C, sizeof(double));
  m->recall = aw_calloc_array(C, sizeof(double));
  m->f1 = aw_calloc_array(C, sizeof(double));
  m->support = aw_calloc_array(C, sizeof(uint64_t));
  if (!m->confusion || !m->precision || !m->recall || !m->f1 || !m->support) {
    aw_clf_metrics_free(m);
    return aw_error_set(err, AW_ERR_NOMEM, "classify: out of memory");
  }
  uint64_t correct = 0;
  for (size_t i = 0; i < n; i++) {
    if (y_true[i] < 0 || (size_t)y_true[i] >= C || y_pred[i] < 0 || (size_t)y_pred[i] >= C) {
      aw_clf_metrics_free(m);
      return aw_error_set(err, AW_ERR_RANGE, "classify: row %zu has a class outside [0, %zu)", i, C);
    }
    m->confusion[(size_t)y_true[i] * C + (size_t)y_pred[i]]++;
    correct += y_true[i] == y_pred[i];
  }
  m->accuracy = (double)correct / (double)n;
  double sp = 0, sr = 0, sf = 0;
  size_t used = 0;
  for (size_t c = 0; c < C; c++) {
    uint64_t tp = m->confusion[c * C + c], pred = 0, truth = 0;
    for (size_t k = 0; k < C; k++) {
      pred += m->confusion[k * C + c];
      truth += m->confusion[c * C + k];
    }
    m->support[c] = truth;
    double p = pred ? (double)tp / (double)pred : 0, r = truth ? (double)tp / (double)truth : 0;
    m->precision[c] = p;
    m->recall[c] = r;
    m->f1[c] = p + r > 0 ? 2 * p * r / (p + r) : 0;
    if (pred || truth) {
      sp += p;
      sr += r;
      sf += m->f1[c];
      used++;
    }
  }
  m->macro_classes = used;
  m->macro_precision = used ? sp / (double)used : 0;
  m->macro_recall = used ? sr / (double)used : 0;
  m->macro_f1 = used ? sf / (double)used : 0;
  return AW_OK;
}

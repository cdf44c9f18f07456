/* cmd_classify.c - `aw classify`: the ADS paper's four classifiers (kNN, Gaussian NB, random forest,
 * linear SVM) on a labelled CSV, with an 80/20 stratified split (or k-fold, or a test file), printing
 * per-class and macro precision/recall/F1 and the confusion matrix as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/classify.h"
#include "cJSON.h"
#include "cli.h"
#include "csv_rows.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: aw classify --train FILE --label-column L [options]\n"
          "\n"
          "Trains the ADS paper's classifiers of anomaly type/location on labelled rows (features = the\n"
          "numeric columns) and evaluates them; prints JSON (classes, split, and per model: accuracy,\n"
          "macro and per-class precision/recall/F1, confusion matrix).\n"
          "\n"
          "  --train FILE           training CSV with a header\n"
          "  --label-column L       the class label column (text)\n"
          "  --model knn|nb|rf|svm|all   (default all)\n"
          "  --test FILE            evaluate on this file instead of a split of the training file\n"
          "  --features a,b,c       feature columns (default: every numeric column; a time column\n"
          "                         named timestamp/time/date/... is left out)\n"
          "  --test-fraction F      hold-out fraction of a stratified split (default 0.2)\n"
          "  --folds K              stratified K-fold cross-validation instead of the hold-out split\n"
          "  --seed S               split, forest and SVM seed (default 0)\n"
          "  --k N                  kNN neighbours (default 5)\n"
          "  --trees N --depth N    random forest (default 50 trees, depth 5)\n"
          "  --svm-c C              linear SVM regularisation (default 1)\n"
          "  --window W             features = summaries (mean, sd, min, max, delta) of each numeric\n"
          "                         column over the last W rows, labelled with the last row's label\n"
          "                         (the first W-1 rows of each file give no sample; reported)\n"
          "  --no-standardize       skip the standardisation fitted on the training rows\n"
          "  --compact              one-line JSON\n"
          "\n"
          "Models follow scikit-learn 1.2's KNeighborsClassifier(5), GaussianNB(), RandomForestClassifier\n"
          "(50 trees, max_depth 5) and LinearSVC() (one-vs-rest, squared hinge), each after StandardScaler.\n");
}

typedef struct labelled {
  size_t n, d;
  double *X;
  int *y;
} labelled;

/* Replaces the rows' numeric columns by window summaries (aw_clf_window_summaries): row t >= W-1
 * becomes a sample labelled with row t's key. */
static aw_status apply_window(csv_rows *r, size_t W, aw_error *err) {
  if (W > r->n) return aw_error_set(err, AW_ERR_RANGE, "--window %zu is longer than the file (%zu rows)", W, r->n);
  size_t n2 = r->n - W + 1, d2 = r->ncols * AW_CLF_SUMMARIES;
  double *v = aw_alloc_array(n2 * d2, sizeof(double));
  char **names = aw_calloc_array(d2, sizeof(char *));
  if (!v || !names) {
    AW_FREE(v);
    AW_FREE(names);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  aw_status st = aw_clf_window_summaries(r->values, r->n, r->ncols, W, v, err);
  for (size_t f = 0; !st && f < r->ncols; f++)
    for (size_t q = 0; q < AW_CLF_SUMMARIES; q++) {
      const char *sn = aw_clf_summary_name(q);
      size_t len = strlen(r->names[f]) + strlen(sn) + 2;
      names[f * AW_CLF_SUMMARIES + q] = AW_MALLOC(len);
      if (!names[f * AW_CLF_SUMMARIES + q]) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      else snprintf(names[f * AW_CLF_SUMMARIES + q], len, "%s_%s", r->names[f], sn);
    }
  if (st) {
    AW_FREE(v);
    for (size_t j = 0; j < d2; j++) AW_FREE(names[j]);
    AW_FREE(names);
    return st;
  }
  for (size_t t = 0; t < n2; t++) {
    r->key[t] = r->key[t + W - 1];
    r->line[t] = r->line[t + W - 1];
  }
  AW_FREE(r->values);
  r->values = v;
  for (size_t j = 0; j < r->ncols; j++) AW_FREE(r->names[j]);
  AW_FREE(r->names);
  r->names = names;
  r->ncols = d2;
  r->n = n2;
  return AW_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static cJSON *jnum(double v) {
  if (!isfinite(v)) return cJSON_CreateNull();
  char b[AW_FMT_DOUBLE_MAX];
  aw_fmt_double(b, v);
  return cJSON_CreateRaw(b);
}

static cJSON *metrics_json(const aw_clf_metrics *m, char **classes) {
  cJSON *o = cJSON_CreateObject();
  size_t C = m->nclasses;
  cJSON_AddItemToObject(o, "accuracy", jnum(m->accuracy));
  cJSON *mac = cJSON_AddObjectToObject(o, "macro");
  cJSON_AddItemToObject(mac, "precision", jnum(m->macro_precision));
  cJSON_AddItemToObject(mac, "recall", jnum(m->macro_recall));
  cJSON_AddItemToObject(mac, "f1", jnum(m->macro_f1));
  cJSON_AddItemToObject(mac, "classes", jnum((double)m->macro_classes));
  cJSON *pc = cJSON_AddArrayToObject(o, "per_class");
  for (size_t c = 0; c < C; c++) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "class", classes[c]);
    cJSON_AddItemToObject(e, "precision", jnum(m->precision[c]));
    cJSON_AddItemToObject(e, "recall", jnum(m->recall[c]));
    cJSON_AddItemToObject(e, "f1", jnum(m->f1[c]));
    cJSON_AddItemToObject(e, "support", jnum((double)m->support[c]));
    cJSON_AddItemToArray(pc, e);
  }
  cJSON *cm = cJSON_AddArrayToObject(o, "confusion");
  for (size_t a = 0; a < C; a++) {
    cJSON *row = cJSON_CreateArray();
    for (size_t b = 0; b < C; b++) cJSON_AddItemToArray(row, jnum((double)m->confusion[a * C + b]));
    cJSON_AddItemToArray(cm, row);
  }
  return o;
}

/* Gathers rows idx[0..n) of X/y into dense arrays. */
static int gather(const labelled *L, const size_t *idx, size_t n, double **X, int **y) {
  *X = aw_alloc_array((n * L->d) > 0 ? n * L->d : 1, sizeof(double));
  *y = aw_alloc_array(n ? n : 1, sizeof(int));
  if (!*X || !*y) return -1;
  for (size_t i = 0; i < n; i++) {
    memcpy(*X + i * L->d, L->X + idx[i] * L->d, L->d * sizeof(double));
    (*y)[i] = L->y[idx[i]];
  }
  return 0;
}

int aw_cmd_classify(int argc, char **argv) {
  const char *train = NULL, *test = NULL, *label = NULL, *model = "all", *features = NULL;
  double frac = 0.2, svm_c = 1.0;
  size_t folds = 0, k = 5, trees = 50, depth = 5, window = 0;
  unsigned long long seed = 0;
  int standardize = 1, compact = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if ((r = cli_opt_str(argc, argv, &i, "--train", &train)) || (r = cli_opt_str(argc, argv, &i, "--test", &test)) ||
        (r = cli_opt_str(argc, argv, &i, "--label-column", &label)) || (r = cli_opt_str(argc, argv, &i, "--model", &model)) ||
        (r = cli_opt_str(argc, argv, &i, "--features", &features)) ||
        (r = cli_opt_double(argc, argv, &i, "--test-fraction", &frac)) || (r = cli_opt_double(argc, argv, &i, "--svm-c", &svm_c)) ||
        (r = cli_opt_size(argc, argv, &i, "--folds", &folds)) || (r = cli_opt_size(argc, argv, &i, "--k", &k)) ||
        (r = cli_opt_size(argc, argv, &i, "--trees", &trees)) || (r = cli_opt_size(argc, argv, &i, "--depth", &depth)) ||
        (r = cli_opt_size(argc, argv, &i, "--window", &window)) ||
        (r = cli_opt_u64(argc, argv, &i, "--seed", &seed))) {
      if (r < 0) return 2;
      continue;
    }
    if (strcmp(a, "--no-standardize") == 0) standardize = 0;
    else if (strcmp(a, "--compact") == 0) compact = 1;
    else return cli_usage_error("classify", "unknown argument '%s'", a);
  }
  if (!train || !label) return cli_usage_error("classify", "--train and --label-column are required");
  int want[AW_CLF_KINDS] = {0};
  if (strcmp(model, "all") == 0) {
    for (int m = 0; m < AW_CLF_KINDS; m++) want[m] = 1;
  } else {
    aw_clf_kind kd;
    if (aw_clf_kind_parse(model, &kd)) return cli_usage_error("classify", "--model must be knn, nb, rf, svm or all, not '%s'", model);
    want[kd] = 1;
  }
  if (test && folds) return cli_usage_error("classify", "--test and --folds exclude each other");
  if (!test && !folds && !(frac > 0 && frac < 1)) return cli_usage_error("classify", "--test-fraction must be in (0, 1)");
  if (folds == 1) return cli_usage_error("classify", "--folds must be >= 2");

  aw_error err;
  aw_error_clear(&err);
  csv_rows tr, te;
  memset(&tr, 0, sizeof tr);
  memset(&te, 0, sizeof te);
  csv_rows_opts o;
  memset(&o, 0, sizeof o);
  o.key_column = label;
  o.columns = features;
  o.max_keys = 10000;
  aw_status st = csv_rows_read(&tr, train, &o, &err);
  char *colsel = NULL;
  if (!st && tr.n == 0) st = aw_error_at(&err, AW_ERR_PARSE, train, 0, 0, "no data rows");
  if (!st && test) {
    /* the test file must carry the training features (by name) */
    size_t len = 1;
    for (size_t j = 0; j < tr.ncols; j++) len += strlen(tr.names[j]) + 1;
    colsel = AW_MALLOC(len);
    if (!colsel) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
    else {
      colsel[0] = '\0';
      for (size_t j = 0; j < tr.ncols; j++) {
        if (j) strcat(colsel, ",");
        strcat(colsel, tr.names[j]);
      }
      csv_rows_opts ot = o;
      ot.columns = colsel;
      ot.time_column = tr.time_name ? tr.time_name : "";
      st = csv_rows_read(&te, test, &ot, &err);
      if (!st && te.n == 0) st = aw_error_at(&err, AW_ERR_PARSE, test, 0, 0, "no data rows");
    }
  }
  size_t dropped_train = 0, dropped_test = 0;
  if (!st && window > 1) {
    dropped_train = window - 1;
    st = apply_window(&tr, window, &err);
    if (st) aw_error_prefix(&err, "%s", train);
    if (!st && test) {
      dropped_test = window - 1;
      if ((st = apply_window(&te, window, &err))) aw_error_prefix(&err, "%s", test);
    }
  }
  if (st) {
    csv_rows_free(&tr);
    csv_rows_free(&te);
    AW_FREE(colsel);
    return cli_fail(&err);
  }
  /* classes: the labels of both files, sorted (scikit-learn's np.unique order) */
  size_t C = 0;
  char **classes = aw_alloc_array(tr.nkeys + te.nkeys, sizeof(char *));
  for (size_t q = 0; classes && q < tr.nkeys; q++) classes[C++] = tr.keys[q];
  for (size_t q = 0; classes && q < te.nkeys; q++) {
    int seen = 0;
    for (size_t c = 0; c < tr.nkeys && !seen; c++) seen = strcmp(classes[c], te.keys[q]) == 0;
    if (!seen) classes[C++] = te.keys[q];
  }
  if (classes) qsort(classes, C, sizeof *classes, cmp_str);
  labelled L = {tr.n, tr.ncols, tr.values, NULL}, Lt = {te.n, te.ncols, te.values, NULL};
  L.y = aw_alloc_array(tr.n, sizeof(int));
  Lt.y = aw_alloc_array(te.n ? te.n : 1, sizeof(int));
  if (!classes || !L.y || !Lt.y) {
    st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
  } else {
    for (size_t i = 0; i < tr.n; i++)
      for (size_t c = 0; c < C; c++)
        if (strcmp(classes[c], tr.keys[tr.key[i]]) == 0) L.y[i] = (int)c;
    for (size_t i = 0; i < te.n; i++)
      for (size_t c = 0; c < C; c++)
        if (strcmp(classes[c], te.keys[te.key[i]]) == 0) Lt.y[i] = (int)c;
  }
  aw_clf_opts co;
  aw_clf_opts_default(&co);
  co.knn_k = k;
  co.rf_trees = trees;
  co.rf_max_depth = depth;
  co.svm_c = svm_c;
  co.seed = seed;
  co.standardize = standardize;
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "train", train);
  if (test) cJSON_AddStringToObject(root, "test", test);
  else cJSON_AddNullToObject(root, "test");
  cJSON_AddStringToObject(root, "label_column", label);
  cJSON *cl = cJSON_AddArrayToObject(root, "classes");
  for (size_t c = 0; classes && c < C; c++) cJSON_AddItemToArray(cl, cJSON_CreateString(classes[c]));
  cJSON *fe = cJSON_AddArrayToObject(root, "features");
  for (size_t j = 0; j < tr.ncols; j++) cJSON_AddItemToArray(fe, cJSON_CreateString(tr.names[j]));
  cJSON *sk = cJSON_AddArrayToObject(root, "skipped_columns");
  for (size_t j = 0; j < tr.nskipped; j++) cJSON_AddItemToArray(sk, cJSON_CreateString(tr.skipped[j]));
  if (tr.time_name) cJSON_AddStringToObject(root, "time_column", tr.time_name);
  if (window > 1) {
    cJSON *wj = cJSON_AddObjectToObject(root, "window_summaries");
    cJSON_AddItemToObject(wj, "rows", jnum((double)window));
    /* the first window-1 rows of each file only feed the first summary: no sample of their own */
    cJSON_AddItemToObject(wj, "rows_without_sample_train", jnum((double)dropped_train));
    cJSON_AddItemToObject(wj, "rows_without_sample_test", jnum((double)dropped_test));
  }
  cJSON *split = cJSON_AddObjectToObject(root, "split");
  cJSON_AddItemToObject(split, "seed", jnum((double)seed));
  cJSON *models = cJSON_CreateObject();
  size_t n = tr.n;
  size_t *tri = aw_alloc_array(n, sizeof(size_t)), *tei = aw_alloc_array(n, sizeof(size_t)), *fold = NULL;
  size_t ntr = 0, nte = 0;
  if (!st && (!tri || !tei)) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
  if (!st && !test && !folds) {
    st = aw_clf_split(L.y, n, C, frac, seed, tri, &ntr, tei, &nte, &err);
    if (!st && nte == 0) st = aw_error_set(&err, AW_ERR_RANGE, "the hold-out split is empty: too few rows per class");
    if (!st) {
      cJSON_AddStringToObject(split, "method", "holdout");
      cJSON_AddItemToObject(split, "test_fraction", jnum(frac));
      cJSON_AddItemToObject(split, "train_rows", jnum((double)ntr));
      /* 0-based data-row indices of the training file (header excluded): the reference script
       * trains scikit-learn on exactly this split */
      cJSON *tr_idx = cJSON_AddArrayToObject(split, "test_row_indices");
      for (size_t i = 0; i < nte; i++) cJSON_AddItemToArray(tr_idx, jnum((double)tei[i]));
    }
  } else if (!st && folds) {
    fold = aw_alloc_array(n, sizeof(size_t));
    if (!fold) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
    else st = aw_clf_kfold(L.y, n, C, folds, seed, fold, &err);
    if (!st) {
      cJSON_AddStringToObject(split, "method", "kfold");
      cJSON_AddItemToObject(split, "folds", jnum((double)folds));
      cJSON *fa = cJSON_AddArrayToObject(split, "fold_of_row");
      for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(fa, jnum((double)fold[i]));
    }
  } else if (!st) {
    cJSON_AddStringToObject(split, "method", "test-file");
    cJSON_AddItemToObject(split, "train_rows", jnum((double)n));
    cJSON_AddItemToObject(split, "test_rows", jnum((double)te.n));
  }
  for (int mk = 0; mk < AW_CLF_KINDS && !st; mk++) {
    if (!want[mk]) continue;
    aw_clf_kind kind = (aw_clf_kind)mk;
    int *truth = NULL, *pred = NULL;
    size_t ne = 0;
    if (test) {
      aw_clf *m = aw_clf_train(kind, L.X, L.y, n, L.d, C, &co, NULL, &err);
      ne = te.n;
      pred = aw_alloc_array(ne, sizeof(int));
      if (!m) st = err.code;
      else if (!pred) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
      else st = aw_clf_predict(m, Lt.X, ne, pred, &err);
      aw_clf_free(m);
      truth = Lt.y;
    } else if (!folds) {
      double *Xa = NULL, *Xb = NULL;
      int *ya = NULL, *yb = NULL;
      if (gather(&L, tri, ntr, &Xa, &ya) || gather(&L, tei, nte, &Xb, &yb)) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
      aw_clf *m = st ? NULL : aw_clf_train(kind, Xa, ya, ntr, L.d, C, &co, NULL, &err);
      ne = nte;
      pred = aw_alloc_array(ne, sizeof(int));
      if (!st && !m) st = err.code;
      else if (!st && !pred) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
      else if (!st) st = aw_clf_predict(m, Xb, ne, pred, &err);
      aw_clf_free(m);
      AW_FREE(Xa);
      AW_FREE(Xb);
      AW_FREE(ya);
      truth = yb;
      yb = NULL;
    } else {
      /* cross-validated predictions: each row predicted by the model trained without its fold */
      ne = n;
      pred = aw_alloc_array(n, sizeof(int));
      if (!pred) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
      for (size_t f = 0; f < folds && !st; f++) {
        ntr = nte = 0;
        for (size_t i = 0; i < n; i++) {
          if (fold[i] == f) tei[nte++] = i;
          else tri[ntr++] = i;
        }
        double *Xa = NULL, *Xb = NULL;
        int *ya = NULL, *yb = NULL, *pb = aw_alloc_array(nte ? nte : 1, sizeof(int));
        if (!pb || gather(&L, tri, ntr, &Xa, &ya) || gather(&L, tei, nte, &Xb, &yb))
          st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
        aw_clf *m = st ? NULL : aw_clf_train(kind, Xa, ya, ntr, L.d, C, &co, NULL, &err);
        if (!st && !m) st = err.code;
        if (!st) st = aw_clf_predict(m, Xb, nte, pb, &err);
        for (size_t i = 0; !st && i < nte; i++) pred[tei[i]] = pb[i];
        aw_clf_free(m);
        AW_FREE(Xa);
        AW_FREE(Xb);
        AW_FREE(ya);
        AW_FREE(yb);
        AW_FREE(pb);
      }
      truth = L.y;
    }
    if (!st) {
      aw_clf_metrics mt;
      st = aw_clf_evaluate(truth, pred, ne, C, &mt, &err);
      if (!st) {
        cJSON *mj = metrics_json(&mt, classes);
        cJSON_AddItemToObject(models, aw_clf_kind_name(kind), mj);
        aw_clf_metrics_free(&mt);
      }
    }
    if (!test && !folds) AW_FREE(truth);
    AW_FREE(pred);
    if (st) aw_error_prefix(&err, "%s", aw_clf_kind_name(kind));
  }
  cJSON_AddItemToObject(root, "models", models);
  if (!st) {
    char *txt = compact ? cJSON_PrintUnformatted(root) : cJSON_Print(root);
    if (txt) {
      fputs(txt, stdout);
      fputc('\n', stdout);
      free(txt);
    }
  }
  cJSON_Delete(root);
  AW_FREE(tri);
  AW_FREE(tei);
  AW_FREE(fold);
  AW_FREE(L.y);
  AW_FREE(Lt.y);
  AW_FREE(classes);
  AW_FREE(colsel);
  csv_rows_free(&tr);
  csv_rows_free(&te);
  if (st) return cli_fail(&err);
  return 0;
}

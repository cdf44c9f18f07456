/* test_nab.c - NAB scoring against numenta/NAB's own published results: with the thresholds of
 * config/thresholds.json, the normalised scores of results/final_results.json for the numenta,
 * random and null detectors in all three profiles (to 1e-6), and the per-file scores and TP/TN/FP/FN
 * counts of the official scorer's re-run (the CSV files in rerun_scores/); then the threshold optimiser,
 * which must do at least as well as the shipped thresholds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/eval.h"
#include "cJSON.h"
#include "t.h"

typedef struct corpus {
  size_t n;
  aw_nab_file f[64];
  char *names[64];
  double *time[64], *score[64];
} corpus;

static aw_nab_labels *labels;

static void corpus_free(corpus *c) {
  for (size_t i = 0; i < c->n; i++) {
    free(c->names[i]);
    free(c->time[i]);
    free(c->score[i]);
  }
  c->n = 0;
}

static int load_corpus(const char *det, corpus *c) {
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < aw_nab_labels_count(labels); i++) {
    const char *rel = aw_nab_labels_path(labels, i);
    char dp[8192], rp[8192];
    snprintf(dp, sizeof dp, "%s", t_data("nab/data/"));
    strncat(dp, rel, sizeof dp - strlen(dp) - 1);
    const char *slash = strrchr(rel, '/');
    snprintf(rp, sizeof rp, "%snab/results/%s/%.*s/%s_%s", t_data(""), det, (int)(slash - rel), rel, det, slash + 1);
    size_t dl, rl;
    char *dt = t_slurp(dp, &dl), *rt = t_slurp(rp, &rl);
    if (!dt || !rt) {
      fprintf(stderr, "  cannot read %s or %s\n", dp, rp);
      free(dt);
      free(rt);
      return 0;
    }
    aw_error err;
    size_t k = c->n;
    aw_status st = aw_nab_series_from_csv(dt, dl, dp, rt, rl, rp, &c->time[k], &c->score[k], &c->f[k].n, &err);
    free(dt);
    free(rt);
    if (st != AW_OK) {
      fprintf(stderr, "  %s: %s\n", rp, err.message);
      return 0;
    }
    c->names[k] = strdup(rel);
    c->f[k].name = c->names[k];
    c->f[k].time = c->time[k];
    c->f[k].score = c->score[k];
    c->f[k].windows = aw_nab_labels_windows(labels, i, &c->f[k].nwindows);
    c->n++;
  }
  return 1;
}

static cJSON *load_json(const char *rel) {
  size_t n;
  char *t = t_slurp(t_data(rel), &n);
  if (!t) return NULL;
  cJSON *j = cJSON_ParseWithLength(t, n);
  free(t);
  return j;
}

/* One row of a rerun_scores CSV: Detector,Profile,File,Threshold,Score,TP,TN,FP,FN,Total_Count */
typedef struct ref_row {
  char file[256];
  double thr, score;
  unsigned long long tp, tn, fp, fn, total;
} ref_row;

static size_t load_ref_rows(const char *det, const char *prof, ref_row *rows, size_t cap) {
  char rel[256];
  snprintf(rel, sizeof rel, "nab/rerun_scores/%s_%s_scores.csv", det, prof);
  size_t n;
  char *t = t_slurp(t_data(rel), &n);
  if (!t) return 0;
  size_t k = 0;
  char *line = strtok(t, "\n");
  line = strtok(NULL, "\n"); /* header */
  for (; line && k < cap; line = strtok(NULL, "\n")) {
    char d[64], p[64];
    ref_row *r = &rows[k];
    if (strncmp(line, "Totals", 6) == 0) {
      if (sscanf(line, "Totals,,,,%lf,%llu,%llu,%llu,%llu,%llu", &r->score, &r->tp, &r->tn, &r->fp, &r->fn, &r->total) == 6) {
        strcpy(r->file, "Totals");
        k++;
      }
      continue;
    }
    if (sscanf(line, "%63[^,],%63[^,],%255[^,],%lf,%lf,%llu,%llu,%llu,%llu,%llu", d, p, r->file, &r->thr, &r->score, &r->tp,
               &r->tn, &r->fp, &r->fn, &r->total) == 10)
      k++;
  }
  free(t);
  return k;
}

static void test_nab_reproduces_final_results(void) {
  cJSON *thr = load_json("nab/config/thresholds.json"), *fin = load_json("nab/results/final_results.json");
  T_CHECK(thr && fin);
  if (!thr || !fin) return;
  const char *dets[] = {"numenta", "random", "null"};
  const aw_nab_profile *pr = aw_nab_profiles();
  size_t W = aw_nab_labels_total_windows(labels);
  T_EQ_INT(W, 116);
  T_EQ_INT(aw_nab_labels_count(labels), 58);
  double null_raw[AW_NAB_NPROFILES];
  /* the null detector's raw score is the baseline; compute it first */
  corpus c;
  T_CHECK(load_corpus("null", &c));
  for (int p = 0; p < AW_NAB_NPROFILES; p++) {
    double t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(thr, "null"), pr[p].name), "threshold")->valuedouble;
    aw_nab_counts tot;
    aw_error err;
    T_EQ_INT(aw_nab_score_corpus(c.f, c.n, &pr[p], t, &tot, NULL, NULL, &err), AW_OK);
    null_raw[p] = tot.score;
    T_NEAR(null_raw[p], -(double)W * pr[p].fn_weight, 1e-12);
  }
  corpus_free(&c);
  for (int d = 0; d < 3; d++) {
    T_CHECK(load_corpus(dets[d], &c));
    for (int p = 0; p < AW_NAB_NPROFILES; p++) {
      double t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(thr, dets[d]), pr[p].name), "threshold")->valuedouble;
      aw_nab_counts tot, per[64];
      aw_error err;
      T_EQ_INT(aw_nab_score_corpus(c.f, c.n, &pr[p], t, &tot, per, NULL, &err), AW_OK);
      double norm = aw_nab_normalize(tot.score, null_raw[p], (double)W * pr[p].tp_weight);
      double want = cJSON_GetObjectItem(cJSON_GetObjectItem(fin, dets[d]), pr[p].name)->valuedouble;
      T_CHECKF(fabs(norm - want) <= 1e-6, "%s %s: normalised %.10f, final_results.json %.10f", dets[d], pr[p].name, norm,
               want);
      if (getenv("T_VERBOSE"))
        fprintf(stderr, "  %-8s %-19s threshold %.10f raw %12.6f normalised %.10f (NAB %.10f)\n", dets[d], pr[p].name, t,
                tot.score, norm, want);
      /* per file, against the official scorer's re-run */
      ref_row rows[64];
      size_t nr = load_ref_rows(dets[d], pr[p].name, rows, 64);
      T_EQ_INT(nr, 59);
      size_t matched = 0;
      for (size_t r = 0; r < nr; r++) {
        if (strcmp(rows[r].file, "Totals") == 0) {
          T_NEAR(tot.score, rows[r].score, 1e-6);
          T_EQ_INT(tot.tp, rows[r].tp);
          T_EQ_INT(tot.fp, rows[r].fp);
          T_EQ_INT(tot.fn, rows[r].fn);
          T_EQ_INT(tot.tn, rows[r].tn);
          T_EQ_INT(tot.total, rows[r].total);
          continue;
        }
        for (size_t i = 0; i < c.n; i++) {
          if (strcmp(c.names[i], rows[r].file) != 0) continue;
          matched++;
          T_CHECKF(fabs(per[i].score - rows[r].score) <= 1e-9, "%s %s %s: %.12f vs %.12f", dets[d], pr[p].name,
                   rows[r].file, per[i].score, rows[r].score);
          T_CHECK(per[i].tp == rows[r].tp && per[i].tn == rows[r].tn && per[i].fp == rows[r].fp &&
                  per[i].fn == rows[r].fn && per[i].total == rows[r].total);
        }
      }
      T_EQ_INT(matched, 58);
    }
    corpus_free(&c);
  }
  cJSON_Delete(thr);
  cJSON_Delete(fin);
}

static void test_nab_optimizer(void) {
  cJSON *thr = load_json("nab/config/thresholds.json");
  T_CHECK(thr != NULL);
  if (!thr) return;
  const char *dets[] = {"numenta", "random"};
  const aw_nab_profile *pr = aw_nab_profiles();
  for (int d = 0; d < 2; d++) {
    corpus c;
    T_CHECK(load_corpus(dets[d], &c));
    for (int p = 0; p < AW_NAB_NPROFILES; p++) {
      double t0 = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(thr, dets[d]), pr[p].name), "threshold")->valuedouble;
      aw_nab_counts shipped, best, again;
      aw_error err;
      double t;
      T_EQ_INT(aw_nab_score_corpus(c.f, c.n, &pr[p], t0, &shipped, NULL, NULL, &err), AW_OK);
      T_EQ_INT(aw_nab_optimize(c.f, c.n, &pr[p], &t, &best, NULL, &err), AW_OK);
      T_CHECKF(best.score >= shipped.score - 1e-9, "%s %s: optimiser %.6f below shipped %.6f", dets[d], pr[p].name,
               best.score, shipped.score);
      /* the optimiser's score is what scoring at its threshold gives */
      T_EQ_INT(aw_nab_score_corpus(c.f, c.n, &pr[p], t, &again, NULL, NULL, &err), AW_OK);
      T_NEAR(again.score, best.score, 1e-9);
      T_EQ_INT(again.tp, best.tp);
      T_EQ_INT(again.fp, best.fp);
      if (getenv("T_VERBOSE"))
        fprintf(stderr, "  optimiser %-8s %-19s threshold %.12f raw %.6f (shipped %.10f: %.6f)\n", dets[d], pr[p].name, t,
                best.score, t0, shipped.score);
      if (d == 0 && p == 1) {
        T_NEAR(t, 0.543099145074, 5e-13);
        T_NEAR(best.score, 30.6453, 5e-5);
        T_NEAR(shipped.score, 30.4311, 5e-5);
      }
    }
    corpus_free(&c);
  }
  cJSON_Delete(thr);
}

/* Hand-checked small cases of the sweep rules. */
static void test_nab_small_cases(void) {
  const aw_nab_profile *std = &aw_nab_profiles()[0];
  T_NEAR(aw_nab_scaled_sigmoid(0.0), 0.0, 1e-15);
  T_NEAR(aw_nab_scaled_sigmoid(-1.0), 2.0 / (1.0 + exp(-5.0)) - 1.0, 1e-15);
  T_NEAR(aw_nab_scaled_sigmoid(3.0), -1.0, 0);
  T_NEAR(aw_nab_scaled_sigmoid(2.999), 2.0 / (1.0 + exp(5 * 2.999)) - 1.0, 1e-15);
  /* 100 rows, probationary = 15; one window rows 40..49 */
  double tm[100], sc[100];
  for (int i = 0; i < 100; i++) {
    tm[i] = 1000.0 + 60.0 * i;
    sc[i] = 0.0;
  }
  aw_nab_window w = {tm[40], tm[49]};
  aw_nab_file f = {"small", tm, sc, 100, &w, 1};
  aw_nab_counts c;
  double rs[100];
  aw_error err;
  /* nothing detected: -A_FN */
  T_EQ_INT(aw_nab_score_file(&f, std, 0.5, &c, rs, &err), AW_OK);
  T_NEAR(c.score, -1.0, 1e-15);
  T_EQ_INT(c.total, 85);
  T_EQ_INT(c.fn, 10);
  /* detection at the window's first row: the maximum, exactly A_TP */
  sc[40] = 1.0;
  T_EQ_INT(aw_nab_score_file(&f, std, 0.5, &c, rs, &err), AW_OK);
  T_NEAR(c.score, 1.0, 1e-12);
  /* plus a later detection in the window: only the earliest counts */
  sc[45] = 1.0;
  T_EQ_INT(aw_nab_score_file(&f, std, 0.5, &c, NULL, &err), AW_OK);
  T_NEAR(c.score, 1.0, 1e-12);
  T_EQ_INT(c.tp, 2);
  /* detection at the last row of the window: position -1/10 */
  sc[40] = sc[45] = 0.0;
  sc[49] = 1.0;
  T_EQ_INT(aw_nab_score_file(&f, std, 0.5, &c, NULL, &err), AW_OK);
  T_NEAR(c.score, aw_nab_scaled_sigmoid(-0.1) / aw_nab_scaled_sigmoid(-1.0), 1e-12);
  /* a false positive before any window: -A_FP; one 9 rows after the window: sigmoid(9/9 = 1) A_FP */
  sc[49] = 0.0;
  sc[20] = 1.0;
  T_EQ_INT(aw_nab_score_file(&f, std, 0.5, &c, NULL, &err), AW_OK);
  T_NEAR(c.score, -1.0 - 0.11, 1e-12);
  sc[20] = 0.0;
  sc[58] = 1.0;
  T_EQ_INT(aw_nab_score_file(&f, std, 0.5, &c, NULL, &err), AW_OK);
  T_NEAR(c.score, -1.0 + 0.11 * aw_nab_scaled_sigmoid(1.0), 1e-12);
  /* a detection in the probationary period is not scored */
  sc[58] = 0.0;
  sc[10] = 1.0;
  T_EQ_INT(aw_nab_score_file(&f, std, 0.5, &c, NULL, &err), AW_OK);
  T_NEAR(c.score, -1.0, 1e-15);
  /* a window that does not start on a row is an error, not silently ignored */
  aw_nab_window bad = {tm[40] + 1, tm[49]};
  f.windows = &bad;
  T_EQ_INT(aw_nab_score_file(&f, std, 0.5, &c, NULL, &err), AW_ERR_RANGE);
  T_CONTAINS(err.message, "not a row time");
  T_NEAR(aw_nab_normalize(-116, -116, 116), 0.0, 0);
  T_NEAR(aw_nab_normalize(116, -116, 116), 100.0, 0);
  /* labels parser errors */
  aw_nab_labels *l;
  const char *js = "{\"a.csv\": [[\"2014-01-01 00:00:00\", \"2013-01-01 00:00:00\"]]}";
  T_EQ_INT(aw_nab_labels_parse(js, strlen(js), "w.json", &l, &err), AW_ERR_RANGE);
  T_EQ_INT(aw_nab_labels_parse("{\"a\": [", 7, "w.json", &l, &err), AW_ERR_PARSE);
  T_STREQ(err.file, "w.json");
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  size_t n;
  char *js = t_slurp(t_data("nab/labels/combined_windows.json"), &n);
  aw_error err;
  if (!js || aw_nab_labels_parse(js, n, "combined_windows.json", &labels, &err) != AW_OK) {
    fprintf(stderr, "cannot load combined_windows.json: %s\n", js ? err.message : "missing");
    free(js);
    printf("0 passed, 1 failed\n");
    return 1;
  }
  free(js);
  T_RUN(test_nab_small_cases);
  T_RUN(test_nab_reproduces_final_results);
  T_RUN(test_nab_optimizer);
  aw_nab_labels_free(labels);
  return t_done();
}

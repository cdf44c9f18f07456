/* cmd_nab.c - `aw nab`: the Numenta Anomaly Benchmark score of a detector's results. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/eval.h"
#include "cJSON.h"
#include "cli.h"

static const char *NAB_HELP =
    "usage: aw nab --data DIR --labels combined_windows.json --results DIR --detector NAME\n"
    "              (--thresholds thresholds.json | --optimize | --threshold T) [--profiles profiles.json]\n"
    "\n"
    "Scores a detector exactly as numenta/NAB v1.1 does. For every file named in the labels JSON it\n"
    "reads DATA/<dir>/<file> (the row times) and RESULTS/NAME/<dir>/NAME_<file> (its anomaly_score\n"
    "column). Thresholds come from a NAB thresholds.json (NAME -> profile -> threshold), from NAB's\n"
    "optimiser (every distinct score tried, pooled over all files), or one --threshold for all\n"
    "profiles. Profiles default to NAB's three cost matrices (or --profiles, NAB's profiles.json).\n"
    "The null baseline of the normalisation is scored here: no detection at all, as NAB's null detector.\n"
    "\n"
    "Prints JSON: {\"detector\", \"files\", \"windows\", and per profile {\"threshold\", \"raw\",\n"
    "\"normalized\", \"tp\", \"fp\", \"fn\", \"tn\"}}.\n";

#define NAB_MAX_FILE ((size_t)1 << 30)

typedef struct nabfiles {
  size_t n;
  aw_nab_file *f;
  double **time, **score;
} nabfiles;

static void nabfiles_free(nabfiles *c) {
  for (size_t i = 0; i < c->n; i++) {
    free(c->time[i]);
    free(c->score[i]);
  }
  free(c->f);
  free(c->time);
  free(c->score);
}

static char *join3(const char *a, const char *b, const char *c) {
  size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
  char *s = (char *)malloc(n);
  if (s) snprintf(s, n, "%s%s%s", a, b, c);
  return s;
}

static aw_status load_files(const aw_nab_labels *l, const char *data, const char *results, const char *det, nabfiles *c,
                            aw_error *err) {
  size_t n = aw_nab_labels_count(l);
  c->f = (aw_nab_file *)calloc(n ? n : 1, sizeof(aw_nab_file));
  c->time = (double **)calloc(n ? n : 1, sizeof(double *));
  c->score = (double **)calloc(n ? n : 1, sizeof(double *));
  if (!c->f || !c->time || !c->score) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const char *rel = aw_nab_labels_path(l, i);
    const char *slash = strrchr(rel, '/');
    char *dp = join3(data, "/", rel);
    char *dir = (char *)malloc(strlen(rel) + 1);
    if (dir) {
      size_t dl = slash ? (size_t)(slash - rel) : 0;
      memcpy(dir, rel, dl);
      dir[dl] = '\0';
    }
    char *base = join3(det, "_", slash ? slash + 1 : rel);
    char *rd = dir ? join3(results, "/", det) : NULL;
    char *rd2 = rd && dir ? join3(rd, "/", dir) : NULL;
    char *rp = rd2 && base ? join3(rd2, "/", base) : NULL;
    free(dir);
    free(base);
    free(rd);
    free(rd2);
    if (!dp || !rp) {
      free(dp);
      free(rp);
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    }
    char *dt = NULL, *rt = NULL;
    size_t dlen = 0, rlen = 0;
    aw_status st = cli_read_small_file(dp, NAB_MAX_FILE, &dt, &dlen, err);
    if (st == AW_OK) st = cli_read_small_file(rp, NAB_MAX_FILE, &rt, &rlen, err);
    if (st == AW_OK) st = aw_nab_series_from_csv(dt, dlen, dp, rt, rlen, rp, &c->time[i], &c->score[i], &c->f[i].n, err);
    free(dt);
    free(rt);
    free(dp);
    free(rp);
    if (st != AW_OK) return st;
    c->f[i].name = rel;
    c->f[i].time = c->time[i];
    c->f[i].score = c->score[i];
    c->f[i].windows = aw_nab_labels_windows(l, i, &c->f[i].nwindows);
    c->n++;
  }
  return AW_OK;
}

/* profiles.json: {"name": {"CostMatrix": {"tpWeight", "fpWeight", "fnWeight", ...}}, ...} */
static aw_status load_profiles(const char *path, aw_nab_profile *pr, char names[][64], size_t *np, aw_error *err) {
  char *txt;
  size_t len;
  aw_status st = cli_read_small_file(path, 1 << 20, &txt, &len, err);
  if (st != AW_OK) return st;
  cJSON *root = cJSON_ParseWithLength(txt, len);
  free(txt);
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return aw_error_at(err, AW_ERR_PARSE, path, 0, 0, "not a JSON object of profiles");
  }
  *np = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, root) {
    if (*np >= 16) break;
    const cJSON *cm = cJSON_GetObjectItem(it, "CostMatrix");
    const cJSON *tp = cJSON_GetObjectItem(cm, "tpWeight"), *fp = cJSON_GetObjectItem(cm, "fpWeight"),
                *fn = cJSON_GetObjectItem(cm, "fnWeight");
    if (!cJSON_IsNumber(tp) || !cJSON_IsNumber(fp) || !cJSON_IsNumber(fn)) {
      st = aw_error_at(err, AW_ERR_PARSE, path, 0, 0, "profile \"%s\": CostMatrix needs tpWeight, fpWeight, fnWeight",
                       it->string ? it->string : "");
      break;
    }
    snprintf(names[*np], 64, "%s", it->string ? it->string : "");
    pr[*np].name = names[*np];
    pr[*np].tp_weight = tp->valuedouble;
    pr[*np].fp_weight = fp->valuedouble;
    pr[*np].fn_weight = fn->valuedouble;
    (*np)++;
  }
  cJSON_Delete(root);
  return st;
}

int aw_cmd_nab(int argc, char **argv) {
  const char *data = NULL, *labels = NULL, *results = NULL, *det = NULL, *thr_path = NULL, *prof_path = NULL;
  int optimize = 0, have_thr = 0;
  double thr_all = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(NAB_HELP, stdout);
      return 0;
    }
    if (strcmp(argv[i], "--optimize") == 0) { optimize = 1; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--data", &data))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--labels", &labels))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--results", &results))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--detector", &det))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--thresholds", &thr_path))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--profiles", &prof_path))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_double(argc, argv, &i, "--threshold", &thr_all))) { if (r < 0) return 2; have_thr = 1; continue; }
    return cli_usage_error("nab", "unknown argument %s", argv[i]);
  }
  if (!data || !labels || !results || !det)
    return cli_usage_error("nab", "--data, --labels, --results and --detector are required");
  if (optimize + (thr_path != NULL) + have_thr != 1)
    return cli_usage_error("nab", "give exactly one of --thresholds FILE, --optimize, --threshold T");
  if (strchr(det, '/') || strstr(det, "..")) return cli_usage_error("nab", "bad detector name '%s'", det);

  aw_error err;
  aw_error_clear(&err);
  aw_nab_profile prof[16];
  char pnames[16][64];
  size_t np = AW_NAB_NPROFILES;
  memcpy(prof, aw_nab_profiles(), sizeof(aw_nab_profile) * AW_NAB_NPROFILES);
  if (prof_path && load_profiles(prof_path, prof, pnames, &np, &err) != AW_OK) return cli_fail(&err);

  char *txt;
  size_t len;
  if (cli_read_small_file(labels, 64 << 20, &txt, &len, &err) != AW_OK) return cli_fail(&err);
  aw_nab_labels *l = NULL;
  aw_status st = aw_nab_labels_parse(txt, len, labels, &l, &err);
  free(txt);
  if (st != AW_OK) return cli_fail(&err);

  cJSON *thr = NULL;
  if (thr_path) {
    if (cli_read_small_file(thr_path, 16 << 20, &txt, &len, &err) != AW_OK) {
      aw_nab_labels_free(l);
      return cli_fail(&err);
    }
    thr = cJSON_ParseWithLength(txt, len);
    free(txt);
    if (!cJSON_IsObject(cJSON_GetObjectItem(thr, det))) {
      cJSON_Delete(thr);
      aw_nab_labels_free(l);
      aw_error_at(&err, AW_ERR_NOTFOUND, thr_path, 0, 0, "no thresholds for detector \"%s\"", det);
      return cli_fail(&err);
    }
  }
  nabfiles c;
  memset(&c, 0, sizeof c);
  st = load_files(l, data, results, det, &c, &err);
  int rc = 0;
  if (st != AW_OK) {
    rc = cli_fail(&err);
  } else {
    size_t W = aw_nab_labels_total_windows(l);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "detector", det);
    cJSON_AddNumberToObject(root, "files", (double)c.n);
    cJSON_AddNumberToObject(root, "windows", (double)W);
    for (size_t p = 0; p < np && rc == 0; p++) {
      double t = thr_all;
      aw_nab_counts tot, base;
      if (thr) {
        const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(thr, det), prof[p].name), "threshold");
        if (!cJSON_IsNumber(v)) {
          aw_error_at(&err, AW_ERR_NOTFOUND, thr_path, 0, 0, "no threshold for %s / %s", det, prof[p].name);
          rc = cli_fail(&err);
          break;
        }
        t = v->valuedouble;
      }
      if (optimize) st = aw_nab_optimize(c.f, c.n, &prof[p], &t, &tot, NULL, &err);
      else st = aw_nab_score_corpus(c.f, c.n, &prof[p], t, &tot, NULL, NULL, &err);
      /* the null detector: nothing is ever detected */
      if (st == AW_OK) st = aw_nab_score_corpus(c.f, c.n, &prof[p], INFINITY, &base, NULL, NULL, &err);
      if (st != AW_OK) {
        rc = cli_fail(&err);
        break;
      }
      cJSON *o = cJSON_AddObjectToObject(root, prof[p].name);
      cJSON_AddNumberToObject(o, "threshold", t);
      cJSON_AddNumberToObject(o, "raw", tot.score);
      cJSON_AddNumberToObject(o, "normalized", aw_nab_normalize(tot.score, base.score, (double)W * prof[p].tp_weight));
      cJSON_AddNumberToObject(o, "null_raw", base.score);
      cJSON_AddNumberToObject(o, "tp", (double)tot.tp);
      cJSON_AddNumberToObject(o, "fp", (double)tot.fp);
      cJSON_AddNumberToObject(o, "fn", (double)tot.fn);
      cJSON_AddNumberToObject(o, "tn", (double)tot.tn);
    }
    if (rc == 0) {
      char *s = cJSON_Print(root);
      if (s) {
        puts(s);
        free(s);
      }
    }
    cJSON_Delete(root);
  }
  nabfiles_free(&c);
  cJSON_Delete(thr);
  aw_nab_labels_free(l);
  return rc;
}

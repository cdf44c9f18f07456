/* aw detect: DAM-style anomaly detection from the command line. It builds an analysis spec from
 * its options (written to OUTDIR/spec.json: the same run for `aw run` and the page) and runs it
 * through the same code as `aw run`; then writes OUTDIR/scores.csv and OUTDIR/model.awnn and prints
 * a JSON summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aw/nn_model.h"
#include "aw/spec.h"
#include "aw/workspace.h"
#include "cli.h"

static void help(void) {
  printf(
      "usage: aw detect --method M --metrics FILE.csv [--logs FILE.log --log-format FMT] [options] -o OUTDIR\n\n"
      "Detects anomalies in a service's metrics (and logs): fusion of the metrics with Drain template\n"
      "numbers on one time grid (DAM, Chen et al. ICWS 2022), a detector trained on the first part,\n"
      "anomaly scores, a POT threshold (Siffer et al. KDD 2017), and with --labels the point-adjusted and\n"
      "point-wise precision/recall/F1 on the test part.\n\n"
      "  --method M        dam | dam-a | dam-m | dam-l | mlp-ae | gru-ae | lstm-ae | naive | zscore\n"
      "  --metrics FILE    wide CSV with a timestamp column (unix seconds or ISO 8601)\n"
      "  --groups G        DAM's groups, e.g. \"load=cpu,mem,load;traffic=net_tx,net_rx,fs_write,fs_read\"\n"
      "                    (default: the usual names if present); the logs group is the template number\n"
      "  --columns a,b,c   inputs of the other detectors (default: the groups' columns)\n"
      "  --logs FILE       raw log parsed by Drain;  --log-format FMT  its logpai format\n"
      "                    (e.g. \"<Date> <Time> <Level> <Content>\"; without it: plain lines)\n"
      "  --log-options J   more options of the log input as JSON (masks, st, csv_column, ...)\n"
      "  --labels FILE     anomaly windows: CSV start,end[,type,target] (or NAB/Nezha/FIS formats)\n"
      "  --labels-target T only the windows whose target is T;  --labels-column C  a 0/1 column instead\n"
      "  --time-column C   the metrics' time column (default: detected)\n"
      "  --train-frac F    training part (default 0.6)   --window W  (default 10)\n"
      "  --epochs N (default 50)  --batch N (256)  --lr X (1e-3)  --patience N (5)  --seed N (0)\n"
      "  --step S          grid step in seconds (default 1)\n"
      "  --threshold T     pot (default) | percentile (99.7th of training scores) | likelihood\n"
      "  --level L --q Q   POT's initial level (0.98) and risk (1e-3);  --sweep  DAM's q sweep (uses labels)\n"
      "  -o OUTDIR         writes scores.csv (timestamp,score,threshold,alarm), model.awnn, spec.json,\n"
      "                    results.json\n"
      "  --quiet           no progress on stderr\n"
      "Prints JSON: method, epochs, train_seconds, q, threshold, and with labels precision, recall, f1\n"
      "(point-adjusted) and pointwise {precision, recall, f1}.\n");
}

static char *abs_path(const char *p) {
  char *r = realpath(p, NULL);
  if (r) return r;
  size_t n = strlen(p);
  char *d = (char *)malloc(n + 1);
  if (d) memcpy(d, p, n + 1);
  return d;
}

/* "load=cpu,mem;traffic=a,b" -> {"load": ["cpu","mem"], "traffic": ["a","b"]} */
static cJSON *parse_groups(const char *g, aw_error *err) {
  cJSON *o = cJSON_CreateObject();
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", g);
  for (char *part = strtok(buf, ";"); part; part = strtok(NULL, ";")) {
    char *eq = strchr(part, '=');
    if (!eq) {
      cJSON_Delete(o);
      aw_error_set(err, AW_ERR_ARG, "--groups: \"%s\" is not name=col,col", part);
      return NULL;
    }
    *eq = '\0';
    cJSON *arr = cJSON_AddArrayToObject(o, part);
    char *save = NULL;
    for (char *c = strtok_r(eq + 1, ",", &save); c; c = strtok_r(NULL, ",", &save))
      cJSON_AddItemToArray(arr, cJSON_CreateString(c));
  }
  return o;
}

static cJSON *csv_list(const char *s) {
  cJSON *arr = cJSON_CreateArray();
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", s);
  char *save = NULL;
  for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) cJSON_AddItemToArray(arr, cJSON_CreateString(c));
  return arr;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int aw_cmd_detect(int argc, char **argv) {
  const char *method = NULL, *metrics = NULL, *groups = NULL, *columns = NULL, *logs = NULL, *log_format = NULL,
             *log_options = NULL, *labels = NULL, *labels_target = NULL, *labels_column = NULL, *time_column = NULL,
             *threshold = NULL, *outdir = NULL;
  double train_frac = -1, lr = -1, step = -1, level = -1, q = -1;
  unsigned long long window = 0, epochs = 0, batch = 0, patience = 0, seed = 0;
  int have_patience = 0, sweep = 0, quiet = 0;
  for (int i = 1; i < argc; i++) {
    int r = 0;
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help();
      return 0;
    }
    if (!strcmp(a, "--sweep")) { sweep = 1; continue; }
    if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) { quiet = 1; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--method", &method)) || (r = cli_opt_str(argc, argv, &i, "--metrics", &metrics)) ||
        (r = cli_opt_str(argc, argv, &i, "--groups", &groups)) || (r = cli_opt_str(argc, argv, &i, "--columns", &columns)) ||
        (r = cli_opt_str(argc, argv, &i, "--logs", &logs)) || (r = cli_opt_str(argc, argv, &i, "--log-format", &log_format)) ||
        (r = cli_opt_str(argc, argv, &i, "--log-options", &log_options)) ||
        (r = cli_opt_str(argc, argv, &i, "--labels", &labels)) ||
        (r = cli_opt_str(argc, argv, &i, "--labels-target", &labels_target)) ||
        (r = cli_opt_str(argc, argv, &i, "--labels-column", &labels_column)) ||
        (r = cli_opt_str(argc, argv, &i, "--time-column", &time_column)) ||
        (r = cli_opt_str(argc, argv, &i, "--threshold", &threshold)) || (r = cli_opt_str(argc, argv, &i, "-o", &outdir)) ||
        (r = cli_opt_str(argc, argv, &i, "--out", &outdir)) ||
        (r = cli_opt_double(argc, argv, &i, "--train-frac", &train_frac)) ||
        (r = cli_opt_double(argc, argv, &i, "--lr", &lr)) || (r = cli_opt_double(argc, argv, &i, "--step", &step)) ||
        (r = cli_opt_double(argc, argv, &i, "--level", &level)) || (r = cli_opt_double(argc, argv, &i, "--q", &q)) ||
        (r = cli_opt_u64(argc, argv, &i, "--window", &window)) || (r = cli_opt_u64(argc, argv, &i, "--epochs", &epochs)) ||
        (r = cli_opt_u64(argc, argv, &i, "--batch", &batch)) || (r = cli_opt_u64(argc, argv, &i, "--seed", &seed))) {
      if (r < 0) return 2;
      continue;
    }
    if ((r = cli_opt_u64(argc, argv, &i, "--patience", &patience))) {
      if (r < 0) return 2;
      have_patience = 1;
      continue;
    }
    return cli_usage_error("detect", "unknown option %s", a);
  }
  if (!method) return cli_usage_error("detect", "--method is required");
  if (!metrics) return cli_usage_error("detect", "--metrics FILE.csv is required");
  if (!outdir) return cli_usage_error("detect", "-o OUTDIR is required");
  if (log_format && !logs) return cli_usage_error("detect", "--log-format needs --logs");
  aw_error err;
  aw_error_clear(&err);
  aw_status st = AW_OK;
  /* the spec */
  cJSON *spec = cJSON_CreateObject(), *inputs, *steps, *step_o, *p;
  cJSON_AddNumberToObject(spec, "version", AW_SPEC_VERSION);
  cJSON_AddStringToObject(spec, "engine", AW_VERSION);
  cJSON_AddStringToObject(spec, "title", "aw detect");
  cJSON_AddNumberToObject(spec, "seed", (double)seed);
  inputs = cJSON_AddArrayToObject(spec, "inputs");
  char *mp = abs_path(metrics), *lp = logs ? abs_path(logs) : NULL, *bp = labels ? abs_path(labels) : NULL;
  cJSON *in = cJSON_CreateObject();
  cJSON_AddStringToObject(in, "name", "metrics");
  cJSON_AddStringToObject(in, "kind", "csv");
  cJSON_AddStringToObject(in, "path", mp);
  if (time_column) cJSON_AddStringToObject(cJSON_AddObjectToObject(in, "options"), "time_column", time_column);
  cJSON_AddItemToArray(inputs, in);
  if (lp) {
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", "logs");
    cJSON_AddStringToObject(in, "kind", "log");
    cJSON_AddStringToObject(in, "path", lp);
    cJSON *o = NULL;
    if (log_options) {
      o = cJSON_Parse(log_options);
      if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        st = aw_error_set(&err, AW_ERR_ARG, "--log-options: not a JSON object");
        o = NULL;
      }
    }
    if (!o) o = cJSON_CreateObject();
    if (log_format) cJSON_AddStringToObject(o, "log_format", log_format);
    cJSON_AddItemToObject(in, "options", o);
    cJSON_AddItemToArray(inputs, in);
  }
  if (bp) {
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", "labels");
    cJSON_AddStringToObject(in, "kind", "windows");
    cJSON_AddStringToObject(in, "path", bp);
    cJSON_AddItemToArray(inputs, in);
  }
  steps = cJSON_AddArrayToObject(spec, "steps");
  step_o = cJSON_CreateObject();
  cJSON_AddStringToObject(step_o, "id", "detect");
  cJSON_AddStringToObject(step_o, "op", "detect");
  cJSON_AddStringToObject(step_o, "input", "metrics");
  p = cJSON_AddObjectToObject(step_o, "params");
  cJSON_AddStringToObject(p, "method", method);
  if (groups && !st) {
    cJSON *g = parse_groups(groups, &err);
    if (!g) st = err.code;
    else cJSON_AddItemToObject(p, "groups", g);
  }
  if (columns) cJSON_AddItemToObject(p, "columns", csv_list(columns));
  if (lp) cJSON_AddStringToObject(p, "logs", "logs");
  if (bp) cJSON_AddStringToObject(p, "labels", "labels");
  if (labels_target) cJSON_AddStringToObject(p, "labels_target", labels_target);
  if (labels_column) cJSON_AddStringToObject(p, "labels_column", labels_column);
  if (train_frac >= 0) cJSON_AddNumberToObject(p, "train_frac", train_frac);
  if (window) cJSON_AddNumberToObject(p, "window", (double)window);
  if (epochs) cJSON_AddNumberToObject(p, "epochs", (double)epochs);
  if (batch) cJSON_AddNumberToObject(p, "batch", (double)batch);
  if (lr >= 0) cJSON_AddNumberToObject(p, "lr", lr);
  if (have_patience) cJSON_AddNumberToObject(p, "patience", (double)patience);
  if (step >= 0) cJSON_AddNumberToObject(p, "step", step);
  if (threshold || level >= 0 || q >= 0 || sweep) {
    cJSON *t = cJSON_AddObjectToObject(p, "threshold");
    if (threshold) cJSON_AddStringToObject(t, "method", threshold);
    if (level >= 0) cJSON_AddNumberToObject(t, "level", level);
    if (q >= 0) cJSON_AddNumberToObject(t, "q", q);
    if (sweep) cJSON_AddTrueToObject(t, "sweep");
  }
  cJSON_AddItemToArray(steps, step_o);
  free(mp);
  free(lp);
  free(bp);

  aw_spec *sp = NULL;
  aw_ws *ws = NULL;
  cJSON *res = NULL;
  char *text = cJSON_Print(spec);
  char path[8192];
  double t0 = now(), secs = 0;
  if (!st && !text) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
  if (!st) st = aw_spec_parse(text, strlen(text), "aw detect", &sp, &err);
  if (!st && !(ws = aw_ws_new())) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
  if (!st) st = cli_load_inputs(ws, sp, NULL, quiet, &err);
  if (!st) {
    t0 = now();
    st = cli_run_loaded(ws, sp, quiet, &res, &err);
    secs = now() - t0;
  }
  if (!st) st = cli_write_results(outdir, ws, sp, res, &err);
  if (!st) {
    snprintf(path, sizeof path, "%s/spec.json", outdir);
    st = cli_write_file(path, text, strlen(text), &err);
  }
  if (!st) {
    /* scores.csv: exactly timestamp,score,threshold,alarm */
    const aw_table *t = aw_ws_get_table(ws, "detect");
    aw_table *s4 = aw_table_new();
    const char *cols[] = {"score", "threshold", "alarm"};
    if (!t || !s4) st = aw_error_set(&err, AW_ERR_STATE, "no scores");
    if (!st && aw_table_time(t)) st = aw_table_set_time(s4, aw_table_time(t), aw_table_rows(t), &err);
    for (int k = 0; k < 3 && !st; k++)
      st = aw_table_add_column(s4, cols[k], aw_table_column(t, (size_t)aw_table_find(t, cols[k])), aw_table_rows(t), &err);
    aw_buf b = {0};
    if (!st && aw_table_to_csv(s4, 0, &b)) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
    snprintf(path, sizeof path, "%s/scores.csv", outdir);
    if (!st) st = cli_write_file(path, b.data, b.len, &err);
    aw_buf_free(&b);
    aw_table_free(s4);
  }
  if (!st) {
    aw_nn_model *m = (aw_nn_model *)aw_ws_get_object(ws, "detect.model", "nn_model");
    aw_buf b = {0};
    if (m) st = aw_nn_model_save(m, &b, &err);
    snprintf(path, sizeof path, "%s/model.awnn", outdir);
    if (!st && m) st = cli_write_file(path, b.data, b.len, &err);
    aw_buf_free(&b);
  }
  int rc = 0;
  if (st) {
    rc = cli_fail(&err);
  } else {
    const cJSON *r = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(res, "steps"), 0), "result");
    cJSON *sum = cJSON_CreateObject();
    const char *keys[] = {"method", "epochs", "q", NULL};
    for (int k = 0; keys[k]; k++) {
      const cJSON *v = cJSON_GetObjectItem(r, keys[k]);
      if (v) cJSON_AddItemToObject(sum, keys[k], cJSON_Duplicate(v, 1));
    }
    cJSON_AddNumberToObject(sum, "train_seconds", secs);
    const cJSON *tv = cJSON_GetObjectItem(r, "threshold_value");
    cJSON_AddItemToObject(sum, "threshold", tv ? cJSON_Duplicate(tv, 1) : cJSON_CreateNull());
    if (cJSON_GetObjectItem(r, "f1")) {
      const char *pk[] = {"precision", "recall", "f1"};
      for (int k = 0; k < 3; k++) cJSON_AddItemToObject(sum, pk[k], cJSON_Duplicate(cJSON_GetObjectItem(r, pk[k]), 1));
      cJSON *pw = cJSON_AddObjectToObject(sum, "pointwise");
      const cJSON *src = cJSON_GetObjectItem(r, "pointwise");
      for (int k = 0; k < 3; k++) cJSON_AddItemToObject(pw, pk[k], cJSON_Duplicate(cJSON_GetObjectItem(src, pk[k]), 1));
      const cJSON *bq = cJSON_GetObjectItem(r, "sweep_best_q");
      if (bq) {
        cJSON *sw = cJSON_AddObjectToObject(sum, "sweep_uses_labels");
        cJSON_AddItemToObject(sw, "best_q", cJSON_Duplicate(bq, 1));
        cJSON_AddItemToObject(sw, "best_f1", cJSON_Duplicate(cJSON_GetObjectItem(r, "sweep_best_f1"), 1));
      }
    }
    char *out = cJSON_Print(sum);
    if (out) printf("%s\n", out);
    cJSON_free(out);
    cJSON_Delete(sum);
  }
  cJSON_free(text);
  cJSON_Delete(spec);
  cJSON_Delete(res);
  aw_spec_free(sp);
  aw_ws_free(ws);
  return rc;
}

/* test_ops.c - the spec ops end to end on the workspace (what `aw run` and the page execute):
 * log input + templates against the Loghub ground truth, diagnose on the simulator's replicas,
 * pot/evaluate and detect on the simulator's DAM scenario, labels by target, bad params. */
#include "aw/csv.h"
#include "aw/spec.h"
#include "aw/workspace.h"
#include "t.h"

static cJSON *run(aw_ws *ws, const char *json, aw_error *err) {
  aw_spec *s = NULL;
  cJSON *res = NULL;
  aw_error_clear(err);
  if (aw_spec_parse(json, strlen(json), "spec", &s, err) == AW_OK) aw_ws_run(ws, s, NULL, &res, err);
  aw_spec_free(s);
  return res;
}

static aw_status load_file(aw_ws *ws, const char *name, const char *kind, const char *path, const char *opts,
                           aw_error *err) {
  size_t n;
  char *text = t_slurp(path, &n);
  if (!text) return aw_error_set(err, AW_ERR_IO, "cannot read %s", path);
  cJSON *o = opts ? cJSON_Parse(opts) : NULL;
  aw_status st = aw_ws_input_begin(ws, name, kind, name, o, err);
  for (size_t off = 0; !st && off < n; off += 65536) st = aw_ws_input_feed(ws, text + off, n - off < 65536 ? n - off : 65536, err);
  if (!st) st = aw_ws_input_end(ws, NULL, err);
  cJSON_Delete(o);
  free(text);
  return st;
}

typedef struct gt_counts {
  int n[64];
  int rows;
  long col;
} gt_counts;

static aw_status gt_record(void *ud, const aw_csv_record *r, aw_error *err) {
  gt_counts *g = (gt_counts *)ud;
  (void)err;
  if (r->is_header) {
    for (size_t j = 0; j < r->nfields; j++)
      if (r->fields[j].n == 7 && !memcmp(r->fields[j].p, "EventId", 7)) g->col = (long)j;
    return AW_OK;
  }
  if (g->col < 0 || (size_t)g->col >= r->nfields) return AW_OK;
  const aw_csv_field *f = &r->fields[g->col];
  if (f->n > 1 && f->p[0] == 'E') {
    int id = atoi(f->p + 1);
    if (id >= 0 && id < 64) g->n[id]++;
  }
  g->rows++;
  return AW_OK;
}

static const cJSON *step_result(const cJSON *res, int i) {
  return cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(res, "steps"), i), "result");
}

/* HDFS_2k with its Loghub settings: the log kind + templates op give Drain's 14 events of the
 * ground truth as 14 templates with the ground truth's counts (published Drain GA on HDFS: 0.998). */
static void test_log_templates(void) {
  aw_error err;
  aw_ws *ws = aw_ws_new();
  T_EQ_INT(load_file(ws, "hdfs", "log", t_data("loghub2k/HDFS/HDFS_2k.log"),
                     "{\"log_format\":\"<Date> <Time> <Pid> <Level> <Component>: <Content>\",\"masks\":[\"blk_-?\\\\d+\","
                     "\"(\\\\d+\\\\.){3}\\\\d+(:\\\\d+)?\"],\"st\":0.5,\"depth\":4}",
                     &err),
           AW_OK);
  const cJSON *info = aw_ws_input_info(ws, "hdfs");
  T_EQ_INT(cJSON_GetObjectItem(info, "parsed")->valueint, 2000);
  T_EQ_INT(cJSON_GetObjectItem(info, "unmatched")->valueint, 0);
  cJSON *res = run(ws, "{\"version\":1,\"inputs\":[{\"name\":\"hdfs\",\"kind\":\"log\"}],\"steps\":[{\"id\":\"t\",\"op\":\"templates\","
                       "\"input\":\"hdfs\",\"params\":{\"buckets\":4}},{\"id\":\"l\",\"op\":\"log_lines\",\"input\":\"hdfs\","
                       "\"params\":{\"template\":1,\"limit\":3}}]}",
                   &err);
  T_CHECKF(res != NULL, "%s", err.message);
  const cJSON *t = step_result(res, 0);
  T_EQ_INT(cJSON_GetObjectItem(t, "lines")->valueint, 2000);
  /* the ground truth's event counts (EventId per line of HDFS_2k.log_structured.csv), most frequent
   * first */
  gt_counts gc = {{0}, 0, -1};
  size_t n = 0;
  char *gt = t_slurp(t_data("loghub2k/HDFS/HDFS_2k.log_structured.csv"), &n);
  T_CHECK(gt != NULL);
  aw_csv *rd = aw_csv_new(NULL, gt_record, NULL, &gc, &err);
  if (gt) aw_csv_feed(rd, gt, n, &err);
  aw_csv_finish(rd, &err);
  aw_csv_free(rd);
  free(gt);
  int counts[64], nc = 0, total = 0;
  for (int i = 0; i < 64; i++)
    if (gc.n[i]) counts[nc++] = gc.n[i], total += gc.n[i];
  T_EQ_INT(total, 2000);
  T_EQ_INT(nc, 14);
  const cJSON *arr = cJSON_GetObjectItem(t, "templates");
  /* Drain's default settings split one ground-truth event (published GA 0.998): the largest
   * events must match exactly */
  int ours[64], no = 0;
  for (const cJSON *c = arr->child; c && no < 64; c = c->next) ours[no++] = cJSON_GetObjectItem(c, "count")->valueint;
  /* sort the ground truth descending */
  for (int i = 1; i < nc; i++)
    for (int j = i; j > 0 && counts[j] > counts[j - 1]; j--) {
      int x = counts[j];
      counts[j] = counts[j - 1];
      counts[j - 1] = x;
    }
  for (int i = 0; i < 5; i++) T_EQ_INT(ours[i], counts[i]);
  const cJSON *spark = cJSON_GetObjectItem(arr->child, "spark");
  int ssum = 0;
  for (const cJSON *c = spark->child; c; c = c->next) ssum += c->valueint;
  T_EQ_INT(ssum, ours[0]);
  const cJSON *l = step_result(res, 1);
  T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(l, "lines")), 3);
  cJSON_Delete(res);
  /* a mask that does not compile: the message names the mask and the position */
  T_EQ_INT(load_file(ws, "bad", "log", t_data("loghub2k/HDFS/HDFS_2k.log"), "{\"masks\":[\"ok\",\"a(b\"]}", &err),
           AW_ERR_PARSE);
  T_CONTAINS(err.message, "options.masks[1]");
  T_CHECK(aw_ws_input_info(ws, "hdfs") != NULL);
  aw_ws_free(ws);
}

static void test_diagnose_replicas(void) {
  aw_error err;
  aw_ws *ws = aw_ws_new();
  cJSON *res = run(ws,
                   "{\"version\":1,\"seed\":11,\"inputs\":[{\"name\":\"r\",\"kind\":\"synth\",\"params\":{\"preset\":\"replicas\"}}],"
                   "\"steps\":[{\"id\":\"s\",\"op\":\"diagnose\",\"input\":\"r\",\"params\":{\"sliding\":true,\"step\":30}},"
                   "{\"id\":\"d\",\"op\":\"diagnose\",\"input\":\"r\",\"params\":{\"window\":20,\"mode\":\"independent\"}}]}",
                   &err);
  T_CHECKF(res != NULL, "%s", err.message);
  const cJSON *info = cJSON_GetArrayItem(cJSON_GetObjectItem(res, "inputs"), 0);
  int faulty = cJSON_GetObjectItem(info, "faulty_replica")->valueint;
  const cJSON *counts = cJSON_GetObjectItem(step_result(res, 0), "suspect_counts");
  char name[32];
  snprintf(name, sizeof name, "replica%d", faulty);
  /* over the sliding windows, the faulty replica is the one named most often */
  int best = 0;
  const char *best_name = "";
  for (const cJSON *c = counts->child; c; c = c->next)
    if (c->valueint > best) best = c->valueint, best_name = c->string;
  T_STREQ(best_name, name);
  T_CHECK(aw_ws_get_table(ws, "s") != NULL);
  const cJSON *d = step_result(res, 1);
  T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(d, "matrix")), 3);
  cJSON_Delete(res);
  /* a single replica column is a clear error */
  res = run(ws, "{\"version\":1,\"inputs\":[{\"name\":\"r\",\"kind\":\"loaded\"}],\"steps\":[{\"id\":\"x\",\"op\":\"diagnose\","
                "\"input\":\"r\",\"params\":{\"columns\":[\"replica1.cpu_utilization\"]}}]}",
            &err);
  T_CHECK(res == NULL);
  T_CONTAINS(err.message, "replica");
  aw_ws_free(ws);
}

static void test_pot_detect_dam_scenario(void) {
  aw_error err;
  aw_ws *ws = aw_ws_new();
  cJSON *res = run(ws,
                   "{\"version\":1,\"seed\":3,\"inputs\":[{\"name\":\"s\",\"kind\":\"synth\",\"params\":{\"preset\":\"dam-service\","
                   "\"load\":{\"duration_s\":14400}}}],\"steps\":["
                   "{\"id\":\"p\",\"op\":\"pot\",\"input\":\"s\",\"params\":{\"column\":\"cpu\",\"stream\":true,\"init\":2000,"
                   "\"drift\":10,\"labels_column\":\"anomaly\"}},"
                   "{\"id\":\"e\",\"op\":\"evaluate\",\"input\":\"p\",\"params\":{\"labels_column\":\"alarm\"}},"
                   "{\"id\":\"naive\",\"op\":\"detect\",\"input\":\"s\",\"params\":{\"method\":\"naive\",\"logs\":\"s.logs\","
                   "\"labels_column\":\"anomaly\"}},"
                   "{\"id\":\"dam\",\"op\":\"detect\",\"input\":\"s\",\"params\":{\"method\":\"dam\",\"logs\":\"s.logs\","
                   "\"labels_column\":\"anomaly\",\"epochs\":2,\"threshold\":{\"sweep\":true}}}]}",
                   &err);
  T_CHECKF(res != NULL, "%s", err.message);
  if (!res) {
    aw_ws_free(ws);
    return;
  }
  const cJSON *p = step_result(res, 0);
  T_CHECK(cJSON_GetObjectItem(p, "alarms")->valueint > 0);
  T_CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "evaluation"), "point_adjusted") != NULL);
  /* evaluating the alarms against themselves is perfect */
  T_NEAR(cJSON_GetObjectItem(cJSON_GetObjectItem(step_result(res, 1), "pointwise"), "f1")->valuedouble, 1, 0);
  const cJSON *dam = step_result(res, 3);
  T_STREQ(cJSON_GetObjectItem(dam, "method")->valuestring, "dam");
  T_EQ_INT(cJSON_GetObjectItem(dam, "epochs")->valueint, 2);
  T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(dam, "sweep")), 40);
  T_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(dam, "sweep_uses_labels")));
  /* loose bound: DAM finds most fault segments at the best q of the sweep */
  T_CHECK(cJSON_GetObjectItem(dam, "sweep_best_f1")->valuedouble > 0.5);
  const cJSON *f1 = cJSON_GetObjectItem(dam, "f1");
  T_CHECK(f1 && f1->valuedouble >= 0 && f1->valuedouble <= 1);
  T_CHECK(aw_ws_get_table(ws, "dam") != NULL);
  T_CHECK(aw_ws_get_object(ws, "dam.model", "nn_model") != NULL);
  cJSON_Delete(res);
  /* the trained detector scores data: on its own data it gives exactly the scores it gave */
  res = run(ws, "{\"version\":1,\"inputs\":[{\"name\":\"s\",\"kind\":\"loaded\"}],\"steps\":[{\"id\":\"again\","
                "\"op\":\"score\",\"input\":\"s\",\"params\":{\"detector\":\"dam\",\"logs\":\"s.logs\"}}]}",
            &err);
  T_CHECKF(res != NULL, "%s", err.message);
  const aw_table *a = aw_ws_get_table(ws, "dam"), *b = aw_ws_get_table(ws, "again");
  T_CHECK(a && b && aw_table_rows(a) == aw_table_rows(b));
  if (a && b && aw_table_rows(a) == aw_table_rows(b)) {
    const double *sa = aw_table_column(a, (size_t)aw_table_find(a, "score")), *sb = aw_table_column(b, 0);
    size_t same = 0;
    for (size_t i = 0; i < aw_table_rows(a); i++) same += (sa[i] == sb[i]) || (sa[i] != sa[i] && sb[i] != sb[i]);
    T_EQ_INT(same, aw_table_rows(a));
  }
  cJSON_Delete(res);
  /* bad params: unknown key, groups naming missing columns, a DAM run without logs */
  res = run(ws, "{\"version\":1,\"inputs\":[{\"name\":\"s\",\"kind\":\"loaded\"}],\"steps\":[{\"id\":\"x\",\"op\":\"detect\","
                "\"input\":\"s\",\"params\":{\"method\":\"dam\",\"epoch\":3}}]}",
            &err);
  T_CHECK(res == NULL);
  T_CONTAINS(err.message, "unknown key \"epoch\"");
  res = run(ws, "{\"version\":1,\"inputs\":[{\"name\":\"s\",\"kind\":\"loaded\"}],\"steps\":[{\"id\":\"x\",\"op\":\"detect\","
                "\"input\":\"s\",\"params\":{\"groups\":{\"load\":[\"cpu\",\"gpu\"]}}}]}",
            &err);
  T_CHECK(res == NULL);
  T_CONTAINS(err.message, "groups.load: no column \"gpu\"");
  res = run(ws, "{\"version\":1,\"inputs\":[{\"name\":\"s\",\"kind\":\"loaded\"}],\"steps\":[{\"id\":\"x\",\"op\":\"detect\","
                "\"input\":\"s\",\"params\":{\"method\":\"dam\"}}]}",
            &err);
  T_CHECK(res == NULL);
  T_CONTAINS(err.message, "needs the log dimension");
  aw_ws_free(ws);
}

/* Nezha: the fault list as windows, labels of one pod by target; the pod's logs from the CSV's Log
 * column (a Docker JSON envelope per row). */
static void test_nezha_labels_and_logs(void) {
  aw_error err;
  aw_ws *ws = aw_ws_new();
  const char *pod = "ts-travel-service-64469b5b48-25zj6";
  char path[512];
  snprintf(path, sizeof path, "nezha-trainticket/2023-01-29/metric/%s_metric.csv", pod);
  T_EQ_INT(load_file(ws, "m", "csv", t_data(path), "{\"time_column\":\"TimeStamp\"}", &err), AW_OK);
  T_EQ_INT(load_file(ws, "f", "windows", t_data("nezha-trainticket/2023-01-29/2023-01-29-fault_list.json"), NULL, &err),
           AW_OK);
  cJSON *res = run(ws,
                   "{\"version\":1,\"inputs\":[{\"name\":\"m\",\"kind\":\"csv\"},{\"name\":\"f\",\"kind\":\"windows\"}],"
                   "\"steps\":[{\"id\":\"z\",\"op\":\"pot\",\"input\":\"m\",\"params\":{\"column\":\"CpuUsage(m)\",\"level\":0.9,"
                   "\"labels\":\"f\",\"labels_target\":\"ts-travel-service-64469b5b48-25zj6\"}}]}",
                   &err);
  T_CHECKF(res != NULL, "%s", err.message);
  const cJSON *ev = cJSON_GetObjectItem(step_result(res, 0), "evaluation");
  /* this pod had three faults of three minutes: 3 labelled segments on the 60 s grid */
  T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(ev, "segments")), 3);
  cJSON_Delete(res);
  res = run(ws,
            "{\"version\":1,\"inputs\":[{\"name\":\"m\",\"kind\":\"csv\"},{\"name\":\"f\",\"kind\":\"windows\"}],"
            "\"steps\":[{\"id\":\"z\",\"op\":\"pot\",\"input\":\"m\",\"params\":{\"column\":\"CpuUsage(m)\",\"labels\":\"f\","
            "\"labels_target\":\"no-such-pod\"}}]}",
            &err);
  T_CHECK(res == NULL);
  T_CONTAINS(err.message, "no windows for target \"no-such-pod\"");
  /* CSV mode of the log kind on a small Nezha-shaped file */
  const char *csv =
      "Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log\n"
      "2023-01-29T09:35:38.1Z,1,n,pod-a,server,t,s,\"{\"\"log\"\":\"\"GET /a 200\\n\"\",\"\"stream\"\":\"\"stdout\"\",\"\"time\"\":\"\"2023-01-29T09:35:38.1Z\"\"}\"\n"
      "2023-01-29T09:35:39.1Z,1,n,pod-b,server,t,s,\"{\"\"log\"\":\"\"GET /b 200\\n\"\",\"\"stream\"\":\"\"stdout\"\",\"\"time\"\":\"\"2023-01-29T09:35:39.1Z\"\"}\"\n"
      "2023-01-29T09:35:40.1Z,1,n,pod-a,server,t,s,\"{\"\"log\"\":\"\"GET /c 500\\n\"\",\"\"stream\"\":\"\"stdout\"\",\"\"time\"\":\"\"2023-01-29T09:35:40.1Z\"\"}\"\n";
  cJSON *o = cJSON_Parse("{\"format\":\"json\",\"content_field\":\"log\",\"column\":\"Log\",\"filter_column\":\"PodName\","
                         "\"filter_value\":\"pod-a\",\"time_column\":\"\"}");
  cJSON *info = NULL;
  T_EQ_INT(aw_ws_input_begin(ws, "lg", "log", "nezha.csv", o, &err), AW_OK);
  T_EQ_INT(aw_ws_input_feed(ws, csv, strlen(csv), &err), AW_OK);
  T_EQ_INT(aw_ws_input_end(ws, &info, &err), AW_OK);
  T_EQ_INT(cJSON_GetObjectItem(info, "parsed")->valueint, 2);
  T_EQ_INT(cJSON_GetObjectItem(info, "filtered_out")->valueint, 1);
  T_NEAR(cJSON_GetObjectItem(info, "time_start")->valuedouble, 1674984938.1, 1e-6);
  cJSON_Delete(info);
  cJSON_Delete(o);
  aw_ws_free(ws);
}

/* The "nab" op against numenta/NAB's own per-file scores (the official scorer's re-run in
 * nab/rerun_scores, shipped with the NAB results): every realKnownCause file's numenta results
 * loaded as a CSV table, scored at NAB's thresholds in the three profiles, with the windows taken
 * from combined_windows.json (a windows input, one target per file) and from the results' label
 * column; then NAB's optimiser must do at least as well. */
static void test_nab_op_per_file(void) {
  const char *profs[] = {"standard", "reward_low_FP_rate", "reward_low_FN_rate"};
  size_t checked = 0;
  for (int p = 0; p < 3; p++) {
    char rel[128];
    snprintf(rel, sizeof rel, "nab/results/numenta/numenta_%s_scores.csv", profs[p]);
    size_t len;
    char *text = t_slurp(t_data(rel), &len);
    T_CHECK(text != NULL);
    if (!text) return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
      char file[256];
      double thr, want;
      unsigned long long tp, tn, fp, fn, total;
      if (sscanf(line, "numenta,%*[^,],realKnownCause/%255[^,],%lf,%lf,%llu,%llu,%llu,%llu,%llu", file, &thr, &want, &tp, &tn,
                 &fp, &fn, &total) != 8)
        continue;
      aw_error err;
      aw_ws *ws = aw_ws_new();
      char path[512];
      snprintf(path, sizeof path, "nab/results/numenta/realKnownCause/numenta_%s", file);
      T_EQ_INT(load_file(ws, "r", "csv", t_data(path), NULL, &err), AW_OK);
      T_EQ_INT(load_file(ws, "w", "windows", t_data("nab/labels/combined_windows.json"), NULL, &err), AW_OK);
      char spec[2048];
      snprintf(spec, sizeof spec,
               "{\"version\":1,\"inputs\":[{\"name\":\"r\",\"kind\":\"csv\"},{\"name\":\"w\",\"kind\":\"windows\"}],\"steps\":["
               "{\"id\":\"a\",\"op\":\"nab\",\"input\":\"r\",\"params\":{\"score_column\":\"anomaly_score\",\"threshold\":%.17g,"
               "\"labels\":\"w\",\"labels_target\":\"realKnownCause/%s\"}},"
               "{\"id\":\"b\",\"op\":\"nab\",\"input\":\"r\",\"params\":{\"score_column\":\"anomaly_score\",\"threshold\":%.17g,"
               "\"labels_column\":\"label\"}},"
               "{\"id\":\"c\",\"op\":\"nab\",\"input\":\"r\",\"params\":{\"score_column\":\"anomaly_score\",\"labels_column\":\"label\"}}]}",
               thr, file, thr);
      cJSON *res = run(ws, spec, &err);
      T_CHECKF(res != NULL, "%s: %s", file, err.message);
      for (int k = 0; res && k < 3; k++) {
        const cJSON *o = cJSON_GetArrayItem(cJSON_GetObjectItem(step_result(res, k), "profiles"), p);
        T_CHECK(o && strcmp(cJSON_GetObjectItem(o, "profile")->valuestring, profs[p]) == 0);
        if (!o) continue;
        double raw = cJSON_GetObjectItem(o, "raw")->valuedouble;
        if (k == 2) {
          T_CHECKF(raw >= want - 1e-9, "%s %s: optimised %.12f below NAB's threshold's %.12f", file, profs[p], raw, want);
          continue;
        }
        T_CHECKF(fabs(raw - want) <= 1e-9, "%s %s: raw %.12f, NAB %.12f", file, profs[p], raw, want);
        T_CHECK(cJSON_GetObjectItem(o, "tp")->valuedouble == (double)tp && cJSON_GetObjectItem(o, "tn")->valuedouble == (double)tn &&
                cJSON_GetObjectItem(o, "fp")->valuedouble == (double)fp && cJSON_GetObjectItem(o, "fn")->valuedouble == (double)fn);
        checked++;
      }
      cJSON_Delete(res);
      aw_ws_free(ws);
    }
    free(text);
  }
  T_EQ_INT(checked, 3 * 7 * 2);
  /* bad params: a score column that is not there, no labels, no time column */
  aw_error err;
  aw_ws *ws = aw_ws_new();
  T_EQ_INT(load_file(ws, "r", "csv", t_data("nab/results/numenta/realKnownCause/numenta_nyc_taxi.csv"), NULL, &err), AW_OK);
  cJSON *res = run(ws, "{\"version\":1,\"inputs\":[{\"name\":\"r\",\"kind\":\"csv\"}],\"steps\":[{\"id\":\"a\",\"op\":\"nab\","
                       "\"input\":\"r\",\"params\":{\"score_column\":\"nope\",\"labels_column\":\"label\"}}]}", &err);
  T_CHECK(!res && strstr(err.message, "no column \"nope\""));
  cJSON_Delete(res);
  res = run(ws, "{\"version\":1,\"inputs\":[{\"name\":\"r\",\"kind\":\"csv\"}],\"steps\":[{\"id\":\"a\",\"op\":\"nab\","
                "\"input\":\"r\",\"params\":{\"score_column\":\"anomaly_score\"}}]}", &err);
  T_CHECK(!res && strstr(err.message, "labels"));
  cJSON_Delete(res);
  aw_ws_free(ws);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_log_templates);
  T_RUN(test_diagnose_replicas);
  T_RUN(test_pot_detect_dam_scenario);
  T_RUN(test_nezha_labels_and_logs);
  T_RUN(test_nab_op_per_file);
  return t_done();
}

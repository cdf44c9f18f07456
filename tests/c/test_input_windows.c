/* test_input_windows.c - the "windows" and "fis" input kinds (core/src/input_windows.c) on the
 * reference label files: NAB's combined_windows.json (all 116 windows equal to what Python's json
 * and datetime read), both published FIS logs (counts, the record without an end time, total
 * duration, as Python's csv module reads them), the Nezha fault list (28 faults: 13 exception,
 * 11 return, 4 cpu_contention); the IBM data set's anomaly_start/anomaly_end layout; rejected rows
 * with lines; chunk-size invariance. */
#include "input_load.h"
#include "t.h"

static aw_status load_file(const char *kind, const char *rel, size_t chunk, const char *opt, aw_ws **ws, cJSON **info,
                           aw_error *err) {
  size_t n = 0;
  char *text = t_slurp(t_data(rel), &n);
  if (!text) {
    *ws = aw_ws_new();
    *info = NULL;
    return aw_error_set(err, AW_ERR_IO, "cannot read %s", rel);
  }
  aw_status st = load_text(kind, rel, text, n, chunk, opt, ws, info, err);
  free(text);
  return st;
}

static const char *dict(const cJSON *info, const char *list, double code) {
  if (isnan(code)) return "";
  const cJSON *x = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(info, list), (int)code);
  return cJSON_IsString(x) ? x->valuestring : "?";
}

static void test_nab_combined_windows(void) {
  size_t n = 0;
  char *want = t_slurp("tests/fixtures/inputs/nab_windows_expected.tsv", &n);
  T_CHECK(want != NULL);
  if (!want) return;
  static const size_t chunks[] = {1, 13, 4096, (size_t)1 << 30};
  for (size_t c = 0; c < 4; c++) {
    aw_ws *ws;
    cJSON *info;
    aw_error err = {0};
    T_EQ_INT(load_file("windows", "nab/labels/combined_windows.json", chunks[c], NULL, &ws, &info, &err), AW_OK);
    const aw_table *t = aw_ws_get_table(ws, "x");
    T_CHECK(t && aw_table_rows(t) == 116);
    T_STREQ(cJSON_GetObjectItemCaseSensitive(info, "format")->valuestring, "nab");
    T_EQ_INT(info_num(info, "rejected"), 0);
    /* every window, in order, against Python */
    char *copy = strdup(want), *save = NULL;
    size_t i = 0;
    for (char *line = strtok_r(copy, "\n", &save); line && t; line = strtok_r(NULL, "\n", &save), i++) {
      double a = strtod(line, &line), b = strtod(line + 1, &line);
      const char *target = line + 1;
      T_CHECKF(i < aw_table_rows(t) && aw_table_column(t, 0)[i] == a && aw_table_column(t, 1)[i] == b &&
                   strcmp(dict(info, "targets", aw_table_column(t, 4)[i]), target) == 0,
               "window %zu differs from Python (%s)", i, target);
    }
    T_EQ_INT(i, 116);
    free(copy);
    cJSON_Delete(info);
    aw_ws_free(ws);
  }
  free(want);
}

static void test_fis_records(void) {
  size_t n = 0;
  char *want = t_slurp("tests/fixtures/inputs/fis_expected.tsv", &n);
  T_CHECK(want != NULL);
  if (!want) return;
  char *save = NULL;
  for (char *line = strtok_r(want, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char name[128], bad[64] = "";
    int ok, ntypes;
    double total;
    if (sscanf(line, "%127[^\t]\t%d\t%63[^\t]\t%lf\t%d", name, &ok, bad, &total, &ntypes) != 5) {
      sscanf(line, "%127[^\t]\t%d\t\t%lf\t%d", name, &ok, &total, &ntypes);
      bad[0] = 0;
    }
    char rel[200];
    snprintf(rel, sizeof rel, "allam-fis/%s", name);
    for (int kind = 0; kind < 2; kind++) {
      aw_ws *ws;
      cJSON *info;
      aw_error err = {0};
      T_EQ_INT(load_file(kind ? "windows" : "fis", rel, 777, NULL, &ws, &info, &err), AW_OK);
      const aw_table *t = aw_ws_get_table(ws, "x");
      T_CHECKF(t && (int)aw_table_rows(t) == ok, "%s: %zu windows, Python reads %d", name, t ? aw_table_rows(t) : 0, ok);
      T_STREQ(cJSON_GetObjectItemCaseSensitive(info, "format")->valuestring, "fis");
      double sum = 0;
      for (size_t i = 0; t && i < aw_table_rows(t); i++) sum += aw_table_column(t, 2)[i];
      T_NEAR(sum, total, 1e-6);
      T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(info, "types")), ntypes);
      if (bad[0]) {
        double l;
        const char *r = reject_reason(info, 0, &l);
        T_EQ_INT(info_num(info, "rejected"), 1);
        T_EQ_INT(l, atoi(bad));
        T_CONTAINS(r, "no end time");
      } else {
        T_EQ_INT(info_num(info, "rejected"), 0);
      }
      /* targets as written: nodeN or <pod>||<service> */
      T_CHECK(strstr(dict(info, "targets", aw_table_column(t, 4)[0]), "node") || strstr(dict(info, "targets", aw_table_column(t, 4)[0]), "||"));
      cJSON_Delete(info);
      aw_ws_free(ws);
    }
  }
  free(want);
  /* the fis kind refuses other CSVs, naming what it expected */
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("fis", "w.csv", "start,end\n1,2\n", 14, 3, NULL, &ws, &info, &err), AW_ERR_PARSE);
  T_CONTAINS(err.message, "not FIS records");
  aw_ws_free(ws);
}

static void test_nezha_fault_list(void) {
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_file("windows", "nezha-trainticket/2023-01-29/2023-01-29-fault_list.json", 100, NULL, &ws, &info, &err), AW_OK);
  const aw_table *t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_rows(t) == 28);
  T_STREQ(cJSON_GetObjectItemCaseSensitive(info, "format")->valuestring, "nezha");
  int counts[3] = {0, 0, 0};
  const char *names[3] = {"exception", "return", "cpu_contention"};
  for (size_t i = 0; t && i < aw_table_rows(t); i++) {
    const char *ty = dict(info, "types", aw_table_column(t, 3)[i]);
    for (int k = 0; k < 3; k++) counts[k] += strcmp(ty, names[k]) == 0;
    T_NEAR(aw_table_column(t, 2)[i], 180, 0);
  }
  T_EQ_INT(counts[0], 13);
  T_EQ_INT(counts[1], 11);
  T_EQ_INT(counts[2], 4);
  /* the first fault: 2023-01-29 08:43:04 UTC on ts-contacts-service */
  T_NEAR(aw_table_time(t)[0], 1674981784, 0);
  T_STREQ(dict(info, "targets", aw_table_column(t, 4)[0]), "ts-contacts-service-866bd68c97-xcqfx");
  cJSON_Delete(info);
  aw_ws_free(ws);
  /* another duration */
  T_EQ_INT(load_file("windows", "nezha-trainticket/2023-01-29/2023-01-29-fault_list.json", 1 << 20, "{\"duration_s\":60}", &ws,
                     &info, &err),
           AW_OK);
  T_NEAR(aw_table_column(aw_ws_get_table(ws, "x"), 2)[5], 60, 0);
  cJSON_Delete(info);
  aw_ws_free(ws);
}

static void test_csv_layouts_and_rejects(void) {
  /* the IBM data set's anomaly_windows.csv layout: anomaly_start,anomaly_end with offsets */
  const char *ibm = "anomaly_start,anomaly_end\n2024-02-12 14:35:00+00:00,2024-02-12 15:00:00+00:00\n"
                    "2024-03-01T10:00:00+01:00,2024-03-01T10:30:00+01:00\n";
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("windows", "anomaly_windows.csv", ibm, strlen(ibm), 9, NULL, &ws, &info, &err), AW_OK);
  const aw_table *t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_rows(t) == 2);
  T_NEAR(aw_table_time(t)[0], 1707748500, 0);
  T_NEAR(aw_table_time(t)[1], 1709283600, 0); /* 09:00 UTC */
  T_STREQ(cJSON_GetObjectItemCaseSensitive(info, "start_column")->valuestring, "anomaly_start");
  cJSON_Delete(info);
  aw_ws_free(ws);
  const char *text =
      "start,end,type,target\n"                                        /* 1 */
      "2024-01-01T00:10:00Z,2024-01-01T00:20:00Z,cpu,a\n"              /* 2 */
      "2024-01-01T00:00:00Z,2024-01-01T00:05:00Z,mem,b\n"              /* 3 */
      "soon,2024-01-01T00:05:00Z,mem,b\n"                              /* 4 bad start */
      "2024-01-01T00:30:00Z,2024-01-01T00:20:00Z,cpu,a\n"              /* 5 end before start */
      "2024-01-01T00:40:00Z,,cpu,a\n"                                  /* 6 no end */
      "2024-01-01T00:50:00Z,later,cpu,a\n"                             /* 7 bad end */
      ",2024-01-01T00:05:00Z,x,y\n"                                    /* 8 no start */
      "1704067800,1704068100,,\n";                                     /* 9 unix, no type/target */
  T_EQ_INT(load_text("windows", "w.csv", text, strlen(text), 1, NULL, &ws, &info, &err), AW_OK);
  t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_rows(t) == 3);
  static const struct { int line; const char *r; } want[] = {{4, "start: 'soon' is not a time"},
                                                              {5, "end: 2024-01-01T00:20:00Z is before the start 2024-01-01T00:30:00Z"},
                                                              {6, "end: missing (give options.duration_s"},
                                                              {7, "end: 'later' is not a time"},
                                                              {8, "start: missing"}};
  T_EQ_INT(info_num(info, "rejected"), 5);
  for (int i = 0; i < 5; i++) {
    double l;
    const char *r = reject_reason(info, i, &l);
    T_CHECKF(strstr(r, want[i].r) && l == want[i].line, "reject %d: %g '%s'", i, l, r);
  }
  if (t) {
    /* sorted by start */
    T_NEAR(aw_table_time(t)[0], 1704067200, 0);
    T_STREQ(dict(info, "types", aw_table_column(t, 3)[0]), "mem");
    T_STREQ(dict(info, "targets", aw_table_column(t, 4)[1]), "a");
    T_CHECK(isnan(aw_table_column(t, 3)[2]) && isnan(aw_table_column(t, 4)[2]));
  }
  cJSON_Delete(info);
  aw_ws_free(ws);
  /* with a duration, a missing end is start + duration */
  T_EQ_INT(load_text("windows", "w.csv", text, strlen(text), 64, "{\"duration_s\":300}", &ws, &info, &err), AW_OK);
  T_EQ_INT(aw_table_rows(aw_ws_get_table(ws, "x")), 4);
  cJSON_Delete(info);
  aw_ws_free(ws);
  /* no start column */
  T_EQ_INT(load_text("windows", "w.csv", "a,b\n1,2\n", 8, 64, NULL, &ws, &info, &err), AW_ERR_PARSE);
  T_CONTAINS(err.message, "no start column");
  aw_ws_free(ws);
}

static void test_json_list_and_bad_elements(void) {
  const char *text = "[\n"
                     "{\"start\":\"2024-01-01T00:00:00Z\",\"end\":\"2024-01-01T00:10:00Z\",\"type\":\"cpu\",\"target\":\"a\"},\n"
                     "{\"start\":1704067200,\"end\":1704067260},\n"
                     "[\"2024-01-01T01:00:00Z\"],\n"
                     "7,\n"
                     "{\"end\":\"2024-01-01T00:10:00Z\"},\n"
                     "[\"2024-01-01T02:00:00Z\",\"2024-01-01T03:00:00Z\"]\n"
                     "]\n";
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("windows", "w.json", text, strlen(text), 2, NULL, &ws, &info, &err), AW_OK);
  T_EQ_INT(aw_table_rows(aw_ws_get_table(ws, "x")), 3);
  T_EQ_INT(info_num(info, "rejected"), 3);
  double l;
  T_CONTAINS(reject_reason(info, 0, &l), "expected [start, end], got 1 element");
  T_EQ_INT(l, 4);
  T_CONTAINS(reject_reason(info, 1, &l), "expected [start, end] or an object");
  T_EQ_INT(l, 5);
  T_CONTAINS(reject_reason(info, 2, &l), "start: missing");
  T_EQ_INT(l, 6);
  T_STREQ(cJSON_GetObjectItemCaseSensitive(info, "format")->valuestring, "json");
  cJSON_Delete(info);
  aw_ws_free(ws);
  T_EQ_INT(load_text("windows", "w.json", "{\"a\": [[1, 2]", 13, 2, NULL, &ws, &info, &err), AW_ERR_PARSE);
  T_CONTAINS(err.message, "ends inside an array");
  aw_ws_free(ws);
  T_EQ_INT(load_text("windows", "w.json", "  \n", 3, 2, NULL, &ws, &info, &err), AW_ERR_PARSE);
  T_CONTAINS(err.message, "empty");
  aw_ws_free(ws);
}

int main(int argc, char **argv) {
  if (argc > 1) t_filter = argv[1];
  T_RUN(test_nab_combined_windows);
  T_RUN(test_fis_records);
  T_RUN(test_nezha_fault_list);
  T_RUN(test_csv_layouts_and_rejects);
  T_RUN(test_json_list_and_bad_elements);
  return t_done();
}

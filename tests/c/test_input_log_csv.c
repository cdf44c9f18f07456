/* test_input_log_csv.c - the "log_csv" input kind (core/src/input_log_csv.c) on the Nezha logs:
 * every row parsed, the row times equal to what Python's csv/datetime read from the Timestamp
 * column, the same lines and templates for every chunk size; the templates op works on it; bad
 * rows listed with their lines; a file without a log column refused with the reason. */
#include "aw/logs.h"
#include "input_load.h"
#include "t.h"

static const char *nezha = "nezha-trainticket/2023-01-29/faultfree_log/08_50_log.csv";

static void test_nezha_rows_and_times(void) {
  size_t n = 0, en = 0;
  char *text = t_slurp(t_data(nezha), &n);
  char *want = t_slurp("tests/fixtures/inputs/nezha_logs_expected.tsv", &en);
  T_CHECK(text && want);
  if (!text || !want) return;
  int rows = 0, nonblank = 0;
  double lo = 0, hi = 0;
  T_CHECK(sscanf(strchr(want, '\t') + 1, "%d\t%lf\t%lf\t%d", &rows, &lo, &hi, &nonblank) == 4);
  static const size_t chunks[] = {7, 4096, 65536, (size_t)1 << 30};
  uint32_t *first = NULL;
  size_t first_n = 0;
  double first_templates = -1;
  for (size_t c = 0; c < 4; c++) {
    aw_ws *ws;
    cJSON *info;
    aw_error err = {0};
    T_EQ_INT(load_text("log_csv", nezha, text, n, chunks[c], NULL, &ws, &info, &err), AW_OK);
    aw_logs *l = (aw_logs *)aw_ws_get_object(ws, "x", AW_LOGS_TYPE);
    T_CHECK(l != NULL);
    if (!l) continue;
    T_EQ_INT(info_num(info, "rows"), rows);
    T_EQ_INT(l->n, nonblank);
    T_EQ_INT(info_num(info, "rejected"), 0);
    T_NEAR(info_num(info, "time_start"), lo, 1e-6);
    T_NEAR(info_num(info, "time_end"), hi, 1e-6);
    T_STREQ(cJSON_GetObjectItemCaseSensitive(info, "format")->valuestring, "json");
    T_STREQ(cJSON_GetObjectItemCaseSensitive(info, "time_column")->valuestring, "Timestamp");
    /* one line per row: line numbers increase, each row's first line */
    int ordered = 1;
    for (size_t i = 1; i < l->n; i++) ordered &= l->line[i] > l->line[i - 1];
    T_CHECK(ordered);
    if (!first) {
      first = (uint32_t *)malloc(l->n * sizeof *first);
      memcpy(first, l->cluster, l->n * sizeof *first);
      first_n = l->n;
      first_templates = info_num(info, "templates");
    } else {
      T_CHECKF(first_n == l->n && memcmp(first, l->cluster, l->n * sizeof *first) == 0, "chunk %zu: other clusters", chunks[c]);
      T_NEAR(info_num(info, "templates"), first_templates, 0);
    }
    cJSON_Delete(info);
    aw_ws_free(ws);
  }
  T_CHECK(first_templates > 10 && first_templates < 1000);
  free(first);
  free(want);
  free(text);
}

static void test_templates_op_and_options(void) {
  const char *text =
      "time,pod,Log\n"                                                            /* 1 */
      "2024-01-01T00:00:00Z,a,\"{\"\"log\"\":\"\"GET /x took 5 ms\\n\"\"}\"\n"   /* 2 */
      "2024-01-01T00:00:01Z,a,\"{\"\"log\"\":\"\"GET /y took 7 ms\\n\"\"}\"\n"   /* 3 */
      "2024-01-01T00:00:02Z,b\n"                                                  /* 4 ragged */
      "later,b,\"{\"\"log\"\":\"\"GET /z took 9 ms\\n\"\"}\"\n"                   /* 5 bad time */
      "2024-01-01T00:00:03Z,b,\n";                                                /* 6 blank log */
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("log_csv", "l.csv", text, strlen(text), 3, NULL, &ws, &info, &err), AW_OK);
  aw_logs *l = (aw_logs *)aw_ws_get_object(ws, "x", AW_LOGS_TYPE);
  T_CHECK(l && l->n == 3);
  T_EQ_INT(info_num(info, "blank_lines"), 1);
  T_EQ_INT(info_num(info, "rejected"), 2);
  double line;
  T_CONTAINS(reject_reason(info, 0, &line), "ragged");
  T_EQ_INT(line, 4);
  T_CONTAINS(reject_reason(info, 1, &line), "time: 'later' in column 'time' is not a time");
  T_EQ_INT(line, 5);
  if (l) {
    T_NEAR(l->time[0], 1704067200, 0);
    T_CHECK(isnan(l->time[2]));
    T_EQ_INT(l->line[2], 5);
  }
  /* the templates op on it */
  aw_spec *spec = NULL;
  const char *sj = "{\"version\":1,\"inputs\":[{\"name\":\"x\",\"kind\":\"loaded\"}],\"steps\":[{\"id\":\"t\",\"op\":\"templates\",\"input\":\"x\"}]}";
  T_EQ_INT(aw_spec_parse(sj, strlen(sj), "s", &spec, &err), AW_OK);
  cJSON *res = NULL;
  T_EQ_INT(aw_ws_run_step(ws, aw_spec_get_step(spec, 0), 0, NULL, &res, &err), AW_OK);
  const cJSON *tps = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(res, "result"), "templates");
  T_EQ_INT(cJSON_GetArraySize(tps), 1);
  const cJSON *tp = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tps, 0), "template");
  T_CONTAINS(tp ? tp->valuestring : "", "GET <*> took <*> ms");
  cJSON_Delete(res);
  aw_spec_free(spec);
  cJSON_Delete(info);
  aw_ws_free(ws);
  /* plain format, no row time */
  const char *t2 = "message\nuser 1 logged in\nuser 2 logged in\n";
  T_EQ_INT(load_text("log_csv", "m.csv", t2, strlen(t2), 5, "{\"format\":\"plain\",\"time_column\":\"\"}", &ws, &info, &err), AW_OK);
  l = (aw_logs *)aw_ws_get_object(ws, "x", AW_LOGS_TYPE);
  T_CHECK(l && l->n == 2 && isnan(l->time[0]));
  T_EQ_INT(info_num(info, "templates"), 1);
  cJSON_Delete(info);
  aw_ws_free(ws);
  /* no log column */
  T_EQ_INT(load_text("log_csv", "n.csv", "a,b\n1,2\n", 8, 5, NULL, &ws, &info, &err), AW_ERR_PARSE);
  T_CONTAINS(err.message, "no log column");
  aw_ws_free(ws);
  T_EQ_INT(load_text("log_csv", "n.csv", "a,b\n1,2\n", 8, 5, "{\"column\":\"z\"}", &ws, &info, &err), AW_ERR_NOTFOUND);
  T_CONTAINS(err.message, "options.column: no column 'z'");
  aw_ws_free(ws);
}

int main(int argc, char **argv) {
  if (argc > 1) t_filter = argv[1];
  T_RUN(test_nezha_rows_and_times);
  T_RUN(test_templates_op_and_options);
  return t_done();
}

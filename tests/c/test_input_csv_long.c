/* test_input_csv_long.c - the "csv_long" input kind (core/src/input_csv_long.c): the Prometheus-like
 * long CSV of the fixtures (rows shuffled) gives the same wide table as Python's pivot and as the
 * prom_json kind on the same samples, for every chunk size; timestamp,series,value files; every
 * rejected row with its line and reason; options; limits. */
#include "input_load.h"
#include "t.h"

static void test_same_table_as_prom_json_and_every_chunk_size(void) {
  size_t n = 0, m = 0;
  char *csv = t_slurp("tests/fixtures/inputs/prom_long.csv", &n);
  char *json = t_slurp("tests/fixtures/inputs/prom_range.json", &m);
  T_CHECK(csv && json);
  if (!csv || !json) return;
  aw_ws *wj;
  cJSON *ij;
  aw_error err = {0};
  T_EQ_INT(load_text("prom_json", "r.json", json, m, 1 << 20, NULL, &wj, &ij, &err), AW_OK);
  const aw_table *tj = aw_ws_get_table(wj, "x");
  static const size_t chunks[] = {1, 3, 64, 4096, (size_t)1 << 30};
  for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
    aw_ws *ws;
    cJSON *info;
    aw_status st = load_text("csv_long", "long.csv", csv, n, chunks[c], NULL, &ws, &info, &err);
    T_CHECKF(st == AW_OK, "chunk %zu: %s", chunks[c], err.message);
    const aw_table *t = aw_ws_get_table(ws, "x");
    /* columns come in order of first appearance: the rows are shuffled, so compare by name */
    T_CHECK(t && aw_table_rows(t) == aw_table_rows(tj) && aw_table_cols(t) == aw_table_cols(tj));
    for (size_t j = 0; t && j < aw_table_cols(tj); j++) {
      long k = aw_table_find(t, aw_table_col_name(tj, j));
      T_CHECKF(k >= 0, "series %s missing", aw_table_col_name(tj, j));
      if (k < 0) continue;
      const double *a = aw_table_column(tj, j), *b = aw_table_column(t, (size_t)k);
      int same = 1;
      for (size_t i = 0; i < aw_table_rows(t); i++) same &= a[i] == b[i] || (isnan(a[i]) && isnan(b[i]));
      T_CHECKF(same, "series %s differs", aw_table_col_name(tj, j));
    }
    T_EQ_INT(info_num(info, "rejected"), 0);
    const cJSON *nc = cJSON_GetObjectItemCaseSensitive(info, "name_column");
    T_STREQ(nc ? nc->valuestring : "", "metric");
    cJSON_Delete(info);
    aw_ws_free(ws);
  }
  cJSON_Delete(ij);
  aw_ws_free(wj);
  free(csv);
  free(json);
}

static void test_rejects_with_lines(void) {
  const char *text =
      "timestamp,series,value\n"           /* 1 */
      "2024-01-01T00:00:00Z,cpu,1.5\n"     /* 2 ok */
      "2024-01-01T00:00:00Z,mem,10\n"      /* 3 ok */
      "yesterday,cpu,2\n"                  /* 4 time */
      "2024-01-01T00:01:00Z,cpu,high\n"    /* 5 value */
      "2024-01-01T00:01:00Z,,3\n"          /* 6 empty series */
      "2024-01-01T00:00:00Z,cpu,9\n"       /* 7 duplicate of line 2 */
      "2024-01-01T00:02:00Z,cpu\n"         /* 8 ragged */
      "1704067320,cpu,4\n"                 /* 9 another time format */
      "2024-01-01T00:03:00Z,mem,NaN\n"     /* 10 ok, missing */
      ",cpu,1\n"                           /* 11 no time */
      "\n"                                 /* 12 blank */
      "2024-01-01T00:04:00Z,\"cpu\",5\n";  /* 13 ok */
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("csv_long", "m.csv", text, strlen(text), 1, NULL, &ws, &info, &err), AW_OK);
  T_EQ_INT(info_num(info, "rejected"), 7);
  static const struct { int line; const char *reason; } want[] = {
      {4, "time: 'yesterday' in column 'timestamp' is not in the time format of the first row (iso8601)"},
      {5, "value: 'high' in column 'value' is not a number"},
      {6, "series: the series name is empty"},
      {8, "ragged: expected 3 fields, found 2"},
      {9, "time: '1704067320' in column 'timestamp' is not in the time format of the first row (iso8601)"},
      {11, "time: missing"},
      {7, "duplicate: series 'cpu' already has a value at 2024-01-01T00:00:00Z (line 2)"},
  };
  for (int i = 0; i < 7; i++) {
    double line;
    const char *r = reject_reason(info, i, &line);
    T_CHECKF(strstr(r, want[i].reason) && line == want[i].line, "reject %d: line %g '%s', expected %d '%s'", i, line, r,
             want[i].line, want[i].reason);
  }
  const aw_table *t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_rows(t) == 3 && aw_table_cols(t) == 2);
  if (t) {
    T_STREQ(aw_table_col_name(t, 0), "cpu");
    T_STREQ(aw_table_col_name(t, 1), "mem");
    T_NEAR(aw_table_column(t, 0)[0], 1.5, 0);
    T_NEAR(aw_table_column(t, 0)[2], 5, 0);
    T_CHECK(isnan(aw_table_column(t, 1)[1]) && isnan(aw_table_column(t, 1)[2]));
  }
  T_NEAR(info_num(info, "missing"), 1, 0);
  T_NEAR(info_num(info, "series"), 2, 0);
  cJSON_Delete(info);
  aw_ws_free(ws);
}

static void test_columns_and_options(void) {
  /* detection: value named "value" in the middle; labels sorted, empty ones left out */
  const char *text = "job,value,ts,__name__,instance\nnode,1,1700000000,up,a\nnode,0,1700000000,up,\n";
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("csv_long", "p.csv", text, strlen(text), 7, NULL, &ws, &info, &err), AW_OK);
  const aw_table *t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_cols(t) == 2);
  if (t) {
    T_STREQ(aw_table_col_name(t, 0), "up{instance=\"a\",job=\"node\"}");
    T_STREQ(aw_table_col_name(t, 1), "up{job=\"node\"}");
  }
  T_STREQ(cJSON_GetObjectItemCaseSensitive(info, "time_column")->valuestring, "ts");
  cJSON_Delete(info);
  aw_ws_free(ws);
  /* explicit options */
  const char *t2 = "when;host;load;reading\n2024-01-01 00:00;a;0.5;7\n2024-01-01 00:01;b;0.7;8\n";
  T_EQ_INT(load_text("csv_long", "o.csv", t2, strlen(t2), 5,
                     "{\"time_column\":\"when\",\"value_column\":\"load\",\"series_columns\":[\"host\"],\"sep\":\";\"}", &ws, &info, &err),
           AW_OK);
  t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_cols(t) == 2 && aw_table_rows(t) == 2 && aw_table_column(t, 1)[1] == 0.7);
  cJSON_Delete(info);
  aw_ws_free(ws);
  /* a missing column names the columns there are */
  T_EQ_INT(load_text("csv_long", "o.csv", t2, strlen(t2), 5, "{\"value_column\":\"nope\"}", &ws, &info, &err), AW_ERR_NOTFOUND);
  T_CONTAINS(err.message, "options.value_column: no column 'nope' (columns: when, host, load, reading)");
  T_EQ_INT(err.line, 1);
  aw_ws_free(ws);
  T_EQ_INT(load_text("csv_long", "o.csv", "a\n1\n", 4, 5, NULL, &ws, &info, &err), AW_ERR_PARSE);
  T_CONTAINS(err.message, "at least a time and a value column");
  aw_ws_free(ws);
  T_EQ_INT(load_text("csv_long", "o.csv", "", 0, 5, NULL, &ws, &info, &err), AW_ERR_PARSE);
  T_CONTAINS(err.message, "empty");
  aw_ws_free(ws);
  T_EQ_INT(load_text("csv_long", "o.csv", "t,v\n", 4, 5, NULL, &ws, &info, &err), AW_ERR_PARSE);
  T_CONTAINS(err.message, "no column names the series");
  aw_ws_free(ws);
}

static void test_limits(void) {
  aw_buf b = {0};
  aw_buf_printf(&b, "t,s,v\n");
  for (int k = 0; k < 100; k++)
    for (int s = 0; s < 3; s++) aw_buf_printf(&b, "%d.%d,s%d,%d\n", 1700000000 + 60 * k, s, s, k);
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("csv_long", "l.csv", b.data, b.len, 100, "{\"max_points\":100}", &ws, &info, &err), AW_ERR_LIMIT);
  T_CONTAINS(err.message, "more than 100 points");
  T_STREQ(err.file, "l.csv");
  aw_ws_free(ws);
  T_EQ_INT(load_text("csv_long", "l.csv", b.data, b.len, 100, "{\"max_series\":2}", &ws, &info, &err), AW_ERR_LIMIT);
  T_CONTAINS(err.message, "more than 2 series");
  aw_ws_free(ws);
  T_EQ_INT(load_text("csv_long", "l.csv", b.data, b.len, 100, "{\"max_cells\":400}", &ws, &info, &err), AW_ERR_LIMIT);
  T_CONTAINS(err.message, "300 times x 3 series");
  aw_ws_free(ws);
  T_EQ_INT(load_text("csv_long", "l.csv", b.data, b.len, 100, "{\"max_cells\":400,\"align_s\":60}", &ws, &info, &err), AW_OK);
  T_CHECK(aw_table_rows(aw_ws_get_table(ws, "x")) == 100);
  cJSON_Delete(info);
  aw_ws_free(ws);
  aw_buf_free(&b);
}

int main(int argc, char **argv) {
  if (argc > 1) t_filter = argv[1];
  T_RUN(test_same_table_as_prom_json_and_every_chunk_size);
  T_RUN(test_rejects_with_lines);
  T_RUN(test_columns_and_options);
  T_RUN(test_limits);
  return t_done();
}

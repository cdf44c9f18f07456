/* test_input_prom.c - the "prom_json" input kind (core/src/input_prom.c): a Prometheus range-query
 * response made by Python's json (tests/c/gen_input_fixtures.py) gives the wide table Python
 * computed, for every chunk size; the example of the Prometheus API documentation; bad samples
 * rejected with line and reason; error responses; limits. */
#include "input_load.h"
#include "t.h"

/* The expected table of the fixture: tab-separated, first column the time. */
static aw_table *expected_table(void) {
  size_t n = 0;
  char *text = t_slurp("tests/fixtures/inputs/prom_expected.csv", &n);
  if (!text) return NULL;
  aw_table *t = aw_table_new();
  char *save = NULL;
  char *line = strtok_r(text, "\n", &save);
  /* header */
  char *names[256];
  size_t ncol = 0;
  for (char *p = line, *q; p; p = q) {
    q = strchr(p, '\t');
    if (q) *q++ = 0;
    if (ncol < 256) names[ncol++] = p;
  }
  double *cols[256], *time = NULL;
  size_t rows = 0, cap = 0;
  for (size_t j = 0; j < ncol; j++) cols[j] = NULL;
  while ((line = strtok_r(NULL, "\n", &save))) {
    if (rows == cap) {
      cap = cap ? cap * 2 : 64;
      for (size_t j = 0; j < ncol; j++) cols[j] = (double *)realloc(cols[j], cap * sizeof(double));
    }
    size_t j = 0;
    for (char *p = line, *q; p && j < ncol; p = q, j++) {
      q = strchr(p, '\t');
      if (q) *q++ = 0;
      double v;
      cols[j][rows] = aw_parse_cell(p, strlen(p), &v) ? v : NAN;
    }
    for (; j < ncol; j++) cols[j][rows] = NAN; /* trailing empty cells */
    rows++;
  }
  aw_error err = {0};
  time = cols[0];
  aw_table_set_time(t, time, rows, &err);
  for (size_t j = 1; j < ncol; j++) aw_table_add_column(t, names[j], cols[j], rows, &err);
  for (size_t j = 0; j < ncol; j++) free(cols[j]);
  free(text);
  return t;
}

static void test_python_fixture_every_chunk_size(void) {
  size_t n = 0;
  char *text = t_slurp("tests/fixtures/inputs/prom_range.json", &n);
  aw_table *want = expected_table();
  T_CHECK(text && want);
  if (!text || !want) return;
  static const size_t chunks[] = {1, 2, 7, 64, 1000, 65536, (size_t)1 << 30};
  char *first = NULL;
  for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
    aw_ws *ws;
    cJSON *info;
    aw_error err = {0};
    aw_status st = load_text("prom_json", "range.json", text, n, chunks[c], NULL, &ws, &info, &err);
    T_CHECKF(st == AW_OK, "chunk %zu: %s", chunks[c], err.message);
    if (!st) {
      const aw_table *t = aw_ws_get_table(ws, "x");
      T_CHECKF(same_table(t, want), "chunk %zu: the table differs from Python's pivot (%zu x %zu vs %zu x %zu)", chunks[c],
               aw_table_rows(t), aw_table_cols(t), aw_table_rows(want), aw_table_cols(want));
      T_EQ_INT(info_num(info, "rejected"), 0);
      T_EQ_INT(info_num(info, "series"), aw_table_cols(want));
      char *core = info_core(info);
      if (!first) first = core;
      else {
        T_CHECKF(strcmp(first, core) == 0, "chunk %zu: load info differs", chunks[c]);
        free(core);
      }
    }
    cJSON_Delete(info);
    aw_ws_free(ws);
  }
  free(first);
  aw_table_free(want);
  free(text);
}

/* The range-query example of the Prometheus HTTP API documentation. */
static const char *doc_example =
    "{\n"
    "   \"status\" : \"success\",\n"
    "   \"data\" : {\n"
    "      \"resultType\" : \"matrix\",\n"
    "      \"result\" : [\n"
    "         {\n"
    "            \"metric\" : {\n"
    "               \"__name__\" : \"up\",\n"
    "               \"job\" : \"prometheus\",\n"
    "               \"instance\" : \"localhost:9090\"\n"
    "            },\n"
    "            \"values\" : [\n"
    "               [ 1435781430.781, \"1\" ],\n"
    "               [ 1435781445.781, \"1\" ],\n"
    "               [ 1435781460.781, \"1\" ]\n"
    "            ]\n"
    "         },\n"
    "         {\n"
    "            \"metric\" : {\n"
    "               \"__name__\" : \"up\",\n"
    "               \"job\" : \"node\",\n"
    "               \"instance\" : \"localhost:9091\"\n"
    "            },\n"
    "            \"values\" : [\n"
    "               [ 1435781430.781, \"0\" ],\n"
    "               [ 1435781445.781, \"0\" ],\n"
    "               [ 1435781460.781, \"1\" ]\n"
    "            ]\n"
    "         }\n"
    "      ]\n"
    "   }\n"
    "}\n";

static void test_documentation_example(void) {
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("prom_json", "q.json", doc_example, strlen(doc_example), 5, NULL, &ws, &info, &err), AW_OK);
  const aw_table *t = aw_ws_get_table(ws, "x");
  T_CHECK(t != NULL);
  if (t) {
    T_EQ_INT(aw_table_rows(t), 3);
    T_EQ_INT(aw_table_cols(t), 2);
    T_STREQ(aw_table_col_name(t, 0), "up{instance=\"localhost:9090\",job=\"prometheus\"}");
    T_STREQ(aw_table_col_name(t, 1), "up{instance=\"localhost:9091\",job=\"node\"}");
    T_NEAR(aw_table_time(t)[0], 1435781430.781, 0);
    T_NEAR(aw_table_column(t, 1)[2], 1, 0);
    T_NEAR(aw_table_column(t, 1)[0], 0, 0);
  }
  cJSON *rt = cJSON_GetObjectItemCaseSensitive(info, "result_type");
  T_STREQ(rt ? rt->valuestring : "", "matrix");
  T_NEAR(info_num(info, "time_start"), 1435781430.781, 0);
  T_NEAR(info_num(info, "points"), 6, 0);
  cJSON_Delete(info);
  aw_ws_free(ws);
  /* an instant query (vector) gives one row */
  const char *vec = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1435781451.781,\"3.5\"]}]}}";
  T_EQ_INT(load_text("prom_json", "v.json", vec, strlen(vec), 3, NULL, &ws, &info, &err), AW_OK);
  t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_rows(t) == 1 && aw_table_cols(t) == 1 && strcmp(aw_table_col_name(t, 0), "{}") == 0);
  cJSON_Delete(info);
  aw_ws_free(ws);
}

static void test_bad_samples_listed_with_lines(void) {
  const char *text =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[\n"  /* 1 */
      "{\"metric\":{\"__name__\":\"a\"},\"values\":[\n"                           /* 2 */
      "[1700000000,\"1\"],\n"                                                       /* 3 ok */
      "[\"x\",\"1\"],\n"                                                            /* 4 time */
      "[1700000015,\"abc\"],\n"                                                     /* 5 value */
      "[1700000030],\n"                                                             /* 6 short */
      "[1700000030,\"2\",3],\n"                                                     /* 7 long */
      "[1700000045,true],\n"                                                        /* 8 literal */
      "[1700000060,[1]],\n"                                                         /* 9 nested */
      "[1700000000,\"5\"],\n"                                                       /* 10 duplicate of line 3 */
      "7,\n"                                                                        /* 11 not a pair */
      "[1700000075,\"NaN\"],[1700000090,\"+Inf\"]\n"                                /* 12 ok */
      "]}]}}\n";
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("prom_json", "bad.json", text, strlen(text), 1, NULL, &ws, &info, &err), AW_OK);
  T_EQ_INT(info_num(info, "rejected"), 8);
  static const struct { int line; const char *reason; } want[] = {
      {4, "the time 'x' is not a number"}, {5, "the value 'abc' is not a number"}, {6, "got 1 element"},
      {7, "got 3 elements"}, {8, "the value is not a string"}, {9, "found a nested array"}, {11, "found a number"},
      {10, "duplicate: series 'a' already has a value at 2023-11-14T22:13:20Z (line 3)"}};
  for (int i = 0; i < 8; i++) {
    double line;
    const char *r = reject_reason(info, i, &line);
    T_CHECKF(strstr(r, want[i].reason) && line == want[i].line, "reject %d: line %g '%s', expected line %d '%s'", i, line, r,
             want[i].line, want[i].reason);
  }
  const aw_table *t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_rows(t) == 3);
  if (t) {
    T_NEAR(aw_table_column(t, 0)[0], 1, 0); /* the first of the duplicates is kept */
    T_CHECK(isnan(aw_table_column(t, 0)[1]));
    T_CHECK(isinf(aw_table_column(t, 0)[2]));
  }
  T_NEAR(info_num(info, "missing"), 1, 0);
  cJSON_Delete(info);
  aw_ws_free(ws);
}

static void fails_with(const char *text, aw_status want, const char *msg, const char *options) {
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  aw_status st = load_text("prom_json", "r.json", text, strlen(text), 4, options, &ws, &info, &err);
  T_CHECKF(st == want, "%.60s: status %d, expected %d (%s)", text, st, want, err.message);
  T_CHECKF(strstr(err.message, msg) != NULL, "%.60s: message '%s' lacks '%s'", text, err.message, msg);
  cJSON_Delete(info);
  aw_ws_free(ws);
}

static void test_errors(void) {
  fails_with("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 4\"}", AW_ERR_PARSE,
             "the query failed in Prometheus: bad_data: parse error at char 4", NULL);
  fails_with("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}", AW_ERR_UNSUPPORTED,
             "resultType 'scalar' has no time series", NULL);
  fails_with("[1,2]", AW_ERR_PARSE, "not a Prometheus API response", NULL);
  fails_with("{\"hello\":1}", AW_ERR_PARSE, "no \"data\"", NULL);
  fails_with("{\"status\":\"success\",\n\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1,\"1\"]\n", AW_ERR_PARSE,
             "ends inside an array", NULL);
  fails_with("{}", AW_ERR_PARSE, "no \"data\"", NULL);
  fails_with("{}", AW_ERR_RANGE, "unknown key \"bogus\"", "{\"bogus\":1}");
}

/* Three series sampled at jittered times: 3 x 300 cells unless aligned to the step. */
static void test_limits(void) {
  aw_buf b = {0};
  aw_buf_printf(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
  for (int s = 0; s < 3; s++) {
    aw_buf_printf(&b, "%s{\"metric\":{\"i\":\"%d\"},\"values\":[", s ? "," : "", s);
    for (int k = 0; k < 100; k++) aw_buf_printf(&b, "%s[%d.%d,\"%d\"]", k ? "," : "", 1700000000 + 15 * k, s + 1, k);
    aw_buf_printf(&b, "]}");
  }
  aw_buf_printf(&b, "]}}");
  aw_buf_terminate(&b);
  fails_with(b.data, AW_ERR_LIMIT, "more than 250 samples (options.max_points)", "{\"max_points\":250}");
  fails_with(b.data, AW_ERR_LIMIT, "more than 2 series (options.max_series)", "{\"max_series\":2}");
  fails_with(b.data, AW_ERR_LIMIT, "round them to a common step with options.align_s", "{\"max_cells\":500}");
  aw_ws *ws;
  cJSON *info;
  aw_error err = {0};
  T_EQ_INT(load_text("prom_json", "j.json", b.data, b.len, 999, "{\"max_cells\":500,\"align_s\":15}", &ws, &info, &err), AW_OK);
  const aw_table *t = aw_ws_get_table(ws, "x");
  T_CHECK(t && aw_table_rows(t) == 100 && aw_table_cols(t) == 3);
  cJSON_Delete(info);
  aw_ws_free(ws);
  aw_buf_free(&b);
}

int main(int argc, char **argv) {
  if (argc > 1) t_filter = argv[1];
  T_RUN(test_python_fixture_every_chunk_size);
  T_RUN(test_documentation_example);
  T_RUN(test_bad_samples_listed_with_lines);
  T_RUN(test_errors);
  T_RUN(test_limits);
  return t_done();
}

/* test_spec.c - spec parsing and validation messages, the workspace's inputs and runner, SHA-256. */
#include "aw/sha256.h"
#include "aw/spec.h"
#include "aw/workspace.h"
#include "t.h"

static aw_status parse(const char *json, aw_spec **s, aw_error *err) {
  aw_error_clear(err);
  return aw_spec_parse(json, strlen(json), "spec.json", s, err);
}

static void expect_error(const char *json, aw_status code, const char *msg) {
  aw_spec *s = NULL;
  aw_error err;
  T_EQ_INT(parse(json, &s, &err), code);
  T_CHECK(s == NULL);
  T_CHECKF(strstr(err.message, msg) != NULL, "message \"%s\" lacks \"%s\"", err.message, msg);
  T_STREQ(err.file, "spec.json");
}

static void test_valid_spec(void) {
  aw_spec *s = NULL;
  aw_error err;
  const char *j =
      "{\"version\":1,\"engine\":\"0.1.0\",\"seed\":42,\"title\":\"t\","
      "\"inputs\":[{\"name\":\"m\",\"kind\":\"csv\",\"path\":\"m.csv\",\"size\":10,"
      "\"sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"options\":{\"sep\":\";\"}}],"
      "\"steps\":[{\"id\":\"a\",\"op\":\"summary\",\"input\":\"m\"},{\"id\":\"b\",\"op\":\"summary\",\"input\":\"a\","
      "\"params\":{\"columns\":[\"x\"]}}],\"view\":{\"tab\":\"dataset\"}}";
  T_EQ_INT(parse(j, &s, &err), AW_OK);
  T_EQ_INT(aw_spec_version(s), 1);
  T_CHECK(aw_spec_seed(s) == 42);
  T_EQ_INT(aw_spec_input_count(s), 1);
  T_STREQ(aw_spec_get_input(s, 0)->path, "m.csv");
  T_EQ_INT(aw_spec_get_input(s, 0)->size, 10);
  T_CHECK(aw_spec_get_input(s, 0)->options != NULL);
  T_EQ_INT(aw_spec_step_count(s), 2);
  T_STREQ(aw_spec_get_step(s, 1)->input, "a");
  T_EQ_INT(aw_spec_get_step(s, 1)->index, 1);
  aw_spec_free(s);
  /* the smallest spec */
  T_EQ_INT(parse("{\"version\":1}", &s, &err), AW_OK);
  T_CHECK(aw_spec_seed(s) == 0);
  aw_spec_free(s);
  aw_spec_free(NULL);
}

static void test_spec_errors(void) {
  expect_error("{\"version\":1,\n \"seed\": }", AW_ERR_PARSE, "invalid JSON");
  {
    aw_spec *s;
    aw_error err;
    parse("{\"version\":1,\n \"seed\": }", &s, &err);
    T_EQ_INT(err.line, 2);
    T_EQ_INT(err.column, 10);
    parse("{\"version\":1,", &s, &err);
    T_CONTAINS(err.message, "truncated");
  }
  expect_error("{\"version\":1} x", AW_ERR_PARSE, "unexpected text after");
  expect_error("[1]", AW_ERR_RANGE, "spec: must be a JSON object");
  expect_error("{}", AW_ERR_RANGE, "\"version\" is required");
  expect_error("{\"version\":2}", AW_ERR_VERSION, "newer than this engine");
  expect_error("{\"version\":1.5}", AW_ERR_RANGE, "spec.version: must be an integer");
  expect_error("{\"version\":1,\"bogus\":1}", AW_ERR_RANGE, "spec: unknown key \"bogus\"");
  expect_error("{\"version\":1,\"seed\":-1}", AW_ERR_RANGE, "spec.seed: must be an integer in [0, 9007199254740992], got -1");
  expect_error("{\"version\":1,\"seed\":\"7\"}", AW_ERR_RANGE, "got \"7\"");
  expect_error("{\"version\":1,\"inputs\":{}}", AW_ERR_RANGE, "inputs: must be an array");
  expect_error("{\"version\":1,\"inputs\":[{\"kind\":\"csv\"}]}", AW_ERR_RANGE, "inputs[0]: \"name\" is required");
  expect_error("{\"version\":1,\"inputs\":[{\"name\":\"a b\",\"kind\":\"csv\"}]}", AW_ERR_RANGE, "inputs[0].name");
  expect_error("{\"version\":1,\"inputs\":[{\"name\":\"a\",\"kind\":\"csv\",\"sha256\":\"xyz\"}]}", AW_ERR_RANGE,
               "inputs[0].sha256: must be 64 lowercase hex digits");
  expect_error("{\"version\":1,\"inputs\":[{\"name\":\"a\",\"kind\":\"csv\"},{\"name\":\"a\",\"kind\":\"csv\"}]}",
               AW_ERR_RANGE, "inputs[1].name: \"a\" is used by inputs[0] too");
  expect_error("{\"version\":1,\"inputs\":[{\"name\":\"a\",\"kind\":\"csv\",\"color\":1}]}", AW_ERR_RANGE,
               "inputs[0]: unknown key \"color\"");
  expect_error("{\"version\":1,\"steps\":[{\"id\":\"s\"}]}", AW_ERR_RANGE, "steps[0]: \"op\" is required");
  expect_error("{\"version\":1,\"steps\":[{\"id\":\"s\",\"op\":\"summary\",\"input\":\"s2\"},{\"id\":\"s2\",\"op\":\"x\"}]}",
               AW_ERR_NOTFOUND, "steps[0].input: \"s2\" is neither an input nor an earlier step");
  expect_error("{\"version\":1,\"steps\":[{\"id\":\"s\",\"op\":\"summary\",\"params\":[]}]}", AW_ERR_RANGE,
               "steps[0].params: must be an object");
}

static void test_validators(void) {
  cJSON *o = cJSON_Parse("{\"q\":0.5,\"n\":3,\"b\":true,\"m\":\"dtw\",\"xs\":[1,2,\"a\"]}");
  aw_error err;
  double q;
  int64_t n;
  int b, e;
  const char *str;
  static const char *const modes[] = {"dtw", "euclid", NULL};
  T_EQ_INT(aw_json_number(o, "p", "q", 0, 1, 0.1, &q, &err), AW_OK);
  T_CHECK(q == 0.5);
  T_EQ_INT(aw_json_number(o, "p", "absent", 0, 1, 0.1, &q, &err), AW_OK);
  T_CHECK(q == 0.1);
  T_EQ_INT(aw_json_number(o, "p", "q", 0.6, 1, 0.7, &q, &err), AW_ERR_RANGE);
  T_STREQ(err.message, "p.q: must be a number in [0.6, 1], got 0.5");
  T_EQ_INT(aw_json_int(o, "p", "n", 1, 10, 2, &n, &err), AW_OK);
  T_CHECK(n == 3);
  T_EQ_INT(aw_json_int(o, "p", "q", 0, 10, 2, &n, &err), AW_ERR_RANGE);
  T_EQ_INT(aw_json_bool(o, "p", "b", 0, &b, &err), AW_OK);
  T_CHECK(b == 1);
  T_EQ_INT(aw_json_bool(o, "p", "n", 0, &b, &err), AW_ERR_RANGE);
  T_EQ_INT(aw_json_enum(o, "p", "m", modes, 1, &e, &err), AW_OK);
  T_EQ_INT(e, 0);
  T_EQ_INT(aw_json_enum(o, "p", "n", modes, 1, &e, &err), AW_ERR_RANGE);
  T_CONTAINS(err.message, "one of \"dtw\", \"euclid\"");
  T_EQ_INT(aw_json_string(o, "p", "m", NULL, &str, &err), AW_OK);
  T_STREQ(str, "dtw");
  double *xs;
  size_t k;
  T_EQ_INT(aw_json_numbers(o, "p", "xs", 10, &xs, &k, &err), AW_ERR_RANGE);
  T_CONTAINS(err.message, "p.xs[2]: must be a number");
  static const char *const keys[] = {"q", "n", NULL};
  T_EQ_INT(aw_json_check_keys(o, "p", keys, &err), AW_ERR_RANGE);
  T_CONTAINS(err.message, "p: unknown key \"b\" (allowed: q, n)");
  cJSON_Delete(o);
}

static void test_sha256(void) {
  /* FIPS 180-4 examples and a million 'a's */
  struct {
    const char *in;
    const char *hex;
  } v[] = {{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
           {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
           {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"}};
  char hex[65];
  for (int i = 0; i < 3; i++) {
    aw_sha256 s;
    aw_sha256_init(&s);
    /* fed one byte at a time, to cover the block buffering */
    for (const char *p = v[i].in; *p; p++) aw_sha256_update(&s, p, 1);
    aw_sha256_final_hex(&s, hex);
    T_STREQ(hex, v[i].hex);
  }
  aw_sha256 s;
  aw_sha256_init(&s);
  char a[1000];
  memset(a, 'a', sizeof a);
  for (int i = 0; i < 1000; i++) aw_sha256_update(&s, a, sizeof a);
  aw_sha256_final_hex(&s, hex);
  T_STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static const char *CSV = "timestamp,a,b\n1700000000,1,10\n1700000060,3,\n1700000120,x,30\n";

static cJSON *load(aw_ws *ws, const char *name, size_t chunk, aw_error *err) {
  cJSON *info = NULL;
  if (aw_ws_input_begin(ws, name, "csv", "data.csv", NULL, err)) return NULL;
  size_t n = strlen(CSV);
  for (size_t off = 0; off < n; off += chunk)
    if (aw_ws_input_feed(ws, CSV + off, n - off < chunk ? n - off : chunk, err)) return NULL;
  if (aw_ws_input_end(ws, &info, err)) return NULL;
  return info;
}

static void test_workspace(void) {
  aw_error err;
  aw_error_clear(&err);
  aw_ws *ws = aw_ws_new();
  cJSON *info = load(ws, "m", 5, &err);
  T_CHECK(info != NULL);
  T_EQ_INT(cJSON_GetObjectItem(info, "rows")->valueint, 2);
  T_EQ_INT(cJSON_GetObjectItem(info, "rejected")->valueint, 1);
  T_STREQ(cJSON_GetObjectItem(info, "sha256")->valuestring,
          "b48e7ecfc7b4b80925abd728abdfa7eadcee11e02123aacbdbcdd04b02e26031");
  cJSON_Delete(info);
  const aw_table *t = aw_ws_get_table(ws, "m");
  T_CHECK(t && aw_table_rows(t) == 2);
  /* a failed load (unknown option) leaves the table in place */
  cJSON *opt = cJSON_Parse("{\"speed\":1}");
  T_EQ_INT(aw_ws_input_begin(ws, "m", "csv", "x.csv", opt, &err), AW_ERR_RANGE);
  T_CONTAINS(err.message, "input 'm': options: unknown key \"speed\"");
  cJSON_Delete(opt);
  T_CHECK(aw_ws_get_table(ws, "m") == t);
  /* so does an aborted one */
  T_EQ_INT(aw_ws_input_begin(ws, "m", "csv", "x.csv", NULL, &err), AW_OK);
  T_EQ_INT(aw_ws_input_feed(ws, "a,b\n", 4, &err), AW_OK);
  aw_ws_input_abort(ws);
  T_CHECK(aw_ws_get_table(ws, "m") == t);
  T_EQ_INT(aw_ws_input_begin(ws, "z", "parquet", "x", NULL, &err), AW_ERR_UNSUPPORTED);
  T_CONTAINS(err.message, "unknown kind 'parquet'");

  /* run: sha256 checked, steps run in order, results are deterministic JSON */
  const char *spec_ok =
      "{\"version\":1,\"seed\":5,\"inputs\":[{\"name\":\"m\",\"kind\":\"csv\",\"path\":\"data.csv\","
      "\"sha256\":\"b48e7ecfc7b4b80925abd728abdfa7eadcee11e02123aacbdbcdd04b02e26031\"}],"
      "\"steps\":[{\"id\":\"s\",\"op\":\"summary\",\"input\":\"m\"}]}";
  aw_spec *s;
  T_EQ_INT(parse(spec_ok, &s, &err), AW_OK);
  cJSON *res = NULL;
  T_EQ_INT(aw_ws_run(ws, s, NULL, &res, &err), AW_OK);
  char *txt = aw_json_print(res, 0);
  T_CONTAINS(txt, "\"steps\":[{\"id\":\"s\",\"op\":\"summary\",\"input\":\"m\",\"result\":{\"rows\":2,"
                  "\"time_start\":1700000000,\"time_end\":1700000060,\"interval_median\":60,\"series\":[{\"name\":\"a\","
                  "\"count\":2,\"missing\":0,\"min\":1,\"max\":3,\"mean\":2,\"std\":1},{\"name\":\"b\",\"count\":1,"
                  "\"missing\":1,\"min\":10,\"max\":10,\"mean\":10,\"std\":0}]}}]");
  cJSON_free(txt);
  cJSON_Delete(res);
  aw_spec_free(s);
  const char *spec_bad =
      "{\"version\":1,\"inputs\":[{\"name\":\"m\",\"kind\":\"csv\",\"sha256\":"
      "\"0000000000000000000000000000000000000000000000000000000000000000\"}]}";
  T_EQ_INT(parse(spec_bad, &s, &err), AW_OK);
  T_EQ_INT(aw_ws_run(ws, s, NULL, &res, &err), AW_ERR_RANGE);
  T_CONTAINS(err.message, "\"m\": the file differs from the one the spec was made with");
  aw_spec_free(s);
  T_EQ_INT(parse("{\"version\":1,\"inputs\":[{\"name\":\"q\",\"kind\":\"csv\",\"path\":\"q.csv\"}]}", &s, &err), AW_OK);
  T_EQ_INT(aw_ws_run(ws, s, NULL, &res, &err), AW_ERR_NOTFOUND);
  T_CONTAINS(err.message, "\"q\" (csv, q.csv) has not been loaded");
  aw_spec_free(s);
  T_EQ_INT(parse("{\"version\":1,\"inputs\":[{\"name\":\"m\",\"kind\":\"csv\"}],\"steps\":[{\"id\":\"s\",\"op\":\"summary\","
                 "\"input\":\"m\",\"params\":{\"columns\":[\"zz\"]}}]}", &s, &err), AW_OK);
  T_EQ_INT(aw_ws_run(ws, s, NULL, &res, &err), AW_ERR_NOTFOUND);
  T_CONTAINS(err.message, "step \"s\" (summary): steps[0].params.columns[0]: no column \"zz\"");
  aw_spec_free(s);
  /* seeds: stable per name, different across names */
  T_CHECK(aw_derive_seed(1, "a") == aw_derive_seed(1, "a"));
  T_CHECK(aw_derive_seed(1, "a") != aw_derive_seed(1, "b"));
  T_CHECK(aw_derive_seed(1, "a") < (1ull << 53));
  aw_ws_free(ws);
}

static int cancel_after(void *ud, double f, const char *stage) {
  (void)f;
  (void)stage;
  return ++*(int *)ud >= 2;
}

static void test_cancel(void) {
  aw_error err;
  aw_ws *ws = aw_ws_new();
  cJSON_Delete(load(ws, "m", 1000, &err));
  aw_spec *s;
  T_EQ_INT(parse("{\"version\":1,\"steps\":[{\"id\":\"a\",\"op\":\"summary\",\"input\":\"m\"},{\"id\":\"b\",\"op\":\"summary\","
                 "\"input\":\"m\"},{\"id\":\"c\",\"op\":\"summary\",\"input\":\"m\"}]}", &s, &err),
           AW_ERR_NOTFOUND); /* "m" is not declared as an input of this spec */
  T_EQ_INT(parse("{\"version\":1,\"inputs\":[{\"name\":\"m\",\"kind\":\"csv\"}],\"steps\":[{\"id\":\"a\",\"op\":\"summary\","
                 "\"input\":\"m\"},{\"id\":\"b\",\"op\":\"summary\",\"input\":\"m\"},{\"id\":\"c\",\"op\":\"summary\",\"input\":\"m\"}]}",
                 &s, &err), AW_OK);
  int calls = 0;
  aw_progress p = {cancel_after, &calls};
  cJSON *res = NULL;
  T_EQ_INT(aw_ws_run(ws, s, &p, &res, &err), AW_ERR_CANCELLED);
  T_CHECK(res == NULL);
  aw_spec_free(s);
  aw_ws_free(ws);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_valid_spec);
  T_RUN(test_spec_errors);
  T_RUN(test_validators);
  T_RUN(test_sha256);
  T_RUN(test_workspace);
  T_RUN(test_cancel);
  return t_done();
}

/* test_csv.c - the streaming CSV reader, number/time parsing and the wide-table loader. */
#include <inttypes.h>

#include "aw/csv.h"
#include "aw/rng.h"
#include "aw/series.h"
#include "aw/table.h"
#include "t.h"

/* Serialises everything the reader reports, so two runs can be compared byte for byte. */
typedef struct trace {
  aw_buf b;
} trace;

static aw_status tr_record(void *ud, const aw_csv_record *r, aw_error *err) {
  trace *t = (trace *)ud;
  aw_buf_printf(&t->b, "R%" PRIu64 "@%" PRIu64 "%s[", r->index, r->line, r->is_header ? "H" : "");
  for (size_t i = 0; i < r->nfields; i++) {
    aw_buf_printf(&t->b, "%zu:", r->fields[i].n);
    aw_buf_append(&t->b, r->fields[i].p, r->fields[i].n);
    aw_buf_putc(&t->b, '|');
  }
  aw_buf_append(&t->b, "]\n", 2);
  return AW_OK;
}

static void tr_reject(void *ud, uint64_t line, const char *reason) {
  trace *t = (trace *)ud;
  aw_buf_printf(&t->b, "X@%" PRIu64 " %s\n", line, reason);
}

/* Feeds text in chunks of `chunk` bytes and returns the trace (caller frees). */
static char *parse_chunked(const char *text, size_t n, size_t chunk, const aw_csv_opts *o, aw_csv_stats *st) {
  trace t = {{0}};
  aw_error err;
  aw_error_clear(&err);
  aw_csv *c = aw_csv_new(o, tr_record, tr_reject, &t, &err);
  if (!c) return NULL;
  for (size_t off = 0; off < n; off += chunk) {
    size_t k = n - off < chunk ? n - off : chunk;
    if (aw_csv_feed(c, text + off, k, &err)) break;
  }
  aw_csv_finish(c, &err);
  if (st) *st = *aw_csv_get_stats(c);
  aw_csv_free(c);
  aw_buf_printf(&t.b, "end\n");
  return t.b.data;
}

static const char tricky[] =
    "\xEF\xBB\xBFtime,name,value\r\n"
    "1,\"plain\",1.5\r\n"
    "2,\"with \"\"quotes\"\"\",2\n"
    "3,\"multi\r\nline\nfield\",3\r"
    "4,,\n"
    "\n"
    "5,ragged\n"
    "6,\"after\"close,6\n"
    "7,nul\0here,7\n"
    "8,bad\xC3\x28utf,8\n"
    "9,caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80,9\n"
    "10,a\"b,10\r\n"
    "11,\"x\",\"\"\n"
    "12,trailing,12";

static void test_chunk_invariance(void) {
  size_t n = sizeof tricky - 1;
  aw_csv_opts o;
  aw_csv_opts_default(&o);
  aw_csv_stats st;
  char *ref = parse_chunked(tricky, n, n, &o, &st);
  T_CHECK(ref != NULL);
  /* what the reader must see, exactly */
  const char *expect =
      "R0@1H[4:time|4:name|5:value|]\n"
      "R1@2[1:1|5:plain|3:1.5|]\n"
      "R2@3[1:2|13:with \"quotes\"|1:2|]\n"
      "R3@4[1:3|17:multi\r\nline\nfield|1:3|]\n"
      "R4@7[1:4|0:|0:|]\n"
      "X@9 ragged: expected 3 fields, found 2\n"
      "X@10 quote: unexpected text after closing quote in column 2\n"
      "X@11 nul: NUL byte in column 2\n"
      "X@12 utf8: invalid UTF-8 in column 2\n"
      "R5@13[1:9|14:caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80|1:9|]\n"
      "R6@14[2:10|3:a\"b|2:10|]\n"
      "R7@15[2:11|1:x|0:|]\n"
      "R8@16[2:12|8:trailing|2:12|]\n"
      "end\n";
  T_STREQ(ref, expect);
  T_EQ_INT(st.rejected, 4);
  T_EQ_INT(st.blank_lines, 1);
  T_EQ_INT(st.records, 9);
  T_EQ_INT(st.sep, ',');
  for (size_t chunk = 1; chunk <= n; chunk++) {
    char *got = parse_chunked(tricky, n, chunk, &o, NULL);
    T_CHECKF(got && strcmp(got, ref) == 0, "chunk size %zu gives a different result:\n%s", chunk, got ? got : "(null)");
    free(got);
  }
  free(ref);
}

static void test_separators(void) {
  aw_csv_opts o;
  aw_csv_opts_default(&o);
  aw_csv_stats st;
  const char *semi = "a;b;c\n1,5;2;3\n";
  char *r = parse_chunked(semi, strlen(semi), 3, &o, &st);
  T_EQ_INT(st.sep, ';');
  T_CONTAINS(r, "R1@2[3:1,5|1:2|1:3|]");
  free(r);
  const char *tab = "a\tb\n\"x\ty\"\t2\n";
  r = parse_chunked(tab, strlen(tab), 1, &o, &st);
  T_EQ_INT(st.sep, '\t');
  T_CONTAINS(r, "R1@2[3:x\ty|1:2|]");
  free(r);
  /* an explicit separator wins over detection */
  o.sep = ';';
  const char *comma = "a,b;c\n1,2;3\n";
  r = parse_chunked(comma, strlen(comma), 4, &o, &st);
  T_CONTAINS(r, "R1@2[3:1,2|1:3|]");
  free(r);
  aw_error err;
  aw_error_clear(&err);
  o.sep = 'x';
  T_CHECK(aw_csv_new(&o, NULL, NULL, NULL, &err) == NULL);
  T_CONTAINS(err.message, "separator");
}

static void test_malformed(void) {
  aw_csv_opts o;
  aw_csv_opts_default(&o);
  aw_csv_stats st;
  /* empty file: nothing, no error */
  char *r = parse_chunked("", 0, 1, &o, &st);
  T_STREQ(r, "end\n");
  T_EQ_INT(st.records, 0);
  free(r);
  /* header only, without and with a newline */
  r = parse_chunked("a,b", 3, 1, &o, &st);
  T_STREQ(r, "R0@1H[1:a|1:b|]\nend\n");
  free(r);
  r = parse_chunked("a,b\r\n", 5, 2, &o, &st);
  T_STREQ(r, "R0@1H[1:a|1:b|]\nend\n");
  free(r);
  /* unterminated quote: reported at finish with the line where it opened */
  const char *uq = "a,b\n1,2\n3,\"open\n4,5\n";
  r = parse_chunked(uq, strlen(uq), 5, &o, &st);
  T_CONTAINS(r, "X@3 unterminated-quote: quoted field never closed (opened in column 2)");
  T_CONTAINS(r, "R1@2[1:1|1:2|]");
  free(r);
  /* a 10 MB line is refused in bounded memory; the reader resumes on the next line */
  size_t big = 10u << 20;
  char *text = (char *)malloc(big + 64);
  strcpy(text, "a,b\n1,");
  size_t k = strlen(text);
  memset(text + k, 'x', big);
  k += big;
  strcpy(text + k, "\n2,3\n");
  k += 5;
  r = parse_chunked(text, k, 65536, &o, &st);
  T_CONTAINS(r, "X@2 too-long: record longer than 1048576 bytes");
  T_CONTAINS(r, "R1@3[1:2|1:3|]");
  free(r);
  /* the same line with a large enough limit is accepted */
  o.max_line = 16u << 20;
  r = parse_chunked(text, k, 1 << 20, &o, &st);
  T_EQ_INT(st.rejected, 0);
  T_EQ_INT(st.records, 3);
  free(r);
  free(text);
  /* too many columns */
  aw_csv_opts_default(&o);
  o.max_cols = 4;
  o.header = 0;
  const char *wide = "1,2,3,4\n1,2,3,4,5\n";
  r = parse_chunked(wide, strlen(wide), 3, &o, &st);
  T_CONTAINS(r, "X@2 too-many-columns: more than 4 fields");
  free(r);
  /* truncated UTF-8 sequence at the end of the input */
  aw_csv_opts_default(&o);
  const char *tr = "a\nok\n\xE2\x82";
  r = parse_chunked(tr, strlen(tr), 1, &o, &st);
  T_CONTAINS(r, "X@3 utf8: invalid UTF-8 in column 1");
  free(r);
  /* overlong encodings and surrogates are invalid */
  const char *ov = "a\n\xC0\xAF\n\xED\xA0\x80\n\xF4\x90\x80\x80\n";
  r = parse_chunked(ov, strlen(ov), 2, &o, &st);
  T_EQ_INT(st.rejected, 3);
  free(r);
}

static void test_numbers(void) {
  double v;
  T_CHECK(aw_parse_double("1.5", 3, &v) && v == 1.5);
  T_CHECK(aw_parse_double(" -2e3 ", 6, &v) && v == -2000);
  T_CHECK(aw_parse_double("+.5", 3, &v) && v == 0.5);
  T_CHECK(aw_parse_double("5.", 2, &v) && v == 5);
  T_CHECK(aw_parse_double("0.1", 3, &v) && v == 0.1);
  T_CHECK(aw_parse_double("123456789012345678901234567890", 30, &v) && v == 1.2345678901234568e29);
  T_CHECK(aw_parse_double("2.2250738585072014e-308", 23, &v) && v == 2.2250738585072014e-308);
  T_CHECK(aw_parse_double("1e400", 5, &v) && v == INFINITY);
  T_CHECK(aw_parse_double("1e-400", 6, &v) && v == 0);
  T_CHECK(!aw_parse_double("", 0, &v));
  T_CHECK(!aw_parse_double(".", 1, &v));
  T_CHECK(!aw_parse_double("1e", 2, &v));
  T_CHECK(!aw_parse_double("0x10", 4, &v));
  T_CHECK(!aw_parse_double("1,5", 3, &v));
  T_CHECK(!aw_parse_double("1 2", 3, &v));
  T_CHECK(!aw_parse_double("nan", 3, &v));
  T_EQ_INT(aw_parse_cell("NaN", 3, &v), 2);
  T_CHECK(v != v);
  T_EQ_INT(aw_parse_cell("", 0, &v), 2);
  T_EQ_INT(aw_parse_cell("null", 4, &v), 2);
  T_EQ_INT(aw_parse_cell("-inf", 4, &v), 1);
  T_CHECK(v == -INFINITY);
  T_EQ_INT(aw_parse_cell("abc", 3, &v), 0);
  /* correctly rounded: every double printed at 17 digits (and other precisions) reads back */
  aw_rng r;
  aw_rng_seed(&r, 99);
  char buf[64];
  for (int i = 0; i < 200000; i++) {
    uint64_t bits = aw_rng_u64(&r);
    double x;
    memcpy(&x, &bits, sizeof x);
    if (x != x || x - x != 0) continue;
    int prec = 1 + (int)aw_rng_below(&r, 17);
    int n = snprintf(buf, sizeof buf, i & 1 ? "%.*g" : "%.*e", prec, x);
    double want = strtod(buf, NULL);
    T_CHECKF(aw_parse_double(buf, (size_t)n, &v) && (v == want || (v != v && want != want)), "%s -> %.17g, want %.17g", buf, v, want);
    /* short decimals, the common case in CSVs */
    double y = (double)(int64_t)(aw_rng_below(&r, 2000000001)) / 1000.0 - 1e6;
    n = snprintf(buf, sizeof buf, "%.3f", y);
    want = strtod(buf, NULL);
    T_CHECKF(aw_parse_double(buf, (size_t)n, &v) && v == want, "%s", buf);
  }
}

static void test_times(void) {
  double t;
  aw_time_format f;
  T_CHECK(aw_parse_time("1970-01-01T00:00:00Z", 20, AW_TIME_UNKNOWN, &t, &f) && t == 0 && f == AW_TIME_ISO8601);
  T_CHECK(aw_parse_time("2014-04-10 00:04:00", 19, AW_TIME_UNKNOWN, &t, &f) && t == 1397088240);
  T_CHECK(aw_parse_time("2023-01-29T08:00:00.5+08:00", 27, AW_TIME_UNKNOWN, &t, &f) && t == 1674950400.5);
  T_CHECK(aw_parse_time("2023-01-29T00:00:00.123456789Z", 30, AW_TIME_UNKNOWN, &t, &f) && fabs(t - 1674950400.123457) < 1e-6);
  T_CHECK(aw_parse_time("2000-02-29", 10, AW_TIME_UNKNOWN, &t, &f) && t == 951782400);
  T_CHECK(aw_parse_time("2021/05/20 10:00", 16, AW_TIME_UNKNOWN, &t, &f) && t == 1621504800);
  T_CHECK(aw_parse_time("2021-05-20T10:00:00-0130", 24, AW_TIME_UNKNOWN, &t, &f) && t == 1621504800 + 5400);
  T_CHECK(!aw_parse_time("2001-02-29", 10, AW_TIME_UNKNOWN, &t, &f));
  T_CHECK(!aw_parse_time("2021-13-01", 10, AW_TIME_UNKNOWN, &t, &f));
  T_CHECK(!aw_parse_time("2021-01-01T25:00", 16, AW_TIME_UNKNOWN, &t, &f));
  T_CHECK(!aw_parse_time("2021-01-01Tx", 12, AW_TIME_UNKNOWN, &t, &f));
  T_CHECK(!aw_parse_time("yesterday", 9, AW_TIME_UNKNOWN, &t, &f));
  T_CHECK(aw_parse_time("1674950400", 10, AW_TIME_UNKNOWN, &t, &f) && t == 1674950400 && f == AW_TIME_UNIX_S);
  T_CHECK(aw_parse_time("1674950400500", 13, AW_TIME_UNKNOWN, &t, &f) && t == 1674950400.5 && f == AW_TIME_UNIX_MS);
  T_CHECK(aw_parse_time("1674950400000000000", 19, AW_TIME_UNKNOWN, &t, &f) && t == 1674950400 && f == AW_TIME_UNIX_NS);
  /* a fixed format refuses others */
  T_CHECK(!aw_parse_time("2021-01-01", 10, AW_TIME_UNIX_S, &t, &f));
  T_CHECK(aw_parse_time("1500", 4, AW_TIME_UNIX_MS, &t, &f) && t == 1.5);
  /* round trip through the ISO writer, across a wide range of dates */
  char buf[48];
  aw_rng r;
  aw_rng_seed(&r, 5);
  for (int i = 0; i < 20000; i++) {
    double s = (double)(int64_t)aw_rng_below(&r, 8000000000ull) - 2000000000.0;
    size_t n = aw_fmt_time_iso(buf, s);
    T_CHECKF(aw_parse_time(buf, n, AW_TIME_ISO8601, &t, NULL) && t == s, "%s vs %.0f", buf, s);
  }
  aw_fmt_time_iso(buf, 1674950400.25);
  T_STREQ(buf, "2023-01-29T00:00:00.250Z");
  T_EQ_INT(aw_days_from_civil(1970, 1, 1), 0);
  T_EQ_INT(aw_days_from_civil(2000, 3, 1), 11017);
}

static aw_table *load(const char *text, aw_loader **lp, aw_error *err) {
  aw_loader_opts o;
  aw_loader_opts_default(&o);
  o.csv.name = "t.csv";
  aw_loader *l = aw_loader_new(&o, err);
  if (!l) return NULL;
  size_t n = strlen(text);
  for (size_t off = 0; off < n; off += 7)
    if (aw_loader_feed(l, text + off, n - off < 7 ? n - off : 7, err)) break;
  if (err->code == AW_OK) aw_loader_finish(l, err);
  *lp = l;
  return (aw_table *)aw_loader_table(l);
}

static void test_loader(void) {
  aw_error err;
  aw_error_clear(&err);
  aw_loader *l;
  const char *csv =
      "timestamp,cpu,pod,mem\n"
      "2023-01-29T00:00:00Z,1.5,frontend,\n"
      "2023-01-29T00:01:00Z,NaN,frontend,200\n"
      "2023-01-29T00:02:00Z,abc,frontend,300\n"
      "not-a-time,3,frontend,400\n"
      "2023-01-29T00:04:00Z,4,frontend\n"
      ",5,x,5\n"
      "1674950700,6,frontend,600\n"
      "2023-01-29T00:06:00Z,7,frontend,700\n";
  aw_table *t = load(csv, &l, &err);
  T_EQ_INT(err.code, AW_OK);
  T_EQ_INT(aw_table_rows(t), 3);
  T_EQ_INT(aw_table_cols(t), 2);
  T_STREQ(aw_table_col_name(t, 0), "cpu");
  T_STREQ(aw_table_col_name(t, 1), "mem");
  T_STREQ(aw_loader_time_column(l), "timestamp");
  T_EQ_INT(aw_loader_time_format(l), AW_TIME_ISO8601);
  T_EQ_INT(aw_loader_skipped_count(l), 1);
  T_STREQ(aw_loader_skipped(l, 0), "pod");
  const double *tm = aw_table_time(t), *cpu = aw_table_column(t, 0), *mem = aw_table_column(t, 1);
  T_CHECK(tm[0] == 1674950400 && tm[1] == 1674950460 && tm[2] == 1674950760);
  T_CHECK(cpu[0] == 1.5 && cpu[1] != cpu[1] && cpu[2] == 7);
  T_CHECK(mem[0] != mem[0] && mem[1] == 200 && mem[2] == 700);
  T_EQ_INT(aw_loader_rows_rejected(l), 5);
  T_EQ_INT(aw_loader_reject_count(l), 5);
  const char *want[5][2] = {{"4", "value: 'abc' in column 'cpu' is not a number"},
                            {"5", "time: 'not-a-time' in column 'timestamp' is not a iso8601 time"},
                            {"6", "ragged: expected 4 fields, found 3"},
                            {"7", "time: missing value in column 'timestamp'"},
                            {"8", "time: '1674950700' in column 'timestamp' is not a iso8601 time"}};
  for (int i = 0; i < 5; i++) {
    const aw_reject *r = aw_loader_reject(l, (size_t)i);
    T_EQ_INT(r->line, atoi(want[i][0]));
    T_STREQ(r->reason, want[i][1]);
  }
  aw_buf out = {0};
  aw_table_to_csv(t, 1, &out);
  T_STREQ(out.data,
          "timestamp,cpu,mem\n2023-01-29T00:00:00Z,1.5,\n2023-01-29T00:01:00Z,,200\n2023-01-29T00:06:00Z,7,700\n");
  aw_buf_free(&out);
  aw_loader_free(l);

  /* no time-like header: the first column is the time if it parses as one; a column that starts
   * missing and turns out to be text is dropped and reported */
  aw_error_clear(&err);
  t = load("when;a;label\n1674950400;1;\n1674950460;2;up\n1674950520;3;down\n", &l, &err);
  T_EQ_INT(err.code, AW_OK);
  T_STREQ(aw_loader_time_column(l), "when");
  T_EQ_INT(aw_loader_time_format(l), AW_TIME_UNIX_S);
  T_EQ_INT(aw_table_cols(t), 1);
  T_EQ_INT(aw_table_rows(t), 3);
  T_STREQ(aw_loader_skipped(l, 0), "label");
  aw_loader_free(l);

  /* no time at all (small numbers in the first column are not taken for epoch times);
   * duplicate and empty names are made unique */
  aw_error_clear(&err);
  t = load("x,x,\n1,2,3\n", &l, &err);
  T_CHECK(aw_table_time(t) == NULL);
  T_STREQ(aw_table_col_name(t, 0), "x");
  T_STREQ(aw_table_col_name(t, 1), "x_2");
  T_STREQ(aw_table_col_name(t, 2), "column_3");
  aw_loader_free(l);

  /* the cell budget is a clear error, not a crash */
  aw_loader_opts o;
  aw_loader_opts_default(&o);
  o.max_cells = 10;
  o.csv.name = "big.csv";
  aw_table *tt = NULL;
  aw_error_clear(&err);
  const char *many = "t,a\n1,1\n2,2\n3,3\n4,4\n5,5\n6,6\n7,7\n";
  T_EQ_INT(aw_table_from_csv_text(many, strlen(many), &o, &tt, &err), AW_ERR_LIMIT);
  T_STREQ(err.file, "big.csv");
  T_EQ_INT(err.line, 7);
  T_CONTAINS(err.message, "exceed 10 values");
  T_CHECK(tt == NULL);
}

/* A file too large to keep becomes a fixed-size min-max overview with exact statistics. */
static void test_overview(void) {
  aw_buf csv = {0};
  aw_buf_printf(&csv, "timestamp,a,b\n");
  aw_rng r;
  aw_rng_seed(&r, 3);
  const size_t n = 100000;
  double *a = (double *)malloc(n * sizeof(double));
  for (size_t i = 0; i < n; i++) {
    a[i] = (double)(int64_t)aw_rng_below(&r, 1000000) / 100.0;
    if (i % 997 == 0)
      aw_buf_printf(&csv, "%zu,%.2f,\n", 1600000000 + i, a[i]);
    else
      aw_buf_printf(&csv, "%zu,%.2f,%zu\n", 1600000000 + i, a[i], i % 10);
  }
  aw_loader_opts o;
  aw_loader_opts_default(&o);
  o.max_cells = 30000;
  o.overview_on_limit = 1;
  o.overview_buckets = 64;
  aw_error err;
  aw_error_clear(&err);
  aw_loader *l = aw_loader_new(&o, &err);
  for (size_t off = 0; off < csv.len; off += 4093) aw_loader_feed(l, csv.data + off, csv.len - off < 4093 ? csv.len - off : 4093, &err);
  T_EQ_INT(aw_loader_finish(l, &err), AW_OK);
  T_CHECK(aw_loader_is_overview(l));
  T_EQ_INT(aw_loader_rows_read(l), n);
  const aw_table *t = aw_loader_table(l);
  T_CHECK(aw_table_rows(t) <= 2 * 64 && aw_table_rows(t) >= 64);
  aw_stats full;
  aw_series_stats(a, n, &full);
  size_t cnt, miss;
  double lo, hi, mean, sd;
  T_CHECK(aw_loader_overview_stats(l, 0, &cnt, &miss, &lo, &hi, &mean, &sd));
  T_EQ_INT(cnt, n);
  T_EQ_INT(miss, 0);
  T_CHECK(lo == full.min && hi == full.max);
  T_NEAR(mean, full.mean, 1e-9 * fabs(full.mean));
  T_NEAR(sd, full.std, 1e-9 * full.std);
  T_CHECK(aw_loader_overview_stats(l, 1, &cnt, &miss, &lo, &hi, &mean, &sd));
  T_EQ_INT(miss, (n + 996) / 997);
  /* the overview keeps the extremes, in time order, and covers the whole time range */
  const double *tm = aw_table_time(t), *ca = aw_table_column(t, 0);
  double omin = INFINITY, omax = -INFINITY;
  for (size_t i = 0; i < aw_table_rows(t); i++) {
    if (ca[i] < omin) omin = ca[i];
    if (ca[i] > omax) omax = ca[i];
    if (i) T_CHECK(tm[i] >= tm[i - 1]);
  }
  T_CHECK(omin == full.min && omax == full.max);
  T_CHECK(tm[0] == 1600000000 && tm[aw_table_rows(t) - 1] == 1600000000 + (double)(n - 1));
  aw_loader_free(l);
  aw_buf_free(&csv);
  free(a);
}

static void test_table_api(void) {
  aw_error err;
  aw_error_clear(&err);
  aw_table *t = aw_table_new();
  double a[3] = {1, 2, 3}, b[2] = {1, 2};
  T_EQ_INT(aw_table_add_column(t, "a", a, 3, &err), AW_OK);
  T_EQ_INT(aw_table_add_column(t, "b", b, 2, &err), AW_ERR_ARG);
  T_EQ_INT(aw_table_add_column(t, "a", a, 3, &err), AW_ERR_ARG);
  T_CONTAINS(err.message, "duplicate");
  T_EQ_INT(aw_table_find(t, "a"), 0);
  T_EQ_INT(aw_table_find(t, "zz"), -1);
  aw_table_free(t);
  aw_table_free(NULL);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_chunk_invariance);
  T_RUN(test_separators);
  T_RUN(test_malformed);
  T_RUN(test_numbers);
  T_RUN(test_times);
  T_RUN(test_loader);
  T_RUN(test_overview);
  T_RUN(test_table_api);
  return t_done();
}

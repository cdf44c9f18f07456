/* test_logformat.c - log lines into header fields, message and time, against references we did not
 * write: the header columns of Loghub's ground-truth structured CSVs (made by logpai's format
 * regex), Python's datetime for the timestamps (tests/c/data/logformat_times.txt), and the Nezha
 * Train-Ticket logs (Docker JSON envelopes with a nanosecond unix time column). Plus every kind of
 * bad input: invalid UTF-8, NUL, a 1 MB line, CRLF/LF/CR mixed, empty input, a log that matches
 * none of its format. */
#include <stdint.h>

#include "aw/csv.h"
#include "aw/logformat.h"
#include "aw/rng.h"
#include "cJSON.h"
#include "t.h"

typedef struct {
  size_t n;
  char **content;
  char **fields; /* "a|b|c" per line */
  double *time;
  uint64_t *lineno;
  uint64_t *off;
  unsigned *flags;
  size_t cap;
} collected;

static aw_status collect(void *ud, const aw_logfmt_line *ln, aw_error *err) {
  collected *c = (collected *)ud;
  (void)err;
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 256;
    c->content = (char **)realloc(c->content, c->cap * sizeof(char *));
    c->fields = (char **)realloc(c->fields, c->cap * sizeof(char *));
    c->time = (double *)realloc(c->time, c->cap * sizeof(double));
    c->lineno = (uint64_t *)realloc(c->lineno, c->cap * sizeof(uint64_t));
    c->off = (uint64_t *)realloc(c->off, c->cap * sizeof(uint64_t));
    c->flags = (unsigned *)realloc(c->flags, c->cap * sizeof(unsigned));
  }
  c->content[c->n] = strndup(ln->content, ln->content_len);
  aw_buf b = {0};
  for (size_t i = 0; i < ln->nfields; i++) {
    if (i) aw_buf_putc(&b, '|');
    aw_buf_append(&b, ln->fields[i].value, ln->fields[i].len);
  }
  aw_buf_terminate(&b);
  c->fields[c->n] = b.data ? b.data : strdup("");
  c->time[c->n] = ln->time;
  c->lineno[c->n] = ln->line;
  c->off[c->n] = ln->offset;
  c->flags[c->n] = ln->flags;
  c->n++;
  return AW_OK;
}

static void free_collected(collected *c) {
  for (size_t i = 0; i < c->n; i++) {
    free(c->content[i]);
    free(c->fields[i]);
  }
  free(c->content);
  free(c->fields);
  free(c->time);
  free(c->lineno);
  free(c->off);
  free(c->flags);
  memset(c, 0, sizeof *c);
}

/* ---- header fields equal the ground truth's columns, for every line of the 16 samples ---- */

typedef struct {
  char **rows; /* header fields joined by '|' (the columns between LineId and EventId) */
  size_t n, cap;
  size_t first, last; /* column range */
} gtcols;

static aw_status gt_rec(void *ud, const aw_csv_record *r, aw_error *err) {
  gtcols *g = (gtcols *)ud;
  (void)err;
  if (r->is_header) {
    g->first = 1;
    for (size_t i = 0; i < r->nfields; i++)
      if (r->fields[i].n == 7 && memcmp(r->fields[i].p, "EventId", 7) == 0) g->last = i;
    return AW_OK;
  }
  if (g->n == g->cap) {
    g->cap = g->cap ? 2 * g->cap : 4096;
    g->rows = (char **)realloc(g->rows, g->cap * sizeof(char *));
  }
  aw_buf b = {0};
  for (size_t i = g->first; i < g->last; i++) {
    if (i > g->first) aw_buf_putc(&b, '|');
    aw_buf_append(&b, r->fields[i].p, r->fields[i].n);
  }
  aw_buf_terminate(&b);
  g->rows[g->n++] = b.data ? b.data : strdup("");
  return AW_OK;
}

static void test_loghub_headers(void) {
  size_t len;
  char *sj = t_slurp(t_data("loghub2k/settings.json"), &len);
  T_CHECKF(sj != NULL, "no settings.json");
  if (!sj) return;
  cJSON *root = cJSON_Parse(sj);
  free(sj);
  const cJSON *o;
  int datasets = 0;
  cJSON_ArrayForEach(o, cJSON_GetObjectItem(root, "order")) {
    const char *name = o->valuestring;
    const cJSON *s = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "datasets"), name);
    aw_logfmt_opts lo;
    aw_logfmt_opts_default(&lo);
    lo.kind = AW_LOGFMT_PATTERN;
    lo.log_format = cJSON_GetObjectItem(s, "log_format")->valuestring;
    collected c;
    memset(&c, 0, sizeof c);
    aw_error err;
    aw_logfmt *lf = aw_logfmt_new(&lo, collect, &c, &err);
    T_CHECKF(lf != NULL, "%s: %s", name, err.message);
    if (!lf) continue;
    char path[256];
    snprintf(path, sizeof path, "loghub2k/%s/%s_2k.log", name, name);
    char *log = t_slurp(t_data(path), &len);
    /* odd chunk size: lines and CRLFs split between chunks */
    for (size_t i = 0; log && i < len; i += 777) T_EQ_INT(aw_logfmt_feed(lf, log + i, len - i < 777 ? len - i : 777, &err), AW_OK);
    T_EQ_INT(aw_logfmt_finish(lf, &err), AW_OK);
    free(log);
    gtcols g;
    memset(&g, 0, sizeof g);
    snprintf(path, sizeof path, "loghub2k/%s/%s_2k.log_structured.csv", name, name);
    char *gtxt = t_slurp(t_data(path), &len);
    aw_csv_opts co;
    aw_csv_opts_default(&co);
    co.sep = ',';
    aw_csv *csv = aw_csv_new(&co, gt_rec, NULL, &g, &err);
    aw_csv_feed(csv, gtxt, len, &err);
    aw_csv_finish(csv, &err);
    aw_csv_free(csv);
    free(gtxt);
    T_EQ_INT(c.n, 2000);
    T_EQ_INT(g.n, 2000);
    {
      /* the same log without the fast paths (format regex, time detected on every line): the
       * same fields and bit-identical times */
      collected c2;
      memset(&c2, 0, sizeof c2);
      lo.no_fast_path = 1;
      aw_logfmt *lf2 = aw_logfmt_new(&lo, collect, &c2, &err);
      lo.no_fast_path = 0;
      snprintf(path, sizeof path, "loghub2k/%s/%s_2k.log", name, name);
      char *log2 = t_slurp(t_data(path), &len);
      if (lf2 && log2) aw_logfmt_feed(lf2, log2, len, &err);
      if (lf2) aw_logfmt_finish(lf2, &err);
      free(log2);
      T_EQ_INT(c2.n, c.n);
      size_t tsame = 0, fsame = 0, timed = 0;
      for (size_t i = 0; i < c.n && i < c2.n; i++) {
        tsame += memcmp(&c.time[i], &c2.time[i], sizeof(double)) == 0;
        fsame += strcmp(c.fields[i], c2.fields[i]) == 0;
        timed += c.time[i] == c.time[i];
      }
      T_CHECKF(tsame == c.n && fsame == c.n, "%s: fast paths differ (%zu times, %zu fields equal)", name, tsame, fsame);
      T_CHECKF(timed == c.n, "%s: %zu of %zu lines have a time", name, timed, c.n);
      free_collected(&c2);
      aw_logfmt_free(lf2);
    }
    size_t same = 0;
    for (size_t i = 0; i < c.n && i < g.n; i++) {
      if (strcmp(c.fields[i], g.rows[i]) == 0) same++;
      else if (same + 3 > i) fprintf(stderr, "  %s line %zu: got %s\n    want %s\n", name, i + 1, c.fields[i], g.rows[i]);
    }
    T_CHECKF(same == 2000, "%s: %zu of 2000 lines have the ground truth's header fields", name, same);
    T_EQ_INT(aw_logfmt_get_stats(lf)->unmatched, 0);
    T_EQ_INT(aw_logfmt_get_stats(lf)->lines, 2000);
    for (size_t i = 0; i < g.n; i++) free(g.rows[i]);
    free(g.rows);
    free_collected(&c);
    aw_logfmt_free(lf);
    datasets++;
  }
  T_EQ_INT(datasets, 16);
  cJSON_Delete(root);
}

/* ---- timestamps of the Loghub samples vs Python's datetime ---- */

static void test_loghub_times(void) {
  size_t len;
  char *txt = t_slurp("tests/c/data/logformat_times.txt", &len);
  T_CHECKF(txt != NULL, "no tests/c/data/logformat_times.txt");
  if (!txt) return;
  int cases = 0;
  for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#') continue;
    char *t1 = strchr(line, '\t');
    char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t2) continue;
    *t2 = '\0';
    double want = strtod(t2 + 1, NULL), got = -1;
    int ok = aw_logfmt_parse_time(t1 + 1, strlen(t1 + 1), NULL, 1970, &got);
    T_CHECKF(ok && fabs(got - want) < 1e-6, "%.*s \"%s\": got %.6f (ok %d), Python says %.6f", (int)(t1 - line), line,
             t1 + 1, got, ok, want);
    cases++;
  }
  T_EQ_INT(cases, 64);
  free(txt);
}

static void test_time_formats(void) {
  double t;
  T_CHECK(aw_logfmt_parse_time("2023-01-29T08:48:42.425293566Z", 30, NULL, 1970, &t));
  T_NEAR(t, 1674982122.425293566, 1e-6);
  T_CHECK(aw_logfmt_parse_time("2023-01-29T16:48:42+08:00", 25, NULL, 1970, &t));
  T_NEAR(t, 1674982122, 1e-9);
  T_CHECK(aw_logfmt_parse_time("1674982122425", 13, NULL, 1970, &t)); /* milliseconds */
  T_NEAR(t, 1674982122.425, 1e-6);
  T_CHECK(aw_logfmt_parse_time("2005-06-03-15.42.50.675872", 26, NULL, 1970, &t)); /* BGL's Time field */
  T_NEAR(t, 1117813370.675872, 1e-6);
  T_CHECK(aw_logfmt_parse_time("29/01/2023 08:48:42", 19, NULL, 1970, &t) == 0 || t > 0);
  /* explicit formats */
  T_CHECK(aw_logfmt_parse_time("29.01.2023 08:48:42", 19, "%d.%m.%Y %H:%M:%S", 1970, &t));
  T_NEAR(t, 1674982122, 1e-9);
  T_CHECK(aw_logfmt_parse_time("Jan  9 08:48:42", 15, "%b %e %H:%M:%S", 2023, &t));
  T_NEAR(t, 1673254122, 1e-9);
  T_CHECK(aw_logfmt_parse_time("2023 029 08:48:42.5 +0100", 25, "%Y %j %H:%M:%S.%f %z", 1970, &t));
  T_NEAR(t, 1674978522.5, 1e-9);
  T_CHECK(aw_logfmt_parse_time("@1674982122.25", 14, "@%s", 1970, &t));
  T_NEAR(t, 1674982122.25, 1e-9);
  /* the format detected on one line is reused only for texts detection would read the same way:
   * "20109" is not HHMMSS */
  {
    collected c;
    memset(&c, 0, sizeof c);
    const char *two = "081109 203615 first\n081109 20109 second\n081110 011431 third\n";
    aw_logfmt_opts lo;
    aw_logfmt_opts_default(&lo);
    lo.kind = AW_LOGFMT_PATTERN;
    lo.log_format = "<Date> <Time> <Content>";
    aw_error err;
    aw_logfmt *lf = aw_logfmt_new(&lo, collect, &c, &err);
    aw_logfmt_feed(lf, two, strlen(two), &err);
    aw_logfmt_finish(lf, &err);
    T_EQ_INT(c.n, 3);
    if (c.n == 3) {
      T_NEAR(c.time[0], 1226262975, 1e-9);
      T_CHECK(c.time[1] != c.time[1]);
      T_NEAR(c.time[2], 1226279671, 1e-9);
    }
    T_EQ_INT(aw_logfmt_get_stats(lf)->no_time, 1);
    free_collected(&c);
    aw_logfmt_free(lf);
  }
  /* rejected */
  T_CHECK(!aw_logfmt_parse_time("yesterday at noon", 17, NULL, 1970, &t));
  T_CHECK(!aw_logfmt_parse_time("2023-02-30 10:00:00", 19, NULL, 1970, &t));
  T_CHECK(!aw_logfmt_parse_time("", 0, NULL, 1970, &t));
  T_CHECK(!aw_logfmt_parse_time("12:00", 5, "%H:%M:%S", 1970, &t));
}

/* ---- line endings, chunking, empty input ---- */

static void run_text(const char *fmt, const char *text, size_t len, size_t chunk, collected *c, aw_logfmt **keep,
                     const aw_logfmt_opts *opts) {
  aw_logfmt_opts lo;
  if (opts) lo = *opts;
  else {
    aw_logfmt_opts_default(&lo);
    if (fmt) {
      lo.kind = AW_LOGFMT_PATTERN;
      lo.log_format = fmt;
    }
  }
  aw_error err;
  aw_logfmt *lf = aw_logfmt_new(&lo, collect, c, &err);
  T_CHECKF(lf != NULL, "%s", err.message);
  if (!lf) return;
  for (size_t i = 0; i < len; i += chunk) T_EQ_INT(aw_logfmt_feed(lf, text + i, len - i < chunk ? len - i : chunk, &err), AW_OK);
  T_EQ_INT(aw_logfmt_finish(lf, &err), AW_OK);
  if (keep) *keep = lf;
  else aw_logfmt_free(lf);
}

static void test_line_ends(void) {
  const char *text = "a one\r\nb two\nc three\rd four\r\n\r\n  \ne five";
  size_t len = strlen(text);
  for (size_t chunk = 1; chunk <= len; chunk++) {
    collected c;
    memset(&c, 0, sizeof c);
    aw_logfmt *lf = NULL;
    run_text(NULL, text, len, chunk, &c, &lf, NULL);
    T_EQ_INT(c.n, 5);
    if (c.n == 5) {
      T_STREQ(c.content[0], "a one");
      T_STREQ(c.content[2], "c three");
      T_STREQ(c.content[3], "d four");
      T_STREQ(c.content[4], "e five");
      T_EQ_INT(c.lineno[4], 7); /* lines 5 and 6 are blank */
      /* byte offsets of each line in the input, whatever the chunking */
      T_EQ_INT(c.off[0], 0);
      T_EQ_INT(c.off[1], 7);
      T_EQ_INT(c.off[2], 13);
      T_EQ_INT(c.off[3], 21);
      T_EQ_INT(c.off[4], 34);
    }
    T_EQ_INT(aw_logfmt_get_stats(lf)->lines, 7);
    T_EQ_INT(aw_logfmt_get_stats(lf)->blank_lines, 2);
    free_collected(&c);
    aw_logfmt_free(lf);
  }
  /* empty input: no lines, no error */
  collected c;
  memset(&c, 0, sizeof c);
  aw_logfmt *lf = NULL;
  run_text("<Date> <Content>", "", 0, 1, &c, &lf, NULL);
  T_EQ_INT(c.n, 0);
  T_EQ_INT(aw_logfmt_get_stats(lf)->lines, 0);
  aw_logfmt_free(lf);
}

/* ---- bad input ---- */

static void test_bad_input(void) {
  collected c;
  memset(&c, 0, sizeof c);
  aw_logfmt *lf = NULL;
  const char text[] = "[2024-01-01] ok fine\n[2024-01-02] bad \xff\xc3( utf8\n[2024-01-03] nul\0here\nnot a dated line\n";
  run_text("\\[<Date>\\] <Content>", text, sizeof text - 1, 5, &c, &lf, NULL);
  T_EQ_INT(c.n, 4);
  if (c.n == 4) {
    T_STREQ(c.content[1], "bad \xEF\xBF\xBD\xEF\xBF\xBD( utf8");
    T_CHECK(c.flags[1] & AW_LOGFMT_F_UTF8);
    T_STREQ(c.content[2], "nul\xEF\xBF\xBDhere");
    T_CHECK(c.flags[2] & AW_LOGFMT_F_NUL);
    T_CHECK(c.flags[3] & AW_LOGFMT_F_NOMATCH);
  }
  const aw_logfmt_stats *st = aw_logfmt_get_stats(lf);
  T_EQ_INT(st->utf8_fixed, 1);
  T_EQ_INT(st->nul_fixed, 1);
  T_EQ_INT(st->unmatched, 1); /* "not a dated line" has no "[date]" */
  T_EQ_INT(aw_logfmt_issue_count(lf), 3);
  const aw_logfmt_issue *is = aw_logfmt_issue_at(lf, 0);
  T_CHECK(is && is->line == 2 && strcmp(is->kind, "utf8") == 0);
  free_collected(&c);
  aw_logfmt_free(lf);
}

/* A log that matches none of its format: every line is listed and, by default, still delivered
 * with the whole line as its message; with SKIP (logpai) listed but not delivered. */
static void test_nothing_matches(void) {
  const char *text = "hello world\nsecond line here\nthird\n";
  for (int skip = 0; skip <= 1; skip++) {
    aw_logfmt_opts lo;
    aw_logfmt_opts_default(&lo);
    lo.kind = AW_LOGFMT_PATTERN;
    lo.log_format = "\\[<Time>\\] \\[<Level>\\] <Content>";
    lo.unmatched = skip;
    collected c;
    memset(&c, 0, sizeof c);
    aw_logfmt *lf = NULL;
    run_text(NULL, text, strlen(text), 4096, &c, &lf, &lo);
    T_EQ_INT(aw_logfmt_get_stats(lf)->unmatched, 3);
    T_EQ_INT(aw_logfmt_issue_count(lf), 3);
    T_EQ_INT(c.n, skip ? 0 : 3);
    if (!skip && c.n == 3) {
      T_STREQ(c.content[1], "second line here");
      T_STREQ(c.fields[1], "||second line here"); /* Time, Level empty; Content = the line */
    }
    const aw_logfmt_issue *is = aw_logfmt_issue_at(lf, 2);
    T_CHECK(is && is->line == 3 && strcmp(is->kind, "no-match") == 0);
    free_collected(&c);
    aw_logfmt_free(lf);
  }
}

/* A 1 MB line passes whole; a longer one is cut at max_line, listed, and the next line is fine. */
static void test_long_lines(void) {
  size_t big = 1 << 20;
  char *text = (char *)malloc(3 * big + 64);
  size_t n = 0;
  memcpy(text + n, "x ", 2);
  n += 2;
  for (size_t i = 0; i < big - 10; i++) text[n++] = (char)('a' + i % 26);
  text[n++] = '\n';
  size_t second = n;
  memcpy(text + n, "y ", 2);
  n += 2;
  for (size_t i = 0; i < 2 * big; i++) text[n++] = (i % 5) ? 'b' : ' ';
  text[n++] = '\n';
  memcpy(text + n, "z short line\n", 13);
  n += 13;
  (void)second;
  collected c;
  memset(&c, 0, sizeof c);
  aw_logfmt *lf = NULL;
  run_text("<Level> <Content>", text, n, 65536, &c, &lf, NULL);
  T_EQ_INT(c.n, 3);
  if (c.n == 3) {
    T_EQ_INT(strlen(c.content[0]), big - 10);
    T_CHECK(!(c.flags[0] & AW_LOGFMT_F_TRUNCATED));
    T_CHECK(c.flags[1] & AW_LOGFMT_F_TRUNCATED);
    T_CHECK(strlen(c.content[1]) < AW_LOGFMT_DEFAULT_MAX_LINE);
    T_STREQ(c.content[2], "short line");
    T_EQ_INT(c.lineno[2], 3);
  }
  T_EQ_INT(aw_logfmt_get_stats(lf)->truncated, 1);
  free_collected(&c);
  aw_logfmt_free(lf);
  free(text);
}

static void test_format_errors(void) {
  aw_logfmt_opts lo;
  aw_logfmt_opts_default(&lo);
  lo.kind = AW_LOGFMT_PATTERN;
  lo.log_format = "<Date> (<Level> <Content>";
  aw_error err;
  collected c;
  T_CHECK(aw_logfmt_new(&lo, collect, &c, &err) == NULL);
  T_CONTAINS(err.message, "log format \"<Date> (<Level> <Content>\"");
  T_CONTAINS(err.message, "missing )");
  lo.log_format = "<Date> <Message>";
  T_CHECK(aw_logfmt_new(&lo, collect, &c, &err) == NULL);
  T_CONTAINS(err.message, "no <Content> field");
  lo.log_format = "<A> <A> <Content>";
  T_CHECK(aw_logfmt_new(&lo, collect, &c, &err) == NULL);
  T_CONTAINS(err.message, "appears twice");
}

/* ---- JSON lines: Docker json-file envelopes ---- */

static void test_docker_json(void) {
  const char *text =
      "{\"log\":\"16:48:42.424 INFO  t.s.TravelServiceImpl#532 [getRoute] Route is: x\\n\",\"stream\":\"stdout\","
      "\"time\":\"2023-01-29T08:48:42.425293566Z\"}\n"
      "{\"time\":\"2023-01-29T08:48:43Z\",\"log\":\"caf\\u00e9 \\ud83d\\ude00 \\\"quoted\\\"\\n\",\"extra\":{\"a\":[1,2,{\"b\":null}]}}\n"
      "not json at all\n"
      "{\"stream\":\"stderr\",\"time\":\"2023-01-29T08:48:44Z\"}\n";
  aw_logfmt_opts lo;
  aw_logfmt_opts_default(&lo);
  lo.kind = AW_LOGFMT_JSON;
  collected c;
  memset(&c, 0, sizeof c);
  aw_logfmt *lf = NULL;
  run_text(NULL, text, strlen(text), 7, &c, &lf, &lo);
  T_EQ_INT(c.n, 4);
  if (c.n == 4) {
    T_STREQ(c.content[0], "16:48:42.424 INFO  t.s.TravelServiceImpl#532 [getRoute] Route is: x");
    T_NEAR(c.time[0], 1674982122.425293566, 1e-6);
    T_STREQ(c.content[1], "caf\xC3\xA9 \xF0\x9F\x98\x80 \"quoted\"");
    T_NEAR(c.time[1], 1674982123, 1e-9);
    T_CHECK(c.flags[2] & AW_LOGFMT_F_NOMATCH);
    T_CHECK(c.flags[3] & AW_LOGFMT_F_NOMATCH);
  }
  T_EQ_INT(aw_logfmt_get_stats(lf)->unmatched, 2);
  free_collected(&c);
  aw_logfmt_free(lf);
  /* with an inner format for the message */
  aw_logfmt_opts_default(&lo);
  lo.kind = AW_LOGFMT_JSON;
  lo.inner_format = "<Clock> <Level> <Component> <Content>";
  memset(&c, 0, sizeof c);
  run_text(NULL, text, strlen(text), 4096, &c, &lf, &lo);
  T_CHECK(c.n >= 1);
  if (c.n >= 1) {
    T_STREQ(c.fields[0], "2023-01-29T08:48:42.425293566Z|16:48:42.424|INFO|t.s.TravelServiceImpl#532|[getRoute] Route is: x");
    T_STREQ(c.content[0], "[getRoute] Route is: x");
  }
  free_collected(&c);
  aw_logfmt_free(lf);
}

/* ---- Nezha Train-Ticket: the Log column of a CSV, fed cell by cell ---- */

typedef struct {
  aw_logfmt *lf;
  int col_log, col_ns;
  size_t rows, checked;
  double max_err;
  double last_time;
} nezha_ctx;

static aw_status nezha_rec(void *ud, const aw_csv_record *r, aw_error *err) {
  nezha_ctx *n = (nezha_ctx *)ud;
  if (r->is_header) {
    for (size_t i = 0; i < r->nfields; i++) {
      if (r->fields[i].n == 3 && memcmp(r->fields[i].p, "Log", 3) == 0) n->col_log = (int)i;
      if (r->fields[i].n == 12 && memcmp(r->fields[i].p, "TimeUnixNano", 12) == 0) n->col_ns = (int)i;
    }
    return AW_OK;
  }
  n->rows++;
  const aw_csv_field *f = &r->fields[n->col_log];
  size_t before = aw_logfmt_get_stats(n->lf)->delivered;
  aw_status s = aw_logfmt_line_in(n->lf, f->p, f->n, r->line, err);
  if (s) return s;
  if (aw_logfmt_get_stats(n->lf)->delivered > before && n->last_time == n->last_time) {
    /* the envelope's time equals the TimeUnixNano column */
    char ns[32];
    snprintf(ns, sizeof ns, "%.*s", (int)r->fields[n->col_ns].n, r->fields[n->col_ns].p);
    double want = (double)strtoull(ns, NULL, 10) / 1e9;
    double e = fabs(n->last_time - want);
    if (e > n->max_err) n->max_err = e;
    n->checked++;
  }
  return AW_OK;
}

typedef struct {
  size_t n;
  double first_time;
  nezha_ctx *nc;
} nz_lines;

static aw_status nz_line(void *ud, const aw_logfmt_line *ln, aw_error *err) {
  nz_lines *z = (nz_lines *)ud;
  (void)err;
  if (z->n == 0) z->first_time = ln->time;
  z->nc->last_time = ln->time;
  z->n++;
  return ln->content_len > 0 ? AW_OK : aw_error_set(err, AW_ERR_PARSE, "empty message at %llu", (unsigned long long)ln->line);
}

static void test_nezha_csv(void) {
  size_t len;
  char *txt = t_slurp(t_data("nezha-trainticket/2023-01-29/faultfree_log/08_50_log.csv"), &len);
  T_CHECKF(txt != NULL, "no Nezha fault-free log");
  if (!txt) return;
  aw_logfmt_opts lo;
  aw_logfmt_opts_default(&lo);
  lo.kind = AW_LOGFMT_JSON;
  aw_error err;
  nezha_ctx n;
  memset(&n, 0, sizeof n);
  nz_lines z = {0, 0, &n};
  n.col_log = n.col_ns = -1;
  n.lf = aw_logfmt_new(&lo, nz_line, &z, &err);
  aw_csv_opts co;
  aw_csv_opts_default(&co);
  aw_csv *csv = aw_csv_new(&co, nezha_rec, NULL, &n, &err);
  for (size_t i = 0; i < len; i += 100000) T_EQ_INT(aw_csv_feed(csv, txt + i, len - i < 100000 ? len - i : 100000, &err), AW_OK);
  T_EQ_INT(aw_csv_finish(csv, &err), AW_OK);
  T_CHECK(n.rows > 100);
  T_EQ_INT(z.n, n.rows);                                   /* every envelope parsed */
  T_EQ_INT(aw_logfmt_get_stats(n.lf)->unmatched, 0);
  T_NEAR(z.first_time, 1674982122.425293566, 1e-6);         /* first row, 2023-01-29T08:48:42.425293566Z */
  T_EQ_INT(n.checked, n.rows);
  T_CHECKF(n.max_err < 1e-6, "envelope time vs TimeUnixNano: max error %g s", n.max_err);
  aw_csv_free(csv);
  aw_logfmt_free(n.lf);
  free(txt);
}


/* The fast splitter for plain formats returns exactly what the format regex returns: random
 * lines with runs of spaces, tabs, Unicode spaces, empty fields and separators in odd places. */
static void test_fast_path_equals_regex(void) {
  const char *fmts[] = {"<Date> <Time> <Pid> <Level> <Component>: <Content>", "<Date> <Time>, <Level>   <Component>    <Content>",
                        "\\[<Time>\\] \\[<Level>\\] <Content>", "<Time>\\|<Component>\\|<Pid>\\|<Content>",
                        "<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>", "<A>:<B> <Content>"};
  const char *pieces[] = {"a", "bb", " ", "  ", "\t", ":", ": ", "|", "[", "]", "-", ",", "@", "x:y", "\xC2\xA0", "\xE2\x80\x83", "z"};
  aw_rng rng;
  aw_rng_seed(&rng, 7);
  size_t diffs = 0, total = 0, matched = 0;
  for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
    aw_logfmt_opts lo;
    aw_logfmt_opts_default(&lo);
    lo.kind = AW_LOGFMT_PATTERN;
    lo.log_format = fmts[f];
    collected a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    aw_error err;
    aw_logfmt *fa = aw_logfmt_new(&lo, collect, &a, &err);
    lo.no_fast_path = 1;
    aw_logfmt *fb = aw_logfmt_new(&lo, collect, &b, &err);
    T_CHECK(fa && fb);
    if (!fa || !fb) return;
    for (int k = 0; k < 3000; k++) {
      char line[512];
      size_t n = 0;
      const size_t np = sizeof pieces / sizeof pieces[0];
#define PUT(str)                                        \
  do {                                                  \
    const char *pc_ = (str);                            \
    size_t l_ = strlen(pc_);                            \
    if (n + l_ + 1 < sizeof line) {                     \
      memcpy(line + n, pc_, l_);                        \
      n += l_;                                          \
    }                                                   \
  } while (0)
      if (k % 2) {
        int parts = 1 + (int)aw_rng_below(&rng, 14);
        for (int q = 0; q < parts; q++) PUT(pieces[aw_rng_below(&rng, np)]);
      } else {
        /* follow the format, with random field values and white space */
        for (const char *fp = fmts[f]; *fp;) {
          if (*fp == '<') {
            const char *q = strchr(fp, '>');
            int m = (int)aw_rng_below(&rng, 4);
            for (int r = 0; r < m; r++) PUT(pieces[aw_rng_below(&rng, np)]);
            fp = q + 1;
          } else if (*fp == ' ') {
            while (*fp == ' ') fp++;
            int m = 1 + (int)aw_rng_below(&rng, 2);
            for (int r = 0; r < m; r++) PUT(aw_rng_below(&rng, 4) ? " " : pieces[4 + aw_rng_below(&rng, 2)]);
          } else {
            if (*fp == '\\') fp++;
            char one[2] = {*fp++, 0};
            PUT(aw_rng_below(&rng, 20) ? one : pieces[aw_rng_below(&rng, np)]);
          }
        }
      }
#undef PUT
      aw_logfmt_line_in(fa, line, n, (uint64_t)k + 1, &err);
      aw_logfmt_line_in(fb, line, n, (uint64_t)k + 1, &err);
    }
    T_EQ_INT(a.n, b.n);
    for (size_t i = 0; i < a.n && i < b.n; i++) {
      total++;
      if (!(a.flags[i] & AW_LOGFMT_F_NOMATCH)) matched++;
      if (strcmp(a.fields[i], b.fields[i]) != 0 || a.flags[i] != b.flags[i]) {
        if (diffs++ < 5) fprintf(stderr, "  format %zu: fast \"%s\" regex \"%s\"\n", f, a.fields[i], b.fields[i]);
      }
    }
    free_collected(&a);
    free_collected(&b);
    aw_logfmt_free(fa);
    aw_logfmt_free(fb);
  }
  T_EQ_INT(diffs, 0);
  T_CHECKF(matched > total / 4, "only %zu of %zu random lines matched a format", matched, total);
}

/* ---- times read by position (logformat.c time_fixed: formats of full-width numeric fields,
 * literals and spaces) give what the item-by-item reading gives (aw_logfmt_parse_time with the
 * same format), for texts that have the layout and texts that do not ---- */

/* Two times are the same: equal, or both NaN (no time). */
static int same_time(double a, double b) { return a == b || (a != a && b != b); }

/* The time formats of the fixed-layout tests (NULL: detected), and a reader's options for them. */
static const char *const TIME_FMTS[] = {"%Y-%m-%d %H:%M:%S", "%y%m%d %H%M%S", NULL};

static void time_test_opts(aw_logfmt_opts *lo, const char *fmt) {
  aw_logfmt_opts_default(lo);
  lo->kind = AW_LOGFMT_PATTERN;
  lo->log_format = "<Date> <Time> <Content>";
  lo->time_format = fmt;
}

static void test_fixed_time_layout(void) {
  const char *const *fmts = TIME_FMTS;
  static const char *texts[] = {"2015-10-18 18:01:47", "2015-1-18 18:01:47", "2015-13-18 18:01:47", "2015-02-30 18:01:47",
                                "2015-10-18 24:00:00", "081109 203615",      "081109 203661",       "0811091 203615",
                                "081109 2036150",      "2016-02-29 00:00:60", "1999-12-31 23:59:59", "081109 000000"};
  for (size_t f = 0; f < 3; f++) {
    aw_logfmt_opts lo;
    time_test_opts(&lo, fmts[f]);
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
      /* the same text twice (the second reading may come from a cache) */
      char line[128];
      int l = snprintf(line, sizeof line, "%s message\n%s message\n", texts[k], texts[k]);
      collected c;
      memset(&c, 0, sizeof c);
      run_text(NULL, line, (size_t)l, (size_t)l, &c, NULL, &lo);
      double want = NAN;
      if (!aw_logfmt_parse_time(texts[k], strlen(texts[k]), fmts[f], 1970, &want)) want = NAN;
      T_EQ_INT(c.n, 2);
      for (size_t i = 0; i < c.n; i++)
        T_CHECKF(same_time(c.time[i], want), "format %s, \"%s\": %.17g, want %.17g",
                 fmts[f] ? fmts[f] : "(auto)", texts[k], c.time[i], want);
      free_collected(&c);
    }
  }
}

/* ---- time_fixed remembers the day of the last date it read: texts of one date in a row, with
 * valid and out-of-range times of day, a new date, and back, read by one reader, give what each
 * text read alone gives ---- */

static void test_fixed_time_day_cache(void) {
  const char *const *fmts = TIME_FMTS;
  static const char *days[][2] = {{"2015-10-18", "2016-02-29"}, {"081109", "160229"}, {"2015-10-18", "081110"}};
  static const char *tod[][2] = {{"18:01:47", "180147"}, {"24:00:00", "240000"}, {"25:00:00", "250000"},
                                 {"00:60:00", "006000"}, {"23:59:60", "235960"}, {"23:59:61", "235961"},
                                 {"00:00:00", "000000"}, {"09:05:07", "090507"}};
  for (size_t f = 0; f < 3; f++) {
    aw_logfmt_opts lo;
    time_test_opts(&lo, fmts[f]);
    aw_buf text = {0};
    char want_text[64][24];
    size_t nl = 0;
    for (int rep = 0; rep < 3; rep++) /* date A, date B, date A again */
      for (size_t t = 0; t < sizeof tod / sizeof tod[0]; t++) {
        const char *day = days[f][rep == 1];
        int second_kind = f == 1 || (f == 2 && rep == 1);
        char line[64];
        int l = snprintf(line, sizeof line, "%s %s message\n", day, tod[t][second_kind]);
        snprintf(want_text[nl++], sizeof want_text[0], "%s %s", day, tod[t][second_kind]);
        aw_buf_append(&text, line, (size_t)l);
      }
    collected c;
    memset(&c, 0, sizeof c);
    run_text(NULL, text.data, text.len, text.len, &c, NULL, &lo);
    T_EQ_INT(c.n, nl);
    size_t valid = 0;
    for (size_t i = 0; i < c.n && i < nl; i++) {
      double want = NAN;
      /* each text alone, by a reader that has seen no other */
      collected one;
      memset(&one, 0, sizeof one);
      char line[64];
      int l = snprintf(line, sizeof line, "%s message\n", want_text[i]);
      run_text(NULL, line, (size_t)l, (size_t)l, &one, NULL, &lo);
      if (one.n == 1) want = one.time[0];
      free_collected(&one);
      valid += want == want;
      T_CHECKF(same_time(c.time[i], want), "format %s, line %zu \"%s\": %.17g, want %.17g",
               fmts[f] ? fmts[f] : "(auto)", i, want_text[i], c.time[i], want);
    }
    T_CHECKF(valid >= 12 && valid < nl, "format %s: %zu of %zu times valid", fmts[f] ? fmts[f] : "(auto)", valid, nl);
    free_collected(&c);
    aw_buf_free(&text);
  }
}

/* ---- the delivery queue: lines are handed over in batches (logformat.c emit); the callback
 * must see the same lines in the same order as when each line is given alone, whatever the
 * chunking, with lines that need sanitizing or span chunks in between; and a callback's error
 * stops the delivery at that line ---- */

typedef struct {
  collected c;
  size_t fail_at; /* return an error on this 1-based delivery (0: never) */
} failing;

static aw_status collect_or_fail(void *ud, const aw_logfmt_line *ln, aw_error *err) {
  failing *f = (failing *)ud;
  if (f->fail_at && f->c.n + 1 == f->fail_at) return aw_error_set(err, AW_ERR_CANCELLED, "stop at %zu", f->fail_at);
  return collect(&f->c, ln, err);
}

static void test_queue(void) {
  const char *fmt = "<Date> <Time> <Level> <Component>: <Content>";
  aw_buf text = {0};
  for (int i = 0; i < 1000; i++) {
    char line[160];
    int k = snprintf(line, sizeof line, "081109 2036%02d INFO dfs.DataNode: line %d of the test%s", i % 60, i,
                     i % 97 == 5 ? " \xff bad" : ""); /* invalid UTF-8: sanitized, not queued */
    if (i % 131 == 7) aw_buf_append(&text, "not the format\n", 15);
    aw_buf_append(&text, line, (size_t)k);
    aw_buf_append(&text, i % 3 ? "\n" : "\r\n", i % 3 ? 1 : 2);
  }
  /* the reference: each line given alone (aw_logfmt_line_in never queues) */
  collected ref;
  memset(&ref, 0, sizeof ref);
  aw_logfmt_opts lo;
  aw_logfmt_opts_default(&lo);
  lo.kind = AW_LOGFMT_PATTERN;
  lo.log_format = fmt;
  aw_error err;
  aw_logfmt *lf = aw_logfmt_new(&lo, collect, &ref, &err);
  uint64_t no = 0;
  for (size_t a = 0; a < text.len;) {
    size_t b = a;
    while (b < text.len && text.data[b] != '\n' && text.data[b] != '\r') b++;
    T_EQ_INT(aw_logfmt_line_in(lf, text.data + a, b - a, ++no, &err), AW_OK);
    a = b + (b + 1 < text.len && text.data[b] == '\r' && text.data[b + 1] == '\n' ? 2 : 1);
  }
  aw_logfmt_free(lf);
  T_EQ_INT(ref.n, 1008);
  static const size_t chunks[] = {1, 7, 100, 4096, 1 << 20};
  for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
    collected c;
    memset(&c, 0, sizeof c);
    aw_logfmt *l2 = NULL;
    run_text(NULL, text.data, text.len, chunks[ci], &c, &l2, &lo);
    T_EQ_INT(c.n, ref.n);
    size_t bad = 0;
    for (size_t i = 0; i < c.n && i < ref.n; i++)
      if (strcmp(c.content[i], ref.content[i]) || strcmp(c.fields[i], ref.fields[i]) || c.lineno[i] != ref.lineno[i] ||
          c.flags[i] != ref.flags[i] || !same_time(c.time[i], ref.time[i]))
        bad++;
    T_EQ_INT(bad, 0);
    T_EQ_INT(aw_logfmt_get_stats(l2)->delivered, ref.n);
    aw_logfmt_free(l2);
    free_collected(&c);
  }
  /* a callback error at delivery 300 (inside a queued batch): feed returns it, 299 lines were
   * collected, and 300 are counted as delivered (passed to the callback, as without the queue) -
   * not the rest of the batch */
  failing f;
  memset(&f, 0, sizeof f);
  f.fail_at = 300;
  lf = aw_logfmt_new(&lo, collect_or_fail, &f, &err);
  aw_status st = aw_logfmt_feed(lf, text.data, text.len, &err);
  T_EQ_INT(st, AW_ERR_CANCELLED);
  T_CONTAINS(err.message, "stop at 300");
  T_EQ_INT(f.c.n, 299);
  T_EQ_INT(aw_logfmt_get_stats(lf)->delivered, 300);
  if (f.c.n == 299) T_STREQ(f.c.content[298], ref.content[298]);
  aw_logfmt_free(lf);
  free_collected(&f.c);
  free_collected(&ref);
  aw_buf_free(&text);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_time_formats);
  T_RUN(test_loghub_times);
  T_RUN(test_loghub_headers);
  T_RUN(test_line_ends);
  T_RUN(test_bad_input);
  T_RUN(test_nothing_matches);
  T_RUN(test_long_lines);
  T_RUN(test_format_errors);
  T_RUN(test_docker_json);
  T_RUN(test_nezha_csv);
  T_RUN(test_fast_path_equals_regex);
  T_RUN(test_queue);
  T_RUN(test_fixed_time_layout);
  T_RUN(test_fixed_time_day_cache);
  return t_done();
}

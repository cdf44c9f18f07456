/* test_input_jsontok.c - the streaming JSON tokenizer (core/src/input_jsontok.c) against Python's
 * json parser: the token streams of random documents (tests/fixtures/inputs/json_*.json, made by
 * tests/c/gen_input_fixtures.py) must equal what Python saw, for every chunk size; malformed JSON
 * fails with the right line and column; limits hold. */
#include "internal/jsontok.h"
#include "t.h"

/* the dump format of the fixtures: "<depth> <TAG>[ <text>]" per token, strings as Python's
 * json.dumps(ensure_ascii=True) writes them */
static void py_escape(aw_buf *b, const char *s, size_t n) {
  aw_buf_putc(b, '"');
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    unsigned cp;
    size_t len;
    if (c < 0x80) cp = c, len = 1;
    else if ((c & 0xE0) == 0xC0) cp = c & 0x1F, len = 2;
    else if ((c & 0xF0) == 0xE0) cp = c & 0x0F, len = 3;
    else cp = c & 0x07, len = 4;
    for (size_t k = 1; k < len && i + k < n; k++) cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
    i += len;
    switch (cp) {
      case '"': aw_buf_append(b, "\\\"", 2); continue;
      case '\\': aw_buf_append(b, "\\\\", 2); continue;
      case '\n': aw_buf_append(b, "\\n", 2); continue;
      case '\r': aw_buf_append(b, "\\r", 2); continue;
      case '\t': aw_buf_append(b, "\\t", 2); continue;
      case '\b': aw_buf_append(b, "\\b", 2); continue;
      case '\f': aw_buf_append(b, "\\f", 2); continue;
      default: break;
    }
    if (cp < 0x20 || (cp >= 0x80 && cp < 0x10000)) aw_buf_printf(b, "\\u%04x", cp);
    else if (cp >= 0x10000) {
      cp -= 0x10000;
      aw_buf_printf(b, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
    } else aw_buf_putc(b, (char)cp);
  }
  aw_buf_putc(b, '"');
}

typedef struct dump {
  aw_buf out;
  int stop_after; /* > 0: fail on that token */
  int count;
} dump;

static aw_status on_tok(void *ud, const aw_jt_token *t, aw_error *err) {
  dump *d = (dump *)ud;
  if (d->stop_after && ++d->count == d->stop_after) return aw_error_set(err, AW_ERR_CANCELLED, "stop");
  static const char *tags[] = {"OB", "OE", "AB", "AE", "K", "S", "N", "T", "F", "Z"};
  aw_buf_printf(&d->out, "%d %s", t->depth, tags[t->kind]);
  if (t->kind == AW_JT_KEY || t->kind == AW_JT_STRING) {
    aw_buf_putc(&d->out, ' ');
    py_escape(&d->out, t->s, t->n);
  } else if (t->kind == AW_JT_NUMBER) {
    aw_buf_printf(&d->out, " %s", t->s);
  }
  aw_buf_putc(&d->out, '\n');
  return AW_OK;
}

static aw_status run(const char *text, size_t n, size_t chunk, dump *d, aw_error *err, size_t max_string, int max_depth) {
  aw_jt *j = aw_jt_new("doc.json", max_string, max_depth, on_tok, d, err);
  if (!j) return err->code;
  aw_status st = AW_OK;
  for (size_t off = 0; off < n && !st; off += chunk) st = aw_jt_feed(j, text + off, off + chunk < n ? chunk : n - off, err);
  if (!st) st = aw_jt_finish(j, err);
  aw_jt_free(j);
  return st;
}

static void test_python_token_streams(void) {
  static const size_t chunks[] = {1, 2, 3, 5, 17, 4096, (size_t)1 << 30};
  for (int i = 0; i < 12; i++) {
    char path[128], tpath[128];
    snprintf(path, sizeof path, "tests/fixtures/inputs/json_%02d.json", i);
    snprintf(tpath, sizeof tpath, "tests/fixtures/inputs/json_%02d.tokens", i);
    size_t n, tn;
    char *text = t_slurp(path, &n), *want = t_slurp(tpath, &tn);
    T_CHECKF(text && want, "fixture %s", path);
    if (!text || !want) continue;
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
      dump d = {{0}, 0, 0};
      aw_error err = {0};
      aw_status st = run(text, n, chunks[c], &d, &err, 1 << 20, 64);
      T_CHECKF(st == AW_OK, "%s chunk %zu: %s (line %llu col %llu)", path, chunks[c], err.message, (unsigned long long)err.line,
               (unsigned long long)err.column);
      aw_buf_terminate(&d.out);
      T_CHECKF(d.out.len == tn && memcmp(d.out.data, want, tn) == 0, "%s chunk %zu: tokens differ from Python's", path, chunks[c]);
      if (c == 0 && (d.out.len != tn || memcmp(d.out.data, want, tn) != 0)) fprintf(stderr, "got:\n%s\nwant:\n%s\n", d.out.data, want);
      aw_buf_free(&d.out);
    }
    free(text);
    free(want);
  }
}

typedef struct bad_case {
  const char *text;
  uint64_t line, column;
  const char *msg;
} bad_case;

static void test_malformed(void) {
  static const bad_case cases[] = {
      {"{\"a\":1,}", 1, 8, "expected a key"},
      {"[1,]", 1, 4, "a value is missing before ']'"},
      {"{\"a\" 1}", 1, 6, "expected ':'"},
      {"[1 2]", 1, 4, "expected ',' or ']'"},
      {"{\"a\":1]", 1, 7, "expected ',' or '}'"},
      {"\n\n  [\"abc", 3, 8, "ends inside a string"},
      {"[\"a\nb\"]", 1, 4, "not closed before the line end"},
      {"[\"\\ud800\"]", 1, 9, "lone UTF-16 high surrogate"},
      {"[\"\\udc00\"]", 1, 8, "lone UTF-16 low surrogate"},
      {"[\"\\q\"]", 1, 4, "invalid escape"},
      {"[\"\\u12G4\"]", 1, 7, "four hex digits"},
      {"[01]", 1, 2, "'01' is not a number"},
      {"[1.]", 1, 2, "'1.' is not a number"},
      {"[-]", 1, 2, "'-' is not a number"},
      {"[1e]", 1, 2, "'1e' is not a number"},
      {"[.5]", 1, 2, "expected a value"},
      {"[tru]", 1, 5, "expected a value"},
      {"{} x", 1, 4, "text after the end"},
      {"", 1, 1, "empty document"},
      {"   \n ", 2, 2, "empty document"},
      {"[[[", 1, 4, "ends inside an array"},
      {"{\"a\":{", 1, 7, "ends inside an object"},
      {"]", 1, 1, "unexpected end of a container"},
      {"\xEF\xBB[1]", 1, 1, "damaged byte order mark"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (size_t chunk = 1; chunk <= 64; chunk *= 4) {
      dump d = {{0}, 0, 0};
      aw_error err = {0};
      aw_status st = run(cases[i].text, strlen(cases[i].text), chunk, &d, &err, 1 << 20, 64);
      T_CHECKF(st == AW_ERR_PARSE, "case %zu (%s): status %d", i, cases[i].text, st);
      T_CHECKF(strstr(err.message, cases[i].msg) != NULL, "case %zu: message '%s' lacks '%s'", i, err.message, cases[i].msg);
      T_CHECKF(err.line == cases[i].line && err.column == cases[i].column, "case %zu (%s): at %llu:%llu, expected %llu:%llu", i,
               cases[i].text, (unsigned long long)err.line, (unsigned long long)err.column,
               (unsigned long long)cases[i].line, (unsigned long long)cases[i].column);
      T_STREQ(err.file, "doc.json");
      aw_buf_free(&d.out);
    }
  }
}

static void test_limits_and_stop(void) {
  /* nesting */
  char deep[200];
  memset(deep, '[', 100);
  memset(deep + 100, ']', 100);
  dump d = {{0}, 0, 0};
  aw_error err = {0};
  T_EQ_INT(run(deep, 200, 7, &d, &err, 1 << 20, 64), AW_ERR_PARSE);
  T_CONTAINS(err.message, "nested too deeply");
  aw_buf_free(&d.out);
  d = (dump){{0}, 0, 0};
  T_EQ_INT(run(deep, 200, 7, &d, &err, 1 << 20, 100), AW_OK);
  aw_buf_free(&d.out);
  /* a long string, in bounded memory */
  size_t n = 300000;
  char *big = (char *)malloc(n + 4);
  big[0] = '[';
  big[1] = '"';
  memset(big + 2, 'x', n - 4);
  big[n - 2] = '"';
  big[n - 1] = ']';
  d = (dump){{0}, 0, 0};
  T_EQ_INT(run(big, n, 1000, &d, &err, 1000, 64), AW_ERR_LIMIT);
  T_CONTAINS(err.message, "a string longer than 1000 bytes");
  T_EQ_INT(err.line, 1);
  T_EQ_INT(err.column, 2);
  aw_buf_free(&d.out);
  d = (dump){{0}, 0, 0};
  T_EQ_INT(run(big, n, 1000, &d, &err, 1 << 20, 64), AW_OK);
  aw_buf_free(&d.out);
  free(big);
  /* a callback's status stops the tokenizer */
  d = (dump){{0}, 3, 0};
  T_EQ_INT(run("[1,2,3,4]", 9, 1, &d, &err, 1 << 20, 64), AW_ERR_CANCELLED);
  T_EQ_INT(d.count, 3);
  aw_buf_free(&d.out);
  /* unicode escapes become UTF-8, \u0000 included (n counts it) */
  d = (dump){{0}, 0, 0};
  const char *u = "[\"\\u00e9\\ud83d\\ude00\\u0000x\"]";
  T_EQ_INT(run(u, strlen(u), 1, &d, &err, 1 << 20, 64), AW_OK);
  aw_buf_terminate(&d.out);
  T_STREQ(d.out.data, "0 AB\n1 S \"\\u00e9\\ud83d\\ude00\\u0000x\"\n0 AE\n");
  aw_buf_free(&d.out);
}

int main(int argc, char **argv) {
  if (argc > 1) t_filter = argv[1];
  T_RUN(test_python_token_streams);
  T_RUN(test_malformed);
  T_RUN(test_limits_and_stop);
  return t_done();
}

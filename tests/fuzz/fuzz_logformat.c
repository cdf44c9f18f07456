/* fuzz_logformat.c - libFuzzer target for the log-format reader. Input: a control byte (kind,
 * chunk size), a format line, then log text. Feeds the text in chunks; for logpai formats also
 * runs the regex-only path and checks both give the same lines, fields and times. Also parses
 * time strings. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aw/logformat.h"

typedef struct {
  uint64_t h;
  size_t n;
} acc;

static uint64_t mixb(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
  return h;
}

static aw_status cb(void *ud, const aw_logfmt_line *ln, aw_error *err) {
  (void)err;
  acc *a = (acc *)ud;
  a->n++;
  a->h = mixb(a->h, &ln->line, sizeof ln->line);
  a->h = mixb(a->h, ln->content, ln->content_len);
  for (size_t i = 0; i < ln->nfields; i++) {
    a->h = mixb(a->h, ln->fields[i].value, ln->fields[i].len);
    a->h = mixb(a->h, "|", 1);
  }
  double t = ln->time != ln->time ? -1.0 : ln->time;
  a->h = mixb(a->h, &t, sizeof t);
  return AW_OK;
}

static int run(const aw_logfmt_opts *lo, const uint8_t *text, size_t n, size_t chunk, acc *a) {
  aw_error err;
  aw_logfmt *lf = aw_logfmt_new(lo, cb, a, &err);
  if (!lf) return 0;
  for (size_t i = 0; i < n; i += chunk) aw_logfmt_feed(lf, text + i, n - i < chunk ? n - i : chunk, &err);
  aw_logfmt_finish(lf, &err);
  for (size_t i = 0; i < aw_logfmt_issue_count(lf); i++) (void)aw_logfmt_issue_at(lf, i);
  aw_logfmt_free(lf);
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  uint8_t ctl = data[0];
  data++;
  size--;
  const uint8_t *nl = (const uint8_t *)memchr(data, '\n', size);
  size_t fl = nl ? (size_t)(nl - data) : size;
  if (fl > 200) return 0;
  char fmt[201];
  memcpy(fmt, data, fl);
  fmt[fl] = '\0';
  const uint8_t *text = nl ? nl + 1 : data + size;
  size_t n = nl ? size - fl - 1 : 0;
  if (n > 20000) n = 20000;
  size_t chunk = 1 + (ctl >> 3);
  aw_logfmt_opts lo;
  aw_logfmt_opts_default(&lo);
  lo.max_line = 64 + (size_t)(ctl & 7) * 100;
  lo.max_issues = 10;
  switch (ctl & 3) {
    case 0: lo.kind = AW_LOGFMT_PATTERN; lo.log_format = fmt; break;
    case 1: lo.kind = AW_LOGFMT_JSON; lo.content_field = "log"; lo.inner_format = fl ? fmt : NULL; break;
    case 2: lo.kind = AW_LOGFMT_PLAIN; break;
    default: lo.kind = AW_LOGFMT_PATTERN; lo.log_format = fmt; lo.time_format = "%Y-%m-%d %H:%M:%S"; break;
  }
  acc a = {1469598103934665603ull, 0}, b = {1469598103934665603ull, 0};
  if (run(&lo, text, n, chunk, &a) && lo.kind == AW_LOGFMT_PATTERN) {
    lo.no_fast_path = 1;
    run(&lo, text, n, n ? n : 1, &b);
    if (a.n != b.n || a.h != b.h) abort(); /* fast paths must give what the regex gives */
  }
  double t;
  aw_logfmt_parse_time((const char *)text, n < 64 ? n : 64, NULL, 2000, &t);
  aw_logfmt_parse_time((const char *)text, n < 64 ? n : 64, fl ? fmt : NULL, 2000, &t);
  return 0;
}

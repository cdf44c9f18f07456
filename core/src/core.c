/* core.c - errors, allocation helpers, byte buffers, number formatting, progress. */
#include "aw/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aw_error_clear(aw_error *err) {
  if (!err) return;
  err->code = AW_OK;
  err->file[0] = '\0';
  err->line = 0;
  err->column = 0;
  err->message[0] = '\0';
}

static void set_msg(aw_error *err, const char *fmt, va_list ap) {
  vsnprintf(err->message, sizeof err->message, fmt, ap);
}

aw_status aw_error_set(aw_error *err, aw_status code, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  set_msg(err, fmt, ap);
  va_end(ap);
  return code;
}

aw_status aw_error_at(aw_error *err, aw_status code, const char *file, uint64_t line, uint64_t column,
                      const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  if (file) snprintf(err->file, sizeof err->file, "%s", file);
  err->line = line;
  err->column = column;
  va_list ap;
  va_start(ap, fmt);
  set_msg(err, fmt, ap);
  va_end(ap);
  return code;
}

aw_status aw_error_prefix(aw_error *err, const char *fmt, ...) {
  if (!err) return AW_OK;
  char pre[AW_ERROR_MSG_MAX], old[AW_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pre, sizeof pre, fmt, ap);
  va_end(ap);
  memcpy(old, err->message, sizeof old);
  /* pre and old are each < AW_ERROR_MSG_MAX; the result is truncated to fit */
  size_t np = strlen(pre), no = strlen(old);
  if (np > AW_ERROR_MSG_MAX - 3) np = AW_ERROR_MSG_MAX - 3;
  memcpy(err->message, pre, np);
  err->message[np] = ':';
  err->message[np + 1] = ' ';
  size_t room = AW_ERROR_MSG_MAX - 1 - (np + 2);
  if (no > room) no = room;
  memcpy(err->message + np + 2, old, no);
  err->message[np + 2 + no] = '\0';
  return err->code;
}

const char *aw_status_name(aw_status s) {
  switch (s) {
    case AW_OK: return "ok";
    case AW_ERR_ARG: return "argument";
    case AW_ERR_NOMEM: return "out-of-memory";
    case AW_ERR_IO: return "io";
    case AW_ERR_PARSE: return "parse";
    case AW_ERR_RANGE: return "range";
    case AW_ERR_LIMIT: return "limit";
    case AW_ERR_STATE: return "state";
    case AW_ERR_CANCELLED: return "cancelled";
    case AW_ERR_UNSUPPORTED: return "unsupported";
    case AW_ERR_NUMERIC: return "numeric";
    case AW_ERR_VERSION: return "version";
    case AW_ERR_NOTFOUND: return "not-found";
  }
  return "unknown";
}

char *aw_error_format(const aw_error *err, char *buf, size_t n) {
  if (!buf || n == 0) return buf;
  buf[0] = '\0';
  if (!err) return buf;
  size_t used = 0;
  int k;
  if (err->file[0]) {
    k = snprintf(buf, n, "%s:", err->file);
    used = k > 0 ? (size_t)k : 0;
  }
  if (err->line && used < n) {
    k = snprintf(buf + used, n - used, "%llu:", (unsigned long long)err->line);
    used += k > 0 ? (size_t)k : 0;
    if (err->column && used < n) {
      k = snprintf(buf + used, n - used, "%llu:", (unsigned long long)err->column);
      used += k > 0 ? (size_t)k : 0;
    }
  }
  if (used < n) snprintf(buf + used, n - used, "%s%s", used ? " " : "", err->message);
  return buf;
}

void *aw_alloc_array(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  size_t total = n * size;
  return AW_MALLOC(total ? total : 1);
}

void *aw_calloc_array(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  return AW_CALLOC(n ? n : 1, size ? size : 1);
}

aw_status aw_grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return AW_OK;
  size_t nc = *cap ? *cap : 16;
  while (nc < need) {
    if (nc > SIZE_MAX / 2) return AW_ERR_NOMEM;
    nc *= 2;
  }
  if (size && nc > SIZE_MAX / size) return AW_ERR_NOMEM;
  void *q = AW_REALLOC(*p, nc * size);
  if (!q) return AW_ERR_NOMEM;
  *p = q;
  *cap = nc;
  return AW_OK;
}

aw_status aw_buf_append(aw_buf *b, const void *data, size_t n) {
  if (n == 0) return AW_OK;
  if (b->len + n < b->len || b->len + n + 1 < b->len + n) return AW_ERR_NOMEM;
  aw_status st = aw_grow((void **)&b->data, &b->cap, b->len + n + 1, 1);
  if (st) return st;
  memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
  return AW_OK;
}

aw_status aw_buf_putc(aw_buf *b, char c) { return aw_buf_append(b, &c, 1); }

aw_status aw_buf_printf(aw_buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (k < 0) return AW_ERR_ARG;
  if ((size_t)k < sizeof small) return aw_buf_append(b, small, (size_t)k);
  aw_status st = aw_grow((void **)&b->data, &b->cap, b->len + (size_t)k + 1, 1);
  if (st) return st;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)k + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)k;
  return AW_OK;
}

aw_status aw_buf_terminate(aw_buf *b) {
  aw_status st = aw_grow((void **)&b->data, &b->cap, b->len + 1, 1);
  if (st) return st;
  b->data[b->len] = '\0';
  return AW_OK;
}

void aw_buf_free(aw_buf *b) {
  if (!b) return;
  AW_FREE(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* Both glibc's and musl's printf/strtod round correctly, so this is identical natively and in
 * WASM; the decimal point is fixed up in case a caller set a locale with a different one. */
static void fix_decimal_point(char *s) {
  for (; *s; s++)
    if (*s == ',') *s = '.';
}

size_t aw_fmt_double(char *buf, double x) {
  if (x != x) { memcpy(buf, "nan", 4); return 3; }
  if (x == 1.0 / 0.0) { memcpy(buf, "inf", 4); return 3; }
  if (x == -1.0 / 0.0) { memcpy(buf, "-inf", 5); return 4; }
  if (x == 0) {
    /* keep the sign of -0 out of outputs: it only confuses CSV consumers */
    memcpy(buf, "0", 2);
    return 1;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, AW_FMT_DOUBLE_MAX, "%.*g", prec, x);
    fix_decimal_point(buf);
    if (prec == 17) break;
    /* parse back with '.' as the only decimal point */
    char tmp[AW_FMT_DOUBLE_MAX];
    memcpy(tmp, buf, AW_FMT_DOUBLE_MAX);
    if (strtod(tmp, NULL) == x) break;
  }
  return strlen(buf);
}

int aw_progress_report(const aw_progress *p, double fraction, const char *stage) {
  if (!p || !p->report) return 0;
  return p->report(p->ud, fraction, stage);
}

/* csv.c - the streaming CSV tokenizer (a resumable byte-level state machine, so a record may span
 * any number of chunks), plus number and time parsing shared by every importer. */
#include "aw/csv.h"

#include <locale.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aw_csv_opts_default(aw_csv_opts *o) {
  memset(o, 0, sizeof *o);
  o->header = 1;
  o->max_line = AW_CSV_DEFAULT_MAX_LINE;
  o->max_cols = AW_CSV_DEFAULT_MAX_COLS;
}

enum {
  ST_DETECT,         /* collecting the first line to choose the separator */
  ST_FIELD_START,    /* at the start of a field */
  ST_UNQUOTED,       /* inside an unquoted field */
  ST_QUOTED,         /* inside a quoted field */
  ST_QUOTE_QUOTE,    /* saw '"' inside a quoted field: an escaped quote or the closing one */
  ST_AFTER_CLOSE,    /* text after a closing quote (an error) until the field ends */
  ST_SKIP            /* skipping the rest of a record that outgrew max_line, to the next line end */
};

/* Record-level problems, first one wins. */
enum { BAD_NONE, BAD_NUL, BAD_UTF8, BAD_QUOTE, BAD_COLS, BAD_LONG };

struct aw_csv {
  aw_csv_opts o;
  aw_csv_record_fn on_record;
  aw_csv_reject_fn on_reject;
  void *ud;
  aw_csv_stats st;
  int state;
  int started;          /* saw at least one byte (BOM handling) */
  int bom_pos;          /* bytes of a BOM matched so far at the very start */
  int pending_cr;       /* last byte ended a record with CR: a following LF belongs to it */
  int quoted_cr;        /* last byte was a CR inside quotes: a following LF is the same line end */
  int header_done;
  /* the record being built */
  char *rec;            /* field bytes, concatenated */
  size_t rec_len, rec_cap;
  size_t *offs;         /* start offset of each field in rec; offs[nf] = end */
  size_t offs_cap;
  size_t nf;            /* completed fields */
  aw_csv_field *fields;
  size_t fields_cap;
  uint64_t rec_line;    /* line where the current record starts */
  size_t raw_len;       /* raw bytes of the current record (for max_line) */
  int rec_quoted;       /* the record had a quoted field (so it is never "blank") */
  int bad;              /* BAD_* for the current record */
  size_t bad_col;       /* 1-based column of the problem */
  uint64_t line;        /* current physical line (1-based) */
  /* UTF-8 validation across chunks */
  int u8_need;          /* continuation bytes still expected */
  unsigned char u8_lo, u8_hi; /* allowed range of the next continuation byte */
  /* separator detection buffer */
  aw_buf detect;
  unsigned char cls[256];  /* 1 for bytes that end the unquoted fast path */
};

/* Byte classes for the unquoted fast path: 0 = ordinary byte copied as is. */
static void set_classes(aw_csv *c) {
  for (int b = 0; b < 256; b++)
    c->cls[b] = b == (unsigned char)c->o.sep || b == '"' || b == '\n' || b == '\r' || b == 0 || b >= 0x80;
}

aw_csv *aw_csv_new(const aw_csv_opts *opts, aw_csv_record_fn on_record, aw_csv_reject_fn on_reject, void *ud,
                   aw_error *err) {
  aw_csv *c = (aw_csv *)AW_CALLOC(1, sizeof *c);
  if (!c) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (opts)
    c->o = *opts;
  else
    aw_csv_opts_default(&c->o);
  if (c->o.sep && c->o.sep != ',' && c->o.sep != ';' && c->o.sep != '\t' && c->o.sep != '|') {
    char bad = c->o.sep;
    AW_FREE(c);
    aw_error_set(err, AW_ERR_ARG, "unsupported CSV separator '%c' (use , ; | or tab)", bad);
    return NULL;
  }
  if (c->o.max_line == 0) c->o.max_line = AW_CSV_DEFAULT_MAX_LINE;
  if (c->o.max_cols == 0) c->o.max_cols = AW_CSV_DEFAULT_MAX_COLS;
  c->on_record = on_record;
  c->on_reject = on_reject;
  c->ud = ud;
  c->line = 1;
  c->rec_line = 1;
  c->state = c->o.sep ? ST_FIELD_START : ST_DETECT;
  c->st.sep = c->o.sep;
  if (c->o.sep) set_classes(c);
  return c;
}

void aw_csv_free(aw_csv *c) {
  if (!c) return;
  AW_FREE(c->rec);
  AW_FREE(c->offs);
  AW_FREE(c->fields);
  aw_buf_free(&c->detect);
  AW_FREE(c);
}

const aw_csv_stats *aw_csv_get_stats(const aw_csv *c) { return &c->st; }

static void mark_bad(aw_csv *c, int why) {
  if (c->bad == BAD_NONE) {
    c->bad = why;
    c->bad_col = c->nf + 1;
  }
}

/* Appends field bytes. The record buffer grows with the record up to max_line (a record's content
 * is never longer than its raw bytes, and those are capped), so this is amortised O(1). */
static inline aw_status push_bytes(aw_csv *c, const char *p, size_t n) {
  if (c->bad) return AW_OK; /* a refused record keeps no content */
  if (c->rec_len + n > c->rec_cap) {
    if (aw_grow((void **)&c->rec, &c->rec_cap, c->rec_len + n, 1)) return AW_ERR_NOMEM;
  }
  if (n <= 16) {
    char *d = c->rec + c->rec_len;
    for (size_t i = 0; i < n; i++) d[i] = p[i];
  } else {
    memcpy(c->rec + c->rec_len, p, n);
  }
  c->rec_len += n;
  return AW_OK;
}

static aw_status end_field_slow(aw_csv *c);
static inline aw_status end_field(aw_csv *c) {
  if (!c->bad && c->nf + 2 <= c->offs_cap && c->nf < c->o.max_cols) {
    c->offs[++c->nf] = c->rec_len;
    return AW_OK;
  }
  return end_field_slow(c);
}

static aw_status end_field_slow(aw_csv *c) {
  if (c->bad) {
    c->nf++;
    return AW_OK;
  }
  if (c->nf >= c->o.max_cols) {
    mark_bad(c, BAD_COLS);
    c->nf++;
    return AW_OK;
  }
  if (c->nf + 2 > c->offs_cap) {
    if (aw_grow((void **)&c->offs, &c->offs_cap, c->nf + 2, sizeof *c->offs)) return AW_ERR_NOMEM;
  }
  c->offs[c->nf + 1] = c->rec_len;
  c->nf++;
  return AW_OK;
}

static void reset_record(aw_csv *c) {
  c->rec_len = 0;
  c->nf = 0;
  if (c->offs_cap == 0) {
    if (aw_grow((void **)&c->offs, &c->offs_cap, 64, sizeof *c->offs)) c->offs_cap = 0;
  }
  if (c->offs) c->offs[0] = 0;
  c->raw_len = 0;
  c->rec_quoted = 0;
  c->bad = BAD_NONE;
  c->bad_col = 0;
  c->rec_line = c->line;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void reject(aw_csv *c, uint64_t line, const char *fmt, ...) {
  c->st.rejected++;
  if (!c->on_reject) return;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  c->on_reject(c->ud, line, msg);
}

/* Hands a complete, well-formed record over (fields point into the record buffer or straight
 * into the caller's chunk): blank-line and ragged checks, header bookkeeping, the callback. */
static aw_status deliver(aw_csv *c, const aw_csv_field *fields, size_t nf, uint64_t line, aw_error *err) {
  if (nf == 1 && fields[0].n == 0) {
    c->st.blank_lines++;
    return AW_OK;
  }
  if (c->o.header && c->header_done && !c->o.allow_ragged && nf != c->st.header_fields) {
    reject(c, line, "ragged: expected %zu fields, found %zu", c->st.header_fields, nf);
    return AW_OK;
  }
  aw_csv_record r;
  r.line = line;
  r.index = c->st.records;
  r.is_header = c->o.header && !c->header_done;
  r.nfields = nf;
  r.fields = fields;
  if (r.is_header) {
    c->header_done = 1;
    c->st.header_fields = nf;
  }
  c->st.records++;
  return c->on_record ? c->on_record(c->ud, &r, err) : AW_OK;
}

/* The current record (built by the state machine) is complete: validate it and hand it over. */
static aw_status end_record(aw_csv *c, aw_error *err) {
  aw_status s = AW_OK;
  if (c->state != ST_SKIP) {
    if ((s = end_field(c))) return aw_error_set(err, s, "out of memory");
  }
  uint64_t line = c->rec_line;
  if (c->state == ST_SKIP) {
    reject(c, line, "too-long: record longer than %zu bytes (skipped to the next line end)", c->o.max_line);
  } else if (c->bad) {
    switch (c->bad) {
      case BAD_NUL: reject(c, line, "nul: NUL byte in column %zu", c->bad_col); break;
      case BAD_UTF8: reject(c, line, "utf8: invalid UTF-8 in column %zu", c->bad_col); break;
      case BAD_QUOTE: reject(c, line, "quote: unexpected text after closing quote in column %zu", c->bad_col); break;
      case BAD_COLS: reject(c, line, "too-many-columns: more than %zu fields", c->o.max_cols); break;
      default: reject(c, line, "invalid record"); break;
    }
  } else if (c->nf == 1 && c->rec_len == 0 && c->rec_quoted) {
    /* a lone "" is an empty field, not a blank line */
    static const aw_csv_field empty = {"", 0};
    aw_csv_field one = empty;
    if (!(c->o.header && c->header_done && !c->o.allow_ragged && 1 != c->st.header_fields)) {
      aw_csv_record r = {line, c->st.records, c->o.header && !c->header_done, 1, &one};
      if (r.is_header) c->header_done = 1, c->st.header_fields = 1;
      c->st.records++;
      if (c->on_record) s = c->on_record(c->ud, &r, err);
    } else {
      reject(c, line, "ragged: expected %zu fields, found 1", c->st.header_fields);
    }
  } else {
    if (c->nf > c->fields_cap) {
      if (aw_grow((void **)&c->fields, &c->fields_cap, c->nf, sizeof *c->fields))
        return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->nf; i++) {
      c->fields[i].p = c->rec + c->offs[i];
      c->fields[i].n = c->offs[i + 1] - c->offs[i];
    }
    s = deliver(c, c->fields, c->nf, line, err);
  }
  c->state = ST_FIELD_START;
  reset_record(c);
  return s;
}

/* Fast path for the common case: a whole record inside the current chunk, without quotes, NUL or
 * non-ASCII bytes. Its fields are handed over as pointers into the chunk, with no copy. Returns
 * the position after the record's line end, or NULL when the record needs the state machine
 * (which then starts over from the same position). */
static const unsigned char *fast_record(aw_csv *c, const unsigned char *p, const unsigned char *end, aw_status *st,
                                        aw_error *err) {
  const unsigned char *cls = c->cls, *q = p, *fs = p;
  const unsigned char sep = (unsigned char)c->o.sep;
  size_t nf = 0;
  for (;;) {
    while (q < end && !cls[*q]) q++;
    if (q == end) return NULL;
    unsigned char b = *q;
    if (b != sep && b != '\n' && b != '\r') return NULL;
    if (nf >= c->fields_cap) {
      if (nf >= c->o.max_cols) return NULL;
      if (aw_grow((void **)&c->fields, &c->fields_cap, nf + 1, sizeof *c->fields)) return NULL;
    }
    c->fields[nf].p = (const char *)fs;
    c->fields[nf].n = (size_t)(q - fs);
    nf++;
    if (b == sep) {
      if (nf >= c->o.max_cols) return NULL;
      fs = ++q;
      continue;
    }
    if ((size_t)(q - p) > c->o.max_line) return NULL;
    uint64_t line = c->line;
    c->line++;
    c->st.lines++;
    q++;
    if (b == '\r') {
      if (q < end) {
        if (*q == '\n') q++;
      } else {
        c->pending_cr = 1;
      }
    }
    *st = deliver(c, c->fields, nf, line, err);
    c->rec_line = c->line;
    return q;
  }
}

/* UTF-8 validation of one byte >= 0x80 or a continuation byte (Unicode table 3-7). */
static int utf8_step(aw_csv *c, unsigned char b) {
  if (c->u8_need) {
    if (b < c->u8_lo || b > c->u8_hi) {
      c->u8_need = 0;
      return 0;
    }
    c->u8_need--;
    c->u8_lo = 0x80;
    c->u8_hi = 0xBF;
    return 1;
  }
  if (b < 0x80) return 1;
  c->u8_lo = 0x80;
  c->u8_hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) c->u8_need = 1;
  else if (b == 0xE0) { c->u8_need = 2; c->u8_lo = 0xA0; }
  else if (b >= 0xE1 && b <= 0xEC) c->u8_need = 2;
  else if (b == 0xED) { c->u8_need = 2; c->u8_hi = 0x9F; }
  else if (b >= 0xEE && b <= 0xEF) c->u8_need = 2;
  else if (b == 0xF0) { c->u8_need = 3; c->u8_lo = 0x90; }
  else if (b >= 0xF1 && b <= 0xF3) c->u8_need = 3;
  else if (b == 0xF4) { c->u8_need = 3; c->u8_hi = 0x8F; }
  else return 0;
  return 1;
}

/* Chooses the separator from the first line: the most frequent of , ; \t | outside quotes. */
static char detect_sep(const char *p, size_t n) {
  size_t cnt[4] = {0, 0, 0, 0};
  const char cand[4] = {',', ';', '\t', '|'};
  int inq = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = p[i];
    if (ch == '"') inq = !inq;
    else if (!inq) {
      if (ch == '\n' || ch == '\r') break;
      for (int k = 0; k < 4; k++)
        if (ch == cand[k]) cnt[k]++;
    }
  }
  int best = 0;
  for (int k = 1; k < 4; k++)
    if (cnt[k] > cnt[best]) best = k;
  return cand[best];
}

static aw_status run(aw_csv *c, const unsigned char *p, size_t n, aw_error *err);

aw_status aw_csv_feed(aw_csv *c, const void *data, size_t n, aw_error *err) {
  const unsigned char *p = (const unsigned char *)data;
  c->st.bytes += n;
  /* a UTF-8 byte order mark at the very start is skipped (it may be split across chunks) */
  while (c->bom_pos >= 0 && c->bom_pos < 3 && n > 0) {
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    if (p[0] == bom[c->bom_pos]) {
      c->bom_pos++;
      p++;
      n--;
    } else {
      /* not a BOM: replay the bytes matched so far */
      int k = c->bom_pos;
      c->bom_pos = -1;
      if (k > 0) {
        aw_status s = run(c, bom, (size_t)k, err);
        if (s) return s;
      }
    }
  }
  if (c->bom_pos == 3) c->bom_pos = -1;
  if (n == 0) return AW_OK;
  if (c->bom_pos >= 0 && c->bom_pos < 3) return AW_OK;
  return run(c, p, n, err);
}

static aw_status run_bytes(aw_csv *c, const unsigned char *p, size_t n, aw_error *err);

static aw_status run(aw_csv *c, const unsigned char *p, size_t n, aw_error *err) {
  if (c->state == ST_DETECT) {
    /* collect the first line (bounded by max_line), then choose the separator */
    const unsigned char *nl = NULL;
    for (size_t i = 0; i < n; i++)
      if (p[i] == '\n' || p[i] == '\r') {
        nl = p + i;
        break;
      }
    size_t take = nl ? (size_t)(nl - p) : n;
    if (c->detect.len + take > c->o.max_line) take = c->o.max_line - c->detect.len, nl = p + take;
    if (aw_buf_append(&c->detect, p, take)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    if (!nl) return AW_OK;
    c->o.sep = c->st.sep = detect_sep(c->detect.data, c->detect.len);
    set_classes(c);
    c->state = ST_FIELD_START;
    reset_record(c);
    aw_buf first = c->detect;
    c->detect = (aw_buf){0};
    aw_status s = run_bytes(c, (const unsigned char *)first.data, first.len, err);
    aw_buf_free(&first);
    if (s) return s;
    return run_bytes(c, p + take, n - take, err);
  }
  return run_bytes(c, p, n, err);
}

static aw_status run_bytes(aw_csv *c, const unsigned char *p, size_t n, aw_error *err) {
  const unsigned char *end = p + n;
  const char sep = c->o.sep;
  const unsigned char *cls = c->cls;
  aw_status s;
  if (c->offs_cap == 0) reset_record(c);
  if (!c->offs) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  while (p < end) {
    unsigned char b = *p;
    if (c->pending_cr) {
      c->pending_cr = 0;
      if (b == '\n') {
        p++;
        continue;
      }
    }
    if (c->u8_need && c->state != ST_SKIP) {
      /* continuation bytes of a multi-byte character */
      if (!utf8_step(c, b)) mark_bad(c, BAD_UTF8);
      else {
        if (c->state == ST_FIELD_START) c->state = ST_UNQUOTED;
        if ((s = push_bytes(c, (const char *)p, 1))) return aw_error_set(err, s, "out of memory");
        c->raw_len++;
        p++;
        continue;
      }
    }
    switch (c->state) {
      case ST_FIELD_START:
        if (c->nf == 0 && c->raw_len == 0 && !c->bad) {
          aw_status fs = AW_OK;
          const unsigned char *q = fast_record(c, p, end, &fs, err);
          if (q) {
            if (fs) return fs;
            p = q;
            continue;
          }
        }
        if (b == '"') {
          c->state = ST_QUOTED;
          c->rec_quoted = 1;
          c->raw_len++;
          p++;
          continue;
        }
        c->state = ST_UNQUOTED;
        /* fall through */
      case ST_UNQUOTED: {
        /* fast path: copy a run of ordinary bytes */
        const unsigned char *q = p;
        while (q < end && !cls[*q]) q++;
        if (q > p) {
          size_t k = (size_t)(q - p);
          c->raw_len += k;
          if (c->raw_len > c->o.max_line) goto too_long;
          if ((s = push_bytes(c, (const char *)p, k))) return aw_error_set(err, s, "out of memory");
          p = q;
          if (p == end) break;
          b = *p;
        }
        if (b == (unsigned char)sep) {
          if ((s = end_field(c))) return aw_error_set(err, s, "out of memory");
          c->state = ST_FIELD_START;
          c->raw_len++;
          p++;
        } else if (b == '\n' || b == '\r') {
          c->line++;
          c->st.lines++;
          if (b == '\r') c->pending_cr = 1;
          p++;
          if ((s = end_record(c, err))) return s;
        } else if (b == '"') {
          /* a quote inside an unquoted field is kept literally */
          c->raw_len++;
          if ((s = push_bytes(c, "\"", 1))) return aw_error_set(err, s, "out of memory");
          p++;
        } else if (b == 0) {
          mark_bad(c, BAD_NUL);
          c->raw_len++;
          p++;
        } else { /* b >= 0x80 */
          if (!utf8_step(c, b)) mark_bad(c, BAD_UTF8);
          else if ((s = push_bytes(c, (const char *)p, 1))) return aw_error_set(err, s, "out of memory");
          c->raw_len++;
          p++;
        }
        if (c->raw_len > c->o.max_line) goto too_long;
        break;
      }
      case ST_QUOTED: {
        const unsigned char *q = p;
        while (q < end && *q != '"' && *q != '\n' && *q != '\r' && *q != 0 && *q < 0x80) q++;
        if (q > p) {
          size_t k = (size_t)(q - p);
          c->raw_len += k;
          c->quoted_cr = 0;
          if (c->raw_len > c->o.max_line) goto too_long;
          if ((s = push_bytes(c, (const char *)p, k))) return aw_error_set(err, s, "out of memory");
          p = q;
          if (p == end) break;
          b = *p;
        }
        c->raw_len++;
        p++;
        int was_cr = c->quoted_cr;
        c->quoted_cr = 0;
        if (b == '"') {
          c->state = ST_QUOTE_QUOTE;
        } else if (b == '\n' || b == '\r') {
          /* a line end inside quotes belongs to the field (kept as is); CRLF counts once */
          if (!(b == '\n' && was_cr)) {
            c->line++;
            c->st.lines++;
          }
          c->quoted_cr = b == '\r';
          if ((s = push_bytes(c, (const char *)&b, 1))) return aw_error_set(err, s, "out of memory");
        } else if (b == 0) {
          mark_bad(c, BAD_NUL);
        } else {
          if (!utf8_step(c, b)) mark_bad(c, BAD_UTF8);
          else if ((s = push_bytes(c, (const char *)&b, 1))) return aw_error_set(err, s, "out of memory");
        }
        if (c->raw_len > c->o.max_line) goto too_long;
        break;
      }
      case ST_QUOTE_QUOTE:
        if (b == '"') { /* "" is an escaped quote */
          if ((s = push_bytes(c, "\"", 1))) return aw_error_set(err, s, "out of memory");
          c->state = ST_QUOTED;
          c->raw_len++;
          p++;
        } else if (b == (unsigned char)sep) {
          if ((s = end_field(c))) return aw_error_set(err, s, "out of memory");
          c->state = ST_FIELD_START;
          c->raw_len++;
          p++;
        } else if (b == '\n' || b == '\r') {
          c->line++;
          c->st.lines++;
          if (b == '\r') c->pending_cr = 1;
          p++;
          if ((s = end_record(c, err))) return s;
        } else {
          mark_bad(c, BAD_QUOTE);
          c->state = ST_AFTER_CLOSE;
        }
        break;
      case ST_AFTER_CLOSE:
        if (b == (unsigned char)sep) {
          if ((s = end_field(c))) return aw_error_set(err, s, "out of memory");
          c->state = ST_FIELD_START;
        } else if (b == '\n' || b == '\r') {
          c->line++;
          c->st.lines++;
          if (b == '\r') c->pending_cr = 1;
          p++;
          if ((s = end_record(c, err))) return s;
          break;
        }
        c->raw_len++;
        if (c->raw_len > c->o.max_line) goto too_long;
        p++;
        break;
      case ST_SKIP: {
        const unsigned char *q = p;
        while (q < end && *q != '\n' && *q != '\r') q++;
        p = q;
        if (p < end) {
          b = *p;
          c->line++;
          c->st.lines++;
          if (b == '\r') c->pending_cr = 1;
          p++;
          c->u8_need = 0;
          if ((s = end_record(c, err))) return s;
        }
        break;
      }
    }
    continue;
  too_long:
    /* the record outgrew max_line: drop what we have and skip to the next line end */
    c->state = ST_SKIP;
    c->rec_len = 0;
    c->u8_need = 0;
  }
  return AW_OK;
}

aw_status aw_csv_finish(aw_csv *c, aw_error *err) {
  aw_status s;
  if (c->bom_pos > 0 && c->bom_pos < 3) {
    /* the input was a lone prefix of a BOM: treat those bytes as data */
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    int k = c->bom_pos;
    c->bom_pos = -1;
    if ((s = run(c, bom, (size_t)k, err))) return s;
  }
  if (c->state == ST_DETECT) {
    if (c->detect.len == 0) return AW_OK;
    c->o.sep = c->st.sep = detect_sep(c->detect.data, c->detect.len);
    set_classes(c);
    c->state = ST_FIELD_START;
    reset_record(c);
    aw_buf first = c->detect;
    c->detect = (aw_buf){0};
    s = run_bytes(c, (const unsigned char *)first.data, first.len, err);
    aw_buf_free(&first);
    if (s) return s;
  }
  if (c->u8_need && c->state != ST_SKIP) {
    mark_bad(c, BAD_UTF8);
    c->u8_need = 0;
  }
  switch (c->state) {
    case ST_QUOTED:
      reject(c, c->rec_line, "unterminated-quote: quoted field never closed (opened in column %zu)", c->nf + 1);
      c->state = ST_FIELD_START;
      reset_record(c);
      return AW_OK;
    case ST_FIELD_START:
      if (c->nf == 0 && c->rec_len == 0 && c->raw_len == 0 && !c->bad) return AW_OK; /* clean end */
      /* fall through */
    default:
      c->st.lines++;
      return end_record(c, err);
  }
}

/* ------------------------------------------------------------------ numbers */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Slow path: the C library's correctly rounded strtod on a validated decimal literal, with '.'
 * mapped to the current locale's decimal point so the result never depends on the locale. */
static int parse_double_slow(const char *start, size_t len, double *out) {
  char buf[512];
  if (len >= sizeof buf) return 0;
  memcpy(buf, start, len);
  buf[len] = '\0';
  const char *dp = localeconv()->decimal_point;
  if (dp && dp[0] && dp[0] != '.' && !dp[1])
    for (size_t i = 0; i < len; i++)
      if (buf[i] == '.') buf[i] = dp[0];
  *out = strtod(buf, NULL);
  return 1;
}

int aw_parse_double(const char *p, size_t n, double *out) {
  const unsigned char *s = (const unsigned char *)p, *e = s + n;
  if (n == 0) return 0;
  if (*s == ' ' || *s == '\t' || e[-1] == ' ' || e[-1] == '\t') {
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (s == e) return 0;
  }
  const unsigned char *start = s;
  int neg = 0;
  if (*s == '+' || *s == '-') neg = (*s++ == '-');
  /* digits go into a 64-bit mantissa; more than 19 of them take the slow path */
  uint64_t mant = 0;
  const unsigned char *d0 = s;
  unsigned d;
  while (s < e && (d = (unsigned)(*s - '0')) < 10) {
    mant = mant * 10 + d;
    s++;
  }
  size_t ndig = (size_t)(s - d0);
  size_t nfrac = 0;
  if (s < e && *s == '.') {
    const unsigned char *f0 = ++s;
    while (s < e && (d = (unsigned)(*s - '0')) < 10) {
      mant = mant * 10 + d;
      s++;
    }
    nfrac = (size_t)(s - f0);
    ndig += nfrac;
  }
  if (ndig == 0) return 0;
  long exp10 = -(long)nfrac;
  if (s < e && (*s == 'e' || *s == 'E')) {
    s++;
    int eneg = 0;
    if (s < e && (*s == '+' || *s == '-')) eneg = (*s++ == '-');
    if (s == e || (unsigned)(*s - '0') >= 10) return 0;
    long ev = 0;
    while (s < e && (d = (unsigned)(*s - '0')) < 10) {
      if (ev < 100000) ev = ev * 10 + (long)d;
      s++;
    }
    exp10 += eneg ? -ev : ev;
  }
  if (s != e) return 0;
  if (ndig > 19) return parse_double_slow((const char *)start, (size_t)(e - start), out);
  double v;
  if (mant == 0) {
    v = 0.0;
  } else if (mant <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
    /* Clinger's fast path: both operands exact, so one correctly rounded operation */
    v = (double)mant;
    v = exp10 >= 0 ? v * pow10_exact[exp10] : v / pow10_exact[-exp10];
  } else {
    return parse_double_slow((const char *)start, (size_t)(e - start), out);
  }
  *out = neg ? -v : v;
  return 1;
}

static int ieq(const char *p, size_t n, const char *lit) {
  size_t k = strlen(lit);
  if (n != k) return 0;
  for (size_t i = 0; i < n; i++) {
    char a = p[i];
    if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
    if (a != lit[i]) return 0;
  }
  return 1;
}

int aw_parse_cell(const char *p, size_t n, double *out) {
  if (aw_parse_double(p, n, out)) return 1;
  while (n && (*p == ' ' || *p == '\t')) p++, n--;
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  if (n == 0 || ieq(p, n, "nan") || ieq(p, n, "na") || ieq(p, n, "n/a") || ieq(p, n, "null") ||
      ieq(p, n, "none") || (n == 1 && p[0] == '-') || ieq(p, n, "-nan")) {
    *out = NAN;
    return 2;
  }
  int neg = 0;
  if (p[0] == '+' || p[0] == '-') {
    neg = p[0] == '-';
    p++;
    n--;
  }
  if (ieq(p, n, "inf") || ieq(p, n, "infinity")) {
    *out = neg ? -INFINITY : INFINITY;
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ time */

int64_t aw_days_from_civil(int64_t y, unsigned m, unsigned d) {
  /* H. Hinnant's days_from_civil: exact for the proleptic Gregorian calendar */
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static inline int digits(const char *p, const char *e, int k, int *v) {
  if (e - p < k) return 0;
  int x = 0;
  for (int i = 0; i < k; i++) {
    if (p[i] < '0' || p[i] > '9') return 0;
    x = x * 10 + (p[i] - '0');
  }
  *v = x;
  return 1;
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static inline int parse_iso(const char *s, const char *e, double *out) {
  int Y, M, D, h = 0, mi = 0, sec = 0;
  double frac = 0;
  int64_t frac_num = 0, frac_den = 1;
  if (!digits(s, e, 4, &Y)) return 0;
  s += 4;
  if (s >= e || (*s != '-' && *s != '/')) return 0;
  char dsep = *s++;
  if (!digits(s, e, 2, &M)) return 0;
  s += 2;
  if (s >= e || *s != dsep) return 0;
  s++;
  if (!digits(s, e, 2, &D)) return 0;
  s += 2;
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (M < 1 || M > 12 || D < 1) return 0;
  if (D > mdays[M - 1] + (M == 2 && is_leap(Y))) return 0;
  int off_min = 0;
  if (s < e && (*s == 'T' || *s == 't' || *s == ' ')) {
    s++;
    if (!digits(s, e, 2, &h)) return 0;
    s += 2;
    if (s >= e || *s != ':') return 0;
    s++;
    if (!digits(s, e, 2, &mi)) return 0;
    s += 2;
    if (s < e && *s == ':') {
      s++;
      if (!digits(s, e, 2, &sec)) return 0;
      s += 2;
      if (s < e && (*s == '.' || *s == ',')) {
        s++;
        const char *f0 = s;
        /* the fraction is kept to the nanosecond (exact integer arithmetic) */
        while (s < e && *s >= '0' && *s <= '9') {
          if (frac_den < 1000000000) {
            frac_num = frac_num * 10 + (*s - '0');
            frac_den *= 10;
          }
          s++;
        }
        if (s == f0) return 0;
        frac = (double)frac_num / (double)frac_den;
      }
    }
    if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec || frac > 0))) return 0;
    if (s < e) {
      if (*s == 'Z' || *s == 'z') {
        s++;
      } else if (*s == '+' || *s == '-') {
        int sg = *s++ == '-' ? -1 : 1, oh, om = 0;
        if (!digits(s, e, 2, &oh)) return 0;
        s += 2;
        if (s < e && *s == ':') s++;
        if (s < e) {
          if (!digits(s, e, 2, &om)) return 0;
          s += 2;
        }
        if (oh > 23 || om > 59) return 0;
        off_min = sg * (oh * 60 + om);
      }
    }
  }
  if (s != e) return 0;
  int64_t days = aw_days_from_civil(Y, (unsigned)M, (unsigned)D);
  int64_t secs = days * 86400 + (int64_t)h * 3600 + mi * 60 + sec - (int64_t)off_min * 60;
  *out = frac_num ? (double)secs + frac : (double)secs;
  return 1;
}

int aw_parse_time(const char *p, size_t n, aw_time_format fmt, double *unix_s, aw_time_format *detected) {
  const char *s = p, *e = p + n;
  while (s < e && (*s == ' ' || *s == '\t')) s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
  if (s == e) return 0;
  double v;
  if (fmt == AW_TIME_ISO8601 || (fmt == AW_TIME_UNKNOWN && e - s >= 10 && s[4] == '-')) {
    if (!parse_iso(s, e, &v)) {
      if (fmt == AW_TIME_ISO8601) return 0;
    } else {
      *unix_s = v;
      if (detected) *detected = AW_TIME_ISO8601;
      return 1;
    }
  }
  if (fmt == AW_TIME_UNKNOWN && e - s >= 10 && s[4] == '/' && parse_iso(s, e, &v)) {
    *unix_s = v;
    if (detected) *detected = AW_TIME_ISO8601;
    return 1;
  }
  if (!aw_parse_double(s, (size_t)(e - s), &v) || !(v - v == 0)) return 0;
  aw_time_format f = fmt;
  if (f == AW_TIME_UNKNOWN) {
    double a = fabs(v);
    f = a < 1e11 ? AW_TIME_UNIX_S : a < 1e14 ? AW_TIME_UNIX_MS : a < 1e17 ? AW_TIME_UNIX_US : AW_TIME_UNIX_NS;
  }
  switch (f) {
    case AW_TIME_UNIX_S: *unix_s = v; break;
    case AW_TIME_UNIX_MS: *unix_s = v / 1e3; break;
    case AW_TIME_UNIX_US: *unix_s = v / 1e6; break;
    case AW_TIME_UNIX_NS: *unix_s = v / 1e9; break;
    default: return 0;
  }
  if (detected) *detected = f;
  return 1;
}

size_t aw_fmt_time_iso(char *buf, double unix_s) {
  if (!(unix_s - unix_s == 0)) return (size_t)snprintf(buf, 40, "invalid");
  double fl = floor(unix_s);
  int64_t secs = (int64_t)fl;
  int ms = (int)floor((unix_s - fl) * 1000.0 + 0.5);
  if (ms >= 1000) {
    ms -= 1000;
    secs++;
  }
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  int h = (int)(rem / 3600), mi = (int)(rem / 60 % 60), s = (int)(rem % 60);
  if (ms)
    return (size_t)snprintf(buf, 40, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d, h, mi, s, ms);
  return (size_t)snprintf(buf, 40, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d, h, mi, s);
}

const char *aw_time_format_name(aw_time_format f) {
  switch (f) {
    case AW_TIME_UNIX_S: return "unix_s";
    case AW_TIME_UNIX_MS: return "unix_ms";
    case AW_TIME_UNIX_US: return "unix_us";
    case AW_TIME_UNIX_NS: return "unix_ns";
    case AW_TIME_ISO8601: return "iso8601";
    default: return "unknown";
  }
}

/* logformat.c - line splitting, logpai log_format headers, JSON-lines messages, timestamps.
 * See aw/logformat.h. */
#include "aw/logformat.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/regex.h"
#include "internal/buf_fast.h"
#include "internal/simd16.h"
#include "internal/utf8.h"

#define MAX_FIELDS 64
#define QUEUE_LINES 128 /* lines handed to the callback at a time (emit) */

typedef struct {
  char *name;
} fdef;

/* Fast path for formats made of fields and plain separators (see fast_split). */
#define SEP_MAX 48
typedef struct {
  unsigned char lit[SEP_MAX];
  uint8_t ws[SEP_MAX]; /* 1: the atom is \s+ ; 0: the literal byte lit[i] */
  size_t n;
} sep_t;

/* What the format items read so far (time_run). */
typedef struct tf_state {
  int64_t Y;
  int M, D, H, MI, S, off, yday;
  uint64_t frac;
  int fracdig;
} tf_state;

/* The last time text read with the automatic format and what each format item consumed, so
 * the next text only reruns the items past the common prefix (line_time). */
#define TCACHE_TEXT 64
#define TCACHE_ITEMS 32
#define TFIX_TEXT 32
#define TFIX_FIELDS 12
/* time_fixed's value slots: the two-digit parts of the fields */
enum { FS_YH, FS_YL, FS_YY, FS_M, FS_D, FS_H, FS_MI, FS_S, FS_N };
typedef struct tcache {
  char text[TCACHE_TEXT];
  size_t len;
  size_t after[TCACHE_ITEMS]; /* position after each item */
  tf_state st;                /* the state after the last item */
  int valid;
  int64_t days[4];            /* Y, M, D and their day number (time_finish) */
} tcache;

struct aw_logfmt {
  aw_logfmt_opts o;
  int fast;               /* the PATTERN format qualifies for fast_split */
  sep_t lead;             /* separator before the first field (anchored at 0) */
  sep_t seps[MAX_FIELDS]; /* separator after field i (none after the last) */
  char *name, *content_field, *time_field, *time_format, *log_format, *inner_format;
  aw_logfmt_line_fn fn;
  void *ud;
  aw_regex *re;        /* PATTERN: the header regex; JSON: the inner format regex (may be NULL) */
  /* field table as delivered */
  fdef fields[MAX_FIELDS];
  size_t gidx[MAX_FIELDS]; /* regex group of each field */
  size_t ngroups_total;
  size_t nfields;
  size_t content_idx;  /* index of the message among fields, or SIZE_MAX */
  size_t time_idx[MAX_FIELDS];
  size_t ntime;
  char auto_fmt[96];      /* format derived from the last automatically detected time */
  int auto_dirty;         /* auto_fmt changed since tp_auto was compiled */
  struct tprog {          /* compiled formats (time_compile) */
    struct tf_op *ops;
    size_t n;
    int epoch;            /* it has an epoch item (%s) */
    /* the fixed layout of the format's usual texts (time_fixed): fix_len bytes, fix_pat[i] 'd'
     * for a digit or the byte itself; fix_nf numeric fields (0: the format has none) */
    uint8_t fix_len, fix_nf;
    char fix_pat[TFIX_TEXT];
    /* fix_pat as words read at fix_off (0, 8, ... and the last eight bytes): 0xFF at the digits,
     * 0xFF at the literals, the literal bytes */
    uint64_t fix_dm[TFIX_TEXT / 8], fix_lm[TFIX_TEXT / 8], fix_lit[TFIX_TEXT / 8];
    uint8_t fix_off[TFIX_TEXT / 8], fix_nw;
    struct { uint8_t slot, pos; } fix_f[TFIX_FIELDS]; /* two digits at pos go to slot (time_fixed) */
    /* the day of the last text read (time_fixed): 0xFF at the date's digits in each word, that
     * text's date bytes, its day number (with default year fc_year) */
    uint64_t fix_datem[TFIX_TEXT / 8], fc_key[TFIX_TEXT / 8];
    int64_t fc_days;
    int fc_year, fc_valid;
    uint8_t fix_tpos[3]; /* where %H %M %S are (0xFF: absent) */
  } tp_auto, tp_user;     /* auto_fmt, and the user's time_format (when not empty) */
  tcache tc;              /* for tp_auto */
  size_t ts_idx;
  /* JSON */
  size_t json_time_pos;   /* position of time_field in fields (SIZE_MAX if none) */
  /* line assembly */
  aw_buf line;
  int pending_cr;
  int skipping;           /* inside the over-long tail of a line */
  int cur_truncated;
  uint64_t lineno;
  uint64_t line_off;      /* input offset of the line being assembled */
  uint64_t deliver_off;   /* offset handed to the callback */
  /* scratch */
  aw_buf san, tbuf, jbuf;
  aw_logfmt_field fv_own[MAX_FIELDS];
  aw_logfmt_field *fv;    /* the fields of the line being read: fv_own, or its slot in the queue */
  aw_regex_span spans[MAX_FIELDS + 1];
  /* delivery queue (emit): lines whose bytes stay in the caller's chunk until the end of
   * aw_logfmt_feed, with their fields */
  aw_logfmt_line *q;
  aw_logfmt_field *qf;
  size_t qn;
  /* issues */
  aw_logfmt_issue *issues;
  size_t nissues, issuecap;
  aw_logfmt_stats st;
};

/* A compiled format (time_compile; struct tprog is declared in struct aw_logfmt). */
typedef struct tprog tprog;
static int tprog_set(tprog *p, const char *fmt);
static void fix_layout(tprog *p);

void aw_logfmt_opts_default(aw_logfmt_opts *o) {
  memset(o, 0, sizeof *o);
  o->kind = AW_LOGFMT_PLAIN;
  o->default_year = 1970;
  o->max_line = AW_LOGFMT_DEFAULT_MAX_LINE;
  o->max_issues = 1000;
}

static char *sdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s);
  char *r = (char *)AW_MALLOC(n + 1);
  if (r) memcpy(r, s, n + 1);
  return r;
}

static int ieq(const char *a, const char *b) {
  while (*a && *b) {
    char x = *a, y = *b;
    if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
    if (x != y) return 0;
    a++;
    b++;
  }
  return *a == *b;
}

static void add_issue(aw_logfmt *lf, uint64_t line, const char *kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void add_issue(aw_logfmt *lf, uint64_t line, const char *kind, const char *fmt, ...) {
  lf->st.issues++;
  if (lf->nissues >= lf->o.max_issues) return;
  if (lf->nissues == lf->issuecap &&
      aw_grow((void **)&lf->issues, &lf->issuecap, lf->nissues + 1, sizeof(aw_logfmt_issue)))
    return;
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char *m = sdup(msg);
  if (!m) return;
  aw_logfmt_issue *is = &lf->issues[lf->nissues++];
  is->line = line;
  is->kind = kind;
  is->message = m;
}

/* logpai generate_logformat_regex: split on <Name>, spaces -> \s+, fields -> (?P<Name>.*?). */
static aw_status build_format(aw_logfmt *lf, const char *fmt, aw_regex **out, size_t *names_from, aw_error *err) {
  aw_buf rx = {0};
  aw_status st = AW_OK;
  aw_buf_putc(&rx, '^');
  const char *p = fmt;
  while (*p) {
    if (*p == '<') {
      const char *q = p + 1;
      while (*q && *q != '<' && *q != '>') q++;
      if (*q == '>' && q > p + 1) {
        if (lf->nfields >= MAX_FIELDS) {
          st = aw_error_set(err, AW_ERR_LIMIT, "log format \"%s\": more than %d fields", fmt, MAX_FIELDS);
          break;
        }
        size_t nl = (size_t)(q - p - 1);
        char *nm = (char *)AW_MALLOC(nl + 1);
        if (!nm) {
          st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
          break;
        }
        memcpy(nm, p + 1, nl);
        nm[nl] = '\0';
        for (size_t k = *names_from; k < lf->nfields; k++)
          if (strcmp(lf->fields[k].name, nm) == 0) {
            st = aw_error_set(err, AW_ERR_PARSE, "log format \"%s\": field <%s> appears twice", fmt, nm);
            AW_FREE(nm);
            break;
          }
        if (st) break;
        lf->fields[lf->nfields++].name = nm;
        aw_buf_printf(&rx, "(?P<%s>.*?)", nm);
        p = q + 1;
        continue;
      }
    }
    if (*p == ' ') {
      while (*p == ' ') p++;
      aw_buf_append(&rx, "\\s+", 3);
      continue;
    }
    aw_buf_putc(&rx, *p++);
  }
  aw_buf_putc(&rx, '$');
  if (st == AW_OK && !rx.data) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (st == AW_OK) {
    st = aw_regex_compile(rx.data, rx.len, out, err);
    if (st != AW_OK) {
      /* report the position in terms of the regex; name the format */
      aw_error_prefix(err, "log format \"%s\" (as regex)", fmt);
    } else {
      /* groups may include unnamed ones ("(\[<PID>\])?"): map each field to its group by name */
      for (size_t k = *names_from; k < lf->nfields; k++) lf->gidx[k] = aw_regex_group_index(*out, lf->fields[k].name);
      lf->ngroups_total = aw_regex_group_count(*out);
      if (lf->ngroups_total > MAX_FIELDS) st = aw_error_set(err, AW_ERR_LIMIT, "log format \"%s\": too many groups", fmt);
    }
  }
  aw_buf_free(&rx);
  return st;
}

static void choose_time_fields(aw_logfmt *lf) {
  lf->ntime = 0;
  lf->ts_idx = SIZE_MAX;
  if (lf->time_field) {
    const char *p = lf->time_field;
    while (*p) {
      const char *q = p;
      while (*q && *q != ',') q++;
      for (size_t k = 0; k < lf->nfields; k++) {
        size_t l = strlen(lf->fields[k].name);
        if (l == (size_t)(q - p) && strncmp(lf->fields[k].name, p, l) == 0 && lf->ntime < MAX_FIELDS) {
          lf->time_idx[lf->ntime++] = k;
          break;
        }
      }
      p = *q ? q + 1 : q;
    }
    return;
  }
  static const char *names[] = {"Date", "Time", "Month", "Day", "Year", "DateTime", "Timestamp"};
  for (size_t k = 0; k < lf->nfields; k++) {
    if (k == lf->content_idx) continue;
    if (ieq(lf->fields[k].name, "Timestamp")) lf->ts_idx = k;
    for (size_t j = 0; j < sizeof names / sizeof names[0]; j++)
      if (ieq(lf->fields[k].name, names[j])) {
        lf->time_idx[lf->ntime++] = k;
        break;
      }
  }
}

/* ---- fast path for plain formats ----
 * A format whose text between fields is only ordinary characters, escaped punctuation and spaces
 * ("<Date> <Time>, <Level> \[<Pid>\]: <Content>") compiles to ^F1 S1 F2 ... Fk$ with lazy fields
 * and separators made of literals and \s+. Splitting each field at the first place where its
 * separator matches (the separator's \s+ taking all the white space there) is exactly the first
 * path the backtracking regex tries; so when every separator is found, the regex would return
 * the same groups. When a separator is missing, or the line holds a '\n', we fall back to the
 * regex, which then explores the other paths. */
static int build_fast(aw_logfmt *lf, const char *fmt) {
  sep_t *cur = &lf->lead;
  memset(cur, 0, sizeof *cur);
  size_t field = 0;
  const char *p = fmt;
  while (*p) {
    if (*p == '<') {
      const char *q = p + 1;
      while (*q && *q != '<' && *q != '>') q++;
      if (*q == '>' && q > p + 1) {
        if (field > 0 && cur->n == 0) return 0; /* two fields with nothing between them */
        if (field >= MAX_FIELDS) return 0;
        cur = &lf->seps[field++];
        memset(cur, 0, sizeof *cur);
        p = q + 1;
        continue;
      }
    }
    if (cur->n >= SEP_MAX) return 0;
    unsigned char c = (unsigned char)*p;
    if (c == ' ') {
      while (*p == ' ') p++;
      cur->ws[cur->n++] = 1;
      continue;
    }
    if (c == '\\') {
      unsigned char e = (unsigned char)p[1];
      if (!e || (e < 0x80 && ((e | 32) >= 'a' && (e | 32) <= 'z')) || (e >= '0' && e <= '9')) return 0; /* \d, \1 ... */
      cur->lit[cur->n++] = e;
      p += 2;
      continue;
    }
    if (strchr(".[]()?*+{}|^$", c)) return 0; /* regex syntax: use the regex */
    if (aw_ascii_is_space(c) || c >= 0x80) return 0;
    cur->lit[cur->n++] = c;
    p++;
  }
  if (field != lf->nfields || cur->n != 0) return 0; /* must end with a field */
  return 1;
}

/* Matches separator sp at s[q..n); sets *e to its end. */
/* aw_u8_space_len with the ASCII case inline (the usual one). */
static inline size_t space_len(const unsigned char *s, size_t n, size_t i) {
  unsigned b = s[i];
  if (b < 0x80) return aw_ascii_is_space(b) ? 1 : 0;
  return aw_u8_space_len(s, n, i);
}

static int sep_at(const sep_t *sp, const unsigned char *s, size_t n, size_t q, size_t *e) {
  for (size_t a = 0; a < sp->n; a++) {
    if (sp->ws[a]) {
      size_t l = q < n ? space_len(s, n, q) : 0;
      if (!l) return 0;
      q += l;
      while (q < n && (l = space_len(s, n, q)) != 0) q += l;
    } else {
      if (q >= n || s[q] != sp->lit[a]) return 0;
      q++;
    }
  }
  *e = q;
  return 1;
}

/* Python's white space among ASCII bytes, or a byte >= 0x80 (to decode). */
static inline int space_or_high(unsigned b) { return b >= 0x80 || (b <= 32 && ((0x1F0003E00ull >> b) & 1)); }

/* The first q' >= q with space_or_high(s[q']), or n; 16 bytes at a time (bytes < 0x21 as signed
 * bytes are the candidates: white space, other controls, >= 0x80). */
static inline size_t next_space_or_high(const unsigned char *s, size_t n, size_t q) {
  while (q + 16 <= n) {
    uint32_t m = aw_s16_lt_signed(s + q, 0x21);
    while (m) {
      unsigned j = (unsigned)__builtin_ctz(m);
      if (space_or_high(s[q + j])) return q + j;
      m &= m - 1;
    }
    q += 16;
  }
  while (q < n && !space_or_high(s[q])) q++;
  return q;
}

/* The bytes of the 16-byte block at p that are ASCII white space (Python's), and (*hi) those
 * >= 0x80. */
static inline uint32_t ws16(const unsigned char *p, uint32_t *hi) {
  *hi = aw_s16_lt_signed(p, 0);
  return aw_s16_eq(p, ' ') | aw_s16_range(p, 0x09, 0x0D) | aw_s16_range(p, 0x1C, 0x1F);
}

/* The header window of fast_split: bit masks over the first w = min(n, 64) bytes of a line - its
 * white space, and whether a byte >= 0x80 is among them (the window is then not used). */
typedef struct {
  uint64_t ws;
  size_t w;
  int high;
  const unsigned char *s; /* the line (for hwin_eq) */
  size_t n;
} hwin;

static void hwin_init(hwin *h, const unsigned char *s, size_t n) {
  size_t w = n < 64 ? n : 64;
  uint64_t ws = 0, hi = 0;
  for (size_t j = 0; 16 * j < w; j++) {
    uint32_t a, b;
    if (16 * j + 16 <= n) {
      a = ws16(s + 16 * j, &b);
    } else if (n >= 16) { /* the block ending at n, shifted down */
      unsigned sh = (unsigned)(16 * j + 16 - n);
      a = ws16(s + n - 16, &b) >> sh;
      b >>= sh;
    } else {
      unsigned char pad[16];
      memset(pad, 'x', 16);
      memcpy(pad, s, n);
      a = ws16(pad, &b);
    }
    ws |= (uint64_t)a << (16 * j);
    hi |= (uint64_t)b << (16 * j);
  }
  uint64_t valid = w == 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
  h->ws = ws & valid;
  h->high = (hi & valid) != 0;
  h->w = w;
  h->s = s;
  h->n = n;
}

/* The bytes equal to c in the window. */
static uint64_t hwin_eq(const hwin *h, unsigned char c) {
  const unsigned char *s = h->s;
  size_t n = h->n;
  uint64_t m = 0;
  for (size_t j = 0; 16 * j < h->w; j++) {
    uint32_t a;
    if (16 * j + 16 <= n) {
      a = aw_s16_eq(s + 16 * j, c);
    } else if (n >= 16) {
      a = aw_s16_eq(s + n - 16, c) >> (unsigned)(16 * j + 16 - n);
    } else {
      unsigned char pad[16];
      memset(pad, 0, 16);
      memcpy(pad, s, n);
      a = aw_s16_eq(pad, c);
    }
    m |= (uint64_t)a << (16 * j);
  }
  return h->w == 64 ? m : m & (((uint64_t)1 << h->w) - 1);
}

/* nl_free: the caller knows the line holds no '\n' (lines split by aw_logfmt_feed). */
static int fast_split(aw_logfmt *lf, const char *text, size_t n, int nl_free) {
  const unsigned char *s = (const unsigned char *)text;
  if (!nl_free && memchr(s, '\n', n)) return 0;
  size_t p = 0, e;
  if (lf->lead.n) {
    if (!sep_at(&lf->lead, s, n, 0, &e)) return 0;
    p = e;
  }
  /* a separator that is one run of white space (the usual one), inside the first 64 bytes of an
   * ASCII line: found in the window's mask, with what the loop below would find (the first white
   * space at or after p, and the run that starts there) */
  hwin h;
  hwin_init(&h, s, n);
  for (size_t f = 0; f < lf->nfields; f++) {
    if (f + 1 == lf->nfields) {
      lf->fv[f].value = text + p;
      lf->fv[f].len = n - p;
      return 1;
    }
    const sep_t *sp = &lf->seps[f];
    if (sp->n == 1 && sp->ws[0] && !h.high && p < h.w) {
      uint64_t m = h.ws >> p;
      if (m) {
        size_t q = p + (size_t)__builtin_ctzll(m);
        uint64_t rest = ~h.ws >> q; /* (q < 64) */
        size_t r = q + (rest ? (size_t)__builtin_ctzll(rest) : 64 - q);
        if (r < h.w) { /* the run ends inside the window */
          lf->fv[f].value = text + p;
          lf->fv[f].len = q - p;
          p = r;
          continue;
        }
      }
    }
    size_t q = p;
    if (!sp->ws[0] && !h.high && p < h.w) {
      /* a separator that starts with a literal byte: its candidates in the window (what memchr
       * would find one after the other), then, past the window, the loop below */
      uint64_t m = hwin_eq(&h, sp->lit[0]) >> p;
      int found = 0;
      while (m) {
        q = p + (size_t)__builtin_ctzll(m);
        if (sep_at(sp, s, n, q, &e)) {
          found = 1;
          break;
        }
        m &= m - 1;
      }
      if (found) {
        lf->fv[f].value = text + p;
        lf->fv[f].len = q - p;
        p = e;
        continue;
      }
      if (h.w == n) return 0; /* no candidate at all */
      q = h.w;                /* none before the window's end */
    }
    for (;;) {
      if (q > n) return 0;
      if (!sp->ws[0]) {
        const unsigned char *hit = (const unsigned char *)memchr(s + q, sp->lit[0], n - q);
        if (!hit) return 0;
        q = (size_t)(hit - s);
      } else {
        /* the first white-space character */
        for (;;) {
          q = next_space_or_high(s, n, q);
          if (q >= n) return 0;
          if (s[q] < 0x80 || aw_u8_space_len(s, n, q)) break;
          q++;
        }
      }
      if (sep_at(sp, s, n, q, &e)) break;
      /* next character */
      if (s[q] < 0x80) q++;
      else {
        uint32_t cp;
        q += aw_u8_decode(s, n, q, &cp);
      }
    }
    lf->fv[f].value = text + p;
    lf->fv[f].len = q - p;
    p = e;
  }
  return 1;
}

aw_logfmt *aw_logfmt_new(const aw_logfmt_opts *opts, aw_logfmt_line_fn fn, void *ud, aw_error *err) {
  aw_logfmt_opts def;
  if (!opts) {
    aw_logfmt_opts_default(&def);
    opts = &def;
  }
  if (!fn) {
    aw_error_set(err, AW_ERR_ARG, "logformat: no line callback");
    return NULL;
  }
  if (opts->kind < AW_LOGFMT_PLAIN || opts->kind > AW_LOGFMT_JSON) {
    aw_error_set(err, AW_ERR_ARG, "logformat: unknown kind %d", (int)opts->kind);
    return NULL;
  }
  if (opts->kind == AW_LOGFMT_PATTERN && (!opts->log_format || !opts->log_format[0])) {
    aw_error_set(err, AW_ERR_ARG, "logformat: a log format is required");
    return NULL;
  }
  aw_logfmt *lf = (aw_logfmt *)AW_CALLOC(1, sizeof(aw_logfmt));
  if (!lf) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  lf->o = *opts;
  lf->fv = lf->fv_own;
  if (lf->o.max_line == 0) lf->o.max_line = AW_LOGFMT_DEFAULT_MAX_LINE;
  lf->fn = fn;
  lf->ud = ud;
  lf->name = sdup(opts->name ? opts->name : "");
  const char *cf = opts->content_field ? opts->content_field : opts->kind == AW_LOGFMT_JSON ? "log" : "Content";
  lf->content_field = sdup(cf);
  const char *tf = opts->time_field ? opts->time_field : opts->kind == AW_LOGFMT_JSON ? "time" : NULL;
  lf->time_field = sdup(tf);
  lf->time_format = sdup(opts->time_format);
  lf->log_format = sdup(opts->log_format);
  lf->inner_format = sdup(opts->inner_format);
  lf->o.name = lf->name;
  lf->content_idx = SIZE_MAX;
  lf->json_time_pos = SIZE_MAX;
  aw_status st = AW_OK;
  if (!lf->name || !lf->content_field || (tf && !lf->time_field) || (opts->time_format && !lf->time_format) ||
      (opts->log_format && !lf->log_format) || (opts->inner_format && !lf->inner_format))
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  size_t from = 0;
  if (st == AW_OK && opts->kind == AW_LOGFMT_PATTERN) {
    st = build_format(lf, lf->log_format, &lf->re, &from, err);
    if (st == AW_OK && !opts->no_fast_path) lf->fast = build_fast(lf, lf->log_format);
  } else if (st == AW_OK && opts->kind == AW_LOGFMT_JSON) {
    if (lf->time_field) {
      lf->fields[lf->nfields++].name = sdup(lf->time_field);
      lf->json_time_pos = 0;
    }
    from = lf->nfields;
    if (lf->inner_format && lf->inner_format[0]) {
      st = build_format(lf, lf->inner_format, &lf->re, &from, err);
    } else {
      lf->fields[lf->nfields++].name = sdup(lf->content_field);
    }
    for (size_t k = 0; k < lf->nfields; k++)
      if (!lf->fields[k].name) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  if (st == AW_OK) {
    const char *want = opts->kind == AW_LOGFMT_JSON && lf->inner_format ? "Content" : lf->content_field;
    if (opts->kind == AW_LOGFMT_JSON && lf->inner_format && opts->content_field == NULL) want = "Content";
    for (size_t k = from; k < lf->nfields; k++)
      if (strcmp(lf->fields[k].name, want) == 0) lf->content_idx = k;
    if (opts->kind == AW_LOGFMT_PATTERN && lf->content_idx == SIZE_MAX)
      st = aw_error_set(err, AW_ERR_ARG, "log format \"%s\" has no <%s> field", lf->log_format, lf->content_field);
    if (opts->kind == AW_LOGFMT_JSON && lf->inner_format && lf->content_idx == SIZE_MAX)
      st = aw_error_set(err, AW_ERR_ARG, "inner format \"%s\" has no <%s> field", lf->inner_format, want);
  }
  if (st == AW_OK && opts->kind == AW_LOGFMT_PATTERN) choose_time_fields(lf);
  if (st == AW_OK && lf->time_format && lf->time_format[0] && tprog_set(&lf->tp_user, lf->time_format))
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (st == AW_OK && opts->kind != AW_LOGFMT_JSON) {
    lf->q = (aw_logfmt_line *)aw_alloc_array(QUEUE_LINES, sizeof(aw_logfmt_line));
    lf->qf = (aw_logfmt_field *)aw_alloc_array(QUEUE_LINES * (lf->nfields ? lf->nfields : 1), sizeof(aw_logfmt_field));
    if (!lf->q || !lf->qf) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  if (st != AW_OK) {
    aw_logfmt_free(lf);
    return NULL;
  }
  return lf;
}

void aw_logfmt_free(aw_logfmt *lf) {
  if (!lf) return;
  AW_FREE(lf->q);
  AW_FREE(lf->qf);
  AW_FREE(lf->name);
  AW_FREE(lf->content_field);
  AW_FREE(lf->time_field);
  AW_FREE(lf->time_format);
  AW_FREE(lf->log_format);
  AW_FREE(lf->inner_format);
  aw_regex_free(lf->re);
  AW_FREE(lf->tp_auto.ops);
  AW_FREE(lf->tp_user.ops);
  for (size_t k = 0; k < lf->nfields; k++) AW_FREE(lf->fields[k].name);
  aw_buf_free(&lf->line);
  aw_buf_free(&lf->san);
  aw_buf_free(&lf->tbuf);
  aw_buf_free(&lf->jbuf);
  for (size_t i = 0; i < lf->nissues; i++) AW_FREE((char *)lf->issues[i].message);
  AW_FREE(lf->issues);
  AW_FREE(lf);
}

const aw_logfmt_stats *aw_logfmt_get_stats(const aw_logfmt *lf) { return lf ? &lf->st : NULL; }
size_t aw_logfmt_field_count(const aw_logfmt *lf) { return lf ? lf->nfields : 0; }
const char *aw_logfmt_field_name(const aw_logfmt *lf, size_t i) {
  return lf && i < lf->nfields ? lf->fields[i].name : NULL;
}
size_t aw_logfmt_content_index(const aw_logfmt *lf) { return lf ? lf->content_idx : SIZE_MAX; }
size_t aw_logfmt_issue_count(const aw_logfmt *lf) { return lf ? lf->nissues : 0; }
const aw_logfmt_issue *aw_logfmt_issue_at(const aw_logfmt *lf, size_t i) {
  return lf && i < lf->nissues ? &lf->issues[i] : NULL;
}

/* ------------------------------------------------------------------ time parsing */

static const char *const MONTHS[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const MONTHS_FULL[12] = {"january", "february", "march",     "april",   "may",      "june",
                                            "july",    "august",   "september", "october", "november", "december"};
static const char *const WDAYS[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Month from an alphabetic word (3 letters or the full name), 1..12, or 0. */
static int month_of(const char *s, size_t n) {
  if (n == 3) {
    for (int m = 0; m < 12; m++)
      if (lower(s[0]) == MONTHS[m][0] && lower(s[1]) == MONTHS[m][1] && lower(s[2]) == MONTHS[m][2]) return m + 1;
  }
  for (int m = 0; m < 12; m++) {
    size_t l = strlen(MONTHS_FULL[m]);
    if (n != l) continue;
    size_t i = 0;
    while (i < l && lower(s[i]) == MONTHS_FULL[m][i]) i++;
    if (i == l) return m + 1;
  }
  return 0;
}

static int weekday_word(const char *s, size_t n) {
  if (n < 3) return 0;
  for (int d = 0; d < 7; d++)
    if (lower(s[0]) == WDAYS[d][0] && lower(s[1]) == WDAYS[d][1] && lower(s[2]) == WDAYS[d][2]) return 1;
  return 0;
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int valid_ymd(int64_t y, int m, int d) {
  static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return 0;
  return d <= md[m - 1] + (m == 2 && is_leap(y));
}

static double pow10i(int k) {
  double p = 1;
  while (k-- > 0) p *= 10;
  return p;
}

/* The time h:mi:s (plus frac / 10^fracdig, at offset off_min) of day number `days`; 0 when the
 * time of day is out of range. */
static int day_time(int64_t days, int h, int mi, int s, uint64_t frac, int fracdig, int off_min, double *out) {
  if (h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 || s > 60) return 0;
  int64_t secs = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s - (int64_t)off_min * 60;
  double f = fracdig ? (double)frac / pow10i(fracdig) : 0.0;
  *out = (double)secs + f;
  return 1;
}

static int finish_time(int64_t y, int mo, int d, int h, int mi, int s, uint64_t frac, int fracdig, int off_min,
                       double *out) {
  if (!valid_ymd(y, mo, d)) return 0;
  return day_time(aw_days_from_civil(y, (unsigned)mo, (unsigned)d), h, mi, s, frac, fracdig, off_min, out);
}

static int yy_to_year(int yy) { return yy < 69 ? 2000 + yy : 1900 + yy; }

typedef struct {
  char type;    /* 'n' number, 'a' word */
  size_t start, len;
  uint64_t val; /* numbers: value (up to 18 digits) */
  char sep;     /* separator before this token (' ' for white space, 0 at the start) */
} ttok;

/* Automatic detection (see the header). */
static int time_auto(const char *s, size_t n, int default_year, double *out, char *fmt_out, size_t fmt_cap) {
  /* unix numbers and ISO 8601 first */
  aw_time_format f;
  if (aw_parse_time(s, n, AW_TIME_UNKNOWN, out, &f)) return 1;
  ttok tk[24];
  size_t nt = 0, i = 0;
  char sep = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c >= '0' && c <= '9') {
      size_t st = i;
      uint64_t v = 0;
      while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (i - st < 18) v = v * 10 + (uint64_t)(s[i] - '0');
        i++;
      }
      if (nt == 24) return 0;
      tk[nt++] = (ttok){'n', st, i - st, v, sep};
      sep = 0;
    } else if ((c | 32) >= 'a' && (c | 32) <= 'z') {
      size_t st = i;
      while (i < n && (((unsigned char)s[i] | 32) >= 'a' && ((unsigned char)s[i] | 32) <= 'z')) i++;
      if (nt == 24) return 0;
      tk[nt++] = (ttok){'a', st, i - st, 0, sep};
      sep = 0;
    } else {
      sep = aw_ascii_is_space(c) ? (sep ? sep : ' ') : (char)c;
      if (sep == ' ' && !aw_ascii_is_space(c)) sep = (char)c;
      i++;
    }
  }
  int64_t Y = -1;
  int M = -1, D = -1, H = -1, MI = -1, S = 0, off = 0;
  uint64_t frac = 0;
  int fracdig = 0;
  const char *role[24] = {0}; /* the strptime directive (or literal) each token turned out to be */
  /* zone: trailing Z or +hhmm handled by ISO above; here only "UTC"/"GMT" words are ignored */
  /* month words and weekdays */
  for (size_t k = 0; k < nt; k++) {
    if (tk[k].type != 'a') continue;
    int m = month_of(s + tk[k].start, tk[k].len);
    if (m && M < 0) {
      M = m;
      role[k] = "%b";
    } else if (weekday_word(s + tk[k].start, tk[k].len) || (tk[k].len == 3 && (memcmp(s + tk[k].start, "UTC", 3) == 0 || memcmp(s + tk[k].start, "GMT", 3) == 0))) {
      role[k] = weekday_word(s + tk[k].start, tk[k].len) ? "%a" : "";
    } else if (tk[k].len == 1 && (s[tk[k].start] == 'T' || s[tk[k].start] == 'Z')) {
      role[k] = "";
    } else {
      return 0; /* an unknown word */
    }
  }
  /* time of day: h:m[:s] with ':' separators */
  for (size_t k = 0; k + 1 < nt && H < 0; k++) {
    if (tk[k].type == 'n' && tk[k].len <= 2 && tk[k + 1].type == 'n' && tk[k + 1].sep == ':' && tk[k + 1].len <= 2) {
      H = (int)tk[k].val;
      MI = (int)tk[k + 1].val;
      role[k] = "%H";
      role[k + 1] = "%M";
      size_t j = k + 2;
      if (j < nt && tk[j].type == 'n' && tk[j].sep == ':' && tk[j].len <= 2) {
        S = (int)tk[j].val;
        role[j] = "%S";
        j++;
        if (j < nt && tk[j].type == 'n' && (tk[j].sep == '.' || tk[j].sep == ',' || tk[j].sep == ':') && tk[j].len <= 9) {
          frac = tk[j].val;
          fracdig = (int)tk[j].len;
          role[j] = "%f";
        }
      }
    }
  }
  /* compact forms: 8 digits YYYYMMDD, 6 digits YYMMDD (then HHMMSS), 14 digits YYYYMMDDhhmmss */
  size_t nums[24], nn = 0;
  for (size_t k = 0; k < nt; k++)
    if (tk[k].type == 'n' && !role[k]) nums[nn++] = k;
  if (M < 0 && nn >= 1 && tk[nums[0]].len == 14) {
    uint64_t v = tk[nums[0]].val;
    Y = (int64_t)(v / 10000000000ull);
    M = (int)(v / 100000000ull % 100);
    D = (int)(v / 1000000 % 100);
    H = (int)(v / 10000 % 100);
    MI = (int)(v / 100 % 100);
    S = (int)(v % 100);
    role[nums[0]] = "%Y%m%d%H%M%S";
  } else if (M < 0 && nn >= 1 && (tk[nums[0]].len == 8 || tk[nums[0]].len == 6)) {
    uint64_t v = tk[nums[0]].val;
    if (tk[nums[0]].len == 8) {
      Y = (int64_t)(v / 10000);
    } else {
      Y = yy_to_year((int)(v / 10000));
    }
    M = (int)(v / 100 % 100);
    D = (int)(v % 100);
    role[nums[0]] = tk[nums[0]].len == 8 ? "%Y%m%d" : "%y%m%d";
    if (H < 0 && nn >= 2 && tk[nums[1]].len == 6) {
      uint64_t t = tk[nums[1]].val;
      H = (int)(t / 10000);
      MI = (int)(t / 100 % 100);
      S = (int)(t % 100);
      role[nums[1]] = "%H%M%S";
      if (nn >= 3 && (tk[nums[2]].sep == '.' || tk[nums[2]].sep == ',') && tk[nums[2]].len <= 9) {
        frac = tk[nums[2]].val;
        fracdig = (int)tk[nums[2]].len;
        role[nums[2]] = "%f";
      }
    }
  }
  nn = 0;
  for (size_t k = 0; k < nt; k++)
    if (tk[k].type == 'n' && !role[k]) nums[nn++] = k;
  if (M > 0 && D < 0) {
    /* month given by name: the day is the first number of 1-2 digits, the year a 4-digit one */
    for (size_t q = 0; q < nn; q++) {
      ttok *t = &tk[nums[q]];
      if (t->len <= 2 && D < 0) {
        D = (int)t->val;
        role[nums[q]] = "%d";
      } else if (t->len == 4 && Y < 0) {
        Y = (int64_t)t->val;
        role[nums[q]] = "%Y";
      }
    }
  } else if (M < 0) {
    if (nn >= 3 && tk[nums[0]].len == 4) {
      Y = (int64_t)tk[nums[0]].val;
      M = (int)tk[nums[1]].val;
      D = (int)tk[nums[2]].val;
      role[nums[0]] = "%Y";
      role[nums[1]] = "%m";
      role[nums[2]] = "%d";
    } else if (nn >= 3 && tk[nums[2]].len == 4 && tk[nums[0]].len <= 2 && tk[nums[1]].len <= 2) {
      Y = (int64_t)tk[nums[2]].val;
      int us = tk[nums[1]].sep == '/';
      if (us) {
        M = (int)tk[nums[0]].val; /* US month/day/year */
        D = (int)tk[nums[1]].val;
      } else {
        D = (int)tk[nums[0]].val; /* day.month.year, day-month-year */
        M = (int)tk[nums[1]].val;
      }
      role[nums[0]] = us ? "%m" : "%d";
      role[nums[1]] = us ? "%d" : "%m";
      role[nums[2]] = "%Y";
    } else if (nn >= 3 && tk[nums[0]].len == 2 && tk[nums[1]].len <= 2 && tk[nums[2]].len <= 2) {
      Y = yy_to_year((int)tk[nums[0]].val); /* yy/MM/dd (Spark) */
      M = (int)tk[nums[1]].val;
      D = (int)tk[nums[2]].val;
      role[nums[0]] = "%y";
      role[nums[1]] = "%m";
      role[nums[2]] = "%d";
    } else if (nn >= 2 && tk[nums[0]].len <= 2 && tk[nums[1]].len <= 2) {
      M = (int)tk[nums[0]].val; /* MM-dd (Android), MM.dd (Proxifier) */
      D = (int)tk[nums[1]].val;
      role[nums[0]] = "%m";
      role[nums[1]] = "%d";
    } else {
      return 0;
    }
    /* BGL: "2005-06-03-15.42.50.675872" - the time follows the date with '.' separators */
    if (H < 0) {
      nn = 0;
      for (size_t k = 0; k < nt; k++)
        if (tk[k].type == 'n' && !role[k]) nums[nn++] = k;
      if (nn >= 3 && tk[nums[1]].sep == '.' && tk[nums[2]].sep == '.' && tk[nums[0]].len <= 2 && tk[nums[1]].len == 2 &&
          tk[nums[2]].len == 2) {
        H = (int)tk[nums[0]].val;
        MI = (int)tk[nums[1]].val;
        S = (int)tk[nums[2]].val;
        role[nums[0]] = "%H";
        role[nums[1]] = "%M";
        role[nums[2]] = "%S";
        if (nn >= 4 && tk[nums[3]].sep == '.' && tk[nums[3]].len <= 9) {
          frac = tk[nums[3]].val;
          fracdig = (int)tk[nums[3]].len;
          role[nums[3]] = "%f";
        }
      }
    }
  }
  if (M < 0 || D < 0) return 0;
  if (Y < 0) Y = default_year;
  if (H < 0) {
    H = 0;
    MI = 0;
  }
  for (size_t k = 0; k < nt; k++)
    if (!role[k]) return 0; /* something we could not place */
  if (!finish_time(Y, M, D, H, MI, S, frac, fracdig, off, out)) return 0;
  if (fmt_out) {
    /* the equivalent explicit format, so the next lines can skip detection */
    size_t o = 0, prev = 0;
    fmt_out[0] = '\0';
    for (size_t k = 0; k <= nt; k++) {
      size_t st = k < nt ? tk[k].start : n;
      for (size_t q = prev; q < st; q++) {
        char ch = s[q];
        const char *piece = aw_ascii_is_space((unsigned char)ch) ? " " : ch == '%' ? "%%" : NULL;
        char one[2] = {ch, 0};
        if (!piece) piece = one;
        if (piece[0] == ' ' && o > 0 && fmt_out[o - 1] == ' ') continue;
        size_t pl = strlen(piece);
        if (o + pl + 1 > fmt_cap) return (fmt_out[0] = '\0'), 1;
        memcpy(fmt_out + o, piece, pl);
        o += pl;
      }
      if (k == nt) break;
      const char *r = role[k];
      if (!r[0] || (r[0] == '%' && r[1] == 'a' && 0)) r = NULL;
      size_t rl = r ? strlen(r) : tk[k].len;
      if (o + rl + 1 > fmt_cap) return (fmt_out[0] = '\0'), 1;
      memcpy(fmt_out + o, r ? r : s + tk[k].start, rl);
      o += rl;
      prev = tk[k].start + tk[k].len;
    }
    fmt_out[o] = '\0';
  }
  return 1;
}

static inline int num_at(const char *s, size_t n, size_t *ip, int maxd, int64_t *v) {
  size_t i = *ip, st = i, lim = n - i < (size_t)maxd ? n : i + (size_t)maxd;
  int64_t x = 0;
  while (i < lim && (unsigned)((unsigned char)s[i] - '0') < 10) x = x * 10 + (s[i++] - '0');
  if (i == st) return 0;
  *ip = i;
  *v = x;
  return 1;
}

/* Reads a digit run of min..max digits that is not followed by another digit, unless exactly
 * max digits were asked for (then the run may continue into the next field). */
static inline int num_field(const char *s, size_t n, size_t *i, int mind, int maxd, int64_t *v) {
  size_t st = *i;
  if (!num_at(s, n, i, maxd, v)) return 0;
  size_t got = *i - st;
  if (got < (size_t)mind) return 0;
  if (mind < maxd && *i < n && s[*i] >= '0' && s[*i] <= '9') return 0;
  return 1;
}

/* A strptime-like format (see aw_logfmt_parse_time) compiled into one operation per format item,
 * so a format used on many lines is read once (time_compile) and applied cheaply (time_exec). */
typedef struct tf_op {
  char op;       /* ' ' a run of white space, 'L' the literal `lit`, '?' an unknown directive (fails),
                    else the directive letter (Y y m d e H M S j f b B h a A z s %) */
  char lit;
  uint8_t mind;  /* numeric fields: fewest digits (see num_field) */
  uint8_t last;  /* %s: it ends the format */
} tf_op;

/* Compiles fmt into ops (room for strlen(fmt) entries); returns the count. Numeric fields are
 * whole digit runs: a field directly followed or preceded by another numeric directive ("%y%m%d")
 * has exactly its width, otherwise 1..width digits and no digit after them. */
static size_t time_compile(const char *fmt, tf_op *ops) {
  size_t k = 0;
  for (const char *f = fmt; *f; f++) {
    int adj = f[0] == '%' && f[1] &&
              ((f[2] == '%' && f[3] && strchr("YymdHMSj", f[3]) != NULL) ||
               (f >= fmt + 2 && f[-2] == '%' && strchr("YymdHMSj", f[-1]) != NULL));
    tf_op *o = &ops[k++];
    memset(o, 0, sizeof *o);
    if (*f == ' ') {
      o->op = ' ';
      continue;
    }
    if (*f != '%') {
      o->op = 'L';
      o->lit = *f;
      continue;
    }
    f++;
    char c = *f;
    if (!c || !strchr("YymdeHMSjfbBhaAzs%", c)) {
      o->op = '?';
      return k; /* the format fails here, whatever follows */
    }
    o->op = c;
    o->mind = (uint8_t)(c == 'Y' ? 4 : c == 'y' ? 2 : c == 'j' ? (adj ? 3 : 1) : c == 'e' ? 1 : adj ? 2 : 1);
    o->last = c == 's' && f[1] == '\0';
  }
  return k;
}


static const tf_state tf_state0 = {-1, 1, 1, 0, 0, 0, 0, -1, 0, 0};

/* Runs ops[k0..nops) on s[0..n) from position *ip and state *st. after (may be NULL) gets the
 * position after each item. Returns 1 when every item matched, 0 on a mismatch, 2 when an
 * epoch item (%s) set *out and ended the parse successfully. Each item decides on the bytes it
 * consumes plus at most the one after them. */
static int time_run(const tf_op *ops, size_t k0, size_t nops, const char *s, size_t n, size_t *ip, tf_state *st,
                    size_t *after, double *out) {
  int64_t v;
  size_t i = *ip;
  for (size_t k = k0; k < nops; k++) {
    const tf_op *o = &ops[k];
    switch (o->op) {
      case ' ':
        while (i < n && aw_ascii_is_space((unsigned char)s[i])) i++;
        break;
      case 'L':
        if (i >= n || s[i] != o->lit) return 0;
        i++;
        break;
      case 'Y': if (!num_field(s, n, &i, 4, 4, &v)) return 0; st->Y = v; break;
      case 'y': if (!num_field(s, n, &i, 2, 2, &v)) return 0; st->Y = yy_to_year((int)v); break;
      case 'm': if (!num_field(s, n, &i, o->mind, 2, &v)) return 0; st->M = (int)v; break;
      case 'd': if (!num_field(s, n, &i, o->mind, 2, &v)) return 0; st->D = (int)v; break;
      case 'e': while (i < n && s[i] == ' ') i++; if (!num_field(s, n, &i, 1, 2, &v)) return 0; st->D = (int)v; break;
      case 'H': if (!num_field(s, n, &i, o->mind, 2, &v)) return 0; st->H = (int)v; break;
      case 'M': if (!num_field(s, n, &i, o->mind, 2, &v)) return 0; st->MI = (int)v; break;
      case 'S': if (!num_field(s, n, &i, o->mind, 2, &v)) return 0; st->S = (int)v; break;
      case 'j': if (!num_field(s, n, &i, o->mind, 3, &v)) return 0; st->yday = (int)v; break;
      case 'f': {
        size_t st0 = i;
        uint64_t x = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
          if (i - st0 < 9) x = x * 10 + (uint64_t)(s[i] - '0');
          i++;
        }
        if (i == st0 || i - st0 > 9) return 0;
        st->frac = x;
        st->fracdig = (int)(i - st0);
        break;
      }
      case 'b': case 'B': case 'h': {
        size_t st0 = i;
        while (i < n && ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z')) i++;
        int m = month_of(s + st0, i - st0);
        if (!m) return 0;
        st->M = m;
        break;
      }
      case 'a': case 'A': {
        size_t st0 = i;
        while (i < n && ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z')) i++;
        if (!weekday_word(s + st0, i - st0)) return 0;
        break;
      }
      case 'z': {
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
          i++;
          break;
        }
        if (i >= n || (s[i] != '+' && s[i] != '-')) return 0;
        int sg = s[i++] == '-' ? -1 : 1;
        int64_t hh, mm = 0;
        if (!num_at(s, n, &i, 2, &hh)) return 0;
        if (i < n && s[i] == ':') i++;
        if (i < n && s[i] >= '0' && s[i] <= '9' && !num_at(s, n, &i, 2, &mm)) return 0;
        st->off = sg * (int)(hh * 60 + mm);
        break;
      }
      case 's': {
        int neg = i < n && s[i] == '-';
        if (neg) i++;
        if (!num_at(s, n, &i, 12, &v)) return 0;
        *out = (double)(neg ? -v : v);
        if (i < n && s[i] == '.') {
          size_t st0 = ++i;
          uint64_t x = 0;
          while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (i - st0 < 9) x = x * 10 + (uint64_t)(s[i] - '0');
            i++;
          }
          int kk = (int)(i - st0 < 9 ? i - st0 : 9);
          *out += (neg ? -1.0 : 1.0) * (double)x / pow10i(kk);
        }
        /* epoch seconds must end the format (and the text) */
        return o->last && i == n ? 2 : 0;
      }
      case '%': if (i >= n || s[i] != '%') return 0; i++; break;
      default: return 0;
    }
    if (after) after[k] = i;
  }
  *ip = i;
  return 1;
}

/* The time of a parse that ran every item (time_run returned 1) and ended at i; days_cache (may
 * be NULL) remembers the day number of the last date. */
static int time_finish(const tf_state *st, size_t i, size_t n, int default_year, int64_t *days_cache, double *out) {
  if (i != n) return 0;
  int64_t Y = st->Y < 0 ? default_year : st->Y;
  if (st->yday > 0) {
    if (st->yday > 365 + is_leap(Y)) return 0;
    int64_t days = aw_days_from_civil(Y, 1, 1) + st->yday - 1;
    double f = st->fracdig ? (double)st->frac / pow10i(st->fracdig) : 0.0;
    *out = (double)(days * 86400 + (int64_t)st->H * 3600 + st->MI * 60 + st->S - (int64_t)st->off * 60) + f;
    return 1;
  }
  if (days_cache && days_cache[0] == Y && days_cache[1] == st->M && days_cache[2] == st->D) {
    /* finish_time with the day number of the previous line's date */
    return day_time(days_cache[3], st->H, st->MI, st->S, st->frac, st->fracdig, st->off, out);
  }
  if (!finish_time(Y, st->M, st->D, st->H, st->MI, st->S, st->frac, st->fracdig, st->off, out)) return 0;
  if (days_cache) {
    days_cache[0] = Y;
    days_cache[1] = st->M;
    days_cache[2] = st->D;
    days_cache[3] = aw_days_from_civil(Y, (unsigned)st->M, (unsigned)st->D);
  }
  return 1;
}

/* Applies compiled format ops[0..nops) to s[0..n); returns 1 and sets *out, or 0. */
static int time_exec(const tf_op *ops, size_t nops, const char *s, size_t n, int default_year, double *out) {
  tf_state st = tf_state0;
  size_t i = 0;
  int r = time_run(ops, 0, nops, s, n, &i, &st, NULL, out);
  if (r != 1) return r == 2;
  return time_finish(&st, i, n, default_year, NULL, out);
}


/* The fixed layout of a format made only of full-width numeric fields (%Y four digits, %y %m %d
 * %H %M %S two), literal bytes that are not digits, and spaces - "%y%m%d %H%M%S", "%Y-%m-%d
 * %H:%M:%S": the text every field of which has its full width and every space is one ' '. For
 * such a text time_run reads exactly these digits (a field is followed by a non-digit literal, a
 * space, the end, or - "%y%m%d" - a field of exact width), so time_fixed can read it by
 * position. Sets p->fix_nf = 0 when the format is not of this kind. */
static void fix_layout(tprog *p) {
  size_t pos = 0, nf = 0;
  int big_y = 0, small_y = 0;
  p->fix_nf = 0;
  for (size_t k = 0; k < p->n; k++) {
    const tf_op *o = &p->ops[k];
    size_t w = o->op == 'Y' ? 4 : 2;
    switch (o->op) {
      case 'Y': case 'y': case 'm': case 'd': case 'H': case 'M': case 'S': {
        if (pos + w > TFIX_TEXT || nf + 2 > TFIX_FIELDS) return;
        static const char ops[] = "ymdHMS";
        static const uint8_t slots[] = {FS_YY, FS_M, FS_D, FS_H, FS_MI, FS_S};
        if (o->op == 'Y') {
          p->fix_f[nf].slot = FS_YH;
          p->fix_f[nf++].pos = (uint8_t)pos;
          p->fix_f[nf].slot = FS_YL;
          p->fix_f[nf++].pos = (uint8_t)(pos + 2);
          big_y = 1;
        } else {
          p->fix_f[nf].slot = slots[strchr(ops, o->op) - ops];
          p->fix_f[nf++].pos = (uint8_t)pos;
          small_y |= o->op == 'y';
        }
        if (big_y && small_y) return; /* which year counts would depend on their order */
        memset(p->fix_pat + pos, 'd', w);
        pos += w;
        break;
      }
      case 'L':
        if (pos + 1 > TFIX_TEXT || (o->lit >= '0' && o->lit <= '9') || o->lit == 'd' || aw_ascii_is_space((unsigned char)o->lit))
          return;
        p->fix_pat[pos++] = o->lit;
        break;
      case ' ':
        if (pos + 1 > TFIX_TEXT) return;
        p->fix_pat[pos++] = ' ';
        break;
      default: return;
    }
  }
  p->fix_len = (uint8_t)pos;
  p->fix_nf = (uint8_t)nf;
  p->fc_valid = 0;
  memset(p->fix_tpos, 0xFF, sizeof p->fix_tpos);
  unsigned char date_byte[TFIX_TEXT] = {0};
  for (size_t k = 0; k < nf; k++) {
    unsigned sl = p->fix_f[k].slot, at = p->fix_f[k].pos;
    if (sl >= FS_H) p->fix_tpos[sl - FS_H] = (uint8_t)at;
    else date_byte[at] = date_byte[at + 1] = 1;
  }
  /* words of eight bytes inside the text (no read past its end): at 0, 8, ..., and the last
   * eight bytes (overlapping the one before) */
  p->fix_nw = 0;
  if (pos < 8) return; /* (time_fixed then compares byte by byte) */
  for (size_t o = 0; o < pos; o += 8) {
    size_t at = o + 8 <= pos ? o : pos - 8, w = p->fix_nw++;
    p->fix_off[w] = (uint8_t)at;
    p->fix_dm[w] = p->fix_lm[w] = p->fix_lit[w] = p->fix_datem[w] = 0;
    for (size_t i = 0; i < 8; i++) {
      unsigned sh = (unsigned)(8 * i);
      char c = p->fix_pat[at + i];
      if (date_byte[at + i]) p->fix_datem[w] |= (uint64_t)0xFF << sh;
      if (c == 'd') {
        p->fix_dm[w] |= (uint64_t)0xFF << sh;
      } else {
        p->fix_lm[w] |= (uint64_t)0xFF << sh;
        p->fix_lit[w] |= (uint64_t)(unsigned char)c << sh;
      }
    }
  }
}

/* Reads s[0..n) by p's fixed layout: 1 (and *out) or 0 as time_exec would give, or -1 when the
 * text does not have the layout (time_exec must read it). */
static int time_fixed(tprog *p, const char *s, size_t n, int default_year, int64_t *days_cache, double *out) {
  if (!p->fix_nf || n != p->fix_len) return -1;
  /* eight bytes at a time (little-endian words): the literals equal, the digit positions digits
   * - t = byte ^ '0' is a digit's value; t < 10 <=> neither t nor t + 0x76 has the high bit (a
   * carry out of a byte with t >= 0x8A, itself rejected, can only make the next byte fail too);
   * and whether the date bytes are those of the last text read (same) */
  uint64_t bad = 0, same = 0, date[TFIX_TEXT / 8];
  for (size_t k = 0; k < p->fix_nw; k++) {
    uint64_t w;
    memcpy(&w, s + p->fix_off[k], 8); /* (little-endian: x86 and WASM) */
    uint64_t t = (w ^ 0x3030303030303030ull) & p->fix_dm[k];
    bad |= (t | (t + 0x7676767676767676ull)) & 0x8080808080808080ull & p->fix_dm[k];
    bad |= (w ^ p->fix_lit[k]) & p->fix_lm[k];
    date[k] = w & p->fix_datem[k];
    same |= date[k] ^ p->fc_key[k];
  }
  if (!p->fix_nw)
    for (size_t i = 0; i < n; i++) {
      char c = p->fix_pat[i];
      bad |= c == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != c;
    }
  if (bad) return -1;
  if (p->fc_valid && !same && p->fc_year == default_year) {
    /* the last text's date: its day number, and only the time of day to read (time_finish's
     * day cache does the same) */
    int tv[3];
    for (int j = 0; j < 3; j++) {
      const char *q = s + p->fix_tpos[j];
      tv[j] = p->fix_tpos[j] == 0xFF ? 0 : (q[0] - '0') * 10 + (q[1] - '0');
    }
    return day_time(p->fc_days, tv[0], tv[1], tv[2], 0, 0, 0, out);
  }
  int v[FS_N] = {-1, 0, -1, 1, 1, 0, 0, 0}; /* tf_state0's values where a field is absent */
  for (size_t k = 0; k < p->fix_nf; k++) {
    const char *q = s + p->fix_f[k].pos;
    v[p->fix_f[k].slot] = (q[0] - '0') * 10 + (q[1] - '0');
  }
  tf_state st = tf_state0;
  st.Y = v[FS_YH] >= 0 ? (int64_t)v[FS_YH] * 100 + v[FS_YL] : v[FS_YY] >= 0 ? yy_to_year(v[FS_YY]) : -1;
  st.M = v[FS_M];
  st.D = v[FS_D];
  st.H = v[FS_H];
  st.MI = v[FS_MI];
  st.S = v[FS_S];
  int r = time_finish(&st, n, n, default_year, days_cache, out);
  if (r == 1 && days_cache && p->fix_nw) { /* days_cache[3] is this date's day number */
    memcpy(p->fc_key, date, p->fix_nw * sizeof date[0]);
    p->fc_days = days_cache[3];
    p->fc_year = default_year;
    p->fc_valid = 1;
  }
  return r;
}

/* time_exec for consecutive texts of one format: items whose bytes (and the byte after them)
 * are the same as in the previous text keep their result, the others run again. A time text
 * changes little from one line to the next (the date, then the hour stay), so most lines only
 * read their last items. Gives exactly time_exec's result. */
static int time_exec_cached(tcache *c, const tf_op *ops, size_t nops, int epoch, const char *s, size_t n,
                            int default_year, double *out) {
  if (epoch || nops > TCACHE_ITEMS || n > TCACHE_TEXT) {
    c->valid = 0;
    return time_exec(ops, nops, s, n, default_year, out);
  }
  tf_state st = tf_state0;
  size_t i = 0, k0 = 0, l = 0;
  if (c->valid) {
    size_t lim = c->len < n ? c->len : n;
    /* the common prefix, eight bytes at a time */
    while (l + 8 <= lim) {
      uint64_t x, y;
      memcpy(&x, c->text + l, 8);
      memcpy(&y, s + l, 8);
      if (x != y) {
        l += (size_t)__builtin_ctzll(x ^ y) >> 3; /* little-endian: the first differing byte */
        break;
      }
      l += 8;
    }
    if (l + 8 > lim)
      while (l < lim && c->text[l] == s[l]) l++;
    size_t k = nops;
    while (k > 0 && c->after[k - 1] + 1 > l) k--; /* item k-1 and its lookahead byte are shared */
    if (k > 0) {
      st = c->st;
      i = c->after[k - 1];
      k0 = k;
    }
  }
  int r = time_run(ops, k0, nops, s, n, &i, &st, c->after, out);
  if (r != 1) {
    c->valid = 0;
    return 0;
  }
  memcpy(c->text + l, s + l, n - l); /* (the first l bytes are already there) */
  c->len = n;
  c->st = st;
  c->valid = 1;
  return time_finish(&st, i, n, default_year, c->days, out);
}

/* (Re)compiles fmt into p. */
static int tprog_set(tprog *p, const char *fmt) {
  AW_FREE(p->ops);
  p->n = 0;
  p->ops = (tf_op *)aw_alloc_array(strlen(fmt) + 1, sizeof(tf_op));
  if (!p->ops) return -1;
  p->n = time_compile(fmt, p->ops);
  p->epoch = 0;
  for (size_t k = 0; k < p->n; k++) p->epoch |= p->ops[k].op == 's';
  fix_layout(p);
  return 0;
}

static int time_fmt(const char *s, size_t n, const char *fmt, int default_year, double *out) {
  tprog p;
  memset(&p, 0, sizeof p);
  if (tprog_set(&p, fmt)) return 0;
  int r = time_exec(p.ops, p.n, s, n, default_year, out);
  AW_FREE(p.ops);
  return r;
}

int aw_logfmt_parse_time(const char *text, size_t n, const char *fmt, int default_year, double *out) {
  if (!text || !out) return 0;
  while (n && aw_ascii_is_space((unsigned char)text[0])) {
    text++;
    n--;
  }
  while (n && aw_ascii_is_space((unsigned char)text[n - 1])) n--;
  if (!n) return 0;
  double v;
  int ok = fmt && fmt[0] ? time_fmt(text, n, fmt, default_year, &v) : time_auto(text, n, default_year, &v, NULL, 0);
  if (ok) *out = v;
  return ok;
}

/* ------------------------------------------------------------------ JSON lines */

/* Skips white space. */
static size_t jws(const char *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  return i;
}

/* Skips a JSON string starting at s[i] == '"'; returns the index after it or 0 on error. */
static size_t jskip_str(const char *s, size_t n, size_t i) {
  i++;
  while (i < n) {
    if (s[i] == '\\') {
      i += 2;
      continue;
    }
    if (s[i] == '"') return i + 1;
    i++;
  }
  return 0;
}

/* Skips any JSON value; returns the index after it or 0 on error. Depth-bounded. */
static size_t jskip(const char *s, size_t n, size_t i, int depth) {
  if (depth > 200) return 0;
  i = jws(s, n, i);
  if (i >= n) return 0;
  if (s[i] == '"') return jskip_str(s, n, i);
  if (s[i] == '{' || s[i] == '[') {
    char close = s[i] == '{' ? '}' : ']';
    int obj = s[i] == '{';
    i = jws(s, n, i + 1);
    if (i < n && s[i] == close) return i + 1;
    for (;;) {
      if (obj) {
        i = jws(s, n, i);
        if (i >= n || s[i] != '"') return 0;
        i = jskip_str(s, n, i);
        if (!i) return 0;
        i = jws(s, n, i);
        if (i >= n || s[i] != ':') return 0;
        i++;
      }
      i = jskip(s, n, i, depth + 1);
      if (!i) return 0;
      i = jws(s, n, i);
      if (i >= n) return 0;
      if (s[i] == ',') {
        i++;
        continue;
      }
      if (s[i] == close) return i + 1;
      return 0;
    }
  }
  size_t st = i;
  while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
         s[i] != '\n')
    i++;
  if (i == st) return 0;
  return i;
}

static int hex4(const char *s, uint32_t *v) {
  *v = 0;
  for (int k = 0; k < 4; k++) {
    char c = s[k];
    int h = c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1;
    if (h < 0) return 0;
    *v = *v * 16 + (uint32_t)h;
  }
  return 1;
}

static int put_utf8(aw_buf *b, uint32_t cp) {
  char u[4];
  size_t l;
  if (cp < 0x80) {
    u[0] = (char)cp;
    l = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    l = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    l = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    l = 4;
  }
  return aw_buf_append(b, u, l) == AW_OK;
}

/* Decodes the JSON string at s[i] (== '"') into b. Returns 1 on success. */
static int jdecode(const char *s, size_t n, size_t i, aw_buf *b) {
  i++;
  while (i < n) {
    char c = s[i];
    if (c == '"') return 1;
    if (c != '\\') {
      size_t j = i;
      while (j < n && s[j] != '"' && s[j] != '\\') j++;
      if (aw_buf_append(b, s + i, j - i)) return 0;
      i = j;
      continue;
    }
    if (i + 1 >= n) return 0;
    char e = s[i + 1];
    i += 2;
    uint32_t cp;
    switch (e) {
      case '"': cp = '"'; break;
      case '\\': cp = '\\'; break;
      case '/': cp = '/'; break;
      case 'b': cp = 8; break;
      case 'f': cp = 12; break;
      case 'n': cp = 10; break;
      case 'r': cp = 13; break;
      case 't': cp = 9; break;
      case 'u':
        if (i + 4 > n || !hex4(s + i, &cp)) return 0;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' && hex4(s + i + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        break;
      default: return 0;
    }
    if (!put_utf8(b, cp)) return 0;
  }
  return 0;
}

/* Finds top-level key `key` in the object s[0..n); sets *vs to the value's index. 1 found, 0 not
 * found, -1 not a JSON object. */
static int jfind(const char *s, size_t n, const char *key, size_t *vs) {
  size_t kl = strlen(key);
  size_t i = jws(s, n, 0);
  if (i >= n || s[i] != '{') return -1;
  i = jws(s, n, i + 1);
  if (i < n && s[i] == '}') return jws(s, n, i + 1) == n ? 0 : -1;
  int found = 0;
  for (;;) {
    i = jws(s, n, i);
    if (i >= n || s[i] != '"') return -1;
    size_t ks = i;
    i = jskip_str(s, n, i);
    if (!i) return -1;
    int match = i - ks - 2 == kl && memcmp(s + ks + 1, key, kl) == 0;
    i = jws(s, n, i);
    if (i >= n || s[i] != ':') return -1;
    i = jws(s, n, i + 1);
    if (match && !found) {
      *vs = i;
      found = 1;
    }
    i = jskip(s, n, i, 0);
    if (!i) return -1;
    i = jws(s, n, i);
    if (i >= n) return -1;
    if (s[i] == ',') {
      i++;
      continue;
    }
    if (s[i] == '}') return jws(s, n, i + 1) == n ? found : -1;
    return -1;
  }
}

/* ------------------------------------------------------------------ lines */

static const char *sanitize_line(aw_logfmt *lf, const char *s, size_t *n, unsigned *flags) {
  size_t len = *n, i = 0;
  int bad = 0;
  while (i < len) {
    /* 8 bytes at a time while they are ASCII and not NUL */
    while (i + 8 <= len) {
      uint64_t v;
      memcpy(&v, s + i, 8);
      if ((v & 0x8080808080808080ull) || ((v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull)) break;
      i += 8;
    }
    if (i >= len) break;
    unsigned char c = (unsigned char)s[i];
    if (c == 0) {
      bad = 1;
      break;
    }
    if (c < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t l = aw_u8_decode((const unsigned char *)s, len, i, &cp);
    if (l == 1) {
      bad = 1;
      break;
    }
    i += l;
  }
  if (!bad) return s;
  lf->san.len = 0;
  for (size_t j = 0; j < len;) {
    unsigned char c = (unsigned char)s[j];
    if (c == 0) {
      *flags |= AW_LOGFMT_F_NUL;
      if (aw_buf_append(&lf->san, "\xEF\xBF\xBD", 3)) return NULL;
      j++;
      continue;
    }
    if (c < 0x80) {
      if (aw_buf_putc(&lf->san, (char)c)) return NULL;
      j++;
      continue;
    }
    uint32_t cp;
    size_t l = aw_u8_decode((const unsigned char *)s, len, j, &cp);
    if (l == 1) {
      *flags |= AW_LOGFMT_F_UTF8;
      if (aw_buf_append(&lf->san, "\xEF\xBF\xBD", 3)) return NULL;
    } else if (aw_buf_append(&lf->san, s + j, l)) {
      return NULL;
    }
    j += l;
  }
  *n = lf->san.len;
  return lf->san.data ? lf->san.data : "";
}

static void strip(const char **s, size_t *n) {
  const unsigned char *p = (const unsigned char *)*s;
  size_t a = 0, b = *n;
  /* the usual line: printable ASCII at both ends (0x21..0x7F: no white space) */
  if (b && (unsigned)(p[0] - 0x21) < 0x5Fu && (unsigned)(p[b - 1] - 0x21) < 0x5Fu) return;
  while (a < b) {
    size_t l = space_len(p, b, a);
    if (!l) break;
    a += l;
  }
  while (b > a) {
    if (p[b - 1] < 0x80) { /* ASCII: one byte */
      if (!aw_ascii_is_space(p[b - 1])) break;
      b--;
      continue;
    }
    size_t q = aw_u8_prev(p, b, b);
    if (!aw_u8_space_len(p, b, q)) break;
    b = q;
  }
  *s += a;
  *n = b - a;
}

static double line_time(aw_logfmt *lf, const aw_logfmt_field *fv) {
  if (lf->ntime == 0 && lf->ts_idx == SIZE_MAX) return NAN;
  double t;
  if (!lf->time_field && lf->ts_idx != SIZE_MAX) {
    const aw_logfmt_field *f = &fv[lf->ts_idx];
    if (aw_parse_time(f->value, f->len, AW_TIME_UNKNOWN, &t, NULL)) return t;
  }
  /* the time text: the time fields joined by spaces - read in place when they are one stretch
   * of the line with single spaces between them ("081109 203615"), else copied together */
  const char *tx = NULL;
  size_t tn = 0;
  int inplace = 1;
  for (size_t k = 0; k < lf->ntime && inplace; k++) {
    if (!lf->time_field && lf->time_idx[k] == lf->ts_idx) continue;
    const aw_logfmt_field *f = &fv[lf->time_idx[k]];
    if (!f->len) inplace = 0;
    else if (!tx) tx = f->value, tn = f->len;
    else if (f->value == tx + tn + 1 && tx[tn] == ' ') tn += 1 + f->len;
    else inplace = 0;
  }
  if (!inplace) {
    aw_buf *tb = &lf->tbuf;
    tb->len = 0;
    for (size_t k = 0; k < lf->ntime; k++) {
      if (!lf->time_field && lf->time_idx[k] == lf->ts_idx) continue;
      const aw_logfmt_field *f = &fv[lf->time_idx[k]];
      if (tb->len) aw_buf_add(tb, " ", 1);
      aw_buf_add(tb, f->value, f->len);
    }
    tx = tb->data;
    tn = tb->data ? tb->len : 0;
  }
  if (!tn) return NAN;
  if (lf->time_format && !lf->tp_user.ops) {
    if (aw_logfmt_parse_time(tx, tn, lf->time_format, lf->o.default_year, &t)) return t;
    return NAN;
  }
  while (tn && aw_ascii_is_space((unsigned char)tx[0])) {
    tx++;
    tn--;
  }
  while (tn && aw_ascii_is_space((unsigned char)tx[tn - 1])) tn--;
  if (!tn) return NAN;
  if (lf->time_format) {
    int r = time_fixed(&lf->tp_user, tx, tn, lf->o.default_year, lf->tc.days, &t);
    if (r >= 0) return r ? t : NAN;
    return time_exec(lf->tp_user.ops, lf->tp_user.n, tx, tn, lf->o.default_year, &t) ? t : NAN;
  }
  /* automatic: reuse the format detected on an earlier line while it fits (the same value as
   * detecting again, much cheaper); it is compiled once each time detection changes it */
  if (lf->auto_fmt[0]) {
    if (lf->auto_dirty) {
      if (tprog_set(&lf->tp_auto, lf->auto_fmt)) lf->tp_auto.n = 0;
      lf->auto_dirty = 0;
      lf->tc.valid = 0;
    }
    if (lf->tp_auto.ops) {
      int r = time_fixed(&lf->tp_auto, tx, tn, lf->o.default_year, lf->tc.days, &t);
      if (r == 1) return t;
      if (r < 0 && time_exec_cached(&lf->tc, lf->tp_auto.ops, lf->tp_auto.n, lf->tp_auto.epoch, tx, tn, lf->o.default_year, &t)) return t;
    }
  }
  lf->auto_dirty = 1; /* time_auto may rewrite auto_fmt */
  if (time_auto(tx, tn, lf->o.default_year, &t, lf->o.no_fast_path ? NULL : lf->auto_fmt, sizeof lf->auto_fmt)) return t;
  return NAN;
}

/* Hands the queued lines to the callback, in order. On a callback error the lines after the
 * failing one are not delivered (and no longer counted as delivered). */
static aw_status flush_queue(aw_logfmt *lf, aw_error *err) {
  size_t qn = lf->qn;
  lf->qn = 0;
  for (size_t i = 0; i < qn; i++) {
    aw_status st = lf->fn(lf->ud, &lf->q[i], err);
    if (st) {
      lf->st.delivered -= qn - i - 1;
      return st;
    }
  }
  return AW_OK;
}

/* Delivers line ln: queued (deliver read it into lf->q[lf->qn]: its bytes - text, message,
 * fields - stay valid until aw_logfmt_feed returns, they lie in the caller's chunk), or at once
 * (its bytes are the reader's scratch). Queued lines are handed over QUEUE_LINES at a time (and
 * at the end of each feed): the header parsing of a batch of lines, then the caller's work on
 * them, instead of the two interleaved line by line. The results are the same; it is faster
 * because each loop's code and branch history stay warm (about 15% in WASM on HDFS with Drain,
 * where the two together outgrow the instruction cache; no change natively). Other lines flush
 * the queue first, so the order is kept. */
static aw_status emit(aw_logfmt *lf, const aw_logfmt_line *ln, int queued, aw_error *err) {
  if (queued) { /* ln is lf->q[lf->qn], its fields in its slot of lf->qf */
    lf->qn++;
    return lf->qn == QUEUE_LINES ? flush_queue(lf, err) : AW_OK;
  }
  aw_status st = flush_queue(lf, err);
  if (st) {
    lf->st.delivered--; /* this line is not delivered either */
    return st;
  }
  return lf->fn(lf->ud, ln, err);
}

/* Every field of the line being read empty. */
static void clear_fields(aw_logfmt *lf) {
  for (size_t k = 0; k < lf->nfields; k++) {
    lf->fv[k].value = "";
    lf->fv[k].len = 0;
  }
}

/* nl_free: the line holds no '\n' (it comes from aw_logfmt_feed's line splitting); clean: it
 * holds no NUL and no byte >= 0x80 either (so it needs no sanitizing); stable: raw lies in the
 * chunk being fed (see emit). */
static aw_status deliver(aw_logfmt *lf, const char *raw, size_t n, uint64_t lineno, unsigned flags, int nl_free,
                         int clean, int stable, aw_error *err) {
  const char *s = clean ? raw : sanitize_line(lf, raw, &n, &flags);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  strip(&s, &n);
  if (flags & AW_LOGFMT_F_UTF8) {
    lf->st.utf8_fixed++;
    add_issue(lf, lineno, "utf8", "invalid UTF-8 replaced by U+FFFD");
  }
  if (flags & AW_LOGFMT_F_NUL) {
    lf->st.nul_fixed++;
    add_issue(lf, lineno, "nul", "NUL bytes replaced by U+FFFD");
  }
  if (n == 0) {
    lf->st.blank_lines++;
    return AW_OK;
  }
  /* a line that will be queued (see emit) is read straight into its queue slot */
  int queue = stable && clean && lf->q; /* (JSON readers have no queue: their text is rewritten) */
  aw_logfmt_line local, *ln = queue ? &lf->q[lf->qn] : &local;
  lf->fv = queue ? lf->qf + lf->qn * (lf->nfields ? lf->nfields : 1) : lf->fv_own;
  memset(ln, 0, sizeof *ln);
  ln->line = lineno;
  ln->offset = lf->deliver_off;
  ln->text = s;
  ln->text_len = n;
  ln->content = s;
  ln->content_len = n;
  ln->nfields = lf->nfields;
  ln->fields = lf->fv;
  ln->time = NAN;
  int fast = lf->o.kind == AW_LOGFMT_PATTERN && lf->fast;
  if (!fast) clear_fields(lf); /* (fast_split sets every field when it succeeds) */
  int matched = 1;
  if (lf->o.kind == AW_LOGFMT_PATTERN) {
    int r = 2;
    if (!fast || !fast_split(lf, s, n, nl_free)) {
      if (fast) clear_fields(lf);
      r = aw_regex_search(lf->re, s, n, 0, lf->spans, lf->ngroups_total + 1);
    }
    if (r < 0) return aw_error_set(err, AW_ERR_NOMEM, "out of memory matching the log format");
    if (r == 2) {
      ln->content = lf->fv[lf->content_idx].value;
      ln->content_len = lf->fv[lf->content_idx].len;
      ln->time = line_time(lf, lf->fv);
    } else if (r == 1) {
      for (size_t k = 0; k < lf->nfields; k++) {
        aw_regex_span sp = lf->spans[lf->gidx[k]];
        if (sp.start != AW_REGEX_UNSET) {
          lf->fv[k].value = s + sp.start;
          lf->fv[k].len = sp.end - sp.start;
        }
      }
      ln->content = lf->fv[lf->content_idx].value;
      ln->content_len = lf->fv[lf->content_idx].len;
      ln->time = line_time(lf, lf->fv);
    } else {
      matched = 0;
      lf->st.unmatched++;
      add_issue(lf, lineno, "no-match", "line does not match the log format");
    }
  } else if (lf->o.kind == AW_LOGFMT_JSON) {
    size_t vs;
    int r = jfind(s, n, lf->content_field, &vs);
    if (r < 0) {
      matched = 0;
      lf->st.unmatched++;
      add_issue(lf, lineno, "json", "not a JSON object");
    } else if (r == 0 || s[vs] != '"') {
      matched = 0;
      lf->st.unmatched++;
      add_issue(lf, lineno, "json", "no string field \"%s\"", lf->content_field);
    } else {
      lf->jbuf.len = 0;
      if (!jdecode(s, n, vs, &lf->jbuf)) {
        matched = 0;
        lf->st.unmatched++;
        add_issue(lf, lineno, "json", "bad string in field \"%s\"", lf->content_field);
      } else {
        /* the time field goes first in jbuf so the message pointer stays valid */
        size_t msg_off = 0, msg_len = lf->jbuf.len;
        size_t tvs;
        size_t t_off = 0, t_len = 0;
        if (lf->time_field && jfind(s, n, lf->time_field, &tvs) == 1) {
          t_off = lf->jbuf.len;
          if (s[tvs] == '"') {
            if (jdecode(s, n, tvs, &lf->jbuf)) t_len = lf->jbuf.len - t_off;
          } else {
            size_t e = jskip(s, n, tvs, 0);
            if (e > tvs) {
              aw_buf_append(&lf->jbuf, s + tvs, e - tvs);
              t_len = e - tvs;
            }
          }
        }
        if (aw_buf_terminate(&lf->jbuf)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        const char *msg = lf->jbuf.data + msg_off;
        /* the inner message is sanitised too (it may hold \u0000) */
        size_t ml = msg_len;
        unsigned f2 = 0;
        for (size_t q = 0; q < ml; q++)
          if (msg[q] == 0) f2 = 1;
        if (f2) {
          for (size_t q = 0; q < ml; q++)
            if (lf->jbuf.data[msg_off + q] == 0) lf->jbuf.data[msg_off + q] = ' ';
          add_issue(lf, lineno, "nul", "\\u0000 in the message replaced by a space");
        }
        strip(&msg, &ml);
        ln->content = msg;
        ln->content_len = ml;
        if (lf->json_time_pos != SIZE_MAX) {
          lf->fv[lf->json_time_pos].value = lf->jbuf.data + t_off;
          lf->fv[lf->json_time_pos].len = t_len;
        }
        if (lf->re) {
          size_t base = lf->json_time_pos != SIZE_MAX ? 1 : 0;
          size_t ng = lf->nfields - base;
          int r2 = aw_regex_search(lf->re, msg, ml, 0, lf->spans, lf->ngroups_total + 1);
          if (r2 < 0) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
          if (r2 == 1) {
            for (size_t k = 0; k < ng; k++) {
              aw_regex_span sp = lf->spans[lf->gidx[base + k]];
              if (sp.start != AW_REGEX_UNSET) {
                lf->fv[base + k].value = msg + sp.start;
                lf->fv[base + k].len = sp.end - sp.start;
              }
            }
            ln->content = lf->fv[lf->content_idx].value;
            ln->content_len = lf->fv[lf->content_idx].len;
          } else {
            add_issue(lf, lineno, "no-match", "message does not match the inner format");
            lf->st.unmatched++;
            flags |= AW_LOGFMT_F_NOMATCH;
          }
        } else if (lf->content_idx != SIZE_MAX) {
          lf->fv[lf->content_idx].value = msg;
          lf->fv[lf->content_idx].len = ml;
        }
        if (t_len) {
          double t;
          if (aw_logfmt_parse_time(lf->jbuf.data + t_off, t_len, lf->time_format, lf->o.default_year, &t)) ln->time = t;
        }
      }
    }
  }
  if (!matched) {
    flags |= AW_LOGFMT_F_NOMATCH;
    clear_fields(lf);
    ln->content = s;
    ln->content_len = n;
    if (lf->o.unmatched == AW_LOGFMT_UNMATCHED_SKIP) return AW_OK;
    if (lf->content_idx != SIZE_MAX) {
      lf->fv[lf->content_idx].value = s;
      lf->fv[lf->content_idx].len = n;
    }
  }
  if ((lf->ntime || lf->ts_idx != SIZE_MAX || lf->time_field) && ln->time != ln->time) lf->st.no_time++;
  ln->flags = flags;
  lf->st.delivered++;
  return emit(lf, ln, queue, err);
}

/* Ends the line held in lf->line, or (text != NULL) the whole line text[0..n) given directly. */
static aw_status end_line_at(aw_logfmt *lf, const char *text, size_t n, int clean, aw_error *err) {
  lf->st.lines++;
  lf->lineno++;
  unsigned flags = 0;
  int direct = text != NULL;
  if (!text) {
    text = lf->line.data ? lf->line.data : "";
    n = lf->line.len;
  }
  if (lf->cur_truncated) {
    flags |= AW_LOGFMT_F_TRUNCATED;
    lf->st.truncated++;
    add_issue(lf, lf->lineno, "too-long", "line longer than %zu bytes; the rest was skipped", lf->o.max_line);
    /* cut at a character boundary */
    const unsigned char *p = (const unsigned char *)lf->line.data;
    while (n > 0 && n < lf->line.len && (p[n] & 0xC0) == 0x80) n--;
  }
  lf->deliver_off = lf->line_off;
  aw_status st = deliver(lf, text, n, lf->lineno, flags, 1, clean, direct, err);
  lf->line.len = 0;
  lf->cur_truncated = 0;
  lf->skipping = 0;
  return st;
}

static aw_status end_line(aw_logfmt *lf, aw_error *err) { return end_line_at(lf, NULL, 0, 0, err); }

static aw_status add_bytes(aw_logfmt *lf, const char *p, size_t n) {
  if (lf->skipping || n == 0) return AW_OK;
  size_t room = lf->o.max_line - lf->line.len;
  if (n > room) {
    lf->cur_truncated = 1;
    lf->skipping = 1;
    n = room;
  }
  return aw_buf_append(&lf->line, p, n);
}

/* Offset of the first '\n' or '\r' in p[0..n) (n if none); *dirty = a NUL or a byte >= 0x80
 * comes before it (the line then goes through sanitize_line's checks). 16 bytes at a time: the
 * bytes below 0x0E as signed bytes are the candidates (NUL, controls, '\n', '\r', >= 0x80). */
static size_t line_end(const unsigned char *p, size_t n, int *dirty) {
  size_t i = 0;
  int d = 0;
  /* 64 bytes at a time while none is a candidate (the usual line: printable text) */
  while (i + 64 <= n && !(aw_s16_lt_signed(p + i, 0x0E) | aw_s16_lt_signed(p + i + 16, 0x0E) |
                          aw_s16_lt_signed(p + i + 32, 0x0E) | aw_s16_lt_signed(p + i + 48, 0x0E)))
    i += 64;
  for (; i + 16 <= n; i += 16) {
    uint32_t m = aw_s16_lt_signed(p + i, 0x0E);
    while (m) {
      unsigned j = (unsigned)__builtin_ctz(m);
      unsigned char c = p[i + j];
      if (c == '\n' || c == '\r') {
        *dirty = d;
        return i + j;
      }
      d |= c == 0 || c >= 0x80;
      m &= m - 1;
    }
  }
  for (; i < n; i++) {
    unsigned char c = p[i];
    if (c == '\n' || c == '\r') break;
    d |= c == 0 || c >= 0x80;
  }
  *dirty = d;
  return i;
}

static aw_status feed_lines(aw_logfmt *lf, const char *p, size_t n, aw_error *err);

aw_status aw_logfmt_feed(aw_logfmt *lf, const void *data, size_t n, aw_error *err) {
  if (!lf || (!data && n)) return aw_error_set(err, AW_ERR_ARG, "logformat: bad arguments");
  aw_status st = feed_lines(lf, (const char *)data, n, err);
  /* the queued lines point into data: they are all handed over before returning */
  if (st) {
    lf->st.delivered -= lf->qn;
    lf->qn = 0;
    return st;
  }
  return flush_queue(lf, err);
}

/* aw_logfmt_feed's loop (it may leave lines in the queue). */
static aw_status feed_lines(aw_logfmt *lf, const char *p, size_t n, aw_error *err) {
  uint64_t pos0 = lf->st.bytes;
  lf->st.bytes += n;
  size_t i = 0;
  if (lf->pending_cr && n > 0) {
    lf->pending_cr = 0;
    if (p[0] == '\n') {
      i = 1;
      lf->line_off = pos0 + 1;
    }
  }
  while (i < n) {
    const char *q = p + i;
    size_t left = n - i;
    /* the next CR or LF; and whether the bytes before it hold a NUL or a byte >= 0x80 */
    int dirty;
    size_t k = line_end((const unsigned char *)q, left, &dirty);
    /* a whole line inside this chunk (the usual case) is delivered from the chunk, not copied */
    int direct = i + k < n && lf->line.len == 0 && !lf->skipping && k <= lf->o.max_line;
    if (!direct && k > 0 && add_bytes(lf, q, k)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    i += k;
    if (i >= n) break;
    char c = p[i++];
    if (c == '\r') {
      if (i < n) {
        if (p[i] == '\n') i++;
      } else {
        lf->pending_cr = 1;
      }
    }
    aw_status st = direct ? end_line_at(lf, q, k, !dirty, err) : end_line(lf, err);
    lf->line_off = pos0 + i;
    if (st) return st;
  }
  return AW_OK;
}

aw_status aw_logfmt_finish(aw_logfmt *lf, aw_error *err) {
  if (!lf) return aw_error_set(err, AW_ERR_ARG, "logformat: NULL reader");
  lf->pending_cr = 0;
  if (lf->line.len > 0 || lf->cur_truncated) return end_line(lf, err);
  return AW_OK;
}

aw_status aw_logfmt_line_in(aw_logfmt *lf, const char *text, size_t n, uint64_t line_no, aw_error *err) {
  if (!lf || (!text && n)) return aw_error_set(err, AW_ERR_ARG, "logformat: bad arguments");
  lf->st.bytes += n;
  lf->st.lines++;
  unsigned flags = 0;
  lf->deliver_off = 0;
  if (n > lf->o.max_line) {
    size_t m = lf->o.max_line;
    while (m > 0 && ((unsigned char)text[m] & 0xC0) == 0x80) m--;
    n = m;
    flags |= AW_LOGFMT_F_TRUNCATED;
    lf->st.truncated++;
    add_issue(lf, line_no, "too-long", "line longer than %zu bytes; the rest was skipped", lf->o.max_line);
  }
  return deliver(lf, text ? text : "", n, line_no, flags, 0, 0, 0, err);
}

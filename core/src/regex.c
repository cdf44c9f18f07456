/* regex.c - Python-`re`-compatible matcher: parser, compiler, a memoizing backtracker
 * ("bit-state", as in RE2) and a Pike VM for long texts.
 *
 * Pipeline: the pattern is parsed into a small AST following Python's sre_parse rules (what is a
 * literal, which errors are raised), then compiled twice:
 *  - for the backtracker, where a quantifier over a single character class ("\d+", ".*?",
 *    "[\w-]{2,}") becomes one RCLASS instruction that scans the run with a byte table and tries
 *    the continuation only at positions whose next byte can start it (first-byte sets computed by
 *    a fixpoint over the program);
 *  - for the Pike VM, in the classic split/jump form.
 * Both give Python's leftmost-first results. The backtracker explores each (instruction,
 * position) state at most once per search (a visited bitmap), which is sound because without
 * backreferences whether a state can reach MATCH does not depend on how it was reached; this is
 * what bounds the work to O(program x text). RCLASS adds one more memo: once a repeat starting at
 * s has failed over a whole run [s, e], any later attempt of the same repeat from inside that run
 * can only try a subset of the same continuations, so it fails at once (this keeps "\d+\." linear
 * on long digit runs).
 */
#include "aw/regex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal/buf_fast.h"
#include "internal/compiler.h"
#include "internal/regex_shape.h"
#include "internal/simd16.h"
#include "internal/utf8.h"

#define REP_INF UINT32_MAX
#define MAX_NEST 256
#define MAX_GROUPS 1000

/* ------------------------------------------------------------------ classes */

enum { CAT_W = 1, CAT_NW = 2, CAT_D = 4, CAT_ND = 8, CAT_S = 16, CAT_NS = 32 };

typedef struct {
  uint32_t lo, hi;
} cp_range;

typedef struct re_class {
  uint8_t tab[256];  /* per byte: 0 = no, 1 = yes (a one-byte character), 2 = decode and test */
  uint8_t ascii[128]; /* membership of ASCII code points before negation */
  cp_range *r;       /* non-ASCII ranges (before negation) */
  size_t nr, cap;
  unsigned cats;     /* CAT_* for non-ASCII code points */
  int neg;
} re_class;

static int class_nonascii(const re_class *c, uint32_t cp) {
  int in = 0;
  for (size_t i = 0; i < c->nr && !in; i++) in = cp >= c->r[i].lo && cp <= c->r[i].hi;
  if (!in && c->cats) {
    if ((c->cats & CAT_W) && aw_uni_is_word(cp)) in = 1;
    else if ((c->cats & CAT_NW) && !aw_uni_is_word(cp)) in = 1;
    else if ((c->cats & CAT_D) && aw_uni_is_decimal(cp)) in = 1;
    else if ((c->cats & CAT_ND) && !aw_uni_is_decimal(cp)) in = 1;
    else if ((c->cats & CAT_S) && aw_uni_is_space(cp)) in = 1;
    else if ((c->cats & CAT_NS) && !aw_uni_is_space(cp)) in = 1;
  }
  return in ^ c->neg;
}

static void class_finish(re_class *c) {
  for (int b = 0; b < 128; b++) c->tab[b] = (uint8_t)(c->ascii[b] ^ (c->neg ? 1 : 0));
  int any_non_ascii = c->neg || c->nr > 0 || c->cats != 0;
  for (int b = 128; b < 256; b++) c->tab[b] = any_non_ascii ? 2 : 0;
}

/* Length of the character at s[i] if it is in class c, else 0 (i < n). */
static inline size_t class_at(const re_class *c, const unsigned char *s, size_t n, size_t i) {
  uint8_t t = c->tab[s[i]];
  if (t == 1) return 1;
  if (t == 0) return 0;
  uint32_t cp;
  size_t l = aw_u8_decode(s, n, i, &cp);
  if (cp < 0x80) return 0; /* cannot happen: ASCII bytes have tab 0/1 */
  return class_nonascii(c, cp) ? l : 0;
}

/* Scans the run of class characters from s[i], at most max characters; returns the end and stores
 * the count. ASCII bytes take the table only. */
static inline size_t class_run(const re_class *c, const unsigned char *s, size_t n, size_t i, uint32_t max, size_t *count) {
  size_t cnt = 0;
  for (;;) {
    /* fast path: single-byte members */
    while (i < n && cnt < max && c->tab[s[i]] == 1) {
      i++;
      cnt++;
    }
    if (i >= n || cnt >= max || c->tab[s[i]] != 2) break;
    size_t l = class_at(c, s, n, i);
    if (!l) break;
    i += l;
    cnt++;
  }
  *count = cnt;
  return i;
}

static int is_word_at(const unsigned char *s, size_t n, size_t i) {
  unsigned b = s[i];
  if (b < 0x80) return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
  uint32_t cp;
  aw_u8_decode(s, n, i, &cp);
  return aw_uni_is_word(cp);
}

/* ------------------------------------------------------------------ AST */

enum { A_EMPTY, A_LIT, A_CLASS, A_CAT, A_ALT, A_GROUP, A_REPEAT, A_ASSERT };
enum { AS_BOT, AS_EOL, AS_EOT, AS_WORDB, AS_NWORDB };

typedef struct {
  uint8_t t;
  uint8_t greedy;
  int32_t a, b;
  uint32_t min, max;
} anode;

/* ------------------------------------------------------------------ program */

enum { I_CHAR, I_STR, I_CP, I_CLASS, I_RCLASS, I_SPLIT, I_JMP, I_SAVE, I_ASSERT, I_MATCH };

typedef struct {
  uint8_t op;
  uint8_t greedy;
  uint16_t pad;
  int32_t x, y; /* operands (see the enum users) */
  int32_t next; /* consuming instructions: where to go after the character (usually pc + 1) */
  uint32_t min, max;
} inst;

typedef struct {
  inst *code;
  size_t n, cap;
  size_t nrclass; /* RCLASS instructions (slots for the run memo) */
} program;

/* First-byte set of a program point: which bytes can start what follows, whether the end of the
 * text can, and whether anything goes (a nullable continuation). */
typedef struct {
  uint64_t b[4];
  uint8_t at_end, any;
} fset;

typedef struct {
  uint8_t tab[256];
  uint8_t at_end, any;
} ftab;

struct aw_regex {
  char *pattern;
  size_t plen;
  size_t ngroups;
  char **names; /* [ngroups + 1], NULL for unnamed */
  re_class *cls;
  size_t ncls;
  program bt, pk;        /* backtracker and Pike programs */
  int32_t *bt_ftab;      /* per bt pc: index into ftabs, or -1 */
  ftab *ftabs;
  size_t nftabs;
  ftab start_ft;         /* viable start positions */
  unsigned char *prefix; /* literal prefix of every match (may be empty) */
  size_t prefix_len;
  int anchored;          /* pattern starts with \A or ^ on every path */
  int req_byte;          /* a byte every match contains (the rarest such), or -1 */
  int nullable;
  int token_local;       /* see aw_regex_token_local */
  int needs_digit;       /* see aw_regex_needs_digit */
  int dfa_ok;            /* the lazy DFA can run this pattern (dfa_eligible) */
  struct dfa_t *dfa;     /* built on first use */
  uint64_t req_set[4];   /* ASCII bytes every match contains */
  int cnt_byte;          /* a byte every match contains cnt_min >= 2 times (the most such), */
  uint32_t cnt_min;      /* or cnt_min 0 (too_few) */
  int engine;
  /* scratch (kept between calls) */
  uint64_t *bits;
  size_t bits_words;
  struct job *jobs;
  size_t njobs_cap;
  size_t *caps, *best;
  size_t ncaps_alloc;
  size_t *rc_lo, *rc_hi; /* run memo per RCLASS slot */
  /* Pike scratch */
  size_t *pk_caps;       /* thread capture storage: 2 lists x nprog x ncap */
  uint32_t *pk_sparse, *pk_dense;
  size_t pk_alloc_ncap, pk_alloc_nprog;
  uint32_t *pk_stack;
  size_t *pk_stack_caps;
  size_t pk_stack_cap;
};

/* ------------------------------------------------------------------ parser */

typedef struct {
  const unsigned char *s;
  size_t n, i;
  anode *nodes;
  size_t nn, ncap;
  re_class *cls;
  size_t ncls, clscap;
  size_t ngroups;
  char **names;
  size_t names_cap;
  int depth;
  int atom_kind; /* of the last parse_atom: 0 item, 1 assertion, 2 comment (no item) */
  aw_status st;
  aw_error *err;
  const char *pat;
  size_t plen;
} parser;

static int perr(parser *p, aw_status code, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int perr(parser *p, aw_status code, size_t pos, const char *fmt, ...) {
  if (p->st != AW_OK) return -1;
  p->st = code;
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (p->err) {
    int show = p->plen > 200 ? 200 : (int)p->plen;
    aw_error_set(p->err, code, "regex \"%.*s%s\": %s at position %zu", show, p->pat, p->plen > 200 ? "..." : "",
                 what, pos);
    p->err->column = (uint64_t)pos + 1;
  }
  return -1;
}

static int new_node(parser *p, uint8_t t) {
  if (p->st) return -1;
  if (p->nn == p->ncap) {
    if (aw_grow((void **)&p->nodes, &p->ncap, p->nn + 1, sizeof(anode))) return perr(p, AW_ERR_NOMEM, p->i, "out of memory");
  }
  memset(&p->nodes[p->nn], 0, sizeof(anode));
  p->nodes[p->nn].t = t;
  return (int)p->nn++;
}

static int new_class(parser *p) {
  if (p->st) return -1;
  if (p->ncls == p->clscap) {
    if (aw_grow((void **)&p->cls, &p->clscap, p->ncls + 1, sizeof(re_class))) return perr(p, AW_ERR_NOMEM, p->i, "out of memory");
  }
  memset(&p->cls[p->ncls], 0, sizeof(re_class));
  return (int)p->ncls++;
}

static int class_add_range(parser *p, re_class *c, uint32_t lo, uint32_t hi) {
  for (uint32_t x = lo; x <= hi && x < 128; x++) c->ascii[x] = 1;
  if (hi >= 128) {
    if (lo < 128) lo = 128;
    if (c->nr == c->cap && aw_grow((void **)&c->r, &c->cap, c->nr + 1, sizeof(cp_range)))
      return perr(p, AW_ERR_NOMEM, p->i, "out of memory");
    c->r[c->nr].lo = lo;
    c->r[c->nr].hi = hi;
    c->nr++;
  }
  return 0;
}

/* Adds category \d \D \w \W \s \S (letter) to a class. */
static void class_add_cat(re_class *c, int letter) {
  for (int b = 0; b < 128; b++) {
    int d = b >= '0' && b <= '9';
    int w = d || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
    int s = aw_ascii_is_space((unsigned)b);
    int in = letter == 'd' ? d : letter == 'D' ? !d : letter == 'w' ? w : letter == 'W' ? !w : letter == 's' ? s : !s;
    if (in) c->ascii[b] = 1;
  }
  c->cats |= letter == 'd' ? CAT_D : letter == 'D' ? CAT_ND : letter == 'w' ? CAT_W : letter == 'W' ? CAT_NW
             : letter == 's' ? CAT_S : CAT_NS;
}

static int at_end(parser *p) { return p->i >= p->n; }
static int peek(parser *p) { return p->i < p->n ? p->s[p->i] : -1; }

/* Decodes one pattern character (UTF-8) as a code point. */
static uint32_t get_cp(parser *p) {
  uint32_t cp;
  size_t l = aw_u8_decode(p->s, p->n, p->i, &cp);
  p->i += l;
  return cp;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Result of an escape: a literal code point, a category letter, or an assertion. */
typedef struct {
  int kind; /* 0 literal, 1 category, 2 assertion */
  uint32_t cp;
  int cat;
  int as;
} esc_t;

/* Parses the escape after a backslash at p->i - 1 (p->i points after the backslash). */
static int parse_escape(parser *p, int in_class, esc_t *e) {
  size_t start = p->i - 1;
  if (at_end(p)) return perr(p, AW_ERR_PARSE, start, "bad escape (end of pattern)");
  int c = p->s[p->i];
  memset(e, 0, sizeof *e);
  if (c >= 0x80) {
    e->cp = get_cp(p);
    return 0;
  }
  p->i++;
  switch (c) {
    case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
      e->kind = 1;
      e->cat = c;
      return 0;
    case 'a': e->cp = 7; return 0;
    case 'f': e->cp = 12; return 0;
    case 'n': e->cp = 10; return 0;
    case 'r': e->cp = 13; return 0;
    case 't': e->cp = 9; return 0;
    case 'v': e->cp = 11; return 0;
    case '\\': e->cp = '\\'; return 0;
    case 'b':
      if (in_class) { e->cp = 8; return 0; }
      e->kind = 2; e->as = AS_WORDB; return 0;
    case 'B': case 'A': case 'Z':
      if (in_class) return perr(p, AW_ERR_PARSE, start, "bad escape \\%c", c);
      e->kind = 2;
      e->as = c == 'B' ? AS_NWORDB : c == 'A' ? AS_BOT : AS_EOT;
      return 0;
    case 'x': case 'u': case 'U': {
      int want = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      uint32_t v = 0;
      int got = 0;
      while (got < want && !at_end(p) && hexval(p->s[p->i]) >= 0) {
        v = v * 16 + (uint32_t)hexval(p->s[p->i]);
        p->i++;
        got++;
      }
      if (got != want) return perr(p, AW_ERR_PARSE, start, "incomplete escape \\%c%.*s", c, got, (const char *)p->s + start + 2);
      if (v > 0x10FFFF) return perr(p, AW_ERR_PARSE, start, "bad escape \\%c%.*s", c, got, (const char *)p->s + start + 2);
      e->cp = v;
      return 0;
    }
    case 'N':
      return perr(p, AW_ERR_UNSUPPORTED, start, "named character escapes \\N{...} are not supported");
    default: break;
  }
  if (c >= '0' && c <= '9') {
    if (c == '0' || in_class) {
      if (c > '7') return perr(p, AW_ERR_PARSE, start, "bad escape \\%c", c);
      uint32_t v = (uint32_t)(c - '0');
      for (int k = 0; k < 2 && !at_end(p) && p->s[p->i] >= '0' && p->s[p->i] <= '7'; k++) v = v * 8 + (uint32_t)(p->s[p->i++] - '0');
      if (v > 0377) return perr(p, AW_ERR_PARSE, start, "octal escape value \\%o outside of range 0-0o377", v);
      e->cp = v;
      return 0;
    }
    /* \1..\9: three octal digits make an octal escape, anything else is a group reference */
    if (p->i + 1 < p->n && c <= '7' && p->s[p->i] >= '0' && p->s[p->i] <= '7' && p->s[p->i + 1] >= '0' && p->s[p->i + 1] <= '7') {
      uint32_t v = (uint32_t)((c - '0') * 64 + (p->s[p->i] - '0') * 8 + (p->s[p->i + 1] - '0'));
      p->i += 2;
      if (v > 0377) return perr(p, AW_ERR_PARSE, start, "octal escape value \\%o outside of range 0-0o377", v);
      e->cp = v;
      return 0;
    }
    return perr(p, AW_ERR_UNSUPPORTED, start, "backreferences (\\%c) are not supported", c);
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return perr(p, AW_ERR_PARSE, start, "bad escape \\%c", c);
  e->cp = (uint32_t)c;
  return 0;
}

static int parse_class(parser *p) {
  size_t open = p->i; /* at '[' */
  p->i++;
  int ci = new_class(p);
  if (ci < 0) return -1;
  int neg = 0;
  if (peek(p) == '^') {
    neg = 1;
    p->i++;
  }
  size_t start = p->i;
  for (;;) {
    if (at_end(p)) return perr(p, AW_ERR_PARSE, open, "unterminated character set");
    size_t here = p->i;
    int c = p->s[p->i];
    if (c == ']' && here != start) {
      p->i++;
      break;
    }
    /* first item */
    int is_lit1;
    uint32_t lo = 0;
    int cat1 = 0;
    if (c == '\\') {
      p->i++;
      esc_t e;
      if (parse_escape(p, 1, &e)) return -1;
      if (e.kind == 1) {
        is_lit1 = 0;
        cat1 = e.cat;
      } else {
        is_lit1 = 1;
        lo = e.cp;
      }
    } else {
      is_lit1 = 1;
      lo = get_cp(p);
    }
    if (peek(p) == '-') {
      p->i++;
      if (at_end(p)) return perr(p, AW_ERR_PARSE, open, "unterminated character set");
      if (p->s[p->i] == ']') {
        p->i++;
        if (is_lit1) {
          if (class_add_range(p, &p->cls[ci], lo, lo)) return -1;
        } else {
          class_add_cat(&p->cls[ci], cat1);
        }
        if (class_add_range(p, &p->cls[ci], '-', '-')) return -1;
        break;
      }
      int is_lit2;
      uint32_t hi = 0;
      if (p->s[p->i] == '\\') {
        p->i++;
        esc_t e;
        if (parse_escape(p, 1, &e)) return -1;
        is_lit2 = e.kind == 0;
        hi = e.cp;
      } else {
        is_lit2 = 1;
        hi = get_cp(p);
      }
      if (!is_lit1 || !is_lit2)
        return perr(p, AW_ERR_PARSE, here, "bad character range %.*s", (int)(p->i - here), (const char *)p->s + here);
      if (hi < lo)
        return perr(p, AW_ERR_PARSE, here, "bad character range %.*s", (int)(p->i - here), (const char *)p->s + here);
      if (class_add_range(p, &p->cls[ci], lo, hi)) return -1;
    } else if (is_lit1) {
      if (class_add_range(p, &p->cls[ci], lo, lo)) return -1;
    } else {
      class_add_cat(&p->cls[ci], cat1);
    }
  }
  p->cls[ci].neg = neg;
  int nd = new_node(p, A_CLASS);
  if (nd >= 0) p->nodes[nd].a = ci;
  return nd;
}

static int lit_node(parser *p, uint32_t cp) {
  int nd = new_node(p, A_LIT);
  if (nd >= 0) p->nodes[nd].a = (int32_t)cp;
  return nd;
}

static int cat_class_node(parser *p, int letter) {
  int ci = new_class(p);
  if (ci < 0) return -1;
  class_add_cat(&p->cls[ci], letter);
  int nd = new_node(p, A_CLASS);
  if (nd >= 0) p->nodes[nd].a = ci;
  return nd;
}

static int parse_alt(parser *p);

static int add_name(parser *p, size_t group, const char *name, size_t len, size_t pos) {
  for (size_t g = 1; g < p->names_cap && g <= p->ngroups; g++)
    if (p->names[g] && strlen(p->names[g]) == len && memcmp(p->names[g], name, len) == 0)
      return perr(p, AW_ERR_PARSE, pos, "redefinition of group name '%.*s'", (int)len, name);
  if (group >= p->names_cap) {
    size_t old = p->names_cap;
    if (aw_grow((void **)&p->names, &p->names_cap, group + 1, sizeof(char *))) return perr(p, AW_ERR_NOMEM, pos, "out of memory");
    for (size_t k = old; k < p->names_cap; k++) p->names[k] = NULL;
  }
  char *s = (char *)AW_MALLOC(len + 1);
  if (!s) return perr(p, AW_ERR_NOMEM, pos, "out of memory");
  memcpy(s, name, len);
  s[len] = '\0';
  p->names[group] = s;
  return 0;
}

/* Parses one atom (without quantifier). Returns a node, or -2 when the sequence ends here. */
static int parse_atom(parser *p) {
  int c = p->s[p->i];
  size_t here = p->i;
  p->atom_kind = 0;
  switch (c) {
    case '(': {
      p->i++;
      int capture = 1;
      if (peek(p) == '?') {
        p->i++;
        int k = peek(p);
        if (k == ':') {
          p->i++;
          capture = 0;
        } else if (k == 'P') {
          p->i++;
          if (peek(p) == '<') {
            p->i++;
            size_t ns = p->i;
            while (!at_end(p) && p->s[p->i] != '>') p->i++;
            if (at_end(p)) return perr(p, AW_ERR_PARSE, ns, "missing >, unterminated name");
            size_t ne = p->i;
            p->i++;
            if (ne == ns) return perr(p, AW_ERR_PARSE, ns, "missing group name");
            for (size_t q = ns; q < ne; q++) {
              int ch = p->s[q];
              int ok = ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch >= 0x80 ||
                       (q > ns && ch >= '0' && ch <= '9');
              if (!ok) return perr(p, AW_ERR_PARSE, ns, "bad character in group name '%.*s'", (int)(ne - ns), (const char *)p->s + ns);
            }
            if (p->ngroups + 1 > MAX_GROUPS) return perr(p, AW_ERR_LIMIT, here, "too many groups");
            if (add_name(p, p->ngroups + 1, (const char *)p->s + ns, ne - ns, ns)) return -1;
          } else if (peek(p) == '=') {
            return perr(p, AW_ERR_UNSUPPORTED, here, "backreferences (?P=name) are not supported");
          } else {
            return perr(p, AW_ERR_PARSE, here + 2, "unknown extension ?P%c", peek(p) < 0 ? ' ' : peek(p));
          }
        } else if (k == '#') {
          while (!at_end(p) && p->s[p->i] != ')') p->i++;
          if (at_end(p)) return perr(p, AW_ERR_PARSE, here, "missing ), unterminated comment");
          p->i++;
          p->atom_kind = 2;
          return new_node(p, A_EMPTY);
        } else if (k == '=' || k == '!' || k == '<') {
          return perr(p, AW_ERR_UNSUPPORTED, here, "lookaround assertions (?%c...) are not supported", k);
        } else if (k == '>') {
          return perr(p, AW_ERR_UNSUPPORTED, here, "atomic groups (?>...) are not supported");
        } else if (k >= 0 && strchr("aiLmsux-", k)) {
          return perr(p, AW_ERR_UNSUPPORTED, here, "inline flags (?%c...) are not supported", k);
        } else {
          return perr(p, AW_ERR_PARSE, here + 1, "unknown extension ?%c", k < 0 ? ' ' : k);
        }
      }
      size_t gi = 0;
      if (capture) {
        if (p->ngroups + 1 > MAX_GROUPS) return perr(p, AW_ERR_LIMIT, here, "too many groups");
        gi = ++p->ngroups;
      }
      if (++p->depth > MAX_NEST) return perr(p, AW_ERR_LIMIT, here, "too deeply nested");
      int inner = parse_alt(p);
      p->depth--;
      if (inner < 0) return -1;
      if (peek(p) != ')') return perr(p, AW_ERR_PARSE, here, "missing ), unterminated subpattern");
      p->i++;
      p->atom_kind = 0;
      if (!capture) return inner;
      int nd = new_node(p, A_GROUP);
      if (nd >= 0) {
        p->nodes[nd].a = inner;
        p->nodes[nd].b = (int32_t)gi;
      }
      return nd;
    }
    case '[':
      return parse_class(p);
    case '.': {
      p->i++;
      int ci = new_class(p);
      if (ci < 0) return -1;
      p->cls[ci].neg = 1;
      p->cls[ci].ascii['\n'] = 1;
      int nd = new_node(p, A_CLASS);
      if (nd >= 0) p->nodes[nd].a = ci;
      return nd;
    }
    case '^': case '$': {
      p->i++;
      p->atom_kind = 1;
      int nd = new_node(p, A_ASSERT);
      if (nd >= 0) p->nodes[nd].a = c == '^' ? AS_BOT : AS_EOL;
      return nd;
    }
    case '\\': {
      p->i++;
      esc_t e;
      if (parse_escape(p, 0, &e)) return -1;
      if (e.kind == 1) return cat_class_node(p, e.cat);
      if (e.kind == 2) {
        p->atom_kind = 1;
        int nd = new_node(p, A_ASSERT);
        if (nd >= 0) p->nodes[nd].a = e.as;
        return nd;
      }
      return lit_node(p, e.cp);
    }
    default:
      return lit_node(p, get_cp(p));
  }
}

/* Tries to read a {m,n} quantifier at p->i (at '{'). Returns 1 and fills min/max when valid,
 * 0 when the brace is a literal (p->i unchanged), -1 on error. */
static int parse_braces(parser *p, uint32_t *mn, uint32_t *mx) {
  size_t save = p->i;
  p->i++;
  if (peek(p) == '}') {
    p->i = save;
    return 0;
  }
  size_t lo_s = p->i;
  while (!at_end(p) && p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
  size_t lo_e = p->i, hi_s, hi_e;
  if (peek(p) == ',') {
    p->i++;
    hi_s = p->i;
    while (!at_end(p) && p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
    hi_e = p->i;
  } else {
    hi_s = lo_s;
    hi_e = lo_e;
  }
  if (peek(p) != '}') {
    p->i = save;
    return 0;
  }
  p->i++;
  uint64_t lo = 0, hi = REP_INF;
  if (lo_e > lo_s) {
    lo = 0;
    for (size_t q = lo_s; q < lo_e; q++) {
      lo = lo * 10 + (uint64_t)(p->s[q] - '0');
      if (lo >= REP_INF) return perr(p, AW_ERR_PARSE, save, "the repetition number is too large");
    }
  }
  if (hi_e > hi_s) {
    hi = 0;
    for (size_t q = hi_s; q < hi_e; q++) {
      hi = hi * 10 + (uint64_t)(p->s[q] - '0');
      if (hi >= REP_INF) return perr(p, AW_ERR_PARSE, save, "the repetition number is too large");
    }
    if (hi < lo) return perr(p, AW_ERR_PARSE, save + 1, "min repeat greater than max repeat");
  }
  *mn = (uint32_t)lo;
  *mx = (uint32_t)hi;
  return 1;
}

static int cat2(parser *p, int a, int b) {
  if (a < 0) return b;
  int nd = new_node(p, A_CAT);
  if (nd >= 0) {
    p->nodes[nd].a = a;
    p->nodes[nd].b = b;
  }
  return nd;
}

static int parse_seq(parser *p) {
  int seq = -1;
  int last = -1;   /* last item, for quantifiers */
  int prev = -1;   /* sequence without the last item */
  int last_kind = 0; /* 0 item, 1 assertion, 3 quantified item */
  while (!at_end(p) && p->st == AW_OK) {
    int c = p->s[p->i];
    if (c == '|' || c == ')') break;
    size_t here = p->i;
    uint32_t mn = 0, mx = 0;
    int isq = 0;
    if (c == '*') { mn = 0; mx = REP_INF; isq = 1; p->i++; }
    else if (c == '+') { mn = 1; mx = REP_INF; isq = 1; p->i++; }
    else if (c == '?') { mn = 0; mx = 1; isq = 1; p->i++; }
    else if (c == '{') {
      int r = parse_braces(p, &mn, &mx);
      if (r < 0) return -1;
      isq = r;
      if (!r) {
        p->i++;
        int nd = lit_node(p, '{');
        if (nd < 0) return -1;
        prev = seq;
        last = nd;
        last_kind = 0;
        seq = cat2(p, seq, nd);
        continue;
      }
    }
    if (isq) {
      if (last < 0 || last_kind == 1) return perr(p, AW_ERR_PARSE, here, "nothing to repeat");
      if (last_kind == 3) return perr(p, AW_ERR_PARSE, here, "multiple repeat");
      int greedy = 1;
      if (peek(p) == '?') {
        greedy = 0;
        p->i++;
      } else if (peek(p) == '+') {
        return perr(p, AW_ERR_UNSUPPORTED, here, "possessive quantifiers are not supported");
      }
      int nd = new_node(p, A_REPEAT);
      if (nd < 0) return -1;
      p->nodes[nd].a = last;
      p->nodes[nd].min = mn;
      p->nodes[nd].max = mx;
      p->nodes[nd].greedy = (uint8_t)greedy;
      last = nd;
      last_kind = 3;
      seq = cat2(p, prev, nd);
      continue;
    }
    int nd = parse_atom(p);
    if (nd < 0) return -1;
    if (p->atom_kind == 2) continue; /* a comment is not an item */
    prev = seq;
    last = nd;
    last_kind = p->atom_kind;
    seq = cat2(p, seq, nd);
  }
  if (p->st) return -1;
  if (seq < 0) seq = new_node(p, A_EMPTY);
  return seq;
}

static int parse_alt(parser *p) {
  int left = parse_seq(p);
  if (left < 0) return -1;
  while (peek(p) == '|') {
    p->i++;
    int right = parse_seq(p);
    if (right < 0) return -1;
    int nd = new_node(p, A_ALT);
    if (nd < 0) return -1;
    p->nodes[nd].a = left;
    p->nodes[nd].b = right;
    left = nd;
  }
  return left;
}

/* ------------------------------------------------------------------ compiler */

typedef struct {
  program *pg;
  const anode *nodes;
  re_class *cls;
  int pike;
  int no_rclass; /* > 0 inside the body of a loop whose body can match empty */
  int failed;    /* 1 = too large, 2 = no memory */
} compiler;

static int emit(compiler *c, uint8_t op, int32_t x, int32_t y) {
  if (c->failed) return -1;
  program *pg = c->pg;
  if (pg->n >= AW_REGEX_MAX_PROGRAM) {
    c->failed = 1;
    return -1;
  }
  if (pg->n == pg->cap && aw_grow((void **)&pg->code, &pg->cap, pg->n + 1, sizeof(inst))) {
    c->failed = 2;
    return -1;
  }
  inst *in = &pg->code[pg->n];
  memset(in, 0, sizeof *in);
  in->op = op;
  in->x = x;
  in->y = y;
  in->next = (int32_t)pg->n + 1;
  return (int)pg->n++;
}

/* Is node a single-character matcher (class or literal)? */
static int single_char(const anode *nd) { return nd->t == A_CLASS || nd->t == A_LIT; }

static void comp(compiler *c, int ni);

static void comp_char(compiler *c, const anode *nd) {
  if (nd->t == A_CLASS) {
    emit(c, I_CLASS, nd->a, 0);
  } else if ((uint32_t)nd->a < 0x80) {
    emit(c, I_CHAR, nd->a, 0);
  } else {
    emit(c, I_CP, nd->a, 0);
  }
}

static int node_nullable(const anode *nodes, int ni) {
  const anode *nd = &nodes[ni];
  switch (nd->t) {
    case A_LIT: case A_CLASS: return 0;
    case A_CAT: return node_nullable(nodes, nd->a) && node_nullable(nodes, nd->b);
    case A_ALT: return node_nullable(nodes, nd->a) || node_nullable(nodes, nd->b);
    case A_GROUP: return node_nullable(nodes, nd->a);
    case A_REPEAT: return nd->min == 0 || node_nullable(nodes, nd->a);
    default: return 1;
  }
}

/* Python's zero-width protection (sre's MAX_UNTIL / MIN_UNTIL): once an optional iteration of a
 * loop has matched the empty string, the loop does not iterate again; it goes on with what
 * follows. We encode "has this iteration consumed anything yet?" in the program counter: the
 * body [b0, b1) is the "consumed" copy; this appends an "empty so far" copy in which every
 * consuming instruction continues in the original (something was consumed) and every exit goes
 * to a trailing JMP that leaves the loop. Returns the pc of that trailing JMP (patch its x). */
static int clone_empty(compiler *c, int b0, int b1) {
  int e0 = (int)c->pg->n;
  int off = e0 - b0, tail = e0 + (b1 - b0);
  for (int i = b0; i < b1 && !c->failed; i++) {
    int pc = emit(c, I_JMP, 0, 0);
    if (pc < 0) return -1;
    inst *in = &c->pg->code[pc];
    *in = c->pg->code[i];
    if (in->op == I_SPLIT || in->op == I_JMP) {
      in->x = in->x >= b0 && in->x < b1 ? in->x + off : in->x == b1 ? tail : in->x;
      if (in->op == I_SPLIT) in->y = in->y >= b0 && in->y < b1 ? in->y + off : in->y == b1 ? tail : in->y;
    }
    /* consuming instructions keep `next` pointing into the original copy */
  }
  return emit(c, I_JMP, 0, 0);
}

/* x{min,max} by expansion: min forced copies, then a star loop or (max-min) nested options. */
static void comp_repeat_expand(compiler *c, const anode *nd) {
  for (uint32_t k = 0; k < nd->min && !c->failed; k++) comp(c, nd->a);
  if (nd->max == nd->min) return;
  int nul = node_nullable(c->nodes, nd->a);
  if (nul) c->no_rclass++;
  if (nd->max == REP_INF) {
    int L = emit(c, I_SPLIT, 0, 0);
    if (L < 0) return;
    int b0 = (int)c->pg->n;
    comp(c, nd->a);
    int b1 = (int)c->pg->n;
    emit(c, I_JMP, L, 0);
    int first = L + 1;
    if (nul) {
      first = (int)c->pg->n;
      int t = clone_empty(c, b0, b1);
      if (t >= 0) c->pg->code[t].x = t + 1;
      c->no_rclass--;
    }
    if (c->failed) return;
    int out = (int)c->pg->n;
    c->pg->code[L].x = nd->greedy ? first : out;
    c->pg->code[L].y = nd->greedy ? out : first;
    return;
  }
  uint32_t opt = nd->max - nd->min;
  if (opt > AW_REGEX_MAX_PROGRAM) {
    c->failed = 1; /* more copies than the program may hold: too large */
    if (nul) c->no_rclass--;
    return;
  }
  /* each optional copy: SPLIT body, END; with a nullable body also its "empty so far" copy */
  int *splits = (int *)aw_alloc_array(opt, sizeof(int));
  int *firsts = (int *)aw_alloc_array(opt, sizeof(int));
  int *jumps = (int *)aw_alloc_array(2 * (size_t)opt, sizeof(int));
  size_t nj = 0;
  if (!splits || !firsts || !jumps) {
    c->failed = 2;
  }
  for (uint32_t k = 0; k < opt && !c->failed; k++) {
    splits[k] = emit(c, I_SPLIT, 0, 0);
    firsts[k] = splits[k] + 1;
    int b0 = (int)c->pg->n;
    comp(c, nd->a);
    if (nul) {
      int b1 = (int)c->pg->n;
      int j = emit(c, I_JMP, 0, 0); /* consumed: on to the next option */
      firsts[k] = (int)c->pg->n;
      int t = clone_empty(c, b0, b1);
      if (j < 0 || t < 0) break;
      c->pg->code[j].x = (int)c->pg->n;
      jumps[nj++] = t; /* empty: leave */
    }
  }
  if (!c->failed) {
    int end = (int)c->pg->n;
    for (uint32_t k = 0; k < opt; k++) {
      inst *in = &c->pg->code[splits[k]];
      in->x = nd->greedy ? firsts[k] : end;
      in->y = nd->greedy ? end : firsts[k];
    }
    for (size_t k = 0; k < nj; k++) c->pg->code[jumps[k]].x = end;
  }
  if (nul) c->no_rclass--;
  AW_FREE(splits);
  AW_FREE(firsts);
  AW_FREE(jumps);
}

static void comp(compiler *c, int ni) {
  if (c->failed) return;
  const anode *nd = &c->nodes[ni];
  switch (nd->t) {
    case A_EMPTY:
      break;
    case A_LIT:
    case A_CLASS:
      comp_char(c, nd);
      break;
    case A_CAT:
      comp(c, nd->a);
      comp(c, nd->b);
      break;
    case A_ALT: {
      int s = emit(c, I_SPLIT, 0, 0);
      comp(c, nd->a);
      int j = emit(c, I_JMP, 0, 0);
      if (c->failed) return;
      int r = (int)c->pg->n;
      comp(c, nd->b);
      if (c->failed) return;
      c->pg->code[s].x = s + 1;
      c->pg->code[s].y = r;
      c->pg->code[j].x = (int)c->pg->n;
      break;
    }
    case A_GROUP:
      emit(c, I_SAVE, 2 * nd->b, 0);
      comp(c, nd->a);
      emit(c, I_SAVE, 2 * nd->b + 1, 0);
      break;
    case A_REPEAT: {
      const anode *ch = &c->nodes[nd->a];
      if (!c->pike && !c->no_rclass && single_char(ch) && nd->max > 0 && !(nd->min == 1 && nd->max == 1)) {
        int32_t ci;
        if (ch->t == A_CLASS) {
          ci = ch->a;
        } else {
          /* a literal under a quantifier becomes a one-character class (own entry) */
          ci = -1 - ch->a; /* resolved by the caller: see rclass_literal */
        }
        int pc = emit(c, I_RCLASS, ci, (int32_t)c->pg->nrclass);
        if (pc < 0) return;
        c->pg->nrclass++;
        c->pg->code[pc].min = nd->min;
        c->pg->code[pc].max = nd->max;
        c->pg->code[pc].greedy = nd->greedy;
        break;
      }
      comp_repeat_expand(c, nd);
      break;
    }
    case A_ASSERT:
      emit(c, I_ASSERT, nd->a, 0);
      break;
  }
}

/* Merges runs of I_CHAR into I_STR (backtracker only); the literal bytes live in lit (the pattern
 * order is kept: x = offset into lit, y = length). Jump targets are remapped. */
static int fuse_strings(program *pg, unsigned char **lit, size_t *litn) {
  size_t n = pg->n;
  int32_t *map = (int32_t *)aw_alloc_array(n + 1, sizeof(int32_t));
  uint8_t *target = (uint8_t *)AW_CALLOC(n + 1, 1);
  unsigned char *buf = (unsigned char *)AW_MALLOC(n + 1);
  if (!map || !target || !buf) {
    AW_FREE(map);
    AW_FREE(target);
    AW_FREE(buf);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    inst *in = &pg->code[i];
    if (in->op == I_SPLIT) {
      target[in->x] = 1;
      target[in->y] = 1;
    } else if (in->op == I_JMP) {
      target[in->x] = 1;
    } else if ((in->op == I_CHAR || in->op == I_CP || in->op == I_CLASS) && (size_t)in->next != i + 1) {
      target[in->next] = 1;
    }
  }
  size_t out = 0, lp = 0;
  for (size_t i = 0; i < n;) {
    if (pg->code[i].op == I_CHAR) {
      size_t j = i + 1;
      while (j < n && pg->code[j].op == I_CHAR && !target[j] && (size_t)pg->code[j - 1].next == j) j++;
      if (j - i >= 2) {
        inst s = pg->code[i];
        s.op = I_STR;
        s.x = (int32_t)lp;
        s.y = (int32_t)(j - i);
        s.next = pg->code[j - 1].next;
        for (size_t k = i; k < j; k++) {
          map[k] = (int32_t)out;
          buf[lp++] = (unsigned char)pg->code[k].x;
        }
        pg->code[out++] = s;
        i = j;
        continue;
      }
    }
    map[i] = (int32_t)out;
    pg->code[out++] = pg->code[i];
    i++;
  }
  map[n] = (int32_t)out;
  for (size_t i = 0; i < out; i++) {
    inst *in = &pg->code[i];
    if (in->op == I_SPLIT) {
      in->x = map[in->x];
      in->y = map[in->y];
    } else if (in->op == I_JMP) {
      in->x = map[in->x];
    } else if (in->op == I_CHAR || in->op == I_CP || in->op == I_CLASS || in->op == I_STR) {
      in->next = map[in->next];
    }
  }
  pg->n = out;
  AW_FREE(map);
  AW_FREE(target);
  *lit = buf;
  *litn = lp;
  return 0;
}

/* ------------------------------------------------------------------ first-byte sets */

static void fs_set(fset *f, unsigned b) { f->b[b >> 6] |= (uint64_t)1 << (b & 63); }
static int fs_union(fset *dst, const fset *src) {
  int ch = 0;
  for (int k = 0; k < 4; k++) {
    uint64_t v = dst->b[k] | src->b[k];
    if (v != dst->b[k]) {
      dst->b[k] = v;
      ch = 1;
    }
  }
  if (src->at_end && !dst->at_end) dst->at_end = ch = 1;
  if (src->any && !dst->any) dst->any = ch = 1;
  return ch;
}
static void fs_class(fset *f, const re_class *c) {
  for (int b = 0; b < 256; b++)
    if (c->tab[b]) fs_set(f, (unsigned)b);
}

/* Computes first[pc] for every pc of a program by a monotone fixpoint (loops through empty
 * paths are handled; the result is a superset, which is all the skipping needs). */
static fset *compute_first(const program *pg, const re_class *cls, const unsigned char *lit) {
  size_t n = pg->n;
  fset *f = (fset *)aw_calloc_array(n + 1, sizeof(fset));
  if (!f) return NULL;
  f[n].any = 1; /* falling off the end = match */
  int changed = 1;
  while (changed) {
    changed = 0;
    for (size_t i = n; i-- > 0;) {
      const inst *in = &pg->code[i];
      fset t;
      memset(&t, 0, sizeof t);
      switch (in->op) {
        case I_CHAR: fs_set(&t, (unsigned)in->x); break;
        case I_STR: fs_set(&t, lit[in->x]); break;
        case I_CP: {
          for (int b = 0xC2; b <= 0xF4; b++) fs_set(&t, (unsigned)b);
          if (in->x >= 0xDC80 && in->x <= 0xDCFF) fs_set(&t, (unsigned)(in->x - 0xDC00));
          break;
        }
        case I_CLASS: fs_class(&t, &cls[in->x]); break;
        case I_RCLASS:
          fs_class(&t, &cls[in->x]);
          if (in->min == 0) fs_union(&t, &f[i + 1]);
          break;
        case I_SPLIT:
          fs_union(&t, &f[in->x]);
          fs_union(&t, &f[in->y]);
          break;
        case I_JMP: fs_union(&t, &f[in->x]); break;
        case I_SAVE: fs_union(&t, &f[i + 1]); break;
        case I_ASSERT:
          if (in->x == AS_EOL) {
            fs_set(&t, '\n');
            t.at_end = 1;
          } else if (in->x == AS_EOT) {
            t.at_end = 1;
          } else {
            fs_union(&t, &f[i + 1]);
          }
          break;
        case I_MATCH: t.any = 1; break;
      }
      if (fs_union(&f[i], &t)) changed = 1;
    }
  }
  return f;
}

static void fs_to_tab(const fset *f, ftab *t) {
  for (int b = 0; b < 256; b++) t->tab[b] = (uint8_t)((f->b[b >> 6] >> (b & 63)) & 1);
  t->at_end = f->at_end;
  t->any = f->any;
}

static inline int viable(const ftab *t, const unsigned char *s, size_t n, size_t p) {
  if (t->any) return 1;
  return p < n ? t->tab[s[p]] : t->at_end;
}

/* ------------------------------------------------------------------ required bytes */

/* ASCII bytes that occur in every match of node ni (a subset is fine: it only filters). */
static void required_bytes(const anode *nodes, int ni, uint64_t out[4]) {
  const anode *nd = &nodes[ni];
  out[0] = out[1] = out[2] = out[3] = 0;
  switch (nd->t) {
    case A_LIT:
      if ((uint32_t)nd->a < 128) out[(uint32_t)nd->a >> 6] |= (uint64_t)1 << ((uint32_t)nd->a & 63);
      return;
    case A_CAT: {
      uint64_t a[4], b[4];
      required_bytes(nodes, nd->a, a);
      required_bytes(nodes, nd->b, b);
      for (int k = 0; k < 4; k++) out[k] = a[k] | b[k];
      return;
    }
    case A_ALT: {
      uint64_t a[4], b[4];
      required_bytes(nodes, nd->a, a);
      required_bytes(nodes, nd->b, b);
      for (int k = 0; k < 4; k++) out[k] = a[k] & b[k];
      return;
    }
    case A_GROUP: required_bytes(nodes, nd->a, out); return;
    case A_REPEAT:
      if (nd->min > 0) required_bytes(nodes, nd->a, out);
      return;
    default: return;
  }
}

/* The fewest times byte b occurs in a match of node ni (capped at 255): "(\\d+\\.){3}\\d+" holds
 * '.' at least three times. */
static uint32_t min_count(const anode *nodes, int ni, int b) {
  const anode *nd = &nodes[ni];
  uint32_t x, y;
  switch (nd->t) {
    case A_LIT: return (uint32_t)nd->a == (uint32_t)b;
    case A_CAT:
      x = min_count(nodes, nd->a, b) + min_count(nodes, nd->b, b);
      return x > 255 ? 255 : x;
    case A_ALT:
      x = min_count(nodes, nd->a, b);
      y = min_count(nodes, nd->b, b);
      return x < y ? x : y;
    case A_GROUP: return min_count(nodes, nd->a, b);
    case A_REPEAT:
      if (nd->min == 0) return 0;
      x = min_count(nodes, nd->a, b);
      return x && nd->min > 255 / x ? 255 : x * nd->min;
    default: return 0;
  }
}

/* How many times byte b occurs in s[0..n). */
static size_t count_byte(const unsigned char *s, size_t n, unsigned char b) {
  size_t c = 0, i = 0;
  for (; i + 16 <= n; i += 16) c += (size_t)__builtin_popcount(aw_s16_eq(s + i, b));
  for (; i < n; i++) c += s[i] == b;
  return c;
}

/* No match can start at or after `from` when fewer than cnt_min copies of cnt_byte are left
 * (checked on short texts only - tokens, where a failed search costs an attempt at every
 * viable start; on long ones the count could cost more than it saves). */
static inline int too_few(const aw_regex *re, const unsigned char *s, size_t n, size_t from) {
  return re->cnt_min >= 2 && n - from <= 256 && count_byte(s + from, n - from, (unsigned char)re->cnt_byte) < re->cnt_min;
}

/* Does class c contain a white-space character (Python's str.isspace())? */
static int class_has_space(const re_class *c) {
  for (unsigned b = 0; b < 0x80; b++)
    if (aw_ascii_is_space(b) && c->tab[b] == 1) return 1;
  /* the non-ASCII white space is below U+3001 (aw_uni_is_space) */
  for (uint32_t cp = 0x80; cp <= 0x3000; cp++)
    if (aw_uni_is_space(cp) && class_nonascii(c, cp)) return 1;
  return 0;
}

/* aw_regex_token_local: no node can match white space or assert ^ $ \A \Z, and the pattern
 * cannot match empty. Every node of the AST is looked at, reachable or not (conservative). */
static int token_local(const anode *nodes, size_t nn, int root, const re_class *cls) {
  if (node_nullable(nodes, root)) return 0;
  for (size_t i = 0; i < nn; i++) {
    const anode *nd = &nodes[i];
    if (nd->t == A_LIT) {
      uint32_t cp = (uint32_t)nd->a;
      if (cp < 0x80 ? aw_ascii_is_space(cp) : aw_uni_is_space(cp)) return 0;
    } else if (nd->t == A_CLASS) {
      if (class_has_space(&cls[nd->a])) return 0;
    } else if (nd->t == A_ASSERT) {
      if (nd->a != AS_WORDB && nd->a != AS_NWORDB) return 0;
    }
  }
  return 1;
}

/* Is every character of class c a decimal digit ('0'-'9' or a Unicode decimal, which Drain's
 * digit flag covers)? Conservative: large non-ASCII ranges answer no. */
static int class_digits_only(const re_class *c) {
  if (c->neg || (c->cats & ~(unsigned)CAT_D)) return 0;
  for (int b = 0; b < 128; b++)
    if (c->ascii[b] && !(b >= '0' && b <= '9')) return 0;
  for (size_t i = 0; i < c->nr; i++) {
    if (c->r[i].hi - c->r[i].lo > 4096) return 0;
    for (uint32_t cp = c->r[i].lo; cp <= c->r[i].hi; cp++)
      if (!aw_uni_is_decimal(cp)) return 0;
  }
  return 1;
}

/* Does every match of node ni contain a decimal digit? (1 = yes, 0 = not known) */
static int needs_digit(const anode *nodes, int ni, const re_class *cls) {
  const anode *nd = &nodes[ni];
  switch (nd->t) {
    case A_LIT: {
      uint32_t cp = (uint32_t)nd->a;
      return cp < 0x80 ? (cp >= '0' && cp <= '9') : aw_uni_is_decimal(cp);
    }
    case A_CLASS: return class_digits_only(&cls[nd->a]);
    case A_CAT: return needs_digit(nodes, nd->a, cls) || needs_digit(nodes, nd->b, cls);
    case A_ALT: return needs_digit(nodes, nd->a, cls) && needs_digit(nodes, nd->b, cls);
    case A_GROUP: return needs_digit(nodes, nd->a, cls);
    case A_REPEAT: return nd->min > 0 && needs_digit(nodes, nd->a, cls);
    default: return 0;
  }
}

/* How rare a byte usually is in log text (higher = rarer): punctuation, then upper case, then
 * lower case and digits. */
static int byte_rarity(int b) {
  if (b == ' ') return 0;
  if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')) return 1;
  if (b >= 'A' && b <= 'Z') return 2;
  if (b == '.' || b == ':' || b == '/' || b == '-' || b == '_' || b == ',' || b == '=') return 3;
  return 4;
}

/* ------------------------------------------------------------------ public: compile */

static void free_classes(re_class *cls, size_t n) {
  if (!cls) return;
  for (size_t i = 0; i < n; i++) AW_FREE(cls[i].r);
  AW_FREE(cls);
}

struct dfa_t;
static void dfa_free(struct dfa_t *f);
static int dfa_eligible(const aw_regex *re);

void aw_regex_free(aw_regex *re) {
  if (!re) return;
  AW_FREE(re->pattern);
  if (re->names) {
    for (size_t i = 0; i <= re->ngroups; i++) AW_FREE(re->names[i]);
    AW_FREE(re->names);
  }
  free_classes(re->cls, re->ncls);
  AW_FREE(re->bt.code);
  AW_FREE(re->pk.code);
  AW_FREE(re->bt_ftab);
  AW_FREE(re->ftabs);
  AW_FREE(re->prefix);
  AW_FREE(re->bits);
  AW_FREE(re->jobs);
  AW_FREE(re->caps);
  AW_FREE(re->best);
  AW_FREE(re->rc_lo);
  AW_FREE(re->rc_hi);
  AW_FREE(re->pk_caps);
  AW_FREE(re->pk_sparse);
  AW_FREE(re->pk_dense);
  AW_FREE(re->pk_stack);
  AW_FREE(re->pk_stack_caps);
  dfa_free(re->dfa);
  AW_FREE(re);
}

/* Resolves RCLASS over a literal (x = -1 - cp) into a one-character class. */
static int rclass_literals(aw_regex *re, program *pg) {
  for (size_t i = 0; i < pg->n; i++) {
    inst *in = &pg->code[i];
    if (in->op != I_RCLASS || in->x >= 0) continue;
    uint32_t cp = (uint32_t)(-1 - in->x);
    size_t cap = re->ncls;
    re_class *nc = (re_class *)AW_REALLOC(re->cls, (re->ncls + 1) * sizeof(re_class));
    if (!nc) return -1;
    re->cls = nc;
    (void)cap;
    re_class *c = &re->cls[re->ncls];
    memset(c, 0, sizeof *c);
    if (cp < 128) {
      c->ascii[cp] = 1;
    } else {
      c->r = (cp_range *)AW_MALLOC(sizeof(cp_range));
      if (!c->r) return -1;
      c->r[0].lo = c->r[0].hi = cp;
      c->nr = c->cap = 1;
    }
    class_finish(c);
    in->x = (int32_t)re->ncls++;
  }
  return 0;
}

aw_status aw_regex_compile(const char *pattern, size_t len, aw_regex **out, aw_error *err) {
  if (!out) return aw_error_set(err, AW_ERR_ARG, "aw_regex_compile: out is NULL");
  *out = NULL;
  if (!pattern) return aw_error_set(err, AW_ERR_ARG, "aw_regex_compile: pattern is NULL");
  if (len == SIZE_MAX) len = strlen(pattern);
  if (len > AW_REGEX_MAX_PATTERN)
    return aw_error_set(err, AW_ERR_LIMIT, "regex of %zu bytes is longer than the limit (%zu)", len, AW_REGEX_MAX_PATTERN);
  parser p;
  memset(&p, 0, sizeof p);
  p.s = (const unsigned char *)pattern;
  p.n = len;
  p.err = err;
  p.pat = pattern;
  p.plen = len;
  int root = parse_alt(&p);
  if (p.st == AW_OK && !at_end(&p)) {
    /* only ')' can stop the top level early */
    perr(&p, AW_ERR_PARSE, p.i, "unbalanced parenthesis");
  }
  aw_regex *re = NULL;
  if (p.st == AW_OK) {
    re = (aw_regex *)AW_CALLOC(1, sizeof(aw_regex));
    if (!re) perr(&p, AW_ERR_NOMEM, 0, "out of memory");
  }
  if (p.st != AW_OK) {
    AW_FREE(p.nodes);
    free_classes(p.cls, p.ncls);
    if (p.names) {
      for (size_t i = 0; i < p.names_cap; i++) AW_FREE(p.names[i]);
      AW_FREE(p.names);
    }
    return p.st;
  }
  for (size_t i = 0; i < p.ncls; i++) class_finish(&p.cls[i]);
  re->cls = p.cls;
  re->ncls = p.ncls;
  re->ngroups = p.ngroups;
  re->names = (char **)aw_calloc_array(p.ngroups + 1, sizeof(char *));
  re->pattern = (char *)AW_MALLOC(len + 1);
  aw_status st = AW_OK;
  if (!re->names || !re->pattern) st = AW_ERR_NOMEM;
  if (st == AW_OK) {
    memcpy(re->pattern, pattern, len);
    re->pattern[len] = '\0';
    re->plen = len;
    for (size_t i = 0; i < p.names_cap; i++) {
      if (i <= p.ngroups) re->names[i] = p.names[i];
      else AW_FREE(p.names[i]);
    }
  } else if (p.names) {
    for (size_t i = 0; i < p.names_cap; i++) AW_FREE(p.names[i]);
  }
  AW_FREE(p.names);
  /* compile both programs: SAVE 0, body, SAVE 1, MATCH */
  for (int pike = 0; pike <= 1 && st == AW_OK; pike++) {
    compiler c;
    memset(&c, 0, sizeof c);
    c.pg = pike ? &re->pk : &re->bt;
    c.nodes = p.nodes;
    c.cls = re->cls;
    c.pike = pike;
    emit(&c, I_SAVE, 0, 0);
    comp(&c, root);
    emit(&c, I_SAVE, 1, 0);
    emit(&c, I_MATCH, 0, 0);
    if (c.failed == 1) {
      st = aw_error_set(err, AW_ERR_LIMIT, "regex \"%.*s\": program larger than %zu instructions after expanding repeats",
                        len > 200 ? 200 : (int)len, pattern, AW_REGEX_MAX_PROGRAM);
    } else if (c.failed) {
      st = AW_ERR_NOMEM;
    }
  }
  if (st == AW_OK) {
    uint64_t req[4];
    required_bytes(p.nodes, root, req);
    memcpy(re->req_set, req, sizeof req);
    re->token_local = token_local(p.nodes, p.nn, root, re->cls);
    re->needs_digit = needs_digit(p.nodes, root, re->cls);
    re->req_byte = -1;
    int best = -1;
    for (int b = 0; b < 128; b++) {
      if (!((req[b >> 6] >> (b & 63)) & 1)) continue;
      int rank = byte_rarity(b);
      if (rank > best) {
        best = rank;
        re->req_byte = b;
      }
      uint32_t c = min_count(p.nodes, root, b);
      if (c >= 2 && c > re->cnt_min) {
        re->cnt_min = c;
        re->cnt_byte = b;
      }
    }
  }
  AW_FREE(p.nodes);
  if (st == AW_OK && rclass_literals(re, &re->bt)) st = AW_ERR_NOMEM;
  unsigned char *lit = NULL;
  size_t litn = 0;
  if (st == AW_OK && fuse_strings(&re->bt, &lit, &litn)) st = AW_ERR_NOMEM;
  if (st == AW_OK) {
    /* the literal pool replaces I_STR offsets: keep it in re->prefix's neighbour (appended) */
    fset *f = compute_first(&re->bt, re->cls, lit);
    if (!f) st = AW_ERR_NOMEM;
    if (st == AW_OK) {
      fs_to_tab(&f[0], &re->start_ft);
      re->nullable = f[0].any;
      re->dfa_ok = dfa_eligible(re);
      re->bt_ftab = (int32_t *)aw_alloc_array(re->bt.n + 1, sizeof(int32_t));
      size_t need = 0;
      for (size_t i = 0; i < re->bt.n; i++)
        if (re->bt.code[i].op == I_RCLASS) need++;
      re->ftabs = (ftab *)aw_calloc_array(need + 1, sizeof(ftab));
      if (!re->bt_ftab || !re->ftabs) st = AW_ERR_NOMEM;
      for (size_t i = 0; st == AW_OK && i < re->bt.n; i++) {
        re->bt_ftab[i] = -1;
        if (re->bt.code[i].op == I_RCLASS) {
          fs_to_tab(&f[i + 1], &re->ftabs[re->nftabs]);
          re->bt_ftab[i] = (int32_t)re->nftabs++;
          /* auto-possessive: when no byte the class can consume may start what follows (and what
           * follows cannot match anywhere), every split but the longest run fails at once, so
           * the repeat takes the longest run and never backtracks */
          const re_class *cl = &re->cls[re->bt.code[i].x];
          const ftab *ft = &re->ftabs[re->nftabs - 1];
          int disjoint = !ft->any;
          for (int b = 0; b < 256 && disjoint; b++)
            if (cl->tab[b] && ft->tab[b]) disjoint = 0;
          re->bt.code[i].pad = (uint16_t)disjoint;
        }
      }
      /* literal prefix: instructions after SAVE 0 that are I_CHAR / I_STR, no jumps into them */
      size_t pc = 1;
      unsigned char pre[64];
      size_t pl = 0;
      while (pc < re->bt.n && pl < sizeof pre) {
        const inst *in = &re->bt.code[pc];
        if (in->op == I_CHAR) {
          pre[pl++] = (unsigned char)in->x;
        } else if (in->op == I_STR) {
          for (int32_t k = 0; k < in->y && pl < sizeof pre; k++) pre[pl++] = lit[in->x + k];
        } else {
          break;
        }
        pc++;
      }
      /* prefix only valid if no jump lands inside the prefix instructions */
      for (size_t i = 0; i < re->bt.n && pl; i++) {
        const inst *in = &re->bt.code[i];
        if ((in->op == I_SPLIT && ((size_t)in->x < pc || (size_t)in->y < pc)) || (in->op == I_JMP && (size_t)in->x < pc))
          pl = 0;
      }
      re->anchored = re->bt.n > 1 && re->bt.code[1].op == I_ASSERT && re->bt.code[1].x == AS_BOT;
      AW_FREE(f);
      /* keep the literal pool; prefix stored separately */
      re->prefix = (unsigned char *)AW_MALLOC(litn + pl + 1);
      if (!re->prefix) st = AW_ERR_NOMEM;
      else {
        memcpy(re->prefix, pre, pl);
        re->prefix_len = pl;
        if (litn) memcpy(re->prefix + pl, lit, litn);
        /* I_STR offsets now point after the prefix copy */
        for (size_t i = 0; i < re->bt.n; i++)
          if (re->bt.code[i].op == I_STR) re->bt.code[i].x += (int32_t)pl;
      }
    }
  }
  AW_FREE(lit);
  if (st != AW_OK) {
    if (st == AW_ERR_NOMEM) aw_error_set(err, AW_ERR_NOMEM, "out of memory compiling a regex");
    aw_regex_free(re);
    return st;
  }
  *out = re;
  return AW_OK;
}

const char *aw_regex_pattern(const aw_regex *re) { return re ? re->pattern : ""; }
size_t aw_regex_group_count(const aw_regex *re) { return re ? re->ngroups : 0; }
int aw_regex_nullable(const aw_regex *re) { return re ? re->nullable : 0; }
int aw_regex_token_local(const aw_regex *re) { return re ? re->token_local : 0; }
int aw_regex_needs_digit(const aw_regex *re) { return re ? re->needs_digit : 0; }
void aw_regex_byte_filter(const aw_regex *re, uint64_t first[4], uint64_t required[4]) {
  for (int k = 0; k < 4; k++) first[k] = required[k] = 0;
  if (!re) return;
  for (int b = 0; b < 256; b++)
    if (re->start_ft.any || re->start_ft.tab[b]) first[b >> 6] |= (uint64_t)1 << (b & 63);
  memcpy(required, re->req_set, sizeof re->req_set);
}
void aw_regex_set_engine(aw_regex *re, int engine) {
  if (re) re->engine = engine;
}

size_t aw_regex_group_index(const aw_regex *re, const char *name) {
  if (!re || !name) return 0;
  for (size_t i = 1; i <= re->ngroups; i++)
    if (re->names[i] && strcmp(re->names[i], name) == 0) return i;
  return 0;
}

const char *aw_regex_group_name(const aw_regex *re, size_t i) {
  if (!re || i == 0 || i > re->ngroups) return NULL;
  return re->names[i];
}

/* ------------------------------------------------------------------ assertions */

static int assert_ok(int kind, const unsigned char *s, size_t n, size_t p) {
  switch (kind) {
    case AS_BOT: return p == 0;
    case AS_EOL: return p == n || (p + 1 == n && s[p] == '\n');
    case AS_EOT: return p == n;
    case AS_WORDB:
    case AS_NWORDB: {
      int before = p > 0 && is_word_at(s, n, aw_u8_prev(s, n, p));
      int after = p < n && is_word_at(s, n, p);
      int b = before != after;
      return kind == AS_WORDB ? b : !b;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ backtracker */

enum { J_RUN, J_RESTORE, J_RGREEDY, J_RLAZY, J_RDONE };

typedef struct job {
  uint32_t kind, pc;
  size_t pos;   /* position (RUN, frames) or capture slot (RESTORE) */
  size_t cnt;   /* characters consumed (frames) or old value (RESTORE) */
  size_t aux;   /* RDONE, RGREEDY: run start; RLAZY: index of its RDONE job or SIZE_MAX */
  size_t aux2;  /* RDONE: run end */
} job;

typedef struct {
  aw_regex *re;
  const unsigned char *s;
  size_t n, base, nprog;
  size_t ncap;
  size_t nj;
  size_t maxpos;
  size_t must_adv_pos; /* SIZE_MAX if none */
  int full;            /* MATCH only at the end of the text */
} bt_state;

static inline int bt_push(bt_state *b, uint32_t kind, uint32_t pc, size_t pos, size_t cnt, size_t aux, size_t aux2) {
  aw_regex *re = b->re;
  if (b->nj == re->njobs_cap) {
    if (aw_grow((void **)&re->jobs, &re->njobs_cap, b->nj + 1, sizeof(job))) return -1;
  }
  job *j = &re->jobs[b->nj++];
  j->kind = kind;
  j->pc = pc;
  j->pos = pos;
  j->cnt = cnt;
  j->aux = aux;
  j->aux2 = aux2;
  return 0;
}

/* The character boundary before pos in a run of characters read forwards from start: what
 * aw_u8_prev gives, unless that steps back past start - a search may start inside a UTF-8
 * sequence, whose continuation bytes then read as one character each going forwards, while
 * aw_u8_prev steps back over them to the lead byte. Then the boundaries are read forwards from
 * start again (only in that case). */
static size_t run_prev(const unsigned char *s, size_t n, size_t pos, size_t start) {
  size_t q = aw_u8_prev(s, n, pos);
  if (q >= start) return q;
  size_t p = start, last = start;
  uint32_t cp;
  while (p < pos) {
    last = p;
    p += aw_u8_decode(s, n, p, &cp);
  }
  return last;
}

/* Marks (pc, pos) visited; returns 1 if it was new. */
static inline int bt_visit(bt_state *b, size_t pc, size_t pos) {
  size_t k = (pos - b->base) * b->nprog + pc;
  uint64_t m = (uint64_t)1 << (k & 63);
  uint64_t *w = &b->re->bits[k >> 6];
  if (*w & m) return 0;
  *w |= m;
  if (pos > b->maxpos) b->maxpos = pos;
  return 1;
}

static inline int bt_seen(const bt_state *b, size_t pc, size_t pos) {
  size_t k = (pos - b->base) * b->nprog + pc;
  return (int)((b->re->bits[k >> 6] >> (k & 63)) & 1);
}

/* Explores from (pc, pos). Returns 1 on match (caps in re->best), 0 on failure, -1 on OOM. */
static int bt_run(bt_state *b, uint32_t pc0, size_t pos0) {
  aw_regex *re = b->re;
  const inst *code = re->bt.code;
  const unsigned char *s = b->s;
  size_t n = b->n;
  size_t *caps = re->caps;
  b->nj = 0;
  if (bt_push(b, J_RUN, pc0, pos0, 0, 0, 0)) return -1;
  while (b->nj > 0) {
    job j = re->jobs[--b->nj];
    uint32_t pc = j.pc;
    size_t pos = j.pos;
    switch (j.kind) {
      case J_RESTORE:
        caps[j.pos] = j.cnt;
        continue;
      case J_RDONE:
        if (j.aux2 != SIZE_MAX) {
          size_t slot = (size_t)code[pc].y;
          re->rc_lo[slot] = j.aux;
          re->rc_hi[slot] = j.aux2;
        }
        continue;
      case J_RGREEDY: {
        /* try the continuation at pos (cnt characters consumed), then shorter ones; the run
         * started at j.aux (see run_prev) */
        const inst *in = &code[pc];
        const ftab *ft = &re->ftabs[re->bt_ftab[pc]];
        size_t cnt = j.cnt;
        while (!viable(ft, s, n, pos) && cnt > in->min) {
          pos = run_prev(s, n, pos, j.aux);
          cnt--;
        }
        if (!viable(ft, s, n, pos)) continue;
        if (cnt > in->min) {
          if (bt_push(b, J_RGREEDY, pc, run_prev(s, n, pos, j.aux), cnt - 1, j.aux, 0)) return -1;
        }
        if (bt_visit(b, pc + 1, pos)) {
          pc = pc + 1;
          break; /* run it now */
        }
        continue;
      }
      case J_RLAZY: {
        /* try the continuation at pos, then one more character */
        const inst *in = &code[pc];
        const re_class *cl = &re->cls[in->x];
        const ftab *ft = &re->ftabs[re->bt_ftab[pc]];
        size_t cnt = j.cnt, stop = j.aux2; /* continuations at positions >= stop were tried already */
        size_t l = 0;
        int more = 0;
        for (;;) {
          if (pos >= stop) {
            pos = SIZE_MAX;
            break;
          }
          more = cnt < in->max && pos < n && (l = class_at(cl, s, n, pos)) != 0;
          if (viable(ft, s, n, pos)) break;
          if (!more) {
            if (j.aux != SIZE_MAX) re->jobs[j.aux].aux2 = pos; /* the run ends here */
            pos = SIZE_MAX;
            break;
          }
          pos += l;
          cnt++;
        }
        if (pos == SIZE_MAX) continue;
        if (more) {
          if (bt_push(b, J_RLAZY, pc, pos + l, cnt + 1, j.aux, stop)) return -1;
        } else if (j.aux != SIZE_MAX) {
          re->jobs[j.aux].aux2 = pos;
        }
        if (bt_visit(b, pc + 1, pos)) {
          pc = pc + 1;
          break;
        }
        continue;
      }
      default:
        /* J_RUN. States are marked when they run, not when pushed: the first path to run a
         * state is the one with the highest priority, which matters for the captures. */
        if (!bt_visit(b, pc, pos)) continue;
        break;
    }
    /* execute the thread (pc, pos) until it fails or forks */
    for (;;) {
      const inst *in = &code[pc];
      switch (in->op) {
        case I_CHAR:
          if (pos < n && s[pos] == (unsigned char)in->x) {
            pos++;
            pc = (uint32_t)in->next;
            continue;
          }
          goto fail;
        case I_STR: {
          size_t l = (size_t)in->y;
          if (n - pos >= l && memcmp(s + pos, re->prefix + in->x, l) == 0) {
            pos += l;
            pc = (uint32_t)in->next;
            continue;
          }
          goto fail;
        }
        case I_CP: {
          if (pos >= n) goto fail;
          uint32_t cp;
          size_t l = aw_u8_decode(s, n, pos, &cp);
          if (cp != (uint32_t)in->x) goto fail;
          pos += l;
          pc = (uint32_t)in->next;
          continue;
        }
        case I_CLASS: {
          size_t l;
          if (pos < n && (l = class_at(&re->cls[in->x], s, n, pos)) != 0) {
            pos += l;
            pc = (uint32_t)in->next;
            continue;
          }
          goto fail;
        }
        case I_RCLASS: {
          const re_class *cl = &re->cls[in->x];
          size_t slot = (size_t)in->y;
          int unbounded = in->max == REP_INF;
          size_t l;
          if (in->pad) {
            /* possessive (see compile): the longest run, then straight on */
            size_t c2;
            size_t e = class_run(cl, s, n, pos, in->max, &c2);
            if (c2 < in->min) goto fail;
            if (c2 == in->max && e < n && class_at(cl, s, n, e)) goto fail; /* stopped inside the run */
            pos = e;
            pc++;
            if (!bt_visit(b, pc, pos)) goto fail;
            continue;
          }
          /* Run memo (see the file comment): a finished attempt from lo covered every continuation
           * in [lo + min, hi], hi being the end of the run. */
          size_t lo = SIZE_MAX, hi = SIZE_MAX, k = 0;
          if (unbounded && re->rc_lo[slot] != SIZE_MAX) {
            lo = re->rc_lo[slot];
            hi = re->rc_hi[slot];
            if (pos >= lo && pos <= hi) goto fail;
            if (pos < lo) {
              size_t q = pos;
              while (q < lo && (l = class_at(cl, s, n, q)) != 0) {
                q += l;
                k++;
              }
              if (q != lo) lo = SIZE_MAX; /* not the same run */
            } else {
              lo = SIZE_MAX;
            }
          }
          /* consume the minimum */
          size_t p = pos, cnt = 0;
          while (cnt < in->min) {
            if (p >= n || (l = class_at(cl, s, n, p)) == 0) goto fail;
            p += l;
            cnt++;
          }
          if (lo != SIZE_MAX) {
            /* same run as a finished attempt from lo: only continuations before lo + min are new */
            size_t lim = lo, c3 = 0;
            while (c3 < in->min && lim < hi) {
              lim += class_at(cl, s, n, lim);
              c3++;
            }
            int all_new = c3 < in->min; /* lo + min lies beyond the run: nothing was tried */
            if (bt_push(b, J_RDONE, pc, 0, 0, pos, hi)) return -1;
            if (in->greedy) {
              size_t e, c2;
              if (all_new) {
                e = p;
                c2 = cnt;
                while (e < hi && (l = class_at(cl, s, n, e)) != 0) {
                  e += l;
                  c2++;
                }
              } else {
                if (k + in->min == 0) goto next_job;
                e = run_prev(s, n, lim, pos);
                c2 = k + in->min - 1;
                if (c2 < in->min) goto next_job;
              }
              if (bt_push(b, J_RGREEDY, pc, e, c2, pos, 0)) return -1;
            } else {
              if (bt_push(b, J_RLAZY, pc, p, cnt, SIZE_MAX, all_new ? SIZE_MAX : lim)) return -1;
            }
            goto next_job;
          }
          if (in->greedy) {
            size_t more;
            size_t e = class_run(cl, s, n, p, in->max == REP_INF ? REP_INF : in->max - (uint32_t)cnt, &more);
            size_t c2 = cnt + more;
            if (unbounded) {
              if (bt_push(b, J_RDONE, pc, 0, 0, pos, e)) return -1;
            }
            if (bt_push(b, J_RGREEDY, pc, e, c2, pos, 0)) return -1;
          } else {
            size_t didx = SIZE_MAX;
            if (unbounded) {
              didx = b->nj;
              if (bt_push(b, J_RDONE, pc, 0, 0, pos, SIZE_MAX)) return -1;
            }
            if (bt_push(b, J_RLAZY, pc, p, cnt, didx, SIZE_MAX)) return -1;
          }
          goto next_job;
        }
        case I_SPLIT:
          if (!bt_seen(b, (size_t)in->y, pos)) {
            if (bt_push(b, J_RUN, (uint32_t)in->y, pos, 0, 0, 0)) return -1;
          }
          if (!bt_visit(b, (size_t)in->x, pos)) goto fail;
          pc = (uint32_t)in->x;
          continue;
        case I_JMP:
          if (!bt_visit(b, (size_t)in->x, pos)) goto fail;
          pc = (uint32_t)in->x;
          continue;
        case I_SAVE: {
          size_t slot = (size_t)in->x;
          if (slot < b->ncap) {
            if (bt_push(b, J_RESTORE, 0, slot, caps[slot], 0, 0)) return -1;
            caps[slot] = pos;
          }
          pc++;
          continue;
        }
        case I_ASSERT:
          if (!assert_ok(in->x, s, n, pos)) goto fail;
          pc++;
          continue;
        case I_MATCH:
          if (pos == b->must_adv_pos || (b->full && pos != n)) goto fail;
          memcpy(re->best, caps, b->ncap * sizeof(size_t));
          return 1;
      }
    fail:
      break;
    }
  next_job:;
  }
  return 0;
}

static int ensure_caps(aw_regex *re, size_t ncap) {
  if (re->ncaps_alloc >= ncap) return 0;
  size_t *a = (size_t *)aw_alloc_array(ncap, sizeof(size_t));
  size_t *b = (size_t *)aw_alloc_array(ncap, sizeof(size_t));
  if (!a || !b) {
    AW_FREE(a);
    AW_FREE(b);
    return -1;
  }
  AW_FREE(re->caps);
  AW_FREE(re->best);
  re->caps = a;
  re->best = b;
  re->ncaps_alloc = ncap;
  return 0;
}

/* The first position >= p where a match can start, judged by the literal prefix or the
 * first-byte set; n + 1 when there is none. */
static inline size_t skip_to_start(const aw_regex *re, const unsigned char *s, size_t n, size_t p) {
  const ftab *st = &re->start_ft;
  if (re->prefix_len >= 2) {
    size_t pl = re->prefix_len;
    if (n - p < 64) { /* short text (a token): a plain loop beats the library calls */
      const unsigned char *pre = re->prefix;
      for (; p + pl <= n; p++) {
        if (s[p] != pre[0]) continue;
        size_t k = 1;
        while (k < pl && s[p + k] == pre[k]) k++;
        if (k == pl) return p;
      }
      return n + 1;
    }
    /* memchr for the first byte, then compare the prefix */
    for (;;) {
      if (n - p < pl) return n + 1;
      const unsigned char *q = (const unsigned char *)memchr(s + p, re->prefix[0], n - p - pl + 1);
      if (!q) return n + 1;
      p = (size_t)(q - s);
      if (memcmp(q, re->prefix, pl) == 0) return p;
      p++;
    }
  }
  if (!st->any) {
    while (p < n && !st->tab[s[p]]) p++;
    if (p == n && !st->at_end) return n + 1;
  }
  return p;
}

/* One search with the backtracker. anchored: only at `from`. Returns 1/0/-1. */
static int bt_search(aw_regex *re, const unsigned char *s, size_t n, size_t from, int anchored, size_t must_adv,
                     int full, size_t ncap) {
  bt_state b;
  b.re = re;
  b.s = s;
  b.n = n;
  b.base = from;
  b.nprog = re->bt.n;
  b.ncap = ncap;
  b.nj = 0;
  b.maxpos = from;
  b.must_adv_pos = must_adv;
  b.full = full;
  size_t nbits = (n - from + 1) * b.nprog;
  size_t words = (nbits + 63) / 64;
  if (words > re->bits_words) {
    uint64_t *nb = (uint64_t *)AW_CALLOC(words, sizeof(uint64_t));
    if (!nb) return -1;
    AW_FREE(re->bits);
    re->bits = nb;
    re->bits_words = words;
  }
  if (!re->rc_lo && re->bt.nrclass) {
    re->rc_lo = (size_t *)aw_alloc_array(re->bt.nrclass, sizeof(size_t));
    re->rc_hi = (size_t *)aw_alloc_array(re->bt.nrclass, sizeof(size_t));
    if (!re->rc_lo || !re->rc_hi) return -1;
  }
  for (size_t k = 0; k < re->bt.nrclass; k++) re->rc_lo[k] = SIZE_MAX;
  int r = 0;
  size_t p = from;
  for (;;) {
    if (!anchored) {
      p = skip_to_start(re, s, n, p);
      if (p > n) break;
    }
    for (size_t k = 0; k < ncap; k++) re->caps[k] = AW_REGEX_UNSET;
    if (!bt_seen(&b, 0, p)) {
      r = bt_run(&b, 0, p);
      if (r != 0) break;
    }
    if (anchored || p >= n) break;
    /* next start: one character further */
    uint32_t cp;
    p += aw_u8_decode(s, n, p, &cp);
  }
  /* clear the memo over the touched positions */
  size_t lo = 0, hi = ((b.maxpos - from + 1) * b.nprog + 63) / 64;
  if (hi > re->bits_words) hi = re->bits_words;
  memset(re->bits + lo, 0, (hi - lo) * sizeof(uint64_t));
  return r;
}

/* ------------------------------------------------------------------ Pike VM */

/* Thread list: a sparse set over pcs (every pc reached in this step, so epsilon cycles stop),
 * in priority order; capture rows are kept for the consuming/MATCH entries. */
typedef struct {
  uint32_t *dense;
  uint32_t *sparse;
  size_t *caps;
  size_t count;
} tlist;

typedef struct {
  aw_regex *re;
  const unsigned char *s;
  size_t n, ncap;
} pk_state;

static inline int tl_has(const tlist *l, uint32_t pc) {
  uint32_t i = l->sparse[pc];
  return i < l->count && l->dense[i] == pc;
}

/* Adds the thread pc0 at position p with captures c to l, following jumps, splits (in priority
 * order), saves and assertions with an explicit stack. c is restored before returning. */
static int pk_add(pk_state *k, tlist *l, uint32_t pc0, size_t p, size_t *c) {
  aw_regex *re = k->re;
  const inst *code = re->pk.code;
  size_t top = 0;
  re->pk_stack[top++] = pc0;
  while (top > 0) {
    uint32_t e = re->pk_stack[--top];
    if (e & 0x80000000u) {
      c[e & 0x7FFFFFFFu] = re->pk_stack_caps[top];
      continue;
    }
    uint32_t pc = e;
    for (;;) {
      if (tl_has(l, pc)) break;
      size_t idx = l->count++;
      l->sparse[pc] = (uint32_t)idx;
      l->dense[idx] = pc;
      const inst *in = &code[pc];
      if (in->op == I_JMP) {
        pc = (uint32_t)in->x;
        continue;
      }
      if (in->op == I_SPLIT) {
        if (top + 1 >= re->pk_stack_cap) return -1;
        re->pk_stack[top++] = (uint32_t)in->y;
        pc = (uint32_t)in->x;
        continue;
      }
      if (in->op == I_SAVE) {
        size_t slot = (size_t)in->x;
        if (slot < k->ncap) {
          if (top + 1 >= re->pk_stack_cap) return -1;
          re->pk_stack_caps[top] = c[slot];
          re->pk_stack[top++] = 0x80000000u | (uint32_t)slot;
          c[slot] = p;
        }
        pc++;
        continue;
      }
      if (in->op == I_ASSERT) {
        if (!assert_ok(in->x, k->s, k->n, p)) break;
        pc++;
        continue;
      }
      memcpy(l->caps + idx * k->ncap, c, k->ncap * sizeof(size_t));
      break;
    }
  }
  return 0;
}

static int pk_search(aw_regex *re, const unsigned char *s, size_t n, size_t from, int anchored, size_t must_adv,
                     int full, size_t ncap) {
  size_t nprog = re->pk.n;
  size_t nc = ncap;
  if (re->pk_alloc_nprog < nprog || re->pk_alloc_ncap < nc) {
    AW_FREE(re->pk_caps);
    AW_FREE(re->pk_sparse);
    AW_FREE(re->pk_dense);
    AW_FREE(re->pk_stack);
    AW_FREE(re->pk_stack_caps);
    re->pk_caps = (size_t *)aw_alloc_array(2 * nprog * nc + nc, sizeof(size_t));
    re->pk_sparse = (uint32_t *)aw_calloc_array(2 * nprog, sizeof(uint32_t));
    re->pk_dense = (uint32_t *)aw_alloc_array(2 * nprog, sizeof(uint32_t));
    re->pk_stack_cap = 2 * nprog + 2 * nc + 4;
    re->pk_stack = (uint32_t *)aw_alloc_array(re->pk_stack_cap, sizeof(uint32_t));
    re->pk_stack_caps = (size_t *)aw_alloc_array(re->pk_stack_cap, sizeof(size_t));
    re->pk_alloc_nprog = nprog;
    re->pk_alloc_ncap = nc;
    if (!re->pk_caps || !re->pk_sparse || !re->pk_dense || !re->pk_stack || !re->pk_stack_caps) {
      re->pk_alloc_nprog = 0;
      return -1;
    }
  }
  pk_state k = {re, s, n, nc};
  tlist a = {re->pk_dense, re->pk_sparse, re->pk_caps, 0};
  tlist b = {re->pk_dense + nprog, re->pk_sparse + nprog, re->pk_caps + nprog * nc, 0};
  size_t *tmp = re->pk_caps + 2 * nprog * nc;
  tlist *cl = &a, *nl = &b;
  int matched = 0;
  const inst *code = re->pk.code;
  size_t p = from;
  for (;;) {
    if (!matched && (!anchored || p == from)) {
      for (size_t q = 0; q < nc; q++) tmp[q] = AW_REGEX_UNSET;
      if (pk_add(&k, cl, 0, p, tmp)) return -1;
    }
    if (cl->count == 0) break;
    uint32_t cp = 0;
    size_t len = 0;
    if (p < n) len = aw_u8_decode(s, n, p, &cp);
    nl->count = 0;
    for (size_t t = 0; t < cl->count; t++) {
      uint32_t pc = cl->dense[t];
      const inst *in = &code[pc];
      int ok = 0;
      switch (in->op) {
        case I_MATCH:
          if (p == must_adv || (full && p != n)) break;
          memcpy(re->best, cl->caps + t * nc, nc * sizeof(size_t));
          matched = 1;
          t = cl->count; /* lower-priority threads are cut */
          continue;
        case I_CHAR:
        case I_CP: ok = p < n && cp == (uint32_t)in->x; break;
        case I_CLASS: ok = p < n && class_at(&re->cls[in->x], s, n, p) != 0; break;
        default: break;
      }
      if (ok) {
        memcpy(tmp, cl->caps + t * nc, nc * sizeof(size_t));
        if (pk_add(&k, nl, (uint32_t)in->next, p + len, tmp)) return -1;
      }
    }
    tlist *sw = cl;
    cl = nl;
    nl = sw;
    if (p >= n) break;
    p += len;
  }
  return matched;
}

/* ------------------------------------------------------------------ lazy DFA
 *
 * For searches that only need the match itself (sub, search/match without groups) on ASCII
 * text, a DFA built lazily from the Pike program gives the same match much faster. A DFA state
 * is what the Pike VM knows between two characters, without captures: the ordered list of
 * threads (program points after their last consuming instruction, highest priority first) and,
 * when the pattern has \b or \B, whether the previous character was a word character. The
 * transition on byte c does what one Pike step does: the epsilon closure of the list in order
 * (jumps, splits in priority order, saves, \b judged from the previous and next character),
 * with each pc kept only the first time it is reached; a MATCH in the closure means a match
 * ending before c, and cuts every thread after it (leftmost-first); the threads before it
 * consume c. So running the DFA from a start position finds the end the Pike VM (and the
 * backtracker, which agrees with it) finds for a match starting there: the last position where
 * a MATCH was reached before the list died.
 *
 * Unanchored searches try the start positions the backtracker would (skip_to_start, then one
 * byte further, since every byte tried is ASCII) and stop at the first start with a match; a
 * match from an earlier start always wins in the Pike VM too, and a later start's thread that
 * the VM drops because an earlier start's thread holds the same pc could not have matched
 * either. The DFA hands the search back to the VM (same results, from the current start) when
 * it meets a byte >= 0x80 (code points, Unicode classes), when the state cache is full, or when
 * the failed attempts have cost more than a linear budget (e.g. "\d+\." over a long digit run,
 * which the VM's run memo keeps linear). Used for patterns that cannot match empty and whose only
 * assertions are \b and \B. */

#define DFA_MAX_STATES 1024
#define DFA_MAX_PROG 4096
#define DFA_UNKNOWN UINT32_MAX
/* Transition values: next row (state * 256) << 1 | match flag. State 0 is dead (no thread
 * left); state 1 is reserved: a transition to it means "not built yet" (and for bytes >= 0x80,
 * "hand over to the VM"), so one comparison in the scan loop catches both. */
#define DFA_DEAD_ROW 0u
#define DFA_UNBUILT_ROW 256u
#define DFA_UNBUILT (DFA_UNBUILT_ROW << 1)
/* On a digit: stay in this state (and every digit does the same), match flag in bit 0. */
#define DFA_DIGITS 2u

typedef struct dfa_t {
  uint32_t *trans;    /* [state * 256 + byte]: the next state's row (next * 256) << 1 | (a match ends
                         before the byte), or DFA_UNBUILT (not built yet; always for bytes >= 0x80) */
  uint32_t *loff, *llen; /* each state's thread list in pool */
  uint8_t *pword;     /* previous character was a word character */
  uint8_t *at_end;    /* 0 not known yet, 1 no match at the end of the text, 2 match */
  size_t nstates, cap;
  uint32_t *pool;
  size_t npool, poolcap;
  uint32_t *ht;       /* open addressing: state + 1, 0 = empty */
  size_t htcap;
  uint32_t start[2];  /* start state by previous-character wordness (DFA_UNKNOWN until built) */
  uint32_t *mark, *mark2, stamp; /* closure scratch over pcs */
  uint32_t *stack, *clos, *nxt;
  int wordb;          /* the pattern has \b or \B */
  int full;           /* the cache is full or out of memory: no new states */
  /* two bytes per lookup (see pair_scan): bc maps a byte to its class (bytes that no instruction
   * and no \b tells apart share one; every byte >= 0x80 is class 15); pair[state * 256 +
   * (class0 << 4 | class1)] is the state after both bytes, or PAIR_UNBUILT / PAIR_NONE. NULL when
   * the ASCII bytes fall into more than 15 classes. */
  uint8_t bc[256];
  uint32_t *pair;
  struct memo_slot *memo; /* sub results of short texts by class string (memo_find), or NULL */
} dfa_t;

/* aw_regex_sub's results on short texts, by the texts' class strings: the DFA cannot tell apart
 * two bytes of one class (dfa_classes), so two ASCII texts with the same string of classes have
 * their matches at the same places - "blk_3886504906413966" and "blk_7128370237687728" alike.
 * Drain's masks see the same few token shapes again and again (block ids, IP:port), so most
 * substitutions become a lookup. Direct-mapped: a slot holds the last text shape that hashed
 * there. */
#define MEMO_SLOTS 256
#define MEMO_TEXT 32  /* texts up to this long (classes packed four bits each in k0, k1) */
#define MEMO_SPANS 4  /* results with up to this many matches */
_Static_assert(MEMO_SPANS >= AW_REGEX_SUB_SPANS, "aw_regex_sub_spans reads its spans from the memo's records");
typedef struct memo_slot {
  uint64_t k0, k1; /* the class string */
  uint8_t n;       /* text length (0: empty slot) */
  uint8_t nsp;     /* matches */
  uint8_t sp[2 * MEMO_SPANS];
} memo_slot;

/* pair values: (next state * 256) << 3 | (the next state keeps itself on every digit: DFA_DIGITS)
 * << 2 | (a match ends before the second byte) << 1 | (a match ends before the first byte); real
 * states are >= 2, so every real value is >= 4096 */
#define PAIR_UNBUILT 0u
#define PAIR_NONE 1u /* the two bytes need single steps (a dead or special transition, a byte >= 0x80) */
#define PAIR_MIN 8u

static void dfa_free(dfa_t *f) {
  if (!f) return;
  AW_FREE(f->trans);
  AW_FREE(f->pair);
  AW_FREE(f->memo);
  AW_FREE(f->loff);
  AW_FREE(f->llen);
  AW_FREE(f->pword);
  AW_FREE(f->at_end);
  AW_FREE(f->pool);
  AW_FREE(f->ht);
  AW_FREE(f->mark);
  AW_FREE(f->mark2);
  AW_FREE(f->stack);
  AW_FREE(f->clos);
  AW_FREE(f->nxt);
  AW_FREE(f);
}

/* Can the DFA run this pattern? (set at compile time) */
static int dfa_eligible(const aw_regex *re) {
  if (re->nullable || re->pk.n > DFA_MAX_PROG) return 0;
  for (size_t i = 0; i < re->pk.n; i++) {
    const inst *in = &re->pk.code[i];
    switch (in->op) {
      case I_CHAR: case I_CP: case I_CLASS: case I_SPLIT: case I_JMP: case I_SAVE: case I_MATCH: break;
      case I_ASSERT:
        if (in->x != AS_WORDB && in->x != AS_NWORDB) return 0;
        break;
      default: return 0;
    }
  }
  return 1;
}

static inline int ascii_word(unsigned c) {
  return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') || c == '_';
}

static uint64_t dfa_hash(const uint32_t *l, size_t n, int pw) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)pw;
  for (size_t i = 0; i < n; i++) h = (h ^ l[i]) * 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 29);
}

/* The state for thread list l[0..n) and previous-character wordness pw (found or added), or
 * DFA_UNKNOWN when the cache is full. */
static uint32_t dfa_intern(dfa_t *f, const uint32_t *l, size_t n, int pw) {
  if (!f->wordb) pw = 0;
  uint64_t h = dfa_hash(l, n, pw);
  size_t mask = f->htcap - 1, k = (size_t)h & mask;
  for (;; k = (k + 1) & mask) {
    uint32_t e = f->ht[k];
    if (!e) break;
    uint32_t st = e - 1;
    if (f->llen[st] == n && f->pword[st] == pw && (n == 0 || memcmp(f->pool + f->loff[st], l, n * sizeof(uint32_t)) == 0))
      return st;
  }
  if (f->full || f->nstates >= DFA_MAX_STATES) {
    f->full = 1;
    return DFA_UNKNOWN;
  }
  if (f->nstates == f->cap) {
    size_t nc = f->cap ? 2 * f->cap : 16;
    uint32_t *t = (uint32_t *)AW_REALLOC(f->trans, nc * 256 * sizeof(uint32_t));
    if (t) f->trans = t;
    uint32_t *lo = (uint32_t *)AW_REALLOC(f->loff, nc * sizeof(uint32_t));
    if (lo) f->loff = lo;
    uint32_t *ll = (uint32_t *)AW_REALLOC(f->llen, nc * sizeof(uint32_t));
    if (ll) f->llen = ll;
    uint8_t *pw2 = (uint8_t *)AW_REALLOC(f->pword, nc);
    if (pw2) f->pword = pw2;
    uint8_t *ae = (uint8_t *)AW_REALLOC(f->at_end, nc);
    if (ae) f->at_end = ae;
    int pair_ok = 1;
    if (f->pair) {
      uint32_t *pt = (uint32_t *)AW_REALLOC(f->pair, nc * 256 * sizeof(uint32_t));
      if (pt) f->pair = pt;
      else pair_ok = 0;
    }
    if (!t || !lo || !ll || !pw2 || !ae || !pair_ok) {
      f->full = 1;
      return DFA_UNKNOWN;
    }
    f->cap = nc;
  }
  if (f->npool + n > f->poolcap && aw_grow((void **)&f->pool, &f->poolcap, f->npool + n, sizeof(uint32_t))) {
    f->full = 1;
    return DFA_UNKNOWN;
  }
  uint32_t st = f->nstates++;
  if (n) memcpy(f->pool + f->npool, l, n * sizeof(uint32_t));
  f->loff[st] = (uint32_t)f->npool;
  f->llen[st] = (uint32_t)n;
  f->npool += n;
  f->pword[st] = (uint8_t)pw;
  f->at_end[st] = 0;
  for (int c = 0; c < 256; c++) f->trans[(size_t)st * 256 + (size_t)c] = DFA_UNBUILT;
  if (f->pair) memset(f->pair + (size_t)st * 256, 0, 256 * sizeof(uint32_t)); /* PAIR_UNBUILT */
  f->ht[k] = st + 1;
  return st;
}

/* Epsilon closure of state st's threads, in priority order, with `next_word` the wordness of
 * the next character (0 at the end of the text): fills f->clos with the consuming and MATCH
 * instructions reached (each pc once, as in pk_add) and returns their count. */
static size_t dfa_closure(const aw_regex *re, dfa_t *f, uint32_t st, int next_word) {
  const inst *code = re->pk.code;
  const uint32_t *l = f->pool + f->loff[st];
  size_t nl = f->llen[st], nout = 0;
  int prev_word = f->pword[st];
  uint32_t stamp = ++f->stamp;
  for (size_t t = 0; t < nl; t++) {
    size_t top = 0;
    f->stack[top++] = l[t];
    while (top > 0) {
      uint32_t pc = f->stack[--top];
      for (;;) {
        if (f->mark[pc] == stamp) break;
        f->mark[pc] = stamp;
        const inst *in = &code[pc];
        if (in->op == I_JMP) {
          pc = (uint32_t)in->x;
          continue;
        }
        if (in->op == I_SPLIT) {
          f->stack[top++] = (uint32_t)in->y; /* each pc is pushed at most once per closure */
          pc = (uint32_t)in->x;
          continue;
        }
        if (in->op == I_SAVE) {
          pc++;
          continue;
        }
        if (in->op == I_ASSERT) {
          int b = prev_word != next_word;
          if (in->x == AS_WORDB ? !b : b) break;
          pc++;
          continue;
        }
        f->clos[nout++] = pc;
        break;
      }
    }
  }
  return nout;
}

/* Computes the transition of state st on ASCII byte c (see the section comment). */
static uint32_t dfa_step1(const aw_regex *re, dfa_t *f, uint32_t st, unsigned c) {
  size_t nc = dfa_closure(re, f, st, ascii_word(c));
  const inst *code = re->pk.code;
  uint32_t match = 0;
  size_t nn = 0;
  uint32_t stamp = f->stamp;
  for (size_t t = 0; t < nc; t++) {
    const inst *in = &code[f->clos[t]];
    int ok = 0;
    switch (in->op) {
      case I_MATCH: match = 1; t = nc; continue; /* lower-priority threads are cut */
      case I_CHAR: ok = (uint32_t)in->x == c; break;
      case I_CLASS: ok = re->cls[in->x].tab[c] == 1; break;
      default: break; /* I_CP: a code point >= 0x80 never equals an ASCII byte */
    }
    uint32_t nx = (uint32_t)in->next;
    if (ok && f->mark2[nx] != stamp) {
      f->mark2[nx] = stamp;
      f->nxt[nn++] = nx;
    }
  }
  uint32_t to = dfa_intern(f, f->nxt, nn, ascii_word(c));
  if (to == DFA_UNKNOWN) return DFA_UNKNOWN;
  uint32_t v = (to * 256) << 1 | match;
  f->trans[(size_t)st * 256 + c] = v;
  return v;
}

/* dfa_step1, plus: a state that every digit leads back to, with the same match flag (the digits
 * of "\d+"), gets DFA_DIGITS transitions on the digits, so the scan can skip a whole run of
 * digits 16 bytes at a time instead of stepping through it. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static uint32_t dfa_step(const aw_regex *re, dfa_t *f, uint32_t st, unsigned c) {
  uint32_t v = dfa_step1(re, f, st, c);
  if (v == DFA_UNKNOWN || c < '0' || c > '9' || (v >> 1) != st * 256) return v;
  uint32_t *row = f->trans + (size_t)st * 256;
  for (unsigned d = '0'; d <= '9'; d++) {
    if (row[d] == DFA_UNBUILT && dfa_step1(re, f, st, d) == DFA_UNKNOWN) return v;
    row = f->trans + (size_t)st * 256; /* (the table may have moved) */
    if (row[d] != v) return v;
  }
  for (unsigned d = '0'; d <= '9'; d++) row[d] = DFA_DIGITS | (v & 1);
  return row[c];
}

/* Does state st match at the end of the text? */
static int dfa_end(const aw_regex *re, dfa_t *f, uint32_t st) {
  if (!f->at_end[st]) {
    size_t nc = dfa_closure(re, f, st, 0);
    int m = 0;
    for (size_t t = 0; t < nc && !m; t++) m = re->pk.code[f->clos[t]].op == I_MATCH;
    f->at_end[st] = (uint8_t)(m ? 2 : 1);
  }
  return f->at_end[st] == 2;
}

/* Byte classes for the pair table: ASCII bytes that every consuming instruction (I_CHAR,
 * I_CLASS) accepts or rejects alike, and that \b sees alike, behave alike in every state, so a
 * transition computed for one byte of a class holds for all of them. Partition refinement, one
 * instruction at a time. Fills f->bc and returns 1, or 0 when there are more than 15 ASCII
 * classes (no pair table then). */
static int dfa_classes(const aw_regex *re, dfa_t *f) {
  uint8_t id[128], map[2 * 16];
  for (unsigned b = 0; b < 128; b++) id[b] = (uint8_t)(f->wordb && ascii_word(b));
  for (size_t pc = 0; pc < re->pk.n; pc++) {
    const inst *in = &re->pk.code[pc];
    if (in->op != I_CHAR && in->op != I_CLASS) continue;
    memset(map, 0xFF, sizeof map);
    size_t nn = 0;
    for (unsigned b = 0; b < 128; b++) {
      int acc = in->op == I_CHAR ? (uint32_t)in->x == b : re->cls[in->x].tab[b] == 1;
      unsigned key = (unsigned)id[b] * 2 + (unsigned)acc;
      if (map[key] == 0xFF) {
        if (nn == 15) return 0;
        map[key] = (uint8_t)nn++;
      }
      id[b] = map[key];
    }
  }
  for (unsigned b = 0; b < 256; b++) f->bc[b] = b < 128 ? id[b] : 15;
  return 1;
}

/* The single-step transition of state st on ASCII byte c, built if needed, decoded: *next the
 * state after c, *m a match ends before c. Returns 0 when c leads nowhere a pair can go (the
 * dead state, or the cache is full). */
static int pair_half(const aw_regex *re, dfa_t *f, uint32_t st, unsigned c, uint32_t *next, uint32_t *m) {
  uint32_t v = f->trans[(size_t)st * 256 + c];
  if (v == DFA_UNBUILT && (v = dfa_step(re, f, st, c)) == DFA_UNKNOWN) return 0;
  if ((v >> 1) == DFA_DIGITS >> 1) { /* a digit that keeps the state */
    *next = st;
  } else {
    if ((v >> 1) < 2 * 256) return 0; /* dead (or not built: cannot happen here) */
    *next = (v >> 1) / 256;
  }
  *m = v & 1;
  return 1;
}

/* Builds the pair entry of state st for the bytes c0 c1 (both < 0x80). */
static void pair_build(const aw_regex *re, dfa_t *f, uint32_t st, unsigned c0, unsigned c1) {
  uint32_t s1, s2, m0, m1, v = PAIR_NONE;
  if (pair_half(re, f, st, c0, &s1, &m0) && pair_half(re, f, s1, c1, &s2, &m1)) {
    /* does s2 keep itself on the digits (dfa_step marks such rows DFA_DIGITS)? */
    uint32_t s3, m3;
    int loop = pair_half(re, f, s2, '0', &s3, &m3) && (f->trans[(size_t)s2 * 256 + '0'] >> 1) == DFA_DIGITS >> 1;
    v = (s2 * 256) << 3 | (uint32_t)loop << 2 | m1 << 1 | m0;
  }
  f->pair[(size_t)st * 256 + ((unsigned)f->bc[c0] << 4 | f->bc[c1])] = v; /* (f->pair may have moved) */
}

/* End of the run of ASCII digits that starts at s[i] (i itself when s[i] is no digit). */
static inline size_t digit_run_end(const unsigned char *s, size_t n, size_t i) {
  while (i + 8 <= n) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    /* high bit of each byte that is a digit (no carries: bytes >= 0x80 are excluded first) */
    uint64_t hi = 0x8080808080808080ull;
    uint64_t dg = (w + 0x5050505050505050ull) & ~(w + 0x4646464646464646ull) & ~w & hi;
    uint64_t nd = ~dg & hi;
    if (nd) return i + ((size_t)__builtin_ctzll(nd) >> 3);
    i += 8;
  }
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  return i;
}

/* Runs the DFA two bytes per lookup from s[*qp] in the row *rowp while the pair table allows
 * (both bytes ASCII, neither transition dead or special), building entries on the way; leaves
 * *qp and *rowp where a single step must go on (or at the last byte) and sets *lastp to the
 * last match end seen. Each lookup is one dependent load per two bytes instead of two: the
 * scan's time is that chain of loads. */
static void pair_scan(const aw_regex *re, dfa_t *f, const unsigned char *s, size_t n, size_t *qp, size_t *rowp,
                      size_t *lastp) {
  const uint8_t *bc = f->bc;
  size_t q = *qp, row = *rowp;
  const unsigned char *lp = NULL;
  for (;;) {
    const uint32_t *pair = f->pair;
    const unsigned char *sp = s + q, *se1 = s + n - 1; /* two bytes left: sp < se1 */
    uint32_t v2 = PAIR_NONE;
    while (sp < se1) {
      v2 = pair[row + ((unsigned)bc[sp[0]] << 4 | bc[sp[1]])];
      if (v2 < PAIR_MIN) break;
      lp = (v2 & 1) ? sp : lp;
      lp = (v2 & 2) ? sp + 1 : lp;
      row = v2 >> 3;
      sp += 2;
      if ((v2 & 4) && sp <= se1 && *sp >= '0' && *sp <= '9') {
        /* a run of digits that keeps the state: skipped in one go (a match ends before each of
         * them when the state's digit transitions say so) */
        const unsigned char *r = s + digit_run_end(s, n, (size_t)(sp - s));
        if (f->trans[row + '0'] & 1) lp = r - 1;
        sp = r;
      }
    }
    q = (size_t)(sp - s);
    if (sp < se1 && v2 == PAIR_UNBUILT && sp[0] < 0x80 && sp[1] < 0x80) {
      pair_build(re, f, (uint32_t)(row / 256), sp[0], sp[1]);
      continue;
    }
    break;
  }
  if (lp) *lastp = (size_t)(lp - s);
  *qp = q;
  *rowp = row;
}

static dfa_t *dfa_new(const aw_regex *re) {
  dfa_t *f = (dfa_t *)AW_CALLOC(1, sizeof(dfa_t));
  if (!f) return NULL;
  size_t np = re->pk.n;
  f->htcap = 2 * (size_t)DFA_MAX_STATES;
  f->ht = (uint32_t *)aw_calloc_array(f->htcap, sizeof(uint32_t));
  f->mark = (uint32_t *)aw_calloc_array(np, sizeof(uint32_t));
  f->mark2 = (uint32_t *)aw_calloc_array(np, sizeof(uint32_t));
  f->stack = (uint32_t *)aw_alloc_array(np + 1, sizeof(uint32_t));
  f->clos = (uint32_t *)aw_alloc_array(np + 1, sizeof(uint32_t));
  f->nxt = (uint32_t *)aw_alloc_array(np + 1, sizeof(uint32_t));
  if (!f->ht || !f->mark || !f->mark2 || !f->stack || !f->clos || !f->nxt) {
    dfa_free(f);
    return NULL;
  }
  for (size_t i = 0; i < re->pk.n; i++)
    if (re->pk.code[i].op == I_ASSERT) f->wordb = 1;
  if (dfa_classes(re, f)) {
    f->pair = (uint32_t *)AW_MALLOC(1); /* grown with the states (dfa_intern) */
    if (!f->pair) {
      dfa_free(f);
      return NULL;
    }
  }
  /* state 0: no thread left (dead); state 1: the "not built" marker (never reached as a state:
   * its list holds an impossible pc so no real list equals it) */
  uint32_t never = UINT32_MAX;
  if (dfa_intern(f, NULL, 0, 0) != 0 || dfa_intern(f, &never, 1, 0) != 1) {
    dfa_free(f);
    return NULL;
  }
  f->start[0] = f->start[1] = DFA_UNKNOWN;
  return f;
}

/* Search with the DFA: 1 match (*ms, *me), 0 none, -1 when the VM must take over from start
 * *ms (every start before it has no match). */
static int dfa_search(aw_regex *re, const unsigned char *s, size_t n, size_t from, int anchored, size_t *ms,
                      size_t *me) {
  dfa_t *f = re->dfa;
  if (!f) {
    f = re->dfa = dfa_new(re);
    if (!f) {
      *ms = from;
      return -1;
    }
  }
  /* failed attempts may cost up to 4 steps per byte of text (plus a constant) before the VM,
   * whose memo bounds the work, takes over */
  size_t budget = 4 * (n - from) + 256;
  size_t p = from;
  for (;;) {
    if (!anchored) {
      p = skip_to_start(re, s, n, p);
      if (p > n) return 0;
    }
    *ms = p;
    int pw = f->wordb && p > 0 && is_word_at(s, n, aw_u8_prev(s, n, p));
    uint32_t st = f->start[pw];
    if (st == DFA_UNKNOWN) {
      uint32_t zero = 0; /* the program's first instruction (SAVE 0) */
      st = dfa_intern(f, &zero, 1, pw);
      if (st == DFA_UNKNOWN) return -1;
      f->start[pw] = st;
    }
    size_t last = SIZE_MAX, q = p, row = (size_t)st * 256;
    for (;;) {
      /* two bytes at a time while the pair table allows, then one single step (or, without a
       * pair table, single steps until something special) */
      if (f->pair) pair_scan(re, f, s, n, &q, &row, &last);
      /* the scan: real states' transition values are >= 2 * 512 (states 0 and 1 are dead and
       * "not built"), so one comparison leaves the loop for everything else */
      const uint32_t *trans = f->trans;
      const unsigned char *sp = s + q, *se = s + n, *lastp = NULL;
      const unsigned char *lim = f->pair && sp < se ? sp + 1 : se;
      uint32_t v = 0;
      while (sp < lim) {
        v = trans[row + *sp];
        if (v < 2 * 2 * 256) break;
        lastp = (v & 1) ? sp : lastp; /* a match ends before *sp */
        row = v >> 1;
        sp++;
      }
      if (lastp) last = (size_t)(lastp - s);
      q = (size_t)(sp - s);
      if (sp == se) break;
      if (sp == lim) continue; /* the one single step went through: pairs again */
      if (v == DFA_UNBUILT) {
        if (s[q] >= 0x80) return -1;
        if (dfa_step(re, f, (uint32_t)(row / 256), s[q]) == DFA_UNKNOWN) return -1;
        continue;
      }
      if ((v >> 1) == DFA_DIGITS >> 1) { /* a run of digits that keeps the state */
        size_t r = digit_run_end(s, n, q);
        if (v & 1) last = r - 1; /* a match ends before each of them */
        q = r;
        continue;
      }
      if (v & 1) last = q; /* to the dead state */
      row = DFA_DEAD_ROW;
      q++;
      break;
    }
    if (row != DFA_DEAD_ROW && q == n && dfa_end(re, f, (uint32_t)(row / 256))) last = n;
    if (last != SIZE_MAX) {
      *me = last;
      return 1;
    }
    if (anchored || p >= n) return 0;
    size_t cost = q - p + 1;
    if (cost >= budget) {
      *ms = p + 1; /* s[p] is ASCII (a run over it happened), so p + 1 starts a character */
      return -1;
    }
    budget -= cost;
    p++;
  }
}

/* ------------------------------------------------------------------ dispatch */

static int do_search(aw_regex *re, const unsigned char *s, size_t n, size_t from, int anchored, size_t must_adv,
                     int full, aw_regex_span *spans, size_t nspans) {
  if (from > n) return 0;
  size_t ncap = 2 * (nspans > 0 ? nspans : 1);
  if (ncap > 2 * (re->ngroups + 1)) ncap = 2 * (re->ngroups + 1);
  if (ensure_caps(re, 2 * (re->ngroups + 1))) return -1;
  if (re->anchored) {
    if (from > 0) return 0; /* ^ and \A only match at 0 */
    anchored = 1;
  }
  /* a byte every match contains must occur in what is left of the text (as often as a match
   * holds it) */
  if (re->req_byte >= 0 && !memchr(s + from, re->req_byte, n - from)) return 0;
  if (too_few(re, s, n, from)) return 0;
  if (re->dfa_ok && re->engine == 0 && nspans <= 1 && !full) {
    size_t ms, me;
    int r = dfa_search(re, s, n, from, anchored, &ms, &me);
    if (r >= 0) {
      if (r == 1) {
        re->best[0] = ms;
        re->best[1] = me;
        if (spans && nspans) {
          spans[0].start = ms;
          spans[0].end = me;
        }
      }
      return r;
    }
    from = ms; /* no match starts before ms: the VM goes on from there */
  }
  int use_pike = re->engine == 2;
  if (!use_pike && re->engine != 1) use_pike = (n - from + 1) > AW_REGEX_BITSTATE_MAX_BITS / re->bt.n;
  int r = use_pike ? pk_search(re, s, n, from, anchored, must_adv, full, ncap)
                   : bt_search(re, s, n, from, anchored, must_adv, full, ncap);
  if (r == 1 && spans) {
    for (size_t g = 0; g < nspans; g++) {
      if (2 * g + 1 < ncap && re->best[2 * g] != AW_REGEX_UNSET && re->best[2 * g + 1] != AW_REGEX_UNSET) {
        spans[g].start = re->best[2 * g];
        spans[g].end = re->best[2 * g + 1];
      } else {
        spans[g].start = spans[g].end = AW_REGEX_UNSET;
      }
    }
  }
  return r;
}

int aw_regex_search(aw_regex *re, const char *text, size_t n, size_t from, aw_regex_span *spans, size_t nspans) {
  if (!re || (!text && n)) return 0;
  return do_search(re, (const unsigned char *)(text ? text : ""), n, from, 0, SIZE_MAX, 0, spans, nspans);
}

int aw_regex_match(aw_regex *re, const char *text, size_t n, size_t from, aw_regex_span *spans, size_t nspans) {
  if (!re || (!text && n)) return 0;
  return do_search(re, (const unsigned char *)(text ? text : ""), n, from, 1, SIZE_MAX, 0, spans, nspans);
}

int aw_regex_fullmatch(aw_regex *re, const char *text, size_t n, aw_regex_span *spans, size_t nspans) {
  /* Python's fullmatch keeps backtracking until a match ends at the end of the text, which is
   * what the `full` flag does to MATCH (not "match, then compare the end"). */
  if (!re || (!text && n)) return 0;
  return do_search(re, (const unsigned char *)(text ? text : ""), n, 0, 1, SIZE_MAX, 1, spans, nspans);
}

long aw_regex_foreach(aw_regex *re, const char *text, size_t n, aw_regex_span *spans, size_t nspans,
                      aw_regex_each_fn fn, void *ud) {
  if (!re || !fn || !spans || nspans == 0 || (!text && n)) return -1;
  const unsigned char *s = (const unsigned char *)(text ? text : "");
  size_t pos = 0, must = SIZE_MAX;
  long count = 0;
  while (pos <= n) {
    int r = do_search(re, s, n, pos, 0, must, 0, spans, nspans);
    if (r < 0) return -1;
    if (r == 0) break;
    count++;
    if (fn(ud, spans, nspans)) break;
    /* Python 3.7+: the next match may start where this one ended, but may not be empty there
     * when this one was empty too. */
    must = spans[0].end == spans[0].start ? spans[0].end : SIZE_MAX;
    pos = spans[0].end;
  }
  return count;
}

/* The memo slot for s[0..n) (1 <= n <= MEMO_TEXT) and its class string in *k0, *k1; NULL when
 * the text has a byte >= 0x80 (the DFA hands those to the VM) or the memo cannot be allocated. */
static memo_slot *memo_find(dfa_t *f, const unsigned char *s, size_t n, uint64_t *k0, uint64_t *k1) {
  if (aw_class_key(f->bc, s, n, k0, k1) & 0x80) return NULL;
  if (!f->memo && !(f->memo = (memo_slot *)aw_calloc_array(MEMO_SLOTS, sizeof(memo_slot)))) return NULL;
  return &f->memo[aw_class_key_slot(*k0, *k1, n, MEMO_SLOTS)];
}

/* aw_regex_sub; with spo, also the first spans (aw_regex_sub_spans). */
static AW_ALWAYS_INLINE aw_status sub_impl(aw_regex *re, const char *text, size_t n, const char *repl, size_t repl_len,
                                           aw_buf *out, size_t *count, size_t *spo, aw_error *err) {
  if (count) *count = 0;
  if (!re || !out || (!text && n) || (!repl && repl_len)) return aw_error_set(err, AW_ERR_ARG, "aw_regex_sub: bad arguments");
  const unsigned char *s = (const unsigned char *)(text ? text : "");
  size_t pos = 0, copied = 0, must = SIZE_MAX, k = 0;
  aw_regex_span sp;
  /* a short text whose shape was seen before: its matches come from the memo */
  memo_slot *slot = NULL;
  uint64_t k0 = 0, k1 = 0;
  size_t rec[2 * MEMO_SPANS];
  if (re->dfa_ok && re->engine == 0 && re->dfa && re->dfa->pair && n > 0 && n <= MEMO_TEXT &&
      (slot = memo_find(re->dfa, s, n, &k0, &k1)) != NULL && slot->n == n && slot->k0 == k0 && slot->k1 == k1) {
    if (aw_splice_spans(out, s, n, slot->sp, slot->nsp, repl, repl_len)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    if (count) *count = slot->nsp;
    if (spo)
      for (size_t j = 0; j < 2 * (size_t)slot->nsp && j < 2 * AW_REGEX_SUB_SPANS; j++) spo[j] = slot->sp[j];
    return AW_OK;
  }
  if (too_few(re, s, n, 0)) pos = n + 1; /* no match at all: the text is copied as it is */
  else if (re->dfa_ok && re->engine == 0 && (n < 64 || !(re->req_byte >= 0 && !memchr(s, re->req_byte, n)))) {
    /* the DFA directly (what do_search would do, without its per-call set-up); the pattern
     * cannot match empty, so `must` stays unused */
    size_t ms = n, me = n;
    int r = 0;
    /* (a match needs at least one character, so none starts at n) */
    while (pos < n && (r = dfa_search(re, s, n, pos, 0, &ms, &me)) == 1) {
      if (aw_buf_add(out, s + copied, ms - copied) || aw_buf_add(out, repl, repl_len))
        return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      if (k < MEMO_SPANS) rec[2 * k] = ms, rec[2 * k + 1] = me;
      copied = pos = me;
      k++;
    }
    if (r >= 0) pos = n + 1; /* no more matches */
    else pos = ms;           /* the loop below goes on (VM) from ms: no match starts in [pos, ms) */
  }
  while (pos <= n) {
    int r = do_search(re, s, n, pos, 0, must, 0, &sp, 1);
    if (r < 0) return aw_error_set(err, AW_ERR_NOMEM, "out of memory in regex search");
    if (r == 0) break;
    if (aw_buf_append(out, s + copied, sp.start - copied) || aw_buf_append(out, repl, repl_len))
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    if (k < MEMO_SPANS) rec[2 * k] = sp.start, rec[2 * k + 1] = sp.end;
    copied = sp.end;
    k++;
    must = sp.end == sp.start ? sp.end : SIZE_MAX;
    pos = sp.end;
  }
  if (aw_buf_add(out, s + copied, n - copied)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (count) *count = k;
  if (spo)
    for (size_t j = 0; j < 2 * k && j < 2 * AW_REGEX_SUB_SPANS; j++) spo[j] = rec[j];
  if (slot && k <= MEMO_SPANS) { /* remember this shape's matches (the slot's earlier shape is dropped) */
    slot->k0 = k0;
    slot->k1 = k1;
    slot->n = (uint8_t)n;
    slot->nsp = (uint8_t)k;
    for (size_t j = 0; j < 2 * k; j++) slot->sp[j] = (uint8_t)rec[j];
  }
  return AW_OK;
}

aw_status aw_regex_sub(aw_regex *re, const char *text, size_t n, const char *repl, size_t repl_len, aw_buf *out,
                       size_t *count, aw_error *err) {
  return sub_impl(re, text, n, repl, repl_len, out, count, NULL, err);
}

aw_status aw_regex_sub_spans(aw_regex *re, const char *text, size_t n, const char *repl, size_t repl_len, aw_buf *out,
                             size_t *count, size_t sp[2 * AW_REGEX_SUB_SPANS], aw_error *err) {
  return sub_impl(re, text, n, repl, repl_len, out, count, sp, err);
}

int aw_regex_ascii_classes(aw_regex *re, uint8_t cls[128]) {
  /* the conditions under which aw_regex_sub trusts its memo (the same classes) */
  if (!re || !re->dfa_ok || re->engine != 0) return 0;
  if (!re->dfa && !(re->dfa = dfa_new(re))) return 0;
  if (!re->dfa->pair) return 0;
  memcpy(cls, re->dfa->bc, 128);
  return 1;
}

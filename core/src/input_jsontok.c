/* input_jsontok.c - the streaming JSON tokenizer of internal/jsontok.h (used by the prom_json and
 * windows input kinds). A byte-at-a-time state machine: nothing but the token being read is kept,
 * so memory is bounded by max_string and max_depth whatever the file's size. */
#include <stdio.h>
#include <string.h>

#include "internal/jsontok.h"

enum {
  S_VALUE,      /* expecting a value */
  S_AFTER,      /* after a value: ',' or the container's end (or end of document) */
  S_KEY,        /* in an object, expecting a key (or '}' right after '{') */
  S_COLON,      /* after a key */
  S_STRING,     /* inside a string */
  S_ESC,        /* after a backslash */
  S_UHEX,       /* reading \uXXXX digits */
  S_NUMBER,     /* inside a number */
  S_LITERAL     /* inside true/false/null */
};

struct aw_jt {
  char name[AW_ERROR_FILE_MAX];
  aw_jt_fn fn;
  void *ud;
  size_t max_string;
  int max_depth;
  char *stack; /* '{' or '[' per open container */
  int depth;
  int state;
  int first_in_container; /* right after '{' or '[' (an end is allowed, a ',' is not) */
  int string_is_key;
  int done; /* the top-level value is complete */
  int bom;  /* bytes of a leading UTF-8 byte order mark matched so far (-1 once past the start) */
  /* token buffer */
  char *buf;
  size_t len, cap;
  /* \u handling */
  unsigned hex, nhex;
  unsigned high; /* pending high surrogate, 0 if none */
  /* literal matching */
  const char *lit;
  size_t litpos;
  aw_jt_kind litkind;
  /* positions */
  uint64_t line, col;       /* of the next byte */
  uint64_t tline, tcol;     /* where the current token started */
};

aw_jt *aw_jt_new(const char *name, size_t max_string, int max_depth, aw_jt_fn fn, void *ud, aw_error *err) {
  if (!fn || max_depth < 1 || max_string < 16) {
    aw_error_set(err, AW_ERR_ARG, "aw_jt_new: bad arguments");
    return NULL;
  }
  aw_jt *j = (aw_jt *)AW_CALLOC(1, sizeof *j);
  if (j) j->stack = (char *)AW_MALLOC((size_t)max_depth);
  if (!j || !j->stack) {
    if (j) AW_FREE(j);
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  snprintf(j->name, sizeof j->name, "%s", name ? name : "");
  j->fn = fn;
  j->ud = ud;
  j->max_string = max_string;
  j->max_depth = max_depth;
  j->state = S_VALUE;
  j->line = 1;
  j->col = 1;
  return j;
}

void aw_jt_free(aw_jt *j) {
  if (!j) return;
  AW_FREE(j->stack);
  AW_FREE(j->buf);
  AW_FREE(j);
}

uint64_t aw_jt_line(const aw_jt *j) { return j->line; }

static aw_status syntax(aw_jt *j, aw_error *err, const char *what) {
  return aw_error_at(err, AW_ERR_PARSE, j->name, j->line, j->col, "JSON: %s", what);
}

static aw_status put(aw_jt *j, char c, aw_error *err) {
  if (j->len + 1 >= j->max_string)
    return aw_error_at(err, AW_ERR_LIMIT, j->name, j->tline, j->tcol, "JSON: a %s longer than %zu bytes",
                       j->state == S_NUMBER ? "number" : "string", j->max_string);
  if (j->len + 2 > j->cap) {
    size_t cap = j->cap;
    if (aw_grow((void **)&j->buf, &cap, j->len + 2, 1)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    j->cap = cap;
  }
  j->buf[j->len++] = c;
  return AW_OK;
}

static aw_status put_utf8(aw_jt *j, unsigned cp, aw_error *err) {
  aw_status st = AW_OK;
  if (cp < 0x80) st = put(j, (char)cp, err);
  else if (cp < 0x800) {
    if (!(st = put(j, (char)(0xC0 | (cp >> 6)), err))) st = put(j, (char)(0x80 | (cp & 0x3F)), err);
  } else if (cp < 0x10000) {
    if (!(st = put(j, (char)(0xE0 | (cp >> 12)), err)) && !(st = put(j, (char)(0x80 | ((cp >> 6) & 0x3F)), err)))
      st = put(j, (char)(0x80 | (cp & 0x3F)), err);
  } else {
    if (!(st = put(j, (char)(0xF0 | (cp >> 18)), err)) && !(st = put(j, (char)(0x80 | ((cp >> 12) & 0x3F)), err)) &&
        !(st = put(j, (char)(0x80 | ((cp >> 6) & 0x3F)), err)))
      st = put(j, (char)(0x80 | (cp & 0x3F)), err);
  }
  return st;
}

static aw_status emit(aw_jt *j, aw_jt_kind kind, aw_error *err) {
  aw_jt_token t;
  t.kind = kind;
  if (j->buf) j->buf[j->len] = 0;
  t.s = j->buf ? j->buf : "";
  t.n = j->len;
  t.line = j->tline;
  t.column = j->tcol;
  t.depth = j->depth;
  return j->fn(j->ud, &t, err);
}

/* A value just ended: what may come next. */
static void value_done(aw_jt *j) {
  j->first_in_container = 0;
  if (j->depth == 0) j->done = 1;
  j->state = S_AFTER;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int number_ok(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i >= n) return 0;
  if (s[i] == '0') i++;
  else if (s[i] >= '1' && s[i] <= '9') while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  else return 0;
  if (i < n && s[i] == '.') {
    i++;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == d) return 0;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == d) return 0;
  }
  return i == n;
}

static aw_status end_number(aw_jt *j, aw_error *err) {
  if (!number_ok(j->buf, j->len)) {
    if (j->buf) j->buf[j->len] = 0;
    return aw_error_at(err, AW_ERR_PARSE, j->name, j->tline, j->tcol, "JSON: '%.40s' is not a number", j->buf ? j->buf : "");
  }
  aw_status st = emit(j, AW_JT_NUMBER, err);
  value_done(j);
  return st;
}

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* One byte in a structural state (not inside a string/number/literal). */
static aw_status structural(aw_jt *j, unsigned char c, aw_error *err) {
  if (is_ws(c)) return AW_OK;
  j->tline = j->line;
  j->tcol = j->col;
  switch (j->state) {
    case S_KEY:
      if (c == '"') {
        j->state = S_STRING;
        j->string_is_key = 1;
        j->len = 0;
        return AW_OK;
      }
      if (c == '}' && j->first_in_container) break; /* handled below as an end */
      return syntax(j, err, "expected a key (a string in double quotes)");
    case S_COLON:
      if (c == ':') {
        j->state = S_VALUE;
        return AW_OK;
      }
      return syntax(j, err, "expected ':' after a key");
    case S_AFTER:
      if (j->depth == 0) return syntax(j, err, "text after the end of the JSON document");
      if (c == ',') {
        j->state = j->stack[j->depth - 1] == '{' ? S_KEY : S_VALUE;
        j->first_in_container = 0;
        return AW_OK;
      }
      break; /* an end, below */
    case S_VALUE:
      if (j->done) return syntax(j, err, "text after the end of the JSON document");
      if (c == '"') {
        j->state = S_STRING;
        j->string_is_key = 0;
        j->len = 0;
        return AW_OK;
      }
      if (c == '{' || c == '[') {
        if (j->depth >= j->max_depth) return syntax(j, err, "nested too deeply");
        j->stack[j->depth++] = (char)c;
        j->len = 0;
        j->depth--; /* the begin token is reported at the outer depth */
        aw_status st = emit(j, c == '{' ? AW_JT_OBJ_BEGIN : AW_JT_ARR_BEGIN, err);
        j->depth++;
        if (st) return st;
        j->state = c == '{' ? S_KEY : S_VALUE;
        j->first_in_container = 1;
        return AW_OK;
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        j->state = S_NUMBER;
        j->len = 0;
        return put(j, (char)c, err);
      }
      if (c == 't' || c == 'f' || c == 'n') {
        j->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
        j->litkind = c == 't' ? AW_JT_TRUE : c == 'f' ? AW_JT_FALSE : AW_JT_NULL;
        j->litpos = 1;
        j->state = S_LITERAL;
        return AW_OK;
      }
      if (c == ']' && j->first_in_container && j->depth > 0 && j->stack[j->depth - 1] == '[') break;
      if (c == ']' || c == '}') return syntax(j, err, c == ']' && j->depth > 0 ? "a value is missing before ']' (trailing comma?)" : "unexpected end of a container");
      return syntax(j, err, "expected a value");
    default:
      return syntax(j, err, "internal state");
  }
  /* c ends the innermost container */
  if (j->depth == 0) return syntax(j, err, "unexpected end of a container");
  char open = j->stack[j->depth - 1];
  if ((c == '}' && open != '{') || (c == ']' && open != '[')) return syntax(j, err, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
  if (c != '}' && c != ']') return syntax(j, err, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
  j->depth--;
  j->len = 0;
  aw_status st = emit(j, c == '}' ? AW_JT_OBJ_END : AW_JT_ARR_END, err);
  if (st) return st;
  value_done(j);
  return AW_OK;
}

aw_status aw_jt_feed(aw_jt *j, const void *data, size_t n, aw_error *err) {
  const unsigned char *p = (const unsigned char *)data;
  aw_status st = AW_OK;
  for (size_t i = 0; i < n && !st; i++) {
    unsigned char c = p[i];
    if (j->bom >= 0) {
      /* a UTF-8 byte order mark at the very start is skipped */
      static const unsigned char mark[3] = {0xEF, 0xBB, 0xBF};
      if (c == mark[j->bom]) {
        if (++j->bom == 3) j->bom = -1;
        continue;
      }
      if (j->bom > 0) return syntax(j, err, "a damaged byte order mark at the start");
      j->bom = -1;
    }
    switch (j->state) {
      case S_STRING:
        if (c == '"') {
          if (j->high) return syntax(j, err, "a lone UTF-16 high surrogate in a string");
          st = emit(j, j->string_is_key ? AW_JT_KEY : AW_JT_STRING, err);
          if (j->string_is_key) j->state = S_COLON;
          else value_done(j);
        } else if (c == '\\') {
          j->state = S_ESC;
        } else if (c < 0x20) {
          return syntax(j, err, c == '\n' ? "a string is not closed before the line end" : "a control character inside a string");
        } else {
          if (j->high) return syntax(j, err, "a lone UTF-16 high surrogate in a string");
          st = put(j, (char)c, err);
        }
        break;
      case S_ESC: {
        const char *esc = "\"\\/bfnrt";
        const char *rep = "\"\\/\b\f\n\r\t";
        const char *k = c ? strchr(esc, c) : NULL;
        if (c == 'u') {
          j->state = S_UHEX;
          j->hex = 0;
          j->nhex = 0;
        } else if (k) {
          if (j->high) return syntax(j, err, "a lone UTF-16 high surrogate in a string");
          st = put(j, rep[k - esc], err);
          j->state = S_STRING;
        } else {
          return syntax(j, err, "an invalid escape in a string");
        }
        break;
      }
      case S_UHEX: {
        unsigned v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return syntax(j, err, "\\u needs four hex digits");
        j->hex = j->hex * 16 + v;
        if (++j->nhex == 4) {
          unsigned cp = j->hex;
          j->state = S_STRING;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (j->high) return syntax(j, err, "a lone UTF-16 high surrogate in a string");
            j->high = cp;
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            if (!j->high) return syntax(j, err, "a lone UTF-16 low surrogate in a string");
            st = put_utf8(j, 0x10000 + ((j->high - 0xD800) << 10) + (cp - 0xDC00), err);
            j->high = 0;
          } else {
            if (j->high) return syntax(j, err, "a lone UTF-16 high surrogate in a string");
            st = put_utf8(j, cp, err);
          }
        }
        break;
      }
      case S_NUMBER:
        if ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
          st = put(j, (char)c, err);
        } else {
          st = end_number(j, err);
          if (!st) st = structural(j, c, err);
        }
        break;
      case S_LITERAL:
        if (c != (unsigned char)j->lit[j->litpos]) return syntax(j, err, "expected a value (true, false, null, a number, a string, { or [)");
        if (j->lit[++j->litpos] == 0) {
          j->len = 0;
          st = emit(j, j->litkind, err);
          value_done(j);
        }
        break;
      default:
        st = structural(j, c, err);
    }
    if (c == '\n') {
      j->line++;
      j->col = 1;
    } else if ((c & 0xC0) != 0x80) {
      j->col++; /* columns count characters, not UTF-8 continuation bytes */
    }
  }
  return st;
}

aw_status aw_jt_finish(aw_jt *j, aw_error *err) {
  if (j->state == S_NUMBER) {
    aw_status st = end_number(j, err);
    if (st) return st;
  }
  if (j->state == S_STRING || j->state == S_ESC || j->state == S_UHEX) return syntax(j, err, "the file ends inside a string");
  if (j->state == S_LITERAL) return syntax(j, err, "the file ends inside a literal");
  if (j->depth > 0) return syntax(j, err, j->stack[j->depth - 1] == '{' ? "the file ends inside an object (missing '}')" : "the file ends inside an array (missing ']')");
  if (!j->done) return syntax(j, err, "empty document (no JSON value)");
  return AW_OK;
}

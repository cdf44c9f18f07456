/* internal/jsontok.h - a streaming JSON tokenizer (SAX style) for input kinds that read JSON files
 * of any size in bounded memory (Prometheus range queries, label windows).
 *
 * Feed it chunks of any size (a token may span chunks); it calls `fn` for every token, in order,
 * with the 1-based line and column where the token starts. Strings are unescaped (\uXXXX with
 * surrogate pairs becomes UTF-8; a lone surrogate is an error) and delivered whole, so a string
 * longer than max_string is an error, as is nesting deeper than max_depth. Numbers are delivered
 * as their text (checked against the JSON grammar). Syntax errors are AW_ERR_PARSE with the file
 * name, line and column. A callback returning non-OK stops the tokenizer with that status.
 *
 *   aw_jt *j = aw_jt_new("data.json", 1 << 20, 64, on_token, ud, &err);
 *   while (...) if (aw_jt_feed(j, buf, n, &err)) break;
 *   aw_jt_finish(j, &err);   // the document must be complete
 *   aw_jt_free(j);
 */
#ifndef AW_INTERNAL_JSONTOK_H
#define AW_INTERNAL_JSONTOK_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

typedef enum aw_jt_kind {
  AW_JT_OBJ_BEGIN,
  AW_JT_OBJ_END,
  AW_JT_ARR_BEGIN,
  AW_JT_ARR_END,
  AW_JT_KEY,    /* an object key (s, n) */
  AW_JT_STRING, /* a string value (s, n); not NUL-terminated beyond n, may contain NUL (\u0000) */
  AW_JT_NUMBER, /* a number's text (s, n) */
  AW_JT_TRUE,
  AW_JT_FALSE,
  AW_JT_NULL
} aw_jt_kind;

typedef struct aw_jt_token {
  aw_jt_kind kind;
  const char *s; /* KEY, STRING, NUMBER: the text (valid during the callback; NUL-terminated) */
  size_t n;
  uint64_t line, column; /* where the token starts */
  int depth;             /* containers open around the token (0 at the top level) */
} aw_jt_token;

typedef aw_status (*aw_jt_fn)(void *ud, const aw_jt_token *t, aw_error *err);

typedef struct aw_jt aw_jt;

/* name is copied (messages); max_string bounds keys/strings/numbers; max_depth bounds nesting. */
aw_jt *aw_jt_new(const char *name, size_t max_string, int max_depth, aw_jt_fn fn, void *ud, aw_error *err);
aw_status aw_jt_feed(aw_jt *j, const void *data, size_t n, aw_error *err);
/* Ends the input: fails unless exactly one complete value was read (white space may follow). */
aw_status aw_jt_finish(aw_jt *j, aw_error *err);
/* Current position (1-based), e.g. for messages from callbacks about the latest token's end. */
uint64_t aw_jt_line(const aw_jt *j);
void aw_jt_free(aw_jt *j);

#endif

/* regex_sub_check.h - re.sub by the automatic engine (the lazy DFA and its memo of results) and
 * by the backtracker, compared; used by tests/c/test_regex.c and tests/fuzz/fuzz_regex.c. */
#ifndef AW_TESTS_REGEX_SUB_CHECK_H
#define AW_TESTS_REGEX_SUB_CHECK_H

#include <string.h>

#include "aw/regex.h"

/* Runs sub(re, "<*>", text) with engine 0 into *o0 (count *k0) and engine 1 into *o1 (*k1);
 * returns 1 when both give the same text and count. The caller frees o0 and o1. */
static inline int sub_engines_agree(aw_regex *re, const char *text, size_t n, aw_buf *o0, size_t *k0, aw_buf *o1,
                                    size_t *k1) {
  aw_error err;
  *k0 = *k1 = 0;
  aw_regex_set_engine(re, 0);
  aw_regex_sub(re, text, n, "<*>", 3, o0, k0, &err);
  aw_regex_set_engine(re, 1);
  aw_regex_sub(re, text, n, "<*>", 3, o1, k1, &err);
  return *k0 == *k1 && o0->len == o1->len && (o0->len == 0 || memcmp(o0->data, o1->data, o0->len) == 0);
}

#endif

/* fuzz_regex.c - libFuzzer target for the regex matcher. Input: a pattern, a NUL byte, a text.
 * Checks that compiling never crashes and that the two engines (memoizing backtracker and Pike
 * VM) agree on search, match, fullmatch and sub - a differential oracle for the matcher - and
 * that the automatic engine, which runs group-free searches and sub on the lazy DFA, finds the
 * same matches as the backtracker. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aw/regex.h"
#include "../c/regex_sub_check.h"

static void agree(int cond) {
  if (!cond) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = (const uint8_t *)memchr(data, 0, size);
  size_t plen = nul ? (size_t)(nul - data) : size;
  if (plen > 300) return 0;
  const char *text = nul ? (const char *)nul + 1 : "";
  size_t tlen = nul ? size - plen - 1 : 0;
  if (tlen > 4000) tlen = 4000;
  aw_regex *re = NULL;
  aw_error err;
  if (aw_regex_compile((const char *)data, plen, &re, &err) != AW_OK) return 0;
  size_t ng = aw_regex_group_count(re) + 1;
  if (ng > 16) ng = 16;
  aw_regex_span a[16], b[16];
  for (size_t from = 0; from <= tlen && from < 3; from++) {
    aw_regex_set_engine(re, 1);
    int r1 = aw_regex_search(re, text, tlen, from, a, ng);
    aw_regex_set_engine(re, 2);
    int r2 = aw_regex_search(re, text, tlen, from, b, ng);
    agree(r1 == r2);
    if (r1 == 1) agree(memcmp(a, b, ng * sizeof a[0]) == 0);
    aw_regex_set_engine(re, 1);
    r1 = aw_regex_match(re, text, tlen, from, a, ng);
    aw_regex_set_engine(re, 2);
    r2 = aw_regex_match(re, text, tlen, from, b, ng);
    agree(r1 == r2);
    if (r1 == 1) agree(memcmp(a, b, ng * sizeof a[0]) == 0);
  }
  /* the lazy DFA (engine 0, no groups asked) against the backtracker */
  for (size_t from = 0; from <= tlen && from < 3; from++) {
    aw_regex_set_engine(re, 0);
    int r0 = aw_regex_search(re, text, tlen, from, a, 1);
    aw_regex_set_engine(re, 1);
    int r1 = aw_regex_search(re, text, tlen, from, b, 1);
    agree(r0 == r1);
    if (r0 == 1) agree(a[0].start == b[0].start && a[0].end == b[0].end);
    aw_regex_set_engine(re, 0);
    r0 = aw_regex_match(re, text, tlen, from, a, 1);
    aw_regex_set_engine(re, 1);
    r1 = aw_regex_match(re, text, tlen, from, b, 1);
    agree(r0 == r1);
    if (r0 == 1) agree(a[0].start == b[0].start && a[0].end == b[0].end);
  }
  {
    aw_buf o0 = {0}, o1 = {0};
    size_t k0, k1;
    agree(sub_engines_agree(re, text, tlen, &o0, &k0, &o1, &k1));
    aw_buf_free(&o0);
    aw_buf_free(&o1);
  }
  aw_regex_set_engine(re, 1);
  int f1 = aw_regex_fullmatch(re, text, tlen, a, ng);
  aw_regex_set_engine(re, 2);
  int f2 = aw_regex_fullmatch(re, text, tlen, b, ng);
  agree(f1 == f2);
  if (f1 == 1) agree(memcmp(a, b, ng * sizeof a[0]) == 0);
  aw_buf o1 = {0}, o2 = {0};
  size_t k1 = 0, k2 = 0;
  aw_regex_set_engine(re, 1);
  aw_regex_sub(re, text, tlen, "<*>", 3, &o1, &k1, &err);
  aw_regex_set_engine(re, 2);
  aw_regex_sub(re, text, tlen, "<*>", 3, &o2, &k2, &err);
  agree(k1 == k2 && o1.len == o2.len && (o1.len == 0 || memcmp(o1.data, o2.data, o1.len) == 0));
  aw_buf_free(&o1);
  aw_buf_free(&o2);
  aw_regex_free(re);
  return 0;
}

/* internal/regex_shape.h - what a caller needs to remember regex results by text shape (regex.c's
 * re.sub memo, Drain's mask memo in drain.c): the pattern's ASCII byte classes, re.sub with the
 * spans it replaced (both implemented in regex.c), a text's class string and its memo slot, and
 * re.sub's output rebuilt from remembered spans. */
#ifndef AW_INTERNAL_REGEX_SHAPE_H
#define AW_INTERNAL_REGEX_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "aw/regex.h"
#include "internal/buf_fast.h"
#include "internal/compiler.h"

#define AW_REGEX_SUB_SPANS 4 /* spans aw_regex_sub_spans reports */

/* aw_class_key's word: the classes of s[*ip..e) (at most sixteen), shifted in from the right;
 * ORs the bytes into *high and moves *ip to e. */
static AW_ALWAYS_INLINE uint64_t aw_class_word(const uint8_t cls[256], const unsigned char *s, size_t *ip, size_t e,
                                               unsigned *high) {
  size_t i = *ip;
  uint64_t a = 0;
  for (; i + 4 <= e; i += 4) {
    unsigned x0 = s[i], x1 = s[i + 1], x2 = s[i + 2], x3 = s[i + 3];
    *high |= x0 | x1 | x2 | x3;
    a = a << 16 | (uint64_t)((unsigned)cls[x0] << 12 | (unsigned)cls[x1] << 8 | (unsigned)cls[x2] << 4 | cls[x3]);
  }
  for (; i < e; i++) {
    *high |= s[i];
    a = a << 4 | cls[s[i]];
  }
  *ip = i;
  return a;
}

/* The class string of s[0..n) (n <= 32) under cls (a class below 16 for every byte), four bits
 * a byte: the first sixteen bytes' classes in *k0, the rest in *k1 (with the length, unique:
 * each word is shifted in from the right). Four classes are joined apart from the running key,
 * so its chain of shifts is a quarter as long. Returns the OR of the bytes (bit 7 set: a byte
 * >= 0x80). Memos of results by text shape key on it (regex.c memo_find, drain.c mask_memo). */
static AW_ALWAYS_INLINE unsigned aw_class_key(const uint8_t cls[256], const unsigned char *s, size_t n, uint64_t *k0,
                                              uint64_t *k1) {
  unsigned high = 0;
  size_t i = 0;
  *k0 = aw_class_word(cls, s, &i, n < 16 ? n : 16, &high);
  *k1 = aw_class_word(cls, s, &i, n, &high);
  return high;
}

/* The slot (below nslots, a power of two) of class string k0, k1 of a text of n bytes. */
static inline size_t aw_class_key_slot(uint64_t k0, uint64_t k1, size_t n, size_t nslots) {
  uint64_t h = (k0 * 0x9E3779B97F4A7C15ull) ^ (k1 * 0xBF58476D1CE4E5B9ull) ^ ((uint64_t)n * 0x94D049BB133111EBull);
  return (size_t)(h >> 40) & (nslots - 1);
}

/* Appends s[0..n) with the spans sp[0..2 nsp) (in order, apart) replaced by repl: re.sub's
 * output rebuilt from remembered spans. Returns 0, or -1 when out of memory. */
static inline int aw_splice_spans(aw_buf *out, const unsigned char *s, size_t n, const uint8_t *sp, size_t nsp,
                                  const char *repl, size_t repl_len) {
  size_t copied = 0;
  for (size_t j = 0; j < nsp; j++) {
    if (aw_buf_add(out, s + copied, sp[2 * j] - copied) || aw_buf_add(out, repl, repl_len)) return -1;
    copied = sp[2 * j + 1];
  }
  return aw_buf_add(out, s + copied, n - copied) ? -1 : 0;
}

/* Fills cls[b] (< 16) for each ASCII byte b so that bytes of one class are alike to the pattern:
 * every consuming instruction accepts or rejects them alike and \b sees them alike (the classes
 * of its DFA's pair table), so replacing bytes of an ASCII text by bytes of their classes changes
 * no match - the same spans, and re.sub replaces the same spans. Returns 1, or 0 when the
 * pattern has no such classes (the DFA cannot run it, or more than 15 ASCII classes) or memory
 * ran out. */
int aw_regex_ascii_classes(aw_regex *re, uint8_t cls[128]);

/* aw_regex_sub, and the spans it replaced: sp[2k], sp[2k + 1] = start and end of match k, for
 * the first min(*count, AW_REGEX_SUB_SPANS) matches. */
aw_status aw_regex_sub_spans(aw_regex *re, const char *text, size_t n, const char *repl, size_t repl_len, aw_buf *out,
                             size_t *count, size_t sp[2 * AW_REGEX_SUB_SPANS], aw_error *err);

#endif

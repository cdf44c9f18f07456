/* internal/utf8.h - UTF-8 decoding and the character classes shared by the regex matcher, the
 * log-format reader and Drain (not a public API).
 *
 * Decoding is strict (no overlong forms, no surrogates, nothing above U+10FFFF). A byte that does
 * not start a valid sequence is one character of its own, with the code point 0xDC00 + byte (the
 * "surrogateescape" convention): it is not a word, digit or space character. Because a valid
 * sequence cannot overlap another one, character boundaries found walking backwards
 * (aw_u8_prev) always agree with those found walking forwards.
 *
 * Classification follows Python 3's str methods as used by Python's `re` module and by Drain
 * (str.split(), str.isdigit()): exactly for ASCII and for the Unicode whitespace set; for other
 * code points it uses the tables below, which cover the decimal digits of the main scripts and
 * treat punctuation, symbol, arrow, box-drawing, emoji and private-use blocks as non-word
 * (every other non-ASCII character is a word character). docs/drain.md lists the differences.
 */
#ifndef AW_INTERNAL_UTF8_H
#define AW_INTERNAL_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define AW_U8_ESCAPE_BASE 0xDC00u

/* Decodes the character at s[i] (i < n). Returns its length in bytes (1..4) and stores the code
 * point in *cp. */
static inline size_t aw_u8_decode(const unsigned char *s, size_t n, size_t i, uint32_t *cp) {
  unsigned b = s[i];
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  size_t need;
  uint32_t c, lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
    c = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    c = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F; /* no surrogates */
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    c = b & 0x07;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    *cp = AW_U8_ESCAPE_BASE + b;
    return 1;
  }
  if (n - i - 1 < need) {
    *cp = AW_U8_ESCAPE_BASE + b;
    return 1;
  }
  for (size_t k = 1; k <= need; k++) {
    unsigned cb = s[i + k];
    if (cb < lo || cb > hi) {
      *cp = AW_U8_ESCAPE_BASE + b;
      return 1;
    }
    lo = 0x80;
    hi = 0xBF;
    c = (c << 6) | (cb & 0x3F);
  }
  *cp = c;
  return need + 1;
}

/* Start of the character that ends at position i (0 < i <= n, i a character boundary). */
static inline size_t aw_u8_prev(const unsigned char *s, size_t n, size_t i) {
  if (s[i - 1] < 0x80) return i - 1;
  for (size_t k = 2; k <= 4 && k <= i; k++) {
    unsigned b = s[i - k];
    if (b >= 0x80 && b < 0xC0) continue; /* continuation byte: look further back */
    uint32_t cp;
    if (aw_u8_decode(s, n, i - k, &cp) == k) return i - k;
    break;
  }
  return i - 1;
}

/* Length of the valid UTF-8 prefix of s[0..n) (== n when all of it is valid). */
static inline size_t aw_u8_valid_prefix(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t l = aw_u8_decode(s, n, i, &cp);
    if (l == 1) return i;
    i += l;
  }
  return n;
}

/* Python str.isspace() for code points >= 0x80 (ASCII handled by callers' tables). */
static inline int aw_uni_is_space(uint32_t c) {
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Unicode decimal digits (category Nd) of the main scripts, for code points >= 0x80. */
static inline int aw_uni_is_decimal(uint32_t c) {
  static const uint32_t starts[] = {0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
                                    0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090,
                                    0x17E0, 0x1810, 0x1946, 0x19D0, 0xA620, 0xA8D0, 0xA900, 0xFF10, 0x104A0,
                                    0x1D7CE};
  if (c < 0x0660) return 0;
  for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
    uint32_t hi = starts[i] == 0x1D7CE ? 0x1D7FF : starts[i] + 9;
    if (c >= starts[i] && c <= hi) return 1;
  }
  return 0;
}

/* Python str.isdigit() beyond ASCII: decimals plus superscript/subscript/circled digits. */
static inline int aw_uni_is_digit(uint32_t c) {
  if (c == 0xB2 || c == 0xB3 || c == 0xB9) return 1;
  if (c == 0x2070 || (c >= 0x2074 && c <= 0x2079) || (c >= 0x2080 && c <= 0x2089)) return 1;
  if ((c >= 0x2460 && c <= 0x2468) || (c >= 0x2474 && c <= 0x247C) || (c >= 0x2488 && c <= 0x2490)) return 1;
  if ((c >= 0x24F5 && c <= 0x24FD) || c == 0x24FF || (c >= 0x2776 && c <= 0x277E) || (c >= 0x2780 && c <= 0x2788) ||
      (c >= 0x278A && c <= 0x2792))
    return 1;
  return aw_uni_is_decimal(c);
}

/* Word character (Python: str.isalnum() or '_') for code points >= 0x80. */
static inline int aw_uni_is_word(uint32_t c) {
  if (c < 0xA0) return 0; /* C1 controls */
  if (c <= 0xBF) return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA || (c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7) return 0;
  if (c < 0x2000) return !aw_uni_is_space(c) && c != 0x37E && c != 0x387 && !(c >= 0x55A && c <= 0x55F) &&
                         c != 0x589 && c != 0x5BE && c != 0x5C0 && c != 0x5C3 && c != 0x5F3 && c != 0x5F4 &&
                         !(c >= 0x60C && c <= 0x60D) && c != 0x61B && c != 0x61F && !(c >= 0x66A && c <= 0x66D) &&
                         c != 0x6D4 && !(c >= 0x964 && c <= 0x965) && c != 0x970 && c != 0xE3F && c != 0x10FB &&
                         !(c >= 0x1360 && c <= 0x1368) && !(c >= 0x16EB && c <= 0x16ED);
  if (c <= 0x206F) return 0; /* general punctuation and spaces */
  if (c >= 0x2070 && c <= 0x209F) return c != 0x207A && c != 0x207B && c != 0x207C && c != 0x207D && c != 0x207E &&
                                         c != 0x208A && c != 0x208B && c != 0x208C && c != 0x208D && c != 0x208E;
  if (c >= 0x20A0 && c <= 0x20FF) return 0; /* currency, combining marks for symbols */
  if (c >= 0x2190 && c <= 0x245F) return 0; /* arrows, math operators, technical, control pictures */
  if (c >= 0x2500 && c <= 0x2775) return 0; /* box drawing, shapes, misc symbols, dingbats */
  if (c >= 0x2794 && c <= 0x2BFF) return 0; /* arrows, braille patterns are symbols too */
  if (c >= 0x2E00 && c <= 0x2E7F) return 0; /* supplemental punctuation */
  if ((c >= 0x3000 && c <= 0x3004) || (c >= 0x3008 && c <= 0x3020) || c == 0x3030 || c == 0x303D) return 0;
  if (c >= 0xD800 && c <= 0xF8FF) return 0; /* surrogates (escaped bytes), private use */
  if ((c >= 0xFE10 && c <= 0xFE6F) || (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
      (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) || (c >= 0xFFE0 && c <= 0xFFFF))
    return 0;
  if (c >= 0x1F000 && c <= 0x1FAFF) return 0; /* emoji and pictographs */
  if (c >= 0xF0000) return 0;                 /* supplementary private use */
  return 1;
}

/* Python's whitespace for str.split()/strip() and `\s`, for ASCII bytes. */
static inline int aw_ascii_is_space(unsigned b) {
  return b == ' ' || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F);
}

/* If s[i..n) starts with a whitespace character (Python's definition), returns its length in
 * bytes, else 0. */
static inline size_t aw_u8_space_len(const unsigned char *s, size_t n, size_t i) {
  unsigned b = s[i];
  if (b < 0x80) return aw_ascii_is_space(b) ? 1 : 0;
  if (b != 0xC2 && b != 0xE1 && b != 0xE2 && b != 0xE3) return 0;
  uint32_t cp;
  size_t l = aw_u8_decode(s, n, i, &cp);
  return aw_uni_is_space(cp) ? l : 0;
}

#endif

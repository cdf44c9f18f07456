/* internal/buf_fast.h - aw_buf_append's common case inline: the bytes fit in the buffer, and
 * short copies (tokens, masks' replacements) are done with word moves instead of a memcpy call
 * (which the WASM build does not inline). Same result as aw_buf_append. */
#ifndef AW_INTERNAL_BUF_FAST_H
#define AW_INTERNAL_BUF_FAST_H

#include <stdint.h>
#include <string.h>

#include "aw/core.h"
#include "internal/compiler.h"

/* Copies n <= 16 bytes with (overlapping) fixed-size moves. */
static AW_ALWAYS_INLINE void aw_copy16(unsigned char *d, const unsigned char *s, size_t n) {
  if (n >= 8) {
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + n - 8, 8);
    memcpy(d, &a, 8);
    memcpy(d + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, s, 4);
    memcpy(&b, s + n - 4, 4);
    memcpy(d, &a, 4);
    memcpy(d + n - 4, &b, 4);
  } else if (n) {
    d[0] = s[0];
    d[n / 2] = s[n / 2];
    d[n - 1] = s[n - 1];
  }
}

/* aw_buf_append(b, p, n) != AW_OK (the bytes, then a NUL after them), with the fitting case
 * inline. */
static AW_ALWAYS_INLINE int aw_buf_add(aw_buf *b, const void *p, size_t n) {
  if (n == 0) return 0;
  if (b->cap - b->len > n) {
    if (n <= 16) aw_copy16((unsigned char *)b->data + b->len, (const unsigned char *)p, n);
    else memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
  }
  return aw_buf_append(b, p, n) != AW_OK;
}

#endif

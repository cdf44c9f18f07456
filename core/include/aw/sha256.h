/* aw/sha256.h - incremental SHA-256 (FIPS 180-4), used to identify inputs in specs and links. */
#ifndef AW_SHA256_H
#define AW_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aw_sha256 {
  uint32_t h[8];
  uint64_t len;        /* bytes hashed so far */
  unsigned char buf[64];
  size_t nbuf;
} aw_sha256;

void aw_sha256_init(aw_sha256 *s);
void aw_sha256_update(aw_sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex characters plus a NUL into hex[65]. */
void aw_sha256_final_hex(aw_sha256 *s, char hex[65]);

#ifdef __cplusplus
}
#endif
#endif

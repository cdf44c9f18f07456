/* sha256.c - SHA-256 as specified in FIPS 180-4 section 6.2. */
#include "aw/sha256.h"

#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define S0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define S1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define G0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define G1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* One round with the working variables renamed instead of shifted (section 6.2.2, step 3). */
#define ROUND(a, b, c, d, e, f, g, h, k, w)      \
  do {                                           \
    uint32_t t1 = h + S1(e) + CH(e, f, g) + k + w; \
    uint32_t t2 = S0(a) + MAJ(a, b, c);          \
    d += t1;                                     \
    h = t1 + t2;                                 \
  } while (0)

static void block(aw_sha256 *s, const unsigned char *p) {
  uint32_t w[16];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
  for (int i = 0; i < 64; i += 8) {
    if (i >= 16) {
      /* the message schedule (step 1), kept in a 16-word ring */
      for (int k = 0; k < 8; k++) {
        int j = (i + k) & 15;
        w[j] += G1(w[(j + 14) & 15]) + w[(j + 9) & 15] + G0(w[(j + 1) & 15]);
      }
    }
    const uint32_t *kk = K + i, *ww = w + (i & 15);
    ROUND(a, b, c, d, e, f, g, h, kk[0], ww[0]);
    ROUND(h, a, b, c, d, e, f, g, kk[1], ww[1]);
    ROUND(g, h, a, b, c, d, e, f, kk[2], ww[2]);
    ROUND(f, g, h, a, b, c, d, e, kk[3], ww[3]);
    ROUND(e, f, g, h, a, b, c, d, kk[4], ww[4]);
    ROUND(d, e, f, g, h, a, b, c, kk[5], ww[5]);
    ROUND(c, d, e, f, g, h, a, b, kk[6], ww[6]);
    ROUND(b, c, d, e, f, g, h, a, kk[7], ww[7]);
  }
  s->h[0] += a;
  s->h[1] += b;
  s->h[2] += c;
  s->h[3] += d;
  s->h[4] += e;
  s->h[5] += f;
  s->h[6] += g;
  s->h[7] += h;
}

void aw_sha256_init(aw_sha256 *s) {
  static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, H0, sizeof H0);
  s->len = 0;
  s->nbuf = 0;
}

void aw_sha256_update(aw_sha256 *s, const void *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  s->len += n;
  if (s->nbuf) {
    size_t k = 64 - s->nbuf < n ? 64 - s->nbuf : n;
    memcpy(s->buf + s->nbuf, p, k);
    s->nbuf += k;
    p += k;
    n -= k;
    if (s->nbuf == 64) {
      block(s, s->buf);
      s->nbuf = 0;
    }
  }
  while (n >= 64) {
    block(s, p);
    p += 64;
    n -= 64;
  }
  if (n) {
    memcpy(s->buf, p, n);
    s->nbuf = n;
  }
}

void aw_sha256_final_hex(aw_sha256 *s, char hex[65]) {
  uint64_t bits = s->len * 8;
  unsigned char pad = 0x80;
  uint64_t len = s->len;
  aw_sha256_update(s, &pad, 1);
  unsigned char zero = 0;
  while (s->nbuf != 56) aw_sha256_update(s, &zero, 1);
  unsigned char lb[8];
  for (int i = 0; i < 8; i++) lb[i] = (unsigned char)(bits >> (56 - 8 * i));
  aw_sha256_update(s, lb, 8);
  s->len = len;
  static const char *d = "0123456789abcdef";
  for (int i = 0; i < 8; i++)
    for (int k = 0; k < 4; k++) {
      unsigned char byte = (unsigned char)(s->h[i] >> (24 - 8 * k));
      hex[8 * i + 2 * k] = d[byte >> 4];
      hex[8 * i + 2 * k + 1] = d[byte & 15];
    }
  hex[64] = '\0';
}

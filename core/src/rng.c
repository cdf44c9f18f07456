/* rng.c - xoshiro256** (Blackman & Vigna 2018) seeded by splitmix64; portable derived laws. */
#include "aw/rng.h"

#include <math.h>
#include <stddef.h>

#include "aw/math.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void aw_rng_seed(aw_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
  /* xoshiro must not start from the all-zero state; splitmix64 cannot produce four zeros, but
   * guard anyway since the state is public. */
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
  r->spare = 0;
  r->has_spare = 0;
}

void aw_rng_seed_stream(aw_rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = stream ^ 0xD1B54A32D192ED03ull;
  uint64_t mixed = seed ^ splitmix64(&x);
  aw_rng_seed(r, mixed);
}

uint64_t aw_rng_hash(const char *name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ull;
  }
  return h;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t aw_rng_u64(aw_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double aw_rng_uniform(aw_rng *r) { return (double)(aw_rng_u64(r) >> 11) * 0x1.0p-53; }

double aw_rng_uniform_range(aw_rng *r, double a, double b) { return a + (b - a) * aw_rng_uniform(r); }

uint64_t aw_rng_below(aw_rng *r, uint64_t n) {
  if (n == 0) return 0;
  /* rejection on the top of the range: unbiased, and uses only 64-bit integer arithmetic */
  uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x;
  do x = aw_rng_u64(r);
  while (x >= limit);
  return x % n;
}

double aw_rng_normal(aw_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do {
    u = 2.0 * aw_rng_uniform(r) - 1.0;
    v = 2.0 * aw_rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = sqrt(-2.0 * aw_log(s) / s);
  r->spare = v * f;
  r->has_spare = 1;
  return u * f;
}

int aw_rng_bernoulli(aw_rng *r, double p) {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return aw_rng_uniform(r) < p;
}

double aw_rng_exponential(aw_rng *r, double rate) {
  /* 1 - U is in (0, 1], so the log is finite */
  return -aw_log(1.0 - aw_rng_uniform(r)) / rate;
}

void aw_rng_shuffle_size(aw_rng *r, size_t *idx, size_t n) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)aw_rng_below(r, (uint64_t)i);
    size_t t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
}

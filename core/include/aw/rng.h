/* aw/rng.h - the one source of randomness: xoshiro256** seeded through splitmix64.
 *
 * Everything random in the workbench draws from an aw_rng that the caller seeds explicitly, so the
 * same seed gives the same stream bit for bit natively and in WASM (only integer arithmetic, IEEE
 * double arithmetic and aw_math's portable functions are used).
 *
 *   aw_rng r; aw_rng_seed(&r, 42);
 *   double u = aw_rng_uniform(&r);        // [0, 1)
 *   double z = aw_rng_normal(&r);         // N(0, 1)
 *
 * The struct is public so it can live on the stack or inside a module's object; treat the fields
 * as private.
 */
#ifndef AW_RNG_H
#define AW_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aw_rng {
  uint64_t s[4];
  double spare;   /* second normal deviate of the polar method */
  int has_spare;
} aw_rng;

/* Seeds r from a 64-bit seed (splitmix64 expands it into the 256-bit state). */
void aw_rng_seed(aw_rng *r, uint64_t seed);
/* Seeds an independent stream for (seed, stream): use one per component/step so that adding a
 * consumer does not shift the others' numbers. */
void aw_rng_seed_stream(aw_rng *r, uint64_t seed, uint64_t stream);
/* Derives a stream id from a name (FNV-1a 64), for aw_rng_seed_stream(r, seed, aw_rng_hash(name)). */
uint64_t aw_rng_hash(const char *name);

uint64_t aw_rng_u64(aw_rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double aw_rng_uniform(aw_rng *r);
/* Uniform double in [a, b). */
double aw_rng_uniform_range(aw_rng *r, double a, double b);
/* Uniform integer in [0, n) without modulo bias (n > 0; returns 0 for n == 0). */
uint64_t aw_rng_below(aw_rng *r, uint64_t n);
/* Standard normal N(0, 1) by Marsaglia's polar method. */
double aw_rng_normal(aw_rng *r);
/* 1 with probability p (p <= 0 never, p >= 1 always). */
int aw_rng_bernoulli(aw_rng *r, double p);
/* Exponential with the given rate (> 0). */
double aw_rng_exponential(aw_rng *r, double rate);
/* Fisher-Yates shuffle of n indices in place. */
void aw_rng_shuffle_size(aw_rng *r, size_t *idx, size_t n);

#ifdef __cplusplus
}
#endif
#endif

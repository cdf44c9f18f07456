/* synth_internal.h - helpers shared by the synth_*.c files (not part of the public API). */
#ifndef AW_SYNTH_INTERNAL_H
#define AW_SYNTH_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/rng.h"
#include "aw/synth.h"

/* Stream ids: aw_rng_seed_stream(seed, SYN_STREAM("load.noise") + i). */
#define SYN_STREAM(name) aw_rng_hash(name)

/* Rounds x to `digits` significant decimal digits (digits <= 0 or non-finite x: unchanged). Uses
 * only exact scaling by powers of ten and round(), so it is identical on every platform. */
double syn_round_sig(double x, int digits);

/* Writes x exactly as aw_fmt_double would, faster for integers and for values that are a short
 * decimal (as syn_round_sig makes them). buf needs AW_FMT_DOUBLE_MAX bytes. Returns the length. */
size_t syn_fmt_num(char *buf, double x);
/* Appends syn_fmt_num(x) (an empty field for NaN) to b. */
aw_status syn_buf_num(aw_buf *b, double x);

/* Poisson draw (exact inversion for small means, rounded normal above 64). */
uint64_t syn_poisson(aw_rng *r, double mean);

/* ISO 8601 UTC with milliseconds, "2024-05-13T16:00:00.000Z" (always 3 decimals). buf >= 32. */
size_t syn_fmt_iso_ms(char *buf, double unix_s);
/* "2024-05-13" and "16:00:01.123" (for log lines). */
void syn_fmt_date_clock(double unix_s, char date[16], char clock[16]);

/* Appends a CSV field, quoted when it holds a comma, quote or newline. */
aw_status syn_buf_csv_field(aw_buf *b, const char *s);

/* sin^2(2 pi t / T) via fmod so that large t keeps its accuracy. */
double syn_sin2(double t, double period);

/* Median of n values (copies; returns NaN for n == 0). */
double syn_median(const double *x, size_t n);

/* Dense symmetric positive (semi)definite solve A x = b (n x n, row-major), Cholesky with a tiny
 * ridge; A and b are overwritten. Returns 0 on success. */
int syn_solve_spd(double *a, double *b, size_t n);

#endif

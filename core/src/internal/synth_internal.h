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

/* ---- Sock Shop topology (synth_sockshop.c) ---- */
typedef struct syn_pod_spec {
  const char *name;        /* deployment name */
  int is_db;               /* a database (disk-bound, no service metrics) */
  int jvm;                 /* a JVM service (higher memory, GC) */
  double cpu_request_m, cpu_limit_m;
  double mem_request_mib, mem_limit_mib;
  double base_cpu_m;       /* idle CPU */
  double cpu_per_req_m;    /* millicores per request/s */
  double base_mem_mib, mem_per_req_mib;
  double service_ms;       /* own processing time per request at low load */
  double rx_bytes, tx_bytes;   /* per request */
  double disk_read_bytes, disk_write_bytes; /* per request */
} syn_pod_spec;

enum {
  SYN_FRONT_END = 0, SYN_CATALOGUE, SYN_CATALOGUE_DB, SYN_CARTS, SYN_CARTS_DB, SYN_ORDERS, SYN_ORDERS_DB,
  SYN_PAYMENT, SYN_SHIPPING, SYN_QUEUE_MASTER, SYN_RABBITMQ, SYN_USER, SYN_USER_DB, SYN_SESSION_DB
};

extern const syn_pod_spec syn_pods[AW_SOCKSHOP_PODS];
/* Service i (0..9) -> pod index. */
extern const int syn_service_pod[AW_SOCKSHOP_SERVICES];

/* A call tree per endpoint: nodes in depth-first order with their parent (-1 for the root) and
 * whether the caller waits (1) or hands off asynchronously (0, e.g. via the queue). */
#define SYN_MAX_CALLS 16
typedef struct syn_call {
  int pod, parent, sync;
} syn_call;
typedef struct syn_endpoint_tree {
  size_t n;
  syn_call calls[SYN_MAX_CALLS];
} syn_endpoint_tree;
extern const syn_endpoint_tree syn_endpoints[AW_EP_COUNT];

/* Pod instance names as Kubernetes writes them: <deployment>-<template hash>-<5 chars>. */
void syn_pod_hash(aw_rng *r, char out[12]);
void syn_pod_suffix(aw_rng *r, char out[6]);

/* ---- log grammar (synth_logs.c) ---- */
#define SYN_LOG_DAM AW_SOCKSHOP_PODS          /* source index of DAM's single service */
#define SYN_LOG_SOURCES (AW_SOCKSHOP_PODS + 1)

enum syn_log_trigger {
  SYN_LT_REQUEST = 0, /* a request of the template's endpoint (or any endpoint) */
  SYN_LT_ERROR,       /* a failed request */
  SYN_LT_SLOW,        /* a request slower than 1 s */
  SYN_LT_BACKGROUND,  /* housekeeping, independent of load */
  SYN_LT_START,       /* container start-up sequence */
  SYN_LT_STOP,        /* shutdown (deletion, reboot, restart) */
  SYN_LT_FAULT        /* while the template's fault kind is active on the source */
};

/* What a log source does during one second. */
typedef struct syn_log_state {
  double t;                     /* start of the second (unix s) */
  double ep_rate[AW_EP_COUNT];  /* requests/s per endpoint through this source */
  double fail_rate;             /* failed requests/s through it */
  double slow_rate;             /* requests/s slower than 1 s */
  double mean_ms;               /* mean latency, for logged durations */
  double volume;                /* multiplier of the normal log volume (1 = normal) */
  unsigned fault_mask;          /* bit per aw_fault_kind (pods) or aw_dam_fault (DAM) active */
  const char *instance;         /* pod instance name */
  const char *node;             /* node name */
} syn_log_state;

typedef struct syn_logger syn_logger;
syn_logger *syn_logger_new(size_t source, double sample, double background_per_min, uint64_t seed, aw_log_fn fn,
                           void *ud);
/* Emits the lines of one second, in time order. */
aw_status syn_logger_second(syn_logger *lg, const syn_log_state *s, aw_error *err);
/* Emits a start-up (SYN_LT_START) or shutdown (SYN_LT_STOP) sequence at s->t. */
aw_status syn_logger_event(syn_logger *lg, const syn_log_state *s, int trigger, aw_error *err);
uint64_t syn_logger_lines(const syn_logger *lg);
void syn_logger_free(syn_logger *lg);

/* Appends a string literal (length from sizeof, so it is never miscounted). */
#define SYN_LIT(b, s) aw_buf_append((b), (s), sizeof(s) - 1)

/* Standard normal deviates by Marsaglia and Tsang's ziggurat (128 layers) on aw_rng's 64-bit
 * output: about 97% of draws cost one u64, a multiply and a compare, against the polar method's
 * two uniforms, a log and a sqrt. The tables are built once per generator (aw_math, so identical
 * everywhere); no global state. */
typedef struct syn_zig {
  uint32_t kn[128];
  double wn[128], fn[128];
} syn_zig;
void syn_zig_init(syn_zig *z);
double syn_zig_normal(const syn_zig *z, aw_rng *r);

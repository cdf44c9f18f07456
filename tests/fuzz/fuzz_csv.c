/* fuzz_csv.c - libFuzzer target for the streaming CSV reader and the wide-table loader.
 * Property checked besides memory safety: feeding the input whole or in chunks (sizes from the
 * first byte) gives exactly the same records and rejections. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/table.h"

typedef struct acc {
  uint64_t h;
} acc;

static void mix(acc *a, const void *p, size_t n) {
  const unsigned char *s = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) a->h = (a->h ^ s[i]) * 0x100000001b3ull;
}

static aw_status on_rec(void *ud, const aw_csv_record *r, aw_error *e) {
  (void)e;
  acc *a = (acc *)ud;
  mix(a, &r->line, sizeof r->line);
  for (size_t i = 0; i < r->nfields; i++) {
    mix(a, &r->fields[i].n, sizeof r->fields[i].n);
    mix(a, r->fields[i].p, r->fields[i].n);
  }
  return AW_OK;
}

static void on_rej(void *ud, uint64_t line, const char *reason) {
  acc *a = (acc *)ud;
  mix(a, &line, sizeof line);
  mix(a, reason, strlen(reason));
}

static uint64_t run(const uint8_t *d, size_t n, size_t chunk, const aw_csv_opts *o) {
  acc a = {0xcbf29ce484222325ull};
  aw_error err;
  aw_csv *c = aw_csv_new(o, on_rec, on_rej, &a, &err);
  if (!c) return 0;
  for (size_t off = 0; off < n; off += chunk) aw_csv_feed(c, d + off, n - off < chunk ? n - off : chunk, &err);
  aw_csv_finish(c, &err);
  aw_csv_free(c);
  return a.h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t chunk = (size_t)data[0] % 17 + 1;
  aw_csv_opts o;
  aw_csv_opts_default(&o);
  o.max_line = 256 + (size_t)data[1] * 8; /* small limits so the fuzzer reaches them */
  o.max_cols = (size_t)(data[1] % 32) + 1;
  if (data[1] & 1) o.header = 0;
  const uint8_t *d = data + 2;
  size_t n = size - 2;
  uint64_t whole = run(d, n, n ? n : 1, &o);
  uint64_t chunked = run(d, n, chunk, &o);
  if (whole != chunked) __builtin_trap();
  /* the loader on the same bytes must not crash or leak, whatever they are */
  aw_loader_opts lo;
  aw_loader_opts_default(&lo);
  lo.csv = o;
  lo.max_cells = 1 << 16;
  aw_table *t = NULL;
  aw_error err;
  aw_table_from_csv_text((const char *)d, n, &lo, &t, &err);
  aw_table_free(t);
  return 0;
}

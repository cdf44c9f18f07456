/* bench_csv.c - CSV parsing throughput (MB/s) on a generated 100 MB wide CSV: the tokenizer alone
 * and the full wide-table loader (numbers and ISO times parsed into columns). The file is made
 * once by a seeded generator (same bytes natively and in WASM) under build/bench-tmp/. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "aw/csv.h"
#include "aw/rng.h"
#include "aw/table.h"
#include "bench.h"

/* AW_BENCH_SMALL=1 uses a 10 MB file (for profiling under callgrind) */
static size_t TARGET_BYTES = 100u << 20;
static const char *PATH = "build/bench-tmp/csv-100mb.csv";

static int make_file(void) {
  struct stat sb;
  if (stat(PATH, &sb) == 0 && (size_t)sb.st_size >= TARGET_BYTES) return 0;
  mkdir("build", 0777);
  mkdir("build/bench-tmp", 0777);
  FILE *f = fopen(PATH, "wb");
  if (!f) return -1;
  aw_rng r;
  aw_rng_seed(&r, 2024);
  fputs("timestamp,cpu,mem,net_rx,net_tx,disk_r,disk_w,latency_p95,requests\n", f);
  size_t bytes = 0;
  double t0 = 1674950400;
  char line[512], ts[48];
  for (size_t i = 0; bytes < TARGET_BYTES; i++) {
    aw_fmt_time_iso(ts, t0 + (double)i);
    int n = snprintf(line, sizeof line, "%s,%.3f,%.1f,%.0f,%.0f,%.2f,%.2f,%.4f,%d\n", ts, aw_rng_uniform(&r) * 100,
                     200 + aw_rng_normal(&r) * 20, aw_rng_uniform(&r) * 1e6, aw_rng_uniform(&r) * 1e6,
                     aw_rng_uniform(&r) * 50, aw_rng_uniform(&r) * 50, aw_rng_uniform(&r), (int)aw_rng_below(&r, 5000));
    fwrite(line, 1, (size_t)n, f);
    bytes += (size_t)n;
  }
  return fclose(f);
}

static aw_status count_rec(void *ud, const aw_csv_record *r, aw_error *e) {
  (void)e;
  *(size_t *)ud += r->nfields;
  return AW_OK;
}

int main(void) {
  if (getenv("AW_BENCH_SMALL")) {
    TARGET_BYTES = 10u << 20;
    PATH = "build/bench-tmp/csv-10mb.csv";
  }
  if (make_file()) {
    fprintf(stderr, "cannot write %s\n", PATH);
    return 1;
  }
  size_t n;
  FILE *f = fopen(PATH, "rb");
  if (!f) return 1;
  fseek(f, 0, SEEK_END);
  n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = (char *)malloc(n);
  if (!buf || fread(buf, 1, n, f) != n) return 1;
  fclose(f);
  const size_t chunk = 1 << 20;
  double best_tok = 1e9, best_load = 1e9;
  size_t rows = 0, fields = 0;
  int reps = getenv("AW_BENCH_SMALL") ? 1 : 3;
  for (int rep = 0; rep < reps; rep++) {
    aw_error err;
    aw_error_clear(&err);
    fields = 0;
    double t = bench_now();
    aw_csv *c = aw_csv_new(NULL, count_rec, NULL, &fields, &err);
    for (size_t off = 0; off < n; off += chunk) aw_csv_feed(c, buf + off, n - off < chunk ? n - off : chunk, &err);
    aw_csv_finish(c, &err);
    aw_csv_free(c);
    t = bench_now() - t;
    if (t < best_tok) best_tok = t;

    t = bench_now();
    aw_loader *l = aw_loader_new(NULL, &err);
    for (size_t off = 0; off < n; off += chunk) aw_loader_feed(l, buf + off, n - off < chunk ? n - off : chunk, &err);
    aw_loader_finish(l, &err);
    rows = aw_table_rows(aw_loader_table(l));
    if (err.code) fprintf(stderr, "load error: %s\n", err.message);
    aw_loader_free(l);
    t = bench_now() - t;
    if (t < best_load) best_load = t;
  }
  printf("# %s: %zu bytes, %zu rows, %zu fields (best of 3, 1 MiB chunks, %s)\n", PATH, n, rows, fields, BENCH_FLAVOUR);
  bench_report("csv_tokenize_MBps", (double)n / 1e6 / best_tok, "MB/s", "higher");
  bench_report("csv_load_table_MBps", (double)n / 1e6 / best_load, "MB/s", "higher");
  free(buf);
  return 0;
}

/* bench_synth.c - the synthesis module's costs: the paper's 7-day default load series (604,800
 * steps), the full 470-column Sock Shop telemetry for 7 days (with and without logs), writing
 * load.csv and metrics.csv, the periodogram and the fitter on the 7-day series. */
#include <stdio.h>
#include <string.h>

#include "aw/spectral.h"
#include "aw/synth.h"
#include "bench.h"

typedef struct sink {
  unsigned long long bytes, lines;
} sink;

static aw_status count_log(void *ud, const aw_log_line *l, aw_error *err) {
  (void)err;
  sink *s = ud;
  s->lines++;
  s->bytes += l->line_len + 1;
  return AW_OK;
}

static aw_status count_out(void *ud, const char *file, const void *data, size_t n, aw_error *err) {
  (void)file, (void)data, (void)err;
  ((sink *)ud)->bytes += n;
  return AW_OK;
}

int main(void) {
  aw_error e;
  aw_load_params p;
  aw_load_params_default(&p);
  aw_load_series *s = NULL;
  /* best of 5: the load series */
  double best = 1e30;
  for (int i = 0; i < 5; i++) {
    aw_load_series_free(s);
    s = NULL;
    double t0 = bench_now();
    if (aw_load_generate(&p, 42, NULL, &s, &e)) {
      fprintf(stderr, "load: %s\n", e.message);
      return 1;
    }
    double dt = bench_now() - t0;
    if (dt < best) best = dt;
  }
  bench_report("synth_load_7d_ms", best * 1000, "ms", "lower");
  bench_report("synth_load_steps_per_s", (double)s->n / best, "steps/s", "higher");

  double t0 = bench_now();
  aw_buf b = {0};
  for (size_t k = 0; k < s->n; k += 50000) {
    aw_load_write_csv(s, k, k + 50000, p.csv_digits, &b);
    b.len = 0; /* measure formatting, not memory growth */
  }
  double dt = bench_now() - t0;
  aw_buf_free(&b);
  bench_report("synth_load_csv_7d_s", dt, "s", "lower");

  t0 = bench_now();
  aw_periodogram *pg = NULL;
  aw_periodogram_compute(s->users, s->n, 1.0, AW_DETREND_LINEAR, &pg, &e);
  bench_report("synth_periodogram_7d_ms", (bench_now() - t0) * 1000, "ms", "lower");
  aw_periodogram_free(pg);

  t0 = bench_now();
  aw_period per[8];
  size_t np = 0;
  aw_dominant_periods(s->users, s->n, 1.0, NULL, per, 8, &np, &e);
  bench_report("synth_periods_7d_ms", (bench_now() - t0) * 1000, "ms", "lower");

  t0 = bench_now();
  aw_fit_result fr;
  if (aw_load_fit(s->users, s->n, 1.0, p.start_time, NULL, NULL, &fr, &e)) fprintf(stderr, "fit: %s\n", e.message);
  bench_report("synth_fit_7d_s", bench_now() - t0, "s", "lower");

  /* the full telemetry (470 columns every 60 s for 7 days), simulated second by second */
  aw_fault_params fp;
  aw_fault_params_default(&fp);
  aw_telemetry_params tp;
  aw_telemetry_params_default(&tp);
  aw_fault_schedule *fs = NULL;
  aw_fault_schedule_generate(&fp, &tp.topo, s->time[0], s->time[0] + (double)s->n, 42, &fs, &e);
  for (int with_logs = 0; with_logs < 2; with_logs++) {
    aw_log_params lp;
    aw_log_params_default(&lp);
    sink sk = {0, 0};
    t0 = bench_now();
    aw_telemetry *t = aw_telemetry_new(&tp, &lp, s, fs, 42, with_logs ? count_log : NULL, &sk, &e);
    double row[512];
    size_t rows = 0;
    while (t && aw_telemetry_next(t, row, &e) == AW_OK) rows++;
    dt = bench_now() - t0;
    if (!with_logs) {
      bench_report("synth_telemetry_7d_s", dt, "s", "lower");
      fprintf(stderr, "telemetry: %zu rows x %zu columns\n", rows, aw_telemetry_cols(t));
    } else {
      bench_report("synth_telemetry_logs_7d_s", dt, "s", "lower");
      bench_report("synth_log_lines_per_s", (double)sk.lines / dt, "lines/s", "higher");
      fprintf(stderr, "logs: %llu lines, %llu bytes\n", sk.lines, sk.bytes);
    }
    aw_telemetry_free(t);
  }
  aw_fault_schedule_free(fs);

  /* everything of the allam-7d preset, formatted (load.csv, metrics.csv, logs and ground truth) */
  aw_synth_config cfg;
  aw_synth_config_default(&cfg, AW_PRESET_ALLAM_7D);
  sink all = {0, 0};
  t0 = bench_now();
  if (aw_synth_write(&cfg, count_out, &all, NULL, &e)) fprintf(stderr, "write: %s\n", e.message);
  dt = bench_now() - t0;
  bench_report("synth_allam7d_dataset_s", dt, "s", "lower");
  bench_report("synth_allam7d_dataset_MBps", (double)all.bytes / 1e6 / dt, "MB/s", "higher");
  fprintf(stderr, "allam-7d data set: %llu bytes\n", all.bytes);
  aw_load_series_free(s);
  return 0;
}

/* aw fit FILE.csv --column NAME: learn a load model of Eq. 1-3 (base load, trend interval slopes,
 * (T_i, A_i, sigma_i)) and Algorithm 1's parameters from one column, print it as a synth config. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/synth.h"
#include "aw/table.h"
#include "cli.h"

static void help(void) {
  printf(
      "usage: aw fit FILE.csv --column NAME [options]\n\n"
      "Fits the load model of Allam et al. to one column of a wide CSV (timestamp,<series>...) and\n"
      "prints it as JSON: a synth config ({\"load\": {...}}) plus fit diagnostics, so\n"
      "`aw synth --config fit.json -o DIR` synthesizes look-alike series with injected anomalies.\n"
      "Periods T_i are twice the spectral periods (sin^2 halves a period); the noise of the\n"
      "components adds up, so one common sigma is reported.\n\n"
      "options:\n"
      "  --column NAME      the series to fit (required)\n"
      "  --dt S             time step in seconds (default: the median step of the time column, or 1)\n"
      "  --intervals N      trend intervals (default 30)\n"
      "  --components K     most seasonal components (default 8)\n"
      "  --threshold X      anomaly threshold on users/model - 1 (default 0.25)\n");
}

static aw_status feed(void *ud, const char *data, size_t n, aw_error *err) { return aw_loader_feed(ud, data, n, err); }

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int aw_cmd_fit(int argc, char **argv) {
  const char *file = NULL, *column = NULL;
  double dt = 0, thr = 0;
  size_t intervals = 0, comps = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      help();
      return 0;
    } else if ((r = cli_opt_str(argc, argv, &i, "--column", &column))) {
      if (r < 0) return 2;
    } else if ((r = cli_opt_double(argc, argv, &i, "--dt", &dt))) {
      if (r < 0) return 2;
    } else if ((r = cli_opt_double(argc, argv, &i, "--threshold", &thr))) {
      if (r < 0) return 2;
    } else if ((r = cli_opt_size(argc, argv, &i, "--intervals", &intervals))) {
      if (r < 0) return 2;
    } else if ((r = cli_opt_size(argc, argv, &i, "--components", &comps))) {
      if (r < 0) return 2;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return cli_usage_error("fit", "unknown option %s", argv[i]);
    } else if (!file) {
      file = argv[i];
    } else {
      return cli_usage_error("fit", "only one FILE, got '%s' too", argv[i]);
    }
  }
  if (!file) return cli_usage_error("fit", "FILE is required");
  if (!column) return cli_usage_error("fit", "--column NAME is required");
  aw_error err;
  aw_error_clear(&err);
  aw_loader_opts lo;
  aw_loader_opts_default(&lo);
  lo.csv.name = file;
  aw_loader *l = aw_loader_new(&lo, &err);
  if (!l) return cli_fail(&err);
  aw_status st = cli_stream_file(file, 0, feed, l, &err);
  if (!st) st = aw_loader_finish(l, &err);
  if (st) {
    aw_loader_free(l);
    return cli_fail(&err);
  }
  const aw_table *t = aw_loader_table(l);
  long j = aw_table_find(t, column);
  if (j < 0) {
    aw_loader_free(l);
    aw_error_set(&err, AW_ERR_NOTFOUND, "no numeric column '%s' in %s", column, file);
    return cli_fail(&err);
  }
  size_t n = aw_table_rows(t);
  const double *time = aw_table_time(t);
  double start = 0;
  if (time && n > 1) {
    start = time[0];
    if (!(dt > 0)) {
      double *d = malloc((n - 1) * sizeof *d);
      if (d) {
        for (size_t i = 0; i + 1 < n; i++) d[i] = time[i + 1] - time[i];
        qsort(d, n - 1, sizeof *d, cmp_d);
        dt = d[(n - 1) / 2];
        free(d);
      }
    }
  }
  if (!(dt > 0)) dt = 1;
  aw_fit_opts fo;
  aw_fit_opts_default(&fo);
  if (intervals) fo.num_intervals = intervals;
  if (comps) fo.max_components = comps;
  if (thr > 0) fo.anomaly_threshold = thr;
  aw_fit_result *res = calloc(1, sizeof *res);
  if (!res) {
    aw_loader_free(l);
    return 1;
  }
  st = aw_load_fit(aw_table_column(t, (size_t)j), n, dt, start, &fo, NULL, res, &err);
  aw_loader_free(l);
  if (st) {
    free(res);
    return cli_fail(&err);
  }
  aw_buf b = {0};
  aw_fit_result_to_json(res, &b);
  fwrite(b.data, 1, b.len, stdout);
  aw_buf_free(&b);
  free(res);
  return 0;
}

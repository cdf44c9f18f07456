/* aw run SPEC.json -o OUTDIR: the same code path as the web worker: stream every input named by a
 * path through aw_ws_input_*, then aw_ws_run; write results.json and each table a step made. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aw/spec.h"
#include "aw/workspace.h"
#include "cli.h"

static void help(void) {
  printf(
      "usage: aw run SPEC.json -o OUTDIR [--quiet]\n\n"
      "Runs an analysis spec (the JSON the page's \"Export spec\" downloads) exactly as the page does:\n"
      "loads each input (paths are relative to the spec's folder; size and sha256 are checked when\n"
      "the spec gives them), generates synthesized inputs from the spec's seed, runs the steps in\n"
      "order, and writes:\n"
      "  OUTDIR/results.json     the results document (identical bytes natively and in the browser)\n"
      "  OUTDIR/<step id>.csv    every table a step produced\n"
      "Progress goes to stderr unless --quiet.\n");
}

typedef struct feed_ctx {
  aw_ws *ws;
} feed_ctx;

static aw_status feed(void *ud, const char *data, size_t n, aw_error *err) {
  return aw_ws_input_feed(((feed_ctx *)ud)->ws, data, n, err);
}

typedef struct prog {
  int quiet;
  double last;
  char stage[64];
} prog;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int report(void *ud, double f, const char *stage) {
  prog *p = (prog *)ud;
  if (p->quiet) return 0;
  double t = now();
  if (strcmp(stage ? stage : "", p->stage) != 0 || t - p->last > 1.0) {
    snprintf(p->stage, sizeof p->stage, "%s", stage ? stage : "");
    p->last = t;
    if (f >= 0)
      fprintf(stderr, "aw run: %5.1f%% %s\n", f * 100, p->stage);
    else
      fprintf(stderr, "aw run: %s\n", p->stage);
  }
  return 0;
}

aw_status cli_load_file(aw_ws *ws, const char *name, const char *kind, const char *label, const cJSON *options,
                        const char *path, size_t chunk, aw_error *err) {
  aw_status st = aw_ws_input_begin(ws, name, kind, label, options, err);
  if (!st) {
    feed_ctx fc = {ws};
    st = cli_stream_file(path, chunk, feed, &fc, err);
    if (st) aw_ws_input_abort(ws);
  }
  return st;
}

aw_status cli_load_inputs(aw_ws *ws, const aw_spec *spec, const char *dir, int quiet, aw_error *err) {
  aw_status st = AW_OK;
  for (size_t i = 0; !st && i < aw_spec_input_count(spec); i++) {
    const aw_spec_input *in = aw_spec_get_input(spec, i);
    if (!in->path) continue;
    char path[8192];
    if (in->path[0] == '/' || !dir)
      snprintf(path, sizeof path, "%s", in->path);
    else
      snprintf(path, sizeof path, "%s/%s", dir, in->path);
    if (!quiet) fprintf(stderr, "aw: loading %s (%s)\n", in->name, path);
    /* the label (used in messages and results) is the path as the spec writes it, so results are
     * the same bytes wherever the spec runs */
    st = cli_load_file(ws, in->name, in->kind, in->path, in->options, path, 0, err);
    if (!st) st = aw_ws_input_end(ws, NULL, err);
  }
  return st;
}

aw_status cli_run_loaded(aw_ws *ws, const aw_spec *spec, int quiet, cJSON **res, aw_error *err) {
  prog pr = {quiet, 0, ""};
  aw_progress progress = {report, &pr};
  return aw_ws_run(ws, spec, &progress, res, err);
}

aw_status cli_write_results(const char *outdir, aw_ws *ws, const aw_spec *spec, const cJSON *res, aw_error *err) {
  aw_status st = cli_mkdirs(outdir, err);
  if (st) return st;
  char *json = aw_json_print(res, 1);
  char path[8192];
  snprintf(path, sizeof path, "%s/results.json", outdir);
  if (!json) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  size_t n = strlen(json);
  json[n] = '\n'; /* cJSON's buffer has room for the NUL we replace; write n + 1 bytes */
  st = cli_write_file(path, json, n + 1, err);
  cJSON_free(json);
  /* every table a step made (inputs are the user's own files and are not copied) */
  for (size_t k = 0; !st && k < aw_ws_count(ws); k++) {
    const char *name = aw_ws_name(ws, k);
    if (strcmp(aw_ws_type(ws, k), "table") != 0 || aw_spec_find_input(spec, name)) continue;
    aw_buf b = {0};
    if (aw_table_to_csv(aw_ws_get_table(ws, name), 0, &b)) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    snprintf(path, sizeof path, "%s/%s.csv", outdir, name);
    if (!st) st = cli_write_file(path, b.data ? b.data : "", b.len, err);
    aw_buf_free(&b);
  }
  return st;
}

int aw_cmd_run(int argc, char **argv) {
  const char *spec_path = NULL, *outdir = NULL;
  int quiet = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      help();
      return 0;
    } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
      quiet = 1;
    } else if ((r = cli_opt_str(argc, argv, &i, "-o", &v)) || (r = cli_opt_str(argc, argv, &i, "--out", &v))) {
      if (r < 0) return 2;
      outdir = v;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return cli_usage_error("run", "unknown option %s", argv[i]);
    } else if (!spec_path) {
      spec_path = argv[i];
    } else {
      return cli_usage_error("run", "only one SPEC, got '%s' too", argv[i]);
    }
  }
  if (!spec_path) return cli_usage_error("run", "SPEC.json is required");
  if (!outdir) return cli_usage_error("run", "-o OUTDIR is required");
  aw_error err;
  aw_error_clear(&err);
  char *text = NULL;
  size_t len = 0;
  aw_spec *spec = NULL;
  aw_ws *ws = NULL;
  cJSON *res = NULL;
  int rc = 0;
  aw_status st = cli_read_small_file(spec_path, AW_SPEC_MAX_BYTES, &text, &len, &err);
  if (!st) st = aw_spec_parse(text, len, spec_path, &spec, &err);
  if (!st && !(ws = aw_ws_new())) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
  /* the spec's folder, for relative input paths */
  char dir[4096] = ".";
  const char *slash = strrchr(spec_path, '/');
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - spec_path), spec_path);
  if (!st) st = cli_load_inputs(ws, spec, dir, quiet, &err);
  if (!st) st = cli_run_loaded(ws, spec, quiet, &res, &err);
  if (!st) st = cli_write_results(outdir, ws, spec, res, &err);
  if (!st && !quiet) fprintf(stderr, "aw run: wrote %s/results.json\n", outdir);
  if (st) rc = cli_fail(&err);
  cJSON_Delete(res);
  aw_ws_free(ws);
  aw_spec_free(spec);
  AW_FREE(text);
  return rc;
}

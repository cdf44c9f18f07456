/* aw synth: synthesize a labelled data set (the load model of Allam et al., a fault schedule,
 * Sock Shop telemetry and logs; or DAM's single service; or a replica set) into a directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aw/spec.h"
#include "aw/synth.h"
#include "cJSON.h"
#include "cli.h"

static void help(void) {
  printf(
      "usage: aw synth [--preset allam-7d|dam-service|replicas] [--config FILE.json] [--seed N] -o DIR\n\n"
      "Writes a seeded, labelled data set into DIR. Same config and seed = same bytes.\n"
      "  allam-7d     load.csv (timestamp,users,spawn_rate,trend,seasonal,load_anomaly),\n"
      "               load_anomalies.csv, faults.csv (AWS FIS record columns), metrics.csv (timestamp,\n"
      "               5x12 node, 14x19 pod, 10x14 service metrics, load_anomaly, fis_anomaly, anomaly),\n"
      "               labels.csv, requests.csv, logs/<pod>.log with logs/<pod>.log_structured.csv and\n"
      "               logs/<pod>.log_templates.csv (ground truth), spec.json\n"
      "  dam-service  load.csv, metrics.csv (DAM's 7 metric dimensions, log_lines, anomaly,\n"
      "               fault_type), labels.csv (fault segments), logs/service.log (+ ground truth)\n"
      "  replicas     load.csv, metrics.csv (replica<i>.<metric>, anomaly), labels.csv (the faulty\n"
      "               replica, the fault and its window)\n"
      "spec.json is the complete effective config: `aw synth --config DIR/spec.json -o DIR2`\n"
      "reproduces DIR byte for byte. Parameters: docs/synth.md.\n\n"
      "options:\n"
      "  --preset NAME     allam-7d (default), dam-service, replicas (a config's \"preset\" wins)\n"
      "  --config FILE     JSON config (keys of spec.json; all optional)\n"
      "  --seed N          seed (overrides the config's)\n"
      "  -o, --out DIR     output directory (created)\n"
      "  --print-config    print the effective config as JSON and exit\n"
      "  --quiet           no progress on stderr\n");
}

typedef struct open_file {
  char name[128];
  FILE *f;
} open_file;

typedef struct out_ctx {
  const char *dir;
  open_file files[96];
  size_t n;
  unsigned long long bytes;
} out_ctx;

static aw_status out_fn(void *ud, const char *file, const void *data, size_t n, aw_error *err) {
  out_ctx *c = ud;
  open_file *of = NULL;
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->files[i].name, file) == 0) of = &c->files[i];
  if (!of) {
    if (c->n == sizeof c->files / sizeof c->files[0]) return aw_error_set(err, AW_ERR_LIMIT, "too many output files");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", c->dir, file);
    char *slash = strrchr(path, '/');
    if (slash) {
      *slash = '\0';
      aw_status st = cli_mkdirs(path, err);
      if (st) return st;
      *slash = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f) return aw_error_at(err, AW_ERR_IO, path, 0, 0, "cannot write");
    of = &c->files[c->n++];
    snprintf(of->name, sizeof of->name, "%s", file);
    of->f = f;
  }
  if (n && fwrite(data, 1, n, of->f) != n) return aw_error_at(err, AW_ERR_IO, file, 0, 0, "write failed");
  c->bytes += n;
  return AW_OK;
}

static int progress(void *ud, double fraction, const char *stage) {
  int *last = ud, pct = (int)(fraction * 100);
  if (pct == *last) return 0;
  *last = pct;
  fprintf(stderr, "\r  %3d%% %-12s", pct, stage);
  if (fraction >= 1) fputc('\n', stderr);
  return 0;
}

int aw_cmd_synth(int argc, char **argv) {
  const char *preset = NULL, *config = NULL, *outdir = NULL;
  unsigned long long seed = 0;
  int have_seed = 0, print_config = 0, quiet = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      help();
      return 0;
    } else if (!strcmp(argv[i], "--print-config")) {
      print_config = 1;
    } else if (!strcmp(argv[i], "--quiet")) {
      quiet = 1;
    } else if ((r = cli_opt_str(argc, argv, &i, "--preset", &preset))) {
      if (r < 0) return 2;
    } else if ((r = cli_opt_str(argc, argv, &i, "--config", &config))) {
      if (r < 0) return 2;
    } else if ((r = cli_opt_u64(argc, argv, &i, "--seed", &seed))) {
      if (r < 0) return 2;
      have_seed = 1;
    } else if ((r = cli_opt_str(argc, argv, &i, "-o", &outdir)) || (r = cli_opt_str(argc, argv, &i, "--out", &outdir))) {
      if (r < 0) return 2;
    } else {
      return cli_usage_error("synth", "unknown argument '%s'", argv[i]);
    }
  }
  aw_synth_preset pr = AW_PRESET_ALLAM_7D;
  if (preset && !aw_synth_preset_from_name(preset, &pr))
    return cli_usage_error("synth", "unknown preset '%s' (allam-7d, dam-service, replicas)", preset);
  aw_synth_config *cfg = malloc(sizeof *cfg);
  if (!cfg) return 1;
  aw_error err;
  aw_error_clear(&err);
  aw_synth_config_default(cfg, pr);
  if (config) {
    char *text = NULL;
    size_t len = 0;
    aw_status st = cli_read_small_file(config, AW_SPEC_MAX_BYTES, &text, &len, &err);
    if (!st && preset) {
      /* --preset fills in a config that names none */
      cJSON *j = NULL;
      st = aw_json_parse(text, len, config, &j, &err);
      if (!st && cJSON_IsObject(j) && !cJSON_GetObjectItemCaseSensitive(j, "preset")) {
        cJSON_AddStringToObject(j, "preset", preset);
        char *s = cJSON_PrintUnformatted(j);
        free(text);
        text = s ? strdup(s) : NULL;
        len = text ? strlen(text) : 0;
        cJSON_free(s);
        if (!text) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
      }
      cJSON_Delete(j);
    }
    if (!st) st = aw_synth_config_from_json(text, len, cfg, &err);
    free(text);
    if (st) {
      snprintf(err.file, sizeof err.file, "%s", config); /* the error is in that file */
      free(cfg);
      return cli_fail(&err);
    }
  }
  if (have_seed) cfg->seed = seed;
  if (print_config) {
    aw_buf b = {0};
    aw_synth_config_to_json(cfg, &b);
    fwrite(b.data, 1, b.len, stdout);
    aw_buf_free(&b);
    free(cfg);
    return 0;
  }
  if (!outdir) {
    free(cfg);
    return cli_usage_error("synth", "-o DIR is required");
  }
  aw_status st = cli_mkdirs(outdir, &err);
  out_ctx oc;
  memset(&oc, 0, sizeof oc);
  oc.dir = outdir;
  int last_pct = -1;
  aw_progress pg = {progress, &last_pct};
  if (!st) st = aw_synth_write(cfg, out_fn, &oc, quiet || !isatty(2) ? NULL : &pg, &err);
  for (size_t i = 0; i < oc.n; i++)
    if (fclose(oc.files[i].f) != 0 && !st) st = aw_error_at(&err, AW_ERR_IO, oc.files[i].name, 0, 0, "write failed");
  free(cfg);
  if (st) return cli_fail(&err);
  if (!quiet) fprintf(stderr, "aw synth: %zu files, %llu bytes in %s\n", oc.n, oc.bytes, outdir);
  return 0;
}

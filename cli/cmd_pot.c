/* cmd_pot.c - `aw pot`: POT / SPOT / DSPOT thresholds over one column of a CSV file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/eval.h"
#include "aw/pot.h"
#include "aw/table.h"
#include "cJSON.h"
#include "cli.h"

static const char *POT_HELP =
    "usage: aw pot [options] INPUT.csv -o OUT.csv\n"
    "\n"
    "Thresholds by extreme value theory (Siffer et al., KDD 2017) on one numeric column.\n"
    "Batch POT by default: fit on the first --init points (all by default), apply to every point.\n"
    "\n"
    "  --column NAME      the series (default: anomaly_score if present, else the first numeric column)\n"
    "  --level L          initial threshold quantile (default 0.98)\n"
    "  --q Q              risk: the threshold is exceeded with probability Q (default 1e-3; < 1 - level)\n"
    "  --init N           calibration points (streaming default 2000; batch default all)\n"
    "  --stream           SPOT: streaming thresholds, refitted at every excess\n"
    "  --drift D          DSPOT: run on x minus the moving average of the last D normal values\n"
    "  --both             both tails (biSPOT / biDSPOT)\n"
    "  --max-excess N     keep only the latest N excesses per tail (bounded memory; default all)\n"
    "  --keep-alarms      streaming: alarms still feed the tail (uncensored; see docs/pot.md)\n"
    "  --full-fit-every N streaming: full scan-all-roots fit at least every N refits (default 1024)\n"
    "  --sweep            DAM's q sweep (q = 1e-3 .. 4e-2): JSON rows instead of one threshold\n"
    "  --labels NAME      with --sweep: a 0/1 label column; adds point-adjusted P/R/F1 and the best q\n"
    "                     (chosen with the labels: marked \"uses_labels\": true)\n"
    "  -o, --output FILE  per-point CSV: [timestamp,]value,threshold[,threshold_lower],alarm\n"
    "\n"
    "Prints a JSON summary on stdout: t, gamma, sigma, z, n, N_t, alarms (with --both one object per\n"
    "tail, \"upper\" and \"lower\", and the total \"alarms\").\n";

typedef struct loadctx {
  aw_loader *l;
} loadctx;

static aw_status feed_loader(void *ud, const char *data, size_t n, aw_error *err) {
  return aw_loader_feed(((loadctx *)ud)->l, data, n, err);
}

/* Loads a CSV with the wide-table loader; every rejected row is an error (nothing dropped). */
static aw_status load_csv(const char *path, aw_loader **out, aw_error *err) {
  aw_loader_opts o;
  aw_loader_opts_default(&o);
  o.csv.name = path;
  o.time_column = NULL;
  loadctx c;
  c.l = aw_loader_new(&o, err);
  *out = NULL;
  if (!c.l) return err->code;
  aw_status st = cli_stream_file(path, 0, feed_loader, &c, err);
  if (st == AW_OK) st = aw_loader_finish(c.l, err);
  if (st == AW_OK && aw_loader_rows_rejected(c.l) > 0) {
    const aw_reject *r = aw_loader_reject(c.l, 0);
    st = aw_error_at(err, AW_ERR_PARSE, path, r ? r->line : 0, 0, "%s (%llu rows rejected; fix or remove them)",
                     r && r->reason ? r->reason : "row rejected", (unsigned long long)aw_loader_rows_rejected(c.l));
  }
  if (st != AW_OK) {
    aw_loader_free(c.l);
    return st;
  }
  *out = c.l;
  return AW_OK;
}

static long pick_column(const aw_table *t, const char *want, const char *path, aw_error *err) {
  if (want) {
    long j = aw_table_find(t, want);
    if (j < 0) aw_error_at(err, AW_ERR_NOTFOUND, path, 1, 0, "no numeric column named \"%s\"", want);
    return j;
  }
  long j = aw_table_find(t, "anomaly_score");
  if (j >= 0) return j;
  if (aw_table_cols(t) == 0) {
    aw_error_at(err, AW_ERR_NOTFOUND, path, 1, 0, "no numeric column");
    return -1;
  }
  return 0;
}

static void add_tail(cJSON *o, const aw_pot_tail_result *r) {
  cJSON_AddNumberToObject(o, "t", r->t);
  cJSON_AddNumberToObject(o, "gamma", r->gamma);
  cJSON_AddNumberToObject(o, "sigma", r->sigma);
  cJSON_AddNumberToObject(o, "z", r->z_abs);
  cJSON_AddNumberToObject(o, "n", (double)r->n);
  cJSON_AddNumberToObject(o, "N_t", (double)r->nt);
  cJSON_AddNumberToObject(o, "alarms", (double)r->alarms);
  cJSON_AddStringToObject(o, "method", aw_gpd_method_name(r->method));
  cJSON_AddNumberToObject(o, "loglik", r->loglik);
  cJSON_AddNumberToObject(o, "excesses_stored", (double)r->stored);
}

static void print_json(cJSON *root) {
  char *s = cJSON_Print(root);
  if (s) {
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
  }
}

int aw_cmd_pot(int argc, char **argv) {
  aw_pot_params p;
  aw_pot_params_default(&p);
  p.n_init = 0;
  const char *in = NULL, *out = NULL, *column = NULL, *labels = NULL;
  int stream = 0, sweep = 0, init_given = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(POT_HELP, stdout);
      return 0;
    }
    if (strcmp(a, "--stream") == 0) { stream = 1; continue; }
    if (strcmp(a, "--both") == 0) { p.both = 1; continue; }
    if (strcmp(a, "--sweep") == 0) { sweep = 1; continue; }
    if (strcmp(a, "--keep-alarms") == 0) { p.keep_alarms = 1; continue; }
    if ((r = cli_opt_double(argc, argv, &i, "--level", &p.level))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_double(argc, argv, &i, "--q", &p.q))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_size(argc, argv, &i, "--init", &p.n_init))) { if (r < 0) return 2; init_given = 1; continue; }
    if ((r = cli_opt_size(argc, argv, &i, "--drift", &p.drift))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_size(argc, argv, &i, "--max-excess", &p.max_excess))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_size(argc, argv, &i, "--full-fit-every", &p.full_fit_every))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--column", &column))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--labels", &labels))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--output", &out))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "-o", &out))) { if (r < 0) return 2; continue; }
    if (a[0] == '-' && a[1] != '\0') return cli_usage_error("pot", "unknown option %s", a);
    if (in) return cli_usage_error("pot", "one input file only (got %s and %s)", in, a);
    in = a;
  }
  if (!in) return cli_usage_error("pot", "no input file");
  if (!out && !sweep) return cli_usage_error("pot", "no output file (-o OUT.csv)");
  if (p.drift && !stream) return cli_usage_error("pot", "--drift needs --stream (DSPOT is a streaming algorithm)");
  if (labels && !sweep) return cli_usage_error("pot", "--labels is used by --sweep only");
  if (stream && !init_given) p.n_init = 2000;

  aw_error err;
  aw_error_clear(&err);
  aw_loader *l = NULL;
  if (load_csv(in, &l, &err) != AW_OK) return cli_fail(&err);
  const aw_table *t = aw_loader_table(l);
  long col = pick_column(t, column, in, &err);
  if (col < 0) {
    aw_loader_free(l);
    return cli_fail(&err);
  }
  size_t n = aw_table_rows(t);
  const double *x = aw_table_column(t, (size_t)col);
  for (size_t i = 0; i < n; i++)
    if (x[i] != x[i]) {
      aw_error_at(&err, AW_ERR_RANGE, in, 0, 0, "column %s: data row %zu has no value (POT needs every value)",
                  aw_table_col_name(t, (size_t)col), i + 1);
      aw_loader_free(l);
      return cli_fail(&err);
    }
  int rc = 0;
  if (sweep) {
    uint8_t *lab = NULL;
    if (labels) {
      long lc = aw_table_find(t, labels);
      if (lc < 0) {
        aw_error_at(&err, AW_ERR_NOTFOUND, in, 1, 0, "no label column named \"%s\"", labels);
        aw_loader_free(l);
        return cli_fail(&err);
      }
      lab = (uint8_t *)malloc(n ? n : 1);
      const double *lv = aw_table_column(t, (size_t)lc);
      for (size_t i = 0; i < n; i++) lab[i] = lv[i] == lv[i] && lv[i] != 0.0;
    }
    aw_pot_sweep sw;
    if (aw_pot_sweep_run(x, n, lab, &p, stream, &sw, NULL, &err) != AW_OK) {
      free(lab);
      aw_loader_free(l);
      return cli_fail(&err);
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "column", aw_table_col_name(t, (size_t)col));
    cJSON_AddStringToObject(root, "mode", stream ? (p.drift ? "dspot" : "spot") : "batch");
    cJSON_AddBoolToObject(root, "uses_labels", sw.uses_labels);
    cJSON *rows = cJSON_AddArrayToObject(root, "rows");
    for (int k = 0; k < AW_POT_SWEEP_N; k++) {
      const aw_pot_sweep_row *r = &sw.rows[k];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddNumberToObject(o, "q", r->q);
      cJSON_AddBoolToObject(o, "valid", r->valid);
      if (r->valid) {
        cJSON_AddNumberToObject(o, "z", r->z_upper);
        if (p.both) cJSON_AddNumberToObject(o, "z_lower", r->z_lower);
        cJSON_AddNumberToObject(o, "alarms", (double)r->alarms);
        if (sw.uses_labels) {
          cJSON_AddNumberToObject(o, "precision", r->precision);
          cJSON_AddNumberToObject(o, "recall", r->recall);
          cJSON_AddNumberToObject(o, "f1", r->f1);
        }
      }
      cJSON_AddItemToArray(rows, o);
    }
    if (sw.uses_labels && sw.best_index >= 0) {
      cJSON *b = cJSON_AddObjectToObject(root, "best_by_labels");
      cJSON_AddNumberToObject(b, "q", sw.rows[sw.best_index].q);
      cJSON_AddNumberToObject(b, "f1", sw.rows[sw.best_index].f1);
      cJSON_AddStringToObject(b, "note", "chosen with the labels (point-adjusted F1): an upper bound, not a blind result");
    }
    print_json(root);
    cJSON_Delete(root);
    free(lab);
    aw_loader_free(l);
    return 0;
  }

  double *zu = (double *)malloc((n ? n : 1) * sizeof(double));
  double *zl = (double *)malloc((n ? n : 1) * sizeof(double));
  uint8_t *al = (uint8_t *)malloc(n ? n : 1);
  aw_pot_result res;
  aw_status st = !zu || !zl || !al ? aw_error_set(&err, AW_ERR_NOMEM, "out of memory")
                 : stream         ? aw_spot_run(x, n, &p, zu, zl, al, &res, NULL, &err)
                                  : aw_pot_batch(x, n, &p, zu, zl, al, &res, &err);
  if (st != AW_OK) {
    aw_error_prefix(&err, "%s", in);
    rc = cli_fail(&err);
  } else {
    const double *tm = aw_table_time(t);
    int iso = aw_loader_time_format(l) == AW_TIME_ISO8601;
    aw_buf b = {0};
    if (tm) aw_buf_printf(&b, "timestamp,");
    aw_buf_printf(&b, "value,threshold,%salarm\n", p.both ? "threshold_lower," : "");
    char num[AW_FMT_DOUBLE_MAX];
    for (size_t i = 0; i < n && st == AW_OK; i++) {
      if (tm) {
        if (iso) {
          char ts[48];
          aw_fmt_time_iso(ts, tm[i]);
          aw_buf_printf(&b, "%s,", ts);
        } else {
          aw_fmt_double(num, tm[i]);
          aw_buf_printf(&b, "%s,", num);
        }
      }
      aw_fmt_double(num, x[i]);
      aw_buf_printf(&b, "%s,", num);
      aw_fmt_double(num, zu[i]);
      aw_buf_printf(&b, "%s,", num);
      if (p.both) {
        aw_fmt_double(num, zl[i]);
        aw_buf_printf(&b, "%s,", num);
      }
      st = aw_buf_printf(&b, "%d\n", al[i]);
    }
    if (st == AW_OK) st = cli_write_file(out, b.data, b.len, &err);
    else aw_error_set(&err, AW_ERR_NOMEM, "out of memory writing %s", out);
    aw_buf_free(&b);
    if (st != AW_OK) {
      rc = cli_fail(&err);
    } else {
      cJSON *root = cJSON_CreateObject();
      cJSON_AddStringToObject(root, "column", aw_table_col_name(t, (size_t)col));
      cJSON_AddStringToObject(root, "mode", stream ? (p.drift ? (p.both ? "bidspot" : "dspot") : (p.both ? "bispot" : "spot"))
                                                   : "batch");
      cJSON_AddNumberToObject(root, "rows", (double)n);
      cJSON_AddNumberToObject(root, "q", p.q);
      cJSON_AddNumberToObject(root, "level", p.level);
      if (p.both) {
        add_tail(cJSON_AddObjectToObject(root, "upper"), &res.upper);
        add_tail(cJSON_AddObjectToObject(root, "lower"), &res.lower);
        cJSON_AddNumberToObject(root, "alarms", (double)res.alarms);
      } else {
        add_tail(root, &res.upper);
      }
      print_json(root);
      cJSON_Delete(root);
    }
  }
  free(zu);
  free(zl);
  free(al);
  aw_loader_free(l);
  return rc;
}

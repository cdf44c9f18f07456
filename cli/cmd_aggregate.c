/* cmd_aggregate.c - `aw aggregate`: the IBM Cloud dataset paper's interval aggregation (8
 * statistics per interval and key), streamed in bounded memory, and the pivot to / from the wide
 * column template {location}_{kind}_{host}_{method}_{statusCode}_{endpoint}_{stat}. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/eval.h"
#include "aw/table.h"
#include "cJSON.h"
#include "cli.h"

static const char *AGG_HELP =
    "usage: aw aggregate RECORDS.csv -o OUT.csv [options]     records -> statistics per interval and key\n"
    "       aw aggregate --pivot LONG.csv -o WIDE.csv             long (9 columns) -> wide template\n"
    "       aw aggregate --unpivot WIDE.csv -o LONG.csv           wide template -> long (9 columns)\n"
    "\n"
    "Aggregation: records (a time, six key fields, a value) are grouped into intervals aligned to the\n"
    "wall clock (UTC; start = floor(time / interval) * interval) and per interval and key summarised\n"
    "by min, max, median, mean, count, std, skewness, kurtosis (pandas' definitions). The input is\n"
    "streamed: an interval is written once a record `--lateness` intervals newer arrives, so memory\n"
    "holds only the open intervals; a record for an interval already written is an error.\n"
    "\n"
    "  --interval S       seconds per interval (default 300)\n"
    "  --lateness K       intervals a record may lag the newest one (default 0: input sorted by interval)\n"
    "  --time-column C    default timestamp\n"
    "  --value-column C   default value\n"
    "  --keys a,b,c,d,e,f the input columns holding location,kind,host,method,statusCode,endpoint\n"
    "                     (default those names; an empty name means the field is absent: \"\")\n"
    "  --wide             write the wide template (one row per interval) instead of the long format\n"
    "  --max-values N     bound on values held in open intervals (default 67108864)\n"
    "\n"
    "Long format, 9 columns: timestamp,location,kind,host,method,statusCode,endpoint,stat,value.\n"
    "Empty value cells are skipped and counted (\"missing_values\" in the JSON summary on stdout).\n";

static const char *LONG_HEADER = "timestamp,location,kind,host,method,statusCode,endpoint,stat,value\n";

/* ------------------------------------------------------------------ CSV output helpers */

static void put_field(FILE *f, const char *s) {
  int q = strpbrk(s, ",\"\r\n") != NULL;
  if (!q) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void put_long_row(FILE *f, double start, const char *const key[AW_AGG_NKEYS], int stat, double v) {
  char ts[48], num[AW_FMT_DOUBLE_MAX];
  aw_fmt_time_iso(ts, start);
  fputs(ts, f);
  for (int q = 0; q < AW_AGG_NKEYS; q++) {
    fputc(',', f);
    put_field(f, key[q]);
  }
  fputc(',', f);
  fputs(aw_agg_stat_name(stat), f);
  fputc(',', f);
  if (v == v) {
    aw_fmt_double(num, v);
    fputs(num, f);
  }
  fputc('\n', f);
}

/* ------------------------------------------------------------------ records -> aggregation */

/* The first malformed record is reported with its line and reason (after the input ends). */
typedef struct rejinfo {
  uint64_t line, count;
  char reason[200];
} rejinfo;

static void note_reject(rejinfo *r, uint64_t line, const char *reason) {
  if (r->count++ == 0) {
    r->line = line;
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "malformed");
  }
}

typedef struct aggctx {
  const char *path;
  aw_csv *csv;
  aw_agg *agg;
  aw_pivot *pivot;     /* --wide */
  FILE *out;           /* long */
  const char *tcol, *vcol;
  const char *keycols[AW_AGG_NKEYS];
  long ti, vi, ki[AW_AGG_NKEYS];
  aw_time_format tf;
  uint64_t missing, rows;
  rejinfo rej;
} aggctx;

static aw_status emit_row(void *ud, const aw_agg_row *row, aw_error *err) {
  aggctx *c = (aggctx *)ud;
  if (c->pivot) {
    size_t kl[AW_AGG_NKEYS];
    for (int q = 0; q < AW_AGG_NKEYS; q++) kl[q] = strlen(row->key[q]);
    for (int s = 0; s < AW_AGG_NSTATS; s++) {
      aw_status st = aw_pivot_add(c->pivot, row->start, row->key, kl, s, row->stat[s], err);
      if (st != AW_OK) return st;
    }
    return AW_OK;
  }
  for (int s = 0; s < AW_AGG_NSTATS; s++) put_long_row(c->out, row->start, row->key, s, row->stat[s]);
  if (ferror(c->out)) return aw_error_set(err, AW_ERR_IO, "write error");
  return AW_OK;
}

static long find_field(const aw_csv_record *r, const char *name) {
  size_t n = strlen(name);
  for (size_t j = 0; j < r->nfields; j++)
    if (r->fields[j].n == n && memcmp(r->fields[j].p, name, n) == 0) return (long)j;
  return -1;
}

static aw_status on_record(void *ud, const aw_csv_record *r, aw_error *err) {
  aggctx *c = (aggctx *)ud;
  if (r->is_header) {
    c->ti = find_field(r, c->tcol);
    c->vi = find_field(r, c->vcol);
    if (c->ti < 0) return aw_error_at(err, AW_ERR_NOTFOUND, c->path, r->line, 0, "no column named \"%s\"", c->tcol);
    if (c->vi < 0) return aw_error_at(err, AW_ERR_NOTFOUND, c->path, r->line, 0, "no column named \"%s\"", c->vcol);
    for (int q = 0; q < AW_AGG_NKEYS; q++) {
      c->ki[q] = -1;
      if (!c->keycols[q][0]) continue;
      c->ki[q] = find_field(r, c->keycols[q]);
      if (c->ki[q] < 0)
        return aw_error_at(err, AW_ERR_NOTFOUND, c->path, r->line, 0, "no key column named \"%s\" (for %s; see --keys)",
                           c->keycols[q], aw_agg_key_name(q));
    }
    return AW_OK;
  }
  c->rows++;
  const aw_csv_field *tf = &r->fields[c->ti], *vf = &r->fields[c->vi];
  double t, v;
  aw_time_format det;
  if (!aw_parse_time(tf->p, tf->n, c->tf, &t, &det))
    return aw_error_at(err, AW_ERR_PARSE, c->path, r->line, (uint64_t)c->ti + 1, "time \"%.*s\" does not parse%s",
                       (int)(tf->n > 40 ? 40 : tf->n), tf->p, c->tf ? " in the format of the first row" : "");
  if (c->tf == AW_TIME_UNKNOWN) c->tf = det;
  int k = aw_parse_cell(vf->p, vf->n, &v);
  if (k == 0)
    return aw_error_at(err, AW_ERR_PARSE, c->path, r->line, (uint64_t)c->vi + 1, "value \"%.*s\" is not a number",
                       (int)(vf->n > 40 ? 40 : vf->n), vf->p);
  if (k == 2 || v != v || v - v != 0.0) {
    c->missing++;
    return AW_OK;
  }
  const char *key[AW_AGG_NKEYS];
  size_t kl[AW_AGG_NKEYS];
  for (int q = 0; q < AW_AGG_NKEYS; q++) {
    if (c->ki[q] < 0) {
      key[q] = "";
      kl[q] = 0;
    } else {
      key[q] = r->fields[c->ki[q]].p;
      kl[q] = r->fields[c->ki[q]].n;
    }
  }
  aw_status st = aw_agg_push(c->agg, t, key, kl, v, err);
  if (st != AW_OK) {
    err->line = r->line;
    snprintf(err->file, sizeof err->file, "%s", c->path);
  }
  return st;
}

static void on_reject(void *ud, uint64_t line, const char *reason) { note_reject(&((aggctx *)ud)->rej, line, reason); }

static aw_status feed_csv(void *ud, const char *data, size_t n, aw_error *err) {
  return aw_csv_feed(((aggctx *)ud)->csv, data, n, err);
}

static int run_aggregate(const char *in, const char *out, const aw_agg_opts *o, const char *tcol, const char *vcol,
                         const char *keys, int wide) {
  aw_error err;
  aw_error_clear(&err);
  aggctx c;
  memset(&c, 0, sizeof c);
  c.path = in;
  c.tcol = tcol;
  c.vcol = vcol;
  char keybuf[1024];
  snprintf(keybuf, sizeof keybuf, "%s", keys);
  {
    char *p = keybuf;
    for (int q = 0; q < AW_AGG_NKEYS; q++) {
      char *comma = strchr(p, ',');
      if (!comma && q < AW_AGG_NKEYS - 1) return cli_usage_error("aggregate", "--keys needs 6 comma-separated names");
      if (comma) *comma = '\0';
      c.keycols[q] = p;
      p = comma ? comma + 1 : p + strlen(p);
    }
    if (*p) return cli_usage_error("aggregate", "--keys needs exactly 6 comma-separated names");
  }
  FILE *f = fopen(out, "wb");
  if (!f) {
    aw_error_at(&err, AW_ERR_IO, out, 0, 0, "cannot create");
    return cli_fail(&err);
  }
  c.out = f;
  if (wide) c.pivot = aw_pivot_new(&err);
  c.agg = aw_agg_new(o, emit_row, &c, &err);
  aw_csv_opts co;
  aw_csv_opts_default(&co);
  co.name = in;
  c.csv = c.agg && (!wide || c.pivot) ? aw_csv_new(&co, on_record, on_reject, &c, &err) : NULL;
  aw_status st = c.csv ? AW_OK : (err.code ? err.code : AW_ERR_NOMEM);
  if (st == AW_OK && !wide) fputs(LONG_HEADER, f);
  if (st == AW_OK) st = cli_stream_file(in, 0, feed_csv, &c, &err);
  if (st == AW_OK) st = aw_csv_finish(c.csv, &err);
  if (st == AW_OK && c.rej.count)
    st = aw_error_at(&err, AW_ERR_PARSE, in, c.rej.line, 0, "%s (%llu malformed record(s))", c.rej.reason,
                     (unsigned long long)c.rej.count);
  if (st == AW_OK) st = aw_agg_finish(c.agg, &err);
  if (st == AW_OK && wide) {
    aw_table *t = NULL;
    st = aw_pivot_table(c.pivot, &t, &err);
    if (st == AW_OK) {
      aw_buf b = {0};
      st = aw_table_to_csv(t, 1, &b);
      if (st == AW_OK && fwrite(b.data, 1, b.len, f) != b.len) st = aw_error_at(&err, AW_ERR_IO, out, 0, 0, "write error");
      aw_buf_free(&b);
    }
    aw_table_free(t);
  }
  if (fclose(f) != 0 && st == AW_OK) st = aw_error_at(&err, AW_ERR_IO, out, 0, 0, "write error");
  int rc = 0;
  if (st != AW_OK) {
    rc = cli_fail(&err);
  } else {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "rows", (double)c.rows);
    cJSON_AddNumberToObject(root, "records", (double)aw_agg_records(c.agg));
    cJSON_AddNumberToObject(root, "missing_values", (double)c.missing);
    cJSON_AddNumberToObject(root, "groups", (double)aw_agg_groups_emitted(c.agg));
    cJSON_AddNumberToObject(root, "interval", o->interval);
    cJSON_AddNumberToObject(root, "peak_values_held", (double)aw_agg_peak_values(c.agg));
    if (wide) cJSON_AddNumberToObject(root, "columns", (double)aw_pivot_columns(c.pivot));
    char *s = cJSON_Print(root);
    if (s) puts(s);
    free(s);
    cJSON_Delete(root);
  }
  aw_csv_free(c.csv);
  aw_agg_free(c.agg);
  aw_pivot_free(c.pivot);
  return rc;
}

/* ------------------------------------------------------------------ long -> wide */

typedef struct pivctx {
  const char *path;
  aw_csv *csv;
  aw_pivot *pivot;
  long col[9];
  aw_time_format tf;
  uint64_t rows;
  rejinfo rej;
} pivctx;

static const char *LONG_COLS[9] = {"timestamp", "location", "kind", "host", "method", "statusCode", "endpoint", "stat", "value"};

static aw_status piv_record(void *ud, const aw_csv_record *r, aw_error *err) {
  pivctx *c = (pivctx *)ud;
  if (r->is_header) {
    for (int k = 0; k < 9; k++) {
      c->col[k] = find_field(r, LONG_COLS[k]);
      if (c->col[k] < 0)
        return aw_error_at(err, AW_ERR_NOTFOUND, c->path, r->line, 0, "no column \"%s\" (long format: %.*s)", LONG_COLS[k],
                           (int)strlen(LONG_HEADER) - 1, LONG_HEADER);
    }
    return AW_OK;
  }
  c->rows++;
  const aw_csv_field *tf = &r->fields[c->col[0]], *sf = &r->fields[c->col[7]], *vf = &r->fields[c->col[8]];
  double t, v;
  aw_time_format det;
  if (!aw_parse_time(tf->p, tf->n, c->tf, &t, &det))
    return aw_error_at(err, AW_ERR_PARSE, c->path, r->line, (uint64_t)c->col[0] + 1, "time does not parse");
  if (c->tf == AW_TIME_UNKNOWN) c->tf = det;
  int s = aw_agg_stat_find(sf->p, sf->n);
  if (s < 0) return aw_error_at(err, AW_ERR_PARSE, c->path, r->line, (uint64_t)c->col[7] + 1, "unknown statistic");
  int k = aw_parse_cell(vf->p, vf->n, &v);
  if (k == 0) return aw_error_at(err, AW_ERR_PARSE, c->path, r->line, (uint64_t)c->col[8] + 1, "value is not a number");
  const char *key[AW_AGG_NKEYS];
  size_t kl[AW_AGG_NKEYS];
  for (int q = 0; q < AW_AGG_NKEYS; q++) {
    key[q] = r->fields[c->col[q + 1]].p;
    kl[q] = r->fields[c->col[q + 1]].n;
  }
  aw_status st = aw_pivot_add(c->pivot, t, key, kl, s, k == 2 ? NAN : v, err);
  if (st != AW_OK) {
    err->line = r->line;
    snprintf(err->file, sizeof err->file, "%s", c->path);
  }
  return st;
}

static void piv_reject(void *ud, uint64_t line, const char *reason) { note_reject(&((pivctx *)ud)->rej, line, reason); }

static aw_status piv_feed(void *ud, const char *data, size_t n, aw_error *err) {
  return aw_csv_feed(((pivctx *)ud)->csv, data, n, err);
}

static int run_pivot(const char *in, const char *out) {
  aw_error err;
  aw_error_clear(&err);
  pivctx c;
  memset(&c, 0, sizeof c);
  c.path = in;
  c.pivot = aw_pivot_new(&err);
  aw_csv_opts co;
  aw_csv_opts_default(&co);
  co.name = in;
  c.csv = c.pivot ? aw_csv_new(&co, piv_record, piv_reject, &c, &err) : NULL;
  aw_status st = c.csv ? AW_OK : err.code;
  if (st == AW_OK) st = cli_stream_file(in, 0, piv_feed, &c, &err);
  if (st == AW_OK) st = aw_csv_finish(c.csv, &err);
  if (st == AW_OK && c.rej.count)
    st = aw_error_at(&err, AW_ERR_PARSE, in, c.rej.line, 0, "%s (%llu malformed record(s))", c.rej.reason,
                     (unsigned long long)c.rej.count);
  aw_table *t = NULL;
  if (st == AW_OK) st = aw_pivot_table(c.pivot, &t, &err);
  if (st == AW_OK) {
    aw_buf b = {0};
    st = aw_table_to_csv(t, 1, &b);
    if (st == AW_OK) st = cli_write_file(out, b.data, b.len, &err);
    aw_buf_free(&b);
  }
  int rc = 0;
  if (st != AW_OK) rc = cli_fail(&err);
  else printf("{\"rows\": %llu, \"intervals\": %zu, \"columns\": %zu}\n", (unsigned long long)c.rows, aw_table_rows(t),
              aw_table_cols(t));
  aw_table_free(t);
  aw_csv_free(c.csv);
  aw_pivot_free(c.pivot);
  return rc;
}

/* ------------------------------------------------------------------ wide -> long */

typedef struct widectx {
  aw_loader *l;
} widectx;

static aw_status wide_feed(void *ud, const char *data, size_t n, aw_error *err) {
  return aw_loader_feed(((widectx *)ud)->l, data, n, err);
}

static int run_unpivot(const char *in, const char *out) {
  aw_error err;
  aw_error_clear(&err);
  aw_loader_opts o;
  aw_loader_opts_default(&o);
  o.csv.name = in;
  widectx c;
  c.l = aw_loader_new(&o, &err);
  if (!c.l) return cli_fail(&err);
  aw_status st = cli_stream_file(in, 0, wide_feed, &c, &err);
  if (st == AW_OK) st = aw_loader_finish(c.l, &err);
  if (st == AW_OK && aw_loader_rows_rejected(c.l)) {
    const aw_reject *r = aw_loader_reject(c.l, 0);
    st = aw_error_at(&err, AW_ERR_PARSE, in, r ? r->line : 0, 0, "%s", r && r->reason ? r->reason : "row rejected");
  }
  if (st == AW_OK && aw_loader_skipped_count(c.l))
    st = aw_error_at(&err, AW_ERR_PARSE, in, 1, 0, "column \"%s\" is not numeric", aw_loader_skipped(c.l, 0));
  const aw_table *t = st == AW_OK ? aw_loader_table(c.l) : NULL;
  if (st == AW_OK && !aw_table_time(t)) st = aw_error_at(&err, AW_ERR_PARSE, in, 1, 0, "no timestamp column");
  size_t nc = t ? aw_table_cols(t) : 0;
  const char *(*keys)[AW_AGG_NKEYS] = NULL;
  size_t(*klen)[AW_AGG_NKEYS] = NULL;
  int *stat = NULL;
  char **knul = NULL;
  if (st == AW_OK) {
    keys = calloc(nc ? nc : 1, sizeof *keys);
    klen = calloc(nc ? nc : 1, sizeof *klen);
    stat = calloc(nc ? nc : 1, sizeof *stat);
    knul = calloc((nc ? nc : 1) * AW_AGG_NKEYS, sizeof(char *));
    if (!keys || !klen || !stat || !knul) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
  }
  for (size_t j = 0; j < nc && st == AW_OK; j++) {
    const char *name = aw_table_col_name(t, j);
    st = aw_agg_column_split(name, strlen(name), keys[j], klen[j], &stat[j], &err);
    if (st != AW_OK) {
      err.line = 1;
      snprintf(err.file, sizeof err.file, "%s", in);
    }
    for (int q = 0; q < AW_AGG_NKEYS && st == AW_OK; q++) {
      char *k = (char *)malloc(klen[j][q] + 1);
      if (!k) {
        st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
        break;
      }
      memcpy(k, keys[j][q], klen[j][q]);
      k[klen[j][q]] = '\0';
      knul[j * AW_AGG_NKEYS + q] = k;
    }
  }
  uint64_t cells = 0;
  if (st == AW_OK) {
    FILE *f = fopen(out, "wb");
    if (!f) {
      st = aw_error_at(&err, AW_ERR_IO, out, 0, 0, "cannot create");
    } else {
      fputs(LONG_HEADER, f);
      const double *tm = aw_table_time(t);
      for (size_t i = 0; i < aw_table_rows(t); i++)
        for (size_t j = 0; j < nc; j++) {
          double v = aw_table_column(t, j)[i];
          if (v != v) continue; /* an empty cell: no group at that interval */
          put_long_row(f, tm[i], (const char *const *)&knul[j * AW_AGG_NKEYS], stat[j], v);
          cells++;
        }
      if (fclose(f) != 0) st = aw_error_at(&err, AW_ERR_IO, out, 0, 0, "write error");
    }
  }
  int rc = 0;
  if (st != AW_OK) rc = cli_fail(&err);
  else printf("{\"intervals\": %zu, \"columns\": %zu, \"rows_written\": %llu}\n", aw_table_rows(t), nc,
              (unsigned long long)cells);
  if (knul)
    for (size_t j = 0; j < nc * AW_AGG_NKEYS; j++) free(knul[j]);
  free(knul);
  free(keys);
  free(klen);
  free(stat);
  aw_loader_free(c.l);
  return rc;
}

int aw_cmd_aggregate(int argc, char **argv) {
  aw_agg_opts o;
  aw_agg_opts_default(&o);
  const char *in = NULL, *out = NULL, *tcol = "timestamp", *vcol = "value",
             *keys = "location,kind,host,method,statusCode,endpoint";
  int wide = 0, pivot = 0, unpivot = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(AGG_HELP, stdout);
      return 0;
    }
    if (strcmp(a, "--wide") == 0) { wide = 1; continue; }
    if (strcmp(a, "--pivot") == 0) { pivot = 1; continue; }
    if (strcmp(a, "--unpivot") == 0) { unpivot = 1; continue; }
    if ((r = cli_opt_double(argc, argv, &i, "--interval", &o.interval))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_size(argc, argv, &i, "--lateness", &o.lateness))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_size(argc, argv, &i, "--max-values", &o.max_values))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--time-column", &tcol))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--value-column", &vcol))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--keys", &keys))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "--output", &out))) { if (r < 0) return 2; continue; }
    if ((r = cli_opt_str(argc, argv, &i, "-o", &out))) { if (r < 0) return 2; continue; }
    if (a[0] == '-' && a[1] != '\0') return cli_usage_error("aggregate", "unknown option %s", a);
    if (in) return cli_usage_error("aggregate", "one input file only");
    in = a;
  }
  if (!in || !out) return cli_usage_error("aggregate", "need an input file and -o OUT.csv");
  if (pivot + unpivot + wide > 1) return cli_usage_error("aggregate", "--pivot, --unpivot and --wide exclude each other");
  if (pivot) return run_pivot(in, out);
  if (unpivot) return run_unpivot(in, out);
  return run_aggregate(in, out, &o, tcol, vcol, keys, wide);
}

/* cmd_diagnose.c - `aw diagnose`: which replica of a service is the odd one (DTW among replicas,
 * ADS paper section 4.2). Prints JSON (replicas, matrix, scores, suspect, margin, ...). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/diagnose.h"
#include "aw/table.h"
#include "cJSON.h"
#include "cli.h"
#include "csv_rows.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: aw diagnose INPUT.csv [INPUT.csv ...] [options]\n"
          "\n"
          "Which replica of a service is the odd one: pairwise DTW distances among the replicas' latest\n"
          "points (ADS paper, section 4.2). Prints JSON with replicas, matrix, scores, suspect (null when\n"
          "there is no clear suspect) and margin.\n"
          "\n"
          "input (one of):\n"
          "  --replica-column NAME  long format: a row per replica and time, NAME holds the replica;\n"
          "                         several files with the same header are read as one table\n"
          "  --columns a,b,c        wide format: each column is one replica of one metric\n"
          "                         (neither option: wide, every numeric column is a replica)\n"
          "  --metrics m1,m2        long format: the metric columns (default: every numeric column)\n"
          "  --time-column NAME     (default: detected: timestamp/time/date/datetime/ts/t)\n"
          "  --align tail           long format: replicas with different row counts keep their latest\n"
          "                         rows up to the shortest count (default: different counts are an error)\n"
          "\n"
          "diagnosis:\n"
          "  --window N             points per replica (default 20, the paper's)\n"
          "  --at TIME              the window ends at the last point at or before TIME (ISO 8601 or unix\n"
          "                         seconds; a row index without a time column); default: the latest\n"
          "  --multivariate dependent|independent\n"
          "                         the metrics together (DTW_D or DTW_I); default: every metric alone,\n"
          "                         the one where a replica stands out most decides\n"
          "  --baseline N|auto      points before the window whose per-replica median is subtracted,\n"
          "                         for replicas with constant per-host offsets (default 0 = off;\n"
          "                         auto = 2 x window)\n"
          "  --scale joint|none|znorm  per-metric scaling (default joint: pooled over the replicas)\n"
          "  --min-margin X         below this margin: no clear suspect (default 0.55 per metric, 0.3\n"
          "                         multivariate)\n"
          "  --by sum|median        the score that ranks replicas (default sum)\n"
          "  --dtw-window R         Sakoe-Chiba radius (default: none)\n"
          "  --paa P                downsample each window by averaging blocks of P points (long windows)\n"
          "  --cost squared|absolute|squared_sum  point cost (default squared, result sqrt of the sum)\n"
          "  --skip-nan             drop missing points instead of failing\n"
          "  --sliding              the suspect over time (every window ending at window-1 .. the last)\n"
          "  --step N               sliding step (default 1)\n"
          "  --compact              one-line JSON\n");
}

typedef struct input {
  size_t k, M, T;
  double *data;          /* [k][M][T] */
  double *times;         /* T or NULL (replica 0's times) */
  char **rnames, **mnames;
  const char *format;
  size_t nskipped;
  char **skipped;
  size_t *rows;          /* rows per replica before alignment */
} input;

static void input_free(input *in) {
  AW_FREE(in->data);
  AW_FREE(in->times);
  if (in->rnames)
    for (size_t i = 0; i < in->k; i++) AW_FREE(in->rnames[i]);
  if (in->mnames)
    for (size_t j = 0; j < in->M; j++) AW_FREE(in->mnames[j]);
  AW_FREE(in->rnames);
  AW_FREE(in->mnames);
  if (in->skipped)
    for (size_t j = 0; j < in->nskipped; j++) AW_FREE(in->skipped[j]);
  AW_FREE(in->skipped);
  AW_FREE(in->rows);
}

static char *sdup(const char *s) {
  size_t n = strlen(s);
  char *d = AW_MALLOC(n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

typedef struct trow {
  double t;
  size_t row;
} trow;

static int cmp_trow(const void *a, const void *b) {
  const trow *x = a, *y = b;
  if (x->t < y->t) return -1;
  if (x->t > y->t) return 1;
  return x->row < y->row ? -1 : x->row > y->row; /* stable: input order */
}

/* Sorts rows order[0..n) by time (ties keep the input order). */
static int sort_by_time(size_t *order, size_t n, const double *times) {
  trow *v = aw_alloc_array(n ? n : 1, sizeof *v);
  if (!v) return -1;
  for (size_t i = 0; i < n; i++) {
    v[i].t = times[order[i]];
    v[i].row = order[i];
  }
  qsort(v, n, sizeof *v, cmp_trow);
  for (size_t i = 0; i < n; i++) order[i] = v[i].row;
  AW_FREE(v);
  return 0;
}

static aw_status load_long(int nfiles, char **files, const char *rep_col, const char *metrics, const char *time_col,
                           int align_tail, int skip_nan, input *in, aw_error *err) {
  csv_rows r;
  memset(&r, 0, sizeof r);
  csv_rows_opts o;
  memset(&o, 0, sizeof o);
  o.key_column = rep_col;
  o.columns = metrics;
  o.time_column = time_col;
  o.allow_missing = 1; /* NaN is reported by the diagnosis with replica, metric and time index */
  aw_status st = AW_OK;
  (void)skip_nan;
  for (int f = 0; f < nfiles && !st; f++) st = csv_rows_read(&r, files[f], &o, err);
  if (st) goto done;
  if (r.n == 0) {
    st = aw_error_at(err, AW_ERR_PARSE, files[0], 0, 0, "no data rows");
    goto done;
  }
  in->format = "long";
  in->k = r.nkeys;
  in->M = r.ncols;
  /* rows of each replica, in time order */
  size_t *order = aw_alloc_array(r.n, sizeof(size_t)), *cnt = aw_calloc_array(r.nkeys + 1, sizeof(size_t));
  in->rows = aw_calloc_array(r.nkeys, sizeof(size_t));
  if (!order || !cnt || !in->rows) {
    AW_FREE(order);
    AW_FREE(cnt);
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < r.n; i++) cnt[r.key[i] + 1]++;
  for (size_t q = 0; q < r.nkeys; q++) {
    in->rows[q] = cnt[q + 1];
    cnt[q + 1] += cnt[q];
  }
  size_t *pos = aw_alloc_array(r.nkeys, sizeof(size_t));
  if (!pos) {
    AW_FREE(order);
    AW_FREE(cnt);
    st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    goto done;
  }
  memcpy(pos, cnt, r.nkeys * sizeof(size_t));
  for (size_t i = 0; i < r.n; i++) order[pos[r.key[i]]++] = i;
  AW_FREE(pos);
  if (r.time_name)
    for (size_t q = 0; q < r.nkeys && !st; q++)
      if (sort_by_time(order + cnt[q], in->rows[q], r.times)) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  size_t T = in->rows[0];
  for (size_t q = 1; q < r.nkeys; q++)
    if (in->rows[q] < T) T = in->rows[q];
  for (size_t q = 1; q < r.nkeys && !align_tail; q++)
    if (in->rows[q] != in->rows[0]) {
      st = aw_error_set(err, AW_ERR_RANGE,
                        "replicas of different lengths: '%s' has %zu rows, '%s' has %zu (the replicas must cover the same "
                        "points; --align tail keeps the latest %zu rows of each)",
                        r.keys[0], in->rows[0], r.keys[q], in->rows[q], T);
      break;
    }
  if (!st) {
    in->T = T;
    in->data = aw_alloc_array(in->k * in->M * T, sizeof(double));
    in->times = r.time_name ? aw_alloc_array(T, sizeof(double)) : NULL;
    in->rnames = aw_calloc_array(in->k, sizeof(char *));
    in->mnames = aw_calloc_array(in->M, sizeof(char *));
    if (!in->data || (r.time_name && !in->times) || !in->rnames || !in->mnames) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  if (!st) {
    for (size_t q = 0; q < in->k; q++) {
      const size_t *ro = order + cnt[q] + (in->rows[q] - T); /* the latest T rows */
      for (size_t t = 0; t < T; t++) {
        size_t row = ro[t];
        for (size_t j = 0; j < in->M; j++) in->data[(q * in->M + j) * T + t] = r.values[row * r.ncols + j];
        if (q == 0 && in->times) in->times[t] = r.times[row];
      }
      if (!(in->rnames[q] = sdup(r.keys[q]))) st = AW_ERR_NOMEM;
    }
    for (size_t j = 0; j < in->M; j++)
      if (!(in->mnames[j] = sdup(r.names[j]))) st = AW_ERR_NOMEM;
    in->nskipped = r.nskipped;
    in->skipped = r.skipped;
    r.skipped = NULL;
    r.nskipped = 0;
    if (st) aw_error_set(err, st, "out of memory");
  }
  AW_FREE(order);
  AW_FREE(cnt);
done:
  csv_rows_free(&r);
  return st;
}

typedef struct loader_ctx {
  aw_loader *l;
} loader_ctx;

static aw_status loader_feed(void *ud, const char *data, size_t n, aw_error *err) {
  return aw_loader_feed(((loader_ctx *)ud)->l, data, n, err);
}

static aw_status load_wide(const char *file, const char *columns, const char *time_col, input *in, aw_error *err) {
  aw_loader_opts lo;
  aw_loader_opts_default(&lo);
  lo.csv.name = file;
  lo.time_column = time_col;
  aw_loader *l = aw_loader_new(&lo, err);
  if (!l) return err ? err->code : AW_ERR_NOMEM;
  loader_ctx c = {l};
  aw_status st = cli_stream_file(file, 0, loader_feed, &c, err);
  if (!st) st = aw_loader_finish(l, err);
  if (!st && aw_loader_rows_rejected(l) > 0) {
    const aw_reject *rj = aw_loader_reject(l, 0);
    st = aw_error_at(err, AW_ERR_PARSE, file, rj ? rj->line : 0, 0, "%llu row(s) refused, the first: %s",
                     (unsigned long long)aw_loader_rows_rejected(l), rj ? rj->reason : "?");
  }
  if (st) {
    if (err && !err->file[0]) snprintf(err->file, sizeof err->file, "%s", file);
    aw_loader_free(l);
    return st;
  }
  const aw_table *t = aw_loader_table(l);
  size_t ncols = aw_table_cols(t), T = aw_table_rows(t);
  long *pick = aw_alloc_array(ncols ? ncols : 1, sizeof(long));
  size_t k = 0;
  if (!pick) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (!st && columns) {
    const char *p = columns;
    while (*p && !st) {
      const char *e = strchr(p, ',');
      size_t len = e ? (size_t)(e - p) : strlen(p);
      char name[256];
      snprintf(name, sizeof name, "%.*s", (int)(len < 255 ? len : 255), p);
      long j = aw_table_find(t, name);
      if (j < 0) st = aw_error_at(err, AW_ERR_NOTFOUND, file, 1, 0, "no numeric column named '%s'", name);
      else if (k < ncols) pick[k++] = j;
      p = e ? e + 1 : p + len;
    }
  } else if (!st) {
    for (size_t j = 0; j < ncols; j++) pick[k++] = (long)j;
  }
  if (!st && T == 0) st = aw_error_at(err, AW_ERR_PARSE, file, 0, 0, "no data rows");
  if (!st) {
    in->format = "wide";
    in->k = k;
    in->M = 1;
    in->T = T;
    in->data = aw_alloc_array((k * T) > 0 ? k * T : 1, sizeof(double));
    in->rnames = aw_calloc_array(k ? k : 1, sizeof(char *));
    in->mnames = aw_calloc_array(1, sizeof(char *));
    in->rows = aw_calloc_array(k ? k : 1, sizeof(size_t));
    const double *tm = aw_table_time(t);
    if (tm) in->times = aw_alloc_array(T, sizeof(double));
    if (!in->data || !in->rnames || !in->mnames || !in->rows || (tm && !in->times))
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    else {
      for (size_t q = 0; q < k; q++) {
        memcpy(in->data + q * T, aw_table_column(t, (size_t)pick[q]), T * sizeof(double));
        in->rnames[q] = sdup(aw_table_col_name(t, (size_t)pick[q]));
        in->rows[q] = T;
      }
      in->mnames[0] = sdup("value");
      if (tm) memcpy(in->times, tm, T * sizeof(double));
      in->nskipped = aw_loader_skipped_count(l);
      in->skipped = aw_calloc_array(in->nskipped ? in->nskipped : 1, sizeof(char *));
      for (size_t j = 0; in->skipped && j < in->nskipped; j++) in->skipped[j] = sdup(aw_loader_skipped(l, j));
    }
  }
  AW_FREE(pick);
  aw_loader_free(l);
  return st;
}

static cJSON *jnum(double v) {
  if (!isfinite(v)) return cJSON_CreateNull();
  char b[AW_FMT_DOUBLE_MAX];
  aw_fmt_double(b, v);
  return cJSON_CreateRaw(b);
}

static void add_input_info(cJSON *root, const input *in, int nfiles, char **files) {
  cJSON *inp = cJSON_AddObjectToObject(root, "input");
  cJSON *fa = cJSON_AddArrayToObject(inp, "files");
  for (int f = 0; f < nfiles; f++) cJSON_AddItemToArray(fa, cJSON_CreateString(files[f]));
  cJSON_AddStringToObject(inp, "format", in->format);
  cJSON_AddItemToObject(inp, "points", jnum((double)in->T));
  cJSON *rows = cJSON_AddArrayToObject(inp, "rows_per_replica");
  for (size_t q = 0; q < in->k; q++) cJSON_AddItemToArray(rows, jnum((double)in->rows[q]));
  cJSON *sk = cJSON_AddArrayToObject(inp, "skipped_columns");
  for (size_t j = 0; j < in->nskipped; j++)
    if (in->skipped[j]) cJSON_AddItemToArray(sk, cJSON_CreateString(in->skipped[j]));
}

int aw_cmd_diagnose(int argc, char **argv) {
  const char *rep_col = NULL, *columns = NULL, *metrics = NULL, *time_col = NULL, *at_s = NULL, *multi = NULL,
             *scale = NULL, *by = NULL, *cost = NULL, *align = NULL;
  size_t window = AW_DIAG_DEFAULT_WINDOW, baseline = 0, dtw_window = AW_DTW_NO_WINDOW, step = 1, paa = 0;
  double min_margin = AW_DIAG_MARGIN_AUTO;
  int skip_nan = 0, sliding = 0, compact = 0, nfiles = 0;
  char **files = AW_CALLOC((size_t)argc, sizeof(char *));
  if (!files) return 1;
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    int r;
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      AW_FREE(files);
      return 0;
    }
    const char *bl;
    if ((r = cli_opt_str(argc, argv, &i, "--baseline", &bl))) {
      char *end;
      if (r > 0 && strcmp(bl, "auto") == 0) baseline = AW_DIAG_BASELINE_AUTO;
      else if (r > 0 && bl[0] >= '0' && bl[0] <= '9' && (baseline = (size_t)strtoull(bl, &end, 10), *end == '\0')) {
      } else {
        AW_FREE(files);
        return r < 0 ? 2 : cli_usage_error("diagnose", "--baseline: '%s' is neither a number of points nor auto", bl);
      }
      continue;
    }
    if ((r = cli_opt_str(argc, argv, &i, "--replica-column", &rep_col)) ||
        (r = cli_opt_str(argc, argv, &i, "--columns", &columns)) || (r = cli_opt_str(argc, argv, &i, "--metrics", &metrics)) ||
        (r = cli_opt_str(argc, argv, &i, "--time-column", &time_col)) || (r = cli_opt_str(argc, argv, &i, "--at", &at_s)) ||
        (r = cli_opt_str(argc, argv, &i, "--multivariate", &multi)) || (r = cli_opt_str(argc, argv, &i, "--scale", &scale)) ||
        (r = cli_opt_str(argc, argv, &i, "--by", &by)) || (r = cli_opt_str(argc, argv, &i, "--cost", &cost)) ||
        (r = cli_opt_str(argc, argv, &i, "--align", &align)) || (r = cli_opt_size(argc, argv, &i, "--window", &window)) ||

        (r = cli_opt_size(argc, argv, &i, "--dtw-window", &dtw_window)) || (r = cli_opt_size(argc, argv, &i, "--step", &step)) ||
        (r = cli_opt_size(argc, argv, &i, "--paa", &paa)) ||
        (r = cli_opt_double(argc, argv, &i, "--min-margin", &min_margin))) {
      if (r < 0) {
        AW_FREE(files);
        return 2;
      }
      continue;
    }
    if (strcmp(a, "--skip-nan") == 0) skip_nan = 1;
    else if (strcmp(a, "--sliding") == 0) sliding = 1;
    else if (strcmp(a, "--compact") == 0) compact = 1;
    else if (a[0] == '-' && a[1]) {
      AW_FREE(files);
      return cli_usage_error("diagnose", "unknown option '%s'", a);
    } else files[nfiles++] = argv[i];
  }
  if (nfiles == 0) {
    AW_FREE(files);
    return cli_usage_error("diagnose", "no input file");
  }
  if (rep_col && columns) {
    AW_FREE(files);
    return cli_usage_error("diagnose", "--replica-column (long format) and --columns (wide format) exclude each other");
  }
  if (!rep_col && (metrics || align)) {
    AW_FREE(files);
    return cli_usage_error("diagnose", "--metrics and --align apply to the long format (--replica-column)");
  }
  if (!rep_col && nfiles > 1) {
    AW_FREE(files);
    return cli_usage_error("diagnose", "several input files are read in the long format only (--replica-column)");
  }
  aw_diag_opts o;
  aw_diag_opts_default(&o);
  o.window = window;
  o.baseline = baseline;
  o.min_margin = min_margin;
  o.dtw.window = dtw_window;
  o.dtw.skip_nan = skip_nan;
  o.dtw.paa = paa;
  if (multi) {
    if (strcmp(multi, "dependent") == 0) o.mode = AW_DIAG_DEPENDENT;
    else if (strcmp(multi, "independent") == 0) o.mode = AW_DIAG_INDEPENDENT;
    else rc = cli_usage_error("diagnose", "--multivariate must be dependent or independent, not '%s'", multi);
  }
  if (scale && !rc) {
    if (strcmp(scale, "joint") == 0) o.scale = AW_DIAG_SCALE_JOINT;
    else if (strcmp(scale, "none") == 0) o.scale = AW_DIAG_SCALE_NONE;
    else if (strcmp(scale, "znorm") == 0) o.scale = AW_DIAG_SCALE_ZNORM;
    else rc = cli_usage_error("diagnose", "--scale must be joint, none or znorm, not '%s'", scale);
  }
  if (by && !rc) {
    if (strcmp(by, "median") == 0) o.by_median = 1;
    else if (strcmp(by, "sum") != 0) rc = cli_usage_error("diagnose", "--by must be sum or median, not '%s'", by);
  }
  if (cost && !rc && aw_dtw_cost_parse(cost, &o.dtw.cost))
    rc = cli_usage_error("diagnose", "--cost must be squared, absolute or squared_sum, not '%s'", cost);
  if (align && !rc && strcmp(align, "tail") != 0) rc = cli_usage_error("diagnose", "--align must be tail, not '%s'", align);
  if (step == 0 && !rc) rc = cli_usage_error("diagnose", "--step must be >= 1");
  if (rc) {
    AW_FREE(files);
    return rc;
  }
  aw_error err;
  aw_error_clear(&err);
  input in;
  memset(&in, 0, sizeof in);
  aw_status st = rep_col ? load_long(nfiles, files, rep_col, metrics, time_col, align != NULL, skip_nan, &in, &err)
                         : load_wide(files[0], columns, time_col, &in, &err);
  if (!st && in.k < 2)
    st = aw_error_at(&err, AW_ERR_ARG, files[0], 0, 0,
                     "diagnosis needs at least 2 replicas of the service, found %zu%s%s", in.k, in.k == 1 ? ": " : "",
                     in.k == 1 ? in.rnames[0] : "");
  if (!st && at_s) {
    if (sliding) {
      rc = cli_usage_error("diagnose", "--at and --sliding exclude each other");
    } else if (in.times) {
      double t;
      if (!aw_parse_time(at_s, strlen(at_s), AW_TIME_UNKNOWN, &t, NULL)) {
        rc = cli_usage_error("diagnose", "--at: '%s' is not a time (ISO 8601 or unix seconds)", at_s);
      } else {
        size_t idx = (size_t)-1;
        for (size_t q = 0; q < in.T; q++)
          if (in.times[q] <= t) idx = q;
        if (idx == (size_t)-1) {
          char tb[40];
          aw_fmt_time_iso(tb, in.times[0]);
          st = aw_error_set(&err, AW_ERR_RANGE, "--at %s is before the first point (%s)", at_s, tb);
        } else {
          o.at = idx;
        }
      }
    } else {
      char *end;
      unsigned long long v = strtoull(at_s, &end, 10);
      if (*end || at_s[0] == '-' || !at_s[0]) rc = cli_usage_error("diagnose", "--at: without a time column, give a row index");
      else o.at = (size_t)v;
    }
  }
  if (rc) {
    input_free(&in);
    AW_FREE(files);
    return rc;
  }
  o.replica_names = (const char *const *)in.rnames;
  o.metric_names = (const char *const *)in.mnames;
  cJSON *root = NULL;
  if (!st && !sliding) {
    aw_diag_result res;
    if ((st = aw_diagnose(in.data, in.k, in.M, in.T, &o, &res, NULL, &err)) == AW_OK) {
      aw_buf b = {0};
      st = aw_diag_result_json(&res, &o, NULL, NULL, in.times, &b, &err);
      if (!st && !aw_buf_terminate(&b)) root = cJSON_Parse(b.data);
      aw_buf_free(&b);
      aw_diag_result_free(&res);
    }
  } else if (!st) {
    aw_diag_sliding s;
    if ((st = aw_diagnose_sliding(in.data, in.k, in.M, in.T, &o, step, &s, NULL, &err)) == AW_OK) {
      root = cJSON_CreateObject();
      cJSON *reps = cJSON_AddArrayToObject(root, "replicas");
      for (size_t q = 0; q < in.k; q++) cJSON_AddItemToArray(reps, cJSON_CreateString(in.rnames[q]));
      cJSON *mets = cJSON_AddArrayToObject(root, "metrics");
      for (size_t j = 0; j < in.M; j++) cJSON_AddItemToArray(mets, cJSON_CreateString(in.mnames[j]));
      cJSON_AddItemToObject(root, "window", jnum((double)o.window));
      cJSON_AddStringToObject(root, "mode", aw_diag_mode_name(o.mode));
      cJSON *arr = cJSON_AddArrayToObject(root, "sliding");
      for (size_t i = 0; i < s.n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToObject(e, "at", jnum((double)s.at[i]));
        if (in.times) {
          char tb[40];
          aw_fmt_time_iso(tb, in.times[s.at[i]]);
          cJSON_AddStringToObject(e, "time", tb);
        }
        if (s.suspect[i] >= 0) cJSON_AddStringToObject(e, "suspect", in.rnames[s.suspect[i]]);
        else cJSON_AddNullToObject(e, "suspect");
        cJSON_AddStringToObject(e, "top", in.rnames[s.top[i]]);
        cJSON_AddItemToObject(e, "margin", jnum(s.margin[i]));
        if (s.metric[i] >= 0) cJSON_AddStringToObject(e, "metric", in.mnames[s.metric[i]]);
        else cJSON_AddNullToObject(e, "metric");
        cJSON *sc = cJSON_AddArrayToObject(e, "scores");
        for (size_t q = 0; q < in.k; q++) cJSON_AddItemToArray(sc, jnum(s.scores[i * in.k + q]));
        cJSON_AddItemToArray(arr, e);
      }
      aw_diag_sliding_free(&s);
    }
  }
  if (!st && !root) st = aw_error_set(&err, AW_ERR_NOMEM, "out of memory writing JSON");
  if (!st) {
    add_input_info(root, &in, nfiles, files);
    char *txt = compact ? cJSON_PrintUnformatted(root) : cJSON_Print(root);
    if (txt) {
      fputs(txt, stdout);
      fputc('\n', stdout);
      free(txt);
    }
  }
  cJSON_Delete(root);
  input_free(&in);
  AW_FREE(files);
  if (st) return cli_fail(&err);
  return 0;
}

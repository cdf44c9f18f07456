/* bindings.c - the C surface the web worker calls (exported with EMSCRIPTEN_KEEPALIVE).
 *
 * One `awb` context holds a workspace and the last error. Functions that produce JSON return a
 * malloc'd NUL-terminated string (free with awb_free_string) or NULL on failure, in which case
 * awb_last_error returns the error as JSON {code, status, message, file, line, column}.
 * Progress of long calls goes to the JS function Module.onProgress(fraction, stage), whose
 * non-zero return value asks the engine to cancel.
 */
#include <emscripten.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/dtw.h"
#include "aw/series.h"
#include "aw/spectral.h"
#include "aw/spec.h"
#include "aw/workspace.h"

typedef struct awb {
  aw_ws *ws;
  aw_error err;
  char *err_json;
} awb;

EM_JS(int, awb_js_progress, (double fraction, const char *stage), {
  if (typeof Module.onProgress !== 'function') return 0;
  return Module.onProgress(fraction, UTF8ToString(stage)) ? 1 : 0;
});

static int progress_cb(void *ud, double fraction, const char *stage) {
  (void)ud;
  return awb_js_progress(fraction, stage ? stage : "");
}

static const aw_progress progress = {progress_cb, NULL};

static char *dup_json(cJSON *j) {
  char *s = j ? cJSON_PrintUnformatted(j) : NULL;
  return s;
}

static void keep_error(awb *b) {
  cJSON *e = cJSON_CreateObject();
  aw_json_add_number(e, "code", b->err.code);
  cJSON_AddStringToObject(e, "status", aw_status_name(b->err.code));
  cJSON_AddStringToObject(e, "message", b->err.message);
  if (b->err.file[0]) cJSON_AddStringToObject(e, "file", b->err.file);
  if (b->err.line) aw_json_add_number(e, "line", (double)b->err.line);
  if (b->err.column) aw_json_add_number(e, "column", (double)b->err.column);
  cJSON_free(b->err_json);
  b->err_json = dup_json(e);
  cJSON_Delete(e);
}

EMSCRIPTEN_KEEPALIVE awb *awb_new(void) {
  awb *b = (awb *)calloc(1, sizeof *b);
  if (!b) return NULL;
  b->ws = aw_ws_new();
  if (!b->ws) {
    free(b);
    return NULL;
  }
  return b;
}

EMSCRIPTEN_KEEPALIVE void awb_free(awb *b) {
  if (!b) return;
  aw_ws_free(b->ws);
  cJSON_free(b->err_json);
  free(b);
}

EMSCRIPTEN_KEEPALIVE void awb_free_string(char *s) { cJSON_free(s); }

EMSCRIPTEN_KEEPALIVE const char *awb_last_error(awb *b) { return b->err_json ? b->err_json : "{}"; }

/* Engine description: version, spec version, step ops and input kinds. */
EMSCRIPTEN_KEEPALIVE char *awb_describe(void) {
  cJSON *d = cJSON_CreateObject();
  cJSON_AddStringToObject(d, "engine", AW_VERSION);
  aw_json_add_number(d, "spec_version", AW_SPEC_VERSION);
  size_t n;
  const aw_step_def *steps = aw_steps_list(&n);
  cJSON *ops = cJSON_AddArrayToObject(d, "ops");
  for (size_t i = 0; i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", steps[i].op);
    cJSON_AddStringToObject(o, "summary", steps[i].summary);
    cJSON_AddItemToArray(ops, o);
  }
  const aw_input_kind *kinds = aw_input_kinds_list(&n);
  cJSON *ks = cJSON_AddArrayToObject(d, "kinds");
  for (size_t i = 0; i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", kinds[i].kind);
    cJSON_AddBoolToObject(o, "generated", kinds[i].generate != NULL);
    cJSON_AddStringToObject(o, "summary", kinds[i].summary);
    cJSON_AddItemToArray(ks, o);
  }
  char *s = dup_json(d);
  cJSON_Delete(d);
  return s;
}

EMSCRIPTEN_KEEPALIVE int awb_input_begin(awb *b, const char *name, const char *kind, const char *label,
                                         const char *options_json) {
  aw_error_clear(&b->err);
  cJSON *opt = NULL;
  aw_status st = AW_OK;
  if (options_json && *options_json) st = aw_json_parse(options_json, strlen(options_json), "options", &opt, &b->err);
  if (!st) st = aw_ws_input_begin(b->ws, name, kind, label, opt, &b->err);
  cJSON_Delete(opt);
  if (st) keep_error(b);
  return (int)st;
}

EMSCRIPTEN_KEEPALIVE int awb_input_feed(awb *b, const void *data, size_t n) {
  aw_error_clear(&b->err);
  aw_status st = aw_ws_input_feed(b->ws, data, n, &b->err);
  if (st) {
    keep_error(b);
    aw_ws_input_abort(b->ws); /* a failed load leaves what was loaded before untouched */
  }
  return (int)st;
}

/* The open input's progress: which 0 = records parsed so far (log lines), 1 = groups (Drain
 * templates); -1 when its kind does not count them. */
EMSCRIPTEN_KEEPALIVE double awb_input_status(awb *b, int which) {
  double r, g;
  aw_ws_input_status(b->ws, &r, &g);
  return which ? g : r;
}

EMSCRIPTEN_KEEPALIVE char *awb_input_end(awb *b) {
  aw_error_clear(&b->err);
  cJSON *info = NULL;
  aw_status st = aw_ws_input_end(b->ws, &info, &b->err);
  if (st) {
    keep_error(b);
    return NULL;
  }
  char *s = dup_json(info);
  cJSON_Delete(info);
  return s;
}

EMSCRIPTEN_KEEPALIVE void awb_input_abort(awb *b) { aw_ws_input_abort(b->ws); }

EMSCRIPTEN_KEEPALIVE char *awb_run(awb *b, const char *spec_json) {
  aw_error_clear(&b->err);
  aw_spec *spec = NULL;
  cJSON *res = NULL;
  aw_status st = aw_spec_parse(spec_json, strlen(spec_json), "spec", &spec, &b->err);
  if (!st) st = aw_ws_run(b->ws, spec, &progress, &res, &b->err);
  aw_spec_free(spec);
  if (st) {
    keep_error(b);
    return NULL;
  }
  /* pretty-printed exactly like `aw run`'s results.json, so the two can be compared byte for byte */
  char *s = aw_json_print(res, 1);
  cJSON_Delete(res);
  return s;
}

/* Runs one step given as {"id","op","input","params"} against the workspace. */
EMSCRIPTEN_KEEPALIVE char *awb_run_step(awb *b, const char *step_json, double seed) {
  aw_error_clear(&b->err);
  /* a one-step spec validates the step exactly as a whole spec would */
  cJSON *step = NULL;
  aw_status st = aw_json_parse(step_json, strlen(step_json), "step", &step, &b->err);
  aw_spec *spec = NULL;
  cJSON *res = NULL;
  if (!st) {
    cJSON *doc = cJSON_CreateObject();
    aw_json_add_number(doc, "version", AW_SPEC_VERSION);
    aw_json_add_number(doc, "seed", seed);
    cJSON *inputs = cJSON_AddArrayToObject(doc, "inputs");
    /* every loaded object can be a step's input */
    for (size_t i = 0; i < aw_ws_count(b->ws); i++) {
      cJSON *in = cJSON_CreateObject();
      cJSON_AddStringToObject(in, "name", aw_ws_name(b->ws, i));
      cJSON_AddStringToObject(in, "kind", "loaded");
      cJSON_AddItemToArray(inputs, in);
    }
    cJSON *steps = cJSON_AddArrayToObject(doc, "steps");
    cJSON_AddItemToArray(steps, step);
    step = NULL;
    char *txt = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    st = txt ? aw_spec_parse(txt, strlen(txt), "step", &spec, &b->err) : aw_error_set(&b->err, AW_ERR_NOMEM, "out of memory");
    cJSON_free(txt);
  }
  if (!st) st = aw_ws_run_step(b->ws, aw_spec_get_step(spec, 0), aw_spec_seed(spec), &progress, &res, &b->err);
  cJSON_Delete(step);
  aw_spec_free(spec);
  if (st) {
    keep_error(b);
    return NULL;
  }
  char *s = dup_json(res);
  cJSON_Delete(res);
  return s;
}

/* [{name, type, info?}] of everything the workspace holds. */
EMSCRIPTEN_KEEPALIVE char *awb_objects(awb *b) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < aw_ws_count(b->ws); i++) {
    cJSON *o = cJSON_CreateObject();
    const char *name = aw_ws_name(b->ws, i);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "type", aw_ws_type(b->ws, i));
    const cJSON *info = aw_ws_input_info(b->ws, name);
    if (info) cJSON_AddItemToObject(o, "info", cJSON_Duplicate(info, 1));
    const aw_table *t = aw_ws_get_table(b->ws, name);
    if (t) {
      aw_json_add_number(o, "rows", (double)aw_table_rows(t));
      cJSON_AddBoolToObject(o, "has_time", aw_table_time(t) != NULL);
      cJSON *cols = cJSON_AddArrayToObject(o, "columns");
      for (size_t j = 0; j < aw_table_cols(t); j++) cJSON_AddItemToArray(cols, cJSON_CreateString(aw_table_col_name(t, j)));
    }
    cJSON_AddItemToArray(arr, o);
  }
  char *s = dup_json(arr);
  cJSON_Delete(arr);
  return s;
}

EMSCRIPTEN_KEEPALIVE void awb_remove(awb *b, const char *name) { aw_ws_remove(b->ws, name); }

/* Pointer to a table column (col = -1 for the time column) or NULL; rows via awb_table_rows. The
 * memory belongs to the workspace: copy it before the next call that may change the table. */
EMSCRIPTEN_KEEPALIVE const double *awb_table_column(awb *b, const char *name, int col) {
  const aw_table *t = aw_ws_get_table(b->ws, name);
  if (!t) return NULL;
  if (col < 0) return aw_table_time(t);
  return aw_table_column(t, (size_t)col);
}

EMSCRIPTEN_KEEPALIVE double awb_table_rows(awb *b, const char *name) {
  const aw_table *t = aw_ws_get_table(b->ws, name);
  return t ? (double)aw_table_rows(t) : -1;
}

/* Rows of a table whose time is within [t0, t1], plus one beyond each edge (lines stay continuous
 * when zoomed); all rows without a time column. */
static void time_range(const aw_table *t, double t0, double t1, size_t *i0, size_t *i1) {
  size_t n = aw_table_rows(t);
  const double *tm = aw_table_time(t);
  *i0 = 0;
  *i1 = n;
  if (!tm) return;
  *i0 = aw_lower_bound(tm, n, t0);
  *i1 = aw_lower_bound(tm, n, t1);
  while (*i1 < n && tm[*i1] <= t1) (*i1)++;
  if (*i0 > 0) (*i0)--;
  if (*i1 < n) (*i1)++;
}

/* Shared-x min-max downsampling of several columns (col indices in cols[0..ncols)) for a chart:
 * xs gets up to 2*buckets x values, ys column k's values at ys + k*2*buckets. Returns the count. */
EMSCRIPTEN_KEEPALIVE int awb_downsample_multi(awb *b, const char *name, const int *cols, int ncols, double t0,
                                              double t1, int buckets, double *xs, double *ys) {
  const aw_table *t = aw_ws_get_table(b->ws, name);
  if (!t || ncols <= 0 || ncols > 4096 || buckets <= 0) return -1;
  const double *in[4096];
  double *out[4096];
  for (int k = 0; k < ncols; k++) {
    if (cols[k] < 0 || (size_t)cols[k] >= aw_table_cols(t)) return -1;
    in[k] = aw_table_column(t, (size_t)cols[k]);
    out[k] = ys + (size_t)k * 2 * (size_t)buckets;
  }
  size_t i0, i1;
  time_range(t, t0, t1, &i0, &i1);
  return (int)aw_downsample_minmax_shared(aw_table_time(t), in, (size_t)ncols, i0, i1, (size_t)buckets, xs, out);
}

/* Min-max downsampling of one column over the rows whose time is in [t0, t1] (all rows when the
 * table has no time). Writes up to 2*buckets points to xs/ys; returns the count or -1. */
EMSCRIPTEN_KEEPALIVE int awb_downsample(awb *b, const char *name, int col, double t0, double t1, int buckets,
                                        double *xs, double *ys) {
  const aw_table *t = aw_ws_get_table(b->ws, name);
  if (!t || col < 0 || (size_t)col >= aw_table_cols(t) || buckets <= 0) return -1;
  size_t i0, i1;
  time_range(t, t0, t1, &i0, &i1);
  return (int)aw_downsample_minmax(aw_table_time(t), aw_table_column(t, (size_t)col), i0, i1, (size_t)buckets, xs, ys);
}

/* ---- sniffing the head of a CSV (the page routes files and proposes a time column) ----
 * Reads the first records of p[0..n) (the head of a file; the last, possibly cut, line is
 * ignored) and describes each column: its first value, whether that value reads as a time
 * (format) and whether it is epoch-like (a number >= 1e8), how many sampled values are numbers
 * and how many text, and whether the column is mostly numbers or mostly text. Returns JSON
 *   {sep, records, columns: [{name, sample, time, epoch_like, number, text, numbers, texts}]}. */
#define SNIFF_RECORDS 40
#define SNIFF_COLS 4096

typedef struct sniff_col {
  char sample[96];
  int have_sample, time_fmt, epoch_like, numbers, texts;
} sniff_col;

typedef struct sniff_state {
  cJSON *names;
  sniff_col *cols;
  size_t ncols;
  size_t records;
} sniff_state;

static aw_status sniff_record(void *ud, const aw_csv_record *rec, aw_error *err) {
  (void)err;
  sniff_state *s = (sniff_state *)ud;
  if (rec->is_header) {
    s->ncols = rec->nfields < SNIFF_COLS ? rec->nfields : SNIFF_COLS;
    for (size_t j = 0; j < s->ncols; j++) {
      char buf[256];
      size_t k = rec->fields[j].n < sizeof buf - 1 ? rec->fields[j].n : sizeof buf - 1;
      memcpy(buf, rec->fields[j].p, k);
      buf[k] = 0;
      cJSON_AddItemToArray(s->names, cJSON_CreateString(buf));
    }
    return AW_OK;
  }
  if (s->records >= SNIFF_RECORDS) return AW_ERR_CANCELLED; /* enough: stop reading */
  s->records++;
  for (size_t j = 0; j < s->ncols && j < rec->nfields; j++) {
    sniff_col *c = &s->cols[j];
    const char *p = rec->fields[j].p;
    size_t len = rec->fields[j].n;
    double v;
    int kind = aw_parse_cell(p, len, &v);
    if (kind == 1) c->numbers++;
    else if (kind == 0) c->texts++;
    if (!c->have_sample && kind != 2) {
      c->have_sample = 1;
      size_t k = len < sizeof c->sample - 1 ? len : sizeof c->sample - 1;
      memcpy(c->sample, p, k);
      c->sample[k] = 0;
      aw_time_format f = AW_TIME_UNKNOWN;
      double t;
      if (aw_parse_time(p, len, AW_TIME_UNKNOWN, &t, &f)) c->time_fmt = (int)f;
      c->epoch_like = kind == 1 && v >= 1e8;
    }
  }
  return AW_OK;
}

static void sniff_reject(void *ud, uint64_t line, const char *reason) {
  (void)ud;
  (void)line;
  (void)reason;
}

EMSCRIPTEN_KEEPALIVE char *awb_sniff_csv(awb *b, const char *data, size_t n) {
  aw_error_clear(&b->err);
  /* only whole lines: the head may end inside a record */
  size_t end = n;
  while (end > 0 && data[end - 1] != '\n') end--;
  if (end == 0) end = n;
  sniff_state s;
  memset(&s, 0, sizeof s);
  s.names = cJSON_CreateArray();
  s.cols = (sniff_col *)calloc(SNIFF_COLS, sizeof *s.cols);
  aw_csv_opts o;
  aw_csv_opts_default(&o);
  o.name = "head";
  o.allow_ragged = 1;
  aw_csv *c = s.cols && s.names ? aw_csv_new(&o, sniff_record, sniff_reject, &s, &b->err) : NULL;
  if (!c) {
    if (!b->err.code) aw_error_set(&b->err, AW_ERR_NOMEM, "out of memory");
    keep_error(b);
    cJSON_Delete(s.names);
    free(s.cols);
    return NULL;
  }
  aw_status st = aw_csv_feed(c, data, end, &b->err);
  if (!st) st = aw_csv_finish(c, &b->err);
  if (st == AW_ERR_CANCELLED) st = AW_OK;
  char sep = aw_csv_get_stats(c)->sep;
  aw_csv_free(c);
  if (st) {
    keep_error(b);
    cJSON_Delete(s.names);
    free(s.cols);
    return NULL;
  }
  cJSON *d = cJSON_CreateObject();
  char sepstr[2] = {sep ? sep : ',', 0};
  cJSON_AddStringToObject(d, "sep", sepstr);
  aw_json_add_number(d, "records", (double)s.records);
  cJSON *cols = cJSON_AddArrayToObject(d, "columns");
  for (size_t j = 0; j < s.ncols; j++) {
    sniff_col *sc = &s.cols[j];
    cJSON *o2 = cJSON_CreateObject();
    cJSON_AddItemToObject(o2, "name", cJSON_Duplicate(cJSON_GetArrayItem(s.names, (int)j), 0));
    cJSON_AddStringToObject(o2, "sample", sc->sample);
    if (sc->time_fmt) cJSON_AddStringToObject(o2, "time", aw_time_format_name((aw_time_format)sc->time_fmt));
    else cJSON_AddNullToObject(o2, "time");
    cJSON_AddBoolToObject(o2, "epoch_like", sc->epoch_like);
    /* a column is numeric or text by the majority of its sampled values (one bad cell does not
       turn a series into labels) */
    cJSON_AddBoolToObject(o2, "number", sc->numbers > 0 && sc->numbers >= 4 * sc->texts);
    cJSON_AddBoolToObject(o2, "text", sc->texts > 0 && sc->texts >= 4 * sc->numbers);
    aw_json_add_number(o2, "numbers", sc->numbers);
    aw_json_add_number(o2, "texts", sc->texts);
    cJSON_AddItemToArray(cols, o2);
  }
  cJSON_Delete(s.names);
  free(s.cols);
  char *out = dup_json(d);
  cJSON_Delete(d);
  return out;
}

/* ---- spectrum of a table column (the Synthesis view) ----
 * The periodogram (linear detrend) of column `col` of table `name`, sampled every dt seconds
 * (dt <= 0: the median spacing of the time column), reduced to at most `points` bins (the maximum
 * per group of consecutive bins, so peaks survive), and its dominant periods. JSON:
 *   {dt, n_used, nfft, n_filled, mean_square, freq: [...], power: [...], periods: [{period,
 *    amplitude, strength, snr}]} */
EMSCRIPTEN_KEEPALIVE char *awb_periodogram(awb *b, const char *name, int col, double dt, int points) {
  aw_error_clear(&b->err);
  const aw_table *t = aw_ws_get_table(b->ws, name);
  if (!t || col < 0 || (size_t)col >= aw_table_cols(t)) {
    aw_error_set(&b->err, AW_ERR_NOTFOUND, "no column %d in table \"%s\"", col, name);
    keep_error(b);
    return NULL;
  }
  size_t n = aw_table_rows(t);
  const double *tm = aw_table_time(t);
  if (dt <= 0) {
    dt = 1;
    if (tm && n > 2) {
      /* median spacing of up to 1001 gaps from the start: robust to a missing row */
      size_t m = n - 1 < 1001 ? n - 1 : 1001;
      double *g = (double *)malloc(m * sizeof *g);
      if (g) {
        for (size_t i = 0; i < m; i++) g[i] = tm[i + 1] - tm[i];
        for (size_t i = 1; i < m; i++)
          for (size_t j = i; j > 0 && g[j - 1] > g[j]; j--) {
            double x = g[j];
            g[j] = g[j - 1];
            g[j - 1] = x;
          }
        if (g[m / 2] > 0) dt = g[m / 2];
        free(g);
      }
    }
  }
  aw_periodogram *pg = NULL;
  aw_period per[8];
  size_t np = 0;
  aw_status st = aw_periodogram_compute(aw_table_column(t, (size_t)col), n, dt, AW_DETREND_LINEAR, &pg, &b->err);
  if (!st) st = aw_dominant_periods(aw_table_column(t, (size_t)col), n, dt, NULL, per, 8, &np, &b->err);
  if (st) {
    aw_periodogram_free(pg);
    keep_error(b);
    return NULL;
  }
  if (points < 16) points = 16;
  cJSON *d = cJSON_CreateObject();
  aw_json_add_number(d, "dt", dt);
  aw_json_add_number(d, "n_used", (double)pg->n_used);
  aw_json_add_number(d, "nfft", (double)pg->nfft);
  aw_json_add_number(d, "n_filled", (double)pg->n_filled);
  aw_json_add_number(d, "mean_square", pg->mean_square);
  cJSON *fa = cJSON_AddArrayToObject(d, "freq"), *pa = cJSON_AddArrayToObject(d, "power");
  size_t nb = pg->nfreq > 1 ? pg->nfreq - 1 : 0; /* bin 0 (the mean) is left out */
  size_t groups = nb < (size_t)points ? nb : (size_t)points;
  for (size_t g = 0; g < groups; g++) {
    size_t lo = 1 + g * nb / groups, hi = 1 + (g + 1) * nb / groups;
    size_t best = lo;
    for (size_t k = lo; k < hi; k++)
      if (pg->power[k] > pg->power[best]) best = k;
    cJSON_AddItemToArray(fa, cJSON_CreateNumber(pg->freq[best]));
    cJSON_AddItemToArray(pa, cJSON_CreateNumber(pg->power[best]));
  }
  cJSON *pe = cJSON_AddArrayToObject(d, "periods");
  for (size_t i = 0; i < np; i++) {
    cJSON *o = cJSON_CreateObject();
    aw_json_add_number(o, "period", per[i].period);
    aw_json_add_number(o, "amplitude", per[i].amplitude);
    aw_json_add_number(o, "strength", per[i].strength);
    aw_json_add_number(o, "snr", per[i].snr);
    cJSON_AddItemToArray(pe, o);
  }
  aw_periodogram_free(pg);
  char *out = dup_json(d);
  cJSON_Delete(d);
  return out;
}

/* ---- a warping path between two columns (the Diagnose view's pair view) ----
 * Rows [i0, i1) of columns a and b of table `name`, z-normalised when znorm (the shapes are
 * compared), Sakoe-Chiba radius `window` (< 0: none). JSON {dist, n, x: [...], y: [...], i: [...],
 * j: [...]} where x, y are the series as compared and (i, j) the path. */
EMSCRIPTEN_KEEPALIVE char *awb_dtw_path(awb *b, const char *name, int a, int c, double i0, double i1, int znorm,
                                        int window) {
  aw_error_clear(&b->err);
  const aw_table *t = aw_ws_get_table(b->ws, name);
  size_t rows = t ? aw_table_rows(t) : 0;
  if (!t || a < 0 || c < 0 || (size_t)a >= aw_table_cols(t) || (size_t)c >= aw_table_cols(t) || i0 < 0 || i1 > (double)rows ||
      i1 - i0 < 2 || i1 - i0 > 100000) {
    aw_error_set(&b->err, AW_ERR_ARG, "dtw path: bad table, columns or rows [%g, %g) of \"%s\"", i0, i1, name);
    keep_error(b);
    return NULL;
  }
  size_t lo = (size_t)i0, n = (size_t)i1 - lo;
  const double *x = aw_table_column(t, (size_t)a) + lo, *y = aw_table_column(t, (size_t)c) + lo;
  aw_dtw_opts o;
  aw_dtw_opts_default(&o);
  o.znorm = znorm;
  o.skip_nan = 1;
  if (window >= 0) o.window = (size_t)window;
  aw_dtw_path path;
  memset(&path, 0, sizeof path);
  double dist = 0;
  aw_status st = aw_dtw_warping_path(x, n, y, n, 1, &o, &dist, &path, &b->err);
  if (st) {
    aw_dtw_path_free(&path);
    keep_error(b);
    return NULL;
  }
  cJSON *d = cJSON_CreateObject();
  aw_json_add_number(d, "dist", dist);
  aw_json_add_number(d, "n", (double)n);
  /* the series as compared: z-normalised the way the DTW saw them */
  cJSON *xs = cJSON_AddArrayToObject(d, "x"), *ys = cJSON_AddArrayToObject(d, "y");
  for (int k = 0; k < 2; k++) {
    const double *v = k ? y : x;
    double mean = 0, sd = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
      if (v[i] == v[i]) mean += v[i], cnt++;
    mean = cnt ? mean / (double)cnt : 0;
    for (size_t i = 0; i < n; i++)
      if (v[i] == v[i]) sd += (v[i] - mean) * (v[i] - mean);
    sd = cnt ? sqrt(sd / (double)cnt) : 0;
    for (size_t i = 0; i < n; i++)
      cJSON_AddItemToArray(k ? ys : xs, cJSON_CreateNumber(znorm && sd > 0 ? (v[i] - mean) / sd : v[i]));
  }
  cJSON *pi = cJSON_AddArrayToObject(d, "i"), *pj = cJSON_AddArrayToObject(d, "j");
  for (size_t k = 0; k < path.len; k++) {
    cJSON_AddItemToArray(pi, cJSON_CreateNumber((double)path.i[k]));
    cJSON_AddItemToArray(pj, cJSON_CreateNumber((double)path.j[k]));
  }
  aw_dtw_path_free(&path);
  char *out = dup_json(d);
  cJSON_Delete(d);
  return out;
}

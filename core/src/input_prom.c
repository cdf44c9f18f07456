/* input_prom.c - the "prom_json" input kind: the JSON of a Prometheus HTTP API query
 * (GET /api/v1/query_range, as saved from Prometheus or from Grafana's query inspector), streamed
 * into a wide table, one column per series:
 *
 *   {"status": "success",
 *    "data": {"resultType": "matrix",
 *             "result": [{"metric": {"__name__": "up", "job": "node"},
 *                         "values": [[1700000000, "1"], [1700000015, "1"], ...]}, ...]}}
 *
 * "vector" results ({"metric", "value": [t, "v"]}) load too (one row). Series are named in
 * Prometheus' text form, name{label="value",...} (labels sorted; {} when the metric is empty).
 * Sample values are strings as the API sends them: numbers, "NaN" (kept as missing), "+Inf",
 * "-Inf". A sample that is not [time, "value"], or whose value is not a number, is rejected with its
 * line and reason; so is a second sample of a series at the same time. "status": "error" fails
 * with Prometheus' error text. Unknown keys (warnings, stats, ...) are skipped.
 * Memory is bounded (streamed tokens; max_points, max_series, max_cells as for csv_long). */
#include <stdio.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/spec.h"
#include "internal/jsontok.h"
#include "internal/input_util.h"
#include "internal/registry.h"

#define PROM_MAX_LABELS 128
#define PROM_MAX_KEY 4096

typedef struct prom_state {
  char label[AW_ERROR_FILE_MAX];
  aw_jt *jt;
  aw_lpivot *pivot;
  aw_rejects rej;
  /* document */
  int root_checked;
  char key1[16], key2[16], key4[16];
  char status[32], result_type[32];
  char error_type[64], error_text[400];
  int in_result;
  /* the current result item */
  int in_item, in_metric, in_values, in_value;
  aw_buf labels_text; /* name\0value\0 pairs of the item's metric */
  size_t nlabels;
  char pending_label[256];
  int have_pending_label;
  int label_overflow;
  /* the current sample */
  int in_pair;
  int pair_n, pair_bad;
  double pair_t, pair_v;
  int pair_v_kind;
  uint64_t pair_line;
  char pair_problem[160];
  /* buffered samples of the item (its metric may come after its values) */
  double *bt, *bv;
  uint64_t *bl;
  size_t bn, bcap;
  uint64_t points;
  size_t max_points;
  uint64_t items, missing;
} prom_state;

static void copy_key(char *dst, size_t cap, const aw_jt_token *t) {
  size_t n = t->n < cap - 1 ? t->n : cap - 1;
  memcpy(dst, t->s, n);
  dst[n] = 0;
  if (t->n >= cap) dst[0] = '\x01'; /* longer than any key we look for: matches nothing */
}

static aw_status buffer_sample(prom_state *s, aw_error *err) {
  if (s->points + s->bn >= s->max_points)
    return aw_error_at(err, AW_ERR_LIMIT, s->label, s->pair_line, 0, "more than %zu samples (options.max_points)", s->max_points);
  if (s->bn == s->bcap) {
    size_t cap = s->bcap ? s->bcap * 2 : 256;
    double *t = (double *)AW_REALLOC(s->bt, cap * sizeof *t);
    if (!t) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->bt = t;
    double *v = (double *)AW_REALLOC(s->bv, cap * sizeof *v);
    if (!v) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->bv = v;
    uint64_t *l = (uint64_t *)AW_REALLOC(s->bl, cap * sizeof *l);
    if (!l) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->bl = l;
    s->bcap = cap;
  }
  s->bt[s->bn] = s->pair_t;
  s->bv[s->bn] = s->pair_v;
  s->bl[s->bn] = s->pair_line;
  s->bn++;
  return AW_OK;
}

static void pair_begin(prom_state *s, uint64_t line) {
  s->in_pair = 1;
  s->pair_n = 0;
  s->pair_bad = 0;
  s->pair_line = line;
  s->pair_problem[0] = 0;
}

static void pair_problem(prom_state *s, const char *fmt, const char *arg, size_t n) {
  if (s->pair_bad) return;
  s->pair_bad = 1;
  char piece[48];
  size_t k = n < 40 ? n : 40;
  while (k < n && k > 0 && ((unsigned char)arg[k] & 0xC0) == 0x80) k--;
  memcpy(piece, arg, k);
  piece[k] = 0;
  snprintf(s->pair_problem, sizeof s->pair_problem, fmt, piece);
}

static void pair_element(prom_state *s, const aw_jt_token *t) {
  int i = s->pair_n++;
  if (i == 0) {
    /* the time: a number of seconds (the API sends a float); a numeric string is accepted too */
    if (t->kind == AW_JT_NUMBER || t->kind == AW_JT_STRING) {
      if (!aw_parse_double(t->s, t->n, &s->pair_t)) pair_problem(s, "sample: the time '%s' is not a number", t->s, t->n);
    } else {
      pair_problem(s, "sample: the time is not a number%s", "", 0);
    }
  } else if (i == 1) {
    if (t->kind == AW_JT_STRING || t->kind == AW_JT_NUMBER) {
      int k = aw_parse_cell(t->s, t->n, &s->pair_v);
      if (k == 0) pair_problem(s, "sample: the value '%s' is not a number", t->s, t->n);
      s->pair_v_kind = k;
    } else {
      pair_problem(s, "sample: the value is not a string%s", "", 0);
    }
  }
}

static aw_status pair_end(prom_state *s, aw_error *err) {
  s->in_pair = 0;
  if (!s->pair_bad && s->pair_n != 2) {
    snprintf(s->pair_problem, sizeof s->pair_problem, "sample: expected [time, \"value\"], got %d element%s", s->pair_n,
             s->pair_n == 1 ? "" : "s");
    s->pair_bad = 1;
  }
  if (s->pair_bad) {
    aw_rejects_add(&s->rej, s->pair_line, "%s", s->pair_problem);
    return AW_OK;
  }
  if (s->pair_v_kind == 2) s->missing++;
  return buffer_sample(s, err);
}

/* The item ended: its series key from the metric labels, then its samples into the pivot. */
static aw_status item_end(prom_state *s, uint64_t line, aw_error *err) {
  s->in_item = 0;
  s->items++;
  aw_label labels[PROM_MAX_LABELS];
  const char *name = "";
  size_t name_n = 0, nl = 0;
  const char *p = s->labels_text.data;
  for (size_t i = 0; i < s->nlabels; i++) {
    const char *k = p;
    size_t kn = strlen(k);
    const char *v = k + kn + 1;
    size_t vn = strlen(v);
    p = v + vn + 1;
    if (kn == 8 && memcmp(k, "__name__", 8) == 0) {
      name = v;
      name_n = vn;
    } else {
      labels[nl].name = k;
      labels[nl].name_n = kn;
      labels[nl].value = v;
      labels[nl].value_n = vn;
      nl++;
    }
  }
  aw_buf key = {0};
  aw_status st = aw_series_key(&key, name, name_n, labels, nl);
  if (st) {
    aw_buf_free(&key);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  if (s->label_overflow || key.len > PROM_MAX_KEY) {
    aw_rejects_add(&s->rej, line, "series: its labels are longer than %d bytes (or more than %d labels); its %zu samples are left out",
                   PROM_MAX_KEY, PROM_MAX_LABELS, s->bn);
  } else if (s->bn) {
    size_t idx;
    st = aw_lpivot_series(s->pivot, key.data, key.len, &idx, err);
    for (size_t i = 0; i < s->bn && !st; i++) st = aw_lpivot_add(s->pivot, idx, s->bt[i], s->bv[i], s->bl[i], err);
    if (st) {
      char msg[sizeof err->message];
      memcpy(msg, err->message, sizeof msg);
      aw_error_at(err, st, s->label, line, 0, "%s", msg);
    }
    s->points += s->bn;
  }
  aw_buf_free(&key);
  s->bn = 0;
  s->nlabels = 0;
  s->labels_text.len = 0;
  s->label_overflow = 0;
  return st;
}

static aw_status on_token(void *ud, const aw_jt_token *t, aw_error *err) {
  prom_state *s = (prom_state *)ud;
  if (!s->root_checked) {
    s->root_checked = 1;
    if (t->kind != AW_JT_OBJ_BEGIN)
      return aw_error_at(err, AW_ERR_PARSE, s->label, t->line, t->column,
                         "not a Prometheus API response (expected an object with \"status\" and \"data\")");
    return AW_OK;
  }
  int d = t->depth;
  /* samples first (the bulk of the file) */
  if (s->in_pair) {
    if (t->kind == AW_JT_ARR_END && d == (s->in_value ? 4 : 5)) return pair_end(s, err);
    if (d == (s->in_value ? 5 : 6)) {
      if (t->kind == AW_JT_OBJ_BEGIN || t->kind == AW_JT_ARR_BEGIN) {
        s->pair_n++;
        pair_problem(s, "sample: expected [time, \"value\"], found a nested %s", t->kind == AW_JT_OBJ_BEGIN ? "object" : "array",
                     t->kind == AW_JT_OBJ_BEGIN ? 6 : 5);
      } else if (t->kind != AW_JT_OBJ_END && t->kind != AW_JT_ARR_END) {
        pair_element(s, t);
      }
    }
    return AW_OK;
  }
  if (s->in_values && d == 5 && (t->kind == AW_JT_OBJ_BEGIN || t->kind == AW_JT_STRING || t->kind == AW_JT_NUMBER ||
                                  t->kind == AW_JT_TRUE || t->kind == AW_JT_FALSE || t->kind == AW_JT_NULL)) {
    aw_rejects_add(&s->rej, t->line, "sample: expected [time, \"value\"], found %s",
                   t->kind == AW_JT_OBJ_BEGIN ? "an object" : t->kind == AW_JT_STRING ? "a string" : t->kind == AW_JT_NUMBER ? "a number" : "a literal");
    return AW_OK;
  }
  switch (t->kind) {
    case AW_JT_KEY:
      if (d == 1) copy_key(s->key1, sizeof s->key1, t);
      else if (d == 2 && strcmp(s->key1, "data") == 0) copy_key(s->key2, sizeof s->key2, t);
      else if (d == 4 && s->in_item) copy_key(s->key4, sizeof s->key4, t);
      else if (d == 5 && s->in_metric) {
        size_t n = t->n < sizeof s->pending_label - 1 ? t->n : sizeof s->pending_label - 1;
        memcpy(s->pending_label, t->s, n);
        s->pending_label[n] = 0;
        s->have_pending_label = 1;
        if (t->n >= sizeof s->pending_label) s->label_overflow = 1;
      }
      return AW_OK;
    case AW_JT_STRING:
      if (d == 1) {
        char *dst = strcmp(s->key1, "status") == 0 ? s->status : strcmp(s->key1, "errorType") == 0 ? s->error_type
                    : strcmp(s->key1, "error") == 0 ? s->error_text : NULL;
        size_t cap = dst == s->status ? sizeof s->status : dst == s->error_type ? sizeof s->error_type : sizeof s->error_text;
        if (dst) snprintf(dst, cap, "%.*s", (int)(t->n < cap ? t->n : cap - 1), t->s);
        if (dst == s->status && strcmp(s->status, "success") != 0 && strcmp(s->status, "error") != 0)
          return aw_error_at(err, AW_ERR_PARSE, s->label, t->line, t->column, "\"status\": '%.20s' is neither success nor error",
                             s->status);
      } else if (d == 2 && strcmp(s->key1, "data") == 0 && strcmp(s->key2, "resultType") == 0) {
        snprintf(s->result_type, sizeof s->result_type, "%.*s", (int)(t->n < 31 ? t->n : 31), t->s);
        if (strcmp(s->result_type, "matrix") != 0 && strcmp(s->result_type, "vector") != 0)
          return aw_error_at(err, AW_ERR_UNSUPPORTED, s->label, t->line, t->column,
                             "resultType '%s' has no time series (matrix and vector results can be loaded)", s->result_type);
      } else if (d == 5 && s->in_metric && s->have_pending_label) {
        s->have_pending_label = 0;
        if (s->nlabels >= PROM_MAX_LABELS || t->n > PROM_MAX_KEY) {
          s->label_overflow = 1;
          return AW_OK;
        }
        if (aw_buf_append(&s->labels_text, s->pending_label, strlen(s->pending_label) + 1) ||
            aw_buf_append(&s->labels_text, t->s, t->n) || aw_buf_putc(&s->labels_text, 0))
          return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        /* a label value with a NUL (\u0000) would cut the key: refuse the series */
        if (memchr(t->s, 0, t->n)) s->label_overflow = 1;
        s->nlabels++;
      }
      return AW_OK;
    case AW_JT_OBJ_BEGIN:
      if (d == 3 && s->in_result) {
        s->in_item = 1;
        s->key4[0] = 0;
        s->bn = 0;
        s->nlabels = 0;
        s->labels_text.len = 0;
        s->label_overflow = 0;
      } else if (d == 4 && s->in_item && strcmp(s->key4, "metric") == 0) {
        s->in_metric = 1;
      }
      return AW_OK;
    case AW_JT_OBJ_END:
      if (d == 4 && s->in_metric) s->in_metric = 0;
      else if (d == 3 && s->in_item) return item_end(s, t->line, err);
      return AW_OK;
    case AW_JT_ARR_BEGIN:
      if (d == 2 && strcmp(s->key1, "data") == 0 && strcmp(s->key2, "result") == 0) s->in_result = 1;
      else if (d == 4 && s->in_item && strcmp(s->key4, "values") == 0) s->in_values = 1;
      else if (d == 4 && s->in_item && strcmp(s->key4, "value") == 0) {
        s->in_value = 1;
        pair_begin(s, t->line);
      } else if (d == 5 && s->in_values) pair_begin(s, t->line);
      else if (d == 4 && s->in_item && (strcmp(s->key4, "histograms") == 0 || strcmp(s->key4, "histogram") == 0))
        aw_rejects_add(&s->rej, t->line, "series: native histogram samples are not supported (left out)");
      return AW_OK;
    case AW_JT_ARR_END:
      if (d == 4 && s->in_values) s->in_values = 0;
      else if (d == 4 && s->in_value) s->in_value = 0;
      else if (d == 2 && s->in_result) s->in_result = 0;
      return AW_OK;
    default:
      if (d == 5 && s->in_metric && s->have_pending_label) {
        /* a label value that is not a string */
        s->have_pending_label = 0;
        aw_rejects_add(&s->rej, t->line, "series: the value of label '%.60s' is not a string (left out of the name)", s->pending_label);
      }
      return AW_OK;
  }
}

static void prom_abort(void *state) {
  prom_state *s = (prom_state *)state;
  if (!s) return;
  aw_jt_free(s->jt);
  aw_lpivot_free(s->pivot);
  aw_rejects_free(&s->rej);
  aw_buf_free(&s->labels_text);
  AW_FREE(s->bt);
  AW_FREE(s->bv);
  AW_FREE(s->bl);
  AW_FREE(s);
}

static aw_status prom_begin(void **state, const char *label, const cJSON *opt, aw_error *err) {
  static const char *const keys[] = {"align_s", "max_points", "max_series", "max_cells", "max_string", NULL};
  aw_status st;
  if ((st = aw_json_check_keys(opt, "options", keys, err))) return st;
  prom_state *s = (prom_state *)AW_CALLOC(1, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  snprintf(s->label, sizeof s->label, "%s", label);
  aw_rejects_init(&s->rej, 1000);
  aw_lpivot_opts po;
  aw_lpivot_opts_default(&po);
  double align;
  int64_t mp, ms, mc, mstr;
  if ((st = aw_json_number(opt, "options", "align_s", 0, 1e9, 0, &align, err)) ||
      (st = aw_json_int(opt, "options", "max_points", 1, (int64_t)1 << 32, (int64_t)po.max_points, &mp, err)) ||
      (st = aw_json_int(opt, "options", "max_series", 1, (int64_t)1 << 24, (int64_t)po.max_series, &ms, err)) ||
      (st = aw_json_int(opt, "options", "max_cells", 1, (int64_t)1 << 32, (int64_t)po.max_cells, &mc, err)) ||
      (st = aw_json_int(opt, "options", "max_string", 64, 1 << 26, 1 << 20, &mstr, err))) {
    prom_abort(s);
    return st;
  }
  po.align_s = align;
  po.max_points = (size_t)mp;
  po.max_series = (size_t)ms;
  po.max_cells = (size_t)mc;
  s->max_points = (size_t)mp;
  s->pivot = aw_lpivot_new(&po, err);
  if (s->pivot) s->jt = aw_jt_new(s->label, (size_t)mstr, 64, on_token, s, err);
  if (!s->jt) {
    prom_abort(s);
    return err && err->code ? err->code : AW_ERR_NOMEM;
  }
  *state = s;
  return AW_OK;
}

static aw_status prom_feed(void *state, const void *data, size_t n, aw_error *err) {
  return aw_jt_feed(((prom_state *)state)->jt, data, n, err);
}

static aw_status prom_end(void *state, void **obj, const char **type, void (**free_fn)(void *), cJSON *info,
                          aw_error *err) {
  prom_state *s = (prom_state *)state;
  aw_status st = aw_jt_finish(s->jt, err);
  if (!st && strcmp(s->status, "error") == 0)
    st = aw_error_at(err, AW_ERR_PARSE, s->label, 0, 0, "the query failed in Prometheus: %s%s%s", s->error_type,
                     s->error_type[0] ? ": " : "", s->error_text[0] ? s->error_text : "(no error text)");
  if (!st && !s->result_type[0])
    st = aw_error_at(err, AW_ERR_PARSE, s->label, 0, 0,
                     "not a Prometheus API response: no \"data\": {\"resultType\", \"result\"} found");
  aw_table *t = NULL;
  if (!st) st = aw_lpivot_finish(s->pivot, &s->rej, &t, err);
  if (st) {
    if (st == AW_ERR_LIMIT && !err->file[0]) aw_error_prefix(err, "%s", s->label);
    prom_abort(s);
    return st;
  }
  size_t rows = aw_table_rows(t);
  aw_json_add_number(info, "rows", (double)rows);
  cJSON_AddStringToObject(info, "result_type", s->result_type);
  aw_json_add_number(info, "results", (double)s->items);
  aw_json_add_number(info, "series", (double)aw_table_cols(t));
  aw_json_add_number(info, "points", (double)aw_lpivot_points(s->pivot));
  aw_json_add_number(info, "missing", (double)s->missing);
  cJSON_AddStringToObject(info, "time_column", "(sample times)");
  cJSON_AddStringToObject(info, "time_format", "unix_s");
  const double *tm = aw_table_time(t);
  if (rows) {
    aw_json_add_number(info, "time_start", tm[0]);
    aw_json_add_number(info, "time_end", tm[rows - 1]);
  }
  aw_stream_info_columns(t, info);
  aw_json_add_number(info, "lines", (double)aw_jt_line(s->jt));
  aw_rejects_to_json(&s->rej, info);
  aw_stream_return_table(t, obj, type, free_fn);
  prom_abort(s);
  return AW_OK;
}

const aw_stream_kind aw_stream_prom_json = {
    "prom_json", prom_begin, prom_feed, prom_end, prom_abort,
    "Prometheus HTTP API query JSON (resultType matrix/vector) -> one column per series", NULL};

/* step_logs.c - ops on a parsed log (the "log" input kind): "templates" (the event table the
 * Logs view shows), "log_lines" (where a template's lines are), "log_params" (the parameters
 * of given lines under their template, for highlighting). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/logs.h"
#include "aw/spec.h"
#include "internal/registry.h"

static aw_logs *input_logs(aw_step_ctx *ctx, aw_error *err) {
  const char *in = ctx->step->input;
  aw_logs *l = in ? (aw_logs *)aw_ws_get_object(ctx->ws, in, AW_LOGS_TYPE) : NULL;
  if (!l) aw_error_set(err, AW_ERR_NOTFOUND, "steps[%zu].input: \"%s\" is not a loaded log", ctx->step->index, in ? in : "");
  return l;
}

typedef struct grp {
  uint32_t id;
  uint64_t count;
  double first, last;
} grp;

static int by_count(const void *a, const void *b) {
  const grp *x = (const grp *)a, *y = (const grp *)b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* "templates": events (Drain groups) with count, share, first/last seen and a sparkline. */
aw_status aw_step_templates(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  static const char *const keys[] = {"top", "buckets", "search", NULL};
  aw_status st = aw_json_check_keys(params, ctx->path, keys, err);
  if (st) return st;
  aw_logs *l = input_logs(ctx, err);
  if (!l) return err->code;
  int64_t top, buckets;
  const char *search;
  if ((st = aw_json_int(params, ctx->path, "top", 1, 1000000, 500, &top, err)) ||
      (st = aw_json_int(params, ctx->path, "buckets", 1, 1000, 48, &buckets, err)) ||
      (st = aw_json_string(params, ctx->path, "search", NULL, &search, err)))
    return st;
  uint32_t maxid = aw_drain_max_cluster_id(l->drain);
  grp *g = (grp *)aw_calloc_array((size_t)maxid + 1, sizeof(grp));
  if (!g) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  for (uint32_t id = 0; id <= maxid; id++) {
    g[id].id = id;
    g[id].first = INFINITY;
    g[id].last = -INFINITY;
  }
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < l->n; i++) {
    uint32_t e = aw_drain_group(l->drain, l->cluster[i]);
    if (e > maxid) continue;
    grp *x = &g[e];
    x->count++;
    double t = l->time[i];
    if (t == t) {
      if (t < x->first) x->first = t;
      if (t > x->last) x->last = t;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  qsort(g, (size_t)maxid + 1, sizeof(grp), by_count);
  size_t ng = 0;
  while (ng <= maxid && g[ng].count) ng++;
  /* rank of each group for the sparklines of the listed ones */
  size_t listed = 0;
  int32_t *slot = (int32_t *)aw_alloc_array((size_t)maxid + 1, sizeof(int32_t));
  uint32_t *spark = NULL;
  if (!slot) {
    AW_FREE(g);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i <= maxid; i++) slot[i] = -1;
  cJSON *arr = cJSON_CreateArray();
  for (size_t k = 0; k < ng && listed < (size_t)top; k++) {
    size_t len;
    const char *tp = aw_drain_template(l->drain, g[k].id, &len);
    if (!tp) continue;
    if (search && !strstr(tp, search)) continue;
    slot[g[k].id] = (int32_t)listed++;
    cJSON *o = cJSON_CreateObject();
    char ev[9];
    aw_drain_event_id(tp, len, ev);
    aw_json_add_number(o, "id", g[k].id);
    cJSON_AddStringToObject(o, "event_id", ev);
    char *copy = (char *)AW_MALLOC(len + 1);
    if (copy) {
      memcpy(copy, tp, len);
      copy[len] = '\0';
      cJSON_AddStringToObject(o, "template", copy);
      AW_FREE(copy);
    }
    aw_json_add_number(o, "count", (double)g[k].count);
    aw_json_add_number(o, "share", l->n ? (double)g[k].count / (double)l->n : 0);
    aw_json_add_number(o, "first_seen", g[k].first);
    aw_json_add_number(o, "last_seen", g[k].last);
    cJSON_AddItemToArray(arr, o);
  }
  /* sparklines: occurrences per time bucket (per line index when there are no times) */
  spark = (uint32_t *)aw_calloc_array(listed ? listed * (size_t)buckets : 1, sizeof(uint32_t));
  if (!spark) {
    cJSON_Delete(arr);
    AW_FREE(g);
    AW_FREE(slot);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  int by_time = lo < hi;
  for (size_t i = 0; i < l->n; i++) {
    uint32_t e = aw_drain_group(l->drain, l->cluster[i]);
    if (e > maxid || slot[e] < 0) continue;
    double f = by_time ? (l->time[i] - lo) / (hi - lo) : (double)i / (double)(l->n > 1 ? l->n - 1 : 1);
    if (f != f) continue;
    size_t b = (size_t)(f * (double)buckets);
    if (b >= (size_t)buckets) b = (size_t)buckets - 1;
    spark[(size_t)slot[e] * (size_t)buckets + b]++;
  }
  size_t k = 0;
  for (cJSON *o = arr->child; o; o = o->next, k++) {
    cJSON *sp = cJSON_AddArrayToObject(o, "spark");
    for (int64_t b = 0; b < buckets; b++) cJSON_AddItemToArray(sp, cJSON_CreateNumber(spark[k * (size_t)buckets + (size_t)b]));
  }
  aw_json_add_number(result, "lines", (double)l->n);
  aw_json_add_number(result, "templates_total", (double)ng);
  aw_json_add_number(result, "listed", (double)listed);
  if (by_time) {
    aw_json_add_number(result, "time_start", lo);
    aw_json_add_number(result, "time_end", hi);
  }
  cJSON_AddBoolToObject(result, "spark_by_time", by_time);
  cJSON_AddItemToObject(result, "templates", arr);
  AW_FREE(g);
  AW_FREE(slot);
  AW_FREE(spark);
  return AW_OK;
}

/* "log_lines": the lines of one template (group id), as line numbers and byte offsets. */
aw_status aw_step_log_lines(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  static const char *const keys[] = {"template", "limit", "skip", NULL};
  aw_status st = aw_json_check_keys(params, ctx->path, keys, err);
  if (st) return st;
  aw_logs *l = input_logs(ctx, err);
  if (!l) return err->code;
  int64_t id, limit, skip;
  if ((st = aw_json_int(params, ctx->path, "template", 1, UINT32_MAX, 0, &id, err)) ||
      (st = aw_json_int(params, ctx->path, "limit", 1, 100000, 100, &limit, err)) ||
      (st = aw_json_int(params, ctx->path, "skip", 0, (int64_t)1 << 50, 0, &skip, err)))
    return st;
  if (!id) return aw_error_set(err, AW_ERR_ARG, "%s.template: the template id is required", ctx->path);
  cJSON *arr = cJSON_AddArrayToObject(result, "lines");
  uint64_t seen = 0, listed = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (aw_drain_group(l->drain, l->cluster[i]) != (uint32_t)id) continue;
    if (seen++ < (uint64_t)skip || listed >= (uint64_t)limit) continue;
    listed++;
    cJSON *o = cJSON_CreateObject();
    aw_json_add_number(o, "line", (double)l->line[i]);
    aw_json_add_number(o, "offset", (double)l->offset[i]);
    aw_json_add_number(o, "time", l->time[i]);
    cJSON_AddItemToArray(arr, o);
  }
  aw_json_add_number(result, "template", (double)id);
  aw_json_add_number(result, "total", (double)seen);
  return AW_OK;
}

/* "log_params": parameter spans of messages under a template (for highlighting). */
aw_status aw_step_log_params(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err) {
  static const char *const keys[] = {"template", "messages", NULL};
  aw_status st = aw_json_check_keys(params, ctx->path, keys, err);
  if (st) return st;
  aw_logs *l = input_logs(ctx, err);
  if (!l) return err->code;
  int64_t id;
  if ((st = aw_json_int(params, ctx->path, "template", 1, UINT32_MAX, 0, &id, err))) return st;
  const cJSON *msgs = params ? cJSON_GetObjectItemCaseSensitive(params, "messages") : NULL;
  if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) > 10000)
    return aw_error_set(err, AW_ERR_RANGE, "%s.messages: must be an array of at most 10000 strings", ctx->path);
  size_t len;
  const char *tp0 = aw_drain_template(l->drain, (uint32_t)id, &len);
  if (!tp0) return aw_error_set(err, AW_ERR_NOTFOUND, "%s.template: no template %lld", ctx->path, (long long)id);
  char *tp = (char *)AW_MALLOC(len + 1);
  if (!tp) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  memcpy(tp, tp0, len);
  tp[len] = '\0';
  cJSON *out = cJSON_AddArrayToObject(result, "spans");
  for (const cJSON *m = msgs->child; m; m = m->next) {
    if (!cJSON_IsString(m)) {
      AW_FREE(tp);
      return aw_error_set(err, AW_ERR_RANGE, "%s.messages: must be strings", ctx->path);
    }
    uint32_t s0[256], e0[256];
    long k = aw_drain_param_spans(l->drain, tp, len, m->valuestring, strlen(m->valuestring), s0, e0, 256, err);
    if (k < 0) {
      AW_FREE(tp);
      return err->code;
    }
    cJSON *one = cJSON_CreateArray();
    for (long i = 0; i < k && i < 256; i++) {
      cJSON *pair = cJSON_CreateArray();
      cJSON_AddItemToArray(pair, cJSON_CreateNumber(s0[i]));
      cJSON_AddItemToArray(pair, cJSON_CreateNumber(e0[i]));
      cJSON_AddItemToArray(one, pair);
    }
    cJSON_AddItemToArray(out, one);
  }
  cJSON_AddStringToObject(result, "template", tp);
  AW_FREE(tp);
  return AW_OK;
}

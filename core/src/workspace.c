/* workspace.c - named objects, streaming inputs and the spec runner. */
#include "aw/workspace.h"

#include <stdio.h>
#include <string.h>

#include "aw/rng.h"
#include "aw/sha256.h"
#include "internal/registry.h"

typedef struct obj {
  char *name;
  char *type;
  void *p;
  void (*free_fn)(void *);
  cJSON *info; /* load information when the object came from an input */
} obj;

typedef struct open_input {
  char *name, *kind, *label;
  const aw_stream_kind *sk;
  void *state;
  aw_sha256 sha;
  uint64_t bytes;
} open_input;

struct aw_ws {
  obj *objs;
  size_t n, cap;
  open_input in;
  int in_open;
};

static char *dupstr(const char *s) {
  size_t n = strlen(s);
  char *d = (char *)AW_MALLOC(n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

aw_ws *aw_ws_new(void) { return (aw_ws *)AW_CALLOC(1, sizeof(aw_ws)); }

static void obj_release(obj *o) {
  AW_FREE(o->name);
  AW_FREE(o->type);
  if (o->free_fn && o->p) o->free_fn(o->p);
  cJSON_Delete(o->info);
}

void aw_ws_free(aw_ws *ws) {
  if (!ws) return;
  aw_ws_input_abort(ws);
  for (size_t i = 0; i < ws->n; i++) obj_release(&ws->objs[i]);
  AW_FREE(ws->objs);
  AW_FREE(ws);
}

static long find(const aw_ws *ws, const char *name) {
  for (size_t i = 0; i < ws->n; i++)
    if (strcmp(ws->objs[i].name, name) == 0) return (long)i;
  return -1;
}

static aw_status put(aw_ws *ws, const char *name, const char *type, void *p, void (*free_fn)(void *), cJSON *info,
                     aw_error *err) {
  char *nm = dupstr(name), *ty = dupstr(type);
  if (!nm || !ty || aw_grow((void **)&ws->objs, &ws->cap, ws->n + 1, sizeof(obj))) {
    AW_FREE(nm);
    AW_FREE(ty);
    if (free_fn && p) free_fn(p);
    cJSON_Delete(info);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  long i = find(ws, name);
  obj o = {nm, ty, p, free_fn, info};
  if (i >= 0) {
    obj_release(&ws->objs[i]);
    ws->objs[i] = o;
  } else {
    ws->objs[ws->n++] = o;
  }
  return AW_OK;
}

static void table_free(void *p) { aw_table_free((aw_table *)p); }

void aw_stream_return_table(aw_table *t, void **out, const char **type, void (**free_fn)(void *)) {
  *out = t;
  *type = "table";
  *free_fn = table_free;
}

void aw_stream_info_columns(const aw_table *t, cJSON *info) {
  cJSON *cols = cJSON_AddArrayToObject(info, "columns");
  for (size_t j = 0; j < aw_table_cols(t); j++) cJSON_AddItemToArray(cols, cJSON_CreateString(aw_table_col_name(t, j)));
}

aw_status aw_ws_put_table(aw_ws *ws, const char *name, aw_table *t, aw_error *err) {
  return put(ws, name, "table", t, table_free, NULL, err);
}

const aw_table *aw_ws_get_table(const aw_ws *ws, const char *name) {
  return (const aw_table *)aw_ws_get_object(ws, name, "table");
}

aw_status aw_ws_put_object(aw_ws *ws, const char *name, const char *type, void *p, void (*free_fn)(void *),
                           aw_error *err) {
  return put(ws, name, type, p, free_fn, NULL, err);
}

void *aw_ws_get_object(const aw_ws *ws, const char *name, const char *type) {
  long i = find(ws, name);
  if (i < 0 || strcmp(ws->objs[i].type, type) != 0) return NULL;
  return ws->objs[i].p;
}

void aw_ws_remove(aw_ws *ws, const char *name) {
  long i = find(ws, name);
  if (i < 0) return;
  obj_release(&ws->objs[i]);
  memmove(ws->objs + i, ws->objs + i + 1, (ws->n - (size_t)i - 1) * sizeof(obj));
  ws->n--;
}

size_t aw_ws_count(const aw_ws *ws) { return ws->n; }
const char *aw_ws_name(const aw_ws *ws, size_t i) { return i < ws->n ? ws->objs[i].name : NULL; }
const char *aw_ws_type(const aw_ws *ws, size_t i) { return i < ws->n ? ws->objs[i].type : NULL; }
const cJSON *aw_ws_input_info(const aw_ws *ws, const char *name) {
  long i = find(ws, name);
  return i < 0 ? NULL : ws->objs[i].info;
}

/* ------------------------------------------------------------------ streaming input */

int aw_ws_input_open(const aw_ws *ws) { return ws->in_open; }

void aw_ws_input_abort(aw_ws *ws) {
  if (!ws->in_open) return;
  if (ws->in.sk && ws->in.state) ws->in.sk->abort(ws->in.state);
  AW_FREE(ws->in.name);
  AW_FREE(ws->in.kind);
  AW_FREE(ws->in.label);
  memset(&ws->in, 0, sizeof ws->in);
  ws->in_open = 0;
}

aw_status aw_ws_input_begin(aw_ws *ws, const char *name, const char *kind, const char *label, const cJSON *options,
                            aw_error *err) {
  if (ws->in_open) return aw_error_set(err, AW_ERR_STATE, "input '%s' is still open", ws->in.name);
  if (!name || !*name || strlen(name) > 64) return aw_error_set(err, AW_ERR_ARG, "input name must be 1-64 characters");
  const aw_stream_kind *sk = aw_stream_kind_find(kind ? kind : "");
  if (!sk) {
    char list[256] = "";
    size_t n, used = 0;
    const aw_stream_kind *const *all = aw_stream_kinds(&n);
    for (size_t i = 0; i < n; i++) {
      int k = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", all[i]->kind);
      if (k > 0 && (size_t)k < sizeof list - used) used += (size_t)k;
    }
    return aw_error_set(err, AW_ERR_UNSUPPORTED, "input '%s': unknown kind '%s' (streamed kinds: %s)", name,
                        kind ? kind : "", list);
  }
  if (options && !cJSON_IsObject(options))
    return aw_error_set(err, AW_ERR_ARG, "input '%s': options must be a JSON object", name);
  memset(&ws->in, 0, sizeof ws->in);
  ws->in.name = dupstr(name);
  ws->in.kind = dupstr(kind);
  ws->in.label = dupstr(label && *label ? label : name);
  ws->in.sk = sk;
  if (!ws->in.name || !ws->in.kind || !ws->in.label) {
    ws->in_open = 1;
    aw_ws_input_abort(ws);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  aw_sha256_init(&ws->in.sha);
  ws->in_open = 1;
  aw_status st = sk->begin(&ws->in.state, ws->in.label, options, err);
  if (st) {
    aw_error_prefix(err, "input '%s'", name);
    aw_ws_input_abort(ws);
  }
  return st;
}

aw_status aw_ws_input_feed(aw_ws *ws, const void *data, size_t n, aw_error *err) {
  if (!ws->in_open) return aw_error_set(err, AW_ERR_STATE, "no input is open");
  aw_sha256_update(&ws->in.sha, data, n);
  ws->in.bytes += n;
  return ws->in.sk->feed(ws->in.state, data, n, err);
}

void aw_ws_input_status(const aw_ws *ws, double *records, double *groups) {
  *records = *groups = -1;
  if (ws->in_open && ws->in.state && ws->in.sk->status) ws->in.sk->status(ws->in.state, records, groups);
}

aw_status aw_ws_input_end(aw_ws *ws, cJSON **info_out, aw_error *err) {
  if (info_out) *info_out = NULL;
  if (!ws->in_open) return aw_error_set(err, AW_ERR_STATE, "no input is open");
  cJSON *info = cJSON_CreateObject();
  if (!info) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  char hex[65];
  aw_sha256_final_hex(&ws->in.sha, hex);
  cJSON_AddStringToObject(info, "name", ws->in.name);
  cJSON_AddStringToObject(info, "kind", ws->in.kind);
  cJSON_AddStringToObject(info, "label", ws->in.label);
  aw_json_add_number(info, "bytes", (double)ws->in.bytes);
  cJSON_AddStringToObject(info, "sha256", hex);
  void *p = NULL;
  const char *type = NULL;
  void (*free_fn)(void *) = NULL;
  aw_status st = ws->in.sk->end(ws->in.state, &p, &type, &free_fn, info, err);
  ws->in.state = NULL; /* end() consumed it, successful or not */
  if (st) {
    cJSON_Delete(info);
    aw_ws_input_abort(ws);
    return st;
  }
  if (info_out) {
    *info_out = cJSON_Duplicate(info, 1);
    if (!*info_out) {
      free_fn(p);
      cJSON_Delete(info);
      aw_ws_input_abort(ws);
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    }
  }
  char *name = dupstr(ws->in.name);
  aw_ws_input_abort(ws);
  if (!name) {
    free_fn(p);
    cJSON_Delete(info);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  st = put(ws, name, type, p, free_fn, info, err);
  AW_FREE(name);
  return st;
}

/* ------------------------------------------------------------------ runner */

uint64_t aw_derive_seed(uint64_t spec_seed, const char *name) {
  aw_rng r;
  aw_rng_seed_stream(&r, spec_seed, aw_rng_hash(name));
  return aw_rng_u64(&r) >> 11; /* 53 bits, so it survives a JSON round trip */
}

typedef struct scaled_progress {
  const aw_progress *outer;
  double base, span;
  aw_progress self;
} scaled_progress;

static int scaled_report(void *ud, double f, const char *stage) {
  scaled_progress *sp = (scaled_progress *)ud;
  double g = f < 0 ? -1 : sp->base + sp->span * (f > 1 ? 1 : f);
  return aw_progress_report(sp->outer, g, stage);
}

aw_status aw_ws_run_step(aw_ws *ws, const aw_spec_step *step, uint64_t spec_seed, const aw_progress *progress,
                         cJSON **result, aw_error *err) {
  *result = NULL;
  const aw_step_def *def = aw_steps_find(step->op);
  if (!def) {
    size_t n;
    const aw_step_def *all = aw_steps_list(&n);
    char list[600] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
      int k = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", all[i].op);
      if (k > 0 && (size_t)k < sizeof list - used) used += (size_t)k;
    }
    return aw_error_set(err, AW_ERR_UNSUPPORTED, "steps[%zu].op: unknown op \"%.40s\" (known: %s)", step->index,
                        step->op, list);
  }
  aw_step_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.ws = ws;
  ctx.step = step;
  ctx.seed = aw_derive_seed(spec_seed, step->id);
  ctx.progress = progress;
  snprintf(ctx.path, sizeof ctx.path, "steps[%zu].params", step->index);
  cJSON *wrap = cJSON_CreateObject();
  cJSON *res = cJSON_CreateObject();
  if (!wrap || !res) {
    cJSON_Delete(wrap);
    cJSON_Delete(res);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  cJSON_AddStringToObject(wrap, "id", step->id);
  cJSON_AddStringToObject(wrap, "op", step->op);
  if (step->input) cJSON_AddStringToObject(wrap, "input", step->input);
  aw_status st = def->run(&ctx, step->params, res, err);
  if (st) {
    cJSON_Delete(wrap);
    cJSON_Delete(res);
    if (st != AW_ERR_CANCELLED) aw_error_prefix(err, "step \"%s\" (%s)", step->id, step->op);
    return st;
  }
  cJSON_AddItemToObject(wrap, "result", res);
  *result = wrap;
  return AW_OK;
}

aw_status aw_ws_run(aw_ws *ws, const aw_spec *spec, const aw_progress *progress, cJSON **result, aw_error *err) {
  *result = NULL;
  cJSON *doc = cJSON_CreateObject();
  if (!doc) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  aw_json_add_number(doc, "spec_version", AW_SPEC_VERSION);
  cJSON_AddStringToObject(doc, "engine", AW_VERSION);
  aw_json_add_number(doc, "seed", (double)aw_spec_seed(spec));
  cJSON *inputs = cJSON_AddArrayToObject(doc, "inputs");
  cJSON *steps = cJSON_AddArrayToObject(doc, "steps");
  size_t ni = aw_spec_input_count(spec), ns = aw_spec_step_count(spec);
  double total = (double)(ni + ns ? ni + ns : 1);
  aw_status st = AW_OK;
  for (size_t i = 0; i < ni && !st; i++) {
    const aw_spec_input *in = aw_spec_get_input(spec, i);
    const aw_input_kind *gk = aw_input_kind_find(in->kind);
    const cJSON *have = aw_ws_input_info(ws, in->name);
    if (gk && gk->generate) {
      cJSON *info = cJSON_CreateObject();
      if (!info) {
        st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        break;
      }
      cJSON_AddStringToObject(info, "name", in->name);
      cJSON_AddStringToObject(info, "kind", in->kind);
      scaled_progress sp = {progress, (double)i / total, 1.0 / total, {scaled_report, NULL}};
      sp.self.ud = &sp;
      st = gk->generate(ws, in, aw_derive_seed(aw_spec_seed(spec), in->name), &sp.self, info, err);
      if (st) {
        cJSON_Delete(info);
        if (st != AW_ERR_CANCELLED) aw_error_prefix(err, "inputs[%zu] \"%s\" (%s)", i, in->name, in->kind);
        break;
      }
      long k = find(ws, in->name);
      if (k >= 0) {
        cJSON_Delete(ws->objs[k].info);
        ws->objs[k].info = cJSON_Duplicate(info, 1);
      }
      cJSON_AddItemToArray(inputs, info);
    } else if (!have) {
      st = aw_error_set(err, AW_ERR_NOTFOUND, "inputs[%zu] \"%s\" (%s%s%s) has not been loaded", i, in->name, in->kind,
                        in->path ? ", " : "", in->path ? in->path : "");
    } else {
      const cJSON *sha = cJSON_GetObjectItemCaseSensitive(have, "sha256");
      const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(have, "bytes");
      if (in->size >= 0 && cJSON_IsNumber(bytes) && (double)in->size != bytes->valuedouble)
        st = aw_error_set(err, AW_ERR_RANGE, "inputs[%zu] \"%s\": the file has %.0f bytes, the spec expects %lld", i,
                          in->name, bytes->valuedouble, (long long)in->size);
      else if (in->sha256 && cJSON_IsString(sha) && strcmp(in->sha256, sha->valuestring) != 0)
        st = aw_error_set(err, AW_ERR_RANGE,
                          "inputs[%zu] \"%s\": the file differs from the one the spec was made with (sha256 %.12s..., "
                          "expected %.12s...)",
                          i, in->name, sha->valuestring, in->sha256);
      else {
        cJSON *copy = cJSON_Duplicate(have, 1);
        if (!copy) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
        else cJSON_AddItemToArray(inputs, copy);
      }
    }
    if (!st && aw_progress_report(progress, (double)(i + 1) / total, "inputs"))
      st = aw_error_set(err, AW_ERR_CANCELLED, "cancelled");
  }
  for (size_t i = 0; i < ns && !st; i++) {
    const aw_spec_step *step = aw_spec_get_step(spec, i);
    scaled_progress sp = {progress, (double)(ni + i) / total, 1.0 / total, {scaled_report, NULL}};
    sp.self.ud = &sp;
    cJSON *r;
    st = aw_ws_run_step(ws, step, aw_spec_seed(spec), &sp.self, &r, err);
    if (!st) cJSON_AddItemToArray(steps, r);
    if (!st && aw_progress_report(progress, (double)(ni + i + 1) / total, step->op))
      st = aw_error_set(err, AW_ERR_CANCELLED, "cancelled");
  }
  if (st) {
    cJSON_Delete(doc);
    return st;
  }
  *result = doc;
  return AW_OK;
}

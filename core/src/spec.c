/* spec.c - analysis spec parsing and JSON validation helpers. */
#include "aw/spec.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct aw_spec {
  cJSON *root;
  int version;
  uint64_t seed;
  aw_spec_input *inputs;
  size_t ninputs;
  aw_spec_step *steps;
  size_t nsteps;
};

aw_status aw_json_parse(const char *text, size_t len, const char *name, cJSON **out, aw_error *err) {
  *out = NULL;
  if (len > AW_SPEC_MAX_BYTES)
    return aw_error_at(err, AW_ERR_LIMIT, name, 0, 0, "JSON document larger than %zu bytes", AW_SPEC_MAX_BYTES);
  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (!j) {
    /* cJSON reports where it stopped: turn that into line and column */
    size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
    uint64_t line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
      if (text[i] == '\n') line++, col = 1;
      else col++;
    }
    /* cJSON stops at the last byte it could not complete: at (or one before) the end of the text
     * the document was cut short */
    size_t rest = off;
    while (rest < len && (text[rest] == ' ' || text[rest] == '\t' || text[rest] == '\r' || text[rest] == '\n')) rest++;
    if (rest >= len || (rest + 1 == len && strchr(",:[{\"", text[rest])))
      return aw_error_at(err, AW_ERR_PARSE, name, line, col, "JSON ends too early (truncated?)");
    /* quote at most 12 bytes of the input, printable ASCII only (the text is untrusted and not
     * NUL-terminated) */
    char near[13];
    size_t k = 0;
    for (; k < 12 && off + k < len; k++) {
      unsigned char ch = (unsigned char)text[off + k];
      near[k] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    near[k] = '\0';
    return aw_error_at(err, AW_ERR_PARSE, name, line, col, "invalid JSON near '%s'", near);
  }
  /* anything but white space after the document is an error too */
  size_t off = (size_t)(end - text);
  while (off < len && (text[off] == ' ' || text[off] == '\t' || text[off] == '\r' || text[off] == '\n' || text[off] == 0)) off++;
  if (off < len) {
    uint64_t line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
      if (text[i] == '\n') line++, col = 1;
      else col++;
    }
    cJSON_Delete(j);
    return aw_error_at(err, AW_ERR_PARSE, name, line, col, "unexpected text after the JSON document");
  }
  *out = j;
  return AW_OK;
}

static const char *type_name(const cJSON *j) {
  if (!j) return "nothing";
  if (cJSON_IsNumber(j)) return "a number";
  if (cJSON_IsString(j)) return "a string";
  if (cJSON_IsBool(j)) return "a boolean";
  if (cJSON_IsNull(j)) return "null";
  if (cJSON_IsArray(j)) return "an array";
  if (cJSON_IsObject(j)) return "an object";
  return "an invalid value";
}

/* A short rendering of a value for messages. */
static void show(const cJSON *j, char *buf, size_t n) {
  if (cJSON_IsString(j)) {
    snprintf(buf, n, "\"%.40s%s\"", j->valuestring, strlen(j->valuestring) > 40 ? "..." : "");
  } else if (cJSON_IsNumber(j)) {
    char num[AW_FMT_DOUBLE_MAX];
    aw_fmt_double(num, j->valuedouble);
    snprintf(buf, n, "%s", num);
  } else {
    snprintf(buf, n, "%s", type_name(j));
  }
}

static aw_status bad(aw_error *err, const char *path, const char *key, const char *what, const cJSON *got) {
  char g[80];
  show(got, g, sizeof g);
  return aw_error_set(err, AW_ERR_RANGE, "%s%s%s: must be %s, got %s", path ? path : "", path && key ? "." : "",
                      key ? key : "", what, g);
}

aw_status aw_json_check_keys(const cJSON *obj, const char *path, const char *const *allowed, aw_error *err) {
  if (!obj) return AW_OK;
  if (!cJSON_IsObject(obj)) return bad(err, path, NULL, "an object", obj);
  for (const cJSON *c = obj->child; c; c = c->next) {
    int ok = 0;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp(c->string, *a) == 0) ok = 1;
    if (!ok) {
      char list[400] = "";
      size_t used = 0;
      for (const char *const *a = allowed; *a && used < sizeof list - 40; a++) {
        int k = snprintf(list + used, sizeof list - used, "%s%s", a == allowed ? "" : ", ", *a);
        if (k > 0) used += (size_t)k;
      }
      return aw_error_set(err, AW_ERR_RANGE, "%s: unknown key \"%.60s\" (allowed: %s)", path, c->string, list);
    }
  }
  return AW_OK;
}

static const cJSON *get(const cJSON *obj, const char *key) {
  return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

aw_status aw_json_number(const cJSON *obj, const char *path, const char *key, double lo, double hi, double def,
                         double *out, aw_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) {
    *out = def;
    return AW_OK;
  }
  char what[128], a[AW_FMT_DOUBLE_MAX], b[AW_FMT_DOUBLE_MAX];
  aw_fmt_double(a, lo);
  aw_fmt_double(b, hi);
  snprintf(what, sizeof what, "a number in [%s, %s]", a, b);
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi)) return bad(err, path, key, what, v);
  *out = v->valuedouble;
  return AW_OK;
}

aw_status aw_json_int(const cJSON *obj, const char *path, const char *key, int64_t lo, int64_t hi, int64_t def,
                      int64_t *out, aw_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) {
    *out = def;
    return AW_OK;
  }
  char what[128];
  snprintf(what, sizeof what, "an integer in [%lld, %lld]", (long long)lo, (long long)hi);
  if (!cJSON_IsNumber(v)) return bad(err, path, key, what, v);
  double x = v->valuedouble;
  if (!(x == floor(x)) || fabs(x) > 9007199254740992.0 || x < (double)lo || x > (double)hi)
    return bad(err, path, key, what, v);
  *out = (int64_t)x;
  return AW_OK;
}

aw_status aw_json_bool(const cJSON *obj, const char *path, const char *key, int def, int *out, aw_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) {
    *out = def;
    return AW_OK;
  }
  if (!cJSON_IsBool(v)) return bad(err, path, key, "true or false", v);
  *out = cJSON_IsTrue(v);
  return AW_OK;
}

aw_status aw_json_string(const cJSON *obj, const char *path, const char *key, const char *def, const char **out,
                         aw_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) {
    *out = def;
    return AW_OK;
  }
  if (!cJSON_IsString(v)) return bad(err, path, key, "a string", v);
  *out = v->valuestring;
  return AW_OK;
}

aw_status aw_json_enum(const cJSON *obj, const char *path, const char *key, const char *const *choices, int def,
                       int *out, aw_error *err) {
  const cJSON *v = get(obj, key);
  if (!v) {
    *out = def;
    return AW_OK;
  }
  char what[300] = "one of ";
  size_t used = strlen(what);
  for (const char *const *c = choices; *c && used < sizeof what - 40; c++) {
    int k = snprintf(what + used, sizeof what - used, "%s\"%s\"", c == choices ? "" : ", ", *c);
    if (k > 0) used += (size_t)k;
  }
  if (cJSON_IsString(v))
    for (int i = 0; choices[i]; i++)
      if (strcmp(v->valuestring, choices[i]) == 0) {
        *out = i;
        return AW_OK;
      }
  return bad(err, path, key, what, v);
}

aw_status aw_json_numbers(const cJSON *obj, const char *path, const char *key, size_t max_n, double **out,
                          size_t *n, aw_error *err) {
  *out = NULL;
  *n = 0;
  const cJSON *v = get(obj, key);
  if (!v) return AW_OK;
  if (!cJSON_IsArray(v)) return bad(err, path, key, "an array of numbers", v);
  size_t k = (size_t)cJSON_GetArraySize(v);
  if (k > max_n) return aw_error_set(err, AW_ERR_LIMIT, "%s.%s: at most %zu numbers, got %zu", path, key, max_n, k);
  double *d = (double *)aw_alloc_array(k, sizeof(double));
  if (!d) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  size_t i = 0;
  for (const cJSON *c = v->child; c; c = c->next, i++) {
    if (!cJSON_IsNumber(c)) {
      AW_FREE(d);
      char p2[200];
      snprintf(p2, sizeof p2, "%s.%s[%zu]", path, key, i);
      return bad(err, p2, NULL, "a number", c);
    }
    d[i] = c->valuedouble;
  }
  *out = d;
  *n = k;
  return AW_OK;
}

cJSON *aw_json_add_number(cJSON *obj, const char *key, double x) {
  if (!(x - x == 0)) return cJSON_AddNullToObject(obj, key);
  return cJSON_AddNumberToObject(obj, key, x);
}

char *aw_json_print(const cJSON *j, int pretty) { return pretty ? cJSON_Print(j) : cJSON_PrintUnformatted(j); }

/* ------------------------------------------------------------------ spec */

static int valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

/* 1 when ref is `name` or `name.<part>`. */
static int names_object(const char *name, const char *ref) {
  size_t n = strlen(name);
  return strncmp(name, ref, n) == 0 && (ref[n] == '\0' || (ref[n] == '.' && ref[n + 1] != '\0'));
}

static aw_status parse_inputs(aw_spec *s, const cJSON *arr, aw_error *err) {
  if (!arr) return AW_OK;
  if (!cJSON_IsArray(arr)) return bad(err, "inputs", NULL, "an array", arr);
  size_t n = (size_t)cJSON_GetArraySize(arr);
  if (n > AW_SPEC_MAX_ITEMS) return aw_error_set(err, AW_ERR_LIMIT, "inputs: more than %d entries", AW_SPEC_MAX_ITEMS);
  s->inputs = (aw_spec_input *)aw_calloc_array(n, sizeof(aw_spec_input));
  if (!s->inputs) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  static const char *const keys[] = {"name", "kind", "path", "size", "sha256", "options", "params", "label", NULL};
  size_t i = 0;
  for (const cJSON *c = arr->child; c; c = c->next, i++) {
    char path[64];
    snprintf(path, sizeof path, "inputs[%zu]", i);
    aw_status st;
    if (!cJSON_IsObject(c)) return bad(err, path, NULL, "an object", c);
    if ((st = aw_json_check_keys(c, path, keys, err))) return st;
    aw_spec_input *in = &s->inputs[i];
    if ((st = aw_json_string(c, path, "name", NULL, &in->name, err))) return st;
    if ((st = aw_json_string(c, path, "kind", NULL, &in->kind, err))) return st;
    if (!in->name) return aw_error_set(err, AW_ERR_RANGE, "%s: \"name\" is required", path);
    if (!valid_name(in->name))
      return aw_error_set(err, AW_ERR_RANGE, "%s.name: \"%.64s\" must be 1-64 characters of A-Z a-z 0-9 _ - .", path, in->name);
    if (!in->kind) return aw_error_set(err, AW_ERR_RANGE, "%s: \"kind\" is required", path);
    if ((st = aw_json_string(c, path, "path", NULL, &in->path, err))) return st;
    if ((st = aw_json_string(c, path, "sha256", NULL, &in->sha256, err))) return st;
    if (in->sha256) {
      int ok = strlen(in->sha256) == 64;
      for (int k = 0; ok && k < 64; k++) {
        char h = in->sha256[k];
        ok = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f');
      }
      if (!ok) return bad(err, path, "sha256", "64 lowercase hex digits", cJSON_GetObjectItemCaseSensitive(c, "sha256"));
    }
    int64_t size;
    if ((st = aw_json_int(c, path, "size", 0, (int64_t)1 << 53, -1, &size, err))) return st;
    in->size = size;
    in->options = cJSON_GetObjectItemCaseSensitive(c, "options");
    in->params = cJSON_GetObjectItemCaseSensitive(c, "params");
    if (in->options && !cJSON_IsObject(in->options)) return bad(err, path, "options", "an object", in->options);
    if (in->params && !cJSON_IsObject(in->params)) return bad(err, path, "params", "an object", in->params);
    for (size_t k = 0; k < i; k++)
      if (strcmp(s->inputs[k].name, in->name) == 0)
        return aw_error_set(err, AW_ERR_RANGE, "%s.name: \"%s\" is used by inputs[%zu] too", path, in->name, k);
  }
  s->ninputs = n;
  return AW_OK;
}

static aw_status parse_steps(aw_spec *s, const cJSON *arr, aw_error *err) {
  if (!arr) return AW_OK;
  if (!cJSON_IsArray(arr)) return bad(err, "steps", NULL, "an array", arr);
  size_t n = (size_t)cJSON_GetArraySize(arr);
  if (n > AW_SPEC_MAX_ITEMS) return aw_error_set(err, AW_ERR_LIMIT, "steps: more than %d entries", AW_SPEC_MAX_ITEMS);
  s->steps = (aw_spec_step *)aw_calloc_array(n, sizeof(aw_spec_step));
  if (!s->steps) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  static const char *const keys[] = {"id", "op", "input", "params", "label", NULL};
  size_t i = 0;
  for (const cJSON *c = arr->child; c; c = c->next, i++) {
    char path[64];
    snprintf(path, sizeof path, "steps[%zu]", i);
    aw_status st;
    if (!cJSON_IsObject(c)) return bad(err, path, NULL, "an object", c);
    if ((st = aw_json_check_keys(c, path, keys, err))) return st;
    aw_spec_step *sp = &s->steps[i];
    sp->index = i;
    if ((st = aw_json_string(c, path, "id", NULL, &sp->id, err))) return st;
    if ((st = aw_json_string(c, path, "op", NULL, &sp->op, err))) return st;
    if ((st = aw_json_string(c, path, "input", NULL, &sp->input, err))) return st;
    if (!sp->id) return aw_error_set(err, AW_ERR_RANGE, "%s: \"id\" is required", path);
    if (!valid_name(sp->id))
      return aw_error_set(err, AW_ERR_RANGE, "%s.id: \"%.64s\" must be 1-64 characters of A-Z a-z 0-9 _ - .", path, sp->id);
    if (!sp->op) return aw_error_set(err, AW_ERR_RANGE, "%s: \"op\" is required", path);
    sp->params = cJSON_GetObjectItemCaseSensitive(c, "params");
    if (sp->params && !cJSON_IsObject(sp->params)) return bad(err, path, "params", "an object", sp->params);
    for (size_t k = 0; k < s->ninputs; k++)
      if (strcmp(s->inputs[k].name, sp->id) == 0)
        return aw_error_set(err, AW_ERR_RANGE, "%s.id: \"%s\" is also an input name", path, sp->id);
    for (size_t k = 0; k < i; k++)
      if (strcmp(s->steps[k].id, sp->id) == 0)
        return aw_error_set(err, AW_ERR_RANGE, "%s.id: \"%s\" is used by steps[%zu] too", path, sp->id, k);
    if (sp->input) {
      /* a step reads an input or an earlier step's output, or a part of one ("<name>.<part>", e.g.
       * the load series a generated input makes beside its table) */
      int found = 0;
      for (size_t k = 0; k < s->ninputs && !found; k++) found = names_object(s->inputs[k].name, sp->input);
      for (size_t k = 0; k < i && !found; k++) found = names_object(s->steps[k].id, sp->input);
      if (!found)
        return aw_error_set(err, AW_ERR_NOTFOUND, "%s.input: \"%.64s\" is neither an input nor an earlier step", path,
                            sp->input);
    }
  }
  s->nsteps = n;
  return AW_OK;
}

aw_status aw_spec_parse(const char *text, size_t len, const char *name, aw_spec **out, aw_error *err) {
  *out = NULL;
  cJSON *root;
  aw_status st = aw_json_parse(text, len, name, &root, err);
  if (st) return st;
  aw_spec *s = (aw_spec *)AW_CALLOC(1, sizeof *s);
  if (!s) {
    cJSON_Delete(root);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  s->root = root;
  static const char *const keys[] = {"version", "engine", "seed", "inputs", "steps", "view", "title", "description", NULL};
  int64_t v, seed;
  const char *engine;
  if (!cJSON_IsObject(root)) st = bad(err, "spec", NULL, "a JSON object", root);
  if (!st) st = aw_json_check_keys(root, "spec", keys, err);
  if (!st && !cJSON_GetObjectItemCaseSensitive(root, "version"))
    st = aw_error_set(err, AW_ERR_RANGE, "spec: \"version\" is required (this engine writes %d)", AW_SPEC_VERSION);
  if (!st) st = aw_json_int(root, "spec", "version", 1, 1000000, AW_SPEC_VERSION, &v, err);
  if (!st && v > AW_SPEC_VERSION)
    st = aw_error_set(err, AW_ERR_VERSION,
                      "spec version %lld is newer than this engine understands (%d): update anomaly-workbench",
                      (long long)v, AW_SPEC_VERSION);
  if (!st) st = aw_json_string(root, "spec", "engine", NULL, &engine, err);
  if (!st) st = aw_json_int(root, "spec", "seed", 0, (int64_t)1 << 53, 0, &seed, err);
  if (!st) {
    const cJSON *view = cJSON_GetObjectItemCaseSensitive(root, "view");
    if (view && !cJSON_IsObject(view)) st = bad(err, "spec", "view", "an object", view);
  }
  if (!st) st = parse_inputs(s, cJSON_GetObjectItemCaseSensitive(root, "inputs"), err);
  if (!st) st = parse_steps(s, cJSON_GetObjectItemCaseSensitive(root, "steps"), err);
  if (st) {
    if (err && name && !err->file[0]) snprintf(err->file, sizeof err->file, "%s", name);
    aw_spec_free(s);
    return st;
  }
  s->version = (int)v;
  s->seed = (uint64_t)seed;
  *out = s;
  return AW_OK;
}

void aw_spec_free(aw_spec *s) {
  if (!s) return;
  cJSON_Delete(s->root);
  AW_FREE(s->inputs);
  AW_FREE(s->steps);
  AW_FREE(s);
}

int aw_spec_version(const aw_spec *s) { return s->version; }
uint64_t aw_spec_seed(const aw_spec *s) { return s->seed; }
size_t aw_spec_input_count(const aw_spec *s) { return s->ninputs; }
const aw_spec_input *aw_spec_get_input(const aw_spec *s, size_t i) { return i < s->ninputs ? &s->inputs[i] : NULL; }
const aw_spec_input *aw_spec_find_input(const aw_spec *s, const char *name) {
  for (size_t i = 0; i < s->ninputs; i++)
    if (strcmp(s->inputs[i].name, name) == 0) return &s->inputs[i];
  return NULL;
}
size_t aw_spec_step_count(const aw_spec *s) { return s->nsteps; }
const aw_spec_step *aw_spec_get_step(const aw_spec *s, size_t i) { return i < s->nsteps ? &s->steps[i] : NULL; }
const cJSON *aw_spec_json(const aw_spec *s) { return s->root; }

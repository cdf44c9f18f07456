/* aw/spec.h - the analysis spec, and the JSON validation helpers every step uses.
 *
 * A spec is the whole recipe of an analysis, run identically by `aw run`, the web worker and a
 * share link:
 *
 *   { "version": 1,                      required; AW_SPEC_VERSION or older
 *     "engine": "0.1.0",                 optional, informational (the engine that wrote it)
 *     "seed": 42,                        optional, default 0; an integer 0 .. 2^53
 *     "inputs": [ { "name": "metrics",   unique, [A-Za-z0-9_.-]{1,64}
 *                   "kind": "csv",       see aw/workspace.h for the kinds
 *                   "path": "m.csv",     file (CLI: relative to the spec's folder)
 *                   "size": 1234,        optional: bytes, checked when loading
 *                   "sha256": "…",       optional: 64 hex digits, checked when loading
 *                   "options": { … } },  optional: kind-specific
 *                 { "name": "load", "kind": "synth", "params": { … } } ],
 *     "steps": [ { "id": "stats",        unique, same syntax as input names
 *                  "op": "summary",      see aw_steps_list()
 *                  "input": "metrics",   optional: an input name or an earlier step id, or a
 *                                        part of one: "<name>.<part>" (e.g. "sock.load")
 *                  "params": { … } } ],  optional: op-specific, validated by the op
 *     "view": { … } }                    optional, free-form: the page's view state
 *
 * Unknown keys, wrong types and out-of-range values are errors that name the JSON path
 * (e.g. `steps[1].params.q: must be a number in (0, 0.5), got "high"`); JSON syntax errors give
 * the line and column.
 */
#ifndef AW_SPEC_H
#define AW_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "cJSON.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AW_SPEC_VERSION 1
#define AW_SPEC_MAX_BYTES ((size_t)16 << 20)
#define AW_SPEC_MAX_ITEMS 1000 /* inputs and steps, each */

typedef struct aw_spec_input {
  const char *name;
  const char *kind;
  const char *path;        /* NULL if none */
  const char *sha256;      /* NULL if none */
  int64_t size;            /* -1 if not given */
  const cJSON *options;    /* NULL if none (object) */
  const cJSON *params;     /* NULL if none (object) */
} aw_spec_input;

typedef struct aw_spec_step {
  const char *id;
  const char *op;
  const char *input;       /* NULL if none */
  const cJSON *params;     /* NULL if none (object) */
  size_t index;            /* position in "steps" */
} aw_spec_step;

typedef struct aw_spec aw_spec;

/* Parses and validates a spec (text of length len, need not be NUL-terminated). `name` is used in
 * messages (e.g. the file name). On success *out owns everything; free with aw_spec_free. */
aw_status aw_spec_parse(const char *text, size_t len, const char *name, aw_spec **out, aw_error *err);
void aw_spec_free(aw_spec *s);

int aw_spec_version(const aw_spec *s);
uint64_t aw_spec_seed(const aw_spec *s);
size_t aw_spec_input_count(const aw_spec *s);
const aw_spec_input *aw_spec_get_input(const aw_spec *s, size_t i);
const aw_spec_input *aw_spec_find_input(const aw_spec *s, const char *name);
size_t aw_spec_step_count(const aw_spec *s);
const aw_spec_step *aw_spec_get_step(const aw_spec *s, size_t i);
/* The whole spec as parsed (owned by the spec). */
const cJSON *aw_spec_json(const aw_spec *s);

/* Parses JSON text with a clear error (line and column) on bad syntax; *out must be cJSON_Delete'd. */
aw_status aw_json_parse(const char *text, size_t len, const char *name, cJSON **out, aw_error *err);

/* ---- validation helpers for objects such as a step's params ----
 * `path` names the object in messages (e.g. "steps[2].params"); obj may be NULL (= empty). */

/* Fails naming the first key of obj that is not in `allowed` (a NULL-terminated list). */
aw_status aw_json_check_keys(const cJSON *obj, const char *path, const char *const *allowed, aw_error *err);
/* A number in [lo, hi] (or the default when absent). */
aw_status aw_json_number(const cJSON *obj, const char *path, const char *key, double lo, double hi, double def,
                         double *out, aw_error *err);
/* An integer in [lo, hi] (or the default when absent); must be integral and |x| <= 2^53. */
aw_status aw_json_int(const cJSON *obj, const char *path, const char *key, int64_t lo, int64_t hi, int64_t def,
                      int64_t *out, aw_error *err);
aw_status aw_json_bool(const cJSON *obj, const char *path, const char *key, int def, int *out, aw_error *err);
/* A string (or def when absent; def may be NULL). The pointer is owned by obj. */
aw_status aw_json_string(const cJSON *obj, const char *path, const char *key, const char *def, const char **out,
                         aw_error *err);
/* One of `choices` (NULL-terminated); *out = its index (or def when absent). */
aw_status aw_json_enum(const cJSON *obj, const char *path, const char *key, const char *const *choices, int def,
                       int *out, aw_error *err);
/* An array of numbers (or absent: *n = 0, *out = NULL). At most max_n; *out is malloc'd (caller frees). */
aw_status aw_json_numbers(const cJSON *obj, const char *path, const char *key, size_t max_n, double **out,
                          size_t *n, aw_error *err);

/* Adds a number that is written identically natively and in WASM (NaN/inf become null). */
cJSON *aw_json_add_number(cJSON *obj, const char *key, double x);
/* Prints compact (pretty = 0) or indented JSON; the caller frees with cJSON_free. */
char *aw_json_print(const cJSON *j, int pretty);

#ifdef __cplusplus
}
#endif
#endif

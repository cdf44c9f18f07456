/* aw/workspace.h - the workspace: named datasets and objects, streaming inputs, and the runner
 * that executes a spec's steps. The CLI (`aw run`) and the web worker drive the same functions:
 * stream each input's bytes through aw_ws_input_*, then aw_ws_run. A result is a JSON document
 * with no timings or other run-dependent values, so the same spec and seed give the same bytes
 * natively and in WASM.
 *
 * Input kinds (aw_ws_input_begin):
 *   "csv"   a wide CSV (`timestamp,<series>...`) loaded into a table; options:
 *           sep ("," ";" "\t" "|"), header (bool), time_column (string, "" = none),
 *           time_format ("auto","unix_s","unix_ms","unix_us","unix_ns","iso8601"),
 *           max_line, max_cols, max_cells (integers)
 * Generated kinds need no bytes; aw_ws_run makes them from the spec's params and seed (later
 * modules add them, e.g. "synth").
 */
#ifndef AW_WORKSPACE_H
#define AW_WORKSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/spec.h"
#include "aw/table.h"
#include "cJSON.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aw_ws aw_ws;

aw_ws *aw_ws_new(void);
void aw_ws_free(aw_ws *ws);

/* Stores a table under `name`, replacing any object of that name; takes ownership of t (also on
 * failure, when t is freed). */
aw_status aw_ws_put_table(aw_ws *ws, const char *name, aw_table *t, aw_error *err);
/* The table named `name`, or NULL. Owned by the workspace. */
const aw_table *aw_ws_get_table(const aw_ws *ws, const char *name);

/* Any other object a module keeps between steps (a Drain model, a trained network...): `type` is
 * a short tag checked on retrieval; free_fn releases obj. Takes ownership (also on failure). */
aw_status aw_ws_put_object(aw_ws *ws, const char *name, const char *type, void *obj, void (*free_fn)(void *),
                           aw_error *err);
void *aw_ws_get_object(const aw_ws *ws, const char *name, const char *type);
/* Removes an object (no-op when absent). */
void aw_ws_remove(aw_ws *ws, const char *name);
size_t aw_ws_count(const aw_ws *ws);
/* Name and type of object i (owned by the workspace). */
const char *aw_ws_name(const aw_ws *ws, size_t i);
const char *aw_ws_type(const aw_ws *ws, size_t i);
/* Load information of an input (JSON object, owned by the workspace) or NULL. */
const cJSON *aw_ws_input_info(const aw_ws *ws, const char *name);

/* ---- streaming input, one at a time ----
 * begin: options is an object or NULL (see the kinds above); the previous content under `name`
 *        stays until end succeeds, so a failed or cancelled load loses nothing.
 * feed:  the next bytes (any size). Errors name the file (`label`, default the name) and line.
 * end:   commits; *info (may be NULL) receives a JSON copy of the load information, which the
 *        caller must cJSON_Delete: name, kind, bytes, sha256, and per kind e.g. rows, columns,
 *        rejected rows with line and reason.
 * abort: drops the partial input. */
aw_status aw_ws_input_begin(aw_ws *ws, const char *name, const char *kind, const char *label, const cJSON *options,
                            aw_error *err);
aw_status aw_ws_input_feed(aw_ws *ws, const void *data, size_t n, aw_error *err);
/* What the open input has produced so far: records parsed (log lines) and groups (Drain
 * templates); each -1 when its kind does not count them or no input is open. */
void aw_ws_input_status(const aw_ws *ws, double *records, double *groups);
aw_status aw_ws_input_end(aw_ws *ws, cJSON **info, aw_error *err);
void aw_ws_input_abort(aw_ws *ws);
/* 1 while an input is open. */
int aw_ws_input_open(const aw_ws *ws);

/* ---- running ----
 * aw_ws_run: checks every spec input is loaded (and that its size/sha256 match the spec when
 * given) or generates it, then runs the steps in order. *result (caller deletes) is
 *   {"spec_version", "engine", "seed", "inputs": [info...], "steps": [{"id","op","result"}...]}.
 * Progress: fraction over all steps; a cancel request stops with AW_ERR_CANCELLED.
 * aw_ws_run_step: runs one step against what the workspace holds (the page does this as the user
 * works); *result is that step's {"id","op","result"}. */
aw_status aw_ws_run(aw_ws *ws, const aw_spec *spec, const aw_progress *progress, cJSON **result, aw_error *err);
aw_status aw_ws_run_step(aw_ws *ws, const aw_spec_step *step, uint64_t spec_seed, const aw_progress *progress,
                         cJSON **result, aw_error *err);

/* ---- steps (the ops a spec can name) ---- */
typedef struct aw_step_ctx {
  aw_ws *ws;
  const aw_spec_step *step;
  uint64_t seed;               /* this step's seed: derived from the spec seed and the step id */
  const aw_progress *progress; /* may be NULL */
  char path[48];               /* "steps[N].params", for messages */
} aw_step_ctx;

/* A step validates its params (aw_json_* helpers, with ctx->path), does its work, stores output
 * tables/objects in the workspace under its id, and fills `result` (an empty object it owns). */
typedef aw_status (*aw_step_fn)(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);

typedef struct aw_step_def {
  const char *op;
  aw_step_fn run;
  const char *summary;
} aw_step_def;

const aw_step_def *aw_steps_find(const char *op);
/* All ops (static table); *n receives the count. */
const aw_step_def *aw_steps_list(size_t *n);

/* Generated input kinds (no bytes): make the input from params and a seed. */
typedef aw_status (*aw_generate_fn)(aw_ws *ws, const aw_spec_input *in, uint64_t seed, const aw_progress *progress,
                                    cJSON *info, aw_error *err);
typedef struct aw_input_kind {
  const char *kind;
  aw_generate_fn generate; /* NULL for streamed kinds */
  const char *summary;
} aw_input_kind;
const aw_input_kind *aw_input_kinds_list(size_t *n);

/* Seed for a named consumer of a spec seed (steps, generated inputs): stable and independent. */
uint64_t aw_derive_seed(uint64_t spec_seed, const char *name);

#ifdef __cplusplus
}
#endif
#endif

/* internal/registry.h - the tables of streamed input kinds, generated input kinds and step ops.
 * A module adds its entries in core/src/registry.c (one line each). */
#ifndef AW_INTERNAL_REGISTRY_H
#define AW_INTERNAL_REGISTRY_H

#include "aw/workspace.h"

/* A streamed input kind: begin gets the label (file name for messages) and the options object;
 * end hands over the finished object (p, type tag, free function) and adds kind-specific fields
 * to info. end consumes the state whether it succeeds or not; abort releases it. */
typedef struct aw_stream_kind {
  const char *kind;
  aw_status (*begin)(void **state, const char *label, const cJSON *options, aw_error *err);
  aw_status (*feed)(void *state, const void *data, size_t n, aw_error *err);
  aw_status (*end)(void *state, void **obj, const char **type, void (**free_fn)(void *), cJSON *info, aw_error *err);
  void (*abort)(void *state);
  const char *summary;
  /* optional: what a load has produced so far (records parsed, groups such as Drain templates;
   * -1 when the kind has no such count), for progress while the input streams */
  void (*status)(const void *state, double *records, double *groups);
} aw_stream_kind;

/* For a stream kind's end(): hands table t back as the input's object (*obj = t, *type "table",
 * *free_fn frees it), and adds the table's column names to info as "columns". */
void aw_stream_return_table(aw_table *t, void **obj, const char **type, void (**free_fn)(void *));
void aw_stream_info_columns(const aw_table *t, cJSON *info);

const aw_stream_kind *const *aw_stream_kinds(size_t *n);
const aw_stream_kind *aw_stream_kind_find(const char *kind);
const aw_input_kind *aw_input_kind_find(const char *kind);

/* Streamed kinds */
extern const aw_stream_kind aw_stream_csv;
extern const aw_stream_kind aw_stream_csv_long;   /* input_csv_long.c */
extern const aw_stream_kind aw_stream_prom_json;  /* input_prom.c */
extern const aw_stream_kind aw_stream_windows;    /* input_windows.c */
extern const aw_stream_kind aw_stream_fis;        /* input_windows.c */
extern const aw_stream_kind aw_stream_log;
extern const aw_stream_kind aw_stream_log_csv;     /* input_log.c */

/* Generated kinds */
aw_status aw_input_synth_generate(aw_ws *ws, const aw_spec_input *in, uint64_t seed, const aw_progress *progress,
                                  cJSON *info, aw_error *err);

/* Steps */
aw_status aw_step_summary(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_templates(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_log_lines(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_log_params(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_pot(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_evaluate(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_nab(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_detect(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_score(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);
aw_status aw_step_diagnose(aw_step_ctx *ctx, const cJSON *params, cJSON *result, aw_error *err);

/* Per-row labels of table t from params "labels_column" or "labels" (a windows table with start and
 * end columns); *out NULL when neither is given, else malloc'd. (step_pot.c) */
aw_status aw_step_labels(aw_step_ctx *ctx, const aw_table *t, const cJSON *params, uint8_t **out, aw_error *err);

/* Adds {precision, recall, f1, tp, fp, fn, tn} of p to o. (step_pot.c) */
struct aw_prf;
void aw_step_add_prf(cJSON *o, const struct aw_prf *p);

/* Helper for steps: the table named by the step's input (error naming the step when missing). */
const aw_table *aw_step_input_table(aw_step_ctx *ctx, aw_error *err);

#endif

/* registry.c - what a spec can name: streamed input kinds, generated input kinds, step ops. */
#include "internal/registry.h"

#include <string.h>

static const aw_stream_kind *const stream_kinds[] = {
    &aw_stream_csv,
    &aw_stream_csv_long,
    &aw_stream_prom_json,
    &aw_stream_windows,
    &aw_stream_fis,
    &aw_stream_log,
    &aw_stream_log_csv,
};

static const aw_input_kind input_kinds[] = {
    {"csv", NULL, "wide CSV: timestamp,<series>..."},
    {"csv_long", NULL, "long CSV: timestamp,series,value or timestamp,metric,labels...,value"},
    {"prom_json", NULL, "Prometheus HTTP API range-query JSON (resultType matrix)"},
    {"windows", NULL, "label windows: CSV start,end[,type,target], NAB JSON, IBM anomaly_windows.csv, Nezha fault list"},
    {"fis", NULL, "AWS FIS experiment records -> label windows"},
    {"log", NULL, "raw log lines parsed by Drain (logpai log_format, JSON lines, plain)"},
    {"log_csv", NULL, "logs exported as CSV, one line per row (Nezha), parsed by Drain"},
    {"synth", aw_input_synth_generate, "synthetic load, faults, telemetry and labels (Allam et al.)"},
};

static const aw_step_def steps[] = {
    {"summary", aw_step_summary, "per-series statistics (count, missing, min, max, mean, std) and time range"},
    {"templates", aw_step_templates, "the log's events (Drain templates): count, share, first/last seen, sparkline"},
    {"log_lines", aw_step_log_lines, "line numbers and byte offsets of one template's lines"},
    {"log_params", aw_step_log_params, "parameter spans of messages under a template (for highlighting)"},
    {"pot", aw_step_pot, "POT/SPOT/DSPOT threshold on a column (Siffer et al.), optional q sweep and evaluation"},
    {"evaluate", aw_step_evaluate, "point-wise and point-adjusted precision/recall/F1 and detection delay against labels"},
    {"nab", aw_step_nab, "NAB scores (standard, reward low FP, reward low FN) of a score column against labelled windows"},
    {"detect", aw_step_detect, "DAM-style multimodal detection (fusion, LSTMs + attention) or the papers' autoencoders/baselines, with a POT threshold and evaluation"},
    {"score", aw_step_score, "a trained detector (a detect step) scores new data with its threshold"},
    {"diagnose", aw_step_diagnose, "DTW among replicas (ADS): distance matrix, scores, the suspect replica and its margin"},
};

const aw_stream_kind *const *aw_stream_kinds(size_t *n) {
  *n = sizeof stream_kinds / sizeof stream_kinds[0];
  return stream_kinds;
}

const aw_stream_kind *aw_stream_kind_find(const char *kind) {
  for (size_t i = 0; i < sizeof stream_kinds / sizeof stream_kinds[0]; i++)
    if (strcmp(stream_kinds[i]->kind, kind) == 0) return stream_kinds[i];
  return NULL;
}

const aw_input_kind *aw_input_kinds_list(size_t *n) {
  *n = sizeof input_kinds / sizeof input_kinds[0];
  return input_kinds;
}

const aw_input_kind *aw_input_kind_find(const char *kind) {
  for (size_t i = 0; i < sizeof input_kinds / sizeof input_kinds[0]; i++)
    if (strcmp(input_kinds[i].kind, kind) == 0) return &input_kinds[i];
  return NULL;
}

const aw_step_def *aw_steps_find(const char *op) {
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (strcmp(steps[i].op, op) == 0) return &steps[i];
  return NULL;
}

const aw_step_def *aw_steps_list(size_t *n) {
  *n = sizeof steps / sizeof steps[0];
  return steps;
}

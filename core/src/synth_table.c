/* synth_table.c - generated data as aw_table (time column + named double columns), the form the
 * workspace and the page's charts take. */
#include <stdio.h>
#include <string.h>

#include "aw/synth.h"
#include "aw/table.h"
#include "internal/synth_internal.h"

static aw_status start(aw_table **out, const double *time, size_t n, aw_error *err) {
  *out = aw_table_new();
  if (!*out) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  aw_status st = aw_table_set_time(*out, time, n, err);
  if (st) {
    aw_table_free(*out);
    *out = NULL;
  }
  return st;
}

static aw_status fail(aw_table **out, aw_status st) {
  aw_table_free(*out);
  *out = NULL;
  return st;
}

static aw_status add_u8(aw_table *t, const char *name, const uint8_t *v, size_t n, aw_error *err) {
  double *c = aw_table_add_empty_column(t, name, n, err);
  if (!c) return err && err->code ? err->code : AW_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) c[i] = v[i];
  return AW_OK;
}

aw_status aw_load_series_to_table(const aw_load_series *s, aw_table **out, aw_error *err) {
  if (!s || !out) return aw_error_set(err, AW_ERR_ARG, "series/out are NULL");
  aw_status st = start(out, s->time, s->n, err);
  if (!st) st = aw_table_add_column(*out, "users", s->users, s->n, err);
  if (!st) st = aw_table_add_column(*out, "spawn_rate", s->spawn_rate, s->n, err);
  if (!st) st = aw_table_add_column(*out, "trend", s->trend, s->n, err);
  if (!st) st = aw_table_add_column(*out, "seasonal", s->seasonal, s->n, err);
  if (!st) st = add_u8(*out, "load_anomaly", s->anomaly, s->n, err);
  return st ? fail(out, st) : AW_OK;
}

aw_status aw_telemetry_to_table(aw_telemetry *t, const aw_progress *prog, aw_table **out, aw_error *err) {
  if (!t || !out) return aw_error_set(err, AW_ERR_ARG, "telemetry/out are NULL");
  *out = NULL;
  size_t rows = aw_telemetry_rows(t), cols = aw_telemetry_cols(t);
  double *time = aw_alloc_array(rows, sizeof *time), *row = aw_alloc_array(cols, sizeof *row);
  double **col = aw_calloc_array(cols, sizeof *col);
  aw_status st = (time && row && col) ? AW_OK : aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  size_t got = 0;
  for (size_t j = 1; j < cols && !st; j++) {
    col[j] = aw_alloc_array(rows, sizeof(double));
    if (!col[j]) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory for %zu x %zu values", rows, cols);
  }
  while (!st && got < rows) {
    st = aw_telemetry_next(t, row, err);
    if (st == AW_ERR_STATE) {
      st = AW_OK;
      break;
    }
    if (st) break;
    time[got] = row[0];
    for (size_t j = 1; j < cols; j++) col[j][got] = row[j];
    got++;
    if (aw_progress_report(prog, (double)got / (double)rows, "telemetry"))
      st = aw_error_set(err, AW_ERR_CANCELLED, "cancelled");
  }
  if (!st) st = start(out, time, got, err);
  for (size_t j = 1; j < cols && !st; j++) st = aw_table_add_column(*out, aw_telemetry_col_name(t, j), col[j], got, err);
  if (st && *out) fail(out, st);
  for (size_t j = 0; col && j < cols; j++) AW_FREE(col[j]);
  AW_FREE(col);
  AW_FREE(time);
  AW_FREE(row);
  return st;
}

aw_status aw_dam_to_table(const aw_dam_result *d, aw_table **out, aw_error *err) {
  if (!d || !out) return aw_error_set(err, AW_ERR_ARG, "result/out are NULL");
  aw_status st = start(out, d->time, d->n, err);
  for (size_t j = 0; j < AW_DAM_DIMS && !st; j++) st = aw_table_add_column(*out, aw_dam_dim_name(j), d->dims[j], d->n, err);
  if (!st) st = aw_table_add_column(*out, "log_lines", d->log_lines, d->n, err);
  if (!st) st = add_u8(*out, "anomaly", d->label, d->n, err);
  if (!st) st = add_u8(*out, "fault_type", d->fault, d->n, err);
  return st ? fail(out, st) : AW_OK;
}

aw_status aw_replica_to_table(const aw_replica_result *r, aw_table **out, aw_error *err) {
  if (!r || !out) return aw_error_set(err, AW_ERR_ARG, "result/out are NULL");
  aw_status st = start(out, r->time, r->n, err);
  for (size_t rep = 0; rep < r->k && !st; rep++)
    for (size_t m = 0; m < AW_REPLICA_METRICS && !st; m++) {
      char name[64];
      snprintf(name, sizeof name, "replica%zu.%s", rep + 1, aw_replica_metric_name(m));
      st = aw_table_add_column(*out, name, aw_replica_series(r, m, rep), r->n, err);
    }
  if (!st) st = add_u8(*out, "anomaly", r->label, r->n, err);
  return st ? fail(out, st) : AW_OK;
}

/* synth_input.c - the generated input kind "synth" for specs: { "name": "sock", "kind": "synth",
 * "params": { ...the keys of a synth config (preset, load, faults, ...)... } }.
 *
 * It makes, in the workspace:
 *   <name>          allam-7d: the Table 3 metrics (470 columns incl. the ground truth);
 *                   dam-service: DAM's dimensions, log_lines, anomaly, fault_type;
 *                   replicas: replica<i>.<metric> columns and anomaly
 *   <name>.load     the load series (users, spawn_rate, trend, seasonal, load_anomaly)
 *   <name>.faults   (allam-7d) the fault schedule, object type "aw_fault_schedule"
 *   <name>.logs     (dam-service) its log lines parsed by Drain (aw/logs.h)
 * The seed is the spec's derived seed unless params give one. Logs are not kept in the workspace
 * (aw_synth_write streams them to files).
 *
 * Registered by one line in core/src/registry.c:
 *   {"synth", aw_input_synth_generate, "synthetic load, faults, telemetry (Allam et al.)"},
 * and its declaration in core/src/internal/registry.h. */
#include <stdio.h>
#include <string.h>

#include "aw/logs.h"
#include "aw/synth.h"
#include "aw/workspace.h"
#include "cJSON.h"

aw_status aw_input_synth_generate(aw_ws *ws, const aw_spec_input *in, uint64_t seed, const aw_progress *progress,
                                  cJSON *info, aw_error *err);

static void free_schedule(void *p) { aw_fault_schedule_free(p); }
static void free_logs(void *p) { aw_logs_free((aw_logs *)p); }

/* The DAM service's log lines go straight into Drain (as the "log" input kind would parse the
 * logs/service.log that `aw synth` writes: same line numbers and byte offsets). */
typedef struct log_sink {
  aw_logs *logs;
  uint64_t line, offset;
} log_sink;

static aw_status sink_line(void *ud, const aw_log_line *ln, aw_error *err) {
  log_sink *s = (log_sink *)ud;
  aw_status st = aw_logs_add(s->logs, ln->content, strlen(ln->content), ln->time, ++s->line, s->offset, err);
  s->offset += ln->line_len + 1;
  return st;
}

aw_status aw_input_synth_generate(aw_ws *ws, const aw_spec_input *in, uint64_t seed, const aw_progress *progress,
                                  cJSON *info, aw_error *err) {
  if (!ws || !in) return aw_error_set(err, AW_ERR_ARG, "workspace/input are NULL");
  aw_synth_config *c = AW_MALLOC(sizeof *c);
  if (!c) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  aw_status st = AW_OK;
  if (in->params) {
    char *text = cJSON_PrintUnformatted(in->params);
    if (!text) {
      AW_FREE(c);
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    }
    st = aw_synth_config_from_json(text, strlen(text), c, err);
    cJSON_free(text);
    if (!st && !cJSON_GetObjectItemCaseSensitive(in->params, "seed")) c->seed = seed;
  } else {
    aw_synth_config_default(c, AW_PRESET_ALLAM_7D);
    c->seed = seed;
  }
  if (st) {
    aw_error_prefix(err, "params");
    AW_FREE(c);
    return st;
  }
  char name[160];
  aw_load_series *load = NULL;
  aw_fault_schedule *fs = NULL;
  aw_table *t = NULL;
  st = aw_load_generate(&c->load, c->seed, NULL, &load, err);
  if (!st && aw_progress_report(progress, 0.1, "load")) st = aw_error_set(err, AW_ERR_CANCELLED, "cancelled");
  if (!st) st = aw_load_series_to_table(load, &t, err);
  if (!st) {
    snprintf(name, sizeof name, "%s.load", in->name);
    st = aw_ws_put_table(ws, name, t, err);
    t = NULL;
  }
  if (!st && c->preset == AW_PRESET_ALLAM_7D) {
    st = aw_fault_schedule_generate(&c->faults, &c->telemetry.topo, load->time[0],
                                    load->start_time + (double)load->n * load->dt_s, c->seed, &fs, err);
    aw_telemetry *tel = NULL;
    if (!st) {
      tel = aw_telemetry_new(&c->telemetry, &c->logs, load, fs, c->seed, NULL, NULL, err);
      if (!tel) st = err ? err->code : AW_ERR_NOMEM;
    }
    if (!st) st = aw_telemetry_to_table(tel, progress, &t, err);
    aw_telemetry_free(tel);
    if (!st) cJSON_AddNumberToObject(info, "faults", (double)fs->n);
    if (!st) {
      snprintf(name, sizeof name, "%s.faults", in->name);
      st = aw_ws_put_object(ws, name, "aw_fault_schedule", fs, free_schedule, err);
      fs = NULL;
    }
  } else if (!st && c->preset == AW_PRESET_DAM_SERVICE) {
    aw_dam_result *d = NULL;
    /* its logs, parsed by Drain with logpai's defaults plus this project's improvements */
    aw_drain_opts dopts;
    aw_drain_opts_default(&dopts);
    aw_drain_opts_improved(&dopts);
    log_sink sink = {aw_logs_new(&dopts, err), 0, 0};
    if (!sink.logs) st = err ? err->code : AW_ERR_NOMEM;
    if (!st) st = aw_dam_generate(&c->dam, load, c->seed, sink_line, &sink, &d, err);
    if (!st) st = aw_dam_to_table(d, &t, err);
    if (!st) {
      cJSON_AddNumberToObject(info, "faults", (double)d->n_segments);
      cJSON_AddNumberToObject(info, "log_lines", (double)sink.logs->n);
      cJSON_AddNumberToObject(info, "log_templates", (double)aw_drain_cluster_count(sink.logs->drain));
      snprintf(name, sizeof name, "%s.logs", in->name);
      st = aw_ws_put_object(ws, name, AW_LOGS_TYPE, sink.logs, free_logs, err);
      sink.logs = NULL;
    }
    aw_logs_free(sink.logs);
    aw_dam_result_free(d);
  } else if (!st) {
    aw_replica_result *r = NULL;
    st = aw_replica_generate(&c->replicas, load, c->seed, &r, err);
    if (!st) st = aw_replica_to_table(r, &t, err);
    if (!st) {
      cJSON_AddNumberToObject(info, "faulty_replica", r->faulty_replica + 1);
      cJSON_AddStringToObject(info, "fault", aw_replica_fault_name(r->fault));
    }
    aw_replica_result_free(r);
  }
  if (!st) {
    cJSON_AddStringToObject(info, "preset", aw_synth_preset_name(c->preset));
    cJSON_AddNumberToObject(info, "seed", (double)c->seed);
    cJSON_AddNumberToObject(info, "rows", (double)aw_table_rows(t));
    cJSON_AddNumberToObject(info, "columns", (double)aw_table_cols(t));
    cJSON_AddNumberToObject(info, "load_steps", (double)load->n);
    cJSON_AddNumberToObject(info, "load_anomaly_segments", (double)load->n_segments);
    st = aw_ws_put_table(ws, in->name, t, err);
    t = NULL;
  }
  aw_table_free(t);
  aw_fault_schedule_free(fs);
  aw_load_series_free(load);
  AW_FREE(c);
  return st;
}

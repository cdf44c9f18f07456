/* synth_write.c - produces every file of a preset through a chunk callback, so the CLI (files on
 * disk) and the web worker (a zip or downloads) write the same bytes. Nothing is held whole in
 * memory except the load series: metric rows and log lines are streamed in chunks of ~1 MiB. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/synth.h"
#include "internal/synth_internal.h"

#define CHUNK ((size_t)1 << 20)

typedef struct wfile {
  char name[96];
  aw_buf b;
} wfile;

typedef struct writer {
  aw_synth_out_fn out;
  void *ud;
  aw_error *err;
  aw_status st;
  /* logs: per source a .log and a _structured.csv, line counters, template occurrences */
  wfile log[SYN_LOG_SOURCES], structured[SYN_LOG_SOURCES];
  uint64_t line_id[SYN_LOG_SOURCES];
  uint64_t occ[SYN_LOG_SOURCES][32];
  int dam;
  int load_digits;
} writer;

static aw_status wflush(writer *w, wfile *f, int force) {
  if (f->b.len == 0 || (!force && f->b.len < CHUNK)) return AW_OK;
  aw_status st = w->out(w->ud, f->name, f->b.data, f->b.len, w->err);
  f->b.len = 0;
  return st;
}

static aw_status emit_whole(writer *w, const char *name, aw_buf *b) {
  aw_status st = b->len ? w->out(w->ud, name, b->data, b->len, w->err) : w->out(w->ud, name, "", 0, w->err);
  b->len = 0;
  return st;
}

static const char *log_base(writer *w, size_t src) {
  return w->dam ? "service" : aw_sockshop_pod_name(src);
}

static aw_status on_log(void *ud, const aw_log_line *l, aw_error *err) {
  writer *w = ud;
  size_t src = w->dam ? SYN_LOG_DAM : l->source;
  if (src >= SYN_LOG_SOURCES) return AW_OK;
  wfile *lf = &w->log[src], *sf = &w->structured[src];
  if (!lf->name[0]) {
    snprintf(lf->name, sizeof lf->name, "logs/%s.log", log_base(w, src));
    snprintf(sf->name, sizeof sf->name, "logs/%s.log_structured.csv", log_base(w, src));
    aw_status st = SYN_LIT(&sf->b, "LineId,Date,Time,Level,Content,EventId,EventTemplate\n");
    if (st) return aw_error_set(err, st, "out of memory");
  }
  uint64_t id = ++w->line_id[src];
  int ev = 0;
  if (l->event && l->event[0] == 'E') ev = atoi(l->event + 1) - 1;
  if (ev >= 0 && ev < 32) w->occ[src][ev]++;
  aw_status st = aw_buf_append(&lf->b, l->line, l->line_len);
  if (!st) st = aw_buf_putc(&lf->b, '\n');
  if (!st) st = aw_buf_printf(&sf->b, "%llu,%s,%s,%s,", (unsigned long long)id, l->date, l->clock, l->level);
  if (!st) st = syn_buf_csv_field(&sf->b, l->content);
  if (!st) st = aw_buf_printf(&sf->b, ",%s,", l->event);
  if (!st) st = syn_buf_csv_field(&sf->b, l->template_text);
  if (!st) st = aw_buf_putc(&sf->b, '\n');
  if (st) return aw_error_set(err, st, "out of memory");
  if ((st = wflush(w, lf, 0))) return st;
  return wflush(w, sf, 0);
}

/* Flushes the log files and writes the templates files. */
static aw_status finish_logs(writer *w, size_t first, size_t last) {
  aw_status st = AW_OK;
  aw_buf b = {0};
  for (size_t src = first; src <= last && !st; src++) {
    if (w->log[src].name[0]) {
      st = wflush(w, &w->log[src], 1);
      if (!st) st = wflush(w, &w->structured[src], 1);
    }
    if (st) break;
    size_t nt = w->dam ? aw_dam_log_template_count() : aw_log_template_count(src);
    st = SYN_LIT(&b, "EventId,EventTemplate,Occurrences\n");
    for (size_t i = 0; i < nt && !st; i++) {
      char text[600];
      if (w->dam) aw_dam_log_template_text(i, text, sizeof text);
      else aw_log_template_text(src, i, text, sizeof text);
      st = aw_buf_printf(&b, "E%zu,", i + 1);
      if (!st) st = syn_buf_csv_field(&b, text);
      if (!st) st = aw_buf_printf(&b, ",%llu\n", (unsigned long long)(i < 32 ? w->occ[src][i] : 0));
    }
    char name[96];
    snprintf(name, sizeof name, "logs/%s.log_templates.csv", log_base(w, src));
    if (!st) st = emit_whole(w, name, &b);
  }
  aw_buf_free(&b);
  return st;
}

static void free_writer(writer *w) {
  for (size_t i = 0; i < SYN_LOG_SOURCES; i++) {
    aw_buf_free(&w->log[i].b);
    aw_buf_free(&w->structured[i].b);
  }
}

static aw_status write_load(writer *w, const aw_load_series *load, const aw_progress *prog, double p0, double p1) {
  aw_buf b = {0};
  aw_status st = AW_OK;
  for (size_t k = 0; k < load->n && !st; k += 20000) {
    st = aw_load_write_csv(load, k, k + 20000, w->load_digits, &b);
    if (!st && (b.len >= CHUNK || k + 20000 >= load->n)) st = emit_whole(w, "load.csv", &b);
    if (!st && aw_progress_report(prog, p0 + (p1 - p0) * (double)k / (double)load->n, "load.csv"))
      st = aw_error_set(w->err, AW_ERR_CANCELLED, "cancelled");
  }
  if (!st && b.len) st = emit_whole(w, "load.csv", &b);
  aw_buf_free(&b);
  return st;
}

static aw_status put_num(aw_buf *b, double x, int digits) { return syn_buf_num(b, syn_round_sig(x, digits)); }

static aw_status write_allam(writer *w, const aw_synth_config *c, const aw_load_series *load, const aw_progress *prog) {
  aw_error *err = w->err;
  aw_buf b = {0};
  aw_status st = SYN_LIT(&b, "start_time,end_time,start_step,end_step,duration_s,multiplier\n");
  for (size_t i = 0; i < load->n_segments && !st; i++) {
    const aw_load_segment *s = &load->segments[i];
    char a[40], e[40];
    syn_fmt_iso_ms(a, load->time[s->start]);
    syn_fmt_iso_ms(e, load->start_time + (double)s->end * load->dt_s);
    st = aw_buf_printf(&b, "%s,%s,%zu,%zu,", a, e, s->start, s->end);
    if (!st) st = syn_buf_num(&b, (double)(s->end - s->start) * load->dt_s);
    if (!st) st = aw_buf_putc(&b, ',');
    if (!st) st = syn_buf_num(&b, s->multiplier);
    if (!st) st = aw_buf_putc(&b, '\n');
  }
  if (!st) st = emit_whole(w, "load_anomalies.csv", &b);
  aw_fault_schedule *fs = NULL;
  if (!st)
    st = aw_fault_schedule_generate(&c->faults, &c->telemetry.topo, load->time[0],
                                    load->start_time + (double)load->n * load->dt_s, c->seed, &fs, err);
  if (!st) st = aw_fault_schedule_write_csv(fs, &b);
  if (!st) st = emit_whole(w, "faults.csv", &b);
  aw_telemetry *t = NULL;
  if (!st) {
    t = aw_telemetry_new(&c->telemetry, &c->logs, load, fs, c->seed, c->logs.enabled ? on_log : NULL, w, err);
    if (!t) st = err ? err->code : AW_ERR_NOMEM;
  }
  aw_buf lb = {0}, rb = {0};
  double *row = NULL;
  if (!st) {
    size_t nc = aw_telemetry_cols(t);
    row = aw_alloc_array(nc, sizeof *row);
    if (!row) st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < nc && !st; j++) {
      if (j) st = aw_buf_putc(&b, ',');
      if (!st) st = aw_buf_append(&b, aw_telemetry_col_name(t, j), strlen(aw_telemetry_col_name(t, j)));
    }
    if (!st) st = aw_buf_putc(&b, '\n');
    if (!st)
      st = SYN_LIT(&lb, "timestamp,load_anomaly,fis_anomaly,anomaly,load_multiplier,n_faults,fault_action,fault_target\n");
    if (!st) {
      st = SYN_LIT(&rb, "timestamp");
      for (int e = 0; e < AW_EP_COUNT && !st; e++) st = aw_buf_printf(&rb, ",%s", aw_endpoint_name((aw_endpoint)e));
      if (!st) st = aw_buf_putc(&rb, '\n');
    }
    size_t rows = aw_telemetry_rows(t);
    for (size_t i = 0; i < rows && !st; i++) {
      st = aw_telemetry_next(t, row, err);
      if (st) break;
      for (size_t j = 0; j < nc && !st; j++) {
        if (j) st = aw_buf_putc(&b, ',');
        if (!st) st = syn_buf_num(&b, row[j]);
      }
      if (!st) st = aw_buf_putc(&b, '\n');
      aw_row_labels L;
      aw_telemetry_row_labels(t, &L);
      if (!st) st = syn_buf_num(&lb, row[0]);
      if (!st) st = aw_buf_printf(&lb, ",%d,%d,%d,", L.load_anomaly, L.fis_anomaly, L.anomaly);
      if (!st) st = syn_buf_num(&lb, L.load_multiplier);
      if (!st) st = aw_buf_printf(&lb, ",%zu,", L.n_faults);
      if (!st) st = syn_buf_csv_field(&lb, L.fault_action);
      if (!st) st = aw_buf_putc(&lb, ',');
      if (!st) st = syn_buf_csv_field(&lb, L.fault_target);
      if (!st) st = aw_buf_putc(&lb, '\n');
      const double *er = aw_telemetry_endpoint_rates(t);
      if (!st) st = syn_buf_num(&rb, row[0]);
      for (int e = 0; e < AW_EP_COUNT && !st; e++) {
        st = aw_buf_putc(&rb, ',');
        if (!st) st = syn_buf_num(&rb, er[e]);
      }
      if (!st) st = aw_buf_putc(&rb, '\n');
      if (!st && (b.len >= CHUNK || i + 1 == rows)) st = emit_whole(w, "metrics.csv", &b);
      if (!st && (lb.len >= CHUNK || i + 1 == rows)) st = emit_whole(w, "labels.csv", &lb);
      if (!st && (rb.len >= CHUNK || i + 1 == rows)) st = emit_whole(w, "requests.csv", &rb);
      if (!st && aw_progress_report(prog, 0.2 + 0.78 * (double)(i + 1) / (double)rows, "telemetry"))
        st = aw_error_set(err, AW_ERR_CANCELLED, "cancelled");
    }
  }
  if (!st && c->logs.enabled) st = finish_logs(w, 0, AW_SOCKSHOP_PODS - 1);
  AW_FREE(row);
  aw_telemetry_free(t);
  aw_fault_schedule_free(fs);
  aw_buf_free(&b);
  aw_buf_free(&lb);
  aw_buf_free(&rb);
  return st;
}

static aw_status write_dam(writer *w, const aw_synth_config *c, const aw_load_series *load) {
  aw_error *err = w->err;
  w->dam = 1;
  aw_dam_result *d = NULL;
  aw_status st = aw_dam_generate(&c->dam, load, c->seed, c->logs.enabled ? on_log : NULL, w, &d, err);
  if (st) return st;
  int dg = c->telemetry.digits;
  aw_buf b = {0};
  st = SYN_LIT(&b, "timestamp");
  for (size_t j = 0; j < AW_DAM_DIMS && !st; j++) st = aw_buf_printf(&b, ",%s", aw_dam_dim_name(j));
  if (!st) st = SYN_LIT(&b, ",log_lines,anomaly,fault_type\n");
  for (size_t k = 0; k < d->n && !st; k++) {
    st = syn_buf_num(&b, d->time[k]);
    for (size_t j = 0; j < AW_DAM_DIMS && !st; j++) {
      st = aw_buf_putc(&b, ',');
      if (!st) st = put_num(&b, d->dims[j][k], dg);
    }
    if (!st) st = aw_buf_printf(&b, ",%.0f,%d,%d\n", d->log_lines[k], d->label[k], d->fault[k]);
    if (!st && (b.len >= CHUNK || k + 1 == d->n)) st = emit_whole(w, "metrics.csv", &b);
  }
  if (!st) st = SYN_LIT(&b, "start_time,end_time,start_step,end_step,fault,in_training\n");
  for (size_t i = 0; i < d->n_segments && !st; i++) {
    const aw_dam_segment *s = &d->segments[i];
    char a[40], e[40];
    syn_fmt_iso_ms(a, d->time[s->start]);
    syn_fmt_iso_ms(e, load->start_time + (double)s->end * load->dt_s);
    st = aw_buf_printf(&b, "%s,%s,%zu,%zu,%s,%d\n", a, e, s->start, s->end, aw_dam_fault_name(s->fault),
                       s->start < d->train_end);
  }
  if (!st) st = emit_whole(w, "labels.csv", &b);
  if (!st && c->logs.enabled) st = finish_logs(w, SYN_LOG_DAM, SYN_LOG_DAM);
  aw_buf_free(&b);
  aw_dam_result_free(d);
  return st;
}

static aw_status write_replicas(writer *w, const aw_synth_config *c, const aw_load_series *load) {
  aw_error *err = w->err;
  aw_replica_result *r = NULL;
  aw_status st = aw_replica_generate(&c->replicas, load, c->seed, &r, err);
  if (st) return st;
  int dg = c->telemetry.digits;
  aw_buf b = {0};
  st = SYN_LIT(&b, "timestamp");
  for (size_t rep = 0; rep < r->k && !st; rep++)
    for (size_t m = 0; m < AW_REPLICA_METRICS && !st; m++)
      st = aw_buf_printf(&b, ",replica%zu.%s", rep + 1, aw_replica_metric_name(m));
  if (!st) st = SYN_LIT(&b, ",anomaly\n");
  for (size_t i = 0; i < r->n && !st; i++) {
    st = syn_buf_num(&b, r->time[i]);
    for (size_t rep = 0; rep < r->k && !st; rep++)
      for (size_t m = 0; m < AW_REPLICA_METRICS && !st; m++) {
        st = aw_buf_putc(&b, ',');
        if (!st) st = put_num(&b, aw_replica_value(r, m, rep, i), dg);
      }
    if (!st) st = aw_buf_printf(&b, ",%d\n", r->label[i]);
    if (!st && (b.len >= CHUNK || i + 1 == r->n)) st = emit_whole(w, "metrics.csv", &b);
  }
  char a[40], e[40];
  syn_fmt_iso_ms(a, r->time[r->fault_start]);
  syn_fmt_iso_ms(e, load->start_time + (double)r->fault_end * load->dt_s);
  if (!st)
    st = aw_buf_printf(&b, "faulty_replica,fault,start_time,end_time,start_step,end_step\n%d,%s,%s,%s,%zu,%zu\n",
                       r->faulty_replica + 1, aw_replica_fault_name(r->fault), a, e, r->fault_start, r->fault_end);
  if (!st) st = emit_whole(w, "labels.csv", &b);
  aw_buf_free(&b);
  aw_replica_result_free(r);
  return st;
}

aw_status aw_synth_write(const aw_synth_config *c, aw_synth_out_fn out, void *ud, const aw_progress *prog, aw_error *err) {
  if (!c || !out) return aw_error_set(err, AW_ERR_ARG, "config/out are NULL");
  aw_status st = aw_synth_config_validate(c, err);
  if (st) return st;
  writer w;
  memset(&w, 0, sizeof w);
  w.out = out;
  w.ud = ud;
  w.err = err;
  w.load_digits = c->load.csv_digits;
  aw_buf b = {0};
  st = aw_synth_config_to_json(c, &b);
  if (st) return aw_error_set(err, st, "out of memory");
  st = emit_whole(&w, "spec.json", &b);
  aw_buf_free(&b);
  aw_load_series *load = NULL;
  if (!st) st = aw_load_generate(&c->load, c->seed, NULL, &load, err);
  if (!st && aw_progress_report(prog, 0.05, "load")) st = aw_error_set(err, AW_ERR_CANCELLED, "cancelled");
  if (!st) st = write_load(&w, load, prog, 0.05, 0.2);
  if (!st) {
    switch (c->preset) {
      case AW_PRESET_DAM_SERVICE: st = write_dam(&w, c, load); break;
      case AW_PRESET_REPLICAS: st = write_replicas(&w, c, load); break;
      default: st = write_allam(&w, c, load, prog); break;
    }
  }
  if (!st) aw_progress_report(prog, 1.0, "done");
  aw_load_series_free(load);
  free_writer(&w);
  return st;
}

/* synth_faults.c - Algorithm 2 (periodic fault injection from the templates of Table 1 with the
 * parameters of Table 2), FIS-record CSV output, the importer for real FIS records, and schedule
 * statistics. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/rng.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"

static const char *const kind_names[AW_FAULT_KIND_COUNT] = {"cpu-stress", "memory-stress", "network-latency",
                                                            "packet-loss", "io-stress", "delete-pod",
                                                            "node-reboot", "unknown"};

const char *aw_fault_kind_name(aw_fault_kind k) {
  return (unsigned)k < AW_FAULT_KIND_COUNT ? kind_names[k] : "unknown";
}

aw_fault_kind aw_fault_kind_from_action(const char *name, size_t n) {
  for (int k = 0; k < AW_FAULT_UNKNOWN; k++) {
    size_t m = strlen(kind_names[k]);
    if (m != n) continue;
    size_t i = 0;
    while (i < n && tolower((unsigned char)name[i]) == kind_names[k][i]) i++;
    if (i == n) return (aw_fault_kind)k;
  }
  return AW_FAULT_UNKNOWN;
}

/* Table 1 x Table 2, with the template ids and the start-up overheads of the published FIS logs
 * (two 7-day runs, 306 records): pod actions run 8-12 s or 29-31 s longer than configured (two
 * modes), a pod deletion takes 20.8 s, a reboot 0.6 s, node actions about 0.4 s more. */
static const aw_fault_template default_templates[12] = {
    /* id, action, kind, target, duration, intensity, fast, slow, p_slow, jitter, weight */
    {"EXT5BdSTt7r9sAUBi", "CPU-stress", AW_FAULT_CPU_STRESS, AW_TARGET_POD, 240, 100, 8.6, 29.2, 0.68, 1.0, 1},
    {"EXTgKCx1sc8C4qn", "memory-stress", AW_FAULT_MEMORY_STRESS, AW_TARGET_POD, 240, 100, 8.3, 29.1, 0.94, 1.0, 1},
    {"EXT33u1fchVud2aR6", "network-latency", AW_FAULT_NETWORK_LATENCY, AW_TARGET_POD, 300, 400, 11.3, 31.1, 0.57, 0.8, 1},
    {"EXTsERjQFrbkwqJ", "packet-loss", AW_FAULT_PACKET_LOSS, AW_TARGET_POD, 120, 40, 24.9, 24.9, 0, 0.8, 1},
    {"EXTbTLa7B6pDaQ6U", "io-stress", AW_FAULT_IO_STRESS, AW_TARGET_POD, 300, 80, 11.3, 31.1, 0.47, 1.0, 1},
    {"EXTiBq1RJdkf36x", "delete-pod", AW_FAULT_POD_DELETE, AW_TARGET_POD, 0, 0, 20.8, 20.8, 0, 0.15, 1},
    {"EXT2mSwfM8CXpaRN", "cpu-stress", AW_FAULT_CPU_STRESS, AW_TARGET_NODE, 240, 100, 0.35, 0.35, 0, 0.65, 1},
    {"EXTnczrYYHNTBaek", "memory-stress", AW_FAULT_MEMORY_STRESS, AW_TARGET_NODE, 240, 100, 0.35, 0.35, 0, 0.65, 1},
    {"EXTB2pHdrhpXiftNL", "network-latency", AW_FAULT_NETWORK_LATENCY, AW_TARGET_NODE, 300, 400, 0.5, 0.5, 0, 0.8, 1},
    {"EXT3pkVmbtVoeukC", "packet-loss", AW_FAULT_PACKET_LOSS, AW_TARGET_NODE, 120, 40, 0.3, 0.3, 0, 0.6, 1},
    {"EXTZLGsnaKkLVGVW", "io-stress", AW_FAULT_IO_STRESS, AW_TARGET_NODE, 300, 80, 0.45, 0.45, 0, 0.75, 1},
    {"EXT29tXmuMjvHYmZS", "node-reboot", AW_FAULT_NODE_REBOOT, AW_TARGET_NODE, 0, 0, 0.6, 0.6, 0, 0.1, 1},
};

void aw_fault_params_default(aw_fault_params *p) {
  memset(p, 0, sizeof *p);
  p->enabled = 1;
  p->tick_s = 60;
  /* 306 experiments in 20,065 minutes over the two published runs: 1 per 65.4 minutes */
  p->p_anomaly = 0.0153;
  p->start_delay_min_s = 0;
  p->start_delay_max_s = 60;
  p->p_stop_early = 0.01;
  p->n_templates = 12;
  memcpy(p->templates, default_templates, sizeof default_templates);
}

void aw_fault_schedule_free(aw_fault_schedule *s) {
  if (!s) return;
  AW_FREE(s->records);
  AW_FREE(s->issues);
  AW_FREE(s);
}

static int cmp_record(const void *a, const void *b) {
  const aw_fault_record *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return strcmp(x->experiment_id, y->experiment_id);
}

static const char id_alpha[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

aw_status aw_fault_schedule_generate(const aw_fault_params *p, const aw_topology_params *topo, double t0, double t1,
                                     uint64_t seed, aw_fault_schedule **out, aw_error *err) {
  if (!p || !topo || !out) return aw_error_set(err, AW_ERR_ARG, "params/topology/out are NULL");
  *out = NULL;
  if (!isfinite(t0) || !isfinite(t1) || t1 < t0) return aw_error_set(err, AW_ERR_ARG, "bad horizon [%g, %g]", t0, t1);
  if (!(p->tick_s >= 1)) return aw_error_set(err, AW_ERR_RANGE, "faults.tick_s: must be >= 1");
  if ((t1 - t0) / p->tick_s > 1e8) return aw_error_set(err, AW_ERR_LIMIT, "faults: more than 1e8 ticks");
  if (topo->n_nodes < 1 || topo->n_nodes > AW_SYNTH_MAX_NODES) return aw_error_set(err, AW_ERR_RANGE, "topology.nodes");
  double wsum = 0;
  for (size_t i = 0; i < p->n_templates; i++) wsum += p->templates[i].weight > 0 ? p->templates[i].weight : 0;
  aw_fault_schedule *s = AW_CALLOC(1, sizeof *s);
  if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  s->t0 = t0;
  s->t1 = t1;
  if (!p->enabled || p->n_templates == 0 || !(wsum > 0) || !(p->p_anomaly > 0)) {
    *out = s;
    return AW_OK;
  }
  /* cluster state: pod instance names and placement, changed by deletions */
  aw_rng names;
  aw_rng_seed_stream(&names, seed, SYN_STREAM("topology.names"));
  char hash[AW_SOCKSHOP_PODS][12], suffix[AW_SOCKSHOP_PODS][6];
  int node_of[AW_SOCKSHOP_PODS];
  for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++) {
    syn_pod_hash(&names, hash[i]);
    syn_pod_suffix(&names, suffix[i]);
    node_of[i] = topo->placement[i];
  }
  aw_rng r;
  aw_rng_seed_stream(&r, seed, SYN_STREAM("faults.schedule"));
  size_t cap = 0;
  aw_status st = AW_OK;
  /* Algorithm 2: at every tick, with probability p_anomaly, one experiment */
  for (double tick = t0; tick < t1 && st == AW_OK; tick += p->tick_s) {
    if (!(aw_rng_uniform(&r) < p->p_anomaly)) continue;
    double u = aw_rng_uniform(&r) * wsum, acc = 0;
    size_t ti = 0;
    for (ti = 0; ti + 1 < p->n_templates; ti++) {
      acc += p->templates[ti].weight > 0 ? p->templates[ti].weight : 0;
      if (u < acc) break;
    }
    const aw_fault_template *t = &p->templates[ti];
    double start = tick + aw_rng_uniform_range(&r, p->start_delay_min_s, p->start_delay_max_s);
    double over = aw_rng_uniform(&r) < t->p_slow ? t->overhead_slow_s : t->overhead_fast_s;
    over += aw_rng_uniform_range(&r, -t->overhead_jitter_s, t->overhead_jitter_s);
    double len = t->duration_s + over;
    if (aw_rng_uniform(&r) < p->p_stop_early) len *= aw_rng_uniform_range(&r, 0.05, 0.9);
    if (len < 0.05) len = 0.05;
    int node = -1, pod = -1;
    if (t->target == AW_TARGET_NODE) node = (int)aw_rng_below(&r, topo->n_nodes);
    else pod = (int)aw_rng_below(&r, AW_SOCKSHOP_PODS);
    char id[AW_SYNTH_NAME_MAX];
    size_t idn = 15 + (size_t)aw_rng_below(&r, 2);
    memcpy(id, "EXP", 3);
    for (size_t i = 0; i < idn; i++) id[3 + i] = id_alpha[aw_rng_below(&r, sizeof id_alpha - 1)];
    id[3 + idn] = '\0';
    if (start >= t1) continue;
    if (aw_grow((void **)&s->records, &cap, s->n + 1, sizeof *s->records)) {
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      break;
    }
    aw_fault_record *rec = &s->records[s->n++];
    memset(rec, 0, sizeof *rec);
    memcpy(rec->experiment_id, id, strlen(id) + 1);
    rec->start = start;
    /* like the published logs: an action still running when the run ends has no end time */
    rec->end = start + len <= t1 ? start + len : NAN;
    memcpy(rec->template_id, t->id, sizeof rec->template_id);
    memcpy(rec->action, t->action, sizeof rec->action);
    rec->kind = t->kind;
    rec->target_type = t->target;
    rec->node = node;
    rec->pod = pod;
    rec->new_node = -1;
    rec->duration_s = t->duration_s;
    rec->intensity = t->intensity;
    if (node >= 0) {
      snprintf(rec->target, sizeof rec->target, "node%d", node + 1);
    } else {
      snprintf(rec->target, sizeof rec->target, "%s-%s-%s||%s", syn_pods[pod].name, hash[pod], suffix[pod],
               syn_pods[pod].name);
      if (t->kind == AW_FAULT_POD_DELETE) {
        /* the ReplicaSet recreates the pod under a new name; the scheduler puts it elsewhere */
        int nn = node_of[pod];
        if (topo->n_nodes > 1) {
          nn = (int)aw_rng_below(&r, topo->n_nodes - 1);
          if (nn >= node_of[pod]) nn++;
        }
        rec->new_node = nn;
        node_of[pod] = nn;
        syn_pod_suffix(&names, suffix[pod]);
      }
    }
  }
  if (st) {
    aw_fault_schedule_free(s);
    return st;
  }
  /* start delays can reorder neighbouring ticks only when the delay exceeds the tick */
  if (s->n > 1) qsort(s->records, s->n, sizeof *s->records, cmp_record);
  *out = s;
  return AW_OK;
}

aw_status aw_fault_schedule_write_csv(const aw_fault_schedule *s, aw_buf *out) {
  if (!s || !out) return AW_ERR_ARG;
  static const char header[] =
      "Experiment ID,Action Start Time,Action End Time,Template Id,Action Name,Target Type,Target\n";
  aw_status st = aw_buf_append(out, header, sizeof header - 1);
  for (size_t i = 0; i < s->n && st == AW_OK; i++) {
    const aw_fault_record *r = &s->records[i];
    char a[40], b[40] = "";
    syn_fmt_iso_ms(a, r->start);
    if (isfinite(r->end)) syn_fmt_iso_ms(b, r->end);
    st = syn_buf_csv_field(out, r->experiment_id);
    if (!st) st = aw_buf_printf(out, ",%s,%s,", a, b);
    if (!st) st = syn_buf_csv_field(out, r->template_id);
    if (!st) st = aw_buf_putc(out, ',');
    if (!st) st = syn_buf_csv_field(out, r->action);
    if (!st) st = aw_buf_printf(out, ",%s,", r->target_type == AW_TARGET_NODE ? "node" : "pod");
    if (!st) st = syn_buf_csv_field(out, r->target);
    if (!st) st = aw_buf_putc(out, '\n');
  }
  return st;
}

/* ------------------------------------------------------------------------------ importer */

#define FIS_MAX_RECORDS ((size_t)10000000)
#define FIS_MAX_ISSUES ((size_t)1000)

enum { COL_ID, COL_START, COL_END, COL_TEMPLATE, COL_ACTION, COL_TTYPE, COL_TARGET, COL_COUNT };
static const char *const fis_columns[COL_COUNT] = {"Experiment ID", "Action Start Time", "Action End Time",
                                                   "Template Id",   "Action Name",       "Target Type", "Target"};

struct aw_fis_reader {
  aw_csv *csv;
  char name[160];
  int col[COL_COUNT];
  aw_fault_schedule *s;
  size_t cap, icap;
  uint64_t issues_total;
};

static void add_issue(aw_fis_reader *r, uint64_t line, int rejected, const char *reason) {
  r->issues_total++;
  if (r->s->n_issues >= FIS_MAX_ISSUES) return;
  if (aw_grow((void **)&r->s->issues, &r->icap, r->s->n_issues + 1, sizeof *r->s->issues)) return;
  aw_fis_issue *is = &r->s->issues[r->s->n_issues++];
  is->line = line;
  is->rejected = rejected;
  snprintf(is->reason, sizeof is->reason, "%s", reason);
}

static void on_reject(void *ud, uint64_t line, const char *reason) { add_issue(ud, line, 1, reason); }

static int field_eq(const aw_csv_field *f, const char *s) {
  /* case-insensitive, surrounding spaces ignored */
  size_t a = 0, b = f->n;
  while (a < b && isspace((unsigned char)f->p[a])) a++;
  while (b > a && isspace((unsigned char)f->p[b - 1])) b--;
  size_t n = strlen(s);
  if (b - a != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)f->p[a + i]) != tolower((unsigned char)s[i])) return 0;
  return 1;
}

static int copy_field(char *dst, size_t cap, const aw_csv_field *f) {
  size_t a = 0, b = f->n;
  while (a < b && isspace((unsigned char)f->p[a])) a++;
  while (b > a && isspace((unsigned char)f->p[b - 1])) b--;
  if (b - a >= cap) return 0;
  memcpy(dst, f->p + a, b - a);
  dst[b - a] = '\0';
  return 1;
}

static aw_status on_record(void *ud, const aw_csv_record *rec, aw_error *err) {
  aw_fis_reader *r = ud;
  if (rec->is_header) {
    for (int c = 0; c < COL_COUNT; c++) {
      r->col[c] = -1;
      for (size_t j = 0; j < rec->nfields; j++)
        if (field_eq(&rec->fields[j], fis_columns[c])) r->col[c] = (int)j;
      if (r->col[c] < 0 && c != COL_END && c != COL_TEMPLATE)
        return aw_error_at(err, AW_ERR_PARSE, r->name, rec->line, 0, "missing column \"%s\" (FIS records need %s, ...)",
                           fis_columns[c], "Experiment ID, Action Start Time, Action End Time, Template Id, Action Name, Target Type, Target");
    }
    return AW_OK;
  }
  if (r->s->n >= FIS_MAX_RECORDS)
    return aw_error_at(err, AW_ERR_LIMIT, r->name, rec->line, 0, "more than %zu records", FIS_MAX_RECORDS);
  aw_fault_record x;
  memset(&x, 0, sizeof x);
  x.line = rec->line;
  x.node = x.pod = x.new_node = -1;
  x.duration_s = x.intensity = NAN;
  char tmp[160];
#define F(c) (&rec->fields[r->col[c]])
  if (!copy_field(x.experiment_id, sizeof x.experiment_id, F(COL_ID)) || x.experiment_id[0] == '\0') {
    add_issue(r, rec->line, 1, "missing or too long Experiment ID");
    return AW_OK;
  }
  const aw_csv_field *fs = F(COL_START);
  if (!aw_parse_time(fs->p, fs->n, AW_TIME_UNKNOWN, &x.start, NULL)) {
    char st[64];
    snprintf(tmp, sizeof tmp, "unparseable Action Start Time \"%s\"", copy_field(st, sizeof st, fs) ? st : "...");
    add_issue(r, rec->line, 1, tmp);
    return AW_OK;
  }
  x.end = NAN;
  if (r->col[COL_END] >= 0) {
    const aw_csv_field *fe = F(COL_END);
    char e[64];
    if (!copy_field(e, sizeof e, fe) || e[0] == '\0') {
      add_issue(r, rec->line, 0, "missing Action End Time (kept as still running)");
    } else if (!aw_parse_time(e, strlen(e), AW_TIME_UNKNOWN, &x.end, NULL)) {
      x.end = NAN;
      snprintf(tmp, sizeof tmp, "unparseable Action End Time \"%s\" (kept without end)", e);
      add_issue(r, rec->line, 0, tmp);
    } else if (x.end < x.start) {
      x.end = NAN;
      add_issue(r, rec->line, 0, "Action End Time before Action Start Time (kept without end)");
    }
  } else {
    add_issue(r, rec->line, 0, "no Action End Time column");
  }
  if (r->col[COL_TEMPLATE] >= 0 && !copy_field(x.template_id, sizeof x.template_id, F(COL_TEMPLATE)))
    x.template_id[0] = '\0';
  if (!copy_field(x.action, sizeof x.action, F(COL_ACTION))) {
    add_issue(r, rec->line, 1, "Action Name too long");
    return AW_OK;
  }
  x.kind = aw_fault_kind_from_action(x.action, strlen(x.action));
  if (x.kind == AW_FAULT_UNKNOWN) {
    snprintf(tmp, sizeof tmp, "unknown Action Name \"%s\" (kept as unknown)", x.action);
    add_issue(r, rec->line, 0, tmp);
  }
  if (field_eq(F(COL_TTYPE), "node")) {
    x.target_type = AW_TARGET_NODE;
  } else if (field_eq(F(COL_TTYPE), "pod")) {
    x.target_type = AW_TARGET_POD;
  } else {
    char tt[40];
    snprintf(tmp, sizeof tmp, "unknown Target Type \"%s\" (expected pod or node)", copy_field(tt, sizeof tt, F(COL_TTYPE)) ? tt : "...");
    add_issue(r, rec->line, 1, tmp);
    return AW_OK;
  }
  if (!copy_field(x.target, sizeof x.target, F(COL_TARGET))) {
    add_issue(r, rec->line, 1, "Target too long");
    return AW_OK;
  }
#undef F
  if (x.target_type == AW_TARGET_NODE) {
    const char *t = x.target;
    if (strncmp(t, "node", 4) == 0 && t[4] >= '1' && t[4] <= '9') {
      char *end = NULL;
      long v = strtol(t + 4, &end, 10);
      if (end && *end == '\0' && v >= 1 && v <= 1000000) x.node = (int)v - 1;
    }
  } else {
    const char *bar = strstr(x.target, "||");
    const char *svc = bar ? bar + 2 : x.target;
    for (int i = 0; i < AW_SOCKSHOP_PODS; i++)
      if (strcmp(svc, syn_pods[i].name) == 0) x.pod = i;
  }
  if (aw_grow((void **)&r->s->records, &r->cap, r->s->n + 1, sizeof x))
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  r->s->records[r->s->n++] = x;
  return AW_OK;
}

aw_fis_reader *aw_fis_reader_new(const char *name, aw_error *err) {
  aw_fis_reader *r = AW_CALLOC(1, sizeof *r);
  if (!r) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  snprintf(r->name, sizeof r->name, "%s", name ? name : "faults.csv");
  r->s = AW_CALLOC(1, sizeof *r->s);
  aw_csv_opts o;
  aw_csv_opts_default(&o);
  o.sep = ',';
  o.header = 1;
  o.max_line = 64 * 1024;
  o.max_cols = 64;
  o.name = r->name;
  if (r->s) r->csv = aw_csv_new(&o, on_record, on_reject, r, err);
  if (!r->s || !r->csv) {
    if (!r->s) aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    aw_fis_reader_free(r);
    return NULL;
  }
  return r;
}

aw_status aw_fis_reader_feed(aw_fis_reader *r, const void *data, size_t n, aw_error *err) {
  if (!r || !r->csv) return aw_error_set(err, AW_ERR_STATE, "FIS reader is finished");
  return aw_csv_feed(r->csv, data, n, err);
}

aw_status aw_fis_reader_finish(aw_fis_reader *r, aw_fault_schedule **out, aw_error *err) {
  if (!r || !out || !r->csv) return aw_error_set(err, AW_ERR_STATE, "FIS reader is finished");
  *out = NULL;
  aw_status st = aw_csv_finish(r->csv, err);
  if (st) return st;
  const aw_csv_stats *cs = aw_csv_get_stats(r->csv);
  if (cs->records == 0) return aw_error_at(err, AW_ERR_PARSE, r->name, 1, 0, "empty file: no FIS header");
  aw_fault_schedule *s = r->s;
  if (s->n > 1) qsort(s->records, s->n, sizeof *s->records, cmp_record);
  s->t0 = s->n ? s->records[0].start : 0;
  s->t1 = s->t0;
  for (size_t i = 0; i < s->n; i++) {
    if (s->records[i].start > s->t1) s->t1 = s->records[i].start;
    if (isfinite(s->records[i].end) && s->records[i].end > s->t1) s->t1 = s->records[i].end;
  }
  r->s = NULL;
  aw_csv_free(r->csv);
  r->csv = NULL;
  *out = s;
  return AW_OK;
}

void aw_fis_reader_free(aw_fis_reader *r) {
  if (!r) return;
  aw_csv_free(r->csv);
  aw_fault_schedule_free(r->s);
  AW_FREE(r);
}

aw_status aw_fis_import_text(const char *name, const char *text, size_t n, aw_fault_schedule **out, aw_error *err) {
  aw_fis_reader *r = aw_fis_reader_new(name, err);
  if (!r) return err ? err->code : AW_ERR_NOMEM;
  aw_status st = aw_fis_reader_feed(r, text, n, err);
  if (!st) st = aw_fis_reader_finish(r, out, err);
  aw_fis_reader_free(r);
  return st;
}

/* ------------------------------------------------------------------------------ statistics */

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void aw_fault_schedule_stats(const aw_fault_schedule *s, aw_fault_stats *o) {
  memset(o, 0, sizeof *o);
  if (!s) return;
  o->n = s->n;
  o->span_s = s->t1 - s->t0;
  o->minutes_per_experiment = s->n ? o->span_s / 60.0 / (double)s->n : 0;
  double cover = 0, summed = 0, cur_a = 0, cur_b = -INFINITY, max_end = -INFINITY;
  double *dur = aw_alloc_array(s->n ? s->n : 1, sizeof *dur);
  double *gaps = aw_alloc_array(s->n ? s->n : 1, sizeof *gaps);
  size_t ng = 0;
  for (size_t i = 0; i < s->n; i++) {
    const aw_fault_record *r = &s->records[i];
    if (i > 0 && gaps) gaps[ng++] = r->start - s->records[i - 1].start;
    if (r->start < max_end) o->n_overlapping++;
    if (!isfinite(r->end)) {
      o->n_open++;
      continue;
    }
    double a = r->start < s->t0 ? s->t0 : r->start, b = r->end > s->t1 ? s->t1 : r->end;
    if (r->end > max_end) max_end = r->end;
    if (b <= a) continue;
    summed += b - a;
    if (a > cur_b) {
      if (cur_b > cur_a) cover += cur_b - cur_a;
      cur_a = a;
      cur_b = b;
    } else if (b > cur_b) {
      cur_b = b;
    }
  }
  if (cur_b > cur_a) cover += cur_b - cur_a;
  if (o->span_s > 0) {
    o->fraction_under_fault = cover / o->span_s;
    o->fraction_summed = summed / o->span_s;
  }
  if (gaps && ng) {
    qsort(gaps, ng, sizeof *gaps, cmp_dbl);
    o->median_gap_s = ng % 2 ? gaps[ng / 2] : 0.5 * (gaps[ng / 2 - 1] + gaps[ng / 2]);
  }
  for (int k = 0; k < AW_FAULT_KIND_COUNT && dur; k++)
    for (int t = 0; t < 2; t++) {
      size_t m = 0;
      double sum = 0;
      for (size_t i = 0; i < s->n; i++) {
        const aw_fault_record *r = &s->records[i];
        if ((int)r->kind != k || (int)r->target_type != t || !isfinite(r->end)) continue;
        dur[m++] = r->end - r->start;
        sum += r->end - r->start;
      }
      aw_fault_type_stats *ts = &o->by_type[k][t];
      ts->count = m;
      if (!m) continue;
      qsort(dur, m, sizeof *dur, cmp_dbl);
      ts->mean_s = sum / (double)m;
      ts->median_s = m % 2 ? dur[m / 2] : 0.5 * (dur[m / 2 - 1] + dur[m / 2]);
      ts->min_s = dur[0];
      ts->max_s = dur[m - 1];
    }
  AW_FREE(dur);
  AW_FREE(gaps);
}

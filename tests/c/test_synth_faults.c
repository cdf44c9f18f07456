/* test_synth_faults.c - Algorithm 2's scheduler against its parameters and against the two real
 * AWS FIS logs published with Allam et al. (../shared/data/allam-fis: about one experiment per 65
 * minutes, about 5.3% of the time under a fault, the per-type durations of Table 2), and the FIS
 * importer on those real files (bad rows included) and on malformed input. */
#include <math.h>

#include "aw/synth.h"
#include "t.h"

#define WEEK 604800.0
#define T0 1715616000.0

static aw_fault_schedule *import_file(const char *rel, size_t chunk) {
  size_t n = 0;
  char *text = t_slurp(t_data(rel), &n);
  T_CHECKF(text != NULL, "cannot read %s", t_data(rel));
  if (!text) return NULL;
  aw_error e;
  aw_fis_reader *r = aw_fis_reader_new(rel, &e);
  aw_fault_schedule *s = NULL;
  aw_status st = AW_OK;
  for (size_t i = 0; i < n && !st; i += chunk) st = aw_fis_reader_feed(r, text + i, i + chunk > n ? n - i : chunk, &e);
  if (!st) st = aw_fis_reader_finish(r, &s, &e);
  T_CHECKF(st == AW_OK, "import %s: %s", rel, e.message);
  aw_fis_reader_free(r);
  free(text);
  return s;
}

/* The real records: counts, the missing end time of 20-05 kept (not dropped) with its line. */
static void test_import_real_logs(void) {
  aw_fault_schedule *a = import_file("allam-fis/13-05-2024_FIS_Experiment_Actions.csv", 1 << 20);
  aw_fault_schedule *b = import_file("allam-fis/20-05-2024_FIS_Experiment_Actions.csv", 7); /* odd chunks */
  if (!a || !b) return;
  T_EQ_INT(a->n, 147);
  T_EQ_INT(b->n, 159);
  T_EQ_INT(a->n_issues, 0);
  T_EQ_INT(b->n_issues, 1);
  if (b->n_issues) {
    T_EQ_INT(b->issues[0].line, 2);
    T_EQ_INT(b->issues[0].rejected, 0);
    T_CONTAINS(b->issues[0].reason, "missing Action End Time");
  }
  aw_fault_stats sa, sb;
  aw_fault_schedule_stats(a, &sa);
  aw_fault_schedule_stats(b, &sb);
  T_EQ_INT(sb.n_open, 1);
  /* the open record is the last experiment (2024-05-27T15:59:12.096Z), a node memory stress */
  const aw_fault_record *last = &b->records[b->n - 1];
  T_CHECK(isnan(last->end));
  T_NEAR(last->start, 1716825552.096, 1e-3);
  T_EQ_INT(last->kind, AW_FAULT_MEMORY_STRESS);
  T_EQ_INT(last->target_type, AW_TARGET_NODE);
  T_EQ_INT(last->node, 4);
  /* case differences between pod and node action names map to one kind */
  size_t cpu_pod = 0, cpu_node = 0, unknown = 0;
  for (size_t i = 0; i < a->n; i++) {
    if (a->records[i].kind == AW_FAULT_CPU_STRESS) {
      if (a->records[i].target_type == AW_TARGET_POD) cpu_pod++;
      else cpu_node++;
    }
    if (a->records[i].kind == AW_FAULT_UNKNOWN) unknown++;
    if (a->records[i].target_type == AW_TARGET_POD) T_CHECK(a->records[i].pod >= 0);
    else T_CHECK(a->records[i].node >= 0 && a->records[i].node < 5);
  }
  T_EQ_INT(unknown, 0);
  T_EQ_INT(cpu_pod, 11);
  T_EQ_INT(cpu_node, 10);
  /* the published statistics: ~1 experiment per 65 minutes, ~5.3% of the time under a fault */
  T_NEAR(sa.minutes_per_experiment, 68.4, 1.5);
  T_NEAR(sb.minutes_per_experiment, 63.8, 1.5);
  T_NEAR(sa.fraction_under_fault, 0.053, 0.003);
  T_NEAR(sb.fraction_under_fault, 0.053, 0.003);
  /* Table 2 durations seen in the real node records (pod actions carry a start-up overhead) */
  T_NEAR(sa.by_type[AW_FAULT_CPU_STRESS][AW_TARGET_NODE].median_s, 240, 1);
  T_NEAR(sa.by_type[AW_FAULT_MEMORY_STRESS][AW_TARGET_NODE].median_s, 240, 1);
  T_NEAR(sa.by_type[AW_FAULT_NETWORK_LATENCY][AW_TARGET_NODE].median_s, 300, 1);
  T_NEAR(sa.by_type[AW_FAULT_PACKET_LOSS][AW_TARGET_NODE].median_s, 120, 1);
  T_NEAR(sa.by_type[AW_FAULT_IO_STRESS][AW_TARGET_NODE].median_s, 300, 1);
  aw_fault_schedule_free(a);
  aw_fault_schedule_free(b);
}

static void test_import_bad_rows(void) {
  const char *csv =
      "Experiment ID,Action Start Time,Action End Time,Template Id,Action Name,Target Type,Target\n"
      "EXP1,2024-05-13T16:00:00.000Z,2024-05-13T16:04:00.500Z,EXTa,cpu-stress,node,node2\n"
      "EXP2,yesterday,2024-05-13T16:04:00Z,EXTa,cpu-stress,node,node2\n"
      "EXP3,2024-05-13T17:00:00Z,,EXTb,Memory-Stress,pod,carts-1-2||carts\n"
      "EXP4,2024-05-13T18:00:00Z,2024-05-13T17:00:00Z,EXTc,disk-fill,pod,x||nosuch\n"
      "EXP5,2024-05-13T19:00:00Z,2024-05-13T19:01:00Z,EXTd,packet-loss,cluster,all\n"
      "EXP6,2024-05-13T20:00:00Z\n"
      "EXP7,1715630400,1715630460,EXTe,node-reboot,node,node5\n";
  aw_fault_schedule *s = NULL;
  aw_error e;
  T_EQ_INT(aw_fis_import_text("bad.csv", csv, strlen(csv), &s, &e), AW_OK);
  if (!s) return;
  T_EQ_INT(s->n, 4); /* EXP1, EXP3, EXP4, EXP7 kept */
  int rejected_lines[8] = {0}, kept_notes = 0;
  for (size_t i = 0; i < s->n_issues; i++) {
    if (s->issues[i].rejected && s->issues[i].line < 8) rejected_lines[s->issues[i].line] = 1;
    if (!s->issues[i].rejected) kept_notes++;
  }
  T_CHECK(rejected_lines[3]); /* unparseable start */
  T_CHECK(rejected_lines[6]); /* unknown target type */
  T_CHECK(rejected_lines[7]); /* ragged row */
  T_EQ_INT(kept_notes, 3);    /* missing end, end before start, unknown action */
  T_NEAR(s->records[0].end - s->records[0].start, 240.5, 1e-6);
  T_EQ_INT(s->records[0].node, 1);
  T_CHECK(isnan(s->records[1].end));
  T_EQ_INT(s->records[1].kind, AW_FAULT_MEMORY_STRESS);
  T_EQ_INT(s->records[1].pod, 3);
  T_EQ_INT(s->records[2].kind, AW_FAULT_UNKNOWN);
  T_EQ_INT(s->records[2].pod, -1);
  T_EQ_INT(s->records[3].kind, AW_FAULT_NODE_REBOOT);
  T_NEAR(s->records[3].start, 1715630400, 0);
  aw_fault_schedule_free(s);
  /* a file without the FIS columns is an error that names the file */
  const char *wrong = "a,b,c\n1,2,3\n";
  T_EQ_INT(aw_fis_import_text("wrong.csv", wrong, strlen(wrong), &s, &e), AW_ERR_PARSE);
  T_STREQ(e.file, "wrong.csv");
  T_CONTAINS(e.message, "Experiment ID");
  T_EQ_INT(aw_fis_import_text("empty.csv", "", 0, &s, &e), AW_ERR_PARSE);
}

/* Generated records survive the FIS CSV round trip (times to the millisecond). */
static void test_generated_round_trip(void) {
  aw_fault_params fp;
  aw_fault_params_default(&fp);
  aw_topology_params tp;
  aw_topology_params_default(&tp);
  aw_fault_schedule *g = NULL, *back = NULL;
  aw_error e;
  T_EQ_INT(aw_fault_schedule_generate(&fp, &tp, T0, T0 + WEEK, 7, &g, &e), AW_OK);
  if (!g) return;
  aw_buf b = {0};
  T_EQ_INT(aw_fault_schedule_write_csv(g, &b), AW_OK);
  T_EQ_INT(aw_fis_import_text("gen.csv", b.data, b.len, &back, &e), AW_OK);
  if (back) {
    T_EQ_INT(back->n, g->n);
    for (size_t i = 0; i < g->n && i < back->n; i++) {
      T_NEAR(back->records[i].start, g->records[i].start, 6e-4);
      if (isfinite(g->records[i].end)) T_NEAR(back->records[i].end, g->records[i].end, 6e-4);
      else T_CHECK(isnan(back->records[i].end));
      T_EQ_INT(back->records[i].kind, g->records[i].kind);
      T_EQ_INT(back->records[i].target_type, g->records[i].target_type);
      T_EQ_INT(back->records[i].pod, g->records[i].pod);
      T_EQ_INT(back->records[i].node, g->records[i].node);
      T_STREQ(back->records[i].target, g->records[i].target);
      T_STREQ(back->records[i].experiment_id, g->records[i].experiment_id);
    }
    /* only an action running past the horizon lacks an end time */
    for (size_t i = 0; i < g->n; i++)
      if (isnan(g->records[i].end)) T_CHECK(g->records[i].start + 240 > T0 + WEEK - 60);
  }
  /* a deleted pod comes back with a new name: later records on that pod use it */
  for (size_t i = 0; i < g->n; i++) {
    if (g->records[i].kind != AW_FAULT_POD_DELETE) continue;
    T_CHECK(g->records[i].new_node >= 0 && g->records[i].new_node != -1);
    for (size_t j = i + 1; j < g->n; j++)
      if (g->records[j].pod == g->records[i].pod) {
        T_CHECK(strcmp(g->records[j].target, g->records[i].target) != 0);
        break;
      }
  }
  aw_buf_free(&b);
  aw_fault_schedule_free(g);
  aw_fault_schedule_free(back);
}

typedef struct moments {
  double sum, sum2;
  size_t n;
} moments;
static void mo_add(moments *m, double x) {
  m->sum += x;
  m->sum2 += x * x;
  m->n++;
}
static double mo_mean(const moments *m) { return m->n ? m->sum / (double)m->n : NAN; }
static double mo_sd(const moments *m) {
  if (m->n < 2) return NAN;
  double mu = mo_mean(m);
  return sqrt((m->sum2 - (double)m->n * mu * mu) / (double)(m->n - 1));
}

/* Rate, overlap and duration statistics of Algorithm 2 vs its parameters and vs the real logs.
 * Tolerances come from the seed-to-seed spread measured over 24 simulated weeks. */
static void test_scheduler_statistics(void) {
  aw_fault_params fp;
  aw_fault_params_default(&fp);
  aw_topology_params tp;
  aw_topology_params_default(&tp);
  enum { S = 24 };
  moments count = {0}, frac = {0}, summed = {0}, overl = {0};
  moments dur[AW_FAULT_KIND_COUNT][2];
  memset(dur, 0, sizeof dur);
  for (int i = 0; i < S; i++) {
    aw_fault_schedule *g = NULL;
    aw_error e;
    T_EQ_INT(aw_fault_schedule_generate(&fp, &tp, T0, T0 + WEEK, 100 + (uint64_t)i, &g, &e), AW_OK);
    if (!g) return;
    aw_fault_stats st;
    aw_fault_schedule_stats(g, &st);
    mo_add(&count, (double)st.n);
    mo_add(&frac, st.fraction_under_fault);
    mo_add(&summed, st.fraction_summed);
    mo_add(&overl, (double)st.n_overlapping / (double)st.n);
    for (size_t j = 0; j < g->n; j++) {
      const aw_fault_record *r = &g->records[j];
      if (!isfinite(r->end)) continue;
      double d = r->end - r->start;
      if (d < 0.9 * r->duration_s) continue; /* stopped early */
      mo_add(&dur[r->kind][r->target_type], d);
    }
    aw_fault_schedule_free(g);
  }
  printf("simulated weeks: %.1f +- %.1f experiments, %.4f +- %.4f of the time under a fault, overlap share %.4f +- %.4f\n",
         mo_mean(&count), mo_sd(&count), mo_mean(&frac), mo_sd(&frac), mo_mean(&overl), mo_sd(&overl));
  /* vs the parameters: Binomial(ticks, p) experiments */
  double ticks = WEEK / fp.tick_s, ec = ticks * fp.p_anomaly;
  T_CHECKF(fabs(mo_mean(&count) - ec) <= 4 * sqrt(ec * (1 - fp.p_anomaly)) / sqrt(S), "experiments %g vs %g",
           mo_mean(&count), ec);
  T_NEAR(mo_sd(&count), sqrt(ec * (1 - fp.p_anomaly)), 0.5 * sqrt(ec));
  /* expected share of time (summed durations) from the template table */
  double el = 0;
  for (size_t t = 0; t < fp.n_templates; t++) {
    const aw_fault_template *tt = &fp.templates[t];
    double over = (1 - tt->p_slow) * tt->overhead_fast_s + tt->p_slow * tt->overhead_slow_s;
    el += (tt->duration_s + over) / (double)fp.n_templates;
  }
  el *= 1 - fp.p_stop_early * (1 - 0.475); /* early stops keep U(0.05, 0.9) of the length */
  double ef = fp.p_anomaly / fp.tick_s * el;
  T_CHECKF(fabs(mo_mean(&summed) - ef) <= 4 * mo_sd(&summed) / sqrt(S), "summed fraction %g vs %g", mo_mean(&summed), ef);
  /* overlaps: an experiment starts while another runs with probability 1 - exp(-rate * E[len]) */
  double eo = 1 - exp(-fp.p_anomaly / fp.tick_s * el);
  T_CHECKF(fabs(mo_mean(&overl) - eo) <= 4 * mo_sd(&overl) / sqrt(S) + 0.005, "overlap share %g vs %g",
           mo_mean(&overl), eo);

  /* vs the real logs: each published week lies within 3 seed-to-seed standard deviations */
  const char *files[2] = {"allam-fis/13-05-2024_FIS_Experiment_Actions.csv", "allam-fis/20-05-2024_FIS_Experiment_Actions.csv"};
  moments real_dur[AW_FAULT_KIND_COUNT][2];
  memset(real_dur, 0, sizeof real_dur);
  for (int f = 0; f < 2; f++) {
    aw_fault_schedule *r = import_file(files[f], 1 << 20);
    if (!r) return;
    aw_fault_stats st;
    aw_fault_schedule_stats(r, &st);
    double per_week = (double)st.n * WEEK / st.span_s;
    T_CHECKF(fabs(per_week - mo_mean(&count)) <= 3 * mo_sd(&count), "%s: %g experiments/week vs simulated %g +- %g",
             files[f], per_week, mo_mean(&count), mo_sd(&count));
    T_CHECKF(fabs(st.fraction_under_fault - mo_mean(&frac)) <= 3 * mo_sd(&frac),
             "%s: %.4f of the time under a fault vs simulated %.4f +- %.4f", files[f], st.fraction_under_fault,
             mo_mean(&frac), mo_sd(&frac));
    double ro = (double)st.n_overlapping / (double)st.n;
    printf("%s: %.1f experiments/week (1 per %.1f min), %.4f under a fault, overlap share %.4f\n", files[f], per_week,
           st.minutes_per_experiment, st.fraction_under_fault, ro);
    T_CHECKF(fabs(ro - mo_mean(&overl)) <= 3 * mo_sd(&overl), "%s: overlap share %.4f vs simulated %.4f +- %.4f",
             files[f], ro, mo_mean(&overl), mo_sd(&overl));
    for (size_t j = 0; j < r->n; j++) {
      const aw_fault_record *x = &r->records[j];
      if (!isfinite(x->end) || x->kind == AW_FAULT_UNKNOWN) continue;
      double d = x->end - x->start;
      double nominal = 0;
      for (size_t t = 0; t < fp.n_templates; t++)
        if (fp.templates[t].kind == x->kind && fp.templates[t].target == x->target_type) nominal = fp.templates[t].duration_s;
      if (d < 0.9 * nominal) continue;
      mo_add(&real_dur[x->kind][x->target_type], d);
    }
    aw_fault_schedule_free(r);
  }
  /* per-type durations: two-sample comparison of the means at 4 standard errors; node actions
   * last their Table 2 duration */
  for (int k = 0; k < AW_FAULT_UNKNOWN; k++)
    for (int t = 0; t < 2; t++) {
      const moments *a = &dur[k][t], *b = &real_dur[k][t];
      if (a->n < 2 || b->n < 2) continue;
      double se = sqrt(mo_sd(a) * mo_sd(a) / (double)a->n + mo_sd(b) * mo_sd(b) / (double)b->n);
      printf("  %-15s %-4s simulated %7.2f s (n %3zu)  real %7.2f s (n %2zu)\n", aw_fault_kind_name((aw_fault_kind)k),
             t ? "node" : "pod", mo_mean(a), a->n, mo_mean(b), b->n);
      T_CHECKF(fabs(mo_mean(a) - mo_mean(b)) <= 4 * se + 0.05, "%s/%s: simulated %.2f s vs real %.2f s (se %.2f)",
               aw_fault_kind_name((aw_fault_kind)k), t ? "node" : "pod", mo_mean(a), mo_mean(b), se);
    }
  static const double table2[5] = {240, 240, 300, 120, 300};
  for (int k = 0; k < 5; k++) {
    T_NEAR(mo_mean(&dur[k][AW_TARGET_NODE]), table2[k], 1.0);
    T_NEAR(mo_mean(&real_dur[k][AW_TARGET_NODE]), table2[k], 1.0);
    T_CHECK(mo_mean(&dur[k][AW_TARGET_POD]) > table2[k]);
  }
}

/* Template weights steer the choice; p_anomaly 0 or disabled gives an empty schedule. */
static void test_scheduler_params(void) {
  aw_fault_params fp;
  aw_fault_params_default(&fp);
  aw_topology_params tp;
  aw_topology_params_default(&tp);
  for (size_t i = 0; i < fp.n_templates; i++) fp.templates[i].weight = fp.templates[i].kind == AW_FAULT_NODE_REBOOT ? 1 : 0;
  fp.p_anomaly = 0.5;
  aw_fault_schedule *g = NULL;
  aw_error e;
  T_EQ_INT(aw_fault_schedule_generate(&fp, &tp, T0, T0 + 86400, 1, &g, &e), AW_OK);
  if (!g) return;
  T_CHECK(g->n > 600 && g->n < 840); /* 1440 ticks x 0.5 */
  for (size_t i = 0; i < g->n; i++) T_EQ_INT(g->records[i].kind, AW_FAULT_NODE_REBOOT);
  aw_fault_schedule_free(g);
  fp.enabled = 0;
  T_EQ_INT(aw_fault_schedule_generate(&fp, &tp, T0, T0 + 86400, 1, &g, &e), AW_OK);
  if (g) T_EQ_INT(g->n, 0);
  aw_fault_schedule_free(g);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_import_real_logs);
  T_RUN(test_import_bad_rows);
  T_RUN(test_generated_round_trip);
  T_RUN(test_scheduler_statistics);
  T_RUN(test_scheduler_params);
  return t_done();
}

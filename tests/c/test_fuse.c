/* test_fuse.c - DAM's fusion: ranks, per-step maximum, alignment and gap reports, against hand
 * computed cases and a brute-force reference on random data. */
#include "aw/fuse.h"
#include "aw/rng.h"
#include "t.h"

static aw_table *metrics(const double *t, const double *a, const double *b, size_t n) {
  aw_table *m = aw_table_new();
  aw_error err;
  aw_table_set_time(m, t, n, &err);
  aw_table_add_column(m, "cpu", a, n, &err);
  aw_table_add_column(m, "mem", b, n, &err);
  return m;
}

static void test_hand_case(void) {
  /* 10 steps of 1 s from t=100; training part = first 6 steps (t < 105.5) */
  double t[] = {100, 101.2, 101.9, 103, 105, 106, 107, 108, 109};  /* 101.2 and 101.9 round to 101, 102: no gap;
                                                                    104 is missing */
  double a[] = {1, 2, 3, 4, 6, 7, 8, 9, 10};
  double b[] = {10, 20, 30, 40, 60, NAN, 80, 90, 100};
  aw_table *m = metrics(t, a, b, 9);
  /* template 7 three times and 2 once in training; 5 only in the test part; one line outside */
  double lt[] = {100.1, 100.9, 102.5, 102.7, 103.3, 106.5, 107.2, 107.8, 200};
  uint32_t lid[] = {7, 7, 2, 7, 7, 5, 2, 5, 7};
  const char *cols[] = {"cpu", "mem"};
  aw_fuse_opts o;
  aw_fuse_opts_default(&o);
  aw_fuse_result *r = NULL;
  aw_error err;
  aw_error_clear(&err);
  T_EQ_INT(aw_fuse(m, cols, 2, lt, lid, 9, &o, &r, &err), AW_OK);
  const aw_table *f = r->table;
  T_EQ_INT(aw_table_rows(f), 10);
  T_EQ_INT(r->report.train_steps, 6);
  T_EQ_INT(r->report.templates_ranked, 2);
  T_EQ_INT(r->report.template_of_rank[0], 7);
  T_EQ_INT(r->report.count_of_rank[0], 4);
  T_EQ_INT(r->report.template_of_rank[1], 2);
  T_EQ_INT(r->report.lines_outside, 1);
  T_EQ_INT(r->report.test_lines_unseen, 2);
  const double *tm = aw_table_time(f);
  T_CHECK(tm[0] == 100 && tm[9] == 109);
  /* logs: step 0 {7}, 1 none (100.9 is in step 0), 2 {2, 7} -> max(2, 1) = 2, 3 {7}, 6 {5} -> K+1 = 3,
   * 7 {2, 5} -> 3 */
  const double *lg = aw_table_column(f, (size_t)aw_table_find(f, "log_template"));
  double want_log[10] = {1, 0, 2, 1, 0, 0, 3, 3, 0, 0};
  for (int k = 0; k < 10; k++) T_CHECKF(lg[k] == want_log[k], "log step %d: %g vs %g", k, lg[k], want_log[k]);
  T_EQ_INT(r->report.steps_with_logs, 5);
  /* metrics: 104 missing -> carried forward; mem's NaN at 106 is a gap too */
  const double *cpu = aw_table_column(f, 0), *mem = aw_table_column(f, 1);
  double want_cpu[10] = {1, 2, 3, 4, 4, 6, 7, 8, 9, 10};
  double want_mem[10] = {10, 20, 30, 40, 40, 60, 60, 80, 90, 100};
  for (int k = 0; k < 10; k++) {
    T_CHECKF(cpu[k] == want_cpu[k], "cpu step %d: %g", k, cpu[k]);
    T_CHECKF(mem[k] == want_mem[k], "mem step %d: %g", k, mem[k]);
  }
  T_EQ_INT(r->report.gaps[0], 1);
  T_EQ_INT(r->report.gaps[1], 2);
  T_CHECK(r->report.first_gap_time[0] == 104);
  aw_fuse_result_free(r);
  /* the same with gaps as errors: the message names the column and the time */
  o.gap_policy = AW_GAP_ERROR;
  T_EQ_INT(aw_fuse(m, cols, 2, lt, lid, 9, &o, &r, &err), AW_ERR_RANGE);
  T_CONTAINS(err.message, "metric \"cpu\" has no sample for the step at 1970-01-01T00:01:44Z");
  /* unknown column, bad options */
  const char *bad[] = {"disk"};
  aw_fuse_opts_default(&o);
  T_EQ_INT(aw_fuse(m, bad, 1, NULL, NULL, 0, &o, &r, &err), AW_ERR_NOTFOUND);
  o.step_s = 0;
  T_EQ_INT(aw_fuse(m, cols, 2, NULL, NULL, 0, &o, &r, &err), AW_ERR_RANGE);
  aw_fuse_opts_default(&o);
  o.step_s = 1e-7; /* 9e7 steps, beyond the 50M limit */
  T_EQ_INT(aw_fuse(m, cols, 2, NULL, NULL, 0, &o, &r, &err), AW_ERR_LIMIT);
  aw_table_free(m);
}

/* Random lines and a 5 s grid, against a direct computation. */
static void test_against_brute_force(void) {
  aw_rng rng;
  aw_rng_seed(&rng, 77);
  const size_t nl = 5000, nm = 400;
  double *lt = malloc(nl * sizeof(double)), *mt = malloc(nm * sizeof(double)), *mv = malloc(nm * sizeof(double));
  uint32_t *lid = malloc(nl * sizeof(uint32_t));
  for (size_t i = 0; i < nm; i++) {
    mt[i] = 1000 + 5.0 * (double)i + aw_rng_uniform_range(&rng, -1, 1);
    mv[i] = aw_rng_normal(&rng);
  }
  for (size_t i = 0; i < nl; i++) {
    lt[i] = aw_rng_uniform_range(&rng, 990, 3010);
    /* skewed template popularity */
    double u = aw_rng_uniform(&rng);
    lid[i] = (uint32_t)(u * u * u * 40);
  }
  aw_table *m = aw_table_new();
  aw_error err;
  aw_table_set_time(m, mt, nm, &err);
  aw_table_add_column(m, "x", mv, nm, &err);
  const char *cols[] = {"x"};
  aw_fuse_opts o;
  aw_fuse_opts_default(&o);
  o.step_s = 5;
  o.train_frac = 0.5;
  aw_fuse_result *r;
  T_EQ_INT(aw_fuse(m, cols, 1, lt, lid, nl, &o, &r, &err), AW_OK);
  size_t n = r->report.steps;
  double t0 = r->report.t0, split = t0 + (double)r->report.train_steps * 5 - 2.5;
  /* brute-force ranks */
  uint64_t cnt[40] = {0};
  for (size_t i = 0; i < nl; i++)
    if (lt[i] < split && lt[i] >= t0 - 2.5) cnt[lid[i]]++;
  uint32_t rank[40] = {0};
  for (int id = 0; id < 40; id++) {
    if (!cnt[id]) continue;
    uint32_t better = 0;
    for (int o2 = 0; o2 < 40; o2++)
      if (cnt[o2] > cnt[id] || (cnt[o2] == cnt[id] && cnt[o2] && o2 < id)) better++;
    rank[id] = better + 1;
  }
  size_t K = 0;
  for (int id = 0; id < 40; id++) K += cnt[id] > 0;
  T_EQ_INT(r->report.templates_ranked, K);
  const double *lg = aw_table_column(r->table, 1);
  for (size_t k = 0; k < n; k++) {
    double best = 0;
    int any = 0;
    for (size_t i = 0; i < nl; i++) {
      if (lt[i] >= t0 + 5.0 * (double)k && lt[i] < t0 + 5.0 * (double)(k + 1)) {
        double num = rank[lid[i]] ? rank[lid[i]] : (double)(K + 1);
        if (!any || num > best) best = num;
        any = 1;
      }
    }
    T_CHECKF(lg[k] == best, "step %zu: %g vs %g", k, lg[k], best);
  }
  aw_fuse_result_free(r);
  aw_table_free(m);
  free(lt);
  free(mt);
  free(mv);
  free(lid);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_hand_case);
  T_RUN(test_against_brute_force);
  return t_done();
}

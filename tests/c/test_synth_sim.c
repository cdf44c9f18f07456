/* test_synth_sim.c - the telemetry simulator responds to each fault the way the paper's Figures 5-6
 * describe (paired runs with and without the fault, same seed), its ground truth matches the
 * injected records, DAM's scenario and the replica scenario have the properties their papers
 * need, the JSON config round-trips with path-named errors, and whole data sets are the same
 * bytes for the same seed (pinned hashes, checked again by the WASM runner). */
#include <inttypes.h>
#include <math.h>

#include "aw/spec.h"
#include "aw/synth.h"
#include "aw/workspace.h"
#include "t.h"

aw_status aw_input_synth_generate(aw_ws *ws, const aw_spec_input *in, uint64_t seed, const aw_progress *progress,
                                  cJSON *info, aw_error *err);

#define T0 1715616000.0

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) {
    h ^= c[i];
    h *= 1099511628211ULL;
  }
  return h;
}
#define FNV0 14695981039346656037ULL

/* pinned hashes of small data sets (seed 7); see test_dataset_bytes */
#define PIN_ALLAM 0xde89f8a5ad9c2ba7ULL
#define PIN_DAM 0x8235aaa9d406b3bbULL
#define PIN_REPLICAS 0xed77517b6bf78db7ULL

static aw_load_series *small_load(double hours, uint64_t seed) {
  aw_load_params p;
  aw_load_params_default(&p);
  p.duration_s = hours * 3600;
  p.anomaly_prob = 0;
  aw_load_series *s = NULL;
  aw_error e;
  T_EQ_INT(aw_load_generate(&p, seed, NULL, &s, &e), AW_OK);
  return s;
}

static aw_fault_record rec(aw_fault_kind k, aw_fault_target tt, int idx, double start, double len, double intensity) {
  aw_fault_record r;
  memset(&r, 0, sizeof r);
  snprintf(r.experiment_id, sizeof r.experiment_id, "EXPtest%d", (int)start);
  r.start = T0 + start;
  r.end = T0 + start + len;
  r.kind = k;
  r.target_type = tt;
  r.pod = tt == AW_TARGET_POD ? idx : -1;
  r.node = tt == AW_TARGET_NODE ? idx : -1;
  r.new_node = -1;
  r.duration_s = len;
  r.intensity = intensity;
  snprintf(r.action, sizeof r.action, "%s", aw_fault_kind_name(k));
  if (tt == AW_TARGET_NODE) snprintf(r.target, sizeof r.target, "node%d", idx + 1);
  else snprintf(r.target, sizeof r.target, "%s-x-y||%s", aw_sockshop_pod_name((size_t)idx), aw_sockshop_pod_name((size_t)idx));
  return r;
}

enum { FE = 0, CAT = 1, CARTS = 3, ORDERS = 5, SHIP = 8, USER = 11 };

typedef struct run {
  size_t rows, cols;
  double *v; /* rows x cols */
  aw_row_labels *lab;
  char (*action)[64]; /* the row's first fault action (the labels' pointer is only valid per row) */
  aw_telemetry *t;
} run;

static void run_sim(run *r, const aw_load_series *load, const aw_fault_schedule *fs) {
  aw_telemetry_params tp;
  aw_telemetry_params_default(&tp);
  tp.noise_rel = 0;
  aw_error e;
  r->t = aw_telemetry_new(&tp, NULL, load, fs, 5, NULL, NULL, &e);
  T_CHECKF(r->t != NULL, "telemetry: %s", e.message);
  if (!r->t) return;
  r->rows = aw_telemetry_rows(r->t);
  r->cols = aw_telemetry_cols(r->t);
  r->v = calloc(r->rows * r->cols, sizeof(double));
  r->lab = calloc(r->rows, sizeof *r->lab);
  r->action = calloc(r->rows, sizeof *r->action);
  for (size_t i = 0; i < r->rows; i++) {
    T_EQ_INT(aw_telemetry_next(r->t, r->v + i * r->cols, &e), AW_OK);
    aw_telemetry_row_labels(r->t, &r->lab[i]);
    snprintf(r->action[i], sizeof r->action[i], "%s", r->lab[i].fault_action);
  }
  T_EQ_INT(aw_telemetry_next(r->t, r->v, &e), AW_ERR_STATE);
}

static void free_run(run *r) {
  aw_telemetry_free(r->t);
  free(r->v);
  free(r->lab);
  free(r->action);
}

static double at(const run *r, size_t row, const char *col) {
  for (size_t j = 0; j < r->cols; j++)
    if (strcmp(aw_telemetry_col_name(r->t, j), col) == 0) return r->v[row * r->cols + j];
  T_CHECKF(0, "no column %s", col);
  return NAN;
}

/* mean of a column over rows [a, b) */
static double avg(const run *r, size_t a, size_t b, const char *col) {
  double s = 0;
  for (size_t i = a; i < b; i++) s += at(r, i, col);
  return s / (double)(b - a);
}

static void test_fault_responses(void) {
  aw_load_series *load = small_load(4, 3);
  if (!load) return;
  aw_fault_schedule *fs = calloc(1, sizeof *fs);
  fs->records = calloc(8, sizeof *fs->records);
  fs->records[fs->n++] = rec(AW_FAULT_NETWORK_LATENCY, AW_TARGET_POD, CAT, 1800, 300, 400);
  fs->records[fs->n++] = rec(AW_FAULT_CPU_STRESS, AW_TARGET_POD, CARTS, 3600, 240, 100);
  fs->records[fs->n++] = rec(AW_FAULT_MEMORY_STRESS, AW_TARGET_POD, ORDERS, 5400, 240, 100);
  fs->records[fs->n++] = rec(AW_FAULT_PACKET_LOSS, AW_TARGET_POD, USER, 7200, 120, 40);
  fs->records[fs->n] = rec(AW_FAULT_POD_DELETE, AW_TARGET_POD, SHIP, 9000, 20.8, 0);
  fs->records[fs->n++].new_node = 0;
  fs->records[fs->n++] = rec(AW_FAULT_NODE_REBOOT, AW_TARGET_NODE, 3, 10800, 0.6, 0);
  fs->records[fs->n++] = rec(AW_FAULT_IO_STRESS, AW_TARGET_NODE, 2, 12000, 300, 80);
  fs->records[fs->n++] = rec(AW_FAULT_CPU_STRESS, AW_TARGET_NODE, 1, 13200, 240, 100);
  fs->t0 = T0;
  fs->t1 = T0 + 14400;
  aw_fault_schedule none = {0};
  run f = {0}, b = {0};
  run_sim(&f, load, fs);
  run_sim(&b, load, &none);
  if (!f.v || !b.v) goto out;
  T_EQ_INT(f.cols, 470); /* Table 3's shape: 1 + 5 x 12 + 14 x 19 + 10 x 14 + 3 */
  T_EQ_INT(f.rows, 240);

  /* latency on catalogue: its mean and p95 response time rise by ~400 ms, the front end's too on
   * the paths through it, and the closed-loop users send fewer requests */
  size_t a = 31, z = 35; /* rows fully inside [1800, 2100) */
  T_CHECK(avg(&f, a, z, "catalogue.service_latency_mean_ms") - avg(&b, a, z, "catalogue.service_latency_mean_ms") > 380);
  T_CHECK(avg(&f, a, z, "catalogue.service_latency_p95_ms") - avg(&b, a, z, "catalogue.service_latency_p95_ms") > 380);
  T_CHECK(avg(&f, a, z, "front-end.service_latency_mean_ms") - avg(&b, a, z, "front-end.service_latency_mean_ms") > 100);
  T_CHECKF(avg(&f, a, z, "front-end.service_request_rate") < 0.97 * avg(&b, a, z, "front-end.service_request_rate"),
           "request rate %g vs %g", avg(&f, a, z, "front-end.service_request_rate"),
           avg(&b, a, z, "front-end.service_request_rate"));
  T_NEAR(avg(&f, 10, 25, "front-end.service_request_rate"), avg(&b, 10, 25, "front-end.service_request_rate"), 1.0);

  /* CPU stress on carts: the pod at its limit, its node up by the limit's share */
  a = 61, z = 64;
  T_CHECK(avg(&f, a, z, "carts.pod_cpu_utilization_over_pod_limit") > 95);
  double dn = avg(&f, a, z, "node2.node_cpu_utilization") - avg(&b, a, z, "node2.node_cpu_utilization");
  T_CHECKF(dn > 10 && dn < 20, "node2 CPU +%g%% (carts' 300m limit of 2000m is 15%%)", dn);
  T_CHECK(avg(&f, a, z, "carts.service_latency_p95_ms") > 3 * avg(&b, a, z, "carts.service_latency_p95_ms"));

  /* memory stress on orders: memory towards the limit, and more CPU */
  a = 91, z = 94;
  T_CHECK(avg(&f, a, z, "orders.pod_memory_utilization_over_pod_limit") > 85);
  T_CHECK(avg(&b, a, z, "orders.pod_memory_utilization_over_pod_limit") < 80);
  T_CHECK(avg(&f, a, z, "orders.pod_cpu_usage_total") > avg(&b, a, z, "orders.pod_cpu_usage_total") + 50);

  /* packet loss on user: failures and p95 up, a container restart at the end */
  a = 120, z = 122;
  T_CHECK(avg(&f, a, z, "user.service_error_ratio") > 0.02);
  T_NEAR(avg(&b, a, z, "user.service_error_ratio"), 0, 1e-12);
  T_CHECK(avg(&f, a, z, "user.service_latency_p95_ms") > 5 * avg(&b, a, z, "user.service_latency_p95_ms"));
  T_EQ_INT(at(&f, 118, "user.pod_number_of_container_restarts"), 0);
  T_EQ_INT(at(&f, 124, "user.pod_number_of_container_restarts"), 1);
  T_CHECK(at(&f, 122, "user.pod_status_running") < 1);

  /* deleting shipping moves it from node3 to node1: one node's pod count drops, another's rises */
  T_EQ_INT(at(&f, 149, "shipping.pod_node"), 3);
  T_EQ_INT(at(&f, 152, "shipping.pod_node"), 1);
  T_EQ_INT(at(&f, 149, "node3.node_number_of_running_pods"), 3);
  T_EQ_INT(at(&f, 152, "node3.node_number_of_running_pods"), 2);
  T_EQ_INT(at(&f, 152, "node1.node_number_of_running_pods"), 4);
  T_CHECK(at(&f, 150, "shipping.pod_status_running") < 1);
  T_CHECK(at(&f, 150, "shipping.service_error_ratio") > 0.2);
  T_CHECK(at(&f, 152, "node3.node_cpu_usage_total") < at(&b, 152, "node3.node_cpu_usage_total"));
  T_CHECK(at(&f, 152, "node1.node_cpu_usage_total") > at(&b, 152, "node1.node_cpu_usage_total"));

  /* rebooting node4: not ready, no data for a whole minute, its containers restart */
  T_CHECK(at(&f, 180, "node4.node_status_ready") == 0);
  T_CHECK(isnan(at(&f, 180, "node4.node_cpu_utilization")));
  T_CHECK(at(&f, 181, "node4.node_status_ready") > 0);
  T_EQ_INT(at(&f, 185, "queue-master.pod_number_of_container_restarts"), 1);
  T_EQ_INT(at(&f, 185, "rabbitmq.pod_number_of_container_restarts"), 1);

  /* I/O stress on node3 and CPU stress on node2 */
  T_CHECK(avg(&f, 201, 204, "node3.node_diskio_bytes") > 50 * avg(&b, 201, 204, "node3.node_diskio_bytes"));
  T_CHECK(avg(&f, 221, 224, "node2.node_cpu_utilization") > 95);

  /* ground truth: fis_anomaly is 1 exactly on the rows that overlap a record */
  for (size_t i = 0; i < f.rows; i++) {
    double r0 = T0 + 60.0 * (double)i, r1 = r0 + 60;
    int want = 0;
    for (size_t k = 0; k < fs->n; k++)
      if (fs->records[k].start < r1 && fs->records[k].end > r0) want = 1;
    T_CHECKF(f.lab[i].fis_anomaly == want, "row %zu: fis_anomaly %d, want %d", i, f.lab[i].fis_anomaly, want);
    T_EQ_INT(at(&f, i, "fis_anomaly"), want);
    T_EQ_INT(at(&f, i, "anomaly"), want);
    T_EQ_INT(b.lab[i].fis_anomaly, 0);
  }
  T_STREQ(f.action[31], "network-latency");
  T_STREQ(f.action[62], "cpu-stress");
  T_STREQ(b.action[31], "");
out:
  free_run(&f);
  free_run(&b);
  aw_fault_schedule_free(fs);
  aw_load_series_free(load);
}

/* User scenarios: N users, each one request per think + response time, split by the mix. */
static void test_user_rates(void) {
  aw_user_mix m = {0.6, 0.3, 3.0};
  double r[AW_EP_COUNT], tot = 0;
  aw_user_rates(&m, 100, 0.5, r);
  for (int e = 0; e < AW_EP_COUNT; e++) tot += r[e];
  T_NEAR(tot, 100 / 3.5, 1e-12);
  T_NEAR(r[AW_EP_HOME], tot * 0.6 / 2, 1e-12);                      /* visitors: home, catalogue */
  T_NEAR(r[AW_EP_CATALOGUE], tot * (0.6 / 2 + 0.4 / 4), 1e-12);     /* + every shopper once */
  T_NEAR(r[AW_EP_REGISTER], tot * 0.4 * 0.3 / 4, 1e-12);            /* new shoppers */
  T_NEAR(r[AW_EP_LOGIN], tot * 0.4 * 0.7 / 4, 1e-12);               /* returning shoppers */
  T_NEAR(r[AW_EP_ADD_TO_CART], r[AW_EP_ORDER], 1e-12);
  aw_user_rates(&m, 0, 0.5, r);
  T_NEAR(r[AW_EP_ORDER], 0, 0);
  /* metrics at 1 s: one row per load step, every value present */
  aw_load_series *load = small_load(0.25, 8);
  if (!load) return;
  aw_telemetry_params tp;
  aw_telemetry_params_default(&tp);
  tp.interval_s = 1;
  aw_error e;
  aw_telemetry *t = aw_telemetry_new(&tp, NULL, load, NULL, 8, NULL, NULL, &e);
  T_CHECK(t != NULL);
  if (t) {
    T_EQ_INT(aw_telemetry_rows(t), 900);
    double row[470];
    size_t nan = 0;
    while (aw_telemetry_next(t, row, &e) == AW_OK)
      for (int j = 0; j < 470; j++) nan += isnan(row[j]);
    T_EQ_INT(nan, 0);
  }
  aw_telemetry_free(t);
  aw_load_series_free(load);
}

/* The load labels of Algorithm 1 reach the metric rows. */
static void test_load_labels(void) {
  aw_load_params p;
  aw_load_params_default(&p);
  p.duration_s = 86400;
  p.anomaly_prob = 0.001;
  aw_load_series *load = NULL;
  aw_error e;
  T_EQ_INT(aw_load_generate(&p, 9, NULL, &load, &e), AW_OK);
  if (!load) return;
  aw_telemetry_params tp;
  aw_telemetry_params_default(&tp);
  tp.interval_s = 300;
  aw_telemetry *t = aw_telemetry_new(&tp, NULL, load, NULL, 9, NULL, NULL, &e);
  T_CHECK(t != NULL);
  double row[470];
  size_t marked = 0;
  for (size_t i = 0; t && i < aw_telemetry_rows(t); i++) {
    T_EQ_INT(aw_telemetry_next(t, row, &e), AW_OK);
    int want = 0;
    for (size_t k = i * 300; k < (i + 1) * 300; k++) want |= load->anomaly[k];
    T_EQ_INT(row[467], want);
    T_EQ_INT(row[469], want);
    marked += (size_t)want;
  }
  T_CHECK(marked > 10);
  aw_telemetry_free(t);
  aw_load_series_free(load);
}

/* DAM: ~10% anomalous, 2-5 minute faults of all six types, faults in the training part; business
 * faults only in the logs, CPU and memory contention mainly in the metrics. */
typedef struct log_count {
  double *err_lines;
  double t0;
  size_t n;
} log_count;

static aw_status count_errors(void *ud, const aw_log_line *l, aw_error *err) {
  (void)err;
  log_count *c = ud;
  double k = floor(l->time - c->t0);
  if (k >= 0 && k < (double)c->n && (strcmp(l->level, "ERROR") == 0 || strcmp(l->level, "WARN") == 0))
    c->err_lines[(size_t)k] += 1;
  return AW_OK;
}

static void test_dam(void) {
  aw_load_series *load = small_load(24, 4);
  if (!load) return;
  aw_dam_params dp;
  aw_dam_params_default(&dp);
  log_count lc = {calloc(load->n, sizeof(double)), load->time[0], load->n};
  aw_dam_result *d = NULL;
  aw_error e;
  T_EQ_INT(aw_dam_generate(&dp, load, 4, count_errors, &lc, &d, &e), AW_OK);
  if (!d) {
    free(lc.err_lines);
    aw_load_series_free(load);
    return;
  }
  size_t an = 0, in_train = 0;
  int seen[AW_DAM_FAULT_COUNT] = {0};
  for (size_t k = 0; k < d->n; k++) an += d->label[k];
  double frac = (double)an / (double)d->n;
  T_CHECKF(frac > 0.07 && frac < 0.13, "anomalous share %g", frac);
  for (size_t i = 0; i < d->n_segments; i++) {
    double len = (double)(d->segments[i].end - d->segments[i].start);
    T_CHECK(len >= 119 && len <= 301);
    seen[d->segments[i].fault] = 1;
    in_train += d->segments[i].start < d->train_end;
  }
  for (int f = 1; f < AW_DAM_FAULT_COUNT; f++) T_CHECKF(seen[f], "fault type %s present", aw_dam_fault_name((aw_dam_fault)f));
  T_CHECK(in_train >= dp.min_train_faults);
  /* per fault type: mean of each dimension and of error/warning lines relative to normal */
  double normal[AW_DAM_DIMS + 2] = {0}, during[AW_DAM_FAULT_COUNT][AW_DAM_DIMS + 2];
  size_t nn = 0, nf[AW_DAM_FAULT_COUNT] = {0};
  memset(during, 0, sizeof during);
  size_t since = 100000;
  for (size_t k = 0; k < d->n; k++) {
    since = d->fault[k] ? 0 : since + 1;
    /* normal: at least 10 minutes after the last fault (the load index decays slowly) */
    if (!d->fault[k] && since < 600) continue;
    double *acc = d->fault[k] ? during[d->fault[k]] : normal;
    for (int j = 0; j < AW_DAM_DIMS; j++) acc[j] += d->dims[j][k];
    acc[AW_DAM_DIMS] += d->log_lines[k];
    acc[AW_DAM_DIMS + 1] += lc.err_lines[k];
    if (d->fault[k]) nf[d->fault[k]]++;
    else nn++;
  }
  for (int j = 0; j < AW_DAM_DIMS + 2; j++) normal[j] /= (double)nn;
  for (int f = 1; f < AW_DAM_FAULT_COUNT; f++)
    for (int j = 0; j < AW_DAM_DIMS + 2; j++) during[f][j] /= (double)nf[f];
  /* business fault: metrics as usual (within 10%), error lines far above normal */
  for (int j = 0; j < AW_DAM_DIMS; j++)
    T_CHECKF(fabs(during[AW_DAM_BUSINESS_FAULT][j] / normal[j] - 1) < 0.1, "business fault moves %s: %g vs %g",
             aw_dam_dim_name((size_t)j), during[AW_DAM_BUSINESS_FAULT][j], normal[j]);
  T_CHECK(during[AW_DAM_BUSINESS_FAULT][AW_DAM_DIMS + 1] > 1.0 + 10 * normal[AW_DAM_DIMS + 1]);
  /* CPU contention: CPU up several fold, the log volume as usual */
  T_CHECK(during[AW_DAM_CPU_CONTENTION][0] > 3 * normal[0]);
  T_CHECK(fabs(during[AW_DAM_CPU_CONTENTION][AW_DAM_DIMS] / normal[AW_DAM_DIMS] - 1) < 0.15);
  T_CHECK(during[AW_DAM_CPU_CONTENTION][AW_DAM_DIMS + 1] < 0.1 + 2 * normal[AW_DAM_DIMS + 1]);
  /* memory contention: memory up, logs as usual */
  T_CHECK(during[AW_DAM_MEMORY_CONTENTION][1] > 1.5 * normal[1]);
  T_CHECK(fabs(during[AW_DAM_MEMORY_CONTENTION][AW_DAM_DIMS] / normal[AW_DAM_DIMS] - 1) < 0.2);
  /* deadlock: CPU and transmit down, load index up; network abort: tx/rx collapse; burst: all up */
  T_CHECK(during[AW_DAM_THREAD_DEADLOCK][0] < 0.5 * normal[0]);
  T_CHECK(during[AW_DAM_THREAD_DEADLOCK][2] > 3 * normal[2]);
  T_CHECK(during[AW_DAM_NETWORK_ABORT][3] < 0.2 * normal[3]);
  T_CHECK(during[AW_DAM_NETWORK_ABORT][4] < 0.2 * normal[4]);
  T_CHECK(during[AW_DAM_BURST_TRAFFIC][0] > 2 * normal[0]);
  T_CHECK(during[AW_DAM_BURST_TRAFFIC][AW_DAM_DIMS] > 2 * normal[AW_DAM_DIMS]);
  aw_dam_result_free(d);
  free(lc.err_lines);
  aw_load_series_free(load);
}

/* Replicas: the faulty replica moves unlike its peers during the window, and only then. */
static void test_replicas(void) {
  aw_load_series *load = small_load(2, 6);
  if (!load) return;
  for (int kind = 0; kind < AW_REPLICA_FAULT_COUNT; kind++) {
    aw_replica_params rp;
    aw_replica_params_default(&rp);
    rp.replicas = 4;
    rp.fault = kind;
    aw_replica_result *r = NULL;
    aw_error e;
    T_EQ_INT(aw_replica_generate(&rp, load, 6 + (uint64_t)kind, &r, &e), AW_OK);
    if (!r) continue;
    T_EQ_INT(r->fault, kind);
    T_CHECK(r->faulty_replica >= 0 && r->faulty_replica < 4);
    T_EQ_INT(r->fault_end - r->fault_start, 600);
    size_t m = kind == AW_REPLICA_CPU_HOG ? 0 : kind == AW_REPLICA_MEMORY_LEAK ? 1 : 4;
    /* mean over the window's second half, faulty vs the others */
    size_t a = (r->fault_start + r->fault_end) / 2, b = r->fault_end;
    double bad = 0, good = 0, bad_out = 0, good_out = 0;
    for (size_t rep = 0; rep < r->k; rep++) {
      double s = 0, so = 0;
      for (size_t i = a; i < b; i++) s += aw_replica_value(r, m, rep, i);
      for (size_t i = 0; i < 600; i++) so += aw_replica_value(r, m, rep, i);
      if ((int)rep == r->faulty_replica) bad = s, bad_out = so;
      else good += s / 3, good_out += so / 3;
    }
    T_CHECKF(bad > 1.5 * good, "%s: faulty %s %g vs peers %g", aw_replica_fault_name((aw_replica_fault)kind),
             aw_replica_metric_name(m), bad / (double)(b - a), good / (double)(b - a));
    T_CHECKF(fabs(bad_out / good_out - 1) < 0.05, "%s: before the fault %g vs %g", aw_replica_fault_name((aw_replica_fault)kind),
             bad_out, good_out);
    for (size_t i = 0; i < r->n; i++) T_EQ_INT(r->label[i], i >= r->fault_start && i < r->fault_end);
    aw_replica_result_free(r);
  }
  aw_replica_params rp;
  aw_replica_params_default(&rp);
  rp.faulty_replica = 2;
  aw_replica_result *r = NULL;
  aw_error e;
  T_EQ_INT(aw_replica_generate(&rp, load, 1, &r, &e), AW_OK);
  if (r) T_EQ_INT(r->faulty_replica, 2);
  aw_replica_result_free(r);
  rp.faulty_replica = 3;
  T_EQ_INT(aw_replica_generate(&rp, load, 1, &r, &e), AW_ERR_RANGE);
  aw_load_series_free(load);
}

static void test_config_json(void) {
  for (int p = 0; p < AW_PRESET_COUNT; p++) {
    aw_synth_config c, d;
    aw_synth_config_default(&c, (aw_synth_preset)p);
    aw_buf a = {0}, b = {0};
    T_EQ_INT(aw_synth_config_to_json(&c, &a), AW_OK);
    aw_error e;
    T_EQ_INT(aw_synth_config_from_json(a.data, a.len, &d, &e), AW_OK);
    T_EQ_INT(aw_synth_config_to_json(&d, &b), AW_OK);
    T_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    T_EQ_INT(d.preset, p);
    aw_buf_free(&a);
    aw_buf_free(&b);
  }
  /* the paper's triples, ISO start time, partial configs */
  const char *ok = "{\"preset\":\"allam-7d\",\"seed\":3,\"load\":{\"start_time\":\"2024-05-20T00:00:00Z\","
                   "\"components\":[[600,50,0.1],{\"period_s\":30,\"amplitude\":9}],\"slope_mean_range\":[0,1]}}";
  aw_synth_config c;
  aw_error e;
  T_EQ_INT(aw_synth_config_from_json(ok, strlen(ok), &c, &e), AW_OK);
  T_EQ_INT(c.seed, 3);
  T_EQ_INT(c.load.n_components, 2);
  T_NEAR(c.load.components[1].period_s, 30, 0);
  T_NEAR(c.load.components[1].sigma, 0, 0);
  T_NEAR(c.load.start_time, 1716163200, 0);
  T_NEAR(c.load.slope_max, 1, 0);
  struct {
    const char *json, *expect;
  } bad[] = {
      {"{\"load\":{\"base_loadd\":3}}", "load: unknown key \"base_loadd\""},
      {"{\"load\":{\"components\":[[600,50,0.1],[-3,1,0]]}}", "load.components[1].period_s"},
      {"{\"load\":{\"anomaly_prob\":2}}", "load.anomaly_prob"},
      {"{\"load\":{\"num_intervals\":3,\"slopes\":[1,2]}}", "load.slopes"},
      {"{\"faults\":{\"templates\":[{\"kind\":\"cpu-stress\"}]}}", "faults.templates[0]"},
      {"{\"preset\":\"nope\"}", "config.preset"},
      {"{\"version\":99}", "newer"},
      {"{\"telemetry\":{\"interval_s\":1.5}}", "telemetry.interval_s"},
      {"{\"topology\":{\"placement\":[1,2,3]}}", "topology.placement"},
      {"{\"load\":{\"duration_s\":1e12}}", "exceed"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    aw_status st = aw_synth_config_from_json(bad[i].json, strlen(bad[i].json), &c, &e);
    T_CHECKF(st != AW_OK, "accepted %s", bad[i].json);
    T_CONTAINS(e.message, bad[i].expect);
  }
  const char *syntax = "{\n  \"seed\": 1,\n  \"load\": {,}\n}";
  T_EQ_INT(aw_synth_config_from_json(syntax, strlen(syntax), &c, &e), AW_ERR_PARSE);
  T_EQ_INT(e.line, 3);
}

/* ---- whole data sets through aw_synth_write ---- */
typedef struct file_hash {
  char name[96];
  uint64_t h;
  size_t bytes;
} file_hash;
typedef struct hash_ctx {
  file_hash f[64];
  size_t n;
  aw_buf spec;
} hash_ctx;

static aw_status hash_out(void *ud, const char *file, const void *data, size_t n, aw_error *err) {
  (void)err;
  hash_ctx *c = ud;
  file_hash *f = NULL;
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->f[i].name, file) == 0) f = &c->f[i];
  if (!f) {
    if (c->n == 64) return AW_ERR_LIMIT;
    f = &c->f[c->n++];
    snprintf(f->name, sizeof f->name, "%s", file);
    f->h = FNV0;
  }
  f->h = fnv1a(f->h, data, n);
  f->bytes += n;
  if (strcmp(file, "spec.json") == 0) aw_buf_append(&c->spec, data, n);
  return AW_OK;
}

static uint64_t dataset_hash(const aw_synth_config *c, hash_ctx *hc) {
  memset(hc, 0, sizeof *hc);
  aw_error e;
  aw_status st = aw_synth_write(c, hash_out, hc, NULL, &e);
  T_CHECKF(st == AW_OK, "synth_write: %s", e.message);
  uint64_t h = FNV0;
  for (size_t i = 0; i < hc->n; i++) {
    h = fnv1a(h, hc->f[i].name, strlen(hc->f[i].name));
    h = fnv1a(h, &hc->f[i].h, sizeof hc->f[i].h);
  }
  return h;
}

static int has_file(const hash_ctx *hc, const char *name) {
  for (size_t i = 0; i < hc->n; i++)
    if (strcmp(hc->f[i].name, name) == 0) return hc->f[i].bytes > 0;
  return 0;
}

static void test_dataset_bytes(void) {
  struct {
    aw_synth_preset p;
    double hours;
    uint64_t pin;
  } cases[3] = {{AW_PRESET_ALLAM_7D, 3, PIN_ALLAM}, {AW_PRESET_DAM_SERVICE, 1, PIN_DAM}, {AW_PRESET_REPLICAS, 1, PIN_REPLICAS}};
  for (int i = 0; i < 3; i++) {
    aw_synth_config c;
    aw_synth_config_default(&c, cases[i].p);
    c.seed = 7;
    c.load.duration_s = cases[i].hours * 3600;
    c.load.anomaly_prob = cases[i].p == AW_PRESET_ALLAM_7D ? 0.001 : 0;
    c.faults.p_anomaly = 0.1;
    c.logs.sample = 0.02;
    c.dam.min_train_faults = 1;
    hash_ctx h1, h2;
    uint64_t a = dataset_hash(&c, &h1);
    uint64_t b = dataset_hash(&c, &h2);
    T_CHECK(a == b);
    printf("%s: %zu files, data set fnv1a %016" PRIx64 "\n", aw_synth_preset_name(cases[i].p), h1.n, a);
    T_CHECKF(a == cases[i].pin, "%s: hash %016" PRIx64 " != pinned %016" PRIx64, aw_synth_preset_name(cases[i].p), a,
             cases[i].pin);
    T_CHECK(has_file(&h1, "spec.json") && has_file(&h1, "load.csv") && has_file(&h1, "metrics.csv") &&
            has_file(&h1, "labels.csv"));
    if (cases[i].p == AW_PRESET_ALLAM_7D) {
      T_CHECK(has_file(&h1, "faults.csv") && has_file(&h1, "requests.csv") && has_file(&h1, "load_anomalies.csv"));
      for (size_t pod = 0; pod < AW_SOCKSHOP_PODS; pod++) {
        char nm[96];
        snprintf(nm, sizeof nm, "logs/%s.log", aw_sockshop_pod_name(pod));
        T_CHECKF(has_file(&h1, nm), "%s written", nm);
        snprintf(nm, sizeof nm, "logs/%s.log_templates.csv", aw_sockshop_pod_name(pod));
        T_CHECKF(has_file(&h1, nm), "%s written", nm);
      }
    }
    if (cases[i].p == AW_PRESET_DAM_SERVICE) T_CHECK(has_file(&h1, "logs/service.log_structured.csv"));
    /* the written spec reproduces the data set */
    aw_synth_config d;
    aw_error e;
    T_EQ_INT(aw_synth_config_from_json(h1.spec.data, h1.spec.len, &d, &e), AW_OK);
    hash_ctx h3;
    T_CHECK(dataset_hash(&d, &h3) == a);
    aw_buf_free(&h3.spec);
    /* another seed, other bytes */
    c.seed = 8;
    T_CHECK(dataset_hash(&c, &h3) != a);
    aw_buf_free(&h1.spec);
    aw_buf_free(&h2.spec);
    aw_buf_free(&h3.spec);
  }
}

/* Log lines: ground-truth templates match their lines (each <*> covers one variable part). */
typedef struct tpl_check {
  size_t lines, bad;
} tpl_check;

static int matches(const char *tpl, const char *s) {
  /* <*> matches one or more characters (greedy with backtracking) */
  if (!*tpl) return !*s;
  if (strncmp(tpl, "<*>", 3) == 0) {
    for (const char *p = s + 1; p <= s + strlen(s); p++)
      if (*s && matches(tpl + 3, p)) return 1;
    return 0;
  }
  return *s == *tpl && matches(tpl + 1, s + 1);
}

static aw_status check_line(void *ud, const aw_log_line *l, aw_error *err) {
  (void)err;
  tpl_check *c = ud;
  c->lines++;
  if (!matches(l->template_text, l->content)) {
    if (c->bad++ < 3) fprintf(stderr, "  line \"%s\" does not match \"%s\"\n", l->content, l->template_text);
  }
  T_CHECK(strncmp(l->line, l->date, strlen(l->date)) == 0);
  return AW_OK;
}

static void test_log_ground_truth(void) {
  aw_load_series *load = small_load(2, 2);
  if (!load) return;
  aw_fault_params fp;
  aw_fault_params_default(&fp);
  fp.p_anomaly = 0.3;
  aw_telemetry_params tp;
  aw_telemetry_params_default(&tp);
  aw_fault_schedule *fs = NULL;
  aw_error e;
  T_EQ_INT(aw_fault_schedule_generate(&fp, &tp.topo, load->time[0], load->time[0] + 7200, 2, &fs, &e), AW_OK);
  aw_log_params lp;
  aw_log_params_default(&lp);
  lp.sample = 0.2;
  tpl_check c = {0};
  aw_telemetry *t = aw_telemetry_new(&tp, &lp, load, fs, 2, check_line, &c, &e);
  double row[470];
  while (t && aw_telemetry_next(t, row, &e) == AW_OK) {
  }
  T_CHECK(c.lines > 5000);
  T_EQ_INT(c.bad, 0);
  aw_telemetry_free(t);
  aw_fault_schedule_free(fs);
  aw_load_series_free(load);
}

/* The table forms have the CSV's columns and values. */
static void test_tables(void) {
  aw_load_series *load = small_load(1, 1);
  if (!load) return;
  aw_table *t = NULL;
  aw_error e;
  T_EQ_INT(aw_load_series_to_table(load, &t, &e), AW_OK);
  if (t) {
    T_EQ_INT(aw_table_rows(t), 3600);
    T_EQ_INT(aw_table_cols(t), 5);
    T_NEAR(aw_table_column(t, (size_t)aw_table_find(t, "users"))[17], load->users[17], 0);
    T_NEAR(aw_table_time(t)[17], load->time[17], 0);
  }
  aw_table_free(t);
  aw_telemetry_params tp;
  aw_telemetry_params_default(&tp);
  aw_telemetry *tel = aw_telemetry_new(&tp, NULL, load, NULL, 1, NULL, NULL, &e);
  double row[470];
  T_EQ_INT(aw_telemetry_next(tel, row, &e), AW_OK);
  T_EQ_INT(aw_telemetry_to_table(tel, NULL, &t, &e), AW_OK);
  if (t) {
    T_EQ_INT(aw_table_rows(t), 59); /* the rest after the first row */
    T_EQ_INT(aw_table_cols(t), 469);
    T_CHECK(aw_table_find(t, "front-end.service_latency_p95_ms") >= 0);
    T_CHECK(aw_table_find(t, "fis_anomaly") >= 0);
  }
  aw_table_free(t);
  aw_telemetry_free(tel);
  aw_replica_params rp;
  aw_replica_params_default(&rp);
  aw_replica_result *r = NULL;
  T_EQ_INT(aw_replica_generate(&rp, load, 1, &r, &e), AW_OK);
  T_EQ_INT(aw_replica_to_table(r, &t, &e), AW_OK);
  if (t && r) {
    T_EQ_INT(aw_table_cols(t), 3 * 6 + 1);
    long j = aw_table_find(t, "replica2.latency_ms");
    T_CHECK(j >= 0);
    if (j >= 0) T_NEAR(aw_table_column(t, (size_t)j)[100], aw_replica_value(r, 4, 1, 100), 0);
  }
  aw_table_free(t);
  aw_replica_result_free(r);
  aw_load_series_free(load);
}

/* The spec input kind "synth": params are a synth config; tables land in the workspace. */
static void test_spec_input(void) {
  const char *params[3] = {"{\"preset\":\"allam-7d\",\"load\":{\"duration_s\":3600},\"faults\":{\"p_anomaly\":0.3}}",
                           "{\"preset\":\"dam-service\",\"load\":{\"duration_s\":3600},\"dam\":{\"min_train_faults\":0}}",
                           "{\"preset\":\"replicas\",\"seed\":4,\"load\":{\"duration_s\":1800}}"};
  size_t cols[3] = {469, 10, 19}, rows[3] = {60, 3600, 1800};
  for (int i = 0; i < 3; i++) {
    aw_ws *ws = aw_ws_new();
    cJSON *pj = cJSON_Parse(params[i]);
    aw_spec_input in = {"sock", "synth", NULL, NULL, -1, NULL, pj};
    cJSON *info = cJSON_CreateObject();
    aw_error e;
    T_EQ_INT(aw_input_synth_generate(ws, &in, 99, NULL, info, &e), AW_OK);
    const aw_table *t = aw_ws_get_table(ws, "sock");
    T_CHECK(t != NULL);
    if (t) {
      T_EQ_INT(aw_table_cols(t), cols[i]);
      T_EQ_INT(aw_table_rows(t), rows[i]);
    }
    T_CHECK(aw_ws_get_table(ws, "sock.load") != NULL);
    if (i == 0) T_CHECK(aw_ws_get_object(ws, "sock.faults", "aw_fault_schedule") != NULL);
    cJSON_Delete(info);
    cJSON_Delete(pj);
    aw_ws_free(ws);
  }
  /* a bad config names its key */
  aw_ws *ws = aw_ws_new();
  cJSON *pj = cJSON_Parse("{\"load\":{\"dt\":1}}");
  aw_spec_input in = {"sock", "synth", NULL, NULL, -1, NULL, pj};
  cJSON *info = cJSON_CreateObject();
  aw_error e;
  T_CHECK(aw_input_synth_generate(ws, &in, 1, NULL, info, &e) != AW_OK);
  T_CONTAINS(e.message, "unknown key \"dt\"");
  cJSON_Delete(info);
  cJSON_Delete(pj);
  aw_ws_free(ws);
}

int main(int argc, char **argv) {
  T_MAIN_INIT(argc, argv);
  T_RUN(test_fault_responses);
  T_RUN(test_load_labels);
  T_RUN(test_user_rates);
  T_RUN(test_dam);
  T_RUN(test_replicas);
  T_RUN(test_config_json);
  T_RUN(test_log_ground_truth);
  T_RUN(test_tables);
  T_RUN(test_spec_input);
  T_RUN(test_dataset_bytes);
  return t_done();
}

/* synth_dam.c - DAM's single-service scenario (Chen et al., ICWS 2022): one service sampled every
 * load step (1 s by default) in DAM's 8 dimensions - CPU, memory, load index, network transmit
 * and receive, file write and read, and logs - with DAM's six fault types: CPU contention,
 * memory contention, thread deadlock, network transmission abortion, burst traffic and business
 * faults. About anomaly_fraction of the time is under a fault of 2-5 minutes; faults also fall in
 * the training part. Business faults show only in the logs; CPU and memory contention mainly in
 * the metrics. */
#include <math.h>
#include <string.h>

#include "aw/math.h"
#include "aw/rng.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"

static const char *const dam_fault_names[AW_DAM_FAULT_COUNT] = {
    "none", "cpu_contention", "memory_contention", "thread_deadlock", "network_abort", "burst_traffic", "business_fault"};
static const char *const dam_dims[AW_DAM_DIMS] = {"cpu", "memory", "load_index", "net_tx", "net_rx", "file_write",
                                                  "file_read"};

const char *aw_dam_fault_name(aw_dam_fault f) {
  return (unsigned)f < AW_DAM_FAULT_COUNT ? dam_fault_names[f] : "unknown";
}
const char *aw_dam_dim_name(size_t d) { return d < AW_DAM_DIMS ? dam_dims[d] : NULL; }

void aw_dam_params_default(aw_dam_params *p) {
  memset(p, 0, sizeof *p);
  p->anomaly_fraction = 0.10;
  p->fault_min_s = 120;
  p->fault_max_s = 300;
  p->train_fraction = 0.5;
  p->min_train_faults = 2;
  p->requests_per_user = 0.05;
  p->log_sample = 1.0;
  p->noise_rel = 0.03;
}

void aw_dam_result_free(aw_dam_result *r) {
  if (!r) return;
  AW_FREE(r->time);
  for (int d = 0; d < AW_DAM_DIMS; d++) AW_FREE(r->dims[d]);
  AW_FREE(r->log_lines);
  AW_FREE(r->label);
  AW_FREE(r->fault);
  AW_FREE(r->segments);
  AW_FREE(r);
}

/* Counts log lines per step while passing them on. */
typedef struct dam_log_ctx {
  aw_log_fn fn;
  void *ud;
  double *count;
  double t0, dt;
  size_t n;
} dam_log_ctx;

static aw_status dam_log(void *ud, const aw_log_line *l, aw_error *err) {
  dam_log_ctx *c = ud;
  double k = floor((l->time - c->t0) / c->dt);
  if (k >= 0 && k < (double)c->n) c->count[(size_t)k] += 1;
  return c->fn ? c->fn(c->ud, l, err) : AW_OK;
}

/* Fault schedule: a renewal process with durations U(a, b) and gaps around the mean that gives
 * the target fraction; the types cycle through shuffled rounds of all six, so each appears about
 * equally. A schedule with too few faults in the training part is redrawn. */
static aw_status schedule(const aw_dam_params *p, size_t n, double dt, uint64_t seed, aw_dam_result *res,
                          aw_error *err) {
  double mean_dur = 0.5 * (p->fault_min_s + p->fault_max_s);
  double f = p->anomaly_fraction;
  size_t cap = 0;
  for (uint64_t attempt = 0; attempt < 64; attempt++) {
    res->n_segments = 0;
    if (!(f > 0)) return AW_OK;
    aw_rng r;
    aw_rng_seed_stream(&r, seed, SYN_STREAM("dam.schedule") + attempt);
    double mean_gap = mean_dur * (1 - f) / f;
    double t = aw_rng_uniform(&r) * mean_gap;
    int order[6] = {1, 2, 3, 4, 5, 6};
    size_t used = 6;
    while (1) {
      double dur = aw_rng_uniform_range(&r, p->fault_min_s, p->fault_max_s);
      size_t a = (size_t)floor(t / dt), b = (size_t)floor((t + dur) / dt);
      if (a >= n) break;
      if (b > n) b = n;
      if (used == 6) {
        for (int i = 5; i > 0; i--) {
          int j = (int)aw_rng_below(&r, (uint64_t)i + 1), tmp = order[i];
          order[i] = order[j];
          order[j] = tmp;
        }
        used = 0;
      }
      if (aw_grow((void **)&res->segments, &cap, res->n_segments + 1, sizeof *res->segments))
        return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      res->segments[res->n_segments++] = (aw_dam_segment){a, b > a ? b : a + 1, (aw_dam_fault)order[used++]};
      t += dur + mean_gap * aw_rng_uniform_range(&r, 0.5, 1.5);
    }
    size_t in_train = 0;
    for (size_t i = 0; i < res->n_segments; i++) in_train += res->segments[i].start < res->train_end;
    if (in_train >= p->min_train_faults) return AW_OK;
  }
  return aw_error_set(err, AW_ERR_RANGE, "dam: could not place %zu faults in the training part (series too short?)",
                      p->min_train_faults);
}

aw_status aw_dam_generate(const aw_dam_params *p, const aw_load_series *load, uint64_t seed, aw_log_fn logs,
                          void *log_ud, aw_dam_result **out, aw_error *err) {
  if (!p || !load || !out || load->n == 0) return aw_error_set(err, AW_ERR_ARG, "dam needs parameters and a load");
  *out = NULL;
  if (!(p->fault_min_s > 0) || p->fault_max_s < p->fault_min_s)
    return aw_error_set(err, AW_ERR_RANGE, "dam.fault_duration_range_s: must be 0 < min <= max");
  if (!(p->anomaly_fraction >= 0 && p->anomaly_fraction <= 0.5))
    return aw_error_set(err, AW_ERR_RANGE, "dam.anomaly_fraction: must be in [0, 0.5]");
  const size_t n = load->n;
  const double dt = load->dt_s;
  aw_dam_result *res = AW_CALLOC(1, sizeof *res);
  if (!res) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  res->n = n;
  res->time = aw_alloc_array(n, sizeof(double));
  for (int d = 0; d < AW_DAM_DIMS; d++) res->dims[d] = aw_alloc_array(n, sizeof(double));
  res->log_lines = aw_calloc_array(n, sizeof(double));
  res->label = aw_calloc_array(n, 1);
  res->fault = aw_calloc_array(n, 1);
  int ok = res->time && res->log_lines && res->label && res->fault;
  for (int d = 0; d < AW_DAM_DIMS; d++) ok = ok && res->dims[d];
  if (!ok) {
    aw_dam_result_free(res);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory for %zu steps", n);
  }
  res->train_end = (size_t)floor(p->train_fraction * (double)n);
  aw_status st = schedule(p, n, dt, seed, res, err);
  if (st) {
    aw_dam_result_free(res);
    return st;
  }
  double burst[1024];
  aw_rng r;
  aw_rng_seed_stream(&r, seed, SYN_STREAM("dam.burst"));
  for (size_t i = 0; i < res->n_segments; i++) {
    for (size_t k = res->segments[i].start; k < res->segments[i].end; k++) {
      res->label[k] = 1;
      res->fault[k] = (uint8_t)res->segments[i].fault;
    }
    if (i < 1024) burst[i] = aw_rng_uniform_range(&r, 2.5, 4.0);
  }
  dam_log_ctx lc = {logs, log_ud, res->log_lines, load->time[0], dt, n};
  syn_logger *lg = syn_logger_new(SYN_LOG_DAM, p->log_sample, 0.5, seed, dam_log, &lc);
  if (!lg) {
    aw_dam_result_free(res);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  aw_rng_seed_stream(&r, seed, SYN_STREAM("dam.noise"));
  double load_idx = 0.5, mem_extra = 0, blocked = 0;
  size_t seg = 0;
  const double tau = 60.0; /* load average time constant */
  syn_log_state s;
  memset(&s, 0, sizeof s);
  s.instance = "order-service-7d9f8b6c5-x2x9k";
  s.node = "node1";
  st = syn_logger_event(lg, &(syn_log_state){.t = load->time[0], .instance = s.instance, .node = s.node, .volume = 1},
                        SYN_LT_START, err);
  for (size_t k = 0; k < n && !st; k++) {
    while (seg < res->n_segments && res->segments[seg].end <= k) seg++;
    aw_dam_fault f = (seg < res->n_segments && res->segments[seg].start <= k) ? res->segments[seg].fault : AW_DAM_NONE;
    double users = load->users[k] > 0 ? load->users[k] : 0;
    double lam = users * p->requests_per_user;
    if (f == AW_DAM_BURST_TRAFFIC) lam *= seg < 1024 ? burst[seg] : 3;
    double cpu = 5 + 1.2 * lam, lat_ms = 40, done = lam, fail = 0, rx = 200 + 1200 * lam, tx = 200 + 4000 * lam;
    double fw = 2000 + 300 * lam, fr = 500 + 100 * lam;
    double mem_target = 0;
    switch (f) {
      case AW_DAM_CPU_CONTENTION:
        cpu += 55;
        lat_ms *= 2.5;
        break;
      case AW_DAM_MEMORY_CONTENTION:
        mem_target = 900;
        cpu += 8;
        lat_ms *= 1.3;
        break;
      case AW_DAM_THREAD_DEADLOCK:
        done = 0.15 * lam;
        cpu = 2 + 0.2 * cpu;
        tx = 200 + 4000 * done;
        fw = 2000 + 300 * done;
        blocked = blocked + lam * dt * 0.85 > 200 ? 200 : blocked + lam * dt * 0.85;
        lat_ms = 5000;
        break;
      case AW_DAM_NETWORK_ABORT:
        rx *= 0.05;
        tx *= 0.05;
        cpu *= 0.6;
        fail = 0.8 * lam;
        done = 0.2 * lam;
        break;
      default: break;
    }
    if (f != AW_DAM_THREAD_DEADLOCK) blocked *= 0.8; /* threads released after the deadlock */
    mem_extra += (mem_target - mem_extra) * (mem_target > mem_extra ? 1 - aw_exp(-dt / 30.0) : 1 - aw_exp(-dt / 10.0));
    double mem = 512 + 3 * lam + 40 * (fmod(load->time[k] - load->time[0], 300.0) / 300.0) + mem_extra;
    double active = done * lat_ms / 1000.0 + cpu / 100.0 * 2 + blocked;
    load_idx += (active - load_idx) * (1 - aw_exp(-dt / tau));
    double v[AW_DAM_DIMS] = {cpu, mem, load_idx, tx, rx, fw, fr};
    res->time[k] = load->time[k];
    for (int d = 0; d < AW_DAM_DIMS; d++) {
      double x = v[d] * (1 + p->noise_rel * aw_rng_normal(&r));
      res->dims[d][k] = x > 0 ? x : 0;
    }
    /* logs: requests (the service logs each one it completes), errors, fault lines */
    s.t = load->time[k];
    memset(s.ep_rate, 0, sizeof s.ep_rate);
    s.ep_rate[0] = done;
    s.fail_rate = fail;
    s.mean_ms = lat_ms;
    s.slow_rate = lat_ms >= 1000 ? 0.1 * done : done * aw_exp(-1000.0 / lat_ms);
    s.volume = 1;
    s.fault_mask = f ? 1u << f : 0;
    st = syn_logger_second(lg, &s, err);
  }
  syn_logger_free(lg);
  if (st) {
    aw_dam_result_free(res);
    return st;
  }
  *out = res;
  return AW_OK;
}

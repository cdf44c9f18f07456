/* synth_sim.c - the telemetry simulator: Sock Shop under the load of Eq. 1 and the faults of
 * Algorithm 2, simulated second by second and sampled every interval into the shape of the
 * paper's Table 3 (node x 5, pod x 14, service x 10 metrics + three ground-truth columns).
 *
 * The model (choices documented in docs/synth.md):
 *  - closed-loop users (Locust): each user sends one request every think_time + response time, so
 *    a slower system gets fewer requests (a latency fault lowers the request rate, as Fig. 5);
 *  - each endpoint is a call tree over pods; a pod's latency is its service time / (1 - rho), rho
 *    the CPU saturation of the pod or its node (the previous second's), plus injected delay and
 *    TCP retransmission delay under packet loss; quantiles from a shifted exponential law;
 *  - CPU and memory follow the pod's request rate (per-request costs), JVM pods warm up after a
 *    start and saw-tooth with garbage collection; stressors add CPU / memory / disk demand;
 *  - packet loss fails some requests, raises p95 and ends in a container restart; a deleted pod
 *    is down for recreate_s and comes back under a new name on another node; a rebooted node is
 *    gone for reboot_s and its containers restart (Fig. 6).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/math.h"
#include "aw/rng.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"

#define NODE_M 12
#define POD_M 19
#define SVC_M 14
#define MAX_ACTIVE 256
#define LOSS_PACKETS 4.0 /* round trips per request that can lose a segment */

static const char *const node_metric[NODE_M] = {
    "node_cpu_utilization",     "node_cpu_usage_total",  "node_cpu_reserved_capacity", "node_memory_utilization",
    "node_memory_working_set",  "node_memory_reserved_capacity", "node_network_rx_bytes", "node_network_tx_bytes",
    "node_filesystem_utilization", "node_diskio_bytes",  "node_number_of_running_pods", "node_status_ready"};
static const char *const pod_metric[POD_M] = {
    "pod_cpu_utilization", "pod_cpu_utilization_over_pod_limit", "pod_cpu_usage_total", "pod_cpu_reserved_capacity",
    "pod_cpu_throttled", "pod_memory_utilization", "pod_memory_utilization_over_pod_limit", "pod_memory_working_set",
    "pod_memory_reserved_capacity", "pod_network_rx_bytes", "pod_network_tx_bytes", "pod_network_rx_dropped",
    "pod_network_tx_dropped", "pod_diskio_read_bytes", "pod_diskio_write_bytes", "pod_number_of_container_restarts",
    "pod_number_of_running_containers", "pod_status_running", "pod_node"};
static const char *const svc_metric[SVC_M] = {
    "service_request_rate",   "service_failure_rate",   "service_error_ratio",    "service_latency_mean_ms",
    "service_latency_p50_ms", "service_latency_p90_ms", "service_latency_p95_ms", "service_latency_p99_ms",
    "service_latency_max_ms", "service_rx_bytes",       "service_tx_bytes",       "service_number_of_running_pods",
    "service_apdex",          "service_inflight_requests"};

void aw_telemetry_params_default(aw_telemetry_params *p) {
  memset(p, 0, sizeof *p);
  p->interval_s = 60;
  p->noise_rel = 0.02;
  p->digits = 6;
  p->mix.visitor_fraction = 0.6;
  p->mix.new_fraction = 0.3;
  p->mix.think_time_s = 3;
  aw_topology_params_default(&p->topo);
  p->recreate_s = 30;
  p->restart_s = 12;
  p->reboot_s = 90;
  p->p_restart_node_loss = 0.3;
  p->rto_ms = 200;
}

typedef struct pod_acc {
  double cpu, cpu_thr, mem, rx, tx, rxd, txd, dr, dw;
  size_t up; /* seconds up */
  /* service side (requests through the pod) */
  double req, fail, wF, wE, w, q50, q90, q95, q99, qmax, apdex, inflight;
} pod_acc;

typedef struct node_acc {
  double cpu, mem, rx, tx, disk, fs, pods, reserved_cpu, reserved_mem;
  size_t up;
} node_acc;

struct aw_telemetry {
  aw_telemetry_params p;
  aw_log_params lp;
  const aw_load_series *load;
  const aw_fault_schedule *faults;
  size_t n_nodes, ncols, rows, row, K;
  char **names;
  aw_rng rn, rev, rc;
  /* cluster state */
  int pod_node[AW_SOCKSHOP_PODS];
  double pod_down_until[AW_SOCKSHOP_PODS], pod_started[AW_SOCKSHOP_PODS];
  int pod_was_down[AW_SOCKSHOP_PODS];
  int pod_restarts[AW_SOCKSHOP_PODS];
  char pod_hash[AW_SOCKSHOP_PODS][12], pod_suffix[AW_SOCKSHOP_PODS][6], instance[AW_SOCKSHOP_PODS][40];
  double node_down_until[AW_SYNTH_MAX_NODES];
  char node_name[AW_SYNTH_MAX_NODES][24];
  double rho_pod[AW_SOCKSHOP_PODS], rho_node[AW_SYNTH_MAX_NODES], resp_prev;
  /* faults */
  size_t next_fault, n_active;
  size_t active[MAX_ACTIVE];
  double active_end[MAX_ACTIVE];
  /* endpoint call counts per pod */
  double calls[AW_EP_COUNT][AW_SOCKSHOP_PODS];
  size_t seg; /* next load segment to consider for labels */
  /* accumulators of the current interval */
  pod_acc pa[AW_SOCKSHOP_PODS];
  node_acc na[AW_SYNTH_MAX_NODES];
  double ep_acc[AW_EP_COUNT], ep_rates[AW_EP_COUNT];
  aw_row_labels labels;
  char label_action[AW_SYNTH_NAME_MAX], label_target[96];
  syn_logger *lg[AW_SOCKSHOP_PODS];
  double t_first;
};

size_t aw_telemetry_cols(const aw_telemetry *t) { return t ? t->ncols : 0; }
const char *aw_telemetry_col_name(const aw_telemetry *t, size_t j) { return t && j < t->ncols ? t->names[j] : NULL; }
size_t aw_telemetry_rows(const aw_telemetry *t) { return t ? t->rows : 0; }
const double *aw_telemetry_endpoint_rates(const aw_telemetry *t) { return t ? t->ep_rates : NULL; }

void aw_telemetry_row_labels(const aw_telemetry *t, aw_row_labels *out) {
  if (t && out) *out = t->labels;
}

void aw_telemetry_free(aw_telemetry *t) {
  if (!t) return;
  if (t->names)
    for (size_t j = 0; j < t->ncols; j++) AW_FREE(t->names[j]);
  AW_FREE(t->names);
  for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++) syn_logger_free(t->lg[i]);
  AW_FREE(t);
}

static char *dup_name(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *s = AW_MALLOC(n);
  if (s) snprintf(s, n, "%s%s%s", a, *b ? "." : "", b);
  return s;
}

static void set_instance(aw_telemetry *t, size_t p) {
  char h[12], s[6];
  memcpy(h, t->pod_hash[p], sizeof h);
  memcpy(s, t->pod_suffix[p], sizeof s);
  h[11] = s[5] = '\0';
  snprintf(t->instance[p], sizeof t->instance[p], "%s-%s-%s", syn_pods[p].name, h, s);
}

aw_telemetry *aw_telemetry_new(const aw_telemetry_params *p, const aw_log_params *lp, const aw_load_series *load,
                               const aw_fault_schedule *faults, uint64_t seed, aw_log_fn logs, void *log_ud,
                               aw_error *err) {
  if (!p || !load || load->n == 0) {
    aw_error_set(err, AW_ERR_ARG, "telemetry needs parameters and a load series");
    return NULL;
  }
  double q = p->interval_s / load->dt_s;
  if (!(q >= 1) || fabs(q - round(q)) > 1e-9 || q > 1e7) {
    aw_error_set(err, AW_ERR_RANGE, "telemetry.interval_s (%g) must be a multiple of the load's time step (%g)",
                 p->interval_s, load->dt_s);
    return NULL;
  }
  if (p->topo.n_nodes < 2 || p->topo.n_nodes > AW_SYNTH_MAX_NODES) {
    aw_error_set(err, AW_ERR_RANGE, "topology.nodes must be in [2, %d]", AW_SYNTH_MAX_NODES);
    return NULL;
  }
  for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++)
    if (p->topo.placement[i] < 0 || (size_t)p->topo.placement[i] >= p->topo.n_nodes) {
      aw_error_set(err, AW_ERR_RANGE, "topology.placement[%zu]: no node %d", i, p->topo.placement[i] + 1);
      return NULL;
    }
  aw_telemetry *t = AW_CALLOC(1, sizeof *t);
  if (!t) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  t->p = *p;
  if (lp) t->lp = *lp;
  else aw_log_params_default(&t->lp);
  t->load = load;
  t->faults = faults;
  t->n_nodes = p->topo.n_nodes;
  t->K = (size_t)round(q);
  t->rows = (load->n + t->K - 1) / t->K;
  t->ncols = 1 + t->n_nodes * NODE_M + AW_SOCKSHOP_PODS * POD_M + AW_SOCKSHOP_SERVICES * SVC_M + 3;
  t->names = AW_CALLOC(t->ncols, sizeof *t->names);
  if (!t->names) goto nomem;
  size_t j = 0;
  t->names[j++] = dup_name("timestamp", "");
  for (size_t n = 0; n < t->n_nodes; n++) {
    snprintf(t->node_name[n], sizeof t->node_name[n], "node%u", (unsigned)(n + 1));
    for (size_t m = 0; m < NODE_M; m++) t->names[j++] = dup_name(t->node_name[n], node_metric[m]);
  }
  for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++)
    for (size_t m = 0; m < POD_M; m++) t->names[j++] = dup_name(syn_pods[i].name, pod_metric[m]);
  for (size_t s = 0; s < AW_SOCKSHOP_SERVICES; s++)
    for (size_t m = 0; m < SVC_M; m++) t->names[j++] = dup_name(syn_pods[syn_service_pod[s]].name, svc_metric[m]);
  t->names[j++] = dup_name("load_anomaly", "");
  t->names[j++] = dup_name("fis_anomaly", "");
  t->names[j++] = dup_name("anomaly", "");
  for (size_t i = 0; i < t->ncols; i++)
    if (!t->names[i]) goto nomem;

  aw_rng_seed_stream(&t->rn, seed, SYN_STREAM("telemetry.noise"));
  aw_rng_seed_stream(&t->rev, seed, SYN_STREAM("telemetry.events"));
  aw_rng_seed_stream(&t->rc, seed, SYN_STREAM("telemetry.counts"));
  /* the same instance names as the fault schedule (same stream) */
  aw_rng names;
  aw_rng_seed_stream(&names, seed, SYN_STREAM("topology.names"));
  for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++) {
    syn_pod_hash(&names, t->pod_hash[i]);
    syn_pod_suffix(&names, t->pod_suffix[i]);
    set_instance(t, i);
    t->pod_node[i] = p->topo.placement[i];
    t->pod_down_until[i] = -INFINITY;
    t->pod_started[i] = load->time[0] - 86400; /* warm at the start */
  }
  for (size_t n = 0; n < t->n_nodes; n++) t->node_down_until[n] = -INFINITY;
  for (int e = 0; e < AW_EP_COUNT; e++)
    for (size_t c = 0; c < syn_endpoints[e].n; c++) t->calls[e][syn_endpoints[e].calls[c].pod] += 1;
  t->resp_prev = 0.05;
  t->t_first = load->time[0];
  if (logs && t->lp.enabled) {
    for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++) {
      t->lg[i] = syn_logger_new(i, t->lp.sample, t->lp.background_per_min, seed, logs, log_ud);
      if (!t->lg[i]) goto nomem;
    }
  }
  return t;
nomem:
  aw_telemetry_free(t);
  aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  return NULL;
}

/* Effective end of a record: its end, or start + configured duration for open records. */
static double eff_end(const aw_fault_record *r) {
  if (isfinite(r->end)) return r->end;
  double d = isfinite(r->duration_s) ? r->duration_s : 300;
  return r->start + d + 1;
}

static aw_status log_event(aw_telemetry *t, size_t p, double when, int trig, aw_error *err) {
  if (!t->lg[p]) return AW_OK;
  syn_log_state s;
  memset(&s, 0, sizeof s);
  s.t = when;
  s.instance = t->instance[p];
  s.node = t->node_name[t->pod_node[p]];
  s.volume = 1;
  return syn_logger_event(t->lg[p], &s, trig, err);
}

static aw_status restart_pod(aw_telemetry *t, size_t p, double when, double down_s, aw_error *err) {
  aw_status st = log_event(t, p, when, SYN_LT_STOP, err);
  double until = when + down_s;
  if (until > t->pod_down_until[p]) t->pod_down_until[p] = until;
  t->pod_restarts[p]++;
  t->pod_was_down[p] = 1;
  return st;
}

/* Fault start events (deletion, reboot). */
static aw_status fault_begins(aw_telemetry *t, const aw_fault_record *r, aw_error *err) {
  aw_status st = AW_OK;
  if (r->kind == AW_FAULT_POD_DELETE && r->pod >= 0) {
    size_t p = (size_t)r->pod;
    st = log_event(t, p, r->start, SYN_LT_STOP, err);
    t->pod_down_until[p] = r->start + t->p.recreate_s;
    t->pod_was_down[p] = 1;
    int nn = r->new_node >= 0 && (size_t)r->new_node < t->n_nodes ? r->new_node
                                                                    : (int)((size_t)(t->pod_node[p] + 1) % t->n_nodes);
    t->pod_node[p] = nn;
    t->pod_restarts[p] = 0; /* a new pod */
    syn_pod_suffix(&t->rev, t->pod_suffix[p]);
    set_instance(t, p);
  } else if (r->kind == AW_FAULT_NODE_REBOOT && r->node >= 0 && (size_t)r->node < t->n_nodes) {
    size_t n = (size_t)r->node;
    t->node_down_until[n] = r->start + t->p.reboot_s;
    for (size_t p = 0; p < AW_SOCKSHOP_PODS && !st; p++)
      if ((size_t)t->pod_node[p] == n) st = restart_pod(t, p, r->start, t->p.reboot_s + t->p.restart_s, err);
  }
  return st;
}

/* Fault end events: packet loss ends in a container restart (the liveness probe failed). */
static aw_status fault_ends(aw_telemetry *t, const aw_fault_record *r, double when, aw_error *err) {
  if (r->kind != AW_FAULT_PACKET_LOSS) return AW_OK;
  if (r->target_type == AW_TARGET_POD && r->pod >= 0) return restart_pod(t, (size_t)r->pod, when, t->p.restart_s, err);
  aw_status st = AW_OK;
  if (r->target_type == AW_TARGET_NODE && r->node >= 0)
    for (size_t p = 0; p < AW_SOCKSHOP_PODS && !st; p++)
      if (t->pod_node[p] == r->node && aw_rng_uniform(&t->rev) < t->p.p_restart_node_loss)
        st = restart_pod(t, p, when, t->p.restart_s, err);
  return st;
}

static aw_status update_faults(aw_telemetry *t, double now, double dt, aw_error *err) {
  aw_status st = AW_OK;
  /* end the faults that are over */
  for (size_t i = 0; i < t->n_active && !st;) {
    if (t->active_end[i] <= now) {
      st = fault_ends(t, &t->faults->records[t->active[i]], t->active_end[i], err);
      t->active[i] = t->active[t->n_active - 1];
      t->active_end[i] = t->active_end[t->n_active - 1];
      t->n_active--;
    } else {
      i++;
    }
  }
  /* start those that begin before the end of this second */
  while (!st && t->faults && t->next_fault < t->faults->n && t->faults->records[t->next_fault].start < now + dt) {
    const aw_fault_record *r = &t->faults->records[t->next_fault];
    st = fault_begins(t, r, err);
    double e = eff_end(r);
    if (!st && e > now && t->n_active < MAX_ACTIVE) {
      t->active[t->n_active] = t->next_fault;
      t->active_end[t->n_active] = e;
      t->n_active++;
    } else if (!st && e <= now) {
      st = fault_ends(t, r, e, err);
    }
    t->next_fault++;
  }
  return st;
}

typedef struct fx {
  double cpu_m, mem_mib, delay_ms, loss, io_bps, slow;
  unsigned mask;
} fx;

static double ramp(double now, double start, double tau) {
  double a = (now - start) / tau;
  return a <= 0 ? 0.05 : (a >= 1 ? 1 : a);
}

/* One simulated second at load step k. */
static aw_status simulate_second(aw_telemetry *t, size_t k, aw_error *err) {
  const double now = t->load->time[k], dt = t->load->dt_s, users = t->load->users[k];
  aw_status st = update_faults(t, now, dt, err);
  if (st) return st;
  const aw_telemetry_params *P = &t->p;
  fx pf[AW_SOCKSHOP_PODS], nf[AW_SYNTH_MAX_NODES];
  memset(pf, 0, sizeof pf);
  memset(nf, 0, sizeof nf);
  for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++) pf[i].slow = 1;
  for (size_t n = 0; n < t->n_nodes; n++) nf[n].slow = 1;
  double node_mem_used[AW_SYNTH_MAX_NODES] = {0};
  for (size_t a = 0; a < t->n_active; a++) {
    const aw_fault_record *r = &t->faults->records[t->active[a]];
    double x = isfinite(r->intensity) ? r->intensity : 0;
    fx *f = NULL;
    double lim_cpu = 0, lim_mem = 0, base_mem = 0;
    if (r->target_type == AW_TARGET_POD && r->pod >= 0) {
      f = &pf[r->pod];
      lim_cpu = syn_pods[r->pod].cpu_limit_m;
      lim_mem = syn_pods[r->pod].mem_limit_mib;
      base_mem = syn_pods[r->pod].base_mem_mib;
    } else if (r->target_type == AW_TARGET_NODE && r->node >= 0 && (size_t)r->node < t->n_nodes) {
      f = &nf[r->node];
      lim_cpu = P->topo.node_cpu_m;
      lim_mem = P->topo.node_mem_mib * 0.55; /* what a node stressor can take beside the pods */
      base_mem = 0;
    }
    if (!f) continue;
    f->mask |= 1u << r->kind;
    double rp = ramp(now, r->start, 20);
    switch (r->kind) {
      case AW_FAULT_CPU_STRESS: f->cpu_m += x / 100 * lim_cpu; break;
      case AW_FAULT_MEMORY_STRESS:
        f->mem_mib += x / 100 * (lim_mem - base_mem) * 0.9 * rp;
        f->cpu_m += 0.25 * lim_cpu * rp; /* the stressor's workers */
        f->slow *= 1 + 0.3 * x / 100 * rp;
        break;
      case AW_FAULT_NETWORK_LATENCY: f->delay_ms += x; break;
      case AW_FAULT_PACKET_LOSS: f->loss = f->loss > x / 100 ? f->loss : x / 100; break;
      case AW_FAULT_IO_STRESS:
        f->io_bps += x / 100 * 120e6;
        f->cpu_m += 0.1 * lim_cpu;
        f->slow *= 1 + 0.5 * x / 100;
        break;
      default: break;
    }
  }
  /* up status; containers coming back log their start-up */
  int node_up[AW_SYNTH_MAX_NODES], pod_up[AW_SOCKSHOP_PODS];
  for (size_t n = 0; n < t->n_nodes; n++) node_up[n] = now >= t->node_down_until[n];
  for (size_t p = 0; p < AW_SOCKSHOP_PODS && !st; p++) {
    pod_up[p] = now >= t->pod_down_until[p] && node_up[t->pod_node[p]];
    if (pod_up[p] && t->pod_was_down[p]) {
      t->pod_was_down[p] = 0;
      t->pod_started[p] = now;
      st = log_event(t, p, now, SYN_LT_START, err);
    }
  }
  if (st) return st;
  /* per-pod latency parts (ms), failure probability */
  double own_F[AW_SOCKSHOP_PODS], own_E[AW_SOCKSHOP_PODS], own_fail[AW_SOCKSHOP_PODS], loss_p[AW_SOCKSHOP_PODS];
  for (size_t p = 0; p < AW_SOCKSHOP_PODS; p++) {
    const syn_pod_spec *sp = &syn_pods[p];
    int n = t->pod_node[p];
    if (!pod_up[p]) {
      own_F[p] = 1;
      own_E[p] = 0.5;
      own_fail[p] = 1;
      loss_p[p] = 0;
      continue;
    }
    double rho = t->rho_pod[p] > t->rho_node[n] ? t->rho_pod[p] : t->rho_node[n];
    if (rho > 0.95) rho = 0.95;
    double slow = pf[p].slow * nf[n].slow;
    /* disk contention slows databases on a node under I/O stress */
    if (sp->is_db && (nf[n].mask & (1u << AW_FAULT_IO_STRESS))) slow *= 2.0;
    double loss = pf[p].loss > nf[n].loss ? pf[p].loss : nf[n].loss;
    loss_p[p] = loss;
    own_F[p] = pf[p].delay_ms + nf[n].delay_ms + 0.3; /* network round trip */
    own_E[p] = sp->service_ms * slow / (1 - rho);
    if (loss > 0) own_E[p] += P->rto_ms * LOSS_PACKETS * loss / (1 - loss);
    double f = 0;
    if (loss > 0) {
      double l4 = loss * loss * loss * loss; /* a segment lost 4 times: the request times out */
      f = 1 - aw_pow(1 - l4, LOSS_PACKETS);
    }
    if (rho >= 0.95) f += 0.02; /* saturation: some requests time out */
    own_fail[p] = f > 1 ? 1 : f;
  }
  /* endpoints: call-tree latencies and success, closed-loop rates */
  double rates[AW_EP_COUNT];
  aw_user_rates(&P->mix, users, t->resp_prev, rates);
  double lam[AW_SOCKSHOP_PODS] = {0}, wF[AW_SOCKSHOP_PODS] = {0}, wE[AW_SOCKSHOP_PODS] = {0};
  double fthru[AW_SOCKSHOP_PODS] = {0}, eprate[AW_SOCKSHOP_PODS][AW_EP_COUNT];
  memset(eprate, 0, sizeof eprate);
  double resp_num = 0, resp_den = 0;
  for (int e = 0; e < AW_EP_COUNT; e++) {
    const syn_endpoint_tree *tr = &syn_endpoints[e];
    double sF[SYN_MAX_CALLS] = {0}, sE[SYN_MAX_CALLS] = {0}, ok[SYN_MAX_CALLS] = {0};
    for (size_t c = tr->n; c-- > 0;) {
      int p = tr->calls[c].pod;
      sF[c] = own_F[p];
      sE[c] = own_E[p];
      ok[c] = 1 - own_fail[p];
      for (size_t d = c + 1; d < tr->n; d++)
        if (tr->calls[d].parent == (int)c && tr->calls[d].sync && pod_up[p]) {
          sF[c] += sF[d];
          sE[c] += sE[d];
          ok[c] *= ok[d];
        }
    }
    resp_num += rates[e] * (sF[0] + sE[0]);
    resp_den += rates[e];
    for (size_t c = 0; c < tr->n; c++) {
      int p = tr->calls[c].pod;
      lam[p] += rates[e];
      wF[p] += rates[e] * sF[c];
      wE[p] += rates[e] * sE[c];
      fthru[p] += rates[e] * (1 - ok[c]);
      eprate[p][e] += rates[e];
    }
    t->ep_acc[e] += rates[e];
  }
  t->resp_prev = resp_den > 0 ? resp_num / resp_den / 1000.0 : 0.05;

  /* resources */
  double use_cpu[AW_SOCKSHOP_PODS], dem_cpu[AW_SOCKSHOP_PODS], mem[AW_SOCKSHOP_PODS];
  double node_dem[AW_SYNTH_MAX_NODES] = {0};
  for (size_t p = 0; p < AW_SOCKSHOP_PODS; p++) {
    const syn_pod_spec *sp = &syn_pods[p];
    if (!pod_up[p]) {
      use_cpu[p] = dem_cpu[p] = mem[p] = 0;
      t->rho_pod[p] = 0;
      continue;
    }
    double age = now - t->pod_started[p];
    double warm = (sp->jvm ? 0.6 * aw_exp(-age / 45.0) : 0.2 * aw_exp(-age / 10.0)) * sp->cpu_limit_m;
    double d = sp->base_cpu_m + sp->cpu_per_req_m * lam[p] + warm + pf[p].cpu_m;
    dem_cpu[p] = d;
    use_cpu[p] = d < sp->cpu_limit_m ? d : sp->cpu_limit_m;
    t->rho_pod[p] = d / sp->cpu_limit_m;
    double m = sp->base_mem_mib + sp->mem_per_req_mib * lam[p] + pf[p].mem_mib;
    if (sp->jvm) {
      double gc = 600.0 / (1 + lam[p] / 5.0);
      m += 0.2 * sp->base_mem_mib * (fmod(age > 0 ? age : 0, gc) / gc);
    }
    if (m > sp->mem_limit_mib * 0.98) m = sp->mem_limit_mib * 0.98;
    mem[p] = m;
    node_dem[t->pod_node[p]] += use_cpu[p];
    node_mem_used[t->pod_node[p]] += m;
  }
  for (size_t n = 0; n < t->n_nodes; n++) {
    if (!node_up[n]) {
      t->rho_node[n] = 0;
      continue;
    }
    node_dem[n] += 150 + nf[n].cpu_m; /* kubelet, kube-proxy, the CloudWatch agent */
    t->rho_node[n] = node_dem[n] / P->topo.node_cpu_m;
  }
  /* pods get less than they use when their node is saturated */
  for (size_t p = 0; p < AW_SOCKSHOP_PODS; p++) {
    int n = t->pod_node[p];
    if (pod_up[p] && node_dem[n] > P->topo.node_cpu_m) use_cpu[p] *= P->topo.node_cpu_m / node_dem[n];
  }

  /* accumulate pods and the service side */
  for (size_t p = 0; p < AW_SOCKSHOP_PODS; p++) {
    const syn_pod_spec *sp = &syn_pods[p];
    pod_acc *a = &t->pa[p];
    double l = lam[p];
    if (pod_up[p]) {
      a->up++;
      a->cpu += use_cpu[p];
      a->cpu_thr += dem_cpu[p] > sp->cpu_limit_m ? 1 - sp->cpu_limit_m / dem_cpu[p] : 0;
      a->mem += mem[p];
      double rx = l * sp->rx_bytes, tx = l * sp->tx_bytes * (1 - 0.5 * own_fail[p]);
      a->rx += rx;
      a->tx += tx;
      a->rxd += loss_p[p] * rx / 1400.0;
      a->txd += loss_p[p] * tx / 1400.0;
      double io = pf[p].io_bps;
      a->dr += l * sp->disk_read_bytes + 0.3 * io;
      a->dw += l * sp->disk_write_bytes + 0.7 * io;
    }
    a->req += l * dt;
    a->fail += fthru[p] * dt;
    if (l > 0) {
      double F = wF[p] / l, E = wE[p] / l;
      a->w += l;
      a->wF += l * F;
      a->wE += l * E;
      a->q50 += l * (F + E * 0.6931471805599453);
      a->q90 += l * (F + E * 2.302585092994046);
      a->q95 += l * (F + E * 2.995732273553991);
      a->q99 += l * (F + E * 4.605170185988092);
      double pT = 100 <= F ? 0 : 1 - aw_exp(-(100 - F) / E), p4T = 400 <= F ? 0 : 1 - aw_exp(-(400 - F) / E);
      a->apdex += l * (pT + 0.5 * (p4T - pT));
      a->inflight += l * (F + E) / 1000.0;
      double mx = F + E * (aw_log(l * dt * (double)t->K + 1) + 0.5772156649);
      if (mx > a->qmax) a->qmax = mx;
    }
  }
  /* nodes */
  double fs_days = (now - t->t_first) / 86400.0;
  for (size_t n = 0; n < t->n_nodes; n++) {
    node_acc *a = &t->na[n];
    if (!node_up[n]) continue;
    a->up++;
    double cpu = node_dem[n] < P->topo.node_cpu_m ? node_dem[n] : P->topo.node_cpu_m;
    double m = 900 + node_mem_used[n] + nf[n].mem_mib;
    if (m > P->topo.node_mem_mib * 0.99) m = P->topo.node_mem_mib * 0.99;
    double rx = 2000, tx = 2000, disk = 50e3 + nf[n].io_bps, pods = 0, rc = 0, rm = 0;
    for (size_t p = 0; p < AW_SOCKSHOP_PODS; p++) {
      if ((size_t)t->pod_node[p] != n || !pod_up[p]) continue;
      rx += lam[p] * syn_pods[p].rx_bytes;
      tx += lam[p] * syn_pods[p].tx_bytes;
      disk += lam[p] * (syn_pods[p].disk_read_bytes + syn_pods[p].disk_write_bytes) + pf[p].io_bps;
      pods += 1;
      rc += syn_pods[p].cpu_request_m;
      rm += syn_pods[p].mem_request_mib;
    }
    a->cpu += cpu;
    a->mem += m;
    a->rx += rx;
    a->tx += tx;
    a->disk += disk;
    double fsu = 35 + 1.5 * fs_days + ((nf[n].mask & (1u << AW_FAULT_IO_STRESS)) ? 8 : 0);
    a->fs += fsu > 95 ? 95 : fsu;
    a->pods += pods;
    a->reserved_cpu += (rc + 150) / P->topo.node_cpu_m * 100;
    a->reserved_mem += (rm + 600) / P->topo.node_mem_mib * 100;
  }
  /* logs */
  for (size_t p = 0; p < AW_SOCKSHOP_PODS && !st; p++) {
    if (!t->lg[p] || !pod_up[p]) continue;
    syn_log_state s;
    memset(&s, 0, sizeof s);
    s.t = now;
    for (int e = 0; e < AW_EP_COUNT; e++) s.ep_rate[e] = eprate[p][e];
    s.fail_rate = fthru[p];
    double l = lam[p];
    if (l > 0) {
      double F = wF[p] / l, E = wE[p] / l;
      s.mean_ms = F + E;
      s.slow_rate = F >= 1000 ? l : l * aw_exp(-(1000 - F) / E);
    }
    s.volume = 1;
    s.fault_mask = pf[p].mask | nf[t->pod_node[p]].mask;
    s.instance = t->instance[p];
    s.node = t->node_name[t->pod_node[p]];
    st = syn_logger_second(t->lg[p], &s, err);
  }
  return st;
}

static double noisy(aw_telemetry *t, double v) {
  if (t->p.noise_rel <= 0 || !isfinite(v)) return v;
  double f = 1 + t->p.noise_rel * aw_rng_normal(&t->rn);
  return v * (f > 0 ? f : 0);
}

aw_status aw_telemetry_next(aw_telemetry *t, double *row, aw_error *err) {
  if (!t || !row) return aw_error_set(err, AW_ERR_ARG, "telemetry/row are NULL");
  if (t->row >= t->rows) return aw_error_set(err, AW_ERR_STATE, "no more rows");
  size_t k0 = t->row * t->K, k1 = k0 + t->K > t->load->n ? t->load->n : k0 + t->K, steps = k1 - k0;
  memset(t->pa, 0, sizeof t->pa);
  memset(t->na, 0, sizeof t->na);
  memset(t->ep_acc, 0, sizeof t->ep_acc);
  memset(&t->labels, 0, sizeof t->labels);
  t->label_action[0] = t->label_target[0] = '\0';
  t->labels.fault_action = t->label_action;
  t->labels.fault_target = t->label_target;
  t->labels.load_multiplier = 1;
  aw_status st = AW_OK;
  for (size_t k = k0; k < k1 && !st; k++) {
    st = simulate_second(t, k, err);
    if (t->load->anomaly[k]) t->labels.load_anomaly = 1;
    if (t->n_active) {
      t->labels.fis_anomaly = 1;
      if (!t->label_action[0]) {
        const aw_fault_record *r = &t->faults->records[t->active[0]];
        snprintf(t->label_action, sizeof t->label_action, "%s", r->action);
        snprintf(t->label_target, sizeof t->label_target, "%s", r->target);
      }
      if (t->n_active > t->labels.n_faults) t->labels.n_faults = t->n_active;
    }
  }
  if (st) return st;
  /* largest Algorithm 1 multiplier touching the interval */
  const aw_load_series *L = t->load;
  while (t->seg < L->n_segments && L->segments[t->seg].end <= k0) t->seg++;
  for (size_t s = t->seg; s < L->n_segments && L->segments[s].start < k1; s++)
    if (L->segments[s].multiplier > t->labels.load_multiplier) t->labels.load_multiplier = L->segments[s].multiplier;
  t->labels.anomaly = t->labels.load_anomaly || t->labels.fis_anomaly;

  const aw_telemetry_params *P = &t->p;
  const double secs = (double)steps * L->dt_s, ns = (double)steps;
  const int dg = P->digits;
  size_t j = 0;
  row[j++] = L->time[k0];
#define PUT(v) (row[j++] = syn_round_sig((v), dg))
  for (size_t n = 0; n < t->n_nodes; n++) {
    node_acc *a = &t->na[n];
    double u = (double)a->up;
    if (a->up == 0) {
      for (size_t m = 0; m < NODE_M - 2; m++) row[j++] = NAN;
      PUT(0);
      PUT(0);
      continue;
    }
    double cpu = noisy(t, a->cpu / u), mem = noisy(t, a->mem / u);
    PUT(cpu / P->topo.node_cpu_m * 100);
    PUT(cpu);
    PUT(a->reserved_cpu / u);
    PUT(mem / P->topo.node_mem_mib * 100);
    PUT(mem * 1048576.0);
    PUT(a->reserved_mem / u);
    PUT(noisy(t, a->rx / u));
    PUT(noisy(t, a->tx / u));
    PUT(a->fs / u);
    PUT(noisy(t, a->disk / u));
    PUT(a->pods / u);
    PUT(u / ns);
  }
  for (size_t p = 0; p < AW_SOCKSHOP_PODS; p++) {
    const syn_pod_spec *sp = &syn_pods[p];
    pod_acc *a = &t->pa[p];
    double u = (double)a->up;
    if (a->up == 0) {
      for (size_t m = 0; m < 15; m++) row[j++] = NAN;
    } else {
      double cpu = noisy(t, a->cpu / u), mem = noisy(t, a->mem / u);
      PUT(cpu / P->topo.node_cpu_m * 100);
      PUT(cpu / sp->cpu_limit_m * 100);
      PUT(cpu);
      PUT(sp->cpu_request_m / P->topo.node_cpu_m * 100);
      PUT(a->cpu_thr / u * 100);
      PUT(mem / P->topo.node_mem_mib * 100);
      PUT(mem / sp->mem_limit_mib * 100);
      PUT(mem * 1048576.0);
      PUT(sp->mem_request_mib / P->topo.node_mem_mib * 100);
      PUT(noisy(t, a->rx / u));
      PUT(noisy(t, a->tx / u));
      PUT(a->rxd / u);
      PUT(a->txd / u);
      PUT(noisy(t, a->dr / u));
      PUT(noisy(t, a->dw / u));
    }
    PUT((double)t->pod_restarts[p]);
    PUT(u / ns);
    PUT(u / ns);
    PUT((double)(t->pod_node[p] + 1));
  }
  for (size_t s = 0; s < AW_SOCKSHOP_SERVICES; s++) {
    size_t p = (size_t)syn_service_pod[s];
    pod_acc *a = &t->pa[p];
    double req = (double)syn_poisson(&t->rc, a->req);
    double fail = (double)syn_poisson(&t->rc, a->fail);
    if (fail > req) fail = req;
    PUT(req / secs);
    PUT(fail / secs);
    PUT(req > 0 ? fail / req : 0);
    if (a->w > 0) {
      double f = noisy(t, 1.0); /* one factor for all latency statistics keeps them ordered */
      PUT((a->wF + a->wE) / a->w * f);
      PUT(a->q50 / a->w * f);
      PUT(a->q90 / a->w * f);
      PUT(a->q95 / a->w * f);
      PUT(a->q99 / a->w * f);
      PUT(a->qmax * f);
    } else {
      for (int m = 0; m < 6; m++) row[j++] = NAN;
    }
    double u = (double)a->up;
    PUT(u > 0 ? noisy(t, a->rx / ns) : 0);
    PUT(u > 0 ? noisy(t, a->tx / ns) : 0);
    PUT(u / ns);
    PUT(a->w > 0 ? a->apdex / a->w : NAN);
    PUT(noisy(t, a->inflight / ns));
  }
#undef PUT
  row[j++] = t->labels.load_anomaly;
  row[j++] = t->labels.fis_anomaly;
  row[j++] = t->labels.anomaly;
  for (int e = 0; e < AW_EP_COUNT; e++) t->ep_rates[e] = syn_round_sig(t->ep_acc[e] / ns, dg);
  t->row++;
  return AW_OK;
}

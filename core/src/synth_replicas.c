/* synth_replicas.c - a service with k replicas behind a round-robin balancer, one of which gets a
 * fault (CPU hog, memory leak, packet loss or added latency) for a while: the input of DTW-based
 * diagnosis, which must single out the replica whose metrics move unlike its peers'. */
#include <math.h>
#include <string.h>

#include "aw/math.h"
#include "aw/rng.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"

static const char *const fault_names[AW_REPLICA_FAULT_COUNT] = {"cpu-hog", "memory-leak", "packet-loss", "latency"};
static const char *const metric_names[AW_REPLICA_METRICS] = {"cpu_utilization", "memory_mib", "net_rx_bytes",
                                                             "net_tx_bytes",    "latency_ms", "request_rate"};

const char *aw_replica_fault_name(aw_replica_fault f) {
  return (unsigned)f < AW_REPLICA_FAULT_COUNT ? fault_names[f] : "random";
}
const char *aw_replica_metric_name(size_t m) { return m < AW_REPLICA_METRICS ? metric_names[m] : NULL; }

void aw_replica_params_default(aw_replica_params *p) {
  memset(p, 0, sizeof *p);
  p->replicas = 3;
  p->fault = AW_REPLICA_RANDOM;
  p->faulty_replica = -1;
  p->fault_start_frac_min = 0.3;
  p->fault_start_frac_max = 0.6;
  p->fault_duration_s = 600;
  p->requests_per_user = 0.3;
  p->noise_rel = 0.03;
}

void aw_replica_result_free(aw_replica_result *r) {
  if (!r) return;
  AW_FREE(r->time);
  AW_FREE(r->values);
  AW_FREE(r->label);
  AW_FREE(r);
}

aw_status aw_replica_generate(const aw_replica_params *p, const aw_load_series *load, uint64_t seed,
                              aw_replica_result **out, aw_error *err) {
  if (!p || !load || !out || load->n == 0) return aw_error_set(err, AW_ERR_ARG, "replicas need parameters and a load");
  *out = NULL;
  if (p->replicas < 2 || p->replicas > 64) return aw_error_set(err, AW_ERR_RANGE, "replicas.replicas: must be in [2, 64]");
  if (p->fault >= AW_REPLICA_FAULT_COUNT || p->fault < AW_REPLICA_RANDOM)
    return aw_error_set(err, AW_ERR_RANGE, "replicas.fault: unknown fault %d", p->fault);
  if (p->faulty_replica >= (int)p->replicas || p->faulty_replica < -1)
    return aw_error_set(err, AW_ERR_RANGE, "replicas.faulty_replica: %d is not a replica", p->faulty_replica);
  if (!(p->fault_start_frac_min >= 0 && p->fault_start_frac_max <= 1 && p->fault_start_frac_min <= p->fault_start_frac_max))
    return aw_error_set(err, AW_ERR_RANGE, "replicas.fault_start_range: must be within [0, 1]");
  const size_t n = load->n, k = p->replicas;
  const double dt = load->dt_s;
  if (n > SIZE_MAX / (AW_REPLICA_METRICS * k)) return aw_error_set(err, AW_ERR_LIMIT, "replica series too long");
  aw_replica_result *res = AW_CALLOC(1, sizeof *res);
  if (!res) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  res->n = n;
  res->k = k;
  res->time = aw_alloc_array(n, sizeof(double));
  res->values = aw_alloc_array(AW_REPLICA_METRICS * k * n, sizeof(double));
  res->label = aw_calloc_array(n, 1);
  if (!res->time || !res->values || !res->label) {
    aw_replica_result_free(res);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory for %zu x %zu x %d values", n, k, AW_REPLICA_METRICS);
  }
  aw_rng r;
  aw_rng_seed_stream(&r, seed, SYN_STREAM("replicas.fault"));
  res->fault = p->fault == AW_REPLICA_RANDOM ? (aw_replica_fault)aw_rng_below(&r, AW_REPLICA_FAULT_COUNT) : (aw_replica_fault)p->fault;
  res->faulty_replica = p->faulty_replica >= 0 ? p->faulty_replica : (int)aw_rng_below(&r, k);
  double frac = aw_rng_uniform_range(&r, p->fault_start_frac_min, p->fault_start_frac_max);
  res->fault_start = (size_t)floor(frac * (double)n);
  double len = round(p->fault_duration_s / dt);
  res->fault_end = res->fault_start + (len < 1 ? 1 : (size_t)len);
  if (res->fault_end > n) res->fault_end = n;
  if (res->fault_start >= n) res->fault_start = n - 1;
  for (size_t i = res->fault_start; i < res->fault_end; i++) res->label[i] = 1;

  aw_rng_seed_stream(&r, seed, SYN_STREAM("replicas.noise"));
  const double nr = p->noise_rel;
  for (size_t i = 0; i < n; i++) {
    res->time[i] = load->time[i];
    double users = load->users[i] > 0 ? load->users[i] : 0;
    double lam = users * p->requests_per_user / (double)k; /* round robin: an equal share each */
    int in_fault = i >= res->fault_start && i < res->fault_end;
    double age = (double)(i - (i >= res->fault_start ? res->fault_start : 0)) * dt;
    for (size_t rep = 0; rep < k; rep++) {
      int bad = in_fault && (int)rep == res->faulty_replica;
      double cpu = 3 + 2.5 * lam, mem = 400 + 2 * lam + 30 * (fmod((double)i * dt + 97.0 * (double)rep, 240.0) / 240.0);
      double rx = 1500 * lam, tx = 5000 * lam, served = lam;
      double rho = cpu / 100 > 0.95 ? 0.95 : cpu / 100;
      double lat = 20 / (1 - rho);
      if (bad) {
        switch (res->fault) {
          case AW_REPLICA_CPU_HOG:
            cpu += 60;
            rho = cpu / 100 > 0.95 ? 0.95 : cpu / 100;
            lat = 20 / (1 - rho);
            break;
          case AW_REPLICA_MEMORY_LEAK: mem += 1.5 * age; break;
          case AW_REPLICA_PACKET_LOSS:
            lat += 300;
            served *= 0.85;
            tx *= 0.8;
            rx *= 1.25; /* retransmissions */
            cpu *= 1.1;
            break;
          case AW_REPLICA_LATENCY: lat += 250; break;
          default: break;
        }
      }
      double v[AW_REPLICA_METRICS] = {cpu, mem, rx, tx, lat, (double)syn_poisson(&r, served * dt) / dt};
      for (size_t m = 0; m < AW_REPLICA_METRICS; m++) {
        double x = m == 5 ? v[m] : v[m] * (1 + nr * aw_rng_normal(&r));
        res->values[(m * k + rep) * n + i] = x > 0 ? x : 0;
      }
    }
  }
  *out = res;
  return AW_OK;
}

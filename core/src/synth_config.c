/* synth_config.c - presets and the JSON form of aw_synth_config (parse with path-named errors,
 * print every effective field so a written spec reproduces its run exactly). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/csv.h"
#include "aw/spec.h"
#include "aw/synth.h"
#include "cJSON.h"
#include "internal/synth_internal.h"

#define SYNTH_FORMAT "aw-synth"
#define SYNTH_VERSION 1

static const char *const preset_names[] = {"allam-7d", "dam-service", "replicas", NULL};

const char *aw_synth_preset_name(aw_synth_preset p) {
  return (unsigned)p < AW_PRESET_COUNT ? preset_names[p] : "unknown";
}

int aw_synth_preset_from_name(const char *name, aw_synth_preset *out) {
  for (int i = 0; preset_names[i]; i++)
    if (name && strcmp(name, preset_names[i]) == 0) {
      if (out) *out = (aw_synth_preset)i;
      return 1;
    }
  return 0;
}

void aw_synth_config_default(aw_synth_config *c, aw_synth_preset preset) {
  memset(c, 0, sizeof *c);
  if ((unsigned)preset >= AW_PRESET_COUNT) preset = AW_PRESET_ALLAM_7D;
  c->preset = preset;
  c->seed = 42;
  aw_load_params_default(&c->load);
  aw_fault_params_default(&c->faults);
  aw_telemetry_params_default(&c->telemetry);
  aw_log_params_default(&c->logs);
  aw_dam_params_default(&c->dam);
  aw_replica_params_default(&c->replicas);
  switch (preset) {
    case AW_PRESET_DAM_SERVICE:
      /* one day at 1 s; DAM's burst-traffic faults take the place of Algorithm 1's anomalies */
      c->load.duration_s = 86400;
      c->load.anomaly_prob = 0;
      c->faults.enabled = 0;
      break;
    case AW_PRESET_REPLICAS:
      c->load.duration_s = 7200;
      c->load.anomaly_prob = 0;
      c->faults.enabled = 0;
      c->logs.enabled = 0;
      break;
    default:
      break;
  }
}

aw_status aw_synth_config_validate(const aw_synth_config *c, aw_error *err) {
  if (!c) return aw_error_set(err, AW_ERR_ARG, "config is NULL");
  aw_status st = aw_load_params_validate(&c->load, err);
  if (st) return st;
  const aw_telemetry_params *t = &c->telemetry;
  if (!(t->interval_s >= c->load.dt_s) || t->interval_s > 86400 ||
      fabs(t->interval_s / c->load.dt_s - round(t->interval_s / c->load.dt_s)) > 1e-9)
    return aw_error_set(err, AW_ERR_RANGE, "telemetry.interval_s: must be a multiple of load.dt_s (%g) up to 86400, got %g",
                        c->load.dt_s, t->interval_s);
  if (t->topo.n_nodes < 2 || t->topo.n_nodes > AW_SYNTH_MAX_NODES)
    return aw_error_set(err, AW_ERR_RANGE, "topology.nodes: must be in [2, %d]", AW_SYNTH_MAX_NODES);
  for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++)
    if (t->topo.placement[i] < 0 || (size_t)t->topo.placement[i] >= t->topo.n_nodes)
      return aw_error_set(err, AW_ERR_RANGE, "topology.placement[%zu]: node %d does not exist", i, t->topo.placement[i] + 1);
  if (c->faults.n_templates == 0 && c->faults.enabled)
    return aw_error_set(err, AW_ERR_RANGE, "faults.templates: at least one template when faults are enabled");
  double wsum = 0;
  for (size_t i = 0; i < c->faults.n_templates; i++) wsum += c->faults.templates[i].weight;
  if (c->faults.enabled && !(wsum > 0)) return aw_error_set(err, AW_ERR_RANGE, "faults.templates: weights sum to 0");
  if (c->replicas.replicas < 2 || c->replicas.replicas > 64)
    return aw_error_set(err, AW_ERR_RANGE, "replicas.replicas: must be in [2, 64]");
  if (c->replicas.faulty_replica >= (int)c->replicas.replicas)
    return aw_error_set(err, AW_ERR_RANGE, "replicas.faulty_replica: %d is not below replicas (%zu)",
                        c->replicas.faulty_replica, c->replicas.replicas);
  return AW_OK;
}

/* ------------------------------------------------------------------------------ parsing */

static aw_status num(const cJSON *o, const char *path, const char *key, double lo, double hi, double *v, aw_error *err) {
  return aw_json_number(o, path, key, lo, hi, *v, v, err);
}

static aw_status size_v(const cJSON *o, const char *path, const char *key, int64_t lo, int64_t hi, size_t *v,
                        aw_error *err) {
  int64_t x;
  aw_status st = aw_json_int(o, path, key, lo, hi, (int64_t)*v, &x, err);
  if (!st) *v = (size_t)x;
  return st;
}

static aw_status int_v(const cJSON *o, const char *path, const char *key, int64_t lo, int64_t hi, int *v, aw_error *err) {
  int64_t x;
  aw_status st = aw_json_int(o, path, key, lo, hi, (int64_t)*v, &x, err);
  if (!st) *v = (int)x;
  return st;
}

static aw_status bool_v(const cJSON *o, const char *path, const char *key, int *v, aw_error *err) {
  return aw_json_bool(o, path, key, *v, v, err);
}

/* [a, b] with lo <= a <= b <= hi */
static aw_status range_v(const cJSON *o, const char *path, const char *key, double lo, double hi, double *a, double *b,
                         aw_error *err) {
  double *v = NULL;
  size_t n = 0;
  aw_status st = aw_json_numbers(o, path, key, 2, &v, &n, err);
  if (st) return st;
  if (!v) {
    if (cJSON_GetObjectItemCaseSensitive(o, key))
      return aw_error_set(err, AW_ERR_RANGE, "%s.%s: must be [min, max]", path, key);
    return AW_OK;
  }
  int ok = n == 2 && v[0] >= lo && v[1] <= hi && v[0] <= v[1];
  if (ok) *a = v[0], *b = v[1];
  double x0 = n > 0 ? v[0] : NAN, x1 = n > 1 ? v[1] : NAN;
  AW_FREE(v);
  if (!ok)
    return aw_error_set(err, AW_ERR_RANGE, "%s.%s: must be [min, max] with %g <= min <= max <= %g, got [%g, %g]", path,
                        key, lo, hi, x0, x1);
  return AW_OK;
}

static aw_status enum_v(const cJSON *o, const char *path, const char *key, const char *const *choices, int *v,
                        aw_error *err) {
  return aw_json_enum(o, path, key, choices, *v, v, err);
}

static const char *const noise_names[] = {"gaussian", "uniform", "none", NULL};
static const char *const sigma_names[] = {"variance", "std", NULL};
static const char *const target_names[] = {"pod", "node", NULL};
static const char *const kind_names[] = {"cpu-stress", "memory-stress", "network-latency", "packet-loss",
                                         "io-stress",  "delete-pod",    "node-reboot",     NULL};
static const char *const replica_fault_names[] = {"cpu-hog", "memory-leak", "packet-loss", "latency", "random", NULL};

static aw_status parse_load(const cJSON *o, aw_load_params *p, aw_error *err) {
  static const char *const keys[] = {"start_time", "duration_s", "dt_s", "base_load", "components", "noise_law",
                                     "sigma_is", "num_intervals", "slope_mean_range", "prob_sudden_shift",
                                     "trend_scale", "slopes", "h_steps", "clamp_nonnegative", "csv_digits", "anomaly_prob",
                                     "anomaly_duration_range_s", "anomaly_multiplier_range", NULL};
  const char *P = "load";
  aw_status st;
  if ((st = aw_json_check_keys(o, P, keys, err))) return st;
  if (!o) return AW_OK;
  const cJSON *stime = cJSON_GetObjectItemCaseSensitive(o, "start_time");
  if (stime) {
    if (cJSON_IsString(stime)) {
      double t;
      if (!aw_parse_time(stime->valuestring, strlen(stime->valuestring), AW_TIME_ISO8601, &t, NULL))
        return aw_error_set(err, AW_ERR_RANGE, "load.start_time: must be unix seconds or ISO 8601, got \"%.40s\"",
                            stime->valuestring);
      p->start_time = t;
    } else if ((st = num(o, P, "start_time", -1e11, 1e11, &p->start_time, err))) {
      return st;
    }
  }
  if ((st = num(o, P, "duration_s", 1e-9, 1e12, &p->duration_s, err))) return st;
  if ((st = num(o, P, "dt_s", 1e-6, 86400, &p->dt_s, err))) return st;
  if ((st = num(o, P, "base_load", -1e12, 1e12, &p->base_load, err))) return st;
  const cJSON *comps = cJSON_GetObjectItemCaseSensitive(o, "components");
  if (comps) {
    if (!cJSON_IsArray(comps)) return aw_error_set(err, AW_ERR_RANGE, "load.components: must be an array");
    int nc = cJSON_GetArraySize(comps);
    if (nc > AW_SYNTH_MAX_COMPONENTS)
      return aw_error_set(err, AW_ERR_LIMIT, "load.components: at most %d components, got %d", AW_SYNTH_MAX_COMPONENTS, nc);
    size_t i = 0;
    for (const cJSON *c = comps->child; c; c = c->next, i++) {
      char path[64];
      snprintf(path, sizeof path, "load.components[%zu]", i);
      aw_load_component *lc = &p->components[i];
      if (cJSON_IsArray(c)) {
        /* the paper's (T_i, A_i, sigma_i) triple */
        if (cJSON_GetArraySize(c) != 3) return aw_error_set(err, AW_ERR_RANGE, "%s: must be [period_s, amplitude, sigma]", path);
        double v[3];
        int j = 0;
        for (const cJSON *x = c->child; x; x = x->next, j++) {
          if (!cJSON_IsNumber(x)) return aw_error_set(err, AW_ERR_RANGE, "%s[%d]: must be a number", path, j);
          v[j] = x->valuedouble;
        }
        *lc = (aw_load_component){v[0], v[1], v[2]};
      } else if (cJSON_IsObject(c)) {
        static const char *const ck[] = {"period_s", "amplitude", "sigma", NULL};
        if ((st = aw_json_check_keys(c, path, ck, err))) return st;
        if (!cJSON_GetObjectItemCaseSensitive(c, "period_s")) return aw_error_set(err, AW_ERR_RANGE, "%s.period_s: required", path);
        aw_load_component d = {1, 0, 0};
        if ((st = num(c, path, "period_s", 0, 1e12, &d.period_s, err))) return st;
        if ((st = num(c, path, "amplitude", -1e12, 1e12, &d.amplitude, err))) return st;
        if ((st = num(c, path, "sigma", 0, 1e12, &d.sigma, err))) return st;
        *lc = d;
      } else {
        return aw_error_set(err, AW_ERR_RANGE, "%s: must be an object or [period_s, amplitude, sigma]", path);
      }
      if (!(lc->period_s > 0)) return aw_error_set(err, AW_ERR_RANGE, "%s.period_s: must be > 0", path);
      if (!(lc->sigma >= 0)) return aw_error_set(err, AW_ERR_RANGE, "%s.sigma: must be >= 0", path);
    }
    p->n_components = i;
  }
  int e = (int)p->noise_law;
  if ((st = enum_v(o, P, "noise_law", noise_names, &e, err))) return st;
  p->noise_law = (aw_noise_law)e;
  e = (int)p->sigma_is;
  if ((st = enum_v(o, P, "sigma_is", sigma_names, &e, err))) return st;
  p->sigma_is = (aw_sigma_is)e;
  if ((st = size_v(o, P, "num_intervals", 1, AW_SYNTH_MAX_INTERVALS, &p->num_intervals, err))) return st;
  if ((st = range_v(o, P, "slope_mean_range", -1e6, 1e6, &p->slope_min, &p->slope_max, err))) return st;
  if ((st = num(o, P, "prob_sudden_shift", 0, 1, &p->prob_sudden_shift, err))) return st;
  if ((st = num(o, P, "trend_scale", -1e6, 1e6, &p->trend_scale, err))) return st;
  const cJSON *sl = cJSON_GetObjectItemCaseSensitive(o, "slopes");
  if (sl && !cJSON_IsNull(sl)) {
    double *v = NULL;
    size_t n = 0;
    if ((st = aw_json_numbers(o, P, "slopes", AW_SYNTH_MAX_INTERVALS, &v, &n, err))) return st;
    memcpy(p->slopes, v, n * sizeof *v);
    p->n_slopes = n;
    AW_FREE(v);
    if (n != p->num_intervals)
      return aw_error_set(err, AW_ERR_RANGE, "load.slopes: %zu slopes for num_intervals %zu", n, p->num_intervals);
  } else if (sl) {
    p->n_slopes = 0;
  }
  if ((st = size_v(o, P, "h_steps", 1, 1000000, &p->h_steps, err))) return st;
  if ((st = bool_v(o, P, "clamp_nonnegative", &p->clamp_nonnegative, err))) return st;
  if ((st = int_v(o, P, "csv_digits", 0, 17, &p->csv_digits, err))) return st;
  if ((st = num(o, P, "anomaly_prob", 0, 1, &p->anomaly_prob, err))) return st;
  if ((st = range_v(o, P, "anomaly_duration_range_s", 0, 1e9, &p->anomaly_dur_min_s, &p->anomaly_dur_max_s, err))) return st;
  if ((st = range_v(o, P, "anomaly_multiplier_range", -1e6, 1e6, &p->anomaly_mult_min, &p->anomaly_mult_max, err))) return st;
  return AW_OK;
}

static aw_status copy_name(char *dst, const char *src, const char *path, aw_error *err) {
  size_t n = strlen(src);
  if (n == 0 || n >= AW_SYNTH_NAME_MAX) return aw_error_set(err, AW_ERR_RANGE, "%s: 1 to %d characters", path, AW_SYNTH_NAME_MAX - 1);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)src[i] < 0x20 || src[i] == ',' || src[i] == '"')
      return aw_error_set(err, AW_ERR_RANGE, "%s: control characters, commas and quotes are not allowed", path);
  memcpy(dst, src, n + 1);
  return AW_OK;
}

static aw_status parse_faults(const cJSON *o, aw_fault_params *p, aw_error *err) {
  static const char *const keys[] = {"enabled", "tick_s", "p_anomaly", "start_delay_range_s", "p_stop_early",
                                     "templates", NULL};
  const char *P = "faults";
  aw_status st;
  if ((st = aw_json_check_keys(o, P, keys, err))) return st;
  if (!o) return AW_OK;
  if ((st = bool_v(o, P, "enabled", &p->enabled, err))) return st;
  if ((st = num(o, P, "tick_s", 1, 86400, &p->tick_s, err))) return st;
  if ((st = num(o, P, "p_anomaly", 0, 1, &p->p_anomaly, err))) return st;
  if ((st = range_v(o, P, "start_delay_range_s", 0, 86400, &p->start_delay_min_s, &p->start_delay_max_s, err))) return st;
  if ((st = num(o, P, "p_stop_early", 0, 1, &p->p_stop_early, err))) return st;
  const cJSON *tl = cJSON_GetObjectItemCaseSensitive(o, "templates");
  if (tl) {
    if (!cJSON_IsArray(tl)) return aw_error_set(err, AW_ERR_RANGE, "faults.templates: must be an array");
    int nt = cJSON_GetArraySize(tl);
    if (nt > AW_SYNTH_MAX_TEMPLATES)
      return aw_error_set(err, AW_ERR_LIMIT, "faults.templates: at most %d templates, got %d", AW_SYNTH_MAX_TEMPLATES, nt);
    static const char *const tk[] = {"id", "action", "kind", "target", "duration_s", "intensity", "overhead_s",
                                     "p_slow", "overhead_jitter_s", "weight", NULL};
    size_t i = 0;
    for (const cJSON *c = tl->child; c; c = c->next, i++) {
      char path[64];
      snprintf(path, sizeof path, "faults.templates[%zu]", i);
      if (!cJSON_IsObject(c)) return aw_error_set(err, AW_ERR_RANGE, "%s: must be an object", path);
      if ((st = aw_json_check_keys(c, path, tk, err))) return st;
      aw_fault_template t;
      memset(&t, 0, sizeof t);
      t.weight = 1;
      int kind = -1, target = -1;
      if ((st = aw_json_enum(c, path, "kind", kind_names, -1, &kind, err))) return st;
      if ((st = aw_json_enum(c, path, "target", target_names, -1, &target, err))) return st;
      if (kind < 0 || target < 0) return aw_error_set(err, AW_ERR_RANGE, "%s: \"kind\" and \"target\" are required", path);
      t.kind = (aw_fault_kind)kind;
      t.target = (aw_fault_target)target;
      if (t.kind == AW_FAULT_POD_DELETE && t.target != AW_TARGET_POD)
        return aw_error_set(err, AW_ERR_RANGE, "%s: delete-pod targets a pod", path);
      if (t.kind == AW_FAULT_NODE_REBOOT && t.target != AW_TARGET_NODE)
        return aw_error_set(err, AW_ERR_RANGE, "%s: node-reboot targets a node", path);
      const char *s = NULL;
      char pbuf[96];
      if ((st = aw_json_string(c, path, "id", NULL, &s, err))) return st;
      snprintf(pbuf, sizeof pbuf, "%s.id", path);
      if ((st = copy_name(t.id, s ? s : "EXT-custom", pbuf, err))) return st;
      if ((st = aw_json_string(c, path, "action", aw_fault_kind_name(t.kind), &s, err))) return st;
      snprintf(pbuf, sizeof pbuf, "%s.action", path);
      if ((st = copy_name(t.action, s, pbuf, err))) return st;
      if ((st = num(c, path, "duration_s", 0, 86400, &t.duration_s, err))) return st;
      if ((st = num(c, path, "intensity", 0, 1e6, &t.intensity, err))) return st;
      if ((st = range_v(c, path, "overhead_s", 0, 3600, &t.overhead_fast_s, &t.overhead_slow_s, err))) return st;
      if ((st = num(c, path, "p_slow", 0, 1, &t.p_slow, err))) return st;
      if ((st = num(c, path, "overhead_jitter_s", 0, 3600, &t.overhead_jitter_s, err))) return st;
      if ((st = num(c, path, "weight", 0, 1e6, &t.weight, err))) return st;
      p->templates[i] = t;
    }
    p->n_templates = i;
  }
  return AW_OK;
}

static aw_status parse_users(const cJSON *o, aw_user_mix *m, aw_error *err) {
  static const char *const keys[] = {"visitor_fraction", "new_fraction", "think_time_s", NULL};
  aw_status st;
  if ((st = aw_json_check_keys(o, "users", keys, err))) return st;
  if ((st = num(o, "users", "visitor_fraction", 0, 1, &m->visitor_fraction, err))) return st;
  if ((st = num(o, "users", "new_fraction", 0, 1, &m->new_fraction, err))) return st;
  return num(o, "users", "think_time_s", 0, 3600, &m->think_time_s, err);
}

static aw_status parse_topology(const cJSON *o, aw_topology_params *t, aw_error *err) {
  static const char *const keys[] = {"nodes", "placement", "node_cpu_m", "node_mem_mib", NULL};
  aw_status st;
  if ((st = aw_json_check_keys(o, "topology", keys, err))) return st;
  if ((st = size_v(o, "topology", "nodes", 2, AW_SYNTH_MAX_NODES, &t->n_nodes, err))) return st;
  double *v = NULL;
  size_t n = 0;
  if ((st = aw_json_numbers(o, "topology", "placement", AW_SOCKSHOP_PODS, &v, &n, err))) return st;
  if (v) {
    if (n != AW_SOCKSHOP_PODS) {
      AW_FREE(v);
      return aw_error_set(err, AW_ERR_RANGE, "topology.placement: one node number (1-based) per pod, %d values", AW_SOCKSHOP_PODS);
    }
    for (size_t i = 0; i < n; i++) {
      if (v[i] != floor(v[i]) || v[i] < 1 || v[i] > (double)t->n_nodes) {
        double bad = v[i];
        AW_FREE(v);
        return aw_error_set(err, AW_ERR_RANGE, "topology.placement[%zu]: node %g does not exist (1..%zu)", i, bad, t->n_nodes);
      }
      t->placement[i] = (int)v[i] - 1;
    }
    AW_FREE(v);
  } else {
    for (size_t i = 0; i < AW_SOCKSHOP_PODS; i++)
      if ((size_t)t->placement[i] >= t->n_nodes) t->placement[i] = (int)(i % t->n_nodes);
  }
  if ((st = num(o, "topology", "node_cpu_m", 100, 1e6, &t->node_cpu_m, err))) return st;
  return num(o, "topology", "node_mem_mib", 256, 1e8, &t->node_mem_mib, err);
}

static aw_status parse_telemetry(const cJSON *o, aw_telemetry_params *t, aw_error *err) {
  static const char *const keys[] = {"interval_s", "noise_rel", "digits", "recreate_s", "restart_s", "reboot_s",
                                     "p_restart_node_loss", "rto_ms", NULL};
  const char *P = "telemetry";
  aw_status st;
  if ((st = aw_json_check_keys(o, P, keys, err))) return st;
  if ((st = num(o, P, "interval_s", 1e-6, 86400, &t->interval_s, err))) return st;
  if ((st = num(o, P, "noise_rel", 0, 1, &t->noise_rel, err))) return st;
  if ((st = int_v(o, P, "digits", 0, 15, &t->digits, err))) return st;
  if ((st = num(o, P, "recreate_s", 0, 3600, &t->recreate_s, err))) return st;
  if ((st = num(o, P, "restart_s", 0, 3600, &t->restart_s, err))) return st;
  if ((st = num(o, P, "reboot_s", 0, 3600, &t->reboot_s, err))) return st;
  if ((st = num(o, P, "p_restart_node_loss", 0, 1, &t->p_restart_node_loss, err))) return st;
  return num(o, P, "rto_ms", 1, 60000, &t->rto_ms, err);
}

static aw_status parse_logs(const cJSON *o, aw_log_params *l, aw_error *err) {
  static const char *const keys[] = {"enabled", "sample", "background_per_min", NULL};
  aw_status st;
  if ((st = aw_json_check_keys(o, "logs", keys, err))) return st;
  if ((st = bool_v(o, "logs", "enabled", &l->enabled, err))) return st;
  if ((st = num(o, "logs", "sample", 0, 1, &l->sample, err))) return st;
  return num(o, "logs", "background_per_min", 0, 600, &l->background_per_min, err);
}

static aw_status parse_dam(const cJSON *o, aw_dam_params *d, aw_error *err) {
  static const char *const keys[] = {"anomaly_fraction", "fault_duration_range_s", "train_fraction", "min_train_faults",
                                     "requests_per_user", "log_sample", "noise_rel", NULL};
  const char *P = "dam";
  aw_status st;
  if ((st = aw_json_check_keys(o, P, keys, err))) return st;
  if ((st = num(o, P, "anomaly_fraction", 0, 0.5, &d->anomaly_fraction, err))) return st;
  if ((st = range_v(o, P, "fault_duration_range_s", 1, 86400, &d->fault_min_s, &d->fault_max_s, err))) return st;
  if ((st = num(o, P, "train_fraction", 0, 1, &d->train_fraction, err))) return st;
  if ((st = size_v(o, P, "min_train_faults", 0, 1000, &d->min_train_faults, err))) return st;
  if ((st = num(o, P, "requests_per_user", 0, 1e4, &d->requests_per_user, err))) return st;
  if ((st = num(o, P, "log_sample", 0, 1, &d->log_sample, err))) return st;
  return num(o, P, "noise_rel", 0, 1, &d->noise_rel, err);
}

static aw_status parse_replicas(const cJSON *o, aw_replica_params *r, aw_error *err) {
  static const char *const keys[] = {"replicas", "fault", "faulty_replica", "fault_start_range", "fault_duration_s",
                                     "requests_per_user", "noise_rel", NULL};
  const char *P = "replicas";
  aw_status st;
  if ((st = aw_json_check_keys(o, P, keys, err))) return st;
  if ((st = size_v(o, P, "replicas", 2, 64, &r->replicas, err))) return st;
  int f = r->fault < 0 ? AW_REPLICA_FAULT_COUNT : r->fault;
  if ((st = enum_v(o, P, "fault", replica_fault_names, &f, err))) return st;
  r->fault = f == AW_REPLICA_FAULT_COUNT ? AW_REPLICA_RANDOM : f;
  if ((st = int_v(o, P, "faulty_replica", -1, 63, &r->faulty_replica, err))) return st;
  if ((st = range_v(o, P, "fault_start_range", 0, 1, &r->fault_start_frac_min, &r->fault_start_frac_max, err))) return st;
  if ((st = num(o, P, "fault_duration_s", 1, 1e7, &r->fault_duration_s, err))) return st;
  if ((st = num(o, P, "requests_per_user", 0, 1e4, &r->requests_per_user, err))) return st;
  return num(o, P, "noise_rel", 0, 1, &r->noise_rel, err);
}

aw_status aw_synth_config_from_json(const char *text, size_t n, aw_synth_config *c, aw_error *err) {
  if (!text || !c) return aw_error_set(err, AW_ERR_ARG, "text/config are NULL");
  cJSON *j = NULL;
  aw_status st = aw_json_parse(text, n, "synth config", &j, err);
  if (st) return st;
  static const char *const keys[] = {"format", "version", "engine", "preset", "seed", "load", "users", "faults",
                                     "topology", "telemetry", "logs", "dam", "replicas",
                                     "fit_diagnostics", NULL}; /* written by aw fit, ignored here */
  if (!cJSON_IsObject(j)) {
    cJSON_Delete(j);
    return aw_error_set(err, AW_ERR_RANGE, "synth config: must be a JSON object");
  }
  if ((st = aw_json_check_keys(j, "config", keys, err))) goto done;
  const char *fmt = NULL, *pname = NULL;
  if ((st = aw_json_string(j, "config", "format", SYNTH_FORMAT, &fmt, err))) goto done;
  if (strcmp(fmt, SYNTH_FORMAT) != 0) {
    st = aw_error_set(err, AW_ERR_RANGE, "config.format: must be \"%s\", got \"%.40s\"", SYNTH_FORMAT, fmt);
    goto done;
  }
  int64_t ver = 0;
  if ((st = aw_json_int(j, "config", "version", 1, 1000000, SYNTH_VERSION, &ver, err))) goto done;
  if (ver > SYNTH_VERSION) {
    st = aw_error_set(err, AW_ERR_VERSION, "config.version: %lld is newer than this engine's %d", (long long)ver, SYNTH_VERSION);
    goto done;
  }
  if ((st = aw_json_string(j, "config", "preset", "allam-7d", &pname, err))) goto done;
  aw_synth_preset preset;
  if (!aw_synth_preset_from_name(pname, &preset)) {
    st = aw_error_set(err, AW_ERR_RANGE, "config.preset: must be one of \"allam-7d\", \"dam-service\", \"replicas\", got \"%.40s\"",
                      pname);
    goto done;
  }
  aw_synth_config_default(c, preset);
  int64_t seed = 42;
  if ((st = aw_json_int(j, "config", "seed", 0, 9007199254740992LL, 42, &seed, err))) goto done;
  c->seed = (uint64_t)seed;
  if ((st = parse_load(cJSON_GetObjectItemCaseSensitive(j, "load"), &c->load, err))) goto done;
  if ((st = parse_users(cJSON_GetObjectItemCaseSensitive(j, "users"), &c->telemetry.mix, err))) goto done;
  if ((st = parse_faults(cJSON_GetObjectItemCaseSensitive(j, "faults"), &c->faults, err))) goto done;
  if ((st = parse_topology(cJSON_GetObjectItemCaseSensitive(j, "topology"), &c->telemetry.topo, err))) goto done;
  if ((st = parse_telemetry(cJSON_GetObjectItemCaseSensitive(j, "telemetry"), &c->telemetry, err))) goto done;
  if ((st = parse_logs(cJSON_GetObjectItemCaseSensitive(j, "logs"), &c->logs, err))) goto done;
  if ((st = parse_dam(cJSON_GetObjectItemCaseSensitive(j, "dam"), &c->dam, err))) goto done;
  if ((st = parse_replicas(cJSON_GetObjectItemCaseSensitive(j, "replicas"), &c->replicas, err))) goto done;
  st = aw_synth_config_validate(c, err);
done:
  cJSON_Delete(j);
  return st;
}

/* ------------------------------------------------------------------------------ printing */

static void add_range(cJSON *o, const char *key, double a, double b) {
  cJSON *arr = cJSON_AddArrayToObject(o, key);
  if (!arr) return;
  cJSON *x = cJSON_CreateNumber(a), *y = cJSON_CreateNumber(b);
  if (x) cJSON_AddItemToArray(arr, x);
  if (y) cJSON_AddItemToArray(arr, y);
}

static void load_to_json(const aw_load_params *p, cJSON *o) {
  char iso[40];
  syn_fmt_iso_ms(iso, p->start_time);
  if (p->start_time == floor(p->start_time * 1000) / 1000) cJSON_AddStringToObject(o, "start_time", iso);
  else aw_json_add_number(o, "start_time", p->start_time);
  aw_json_add_number(o, "duration_s", p->duration_s);
  aw_json_add_number(o, "dt_s", p->dt_s);
  aw_json_add_number(o, "base_load", p->base_load);
  cJSON *arr = cJSON_AddArrayToObject(o, "components");
  for (size_t i = 0; arr && i < p->n_components; i++) {
    cJSON *c = cJSON_CreateObject();
    if (!c) break;
    aw_json_add_number(c, "period_s", p->components[i].period_s);
    aw_json_add_number(c, "amplitude", p->components[i].amplitude);
    aw_json_add_number(c, "sigma", p->components[i].sigma);
    cJSON_AddItemToArray(arr, c);
  }
  cJSON_AddStringToObject(o, "noise_law", noise_names[p->noise_law]);
  cJSON_AddStringToObject(o, "sigma_is", sigma_names[p->sigma_is]);
  aw_json_add_number(o, "num_intervals", (double)p->num_intervals);
  add_range(o, "slope_mean_range", p->slope_min, p->slope_max);
  aw_json_add_number(o, "prob_sudden_shift", p->prob_sudden_shift);
  aw_json_add_number(o, "trend_scale", p->trend_scale);
  if (p->n_slopes) {
    cJSON *s = cJSON_AddArrayToObject(o, "slopes");
    for (size_t i = 0; s && i < p->n_slopes; i++) {
      cJSON *x = cJSON_CreateNumber(p->slopes[i]);
      if (x) cJSON_AddItemToArray(s, x);
    }
  } else {
    cJSON_AddNullToObject(o, "slopes");
  }
  aw_json_add_number(o, "h_steps", (double)p->h_steps);
  cJSON_AddBoolToObject(o, "clamp_nonnegative", p->clamp_nonnegative);
  aw_json_add_number(o, "csv_digits", p->csv_digits);
  aw_json_add_number(o, "anomaly_prob", p->anomaly_prob);
  add_range(o, "anomaly_duration_range_s", p->anomaly_dur_min_s, p->anomaly_dur_max_s);
  add_range(o, "anomaly_multiplier_range", p->anomaly_mult_min, p->anomaly_mult_max);
}

static aw_status print_json(cJSON *j, aw_buf *out) {
  if (!j) return AW_ERR_NOMEM;
  char *s = aw_json_print(j, 1);
  cJSON_Delete(j);
  if (!s) return AW_ERR_NOMEM;
  aw_status st = aw_buf_append(out, s, strlen(s));
  if (!st) st = aw_buf_putc(out, '\n');
  cJSON_free(s);
  return st;
}

aw_status aw_synth_config_to_json(const aw_synth_config *c, aw_buf *out) {
  if (!c || !out) return AW_ERR_ARG;
  cJSON *j = cJSON_CreateObject();
  if (!j) return AW_ERR_NOMEM;
  cJSON_AddStringToObject(j, "format", SYNTH_FORMAT);
  aw_json_add_number(j, "version", SYNTH_VERSION);
  cJSON_AddStringToObject(j, "engine", AW_VERSION);
  cJSON_AddStringToObject(j, "preset", aw_synth_preset_name(c->preset));
  aw_json_add_number(j, "seed", (double)c->seed);
  load_to_json(&c->load, cJSON_AddObjectToObject(j, "load"));

  cJSON *u = cJSON_AddObjectToObject(j, "users");
  aw_json_add_number(u, "visitor_fraction", c->telemetry.mix.visitor_fraction);
  aw_json_add_number(u, "new_fraction", c->telemetry.mix.new_fraction);
  aw_json_add_number(u, "think_time_s", c->telemetry.mix.think_time_s);

  const aw_fault_params *f = &c->faults;
  cJSON *fo = cJSON_AddObjectToObject(j, "faults");
  cJSON_AddBoolToObject(fo, "enabled", f->enabled);
  aw_json_add_number(fo, "tick_s", f->tick_s);
  aw_json_add_number(fo, "p_anomaly", f->p_anomaly);
  add_range(fo, "start_delay_range_s", f->start_delay_min_s, f->start_delay_max_s);
  aw_json_add_number(fo, "p_stop_early", f->p_stop_early);
  cJSON *tl = cJSON_AddArrayToObject(fo, "templates");
  for (size_t i = 0; tl && i < f->n_templates; i++) {
    const aw_fault_template *t = &f->templates[i];
    cJSON *o = cJSON_CreateObject();
    if (!o) break;
    cJSON_AddStringToObject(o, "id", t->id);
    cJSON_AddStringToObject(o, "action", t->action);
    cJSON_AddStringToObject(o, "kind", aw_fault_kind_name(t->kind));
    cJSON_AddStringToObject(o, "target", target_names[t->target]);
    aw_json_add_number(o, "duration_s", t->duration_s);
    aw_json_add_number(o, "intensity", t->intensity);
    add_range(o, "overhead_s", t->overhead_fast_s, t->overhead_slow_s);
    aw_json_add_number(o, "p_slow", t->p_slow);
    aw_json_add_number(o, "overhead_jitter_s", t->overhead_jitter_s);
    aw_json_add_number(o, "weight", t->weight);
    cJSON_AddItemToArray(tl, o);
  }

  const aw_topology_params *tp = &c->telemetry.topo;
  cJSON *to = cJSON_AddObjectToObject(j, "topology");
  aw_json_add_number(to, "nodes", (double)tp->n_nodes);
  cJSON *pl = cJSON_AddArrayToObject(to, "placement");
  for (size_t i = 0; pl && i < AW_SOCKSHOP_PODS; i++) {
    cJSON *x = cJSON_CreateNumber(tp->placement[i] + 1);
    if (x) cJSON_AddItemToArray(pl, x);
  }
  aw_json_add_number(to, "node_cpu_m", tp->node_cpu_m);
  aw_json_add_number(to, "node_mem_mib", tp->node_mem_mib);

  const aw_telemetry_params *t = &c->telemetry;
  cJSON *te = cJSON_AddObjectToObject(j, "telemetry");
  aw_json_add_number(te, "interval_s", t->interval_s);
  aw_json_add_number(te, "noise_rel", t->noise_rel);
  aw_json_add_number(te, "digits", t->digits);
  aw_json_add_number(te, "recreate_s", t->recreate_s);
  aw_json_add_number(te, "restart_s", t->restart_s);
  aw_json_add_number(te, "reboot_s", t->reboot_s);
  aw_json_add_number(te, "p_restart_node_loss", t->p_restart_node_loss);
  aw_json_add_number(te, "rto_ms", t->rto_ms);

  cJSON *lo = cJSON_AddObjectToObject(j, "logs");
  cJSON_AddBoolToObject(lo, "enabled", c->logs.enabled);
  aw_json_add_number(lo, "sample", c->logs.sample);
  aw_json_add_number(lo, "background_per_min", c->logs.background_per_min);

  const aw_dam_params *d = &c->dam;
  cJSON *dm = cJSON_AddObjectToObject(j, "dam");
  aw_json_add_number(dm, "anomaly_fraction", d->anomaly_fraction);
  add_range(dm, "fault_duration_range_s", d->fault_min_s, d->fault_max_s);
  aw_json_add_number(dm, "train_fraction", d->train_fraction);
  aw_json_add_number(dm, "min_train_faults", (double)d->min_train_faults);
  aw_json_add_number(dm, "requests_per_user", d->requests_per_user);
  aw_json_add_number(dm, "log_sample", d->log_sample);
  aw_json_add_number(dm, "noise_rel", d->noise_rel);

  const aw_replica_params *r = &c->replicas;
  cJSON *rp = cJSON_AddObjectToObject(j, "replicas");
  aw_json_add_number(rp, "replicas", (double)r->replicas);
  cJSON_AddStringToObject(rp, "fault", r->fault < 0 ? "random" : replica_fault_names[r->fault]);
  aw_json_add_number(rp, "faulty_replica", r->faulty_replica);
  add_range(rp, "fault_start_range", r->fault_start_frac_min, r->fault_start_frac_max);
  aw_json_add_number(rp, "fault_duration_s", r->fault_duration_s);
  aw_json_add_number(rp, "requests_per_user", r->requests_per_user);
  aw_json_add_number(rp, "noise_rel", r->noise_rel);
  return print_json(j, out);
}

aw_status aw_fit_result_to_json(const aw_fit_result *r, aw_buf *out) {
  if (!r || !out) return AW_ERR_ARG;
  cJSON *j = cJSON_CreateObject();
  if (!j) return AW_ERR_NOMEM;
  cJSON_AddStringToObject(j, "format", SYNTH_FORMAT);
  aw_json_add_number(j, "version", SYNTH_VERSION);
  cJSON_AddStringToObject(j, "preset", "allam-7d");
  load_to_json(&r->model, cJSON_AddObjectToObject(j, "load"));
  cJSON *f = cJSON_CreateObject();
  if (f) {
    aw_json_add_number(f, "r2", r->r2);
    aw_json_add_number(f, "residual_std", r->residual_std);
    aw_json_add_number(f, "noise_variance", r->noise_variance);
    aw_json_add_number(f, "samples_used", (double)r->n_used);
    aw_json_add_number(f, "anomalous_steps", (double)r->n_anomalous);
    aw_json_add_number(f, "anomaly_segments", (double)r->n_segments);
    cJSON *per = cJSON_AddArrayToObject(f, "spectral_periods_s");
    for (size_t i = 0; per && i < r->model.n_components; i++) {
      cJSON *x = cJSON_CreateNumber(r->model.components[i].period_s / 2);
      if (x) cJSON_AddItemToArray(per, x);
    }
    /* "fit" is not a config key: a config parser reading this file wants only the load part */
    cJSON_AddItemToObject(j, "fit_diagnostics", f);
  }
  return print_json(j, out);
}

/* aw/synth.h - the load model of Allam et al., "Synthetic Time Series for Anomaly Detection in
 * Cloud Microservices" (Eq. 1-5, Algorithm 1, Algorithm 2, Tables 1-3), and what this project
 * builds on it: a seeded telemetry and log simulator of Sock Shop under that load and a fault
 * schedule, DAM's single-service scenario, a replica scenario for DTW diagnosis, an importer for
 * the real AWS FIS experiment records, and a fitter that learns a load model from a series.
 *
 * Every run is a pure function of an aw_synth_config (JSON at the edges, see
 * aw_synth_config_from_json) and its seed: same config + seed = same bytes, natively and in WASM.
 * Randomness comes from one aw_rng stream per component (aw_rng_seed_stream), so changing one
 * part of the config does not shift the numbers of the others.
 *
 *   aw_synth_config cfg; aw_synth_config_default(&cfg, AW_PRESET_ALLAM_7D);
 *   aw_load_series *load = NULL;
 *   aw_load_generate(&cfg.load, cfg.seed, NULL, &load, &err);
 *   // load->users[k], load->spawn_rate[k], load->anomaly[k] ... (columnar arrays)
 *   aw_load_series_free(load);
 *
 * The whole data set of a preset (all files: load.csv, metrics.csv, faults.csv, labels.csv,
 * logs/..., spec.json) is produced in chunks through a callback by aw_synth_write, which the CLI
 * and the web worker share.
 *
 * Documented choices where the paper is silent are listed in docs/synth.md.
 */
#ifndef AW_SYNTH_H
#define AW_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================= load model (Eq. 1-5) */

#define AW_SYNTH_MAX_COMPONENTS 16
#define AW_SYNTH_MAX_INTERVALS 1024
/* Upper bound on steps of any generated series (a year at 1 s is 31.5M). */
#define AW_SYNTH_MAX_STEPS ((size_t)40000000)

/* One seasonal component of Eq. 1: A * (sin^2(2 pi t / T) + wn(t)), wn white with "size" sigma. */
typedef struct aw_load_component {
  double period_s;   /* T_i in seconds (> 0) */
  double amplitude;  /* A_i in users */
  double sigma;      /* sigma_i: variance (default) or standard deviation of wn_i, see sigma_is */
} aw_load_component;

typedef enum aw_noise_law { AW_NOISE_GAUSSIAN = 0, AW_NOISE_UNIFORM = 1, AW_NOISE_NONE = 2 } aw_noise_law;
typedef enum aw_sigma_is { AW_SIGMA_VARIANCE = 0, AW_SIGMA_STD = 1 } aw_sigma_is;

typedef struct aw_load_params {
  double start_time;            /* unix seconds of step 0 (default 2024-05-13T16:00:00Z) */
  double duration_s;            /* default 604800 (7 days) */
  double dt_s;                  /* time step, default 1 s (the paper's is open) */
  double base_load;             /* Eq. 1 base_load, default 20 */
  size_t n_components;
  aw_load_component components[AW_SYNTH_MAX_COMPONENTS];
  aw_noise_law noise_law;       /* default Gaussian */
  aw_sigma_is sigma_is;         /* default: sigma_i is the variance, as Eq. 1 says */
  /* Eq. 2-3: trend */
  size_t num_intervals;         /* default 30 */
  double slope_min, slope_max;  /* slope_mean_range, default (-0.98, 2.5) */
  double prob_sudden_shift;     /* per step, default 0.0001 */
  double trend_scale;           /* slopes are per whole duration times this (default 1) */
  size_t n_slopes;              /* 0 = draw slopes; else exactly num_intervals given slopes */
  double slopes[AW_SYNTH_MAX_INTERVALS];
  /* Eq. 4-5 */
  size_t h_steps;               /* h of the central difference in steps, default 1 */
  int clamp_nonnegative;        /* users below 0 are set to 0 (default 1) */
  int csv_digits;               /* significant digits written to load.csv (default 10, 0 = all) */
  /* Algorithm 1 */
  double anomaly_prob;          /* per step, default 0.00025 */
  double anomaly_dur_min_s, anomaly_dur_max_s;    /* U(a, b), default (60, 600) s */
  double anomaly_mult_min, anomaly_mult_max;      /* U(c, d), default (1, 2) */
} aw_load_params;

void aw_load_params_default(aw_load_params *p);
/* Checks ranges; names the offending field in err. */
aw_status aw_load_params_validate(const aw_load_params *p, aw_error *err);
/* Number of steps a parameter set produces: round(duration / dt). */
size_t aw_load_steps(const aw_load_params *p);

/* A load anomaly of Algorithm 1: steps [start, end) scaled by multiplier. */
typedef struct aw_load_segment {
  size_t start, end;
  double multiplier;
} aw_load_segment;

/* A generated load series. All arrays have n entries and are owned by the series. */
typedef struct aw_load_series {
  size_t n;
  double start_time, dt_s;
  double *time;         /* unix seconds */
  double *users;        /* N(t) of Eq. 1 after Algorithm 1 (and the clamp) */
  double *spawn_rate;   /* R(t) of Eq. 4-5, central difference of users (one-sided at the ends) */
  double *trend;        /* (1 + trend(t)) * base_load: the trend part of N in users */
  double *seasonal;     /* sum_i A_i (sin^2(2 pi t / T_i) + wn_i(t)) */
  double *slope;        /* the blended slope s(t) of Eq. 3 (per duration, before trend_scale) */
  uint8_t *anomaly;     /* 1 where Algorithm 1 marks the step */
  size_t n_segments;
  aw_load_segment *segments;
  size_t n_intervals;
  double *interval_slopes;  /* the num_intervals slopes drawn (or given) */
  size_t n_sudden_shifts;   /* intervals whose slope jumped (Eq. 3's Bernoulli) */
} aw_load_series;

/* Generates the series of Eq. 1-5 and Algorithm 1 for p and seed. prog may be NULL. */
aw_status aw_load_generate(const aw_load_params *p, uint64_t seed, const aw_progress *prog,
                           aw_load_series **out, aw_error *err);
void aw_load_series_free(aw_load_series *s);

/* Appends rows [from, to) of load.csv (`timestamp,users,spawn_rate,trend,seasonal,load_anomaly`)
 * to out; the header when from == 0. Values are rounded to `digits` significant digits (0 = full
 * precision) and written exactly as aw_fmt_double writes them. */
aw_status aw_load_write_csv(const aw_load_series *s, size_t from, size_t to, int digits, aw_buf *out);

/* ================================================================== user scenarios (Sec. 3) */

/* Endpoints of the Sock Shop front end that the three user scenarios call. */
typedef enum aw_endpoint {
  AW_EP_HOME = 0,      /* GET /            */
  AW_EP_CATALOGUE,     /* GET /catalogue   */
  AW_EP_REGISTER,      /* POST /register   */
  AW_EP_LOGIN,         /* GET /login       */
  AW_EP_ADD_TO_CART,   /* POST /cart       */
  AW_EP_ORDER,         /* POST /orders     */
  AW_EP_COUNT
} aw_endpoint;

const char *aw_endpoint_name(aw_endpoint e);

typedef struct aw_user_mix {
  double visitor_fraction;  /* share of users that only browse (home + catalogue), default 0.6 */
  double new_fraction;      /* x: share of shoppers that are new (register ...), default 0.3;
                               the rest are returning shoppers (login ...) */
  double think_time_s;      /* mean wait between two requests of a user (Locust wait_time), 3 s */
} aw_user_mix;

/* Request rates per endpoint (requests/s) for `users` concurrent users whose requests take
 * response_s on average: each user completes one request every think_time + response_s seconds,
 * and the scenario mix decides which endpoint (visitor: home, catalogue; new shopper: register,
 * catalogue, add to cart, order; returning: login, catalogue, add to cart, order). */
void aw_user_rates(const aw_user_mix *mix, double users, double response_s, double rates[AW_EP_COUNT]);

/* ========================================================= faults (Algorithm 2, Tables 1-2) */

typedef enum aw_fault_kind {
  AW_FAULT_CPU_STRESS = 0,
  AW_FAULT_MEMORY_STRESS,
  AW_FAULT_NETWORK_LATENCY,
  AW_FAULT_PACKET_LOSS,
  AW_FAULT_IO_STRESS,
  AW_FAULT_POD_DELETE,
  AW_FAULT_NODE_REBOOT,
  AW_FAULT_UNKNOWN,
  AW_FAULT_KIND_COUNT
} aw_fault_kind;

typedef enum aw_fault_target { AW_TARGET_POD = 0, AW_TARGET_NODE = 1 } aw_fault_target;

/* Stable lower-case names: "cpu-stress", "memory-stress", "network-latency", "packet-loss",
 * "io-stress", "delete-pod", "node-reboot", "unknown". */
const char *aw_fault_kind_name(aw_fault_kind k);
/* Case-insensitive match of an FIS action name; AW_FAULT_UNKNOWN when none matches. */
aw_fault_kind aw_fault_kind_from_action(const char *name, size_t n);

#define AW_SYNTH_MAX_TEMPLATES 16
#define AW_SYNTH_NAME_MAX 48

/* One experiment template of Table 1 with the parameters of Table 2. FIS records show that an
 * action lasts its configured duration plus a start-up overhead (about 0.4 s for node actions,
 * a two-mode 8-12 s or 29-31 s for pod actions, 20.8 s for a pod deletion, 0.6 s for a reboot):
 * the record's end is start + duration + overhead, with overhead drawn from a two-point mixture
 * (fast with probability 1 - p_slow) plus uniform jitter. */
typedef struct aw_fault_template {
  char id[AW_SYNTH_NAME_MAX];       /* FIS template id, e.g. "EXT5BdSTt7r9sAUBi" */
  char action[AW_SYNTH_NAME_MAX];   /* action name as FIS writes it, e.g. "CPU-stress" */
  aw_fault_kind kind;
  aw_fault_target target;
  double duration_s;                /* Table 2 (0 for deletion and reboot) */
  double intensity;                 /* Table 2: percent for stress and loss, ms for latency */
  double overhead_fast_s, overhead_slow_s, p_slow, overhead_jitter_s;
  double weight;                    /* selection weight (default 1 = uniform as Algorithm 2) */
} aw_fault_template;

typedef struct aw_fault_params {
  int enabled;                      /* default 1 */
  double tick_s;                    /* Algorithm 2 runs every tick (default 60 s) */
  double p_anomaly;                 /* probability per tick (default 0.0153 = 1 per 65.4 min, the
                                       rate of the two published FIS logs) */
  double start_delay_min_s, start_delay_max_s; /* FIS start latency after the tick, U(0, 60) */
  double p_stop_early;              /* an action stopped before its end (3 of 306 in the logs) */
  size_t n_templates;
  aw_fault_template templates[AW_SYNTH_MAX_TEMPLATES];
} aw_fault_params;

void aw_fault_params_default(aw_fault_params *p);

/* One FIS action record (the columns of the real logs) plus what the simulator needs. */
typedef struct aw_fault_record {
  char experiment_id[AW_SYNTH_NAME_MAX];
  double start;                 /* unix seconds */
  double end;                   /* unix seconds; NaN when the record has no end time */
  char template_id[AW_SYNTH_NAME_MAX];
  char action[AW_SYNTH_NAME_MAX];   /* as written */
  aw_fault_kind kind;
  aw_fault_target target_type;
  char target[96];              /* "node3" or "<pod instance>||<service>" */
  int node;                     /* 0-based node index of a node target, else -1 */
  int pod;                      /* index of the pod in the topology (-1 if unknown) */
  int new_node;                 /* delete-pod: the node the replacement lands on (-1 otherwise) */
  double duration_s, intensity; /* from the template (NaN when imported and unknown) */
  uint64_t line;                /* 1-based line in the imported file (0 when generated) */
} aw_fault_record;

/* A list of records (generated or imported) and the problems met reading it. */
typedef struct aw_fis_issue {
  uint64_t line;
  char reason[160];
  int rejected;                 /* 1: the row was not kept; 0: kept with a problem noted */
} aw_fis_issue;

typedef struct aw_fault_schedule {
  size_t n;
  aw_fault_record *records;     /* sorted by start time */
  size_t n_issues;
  aw_fis_issue *issues;
  double t0, t1;                /* the horizon the schedule covers (unix seconds) */
} aw_fault_schedule;

void aw_fault_schedule_free(aw_fault_schedule *s);

/* Topology (Sock Shop, the paper's application): 14 pods on n_nodes nodes, 10 services. */
#define AW_SOCKSHOP_PODS 14
#define AW_SOCKSHOP_SERVICES 10
#define AW_SYNTH_MAX_NODES 16

typedef struct aw_topology_params {
  size_t n_nodes;               /* default 5 */
  int placement[AW_SOCKSHOP_PODS];  /* initial node of each pod (0-based) */
  double node_cpu_m;            /* allocatable millicores per node, default 2000 (t3.large) */
  double node_mem_mib;          /* allocatable memory per node, default 7680 MiB */
} aw_topology_params;

void aw_topology_params_default(aw_topology_params *p);
/* Pod (deployment) names in column order: front-end, catalogue, catalogue-db, carts, carts-db,
 * orders, orders-db, payment, shipping, queue-master, rabbitmq, user, user-db, session-db. */
const char *aw_sockshop_pod_name(size_t pod);
/* The 10 services with service-level metrics (the pods that are not databases, plus
 * session-db): index into the pod list. */
size_t aw_sockshop_service_pod(size_t service);

/* Algorithm 2: every tick_s from t0 to t1, with probability p_anomaly, an experiment from a
 * template (weighted choice) on a random target (node uniformly, or pod uniformly; a deleted pod
 * comes back under a new instance name on another node, which later records use). Experiments
 * still running at t1 get no end time, as in the published logs. *out owned by the caller. */
aw_status aw_fault_schedule_generate(const aw_fault_params *p, const aw_topology_params *topo,
                                     double t0, double t1, uint64_t seed, aw_fault_schedule **out,
                                     aw_error *err);

/* Writes records as FIS CSV: `Experiment ID,Action Start Time,Action End Time,Template Id,
 * Action Name,Target Type,Target` (ISO 8601 UTC with milliseconds, empty end when unknown). */
aw_status aw_fault_schedule_write_csv(const aw_fault_schedule *s, aw_buf *out);

/* ---- importer for real FIS records (streaming; chunks of any size) ----
 * Rows with an unparseable start time or too few fields are rejected (issue with line and
 * reason); a missing or unparseable end time keeps the row with end = NaN and notes it; unknown
 * action names are kept as AW_FAULT_UNKNOWN and noted. Records are sorted by start at finish. */
typedef struct aw_fis_reader aw_fis_reader;
aw_fis_reader *aw_fis_reader_new(const char *name, aw_error *err);
aw_status aw_fis_reader_feed(aw_fis_reader *r, const void *data, size_t n, aw_error *err);
/* Ends the input and hands over the schedule (caller frees); t0/t1 = first start, last end. */
aw_status aw_fis_reader_finish(aw_fis_reader *r, aw_fault_schedule **out, aw_error *err);
void aw_fis_reader_free(aw_fis_reader *r);
aw_status aw_fis_import_text(const char *name, const char *text, size_t n, aw_fault_schedule **out,
                             aw_error *err);

/* Statistics of a schedule (to compare generated schedules with real logs). */
typedef struct aw_fault_type_stats {
  size_t count;                 /* records of that kind and target with an end time */
  double mean_s, median_s, min_s, max_s;
} aw_fault_type_stats;

typedef struct aw_fault_stats {
  size_t n;                     /* records */
  size_t n_open;                /* records without an end time */
  double span_s;                /* t1 - t0 */
  double minutes_per_experiment;/* span / n in minutes */
  double fraction_under_fault;  /* measure of the union of [start, end) over the span */
  double fraction_summed;       /* sum of durations over the span (counts overlaps twice) */
  size_t n_overlapping;         /* records starting before an earlier one ended */
  double median_gap_s;          /* median time between consecutive starts */
  aw_fault_type_stats by_type[AW_FAULT_KIND_COUNT][2];   /* [kind][target] */
} aw_fault_stats;

void aw_fault_schedule_stats(const aw_fault_schedule *s, aw_fault_stats *out);

/* ================================================================== telemetry simulator */

typedef struct aw_telemetry_params {
  double interval_s;            /* metric sampling interval, default 60 s, >= the load's dt */
  double noise_rel;             /* relative measurement noise of gauges, default 0.02 */
  int digits;                   /* significant digits kept in metric values (0 = all), default 6 */
  aw_user_mix mix;
  aw_topology_params topo;
  double recreate_s;            /* a deleted pod is back after this (default 30 s) */
  double restart_s;             /* a restarted container is back after this (default 12 s) */
  double reboot_s;              /* a rebooted node is back after this (default 90 s) */
  double p_restart_node_loss;   /* pods on a node under packet loss restart with this p (0.3) */
  double rto_ms;                /* TCP retransmission time-out for packet loss (200 ms) */
} aw_telemetry_params;

void aw_telemetry_params_default(aw_telemetry_params *p);

/* Per-pod log lines while simulating; called in time order per pod. `line` is the whole text
 * line without newline ("2024-05-13 16:00:01.123 INFO <content>"); `content` points into it;
 * template is the ground-truth template (variables as <*>) and event the template's id
 * ("E3"), unique per pod. Return AW_OK to continue. */
typedef struct aw_log_line {
  size_t source;                /* pod index (telemetry) or 0 (DAM) */
  double time;                  /* unix seconds */
  const char *line;
  size_t line_len;
  const char *date, *clock, *level, *content;   /* NUL-terminated parts of the line */
  const char *event;            /* "E3" */
  const char *template_text;    /* "GET /catalogue?size=<*> 200 <*> ms" */
} aw_log_line;
typedef aw_status (*aw_log_fn)(void *ud, const aw_log_line *line, aw_error *err);

typedef struct aw_log_params {
  int enabled;                  /* default 1 */
  double sample;                /* probability that a request writes its normal log line in a
                                   pod it visits (default 0.005; errors always log) */
  double background_per_min;    /* periodic housekeeping lines per pod per minute (default 0.5) */
} aw_log_params;

void aw_log_params_default(aw_log_params *p);

/* Template table of a pod's log grammar (for writing the templates file). aw_log_template_text
 * writes the ground truth (variables as <*>) of template i into buf (cap bytes, NUL-terminated)
 * and returns its length, 0 when out of range. */
size_t aw_log_template_count(size_t pod);
size_t aw_log_template_text(size_t pod, size_t i, char *buf, size_t cap);
const char *aw_log_template_event(size_t pod, size_t i);  /* "E<i+1>" */

/* The simulator streams metric rows: timestamp, 5 x 12 node metrics, 14 x 19 pod metrics,
 * 10 x 14 service metrics, load_anomaly, fis_anomaly, anomaly (470 columns with the defaults,
 * the shape of the paper's Table 3). NaN marks a sample with no data (a node rebooting, a pod
 * deleted for a whole interval). */
typedef struct aw_telemetry aw_telemetry;

/* load and faults are borrowed and must outlive the simulator; faults may be NULL. logs may be
 * NULL (no logs). */
aw_telemetry *aw_telemetry_new(const aw_telemetry_params *p, const aw_log_params *lp,
                               const aw_load_series *load, const aw_fault_schedule *faults,
                               uint64_t seed, aw_log_fn logs, void *log_ud, aw_error *err);
size_t aw_telemetry_cols(const aw_telemetry *t);
const char *aw_telemetry_col_name(const aw_telemetry *t, size_t j);
size_t aw_telemetry_rows(const aw_telemetry *t);
/* Simulates the next interval and writes aw_telemetry_cols values into row. Returns AW_OK, or
 * AW_ERR_STATE once every row was produced. Log lines of the interval go to the log callback. */
aw_status aw_telemetry_next(aw_telemetry *t, double *row, aw_error *err);

/* Ground truth of the row just produced (for labels.csv). */
typedef struct aw_row_labels {
  int load_anomaly, fis_anomaly, anomaly;
  double load_multiplier;       /* largest Algorithm 1 multiplier in the interval (1 if none) */
  const char *fault_action;     /* action of the first fault active in the interval, or "" */
  const char *fault_target;     /* its target, or "" */
  size_t n_faults;              /* faults active in the interval */
} aw_row_labels;
void aw_telemetry_row_labels(const aw_telemetry *t, aw_row_labels *out);

/* Endpoint request rates (requests/s, averaged over the row's interval), for requests.csv. */
const double *aw_telemetry_endpoint_rates(const aw_telemetry *t);
void aw_telemetry_free(aw_telemetry *t);

/* ========================================================== DAM's single-service scenario */

typedef enum aw_dam_fault {
  AW_DAM_NONE = 0,
  AW_DAM_CPU_CONTENTION,
  AW_DAM_MEMORY_CONTENTION,
  AW_DAM_THREAD_DEADLOCK,
  AW_DAM_NETWORK_ABORT,         /* network transmission abortion */
  AW_DAM_BURST_TRAFFIC,
  AW_DAM_BUSINESS_FAULT,        /* shows only in logs */
  AW_DAM_FAULT_COUNT
} aw_dam_fault;

const char *aw_dam_fault_name(aw_dam_fault f);

typedef struct aw_dam_params {
  double anomaly_fraction;      /* target share of anomalous seconds, default 0.10 */
  double fault_min_s, fault_max_s;  /* fault duration U(a, b), default (120, 300) */
  double train_fraction;        /* the first part used for training, default 0.5 */
  size_t min_train_faults;      /* faults that must start inside the training part, default 2 */
  double requests_per_user;     /* service requests/s per concurrent user, default 0.05 */
  double log_sample;            /* share of requests that log (default 1) */
  double noise_rel;             /* default 0.03 */
} aw_dam_params;

void aw_dam_params_default(aw_dam_params *p);

#define AW_DAM_DIMS 7
/* The 7 metric dimensions of DAM (the 8th is logs): cpu, memory, load_index, net_tx, net_rx,
 * file_write, file_read. */
const char *aw_dam_dim_name(size_t d);

typedef struct aw_dam_segment {
  size_t start, end;            /* steps [start, end) */
  aw_dam_fault fault;
} aw_dam_segment;

typedef struct aw_dam_result {
  size_t n;
  double *time;
  double *dims[AW_DAM_DIMS];    /* n values each */
  double *log_lines;            /* log lines per step */
  uint8_t *label;               /* 1 = anomalous step */
  uint8_t *fault;               /* aw_dam_fault per step */
  size_t n_segments;
  aw_dam_segment *segments;
  size_t train_end;             /* steps [0, train_end) form the training part */
} aw_dam_result;

/* One service at the load's time step (1 s by default) driven by `load` (its users). Log lines
 * go to logs (may be NULL). */
aw_status aw_dam_generate(const aw_dam_params *p, const aw_load_series *load, uint64_t seed,
                          aw_log_fn logs, void *log_ud, aw_dam_result **out, aw_error *err);
void aw_dam_result_free(aw_dam_result *r);
size_t aw_dam_log_template_count(void);
size_t aw_dam_log_template_text(size_t i, char *buf, size_t cap);
const char *aw_dam_log_template_event(size_t i);

/* ================================================================ replica scenario (DTW) */

typedef enum aw_replica_fault {
  AW_REPLICA_CPU_HOG = 0,
  AW_REPLICA_MEMORY_LEAK,
  AW_REPLICA_PACKET_LOSS,
  AW_REPLICA_LATENCY,
  AW_REPLICA_FAULT_COUNT,
  AW_REPLICA_RANDOM = -1        /* pick one at random */
} aw_replica_fault;

const char *aw_replica_fault_name(aw_replica_fault f);

#define AW_REPLICA_METRICS 6
/* cpu_utilization, memory_mib, net_rx_bytes, net_tx_bytes, latency_ms, request_rate */
const char *aw_replica_metric_name(size_t m);

typedef struct aw_replica_params {
  size_t replicas;              /* k, default 3 (2..64) */
  int fault;                    /* aw_replica_fault or AW_REPLICA_RANDOM (default) */
  int faulty_replica;           /* 0-based, or -1 (default) = random */
  double fault_start_frac_min, fault_start_frac_max;  /* start U(a, b) of the duration (0.3, 0.6) */
  double fault_duration_s;      /* default 600 */
  double requests_per_user;     /* default 0.3 */
  double noise_rel;             /* default 0.03 */
} aw_replica_params;

void aw_replica_params_default(aw_replica_params *p);

typedef struct aw_replica_result {
  size_t n, k;
  double *time;                 /* n */
  double *values;               /* AW_REPLICA_METRICS * k * n: value(m, r, i) */
  uint8_t *label;               /* n: 1 while the fault is active */
  int faulty_replica;
  aw_replica_fault fault;
  size_t fault_start, fault_end;    /* steps [start, end) */
} aw_replica_result;

static inline double aw_replica_value(const aw_replica_result *r, size_t m, size_t rep, size_t i) {
  return r->values[(m * r->k + rep) * r->n + i];
}
static inline const double *aw_replica_series(const aw_replica_result *r, size_t m, size_t rep) {
  return r->values + (m * r->k + rep) * r->n;
}

aw_status aw_replica_generate(const aw_replica_params *p, const aw_load_series *load, uint64_t seed,
                              aw_replica_result **out, aw_error *err);
void aw_replica_result_free(aw_replica_result *r);

/* ============================================================ fit a load model to a series */

typedef struct aw_fit_opts {
  size_t num_intervals;         /* trend intervals, default 30 */
  size_t max_components;        /* default 8 */
  double min_strength;          /* default 0.002 (see aw_period_opts) */
  double anomaly_threshold;     /* a step is anomalous when users / model > 1 + this over a
                                   smoothing window (default 0.25) */
  size_t anomaly_window;        /* median window in steps (default 31) */
  int snap;                     /* snap periods to multiples of dt (default 1) */
} aw_fit_opts;

void aw_fit_opts_default(aw_fit_opts *o);

typedef struct aw_fit_result {
  aw_load_params model;         /* a load model (explicit slopes) that synthesizes look-alikes */
  double noise_variance;        /* residual variance (all components' noise together) */
  double r2;                    /* share of variance the fitted model explains */
  double residual_std;
  size_t n_anomalous;           /* steps flagged as load anomalies */
  size_t n_segments;
  size_t n_used;
} aw_fit_result;

/* Estimates base load, the trend's interval slopes, the components (T_i = 2 x the spectral
 * period, because sin^2 halves the period; A_i from least squares; sigma_i: the white noises of
 * Eq. 1 add up, so only their total A-weighted variance is identifiable and every sigma_i gets the
 * same value) and Algorithm 1's parameters from the detected anomalies. y may hold NaN. */
aw_status aw_load_fit(const double *y, size_t n, double dt, double start_time, const aw_fit_opts *opts,
                      const aw_progress *prog, aw_fit_result *out, aw_error *err);
/* The fitted model as a synth config (JSON): {"format": "aw-synth", ..., "load": {...},
 * "fit_diagnostics": {...}}, so `aw synth --config fit.json` synthesizes look-alikes. */
aw_status aw_fit_result_to_json(const aw_fit_result *r, aw_buf *out);

/* ================================================== as columnar tables (for the workspace) */

/* Each builds a new table (caller frees with aw_table_free) with the time column and the same
 * columns as the CSV files. aw_telemetry_to_table drains the simulator's remaining rows (log lines
 * still go to its callback); prog may be NULL. */
aw_status aw_load_series_to_table(const aw_load_series *s, aw_table **out, aw_error *err);
aw_status aw_telemetry_to_table(aw_telemetry *t, const aw_progress *prog, aw_table **out, aw_error *err);
aw_status aw_dam_to_table(const aw_dam_result *d, aw_table **out, aw_error *err);
aw_status aw_replica_to_table(const aw_replica_result *r, aw_table **out, aw_error *err);

/* ============================================================= config, presets, writing */

typedef enum aw_synth_preset {
  AW_PRESET_ALLAM_7D = 0,       /* the paper's 7-day example: load, faults, telemetry, logs */
  AW_PRESET_DAM_SERVICE,        /* DAM's single service at 1 s (1 day) */
  AW_PRESET_REPLICAS,           /* k replicas, one faulty (2 hours at 1 s) */
  AW_PRESET_COUNT
} aw_synth_preset;

const char *aw_synth_preset_name(aw_synth_preset p);
/* Returns 1 and sets *out when name is a preset name. */
int aw_synth_preset_from_name(const char *name, aw_synth_preset *out);

typedef struct aw_synth_config {
  aw_synth_preset preset;
  uint64_t seed;
  aw_load_params load;
  aw_fault_params faults;
  aw_telemetry_params telemetry;
  aw_log_params logs;
  aw_dam_params dam;
  aw_replica_params replicas;
} aw_synth_config;

void aw_synth_config_default(aw_synth_config *c, aw_synth_preset preset);
/* Parses a JSON config: {"format": "aw-synth", "version": 1, "preset": "...", "seed": N,
 * "load": {...}, "users": {...}, "faults": {...}, "telemetry": {...}, "logs": {...},
 * "dam": {...}, "replicas": {...}}. Every key is optional (defaults of the preset); unknown keys,
 * wrong types and out-of-range values are errors naming the key path (e.g.
 * "load.components[2].period_s: must be > 0"); JSON syntax errors give line and column. */
aw_status aw_synth_config_from_json(const char *text, size_t n, aw_synth_config *c, aw_error *err);
/* The complete effective config (every field) as JSON; parsing it back gives the same config. */
aw_status aw_synth_config_to_json(const aw_synth_config *c, aw_buf *out);
aw_status aw_synth_config_validate(const aw_synth_config *c, aw_error *err);

/* Receives the output files in chunks, in order; `file` is a relative path ("load.csv",
 * "logs/front-end.log"). A file's chunks arrive in order but files may interleave. */
typedef aw_status (*aw_synth_out_fn)(void *ud, const char *file, const void *data, size_t n,
                                     aw_error *err);

/* Produces every file of the config's preset through out:
 *  allam-7d: spec.json, load.csv, load_anomalies.csv, faults.csv, metrics.csv, labels.csv,
 *            requests.csv, logs/<pod>.log, logs/<pod>.log_structured.csv,
 *            logs/<pod>.log_templates.csv
 *  dam-service: spec.json, load.csv, metrics.csv, labels.csv, logs/service.log (+ ground truth)
 *  replicas: spec.json, load.csv, metrics.csv, labels.csv
 * prog may be NULL. */
aw_status aw_synth_write(const aw_synth_config *c, aw_synth_out_fn out, void *ud, const aw_progress *prog,
                         aw_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* bench_dam.c - DAM training speed (issue: seconds per epoch of 47,600 windows, W = 10, batch 256)
 * and the memory needed to train on a 7-day 1 s dataset (604,800 steps).
 *
 * The data are synthetic (8 columns in DAM's layout: daily-like sinusoids plus noise, a spiky
 * "template number" column), because speed does not depend on the values; bench/ref_dam.py builds
 * the same architecture in PyTorch and times it on the same sizes.
 *
 *   BENCH dam_epoch_seconds          seconds per training epoch (wall clock, mean of the timed epochs)
 *   BENCH dam_epoch_cpu_seconds      the same in CPU seconds of the process (robust to other jobs)
 *   BENCH dam_forward_windows_per_s  scoring throughput (forward only)
 *   BENCH dam_604800_peak_mb         peak memory while training/scoring on 604,800 steps
 */
#include <stdint.h>
#include <string.h>

#include "aw/math.h"
#include "aw/nn_model.h"
#include "aw/rng.h"
#include "bench.h"

/* CPU seconds of this process: on a machine shared with other jobs the wall clock also counts
 * the time others ran, so both are reported (the reference script does the same). */
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
static double peak_mb(void) { return (double)__builtin_wasm_memory_size(0) * 65536.0 / 1048576.0; }
static double cpu_now(void) {
  /* Node's process.cpuUsage (EM_ASM needs gnu mode; the build is -std=c11) */
  const char *s = emscripten_run_script_string(
      "(function(){var u=process.cpuUsage();return String((u.user+u.system)/1e6);})()");
  return strtod(s, NULL);
}
#else
#include <sys/resource.h>
static double peak_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#endif

static double *synth(size_t n, uint64_t seed) {
  double *x = malloc(n * 8 * sizeof *x);
  if (!x) return NULL;
  aw_rng r;
  aw_rng_seed(&r, seed);
  for (size_t t = 0; t < n; t++) {
    double ph = AW_TWO_PI * (double)t / 3600.0;
    for (int j = 0; j < 7; j++)
      x[t * 8 + j] = 10.0 + (j + 1) * aw_sin(ph + j) + 0.3 * aw_rng_normal(&r);
    x[t * 8 + 7] = aw_rng_uniform(&r) < 0.02 ? 20.0 + aw_rng_below(&r, 10) : 1.0 + aw_rng_below(&r, 5);
  }
  return x;
}

static int fail(const char *what, const aw_error *e) {
  fprintf(stderr, "bench_dam: %s: %s\n", what, e->message);
  return 1;
}

int main(int argc, char **argv) {
  const size_t W = 10, want_windows = 47600; /* batch: the default 256 */
  int epochs_timed = argc > 1 ? atoi(argv[1]) : 2;
  if (epochs_timed < 1) epochs_timed = 1;
  /* n_train = 0.6 n steps give n_train - W = 47,600 training windows */
  const size_t n_train = want_windows + W, n = (size_t)((double)n_train / 0.6) + 1;
  aw_error e;
  double *x = synth(n, 1);
  aw_nn_dataset_opts dopt;
  aw_nn_dataset_opts_default(&dopt);
  dopt.window = W;
  dopt.train_frac = (double)n_train / (double)n + 1e-9;
  aw_nn_dataset *ds = aw_nn_dataset_new(x, n, 8, &dopt, &e);
  if (!ds) return fail("dataset", &e);
  if (aw_nn_dataset_train_windows(ds) != want_windows) {
    fprintf(stderr, "bench_dam: %zu training windows, wanted %zu\n", aw_nn_dataset_train_windows(ds), want_windows);
    return 1;
  }
  aw_nn_model_opts mo;
  aw_nn_model_opts_default(&mo);
  aw_nn_model *m = aw_nn_model_new(AW_NN_DAM, ds, &mo, &e);
  if (!m) return fail("model", &e);
  aw_nn_train_opts to;
  aw_nn_train_opts_default(&to);
  to.val_frac = 0.0; /* time pure training, as the reference does */
  to.patience = 0;
  to.epochs = (size_t)epochs_timed + 1;
  aw_nn_trainer *tr = aw_nn_trainer_new(m, ds, &to, &e);
  if (!tr) return fail("trainer", &e);
  aw_nn_train_stats st;
  aw_nn_trainer_stats(tr, &st);
  /* warm-up: one epoch (allocation, caches); then whole epochs */
  if (aw_nn_trainer_step(tr, st.batches_per_epoch, NULL, &e)) return fail("train", &e);
  double t0 = bench_now();
  double c0 = cpu_now();
  if (aw_nn_trainer_step(tr, st.batches_per_epoch * (size_t)epochs_timed, NULL, &e)) return fail("train", &e);
  double sec = (bench_now() - t0) / epochs_timed;
  double cpu = (cpu_now() - c0) / epochs_timed;
  aw_nn_trainer_stats(tr, &st);
  fprintf(stderr, "bench_dam [%s]: %zu windows/epoch, %zu batches, epoch loss %.5f, %d epochs timed, %.3f s wall and %.3f s CPU per epoch\n",
          BENCH_FLAVOUR, st.n_train, st.batches_per_epoch, st.epoch_loss, epochs_timed, sec, cpu);
  bench_report("dam_epoch_seconds", sec, "s", "lower");
  bench_report("dam_epoch_cpu_seconds", cpu, "s", "lower");

  size_t ns = 20000;
  float *sc = malloc(ns * sizeof *sc);
  t0 = bench_now();
  if (aw_nn_model_score(m, ds, 0, ns, sc, NULL, NULL, &e)) return fail("score", &e);
  bench_report("dam_forward_windows_per_s", (double)ns / (bench_now() - t0), "windows/s", "higher");
  free(sc);
  aw_nn_trainer_free(tr);
  aw_nn_model_free(m);
  aw_nn_dataset_free(ds);
  free(x);

  /* Memory for 7 days at 1 s: the raw series (doubles, as fusion hands it over), the scaled copy,
   * the model, a trainer with its batch buffers, 20 training batches, scores for every window. */
  const size_t big = 604800;
  x = synth(big, 2);
  dopt.train_frac = 0.6;
  ds = aw_nn_dataset_new(x, big, 8, &dopt, &e);
  if (!ds) return fail("dataset 604800", &e);
  m = aw_nn_model_new(AW_NN_DAM, ds, &mo, &e);
  if (!m) return fail("model 604800", &e);
  to.val_frac = 0.1;
  to.epochs = 1;
  tr = aw_nn_trainer_new(m, ds, &to, &e);
  if (!tr) return fail("trainer 604800", &e);
  if (aw_nn_trainer_step(tr, 20, NULL, &e)) return fail("train 604800", &e);
  size_t nw = aw_nn_dataset_windows(ds);
  sc = malloc(nw * sizeof *sc);
  if (!sc || aw_nn_model_score(m, ds, nw - 5000, 5000, sc + nw - 5000, NULL, NULL, &e))
    return fail("score 604800", &e);
  memset(sc, 0, nw * sizeof *sc);
  bench_report("dam_604800_peak_mb", peak_mb(), "MB", "lower");
  free(sc);
  aw_nn_trainer_free(tr);
  aw_nn_model_free(m);
  aw_nn_dataset_free(ds);
  free(x);
  return 0;
}

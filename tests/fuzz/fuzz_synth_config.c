/* fuzz_synth_config.c - libFuzzer target for the synth JSON config parser: any input is parsed
 * without crashing; an accepted config prints back to JSON that parses to the same config (same
 * bytes again), and when it is small it is run end to end (load, faults, telemetry, logs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aw/synth.h"

static aw_status sink(void *ud, const char *file, const void *data, size_t n, aw_error *err) {
  (void)ud, (void)file, (void)data, (void)n, (void)err;
  return AW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aw_synth_config *c = malloc(sizeof *c), *d = malloc(sizeof *d);
  aw_error err;
  if (c && d && aw_synth_config_from_json((const char *)data, size, c, &err) == AW_OK) {
    aw_buf a = {0}, b = {0};
    if (aw_synth_config_to_json(c, &a) != AW_OK) abort();
    if (aw_synth_config_from_json(a.data, a.len, d, &err) != AW_OK) abort();
    if (aw_synth_config_to_json(d, &b) != AW_OK) abort();
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) abort();
    /* run small configs whole */
    if (aw_load_steps(&c->load) <= 4000 && c->telemetry.interval_s >= c->load.dt_s * 10) aw_synth_write(c, sink, NULL, NULL, &err);
    aw_buf_free(&a);
    aw_buf_free(&b);
  }
  free(c);
  free(d);
  return 0;
}

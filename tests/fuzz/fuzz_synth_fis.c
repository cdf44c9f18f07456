/* fuzz_synth_fis.c - libFuzzer target for the AWS FIS record importer: any bytes, fed whole and in
 * small chunks, give the same records and never crash; statistics of what was read are finite. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aw/synth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aw_error err;
  aw_fault_schedule *a = NULL, *b = NULL;
  aw_status sa = aw_fis_import_text("fuzz.csv", (const char *)data, size, &a, &err);
  aw_fis_reader *r = aw_fis_reader_new("fuzz.csv", &err);
  aw_status sb = AW_OK;
  for (size_t i = 0; r && i < size && sb == AW_OK; i += 3) sb = aw_fis_reader_feed(r, data + i, size - i < 3 ? size - i : 3, &err);
  if (r && sb == AW_OK) sb = aw_fis_reader_finish(r, &b, &err);
  aw_fis_reader_free(r);
  if ((sa == AW_OK) != (sb == AW_OK)) abort();
  if (a && b) {
    if (a->n != b->n) abort();
    for (size_t i = 0; i < a->n; i++)
      if (strcmp(a->records[i].experiment_id, b->records[i].experiment_id) != 0 || a->records[i].kind != b->records[i].kind)
        abort();
    aw_fault_stats st;
    aw_fault_schedule_stats(a, &st);
    if (!(st.fraction_under_fault >= 0) || isnan(st.span_s)) abort();
  }
  aw_fault_schedule_free(a);
  aw_fault_schedule_free(b);
  return 0;
}

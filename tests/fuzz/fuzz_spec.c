/* fuzz_spec.c - libFuzzer target for the analysis spec parser and the runner's validation. */
#include <stdint.h>
#include <stdlib.h>

#include "aw/spec.h"
#include "aw/workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aw_spec *s = NULL;
  aw_error err;
  if (aw_spec_parse((const char *)data, size, "fuzz", &s, &err) == AW_OK) {
    /* with a small table loaded, run whatever the spec asks: errors are fine, crashes are not */
    aw_ws *ws = aw_ws_new();
    aw_table *t = NULL;
    const char csv[] = "timestamp,a,b\n1,2,3\n2,3,4\n";
    if (aw_table_from_csv_text(csv, sizeof csv - 1, NULL, &t, &err) == AW_OK) aw_ws_put_table(ws, "m", t, &err);
    cJSON *res = NULL;
    aw_ws_run(ws, s, NULL, &res, &err);
    cJSON_Delete(res);
    aw_ws_free(ws);
    aw_spec_free(s);
  }
  return 0;
}

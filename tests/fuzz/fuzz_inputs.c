/* fuzz_inputs.c - the page's input kinds (csv_long, prom_json, windows, fis, log_csv) on arbitrary
 * bytes: the first byte picks the kind and the chunk size, the rest is the file. Every load must
 * end in AW_OK or a clean error, never a crash, leak or hang; and splitting the same bytes into
 * other chunks must give the same status and load info. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aw/spec.h"
#include "aw/workspace.h"

static const char *const kinds[] = {"csv_long", "prom_json", "windows", "fis", "log_csv"};

static char *load(const char *kind, const uint8_t *d, size_t n, size_t chunk, aw_status *out) {
  aw_ws *ws = aw_ws_new();
  aw_error err = {0};
  cJSON *info = NULL;
  cJSON *opt = cJSON_Parse("{\"max_points\":100000}");
  if (strcmp(kind, "csv_long") && strcmp(kind, "prom_json")) {
    cJSON_Delete(opt);
    opt = NULL;
  }
  aw_status st = aw_ws_input_begin(ws, "x", kind, "fuzz", opt, &err);
  cJSON_Delete(opt);
  for (size_t off = 0; off < n && !st; off += chunk) st = aw_ws_input_feed(ws, d + off, off + chunk < n ? chunk : n - off, &err);
  if (!st) st = aw_ws_input_end(ws, &info, &err);
  else if (aw_ws_input_open(ws)) aw_ws_input_abort(ws);
  char *s = NULL;
  if (info) {
    cJSON_DeleteItemFromObject(info, "sha256");
    s = cJSON_PrintUnformatted(info);
    cJSON_Delete(info);
  }
  aw_ws_free(ws);
  *out = st;
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *kind = kinds[data[0] % 5];
  size_t chunk = 1 + (data[0] >> 3);
  aw_status a, b;
  char *x = load(kind, data + 1, size - 1, chunk, &a);
  char *y = load(kind, data + 1, size - 1, 1 << 20, &b);
  if (a != b || (x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0)) abort(); /* chunking changed the result */
  cJSON_free(x);
  cJSON_free(y);
  return 0;
}

/* fuzz_drain.c - libFuzzer target for Drain. The first bytes choose the options (similarity and
 * short-message modes, improvements, st, depth, max_clusters, masks); the rest are messages, one
 * per line. After parsing: save a snapshot, load it, save again (must be identical), keep parsing
 * the loaded model with the same lines (same result as the original), read-only match and
 * parameters. Raw input is also tried as a snapshot (validation must never crash). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aw/drain.h"

static const char *MASKS[] = {"\\d+", "(\\d+\\.){3}\\d+", "blk_-?\\d+", "0x[0-9a-f]+", "/.+?\\s", "\\b\\w+=", "[A-Z]{2,}"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aw_drain *snap = NULL;
  aw_error err;
  if (aw_drain_load((const char *)data, size, "fuzz", &snap, &err) == AW_OK) aw_drain_free(snap);
  if (size < 4) return 0;
  aw_drain_opts o;
  aw_drain_opts_default(&o);
  o.similarity = data[0] % 3;
  o.short_messages = (data[0] / 3) % 3;
  o.variable_length = (data[0] >> 5) & 1;
  o.refine_tokens = (data[0] >> 6) & 1;
  o.st = (data[1] % 11) / 10.0;
  o.depth = 3 + data[1] % 5;
  o.max_clusters = data[2] % 4 == 0 ? 0 : 1 + data[2] % 16;
  o.max_children = 2 + data[2] % 7;
  const char *delims[] = {"_", ":"};
  o.extra_delimiters = delims;
  o.n_extra_delimiters = data[3] & 1 ? 2 : 0;
  aw_drain *d = aw_drain_new(&o, &err);
  if (!d) return 0;
  for (int m = 0; m < 7; m++)
    if (data[3] & (2 << m)) aw_drain_add_mask(d, MASKS[m], m % 2 ? "N" : NULL, &err);
  const char *text = (const char *)data + 4;
  size_t n = size - 4, i = 0, lines = 0;
  uint32_t first_ids[64];
  while (i < n && lines < 400) {
    const char *e = (const char *)memchr(text + i, '\n', n - i);
    size_t l = e ? (size_t)(e - text - i) : n - i;
    aw_drain_result r;
    if (aw_drain_add(d, text + i, l, &r, &err) != AW_OK) abort();
    if (lines < 64) first_ids[lines] = r.cluster_id;
    uint32_t mid;
    aw_drain_match(d, text + i, l, lines % 3, &mid, &err);
    size_t tl;
    const char *t = aw_drain_template(d, r.cluster_id, &tl);
    if (!t) abort();
    char *tc = (char *)malloc(tl + 1);
    memcpy(tc, t, tl + 1);
    aw_drain_params(d, tc, tl, text + i, l, NULL, NULL, &err);
    free(tc);
    i += l + 1;
    lines++;
  }
  (void)first_ids;
  aw_buf s1 = {0}, s2 = {0};
  if (aw_drain_save(d, &s1, &err) != AW_OK) abort();
  aw_drain *d2 = NULL;
  if (aw_drain_load(s1.data, s1.len, NULL, &d2, &err) != AW_OK) abort();
  if (aw_drain_save(d2, &s2, &err) != AW_OK) abort();
  if (s1.len != s2.len || memcmp(s1.data, s2.data, s1.len) != 0) abort();
  /* the loaded model continues exactly like the original */
  i = 0;
  for (size_t k = 0; i < n && k < 50; k++) {
    const char *e = (const char *)memchr(text + i, '\n', n - i);
    size_t l = e ? (size_t)(e - text - i) : n - i;
    aw_drain_result r1, r2;
    aw_drain_add(d, text + i, l, &r1, &err);
    aw_drain_add(d2, text + i, l, &r2, &err);
    if (r1.cluster_id != r2.cluster_id || r1.change != r2.change || r1.group_id != r2.group_id) abort();
    i += l + 1;
  }
  aw_buf_free(&s1);
  aw_buf_free(&s2);
  aw_drain_free(d2);
  aw_drain_free(d);
  return 0;
}

/* fuzz_nn_model.c - model files (aw_nn_model_load) from arbitrary bytes: never crash, leak or
 * accept a model that does not survive a save / load round trip unchanged. Seed corpus:
 * tests/fuzz/corpus/fuzz_nn_model (small saved models). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aw/nn_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aw_error e;
  aw_nn_model *m = aw_nn_model_load(data, size, "fuzz", &e);
  if (!m) return 0;
  /* a model that loads must save, load again and save to the same bytes and weights */
  aw_buf b = {0}, b2 = {0};
  if (aw_nn_model_save(m, &b, &e) != AW_OK) abort();
  aw_nn_model *m2 = aw_nn_model_load(b.data, b.len, "fuzz-resaved", &e);
  if (!m2 || aw_nn_model_hash(m2) != aw_nn_model_hash(m) || aw_nn_model_save(m2, &b2, &e) != AW_OK ||
      b2.len != b.len || memcmp(b.data, b2.data, b.len) != 0)
    abort();
  aw_buf_free(&b);
  aw_buf_free(&b2);
  aw_nn_model_free(m);
  aw_nn_model_free(m2);
  return 0;
}

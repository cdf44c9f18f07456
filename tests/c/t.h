/* t.h - the tiny test harness shared by every C test runner.
 *
 *   static void test_something(void) { T_CHECK(1 + 1 == 2); T_NEAR(x, 0.5, 1e-9); }
 *   int main(int argc, char **argv) { T_RUN(test_something); return t_done(); }
 *
 * A test case passes when none of its checks failed. Every runner ends with the line
 * "N passed, N failed" and exits non-zero when anything failed. Runners are started from the
 * project root; reference data is under $AW_DATA (default ../shared/data).
 * `runner NAME` runs only the test cases whose name contains NAME.
 */
#ifndef AW_T_H
#define AW_T_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_passed, t_failed, t_case_failed, t_checks;
static const char *t_filter;

#define T_FAIL_(...)                                        \
  do {                                                      \
    t_case_failed = 1;                                      \
    fprintf(stderr, "  FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__);                           \
    fputc('\n', stderr);                                    \
  } while (0)

#define T_CHECK(cond)                          \
  do {                                         \
    t_checks++;                                \
    if (!(cond)) T_FAIL_("%s", #cond);         \
  } while (0)

#define T_CHECKF(cond, ...)                    \
  do {                                         \
    t_checks++;                                \
    if (!(cond)) T_FAIL_(__VA_ARGS__);         \
  } while (0)

#define T_EQ_INT(a, b)                                                                      \
  do {                                                                                      \
    long long t_a_ = (long long)(a), t_b_ = (long long)(b);                                 \
    t_checks++;                                                                             \
    if (t_a_ != t_b_) T_FAIL_("%s == %s (%lld != %lld)", #a, #b, t_a_, t_b_);               \
  } while (0)

#define T_NEAR(a, b, tol)                                                                   \
  do {                                                                                      \
    double t_a_ = (double)(a), t_b_ = (double)(b);                                          \
    t_checks++;                                                                             \
    if (!(fabs(t_a_ - t_b_) <= (tol)))                                                      \
      T_FAIL_("%s ~= %s (%.17g vs %.17g, tol %g)", #a, #b, t_a_, t_b_, (double)(tol));     \
  } while (0)

#define T_STREQ(a, b)                                                                       \
  do {                                                                                      \
    const char *t_a_ = (a), *t_b_ = (b);                                                    \
    t_checks++;                                                                             \
    if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0)                                          \
      T_FAIL_("%s == %s (\"%s\" vs \"%s\")", #a, #b, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
  } while (0)

/* Substring check, for error messages. */
#define T_CONTAINS(hay, needle)                                                             \
  do {                                                                                      \
    const char *t_h_ = (hay), *t_n_ = (needle);                                             \
    t_checks++;                                                                             \
    if (!t_h_ || !strstr(t_h_, t_n_)) T_FAIL_("\"%s\" contains \"%s\"", t_h_ ? t_h_ : "(null)", t_n_); \
  } while (0)

static inline void t_run_(const char *name, void (*fn)(void)) {
  if (t_filter && !strstr(name, t_filter)) return;
  t_case_failed = 0;
  fn();
  if (t_case_failed) {
    t_failed++;
    fprintf(stderr, "not ok - %s\n", name);
  } else {
    t_passed++;
    if (getenv("T_VERBOSE")) fprintf(stderr, "ok - %s\n", name);
  }
}

#define T_RUN(fn) t_run_(#fn, fn)
#define T_MAIN_INIT(argc, argv) \
  do {                          \
    if ((argc) > 1) t_filter = (argv)[1]; \
  } while (0)

static inline int t_done(void) {
  printf("%d passed, %d failed\n", t_passed, t_failed);
  fflush(stdout);
  return t_failed ? 1 : 0;
}

/* Path of a file under the shared reference data (static buffer, valid until the next call). */
static inline const char *t_data(const char *rel) {
  static char buf[4096];
  const char *root = getenv("AW_DATA");
  snprintf(buf, sizeof buf, "%s/%s", root && *root ? root : "../shared/data", rel);
  return buf;
}

/* Reads a whole file into a malloc'd NUL-terminated buffer (tests only). */
static inline char *t_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = (char *)malloc(cap);
  size_t k;
  while (b && (k = fread(b + n, 1, cap - n - 1, f)) > 0) {
    n += k;
    if (cap - n - 1 == 0) {
      cap *= 2;
      char *nb = (char *)realloc(b, cap);
      if (!nb) { free(b); b = NULL; break; }
      b = nb;
    }
  }
  fclose(f);
  if (b) b[n] = '\0';
  if (len) *len = n;
  return b;
}

#endif

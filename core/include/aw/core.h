/* aw/core.h - status codes, errors, allocation and small buffers shared by every module.
 *
 * Conventions (see DESIGN.md):
 *  - every fallible call returns aw_status (AW_OK == 0) and, when given a non-NULL aw_error*,
 *    fills it with a code, a message and, when input was at fault, the file/line/column;
 *  - the library never prints, exits or aborts, and keeps no global mutable state;
 *  - the caller owns what it passes in; the module owns what it allocates (each header says
 *    which for every pointer).
 */
#ifndef AW_CORE_H
#define AW_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AW_VERSION_MAJOR 0
#define AW_VERSION_MINOR 1
#define AW_VERSION_PATCH 0
#define AW_VERSION "0.1.0"

/* Allocation goes through these macros so an embedder (or a fuzzer) can override them. */
#ifndef AW_MALLOC
#include <stdlib.h>
#define AW_MALLOC(n) malloc(n)
#define AW_CALLOC(n, s) calloc((n), (s))
#define AW_REALLOC(p, n) realloc((p), (n))
#define AW_FREE(p) free(p)
#endif

typedef enum aw_status {
  AW_OK = 0,
  AW_ERR_ARG = 1,         /* a caller's argument is invalid (NULL, out of range) */
  AW_ERR_NOMEM = 2,       /* an allocation failed */
  AW_ERR_IO = 3,          /* reading or writing a file failed */
  AW_ERR_PARSE = 4,       /* input text is malformed (see line/column) */
  AW_ERR_RANGE = 5,       /* a value is outside its allowed range */
  AW_ERR_LIMIT = 6,       /* a configured bound was exceeded (line length, columns, sizes) */
  AW_ERR_STATE = 7,       /* the call is not valid in the object's current state */
  AW_ERR_CANCELLED = 8,   /* the job was cancelled */
  AW_ERR_UNSUPPORTED = 9, /* a feature or format that is not supported */
  AW_ERR_NUMERIC = 10,    /* a computation failed (NaN, no convergence, singular) */
  AW_ERR_VERSION = 11,    /* a file/snapshot/spec from another version */
  AW_ERR_NOTFOUND = 12    /* a named thing (column, input, step) does not exist */
} aw_status;

#define AW_ERROR_MSG_MAX 512
#define AW_ERROR_FILE_MAX 160

typedef struct aw_error {
  aw_status code;
  char file[AW_ERROR_FILE_MAX]; /* input file (or spec path) at fault, "" if none */
  uint64_t line;                /* 1-based line of bad input, 0 if not applicable */
  uint64_t column;              /* 1-based column (byte) of bad input, 0 if not applicable */
  char message[AW_ERROR_MSG_MAX];
} aw_error;

/* Resets err to AW_OK with empty fields. err may be NULL. */
void aw_error_clear(aw_error *err);

/* Fills err (if non-NULL) with code and a printf-style message; returns code, so a caller can
 * write `return aw_error_set(err, AW_ERR_ARG, "window must be > 0, got %d", w);`.
 * Keeps err->file/line/column as they are. */
aw_status aw_error_set(aw_error *err, aw_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Like aw_error_set, and records where in the input the problem is (file may be NULL). */
aw_status aw_error_at(aw_error *err, aw_status code, const char *file, uint64_t line, uint64_t column,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Prepends "prefix: " to err->message (for context as an error travels up). Returns err->code. */
aw_status aw_error_prefix(aw_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Short stable name of a status ("ok", "parse", "limit", ...). Never NULL. */
const char *aw_status_name(aw_status s);

/* Writes "file:line:column: message" (parts that are unset are left out) into buf (size n, always
 * NUL-terminated when n > 0). Returns buf. */
char *aw_error_format(const aw_error *err, char *buf, size_t n);

/* Overflow-checked array allocation: NULL if n * size overflows or malloc fails. */
void *aw_alloc_array(size_t n, size_t size);
void *aw_calloc_array(size_t n, size_t size);
/* Grows *p (capacity *cap elements of `size` bytes) to hold at least `need` elements, doubling.
 * On failure *p is unchanged (still valid) and AW_ERR_NOMEM is returned. */
aw_status aw_grow(void **p, size_t *cap, size_t need, size_t size);

/* A growable byte buffer. Zero-initialise ({0}) before use; aw_buf_free releases it. */
typedef struct aw_buf {
  char *data;
  size_t len, cap;
} aw_buf;
aw_status aw_buf_append(aw_buf *b, const void *data, size_t n);
aw_status aw_buf_printf(aw_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
aw_status aw_buf_putc(aw_buf *b, char c);
/* Ensures data[len] == '\0' (not counted in len). */
aw_status aw_buf_terminate(aw_buf *b);
void aw_buf_free(aw_buf *b);

/* Shortest decimal text that reads back as exactly x ("%.15g", "%.16g" or "%.17g", whichever is
 * shortest and round-trips); "nan", "inf", "-inf" for non-finite. Locale-independent. buf needs
 * AW_FMT_DOUBLE_MAX bytes. Returns the length written. */
#define AW_FMT_DOUBLE_MAX 32
size_t aw_fmt_double(char *buf, double x);

/* Cooperative progress and cancellation for long work. A module calls report() now and then with
 * the fraction done (0..1, or < 0 when unknown) and a short stage name; a non-zero return asks the
 * module to stop as soon as it can with AW_ERR_CANCELLED. Either pointer may be NULL. */
typedef struct aw_progress {
  int (*report)(void *ud, double fraction, const char *stage);
  void *ud;
} aw_progress;

/* Calls p->report if set; returns non-zero when the caller asked to cancel. */
int aw_progress_report(const aw_progress *p, double fraction, const char *stage);

#ifdef __cplusplus
}
#endif
#endif

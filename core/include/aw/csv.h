/* aw/csv.h - a streaming CSV tokenizer, and the number and time parsers every importer uses.
 *
 * Feed it chunks of any size (a record may span chunks, even a quoted newline or a CRLF split in
 * two); it calls on_record for every complete record and on_reject for every record it refuses,
 * with the 1-based line where the record starts and a reason. Nothing is dropped silently: blank
 * lines are counted in the stats.
 *
 *   aw_csv_opts o; aw_csv_opts_default(&o); o.name = "metrics.csv";
 *   aw_csv *c = aw_csv_new(&o, on_record, on_reject, ud, &err);
 *   while (n = read(...)) if (aw_csv_feed(c, buf, n, &err)) break;
 *   aw_csv_finish(c, &err);   // flushes a last record without a newline; unterminated quotes
 *   aw_csv_free(c);
 *
 * Dialect: RFC 4180 quoting ("a ""b""", newlines inside quotes), separator ',' ';' or '\t'
 * (detected from the first line unless set), LF, CRLF or CR line ends, a UTF-8 BOM skipped, UTF-8
 * validated. A quote inside an unquoted field is kept literally; text after a closing quote is an
 * error. With `header` set, the first record names the columns and every later record must have
 * the same number of fields ("ragged" rows are rejected).
 *
 * Rejected records (reason text starts with a stable key):
 *   "ragged: expected N fields, found M", "too-long: record longer than N bytes",
 *   "too-many-columns: more than N fields", "nul: NUL byte in column K",
 *   "utf8: invalid UTF-8 in column K", "quote: unexpected text after closing quote in column K",
 *   "unterminated-quote: quoted field never closed" (at finish or when the record outgrows
 *   max_line; parsing then resumes at the next line end).
 * A record longer than max_line is skipped in bounded memory, however long it is.
 */
#ifndef AW_CSV_H
#define AW_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aw_csv_opts {
  char sep;           /* ',', ';', '\t'; 0 (default) = detect from the first line */
  int header;         /* 1 (default): the first record is the header */
  int allow_ragged;   /* 0 (default): with a header, rows with another field count are rejected */
  size_t max_line;    /* max bytes per record, default 1 MiB (AW_CSV_DEFAULT_MAX_LINE) */
  size_t max_cols;    /* max fields per record, default 4096 */
  const char *name;   /* file name used in messages (borrowed; must outlive the reader) */
} aw_csv_opts;

#define AW_CSV_DEFAULT_MAX_LINE ((size_t)1 << 20)
#define AW_CSV_DEFAULT_MAX_COLS ((size_t)4096)

void aw_csv_opts_default(aw_csv_opts *o);

/* One field after unquoting. p is not NUL-terminated; it is valid only during the callback. */
typedef struct aw_csv_field {
  const char *p;
  size_t n;
} aw_csv_field;

typedef struct aw_csv_record {
  uint64_t line;               /* 1-based physical line where the record starts */
  uint64_t index;              /* 0-based record index (the header, if any, is record 0) */
  int is_header;
  size_t nfields;
  const aw_csv_field *fields;  /* valid only during the callback */
} aw_csv_record;

/* Return AW_OK to continue; any other status stops feeding and is returned by aw_csv_feed (fill
 * err with the reason: the reader passes its err through). */
typedef aw_status (*aw_csv_record_fn)(void *ud, const aw_csv_record *rec, aw_error *err);
/* Called for each rejected record; reason is a NUL-terminated string valid during the call. */
typedef void (*aw_csv_reject_fn)(void *ud, uint64_t line, const char *reason);

typedef struct aw_csv aw_csv;

typedef struct aw_csv_stats {
  uint64_t bytes;          /* bytes fed so far */
  uint64_t lines;          /* physical lines seen (complete ones) */
  uint64_t records;        /* records delivered to on_record (header included) */
  uint64_t rejected;       /* records refused */
  uint64_t blank_lines;    /* empty lines skipped */
  char sep;                /* the separator in use (0 until known) */
  size_t header_fields;    /* fields in the header (0 until known or without header) */
} aw_csv_stats;

/* Creates a reader. opts may be NULL (defaults). The callbacks and ud are borrowed. */
aw_csv *aw_csv_new(const aw_csv_opts *opts, aw_csv_record_fn on_record, aw_csv_reject_fn on_reject,
                   void *ud, aw_error *err);
/* Feeds the next n bytes. Returns AW_OK, or the status a record callback returned. */
aw_status aw_csv_feed(aw_csv *c, const void *data, size_t n, aw_error *err);
/* Ends the input: delivers a last record that lacks a line end, rejects an open quote. */
aw_status aw_csv_finish(aw_csv *c, aw_error *err);
const aw_csv_stats *aw_csv_get_stats(const aw_csv *c);
void aw_csv_free(aw_csv *c);

/* ---- numbers and times (locale-independent, shared by every importer) ---- */

/* Parses the whole of p[0..n) as a decimal number ("-1.5e3", "+.5", "1_000" is NOT accepted);
 * surrounding spaces are allowed. Returns 1 and sets *out on success, 0 if it is not a number.
 * "NaN"/"nan"/"NA"/"null"/"" are not numbers here: see aw_parse_cell. Correctly rounded. */
int aw_parse_double(const char *p, size_t n, double *out);

/* A numeric cell: returns 1 with *out = the number, 2 with *out = NaN for a missing value ("",
 * "NaN", "nan", "NA", "N/A", "null", "None", "-"), 0 when the text is not a number. "inf",
 * "-inf", "Infinity" give infinities (returned as 1). */
int aw_parse_cell(const char *p, size_t n, double *out);

/* Time formats recognised by aw_parse_time. */
typedef enum aw_time_format {
  AW_TIME_UNKNOWN = 0,
  AW_TIME_UNIX_S,    /* seconds since 1970 (may have a fraction) */
  AW_TIME_UNIX_MS,   /* milliseconds since 1970 (numbers >= 1e11) */
  AW_TIME_UNIX_US,   /* microseconds since 1970 (numbers >= 1e14) */
  AW_TIME_UNIX_NS,   /* nanoseconds since 1970 (numbers >= 1e17) */
  AW_TIME_ISO8601    /* YYYY-MM-DD[(T| )hh:mm[:ss[.frac]]][Z|(+|-)hh[:mm]]; also '/' as date separator */
} aw_time_format;

/* Parses a timestamp into unix seconds (double; UTC; no offset = UTC). With fmt == AW_TIME_UNKNOWN
 * it detects the format and stores it in *detected (may be NULL); otherwise only that format is
 * accepted. Returns 1 on success, 0 otherwise. Plain numbers: < 1e11 seconds, < 1e14 ms,
 * < 1e17 us, else ns (documented heuristic; pass an explicit format to override). */
int aw_parse_time(const char *p, size_t n, aw_time_format fmt, double *unix_s, aw_time_format *detected);

/* Days since 1970-01-01 of a proleptic Gregorian date (exact integer arithmetic). */
int64_t aw_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Writes unix seconds as ISO 8601 UTC "YYYY-MM-DDThh:mm:ss[.fff]Z" (fraction only when non-zero,
 * millisecond precision). buf needs 40 bytes. Returns the length. */
size_t aw_fmt_time_iso(char *buf, double unix_s);

/* Name of a format ("unix_s", "unix_ms", "unix_us", "unix_ns", "iso8601", "unknown"). */
const char *aw_time_format_name(aw_time_format f);

#ifdef __cplusplus
}
#endif
#endif

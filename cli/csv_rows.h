/* csv_rows.h - reads "long" CSV files for the diagnose and classify commands: one text key column
 * (a replica name or a class label), an optional time column and numeric columns, streamed through
 * the core's CSV tokenizer (aw/csv.h). Every refused cell is an error naming file, line and column;
 * no row is dropped silently. Several files with the same header can be appended. */
#ifndef AW_CLI_CSV_ROWS_H
#define AW_CLI_CSV_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/csv.h"

typedef struct csv_rows_opts {
  const char *key_column;      /* required: the text column (replica name, class label) */
  const char *time_column;     /* NULL = detect (timestamp/time/date/datetime/ts/t whose first value
                                  parses as a time), "" = no time column */
  const char *columns;         /* comma-separated numeric columns to keep; NULL = every column whose
                                  first value is a number or missing (the others are skipped) */
  int allow_missing;           /* 1: missing cells ("", NaN, NA, ...) become NaN; 0: error */
  size_t max_keys;             /* distinct keys allowed (default 4096) */
  size_t max_values;           /* numeric values kept at most (default 64M) */
} csv_rows_opts;

typedef struct csv_rows {
  size_t ncols;
  char **names;          /* kept numeric columns */
  size_t nskipped;
  char **skipped;        /* text columns left out */
  char *time_name;       /* NULL without a time column */
  aw_time_format time_format;
  size_t n, cap;
  double *values;        /* n x ncols, row-major */
  double *times;         /* n (NaN without a time column) */
  uint32_t *key;         /* n: index into keys */
  uint64_t *line;        /* n: line of the row in its file */
  uint32_t *file;        /* n: index of the file (in the order read) */
  size_t nkeys;
  char **keys;           /* distinct keys, in order of first appearance */
  /* header of the first file (later files must match) */
  size_t nheader;
  char **header;
  size_t nfiles;
  /* private */
  long key_idx, time_idx;
  long *col_of;          /* header column -> kept column, or -1 */
  int decided;
  const csv_rows_opts *opts;
  const char *cur_file;
  char *err_msg;
} csv_rows;

/* Appends the rows of one file (path, or "-" for stdin). */
aw_status csv_rows_read(csv_rows *r, const char *path, const csv_rows_opts *o, aw_error *err);
void csv_rows_free(csv_rows *r);
/* Index of a kept column by name, or -1. */
long csv_rows_col(const csv_rows *r, const char *name);

#endif

/* aw/table.h - a columnar numeric table (the workbench's "dataset"), and the streaming loader that
 * builds one from a wide CSV (`timestamp,<series>...`).
 *
 * A table has n rows, an optional time column (unix seconds, double) and named double columns;
 * NaN marks a missing value. Columns are contiguous arrays, so the WASM side can view them as
 * Float64Array without copying.
 *
 *   aw_table *t = aw_table_new();
 *   aw_table_add_column(t, "cpu", values, n, &err);      // copies values
 *   const double *cpu = aw_table_column(t, aw_table_find(t, "cpu"));
 *   aw_table_free(t);
 */
#ifndef AW_TABLE_H
#define AW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/csv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aw_table aw_table;

aw_table *aw_table_new(void);
void aw_table_free(aw_table *t);

size_t aw_table_rows(const aw_table *t);
size_t aw_table_cols(const aw_table *t);
/* Name of column j (owned by the table). */
const char *aw_table_col_name(const aw_table *t, size_t j);
/* Column j's values (owned by the table; valid until the table changes). */
const double *aw_table_column(const aw_table *t, size_t j);
double *aw_table_column_mut(aw_table *t, size_t j);
/* Index of the column with that name, or -1. */
long aw_table_find(const aw_table *t, const char *name);
/* The time column (unix seconds) or NULL when the table has none. */
const double *aw_table_time(const aw_table *t);

/* Sets the time column (copied; n must equal the row count unless the table is empty). */
aw_status aw_table_set_time(aw_table *t, const double *unix_s, size_t n, aw_error *err);
/* Appends a column (values copied; n must equal the row count unless the table has no rows and
 * no columns yet). Names must be unique and non-empty. */
aw_status aw_table_add_column(aw_table *t, const char *name, const double *values, size_t n, aw_error *err);
/* Appends a column of n NaNs and returns a pointer to fill it (owned by the table). */
double *aw_table_add_empty_column(aw_table *t, const char *name, size_t n, aw_error *err);

/* Writes the table as CSV (header "timestamp,<names>" when it has a time column; times in unix
 * seconds unless iso is set; numbers by aw_fmt_double; missing values empty). Appends to out. */
aw_status aw_table_to_csv(const aw_table *t, int iso_time, aw_buf *out);

/* ---- streaming loader for wide CSV ----
 *
 * The time column is the one named by opts.time_column, else the first whose header is one of
 * timestamp/time/date/datetime/ts/t/time_stamp/@timestamp (case-insensitive), else the first
 * column if its first value is an ISO 8601 time or an epoch-like number (>= 1e8 seconds); the format is detected on the first data row and then required on every row.
 * Every other column whose first non-missing value is a number becomes a series; columns whose
 * first value is text are reported as skipped text columns. A row is rejected (with line and
 * reason) when its time does not parse, its time is missing, or a series cell is neither a number
 * nor a missing marker. Rejected rows are counted; the first `max_reject_list` are kept with line
 * and reason.
 */
typedef struct aw_loader_opts {
  aw_csv_opts csv;
  const char *time_column;   /* NULL = detect; "" = the table has no time column */
  aw_time_format time_format;/* AW_TIME_UNKNOWN = detect from the first data row */
  size_t max_cells;          /* keep at most this many values (rows x columns, default 64M = 512 MB):
                                beyond it AW_ERR_LIMIT, or the overview below */
  size_t max_reject_list;    /* default 1000 */
  int overview_on_limit;     /* 1: past max_cells, switch to an overview instead of failing */
  size_t overview_buckets;   /* buckets of the overview (default 4096) */
} aw_loader_opts;



void aw_loader_opts_default(aw_loader_opts *o);

typedef struct aw_reject {
  uint64_t line;
  char *reason;   /* owned by the loader */
} aw_reject;

typedef struct aw_loader aw_loader;

aw_loader *aw_loader_new(const aw_loader_opts *opts, aw_error *err);
aw_status aw_loader_feed(aw_loader *l, const void *data, size_t n, aw_error *err);
/* Ends the input. On success the loader holds a complete table. */
aw_status aw_loader_finish(aw_loader *l, aw_error *err);
/* The table being built (owned by the loader). */
const aw_table *aw_loader_table(const aw_loader *l);
/* Hands the table over to the caller (who must aw_table_free it); the loader keeps an empty one. */
aw_table *aw_loader_take_table(aw_loader *l);
const aw_csv_stats *aw_loader_csv_stats(const aw_loader *l);
uint64_t aw_loader_rows_rejected(const aw_loader *l);
size_t aw_loader_reject_count(const aw_loader *l);         /* kept in the list (<= max_reject_list) */
const aw_reject *aw_loader_reject(const aw_loader *l, size_t i);
aw_time_format aw_loader_time_format(const aw_loader *l);  /* detected or given */
const char *aw_loader_time_column(const aw_loader *l);     /* NULL if none */
/* Text columns that were skipped (names owned by the loader). */
size_t aw_loader_skipped_count(const aw_loader *l);
const char *aw_loader_skipped(const aw_loader *l, size_t i);
void aw_loader_free(aw_loader *l);

/* The overview (a file too large to keep): the loader stops keeping rows and keeps, per series,
 * the min and max of each of at most overview_buckets runs of consecutive rows (runs double in
 * length as rows arrive, so memory stays fixed), plus exact statistics over every row. The
 * finished table then has two rows per run: (first time, min) and (last time, max), which is what
 * a chart draws; aw_loader_overview_stats gives the exact per-series statistics. */
int aw_loader_is_overview(const aw_loader *l);
/* Rows read (in overview mode the table holds fewer). */
uint64_t aw_loader_rows_read(const aw_loader *l);
/* Exact statistics of series j over every row read, in overview mode (count, missing, min, max,
 * mean, population std). Returns 0 when not in overview mode. */
int aw_loader_overview_stats(const aw_loader *l, size_t j, size_t *count, size_t *missing, double *min, double *max,
                             double *mean, double *std);

/* Convenience: loads a whole in-memory CSV text (tests, small files). */
aw_status aw_table_from_csv_text(const char *text, size_t n, const aw_loader_opts *opts, aw_table **out,
                                 aw_error *err);

#ifdef __cplusplus
}
#endif
#endif

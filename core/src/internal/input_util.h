/* internal/pivot.h - helpers of the page's input kinds (core/src/input_*.c):
 *
 *  - aw_pivot: (series key, time, value) points -> a wide table (time = the sorted union of the
 *    points' times; one column per series, in order of first appearance; NaN where a series has no
 *    point at a time). Memory is bounded: at most max_points points, max_series series and
 *    max_cells cells in the finished table (AW_ERR_LIMIT naming the bound otherwise). Two points of
 *    one series at the same time: the first (in input order) is kept, the later ones are rejected.
 *  - aw_rejects: the count of rejected records and the first `max` of them (line + reason), as
 *    every input kind reports them.
 *  - aw_series_key: the Prometheus text form of a series, name{a="x",b="y"} (labels sorted by name,
 *    values escaped as in the exposition format).
 */
#ifndef AW_INTERNAL_PIVOT_H
#define AW_INTERNAL_PIVOT_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"
#include "aw/table.h"
#include "cJSON.h"

/* ---- rejected records ---- */
typedef struct aw_rejects {
  uint64_t count;
  size_t n, cap, max;
  uint64_t *line;
  char **reason;
} aw_rejects;

void aw_rejects_init(aw_rejects *r, size_t max);
/* Records one (keeps the reason when fewer than max are kept). Never fails: on allocation failure
 * the record is still counted. */
void aw_rejects_add(aw_rejects *r, uint64_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Adds "rejected": count and "rejects": [{line, reason}] to info. */
void aw_rejects_to_json(const aw_rejects *r, cJSON *info);
void aw_rejects_free(aw_rejects *r);

/* ---- pivot ---- */
typedef struct aw_pivot_opts {
  size_t max_points;  /* default 16M */
  size_t max_series;  /* default 100000 */
  size_t max_cells;   /* cells of the wide table (rows x series), default 64M */
  double align_s;     /* > 0: times are rounded down to multiples of it before pivoting */
} aw_pivot_opts;

void aw_pivot_opts_default(aw_pivot_opts *o);

typedef struct aw_pivot aw_pivot;

aw_pivot *aw_pivot_new(const aw_pivot_opts *o, aw_error *err);
void aw_pivot_free(aw_pivot *p);
/* The index of the series with this key, created on first use. Fails (AW_ERR_LIMIT) past
 * max_series, with the message naming the bound. */
aw_status aw_pivot_series(aw_pivot *p, const char *key, size_t n, size_t *index, aw_error *err);
/* Adds a point (line: where it came from, for duplicate messages). Fails past max_points. */
aw_status aw_pivot_add(aw_pivot *p, size_t series, double t, double v, uint64_t line, aw_error *err);
size_t aw_pivot_series_count(const aw_pivot *p);
uint64_t aw_pivot_points(const aw_pivot *p);
/* Builds the table (caller frees). Duplicates go to rej. */
aw_status aw_pivot_finish(aw_pivot *p, aw_rejects *rej, aw_table **out, aw_error *err);

/* ---- series keys ---- */
typedef struct aw_label {
  const char *name, *value;
  size_t name_n, value_n;
} aw_label;
/* name{labels} into out (appended; labels with an empty value are left out, as Prometheus does;
 * `labels` is reordered by name). name may be empty ({...} only). */
aw_status aw_series_key(aw_buf *out, const char *name, size_t name_n, aw_label *labels, size_t nlabels);

#endif

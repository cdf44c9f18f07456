/* internal/input_util.h - helpers of the page's input kinds (core/src/input_*.c):
 *
 *  - aw_lpivot: (series key, time, value) points -> a wide table (time = the sorted union of the
 *    points' times; one column per series, in order of first appearance; NaN where a series has no
 *    point at a time). Memory is bounded: at most max_points points, max_series series and
 *    max_cells cells in the finished table (AW_ERR_LIMIT naming the bound otherwise). Two points of
 *    one series at the same time: the first (in input order) is kept, the later ones are rejected.
 *  - aw_rejects: the count of rejected records and the first `max` of them (line + reason), as
 *    every input kind reports them.
 *  - aw_series_key: the Prometheus text form of a series, name{a="x",b="y"} (labels sorted by name,
 *    values escaped as in the exposition format).
 */
#ifndef AW_INTERNAL_INPUT_UTIL_H
#define AW_INTERNAL_INPUT_UTIL_H

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
typedef struct aw_lpivot_opts {
  size_t max_points;  /* default 16M */
  size_t max_series;  /* default 100000 */
  size_t max_cells;   /* cells of the wide table (rows x series), default 64M */
  double align_s;     /* > 0: times are rounded down to multiples of it before pivoting */
} aw_lpivot_opts;

void aw_lpivot_opts_default(aw_lpivot_opts *o);

typedef struct aw_lpivot aw_lpivot;

aw_lpivot *aw_lpivot_new(const aw_lpivot_opts *o, aw_error *err);
void aw_lpivot_free(aw_lpivot *p);
/* The index of the series with this key, created on first use. Fails (AW_ERR_LIMIT) past
 * max_series, with the message naming the bound. */
aw_status aw_lpivot_series(aw_lpivot *p, const char *key, size_t n, size_t *index, aw_error *err);
/* Adds a point (line: where it came from, for duplicate messages). Fails past max_points. */
aw_status aw_lpivot_add(aw_lpivot *p, size_t series, double t, double v, uint64_t line, aw_error *err);
size_t aw_lpivot_series_count(const aw_lpivot *p);
uint64_t aw_lpivot_points(const aw_lpivot *p);
/* Builds the table (caller frees). Duplicates go to rej. */
aw_status aw_lpivot_finish(aw_lpivot *p, aw_rejects *rej, aw_table **out, aw_error *err);

/* ---- series keys ---- */
typedef struct aw_label {
  const char *name, *value;
  size_t name_n, value_n;
} aw_label;
/* name{labels} into out (appended; labels with an empty value are left out, as Prometheus does;
 * `labels` is reordered by name). name may be empty ({...} only). */
aw_status aw_series_key(aw_buf *out, const char *name, size_t name_n, aw_label *labels, size_t nlabels);

#endif

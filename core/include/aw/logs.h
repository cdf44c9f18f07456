/* aw/logs.h - a parsed log in the workspace: the Drain model and, per delivered line, its time,
 * cluster id, line number and byte offset (so the page can show a template's lines by reading
 * those bytes back from the user's file). Made by the "log" input kind (core/src/input_log.c),
 * used by the "templates" and "detect" ops. Memory: 28 bytes per line plus the model. */
#ifndef AW_LOGS_H
#define AW_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "aw/drain.h"

typedef struct aw_logs {
  aw_drain *drain;      /* owned */
  size_t n, cap;
  double *time;         /* unix seconds, NaN when the line has none */
  uint32_t *cluster;    /* Drain cluster id (resolve the event with aw_drain_group) */
  uint64_t *line;       /* 1-based line number in the input */
  uint64_t *offset;     /* byte offset of the line in the input */
} aw_logs;

#define AW_LOGS_TYPE "logs"

/* An empty log around a new Drain parser (opts may be NULL: logpai's defaults). */
aw_logs *aw_logs_new(const aw_drain_opts *opts, aw_error *err);
/* Parses one message with the log's Drain and records the line. */
aw_status aw_logs_add(aw_logs *l, const char *msg, size_t len, double time, uint64_t line, uint64_t offset,
                      aw_error *err);
void aw_logs_free(aw_logs *l);

#endif

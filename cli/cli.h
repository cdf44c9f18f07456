/* cli.h - shared helpers of the aw command-line tool. Each command lives in cli/cmd_<name>.c
 * and is listed once in the table in cli/aw.c. */
#ifndef AW_CLI_H
#define AW_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "aw/core.h"

/* Command entry points: argv[0] is the command name; return the process exit code
 * (0 ok, 1 failure, 2 usage error). */
int aw_cmd_version(int argc, char **argv);
int aw_cmd_csv_info(int argc, char **argv);
int aw_cmd_run(int argc, char **argv);
int aw_cmd_diagnose(int argc, char **argv);
int aw_cmd_classify(int argc, char **argv);
int aw_cmd_synth(int argc, char **argv);
int aw_cmd_fit(int argc, char **argv);
int aw_cmd_pot(int argc, char **argv);
int aw_cmd_nab(int argc, char **argv);
int aw_cmd_aggregate(int argc, char **argv);
int aw_cmd_parse(int argc, char **argv);
int aw_cmd_detect(int argc, char **argv);

/* The spec machinery `aw run` uses (cmd_run.c), for commands that build a spec and run it:
 * streams every input that has a path (relative to dir; NULL = as given), runs the spec with
 * progress on stderr unless quiet, writes results.json and each table a step made. */
struct aw_ws;
struct aw_spec;
struct cJSON;
/* Streams one file into a new input of ws (begin + feed; the caller ends it). */
aw_status cli_load_file(struct aw_ws *ws, const char *name, const char *kind, const char *label,
                        const struct cJSON *options, const char *path, size_t chunk, aw_error *err);
aw_status cli_load_inputs(struct aw_ws *ws, const struct aw_spec *spec, const char *dir, int quiet, aw_error *err);
aw_status cli_run_loaded(struct aw_ws *ws, const struct aw_spec *spec, int quiet, struct cJSON **res, aw_error *err);
aw_status cli_write_results(const char *outdir, struct aw_ws *ws, const struct aw_spec *spec, const struct cJSON *res,
                            aw_error *err);

/* Prints "aw: <file:line:col: message>" to stderr and returns 1. */
int cli_fail(const aw_error *err);
/* Prints "aw <cmd>: <message>" to stderr and returns 2 (usage errors). */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Streams a file (or stdin for "-") through fn in chunks of `chunk` bytes (0 = 1 MiB).
 * fn returns AW_OK to continue. Errors opening/reading the file name the file. */
typedef aw_status (*cli_chunk_fn)(void *ud, const char *data, size_t n, aw_error *err);
aw_status cli_stream_file(const char *path, size_t chunk, cli_chunk_fn fn, void *ud, aw_error *err);

/* Reads a whole (small) file into a malloc'd NUL-terminated buffer, refusing files larger than
 * max_bytes. *len gets the length. */
aw_status cli_read_small_file(const char *path, size_t max_bytes, char **out, size_t *len, aw_error *err);

/* Option parsing helpers: if argv[*i] is `name` (e.g. "--window") takes the next argument as the
 * value, or accepts "--window=20"; advances *i. Return 1 when matched, 0 otherwise, -1 on a
 * missing or malformed value (message printed). */
int cli_opt_str(int argc, char **argv, int *i, const char *name, const char **out);
int cli_opt_double(int argc, char **argv, int *i, const char *name, double *out);
int cli_opt_size(int argc, char **argv, int *i, const char *name, size_t *out);
int cli_opt_u64(int argc, char **argv, int *i, const char *name, unsigned long long *out);

/* Creates a directory and its parents (like mkdir -p). */
aw_status cli_mkdirs(const char *path, aw_error *err);
/* Writes len bytes to path (replacing it). */
aw_status cli_write_file(const char *path, const void *data, size_t len, aw_error *err);

#endif

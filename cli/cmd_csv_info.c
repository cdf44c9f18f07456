/* aw csv-info FILE: stream a CSV through the same loader the page uses and print its columns, row
 * count, detected time column and every rejected row with line and reason (JSON). */
#include <stdio.h>
#include <string.h>

#include "aw/workspace.h"
#include "cli.h"

static void help(void) {
  printf(
      "usage: aw csv-info FILE [options]\n\n"
      "Reads a wide CSV (timestamp,<series>...) in chunks and prints, as JSON: rows, columns, the time\n"
      "column and format, skipped text columns, blank lines, and each rejected row (line, reason).\n"
      "Exit status 0 when the file loads (even with rejected rows), 1 when it cannot be read.\n\n"
      "options:\n"
      "  --sep C            separator: , ; | tab (default: detected from the first line)\n"
      "  --no-header        the first line is data (columns are named c1, c2, ...)\n"
      "  --time-column N    the time column (default: detected; \"\" for none)\n"
      "  --time-format F    auto, unix_s, unix_ms, unix_us, unix_ns, iso8601 (default auto)\n"
      "  --max-line N       longest record in bytes (default 1048576); longer ones are rejected\n"
      "  --max-cols N       most fields per record (default 4096)\n"
      "  --max-rejects N    rejected rows listed (default 1000; all are counted)\n"
      "  --chunk N          read size in bytes (default 1048576)\n");
}

int aw_cmd_csv_info(int argc, char **argv) {
  const char *file = NULL;
  cJSON *opt = cJSON_CreateObject();
  size_t chunk = 0, max_rejects = 1000;
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    size_t z;
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      help();
      cJSON_Delete(opt);
      return 0;
    } else if (!strcmp(argv[i], "--no-header")) {
      cJSON_AddFalseToObject(opt, "header");
    } else if ((r = cli_opt_str(argc, argv, &i, "--sep", &v))) {
      if (r < 0) goto usage;
      cJSON_AddStringToObject(opt, "sep", !strcmp(v, "tab") || !strcmp(v, "\\t") ? "\t" : v);
    } else if ((r = cli_opt_str(argc, argv, &i, "--time-column", &v))) {
      if (r < 0) goto usage;
      cJSON_AddStringToObject(opt, "time_column", v);
    } else if ((r = cli_opt_str(argc, argv, &i, "--time-format", &v))) {
      if (r < 0) goto usage;
      cJSON_AddStringToObject(opt, "time_format", v);
    } else if ((r = cli_opt_size(argc, argv, &i, "--max-line", &z))) {
      if (r < 0) goto usage;
      cJSON_AddNumberToObject(opt, "max_line", (double)z);
    } else if ((r = cli_opt_size(argc, argv, &i, "--max-cols", &z))) {
      if (r < 0) goto usage;
      cJSON_AddNumberToObject(opt, "max_cols", (double)z);
    } else if ((r = cli_opt_size(argc, argv, &i, "--max-rejects", &max_rejects))) {
      if (r < 0) goto usage;
    } else if ((r = cli_opt_size(argc, argv, &i, "--chunk", &chunk))) {
      if (r < 0) goto usage;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      cJSON_Delete(opt);
      return cli_usage_error("csv-info", "unknown option %s", argv[i]);
    } else if (!file) {
      file = argv[i];
    } else {
      cJSON_Delete(opt);
      return cli_usage_error("csv-info", "only one FILE, got '%s' too", argv[i]);
    }
  }
  if (!file) {
    cJSON_Delete(opt);
    return cli_usage_error("csv-info", "FILE is required");
  }
  aw_error err;
  aw_error_clear(&err);
  aw_ws *ws = aw_ws_new();
  cJSON *info = NULL;
  aw_status st = ws ? AW_OK : aw_error_set(&err, AW_ERR_NOMEM, "out of memory");
  if (!st) st = cli_load_file(ws, "data", "csv", file, opt, file, chunk, &err);
  if (!st) st = aw_ws_input_end(ws, &info, &err);
  if (st) {
    rc = cli_fail(&err);
  } else {
    /* keep at most max_rejects entries in the listing; the count stays complete */
    cJSON *rj = cJSON_GetObjectItemCaseSensitive(info, "rejects");
    while (rj && (size_t)cJSON_GetArraySize(rj) > max_rejects) cJSON_DeleteItemFromArray(rj, cJSON_GetArraySize(rj) - 1);
    cJSON_DeleteItemFromObjectCaseSensitive(info, "name");
    char *s = aw_json_print(info, 1);
    if (s) printf("%s\n", s);
    cJSON_free(s);
  }
  cJSON_Delete(info);
  cJSON_Delete(opt);
  aw_ws_free(ws);
  return rc;
usage:
  cJSON_Delete(opt);
  return 2;
}

#include "cli.h"
int aw_cmd_csv_info(int argc, char **argv) { (void)argc; (void)argv; return cli_usage_error("csv-info", "work in progress"); }

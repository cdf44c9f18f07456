#include "cli.h"
int aw_cmd_run(int argc, char **argv) { (void)argc; (void)argv; return cli_usage_error("run", "work in progress"); }

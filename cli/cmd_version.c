#include <stdio.h>

#include "cli.h"

int aw_cmd_version(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("aw %s\n", AW_VERSION);
  return 0;
}

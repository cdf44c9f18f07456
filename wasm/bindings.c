#include <emscripten.h>
#include "aw/core.h"
EMSCRIPTEN_KEEPALIVE const char *aw_w_version(void) { return AW_VERSION; }

# anomaly-workbench - setup, build (native + wasm), test, serve, bench.
#
#   make serve     set everything up, build, and serve the workbench with the example loaded
#   make test      set everything up, build, and run every test suite
#   make native    build/native: libaw.a, the aw CLI, test runners (+ build/asan flavour)
#   make wasm      build/wasm: the Emscripten module used by the web worker
#   make bench     benchmarks (native and WASM under Node) with ratios to reference tools
#
SHELL := /bin/bash
.DEFAULT_GOAL := all
B := build
DEPS := $(B)/deps
CJSON := $(DEPS)/cjson-1.7.15
KISS := $(DEPS)/kissfft-131.1.0
SETUP_STAMP := $(B)/.setup-ok
PORT ?= 8765
FUZZ_SECONDS ?= 10
export FUZZ_SECONDS
export NODE_PATH := /usr/share/nodejs

CORE_SRC := $(sort $(wildcard core/src/*.c core/src/*/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
WASM_SRC := $(sort $(wildcard wasm/*.c))
TEST_SRC := $(sort $(wildcard tests/c/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
DEP_SRC := $(CJSON)/cJSON.c $(KISS)/kiss_fft.c $(KISS)/kiss_fftr.c
HDRS := $(wildcard core/include/aw/*.h core/src/internal/*.h tests/c/*.h)

# -ffp-contract=off: no fused multiply-add anywhere, so native and WASM round identically.
COMMON_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -Icore/include -Icore/src -I$(CJSON) -I$(KISS) \
  -Dkiss_fft_scalar=double -ffp-contract=off -fno-math-errno
WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
DEP_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -Dkiss_fft_scalar=double -ffp-contract=off -fno-math-errno \
  -include core/src/internal/kiss_portable.h -w

native_CC := gcc
native_CFLAGS := $(COMMON_CFLAGS) $(WARN) -O2 -g
native_DEPFLAGS := $(DEP_CFLAGS) -O2
native_LDLIBS := -lm

asan_CC := gcc
asan_CFLAGS := $(COMMON_CFLAGS) $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer -DAW_SANITIZE=1
asan_DEPFLAGS := $(DEP_CFLAGS) -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
asan_LDLIBS := -fsanitize=address,undefined -lm

wasm_CC := emcc
wasm_CFLAGS := $(COMMON_CFLAGS) $(WARN) -O3 -msimd128
wasm_DEPFLAGS := $(DEP_CFLAGS) -O3 -msimd128
WASM_LDFLAGS := -O3 -msimd128 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=1MB \
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createAwCore -sENVIRONMENT=web,worker,node \
  -sEXPORTED_RUNTIME_METHODS=UTF8ToString,stringToUTF8,lengthBytesUTF8 \
  -sEXPORTED_FUNCTIONS=_malloc,_free -sFILESYSTEM=0 -sINCOMING_MODULE_JS_API=wasmBinary,print,printErr,locateFile
# Node-only builds (the CLI, test runners and benchmarks compiled to WASM) read files directly;
# SINGLE_FILE embeds the .wasm so Node 20 never tries to fetch() it from a file path.
WASM_NODE_LDFLAGS := -O3 -msimd128 -sSINGLE_FILE=1 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=1MB \
  -sENVIRONMENT=node -sNODERAWFS=1 -sEXIT_RUNTIME=1 --pre-js wasm/node_env.js

fuzz_CC := clang
fuzz_CFLAGS := $(COMMON_CFLAGS) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -DAW_FUZZ=1
fuzz_DEPFLAGS := $(DEP_CFLAGS) -O1 -g -fsanitize=fuzzer-no-link,address,undefined
fuzz_LDLIBS := -fsanitize=fuzzer,address,undefined -lm

FLAVOURS := native asan wasm fuzz

define flavour_rules
$(1)_CORE_OBJ := $$(patsubst %.c,$(B)/$(1)/obj/%.o,$$(CORE_SRC)) \
                 $$(patsubst $(DEPS)/%.c,$(B)/$(1)/obj/deps/%.o,$$(DEP_SRC))
$(B)/$(1)/obj/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $$(@D)
	$$($(1)_CC) $$($(1)_CFLAGS) -MMD -MP -c $$< -o $$@
$(B)/$(1)/obj/deps/%.o: $(DEPS)/%.c | $(SETUP_STAMP)
	@mkdir -p $$(@D)
	$$($(1)_CC) $$($(1)_DEPFLAGS) -c $$< -o $$@
$(B)/$(1)/libaw.a: $$($(1)_CORE_OBJ)
	@rm -f $$@
	$$(if $$(filter wasm,$(1)),emar,ar) rcs $$@ $$^
endef
$(foreach f,$(FLAVOURS),$(eval $(call flavour_rules,$(f))))

CLI_OBJ = $(patsubst %.c,$(B)/$(1)/obj/%.o,$(CLI_SRC))

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- setup
$(SETUP_STAMP): scripts/setup.sh package-lock.json
	./scripts/setup.sh
	@mkdir -p $(B) && touch $@
.PHONY: setup
setup:
	./scripts/setup.sh
	@mkdir -p $(B) && touch $(SETUP_STAMP)

# ---------------------------------------------------------------- native
NATIVE_TESTS := $(patsubst tests/c/%.c,$(B)/native/tests/%,$(TEST_SRC))
ASAN_TESTS := $(patsubst tests/c/%.c,$(B)/asan/tests/%,$(TEST_SRC))
NATIVE_BENCH := $(patsubst bench/%.c,$(B)/native/bench/%,$(BENCH_SRC))
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))

$(B)/native/aw: $(call CLI_OBJ,native) $(B)/native/libaw.a
	$(native_CC) $(native_CFLAGS) $^ -o $@ $(native_LDLIBS)
$(B)/asan/aw: $(call CLI_OBJ,asan) $(B)/asan/libaw.a
	$(asan_CC) $(asan_CFLAGS) $^ -o $@ $(asan_LDLIBS)
$(B)/native/tests/%: tests/c/%.c $(HDRS) $(B)/native/libaw.a
	@mkdir -p $(@D)
	$(native_CC) $(native_CFLAGS) -Itests/c $< $(B)/native/libaw.a -o $@ $(native_LDLIBS)
$(B)/asan/tests/%: tests/c/%.c $(HDRS) $(B)/asan/libaw.a
	@mkdir -p $(@D)
	$(asan_CC) $(asan_CFLAGS) -Itests/c $< $(B)/asan/libaw.a -o $@ $(asan_LDLIBS)
$(B)/native/bench/%: bench/%.c $(HDRS) bench/bench.h $(B)/native/libaw.a
	@mkdir -p $(@D)
	$(native_CC) $(native_CFLAGS) -Ibench $< $(B)/native/libaw.a -o $@ $(native_LDLIBS)
$(B)/fuzz/%: tests/fuzz/%.c $(HDRS) $(B)/fuzz/libaw.a
	@mkdir -p $(@D)
	$(fuzz_CC) $(fuzz_CFLAGS) $< $(B)/fuzz/libaw.a -o $@ $(fuzz_LDLIBS)

.PHONY: native asan fuzzers
native: $(B)/native/aw $(NATIVE_TESTS) $(B)/asan/aw $(ASAN_TESTS)
fuzzers: $(FUZZERS)

# ---------------------------------------------------------------- wasm
WASM_BIND_OBJ := $(patsubst %.c,$(B)/wasm/obj/%.o,$(WASM_SRC))
WASM_TESTS := $(patsubst tests/c/%.c,$(B)/wasm/tests/%.cjs,$(TEST_SRC))
WASM_BENCH := $(patsubst bench/%.c,$(B)/wasm/bench/%.cjs,$(BENCH_SRC))

$(B)/wasm/aw_core.mjs: $(WASM_BIND_OBJ) $(B)/wasm/libaw.a
	emcc $(WASM_LDFLAGS) $^ -o $@
$(B)/wasm/aw.cjs: $(call CLI_OBJ,wasm) $(B)/wasm/libaw.a wasm/node_env.js
	emcc $(WASM_NODE_LDFLAGS) $(filter %.o %.a,$^) -o $@
$(B)/wasm/tests/%.cjs: tests/c/%.c $(HDRS) $(B)/wasm/libaw.a wasm/node_env.js
	@mkdir -p $(@D)
	emcc $(wasm_CFLAGS) -Itests/c $< $(B)/wasm/libaw.a $(WASM_NODE_LDFLAGS) -o $@
$(B)/wasm/bench/%.cjs: bench/%.c $(HDRS) bench/bench.h $(B)/wasm/libaw.a wasm/node_env.js
	@mkdir -p $(@D)
	emcc $(wasm_CFLAGS) -Ibench $< $(B)/wasm/libaw.a $(WASM_NODE_LDFLAGS) -o $@

.PHONY: wasm
wasm: $(B)/wasm/aw_core.mjs $(B)/wasm/aw.cjs $(WASM_TESTS)

# ---------------------------------------------------------------- web
WEB_SRC := $(wildcard web/*) 
WEB_SRC += $(wildcard web/*/*)
EXAMPLES := $(wildcard examples/*)
.PHONY: web
web: $(B)/web/.ok
$(B)/web/.ok: $(WEB_SRC) $(EXAMPLES) wasm/worker.js wasm/api.js $(B)/wasm/aw_core.mjs scripts/build-web.sh
	./scripts/build-web.sh
	@touch $@

.PHONY: all
all: native wasm web single

# ---------------------------------------------------------------- test
.PHONY: test test-c test-wasm test-scripts test-browser test-fuzz
test: $(SETUP_STAMP)
	@$(MAKE) --no-print-directory all fuzzers
	@./scripts/run-tests.sh

test-c: native
	@./scripts/run-tests.sh c
test-wasm: wasm
	@./scripts/run-tests.sh wasm
test-scripts: native
	@./scripts/run-tests.sh scripts
test-browser: web
	@./scripts/run-tests.sh browser
test-fuzz: fuzzers
	@./scripts/run-tests.sh fuzz

# ---------------------------------------------------------------- serve / bench
.PHONY: serve
serve: $(SETUP_STAMP)
	@$(MAKE) --no-print-directory web
	node scripts/serve.mjs --root $(B)/web --port $(PORT)

.PHONY: bench
bench: $(SETUP_STAMP)
	@$(MAKE) --no-print-directory native wasm $(NATIVE_BENCH) $(WASM_BENCH)
	./bench/run.sh

.PHONY: clean
clean:
	rm -rf $(B)/native $(B)/asan $(B)/wasm $(B)/fuzz $(B)/web $(B)/test-artifacts

# ---------------------------------------------------------------- single-file build (web helper)
# build/single/anomaly-workbench.html: the page, engine (wasm embedded), worker and examples in one
# file that opens from file:// (see scripts/build-single.mjs).
.PHONY: single
single: $(B)/single/anomaly-workbench.html
$(B)/wasm-single/aw_core.mjs: $(WASM_BIND_OBJ) $(B)/wasm/libaw.a
	@mkdir -p $(@D)
	emcc $(WASM_LDFLAGS) -sSINGLE_FILE=1 $^ -o $@
$(B)/single/anomaly-workbench.html: $(B)/wasm-single/aw_core.mjs $(WEB_SRC) $(EXAMPLES) wasm/worker.js wasm/api.js scripts/build-single.mjs
	node scripts/build-single.mjs $@
test-browser: single

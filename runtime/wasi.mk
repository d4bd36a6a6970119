# runtime/wasi.mk — WASI Preview 1 (runtime/wasi/), its Linux backend and the
# kpio-wasm command (runtime/host/), and the WASI unit tests.
#
#   build/host/libkpiowasi.a      the WASI core + the POSIX backend
#   build/host/kpio-wasm          the CLI (needs the engine's libkpiowasm.a)
#   build/host/san/kpio-wasm      the same under ASan + UBSan
#   make test-wasi-unit           the core and backend under ASan+UBSan

WASI_DIR      := $(HOST_BUILD)/wasi
WASI_INC      := -Iruntime/include -Iruntime/wasi -Iruntime/host -Iruntime/kpio -Isdk/include
WASI_LIB_SRCS := $(wildcard runtime/wasi/*.c) runtime/host/wasi_posix.c
WASI_CLI_SRCS := runtime/host/kpio_wasm.c runtime/host/cli_inspect.c
WASI_HEADERS  := $(wildcard runtime/wasi/*.h runtime/host/*.h runtime/kpio/*.h runtime/include/*.h sdk/include/*.h)

WASI_LIB_OBJS := $(patsubst %.c,$(WASI_DIR)/obj/%.o,$(WASI_LIB_SRCS))
WASI_SAN_OBJS := $(patsubst %.c,$(WASI_DIR)/san/%.o,$(WASI_LIB_SRCS))
WASI_CLI_OBJS := $(patsubst %.c,$(WASI_DIR)/obj/%.o,$(WASI_CLI_SRCS))

$(WASI_DIR)/obj/%.o: %.c $(WASI_HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(WASI_INC) -c $< -o $@

$(WASI_DIR)/san/%.o: %.c $(WASI_HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(WASI_INC) -c $< -o $@

$(HOST_BUILD)/libkpiowasi.a: $(WASI_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

ALL_TARGETS += $(HOST_BUILD)/libkpiowasi.a

# The CLI links the engine, which runtime/runtime.mk builds.
ifneq ($(wildcard runtime/runtime.mk),)
$(HOST_BUILD)/kpio-wasm: $(WASI_CLI_OBJS) $(KPIO_HOST_LIB) $(HOST_BUILD)/libkpiowasi.a $(HOST_BUILD)/libkpiowasm.a
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(WASI_CLI_OBJS) $(KPIO_HOST_LIB) $(HOST_BUILD)/libkpiowasi.a \
	    $(HOST_BUILD)/libkpiowasm.a -lm -lpthread
ALL_TARGETS += $(HOST_BUILD)/kpio-wasm

# The same CLI under ASan + UBSan, for the conformance suite.
WASI_CLI_SAN_OBJS := $(patsubst %.c,$(WASI_DIR)/san/%.o,$(WASI_CLI_SRCS))
$(HOST_BUILD)/san/kpio-wasm: $(WASI_CLI_SAN_OBJS) $(KPIO_HOST_SAN_OBJS) $(WASI_SAN_OBJS) \
                             $(HOST_BUILD)/san/libkpiowasm.a
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $(WASI_CLI_SAN_OBJS) $(KPIO_HOST_SAN_OBJS) \
	    $(WASI_SAN_OBJS) $(HOST_BUILD)/san/libkpiowasm.a -lm -lpthread
ALL_TARGETS += $(HOST_BUILD)/san/kpio-wasm
endif

# ---- unit tests: the real core and backend, a stand-in engine ----
WASI_UNIT_SRCS := tests/unit/wasi/test_wasi.c tests/unit/wasi/fake_engine.c
WASI_UNIT_BIN  := $(WASI_DIR)/test_wasi

$(WASI_UNIT_BIN): $(WASI_UNIT_SRCS) $(WASI_SAN_OBJS) tests/unit/wasi/fake_engine.h
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(WASI_INC) -Itests/unit/wasi -o $@ \
	    $(WASI_UNIT_SRCS) $(WASI_SAN_OBJS) -lcmocka -lpthread

ALL_TARGETS  += $(WASI_UNIT_BIN)
TEST_TARGETS += test-wasi-unit

# cmocka returns the number of failed tests; count the passes from its log.
.PHONY: test-wasi-unit
test-wasi-unit: $(WASI_UNIT_BIN)
	@$(WASI_UNIT_BIN) > $(WASI_DIR)/unit.log 2>&1; rc=$$?; cat $(WASI_DIR)/unit.log; \
	 pass=$$(grep -c '^\[       OK \]' $(WASI_DIR)/unit.log); \
	 echo "$$pass passed, $$rc failed"; exit $$rc

# ---- fuzzing: path operations against a sandbox with symlinks out ----
WASI_FUZZ_BIN := $(WASI_DIR)/wasi_sandbox_fuzz
FUZZ_SECONDS ?= 60

$(WASI_FUZZ_BIN): tests/fuzz/wasi_sandbox_fuzz.c tests/unit/wasi/fake_engine.c $(WASI_LIB_SRCS) \
                  $(WASI_HEADERS) tests/unit/wasi/fake_engine.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(FUZZ_FLAGS) $(WASI_INC) -Itests/unit/wasi -o $@ \
	    tests/fuzz/wasi_sandbox_fuzz.c tests/unit/wasi/fake_engine.c $(WASI_LIB_SRCS)

FUZZ_TARGETS += fuzz-wasi-sandbox

# New inputs go to a working copy under build/; the seeds stay as they are.
.PHONY: fuzz-wasi-sandbox
fuzz-wasi-sandbox: $(WASI_FUZZ_BIN)
	@mkdir -p $(WASI_DIR)/fuzz-corpus
	$(WASI_FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(WASI_DIR)/ \
	    $(WASI_DIR)/fuzz-corpus tests/fuzz/wasi_sandbox

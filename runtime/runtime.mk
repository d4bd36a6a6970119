# runtime/runtime.mk — the WebAssembly runtime core (portable C11) and its
# Linux platform layer, as two static libraries:
#   $(HOST_BUILD)/libkpiowasm.a       -O2, for the CLI and benchmarks
#   $(HOST_BUILD)/san/libkpiowasm.a   ASan + UBSan, for tests
# plus the spec-test runner (tests/spec/) and the runtime's unit tests and
# fuzzers (tests/unit/runtime/, tests/fuzz/).

RUNTIME_CORE := util decode opcodes translate translate_ops scan interp interp_checked exec memory ops \
                module linker instance
RUNTIME_SRCS := $(RUNTIME_CORE:%=runtime/%.c) runtime/host/platform_linux.c
# -fno-math-errno: sqrt becomes an instruction, no libm call.
RUNTIME_CFLAGS := -std=c11 -g -Wall -Wextra -Iruntime/include -fno-math-errno -MMD -MP

RUNTIME_OBJS     := $(RUNTIME_SRCS:%.c=$(HOST_BUILD)/obj/%.o)
RUNTIME_SAN_OBJS := $(RUNTIME_SRCS:%.c=$(HOST_BUILD)/san/obj/%.o)

$(HOST_BUILD)/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(RUNTIME_CFLAGS) -O2 -D_GNU_SOURCE -c $< -o $@

$(HOST_BUILD)/san/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(RUNTIME_CFLAGS) -O1 $(SAN_FLAGS) -D_GNU_SOURCE -c $< -o $@

# The interpreter is one very large function: optimising it with the
# sanitizers' instrumentation takes minutes, so the sanitizer build compiles
# it at -O0, with the switch dispatch (which so gets tested too).
$(HOST_BUILD)/san/obj/runtime/interp.o $(HOST_BUILD)/san/obj/runtime/interp_checked.o: \
  $(HOST_BUILD)/san/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(RUNTIME_CFLAGS) -O0 -DWASM_INTERP_SWITCH $(SAN_FLAGS) -D_GNU_SOURCE -c $< -o $@

# The interpreter's dispatch loop is compiled with gcc: for this one large
# computed-goto function gcc keeps ip/fp/memory in registers in every handler
# (8 instructions for i32.add), where clang 14 shuffles registers through the
# stack at each dispatch (about twice the instructions; measured in docs/perf.md).
INTERP_CC ?= gcc
$(HOST_BUILD)/obj/runtime/interp.o $(HOST_BUILD)/obj/runtime/interp_checked.o: \
  $(HOST_BUILD)/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(INTERP_CC) $(RUNTIME_CFLAGS) -O2 -D_GNU_SOURCE -c $< -o $@

$(HOST_BUILD)/libkpiowasm.a: $(RUNTIME_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(HOST_BUILD)/san/libkpiowasm.a: $(RUNTIME_SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

-include $(RUNTIME_OBJS:.o=.d) $(RUNTIME_SAN_OBJS:.o=.d)

ALL_TARGETS += $(HOST_BUILD)/libkpiowasm.a $(HOST_BUILD)/san/libkpiowasm.a

# ---- spec tests (tests/spec) ----
SPEC_SRCS := tests/spec/kpio-spectest.c tests/spec/json.c
SPEC_DIR  := ../shared/wasm-spec

$(HOST_BUILD)/kpio-spectest: $(SPEC_SRCS) tests/spec/json.h runtime/include/kpio_wasm.h $(HOST_BUILD)/libkpiowasm.a
	$(HOST_CC) -std=c11 -O2 -g -Wall -Wextra -Iruntime/include $(SPEC_SRCS) $(HOST_BUILD)/libkpiowasm.a -lpthread -o $@

$(HOST_BUILD)/san/kpio-spectest: $(SPEC_SRCS) tests/spec/json.h runtime/include/kpio_wasm.h $(HOST_BUILD)/san/libkpiowasm.a
	$(HOST_CC) -std=c11 -O1 -g -Wall -Wextra $(SAN_FLAGS) -Iruntime/include $(SPEC_SRCS) $(HOST_BUILD)/san/libkpiowasm.a -lpthread -o $@

ALL_TARGETS += $(HOST_BUILD)/kpio-spectest $(HOST_BUILD)/san/kpio-spectest

.PHONY: runtime-spec runtime-spec-checked runtime-spec-san
# The whole Wasm 2.0 core suite (146 files), guard-page memories.
runtime-spec: $(HOST_BUILD)/kpio-spectest
	$(HOST_BUILD)/kpio-spectest --engine=interp --out=$(BUILD)/spec-json $(SPEC_DIR)
# The same with explicit bounds checks (the fallback for platforms without guard pages).
runtime-spec-checked: $(HOST_BUILD)/kpio-spectest
	$(HOST_BUILD)/kpio-spectest --engine=interp --bounds=checked --out=$(BUILD)/spec-json-checked $(SPEC_DIR)
# The whole suite again under AddressSanitizer and UBSan.
runtime-spec-san: $(HOST_BUILD)/san/kpio-spectest
	$(HOST_BUILD)/san/kpio-spectest --engine=interp --out=$(BUILD)/spec-json-san $(SPEC_DIR)

TEST_TARGETS += runtime-spec runtime-spec-checked runtime-spec-san

# ---- unit tests (tests/unit/runtime), ASan + UBSan ----
RT_UNIT_DIR  := $(HOST_BUILD)/runtime-unit
RT_UNIT_WATS := $(wildcard tests/unit/runtime/*.wat)
RT_UNIT_WASM := $(RT_UNIT_WATS:tests/unit/runtime/%.wat=$(RT_UNIT_DIR)/%.wasm)

# invalid.wat is invalid on purpose: assemble it without checking.
$(RT_UNIT_DIR)/%.wasm: tests/unit/runtime/%.wat
	@mkdir -p $(@D)
	wat2wasm $(if $(filter invalid,$*),--no-check) $< -o $@

$(RT_UNIT_DIR)/test_runtime: tests/unit/runtime/test_runtime.c runtime/include/kpio_wasm.h $(HOST_BUILD)/san/libkpiowasm.a
	@mkdir -p $(@D)
	$(HOST_CC) -std=c11 -O1 -g -Wall -Wextra $(SAN_FLAGS) -Iruntime/include $< \
	    $(HOST_BUILD)/san/libkpiowasm.a -lcmocka -lpthread -o $@

ALL_TARGETS += $(RT_UNIT_DIR)/test_runtime $(RT_UNIT_WASM)
TEST_TARGETS += runtime-unit

.PHONY: runtime-unit
runtime-unit: $(RT_UNIT_DIR)/test_runtime $(RT_UNIT_WASM)
	@RUNTIME_UNIT_DIR=$(RT_UNIT_DIR) tools/run-unit $(RT_UNIT_DIR)/test_runtime

# ---- fuzzers (tests/fuzz): libFuzzer + ASan + UBSan ----
#   make fuzz-wasm-decode / fuzz-wasm-run   FUZZ_SECONDS each (default 60)
# Seeds: tests/fuzz/wasm_decode, tests/fuzz/wasm_run (modules of the spec
# suite); inputs that once failed: tests/fuzz/wasm-regressions (run by
# `make test` through runtime-fuzz-regress, with the seeds).
RT_FUZZ_DIR  := $(BUILD)/fuzz/runtime
RT_FUZZ_OBJS := $(RUNTIME_SRCS:%.c=$(RT_FUZZ_DIR)/obj/%.o) $(JIT_SRCS:%.c=$(RT_FUZZ_DIR)/obj/%.o)
FUZZ_SECONDS ?= 60

$(RT_FUZZ_DIR)/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(RUNTIME_CFLAGS) -O1 $(FUZZ_FLAGS) -D_GNU_SOURCE -c $< -o $@

$(RT_FUZZ_DIR)/obj/runtime/interp.o $(RT_FUZZ_DIR)/obj/runtime/interp_checked.o: \
  $(RT_FUZZ_DIR)/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(RUNTIME_CFLAGS) -O0 -DWASM_INTERP_SWITCH $(FUZZ_FLAGS) -D_GNU_SOURCE -c $< -o $@

-include $(RT_FUZZ_OBJS:.o=.d)

$(RT_FUZZ_DIR)/%_fuzz: tests/fuzz/%_fuzz.c $(RT_FUZZ_OBJS)
	$(HOST_CC) -std=c11 -O1 -g -Wall -Wextra $(FUZZ_FLAGS) -Iruntime/include $< $(RT_FUZZ_OBJS) -lpthread -o $@

RT_FUZZERS := $(RT_FUZZ_DIR)/wasm_decode_fuzz $(RT_FUZZ_DIR)/wasm_run_fuzz
.SECONDARY: $(RT_FUZZ_OBJS)
ALL_TARGETS += $(RT_FUZZERS)
FUZZ_TARGETS += fuzz-wasm-decode fuzz-wasm-run
TEST_TARGETS += runtime-fuzz-regress

.PHONY: fuzz-wasm-decode fuzz-wasm-run runtime-fuzz-regress
fuzz-wasm-decode: $(RT_FUZZ_DIR)/wasm_decode_fuzz
	@mkdir -p $(RT_FUZZ_DIR)/corpus-decode
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1 \
	    -artifact_prefix=$(RT_FUZZ_DIR)/decode- $(RT_FUZZ_DIR)/corpus-decode tests/fuzz/wasm_decode

fuzz-wasm-run: $(RT_FUZZ_DIR)/wasm_run_fuzz
	@mkdir -p $(RT_FUZZ_DIR)/corpus-run
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(RT_FUZZ_DIR)/run- $(RT_FUZZ_DIR)/corpus-run tests/fuzz/wasm_run

# Every seed and regression input, once through each fuzzer.
runtime-fuzz-regress: $(RT_FUZZERS)
	@total=0; bad=0; \
	 for f in $(RT_FUZZERS); do \
	   n=$$(ls tests/fuzz/wasm_decode tests/fuzz/wasm_run tests/fuzz/wasm-regressions | grep -vc ':$$\|^$$'); \
	   if $$f -runs=0 tests/fuzz/wasm_decode tests/fuzz/wasm_run tests/fuzz/wasm-regressions \
	        > $(RT_FUZZ_DIR)/regress-$$(basename $$f).log 2>&1; then total=$$((total + n)); \
	   else echo "$$f failed: see $(RT_FUZZ_DIR)/regress-$$(basename $$f).log"; bad=$$((bad + 1)); fi; \
	 done; echo "$$total passed, $$bad failed"; [ $$bad -eq 0 ]

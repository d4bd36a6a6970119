# runtime/jit.mk — the x86-64 JIT of the WebAssembly runtime (runtime/jit/).
# Its objects go into the runtime's two libraries (runtime/runtime.mk builds
# them from every prerequisite); its unit tests are cmocka programs run by
# tools/run-unit.

JIT_SRCS := $(wildcard runtime/jit/*.c runtime/jit/x64/*.c)
JIT_OBJS     := $(JIT_SRCS:%.c=$(HOST_BUILD)/obj/%.o)
JIT_SAN_OBJS := $(JIT_SRCS:%.c=$(HOST_BUILD)/san/obj/%.o)

$(HOST_BUILD)/libkpiowasm.a: $(JIT_OBJS)
$(HOST_BUILD)/san/libkpiowasm.a: $(JIT_SAN_OBJS)
-include $(JIT_OBJS:.o=.d) $(JIT_SAN_OBJS:.o=.d)

# ---- unit tests (tests/unit/jit) ----
JIT_TEST_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -D_GNU_SOURCE $(SAN_FLAGS) -Iruntime/include
JIT_UNIT_TESTS  := test_x64_asm
JIT_UNIT_BINS   := $(JIT_UNIT_TESTS:%=$(HOST_BUILD)/jit-tests/%)

$(HOST_BUILD)/jit-tests/%: tests/unit/jit/%.c $(HOST_BUILD)/san/libkpiowasm.a
	@mkdir -p $(@D)
	$(HOST_CC) $(JIT_TEST_CFLAGS) $< $(HOST_BUILD)/san/libkpiowasm.a -lcmocka -lpthread -o $@

ALL_TARGETS += $(JIT_UNIT_BINS)

.PHONY: runtime-jit-unit
runtime-jit-unit: $(JIT_UNIT_BINS)
	@tools/run-unit $^

TEST_TARGETS += runtime-jit-unit

# A developer tool: disassemble what the JIT made of a module's function.
$(HOST_BUILD)/jit-dump: tests/unit/jit/jit-dump.c $(HOST_BUILD)/libkpiowasm.a
	$(HOST_CC) -std=c11 -O1 -g -Wall -Wextra -D_GNU_SOURCE -Iruntime/include $< $(HOST_BUILD)/libkpiowasm.a -lpthread -o $@

ALL_TARGETS += $(HOST_BUILD)/jit-dump

# ---- the spec suite under the JIT ----
# Every module must be compiled (kpio-spectest --engine=jit fails a module the
# JIT declines instead of letting it run interpreted). Twice: with the CPU's
# AVX2/BMI paths, and restricted to the SSE4.1 baseline; and under ASan+UBSan.
.PHONY: runtime-spec-jit runtime-spec-jit-baseline runtime-spec-jit-san
runtime-spec-jit: $(HOST_BUILD)/kpio-spectest
	$(HOST_BUILD)/kpio-spectest --engine=jit --out=$(BUILD)/spec-json $(SPEC_DIR)
runtime-spec-jit-baseline: $(HOST_BUILD)/kpio-spectest
	$(HOST_BUILD)/kpio-spectest --engine=jit-baseline --out=$(BUILD)/spec-json $(SPEC_DIR)
runtime-spec-jit-san: $(HOST_BUILD)/san/kpio-spectest
	$(HOST_BUILD)/san/kpio-spectest --engine=jit --out=$(BUILD)/spec-json-san $(SPEC_DIR)

TEST_TARGETS += runtime-spec-jit runtime-spec-jit-baseline runtime-spec-jit-san

# ---- differential testing: interpreter vs JIT on generated modules ----
JIT_DIFF_SRCS := tests/fuzz/jit/wasm_gen.c tests/fuzz/jit/jit_diff.c
JIT_DIFF_HDRS := tests/fuzz/jit/wasm_gen.h tests/fuzz/jit/jit_diff.h

$(HOST_BUILD)/jit-diff: tests/fuzz/jit/jit_diff_main.c $(JIT_DIFF_SRCS) $(JIT_DIFF_HDRS) $(HOST_BUILD)/libkpiowasm.a
	$(HOST_CC) -std=c11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -Iruntime/include $< $(JIT_DIFF_SRCS) \
	    $(HOST_BUILD)/libkpiowasm.a -lpthread -o $@

$(HOST_BUILD)/san/jit-diff: tests/fuzz/jit/jit_diff_main.c $(JIT_DIFF_SRCS) $(JIT_DIFF_HDRS) $(HOST_BUILD)/san/libkpiowasm.a
	@mkdir -p $(@D)
	$(HOST_CC) -std=c11 -O1 -g -Wall -Wextra -D_GNU_SOURCE $(SAN_FLAGS) -Iruntime/include $< $(JIT_DIFF_SRCS) \
	    $(HOST_BUILD)/san/libkpiowasm.a -lpthread -o $@

ALL_TARGETS += $(HOST_BUILD)/jit-diff $(HOST_BUILD)/san/jit-diff

$(HOST_BUILD)/fuzz/jit-diff-fuzz: tests/fuzz/jit/jit_diff_fuzz.c $(JIT_DIFF_SRCS) $(JIT_DIFF_HDRS) $(HOST_BUILD)/san/libkpiowasm.a
	@mkdir -p $(@D)
	$(HOST_CC) -std=c11 -O1 -g -Wall -Wextra -D_GNU_SOURCE $(FUZZ_FLAGS) -Iruntime/include $< $(JIT_DIFF_SRCS) \
	    $(HOST_BUILD)/san/libkpiowasm.a -lpthread -o $@

ALL_TARGETS += $(HOST_BUILD)/fuzz/jit-diff-fuzz

# make fuzz: libFuzzer drives the generator's decisions (FUZZ_SECONDS each).
FUZZ_SECONDS ?= 60
.PHONY: fuzz-jit-diff
fuzz-jit-diff: $(HOST_BUILD)/fuzz/jit-diff-fuzz
	@mkdir -p $(BUILD)/fuzz-corpus/jit-diff
	$(HOST_BUILD)/fuzz/jit-diff-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=30 \
	    -print_final_stats=1 $(BUILD)/fuzz-corpus/jit-diff tests/fuzz/jit/regressions

FUZZ_TARGETS += fuzz-jit-diff

# make test: the saved regression inputs, then 2000 fresh modules from a
# fixed seed (the same ones every run), under ASan + UBSan.
.PHONY: runtime-jit-diff
runtime-jit-diff: $(HOST_BUILD)/san/jit-diff
	$(HOST_BUILD)/san/jit-diff --modules 2000 --seed 20261126 --replay tests/fuzz/jit/regressions/*.bin

TEST_TARGETS += runtime-jit-diff

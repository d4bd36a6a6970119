# runtime/runtime.mk — the WebAssembly runtime core (portable C11) and its
# Linux platform layer, as two static libraries:
#   $(HOST_BUILD)/libkpiowasm.a       -O2, for the CLI and benchmarks
#   $(HOST_BUILD)/san/libkpiowasm.a   ASan + UBSan, for tests
# plus the spec-test runner (tests/spec/) and the runtime's unit tests and
# fuzzers (tests/unit/runtime/, tests/fuzz/).

RUNTIME_CORE := util decode opcodes translate interp interp_checked exec memory ops \
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

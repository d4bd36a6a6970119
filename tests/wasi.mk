# tests/wasi.mk — the WASI conformance suite: C programs in tests/wasi/src
# built to wasm32-wasi, run under kpio-wasm and under Node's WASI by
# tests/wasi/test_conformance.py.

WASI_TEST_DIR  := $(BUILD)/wasi-tests
WASI_TEST_SRCS := $(wildcard tests/wasi/src/*.c)
WASI_TEST_WASM := $(patsubst tests/wasi/src/%.c,$(WASI_TEST_DIR)/%.wasm,$(WASI_TEST_SRCS))

$(WASI_TEST_DIR)/%.wasm: tests/wasi/src/%.c tests/wasi/src/check.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -o $@ $<

ALL_TARGETS += $(WASI_TEST_WASM)

ifneq ($(wildcard runtime/runtime.mk),)
TEST_TARGETS += test-wasi test-wasi-san
endif

# The suite runs twice: with the CLI as users get it, and under ASan+UBSan.
.PHONY: test-wasi test-wasi-san
test-wasi: $(WASI_TEST_WASM) $(HOST_BUILD)/kpio-wasm
	@KPIO_WASM=$(abspath $(HOST_BUILD)/kpio-wasm) WASI_TEST_WASM=$(abspath $(WASI_TEST_DIR)) \
	    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/wasi/test_conformance.py

test-wasi-san: $(WASI_TEST_WASM) $(HOST_BUILD)/san/kpio-wasm
	@KPIO_WASM=$(abspath $(HOST_BUILD)/san/kpio-wasm) WASI_TEST_WASM=$(abspath $(WASI_TEST_DIR)) \
	    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/wasi/test_conformance.py

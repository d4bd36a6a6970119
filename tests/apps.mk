# tests/apps.mk — host tests of KPIO's user space:
#   test-apps   the utilities and the shell (tests/apps, pytest), under
#               build/host/kpio-wasm when the runtime is built, else Node's WASI
#   test-pkg    kpio-pkg and kpio-pkgcheck round trips (tests/pkg, pytest)

PYTEST ?= /usr/bin/python3 -m pytest

# With the runtime in the tree, the suite runs under kpio-wasm.
ifneq ($(wildcard runtime/runtime.mk),)
APPS_TEST_RUNNER := $(HOST_BUILD)/kpio-wasm $(HOST_BUILD)/kpio-app
endif

.PHONY: test-apps test-pkg
test-apps: $(COREUTILS_WASM) $(APPS_EXTRA_WASM) $(APPS_TEST_RUNNER)
	@$(PYTEST) -q tests/apps

test-pkg: $(HOST_BUILD)/kpio-pkgcheck $(COREUTILS_WASM) $(APPS_SDK_LIB)
	@$(PYTEST) -q tests/pkg

TEST_TARGETS += test-apps test-pkg

# ---- make bench: app start, host calls, memory per instance (hosted) ----
APPS_BENCH_DIR := $(BUILD)/bench/apps
APPS_BENCH_WASM := $(addprefix $(APPS_BENCH_DIR)/,spawn_bench.wasm hostcall_bench.wasm \
                     instances_bench.wasm hello.wasm)

$(APPS_BENCH_DIR)/%.wasm: tests/bench/apps/%.c $(APPS_SDK_LIB)
	@mkdir -p $(@D)
	$(WASM_CC) -O2 -Isdk/include $< $(APPS_SDK_LIB) -Wl,--strip-debug -o $@

$(APPS_BENCH_DIR)/native_baseline: tests/bench/apps/native_baseline.c
	@mkdir -p $(@D)
	$(BENCH_CC) -O2 -o $@ $<

.PHONY: bench-apps
bench-apps: $(APPS_BENCH_WASM) $(APPS_BENCH_DIR)/native_baseline $(HOST_BUILD)/kpio-wasm \
            $(APPS_BIN)/sleep.wasm
	@/usr/bin/python3 tests/bench/apps/bench_apps.py --kpio $(HOST_BUILD)/kpio-wasm \
	    --bench $(APPS_BENCH_DIR) --native $(APPS_BENCH_DIR)/native_baseline \
	    --busybox /bin/busybox --sleep $(APPS_BIN)/sleep.wasm

ifneq ($(wildcard runtime/runtime.mk),)
BENCH_TARGETS += bench-apps
endif

# runtime/kpio.mk — the host side of the kpio API (runtime/kpio/, portable)
# and its Linux backend (runtime/host/kpio_linux.c), linked into kpio-wasm.
#
#   build/host/libkpiohost.a     the kpio layer + the Linux backend
#   make test-kpio-unit          its unit tests under ASan+UBSan

KPIO_HOST_DIR  := $(HOST_BUILD)/kpio
KPIO_HOST_INC  := -Iruntime/include -Iruntime/wasi -Iruntime/host -Iruntime/kpio -Isdk/include
KPIO_HOST_SRCS := $(wildcard runtime/kpio/*.c) runtime/host/kpio_linux.c
KPIO_HOST_HDRS := $(wildcard runtime/kpio/*.h) runtime/host/kpio_linux.h sdk/include/kpio.h \
                  $(wildcard runtime/wasi/*.h) runtime/include/kpio_wasm.h
KPIO_HOST_OBJS := $(patsubst %.c,$(KPIO_HOST_DIR)/obj/%.o,$(KPIO_HOST_SRCS))
KPIO_HOST_SAN_OBJS := $(patsubst %.c,$(KPIO_HOST_DIR)/san/%.o,$(KPIO_HOST_SRCS))
KPIO_HOST_LIB  := $(HOST_BUILD)/libkpiohost.a

$(KPIO_HOST_DIR)/obj/%.o: %.c $(KPIO_HOST_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(KPIO_HOST_INC) -c $< -o $@

$(KPIO_HOST_DIR)/san/%.o: %.c $(KPIO_HOST_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(KPIO_HOST_INC) -c $< -o $@

$(KPIO_HOST_LIB): $(KPIO_HOST_OBJS)
	@rm -f $@
	ar rcs $@ $^

ALL_TARGETS += $(KPIO_HOST_LIB)

# ---- kpio-wasm under ASan + UBSan, for the kpio layer's tests ----
# The kpio layer, the WASI core, their Linux backends and the CLI built with
# the sanitizers and linked with the runtime's sanitized library; then the
# kpio API checks and the shell's tests run through it (test-kpio-san).
KPIO_SAN_WASI_SRCS := $(wildcard runtime/wasi/*.c) runtime/host/wasi_posix.c
KPIO_SAN_WASI_OBJS := $(patsubst %.c,$(KPIO_HOST_DIR)/san/%.o,$(KPIO_SAN_WASI_SRCS))
KPIO_SAN_CLI_OBJS := $(patsubst %.c,$(KPIO_HOST_DIR)/san/%.o,runtime/host/kpio_wasm.c \
                       runtime/host/cli_inspect.c) $(KPIO_SAN_WASI_OBJS)
KPIO_WASM_SAN     := $(HOST_BUILD)/kpio-wasm-san
KPIO_RUNTIME_SAN_LIB ?= $(HOST_BUILD)/san/libkpiowasm.a

$(KPIO_WASM_SAN): $(KPIO_SAN_CLI_OBJS) $(KPIO_HOST_SAN_OBJS) $(KPIO_RUNTIME_SAN_LIB)
	$(HOST_CC) $(SAN_FLAGS) -o $@ $^ -lm -lpthread

.PHONY: test-kpio-san
test-kpio-san: $(KPIO_WASM_SAN) $(COREUTILS_WASM) $(APPS_EXTRA_WASM)
	@KPIO_WASM=$(KPIO_WASM_SAN) $(PYTEST) -q tests/apps/test_kpio.py tests/apps/test_shell.py \
	    tests/apps/test_examples.py

# The embedder's API (kpio_spawn_child, kpio_wait_child, kpio_kill) as the
# kernel's launcher will use it, with the real runtime (test-kpio-unit).
KPIO_UNIT_BIN := $(KPIO_HOST_DIR)/kpio_spawn_test
$(KPIO_UNIT_BIN): tests/unit/kpio/kpio_spawn_test.c $(KPIO_HOST_SAN_OBJS) $(KPIO_SAN_WASI_OBJS) \
                  $(KPIO_RUNTIME_SAN_LIB)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(KPIO_HOST_INC) $< $(KPIO_HOST_SAN_OBJS) \
	    $(KPIO_SAN_WASI_OBJS) $(KPIO_RUNTIME_SAN_LIB) -lm -lpthread -o $@

.PHONY: test-kpio-unit
test-kpio-unit: $(KPIO_UNIT_BIN) $(BUILD)/wasm/tests/hostile.wasm $(BUILD)/wasm/bin/ls.wasm
	@$(KPIO_UNIT_BIN)

ifneq ($(wildcard runtime/runtime.mk),)
ALL_TARGETS  += $(KPIO_WASM_SAN) $(KPIO_UNIT_BIN)
TEST_TARGETS += test-kpio-unit test-kpio-san
endif

# ---- the portable part, compiled as the kernel will (a build check) ----
KPIO_KERNEL_CHECK_OBJS := $(patsubst runtime/kpio/%.c,$(BUILD)/kpio-freestanding/%.o,$(wildcard runtime/kpio/*.c))
$(BUILD)/kpio-freestanding/%.o: runtime/kpio/%.c $(KPIO_HOST_HDRS)
	@mkdir -p $(@D)
	$(CC) --target=x86_64-unknown-none -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib \
	    -mno-red-zone -mcmodel=kernel -fno-pic -Ikernel -Iinclude $(KPIO_HOST_INC) \
	    -DKPIO_SYSTEM_HEADER='"kpio_kernel.h"' -DWASI_SYSTEM_HEADER='"kpio_kernel.h"' -c $< -o $@

ALL_TARGETS += $(KPIO_KERNEL_CHECK_OBJS)

# ---- kpio-app: a package run the way KPIO's `app run` will run it ----
KPIO_APP := $(HOST_BUILD)/kpio-app
$(KPIO_APP): runtime/host/kpio_app.c $(KPIO_HOST_SAN_OBJS) $(KPIO_SAN_WASI_OBJS) \
             $(KPIO_RUNTIME_SAN_LIB) $(LIB_PKG_A)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(KPIO_HOST_INC) $< $(KPIO_HOST_SAN_OBJS) \
	    $(KPIO_SAN_WASI_OBJS) $(KPIO_RUNTIME_SAN_LIB) $(LIB_PKG_A) -lm -lpthread -o $@

ifneq ($(wildcard runtime/runtime.mk),)
ALL_TARGETS += $(KPIO_APP)
endif

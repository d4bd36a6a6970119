# kernel/userspace.mk — KPIO's WebAssembly user space inside the kernel:
#
#   - the runtime (runtime/*.c), WASI Preview 1 (runtime/wasi) and the kpio
#     host API (runtime/kpio) compiled for the kernel and linked into it
#     (KERNEL_EXTRA_OBJS); kernel/app/*.c is the kernel's side (kernel.mk
#     builds it like any kernel source, with the include paths added here);
#   - the system partition: a read-only FAT file system with every program
#     in /bin (the shell, the core utilities, app), mounted at /system;
#   - the QEMU system tests that drive the shell over the serial console,
#     and the benchmarks beside the Linux guest.
#
# The kernel proper is built without SSE (interrupt handlers never touch
# vector state). The runtime needs floating point and SIMD: it is built
# with the compiler's x86-64 baseline (SSE2) and runs only in app threads,
# whose vector state the scheduler saves and restores on every switch
# (XSAVE, kernel/arch/x86_64/fpu.c). Like the kernel, it has no red zone:
# interrupts arrive on the same stack.

USERSPACE_OBJ := $(KERNEL_BUILD)/userspace
USERSPACE_INC := -Iruntime/include -Iruntime/wasi -Iruntime/kpio -Isdk/include

RUNTIME_KERNEL_CFLAGS := -target x86_64-unknown-none-elf -std=c11 -O2 -g \
    -ffreestanding -nostdlib -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
    -fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
    -fno-math-errno -Wall -Wextra -Iruntime/include -MMD -MP

# WASI and kpio: kernel flags, the kernel's string functions and heap.
RUNTIME_GLUE_CFLAGS := $(KERNEL_CFLAGS) $(USERSPACE_INC) \
    -DKPIO_SYSTEM_HEADER='"kpio_kernel.h"' -DWASI_SYSTEM_HEADER='"kpio_kernel.h"'

# The engine: every C file of runtime/ (and of the JIT, once it is there);
# runtime/host is Linux's platform, runtime/kernel does not exist: the
# kernel's platform is kernel/app/platform.c.
USERSPACE_RT_SRCS   := $(wildcard runtime/*.c runtime/jit/*.c runtime/jit/x64/*.c)
USERSPACE_GLUE_SRCS := $(wildcard runtime/wasi/*.c runtime/kpio/*.c)
USERSPACE_RT_OBJS   := $(USERSPACE_RT_SRCS:%.c=$(USERSPACE_OBJ)/%.o)
USERSPACE_GLUE_OBJS := $(USERSPACE_GLUE_SRCS:%.c=$(USERSPACE_OBJ)/%.o)

USERSPACE_INTERP_OBJS := $(USERSPACE_OBJ)/runtime/interp.o $(USERSPACE_OBJ)/runtime/interp_checked.o

$(filter-out $(USERSPACE_INTERP_OBJS),$(USERSPACE_RT_OBJS)): $(USERSPACE_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(RUNTIME_KERNEL_CFLAGS) -c $< -o $@

# The interpreter's dispatch loop with gcc, as on the host (runtime/runtime.mk
# says why): the same freestanding kernel code model.
INTERP_KERNEL_CFLAGS := $(filter-out -target x86_64-unknown-none-elf,$(RUNTIME_KERNEL_CFLAGS)) \
    -fcf-protection=none
$(USERSPACE_INTERP_OBJS): $(USERSPACE_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(or $(INTERP_CC),gcc) $(INTERP_KERNEL_CFLAGS) -c $< -o $@

$(USERSPACE_GLUE_OBJS): $(USERSPACE_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(RUNTIME_GLUE_CFLAGS) -c $< -o $@

KERNEL_EXTRA_OBJS += $(USERSPACE_RT_OBJS) $(USERSPACE_GLUE_OBJS)

# kernel/app sees the runtime's, WASI's and kpio's headers.
$(KERNEL_BUILD)/kernel/app/%.c.o: KERNEL_CFLAGS += $(USERSPACE_INC)

-include $(USERSPACE_RT_OBJS:.o=.d) $(USERSPACE_GLUE_OBJS:.o=.d)

# ---- the system partition ----
# Every program in /bin, as NAME.wasm (the shell finds NAME through $PATH).
SYSTEM_PROGRAMS = $(COREUTILS_WASM) $(APPS_BIN)/reboot.wasm $(APPS_BIN)/sh.wasm $(APPS_BIN)/app.wasm
SYSTEM_IMG := $(BUILD)/system.img

$(SYSTEM_IMG): $$(SYSTEM_PROGRAMS) kernel/userspace.mk
	@mkdir -p $(@D)
	rm -f $@
	mkfs.fat -F 32 -n KPIO-SYSTEM -C $@ 65536 > /dev/null
	MTOOLS_SKIP_CHECK=1 mmd -i $@ ::/bin
	MTOOLS_SKIP_CHECK=1 mcopy -i $@ $(SYSTEM_PROGRAMS) ::/bin/

IMAGE_PARTS      += --part KPIO-SYSTEM:0700:$(SYSTEM_IMG)
IMAGE_PART_FILES += $(SYSTEM_IMG)
ALL_TARGETS      += $(SYSTEM_IMG)

# ---- tests ----
# Test-only programs that the system tests put on a copy of the image.
USERSPACE_TEST_WASM := $(BUILD)/wasm/tests/snapshot.wasm
$(BUILD)/wasm/tests/snapshot.wasm: tests/system/src/snapshot.c
	@mkdir -p $(@D)
	$(WASM_CC) $(WASM_CFLAGS) $< -Wl,--strip-debug -o $@
ALL_TARGETS += $(USERSPACE_TEST_WASM)

# The QEMU system tests of user space (tests/system/userspace_*.py): four
# boots (and a reboot) driving the WASM shell over the serial console.
.PHONY: test-userspace
test-userspace: $(BUILD)/kpio.img $(USERSPACE_TEST_WASM) $(APPS_EXTRA_WASM) $(HOST_BUILD)/kpio-wasm \
                $(WASI_TEST_WASM)
	@cd tests/system && /usr/bin/python3 -m pytest -q -p no:cacheprovider userspace_shell.py \
	    userspace_crash.py userspace_pkg.py userspace_wasi.py

TEST_TARGETS += test-userspace
QEMU_TEST_TARGETS += test-userspace

# ---- make bench: app start and host calls beside the Linux guest ----
.PHONY: bench-userspace
bench-userspace: $(BUILD)/kpio.img $$(APPS_BENCH_WASM)
	@/usr/bin/python3 tests/bench/userspace_bench.py

BENCH_TARGETS += bench-userspace

# kernel/kernel.mk — the kernel ELF (build/kernel/kernel.elf).
#
# Every .c and .S under kernel/ is part of the kernel (add a file, it is
# built). The link runs twice: the second embeds the symbol table made from
# the first (kernel/core/ksyms.h); .ksyms is the last section, so the build
# checks that no function moved between the two links. The ESP gets a
# stripped copy (kernel.strip.elf): the loader hashes and reads every byte.

KERNEL_BUILD := $(BUILD)/kernel

# SSE/AVX stay off in the kernel proper: interrupt handlers must not touch
# user-visible vector state. Code that needs floating point (the WebAssembly
# runtime) gets its own flags and saves the state around its use.
KERNEL_CFLAGS := -target x86_64-unknown-none-elf -std=c11 -O2 -g \
    -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-pie -mcmodel=kernel \
    -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx -mno-80387 \
    -fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
    -Wall -Wextra -Iinclude -Ikernel -MMD -MP
KERNEL_ASFLAGS := -target x86_64-unknown-none-elf -Iinclude -Ikernel -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z norelro --no-pie \
    -T kernel/arch/x86_64/kernel.ld

# Folders whose code is written and host-tested but not yet linked into the
# kernel, because the services it needs (kernel/mm, kernel/sched) have not
# landed yet. Remove a folder from this list when its kernel integration lands.
KERNEL_PENDING :=

KERNEL_C_SRCS := $(sort $(shell find kernel -name '*.c' $(foreach d,$(KERNEL_PENDING),-not -path '$(d)' -not -path '$(d)/*')))
KERNEL_S_SRCS := $(sort $(filter-out kernel/core/ksyms_data.S,$(shell find kernel -name '*.S')))
KERNEL_OBJS := $(patsubst %,$(KERNEL_BUILD)/%.o,$(KERNEL_C_SRCS) $(KERNEL_S_SRCS)) \
               $(KERNEL_BUILD)/gen/font8x16.c.o
# Objects built outside kernel/ with their own flags (the WebAssembly runtime:
# kernel/userspace.mk, read after this file, hence the second expansion).
KERNEL_EXTRA_OBJS ?=

$(KERNEL_BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(KERNEL_BUILD)/gen/font8x16.c: kernel/dev/font8x16.txt tools/mkfont.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 tools/mkfont.py $< > $@

$(KERNEL_BUILD)/gen/font8x16.c.o: $(KERNEL_BUILD)/gen/font8x16.c
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# First link: no symbol table.
$(KERNEL_BUILD)/ksyms.empty:
	@mkdir -p $(dir $@)
	: > $@

$(KERNEL_BUILD)/ksyms1.o: kernel/core/ksyms_data.S $(KERNEL_BUILD)/ksyms.empty
	$(CC) $(KERNEL_ASFLAGS) -DKSYMS_BIN='"$(KERNEL_BUILD)/ksyms.empty"' -c $< -o $@

.SECONDEXPANSION:
$(KERNEL_BUILD)/kernel.pass1.elf: $(KERNEL_OBJS) $$(KERNEL_EXTRA_OBJS) $(KERNEL_BUILD)/ksyms1.o kernel/arch/x86_64/kernel.ld
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KERNEL_EXTRA_OBJS) $(KERNEL_BUILD)/ksyms1.o

# Second link: with the table made from the first.
$(KERNEL_BUILD)/ksyms.bin: $(KERNEL_BUILD)/kernel.pass1.elf tools/ksyms.py
	llvm-nm -S -n --defined-only $< | /usr/bin/python3 tools/ksyms.py > $@

$(KERNEL_BUILD)/ksyms2.o: kernel/core/ksyms_data.S $(KERNEL_BUILD)/ksyms.bin
	$(CC) $(KERNEL_ASFLAGS) -DKSYMS_BIN='"$(KERNEL_BUILD)/ksyms.bin"' -c $< -o $@

$(KERNEL_BUILD)/kernel.elf: $(KERNEL_OBJS) $$(KERNEL_EXTRA_OBJS) $(KERNEL_BUILD)/ksyms2.o $(KERNEL_BUILD)/kernel.pass1.elf
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KERNEL_EXTRA_OBJS) $(KERNEL_BUILD)/ksyms2.o
	@llvm-nm -n --defined-only $(KERNEL_BUILD)/kernel.pass1.elf | grep -i ' t ' > $@.syms1
	@llvm-nm -n --defined-only $@ | grep -i ' t ' > $@.syms2
	@cmp -s $@.syms1 $@.syms2 || { echo "kernel: code moved between the two links"; rm -f $@; exit 1; }

$(KERNEL_BUILD)/kernel.strip.elf: $(KERNEL_BUILD)/kernel.elf
	llvm-objcopy --strip-all $< $@

ALL_TARGETS += $(KERNEL_BUILD)/kernel.elf $(KERNEL_BUILD)/kernel.strip.elf

-include $(KERNEL_OBJS:.o=.d)

# kernel/tests.mk — host unit tests (cmocka, ASan + UBSan) for the kernel's
# portable library (kernel/lib, kernel/core/cmdline.c) and the loader's
# portable parts (boot/config.c, elf_check.c, memmap.c, paging.c).
#
# The kernel's string and printf functions would collide with glibc's, which
# the tests use as their oracle: for the host, kernel/lib is compiled with
# tests/unit/klib/klib_rename.h, which prefixes them with klib_.

UNIT_BOOT_BUILD := $(HOST_BUILD)/kernel-tests
UNIT_CFLAGS := $(HOST_CFLAGS) $(SAN_FLAGS) -Ikernel -Iboot -Wno-format-nonliteral \
    -Wno-format-security
KLIB_HOST_CFLAGS := $(UNIT_CFLAGS) -fno-builtin -include tests/unit/klib/klib_rename.h

# Kernel and loader sources built for the host.
$(UNIT_BOOT_BUILD)/src/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(KLIB_HOST_CFLAGS) -MMD -MP -c $< -o $@

# Test programs: the test file plus the sources it exercises.
$(UNIT_BOOT_BUILD)/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

KLIB_HOST_OBJS := $(UNIT_BOOT_BUILD)/src/kernel/lib/string.o $(UNIT_BOOT_BUILD)/src/kernel/lib/printf.o

define unit_program
$(UNIT_BOOT_BUILD)/$(1): $(UNIT_BOOT_BUILD)/$(1).o $(patsubst %.c,$(UNIT_BOOT_BUILD)/src/%.o,$(2)) $(KLIB_HOST_OBJS)
	$(HOST_CC) $(SAN_FLAGS) -o $$@ $$^ -lcmocka
endef

KLIB_TESTS := klib/test_printf klib/test_string klib/test_list klib/test_cmdline klib/test_sha256
LOADER_TESTS := boot/test_config boot/test_elf_check boot/test_memmap boot/test_paging

$(eval $(call unit_program,klib/test_printf,))
$(eval $(call unit_program,klib/test_string,))
$(eval $(call unit_program,klib/test_list,))
$(eval $(call unit_program,klib/test_cmdline,kernel/core/cmdline.c))
$(eval $(call unit_program,klib/test_sha256,kernel/lib/sha256.c))
$(eval $(call unit_program,boot/test_config,boot/config.c))
$(eval $(call unit_program,boot/test_elf_check,boot/elf_check.c))
$(eval $(call unit_program,boot/test_memmap,boot/memmap.c))
$(eval $(call unit_program,boot/test_paging,boot/paging.c))

.PHONY: test-klib test-loader
test-klib: $(addprefix $(UNIT_BOOT_BUILD)/,$(KLIB_TESTS))
	@tools/run-unit $^

test-loader: $(addprefix $(UNIT_BOOT_BUILD)/,$(LOADER_TESTS))
	@tools/run-unit $^

TEST_TARGETS += test-klib test-loader

-include $(shell find $(UNIT_BOOT_BUILD) -name '*.d' 2>/dev/null)

# libFuzzer targets on the loader's parsers of disk input (make fuzz).
FUZZ_SECONDS ?= 60
FUZZ_BOOT_BUILD := $(HOST_BUILD)/fuzz-boot
FUZZ_KLIB_CFLAGS := $(HOST_CFLAGS) $(FUZZ_FLAGS) -Ikernel -Iboot -fno-builtin \
    -include tests/unit/klib/klib_rename.h

$(FUZZ_BOOT_BUILD)/%: tests/fuzz/%.c boot/config.c boot/elf_check.c kernel/lib/string.c kernel/lib/printf.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(FUZZ_KLIB_CFLAGS) -o $@ $< $(if $(findstring config,$*),boot/config.c,boot/elf_check.c) \
	    kernel/lib/string.c kernel/lib/printf.c

# Seeds: the image's own config file and the kernel itself.
$(FUZZ_BOOT_BUILD)/seeds/fuzz_boot_config/seed: $(BUILD)/kpio.img
	@mkdir -p $(dir $@)
	MTOOLS_SKIP_CHECK=1 mtype -i $(BUILD)/kpio.img@@1M ::/EFI/KPIO/KPIO.CFG > $@

$(FUZZ_BOOT_BUILD)/seeds/fuzz_boot_elf/seed: $(KERNEL_BUILD)/kernel.strip.elf
	@mkdir -p $(dir $@)
	cp $< $@

.PHONY: fuzz-boot-config fuzz-boot-elf
fuzz-boot-config fuzz-boot-elf: fuzz-boot-%: $(FUZZ_BOOT_BUILD)/fuzz_boot_% $(FUZZ_BOOT_BUILD)/seeds/fuzz_boot_%/seed
	@mkdir -p $(FUZZ_BOOT_BUILD)/corpus/$*
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=262144 -print_final_stats=1 \
	    $(FUZZ_BOOT_BUILD)/corpus/$* $(dir $(word 2,$^))

FUZZ_TARGETS += fuzz-boot-config fuzz-boot-elf

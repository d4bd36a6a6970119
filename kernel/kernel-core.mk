# kernel/kernel-core.mk — host unit tests and fuzzers for the kernel core's
# portable parts (kernel/mm buddy and heap, the monitor's line editor, the
# ACPI table parser, RTC dates), built over tests/unit/kshim with ASan and
# UBSan. The in-kernel tests (KTEST in kernel/*/..._tests.c) run in the
# test-kernel suite (tests/system.mk).

KCORE_UNIT_DIR    := $(HOST_BUILD)/kcore
# kshim first: its sched/sched.h shadows the kernel's.
KCORE_UNIT_CFLAGS := $(HOST_CFLAGS) $(SAN_FLAGS) -Itests/unit/kshim -Ikernel -Itests/unit/kcore
KCORE_UNIT_DEPS   := tests/unit/kshim/kshim.c tests/unit/kshim/sched/sched.h tests/unit/kcore/unit.h \
                     $(wildcard kernel/lib/*.h kernel/core/*.h kernel/mm/*.h kernel/dev/*.h include/kpio/*.h)

# $(call kcore_unit,NAME,SOURCES): the program $(KCORE_UNIT_DIR)/NAME from
# tests/unit/kcore/test_NAME.c and the kernel sources it tests.
define kcore_unit
$(KCORE_UNIT_DIR)/$(1): tests/unit/kcore/test_$(1).c $(2) $(KCORE_UNIT_DEPS)
	@mkdir -p $$(@D)
	$(HOST_CC) $(KCORE_UNIT_CFLAGS) -o $$@ tests/unit/kcore/test_$(1).c $(2) tests/unit/kshim/kshim.c -lcmocka -lpthread
KCORE_UNITS += $(KCORE_UNIT_DIR)/$(1)
endef

KCORE_UNITS :=
$(eval $(call kcore_unit,buddy,kernel/mm/buddy.c))
$(eval $(call kcore_unit,heap,kernel/mm/buddy.c kernel/mm/heap.c))
$(eval $(call kcore_unit,lineedit,kernel/core/lineedit.c))
$(eval $(call kcore_unit,acpi,kernel/dev/acpi_tables.c))
$(eval $(call kcore_unit,rtc_date,kernel/dev/rtc_date.c))

.PHONY: test-kcore
test-kcore: $(KCORE_UNITS)
	@tools/run-unit $^

ALL_TARGETS  += $(KCORE_UNITS)
TEST_TARGETS += test-kcore

# ---- fuzzers ----
KCORE_FUZZ_DIR := $(HOST_BUILD)/kcore-fuzz
$(KCORE_FUZZ_DIR)/fuzz_acpi: tests/fuzz/fuzz_acpi.c kernel/dev/acpi_tables.c $(KCORE_UNIT_DEPS) tests/unit/kcore/acpi_build.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(FUZZ_FLAGS) -Itests/unit/kshim -Ikernel -Itests/unit/kcore -o $@ \
	    tests/fuzz/fuzz_acpi.c kernel/dev/acpi_tables.c tests/unit/kshim/kshim.c -lpthread
ALL_TARGETS += $(KCORE_FUZZ_DIR)/fuzz_acpi

.PHONY: fuzz-acpi
fuzz-acpi: $(KCORE_FUZZ_DIR)/fuzz_acpi
	@mkdir -p $(BUILD)/fuzz-corpus/acpi
	$(KCORE_FUZZ_DIR)/fuzz_acpi -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=4096 $(BUILD)/fuzz-corpus/acpi
FUZZ_TARGETS += fuzz-acpi

# ---- in-kernel tests on a bigger machine ----
# test-kernel (tests/system.mk) runs every KTEST on 2 CPUs and 1 GiB. This
# boot runs the core's tests again on 4 CPUs and 8 GiB (RAM above 4 GiB), with
# the global heap in debug mode (red zones on every kmalloc).
.PHONY: test-kernel-core
test-kernel-core: $(BUILD)/kpio.img
	@tools/kpio-qemu --smp 4 --mem 8G --timeout 600 \
	    --cmdline "heapdebug test=mm_*,sched_*,smp_*,dev_*" < /dev/null
TEST_TARGETS += test-kernel-core
QEMU_TEST_TARGETS += test-kernel-core

# kernel/kernel-core.mk — the kernel core's host unit tests (portable parts of
# kernel/mm, kernel/core and kernel/dev run on the host over tests/unit/kshim,
# under ASan and UBSan), its in-kernel test suites and its benchmarks.

KCORE_UNIT_DIR    := $(HOST_BUILD)/kcore
# kshim first: its sched/sched.h shadows the kernel's.
KCORE_UNIT_CFLAGS := $(HOST_CFLAGS) $(SAN_FLAGS) -Itests/unit/kshim -Ikernel -Itests/unit/kcore
KCORE_UNIT_DEPS   := tests/unit/kshim/kshim.c tests/unit/kshim/sched/sched.h tests/unit/kcore/unit.h \
                     $(wildcard kernel/lib/*.h kernel/core/*.h kernel/mm/*.h kernel/dev/*.h include/kpio/*.h)

# $(call kcore_unit,NAME,SOURCES): build $(KCORE_UNIT_DIR)/NAME and a phony
# target unit-NAME that runs it.
define kcore_unit
$(KCORE_UNIT_DIR)/$(1): tests/unit/kcore/test_$(1).c $(2) $(KCORE_UNIT_DEPS)
	@mkdir -p $$(@D)
	$(HOST_CC) $(KCORE_UNIT_CFLAGS) -o $$@ tests/unit/kcore/test_$(1).c $(2) tests/unit/kshim/kshim.c -lcmocka -lpthread
.PHONY: unit-$(1)
unit-$(1): $(KCORE_UNIT_DIR)/$(1)
	@$(KCORE_UNIT_DIR)/$(1)
ALL_TARGETS  += $(KCORE_UNIT_DIR)/$(1)
TEST_TARGETS += unit-$(1)
endef

$(eval $(call kcore_unit,buddy,kernel/mm/buddy.c))
$(eval $(call kcore_unit,heap,kernel/mm/buddy.c kernel/mm/heap.c))
$(eval $(call kcore_unit,lineedit,kernel/core/lineedit.c))
$(eval $(call kcore_unit,acpi,kernel/dev/acpi_tables.c))

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
$(eval $(call kcore_unit,rtc_date,kernel/dev/rtc_date.c))

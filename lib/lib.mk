# lib/lib.mk — portable libraries under lib/ (no libc, no allocation):
# inflate (RFC 1951), zip reader, manifest.toml parser, .kpioapp checks.
# Built here for the host (unit tests under ASan+UBSan, fuzzers, the
# kpio-pkgcheck tool) and compiled freestanding for x86-64 as a check that
# the kernel can take them as they are.

LIB_PKG_SRCS := lib/inflate/inflate.c lib/zip/zip.c lib/zip/crc32.c \
                lib/manifest/toml.c lib/manifest/manifest.c \
                lib/pkg/pkg.c lib/pkg/wasm_sniff.c
LIB_HOST_DIR := $(HOST_BUILD)/lib
LIB_PKG_OBJS := $(patsubst lib/%.c,$(LIB_HOST_DIR)/%.o,$(LIB_PKG_SRCS))
LIB_PKG_A    := $(LIB_HOST_DIR)/libkpio-pkg.a

$(LIB_HOST_DIR)/%.o: lib/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(LIB_PKG_A): $(LIB_PKG_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The same sources, freestanding with the kernel's code model.
LIB_FREESTANDING_DIR  := $(BUILD)/lib-freestanding
LIB_FREESTANDING_OBJS := $(patsubst lib/%.c,$(LIB_FREESTANDING_DIR)/%.o,$(LIB_PKG_SRCS))
$(LIB_FREESTANDING_DIR)/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) --target=x86_64-unknown-none -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding \
	    -nostdlib -mno-red-zone -mcmodel=kernel -fno-pic -MMD -MP -c $< -o $@

# ---- unit tests ----
LIB_TEST_DIR := $(HOST_BUILD)/tests/lib
LIB_TESTS    := inflate_test zip_test manifest_test pkg_test
LIB_TEST_BINS := $(addprefix $(LIB_TEST_DIR)/,$(LIB_TESTS))

$(LIB_TEST_DIR)/%.o: tests/unit/lib/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(LIB_TEST_DIR)/%_test: $(LIB_TEST_DIR)/%_test.o $(LIB_TEST_DIR)/zipbuild.o $(LIB_PKG_A)
	$(HOST_CC) $(SAN_FLAGS) $^ -lcmocka -lz -o $@

.PHONY: test-lib
test-lib: $(LIB_TEST_BINS)
	@tools/cmocka-summary $(LIB_TEST_BINS)

# ---- fuzzers (make fuzz; FUZZ_SECONDS each) ----
FUZZ_SECONDS ?= 60
LIB_FUZZ_DIR := $(HOST_BUILD)/fuzz
LIB_FUZZERS  := inflate zip manifest

$(LIB_FUZZ_DIR)/fuzz-%: tests/fuzz/%_fuzz.c $(LIB_PKG_SRCS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(FUZZ_FLAGS) $< $(LIB_PKG_SRCS) -o $@

.PHONY: $(addprefix fuzz-,$(LIB_FUZZERS))
$(addprefix fuzz-,$(LIB_FUZZERS)): fuzz-%: $(LIB_FUZZ_DIR)/fuzz-%
	@mkdir -p $(BUILD)/fuzz-corpus/$* $(BUILD)/fuzz-artifacts
	$< -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(BUILD)/fuzz-artifacts/$*- \
	    $(BUILD)/fuzz-corpus/$* tests/fuzz/corpus/$*

ALL_TARGETS  += $(LIB_PKG_A) $(LIB_FREESTANDING_OBJS) $(LIB_TEST_BINS)
TEST_TARGETS += test-lib
FUZZ_TARGETS += $(addprefix fuzz-,$(LIB_FUZZERS))

-include $(LIB_PKG_OBJS:.o=.d) $(LIB_FREESTANDING_OBJS:.o=.d) $(LIB_TEST_DIR)/*.d
.PRECIOUS: $(LIB_TEST_DIR)/%.o

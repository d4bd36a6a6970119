# apps/apps.mk — KPIO's own WebAssembly programs (wasm32-wasi, C): the core
# utilities (one module each, in build/wasm/bin/NAME.wasm), the shell and
# the example apps. They link apps/common and the SDK's libkpio.a
# (sdk/sdk.mk; named by path here because that fragment is read later).

APPS_BIN      := $(BUILD)/wasm/bin
APPS_OBJ      := $(BUILD)/wasm/apps
APPS_SDK_LIB  := $(BUILD)/wasm/sdk/libkpio.a
APPS_CFLAGS    = $(WASM_CFLAGS) -Isdk/include -Iapps/common
APPS_LDFLAGS  := -Wl,--strip-debug

COREUTILS := cat cp date df echo env fetch grep head hexdump kill ln ls mkdir mv poweroff ps \
             rm rmdir run sha256sum sleep sort tail touch uname uniq wc

APPS_COMMON_SRCS := apps/common/app.c apps/common/fileops.c apps/common/run.c
APPS_COMMON_OBJS := $(patsubst apps/%.c,$(APPS_OBJ)/%.o,$(APPS_COMMON_SRCS))
APPS_COMMON_LIB  := $(APPS_OBJ)/libapp.a

$(APPS_OBJ)/%.o: apps/%.c
	@mkdir -p $(@D)
	$(WASM_CC) $(APPS_CFLAGS) -MMD -MP -c $< -o $@

$(APPS_COMMON_LIB): $(APPS_COMMON_OBJS)
	@rm -f $@
	llvm-ar rcs $@ $^

$(APPS_BIN)/%.wasm: $(APPS_OBJ)/coreutils/%.o $(APPS_COMMON_LIB) $(APPS_SDK_LIB)
	@mkdir -p $(@D)
	$(WASM_CC) $(APPS_CFLAGS) $^ $(APPS_LDFLAGS) -o $@

COREUTILS_WASM := $(addprefix $(APPS_BIN)/,$(addsuffix .wasm,$(COREUTILS)))
ALL_TARGETS += $(COREUTILS_WASM)

# reboot is poweroff under another name (argv[0] says which).
$(APPS_BIN)/reboot.wasm: $(APPS_BIN)/poweroff.wasm
	cp $< $@
ALL_TARGETS += $(APPS_BIN)/reboot.wasm
.PRECIOUS: $(APPS_OBJ)/%.o

-include $(wildcard $(APPS_OBJ)/*/*.d)

# ---- the shell ----
SH_SRCS := apps/sh/main.c apps/sh/lex.c apps/sh/parse.c apps/sh/expand.c apps/sh/vars.c \
           apps/sh/exec.c apps/sh/builtins.c apps/sh/lineedit.c apps/sh/complete.c
SH_OBJS := $(patsubst apps/%.c,$(APPS_OBJ)/%.o,$(SH_SRCS))

$(APPS_BIN)/sh.wasm: $(SH_OBJS) $(APPS_COMMON_LIB) $(APPS_SDK_LIB)
	@mkdir -p $(@D)
	$(WASM_CC) $(APPS_CFLAGS) $^ $(APPS_LDFLAGS) -o $@

APPS_EXTRA_WASM += $(APPS_BIN)/sh.wasm
ALL_TARGETS += $(APPS_BIN)/sh.wasm

# The shell's portable parts, tested on the host under ASan+UBSan.
SH_UNIT_SRCS := apps/sh/lex.c apps/sh/parse.c apps/sh/expand.c apps/sh/vars.c apps/sh/lineedit.c
SH_UNIT_BIN  := $(HOST_BUILD)/tests/sh/sh_test

$(SH_UNIT_BIN): tests/unit/sh/sh_test.c $(SH_UNIT_SRCS) apps/sh/sh.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) tests/unit/sh/sh_test.c $(SH_UNIT_SRCS) -lcmocka -o $@

.PHONY: test-sh
test-sh: $(SH_UNIT_BIN)
	@tools/cmocka-summary $(SH_UNIT_BIN)

ALL_TARGETS  += $(SH_UNIT_BIN)
TEST_TARGETS += test-sh

# ---- app: the package manager (lib/pkg built for wasm32 too) ----
APP_LIB_SRCS := $(sort $(wildcard lib/inflate/*.c lib/zip/*.c lib/manifest/*.c lib/pkg/*.c))
APP_LIB_OBJS := $(patsubst lib/%.c,$(APPS_OBJ)/lib/%.o,$(APP_LIB_SRCS))

$(APPS_OBJ)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(WASM_CC) $(WASM_CFLAGS) -MMD -MP -c $< -o $@

$(APPS_BIN)/app.wasm: $(APPS_OBJ)/app/app.o $(APP_LIB_OBJS) $(APPS_COMMON_LIB) $(APPS_SDK_LIB)
	@mkdir -p $(@D)
	$(WASM_CC) $(APPS_CFLAGS) $^ $(APPS_LDFLAGS) -o $@

APPS_EXTRA_WASM += $(APPS_BIN)/app.wasm
ALL_TARGETS += $(APPS_BIN)/app.wasm
-include $(APP_LIB_OBJS:.o=.d)

# Test programs for tests/apps (hostile apps, API checks).
APPS_TEST_BIN := $(BUILD)/wasm/tests
APPS_TEST_PROGRAMS := hostile kpio_api churn
$(APPS_TEST_BIN)/%.wasm: tests/apps/src/%.c $(APPS_SDK_LIB)
	@mkdir -p $(@D)
	$(WASM_CC) $(APPS_CFLAGS) $< $(APPS_SDK_LIB) $(APPS_LDFLAGS) -o $@

APPS_EXTRA_WASM += $(addprefix $(APPS_TEST_BIN)/,$(addsuffix .wasm,$(APPS_TEST_PROGRAMS)))
ALL_TARGETS += $(addprefix $(APPS_TEST_BIN)/,$(addsuffix .wasm,$(APPS_TEST_PROGRAMS)))

# ---- example apps for docs/apps.md, packaged as .kpioapp ----
EXAMPLES := notes httpd
EXAMPLES_DIR := $(BUILD)/wasm/examples

# Each example: its module built into a package folder beside its manifest,
# then packaged (and checked) with tools/kpio-pkg.
define EXAMPLE_RULES
$(EXAMPLES_DIR)/$(1)/pkg/$(1).wasm: apps/examples/$(1)/$(1).c apps/examples/$(1)/pkg/manifest.toml $(APPS_SDK_LIB)
	@mkdir -p $$(@D)
	cp apps/examples/$(1)/pkg/manifest.toml $$(@D)/manifest.toml
	$$(WASM_CC) $$(APPS_CFLAGS) $$< $(APPS_SDK_LIB) $$(APPS_LDFLAGS) -o $$@

$(EXAMPLES_DIR)/$(1).kpioapp: $(EXAMPLES_DIR)/$(1)/pkg/$(1).wasm tools/kpio-pkg $(HOST_BUILD)/kpio-pkgcheck
	tools/kpio-pkg build $(EXAMPLES_DIR)/$(1)/pkg -o $$@ >/dev/null
endef
$(foreach e,$(EXAMPLES),$(eval $(call EXAMPLE_RULES,$(e))))

EXAMPLES_PKGS := $(addprefix $(EXAMPLES_DIR)/,$(addsuffix .kpioapp,$(EXAMPLES)))
APPS_EXTRA_WASM += $(EXAMPLES_PKGS)
ALL_TARGETS += $(EXAMPLES_PKGS)

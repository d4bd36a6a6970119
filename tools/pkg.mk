# tools/pkg.mk — host tools for .kpioapp packages: tools/kpio-pkg (Python,
# builds packages) and build/host/kpio-pkgcheck (C, checks and unpacks them
# with the kernel's own lib/pkg code). Tests: tests/pkg (pytest).
#
# When the runtime is part of the tree, kpio-pkgcheck validates entry
# modules with it (wasm_module_validate); otherwise it checks their header
# and section framing (pkg_wasm_sniff).

PKGCHECK := $(HOST_BUILD)/kpio-pkgcheck

ifneq ($(wildcard runtime/runtime.mk),)
PKGCHECK_RUNTIME_CFLAGS := -DPKGCHECK_HAVE_RUNTIME -Iruntime/include
PKGCHECK_RUNTIME_LIBS   := $(HOST_BUILD)/san/libkpiowasm.a -lm -lpthread
endif

$(PKGCHECK): tools/kpio-pkgcheck.c $(LIB_PKG_A) $(filter %.a,$(PKGCHECK_RUNTIME_LIBS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(PKGCHECK_RUNTIME_CFLAGS) $< $(LIB_PKG_A) \
	    $(PKGCHECK_RUNTIME_LIBS) -o $@

ALL_TARGETS += $(PKGCHECK)

# tools/pkg.mk — host tools for .kpioapp packages: tools/kpio-pkg (Python,
# builds packages) and build/host/kpio-pkgcheck (C, checks and unpacks them
# with the kernel's own lib/pkg code). Tests: tests/pkg (pytest).

PKGCHECK := $(HOST_BUILD)/kpio-pkgcheck

$(PKGCHECK): tools/kpio-pkgcheck.c $(LIB_PKG_A)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(PKGCHECK_RUNTIME_CFLAGS) $< $(LIB_PKG_A) \
	    $(PKGCHECK_RUNTIME_LIBS) -o $@

ALL_TARGETS += $(PKGCHECK)

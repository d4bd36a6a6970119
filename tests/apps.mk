# tests/apps.mk — host tests of KPIO's user space:
#   test-apps   the utilities and the shell (tests/apps, pytest), under
#               build/host/kpio-wasm when the runtime is built, else Node's WASI
#   test-pkg    kpio-pkg and kpio-pkgcheck round trips (tests/pkg, pytest)

PYTEST ?= /usr/bin/python3 -m pytest

# With the runtime in the tree, the suite runs under kpio-wasm.
ifneq ($(wildcard runtime/runtime.mk),)
APPS_TEST_RUNNER := $(HOST_BUILD)/kpio-wasm
endif

.PHONY: test-apps test-pkg
test-apps: $(COREUTILS_WASM) $(APPS_EXTRA_WASM) $(APPS_TEST_RUNNER)
	@$(PYTEST) -q tests/apps

test-pkg: $(HOST_BUILD)/kpio-pkgcheck $(COREUTILS_WASM) $(APPS_SDK_LIB)
	@$(PYTEST) -q tests/pkg

TEST_TARGETS += test-apps test-pkg

# tests/system.mk — the test suites that boot QEMU (tools/kpio-qemu):
#   test-kernel   one boot with test=all: every in-kernel KTEST
#   test-system   pytest over tests/system/: boots driven from the host

.PHONY: test-kernel test-system
test-kernel: $(BUILD)/kpio.img
	@tools/kpio-qemu --smp 2 --mem 1G --timeout 600 --cmdline "test=all" < /dev/null

test-system: $(BUILD)/kpio.img
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/system

TEST_TARGETS += test-kernel test-system
QEMU_TEST_TARGETS += test-kernel test-system

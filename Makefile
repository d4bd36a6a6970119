# KPIO — top-level Makefile.
#
#   make          build everything into build/ (build/kpio.img is the disk image)
#   make run      boot build/kpio.img in QEMU on this terminal (GUI=1 adds a window)
#   make test     every test: host unit tests, conformance suites, QEMU boots
#   make bench    benchmarks; results go to docs/perf.md by hand, with the date
#   make fuzz     libFuzzer targets for a set time (FUZZ_SECONDS, default 60 each)
#
# Subsystems describe themselves in their own fragments, included below. Each
# appends to ALL_TARGETS (what `make` builds), TEST_TARGETS (make targets that
# run one suite and end with a line 'N passed, N failed'), BENCH_TARGETS and
# FUZZ_TARGETS. Suites that boot QEMU are also named in QEMU_TEST_TARGETS:
# tools/run-tests runs them one at a time, beside the host suites.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

include mk/config.mk

ALL_TARGETS   :=
TEST_TARGETS  :=
QEMU_TEST_TARGETS :=
BENCH_TARGETS :=
FUZZ_TARGETS  :=

include $(sort $(wildcard boot/*.mk kernel/*.mk runtime/*.mk lib/*.mk apps/*.mk sdk/*.mk tools/*.mk tests/*.mk))

.PHONY: all deps build run test bench fuzz clean

# Packages first (quick when present), then the build itself in parallel.
all: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build

build: $(ALL_TARGETS)

deps:
	@tools/deps.sh

run: all
	tools/kpio-qemu --interactive $(if $(GUI),--gui) $(RUN_ARGS) $(BUILD)/kpio.img

test: all
	@tools/run-tests --qemu "$(QEMU_TEST_TARGETS)" $(TEST_TARGETS)

bench: all
	@tools/run-tests --bench $(BENCH_TARGETS)

fuzz: all
	@for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory $$t || exit 1; done

clean:
	rm -rf $(BUILD)

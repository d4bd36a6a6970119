# tests/bench.mk — runtime benchmarks (make bench): compute programs built
# natively (gcc -O2) and to wasm32-wasi (clang -O2; simd with -msimd128),
# run natively, under kpio-wasm and under Node by tests/bench/run_bench.py;
# plus a generated large module and the per-instance memory program.

BENCH_DIR   := $(BUILD)/bench
BENCH_PROGS := nbody sieve fib matmul sha256 sort mandel lz simd hashmap
BENCH_RUNS  ?= 3

# Library sources a program links besides its own file.
BENCH_LIBS_sha256 := kernel/lib/sha256.c

$(BENCH_DIR)/native/%: tests/bench/src/%.c
	@mkdir -p $(dir $@)
	$(BENCH_CC) -O2 -Ikernel/lib -o $@ $< $(BENCH_LIBS_$*) -lm

$(BENCH_DIR)/wasm/%.wasm: tests/bench/src/%.c
	@mkdir -p $(dir $@)
	$(WASM_CC) -O2 $(if $(filter simd,$*),-msimd128) -Ikernel/lib -o $@ $< $(BENCH_LIBS_$*)

$(BENCH_DIR)/native/sha256 $(BENCH_DIR)/wasm/sha256.wasm: kernel/lib/sha256.c kernel/lib/sha256.h

# About 3.5 MB of code; clang needs about a minute for it.
$(BENCH_DIR)/big.c: tests/bench/gen_big.py
	@mkdir -p $(dir $@)
	python3 $< 6000 $@

$(BENCH_DIR)/wasm/big.wasm: $(BENCH_DIR)/big.c
	@mkdir -p $(dir $@)
	$(WASM_CC) -O2 -o $@ $<

# About 20 MB (issue 7's start-up figure): big.wasm's functions repeated.
$(BENCH_DIR)/wasm/big20.wasm: tests/bench/replicate_wasm.py $(BENCH_DIR)/wasm/big.wasm
	python3 $< $(BENCH_DIR)/wasm/big.wasm 20 $@

ifneq ($(wildcard runtime/runtime.mk),)
$(HOST_BUILD)/bench-instances: tests/bench/instances.c tests/bench/bench_file.h $(HOST_BUILD)/libkpiowasi.a \
                               $(HOST_BUILD)/libkpiowasm.a
	$(HOST_CC) $(HOST_CFLAGS) $(WASI_INC) -o $@ $< $(HOST_BUILD)/libkpiowasi.a \
	    $(HOST_BUILD)/libkpiowasm.a -lm -lpthread

$(HOST_BUILD)/bench-compile: tests/bench/compile.c tests/bench/bench_file.h $(HOST_BUILD)/libkpiowasm.a
	$(HOST_CC) $(HOST_CFLAGS) -Iruntime/include -o $@ $< $(HOST_BUILD)/libkpiowasm.a -lpthread

ALL_TARGETS += $(HOST_BUILD)/bench-compile

BENCH_TARGETS += bench-runtime
endif

.PHONY: bench-runtime
bench-runtime: $(BENCH_PROGS:%=$(BENCH_DIR)/native/%) $(BENCH_PROGS:%=$(BENCH_DIR)/wasm/%.wasm) \
               $(BENCH_DIR)/wasm/big.wasm $(BENCH_DIR)/wasm/big20.wasm $(HOST_BUILD)/kpio-wasm \
               $(HOST_BUILD)/bench-instances $(HOST_BUILD)/bench-compile
	@python3 tests/bench/run_bench.py --native $(BENCH_DIR)/native --wasm $(BENCH_DIR)/wasm \
	    --kpio $(HOST_BUILD)/kpio-wasm --instances $(HOST_BUILD)/bench-instances \
	    --compile $(HOST_BUILD)/bench-compile \
	    --big $(BENCH_DIR)/wasm/big.wasm $(BENCH_DIR)/wasm/big20.wasm --runs $(BENCH_RUNS)

# tools/bench.mk — benchmarks beside the Linux baseline (tools/bench/kpio-bench,
# tools/linux-guest). BENCH_ROUNDS=N overrides the number of rounds.

.PHONY: bench-boot bench-kernel
bench-boot: $(BUILD)/kpio.img
	@tools/bench/kpio-bench boot

bench-kernel: $(BUILD)/kpio.img
	@tools/bench/kpio-bench kernel

BENCH_TARGETS += bench-boot bench-kernel

# tools/bench.mk — benchmarks beside the Linux baseline (tools/bench/kpio-bench,
# tools/linux-guest). BENCH_ROUNDS=N overrides the number of rounds.

.PHONY: bench-boot bench-kernel bench-wake
bench-boot: $(BUILD)/kpio.img
	@tools/bench/kpio-bench boot

bench-kernel: $(BUILD)/kpio.img
	@tools/bench/kpio-bench kernel

bench-wake: $(BUILD)/kpio.img
	@tools/bench/kpio-bench wake

BENCH_TARGETS += bench-boot bench-kernel bench-wake

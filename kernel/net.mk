# kernel/net.mk — the network stack's host builds: unit tests (cmocka, ASan +
# UBSan), the DNS vector scorer, the host-process stack used against Linux
# peers on a tap device, the impairment relay, and the libFuzzer target.
# The kernel build picks up kernel/net/*.c like any other kernel source.

# net_kernel.c and net_ktests.c need the real kernel; everything else also
# builds on the host.
NET_KERNEL_ONLY := kernel/net/net_kernel.c kernel/net/net_ktests.c
# SHA-256 (end-to-end transfer checks) is the kernel library's.
NET_SRCS := $(filter-out $(NET_KERNEL_ONLY),$(wildcard kernel/net/*.c)) kernel/lib/sha256.c
NET_HOST_DIR := $(HOST_BUILD)/net
NET_HOST_INC := -Itests/unit/kshim -Ikernel -Iinclude
NET_HOST_CFLAGS := $(HOST_CFLAGS) $(SAN_FLAGS) $(NET_HOST_INC) -pthread

NET_HOST_OBJS := $(patsubst %.c,$(NET_HOST_DIR)/obj/%.o,$(notdir $(NET_SRCS))) \
                 $(NET_HOST_DIR)/obj/kshim.o

$(NET_HOST_DIR)/obj/%.o: kernel/net/%.c $(wildcard kernel/net/*.h) | $(NET_HOST_DIR)/obj
	$(HOST_CC) $(NET_HOST_CFLAGS) -c $< -o $@

$(NET_HOST_DIR)/obj/sha256.o: kernel/lib/sha256.c kernel/lib/sha256.h | $(NET_HOST_DIR)/obj
	$(HOST_CC) $(NET_HOST_CFLAGS) -c $< -o $@

$(NET_HOST_DIR)/obj/kshim.o: tests/unit/kshim/kshim.c | $(NET_HOST_DIR)/obj
	$(HOST_CC) $(NET_HOST_CFLAGS) -c $< -o $@

$(NET_HOST_DIR)/obj:
	@mkdir -p $@

$(NET_HOST_DIR)/libkpionet.a: $(NET_HOST_OBJS)
	@rm -f $@
	ar rcs $@ $^

ALL_TARGETS += $(NET_HOST_DIR)/libkpionet.a

# ---- unit tests ----
NET_TEST_NAMES := test_net_core test_net_proto test_tcp test_tcp_craft test_dns test_dhcp test_http
NET_TEST_BINS := $(addprefix $(NET_HOST_DIR)/,$(NET_TEST_NAMES))

$(NET_HOST_DIR)/nettest.o: tests/unit/net/nettest.c tests/unit/net/nettest.h $(wildcard kernel/net/*.h) | $(NET_HOST_DIR)/obj
	$(HOST_CC) $(NET_HOST_CFLAGS) -c $< -o $@

$(NET_HOST_DIR)/test_%: tests/unit/net/test_%.c $(NET_HOST_DIR)/nettest.o $(NET_HOST_DIR)/libkpionet.a tests/unit/net/nettest.h
	$(HOST_CC) $(NET_HOST_CFLAGS) -Itests/unit/net $< $(NET_HOST_DIR)/nettest.o $(NET_HOST_DIR)/libkpionet.a -lcmocka -o $@

ALL_TARGETS += $(NET_TEST_BINS)

.PHONY: test-net-unit
test-net-unit: $(NET_TEST_BINS)
	@tests/unit/net/run-suite $(NET_TEST_BINS)

TEST_TARGETS += test-net-unit

# ---- the DNS parser scored on ../shared/dns-vectors ----
$(NET_HOST_DIR)/dns_decode: tests/unit/net/dns_decode.c $(NET_HOST_DIR)/libkpionet.a
	$(HOST_CC) $(NET_HOST_CFLAGS) $< $(NET_HOST_DIR)/libkpionet.a -o $@

ALL_TARGETS += $(NET_HOST_DIR)/dns_decode

.PHONY: test-net-dns-vectors
test-net-dns-vectors: $(NET_HOST_DIR)/dns_decode
	@DNS_DECODE=$(CURDIR)/$(NET_HOST_DIR)/dns_decode /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/unit/net/test_dns_vectors.py

TEST_TARGETS += test-net-dns-vectors

# ---- libFuzzer target: random frames into the input path ----
NET_FUZZ_DIR := $(BUILD)/fuzz/net
FUZZ_SECONDS ?= 60

$(NET_FUZZ_DIR)/net_fuzz: tests/fuzz/net/net_fuzz.c $(NET_SRCS) tests/unit/kshim/kshim.c $(wildcard kernel/net/*.h)
	@mkdir -p $(NET_FUZZ_DIR)
	$(HOST_CC) $(HOST_CFLAGS) $(FUZZ_FLAGS) $(NET_HOST_INC) -pthread $< $(NET_SRCS) tests/unit/kshim/kshim.c -o $@

$(NET_FUZZ_DIR)/seeds/.stamp: tests/fuzz/net/make-seeds.py
	@rm -rf $(NET_FUZZ_DIR)/seeds
	/usr/bin/python3 tests/fuzz/net/make-seeds.py $(NET_FUZZ_DIR)/seeds
	@touch $@

$(NET_FUZZ_DIR)/parsers_fuzz: tests/fuzz/net/parsers_fuzz.c $(NET_SRCS) tests/unit/kshim/kshim.c $(wildcard kernel/net/*.h)
	@mkdir -p $(NET_FUZZ_DIR)
	$(HOST_CC) $(HOST_CFLAGS) $(FUZZ_FLAGS) $(NET_HOST_INC) -pthread $< $(NET_SRCS) tests/unit/kshim/kshim.c -o $@

ALL_TARGETS += $(NET_FUZZ_DIR)/net_fuzz $(NET_FUZZ_DIR)/parsers_fuzz

# Runs of FUZZ_SECONDS from the seeds (corpora kept in build/fuzz/net/).
.PHONY: fuzz-net fuzz-net-parsers
fuzz-net: $(NET_FUZZ_DIR)/net_fuzz $(NET_FUZZ_DIR)/seeds/.stamp
	@mkdir -p $(NET_FUZZ_DIR)/corpus
	$(NET_FUZZ_DIR)/net_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 -detect_leaks=0 \
	    -artifact_prefix=$(NET_FUZZ_DIR)/ $(NET_FUZZ_DIR)/corpus $(NET_FUZZ_DIR)/seeds

fuzz-net-parsers: $(NET_FUZZ_DIR)/parsers_fuzz $(NET_FUZZ_DIR)/seeds/.stamp
	@mkdir -p $(NET_FUZZ_DIR)/corpus-parsers
	$(NET_FUZZ_DIR)/parsers_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=2048 -print_final_stats=1 \
	    -artifact_prefix=$(NET_FUZZ_DIR)/parsers- $(NET_FUZZ_DIR)/corpus-parsers $(NET_FUZZ_DIR)/seeds-parsers

FUZZ_TARGETS += fuzz-net fuzz-net-parsers

# In make test: every seed and every saved crash input, once each, through
# both targets (tests/fuzz/net/regress: frames; regress-parsers: messages).
.PHONY: test-net-fuzz-regress
test-net-fuzz-regress: $(NET_FUZZ_DIR)/net_fuzz $(NET_FUZZ_DIR)/parsers_fuzz $(NET_FUZZ_DIR)/seeds/.stamp
	@n=$$(ls $(NET_FUZZ_DIR)/seeds $(NET_FUZZ_DIR)/seeds-parsers tests/fuzz/net/regress tests/fuzz/net/regress-parsers | grep -vc -e '^$$' -e ':$$' -e '^\.'); \
	if $(NET_FUZZ_DIR)/net_fuzz -runs=0 -detect_leaks=0 $(NET_FUZZ_DIR)/seeds tests/fuzz/net/regress > $(NET_FUZZ_DIR)/regress.log 2>&1 && \
	   $(NET_FUZZ_DIR)/parsers_fuzz -runs=0 $(NET_FUZZ_DIR)/seeds-parsers tests/fuzz/net/regress-parsers >> $(NET_FUZZ_DIR)/regress.log 2>&1; \
	then echo "net-fuzz-regress: $$n passed, 0 failed"; \
	else tail -20 $(NET_FUZZ_DIR)/regress.log; echo "net-fuzz-regress: 0 passed, 1 failed"; exit 1; fi

TEST_TARGETS += test-net-fuzz-regress

# ---- interoperability with Linux peers: the stack as a host process ----
NET_TOOLS_DIR := $(HOST_BUILD)/net

$(NET_TOOLS_DIR)/kpio-nethost: tests/net/nethost.c $(NET_HOST_DIR)/libkpionet.a
	$(HOST_CC) $(NET_HOST_CFLAGS) $< $(NET_HOST_DIR)/libkpionet.a -o $@

$(NET_TOOLS_DIR)/kpio-impair: tests/net/impair.c | $(NET_HOST_DIR)/obj
	$(HOST_CC) $(HOST_CFLAGS) -O2 $< -o $@

ALL_TARGETS += $(NET_TOOLS_DIR)/kpio-nethost $(NET_TOOLS_DIR)/kpio-impair

.PHONY: test-net-host
test-net-host: $(NET_TOOLS_DIR)/kpio-nethost $(NET_TOOLS_DIR)/kpio-impair
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/net/test_host_interop.py

TEST_TARGETS += test-net-host

# ---- the stack in the kernel, over virtio-net in QEMU, against Linux peers ----
.PHONY: test-net-qemu
test-net-qemu: $(BUILD)/kpio.img $(NET_TOOLS_DIR)/kpio-impair
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/net/test_qemu_net.py

TEST_TARGETS += test-net-qemu
QEMU_TEST_TARGETS += test-net-qemu

# ---- benchmark: KPIO vs the Linux guest, same QEMU and network set-up ----
.PHONY: bench-net
bench-net: $(BUILD)/kpio.img
	@/usr/bin/python3 tests/net/netbench.py

BENCH_TARGETS += bench-net

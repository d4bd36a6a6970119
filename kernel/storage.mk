# kernel/storage.mk — storage: block devices and partitions (kernel/dev/blk*),
# the block cache, VFS, FAT, tmpfs and devfs (kernel/fs/), built for the host
# with ASan+UBSan for the unit tests, the fsutil tool and the fuzzer.
#
#   make test-storage         cmocka suites (tests/unit/fs/test_*.c)
#   make test-storage-oracle  pytest: images made by KPIO's FAT code checked by
#                             fsck.fat and mtools, and the reverse
#   make fuzz-fat             libFuzzer over mount + directory walk + reads

STORAGE_OUT      := $(HOST_BUILD)/storage
STORAGE_CFLAGS   := $(HOST_CFLAGS) -Itests/unit/kshim -Ikernel -Itests/unit/fs -MMD -MP
# Portable code only: the storage_*.c files are the kernel's glue (PCI,
# virtio, monitor, boot mounts) and are built into the kernel alone.
STORAGE_PORTABLE := $(sort $(filter-out kernel/fs/storage_%.c,$(wildcard kernel/dev/blk*.c kernel/fs/*.c \
                      kernel/fs/fat/*.c)) kernel/dev/virtio/virtqueue.c)
STORAGE_SUPPORT  := tests/unit/kshim/kshim.c tests/unit/fs/hostblk.c tests/unit/fs/testutil.c \
                    kernel/lib/sha256.c
STORAGE_OBJS     := $(patsubst %.c,$(STORAGE_OUT)/obj/%.o,$(STORAGE_PORTABLE) $(STORAGE_SUPPORT))
STORAGE_FUZZ_OBJS := $(patsubst %.c,$(STORAGE_OUT)/fuzzobj/%.o,$(STORAGE_PORTABLE) \
                       tests/unit/kshim/kshim.c tests/unit/fs/hostblk.c)
STORAGE_TESTS    := $(patsubst tests/unit/fs/%.c,$(STORAGE_OUT)/%,$(sort $(wildcard tests/unit/fs/test_*.c)))
STORAGE_IMAGES   := $(patsubst ../shared/fat-images/%.img.gz,$(STORAGE_OUT)/images/%.img,\
                       $(wildcard ../shared/fat-images/*.img.gz))
STORAGE_FSUTIL   := $(STORAGE_OUT)/kpio-fsutil
STORAGE_FUZZER   := $(STORAGE_OUT)/fuzz-fat
STORAGE_FUZZ_SEEDS := $(patsubst $(STORAGE_OUT)/images/%,$(STORAGE_OUT)/fuzz-seeds/%,$(STORAGE_IMAGES))

ALL_TARGETS  += $(STORAGE_TESTS) $(STORAGE_FSUTIL)
TEST_TARGETS += test-storage test-storage-oracle test-storage-qemu
QEMU_TEST_TARGETS += test-storage-qemu
FUZZ_TARGETS += fuzz-fat
ALL_TARGETS  += $(STORAGE_FUZZER)

$(STORAGE_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(STORAGE_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(STORAGE_OUT)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(STORAGE_CFLAGS) $(FUZZ_FLAGS) -c $< -o $@

$(STORAGE_OUT)/libstorage.a: $(STORAGE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(STORAGE_OUT)/test_%: tests/unit/fs/test_%.c $(STORAGE_OUT)/libstorage.a
	$(HOST_CC) $(STORAGE_CFLAGS) $(SAN_FLAGS) $< $(STORAGE_OUT)/libstorage.a -lcmocka -lpthread -o $@

$(STORAGE_FSUTIL): tests/unit/fs/fsutil.c $(STORAGE_OUT)/libstorage.a
	$(HOST_CC) $(STORAGE_CFLAGS) $(SAN_FLAGS) $< $(STORAGE_OUT)/libstorage.a -lpthread -o $@

$(STORAGE_FUZZER): tests/fuzz/fuzz_fat.c $(STORAGE_FUZZ_OBJS)
	$(HOST_CC) $(STORAGE_CFLAGS) $(FUZZ_FLAGS) $^ -lpthread -o $@

$(STORAGE_OUT)/images/%.img: ../shared/fat-images/%.img.gz
	@mkdir -p $(dir $@)
	gzip -dc $< > $@

$(STORAGE_OUT)/images/manifest.tsv: ../shared/fat-images/manifest.json tests/unit/fs/manifest2tsv.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 tests/unit/fs/manifest2tsv.py $< > $@

.PHONY: test-storage test-storage-oracle test-storage-qemu fuzz-fat
test-storage: $(STORAGE_TESTS) $(STORAGE_IMAGES) $(STORAGE_OUT)/images/manifest.tsv
	@STORAGE_IMAGES=$(STORAGE_OUT)/images tests/unit/fs/run-suite $(STORAGE_TESTS)

test-storage-oracle: $(STORAGE_FSUTIL) $(STORAGE_IMAGES)
	@STORAGE_IMAGES=$(STORAGE_OUT)/images KPIO_FSUTIL=$(STORAGE_FSUTIL) \
	    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/unit/fs/test_oracle.py

# Seeds: the first 2 MiB of each shared image (the fuzzer pads its input
# to a 64 MiB disk with zeros), plus the regression inputs kept in git.
# QEMU: workloads on extra virtio-blk disks checked by fsck.fat and mtools,
# damaged disks, power cuts (tests/system/storage_qemu.py).
test-storage-qemu: $(BUILD)/kpio.img $(STORAGE_FSUTIL)
	@KPIO_FSUTIL=$(STORAGE_FSUTIL) /usr/bin/python3 -m pytest -q -p no:cacheprovider \
	    tests/system/storage_qemu.py

# Benchmark: KPIO's FAT32 beside Linux's vfat in the same QEMU (tests/bench/storage_bench.py).
BENCH_TARGETS += bench-storage
.PHONY: bench-storage
bench-storage: $(BUILD)/kpio.img
	@/usr/bin/python3 tests/bench/storage_bench.py

FUZZ_SECONDS ?= 60
$(STORAGE_OUT)/fuzz-seeds/%.img: $(STORAGE_OUT)/images/%.img
	@mkdir -p $(dir $@)
	head -c 2097152 $< > $@

fuzz-fat: $(STORAGE_FUZZER) $(STORAGE_FUZZ_SEEDS)
	@mkdir -p $(STORAGE_OUT)/fuzz-corpus
	$(STORAGE_FUZZER) -max_total_time=$(FUZZ_SECONDS) -max_len=2097152 -rss_limit_mb=4096 \
	    -timeout=20 $(STORAGE_OUT)/fuzz-corpus $(STORAGE_OUT)/fuzz-seeds tests/fuzz/fat-regressions

# In `make test`: every seed and every input that once failed, once through
# the fuzz target (a crash, sanitizer report or leak fails the suite).
TEST_TARGETS += storage-fuzz-regress
.PHONY: storage-fuzz-regress
storage-fuzz-regress: $(STORAGE_FUZZER) $(STORAGE_FUZZ_SEEDS)
	@n=$$(ls $(STORAGE_OUT)/fuzz-seeds tests/fuzz/fat-regressions | grep -vc ':$$\|^$$'); \
	 if $(STORAGE_FUZZER) -runs=0 -rss_limit_mb=4096 $(STORAGE_OUT)/fuzz-seeds tests/fuzz/fat-regressions \
	      > $(STORAGE_OUT)/fuzz-regress.log 2>&1; then echo "$$n passed, 0 failed"; \
	 else echo "fuzz-fat failed: see $(STORAGE_OUT)/fuzz-regress.log"; echo "0 passed, 1 failed"; exit 1; fi

-include $(STORAGE_OBJS:.o=.d) $(STORAGE_FUZZ_OBJS:.o=.d)

# ---- the boot image's partitions (tools/image.mk) ----
# KPIO-DATA: FAT32, 512 MiB (sparse), 4 KiB clusters, filled from data/;
# mounted read-write at /data. KPIO-SCRATCH: 16 MiB of nothing, for the
# in-kernel block-device tests (kpio-qemu boots a copy of the image).
STORAGE_DATA_FILES := $(shell find data -type f 2>/dev/null)
$(BUILD)/data.img: $(STORAGE_DATA_FILES) kernel/storage.mk
	@mkdir -p $(dir $@)
	rm -f $@
	mkfs.fat -F 32 -s 8 -n KPIO-DATA -C $@ 524288 > /dev/null
	cd data && MTOOLS_SKIP_CHECK=1 mcopy -s -Q -i ../$@ * ::/

$(BUILD)/scratch.img:
	@mkdir -p $(dir $@)
	truncate -s 16M $@

IMAGE_PARTS      += --part KPIO-DATA:0700:$(BUILD)/data.img --part KPIO-SCRATCH:8300:$(BUILD)/scratch.img
IMAGE_PART_FILES += $(BUILD)/data.img $(BUILD)/scratch.img

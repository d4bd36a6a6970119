/*
 * tests/unit/fs/test_bcache.c — the block cache: write-back and sync,
 * the class order of write-back (seen in the device's write journal),
 * coalescing, LRU eviction, read-ahead, I/O errors, partial last blocks,
 * discard, write-through of sub-ranges, dirty pressure, concurrent users.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include "dev/blkdev.h"
#include "fs/bcache.h"
#include "hostblk.h"
#include "lib/lib.h"
#include "testutil.h"

struct fixture {
    const char *path;
    struct hostblk *h;
    struct bcache *cache;
    struct bcache_dev *bd;
};

static struct fixture *open_fixture(const char *name, uint64_t bytes, size_t cache_bytes,
                                    unsigned flags)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->path = strdup(tu_tmp(name));
    assert_int_equal(tu_make_file(f->path, bytes), 0);
    f->h = hostblk_open(f->path, "bc", 512, flags);
    assert_non_null(f->h);
    f->cache = bcache_create(cache_bytes);
    assert_non_null(f->cache);
    f->bd = bcache_attach(f->cache, hostblk_dev(f->h));
    assert_non_null(f->bd);
    return f;
}

static void close_fixture(struct fixture *f)
{
    if (f->bd)
        assert_int_equal(bcache_detach(f->bd), 0);
    bcache_destroy(f->cache);
    hostblk_close(f->h);
    free((void *)f->path);
    free(f);
}

/* Read bytes straight from the image file, bypassing everything. */
static void file_read(const char *path, uint64_t off, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
    close(fd);
}

static void test_write_back_and_sync(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("wb.img", 1 << 20, 256 << 10, 0);
    uint8_t data[10000], back[10000];
    tu_fill_pattern(data, sizeof data, 1);
    assert_int_equal(bcache_write(f->bd, 3000, data, sizeof data, BC_DATA), 0);
    /* Nothing on the disk yet: write-back. */
    file_read(f->path, 3000, back, sizeof back);
    uint8_t zero[10000] = { 0 };
    assert_memory_equal(back, zero, sizeof back);
    /* The cache returns the new bytes. */
    assert_int_equal(bcache_read(f->bd, 3000, back, sizeof back), 0);
    assert_memory_equal(back, data, sizeof back);
    assert_int_equal(bcache_sync(f->bd), 0);
    assert_int_equal(bcache_dev_dirty_blocks(f->bd), 0);
    file_read(f->path, 3000, back, sizeof back);
    assert_memory_equal(back, data, sizeof back);
    /* And they read back from the disk after the cache forgets them. */
    bcache_drop_clean(f->bd);
    memset(back, 0, sizeof back);
    assert_int_equal(bcache_read(f->bd, 3000, back, sizeof back), 0);
    assert_memory_equal(back, data, sizeof back);
    close_fixture(f);
}

/* Index of the journal entry writing `sector`, searching from the end. */
static long journal_find(struct hostblk *h, uint64_t sector)
{
    for (size_t i = hostblk_journal_len(h); i-- > 0;) {
        const struct hostblk_write *w = hostblk_journal_entry(h, i);
        if (w->data && sector >= w->sector && sector < w->sector + w->len / 512)
            return (long)i;
    }
    return -1;
}

static bool flush_between(struct hostblk *h, long a, long b)
{
    for (long i = a + 1; i < b; i++)
        if (!hostblk_journal_entry(h, (size_t)i)->data)
            return true;
    return false;
}

static void test_sync_writes_classes_in_order(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("order.img", 1 << 20, 256 << 10, HOSTBLK_JOURNAL);
    uint8_t buf[512];
    memset(buf, 1, sizeof buf);
    /* META early on the disk, DATA late, FAT in between; and a block that
     * mixes all three at sector granularity. */
    assert_int_equal(bcache_write(f->bd, 0 * 512, buf, 512, BC_META), 0);
    assert_int_equal(bcache_write(f->bd, 100 * 512, buf, 512, BC_FAT), 0);
    assert_int_equal(bcache_write(f->bd, 1000 * 512, buf, 512, BC_DATA), 0);
    assert_int_equal(bcache_write(f->bd, 200 * 512, buf, 512, BC_DATA), 0);
    assert_int_equal(bcache_write(f->bd, 201 * 512, buf, 512, BC_FAT), 0);
    assert_int_equal(bcache_write(f->bd, 202 * 512, buf, 512, BC_META), 0);
    /* A sector marked DATA and later META goes out with the META phase. */
    assert_int_equal(bcache_write(f->bd, 300 * 512, buf, 512, BC_DATA), 0);
    assert_int_equal(bcache_write(f->bd, 300 * 512, buf, 512, BC_META), 0);
    assert_int_equal(bcache_sync(f->bd), 0);

    long d1 = journal_find(f->h, 1000), d2 = journal_find(f->h, 200);
    long fat1 = journal_find(f->h, 100), fat2 = journal_find(f->h, 201);
    long m1 = journal_find(f->h, 0), m2 = journal_find(f->h, 202), m3 = journal_find(f->h, 300);
    assert_true(d1 >= 0 && d2 >= 0 && fat1 >= 0 && fat2 >= 0 && m1 >= 0 && m2 >= 0 && m3 >= 0);
    long last_data = MAX(d1, d2), first_fat = MIN(fat1, fat2), last_fat = MAX(fat1, fat2);
    long first_meta = MIN(MIN(m1, m2), m3);
    assert_true(last_data < first_fat);
    assert_true(last_fat < first_meta);
    assert_true(flush_between(f->h, last_data, first_fat));
    assert_true(flush_between(f->h, last_fat, first_meta));
    /* Sectors 200..202 were each written once, by their own class. */
    assert_int_not_equal(d2, fat2);
    assert_int_not_equal(fat2, m2);
    /* The sync ends with a flush. */
    size_t n = hostblk_journal_len(f->h);
    assert_null(hostblk_journal_entry(f->h, n - 1)->data);
    close_fixture(f);
}

static void test_coalescing(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("coalesce.img", 4 << 20, 2 << 20, 0);
    uint8_t *buf = malloc(100 * 4096);
    tu_fill_pattern(buf, 100 * 4096, 7);
    assert_int_equal(bcache_write(f->bd, 8192, buf, 100 * 4096, BC_DATA), 0);
    struct hostblk_counts before, after;
    hostblk_get_counts(f->h, &before);
    assert_int_equal(bcache_sync(f->bd), 0);
    hostblk_get_counts(f->h, &after);
    /* 400 KiB in one request (the limit is 1 MiB and 128 segments). */
    assert_int_equal(after.writes - before.writes, 1);
    assert_int_equal(after.bytes_written - before.bytes_written, 100 * 4096);
    uint8_t *back = malloc(100 * 4096);
    file_read(f->path, 8192, back, 100 * 4096);
    assert_memory_equal(back, buf, 100 * 4096);
    free(buf);
    free(back);
    close_fixture(f);
}

static void test_lru_eviction(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("lru.img", 4 << 20, 64 * 4096, 0);
    struct bbuf *b;
    for (uint64_t blk = 0; blk < 200; blk++) {
        assert_int_equal(bcache_get(f->bd, blk, 0, &b), 0);
        b->data[0] = (uint8_t)blk;      /* not marked dirty: must not reach the disk */
        bcache_put(b);
        /* Block 0 stays hot. */
        assert_int_equal(bcache_get(f->bd, 0, 0, &b), 0);
        bcache_put(b);
    }
    struct bcache_stats st;
    bcache_get_stats(f->cache, &st);
    assert_true(st.blocks <= 64);
    struct hostblk_counts c1, c2;
    hostblk_get_counts(f->h, &c1);
    assert_int_equal(bcache_get(f->bd, 0, 0, &b), 0);      /* still cached: no read */
    assert_int_equal(b->data[0], 0);
    bcache_put(b);
    hostblk_get_counts(f->h, &c2);
    assert_int_equal(c2.reads, c1.reads);
    assert_int_equal(bcache_get(f->bd, 1, 0, &b), 0);      /* evicted long ago: read again */
    assert_int_equal(b->data[0], 0);                       /* the unmarked change is gone */
    bcache_put(b);
    hostblk_get_counts(f->h, &c2);
    assert_int_equal(c2.reads, c1.reads + 1);
    close_fixture(f);
}

static void test_read_ahead_and_large_reads(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("ra.img", 8 << 20, 4 << 20, HOSTBLK_ASYNC);
    uint8_t *buf = malloc(2 << 20), *back = malloc(2 << 20);
    tu_fill_pattern(buf, 2 << 20, 3);
    int fd = open(f->path, O_WRONLY);
    assert_int_equal(pwrite(fd, buf, 2 << 20, 1 << 20), 2 << 20);
    close(fd);
    struct hostblk_counts c1, c2;
    hostblk_get_counts(f->h, &c1);
    /* One large read: missing blocks are fetched in runs, not one by one. */
    assert_int_equal(bcache_read(f->bd, 1 << 20, back, 2 << 20), 0);
    assert_memory_equal(back, buf, 2 << 20);
    hostblk_get_counts(f->h, &c2);
    assert_true(c2.reads - c1.reads <= 8);
    /* Read-ahead brings the next range in the background. */
    bcache_drop_clean(f->bd);
    bcache_readahead(f->bd, 1 << 20, 512 << 10);
    hostblk_get_counts(f->h, &c1);
    for (uint32_t off = 0; off < (512u << 10); off += 4096) {
        struct bbuf *b;
        assert_int_equal(bcache_get(f->bd, ((1u << 20) + off) / 4096, 0, &b), 0);
        assert_memory_equal(b->data, buf + off, 4096);
        bcache_put(b);
    }
    hostblk_get_counts(f->h, &c2);
    assert_true(c2.reads - c1.reads <= 1);
    free(buf);
    free(back);
    close_fixture(f);
}

static void test_read_errors(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("eio.img", 1 << 20, 256 << 10, HOSTBLK_ASYNC);
    hostblk_fail_reads_after(f->h, 0);
    struct bbuf *b;
    assert_int_equal(bcache_get(f->bd, 5, 0, &b), -EIO);
    uint8_t buf[9000];
    assert_int_equal(bcache_read(f->bd, 100000, buf, sizeof buf), -EIO);
    /* The failure is not cached: once the device recovers, reads work. */
    hostblk_fail_reads_after(f->h, -1);
    assert_int_equal(bcache_get(f->bd, 5, 0, &b), 0);
    bcache_put(b);
    assert_int_equal(bcache_read(f->bd, 100000, buf, sizeof buf), 0);
    assert_int_equal(bcache_get(f->bd, 1000, 0, &b), -ENXIO);
    close_fixture(f);
}

static void test_write_errors_keep_data_dirty(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("weio.img", 1 << 20, 256 << 10, 0);
    uint8_t data[4096], back[4096];
    tu_fill_pattern(data, sizeof data, 9);
    assert_int_equal(bcache_write(f->bd, 40960, data, sizeof data, BC_META), 0);
    hostblk_fail_writes_after(f->h, 0);
    assert_int_equal(bcache_sync(f->bd), -EIO);
    assert_int_equal(bcache_dev_dirty_blocks(f->bd), 1);
    hostblk_fail_writes_after(f->h, -1);
    assert_int_equal(bcache_sync(f->bd), 0);
    assert_int_equal(bcache_dev_dirty_blocks(f->bd), 0);
    file_read(f->path, 40960, back, sizeof back);
    assert_memory_equal(back, data, sizeof back);
    close_fixture(f);
}

static void test_partial_last_block(void **state)
{
    (void)state;
    /* 3 blocks and 1 KiB: the last block holds 2 sectors. */
    struct fixture *f = open_fixture("tail.img", 3 * 4096 + 1024, 256 << 10, 0);
    uint8_t data[2048], back[2048];
    tu_fill_pattern(data, sizeof data, 11);
    assert_int_equal(bcache_write(f->bd, 3 * 4096 - 1024, data, 2048, BC_DATA), 0);
    assert_int_equal(bcache_write(f->bd, 3 * 4096 + 512, data, 1024, BC_DATA), -ENXIO);
    struct bbuf *b;
    assert_int_equal(bcache_get(f->bd, 3, 0, &b), 0);
    assert_int_equal(b->len, 1024);
    bcache_put(b);
    assert_int_equal(bcache_sync(f->bd), 0);
    file_read(f->path, 3 * 4096 - 1024, back, 2048);
    assert_memory_equal(back, data, 2048);
    close_fixture(f);
}

static void test_discard_and_write_now(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("discard.img", 1 << 20, 256 << 10, HOSTBLK_JOURNAL);
    uint8_t data[4096];
    memset(data, 0xEE, sizeof data);
    assert_int_equal(bcache_write(f->bd, 0, data, 4096, BC_DATA), 0);
    bcache_discard(f->bd, 1024, 2048);                   /* sectors 2..5 forgotten */
    struct bbuf *b;
    assert_int_equal(bcache_get(f->bd, 1, BC_NOREAD, &b), 0);
    memset(b->data, 0x11, 4096);
    bcache_mark_dirty(b, 0, 4096, BC_META);
    assert_int_equal(bcache_write_now(b, 512, 700), 0);  /* sectors 9 and 10 now */
    bcache_put(b);
    assert_int_equal(hostblk_journal_len(f->h), 1);
    const struct hostblk_write *w = hostblk_journal_entry(f->h, 0);
    assert_int_equal(w->sector, 9);
    assert_int_equal(w->len, 1024);
    assert_int_equal(bcache_sync(f->bd), 0);
    /* The sync wrote sectors 0-1, 6-7 (data) and 8, 11-15 (meta) only. */
    uint8_t written[32] = { 0 };
    for (size_t i = 0; i < hostblk_journal_len(f->h); i++) {
        w = hostblk_journal_entry(f->h, i);
        for (uint32_t s = 0; w->data && s < w->len / 512; s++)
            written[w->sector + s]++;
    }
    uint8_t expect[32] = { 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    assert_memory_equal(written, expect, sizeof expect);
    close_fixture(f);
}

static void test_dirty_pressure_writes_back(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("pressure.img", 8 << 20, 64 * 4096, 0);
    uint8_t *buf = malloc(4 << 20);
    tu_fill_pattern(buf, 4 << 20, 5);
    assert_int_equal(bcache_write(f->bd, 0, buf, 4 << 20, BC_DATA), 0);
    /* Never more than half the cache dirty (+1 for the block being written). */
    assert_true(bcache_dev_dirty_blocks(f->bd) <= 33);
    struct bcache_stats st;
    bcache_get_stats(f->cache, &st);
    assert_true(st.blocks <= 66);
    assert_int_equal(bcache_sync(f->bd), 0);
    uint8_t *back = malloc(4 << 20);
    file_read(f->path, 0, back, 4 << 20);
    assert_memory_equal(back, buf, 4 << 20);
    free(buf);
    free(back);
    close_fixture(f);
}

static void test_direct_reads(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("direct.img", 4 << 20, 256 << 10, 0);
    enum { LEN = 1 << 20, OFF = 3 * 4096 + 100 };
    uint8_t *disk = malloc(LEN + 16384), *want = malloc(LEN), *got = malloc(LEN);
    tu_fill_pattern(disk, LEN + 16384, 21);
    int fd = open(f->path, O_WRONLY);
    assert_int_equal(pwrite(fd, disk, LEN + 16384, 0), LEN + 16384);
    close(fd);
    /* Changes still in the cache win over the disk: one whole block, part of another. */
    uint8_t change[5000];
    tu_fill_pattern(change, sizeof change, 22);
    assert_int_equal(bcache_write(f->bd, 40960, change, 4096, BC_DATA), 0);
    assert_int_equal(bcache_write(f->bd, 500000, change, sizeof change, BC_DATA), 0);
    memcpy(want, disk + OFF, LEN);
    memcpy(want + 40960 - OFF, change, 4096);
    memcpy(want + 500000 - OFF, change, sizeof change);
    struct bcache_stats before, after;
    bcache_get_stats(f->cache, &before);
    assert_int_equal(bcache_read_direct(f->bd, OFF, got, LEN), 0);
    bcache_get_stats(f->cache, &after);
    assert_memory_equal(got, want, LEN);
    /* The uncached blocks did not go into the cache. */
    assert_true(after.blocks <= before.blocks + 2);
    assert_true(after.read_requests - before.read_requests >= 3);
    assert_int_equal(bcache_read_direct(f->bd, 4 << 20, got, 1), -ENXIO);
    free(disk);
    free(want);
    free(got);
    close_fixture(f);
}

struct worker_arg {
    struct bcache_dev *bd;
    uint64_t seed;
    int errors;
};

static void *worker(void *p)
{
    struct worker_arg *a = p;
    uint8_t buf[6000], back[6000];
    uint64_t s = a->seed;
    for (int i = 0; i < 300; i++) {
        uint64_t off = tu_rand(&s) % ((2 << 20) - sizeof buf);
        tu_fill_pattern(buf, sizeof buf, tu_rand(&s));
        if (bcache_write(a->bd, off, buf, sizeof buf, BC_DATA) < 0 ||
            bcache_read(a->bd, off, back, sizeof back) < 0 || memcmp(buf, back, sizeof buf) != 0)
            a->errors++;
        if (i % 50 == 0 && bcache_sync(a->bd) < 0)
            a->errors++;
    }
    return NULL;
}

static void test_two_devices_two_threads(void **state)
{
    (void)state;
    struct fixture *f = open_fixture("mt1.img", 2 << 20, 96 * 4096, HOSTBLK_ASYNC);
    struct hostblk *h2 = hostblk_open(f->path, "bc2", 512, HOSTBLK_ASYNC);
    /* A second disk on a copy of the file, sharing the cache. */
    assert_int_equal(tu_make_file(tu_tmp("mt2.img"), 2 << 20), 0);
    hostblk_close(h2);
    h2 = hostblk_open(tu_tmp("mt2.img"), "bc2", 512, HOSTBLK_ASYNC);
    struct bcache_dev *bd2 = bcache_attach(f->cache, hostblk_dev(h2));
    struct worker_arg a1 = { f->bd, 1, 0 }, a2 = { bd2, 2, 0 };
    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, &a1);
    pthread_create(&t2, NULL, worker, &a2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(a1.errors, 0);
    assert_int_equal(a2.errors, 0);
    assert_int_equal(bcache_detach(bd2), 0);
    hostblk_close(h2);
    close_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_back_and_sync),
        cmocka_unit_test(test_sync_writes_classes_in_order),
        cmocka_unit_test(test_coalescing),
        cmocka_unit_test(test_lru_eviction),
        cmocka_unit_test(test_read_ahead_and_large_reads),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_write_errors_keep_data_dirty),
        cmocka_unit_test(test_partial_last_block),
        cmocka_unit_test(test_discard_and_write_now),
        cmocka_unit_test(test_dirty_pressure_writes_back),
        cmocka_unit_test(test_direct_reads),
        cmocka_unit_test(test_two_devices_two_threads),
    };
    return cmocka_run_group_tests_name("bcache", tests, NULL, NULL);
}

/*
 * kernel/fs/storage_tests.c — in-kernel tests of storage on the standard
 * image (tools/kpio-qemu boots a copy, so writing is fine): PCI found the
 * disk, virtio-blk with many requests in flight on the scratch partition,
 * request checking, the boot mounts, a round trip through /data that must
 * survive unmounting, /tmp and /dev.
 */
#include "core/ktest.h"
#include "dev/blkdev.h"
#include "dev/pci.h"
#include "dev/virtio/virtio_blk.h"
#include "fs/pattern.h"
#include "fs/storage.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "sched/sched.h"

static struct blkdev *find_partition(const char *label)
{
    for (struct blkdev *d = blkdev_next(NULL); d; d = blkdev_next(d))
        if (d->parent && strcmp(d->part_label, label) == 0)
            return d;
    return NULL;
}

KTEST(storage_pci_finds_virtio_blk)
{
    storage_wait_ready();
    struct pci_dev *blk = NULL;
    for (struct pci_dev *d = pci_next(NULL); d; d = pci_next(d))
        if (d->vendor == 0x1af4 && (d->device == 0x1001 || d->device == 0x1042))
            blk = d;
    KT_ASSERT(blk != NULL);
    KT_ASSERT(blk->driver != NULL && strcmp(blk->driver->name, "virtio-blk") == 0);
    KT_ASSERT(blk->msix_count >= 2);        /* configuration + queue */
    KT_ASSERT(blk->bar[4].size > 0 && !blk->bar[4].io);
}

struct batch {
    struct semaphore done;
    int errors;
};

static void batch_done(struct blk_request *req)
{
    struct batch *b = req->priv;
    if (req->status < 0)
        __atomic_fetch_add(&b->errors, 1, __ATOMIC_RELAXED);
    sem_up(&b->done);
}

/* Submit n requests of `chunk` bytes at sector 0.. (all at once), wait for all. */
static int run_batch(struct blkdev *dev, enum blk_op op, uint8_t **bufs, unsigned n, uint32_t chunk)
{
    struct batch b = { .errors = 0 };
    sem_init(&b.done, 0);
    struct blk_request *reqs = kzalloc(n * sizeof *reqs);
    struct blk_segment *segs = kzalloc(n * sizeof *segs);
    if (!reqs || !segs) {
        kfree(reqs);
        kfree(segs);
        return -ENOMEM;
    }
    unsigned submitted = 0;
    for (unsigned i = 0; i < n; i++) {
        segs[i] = (struct blk_segment){ bufs[i], chunk };
        reqs[i] = (struct blk_request){ .op = op, .sector = (uint64_t)i * chunk / dev->sector_size,
                                        .nsegs = 1, .segs = &segs[i], .done = batch_done, .priv = &b };
        if (blkdev_submit(dev, &reqs[i]) == 0)
            submitted++;
        else
            b.errors++;
    }
    for (unsigned i = 0; i < submitted; i++)
        sem_down(&b.done);
    kfree(reqs);
    kfree(segs);
    return b.errors ? -EIO : 0;
}

KTEST(storage_blk_many_requests_in_flight)
{
    storage_wait_ready();
    struct blkdev *scratch = find_partition(STORAGE_SCRATCH_LABEL);
    KT_ASSERT(scratch != NULL);
    enum { N = 96, CHUNK = 32768 };
    uint8_t *bufs[N];
    for (unsigned i = 0; i < N; i++) {
        bufs[i] = kmalloc(CHUNK);
        KT_ASSERT(bufs[i] != NULL);
        pattern_fill(bufs[i], CHUNK, 77, (uint64_t)i * CHUNK);
    }
    struct virtio_blk_stats before, after;
    KT_ASSERT(virtio_blk_stats("vda", &before));
    KT_ASSERT_EQ(run_batch(scratch, BLK_WRITE, bufs, N, CHUNK), 0);
    KT_ASSERT_EQ(blkdev_flush(scratch), 0);
    for (unsigned i = 0; i < N; i++)
        memset(bufs[i], 0, CHUNK);
    KT_ASSERT_EQ(run_batch(scratch, BLK_READ, bufs, N, CHUNK), 0);
    uint8_t *want = kmalloc(CHUNK);
    KT_ASSERT(want != NULL);
    int bad = 0;
    for (unsigned i = 0; i < N; i++) {
        pattern_fill(want, CHUNK, 77, (uint64_t)i * CHUNK);
        bad += memcmp(want, bufs[i], CHUNK) != 0;
        kfree(bufs[i]);
    }
    kfree(want);
    KT_ASSERT_EQ(bad, 0);
    KT_ASSERT(virtio_blk_stats("vda", &after));
    KT_ASSERT(after.requests - before.requests >= 2 * N + 1);
    /* Requests overlapped: many were queued before the first finished, and
     * one interrupt finished several. */
    KT_ASSERT(after.max_in_flight >= 16);
    KT_ASSERT(after.interrupts - before.interrupts < after.requests - before.requests);
}

KTEST(storage_blk_rejects_bad_requests)
{
    storage_wait_ready();
    struct blkdev *scratch = find_partition(STORAGE_SCRATCH_LABEL);
    KT_ASSERT(scratch != NULL);
    uint8_t *buf = kzalloc(4096);
    KT_ASSERT(buf != NULL);
    KT_ASSERT_EQ(blkdev_read(scratch, scratch->sectors - 1, buf, 512), 0);
    KT_ASSERT_EQ(blkdev_read(scratch, scratch->sectors, buf, 512), -ENXIO);
    KT_ASSERT_EQ(blkdev_read(scratch, scratch->sectors - 1, buf, 1024), -ENXIO);
    KT_ASSERT_EQ(blkdev_read(scratch, 0, buf, 100), -EINVAL);
    /* A read-only window over the scratch partition refuses writes. */
    struct blkdev *ro = blkdev_new_partition(scratch, 9, 0, 8);
    KT_ASSERT(ro != NULL);
    ro->read_only = true;
    KT_ASSERT_EQ(blkdev_write(ro, 0, buf, 512), -EROFS);
    KT_ASSERT_EQ(blkdev_read(ro, 0, buf, 512), 0);
    blkdev_free_partition(ro);
    kfree(buf);
}

static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncmp(hay, needle, n) == 0)
            return true;
    return false;
}

static int read_small(const char *path, char *buf, size_t size)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, path, VFS_O_RDONLY, 0, &f);
    if (rc < 0)
        return rc;
    int64_t n = vfs_read(f, buf, size - 1);
    vfs_close(f);
    if (n < 0)
        return (int)n;
    buf[n] = 0;
    return (int)n;
}

KTEST(storage_boot_partitions_mounted)
{
    storage_wait_ready();
    struct vfs_statfs sf;
    KT_ASSERT_EQ(vfs_statfs(NULL, "/boot", 0, &sf), 0);
    KT_ASSERT(strcmp(sf.fs_type, "fat32") == 0 && sf.read_only);
    char *cfg = kmalloc(2048);
    KT_ASSERT(cfg != NULL);
    KT_ASSERT(read_small("/boot/EFI/KPIO/KPIO.CFG", cfg, 2048) > 0);
    KT_ASSERT(contains(cfg, "kernel_sha256"));
    kfree(cfg);
    struct vfs_file *f;
    KT_ASSERT_EQ(vfs_open(NULL, "/boot/new.txt", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), -EROFS);
    KT_ASSERT_EQ(vfs_mkdir(NULL, "/boot/EFI/x", 0, 0755), -EROFS);
    KT_ASSERT_EQ(vfs_statfs(NULL, "/data", 0, &sf), 0);
    KT_ASSERT(strcmp(sf.fs_type, "fat32") == 0 && !sf.read_only);
    KT_ASSERT_EQ(vfs_statfs(NULL, "/tmp", 0, &sf), 0);
    KT_ASSERT(strcmp(sf.fs_type, "tmpfs") == 0);
    struct vfs_stat st;
    KT_ASSERT_EQ(vfs_stat(NULL, "/data/README.TXT", 0, &st), 0);
    KT_ASSERT(st.size > 0);
}

/* Write a file of `size` bytes of pattern seed in `chunk`-byte writes. */
static int write_pattern(const char *path, uint64_t size, uint64_t seed, size_t chunk, bool sync)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, path, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f);
    if (rc < 0)
        return rc;
    uint8_t *buf = kmalloc(chunk);
    for (uint64_t off = 0; buf && rc == 0 && off < size; off += chunk) {
        size_t n = (size_t)MIN((uint64_t)chunk, size - off);
        pattern_fill(buf, n, seed, off);
        int64_t w = vfs_write(f, buf, n);
        rc = w == (int64_t)n ? 0 : w < 0 ? (int)w : -EIO;
    }
    if (!buf)
        rc = -ENOMEM;
    if (rc == 0 && sync)
        rc = vfs_fsync(f);
    kfree(buf);
    vfs_close(f);
    return rc;
}

/* 0 if path holds exactly `size` bytes of pattern seed. */
static int check_pattern(const char *path, uint64_t size, uint64_t seed)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, path, VFS_O_RDONLY, 0, &f);
    if (rc < 0)
        return rc;
    enum { CHUNK = 65536 };
    uint8_t *buf = kmalloc(CHUNK), *want = kmalloc(CHUNK);
    uint64_t off = 0;
    int64_t n = 0;
    while (buf && want && rc == 0 && (n = vfs_read(f, buf, CHUNK)) > 0) {
        pattern_fill(want, (size_t)n, seed, off);
        if (off + (uint64_t)n > size || memcmp(buf, want, (size_t)n) != 0)
            rc = -EIO;
        off += (uint64_t)n;
    }
    if (!buf || !want)
        rc = -ENOMEM;
    if (rc == 0 && (n < 0 || off != size))
        rc = n < 0 ? (int)n : -EIO;
    kfree(buf);
    kfree(want);
    vfs_close(f);
    return rc;
}

KTEST(storage_data_partition_round_trip)
{
    storage_wait_ready();
    struct vfs_statfs before, after;
    KT_ASSERT_EQ(vfs_statfs(NULL, "/data", 0, &before), 0);
    KT_ASSERT_EQ(vfs_mkdir(NULL, "/data/ktest", 0, 0755), 0);
    KT_ASSERT_EQ(write_pattern("/data/ktest/big.bin", 8u << 20, 5, 65536, true), 0);
    char name[64];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "/data/ktest/small file %03d.txt", i);
        KT_ASSERT_EQ(write_pattern(name, 100 + (uint64_t)i * 13, 100 + (uint64_t)i, 4096, false), 0);
    }
    KT_ASSERT_EQ(vfs_rename(NULL, "/data/ktest/small file 007.txt", NULL, "/data/seven.txt", 0), 0);
    KT_ASSERT_EQ(vfs_sync_all(), 0);
    /* Unmount and mount again: everything comes back from the disk. */
    KT_ASSERT_EQ(vfs_umount("/data"), 0);
    struct blkdev *data = find_partition(STORAGE_DATA_LABEL);
    KT_ASSERT(data != NULL);
    KT_ASSERT_EQ(vfs_mount("fat", data->name, "/data", 0), 0);
    KT_ASSERT_EQ(check_pattern("/data/ktest/big.bin", 8u << 20, 5), 0);
    KT_ASSERT_EQ(check_pattern("/data/seven.txt", 100 + 7 * 13, 107), 0);
    for (int i = 0; i < 200; i += 17) {
        if (i == 7)
            continue;
        snprintf(name, sizeof name, "/data/ktest/small file %03d.txt", i);
        KT_ASSERT_EQ(check_pattern(name, 100 + (uint64_t)i * 13, 100 + (uint64_t)i), 0);
    }
    /* Remove it all: the space comes back. */
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "/data/ktest/small file %03d.txt", i);
        int rc = vfs_unlink(NULL, name, 0);
        KT_ASSERT(rc == 0 || (i == 7 && rc == -ENOENT));
    }
    KT_ASSERT_EQ(vfs_unlink(NULL, "/data/ktest/big.bin", 0), 0);
    KT_ASSERT_EQ(vfs_unlink(NULL, "/data/seven.txt", 0), 0);
    KT_ASSERT_EQ(vfs_rmdir(NULL, "/data/ktest", 0), 0);
    KT_ASSERT_EQ(vfs_sync_all(), 0);
    KT_ASSERT_EQ(vfs_statfs(NULL, "/data", 0, &after), 0);
    KT_ASSERT_EQ(after.blocks_free, before.blocks_free);
}

KTEST(storage_tmp_and_dev)
{
    storage_wait_ready();
    KT_ASSERT_EQ(write_pattern("/tmp/t.bin", 300000, 9, 4096, false), 0);
    KT_ASSERT_EQ(check_pattern("/tmp/t.bin", 300000, 9), 0);
    KT_ASSERT_EQ(vfs_unlink(NULL, "/tmp/t.bin", 0), 0);
    struct vfs_file *f;
    uint8_t buf[64];
    KT_ASSERT_EQ(vfs_open(NULL, "/dev/zero", VFS_O_RDONLY, 0, &f), 0);
    memset(buf, 1, sizeof buf);
    KT_ASSERT_EQ(vfs_read(f, buf, sizeof buf), (int64_t)sizeof buf);
    vfs_close(f);
    for (size_t i = 0; i < sizeof buf; i++)
        KT_ASSERT_EQ(buf[i], 0);
    KT_ASSERT_EQ(vfs_open(NULL, "/dev/null", VFS_O_RDWR, 0, &f), 0);
    KT_ASSERT_EQ(vfs_write(f, buf, 10), 10);
    KT_ASSERT_EQ(vfs_read(f, buf, 10), 0);
    vfs_close(f);
    KT_ASSERT_EQ(vfs_open(NULL, "/dev/console", VFS_O_WRONLY, 0, &f), 0);
    KT_ASSERT_EQ(vfs_write(f, "devfs console ok\n", 17), 17);
    vfs_close(f);
    KT_ASSERT_EQ(vfs_open(NULL, "/dev/random", VFS_O_RDONLY, 0, &f), 0);
    uint8_t r1[32] = { 0 }, r2[32] = { 0 };
    KT_ASSERT_EQ(vfs_read(f, r1, sizeof r1), (int64_t)sizeof r1);
    KT_ASSERT_EQ(vfs_read(f, r2, sizeof r2), (int64_t)sizeof r2);
    vfs_close(f);
    KT_ASSERT(memcmp(r1, r2, sizeof r1) != 0);
}

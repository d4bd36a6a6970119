/*
 * tests/unit/fs/test_fat_write.c — the FAT driver's write side from inside:
 * short-name generation and collisions, name rules, timestamps, unlinking
 * open files, space accounting, I/O errors, concurrent writers, no leaks;
 * and power cuts simulated from the device's write journal: the disk as a
 * cut after any request would leave it (and, between two flushes, with any
 * subset of the requests written) must need at most what `fsck.fat -a`
 * repairs, and every file fsync'ed before the cut must read back intact.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fs/fat/fat.h"
#include "fs/fat/fat_internal.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "hostblk.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "testutil.h"

static struct hostblk *disk;

/* A fresh image made by mkfs.fat, mounted at /v. */
static void mount_new(const char *name, int bits, unsigned size_kib, const char *extra, unsigned flags)
{
    const char *img = tu_tmp(name);
    assert_int_equal(tu_sh("rm -f '%s' && mkfs.fat -C -F %d %s '%s' %u >/dev/null", img, bits,
                           extra ? extra : "", img, size_kib), 0);
    disk = hostblk_open(img, "w", 512, flags);
    assert_non_null(disk);
    blkdev_register(hostblk_dev(disk));
    assert_int_equal(vfs_mount("fat", "w", "/v", 0), 0);
}

static void unmount_disk(void)
{
    assert_int_equal(vfs_umount("/v"), 0);
    blkdev_unregister(hostblk_dev(disk));
    hostblk_close(disk);
    disk = NULL;
}

static int fsck_clean(const char *img)
{
    return tu_sh("fsck.fat -n '%s' | grep -v -e '^fsck.fat ' -e ' files, ' | grep -q . && exit 1; "
                 "fsck.fat -n '%s' >/dev/null", img, img);
}

static int setup(void **state)
{
    (void)state;
    tmpfs_register();
    fat_register();
    bcache_set_default_size(4u << 20);
    return vfs_mount("tmpfs", NULL, "/", 0) || vfs_mkdir(NULL, "/v", 0, 0755);
}

static int teardown(void **state)
{
    (void)state;
    return vfs_umount_all();
}

/* After each test: whatever a failed test left mounted goes away. */
static int cleanup(void **state)
{
    (void)state;
    vfs_umount("/c");
    if (disk) {
        vfs_umount("/v");
        blkdev_unregister(hostblk_dev(disk));
        hostblk_close(disk);
        disk = NULL;
    }
    return 0;
}

static void put(const char *path, const void *data, size_t len)
{
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, path, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f), 0);
    assert_int_equal(vfs_write(f, data, len), (int64_t)len);
    vfs_close(f);
}

/* The raw short name of path's entry. */
static void short_name_of(const char *path, char out[12])
{
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, path, VFS_O_RDONLY, 0, &f), 0);
    struct fat_node *n = container_of(f->node, struct fat_node, vnode);
    struct fat_fs *fs = f->node->mount->fs;
    uint64_t off;
    mutex_lock(&fs->lock);
    assert_int_equal(fat_dir_entry_offset(fs, n->parent, n->entry_index, &off), 0);
    assert_int_equal(bcache_read(fs->bd, off, out, 11), 0);
    mutex_unlock(&fs->lock);
    out[11] = 0;
    vfs_close(f);
}

static void test_short_names(void **state)
{
    (void)state;
    mount_new("names.img", 16, 16384, NULL, 0);
    /* Each name gets the short entry Windows would give it (FATSPEC §7). */
    static const struct { const char *path, *sfn; } cases[] = {
        { "/v/README.TXT", "README  TXT" },
        { "/v/lower.c", "LOWER   C  " },
        { "/v/Long File Name.text", "LONGFI~1TEX" },
        { "/v/Long File Nomad.text", "LONGFI~2TEX" },
        { "/v/a.b.c.d", "ABC~1   D  " },
        { "/v/.profile", "PROFIL~1   " },
        { "/v/über+naïve;x.txt", "_BER_N~1TXT" },
    };
    char sfn[12];
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        put(cases[i].path, "a", 1);
        short_name_of(cases[i].path, sfn);
        assert_string_equal(sfn, cases[i].sfn);
    }
    /* Ten collisions push the tail to two digits and shorten the stem. */
    char name[64];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "/v/collision number %d.dat", i);
        put(name, "a", 1);
    }
    short_name_of("/v/collision number 9.dat", sfn);
    assert_string_equal(sfn, "COLLI~10DAT");
    /* Names differing only in case are the same name. */
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/v/readme.txt", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0644, &f), -EEXIST);
    assert_int_equal(vfs_mkdir(NULL, "/v/LONG FILE NAME.TEXT", 0, 0755), -EEXIST);
    assert_int_equal(vfs_mkdir(NULL, "/v/longfi~1.tex", 0, 0755), -EEXIST);   /* the alias too */
    /* Rules for long names. */
    assert_int_equal(vfs_mkdir(NULL, "/v/a*b", 0, 0755), -EINVAL);
    assert_int_equal(vfs_mkdir(NULL, "/v/ends with dot.", 0, 0755), -EINVAL);
    assert_int_equal(vfs_mkdir(NULL, "/v/ends with space ", 0, 0755), -EINVAL);
    assert_int_equal(vfs_mkdir(NULL, "/v/bad\xff" "utf8", 0, 0755), -EILSEQ);
    char longest[300];
    memset(longest, 'L', sizeof longest);
    memcpy(longest, "/v/", 3);
    longest[3 + 255] = 0;
    assert_int_equal(vfs_mkdir(NULL, longest, 0, 0755), 0);
    longest[3 + 255] = 'L';
    longest[3 + 256] = 0;
    assert_int_equal(vfs_mkdir(NULL, longest, 0, 0755), -ENAMETOOLONG);
    unmount_disk();
    assert_int_equal(fsck_clean(tu_tmp("names.img")), 0);
}

static void test_time_conversion(void **state)
{
    (void)state;
    uint16_t d, t;
    uint8_t tenth;
    /* 2024-02-29 13:45:31.250 UTC */
    int64_t ns = 1709214331LL * 1000000000 + 250000000;
    fat_time_from_unix(ns, &d, &t, &tenth);
    assert_int_equal(d, (44 << 9) | (2 << 5) | 29);
    assert_int_equal(t, (13 << 11) | (45 << 5) | 15);
    assert_int_equal(tenth, 125);
    assert_int_equal(fat_time_to_unix(d, t, tenth), ns);
    assert_int_equal(fat_time_to_unix(d, t, 0), ns - 1250000000LL);   /* 2 s resolution */
    fat_time_from_unix(0, &d, &t, NULL);                                /* 1970 clamps to 1980 */
    assert_int_equal(d, (0 << 9) | (1 << 5) | 1);
    assert_int_equal(t, 0);
    fat_time_from_unix(5000000000LL * 1000000000, &d, &t, NULL);        /* past 2107 */
    assert_int_equal(d, (127 << 9) | (12 << 5) | 31);

    mount_new("times.img", 12, 1440, NULL, 0);
    put("/v/t", "x", 1);
    assert_int_equal(vfs_set_times(NULL, "/v/t", 0, VFS_TIME_OMIT, 1000000000LL * 1000000000), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/v/t", 0, &st), 0);
    assert_int_equal(st.mtime_ns, 1000000000LL * 1000000000);           /* 2001-09-09 01:46:40 */
    unmount_disk();
    /* mtools reads the same time. */
    char *out = tu_sh_output("MTOOLS_SKIP_CHECK=1 mdir -i '%s' ::/T", tu_tmp("times.img"));
    assert_non_null(strstr(out, "2001-09-09"));
    assert_non_null(strstr(out, "1:46"));
    free(out);
}

static void test_unlink_open_file_keeps_data(void **state)
{
    (void)state;
    mount_new("unlink.img", 16, 16384, NULL, 0);
    static uint8_t data[100000], back[100000];
    tu_fill_pattern(data, sizeof data, 3);
    put("/v/victim", data, sizeof data);
    assert_int_equal(vfs_sync_all(), 0);
    struct vfs_statfs before, during, after;
    assert_int_equal(vfs_statfs(NULL, "/v", 0, &before), 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/v/victim", VFS_O_RDWR, 0, &f), 0);
    assert_int_equal(vfs_unlink(NULL, "/v/victim", 0), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/v/victim", 0, &st), -ENOENT);
    /* A new file may take the freed directory slot meanwhile. */
    put("/v/newcomer", "new", 3);
    assert_int_equal(vfs_pread(f, back, sizeof back, 0), (int64_t)sizeof back);
    assert_memory_equal(back, data, sizeof data);
    assert_int_equal(vfs_pwrite(f, "XY", 2, 10), 2);
    assert_int_equal(vfs_statfs(NULL, "/v", 0, &during), 0);
    assert_true(during.blocks_free < before.blocks_free);
    vfs_close(f);
    assert_int_equal(vfs_sync_all(), 0);
    assert_int_equal(vfs_statfs(NULL, "/v", 0, &after), 0);
    /* The victim's clusters came back; the newcomer took one. */
    uint64_t victim = (sizeof data + before.block_size - 1) / before.block_size;
    assert_int_equal(after.blocks_free, before.blocks_free + victim - 1);
    char text[4] = { 0 };
    assert_int_equal(vfs_open(NULL, "/v/newcomer", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_read(f, text, 3), 3);
    vfs_close(f);
    assert_string_equal(text, "new");
    unmount_disk();
    assert_int_equal(fsck_clean(tu_tmp("unlink.img")), 0);
}

static void test_io_errors(void **state)
{
    (void)state;
    mount_new("eio.img", 16, 16384, NULL, 0);
    static uint8_t data[50000];
    tu_fill_pattern(data, sizeof data, 4);
    put("/v/f", data, sizeof data);
    hostblk_fail_writes_after(disk, 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/v/f", VFS_O_RDWR, 0, &f), 0);
    assert_int_equal(vfs_fsync(f), -EIO);
    hostblk_fail_writes_after(disk, -1);
    assert_int_equal(vfs_fsync(f), 0);               /* the data was kept and goes out now */
    vfs_close(f);
    /* Read errors reach the reader (after a remount: nothing cached). */
    unmount_disk();
    assert_int_equal(fsck_clean(tu_tmp("eio.img")), 0);
    disk = hostblk_open(tu_tmp("eio.img"), "w", 512, 0);
    blkdev_register(hostblk_dev(disk));
    assert_int_equal(vfs_mount("fat", "w", "/v", 0), 0);
    hostblk_fail_reads_after(disk, 0);
    static uint8_t back[50000];
    int rc = vfs_open(NULL, "/v/f", VFS_O_RDONLY, 0, &f);
    if (rc == 0) {
        assert_int_equal(vfs_read(f, back, sizeof back), -EIO);
        vfs_close(f);
    } else {
        assert_int_equal(rc, -EIO);
    }
    hostblk_fail_reads_after(disk, -1);
    assert_int_equal(vfs_open(NULL, "/v/f", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_read(f, back, sizeof back), (int64_t)sizeof back);
    assert_memory_equal(back, data, sizeof data);
    vfs_close(f);
    unmount_disk();
}

struct writer {
    int id;
    int errors;
};

static void *writer_main(void *p)
{
    struct writer *w = p;
    char path[64];
    static uint8_t data[4][30000];
    tu_fill_pattern(data[w->id], sizeof data[w->id], (uint64_t)w->id + 10);
    for (int i = 0; i < 25; i++) {
        snprintf(path, sizeof path, "/v/t%d/file %d", w->id, i);
        struct vfs_file *f;
        if (vfs_open(NULL, path, VFS_O_RDWR | VFS_O_CREAT, 0644, &f) < 0) {
            w->errors++;
            continue;
        }
        size_t len = 1000 * (size_t)(i + 1);
        uint8_t back[30000];
        if (vfs_write(f, data[w->id], len) != (int64_t)len ||
            vfs_pread(f, back, len, 0) != (int64_t)len || memcmp(back, data[w->id], len) != 0)
            w->errors++;
        if (i % 7 == 0 && vfs_fsync(f) < 0)
            w->errors++;
        vfs_close(f);
        if (i % 3 == 0) {
            char to[64];
            snprintf(to, sizeof to, "/v/t%d/renamed %d", w->id, i);
            if (vfs_rename(NULL, path, NULL, to, 0) < 0)
                w->errors++;
        }
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    mount_new("mt.img", 32, 40000, NULL, HOSTBLK_ASYNC);
    pthread_t t[4];
    struct writer w[4];
    for (int i = 0; i < 4; i++) {
        char dir[16];
        snprintf(dir, sizeof dir, "/v/t%d", i);
        assert_int_equal(vfs_mkdir(NULL, dir, 0, 0755), 0);
        w[i] = (struct writer){ i, 0 };
    }
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, writer_main, &w[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].errors, 0);
    }
    unmount_disk();
    assert_int_equal(fsck_clean(tu_tmp("mt.img")), 0);
    char *out = tu_sh_output("MTOOLS_SKIP_CHECK=1 mdir -/ -b -i '%s' ::/ | grep -c 'renamed'",
                             tu_tmp("mt.img"));
    assert_int_equal(atoi(out), 4 * 9);
    free(out);
}

static void test_no_leaks_after_unmount(void **state)
{
    (void)state;
    struct mm_stats a, b;
    mm_get_stats(&a);
    mount_new("leak.img", 32, 40000, NULL, 0);
    static uint8_t data[200000];
    put("/v/big", data, sizeof data);
    assert_int_equal(vfs_mkdir(NULL, "/v/d", 0, 0755), 0);
    put("/v/d/long name here.txt", "x", 1);
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/v/d/long name here.txt", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_unlink(NULL, "/v/d/long name here.txt", 0), 0);
    vfs_close(f);
    assert_int_equal(vfs_rename(NULL, "/v/d", NULL, "/v/e", 0), 0);
    unmount_disk();
    mm_get_stats(&b);
    assert_int_equal(b.heap_allocations, a.heap_allocations);
}

/* ---- power cuts ---- */

struct synced {
    char path[64];
    char alt[64];               /* renamed to this after the fsync ("" if not) */
    size_t journal_at;          /* journal length when its fsync returned */
    size_t touched_at;          /* journal length when it was renamed/deleted/appended (SIZE_MAX: never) */
    bool deleted, appended;
    uint64_t seed;
    uint32_t size;
};

#define MAX_SYNCED 64
static struct synced synced[MAX_SYNCED];
static int nsynced;

/* The workload: files of mixed sizes in two directories, each fsync'ed;
 * renames, deletes and appends of earlier ones in between. */
static void crash_workload(void)
{
    uint64_t rnd = 99;
    assert_int_equal(vfs_mkdir(NULL, "/v/dir", 0, 0755), 0);
    static uint8_t buf[70000];
    nsynced = 0;
    for (int i = 0; i < 40; i++) {
        struct synced *s = &synced[nsynced++];
        snprintf(s->path, sizeof s->path, "/v/%sfile number %d.bin", i % 2 ? "dir/" : "", i);
        s->seed = (uint64_t)i + 1;
        s->size = (uint32_t)(tu_rand(&rnd) % sizeof buf);
        s->touched_at = SIZE_MAX;
        tu_fill_pattern(buf, s->size, s->seed);
        struct vfs_file *f;
        assert_int_equal(vfs_open(NULL, s->path, VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), 0);
        assert_int_equal(vfs_write(f, buf, s->size), (int64_t)s->size);
        assert_int_equal(vfs_fsync(f), 0);
        vfs_close(f);
        s->journal_at = hostblk_journal_len(disk);
        /* Not fsync'ed: files that may or may not survive. */
        char junk[64];
        snprintf(junk, sizeof junk, "/v/unsynced %d", i);
        put(junk, buf, s->size / 3);
        if (i >= 3 && i % 3 == 0) {
            struct synced *o = &synced[tu_rand(&rnd) % (uint64_t)(nsynced - 1)];
            if (o->touched_at != SIZE_MAX)
                continue;
            o->touched_at = hostblk_journal_len(disk);
            switch (i % 9) {
            case 0:
                snprintf(o->alt, sizeof o->alt, "/v/renamed %d", i);
                assert_int_equal(vfs_rename(NULL, o->path, NULL, o->alt, 0), 0);
                break;
            case 3:
                o->deleted = true;
                assert_int_equal(vfs_unlink(NULL, o->path, 0), 0);
                break;
            default:
                o->appended = true;
                assert_int_equal(vfs_open(NULL, o->path, VFS_O_WRONLY | VFS_O_APPEND, 0, &f), 0);
                assert_int_equal(vfs_write(f, "appended", 8), 8);
                vfs_close(f);
                break;
            }
        }
    }
}

/* Does the file at path hold exactly pattern (seed, size) (or, if
 * `prefix_ok`, start with it)? -ENOENT if absent. */
static int check_content(const char *path, uint64_t seed, uint32_t size, bool prefix_ok)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, path, VFS_O_RDONLY, 0, &f);
    if (rc < 0)
        return rc;
    static uint8_t want[70000], got[70100];
    tu_fill_pattern(want, size, seed);
    int64_t n = vfs_read(f, got, sizeof got);
    vfs_close(f);
    if (n < (int64_t)size || (!prefix_ok && n != (int64_t)size) || memcmp(got, want, size) != 0) {
        size_t bad = 0;
        while (n >= 0 && bad < MIN((size_t)n, (size_t)size) && got[bad] == want[bad])
            bad++;
        fprintf(stderr, "%s: %lld bytes (want %u%s), first difference at %zu\n", path, (long long)n,
                size, prefix_ok ? " or more" : "", bad);
        return -EIO;
    }
    return 0;
}

/* Check every file fsync'ed before cut on the repaired image at /c. */
static int check_synced(size_t cut)
{
    for (int i = 0; i < nsynced; i++) {
        struct synced *s = &synced[i];
        if (s->journal_at > cut)
            continue;
        char path[80], alt[80];
        snprintf(path, sizeof path, "/c%s", s->path + 2);
        snprintf(alt, sizeof alt, "/c%s", s->alt + 2);
        bool touched = s->touched_at <= cut;
        int rc = check_content(path, s->seed, s->size, touched && s->appended);
        if (rc == -ENOENT && touched && s->alt[0])
            rc = check_content(alt, s->seed, s->size, false);
        if (rc == -ENOENT && touched && s->deleted)
            rc = 0;
        if (rc < 0) {
            fprintf(stderr, "cut %zu: %s (synced at %zu) is %s\n", cut, s->path, s->journal_at,
                    rc == -ENOENT ? "missing" : "damaged");
            return rc;
        }
    }
    return 0;
}

/* Rebuild the disk as a cut after journal entry `cut` would leave it: all
 * writes up to the last flush before the cut, then (if `subset`) only some
 * of those after it. Then fsck -a, fsck -n must be clean, and the synced
 * files must be intact. Returns 0 or -1. */
static int try_cut(const char *initial, size_t cut, uint64_t subset_seed)
{
    char img[512];
    snprintf(img, sizeof img, "%s", tu_tmp("cut.img"));
    if (tu_copy(initial, img) < 0)
        return -1;
    FILE *out = fopen(img, "r+b");
    size_t last_flush = 0;
    for (size_t i = 0; i < cut; i++)
        if (!hostblk_journal_entry(disk, i)->data)
            last_flush = i;
    uint64_t rnd = subset_seed;
    for (size_t i = 0; i < cut; i++) {
        const struct hostblk_write *w = hostblk_journal_entry(disk, i);
        if (!w->data)
            continue;
        if (subset_seed && i > last_flush && tu_rand(&rnd) % 2)
            continue;
        fseek(out, (long)(w->sector * 512), SEEK_SET);
        fwrite(w->data, 1, w->len, out);
    }
    fclose(out);
    if (getenv("KEEP_CUTS"))
        tu_sh("cp '%s' /tmp/kpio-cut-%zu-%llu.img", img, cut, (unsigned long long)subset_seed);
    /* fsck.fat -a exits 1 when it fixed something; anything else is trouble. */
    int rc = tu_sh("fsck.fat -a '%s' >/dev/null 2>&1", img);
    if (rc != 0 && rc != 1) {
        fprintf(stderr, "cut %zu: fsck.fat -a exited %d\n", cut, rc);
        return -1;
    }
    if (fsck_clean(img) != 0) {
        fprintf(stderr, "cut %zu: still damaged after fsck.fat -a\n", cut);
        tu_sh("fsck.fat -n '%s' >&2", img);
        return -1;
    }
    struct hostblk *h = hostblk_open(img, "cut", 512, HOSTBLK_READ_ONLY);
    blkdev_register(hostblk_dev(h));
    rc = vfs_mount("fat", "cut", "/c", VFS_MNT_RDONLY);
    if (rc == 0) {
        rc = check_synced(cut);
        vfs_umount("/c");
    }
    blkdev_unregister(hostblk_dev(h));
    hostblk_close(h);
    return rc;
}

static void run_power_cuts(int bits, unsigned size_kib)
{
    char initial[512], img[512];
    snprintf(initial, sizeof initial, "%s", tu_tmp("initial.img"));
    snprintf(img, sizeof img, "%s", tu_tmp("work.img"));
    assert_int_equal(tu_sh("rm -f '%s' && mkfs.fat -C -F %d '%s' %u >/dev/null", initial, bits,
                           initial, size_kib), 0);
    assert_int_equal(tu_copy(initial, img), 0);
    disk = hostblk_open(img, "w", 512, HOSTBLK_JOURNAL);
    blkdev_register(hostblk_dev(disk));
    assert_int_equal(vfs_mount("fat", "w", "/v", 0), 0);
    int rc = vfs_mkdir(NULL, "/c", 0, 0755);
    assert_true(rc == 0 || rc == -EEXIST);
    crash_workload();
    size_t total = hostblk_journal_len(disk);
    /* Cuts: just before and just after every flush, and in between at random,
     * each also with a random subset of the unflushed writes. */
    uint64_t rnd = (uint64_t)bits;
    int tried = 0, failed = 0;
    for (size_t i = 1; i <= total; i++) {
        bool at_flush = !hostblk_journal_entry(disk, i - 1)->data ||
                        (i < total && !hostblk_journal_entry(disk, i)->data);
        if (!at_flush && tu_rand(&rnd) % 8 != 0)
            continue;
        tried++;
        failed += try_cut(initial, i, 0) != 0;
        if (!at_flush) {
            tried++;
            failed += try_cut(initial, i, tu_rand(&rnd) | 1) != 0;
        }
    }
    fprintf(stderr, "FAT%d: %d power cuts over %zu journal entries, %d failed\n", bits, tried,
            total, failed);
    assert_int_equal(failed, 0);
    assert_true(tried > 100);
    unmount_disk();
}

static void test_power_cuts_fat16(void **state) { (void)state; run_power_cuts(16, 16384); }
static void test_power_cuts_fat32(void **state) { (void)state; run_power_cuts(32, 40000); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_short_names, cleanup),
        cmocka_unit_test_teardown(test_time_conversion, cleanup),
        cmocka_unit_test_teardown(test_unlink_open_file_keeps_data, cleanup),
        cmocka_unit_test_teardown(test_io_errors, cleanup),
        cmocka_unit_test_teardown(test_concurrent_writers, cleanup),
        cmocka_unit_test_teardown(test_no_leaks_after_unmount, cleanup),
        cmocka_unit_test_teardown(test_power_cuts_fat16, cleanup),
        cmocka_unit_test_teardown(test_power_cuts_fat32, cleanup),
    };
    return cmocka_run_group_tests_name("fat-write", tests, setup, teardown);
}
